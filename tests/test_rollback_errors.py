"""RollbackStage's modeled errors (stage-rollback: which targets a stage may roll back to)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pipelines import (
    Client,
    CreatePipeline,
    Declaration,
    build_stage,
    error_of,
    newest_execution_id,
    source_stage,
)

from moto_approvals import Approvals

UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"


def roll_back(codepipeline: Client, target: str, **params: str) -> Any:
    return codepipeline.rollback_stage(
        **{
            "pipelineName": "release",
            "stageName": "Build",
            "targetPipelineExecutionId": target,
            **params,
        }
    )


def release(create_pipeline: CreatePipeline, **extra: Any) -> Declaration:
    return create_pipeline(stages=[source_stage(), build_stage()], pipelineType="V2", **extra)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"pipelineName": "missing"}, "PipelineNotFoundException"),
        ({"stageName": "Missing"}, "StageNotFoundException"),
        ({"targetPipelineExecutionId": UNKNOWN_ID}, "PipelineExecutionNotFoundException"),
        ({"targetPipelineExecutionId": "not-an-id"}, "ValidationException"),
    ],
)
def test_rollback_stage_lookup_errors(
    create_pipeline: CreatePipeline, codepipeline: Client, params: dict[str, str], code: str
) -> None:
    release(create_pipeline)
    target = newest_execution_id(codepipeline)

    with pytest.raises(ClientError) as err:
        roll_back(codepipeline, target, **params)

    assert error_of(err)[0] == code


def test_a_target_of_an_earlier_pipeline_version_is_outdated(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    declared = release(create_pipeline)
    target = newest_execution_id(codepipeline)
    codepipeline.update_pipeline(
        pipeline={**declared, "variables": [{"name": "v", "defaultValue": "1"}]}
    )

    with pytest.raises(ClientError) as err:
        roll_back(codepipeline, target)

    assert error_of(err)[0] == "PipelineExecutionOutdatedException"


def test_a_target_that_failed_in_the_stage_cannot_be_rolled_back_to(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    release(create_pipeline)
    approvals.fail_action("release", "Build", "Compile")
    failed = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    with pytest.raises(ClientError) as err:
        roll_back(codepipeline, failed)

    assert error_of(err)[0] == "UnableToRollbackStageException"
    assert "did not succeed in stage Build" in error_of(err)[1]


def test_a_rollback_execution_cannot_be_a_target(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    release(create_pipeline)
    rollback = roll_back(codepipeline, newest_execution_id(codepipeline))["pipelineExecutionId"]

    with pytest.raises(ClientError) as err:
        roll_back(codepipeline, rollback)

    assert error_of(err)[0] == "UnableToRollbackStageException"
    assert "is a rollback execution" in error_of(err)[1]


def test_a_parallel_pipeline_cannot_roll_back(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    release(create_pipeline, executionMode="PARALLEL")

    with pytest.raises(ClientError) as err:
        roll_back(codepipeline, newest_execution_id(codepipeline))

    assert error_of(err) == (
        "UnableToRollbackStageException",
        "Rollback is not supported for pipelines in PARALLEL execution mode.",
    )
