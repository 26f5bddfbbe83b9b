"""UpdatePipeline and DeletePipeline while executions, and their approvals, are in flight."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from freezegun import freeze_time
from pipelines import (
    APPROVE,
    INVALID_TOKEN,
    START,
    Client,
    CreatePipeline,
    Declaration,
    Pending,
    action_state,
    approval_stage,
    approval_token,
    approve,
    deploy_stage,
    execution_status,
    newest_execution_id,
    source_stage,
    stage_state,
)

STAGE_NOT_FOUND = "The stage was specified in an invalid format or cannot be found."
NO_PIPELINE = "Account '123456789012' does not have a pipeline with name 'release'"


@pytest.fixture
def update(codepipeline: Client, pending: Pending) -> Callable[..., None]:
    """UpdatePipeline on the default pipeline (pending approval), with stages replaced."""
    current = codepipeline.get_pipeline(name="release")["pipeline"]

    def run(stages: list[Declaration] | None = None) -> None:
        pipeline = {key: value for key, value in current.items() if key != "version"}
        if stages is not None:
            pipeline["stages"] = stages
        codepipeline.update_pipeline(pipeline=pipeline)

    return run


def pipeline_version(codepipeline: Client, execution_id: str) -> int:
    found = codepipeline.get_pipeline_execution(
        pipelineName="release", pipelineExecutionId=execution_id
    )
    return int(found["pipelineExecution"]["pipelineVersion"])


def expect_error(err: pytest.ExceptionInfo[ClientError], code: str, message: str) -> None:
    assert err.value.response["Error"]["Code"] == code
    assert err.value.response["Error"]["Message"] == message


# -- UpdatePipeline ----------------------------------------------------------------------


def test_an_update_cancels_the_execution_in_flight(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    execution_id = newest_execution_id(codepipeline)

    update()

    assert execution_status(codepipeline, execution_id) == "Cancelled"
    [summary] = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ]
    assert summary["status"] == "Cancelled"


def test_an_update_cancels_the_stage_and_abandons_the_approval(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    update()

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "Abandoned"
    assert "token" not in latest
    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "Cancelled"


def test_an_update_invalidates_the_pending_token(
    codepipeline: Client, pending: Pending, update: Callable[..., None]
) -> None:
    update()

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**pending, result=APPROVE)

    expect_error(err, "InvalidApprovalTokenException", INVALID_TOKEN)
    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "Abandoned"


def test_an_update_that_removed_the_approval_stage_makes_its_token_stage_not_found(
    codepipeline: Client, pending: Pending, update: Callable[..., None]
) -> None:
    update([source_stage(), deploy_stage()])

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**pending, result=APPROVE)

    expect_error(err, "StageNotFoundException", STAGE_NOT_FOUND)
    state = codepipeline.get_pipeline_state(name="release")
    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Deploy"]


def test_an_execution_waiting_at_a_transition_is_cancelled_too(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    waiting = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    update()

    assert execution_status(codepipeline, waiting) == "Cancelled"
    assert "inboundExecution" not in stage_state(codepipeline, "Approve")


def test_finished_executions_keep_their_status_after_an_update(
    codepipeline: Client, pending: Pending, update: Callable[..., None]
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=APPROVE)

    update()

    assert execution_status(codepipeline, execution_id) == "Succeeded"
    codepipeline.get_pipeline_state(name="release")


def test_an_update_does_not_start_an_execution(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    update()

    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    assert [s["status"] for s in summaries["pipelineExecutionSummaries"]] == ["Cancelled"]
    codepipeline.get_pipeline_state(name="release")


def test_the_state_reports_the_new_pipeline_version(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    update()

    assert codepipeline.get_pipeline_state(name="release")["pipelineVersion"] == 2


def test_the_cancelled_execution_keeps_the_version_it_ran(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    execution_id = newest_execution_id(codepipeline)

    update()

    assert pipeline_version(codepipeline, execution_id) == 1
    codepipeline.get_pipeline_state(name="release")


def test_a_new_execution_runs_the_new_version(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    update([source_stage(), approval_stage("SignOff"), deploy_stage()])

    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    assert pipeline_version(codepipeline, execution_id) == 2
    stage = stage_state(codepipeline, "SignOff")
    assert stage["latestExecution"]["pipelineExecutionId"] == execution_id
    assert stage["actionStates"][0]["latestExecution"]["status"] == "InProgress"


def test_a_new_execution_enters_the_stage_the_cancelled_one_left(
    codepipeline: Client, pending: Pending, update: Callable[..., None]
) -> None:
    update()
    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    token = approval_token(codepipeline)
    approve(codepipeline, token)

    assert token != pending["token"]
    assert execution_status(codepipeline, execution_id) == "Succeeded"
    details = codepipeline.list_action_executions(
        pipelineName="release", filter={"pipelineExecutionId": execution_id}
    )["actionExecutionDetails"]
    assert {d["pipelineVersion"] for d in details} == {2}
    codepipeline.get_pipeline_state(name="release")


def test_a_cancelled_execution_cannot_be_retried(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    execution_id = newest_execution_id(codepipeline)
    update()

    with pytest.raises(ClientError) as err:
        codepipeline.retry_stage_execution(
            pipelineName="release",
            stageName="Approve",
            pipelineExecutionId=execution_id,
            retryMode="FAILED_ACTIONS",
        )

    expect_error(
        err,
        "StageNotRetryableException",
        "Unable to retry. The pipeline structure or stage state might have changed while "
        "actions awaited retry, or the stage contains no failed actions.",
    )
    assert execution_status(codepipeline, execution_id) == "Cancelled"


def test_a_cancelled_execution_cannot_be_stopped(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    execution_id = newest_execution_id(codepipeline)
    update()

    with pytest.raises(ClientError) as err:
        codepipeline.stop_pipeline_execution(
            pipelineName="release", pipelineExecutionId=execution_id
        )

    expect_error(
        err,
        "PipelineExecutionNotStoppableException",
        "Unable to stop the pipeline execution. The execution might already be in a Stopped "
        "state, or it might no longer be in progress.",
    )
    codepipeline.get_pipeline_state(name="release")


def test_a_disabled_transition_stays_disabled_across_an_update(
    codepipeline: Client, update: Callable[..., None]
) -> None:
    codepipeline.disable_stage_transition(
        pipelineName="release", stageName="Deploy", transitionType="Inbound", reason="Freeze"
    )

    update()

    state = stage_state(codepipeline, "Deploy")["inboundTransitionState"]
    assert state["enabled"] is False
    assert state["disabledReason"] == "Freeze"


def test_an_approval_that_expired_before_an_update_stays_failed(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        pipeline = create_pipeline()
        execution_id = newest_execution_id(codepipeline)
        clock.tick(datetime.timedelta(days=8))

        # Nothing has looked at the pipeline since the approval ran out.
        codepipeline.update_pipeline(pipeline=pipeline)
        latest: dict[str, Any] = action_state(codepipeline, "Approve", "ManualApproval")[
            "latestExecution"
        ]
        status = execution_status(codepipeline, execution_id)

    assert status == "Failed"
    assert latest["status"] == "Failed"
    assert latest["summary"] == "Approval timed out"


# -- DeletePipeline ----------------------------------------------------------------------


def test_a_deleted_pipeline_has_no_state(codepipeline: Client, pending: Pending) -> None:
    codepipeline.delete_pipeline(name="release")

    with pytest.raises(ClientError) as err:
        codepipeline.get_pipeline_state(name="release")

    expect_error(err, "PipelineNotFoundException", NO_PIPELINE)


def test_a_deleted_pipeline_has_no_executions(codepipeline: Client, pending: Pending) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.delete_pipeline(name="release")

    with pytest.raises(ClientError) as listing:
        codepipeline.list_pipeline_executions(pipelineName="release")
    with pytest.raises(ClientError) as getting:
        codepipeline.get_pipeline_execution(
            pipelineName="release", pipelineExecutionId=execution_id
        )

    expect_error(listing, "PipelineNotFoundException", NO_PIPELINE)
    expect_error(getting, "PipelineNotFoundException", NO_PIPELINE)


def test_answering_an_approval_of_a_deleted_pipeline_is_pipeline_not_found(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.delete_pipeline(name="release")

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**pending, result=APPROVE)

    expect_error(err, "PipelineNotFoundException", NO_PIPELINE)


def test_a_recreated_pipeline_starts_a_fresh_history(
    codepipeline: Client, pending: Pending, create_pipeline: CreatePipeline
) -> None:
    old_execution = newest_execution_id(codepipeline)
    codepipeline.delete_pipeline(name="release")

    create_pipeline()

    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    [summary] = summaries["pipelineExecutionSummaries"]
    assert summary["pipelineExecutionId"] != old_execution
    assert summary["status"] == "InProgress"
    assert codepipeline.get_pipeline_state(name="release")["pipelineVersion"] == 1


def test_the_token_of_a_deleted_pipeline_is_invalid_in_its_successor(
    codepipeline: Client, pending: Pending, create_pipeline: CreatePipeline
) -> None:
    codepipeline.delete_pipeline(name="release")
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**pending, result=APPROVE)

    expect_error(err, "InvalidApprovalTokenException", INVALID_TOKEN)
    assert approval_token(codepipeline) != pending["token"]


def test_a_recreated_pipeline_has_no_old_action_executions(
    codepipeline: Client, pending: Pending, create_pipeline: CreatePipeline
) -> None:
    codepipeline.put_approval_result(**pending, result=APPROVE)
    codepipeline.delete_pipeline(name="release")

    create_pipeline()

    details = codepipeline.list_action_executions(pipelineName="release")["actionExecutionDetails"]
    assert [(d["stageName"], d["status"]) for d in details] == [
        ("Approve", "InProgress"),
        ("Source", "Succeeded"),
    ]
    codepipeline.get_pipeline_state(name="release")
