"""公证 routes (``/v1/notary/...``). Reads only: writes are signed ``contract.call``
transactions (:mod:`.sdk`).

Public (what the law makes public; no party): the offices' figures (``/offices``), a
certificate's public view (``/certificates/{no}``), the public check (``POST /check``:
number + the document's hash -> authentic / corrected / revoked / unknown), revocation notices
(``/notices``), the filings with 司法局 and 公证协会 (``/filings``), the evidence platforms'
compliance statements (``/platforms``), a court's custody check of a bundle
(``POST /custody/check``).

Signed reads (``wuyi.api.reads``: a signed request stating its purpose, in the node's access
log; members with the role ``auditor`` read everything). Case files, reviews and preserved
evidence name the parties' DIDs and commitments:

* a case (``/cases/{id}``): its holders (their DID keys), members of its office, members of
  司法局 and 公证协会 (``param supervisors``); the lists ``/cases`` and ``/reviews``: members of
  an office (their office's only) or of a supervisor;
* a citizen's cases, certificates, reviews and evidence (``/citizens/{did}``): the citizen;
* preserved evidence (``/evidence/{id}`` and its ``/bundle``): its applicant, members of every
  organisation that held it or is handed it, members of a court (``param courts``); the list
  ``/evidence``: members of a platform, office or court (what their organisation holds or is
  handed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.reads import (
    AUDITOR,
    SIGNED_READ_RESPONSES,
    Reader,
    any_citizen,
    member_of,
    own_read,
    signed_read,
)
from wuyi.api.scenarios import (
    ItemPage,
    Record,
    ScenarioReader,
    add_id_route,
    check_did,
    id_path,
    reading,
    signed_get,
)
from wuyi.api.wire import hexify, parse_hex
from wuyi.exceptions import NotFound, ProofInvalid, ValidationError
from wuyi.ledger.handlers.contracts import state_prefix
from wuyi.ledger.jsonform import from_json, to_json
from wuyi.node.node import Node

__all__ = ["router", "today_of"]

NOTARY = "notary"
CST = dt.timezone(dt.timedelta(hours=8))
CASE_STATUSES = ("accepted", "paused", "issued", "refused")
CERT_NO = "certificate number, e.g. (2026)JMGZ证字第1号"
MAX_BUNDLE_RECORDS = 256


class OfficeFigures(BaseModel):
    office: str
    cases: dict[str, int] = Field(description="cases by status")
    overdue: int = Field(description="open cases past their due date (a suspension stops it)")
    issued_on_time: int
    issued_late: int
    corrected: int
    revoked: int
    reviews_pending: int


class Offices(BaseModel):
    offices: list[OfficeFigures]
    today: str = Field(description="the latest block's date (China Standard Time)")
    height: int


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cert_no: str = Field(min_length=1, max_length=64, description=CERT_NO)
    doc_hash: str = Field(
        min_length=64, max_length=66, description="the document's hash (the chain's: SM3/SHA-256)"
    )


class CheckOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    result: Literal["authentic", "corrected", "revoked", "unknown"]
    cert_no: str
    height: int


class CustodyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bundle: dict[str, Any] = Field(description="the bundle, file form (GET …/evidence/{id}/bundle)")
    doc_hash: str | None = Field(
        None, min_length=64, max_length=66, description="the document's hash, to check it too"
    )


class CustodyOut(BaseModel):
    valid: bool
    why: str = Field(description="the failed check, or empty")
    pinned_to: str = Field(description="the genesis hash this node checked it from (its own)")
    report: dict[str, Any] | None
    height: int


def today_of(s: ScenarioReader) -> str:
    """The date of the latest block (China Standard Time): the contract's ``calendar.today``."""
    ms = s.time
    return dt.datetime.fromtimestamp(ms / 1000, tz=CST).date().isoformat()


def _cases(s: ScenarioReader) -> Iterator[dict[str, Any]]:
    for _, c in s.items(NOTARY, "case/"):
        yield c


