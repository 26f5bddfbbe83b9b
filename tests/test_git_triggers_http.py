"""Git events through the control API: the handle on a server, and the raw endpoints."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from pipelines import REGION, TRUST_POLICY, Client, approval_stage, declaration
from test_git_triggers import connection_stage

from moto_approvals import Approvals
from moto_approvals.server import running_server

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
TRIGGER = {
    "providerType": "CodeStarSourceConnection",
    "gitConfiguration": {
        "sourceActionName": "Checkout",
        "push": [{"tags": {"includes": ["v*"]}}],
        "pullRequest": [{"branches": {"includes": ["main"]}}],
    },
}


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
    stages = [connection_stage(), approval_stage()]
    pipeline = declaration(role["Role"]["Arn"], "release", stages)
    client.create_pipeline(pipeline={**pipeline, "pipelineType": "V2", "triggers": [TRIGGER]})
    return client


def newest(codepipeline: Client) -> str:
    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    return str(summaries["pipelineExecutionSummaries"][0]["pipelineExecutionId"])


def test_a_push_through_the_handle_on_a_server_starts_an_execution(
    url: str, codepipeline: Client
) -> None:
    started = Approvals(endpoint_url=url).push("release", tags=["v1"], commit_id="c" * 40)

    assert started == newest(codepipeline)


def test_a_pull_request_through_the_handle_on_a_server_is_matched(
    url: str, codepipeline: Client
) -> None:
    handle = Approvals(endpoint_url=url)

    assert handle.pull_request("release", source_branch="f", destination_branch="dev") is None
    assert handle.pull_request("release", source_branch="f", destination_branch="main") == newest(
        codepipeline
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tags": "v1"}, "tags must be a list"),
        ({"tags": ["v1"], "actionName": ["Checkout"]}, "actionName must be a string"),
        ({"branch": 7}, "branch must be a string"),
    ],
)
def test_a_malformed_push_answers_400_value_error(
    url: str, codepipeline: Client, body: dict[str, Any], message: str
) -> None:
    path = "/approvals/api/123456789012/us-east-1/pipelines/release/git/push"

    reply = requests.post(f"{url}{path}", json=body, timeout=10)

    assert reply.status_code == 400
    assert reply.json()["__type"] == "ValueError"
    assert message in reply.json()["message"]


def test_a_handle_on_a_server_raises_the_server_s_value_error(
    url: str, codepipeline: Client
) -> None:
    with pytest.raises(ValueError, match="not one of its CodeStarSourceConnection"):
        Approvals(endpoint_url=url).push("release", branch="main", action_name="Elsewhere")
