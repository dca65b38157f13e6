"""Private side-cars: personal bytes that travel beside a transaction, never inside a block.

A citizen's presentation (SD-JWTs with their disclosed claims: age, degree level, months of
social security, ...) must be checked by every validator while it executes the transaction,
but it must not enter a transaction, block, receipt, event or public API answer in clear
(``docs/security.md``, "Personal data"). So the transaction carries only a **reference** —
the string ``"sidecar:<hex>"`` with the side-car's hash — where the text would have been
(``vc.verify``'s ``presentation``; a ``presentation()`` argument of a contract call), and the
bytes travel beside it, as Hyperledger Fabric's private data travels beside its transaction:

* a client sends the transaction with its side-cars (``POST /v1/txs`` ``{tx, sidecars}``);
* the door (:func:`collect_sidecars` in :meth:`wuyi.node.mempool.Mempool.add`) refuses a
  transaction whose references are not all matched by a side-car of that hash
  (:class:`SidecarMissing`) or that brings a side-car it does not reference, too many, or too
  many bytes (:class:`SidecarInvalid`);
* mempool gossip, proposals (the consensus payload's envelope) and block sync carry them;
* execution looks each reference up (:func:`collect_sidecars` with the node's lookup) and
  gives the transaction exactly its own side-cars (``ExecContext.sidecars``);
* each node keeps them in its **private store** (``wuyi.node.store``, db ``sidecars``),
  pruned after its retention period, and no API serves them.

The block's ``tx_root`` is over the transactions' wire bytes, which hold the hash: a block still
verifies without the side-cars, and a side-car's bytes are bound to the block by that hash. A
node without a side-car cannot execute the transaction (it never executes it differently):
it fetches it from a peer or, past every peer's retention, stops with
:class:`~wuyi.exceptions.SidecarMissing` naming the height.

Pure: no clock, no randomness, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from wuyi.abc import Suite
from wuyi.encoding import decode, encode
from wuyi.exceptions import EncodingError, SidecarInvalid, SidecarMissing, ValidationError

__all__ = [
    "MAX_SIDECARS",
    "REF_PREFIX",
    "SIDECAR_DOMAIN",
    "SidecarLookup",
    "collect_sidecars",
    "compute_sidecar_hash",
    "decode_carried",
    "decode_carried_bytes",
    "decode_envelope",
    "encode_carried",
    "encode_envelope",
    "find_presentation_in_clear",
    "is_sidecar_ref",
    "parse_sidecar_ref",
    "referenced_sidecars",
    "sidecar_ref",
]

SIDECAR_DOMAIN = b"wuyi/sidecar\x00"
REF_PREFIX = "sidecar:"
#: most side-cars one transaction may bring (a presentation is one side-car; 8 is generous)
MAX_SIDECARS = 8
_REF = re.compile(r"^sidecar:([0-9a-f]{64})$")

SidecarLookup = Callable[[bytes], "bytes | None"]
"""``lookup(sidecar_hash) -> bytes | None``: where execution finds side-cars."""


def compute_sidecar_hash(suite: Suite, data: bytes) -> bytes:
    """``H("wuyi/sidecar\\x00" || data)`` with the chain's hash (SM3 or SHA-256)."""
    return suite.hash(SIDECAR_DOMAIN + data)


def sidecar_ref(suite: Suite, data: bytes) -> str:
    """The reference a transaction carries in place of ``data``: ``"sidecar:<hex>"``."""
    return REF_PREFIX + compute_sidecar_hash(suite, data).hex()


def is_sidecar_ref(value: Any) -> bool:
    return isinstance(value, str) and _REF.match(value) is not None


def parse_sidecar_ref(value: Any) -> bytes | None:
    """The hash named by reference ``value``, or None if it is not one."""
    if not isinstance(value, str):
        return None
    m = _REF.match(value)
    return None if m is None else bytes.fromhex(m.group(1))


def referenced_sidecars(payload: Any) -> list[bytes]:
    """The side-car hashes a payload references, in the order first met (each once): every
    string anywhere in it that is exactly ``"sidecar:<64 hex>"``."""
    out: dict[bytes, None] = {}
    stack = [payload]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            h = parse_sidecar_ref(v)
            if h is not None:
                out[h] = None
        elif isinstance(v, dict):
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, list | tuple):
            stack.extend(reversed(v))
    return list(out)


# A compact JWS (header.payload.signature, base64url) followed by "~": an SD-JWT, which
# carries its disclosures (claim values) after the tildes.
_SD_JWT = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+~")


def find_presentation_in_clear(value: Any, where: str = "") -> str | None:
    """The path (``args.text``, ``args.items[2]``) of the first string in ``value`` that holds
    an SD-JWT (a credential with its disclosures), or None. A presentation must travel as a
    side-car; the door and the block-validity rules refuse one in a payload."""
    if isinstance(value, str):
        return where or "value" if _SD_JWT.search(value) else None
    if isinstance(value, dict):
        for k, v in value.items():
            found = find_presentation_in_clear(v, f"{where}.{k}" if where else str(k))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = find_presentation_in_clear(v, f"{where}[{i}]")
            if found is not None:
                return found
    return None


