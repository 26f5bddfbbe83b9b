"""The execution flow of one pipeline: executions through stages, stage locks, transitions.

The engine is deterministic: it has no clock, thread or timer. Each entry point takes
``now``; expiries are computed when state is read or written (:meth:`PipelineRuntime.advance`),
in the order they fell due, so a test that moves the clock a month sees every approval that
timed out on the way, and every execution that entered a stage because of it.

What an action does once started belongs to its kind (:mod:`moto_approvals.engine.approvals`,
:mod:`moto_approvals.engine.steered`); the flow only starts actions and reacts to their ends.
How executions move between and through stages is :mod:`moto_approvals.engine.machine`;
this module holds the execution lifecycle (start, stop, update) and the operations on it.

Stage locking follows the CodePipeline User Guide (concepts-how-it-works): in SUPERSEDED and
QUEUED modes a stage holds one execution at a time; executions wait at the stage's inbound
transition and are superseded only there, never inside a stage.
"""

from __future__ import annotations

import datetime

from moto_approvals.domain import (
    ActionDefinition,
    ActionRun,
    ActionStatus,
    ApprovalStatus,
    ConditionStatus,
    ConditionType,
    EventLevel,
    EventState,
    ExecutionMode,
    ExecutionStatus,
    PendingApproval,
    PipelineDefinition,
    PipelineExecution,
    Position,
    RetryMode,
    SourceRevision,
    StageDefinition,
    StageRun,
    StageStatus,
    TransitionState,
    TransitionType,
    compact_id,
)
from moto_approvals.engine import overrides, retry, rollback
from moto_approvals.engine.artifacts import ArtifactStore
from moto_approvals.engine.machine import ExecutionMachine, IdFactory
from moto_approvals.exceptions import (
    ConcurrentPipelineExecutionsLimitExceededException,
    DuplicatedStopRequestException,
    PipelineExecutionNotStoppableException,
    ValidationException,
)

#: Executions in flight (running or queued) a QUEUED or PARALLEL pipeline may hold (quotas).
MAX_CONCURRENT_EXECUTIONS = 50


