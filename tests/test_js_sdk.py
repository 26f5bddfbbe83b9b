"""The AWS SDK for JavaScript v3 parses every reply and error of a moto-approvals server.

``tests/js/conformance.mjs`` runs once against :func:`running_server`, calling every served
operation (it discovers them: any operation not answering 501), its paginators and at least
one modeled error per family. ``.ci/run`` installs ``@aws-sdk/client-codepipeline`` into
``.js-sdk/``; locally the tests skip without node or the package, under ``CI`` they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from pipelines import REGION, TRUST_POLICY

from moto_approvals.server import running_server

pytestmark = pytest.mark.js_sdk

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "js" / "conformance.mjs"
SDK_DIR = Path(os.environ.get("JS_SDK_DIR", ROOT / ".js-sdk"))
PACKAGE = SDK_DIR / "node_modules" / "@aws-sdk" / "client-codepipeline" / "package.json"

#: The operations served today (the script lists them too and checks them all).
SERVED = {
    "CreatePipeline",
    "GetPipeline",
    "ListPipelines",
    "UpdatePipeline",
    "DeletePipeline",
    "StartPipelineExecution",
    "GetPipelineExecution",
    "ListPipelineExecutions",
    "StopPipelineExecution",
    "RetryStageExecution",
    "GetPipelineState",
    "PutApprovalResult",
    "ListActionExecutions",
    "EnableStageTransition",
    "DisableStageTransition",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "PutWebhook",
    "ListWebhooks",
    "DeleteWebhook",
    "RegisterWebhookWithThirdParty",
    "DeregisterWebhookWithThirdParty",
    "ListDeployActionExecutionTargets",
    "PutActionRevision",
    "CreateCustomActionType",
    "DeleteCustomActionType",
    "ListActionTypes",
    "GetActionType",
    "UpdateActionType",
    "PollForJobs",
    "AcknowledgeJob",
    "GetJobDetails",
    "PutJobSuccessResult",
    "PutJobFailureResult",
    "PollForThirdPartyJobs",
    "AcknowledgeThirdPartyJob",
    "GetThirdPartyJobDetails",
    "PutThirdPartyJobSuccessResult",
    "PutThirdPartyJobFailureResult",
}
Report = dict[str, Any]


def _unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not PACKAGE.is_file():
        return f"@aws-sdk/client-codepipeline is not installed in {SDK_DIR} (bash .ci/run does it)"
    return None


@pytest.fixture(scope="module")
def report() -> Iterator[Report]:
    """The conformance script's report, from one run against a fresh server."""
    missing = _unavailable()
    if missing and os.environ.get("CI"):
        pytest.fail(f"the JS SDK conformance run is required in CI: {missing}")
    if missing:
        pytest.skip(missing)
    with running_server() as url:
        requests.post(f"{url}/moto-api/reset", timeout=10)
        iam = boto3.client(
            "iam",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        role = iam.create_role(
            RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
        )
        env = {
            **os.environ,
            "ENDPOINT": url,
            "ROLE_ARN": role["Role"]["Arn"],
            "JS_SDK_DIR": str(SDK_DIR),
        }
        env["NODE_NO_WARNINGS"] = "1"  # the SDK warns about node versions on stderr
        run = subprocess.run(
            ["node", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        requests.post(f"{url}/moto-api/reset", timeout=10)
    try:
        yield json.loads(run.stdout)
    except ValueError:
        pytest.fail(f"conformance.mjs printed no report (exit {run.returncode}):\n{run.stderr}")


def _failures(report: Report) -> list[str]:
    return [
        f"{r['operation']} / {r['step']}: {r['detail']}" for r in report["results"] if not r["ok"]
    ]


def test_every_served_operation_and_error_parses_in_the_js_sdk(report: Report) -> None:
    assert _failures(report) == []


def test_the_operations_served_today_are_found_served(report: Report) -> None:
    assert set(report["served"]) >= SERVED


def test_every_operation_not_served_answers_a_501_the_js_sdk_parses(report: Report) -> None:
    assert len(report["served"]) + len(report["notServed"]) == 44
    assert not set(report["served"]) & set(report["notServed"])
