"""Evidence of equivocation: two conflicting messages signed by one validator (pure).

A validator *equivocates* when it signs two different votes of one type, or two different
proposals, at one (height, round): what SafetyRules never lets an honest validator do. The two
signed messages are the proof; anyone holding the chain id and the validator's public key can
check them, with no node and no state.

A message is carried by its signed fields only (a proposal without its block body)::

    vote      {kind: "vote", type: "prevote"|"commit", height, round, block_hash, signer,
               signature}                     signed: compute_vote_bytes(chain_id, type, ...)
    proposal  {kind: "proposal", height, round, pol_round, block_hash, signer, signature}
                                              signed: compute_proposal_bytes(chain_id, ...)

:class:`Equivocation` holds two of them in canonical order (by their signed bytes), so the
same pair is one piece of evidence whichever way round it was seen. Its **offence** is
(signer, step, height, round) with step ``proposal``, ``prevote`` or ``commit``; the chain
records one piece of evidence per offence (:func:`compute_offence_id`).
:func:`validate_equivocation` raises :class:`~wuyi.exceptions.ValidationError` naming the
field that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wuyi.abc import Suite
from wuyi.consensus.certificate import compute_vote_bytes
from wuyi.consensus.messages import (
    COMMIT,
    MAX_HASH_LEN,
    MAX_HEIGHT,
    MAX_KEY_LEN,
    MAX_ROUND,
    MAX_SIG_LEN,
    PREVOTE,
    Proposal,
    Vote,
    compute_proposal_bytes,
)
from wuyi.encoding import encode
from wuyi.exceptions import ValidationError

__all__ = [
    "EQUIVOCATION_DOMAIN",
    "Equivocation",
    "SignedMessage",
    "compute_offence_id",
    "equivocation_from_messages",
    "validate_equivocation",
]

EQUIVOCATION_DOMAIN = b"wuyi/equivocation\x00"
_VOTE_KEYS = frozenset({"kind", "type", "height", "round", "block_hash", "signer", "signature"})
_PROPOSAL_KEYS = frozenset(
    {"kind", "height", "round", "pol_round", "block_hash", "signer", "signature"}
)


def _field(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise ValidationError(f"{where}: field '{key}' is missing", field=f"{where}.{key}")
    return obj[key]


def _int(obj: dict[str, Any], key: str, lo: int, hi: int, where: str) -> int:
    v = _field(obj, key, where)
    if type(v) is not int or not lo <= v <= hi:
        raise ValidationError(
            f"{where}: field '{key}' must be an integer in [{lo}, {hi}]", field=f"{where}.{key}"
        )
    return v


def _bytes(obj: dict[str, Any], key: str, lo: int, hi: int, where: str) -> bytes:
    v = _field(obj, key, where)
    if type(v) is not bytes or not lo <= len(v) <= hi:
        raise ValidationError(
            f"{where}: field '{key}' must be {lo}..{hi} bytes", field=f"{where}.{key}"
        )
    return v


@dataclass(frozen=True, slots=True)
class SignedMessage:
    """The signed fields of one vote or proposal. ``vote_type`` is ``""`` for a proposal and
    ``pol_round`` is -1 for a vote."""

    kind: str
    vote_type: str
    height: int
    round: int
    pol_round: int
    block_hash: bytes
    signer: bytes
    signature: bytes

    @property
    def step(self) -> str:
        """``proposal``, ``prevote`` or ``commit``: with (height, round), the offence."""
        return "proposal" if self.kind == "proposal" else self.vote_type

    def compute_sign_bytes(self, chain_id: str) -> bytes:
        if self.kind == "proposal":
            return compute_proposal_bytes(
                chain_id, self.height, self.round, self.pol_round, self.block_hash
            )
        return compute_vote_bytes(
            chain_id, self.vote_type, self.height, self.round, self.block_hash
        )

    def to_obj(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"kind": self.kind}
        if self.kind == "vote":
            obj["type"] = self.vote_type
        obj.update(height=self.height, round=self.round)
        if self.kind == "proposal":
            obj["pol_round"] = self.pol_round
        obj.update(block_hash=self.block_hash, signer=self.signer, signature=self.signature)
        return obj

    @classmethod
    def from_obj(cls, obj: Any, where: str = "message") -> SignedMessage:
        if type(obj) is not dict:
            raise ValidationError(f"{where} must be a map", field=where)
        kind = obj.get("kind")
        if kind == "vote":
            keys = _VOTE_KEYS
        elif kind == "proposal":
            keys = _PROPOSAL_KEYS
        else:
            raise ValidationError(
                f"{where}: kind must be 'vote' or 'proposal', not {kind!r}", field=f"{where}.kind"
            )
        if set(obj) != keys:
            raise ValidationError(
                f"{where}: has fields {sorted(obj)}, expected {sorted(keys)}", field=where
            )
        vote_type = ""
        if kind == "vote":
            vote_type = obj["type"]
            if vote_type not in (PREVOTE, COMMIT):
                raise ValidationError(
                    f"{where}: vote type must be 'prevote' or 'commit', not {vote_type!r}",
                    field=f"{where}.type",
                )
        round_ = _int(obj, "round", 0, MAX_ROUND, where)
        pol_round = _int(obj, "pol_round", -1, round_ - 1, where) if kind == "proposal" else -1
        return cls(
            kind=kind,
            vote_type=vote_type,
            height=_int(obj, "height", 1, MAX_HEIGHT, where),
            round=round_,
            pol_round=pol_round,
            block_hash=_bytes(obj, "block_hash", 0, MAX_HASH_LEN, where),
            signer=_bytes(obj, "signer", 1, MAX_KEY_LEN, where),
            signature=_bytes(obj, "signature", 1, MAX_SIG_LEN, where),
        )

    @classmethod
    def from_message(cls, msg: Vote | Proposal, block_hash: bytes | None = None) -> SignedMessage:
        """From a wire message; a proposal needs its block's hash (the replica's hasher)."""
        if isinstance(msg, Vote):
            return cls(
                "vote", msg.vote_type, msg.height, msg.round, -1, msg.block_hash, msg.voter,
                msg.signature,
            )  # fmt: skip
        if block_hash is None:
            raise ValueError("a proposal needs its block hash")
        return cls(
            "proposal", "", msg.height, msg.round, msg.pol_round, block_hash, msg.proposer,
            msg.signature,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Equivocation:
    """Two conflicting signed messages of one validator, in canonical order."""

    first: SignedMessage
    second: SignedMessage

    @property
    def offender(self) -> bytes:
        return self.first.signer

    @property
    def step(self) -> str:
        return self.first.step

    @property
    def height(self) -> int:
        return self.first.height

    @property
    def round(self) -> int:
        return self.first.round

    def to_obj(self) -> dict[str, Any]:
        """The ``consensus.evidence`` transaction payload."""
        return {"first": self.first.to_obj(), "second": self.second.to_obj()}

    @classmethod
    def from_obj(cls, obj: Any) -> Equivocation:
        if type(obj) is not dict or set(obj) != {"first", "second"}:
            raise ValidationError("evidence must be a map with exactly 'first' and 'second'")
        return cls(
            SignedMessage.from_obj(obj["first"], "first"),
            SignedMessage.from_obj(obj["second"], "second"),
        )


def equivocation_from_messages(chain_id: str, a: SignedMessage, b: SignedMessage) -> Equivocation:
    """The two messages in canonical order (by their signed bytes, then signature)."""
    ka = (a.compute_sign_bytes(chain_id), a.signature)
    kb = (b.compute_sign_bytes(chain_id), b.signature)
    return Equivocation(a, b) if ka <= kb else Equivocation(b, a)


def validate_equivocation(suite: Suite, chain_id: str, ev: Equivocation) -> None:
    """Raise ``ValidationError`` unless ``ev`` proves that its signer signed two different
    messages of one step at one (height, round) of chain ``chain_id``."""
    a, b = ev.first, ev.second
    if a.signer != b.signer:
        raise ValidationError("the two messages are signed by different keys", field="second")
    if a.step != b.step or a.height != b.height or a.round != b.round:
        raise ValidationError(
            f"the messages are at different points: {a.step} {a.height}/{a.round} and"
            f" {b.step} {b.height}/{b.round}",
            field="second",
        )
    sa, sb = a.compute_sign_bytes(chain_id), b.compute_sign_bytes(chain_id)
    if sa == sb:
        raise ValidationError("the two messages sign the same content: no conflict", field="second")
    if (sa, a.signature) > (sb, b.signature):
        raise ValidationError("the messages are not in canonical order", field="first")
    for name, msg, signed in (("first", a, sa), ("second", b, sb)):
        if not suite.verify(msg.signer, signed, msg.signature):
            raise ValidationError(
                f"{name}: the signature does not verify for the signer on chain '{chain_id}'",
                field=f"{name}.signature",
            )


def compute_offence_id(suite: Suite, chain_id: str, ev: Equivocation) -> bytes:
    """One id per offence (signer, step, height, round): a second pair of conflicting
    messages at the same point is the same offence."""
    return suite.hash(
        EQUIVOCATION_DOMAIN
        + encode(
            {
                "chain_id": chain_id,
                "signer": ev.offender,
                "step": ev.step,
                "height": ev.height,
                "round": ev.round,
            }
        )
    )
