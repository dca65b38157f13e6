"""Membership and non-membership proofs of another chain's state, as chain B checks them.

Two types, two functions, no shared code path between "present" and "absent" (the lesson of
cosmos-sdk#6091 and Dragonberry: a verifier that lets one kind of proof stand in for the other
is forgeable)::

    verify_membership(spec, root, key, value, proof: MembershipProof) -> None
    verify_non_membership(spec, root, key, proof: NonMembershipProof) -> None

Each raises :class:`~wuyi.exceptions.ProofInvalid` naming the first check that failed and
returns ``None`` when the proof holds. Both are pure (the hash is the *source* chain's, named
by its :class:`ProofSpec`) and bounded: at most ``spec.max_depth`` siblings, fixed-size
hashes, no recursion.

The tree is the source chain's state tree (``docs/state.md``): a compressed binary sparse
Merkle tree, ``leaf = H(0x00 || H(key) || H(value))``, ``internal = H(0x01 || left || right)``,
an empty subtree 32 zero bytes. The two proof encodings are domain-separated by their
``type`` (``wuyi/xchain/membership/1``, ``wuyi/xchain/non-membership/1``): decoding one as the
other is refused before any hashing, and even a re-labelled proof fails, because a
membership proof ends in the key's own leaf, which :func:`verify_non_membership` refuses.

* **Membership**: the siblings from the root down; the leaf is not carried (it is
  recomputed from the key and the value, so it cannot disagree with them).
* **Non-membership**: the siblings and what the key's path ends in: an empty slot
  (``neighbour is None``), or the leaf ``(key_hash, value_hash)`` of *another* key that owns
  the whole subtree the key would be in (it shares the key's first ``depth`` path bits).

In both, the deepest sibling must not be empty: a canonical tree never keeps a leaf or an
empty slot beside an empty subtree (it collapses), so a proof that does is not one the tree
could have produced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from wuyi.crypto import get_suite
from wuyi.exceptions import ProofInvalid
from wuyi.state import StateProof
from wuyi.state._nodes import EMPTY_ROOT, HASH_LEN, INTERNAL_PREFIX, LEAF_PREFIX

__all__ = [
    "MEMBERSHIP",
    "NON_MEMBERSHIP",
    "TREE",
    "MembershipProof",
    "NonMembershipProof",
    "ProofSpec",
    "decode_proof",
    "membership_from_state_proof",
    "non_membership_from_state_proof",
    "spec_for_suite",
    "verify_membership",
    "verify_non_membership",
]

TREE: Final = "wuyi-csmt/1"
MEMBERSHIP: Final = "wuyi/xchain/membership/1"
NON_MEMBERSHIP: Final = "wuyi/xchain/non-membership/1"
MAX_DEPTH: Final = 256
MAX_KEY_BYTES: Final = 1024
MAX_VALUE_BYTES: Final = 64 * 1024

_HASHES = {"sm3": "sm", "sha256": "intl"}
_SPEC_FIELDS = ("hash", "internal_prefix", "leaf_prefix", "max_depth", "tree")

Hasher = Callable[[bytes], bytes]


@dataclass(frozen=True, slots=True)
class ProofSpec:
    """How the source chain commits to its state (ICS-23's ``ProofSpec``): pinned when the
    chain is registered, compared exactly, never taken from a proof."""

    hash: str
    tree: str = TREE
    leaf_prefix: bytes = LEAF_PREFIX
    internal_prefix: bytes = INTERNAL_PREFIX
    max_depth: int = MAX_DEPTH

    def hasher(self) -> Hasher:
        suite = _HASHES.get(self.hash)
        if suite is None:
            raise ProofInvalid(f"proof spec: unknown hash '{self.hash}' (sm3 or sha256)")
        return get_suite(suite).hash

    def to_obj(self) -> dict[str, Any]:
        return {
            "tree": self.tree,
            "hash": self.hash,
            "leaf_prefix": self.leaf_prefix,
            "internal_prefix": self.internal_prefix,
            "max_depth": self.max_depth,
        }

    @classmethod
    def from_obj(cls, obj: Any) -> ProofSpec:
        """The spec a registration names; only the tree this project builds is accepted."""
        if type(obj) is not dict or tuple(sorted(obj)) != _SPEC_FIELDS:
            raise ProofInvalid(f"proof spec must be a map of exactly {list(_SPEC_FIELDS)}")
        spec = cls(
            hash=obj["hash"],
            tree=obj["tree"],
            leaf_prefix=obj["leaf_prefix"],
            internal_prefix=obj["internal_prefix"],
            max_depth=obj["max_depth"],
        )
        if spec.hash not in _HASHES:
            raise ProofInvalid(f"proof spec: unknown hash {spec.hash!r} (sm3 or sha256)")
        if spec != spec_for_suite(_HASHES[spec.hash]):
            raise ProofInvalid(
                f"proof spec: only {TREE} with leaf prefix 00, internal prefix 01 and depth"
                f" {MAX_DEPTH} is supported; this one is {spec.to_obj()!r}"
            )
        return spec


def spec_for_suite(suite_name: str) -> ProofSpec:
    """The proof spec of a Wuyi chain of suite ``suite_name`` (``sm`` or ``intl``)."""
    return ProofSpec(hash=get_suite(suite_name).hash_name)


# -- the two proof types ----------------------------------------------------------------------


def _siblings(raw: Any, spec_depth: int = MAX_DEPTH) -> tuple[bytes, ...]:
    if type(raw) is not list:
        raise ProofInvalid("proof 'siblings' must be an array")
    if len(raw) > spec_depth:
        raise ProofInvalid(f"proof has {len(raw)} siblings; at most {spec_depth}")
    out: list[bytes] = []
    for i, s in enumerate(raw):
        if type(s) is not bytes or len(s) not in (0, HASH_LEN):
            raise ProofInvalid(f"proof sibling {i} must be 0 or 32 bytes")
        if s == EMPTY_ROOT:
            raise ProofInvalid(f"proof sibling {i}: an empty subtree is written as b''")
        out.append(s if s else EMPTY_ROOT)
    return tuple(out)


def _siblings_obj(siblings: tuple[bytes, ...]) -> list[bytes]:
    return [b"" if s == EMPTY_ROOT else s for s in siblings]


def _expect_type(obj: Any, tag: str, what: str) -> None:
    """The type tag first: a proof of the other kind is named as such."""
    if type(obj) is not dict or "type" not in obj:
        raise ProofInvalid(f"{what} is a map with a 'type' ({tag})")
    if obj["type"] != tag:
        raise ProofInvalid(f"proof type is {obj['type']!r}, not {what} ({tag})")


@dataclass(frozen=True, slots=True)
class MembershipProof:
    """The key is in the tree with a given value: its path's siblings, root first."""

    siblings: tuple[bytes, ...]

    def to_obj(self) -> dict[str, Any]:
        return {"type": MEMBERSHIP, "siblings": _siblings_obj(self.siblings)}

    @classmethod
    def from_obj(cls, obj: Any) -> MembershipProof:
        _expect_type(obj, MEMBERSHIP, "a membership proof")
        if tuple(sorted(obj)) != ("siblings", "type"):
            raise ProofInvalid("a membership proof is a map of exactly 'type' and 'siblings'")
        return cls(_siblings(obj["siblings"]))


@dataclass(frozen=True, slots=True)
class NonMembershipProof:
    """The key is not in the tree: its path's siblings and the empty slot (``neighbour`` None)
    or another key's leaf ``(key_hash, value_hash)`` where the path ends."""

    siblings: tuple[bytes, ...]
    neighbour: tuple[bytes, bytes] | None

    def to_obj(self) -> dict[str, Any]:
        return {
            "type": NON_MEMBERSHIP,
            "siblings": _siblings_obj(self.siblings),
            "neighbour": None if self.neighbour is None else list(self.neighbour),
        }

    @classmethod
    def from_obj(cls, obj: Any) -> NonMembershipProof:
        _expect_type(obj, NON_MEMBERSHIP, "a non-membership proof")
        if tuple(sorted(obj)) != ("neighbour", "siblings", "type"):
            raise ProofInvalid(
                "a non-membership proof is a map of exactly 'type', 'siblings' and 'neighbour'"
            )
        raw = obj["neighbour"]
        neighbour: tuple[bytes, bytes] | None = None
        if raw is not None:
            if (
                type(raw) is not list
                or len(raw) != 2
                or any(type(x) is not bytes or len(x) != HASH_LEN for x in raw)
            ):
                raise ProofInvalid(
                    "non-membership proof 'neighbour' must be null or [key_hash, value_hash]"
                )
            neighbour = (raw[0], raw[1])
        return cls(_siblings(obj["siblings"]), neighbour)


def decode_proof(obj: Any, *, present: bool) -> MembershipProof | NonMembershipProof:
    """The proof of the kind the caller needs (``present``: membership), never the other."""
    return MembershipProof.from_obj(obj) if present else NonMembershipProof.from_obj(obj)


# -- verification -----------------------------------------------------------------------------


def _bit(path: bytes, depth: int) -> int:
    return (path[depth >> 3] >> (7 - (depth & 7))) & 1


def _common(spec: ProofSpec, root: bytes, key: bytes, siblings: tuple[bytes, ...]) -> Hasher:
    """The checks both verifiers make before hashing (bounds and the canonical shape)."""
    if type(root) is not bytes or len(root) != HASH_LEN:
        raise ProofInvalid("state root must be 32 bytes")
    if type(key) is not bytes or not 0 < len(key) <= MAX_KEY_BYTES:
        raise ProofInvalid(f"key must be 1 to {MAX_KEY_BYTES} bytes")
    if len(siblings) > spec.max_depth:
        raise ProofInvalid(f"proof has {len(siblings)} siblings; at most {spec.max_depth}")
    for s in siblings:
        if type(s) is not bytes or len(s) != HASH_LEN:
            raise ProofInvalid("a proof sibling is not a 32-byte hash")
    if siblings and siblings[-1] == EMPTY_ROOT:
        raise ProofInvalid("proof is not canonical: the deepest sibling is empty")
    return spec.hasher()


def _fold(
    h: Hasher, spec: ProofSpec, path: bytes, node: bytes, siblings: tuple[bytes, ...]
) -> bytes:
    for d in range(len(siblings) - 1, -1, -1):
        if _bit(path, d):
            node = h(spec.internal_prefix + siblings[d] + node)
        else:
            node = h(spec.internal_prefix + node + siblings[d])
    return node


def verify_membership(
    spec: ProofSpec, root: bytes, key: bytes, value: bytes, proof: MembershipProof
) -> None:
    """Raise :class:`ProofInvalid` unless ``proof`` shows ``key -> value`` under ``root``."""
    if type(proof) is not MembershipProof:
        raise ProofInvalid(f"a membership needs a membership proof, not {type(proof).__name__}")
    if type(value) is not bytes or len(value) > MAX_VALUE_BYTES:
        raise ProofInvalid(f"value must be at most {MAX_VALUE_BYTES} bytes")
    h = _common(spec, root, key, proof.siblings)
    key_hash = h(key)
    leaf = h(spec.leaf_prefix + key_hash + h(value))
    if _fold(h, spec, key_hash, leaf, proof.siblings) != root:
        raise ProofInvalid("membership proof does not lead to the state root")


def verify_non_membership(
    spec: ProofSpec, root: bytes, key: bytes, proof: NonMembershipProof
) -> None:
    """Raise :class:`ProofInvalid` unless ``proof`` shows that ``key`` is absent under ``root``."""
    if type(proof) is not NonMembershipProof:
        raise ProofInvalid(f"an absence needs a non-membership proof, not {type(proof).__name__}")
    h = _common(spec, root, key, proof.siblings)
    key_hash = h(key)
    depth = len(proof.siblings)
    if proof.neighbour is None:
        node = EMPTY_ROOT
    else:
        other, other_value_hash = proof.neighbour
        if type(other) is not bytes or len(other) != HASH_LEN or len(other_value_hash) != HASH_LEN:
            raise ProofInvalid("non-membership neighbour must be two 32-byte hashes")
        if other == key_hash:
            raise ProofInvalid("the proof ends in the key's own leaf: the key is present")
        for d in range(depth):
            if _bit(other, d) != _bit(key_hash, d):
                raise ProofInvalid(
                    f"the neighbour leaf is not on the key's path (they differ at bit {d})"
                )
        node = h(spec.leaf_prefix + other + other_value_hash)
    if _fold(h, spec, key_hash, node, proof.siblings) != root:
        raise ProofInvalid("non-membership proof does not lead to the state root")


# -- from the node's state proofs -------------------------------------------------------------


def membership_from_state_proof(
    spec: ProofSpec, key: bytes, value: bytes, proof: StateProof
) -> MembershipProof:
    """The membership proof in a node's state proof (``GET /v1/state/{key}``)."""
    h = spec.hasher()
    if proof.leaf is None or proof.leaf[0] != h(key):
        raise ProofInvalid("the state proof shows the key absent, not present")
    if proof.leaf[1] != h(value):
        raise ProofInvalid("the state proof is for another value")
    return MembershipProof(tuple(proof.siblings))


def non_membership_from_state_proof(
    spec: ProofSpec, key: bytes, proof: StateProof
) -> NonMembershipProof:
    """The non-membership proof in a node's state proof of an absent key."""
    h = spec.hasher()
    if proof.leaf is not None and proof.leaf[0] == h(key):
        raise ProofInvalid("the state proof shows the key present, not absent")
    return NonMembershipProof(tuple(proof.siblings), proof.leaf)
