"""Action runs, stage runs and condition runs: what one execution did in one stage."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from moto_approvals.domain.compact import (
    _FROM_SOURCE,
    EMPTY,
    Pairs,
    _ActionRuns,
    _empty,
    compact_id,
    id_text,
)
from moto_approvals.domain.definitions import ActionDefinition, Declaration
from moto_approvals.domain.statuses import (
    ActionStatus,
    ApprovalStatus,
    ConditionStatus,
    ConditionType,
    StageStatus,
)

if TYPE_CHECKING:
    from moto_approvals.domain.executions import PipelineExecution


@dataclass(slots=True)
class ArtifactLocation:
    """Where one named artifact of one action run lives in the artifact store (moto S3)."""

    name: str
    bucket: str
    key: str
    #: The source revision the artifact carries (an S3 version id, a commit id), if known.
    revision_id: str | None = None


class _Finishing(Protocol):
    """A run that ends with a status, at a time, with an optional summary (actions, rules)."""

    status: ActionStatus
    last_status_change: datetime.datetime
    summary: str | None


def _finish(
    run: _Finishing, status: ActionStatus, now: datetime.datetime, summary: str | None = None
) -> None:
    run.status = status
    run.last_status_change = now
    if summary is not None:
        run.summary = summary


@dataclass(slots=True)
class ApprovalDetails:
    """The part of an action run only a manual approval has."""

    #: As :func:`compact_id` keeps it.
    token: str | int | None = None
    #: None when it is the usual one (:attr:`ActionRun.expires_at`).
    expires_at: datetime.datetime | None = None
    answer: ApprovalStatus | None = None
    updated_by: str | None = None


@dataclass(slots=True)
class JobDetails:
    """The part of an action run only a job's action has, set as its worker reports."""

    job_execution_id: str | None = None
    job_execution_url: str | None = None
    entity_url: str | None = None
    percent_complete: int | None = None
    error_code: str | None = None


