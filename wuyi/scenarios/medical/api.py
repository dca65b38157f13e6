"""健康医疗 routes (``/v1/medical/...``). Reads only: writes are signed ``contract.call``
transactions (:mod:`.sdk`).

Public (what concerns hospitals and the fund, never a patient): the totals (settlements, the
fund's payments, alerts by rule and stage, per hospital its records, reads across hospitals,
settlements and alerts, 商保快赔 claims by status), the supervision rules with their severity,
the alerts (rule, hospital, bill ids, stage, steps; no patient).

Everything that names a patient is a **signed read** (``wuyi.api.reads``), each read in the
node's access log: a patient's records, consents, the log of reads of their records,
settlements and claims (the patient's DID key; 卫健局 for the access log; 医保局's reviewers for
settlements; auditors); one record (the patient, the hospital keeping it); one bill (the
patient, its hospital, 医保局); the consents naming a grantee (its members); one claim (the
patient, the insurer). An insurer is never allowed a bill: it reads its claim, which holds
only the items the patient consented to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.reads import Allow, citizen, member_of, signed_read
from wuyi.api.scenarios import (
    ItemPage,
    Record,
    ScenarioReader,
    SignedRead,
    add_did_list_route,
    add_record_route,
    group_router,
    id_path,
    reading,
    signed_get,
)
from wuyi.api.wire import hexify
from wuyi.node.node import Node

__all__ = ["router"]

CONTRACT = "medical"
ORG = Query(None, max_length=32, description="an organisation id")


class Dashboard(BaseModel):
    """The public totals (``medical.dashboard``)."""

    settlements: int
    fund_fen: int
    self_fen: int
    recover_fen: int
    claims_paid_fen: int
    stages: dict[str, int]
    rules: list[dict[str, Any]]
    hospitals: list[dict[str, Any]]
    claims: dict[str, int]
    accesses: int
    consents: int
    height: int
    time: int


def _bureau(s: ScenarioReader) -> Allow:
    """医保局: members of the regulator organisation with the role reviewer or chief."""
    return s.configured(CONTRACT, "regulator", "reviewer", "chief")


def _health(s: ScenarioReader) -> Allow:
    """卫健局: members of the health organisation."""
    return s.configured(CONTRACT, "health")


def _hospital_read(
    request: Request, what: str, kind: str, hospital: str | None, overseer: Allow
) -> None:
    """A signed read of ``what`` (the ``kind`` of records) of one ``hospital`` (its members)
    or of all hospitals: the ``overseer`` reads all."""
    allow = [overseer] if hospital is None else [overseer, member_of(hospital)]
    signed_read(request, what, f"medical/{kind}/{hospital or '*'}", allow)


def _add_hospital_list(
    r: APIRouter,
    node: Node,
    path: str,
    page: Callable[[ScenarioReader, str | None, int, str | None], Any],
    overseer: Callable[[ScenarioReader], Allow],
    *,
    what: str,
    summary: str,
) -> None:
    """``GET path`` (``hospital=``, ``limit``, ``cursor``): ``page(reader, hospital, limit,
    cursor)``, a signed read of ``what`` of one hospital (its members) or of all (the
    ``overseer``, :func:`_hospital_read`); the route is named and described by ``page``."""
    kind = path.strip("/")

    def read_list(
        request: Request,
        hospital: str | None = ORG,
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, CONTRACT) as s:
            _hospital_read(request, what, kind, hospital, overseer(s))
            return page(s, hospital, limit, cursor)

    read_list.__doc__ = page.__doc__
    signed_get(r, path, ItemPage, summary, name=page.__name__)(read_list)


def _members_read(request: Request, what: str, kind: str, org: str) -> None:
    """A signed read of ``what`` (the ``kind`` of records) naming ``org``: its members'."""
    signed_read(request, what, f"medical/{kind}/{org}", [member_of(org)])


