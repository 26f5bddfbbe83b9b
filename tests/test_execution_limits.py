"""ConcurrentPipelineExecutionsLimitExceededException: 50 executions in flight in QUEUED and
PARALLEL modes (README, "Choices where AWS is silent")."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pipelines import Client, CreatePipeline, build_stage, error_of, source_stage

from moto_approvals import Approvals

LIMIT = 50


def fill(
    codepipeline: Client, approvals: Approvals, create_pipeline: CreatePipeline, mode: str
) -> None:
    """A pipeline whose build holds every execution, with LIMIT executions in flight."""
    create_pipeline(stages=[source_stage(), build_stage()], pipelineType="V2", executionMode=mode)
    approvals.hold_action("release", "Build", "Compile")
    for _ in range(LIMIT):
        codepipeline.start_pipeline_execution(name="release")


@pytest.mark.parametrize("execution_mode", ["QUEUED", "PARALLEL"])
def test_starting_beyond_the_limit_is_refused(
    codepipeline: Client,
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    execution_mode: str,
) -> None:
    fill(codepipeline, approvals, create_pipeline, execution_mode)

    with pytest.raises(ClientError) as err:
        codepipeline.start_pipeline_execution(name="release")

    assert error_of(err)[0] == "ConcurrentPipelineExecutionsLimitExceededException"
    summaries = codepipeline.list_pipeline_executions(pipelineName="release", maxResults=100)
    assert len(summaries["pipelineExecutionSummaries"]) == LIMIT + 1  # the creation's finished


def test_a_new_action_revision_beyond_the_limit_is_refused(
    codepipeline: Client, approvals: Approvals, create_pipeline: CreatePipeline
) -> None:
    fill(codepipeline, approvals, create_pipeline, "PARALLEL")
    revision = {"revisionId": "v9", "revisionChangeId": "etag-9", "created": 1767603600}

    with pytest.raises(ClientError) as err:
        codepipeline.put_action_revision(
            pipelineName="release", stageName="Source", actionName="Fetch", actionRevision=revision
        )

    assert error_of(err)[0] == "ConcurrentPipelineExecutionsLimitExceededException"


def test_retrying_into_a_full_pipeline_is_refused(
    codepipeline: Client, approvals: Approvals, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(
        stages=[source_stage(), build_stage()], pipelineType="V2", executionMode="PARALLEL"
    )
    approvals.fail_action("release", "Build", "Compile")
    failed = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    approvals.hold_action("release", "Build", "Compile")
    for _ in range(LIMIT):
        codepipeline.start_pipeline_execution(name="release")

    with pytest.raises(ClientError) as err:
        codepipeline.retry_stage_execution(
            pipelineName="release",
            stageName="Build",
            pipelineExecutionId=failed,
            retryMode="FAILED_ACTIONS",
        )

    assert error_of(err)[0] == "ConcurrentPipelineExecutionsLimitExceededException"


def test_a_finished_execution_frees_a_place(
    codepipeline: Client, approvals: Approvals, create_pipeline: CreatePipeline
) -> None:
    fill(codepipeline, approvals, create_pipeline, "PARALLEL")
    approvals.complete_action("release", "Build", "Compile", pipeline_execution_id=None)

    codepipeline.start_pipeline_execution(name="release")
