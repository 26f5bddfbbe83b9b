"""Declarations are checked as CodePipeline checks them, before anything is stored."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from pipelines import (
    BUILD,
    MANUAL,
    REGION,
    SOURCE,
    TRUST_POLICY,
    Client,
    CreatePipeline,
    Declaration,
    approval_stage,
    build_stage,
    declaration,
    deploy_stage,
    error_of,
    source_stage,
)

from moto_approvals import Approvals, declarations
from moto_approvals.declarations import (
    DeclarationContext,
    register_declaration_check,
    validate_pipeline_declaration,
)
from moto_approvals.exceptions import InvalidActionDeclarationException

Mutation = Callable[[Declaration], None]
RawPost = Callable[[str, Declaration], requests.Response]


@pytest.fixture
def raw_post(mode: str, approvals: Approvals, request: pytest.FixtureRequest) -> RawPost:
    """POST a JSON body botocore would refuse to send (nulls in lists), in the current mode."""
    server = request.getfixturevalue("moto_server") if mode == "server" else None
    url = f"https://codepipeline.{REGION}.amazonaws.com/" if server is None else f"{server}/"

    def send(operation: str, body: Declaration) -> requests.Response:
        data = json.dumps(body)
        aws = AWSRequest(
            method="POST",
            url=url,
            data=data,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"CodePipeline_20150709.{operation}",
            },
        )
        SigV4Auth(Credentials("testing", "testing"), "codepipeline", REGION).add_auth(aws)
        return requests.post(url, headers=dict(aws.headers.items()), data=data, timeout=30)

    return send


def stages(*new: Declaration | None) -> Mutation:
    def mutate(pipeline: Declaration) -> None:
        pipeline["stages"] = list(new)

    return mutate


def action(stage: int, index: int = 0, **changes: Any) -> Mutation:
    def mutate(pipeline: Declaration) -> None:
        pipeline["stages"][stage]["actions"][index].update(changes)

    return mutate


def top(**changes: Any) -> Mutation:
    def mutate(pipeline: Declaration) -> None:
        pipeline.update(changes)

    return mutate


def twice(stage: int) -> Mutation:
    """The stage's first action, declared a second time (same name)."""

    def mutate(pipeline: Declaration) -> None:
        actions = pipeline["stages"][stage]["actions"]
        actions.append(copy.deepcopy(actions[0]))

    return mutate


def namespaced(pipeline: Declaration) -> None:
    pipeline["stages"][0]["actions"][0]["namespace"] = "Vars"
    pipeline["stages"][2]["actions"][0]["namespace"] = "Vars"


def duplicate_output(pipeline: Declaration) -> None:
    pipeline["stages"][2] = build_stage(outputArtifacts=[{"name": "App"}])


SOURCE_ONLY = {"name": "Source", "actions": [{"name": "Fetch", "actionTypeId": SOURCE}]}
STRUCTURE = "InvalidStructureException"
STAGE = "InvalidStageDeclarationException"
ACTION = "InvalidActionDeclarationException"

