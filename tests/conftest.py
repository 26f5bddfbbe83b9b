"""Shared fixtures: every behaviour test runs in-process and against a moto server.

``codepipeline`` is parametrized over the two modes. In both, every successful response body
is checked against botocore's output shape before botocore parses it (unknown keys, types,
enums, lengths, patterns), so a test fails on a malformed response even if it never reads
the field. Clients a test builds itself with boto3 are checked the same way.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer
from pipelines import (
    REGION,
    TRUST_POLICY,
    Client,
    Declaration,
    approval_token,
    declaration,
    shape_checked,
)

from moto_approvals import Approvals, mock_approvals


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(autouse=True)
def _aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_PROFILE", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _shape_checked_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every codepipeline client boto3 makes during a test checks its replies' shapes."""
    make = boto3.session.Session.client

    def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Client:
        made = make(self, *args, **kwargs)
        service = args[0] if args else kwargs.get("service_name")
        return shape_checked(made) if service == "codepipeline" else made

    monkeypatch.setattr(boto3.session.Session, "client", client)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server with the emulator, on a free port of 127.0.0.1, for the whole session."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["in_process", "server"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def approvals(mode: str, request: pytest.FixtureRequest) -> Iterator[Approvals]:
    """The emulator, in-process or behind a server, fresh for each test; yields its handle."""
    if mode == "in_process":
        with mock_approvals() as handle:
            yield handle
        return
    url = request.getfixturevalue("moto_server")
    requests.post(f"{url}/moto-api/reset", timeout=10)
    yield Approvals()
    requests.post(f"{url}/moto-api/reset", timeout=10)


@pytest.fixture
def client_factory(mode: str, request: pytest.FixtureRequest) -> Callable[..., Client]:
    """boto3 clients for the current mode; codepipeline clients are shape-checked."""
    endpoint = request.getfixturevalue("moto_server") if mode == "server" else None

    def make(service: str, **kwargs: Any) -> Client:
        kwargs.setdefault("region_name", REGION)
        if endpoint is not None:
            kwargs.setdefault("endpoint_url", endpoint)
        client = boto3.client(service, **kwargs)
        return shape_checked(client) if service == "codepipeline" else client

    return make


@pytest.fixture
def codepipeline(approvals: Approvals, client_factory: Callable[..., Client]) -> Client:
    return client_factory("codepipeline")


@pytest.fixture
def role_arn(approvals: Approvals, client_factory: Callable[..., Client]) -> str:
    iam = client_factory("iam")
    role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    return str(role["Role"]["Arn"])


@pytest.fixture
def create_pipeline(codepipeline: Client, role_arn: str) -> Callable[..., Declaration]:
    """Create a pipeline (by default Source → Approve → Deploy); returns its declaration."""

    def create(
        name: str = "release", stages: list[Declaration] | None = None, **extra: Any
    ) -> Declaration:
        pipeline = declaration(role_arn, name, stages, **extra)
        codepipeline.create_pipeline(pipeline=pipeline)
        return pipeline

    return create


@pytest.fixture
def pending(create_pipeline: Callable[..., Declaration], codepipeline: Client) -> dict[str, str]:
    """The keyword arguments of PutApprovalResult for the default pipeline's pending approval."""
    create_pipeline()
    return {
        "pipelineName": "release",
        "stageName": "Approve",
        "actionName": "ManualApproval",
        "token": approval_token(codepipeline),
    }
