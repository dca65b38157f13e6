"""A JSON form of canonical values, for files people handle (proof bundles, exports).

Byte strings become ``{"$bytes": "<hex>"}``; everything else maps to JSON as is. The mapping is
one-to-one over the canonical data model (text keys never start with ``$`` in values we write).
"""

from __future__ import annotations

from typing import Any

from wuyi.exceptions import EncodingError

__all__ = ["from_json", "to_json"]


def to_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            try:
                return bytes.fromhex(value["$bytes"])
            except (TypeError, ValueError):
                raise EncodingError(f"bad hex in $bytes value {value['$bytes']!r}") from None
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, float):
        raise EncodingError("floats have no canonical form")
    return value
