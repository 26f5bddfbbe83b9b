"""The moto backend: one per account and region, held in a ``BackendDict``.

Pipeline definitions live in this backend's :class:`~moto_approvals.catalog.PipelineCatalog`
(every version, metadata, tags), checked by :mod:`moto_approvals.declarations` before anything
is stored. Each change is written through to moto's own CodePipeline backend, whose
``pipelines`` dict keeps holding the current declaration and tags for anything else in moto
that reads it. Beside the catalog this backend holds what moto lacks: executions, stage and
action runs, approval tokens and transitions. moto's reset rebuilds it from ``__init__``;
nothing lives at module level.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from moto.codepipeline.models import CodePipeline, CodePipelineBackend, codepipeline_backends
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.utils import utcnow
from moto.iam.exceptions import NotFoundException as IAMNotFoundException
from moto.moto_api._internal import mock_random

from moto_approvals.action_type_service import (
    action_type_by_arn,
    is_action_type_arn,
    keep_secrets,
    link_jobs,
)
from moto_approvals.action_types import ActionTypeRegistry
from moto_approvals.artifact_store import S3ArtifactStore
from moto_approvals.catalog import (
    PipelineCatalog,
    PipelineRecord,
    Tagged,
    add_tags,
    remove_tags,
    sorted_tags,
)
from moto_approvals.declarations import reject_null_members, validate_pipeline_declaration
from moto_approvals.domain import (
    ActionBehaviour,
    ActionDefinition,
    ActionRun,
    ApprovalStatus,
    ConditionType,
    Declaration,
    PendingApproval,
    PipelineDefinition,
    PipelineExecution,
    RetryMode,
    RuleRun,
    StageDefinition,
    StageStatus,
    TransitionType,
)
from moto_approvals.engine import PipelineRuntime
from moto_approvals.engine.rules import RULE_RESULTS, STATEFUL_PROVIDERS
from moto_approvals.exceptions import (
    ActionNotFoundException,
    PipelineNotFoundException,
    StageNotFoundException,
    ValidationException,
)
from moto_approvals.job_service import JobService
from moto_approvals.notifications import publish_approval_needed, publish_state_changes
from moto_approvals.pagination import NewestFirst
from moto_approvals.rule_state import alarm_lookup, execution_variable
from moto_approvals.source_changes import SourceChanges
from moto_approvals.validation import known_members
from moto_approvals.webhooks import Webhooks, is_webhook_arn

#: The most executions each pipeline keeps (see :func:`history_limit`).
HISTORY_LIMIT_VARIABLE = "MOTO_APPROVALS_HISTORY_LIMIT"

_log = logging.getLogger("moto_approvals")


def history_limit() -> int | None:
    """``$MOTO_APPROVALS_HISTORY_LIMIT``: keep at most that many executions per pipeline, the
    oldest finished ones dropped first (AWS keeps 12 months); unset, every one is kept."""
    value = os.environ.get(HISTORY_LIMIT_VARIABLE, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        _log.warning("%s=%r is not a positive whole number: ignored", HISTORY_LIMIT_VARIABLE, value)
        return None
    return int(value)


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
        partition = getattr(self, "partition", None) or "aws"
        self.catalog = PipelineCatalog(account_id, region_name, partition)
        self.artifact_store = S3ArtifactStore(account_id, region_name, partition)
        self._runtimes: dict[str, tuple[PipelineRecord, PipelineRuntime]] = {}
        self.webhooks = Webhooks(self)
        self.source_changes = SourceChanges(account_id, region_name, self.artifact_store)
        #: Action types: AWS's own, the account's custom ones, providers' third-party ones.
        self.action_types = ActionTypeRegistry()
        self.jobs = JobService(self)

    @property
    def pipelines(self) -> CodePipelineBackend:
        return codepipeline_backends[self.account_id][self.region_name]

    # -- lookups ---------------------------------------------------------------------------

    def runtime(self, pipeline_name: str) -> PipelineRuntime:
        """The pipeline's runtime, in step with the catalog's definition and with the clock."""
        try:
            record = self.catalog.get(pipeline_name)
        except PipelineNotFoundException:
            self._runtimes.pop(pipeline_name, None)
            raise
        now = utcnow()
        record.catch_up(now)
        known = self._runtimes.get(pipeline_name)
        if known is None or known[0] is not record:
            # First sight, or deleted and re-created since: a fresh history.
            self.source_changes.forget(pipeline_name)
            runtime = PipelineRuntime(
                PipelineDefinition.from_declaration(record.current), _new_id, self.artifact_store
            )
            runtime.conditions.world.alarm_state = alarm_lookup(self.account_id, self.region_name)
            runtime.conditions.world.variable = execution_variable
            link_jobs(self.action_types, runtime)
            self.jobs.attach(runtime)
            self._runtimes[pipeline_name] = (record, runtime)
        else:
            runtime = known[1]
            if runtime.definition.version != record.version:
                # Approvals that timed out before the update failed then, under the old version:
                # catch up first, so only what was still running is cancelled.
                runtime.advance(now)
                runtime.replace_definition(PipelineDefinition.from_declaration(record.current), now)
        runtime.advance(now)
        runtime.history_limit = history_limit()
        self.source_changes.detect(record, runtime, now)
        return runtime

    def loaded_runtimes(self) -> Iterator[tuple[str, PipelineRuntime]]:
        """Each pipeline's runtime as last loaded (not caught up with the clock)."""
        for name, (_, runtime) in self._runtimes.items():
            yield name, runtime

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
        self.jobs.collect(pipeline_name, runtime)
        for run in runtime.take_started_approvals():
            execution = runtime.executions[run.pipeline_execution_id]
            publish_approval_needed(run, execution, self.region_name, self.account_id)
        changes = runtime.take_state_changes()
        record = self.catalog.records.get(pipeline_name)
        if changes and record is not None:
            publish_state_changes(changes, self.account_id, self.region_name, record.arn)

    # -- pipeline CRUD and tags: the catalog, written through to moto -------------------

    def _role_policy(self, role_arn: str) -> str | None:
        try:
            role = self.pipelines.iam_backend.get_role_by_arn(role_arn)
        except IAMNotFoundException:
            return None
        return str(role.assume_role_policy_document)

    def _validate(self, pipeline: Declaration, previous: Declaration | None = None) -> None:
        validate_pipeline_declaration(
            pipeline,
            account_id=self.account_id,
            region=self.region_name,
            role_policy=self._role_policy,
            previous=previous,
        )
        self.action_types.check_declaration(pipeline, self.region_name)

    def _mirror(self, name: str) -> None:
        """Write the catalog's pipeline through to moto's CodePipeline backend."""
        record = self.catalog.records.get(name)
        if record is None:
            self.pipelines.pipelines.pop(name, None)
            return
        stored = self.pipelines.pipelines.get(name)
        if stored is None:
            stored = CodePipeline(self.account_id, self.region_name, copy.deepcopy(record.current))
            self.pipelines.pipelines[name] = stored
        stored.pipeline = copy.deepcopy(record.current)
        stored.tags = dict(record.tags)
        stored._created, stored._updated = record.created, record.updated

    def create_pipeline(
        self, pipeline: Declaration, tags: list[dict[str, str]] | None, caller_arn: str
    ) -> PipelineRecord:
        """Check, store (version 1) and start the first execution; nothing stays on error."""
        with self.lock:
            tags = tags or []
            reject_null_members(tags, "tags")
            self.catalog.check_name_free(pipeline["name"])
            pipeline = known_members("PipelineDeclaration", pipeline)
            self._validate(pipeline)
            now = utcnow()
            record = self.catalog.create(pipeline, tags, now)
            self._mirror(record.name)
            try:
                with self._pipeline(record.name) as runtime:
                    runtime.start_execution(now, "CreatePipeline", caller_arn)
            except ValidationException:
                # A declared variable without a default: nothing to start the first
                # execution with, so the pipeline waits for StartPipelineExecution.
                pass
            return record

    def update_pipeline(self, pipeline: Declaration) -> PipelineRecord:
        with self.lock:
            current = self.catalog.get(pipeline["name"])
            pipeline = known_members("PipelineDeclaration", pipeline)
            keep_secrets(self.action_types, pipeline, current.current)
            self._validate(pipeline, previous=current.current)
            record = self.catalog.update(pipeline, utcnow())
            self._mirror(record.name)
            with self._pipeline(record.name):  # cancels the replaced version's executions
                return record

    def delete_pipeline(self, name: str) -> None:
        with self.lock:
            self.catalog.delete(name)
            self._mirror(name)
            self._runtimes.pop(name, None)

    def get_pipeline(self, name: str, version: int | None) -> tuple[PipelineRecord, Declaration]:
        with self.lock:
            record = self.catalog.get(name)
            record.catch_up(utcnow())
            return record, record.declaration(version)

    def list_pipelines(self) -> list[PipelineRecord]:
        with self.lock:
            return [self.catalog.records[name] for name in self.catalog.sorted_names()]

    def _tagged(self, arn: str) -> Tagged:
        """The resource an ARN of this account and region names: pipeline, webhook or type."""
        if is_webhook_arn(arn):
            return self.webhooks.by_arn(arn)
        if is_action_type_arn(arn):
            return action_type_by_arn(self, arn)
        return self.catalog.by_arn(arn)

    def tag_resource(self, arn: str, tags: list[dict[str, str]]) -> None:
        with self.lock:
            reject_null_members(tags, "tags")
            resource = self._tagged(arn)
            add_tags(resource, arn, tags)
            if isinstance(resource, PipelineRecord):
                self._mirror(resource.name)

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with self.lock:
            reject_null_members(keys, "tagKeys")
            resource = self._tagged(arn)
            remove_tags(resource, keys)
            if isinstance(resource, PipelineRecord):
                self._mirror(resource.name)

    def list_tags_for_resource(self, arn: str) -> list[dict[str, str]]:
        with self.lock:
            return sorted_tags(self._tagged(arn))

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

    # -- stage conditions and rollback ---------------------------------------------------

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

    # -- test-side control (see moto_approvals.mock.Approvals) -----------------------------

    def set_rule_result(
        self, pipeline_name: str, stage_name: str, rule_name: str, result: str
    ) -> None:
        with self._pipeline(pipeline_name) as runtime:
            stage = self._stage(runtime, stage_name)
            rules = {
                rule["name"]: rule
                for gate in (stage.before_entry, stage.on_success, stage.on_failure)
                for condition in (gate or {}).get("conditions") or []
                for rule in condition.get("rules") or []
            }
            if rule_name not in rules:
                raise ValueError(
                    f"Stage {stage_name} of pipeline {pipeline_name} has no rule {rule_name}; "
                    f"its rules are: {', '.join(sorted(rules)) or 'none'}."
                )
            provider = rules[rule_name]["ruleTypeId"]["provider"]
            if provider in STATEFUL_PROVIDERS:
                raise ValueError(
                    f"Rule {rule_name} is a {provider} rule, evaluated against moto's state "
                    "(alarms, clock, variables): change that state instead of setting a result."
                )
            if result not in RULE_RESULTS:
                raise ValueError(
                    f"result must be one of {', '.join(RULE_RESULTS)}, got {result!r}."
                )
            runtime.conditions.world.set_results[(stage_name, rule_name)] = result
            runtime.advance(utcnow())

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
