"""How history keeps runs small: read-only mappings over tuples, ids kept as numbers."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from moto_approvals.domain.executions import SourceRevision
    from moto_approvals.domain.runs import ActionRun, StageRun


#: The one empty mapping every run without output variables or conditions shares.
EMPTY: Mapping[Any, Any] = MappingProxyType({})


_K = TypeVar("_K")


_V = TypeVar("_V")


class _Frozen(Mapping[_K, _V], Generic[_K, _V]):
    """A read-only mapping over a tuple (or a lone item), each item keyed by its own name.

    What a finished execution keeps in place of a dict: a dict of one or a few entries costs
    three to four times the memory, and history keeps every execution. Lookups scan the
    tuple, which is short (a pipeline's stages, a stage's actions).
    """

    __slots__ = ("_items",)

    def __init__(self, items: tuple[_V, ...]) -> None:
        self._items: tuple[_V, ...] | _V = items

    @classmethod
    def of(cls, items: tuple[_V, ...]) -> Mapping[_K, _V]:
        """The items' mapping; a lone item is held without a tuple around it."""
        frozen = cls(items)
        if len(items) == 1:
            frozen._items = items[0]
        return frozen

    def _all(self) -> tuple[_V, ...]:
        items = self._items
        return items if isinstance(items, tuple) else (items,)

    @staticmethod
    @abc.abstractmethod
    def _key(item: Any) -> Any:
        """The name the item is found by."""

    def __getitem__(self, key: _K) -> _V:
        for item in self._all():
            if self._key(item) == key:
                return item
        raise KeyError(key)

    def __iter__(self) -> Iterator[_K]:
        return (self._key(item) for item in self._all())

    def __len__(self) -> int:
        return len(self._all())


class _ActionRuns(_Frozen[str, "ActionRun"]):
    __slots__ = ()

    @staticmethod
    def _key(item: ActionRun) -> str:
        return item.action.name


class _StageStatuses(tuple[Any, ...]):
    """An ended execution's plain stage runs, as their statuses in the order entered (see
    :meth:`PipelineExecution._pack`)."""

    __slots__ = ()


class _StageRuns(_Frozen[str, "StageRun"]):
    __slots__ = ()

    @staticmethod
    def _key(item: StageRun) -> str:
        return item.stage_name


class _SourceRevisions(_Frozen[str, "SourceRevision"]):
    __slots__ = ()

    @staticmethod
    def _key(item: SourceRevision) -> str:
        return item.action_name


def compact_id(text: str) -> str | int:
    """An id as history keeps it: a UUID in its usual form (what ids, tokens and SDKs'
    clientRequestTokens are) as its number, half the memory of its text; any other as it is."""
    if len(text) != 36 or text.count("-") != 4:
        return text
    try:
        number = int(text.replace("-", ""), 16)
    except ValueError:
        return text
    return number if id_text(number) == text else text


def id_text(value: str | int) -> str:
    """The id :func:`compact_id` kept."""
    if isinstance(value, str):
        return value
    digits = f"{value:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def flat_pairs(pairs: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """``(name, value)`` pairs as one flat tuple: name, value, name, value."""
    return tuple(item for pair in pairs for item in pair)


def s3_variables(etag: str, version_id: str | None) -> tuple[str, ...]:
    """An S3 source's output variables, flat: its object's ETag and version id, if any."""
    return ("ETag", etag) if version_id is None else ("ETag", etag, "VersionId", version_id)


class Pairs(Mapping[str, str]):
    """A read-only mapping over a flat tuple of names and values (:func:`flat_pairs`) it
    shares with their owner (a source revision's variables, shown again as its action run's
    output variables)."""

    __slots__ = ("_flat",)

    def __init__(self, flat: tuple[str, ...]) -> None:
        self._flat = flat

    def __getitem__(self, key: str) -> str:
        for index in range(0, len(self._flat), 2):
            if self._flat[index] == key:
                return self._flat[index + 1]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._flat[::2])

    def __len__(self) -> int:
        return len(self._flat) // 2


def _empty() -> Mapping[Any, Any]:
    return EMPTY


_FROM_SOURCE: Mapping[str, str] = MappingProxyType({})
