"""Lambda handlers and pending jobs through a handle on a server (running_server)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from job_fixtures import LAMBDA
from pipelines import REGION, TRUST_POLICY, Client, approval_stage, declaration, source_stage

from moto_approvals import Approvals, handle
from moto_approvals.server import running_server

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
INVOKE = {
    "name": "Invoke",
    "actions": [{"name": "Run", "actionTypeId": LAMBDA, "configuration": {"FunctionName": "fn"}}],
}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_server() as endpoint:
        yield endpoint


@pytest.fixture
def client(url: str) -> Iterator[Any]:
    """A codepipeline client of the server, which starts empty."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
    yield lambda service: boto3.client(service, endpoint_url=url, region_name=REGION, **CREDENTIALS)
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))


def _create(client: Any) -> Client:
    role = client("iam").create_role(
        RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
    )
    codepipeline = client("codepipeline")
    pipeline = declaration(role["Role"]["Arn"], "release", [source_stage(), INVOKE])
    codepipeline.create_pipeline(pipeline=pipeline)
    return codepipeline


def _status(codepipeline: Client) -> str:
    state = codepipeline.get_pipeline_state(name="release")
    return str(state["stageStates"][1]["latestExecution"]["status"])


def test_a_handle_on_a_server_in_this_process_registers_a_handler(url: str, client: Any) -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        job_id = event["CodePipeline.job"]["id"]
        client("codepipeline").put_job_success_result(jobId=job_id)

    Approvals(endpoint_url=url).register_lambda("fn", handler)
    codepipeline = _create(client)

    assert _status(codepipeline) == "Succeeded"


def test_a_handle_on_a_server_in_another_process_cannot_register_a_handler(
    url: str, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handle, "process_identity", lambda: "another process")

    with pytest.raises(ValueError, match="runs in another process"):
        Approvals(endpoint_url=url).register_lambda("fn", lambda event, context: None)


def test_pending_jobs_over_http_list_a_held_invoke_with_its_event(url: str, client: Any) -> None:
    codepipeline = _create(client)
    handle = Approvals(endpoint_url=url)
    handle.hold_action("release", "Invoke", "Run")
    codepipeline.start_pipeline_execution(name="release")

    (job,) = handle.pending_jobs("release")
    client("codepipeline").put_job_success_result(jobId=job.event["CodePipeline.job"]["id"])

    assert (job.stage_name, job.action_name) == ("Invoke", "Run")
    assert _status(codepipeline) == "Succeeded"
    assert handle.pending_jobs("release") == []


def test_an_approval_through_the_control_api_runs_the_next_invoke_handler(
    url: str, client: Any
) -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        job_id = event["CodePipeline.job"]["id"]
        client("codepipeline").put_job_success_result(jobId=job_id)

    handle = Approvals(endpoint_url=url)
    handle.register_lambda("fn", handler)
    role = client("iam").create_role(
        RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
    )
    stages = [source_stage(), approval_stage(), INVOKE]
    codepipeline = client("codepipeline")
    codepipeline.create_pipeline(pipeline=declaration(role["Role"]["Arn"], "release", stages))
    (pending,) = handle.pending_approvals("release")
    body = {
        "stageName": "Approve",
        "actionName": "ManualApproval",
        "token": pending.token,
        "result": {"status": "Approved", "summary": "ok"},
    }
    request = urllib.request.Request(
        f"{url}/approvals/api/123456789012/{REGION}/pipelines/release/approvals",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request).close()

    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    assert summaries["pipelineExecutionSummaries"][0]["status"] == "Succeeded"


def test_a_lambda_invoke_rule_on_a_server_calls_its_handler_before_the_approval(
    url: str, client: Any
) -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        job_id = event["CodePipeline.job"]["id"]
        client("codepipeline").put_job_failure_result(
            jobId=job_id, failureDetails={"type": "JobFailed", "message": "Frozen"}
        )

    Approvals(endpoint_url=url).register_lambda("gate", handler)
    rule = {
        "name": "Check",
        "ruleTypeId": {
            "category": "Rule",
            "owner": "AWS",
            "provider": "LambdaInvoke",
            "version": "1",
        },
        "configuration": {"FunctionName": "gate"},
    }
    gated = {**approval_stage(), "beforeEntry": {"conditions": [{"rules": [rule]}]}}
    role = client("iam").create_role(
        RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
    )
    codepipeline = client("codepipeline")
    pipeline = declaration(role["Role"]["Arn"], "release", [source_stage(), gated])
    codepipeline.create_pipeline(pipeline={**pipeline, "pipelineType": "V2"})

    details = codepipeline.list_rule_executions(pipelineName="release")["ruleExecutionDetails"]
    assert [d["status"] for d in details] == ["Failed"]
    assert _status(codepipeline) == "Failed"
