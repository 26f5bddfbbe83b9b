"""The AWS CLI (v1, from PyPI) against the server: every served read operation and a few writes
print JSON the CLI parsed, with every timestamp a number of epoch seconds as AWS sends it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.model import Shape
from pipelines import REGION, TRUST_POLICY, declaration, source_stage

from moto_approvals.coverage import served
from moto_approvals.validation import output_violations, service_model

ROOT = Path(__file__).resolve().parents[1]
CLI_TIMEOUT = 120.0
WEBHOOK = {
    "name": "on-push",
    "targetPipeline": "release",
    "targetAction": "Fetch",
    "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/main"}],
    "authentication": "UNAUTHENTICATED",
    "authenticationConfiguration": {},
}
THIRD_PARTY = {
    "id": {"category": "Test", "owner": "ThirdParty", "provider": "Scanner", "version": "1"},
    "executor": {"type": "JobWorker", "configuration": {}},
    "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
    "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 0},
}

WORKER_ID = {"category": "Build", "owner": "Custom", "provider": "Worker", "version": "1"}
WORKER = {
    "category": "Build",
    "provider": "Worker",
    "version": "1",
    "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
    "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 0},
}
WORK = {
    "name": "Work",
    "actions": [
        {"name": "Build", "actionTypeId": WORKER_ID, "inputArtifacts": [{"name": "App"}]},
        {"name": "Scan", "actionTypeId": THIRD_PARTY["id"], "inputArtifacts": [{"name": "App"}]},
    ],
}


@dataclass
class World:
    """What the module's pipeline left behind, for the calls' arguments."""

    endpoint: str
    env: dict[str, str]
    role_arn: str
    execution_id: str
    action_execution_id: str
    job_id: str
    third_party_job_id: str


@pytest.fixture(scope="module")
def world(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    requests.post(f"{moto_server}/moto-api/reset", timeout=10).raise_for_status()
    # Module scope: the per-test credentials fixture has not run yet.
    options = {
        "endpoint_url": moto_server,
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    iam = boto3.client("iam", **options)
    role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    role_arn = role["Role"]["Arn"]
    codepipeline = boto3.client("codepipeline", **options)
    codepipeline.create_pipeline(
        pipeline=declaration(role_arn), tags=[{"key": "team", "value": "web"}]
    )
    codepipeline.put_webhook(webhook=WEBHOOK)
    codepipeline.update_action_type(actionType=THIRD_PARTY)
    # A second pipeline whose actions wait for workers: one job of each family.
    codepipeline.create_custom_action_type(**WORKER)
    workers = declaration(role_arn, name="workers", stages=[source_stage(), WORK])
    codepipeline.create_pipeline(pipeline=workers)
    (job,) = codepipeline.poll_for_jobs(actionTypeId=WORKER_ID)["jobs"]
    (third_party_job,) = codepipeline.poll_for_third_party_jobs(actionTypeId=THIRD_PARTY["id"])[
        "jobs"
    ]
    (run, *_) = codepipeline.list_action_executions(pipelineName="release")[
        "actionExecutionDetails"
    ]
    home = tmp_path_factory.mktemp("aws")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=str(home / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"),
    )
    yield World(
        moto_server,
        env,
        role_arn,
        run["pipelineExecutionId"],
        run["actionExecutionId"],
        job["id"],
        third_party_job["jobId"],
    )
    requests.post(f"{moto_server}/moto-api/reset", timeout=10).raise_for_status()


def cli(world: World, command: str, *args: str) -> dict[str, Any]:
    """``aws codepipeline <command> ...`` against the server, its JSON output parsed."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "awscli", "codepipeline", command, *args),
            *("--endpoint-url", world.endpoint, "--region", REGION, "--output", "json"),
        ],
        env=world.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    parsed: dict[str, Any] = json.loads(done.stdout or "{}")
    return parsed


def timestamps(shape: Shape, value: Any) -> Iterator[Any]:
    """Every value the output shape declares a timestamp, at any depth."""
    if shape.type_name == "timestamp":
        yield value
    elif shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                yield from timestamps(member, value[name])
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            yield from timestamps(shape.member, item)
    elif shape.type_name == "map" and isinstance(value, dict):
        for item in value.values():
            yield from timestamps(shape.value, item)


Args = Callable[[World], list[str]]
#: operation -> (CLI arguments, whether the reply carries timestamps here)
READS: dict[str, tuple[Args, bool]] = {
    "GetPipeline": (lambda w: ["--name", "release"], True),
    "ListPipelines": (lambda w: [], True),
    "GetPipelineState": (lambda w: ["--name", "release"], True),
    "GetPipelineExecution": (
        lambda w: ["--pipeline-name", "release", "--pipeline-execution-id", w.execution_id],
        False,  # its only timestamps are those of S3 artifact revisions
    ),
    "ListPipelineExecutions": (lambda w: ["--pipeline-name", "release"], True),
    "ListActionExecutions": (lambda w: ["--pipeline-name", "release"], True),
    "ListRuleExecutions": (lambda w: ["--pipeline-name", "release"], False),
    "ListRuleTypes": (lambda w: [], False),
    "ListDeployActionExecutionTargets": (
        lambda w: ["--pipeline-name", "release", "--action-execution-id", w.action_execution_id],
        False,
    ),
    "ListTagsForResource": (
        lambda w: ["--resource-arn", f"arn:aws:codepipeline:{REGION}:123456789012:release"],
        False,
    ),
    "ListWebhooks": (lambda w: [], False),
    "ListActionTypes": (lambda w: [], False),
    "GetActionType": (
        lambda w: [
            "--category",
            "Test",
            "--owner",
            "ThirdParty",
            "--provider",
            "Scanner",
            "--action-version",
            "1",
        ],
        False,
    ),
    "GetJobDetails": (lambda w: ["--job-id", w.job_id], False),
    "GetThirdPartyJobDetails": (
        lambda w: ["--job-id", w.third_party_job_id, "--client-token", "cli-token"],
        False,
    ),
}
WRITES: dict[str, tuple[Args, bool]] = {
    "StartPipelineExecution": (lambda w: ["--name", "release"], False),
    "CreateCustomActionType": (
        lambda w: [
            "--category",
            "Build",
            "--provider",
            "Jenkins",
            "--action-version",
            "1",
            "--input-artifact-details",
            "minimumCount=0,maximumCount=1",
            "--output-artifact-details",
            "minimumCount=0,maximumCount=1",
            "--tags",
            "key=team,value=ci",
        ],
        False,
    ),
    "PutWebhook": (lambda w: ["--webhook", json.dumps({**WEBHOOK, "name": "other"})], False),
    "UpdatePipeline": (lambda w: ["--pipeline", json.dumps(declaration(w.role_arn))], False),
}


def _command(operation: str) -> str:
    return "".join("-" + c.lower() if c.isupper() else c for c in operation).lstrip("-")


def test_every_served_read_operation_is_called() -> None:
    reads = {
        op
        for op in service_model().operation_names
        if op.startswith(("Get", "List")) and served(op)
    }

    assert reads == set(READS)


@pytest.mark.parametrize("operation", [*READS, *WRITES])
def test_the_aws_cli_prints_the_reply_with_numeric_timestamps(world: World, operation: str) -> None:
    args, has_timestamps = {**READS, **WRITES}[operation]

    output = cli(world, _command(operation), *args(world))

    assert output_violations(operation, output) == []
    found = list(timestamps(service_model().operation_model(operation).output_shape, output))
    assert all(isinstance(t, int | float) and not isinstance(t, bool) for t in found), found
    assert bool(found) == has_timestamps
