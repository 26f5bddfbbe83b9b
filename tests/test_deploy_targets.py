"""ListDeployActionExecutionTargets."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pipelines import Client, CreatePipeline, error_of


def test_an_action_execution_that_reported_no_targets_lists_none(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    runs = codepipeline.list_action_executions(pipelineName="release")["actionExecutionDetails"]

    listed = codepipeline.list_deploy_action_execution_targets(
        pipelineName="release", actionExecutionId=runs[0]["actionExecutionId"]
    )

    assert listed["targets"] == []


def test_an_unknown_action_execution_is_not_found(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.list_deploy_action_execution_targets(actionExecutionId="missing")

    assert error_of(err) == (
        "ActionExecutionNotFoundException",
        "The action execution was not found.",
    )