REFUSED = [
    pytest.param(
        stages(),
        STRUCTURE,
        "Pipeline has only 0 stage(s). There should be a minimum of 2 stages in a pipeline",
        id="no-stages",
    ),
    pytest.param(
        stages(*[approval_stage(f"S{i}") for i in range(51)]),
        STRUCTURE,
        "Pipeline has too many stages. There can only be up to 50 stages in a pipeline",
        id="51-stages",
    ),
    pytest.param(
        stages(source_stage(), source_stage(), deploy_stage()),
        STAGE,
        "Stage name 'Source' is used more than once",
        id="duplicate-stage-names",
    ),
    pytest.param(
        stages(source_stage(), {"name": "Empty", "actions": []}, deploy_stage()),
        STAGE,
        "Stage 'Empty' has no actions. There should be a minimum of 1 action in a stage",
        id="stage-without-actions",
    ),
    pytest.param(
        twice(1),
        ACTION,
        "Action name 'ManualApproval' is used more than once in stage 'Approve'",
        id="duplicate-action-names",
    ),
    pytest.param(
        stages(approval_stage(), source_stage(), deploy_stage()),
        STRUCTURE,
        "Pipeline should start with a stage that only contains source actions",
        id="approval-in-first-stage",
    ),
    pytest.param(
        stages(source_stage(), source_stage("Again"), deploy_stage()),
        STRUCTURE,
        "Source actions can only be included in the first stage of the pipeline",
        id="source-in-later-stage",
    ),
    pytest.param(
        action(1, inputArtifacts=[{"name": "App"}]),
        ACTION,
        "Action ManualApproval declares 1 input artifacts which is greater than the maximum "
        "count (0)",
        id="approval-with-input-artifact",
    ),
    pytest.param(
        action(1, outputArtifacts=[{"name": "Signed"}]),
        ACTION,
        "Action ManualApproval declares 1 output artifacts which is greater than the maximum "
        "count (0)",
        id="approval-with-output-artifact",
    ),
    pytest.param(
        stages(SOURCE_ONLY, approval_stage()),
        ACTION,
        "Action Fetch declares 0 output artifacts which is less than the minimum count (1)",
        id="source-without-output",
    ),
    pytest.param(
        stages(
            source_stage(), {"name": "Build", "actions": [{"name": "B", "actionTypeId": BUILD}]}
        ),
        ACTION,
        "Action B declares 0 input artifacts which is less than the minimum count (1)",
        id="build-without-input",
    ),
    pytest.param(
        action(2, inputArtifacts=[{"name": "Missing"}]),
        STRUCTURE,
        "Input Artifact Bundle 'Missing' of action 'Ship' in stage 'Deploy' is not the output "
        "artifact of a preceding action",
        id="input-never-produced",
    ),
    pytest.param(
        duplicate_output,
        STRUCTURE,
        "Output Artifact Bundle name must be unique within the pipeline. App has been used more "
        "than once.",
        id="output-produced-twice",
    ),
    pytest.param(
        namespaced,
        ACTION,
        "Namespaces must be unique across the pipeline definition. The following occur more "
        "than once in the pipeline. StageName=[Deploy], ActionName=[Ship], Namespace=[Vars]",
        id="duplicate-namespace",
    ),
    pytest.param(
        top(pipelineType="V2", variables=[{"name": "Env", "defaultValue": "a"}] * 2),
        STRUCTURE,
        "Variable names must be unique. The following variable name is already in use: Env",
        id="duplicate-variables",
    ),
    pytest.param(
        top(variables=[{"name": "Env", "defaultValue": "a"}]),
        STRUCTURE,
        "Pipeline variable can only be used with V2 pipelines",
        id="variables-on-v1",
    ),
    pytest.param(
        top(executionMode="QUEUED"),
        STRUCTURE,
        "QUEUED or PARALLEL mode can only be used with V2 pipelines",
        id="queued-on-v1",
    ),
    pytest.param(
        top(artifactStore=None),
        STRUCTURE,
        "Pipeline must declare artifactStore or artifactStores",
        id="no-artifact-store",
    ),
    pytest.param(
        top(artifactStores={"us-east-1": {"type": "S3", "location": "artifacts"}}),
        STRUCTURE,
        "Pipeline cannot declare both artifactStore and artifactStores; use artifactStores for "
        "a pipeline with cross-region actions",
        id="both-artifact-stores",
    ),
    pytest.param(
        action(2, region="eu-west-1"),
        STRUCTURE,
        "Action 'Ship' in stage 'Deploy' runs in region 'eu-west-1', which has no artifact "
        "store in artifactStores",
        id="cross-region-without-store",
    ),
]


def refused(pipeline: Declaration, mutation: Mutation) -> Declaration:
    mutation(pipeline)
    return {key: value for key, value in pipeline.items() if value is not None}


@pytest.mark.parametrize(("mutation", "code", "message"), REFUSED)
def test_create_pipeline_refuses_a_broken_declaration_and_stores_nothing(
    codepipeline: Client, role_arn: str, mutation: Mutation, code: str, message: str
) -> None:
    pipeline = refused(declaration(role_arn), mutation)

    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(pipeline=pipeline)

    assert error_of(err) == (code, message)
    assert codepipeline.list_pipelines()["pipelines"] == []


