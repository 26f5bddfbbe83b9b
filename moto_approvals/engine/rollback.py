"""Stage rollback: a new execution that repeats one stage as a successful execution ran it.

The CodePipeline User Guide (stage-rollback) sets the rules: the rollback is a new execution
of type ROLLBACK that uses the target execution's variables; a source stage cannot be rolled
back; the target must have been started in the current pipeline structure version, must not
be a rollback itself, and must have succeeded in the stage. Rollback is not available in
PARALLEL mode (concepts-how-it-works). The rollback execution runs the rolled-back stage only.
"""

from __future__ import annotations

import datetime
from typing import Protocol

from moto_approvals.domain import (
    ExecutionMode,
    ExecutionType,
    PipelineDefinition,
    PipelineExecution,
    SourceRevision,
    StageStatus,
)
from moto_approvals.exceptions import (
    PipelineExecutionOutdatedException,
    UnableToRollbackStageException,
)

AUTOMATED = "AutomatedRollback"
MANUAL = "ManualRollback"


class RollbackFlow(Protocol):
    """The part of the runtime a rollback needs."""

    @property
    def definition(self) -> PipelineDefinition: ...

    def execution(self, pipeline_execution_id: str) -> PipelineExecution: ...

    def executions_newest_first(self) -> list[PipelineExecution]: ...

    def new_execution(
        self,
        now: datetime.datetime,
        trigger_type: str,
        trigger_detail: str,
        variables: list[dict[str, str]],
        source_revisions: dict[str, SourceRevision] | None = None,
        rollback_target: str | None = None,
    ) -> PipelineExecution: ...

    def launch(
        self, execution: PipelineExecution, stage_index: int, now: datetime.datetime
    ) -> None: ...

    def settle(self, now: datetime.datetime, *woken: PipelineExecution) -> None: ...


def _is_source_stage(definition: PipelineDefinition, stage_index: int) -> bool:
    stage = definition.stages[stage_index]
    return stage_index == 0 or any(a.action_type_id["category"] == "Source" for a in stage.actions)


def rollback_refusal(definition: PipelineDefinition, stage_index: int) -> str | None:
    """Why no stage run of this stage can be rolled back, or None."""
    if definition.execution_mode is ExecutionMode.PARALLEL:
        return "Rollback is not supported for pipelines in PARALLEL execution mode."
    if _is_source_stage(definition, stage_index):
        return "A source stage cannot be rolled back."
    return None


def last_success(
    flow: RollbackFlow, stage_name: str, exclude: str | None = None
) -> PipelineExecution | None:
    """The newest standard execution of the current version that succeeded in the stage."""
    for execution in flow.executions_newest_first():
        if (
            execution.pipeline_execution_id != exclude
            and execution.execution_type is ExecutionType.STANDARD
            and execution.definition is flow.definition
            and (run := execution.stage_runs.get(stage_name)) is not None
            and run.status is StageStatus.SUCCEEDED
        ):
            return execution
    return None


def check_target(flow: RollbackFlow, stage_name: str, target: PipelineExecution) -> None:
    """RollbackStage's checks of the stage and of the target execution."""
    definition = flow.definition
    stage_index = definition.stage_index(stage_name)
    refusal = rollback_refusal(definition, stage_index)
    if refusal is not None:
        raise UnableToRollbackStageException(refusal)
    if target.execution_type is ExecutionType.ROLLBACK:
        raise UnableToRollbackStageException(
            f"Pipeline execution {target.pipeline_execution_id} is a rollback execution and "
            "cannot be the target of a rollback."
        )
    if target.definition is not definition:
        raise PipelineExecutionOutdatedException(
            f"Pipeline execution {target.pipeline_execution_id} ran pipeline version "
            f"{target.pipeline_version}; the pipeline is at version {definition.version}. "
            "Only an execution of the current version can be the target of a rollback."
        )
    run = target.stage_runs.get(stage_name)
    if run is None or run.status is not StageStatus.SUCCEEDED:
        raise UnableToRollbackStageException(
            f"Pipeline execution {target.pipeline_execution_id} did not succeed in stage "
            f"{stage_name}: a rollback target must have succeeded in the stage."
        )


def start_rollback(
    flow: RollbackFlow,
    stage_name: str,
    target: PipelineExecution,
    trigger_type: str,
    trigger_detail: str,
    now: datetime.datetime,
) -> PipelineExecution:
    """A ROLLBACK execution of the stage, with the target's variables; it is launched."""
    execution = flow.new_execution(
        now,
        trigger_type,
        trigger_detail,
        [dict(v) for v in target.variables],
        rollback_target=target.pipeline_execution_id,
    )
    flow.launch(execution, flow.definition.stage_index(stage_name), now)
    return execution


def rollback_stage(
    flow: RollbackFlow, stage_name: str, target_id: str, caller: str, now: datetime.datetime
) -> PipelineExecution:
    """RollbackStage: a manual rollback of the stage to the target execution."""
    target = flow.execution(target_id)
    check_target(flow, stage_name, target)
    execution = start_rollback(flow, stage_name, target, MANUAL, caller, now)
    flow.settle(now)
    return execution


def roll_back_automatically(
    flow: RollbackFlow, stage_name: str, failed: PipelineExecution, now: datetime.datetime
) -> None:
    """A failed ROLLBACK result: roll the stage back to its last success, if it can be."""
    if failed.execution_type is not ExecutionType.STANDARD:
        return
    target = last_success(flow, stage_name, failed.pipeline_execution_id)
    # Nothing to roll back to (or a stage that cannot roll back): the stage just fails.
    index = flow.definition.stage_index(stage_name)
    if target is not None and rollback_refusal(flow.definition, index) is None:
        start_rollback(flow, stage_name, target, AUTOMATED, failed.pipeline_execution_id, now)
