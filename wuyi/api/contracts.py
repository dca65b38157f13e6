"""API routes for contracts (lifecycle, ABI, source, read-only queries, state) and governance
(proposals and votes). Writes are signed transactions posted to ``/v1/txs``; everything here
reads committed state and needs no key.

Values in and out of contracts use the JSON form of :mod:`wuyi.ledger.jsonform`: byte strings
are ``{"$bytes": "<hex>"}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from wuyi.api import models as m
from wuyi.api.paging import CURSOR, limit_query, paginate
from wuyi.api.reads import SIGNED_READ_RESPONSES, Reads
from wuyi.encoding import decode_trusted
from wuyi.exceptions import NotFound, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.contracts import (
    get_contract,
    get_contract_source,
    get_pending_call,
    list_contracts,
    query_contract,
    state_prefix,
)
from wuyi.ledger.handlers.governance import get_proposal, get_proposal_status
from wuyi.ledger.jsonform import from_json, to_json
from wuyi.node.node import Node

__all__ = ["add_contract_routes"]

MAX_QUERY_GAS = 10_000_000
MAX_ID = 2**63 - 1  # ids are stored as 8-byte big-endian keys


class QueryIn(BaseModel):
    method: str = Field(description="a read-only (@view) method of the contract")
    args: dict[str, Any] = Field(default_factory=dict, description="arguments by name")
    caller: str | None = Field(None, description="address to present as ctx.sender (optional)")


def _render_meta(meta: dict[str, Any], *, full: bool) -> dict[str, Any]:
    out = {
        "name": meta["name"],
        "version": meta["version"],
        "status": meta["status"],
        "code_hash": meta["code_hash"].hex(),
        "deployed_height": meta["deployed_height"],
        "updated_height": meta["updated_height"],
        "description": meta.get("manifest", {}).get("description", ""),
    }
    if full:
        out["abi"] = to_json(meta["abi"])
        out["roles"] = meta.get("roles", [])
        out["manifest"] = to_json(meta.get("manifest", {}))
        out["history"] = [
            {k: (v.hex() if isinstance(v, bytes) else v) for k, v in h.items()}
            for h in meta["history"]
        ]
    return out


def _render_proposal(rec: dict[str, Any], height: int) -> dict[str, Any]:
    out = to_json(rec)
    out["status"] = get_proposal_status(rec, height)
    out["proposer"] = rec["proposer"].hex() if isinstance(rec["proposer"], bytes) else None
    return dict(out)


def add_contract_routes(r: APIRouter, node: Node, reads: Reads | None = None) -> None:
    def explorer(request: Request, what: str, record: str, body: bytes = b"") -> None:
        if reads is not None:  # a personal contract's state is signed even on a public explorer
            name = record.split("/")[1] if record.startswith("contract/") else None
            reads.explorer(request, what, record, body, contract=name)

    @r.get(
        "/contracts",
        response_model=m.ContractList,
        tags=["contracts"],
        summary="合约列表 / contracts",
    )
    def contracts(
        status: str | None = Query(None, max_length=32, description="active|frozen|retired"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with node.store.snapshot() as v:
            metas = list_contracts(v)
        items = [_render_meta(x, full=False) for x in metas if status in (None, x["status"])]
        page, nxt = paginate(items, limit=limit, cursor=cursor, key=lambda c: c["name"])
        return {"contracts": page, "next": nxt}

    @r.get(
        "/contracts/{name}",
        response_model=m.ContractDetail,
        tags=["contracts"],
        summary="合约 / a contract, ABI, history",
    )
    def contract(name: str) -> Any:
        with node.store.snapshot() as v:
            return _render_meta(get_contract(v, name), full=True)

    @r.get(
        "/contracts/{name}/source",
        response_model=m.ContractSource,
        tags=["contracts"],
        summary="合约源码 / source",
    )
    def contract_source(name: str, version: str | None = None) -> Any:
        with node.store.snapshot() as v:
            code = get_contract_source(v, name, version)
            meta = get_contract(v, name)
        return {
            "name": name,
            "version": version or meta["version"],
            "source": code["source"],
            "manifest": to_json(code["manifest"]),
            "code_hash": code["code_hash"].hex(),
        }

    @r.get(
        "/contracts/{name}/state",
        response_model=m.ContractState,
        responses=SIGNED_READ_RESPONSES,
        tags=["contracts"],
        summary="合约状态 / contract state",
    )
    def contract_state(
        request: Request,
        name: str,
        prefix: str = Query("", description="key prefix"),
        limit: int = Query(50, ge=1, le=500),
        cursor: str | None = CURSOR,
    ) -> Any:
        explorer(request, f"the state of contract {name}", f"contract/{name}/state")
        base = state_prefix(name)
        n = len(base)
        with node.store.snapshot() as v:
            get_contract(v, name)
            page, nxt = paginate(
                v.iter_prefix(base + prefix.encode()),
                limit=limit,
                cursor=cursor,
                key=lambda kv: kv[0].hex(),
            )
            out = [
                {
                    "key": k[n:].decode(errors="replace"),
                    "value": to_json(decode_trusted(raw)),
                    "state_key": k.hex(),
                }
                for k, raw in page
            ]
        return {"name": name, "entries": out, "height": node.height, "next": nxt}

    _add_query_route(r, node, reads)
    _add_proposal_routes(r, node, reads)


def _add_query_route(r: APIRouter, node: Node, reads: Reads | None) -> None:
    """``POST /contracts/{name}/query``: an explorer read (signed on a private explorer: the
    signature covers the JSON body)."""

    def explorer(request: Request, what: str, record: str, body: bytes = b"") -> None:
        if reads is not None:
            name = record.split("/")[1] if record.startswith("contract/") else None
            reads.explorer(request, what, record, body, contract=name)

    @r.post(
        "/contracts/{name}/query",
        response_model=m.QueryResult,
        responses=SIGNED_READ_RESPONSES,
        tags=["contracts"],
        summary="只读调用 / call a view",
    )
    async def contract_query(request: Request, name: str, body: QueryIn) -> Any:
        if reads is not None and (
            not reads.public_explorer or reads.personal_contract(name) is not None
        ):
            raw = await request.body()
            await run_in_threadpool(
                explorer, request, f"{name}.{body.method}", f"contract/{name}/query", raw
            )
        args = from_json(body.args)
        caller = None
        if body.caller:
            from wuyi.api.wire import parse_address

            caller = parse_address(body.caller)

        def run() -> dict[str, Any]:
            with node.store.snapshot() as v:
                height = v.height
                header = v.get_header(height)
                value, gas = query_contract(
                    node.chain,
                    v,
                    name,
                    body.method,
                    args,
                    height=height,
                    time=header.time,
                    gas_limit=MAX_QUERY_GAS,
                    caller=caller,
                )
            return {"value": to_json(value), "gas_used": gas, "height": height}

        return await run_in_threadpool(run)


def _add_proposal_routes(r: APIRouter, node: Node, reads: Reads | None = None) -> None:
    """Pending multi-party calls and governance proposals."""

    def explorer(request: Request, what: str, record: str) -> None:
        if reads is not None:
            reads.explorer(request, what, record)

    @r.get(
        "/contracts/-/calls/{call_id}",
        response_model=m.Record,
        responses=SIGNED_READ_RESPONSES,
        tags=["contracts"],
        summary="多方调用 / a pending multi-party call",
    )
    def pending_call(request: Request, call_id: int = Path(ge=0, le=MAX_ID)) -> Any:
        explorer(request, f"multi-party call {call_id}", f"contract/-/call/{call_id}")
        with node.store.snapshot() as v:
            rec = get_pending_call(v, call_id)
        if rec is None:
            raise NotFound(f"no multi-party call {call_id}")
        out = to_json(rec)
        out["signers"] = [s.hex() for s in rec["signers"]]
        return out

    @r.get(
        "/gov/proposals",
        response_model=m.ProposalList,
        tags=["governance"],
        summary="治理提案 / proposals, newest first",
    )
    def proposals(
        status: str | None = Query(
            None, max_length=32, description="open|executed|cancelled|rejected|expired"
        ),
        type: str | None = Query(
            None, max_length=64, description="action type, e.g. contract.deploy"
        ),
        limit: int = Query(50, ge=1, le=200),
        cursor: str | None = CURSOR,
    ) -> Any:
        with node.store.snapshot() as v:
            height = v.height
            items = list(v.iter_prefix(keys.GOV_PROPOSAL_PREFIX))

        def wanted() -> Any:
            for _, raw in reversed(items):
                rec = decode_trusted(raw)
                st = get_proposal_status(rec, height)
                if status in (None, st) and type in (None, rec["action"]["type"]):
                    yield rec

        page, nxt = paginate(
            wanted(), limit=limit, cursor=cursor, key=lambda rec: rec["id"], descending=True
        )
        out = []
        for rec in page:
            item = _render_proposal(rec, height)
            # the package source is long; the single-proposal route has it
            pkg = item["action"]["args"].get("package")
            if isinstance(pkg, dict) and "source" in pkg:
                pkg["source"] = f"({len(pkg['source'])} characters)"
            out.append(item)
        return {"proposals": out, "height": height, "next": nxt}

    @r.get(
        "/gov/proposals/{proposal_id}",
        response_model=m.Proposal,
        tags=["governance"],
        summary="提案 / a proposal",
    )
    def proposal(proposal_id: int = Path(ge=0, le=MAX_ID)) -> Any:
        if proposal_id < 1:
            raise ValidationError("proposal ids start at 1", field="proposal_id")
        with node.store.snapshot() as v:
            height = v.height
            rec = get_proposal(v, proposal_id)
        if rec is None:
            raise NotFound(f"no proposal {proposal_id}")
        return _render_proposal(rec, height)
