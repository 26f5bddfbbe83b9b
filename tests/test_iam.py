"""IAM enforcement: each operation is authorized on the resource AWS names for it.

moto's enforcement is process-wide (``settings.INITIAL_NO_AUTH_ACTION_COUNT`` and a request
counter); ``enforce`` switches it on after a test's setup and monkeypatch restores both, so
no other test sees it. The server the ``codepipeline`` fixture talks to lives in this
process, so the same switch governs it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import settings
from moto.core import set_initial_no_auth_action_count
from moto.core.responses import BaseResponse
from pipelines import APPROVE, REGION, Client, CreatePipeline, Pending, approval_token
from test_server import serving

from moto_approvals import Approvals
from moto_approvals.authorization import (
    CONDITIONS_SUPPORTED,
    RESOURCES,
    resource_arns,
    resource_table,
)
from moto_approvals.validation import service_model

ACCOUNT = "123456789012"
PIPELINE_ARN = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:release"
APPROVE_ARN = f"{PIPELINE_ARN}/Approve"
ACTION_ARN = f"{PIPELINE_ARN}/Approve/ManualApproval"
EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}

#: AWS's user guide, "Grant approval permissions to an IAM user in CodePipeline" (limited to
#: one pipeline and one approval action), for this test account, region and pipeline.
APPROVER_POLICY = [
    {"Effect": "Allow", "Action": ["codepipeline:ListPipelines"], "Resource": ["*"]},
    {
        "Effect": "Allow",
        "Action": [
            "codepipeline:GetPipeline",
            "codepipeline:GetPipelineState",
            "codepipeline:GetPipelineExecution",
        ],
        "Resource": PIPELINE_ARN,
    },
    {"Effect": "Allow", "Action": ["codepipeline:PutApprovalResult"], "Resource": ACTION_ARN},
]

User = Callable[..., Client]


def _authenticator() -> Any:
    # moto 5.0 defines the mixin in moto.core.responses, later releases in moto.core.authorization.
    return next(c for c in BaseResponse.__mro__ if c.__name__ == "ActionAuthenticatorMixin")


@pytest.fixture
def enforce(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """Switches moto's IAM enforcement on for the rest of the test."""

    def on() -> None:
        monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
        monkeypatch.setattr(_authenticator(), "request_count", 0)

    yield on


@pytest.fixture
def user(client_factory: Callable[..., Client], approvals: Approvals) -> User:
    """An IAM user with one inline policy; returns a codepipeline client signed with its key."""

    def make(name: str, *statements: dict[str, Any], service: str = "codepipeline") -> Client:
        iam = client_factory("iam")
        iam.create_user(UserName=name)
        document = {"Version": "2012-10-17", "Statement": list(statements)}
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return client_factory(
            service,
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )

    return make


@pytest.fixture
def approver_with(user: User, enforce: Callable[[], None]) -> User:
    """The user "approver" with these policy statements; IAM is enforced from then on."""

    def make(*statements: dict[str, Any]) -> Client:
        client = user("approver", *statements)
        enforce()
        return client

    return make


