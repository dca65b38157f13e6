"""Transactions, block headers, blocks and receipts, with their canonical forms.

All hashes use the chain suite's hash ``H`` over domain-separated canonical encodings:

* ``tx_hash      = H("wuyi/tx\\x00" || encode(tx.body))`` — also the message the sender signs,
  so a transaction's identity does not depend on its signature bytes;
* ``block_hash   = H("wuyi/header\\x00" || encode(header))``;
* ``tx_root``    = RFC 6962 root over the transactions' wire bytes ``encode({"body","sig"})``;
* ``receipts_root`` = RFC 6962 root over ``encode(receipt)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wuyi.abc import Suite
from wuyi.consensus.certificate import QuorumCertificate
from wuyi.encoding import decode, decode_trusted, encode, encode_trusted
from wuyi.exceptions import EncodingError, ValidationError

__all__ = [
    "HEADER_DOMAIN",
    "TX_DOMAIN",
    "ZERO_HASH",
    "Block",
    "BlockHeader",
    "Event",
    "Receipt",
    "Transaction",
]

TX_DOMAIN = b"wuyi/tx\x00"
HEADER_DOMAIN = b"wuyi/header\x00"
ZERO_HASH = bytes(32)

_TX_FIELDS = ("chain_id", "sender", "nonce", "expiry", "kind", "payload")
_HEADER_FIELDS = (
    "chain_id",
    "height",
    "prev_hash",
    "time",
    "proposer",
    "tx_count",
    "tx_root",
    "state_root",
    "receipts_root",
    "validator_set_hash",
    "next_validator_set_hash",
)


def _expect(obj: dict[str, Any], name: str, typ: type, where: str) -> Any:
    if name not in obj:
        raise ValidationError(f"{where}: field '{name}' is missing", field=name)
    v = obj[name]
    if typ is int and (type(v) is not int):
        raise ValidationError(f"{where}: field '{name}' must be an integer", field=name)
    if typ is not int and not isinstance(v, typ):
        raise ValidationError(f"{where}: field '{name}' must be {typ.__name__}", field=name)
    return v


_BODY_KEY = b"\x64body"


def _body_offset(sig_len: int) -> int:
    """Bytes before the "body" key in a wire transaction: map header, "sig" key, signature."""
    if sig_len < 24:
        head = 1
    elif sig_len < 256:
        head = 2
    elif sig_len < 65536:
        head = 3
    else:
        head = 5
    return 1 + 4 + head + sig_len


@dataclass(frozen=True, slots=True)
class Transaction:
    """A signed transaction. ``nonce`` is chosen by the sender to make the body unique;
    the chain refuses a body hash it has already committed (replay) and any transaction
    included after its ``expiry`` height."""

    chain_id: str
    sender: bytes
    nonce: int
    expiry: int
    kind: str
    payload: dict[str, Any]
    signature: bytes = b""
    _body_enc: bytes = field(default=b"", init=False, compare=False, repr=False)

    def body(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "sender": self.sender,
            "nonce": self.nonce,
            "expiry": self.expiry,
            "kind": self.kind,
            "payload": self.payload,
        }

    def body_bytes(self) -> bytes:
        """``encode(body)``; taken from the wire bytes when decoded, encoded once otherwise."""
        if not self._body_enc:
            object.__setattr__(self, "_body_enc", encode(self.body()))
        return self._body_enc

    def signing_bytes(self) -> bytes:
        return TX_DOMAIN + self.body_bytes()

    def compute_hash(self, suite: Suite) -> bytes:
        return suite.hash(self.signing_bytes())

    def to_obj(self) -> dict[str, Any]:
        return {"body": self.body(), "sig": self.signature}

    def to_bytes(self) -> bytes:
        return encode(self.to_obj())

    @classmethod
    def from_obj(cls, obj: Any) -> Transaction:
        if not isinstance(obj, dict) or set(obj) != {"body", "sig"}:
            raise ValidationError("transaction must be a map with exactly 'body' and 'sig'")
        body = obj["body"]
        if not isinstance(body, dict):
            raise ValidationError("transaction body must be a map")
        extra = set(body) - set(_TX_FIELDS)
        if extra:
            raise ValidationError(f"transaction body has unknown fields: {sorted(extra)}")
        w = "transaction"
        sig = obj["sig"]
        if not isinstance(sig, bytes):
            raise ValidationError("transaction: 'sig' must be bytes", field="sig")
        nonce = _expect(body, "nonce", int, w)
        expiry = _expect(body, "expiry", int, w)
        if nonce < 0 or expiry < 0:
            raise ValidationError("transaction: nonce and expiry must be non-negative")
        return cls(
            chain_id=_expect(body, "chain_id", str, w),
            sender=_expect(body, "sender", bytes, w),
            nonce=nonce,
            expiry=expiry,
            kind=_expect(body, "kind", str, w),
            payload=_expect(body, "payload", dict, w),
            signature=sig,
        )

    @classmethod
    def from_bytes(cls, data: bytes, *, checked: bool = False) -> Transaction:
        """Decode wire bytes. ``checked=True`` skips the canonical-form check for bytes that
        were already decoded canonically once (by a verifier worker or the node's own store)."""
        try:
            obj = decode_trusted(data) if checked else decode(data)
        except EncodingError as exc:
            raise EncodingError(f"transaction bytes: {exc.message}") from None
        tx = cls.from_obj(obj)
        # The wire form is the canonical map {"sig": ..., "body": ...}; "sig" sorts first
        # (shorter key), so the body's canonical encoding is exactly the tail after the
        # "body" key. Reuse it rather than encoding the body again.
        tail = len(data) - len(_BODY_KEY) - _body_offset(len(tx.signature))
        body_enc = data[-tail:] if tail > 0 else b""
        object.__setattr__(tx, "_body_enc", body_enc)
        return tx

    def signed(self, key: Any) -> Transaction:
        """A copy signed by ``key`` (a PrivateKey whose public key must be ``sender``)."""
        if key.public_key != self.sender:
            raise ValidationError("signing key does not match the transaction's sender")
        return Transaction(
            self.chain_id,
            self.sender,
            self.nonce,
            self.expiry,
            self.kind,
            self.payload,
            key.sign(self.signing_bytes()),
        )


@dataclass(frozen=True, slots=True)
class BlockHeader:
    chain_id: str
    height: int
    prev_hash: bytes
    time: int
    proposer: bytes
    tx_count: int
    tx_root: bytes
    state_root: bytes
    receipts_root: bytes
    validator_set_hash: bytes
    next_validator_set_hash: bytes

    def to_obj(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _HEADER_FIELDS}

    @classmethod
    def from_obj(cls, obj: Any) -> BlockHeader:
        if not isinstance(obj, dict) or set(obj) != set(_HEADER_FIELDS):
            raise ValidationError(f"block header must have exactly the fields {_HEADER_FIELDS}")
        w = "block header"
        ints = {"height", "time", "tx_count"}
        vals = {
            n: _expect(obj, n, int if n in ints else (str if n == "chain_id" else bytes), w)
            for n in _HEADER_FIELDS
        }
        return cls(**vals)

    def hashing_bytes(self) -> bytes:
        return HEADER_DOMAIN + encode(self.to_obj())

    def compute_hash(self, suite: Suite) -> bytes:
        return suite.hash(self.hashing_bytes())


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    attrs: dict[str, Any]

    def to_obj(self) -> dict[str, Any]:
        return {"type": self.type, "attrs": self.attrs}

    @classmethod
    def from_obj(cls, obj: Any) -> Event:
        return cls(str(obj["type"]), dict(obj["attrs"]))


@dataclass(frozen=True, slots=True)
class Receipt:
    """Outcome of one transaction. ``status`` is ``"ok"`` or the stable error code."""

    tx_hash: bytes
    status: str
    error: str = ""
    events: tuple[Event, ...] = ()
    gas_used: int = 0
    _raw: bytes | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_obj(self) -> dict[str, Any]:
        return {
            "tx_hash": self.tx_hash,
            "status": self.status,
            "error": self.error,
            "events": [e.to_obj() for e in self.events],
            "gas_used": self.gas_used,
        }

    def to_bytes(self) -> bytes:
        # Receipts are built by the node from canonical values (handlers validate event
        # attributes when they emit them), so the model check is skipped here. Encoded once:
        # the receipts root and the store both need these bytes.
        raw = self._raw
        if raw is None:
            raw = encode_trusted(self.to_obj())
            object.__setattr__(self, "_raw", raw)
        return raw

    @classmethod
    def from_obj(cls, obj: Any) -> Receipt:
        try:
            return cls(
                bytes(obj["tx_hash"]),
                str(obj["status"]),
                str(obj["error"]),
                tuple(Event.from_obj(e) for e in obj["events"]),
                int(obj["gas_used"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"malformed receipt: {exc}") from None


@dataclass(frozen=True, slots=True)
class Block:
    """A header, its ordered transactions (wire bytes) and, once committed, its commit QC."""

    header: BlockHeader
    txs: tuple[bytes, ...]
    qc: QuorumCertificate | None = None
    _hash: list[bytes] = field(default_factory=list, compare=False, repr=False)

    @property
    def height(self) -> int:
        return self.header.height

    def compute_hash(self, suite: Suite) -> bytes:
        if not self._hash:
            self._hash.append(self.header.compute_hash(suite))
        return self._hash[0]

    def to_obj(self) -> dict[str, Any]:
        return {
            "header": self.header.to_obj(),
            "txs": list(self.txs),
            "qc": None if self.qc is None else self.qc.to_obj(),
        }

    def to_bytes(self) -> bytes:
        return encode(self.to_obj())

    @classmethod
    def from_obj(cls, obj: Any) -> Block:
        if not isinstance(obj, dict) or set(obj) != {"header", "txs", "qc"}:
            raise ValidationError("block must be a map with 'header', 'txs' and 'qc'")
        txs = obj["txs"]
        if not isinstance(txs, list) or not all(isinstance(t, bytes) for t in txs):
            raise ValidationError("block 'txs' must be a list of transaction bytes")
        qc = None if obj["qc"] is None else QuorumCertificate.from_obj(obj["qc"])
        return cls(BlockHeader.from_obj(obj["header"]), tuple(txs), qc)

    @classmethod
    def from_bytes(cls, data: bytes) -> Block:
        return cls.from_obj(decode(data))

    def with_qc(self, qc: QuorumCertificate) -> Block:
        return Block(self.header, self.txs, qc, self._hash)
