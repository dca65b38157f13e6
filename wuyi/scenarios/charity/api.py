"""慈善捐赠 routes (``/v1/charity/...``): what the law makes public — the charities and their
qualification, each project's plan, money in and out, where the money went (first in, first
out), its disclosures with the overdue flag at the latest block's time, idle money, goods; the
alerts to 民政局; and a donor following their own donation by receipt number and the tracking
key their wallet derives from their secret (``POST /follow``: the key in the body, never in a
URL). No route names a donor: donors are commitments. Reads only (writes are signed
``contract.call`` transactions: :mod:`.sdk`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.scenarios import (
    ItemPage,
    Record,
    ScenarioReader,
    add_id_route,
    add_list_route,
    group_router,
    reading,
)
from wuyi.api.wire import hexify
from wuyi.exceptions import NotFound
from wuyi.node.node import Node

__all__ = ["router"]

CHARITY = "charity"
MAX_FLOW_ITEMS = 2000
PROJECT_ID = "project id, e.g. P000001"


class FollowRequest(BaseModel):
    charity: str = Field(min_length=2, max_length=32, description="the charity's id")
    receipt_no: str = Field(min_length=4, max_length=40, description="the receipt number")
    key: str = Field(
        pattern="^[0-9a-fA-F]{64}$",
        description="the tracking key: H('wuyi/charity/track\\0' ‖ the donor's secret), hex",
    )


class Flows(BaseModel):
    project: str
    donations: list[dict[str, Any]]
    disbursements: list[dict[str, Any]]
    distributions: list[dict[str, Any]]
    truncated: bool = Field(description="more than 2,000 items of a kind: the first ones only")
    height: int


class Dashboard(BaseModel):
    charities: int
    qualified: int
    projects: dict[str, int] = Field(description="projects by status: filed, open, closed")
    money_in: int = Field(description="fen received by every project")
    money_out: int = Field(description="fen disbursed by every project")
    goods_value: int
    donations: int
    overdue: int = Field(description="projects with a disclosure overdue now")
    idle: int = Field(description="urgent projects with idle money now")
    alerts: int
    height: int


def _public_donation(d: dict[str, Any]) -> dict[str, Any]:
    """A donation as the public page shows it: its receipt's kind, not its number (a donor
    follows their own with the number and their key, ``/follow``)."""
    receipt = {k: v for k, v in d["receipt"].items() if k != "no"}
    return {**d, "receipt": receipt}


def _project(s: ScenarioReader, project_id: str) -> dict[str, Any]:
    if s.get(CHARITY, "plan/" + project_id) is None:
        raise NotFound(f"no charity project '{project_id}'", field="project_id")
    out: dict[str, Any] = s.view(CHARITY, "project", project_id=project_id)
    return out


def _summary(p: dict[str, Any]) -> dict[str, Any]:
    t = p["totals"]
    keys = ("id", "charity", "title", "start", "end", "closed_on", "status", "urgent", "overdue")
    return {
        **{k: p[k] for k in keys},
        "idle": p["idle"],
        "in": t["in"],
        "out": t["out"],
        "donations": t["donations"],
        "goods_value": t["goods_value"],
        "purposes": p["purposes"],
        "filing": p["filing"],
        "target": p["target"],
        "flags": len(p["flags"]),
    }


def router(node: Node) -> APIRouter:
    return group_router("/charity", node, _project_routes, _desk_routes)


def _project_routes(r: APIRouter, node: Node) -> None:
    """Charities, projects, their flows and follow requests."""

    add_list_route(r, node, "/charities", CHARITY, "org/", operation="charities",
                   summary="慈善组织 / charities and qualification")  # fmt: skip

    add_id_route(r, node, "/charities/{charity_id}", CHARITY, operation="charity",
                 summary="慈善组织 / a charity, its projects and year-end checks",
                 help="charity id", answer=_charity)  # fmt: skip

    @r.get("/projects", response_model=ItemPage, summary="募捐项目 / projects with their totals")
    def projects(
        charity: str | None = Query(None, max_length=32, description="only this charity's"),
        status: Literal["filed", "open", "closed"] | None = Query(None, description="by status"),
        limit: int = limit_query(50),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, CHARITY) as s:
            prefix = "plan/" if charity is None else f"org_plan/{charity}/"
            ids = [k.split("/")[-1] for k, _ in s.items(CHARITY, prefix)]

            def wanted() -> Any:
                for pid in reversed(ids):
                    p = _summary(_project(s, pid))
                    if status in (None, p["status"]):
                        yield p

            return s.page(
                wanted(), limit=limit, cursor=cursor, key=lambda p: p["id"], descending=True
            )

    add_id_route(r, node, "/projects/{project_id}", CHARITY, operation="project",
                 summary="募捐项目 / a project: plan, totals, disclosures due, idle money",
                 help=PROJECT_ID, answer=_project_at)  # fmt: skip

    add_id_route(
        r, node, "/projects/{project_id}/flows", CHARITY, operation="flows", model=Flows,
        summary="款物去向 / donations, disbursements and distributions (first in, first out)",
        help=PROJECT_ID, answer=_flows,
    )  # fmt: skip

    @r.post(
        "/follow",
        response_model=Record,
        summary="捐赠追踪 / a donor follows their donation (receipt number + tracking key)",
    )
    def follow(body: FollowRequest) -> Any:
        with reading(node, CHARITY) as s:
            got = s.view(
                CHARITY,
                "follow",
                charity_id=body.charity,
                receipt_no=body.receipt_no,
                key=bytes.fromhex(body.key),
            )
            return hexify({**got, "height": s.height})


def _charity(_request: Request, s: ScenarioReader, charity_id: str) -> Any:
    """A charity, its projects, year-end reports and checks."""
    c = s.record(CHARITY, "org/" + charity_id, f"no charity '{charity_id}'", "charity_id")
    projects = [k.split("/")[-1] for k, _ in s.items(CHARITY, f"org_plan/{charity_id}/")]
    annual = [a for _, a in s.items(CHARITY, f"annual/{charity_id}/")]
    years = {k.split("/")[-1]: y for k, y in s.items(CHARITY, f"year/{charity_id}/")}
    out = {**c, "projects": projects, "annual": annual, "years": years}
    return hexify({**out, "height": s.height})


def _project_at(_request: Request, s: ScenarioReader, project_id: str) -> Any:
    """A project with the height it was read at."""
    return hexify({**_project(s, project_id), "height": s.height})


def _flows(_request: Request, s: ScenarioReader, project_id: str) -> Any:
    """A project's donations, disbursements and distributions (at most MAX_FLOW_ITEMS each)."""
    if s.get(CHARITY, "plan/" + project_id) is None:
        raise NotFound(f"no charity project '{project_id}'", field="project_id")
    out: dict[str, Any] = {"project": project_id, "truncated": False}
    for name, prefix in (
        ("donations", "don/"),
        ("disbursements", "dis/"),
        ("distributions", "dist/"),
    ):
        got: list[dict[str, Any]] = []
        for _, v in s.items(CHARITY, f"{prefix}{project_id}/"):
            if len(got) == MAX_FLOW_ITEMS:
                out["truncated"] = True
                break
            got.append(_public_donation(v) if name == "donations" else v)
        out[name] = got
    return hexify({**out, "height": s.height})


