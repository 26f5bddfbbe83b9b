"""PutActionRevision: a new revision of a source action starts an execution.

A revision id the action has already started an execution with is not new: the call answers
``newRevision: false`` with that execution's id and starts nothing.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from moto.core.utils import utcnow

from moto_approvals.domain import SourceRevision
from moto_approvals.exceptions import (
    ActionNotFoundException,
    StageNotFoundException,
    ValidationException,
)

if TYPE_CHECKING:
    from moto_approvals.models import ApprovalsBackend


def _created(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    try:  # naive UTC, as moto's clock
        aware = datetime.datetime.fromtimestamp(float(value), datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValidationException(
            f"actionRevision.created {value!r} is not a timestamp AWS accepts."
        ) from None
    return aware.replace(tzinfo=None)


def put_action_revision(
    backend: ApprovalsBackend,
    pipeline_name: str,
    stage_name: str,
    action_name: str,
    revision: dict[str, Any],
    caller_arn: str,
) -> tuple[bool, str]:
    """(newRevision, pipelineExecutionId)."""
    with backend._pipeline(pipeline_name) as runtime:
        stage = runtime.definition.stage(stage_name)
        if stage is None:
            raise StageNotFoundException()
        action = stage.action(action_name)
        if action is None:
            raise ActionNotFoundException()
        known = runtime.history.with_revision(action_name, revision["revisionId"])
        if known is not None:
            return False, known.pipeline_execution_id
        now = utcnow()
        recorded = SourceRevision(
            action_name=action_name,
            revision_id=revision["revisionId"],
            change_identifier=revision["revisionChangeId"],
            created=_created(revision["created"]),
        )
        execution = runtime.start_execution(
            now, "PutActionRevision", caller_arn, action_revisions={action_name: recorded}
        )
        backend.catalog.get(pipeline_name).note_activity(now)
        return True, execution.pipeline_execution_id
