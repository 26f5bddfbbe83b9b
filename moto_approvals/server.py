"""``moto-approvals serve``: moto's server, every moto service plus the CodePipeline emulator.

moto's own ``moto_server`` does not import plugins, and moto builds each service's Flask app
lazily, once per server, from the URL table that :func:`~moto_approvals.wiring.install`
patches. So the emulator is installed before the server exists; after that the server is
moto's own (``DomainDispatcherApplication`` + ``create_backend_app``), with its
``/moto-api`` endpoints (``POST /moto-api/reset`` clears every backend, approvals included).

Needs moto's server extra (Flask): ``pip install "moto-approvals[server]"``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from moto_approvals.wiring import install

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def create_app() -> Any:
    """moto's WSGI application for all services, with the CodePipeline emulator installed.

    Raises:
        ImportError: moto's server extra (Flask) is not installed.
    """
    install()  # before the dispatcher builds its (cached) CodePipeline app
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


class _QuietRequestHandler(WSGIRequestHandler):
    """Logs errors only, not one line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _bind(host: str, port: int, log_requests: bool = True) -> BaseWSGIServer:
    """A threaded server listening on host:port (port 0: a free one), not yet serving.

    Raises:
        OSError: the address cannot be bound. The socket is bound here because werkzeug,
            binding it itself, prints the error and calls ``sys.exit``.
    """
    handler = WSGIRequestHandler if log_requests else _QuietRequestHandler
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as werkzeug chooses
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
        listener.bind((host, port))
        listener.listen(socket.SOMAXCONN)
        # werkzeug duplicates the descriptor; this one is closed on leaving the block.
        return make_server(
            host, port, create_app(), threaded=True, request_handler=handler, fd=listener.fileno()
        )


def endpoint_url(server: BaseWSGIServer) -> str:
    """The ``http://host:port`` clients use; a wildcard bind is reached through loopback."""
    host, port = server.server_address[:2]
    host = str(host)
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@contextmanager
def running_server(
    host: str = DEFAULT_HOST, port: int = 0, *, log_requests: bool = False
) -> Iterator[str]:
    """Run a moto server with the emulator in a background thread; yield its endpoint URL.

    ``port=0`` picks a free port; ``log_requests=True`` logs one line per request, as
    ``moto-approvals serve`` does. The server lives in this process, so the :class:`Approvals`
    handle and freezegun reach it too. It stops when the ``with`` block exits::

        with running_server() as url:
            client = boto3.client("codepipeline", endpoint_url=url, region_name="us-east-1")

    Raises:
        OSError: the address cannot be bound (the port is taken, say), at once.
    """
    # Bound here, in the caller's thread, so a busy port raises now instead of hanging.
    server = _bind(host, port, log_requests)
    thread = threading.Thread(
        target=server.serve_forever, name=f"moto-approvals {endpoint_url(server)}", daemon=True
    )
    thread.start()
    try:
        yield endpoint_url(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(host: str, port: int) -> None:
    """Serve in the foreground until SIGINT or SIGTERM."""
    server = _bind(host, port)
    # moto's own server does the same: services that call back into moto (Lambda, Batch,
    # CloudFormation custom resources) build the endpoint from MOTO_PORT.
    os.environ.setdefault("MOTO_PORT", str(server.server_address[1]))
    print(
        f"moto-approvals: moto server with CodePipeline approvals listening on "
        f"{endpoint_url(server)} (POST /moto-api/reset clears all state; Ctrl+C stops)",
        flush=True,
    )
    # Both set explicitly (as moto's server does): a shell starting a background job makes it
    # ignore SIGINT, and Python's default SIGTERM would skip closing the socket.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, _exit_quietly)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moto-approvals",
        description="moto with AWS CodePipeline executions and manual approvals.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_parser = commands.add_parser(
        "serve",
        help="run a moto server (all moto services plus CodePipeline approvals)",
        description="Run a moto server with every moto service and the CodePipeline emulator. "
        "Point any AWS SDK or the AWS CLI at it with --endpoint-url.",
    )
    serve_parser.add_argument(
        "-H", "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)"
    )
    serve_parser.add_argument(
        "-p",
        "--port",
        type=int,
        default=int(os.environ.get("MOTO_PORT", DEFAULT_PORT)),
        help=f"port to listen on; 0 picks a free one (default: $MOTO_PORT, else {DEFAULT_PORT})",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``moto-approvals`` console script."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "serve":
        try:
            serve(args.host, args.port)
        except ImportError as err:
            parser.exit(
                1,
                f"moto-approvals: the server needs moto's server extra ({err}); "
                'install it with: pip install "moto-approvals[server]"\n',
            )
        except OSError as err:
            parser.exit(
                1, f"moto-approvals: cannot listen on {args.host}:{args.port}: {err.strerror}\n"
            )


if __name__ == "__main__":
    main()
