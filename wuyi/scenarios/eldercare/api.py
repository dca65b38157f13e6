"""养老服务 routes (``/v1/eldercare/...``). Reads only: writes are signed ``contract.call``
transactions (:mod:`.sdk`).

Public (what concerns institutions, never a person): the board (each institution's grade
computed from the records in force, red-list flag, subsidies, custody totals, how many of its
caregivers may be scheduled today; the time bank's totals), one institution with its latest
compliance records, its subsidies.

Records about people are **signed reads** (``wuyi.api.reads``), each in the node's access log:
a caregiver's qualification and health check (the caregiver's DID key, their institution, 民政局
officers, the qualifying and health departments, auditors); an institution's caregiver alerts
(the institution, 民政局, those departments, auditors); its prepayments (the institution, its
custody bank, 民政局, auditors); a time-bank account with its services (the holder, 民政局,
auditors); one service (the volunteer, the elder and their guardian, 民政局, auditors).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from wuyi.api.reads import Allow, any_citizen, citizen, member_of, own_read, signed_read
from wuyi.api.scenarios import (
    Record,
    ScenarioReader,
    add_id_route,
    check_did,
    group_router,
    reading,
)
from wuyi.api.wire import hexify
from wuyi.node.node import Node

__all__ = ["router"]

CONTRACT = "eldercare"
ORG = "the institution's organisation id, e.g. flyy"


def _bureau(s: ScenarioReader) -> Allow:
    """民政局: members of the contract's bureau with the role officer."""
    return s.configured(CONTRACT, "bureau", "officer")


def _depts(s: ScenarioReader) -> Allow:
    """The qualifying and health departments (role inspector)."""
    orgs = s.view(CONTRACT, "param", name="qualifier")["value"]
    orgs += s.view(CONTRACT, "param", name="health_depts")["value"]
    return member_of(*[str(o) for o in orgs], roles=("inspector",))


def _inst(s: ScenarioReader, org: str) -> dict[str, Any]:
    return s.record(CONTRACT, "inst/" + org, f"no care institution '{org}'", "org")


def router(node: Node) -> APIRouter:
    return group_router("/eldercare", node, _institution_routes, _person_routes)


def _institution_routes(r: APIRouter, node: Node) -> None:
    """The public board and an institution's records."""

    @r.get("/board", response_model=Record, summary="养老机构公示 / the public board")
    def board() -> Any:
        """Each institution's score and grade (computed today from the records in force),
        red-list flag, subsidies paid, prepayments held against its limit, caregivers fit to
        be scheduled; the time bank's totals (minutes). Nothing about a person."""
        with reading(node, CONTRACT) as s:
            return hexify({**s.view(CONTRACT, "board"), "height": s.height})

    add_id_route(r, node, "/institutions/{org}", CONTRACT, operation="institution",
                 summary="养老机构 / one institution (public)", help=ORG, answer=_institution,
                 doc="Its filing, the grade in force today and the latest record of each"
                 " category.")  # fmt: skip

    add_id_route(
        r, node, "/institutions/{org}/subsidies", CONTRACT, operation="subsidies", help=ORG,
        summary="运营补贴 / an institution's subsidies (public)", answer=_subsidies, paged=True,
    )  # fmt: skip

    add_id_route(
        r, node, "/institutions/{org}/alerts", CONTRACT, operation="alerts", personal=True,
        summary="护理员预警 / caregivers who cannot be scheduled or soon cannot (signed read)",
        help=ORG, answer=_alerts,
    )  # fmt: skip

    add_id_route(
        r, node, "/institutions/{org}/prepayments", CONTRACT, operation="prepayments",
        summary="预收费 / an institution's prepayments in custody (signed read)",
        help=ORG, answer=_prepayments, personal=True,
    )  # fmt: skip


def _institution(_request: Request, s: ScenarioReader, org: str) -> Any:
    i = _inst(s, org)
    out = {
        "institution": i,
        "grade": s.view(CONTRACT, "grade", org=org),
        "records": s.view(CONTRACT, "records", org=org),
        "height": s.height,
    }
    return hexify(out)


