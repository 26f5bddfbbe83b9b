"""Artifacts through moto's S3: the S3 source's copy, artifact locations and revisions."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pipelines import (
    APPROVE,
    Client,
    CreatePipeline,
    action_state,
    approval_stage,
    build_stage,
    deploy_stage,
    drain,
    newest_execution_id,
    source_stage,
    sqs_queue,
)

CODESTAR = {
    "category": "Source",
    "owner": "AWS",
    "provider": "CodeStarSourceConnection",
    "version": "1",
}
ARTIFACT_KEY = re.compile(r"^release/App/[0-9a-f]{7}$")


@pytest.fixture
def s3(client_factory: Callable[..., Client]) -> Client:
    return client_factory("s3")


@pytest.fixture
def source(s3: Client) -> Callable[..., str]:
    """Create the source bucket (and the artifact store) and upload app.zip; its version id."""

    def upload(body: bytes = b"version one", versioned: bool = True, **extra: Any) -> str:
        for bucket in ("src", "artifacts"):
            s3.create_bucket(Bucket=bucket)
        if versioned:
            s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={"Status": "Enabled"})
        put = s3.put_object(Bucket="src", Key="app.zip", Body=body, **extra)
        return str(put.get("VersionId"))

    return upload


def runs(codepipeline: Client, action: str, pipeline: str = "release") -> list[dict[str, Any]]:
    details = codepipeline.list_action_executions(pipelineName=pipeline)
    return [d for d in details["actionExecutionDetails"] if d["actionName"] == action]


def body(s3: Client, location: dict[str, Any]) -> bytes:
    s3location = location["s3location"]
    found = s3.get_object(Bucket=s3location["bucket"], Key=s3location["key"])
    return bytes(found["Body"].read())


def build_pipeline() -> list[dict[str, Any]]:
    return [source_stage(), build_stage(), approval_stage()]


def test_an_s3_source_copies_its_object_into_the_artifact_store(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client, source: Callable[..., str]
) -> None:
    source(b"the app")
    create_pipeline()

    (fetch,) = runs(codepipeline, "Fetch")
    (artifact,) = fetch["output"]["outputArtifacts"]

    assert artifact["name"] == "App"
    assert artifact["s3location"]["bucket"] == "artifacts"
    assert ARTIFACT_KEY.match(artifact["s3location"]["key"])
    assert body(s3, artifact) == b"the app"


def test_the_artifact_key_truncates_the_pipeline_and_artifact_names(
    create_pipeline: CreatePipeline, codepipeline: Client, source: Callable[..., str]
) -> None:
    source()
    stage = source_stage()
    stage["actions"][0]["outputArtifacts"] = [{"name": "SourceArtifact"}]
    create_pipeline(name="a-very-long-pipeline-name", stages=[stage, approval_stage()])

    (fetch,) = runs(codepipeline, "Fetch", "a-very-long-pipeline-name")
    key = fetch["output"]["outputArtifacts"][0]["s3location"]["key"]

    assert re.match(r"^a-very-long-pipeline/SourceArti/[0-9a-f]{7}$", key)


def test_a_later_action_reads_the_source_artifact_as_its_input(
    create_pipeline: CreatePipeline, codepipeline: Client, source: Callable[..., str]
) -> None:
    source()
    create_pipeline(stages=build_pipeline())

    (fetch,) = runs(codepipeline, "Fetch")
    (compile_run,) = runs(codepipeline, "Compile")

    assert compile_run["input"]["inputArtifacts"] == fetch["output"]["outputArtifacts"]


def test_the_source_is_the_version_current_when_the_execution_starts(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client, source: Callable[..., str]
) -> None:
    source(b"version one")
    quiet = source_stage()  # no polling: the new version must not start an execution itself
    quiet["actions"][0]["configuration"]["PollForSourceChanges"] = "false"
    create_pipeline(stages=[quiet, approval_stage(), deploy_stage()])
    codepipeline.disable_stage_transition(
        pipelineName="release", stageName="Source", transitionType="Inbound", reason="hold"
    )
    codepipeline.start_pipeline_execution(name="release")
    s3.put_object(Bucket="src", Key="app.zip", Body=b"version two")
    codepipeline.enable_stage_transition(
        pipelineName="release", stageName="Source", transitionType="Inbound"
    )

    newest = runs(codepipeline, "Fetch")[0]

    assert body(s3, newest["output"]["outputArtifacts"][0]) == b"version one"


def test_a_missing_source_object_fails_the_source_action(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client
) -> None:
    s3.create_bucket(Bucket="src")
    create_pipeline()

    state = action_state(codepipeline, "Source", "Fetch")["latestExecution"]

    assert state["status"] == "Failed"
    assert state["errorDetails"]["message"] == (
        "The object with key 'app.zip' does not exist in bucket 'src'."
    )
    assert (
        codepipeline.get_pipeline_execution(
            pipelineName="release", pipelineExecutionId=newest_execution_id(codepipeline)
        )["pipelineExecution"]["status"]
        == "Failed"
    )


def test_a_source_bucket_moto_does_not_have_yields_a_placeholder_artifact(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client
) -> None:
    s3.create_bucket(Bucket="artifacts")
    create_pipeline()

    (fetch,) = runs(codepipeline, "Fetch")
    archive = zipfile.ZipFile(io.BytesIO(body(s3, fetch["output"]["outputArtifacts"][0])))

    assert fetch["status"] == "Succeeded"
    assert archive.namelist() == ["PLACEHOLDER.txt"]


def test_nothing_is_written_when_the_artifact_store_bucket_does_not_exist(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client
) -> None:
    s3.create_bucket(Bucket="src")
    s3.put_object(Bucket="src", Key="app.zip", Body=b"the app")
    create_pipeline()

    (fetch,) = runs(codepipeline, "Fetch")

    assert fetch["status"] == "Succeeded"
    assert fetch["output"]["outputArtifacts"][0]["s3location"]["bucket"] == "artifacts"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["src"]


def test_artifact_revisions_show_the_source_object_version(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client, source: Callable[..., str]
) -> None:
    version_id = source(Metadata={"codepipeline-artifact-revision-summary": "Fix the login"})
    etag = s3.head_object(Bucket="src", Key="app.zip")["ETag"].strip('"')
    create_pipeline()

    execution = codepipeline.get_pipeline_execution(
        pipelineName="release", pipelineExecutionId=newest_execution_id(codepipeline)
    )["pipelineExecution"]
    (revision,) = execution["artifactRevisions"]

    assert revision["name"] == "App"
    assert revision["revisionId"] == version_id
    assert revision["revisionChangeIdentifier"] == etag
    assert revision["revisionSummary"] == "Fix the login"
    assert "created" in revision


def test_source_revisions_name_the_source_action_and_its_version(
    create_pipeline: CreatePipeline, codepipeline: Client, source: Callable[..., str]
) -> None:
    version_id = source()
    create_pipeline()

    (summary,) = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ]

    assert summary["sourceRevisions"] == [{"actionName": "Fetch", "revisionId": version_id}]


def test_the_source_action_state_shows_its_current_revision(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client, source: Callable[..., str]
) -> None:
    version_id = source()
    etag = s3.head_object(Bucket="src", Key="app.zip")["ETag"].strip('"')
    create_pipeline()

    revision = action_state(codepipeline, "Source", "Fetch")["currentRevision"]

    assert revision["revisionId"] == version_id
    assert revision["revisionChangeId"] == etag


def test_a_bucket_without_versioning_has_the_etag_as_revision(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client, source: Callable[..., str]
) -> None:
    source(versioned=False)
    etag = s3.head_object(Bucket="src", Key="app.zip")["ETag"].strip('"')
    create_pipeline()

    (summary,) = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ]

    assert summary["sourceRevisions"][0]["revisionId"] == etag


# -- StartPipelineExecution sourceRevisions ------------------------------------------------


def test_a_version_override_fetches_that_version(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client, source: Callable[..., str]
) -> None:
    first = source(b"version one")
    create_pipeline()
    s3.put_object(Bucket="src", Key="app.zip", Body=b"version two")

    codepipeline.start_pipeline_execution(
        name="release",
        sourceRevisions=[
            {
                "actionName": "Fetch",
                "revisionType": "S3_OBJECT_VERSION_ID",
                "revisionValue": first,
            }
        ],
    )
    newest = runs(codepipeline, "Fetch")[0]

    assert body(s3, newest["output"]["outputArtifacts"][0]) == b"version one"
    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    assert summaries["pipelineExecutionSummaries"][0]["sourceRevisions"][0]["revisionId"] == first


def test_a_key_override_fetches_another_object(
    create_pipeline: CreatePipeline, codepipeline: Client, s3: Client, source: Callable[..., str]
) -> None:
    source(b"the app")
    s3.put_object(Bucket="src", Key="hotfix.zip", Body=b"the hotfix")
    create_pipeline()

    codepipeline.start_pipeline_execution(
        name="release",
        sourceRevisions=[
            {"actionName": "Fetch", "revisionType": "S3_OBJECT_KEY", "revisionValue": "hotfix.zip"}
        ],
    )
    newest = runs(codepipeline, "Fetch")[0]

    assert body(s3, newest["output"]["outputArtifacts"][0]) == b"the hotfix"


def test_an_override_of_a_version_that_does_not_exist_fails_the_source_action(
    create_pipeline: CreatePipeline, codepipeline: Client, source: Callable[..., str]
) -> None:
    source()
    create_pipeline()

    codepipeline.start_pipeline_execution(
        name="release",
        sourceRevisions=[
            {"actionName": "Fetch", "revisionType": "S3_OBJECT_VERSION_ID", "revisionValue": "v9"}
        ],
    )
    newest = runs(codepipeline, "Fetch")[0]

    assert newest["status"] == "Failed"
    assert newest["output"]["executionResult"]["errorDetails"]["message"] == (
        "The object with key 'app.zip' and version ID 'v9' does not exist in bucket 'src'."
    )


def test_an_override_naming_no_source_action_is_a_validation_exception(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline()
    before = codepipeline.list_pipeline_executions(pipelineName="release")

    with pytest.raises(ClientError) as err:
        codepipeline.start_pipeline_execution(
            name="release",
            sourceRevisions=[
                {"actionName": "Ship", "revisionType": "COMMIT_ID", "revisionValue": "abc"}
            ],
        )

    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        "Source action Ship was not found in pipeline release: sourceRevisions may only name "
        "source actions."
    )
    after = codepipeline.list_pipeline_executions(pipelineName="release")
    assert after["pipelineExecutionSummaries"] == before["pipelineExecutionSummaries"]


def test_an_override_of_the_wrong_revision_type_is_a_validation_exception(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.start_pipeline_execution(
            name="release",
            sourceRevisions=[
                {"actionName": "Fetch", "revisionType": "COMMIT_ID", "revisionValue": "abc"}
            ],
        )

    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        "Revision type COMMIT_ID is not valid for source action Fetch (provider S3); expected "
        "one of S3_OBJECT_VERSION_ID, S3_OBJECT_KEY."
    )


def test_a_commit_override_sets_the_revision_of_a_connection_source(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    connection = {
        "name": "Source",
        "actions": [
            {
                "name": "Checkout",
                "actionTypeId": CODESTAR,
                "namespace": "SourceVariables",
                "configuration": {
                    "ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/x",
                    "FullRepositoryId": "octo/app",
                    "BranchName": "main",
                },
                "outputArtifacts": [{"name": "App"}],
            }
        ],
    }
    create_pipeline(stages=[connection, approval_stage()])
    commit = "0123456789abcdef0123456789abcdef01234567"

    codepipeline.start_pipeline_execution(
        name="release",
        sourceRevisions=[
            {"actionName": "Checkout", "revisionType": "COMMIT_ID", "revisionValue": commit}
        ],
    )
    newest = runs(codepipeline, "Checkout")[0]

    assert newest["output"]["outputVariables"]["CommitId"] == commit
    assert newest["output"]["outputVariables"]["FullRepositoryName"] == "octo/app"
    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    assert summaries["pipelineExecutionSummaries"][0]["sourceRevisions"] == [
        {"actionName": "Checkout", "revisionId": commit}
    ]


# -- EventBridge ---------------------------------------------------------------------------


def test_action_events_carry_their_artifact_locations(
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    client_factory: Callable[..., Client],
    source: Callable[..., str],
) -> None:
    sqs, bridge = client_factory("sqs"), client_factory("events")
    queue_url, queue_arn = sqs_queue(sqs, "pipeline-events")
    pattern = {"source": ["aws.codepipeline"], "detail": {"action": ["Fetch", "Compile"]}}
    bridge.put_rule(Name="actions", EventPattern=json.dumps(pattern))
    bridge.put_targets(Rule="actions", Targets=[{"Id": "queue", "Arn": queue_arn}])
    source()
    create_pipeline(stages=build_pipeline())

    events = {
        (e["detail"]["action"], e["detail"]["state"]): e["detail"] for e in drain(sqs, queue_url)
    }
    (fetch,) = runs(codepipeline, "Fetch")
    output = fetch["output"]["outputArtifacts"]

    assert events[("Fetch", "SUCCEEDED")]["output-artifacts"] == output
    assert events[("Compile", "STARTED")]["input-artifacts"] == output
    assert "input-artifacts" not in events[("Fetch", "STARTED")]


def test_approvals_have_no_artifacts(pending: dict[str, str], codepipeline: Client) -> None:
    codepipeline.put_approval_result(**pending, result=APPROVE)

    (approval,) = runs(codepipeline, "ManualApproval")

    assert approval["input"]["inputArtifacts"] == []
    assert approval["output"]["outputArtifacts"] == []
