"""The control API: the emulator's state and the test-side controls, as JSON over HTTP.

Served under ``/approvals/api/`` by ``moto-approvals serve`` and ``running_server`` (see
:mod:`moto_approvals.gateway`), per account and region:
``/approvals/api/<account>/<region>/pipelines/<name>/...``. It is what the console page reads
and what the :class:`~moto_approvals.mock.Approvals` handle speaks in server mode.

A thin layer, as ``responses`` is: it parses, calls the backend (answers and stops go through
the same backend methods as PutApprovalResult and StopPipelineExecution, validated against the
same botocore shapes), and serializes. Errors are JSON ``{"__type": ..., "message": ...}``:
CodePipeline's modeled errors with their status, the handle's lookup errors
(``PipelineNotFoundError``...) with 404, and misuse (``ValueError``) with 400. Whatever the
path names and does not exist (account, region, pipeline, stage, action, execution) is a 404,
CodePipeline's ``...NotFoundException`` included; a method a route does not take is a 405.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from moto_approvals import wire
from moto_approvals.action_type_service import action_links, hide_secrets
from moto_approvals.domain import (
    ActionBehaviour,
    ApprovalStatus,
    PendingApproval,
    PendingJob,
    PipelineExecution,
    RetryMode,
    TransitionType,
)
from moto_approvals.exceptions import CodePipelineError, ValidationException
from moto_approvals.mock import DEFAULT_REGION, Approvals, current_account_id
from moto_approvals.models import ApprovalsBackend, approvals_backends
from moto_approvals.remote import process_identity
from moto_approvals.validation import validate_input

PREFIX = "/approvals/api"
PIPELINE = f"{PREFIX}/<account>/<region>/pipelines/<name>"
#: Who answers, stops and retries from the console or the API (``lastUpdatedBy``, events).
CONSOLE_ROLE = "assumed-role/moto-approvals/console"

Json = dict[str, Any]
Handler = Callable[..., Json]


class AccountNotFoundError(LookupError):
    """The path names no account: an AWS account ID is 12 digits."""


class RegionNotFoundError(LookupError):
    """The path names a region moto does not know for CodePipeline."""


def _error(status: int, error_type: str, message: str) -> Response:
    body = json.dumps({"__type": error_type, "message": message})
    return Response(body, status=status, content_type="application/json")


def _handle(account: str, region: str) -> Approvals:
    """The in-process handle on the account and region of the path, both checked."""
    try:
        handle = Approvals.in_process(account, region)
    except ValueError:
        raise AccountNotFoundError(
            f"{account!r} is not an AWS account ID: expected 12 digits."
        ) from None
    if region not in approvals_backends[account]:
        raise RegionNotFoundError(f"{region!r} is not a region moto knows for CodePipeline.")
    return handle


def _backend(account: str, region: str) -> ApprovalsBackend:
    _handle(account, region)
    backend: ApprovalsBackend = approvals_backends[account][region]
    return backend


def _body(request: Request, operation: str | None = None, **params: Any) -> Json:
    """The JSON body, with the path's parameters, checked against an operation's input."""
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise ValueError("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ValueError("The request body must be a JSON object.")
    body.update(params)
    return validate_input(operation, body) if operation else body


#: How a member of a body that is not an operation's input is described when of another kind.
_KINDS: dict[type, str] = {bool: "true or false", str: "a string", list: "a list of strings"}


def _typed(params: Json, **kinds: type) -> Json:
    """``params``, each member named in ``kinds`` checked to be absent, null or of its kind
    (``list``: of strings), so that what the handle gets is what it takes.

    Raises:
        ValueError: a member of another kind.
    """
    for key, kind in kinds.items():
        value = params.get(key)
        fits = isinstance(value, kind) and (
            not isinstance(value, list) or all(isinstance(item, str) for item in value)
        )
        if value is not None and not fits:
            raise ValueError(f"{key} must be {_KINDS[kind]}.")
    return params


def _caller(backend: ApprovalsBackend) -> str:
    return f"arn:{backend.catalog.partition}:sts::{backend.account_id}:{CONSOLE_ROLE}"


def _pending_run(pending: PendingApproval | PendingJob) -> Json:
    """Where a waiting run is: what pending approvals and pending jobs both say."""
    return {
        "pipelineName": pending.pipeline_name,
        "stageName": pending.stage_name,
        "actionName": pending.action_name,
        "pipelineExecutionId": pending.pipeline_execution_id,
        "actionExecutionId": pending.action_execution_id,
    }


def pending_approval(pending: PendingApproval) -> Json:
    return {
        **_pending_run(pending),
        "token": pending.token,
        "expiresAt": pending.expires_at.isoformat(),
    }


def pending_job(pending: PendingJob) -> Json:
    return {
        **_pending_run(pending),
        "jobId": pending.job_id,
        "event": pending.event,
    }


def _execution(execution: PipelineExecution) -> Json:
    """GetPipelineExecution's view with ListPipelineExecutions' times and stop trigger."""
    return {**wire.pipeline_execution(execution), **wire.pipeline_execution_summary(execution)}


def _pending(backend: ApprovalsBackend, name: str) -> list[Json]:
    return [pending_approval(p) for p in backend.pending_approvals(name)]


# -- reads -----------------------------------------------------------------------------------


def backends(request: Request) -> Json:
    """Every account and region holding pipelines, and the defaults to start from."""
    found = []
    for account_id, regions in sorted(dict.items(approvals_backends)):
        for region, backend in sorted(dict.items(regions)):
            if backend.catalog.records:
                found.append(
                    {
                        "accountId": account_id,
                        "region": region,
                        "pipelines": len(backend.catalog.records),
                    }
                )
    return {
        "defaultAccountId": current_account_id(),
        "defaultRegion": DEFAULT_REGION,
        "backends": found,
    }


def pipelines(request: Request, account: str, region: str) -> Json:
    backend = _backend(account, region)
    listed = []
    with backend.lock:
        for record in backend.list_pipelines():
            executions = backend.list_pipeline_executions(record.name)
            listed.append(
                {
                    "name": record.name,
                    "version": record.version,
                    "updated": wire.timestamp(record.updated),
                    "latestExecution": (
                        wire.pipeline_execution_summary(executions[0]) if executions else None
                    ),
                    "pendingApprovals": len(backend.pending_approvals(record.name)),
                }
            )
    return {"accountId": account, "region": region, "pipelines": listed}


def pipeline(request: Request, account: str, region: str, name: str) -> Json:
    """What the console draws: declaration, GetPipelineState, executions, pending answers."""
    backend = _backend(account, region)
    with backend.lock:
        record, runtime = backend.get_pipeline_state(name)
        return {
            "accountId": account,
            "region": region,
            "pipeline": hide_secrets(backend.action_types, record.current),
            "state": wire.pipeline_state(
                record, runtime, action_links(backend.action_types, runtime)
            ),
            "executions": [_execution(e) for e in backend.list_pipeline_executions(name)],
            "pendingApprovals": _pending(backend, name),
            "behaviours": _behaviours(backend, name),
        }


def pending_approvals(request: Request, account: str, region: str, name: str) -> Json:
    handle = _handle(account, region)
    return {"pendingApprovals": [pending_approval(p) for p in handle.pending_approvals(name)]}


def pending_jobs(request: Request, account: str, region: str, name: str) -> Json:
    handle = _handle(account, region)
    return {"pendingJobs": [pending_job(p) for p in handle.pending_jobs(name)]}


def process(request: Request, account: str, region: str) -> Json:
    """Which process serves: a handle in the same one may register Lambda handlers."""
    return {"processId": process_identity()}


def _behaviours(backend: ApprovalsBackend, name: str) -> list[Json]:
    steered = backend.runtime(name).steered.behaviours
    return [
        {"stageName": stage, "actionName": action, "behaviour": behaviour.value}
        for (stage, action), behaviour in sorted(steered.items())
    ]


def behaviours(request: Request, account: str, region: str, name: str) -> Json:
    backend = _backend(account, region)
    with backend.lock:
        return {"behaviours": _behaviours(backend, name)}


# -- actions ---------------------------------------------------------------------------------


def put_approval_result(request: Request, account: str, region: str, name: str) -> Json:
    """PutApprovalResult's input and checks, the console's identity as the caller."""
    backend = _backend(account, region)
    params = _body(request, "PutApprovalResult", pipelineName=name)
    approved_at = backend.put_approval_result(
        name,
        params["stageName"],
        params["actionName"],
        ApprovalStatus(params["result"]["status"]),
        params["result"]["summary"],
        params["token"],
        _caller(backend),
    )
    return {"approvedAt": wire.timestamp(approved_at)}


def stop(request: Request, account: str, region: str, name: str, execution_id: str) -> Json:
    backend = _backend(account, region)
    params = _body(
        request, "StopPipelineExecution", pipelineName=name, pipelineExecutionId=execution_id
    )
    execution = backend.stop_pipeline_execution(
        name, execution_id, bool(params.get("abandon", False)), params.get("reason")
    )
    return {"pipelineExecutionId": execution.pipeline_execution_id}


def retry(request: Request, account: str, region: str, name: str, stage: str) -> Json:
    backend = _backend(account, region)
    params = _body(request, "RetryStageExecution", pipelineName=name, stageName=stage)
    execution = backend.retry_stage_execution(
        name, stage, params["pipelineExecutionId"], RetryMode(params["retryMode"])
    )
    return {"pipelineExecutionId": execution.pipeline_execution_id}


def transition(request: Request, account: str, region: str, name: str, stage: str) -> Json:
    """EnableStageTransition, or DisableStageTransition with ``"enabled": false``."""
    backend = _backend(account, region)
    raw = _body(request)
    enabled = raw.pop("enabled", True)
    if not isinstance(enabled, bool):
        raise ValidationException("enabled must be true or false.")
    operation = "EnableStageTransition" if enabled else "DisableStageTransition"
    if enabled:
        raw.pop("reason", None)  # EnableStageTransition takes none
    params = validate_input(operation, {**raw, "pipelineName": name, "stageName": stage})
    backend.set_stage_transition(
        name,
        stage,
        TransitionType(params["transitionType"]),
        enabled,
        params.get("reason"),
        _caller(backend),
    )
    return {}


def set_behaviour(
    request: Request, account: str, region: str, name: str, stage: str, action: str
) -> Json:
    behaviour = _body(request).get("behaviour")
    choices = [b.value for b in ActionBehaviour]
    if behaviour not in choices:
        raise ValueError(f"behaviour must be one of {', '.join(choices)}, got {behaviour!r}.")
    handle = _handle(account, region)
    setter = {
        ActionBehaviour.FAIL: handle.fail_action,
        ActionBehaviour.HOLD: handle.hold_action,
        ActionBehaviour.SUCCEED: handle.succeed_action,
    }[ActionBehaviour(behaviour)]
    setter(name, stage, action)
    return {}


def complete(
    request: Request, account: str, region: str, name: str, stage: str, action: str
) -> Json:
    params = _typed(_body(request), succeeded=bool, summary=str, pipelineExecutionId=str)
    succeeded = params.get("succeeded", True) is not False
    summary, execution_id = params.get("summary"), params.get("pipelineExecutionId")
    handle = _handle(account, region)
    done = handle.complete_action(
        name,
        stage,
        action,
        succeeded=succeeded,
        summary=summary,
        pipeline_execution_id=execution_id,
    )
    return {"completed": done}


def set_rule_result(
    request: Request, account: str, region: str, name: str, stage: str, rule: str
) -> Json:
    """The handle's ``set_rule_result``: ``{"result": "SUCCEEDED" | "FAILED" | "IN_PROGRESS"}``."""
    result = _typed(_body(request), result=str).get("result")
    _handle(account, region).set_rule_result(name, stage, rule, str(result or ""))
    return {}