@dataclass(slots=True)
class ActionRun:
    """One run of one action inside one stage run of one execution."""

    action_execution_id: str
    #: The execution the run belongs to (a run is never moved to another).
    execution: PipelineExecution = field(repr=False, compare=False)
    action: ActionDefinition
    status: ActionStatus
    start_time: datetime.datetime
    last_status_change: datetime.datetime
    summary: str | None = None
    #: What only an approval run has (its token, deadline and answer), or only a job's run
    #: (the worker's links and progress); None until one is set.
    details: ApprovalDetails | JobDetails | None = None
    #: Filled when the run starts, before its kind starts it (artifacts and variables).
    # Tuples: an action without artifacts (most of them) shares the one empty tuple.
    input_artifacts: Sequence[ArtifactLocation] = ()
    output_artifacts: Sequence[ArtifactLocation] = ()
    #: The configuration with every #{...} reference resolved; None until resolved.
    resolved_configuration: dict[str, str] | None = None
    #: :attr:`output_variables`, or :data:`_FROM_SOURCE` for a source run (read from the
    #: revision its execution fetched, which history may not store).
    _outputs: Mapping[str, str] = field(default_factory=_empty, repr=False)
    #: Start order within the pipeline's history (pages of ListActionExecutions bisect on it).
    ordinal: int = 0

    @property
    def pipeline_execution_id(self) -> str:
        return self.execution.pipeline_execution_id

    @property
    def pipeline_version(self) -> int:
        return self.execution.pipeline_version

    @property
    def output_variables(self) -> Mapping[str, str]:
        """The variables the action produced (a job's outputVariables, a source's own);
        replaced, never changed in place (most runs share the one empty mapping)."""
        outputs = self._outputs
        if outputs is _FROM_SOURCE:
            revision = self.execution.source_revision(self.action)
            return Pairs(revision.variables) if revision is not None else EMPTY
        return outputs

    @output_variables.setter
    def output_variables(self, value: Mapping[str, str]) -> None:
        self._outputs = value

    def show_source_variables(self) -> None:
        """The run's output variables are its source revision's."""
        self._outputs = _FROM_SOURCE

    @property
    def token(self) -> str | None:
        """The approval token; kept after the answer as the external execution id."""
        details = self.details
        if not isinstance(details, ApprovalDetails) or details.token is None:
            return None
        return id_text(details.token)

    @token.setter
    def token(self, value: str | None) -> None:
        details = self.details
        if not isinstance(details, ApprovalDetails):
            if value is None:
                return
            details = self.details = ApprovalDetails()
        details.token = compact_id(value) if value is not None else None

    @property
    def token_key(self) -> str | int | None:
        """The token as :func:`compact_id` keeps it."""
        details = self.details
        return details.token if isinstance(details, ApprovalDetails) else None

    @property
    def expires_at(self) -> datetime.datetime | None:
        details = self.details
        if not isinstance(details, ApprovalDetails):
            return None
        if details.expires_at is None and details.token is not None:
            return self.start_time + self.action.approval_timeout
        return details.expires_at

    @expires_at.setter
    def expires_at(self, value: datetime.datetime | None) -> None:
        details = self.details
        if not isinstance(details, ApprovalDetails):
            if value is None:
                return
            details = self.details = ApprovalDetails()
        # The usual deadline (the timeout after the start) is computed, not kept.
        usual = (
            details.token is not None and value == self.start_time + self.action.approval_timeout
        )
        details.expires_at = None if usual else value

    @property
    def answer(self) -> ApprovalStatus | None:
        details = self.details
        return details.answer if isinstance(details, ApprovalDetails) else None

    @answer.setter
    def answer(self, value: ApprovalStatus | None) -> None:
        details = self.details
        if not isinstance(details, ApprovalDetails):
            if value is None:
                return
            details = self.details = ApprovalDetails()
        details.answer = value

    @property
    def updated_by(self) -> str | None:
        details = self.details
        return details.updated_by if isinstance(details, ApprovalDetails) else None

    @updated_by.setter
    def updated_by(self, value: str | None) -> None:
        details = self.details
        if not isinstance(details, ApprovalDetails):
            if value is None:
                return
            details = self.details = ApprovalDetails()
        details.updated_by = value

    @property
    def job_execution_id(self) -> str | None:
        """A job's externalExecutionId."""
        details = self.details
        return details.job_execution_id if isinstance(details, JobDetails) else None

    @job_execution_id.setter
    def job_execution_id(self, value: str | None) -> None:
        details = self.details
        if not isinstance(details, JobDetails):
            if value is None:
                return
            details = self.details = JobDetails()
        details.job_execution_id = value

    @property
    def job_execution_url(self) -> str | None:
        details = self.details
        return details.job_execution_url if isinstance(details, JobDetails) else None

    @job_execution_url.setter
    def job_execution_url(self, value: str | None) -> None:
        details = self.details
        if not isinstance(details, JobDetails):
            if value is None:
                return
            details = self.details = JobDetails()
        details.job_execution_url = value

    @property
    def entity_url(self) -> str | None:
        """The link the action type's entityUrlTemplate gives."""
        details = self.details
        return details.entity_url if isinstance(details, JobDetails) else None

    @entity_url.setter
    def entity_url(self, value: str | None) -> None:
        details = self.details
        if not isinstance(details, JobDetails):
            if value is None:
                return
            details = self.details = JobDetails()
        details.entity_url = value

    @property
    def percent_complete(self) -> int | None:
        """How far a job worker said it got (executionDetails.percentComplete)."""
        details = self.details
        return details.percent_complete if isinstance(details, JobDetails) else None

    @percent_complete.setter
    def percent_complete(self, value: int | None) -> None:
        details = self.details
        if not isinstance(details, JobDetails):
            if value is None:
                return
            details = self.details = JobDetails()
        details.percent_complete = value

    @property
    def error_code(self) -> str | None:
        """The failure type a job worker reported (PutJobFailureResult)."""
        details = self.details
        return details.error_code if isinstance(details, JobDetails) else None

    @error_code.setter
    def error_code(self, value: str | None) -> None:
        details = self.details
        if not isinstance(details, JobDetails):
            if value is None:
                return
            details = self.details = JobDetails()
        details.error_code = value

    @property
    def stage_name(self) -> str:
        return self.action.stage_name

    @property
    def action_name(self) -> str:
        return self.action.name

    @property
    def external_execution_id(self) -> str | None:
        """The approval token, or the id a job worker reported."""
        return self.token or self.job_execution_id

    @property
    def external_execution_url(self) -> str | None:
        """An approval's review page (its ExternalEntityLink), or a job's execution link."""
        if self.token_key is not None:
            return self.configuration.get("ExternalEntityLink")
        return self.job_execution_url

    @property
    def configuration(self) -> dict[str, str]:
        """The configuration the run acts on: resolved once it started."""
        if self.resolved_configuration is not None:
            return self.resolved_configuration
        return self.action.configuration

    @property
    def is_pending_approval(self) -> bool:
        return self.token_key is not None and self.status is ActionStatus.IN_PROGRESS

    finish = _finish


