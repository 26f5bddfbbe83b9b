"""OverrideStageCondition: a stage's condition is taken as met, and the execution moves on."""

from __future__ import annotations

import datetime
from typing import Protocol

from moto_approvals.domain import (
    ConditionType,
    ExecutionMode,
    PipelineDefinition,
    PipelineExecution,
)
from moto_approvals.engine.conditions import StageConditions
from moto_approvals.exceptions import NotLatestPipelineExecutionException


class OverrideFlow(Protocol):
    """The part of the runtime an override needs."""

    @property
    def definition(self) -> PipelineDefinition: ...

    @property
    def executions(self) -> dict[str, PipelineExecution]: ...

    @property
    def stage_entries(self) -> dict[str, str]: ...

    @property
    def conditions(self) -> StageConditions: ...

    def settle(self, now: datetime.datetime, *woken: PipelineExecution) -> None: ...


def override_stage_condition(
    flow: OverrideFlow,
    pipeline_execution_id: str,
    stage_name: str,
    condition_type: ConditionType,
    now: datetime.datetime,
) -> None:
    execution = flow.executions.get(pipeline_execution_id)
    run = execution.stage_runs.get(stage_name) if execution is not None else None
    latest = flow.stage_entries.get(stage_name)
    if run is not None and latest is not None and latest != pipeline_execution_id:
        parallel = flow.definition.execution_mode is ExecutionMode.PARALLEL
        if not parallel:
            raise NotLatestPipelineExecutionException(
                f"Pipeline execution {pipeline_execution_id} is not the latest execution "
                f"in stage {stage_name}."
            )
    flow.conditions.override(run, condition_type, now)
    assert execution is not None  # override() found its stage run
    flow.settle(now, execution)