_GIT_EVENT = {"filePaths": list, "commitId": str, "commitMessage": str, "actionName": str}


def push(request: Request, account: str, region: str, name: str) -> Json:
    params = _typed(_body(request), branch=str, tags=list, **_GIT_EVENT)
    started = _handle(account, region).push(
        name,
        branch=params.get("branch"),
        tags=params.get("tags", ()),
        file_paths=params.get("filePaths", ()),
        commit_id=params.get("commitId"),
        commit_message=params.get("commitMessage"),
        action_name=params.get("actionName"),
    )
    return {"pipelineExecutionId": started}


def pull_request(request: Request, account: str, region: str, name: str) -> Json:
    kinds = {"event": str, "sourceBranch": str, "destinationBranch": str, **_GIT_EVENT}
    params = _typed(_body(request), **kinds)
    started = _handle(account, region).pull_request(
        name,
        event=params.get("event") or "OPEN",
        # Absent branches fail the handle's own check, as in-process.
        source_branch=params.get("sourceBranch") or "",
        destination_branch=params.get("destinationBranch") or "",
        file_paths=params.get("filePaths") or (),
        commit_id=params.get("commitId"),
        commit_message=params.get("commitMessage"),
        action_name=params.get("actionName"),
    )
    return {"pipelineExecutionId": started}