@dataclass(slots=True)
class StageRetries:
    """How often a stage run was retried, by hand and by its onFailure condition."""

    manual_attempts: int = 0
    auto_attempts: int = 0
    latest_trigger: str | None = None


@dataclass(slots=True)
class StageRun:
    """The visit of one execution to one stage; a retry reuses it."""

    stage_name: str
    pipeline_execution_id: str
    status: StageStatus
    #: :attr:`actions`: a dict while the stage can change; once the execution ended, a bare
    #: tuple, or the one run itself (the smallest records history can keep).
    _actions: dict[str, ActionRun] | tuple[ActionRun, ...] | ActionRun = field(
        default_factory=dict, repr=False
    )
    #: The stage run's retries; None until the first (most stage runs never retry).
    retries: StageRetries | None = None
    #: The latest run of each of the stage's conditions in this visit, by type (read-only:
    #: :meth:`put_condition` changes it).
    conditions: Mapping[ConditionType, ConditionRun] = field(default_factory=_empty)
    #: The beforeEntry condition let the execution in (or the stage has none).
    entered: bool = False

    @property
    def manual_retry_attempts(self) -> int:
        return self.retries.manual_attempts if self.retries is not None else 0

    @property
    def auto_retry_attempts(self) -> int:
        return self.retries.auto_attempts if self.retries is not None else 0

    @property
    def latest_retry_trigger(self) -> str | None:
        return self.retries.latest_trigger if self.retries is not None else None

    def note_retry(self, trigger: str) -> None:
        """Count a retry: ``ManualStageRetry`` or ``AutomatedStageRetry``."""
        retries = self.retries = self.retries or StageRetries()
        if trigger == "ManualStageRetry":
            retries.manual_attempts += 1
        else:
            retries.auto_attempts += 1
        retries.latest_trigger = trigger

    @property
    def actions(self) -> Mapping[str, ActionRun]:
        """The latest run of each action of the stage that has started in this visit
        (read-only: :meth:`put_action` and :meth:`drop_action` change it)."""
        runs = self._actions
        if isinstance(runs, dict):
            return runs
        return _ActionRuns(runs if isinstance(runs, tuple) else (runs,))

    def put_action(self, run: ActionRun) -> None:
        self._open_actions()[run.action.name] = run

    def drop_action(self, name: str) -> None:
        del self._open_actions()[name]

    def put_condition(self, condition: ConditionRun) -> None:
        conditions = dict(self.conditions)
        conditions[condition.condition_type] = condition
        self.conditions = conditions

    def _open_actions(self) -> dict[str, ActionRun]:
        # A retry reopens a stage run that its execution's end compacted.
        if not isinstance(self._actions, dict):
            self._actions = dict(self.actions)
        return self._actions

    def actions_in_order(self) -> tuple[ActionRun, ...]:
        runs = self._actions
        if isinstance(runs, dict):
            return tuple(runs.values())
        return runs if isinstance(runs, tuple) else (runs,)

    def compact(self) -> None:
        """Keep the runs in a bare tuple (read through :class:`_Frozen`)."""
        if isinstance(self._actions, dict):
            runs = tuple(self._actions.values())
            self._actions = runs[0] if len(runs) == 1 else runs


@dataclass(slots=True)
class RuleRun:
    """One run of one rule of a stage condition (RuleExecutionStatus is ActionStatus's set)."""

    rule_execution_id: str
    pipeline_execution_id: str
    pipeline_version: int
    stage_name: str
    condition_type: ConditionType
    rule: Declaration
    status: ActionStatus
    start_time: datetime.datetime
    last_status_change: datetime.datetime
    summary: str | None = None

    @property
    def rule_name(self) -> str:
        return str(self.rule["name"])

    @property
    def provider(self) -> str:
        return str(self.rule["ruleTypeId"]["provider"])

    @property
    def configuration(self) -> dict[str, str]:
        return dict(self.rule.get("configuration") or {})

    finish = _finish


@dataclass(slots=True)
class ConditionRun:
    """One run of a stage's condition: its rules, all of which must succeed."""

    condition_type: ConditionType
    #: The declared result, engaged when the condition fails (FAIL, SKIP, ROLLBACK, ...).
    result: str | None
    status: ConditionStatus
    last_status_change: datetime.datetime
    rules: list[RuleRun] = field(default_factory=list)
    summary: str | None = None
    #: The flow has acted on the outcome; the next time this moment comes, a new run starts.
    settled: bool = False
