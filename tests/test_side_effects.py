"""Side effects (SNS notifications, EventBridge events) never turn a done call into an error.

A delivery moto cannot make is logged as a warning on the ``moto_approvals`` logger; the call
that caused it succeeds, and its state change stands.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest
from moto.sns.models import Topic
from pipelines import (
    Client,
    CreatePipeline,
    approval_stage,
    approve,
    deploy_stage,
    drain,
    source_stage,
    sqs_queue,
)

UNKNOWN_REGION_TOPIC = "arn:aws:sns:xx-nowhere-9:123456789012:approvals"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "moto_approvals" and r.levelno == logging.WARNING
    ]


def action_status(codepipeline: Client, stage: str) -> str:
    state = codepipeline.get_pipeline_state(name="release")
    [stage_state] = [s for s in state["stageStates"] if s["stageName"] == stage]
    return str(stage_state["actionStates"][0]["latestExecution"]["status"])


def test_a_topic_in_a_region_moto_does_not_know_leaves_create_pipeline_done(
    create_pipeline: CreatePipeline, codepipeline: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="moto_approvals")
    stages = [
        source_stage(),
        approval_stage(configuration={"NotificationArn": UNKNOWN_REGION_TOPIC}),
        deploy_stage(),
    ]

    create_pipeline(stages=stages)

    assert action_status(codepipeline, "Approve") == "InProgress"
    assert warnings_of(caplog) == [
        "moto-approvals could not publish the approval of Approve/ManualApproval to "
        + UNKNOWN_REGION_TOPIC
    ]


def test_an_undeliverable_notification_leaves_put_approval_result_done(
    create_pipeline: CreatePipeline, codepipeline: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="moto_approvals")
    second = approval_stage("Confirm", configuration={"NotificationArn": UNKNOWN_REGION_TOPIC})
    create_pipeline(stages=[source_stage(), approval_stage(), second, deploy_stage()])

    approve(codepipeline)

    assert action_status(codepipeline, "Approve") == "Succeeded"
    assert action_status(codepipeline, "Confirm") == "InProgress"
    assert len(warnings_of(caplog)) == 1


def test_a_publish_that_raises_is_logged_and_the_execution_starts(
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    client_factory: Callable[..., Client],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.WARNING, logger="moto_approvals")
    topic_arn = client_factory("sns").create_topic(Name="approvals")["TopicArn"]
    create_pipeline(
        stages=[
            source_stage(),
            approval_stage(configuration={"NotificationArn": topic_arn}),
            deploy_stage(),
        ],
        pipelineType="V2",
        executionMode="PARALLEL",  # the new execution reaches the approval at once
    )

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("'datetime' object is not an instance of 'FakeDatetime'")

    monkeypatch.setattr(Topic, "publish", broken)
    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    execution = codepipeline.get_pipeline_execution(
        pipelineName="release", pipelineExecutionId=execution_id
    )
    assert execution["pipelineExecution"]["status"] == "InProgress"
    assert len(warnings_of(caplog)) == 1


def test_a_rule_whose_target_fails_leaves_the_call_done_and_other_rules_served(
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    client_factory: Callable[..., Client],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="moto_approvals")
    bridge, sqs = client_factory("events"), client_factory("sqs")
    working_url, working_arn = sqs_queue(sqs, "events")
    # moto delivers to a queue of the rule's own region: one elsewhere is never found.
    _, elsewhere_arn = sqs_queue(client_factory("sqs", region_name="eu-west-1"), "elsewhere")
    pattern = json.dumps({"source": ["aws.codepipeline"]})
    for rule, arn in (("working", working_arn), ("elsewhere", elsewhere_arn)):
        bridge.put_rule(Name=rule, EventPattern=pattern)
        bridge.put_targets(Rule=rule, Targets=[{"Id": rule, "Arn": arn}])

    create_pipeline()

    assert action_status(codepipeline, "Approve") == "InProgress"
    delivered = [event["detail-type"] for event in drain(sqs, working_url)]
    assert len(delivered) == len(warnings_of(caplog)) > 0


FROZEN_THEN_REAL = textwrap.dedent(
    """
    import json
    import boto3
    from freezegun import freeze_time
    from moto import mock_aws
    import moto_approvals  # warms moto's SNS message signing while the clock is real

    TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
             "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    S3 = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
    MANUAL = {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}

    with mock_aws():
        iam, sns, sqs = (boto3.client(s, region_name="us-east-1") for s in ("iam", "sns", "sqs"))
        codepipeline = boto3.client("codepipeline", region_name="us-east-1")
        role = iam.create_role(RoleName="p", AssumeRolePolicyDocument=json.dumps(TRUST))
        topic = sns.create_topic(Name="approvals")["TopicArn"]
        url = sqs.create_queue(QueueName="approvals")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["Attributes"]["QueueArn"])
        source = {"name": "Source", "actions": [{"name": "Fetch", "actionTypeId": S3,
                  "configuration": {"S3Bucket": "artifacts", "S3ObjectKey": "k"},
                  "outputArtifacts": [{"name": "App"}]}]}
        approve = {"name": "Approve", "actions": [{"name": "ManualApproval",
                   "actionTypeId": MANUAL, "configuration": {"NotificationArn": topic}}]}
        pipeline = {"name": "release", "roleArn": role["Role"]["Arn"],
                    "artifactStore": {"type": "S3", "location": "artifacts"},
                    "stages": [source, approve], "pipelineType": "V2",
                    "executionMode": "PARALLEL"}
        with freeze_time("2026-01-05 09:00"):
            codepipeline.create_pipeline(pipeline=pipeline)
        codepipeline.start_pipeline_execution(name="release")
        runs = codepipeline.list_pipeline_executions(pipelineName="release")
        print(len(runs["pipelineExecutionSummaries"]), "executions")
    """
)


def test_a_notification_delivered_under_freezegun_does_not_break_later_ones() -> None:
    # A fresh interpreter: in this one moto has long since signed a message.
    result = subprocess.run(
        [sys.executable, "-c", FROZEN_THEN_REAL],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.stdout.strip() == "2 executions", result.stderr[-2000:]
    assert "Traceback" not in result.stderr
