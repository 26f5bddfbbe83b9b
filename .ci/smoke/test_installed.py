"""Smoke test of an installed wheel, run by .ci/run from a directory outside the repository.

The CLI (version, serve, one signed call, stop), the console and its API as the installed
package serves them, ``py.typed``, the pytest fixture and the decorator.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.metadata import version
from pathlib import Path

import boto3
import pytest

import moto_approvals
from moto_approvals import mock_approvals

SCRIPT = str(Path(sys.executable).with_name("moto-approvals"))
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def create_release() -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST))
    boto3.client("codepipeline", region_name="us-east-1").create_pipeline(
        pipeline={
            "name": "release",
            "roleArn": role["Role"]["Arn"],
            "artifactStore": {"type": "S3", "location": "artifacts"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {
                            "name": "Fetch",
                            "actionTypeId": {
                                "category": "Source",
                                "owner": "AWS",
                                "provider": "S3",
                                "version": "1",
                            },
                            "configuration": {"S3Bucket": "src", "S3ObjectKey": "app.zip"},
                            "outputArtifacts": [{"name": "App"}],
                        }
                    ],
                },
                {
                    "name": "Approve",
                    "actions": [
                        {
                            "name": "ManualApproval",
                            "actionTypeId": {
                                "category": "Approval",
                                "owner": "AWS",
                                "provider": "Manual",
                                "version": "1",
                            },
                        }
                    ],
                },
            ],
        }
    )


def test_the_wheel_is_what_is_imported() -> None:
    assert moto_approvals.__file__ is not None
    assert Path(moto_approvals.__file__).is_relative_to(sys.prefix)


def test_the_cli_reports_the_package_version() -> None:
    done = subprocess.run([SCRIPT, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout == f"moto-approvals {version('moto-approvals')}\n"
    assert version("moto-approvals") == moto_approvals.__version__


@contextmanager
def serving(log: Path) -> Iterator[str]:
    """``moto-approvals serve`` on a free port; yields its URL, then stops it cleanly."""
    with log.open("wb") as out:
        server = subprocess.Popen([SCRIPT, "serve", "-p", "0"], stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"listening on (http://\S+) ", log.read_text())):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield found[1]
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0, log.read_text()


def test_serve_answers_a_signed_codepipeline_call(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serving(log) as url:
        codepipeline = boto3.client(
            "codepipeline",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        with pytest.raises(codepipeline.exceptions.PipelineNotFoundException):
            codepipeline.get_pipeline_state(name="release")  # moto alone has no GetPipelineState
    assert "CodePipeline.GetPipelineState 400" in log.read_text()


def test_serve_serves_the_console_from_the_installed_package(tmp_path: Path) -> None:
    static = resources.files("moto_approvals").joinpath("static")
    with serving(tmp_path / "serve.log") as url:
        for name, media_type in [
            ("", "text/html"),
            ("console.js", "javascript"),
            ("console.css", "text/css"),
        ]:
            with urllib.request.urlopen(f"{url}/approvals/{name}") as reply:
                assert media_type in reply.headers["Content-Type"], name
                assert reply.read() == static.joinpath(name or "index.html").read_bytes()
        with urllib.request.urlopen(f"{url}/approvals/api/backends") as reply:
            assert json.loads(reply.read())["backends"] == []


def test_the_package_is_marked_typed() -> None:
    assert resources.files("moto_approvals").joinpath("py.typed").is_file()


def test_the_fixture_yields_the_handle(approvals_mock: moto_approvals.Approvals) -> None:
    create_release()
    [pending] = approvals_mock.pending_approvals("release")
    assert pending.stage_name == "Approve"


@mock_approvals
def test_the_decorator_mocks_codepipeline_approvals() -> None:
    create_release()
    assert len(moto_approvals.approvals().pending_approvals("release")) == 1
