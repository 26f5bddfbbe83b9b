"""RetryStageExecution: re-running a rejected, expired or abandoned approval, and its limits."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from freezegun import freeze_time
from pipelines import (
    ALREADY_COMPLETED,
    APPROVE,
    INVALID_TOKEN,
    MANUAL,
    REJECT,
    SEVEN_DAYS,
    START,
    Client,
    CreatePipeline,
    Declaration,
    Pending,
    action_state,
    approval_token,
    build_stage,
    deploy_stage,
    execution_status,
    newest_execution_id,
    source_stage,
    stage_state,
)

NOT_RETRYABLE = (
    "Unable to retry. The pipeline structure or stage state might have changed while actions "
    "awaited retry, or the stage contains no failed actions."
)
NOT_LATEST = (
    "The stage has failed in a later run of the pipeline and the pipelineExecutionId "
    "associated with the request is out of date."
)
UNKNOWN_EXECUTION = "11111111-2222-3333-4444-555555555555"


def retry(
    codepipeline: Client, execution_id: str, mode: str = "FAILED_ACTIONS", stage: str = "Approve"
) -> dict[str, Any]:
    response: dict[str, Any] = codepipeline.retry_stage_execution(
        pipelineName="release", stageName=stage, pipelineExecutionId=execution_id, retryMode=mode
    )
    return response


def answer(codepipeline: Client, result: dict[str, str], token: str | None = None) -> None:
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=result,
        token=token or approval_token_of(codepipeline),
    )


def approval(codepipeline: Client) -> dict[str, Any]:
    latest: dict[str, Any] = action_state(codepipeline, "Approve", "ManualApproval")[
        "latestExecution"
    ]
    return latest


def approval_token_of(codepipeline: Client) -> str:
    return str(approval(codepipeline)["token"])


def checked_approval_stage() -> Declaration:
    """An Approve stage running a test suite first, then the manual approval (runOrder 2)."""
    suite = {**build_stage()["actions"][0], "name": "Test", "runOrder": 1}
    approval_action = {"name": "ManualApproval", "actionTypeId": MANUAL, "runOrder": 2}
    return {"name": "Approve", "actions": [suite, approval_action]}


def expect_error(err: pytest.ExceptionInfo[ClientError], code: str, message: str) -> None:
    assert err.value.response["Error"]["Code"] == code
    assert err.value.response["Error"]["Message"] == message


# -- retrying a rejection ----------------------------------------------------------------


def test_retry_returns_the_execution_id(codepipeline: Client, pending: Pending) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=REJECT)

    response = retry(codepipeline, execution_id)

    assert response["pipelineExecutionId"] == execution_id
    codepipeline.get_pipeline_state(name="release")


def test_retrying_a_rejection_runs_the_approval_again_with_a_new_token(
    codepipeline: Client, pending: Pending
) -> None:
    rejected = approval(codepipeline)
    codepipeline.put_approval_result(**pending, result=REJECT)

    retry(codepipeline, newest_execution_id(codepipeline))

    latest = approval(codepipeline)
    assert latest["status"] == "InProgress"
    assert latest["token"] != pending["token"]
    assert latest["actionExecutionId"] != rejected["actionExecutionId"]
    assert "summary" not in latest


def test_a_retry_puts_the_stage_and_execution_back_in_progress(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=REJECT)

    retry(codepipeline, execution_id)

    stage = stage_state(codepipeline, "Approve")
    assert stage["latestExecution"]["status"] == "InProgress"
    assert stage["latestExecution"]["pipelineExecutionId"] == execution_id
    assert execution_status(codepipeline, execution_id) == "InProgress"


def test_approving_a_retried_approval_lets_the_execution_succeed(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=REJECT)
    retry(codepipeline, execution_id)

    answer(codepipeline, APPROVE)

    assert stage_state(codepipeline, "Deploy")["latestExecution"]["status"] == "Succeeded"
    assert execution_status(codepipeline, execution_id) == "Succeeded"


def test_the_rejected_token_stays_answered_after_a_retry(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)
    retry(codepipeline, newest_execution_id(codepipeline))

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**pending, result=APPROVE)

    expect_error(err, "ApprovalAlreadyCompletedException", ALREADY_COMPLETED)
    assert approval(codepipeline)["status"] == "InProgress"


def test_both_approval_runs_are_listed_as_action_executions(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=REJECT)
    retry(codepipeline, execution_id)

    details = codepipeline.list_action_executions(
        pipelineName="release", filter={"pipelineExecutionId": execution_id}
    )["actionExecutionDetails"]

    runs = [d for d in details if d["actionName"] == "ManualApproval"]
    assert [r["status"] for r in runs] == ["InProgress", "Failed"]
    assert runs[1]["output"]["executionResult"]["externalExecutionId"] == pending["token"]
    codepipeline.get_pipeline_state(name="release")


# -- retrying an expiry ------------------------------------------------------------------


def test_retrying_an_expired_approval_runs_it_again_with_a_new_token(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        expired_token = approval_token(codepipeline)
        execution_id = newest_execution_id(codepipeline)
        clock.tick(SEVEN_DAYS)
        assert approval(codepipeline)["status"] == "Failed"

        retry(codepipeline, execution_id)
        latest = approval(codepipeline)

    assert latest["status"] == "InProgress"
    assert latest["token"] != expired_token


def test_approving_a_retried_expired_approval_lets_the_execution_succeed(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        execution_id = newest_execution_id(codepipeline)
        clock.tick(SEVEN_DAYS)
        retry(codepipeline, execution_id)

        answer(codepipeline, APPROVE)
        status = execution_status(codepipeline, execution_id)
        codepipeline.get_pipeline_state(name="release")

    assert status == "Succeeded"


def test_the_expired_token_stays_invalid_after_a_retry(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        expired_token = approval_token(codepipeline)
        clock.tick(SEVEN_DAYS)
        retry(codepipeline, newest_execution_id(codepipeline))

        with pytest.raises(ClientError) as err:
            answer(codepipeline, APPROVE, token=expired_token)
        latest = approval(codepipeline)

    expect_error(err, "InvalidApprovalTokenException", INVALID_TOKEN)
    assert latest["status"] == "InProgress"


def test_a_retried_approval_gets_a_full_timeout_from_the_retry(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(SEVEN_DAYS + datetime.timedelta(days=2))
        retry(codepipeline, newest_execution_id(codepipeline))
        clock.tick(SEVEN_DAYS - datetime.timedelta(seconds=1))
        still_pending = approval(codepipeline)["status"]
        clock.tick(datetime.timedelta(seconds=1))

        latest = approval(codepipeline)

    assert still_pending == "InProgress"
    assert latest["status"] == "Failed"
    assert latest["lastStatusChange"] == START + 2 * SEVEN_DAYS + datetime.timedelta(days=2)


# -- retrying a stop ---------------------------------------------------------------------


def test_retrying_an_abandoned_approval_runs_it_again_with_a_new_token(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.stop_pipeline_execution(
        pipelineName="release", pipelineExecutionId=execution_id, abandon=True
    )

    retry(codepipeline, execution_id)

    latest = approval(codepipeline)
    assert latest["status"] == "InProgress"
    assert latest["token"] != pending["token"]
    assert execution_status(codepipeline, execution_id) == "InProgress"


def test_a_stopped_execution_retried_and_approved_succeeds(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.stop_pipeline_execution(
        pipelineName="release", pipelineExecutionId=execution_id, abandon=True
    )
    retry(codepipeline, execution_id)

    answer(codepipeline, APPROVE)

    assert execution_status(codepipeline, execution_id) == "Succeeded"
    codepipeline.get_pipeline_state(name="release")


# -- retry modes -------------------------------------------------------------------------


def test_retrying_failed_actions_keeps_the_succeeded_ones(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(stages=[source_stage(), checked_approval_stage(), deploy_stage()])
    suite = action_state(codepipeline, "Approve", "Test")["latestExecution"]
    answer(codepipeline, REJECT)

    retry(codepipeline, newest_execution_id(codepipeline), "FAILED_ACTIONS")

    assert action_state(codepipeline, "Approve", "Test")["latestExecution"] == suite
    assert approval(codepipeline)["status"] == "InProgress"


def test_retrying_all_actions_runs_every_action_of_the_stage_again(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(stages=[source_stage(), checked_approval_stage(), deploy_stage()])
    suite = action_state(codepipeline, "Approve", "Test")["latestExecution"]
    rejected = approval(codepipeline)
    answer(codepipeline, REJECT)

    retry(codepipeline, newest_execution_id(codepipeline), "ALL_ACTIONS")

    rerun_suite = action_state(codepipeline, "Approve", "Test")["latestExecution"]
    latest = approval(codepipeline)
    assert rerun_suite["status"] == "Succeeded"
    assert rerun_suite["actionExecutionId"] != suite["actionExecutionId"]
    assert latest["status"] == "InProgress"
    assert latest["actionExecutionId"] != rejected["actionExecutionId"]
    assert latest["token"] != rejected["token"]


def test_retrying_all_actions_then_approving_succeeds(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(stages=[source_stage(), checked_approval_stage(), deploy_stage()])
    execution_id = newest_execution_id(codepipeline)
    answer(codepipeline, REJECT)
    retry(codepipeline, execution_id, "ALL_ACTIONS")

    answer(codepipeline, APPROVE)

    assert execution_status(codepipeline, execution_id) == "Succeeded"
    codepipeline.get_pipeline_state(name="release")


# -- retryStageMetadata ------------------------------------------------------------------


def test_a_stage_never_retried_has_no_retry_metadata(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)

    assert "retryStageMetadata" not in stage_state(codepipeline, "Approve")


def test_retry_metadata_counts_manual_retries(codepipeline: Client, pending: Pending) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=REJECT)
    retry(codepipeline, execution_id)
    first = stage_state(codepipeline, "Approve")["retryStageMetadata"]
    answer(codepipeline, REJECT)

    retry(codepipeline, execution_id)

    second = stage_state(codepipeline, "Approve")["retryStageMetadata"]
    assert first["manualStageRetryAttempt"] == 1
    assert first["latestRetryTrigger"] == "ManualStageRetry"
    assert second == {
        "manualStageRetryAttempt": 2,
        "latestRetryTrigger": "ManualStageRetry",
    }


def test_retry_metadata_belongs_to_the_execution_in_the_stage(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=REJECT)
    retry(codepipeline, execution_id)
    answer(codepipeline, APPROVE)

    codepipeline.start_pipeline_execution(name="release")

    stage = stage_state(codepipeline, "Approve")
    assert stage["latestExecution"]["pipelineExecutionId"] != execution_id
    assert "retryStageMetadata" not in stage


# -- what cannot be retried --------------------------------------------------------------


def test_retrying_while_the_approval_is_pending_is_not_retryable(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)

    with pytest.raises(ClientError) as err:
        retry(codepipeline, execution_id)

    expect_error(err, "StageNotRetryableException", NOT_RETRYABLE)
    assert approval_token(codepipeline) == pending["token"]


def test_retrying_a_stage_the_execution_succeeded_in_is_not_retryable(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=REJECT)

    with pytest.raises(ClientError) as err:
        retry(codepipeline, execution_id, stage="Source")

    expect_error(err, "StageNotRetryableException", NOT_RETRYABLE)
    assert execution_status(codepipeline, execution_id) == "Failed"


def test_retrying_a_stage_the_execution_never_reached_is_not_retryable(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=REJECT)

    with pytest.raises(ClientError) as err:
        retry(codepipeline, execution_id, stage="Deploy")

    expect_error(err, "StageNotRetryableException", NOT_RETRYABLE)
    assert "latestExecution" not in stage_state(codepipeline, "Deploy")


def test_retrying_a_succeeded_execution_is_not_retryable(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=APPROVE)

    with pytest.raises(ClientError) as err:
        retry(codepipeline, execution_id, "ALL_ACTIONS")

    expect_error(err, "StageNotRetryableException", NOT_RETRYABLE)
    assert execution_status(codepipeline, execution_id) == "Succeeded"


def test_retrying_failed_actions_when_none_failed_is_not_retryable(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.stop_pipeline_execution(pipelineName="release", pipelineExecutionId=execution_id)
    codepipeline.put_approval_result(**pending, result=APPROVE)
    assert execution_status(codepipeline, execution_id) == "Stopped"

    with pytest.raises(ClientError) as err:
        retry(codepipeline, execution_id, "FAILED_ACTIONS")

    expect_error(err, "StageNotRetryableException", NOT_RETRYABLE)
    assert execution_status(codepipeline, execution_id) == "Stopped"


def test_retrying_a_stage_a_newer_execution_is_running_is_not_retryable(
    codepipeline: Client, pending: Pending
) -> None:
    first = newest_execution_id(codepipeline)
    second = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    codepipeline.put_approval_result(**pending, result=REJECT)
    assert stage_state(codepipeline, "Approve")["latestExecution"]["pipelineExecutionId"] == second

    with pytest.raises(ClientError) as err:
        retry(codepipeline, first)

    expect_error(err, "StageNotRetryableException", NOT_RETRYABLE)
    assert execution_status(codepipeline, first) == "Failed"


def test_retrying_a_stage_a_newer_execution_also_failed_in_is_not_latest(
    codepipeline: Client, pending: Pending
) -> None:
    first = newest_execution_id(codepipeline)
    codepipeline.start_pipeline_execution(name="release")
    codepipeline.put_approval_result(**pending, result=REJECT)
    answer(codepipeline, REJECT)

    with pytest.raises(ClientError) as err:
        retry(codepipeline, first)

    expect_error(err, "NotLatestPipelineExecutionException", NOT_LATEST)
    assert execution_status(codepipeline, first) == "Failed"


def test_the_newest_failed_execution_can_still_be_retried(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.start_pipeline_execution(name="release")
    codepipeline.put_approval_result(**pending, result=REJECT)
    answer(codepipeline, REJECT)
    second = newest_execution_id(codepipeline)

    retry(codepipeline, second)

    assert approval(codepipeline)["status"] == "InProgress"
    assert execution_status(codepipeline, second) == "InProgress"


def test_retrying_an_unknown_stage_is_stage_not_found(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)

    with pytest.raises(ClientError) as err:
        retry(codepipeline, newest_execution_id(codepipeline), stage="Nowhere")

    expect_error(
        err,
        "StageNotFoundException",
        "The stage was specified in an invalid format or cannot be found.",
    )
    codepipeline.get_pipeline_state(name="release")


def test_retrying_an_unknown_execution_is_not_found(codepipeline: Client, pending: Pending) -> None:
    with pytest.raises(ClientError) as err:
        retry(codepipeline, UNKNOWN_EXECUTION)

    expect_error(
        err,
        "PipelineExecutionNotFoundException",
        f"Pipeline execution ID {UNKNOWN_EXECUTION} does not belong to the pipeline release.",
    )
    codepipeline.get_pipeline_state(name="release")


def test_retrying_in_an_unknown_pipeline_is_pipeline_not_found(
    codepipeline: Client, pending: Pending
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.retry_stage_execution(
            pipelineName="nowhere",
            stageName="Approve",
            pipelineExecutionId=UNKNOWN_EXECUTION,
            retryMode="FAILED_ACTIONS",
        )

    expect_error(
        err,
        "PipelineNotFoundException",
        "Account '123456789012' does not have a pipeline with name 'nowhere'",
    )
    codepipeline.get_pipeline_state(name="release")
