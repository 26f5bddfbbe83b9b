"""The CodePipeline domain: definitions, executions, stage runs and action runs.

Plain data: no moto, no HTTP, no clock. Every status enum carries AWS's strings as values,
so the wire layer can emit ``status.value`` unchanged.

- :mod:`~moto_approvals.domain.statuses`: the enums (statuses, modes, event levels).
- :mod:`~moto_approvals.domain.definitions`: a pipeline's declaration as the engine reads it.
- :mod:`~moto_approvals.domain.runs`: action, stage and condition runs.
- :mod:`~moto_approvals.domain.executions`: executions and their source revisions.
- :mod:`~moto_approvals.domain.compact`: how history keeps them small.
"""

from __future__ import annotations

from moto_approvals.domain.compact import (
    EMPTY,
    Pairs,
    compact_id,
    flat_pairs,
    id_text,
    s3_variables,
)
from moto_approvals.domain.definitions import (
    DEFAULT_APPROVAL_TIMEOUT,
    MANUAL_APPROVAL_TYPE,
    ActionDefinition,
    Declaration,
    PipelineDefinition,
    StageDefinition,
)
from moto_approvals.domain.executions import (
    PendingApproval,
    PendingJob,
    PipelineExecution,
    PlaceholderRevision,
    SourceRevision,
    StateChange,
    TransitionState,
)
from moto_approvals.domain.runs import (
    ActionRun,
    ApprovalDetails,
    ArtifactLocation,
    ConditionRun,
    JobDetails,
    RuleRun,
    StageRetries,
    StageRun,
)
from moto_approvals.domain.statuses import (
    ActionBehaviour,
    ActionStatus,
    ApprovalStatus,
    ConditionStatus,
    ConditionType,
    EventLevel,
    EventState,
    ExecutionMode,
    ExecutionStatus,
    ExecutionType,
    Position,
    RetryMode,
    StageStatus,
    TransitionType,
)

__all__ = (
    "DEFAULT_APPROVAL_TIMEOUT",
    "EMPTY",
    "MANUAL_APPROVAL_TYPE",
    "ActionBehaviour",
    "ActionDefinition",
    "ActionRun",
    "ActionStatus",
    "ApprovalDetails",
    "ApprovalStatus",
    "ArtifactLocation",
    "ConditionRun",
    "ConditionStatus",
    "ConditionType",
    "Declaration",
    "EventLevel",
    "EventState",
    "ExecutionMode",
    "ExecutionStatus",
    "ExecutionType",
    "JobDetails",
    "Pairs",
    "PendingApproval",
    "PendingJob",
    "PipelineDefinition",
    "PipelineExecution",
    "PlaceholderRevision",
    "Position",
    "RetryMode",
    "RuleRun",
    "SourceRevision",
    "StageDefinition",
    "StageRetries",
    "StageRun",
    "StageStatus",
    "StateChange",
    "TransitionState",
    "TransitionType",
    "compact_id",
    "flat_pairs",
    "id_text",
    "s3_variables",
)
