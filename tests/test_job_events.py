"""EventBridge action events of job actions: artifacts and the execution result."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from job_fixtures import JENKINS, custom_stages, register_jenkins
from pipelines import Client, CreatePipeline, drain, sqs_queue

from moto_approvals import Approvals

Event = dict[str, Any]


@pytest.fixture
def build_events(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    client_factory: Callable[..., Client],
    codepipeline: Client,
) -> Callable[[], list[Event]]:
    """Action events of the Build stage, read off a queue; the build job is queued."""
    sqs, bridge = client_factory("sqs"), client_factory("events")
    queue_url, queue_arn = sqs_queue(sqs, "job-events")
    pattern = {"source": ["aws.codepipeline"], "detail": {"stage": ["Build"]}}
    bridge.put_rule(Name="jobs", EventPattern=json.dumps(pattern))
    bridge.put_targets(Rule="jobs", Targets=[{"Id": "queue", "Arn": queue_arn}])
    register_jenkins(codepipeline)
    create_pipeline(stages=custom_stages())

    def actions() -> list[Event]:
        return [
            e for e in drain(sqs, queue_url) if e["detail-type"].startswith("CodePipeline Action")
        ]

    return actions


def _answer(codepipeline: Client, **answer: Any) -> None:
    polled = codepipeline.poll_for_jobs(actionTypeId=JENKINS, queryParam={"Project": "app"})
    (job,) = polled["jobs"]
    codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    if "failureDetails" in answer:
        codepipeline.put_job_failure_result(jobId=job["id"], **answer)
    else:
        codepipeline.put_job_success_result(jobId=job["id"], **answer)


def test_a_started_job_action_event_names_its_input_and_output_artifacts(
    build_events: Callable[[], list[Event]],
) -> None:
    (started,) = build_events()

    detail = started["detail"]
    assert detail["state"] == "STARTED"
    assert [a["name"] for a in detail["input-artifacts"]] == ["App"]
    (built,) = detail["output-artifacts"]
    assert built["name"] == "Built"
    assert built["s3location"]["bucket"] == "artifacts"


def test_a_succeeded_job_action_event_carries_the_reported_result(
    build_events: Callable[[], list[Event]], codepipeline: Client
) -> None:
    build_events()

    _answer(codepipeline, executionDetails={"summary": "Built", "externalExecutionId": "b-7"})

    (succeeded,) = build_events()
    assert succeeded["detail"]["state"] == "SUCCEEDED"
    assert succeeded["detail"]["execution-result"] == {
        "external-execution-url": "https://ci.example.com/b-7",
        "external-execution-summary": "Built",
        "external-execution-id": "b-7",
    }


def test_a_failed_job_action_event_carries_the_message_and_the_failure_type(
    build_events: Callable[[], list[Event]], codepipeline: Client
) -> None:
    build_events()

    _answer(codepipeline, failureDetails={"type": "ConfigurationError", "message": "No JDK"})

    (failed,) = build_events()
    assert failed["detail"]["state"] == "FAILED"
    assert failed["detail"]["execution-result"] == {
        "external-execution-summary": "No JDK",
        "error-code": "ConfigurationError",
    }
