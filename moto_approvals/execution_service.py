"""The backend's execution operations: each takes a pipeline's runtime under the lock and acts."""

from __future__ import annotations

import datetime

from moto.core.utils import utcnow

from moto_approvals.backend_facet import BackendFacet
from moto_approvals.catalog import PipelineRecord
from moto_approvals.domain import (
    ActionRun,
    ApprovalStatus,
    ConditionType,
    PipelineExecution,
    RetryMode,
    RuleRun,
    StageStatus,
    TransitionType,
)
from moto_approvals.engine import PipelineRuntime
from moto_approvals.pagination import NewestFirst


class ExecutionOperations(BackendFacet):
    """Executions, pipeline state, approvals, transitions, stage conditions and rollback."""

    # -- executions ------------------------------------------------------------------------

    def start_pipeline_execution(
        self,
        name: str,
        variables: list[dict[str, str]] | None,
        client_request_token: str | None,
        caller_arn: str,
        source_revisions: list[dict[str, str]] | None = None,
    ) -> PipelineExecution:
        with self._pipeline(name) as runtime:
            now = utcnow()
            execution = runtime.start_execution(
                now,
                "StartPipelineExecution",
                caller_arn,
                variables,
                client_request_token,
                source_revisions,
            )
            self.catalog.get(name).note_activity(now)
            return execution

    def get_pipeline_execution(self, pipeline_name: str, execution_id: str) -> PipelineExecution:
        with self._pipeline(pipeline_name) as runtime:
            return runtime.execution(execution_id)

    def list_pipeline_executions(
        self, pipeline_name: str, succeeded_in_stage: str | None = None
    ) -> list[PipelineExecution] | NewestFirst[PipelineExecution]:
        """Newest first; the filter keeps the current version's executions that succeeded in
        the stage (ListPipelineExecutions: "executions in the current pipeline version")."""
        with self._pipeline(pipeline_name) as runtime:
            executions = runtime.history.executions_newest_first()
            if succeeded_in_stage is None:
                return executions
            version = runtime.definition.version
            return [
                e
                for e in executions
                if e.pipeline_version == version
                and (run := e.stage_runs.get(succeeded_in_stage)) is not None
                and run.status is StageStatus.SUCCEEDED
            ]

    def stop_pipeline_execution(
        self, pipeline_name: str, execution_id: str, abandon: bool, reason: str | None
    ) -> PipelineExecution:
        with self._pipeline(pipeline_name) as runtime:
            return runtime.stop_execution(execution_id, abandon, reason, utcnow())

    def retry_stage_execution(
        self, pipeline_name: str, stage_name: str, execution_id: str, retry_mode: RetryMode
    ) -> PipelineExecution:
        with self._pipeline(pipeline_name) as runtime:
            self._stage(runtime, stage_name)
            runtime.execution(execution_id)
            return runtime.retry_stage_execution(execution_id, stage_name, retry_mode, utcnow())

    # -- state and approvals ---------------------------------------------------------------

    def get_pipeline_state(self, name: str) -> tuple[PipelineRecord, PipelineRuntime]:
        """The pipeline's record (timestamps) and the runtime, caught up with time."""
        with self._pipeline(name) as runtime:
            return self.catalog.get(name), runtime

    def put_approval_result(
        self,
        pipeline_name: str,
        stage_name: str,
        action_name: str,
        status: ApprovalStatus,
        summary: str,
        token: str,
        caller_arn: str,
    ) -> datetime.datetime:
        with self._pipeline(pipeline_name) as runtime:
            action = self._action(self._stage(runtime, stage_name), action_name)
            now = utcnow()
            runtime.put_approval_result(action, token, status, summary, caller_arn, now)
            return now

    def list_action_executions(
        self, pipeline_name: str, pipeline_execution_id: str | None
    ) -> list[ActionRun] | NewestFirst[ActionRun]:
        with self._pipeline(pipeline_name) as runtime:
            if pipeline_execution_id is not None:
                runtime.execution(pipeline_execution_id)
                return list(runtime.runs_by_execution.get(pipeline_execution_id, ())[::-1])
            return runtime.history.runs_newest_first()

    def set_stage_transition(
        self,
        pipeline_name: str,
        stage_name: str,
        transition_type: TransitionType,
        enabled: bool,
        reason: str | None,
        caller_arn: str,
    ) -> None:
        with self._pipeline(pipeline_name) as runtime:
            self._stage(runtime, stage_name)
            runtime.set_transition(
                stage_name, transition_type, enabled, reason, caller_arn, utcnow()
            )

    # -- stage conditions and rollback -----------------------------------------------------

    def list_rule_executions(
        self, pipeline_name: str, pipeline_execution_id: str | None, latest_only: bool = False
    ) -> list[RuleRun]:
        """Newest first; ``latest_only`` keeps each rule's newest run (of each condition)."""
        with self._pipeline(pipeline_name) as runtime:
            if pipeline_execution_id is not None:
                runtime.execution(pipeline_execution_id)
            runs = [
                run
                for run in reversed(runtime.conditions.rule_runs)
                if pipeline_execution_id in (None, run.pipeline_execution_id)
            ]
            if not latest_only:
                return runs
            seen: set[tuple[str, str, str]] = set()
            latest = []
            for run in runs:
                key = (run.stage_name, run.condition_type.value, run.rule_name)
                if key not in seen:
                    seen.add(key)
                    latest.append(run)
            return latest

    def override_stage_condition(
        self,
        pipeline_name: str,
        stage_name: str,
        execution_id: str,
        condition_type: ConditionType,
    ) -> None:
        with self._pipeline(pipeline_name) as runtime:
            self._stage(runtime, stage_name)
            runtime.override_stage_condition(execution_id, stage_name, condition_type, utcnow())

    def rollback_stage(
        self, pipeline_name: str, stage_name: str, target_id: str, caller_arn: str
    ) -> PipelineExecution:
        with self._pipeline(pipeline_name) as runtime:
            self._stage(runtime, stage_name)
            return runtime.rollback_stage(stage_name, target_id, caller_arn, utcnow())
