"""How a finished run explains itself: statusSummary, errorDetails, the succeededInStage filter."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun import freeze_time
from pipelines import (
    APPROVE,
    REJECT,
    SEVEN_DAYS,
    START,
    Client,
    CreatePipeline,
    Pending,
    action_state,
    approval_stage,
    approval_token,
    build_stage,
    declaration,
    deploy_stage,
    source_stage,
)

from moto_approvals import Approvals


def newest_summary(codepipeline: Client) -> dict[str, Any]:
    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    found: dict[str, Any] = summaries["pipelineExecutionSummaries"][0]
    return found


def newest_execution(codepipeline: Client) -> dict[str, Any]:
    execution_id = newest_summary(codepipeline)["pipelineExecutionId"]
    found: dict[str, Any] = codepipeline.get_pipeline_execution(
        pipelineName="release", pipelineExecutionId=execution_id
    )["pipelineExecution"]
    return found


def approval_detail(codepipeline: Client) -> dict[str, Any]:
    details = codepipeline.list_action_executions(pipelineName="release")
    found: dict[str, Any] = next(
        d for d in details["actionExecutionDetails"] if d["actionName"] == "ManualApproval"
    )
    return found


# -- errorDetails --------------------------------------------------------------------------


def test_a_rejected_approval_carries_error_details_with_its_summary(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    result = approval_detail(codepipeline)["output"]["executionResult"]

    assert latest["errorDetails"] == {"code": "JobFailed", "message": "Not today"}
    assert result["errorDetails"] == {"code": "JobFailed", "message": "Not today"}


def test_a_rejection_without_summary_says_it_was_rejected(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result={"status": "Rejected", "summary": ""})

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert latest["errorDetails"] == {"code": "JobFailed", "message": "Approval rejected"}


def test_an_expired_approval_carries_error_details(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(SEVEN_DAYS)
        latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert latest["errorDetails"] == {"code": "JobFailed", "message": "Approval timed out"}


def test_an_action_failed_by_the_test_carries_error_details(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(stages=[source_stage(), build_stage(), approval_stage()])
    approvals.fail_action("release", "Build", "Compile")
    codepipeline.start_pipeline_execution(name="release")

    latest = action_state(codepipeline, "Build", "Compile")["latestExecution"]

    assert latest["errorDetails"] == {
        "code": "JobFailed",
        "message": "Action failed (set by the test)",
    }


def test_approved_and_pending_approvals_carry_no_error_details(
    codepipeline: Client, pending: Pending
) -> None:
    before = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]
    codepipeline.put_approval_result(**pending, result=APPROVE)
    after = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert "errorDetails" not in before
    assert "errorDetails" not in after


# -- statusSummary -------------------------------------------------------------------------


def test_a_failed_execution_names_the_action_that_failed_it(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)

    expected = "Action ManualApproval in stage Approve failed: Not today"
    assert newest_summary(codepipeline)["statusSummary"] == expected
    assert newest_execution(codepipeline)["statusSummary"] == expected


@pytest.mark.parametrize("answer", [APPROVE, None], ids=["succeeded", "in-progress"])
def test_an_execution_that_did_not_fail_has_no_status_summary(
    codepipeline: Client, pending: Pending, answer: dict[str, str] | None
) -> None:
    if answer is not None:
        codepipeline.put_approval_result(**pending, result=answer)

    assert "statusSummary" not in newest_summary(codepipeline)
    assert "statusSummary" not in newest_execution(codepipeline)


# -- ListPipelineExecutions filter.succeededInStage ----------------------------------------


def succeeded_in(codepipeline: Client, stage: str) -> list[str]:
    found = codepipeline.list_pipeline_executions(
        pipelineName="release", filter={"succeededInStage": {"stageName": stage}}
    )
    return [s["pipelineExecutionId"] for s in found["pipelineExecutionSummaries"]]


def test_the_succeeded_in_stage_filter_keeps_executions_past_that_stage(
    codepipeline: Client, pending: Pending
) -> None:
    first = newest_summary(codepipeline)["pipelineExecutionId"]
    codepipeline.put_approval_result(**pending, result=APPROVE)
    second = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    assert succeeded_in(codepipeline, "Approve") == [first]
    assert succeeded_in(codepipeline, "Source") == [second, first]


def test_the_succeeded_in_stage_filter_skips_failed_runs_of_the_stage(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)

    assert succeeded_in(codepipeline, "Approve") == []


def test_the_succeeded_in_stage_filter_reads_only_the_current_version(
    codepipeline: Client, pending: Pending, role_arn: str
) -> None:
    codepipeline.put_approval_result(**pending, result=APPROVE)
    codepipeline.update_pipeline(pipeline=declaration(role_arn))
    codepipeline.start_pipeline_execution(name="release")
    second = newest_summary(codepipeline)["pipelineExecutionId"]
    codepipeline.put_approval_result(
        **pending | {"token": approval_token(codepipeline)}, result=APPROVE
    )

    assert succeeded_in(codepipeline, "Approve") == [second]


def test_the_succeeded_in_stage_filter_of_an_unknown_stage_is_empty(
    codepipeline: Client, pending: Pending
) -> None:
    codepipeline.put_approval_result(**pending, result=APPROVE)

    assert succeeded_in(codepipeline, "Nowhere") == []


def test_the_succeeded_in_stage_filter_pages(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(stages=[source_stage(), deploy_stage()])
    for _ in range(2):
        codepipeline.start_pipeline_execution(name="release")
    request = {"pipelineName": "release", "filter": {"succeededInStage": {"stageName": "Deploy"}}}

    first = codepipeline.list_pipeline_executions(**request, maxResults=2)
    second = codepipeline.list_pipeline_executions(**request, nextToken=first["nextToken"])

    assert len(first["pipelineExecutionSummaries"]) == 2
    assert len(second["pipelineExecutionSummaries"]) == 1
    assert "nextToken" not in second
