"""消费维权 routes (``/v1/consumer/...``). Reads only: writes are signed ``contract.call``
transactions (:mod:`.sdk`).

Public (what concerns merchants, never a consumer): the merchant credit view (one or all,
with filters), a merchant's reconciliations (对账) and custody movements, the regulator's
dashboard (totals), the alerts.

The prepaid contracts and complaints name their consumers (DIDs), what they bought and what
they complained of: the contract and complaint routes are **signed reads** (``wuyi.api.reads``)
of the parties themselves (the consumer's or the merchant's DID key), of 市场监管局 (members of
the regulator organisation with the role ``regulator``), of the custody banks (members of an
organisation in ``custody_banks`` with the role ``custody``; for one contract or complaint, the
merchant's own bank) and of auditors, each read in the node's access log.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.reads import Allow, any_citizen, citizen, member_of, signed_read
from wuyi.api.scenarios import (
    ItemPage,
    Record,
    ScenarioReader,
    SignedRead,
    add_id_route,
    add_record_route,
    check_did,
    group_router,
    id_path,
    reading,
    signed_get,
)
from wuyi.api.wire import hexify
from wuyi.node.node import Node

__all__ = ["router"]

CONTRACT = "consumer"
MERCHANT = "the merchant's DID"


class Dashboard(BaseModel):
    """The regulator's totals (``consumer.dashboard``)."""

    merchants: int
    on_alert: int
    ratings: dict[str, int]
    statuses: dict[str, int]
    complaints: dict[str, int]
    contracts: dict[str, int]
    custody: int
    liabilities: int
    deposit: int
    accepted_on_time: int
    accepted_late: int
    first_pays: int
    height: int
    time: int


def _merchant(s: ScenarioReader, did: str) -> dict[str, Any]:
    check_did(did)
    return s.record(CONTRACT, "merchant/" + did, f"no merchant '{did}'", "did")


def _reconciliations(
    _request: Request, s: ScenarioReader, did: str, limit: int, cursor: str | None
) -> Any:
    """The bank's balances and the merchant's ledgers, each against the chain's custody
    figure and unconsumed prepayments at that block, with the differences and verdict."""
    _merchant(s, did)
    return s.newest_items(CONTRACT, f"recon/{did}/", limit=limit, cursor=cursor, key="n")


def _custody_ledger(
    _request: Request, s: ScenarioReader, did: str, limit: int, cursor: str | None
) -> Any:
    """Withdrawals, top-ups, deposits, corrections and 先行赔付 payments recorded by the
    custody bank, with the figures after each."""
    _merchant(s, did)
    items = [{"n": int(k.rsplit("/", 1)[-1]), **v} for k, v in s.items(CONTRACT, f"ledger/{did}/")]
    return s.newest_page(items[::-1], limit=limit, cursor=cursor, key="n")


def _regulator(s: ScenarioReader) -> Allow:
    """市场监管局: members of the contract's regulator organisation with the role regulator."""
    return s.configured(CONTRACT, "regulator", "regulator")


def _banks(s: ScenarioReader, merchant: str | None = None) -> Allow:
    """The custody banks (role custody): ``merchant``'s own bank, or every bank in
    ``custody_banks``."""
    if merchant is not None:
        m = s.get(CONTRACT, "merchant/" + merchant)
        banks = [str(m["bank"])] if m is not None else []
    else:
        banks = [str(b) for b in s.view(CONTRACT, "param", name="custody_banks")["value"]]
    return member_of(*banks, roles=("custody",))


def _parties(s: ScenarioReader, rec: dict[str, Any]) -> tuple[list[Allow], str]:
    """Who may read a contract or complaint ``rec`` (and whose it is): its parties (DID
    keys), the regulator, the custody bank(s), auditors."""
    dids = [p for p in (str(rec["merchant"]), str(rec["consumer"])) if p]
    merchant = dids[0] if dids else None
    return [any_citizen(dids), _regulator(s), _banks(s, merchant)], ",".join(dids)


