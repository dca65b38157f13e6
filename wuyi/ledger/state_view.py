"""Layered, journaled views of the world state used while executing a block.

``BlockState`` collects the writes of a block over a committed ``KVReader``; each transaction
runs in a ``TxState`` on top of it whose writes are merged only if the transaction succeeds, so
a failing transaction reverts all its writes.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from typing import Any

from wuyi.encoding import decode_trusted, encode

__all__ = ["BlockState", "Layer", "MemoryKV", "TxState"]

_DELETED = None


class MemoryKV:
    """An in-memory ``KVReader`` (for tests, genesis and the offline tools)."""

    def __init__(self, data: dict[bytes, bytes] | None = None) -> None:
        self.data: dict[bytes, bytes] = dict(data or {})

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        for k in sorted(self.data):
            if k.startswith(prefix):
                yield k, self.data[k]

    def apply(self, changes: dict[bytes, bytes | None]) -> None:
        for k, v in changes.items():
            if v is None:
                self.data.pop(k, None)
            else:
                self.data[k] = v


class Layer:
    """Writes (``None`` = deleted) over a base ``KVReader``; reads see the writes first."""

    def __init__(self, base: Any) -> None:
        self.base = base
        self.writes: dict[bytes, bytes | None] = {}
        # The written keys in order, made at the first range read and kept up to date from
        # then on (``set``, ``delete``, ``BlockState.merge``), so that a range read costs
        # O(log n + hits) instead of a scan of every write: a block of range-reading
        # transactions would otherwise cost O(n^2). Keys are never removed from ``writes``
        # (a delete writes None), so an index as long as ``writes`` holds exactly its keys;
        # one that is not (``writes`` filled directly) is rebuilt.
        self._index: list[bytes] | None = None

    def get(self, key: bytes) -> bytes | None:
        if key in self.writes:
            return self.writes[key]
        v: bytes | None = self.base.get(key)
        return v

    def _sorted_keys(self) -> list[bytes]:
        index = self._index
        if index is None or len(index) != len(self.writes):
            index = self._index = sorted(self.writes)
        return index

    def _note_key(self, key: bytes) -> None:
        if self._index is not None and key not in self.writes:
            insort(self._index, key)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Entries under ``prefix`` in key order: this layer's writes merged lazily into the
        base's (already ordered) entries, so a caller that stops after ``n`` items (a contract's
        ``state.range(limit=n)``) reads about ``n`` base entries, not all of them."""
        keys = self._sorted_keys()
        own: list[tuple[bytes, bytes | None]] = []
        for j in range(bisect_left(keys, prefix), len(keys)):
            k = keys[j]
            if not k.startswith(prefix):
                break
            own.append((k, self.writes[k]))
        base = iter(self.base.iter_prefix(prefix))
        nb = next(base, None)
        i, n = 0, len(own)
        while i < n or nb is not None:
            if i < n and (nb is None or own[i][0] <= nb[0]):
                k, v = own[i]
                i += 1
                if nb is not None and nb[0] == k:
                    nb = next(base, None)  # this layer's write shadows the base entry
                if v is not None:
                    yield k, v
            else:
                assert nb is not None
                yield nb
                nb = next(base, None)

    def set(self, key: bytes, value: bytes) -> None:
        self._note_key(key)
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        self._note_key(key)
        self.writes[key] = _DELETED

    def get_obj(self, key: bytes) -> Any:
        raw = self.get(key)
        return None if raw is None else decode_trusted(raw)

    def set_obj(self, key: bytes, value: Any) -> None:
        self.set(key, encode(value))


class BlockState(Layer):
    """All writes of the block so far, over the committed state."""

    def __init__(self, base: Any) -> None:
        super().__init__(base)
        # Decoded values by their exact bytes, shared by the block's transactions (see
        # TxState.get_obj_shared). Keyed by the raw value, so a write can never leave a stale
        # entry: new bytes are simply a new key.
        self.memo: dict[bytes, Any] = {}

    def begin_tx(self) -> TxState:
        return TxState(self)

    def merge(self, tx: TxState) -> None:
        if self._index is not None:
            for k in tx.writes:
                self._note_key(k)
        self.writes.update(tx.writes)


class TxState(Layer):
    """One transaction's writes; discarded on failure, merged on success."""

    base: BlockState

    def get_obj_shared(self, key: bytes) -> Any:
        """Like :meth:`get_obj`, but the decoded value may be shared with other transactions
        of the block: the caller must treat it as read-only. For records read by almost every
        transaction (the sender's member record and organisation)."""
        raw = self.get(key)
        if raw is None:
            return None
        memo = self.base.memo
        value = memo.get(raw)
        if value is None:
            value = decode_trusted(raw)
            memo[raw] = value
        return value
