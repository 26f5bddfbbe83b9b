"""S3 source change detection: a new version of a source object starts an execution.

AWS detects a change in one of two ways (the S3 source action reference, and
update-change-detection):

- ``PollForSourceChanges`` ``"false"`` and an EventBridge rule on the default bus that matches
  the object's upload (``aws.s3`` "Object Created", which the bucket sends once its EventBridge
  notifications are on, or CloudTrail's ``PutObject``) and targets the pipeline: an execution
  starts with trigger ``CloudWatchEvent`` and the rule's ARN.
- ``PollForSourceChanges`` ``"true"`` (the default): CodePipeline polls the bucket, until
  polling is turned off after 30 idle days (``pollingDisabledAt``); an execution starts with
  trigger ``PollForSourceChanges``.

The emulator has no timers: each time a pipeline's state is read or written it compares the
object's current revision (version id, else ETag) with the one it saw last, and starts one
execution for a change. The first sight of a source (the pipeline created or its source
changed by an update) only records the revision, as CreatePipeline's own execution uses it.
Pipelines without an S3 source cost a look at their first stage.
"""

from __future__ import annotations

import datetime
from typing import Any

from moto_approvals.artifact_store import S3ArtifactStore
from moto_approvals.catalog import PipelineRecord
from moto_approvals.domain import ActionDefinition
from moto_approvals.engine import PipelineRuntime
from moto_approvals.exceptions import ConcurrentPipelineExecutionsLimitExceededException
from moto_approvals.notifications import default_bus_rules

EVENT_TRIGGER = "CloudWatchEvent"
POLLING_TRIGGER = "PollForSourceChanges"

#: (action name, bucket, key) -> the revision last seen (None: no such object).
Seen = dict[tuple[str, str, str], str | None]


def _polls(action: ActionDefinition) -> bool:
    return str(action.configuration.get("PollForSourceChanges", "true")).lower() != "false"


def _object_created(account: str, region: str, bucket: str, key: str) -> dict[str, Any]:
    """The event S3 sends to EventBridge for an upload (only the members patterns test)."""
    return {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": account,
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key},
            "reason": "PutObject",
        },
    }


def _cloudtrail_put(account: str, region: str, bucket: str, key: str) -> dict[str, Any]:
    """CloudTrail's record of a PutObject, as EventBridge receives it."""
    return {
        "version": "0",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.s3",
        "account": account,
        "region": region,
        "resources": [],
        "detail": {
            "eventSource": "s3.amazonaws.com",
            "eventName": "PutObject",
            "requestParameters": {"bucketName": bucket, "key": key},
            "resources": [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"}],
        },
    }


class SourceChanges:
    """Change detection of one backend's S3 sources."""

    def __init__(self, account_id: str, region: str, store: S3ArtifactStore) -> None:
        self._account_id = account_id
        self._region = region
        self._store = store
        self._seen: dict[str, Seen] = {}

    def forget(self, pipeline_name: str) -> None:
        """The pipeline is gone, or starts a fresh history."""
        self._seen.pop(pipeline_name, None)

    def detect(
        self, record: PipelineRecord, runtime: PipelineRuntime, now: datetime.datetime
    ) -> None:
        """Start an execution for each source whose object changed since last seen."""
        sources = runtime.definition.s3_sources
        if not sources:
            return
        seen = self._seen.setdefault(record.name, {})
        for action in sources:
            bucket = str(action.configuration.get("S3Bucket", ""))
            key = str(action.configuration.get("S3ObjectKey", ""))
            current = self._store.current_revision(bucket, key)
            where = (action.name, bucket, key)
            if where not in seen or seen[where] == current:
                seen[where] = current
                continue
            seen[where] = current
            if current is None:
                continue  # deleted: nothing to fetch, but a new upload is a change
            trigger = self._trigger(record, action, bucket, key)
            if trigger is None:
                continue
            try:
                runtime.start_execution(now, *trigger)
            except ConcurrentPipelineExecutionsLimitExceededException:
                continue  # the change is dropped, as AWS drops a start it refuses
            record.note_activity(now)

    def _trigger(
        self, record: PipelineRecord, action: ActionDefinition, bucket: str, key: str
    ) -> tuple[str, str] | None:
        """(triggerType, triggerDetail) of the execution the change starts, or None."""
        if _polls(action):
            if record.polling_disabled_at is not None:
                return None
            return POLLING_TRIGGER, action.name
        rule = self._matching_rule(record.arn, bucket, key)
        return None if rule is None else (EVENT_TRIGGER, rule)

    def _matching_rule(self, pipeline_arn: str, bucket: str, key: str) -> str | None:
        """The ARN of an enabled default-bus rule that routes the upload to the pipeline."""
        try:
            rules = default_bus_rules(self._account_id, self._region) or []
        except KeyError:  # a region moto's EventBridge does not know
            return None
        events: list[Any] = [_cloudtrail_put(self._account_id, self._region, bucket, key)]
        if self._store.sends_eventbridge_events(bucket):
            events.append(_object_created(self._account_id, self._region, bucket, key))
        for rule in rules:
            if rule.state != "ENABLED" or not any(
                t.get("Arn") == pipeline_arn for t in rule.targets
            ):
                continue
            if rule.event_pattern.get_pattern() and any(_matches(rule, e) for e in events):
                return str(rule.arn)
        return None


def _matches(rule: Any, event: Any) -> bool:
    try:
        return bool(rule.event_pattern.matches_event(event))
    except (AttributeError, TypeError):
        # moto 5.0 fails on a nested pattern whose key the event lacks: that is no match.
        return False
