"""The CodePipeline domain: definitions, executions, stage runs and action runs.

Plain data: no moto, no HTTP, no clock. Every status enum carries AWS's strings as values,
so the wire layer can emit ``status.value`` unchanged.
"""

from __future__ import annotations

import abc
import datetime
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from moto_approvals import placeholders

#: A pipeline or action declaration as CreatePipeline receives it (camelCase keys).
Declaration = dict[str, Any]

#: AWS's default lifetime of a pending manual approval (Quotas page: 7 days).
DEFAULT_APPROVAL_TIMEOUT = datetime.timedelta(days=7)


class ExecutionStatus(str, Enum):
    CANCELLED = "Cancelled"
    IN_PROGRESS = "InProgress"
    STOPPED = "Stopped"
    STOPPING = "Stopping"
    SUCCEEDED = "Succeeded"
    SUPERSEDED = "Superseded"
    FAILED = "Failed"

    @property
    def is_active(self) -> bool:
        return self in (ExecutionStatus.IN_PROGRESS, ExecutionStatus.STOPPING)


class StageStatus(str, Enum):
    CANCELLED = "Cancelled"
    IN_PROGRESS = "InProgress"
    FAILED = "Failed"
    STOPPED = "Stopped"
    STOPPING = "Stopping"
    SUCCEEDED = "Succeeded"
    SKIPPED = "Skipped"


class ActionStatus(str, Enum):
    IN_PROGRESS = "InProgress"
    ABANDONED = "Abandoned"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


class ApprovalStatus(str, Enum):
    APPROVED = "Approved"
    REJECTED = "Rejected"


class ExecutionMode(str, Enum):
    QUEUED = "QUEUED"
    SUPERSEDED = "SUPERSEDED"
    PARALLEL = "PARALLEL"


class RetryMode(str, Enum):
    FAILED_ACTIONS = "FAILED_ACTIONS"
    ALL_ACTIONS = "ALL_ACTIONS"


class TransitionType(str, Enum):
    INBOUND = "Inbound"
    OUTBOUND = "Outbound"


class ActionBehaviour(str, Enum):
    """What a non-approval action does when it starts (test-side control)."""

    SUCCEED = "succeed"
    FAIL = "fail"
    HOLD = "hold"  # stays InProgress until the test completes it


MANUAL_APPROVAL_TYPE = {
    "category": "Approval",
    "owner": "AWS",
    "provider": "Manual",
    "version": "1",
}


@dataclass(frozen=True)
class ActionDefinition:
    stage_name: str
    name: str
    run_order: int
    action_type_id: dict[str, str]
    configuration: dict[str, str]
    timeout_in_minutes: int | None
    region: str | None
    namespace: str | None
    role_arn: str | None
    #: Artifact names as declared (what the action reads, what it produces).
    input_artifacts: tuple[str, ...] = ()
    output_artifacts: tuple[str, ...] = ()

    @property
    def is_manual_approval(self) -> bool:
        return self.action_type_id == MANUAL_APPROVAL_TYPE

    @property
    def is_source(self) -> bool:
        return self.action_type_id["category"] == "Source"

    @property
    def is_s3(self) -> bool:
        return self.action_type_id["owner"] == "AWS" and self.action_type_id["provider"] == "S3"

    @property
    def approval_timeout(self) -> datetime.timedelta:
        if self.timeout_in_minutes is None:
            return DEFAULT_APPROVAL_TIMEOUT
        return datetime.timedelta(minutes=self.timeout_in_minutes)

    @classmethod
    def from_declaration(cls, stage_name: str, action: Declaration) -> ActionDefinition:
        type_id = action["actionTypeId"]
        return cls(
            stage_name=stage_name,
            name=action["name"],
            run_order=int(action.get("runOrder") or 1),
            action_type_id={
                k: str(type_id[k]) for k in ("category", "owner", "provider", "version")
            },
            configuration=dict(action.get("configuration") or {}),
            timeout_in_minutes=action.get("timeoutInMinutes"),
            region=action.get("region"),
            namespace=action.get("namespace"),
            role_arn=action.get("roleArn"),
            input_artifacts=tuple(a["name"] for a in action.get("inputArtifacts") or []),
            output_artifacts=tuple(a["name"] for a in action.get("outputArtifacts") or []),
        )


