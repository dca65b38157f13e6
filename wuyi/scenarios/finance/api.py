"""金融服务 routes (``/v1/finance/...``). Reads only: writes are signed ``contract.call``
transactions (:mod:`.sdk`).

Public — what anyone may see: ``/stats``, aggregates by sector and bank (loans with a balance,
outstanding, overdue and NPL balances and rates, cumulative disbursed, repaid and written off),
applications by status; ``/licence-request``, what an enterprise's wallet presents to register
(the contract's request and its single-use nonce: the contract's raw state and views are
personal, ``Scenario.personal_state``).

Everything about one enterprise is a **signed read** (``wuyi.api.reads``: the ``X-Wuyi-*``
headers and a ``purpose``; each read allowed goes to the node's access log, auditors may always
read):

============================================  ===============================================
route                                         who may read
============================================  ===============================================
``/enterprises/{did}``                        the enterprise (its DID key, or a treasurer of a
                                              member enterprise), its operator; its
                                              applications, consents with every data request
                                              under them, receivables, exposure, negative
                                              records
``/enterprises/{did}/credit``                 the enterprise, and a bank holding its live
                                              consent: exposure (number of lenders, total,
                                              overdue) and negative records — never who lends
                                              how much
``/applications/{id}``                        the enterprise, its operator, the bank applied to
``/banks/{bank}/applications``                that bank's bankers: its own applications only
``/consents/{id}``                            the enterprise, its operator, the bank it names;
                                              with the data requests under it
``/persons/{did}/consents``                   the operator of a sole proprietorship
``/receivables/{id}``                         creditor, debtor, a bank it was offered to or
                                              pledged with
``/alerts``                                   金融局's supervisors
============================================  ===============================================
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from wuyi.api.reads import Allow, citizen, member_of, own_read, signed_read
from wuyi.api.scenarios import (
    PresentationRequest,
    Record,
    ScenarioReader,
    check_did,
    id_path,
    reading,
    signed_get,
)
from wuyi.api.wire import hexify
from wuyi.ledger.handlers.datashare import list_requests
from wuyi.node.node import Node

__all__ = ["router"]

CONTRACT = "finance"
LICENCE_PURPOSE = "企业融资登记 / SME finance registration"
REGULATOR = "jrj"  # the contract's REGULATOR
ORG_DID = "did:wuyi:org:"
SUMS = ("loans", "outstanding", "overdue", "npl", "disbursed", "repaid", "written_off")
APP_STATUS = Literal[
    "applied", "approved", "refused", "withdrawn", "active", "settled", "written_off"
]


class Totals(BaseModel):
    loans: int = Field(description="loans with a balance")
    outstanding: int = Field(description="fen")
    overdue: int = Field(description="balance of overdue loans, fen")
    npl: int = Field(description="balance of loans overdue ≥ npl_dpd days (不良), fen")
    disbursed: int
    repaid: int
    written_off: int
    overdue_rate_bp: int = Field(description="overdue ÷ outstanding, basis points")
    npl_rate_bp: int = Field(description="npl ÷ outstanding, basis points")


class Row(Totals):
    key: str = Field(description="the sector letter (GB/T 4754), the bank, or 'sector/bank'")


class Stats(BaseModel):
    total: Totals
    by_sector: list[Row]
    by_bank: list[Row]
    rows: list[Row] = Field(description="one per sector and bank")
    applications: dict[str, int] = Field(description="applications by status")
    enterprises: int
    receivables: int
    height: int


class Items(BaseModel):
    items: list[dict[str, Any]]
    height: int


class Credit(BaseModel):
    enterprise: str
    lenders: int = Field(description="banks with a balance")
    total: int = Field(description="outstanding across banks, fen")
    overdue: bool
    overdue_loans: int
    negative_records: list[dict[str, Any]] = Field(
        description="overdue events still within the retention period"
    )
    height: int


def rates(sums: dict[str, int]) -> dict[str, int]:
    """``sums`` with its overdue and NPL rates in basis points of the outstanding balance."""
    out = sums["outstanding"]
    return sums | {
        "overdue_rate_bp": sums["overdue"] * 10000 // out if out else 0,
        "npl_rate_bp": sums["npl"] * 10000 // out if out else 0,
    }


def group(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    acc: dict[str, dict[str, int]] = {}
    for r in rows:
        s = acc.setdefault(r[by], dict.fromkeys(SUMS, 0))
        for k in SUMS:
            s[k] += r[k]
    return [rates(v) | {"key": k} for k, v in sorted(acc.items())]


# -- who may read ----------------------------------------------------------------------------------


def party(did: str) -> Allow:
    """The enterprise ``did``: its DID key, or a treasurer of the member organisation."""
    if did.startswith(ORG_DID):
        return member_of(did[len(ORG_DID) :], roles=("treasurer",))
    return citizen(did)


def parties(dids: Iterable[str | None]) -> list[Allow]:
    return [party(d) for d in dids if d]


def bankers(banks: Iterable[str]) -> Allow:
    wanted = sorted(set(banks))
    return member_of(*wanted, roles=("banker",)) if wanted else (lambda r: None)


def now_ms(s: ScenarioReader) -> int:
    return s.time


def consents_of(s: ScenarioReader, did: str) -> list[dict[str, Any]]:
    ids = [k.split("/")[-1] for k, _ in s.items(CONTRACT, f"ent_consent/{did}/")]
    return [s.get(CONTRACT, "consent/" + i) for i in ids]


def live(c: dict[str, Any], now: int) -> bool:
    return bool(c["status"] == "active" and c["not_before"] <= now < c["not_after"])


def data_uses(s: ScenarioReader, consent_id: str) -> list[dict[str, Any]]:
    """The data-sharing requests made under a consent (their purpose starts with its id)."""
    out = []
    for req in list_requests(s.v):
        if req.get("gate") == CONTRACT and req["purpose"].split(" ")[0] == consent_id:
            out.append(
                {
                    k: req[k]
                    for k in ("id", "dataset", "owner", "requester_org", "purpose", "fields")
                }
                | {
                    k: req[k]
                    for k in ("status", "approved_until", "deliveries", "accesses", "height")
                }
                | {"time": req["time"], "log": req["log"]}
            )
    return out


def with_uses(s: ScenarioReader, c: dict[str, Any]) -> dict[str, Any]:
    return c | {"data_uses": data_uses(s, c["id"])}


def enterprise_or_404(s: ScenarioReader, did: str) -> dict[str, Any]:
    return s.record(CONTRACT, "ent/" + did, f"{did} is not a registered enterprise", "did")


def application_or_404(s: ScenarioReader, app_id: str) -> dict[str, Any]:
    return s.record(CONTRACT, "app/" + app_id, f"no application '{app_id}'", "app_id")


# -- the routes ------------------------------------------------------------------------------


def router(node: Node) -> APIRouter:
    r = APIRouter(prefix="/finance", tags=["scenarios"])
    add_public_routes(r, node)
    add_enterprise_routes(r, node)
    add_bank_routes(r, node)
    return r


def add_public_routes(r: APIRouter, node: Node) -> None:
    @r.get("/stats", response_model=Stats, summary="融资统计 / financing by sector and bank")
    def stats() -> Any:
        """Aggregates only (public): totals, by sector (GB/T 4754 门类), by bank, and by both;
        amounts in fen, rates in basis points of the outstanding balance."""
        with reading(node, CONTRACT) as s:
            st = s.view(CONTRACT, "stats")
            raw = st["rows"]
            rows = [
                rates({k: x[k] for k in SUMS}) | {"key": f"{x['sector']}/{x['bank']}"} for x in raw
            ]
            return {
                "total": rates({k: st["total"][k] for k in SUMS}),
                "by_sector": group(raw, "sector"),
                "by_bank": group(raw, "bank"),
                "rows": rows,
                "applications": st["applications"],
                "enterprises": st["enterprises"],
                "receivables": st["receivables"],
                "height": s.height,
            }

    @r.get(
        "/licence-request",
        response_model=PresentationRequest,
        summary="企业登记核验请求 / what an enterprise's wallet presents to register",
    )
    def licence_request(
        did: str = Query(min_length=9, max_length=128, description="the enterprise's DID"),
    ) -> Any:
        """The business-licence claims the contract asks for (kind, sector, district, operator
        DID) and the nonce the presentation binds to: nothing about the enterprise."""
        check_did(did)
        with reading(node, CONTRACT) as s:
            req = s.view(CONTRACT, "licence_request")
            nonce = s.view(CONTRACT, "licence_nonce", did=did)
            return s.presentation_request(
                CONTRACT, "register_enterprise", did, req, nonce, LICENCE_PURPOSE
            )

    @signed_get(r, "/alerts", Items, "监管预警 / the regulator's alerts (signed: 金融局)")
    def alerts(request: Request, status: Literal["open", "closed"] | None = Query(None)) -> Any:
        """Multi-lending, concentration and NPL alerts, newest first: 金融局's supervisors."""
        with reading(node, CONTRACT) as s:
            signed_read(
                request,
                "the regulator's alerts",
                "finance/alerts",
                [member_of(REGULATOR, roles=("supervisor",))],
            )
            items = [a for _, a in s.items(CONTRACT, "alert/") if status in (None, a["status"])]
            return {"items": hexify(items[::-1]), "height": s.height}


