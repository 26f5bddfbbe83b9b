"""CreatePipeline, GetPipeline, UpdatePipeline, DeletePipeline and ListPipelines, on the wire."""

from __future__ import annotations

import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from freezegun import freeze_time
from moto.codepipeline.models import codepipeline_backends
from moto.core.models import DEFAULT_ACCOUNT_ID
from pipelines import (
    REGION,
    START,
    Client,
    CreatePipeline,
    Declaration,
    approval_stage,
    declaration,
    deploy_stage,
    error_of,
    raw_reply,
    source_stage,
)

ARN = f"arn:aws:codepipeline:{REGION}:{DEFAULT_ACCOUNT_ID}:release"
NO_PIPELINE = f"Account '{DEFAULT_ACCOUNT_ID}' does not have a pipeline with name 'release'"
#: A clock reading with microseconds: the wire carries milliseconds.
PRECISE = START + datetime.timedelta(microseconds=123456)
PRECISE_EPOCH = round(PRECISE.timestamp(), 3)


def without_version(pipeline: Declaration) -> Declaration:
    return {key: value for key, value in pipeline.items() if key != "version"}


def renamed_stage(pipeline: Declaration, name: str) -> Declaration:
    changed = without_version(pipeline)
    changed["stages"] = [source_stage(), approval_stage(name), deploy_stage()]
    return changed


# -- CreatePipeline ------------------------------------------------------------------------


def test_create_pipeline_returns_version_1_with_aws_defaults(
    codepipeline: Client, role_arn: str
) -> None:
    created = codepipeline.create_pipeline(pipeline=declaration(role_arn))["pipeline"]

    assert created["version"] == 1
    assert (created["pipelineType"], created["executionMode"]) == ("V1", "SUPERSEDED")
    approval = created["stages"][1]["actions"][0]
    assert approval["runOrder"] == 1
    assert (approval["inputArtifacts"], approval["outputArtifacts"]) == ([], [])


