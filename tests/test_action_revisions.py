"""PutActionRevision."""

from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError
from pipelines import Client, CreatePipeline, error_of

REVISION = {
    "revisionId": "v2",
    "revisionChangeId": "etag-2",
    "created": datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.timezone.utc),
}


def put(codepipeline: Client, **extra: str) -> dict[str, object]:
    params = {"pipelineName": "release", "stageName": "Source", "actionName": "Fetch", **extra}
    reply: dict[str, object] = codepipeline.put_action_revision(**params, actionRevision=REVISION)
    return reply


def test_a_new_revision_starts_an_execution_with_its_trigger_and_revision(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    reply = put(codepipeline)

    assert reply["newRevision"] is True
    summary = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ][0]
    assert summary["pipelineExecutionId"] == reply["pipelineExecutionId"]
    assert summary["trigger"]["triggerType"] == "PutActionRevision"
    assert summary["sourceRevisions"] == [{"actionName": "Fetch", "revisionId": "v2"}]


def test_the_same_revision_again_is_not_new_and_starts_nothing(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    first = put(codepipeline)

    again = put(codepipeline)

    assert again == {**first, "newRevision": False} | {
        "ResponseMetadata": again["ResponseMetadata"]
    }
    executions = codepipeline.list_pipeline_executions(pipelineName="release")
    assert len(executions["pipelineExecutionSummaries"]) == 2


def test_the_revision_a_source_fetched_on_its_own_is_not_new(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    # No object to read (no bucket): the execution fetched a made-up revision.
    create_pipeline()
    state = codepipeline.get_pipeline_state(name="release")
    source = state["stageStates"][0]["actionStates"][0]
    fetched = source["currentRevision"]["revisionId"]
    first = state["stageStates"][0]["latestExecution"]["pipelineExecutionId"]

    reply = codepipeline.put_action_revision(
        pipelineName="release",
        stageName="Source",
        actionName=source["actionName"],
        actionRevision={**REVISION, "revisionId": fetched},
    )

    assert (reply["newRevision"], reply["pipelineExecutionId"]) == (False, first)


def test_each_execution_fetches_its_own_made_up_revision(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.start_pipeline_execution(name="release")

    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    revisions = [
        s["sourceRevisions"][0]["revisionId"] for s in summaries["pipelineExecutionSummaries"]
    ]

    assert len(set(revisions)) == 2
    assert all(len(r) == 40 and int(r, 16) >= 0 for r in revisions)


def test_a_revision_for_a_missing_action_is_action_not_found(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        put(codepipeline, actionName="Missing")

    assert error_of(err)[0] == "ActionNotFoundException"
    assert error_of(err)[1]
