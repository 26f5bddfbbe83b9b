"""EventBridge state-change events (detect-state-changes-cloudwatch-events), read off a queue."""

from __future__ import annotations

import json
from collections.abc import Callable
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
    approval_stage,
    deploy_stage,
    drain,
    newest_execution_id,
    source_stage,
    sqs_queue,
)

Event = dict[str, Any]
Inbox = Callable[[], list[Event]]
#: (level, stage, action, state) of an event, the order tests compare.
Step = tuple[str, str | None, str | None, str]


@pytest.fixture
def events(client_factory: Callable[..., Client]) -> Inbox:
    """A rule for every CodePipeline event on the default bus, delivering to a queue."""
    sqs, bridge = client_factory("sqs"), client_factory("events")
    queue_url, queue_arn = sqs_queue(sqs, "pipeline-events")
    bridge.put_rule(Name="codepipeline", EventPattern=json.dumps({"source": ["aws.codepipeline"]}))
    bridge.put_targets(Rule="codepipeline", Targets=[{"Id": "queue", "Arn": queue_arn}])

    def inbox() -> list[Event]:
        return drain(sqs, queue_url)

    return inbox


def steps(received: list[Event]) -> list[Step]:
    return [
        (
            e["detail-type"].split()[1],
            e["detail"].get("stage"),
            e["detail"].get("action"),
            e["detail"]["state"],
        )
        for e in received
    ]


REACH_APPROVAL: list[Step] = [
    ("Pipeline", None, None, "STARTED"),
    ("Stage", "Source", None, "STARTED"),
    ("Action", "Source", "Fetch", "STARTED"),
    ("Action", "Source", "Fetch", "SUCCEEDED"),
    ("Stage", "Source", None, "SUCCEEDED"),
    ("Stage", "Approve", None, "STARTED"),
    ("Action", "Approve", "ManualApproval", "STARTED"),
]


def test_reaching_an_approval_emits_the_started_events_in_order(
    create_pipeline: CreatePipeline, events: Inbox
) -> None:
    create_pipeline()

    assert steps(events()) == REACH_APPROVAL


def test_approving_emits_the_rest_of_the_run(
    codepipeline: Client, pending: Pending, events: Inbox
) -> None:
    events()
    codepipeline.put_approval_result(**pending, result=APPROVE)

    assert steps(events()) == [
        ("Action", "Approve", "ManualApproval", "SUCCEEDED"),
        ("Stage", "Approve", None, "SUCCEEDED"),
        ("Stage", "Deploy", None, "STARTED"),
        ("Action", "Deploy", "Ship", "STARTED"),
        ("Action", "Deploy", "Ship", "SUCCEEDED"),
        ("Stage", "Deploy", None, "SUCCEEDED"),
        ("Pipeline", None, None, "SUCCEEDED"),
    ]


def test_rejecting_emits_action_stage_and_pipeline_failed(
    codepipeline: Client, pending: Pending, events: Inbox
) -> None:
    events()
    codepipeline.put_approval_result(**pending, result=REJECT)

    assert steps(events()) == [
        ("Action", "Approve", "ManualApproval", "FAILED"),
        ("Stage", "Approve", None, "FAILED"),
        ("Pipeline", None, None, "FAILED"),
    ]


def test_a_rejection_event_carries_the_summary_and_the_token(
    codepipeline: Client, pending: Pending, events: Inbox
) -> None:
    events()
    codepipeline.put_approval_result(**pending, result=REJECT)

    failed = events()[0]["detail"]

    assert failed["execution-result"] == {
        "external-execution-summary": REJECT["summary"],
        "external-execution-id": pending["token"],
    }


def test_an_action_event_names_its_type_region_and_pipeline_version(
    create_pipeline: CreatePipeline, events: Inbox
) -> None:
    create_pipeline()

    started = events()[-1]

    assert started["detail-type"] == "CodePipeline Action Execution State Change"
    assert started["source"] == "aws.codepipeline"
    assert started["resources"] == ["arn:aws:codepipeline:us-east-1:123456789012:release"]
    assert started["detail"]["type"] == {
        "owner": "AWS",
        "provider": "Manual",
        "category": "Approval",
        "version": "1",
    }
    assert started["detail"]["region"] == "us-east-1"
    assert started["detail"]["version"] == 1


