"""Execution modes: SUPERSEDED (V1 and the V2 default), QUEUED and PARALLEL."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pipelines import (
    APPROVE,
    REJECT,
    Client,
    CreatePipeline,
    action_state,
    approval_token,
    execution_status,
    key_paths,
    newest_execution_id,
    stage_state,
)


def start(codepipeline: Client) -> str:
    return str(codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"])


def answer(codepipeline: Client, token: str, result: dict[str, str] = APPROVE) -> None:
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=result,
        token=token,
    )


def in_stage(codepipeline: Client, stage: str = "Approve") -> str:
    return str(stage_state(codepipeline, stage)["latestExecution"]["pipelineExecutionId"])


def execution_mode(codepipeline: Client, execution_id: str) -> str:
    found = codepipeline.get_pipeline_execution(
        pipelineName="release", pipelineExecutionId=execution_id
    )
    return str(found["pipelineExecution"]["executionMode"])


def listed_statuses(codepipeline: Client) -> dict[str, str]:
    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    return {s["pipelineExecutionId"]: s["status"] for s in summaries["pipelineExecutionSummaries"]}


def approval_runs(codepipeline: Client, status: str = "InProgress") -> list[dict[str, Any]]:
    details = codepipeline.list_action_executions(pipelineName="release")["actionExecutionDetails"]
    return [d for d in details if d["actionName"] == "ManualApproval" and d["status"] == status]


def token_of(codepipeline: Client, execution_id: str) -> str:
    """An execution's approval token as PARALLEL users read it: the external execution id."""
    details = codepipeline.list_action_executions(
        pipelineName="release", filter={"pipelineExecutionId": execution_id}
    )["actionExecutionDetails"]
    run = next(d for d in details if d["actionName"] == "ManualApproval")
    return str(run["output"]["executionResult"]["externalExecutionId"])


@pytest.fixture
def queued(create_pipeline: CreatePipeline, codepipeline: Client) -> str:
    """A QUEUED pipeline whose first execution waits for approval; returns that execution."""
    create_pipeline(pipelineType="V2", executionMode="QUEUED")
    return newest_execution_id(codepipeline)


@pytest.fixture
def parallel(create_pipeline: CreatePipeline, codepipeline: Client) -> str:
    """A PARALLEL pipeline whose first execution waits for approval; returns that execution."""
    create_pipeline(pipelineType="V2", executionMode="PARALLEL")
    return newest_execution_id(codepipeline)


# -- the mode each execution reports ------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param({}, "SUPERSEDED", id="V1"),
        pytest.param({"pipelineType": "V2"}, "SUPERSEDED", id="V2-default"),
        pytest.param({"pipelineType": "V2", "executionMode": "QUEUED"}, "QUEUED", id="V2-queued"),
        pytest.param(
            {"pipelineType": "V2", "executionMode": "PARALLEL"}, "PARALLEL", id="V2-parallel"
        ),
    ],
)
def test_each_execution_reports_the_mode_it_runs_in(
    codepipeline: Client, create_pipeline: CreatePipeline, extra: dict[str, str], expected: str
) -> None:
    create_pipeline(**extra)
    execution_id = newest_execution_id(codepipeline)

    assert execution_mode(codepipeline, execution_id) == expected
    [summary] = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ]
    assert summary["executionMode"] == expected
    codepipeline.get_pipeline_state(name="release")


# -- SUPERSEDED --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="V1"),
        pytest.param({"pipelineType": "V2", "executionMode": "SUPERSEDED"}, id="V2"),
    ],
)
def test_a_newer_execution_waits_while_an_approval_is_pending(
    codepipeline: Client, create_pipeline: CreatePipeline, extra: dict[str, str]
) -> None:
    create_pipeline(**extra)
    first = newest_execution_id(codepipeline)

    second = start(codepipeline)

    stage = stage_state(codepipeline, "Approve")
    assert stage["inboundExecution"] == {
        "pipelineExecutionId": second,
        "status": "InProgress",
        "type": "STANDARD",
    }
    assert stage["latestExecution"]["pipelineExecutionId"] == first
    assert execution_status(codepipeline, second) == "InProgress"


def test_a_still_newer_execution_supersedes_the_waiting_one(
    codepipeline: Client, pending: dict[str, str]
) -> None:
    first = newest_execution_id(codepipeline)
    second = start(codepipeline)

    third = start(codepipeline)

    assert execution_status(codepipeline, second) == "Superseded"
    assert listed_statuses(codepipeline) == {
        first: "InProgress",
        second: "Superseded",
        third: "InProgress",
    }
    assert stage_state(codepipeline, "Approve")["inboundExecution"]["pipelineExecutionId"] == third


def test_an_execution_waiting_at_an_approval_is_never_superseded(
    codepipeline: Client, pending: dict[str, str]
) -> None:
    first = newest_execution_id(codepipeline)

    for _ in range(3):
        start(codepipeline)

    assert execution_status(codepipeline, first) == "InProgress"
    assert in_stage(codepipeline) == first
    assert approval_token(codepipeline) == pending["token"]


