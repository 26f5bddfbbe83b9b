"""Variables: #{...} references in action configurations, resolved when the action starts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pipelines import (
    Client,
    CreatePipeline,
    action_state,
    approval_stage,
    drain,
    newest_execution_id,
    source_stage,
    sqs_queue,
)

UNRESOLVED = (
    "An action in this pipeline failed because one or more variables could not be resolved: "
    "Action name=ManualApproval"
)


@pytest.fixture
def versioned_source(client_factory: Callable[..., Client]) -> str:
    """A versioned source bucket holding app.zip; the object's version id."""
    s3 = client_factory("s3")
    s3.create_bucket(Bucket="src")
    s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={"Status": "Enabled"})
    return str(s3.put_object(Bucket="src", Key="app.zip", Body=b"app")["VersionId"])


def named_source() -> dict[str, Any]:
    stage = source_stage()
    stage["actions"][0]["namespace"] = "SourceVariables"
    return stage


def approval_run(codepipeline: Client) -> dict[str, Any]:
    details = codepipeline.list_action_executions(pipelineName="release")
    found: dict[str, Any] = next(
        d for d in details["actionExecutionDetails"] if d["actionName"] == "ManualApproval"
    )
    return found


def test_a_source_variable_resolves_in_a_later_approval(
    create_pipeline: CreatePipeline, codepipeline: Client, versioned_source: str
) -> None:
    custom = "Release #{SourceVariables.VersionId}?"
    create_pipeline(stages=[named_source(), approval_stage(configuration={"CustomData": custom})])

    run = approval_run(codepipeline)

    assert run["input"]["configuration"]["CustomData"] == custom
    assert run["input"]["resolvedConfiguration"]["CustomData"] == (f"Release {versioned_source}?")


def test_an_s3_source_publishes_its_etag_and_version_id(
    create_pipeline: CreatePipeline, codepipeline: Client, versioned_source: str
) -> None:
    create_pipeline(stages=[named_source(), approval_stage()])

    details = codepipeline.list_action_executions(pipelineName="release")
    fetch = next(d for d in details["actionExecutionDetails"] if d["actionName"] == "Fetch")

    assert sorted(fetch["output"]["outputVariables"]) == ["ETag", "VersionId"]
    assert fetch["output"]["outputVariables"]["VersionId"] == versioned_source


def test_the_execution_id_resolves_in_the_external_entity_link(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    link = "https://ci.example.com/#{codepipeline.PipelineExecutionId}"
    create_pipeline(
        stages=[source_stage(), approval_stage(configuration={"ExternalEntityLink": link})]
    )

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert latest["externalExecutionUrl"] == (
        f"https://ci.example.com/{newest_execution_id(codepipeline)}"
    )


def test_a_pipeline_variable_resolves_in_an_action_configuration(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline(
        stages=[
            source_stage(),
            approval_stage(configuration={"CustomData": "To #{variables.Env}"}),
        ],
        pipelineType="V2",
        variables=[{"name": "Env", "defaultValue": "staging"}],
    )

    run = approval_run(codepipeline)

    assert run["input"]["resolvedConfiguration"]["CustomData"] == "To staging"


def test_a_reference_that_names_nothing_fails_the_action(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline(
        stages=[source_stage(), approval_stage(configuration={"CustomData": "#{Nope.Value}"})]
    )

    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert latest["status"] == "Failed"
    assert "token" not in latest
    assert latest["errorDetails"]["message"] == UNRESOLVED


def test_a_variable_of_a_namespace_that_lacks_it_fails_the_action(
    create_pipeline: CreatePipeline, codepipeline: Client, versioned_source: str
) -> None:
    create_pipeline(
        stages=[
            named_source(),
            approval_stage(configuration={"CustomData": "#{SourceVariables.CommitId}"}),
        ]
    )

    run = approval_run(codepipeline)

    assert run["status"] == "Failed"
    assert run["output"]["executionResult"]["errorDetails"]["message"] == UNRESOLVED
    summary = codepipeline.get_pipeline_execution(
        pipelineName="release", pipelineExecutionId=newest_execution_id(codepipeline)
    )["pipelineExecution"]["statusSummary"]
    assert summary == f"Action ManualApproval in stage Approve failed: {UNRESOLVED}"


def test_the_approval_notification_shows_resolved_values(
    create_pipeline: CreatePipeline,
    client_factory: Callable[..., Client],
    codepipeline: Client,
    versioned_source: str,
) -> None:
    sns, sqs = client_factory("sns"), client_factory("sqs")
    topic_arn = sns.create_topic(Name="approvals")["TopicArn"]
    queue_url, queue_arn = sqs_queue(sqs, "approvals")
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    configuration = {
        "NotificationArn": topic_arn,
        "CustomData": "Version #{SourceVariables.VersionId}",
        "ExternalEntityLink": "https://ci.example.com/#{codepipeline.PipelineExecutionId}",
    }
    create_pipeline(stages=[named_source(), approval_stage(configuration=configuration)])

    (envelope,) = drain(sqs, queue_url)
    approval = json.loads(envelope["Message"])["approval"]

    assert approval["customData"] == f"Version {versioned_source}"
    assert approval["externalEntityLink"] == (
        f"https://ci.example.com/{newest_execution_id(codepipeline)}"
    )


def test_a_configuration_without_references_is_shown_unchanged(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline(stages=[source_stage(), approval_stage(configuration={"CustomData": "Hi"})])

    run = approval_run(codepipeline)

    assert run["input"]["resolvedConfiguration"] == {"CustomData": "Hi"}
