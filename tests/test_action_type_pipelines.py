"""Pipelines and the action types they use: CreatePipeline and UpdatePipeline check Custom and
third-party actions against their registered type, whose URL templates give the actions'
links in GetPipelineState."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from pipelines import (
    REGION,
    TRUST_POLICY,
    Client,
    CreatePipeline,
    action_state,
    declaration,
    error_of,
    source_stage,
)

from moto_approvals import mock_approvals
from moto_approvals.models import approvals_backends

JENKINS_ID = {"category": "Build", "owner": "Custom", "provider": "Jenkins", "version": "1"}
PROPERTIES = [
    {"name": "ProjectName", "required": True, "key": True, "secret": False, "queryable": True},
    {"name": "Branch", "required": False, "key": False, "secret": False},
    {"name": "Token", "required": True, "key": False, "secret": True},
]
JENKINS: dict[str, Any] = {
    "category": "Build",
    "provider": "Jenkins",
    "version": "1",
    "settings": {
        "entityUrlTemplate": "https://ci.example.com/job/{Config:ProjectName}",
        "executionUrlTemplate": "https://ci.example.com/job/{Config:ProjectName}/"
        "{ExternalExecutionId}",
        "revisionUrlTemplate": "https://ci.example.com/job/{Config:ProjectName}/changes",
        "thirdPartyConfigurationUrl": "https://ci.example.com/configure",
    },
    "configurationProperties": PROPERTIES,
    "inputArtifactDetails": {"minimumCount": 1, "maximumCount": 1},
    "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
}
CONFIGURATION = {"ProjectName": "app", "Token": "s3cret"}
NOT_AVAILABLE = (
    "ActionType (Category: 'Build', Provider: 'Jenkins', Owner: 'Custom', Version: '1') in "
    "action 'Compile' is not available in region 'US_EAST_1'"
)


def build_stage(**changes: Any) -> dict[str, Any]:
    action = {
        "name": "Compile",
        "actionTypeId": JENKINS_ID,
        "configuration": dict(CONFIGURATION),
        "inputArtifacts": [{"name": "App"}],
        **changes,
    }
    return {"name": "Build", "actions": [action]}


def refusal(codepipeline: Client, role_arn: str, **changes: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(
            pipeline=declaration(role_arn, stages=[source_stage(), build_stage(**changes)])
        )
    return error_of(err)


@pytest.fixture
def jenkins(codepipeline: Client) -> None:
    codepipeline.create_custom_action_type(**JENKINS)


def test_a_pipeline_with_an_unregistered_custom_type_is_refused(
    codepipeline: Client, role_arn: str
) -> None:
    assert refusal(codepipeline, role_arn) == ("InvalidActionDeclarationException", NOT_AVAILABLE)


@pytest.mark.usefixtures("jenkins")
def test_a_pipeline_with_a_registered_custom_type_is_created(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(stages=[source_stage(), build_stage()])

    stages = codepipeline.get_pipeline(name="release")["pipeline"]["stages"]
    assert stages[1]["actions"][0]["actionTypeId"] == JENKINS_ID


@pytest.mark.usefixtures("jenkins")
def test_a_deleted_custom_type_cannot_be_used_by_a_new_pipeline(
    codepipeline: Client, role_arn: str
) -> None:
    codepipeline.delete_custom_action_type(category="Build", provider="Jenkins", version="1")

    assert refusal(codepipeline, role_arn) == ("InvalidActionDeclarationException", NOT_AVAILABLE)


@pytest.mark.usefixtures("jenkins")
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {"configuration": {"Token": "s3cret"}},
            "Action configuration for action 'Compile' is missing required configuration "
            "'ProjectName'",
            id="missing-required",
        ),
        pytest.param(
            {"configuration": {**CONFIGURATION, "Colour": "blue"}},
            "Action configuration for action 'Compile' contains unknown configuration 'Colour'",
            id="unknown-property",
        ),
        pytest.param(
            {"inputArtifacts": []},
            "Action Compile declares 0 input artifacts which is less than the minimum count (1)",
            id="too-few-inputs",
        ),
        pytest.param(
            {"outputArtifacts": [{"name": "A"}, {"name": "B"}]},
            "Action Compile declares 2 output artifacts which is greater than the maximum "
            "count (1)",
            id="too-many-outputs",
        ),
        pytest.param(
            {"configuration": {**CONFIGURATION, "ProjectName": "a" * 21}},
            "Action configuration for action 'Compile': the value of queryable property "
            "'ProjectName' must be 1 to 20 letters, digits, underscores or hyphens",
            id="queryable-too-long",
        ),
        pytest.param(
            {"configuration": {**CONFIGURATION, "ProjectName": "my app"}},
            "Action configuration for action 'Compile': the value of queryable property "
            "'ProjectName' must be 1 to 20 letters, digits, underscores or hyphens",
            id="queryable-space",
        ),
    ],
)
def test_a_custom_action_that_breaks_its_type_is_refused(
    codepipeline: Client, role_arn: str, changes: dict[str, Any], message: str
) -> None:
    assert refusal(codepipeline, role_arn, **changes) == (
        "InvalidActionDeclarationException",
        message,
    )
    assert codepipeline.list_pipelines()["pipelines"] == []


@pytest.mark.usefixtures("jenkins")
def test_update_pipeline_checks_custom_actions_too(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    pipeline = create_pipeline(stages=[source_stage(), build_stage()])
    broken = copy.deepcopy(pipeline)
    broken["stages"][1]["actions"][0]["configuration"] = {"Token": "s3cret"}

    with pytest.raises(ClientError) as err:
        codepipeline.update_pipeline(pipeline=broken)

    assert error_of(err)[0] == "InvalidActionDeclarationException"
    assert codepipeline.get_pipeline(name="release")["metadata"]["pipelineArn"]
    assert codepipeline.get_pipeline(name="release")["pipeline"]["version"] == 1


def test_a_third_party_action_needs_its_type_registered(
    codepipeline: Client, role_arn: str
) -> None:
    scanner = {"category": "Build", "owner": "ThirdParty", "provider": "Jenkins", "version": "1"}

    code, message = refusal(codepipeline, role_arn, actionTypeId=scanner)

    assert code == "InvalidActionDeclarationException"
    assert message.startswith("ActionType (Category: 'Build', Provider: 'Jenkins', Owner: ")


# -- links ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("jenkins")
def test_the_entity_url_template_fills_the_action_states_entity_url(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(stages=[source_stage(), build_stage()])

    state = action_state(codepipeline, "Build", "Compile")

    assert state["entityUrl"] == "https://ci.example.com/job/app"


@pytest.mark.usefixtures("jenkins")
def test_the_revision_url_template_fills_the_action_states_revision_url(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(stages=[source_stage(), build_stage()])

    state = action_state(codepipeline, "Build", "Compile")

    assert state["revisionUrl"] == "https://ci.example.com/job/app/changes"


@pytest.mark.usefixtures("jenkins")
def test_an_action_that_has_not_run_has_an_entity_url_but_no_revision_url(
    codepipeline: Client, create_pipeline: CreatePipeline, role_arn: str
) -> None:
    create_pipeline(stages=[source_stage(), build_stage()])
    added = build_stage()
    added["actions"][0]["name"] = "Link"
    # UpdatePipeline starts nothing: the new action has no run yet.
    codepipeline.update_pipeline(pipeline=declaration(role_arn, stages=[source_stage(), added]))

    state = action_state(codepipeline, "Build", "Link")

    assert "latestExecution" not in state
    assert state["entityUrl"] == "https://ci.example.com/job/app"
    assert "revisionUrl" not in state


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        pytest.param("https://x/{Config:Branch}", "https://x/{Config:Branch}", id="optional"),
        pytest.param("https://x/{Config:Token}", "https://x/{Config:Token}", id="secret"),
        pytest.param(
            "https://x/{Config:ProjectName}/{ExternalExecutionId}",
            "https://x/app/{ExternalExecutionId}",
            id="no-execution-yet",
        ),
    ],
)
def test_only_required_public_properties_fill_a_template(
    codepipeline: Client, create_pipeline: CreatePipeline, template: str, shown: str
) -> None:
    codepipeline.create_custom_action_type(
        **{**JENKINS, "settings": {"entityUrlTemplate": template}}
    )
    create_pipeline(stages=[source_stage(), build_stage()])

    assert action_state(codepipeline, "Build", "Compile")["entityUrl"] == shown


# -- secrets --------------------------------------------------------------------------------


@pytest.mark.usefixtures("jenkins")
def test_create_pipeline_and_get_pipeline_hide_secret_values(
    codepipeline: Client, role_arn: str
) -> None:
    pipeline = declaration(role_arn, stages=[source_stage(), build_stage()])

    created = codepipeline.create_pipeline(pipeline=pipeline)["pipeline"]
    fetched = codepipeline.get_pipeline(name="release")["pipeline"]

    hidden = {"ProjectName": "app", "Token": "****"}
    assert created["stages"][1]["actions"][0]["configuration"] == hidden
    assert fetched["stages"][1]["actions"][0]["configuration"] == hidden


@pytest.mark.usefixtures("jenkins")
def test_list_action_executions_hides_secret_values(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(stages=[source_stage(), build_stage()])

    details = codepipeline.list_action_executions(pipelineName="release")["actionExecutionDetails"]

    (compile_run,) = [d for d in details if d["actionName"] == "Compile"]
    assert compile_run["input"]["configuration"]["Token"] == "****"
    assert compile_run["input"]["resolvedConfiguration"]["Token"] == "****"


def test_update_pipeline_sending_the_hidden_value_keeps_the_secret() -> None:
    # In-process only: the kept value shows nowhere on the wire but in job data.
    with mock_approvals():
        client = boto3.client("codepipeline", region_name=REGION)
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(
            RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
        )["Role"]["Arn"]
        client.create_custom_action_type(**JENKINS)
        client.create_pipeline(pipeline=declaration(role, stages=[source_stage(), build_stage()]))
        shown = client.get_pipeline(name="release")["pipeline"]

        client.update_pipeline(pipeline=shown)

        backend = approvals_backends[DEFAULT_ACCOUNT_ID][REGION]
        stored = backend.catalog.get("release").current
        assert stored["version"] == 2
        assert stored["stages"][1]["actions"][0]["configuration"]["Token"] == "s3cret"
