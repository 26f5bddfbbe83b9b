"""LambdaInvoke rules answered by a registered handler, as Lambda invoke actions are."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from freezegun import freeze_time
from pipelines import (
    START,
    Client,
    CreatePipeline,
    Declaration,
    approval_stage,
    approval_token,
    error_of,
    execution_status,
    source_stage,
    stage_state,
)

from moto_approvals import Approvals

Event = dict[str, Any]
LAMBDA_RULE = {"category": "Rule", "owner": "AWS", "provider": "LambdaInvoke", "version": "1"}
CHECK = {
    "name": "Check",
    "ruleTypeId": LAMBDA_RULE,
    "configuration": {"FunctionName": "gate", "UserParameters": "prod"},
    "inputArtifacts": [{"name": "App"}],
}


def gated_approval(result: str = "FAIL", rule: dict[str, Any] | None = None) -> Declaration:
    """The approval stage behind a beforeEntry condition with one LambdaInvoke rule."""
    gate = {"conditions": [{"result": result, "rules": [rule or CHECK]}]}
    return {**approval_stage(), "beforeEntry": gate}


def rule_execution(codepipeline: Client) -> dict[str, Any]:
    details = codepipeline.list_rule_executions(pipelineName="release")["ruleExecutionDetails"]
    return dict(details[0])


def approval_status(codepipeline: Client) -> str | None:
    state = stage_state(codepipeline, "Approve")
    actions = state.get("actionStates") or []
    return actions[0].get("latestExecution", {}).get("status") if actions else None


@pytest.fixture
def create_gated(create_pipeline: CreatePipeline) -> Callable[..., Declaration]:
    def create(result: str = "FAIL", rule: dict[str, Any] | None = None) -> Declaration:
        return create_pipeline(
            stages=[source_stage(), gated_approval(result, rule)], pipelineType="V2"
        )

    return create


@pytest.fixture
def jobs(client_factory: Callable[..., Client]) -> Client:
    """A codepipeline client of the handler's own, as a function would create."""
    return client_factory("codepipeline")


def reports_failure(jobs: Client, message: str) -> Callable[[Event, Any], None]:
    """A handler that answers its job with PutJobFailureResult and ``message``."""

    def handler(event: Event, context: Any) -> None:
        jobs.put_job_failure_result(
            jobId=event["CodePipeline.job"]["id"],
            failureDetails={"type": "JobFailed", "message": message},
        )

    return handler


def test_a_handler_reporting_success_lets_the_stage_be_entered(
    approvals: Approvals,
    create_gated: Callable[..., Declaration],
    codepipeline: Client,
    jobs: Client,
) -> None:
    def handler(event: Event, context: Any) -> None:
        jobs.put_job_success_result(
            jobId=event["CodePipeline.job"]["id"], executionDetails={"summary": "Checks passed"}
        )

    approvals.register_lambda("gate", handler)
    create_gated()

    state = stage_state(codepipeline, "Approve")
    assert state["beforeEntryConditionState"]["latestExecution"]["status"] == "Succeeded"
    assert approval_status(codepipeline) == "InProgress"
    rule = rule_execution(codepipeline)
    assert rule["status"] == "Succeeded"
    assert rule["output"]["executionResult"]["externalExecutionSummary"] == "Checks passed"


def test_the_handler_gets_a_job_event_with_the_rule_s_configuration_and_inputs(
    approvals: Approvals, create_gated: Callable[..., Declaration], jobs: Client
) -> None:
    seen: list[tuple[Event, Any]] = []

    def handler(event: Event, context: Any) -> None:
        seen.append((event, context))
        jobs.put_job_success_result(jobId=event["CodePipeline.job"]["id"])

    approvals.register_lambda("gate", handler)
    create_gated()

    ((event, context),) = seen
    job = event["CodePipeline.job"]
    assert job["accountId"] == "123456789012"
    assert job["data"]["actionConfiguration"]["configuration"] == CHECK["configuration"]
    (artifact,) = job["data"]["inputArtifacts"]
    assert artifact["name"] == "App"
    assert artifact["location"]["s3Location"]["bucketName"] == "artifacts"
    assert job["data"]["outputArtifacts"] == []
    assert set(job["data"]["artifactCredentials"]) >= {"accessKeyId", "secretAccessKey"}
    assert context.function_name == "gate"


def test_a_handler_reporting_failure_engages_the_condition_s_result(
    approvals: Approvals,
    create_gated: Callable[..., Declaration],
    codepipeline: Client,
    jobs: Client,
) -> None:
    approvals.register_lambda("gate", reports_failure(jobs, "Open incidents: 2"))
    create_gated(result="FAIL")

    state = stage_state(codepipeline, "Approve")
    rule = rule_execution(codepipeline)
    assert state["beforeEntryConditionState"]["latestExecution"]["status"] == "Failed"
    assert state["latestExecution"]["status"] == "Failed"
    assert approval_status(codepipeline) is None  # the approval never started
    assert execution_status(codepipeline, rule["pipelineExecutionId"]) == "Failed"
    assert rule["status"] == "Failed"
    assert rule["output"]["executionResult"]["errorDetails"]["message"] == "Open incidents: 2"


def test_a_failed_rule_with_skip_skips_the_stage(
    approvals: Approvals,
    create_gated: Callable[..., Declaration],
    codepipeline: Client,
    jobs: Client,
) -> None:
    approvals.register_lambda("gate", reports_failure(jobs, "Not today"))
    create_gated(result="SKIP")

    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "Skipped"
    execution_id = rule_execution(codepipeline)["pipelineExecutionId"]
    assert execution_status(codepipeline, execution_id) == "Succeeded"


