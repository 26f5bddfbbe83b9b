"""The execution flow of one pipeline: executions through stages, stage locks, transitions.

The engine is deterministic: it has no clock, thread or timer. Each entry point takes
``now``; expiries are computed when state is read or written (:meth:`PipelineRuntime.advance`),
in the order they fell due, so a test that moves the clock a month sees every approval that
timed out on the way, and every execution that entered a stage because of it.

What an action does once started belongs to its kind (:mod:`moto_approvals.engine.approvals`,
:mod:`moto_approvals.engine.steered`); the flow only starts actions and reacts to their ends.

Stage locking follows the CodePipeline User Guide (concepts-how-it-works): in SUPERSEDED and
QUEUED modes a stage holds one execution at a time; executions wait at the stage's inbound
transition and are superseded only there, never inside a stage.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from typing import TypeVar, cast

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
    ExecutionType,
    PendingApproval,
    PipelineDefinition,
    PipelineExecution,
    Position,
    RetryMode,
    SourceRevision,
    StageDefinition,
    StageRun,
    StageStatus,
    StateChange,
    TransitionState,
    TransitionType,
)
from moto_approvals.engine import overrides, retry, rollback
from moto_approvals.engine.approvals import ManualApprovals
from moto_approvals.engine.artifacts import Artifacts, ArtifactStore, NoArtifactStore
from moto_approvals.engine.conditions import Outcome, StageConditions
from moto_approvals.engine.history import History
from moto_approvals.engine.jobs import JobActions
from moto_approvals.engine.kinds import ActionKind
from moto_approvals.engine.positions import Positions
from moto_approvals.engine.retry import UNSUCCESSFUL
from moto_approvals.engine.steered import SteeredActions
from moto_approvals.exceptions import (
    ConcurrentPipelineExecutionsLimitExceededException,
    DuplicatedStopRequestException,
    PipelineExecutionNotFoundException,
    PipelineExecutionNotStoppableException,
    ValidationException,
)

IdFactory = Callable[[], str]

#: Executions in flight (running or queued) a QUEUED or PARALLEL pipeline may hold (quotas).
T = TypeVar("T")

MAX_CONCURRENT_EXECUTIONS = 50

_ACTION_EVENTS = {
    ActionStatus.SUCCEEDED: EventState.SUCCEEDED,
    ActionStatus.FAILED: EventState.FAILED,
    ActionStatus.ABANDONED: EventState.ABANDONED,
}


class PipelineRuntime:
    """The executions, stage locks and transitions of one pipeline."""

    def __init__(
        self,
        definition: PipelineDefinition,
        new_id: IdFactory,
        artifact_store: ArtifactStore | None = None,
    ) -> None:
        self.definition = definition
        self._new_id = new_id
        self.history = History()
        #: Every execution by id, in start order.
        self.executions = self.history.executions
        #: Drop the oldest finished executions beyond this many (None: keep every one).
        self.history_limit: int | None = None
        self.transitions: dict[str, TransitionState] = {
            stage.name: TransitionState() for stage in definition.stages
        }
        #: Every action run, oldest first (ListActionExecutions reads it newest first).
        self.action_runs = self.history.action_runs
        #: Each execution's action runs, oldest first: a filtered read costs that execution only.
        self.runs_by_execution = self.history.runs_by_execution
        #: The latest execution that entered each stage.
        self.stage_entries: dict[str, str] = {}
        self._latest_runs: dict[tuple[str, str], ActionRun] = {}
        # The executions in flight, in start order (each leaves it when it finishes).
        self._in_flight: dict[str, PipelineExecution] = {}
        self._positions = Positions()
        # Executions that may be able to move: a write steps these, not everything in flight.
        self._dirty: dict[str, PipelineExecution] = {}
        self._client_tokens: dict[str, str] = {}
        #: State changes since the backend last took them.
        self._changes: list[StateChange] = []
        self._sequence = itertools.count(1)
        self.artifacts = Artifacts(self, artifact_store or NoArtifactStore())
        self.approvals = ManualApprovals(self)
        self.jobs = JobActions(self)
        self.steered = SteeredActions(self)
        #: Asked in order which kind runs an action; the steered kind runs any.
        self.kinds: list[ActionKind] = [self.approvals, self.jobs, self.steered]
        self.conditions = StageConditions(self)

    def new_id(self) -> str:
        return self._new_id()

    # -- reading ---------------------------------------------------------------------------

    def execution(self, pipeline_execution_id: str) -> PipelineExecution:
        try:
            return self.executions[pipeline_execution_id]
        except KeyError:
            raise PipelineExecutionNotFoundException(
                f"Pipeline execution ID {pipeline_execution_id} does not belong to the "
                f"pipeline {self.definition.name}."
            ) from None

    def executions_newest_first(self) -> list[PipelineExecution]:
        return list(self.history.executions_newest_first())

    def latest_run(self, stage_name: str, action_name: str) -> ActionRun | None:
        return self._latest_runs.get((stage_name, action_name))

    def waiting_at(self, stage_name: str) -> list[PipelineExecution]:
        """Executions at the stage's inbound transition, next to enter first."""
        waiting = self._positions.waiting(stage_name)  # in arrival order
        if self.definition.execution_mode is ExecutionMode.SUPERSEDED:
            return sorted(waiting, key=lambda e: e.sequence, reverse=True)
        return waiting

    def waiting_summary(self, stage_name: str, build: Callable[[list[PipelineExecution]], T]) -> T:
        """``build`` of the executions waiting at the stage, next first; kept while nobody
        arrives at or leaves that transition (a waiting execution's status only changes as it
        leaves)."""
        return cast(T, self._positions.memo(stage_name, lambda: build(self.waiting_at(stage_name))))

    def pending_approvals(self) -> list[PendingApproval]:
        return self.approvals.pending()

    def take_started_approvals(self) -> list[ActionRun]:
        """The approvals started since the last call (each is reported once)."""
        return self.approvals.take_started()

    def take_state_changes(self) -> list[StateChange]:
        """The state changes since the last call, oldest first (each is reported once)."""
        changes, self._changes = self._changes, []
        return changes

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
        if client_request_token and client_request_token in self._client_tokens:
            return self.executions[self._client_tokens[client_request_token]]
        self.check_capacity()
        resolved_variables = self._resolve_variables(variables or [])
        # Sources are fixed now, at the start (an S3 source: the version current now).
        sources = self.artifacts.fix_sources(source_revisions or [])
        sources.update(action_revisions or {})
        execution = self.new_execution(
            now, trigger_type, trigger_detail, resolved_variables, source_revisions=sources
        )
        self.launch(execution, 0, now)
        if client_request_token:
            execution.client_request_token = client_request_token
            self._client_tokens[client_request_token] = execution.pipeline_execution_id
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
            pipeline_name=self.definition.name,
            definition=self.definition,
            status=ExecutionStatus.IN_PROGRESS,
            trigger_type=trigger_type,
            trigger_detail=trigger_detail,
            variables=variables,
            start_time=now,
            last_update_time=now,
            source_revisions=source_revisions or {},
            execution_type=(
                ExecutionType.STANDARD if rollback_target is None else ExecutionType.ROLLBACK
            ),
            rollback_target=rollback_target,
        )

    def check_capacity(self) -> None:
        """Refuse one more execution in flight beyond the quota of QUEUED and PARALLEL modes
        (SUPERSEDED holds at most one per stage and one at each transition)."""
        mode = self.definition.execution_mode
        if mode is ExecutionMode.SUPERSEDED or len(self._active()) < MAX_CONCURRENT_EXECUTIONS:
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

    # -- the machine -----------------------------------------------------------------------

    def _active(self) -> list[PipelineExecution]:
        """In-flight executions in start order."""
        for execution_id, execution in list(self._in_flight.items()):
            if not execution.status.is_active:
                del self._in_flight[execution_id]
        return list(self._in_flight.values())

    def _pump(self, now: datetime.datetime) -> None:
        """Move every execution that may move as far as it can go, oldest first.

        Only executions something happened to are stepped (an action of theirs finished, the
        stage ahead freed up, a transition opened, a stop): each such event wakes them. A
        condition waiting for a rule's verdict is asked again on every pass, as before.
        """
        for execution in self.conditions.waiting_executions():
            self._wake(execution)
        while self._dirty:
            batch = sorted(self._dirty.values(), key=lambda e: e.sequence)
            self._dirty.clear()
            for execution in batch:
                if execution.status.is_active and self._step(execution, now):
                    self._wake(execution)

    def _wake(self, execution: PipelineExecution) -> None:
        self._dirty[execution.pipeline_execution_id] = execution

    def _moved(self, execution: PipelineExecution) -> None:
        """The execution changed place: index it, and wake the next to enter a stage it left."""
        self._wake(execution)
        left = self._positions.place(execution)
        if left is None:
            return
        if self.definition.execution_mode is ExecutionMode.SUPERSEDED:
            waiting = self.waiting_at(left)
            following = waiting[0] if waiting else None
        else:
            following = self._positions.first_waiting(left)
        if following is not None:
            self._wake(following)

    def _step(self, execution: PipelineExecution, now: datetime.datetime) -> bool:
        stage = execution.current_stage
        assert stage is not None
        if execution.position is Position.WAITING:
            if execution.status is ExecutionStatus.STOPPING:
                self._finish_execution(execution, ExecutionStatus.STOPPED, now)
                return True
            if not self._may_enter(execution, stage):
                return False
            self._enter(execution, stage, now)
            return True
        run = execution.stage_runs[stage.name]
        runs = run.actions.values()
        if any(r.status is ActionStatus.IN_PROGRESS for r in runs):
            return False
        if execution.status is ExecutionStatus.STOPPING:
            self._finish_stage(execution, run, StageStatus.STOPPED, now)
            self._finish_execution(execution, ExecutionStatus.STOPPED, now)
            return True
        if not run.entered:
            outcome = self.conditions.check(execution, run, stage, ConditionType.BEFORE_ENTRY, now)
            if outcome is Outcome.WAIT:
                return False
            if outcome is Outcome.SKIP:
                self._finish_stage(execution, run, StageStatus.SKIPPED, now)
                self._leave(execution, now)
                return True
            if outcome is not Outcome.PROCEED:
                return self._fail_stage(execution, run, stage, now)
            run.entered = True
        if any(r.status in UNSUCCESSFUL for r in runs):
            outcome = self.conditions.check(execution, run, stage, ConditionType.ON_FAILURE, now)
            if outcome is Outcome.WAIT:
                return False
            if outcome is Outcome.RETRY and not run.auto_retry_attempts:
                retry.retry_automatically(self, execution, run, stage, now)
                return True
            return self._fail_stage(execution, run, stage, now, outcome is Outcome.ROLLBACK)
        unstarted = [a for a in stage.actions if a.name not in run.actions]
        if unstarted:
            first = min(a.run_order for a in unstarted)
            for action in unstarted:
                if action.run_order == first:
                    self._start_action(execution, run, action, now)
            return True
        outcome = self.conditions.check(execution, run, stage, ConditionType.ON_SUCCESS, now)
        if outcome is Outcome.WAIT:
            return False
        if outcome is not Outcome.PROCEED:
            return self._fail_stage(execution, run, stage, now, outcome is Outcome.ROLLBACK)
        self._finish_stage(execution, run, StageStatus.SUCCEEDED, now)
        self._leave(execution, now)
        return True

    def _leave(self, execution: PipelineExecution, now: datetime.datetime) -> None:
        """The execution is done with its stage: on to the next one, or finished."""
        last = execution.stage_index + 1 == len(execution.definition.stages)
        # A rollback runs the rolled-back stage only.
        if last or execution.execution_type is ExecutionType.ROLLBACK:
            self._finish_execution(execution, ExecutionStatus.SUCCEEDED, now)
        else:
            self._arrive(execution, execution.stage_index + 1, now)

    def _fail_stage(
        self,
        execution: PipelineExecution,
        run: StageRun,
        stage: StageDefinition,
        now: datetime.datetime,
        roll_back: bool = False,
    ) -> bool:
        self._finish_stage(execution, run, StageStatus.FAILED, now)
        self._finish_execution(execution, ExecutionStatus.FAILED, now)
        if roll_back:
            rollback.roll_back_automatically(self, stage.name, execution, now)
        return True

    def launch(
        self, execution: PipelineExecution, stage_index: int, now: datetime.datetime
    ) -> None:
        """A new execution arrives at a stage's inbound transition."""
        execution.sequence = next(self._sequence)
        self.history.add_execution(execution)
        self._in_flight[execution.pipeline_execution_id] = execution
        self.emit(EventLevel.PIPELINE, EventState.STARTED, execution, now)
        self._arrive(execution, stage_index, now)

    def _arrive(self, execution: PipelineExecution, index: int, now: datetime.datetime) -> None:
        execution.position = Position.WAITING
        execution.stage_index = index
        execution.last_update_time = now
        self._moved(execution)
        if self.definition.execution_mode is not ExecutionMode.SUPERSEDED:
            return
        # Only one execution may wait at a transition: the newer one supersedes the other.
        stage_name = self.definition.stages[index].name
        for other in self.waiting_at(stage_name):
            if other is execution:
                continue
            loser = other if other.sequence < execution.sequence else execution
            self._finish_execution(loser, ExecutionStatus.SUPERSEDED, now)

    def _may_enter(self, execution: PipelineExecution, stage: StageDefinition) -> bool:
        if not self.transitions[stage.name].enabled:
            return False
        if self.definition.execution_mode is ExecutionMode.PARALLEL:
            return True
        if self._positions.occupied(stage.name):
            return False
        if self.definition.execution_mode is ExecutionMode.QUEUED:
            return self._positions.first_waiting(stage.name) is execution
        return self.waiting_at(stage.name)[0] is execution

    def _enter(
        self, execution: PipelineExecution, stage: StageDefinition, now: datetime.datetime
    ) -> None:
        execution.position = Position.INSIDE
        execution.last_update_time = now
        self._moved(execution)
        execution.put_stage_run(
            StageRun(
                stage_name=stage.name,
                pipeline_execution_id=execution.pipeline_execution_id,
                status=StageStatus.IN_PROGRESS,
            )
        )
        self.stage_entries[stage.name] = execution.pipeline_execution_id
        self.emit(EventLevel.STAGE, EventState.STARTED, execution, now, stage.name)

    def _start_action(
        self,
        execution: PipelineExecution,
        run: StageRun,
        action: ActionDefinition,
        now: datetime.datetime,
    ) -> None:
        action_run = ActionRun(
            action_execution_id=self._new_id(),
            pipeline_execution_id=execution.pipeline_execution_id,
            pipeline_version=execution.pipeline_version,
            action=action,
            status=ActionStatus.IN_PROGRESS,
            start_time=now,
            last_status_change=now,
        )
        run.put_action(action_run)
        self.history.add_run(action_run)
        self._latest_runs[(action.stage_name, action.name)] = action_run
        self.emit(EventLevel.ACTION, EventState.STARTED, execution, now, action_run=action_run)
        # Artifacts and variables first: a run that cannot get them fails before its kind runs.
        failure = self.artifacts.prepare(execution, action_run)
        if failure is not None:
            self.finish_action(action_run, ActionStatus.FAILED, now, failure)
            return
        kind = next(k for k in self.kinds if k.runs(action))
        kind.start(action_run, now)

    # -- endings, each with its state-change event -----------------------------------------

    def emit(
        self,
        level: EventLevel,
        state: EventState,
        execution: PipelineExecution,
        now: datetime.datetime,
        stage_name: str | None = None,
        action_run: ActionRun | None = None,
    ) -> None:
        if action_run is not None:
            stage_name = action_run.stage_name
        self._changes.append(StateChange(level, state, execution, now, stage_name, action_run))

    def finish_action(
        self,
        run: ActionRun,
        status: ActionStatus,
        now: datetime.datetime,
        summary: str | None = None,
        event: EventState | None = None,
    ) -> None:
        run.finish(status, now, summary)
        execution = self.executions[run.pipeline_execution_id]
        self._wake(execution)
        state = event or _ACTION_EVENTS[status]
        self.emit(EventLevel.ACTION, state, execution, now, action_run=run)

    def _finish_stage(
        self,
        execution: PipelineExecution,
        run: StageRun,
        status: StageStatus,
        now: datetime.datetime,
    ) -> None:
        run.status = status
        if status is StageStatus.SKIPPED:
            return  # EventBridge has no SKIPPED stage state (detect-state-changes-...)
        self.emit(
            EventLevel.STAGE, EventState(status.value.upper()), execution, now, run.stage_name
        )

    def _finish_execution(
        self, execution: PipelineExecution, status: ExecutionStatus, now: datetime.datetime
    ) -> None:
        execution.finish(status, now)
        self._in_flight.pop(execution.pipeline_execution_id, None)
        self._moved(execution)
        state = (
            EventState.CANCELED
            if status is ExecutionStatus.CANCELLED
            else EventState(status.value.upper())
        )
        self.emit(EventLevel.PIPELINE, state, execution, now)