def test_the_superseding_execution_is_not_shown_as_a_queue(
    codepipeline: Client, pending: dict[str, str]
) -> None:
    start(codepipeline)
    start(codepipeline)

    assert "inboundExecutions" not in stage_state(codepipeline, "Approve")


def test_after_approval_the_waiting_execution_enters_with_its_own_token(
    codepipeline: Client, pending: dict[str, str]
) -> None:
    first = newest_execution_id(codepipeline)
    start(codepipeline)
    newest = start(codepipeline)

    answer(codepipeline, pending["token"])

    stage = stage_state(codepipeline, "Approve")
    assert "inboundExecution" not in stage
    assert stage["latestExecution"]["pipelineExecutionId"] == newest
    assert approval_token(codepipeline) != pending["token"]
    assert execution_status(codepipeline, first) == "Succeeded"


def test_after_rejection_the_waiting_execution_enters_with_its_own_token(
    codepipeline: Client, pending: dict[str, str]
) -> None:
    first = newest_execution_id(codepipeline)
    second = start(codepipeline)

    answer(codepipeline, pending["token"], REJECT)

    assert in_stage(codepipeline) == second
    assert approval_token(codepipeline) != pending["token"]
    assert execution_status(codepipeline, first) == "Failed"


def test_the_entered_execution_can_be_approved_to_success(
    codepipeline: Client, pending: dict[str, str]
) -> None:
    second = start(codepipeline)
    answer(codepipeline, pending["token"])

    answer(codepipeline, approval_token(codepipeline))

    assert execution_status(codepipeline, second) == "Succeeded"
    assert stage_state(codepipeline, "Deploy")["latestExecution"]["pipelineExecutionId"] == second


def test_a_superseded_execution_never_enters_the_stage(
    codepipeline: Client, pending: dict[str, str]
) -> None:
    superseded = start(codepipeline)
    start(codepipeline)

    answer(codepipeline, pending["token"])
    answer(codepipeline, approval_token(codepipeline))

    details = codepipeline.list_action_executions(
        pipelineName="release", filter={"pipelineExecutionId": superseded}
    )["actionExecutionDetails"]
    assert [d["stageName"] for d in details] == ["Source"]
    assert execution_status(codepipeline, superseded) == "Superseded"
    codepipeline.get_pipeline_state(name="release")


# -- QUEUED ------------------------------------------------------------------------------


def test_queued_executions_wait_in_the_order_they_arrived(
    codepipeline: Client, queued: str
) -> None:
    second = start(codepipeline)
    third = start(codepipeline)

    stage = stage_state(codepipeline, "Approve")

    assert [e["pipelineExecutionId"] for e in stage["inboundExecutions"]] == [second, third]
    assert stage["inboundExecution"]["pipelineExecutionId"] == second
    assert stage["latestExecution"]["pipelineExecutionId"] == queued


def test_a_stopped_queued_execution_leaves_the_queue_a_previous_read_listed(
    codepipeline: Client, queued: str
) -> None:
    second = start(codepipeline)
    third = start(codepipeline)
    stage_state(codepipeline, "Approve")  # the queue as it was, read once

    codepipeline.stop_pipeline_execution(pipelineName="release", pipelineExecutionId=second)

    stage = stage_state(codepipeline, "Approve")
    assert [e["pipelineExecutionId"] for e in stage["inboundExecutions"]] == [third]
    assert stage["inboundExecutions"][0]["status"] == "InProgress"


def test_every_read_lists_the_whole_queue_in_arrival_order(
    codepipeline: Client, queued: str
) -> None:
    waiting = [start(codepipeline) for _ in range(5)]

    first = stage_state(codepipeline, "Approve")
    again = stage_state(codepipeline, "Approve")

    listed = [e["pipelineExecutionId"] for e in again["inboundExecutions"]]
    assert listed == waiting
    assert again == first


def test_queued_executions_are_never_superseded(codepipeline: Client, queued: str) -> None:
    waiting = [start(codepipeline) for _ in range(3)]

    statuses = listed_statuses(codepipeline)

    assert statuses == dict.fromkeys([queued, *waiting], "InProgress")
    codepipeline.get_pipeline_state(name="release")


def test_the_oldest_queued_execution_enters_after_an_approval(
    codepipeline: Client, queued: str
) -> None:
    first_token = approval_token(codepipeline)
    second = start(codepipeline)
    third = start(codepipeline)

    answer(codepipeline, first_token)

    stage = stage_state(codepipeline, "Approve")
    assert stage["latestExecution"]["pipelineExecutionId"] == second
    assert [e["pipelineExecutionId"] for e in stage["inboundExecutions"]] == [third]
    assert approval_token(codepipeline) != first_token


def test_each_queued_execution_gets_its_own_token(codepipeline: Client, queued: str) -> None:
    waiting = [start(codepipeline) for _ in range(2)]
    tokens = []

    for _ in range(3):
        tokens.append(approval_token(codepipeline))
        answer(codepipeline, tokens[-1])

    assert len(set(tokens)) == 3
    assert listed_statuses(codepipeline) == dict.fromkeys([queued, *waiting], "Succeeded")
    codepipeline.get_pipeline_state(name="release")


