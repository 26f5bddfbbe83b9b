"""The wire of action types: custom ones and the catalog of AWS's own."""

from __future__ import annotations

from typing import Any

from moto_approvals import action_type_service
from moto_approvals.action_types import type_key
from moto_approvals.catalog import sorted_tags
from moto_approvals.pagination import paginate_sorted
from moto_approvals.responses_base import OperationResponses, reply, with_token

#: ListActionTypes has no maxResults; AWS does not say how many types a page holds.
LIST_ACTION_TYPES_PAGE = 50


class ActionTypeResponses(OperationResponses):
    """Create, delete, list, get and update action types."""

    # -- action types ----------------------------------------------------------------------

    def create_custom_action_type(self) -> str:
        action_type = action_type_service.create_custom_action_type(
            self.approvals_backend, self._params()
        )
        body: dict[str, Any] = {"actionType": action_type.summary()}
        if action_type.tags:
            body["tags"] = sorted_tags(action_type)
        return reply(body)

    def delete_custom_action_type(self) -> str:
        params = self._params()
        action_type_service.delete_custom_action_type(
            self.approvals_backend, params["category"], params["provider"], params["version"]
        )
        return reply()

    def list_action_types(self) -> str:
        params = self._params()
        found = action_type_service.list_action_types(
            self.approvals_backend, params.get("actionOwnerFilter"), params.get("regionFilter")
        )
        types = {t.name: t for t in found}
        keys, next_token = paginate_sorted(
            sorted(types), None, params.get("nextToken"), LIST_ACTION_TYPES_PAGE
        )
        summaries = [types[key].summary() for key in keys]
        return reply(with_token({"actionTypes": summaries}, next_token))

    def get_action_type(self) -> str:
        declaration = action_type_service.get_action_type(
            self.approvals_backend, type_key(self._params())
        )
        return reply({"actionType": declaration})

    def update_action_type(self) -> str:
        action_type_service.update_action_type(self.approvals_backend, self._params()["actionType"])
        return reply()
