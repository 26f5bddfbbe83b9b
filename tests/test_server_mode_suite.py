"""The suite's approval tests run unchanged under moto's TEST_SERVER_MODE.

tests/test_put_approval_result.py runs in a child pytest with ``TEST_SERVER_MODE=true`` against
a ``running_server`` of this process: its in-process variants then talk to the server (moto
points boto3 at it, the ``Approvals`` handle goes through the control API). Its ``server``
variants already use their own server, so only the ``in_process`` ones are selected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from moto_approvals.server import running_server

TESTS = Path(__file__).resolve().parent


@pytest.mark.server
def test_put_approval_result_tests_pass_under_test_server_mode(tmp_path: Path) -> None:
    with running_server() as url:
        env = {**os.environ, "TEST_SERVER_MODE": "true", "TEST_SERVER_MODE_ENDPOINT": url}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                "-k",
                "in_process",
                str(TESTS / "test_put_approval_result.py"),
            ],
            cwd=TESTS.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
