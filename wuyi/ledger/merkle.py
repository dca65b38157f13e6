"""RFC 6962 Merkle trees (Certificate Transparency) over a chain suite's hash.

``leaf = H(0x00 || data)``, ``node = H(0x01 || left || right)``; the tree over n > 1 leaves
splits at k, the largest power of two strictly less than n (RFC 6962 §2.1). The root of the empty
list is ``H(b"")``. Audit paths follow RFC 6962 §2.1.1 and are verified as in RFC 9162 §2.1.3.2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wuyi.exceptions import ProofInvalid

__all__ = [
    "compute_inclusion_proof",
    "compute_leaf_hash",
    "compute_root",
    "validate_inclusion_proof",
]

Hasher = Callable[[bytes], bytes]


def compute_leaf_hash(h: Hasher, data: bytes) -> bytes:
    return h(b"\x00" + data)


def _split(n: int) -> int:
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def _root_of_hashes(h: Hasher, level: list[bytes]) -> bytes:
    # Bottom-up pairing gives the same root as RFC 6962's recursive split: a lone last node is
    # carried up unchanged, which is exactly what the largest-power-of-two split does.
    while len(level) > 1:
        nxt = [h(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def compute_root(h: Hasher, leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash (MTH) of ``leaves`` (raw leaf data)."""
    if not leaves:
        return h(b"")
    return _root_of_hashes(h, [h(b"\x00" + d) for d in leaves])


def _path(h: Hasher, index: int, hashes: list[bytes]) -> list[bytes]:
    n = len(hashes)
    if n <= 1:
        return []
    k = _split(n)
    if index < k:
        return [*_path(h, index, hashes[:k]), _root_of_hashes(h, hashes[k:])]
    return [*_path(h, index - k, hashes[k:]), _root_of_hashes(h, hashes[:k])]


def compute_inclusion_proof(h: Hasher, leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path for leaf ``index`` (RFC 6962 PATH(m, D[n]))."""
    if not 0 <= index < len(leaves):
        raise ProofInvalid(f"leaf index {index} outside a tree of {len(leaves)} leaves")
    return _path(h, index, [h(b"\x00" + d) for d in leaves])


def validate_inclusion_proof(
    h: Hasher, root: bytes, leaf_data: bytes, index: int, size: int, path: Sequence[bytes]
) -> None:
    """Raise :class:`ProofInvalid` unless ``leaf_data`` is leaf ``index`` of a tree with ``root``.

    Algorithm of RFC 9162 §2.1.3.2.
    """
    if not 0 <= index < size:
        raise ProofInvalid(f"leaf index {index} outside a tree of size {size}")
    fn, sn = index, size - 1
    r = h(b"\x00" + leaf_data)
    for p in path:
        if sn == 0:
            raise ProofInvalid("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofInvalid("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofInvalid("inclusion proof does not lead to the Merkle root")
