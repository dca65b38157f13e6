"""A state tree cut into chunks that each verify against the root (``docs/state-sync.md``).

A snapshot of the tree under ``root`` is its **frontier**: the subtrees at a cut depth ``d``
(or above it, where a leaf or an empty slot ends a path early), listed left to right as
``(depth, hash)``. Folding the list with ``H(0x01 || left || right)`` (two neighbours of equal
depth become their parent) must give ``root``; every item then *is* the real node at its place,
and a chunk, the ``(key, value)`` pairs under one item in key-hash order, verifies on its own by
rebuilding that subtree (:func:`build_subtree`). The hashing rules are those of
``docs/state.md``; nothing here is new cryptography. Pure: no I/O, no clock.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from wuyi.abc import NodeReader
from wuyi.exceptions import ProofInvalid, StoreCorrupted
from wuyi.state._nodes import (
    EMPTY_ROOT,
    HASH_LEN,
    Hasher,
    compute_internal_hash,
    compute_leaf_hash,
    decode_internal,
    decode_leaf,
    encode_internal,
    encode_leaf,
    is_internal_encoding,
)

__all__ = [
    "KEY_BITS",
    "Frontier",
    "build_subtree",
    "compute_frontier",
    "fold_frontier",
    "iter_leaves",
]

KEY_BITS = 8 * HASH_LEN
Frontier = list[tuple[int, bytes]]
"""``(depth, node hash)`` left to right."""


def _read(reader: NodeReader, node: bytes) -> bytes:
    raw = reader.get_node(node)
    if raw is None:
        raise StoreCorrupted(f"state tree node {node.hex()} is missing", key=node.hex())
    return raw


def compute_frontier(reader: NodeReader, root: bytes, cut: int) -> Frontier:
    """The nodes of the tree under ``root`` at depth ``cut``, or above it where a path ends in
    a leaf or an empty slot, left to right."""
    out: Frontier = []
    stack = [(0, root)]
    while stack:
        depth, node = stack.pop()
        if depth < cut and node != EMPTY_ROOT:
            raw = _read(reader, node)
            if is_internal_encoding(raw):
                left, right = decode_internal(raw)
                stack.append((depth + 1, right))
                stack.append((depth + 1, left))
                continue
        out.append((depth, node))
    return out


def iter_leaves(reader: NodeReader, node: bytes) -> Iterator[tuple[bytes, bytes]]:
    """``(key, value)`` of every leaf under ``node``, in key-hash order."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n == EMPTY_ROOT:
            continue
        raw = _read(reader, n)
        if is_internal_encoding(raw):
            left, right = decode_internal(raw)
            stack.append(right)
            stack.append(left)
        else:
            yield decode_leaf(n, raw)


def fold_frontier(
    h: Hasher, frontier: Sequence[tuple[int, bytes]], nodes: dict[bytes, bytes] | None = None
) -> tuple[bytes, list[int]]:
    """The root the frontier folds to, and each item's path prefix (its first ``depth`` bits
    as an integer); the internal nodes above the frontier go into ``nodes`` if given. Raises
    :class:`ProofInvalid` unless the items tile the key space exactly, in order."""
    stack: list[tuple[int, bytes]] = []
    pos = 0
    prefixes: list[int] = []
    for i, (depth, node) in enumerate(frontier):
        if type(depth) is not int or not 0 <= depth <= KEY_BITS or len(node) != HASH_LEN:
            raise ProofInvalid(f"snapshot chunk {i}: malformed (depth {depth!r})")
        size = 1 << (KEY_BITS - depth)
        if pos % size or pos >= 1 << KEY_BITS:
            raise ProofInvalid(f"snapshot chunk {i}: not in path order (depth {depth})")
        prefixes.append(pos >> (KEY_BITS - depth))
        pos += size
        stack.append((depth, node))
        while len(stack) >= 2 and stack[-1][0] == stack[-2][0] and stack[-1][0] > 0:
            (d, right), (_, left) = stack.pop(), stack.pop()
            parent = compute_internal_hash(h, left, right)
            if nodes is not None:
                nodes[parent] = encode_internal(left, right)
            stack.append((d - 1, parent))
    if pos != 1 << KEY_BITS or len(stack) != 1 or stack[0][0] != 0:
        raise ProofInvalid("snapshot chunks do not cover the whole key space")
    return stack[0][1], prefixes


def build_subtree(
    h: Hasher, pairs: Sequence[tuple[bytes, bytes]], depth: int, prefix: int
) -> tuple[bytes, dict[bytes, bytes]]:
    """Rebuild the subtree at path ``prefix`` (``depth`` bits) from its ``(key, value)`` pairs
    given in key-hash order; return its hash and its nodes (hash -> stored bytes). Raises
    :class:`ProofInvalid` if a key lies outside the subtree or the order is not strict.

    Each internal node splits its (sorted) leaves by bisection on the path: the first leaf
    whose path is at or past the right child's lowest one."""
    leaves: list[tuple[bytes, bytes, bytes]] = []
    paths: list[int] = []
    last = -1
    shift = KEY_BITS - depth
    for key, value in pairs:
        if not isinstance(key, bytes) or not isinstance(value, bytes):
            raise ProofInvalid("snapshot chunk: keys and values must be byte strings")
        kh = h(key)
        path = int.from_bytes(kh, "big")
        if depth and path >> shift != prefix:
            raise ProofInvalid(f"snapshot chunk: key {key.hex()} lies outside its subtree")
        if path <= last:
            raise ProofInvalid("snapshot chunk: keys are not in strict key-hash order")
        last = path
        leaves.append((kh, key, value))
        paths.append(path)
    nodes: dict[bytes, bytes] = {}
    base = prefix << shift if depth else 0
    return _build(h, leaves, paths, 0, len(leaves), depth, base, nodes), nodes


def _build(
    h: Hasher,
    leaves: list[tuple[bytes, bytes, bytes]],
    paths: list[int],
    lo: int,
    hi: int,
    depth: int,
    base: int,
    nodes: dict[bytes, bytes],
) -> bytes:
    """The subtree at ``depth`` whose lowest path is ``base``, over ``leaves[lo:hi]``."""
    if lo == hi:
        return EMPTY_ROOT
    if hi - lo == 1:
        kh, key, value = leaves[lo]
        node = compute_leaf_hash(h, kh, h(value))
        nodes[node] = encode_leaf(key, value)
        return node
    right_base = base | (1 << (KEY_BITS - 1 - depth))
    mid = bisect_left(paths, right_base, lo, hi)
    left = _build(h, leaves, paths, lo, mid, depth + 1, base, nodes)
    right = _build(h, leaves, paths, mid, hi, depth + 1, right_base, nodes)
    node = compute_internal_hash(h, left, right)
    nodes[node] = encode_internal(left, right)
    return node