@pytest.mark.parametrize(("mutation", "code", "message"), REFUSED)
def test_update_pipeline_refuses_a_broken_declaration_and_keeps_the_current_one(
    codepipeline: Client,
    create_pipeline: CreatePipeline,
    role_arn: str,
    mutation: Mutation,
    code: str,
    message: str,
) -> None:
    create_pipeline()
    pipeline = refused(declaration(role_arn), mutation)

    with pytest.raises(ClientError) as err:
        codepipeline.update_pipeline(pipeline=pipeline)

    assert error_of(err) == (code, message)
    assert codepipeline.get_pipeline(name="release")["pipeline"]["version"] == 1


def test_a_refused_empty_update_leaves_the_pipeline_working(
    codepipeline: Client, create_pipeline: CreatePipeline, role_arn: str
) -> None:
    create_pipeline()
    with pytest.raises(ClientError):
        codepipeline.update_pipeline(pipeline=declaration(role_arn, stages=[]) | {"stages": []})

    codepipeline.start_pipeline_execution(name="release")
    state = codepipeline.get_pipeline_state(name="release")
    repaired = codepipeline.update_pipeline(pipeline=declaration(role_arn))

    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Approve", "Deploy"]
    assert repaired["pipeline"]["version"] == 2


@pytest.mark.parametrize(
    ("path", "mutation"),
    [
        pytest.param("pipeline.stages.2.member", stages(source_stage(), None), id="stage"),
        pytest.param(
            "pipeline.stages.2.member.actions.1.member",
            lambda p: p["stages"][1].update(actions=[None]),
            id="action",
        ),
        pytest.param(
            "pipeline.variables.1.member",
            top(pipelineType="V2", variables=[None]),
            id="variable",
        ),
    ],
)
def test_a_null_list_member_is_a_validation_error(
    codepipeline: Client, raw_post: RawPost, role_arn: str, path: str, mutation: Mutation
) -> None:
    pipeline = declaration(role_arn)
    mutation(pipeline)

    reply = raw_post("CreatePipeline", {"pipeline": pipeline})

    assert (reply.status_code, reply.json()) == (
        400,
        {
            "__type": "ValidationException",
            "message": f"1 validation error detected: Value null at '{path}' failed to satisfy "
            "constraint: Member must not be null",
        },
    )
    assert codepipeline.list_pipelines()["pipelines"] == []


def test_a_run_order_above_999_is_a_validation_error(codepipeline: Client, role_arn: str) -> None:
    pipeline = declaration(role_arn)
    pipeline["stages"][1]["actions"][0]["runOrder"] = 1000

    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(pipeline=pipeline)

    assert error_of(err) == (
        "ValidationException",
        "1 validation error detected: Value '1000' at "
        "'pipeline.stages.2.member.actions.1.member.runOrder' failed to satisfy constraint: "
        "Member must have value less than or equal to 999",
    )


def test_an_input_produced_earlier_in_the_same_stage_is_accepted(
    codepipeline: Client, role_arn: str
) -> None:
    build = build_stage(outputArtifacts=[{"name": "Built"}])
    build["actions"].append(
        {
            "name": "Check",
            "actionTypeId": BUILD,
            "runOrder": 2,
            "inputArtifacts": [{"name": "Built"}],
        }
    )
    pipeline = declaration(role_arn, stages=[source_stage(), build, approval_stage()])

    assert codepipeline.create_pipeline(pipeline=pipeline)["pipeline"]["version"] == 1


