"""The moto backend: one per account and region, held in a ``BackendDict``.

Pipeline definitions stay in moto's own CodePipeline backend, so CreatePipeline keeps moto's
checks (an IAM role trusted by codepipeline.amazonaws.com, at least two stages) and
GetPipeline/ListPipelines/tagging keep working unchanged. This backend holds what moto lacks:
executions, stage and action runs, approval tokens and transitions. moto's reset rebuilds it
from ``__init__``; nothing lives at module level.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from moto.codepipeline.models import CodePipeline, CodePipelineBackend, codepipeline_backends
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random

from moto_approvals.domain import (
    ActionBehaviour,
    ActionDefinition,
    ActionRun,
    ApprovalStatus,
    Declaration,
    PendingApproval,
    PipelineDefinition,
    PipelineExecution,
    RetryMode,
    StageDefinition,
    TransitionType,
)
from moto_approvals.engine import PipelineRuntime
from moto_approvals.exceptions import (
    ActionNotFoundException,
    PipelineNotFoundException,
    StageNotFoundException,
)
from moto_approvals.notifications import publish_approval_needed, publish_state_changes


def _new_id() -> str:
    # moto's random source, so ``/moto-api/seed`` makes ids and tokens reproducible.
    return str(mock_random.uuid4())


class ApprovalsBackend(BaseBackend):
    """CodePipeline executions and manual approvals for one account and region.

    Every operation takes the backend's lock, then lets time catch up (expiries are computed
    from moto's clock, ``moto.core.utils.utcnow``, so freezegun moves them), then acts.
    """

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self._runtimes: dict[str, tuple[CodePipeline, PipelineRuntime]] = {}

    @property
    def pipelines(self) -> CodePipelineBackend:
        return codepipeline_backends[self.account_id][self.region_name]

    # -- lookups ---------------------------------------------------------------------------

    def runtime(self, pipeline_name: str) -> PipelineRuntime:
        """The pipeline's runtime, in step with moto's definition and with the clock."""
        stored = self.pipelines.pipelines.get(pipeline_name)
        if stored is None:
            self._runtimes.pop(pipeline_name, None)
            raise PipelineNotFoundException(
                f"Account '{self.account_id}' does not have a pipeline with name '{pipeline_name}'"
            )
        now = utcnow()
        known = self._runtimes.get(pipeline_name)
        if known is None or known[0] is not stored:
            # First sight, or deleted and re-created behind our back: a fresh history.
            runtime = PipelineRuntime(PipelineDefinition.from_declaration(stored.pipeline), _new_id)
            self._runtimes[pipeline_name] = (stored, runtime)
        else:
            runtime = known[1]
            if runtime.definition.version != stored.pipeline.get("version"):
                # Approvals that timed out before the update failed then, under the old version:
                # catch up first, so only what was still running is cancelled.
                runtime.advance(now)
                runtime.replace_definition(
                    PipelineDefinition.from_declaration(stored.pipeline), now
                )
        runtime.advance(now)
        return runtime

    def _stage(self, runtime: PipelineRuntime, stage_name: str) -> StageDefinition:
        stage = runtime.definition.stage(stage_name)
        if stage is None:
            raise StageNotFoundException()
        return stage

    def _action(self, stage: StageDefinition, action_name: str) -> ActionDefinition:
        action = stage.action(action_name)
        if action is None:
            raise ActionNotFoundException()
        return action

    @contextmanager
    def _pipeline(self, pipeline_name: str) -> Iterator[PipelineRuntime]:
        """The runtime under the lock; approvals it started are announced on the way out."""
        with self.lock:
            runtime = self.runtime(pipeline_name)
            try:
                yield runtime
            finally:
                # Also after an error: time may have moved executions before the check failed.
                self._announce(pipeline_name, runtime)

    def _announce(self, pipeline_name: str, runtime: PipelineRuntime) -> None:
        for run in runtime.take_started_approvals():
            execution = runtime.executions[run.pipeline_execution_id]
            publish_approval_needed(run, execution, self.region_name)
        changes = runtime.take_state_changes()
        stored = self.pipelines.pipelines.get(pipeline_name)
        if changes and stored is not None:
            arn = stored.metadata["pipelineArn"]
            publish_state_changes(changes, self.account_id, self.region_name, arn)

    # -- pipeline CRUD: moto keeps the definitions, executions follow them -----------------

    def create_pipeline(
        self, pipeline: Declaration, tags: list[dict[str, str]] | None, caller_arn: str
    ) -> tuple[Declaration, list[dict[str, str]]]:
        with self.lock:
            created = self.pipelines.create_pipeline(pipeline, tags or [])
            with self._pipeline(pipeline["name"]) as runtime:
                runtime.start_execution(utcnow(), "CreatePipeline", caller_arn)
            return created

    def update_pipeline(self, pipeline: Declaration) -> Declaration:
        with self.lock:
            updated = self.pipelines.update_pipeline(pipeline)
            with self._pipeline(pipeline["name"]):  # cancels the replaced version's executions
                return updated

    def delete_pipeline(self, name: str) -> None:
        with self.lock:
            self.pipelines.delete_pipeline(name)
            self._runtimes.pop(name, None)

    # -- executions ------------------------------------------------------------------------

    def start_pipeline_execution(
        self,
        name: str,
        variables: list[dict[str, str]] | None,
        client_request_token: str | None,
        caller_arn: str,
    ) -> PipelineExecution:
        with self._pipeline(name) as runtime:
            return runtime.start_execution(
                utcnow(), "StartPipelineExecution", caller_arn, variables, client_request_token
            )

    def get_pipeline_execution(self, pipeline_name: str, execution_id: str) -> PipelineExecution:
        with self._pipeline(pipeline_name) as runtime:
            return runtime.execution(execution_id)

    def list_pipeline_executions(self, pipeline_name: str) -> list[PipelineExecution]:
        with self._pipeline(pipeline_name) as runtime:
            return runtime.executions_newest_first()

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

    def get_pipeline_state(self, name: str) -> tuple[CodePipeline, PipelineRuntime]:
        """moto's pipeline (name, version, timestamps) and the runtime, caught up with time."""
        with self._pipeline(name) as runtime:
            return self.pipelines.pipelines[name], runtime

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
    ) -> list[ActionRun]:
        with self._pipeline(pipeline_name) as runtime:
            if pipeline_execution_id is not None:
                runtime.execution(pipeline_execution_id)
            return [
                run
                for run in reversed(runtime.action_runs)
                if pipeline_execution_id in (None, run.pipeline_execution_id)
            ]

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

    # -- test-side control (see moto_approvals.mock.Approvals) -----------------------------

    def pending_approvals(self, pipeline_name: str) -> list[PendingApproval]:
        with self._pipeline(pipeline_name) as runtime:
            # moto's clock is naive UTC; tests compare with aware datetimes, as boto3 returns.
            utc = datetime.timezone.utc
            return [
                dataclasses.replace(p, expires_at=p.expires_at.replace(tzinfo=utc))
                for p in runtime.pending_approvals()
            ]

    def set_action_behaviour(
        self, pipeline_name: str, stage_name: str, action_name: str, behaviour: ActionBehaviour
    ) -> None:
        with self._pipeline(pipeline_name) as runtime:
            action = self._action(self._stage(runtime, stage_name), action_name)
            if action.is_manual_approval:
                raise ValueError(
                    f"{stage_name}/{action_name} is a manual approval: answer it with "
                    "put_approval_result instead of setting a behaviour."
                )
            runtime.steered.behaviours[(stage_name, action_name)] = behaviour

    def complete_action(
        self,
        pipeline_name: str,
        stage_name: str,
        action_name: str,
        succeeded: bool,
        summary: str | None,
        pipeline_execution_id: str | None,
    ) -> int:
        with self._pipeline(pipeline_name) as runtime:
            self._action(self._stage(runtime, stage_name), action_name)
            return runtime.complete_action(
                stage_name, action_name, succeeded, summary, utcnow(), pipeline_execution_id
            )


approvals_backends = BackendDict(ApprovalsBackend, "codepipeline")
