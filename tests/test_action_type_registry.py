"""The action type registry: custom types, their checks on declarations, polling rules."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from pipelines import source_stage

from moto_approvals.action_type_service import link_jobs
from moto_approvals.action_types import ActionTypeRegistry
from moto_approvals.domain import PipelineDefinition
from moto_approvals.engine import PipelineRuntime
from moto_approvals.engine.jobs import Job, JobActions, JobFamily, JobResult, JobRoute
from moto_approvals.exceptions import (
    ActionTypeNotFoundException,
    InvalidActionDeclarationException,
    ValidationException,
)

ARN = "arn:aws:codepipeline:us-east-1:123456789012:actiontype:Custom/Build/Jenkins/1"
JENKINS: dict[str, Any] = {
    "category": "Build",
    "provider": "Jenkins",
    "version": "1",
    "configurationProperties": [
        {"name": "ProjectName", "required": True, "key": True, "secret": False, "queryable": True}
    ],
    "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
    "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
}
KEY = ("Build", "Custom", "Jenkins", "1")


def _pipeline(configuration: dict[str, str]) -> dict[str, Any]:
    action = {
        "name": "Compile",
        "actionTypeId": {
            "category": "Build",
            "owner": "Custom",
            "provider": "Jenkins",
            "version": "1",
        },
        "configuration": configuration,
    }
    return {"stages": [{"name": "Build", "actions": [action]}]}


def test_a_custom_type_is_listed_with_the_aws_owned_ones() -> None:
    registry = ActionTypeRegistry()
    registry.create_custom(JENKINS, ARN)
    owners = {t.owner for t in registry.listed(None)}
    assert owners >= {"AWS", "Custom"}
    assert [t.key for t in registry.listed("Custom")] == [KEY]


def test_a_deleted_custom_type_version_cannot_be_created_again_differently() -> None:
    registry = ActionTypeRegistry()
    registry.create_custom(JENKINS, ARN)
    registry.delete_custom(KEY)
    with pytest.raises(ValidationException):
        registry.create_custom({**JENKINS, "configurationProperties": []}, ARN)


def test_a_deleted_custom_type_is_restored_from_its_identical_definition() -> None:
    registry = ActionTypeRegistry()
    registry.create_custom(JENKINS, ARN)
    registry.delete_custom(KEY)
    registry.create_custom(JENKINS, ARN)
    assert [t.key for t in registry.listed("Custom")] == [KEY]


def test_an_unregistered_custom_type_is_not_available() -> None:
    with pytest.raises(InvalidActionDeclarationException) as err:
        ActionTypeRegistry().check_declaration(_pipeline({"ProjectName": "app"}), "us-east-1")
    assert err.value.message == (
        "ActionType (Category: 'Build', Provider: 'Jenkins', Owner: 'Custom', Version: '1') in "
        "action 'Compile' is not available in region 'US_EAST_1'"
    )


def test_a_missing_required_property_is_rejected() -> None:
    registry = ActionTypeRegistry()
    registry.create_custom(JENKINS, ARN)
    with pytest.raises(InvalidActionDeclarationException) as err:
        registry.check_declaration(_pipeline({}), "us-east-1")
    assert err.value.message == (
        "Action configuration for action 'Compile' is missing required configuration 'ProjectName'"
    )


def test_polling_an_aws_owned_type_is_not_supported() -> None:
    with pytest.raises(ValidationException) as err:
        ActionTypeRegistry().pollable(("Build", "AWS", "CodeBuild", "1"), "Custom")
    assert err.value.message == "ActionType with owner 'AWS' is not supported"


def test_polling_an_unknown_custom_type_is_action_type_not_found() -> None:
    with pytest.raises(ActionTypeNotFoundException):
        ActionTypeRegistry().pollable(KEY, "Custom")


# -- links: a job's runs get their URLs from the type's templates ---------------------------

NOW = datetime.datetime(2026, 1, 5, 9, 0)
LINKED = {
    **JENKINS,
    "settings": {
        "entityUrlTemplate": "https://ci/{Config:ProjectName}",
        "executionUrlTemplate": "https://ci/{Config:ProjectName}/{ExternalExecutionId}",
    },
}


def _linked_job() -> tuple[JobActions, Job]:
    registry = ActionTypeRegistry()
    registry.create_custom(LINKED, ARN)
    counter = itertools.count()
    declaration = _pipeline({"ProjectName": "app"})
    declaration["name"] = "release"
    declaration["stages"].insert(0, source_stage())
    runtime = PipelineRuntime(
        PipelineDefinition.from_declaration(declaration),
        lambda: f"00000000-0000-0000-0000-{next(counter):012d}",
    )
    runtime.jobs.route = lambda run: (
        JobRoute(JobFamily.CUSTOM) if run.action.action_type_id["owner"] == "Custom" else None
    )
    link_jobs(registry, runtime)
    runtime.start_execution(NOW, "StartPipelineExecution", "me")
    (job,) = runtime.jobs.poll(JobFamily.CUSTOM, KEY, {})
    runtime.jobs.dispatch(job)
    assert job.nonce is not None
    runtime.jobs.acknowledge(job, job.nonce)
    return runtime.jobs, job


def test_a_job_run_gets_its_entity_url_when_it_starts() -> None:
    _, job = _linked_job()

    assert job.run.entity_url == "https://ci/app"


def test_a_reported_execution_id_fills_the_execution_url() -> None:
    jobs, job = _linked_job()

    jobs.succeed(job, JobResult(external_execution_id="42"), NOW)

    assert job.run.external_execution_url == "https://ci/app/42"


def test_a_failure_with_an_execution_id_fills_the_execution_url_too() -> None:
    jobs, job = _linked_job()

    jobs.fail(job, "broke", "7", NOW)

    assert job.run.external_execution_url == "https://ci/app/7"
