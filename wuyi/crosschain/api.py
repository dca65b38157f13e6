"""REST routes of cross-chain recognition (``/v1/xchain/...``), read-only: transactions go
through ``POST /v1/txs`` like every other kind.

* ``GET /v1/xchain/clients`` — this chain's clients of other chains, each with its status
  (``active``, ``frozen``, ``expired``, ``retired``), latest height, the age of its latest
  header against the trusting period (``expires_in_ms``, ``near_expiry``: less than a third
  of the period left) and its recognitions;
* ``GET /v1/xchain/clients/{chain_id}`` — one client with its latest consensus states, the
  misbehaviour that froze it, and recognitions per day (last 30 days);
* ``GET /v1/xchain/clients/{chain_id}/consensus/{height}`` — one consensus state;
* ``GET /v1/xchain/recognitions`` (``client=``, ``limit=``) and ``/recognitions/{id}``;
* ``GET /v1/xchain/packets/sent`` / ``/packets/received`` (``chain=``) — the effects tier;
* ``GET /v1/xchain/chains`` and ``/chains/{chain_id}`` — the chain registry.

Ages are measured against the later of the node's clock and its last block time: a client
expires when a block's time passes its trusting period, and the next block's time is about
now.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Path, Query

from wuyi.api.problems import PROBLEMS
from wuyi.api.routes import record_reads
from wuyi.api.wire import hexify, parse_hex
from wuyi.crosschain import store
from wuyi.crosschain.client import ClientState, client_status
from wuyi.crypto import format_address
from wuyi.encoding import decode_trusted, encode
from wuyi.exceptions import NotFound
from wuyi.ledger.jsonform import to_json
from wuyi.node.node import Node

__all__ = ["add_xchain_routes", "render_client"]

NEAR_EXPIRY_FRACTION = 3
"""A client is near expiry when less than 1/3 of its trusting period is left."""

for _code, _doc in {
    "xchain_refused": "Another chain's header, fact or packet is refused (wuyi.crosschain).",
    "bad_header": "A light-client update breaks a rule of the client (detail `rule`).",
    "client_frozen": "The client is frozen by misbehaviour evidence; governance recovers it.",
    "client_expired": "The client's latest header is older than its trusting period.",
    "path_not_allowed": "The fact's key is outside what this chain may recognise.",
    "stale_fact": "A status fact proven at a height older than its maximum age.",
    "packet_refused": "A packet replayed, timed out, not yet timed out or unknown (`reason`).",
}.items():
    PROBLEMS.setdefault(_code, (400, _doc))


def _text(prefix: bytes) -> str:
    return prefix.decode("utf-8", errors="replace")


def render_client(
    client: ClientState, latest: Any, now_ms: int, *, full: bool = False
) -> dict[str, Any]:
    period = client.options.trusting_period_ms
    age = None if latest is None else max(0, now_ms - latest.time)
    left = None if age is None else period - age
    out: dict[str, Any] = {
        "chain_id": client.chain_id,
        "name": client.name,
        "suite": client.suite,
        "genesis_hash": client.genesis_hash.hex(),
        "status": client_status(client, latest, now_ms),
        "latest_height": client.latest_height,
        "latest_time": None if latest is None else latest.time,
        "age_ms": age,
        "trusting_period_ms": period,
        "expires_in_ms": None if left is None else max(0, left),
        "near_expiry": left is not None and left < period // NEAR_EXPIRY_FRACTION,
        "max_clock_drift_ms": client.options.max_clock_drift_ms,
        "trust_level": [client.options.trust_numerator, client.options.trust_denominator],
        "delay_period_ms": client.delay_period_ms,
        "frozen": client.frozen,
        "recognitions": client.recognitions,
        "recoveries": client.recoveries,
        "allowed_prefixes": [_text(p) for p in client.allowed_prefixes],
        "facts": {
            k: {"prefix": _text(v.prefix), "max_age_ms": v.max_age_ms, "description": v.description}
            for k, v in sorted(client.facts.items())
        },
        "ports": list(client.ports),
        "created_height": client.created_height,
        "updated_height": client.updated_height,
    }
    if full:
        out["proof_spec"] = hexify(client.proof_spec.to_obj())
        out["genesis"] = hexify(
            {
                "header": client.genesis_header.to_obj(),
                "validators": client.genesis_validators.to_obj(),
            }
        )
    return out


def render_record(rec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = hexify(rec)
    out["key_text"] = _text(rec["key"])
    out["relayer"] = format_address(rec["relayer"])
    return out


def _now(node: Node) -> int:
    with node.store.snapshot() as v:
        last = v.get_header(v.height).time
    return max(int(time.time() * 1000), last)


def _per_day(node: Node, chain_id: str, now_ms: int, days: int = 30) -> list[dict[str, Any]]:
    today = now_ms // store.DAY_MS
    out = []
    for d in range(today - days + 1, today + 1):
        raw = node.store.get(store.day_key(chain_id, d * store.DAY_MS))
        out.append({"day": d * store.DAY_MS, "count": 0 if raw is None else decode_trusted(raw)})
    return out


def add_xchain_routes(r: APIRouter, node: Node) -> None:
    get = record_reads(r, "xchain")  # every read of the cross-chain state answers a record

    @get("/xchain/clients", "跨链客户端 / this chain's light clients of other chains")
    def clients() -> dict[str, Any]:
        now = _now(node)
        out = []
        for c in store.list_clients(node.store):
            latest = store.get_consensus(node.store, c.chain_id, c.latest_height)
            out.append(render_client(c, latest, now))
        return {"chain_id": node.chain.chain_id, "now": now, "clients": out}

    @get(
        "/xchain/clients/{chain_id}",
        "跨链客户端详情 / one client: consensus states, misbehaviour, per day",
    )
    def client(chain_id: str, states: int = Query(20, ge=1, le=200)) -> dict[str, Any]:
        c = store.load_client(node.store, chain_id)
        now = _now(node)
        latest = store.get_consensus(node.store, chain_id, c.latest_height)
        out = render_client(c, latest, now, full=True)
        css = list(store.iter_consensus(node.store, chain_id))[-states:]
        out["consensus_states"] = [hexify(cs.to_obj()) for cs in reversed(css)]
        prefix = store.MISB_PREFIX + chain_id.encode() + b"/"
        out["misbehaviour"] = []
        for _, v in node.store.iter_prefix(prefix):
            ev = decode_trusted(v)
            row = dict(hexify(ev))
            row["submitter"] = format_address(ev["submitter"])
            out["misbehaviour"].append(row)
        out["per_day"] = _per_day(node, chain_id, now)
        return out

    @get(
        "/xchain/clients/{chain_id}/consensus/{height}",
        "共识状态 / what this chain trusts of another chain at a height",
    )
    def consensus(chain_id: str, height: int = Path(ge=0, le=2**63 - 1)) -> dict[str, Any]:
        store.load_client(node.store, chain_id)
        cs = store.get_consensus(node.store, chain_id, height)
        if cs is None:
            raise NotFound(f"no consensus state of '{chain_id}' at height {height}")
        return dict(hexify(cs.to_obj()))

    @get("/xchain/recognitions", "跨链互认记录 / recognition records, newest first")
    def recognitions(
        client: str | None = Query(None, max_length=48),
        limit: int = Query(50, ge=1, le=500),
    ) -> dict[str, Any]:
        prefix = store.RECS_PREFIX + (client.encode() + b"/" if client else b"")
        ids = [v for _, v in node.store.iter_prefix(prefix)]
        out = []
        for rid in reversed(ids[-limit:] if client else ids):
            raw = node.store.get(store.record_key(rid))
            if raw is not None:
                out.append(render_record(decode_trusted(raw)))
        out.sort(key=lambda x: x["recognised_height"], reverse=True)
        return {"records": out[:limit]}

    @get("/xchain/recognitions/{record_id}", "互认记录 / one recognition record")
    def recognition(record_id: str) -> dict[str, Any]:
        rid = parse_hex(record_id, "record_id", length=16)
        raw = node.store.get(store.record_key(rid))
        if raw is None:
            raise NotFound(f"no recognition record {record_id}")
        return render_record(decode_trusted(raw))

    def _packets(prefix: bytes, chain: str | None, limit: int) -> list[dict[str, Any]]:
        p = prefix + (chain.encode() + b"/" if chain else b"")
        out = []
        for _, v in list(node.store.iter_prefix(p))[-limit:][::-1]:
            row = decode_trusted(v)
            shown = dict(hexify(row))
            if "packet" in row:  # a sent packet: its canonical bytes, for relays
                shown["packet_cbor"] = encode(row["packet"]).hex()
            out.append(shown)
        return out

    @get("/xchain/packets/sent", "已发送跨链数据包 / packets this chain sent, newest first")
    def sent(
        chain: str | None = Query(None, max_length=48), limit: int = Query(50, ge=1, le=500)
    ) -> dict[str, Any]:
        return {"packets": _packets(store.SENT_PREFIX, chain, limit)}

    @get(
        "/xchain/packets/received",
        "已接收跨链数据包 / packets this chain received (receipts), newest first",
    )
    def received(
        chain: str | None = Query(None, max_length=48), limit: int = Query(50, ge=1, le=500)
    ) -> dict[str, Any]:
        return {"packets": _packets(store.RECEIPT_PREFIX, chain, limit)}

    @get("/xchain/chains", "链目录 / the chain registry (descriptors of every chain)")
    def chains() -> dict[str, Any]:
        rows = [
            dict(hexify(decode_trusted(v))) for _, v in node.store.iter_prefix(store.CHAIN_PREFIX)
        ]
        return {"chain_id": node.chain.chain_id, "chains": rows}

    @get("/xchain/chains/{chain_id}", "链描述 / one chain's registry entry")
    def chain(
        chain_id: str,
        form: str = Query("api", pattern="^(api|file)$", description="file: bytes as $bytes"),
    ) -> dict[str, Any]:
        raw = node.store.get(store.chain_key(chain_id))
        if raw is None:
            raise NotFound(f"chain '{chain_id}' is not in this registry")
        entry = decode_trusted(raw)
        return dict(to_json(entry) if form == "file" else hexify(entry))