def test_a_handler_that_raises_fails_the_rule_with_its_message(
    approvals: Approvals, create_gated: Callable[..., Declaration], codepipeline: Client
) -> None:
    def handler(event: Event, context: Any) -> None:
        raise RuntimeError("cannot reach the change calendar")

    approvals.register_lambda("gate", handler)
    create_gated()

    rule = rule_execution(codepipeline)
    assert rule["status"] == "Failed"
    assert rule["output"]["executionResult"]["errorDetails"]["message"] == (
        "cannot reach the change calendar"
    )
    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "Failed"


def test_a_continuation_token_invokes_the_handler_again_with_it(
    approvals: Approvals,
    create_gated: Callable[..., Declaration],
    codepipeline: Client,
    jobs: Client,
) -> None:
    tokens: list[str | None] = []

    def handler(event: Event, context: Any) -> None:
        job = event["CodePipeline.job"]
        tokens.append(job["data"].get("continuationToken"))
        more = {} if tokens[-1] else {"continuationToken": "second-look"}
        jobs.put_job_success_result(jobId=job["id"], **more)

    approvals.register_lambda("gate", handler)
    create_gated()

    assert tokens == [None, "second-look"]
    assert rule_execution(codepipeline)["status"] == "Succeeded"


def test_a_handler_that_never_reports_fails_the_rule_after_20_minutes(
    approvals: Approvals, create_gated: Callable[..., Declaration], codepipeline: Client
) -> None:
    approvals.register_lambda("gate", lambda event, context: None)
    with freeze_time(START) as clock:
        create_gated()
        clock.tick(datetime.timedelta(minutes=19))
        waiting = rule_execution(codepipeline)["status"]
        clock.tick(datetime.timedelta(minutes=1))
        rule = rule_execution(codepipeline)

    assert waiting == "InProgress"
    assert rule["status"] == "Failed"
    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "Failed"


def test_the_rule_s_own_timeout_comes_first_when_shorter(
    approvals: Approvals, create_gated: Callable[..., Declaration], codepipeline: Client
) -> None:
    approvals.register_lambda("gate", lambda event, context: None)
    with freeze_time(START) as clock:
        create_gated(rule={**CHECK, "timeoutInMinutes": 5})
        clock.tick(datetime.timedelta(minutes=5))
        rule = rule_execution(codepipeline)

    assert rule["status"] == "Failed"
    assert (
        "timed out after 5 minutes" in rule["output"]["executionResult"]["errorDetails"]["message"]
    )


def test_get_job_details_describes_a_rule_s_job(
    approvals: Approvals, create_gated: Callable[..., Declaration], codepipeline: Client
) -> None:
    job_ids: list[str] = []
    approvals.register_lambda(
        "gate", lambda event, context: job_ids.append(event["CodePipeline.job"]["id"])
    )
    create_gated()

    details = codepipeline.get_job_details(jobId=job_ids[0])["jobDetails"]

    assert details["id"] == job_ids[0]
    assert details["data"]["pipelineContext"]["stage"] == {"name": "Approve"}
    assert details["data"]["actionConfiguration"]["configuration"]["FunctionName"] == "gate"


def test_answering_a_rule_job_after_an_override_is_invalid_job_state(
    approvals: Approvals, create_gated: Callable[..., Declaration], codepipeline: Client
) -> None:
    job_ids: list[str] = []
    approvals.register_lambda(
        "gate", lambda event, context: job_ids.append(event["CodePipeline.job"]["id"])
    )
    create_gated()
    execution_id = rule_execution(codepipeline)["pipelineExecutionId"]
    codepipeline.override_stage_condition(
        pipelineName="release",
        stageName="Approve",
        pipelineExecutionId=execution_id,
        conditionType="BEFORE_ENTRY",
    )

    with pytest.raises(ClientError) as raised:
        codepipeline.put_job_success_result(jobId=job_ids[0])

    assert error_of(raised)[0] == "InvalidJobStateException"
    assert approval_status(codepipeline) == "InProgress"


def test_without_a_handler_the_rule_resolves_through_set_rule_result(
    approvals: Approvals, create_gated: Callable[..., Declaration], codepipeline: Client
) -> None:
    approvals.register_lambda("another-function", lambda event, context: None)
    create_gated()
    entered = approval_status(codepipeline)
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result={"summary": "ok", "status": "Approved"},
        token=approval_token(codepipeline),
    )

    approvals.set_rule_result("release", "Approve", "Check", "FAILED")
    second = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    details = codepipeline.list_rule_executions(
        pipelineName="release", filter={"pipelineExecutionId": second}
    )["ruleExecutionDetails"]
    assert entered == "InProgress"
    assert [d["status"] for d in details] == ["Failed"]


def test_a_handler_that_always_continues_fails_the_rule_after_100_continuations(
    approvals: Approvals,
    create_gated: Callable[..., Declaration],
    codepipeline: Client,
    jobs: Client,
) -> None:
    calls: list[Event] = []

    def handler(event: Event, context: Any) -> None:
        calls.append(event)
        jobs.put_job_success_result(
            jobId=event["CodePipeline.job"]["id"], continuationToken="again"
        )

    approvals.register_lambda("gate", handler)
    create_gated()

    rule = rule_execution(codepipeline)
    assert len(calls) == 101
    assert rule["status"] == "Failed"
    assert rule["output"]["executionResult"]["errorDetails"]["message"] == (
        "The function continued the job 100 times without finishing it."
    )
