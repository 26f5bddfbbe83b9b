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
import ipaddress
import os
import re
import signal
import socket
import ssl
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, NoReturn

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from moto_approvals import __version__
from moto_approvals.models import HISTORY_LIMIT_VARIABLE
from moto_approvals.wiring import install

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
PROG = "moto-approvals"
HELP_OPTIONS = ("-h", "--help", "--version")
#: ``--console-links``/``console_links``: True for this server's own address, or the base URL
#: the console is reached at (through a proxy, or a container's published port).
ConsoleLinks = bool | str
#: ``CodePipeline_20150709.PutApprovalResult`` -> service ``CodePipeline``, operation after the dot.
_TARGET = re.compile(r"(?P<service>[A-Za-z0-9]+?)(?:_\d{8})?\.(?P<operation>\w+)")


def create_app(console_url: str | None = None) -> Any:
    """moto's WSGI application for all services, with the CodePipeline emulator installed,
    the console at ``/approvals/`` and its control API at ``/approvals/api/``.

    With ``console_url``, approval messages link to the console at that address.

    Raises:
        ImportError: moto's server extra (Flask) is not installed.
    """
    install()  # before the dispatcher builds its (cached) CodePipeline app
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from moto_approvals.gateway import ConsoleGateway

    return ConsoleGateway(DomainDispatcherApplication(create_backend_app), console_url)


def console_base_url(value: str) -> str:
    """``value`` checked as the base of console links: an http(s) URL with a host and no
    query or fragment, returned without a trailing slash.

    Raises:
        ValueError: it is not one.
    """
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"invalid console address {value!r}: expected an http(s) URL such as "
            "http://localhost:5000, without query or fragment"
        )
    return value.rstrip("/")


def _operation(handler: WSGIRequestHandler) -> str | None:
    """``CodePipeline.PutApprovalResult`` for a JSON-protocol request, from ``X-Amz-Target``."""
    headers = getattr(handler, "headers", None)  # absent when the request line was bad
    found = _TARGET.fullmatch(headers.get("X-Amz-Target", "")) if headers is not None else None
    return f"{found['service']}.{found['operation']}" if found else None


def _request_handler(log_requests: bool) -> type[WSGIRequestHandler]:
    """moto_server's request handler, logging each request by its operation, or only errors."""
    from moto.moto_server import werkzeug_app

    # Newer moto's handler keeps underscores in header names (S3 metadata), as moto_server does.
    base: type[WSGIRequestHandler] = getattr(werkzeug_app, "MotoRequestHandler", WSGIRequestHandler)

    class RequestHandler(base):  # type: ignore[misc,valid-type]  # base chosen at run time
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if not log_requests:
                return
            operation = _operation(self)
            if operation is None:
                super().log_request(code, size)  # as moto_server logs it: method, path, status
            else:
                self.log("info", "%s %s", operation, code)

    return RequestHandler


def _bind(
    host: str,
    port: int,
    log_requests: bool = True,
    ssl_context: Any = None,
    console_links: ConsoleLinks = False,
) -> BaseWSGIServer:
    """A threaded server listening on host:port (port 0: a free one), not yet serving.

    ``ssl_context`` is werkzeug's: ``"adhoc"``, a ``(certificate, key)`` pair of paths, or None.
    ``console_links``: see :func:`running_server`.

    Raises:
        OSError: the address cannot be bound. The socket is bound here because werkzeug,
            binding it itself, prints the error and calls ``sys.exit``.
    """
    if isinstance(console_links, str):
        console_base_url(console_links)  # a bad address raises before anything is bound
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as werkzeug chooses
    app = create_app()
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
        listener.bind((host, port))
        listener.listen(socket.SOMAXCONN)
        # werkzeug duplicates the descriptor; this one is closed on leaving the block.
        server = make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=_request_handler(log_requests),
            ssl_context=ssl_context,
            fd=listener.fileno(),
        )
    app.console_url = _console_url(server, console_links)  # after binding: port 0 is known now
    return server


