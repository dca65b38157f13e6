"""A JSON form of canonical values, for files people handle (proof bundles, exports).

Byte strings become ``{"$bytes": "<lowercase hex>"}``; everything else maps to JSON as is. The
mapping is one-to-one over the canonical data model (text keys never start with ``$`` in values
we write). :func:`loads` reads a file strictly (no duplicate keys, no floats) and converts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from wuyi.exceptions import EncodingError

__all__ = ["from_json", "loads", "to_json"]

_LOWER_HEX = re.compile(r"(?:[0-9a-f]{2})*")


def to_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def from_json(value: Any) -> Any:
    """The canonical value of a JSON form. A byte string has one spelling only: lowercase hex
    digits, two per byte, nothing else (no upper case, spaces or ``0x``); anything else is an
    :class:`EncodingError`, so a file cannot be altered without changing what it says."""
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            text = value["$bytes"]
            if not isinstance(text, str) or not _LOWER_HEX.fullmatch(text):
                raise EncodingError(
                    f"bad $bytes value {text!r}: bytes are written as lowercase hex digits,"
                    " two per byte"
                )
            return bytes.fromhex(text)
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, float):
        raise EncodingError("floats have no canonical form")
    return value


def unique_pairs(
    pairs: list[tuple[str, Any]], duplicate: Callable[[str], Exception]
) -> dict[str, Any]:
    """A JSON object's ``pairs`` as a dict (an ``object_pairs_hook``); ``duplicate(key)`` is
    raised for a key that appears twice."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise duplicate(k)
        out[k] = v
    return out


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return unique_pairs(
        pairs, lambda k: EncodingError(f"key {k!r} appears twice in one JSON object")
    )


def _no_float(text: str) -> Any:
    raise EncodingError(f"number {text} is not an integer: floats have no canonical form")


def loads(text: str) -> Any:
    """Parse a JSON-form file (``json.JSONDecodeError`` if it is not JSON) and return its
    canonical value; :class:`EncodingError` for a duplicate key, a float or bad ``$bytes``."""
    import json

    return from_json(
        json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_float,
        )
    )
