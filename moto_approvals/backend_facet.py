"""What each facet of the backend (pipelines, executions, steering) reads from the backend.

:class:`~moto_approvals.models.ApprovalsBackend` is built from facets, one module per family of
operations, so each family reads on its own; the state and the lookups stay on the backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import threading
    from contextlib import AbstractContextManager

    from moto.codepipeline.models import CodePipelineBackend

    from moto_approvals.action_types import ActionTypeRegistry
    from moto_approvals.catalog import PipelineCatalog, PipelineRecord
    from moto_approvals.domain import ActionDefinition, StageDefinition
    from moto_approvals.engine import PipelineRuntime
    from moto_approvals.webhooks import Webhooks


class BackendFacet:
    """One family of the backend's operations, mixed into the backend."""

    if TYPE_CHECKING:  # provided by the backend this is mixed into
        account_id: str
        region_name: str
        lock: threading.RLock
        catalog: PipelineCatalog
        action_types: ActionTypeRegistry
        webhooks: Webhooks
        _runtimes: dict[str, tuple[PipelineRecord, PipelineRuntime]]

        @property
        def pipelines(self) -> CodePipelineBackend: ...

        def _pipeline(self, pipeline_name: str) -> AbstractContextManager[PipelineRuntime]: ...

        def _stage(self, runtime: PipelineRuntime, stage_name: str) -> StageDefinition: ...

        def _action(self, stage: StageDefinition, action_name: str) -> ActionDefinition: ...
