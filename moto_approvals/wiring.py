"""The one place that touches moto's internals.

moto has no plugin API (getmoto/moto#7126), so :func:`install` swaps the handler of moto's
CodePipeline URL table, in place, for :class:`ApprovalsCodePipelineResponse`. Both moto's
in-process interception and its server read that table, so both reach this emulator. The
table is replaced in place (never rebound) because moto keeps references to it.
"""

from __future__ import annotations

from typing import Any

from moto.codepipeline import urls as moto_urls
from moto.codepipeline.responses import CodePipelineResponse

from moto_approvals.responses import ApprovalsCodePipelineResponse


class IncompatibleMotoError(RuntimeError):
    """moto's CodePipeline routing is not laid out as moto 5.0-5.2 lay it out."""


def _handler_class(handler: Any) -> Any:
    return getattr(handler, "__self__", None)


def install() -> None:
    """Route CodePipeline requests to the emulator. Idempotent."""
    url_paths: dict[str, Any] = moto_urls.url_paths
    routed = [
        path
        for path, handler in url_paths.items()
        if isinstance(_handler_class(handler), type)
        and issubclass(_handler_class(handler), CodePipelineResponse)
    ]
    if not routed:
        raise IncompatibleMotoError(
            "moto.codepipeline.urls.url_paths has no CodePipelineResponse handler; this moto "
            "release is outside the range moto-approvals supports (see pyproject.toml)."
        )
    for path in routed:
        url_paths[path] = ApprovalsCodePipelineResponse.dispatch


def installed() -> bool:
    return all(
        _handler_class(handler) is ApprovalsCodePipelineResponse
        for handler in moto_urls.url_paths.values()
    )
