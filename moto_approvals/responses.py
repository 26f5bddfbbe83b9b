"""The wire: read a request, validate it against botocore's model, call the backend, reply.

``ApprovalsCodePipelineResponse`` extends moto's ``CodePipelineResponse``: moto's own
operations (GetPipeline, ListPipelines, tagging) are inherited; the execution family is
overridden as a whole, including the instantly-succeeding executions moto >= 5.2.4 ships, so
there is one source of truth for executions.
"""

from __future__ import annotations

import json
from typing import Any

from moto.codepipeline.responses import CodePipelineResponse
from moto.core.utils import camelcase_to_underscores
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from moto_approvals import wire
from moto_approvals.domain import ApprovalStatus, RetryMode, TransitionType
from moto_approvals.exceptions import (
    JSON_CONTENT_TYPE,
    CodePipelineError,
    NotImplementedByEmulator,
    SerializationException,
    UnknownOperationException,
)
from moto_approvals.models import ApprovalsBackend, approvals_backends
from moto_approvals.pagination import paginate
from moto_approvals.validation import service_model, validate_input

TARGET_PREFIX = "CodePipeline_20150709."

Reply = tuple[str, dict[str, Any]]


def _reply(data: dict[str, Any] | None = None) -> Reply:
    return json.dumps(data or {}), {"Content-Type": JSON_CONTENT_TYPE}


class ApprovalsCodePipelineResponse(CodePipelineResponse):
    """CodePipeline's JSON 1.1 API with executions and manual approvals."""

    @property
    def approvals_backend(self) -> ApprovalsBackend:
        backend: ApprovalsBackend = approvals_backends[self.current_account][self.region]
        return backend

    # -- protocol --------------------------------------------------------------------------

    def _dispatch(self, request: Any, full_url: str, headers: Any) -> Any:
        self.setup_class(request, full_url, headers)
        try:
            self._operation, self._input = self._read_request()
        except CodePipelineError as error:
            return error.code, dict(error.get_headers()), error.description
        return self.call_action()

    def _read_request(self) -> tuple[str, dict[str, Any]]:
        """The operation and its JSON input; protocol errors are 4xx, never a 500."""
        target = self.headers.get("X-Amz-Target") or ""
        operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        if operation not in service_model().operation_names:
            raise UnknownOperationException(
                f"Unknown operation: X-Amz-Target '{target}' names no CodePipeline operation; "
                f"expected '{TARGET_PREFIX}<Operation>'."
            )
        if not callable(getattr(self, camelcase_to_underscores(operation), None)):
            raise NotImplementedByEmulator(operation)
        raw = self.body or "{}"
        try:
            body = json.loads(raw)
        except ValueError:
            raise SerializationException("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise SerializationException("The request body must be a JSON object.")
        # Every operation, moto's inherited ones included, is checked against the model.
        validate_input(operation, body)
        return operation, body

    def _params(self) -> dict[str, Any]:
        return self._input

    def _caller_arn(self) -> str:
        sts = sts_backends[self.current_account]
        backend = sts.get(get_partition(self.region)) or sts["global"]
        _, arn, _ = backend.get_caller_identity(self.get_access_key(), self.region)
        return str(arn)

    # -- pipelines -------------------------------------------------------------------------

    def create_pipeline(self) -> Reply:  # type: ignore[override]
        params = self._params()
        pipeline, tags = self.approvals_backend.create_pipeline(
            params["pipeline"], params.get("tags"), self._caller_arn()
        )
        return _reply({"pipeline": pipeline, "tags": tags})

    def update_pipeline(self) -> Reply:  # type: ignore[override]
        pipeline = self.approvals_backend.update_pipeline(self._params()["pipeline"])
        return _reply({"pipeline": pipeline})

    def delete_pipeline(self) -> Reply:  # type: ignore[override]
        self.approvals_backend.delete_pipeline(self._params()["name"])
        return _reply()

    # -- executions ------------------------------------------------------------------------

    def start_pipeline_execution(self) -> Reply:  # type: ignore[override]
        params = self._params()
        execution = self.approvals_backend.start_pipeline_execution(
            params["name"],
            params.get("variables"),
            params.get("clientRequestToken"),
            self._caller_arn(),
        )
        return _reply({"pipelineExecutionId": execution.pipeline_execution_id})

    def get_pipeline_execution(self) -> Reply:  # type: ignore[override]
        params = self._params()
        execution = self.approvals_backend.get_pipeline_execution(
            params["pipelineName"], params["pipelineExecutionId"]
        )
        return _reply({"pipelineExecution": wire.pipeline_execution(execution)})

    def list_pipeline_executions(self) -> Reply:  # type: ignore[override]
        params = self._params()
        executions = self.approvals_backend.list_pipeline_executions(params["pipelineName"])
        page, next_token = paginate(
            executions,
            lambda e: e.pipeline_execution_id,
            params.get("maxResults"),
            params.get("nextToken"),
        )
        summaries = [wire.pipeline_execution_summary(e) for e in page]
        return _reply(_with_token({"pipelineExecutionSummaries": summaries}, next_token))

    def stop_pipeline_execution(self) -> Reply:
        params = self._params()
        execution = self.approvals_backend.stop_pipeline_execution(
            params["pipelineName"],
            params["pipelineExecutionId"],
            bool(params.get("abandon", False)),
            params.get("reason"),
        )
        return _reply({"pipelineExecutionId": execution.pipeline_execution_id})

    def retry_stage_execution(self) -> Reply:
        params = self._params()
        execution = self.approvals_backend.retry_stage_execution(
            params["pipelineName"],
            params["stageName"],
            params["pipelineExecutionId"],
            RetryMode(params["retryMode"]),
        )
        return _reply({"pipelineExecutionId": execution.pipeline_execution_id})

    # -- state and approvals ---------------------------------------------------------------

    def get_pipeline_state(self) -> Reply:
        pipeline, runtime = self.approvals_backend.get_pipeline_state(self._params()["name"])
        return _reply(wire.pipeline_state(pipeline, runtime))

    def put_approval_result(self) -> Reply:
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

    def list_action_executions(self) -> Reply:
        params = self._params()
        selector = params.get("filter") or {}
        execution_id = selector.get("pipelineExecutionId") or (
            selector.get("latestInPipelineExecution") or {}
        ).get("pipelineExecutionId")
        runs = self.approvals_backend.list_action_executions(params["pipelineName"], execution_id)
        page, next_token = paginate(
            runs, lambda r: r.action_execution_id, params.get("maxResults"), params.get("nextToken")
        )
        details = [wire.action_execution_detail(r, self.region) for r in page]
        return _reply(_with_token({"actionExecutionDetails": details}, next_token))

    def enable_stage_transition(self) -> Reply:
        return self._set_stage_transition(enabled=True)

    def disable_stage_transition(self) -> Reply:
        return self._set_stage_transition(enabled=False)

    def _set_stage_transition(self, enabled: bool) -> Reply:
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


def _with_token(data: dict[str, Any], next_token: str | None) -> dict[str, Any]:
    if next_token is not None:
        data["nextToken"] = next_token
    return data
