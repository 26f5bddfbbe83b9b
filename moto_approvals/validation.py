"""Request and response validation driven by botocore's CodePipeline model.

AWS (Coral) validates requests against the model before any business logic runs, and SDK
users see its exact texts; constraints are read from botocore's shapes, never restated.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from botocore.model import OperationModel, Shape

from moto_approvals.exceptions import SerializationException, ValidationException
from moto_approvals.service import SERVICE_NAME, service_model

__all__ = ("output_violations", "service_model", "validate_input")

# The decoded-JSON Python types each shape type accepts (bool is handled separately,
# because it subclasses int but is never a number on the wire).
_ACCEPTED_TYPES: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(("structure", "map"), (Mapping,)),
    **dict.fromkeys(("string", "blob"), (str,)),
    **dict.fromkeys(("integer", "long"), (int,)),
    **dict.fromkeys(("double", "float"), (int, float)),
    **{"list": (list,), "boolean": (bool,), "timestamp": (int, float, str)},
}
#: On a JSON 1.1 reply a timestamp is a number of epoch seconds: an ISO string parses in boto3
#: but not in the JavaScript or Go SDKs, so the output check accepts numbers only.
_OUTPUT_TYPES = {**_ACCEPTED_TYPES, "timestamp": (int, float)}
_SIZED = frozenset({"string", "list", "map"})
#: What Coral's Java types hold; a larger number does not deserialize.
_INTEGER_BITS = {"integer": 32, "long": 64}
_NUMERIC = frozenset({"integer", "long", "double", "float"})

#: A value or map key longer than this is cut in messages (README, "Choices where AWS is
#: silent"), so a huge input never comes back whole in an error.
ECHO_LIMIT = 1024
#: At most this many problems are spelled out in one message; the count stays exact.
LISTED_PROBLEMS = 10


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    """Compile a model pattern once; ``None`` if Python cannot compile it (check skipped).

    ``re.ASCII`` because Java's ``\\w``, ``\\d`` and ``\\s`` match ASCII only.
    """
    try:
        return re.compile(pattern, re.ASCII)
    except re.error:
        return None


def _operation(operation_name: str) -> OperationModel:
    model = service_model()
    if operation_name not in model.operation_names:
        raise ValueError(f"{operation_name!r} is not a {SERVICE_NAME} operation")
    return model.operation_model(operation_name)


def _json_type(value: Any) -> str:
    """The JSON type name of a decoded value, for type-mismatch messages."""
    if isinstance(value, bool):
        return "boolean"
    names = {str: "string", int: "number", float: "number", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def _clip(text: str) -> str:
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "..."


def _render(value: Any) -> str:
    """Render a value as Coral does in messages: quoted, except a missing value (``null``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, (int, float)):
        # Not str(): a 5,000-digit integer refuses to convert; its repr is what we can show.
        text = str(value) if abs(value) < 10**ECHO_LIMIT else f"{_json_type(value)} too large"
    else:
        try:
            text = json.dumps(value, separators=(",", ":"), default=str)
        except (RecursionError, ValueError):
            text = _json_type(value)
    return f"'{_clip(text)}'"


class _Facts(NamedTuple):
    """What the walk reads of one shape, read from botocore's shape once."""

    kind: str
    accepted: tuple[type, ...] | None  # None: a type this model does not use, not checked
    output_accepted: tuple[type, ...] | None
    bits: int | None
    word: str | None  # "length" or "value": what min and max bound
    low: Any
    high: Any
    enum: frozenset[str] | None
    enum_text: str
    pattern: re.Pattern[str] | None
    pattern_text: str
    members: Mapping[str, Shape]
    required: frozenset[str]


@functools.cache
def _facts(shape: Shape) -> _Facts:
    kind, meta = shape.type_name, shape.metadata
    word = "length" if kind in _SIZED else "value" if kind in _NUMERIC else None
    enum = list(shape.enum) if kind == "string" else []
    pattern_text = str(meta["pattern"]) if kind == "string" and "pattern" in meta else ""
    members = dict(shape.members) if kind == "structure" else {}
    return _Facts(
        kind=kind,
        accepted=_ACCEPTED_TYPES.get(kind),
        output_accepted=_OUTPUT_TYPES.get(kind),
        bits=_INTEGER_BITS.get(kind),
        word=word,
        low=meta.get("min") if word else None,
        high=meta.get("max") if word else None,
        enum=frozenset(enum) if enum else None,
        enum_text=", ".join(enum),
        pattern=_pattern(pattern_text) if pattern_text else None,
        pattern_text=pattern_text,
        members=members,
        required=frozenset(shape.required_members) if kind == "structure" else frozenset(),
    )


