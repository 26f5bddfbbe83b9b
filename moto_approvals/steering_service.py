"""The backend's test-side control: rule results, action behaviours, held actions, approvals.

What :class:`~moto_approvals.handle.Approvals` and the control API steer and read.
"""

from __future__ import annotations

import dataclasses
import datetime

from moto.core.utils import utcnow

from moto_approvals.backend_facet import BackendFacet
from moto_approvals.domain import ActionBehaviour, PendingApproval
from moto_approvals.engine.rules import RULE_RESULTS, STATEFUL_PROVIDERS


class SteeringOperations(BackendFacet):
    """Steer a pipeline's rules and actions from a test; read its pending approvals."""

    # -- test-side control (see moto_approvals.handle.Approvals) -----------------------------

    def set_rule_result(
        self, pipeline_name: str, stage_name: str, rule_name: str, result: str
    ) -> None:
        with self._pipeline(pipeline_name) as runtime:
            stage = self._stage(runtime, stage_name)
            rules = {
                rule["name"]: rule
                for gate in (stage.before_entry, stage.on_success, stage.on_failure)
                for condition in (gate or {}).get("conditions") or []
                for rule in condition.get("rules") or []
            }
            if rule_name not in rules:
                raise ValueError(
                    f"Stage {stage_name} of pipeline {pipeline_name} has no rule {rule_name}; "
                    f"its rules are: {', '.join(sorted(rules)) or 'none'}."
                )
            provider = rules[rule_name]["ruleTypeId"]["provider"]
            if provider in STATEFUL_PROVIDERS:
                raise ValueError(
                    f"Rule {rule_name} is a {provider} rule, evaluated against moto's state "
                    "(alarms, clock, variables): change that state instead of setting a result."
                )
            if result not in RULE_RESULTS:
                raise ValueError(
                    f"result must be one of {', '.join(RULE_RESULTS)}, got {result!r}."
                )
            runtime.conditions.world.set_results[(stage_name, rule_name)] = result
            runtime.advance(utcnow())

    def pending_approvals(self, pipeline_name: str) -> list[PendingApproval]:
        with self._pipeline(pipeline_name) as runtime:
            # moto's clock is naive UTC; tests compare with aware datetimes, as boto3 returns.
            utc = datetime.timezone.utc
            return [
                dataclasses.replace(p, expires_at=p.expires_at.replace(tzinfo=utc))
                for p in runtime.pending_approvals()
            ]

    def set_action_behaviour(
        self, pipeline_name: str, stage_name: str, action_name: str, behaviour: ActionBehaviour
    ) -> None:
        with self._pipeline(pipeline_name) as runtime:
            action = self._action(self._stage(runtime, stage_name), action_name)
            if action.is_manual_approval:
                raise ValueError(
                    f"{stage_name}/{action_name} is a manual approval: answer it with "
                    "put_approval_result instead of setting a behaviour."
                )
            runtime.steered.behaviours[(stage_name, action_name)] = behaviour

    def complete_action(
        self,
        pipeline_name: str,
        stage_name: str,
        action_name: str,
        succeeded: bool,
        summary: str | None,
        pipeline_execution_id: str | None,
    ) -> int:
        with self._pipeline(pipeline_name) as runtime:
            self._action(self._stage(runtime, stage_name), action_name)
            return runtime.complete_action(
                stage_name, action_name, succeeded, summary, utcnow(), pipeline_execution_id
            )
