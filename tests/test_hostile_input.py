"""Hostile requests get modeled 4xx answers in JSON 1.1, in-process and over HTTP.

Raw bodies are sent with ``requests`` (caught by moto's mock in-process, SigV4-signed against
the server), so nothing botocore would refuse to send is out of reach.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections.abc import Callable
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from pipelines import Client, CreatePipeline, approval_stage, deploy_stage, source_stage
from test_http import AWS_URL, JSON_11, PREFIX, _signed

from moto_approvals import Approvals
from moto_approvals.models import ApprovalsBackend
from moto_approvals.request_body import MAX_BODY_BYTES
from moto_approvals.validation import ECHO_LIMIT

Send = Callable[..., requests.Response]

NOT_JSON = {"__type": "SerializationException", "message": "The request body is not valid JSON."}
NOT_UTF8 = {"__type": "SerializationException", "message": "The request body is not valid UTF-8."}


@pytest.fixture
def send(mode: str, approvals: Approvals, request: pytest.FixtureRequest) -> Send:
    """POST raw bytes to an operation, with extra headers, in the current mode."""
    server = request.getfixturevalue("moto_server") if mode == "server" else None
    url = AWS_URL if server is None else f"{server}/"

    def post(operation: str, body: bytes, **headers: str) -> requests.Response:
        sent = {"Content-Type": JSON_11, "X-Amz-Target": PREFIX + operation, **headers}
        if server is not None:
            sent = _signed(url, body.decode("latin-1"), sent)
        return requests.post(url, headers=sent, data=body, timeout=60)

    return post


def answer(response: requests.Response) -> tuple[int, dict[str, Any]]:
    assert response.headers["Content-Type"] == JSON_11
    body: dict[str, Any] = response.json()
    return response.status_code, body


def test_json_nested_a_thousand_deep_is_a_serialization_error(send: Send) -> None:
    # Whether Python's parser recurses out at this depth depends on its version; either way
    # the member is not the string the model wants.
    body = b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}"

    status, reply = answer(send("GetPipelineState", body))

    assert (status, reply["__type"]) == (400, "SerializationException")


def test_json_nested_deeper_than_python_recurses_is_a_serialization_error(send: Send) -> None:
    body = b'{"a":' * 100_000 + b"1" + b"}" * 100_000

    assert answer(send("GetPipelineState", body)) == (400, NOT_JSON)


def test_a_body_with_invalid_utf8_is_a_serialization_error(send: Send) -> None:
    assert answer(send("GetPipelineState", b'{"name": "\xff\xfe"}')) == (400, NOT_UTF8)


def test_a_utf16_body_is_a_serialization_error(send: Send) -> None:
    body = json.dumps({"name": "release"}).encode("utf-16")

    assert answer(send("GetPipelineState", body)) == (400, NOT_UTF8)


def test_nan_is_not_json(send: Send) -> None:
    body = b'{"pipelineName": "release", "maxResults": NaN}'

    assert answer(send("ListPipelineExecutions", body)) == (400, NOT_JSON)


def test_a_number_past_the_integer_range_is_a_serialization_error(send: Send) -> None:
    body = json.dumps({"pipelineName": "release", "maxResults": 2**31}).encode()

    assert answer(send("ListPipelineExecutions", body)) == (
        400,
        {
            "__type": "SerializationException",
            "message": "Number at 'maxResults' is out of range of integer",
        },
    )


def test_a_next_token_that_decodes_to_deep_json_is_an_invalid_token(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    token = base64.urlsafe_b64encode(b"[" * 1500).decode()[:2048]

    with pytest.raises(ClientError) as err:
        codepipeline.list_pipeline_executions(pipelineName="release", nextToken=token)

    assert err.value.response["Error"]["Code"] == "InvalidNextTokenException"
    assert err.value.response["Error"]["Message"] == (
        "The next token was specified in an invalid format. Make sure that the next token you "
        "provide is the token returned by a previous call."
    )


def test_a_body_over_the_limit_is_refused_unread(send: Send) -> None:
    value = "x" * (20 * 1024 * 1024)
    body = json.dumps({"name": value}).encode()

    status, reply = answer(send("GetPipelineState", body))

    assert (status, reply["__type"]) == (413, "RequestEntityTooLargeException")
    assert reply["message"] == (
        f"The request body of {len(body)} bytes is larger than the {MAX_BODY_BYTES} bytes accepted."
    )


def test_a_gzip_body_that_inflates_past_the_limit_is_refused(send: Send) -> None:
    deflate = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    chunk = b" " * (1024 * 1024)
    bomb = b"".join(deflate.compress(chunk) for _ in range(200)) + deflate.flush()
    assert len(bomb) < 300_000  # 200 MB once inflated

    status, reply = answer(send("GetPipelineState", bomb, **{"Content-Encoding": "gzip"}))

    assert (status, reply["__type"]) == (413, "RequestEntityTooLargeException")
    assert reply["message"] == (
        f"The request body inflates to more than the {MAX_BODY_BYTES} bytes accepted."
    )


def test_a_gzip_body_within_the_limit_is_read(send: Send, create_pipeline: CreatePipeline) -> None:
    create_pipeline()
    body = gzip.compress(json.dumps({"name": "release"}).encode())

    status, reply = answer(send("GetPipelineState", body, **{"Content-Encoding": "gzip"}))

    assert (status, reply["pipelineName"]) == (200, "release")


def test_a_long_value_is_cut_in_the_message(send: Send) -> None:
    value = "x" * (5 * 1024 * 1024)

    status, reply = answer(send("GetPipelineState", json.dumps({"name": value}).encode()))

    assert (status, reply["__type"]) == (400, "ValidationException")
    assert reply["message"] == (
        f"1 validation error detected: Value '{'x' * ECHO_LIMIT}...' at 'name' failed to "
        "satisfy constraint: Member must have length less than or equal to 100"
    )


def test_a_message_lists_ten_problems_and_counts_the_rest(send: Send) -> None:
    body = json.dumps({"pipelineName": "release", "variables": [None] * 12})

    status, reply = answer(send("StartPipelineExecution", body.encode()))

    assert status == 400
    assert reply["message"].startswith("13 validation errors detected: ")
    assert reply["message"].endswith("; and 3 more")


def test_moto_own_errors_are_json_11(send: Send) -> None:
    response = send("GetPipeline", json.dumps({"name": "missing"}).encode())

    assert answer(response) == (
        400,
        {
            "__type": "PipelineNotFoundException",
            "message": "Account '123456789012' does not have a pipeline with name 'missing'",
        },
    )


def test_a_region_that_does_not_exist_is_refused(mode: str, approvals: Approvals) -> None:
    if mode == "server":
        pytest.skip("the server reads the region from the signature, which botocore checks")
    response = requests.post(
        "https://codepipeline.xx-nowhere-9.amazonaws.com/",
        headers={"Content-Type": JSON_11, "X-Amz-Target": f"{PREFIX}ListPipelines"},
        data=b"{}",
        timeout=30,
    )

    assert answer(response) == (
        400,
        {
            "__type": "InvalidSignatureException",
            "message": "Credential should be scoped to a valid region.",
        },
    )


# -- null members: Coral refuses them in lists and maps ------------------------------------


def null_at(path: str) -> str:
    return (
        f"1 validation error detected: Value null at '{path}' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_a_null_stage_is_refused_and_nothing_is_created(
    send: Send, codepipeline: Client, role_arn: str
) -> None:
    pipeline = {
        "name": "release",
        "roleArn": role_arn,
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": [source_stage(), None, deploy_stage()],
    }

    status, reply = answer(send("CreatePipeline", json.dumps({"pipeline": pipeline}).encode()))

    assert (status, reply) == (
        400,
        {"__type": "ValidationException", "message": null_at("pipeline.stages.2.member")},
    )
    assert codepipeline.list_pipelines()["pipelines"] == []


@pytest.mark.parametrize(
    ("stages", "path"),
    [
        pytest.param(
            [source_stage(), {"name": "Approve", "actions": [None]}, deploy_stage()],
            "pipeline.stages.2.member.actions.1.member",
            id="action",
        ),
        pytest.param(
            [
                source_stage(),
                approval_stage(configuration={"CustomData": None}),
                deploy_stage(),
            ],
            "pipeline.stages.2.member.actions.1.member.configuration.CustomData",
            id="configuration-value",
        ),
    ],
)
def test_a_null_inside_a_declaration_is_refused(
    send: Send, role_arn: str, stages: list[Any], path: str
) -> None:
    pipeline = {
        "name": "release",
        "roleArn": role_arn,
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": stages,
    }

    status, reply = answer(send("UpdatePipeline", json.dumps({"pipeline": pipeline}).encode()))

    assert (status, reply) == (400, {"__type": "ValidationException", "message": null_at(path)})


@pytest.mark.parametrize(
    ("operation", "body", "path"),
    [
        pytest.param(
            "StartPipelineExecution",
            {"name": "release", "variables": [None]},
            "variables.1.member",
            id="variables",
        ),
        pytest.param(
            "TagResource",
            {"resourceArn": "arn:aws:codepipeline:us-east-1:123456789012:release", "tags": [None]},
            "tags.1.member",
            id="tags",
        ),
        pytest.param(
            "UntagResource",
            {
                "resourceArn": "arn:aws:codepipeline:us-east-1:123456789012:release",
                "tagKeys": [None],
            },
            "tagKeys.1.member",
            id="tag-keys",
        ),
    ],
)
def test_a_null_list_member_is_refused(
    send: Send, create_pipeline: CreatePipeline, operation: str, body: Any, path: str
) -> None:
    create_pipeline()

    status, reply = answer(send(operation, json.dumps(body).encode()))

    assert (status, reply) == (400, {"__type": "ValidationException", "message": null_at(path)})


def test_unknown_members_are_ignored_and_not_stored(
    send: Send, codepipeline: Client, role_arn: str
) -> None:
    pipeline = {
        "name": "release",
        "roleArn": role_arn,
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": [{**source_stage(), "colour": "blue"}, approval_stage(), deploy_stage()],
        "nested": [[[[[[[[[[[]]]]]]]]]]],
    }

    status, _ = answer(send("CreatePipeline", json.dumps({"pipeline": pipeline}).encode()))

    assert status == 200
    stored = codepipeline.get_pipeline(name="release")["pipeline"]
    assert "nested" not in stored
    assert "colour" not in stored["stages"][0]


def test_a_fault_in_the_emulator_is_a_json_internal_failure(
    send: Send, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(ApprovalsBackend, "get_pipeline_state", broken)

    response = send("GetPipelineState", json.dumps({"name": "release"}).encode())

    assert answer(response) == (
        500,
        {
            "__type": "InternalFailure",
            "message": "moto-approvals failed with RuntimeError; the emulator's log has the "
            "traceback.",
        },
    )
    assert "CodePipeline GetPipelineState failed inside moto-approvals" in caplog.text
