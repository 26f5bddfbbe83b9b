"""DisableStageTransition / EnableStageTransition around a manual approval."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from freezegun import freeze_time
from pipelines import (
    Client,
    Pending,
    action_state,
    approval_token,
    approve,
    caller_arn,
    execution_status,
    newest_execution_id,
    stage_state,
)

REASON_PATTERN = "[a-zA-Z0-9!@ \\(\\)\\.\\*\\?\\-]+"
CHANGED_AT = datetime.datetime(2026, 3, 2, 17, 30, tzinfo=datetime.timezone.utc)
STAGE_NOT_FOUND = "The stage was specified in an invalid format or cannot be found."


def disable(
    codepipeline: Client,
    stage: str,
    transition: str = "Inbound",
    reason: str = "Release freeze",
    pipeline: str = "release",
) -> None:
    codepipeline.disable_stage_transition(
        pipelineName=pipeline, stageName=stage, transitionType=transition, reason=reason
    )


def enable(codepipeline: Client, stage: str, transition: str = "Inbound") -> None:
    codepipeline.enable_stage_transition(
        pipelineName="release", stageName=stage, transitionType=transition
    )


def inbound(codepipeline: Client, stage: str) -> dict[str, Any]:
    state: dict[str, Any] = stage_state(codepipeline, stage)["inboundTransitionState"]
    return state


def start(codepipeline: Client) -> str:
    return str(codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"])


# -- what the state shows ----------------------------------------------------------------


def test_transitions_start_enabled_with_nothing_else_recorded(
    codepipeline: Client, pending: Pending
) -> None:
    state = codepipeline.get_pipeline_state(name="release")

    assert [s["inboundTransitionState"] for s in state["stageStates"]] == [{"enabled": True}] * 3


def test_a_disabled_transition_shows_who_when_and_why(
    codepipeline: Client, pending: Pending, client_factory: Callable[..., Client]
) -> None:
    with freeze_time(CHANGED_AT):
        disable(codepipeline, "Approve", reason="Release freeze (holidays)!")

    assert inbound(codepipeline, "Approve") == {
        "enabled": False,
        "lastChangedBy": caller_arn(client_factory("sts")),
        "lastChangedAt": CHANGED_AT,
        "disabledReason": "Release freeze (holidays)!",
    }


def test_enabling_a_transition_clears_the_disabled_reason(
    codepipeline: Client, pending: Pending, client_factory: Callable[..., Client]
) -> None:
    with freeze_time(CHANGED_AT) as clock:
        disable(codepipeline, "Approve")
        clock.tick(datetime.timedelta(hours=2))

        enable(codepipeline, "Approve")

    assert inbound(codepipeline, "Approve") == {
        "enabled": True,
        "lastChangedBy": caller_arn(client_factory("sts")),
        "lastChangedAt": CHANGED_AT + datetime.timedelta(hours=2),
    }


def test_disabling_one_transition_leaves_the_others_enabled(
    codepipeline: Client, pending: Pending
) -> None:
    disable(codepipeline, "Approve")

    assert inbound(codepipeline, "Source") == {"enabled": True}
    assert inbound(codepipeline, "Deploy") == {"enabled": True}


def test_the_outbound_transition_of_a_stage_is_the_inbound_of_the_next(
    codepipeline: Client, pending: Pending
) -> None:
    disable(codepipeline, "Approve", transition="Outbound", reason="Hold deploys")

    state = inbound(codepipeline, "Deploy")
    assert state["enabled"] is False
    assert state["disabledReason"] == "Hold deploys"
    assert inbound(codepipeline, "Approve") == {"enabled": True}


def test_enabling_an_outbound_transition_enables_the_next_inbound(
    codepipeline: Client, pending: Pending
) -> None:
    disable(codepipeline, "Deploy")

    enable(codepipeline, "Approve", transition="Outbound")

    assert inbound(codepipeline, "Deploy")["enabled"] is True


def test_the_outbound_transition_of_the_last_stage_changes_nothing(
    codepipeline: Client, pending: Pending
) -> None:
    disable(codepipeline, "Deploy", transition="Outbound")

    state = codepipeline.get_pipeline_state(name="release")
    assert [s["inboundTransitionState"] for s in state["stageStates"]] == [{"enabled": True}] * 3


# -- what executions do ------------------------------------------------------------------


def test_an_execution_inside_the_stage_is_not_affected(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    disable(codepipeline, "Approve")

    approve(codepipeline)

    assert stage_state(codepipeline, "Deploy")["latestExecution"]["status"] == "Succeeded"
    assert execution_status(codepipeline, execution_id) == "Succeeded"


def test_a_later_execution_waits_at_a_disabled_transition(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    approve(codepipeline)
    disable(codepipeline, "Approve")

    later = start(codepipeline)

    stage = stage_state(codepipeline, "Approve")
    assert stage["inboundExecution"] == {
        "pipelineExecutionId": later,
        "status": "InProgress",
        "type": "STANDARD",
    }
    assert stage["latestExecution"]["pipelineExecutionId"] == execution_id
    assert stage["actionStates"][0]["latestExecution"]["status"] == "Succeeded"
    assert execution_status(codepipeline, later) == "InProgress"


def test_a_waiting_execution_enters_when_the_transition_is_enabled(
    codepipeline: Client, pending: Pending
) -> None:
    approve(codepipeline)
    disable(codepipeline, "Approve")
    later = start(codepipeline)

    enable(codepipeline, "Approve")

    stage = stage_state(codepipeline, "Approve")
    assert "inboundExecution" not in stage
    assert stage["latestExecution"]["pipelineExecutionId"] == later
    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["status"] == "InProgress"
    assert latest["token"] != pending["token"]


def test_an_enabled_transition_still_waits_for_the_stage_to_be_free(
    codepipeline: Client, pending: Pending
) -> None:
    disable(codepipeline, "Approve")
    later = start(codepipeline)

    enable(codepipeline, "Approve")

    stage = stage_state(codepipeline, "Approve")
    assert stage["inboundExecution"]["pipelineExecutionId"] == later
    assert approval_token(codepipeline) == pending["token"]


def test_the_waiting_execution_enters_once_the_stage_is_free_too(
    codepipeline: Client, pending: Pending
) -> None:
    disable(codepipeline, "Approve")
    later = start(codepipeline)
    enable(codepipeline, "Approve")

    approve(codepipeline)

    stage = stage_state(codepipeline, "Approve")
    assert stage["latestExecution"]["pipelineExecutionId"] == later
    assert approval_token(codepipeline) != pending["token"]


def test_an_approved_execution_waits_at_a_disabled_outbound_transition(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    disable(codepipeline, "Approve", transition="Outbound")

    approve(codepipeline)

    approve_stage = stage_state(codepipeline, "Approve")
    deploy = stage_state(codepipeline, "Deploy")
    assert approve_stage["latestExecution"]["status"] == "Succeeded"
    assert deploy["inboundExecution"]["pipelineExecutionId"] == execution_id
    assert "latestExecution" not in deploy
    assert execution_status(codepipeline, execution_id) == "InProgress"


def test_enabling_the_outbound_transition_lets_the_execution_finish(
    codepipeline: Client, pending: Pending
) -> None:
    execution_id = newest_execution_id(codepipeline)
    disable(codepipeline, "Approve", transition="Outbound")
    approve(codepipeline)

    enable(codepipeline, "Approve", transition="Outbound")

    deploy = stage_state(codepipeline, "Deploy")
    assert "inboundExecution" not in deploy
    assert deploy["latestExecution"]["status"] == "Succeeded"
    assert execution_status(codepipeline, execution_id) == "Succeeded"


def test_a_newer_execution_supersedes_one_waiting_at_a_disabled_transition(
    codepipeline: Client, pending: Pending
) -> None:
    approve(codepipeline)
    disable(codepipeline, "Approve")
    older = start(codepipeline)

    newer = start(codepipeline)

    stage = stage_state(codepipeline, "Approve")
    assert stage["inboundExecution"]["pipelineExecutionId"] == newer
    assert execution_status(codepipeline, older) == "Superseded"


def test_an_execution_waiting_at_a_transition_can_be_stopped(
    codepipeline: Client, pending: Pending
) -> None:
    approve(codepipeline)
    disable(codepipeline, "Approve")
    waiting = start(codepipeline)

    codepipeline.stop_pipeline_execution(pipelineName="release", pipelineExecutionId=waiting)

    assert "inboundExecution" not in stage_state(codepipeline, "Approve")
    assert execution_status(codepipeline, waiting) == "Stopped"


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [
        pytest.param("Release freeze (holidays)! @ops *why?* 1.2-3", id="every-allowed-symbol"),
        pytest.param("x" * 300, id="300-characters"),
        pytest.param("a", id="1-character"),
    ],
)
def test_a_reason_within_its_constraints_is_accepted(
    codepipeline: Client, pending: Pending, reason: str
) -> None:
    disable(codepipeline, "Approve", reason=reason)

    assert inbound(codepipeline, "Approve")["disabledReason"] == reason


@pytest.mark.parametrize(
    ("reason", "constraint"),
    [
        pytest.param(
            "freeze_until_monday",
            f"Member must satisfy regular expression pattern: {REASON_PATTERN}",
            id="underscore",
        ),
        pytest.param(
            "freeze, see #42",
            f"Member must satisfy regular expression pattern: {REASON_PATTERN}",
            id="comma-and-hash",
        ),
        pytest.param(
            "Gel des déploiements",
            f"Member must satisfy regular expression pattern: {REASON_PATTERN}",
            id="non-ascii",
        ),
        pytest.param(
            "x" * 301, "Member must have length less than or equal to 300", id="301-characters"
        ),
    ],
)
def test_a_reason_outside_its_constraints_is_a_validation_error(
    codepipeline: Client, pending: Pending, reason: str, constraint: str
) -> None:
    with pytest.raises(ClientError) as err:
        disable(codepipeline, "Approve", reason=reason)

    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{reason}' at 'reason' failed to satisfy "
        f"constraint: {constraint}"
    )
    assert inbound(codepipeline, "Approve") == {"enabled": True}


def test_an_unknown_transition_type_is_a_validation_error(
    codepipeline: Client, pending: Pending
) -> None:
    with pytest.raises(ClientError) as err:
        enable(codepipeline, "Approve", transition="Sideways")

    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'Sideways' at 'transitionType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Inbound, Outbound]"
    )
    codepipeline.get_pipeline_state(name="release")


@pytest.mark.parametrize("operation", ["disable", "enable"])
def test_an_unknown_stage_is_stage_not_found(
    codepipeline: Client, pending: Pending, operation: str
) -> None:
    with pytest.raises(ClientError) as err:
        if operation == "disable":
            disable(codepipeline, "Nowhere")
        else:
            enable(codepipeline, "Nowhere")

    assert err.value.response["Error"]["Code"] == "StageNotFoundException"
    assert err.value.response["Error"]["Message"] == STAGE_NOT_FOUND
    codepipeline.get_pipeline_state(name="release")


def test_an_unknown_pipeline_is_pipeline_not_found(codepipeline: Client, pending: Pending) -> None:
    with pytest.raises(ClientError) as err:
        disable(codepipeline, "Approve", pipeline="nowhere")

    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert err.value.response["Error"]["Message"] == (
        "Account '123456789012' does not have a pipeline with name 'nowhere'"
    )
    codepipeline.get_pipeline_state(name="release")
