"""What the ``approvals_mock`` fixture does once a test asks for it.

The fixture and marker themselves are registered by the top-level ``pytest_moto_approvals``
module (entry point ``pytest11``), which imports this module only when a test uses them.
"""

from __future__ import annotations

from typing import Any

import pytest

from moto_approvals.mock import ApprovalsMock

MARKER_OPTIONS = ("account_id", "region_name", "config", "history_limit")


def mock_for_test(node: pytest.Item) -> ApprovalsMock:
    """The mock for one test, with the options of its ``approvals_mock`` markers (closest wins).

    Raises:
        TypeError: a marker has positional arguments or an unknown option.
    """
    options: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers("approvals_mock"))):
        if marker.args:
            raise TypeError("@pytest.mark.approvals_mock takes keyword arguments only.")
        options.update(marker.kwargs)
    unknown = sorted(set(options) - set(MARKER_OPTIONS))
    if unknown:
        raise TypeError(
            f"@pytest.mark.approvals_mock got unknown option(s) {', '.join(unknown)}; "
            f"it takes {', '.join(MARKER_OPTIONS)}."
        )
    return ApprovalsMock(**options)
