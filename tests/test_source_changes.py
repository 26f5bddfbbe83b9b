"""S3 source change detection: polling, and EventBridge rules that target the pipeline."""

from __future__ import annotations

import datetime
import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time
from moto.s3.models import NotificationConfiguration
from pipelines import START, Client, CreatePipeline, Declaration, approval_stage, source_stage

PIPELINE_ARN = "arn:aws:codepipeline:us-east-1:123456789012:release"
CLOUDTRAIL_PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {
        "eventSource": ["s3.amazonaws.com"],
        "eventName": ["CopyObject", "CompleteMultipartUpload", "PutObject"],
        "requestParameters": {"bucketName": ["src"], "key": ["app.zip"]},
    },
}
OBJECT_CREATED_PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {"bucket": {"name": ["src"]}, "object": {"key": ["app.zip"]}},
}


def upload(s3: Client, body: bytes = b"v") -> str:
    return str(s3.put_object(Bucket="src", Key="app.zip", Body=body)["VersionId"])


def executions(codepipeline: Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ]
    return found


def s3_pipeline(
    create_pipeline: CreatePipeline, client_factory: Callable[..., Client], **configuration: str
) -> Client:
    """A versioned source bucket with one version, and a pipeline on it; returns S3."""
    s3 = client_factory("s3")
    s3.create_bucket(Bucket="src")
    s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={"Status": "Enabled"})
    upload(s3, b"first")
    source: Declaration = source_stage()
    source["actions"][0]["configuration"].update(configuration)
    create_pipeline(stages=[source, approval_stage()])
    return s3


def rule(
    client_factory: Callable[..., Client], pattern: dict[str, Any], target: str = PIPELINE_ARN
) -> str:
    events = client_factory("events")
    arn = str(events.put_rule(Name="on-upload", EventPattern=json.dumps(pattern))["RuleArn"])
    events.put_targets(Rule="on-upload", Targets=[{"Id": "pipeline", "Arn": target}])
    return arn


def test_a_polled_source_starts_an_execution_on_a_new_version(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = s3_pipeline(create_pipeline, client_factory)

    version = upload(s3, b"second")

    latest = executions(codepipeline)[0]
    assert latest["trigger"] == {"triggerType": "PollForSourceChanges", "triggerDetail": "Fetch"}
    assert latest["sourceRevisions"][0]["revisionId"] == version


def test_reading_again_without_a_change_starts_nothing(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = s3_pipeline(create_pipeline, client_factory)
    upload(s3, b"second")
    executions(codepipeline)

    assert len(executions(codepipeline)) == 2


def test_uploads_between_two_reads_start_one_execution_on_the_latest(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = s3_pipeline(create_pipeline, client_factory)
    upload(s3, b"second")
    third = upload(s3, b"third")

    found = executions(codepipeline)

    assert len(found) == 2
    assert found[0]["sourceRevisions"][0]["revisionId"] == third


def test_polling_turned_off_after_30_idle_days_starts_nothing(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    with freeze_time(START) as clock:
        s3 = s3_pipeline(create_pipeline, client_factory)
        clock.tick(datetime.timedelta(days=31))
        codepipeline.get_pipeline(name="release")
        upload(s3, b"second")

        assert len(executions(codepipeline)) == 1


def test_without_polling_or_a_rule_an_upload_starts_nothing(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = s3_pipeline(create_pipeline, client_factory, PollForSourceChanges="false")

    upload(s3, b"second")

    assert len(executions(codepipeline)) == 1


def test_a_cloudtrail_rule_targeting_the_pipeline_starts_a_cloudwatch_event_execution(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = s3_pipeline(create_pipeline, client_factory, PollForSourceChanges="false")
    rule_arn = rule(client_factory, CLOUDTRAIL_PATTERN)

    version = upload(s3, b"second")

    latest = executions(codepipeline)[0]
    assert latest["trigger"] == {"triggerType": "CloudWatchEvent", "triggerDetail": rule_arn}
    assert latest["sourceRevisions"][0]["revisionId"] == version


#: moto 5.0's S3 drops a bucket's EventBridgeConfiguration, so its buckets never send events.
S3_SENDS_EVENTBRIDGE_EVENTS = (
    "event_bridge" in inspect.signature(NotificationConfiguration).parameters
)


@pytest.mark.skipif(
    not S3_SENDS_EVENTBRIDGE_EVENTS, reason="this moto's S3 keeps no EventBridgeConfiguration"
)
def test_an_object_created_rule_needs_the_bucket_to_send_events_to_eventbridge(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = s3_pipeline(create_pipeline, client_factory, PollForSourceChanges="false")
    rule(client_factory, OBJECT_CREATED_PATTERN)
    upload(s3, b"second")
    silent = len(executions(codepipeline))
    s3.put_bucket_notification_configuration(
        Bucket="src", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )

    upload(s3, b"third")

    assert silent == 1
    assert executions(codepipeline)[0]["trigger"]["triggerType"] == "CloudWatchEvent"


def test_a_rule_targeting_another_pipeline_starts_nothing(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = s3_pipeline(create_pipeline, client_factory, PollForSourceChanges="false")
    rule(client_factory, CLOUDTRAIL_PATTERN, target=PIPELINE_ARN + "-other")

    upload(s3, b"second")

    assert len(executions(codepipeline)) == 1


def test_without_versioning_a_new_etag_is_the_change(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = client_factory("s3")
    s3.create_bucket(Bucket="src")
    s3.put_object(Bucket="src", Key="app.zip", Body=b"first")
    create_pipeline(stages=[source_stage(), approval_stage()])

    etag = s3.put_object(Bucket="src", Key="app.zip", Body=b"second")["ETag"].strip('"')

    found = executions(codepipeline)
    assert len(found) == 2
    assert found[0]["sourceRevisions"][0]["revisionId"] == etag


def test_a_source_changed_by_update_pipeline_is_not_a_change(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = s3_pipeline(create_pipeline, client_factory)
    s3.put_object(Bucket="src", Key="other.zip", Body=b"other")
    declared = codepipeline.get_pipeline(name="release")["pipeline"]
    declared["stages"][0]["actions"][0]["configuration"]["S3ObjectKey"] = "other.zip"

    codepipeline.update_pipeline(pipeline=declared)

    assert len(executions(codepipeline)) == 1


def test_an_object_uploaded_again_after_its_deletion_starts_an_execution(
    codepipeline: Client, create_pipeline: CreatePipeline, client_factory: Callable[..., Client]
) -> None:
    s3 = s3_pipeline(create_pipeline, client_factory)
    s3.delete_object(Bucket="src", Key="app.zip")
    deleted = len(executions(codepipeline))

    version = upload(s3, b"again")

    assert deleted == 1
    assert executions(codepipeline)[0]["sourceRevisions"][0]["revisionId"] == version