def add_enterprise_routes(r: APIRouter, node: Node) -> None:
    _enterprise_file_routes(r, node)
    _consent_routes(r, node)


def _enterprise_file_routes(r: APIRouter, node: Node) -> None:
    """An enterprise's file and credit (signed reads)."""

    @signed_get(
        r,
        "/enterprises/{did}",
        Record,
        "企业融资档案 / an enterprise's own file (signed: the enterprise)",
    )
    def enterprise(request: Request, did: str = id_path("the enterprise's DID")) -> Any:
        """The enterprise's record, its applications, its consents with the data requests made
        under each, its receivables (as creditor and as debtor), its exposure and negative
        records: for the enterprise itself and the operator of a sole proprietorship."""
        check_did(did)
        with reading(node, CONTRACT) as s:
            e = enterprise_or_404(s, did)
            signed_read(
                request,
                f"the finance file of {did}",
                f"finance/enterprise/{did}",
                parties([did, e.get("operator")]),
                did,
            )
            apps = [
                s.get(CONTRACT, "app/" + k.split("/")[-1])
                for k, _ in s.items(CONTRACT, f"ent_app/{did}/")
            ]
            rcv = [
                s.get(CONTRACT, "rcv/" + k.split("/")[-1]) | {"side": side}
                for k, side in s.items(CONTRACT, f"rcv_of/{did}/")
            ]
            out = {
                "enterprise": e,
                "applications": apps[::-1],
                "consents": [with_uses(s, c) for c in consents_of(s, did)][::-1],
                "receivables": rcv[::-1],
                "exposure": s.view(CONTRACT, "exposure", did=did),
                "negative_records": s.view(CONTRACT, "negative_records", did=did),
                "height": s.height,
            }
            return hexify(out)

    @signed_get(
        r,
        "/enterprises/{did}/credit",
        Credit,
        "多头借贷与不良记录 / exposure across banks (signed: a bank with a live consent)",
    )
    def credit(request: Request, did: str = id_path("the enterprise's DID")) -> Any:
        """How many banks lend to the enterprise, the total outstanding, whether any loan is
        overdue, and its negative records within the retention period — for the enterprise
        and for banks holding a live consent of it (征信业管理条例 Art. 18), never which bank
        lends how much."""
        check_did(did)
        with reading(node, CONTRACT) as s:
            e = enterprise_or_404(s, did)
            now = now_ms(s)
            banks = [c["bank"] for c in consents_of(s, did) if live(c, now)]
            signed_read(
                request,
                f"the exposure and negative records of {did}",
                f"finance/credit/{did}",
                [*parties([did, e.get("operator")]), bankers(banks)],
                did,
            )
            x = s.view(CONTRACT, "exposure", did=did)
            neg = s.view(CONTRACT, "negative_records", did=did)
            return hexify(x | {"negative_records": neg, "height": s.height})


