"""ListDeployActionExecutionTargets: the targets a deploy action's run reported.

No action emulated here deploys to instances, so a run reports no targets: the list is empty
for every action execution that exists. An unknown one is ``ActionExecutionNotFoundException``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto_approvals.exceptions import ActionExecutionNotFoundException

if TYPE_CHECKING:
    from moto_approvals.models import ApprovalsBackend


def list_deploy_action_execution_targets(
    backend: ApprovalsBackend, pipeline_name: str | None, action_execution_id: str
) -> list[dict[str, Any]]:
    """The run's targets (none); searches every pipeline when no name is given."""
    with backend.lock:
        names = [pipeline_name] if pipeline_name else backend.catalog.sorted_names()
        for name in names:
            runtime = backend.runtime(name)  # PipelineNotFoundException for a named one
            if any(r.action_execution_id == action_execution_id for r in runtime.action_runs):
                return []
        raise ActionExecutionNotFoundException()
