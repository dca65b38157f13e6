"""An independent verifier of Wuyi Chain (suite ``intl``), written from ``docs/`` alone.

It imports nothing from ``wuyi``: only the standard library, ``cbor2`` (to decode CBOR; the
encoder below is written from ``docs/encoding.md``) and ``cryptography`` (Ed25519). It walks what
``docs/verifying.md`` describes: genesis -> validator-set changes -> header -> commit QC ->
transaction, receipt and state proofs, from a proof bundle or from a node's API. Every refusal
is a :class:`Refused` naming the check, so the tests can compare it with the project's verifier.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HEADER_FIELDS = {
    "chain_id": str,
    "height": int,
    "prev_hash": bytes,
    "time": int,
    "proposer": bytes,
    "tx_count": int,
    "tx_root": bytes,
    "state_root": bytes,
    "receipts_root": bytes,
    "validator_set_hash": bytes,
    "next_validator_set_hash": bytes,
}


class Refused(Exception):
    """Verification failed; ``check`` names the step (as in docs/verifying.md)."""

    def __init__(self, check: str, why: str) -> None:
        super().__init__(f"{check}: {why}")
        self.check = check


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# -- canonical CBOR (docs/encoding.md) -----------------------------------------------------------


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
    raise ValueError("integer out of range")


def encode(v: Any) -> bytes:
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, bytes):
        return _head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode("utf-8")
        return _head(3, len(b)) + b
    if isinstance(v, list):
        return _head(4, len(v)) + b"".join(encode(x) for x in v)
    if isinstance(v, dict):
        items = sorted((encode(k), encode(x)) for k, x in v.items())
        return _head(5, len(v)) + b"".join(k + x for k, x in items)
    raise TypeError(f"no canonical form for {type(v).__name__}")


def decode(data: bytes) -> Any:
    """Strict: the bytes must be exactly the canonical encoding of what they decode to."""
    value = cbor2.loads(data)
    if encode(value) != data:
        raise Refused("encoding", "not the canonical encoding")
    return value


# -- the JSON forms (docs/verifying.md, "JSON forms") ---------------------------------------------

_HEX = re.compile(r"(?:[0-9a-f]{2})*")


def unhex(text: Any, what: str = "hex") -> bytes:
    if not isinstance(text, str) or not _HEX.fullmatch(text):
        raise Refused("encoding", f"{what} is not lowercase hex")
    return bytes.fromhex(text)


def from_file_json(v: Any) -> Any:
    """The file form: bytes as {"$bytes": lowercase hex}."""
    if isinstance(v, list):
        return [from_file_json(x) for x in v]
    if isinstance(v, dict):
        if set(v) == {"$bytes"}:
            return unhex(v["$bytes"], "$bytes")
        return {k: from_file_json(x) for k, x in v.items()}
    if isinstance(v, float):
        raise Refused("encoding", "floats have no canonical form")
    return v


def load_file(text: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in items}) != len(items):
            raise Refused("encoding", "a key appears twice")
        return dict(items)

    return from_file_json(json.loads(text, object_pairs_hook=pairs))


def header_from_api(obj: dict[str, Any]) -> dict[str, Any]:
    """API form of a header: the canonical map with byte fields as hex strings."""
    return {k: unhex(obj[k], k) if t is bytes else obj[k] for k, t in HEADER_FIELDS.items()}


def qc_from_api(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": obj["type"],
        "height": obj["height"],
        "round": obj["round"],
        "block_hash": unhex(obj["block_hash"]),
        "signatures": [[i, unhex(s)] for i, s in obj["signatures"]],
    }


def valset_from_api(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": v["name"], "power": v["power"], "public_key": unhex(v["public_key"])} for v in objs
    ]


# -- objects and their hashes (docs/verifying.md, "Objects") -------------------------------------


def check_header(h: Any) -> dict[str, Any]:
    if not isinstance(h, dict) or set(h) != set(HEADER_FIELDS):
        raise Refused("header", "fields are not exactly the header's")
    for k, t in HEADER_FIELDS.items():
        if type(h[k]) is not t:
            raise Refused("header", f"{k} is not {t.__name__}")
    return h


def header_hash(h: dict[str, Any]) -> bytes:
    return H(b"wuyi/header\x00" + encode(check_header(h)))


def valset_hash(vs: list[dict[str, Any]]) -> bytes:
    for v in vs:
        if set(v) != {"name", "power", "public_key"} or type(v["power"]) is not int:
            raise Refused("validator set", "an entry is not {name, power, public_key}")
    return H(b"wuyi/valset\x00" + encode(vs))


def vote_bytes(chain_id: str, kind: str, height: int, round_: int, block_hash: bytes) -> bytes:
    body = {
        "chain_id": chain_id,
        "type": kind,
        "height": height,
        "round": round_,
        "block_hash": block_hash,
    }
    return b"wuyi/vote\x00" + encode(body)


def ed25519_ok(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def check_qc(
    chain_id: str, vs: list[dict[str, Any]], qc: dict[str, Any], height: int, bhash: bytes
) -> None:
    if set(qc) != {"type", "height", "round", "block_hash", "signatures"}:
        raise Refused("qc", "fields are not exactly the QC's")
    if qc["type"] != "commit":
        raise Refused("qc", "not a certificate of commit votes")
    if qc["height"] != height or qc["block_hash"] != bhash:
        raise Refused("qc", "certifies another block")
    msg = vote_bytes(chain_id, "commit", height, qc["round"], bhash)
    power, last = 0, -1
    for index, sig in qc["signatures"]:
        if index <= last or index >= len(vs):
            raise Refused("qc", "signature indices must increase and name the set")
        last = index
        if not ed25519_ok(vs[index]["public_key"], msg, sig):
            raise Refused("qc", f"signature of validator {index} does not verify")
        power += vs[index]["power"]
    total = sum(v["power"] for v in vs)
    if power < total * 2 // 3 + 1:
        raise Refused("qc", f"power {power} of {total} is not more than two thirds")


# -- validator sets from genesis (docs/verifying.md, "The walk") ---------------------------------


@dataclass
class Chain:
    chain_id: str
    genesis_hash: bytes
    sets: list[tuple[int, list[dict[str, Any]], bytes]] = field(default_factory=list)

    @classmethod
    def from_genesis(
        cls, pinned: bytes, header: dict[str, Any], validators: list[dict[str, Any]]
    ) -> Chain:
        if header_hash(header) != pinned:
            raise Refused("genesis", "the genesis header does not hash to the pinned hash")
        if header["height"] != 0:
            raise Refused("genesis", "not height 0")
        vh = valset_hash(validators)
        if header["validator_set_hash"] != vh:
            raise Refused("genesis", "the genesis set is not the one the header names")
        return cls(header["chain_id"], pinned, [(0, validators, vh)])

    def set_at(self, height: int) -> tuple[list[dict[str, Any]], bytes]:
        chosen = self.sets[0]
        for s in self.sets:
            if s[0] <= height:
                chosen = s
        return chosen[1], chosen[2]

    def certify(self, header: dict[str, Any], qc: dict[str, Any] | None) -> bytes:
        bh = header_hash(header)
        if header["chain_id"] != self.chain_id:
            raise Refused("header", "another chain")
        if header["height"] == 0:
            if bh != self.genesis_hash:
                raise Refused("header", "not the genesis block")
            return bh
        vs, vh = self.set_at(header["height"])
        if header["validator_set_hash"] != vh:
            raise Refused("header", "names a validator set not in force at its height")
        if qc is None:
            raise Refused("qc", "missing")
        check_qc(self.chain_id, vs, qc, header["height"], bh)
        return bh

    def add_change(
        self, header: dict[str, Any], qc: dict[str, Any], validators: list[dict[str, Any]]
    ) -> None:
        e = header["height"] + 1
        if header["height"] < 1 or e <= self.sets[-1][0]:
            raise Refused("change", "changes come in order, each named by a certified block")
        try:
            self.certify(header, qc)
        except Refused as exc:
            raise Refused("change", str(exc)) from None
        vh = valset_hash(validators)
        if header["next_validator_set_hash"] != vh or vh == self.sets[-1][2]:
            raise Refused("change", "the block does not hand over to this set")
        self.sets.append((e, validators, vh))


# -- proofs (docs/verifying.md, "Proofs") --------------------------------------------------------


def merkle_root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2; the path lists siblings from the leaf up."""
    if not 0 <= index < size:
        raise Refused("inclusion", "index outside the tree")
    fn, sn, r = index, size - 1, H(b"\x00" + leaf)
    for p in path:
        if sn == 0:
            raise Refused("inclusion", "path too long")
        if fn & 1 or fn == sn:
            r = H(b"\x01" + p + r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = H(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Refused("inclusion", "path too short")
    return r


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 MTH: split at the largest power of two smaller than n."""
    if not leaves:
        return H(b"")
    if len(leaves) == 1:
        return H(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return H(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:]))


def state_root_from_proof(key: bytes, value: bytes | None, proof: dict[str, Any]) -> bytes:
    """docs/state.md, "Verification"."""
    if set(proof) != {"leaf", "siblings"}:
        raise Refused("state proof", "fields")
    sib = [s if s != b"" else bytes(32) for s in proof["siblings"]]
    if any(s == bytes(32) for s in proof["siblings"]) or any(
        len(s) not in (0, 32) for s in proof["siblings"]
    ):
        raise Refused("state proof", "an empty sibling is written b''")
    n, kh = len(sib), H(key)
    if n and sib[-1] == bytes(32):
        raise Refused("state proof", "not canonical")
    leaf = proof["leaf"]
    if value is not None:
        if leaf != [kh, H(value)]:
            raise Refused("state proof", "leaf is not this key and value")
        node = H(b"\x00" + kh + H(value))
    elif leaf is None:
        node = bytes(32)
    else:
        other = leaf[0]
        bits = lambda b, d: (b[d // 8] >> (7 - d % 8)) & 1  # noqa: E731
        if other == kh or any(bits(other, d) != bits(kh, d) for d in range(n)):
            raise Refused("state proof", "the leaf does not show absence")
        node = H(b"\x00" + leaf[0] + leaf[1])
    for d in range(n - 1, -1, -1):
        bit = (kh[d // 8] >> (7 - d % 8)) & 1
        node = H(b"\x01" + sib[d] + node) if bit else H(b"\x01" + node + sib[d])
    return node


def tx_hash(wire: bytes) -> tuple[bytes, dict[str, Any]]:
    tx = decode(wire)
    if set(tx) != {"body", "sig"}:
        raise Refused("transaction", "not {body, sig}")
    signing = b"wuyi/tx\x00" + encode(tx["body"])
    if not ed25519_ok(tx["body"]["sender"], signing, tx["sig"]):
        raise Refused("transaction", "the sender's signature does not verify")
    return H(signing), tx


# -- a proof bundle (docs/verifying.md, "Proof bundles") -----------------------------------------


SINGLE = {"format", "chain", "genesis", "validator_changes", "anchor", "state", "record"}
SEVERAL = {"format", "chain", "genesis", "validator_changes", "records"}


def verify_bundle(
    b: dict[str, Any], pinned: bytes, document: bytes | None = None
) -> dict[str, Any]:
    """A bundle of one record: the record."""
    if set(b) != SINGLE:
        raise Refused("format", "fields")
    return verify_bundle_records(b, pinned, document)[0]


def verify_bundle_records(
    b: dict[str, Any], pinned: bytes, document: bytes | None = None
) -> list[dict[str, Any]]:
    """A bundle of one record or of several (``records``): each record, in order."""
    if b.get("format") != "wuyi-proof-bundle/2":
        raise Refused("format", "not wuyi-proof-bundle/2")
    if set(b) not in (SINGLE, SEVERAL):
        raise Refused("format", "fields")
    if b["chain"]["suite"] != "intl":
        raise Refused("format", "this verifier knows the intl suite only")
    g = b["genesis"]
    chain = Chain.from_genesis(pinned, g["header"], g["validators"])
    if b["chain"]["genesis_hash"] != pinned or b["chain"]["chain_id"] != chain.chain_id:
        raise Refused("genesis", "chain section differs")
    for c in b["validator_changes"]:
        chain.add_change(c["header"], c["qc"], c["validators"])
    sections = [b] if "anchor" in b else b["records"]
    if not 0 < len(sections) <= 256:
        raise Refused("format", "1-256 records")
    out, named = [], []
    for sec in sections:
        if sec is not b and set(sec) != {"anchor", "state", "record"}:
            raise Refused("format", "record fields")
        record, kind, doc_hash = verify_record(chain, sec)
        out.append(record)
        if doc_hash is not None:
            named.append((kind, doc_hash))
    if document is not None:
        if len(out) == 1 and named and named[0][0] == "evidence":
            if H(document) != named[0][1]:
                raise Refused("document", "does not match")
        elif H(document) not in [d for _, d in named]:
            raise Refused("document", "no record names it")
    return out


def verify_record(chain: Chain, sec: dict[str, Any]) -> tuple[dict[str, Any], str, bytes | None]:
    """One record: ``(record, kind, the document hash it names or None)``."""
    a, s = sec["anchor"], sec["state"]
    chain.certify(a["header"], a["qc"])
    chain.certify(s["header"], s["qc"])
    if s["header"]["height"] < a["header"]["height"]:
        raise Refused("state", "older than the anchor")
    ah = a["header"]
    if merkle_root_from_path(a["tx"], a["index"], ah["tx_count"], a["proof"]) != ah["tx_root"]:
        raise Refused("inclusion", "transaction not under tx_root")
    th, tx = tx_hash(a["tx"])
    receipt = encode(a["receipt"])
    rroot = merkle_root_from_path(receipt, a["index"], ah["tx_count"], a["receipt_proof"])
    if rroot != ah["receipts_root"]:
        raise Refused("inclusion", "receipt not under receipts_root")
    if a["receipt"]["tx_hash"] != th or a["receipt"]["status"] != "ok":
        raise Refused("receipt", "not this transaction's success")
    body = tx["body"]
    if body["chain_id"] != chain.chain_id:
        raise Refused("transaction", "not of this chain")
    if body["kind"] == "evidence.anchor":
        doc_hash = body["payload"]["doc_hash"]
        key = b"evidence/" + doc_hash
    elif body["kind"] == "contract.call":
        doc_hash = None
        prefix = b"contract/" + body["payload"]["contract"].encode() + b"/s/"
        key = s["key"]
        if not (key.startswith(prefix) and len(key) > len(prefix)):
            raise Refused("state", "not a key of the called contract")
    else:
        raise Refused("transaction", "not an evidence anchor or a contract call")
    if s["key"] != key:
        raise Refused("state", "another key")
    if state_root_from_proof(key, s["value"], s["proof"]) != s["header"]["state_root"]:
        raise Refused("state proof", "does not lead to state_root")
    record = decode(s["value"])
    if encode(sec["record"]) != s["value"]:
        raise Refused("record", "differs from the proven value")
    written = record.get("tx_hash")
    if body["kind"] == "contract.call" and isinstance(written, str):
        written = bytes.fromhex(written) if re.fullmatch("[0-9a-f]{64}", written) else b""
    if written != th or record.get("height") != ah["height"]:
        raise Refused("record", "does not point at the anchoring transaction")
    if body["kind"] == "contract.call":
        named = record.get("doc_hash")
        named = named if isinstance(named, bytes) and len(named) == 32 else None
        return record, "contract", named
    return record, "evidence", doc_hash


# -- a node's API (docs/verifying.md, "From a node's API") --------------------------------------


Get = Callable[..., Any]


def chain_from_api(get: Get, pinned: bytes) -> Chain:
    """Genesis from /v1/blocks/0 and /v1/validators/changes, then each change's block."""
    g = get("/v1/blocks/0")
    changes = get("/v1/validators/changes")["changes"]
    if changes[0]["effective_height"] != 0:
        raise Refused("genesis", "changes do not start at 0")
    genesis_set = valset_from_api(changes[0]["validators"])
    if valset_from_api(g["validators"]) != genesis_set:
        raise Refused("genesis", "/v1/blocks/0 and the changes disagree on the genesis set")
    chain = Chain.from_genesis(pinned, header_from_api(g["header"]), genesis_set)
    for c in changes[1:]:
        e = c["effective_height"]
        blk = get(f"/v1/blocks/{e - 1}")
        chain.add_change(
            header_from_api(blk["header"]), qc_from_api(blk["qc"]), valset_from_api(c["validators"])
        )
    return chain


def certified_block_from_api(get: Get, chain: Chain, height: int) -> dict[str, Any]:
    blk = get(f"/v1/blocks/{height}", txs="true")
    header = header_from_api(blk["header"])
    bh = chain.certify(header, None if blk["qc"] is None else qc_from_api(blk["qc"]))
    if unhex(blk["hash"]) != bh:
        raise Refused("header", "hash differs")
    txs = [unhex(t) for t in blk["txs"]]
    if len(txs) != header["tx_count"] or merkle_root(txs) != header["tx_root"]:
        raise Refused("inclusion", "transactions do not make tx_root")
    if [tx_hash(t)[0].hex() for t in txs] != blk["tx_hashes"]:
        raise Refused("transaction", "tx_hashes differ")
    if valset_from_api(blk["validators"]) != chain.set_at(height)[0]:
        raise Refused("validator set", "the block's validators are not the set in force")
    return header


def tx_from_api(get: Get, chain: Chain, tx_hash_hex: str) -> dict[str, Any]:
    p = get(f"/v1/txs/{tx_hash_hex}/proof")
    header = header_from_api(p["header"])
    chain.certify(header, qc_from_api(p["qc"]))
    wire = unhex(p["tx"])
    root = merkle_root_from_path(
        wire, p["index"], header["tx_count"], [unhex(x) for x in p["proof"]]
    )
    if root != header["tx_root"]:
        raise Refused("inclusion", "transaction not under tx_root")
    th, tx = tx_hash(wire)
    if th.hex() != tx_hash_hex:
        raise Refused("transaction", "another hash")
    receipt_bytes = unhex(p["receipt_bytes"])
    path = [unhex(x) for x in p["receipt_proof"]]
    if (
        merkle_root_from_path(receipt_bytes, p["index"], header["tx_count"], path)
        != header["receipts_root"]
    ):
        raise Refused("inclusion", "receipt not under receipts_root")
    receipt = decode(receipt_bytes)
    if receipt["tx_hash"] != th:
        raise Refused("receipt", "another transaction's")
    # /v1/txs/{hash} shows the same transaction under the canonical names
    shown = get(f"/v1/txs/{tx_hash_hex}")["tx"]
    body = tx["body"]
    if (
        shown["sender"] != body["sender"].hex()
        or shown["sig"] != tx["sig"].hex()
        or from_file_json(shown["payload"]) != body["payload"]
        or [shown[k] for k in ("chain_id", "nonce", "expiry", "kind")]
        != [body[k] for k in ("chain_id", "nonce", "expiry", "kind")]
    ):
        raise Refused("transaction", "/v1/txs shows another transaction")
    return {"tx": tx, "receipt": receipt, "height": header["height"]}


def state_from_api(get: Get, chain: Chain, key: bytes, height: int | None = None) -> bytes | None:
    params = {"prove": "true"} if height is None else {"prove": "true", "height": str(height)}
    d = get(f"/v1/state/{key.hex()}", **params)
    header = header_from_api(d["header"])
    chain.certify(header, None if d["qc"] is None else qc_from_api(d["qc"]))
    if valset_from_api(d["validators"]) != chain.set_at(header["height"])[0]:
        raise Refused("validator set", "the answer's validators are not the set in force")
    value = None if d["value"] is None else unhex(d["value"])
    leaf = d["proof"]["leaf"]
    proof = {
        "leaf": None if leaf is None else [unhex(x) for x in leaf],
        "siblings": [unhex(x) for x in d["proof"]["siblings"]],
    }
    if state_root_from_proof(key, value, proof) != header["state_root"]:
        raise Refused("state proof", "does not lead to state_root")
    return value
