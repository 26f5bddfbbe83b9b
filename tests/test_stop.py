"""StopPipelineExecution while an approval waits: stop and abandon, stop and wait, errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pipelines import (
    APPROVE,
    INVALID_TOKEN,
    REJECT,
    Client,
    CreatePipeline,
    Pending,
    action_state,
    approval_stage,
    approval_token,
    approve,
    build_stage,
    deploy_stage,
    execution_status,
    newest_execution_id,
    source_stage,
    stage_state,
)

from moto_approvals import Approvals

NOT_STOPPABLE = (
    "Unable to stop the pipeline execution. The execution might already be in a Stopped "
    "state, or it might no longer be in progress."
)
DUPLICATED_STOP = (
    "The pipeline execution is already in a Stopping state. If you already chose to stop and "
    "wait, you cannot make that request again. You can choose to stop and abandon now, but be "
    "aware that this option can lead to failed tasks or out of sequence tasks. If you already "
    "chose to stop and abandon, you cannot make that request again."
)
UNKNOWN_EXECUTION = "11111111-2222-3333-4444-555555555555"


def stop(
    codepipeline: Client, execution_id: str, abandon: bool = False, **extra: str
) -> dict[str, str]:
    response: dict[str, str] = codepipeline.stop_pipeline_execution(
        pipelineName="release", pipelineExecutionId=execution_id, abandon=abandon, **extra
    )
    return response


def approval_status(codepipeline: Client) -> str:
    return str(action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]["status"])


def stage_status(codepipeline: Client, stage: str) -> str:
    return str(stage_state(codepipeline, stage)["latestExecution"]["status"])


# -- stop and abandon --------------------------------------------------------------------


def test_stop_returns_the_execution_id(codepipeline: Client, pending: Pending) -> None:
    execution_id = newest_execution_id(codepipeline)

    response = stop(codepipeline, execution_id, abandon=True)

    assert response["pipelineExecutionId"] == execution_id
    codepipeline.get_pipeline_state(name="release")


def test_stop_and_abandon_abandons_the_pending_approval(
    codepipeline: Client, pending: Pending
) -> None:
    stop(codepipeline, newest_execution_id(codepipeline), abandon=True)

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "Abandoned"
    assert "token" not in latest


def test_stop_and_abandon_stops_the_stage_and_the_execution(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)

    stop(codepipeline, execution_id, abandon=True)

    assert stage_status(codepipeline, "Approve") == "Stopped"
    assert execution_status(codepipeline, execution_id) == "Stopped"


def test_an_abandoned_approval_token_is_invalid(codepipeline: Client, pending: Pending) -> None:
    stop(codepipeline, newest_execution_id(codepipeline), abandon=True)

    with pytest.raises(ClientError) as err:
        codepipeline.put_approval_result(**pending, result=APPROVE)

    assert err.value.response["Error"]["Code"] == "InvalidApprovalTokenException"
    assert err.value.response["Error"]["Message"] == INVALID_TOKEN
    assert approval_status(codepipeline) == "Abandoned"


def test_stop_and_abandon_lets_a_waiting_execution_into_the_stage(
    codepipeline: Client, pending: Pending
) -> None:
    first = newest_execution_id(codepipeline)
    second = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    assert stage_state(codepipeline, "Approve")["inboundExecution"]["pipelineExecutionId"] == second

    stop(codepipeline, first, abandon=True)

    stage = stage_state(codepipeline, "Approve")
    assert stage["latestExecution"]["pipelineExecutionId"] == second
    assert "inboundExecution" not in stage
    assert approval_token(codepipeline) != pending["token"]


def test_an_abandon_after_stop_and_wait_abandons_the_approval(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    stop(codepipeline, execution_id)

    stop(codepipeline, execution_id, abandon=True)

    assert approval_status(codepipeline) == "Abandoned"
    assert stage_status(codepipeline, "Approve") == "Stopped"
    assert execution_status(codepipeline, execution_id) == "Stopped"


# -- stop and wait -----------------------------------------------------------------------


def test_stop_and_wait_leaves_the_execution_and_stage_stopping(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)

    stop(codepipeline, execution_id)

    assert stage_status(codepipeline, "Approve") == "Stopping"
    assert execution_status(codepipeline, execution_id) == "Stopping"


def test_stop_and_wait_keeps_the_approval_pending(codepipeline: Client, pending: Pending) -> None:
    stop(codepipeline, newest_execution_id(codepipeline))

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "InProgress"
    assert latest["token"] == pending["token"]


def test_approving_a_stopping_execution_stops_it(codepipeline: Client, pending: Pending) -> None:
    execution_id = newest_execution_id(codepipeline)
    stop(codepipeline, execution_id)

    codepipeline.put_approval_result(**pending, result=APPROVE)

    assert approval_status(codepipeline) == "Succeeded"
    assert stage_status(codepipeline, "Approve") == "Stopped"
    assert execution_status(codepipeline, execution_id) == "Stopped"


def test_approving_a_stopping_execution_starts_no_further_action(
    codepipeline: Client, pending: Pending
) -> None:
    stop(codepipeline, newest_execution_id(codepipeline))

    codepipeline.put_approval_result(**pending, result=APPROVE)

    deploy = stage_state(codepipeline, "Deploy")
    assert "latestExecution" not in deploy
    assert deploy["actionStates"] == [{"actionName": "Ship"}]
    assert "inboundExecution" not in deploy


def test_rejecting_a_stopping_execution_stops_it(codepipeline: Client, pending: Pending) -> None:
    execution_id = newest_execution_id(codepipeline)
    stop(codepipeline, execution_id)

    codepipeline.put_approval_result(**pending, result=REJECT)

    assert approval_status(codepipeline) == "Failed"
    assert stage_status(codepipeline, "Approve") == "Stopped"
    assert execution_status(codepipeline, execution_id) == "Stopped"


def test_the_second_approval_action_of_a_stopping_stage_never_starts(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    two_approvals = approval_stage()
    two_approvals["actions"].append({**approval_stage()["actions"][0], "name": "Second"})
    two_approvals["actions"][1]["runOrder"] = 2
    create_pipeline(stages=[source_stage(), two_approvals, deploy_stage()])
    execution_id = newest_execution_id(codepipeline)
    stop(codepipeline, execution_id)

    approve(codepipeline)

    assert action_state(codepipeline, "Approve", "Second") == {"actionName": "Second"}
    assert execution_status(codepipeline, execution_id) == "Stopped"


def test_a_held_action_finishes_before_a_stop_and_wait_takes_effect(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(stages=[source_stage(), deploy_stage()])
    approvals.hold_action("release", "Deploy", "Ship")
    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    stop(codepipeline, execution_id)
    assert stage_status(codepipeline, "Deploy") == "Stopping"

    approvals.complete_action("release", "Deploy", "Ship")

    assert action_state(codepipeline, "Deploy", "Ship")["latestExecution"]["status"] == "Succeeded"
    assert stage_status(codepipeline, "Deploy") == "Stopped"
    assert execution_status(codepipeline, execution_id) == "Stopped"


def test_stop_and_abandon_abandons_a_held_action(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(stages=[source_stage(), build_stage(), approval_stage()])
    approvals.hold_action("release", "Build", "Compile")
    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    stop(codepipeline, execution_id, abandon=True)

    latest = action_state(codepipeline, "Build", "Compile")["latestExecution"]
    assert latest["status"] == "Abandoned"
    assert execution_status(codepipeline, execution_id) == "Stopped"


def test_stopping_a_waiting_execution_stops_it_at_the_transition(
    codepipeline: Client, pending: Pending
) -> None:
    waiting = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    stop(codepipeline, waiting)

    assert execution_status(codepipeline, waiting) == "Stopped"
    assert "inboundExecution" not in stage_state(codepipeline, "Approve")
    assert approval_token(codepipeline) == pending["token"]


# -- stop reason -------------------------------------------------------------------------


def test_the_stop_reason_is_kept_as_the_stop_trigger(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)

    stop(codepipeline, execution_id, abandon=True, reason="Release cancelled by ops")

    [summary] = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ]
    assert summary["stopTrigger"] == {"reason": "Release cancelled by ops"}
    codepipeline.get_pipeline_state(name="release")


def test_an_execution_stopped_without_a_reason_has_no_stop_trigger(
    codepipeline: Client, pending: Pending
) -> None:
    stop(codepipeline, newest_execution_id(codepipeline), abandon=True)

    [summary] = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ]
    assert "stopTrigger" not in summary
    codepipeline.get_pipeline_state(name="release")


def test_a_stop_reason_over_200_characters_is_a_validation_error(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)

    with pytest.raises(ClientError) as err:
        stop(codepipeline, execution_id, reason="x" * 201)

    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{'x' * 201}' at 'reason' failed to satisfy "
        "constraint: Member must have length less than or equal to 200"
    )
    assert execution_status(codepipeline, execution_id) == "InProgress"


# -- errors ------------------------------------------------------------------------------


def test_a_second_stop_and_wait_is_a_duplicated_stop_request(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    stop(codepipeline, execution_id)

    with pytest.raises(ClientError) as err:
        stop(codepipeline, execution_id)

    assert err.value.response["Error"]["Code"] == "DuplicatedStopRequestException"
    assert err.value.response["Error"]["Message"] == DUPLICATED_STOP
    assert execution_status(codepipeline, execution_id) == "Stopping"


def test_stopping_a_succeeded_execution_is_not_stoppable(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    codepipeline.put_approval_result(**pending, result=APPROVE)
    assert execution_status(codepipeline, execution_id) == "Succeeded"

    with pytest.raises(ClientError) as err:
        stop(codepipeline, execution_id, abandon=True)

    assert err.value.response["Error"]["Code"] == "PipelineExecutionNotStoppableException"
    assert err.value.response["Error"]["Message"] == NOT_STOPPABLE
    assert execution_status(codepipeline, execution_id) == "Succeeded"


def test_stopping_a_stopped_execution_is_not_stoppable(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    stop(codepipeline, execution_id, abandon=True)

    with pytest.raises(ClientError) as err:
        stop(codepipeline, execution_id, abandon=True)

    assert err.value.response["Error"]["Code"] == "PipelineExecutionNotStoppableException"
    assert err.value.response["Error"]["Message"] == NOT_STOPPABLE
    assert execution_status(codepipeline, execution_id) == "Stopped"


def test_stopping_a_superseded_execution_is_not_stoppable(
    codepipeline: Client, pending: Pending
) -> None:
    superseded = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    codepipeline.start_pipeline_execution(name="release")
    assert execution_status(codepipeline, superseded) == "Superseded"

    with pytest.raises(ClientError) as err:
        stop(codepipeline, superseded)

    assert err.value.response["Error"]["Code"] == "PipelineExecutionNotStoppableException"
    assert err.value.response["Error"]["Message"] == NOT_STOPPABLE


def test_stopping_an_unknown_execution_is_not_found(codepipeline: Client, pending: Pending) -> None:
    with pytest.raises(ClientError) as err:
        stop(codepipeline, UNKNOWN_EXECUTION)

    assert err.value.response["Error"]["Code"] == "PipelineExecutionNotFoundException"
    assert err.value.response["Error"]["Message"] == (
        f"Pipeline execution ID {UNKNOWN_EXECUTION} does not belong to the pipeline release."
    )
    assert approval_status(codepipeline) == "InProgress"


def test_stopping_in_an_unknown_pipeline_is_pipeline_not_found(
    codepipeline: Client, pending: Pending
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.stop_pipeline_execution(
            pipelineName="nowhere", pipelineExecutionId=newest_execution_id(codepipeline)
        )

    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert err.value.response["Error"]["Message"] == (
        "Account '123456789012' does not have a pipeline with name 'nowhere'"
    )
    codepipeline.get_pipeline_state(name="release")


def test_a_malformed_execution_id_is_a_validation_error(
    codepipeline: Client, pending: Pending
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.stop_pipeline_execution(pipelineName="release", pipelineExecutionId="latest")

    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'latest' at 'pipelineExecutionId' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    )
    codepipeline.get_pipeline_state(name="release")
