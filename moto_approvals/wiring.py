"""The one place that touches moto's internals.

moto has no plugin API (getmoto/moto#7126), so :func:`install` swaps the handler of moto's
CodePipeline URL table, in place, for :class:`ApprovalsCodePipelineResponse`. Both moto's
in-process interception and its server read that table, so both reach this emulator. The
table is replaced in place (never rebound) because moto keeps references to it.

moto 5.1's server inflates every gzip request body whole, before any handler runs, and
answers a body that is not gzip with an HTML 500; :func:`install` makes it leave CodePipeline
bodies to the emulator, which inflates them within its bound on bodies.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from typing import Any

import moto
from moto.codepipeline import urls as moto_urls
from moto.codepipeline.responses import CodePipelineResponse

from moto_approvals.responses import ApprovalsCodePipelineResponse
from moto_approvals.service import TARGET_PREFIX


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
    _leave_codepipeline_bodies_to_the_emulator()


def _leave_codepipeline_bodies_to_the_emulator() -> None:
    """Wrap moto 5.1's ``decompress_request_body`` (a ``before_request`` of each service's
    Flask app) so it passes CodePipeline requests by.

    The wrapper replaces the function in ``moto.moto_server.utilities``, which the server
    module imports it from when it is first imported, and in the server module itself if it
    already was. Other releases have no such hook: nothing is imported then.
    """
    if not str(moto.__version__).startswith("5.1.") or importlib.util.find_spec("flask") is None:
        return
    from moto.moto_server import utilities

    for module in (utilities, sys.modules.get("moto.moto_server.werkzeug_app")):
        hook = getattr(module, "decompress_request_body", None)
        if hook is not None and not getattr(hook, "passes_codepipeline_by", False):
            module.decompress_request_body = _passing_codepipeline_by(hook)  # type: ignore[union-attr]


def _passing_codepipeline_by(hook: Callable[[], None]) -> Callable[[], None]:
    def decompress_request_body() -> None:
        from flask import request

        if str(request.headers.get("X-Amz-Target") or "").startswith(TARGET_PREFIX):
            return  # the emulator reads (and inflates) the body itself, within its bound
        hook()

    decompress_request_body.passes_codepipeline_by = True  # type: ignore[attr-defined]
    return decompress_request_body


def installed() -> bool:
    return all(
        _handler_class(handler) is ApprovalsCodePipelineResponse
        for handler in moto_urls.url_paths.values()
    )
