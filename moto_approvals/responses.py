"""The wire: read a request, validate it against botocore's model, call the backend, reply.

``ApprovalsCodePipelineResponse`` extends moto's ``CodePipelineResponse`` and overrides every
operation it serves: pipelines and tags come from the backend's catalog, executions from its
runtimes (replacing the instantly-succeeding executions moto >= 5.2.4 ships), so there is one
source of truth and every timestamp goes out as epoch seconds.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
import zlib
from typing import Any

from moto.codepipeline.responses import CodePipelineResponse
from moto.core.utils import camelcase_to_underscores
from moto.moto_api._internal import mock_random
from moto.sts.models import STSBackend, sts_backends
from werkzeug.exceptions import HTTPException

from moto_approvals import action_type_service, wire
from moto_approvals.action_types import type_key
from moto_approvals.authorization import authorize
from moto_approvals.catalog import sorted_tags
from moto_approvals.deploy_targets import list_deploy_action_execution_targets
from moto_approvals.domain import ApprovalStatus, ConditionType, RetryMode, TransitionType
from moto_approvals.exceptions import (
    JSON_CONTENT_TYPE,
    CodePipelineError,
    InternalFailure,
    InvalidSignatureException,
    NotImplementedByEmulator,
    RequestEntityTooLargeException,
    SerializationException,
    UnknownOperationException,
)
from moto_approvals.job_responses import JobResponses
from moto_approvals.models import ApprovalsBackend, approvals_backends
from moto_approvals.pagination import paginate, paginate_sorted
from moto_approvals.revisions import put_action_revision
from moto_approvals.rule_types import rule_types
from moto_approvals.validation import ECHO_LIMIT, service_model, validate_input
from moto_approvals.webhooks import webhook_item

# Later moto keeps one STS backend per partition ("aws", "aws-cn", ...); moto 5.0.0 keeps one
# per account, under "global", and has no get_partition.
try:
    from moto.utilities.utils import get_partition as _partition
except ImportError:

    def _partition(region: str) -> str:
        return "global"


# moto 5.0's STSBackend.get_caller_identity(access_key_id) later gained a region argument.
_CALLER_IDENTITY_TAKES_REGION = (
    len(inspect.signature(STSBackend.get_caller_identity).parameters) > 2
)

TARGET_PREFIX = "CodePipeline_20150709."
#: The most a request body may hold, as sent and once inflated (README, "Choices where AWS is
#: silent"): more is refused before it is read or decompressed.
MAX_BODY_BYTES = 10 * 1024 * 1024

_log = logging.getLogger("moto_approvals")


def _reject_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON (and AWS) does not.
    raise ValueError(f"{name} is not JSON")


def _too_large(size: str) -> RequestEntityTooLargeException:
    return RequestEntityTooLargeException(
        f"The request body {size} the {MAX_BODY_BYTES} bytes accepted."
    )


def _gunzip(data: bytes) -> bytes:
    """Inflate a gzip body, never past MAX_BODY_BYTES."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(data, MAX_BODY_BYTES + 1)
    except zlib.error:
        raise SerializationException("The request body is not valid gzip data.") from None
    if len(inflated) > MAX_BODY_BYTES:
        raise _too_large("inflates to more than")
    if not inflater.eof or inflater.unused_data:
        raise SerializationException("The request body is not valid gzip data.")
    return inflated


#: Page sizes when maxResults is not given (the model caps them at 1000 and 100).
LIST_PIPELINES_PAGE = 100
LIST_TAGS_PAGE = 100
#: ListActionTypes has no maxResults; AWS does not say how many types a page holds.
LIST_ACTION_TYPES_PAGE = 50


def _reply(data: dict[str, Any] | None = None) -> str:
    # A bare string is HTTP 200; _dispatch adds the JSON 1.1 content type to every reply.
    return json.dumps(data or {})


