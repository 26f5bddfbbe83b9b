"""Executions, their source revisions, and what the engine reports about them."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from moto_approvals import placeholders
from moto_approvals.domain.compact import (
    EMPTY,
    _SourceRevisions,
    _StageRuns,
    _StageStatuses,
    flat_pairs,
    s3_variables,
)
from moto_approvals.domain.definitions import ActionDefinition, PipelineDefinition, StageDefinition
from moto_approvals.domain.runs import ActionRun, StageRun
from moto_approvals.domain.statuses import (
    EventLevel,
    EventState,
    ExecutionMode,
    ExecutionStatus,
    ExecutionType,
    Position,
)


@dataclass(frozen=True, slots=True)
class SourceRevision:
    """The revision a source action of one execution fetches, fixed when the execution starts.

    ``object`` is the store's own handle on an S3 source object (opaque to the engine);
    ``failure`` says why the source cannot be fetched (its action fails with it).
    """

    action_name: str
    revision_id: str
    #: The ETag of an S3 object (``revisionChangeIdentifier``); None for other sources.
    change_identifier: str | None = None
    created: datetime.datetime | None = None
    summary: str | None = None
    #: Output variables of the source action (S3: ETag, VersionId; others: CommitId, ...),
    #: flat: name, value, name, value (one tuple, not one per pair; see :func:`flat_pairs`).
    variables: tuple[str, ...] = ()
    object: Any = None
    failure: str | None = None


class PlaceholderRevision(SourceRevision):
    """A source's made-up revision (:mod:`~moto_approvals.placeholders`), made when read from
    the execution's id: history stores nothing for it. An S3 source shows the placeholder
    artifact's ETag and the revision as its version; a repository, the revision as its commit
    and what its configuration names."""

    __slots__ = ("_action",)
    _action: ActionDefinition

    # Shadow the base's fields a placeholder never has.
    created = None
    summary = None
    object = None
    failure = None

    def __init__(self, action: ActionDefinition, pipeline_execution_id: str) -> None:
        set_field = object.__setattr__  # frozen
        set_field(self, "action_name", action.name)
        set_field(self, "revision_id", placeholders.revision_id(pipeline_execution_id, action.name))
        set_field(self, "_action", action)

    @property
    def change_identifier(self) -> str | None:
        if not self._action.is_s3:
            return None
        return placeholders.etag(self.action_name, self.revision_id)

    @property
    def variables(self) -> tuple[str, ...]:
        if self._action.is_s3:
            return s3_variables(self.change_identifier or "", self.revision_id)
        names = placeholders.commit_variables(self._action.configuration, self.revision_id)
        return flat_pairs(names.items())


@dataclass(slots=True)
class PipelineExecution:
    pipeline_execution_id: str
    definition: PipelineDefinition
    status: ExecutionStatus
    trigger_type: str
    trigger_detail: str
    variables: Sequence[dict[str, str]]
    start_time: datetime.datetime
    last_update_time: datetime.datetime
    #: Start order within the pipeline; clocks tie under freezegun, this never does.
    sequence: int = 0
    position: Position = Position.WAITING
    stage_index: int = 0
    #: :attr:`stage_runs`: a dict while the execution runs, a bare tuple once it ended.
    #: Once it ended with only plain stage runs (:meth:`_pack`), just their statuses.
    _stage_runs: dict[str, StageRun] | tuple[StageRun, ...] | _StageStatuses = field(
        default_factory=dict, repr=False
    )
    status_summary: str | None = None
    stop_reason: str | None = None
    #: What source actions fetch, fixed when the execution starts (by action name): the
    #: revisions found or named; a placeholder is left out (see :attr:`source_revisions`).
    fixed_sources: Mapping[str, SourceRevision] = field(default_factory=dict)
    #: A rollback's target: the execution whose stage run it repeats.
    rollback_target: str | None = None
    #: StartPipelineExecution's clientRequestToken, if one came with it (as
    #: :func:`compact_id` keeps it).
    client_request_token: str | int | None = None
    #: Every action run of the execution, oldest first (retries too); a tuple, as an
    #: execution has few runs.
    action_runs: tuple[ActionRun, ...] = ()

    @property
    def pipeline_name(self) -> str:
        return self.definition.name

    @property
    def pipeline_version(self) -> int:
        return self.definition.version

    @property
    def execution_type(self) -> ExecutionType:
        return ExecutionType.STANDARD if self.rollback_target is None else ExecutionType.ROLLBACK

    @property
    def execution_mode(self) -> ExecutionMode:
        return self.definition.execution_mode

    @property
    def current_stage(self) -> StageDefinition | None:
        if self.position is Position.DONE:
            return None
        return self.definition.stages[self.stage_index]

    def is_inside(self, stage_name: str) -> bool:
        stage = self.current_stage
        return self.position is Position.INSIDE and stage is not None and stage.name == stage_name

    def is_waiting_at(self, stage_name: str) -> bool:
        stage = self.current_stage
        return self.position is Position.WAITING and stage is not None and stage.name == stage_name

    @property
    def source_revisions(self) -> Mapping[str, SourceRevision]:
        """What each source action fetches (by action name): a fixed revision, else its
        placeholder; a rollback fetches nothing."""
        fixed = self.fixed_sources
        if self.rollback_target is not None:
            return fixed
        revisions: dict[str, SourceRevision] = {}
        for action in self.definition.source_actions:
            revision = self.source_revision(action)
            if revision is not None:
                revisions[action.name] = revision
        for name, revision in fixed.items():  # PutActionRevision may name any action
            revisions.setdefault(name, revision)
        return revisions

    def source_revision(self, action: ActionDefinition) -> SourceRevision | None:
        """What this source action fetches (:attr:`source_revisions`), or None."""
        revision = self.fixed_sources.get(action.name)
        if revision is None and action.is_source and self.rollback_target is None:
            return PlaceholderRevision(action, self.pipeline_execution_id)
        return revision

    @property
    def stage_runs(self) -> Mapping[str, StageRun]:
        """The run of each stage the execution entered (read-only: :meth:`put_stage_run`)."""
        runs = self._stage_runs
        if isinstance(runs, dict):
            return runs
        if isinstance(runs, _StageStatuses):
            return _StageRuns(self._unpack(runs))
        return _StageRuns(runs)

    def put_stage_run(self, run: StageRun) -> None:
        self.reopen()
        assert isinstance(self._stage_runs, dict)
        self._stage_runs[run.stage_name] = run

    def reopen(self) -> None:
        """Hold the stage runs as objects that may change (a retry of an ended execution)."""
        if not isinstance(self._stage_runs, dict):
            self._stage_runs = dict(self.stage_runs)

    def _pack(self, runs: tuple[StageRun, ...]) -> tuple[StageRun, ...] | _StageStatuses:
        """Plain stage runs as their statuses only, when :meth:`_unpack` gives them back: each
        was entered, never retried, had no conditions, and ran the next action runs the
        execution lists, in that order (so they are its runs of that stage)."""
        every_run, start = self.action_runs, 0
        for run in runs:
            if run.retries is not None or run.conditions or not run.entered:
                return runs
            actions = run.actions_in_order()
            end = start + len(actions)
            if not actions or every_run[start:end] != actions:
                return runs
            start = end
        if start != len(every_run):
            return runs
        return _StageStatuses(run.status for run in runs)

    def _runs_by_stage(self) -> dict[str, list[ActionRun]]:
        by_stage: dict[str, list[ActionRun]] = {}
        for run in self.action_runs:
            by_stage.setdefault(run.action.stage_name, []).append(run)
        return by_stage

    def _unpack(self, statuses: _StageStatuses) -> tuple[StageRun, ...]:
        by_stage = self._runs_by_stage()
        return tuple(
            StageRun(
                stage_name=name,
                pipeline_execution_id=self.pipeline_execution_id,
                status=status,
                _actions=tuple(actions),
                entered=True,
            )
            for (name, actions), status in zip(by_stage.items(), statuses, strict=False)
        )

    def finish(self, status: ExecutionStatus, now: datetime.datetime) -> None:
        self.status = status
        self.position = Position.DONE
        self.last_update_time = now
        # History keeps every finished execution: hold its runs compactly from now on (a
        # retry or a late change reopens what it touches).
        runs = self._stage_runs
        if isinstance(runs, dict):
            runs = tuple(runs.values())
        if not isinstance(runs, _StageStatuses):
            packed = self._pack(runs)
            if packed is runs:
                for run in runs:
                    run.compact()
            self._stage_runs = packed
        if isinstance(self.fixed_sources, dict):
            fixed = tuple(self.fixed_sources.values())
            self.fixed_sources = _SourceRevisions.of(fixed) if fixed else EMPTY
        if not self.variables:
            self.variables = ()  # the one shared empty tuple


@dataclass
class TransitionState:
    enabled: bool = True
    last_changed_by: str | None = None
    last_changed_at: datetime.datetime | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True)
class PendingApproval:
    """A manual approval waiting for an answer, as a test sees it."""

    pipeline_name: str
    stage_name: str
    action_name: str
    pipeline_execution_id: str
    action_execution_id: str
    token: str
    expires_at: datetime.datetime


@dataclass(frozen=True)
class PendingJob:
    """A Lambda invoke job waiting for its function's answer, as a test sees it.

    ``event`` is the event the function gets: call the handler with it, and the handler's
    PutJobSuccessResult / PutJobFailureResult answers the job.
    """

    pipeline_name: str
    stage_name: str
    action_name: str
    pipeline_execution_id: str
    action_execution_id: str
    job_id: str
    event: dict[str, Any]


class StateChange(NamedTuple):
    """One state change of an execution, a stage run or an action run, in the order it happened.

    A named tuple: a write makes several, and most are never read (no rule observes them).
    """

    level: EventLevel
    state: EventState
    execution: PipelineExecution
    at: datetime.datetime
    stage_name: str | None = None
    action_run: ActionRun | None = None