def _console_url(server: BaseWSGIServer, console_links: ConsoleLinks) -> str | None:
    if isinstance(console_links, str):
        return console_base_url(console_links)
    return endpoint_url(server) if console_links else None


def _url(server: BaseWSGIServer, host: str) -> str:
    scheme = "http" if server.ssl_context is None else "https"
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{server.server_address[1]}"


def endpoint_url(server: BaseWSGIServer) -> str:
    """The ``http://host:port`` clients use; a wildcard bind is reached through loopback."""
    host = str(server.server_address[0])
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return _url(server, host)


@contextmanager
def running_server(
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    log_requests: bool = False,
    console_links: ConsoleLinks = False,
) -> Iterator[str]:
    """Run a moto server with the emulator in a background thread; yield its endpoint URL.

    ``port=0`` picks a free port; ``log_requests=True`` logs one line per request, as
    ``moto-approvals serve`` does. ``console_links=True`` makes the ``consoleLink`` and
    ``approvalReviewLink`` of approval messages sent while the server answers a request point
    at its console instead of AWS's; a URL string puts that address in front instead of the
    server's own. The server lives in this process, so the :class:`Approvals`
    handle and freezegun reach it too. It stops when the ``with`` block exits::

        with running_server() as url:
            client = boto3.client("codepipeline", endpoint_url=url, region_name="us-east-1")

    Raises:
        OSError: the address cannot be bound (the port is taken, say), at once.
        ValueError: ``console_links`` is a string that is not an http(s) URL.
    """
    # Bound here, in the caller's thread, so a busy port raises now instead of hanging.
    server = _bind(host, port, log_requests, console_links=console_links)
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


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: str,
    port: int,
    *,
    log_requests: bool = True,
    ssl_context: Any = None,
    console_links: ConsoleLinks = False,
) -> None:
    """Serve in the foreground until SIGINT or SIGTERM.

    Prints the address it is bound to (and, when that is not loopback, a warning: the emulator
    has no authentication), then one line per request unless ``log_requests`` is false.
    ``console_links``: see :func:`running_server`.
    """
    server = _bind(host, port, log_requests, ssl_context, console_links)
    # moto's own server does the same: services that call back into moto (Lambda, Batch,
    # CloudFormation custom resources) build the endpoint from MOTO_PORT.
    os.environ.setdefault("MOTO_PORT", str(server.server_address[1]))
    bound = str(server.server_address[0])
    print(
        f"moto-approvals: moto server with CodePipeline approvals listening on "
        f"{_url(server, bound)} (POST /moto-api/reset clears all state; Ctrl+C stops)",
        flush=True,
    )
    console_url = _console_url(server, console_links)
    if console_url is not None:
        print(f"{PROG}: approval messages link to the console at {console_url}/approvals/")
    sys.stdout.flush()
    if not _is_loopback(bound):
        print(
            f"{PROG}: warning: {bound} is reachable from other machines and the emulator has "
            "no authentication: anyone who reaches it can read and change every pipeline and "
            f"approval (from this machine: {endpoint_url(server)})",
            file=sys.stderr,
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


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line, naming the ``--help`` to read."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _port(value: str) -> int:
    """A TCP port number, 0 to 65535 (0 picks a free one)."""
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {value!r}: expected a number from 0 to 65535 (0 picks a free port)"
        )
    return port


def _host(value: str) -> str:
    if not value or value != value.strip() or "/" in value:
        raise argparse.ArgumentTypeError(
            f"invalid host {value!r}: expected an address such as 127.0.0.1, 0.0.0.0 or ::1"
        )
    return value


