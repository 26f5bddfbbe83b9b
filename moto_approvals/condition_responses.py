"""The wire of stage conditions, their rules, and rollback."""

from __future__ import annotations

from moto_approvals import run_wire
from moto_approvals.domain import ConditionType
from moto_approvals.pagination import paginate
from moto_approvals.responses_base import OperationResponses, reply, with_token
from moto_approvals.rule_types import rule_types


class ConditionResponses(OperationResponses):
    """Rule executions and types, condition overrides, RollbackStage."""

    # -- stage conditions and rollback -----------------------------------------------------

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
        details = [run_wire.rule_execution_detail(r, self.region) for r in page]
        return reply(with_token({"ruleExecutionDetails": details}, next_token))

    def list_rule_types(self) -> str:
        return reply({"ruleTypes": rule_types()})

    def override_stage_condition(self) -> str:
        params = self._params()
        self.approvals_backend.override_stage_condition(
            params["pipelineName"],
            params["stageName"],
            params["pipelineExecutionId"],
            ConditionType(params["conditionType"]),
        )
        return reply()

    def rollback_stage(self) -> str:
        params = self._params()
        execution = self.approvals_backend.rollback_stage(
            params["pipelineName"],
            params["stageName"],
            params["targetPipelineExecutionId"],
            self._caller_arn(),
        )
        return reply({"pipelineExecutionId": execution.pipeline_execution_id})
