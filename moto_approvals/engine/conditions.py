"""Stage conditions (V2): beforeEntry, onSuccess and onFailure, and the runs of their rules.

The flow asks at three moments, as the CodePipeline User Guide describes them
(concepts-how-it-works-conditions, stage-conditions):

- ``BEFORE_ENTRY``: the execution has taken the stage; its actions start only once the
  condition is met. A failed condition engages ``FAIL`` (the stage fails) or ``SKIP``.
- ``ON_SUCCESS``: every action succeeded; the stage succeeds only once the condition is met.
  A failed condition engages ``FAIL`` or ``ROLLBACK``.
- ``ON_FAILURE``: an action failed. Without conditions the declared result (``RETRY``,
  ``ROLLBACK``) engages at once; with conditions, only when the condition fails.

A condition is met when all its rules succeed and fails as soon as one fails. A rule that has
no verdict yet keeps the condition, and so the stage, InProgress; it is asked again whenever
the pipeline's state is read or written, and an alarm rule's WaitTime is a deadline
:meth:`PipelineRuntime.advance` honours, like an approval's timeout.
"""

from __future__ import annotations

import datetime
from enum import Enum

from moto_approvals.domain import (
    ActionStatus,
    ConditionRun,
    ConditionStatus,
    ConditionType,
    Declaration,
    ExecutionType,
    PipelineExecution,
    RuleRun,
    StageDefinition,
    StageRun,
)
from moto_approvals.engine.kinds import ActionFlow
from moto_approvals.engine.rule_jobs import RuleJobs
from moto_approvals.engine.rules import RuleWorld, evaluate, rule_deadline
from moto_approvals.exceptions import ConditionNotOverridableException


class Outcome(str, Enum):
    """What the flow does next at a condition's moment."""

    PROCEED = "PROCEED"  # the condition is met, overridden, or there is none
    WAIT = "WAIT"  # a rule has no verdict yet
    FAIL = "FAIL"
    SKIP = "SKIP"
    ROLLBACK = "ROLLBACK"
    RETRY = "RETRY"


#: The result a failed condition engages when the declaration names none.
_DEFAULT_RESULT = {
    ConditionType.BEFORE_ENTRY: Outcome.FAIL,
    ConditionType.ON_SUCCESS: Outcome.FAIL,
    ConditionType.ON_FAILURE: Outcome.FAIL,
}


def declared(stage: StageDefinition, condition_type: ConditionType) -> Declaration | None:
    return {
        ConditionType.BEFORE_ENTRY: stage.before_entry,
        ConditionType.ON_SUCCESS: stage.on_success,
        ConditionType.ON_FAILURE: stage.on_failure,
    }[condition_type]


