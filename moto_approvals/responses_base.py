"""What every family of operations on the wire shares: the reply, paging, the request.

Each ``*_responses`` module holds one family of operations as a mixin of
:class:`~moto_approvals.responses.ApprovalsCodePipelineResponse`, which provides the validated
input, the caller and the backend; the decisions are the backend's.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto_approvals.models import ApprovalsBackend


def reply(data: dict[str, Any] | None = None) -> str:
    # A bare string is HTTP 200; _dispatch adds the JSON 1.1 content type to every reply.
    return json.dumps(data or {})


def with_token(data: dict[str, Any], next_token: str | None) -> dict[str, Any]:
    if next_token is not None:
        data["nextToken"] = next_token
    return data


class OperationResponses:
    """The request as an operation mixin reads it."""

    if TYPE_CHECKING:  # provided by the response class this is mixed into
        region: str

        @property
        def approvals_backend(self) -> ApprovalsBackend: ...

        def _params(self) -> dict[str, Any]: ...

        def _caller_arn(self) -> str: ...
