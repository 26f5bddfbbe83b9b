"""``moto-approvals serve`` as users run it: a separate process, driven by boto3 and the AWS CLI.

Also the in-process helper ``running_server`` and the command line's own errors.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from pipelines import (
    APPROVE,
    REGION,
    TRUST_POLICY,
    Client,
    approval_token,
    declaration,
    stage_state,
)

from moto_approvals import Approvals
from moto_approvals.server import main, running_server

ROOT = Path(__file__).resolve().parents[1]
STARTUP_DEADLINE = 60.0  # seconds; importing moto and botocore's models takes a few
STOP_DEADLINE = 10.0
CLI_TIMEOUT = 120.0
BANNER = re.compile(r"moto-approvals: .* listening on (?P<url>http://[\d.]+:\d+) ")

Server = subprocess.Popen[bytes]


# -- the console script in a subprocess -------------------------------------------------------


def _wait_for_banner(process: Server, log: Path) -> str:
    """The URL the server announces; port 0 lets it pick a free port without a race."""
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        found = BANNER.search(log.read_text(errors="replace"))
        if found:
            return found["url"]
        if process.poll() is not None:
            pytest.fail(f"moto-approvals exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.05)
    pytest.fail(f"moto-approvals announced no URL in {STARTUP_DEADLINE}s:\n{log.read_text()}")


def _wait_until_answering(url: str) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while True:
        try:
            requests.get(f"{url}/moto-api/", timeout=5)  # any HTTP answer will do
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _stop(process: Server) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_DEADLINE)


@contextmanager
def serving(log: Path) -> Iterator[tuple[Server, str]]:
    """``python -m moto_approvals.server serve -p 0``; yields the process and its URL."""
    env = {k: v for k, v in os.environ.items() if k != "MOTO_PORT"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto_approvals.server", "serve", "-p", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        url = _wait_for_banner(process, log)
        _wait_until_answering(url)
        yield process, url
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def cli_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One ``moto-approvals serve`` process for this module; yields its URL."""
    with serving(tmp_path_factory.mktemp("server") / "server.log") as (_, url):
        yield url


@pytest.fixture
def endpoint(cli_server: str) -> Iterator[str]:
    """The server's URL, with the server reset before and after the test."""
    requests.post(f"{cli_server}/moto-api/reset", timeout=10).raise_for_status()
    yield cli_server
    requests.post(f"{cli_server}/moto-api/reset", timeout=10).raise_for_status()


def _client(service: str, url: str) -> Client:
    return boto3.client(service, endpoint_url=url, region_name=REGION)


def _create_release_pipeline(url: str) -> Client:
    """Role and default pipeline (Source → Approve → Deploy); returns a CodePipeline client."""
    iam = _client("iam", url)
    role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    codepipeline = _client("codepipeline", url)
    codepipeline.create_pipeline(pipeline=declaration(role["Role"]["Arn"]))
    return codepipeline


def _approve_and_check(codepipeline: Client) -> None:
    token = approval_token(codepipeline)
    answer = codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=APPROVE,
        token=token,
    )
    assert "approvedAt" in answer
    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "Succeeded"
    [execution] = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ]
    assert execution["status"] == "Succeeded"


