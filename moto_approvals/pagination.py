"""``maxResults``/``nextToken`` paging over lists that are newest first.

A token names the last item a page returned, not an offset: executions started between two
calls are prepended to the list and would shift every offset.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from moto_approvals.exceptions import InvalidNextTokenException

T = TypeVar("T")

DEFAULT_MAX_RESULTS = 100


def _encode(last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode()


def _decode(token: str) -> str:
    try:
        after = json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    # RecursionError: a token is only 2,048 characters, but that is JSON nested 1,500 deep.
    except (binascii.Error, ValueError, KeyError, TypeError, RecursionError):
        raise InvalidNextTokenException() from None
    if not isinstance(after, str):
        raise InvalidNextTokenException()
    return after


def paginate(
    items: Sequence[T],
    key: Callable[[T], str],
    max_results: int | None,
    next_token: str | None,
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token for the next, or None on the last page."""
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
