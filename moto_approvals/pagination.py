"""``maxResults``/``nextToken`` paging over lists that are newest first.

A token names the last item a page returned, not an offset: executions started between two
calls are prepended to the list and would shift every offset. Over a history (executions,
action runs) the token also carries the item's ordinal, so the next page starts by bisection.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

from moto_approvals.exceptions import InvalidNextTokenException

T = TypeVar("T")

DEFAULT_MAX_RESULTS = 100


def _encode(last_id: str, at: int | None = None) -> str:
    token: dict[str, str | int] = {"after": last_id}
    if at is not None:
        token["at"] = at
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()


def _read(token: str) -> tuple[str, int | None]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        after, at = data["after"], data.get("at")
    # RecursionError: a token is only 2,048 characters, but that is JSON nested 1,500 deep.
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise InvalidNextTokenException() from None
    if not isinstance(after, str) or not (at is None or type(at) is int):
        raise InvalidNextTokenException()
    return after, at


def _decode(token: str) -> str:
    return _read(token)[0]


class NewestFirst(Generic[T]):
    """A newest-first view of an oldest-first list whose items carry increasing ordinals.

    Pages are sliced from the end of the list, and a token's ordinal is found by bisection:
    a page costs its size, however long the history.
    """

    def __init__(self, oldest_first: list[T], ordinal: Callable[[T], int]) -> None:
        self._items = oldest_first
        self.ordinal = ordinal

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> T:
        if not -len(self._items) <= index < len(self._items):
            raise IndexError(index)
        return self._items[len(self._items) - 1 - index if index >= 0 else -1 - index]

    def page(self, start: int, size: int) -> list[T]:
        """``size`` items from newest-first position ``start``."""
        end = len(self._items) - start
        return self._items[max(end - size, 0) : max(end, 0)][::-1]

    def position(self, at: int, key: Callable[[T], str], item_id: str) -> int | None:
        """The newest-first position of the item with this ordinal and id, if it is here."""
        index = bisect.bisect_left(self._items, at, key=self.ordinal)
        if index < len(self._items) and key(self._items[index]) == item_id:
            return len(self._items) - 1 - index
        return None

    def __iter__(self) -> Iterator[T]:
        return reversed(self._items)


def paginate(
    items: Sequence[T] | NewestFirst[T],
    key: Callable[[T], str],
    max_results: int | None,
    next_token: str | None,
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token for the next, or None on the last page."""
    if isinstance(items, NewestFirst):
        return _paginate_positioned(items, key, max_results, next_token)
    start = 0
    if next_token is not None:
        after = _decode(next_token)
        ids = [key(item) for item in items]
        if after not in ids:
            raise InvalidNextTokenException()
        start = ids.index(after) + 1
    size = max_results or DEFAULT_MAX_RESULTS
    page = list(items[start : start + size])
    more = start + size < len(items)
    return page, _encode(key(page[-1])) if more and page else None


def _paginate_positioned(
    items: NewestFirst[T],
    key: Callable[[T], str],
    max_results: int | None,
    next_token: str | None,
) -> tuple[list[T], str | None]:
    start = 0
    if next_token is not None:
        after, at = _read(next_token)
        found = (
            items.position(at, key, after)
            if at is not None
            # A token without a position: the item is looked for (the costlier way).
            else next((i for i, item in enumerate(items) if key(item) == after), None)
        )
        if found is None:
            raise InvalidNextTokenException()
        start = found + 1
    size = max_results or DEFAULT_MAX_RESULTS
    page = items.page(start, size)
    more = start + size < len(items)
    if not (more and page):
        return page, None
    return page, _encode(key(page[-1]), items.ordinal(page[-1]))


def paginate_sorted(
    keys: Sequence[str], max_results: int | None, next_token: str | None, default: int
) -> tuple[list[str], str | None]:
    """One page of sorted ``keys`` after the token's key; a key deleted meanwhile still works."""
    start = 0
    if next_token is not None:
        start = bisect.bisect_right(keys, _decode(next_token))
    size = max_results or default
    page = list(keys[start : start + size])
    more = start + size < len(keys)
    return page, _encode(page[-1]) if more and page else None
