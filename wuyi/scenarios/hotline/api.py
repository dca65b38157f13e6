"""12345 热线 routes (``/v1/hotline/...``). Reads only: writes are signed ``contract.call``
transactions (:mod:`.sdk`).

Public (counts and departments, never a citizen): the board of department scores in tiers (all
time or one month) and the statistics of tickets by status, category, channel, district, matter
and month.

The tickets name their callers (a commitment, a DID when the citizen gave one) and what they
asked (a hash): the ticket routes are **signed reads** (``wuyi.api.reads``) of the citizen
themselves (their DID key), of the hotline centre (members of the ``centre`` organisation with
the role ``operator``), of the unit a ticket was dispatched to (role ``handler``) and of
auditors, each read in the node's access log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.reads import Allow, citizen, member_of, signed_read
from wuyi.api.scenarios import (
    ItemPage,
    ScenarioReader,
    add_id_route,
    check_did,
    reading,
    signed_get,
)
from wuyi.api.wire import hexify
from wuyi.node.node import Node

__all__ = ["router"]

CONTRACT = "hotline"


class Statistics(BaseModel):
    """The public statistics (``hotline.statistics``): counts only."""

    total: int
    status: dict[str, int]
    category: dict[str, int]
    channel: dict[str, int]
    district: dict[str, int]
    matter: dict[str, int]
    month: dict[str, int]
    results: dict[str, int]
    on_time: int
    late: int
    height: int
    time: int


class Scores(BaseModel):
    """The board of department scores (``hotline.scores``)."""

    period: str
    items: list[dict[str, Any]]
    height: int


def _centre(s: ScenarioReader) -> Allow:
    """The hotline centre: members of the contract's centre organisation with the role
    operator."""
    return s.configured(CONTRACT, "centre", "operator")


def router(node: Node) -> APIRouter:
    r = APIRouter(prefix="/hotline", tags=["scenarios"])

    @r.get("/scores", response_model=Scores, summary="部门评价 / department scores in tiers")
    def scores(
        period: str = Query("", pattern=r"^(\d{4}-\d{2})?$", description="a month YYYY-MM"),
    ) -> Any:
        """Every unit's sign-off, on-time, satisfaction, return and repeat rates (per mille),
        its score and tier (A/B/C/D; ``pending`` below the sample size), computed by the
        contract; in the order of the organisations' ids, not a ranking."""
        with reading(node, CONTRACT) as s:
            return {
                "period": period,
                "items": s.view(CONTRACT, "scores", period=period),
                "height": s.height,
            }

    @r.get("/statistics", response_model=Statistics, summary="公开统计 / public statistics")
    def statistics() -> Any:
        """Tickets by status, category, channel, district, matter and month received; answers
        on time and late; revisit results. Counts only."""
        with reading(node, CONTRACT) as s:
            return s.totals(CONTRACT, "statistics")

    @signed_get(r, "/tickets", ItemPage, "工单 / tickets, newest first")
    def tickets(
        request: Request,
        caller: str | None = Query(None, max_length=128, description="the citizen's DID"),
        dept: str | None = Query(None, max_length=32, description="the unit's organisation"),
        status: str | None = Query(None, max_length=20, description="only this status"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Tickets with their deadlines and every transition. Signed read: the citizen
        (``caller=`` their DID), the unit (``dept=`` its organisation, role handler), the
        centre's operators, auditors."""
        with reading(node, CONTRACT) as s:
            allow = [_centre(s)]
            if caller is not None:
                allow.append(citizen(check_did(caller, "caller")))
            elif dept is not None:
                allow.append(member_of(dept, roles=("handler",)))
            whose = caller or dept or ""
            signed_read(
                request,
                "the hotline tickets" + (f" of {whose}" if whose else ""),
                f"hotline/tickets/{whose or '*'}",
                allow,
                caller or "",
            )
            return s.newest_of(
                CONTRACT,
                "tk/",
                None if caller is None else f"by_caller/{caller}/",
                keep=lambda t: (
                    status in (None, t["status"])
                    and (dept is None or dept in [d["dept"] for d in t["dispatches"]])
                ),
                limit=limit,
                cursor=cursor,
            )

    add_id_route(
        r, node, "/tickets/{ticket_id}", CONTRACT, operation="ticket", personal=True,
        summary="工单 / one ticket with its transitions", help="ticket id, e.g. RX000001",
        answer=_ticket,
        doc="Signed read: its citizen, the units it was dispatched to, the centre, auditors. A\n"
        "merged ticket carries its master's status (``master_status``).",
    )  # fmt: skip
    return r


def _ticket(request: Request, s: ScenarioReader, ticket_id: str) -> Any:
    """A ticket with its transitions (and its master's status, if merged), a signed read."""
    t = s.record(CONTRACT, "tk/" + ticket_id, f"no ticket '{ticket_id}'", "ticket_id")
    units = [str(d["dept"]) for d in t["dispatches"]]
    allow = [_centre(s), member_of(*units, roles=("handler",))]
    if t["caller"]:
        allow.append(citizen(str(t["caller"])))
    signed_read(
        request,
        f"hotline ticket {ticket_id}",
        f"hotline/ticket/{ticket_id}",
        allow,
        str(t["caller"] or ""),
    )
    out = {**t, "height": s.height}
    if t["master"]:
        m = s.get(CONTRACT, "tk/" + str(t["master"]))
        out["master_status"] = m["status"] if m is not None else None
    return hexify(out)