def _consent_routes(r: APIRouter, node: Node) -> None:
    """Consents and receivables (signed reads)."""

    @signed_get(
        r,
        "/persons/{did}/consents",
        Items,
        "经营者本人的授权 / the consents naming an operator (signed: the person)",
    )
    def person_consents(request: Request, did: str = id_path("the operator's DID")) -> Any:
        """The consents of the sole proprietorships this person operates (the licence names
        them): waiting for their own consent, active, revoked — with the data requests."""
        check_did(did)
        with reading(node, CONTRACT) as s:
            own_read(request, did, f"the consents naming {did}", f"finance/person/{did}")
            out = [with_uses(s, c) for _, c in s.items(CONTRACT, "consent/") if c["person"] == did]
            return {"items": hexify(out[::-1]), "height": s.height}

    @signed_get(
        r, "/consents/{consent_id}", Record, "授权 / a credit consent with its data uses (signed)"
    )
    def consent(request: Request, consent_id: str = id_path("consent id, e.g. CA00000001")) -> Any:
        """The consent and every data request under it: the enterprise, its operator, the
        bank it names."""
        with reading(node, CONTRACT) as s:
            c = s.record(
                CONTRACT, "consent/" + consent_id, f"no consent '{consent_id}'", "consent_id"
            )
            signed_read(
                request,
                f"consent {consent_id}",
                f"finance/consent/{consent_id}",
                [*parties([c["enterprise"], c["person"]]), bankers([c["bank"]])],
                c["enterprise"],
            )
            return hexify(with_uses(s, c) | {"height": s.height})

    @signed_get(
        r,
        "/receivables/{receivable_id}",
        Record,
        "应收账款 / a receivable (signed: creditor, debtor, its banks)",
    )
    def receivable(
        request: Request, receivable_id: str = id_path("receivable id, e.g. RV00000001")
    ) -> Any:
        """A receivable with its confirmation and every pledge or transfer: its creditor and
        debtor, the banks it was offered to (in an application) or pledged with."""
        with reading(node, CONTRACT) as s:
            rv = s.record(
                CONTRACT,
                "rcv/" + receivable_id,
                f"no receivable '{receivable_id}'",
                "receivable_id",
            )
            banks = [h["bank"] for h in rv["history"]]
            for k, _ in s.items(CONTRACT, f"ent_app/{rv['creditor']}/"):
                a = s.get(CONTRACT, "app/" + k.split("/")[-1])
                if {"kind": "receivable", "ref": receivable_id} in a["collateral"]:
                    banks.append(a["bank"])
            signed_read(
                request,
                f"receivable {receivable_id}",
                f"finance/receivable/{receivable_id}",
                [*parties([rv["creditor"], rv["debtor"]]), bankers(banks)],
                rv["creditor"],
            )
            return hexify(rv | {"height": s.height})


