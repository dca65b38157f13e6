"""精准扶贫 routes (``/v1/poverty/...``). Reads only: writes are signed ``contract.call``
transactions (:mod:`.sdk`).

Public (what 《关于完善扶贫资金项目公告公示制度的指导意见》 makes public, never a household's
identity): the totals, the beneficiary notices as the board shows them (masked names, sizes,
each objection's state but never who objected), budgets, programmes with their flow (budget →
programme → project → beneficiary by masked name, or vendor), projects with their notices,
payments (household ids, amounts, whether the use receipt is in) and the alerts.

A household's record (its head's DID, its commitment, each department's answer and the
reasons of its exclusion), the objections (the objector's DID) and the monitoring cases are
**signed reads** (``wuyi.api.reads``): the household's head (their DID key), 乡村振兴局 (role
``bureau``), its village committee (role ``village``), the checking departments (role
``checker``) for households and cases, auditors; each read in the node's access log.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.reads import Allow, citizen, member_of, own_read, signed_read
from wuyi.api.scenarios import (
    ItemPage,
    ScenarioReader,
    add_id_route,
    add_list_route,
    add_record_route,
    check_did,
    group_router,
    reading,
    signed_get,
)
from wuyi.api.wire import hexify
from wuyi.node.node import Node

__all__ = ["router"]

CONTRACT = "poverty"


class Overview(BaseModel):
    """Public totals (``poverty.overview``); amounts in fen."""

    households: dict[str, int]
    budget: int
    programmes: int
    projects: int
    paid: int
    open_cases: int
    alerts: int
    height: int
    time: int


def _bureau(s: ScenarioReader) -> Allow:
    return s.configured(CONTRACT, "bureau", "bureau")


def _village(org: str) -> Allow:
    return member_of(org, roles=("village",))


def _departments(s: ScenarioReader) -> Allow:
    checks = s.view(CONTRACT, "param", name="checks")["value"]
    orgs = sorted({str(d) for depts in checks.values() for d in depts})
    return member_of(*orgs, roles=("checker",))


def _villages(s: ScenarioReader) -> list[str]:
    return [str(v) for v in s.view(CONTRACT, "param", name="villages")["value"]]


def _flow(_request: Request, s: ScenarioReader, programme_id: str) -> Any:
    """A programme's flow: budget → programme → projects → beneficiaries."""
    s.record(
        CONTRACT, "programme/" + programme_id, f"no programme '{programme_id}'", "programme_id"
    )
    return hexify({**s.view(CONTRACT, "flow", programme=programme_id), "height": s.height})


def router(node: Node) -> APIRouter:
    return group_router("/poverty", node, _public_routes, _household_routes, _case_routes)