class PipelineRuntime(ExecutionMachine):
    """The executions, stage locks and transitions of one pipeline: what the backend calls."""

    def __init__(
        self,
        definition: PipelineDefinition,
        new_id: IdFactory,
        artifact_store: ArtifactStore | None = None,
    ) -> None:
        super().__init__(definition, new_id, artifact_store)
        #: Drop the oldest finished executions beyond this many (None: keep every one).
        self.history_limit: int | None = None
        self._client_tokens: dict[str | int, str] = {}

    # -- reading ---------------------------------------------------------------------------

    def executions_newest_first(self) -> list[PipelineExecution]:
        return list(self.history.executions_newest_first())

    def latest_run(self, stage_name: str, action_name: str) -> ActionRun | None:
        return self._latest_runs.get((stage_name, action_name))

    def pending_approvals(self) -> list[PendingApproval]:
        return self.approvals.pending()

    def take_started_approvals(self) -> list[ActionRun]:
        """The approvals started since the last call (each is reported once)."""
        return self.approvals.take_started()

    # -- time ------------------------------------------------------------------------------

    def advance(self, now: datetime.datetime) -> None:
        """Time out every action whose deadline has passed, earliest first, and move on."""
        while True:
            deadlines = [d for d in (k.next_deadline() for k in self.kinds) if d is not None]
            condition_deadline = self.conditions.next_deadline()
            if condition_deadline is not None:
                deadlines.append(condition_deadline)
            at = min(deadlines, default=None)
            if at is None or at > now:
                break
            for kind in self.kinds:
                kind.expire(at)
            self._pump(at)
        if self.conditions.pending():
            # Rules read state outside the pipeline (alarms, the clock): ask them again.
            self._pump(now)

    # -- executions ------------------------------------------------------------------------

    def start_execution(
        self,
        now: datetime.datetime,
        trigger_type: str,
        trigger_detail: str,
        variables: list[dict[str, str]] | None = None,
        client_request_token: str | None = None,
        source_revisions: list[dict[str, str]] | None = None,
        action_revisions: dict[str, SourceRevision] | None = None,
    ) -> PipelineExecution:
        """Start an execution: ``source_revisions`` are StartPipelineExecution's overrides,
        ``action_revisions`` revisions recorded on source actions (PutActionRevision)."""
        token = compact_id(client_request_token) if client_request_token else None
        if token is not None and token in self._client_tokens:
            return self.executions[self._client_tokens[token]]
        self.check_capacity()
        resolved_variables = self._resolve_variables(variables or [])
        # Sources are fixed now, at the start (an S3 source: the version current now).
        sources = self.artifacts.fix_sources(source_revisions or [])
        sources.update(action_revisions or {})
        execution = self.new_execution(
            now, trigger_type, trigger_detail, resolved_variables, source_revisions=sources
        )
        self.launch(execution, 0, now)
        if token is not None:
            execution.client_request_token = token
            self._client_tokens[token] = execution.pipeline_execution_id
        self._pump(now)
        self._trim_history()
        return execution

    def new_execution(
        self,
        now: datetime.datetime,
        trigger_type: str,
        trigger_detail: str,
        variables: list[dict[str, str]],
        source_revisions: dict[str, SourceRevision] | None = None,
        rollback_target: str | None = None,
    ) -> PipelineExecution:
        """A new execution of the current version, a ROLLBACK one if it has a target;
        :meth:`launch` sets it going."""
        return PipelineExecution(
            pipeline_execution_id=self._new_id(),
            definition=self.definition,
            status=ExecutionStatus.IN_PROGRESS,
            trigger_type=trigger_type,
            trigger_detail=trigger_detail,
            variables=variables,
            start_time=now,
            last_update_time=now,
            fixed_sources=source_revisions or {},
            rollback_target=rollback_target,
        )

    def check_capacity(self) -> None:
        """Refuse one more execution in flight beyond the quota of QUEUED and PARALLEL modes
        (SUPERSEDED holds at most one per stage and one at each transition)."""
        mode = self.definition.execution_mode
        if mode is ExecutionMode.SUPERSEDED:
            return
        # The in-flight index holds every active execution (and, until pruned, a few that
        # ended): it is counted as it is, and pruned only when it reaches the quota.
        if len(self._in_flight) < MAX_CONCURRENT_EXECUTIONS:
            return
        if len(self._active()) < MAX_CONCURRENT_EXECUTIONS:
            return
        raise ConcurrentPipelineExecutionsLimitExceededException(
            f"Pipeline {self.definition.name} has reached the limit of "
            f"{MAX_CONCURRENT_EXECUTIONS} concurrent executions in {mode.value} mode."
        )

    def _trim_history(self) -> None:
        """Keep at most ``history_limit`` executions: the oldest finished ones go first; one
        in flight, or still shown as a stage's or an action's latest, stays."""
        if self.history_limit is None:
            return
        shown = set(self.stage_entries.values())
        shown.update(run.pipeline_execution_id for run in self._latest_runs.values())
        dropped = self.history.trim(
            self.history_limit,
            lambda e: e.status.is_active or e.pipeline_execution_id in shown,
        )
        for execution in dropped:
            if execution.client_request_token is not None:
                self._client_tokens.pop(execution.client_request_token, None)
        if dropped:
            gone = {e.pipeline_execution_id for e in dropped}
            self.conditions.forget(gone)
            self.jobs.forget(gone)
            self.approvals.forget(dropped)

    def _resolve_variables(self, given: list[dict[str, str]]) -> list[dict[str, str]]:
        declared = dict(self.definition.variables)
        values = {v["name"]: v["value"] for v in given}
        unknown = [name for name in values if name not in declared]
        if unknown:
            raise ValidationException(
                f"Variable(s) {', '.join(unknown)} are not declared in pipeline "
                f"{self.definition.name}."
            )
        resolved = {name: values.get(name, default) for name, default in declared.items()}
        missing = [name for name, value in resolved.items() if value is None]
        if missing:
            raise ValidationException(
                f"Variable(s) {', '.join(missing)} have no default value and must be provided."
            )
        return [{"name": name, "value": str(value)} for name, value in resolved.items()]

    def stop_execution(
        self, pipeline_execution_id: str, abandon: bool, reason: str | None, now: datetime.datetime
    ) -> PipelineExecution:
        execution = self.execution(pipeline_execution_id)
        if not execution.status.is_active:
            raise PipelineExecutionNotStoppableException()
        if execution.status is ExecutionStatus.STOPPING and not abandon:
            raise DuplicatedStopRequestException()
        execution.status = ExecutionStatus.STOPPING
        execution.last_update_time = now
        self._wake(execution)
        if reason is not None:
            execution.stop_reason = reason
        self.emit(EventLevel.PIPELINE, EventState.STOPPING, execution, now)
        stage = execution.current_stage
        if execution.position is Position.INSIDE and stage is not None:
            run = execution.stage_runs[stage.name]
            run.status = StageStatus.STOPPING
            self.conditions.abandon(run, now, ConditionStatus.ABANDONED)
            self.emit(EventLevel.STAGE, EventState.STOPPING, execution, now, stage.name)
            if abandon:
                for action_run in run.actions.values():
                    if action_run.status is ActionStatus.IN_PROGRESS:
                        self.finish_action(action_run, ActionStatus.ABANDONED, now)
        self._pump(now)
        return execution

    def retry_stage_execution(
        self, pipeline_execution_id: str, stage_name: str, mode: RetryMode, now: datetime.datetime
    ) -> PipelineExecution:
        return retry.retry_stage_execution(self, pipeline_execution_id, stage_name, mode, now)

    def override_stage_condition(
        self,
        pipeline_execution_id: str,
        stage_name: str,
        condition_type: ConditionType,
        now: datetime.datetime,
    ) -> None:
        overrides.override_stage_condition(
            self, pipeline_execution_id, stage_name, condition_type, now
        )

    def rollback_stage(
        self, stage_name: str, target_id: str, caller: str, now: datetime.datetime
    ) -> PipelineExecution:
        return rollback.rollback_stage(self, stage_name, target_id, caller, now)

    def replace_definition(self, definition: PipelineDefinition, now: datetime.datetime) -> None:
        """UpdatePipeline: executions in flight end Cancelled; new ones use the new version."""
        for execution in self._active():
            stage = execution.current_stage
            if execution.position is Position.INSIDE and stage is not None:
                run = execution.stage_runs[stage.name]
                run.status = StageStatus.CANCELLED
                self.conditions.abandon(run, now, ConditionStatus.CANCELLED)
                for action_run in run.actions.values():
                    if action_run.status is ActionStatus.IN_PROGRESS:
                        self.finish_action(
                            action_run, ActionStatus.ABANDONED, now, event=EventState.CANCELED
                        )
                self.emit(EventLevel.STAGE, EventState.CANCELED, execution, now, stage.name)
            self._finish_execution(execution, ExecutionStatus.CANCELLED, now)
        self.definition = definition
        self.transitions = {
            stage.name: self.transitions.get(stage.name) or TransitionState()
            for stage in definition.stages
        }

    # -- approvals and actions -------------------------------------------------------------

    def put_approval_result(
        self,
        action: ActionDefinition,
        token: str,
        status: ApprovalStatus,
        summary: str,
        answered_by: str,
        now: datetime.datetime,
    ) -> None:
        run = self.approvals.answer(action, token, status, summary, answered_by, now)
        self.executions[run.pipeline_execution_id].last_update_time = now
        self._pump(now)

    def complete_action(
        self,
        stage_name: str,
        action_name: str,
        succeeded: bool,
        summary: str | None,
        now: datetime.datetime,
        pipeline_execution_id: str | None = None,
    ) -> int:
        """Finish held (InProgress) runs of a steered action or held Invoke; returns how many."""
        done = self.steered.complete(
            stage_name, action_name, succeeded, summary, now, pipeline_execution_id
        )
        done += self.jobs.complete_held(
            stage_name, action_name, succeeded, summary, now, pipeline_execution_id
        )
        self._pump(now)
        return done

    def settle(self, now: datetime.datetime, *woken: PipelineExecution) -> None:
        """Move executions on after a kind finished runs through its own entry points (jobs),
        or after something happened to the ``woken`` ones (an overridden condition)."""
        for execution in woken:
            self._wake(execution)
        self._pump(now)

    def resume(self, execution: PipelineExecution, stage_name: str) -> None:
        """A finished execution is in flight again inside the stage (a retry), in its start
        order."""
        self._in_flight[execution.pipeline_execution_id] = execution
        self._in_flight = dict(sorted(self._in_flight.items(), key=lambda kv: kv[1].sequence))
        execution.position = Position.INSIDE
        execution.stage_index = self.definition.stage_index(stage_name)
        self._moved(execution)

    # -- transitions -----------------------------------------------------------------------

    def set_transition(
        self,
        stage_name: str,
        transition_type: TransitionType,
        enabled: bool,
        reason: str | None,
        changed_by: str,
        now: datetime.datetime,
    ) -> None:
        # One arrow joins two stages: stage N's outbound is stage N+1's inbound. The last
        # stage's outbound leads nowhere, so it has no state to change.
        index = self.definition.stage_index(stage_name)
        if transition_type is TransitionType.OUTBOUND:
            index += 1
            if index == len(self.definition.stages):
                return
        self.transitions[self.definition.stages[index].name] = TransitionState(
            enabled=enabled,
            last_changed_by=changed_by,
            last_changed_at=now,
            disabled_reason=None if enabled else reason,
        )
        for waiting in self._positions.waiting(self.definition.stages[index].name):
            self._wake(waiting)
        self._pump(now)

    # -- what a failed stage does next ------------------------------------------------------

    def _retry_automatically(
        self,
        execution: PipelineExecution,
        run: StageRun,
        stage: StageDefinition,
        now: datetime.datetime,
    ) -> None:
        retry.retry_automatically(self, execution, run, stage, now)

    def _roll_back_automatically(
        self, stage_name: str, failed: PipelineExecution, now: datetime.datetime
    ) -> None:
        rollback.roll_back_automatically(self, stage_name, failed, now)