#: Every route: method, path under ``PREFIX`` (``PIPELINE`` for a pipeline's), handler. A
#: handler takes the request and the path's parts by name and returns the reply's JSON object.
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", f"{PREFIX}/backends", backends),
    ("GET", f"{PREFIX}/<account>/<region>/process", process),
    ("GET", f"{PREFIX}/<account>/<region>/pipelines", pipelines),
    ("GET", PIPELINE, pipeline),
    ("GET", f"{PIPELINE}/approvals", pending_approvals),
    ("POST", f"{PIPELINE}/approvals", put_approval_result),
    ("GET", f"{PIPELINE}/jobs", pending_jobs),
    ("POST", f"{PIPELINE}/executions/<execution_id>/stop", stop),
    ("POST", f"{PIPELINE}/stages/<stage>/retry", retry),
    ("POST", f"{PIPELINE}/stages/<stage>/transition", transition),
    ("PUT", f"{PIPELINE}/stages/<stage>/rules/<rule>/result", set_rule_result),
    ("GET", f"{PIPELINE}/behaviours", behaviours),
    ("PUT", f"{PIPELINE}/stages/<stage>/actions/<action>/behaviour", set_behaviour),
    ("POST", f"{PIPELINE}/stages/<stage>/actions/<action>/complete", complete),
    ("POST", f"{PIPELINE}/git/push", push),
    ("POST", f"{PIPELINE}/git/pull-request", pull_request),
    ("GET", f"{PIPELINE}/jobs", pending_jobs),
    ("GET", f"{PREFIX}/<account>/<region>/process", process),
]
_MAP = Map(
    [Rule(path, endpoint=handler, methods=[method]) for method, path, handler in ROUTES],
    strict_slashes=False,
)


