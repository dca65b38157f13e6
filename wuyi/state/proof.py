"""State proofs: inclusion and non-inclusion of a key under a state root.

A proof is the list of sibling hashes on the key's path, from the root down, plus what the path
ends in: an empty slot (``leaf is None``) or a leaf ``(key_hash, value_hash)``. If that leaf's
``key_hash`` is ``H(key)`` the proof shows inclusion; otherwise it shows that another key owns
the whole subtree the key would live in, i.e. non-inclusion. :func:`verify_proof` needs nothing
but the hash function, so a light client can check proofs offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wuyi.encoding import decode, encode_trusted
from wuyi.exceptions import EncodingError, ProofInvalid
from wuyi.state._nodes import EMPTY_ROOT, HASH_LEN, Hasher, get_bit

__all__ = ["MAX_DEPTH", "StateProof", "verify_proof"]

MAX_DEPTH = 256
"""A path is a 256-bit key hash, so a proof has at most 256 siblings."""

_PROOF_FIELDS = ("leaf", "siblings")


@dataclass(frozen=True, slots=True)
class StateProof:
    """Sibling hashes on the path (``siblings[i]`` is the sibling at depth ``i + 1``).

    ``leaf`` is ``(key_hash, value_hash)`` of the leaf where the path ends, or ``None`` if the
    path ends in an empty slot. Empty siblings are :data:`EMPTY_ROOT` here and ``b""`` in
    :meth:`to_obj`.
    """

    siblings: tuple[bytes, ...]
    leaf: tuple[bytes, bytes] | None

    def to_obj(self) -> dict[str, Any]:
        """Plain canonical-encodable form: ``{"leaf": null | [kh, vh], "siblings": [bstr]}``."""
        return {
            "leaf": None if self.leaf is None else [self.leaf[0], self.leaf[1]],
            "siblings": [b"" if s == EMPTY_ROOT else s for s in self.siblings],
        }

    @classmethod
    def from_obj(cls, obj: Any) -> StateProof:
        """Inverse of :meth:`to_obj`; raise :class:`ProofInvalid` for anything malformed."""
        if type(obj) is not dict or tuple(sorted(obj)) != _PROOF_FIELDS:
            raise ProofInvalid("state proof must be a map with keys 'leaf' and 'siblings'")
        raw_siblings = obj["siblings"]
        if type(raw_siblings) is not list:
            raise ProofInvalid("state proof 'siblings' must be an array")
        if len(raw_siblings) > MAX_DEPTH:
            raise ProofInvalid(f"state proof has {len(raw_siblings)} siblings, max {MAX_DEPTH}")
        siblings: list[bytes] = []
        for i, s in enumerate(raw_siblings):
            if type(s) is not bytes or len(s) not in (0, HASH_LEN):
                raise ProofInvalid(f"state proof sibling {i} must be 0 or 32 bytes")
            if s == EMPTY_ROOT:
                raise ProofInvalid(f"state proof sibling {i}: an empty subtree must be b''")
            siblings.append(s if s else EMPTY_ROOT)
        raw_leaf = obj["leaf"]
        leaf: tuple[bytes, bytes] | None = None
        if raw_leaf is not None:
            if (
                type(raw_leaf) is not list
                or len(raw_leaf) != 2
                or any(type(x) is not bytes or len(x) != HASH_LEN for x in raw_leaf)
            ):
                raise ProofInvalid("state proof 'leaf' must be null or [key_hash, value_hash]")
            leaf = (raw_leaf[0], raw_leaf[1])
        return cls(tuple(siblings), leaf)

    def to_bytes(self) -> bytes:
        """Canonical CBOR of :meth:`to_obj`."""
        return encode_trusted(self.to_obj())

    @classmethod
    def from_bytes(cls, data: bytes) -> StateProof:
        try:
            obj = decode(data)
        except EncodingError as exc:
            raise ProofInvalid(f"state proof is not canonical CBOR: {exc.message}") from None
        return cls.from_obj(obj)


def verify_proof(
    hasher: Hasher, root: bytes, key: bytes, value: bytes | None, proof: StateProof
) -> None:
    """Check that ``proof`` shows ``key -> value`` under ``root`` (absence if ``value is None``).

    Raises :class:`ProofInvalid` naming the first check that failed; returns ``None`` if valid.
    """
    siblings = proof.siblings
    depth = len(siblings)
    if depth > MAX_DEPTH:
        raise ProofInvalid(f"state proof has {depth} siblings, max {MAX_DEPTH}")
    if len(root) != HASH_LEN:
        raise ProofInvalid("state root must be 32 bytes")
    key_hash = hasher(key)
    if len(key_hash) != HASH_LEN:
        raise ProofInvalid(f"hasher returned {len(key_hash)} bytes, expected {HASH_LEN}")
    leaf = proof.leaf
    # A canonical tree never has an internal node with an empty child next to a leaf or an empty
    # slot (such subtrees are collapsed), so the deepest sibling of a proof is never empty.
    if depth and siblings[-1] == EMPTY_ROOT:
        raise ProofInvalid("state proof is not canonical: deepest sibling is empty")
    if value is not None:
        if leaf is None:
            raise ProofInvalid("proof shows the key is absent (path ends in an empty slot)")
        if leaf[0] != key_hash:
            raise ProofInvalid("proof shows the key is absent (path ends in another key's leaf)")
        if leaf[1] != hasher(value):
            raise ProofInvalid("value does not match the value hash in the proof")
        node = hasher(b"\x00" + key_hash + leaf[1])
    elif leaf is None:
        node = EMPTY_ROOT
    else:
        other = leaf[0]
        if other == key_hash:
            raise ProofInvalid("proof shows the key is present, expected absence")
        for d in range(depth):
            if get_bit(other, d) != get_bit(key_hash, d):
                raise ProofInvalid(
                    f"non-inclusion leaf does not share the key's path prefix (bit {d})"
                )
        node = hasher(b"\x00" + other + leaf[1])
    for d in range(depth - 1, -1, -1):
        sibling = siblings[d]
        if (key_hash[d >> 3] >> (7 - (d & 7))) & 1:
            node = hasher(b"\x01" + sibling + node)
        else:
            node = hasher(b"\x01" + node + sibling)
    if node != root:
        raise ProofInvalid(
            "state proof does not lead to the given root",
            computed=node.hex(),
            root=root.hex(),
        )
