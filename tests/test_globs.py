"""The glob syntax of trigger filters (pipelines-filter), pattern by pattern."""

from __future__ import annotations

import pytest

from moto_approvals.globs import GlobError, compile_glob, glob_matches


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("release/*", "release/1", True),
        ("release/*", "release/1/hotfix", False),
        ("release/**", "release/1/hotfix", True),
        ("**/README.md", "docs/api/README.md", True),
        ("common/**/*.js", "common/ui/app.js", True),
        ("feature-?", "feature-1", True),
        ("feature-?", "feature-10", False),
        ("v[0-9].*", "v1.2", True),
        ("v[!0-9]", "v1", False),
        ("v[!0-9]", "vx", True),
        ("[]a]", "]", True),
        ("{main,develop}", "develop", True),
        ("{main,develop}", "mainline", False),
        ("{feat,fix}/**", "fix/login/form", True),
        ("a\\*", "a*", True),
        ("a\\*", "ab", False),
        ("mainline", "mainline", True),
        ("main", "mainline", False),
    ],
)
def test_a_pattern_matches_whole_names_as_the_user_guide_describes(
    pattern: str, name: str, matches: bool
) -> None:
    assert glob_matches(pattern, name) is matches


@pytest.mark.parametrize("pattern", ["release/[0-9", "{main,dev", "trailing\\", "{a,{b}}"])
def test_a_malformed_pattern_is_a_glob_error(pattern: str) -> None:
    with pytest.raises(GlobError):
        compile_glob(pattern)


def test_many_double_stars_match_in_one_pass_over_the_name() -> None:
    # A backtracking regex takes exponential time on this; the automaton reads the name once.
    assert glob_matches("**a" * 80 + "b", "a" * 255) is False