def _denied(err: pytest.ExceptionInfo[ClientError], action: str, resource: str, why: str) -> None:
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    reasons = {
        "explicit": "with an explicit deny in an identity-based policy",
        "implicit": f"because no identity-based policy allows the codepipeline:{action} action",
    }
    assert err.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/approver is not authorized to perform: "
        f"codepipeline:{action} on resource: {resource} {reasons[why]}"
    )
    metadata = err.value.response["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] == 400
    assert metadata["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"


# -- the approver ---------------------------------------------------------------------------


def test_the_user_guide_approver_policy_lets_the_approver_approve(
    approver_with: User, pending: Pending
) -> None:
    approver = approver_with(*APPROVER_POLICY)
    assert approver.list_pipelines()["pipelines"][0]["name"] == "release"
    token = approval_token(approver)
    approved = approver.put_approval_result(**{**pending, "token": token}, result=APPROVE)
    assert "approvedAt" in approved


def test_the_user_guide_approver_policy_does_not_approve_another_action(
    approver_with: User, pending: Pending
) -> None:
    approver = approver_with(*APPROVER_POLICY)
    other = {**pending, "actionName": "SecondApproval"}
    with pytest.raises(ClientError) as err:
        approver.put_approval_result(**other, result=APPROVE)
    _denied(err, "PutApprovalResult", f"{APPROVE_ARN}/SecondApproval", "implicit")


def test_a_deny_on_the_action_beats_an_allow_on_everything(
    approver_with: User, pending: Pending
) -> None:
    deny = {"Effect": "Deny", "Action": "codepipeline:PutApprovalResult", "Resource": ACTION_ARN}
    approver = approver_with(EVERYTHING, deny)
    with pytest.raises(ClientError) as err:
        approver.put_approval_result(**pending, result=APPROVE)
    _denied(err, "PutApprovalResult", ACTION_ARN, "explicit")


def test_a_denied_approval_stays_pending_with_the_same_token(
    user: User,
    approver_with: User,
    pending: Pending,
    approvals: Approvals,
    client_factory: Callable[..., Client],
) -> None:
    admin = user("admin", EVERYTHING)
    deny = {"Effect": "Deny", "Action": "codepipeline:PutApprovalResult", "Resource": ACTION_ARN}
    approver = approver_with(EVERYTHING, deny)
    with pytest.raises(ClientError):
        approver.put_approval_result(**pending, result=APPROVE)
    assert approval_token(admin) == pending["token"]
    [still] = approvals.pending_approvals("release")
    assert still.token == pending["token"]
    admin.put_approval_result(**pending, result=APPROVE)  # and it can still be answered


# -- one resource type each -----------------------------------------------------------------

# (operation, keyword arguments, the ARN it is authorized on)
CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("GetPipelineState", {"name": "release"}, PIPELINE_ARN),
    (
        "DisableStageTransition",
        {
            "pipelineName": "release",
            "stageName": "Approve",
            "transitionType": "Inbound",
            "reason": "freeze",
        },
        APPROVE_ARN,
    ),
    (
        "PutApprovalResult",
        {
            "pipelineName": "release",
            "stageName": "Approve",
            "actionName": "ManualApproval",
            "result": APPROVE,
        },
        ACTION_ARN,
    ),
    ("ListTagsForResource", {"resourceArn": PIPELINE_ARN}, PIPELINE_ARN),
    ("ListPipelines", {}, "*"),
    (
        "CreateCustomActionType",
        {
            "category": "Build",
            "provider": "Jenkins",
            "version": "1",
            "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
            "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
        },
        f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:actiontype:Custom/Build/Jenkins/1",
    ),
    ("ListActionTypes", {"actionOwnerFilter": "Custom"}, "*"),
]
CALL_IDS = ["pipeline", "stage", "action", "tagged pipeline", "star", "custom type", "types"]


@dataclass
class ResourceCall:
    """One operation of ``CALLS``, made with the pending approval's token where it needs one."""

    operation: str
    kwargs: dict[str, Any]
    arn: str
    pending: Pending

    def on(self, client: Client) -> Any:
        kwargs = self.kwargs
        if self.operation == "PutApprovalResult":
            kwargs = {**kwargs, "token": self.pending["token"]}
        method = "".join("_" + c.lower() if c.isupper() else c for c in self.operation)
        return getattr(client, method.lstrip("_"))(**kwargs)

    def statement(self, effect: str, resource: str | None = None) -> dict[str, Any]:
        """A policy statement on this operation, on its own resource unless told another."""
        action = f"codepipeline:{self.operation}"
        return {"Effect": effect, "Action": action, "Resource": resource or self.arn}


@pytest.fixture(params=CALLS, ids=CALL_IDS)
def call(request: pytest.FixtureRequest, pending: Pending) -> ResourceCall:
    operation, kwargs, arn = request.param
    return ResourceCall(operation, kwargs, arn, pending)


def test_an_allow_on_the_operations_resource_allows_it(
    approver_with: User, call: ResourceCall
) -> None:
    call.on(approver_with(call.statement("Allow")))


def test_an_allow_on_another_resource_is_an_implicit_deny(
    approver_with: User, call: ResourceCall
) -> None:
    elsewhere = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:other"
    approver = approver_with(call.statement("Allow", elsewhere))
    with pytest.raises(ClientError) as err:
        call.on(approver)
    _denied(err, call.operation, call.arn, "implicit")


def test_a_deny_on_the_operations_resource_denies_it(
    approver_with: User, call: ResourceCall
) -> None:
    approver = approver_with(EVERYTHING, call.statement("Deny"))
    with pytest.raises(ClientError) as err:
        call.on(approver)
    _denied(err, call.operation, call.arn, "explicit")


def test_a_wildcard_in_the_resource_matches_every_stage_of_a_pipeline(
    approver_with: User, pending: Pending
) -> None:
    approver = approver_with(
        {
            "Effect": "Allow",
            "Action": "codepipeline:PutApprovalResult",
            "Resource": f"{PIPELINE_ARN}/*",
        },
    )
    approver.put_approval_result(**pending, result=APPROVE)


def test_authorization_comes_before_looking_the_pipeline_up(
    approver_with: User, approvals: Approvals
) -> None:
    approver = approver_with(*APPROVER_POLICY)
    with pytest.raises(ClientError) as err:
        approver.get_pipeline_state(name="missing")
    _denied(err, "GetPipelineState", f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:missing", "implicit")


def test_validation_comes_before_authorization(approver_with: User, approvals: Approvals) -> None:
    approver = approver_with(*APPROVER_POLICY)
    with pytest.raises(ClientError) as err:
        approver.get_pipeline_state(name="bad name!")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "failed to satisfy constraint" in err.value.response["Error"]["Message"]


# -- conditions moto's engine evaluates (StringEquals on the request's context) ----------------

needs_conditions = pytest.mark.skipif(
    not CONDITIONS_SUPPORTED, reason="this moto release ignores policy conditions"
)


@needs_conditions
@pytest.mark.parametrize(("region", "allowed"), [(REGION, True), ("eu-west-1", False)])
def test_an_allow_conditioned_on_the_requested_region(
    approver_with: User, pending: Pending, region: str, allowed: bool
) -> None:
    condition = {"StringEquals": {"aws:RequestedRegion": region}}
    approver = approver_with({**EVERYTHING, "Condition": condition})
    if allowed:
        approver.put_approval_result(**pending, result=APPROVE)
        return
    with pytest.raises(ClientError) as err:
        approver.put_approval_result(**pending, result=APPROVE)
    _denied(err, "PutApprovalResult", ACTION_ARN, "implicit")


@needs_conditions
def test_a_deny_whose_condition_does_not_hold_does_not_deny(
    approver_with: User, pending: Pending
) -> None:
    deny = {
        "Effect": "Deny",
        "Action": "codepipeline:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
    approver = approver_with(EVERYTHING, deny)
    approver.put_approval_result(**pending, result=APPROVE)


@needs_conditions
@pytest.mark.parametrize(("team", "allowed"), [("release", True), ("other", False)])
def test_an_allow_conditioned_on_the_pipelines_tag_covers_its_actions(
    user: User,
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    enforce: Callable[[], None],
    team: str,
    allowed: bool,
) -> None:
    codepipeline_tags = [{"key": "team", "value": "release"}]
    create_pipeline()
    codepipeline.tag_resource(resourceArn=PIPELINE_ARN, tags=codepipeline_tags)
    condition = {"StringEquals": {"aws:ResourceTag/team": team}}
    approver = user("approver", {**EVERYTHING, "Condition": condition})
    token = approval_token(codepipeline)
    enforce()
    kwargs = {"pipelineName": "release", "stageName": "Approve", "actionName": "ManualApproval"}
    if allowed:
        approver.put_approval_result(**kwargs, token=token, result=APPROVE)
        return
    with pytest.raises(ClientError) as err:
        approver.put_approval_result(**kwargs, token=token, result=APPROVE)
    _denied(err, "PutApprovalResult", ACTION_ARN, "implicit")


# -- authentication ---------------------------------------------------------------------------


def test_an_unknown_access_key_is_an_unrecognized_client(
    client_factory: Callable[..., Client], approvals: Approvals, enforce: Callable[[], None]
) -> None:
    stranger = client_factory(
        "codepipeline", aws_access_key_id="AKIAUNKNOWN0000000000", aws_secret_access_key="x"
    )
    enforce()
    with pytest.raises(ClientError) as err:
        stranger.list_pipelines()
    assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert err.value.response["Error"]["Message"] == (
        "The security token included in the request is invalid."
    )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_wrong_secret_key_is_an_invalid_signature(
    client_factory: Callable[..., Client], approvals: Approvals, enforce: Callable[[], None]
) -> None:
    iam = client_factory("iam")
    iam.create_user(UserName="approver")
    key = iam.create_access_key(UserName="approver")["AccessKey"]
    forger = client_factory(
        "codepipeline", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="wrong"
    )
    enforce()
    with pytest.raises(ClientError) as err:
        forger.list_pipelines()
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert err.value.response["Error"]["Message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )


def test_the_first_requests_moto_is_told_to_let_through_are_not_checked(
    codepipeline: Client, approvals: Approvals
) -> None:
    @set_initial_no_auth_action_count(1)
    def two_calls() -> None:
        codepipeline.list_pipelines()  # key "testing" is no IAM user's, but this one is free
        with pytest.raises(ClientError) as err:
            codepipeline.list_pipelines()
        assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"

    two_calls()
    codepipeline.list_pipelines()  # and enforcement is off again afterwards


# -- the table ---------------------------------------------------------------------------------


def test_every_operation_of_the_model_has_its_resource() -> None:
    assert sorted(RESOURCES) == sorted(service_model().operation_names)


@pytest.mark.parametrize(
    ("operation", "params", "arns"),
    [
        (
            "PollForJobs",
            {
                "actionTypeId": {
                    "category": "Build",
                    "owner": "Custom",
                    "provider": "P",
                    "version": "1",
                }
            },
            [f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:actiontype:Custom/Build/P/1"],
        ),
        (
            "CreateCustomActionType",
            {"category": "Test", "provider": "P", "version": "2"},
            [f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:actiontype:Custom/Test/P/2"],
        ),
        (
            "PutWebhook",
            {"webhook": {"name": "hook", "targetPipeline": "release"}},
            [PIPELINE_ARN, f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:webhook:hook"],
        ),
        ("ListWebhooks", {}, [f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:webhook:*"]),
        (
            "GetActionType",
            {"category": "Build", "owner": "AWS", "provider": "P", "version": "1"},
            ["*"],
        ),
        ("RetryStageExecution", {"pipelineName": "release", "stageName": "Approve"}, [APPROVE_ARN]),
    ],
    ids=["action type", "custom action type", "pipeline and webhook", "webhooks", "star", "stage"],
)
def test_resources_of_operations_not_emulated_follow_the_reference(
    operation: str, params: dict[str, Any], arns: list[str]
) -> None:
    assert resource_arns(operation, params, "aws", REGION, ACCOUNT) == arns


def test_the_readme_lists_the_resource_of_every_operation() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for names, shown, operations in resource_table():
        assert f"| {names} | {shown} | {', '.join(operations)} |" in readme


# -- a separate server process, configured by the environment ---------------------------------


def test_the_server_enforces_iam_when_the_environment_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INITIAL_NO_AUTH_ACTION_COUNT", "0")
    with serving(tmp_path / "server.log") as (_, url):
        stranger = boto3.client("codepipeline", endpoint_url=url, region_name=REGION)
        with pytest.raises(ClientError) as err:
            stranger.list_pipelines()
    assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_assumed_role_is_judged_by_the_roles_policies(
    client_factory: Callable[..., Client], pending: Pending, enforce: Callable[[], None]
) -> None:
    iam = client_factory("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName="approver", AssumeRolePolicyDocument=json.dumps(trust))
    document = {"Version": "2012-10-17", "Statement": APPROVER_POLICY}
    iam.put_role_policy(RoleName="approver", PolicyName="p", PolicyDocument=json.dumps(document))
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/approver"
    session = client_factory("sts").assume_role(RoleArn=role_arn, RoleSessionName="bot")
    credentials = session["Credentials"]
    bot = client_factory(
        "codepipeline",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    enforce()
    with pytest.raises(ClientError) as err:
        bot.start_pipeline_execution(name="release")
    assert err.value.response["Error"]["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/approver/bot is not authorized to perform: "
        f"codepipeline:StartPipelineExecution on resource: {PIPELINE_ARN} because no "
        "identity-based policy allows the codepipeline:StartPipelineExecution action"
    )
    bot.put_approval_result(**pending, result=APPROVE)
