"""Domain objects rendered as CodePipeline's JSON output shapes.

Timestamps go out as JSON numbers of epoch seconds with millisecond precision, as AWS sends
them on the JSON 1.1 wire (every SDK parses these; ISO strings break the JS and Go SDKs);
members AWS would not send (empty summaries, absent tokens) are left out rather than sent as
null. ListActionExecutions' and ListRuleExecutions' entries are in :mod:`~moto_approvals.run_wire`.
"""

from __future__ import annotations

import datetime
import functools
import json
import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from moto.core.utils import unix_time

from moto_approvals.catalog import PipelineRecord
from moto_approvals.domain import (
    ActionRun,
    ActionStatus,
    ArtifactLocation,
    ConditionRun,
    ConditionType,
    ExecutionMode,
    ExecutionStatus,
    PipelineExecution,
    RuleRun,
    StageRun,
    TransitionState,
)
from moto_approvals.engine import FAILED_ACTION_SUMMARY, PipelineRuntime

if TYPE_CHECKING:
    from moto_approvals.action_type_service import ActionLinks

Json = dict[str, Any]


#: errorDetails.code of a failed action run (the code AWS reports for failed jobs).
FAILED_ACTION_CODE = "JobFailed"
REJECTED_SUMMARY = "Approval rejected"


@functools.lru_cache(maxsize=1024)
def timestamp(value: datetime.datetime) -> float:
    # Cached: the items of a page share a handful of instants (a run starts and its
    # execution's events happen at one ``now``), and this is most of a page's own cost.
    return round(float(unix_time(value)), 3)


def pipeline_metadata(record: PipelineRecord) -> Json:
    """GetPipeline's ``metadata``."""
    return compact(
        {
            "pipelineArn": record.arn,
            "created": timestamp(record.created),
            "updated": timestamp(record.updated),
            "pollingDisabledAt": (
                timestamp(record.polling_disabled_at) if record.polling_disabled_at else None
            ),
        }
    )


def pipeline_summary(record: PipelineRecord) -> Json:
    """One entry of ListPipelines."""
    current = record.current
    return {
        "name": record.name,
        "version": record.version,
        "pipelineType": current["pipelineType"],
        "executionMode": current["executionMode"],
        "created": timestamp(record.created),
        "updated": timestamp(record.updated),
    }


def _failure_message(run: ActionRun) -> str:
    if run.summary:
        return run.summary
    return REJECTED_SUMMARY if run.answer is not None else FAILED_ACTION_SUMMARY


def error_details(run: ActionRun) -> Json | None:
    """``errorDetails`` of a failed action run: rejected, expired or failed by the test."""
    if run.status is not ActionStatus.FAILED:
        return None
    return {"code": FAILED_ACTION_CODE, "message": _failure_message(run)}


def status_summary(execution: PipelineExecution) -> str | None:
    """A failed execution names the action that failed it and why."""
    if execution.status_summary is not None or execution.status is not ExecutionStatus.FAILED:
        return execution.status_summary
    for stage_run in execution.stage_runs.values():
        for run in stage_run.actions.values():
            if run.status is ActionStatus.FAILED:
                return (
                    f"Action {run.action_name} in stage {run.stage_name} failed: "
                    f"{_failure_message(run)}"
                )
    return None


def compact(data: Json) -> Json:
    return {key: value for key, value in data.items() if value is not None}


def artifact_revisions(execution: PipelineExecution) -> list[Json]:
    """GetPipelineExecution's ``artifactRevisions``: one per source output artifact."""
    revisions = []
    for stage in execution.definition.stages:
        for action in stage.actions:
            source = execution.source_revisions.get(action.name)
            if source is None or source.failure is not None:
                continue
            for name in action.output_artifacts:
                revisions.append(
                    compact(
                        {
                            "name": name,
                            "revisionId": source.revision_id,
                            "revisionChangeIdentifier": source.change_identifier,
                            "revisionSummary": source.summary,
                            "created": timestamp(source.created) if source.created else None,
                        }
                    )
                )
    return revisions


def source_revisions(execution: PipelineExecution) -> list[Json]:
    """ListPipelineExecutions' ``sourceRevisions``: one per source action."""
    return [
        compact(
            {
                "actionName": source.action_name,
                "revisionId": source.revision_id,
                "revisionSummary": source.summary,
            }
        )
        for source in execution.source_revisions.values()
        if source.failure is None
    ]


def artifact_details(locations: Sequence[ArtifactLocation]) -> list[Json]:
    return [{"name": a.name, "s3location": {"bucket": a.bucket, "key": a.key}} for a in locations]


