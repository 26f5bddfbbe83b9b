"""The ``moto-approvals`` command as people type it: version, options, errors, logs, https.

Errors are one line on stderr, never a traceback. Servers started here bind 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import boto3
import pytest
from pipelines import REGION

import moto_approvals
from moto_approvals import server
from moto_approvals.server import main

SCRIPT = str(Path(sys.executable).with_name("moto-approvals"))
STARTUP_DEADLINE = 60.0  # seconds; importing moto and botocore's models takes a few
STOP_DEADLINE = 10.0
BANNER = re.compile(r"listening on (?P<url>https?://[\d.]+:\d+) ")
PORT_HELP = "expected a number from 0 to 65535 (0 picks a free port)"


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script, to completion, with ``env`` added to this environment."""
    environ = {k: v for k, v in os.environ.items() if k != "MOTO_PORT"} | env
    return subprocess.run(
        [SCRIPT, *args], env=environ, capture_output=True, text=True, timeout=120, check=False
    )


@contextmanager
def serving(log: Path, *args: str) -> Iterator[str]:
    """The console script serving with ``args`` in the background; yields the URL it announces."""
    env = {k: v for k, v in os.environ.items() if k != "MOTO_PORT"}
    with log.open("wb") as out:
        process = subprocess.Popen([SCRIPT, *args], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while not (found := BANNER.search(log.read_text(errors="replace"))):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"moto-approvals {' '.join(args)} did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield found["url"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_DEADLINE)


def client(service: str, url: str, **options: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **options,
    )


def list_pipelines(url: str, **options: Any) -> list[Any]:
    """One signed CodePipeline call, retried while the server finishes starting."""
    deadline = time.monotonic() + STARTUP_DEADLINE
    while True:
        try:
            pipelines: list[Any] = client("codepipeline", url, **options).list_pipelines()[
                "pipelines"
            ]
            return pipelines
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# -- version ----------------------------------------------------------------------------------


def test_version_is_the_package_version() -> None:
    done = run("--version")

    assert done.returncode == 0
    assert done.stdout == f"moto-approvals {moto_approvals.__version__}\n"
    assert moto_approvals.__version__ == version("moto-approvals")


# -- one-line errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "-p", "70000"], f"argument -p/--port: invalid port '70000': {PORT_HELP}"),
        (["serve", "-p", "abc"], f"argument -p/--port: invalid port 'abc': {PORT_HELP}"),
        (["serve", "--port=-1"], f"argument -p/--port: invalid port '-1': {PORT_HELP}"),
        (
            ["serve", "-H", ""],
            "argument -H/--host: invalid host '': expected an address such as 127.0.0.1, "
            "0.0.0.0 or ::1",
        ),
        (["serve", "--ssl-cert", "cert.pem"], "--ssl-cert and --ssl-key go together"),
        (["-p", "70000"], f"argument -p/--port: invalid port '70000': {PORT_HELP}"),
        (
            ["serve", "--console-links", "localhost:5000"],
            "argument --console-links: invalid console address 'localhost:5000': expected an "
            "http(s) URL such as http://localhost:5000, without query or fragment",
        ),
    ],
    ids=[
        "port-too-big",
        "port-not-a-number",
        "port-negative",
        "empty-host",
        "cert-alone",
        "bare",
        "console-address",
    ],
)
def test_a_bad_option_is_a_one_line_error(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)

    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        f"moto-approvals serve: error: {message} (see moto-approvals serve --help)\n"
    )


def test_a_port_out_of_range_fails_without_a_traceback() -> None:
    done = run("serve", "-p", "70000")

    assert done.returncode == 2
    assert done.stderr == (
        "moto-approvals serve: error: argument -p/--port: invalid port '70000': "
        f"{PORT_HELP} (see moto-approvals serve --help)\n"
    )


def test_a_bad_moto_port_fails_serve_with_one_line() -> None:
    done = run("serve", MOTO_PORT="abc")

    assert done.returncode == 2
    assert done.stderr == (
        f"moto-approvals serve: error: MOTO_PORT: invalid port 'abc': {PORT_HELP} "
        "(see moto-approvals serve --help)\n"
    )


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"]], ids=["main", "serve"])
def test_a_bad_moto_port_does_not_break_help(args: list[str]) -> None:
    done = run(*args, MOTO_PORT="abc")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: moto-approvals")
    assert done.stderr == ""