def collect_sidecars(
    suite: Suite,
    payload: dict[str, Any],
    *,
    provided: Iterable[bytes] | None = None,
    lookup: SidecarLookup | None = None,
    tx_bytes: int = 0,
    max_bytes: int | None = None,
) -> dict[bytes, bytes]:
    """The side-cars (hash -> bytes) a transaction with ``payload`` references.

    At the door, ``provided`` is what the client or peer sent: every reference must be
    matched by one of them (:class:`SidecarMissing`), and every one must be referenced, at
    most :data:`MAX_SIDECARS`, and with the transaction's ``tx_bytes`` at most ``max_bytes``
    (the chain's ``max_tx_bytes``) in all (:class:`SidecarInvalid`). During execution,
    ``lookup`` finds them by hash (a node's pool, proposal, private store): one it cannot
    find raises :class:`SidecarMissing`, which is this node's lack, not the block's fault."""
    refs = referenced_sidecars(payload)
    if len(refs) > MAX_SIDECARS:
        raise SidecarInvalid(
            f"the transaction references {len(refs)} side-cars; at most {MAX_SIDECARS}"
        )
    given: dict[bytes, bytes] = {}
    if provided is not None:
        for item in provided:
            if not isinstance(item, bytes):
                raise SidecarInvalid("a side-car is a byte string")
            given[compute_sidecar_hash(suite, item)] = item
        extra = [h for h in given if h not in refs]
        if extra:
            raise SidecarInvalid(
                f"side-car {extra[0].hex()} is not referenced by the transaction (its payload"
                f" must carry '{REF_PREFIX}<hash>' for each side-car sent with it)",
                sidecar=extra[0].hex(),
            )
    out: dict[bytes, bytes] = {}
    for h in refs:
        data: bytes | None = (
            given.get(h) if provided is not None else (lookup(h) if lookup else None)
        )
        if data is None:
            raise SidecarMissing(
                f"the transaction references side-car {h.hex()}"
                + (
                    ", which was not sent with it: send the bytes beside the transaction"
                    " (POST /v1/txs {tx, sidecars})"
                    if provided is not None
                    else ", which this node does not hold"
                ),
                sidecar=h.hex(),
            )
        out[h] = data
    if max_bytes is not None:
        total = tx_bytes + sum(len(d) for d in out.values())
        if total > max_bytes:
            raise SidecarInvalid(
                f"the transaction and its side-cars are {total} bytes; the limit is {max_bytes}",
                size=total,
                limit=max_bytes,
            )
    return out


def encode_carried(raw: bytes, sidecars: Iterable[bytes] = ()) -> Any:
    """One transaction as it travels between nodes and from clients: its wire bytes alone, or
    ``{"tx": wire bytes, "sidecars": [bytes, ...]}`` when it brings side-cars."""
    scs = list(sidecars)
    return {"tx": raw, "sidecars": scs} if scs else raw


def decode_carried(item: Any) -> tuple[bytes, tuple[bytes, ...]]:
    """``(wire bytes, side-cars)`` of an item :func:`encode_carried` made (decoded)."""
    if isinstance(item, bytes):
        return item, ()
    if isinstance(item, dict) and set(item) == {"tx", "sidecars"}:
        raw, scs = item["tx"], item["sidecars"]
        if (
            isinstance(raw, bytes)
            and isinstance(scs, list)
            and len(scs) <= MAX_SIDECARS
            and all(isinstance(s, bytes) for s in scs)
        ):
            return raw, tuple(scs)
    raise ValidationError(
        "a carried transaction is its wire bytes or {tx: bytes, sidecars: [bytes, ...]}"
    )


def decode_carried_bytes(data: bytes) -> tuple[bytes, tuple[bytes, ...]]:
    """A CBOR body that is either a transaction's wire bytes (a map {body, sig}) or the
    envelope ``{tx, sidecars}`` (``POST /v1/txs`` with ``application/cbor``)."""
    try:
        obj = decode(data)
    except EncodingError:
        return data, ()  # admission names what is wrong with the transaction
    if isinstance(obj, dict) and set(obj) == {"tx", "sidecars"}:
        return decode_carried(obj)
    return data, ()


def encode_envelope(block_bytes: bytes, sidecars: Mapping[bytes, bytes]) -> bytes:
    """A consensus payload: the ledger block's bytes alone, or with the side-cars its
    transactions reference (``{"block": bytes, "sidecars": [bytes, ...]}``)."""
    if not sidecars:
        return block_bytes
    return encode({"block": block_bytes, "sidecars": list(sidecars.values())})


_ENVELOPE_HEAD = b"\xa2\x65block"  # canonical map of 2 entries whose first key is "block"


def decode_envelope(payload: bytes) -> tuple[bytes, list[bytes]]:
    """``(block bytes, side-cars)`` of a consensus payload made by :func:`encode_envelope`
    (a plain block's bytes, whose first key is ``qc``, are returned as they are)."""
    if not payload.startswith(_ENVELOPE_HEAD):
        return payload, []
    obj = decode(payload)
    if isinstance(obj, dict) and set(obj) == {"block", "sidecars"}:
        blk, scs = obj["block"], obj["sidecars"]
        if (
            isinstance(blk, bytes)
            and isinstance(scs, list)
            and all(isinstance(s, bytes) for s in scs)
        ):
            return blk, scs
    raise ValidationError("a block envelope is {block: bytes, sidecars: [bytes, ...]}")
