"""The authenticated world state: a compressed binary sparse Merkle tree.

The path of a key is ``H(key)`` (256 bits). A leaf sits at the shortest prefix of its path that
no other key shares, so a subtree holding one key *is* that leaf and a subtree holding none is
:data:`EMPTY_ROOT`; only subtrees with two or more keys are internal nodes. With n random keys the
depth is about log2(n) (≈ 21 at a million keys), so an update costs about that many hashes, and a
batch shares the upper part of its paths. This is the binary variant of Diem/Aptos's Jellyfish
Merkle tree; the root is a pure function of the key -> value map (independent of history).

Nodes are immutable and content-addressed by their hash. :meth:`StateTree.apply` never writes:
it returns the new root and the new nodes for the caller to persist with the block, so every old
root stays readable and provable while the store keeps its nodes (a pruning store keeps
the newest versions only: ``docs/state-sync.md``, "State pruning").
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Mapping
from itertools import pairwise

from wuyi.abc import NodeReader
from wuyi.exceptions import InvariantBroken, NotFound, StoreCorrupted
from wuyi.state._nodes import (
    EMPTY_ROOT,
    HASH_LEN,
    INTERNAL_PREFIX,
    LEAF_PREFIX,
    Hasher,
    decode_internal,
    decode_leaf,
    encode_internal,
    encode_leaf,
    get_bit,
    is_internal_encoding,
)
from wuyi.state.proof import MAX_DEPTH, StateProof

__all__ = ["MemoryNodeStore", "StateTree"]

# (key_hash, key, value or None to delete)
_Change = tuple[bytes, bytes, bytes | None]
# (key_hash, key, value, hash of an existing leaf to reuse or None to create one)
_Entry = tuple[bytes, bytes, bytes, bytes | None]


def _key_hash_of(item: _Change | _Entry) -> bytes:
    return item[0]


class MemoryNodeStore:
    """A dict-backed :class:`~wuyi.abc.NodeReader` for tests, benchmarks and light tooling."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: Mapping[bytes, bytes] | None = None) -> None:
        self.nodes: dict[bytes, bytes] = dict(nodes) if nodes else {}

    def get_node(self, node_hash: bytes) -> bytes | None:
        return self.nodes.get(node_hash)

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        self.nodes.update(nodes)

    def __len__(self) -> int:
        return len(self.nodes)