def _type_problem(facts: _Facts, value: Any, where: str, output: bool = False) -> str | None:
    """Why Coral could not deserialize the value into the shape's type, if it could not."""
    kind = facts.kind
    accepted = facts.output_accepted if output else facts.accepted
    if accepted is not None and (
        kind != "boolean" if isinstance(value, bool) else not isinstance(value, accepted)
    ):
        return f"Unexpected value type at '{where}': expected {kind}, got {_json_type(value)}"
    bits = facts.bits
    if bits is not None and not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        return f"Number at '{where}' is out of range of {kind}"
    return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Walker:
    """Depth-first walk of a value against a shape, collecting problems in model order.

    Input mode mirrors Coral: unknown members are ignored and type mismatches are kept apart
    (they become a SerializationException). Output mode is a strict conformance check for
    emulator responses: unknown keys and type mismatches are ordinary problems.
    """

    def __init__(self, *, output: bool) -> None:
        self.output = output
        self.problems: list[str] = []
        self.problem_count = 0
        self.type_errors: list[str] = []

    def report(self, problem: str) -> None:
        # Kept short: a list of a million nulls is a million problems, not a huge message.
        self.problem_count += 1
        if self.output or len(self.problems) < LISTED_PROBLEMS:
            self.problems.append(problem)

    def fail(self, value: Any, path: str, constraint: str) -> None:
        self.report(
            f"Value {_render(value)} at '{path}' failed to satisfy constraint: {constraint}"
        )

    def walk(self, shape: Shape, value: Any, path: str) -> Any:
        """Check ``value``; return it as Coral hands it on: without unknown or null members."""
        # A null is a missing value: only a parent structure's required check applies to it.
        if value is None:
            return None
        facts = _facts(shape)
        problem = _type_problem(facts, value, path or "<body>", self.output)
        if problem is not None:
            if self.output:
                self.report(problem)
            elif not self.type_errors:  # only the first is reported
                self.type_errors.append(problem)
            return value
        self.check_constraints(facts, value, path)
        kind = facts.kind
        if kind == "structure":
            return self.walk_structure(facts, value, path)
        if kind == "list":
            return [
                self.walk_member(shape.member, item, f"{path}.{index}.member")
                for index, item in enumerate(value, start=1)
            ]
        if kind == "map":
            kept: dict[Any, Any] = {}
            for key, item in value.items():
                where = _join(path, _clip(str(key)))
                self.walk(shape.key, key, where)
                kept[key] = self.walk_member(shape.value, item, where)
            return kept
        return value

    def walk_member(self, shape: Shape, value: Any, path: str) -> Any:
        """A list member or map value: unlike a structure member, it may not be null."""
        if value is None:
            self.fail(None, path, "Member must not be null")
        return self.walk(shape, value, path)

    def walk_structure(self, facts: _Facts, value: Mapping[str, Any], path: str) -> Any:
        required = facts.required
        kept: dict[str, Any] = {}
        for name, member in facts.members.items():
            item = value.get(name)
            if item is not None:
                kept[name] = self.walk(member, item, _join(path, name))
            elif name in required:
                self.fail(None, _join(path, name), "Member must not be null")
        if self.output:
            for key in value:
                if key not in facts.members:
                    self.report(f"Unknown key at '{_join(path, _clip(key))}'")
        return kept

    def check_constraints(self, facts: _Facts, value: Any, path: str) -> None:
        """Coral's order on one value: length/range, then enum, then pattern."""
        word = facts.word
        if word is not None:
            measure = len(value) if word == "length" else value
            if facts.high is not None and measure > facts.high:
                self.fail(
                    value, path, f"Member must have {word} less than or equal to {facts.high}"
                )
            if facts.low is not None and measure < facts.low:
                self.fail(
                    value, path, f"Member must have {word} greater than or equal to {facts.low}"
                )
        if facts.enum is not None and value not in facts.enum:
            self.fail(value, path, f"Member must satisfy enum value set: [{facts.enum_text}]")
        pattern = facts.pattern
        if pattern is not None and pattern.fullmatch(value) is None:
            self.fail(
                value, path, f"Member must satisfy regular expression pattern: {facts.pattern_text}"
            )


def validate_input(operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a decoded request body as AWS does, raising its exception on failure.

    Returns the body as the service sees it: members the model does not know, and members
    sent as null, are left out (Coral drops them while deserializing).
    """
    shape = _operation(operation_name).input_shape
    if shape is None:
        return {}
    walker = _Walker(output=False)
    kept: dict[str, Any] = walker.walk(shape, params, "")
    if walker.type_errors:
        raise SerializationException(walker.type_errors[0])
    if walker.problems:
        count, detail = walker.problem_count, "; ".join(walker.problems)
        if count > len(walker.problems):
            detail += f"; and {count - len(walker.problems)} more"
        noun = "error" if count == 1 else "errors"
        raise ValidationException(f"{count} validation {noun} detected: {detail}")
    return kept


def output_violations(operation_name: str, body: Any) -> list[str]:
    """Every way a raw JSON response body departs from the operation's output shape."""
    shape = _operation(operation_name).output_shape
    if shape is None:
        return [] if body in (None, "", {}) else [f"Expected an empty body, got {_render(body)}"]
    walker = _Walker(output=True)
    walker.walk(shape, {} if body in (None, "") else body, "")
    return walker.problems


def known_members(shape_name: str, value: Any) -> Any:
    """``value`` without the members the model does not know, as AWS stores a request.

    Input validation ignores unknown members (as Coral does) and reads a ``null`` member as
    absent; what is stored and echoed back later carries neither, or replies would break their
    output shapes.
    """
    return _prune(service_model().shape_for(shape_name), value)


def _prune(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        return {
            name: _prune(shape.members[name], item)
            for name, item in value.items()
            if name in shape.members and item is not None
        }
    if kind == "list" and isinstance(value, list):
        return [_prune(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        return {key: _prune(shape.value, item) for key, item in value.items()}
    return value
