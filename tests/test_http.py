"""The JSON 1.1 wire itself, spoken with ``requests`` instead of boto3.

In-process, ``requests`` calls to ``codepipeline.<region>.amazonaws.com`` are caught by the
``responses`` mock that moto starts. Against the server the request is SigV4-signed (any
credentials): moto's server picks the service from the signature's credential scope.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from pipelines import APPROVE, REGION, Declaration

from moto_approvals import Approvals
from moto_approvals.responses import ApprovalsCodePipelineResponse

JSON_11 = "application/x-amz-json-1.1"
PREFIX = "CodePipeline_20150709."
AWS_URL = f"https://codepipeline.{REGION}.amazonaws.com/"
#: CodePipeline's request ids (``x-amzn-RequestId``) are UUIDs.
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

Post = Callable[[str | None, str], requests.Response]


def _signed(url: str, body: str, headers: dict[str, str]) -> dict[str, str]:
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials("testing", "testing"), "codepipeline", REGION).add_auth(request)
    return dict(request.headers.items())


@pytest.fixture
def post(mode: str, approvals: Approvals, request: pytest.FixtureRequest) -> Post:
    """POST a raw body with an optional X-Amz-Target, in the current mode."""
    server = request.getfixturevalue("moto_server") if mode == "server" else None
    url = AWS_URL if server is None else f"{server}/"

    def send(target: str | None, body: str) -> requests.Response:
        headers = {"Content-Type": JSON_11}
        if target is not None:
            headers["X-Amz-Target"] = target
        if server is not None:
            headers = _signed(url, body, headers)
        return requests.post(url, headers=headers, data=body, timeout=30)

    return send


def _json(response: requests.Response) -> dict[str, Any]:
    assert response.headers["Content-Type"] == JSON_11
    body: dict[str, Any] = response.json()
    return body


def test_a_plain_http_request_reads_the_pipeline_state(
    post: Post, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    response = post(f"{PREFIX}GetPipelineState", json.dumps({"name": "release"}))

    assert response.status_code == 200
    state = _json(response)
    assert state["pipelineName"] == "release"
    approve = next(s for s in state["stageStates"] if s["stageName"] == "Approve")
    assert approve["actionStates"][0]["latestExecution"]["status"] == "InProgress"


@pytest.mark.parametrize(
    ("body", "status"), [('{"name": "release"}', 200), ('{"name": "nope"}', 400)]
)
def test_each_reply_carries_a_uuid_request_id(
    post: Post, create_pipeline: Callable[..., Declaration], body: str, status: int
) -> None:
    create_pipeline()

    response = post(f"{PREFIX}GetPipeline", body)

    assert response.status_code == status
    assert re.fullmatch(UUID, response.headers["x-amzn-RequestId"])


def test_a_plain_http_request_answers_an_approval(post: Post, pending: dict[str, str]) -> None:
    response = post(f"{PREFIX}PutApprovalResult", json.dumps({**pending, "result": APPROVE}))

    assert response.status_code == 200
    assert isinstance(_json(response)["approvedAt"], float)


def test_operations_moto_serves_reply_with_the_json_content_type(
    post: Post, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    response = post(f"{PREFIX}ListPipelines", "{}")

    assert response.status_code == 200
    assert [p["name"] for p in _json(response)["pipelines"]] == ["release"]


GET_STATE = f"{PREFIX}GetPipelineState"


@pytest.mark.parametrize(
    ("target", "body", "status", "error_type", "message"),
    [
        pytest.param(
            GET_STATE,
            json.dumps({"name": "missing"}),
            400,
            "PipelineNotFoundException",
            "Account '123456789012' does not have a pipeline with name 'missing'",
            id="unknown-pipeline",
        ),
        pytest.param(
            GET_STATE,
            "{not json",
            400,
            "SerializationException",
            "The request body is not valid JSON.",
            id="malformed-json",
        ),
        pytest.param(
            GET_STATE,
            "[]",
            400,
            "SerializationException",
            "The request body must be a JSON object.",
            id="json-that-is-not-an-object",
        ),
        pytest.param(
            GET_STATE,
            "{}",
            400,
            "ValidationException",
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
            "Member must not be null",
            id="missing-required-member",
        ),
        pytest.param(
            None,
            "{}",
            400,
            "UnknownOperationException",
            "Unknown operation: the X-Amz-Target header is missing; "
            "expected 'CodePipeline_20150709.<Operation>'.",
            id="missing-target",
        ),
        pytest.param(
            f"{PREFIX}Frobnicate",
            "{}",
            400,
            "UnknownOperationException",
            "Unknown operation: X-Amz-Target 'CodePipeline_20150709.Frobnicate' names no "
            "CodePipeline operation; expected 'CodePipeline_20150709.<Operation>'.",
            id="unknown-operation",
        ),
        pytest.param(
            "StepFunctions_20161123.GetPipelineState",
            "{}",
            400,
            "UnknownOperationException",
            "Unknown operation: X-Amz-Target 'StepFunctions_20161123.GetPipelineState' names no "
            "CodePipeline operation; expected 'CodePipeline_20150709.<Operation>'.",
            id="another-service-prefix",
        ),
    ],
)
def test_errors_are_json_with_a_type_and_a_message(
    post: Post, target: str | None, body: str, status: int, error_type: str, message: str
) -> None:
    response = post(target, body)

    assert response.status_code == status
    assert _json(response) == {"__type": error_type, "message": message}


def test_a_modeled_operation_the_emulator_does_not_serve_answers_501(
    post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every modeled operation may be served some day: take one away to see the answer.
    monkeypatch.setattr(ApprovalsCodePipelineResponse, "get_job_details", None)
    body = json.dumps({"jobId": "0c35520a-b7e6-403d-ba3f-e02120b524c3"})

    response = post(f"{PREFIX}GetJobDetails", body)

    assert response.status_code == 501
    assert _json(response) == {
        "__type": "NotImplemented",
        "message": "CodePipeline operation GetJobDetails is not emulated by moto-approvals; "
        "see the README for the operations it serves.",
    }
