"""A bounded memo of values derived purely from exact bytes (a stored record's encoding).

The ledger reads the same records on every transaction (a contract's meta and code, the
sender's member and organisation records) and decodes them again each time. A
:class:`BytesMemo` keeps what a caller derives from such a record, keyed by the record's exact
bytes: the value is a pure function of the key, so a hit and a miss give the same result and
the memo can never change what a block computes, whether it is empty (a node that has just
started) or full. A changed record is new bytes, so it is seen at once. When full it is cleared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["BytesMemo"]

V = TypeVar("V")


class BytesMemo(dict[bytes, V]):
    """``derive(raw, fn)`` returns ``fn(raw)``, remembered for up to ``limit`` keys.

    ``fn`` must depend on ``raw`` alone and return an immutable value (never ``None``)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def derive(self, raw: bytes, fn: Callable[[bytes], V]) -> V:
        value = self.get(raw)
        if value is None:
            value = fn(raw)
            if len(self) >= self.limit:
                self.clear()
            self[raw] = value
        return value
