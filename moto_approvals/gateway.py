"""What ``moto-approvals serve`` adds in front of moto's server: the console and its API.

A WSGI middleware around moto's ``DomainDispatcherApplication``:

- ``/approvals/`` serves the console, static files shipped in the package (no build step, no
  CDN), and ``/approvals/api/`` the control API (:mod:`moto_approvals.control`);
- ``/moto-api/data.json`` (which moto's dashboard reads) gains the emulator's state under
  ``codepipeline``: moto only lists objects of its own model classes there;
- everything else is moto's, untouched.

With ``console_url`` set (``--console-links``), approval messages sent while it answers a
request link to this console instead of AWS's (:func:`~moto_approvals.notifications.console_links`).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from werkzeug.wrappers import Request, Response

from moto_approvals import control
from moto_approvals.notifications import console_links

CONSOLE_PATH = "/approvals/"
DATA_PATH = "/moto-api/data.json"
#: Static files of the console, by the name they are served under.
STATIC_FILES = ("index.html", "console.js", "console.css")
#: The console's own content only: no inline script, nothing fetched from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def static_file(name: str) -> bytes:
    return resources.files("moto_approvals").joinpath("static").joinpath(name).read_bytes()


def _console(request: Request) -> Response:
    path = request.path
    if path == CONSOLE_PATH.rstrip("/"):
        return Response(status=308, headers={"Location": CONSOLE_PATH})
    name = path[len(CONSOLE_PATH) :] or "index.html"
    if name not in STATIC_FILES or request.method not in ("GET", "HEAD"):
        return Response("Not found", status=404, content_type="text/plain")
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(static_file(name), mimetype=mimetype, headers=SECURITY_HEADERS)


class ConsoleGateway:
    """The console, the control API and an augmented ``data.json`` in front of moto's app."""

    def __init__(self, moto_app: WSGIApp, console_url: str | None = None) -> None:
        self.moto_app = moto_app
        #: The address the console's links start with, or None for AWS's console links.
        self.console_url = console_url

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        # moto's Flask app runs the whole operation inside this call, announcements included.
        with console_links(self.console_url):
            return self._dispatch(environ, start_response)

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = str(environ.get("PATH_INFO") or "")
        if path.startswith(control.PREFIX + "/") or path == control.PREFIX:
            response = control.handle(Request(environ))
        elif path.startswith(CONSOLE_PATH) or path == CONSOLE_PATH.rstrip("/"):
            response = _console(Request(environ))
        elif path == DATA_PATH and environ.get("REQUEST_METHOD") == "GET":
            response = self._data(environ)
        else:
            return self.moto_app(environ, start_response)
        return response(environ, start_response)

    def _data(self, environ: dict[str, Any]) -> Response:
        moto_reply = Response.from_app(self.moto_app, environ)
        try:
            data = json.loads(moto_reply.get_data(as_text=True))
        except ValueError:
            return moto_reply  # not what moto sends: pass it on as it is
        service = data.setdefault("codepipeline", {})
        state = control.model_data()
        service.update(state)
        # moto's own pipeline objects (5.2.4+) list executions it never ran: show ours.
        by_pipeline: dict[tuple[str, str, str], dict[str, Any]] = {}
        for execution in state["PipelineExecution"]:
            key = (execution["accountId"], execution["region"], execution["pipelineName"])
            by_pipeline.setdefault(key, {})[execution["pipelineExecutionId"]] = execution
        for pipeline in service.get("CodePipeline", []):
            arn = str((pipeline.get("metadata") or {}).get("pipelineArn", ""))
            parts = arn.split(":", 5)
            if len(parts) == 6 and isinstance(pipeline, dict):
                pipeline["executions"] = by_pipeline.get((parts[4], parts[3], parts[5]), {})
        return Response(
            json.dumps(data), status=moto_reply.status_code, content_type=moto_reply.content_type
        )
