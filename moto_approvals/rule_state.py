"""What condition rules read from moto: CloudWatch alarm states and execution variables.

The engine's rules take these lookups (:class:`~moto_approvals.engine.rules.RuleWorld`) so the
engine never imports moto; the backend builds them for its account and region.
"""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from moto_approvals.domain import PipelineExecution
from moto_approvals.engine.rules import AlarmLookup

#: The namespace of pipeline-level variables in ``#{variables.name}``.
PIPELINE_VARIABLES = "variables"


def alarm_lookup(account_id: str, default_region: str) -> AlarmLookup:
    """The state of a CloudWatch alarm in moto, in the rule's region or the pipeline's."""

    def state(name: str, region: str | None) -> str | None:
        try:
            backend: Any = cloudwatch_backends[account_id][region or default_region]
        except KeyError:
            return None
        alarm = backend.alarms.get(name)
        return None if alarm is None else str(alarm.state_value)

    return state


def execution_variable(execution: PipelineExecution, namespace: str, name: str) -> str | None:
    """``#{namespace.name}`` in an execution: a pipeline variable, or an action's output.

    Action output variables are read from ``ActionRun.output_variables`` where the action
    kinds record them; without it only pipeline variables resolve.
    """
    if namespace == PIPELINE_VARIABLES:
        return next((v["value"] for v in execution.variables if v["name"] == name), None)
    for stage_run in execution.stage_runs.values():
        for run in stage_run.actions.values():
            outputs = getattr(run, "output_variables", None)
            if run.action.namespace == namespace and isinstance(outputs, dict):
                value = outputs.get(name)
                if value is not None:
                    return str(value)
    return None
