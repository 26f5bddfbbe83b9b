"""The wire of a pipeline's state, its manual approvals and its stage transitions."""

from __future__ import annotations

from moto_approvals import action_type_service, wire
from moto_approvals.domain import ApprovalStatus, TransitionType
from moto_approvals.responses_base import OperationResponses, reply


class StateResponses(OperationResponses):
    """GetPipelineState, PutApprovalResult, Enable/DisableStageTransition."""

    # -- state and approvals ---------------------------------------------------------------

    def get_pipeline_state(self) -> str:
        backend = self.approvals_backend
        record, runtime = backend.get_pipeline_state(self._params()["name"])
        links = action_type_service.action_links(backend.action_types, runtime)
        return wire.encode_state(wire.pipeline_state(record, runtime, links))

    def put_approval_result(self) -> str:
        params = self._params()
        approved_at = self.approvals_backend.put_approval_result(
            params["pipelineName"],
            params["stageName"],
            params["actionName"],
            ApprovalStatus(params["result"]["status"]),
            params["result"]["summary"],
            params["token"],
            self._caller_arn(),
        )
        return reply({"approvedAt": wire.timestamp(approved_at)})

    # -- transitions -----------------------------------------------------------------------

    def enable_stage_transition(self) -> str:
        return self._set_stage_transition(enabled=True)

    def disable_stage_transition(self) -> str:
        return self._set_stage_transition(enabled=False)

    def _set_stage_transition(self, enabled: bool) -> str:
        params = self._params()
        self.approvals_backend.set_stage_transition(
            params["pipelineName"],
            params["stageName"],
            TransitionType(params["transitionType"]),
            enabled,
            params.get("reason"),
            self._caller_arn(),
        )
        return reply()