@dataclass(frozen=True)
class StageDefinition:
    name: str
    actions: tuple[ActionDefinition, ...]
    #: The stage's beforeEntry, onSuccess and onFailure declarations, as declared (V2).
    before_entry: Declaration | None = None
    on_success: Declaration | None = None
    on_failure: Declaration | None = None

    def action(self, name: str) -> ActionDefinition | None:
        return next((a for a in self.actions if a.name == name), None)

    @property
    def run_orders(self) -> list[int]:
        return sorted({a.run_order for a in self.actions})


@dataclass(frozen=True)
class PipelineDefinition:
    name: str
    version: int
    stages: tuple[StageDefinition, ...]
    execution_mode: ExecutionMode
    variables: tuple[tuple[str, str | None], ...]  # (name, defaultValue) as declared
    #: The artifact bucket of each region ("" for the single ``artifactStore``).
    artifact_stores: tuple[tuple[str, str], ...] = ()

    def artifact_bucket(self, region: str) -> str | None:
        """The bucket holding the artifacts of actions that run in ``region``."""
        stores = dict(self.artifact_stores)
        return stores.get("", stores.get(region))

    def stage(self, name: str) -> StageDefinition | None:
        return next((s for s in self.stages if s.name == name), None)

    @functools.cached_property
    def source_actions(self) -> tuple[ActionDefinition, ...]:
        return tuple(a for stage in self.stages for a in stage.actions if a.is_source)

    @functools.cached_property
    def s3_sources(self) -> tuple[ActionDefinition, ...]:
        """The first stage's S3 actions: the sources a change in S3 starts."""
        return tuple(a for a in self.stages[0].actions if a.is_s3) if self.stages else ()

    def stage_index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.stages) if s.name == name)

    @classmethod
    def from_declaration(cls, pipeline: Declaration) -> PipelineDefinition:
        # V1 pipelines have no execution mode and behave as SUPERSEDED.
        mode = pipeline.get("executionMode") if pipeline.get("pipelineType") == "V2" else None
        return cls(
            name=pipeline["name"],
            version=int(pipeline.get("version") or 1),
            stages=tuple(
                StageDefinition(
                    name=stage["name"],
                    actions=tuple(
                        ActionDefinition.from_declaration(stage["name"], action)
                        for action in stage["actions"]
                    ),
                    before_entry=stage.get("beforeEntry"),
                    on_success=stage.get("onSuccess"),
                    on_failure=stage.get("onFailure"),
                )
                for stage in pipeline["stages"]
            ),
            execution_mode=ExecutionMode(mode or ExecutionMode.SUPERSEDED.value),
            variables=tuple(
                (v["name"], v.get("defaultValue")) for v in pipeline.get("variables") or []
            ),
            artifact_stores=_artifact_stores(pipeline),
        )


def _artifact_stores(pipeline: Declaration) -> tuple[tuple[str, str], ...]:
    single = pipeline.get("artifactStore")
    if single:
        return (("", single["location"]),)
    stores = pipeline.get("artifactStores") or {}
    return tuple((region, store["location"]) for region, store in stores.items())


#: The one empty mapping every run without output variables or conditions shares.
EMPTY: Mapping[Any, Any] = MappingProxyType({})

_K = TypeVar("_K")
_V = TypeVar("_V")


class _Frozen(Mapping[_K, _V], Generic[_K, _V]):
    """A read-only mapping over a tuple (or a lone item), each item keyed by its own name.

    What a finished execution keeps in place of a dict: a dict of one or a few entries costs
    three to four times the memory, and history keeps every execution. Lookups scan the
    tuple, which is short (a pipeline's stages, a stage's actions).
    """

    __slots__ = ("_items",)

    def __init__(self, items: tuple[_V, ...]) -> None:
        self._items: tuple[_V, ...] | _V = items

    @classmethod
    def of(cls, items: tuple[_V, ...]) -> Mapping[_K, _V]:
        """The items' mapping; a lone item is held without a tuple around it."""
        frozen = cls(items)
        if len(items) == 1:
            frozen._items = items[0]
        return frozen

    def _all(self) -> tuple[_V, ...]:
        items = self._items
        return items if isinstance(items, tuple) else (items,)

    @staticmethod
    @abc.abstractmethod
    def _key(item: Any) -> Any:
        """The name the item is found by."""

    def __getitem__(self, key: _K) -> _V:
        for item in self._all():
            if self._key(item) == key:
                return item
        raise KeyError(key)

    def __iter__(self) -> Iterator[_K]:
        return (self._key(item) for item in self._all())

    def __len__(self) -> int:
        return len(self._all())