def _rollback_metadata(execution: PipelineExecution) -> Json | None:
    if execution.rollback_target is None:
        return None
    return {"rollbackTargetPipelineExecutionId": execution.rollback_target}


def trigger(execution: PipelineExecution) -> Json:
    return {"triggerType": execution.trigger_type, "triggerDetail": execution.trigger_detail}


def pipeline_execution(execution: PipelineExecution) -> Json:
    """GetPipelineExecution's ``pipelineExecution``."""
    return compact(
        {
            "pipelineName": execution.pipeline_name,
            "pipelineVersion": execution.pipeline_version,
            "pipelineExecutionId": execution.pipeline_execution_id,
            "status": execution.status.value,
            "statusSummary": status_summary(execution),
            "artifactRevisions": artifact_revisions(execution),
            "variables": [
                {"name": v["name"], "resolvedValue": v["value"]} for v in execution.variables
            ],
            "trigger": trigger(execution),
            "executionMode": execution.execution_mode.value,
            "executionType": execution.execution_type.value,
            "rollbackMetadata": _rollback_metadata(execution),
        }
    )


def pipeline_execution_summary(execution: PipelineExecution) -> Json:
    """One entry of ListPipelineExecutions."""
    return compact(
        {
            "pipelineExecutionId": execution.pipeline_execution_id,
            "status": execution.status.value,
            "statusSummary": status_summary(execution),
            "startTime": timestamp(execution.start_time),
            "lastUpdateTime": timestamp(execution.last_update_time),
            "sourceRevisions": source_revisions(execution),
            "trigger": trigger(execution),
            "stopTrigger": (
                {"reason": execution.stop_reason} if execution.stop_reason is not None else None
            ),
            "executionMode": execution.execution_mode.value,
            "executionType": execution.execution_type.value,
            "rollbackMetadata": _rollback_metadata(execution),
        }
    )


def _action_execution(run: ActionRun, show_token: bool) -> Json:
    """ActionState.latestExecution: the token shows only while the approval waits."""
    return compact(
        {
            "actionExecutionId": run.action_execution_id,
            "status": run.status.value,
            "summary": run.summary or None,
            "lastStatusChange": timestamp(run.last_status_change),
            "token": run.token if show_token and run.is_pending_approval else None,
            "lastUpdatedBy": run.updated_by,
            "externalExecutionId": run.external_execution_id,
            "externalExecutionUrl": run.external_execution_url,
            "percentComplete": run.percent_complete,
            "errorDetails": error_details(run),
        }
    )


def _transition(state: TransitionState) -> Json:
    return compact(
        {
            "enabled": state.enabled,
            "lastChangedBy": state.last_changed_by,
            "lastChangedAt": timestamp(state.last_changed_at) if state.last_changed_at else None,
            "disabledReason": state.disabled_reason,
        }
    )


def _stage_execution(execution: PipelineExecution, run: StageRun | None = None) -> Json:
    status = run.status.value if run is not None else execution.status.value
    return {
        "pipelineExecutionId": execution.pipeline_execution_id,
        "status": status,
        "type": execution.execution_type.value,
    }


class _Queue(list[Json]):
    """A stage's ``inboundExecutions``, with its JSON text once a reply needed it."""

    __slots__ = ("encoded",)

    def __init__(self, entries: list[Json]) -> None:
        super().__init__(entries)
        self.encoded: str | None = None

    @classmethod
    def of(cls, waiting: list[PipelineExecution]) -> _Queue:
        return cls([_stage_execution(e) for e in waiting])


#: Stands in for a queue's text while the rest of the reply is encoded: a NUL and a nonce, so
#: no string of a reply can equal it.
_MARK = f"\x00queue-{secrets.token_hex(8)}-"


def encode_state(state: Json) -> str:
    """GetPipelineState's reply as JSON text.

    A queue of a thousand executions is most of the reply: its text is made once per state of
    the queue (kept with it) and spliced in, so the encoding of a read does not grow with it.
    """
    fragments: dict[str, str] = {}
    stages = []
    for index, stage in enumerate(state["stageStates"]):
        queue = stage.get("inboundExecutions")
        if isinstance(queue, _Queue):
            if queue.encoded is None:
                queue.encoded = json.dumps(queue)
            mark = f"{_MARK}{index}"
            fragments[json.dumps(mark)] = queue.encoded
            stage = {**stage, "inboundExecutions": mark}
        stages.append(stage)
    text = json.dumps({**state, "stageStates": stages})
    for mark, fragment in fragments.items():
        text = text.replace(mark, fragment, 1)
    return text


