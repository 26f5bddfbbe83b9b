"""The moto backend: one per account and region, held in a ``BackendDict``.

Pipeline definitions live in this backend's :class:`~moto_approvals.catalog.PipelineCatalog`
(every version, metadata, tags), checked by :mod:`moto_approvals.declarations` before anything
is stored. Each change is written through to moto's own CodePipeline backend, whose
``pipelines`` dict keeps holding the current declaration and tags for anything else in moto
that reads it. Beside the catalog this backend holds what moto lacks: executions, stage and
action runs, approval tokens and transitions. moto's reset rebuilds it from ``__init__``;
nothing lives at module level.

This module holds the state and the lookups; the operations are facets, one module each:
:mod:`~moto_approvals.pipeline_service`, :mod:`~moto_approvals.execution_service`,
:mod:`~moto_approvals.steering_service` (with :mod:`~moto_approvals.job_service` and
:mod:`~moto_approvals.action_type_service` as services the backend holds).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from moto.codepipeline.models import CodePipelineBackend, codepipeline_backends
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random

from moto_approvals.action_type_service import link_jobs
from moto_approvals.action_types import ActionTypeRegistry
from moto_approvals.artifact_store import S3ArtifactStore
from moto_approvals.catalog import PipelineCatalog, PipelineRecord
from moto_approvals.domain import ActionDefinition, PipelineDefinition, StageDefinition
from moto_approvals.engine import PipelineRuntime
from moto_approvals.exceptions import (
    ActionNotFoundException,
    PipelineNotFoundException,
    StageNotFoundException,
)
from moto_approvals.execution_service import ExecutionOperations
from moto_approvals.job_service import JobService
from moto_approvals.notifications import publish_approval_needed, publish_state_changes
from moto_approvals.pipeline_service import PipelineOperations
from moto_approvals.rule_state import alarm_lookup, execution_variable
from moto_approvals.source_changes import SourceChanges
from moto_approvals.steering_service import SteeringOperations
from moto_approvals.webhooks import Webhooks

#: The most executions each pipeline keeps (see :func:`history_limit`).
HISTORY_LIMIT_VARIABLE = "MOTO_APPROVALS_HISTORY_LIMIT"

_log = logging.getLogger("moto_approvals")


def history_limit() -> int | None:
    """``$MOTO_APPROVALS_HISTORY_LIMIT``: keep at most that many executions per pipeline, the
    oldest finished ones dropped first (AWS keeps 12 months); unset, every one is kept."""
    text = os.environ.get(HISTORY_LIMIT_VARIABLE, "")
    if text in _PARSED_LIMITS:  # read on every request: a good value is parsed once
        return _PARSED_LIMITS[text]
    value = text.strip()
    limit = int(value) if value.isdigit() and int(value) >= 1 else None
    if value and limit is None:  # warned about on every request that reads it
        _log.warning("%s=%r is not a positive whole number: ignored", HISTORY_LIMIT_VARIABLE, value)
    elif len(_PARSED_LIMITS) < 16:
        _PARSED_LIMITS[text] = limit
    return limit


_PARSED_LIMITS: dict[str, int | None] = {}


def _new_id() -> str:
    # moto's random source, so ``/moto-api/seed`` makes ids and tokens reproducible.
    return str(mock_random.uuid4())


class ApprovalsBackend(PipelineOperations, ExecutionOperations, SteeringOperations, BaseBackend):
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


approvals_backends = BackendDict(ApprovalsBackend, "codepipeline")
