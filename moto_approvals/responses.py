"""The wire: read a request, validate it against botocore's model, call the backend, reply.

``ApprovalsCodePipelineResponse`` extends moto's ``CodePipelineResponse`` and overrides every
operation it serves: pipelines and tags come from the backend's catalog, executions from its
runtimes (replacing the instantly-succeeding executions moto >= 5.2.4 ships), so there is one
source of truth and every timestamp goes out as epoch seconds.

This module holds the protocol (target, body, errors, authorization, the lock); each family
of operations is a mixin in its own module: :mod:`~moto_approvals.pipeline_responses`,
:mod:`~moto_approvals.execution_responses`, :mod:`~moto_approvals.state_responses`,
:mod:`~moto_approvals.condition_responses`, :mod:`~moto_approvals.webhook_responses`,
:mod:`~moto_approvals.action_type_responses` and :mod:`~moto_approvals.job_responses`.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import sys
from typing import Any

from moto.codepipeline.responses import CodePipelineResponse
from moto.core.utils import camelcase_to_underscores
from moto.moto_api._internal import mock_random
from moto.sts.models import STSBackend, sts_backends
from werkzeug.exceptions import HTTPException

from moto_approvals.action_type_responses import ActionTypeResponses
from moto_approvals.authorization import authorize
from moto_approvals.condition_responses import ConditionResponses
from moto_approvals.exceptions import (
    JSON_CONTENT_TYPE,
    CodePipelineError,
    InternalFailure,
    InvalidSignatureException,
    NotImplementedByEmulator,
    SerializationException,
    UnknownOperationException,
)
from moto_approvals.execution_responses import ExecutionResponses
from moto_approvals.job_responses import JobResponses
from moto_approvals.models import ApprovalsBackend, approvals_backends
from moto_approvals.pipeline_responses import PipelineResponses
from moto_approvals.request_body import MAX_BODY_BYTES, inflate, too_large
from moto_approvals.service import TARGET_PREFIX
from moto_approvals.state_responses import StateResponses
from moto_approvals.validation import ECHO_LIMIT, service_model, validate_input
from moto_approvals.webhook_responses import WebhookResponses

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

_log = logging.getLogger("moto_approvals")


@functools.cache
def _method_name(operation: str) -> str:
    """The handler of a model operation (``PutApprovalResult`` -> ``put_approval_result``);
    moto's conversion is a regex pass, so each of the 44 names is converted once."""
    return camelcase_to_underscores(operation)


def _reject_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON (and AWS) does not.
    raise ValueError(f"{name} is not JSON")


class ApprovalsCodePipelineResponse(
    PipelineResponses,
    ExecutionResponses,
    StateResponses,
    ConditionResponses,
    WebhookResponses,
    ActionTypeResponses,
    JobResponses,
    CodePipelineResponse,
):
    """CodePipeline's JSON 1.1 API with executions and manual approvals."""

    _backend: ApprovalsBackend | None = None

    @property
    def approvals_backend(self) -> ApprovalsBackend:
        backend = self._backend
        if backend is None:  # looked up once per request, then kept
            backend = approvals_backends[self.current_account][self.region]
            self._backend = backend
        return backend

    # -- protocol --------------------------------------------------------------------------

    def _dispatch(self, request: Any, full_url: Any = None, headers: Any = None) -> Any:
        self._operation, self._backend = "", None
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
            raise too_large(f"of {length} bytes is larger than")  # refused before it is read
        # The body stays bytes until _read_request decodes it: moto would decode it (and
        # inflate it, unbounded) outside any error handling.
        self.allow_request_decompression = False
        # No headers: with neither a query string nor a form, moto copies the headers into
        # ``querystring`` (a third of setup_class), which a JSON 1.1 operation never reads; the
        # request keeps its headers (``self.headers``).
        self.setup_class(request, full_url, {}, use_raw_body=True)
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
        name = _method_name(self._operation)
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
        if not callable(getattr(self, _method_name(operation), None)):
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
            raise too_large(f"of {len(data)} bytes is larger than")
        encoding = str(self.headers.get("Content-Encoding") or "").strip().lower()
        if encoding == "gzip":
            data = inflate(data)
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
        # The key setup_class read from the Authorization header (moto parses it again on each
        # get_access_key()).
        key = getattr(self, "access_key", None) or self.get_access_key()
        if _CALLER_IDENTITY_TAKES_REGION:
            _, arn, _ = backend.get_caller_identity(key, self.region)
        else:
            _, arn, _ = backend.get_caller_identity(key)
        # Interned: every execution and answer a caller starts records it (history keeps one).
        return sys.intern(str(arn))


_MRO = ApprovalsCodePipelineResponse.__mro__
#: The operations this class and its families answer themselves (the rest are moto's).
_OWN_OPERATIONS = frozenset(
    name
    for owner in _MRO[: _MRO.index(CodePipelineResponse)]
    for name, member in vars(owner).items()
    if callable(member) and not name.startswith("_")
)
