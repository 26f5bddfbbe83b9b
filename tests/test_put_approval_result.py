"""PutApprovalResult end to end: answering, its effects on the pipeline, and every error."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pipelines import (
    ALREADY_COMPLETED,
    APPROVE,
    INVALID_TOKEN,
    REJECT,
    Client,
    Declaration,
    Pending,
    action_state,
    approval_stage,
    approval_token,
    approve,
    caller_arn,
    deploy_stage,
    key_paths,
    source_stage,
    stage_state,
)

TOKEN_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NAME_PATTERN = "[A-Za-z0-9.@\\-_]+"
STAGE_NOT_FOUND = "The stage was specified in an invalid format or cannot be found."
ACTION_NOT_FOUND = "The specified action cannot be found."


def error_of(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = err.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def only_execution(codepipeline: Client, pipeline: str = "release") -> dict[str, Any]:
    summaries = codepipeline.list_pipeline_executions(pipelineName=pipeline)
    [summary] = summaries["pipelineExecutionSummaries"]
    execution: dict[str, Any] = codepipeline.get_pipeline_execution(
        pipelineName=pipeline, pipelineExecutionId=summary["pipelineExecutionId"]
    )["pipelineExecution"]
    return execution


def two_approval_stages() -> list[Declaration]:
    return [
        source_stage(),
        approval_stage(),
        approval_stage("Review", "Signoff"),
        deploy_stage(),
    ]


# -- answering ---------------------------------------------------------------------------


def test_approving_returns_when_the_answer_was_recorded(
    codepipeline: Client, pending: Pending
) -> None:
    response = codepipeline.put_approval_result(**pending, result=APPROVE)

    approved_at = response["approvedAt"]
    assert isinstance(approved_at, datetime.datetime)
    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["lastStatusChange"] == approved_at


def test_rejecting_also_returns_when_the_answer_was_recorded(
    codepipeline: Client, pending: Pending
) -> None:
    response = codepipeline.put_approval_result(**pending, result=REJECT)

    assert isinstance(response["approvedAt"], datetime.datetime)


def test_an_approved_action_succeeds_with_the_summary_and_the_approver(
    codepipeline: Client, pending: Pending, client_factory: Callable[..., Client]
) -> None:
    codepipeline.put_approval_result(**pending, result=APPROVE)

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "Succeeded"
    assert latest["summary"] == "Looks good"
    assert latest["lastUpdatedBy"] == caller_arn(client_factory("sts"))
    assert latest["externalExecutionId"] == pending["token"]


def test_a_rejected_action_fails_with_the_summary_and_the_approver(
    codepipeline: Client, pending: Pending, client_factory: Callable[..., Client]
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "Failed"
    assert latest["summary"] == "Not today"
    assert latest["lastUpdatedBy"] == caller_arn(client_factory("sts"))


def test_the_approver_is_whoever_signed_the_request(
    pending: Pending, client_factory: Callable[..., Client], role_arn: str
) -> None:
    credentials = client_factory("sts").assume_role(RoleArn=role_arn, RoleSessionName="alice")[
        "Credentials"
    ]
    alice = {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
    as_alice = client_factory("codepipeline", **alice)

    as_alice.put_approval_result(**pending, result=APPROVE)

    latest = action_state(as_alice, "Approve", "ManualApproval")["latestExecution"]
    assert latest["lastUpdatedBy"] == caller_arn(client_factory("sts", **alice))
    assert latest["lastUpdatedBy"].endswith(":assumed-role/pipeline/alice")


@pytest.mark.parametrize(
    "result", [pytest.param(APPROVE, id="approved"), pytest.param(REJECT, id="rejected")]
)
def test_no_token_is_shown_anywhere_once_the_approval_is_answered(
    codepipeline: Client, pending: Pending, result: dict[str, str]
) -> None:
    codepipeline.put_approval_result(**pending, result=result)

    state = codepipeline.get_pipeline_state(name="release")
    assert key_paths(state, "token") == []


def test_approval_lets_the_execution_run_the_next_stage_to_success(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=APPROVE)

    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "Succeeded"
    assert stage_state(codepipeline, "Deploy")["latestExecution"]["status"] == "Succeeded"
    assert action_state(codepipeline, "Deploy", "Ship")["latestExecution"]["status"] == "Succeeded"
    assert only_execution(codepipeline)["status"] == "Succeeded"


def test_rejection_fails_the_stage_and_the_execution(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)

    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "Failed"
    assert only_execution(codepipeline)["status"] == "Failed"


def test_rejection_keeps_later_stages_from_running(codepipeline: Client, pending: Pending) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)

    deploy = stage_state(codepipeline, "Deploy")
    assert "latestExecution" not in deploy
    assert deploy["actionStates"] == [{"actionName": "Ship"}]


def test_an_empty_summary_is_accepted_and_then_omitted(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result={"status": "Approved", "summary": ""})

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "Succeeded"
    assert "summary" not in latest


def test_the_second_approval_stage_waits_for_the_first(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(stages=two_approval_stages())
    assert "latestExecution" not in stage_state(codepipeline, "Review")

    approve(codepipeline)

    signoff = action_state(codepipeline, "Review", "Signoff")["latestExecution"]
    assert signoff["status"] == "InProgress"
    assert only_execution(codepipeline)["status"] == "InProgress"


# -- token errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(APPROVE, APPROVE, id="approved-then-approved"),
        pytest.param(APPROVE, REJECT, id="approved-then-rejected"),
        pytest.param(REJECT, APPROVE, id="rejected-then-approved"),
        pytest.param(REJECT, REJECT, id="rejected-then-rejected"),
    ],
)
def test_answering_an_answered_approval_is_rejected(
    codepipeline: Client, pending: Pending, first: dict[str, str], second: dict[str, str]
) -> None:
    codepipeline.put_approval_result(**pending, result=first)

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**pending, result=second)

    assert error_of(err) == ("ApprovalAlreadyCompletedException", ALREADY_COMPLETED)


def test_a_second_answer_does_not_change_the_first(codepipeline: Client, pending: Pending) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)

    with pytest.raises(ClientError):
        codepipeline.put_approval_result(**pending, result=APPROVE)

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert (latest["status"], latest["summary"]) == ("Failed", "Not today")
    assert only_execution(codepipeline)["status"] == "Failed"


def test_an_unknown_token_is_invalid(codepipeline: Client, pending: Pending) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**{**pending, "token": str(uuid.uuid4())}, result=APPROVE)

    assert error_of(err) == ("InvalidApprovalTokenException", INVALID_TOKEN)


def test_a_refused_answer_leaves_the_approval_pending(
    codepipeline: Client, pending: Pending
) -> None:
    with pytest.raises(ClientError):
        codepipeline.put_approval_result(**{**pending, "token": str(uuid.uuid4())}, result=REJECT)

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "InProgress"
    assert latest["token"] == pending["token"]
    codepipeline.put_approval_result(**pending, result=APPROVE)


def test_the_pending_token_of_another_approval_action_is_invalid(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(stages=two_approval_stages())
    first = approval_token(codepipeline)
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=APPROVE,
        token=first,
    )
    second = approval_token(codepipeline, stage="Review")

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(
            pipelineName="release",
            stageName="Approve",
            actionName="ManualApproval",
            result=APPROVE,
            token=second,
        )

    assert error_of(err) == ("InvalidApprovalTokenException", INVALID_TOKEN)


def test_the_answered_token_of_another_approval_action_is_invalid(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(stages=two_approval_stages())
    first = approval_token(codepipeline)
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=APPROVE,
        token=first,
    )

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(
            pipelineName="release",
            stageName="Review",
            actionName="Signoff",
            result=APPROVE,
            token=first,
        )

    assert error_of(err) == ("InvalidApprovalTokenException", INVALID_TOKEN)
    signoff = action_state(codepipeline, "Review", "Signoff")["latestExecution"]
    assert signoff["status"] == "InProgress"


@pytest.mark.parametrize(
    ("stage", "action"),
    [pytest.param("Source", "Fetch", id="source"), pytest.param("Deploy", "Ship", id="deploy")],
)
def test_a_token_sent_to_an_action_that_is_not_an_approval_is_invalid(
    codepipeline: Client, pending: Pending, stage: str, action: str
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(
            **{**pending, "stageName": stage, "actionName": action}, result=APPROVE
        )

    assert error_of(err) == ("InvalidApprovalTokenException", INVALID_TOKEN)


def test_the_answered_token_of_an_earlier_execution_is_already_completed(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)
    codepipeline.start_pipeline_execution(name="release")
    fresh = approval_token(codepipeline)

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**pending, result=APPROVE)

    assert error_of(err) == ("ApprovalAlreadyCompletedException", ALREADY_COMPLETED)
    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["token"] == fresh != pending["token"]


# -- the order of checks -----------------------------------------------------------------


def validation_error(value: str, path: str, constraint: str) -> str:
    return (
        f"1 validation error detected: Value '{value}' at '{path}' "
        f"failed to satisfy constraint: {constraint}"
    )


LONG_NAME = "n" * 101
TOO_LONG = "Member must have length less than or equal to 100"
BAD_NAME = f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
BAD_TOKEN = f"Member must satisfy regular expression pattern: {TOKEN_PATTERN}"
UPPER_TOKEN = "0C35520A-B7E6-403D-BA3F-E02120B524C3"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"pipelineName": LONG_NAME},
            validation_error(LONG_NAME, "pipelineName", TOO_LONG),
            id="pipeline-name-101-chars",
        ),
        pytest.param(
            {"stageName": LONG_NAME},
            validation_error(LONG_NAME, "stageName", TOO_LONG),
            id="stage-name-101-chars",
        ),
        pytest.param(
            {"actionName": LONG_NAME},
            validation_error(LONG_NAME, "actionName", TOO_LONG),
            id="action-name-101-chars",
        ),
        pytest.param(
            {"pipelineName": "team/release"},
            validation_error("team/release", "pipelineName", BAD_NAME),
            id="pipeline-name-with-slash",
        ),
        pytest.param(
            {"stageName": "Approve/1"},
            validation_error("Approve/1", "stageName", BAD_NAME),
            id="stage-name-with-slash",
        ),
        pytest.param(
            {"actionName": "Manual/Approval"},
            validation_error("Manual/Approval", "actionName", BAD_NAME),
            id="action-name-with-slash",
        ),
        pytest.param(
            {"result": {"status": "approved", "summary": "ok"}},
            validation_error(
                "approved",
                "result.status",
                "Member must satisfy enum value set: [Approved, Rejected]",
            ),
            id="lowercase-status",
        ),
        pytest.param(
            {"result": {"status": "Approved", "summary": "s" * 513}},
            validation_error(
                "s" * 513, "result.summary", "Member must have length less than or equal to 512"
            ),
            id="summary-513-chars",
        ),
        pytest.param(
            {"token": "abc"}, validation_error("abc", "token", BAD_TOKEN), id="token-not-a-uuid"
        ),
        pytest.param(
            {"token": UPPER_TOKEN},
            validation_error(UPPER_TOKEN, "token", BAD_TOKEN),
            id="token-uppercase-uuid",
        ),
    ],
)
def test_invalid_input_is_reported_before_anything_is_looked_up(
    codepipeline: Client, change: dict[str, Any], message: str
) -> None:
    # Everything else names nothing that exists, so any lookup would fail first.
    params: dict[str, Any] = {
        "pipelineName": "nope",
        "stageName": "Nowhere",
        "actionName": "Nothing",
        "result": APPROVE,
        "token": str(uuid.uuid4()),
        **change,
    }

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**params)

    assert error_of(err) == ("ValidationException", message)


def test_a_missing_token_is_a_validation_error(
    pending: Pending, client_factory: Callable[..., Client]
) -> None:
    # boto3 refuses to send a request without a required member; AWS checks it too.
    unchecked = client_factory("codepipeline", config=Config(parameter_validation=False))
    params = {key: value for key, value in pending.items() if key != "token"}

    with pytest.raises(ClientError) as err:
        unchecked.put_approval_result(**params, result=APPROVE)

    assert error_of(err) == (
        "ValidationException",
        "1 validation error detected: Value null at 'token' failed to satisfy constraint: "
        "Member must not be null",
    )


def test_every_violation_is_reported_at_once(codepipeline: Client, pending: Pending) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(
            **{**pending, "actionName": "Manual/Approval", "token": "abc"}, result=APPROVE
        )

    code, message = error_of(err)
    assert code == "ValidationException"
    assert message.startswith("2 validation errors detected: ")
    assert "at 'actionName'" in message
    assert "at 'token'" in message


def test_an_unknown_pipeline_is_reported_before_an_unknown_stage(
    codepipeline: Client, pending: Pending
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(
            **{**pending, "pipelineName": "nope", "stageName": "Nowhere", "actionName": "Nothing"},
            result=APPROVE,
        )

    assert error_of(err) == (
        "PipelineNotFoundException",
        "Account '123456789012' does not have a pipeline with name 'nope'",
    )


def test_an_unknown_stage_is_reported_before_an_unknown_action(
    codepipeline: Client, pending: Pending
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(
            **{**pending, "stageName": "Nowhere", "actionName": "Nothing"}, result=APPROVE
        )

    assert error_of(err) == ("StageNotFoundException", STAGE_NOT_FOUND)


def test_an_unknown_action_is_reported_before_the_token_is_checked(
    codepipeline: Client, pending: Pending
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(
            **{**pending, "actionName": "Nothing", "token": str(uuid.uuid4())}, result=APPROVE
        )

    assert error_of(err) == ("ActionNotFoundException", ACTION_NOT_FOUND)


def test_an_action_of_another_stage_is_not_found(codepipeline: Client, pending: Pending) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**{**pending, "stageName": "Deploy"}, result=APPROVE)

    assert error_of(err) == ("ActionNotFoundException", ACTION_NOT_FOUND)