def _public_routes(r: APIRouter, node: Node) -> None:
    """The public reads: totals, notices, budgets, programmes, projects, payments, alerts."""

    @r.get("/overview", response_model=Overview, summary="总览 / public totals")
    def overview() -> Any:
        with reading(node, CONTRACT) as s:
            alerts = len(s.view(CONTRACT, "alerts"))
            return {**s.view(CONTRACT, "overview"), "alerts": alerts, "height": s.height,
                    "time": s.time}  # fmt: skip

    @r.get("/notices", response_model=ItemPage, summary="公示 / beneficiary notices, newest first")
    def notices(
        village: str | None = Query(None, max_length=32, description="only this village"),
        status: Literal["open", "approved"] | None = Query(None, description="open or approved"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Each notice as the board shows it: masked names and sizes, the dates it runs, each
        objection's reason and state (never who objected), each household's state."""
        with reading(node, CONTRACT) as s:
            ids = [k.removeprefix("notice/") for k, _ in s.items(CONTRACT, "notice/")]
            items = [s.view(CONTRACT, "public_notice", notice=i) for i in reversed(ids)]
            items = [
                n
                for n in items
                if village in (None, n["village"]) and status in (None, n["status"])
            ]
            return s.newest_page(items, limit=limit, cursor=cursor)

    add_id_route(r, node, "/notices/{notice_id}", CONTRACT, operation="notice",
                 summary="公示 / one notice", help="notice id, e.g. GS000001",
                 answer=_notice)  # fmt: skip

    add_list_route(r, node, "/budgets", CONTRACT, "budget/", operation="budgets",
                   summary="预算 / budget lines")  # fmt: skip

    add_list_route(r, node, "/programmes", CONTRACT, "programme/", operation="programmes",
                   summary="资金计划 / programmes")  # fmt: skip

    add_id_route(
        r, node, "/programmes/{programme_id}/flow", CONTRACT, operation="flow",
        summary="资金流向 / a programme's flow: budget → programme → projects → beneficiaries",
        help="programme id, e.g. JH000001", answer=_flow,
    )  # fmt: skip

    @r.get("/projects", response_model=ItemPage, summary="项目 / projects with their notices")
    def projects(
        programme: str | None = Query(None, max_length=16, description="only this programme"),
        village: str | None = Query(None, max_length=32, description="only this village"),
        status: Literal["planned", "started", "completed"] | None = Query(None),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, CONTRACT) as s:
            items = [
                p
                for _, p in s.items(CONTRACT, "project/")
                if programme in (None, p["programme"])
                and village in (None, p["village"])
                and status in (None, p["status"])
            ]
            return s.page(items, limit=limit, cursor=cursor, key=lambda p: p["id"])

    add_record_route(r, node, "/projects/{project_id}", CONTRACT, "project/", operation="project",
                     summary="项目 / one project", missing="no project '{id}'",
                     help="project id, e.g. XM000001", height=True)  # fmt: skip

    @r.get("/payments", response_model=ItemPage, summary="支付 / payments, newest first")
    def payments(
        project: str | None = Query(None, max_length=16, description="only this project"),
        household: str | None = Query(None, max_length=16, description="only this household"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Each payment with its project, household id (or vendor), amount and the hash of its
        use receipt once the village recorded it."""
        with reading(node, CONTRACT) as s:
            items = [
                p
                for _, p in s.items(CONTRACT, "payment/")
                if project in (None, p["project"]) and household in (None, p["household"])
            ]
            items.reverse()
            return s.newest_page(items, limit=limit, cursor=cursor)

    @r.get("/alerts", response_model=ItemPage, summary="预警 / idle funds, missing receipts, late")
    def alerts(limit: int = limit_query(), cursor: str | None = CURSOR) -> Any:
        with reading(node, CONTRACT) as s:
            items = s.view(CONTRACT, "alerts")
            return s.page(items, limit=limit, cursor=cursor, key=lambda a: a["kind"] + a["id"])


def _household_routes(r: APIRouter, node: Node) -> None:
    """Households (signed reads)."""

    @signed_get(r, "/households", ItemPage, "农户 / households with their checks")
    def households(
        request: Request,
        village: str | None = Query(None, max_length=32, description="only this village"),
        status: Literal["registered", "checking", "eligible", "excluded", "noticed", "approved"]
        | None = Query(None, description="only this status"),
        did: str | None = Query(None, max_length=128, description="the household head's DID"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Signed read: 乡村振兴局, the village committee (``village=`` its own), the checking
        departments, the head of a household (``did=`` their own DID), auditors."""
        with reading(node, CONTRACT) as s:
            allow = [_bureau(s), _departments(s)]
            if village is not None:
                allow.append(_village(village))
            if did is not None:
                allow.append(citizen(check_did(did, "did")))
            whose = (f" of {village}" if village else "") + (f" headed by {did}" if did else "")
            signed_read(
                request,
                "the households" + whose,
                f"poverty/households/{village or '*'}",
                allow,
                did or "",
            )
            items = [
                h
                for _, h in s.items(CONTRACT, "hh/")
                if village in (None, h["village"])
                and status in (None, h["status"])
                and did in (None, h["did"])
            ]
            return s.page(items, limit=limit, cursor=cursor, key=lambda h: h["id"])

    add_id_route(
        r, node, "/households/{household_id}", CONTRACT, operation="household", personal=True,
        summary="农户 / one household with its checks, exclusions, payments",
        help="e.g. HH000001", answer=_household,
        doc="Signed read: the household's head (their DID key), 乡村振兴局, its village\n"
        "committee, the checking departments, auditors.",
    )  # fmt: skip


def _notice(_request: Request, s: ScenarioReader, notice_id: str) -> Any:
    """A beneficiary notice as published."""
    s.record(CONTRACT, "notice/" + notice_id, f"no notice '{notice_id}'", "notice_id")
    out = s.view(CONTRACT, "public_notice", notice=notice_id)
    return hexify({**out, "height": s.height})


def _household(request: Request, s: ScenarioReader, household_id: str) -> Any:
    """A household with its payments (signed read: its head, the bureau, its village, the
    checking departments)."""
    h = s.record(CONTRACT, "hh/" + household_id, f"no household '{household_id}'",
                 "household_id")  # fmt: skip
    own_read(
        request,
        str(h["did"]),
        f"household {household_id}",
        f"poverty/household/{household_id}",
        _bureau(s),
        _village(str(h["village"])),
        _departments(s),
    )
    pays = [p for _, p in s.items(CONTRACT, "payment/") if p["household"] == household_id]
    return hexify({**h, "payment_list": pays, "height": s.height})


def _case_routes(r: APIRouter, node: Node) -> None:
    """Objections and cases (signed reads)."""

    @signed_get(r, "/objections", ItemPage, "异议 / objections with who filed them")
    def objections(
        request: Request,
        notice: str | None = Query(None, max_length=16, description="only this notice"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Signed read: 乡村振兴局, the village committees, auditors."""
        with reading(node, CONTRACT) as s:
            signed_read(
                request,
                "the objections" + (f" to {notice}" if notice else ""),
                f"poverty/objections/{notice or '*'}",
                [_bureau(s), member_of(*_villages(s), roles=("village",))],
                "",
            )
            items = [o for _, o in s.items(CONTRACT, "objection/") if notice in (None, o["notice"])]
            return s.page(items, limit=limit, cursor=cursor, key=lambda o: o["id"])

    @signed_get(r, "/cases", ItemPage, "监测 / monitoring cases (防止返贫动态监测)")
    def cases(
        request: Request,
        status: Literal["open", "closed"] | None = Query(None, description="open or closed"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Signed read: 乡村振兴局, the village committees, the checking departments,
        auditors."""
        with reading(node, CONTRACT) as s:
            signed_read(
                request,
                "the monitoring cases",
                "poverty/cases",
                [
                    _bureau(s),
                    member_of(*_villages(s), roles=("village",)),
                    _departments(s),
                ],
                "",
            )
            items = [c for _, c in s.items(CONTRACT, "case/") if status in (None, c["status"])]
            items.reverse()
            return s.newest_page(items, limit=limit, cursor=cursor)