def _current_revision(runtime: PipelineRuntime, run: ActionRun) -> Json | None:
    """A source action's ``currentRevision``: what its latest run fetched."""
    if not run.action.is_source or run.status is not ActionStatus.SUCCEEDED:
        return None
    execution = runtime.executions[run.pipeline_execution_id]
    source = execution.source_revision(run.action)
    if source is None:
        return None
    return {
        "revisionId": source.revision_id,
        # For S3 the change is the ETag; other sources have only the revision id.
        "revisionChangeId": source.change_identifier or source.revision_id,
        "created": timestamp(source.created or execution.start_time),
    }


def pipeline_state(
    record: PipelineRecord,
    runtime: PipelineRuntime,
    links: Mapping[tuple[str, str], ActionLinks] | None = None,
) -> Json:
    """GetPipelineState's whole output; ``links`` come from the actions' types."""
    links = links or {}
    definition = runtime.definition
    show_token = definition.execution_mode is not ExecutionMode.PARALLEL
    stages = []
    for stage in definition.stages:
        state: Json = {
            "stageName": stage.name,
            "inboundTransitionState": _transition(runtime.transitions[stage.name]),
            "actionStates": [],
        }
        waiting = runtime.waiting_at(stage.name)
        if waiting:
            state["inboundExecution"] = _stage_execution(waiting[0])
            if definition.execution_mode is not ExecutionMode.SUPERSEDED:
                # Built (and encoded, see encode_state) once per state of the queue.
                state["inboundExecutions"] = runtime.waiting_summary(stage.name, _Queue.of)
        for action in stage.actions:
            action_state: Json = {"actionName": action.name}
            latest = runtime.latest_run(stage.name, action.name)
            link = links.get((stage.name, action.name))
            if latest is not None:
                action_state["latestExecution"] = _action_execution(latest, show_token)
                revision = _current_revision(runtime, latest)
                if revision is not None:
                    action_state["currentRevision"] = revision
            entity_url = (latest.entity_url if latest is not None else None) or (
                link.entity_url if link is not None else None
            )
            if entity_url:
                action_state["entityUrl"] = entity_url
            if latest is not None and link is not None and link.revision_url:
                action_state["revisionUrl"] = link.revision_url
            state["actionStates"].append(action_state)
        entered = runtime.stage_entries.get(stage.name)
        if entered is not None:
            execution = runtime.executions[entered]
            run = execution.stage_runs[stage.name]
            state["latestExecution"] = _stage_execution(execution, run)
            if run.latest_retry_trigger is not None:
                # The model's minimum for each attempt count is 1: a zero count is left out.
                state["retryStageMetadata"] = compact(
                    {
                        "autoStageRetryAttempt": run.auto_retry_attempts or None,
                        "manualStageRetryAttempt": run.manual_retry_attempts or None,
                        "latestRetryTrigger": run.latest_retry_trigger,
                    }
                )
            state.update(_condition_states(run))
        stages.append(state)
    return {
        "pipelineName": definition.name,
        "pipelineVersion": definition.version,
        "stageStates": stages,
        "created": timestamp(record.created),
        "updated": timestamp(record.updated),
    }


_CONDITION_STATE_KEYS = {
    ConditionType.BEFORE_ENTRY: "beforeEntryConditionState",
    ConditionType.ON_SUCCESS: "onSuccessConditionState",
    ConditionType.ON_FAILURE: "onFailureConditionState",
}


def _rule_execution(run: RuleRun) -> Json:
    return compact(
        {
            "ruleExecutionId": run.rule_execution_id,
            "status": run.status.value,
            "summary": run.summary or None,
            "lastStatusChange": timestamp(run.last_status_change),
        }
    )


def _condition_state(condition: ConditionRun) -> Json:
    execution = compact(
        {
            "status": condition.status.value,
            "summary": condition.summary or None,
            "lastStatusChange": timestamp(condition.last_status_change),
        }
    )
    return {
        "latestExecution": {k: v for k, v in execution.items() if k != "lastStatusChange"},
        "conditionStates": [
            {
                "latestExecution": execution,
                "ruleStates": [
                    {"ruleName": r.rule_name, "latestExecution": _rule_execution(r)}
                    for r in condition.rules
                ],
            }
        ],
    }


def _condition_states(run: StageRun) -> Json:
    """A stage's condition states: those of the conditions that ran in its latest run."""
    return {
        _CONDITION_STATE_KEYS[condition_type]: _condition_state(condition)
        for condition_type, condition in run.conditions.items()
    }