def test_the_server_announces_where_it_listens(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with serving(log) as (_, url):
        first_line = log.read_text().splitlines()[0]
    assert first_line == (
        f"moto-approvals: moto server with CodePipeline approvals listening on {url} "
        "(POST /moto-api/reset clears all state; Ctrl+C stops)"
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_server_exits_cleanly_when_stopped(tmp_path: Path, stop_signal: int) -> None:
    log = tmp_path / "server.log"
    with serving(log) as (process, _):
        process.send_signal(stop_signal)
        assert process.wait(timeout=STOP_DEADLINE) == 0
    assert "Traceback" not in log.read_text()


def test_an_approval_flows_through_the_server(endpoint: str) -> None:
    _approve_and_check(_create_release_pipeline(endpoint))


def test_resetting_the_server_forgets_every_pipeline(endpoint: str) -> None:
    codepipeline = _create_release_pipeline(endpoint)

    reset = requests.post(f"{endpoint}/moto-api/reset", timeout=10)

    assert reset.status_code == 200
    with pytest.raises(ClientError) as err:
        codepipeline.get_pipeline_state(name="release")
    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert err.value.response["Error"]["Message"] == (
        "Account '123456789012' does not have a pipeline with name 'release'"
    )


# -- the AWS CLI ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """An environment for the AWS CLI that ignores the user's own configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
    )
    return env


def aws(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the AWS CLI (v1, the one on PyPI) from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "awscli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def aws_json(env: dict[str, str], endpoint: str, *args: str) -> dict[str, Any]:
    done = aws(env, *args, "--endpoint-url", endpoint, "--region", REGION, "--output", "json")
    assert done.returncode == 0, done.stderr
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def _answer_args(endpoint: str, token: str) -> list[str]:
    return [
        "codepipeline",
        "put-approval-result",
        "--pipeline-name",
        "release",
        "--stage-name",
        "Approve",
        "--action-name",
        "ManualApproval",
        "--result",
        "status=Approved,summary=ok",
        "--token",
        token,
        "--endpoint-url",
        endpoint,
        "--region",
        REGION,
        "--output",
        "json",
    ]


def _cli_token(state: dict[str, Any]) -> str:
    stage = next(s for s in state["stageStates"] if s["stageName"] == "Approve")
    return str(stage["actionStates"][0]["latestExecution"]["token"])


def test_the_aws_cli_shows_the_pending_approval(endpoint: str, cli_env: dict[str, str]) -> None:
    codepipeline = _create_release_pipeline(endpoint)

    state = aws_json(cli_env, endpoint, "codepipeline", "get-pipeline-state", "--name", "release")

    assert _cli_token(state) == approval_token(codepipeline)


def test_the_aws_cli_approves_a_pending_approval(endpoint: str, cli_env: dict[str, str]) -> None:
    codepipeline = _create_release_pipeline(endpoint)

    done = aws(cli_env, *_answer_args(endpoint, approval_token(codepipeline)))

    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(done.stdout)["approvedAt"], float)
    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "Succeeded"


def test_the_aws_cli_fails_on_a_second_answer(endpoint: str, cli_env: dict[str, str]) -> None:
    token = approval_token(_create_release_pipeline(endpoint))
    assert aws(cli_env, *_answer_args(endpoint, token)).returncode == 0

    done = aws(cli_env, *_answer_args(endpoint, token))

    assert done.returncode == 255  # AWS CLI v1: 255 for a service error (v2 uses 254)
    assert done.stderr.strip() == (
        "An error occurred (ApprovalAlreadyCompletedException) when calling the "
        "PutApprovalResult operation: The approval action has already been approved or rejected."
    )


def test_the_readme_quickstart_works(endpoint: str, cli_env: dict[str, str]) -> None:
    """The README's AWS CLI walk-through, command for command (endpoint from the environment)."""
    cli_env["AWS_ENDPOINT_URL"] = endpoint

    role = aws(
        cli_env,
        *("iam", "create-role", "--role-name", "pipeline"),
        *("--assume-role-policy-document", "file://examples/trust-policy.json"),
    )
    assert role.returncode == 0, role.stderr
    created = aws(
        cli_env, "codepipeline", "create-pipeline", "--pipeline", "file://examples/pipeline.json"
    )
    assert created.returncode == 0, created.stderr
    token = aws(
        cli_env,
        *("codepipeline", "get-pipeline-state", "--name", "release"),
        "--query",
        "stageStates[?stageName=='Approve'] | [0].actionStates[0].latestExecution.token",
        *("--output", "text"),
    )
    assert token.returncode == 0, token.stderr
    answer = aws(
        cli_env,
        *("codepipeline", "put-approval-result", "--pipeline-name", "release"),
        *("--stage-name", "Approve", "--action-name", "ManualApproval"),
        *("--result", "status=Approved,summary=Looks good", "--token", token.stdout.strip()),
    )
    assert answer.returncode == 0, answer.stderr
    status = aws(
        cli_env,
        *("codepipeline", "list-pipeline-executions", "--pipeline-name", "release"),
        *("--query", "pipelineExecutionSummaries[0].status", "--output", "text"),
    )
    assert status.returncode == 0, status.stderr
    assert status.stdout.strip() == "Succeeded"


# -- the command line's own errors ------------------------------------------------------------


def test_the_command_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err


def test_serving_on_a_taken_port_fails_with_a_clear_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exited:
            main(["serve", "-p", str(port)])
    assert exited.value.code == 1
    assert capsys.readouterr().err == (
        f"moto-approvals: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )


# -- running_server: the same server in a thread of this process ------------------------------


@pytest.fixture
def helper_url() -> Iterator[str]:
    with running_server() as url:
        try:
            yield url
        finally:
            requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()


def test_running_server_serves_the_emulator_on_a_free_port(helper_url: str) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", helper_url)
    _approve_and_check(_create_release_pipeline(helper_url))


def test_running_server_shares_the_approvals_handle(helper_url: str) -> None:
    codepipeline = _create_release_pipeline(helper_url)

    [pending] = Approvals().pending_approvals("release")

    assert pending.token == approval_token(codepipeline)


def test_running_server_stops_listening_at_exit() -> None:
    with running_server() as url:
        port = int(url.rsplit(":", 1)[1])
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))


def test_running_server_fails_at_once_on_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError), running_server(port=taken.getsockname()[1]):
            pytest.fail("the server started on a taken port")