def test_a_pipeline_started_event_names_its_trigger(
    create_pipeline: CreatePipeline, events: Inbox, codepipeline: Client
) -> None:
    create_pipeline()

    detail = events()[0]["detail"]

    assert detail["execution-id"] == newest_execution_id(codepipeline)
    assert detail["execution-trigger"]["trigger-type"] == "CreatePipeline"


def test_the_documented_rule_for_failed_approvals_matches_a_rejection(
    codepipeline: Client,
    client_factory: Callable[..., Client],
    pending: Pending,
) -> None:
    sqs, bridge = client_factory("sqs"), client_factory("events")
    queue_url, queue_arn = sqs_queue(sqs, "rejections")
    pattern = {
        "source": ["aws.codepipeline"],
        "detail-type": ["CodePipeline Action Execution State Change"],
        "detail": {"state": ["FAILED"], "type": {"category": ["Approval"]}},
    }
    bridge.put_rule(Name="rejections", EventPattern=json.dumps(pattern))
    bridge.put_targets(Rule="rejections", Targets=[{"Id": "queue", "Arn": queue_arn}])

    codepipeline.put_approval_result(**pending, result=REJECT)

    assert [event["detail"]["action"] for event in drain(sqs, queue_url)] == ["ManualApproval"]


def test_stop_and_abandon_emits_stopping_abandoned_and_stopped(
    codepipeline: Client, pending: Pending, events: Inbox
) -> None:
    events()
    codepipeline.stop_pipeline_execution(
        pipelineName="release",
        pipelineExecutionId=newest_execution_id(codepipeline),
        abandon=True,
        reason="wrong build",
    )

    received = events()
    assert steps(received) == [
        ("Pipeline", None, None, "STOPPING"),
        ("Stage", "Approve", None, "STOPPING"),
        ("Action", "Approve", "ManualApproval", "ABANDONED"),
        ("Stage", "Approve", None, "STOPPED"),
        ("Pipeline", None, None, "STOPPED"),
    ]
    assert received[0]["detail"]["stop-execution-comments"] == "wrong build"


def test_a_retry_emits_resumed_then_starts_the_approval_again(
    codepipeline: Client, pending: Pending, events: Inbox
) -> None:
    codepipeline.put_approval_result(**pending, result=REJECT)
    events()

    codepipeline.retry_stage_execution(
        pipelineName="release",
        stageName="Approve",
        pipelineExecutionId=newest_execution_id(codepipeline),
        retryMode="FAILED_ACTIONS",
    )

    assert steps(events()) == [
        ("Pipeline", None, None, "RESUMED"),
        ("Stage", "Approve", None, "RESUMED"),
        ("Action", "Approve", "ManualApproval", "STARTED"),
    ]


def test_an_update_while_pending_emits_canceled_events(
    codepipeline: Client, create_pipeline: CreatePipeline, events: Inbox
) -> None:
    pipeline = create_pipeline()
    events()

    codepipeline.update_pipeline(pipeline=pipeline)

    assert steps(events()) == [
        ("Action", "Approve", "ManualApproval", "CANCELED"),
        ("Stage", "Approve", None, "CANCELED"),
        ("Pipeline", None, None, "CANCELED"),
    ]


def test_a_superseded_execution_emits_superseded(
    codepipeline: Client, create_pipeline: CreatePipeline, events: Inbox
) -> None:
    create_pipeline(stages=[source_stage(), approval_stage(), deploy_stage()])
    waiting = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    events()

    codepipeline.start_pipeline_execution(name="release")

    superseded = [
        e["detail"]["execution-id"] for e in events() if e["detail"]["state"] == "SUPERSEDED"
    ]
    assert superseded == [waiting]


def test_an_expired_approval_emits_failed_at_its_deadline(
    codepipeline: Client, create_pipeline: CreatePipeline, events: Inbox
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        events()
        clock.tick(SEVEN_DAYS * 2)

        codepipeline.get_pipeline_state(name="release")  # any read lets time catch up
        received = events()  # inside: SQS drops messages older than its retention period

    assert steps(received)[:3] == [
        ("Action", "Approve", "ManualApproval", "FAILED"),
        ("Stage", "Approve", None, "FAILED"),
        ("Pipeline", None, None, "FAILED"),
    ]
    assert received[0]["time"] == (START + SEVEN_DAYS).strftime("%Y-%m-%dT%H:%M:%SZ")
