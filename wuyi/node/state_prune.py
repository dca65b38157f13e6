"""Pruning of old state-tree versions: reference counts over the content-addressed nodes.

The state tree's nodes are addressed by their hash (``wuyi.state``), so one node may belong to
many versions, leave the tree and come back later (a value set back to an earlier one). A
version-stamped orphan list (IAVL's design) assumes each node is written once and replaced once;
here a node's lifetime is not one interval. So the store keeps **reference counts**:

* ``node_refs[n]`` = the number of stored nodes whose child is ``n`` (each stored parent once)
  plus the number of *held* heights whose state root is ``n``; absent means 0;
* ``node_zero`` lists the stored nodes whose count is 0: nothing held reaches them, and they
  are deleted, a bounded number per commit, in hash order (deterministic). Deleting one
  decrements its children, which may join the list. A node that is written again, or becomes a
  root again, before its turn leaves the list (its children were never decremented).

Invariant (checked by ``wuyi node check --full``): every stored node's children are stored, a
node is in ``node_zero`` iff it is stored with count 0, and every held height's root is stored.

All of it runs inside the store's write transactions (``Store.commit``; the one-off rebuild in
``Store.configure_state_pruning`` and ``SnapshotInstall.install``), so a crash at any point
leaves the counts of the last commit that returned. ``docs/state-sync.md``, "State pruning".
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import lmdb

from wuyi.exceptions import StoreCorrupted, ValidationError
from wuyi.state._nodes import EMPTY_ROOT, is_internal_encoding

__all__ = [
    "HEIGHTS_PER_COMMIT",
    "NODE_BUDGET_MIN",
    "StatePruning",
]

NODE_BUDGET_MIN: Final = 1024
"""Unreferenced nodes deleted per commit at least (twice the block's new nodes if more): a
block orphans about as many nodes as it writes, so the list drains and never grows."""
HEIGHTS_PER_COMMIT: Final = 256
"""Heights leaving the window per commit at most (after the retention is lowered)."""

_U32 = struct.Struct(">I")


@dataclass(frozen=True, slots=True)
class StatePruning:
    """What a store keeps of old state-tree versions: the state after each of the newest
    ``retention`` blocks, plus the newest ``keep_count`` heights that are multiples of
    ``keep_every`` (the snapshot heights state sync serves; ``0``: none)."""

    retention: int
    keep_every: int = 0
    keep_count: int = 0

    def __post_init__(self) -> None:
        if self.retention < 1 or self.keep_every < 0 or self.keep_count < 0:
            raise ValidationError(
                "state pruning: retention must be at least 1 and keep_every, keep_count"
                " not negative"
            )

    def keeps(self, height: int, top: int) -> bool:
        """True if the state at ``height`` (below the window) stays held at ``top``."""
        every, count = self.keep_every, self.keep_count
        return every > 0 and count > 0 and height % every == 0 and height > top - count * every


def children(raw: bytes) -> tuple[bytes, ...]:
    """The non-empty children of an encoded node (none for a leaf)."""
    if not is_internal_encoding(raw):
        return ()
    return tuple(c for c in (raw[4:36], raw[38:70]) if c != EMPTY_ROOT)


class RefCounts:
    """The reference counts inside one write transaction."""

    def __init__(self, txn: lmdb.Transaction, nodes: Any, refs: Any, zero: Any) -> None:
        self.txn = txn
        self.nodes = nodes
        self.refs = refs
        self.zero = zero

    def _count(self, node: bytes) -> int:
        raw = self.txn.get(node, db=self.refs)
        return 0 if raw is None else int(_U32.unpack(raw)[0])

    def add(self, delta: Mapping[bytes, int]) -> None:
        """Apply ``delta`` (node -> change of its count); in key order (deterministic)."""
        txn, refs, zero = self.txn, self.refs, self.zero
        for node in sorted(delta):
            d = delta[node]
            if d == 0 or node == EMPTY_ROOT:
                continue
            old = self._count(node)
            new = old + d
            if new < 0:
                raise StoreCorrupted(
                    f"node_refs: state node {node.hex()} would have {new} references"
                    " (counts out of step with the tree)",
                    db="node_refs",
                    key=node.hex(),
                )
            if new == 0:
                txn.delete(node, db=refs)
                if txn.get(node, db=self.nodes) is not None:
                    txn.put(node, b"", db=zero)
            else:
                txn.put(node, _U32.pack(new), db=refs)
                if old == 0:
                    txn.delete(node, db=zero)

    def added_nodes(self, inserted: Iterable[bytes], raw_of: Mapping[bytes, bytes]) -> None:
        """Count the children of newly stored nodes; list those nothing references yet."""
        delta: dict[bytes, int] = {}
        inserted = list(inserted)
        for node in inserted:
            for c in children(raw_of[node]):
                delta[c] = delta.get(c, 0) + 1
        self.add(delta)
        for node in inserted:
            if node not in delta:
                self.txn.put(node, b"", db=self.zero)  # the caller may reference it next

    def collect(self, budget: int) -> int:
        """Delete up to ``budget`` unreferenced nodes (lowest hashes first); returns how many."""
        txn = self.txn
        cur = txn.cursor(db=self.zero)
        done = 0
        while done < budget and cur.first():
            node = bytes(cur.key())
            cur.delete()
            raw = txn.get(node, db=self.nodes)
            if raw is None:
                raise StoreCorrupted(
                    f"node_zero: state node {node.hex()} is listed but not stored",
                    db="node_zero",
                    key=node.hex(),
                )
            kids = children(bytes(raw))
            txn.delete(node, db=self.nodes)
            done += 1
            if kids:
                self.add({c: -1 for c in kids})
        return done

    def rebuild(self, roots: Iterable[bytes]) -> None:
        """Count every reference from scratch: each stored node's children and ``roots`` (one
        per held height, repeats counted). One pass over ``nodes`` plus one to list zeros."""
        txn = self.txn
        txn.drop(self.refs, delete=False)
        txn.drop(self.zero, delete=False)
        get, put = txn.get, txn.put
        for _key, value in txn.cursor(db=self.nodes):
            for c in children(bytes(value)):
                raw = get(c, db=self.refs)
                put(c, _U32.pack(1 if raw is None else _U32.unpack(raw)[0] + 1), db=self.refs)
        delta: dict[bytes, int] = {}
        for root in roots:
            if root != EMPTY_ROOT:
                delta[root] = delta.get(root, 0) + 1
        for root, d in delta.items():
            raw = get(root, db=self.refs)
            put(root, _U32.pack(d + (0 if raw is None else _U32.unpack(raw)[0])), db=self.refs)
        for key in txn.cursor(db=self.nodes).iternext(keys=True, values=False):
            if get(key, db=self.refs) is None:
                put(bytes(key), b"", db=self.zero)