def handle(request: Request) -> Response:
    """Answer one control API request; never raises."""
    try:
        handler, arguments = _MAP.bind_to_environ(request.environ).match()
        try:
            reply = handler(request, **arguments)
        finally:
            _invoke_due(arguments)
    except CodePipelineError as error:  # first: moto's errors are werkzeug HTTPExceptions too
        # What the path names and does not exist is a 404, as elsewhere in this API.
        missing = error.error_type.endswith("NotFoundException")
        return _error(404 if missing else error.code, error.error_type, error.message)
    except MethodNotAllowed as error:
        response = _error(405, "MethodNotAllowed", f"{request.method} is not allowed here.")
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods or []))
        return response
    except HTTPException as error:  # no route
        return _error(error.code or 404, type(error).__name__, error.description or "")
    except LookupError as error:  # the handle's and the path's "no such ..."
        return _error(404, type(error).__name__, str(error))
    except ValueError as error:
        return _error(400, "ValueError", str(error))
    return Response(json.dumps(reply), content_type="application/json")


def _invoke_due(arguments: Mapping[str, Any]) -> None:
    """Run the Lambda handlers a control call made due (an answer that moved an execution)."""
    # dict.get: only backends that exist (moto's BackendDict makes one on any lookup).
    every: dict[str, Any] = approvals_backends
    regions: dict[str, ApprovalsBackend] = every.get(arguments.get("account", "")) or {}
    backend = dict.get(regions, arguments.get("region", ""))
    if backend is not None:
        backend.jobs.invoke_due()


def model_data() -> dict[str, list[Json]]:
    """The emulator's state for moto's ``/moto-api/data.json``, one list per kind."""
    executions: list[Json] = []
    approvals: list[Json] = []
    for account_id, regions in sorted(dict.items(approvals_backends)):
        for region, backend in sorted(dict.items(regions)):
            with backend.lock:
                for record in backend.list_pipelines():
                    where = {"accountId": account_id, "region": region}
                    for execution in backend.list_pipeline_executions(record.name):
                        executions.append({**where, **_execution(execution)})
                    for pending in _pending(backend, record.name):
                        approvals.append({**where, **pending})
    return {"PipelineExecution": executions, "PendingApproval": approvals}