def test_an_input_produced_in_parallel_is_refused(codepipeline: Client, role_arn: str) -> None:
    build = build_stage(outputArtifacts=[{"name": "Built"}])
    build["actions"].append(
        {"name": "Check", "actionTypeId": BUILD, "inputArtifacts": [{"name": "Built"}]}
    )
    pipeline = declaration(role_arn, stages=[source_stage(), build, approval_stage()])

    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(pipeline=pipeline)

    assert error_of(err)[0] == "InvalidStructureException"


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            {"Principal": {"Service": ["ec2.amazonaws.com", "codepipeline.amazonaws.com"]}},
            id="service-list",
        ),
        pytest.param({"Action": ["sts:AssumeRole", "sts:TagSession"]}, id="action-list"),
    ],
)
def test_a_role_trusting_codepipeline_among_others_is_accepted(
    codepipeline: Client,
    client_factory: Callable[..., Client],
    statement: dict[str, Any],
) -> None:
    policy: dict[str, Any] = copy.deepcopy(TRUST_POLICY)
    policy["Statement"][0].update(statement)
    role = client_factory("iam").create_role(
        RoleName="shared", AssumeRolePolicyDocument=json.dumps(policy)
    )["Role"]["Arn"]

    created = codepipeline.create_pipeline(pipeline=declaration(role))

    assert created["pipeline"]["roleArn"] == role


@pytest.mark.parametrize(
    "principal",
    [{"AWS": "arn:aws:iam::123456789012:root"}, {"Service": "ec2.amazonaws.com"}],
    ids=["an-aws-account", "another-service"],
)
def test_a_role_codepipeline_may_not_assume_is_refused(
    codepipeline: Client, client_factory: Callable[..., Client], principal: dict[str, str]
) -> None:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    role = client_factory("iam").create_role(
        RoleName="elsewhere", AssumeRolePolicyDocument=json.dumps(policy)
    )["Role"]["Arn"]

    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(pipeline=declaration(role))

    assert error_of(err) == (
        "InvalidStructureException",
        f"CodePipeline is not authorized to perform AssumeRole on role {role}",
    )


# -- the extension point ---------------------------------------------------------------------


@pytest.fixture
def custom_check() -> Iterator[Callable[[DeclarationContext], None]]:
    def no_lambda(context: DeclarationContext) -> None:
        for at in context.actions():
            if at.type_id[2] == "Lambda":
                raise InvalidActionDeclarationException(f"{at.name}: no Lambda here")

    register_declaration_check(no_lambda)
    yield no_lambda
    declarations._CHECKS.remove(no_lambda)


def test_a_registered_check_runs_after_the_built_in_ones(
    custom_check: Callable[[DeclarationContext], None],
) -> None:
    pipeline = declaration("arn:aws:iam::123456789012:role/pipeline")
    pipeline["stages"][1]["actions"].append(
        {"name": "Notify", "actionTypeId": {**MANUAL, "category": "Invoke", "provider": "Lambda"}}
    )

    with pytest.raises(InvalidActionDeclarationException) as err:
        validate_pipeline_declaration(
            pipeline,
            account_id="123456789012",
            region="us-east-1",
            role_policy=lambda arn: json.dumps(TRUST_POLICY),
        )

    assert err.value.message == "Notify: no Lambda here"


def test_registering_a_check_twice_runs_it_once(
    custom_check: Callable[[DeclarationContext], None],
) -> None:
    register_declaration_check(custom_check)

    assert declarations._CHECKS.count(custom_check) == 1


def test_members_the_model_does_not_know_are_not_stored(
    codepipeline: Client, raw_post: RawPost, role_arn: str
) -> None:
    pipeline = declaration(role_arn)
    pipeline["colour"] = "blue"
    pipeline["stages"][1]["actions"][0]["colour"] = "blue"

    assert raw_post("CreatePipeline", {"pipeline": pipeline}).status_code == 200

    stored = codepipeline.get_pipeline(name="release")["pipeline"]
    assert "colour" not in stored
    assert "colour" not in stored["stages"][1]["actions"][0]


def test_null_members_are_stored_as_absent(
    codepipeline: Client, raw_post: RawPost, role_arn: str
) -> None:
    pipeline = declaration(role_arn)
    pipeline["stages"][1]["actions"][0].update(runOrder=None, configuration=None)

    assert raw_post("CreatePipeline", {"pipeline": pipeline}).status_code == 200

    approval = codepipeline.get_pipeline(name="release")["pipeline"]["stages"][1]["actions"][0]
    assert (approval["runOrder"], approval["configuration"]) == (1, {})