def _subsidies(
    _request: Request, s: ScenarioReader, org: str, limit: int, cursor: str | None
) -> Any:
    _inst(s, org)
    prefix = "subsidy/" + org + "/"
    return s.newest_items(CONTRACT, prefix, limit=limit, cursor=cursor, key="period")


def _alerts(request: Request, s: ScenarioReader, org: str) -> Any:
    _inst(s, org)
    allow = [member_of(org), _bureau(s), _depts(s)]
    signed_read(request, f"caregiver alerts of {org}", f"eldercare/alerts/{org}", allow, org)
    return hexify({"alerts": s.view(CONTRACT, "alerts", org=org), "height": s.height})


def _prepayments(request: Request, s: ScenarioReader, org: str) -> Any:
    i = _inst(s, org)
    allow = [member_of(org), member_of(str(i["bank"]), roles=("custody",)), _bureau(s)]
    signed_read(request, f"prepayments of {org}", f"eldercare/pp/{org}", allow, org)
    items = [p for _, p in s.items(CONTRACT, "pp/") if p["institution"] == org]
    return hexify({"prepayments": items, "height": s.height})


def _person_routes(r: APIRouter, node: Node) -> None:
    """Caregivers, time-bank accounts and services (signed reads)."""

    add_id_route(
        r, node, "/caregivers/{did}", CONTRACT, operation="caregiver", personal=True,
        summary="护理员资质与体检 / a caregiver's qualification and health check (signed read)",
        help="the caregiver's DID", answer=_caregiver, check=check_did,
    )  # fmt: skip

    add_id_route(
        r, node, "/timebank/{did}", CONTRACT, operation="timebank", personal=True,
        summary="时间银行账户 / a time-bank account and its services (signed read)",
        help="the holder's DID", answer=_timebank, check=check_did,
    )  # fmt: skip

    add_id_route(
        r, node, "/services/{service_id}", CONTRACT, operation="service", personal=True,
        summary="服务记录 / one time-bank service (signed read)",
        help="service id, e.g. SV-000001", answer=_service,
    )  # fmt: skip


def _caregiver(request: Request, s: ScenarioReader, did: str) -> Any:
    c = s.record(CONTRACT, "cg/" + did, f"no caregiver '{did}'", "did")
    allow = [citizen(did), _bureau(s), _depts(s)]
    if c["institution"]:
        allow.append(member_of(str(c["institution"])))
    signed_read(request, "a caregiver's record", f"eldercare/cg/{did}", allow, did)
    return hexify({**c, "height": s.height})


def _timebank(request: Request, s: ScenarioReader, did: str) -> Any:
    own_read(request, did, "a time-bank account", f"eldercare/tb/{did}", _bureau(s))
    services = [v for _, v in s.items(CONTRACT, "svc/") if did in (v["volunteer"], v["elder"])]
    elder = s.get(CONTRACT, "elder/" + did)
    guarding = [
        v
        for _, v in s.items(CONTRACT, "svc/")
        if v["status"] == "pending"
        and (s.get(CONTRACT, "elder/" + v["elder"]) or {}).get("guardian") == did
    ]
    out = {
        "account": s.view(CONTRACT, "time_account", did=did),
        "enrolled": elder is not None,
        "services": services,
        "to_confirm_as_guardian": guarding,
        "height": s.height,
    }
    return hexify(out)


def _service(request: Request, s: ScenarioReader, service_id: str) -> Any:
    v = s.record(CONTRACT, "svc/" + service_id, f"no service '{service_id}'", "service_id")
    e = s.get(CONTRACT, "elder/" + v["elder"]) or {}
    parties = [v["volunteer"], v["elder"], str(e.get("guardian") or "")]
    signed_read(
        request,
        f"service {service_id}",
        f"eldercare/svc/{service_id}",
        [any_citizen(parties), _bureau(s)],
        ",".join(p for p in parties if p),
    )
    return hexify({**v, "height": s.height})