def _figures(s: ScenarioReader) -> dict[str, Any]:
    today = today_of(s)
    offices = s.view(NOTARY, "param", name="offices")["value"]
    out = {
        o: {
            "office": o,
            "cases": dict.fromkeys(CASE_STATUSES, 0),
            "overdue": 0,
            "issued_on_time": 0,
            "issued_late": 0,
            "corrected": 0,
            "revoked": 0,
            "reviews_pending": 0,
        }
        for o in offices
    }

    for c in _cases(s):
        f = out.get(c["office"])
        if f is None:
            continue
        f["cases"][c["status"]] = f["cases"].get(c["status"], 0) + 1
        if c["status"] == "accepted" and c["due"] < today:
            f["overdue"] += 1
        if c["status"] == "issued":
            f["issued_late" if c["late_days"] else "issued_on_time"] += 1
    for _, rec in s.items(NOTARY, "cert/"):
        f = out.get(rec["fields"]["office"])
        if f is not None and rec["status"] in ("revoked", "superseded"):
            f["revoked" if rec["status"] == "revoked" else "corrected"] += 1
    for _, r in s.items(NOTARY, "review/"):
        f = out.get(r["office"])
        if f is not None and r["status"] == "pending":
            f["reviews_pending"] += 1
    return {"offices": list(out.values()), "today": today, "height": s.height}


def public_certificate(rec: dict[str, Any]) -> dict[str, Any]:
    """A certificate as the public sees it: number, type, office, dates, status, links, the
    revocation notice; no party."""
    f = rec["fields"]
    return hexify(
        {
            "id": rec["id"],
            "kind": rec["kind"],
            "type": f["type"],
            "office": f["office"],
            "doc_hash": f["doc_hash"],
            "issued_on": rec.get("issued_on"),
            "time": rec["time"],
            "height": rec["height"],
            "status": rec["status"],
            "corrects": f["corrects"] or None,
            "corrected_by": rec.get("corrected_by"),
            "revocation": rec.get("revocation"),
            "commitment": rec["commitment"],
            "credentials": len(rec.get("credentials") or []),
        }
    )


def _param(s: ScenarioReader, name: str) -> list[str]:
    return [str(x) for x in s.view(NOTARY, "param", name=name)["value"]]


def _sees_all(r: Reader, everyone: list[str]) -> bool:
    """Whether a reader allowed a list sees every item (an auditor, or a member of one of the
    organisations ``everyone``), not only their own organisation's."""
    return AUDITOR in r.roles or r.org in everyone


def _office_list(request: Request, s: ScenarioReader, what: str) -> Reader:
    """A signed read of a list of case files or reviews: a member of an office or of a
    supervisor (司法局, 公证协会)."""
    return signed_read(
        request,
        what,
        "notary/" + what.split()[-1],
        [member_of(*_param(s, "offices"), *_param(s, "supervisors"))],
    )


