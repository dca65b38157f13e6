"""Validator sets and quorum certificates (QCs), checkable with the validator set alone.

A vote signs ``VOTE_DOMAIN + encode({"chain_id", "type", "height", "round", "block_hash"})``.
A QC on a block holds the signatures of validators whose voting power is strictly more than two
thirds of the set's total (n = 3f+1 equal powers: at least 2f+1 signatures).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wuyi.abc import Suite
from wuyi.encoding import encode
from wuyi.exceptions import ProofInvalid, ValidationError

__all__ = [
    "VOTE_DOMAIN",
    "QuorumCertificate",
    "Validator",
    "ValidatorSet",
    "compute_vote_bytes",
    "validate_qc",
]

VOTE_DOMAIN = b"wuyi/vote\x00"
COMMIT = "commit"
_QC_FIELDS = {"type", "height", "round", "block_hash", "signatures"}


@dataclass(frozen=True, slots=True)
class Validator:
    public_key: bytes
    power: int = 1
    name: str = ""

    def to_obj(self) -> dict[str, Any]:
        return {"public_key": self.public_key, "power": self.power, "name": self.name}

    @classmethod
    def from_obj(cls, obj: Any) -> Validator:
        """Exactly ``{"name": text, "power": int, "public_key": bytes}`` (the hashed form)."""
        if not isinstance(obj, dict) or set(obj) != {"name", "power", "public_key"}:
            raise ValidationError(
                "malformed validator entry: a map of exactly 'name', 'power' and 'public_key'"
            )
        pk, power, name = obj["public_key"], obj["power"], obj["name"]
        if not isinstance(pk, bytes) or type(power) is not int or not isinstance(name, str):
            raise ValidationError(
                "malformed validator entry: public_key must be bytes, power an integer, name text"
            )
        if power <= 0:
            raise ValidationError("validator power must be positive")
        return cls(pk, power, name)


@dataclass(frozen=True, slots=True)
class ValidatorSet:
    """An ordered validator set; indices in QCs refer to this order."""

    validators: tuple[Validator, ...]

    def __post_init__(self) -> None:
        if not self.validators:
            raise ValidationError("a validator set needs at least one validator")
        keys = [v.public_key for v in self.validators]
        if len(set(keys)) != len(keys):
            raise ValidationError("duplicate validator public key")

    @property
    def total_power(self) -> int:
        return sum(v.power for v in self.validators)

    @property
    def quorum_power(self) -> int:
        """Smallest power strictly greater than two thirds of the total."""
        return self.total_power * 2 // 3 + 1

    def __len__(self) -> int:
        return len(self.validators)

    def index_of(self, public_key: bytes) -> int | None:
        for i, v in enumerate(self.validators):
            if v.public_key == public_key:
                return i
        return None

    def to_obj(self) -> list[dict[str, Any]]:
        return [v.to_obj() for v in self.validators]

    @classmethod
    def from_obj(cls, obj: Any) -> ValidatorSet:
        if not isinstance(obj, list):
            raise ValidationError("validator set must be a list")
        return cls(tuple(Validator.from_obj(o) for o in obj))

    def compute_hash(self, suite: Suite) -> bytes:
        return suite.hash(b"wuyi/valset\x00" + encode(self.to_obj()))


def compute_vote_bytes(
    chain_id: str, vote_type: str, height: int, round_: int, block_hash: bytes
) -> bytes:
    """The exact bytes a validator signs for a vote."""
    return VOTE_DOMAIN + encode(
        {
            "chain_id": chain_id,
            "type": vote_type,
            "height": height,
            "round": round_,
            "block_hash": block_hash,
        }
    )


@dataclass(frozen=True, slots=True)
class QuorumCertificate:
    """Signatures of a quorum on (height, round, block_hash). ``signatures`` sorted by index."""

    height: int
    round: int
    block_hash: bytes
    signatures: tuple[tuple[int, bytes], ...]
    vote_type: str = COMMIT

    def to_obj(self) -> dict[str, Any]:
        return {
            "type": self.vote_type,
            "height": self.height,
            "round": self.round,
            "block_hash": self.block_hash,
            "signatures": [[i, s] for i, s in self.signatures],
        }

    @classmethod
    def from_obj(cls, obj: Any) -> QuorumCertificate:
        """Exactly the fields of :meth:`to_obj`, typed: ``signatures`` is a list of
        ``[index, signature]`` pairs."""
        bad = "malformed quorum certificate: "
        if not isinstance(obj, dict) or set(obj) != _QC_FIELDS:
            raise ValidationError(bad + f"a map of exactly {sorted(_QC_FIELDS)}")
        for name in ("height", "round"):
            if type(obj[name]) is not int or obj[name] < 0:
                raise ValidationError(bad + f"'{name}' must be a non-negative integer")
        if not isinstance(obj["block_hash"], bytes) or not isinstance(obj["type"], str):
            raise ValidationError(bad + "'block_hash' must be bytes and 'type' text")
        sigs = obj["signatures"]
        if not isinstance(sigs, list) or not all(
            isinstance(p, list)
            and len(p) == 2
            and type(p[0]) is int
            and p[0] >= 0
            and isinstance(p[1], bytes)
            for p in sigs
        ):
            raise ValidationError(bad + "'signatures' must be a list of [index, signature]")
        return cls(
            height=obj["height"],
            round=obj["round"],
            block_hash=obj["block_hash"],
            signatures=tuple((i, s) for i, s in sigs),
            vote_type=obj["type"],
        )


def validate_qc(
    suite: Suite,
    chain_id: str,
    validators: ValidatorSet,
    qc: QuorumCertificate,
    *,
    height: int | None = None,
    block_hash: bytes | None = None,
) -> None:
    """Raise :class:`ProofInvalid` unless ``qc`` carries a valid quorum for the block."""
    if height is not None and qc.height != height:
        raise ProofInvalid(f"QC is for height {qc.height}, expected {height}")
    if block_hash is not None and qc.block_hash != block_hash:
        raise ProofInvalid("QC is for a different block hash")
    msg = compute_vote_bytes(chain_id, qc.vote_type, qc.height, qc.round, qc.block_hash)
    seen: set[int] = set()
    power = 0
    last = -1
    for index, sig in qc.signatures:
        if index <= last:
            raise ProofInvalid("QC signatures must be sorted by validator index, no duplicates")
        last = index
        if not 0 <= index < len(validators):
            raise ProofInvalid(f"QC names validator index {index} outside the set")
        v = validators.validators[index]
        if not suite.verify(v.public_key, msg, sig):
            raise ProofInvalid(f"QC signature of validator {index} ({v.name}) does not verify")
        seen.add(index)
        power += v.power
    if power < validators.quorum_power:
        raise ProofInvalid(
            f"QC has voting power {power}, quorum needs {validators.quorum_power}"
            f" of {validators.total_power}"
        )


def make_qc(
    signatures: Sequence[tuple[int, bytes]], height: int, round_: int, block_hash: bytes
) -> QuorumCertificate:
    return QuorumCertificate(height, round_, block_hash, tuple(sorted(signatures)))
