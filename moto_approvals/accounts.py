"""The account requests run as: moto's ``$MOTO_ACCOUNT_ID``, switched for a mocked block."""

from __future__ import annotations

import os
import re

from moto.core.models import DEFAULT_ACCOUNT_ID

#: moto's own switch for the account that requests run as (checked before credentials).
ACCOUNT_VARIABLE = "MOTO_ACCOUNT_ID"


def current_account_id() -> str:
    """The account moto serves requests as: ``$MOTO_ACCOUNT_ID``, else moto's default."""
    return os.environ.get(ACCOUNT_VARIABLE) or DEFAULT_ACCOUNT_ID


def checked_account_id(account_id: object) -> str:
    if not isinstance(account_id, str) or not re.fullmatch(r"\d{12}", account_id):
        raise ValueError(
            f"account_id must be a 12-digit AWS account ID such as '{DEFAULT_ACCOUNT_ID}', got "
            f"{account_id!r}; pass the region as region_name=..."
        )
    return account_id


class EnvironmentSwitch:
    """Environment variables set while a mocked block runs, restored when it exits (nested
    blocks each restore what they found)."""

    def __init__(self) -> None:
        self.variables: dict[str, str] = {}
        self._saved: list[dict[str, str | None]] = []

    def enter(self) -> None:
        self._saved.append({name: os.environ.get(name) for name in self.variables})
        os.environ.update(self.variables)

    def leave(self) -> None:
        for name, saved in self._saved.pop().items():
            if saved is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = saved
