"""The enums of the domain: statuses, modes and kinds, each value AWS's own string."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


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


class Position(str, Enum):
    WAITING = "waiting"  # at the inbound transition of ``stage_index``
    INSIDE = "inside"  # running ``stage_index``
    DONE = "done"


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
