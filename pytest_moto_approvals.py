"""The pytest plugin (entry point ``pytest11``): the ``approvals_mock`` fixture and marker.

pytest imports this module in every run on a machine where moto-approvals is installed, so it
imports nothing of moto-approvals or moto: registering the fixture and the marker changes
nothing. The emulator is installed into moto when a test uses the fixture or the marker (or
when anything imports ``moto_approvals``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from moto_approvals import Approvals

MARKER = "approvals_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(account_id=..., region_name=..., config=..., history_limit=...): mock AWS "
        "for the test with the CodePipeline emulator (as the approvals_mock fixture does), "
        "with these options.",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The marker alone mocks AWS too, as if the test had asked for the fixture.
    for item in items:
        fixturenames: list[str] | None = getattr(item, "fixturenames", None)
        marked = item.get_closest_marker(MARKER) is not None
        if marked and fixturenames is not None and MARKER not in fixturenames:
            fixturenames.append(MARKER)


@pytest.fixture
def approvals_mock(request: pytest.FixtureRequest) -> Iterator[Approvals]:
    """Mock AWS with moto and the CodePipeline emulator for one test; yield its handle."""
    from moto_approvals.plugin import mock_for_test  # installs the emulator, only now

    with mock_for_test(request.node) as handle:
        yield handle