class _ActionRuns(_Frozen[str, "ActionRun"]):
    __slots__ = ()

    @staticmethod
    def _key(item: ActionRun) -> str:
        return item.action.name


class _StageStatuses(tuple[Any, ...]):
    """An ended execution's plain stage runs, as their statuses in the order entered (see
    :meth:`PipelineExecution._pack`)."""

    __slots__ = ()


class _StageRuns(_Frozen[str, "StageRun"]):
    __slots__ = ()

    @staticmethod
    def _key(item: StageRun) -> str:
        return item.stage_name


class _SourceRevisions(_Frozen[str, "SourceRevision"]):
    __slots__ = ()

    @staticmethod
    def _key(item: SourceRevision) -> str:
        return item.action_name


def compact_id(text: str) -> str | int:
    """An id as history keeps it: a UUID in its usual form (what ids, tokens and SDKs'
    clientRequestTokens are) as its number, half the memory of its text; any other as it is."""
    if len(text) != 36 or text.count("-") != 4:
        return text
    try:
        number = int(text.replace("-", ""), 16)
    except ValueError:
        return text
    return number if id_text(number) == text else text


def id_text(value: str | int) -> str:
    """The id :func:`compact_id` kept."""
    if isinstance(value, str):
        return value
    digits = f"{value:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def flat_pairs(pairs: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """``(name, value)`` pairs as one flat tuple: name, value, name, value."""
    return tuple(item for pair in pairs for item in pair)


def s3_variables(etag: str, version_id: str | None) -> tuple[str, ...]:
    """An S3 source's output variables, flat: its object's ETag and version id, if any."""
    return ("ETag", etag) if version_id is None else ("ETag", etag, "VersionId", version_id)


class Pairs(Mapping[str, str]):
    """A read-only mapping over a flat tuple of names and values (:func:`flat_pairs`) it
    shares with their owner (a source revision's variables, shown again as its action run's
    output variables)."""

    __slots__ = ("_flat",)

    def __init__(self, flat: tuple[str, ...]) -> None:
        self._flat = flat

    def __getitem__(self, key: str) -> str:
        for index in range(0, len(self._flat), 2):
            if self._flat[index] == key:
                return self._flat[index + 1]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._flat[::2])

    def __len__(self) -> int:
        return len(self._flat) // 2


def _empty() -> Mapping[Any, Any]:
    return EMPTY


_FROM_SOURCE: Mapping[str, str] = MappingProxyType({})


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


class Position(str, Enum):
    WAITING = "waiting"  # at the inbound transition of ``stage_index``
    INSIDE = "inside"  # running ``stage_index``
    DONE = "done"


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


class EventLevel(str, Enum):
    """The ``detail-type`` of an EventBridge state-change event: CodePipeline <level> …"""

    PIPELINE = "Pipeline"
    STAGE = "Stage"
    ACTION = "Action"


class EventState(str, Enum):
    """``detail.state`` of a state-change event (detect-state-changes-cloudwatch-events)."""

    STARTED = "STARTED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    CANCELED = "CANCELED"
    RESUMED = "RESUMED"
    SUPERSEDED = "SUPERSEDED"
    ABANDONED = "ABANDONED"


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


class ExecutionType(str, Enum):
    STANDARD = "STANDARD"
    ROLLBACK = "ROLLBACK"


class ConditionType(str, Enum):
    """When a stage condition runs; values are the wire's ConditionType (plus onFailure's)."""

    BEFORE_ENTRY = "BEFORE_ENTRY"
    ON_SUCCESS = "ON_SUCCESS"
    ON_FAILURE = "ON_FAILURE"


class ConditionStatus(str, Enum):
    IN_PROGRESS = "InProgress"
    FAILED = "Failed"
    ERRORED = "Errored"
    SUCCEEDED = "Succeeded"
    CANCELLED = "Cancelled"
    ABANDONED = "Abandoned"
    OVERRIDDEN = "Overridden"


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