class StageConditions:
    """The condition runs of one pipeline, and the rule runs ListRuleExecutions reads."""

    def __init__(self, flow: ActionFlow) -> None:
        self._flow = flow
        #: The jobs of LambdaInvoke rules whose function has a handler.
        self.rule_jobs = RuleJobs(flow.new_id)
        self.world = RuleWorld(function=self.rule_jobs.verdict)
        #: Every rule run, oldest first.
        self.rule_runs: list[RuleRun] = []
        # Condition runs still InProgress (pruned lazily), for deadlines and re-evaluation.
        self._open: list[tuple[PipelineExecution, ConditionRun]] = []

    # -- the flow's questions --------------------------------------------------------------

    def check(
        self,
        execution: PipelineExecution,
        run: StageRun,
        stage: StageDefinition,
        condition_type: ConditionType,
        now: datetime.datetime,
    ) -> Outcome:
        """Run (or go on running) the stage's condition of this type; say what comes next."""
        declaration = declared(stage, condition_type)
        # A rollback repeats a stage run that already passed its conditions.
        if declaration is None or execution.execution_type is ExecutionType.ROLLBACK:
            return Outcome.PROCEED
        conditions = declaration.get("conditions") or []
        result = declaration.get("result")
        if not conditions:  # onFailure with a result alone: it engages at once
            return Outcome(result) if result else Outcome.FAIL
        condition = run.conditions.get(condition_type)
        if condition is None or condition.settled:
            condition = self._start(execution, run, condition_type, conditions[0], now)
        if condition.status is ConditionStatus.OVERRIDDEN:
            condition.settled = True
            return Outcome.PROCEED
        self._evaluate(execution, condition, now)
        if condition.status is ConditionStatus.IN_PROGRESS:
            return Outcome.WAIT
        condition.settled = True
        if condition.status is ConditionStatus.SUCCEEDED:
            # A met onFailure condition engages nothing: the stage just fails.
            if condition_type is ConditionType.ON_FAILURE:
                return Outcome.FAIL
            return Outcome.PROCEED
        engaged = condition.result or result
        return Outcome(engaged) if engaged else _DEFAULT_RESULT[condition_type]

    def _start(
        self,
        execution: PipelineExecution,
        run: StageRun,
        condition_type: ConditionType,
        declaration: Declaration,
        now: datetime.datetime,
    ) -> ConditionRun:
        condition = ConditionRun(
            condition_type=condition_type,
            result=declaration.get("result"),
            status=ConditionStatus.IN_PROGRESS,
            last_status_change=now,
        )
        for rule in declaration.get("rules") or []:
            rule_run = RuleRun(
                rule_execution_id=self._flow.new_id(),
                pipeline_execution_id=execution.pipeline_execution_id,
                pipeline_version=execution.pipeline_version,
                stage_name=run.stage_name,
                condition_type=condition_type,
                rule=rule,
                status=ActionStatus.IN_PROGRESS,
                start_time=now,
                last_status_change=now,
            )
            condition.rules.append(rule_run)
            self.rule_runs.append(rule_run)
        run.put_condition(condition)
        self._open.append((execution, condition))
        return condition

    def _evaluate(
        self, execution: PipelineExecution, condition: ConditionRun, now: datetime.datetime
    ) -> None:
        for rule_run in condition.rules:
            if rule_run.status is ActionStatus.IN_PROGRESS:
                status, summary = evaluate(rule_run, execution, self.world, now)
                if status is None:
                    rule_run.summary = summary
                else:
                    rule_run.finish(status, now, summary)
        statuses = [r.status for r in condition.rules]
        if ActionStatus.FAILED in statuses:
            failed = next(r for r in condition.rules if r.status is ActionStatus.FAILED)
            self._close(condition, ConditionStatus.FAILED, now, f"Rule {failed.rule_name} failed.")
        elif all(s is ActionStatus.SUCCEEDED for s in statuses):
            self._close(condition, ConditionStatus.SUCCEEDED, now, "All rules succeeded.")

    def _close(
        self,
        condition: ConditionRun,
        status: ConditionStatus,
        now: datetime.datetime,
        summary: str | None = None,
    ) -> None:
        condition.status = status
        condition.last_status_change = now
        condition.summary = summary
        for rule_run in condition.rules:
            if rule_run.status is ActionStatus.IN_PROGRESS:
                rule_run.finish(ActionStatus.ABANDONED, now)

    # -- time ------------------------------------------------------------------------------

    def _in_progress(self) -> list[tuple[PipelineExecution, ConditionRun]]:
        self._open = [
            (execution, condition)
            for execution, condition in self._open
            if condition.status is ConditionStatus.IN_PROGRESS and execution.status.is_active
        ]
        return self._open

    def pending(self) -> bool:
        """True while some condition waits for a rule's verdict."""
        return bool(self._in_progress())

    def forget(self, execution_ids: set[str]) -> None:
        """The executions left the history (its cap): their rule runs go too."""
        self.rule_runs[:] = [
            r for r in self.rule_runs if r.pipeline_execution_id not in execution_ids
        ]
        self.rule_jobs.forget(execution_ids)

    def waiting_executions(self) -> list[PipelineExecution]:
        """The executions whose stage waits for a condition's verdict."""
        return [execution for execution, _ in self._in_progress()]

    def next_deadline(self) -> datetime.datetime | None:
        """The earliest instant a waiting rule must decide (timeout, alarm WaitTime)."""
        deadlines = [
            deadline
            for _, condition in self._in_progress()
            for rule_run in condition.rules
            if (deadline := rule_deadline(rule_run)) is not None
        ]
        function_deadline = self.rule_jobs.next_deadline()
        if function_deadline is not None:
            deadlines.append(function_deadline)
        return min(deadlines, default=None)

    # -- stop, cancel and override ---------------------------------------------------------

    def abandon(self, run: StageRun, now: datetime.datetime, status: ConditionStatus) -> None:
        """The stage run ends (stop, update) while a condition waits."""
        for condition in run.conditions.values():
            if condition.status is ConditionStatus.IN_PROGRESS:
                self._close(condition, status, now)
                condition.settled = True

    def override(
        self, run: StageRun | None, condition_type: ConditionType, now: datetime.datetime
    ) -> None:
        """OverrideStageCondition: the waiting condition counts as met."""
        condition = run.conditions.get(condition_type) if run is not None else None
        if condition is None or condition.status is not ConditionStatus.IN_PROGRESS:
            raise ConditionNotOverridableException(
                f"The {condition_type.value} condition of this stage is not in progress for "
                "the pipeline execution: only a condition that is evaluating can be overridden."
            )
        self._close(condition, ConditionStatus.OVERRIDDEN, now, "Overridden by the user.")