def lists_of(
    request: Request,
    s: ScenarioReader,
    what: str,
    record: str,
    merchant: str | None,
    consumer: str | None,
) -> None:
    """A list: the consumer or merchant it is filtered by (their own), the regulator, the
    custody banks (of ``merchant`` when given), auditors; logged."""
    allow = [_regulator(s), _banks(s, merchant)]
    if consumer is not None:
        allow.append(citizen(consumer))
    elif merchant is not None:
        allow.append(citizen(merchant))
    whose = consumer or merchant or ""
    signed_read(
        request,
        what + (f" of {whose}" if whose else ""),
        f"consumer/{record}/{whose or '*'}",
        allow,
        consumer or "",
    )


def _party_page(
    s: ScenarioReader,
    prefix: str,
    index: str,
    merchant: str | None,
    consumer: str | None,
    status: str | None,
    page: tuple[int, str | None],
) -> Any:
    """The records ``<prefix><id>`` (contracts, complaints), newest first, of ``consumer``
    (index ``<index>consumer/<did>/``), else of ``merchant``, else all; in ``status``."""
    if consumer is not None:
        by: str | None = f"{index}consumer/{check_did(consumer, 'consumer')}/"
    elif merchant is not None:
        by = f"{index}merchant/{check_did(merchant, 'merchant')}/"
    else:
        by = None
    limit, cursor = page
    return s.newest_of(
        CONTRACT,
        prefix,
        by,
        keep=lambda c: merchant in (None, c["merchant"]) and status in (None, c["status"]),
        limit=limit,
        cursor=cursor,
    )


def router(node: Node) -> APIRouter:
    return group_router("/consumer", node, _merchant_routes, _desk_routes, _complaint_routes)