def test_an_unreadable_certificate_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")

    with pytest.raises(SystemExit) as exited:
        main(
            ["serve", "-p", "0", "-c", str(tmp_path / "cert.pem"), "-k", str(tmp_path / "key.pem")]
        )

    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("moto-approvals: cannot use the certificate and key: ")
    assert err.count("\n") == 1


# -- what serve prints --------------------------------------------------------------------------


class _WildcardServer:
    """Stands in for a server bound to every interface, so no test listens beyond loopback."""

    server_address = ("0.0.0.0", 5999)
    ssl_context = None

    def serve_forever(self) -> None:
        raise SystemExit(0)

    def server_close(self) -> None:
        pass


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    """serve() installs SIGINT and SIGTERM handlers; put pytest's back."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def test_a_wildcard_bind_prints_the_real_address_and_warns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], signal_handlers: None
) -> None:
    monkeypatch.setattr(server, "_bind", lambda *args, **kwargs: _WildcardServer())
    monkeypatch.setenv("MOTO_PORT", "5999")

    with pytest.raises(SystemExit):
        main(["serve", "-H", "0.0.0.0"])

    out, err = capsys.readouterr()
    assert out.splitlines()[0] == (
        "moto-approvals: moto server with CodePipeline approvals listening on "
        "http://0.0.0.0:5999 (POST /moto-api/reset clears all state; Ctrl+C stops)"
    )
    assert err == (
        "moto-approvals: warning: 0.0.0.0 is reachable from other machines and the emulator has "
        "no authentication: anyone who reaches it can read and change every pipeline and "
        "approval (from this machine: http://127.0.0.1:5999)\n"
    )


def test_console_links_are_announced_with_the_console_address(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with serving(log, "serve", "-p", "0", "--quiet", "--console-links") as url:
        list_pipelines(url)

    assert f"moto-approvals: approval messages link to the console at {url}/approvals/" in (
        log.read_text().splitlines()
    )


def test_a_loopback_bind_does_not_warn(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with serving(log, "serve", "-p", "0", "--quiet") as url:
        list_pipelines(url)
    assert "warning" not in log.read_text()


# -- the access log -----------------------------------------------------------------------------


def test_the_access_log_names_each_operation(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with serving(log, "serve", "-p", "0") as url:
        list_pipelines(url)
        client("s3", url).list_buckets()

    lines = log.read_text().splitlines()
    assert any(line.endswith("] CodePipeline.ListPipelines 200") for line in lines), lines
    assert any(line.endswith('] "GET / HTTP/1.1" 200 -') for line in lines), lines  # S3


def test_quiet_logs_no_requests(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with serving(log, "serve", "-p", "0", "--quiet") as url:
        list_pipelines(url)
        client("s3", url).list_buckets()

    assert "ListPipelines" not in log.read_text()
    assert "GET /" not in log.read_text()


# -- moto_server's habits -----------------------------------------------------------------------


def test_options_alone_mean_serve(tmp_path: Path) -> None:
    with serving(tmp_path / "server.log", "-p", "0") as url:
        assert list_pipelines(url) == []


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_ssl_serves_https_with_a_generated_certificate(tmp_path: Path) -> None:
    with serving(tmp_path / "server.log", "serve", "-p", "0", "--ssl", "--quiet") as url:
        assert url.startswith("https://127.0.0.1:")
        assert list_pipelines(url, verify=False) == []


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_ssl_serves_https_with_a_given_certificate(tmp_path: Path) -> None:
    from werkzeug.serving import make_ssl_devcert

    cert, key = make_ssl_devcert(str(tmp_path / "dev"), host="127.0.0.1")
    args = ("serve", "-p", "0", "--ssl-cert", cert, "--ssl-key", key, "--quiet")
    with serving(tmp_path / "server.log", *args) as url:
        assert url.startswith("https://")
        assert list_pipelines(url, verify=False) == []
        host, port = url.removeprefix("https://").split(":")
        presented = ssl.get_server_certificate((host, int(port)))
    assert ssl.PEM_cert_to_DER_cert(presented) == ssl.PEM_cert_to_DER_cert(Path(cert).read_text())
