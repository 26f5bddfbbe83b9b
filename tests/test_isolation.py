"""Pipelines, executions and tokens belong to one account and one region, and to one test."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError
from pipelines import (
    APPROVE,
    INVALID_TOKEN,
    TRUST_POLICY,
    Client,
    Declaration,
    approval_token,
    declaration,
)

from moto_approvals import Approvals

DEFAULT_ACCOUNT = "123456789012"
OTHER_ACCOUNT = "222222222222"
OTHER_REGION = "eu-west-1"
ASSUMED_ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/x"

ClientFactory = Callable[..., Client]


def not_found(account: str, name: str = "release") -> str:
    return f"Account '{account}' does not have a pipeline with name '{name}'"


def create_release(iam: Client, codepipeline: Client) -> str:
    """Create the role and the default pipeline with these clients; return the pending token."""
    role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    codepipeline.create_pipeline(pipeline=declaration(role["Role"]["Arn"]))
    return approval_token(codepipeline)


def answer(codepipeline: Client, token: str) -> None:
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=APPROVE,
        token=token,
    )


def assume_role_clients(client_factory: ClientFactory, service: str = "codepipeline") -> Client:
    """Clients of a service holding credentials of a role in the other account."""
    credentials = client_factory("sts").assume_role(
        RoleArn=ASSUMED_ROLE, RoleSessionName="isolation"
    )["Credentials"]
    return client_factory(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def other_account_clients(client_factory: ClientFactory) -> tuple[Client, Client]:
    """IAM and CodePipeline clients holding credentials of a role in the other account."""
    return assume_role_clients(client_factory, "iam"), assume_role_clients(client_factory)


def names(codepipeline: Client) -> list[str]:
    return [p["name"] for p in codepipeline.list_pipelines()["pipelines"]]


# -- accounts: MOTO_ACCOUNT_ID ---------------------------------------------------------------


def test_pipeline_is_not_visible_from_another_account_id(
    create_pipeline: Callable[..., Declaration],
    codepipeline: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_pipeline()
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)

    with pytest.raises(ClientError) as err:
        codepipeline.get_pipeline_state(name="release")

    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert err.value.response["Error"]["Message"] == not_found(OTHER_ACCOUNT)
    assert names(codepipeline) == []


def test_pipeline_of_another_account_id_is_not_visible_here(
    approvals: Approvals,
    client_factory: ClientFactory,
    codepipeline: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    create_release(client_factory("iam"), codepipeline)
    monkeypatch.delenv("MOTO_ACCOUNT_ID")

    with pytest.raises(ClientError) as err:
        codepipeline.get_pipeline_state(name="release")

    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert err.value.response["Error"]["Message"] == not_found(DEFAULT_ACCOUNT)
    assert approvals.account_id == DEFAULT_ACCOUNT
    assert len(Approvals(account_id=OTHER_ACCOUNT).pending_approvals("release")) == 1


def test_token_from_one_account_id_is_rejected_in_another(
    client_factory: ClientFactory,
    codepipeline: Client,
    pending: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    create_release(client_factory("iam"), codepipeline)

    with pytest.raises(ClientError) as err:
        answer(codepipeline, pending["token"])

    assert err.value.response["Error"]["Code"] == "InvalidApprovalTokenException"
    assert err.value.response["Error"]["Message"] == INVALID_TOKEN


def test_same_pipeline_name_runs_separately_in_each_account_id(
    client_factory: ClientFactory,
    codepipeline: Client,
    pending: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    other_token = create_release(client_factory("iam"), codepipeline)
    answer(codepipeline, other_token)
    monkeypatch.delenv("MOTO_ACCOUNT_ID")

    assert other_token != pending["token"]
    assert len(Approvals(account_id=OTHER_ACCOUNT).pending_approvals("release")) == 0
    assert [p.token for p in Approvals().pending_approvals("release")] == [pending["token"]]


# -- accounts: credentials of an assumed role ------------------------------------------------


def test_pipeline_is_not_visible_with_assumed_role_credentials(
    create_pipeline: Callable[..., Declaration], client_factory: ClientFactory
) -> None:
    create_pipeline()
    _, other = other_account_clients(client_factory)

    with pytest.raises(ClientError) as err:
        other.get_pipeline_state(name="release")

    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert err.value.response["Error"]["Message"] == not_found(OTHER_ACCOUNT)
    assert names(other) == []


def test_assumed_role_credentials_create_in_the_role_account(
    approvals: Approvals, client_factory: ClientFactory, codepipeline: Client
) -> None:
    other_iam, other = other_account_clients(client_factory)
    token = create_release(other_iam, other)

    [pending] = Approvals(account_id=OTHER_ACCOUNT).pending_approvals("release")
    assert pending.token == token
    assert names(codepipeline) == []
    with pytest.raises(ClientError) as err:
        codepipeline.get_pipeline_state(name="release")
    assert err.value.response["Error"]["Message"] == not_found(DEFAULT_ACCOUNT)


def test_token_is_rejected_with_assumed_role_credentials(
    client_factory: ClientFactory, pending: dict[str, str]
) -> None:
    other_iam, other = other_account_clients(client_factory)
    create_release(other_iam, other)

    with pytest.raises(ClientError) as err:
        answer(other, pending["token"])

    assert err.value.response["Error"]["Code"] == "InvalidApprovalTokenException"
    assert err.value.response["Error"]["Message"] == INVALID_TOKEN
    assert len(Approvals(account_id=OTHER_ACCOUNT).pending_approvals("release")) == 1


def test_approval_with_assumed_role_credentials_records_the_assumed_role(
    approvals: Approvals, client_factory: ClientFactory
) -> None:
    other_iam, other = other_account_clients(client_factory)
    token = create_release(other_iam, other)
    answer(other, token)

    caller = assume_role_clients(client_factory, "sts").get_caller_identity()["Arn"]
    assert caller == f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/x/isolation"
    runs = other.list_action_executions(pipelineName="release")["actionExecutionDetails"]
    approval = next(r for r in runs if r["actionName"] == "ManualApproval")
    assert approval["status"] == "Succeeded"
    assert approval["updatedBy"] == caller
    approve = next(
        s
        for s in other.get_pipeline_state(name="release")["stageStates"]
        if s["stageName"] == "Approve"
    )
    assert approve["actionStates"][0]["latestExecution"]["lastUpdatedBy"] == caller


# -- regions --------------------------------------------------------------------------------


def test_pipeline_is_not_visible_from_another_region(
    create_pipeline: Callable[..., Declaration], client_factory: ClientFactory
) -> None:
    create_pipeline()
    other = client_factory("codepipeline", region_name=OTHER_REGION)

    with pytest.raises(ClientError) as err:
        other.get_pipeline_state(name="release")

    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert err.value.response["Error"]["Message"] == not_found(DEFAULT_ACCOUNT)
    assert names(other) == []
    assert Approvals(region_name=OTHER_REGION).region_name == OTHER_REGION


def test_token_from_one_region_is_rejected_in_another(
    client_factory: ClientFactory, pending: dict[str, str], role_arn: str
) -> None:
    # IAM is global: the role created for the default pipeline serves both regions.
    other = client_factory("codepipeline", region_name=OTHER_REGION)
    other.create_pipeline(pipeline=declaration(role_arn))

    with pytest.raises(ClientError) as err:
        answer(other, pending["token"])

    assert err.value.response["Error"]["Code"] == "InvalidApprovalTokenException"
    assert err.value.response["Error"]["Message"] == INVALID_TOKEN
    assert len(Approvals(region_name=OTHER_REGION).pending_approvals("release")) == 1
    assert [p.token for p in Approvals().pending_approvals("release")] == [pending["token"]]


# -- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("turn", ["first", "second"])
def test_each_test_starts_with_no_pipelines(
    turn: str, create_pipeline: Callable[..., Declaration], codepipeline: Client
) -> None:
    # Both turns create the same pipeline; whichever runs second fails if state leaked.
    assert names(codepipeline) == []
    create_pipeline()
    assert names(codepipeline) == ["release"]


@pytest.mark.parametrize("turn", ["first", "second"])
def test_each_test_starts_with_no_executions_in_other_accounts(
    turn: str, client_factory: ClientFactory, approvals: Approvals
) -> None:
    other_iam, other = other_account_clients(client_factory)
    assert names(other) == []
    create_release(other_iam, other)
    assert len(Approvals(account_id=OTHER_ACCOUNT).pending_approvals("release")) == 1
