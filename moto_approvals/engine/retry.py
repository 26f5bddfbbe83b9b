"""Stage retry: the manual RetryStageExecution and the automatic onFailure ``RETRY``.

A retried stage run keeps its successful action runs (``FAILED_ACTIONS``) or none
(``ALL_ACTIONS``); the flow then starts the actions that have no run, as on entry.
"""

from __future__ import annotations

import datetime
from typing import Protocol

from moto_approvals.domain import (
    ActionStatus,
    EventLevel,
    EventState,
    ExecutionMode,
    ExecutionStatus,
    PipelineDefinition,
    PipelineExecution,
    RetryMode,
    StageDefinition,
    StageRun,
    StageStatus,
)
from moto_approvals.exceptions import (
    NotLatestPipelineExecutionException,
    StageNotRetryableException,
)

#: The action statuses a FAILED_ACTIONS retry runs again.
UNSUCCESSFUL = (ActionStatus.FAILED, ActionStatus.ABANDONED)


class RetryFlow(Protocol):
    """The part of the runtime a retry needs."""

    @property
    def definition(self) -> PipelineDefinition: ...

    @property
    def executions(self) -> dict[str, PipelineExecution]: ...

    @property
    def stage_entries(self) -> dict[str, str]: ...

    def execution(self, pipeline_execution_id: str) -> PipelineExecution: ...

    def check_capacity(self) -> None: ...

    def resume(self, execution: PipelineExecution, stage_name: str) -> None: ...

    def emit(
        self,
        level: EventLevel,
        state: EventState,
        execution: PipelineExecution,
        now: datetime.datetime,
        stage_name: str | None = None,
    ) -> None: ...

    def settle(self, now: datetime.datetime, *woken: PipelineExecution) -> None: ...


def retry_stage_execution(
    flow: RetryFlow,
    pipeline_execution_id: str,
    stage_name: str,
    mode: RetryMode,
    now: datetime.datetime,
) -> PipelineExecution:
    """RetryStageExecution: the failed or stopped stage run of the execution runs again."""
    execution = flow.execution(pipeline_execution_id)
    run = execution.stage_runs.get(stage_name)
    latest = flow.stage_entries.get(stage_name)
    definition = flow.definition
    # PARALLEL executions run "simultaneously and independently" (concepts-how-it-works):
    # a newer one in the same stage does not make an older one outdated.
    overtaken = definition.execution_mode is not ExecutionMode.PARALLEL
    if overtaken and latest is not None and latest != pipeline_execution_id:
        newer = flow.executions[latest].stage_runs.get(stage_name)
        if newer is not None and newer.status is StageStatus.FAILED:
            raise NotLatestPipelineExecutionException()
        raise StageNotRetryableException()
    retryable = execution.status in (ExecutionStatus.FAILED, ExecutionStatus.STOPPED)
    if (
        run is None
        or not retryable
        or execution.definition is not definition
        or run.status not in (StageStatus.FAILED, StageStatus.STOPPED)
    ):
        raise StageNotRetryableException()
    stage = definition.stages[definition.stage_index(stage_name)]
    if mode is RetryMode.FAILED_ACTIONS:
        rerun = [name for name, r in run.actions.items() if r.status in UNSUCCESSFUL]
        if not rerun and len(run.actions) == len(stage.actions):
            raise StageNotRetryableException()
    else:
        rerun = list(run.actions)
    flow.check_capacity()  # the retried execution is in flight again
    execution.reopen()  # an ended execution may hold its stage runs packed
    run = execution.stage_runs[stage_name]
    for name in rerun:
        run.drop_action(name)
    run.status = StageStatus.IN_PROGRESS
    run.note_retry("ManualStageRetry")
    execution.status = ExecutionStatus.IN_PROGRESS
    flow.resume(execution, stage_name)
    execution.last_update_time = now
    # The retried run is the stage's latest (only PARALLEL can have another one since).
    flow.stage_entries[stage_name] = pipeline_execution_id
    flow.emit(EventLevel.PIPELINE, EventState.RESUMED, execution, now)
    flow.emit(EventLevel.STAGE, EventState.RESUMED, execution, now, stage_name)
    flow.settle(now)
    return execution


def retry_automatically(
    flow: RetryFlow,
    execution: PipelineExecution,
    run: StageRun,
    stage: StageDefinition,
    now: datetime.datetime,
) -> None:
    """onFailure RETRY: one automatic retry of the stage (stage-retry, "one attempt")."""
    config = (stage.on_failure or {}).get("retryConfiguration") or {}
    mode = RetryMode(config.get("retryMode") or RetryMode.FAILED_ACTIONS.value)
    for name in list(run.actions):
        if mode is RetryMode.ALL_ACTIONS or run.actions[name].status in UNSUCCESSFUL:
            run.drop_action(name)
    run.note_retry("AutomatedStageRetry")
    flow.emit(EventLevel.STAGE, EventState.RESUMED, execution, now, stage.name)