def _console_links(value: str) -> str:
    try:
        return console_base_url(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="moto with AWS CodePipeline executions and manual approvals. "
        f"'{PROG} -p 5000' is short for '{PROG} serve -p 5000', as with moto_server.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_parser = commands.add_parser(
        "serve",
        help="run a moto server (all moto services plus CodePipeline approvals)",
        description="Run a moto server with every moto service and the CodePipeline emulator. "
        "Point any AWS SDK or the AWS CLI at it with --endpoint-url. It has no authentication: "
        "keep it on 127.0.0.1 unless other machines must reach it.",
    )
    serve_parser.add_argument(
        "-H",
        "--host",
        type=_host,
        default=DEFAULT_HOST,
        help="address to bind (default: %(default)s)",
    )
    serve_parser.add_argument(
        "-p",
        "--port",
        type=_port,
        default=None,
        help=f"port to listen on; 0 picks a free one (default: $MOTO_PORT, else {DEFAULT_PORT})",
    )
    serve_parser.add_argument(
        "--history-limit",
        type=_history_limit,
        metavar="N",
        help="keep at most N executions per pipeline, dropping the oldest finished ones "
        f"(default: ${HISTORY_LIMIT_VARIABLE}, else all)",
    )
    serve_parser.add_argument(
        "-q", "--quiet", action="store_true", help="log errors only, not one line per request"
    )
    serve_parser.add_argument(
        "-s",
        "--ssl",
        action="store_true",
        help="serve https with a generated self-signed certificate (clients must not verify it)",
    )
    serve_parser.add_argument(
        "-c",
        "--ssl-cert",
        metavar="PATH",
        help="serve https with this certificate (with --ssl-key)",
    )
    serve_parser.add_argument(
        "-k", "--ssl-key", metavar="PATH", help="the certificate's private key (with --ssl-cert)"
    )
    serve_parser.add_argument(
        "--console-links",
        nargs="?",
        const=True,
        default=False,
        type=_console_links,
        metavar="URL",
        help="make the consoleLink and approvalReviewLink of approval messages (SNS) open this "
        "server's console at /approvals/ instead of AWS's; URL is the address people reach the "
        "server at, when not its own (a container's published port, say)",
    )
    return parser


def _usage_error(message: str) -> NoReturn:
    sys.stderr.write(f"{PROG} serve: error: {message} (see {PROG} serve --help)\n")
    raise SystemExit(2)


def _ssl_context(args: argparse.Namespace) -> Any:
    if bool(args.ssl_cert) != bool(args.ssl_key):
        _usage_error("--ssl-cert and --ssl-key go together")
    if args.ssl_cert:
        for path in (args.ssl_cert, args.ssl_key):
            if not os.path.isfile(path):
                _usage_error(f"no such file: {path}")
        return (args.ssl_cert, args.ssl_key)
    return "adhoc" if args.ssl else None


def _history_limit(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number of executions: {value!r}")
    return int(value)


def _default_port() -> int:
    value = os.environ.get("MOTO_PORT")
    if value is None:
        return DEFAULT_PORT
    try:
        return _port(value)
    except argparse.ArgumentTypeError as err:
        _usage_error(f"MOTO_PORT: {err}")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``moto-approvals`` console script."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments and arguments[0].startswith("-") and arguments[0] not in HELP_OPTIONS:
        arguments.insert(0, "serve")  # moto_server's habit: options alone mean serve
    parser = build_parser()
    args = parser.parse_args(arguments)
    if args.command == "serve":
        port = _default_port() if args.port is None else args.port
        if args.history_limit is not None:
            os.environ[HISTORY_LIMIT_VARIABLE] = str(args.history_limit)
        ssl_context = _ssl_context(args)
        try:
            serve(
                args.host,
                port,
                log_requests=not args.quiet,
                ssl_context=ssl_context,
                console_links=args.console_links,
            )
        except ImportError as err:
            parser.exit(
                1,
                f"{PROG}: the server needs moto's server extra ({err}); "
                'install it with: pip install "moto-approvals[server]"\n',
            )
        except ssl.SSLError as err:
            parser.exit(1, f"{PROG}: cannot use the certificate and key: {err}\n")
        except OSError as err:
            reason = err.strerror or str(err)
            parser.exit(1, f"{PROG}: cannot listen on {args.host}:{port}: {reason}\n")


if __name__ == "__main__":
    main()
