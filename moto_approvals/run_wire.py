"""Runs as ListActionExecutions and ListRuleExecutions render them, one entry per run.

An action's fixed input (type, configuration with its secrets hidden, role, region) is built
once per page; the rest comes from the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from moto_approvals.action_type_service import HIDDEN
from moto_approvals.domain import ActionDefinition, ActionRun, ActionStatus, RuleRun
from moto_approvals.wire import Json, artifact_details, compact, error_details, timestamp

Secrets = Callable[[Mapping[str, str]], frozenset[str]]


def _no_secrets(action_type_id: Mapping[str, str]) -> frozenset[str]:
    return frozenset()


def action_execution_details(
    runs: list[ActionRun], region: str, secrets: Secrets = _no_secrets
) -> list[Json]:
    """A page of ListActionExecutions: each action's fixed input is built once per page, with
    the values of its type's ``secrets`` properties hidden."""
    inputs: dict[int, Json] = {}
    return [action_execution_detail(run, region, inputs, secrets) for run in runs]


def _action_input(action: ActionDefinition, region: str, hidden: frozenset[str]) -> Json:
    return compact(
        {
            "actionTypeId": dict(action.action_type_id),
            "configuration": _hidden(action.configuration, hidden),
            "roleArn": action.role_arn,
            "region": action.region or region,
            "namespace": action.namespace,
        }
    )


def action_execution_detail(
    run: ActionRun,
    region: str,
    inputs: dict[int, Json] | None = None,
    secrets: Secrets = _no_secrets,
) -> Json:
    """One entry of ListActionExecutions (``inputs``: the fixed inputs built so far)."""
    action = run.action
    if inputs is None:
        inputs = {}
    fixed = inputs.get(id(action))
    if fixed is None:
        fixed = inputs[id(action)] = _action_input(action, region, secrets(action.action_type_id))
    configuration = run.configuration
    action_input = {
        **fixed,
        # The declared configuration when nothing was resolved: the same dict, not a copy.
        "resolvedConfiguration": (
            fixed["configuration"]
            if configuration is action.configuration
            else _hidden(configuration, secrets(action.action_type_id))
        ),
        "inputArtifacts": artifact_details(run.input_artifacts),
    }
    result = compact(
        {
            "externalExecutionId": run.external_execution_id,
            "externalExecutionSummary": run.summary or None,
            "externalExecutionUrl": run.external_execution_url,
            "errorDetails": error_details(run),
        }
    )
    output: Json = {
        "outputArtifacts": artifact_details(run.output_artifacts),
        "outputVariables": dict(run.output_variables),
    }
    if result:
        output["executionResult"] = result
    return compact(
        {
            "pipelineExecutionId": run.pipeline_execution_id,
            "actionExecutionId": run.action_execution_id,
            "pipelineVersion": run.pipeline_version,
            "stageName": run.stage_name,
            "actionName": run.action_name,
            "startTime": timestamp(run.start_time),
            "lastUpdateTime": timestamp(run.last_status_change),
            "updatedBy": run.updated_by,
            "status": run.status.value,
            "input": action_input,
            "output": output,
        }
    )


def _hidden(configuration: Mapping[str, str], secrets: frozenset[str]) -> dict[str, str]:
    return {k: HIDDEN if k in secrets else v for k, v in configuration.items()}


def rule_execution_detail(run: RuleRun, region: str) -> Json:
    """One entry of ListRuleExecutions."""
    rule = run.rule
    result = compact(
        {
            "externalExecutionSummary": run.summary or None,
            "errorDetails": (
                {"code": "RuleFailed", "message": run.summary or "Rule failed"}
                if run.status is ActionStatus.FAILED
                else None
            ),
        }
    )
    return compact(
        {
            "pipelineExecutionId": run.pipeline_execution_id,
            "ruleExecutionId": run.rule_execution_id,
            "pipelineVersion": run.pipeline_version,
            "stageName": run.stage_name,
            "ruleName": run.rule_name,
            "startTime": timestamp(run.start_time),
            "lastUpdateTime": timestamp(run.last_status_change),
            "status": run.status.value,
            "input": compact(
                {
                    "ruleTypeId": dict(rule["ruleTypeId"]),
                    "configuration": dict(rule.get("configuration") or {}),
                    "resolvedConfiguration": dict(rule.get("configuration") or {}),
                    "roleArn": rule.get("roleArn"),
                    "region": rule.get("region") or region,
                    "inputArtifacts": [],
                }
            ),
            "output": {"executionResult": result} if result else {},
        }
    )