def _patient(
    label: str, keepers: Callable[[ScenarioReader, dict[str, Any]], list[Allow]]
) -> SignedRead:
    """A signed read of the ``label`` (a record, bill, claim) about a patient: the patient, or
    the parties ``keepers(reader, record)``."""

    def parties(s: ScenarioReader, rec: dict[str, Any]) -> tuple[list[Allow], str]:
        return [citizen(str(rec["patient"])), *keepers(s, rec)], str(rec["patient"])

    return SignedRead(label + " {id}", f"medical/{label}/{{id}}", parties)


def router(node: Node) -> APIRouter:
    return group_router(
        "/medical", node, _public_routes, _patient_routes, _bill_routes, _grant_routes
    )


def _public_routes(r: APIRouter, node: Node) -> None:
    """The public reads: the totals, the rules, the alerts."""

    @r.get("/dashboard", response_model=Dashboard, summary="医保监管总览 / the public totals")
    def dashboard() -> Any:
        with reading(node, CONTRACT) as s:
            return s.totals(CONTRACT, "dashboard")

    @r.get("/rules", summary="监管规则 / the supervision rules and their severity")
    def rules() -> Any:
        with reading(node, CONTRACT) as s:
            return s.view(CONTRACT, "rules")

    @r.get("/alerts", response_model=ItemPage, summary="疑点预警 / alerts, newest first")
    def alerts(
        stage: Literal[
            "review",
            "second_review",
            "appeal",
            "investigation",
            "dismissed",
            "violation",
            "cleared",
            "open",
        ]
        | None = Query(None, description="only this stage (open: not yet decided)"),
        hospital: str | None = ORG,
        rule: str | None = Query(None, max_length=8, description="only this rule, e.g. R01"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Raised by the supervision rules on settlements; each with its rule, severity,
        hospital, the settlements concerned, its stage and due date (working days) and every
        step. No patient."""
        open_ = ("review", "second_review", "appeal", "investigation")
        with reading(node, CONTRACT) as s:
            items = [
                a
                for _, a in s.items(CONTRACT, "alert/")
                if hospital in (None, a["hospital"])
                and rule in (None, a["rule"])
                and (
                    stage is None
                    or a["stage"] == stage
                    or (stage == "open" and a["stage"] in open_)
                )
            ]
            items.reverse()
            return s.newest_page(items, limit=limit, cursor=cursor)

    @r.get("/alerts/{alert_id}", response_model=Record, summary="疑点预警 / one alert")
    def alert(alert_id: str = id_path("alert id, e.g. YJ000001")) -> Any:
        with reading(node, CONTRACT) as s:
            a = s.record(CONTRACT, "alert/" + alert_id, f"no alert '{alert_id}'", "alert_id")
            return hexify({**a, "height": s.height})


def _patient_routes(r: APIRouter, node: Node) -> None:
    """A patient's own lists (signed reads)."""

    def mine(what: str, index: str, prefix: str, summary: str, *others: Any, doc: str = "") -> None:
        add_did_list_route(
            r, node, f"/patients/{{did}}/{what}", CONTRACT, f"{prefix}/", f"{index}/",
            operation=f"patient_{what}", summary=summary, help="the patient's DID",
            read=(f"the {what} of a patient", f"medical/{what}/{{did}}"), others=others, doc=doc,
        )  # fmt: skip

    mine("records", "mr_by_patient", "mr",
         "我的病历索引 / a patient's records (signed read: the patient)",
         doc="""Where the patient's records are kept: hospital, category, document hash, encrypted
        locator, how often read.""")  # fmt: skip
    mine("consents", "cs_by_patient", "consent",
         "我的授权 / a patient's consents (signed read: the patient)")  # fmt: skip
    mine("accesses", "ac_by_patient", "access",
         "谁调阅了我的病历 / reads of a patient's records (signed read: the patient, 卫健局)",
         _health,
         doc="""Every read across hospitals of the patient's records: which hospital read which
        record kept where, under which consent, for what purpose, when.""")  # fmt: skip
    mine("settlements", "st_by_patient", "st",
         "我的医保结算 / a patient's settlements (signed read: the patient, 医保局)",
         _bureau)  # fmt: skip
    mine("claims", "cl_by_patient", "claim",
         "我的商保理赔 / a patient's claims (signed read: the patient)")  # fmt: skip


def _bill_routes(r: APIRouter, node: Node) -> None:
    """One record, the settlements, one bill (signed reads)."""

    add_record_route(
        r, node, "/records/{record_id}", CONTRACT, "mr/", operation="record", height=True,
        summary="病历索引 / one record pointer (signed read: the patient, its hospital)",
        missing="no record '{id}'", help="record id, e.g. MR000001",
        signed=_patient("record", lambda s, rec: [member_of(str(rec["hospital"]))]),
    )  # fmt: skip

    def settlements(s: ScenarioReader, hospital: str | None, limit: int, cursor: str | None) -> Any:
        """A hospital's settlements (``hospital=``: its own members) or all (医保局)."""
        index = None if hospital is None else f"st_by_hospital/{hospital}/"
        return s.newest_of(CONTRACT, "st/", index, limit=limit, cursor=cursor)

    _add_hospital_list(
        r, node, "/settlements", settlements, _bureau, what="the settlements",
        summary="医保结算 / settlements, newest first (signed read: the hospital, 医保局)",
    )  # fmt: skip

    add_record_route(
        r, node, "/settlements/{settlement_id}", CONTRACT, "st/", operation="bill", height=True,
        summary="医保结算 / one bill (signed read: the patient, the hospital, 医保局)",
        missing="no bill '{id}'", help="bill id, e.g. JS000001",
        signed=_patient("bill", lambda s, st: [member_of(str(st["hospital"])), _bureau(s)]),
    )  # fmt: skip


def _grant_routes(r: APIRouter, node: Node) -> None:
    """Consents, reads across hospitals, claims (signed reads)."""

    @signed_get(
        r, "/consents", ItemPage, "授权 / the consents naming a grantee (signed read: its members)"
    )
    def consents(
        request: Request,
        grantee: str = Query(max_length=32, description="the hospital or insurer granted"),
        status: Literal["active", "inactive"] | None = Query(None, description="only this"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, CONTRACT) as s:
            _members_read(request, f"the consents naming {grantee}", "consents", grantee)
            return s.newest_of(
                CONTRACT,
                "consent/",
                f"cs_by_grantee/{grantee}/",
                keep=lambda v: status in (None, v["status"]),
                limit=limit,
                cursor=cursor,
            )

    def accesses(s: ScenarioReader, hospital: str | None, limit: int, cursor: str | None) -> Any:
        """Every read across hospitals (``hospital=``: those it made or whose records it
        keeps): 卫健局 reads all."""

        def wanted(v: dict[str, Any]) -> bool:
            return hospital in (None, v["reader"], v["keeper"])

        return s.newest_items(CONTRACT, "access/", keep=wanted, limit=limit, cursor=cursor)

    _add_hospital_list(
        r, node, "/accesses", accesses, _health, what="the reads of records",
        summary="跨院调阅记录 / reads across hospitals (signed read: 卫健局, the hospital)",
    )  # fmt: skip

    @signed_get(r, "/claims", ItemPage, "商保快赔 / an insurer's claims (signed read: its members)")
    def claims(
        request: Request,
        insurer: str = Query(max_length=32, description="the insurer's organisation"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, CONTRACT) as s:
            _members_read(request, f"the claims of {insurer}", "claims", insurer)
            index = f"cl_by_insurer/{insurer}/"
            return s.newest_of(CONTRACT, "claim/", index, limit=limit, cursor=cursor)

    add_record_route(
        r, node, "/claims/{claim_id}", CONTRACT, "claim/", operation="claim", height=True,
        summary="商保快赔 / one claim (signed read: the patient, the insurer)",
        missing="no claim '{id}'", help="claim id, e.g. KP000001",
        signed=_patient("claim", lambda s, k: [member_of(str(k["insurer"]))]),
    )  # fmt: skip
