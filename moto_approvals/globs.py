"""Glob patterns as CodePipeline's trigger filters read them (pipelines-filter, "glob").

The syntax is the one the User Guide tabulates: ``*`` matches any characters of one path
segment (never ``/``), ``**`` any characters across segments, ``?`` one character of a
segment, ``[abc]``/``[a-z]``/``[!a-c]`` one character of a set, ``{a,b}`` any of the
comma-separated subpatterns (not nested), ``\\`` escapes the next character. Branch and tag
names are matched the same way as file paths, so ``release/*`` matches ``release/1`` but not
``release/1/hotfix``, which ``release/**`` does.

A pattern compiles to a small automaton run over the name once (time linear in the name times
the pattern), not to a backtracking regex: ``**a**a**a…`` cannot stall a call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

#: One character's test.
CharTest = Callable[[str], bool]


class GlobError(ValueError):
    """A pattern the syntax does not allow (an unclosed ``[`` or ``{``, a nested ``{``...)."""


@dataclass(eq=False)
class _State:
    """A state of the automaton: consumes one character passing ``test``, or is a fork."""

    test: CharTest | None = None
    out: _State | None = None  # after a consumed character
    forks: list[_State] = field(default_factory=list)  # reached without consuming


_ANY: CharTest = lambda c: True  # noqa: E731
_IN_SEGMENT: CharTest = lambda c: c != "/"  # noqa: E731
#: A parsed element: a character test, "*", "**", or a group's alternatives.
_Element = CharTest | str | list[list["_Element"]]


def _bracket(pattern: str, start: int) -> tuple[CharTest, int]:
    """The character set opened at ``start``, and the index after its ``]``."""
    i = start + 1
    negate = pattern[i : i + 1] == "!"
    i += negate
    chars: set[str] = set()
    ranges: list[tuple[str, str]] = []
    first = True
    while i < len(pattern) and (pattern[i] != "]" or first):
        # Inside brackets every character is itself; "-" between two makes a range.
        if pattern[i + 1 : i + 2] == "-" and pattern[i + 2 : i + 3] not in ("", "]"):
            ranges.append((pattern[i], pattern[i + 2]))
            i += 3
        else:
            chars.add(pattern[i])
            i += 1
        first = False
    if i >= len(pattern):
        raise GlobError(f"Pattern {pattern!r} has an unclosed '['.")

    def test(c: str) -> bool:
        inside = c in chars or any(low <= c <= high for low, high in ranges)
        return c != "/" and inside != negate

    return test, i + 1


def _literal(char: str) -> CharTest:
    return lambda c: c == char


def _parse(pattern: str) -> list[_Element]:
    sequence: list[_Element] = []
    group: list[list[_Element]] | None = None
    current = sequence
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 == len(pattern):
                raise GlobError(f"Pattern {pattern!r} ends with an escape character.")
            current.append(_literal(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            double = pattern[i + 1 : i + 2] == "*"
            current.append("**" if double else "*")
            i += 2 if double else 1
            continue
        if char == "[":
            test, i = _bracket(pattern, i)
            current.append(test)
            continue
        if char == "{":
            if group is not None:
                raise GlobError(f"Pattern {pattern!r} nests '{{' groups.")
            group = [[]]
            current = group[0]
        elif char == "," and group is not None:
            group.append([])
            current = group[-1]
        elif char == "}" and group is not None:
            sequence.append(group)
            group, current = None, sequence
        elif char == "?":
            current.append(_IN_SEGMENT)
        else:
            current.append(_literal(char))
        i += 1
    if group is not None:
        raise GlobError(f"Pattern {pattern!r} has an unclosed '{{'.")
    return sequence


def _build(sequence: list[_Element], after: _State) -> _State:
    """The start state of ``sequence`` followed by ``after``."""
    state = after
    for element in reversed(sequence):
        if isinstance(element, list):
            state = _State(forks=[_build(alternative, state) for alternative in element])
        elif isinstance(element, str):
            fork = _State(forks=[state])
            fork.forks.append(_State(test=_ANY if element == "**" else _IN_SEGMENT, out=fork))
            state = fork
        else:
            state = _State(test=element, out=state)
    return state


def _closure(states: list[_State]) -> list[_State]:
    seen: dict[int, _State] = {}
    stack = list(states)
    while stack:
        state = stack.pop()
        if id(state) in seen:
            continue
        seen[id(state)] = state
        stack.extend(state.forks)
    return list(seen.values())


@dataclass(frozen=True)
class Glob:
    start: _State
    accept: _State

    def matches(self, name: str) -> bool:
        current = _closure([self.start])
        for char in name:
            moved = [s.out for s in current if s.test is not None and s.out and s.test(char)]
            if not moved:
                return False
            current = _closure(moved)
        return any(s is self.accept for s in current)


@functools.lru_cache(maxsize=512)
def compile_glob(pattern: str) -> Glob:
    """The pattern, ready to match whole names.

    Raises:
        GlobError: the pattern is malformed.
    """
    accept = _State()
    return Glob(_build(_parse(pattern), accept), accept)


def glob_matches(pattern: str, name: str) -> bool:
    return compile_glob(pattern).matches(name)
