"""The JSON wire form of the API, shared by the server and the SDK (no web framework here).

Byte strings are lowercase hex. Headers, quorum certificates, validator sets and state proofs
round-trip exactly (``*_to_json`` / ``*_from_json``), so a client can rebuild the canonical
objects and check them itself.
"""

from __future__ import annotations

from typing import Any

from wuyi.consensus.certificate import QuorumCertificate, ValidatorSet
from wuyi.exceptions import EncodingError, ValidationError
from wuyi.ledger.types import BlockHeader, Receipt
from wuyi.state import StateProof

__all__ = [
    "header_from_json",
    "header_to_json",
    "hexify",
    "parse_address",
    "parse_hex",
    "proof_from_json",
    "proof_to_json",
    "qc_from_json",
    "qc_to_json",
    "receipt_to_json",
    "validators_from_json",
    "validators_to_json",
]

_HEADER_BYTES = (
    "prev_hash",
    "proposer",
    "tx_root",
    "state_root",
    "receipts_root",
    "validator_set_hash",
    "next_validator_set_hash",
)


def parse_hex(text: str, what: str, *, length: int | None = None) -> bytes:
    """Hex (optionally ``0x``-prefixed) to bytes; :class:`EncodingError` naming ``what``."""
    s = text[2:] if text[:2] in ("0x", "0X") else text
    try:
        raw = bytes.fromhex(s)
    except ValueError:
        raise EncodingError(f"{what} is not hexadecimal", field=what) from None
    if length is not None and len(raw) != length:
        raise ValidationError(f"{what} must be {length} bytes, got {len(raw)}", field=what)
    return raw


def parse_address(text: str) -> bytes:
    """A member address: ``wy`` followed by 40 hex digits, or the 40 hex digits alone."""
    s = text[2:] if text[:2].lower() == "wy" else text
    return parse_hex(s, "address", length=20)


def hexify(value: Any) -> Any:
    """A canonical value for display: bytes as hex, everything else as is."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [hexify(v) for v in value]
    if isinstance(value, dict):
        return {k: hexify(v) for k, v in value.items()}
    return value


def header_to_json(h: BlockHeader) -> dict[str, Any]:
    return {k: (v.hex() if isinstance(v, bytes) else v) for k, v in h.to_obj().items()}


def header_from_json(obj: dict[str, Any]) -> BlockHeader:
    d = dict(obj)
    for k in _HEADER_BYTES:
        d[k] = parse_hex(str(d.get(k, "")), f"header.{k}")
    return BlockHeader.from_obj(d)


def qc_to_json(qc: QuorumCertificate | dict[str, Any] | None) -> dict[str, Any] | None:
    if qc is None:
        return None
    if isinstance(qc, dict):
        qc = QuorumCertificate.from_obj(qc)
    return {
        "type": qc.vote_type,
        "height": qc.height,
        "round": qc.round,
        "block_hash": qc.block_hash.hex(),
        "signatures": [[i, s.hex()] for i, s in qc.signatures],
    }


def qc_from_json(obj: dict[str, Any]) -> QuorumCertificate:
    """The canonical QC of its JSON form (strict: ``QuorumCertificate.from_obj``)."""
    return QuorumCertificate.from_obj(
        {
            **obj,
            "block_hash": parse_hex(obj["block_hash"], "qc.block_hash"),
            "signatures": [
                [p[0], parse_hex(p[1], "qc.signature")] if isinstance(p, list | tuple) else p
                for p in obj["signatures"]
            ],
        }
    )


def validators_to_json(vs: ValidatorSet | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(vs, list):
        vs = ValidatorSet.from_obj(vs)
    return [
        {"name": v.name, "public_key": v.public_key.hex(), "power": v.power} for v in vs.validators
    ]


def validators_from_json(obj: list[dict[str, Any]]) -> ValidatorSet:
    return ValidatorSet.from_obj(
        [
            {
                "name": v.get("name", ""),
                "public_key": parse_hex(v["public_key"], "validator.public_key"),
                "power": int(v["power"]),
            }
            for v in obj
        ]
    )


def proof_to_json(proof: dict[str, Any]) -> dict[str, Any]:
    leaf = proof["leaf"]
    return {
        "leaf": None if leaf is None else [leaf[0].hex(), leaf[1].hex()],
        "siblings": [s.hex() for s in proof["siblings"]],
    }


def proof_from_json(obj: dict[str, Any]) -> StateProof:
    leaf = obj["leaf"]
    return StateProof.from_obj(
        {
            "leaf": None if leaf is None else [parse_hex(x, "proof.leaf") for x in leaf],
            "siblings": [parse_hex(s, "proof.sibling") for s in obj["siblings"]],
        }
    )


def receipt_to_json(r: Receipt) -> dict[str, Any]:
    return {
        "tx_hash": r.tx_hash.hex(),
        "status": r.status,
        "error": r.error,
        "events": [{"type": e.type, "attrs": hexify(e.attrs)} for e in r.events],
        "gas_used": r.gas_used,
    }