class ApprovalsCodePipelineResponse(JobResponses, CodePipelineResponse):
    """CodePipeline's JSON 1.1 API with executions and manual approvals."""

    @property
    def approvals_backend(self) -> ApprovalsBackend:
        backend: ApprovalsBackend = approvals_backends[self.current_account][self.region]
        return backend

    # -- protocol --------------------------------------------------------------------------

    def _dispatch(self, request: Any, full_url: Any = None, headers: Any = None) -> Any:
        self._operation = ""
        try:
            status, reply_headers, body = self._serve(request, full_url, headers)
        except CodePipelineError as error:
            status, reply_headers, body = error.code, dict(error.get_headers()), error.description
        except Exception as error:  # a bug: still a JSON 1.1 answer, never a raw exception
            _log.exception("CodePipeline %s failed inside moto-approvals", self._operation)
            failure = InternalFailure(
                f"moto-approvals failed with {type(error).__name__}; "
                "the emulator's log has the traceback."
            )
            status, reply_headers, body = (
                failure.code,
                dict(failure.get_headers()),
                failure.description,
            )
        # moto's own errors say application/json and its bare strings would go out as
        # text/html: every reply is JSON 1.1.
        reply_headers = {k: v for k, v in reply_headers.items() if k.lower() != "content-type"}
        reply_headers["Content-Type"] = JSON_CONTENT_TYPE
        return status, reply_headers, body

    def _serve(self, request: Any, full_url: Any, headers: Any) -> Any:
        length = str(request.headers.get("Content-Length") or "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise _too_large(f"of {length} bytes is larger than")  # refused before it is read
        # The body stays bytes until _read_request decodes it: moto would decode it (and
        # inflate it, unbounded) outside any error handling.
        self.allow_request_decompression = False
        self.setup_class(request, full_url, headers, use_raw_body=True)
        self._operation, self._input = self._read_request()
        try:
            backend = self.approvals_backend
        except KeyError:
            raise InvalidSignatureException(
                "Credential should be scoped to a valid region."
            ) from None
        authorize(self, self._operation, self._input)
        try:
            # The whole call, reply included, under the lock: building a reply reads (and
            # prunes) the engine's working sets.
            with backend.lock:
                return self._call_operation()
        finally:
            # Lambda handlers the call made due run now, with the lock released: their own
            # calls (PutJobSuccessResult, S3) must get through, from this thread or another.
            backend.jobs.invoke_due()

    def _call_operation(self) -> Any:
        """moto's ``call_action`` for the operations this class serves, without the
        ``inspect.getmembers`` over the class that moto runs on every request."""
        name = camelcase_to_underscores(self._operation)
        if name not in _OWN_OPERATIONS:
            return self.call_action()  # one of moto's own, as moto runs it
        headers = self.response_headers
        try:
            status, body = 200, getattr(self, name)()
        except HTTPException as error:  # as call_action answers it
            code = error.code or 500
            headers = {**headers, **dict(error.get_headers() or []), "status": str(code)}
            status, body = code, error.description
        return (status, *self._enrich_response(headers, body))

    @staticmethod
    def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        """moto's step, without its regex over the whole body for an XML ``<RequestId>`` (a
        JSON 1.1 body has none, and a page of 100 items is long). The request id is a UUID, as
        CodePipeline's are, from moto's seeded random source."""
        if "status" in headers:
            headers["status"] = str(headers["status"])
        headers["x-amzn-requestid"] = str(mock_random.uuid4())
        return headers, body

    def _authenticate_and_authorize_normal_action(self, resource: str = "*") -> None:
        """moto's check on ``*`` is replaced by ``authorize`` in ``_dispatch``."""

    def _read_request(self) -> tuple[str, dict[str, Any]]:
        """The operation and its JSON input; protocol errors are 4xx, never a 500."""
        target = self.headers.get("X-Amz-Target") or ""
        operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        if operation not in service_model().operation_names:
            shown = target if len(target) <= ECHO_LIMIT else target[:ECHO_LIMIT] + "..."
            problem = (
                f"X-Amz-Target '{shown}' names no CodePipeline operation"
                if target
                else "the X-Amz-Target header is missing"
            )
            raise UnknownOperationException(
                f"Unknown operation: {problem}; expected '{TARGET_PREFIX}<Operation>'."
            )
        if not callable(getattr(self, camelcase_to_underscores(operation), None)):
            raise NotImplementedByEmulator(operation)
        self.body = self._body_text()
        try:
            body = json.loads(self.body or "{}", parse_constant=_reject_constant)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            raise SerializationException("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise SerializationException("The request body must be a JSON object.")
        # Every operation, moto's inherited ones included, is checked against the model and
        # sees the body as AWS's services do: without unknown or null members.
        return operation, validate_input(operation, body)

    def _body_text(self) -> str:
        raw = self.body
        if isinstance(raw, str):
            return raw
        data = bytes(raw or b"")
        if len(data) > MAX_BODY_BYTES:
            raise _too_large(f"of {len(data)} bytes is larger than")
        encoding = str(self.headers.get("Content-Encoding") or "").strip().lower()
        if encoding == "gzip":
            data = _gunzip(data)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise SerializationException("The request body is not valid UTF-8.") from None

    def _get_action(self) -> str:
        # The operation _read_request found; moto would also read an "Action" header.
        return self._operation

    def _get_param(self, param_name: str, if_none: Any = None) -> Any:
        # moto's inherited operations read the validated body too.
        return self._input.get(param_name, if_none)

    def _params(self) -> dict[str, Any]:
        return self._input

    def _caller_arn(self) -> str:
        sts = sts_backends[self.current_account]
        partition = _partition(self.region)
        backend: Any = sts[partition] if partition in sts else sts["global"]
        if _CALLER_IDENTITY_TAKES_REGION:
            _, arn, _ = backend.get_caller_identity(self.get_access_key(), self.region)
        else:
            _, arn, _ = backend.get_caller_identity(self.get_access_key())
        # Interned: every execution and answer a caller starts records it (history keeps one).
        return sys.intern(str(arn))

    # -- pipelines -------------------------------------------------------------------------

    def create_pipeline(self) -> str:
        params = self._params()
        record = self.approvals_backend.create_pipeline(
            params["pipeline"], params.get("tags"), self._caller_arn()
        )
        return _reply({"pipeline": self._shown(record.current), "tags": record.sorted_tags()})

    def update_pipeline(self) -> str:
        record = self.approvals_backend.update_pipeline(self._params()["pipeline"])
        return _reply({"pipeline": self._shown(record.current)})

    def _shown(self, declaration: dict[str, Any]) -> dict[str, Any]:
        return action_type_service.hide_secrets(self.approvals_backend.action_types, declaration)

    def delete_pipeline(self) -> str:
        self.approvals_backend.delete_pipeline(self._params()["name"])
        return _reply()

    def get_pipeline(self) -> str:
        params = self._params()
        record, declaration = self.approvals_backend.get_pipeline(
            params["name"], params.get("version")
        )
        return _reply(
            {"pipeline": self._shown(declaration), "metadata": wire.pipeline_metadata(record)}
        )

    def list_pipelines(self) -> str:
        params = self._params()
        records = {r.name: r for r in self.approvals_backend.list_pipelines()}
        names, next_token = paginate_sorted(
            list(records), params.get("maxResults"), params.get("nextToken"), LIST_PIPELINES_PAGE
        )
        summaries = [wire.pipeline_summary(records[name]) for name in names]
        return _reply(_with_token({"pipelines": summaries}, next_token))

    # -- tags ------------------------------------------------------------------------------

    def tag_resource(self) -> str:
        params = self._params()
        self.approvals_backend.tag_resource(params["resourceArn"], params["tags"])
        return _reply()

    def untag_resource(self) -> str:
        params = self._params()
        self.approvals_backend.untag_resource(params["resourceArn"], params["tagKeys"])
        return _reply()

    def list_tags_for_resource(self) -> str:
        params = self._params()
        tags = {
            t["key"]: t
            for t in self.approvals_backend.list_tags_for_resource(params["resourceArn"])
        }
        keys, next_token = paginate_sorted(
            list(tags), params.get("maxResults"), params.get("nextToken"), LIST_TAGS_PAGE
        )
        return _reply(_with_token({"tags": [tags[key] for key in keys]}, next_token))

    # -- executions ------------------------------------------------------------------------

    def start_pipeline_execution(self) -> str:
        params = self._params()
        execution = self.approvals_backend.start_pipeline_execution(
            params["name"],
            params.get("variables"),
            params.get("clientRequestToken"),
            self._caller_arn(),
            params.get("sourceRevisions"),
        )
        return _reply({"pipelineExecutionId": execution.pipeline_execution_id})

    def get_pipeline_execution(self) -> str:
        params = self._params()
        execution = self.approvals_backend.get_pipeline_execution(
            params["pipelineName"], params["pipelineExecutionId"]
        )
        return _reply({"pipelineExecution": wire.pipeline_execution(execution)})

    def list_pipeline_executions(self) -> str:
        params = self._params()
        stage = ((params.get("filter") or {}).get("succeededInStage") or {}).get("stageName")
        executions = self.approvals_backend.list_pipeline_executions(params["pipelineName"], stage)
        page, next_token = paginate(
            executions,
            lambda e: e.pipeline_execution_id,
            params.get("maxResults"),
            params.get("nextToken"),
        )
        summaries = [wire.pipeline_execution_summary(e) for e in page]
        return _reply(_with_token({"pipelineExecutionSummaries": summaries}, next_token))

    def stop_pipeline_execution(self) -> str:
        params = self._params()
        execution = self.approvals_backend.stop_pipeline_execution(
            params["pipelineName"],
            params["pipelineExecutionId"],
            bool(params.get("abandon", False)),
            params.get("reason"),
        )
        return _reply({"pipelineExecutionId": execution.pipeline_execution_id})

    def retry_stage_execution(self) -> str:
        params = self._params()
        execution = self.approvals_backend.retry_stage_execution(
            params["pipelineName"],
            params["stageName"],
            params["pipelineExecutionId"],
            RetryMode(params["retryMode"]),
        )
        return _reply({"pipelineExecutionId": execution.pipeline_execution_id})

    # -- state and approvals ---------------------------------------------------------------

    def get_pipeline_state(self) -> str:
        backend = self.approvals_backend
        record, runtime = backend.get_pipeline_state(self._params()["name"])
        links = action_type_service.action_links(backend.action_types, runtime)
        return wire.encode_state(wire.pipeline_state(record, runtime, links))

    def put_approval_result(self) -> str:
        params = self._params()
        approved_at = self.approvals_backend.put_approval_result(
            params["pipelineName"],
            params["stageName"],
            params["actionName"],
            ApprovalStatus(params["result"]["status"]),
            params["result"]["summary"],
            params["token"],
            self._caller_arn(),
        )
        return _reply({"approvedAt": wire.timestamp(approved_at)})

    def list_action_executions(self) -> str:
        params = self._params()
        selector = params.get("filter") or {}
        execution_id = selector.get("pipelineExecutionId") or (
            selector.get("latestInPipelineExecution") or {}
        ).get("pipelineExecutionId")
        runs = self.approvals_backend.list_action_executions(params["pipelineName"], execution_id)
        page, next_token = paginate(
            runs, lambda r: r.action_execution_id, params.get("maxResults"), params.get("nextToken")
        )
        details = wire.action_execution_details(
            page, self.region, self.approvals_backend.action_types.secrets
        )
        return _reply(_with_token({"actionExecutionDetails": details}, next_token))

    def enable_stage_transition(self) -> str:
        return self._set_stage_transition(enabled=True)

    def disable_stage_transition(self) -> str:
        return self._set_stage_transition(enabled=False)

    def _set_stage_transition(self, enabled: bool) -> str:
        params = self._params()
        self.approvals_backend.set_stage_transition(
            params["pipelineName"],
            params["stageName"],
            TransitionType(params["transitionType"]),
            enabled,
            params.get("reason"),
            self._caller_arn(),
        )
        return _reply()

    def list_deploy_action_execution_targets(self) -> str:
        params = self._params()
        targets = list_deploy_action_execution_targets(
            self.approvals_backend, params.get("pipelineName"), params["actionExecutionId"]
        )
        return _reply({"targets": targets})

    def put_action_revision(self) -> str:
        params = self._params()
        new, execution_id = put_action_revision(
            self.approvals_backend,
            params["pipelineName"],
            params["stageName"],
            params["actionName"],
            params["actionRevision"],
            self._caller_arn(),
        )
        return _reply({"newRevision": new, "pipelineExecutionId": execution_id})

    # -- webhooks --------------------------------------------------------------------------

    def put_webhook(self) -> str:
        params = self._params()
        webhook = self.approvals_backend.webhooks.put(params["webhook"], params.get("tags"))
        return _reply({"webhook": webhook_item(webhook)})

    def list_webhooks(self) -> str:
        params = self._params()
        webhooks = {w.name: w for w in self.approvals_backend.webhooks.listed()}
        names, next_token = paginate_sorted(
            list(webhooks), params.get("MaxResults"), params.get("NextToken"), LIST_TAGS_PAGE
        )
        items = [webhook_item(webhooks[name]) for name in names]
        reply: dict[str, Any] = {"webhooks": items}
        if next_token is not None:
            reply["NextToken"] = next_token
        return _reply(reply)

    def delete_webhook(self) -> str:
        self.approvals_backend.webhooks.delete(self._params()["name"])
        return _reply()

    def register_webhook_with_third_party(self) -> str:
        self.approvals_backend.webhooks.set_registered(self._params().get("webhookName"), True)
        return _reply()

    def deregister_webhook_with_third_party(self) -> str:
        self.approvals_backend.webhooks.set_registered(self._params().get("webhookName"), False)
        return _reply()

    # -- stage conditions and rollback ---------------------------------------------------

    def list_rule_executions(self) -> str:
        params = self._params()
        selector = params.get("filter") or {}
        latest = selector.get("latestInPipelineExecution") or {}
        execution_id = selector.get("pipelineExecutionId") or latest.get("pipelineExecutionId")
        runs = self.approvals_backend.list_rule_executions(
            params["pipelineName"], execution_id, latest.get("startTimeRange") == "Latest"
        )
        page, next_token = paginate(
            runs, lambda r: r.rule_execution_id, params.get("maxResults"), params.get("nextToken")
        )
        details = [wire.rule_execution_detail(r, self.region) for r in page]
        return _reply(_with_token({"ruleExecutionDetails": details}, next_token))

    def list_rule_types(self) -> str:
        return _reply({"ruleTypes": rule_types()})

    def override_stage_condition(self) -> str:
        params = self._params()
        self.approvals_backend.override_stage_condition(
            params["pipelineName"],
            params["stageName"],
            params["pipelineExecutionId"],
            ConditionType(params["conditionType"]),
        )
        return _reply()

    def rollback_stage(self) -> str:
        params = self._params()
        execution = self.approvals_backend.rollback_stage(
            params["pipelineName"],
            params["stageName"],
            params["targetPipelineExecutionId"],
            self._caller_arn(),
        )
        return _reply({"pipelineExecutionId": execution.pipeline_execution_id})

    # -- action types --------------------------------------------------------------------

    def create_custom_action_type(self) -> str:
        action_type = action_type_service.create_custom_action_type(
            self.approvals_backend, self._params()
        )
        reply: dict[str, Any] = {"actionType": action_type.summary()}
        if action_type.tags:
            reply["tags"] = sorted_tags(action_type)
        return _reply(reply)

    def delete_custom_action_type(self) -> str:
        params = self._params()
        action_type_service.delete_custom_action_type(
            self.approvals_backend, params["category"], params["provider"], params["version"]
        )
        return _reply()

    def list_action_types(self) -> str:
        params = self._params()
        found = action_type_service.list_action_types(
            self.approvals_backend, params.get("actionOwnerFilter"), params.get("regionFilter")
        )
        types = {t.name: t for t in found}
        keys, next_token = paginate_sorted(
            sorted(types), None, params.get("nextToken"), LIST_ACTION_TYPES_PAGE
        )
        summaries = [types[key].summary() for key in keys]
        return _reply(_with_token({"actionTypes": summaries}, next_token))

    def get_action_type(self) -> str:
        declaration = action_type_service.get_action_type(
            self.approvals_backend, type_key(self._params())
        )
        return _reply({"actionType": declaration})

    def update_action_type(self) -> str:
        action_type_service.update_action_type(self.approvals_backend, self._params()["actionType"])
        return _reply()


#: The operations this class answers itself (the rest are moto's).
_OWN_OPERATIONS = frozenset(
    name
    for owner in (ApprovalsCodePipelineResponse, JobResponses)
    for name, member in vars(owner).items()
    if callable(member) and not name.startswith("_")
)


def _with_token(data: dict[str, Any], next_token: str | None) -> dict[str, Any]:
    if next_token is not None:
        data["nextToken"] = next_token
    return data