class StateTree:
    """Read and update state roots over nodes served by ``reader``. Holds no mutable state."""

    __slots__ = ("_h", "_reader")

    def __init__(self, hasher: Hasher, reader: NodeReader) -> None:
        if len(hasher(b"")) != HASH_LEN:
            raise ValueError("the state tree needs a hasher returning 32 bytes")
        self._h = hasher
        self._reader = reader

    # -- reads -------------------------------------------------------------------------------

    def _descend(
        self, root: bytes, key_hash: bytes
    ) -> tuple[list[bytes], tuple[bytes, bytes] | None]:
        """Follow ``key_hash``'s path down from ``root``: the siblings passed, from the root
        down, and the ``(key, value)`` of the leaf the path ends in (``None``: an empty
        subtree)."""
        siblings: list[bytes] = []
        node = root
        depth = 0
        while node != EMPTY_ROOT:
            raw = self._read(node, depth)
            if is_internal_encoding(raw):
                left, right = decode_internal(raw)
                if get_bit(key_hash, depth):
                    siblings.append(left)
                    node = right
                else:
                    siblings.append(right)
                    node = left
                depth += 1
                continue
            return siblings, decode_leaf(node, raw)
        return siblings, None

    def get(self, root: bytes, key: bytes) -> bytes | None:
        """The value of ``key`` under ``root``, or ``None`` if absent."""
        _, leaf = self._descend(root, self._h(key))
        return leaf[1] if leaf is not None and leaf[0] == key else None

    def prove(self, root: bytes, key: bytes) -> StateProof:
        """A proof of ``key``'s value (inclusion) or of its absence (non-inclusion) under root."""
        h = self._h
        siblings, leaf = self._descend(root, h(key))
        return StateProof(tuple(siblings), None if leaf is None else (h(leaf[0]), h(leaf[1])))

    # -- updates -----------------------------------------------------------------------------

    def apply(
        self, root: bytes, changes: Mapping[bytes, bytes | None]
    ) -> tuple[bytes, dict[bytes, bytes]]:
        """Apply ``changes`` (``None`` deletes) to the tree at ``root``.

        Returns ``(new_root, new_nodes)``: ``new_nodes`` maps node hash -> encoded node for every
        node the new root needs that this call created (it may repeat nodes already stored).
        The result does not depend on the iteration order of ``changes``.
        """
        h = self._h
        items: list[_Change] = []
        for key, value in changes.items():
            if type(key) is not bytes or (value is not None and type(value) is not bytes):
                raise TypeError("state keys must be bytes and values bytes or None")
            items.append((h(key), key, value))
        items.sort(key=_key_hash_of)
        for a, b in pairwise(items):
            if a[0] == b[0]:
                raise InvariantBroken(f"key hash collision: {a[1]!r} and {b[1]!r}")
        out: dict[bytes, bytes] = {}
        if not items:
            return root, out
        new_root, _ = self._update(root, 0, items, out)
        return new_root, out

    def _update(
        self, node: bytes, depth: int, items: list[_Change], out: dict[bytes, bytes]
    ) -> tuple[bytes, bool]:
        """New ``(hash, is_leaf)`` of the subtree ``node`` at ``depth`` after ``items``."""
        if len(items) == 1:
            return self._update_one(node, depth, items[0], out)
        if node == EMPTY_ROOT:
            inserts: list[_Entry] = [(k, key, v, None) for k, key, v in items if v is not None]
            return self._build(depth, inserts, out)
        raw = self._read(node, depth)
        if is_internal_encoding(raw):
            left, right = decode_internal(raw)
            split = _split(items, depth)
            new_left, left_leaf = left, False
            new_right, right_leaf = right, False
            if split:
                new_left, left_leaf = self._update(left, depth + 1, items[:split], out)
            if split < len(items):
                new_right, right_leaf = self._update(right, depth + 1, items[split:], out)
            if new_left == left and new_right == right:
                return node, False
            # Collapse: a subtree holding a single leaf is that leaf (the leaf hash does not
            # depend on depth, so it moves up unchanged).
            if new_left == EMPTY_ROOT:
                if new_right == EMPTY_ROOT:
                    return EMPTY_ROOT, False
                if (split < len(items) and right_leaf) or (
                    split == len(items) and self._is_leaf(new_right, depth + 1)
                ):
                    return new_right, True
            elif new_right == EMPTY_ROOT and (
                (split and left_leaf) or (not split and self._is_leaf(new_left, depth + 1))
            ):
                return new_left, True
            new_hash = self._h(INTERNAL_PREFIX + new_left + new_right)
            out[new_hash] = encode_internal(new_left, new_right)
            return new_hash, False
        # A leaf: merge it with the changes below this point.
        leaf_key, leaf_value = decode_leaf(node, raw)
        leaf_key_hash = self._h(leaf_key)
        i = bisect_left(items, leaf_key_hash, key=_key_hash_of)
        replaced = i < len(items) and items[i][0] == leaf_key_hash
        if replaced:
            if items[i][1] != leaf_key:
                raise InvariantBroken(f"key hash collision: {items[i][1]!r} and {leaf_key!r}")
            if len(items) == 1 and items[0][2] == leaf_value:
                return node, True
        entries: list[_Entry] = [(k, key, v, None) for k, key, v in items if v is not None]
        if not replaced:
            insort(entries, (leaf_key_hash, leaf_key, leaf_value, node), key=_key_hash_of)
        return self._build(depth, entries, out)

    def _update_one(
        self, node: bytes, depth: int, item: _Change, out: dict[bytes, bytes]
    ) -> tuple[bytes, bool]:
        """:meth:`_update` for a single change: walk down iteratively, then rehash upwards.

        Below the top ~log2(batch size) levels every change is alone on its path, so this
        loop does most of the work of a block.
        """
        key_hash, key, value = item
        h = self._h
        get_node = self._reader.get_node
        path: list[tuple[int, bytes]] = []  # (bit of key_hash, sibling) from `depth` down
        cur = node
        d = depth
        raw = b""
        while cur != EMPTY_ROOT:
            got = get_node(cur)
            raw = got if got is not None else self._read(cur, d)
            if len(raw) != 70 or raw[1] != 1:  # not an internal node (is_internal_encoding)
                break
            if (key_hash[d >> 3] >> (7 - (d & 7))) & 1:
                path.append((1, raw[4:36]))
                cur = raw[38:70]
            else:
                path.append((0, raw[38:70]))
                cur = raw[4:36]
            d += 1
        unchanged = (node, not path and cur != EMPTY_ROOT)
        new: bytes
        new_is_leaf: bool
        if cur == EMPTY_ROOT:
            if value is None:
                return unchanged
            new, new_is_leaf = self._new_leaf(key_hash, key, value, out), True
        else:
            leaf_key, leaf_value = decode_leaf(cur, raw)
            if leaf_key == key:
                if value is None:
                    new, new_is_leaf = EMPTY_ROOT, False
                elif value == leaf_value:
                    return unchanged
                else:
                    new, new_is_leaf = self._new_leaf(key_hash, key, value, out), True
            elif value is None:
                return unchanged
            else:
                leaf_key_hash = h(leaf_key)
                if leaf_key_hash == key_hash:
                    raise InvariantBroken(f"key hash collision: {key!r} and {leaf_key!r}")
                entries: list[_Entry] = [
                    (key_hash, key, value, None),
                    (leaf_key_hash, leaf_key, leaf_value, cur),
                ]
                entries.sort(key=_key_hash_of)
                new, new_is_leaf = self._build(d, entries, out)
        for i in range(len(path) - 1, -1, -1):
            bit, sibling = path[i]
            if new == EMPTY_ROOT:
                if sibling == EMPTY_ROOT:
                    continue
                if self._is_leaf(sibling, depth + i + 1):
                    new, new_is_leaf = sibling, True
                    continue
            elif new_is_leaf and sibling == EMPTY_ROOT:
                continue  # a lone leaf moves up; its hash does not depend on depth
            left, right = (sibling, new) if bit else (new, sibling)
            new = h(INTERNAL_PREFIX + left + right)
            out[new] = encode_internal(left, right)
            new_is_leaf = False
        return new, new_is_leaf

    def _new_leaf(
        self, key_hash: bytes, key: bytes, value: bytes, out: dict[bytes, bytes]
    ) -> bytes:
        h = self._h
        leaf_hash = h(LEAF_PREFIX + key_hash + h(value))
        out[leaf_hash] = encode_leaf(key, value)
        return leaf_hash

    def _build(
        self, depth: int, entries: list[_Entry], out: dict[bytes, bytes]
    ) -> tuple[bytes, bool]:
        """``(hash, is_leaf)`` of a fresh subtree at ``depth`` holding ``entries``."""
        if not entries:
            return EMPTY_ROOT, False
        h = self._h
        if len(entries) == 1:
            key_hash, key, value, existing = entries[0]
            if existing is not None:
                return existing, True
            return self._new_leaf(key_hash, key, value, out), True
        if depth >= MAX_DEPTH:
            raise InvariantBroken("two entries share a full 256-bit key hash")
        split = _split(entries, depth)
        left, _ = self._build(depth + 1, entries[:split], out)
        right, _ = self._build(depth + 1, entries[split:], out)
        new_hash = h(INTERNAL_PREFIX + left + right)
        out[new_hash] = encode_internal(left, right)
        return new_hash, False

    # -- node access -------------------------------------------------------------------------

    def _read(self, node: bytes, depth: int) -> bytes:
        raw = self._reader.get_node(node)
        if raw is None:
            if depth == 0:
                raise NotFound(f"unknown state root {node.hex()}", root=node.hex())
            raise StoreCorrupted(f"state node {node.hex()} is missing", node=node.hex())
        return raw

    def _is_leaf(self, node: bytes, depth: int) -> bool:
        return not is_internal_encoding(self._read(node, depth))


def _split(items: list[_Change] | list[_Entry], depth: int) -> int:
    """Index of the first item whose path has bit ``depth`` set (items are sorted and share
    the first ``depth`` bits, so the bits at ``depth`` run 0...0 1...1)."""
    return bisect_left(items, 1, key=lambda item: get_bit(item[0], depth))
