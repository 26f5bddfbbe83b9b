"""The control API and the Approvals handle over HTTP, against running_server."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from pipelines import REGION, TRUST_POLICY, Client, declaration

from moto_approvals import Approvals, PipelineNotFoundError
from moto_approvals.server import running_server

ACCOUNT = "123456789012"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_server() as endpoint:
        yield endpoint


@pytest.fixture
def codepipeline(url: str) -> Client:
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
    iam = boto3.client("iam", endpoint_url=url, region_name=REGION, **CREDENTIALS)
    role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    client = boto3.client("codepipeline", endpoint_url=url, region_name=REGION, **CREDENTIALS)
    client.create_pipeline(pipeline=declaration(role["Role"]["Arn"], "release"))
    return client


def _get(url: str) -> Any:
    with urllib.request.urlopen(url) as reply:
        return json.loads(reply.read())


def test_the_handle_over_http_lists_the_pending_approval(url: str, codepipeline: Client) -> None:
    pending = Approvals(endpoint_url=url).pending_approvals("release")

    assert [(p.stage_name, p.action_name) for p in pending] == [("Approve", "ManualApproval")]


def test_the_handle_over_http_raises_the_in_process_error(url: str, codepipeline: Client) -> None:
    with pytest.raises(PipelineNotFoundError, match="No pipeline named 'missing' in account"):
        Approvals(endpoint_url=url).pending_approvals("missing")


def test_an_approval_through_the_api_lets_the_execution_succeed(
    url: str, codepipeline: Client
) -> None:
    token = Approvals(endpoint_url=url).pending_approvals("release")[0].token
    body = {
        "stageName": "Approve",
        "actionName": "ManualApproval",
        "token": token,
        "result": {"status": "Approved", "summary": "ship it"},
    }
    request = urllib.request.Request(
        f"{url}/approvals/api/{ACCOUNT}/{REGION}/pipelines/release/approvals",
        data=json.dumps(body).encode(),
        method="POST",
    )
    urllib.request.urlopen(request)

    executions = codepipeline.list_pipeline_executions(pipelineName="release")
    assert executions["pipelineExecutionSummaries"][0]["status"] == "Succeeded"


def test_data_json_shows_the_executions(url: str, codepipeline: Client) -> None:
    data = _get(f"{url}/moto-api/data.json")["codepipeline"]

    assert [e["status"] for e in data["PipelineExecution"]] == ["InProgress"]
    assert len(data["CodePipeline"][0]["executions"]) == 1


def test_the_console_page_is_served(url: str) -> None:
    with urllib.request.urlopen(f"{url}/approvals/") as reply:
        assert b'<script src="console.js"' in reply.read()


def test_an_answer_from_the_console_is_made_by_the_console_role(
    url: str, codepipeline: Client
) -> None:
    token = Approvals(endpoint_url=url).pending_approvals("release")[0].token
    body = {
        "stageName": "Approve",
        "actionName": "ManualApproval",
        "token": token,
        "result": {"status": "Rejected", "summary": "not today"},
    }
    request = urllib.request.Request(
        f"{url}/approvals/api/{ACCOUNT}/{REGION}/pipelines/release/approvals",
        data=json.dumps(body).encode(),
        method="POST",
    )
    urllib.request.urlopen(request)

    state = codepipeline.get_pipeline_state(name="release")
    latest = state["stageStates"][1]["actionStates"][0]["latestExecution"]
    assert latest["lastUpdatedBy"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/moto-approvals/console"
    )
