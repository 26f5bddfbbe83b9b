"""The README's coverage table is the one the code renders."""

from __future__ import annotations

import pathlib

from moto_approvals.coverage import render, rewrite

README = pathlib.Path(__file__).parent.parent / "README.md"


def test_the_readme_coverage_table_is_up_to_date() -> None:
    text = README.read_text(encoding="utf-8")

    assert rewrite(text) == text, "run: python -m moto_approvals.coverage --write"


def test_the_table_lists_all_44_operations() -> None:
    rows = [line for line in render().splitlines() if line.startswith("| `")]

    assert len(rows) == 44