def _merchant_routes(r: APIRouter, node: Node) -> None:
    """The merchant credit view, its reconciliations and custody ledger."""

    @r.get("/merchants", response_model=ItemPage, summary="商户信用 / the merchant credit view")
    def merchants(
        industry: str | None = Query(None, max_length=32, description="only this industry"),
        district: str | None = Query(None, max_length=6, description="only this district code"),
        rating: Literal["good", "watch", "warning"] | None = Query(
            None, description="only this rating"
        ),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Every registered merchant: registered facts, commitments (无理由退货, 先行赔付),
        custody against unconsumed prepayments, alert state, reconciliation, complaints and
        their outcomes, a rating (``good``, ``watch``, ``warning``). Nothing about consumers."""
        with reading(node, CONTRACT) as s:
            wanted = [
                c
                for c in s.view(CONTRACT, "credits")
                if industry in (None, c["industry"])
                and district in (None, c["district"])
                and rating in (None, c["rating"])
            ]
            return s.page(wanted, limit=limit, cursor=cursor, key=lambda c: c["did"])

    @r.get("/merchants/{did}", response_model=Record, summary="商户信用 / one merchant's credit")
    def merchant(did: str = id_path(MERCHANT)) -> Any:
        with reading(node, CONTRACT) as s:
            _merchant(s, did)
            return hexify({**s.view(CONTRACT, "credit", did=did), "height": s.height})

    for path, operation, page, summary in (
        ("/reconciliations", "reconciliations", _reconciliations,
         "对账记录 / a merchant's reconciliations, newest first"),
        ("/ledger", "custody_ledger", _custody_ledger,
         "存管账户变动 / a merchant's custody movements, newest first"),
    ):  # fmt: skip
        add_id_route(
            r, node, "/merchants/{did}" + path, CONTRACT, help=MERCHANT, summary=summary,
            operation=operation, answer=page, doc=page.__doc__, paged=True,
        )  # fmt: skip


def _desk_routes(r: APIRouter, node: Node) -> None:
    """The regulator's totals and alerts; the prepaid contracts (signed reads)."""

    @r.get("/dashboard", response_model=Dashboard, summary="监管总览 / the regulator's totals")
    def dashboard() -> Any:
        with reading(node, CONTRACT) as s:
            return s.totals(CONTRACT, "dashboard")

    @r.get("/alerts", response_model=ItemPage, summary="预警 / alerts on merchants, newest first")
    def alerts(
        status: Literal["open", "cleared"] | None = Query(None, description="open or cleared"),
        merchant: str | None = Query(None, max_length=128, description=MERCHANT),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Raised when a merchant's custody falls short of its ratio, a reconciliation finds
        the bank's or the merchant's figures apart from the chain's, or a refund is owed."""
        with reading(node, CONTRACT) as s:
            items = [
                a
                for _, a in s.items(CONTRACT, "alert/")
                if merchant in (None, a["merchant"])
                and status in (None, "open" if a["cleared"] is None else "cleared")
            ]
            items.reverse()
            return s.newest_page(items, limit=limit, cursor=cursor)

    @signed_get(r, "/contracts", ItemPage, "预付合同 / prepaid contracts")
    def contracts(
        request: Request,
        merchant: str | None = Query(None, max_length=128, description=MERCHANT),
        consumer: str | None = Query(None, max_length=128, description="the consumer's DID"),
        status: Literal["offered", "signed", "active", "completed", "cancelled"] | None = Query(
            None, description="only this status"
        ),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """A merchant's or a consumer's contracts (or all), newest first. Signed read: the
        consumer (``consumer=`` their DID), the merchant (``merchant=`` its DID), the regulator,
        the custody banks, auditors."""
        with reading(node, CONTRACT) as s:
            lists_of(request, s, "the prepaid contracts", "contracts", merchant, consumer)
            return _party_page(s, "pc/", "by_", merchant, consumer, status, (limit, cursor))

    @signed_get(
        r,
        "/contracts/{contract_id}",
        Record,
        "预付合同 / a prepaid contract with its trace and consumptions",
    )
    def contract(request: Request, contract_id: str = id_path("contract id, e.g. YF000001")) -> Any:
        """Signed read: its consumer and merchant, the regulator, the merchant's custody bank,
        auditors."""
        with reading(node, CONTRACT) as s:
            c = s.record(
                CONTRACT, "pc/" + contract_id, f"no prepaid contract '{contract_id}'", "contract_id"
            )
            what = f"prepaid contract {contract_id}"
            signed_read(request, what, f"consumer/contract/{contract_id}", *_parties(s, c))
            uses = [v for _, v in s.items(CONTRACT, f"use/{contract_id}/")]
            return hexify({**c, "consumptions": uses, "height": s.height})


def _complaint_routes(r: APIRouter, node: Node) -> None:
    """Complaints (signed reads)."""

    @signed_get(r, "/complaints", ItemPage, "投诉 / complaints, newest first")
    def complaints(
        request: Request,
        status: Literal["received", "accepted", "rejected", "agreed", "failed", "terminated"]
        | None = Query(None, description="only this status"),
        merchant: str | None = Query(None, max_length=128, description=MERCHANT),
        consumer: str | None = Query(None, max_length=128, description="the consumer's DID"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Complaints with their deadlines (decision within ``accept_days``, mediation within
        ``mediation_days`` working days) and every step. Signed read: the consumer
        (``consumer=``), the merchant (``merchant=``), the regulator, the custody banks,
        auditors."""
        with reading(node, CONTRACT) as s:
            lists_of(request, s, "the complaints", "complaints", merchant, consumer)
            return _party_page(s, "cp/", "cp_by_", merchant, consumer, status, (limit, cursor))

    add_record_route(
        r, node, "/complaints/{complaint_id}", CONTRACT, "cp/", operation="complaint",
        summary="投诉 / one complaint", height=True,
        missing="no complaint '{id}'", help="complaint id, e.g. TS000001",
        signed=SignedRead("complaint {id}", "consumer/complaint/{id}", _parties),
        doc="""Signed read: its consumer and merchant, the regulator, the merchant's custody bank
        (it pays 先行赔付), auditors.""",
    )  # fmt: skip