def _office_page(
    request: Request,
    s: ScenarioReader,
    what: str,
    items: Iterable[dict[str, Any]],
    office: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> Any:
    """A page, latest first, of case files or reviews ``items`` (of ``office``, in
    ``status``): a signed read of an office, which sees its own, or of a supervisor."""
    who = _office_list(request, s, what)
    mine = None if _sees_all(who, _param(s, "supervisors")) else who.org
    kept = [
        x
        for x in items
        if office in (None, x["office"])
        and mine in (None, x["office"])
        and status in (None, x["status"])
    ]
    return s.latest_page(kept, limit=limit, cursor=cursor)


def _guard_case(request: Request, s: ScenarioReader, c: dict[str, Any]) -> None:
    signed_read(
        request,
        f"notarial case {c['id']}",
        "notary/case/" + c["id"],
        [
            any_citizen(c["holders"]),
            member_of(c["office"], *_param(s, "supervisors")),
        ],
    )


def _evidence_orgs(s: ScenarioReader, ev: dict[str, Any]) -> list[str]:
    """The organisations that held evidence ``ev`` or are handed it."""
    orgs = {ev["platform"], ev["custodian"]} | ({ev["pending_to"]} if ev["pending_to"] else set())
    for _, step in s.items(NOTARY, f"custody/{ev['id']}/"):
        org = step.get("org")
        if org:
            orgs.add(str(org))
    return sorted(orgs)


def _guard_evidence(request: Request, s: ScenarioReader, ev: dict[str, Any]) -> None:
    applicant = ev.get("applicant") or ""
    own_read(
        request,
        applicant,
        f"preserved evidence {ev['id']}",
        "notary/evidence/" + ev["id"],
        member_of(*_evidence_orgs(s, ev), *_param(s, "courts")),
    )


def _public_routes(r: APIRouter, node: Node) -> None:
    @r.get("/offices", response_model=Offices, summary="公证机构 / the offices' figures")
    def notary_offices() -> Any:
        with reading(node, NOTARY) as s:
            return _figures(s)

    @r.get("/certificates", response_model=ItemPage, summary="公证书（公开信息）/ certificates")
    def notary_certificates(
        office: str | None = Query(None, max_length=32, description="only this office"),
        status: Literal["active", "superseded", "revoked"] | None = Query(None),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, NOTARY) as s:
            items = [
                public_certificate(c)
                for _, c in s.items(NOTARY, "cert/")
                if office in (None, c["fields"]["office"]) and status in (None, c["status"])
            ]
            return s.latest_page(items, limit=limit, cursor=cursor)

    add_id_route(r, node, "/certificates/{cert_no}", NOTARY, operation="notary_certificate",
                 summary="公证书（公开信息）/ a certificate's public view", help=CERT_NO,
                 answer=_public_certificate)  # fmt: skip

    @r.post("/check", response_model=CheckOut, summary="公证书核验 / number + document -> status")
    def notary_check(body: CheckIn) -> Any:
        doc = parse_hex(body.doc_hash, "doc_hash", length=32)
        with reading(node, NOTARY) as s:
            out = s.view(NOTARY, "check", cert_no=body.cert_no, doc_hash=doc)
            return {**hexify(out), "height": s.height}

    @r.get("/notices", response_model=ItemPage, summary="撤销公告 / revocation notices")
    def notary_notices(limit: int = limit_query(), cursor: str | None = CURSOR) -> Any:
        with reading(node, NOTARY) as s:
            items = []
            for k, cert_no in s.items(NOTARY, "notice/"):
                rec = s.get(NOTARY, "cert/" + cert_no)
                items.append({"seq": int(k.split("/")[-1]), **public_certificate(rec)})
            items.reverse()
            return s.page(
                items, limit=limit, cursor=cursor, key=lambda x: x["seq"], descending=True
            )

    @r.get("/filings", response_model=ItemPage, summary="报备 / filings with 司法局 and 公证协会")
    def notary_filings(
        office: str | None = Query(None, max_length=32, description="only this office"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, NOTARY) as s:

            def wanted(f: dict[str, Any]) -> bool:
                return office in (None, f["office"])

            return s.newest_items(
                NOTARY, "filing/", keep=wanted, key="seq", limit=limit, cursor=cursor
            )

    @r.get(
        "/platforms", response_model=ItemPage, summary="存证平台合规声明 / compliance statements"
    )
    def notary_platforms() -> Any:
        with reading(node, NOTARY) as s:
            items = [p for _, p in s.items(NOTARY, "platform/")]
            return {"items": hexify(items), "next": None, "height": s.height}


def _case_routes(r: APIRouter, node: Node) -> None:
    @signed_get(r, "/cases", ItemPage, "公证案件 / cases, newest first (signed read)")
    def notary_cases(
        request: Request,
        office: str | None = Query(None, max_length=32, description="only this office"),
        status: Literal["accepted", "paused", "issued", "refused"] | None = Query(None),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, NOTARY) as s:
            cases = _cases(s)
            return _office_page(request, s, "notarial cases", cases, office, status, limit, cursor)

    @signed_get(r, "/cases/{case_id}", Record, "公证案件 / one case (signed read)")
    def notary_case(
        request: Request, case_id: str = id_path("case id, e.g. JMGZ-2026-00001")
    ) -> Any:
        with reading(node, NOTARY) as s:
            c = s.record(NOTARY, "case/" + case_id, f"no case '{case_id}'", "case_id")
            _guard_case(request, s, c)
            cert = None if c["certificate"] is None else s.get(NOTARY, "cert/" + c["certificate"])
            return hexify({**c, "certificate_record": cert, "today": today_of(s)})

    @signed_get(r, "/reviews", ItemPage, "复查 / review requests (signed read)")
    def notary_reviews(
        request: Request,
        office: str | None = Query(None, max_length=32, description="only this office"),
        status: Literal["pending", "maintained", "corrected", "revoked"] | None = Query(None),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, NOTARY) as s:
            reviews = (x for _, x in s.items(NOTARY, "review/"))
            return _office_page(
                request, s, "notarial reviews", reviews, office, status, limit, cursor
            )

    @signed_get(
        r, "/citizens/{did}", Record, "我的公证 / a DID's cases, reviews (signed read: the citizen)"
    )
    def notary_citizen(request: Request, did: str = id_path("a did:wuyi DID")) -> Any:
        check_did(did)
        with reading(node, NOTARY) as s:
            own_read(request, did, f"the notarial records of {did}", "notary/citizen/" + did)
            ids = [k.split("/")[-1] for k, _ in s.items(NOTARY, f"holder_case/{did}/")]
            cases = [s.get(NOTARY, "case/" + i) for i in ids]
            certs = [s.get(NOTARY, "cert/" + c["certificate"]) for c in cases if c["certificate"]]
            for cert in list(certs):  # and the corrections that superseded them
                seen = 0
                while cert["corrected_by"] and seen < 64:
                    cert = s.get(NOTARY, "cert/" + cert["corrected_by"])
                    certs.append(cert)
                    seen += 1
            rids = [k.split("/")[-1] for k, _ in s.items(NOTARY, f"holder_review/{did}/")]
            eids = [k.split("/")[-1] for k, _ in s.items(NOTARY, f"applicant_ev/{did}/")]
            return hexify(
                {
                    "did": did,
                    "cases": cases,
                    "certificates": [public_certificate(c) for c in certs],
                    "reviews": [s.get(NOTARY, "review/" + i) for i in rids],
                    "evidence": [s.get(NOTARY, "ev/" + i) for i in eids],
                    "today": today_of(s),
                    "height": s.height,
                }
            )


def custody_keys(s: ScenarioReader, evidence_id: str) -> list[bytes]:
    """The state keys of evidence ``evidence_id``'s record and of its custody steps."""
    ev = s.record(NOTARY, "ev/" + evidence_id, f"no evidence '{evidence_id}'", "evidence_id")
    base = state_prefix(NOTARY)
    steps = [base + f"custody/{evidence_id}/{i:04d}".encode() for i in range(1, ev["steps"] + 1)]
    return [base + b"ev/" + evidence_id.encode(), *steps]


def _evidence_routes(r: APIRouter, node: Node) -> None:
    eid_path = id_path("evidence id, e.g. CZ-2026-000001")

    @signed_get(r, "/evidence", ItemPage, "电子存证 / preserved evidence (signed read)")
    def notary_evidence_list(
        request: Request,
        custodian: str | None = Query(None, max_length=32, description="held by this org"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, NOTARY) as s:
            keepers = [*_param(s, "evidence_platforms"), *_param(s, "offices")]
            who = signed_read(
                request,
                "preserved evidence",
                "notary/evidence",
                [member_of(*keepers, *_param(s, "courts"))],
            )
            mine = None if AUDITOR in who.roles else who.org
            items = [
                e
                for _, e in s.items(NOTARY, "ev/")
                if custodian in (None, e["custodian"], e["pending_to"])
                and mine in (None, e["custodian"], e["pending_to"])
            ]
            items.reverse()
            return s.page(items, limit=limit, cursor=cursor, key=lambda e: e["id"], descending=True)

    @signed_get(
        r,
        "/evidence/{evidence_id}",
        Record,
        "电子存证 / a preserved document and its chain of custody (signed read)",
    )
    def notary_evidence(request: Request, evidence_id: str = eid_path) -> Any:
        with reading(node, NOTARY) as s:
            ev = s.record(
                NOTARY, "ev/" + evidence_id, f"no evidence '{evidence_id}'", "evidence_id"
            )
            _guard_evidence(request, s, ev)
            out = s.view(NOTARY, "evidence", evidence_id=evidence_id)
            return hexify({**out, "height": s.height})

    @r.get(
        "/evidence/{evidence_id}/bundle",
        response_model=Record,
        responses=SIGNED_READ_RESPONSES,
        summary="保管链证明包 / the evidence and every custody step in one proof bundle"
        " (signed read)",
        response_description='wuyi-proof-bundle/2 with records; bytes as {"$bytes": hex};'
        " check with `wuyi notary custody` or `wuyi verify`",
    )
    def notary_evidence_bundle(request: Request, evidence_id: str = eid_path) -> Any:
        with reading(node, NOTARY) as s:
            wanted = custody_keys(s, evidence_id)
            _guard_evidence(request, s, s.get(NOTARY, "ev/" + evidence_id))
        out: dict[str, Any] = to_json(node.proof_bundle_of(wanted))
        return out

    @r.post(
        "/custody/check",
        response_model=CustodyOut,
        summary="保管链核验 / a court's check of a custody bundle (by this node)",
    )
    def notary_custody_check(body: CustodyIn) -> Any:
        from wuyi.scenarios.notary.custody import check_custody

        if len(body.bundle.get("records") or []) > MAX_BUNDLE_RECORDS:
            raise ValidationError(f"at most {MAX_BUNDLE_RECORDS} records", field="bundle")
        doc = None if body.doc_hash is None else parse_hex(body.doc_hash, "doc_hash", length=32)
        out: dict[str, Any] = {
            "valid": False,
            "why": "",
            "pinned_to": node.genesis_hash.hex(),
            "report": None,
            "height": node.store.height,
        }
        try:
            bundle = from_json(body.bundle)
            rep = check_custody(bundle, None, genesis_hash=node.genesis_hash)
            if doc is not None and doc != rep.doc_hash:
                raise ProofInvalid(
                    f"custody: the document is not the one preserved as {rep.evidence}"
                )
        except ProofInvalid as exc:
            out["why"] = exc.message
            return out
        except (ValidationError, NotFound) as exc:  # a malformed file form
            out["why"] = f"bundle is malformed: {exc.message}"
            return out
        out["valid"] = True
        out["report"] = custody_answer(rep, doc is not None)
        return out


def custody_answer(rep: Any, document: bool) -> dict[str, Any]:
    """A :class:`~wuyi.scenarios.notary.custody.CustodyReport` as JSON."""
    return hexify(
        {
            "evidence": rep.evidence,
            "doc_hash": rep.doc_hash,
            "algo": rep.algo,
            "captured_at": rep.captured_at,
            "preserved_at": rep.preserved_at,
            "method": rep.method,
            "device_attestation": rep.device_attestation,
            "platform": rep.platform,
            "statement": rep.statement,
            "statement_version": rep.statement_version,
            "submitter": rep.submitter,
            "applicant": rep.applicant,
            "custodian": rep.custodian,
            "pending_to": rep.pending_to,
            "steps": rep.steps,
            "checks": rep.checks,
            "document": document,
            "chain_id": rep.bundle.chain_id,
            "genesis_hash": rep.bundle.genesis_hash,
            "state_height": rep.bundle.records[0].state_height,
        }
    )


def _public_certificate(_request: Request, s: ScenarioReader, cert_no: str) -> Any:
    """A certificate's public view, with the height it was read at (``height_now``)."""
    rec = s.record(NOTARY, "cert/" + cert_no, f"no certificate '{cert_no}'", "cert_no")
    return {**public_certificate(rec), "height_now": s.height}


def router(node: Node) -> APIRouter:
    r = APIRouter(prefix="/notary", tags=["scenarios"])
    _public_routes(r, node)
    _case_routes(r, node)
    _evidence_routes(r, node)
    return r
