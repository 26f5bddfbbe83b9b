"""The SNS message an approval publishes to its NotificationArn (approvals-json-format)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pipelines import (
    APPROVAL_KEYS,
    APPROVAL_MESSAGE_KEYS,
    REJECT,
    Client,
    CreatePipeline,
    approval_stage,
    approval_token,
    deploy_stage,
    drain,
    source_stage,
    sqs_queue,
)

from moto_approvals import Approvals

Inbox = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def topic(client_factory: Callable[..., Client]) -> tuple[str, Inbox]:
    """An SNS topic with an SQS queue subscribed; returns its ARN and a reader of the queue."""
    sns, sqs = client_factory("sns"), client_factory("sqs")
    topic_arn = sns.create_topic(Name="approvals")["TopicArn"]
    queue_url, queue_arn = sqs_queue(sqs, "approvals")
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def inbox() -> list[dict[str, Any]]:
        return drain(sqs, queue_url)

    return topic_arn, inbox


def notified_pipeline(topic_arn: str, **configuration: str) -> list[dict[str, Any]]:
    return [
        source_stage(),
        approval_stage(configuration={"NotificationArn": topic_arn, **configuration}),
        deploy_stage(),
    ]


def test_reaching_an_approval_publishes_one_message(
    create_pipeline: CreatePipeline, topic: tuple[str, Inbox]
) -> None:
    topic_arn, inbox = topic
    create_pipeline(stages=notified_pipeline(topic_arn))

    assert len(inbox()) == 1


def test_the_subject_names_the_pipeline_and_the_action(
    create_pipeline: CreatePipeline, topic: tuple[str, Inbox]
) -> None:
    topic_arn, inbox = topic
    create_pipeline(stages=notified_pipeline(topic_arn))

    (envelope,) = inbox()

    assert envelope["Subject"] == (
        "APPROVAL NEEDED: AWS CodePipeline release for action ManualApproval"
    )


def test_a_long_pipeline_name_is_shortened_in_the_subject(
    create_pipeline: CreatePipeline, topic: tuple[str, Inbox]
) -> None:
    topic_arn, inbox = topic
    create_pipeline(
        name="vrathore-slack-test2-sandbox-pipeline", stages=notified_pipeline(topic_arn)
    )

    (envelope,) = inbox()

    assert envelope["Subject"] == (
        "APPROVAL NEEDED: AWS CodePipeline vrathore-slack-test2-san... for action ManualApproval"
    )


def test_the_message_carries_every_key_in_order(
    codepipeline: Client,
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    topic: tuple[str, Inbox],
) -> None:
    topic_arn, inbox = topic
    create_pipeline(stages=notified_pipeline(topic_arn))
    (pending,) = approvals.pending_approvals("release")

    (envelope,) = inbox()
    message = json.loads(envelope["Message"])

    console = (
        "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/release/view"
        "?region=us-east-1"
    )
    assert message == {
        "region": "us-east-1",
        "consoleLink": console,
        "approval": {
            "pipelineName": "release",
            "stageName": "Approve",
            "actionName": "ManualApproval",
            "token": approval_token(codepipeline),
            "expires": pending.expires_at.strftime("%Y-%m-%dT%H:%MZ"),
            "externalEntityLink": None,
            "approvalReviewLink": f"{console}#/Approve/ManualApproval/approve/{pending.token}",
            "customData": None,
        },
    }
    assert list(message) == APPROVAL_MESSAGE_KEYS
    assert list(message["approval"]) == APPROVAL_KEYS


def test_custom_data_and_the_entity_link_are_passed_verbatim(
    create_pipeline: CreatePipeline, topic: tuple[str, Inbox]
) -> None:
    topic_arn, inbox = topic
    custom = json.dumps({"ticket": "OPS-1"})
    create_pipeline(
        stages=notified_pipeline(
            topic_arn, CustomData=custom, ExternalEntityLink="https://example.com/diff"
        )
    )

    approval = json.loads(inbox()[0]["Message"])["approval"]

    assert approval["customData"] == custom
    assert approval["externalEntityLink"] == "https://example.com/diff"


def test_pipeline_variables_are_resolved_in_custom_data(
    codepipeline: Client, create_pipeline: CreatePipeline, topic: tuple[str, Inbox]
) -> None:
    topic_arn, inbox = topic
    create_pipeline(
        stages=notified_pipeline(topic_arn, CustomData="Deploy to #{variables.Env}?"),
        pipelineType="V2",
        variables=[{"name": "Env", "defaultValue": "staging"}],
    )

    approval = json.loads(inbox()[0]["Message"])["approval"]

    assert approval["customData"] == "Deploy to staging?"


def test_a_retried_approval_publishes_again_with_its_new_token(
    codepipeline: Client, create_pipeline: CreatePipeline, topic: tuple[str, Inbox]
) -> None:
    topic_arn, inbox = topic
    create_pipeline(stages=notified_pipeline(topic_arn))
    first = json.loads(inbox()[0]["Message"])["approval"]["token"]
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=REJECT,
        token=first,
    )
    execution_id = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ][0]["pipelineExecutionId"]

    codepipeline.retry_stage_execution(
        pipelineName="release",
        stageName="Approve",
        pipelineExecutionId=execution_id,
        retryMode="FAILED_ACTIONS",
    )

    (envelope,) = inbox()
    token = json.loads(envelope["Message"])["approval"]["token"]
    assert token == approval_token(codepipeline) != first


def test_an_approval_without_a_topic_publishes_nothing(
    create_pipeline: CreatePipeline, topic: tuple[str, Inbox]
) -> None:
    _, inbox = topic
    create_pipeline()

    assert inbox() == []


def test_a_topic_that_does_not_exist_leaves_the_approval_waiting(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(stages=notified_pipeline("arn:aws:sns:us-east-1:123456789012:missing"))

    assert approval_token(codepipeline)
