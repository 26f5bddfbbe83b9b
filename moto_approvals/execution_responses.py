"""The wire of executions: start, read, list, stop and retry them, and list their actions' runs."""

from __future__ import annotations

from moto_approvals import run_wire, wire
from moto_approvals.deploy_targets import list_deploy_action_execution_targets
from moto_approvals.domain import RetryMode
from moto_approvals.pagination import paginate
from moto_approvals.responses_base import OperationResponses, reply, with_token


class ExecutionResponses(OperationResponses):
    """Pipeline executions and the runs of their actions."""

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
        return reply({"pipelineExecutionId": execution.pipeline_execution_id})

    def get_pipeline_execution(self) -> str:
        params = self._params()
        execution = self.approvals_backend.get_pipeline_execution(
            params["pipelineName"], params["pipelineExecutionId"]
        )
        return reply({"pipelineExecution": wire.pipeline_execution(execution)})

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
        return reply(with_token({"pipelineExecutionSummaries": summaries}, next_token))

    def stop_pipeline_execution(self) -> str:
        params = self._params()
        execution = self.approvals_backend.stop_pipeline_execution(
            params["pipelineName"],
            params["pipelineExecutionId"],
            bool(params.get("abandon", False)),
            params.get("reason"),
        )
        return reply({"pipelineExecutionId": execution.pipeline_execution_id})

    def retry_stage_execution(self) -> str:
        params = self._params()
        execution = self.approvals_backend.retry_stage_execution(
            params["pipelineName"],
            params["stageName"],
            params["pipelineExecutionId"],
            RetryMode(params["retryMode"]),
        )
        return reply({"pipelineExecutionId": execution.pipeline_execution_id})

    # -- action runs -----------------------------------------------------------------------

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
        details = run_wire.action_execution_details(
            page, self.region, self.approvals_backend.action_types.secrets
        )
        return reply(with_token({"actionExecutionDetails": details}, next_token))

    def list_deploy_action_execution_targets(self) -> str:
        params = self._params()
        targets = list_deploy_action_execution_targets(
            self.approvals_backend, params.get("pipelineName"), params["actionExecutionId"]
        )
        return reply({"targets": targets})
