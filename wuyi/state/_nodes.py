"""Hashing rules and node encodings of the state tree (see ``docs/state.md``).

Hashing (``H`` is the chain suite's 32-byte hash, SM3 or SHA-256)::

    key_hash   = H(key)                       # the path: bit 0 is the MSB of byte 0
    value_hash = H(value)
    leaf       = H(0x00 || key_hash || value_hash)
    internal   = H(0x01 || left || right)
    empty      = 32 zero bytes                # EMPTY_ROOT, and any empty subtree

Stored node bytes (canonical CBOR, :mod:`wuyi.encoding`), addressed by the node hash above::

    leaf      [0, key, value]                 # array(3), uint 0, bstr, bstr
    internal  [1, left, right]                # array(3), uint 1, bstr(32), bstr(32); always 70 B
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from wuyi.exceptions import StoreCorrupted

Hasher = Callable[[bytes], bytes]

HASH_LEN: Final = 32
EMPTY_ROOT: Final = bytes(HASH_LEN)
"""Root of the empty tree and hash of every empty subtree: 32 zero bytes, for every suite."""

LEAF_PREFIX: Final = b"\x00"
INTERNAL_PREFIX: Final = b"\x01"

TAG_LEAF: Final = 0
TAG_INTERNAL: Final = 1

# Canonical CBOR of [1, left, right] with two 32-byte strings, written by hand for speed; the
# unit tests pin it to ``wuyi.encoding.encode``.
_INTERNAL_HEAD: Final = b"\x83\x01\x58\x20"
_BSTR32: Final = b"\x58\x20"
_INTERNAL_LEN: Final = 70


def compute_leaf_hash(h: Hasher, key_hash: bytes, value_hash: bytes) -> bytes:
    return h(LEAF_PREFIX + key_hash + value_hash)


def compute_internal_hash(h: Hasher, left: bytes, right: bytes) -> bytes:
    return h(INTERNAL_PREFIX + left + right)


def get_bit(key_hash: bytes, depth: int) -> int:
    """Bit ``depth`` of the path (0 = most significant bit of the first byte)."""
    return (key_hash[depth >> 3] >> (7 - (depth & 7))) & 1


def encode_internal(left: bytes, right: bytes) -> bytes:
    return _INTERNAL_HEAD + left + _BSTR32 + right


def _bstr_head(n: int) -> bytes:
    """Shortest-form CBOR head of a byte string of length ``n`` (major type 2)."""
    if n < 24:
        return bytes((0x40 | n,))
    if n < 0x100:
        return bytes((0x58, n))
    if n < 0x10000:
        return b"\x59" + n.to_bytes(2, "big")
    if n < 0x100000000:
        return b"\x5a" + n.to_bytes(4, "big")
    return b"\x5b" + n.to_bytes(8, "big")


def encode_leaf(key: bytes, value: bytes) -> bytes:
    """Canonical CBOR of ``[0, key, value]`` (pinned to ``wuyi.encoding.encode`` by tests)."""
    return b"\x83\x00" + _bstr_head(len(key)) + key + _bstr_head(len(value)) + value


def _parse_bstr(raw: bytes, pos: int) -> tuple[bytes, int] | None:
    """Parse a canonical byte string at ``pos``: ``(bytes, next_pos)`` or None if invalid."""
    if pos >= len(raw):
        return None
    head = raw[pos]
    if head >> 5 != 2:
        return None
    info = head & 0x1F
    if info < 24:
        n, pos = info, pos + 1
    elif 24 <= info <= 27:
        width = 1 << (info - 24)
        n = int.from_bytes(raw[pos + 1 : pos + 1 + width], "big")
        if pos + 1 + width > len(raw) or n < (24 if width == 1 else 1 << (4 * width)):
            return None  # truncated or not the shortest form
        pos += 1 + width
    else:
        return None
    end = pos + n
    if end > len(raw):
        return None
    return raw[pos:end], end


def is_internal_encoding(raw: bytes) -> bool:
    """True iff ``raw`` is exactly the 70-byte canonical ``[1, left, right]`` (leaves start
    0x83 0x00). The update loop in ``smt.py`` inlines a cheaper length + tag check."""
    return len(raw) == _INTERNAL_LEN and raw[:4] == _INTERNAL_HEAD and raw[36:38] == _BSTR32


def decode_internal(raw: bytes) -> tuple[bytes, bytes]:
    return raw[4:36], raw[38:70]


def decode_leaf(node_hash: bytes, raw: bytes) -> tuple[bytes, bytes]:
    """``(key, value)`` of a stored leaf; :class:`StoreCorrupted` if ``raw`` is not one."""
    if raw[:2] == b"\x83\x00":
        key = _parse_bstr(raw, 2)
        if key is not None:
            value = _parse_bstr(raw, key[1])
            if value is not None and value[1] == len(raw):
                return key[0], value[0]
    raise StoreCorrupted(
        f"state node {node_hash.hex()} is neither a leaf nor an internal node",
        node=node_hash.hex(),
    )
