"""The wire of new source revisions: webhooks and PutActionRevision."""

from __future__ import annotations

from typing import Any

from moto_approvals.pagination import paginate_sorted
from moto_approvals.pipeline_responses import LIST_TAGS_PAGE
from moto_approvals.responses_base import OperationResponses, reply
from moto_approvals.revisions import put_action_revision
from moto_approvals.webhooks import webhook_item


class WebhookResponses(OperationResponses):
    """Webhooks (stored, never called) and revisions put on source actions."""

    # -- webhooks --------------------------------------------------------------------------

    def put_webhook(self) -> str:
        params = self._params()
        webhook = self.approvals_backend.webhooks.put(params["webhook"], params.get("tags"))
        return reply({"webhook": webhook_item(webhook)})

    def list_webhooks(self) -> str:
        params = self._params()
        webhooks = {w.name: w for w in self.approvals_backend.webhooks.listed()}
        names, next_token = paginate_sorted(
            list(webhooks), params.get("MaxResults"), params.get("NextToken"), LIST_TAGS_PAGE
        )
        items = [webhook_item(webhooks[name]) for name in names]
        body: dict[str, Any] = {"webhooks": items}
        if next_token is not None:
            body["NextToken"] = next_token
        return reply(body)

    def delete_webhook(self) -> str:
        self.approvals_backend.webhooks.delete(self._params()["name"])
        return reply()

    def register_webhook_with_third_party(self) -> str:
        self.approvals_backend.webhooks.set_registered(self._params().get("webhookName"), True)
        return reply()

    def deregister_webhook_with_third_party(self) -> str:
        self.approvals_backend.webhooks.set_registered(self._params().get("webhookName"), False)
        return reply()

    # -- revisions -------------------------------------------------------------------------

    def put_action_revision(self) -> str:
        params = self._params()
        new, execution_id = put_action_revision(
            self.approvals_backend,
            params["pipelineName"],
            params["stageName"],
            params["actionName"],
            params["actionRevision"],
            self._caller_arn(),
        )
        return reply({"newRevision": new, "pipelineExecutionId": execution_id})
