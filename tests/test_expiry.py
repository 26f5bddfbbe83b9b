"""Approval expiry: seven days by default, ``timeoutInMinutes`` when set, driven by freezegun.

Expiry has no timer: every read or write compares moto's clock with each pending approval's
deadline. freezegun reaches the moto server too, because ``ThreadedMotoServer`` runs in the
test's own process, so these tests run in both modes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from freezegun import freeze_time
from pipelines import (
    INVALID_TOKEN,
    SEVEN_DAYS,
    START,
    Client,
    CreatePipeline,
    Declaration,
    action_state,
    approval_stage,
    approval_token,
    approve,
    declaration,
    deploy_stage,
    execution_status,
    newest_execution_id,
    source_stage,
    stage_state,
)

from moto_approvals import Approvals

SECOND = datetime.timedelta(seconds=1)
EXPIRED_SUMMARY = "Approval timed out"
TIMEOUT_RANGE_PATH = "pipeline.stages.2.member.actions.1.member.timeoutInMinutes"


def with_timeout(minutes: int) -> list[Declaration]:
    return [source_stage(), approval_stage(timeoutInMinutes=minutes), deploy_stage()]


def approval(codepipeline: Client) -> dict[str, Any]:
    latest: dict[str, Any] = action_state(codepipeline, "Approve", "ManualApproval")[
        "latestExecution"
    ]
    return latest


# -- the deadline ------------------------------------------------------------------------


def test_an_approval_is_still_pending_just_before_seven_days(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(SEVEN_DAYS - SECOND)

        latest = approval(codepipeline)

    assert latest["status"] == "InProgress"
    assert "token" in latest


def test_an_approval_expires_seven_days_after_it_started(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(SEVEN_DAYS)

        latest = approval(codepipeline)

    assert latest["status"] == "Failed"


def test_an_approval_with_a_timeout_is_pending_just_before_it(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline(stages=with_timeout(60))
        clock.tick(datetime.timedelta(minutes=60) - SECOND)

        latest = approval(codepipeline)

    assert latest["status"] == "InProgress"


def test_an_approval_with_a_timeout_expires_when_it_runs_out(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline(stages=with_timeout(60))
        clock.tick(datetime.timedelta(minutes=60))

        latest = approval(codepipeline)

    assert latest["status"] == "Failed"


def test_a_timeout_longer_than_seven_days_replaces_the_default(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline(stages=with_timeout(86400))
        clock.tick(datetime.timedelta(days=59))

        latest = approval(codepipeline)

    assert latest["status"] == "InProgress"


def test_approving_in_time_prevents_the_expiry(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(SEVEN_DAYS - SECOND)
        approve(codepipeline, approval_token(codepipeline))
        clock.tick(datetime.timedelta(days=30))

        latest = approval(codepipeline)
        status = execution_status(codepipeline, newest_execution_id(codepipeline))

    assert latest["status"] == "Succeeded"
    assert status == "Succeeded"


# -- what an expired approval looks like --------------------------------------------------


def test_an_expired_approval_fails_with_a_timeout_summary_and_no_token(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        token = approval_token(codepipeline)
        clock.tick(SEVEN_DAYS)

        latest = approval(codepipeline)

    assert latest["status"] == "Failed"
    assert latest["summary"] == EXPIRED_SUMMARY
    assert "token" not in latest
    assert latest["externalExecutionId"] == token


def test_an_expired_approval_changed_status_at_its_deadline(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(datetime.timedelta(days=10))

        latest = approval(codepipeline)

    assert latest["lastStatusChange"] == START + SEVEN_DAYS


def test_an_expired_approval_fails_its_stage_and_execution(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(SEVEN_DAYS)

        stage = stage_state(codepipeline, "Approve")
        status = execution_status(codepipeline, newest_execution_id(codepipeline))

    assert stage["latestExecution"]["status"] == "Failed"
    assert status == "Failed"


def test_an_expired_execution_never_reaches_the_next_stage(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(SEVEN_DAYS)

        deploy = stage_state(codepipeline, "Deploy")

    assert "latestExecution" not in deploy
    assert deploy["actionStates"] == [{"actionName": "Ship"}]


def test_answering_an_expired_approval_is_an_invalid_token(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        token = approval_token(codepipeline)
        clock.tick(SEVEN_DAYS)

        with pytest.raises(ClientError) as err:
            approve(codepipeline, token)
        latest = approval(codepipeline)

    assert err.value.response["Error"]["Code"] == "InvalidApprovalTokenException"
    assert err.value.response["Error"]["Message"] == INVALID_TOKEN
    assert latest["status"] == "Failed"


def test_an_answer_is_checked_against_the_deadline_without_a_prior_read(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        token = approval_token(codepipeline)
        clock.tick(SEVEN_DAYS + SECOND)

        # The write itself must notice the expiry: nothing has read the state since.
        with pytest.raises(ClientError) as err:
            approve(codepipeline, token)
        status = execution_status(codepipeline, newest_execution_id(codepipeline))

    assert err.value.response["Error"]["Code"] == "InvalidApprovalTokenException"
    assert err.value.response["Error"]["Message"] == INVALID_TOKEN
    assert status == "Failed"


def test_an_expired_execution_is_failed_in_the_execution_list(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(SEVEN_DAYS)

        summaries = codepipeline.list_pipeline_executions(pipelineName="release")
        codepipeline.get_pipeline_state(name="release")

    [summary] = summaries["pipelineExecutionSummaries"]
    assert summary["status"] == "Failed"
    assert summary["lastUpdateTime"] == START + SEVEN_DAYS


def test_an_expired_approval_is_no_longer_a_pending_approval(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        [pending] = approvals.pending_approvals("release")
        clock.tick(SEVEN_DAYS)

        remaining = approvals.pending_approvals("release")
        codepipeline.get_pipeline_state(name="release")

    assert pending.expires_at == START + SEVEN_DAYS
    assert remaining == []


def test_an_approval_expiring_during_stop_and_wait_stops_the_execution(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        execution_id = newest_execution_id(codepipeline)
        codepipeline.stop_pipeline_execution(
            pipelineName="release", pipelineExecutionId=execution_id
        )
        clock.tick(SEVEN_DAYS)

        latest = approval(codepipeline)
        stage = stage_state(codepipeline, "Approve")
        status = execution_status(codepipeline, execution_id)

    assert latest["status"] == "Failed"
    assert latest["summary"] == EXPIRED_SUMMARY
    assert stage["latestExecution"]["status"] == "Stopped"
    assert status == "Stopped"


# -- executions waiting behind an approval -----------------------------------------------


def test_a_waiting_execution_enters_when_the_approval_ahead_expires(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        first_token = approval_token(codepipeline)
        clock.tick(datetime.timedelta(days=1))
        second = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
        clock.tick(SEVEN_DAYS - datetime.timedelta(days=1))

        stage = stage_state(codepipeline, "Approve")
        latest = approval(codepipeline)

    assert stage["latestExecution"] == {
        "pipelineExecutionId": second,
        "status": "InProgress",
        "type": "STANDARD",
    }
    assert "inboundExecution" not in stage
    assert latest["status"] == "InProgress"
    assert latest["token"] != first_token


def test_the_next_deadline_counts_from_the_expiry_that_let_it_in(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(datetime.timedelta(days=1))
        codepipeline.start_pipeline_execution(name="release")
        clock.move_to(START + datetime.timedelta(days=10))

        [pending] = approvals.pending_approvals("release")
        codepipeline.get_pipeline_state(name="release")

    assert pending.expires_at == START + 2 * SEVEN_DAYS


def test_the_entering_execution_is_pending_until_its_own_deadline(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(datetime.timedelta(days=1))
        second = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
        clock.move_to(START + 2 * SEVEN_DAYS - SECOND)

        latest = approval(codepipeline)
        status = execution_status(codepipeline, second)

    assert latest["status"] == "InProgress"
    assert status == "InProgress"


def test_one_long_clock_jump_expires_both_approvals_in_turn(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        first = newest_execution_id(codepipeline)
        clock.tick(datetime.timedelta(days=1))
        second = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
        clock.move_to(START + datetime.timedelta(days=15))

        runs = codepipeline.list_action_executions(
            pipelineName="release", filter={"pipelineExecutionId": second}
        )["actionExecutionDetails"]
        latest = approval(codepipeline)
        statuses = [execution_status(codepipeline, e) for e in (first, second)]

    approval_run = next(r for r in runs if r["stageName"] == "Approve")
    assert statuses == ["Failed", "Failed"]
    assert approval_run["startTime"] == START + SEVEN_DAYS
    assert latest["status"] == "Failed"
    assert latest["lastStatusChange"] == START + 2 * SEVEN_DAYS


def test_parallel_approvals_expire_independently(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline(pipelineType="V2", executionMode="PARALLEL")
        first = newest_execution_id(codepipeline)
        clock.tick(datetime.timedelta(days=3))
        second = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
        clock.tick(SEVEN_DAYS - datetime.timedelta(days=3))

        codepipeline.get_pipeline_state(name="release")
        statuses = [execution_status(codepipeline, e) for e in (first, second)]

    assert statuses == ["Failed", "InProgress"]


# -- timeoutInMinutes is validated --------------------------------------------------------


OUT_OF_RANGE = [
    pytest.param(4, "Member must have value greater than or equal to 5", id="below-5"),
    pytest.param(86401, "Member must have value less than or equal to 86400", id="above-86400"),
]


@pytest.fixture
def unchecked(client_factory: Callable[..., Client]) -> Client:
    """A client that sends out-of-range values (botocore checks minimums itself)."""
    return client_factory("codepipeline", config=Config(parameter_validation=False))


@pytest.mark.parametrize(("minutes", "constraint"), OUT_OF_RANGE)
def test_creating_with_an_out_of_range_timeout_is_a_validation_error(
    unchecked: Client, codepipeline: Client, role_arn: str, minutes: int, constraint: str
) -> None:
    with pytest.raises(ClientError) as err:
        unchecked.create_pipeline(pipeline=declaration(role_arn, stages=with_timeout(minutes)))

    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{minutes}' at '{TIMEOUT_RANGE_PATH}' "
        f"failed to satisfy constraint: {constraint}"
    )
    assert codepipeline.list_pipelines()["pipelines"] == []


@pytest.mark.parametrize(("minutes", "constraint"), OUT_OF_RANGE)
def test_updating_to_an_out_of_range_timeout_is_a_validation_error(
    unchecked: Client,
    codepipeline: Client,
    create_pipeline: CreatePipeline,
    minutes: int,
    constraint: str,
) -> None:
    pipeline = create_pipeline()
    token = approval_token(codepipeline)

    with pytest.raises(ClientError) as err:
        unchecked.update_pipeline(pipeline={**pipeline, "stages": with_timeout(minutes)})

    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{minutes}' at '{TIMEOUT_RANGE_PATH}' "
        f"failed to satisfy constraint: {constraint}"
    )
    state = codepipeline.get_pipeline_state(name="release")
    assert state["pipelineVersion"] == 1
    assert approval_token(codepipeline) == token


@pytest.mark.parametrize("minutes", [5, 86400], ids=["minimum-5", "maximum-86400"])
def test_a_timeout_at_either_end_of_the_range_is_accepted(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals, minutes: int
) -> None:
    with freeze_time(START):
        create_pipeline(stages=with_timeout(minutes))

        [pending] = approvals.pending_approvals("release")
        codepipeline.get_pipeline_state(name="release")

    assert pending.expires_at == START + datetime.timedelta(minutes=minutes)