def add_bank_routes(r: APIRouter, node: Node) -> None:
    @signed_get(
        r,
        "/applications/{app_id}",
        Record,
        "贷款申请 / an application or loan (signed: the enterprise, its bank)",
    )
    def application(
        request: Request, app_id: str = id_path("application id, e.g. LA00000001")
    ) -> Any:
        """The application or loan with its decision, disbursements, repayments, overdue
        event, pledges and consents: the enterprise, its operator and the bank applied to —
        no other bank."""
        with reading(node, CONTRACT) as s:
            a = application_or_404(s, app_id)
            e = s.get(CONTRACT, "ent/" + a["enterprise"]) or {}
            signed_read(
                request,
                f"loan {app_id}",
                f"finance/application/{app_id}",
                [*parties([a["enterprise"], e.get("operator")]), bankers([a["bank"]])],
                a["enterprise"],
            )
            return hexify(a | {"height": s.height})

    @signed_get(
        r,
        "/banks/{bank}/applications",
        Items,
        "本行申请与贷款 / a bank's own applications and loans (signed: its bankers)",
    )
    def bank_applications(
        request: Request,
        bank: str = id_path("the bank's organisation id"),
        status: Literal[
            "applied", "approved", "refused", "withdrawn", "active", "settled", "written_off"
        ]
        | None = Query(None, description="only this status"),
    ) -> Any:
        """The applications made to this bank, newest first, each with the enterprise's kind,
        sector and district and its consents' status: the bank's bankers."""
        with reading(node, CONTRACT) as s:
            signed_read(
                request, f"the applications to {bank}", f"finance/bank/{bank}", [bankers([bank])]
            )
            out = []
            for k, _ in s.items(CONTRACT, f"bank_app/{bank}/"):
                a = s.get(CONTRACT, "app/" + k.split("/")[-1])
                if status not in (None, a["status"]):
                    continue
                e = s.get(CONTRACT, "ent/" + a["enterprise"]) or {}
                cs = [s.get(CONTRACT, "consent/" + c) for c in a["consents"]]
                out.append(
                    a
                    | {
                        "enterprise_kind": e.get("kind"),
                        "district": e.get("district"),
                        "consent_records": cs,
                    }
                )
            return {"items": hexify(out[::-1]), "height": s.height}
