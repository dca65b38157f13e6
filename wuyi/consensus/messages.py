"""Consensus messages (wire), replica events (inputs) and actions (outputs).

Everything here is a frozen dataclass with a canonical ``to_obj``/``from_obj`` pair; the bytes on
the wire and in the WAL are :func:`wuyi.encoding.encode` of ``to_obj()``. Decoding is strict:
wrong types, oversize fields or unknown kinds raise :class:`~wuyi.exceptions.ValidationError`
(or :class:`~wuyi.exceptions.EncodingError` for non-canonical bytes), so a malformed message is
rejected before it reaches the protocol rules.

Signed bytes (see ``docs/consensus.md``)::

    vote      VOTE_DOMAIN     + encode({chain_id, type, height, round, block_hash})  certificate.py
    proposal  PROPOSAL_DOMAIN + encode({chain_id, height, round, pol_round, block_hash})
    status    STATUS_DOMAIN   + encode({chain_id, height, round})

``Decided`` carries no outer signature: its commit QC (≥ 2f+1 signatures) is the proof.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wuyi.abc import Suite
from wuyi.consensus.certificate import QuorumCertificate, ValidatorSet
from wuyi.encoding import decode, encode
from wuyi.exceptions import ValidationError

__all__ = [
    "COMMIT",
    "MAX_KEY_LEN",
    "MAX_PAYLOAD_LEN",
    "NIL",
    "PREVOTE",
    "PROPOSAL_DOMAIN",
    "STATUS_DOMAIN",
    "Action",
    "Block",
    "BlockExecuted",
    "BlockHasher",
    "Broadcast",
    "Commit",
    "Decided",
    "Event",
    "MempoolStatus",
    "Message",
    "MessageReceived",
    "PayloadReady",
    "Proposal",
    "ReportEvidence",
    "RequestPayload",
    "Send",
    "SetTimer",
    "Status",
    "TimerFired",
    "ValidatorUpdate",
    "Vote",
    "compute_block_hash",
    "compute_proposal_bytes",
    "compute_status_bytes",
    "decode_event",
    "decode_message",
    "encode_event",
    "encode_message",
]

PREVOTE = "prevote"
COMMIT = "commit"  # Tendermint's precommit; its quorum IS the commit QC (certificate.py)
NIL = b""  # block_hash of a nil vote
PROPOSAL_DOMAIN = b"wuyi/proposal\x00"
STATUS_DOMAIN = b"wuyi/status\x00"
BLOCK_DOMAIN = b"wuyi/block\x00"

MAX_KEY_LEN = 128
MAX_SIG_LEN = 128
MAX_HASH_LEN = 64
MAX_PAYLOAD_LEN = 8 * 1024 * 1024
MAX_ROUND = 2**31
MAX_HEIGHT = 2**62

BlockHasher = Callable[["Block"], bytes]


# --- strict field readers -----------------------------------------------------------------


def _int(obj: dict[str, Any], key: str, lo: int, hi: int) -> int:
    v = obj.get(key)
    if type(v) is not int or not lo <= v <= hi:
        raise ValidationError(f"field {key!r} must be an integer in [{lo}, {hi}]", field=key)
    return v


def _bytes(obj: dict[str, Any], key: str, max_len: int, min_len: int = 0) -> bytes:
    v = obj.get(key)
    if type(v) is not bytes or not min_len <= len(v) <= max_len:
        raise ValidationError(f"field {key!r} must be {min_len}..{max_len} bytes", field=key)
    return v


def _str(obj: dict[str, Any], key: str) -> str:
    v = obj.get(key)
    if type(v) is not str or len(v) > 64:
        raise ValidationError(f"field {key!r} must be a short text string", field=key)
    return v


def _map(obj: Any, what: str, keys: frozenset[str]) -> dict[str, Any]:
    if type(obj) is not dict:
        raise ValidationError(f"{what} must be a map")
    if set(obj) != keys:
        raise ValidationError(f"{what} has fields {sorted(obj)}, expected {sorted(keys)}")
    return obj


# --- block ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    """What consensus orders. ``payload`` is opaque; the application builds and validates it.

    ``validator_set_hash`` is the hash of the validator set that must sign this block's commit QC
    (``ValidatorSet.compute_hash``), so a header names the set it is checked against.
    """

    height: int
    parent_hash: bytes
    validator_set_hash: bytes
    proposer: bytes
    payload: bytes

    _KEYS = frozenset({"height", "parent_hash", "validator_set_hash", "proposer", "payload"})

    def to_obj(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "parent_hash": self.parent_hash,
            "validator_set_hash": self.validator_set_hash,
            "proposer": self.proposer,
            "payload": self.payload,
        }

    @classmethod
    def from_obj(cls, obj: Any) -> Block:
        o = _map(obj, "block", cls._KEYS)
        return cls(
            height=_int(o, "height", 1, MAX_HEIGHT),
            parent_hash=_bytes(o, "parent_hash", MAX_HASH_LEN),
            validator_set_hash=_bytes(o, "validator_set_hash", MAX_HASH_LEN),
            proposer=_bytes(o, "proposer", MAX_KEY_LEN, 1),
            payload=_bytes(o, "payload", MAX_PAYLOAD_LEN),
        )


def compute_block_hash(suite: Suite, block: Block) -> bytes:
    """Default block hasher: the header with the payload replaced by its hash."""
    header = {
        "height": block.height,
        "parent_hash": block.parent_hash,
        "validator_set_hash": block.validator_set_hash,
        "proposer": block.proposer,
        "payload_hash": suite.hash(block.payload),
    }
    return suite.hash(BLOCK_DOMAIN + encode(header))


def compute_proposal_bytes(
    chain_id: str, height: int, round_: int, pol_round: int, block_hash: bytes
) -> bytes:
    return PROPOSAL_DOMAIN + encode(
        {
            "chain_id": chain_id,
            "height": height,
            "round": round_,
            "pol_round": pol_round,
            "block_hash": block_hash,
        }
    )


def compute_status_bytes(chain_id: str, height: int, round_: int) -> bytes:
    return STATUS_DOMAIN + encode({"chain_id": chain_id, "height": height, "round": round_})


# --- messages ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proposal:
    """The proposer of (height, round) proposes ``block``; ``pol_round`` is Tendermint's
    valid round (-1 when the block is new, else the round of a prevote quorum for it)."""

    height: int
    round: int
    pol_round: int
    block: Block
    proposer: bytes
    signature: bytes

    _KEYS = frozenset({"kind", "height", "round", "pol_round", "block", "proposer", "signature"})

    def to_obj(self) -> dict[str, Any]:
        return {
            "kind": "proposal",
            "height": self.height,
            "round": self.round,
            "pol_round": self.pol_round,
            "block": self.block.to_obj(),
            "proposer": self.proposer,
            "signature": self.signature,
        }

    @classmethod
    def from_obj(cls, obj: Any) -> Proposal:
        o = _map(obj, "proposal", cls._KEYS)
        p = cls(
            height=_int(o, "height", 1, MAX_HEIGHT),
            round=_int(o, "round", 0, MAX_ROUND),
            pol_round=_int(o, "pol_round", -1, MAX_ROUND),
            block=Block.from_obj(o["block"]),
            proposer=_bytes(o, "proposer", MAX_KEY_LEN, 1),
            signature=_bytes(o, "signature", MAX_SIG_LEN, 1),
        )
        if p.block.height != p.height:
            raise ValidationError("proposal height differs from its block's height")
        if p.pol_round >= p.round:
            raise ValidationError("proposal pol_round must be below its round")
        return p


@dataclass(frozen=True, slots=True)
class Vote:
    """A prevote or a commit (precommit) vote. ``block_hash == NIL`` is a nil vote."""

    vote_type: str
    height: int
    round: int
    block_hash: bytes
    voter: bytes
    signature: bytes

    _KEYS = frozenset({"kind", "type", "height", "round", "block_hash", "voter", "signature"})

    def to_obj(self) -> dict[str, Any]:
        return {
            "kind": "vote",
            "type": self.vote_type,
            "height": self.height,
            "round": self.round,
            "block_hash": self.block_hash,
            "voter": self.voter,
            "signature": self.signature,
        }

    @classmethod
    def from_obj(cls, obj: Any) -> Vote:
        o = _map(obj, "vote", cls._KEYS)
        vote_type = _str(o, "type")
        if vote_type not in (PREVOTE, COMMIT):
            raise ValidationError(f"unknown vote type {vote_type!r}")
        return cls(
            vote_type=vote_type,
            height=_int(o, "height", 1, MAX_HEIGHT),
            round=_int(o, "round", 0, MAX_ROUND),
            block_hash=_bytes(o, "block_hash", MAX_HASH_LEN),
            voter=_bytes(o, "voter", MAX_KEY_LEN, 1),
            signature=_bytes(o, "signature", MAX_SIG_LEN, 1),
        )


@dataclass(frozen=True, slots=True)
class Status:
    """Heartbeat: "I am at (height, round)". Drives round skipping and catch-up replies."""

    height: int
    round: int
    sender: bytes
    signature: bytes

    _KEYS = frozenset({"kind", "height", "round", "sender", "signature"})

    def to_obj(self) -> dict[str, Any]:
        return {
            "kind": "status",
            "height": self.height,
            "round": self.round,
            "sender": self.sender,
            "signature": self.signature,
        }

    @classmethod
    def from_obj(cls, obj: Any) -> Status:
        o = _map(obj, "status", cls._KEYS)
        return cls(
            height=_int(o, "height", 1, MAX_HEIGHT),
            round=_int(o, "round", 0, MAX_ROUND),
            sender=_bytes(o, "sender", MAX_KEY_LEN, 1),
            signature=_bytes(o, "signature", MAX_SIG_LEN, 1),
        )


@dataclass(frozen=True, slots=True)
class Decided:
    """A committed block with its commit QC, sent to a peer that is behind."""

    block: Block
    qc: QuorumCertificate

    _KEYS = frozenset({"kind", "block", "qc"})

    def to_obj(self) -> dict[str, Any]:
        return {"kind": "decided", "block": self.block.to_obj(), "qc": self.qc.to_obj()}

    @classmethod
    def from_obj(cls, obj: Any) -> Decided:
        o = _map(obj, "decided", cls._KEYS)
        qo = o["qc"]
        if type(qo) is not dict or type(qo.get("signatures")) is not list:
            raise ValidationError("decided.qc must be a map with a signature list")
        if len(qo["signatures"]) > 10_000:
            raise ValidationError("decided.qc has too many signatures")
        qc = QuorumCertificate.from_obj(qo)
        return cls(block=Block.from_obj(o["block"]), qc=qc)


Message = Proposal | Vote | Status | Decided

_MESSAGE_KINDS: dict[str, Callable[[Any], Message]] = {
    "proposal": Proposal.from_obj,
    "vote": Vote.from_obj,
    "status": Status.from_obj,
    "decided": Decided.from_obj,
}


def encode_message(msg: Message) -> bytes:
    return encode(msg.to_obj())


def decode_message(data: bytes) -> Message:
    """Decode wire bytes; raise ``EncodingError``/``ValidationError`` for anything malformed."""
    obj = decode(data)
    if type(obj) is not dict or type(obj.get("kind")) is not str:
        raise ValidationError("a consensus message must be a map with a 'kind'")
    parse = _MESSAGE_KINDS.get(obj["kind"])
    if parse is None:
        raise ValidationError(f"unknown message kind {obj['kind']!r}")
    return parse(obj)


# --- events (inputs to Replica.step; each is written to the WAL first) ----------------------


@dataclass(frozen=True, slots=True)
class ValidatorUpdate:
    """A new validator set taking effect at ``effective_height`` (≥ executed height + 2)."""

    effective_height: int
    validators: ValidatorSet

    def to_obj(self) -> dict[str, Any]:
        return {"effective_height": self.effective_height, "validators": self.validators.to_obj()}

    @classmethod
    def from_obj(cls, obj: Any) -> ValidatorUpdate:
        o = _map(obj, "validator update", frozenset({"effective_height", "validators"}))
        return cls(
            _int(o, "effective_height", 1, MAX_HEIGHT), ValidatorSet.from_obj(o["validators"])
        )


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """Wire bytes from a peer (or the replica's own signed message, fed back through the WAL)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer set by ``SetTimer`` expired. Stale timers (other height/round) are ignored."""

    kind: str
    height: int
    round: int


@dataclass(frozen=True, slots=True)
class PayloadReady:
    """Answer to ``RequestPayload``: the application's payload for (height, round)."""

    height: int
    round: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class BlockExecuted:
    """The application executed committed block ``height`` (in order), maybe changing the set."""

    height: int
    validator_update: ValidatorUpdate | None = None


@dataclass(frozen=True, slots=True)
class MempoolStatus:
    """Whether the application has transactions waiting (drives the empty-block policy)."""

    has_txs: bool


Event = MessageReceived | TimerFired | PayloadReady | BlockExecuted | MempoolStatus


def encode_event(event: Event) -> bytes:
    obj: dict[str, Any]
    if isinstance(event, MessageReceived):
        obj = {"e": "msg", "data": event.data}
    elif isinstance(event, TimerFired):
        obj = {"e": "timer", "kind": event.kind, "height": event.height, "round": event.round}
    elif isinstance(event, PayloadReady):
        obj = {
            "e": "payload",
            "height": event.height,
            "round": event.round,
            "payload": event.payload,
        }
    elif isinstance(event, BlockExecuted):
        upd = event.validator_update
        obj = {
            "e": "executed",
            "height": event.height,
            "update": None if upd is None else upd.to_obj(),
        }
    else:
        obj = {"e": "mempool", "has_txs": event.has_txs}
    return encode(obj)


def decode_event(data: bytes) -> Event:
    obj = decode(data)
    if type(obj) is not dict:
        raise ValidationError("WAL record must be a map")
    kind = obj.get("e")
    if kind == "msg":
        return MessageReceived(_bytes(obj, "data", MAX_PAYLOAD_LEN * 2))
    if kind == "timer":
        return TimerFired(
            _str(obj, "kind"), _int(obj, "height", 0, MAX_HEIGHT), _int(obj, "round", 0, MAX_ROUND)
        )
    if kind == "payload":
        return PayloadReady(
            _int(obj, "height", 1, MAX_HEIGHT),
            _int(obj, "round", 0, MAX_ROUND),
            _bytes(obj, "payload", MAX_PAYLOAD_LEN),
        )
    if kind == "executed":
        upd = obj.get("update")
        return BlockExecuted(
            _int(obj, "height", 0, MAX_HEIGHT),
            None if upd is None else ValidatorUpdate.from_obj(upd),
        )
    if kind == "mempool" and type(obj.get("has_txs")) is bool:
        return MempoolStatus(obj["has_txs"])
    raise ValidationError(f"unknown WAL record {kind!r}")


# --- actions (outputs of Replica.step; the adapter performs them in order) -------------------


@dataclass(frozen=True, slots=True)
class Broadcast:
    """Send ``message`` to every peer (validators and followers)."""

    message: Message


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``message`` to the peer whose public key is ``to``."""

    to: bytes
    message: Message


@dataclass(frozen=True, slots=True)
class SetTimer:
    """Arm timer ``kind`` to fire ``TimerFired(kind, height, round)`` after ``delay_ms``.

    One pending timer per kind: setting a kind replaces the pending timer of that kind, unless
    that one is for a later (height, round) (the replica has moved past this one's: a stale
    timer must never cancel the timeout of the round it is in).
    """

    kind: str
    height: int
    round: int
    delay_ms: int


@dataclass(frozen=True, slots=True)
class RequestPayload:
    """This replica proposes at (height, round): build a payload on ``parent_hash`` and answer
    with ``PayloadReady(height, round, payload)``."""

    height: int
    round: int
    parent_hash: bytes


@dataclass(frozen=True, slots=True)
class Commit:
    """``block`` is final. ``qc`` (vote_type "commit") verifies with ``validate_qc`` against the
    validator set of ``block.height``. Execute it, then answer ``BlockExecuted(height, ...)``.
    On WAL replay a Commit can be repeated: the adapter ignores heights it already stored."""

    block: Block
    block_hash: bytes
    qc: QuorumCertificate


@dataclass(frozen=True, slots=True)
class ReportEvidence:
    """Two conflicting messages signed by the same validator (double vote / double proposal)."""

    offender: bytes
    first: Message
    second: Message


Action = Broadcast | Send | SetTimer | RequestPayload | Commit | ReportEvidence
