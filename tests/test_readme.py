"""The README's code runs as printed, on a machine with no AWS configuration.

Each Python block runs in its own process (under pytest when it defines tests) and the AWS CLI
walk-through runs in bash against a server, all with a clean environment: no ``AWS_*`` or
``MOTO_*`` variables and ``HOME`` an empty directory. A block preceded by an HTML comment
``<!-- readme-test: skip (why) -->`` is not run (a fragment, or an install from PyPI).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from moto_approvals.server import DEFAULT_PORT, running_server

README = Path(__file__).resolve().parents[1] / "README.md"
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\b.*?-->\s*\Z")
FENCE = re.compile(r"^```(?P<language>\w*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
TIMEOUT = 300.0  # seconds; under load a block that starts a server takes a while


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int  # where the block starts in the README, for the test id
    skipped: bool


def readme_blocks() -> list[Block]:
    text = README.read_text()
    return [
        Block(
            language=found["language"],
            code=found["code"],
            line=text.count("\n", 0, found.start()) + 1,
            skipped=bool(SKIP.search(text[: found.start()])),
        )
        for found in FENCE.finditer(text)
    ]


def blocks(language: str) -> list[Block]:
    return [b for b in readme_blocks() if b.language == language and not b.skipped]


def clean_environment(home: Path) -> dict[str, str]:
    """What a fresh machine has: this interpreter's scripts on PATH, and nothing AWS."""
    scripts = str(Path(sys.executable).parent)
    return {"PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")]), "HOME": str(home)}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    empty = tmp_path / "home"
    empty.mkdir()
    return empty


def run(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=clean_environment(home),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.mark.parametrize("block", blocks("python"), ids=lambda b: f"line-{b.line}")
def test_python_block_runs_as_printed(block: Block, tmp_path: Path, home: Path) -> None:
    if "def test_" in block.code:
        (tmp_path / "test_readme_block.py").write_text(block.code)
        done = run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
            tmp_path,
            home,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert re.search(r"\b\d+ passed\b", done.stdout), done.stdout
    else:
        (tmp_path / "readme_block.py").write_text(block.code)
        done = run([sys.executable, "readme_block.py"], tmp_path, home)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("block", blocks("bash"), ids=lambda b: f"line-{b.line}")
def test_bash_block_runs_as_printed(block: Block, tmp_path: Path, home: Path) -> None:
    """Against a server on a free port: the one place the printed text is changed."""
    printed = f"http://127.0.0.1:{DEFAULT_PORT}"
    assert printed in block.code
    with running_server() as url:
        script = "set -euo pipefail\n" + block.code.replace(printed, url)
        done = run(["bash", "-c", script], tmp_path, home)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Succeeded" in done.stdout.splitlines()


def test_the_readme_has_blocks_of_each_kind_to_run() -> None:
    assert len(blocks("python")) >= 3
    assert len(blocks("bash")) >= 1
    assert all("..." not in b.code for b in blocks("python")), "mark fragments as skipped"
