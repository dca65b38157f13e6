"""Validators' equivocation evidence recorded on chain (``consensus.evidence``):

* ``GET /v1/consensus/evidence`` — ``{evidence: [...], offenders: [...], height}``: every record,
  the most recently recorded first, and per offending validator its count, heights and the
  governance proposal about it (with that proposal's status now);
* ``GET /v1/consensus/evidence/{id}`` — one record (``id``: the offence id, 64 hex digits);
* ``GET /v1/consensus/evidence/{id}/bundle`` — its ``wuyi-proof-bundle/2`` (JSON form), checked
  offline by ``wuyi verify`` like a document's bundle.

A record renders bytes as hex and addresses in the chain's address form; ``first`` and
``second`` are the two signed messages (see ``wuyi.consensus.evidence``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from wuyi.api.routes import record_reads
from wuyi.api.wire import hexify, parse_hex
from wuyi.crypto import format_address
from wuyi.ledger.handlers.governance import get_proposal, get_proposal_status
from wuyi.ledger.jsonform import to_json
from wuyi.node.misbehaviour import evidence_bundle, get_evidence, list_evidence, list_offenders
from wuyi.node.node import Node

__all__ = ["add_misbehaviour_routes", "render_evidence"]


def render_evidence(rec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = hexify(rec)
    out["offender_address"] = format_address(rec["offender_address"])
    out["submitter"] = format_address(rec["submitter"])
    return out


def add_misbehaviour_routes(r: APIRouter, node: Node) -> None:
    get = record_reads(r, "chain")

    @get("/consensus/evidence", "验证节点违规证据 / validators' equivocation evidence on chain")
    def evidence_list(limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        height = node.height
        offenders = []
        for o in list_offenders(node):
            row = hexify(o)
            pid = o.get("proposal")
            rec = None if pid is None else get_proposal(node.store, pid)
            row["proposal_status"] = None if rec is None else get_proposal_status(rec, height)
            offenders.append(row)
        return {
            "evidence": [render_evidence(x) for x in list_evidence(node)[:limit]],
            "offenders": offenders,
            "height": height,
        }

    @get("/consensus/evidence/{evidence_id}", "违规证据 / one equivocation record")
    def evidence_one(evidence_id: str) -> dict[str, Any]:
        return render_evidence(get_evidence(node, parse_hex(evidence_id, "id", length=32)))

    @get(
        "/consensus/evidence/{evidence_id}/bundle",
        "违规证据证明包 / its proof bundle (wuyi-proof-bundle/2, JSON form)",
        response_description='the bundle; bytes as {"$bytes": hex}; check with `wuyi verify`',
    )
    def evidence_bundle_route(evidence_id: str) -> dict[str, Any]:
        out: dict[str, Any] = to_json(
            evidence_bundle(node, parse_hex(evidence_id, "id", length=32))
        )
        return out
