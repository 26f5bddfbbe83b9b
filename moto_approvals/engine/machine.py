"""The machine that moves executions through stages: positions, stage locks, endings.

An execution is either waiting at a stage's inbound transition or inside the stage. A write
wakes the executions it concerns and :meth:`ExecutionMachine._pump` steps them, oldest first,
as far as each can go: enter a stage when its lock and transition allow, start its actions in
run order, check its conditions, and leave for the next stage or finish. Every ending emits
its state-change event.

The operations users call (start, stop, update, transitions) live on
:class:`~moto_approvals.engine.flow.PipelineRuntime`, which builds on this machine.
"""

from __future__ import annotations

import abc
import datetime
import itertools
from collections.abc import Callable
from typing import TypeVar, cast

from moto_approvals.domain import (
    ActionDefinition,
    ActionRun,
    ActionStatus,
    ConditionType,
    EventLevel,
    EventState,
    ExecutionMode,
    ExecutionStatus,
    ExecutionType,
    PipelineDefinition,
    PipelineExecution,
    Position,
    StageDefinition,
    StageRun,
    StageStatus,
    StateChange,
    TransitionState,
)
from moto_approvals.engine.approvals import ManualApprovals
from moto_approvals.engine.artifacts import Artifacts, ArtifactStore, NoArtifactStore
from moto_approvals.engine.conditions import Outcome, StageConditions
from moto_approvals.engine.history import History
from moto_approvals.engine.jobs import JobActions
from moto_approvals.engine.kinds import ActionKind
from moto_approvals.engine.positions import Positions
from moto_approvals.engine.retry import UNSUCCESSFUL
from moto_approvals.engine.steered import SteeredActions
from moto_approvals.exceptions import PipelineExecutionNotFoundException

IdFactory = Callable[[], str]

_ACTION_EVENTS = {
    ActionStatus.SUCCEEDED: EventState.SUCCEEDED,
    ActionStatus.FAILED: EventState.FAILED,
    ActionStatus.ABANDONED: EventState.ABANDONED,
}


T = TypeVar("T")


class ExecutionMachine(abc.ABC):
    """Executions of one pipeline in flight: where each is, and how each moves on."""

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

    def take_state_changes(self) -> list[StateChange]:
        """The state changes since the last call, oldest first (each is reported once)."""
        changes, self._changes = self._changes, []
        return changes

    # -- what a failed stage does next (the runtime decides) -------------------------------

    @abc.abstractmethod
    def _retry_automatically(
        self,
        execution: PipelineExecution,
        run: StageRun,
        stage: StageDefinition,
        now: datetime.datetime,
    ) -> None:
        """onFailure RETRY: run the failed stage once more."""

    @abc.abstractmethod
    def _roll_back_automatically(
        self, stage_name: str, failed: PipelineExecution, now: datetime.datetime
    ) -> None:
        """onFailure ROLLBACK: roll the stage back to its last success, if it can be."""

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
                self._retry_automatically(execution, run, stage, now)
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
            self._roll_back_automatically(stage.name, execution, now)
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
            execution=execution,
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
        kind = next(k for k in self.kinds if k.runs(action_run))
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