def _desk_routes(r: APIRouter, node: Node) -> None:
    """Alerts and the overview for 民政局."""

    @r.get("/alerts", response_model=ItemPage, summary="预警 / alerts to 民政局, newest first")
    def alerts(
        kind: Literal["disclosure_overdue", "idle_money", "ratio_breach"] | None = Query(None),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, CHARITY) as s:

            def wanted(a: dict[str, Any]) -> bool:
                return kind in (None, a["kind"])

            return s.newest_items(CHARITY, "alert/", keep=wanted, limit=limit, cursor=cursor)

    @r.get("/dashboard", response_model=Dashboard, summary="慈善监管概览 / the overview")
    def dashboard() -> Any:
        with reading(node, CHARITY) as s:
            orgs = [c for _, c in s.items(CHARITY, "org/")]
            counts = {"filed": 0, "open": 0, "closed": 0}
            out = {"money_in": 0, "money_out": 0, "goods_value": 0, "donations": 0}
            overdue = idle = 0
            for k, _ in s.items(CHARITY, "plan/"):
                p = _project(s, k.split("/")[-1])
                counts[p["status"]] += 1
                t = p["totals"]
                out["money_in"] += t["in"]
                out["money_out"] += t["out"]
                out["goods_value"] += t["goods_value"]
                out["donations"] += t["donations"]
                overdue += bool(p["overdue"])
                idle += p["idle"] is not None
            qualified = sum(
                1 for c in orgs if (c.get("qualification") or {}).get("status") == "valid"
            )
            return {
                "charities": len(orgs),
                "qualified": qualified,
                "projects": counts,
                **out,
                "overdue": overdue,
                "idle": idle,
                "alerts": int(s.get(CHARITY, "seq/alert") or 0),
                "height": s.height,
            }
