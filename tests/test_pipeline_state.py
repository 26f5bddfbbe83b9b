"""GetPipelineState: stages, stage and action executions, and where the approval token shows."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError
from pipelines import (
    BUILD,
    MANUAL,
    Client,
    Declaration,
    action_state,
    approval_stage,
    approve,
    deploy_stage,
    key_paths,
    source_stage,
    stage_state,
)

from moto_approvals import Approvals

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def latest_execution_id(codepipeline: Client, pipeline: str = "release") -> str:
    summaries = codepipeline.list_pipeline_executions(pipelineName=pipeline)
    return str(summaries["pipelineExecutionSummaries"][0]["pipelineExecutionId"])


def gated_build_stage() -> Declaration:
    """A stage whose approval (runOrder 2) follows a build (runOrder 1)."""
    return {
        "name": "Gate",
        "actions": [
            {
                "name": "Build",
                "actionTypeId": BUILD,
                "runOrder": 1,
                "inputArtifacts": [{"name": "App"}],
            },
            {"name": "Signoff", "actionTypeId": MANUAL, "runOrder": 2},
        ],
    }


# -- the pipeline and its stages -----------------------------------------------------------


def test_the_state_names_the_pipeline_and_its_first_version(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    state = codepipeline.get_pipeline_state(name="release")

    assert state["pipelineName"] == "release"
    assert state["pipelineVersion"] == 1
    assert isinstance(state["created"], datetime.datetime)
    assert isinstance(state["updated"], datetime.datetime)


def test_stages_are_listed_in_declaration_order(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(stages=[source_stage(), deploy_stage("Beta"), approval_stage(), deploy_stage()])

    state = codepipeline.get_pipeline_state(name="release")

    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Beta", "Approve", "Deploy"]


def test_every_inbound_transition_starts_enabled(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    state = codepipeline.get_pipeline_state(name="release")

    assert [s["inboundTransitionState"] for s in state["stageStates"]] == [{"enabled": True}] * 3


def test_stages_show_the_execution_that_entered_them(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()
    execution_id = latest_execution_id(codepipeline)

    source = stage_state(codepipeline, "Source")["latestExecution"]
    approval = stage_state(codepipeline, "Approve")["latestExecution"]

    assert (source["pipelineExecutionId"], source["status"]) == (execution_id, "Succeeded")
    assert (approval["pipelineExecutionId"], approval["status"]) == (execution_id, "InProgress")


def test_a_stage_not_yet_reached_has_no_latest_execution(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    assert "latestExecution" not in stage_state(codepipeline, "Deploy")


def test_an_action_that_never_ran_shows_only_its_name(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    assert stage_state(codepipeline, "Deploy")["actionStates"] == [{"actionName": "Ship"}]


def test_the_state_of_an_unknown_pipeline_is_not_found(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.get_pipeline_state(name="nope")

    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert err.value.response["Error"]["Message"] == (
        "Account '123456789012' does not have a pipeline with name 'nope'"
    )


# -- the pending approval ----------------------------------------------------------------


def test_a_pending_approval_is_in_progress_with_a_token(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert latest["status"] == "InProgress"
    assert UUID.fullmatch(latest["actionExecutionId"])
    assert isinstance(latest["lastStatusChange"], datetime.datetime)
    assert UUID.fullmatch(latest["token"])
    assert latest["externalExecutionId"] == latest["token"]


def test_a_pending_approval_has_no_summary_and_no_approver(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert "summary" not in latest
    assert "lastUpdatedBy" not in latest


def test_the_token_sits_only_on_the_pending_approval_action(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    state = codepipeline.get_pipeline_state(name="release")

    assert key_paths(state, "token") == ["stageStates[1].actionStates[0].latestExecution.token"]
    assert "token" not in state["stageStates"][1]["latestExecution"]


def test_a_completed_action_shows_no_token(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    latest = action_state(codepipeline, "Source", "Fetch")["latestExecution"]

    assert latest["status"] == "Succeeded"
    assert "token" not in latest


def test_an_approval_shows_its_external_entity_link(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    link = "https://example.com/review/42"
    create_pipeline(
        stages=[
            source_stage(),
            approval_stage(configuration={"ExternalEntityLink": link}),
            deploy_stage(),
        ]
    )

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert latest["externalExecutionUrl"] == link


def test_each_execution_gets_a_fresh_token(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()
    first = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    approve(codepipeline)

    codepipeline.start_pipeline_execution(name="release")
    second = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert UUID.fullmatch(second["token"])
    assert second["token"] != first["token"]
    assert second["actionExecutionId"] != first["actionExecutionId"]
    execution_id = latest_execution_id(codepipeline)
    assert stage_state(codepipeline, "Approve")["latestExecution"]["pipelineExecutionId"] == (
        execution_id
    )


# -- actions running together and in order -------------------------------------------------


def test_approvals_with_the_same_run_order_are_pending_together(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    both = {
        "name": "Approve",
        "actions": [
            {"name": "Security", "actionTypeId": MANUAL, "runOrder": 1},
            {"name": "Product", "actionTypeId": MANUAL, "runOrder": 1},
        ],
    }
    create_pipeline(stages=[source_stage(), both, deploy_stage()])

    security = action_state(codepipeline, "Approve", "Security")["latestExecution"]
    product = action_state(codepipeline, "Approve", "Product")["latestExecution"]

    assert security["status"] == product["status"] == "InProgress"
    assert security["token"] != product["token"]


def test_the_stage_waits_for_every_parallel_approval(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    both = {
        "name": "Approve",
        "actions": [
            {"name": "Security", "actionTypeId": MANUAL, "runOrder": 1},
            {"name": "Product", "actionTypeId": MANUAL, "runOrder": 1},
        ],
    }
    create_pipeline(stages=[source_stage(), both, deploy_stage()])

    approve(codepipeline, action="Security")

    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "InProgress"
    assert "latestExecution" not in stage_state(codepipeline, "Deploy")
    approve(codepipeline, action="Product")
    assert stage_state(codepipeline, "Deploy")["latestExecution"]["status"] == "Succeeded"


def test_an_approval_at_a_later_run_order_starts_after_the_earlier_action(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(stages=[source_stage(), gated_build_stage(), deploy_stage()])

    build = action_state(codepipeline, "Gate", "Build")["latestExecution"]
    signoff = action_state(codepipeline, "Gate", "Signoff")["latestExecution"]
    details = codepipeline.list_action_executions(pipelineName="release")["actionExecutionDetails"]

    assert build["status"] == "Succeeded"
    assert signoff["status"] == "InProgress"
    # Newest first: the approval started after the build.
    assert [d["actionName"] for d in details] == ["Signoff", "Build", "Fetch"]


def test_an_approval_at_a_later_run_order_never_starts_after_a_failure(
    codepipeline: Client, create_pipeline: Callable[..., Declaration], approvals: Approvals
) -> None:
    create_pipeline(stages=[source_stage(), approval_stage(), gated_build_stage(), deploy_stage()])
    approvals.fail_action("release", "Gate", "Build")

    approve(codepipeline)

    assert action_state(codepipeline, "Gate", "Build")["latestExecution"]["status"] == "Failed"
    assert action_state(codepipeline, "Gate", "Signoff") == {"actionName": "Signoff"}
    assert stage_state(codepipeline, "Gate")["latestExecution"]["status"] == "Failed"
    assert key_paths(codepipeline.get_pipeline_state(name="release"), "token") == []
