"""Pagination of list routes: ``limit`` (bounded) and an opaque ``cursor``, ``next`` in the answer.

Every list answer carries ``next``: pass it back as ``?cursor=`` for the following page; it is
``null`` on the last page. A cursor is base64url of the JSON of the last item's sort key (a
height, an id, a position in an append-only log); clients must treat it as opaque. A cursor
that does not decode, or does not fit the list it is given to, is a 400 ``invalid`` naming
``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from fastapi import Query

from wuyi.exceptions import ValidationError

__all__ = [
    "CURSOR",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "decode_cursor",
    "encode_cursor",
    "limit_query",
    "paginate",
    "paginate_positions",
]

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
CURSOR = Query(
    None,
    max_length=512,
    description="opaque cursor: the `next` of the previous page (absent for the first page)",
)


def limit_query(default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> Any:
    return Query(default, ge=1, le=maximum, description=f"page size (1..{maximum})")


def _norm(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_norm(x) for x in v]
    return v


def encode_cursor(key: Any) -> str:
    raw = json.dumps(_norm(key), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> Any:
    """The sort key in ``cursor``; :class:`ValidationError` (field ``cursor``) if malformed."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationError("cursor is not one this API gave out", field="cursor") from None
    if not isinstance(key, str | int | list) or isinstance(key, bool):
        raise ValidationError("cursor is not one this API gave out", field="cursor")
    return key


def paginate(
    items: Iterable[T],
    *,
    limit: int,
    cursor: str | None,
    key: Callable[[T], Any],
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """One page of ``items`` (already in display order, sorted by ``key``, ascending unless
    ``descending``) after ``cursor``, and the cursor of the next page (None at the end)."""
    after = None if cursor is None else decode_cursor(cursor)
    page: list[T] = []
    more = False
    for item in items:
        k = _norm(key(item))
        if after is not None:
            try:
                if (k >= after) if descending else (k <= after):
                    continue
            except TypeError:
                raise ValidationError(
                    "cursor does not belong to this list", field="cursor"
                ) from None
        if len(page) == limit:
            more = True
            break
        page.append(item)
    nxt = encode_cursor(key(page[-1])) if more and page else None
    return page, nxt


def paginate_positions(
    items: Sequence[T], *, limit: int, cursor: str | None
) -> tuple[list[T], str | None]:
    """Pagination by position, for append-only logs shown oldest first."""
    start = 0
    if cursor is not None:
        start = decode_cursor(cursor)
        if not isinstance(start, int) or start < 0:
            raise ValidationError("cursor does not belong to this list", field="cursor")
    page = list(items[start : start + limit])
    nxt = encode_cursor(start + limit) if start + limit < len(items) else None
    return page, nxt