def test_create_pipeline_with_a_taken_name_is_pipeline_name_in_use(
    codepipeline: Client, create_pipeline: CreatePipeline, role_arn: str
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(pipeline=declaration(role_arn, stages=None))

    assert error_of(err) == (
        "PipelineNameInUseException",
        f"A pipeline with the name 'release' already exists in account '{DEFAULT_ACCOUNT_ID}'",
    )
    assert (
        len(
            codepipeline.list_pipeline_executions(pipelineName="release")[
                "pipelineExecutionSummaries"
            ]
        )
        == 1
    )


def test_a_declared_variable_without_default_creates_the_pipeline_without_an_execution(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(pipelineType="V2", variables=[{"name": "Release"}])

    assert codepipeline.get_pipeline(name="release")["pipeline"]["variables"] == [
        {"name": "Release"}
    ]
    executions = codepipeline.list_pipeline_executions(pipelineName="release")
    assert executions["pipelineExecutionSummaries"] == []


# -- GetPipeline ---------------------------------------------------------------------------


def test_get_pipeline_returns_the_declaration_and_metadata(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(PRECISE):
        create_pipeline()
        found = codepipeline.get_pipeline(name="release")

    assert found["pipeline"]["name"] == "release"
    assert found["metadata"]["pipelineArn"] == ARN
    assert found["metadata"]["created"] == found["metadata"]["updated"]
    assert "pollingDisabledAt" not in found["metadata"]


def test_get_pipeline_sends_timestamps_as_epoch_seconds_with_milliseconds(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(PRECISE):
        create_pipeline()
        metadata = raw_reply(codepipeline, "get_pipeline", name="release")["metadata"]

    assert metadata["created"] == metadata["updated"] == PRECISE_EPOCH


@pytest.mark.parametrize(
    ("method", "params", "path"),
    [
        pytest.param("list_pipelines", {}, ("pipelines", 0, "created"), id="ListPipelines"),
        pytest.param("get_pipeline_state", {"name": "release"}, ("updated",), id="State"),
        pytest.param(
            "list_pipeline_executions",
            {"pipelineName": "release"},
            ("pipelineExecutionSummaries", 0, "startTime"),
            id="ListPipelineExecutions",
        ),
        pytest.param(
            "list_action_executions",
            {"pipelineName": "release"},
            ("actionExecutionDetails", 0, "lastUpdateTime"),
            id="ListActionExecutions",
        ),
    ],
)
def test_every_operation_sends_timestamps_with_milliseconds(
    codepipeline: Client,
    create_pipeline: CreatePipeline,
    method: str,
    params: dict[str, Any],
    path: tuple[Any, ...],
) -> None:
    with freeze_time(PRECISE):
        create_pipeline()
        value: Any = raw_reply(codepipeline, method, **params)
    for step in path:
        value = value[step]

    assert value == PRECISE_EPOCH


def test_get_pipeline_of_a_missing_pipeline_is_pipeline_not_found(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.get_pipeline(name="release")

    assert error_of(err) == ("PipelineNotFoundException", NO_PIPELINE)


def test_get_pipeline_by_version_returns_that_version(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    first = create_pipeline()
    codepipeline.update_pipeline(pipeline=renamed_stage(first, "SignOff"))

    old = codepipeline.get_pipeline(name="release", version=1)["pipeline"]
    new = codepipeline.get_pipeline(name="release", version=2)["pipeline"]
    latest = codepipeline.get_pipeline(name="release")["pipeline"]

    assert (old["version"], old["stages"][1]["name"]) == (1, "Approve")
    assert (new["version"], new["stages"][1]["name"]) == (2, "SignOff")
    assert latest == new


def test_get_pipeline_of_an_unknown_version_is_pipeline_version_not_found(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.get_pipeline(name="release", version=2)

    assert error_of(err) == (
        "PipelineVersionNotFoundException",
        "Pipeline 'release' has no version 2; its latest version is 1.",
    )


# -- pollingDisabledAt ---------------------------------------------------------------------


def test_polling_stops_after_30_idle_days_for_a_polling_source(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(datetime.timedelta(days=29))
        before = codepipeline.get_pipeline(name="release")["metadata"]
        clock.tick(datetime.timedelta(days=2))
        after = codepipeline.get_pipeline(name="release")["metadata"]

    assert "pollingDisabledAt" not in before
    assert after["pollingDisabledAt"] == START + datetime.timedelta(days=30)


def test_an_execution_restarts_the_idle_clock_before_polling_stops(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        create_pipeline()
        clock.tick(datetime.timedelta(days=20))
        codepipeline.start_pipeline_execution(name="release")
        clock.tick(datetime.timedelta(days=20))
        metadata = codepipeline.get_pipeline(name="release")["metadata"]

    assert "pollingDisabledAt" not in metadata


def test_a_source_that_does_not_poll_never_has_polling_disabled(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    source = source_stage()
    source["actions"][0]["configuration"]["PollForSourceChanges"] = "false"
    with freeze_time(START) as clock:
        create_pipeline(stages=[source, approval_stage(), deploy_stage()])
        clock.tick(datetime.timedelta(days=90))
        metadata = codepipeline.get_pipeline(name="release")["metadata"]

    assert "pollingDisabledAt" not in metadata


def test_update_pipeline_turns_polling_back_on(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        first = create_pipeline()
        clock.tick(datetime.timedelta(days=31))
        codepipeline.update_pipeline(pipeline=without_version(first))
        metadata = codepipeline.get_pipeline(name="release")["metadata"]

    assert "pollingDisabledAt" not in metadata


# -- UpdatePipeline ------------------------------------------------------------------------


def test_update_pipeline_increments_the_version_and_the_updated_time(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START) as clock:
        first = create_pipeline()
        clock.tick(60)
        updated = codepipeline.update_pipeline(pipeline=renamed_stage(first, "SignOff"))
        metadata = codepipeline.get_pipeline(name="release")["metadata"]

    assert updated["pipeline"]["version"] == 2
    assert metadata["created"] == START
    assert metadata["updated"] == START + datetime.timedelta(seconds=60)


def test_update_pipeline_of_a_missing_pipeline_is_pipeline_not_found(
    codepipeline: Client, role_arn: str
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.update_pipeline(pipeline=declaration(role_arn))

    assert error_of(err) == ("PipelineNotFoundException", NO_PIPELINE)


# -- DeletePipeline ------------------------------------------------------------------------


def test_delete_pipeline_forgets_every_version(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    codepipeline.delete_pipeline(name="release")

    with pytest.raises(ClientError) as err:
        codepipeline.get_pipeline(name="release", version=1)
    assert error_of(err) == ("PipelineNotFoundException", NO_PIPELINE)


def test_delete_pipeline_of_a_missing_pipeline_succeeds(codepipeline: Client) -> None:
    assert codepipeline.delete_pipeline(name="release")["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_recreated_pipeline_starts_again_at_version_1(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    first = create_pipeline()
    codepipeline.update_pipeline(pipeline=without_version(first))
    codepipeline.delete_pipeline(name="release")

    create_pipeline()

    assert codepipeline.get_pipeline(name="release")["pipeline"]["version"] == 1


# -- ListPipelines -------------------------------------------------------------------------


def test_list_pipelines_summarises_each_pipeline_by_name(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    with freeze_time(START):
        create_pipeline("beta", pipelineType="V2", executionMode="QUEUED")
        create_pipeline("alpha")

        summaries = codepipeline.list_pipelines()["pipelines"]

    assert summaries == [
        {
            "name": "alpha",
            "version": 1,
            "pipelineType": "V1",
            "executionMode": "SUPERSEDED",
            "created": START,
            "updated": START,
        },
        {
            "name": "beta",
            "version": 1,
            "pipelineType": "V2",
            "executionMode": "QUEUED",
            "created": START,
            "updated": START,
        },
    ]


@pytest.fixture
def three_pipelines(create_pipeline: CreatePipeline) -> list[str]:
    names = ["a", "b", "c"]
    for name in names:
        create_pipeline(name)
    return names


def test_list_pipelines_pages_with_max_results_and_next_token(
    codepipeline: Client, three_pipelines: list[str]
) -> None:
    first = codepipeline.list_pipelines(maxResults=2)
    second = codepipeline.list_pipelines(maxResults=2, nextToken=first["nextToken"])

    assert [p["name"] for p in first["pipelines"]] == ["a", "b"]
    assert [p["name"] for p in second["pipelines"]] == ["c"]
    assert "nextToken" not in second


def test_the_list_pipelines_paginator_walks_every_page(
    codepipeline: Client, three_pipelines: list[str]
) -> None:
    pages = codepipeline.get_paginator("list_pipelines").paginate(PaginationConfig={"PageSize": 1})

    assert [p["name"] for page in pages for p in page["pipelines"]] == three_pipelines


def test_a_list_pipelines_token_survives_the_deletion_of_its_pipeline(
    codepipeline: Client, three_pipelines: list[str]
) -> None:
    first = codepipeline.list_pipelines(maxResults=2)
    codepipeline.delete_pipeline(name="b")

    second = codepipeline.list_pipelines(nextToken=first["nextToken"])

    assert [p["name"] for p in second["pipelines"]] == ["c"]


def test_list_pipelines_with_a_foreign_token_is_invalid_next_token(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.list_pipelines(nextToken="not-a-token")

    assert error_of(err) == (
        "InvalidNextTokenException",
        "The next token was specified in an invalid format. Make sure that the next token you "
        "provide is the token returned by a previous call.",
    )


# -- one source of truth ---------------------------------------------------------------------


def test_moto_codepipeline_backend_holds_the_current_declaration_and_tags(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    first = create_pipeline()
    codepipeline.update_pipeline(pipeline=renamed_stage(first, "SignOff"))
    codepipeline.tag_resource(resourceArn=ARN, tags=[{"key": "team", "value": "web"}])

    stored = codepipeline_backends[DEFAULT_ACCOUNT_ID][REGION].pipelines["release"]

    assert stored.pipeline == codepipeline.get_pipeline(name="release")["pipeline"]
    assert stored.tags == {"team": "web"}


def test_moto_codepipeline_backend_forgets_a_deleted_pipeline(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    codepipeline.delete_pipeline(name="release")

    assert "release" not in codepipeline_backends[DEFAULT_ACCOUNT_ID][REGION].pipelines


def test_a_client_made_with_boto3_directly_is_shape_checked() -> None:
    made = boto3.client("codepipeline", region_name=REGION)

    assert getattr(made, "_shape_checked", False)
