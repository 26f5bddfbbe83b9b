"""Test-side control of non-approval actions and the pending-approval listing."""

from __future__ import annotations

import json

import boto3
import pytest
from pipelines import (
    MANUAL,
    TRUST_POLICY,
    Client,
    CreatePipeline,
    Declaration,
    action_state,
    approval_stage,
    approval_token,
    approve,
    build_stage,
    declaration,
    deploy_stage,
    execution_status,
    newest_execution_id,
    source_stage,
    stage_state,
)

import moto_approvals
from moto_approvals import Approvals, PendingApproval, mock_approvals

FAILED_BY_TEST = "Action failed (set by the test)"


def built_release() -> list[Declaration]:
    return [source_stage(), build_stage(), approval_stage(), deploy_stage()]


def checked_approval_stage() -> Declaration:
    """An Approve stage running a test suite first, then the manual approval (runOrder 2)."""
    suite = {**build_stage()["actions"][0], "name": "Test", "runOrder": 1}
    approval_action = {"name": "ManualApproval", "actionTypeId": MANUAL, "runOrder": 2}
    return {"name": "Approve", "actions": [suite, approval_action]}


def start(codepipeline: Client) -> str:
    return str(codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"])


def build(codepipeline: Client) -> dict[str, str]:
    latest: dict[str, str] = action_state(codepipeline, "Build", "Compile")["latestExecution"]
    return latest


@pytest.fixture
def idle(create_pipeline: CreatePipeline, codepipeline: Client) -> None:
    """Source → Build → Approve → Deploy, its first execution approved and finished."""
    create_pipeline(stages=built_release())
    approve(codepipeline)


# -- fail_action -------------------------------------------------------------------------


def test_a_failing_action_fails_its_stage_and_the_execution(
    codepipeline: Client, approvals: Approvals, idle: None
) -> None:
    approvals.fail_action("release", "Build", "Compile")

    execution_id = start(codepipeline)

    assert build(codepipeline)["status"] == "Failed"
    assert build(codepipeline)["summary"] == FAILED_BY_TEST
    assert stage_state(codepipeline, "Build")["latestExecution"]["status"] == "Failed"
    assert execution_status(codepipeline, execution_id) == "Failed"


def test_an_execution_failing_before_the_approval_never_reaches_it(
    codepipeline: Client, approvals: Approvals, idle: None
) -> None:
    approvals.fail_action("release", "Build", "Compile")

    execution_id = start(codepipeline)

    approve_stage = stage_state(codepipeline, "Approve")
    assert approve_stage["latestExecution"]["pipelineExecutionId"] != execution_id
    assert "inboundExecution" not in approve_stage
    assert approvals.pending_approvals("release") == []


def test_a_failing_action_keeps_failing_on_retry(
    codepipeline: Client, approvals: Approvals, idle: None
) -> None:
    approvals.fail_action("release", "Build", "Compile")
    execution_id = start(codepipeline)
    failed_run = build(codepipeline)["actionExecutionId"]

    codepipeline.retry_stage_execution(
        pipelineName="release",
        stageName="Build",
        pipelineExecutionId=execution_id,
        retryMode="FAILED_ACTIONS",
    )

    assert build(codepipeline)["status"] == "Failed"
    assert build(codepipeline)["actionExecutionId"] != failed_run
    assert execution_status(codepipeline, execution_id) == "Failed"


def test_retrying_after_succeed_action_lets_the_execution_reach_the_approval(
    codepipeline: Client, approvals: Approvals, idle: None
) -> None:
    approvals.fail_action("release", "Build", "Compile")
    execution_id = start(codepipeline)
    approvals.succeed_action("release", "Build", "Compile")

    codepipeline.retry_stage_execution(
        pipelineName="release",
        stageName="Build",
        pipelineExecutionId=execution_id,
        retryMode="FAILED_ACTIONS",
    )

    assert build(codepipeline)["status"] == "Succeeded"
    [pending] = approvals.pending_approvals("release")
    assert pending.pipeline_execution_id == execution_id
    approve(codepipeline, pending.token)
    assert execution_status(codepipeline, execution_id) == "Succeeded"


# -- hold_action and complete_action -----------------------------------------------------


def test_a_held_action_stays_in_progress(
    codepipeline: Client, approvals: Approvals, idle: None
) -> None:
    approvals.hold_action("release", "Build", "Compile")

    execution_id = start(codepipeline)

    assert build(codepipeline)["status"] == "InProgress"
    assert stage_state(codepipeline, "Build")["latestExecution"]["status"] == "InProgress"
    assert execution_status(codepipeline, execution_id) == "InProgress"
    assert approvals.pending_approvals("release") == []


def test_completing_a_held_action_lets_the_execution_continue(
    codepipeline: Client, approvals: Approvals, idle: None
) -> None:
    approvals.hold_action("release", "Build", "Compile")
    execution_id = start(codepipeline)

    done = approvals.complete_action("release", "Build", "Compile", succeeded=True)

    assert done == 1
    assert build(codepipeline)["status"] == "Succeeded"
    [pending] = approvals.pending_approvals("release")
    assert pending.pipeline_execution_id == execution_id
    assert approval_token(codepipeline) == pending.token


def test_completing_a_held_action_as_failed_fails_it_with_the_summary(
    codepipeline: Client, approvals: Approvals, idle: None
) -> None:
    approvals.hold_action("release", "Build", "Compile")
    execution_id = start(codepipeline)

    approvals.complete_action(
        "release", "Build", "Compile", succeeded=False, summary="tests failed"
    )

    assert build(codepipeline)["status"] == "Failed"
    assert build(codepipeline)["summary"] == "tests failed"
    assert stage_state(codepipeline, "Build")["latestExecution"]["status"] == "Failed"
    assert execution_status(codepipeline, execution_id) == "Failed"


def test_an_approval_after_a_held_action_in_its_stage_waits_for_it(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(stages=[source_stage(), checked_approval_stage(), deploy_stage()])
    [first] = approvals.pending_approvals("release")
    approve(codepipeline, first.token)
    approvals.hold_action("release", "Approve", "Test")
    start(codepipeline)
    assert approvals.pending_approvals("release") == []

    approvals.complete_action("release", "Approve", "Test")

    [pending] = approvals.pending_approvals("release")
    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert latest["token"] == pending.token


def test_a_held_action_is_completed_for_one_execution_only(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(stages=built_release(), pipelineType="V2", executionMode="PARALLEL")
    approvals.hold_action("release", "Build", "Compile")
    first, second = start(codepipeline), start(codepipeline)

    done = approvals.complete_action("release", "Build", "Compile", pipeline_execution_id=second)

    assert done == 1
    pending = approvals.pending_approvals("release")
    assert second in [p.pipeline_execution_id for p in pending]
    assert first not in [p.pipeline_execution_id for p in pending]
    runs = codepipeline.list_action_executions(
        pipelineName="release", filter={"pipelineExecutionId": first}
    )["actionExecutionDetails"]
    held = next(r for r in runs if r["actionName"] == "Compile")
    assert held["status"] == "InProgress"


def test_complete_action_without_a_held_run_is_a_value_error(
    codepipeline: Client, approvals: Approvals, idle: None
) -> None:
    with pytest.raises(ValueError) as err:
        approvals.complete_action("release", "Build", "Compile")

    assert str(err.value) == (
        "No run of release/Build/Compile in account 123456789012, region us-east-1 is "
        "InProgress; call hold_action() before the execution reaches it."
    )
    codepipeline.get_pipeline_state(name="release")


@pytest.mark.parametrize("control", ["fail_action", "hold_action", "succeed_action"])
def test_setting_a_behaviour_on_a_manual_approval_is_a_value_error(
    codepipeline: Client, approvals: Approvals, idle: None, control: str
) -> None:
    with pytest.raises(ValueError) as err:
        getattr(approvals, control)("release", "Approve", "ManualApproval")

    assert str(err.value) == (
        "Pipeline 'release' in account 123456789012, region us-east-1: Approve/ManualApproval "
        "is a manual approval: answer it with put_approval_result instead of setting a behaviour."
    )
    codepipeline.get_pipeline_state(name="release")


# -- pending_approvals -------------------------------------------------------------------


def test_pending_approvals_lists_the_waiting_approval(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline()

    [pending] = approvals.pending_approvals("release")

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    assert pending.pipeline_name == "release"
    assert pending.stage_name == "Approve"
    assert pending.action_name == "ManualApproval"
    assert pending.pipeline_execution_id == newest_execution_id(codepipeline)
    assert pending.action_execution_id == latest["actionExecutionId"]
    assert pending.token == latest["token"]


def test_a_pending_approvals_token_answers_the_approval(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline()
    [pending] = approvals.pending_approvals("release")

    approve(codepipeline, pending.token)

    assert approvals.pending_approvals("release") == []
    assert execution_status(codepipeline, pending.pipeline_execution_id) == "Succeeded"


def test_pending_approvals_lists_every_parallel_approval_oldest_first(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(pipelineType="V2", executionMode="PARALLEL")
    first = newest_execution_id(codepipeline)
    second = start(codepipeline)

    pending = approvals.pending_approvals("release")

    assert [p.pipeline_execution_id for p in pending] == [first, second]
    assert len({p.token for p in pending}) == 2
    codepipeline.get_pipeline_state(name="release")


def test_pending_approvals_lists_each_approval_stage_separately(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(stages=[source_stage(), approval_stage(), approval_stage("Review", "SignOff")])
    approve(codepipeline)

    [pending] = approvals.pending_approvals("release")

    assert (pending.stage_name, pending.action_name) == ("Review", "SignOff")
    assert pending.token == approval_token(codepipeline, stage="Review")


def test_pending_approvals_of_another_pipeline_are_not_listed(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline()
    create_pipeline(name="hotfix")

    [pending] = approvals.pending_approvals("hotfix")

    assert pending.pipeline_name == "hotfix"
    assert pending.token == approval_token(codepipeline, pipeline="hotfix")


# -- the handle for decorator users ------------------------------------------------------


def test_the_approvals_function_steers_a_decorated_test() -> None:
    @mock_approvals
    def scenario() -> tuple[str, list[PendingApproval]]:
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(
            RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
        )["Role"]["Arn"]
        codepipeline = boto3.client("codepipeline", region_name="us-east-1")
        codepipeline.create_pipeline(pipeline=declaration(role, stages=built_release()))
        approve(codepipeline)
        moto_approvals.approvals().fail_action("release", "Build", "Compile")
        execution_id = start(codepipeline)
        status = execution_status(codepipeline, execution_id)
        return status, moto_approvals.approvals().pending_approvals("release")

    status, pending = scenario()

    assert status == "Failed"
    assert pending == []
