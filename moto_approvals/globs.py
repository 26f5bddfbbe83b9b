"""Glob patterns as CodePipeline's trigger filters read them (pipelines-filter, "glob").

The syntax is the one the User Guide tabulates: ``*`` matches any characters of one path
segment (never ``/``), ``**`` any characters across segments, ``?`` one character of a
segment, ``[abc]``/``[a-z]``/``[!a-c]`` one character of a set, ``{a,b}`` any of the
comma-separated subpatterns (not nested), ``\\`` escapes the next character. Branch and tag
names are matched the same way as file paths, so ``release/*`` matches ``release/1`` but not
``release/1/hotfix``, which ``release/**`` does.
"""

from __future__ import annotations

import functools
import re


class GlobError(ValueError):
    """A pattern the syntax does not allow (an unclosed ``[`` or ``{``, a nested ``{``...)."""


def _bracket(pattern: str, start: int) -> tuple[str, int]:
    """The character class opened at ``start`` as a regex, and the index after ``]``."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] == "!"
    if negate:
        i += 1
    members = ""
    first = True
    while i < len(pattern) and (pattern[i] != "]" or first):
        char = pattern[i]
        # Inside brackets every character is itself, a leading or trailing "-" too.
        members += (
            "-"
            if char == "-" and not first and pattern[i + 1 : i + 2] != "]"
            else (re.escape(char))
        )
        first = False
        i += 1
    if i >= len(pattern):
        raise GlobError(f"Pattern {pattern!r} has an unclosed '['.")
    if not members:
        raise GlobError(f"Pattern {pattern!r} has an empty '[]'.")
    return f"[{'^/' if negate else ''}{members}]", i + 1


def _translate(pattern: str) -> str:
    out: list[str] = []
    in_group = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 == len(pattern):
                raise GlobError(f"Pattern {pattern!r} ends with an escape character.")
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            if pattern[i + 1 : i + 2] == "*":
                out.append(".*")
                i += 2
            else:
                out.append("[^/]*")
                i += 1
            continue
        if char == "?":
            out.append("[^/]")
        elif char == "[":
            regex, i = _bracket(pattern, i)
            out.append(regex)
            continue
        elif char == "{":
            if in_group:
                raise GlobError(f"Pattern {pattern!r} nests '{{' groups.")
            in_group = True
            out.append("(?:")
        elif char == "}" and in_group:
            in_group = False
            out.append(")")
        elif char == "," and in_group:
            out.append("|")
        else:
            out.append(re.escape(char))
        i += 1
    if in_group:
        raise GlobError(f"Pattern {pattern!r} has an unclosed '{{'.")
    return "".join(out)


@functools.lru_cache(maxsize=512)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The pattern as a regex matching a whole name.

    Raises:
        GlobError: the pattern is malformed.
    """
    return re.compile(_translate(pattern), re.DOTALL)


def glob_matches(pattern: str, name: str) -> bool:
    return compile_glob(pattern).fullmatch(name) is not None
