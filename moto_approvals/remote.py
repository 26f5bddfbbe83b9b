"""The :class:`~moto_approvals.handle.Approvals` handle's server mode: the control API over HTTP.

Used when the handle is given a server's URL, and under moto's ``TEST_SERVER_MODE=true``
(the server at ``TEST_SERVER_MODE_ENDPOINT``, default ``http://localhost:5000``, moto's
convention). The standard library's ``urllib`` carries the requests: moto's in-process mock
intercepts ``requests``, and the handle must reach the real server past it.
"""

from __future__ import annotations

import datetime
import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

from moto_approvals.domain import PendingApproval, PendingJob

#: moto's switches for running ``mock_aws`` tests against a server.
SERVER_MODE_VARIABLE = "TEST_SERVER_MODE"
ENDPOINT_VARIABLE = "TEST_SERVER_MODE_ENDPOINT"
DEFAULT_ENDPOINT = "http://localhost:5000"
TIMEOUT = 30.0  # seconds


#: Drawn once per interpreter; with the pid, it tells a server in this process from others.
_INTERPRETER = uuid.uuid4().hex


def process_identity() -> str:
    """This process, as the control API reports it (a fork gets a new pid, so a new one)."""
    return f"{os.getpid()}-{_INTERPRETER}"


def server_mode_endpoint() -> str | None:
    """The server ``mock_aws`` tests run against, when moto's server mode is on."""
    if os.environ.get(SERVER_MODE_VARIABLE, "").lower() != "true":
        return None
    return os.environ.get(ENDPOINT_VARIABLE) or DEFAULT_ENDPOINT


class ControlAPIError(Exception):
    """An answer of the control API other than success: its ``__type`` and message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")


class RemoteControl:
    """The control API of one server, for one account and region."""

    def __init__(self, endpoint_url: str, account_id: str, region_name: str) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self._base = f"{self.endpoint_url}/approvals/api/{_quote(account_id)}/{_quote(region_name)}"
        # moto-approvals serve --ssl has a self-signed certificate, as moto_server's has.
        self._context = (
            ssl._create_unverified_context() if endpoint_url.startswith("https") else None
        )

    def call(self, method: str, path: list[str], body: dict[str, Any] | None = None) -> Any:
        """The decoded reply of ``method`` on the pipeline path ``path``.

        Raises:
            ControlAPIError: the API answered an error.
            OSError: the server cannot be reached.
        """
        url = "/".join([self._base, *(_quote(p) for p in path)])
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT, context=self._context) as reply:
                return json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as error:
            with error:
                text = error.read().decode("utf-8", "replace")
            try:
                found = json.loads(text)
                raise ControlAPIError(str(found["__type"]), str(found["message"])) from None
            except (ValueError, KeyError, TypeError):
                raise ControlAPIError(
                    "HTTPError", f"{method} {url} answered {error.code}: {text[:200]}"
                ) from None

    def pending_approvals(self, pipeline_name: str) -> list[PendingApproval]:
        reply = self.call("GET", ["pipelines", pipeline_name, "approvals"])
        return [
            PendingApproval(
                **_pending_run(p),
                token=p["token"],
                expires_at=datetime.datetime.fromisoformat(p["expiresAt"]),
            )
            for p in reply["pendingApprovals"]
        ]

    def pending_jobs(self, pipeline_name: str) -> list[PendingJob]:
        reply = self.call("GET", ["pipelines", pipeline_name, "jobs"])
        return [
            PendingJob(
                **_pending_run(j),
                job_id=j["jobId"],
                event=j["event"],
            )
            for j in reply["pendingJobs"]
        ]

    def process_identity(self) -> str:
        """The server's process (see :func:`process_identity`)."""
        reply = self.call("GET", ["process"])
        return str(reply["processId"])

    def set_behaviour(self, pipeline: str, stage: str, action: str, behaviour: str) -> None:
        path = ["pipelines", pipeline, "stages", stage, "actions", action, "behaviour"]
        self.call("PUT", path, {"behaviour": behaviour})

    def complete_action(
        self,
        pipeline: str,
        stage: str,
        action: str,
        succeeded: bool,
        summary: str | None,
        pipeline_execution_id: str | None,
    ) -> int:
        path = ["pipelines", pipeline, "stages", stage, "actions", action, "complete"]
        body = {
            "succeeded": succeeded,
            "summary": summary,
            "pipelineExecutionId": pipeline_execution_id,
        }
        reply = self.call("POST", path, body)
        return int(reply["completed"])

    def set_rule_result(self, pipeline: str, stage: str, rule: str, result: str) -> None:
        self.call(
            "PUT",
            ["pipelines", pipeline, "stages", stage, "rules", rule, "result"],
            {"result": result},
        )

    def git_event(self, pipeline: str, kind: str, body: dict[str, Any]) -> str | None:
        reply = self.call("POST", ["pipelines", pipeline, "git", kind], body)
        started = reply.get("pipelineExecutionId")
        return None if started is None else str(started)


def _pending_run(entry: dict[str, Any]) -> dict[str, str]:
    """Where a waiting run is, from a pending approval's or a pending job's JSON."""
    return {
        "pipeline_name": entry["pipelineName"],
        "stage_name": entry["stageName"],
        "action_name": entry["actionName"],
        "pipeline_execution_id": entry["pipelineExecutionId"],
        "action_execution_id": entry["actionExecutionId"],
    }
