"""The pytest plugin (entry point ``pytest11``): the ``approvals_mock`` fixture and marker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from moto_approvals.mock import Approvals, mock_approvals

MARKER_OPTIONS = ("account_id", "region_name", "config")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "approvals_mock(account_id=..., region_name=..., config=...): options of the "
        "approvals_mock fixture (the account and region of its handle, moto's mock_aws config).",
    )


@pytest.fixture
def approvals_mock(request: pytest.FixtureRequest) -> Iterator[Approvals]:
    """Mock AWS with moto and the CodePipeline emulator for one test; yield its handle."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("approvals_mock"))):
        if marker.args:
            raise TypeError("@pytest.mark.approvals_mock takes keyword arguments only.")
        options.update(marker.kwargs)
    unknown = sorted(set(options) - set(MARKER_OPTIONS))
    if unknown:
        raise TypeError(
            f"@pytest.mark.approvals_mock got unknown option(s) {', '.join(unknown)}; "
            f"it takes {', '.join(MARKER_OPTIONS)}."
        )
    with mock_approvals(**options) as handle:
        yield handle