def test_a_rejection_lets_the_next_queued_execution_in(codepipeline: Client, queued: str) -> None:
    second = start(codepipeline)

    answer(codepipeline, approval_token(codepipeline), REJECT)

    assert in_stage(codepipeline) == second
    assert "inboundExecutions" not in stage_state(codepipeline, "Approve")
    assert execution_status(codepipeline, queued) == "Failed"


# -- PARALLEL ----------------------------------------------------------------------------


def test_parallel_executions_wait_for_approval_at_the_same_time(
    codepipeline: Client, parallel: str
) -> None:
    second = start(codepipeline)

    runs = approval_runs(codepipeline)

    assert {r["pipelineExecutionId"] for r in runs} == {parallel, second}
    assert "inboundExecution" not in stage_state(codepipeline, "Approve")


def test_parallel_state_shows_no_token(codepipeline: Client, parallel: str) -> None:
    start(codepipeline)

    state = codepipeline.get_pipeline_state(name="release")

    assert key_paths(state, "token") == []
    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "InProgress"


def test_each_parallel_approval_has_its_own_external_execution_id(
    codepipeline: Client, parallel: str
) -> None:
    second = start(codepipeline)

    tokens = {token_of(codepipeline, e) for e in (parallel, second)}

    assert len(tokens) == 2
    codepipeline.get_pipeline_state(name="release")


def test_a_parallel_token_from_list_action_executions_is_accepted(
    codepipeline: Client, parallel: str
) -> None:
    answer(codepipeline, token_of(codepipeline, parallel))

    assert execution_status(codepipeline, parallel) == "Succeeded"
    codepipeline.get_pipeline_state(name="release")


def test_approving_one_parallel_execution_leaves_the_other_pending(
    codepipeline: Client, parallel: str
) -> None:
    second = start(codepipeline)

    answer(codepipeline, token_of(codepipeline, second))

    assert execution_status(codepipeline, second) == "Succeeded"
    assert execution_status(codepipeline, parallel) == "InProgress"
    assert [r["pipelineExecutionId"] for r in approval_runs(codepipeline)] == [parallel]
    codepipeline.get_pipeline_state(name="release")


def test_rejecting_one_parallel_execution_leaves_the_other_pending(
    codepipeline: Client, parallel: str
) -> None:
    second = start(codepipeline)

    answer(codepipeline, token_of(codepipeline, parallel), REJECT)

    assert execution_status(codepipeline, parallel) == "Failed"
    assert execution_status(codepipeline, second) == "InProgress"
    codepipeline.get_pipeline_state(name="release")


def test_the_remaining_parallel_approval_can_be_approved_later(
    codepipeline: Client, parallel: str
) -> None:
    second = start(codepipeline)
    answer(codepipeline, token_of(codepipeline, second))

    answer(codepipeline, token_of(codepipeline, parallel))

    assert listed_statuses(codepipeline) == dict.fromkeys([parallel, second], "Succeeded")
    codepipeline.get_pipeline_state(name="release")


def test_stopping_one_parallel_execution_leaves_the_other_pending(
    codepipeline: Client, parallel: str
) -> None:
    second = start(codepipeline)

    codepipeline.stop_pipeline_execution(
        pipelineName="release", pipelineExecutionId=parallel, abandon=True
    )

    assert execution_status(codepipeline, parallel) == "Stopped"
    assert [r["pipelineExecutionId"] for r in approval_runs(codepipeline)] == [second]
    answer(codepipeline, token_of(codepipeline, second))
    assert execution_status(codepipeline, second) == "Succeeded"


def test_a_parallel_execution_can_be_retried_while_another_is_in_the_stage(
    codepipeline: Client, parallel: str
) -> None:
    second = start(codepipeline)
    rejected_token = token_of(codepipeline, parallel)
    answer(codepipeline, rejected_token, REJECT)

    codepipeline.retry_stage_execution(
        pipelineName="release",
        stageName="Approve",
        pipelineExecutionId=parallel,
        retryMode="FAILED_ACTIONS",
    )

    assert execution_status(codepipeline, parallel) == "InProgress"
    assert {r["pipelineExecutionId"] for r in approval_runs(codepipeline)} == {parallel, second}
    retried_token = token_of(codepipeline, parallel)
    assert retried_token != rejected_token
    answer(codepipeline, retried_token)
    assert execution_status(codepipeline, parallel) == "Succeeded"


def test_a_queued_execution_cannot_be_retried_once_the_next_one_entered(
    codepipeline: Client, queued: str
) -> None:
    start(codepipeline)
    answer(codepipeline, approval_token(codepipeline), REJECT)

    with pytest.raises(ClientError) as err:
        codepipeline.retry_stage_execution(
            pipelineName="release",
            stageName="Approve",
            pipelineExecutionId=queued,
            retryMode="FAILED_ACTIONS",
        )

    assert err.value.response["Error"]["Code"] == "StageNotRetryableException"
    assert err.value.response["Error"]["Message"] == (
        "Unable to retry. The pipeline structure or stage state might have changed while "
        "actions awaited retry, or the stage contains no failed actions."
    )
    assert execution_status(codepipeline, queued) == "Failed"
