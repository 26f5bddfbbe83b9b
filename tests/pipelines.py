"""Pipeline declarations and small readers shared by the tests."""

from __future__ import annotations

import datetime
import json
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from moto_approvals.validation import output_violations

REGION = "us-east-1"
Client = Any  # boto3's generated clients have no static type
Declaration = dict[str, Any]

#: PutApprovalResult's keyword arguments for one pending approval (without ``result``).
Pending = dict[str, str]
CreatePipeline = Callable[..., Declaration]

INVALID_TOKEN = "The approval request already received a response or has expired."
ALREADY_COMPLETED = "The approval action has already been approved or rejected."
#: A Monday morning, for tests that freeze the clock.
START = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.timezone.utc)
SEVEN_DAYS = datetime.timedelta(days=7)

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
MANUAL = {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}
SOURCE = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
BUILD = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
DEPLOY = {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"}
ALARM_RULE = {"category": "Rule", "owner": "AWS", "provider": "CloudWatchAlarm", "version": "1"}
WINDOW_RULE = {"category": "Rule", "owner": "AWS", "provider": "DeploymentWindow", "version": "1"}
LAMBDA_RULE = {"category": "Rule", "owner": "AWS", "provider": "LambdaInvoke", "version": "1"}
VARIABLE_RULE = {"category": "Rule", "owner": "AWS", "provider": "VariableCheck", "version": "1"}
#: The keys of the approval SNS message, in AWS's order (approvals-json-format).
APPROVAL_MESSAGE_KEYS = ["region", "consoleLink", "approval"]
APPROVAL_KEYS = [
    "pipelineName",
    "stageName",
    "actionName",
    "token",
    "expires",
    "externalEntityLink",
    "approvalReviewLink",
    "customData",
]
#: Credentials for clients of a server started by a test (no IAM enforcement).
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
APPROVE = {"status": "Approved", "summary": "Looks good"}
REJECT = {"status": "Rejected", "summary": "Not today"}


def source_stage(name: str = "Source") -> Declaration:
    return {
        "name": name,
        "actions": [
            {
                "name": "Fetch",
                "actionTypeId": SOURCE,
                "configuration": {"S3Bucket": "src", "S3ObjectKey": "app.zip"},
                "outputArtifacts": [{"name": "App"}],
            }
        ],
    }


def approval_stage(
    name: str = "Approve", action: str = "ManualApproval", **extra: Any
) -> Declaration:
    return {"name": name, "actions": [{"name": action, "actionTypeId": MANUAL, **extra}]}


def deploy_stage(name: str = "Deploy", action: str = "Ship") -> Declaration:
    return {
        "name": name,
        "actions": [
            {
                "name": action,
                "actionTypeId": DEPLOY,
                "configuration": {"BucketName": "prod", "Extract": "true"},
                "inputArtifacts": [{"name": "App"}],
            }
        ],
    }


def declaration(
    role_arn: str, name: str = "release", stages: list[Declaration] | None = None, **extra: Any
) -> Declaration:
    return {
        "name": name,
        "roleArn": role_arn,
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": stages or [source_stage(), approval_stage(), deploy_stage()],
        **extra,
    }


def approval_token(codepipeline: Client, pipeline: str = "release", stage: str = "Approve") -> str:
    """The token GetPipelineState shows for the stage's first action."""
    state = codepipeline.get_pipeline_state(name=pipeline)
    stage_state = next(s for s in state["stageStates"] if s["stageName"] == stage)
    return str(stage_state["actionStates"][0]["latestExecution"]["token"])


def approve(
    codepipeline: Client,
    token: str | None = None,
    *,
    stage: str = "Approve",
    action: str = "ManualApproval",
    result: dict[str, str] = APPROVE,
) -> Any:
    """PutApprovalResult on "release" (Approved by default) with ``token``, else with the token
    GetPipelineState shows for the action."""
    if token is None:
        token = str(action_state(codepipeline, stage, action)["latestExecution"]["token"])
    return codepipeline.put_approval_result(
        pipelineName="release", stageName=stage, actionName=action, result=result, token=token
    )


def stage_state(codepipeline: Client, stage: str, pipeline: str = "release") -> dict[str, Any]:
    state = codepipeline.get_pipeline_state(name=pipeline)
    found: dict[str, Any] = next(s for s in state["stageStates"] if s["stageName"] == stage)
    return found


def action_state(
    codepipeline: Client, stage: str, action: str, pipeline: str = "release"
) -> dict[str, Any]:
    """The ActionState of one action, as GetPipelineState shows it."""
    states = stage_state(codepipeline, stage, pipeline)["actionStates"]
    found: dict[str, Any] = next(a for a in states if a["actionName"] == action)
    return found


def key_paths(data: Any, key: str, path: str = "") -> list[str]:
    """Every dotted path at which ``key`` occurs in a parsed response, at any depth."""
    found: list[str] = []
    if isinstance(data, dict):
        for name, value in data.items():
            here = f"{path}.{name}" if path else str(name)
            if name == key:
                found.append(here)
            found.extend(key_paths(value, key, here))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found.extend(key_paths(item, key, f"{path}[{index}]"))
    return found


def caller_arn(sts: Client) -> str:
    """The ARN of the credentials the tests call with (what lastUpdatedBy should show)."""
    return str(sts.get_caller_identity()["Arn"])


def build_stage(name: str = "Build", action: str = "Compile", **extra: Any) -> Declaration:
    """A stage with one CodeBuild action (reads App, writes Built)."""
    return {
        "name": name,
        "actions": [
            {
                "name": action,
                "actionTypeId": BUILD,
                "configuration": {"ProjectName": "app"},
                "inputArtifacts": [{"name": "App"}],
                **extra,
            }
        ],
    }


def execution_status(codepipeline: Client, execution_id: str, pipeline: str = "release") -> str:
    """The status GetPipelineExecution reports for one execution."""
    found = codepipeline.get_pipeline_execution(
        pipelineName=pipeline, pipelineExecutionId=execution_id
    )
    return str(found["pipelineExecution"]["status"])


def newest_execution_id(codepipeline: Client, pipeline: str = "release") -> str:
    """The id of the most recently started execution (ListPipelineExecutions is newest first)."""
    summaries = codepipeline.list_pipeline_executions(pipelineName=pipeline)
    return str(summaries["pipelineExecutionSummaries"][0]["pipelineExecutionId"])


def check_output_shape(response_dict: dict[str, Any], operation: str) -> None:
    """A successful reply is JSON 1.1 and matches the operation's output shape exactly.

    Strict about the wire: unknown keys, types (a timestamp is a number of epoch seconds, never
    an ISO string, which the JavaScript and Go SDKs cannot parse), enums, lengths, patterns.
    """
    if response_dict["status_code"] >= 300:
        return
    content_type = response_dict["headers"].get("Content-Type", "")
    assert content_type.startswith("application/x-amz-json-1.1"), (
        f"{operation} replied with Content-Type {content_type!r}"
    )
    raw = response_dict["body"] or b"{}"
    violations = output_violations(operation, json.loads(raw))
    assert not violations, f"{operation} response breaks its output shape: {violations}"


def shape_checked(client: Client) -> Client:
    """Check every reply of a codepipeline client before botocore parses it (idempotent)."""
    if getattr(client, "_shape_checked", False):
        return client

    def on_parse(response_dict: dict[str, Any], operation_model: Any, **_: Any) -> None:
        check_output_shape(response_dict, operation_model.name)

    client.meta.events.register("before-parse.codepipeline.*", on_parse)
    client._shape_checked = True
    return client


def sqs_queue(sqs: Client, name: str) -> tuple[str, str]:
    """A new SQS queue's URL and ARN."""
    url = str(sqs.create_queue(QueueName=name)["QueueUrl"])
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, str(attributes["Attributes"]["QueueArn"])


def drain(sqs: Client, queue_url: str) -> list[dict[str, Any]]:
    """Every message body waiting in the queue, parsed, oldest first; the queue is left empty."""
    received: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        received += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
    return received


def raw_reply(client: Client, method: str, **params: Any) -> dict[str, Any]:
    """The JSON body a codepipeline call received on the wire, before botocore parsed it."""
    captured: dict[str, Any] = {}

    def grab(response_dict: dict[str, Any], **_: Any) -> None:
        captured["body"] = json.loads(response_dict["body"] or b"{}")

    client.meta.events.register("before-parse.codepipeline.*", grab)
    try:
        getattr(client, method)(**params)
    finally:
        client.meta.events.unregister("before-parse.codepipeline.*", grab)
    body: dict[str, Any] = captured["body"]
    return body


def error_of(err: Any) -> tuple[str, str]:
    """A ClientError's code and message."""
    error = err.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def server_client(url: str, service: str) -> Client:
    """A client of the server at ``url``."""
    return boto3.client(service, endpoint_url=url, region_name=REGION, **CREDENTIALS)


def reset_server(url: str) -> None:
    """Empty every backend of the server at ``url`` (moto's ``/moto-api/reset``)."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))


@contextmanager
def own_server(**options: Any) -> Iterator[str]:
    """A ``running_server`` (``options`` are its own) whose state this process's backends do
    not keep after the block: it shares them, and later tests expect them empty."""
    from moto_approvals.server import running_server

    with running_server(**options) as url:
        try:
            yield url
        finally:
            reset_server(url)


def server_pipeline(url: str, name: str = "release", **extra: Any) -> Client:
    """A pipeline created on the server at ``url`` (its first execution started), with a new
    role; returns a codepipeline client of the server. ``extra``: declaration members."""
    iam = server_client(url, "iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    client = server_client(url, "codepipeline")
    client.create_pipeline(pipeline=declaration(role["Role"]["Arn"], name, **extra))
    return client
