"""人才引进落户 routes (``/v1/settlement/...``): what the applicant's wallet presents for a
route, an applicant's applications and certificate, one decision, a certificate record. Reads
only (writes are signed ``contract.call`` transactions: :mod:`.sdk`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from wuyi.api.reads import member_of, own_read
from wuyi.api.scenarios import (
    PresentationRequest,
    Record,
    ScenarioReader,
    add_record_route,
    check_did,
    id_path,
    reading,
    signed_get,
)
from wuyi.api.wire import hexify
from wuyi.exceptions import ValidationError
from wuyi.node.node import Node

__all__ = ["SETTLEMENT_PURPOSE", "router"]

SETTLEMENT = "settlement"
SETTLEMENT_PURPOSE = "人才引进落户申请 / talent settlement application"
ITEMS = ("home", "awards")


def _items(route: str, items: str) -> list[str]:
    chosen = [x.strip() for x in items.split(",") if x.strip()]
    if route == "graduate" and chosen:
        raise ValidationError("items belong to the points route", field="items")
    if len(set(chosen)) != len(chosen):
        raise ValidationError("an item is named twice", field="items")
    for x in chosen:
        if x not in ITEMS:
            raise ValidationError(f"unknown item '{x[:32]}' (one of home, awards)", field="items")
    return chosen


def _guard(what: str, prefix: str) -> Any:
    """A signed read of a settlement record: its holder (their DID key), members of the
    verifying department or of the police (the contract's ``cfg``), auditors."""

    def guard(request: Request, s: ScenarioReader, rec: dict[str, Any]) -> None:
        cfg = s.get(SETTLEMENT, "cfg") or {}
        holder = str(rec.get("holder", ""))
        own_read(
            request,
            holder,
            f"{what} {rec.get('id', '')}",
            f"settlement/{prefix}{rec.get('id', '')}",
            member_of(str(cfg.get("department", "")), str(cfg.get("police", ""))),
        )

    return guard


def router(node: Node) -> APIRouter:
    r = APIRouter(prefix="/settlement", tags=["scenarios"])

    @r.get(
        "/request",
        response_model=PresentationRequest,
        summary="落户申请核验请求 / what the applicant's wallet presents",
    )
    def settlement_request(
        route: Literal["graduate", "points"] = Query(description="graduate or points"),
        did: str = Query(min_length=9, max_length=128, description="the applicant's DID"),
        items: str = Query(
            "",
            max_length=64,
            description="points route: optional items claimed, comma-separated (home, awards)",
        ),
    ) -> Any:
        check_did(did)
        with reading(node, SETTLEMENT) as s:
            chosen = _items(route, items)
            req = s.view(SETTLEMENT, "request", route=route, items=chosen)
            method = req["method"]
            nonce = s.view(SETTLEMENT, "nonce", did=did, method=method)
            return s.presentation_request(SETTLEMENT, method, did, req, nonce, SETTLEMENT_PURPOSE)

    @signed_get(
        r, "/status/{did}", Record, "落户进度 / an applicant's applications and certificate"
    )
    def settlement_status(request: Request, did: str = id_path("a did:wuyi DID")) -> Any:
        """Signed read: the applicant, the department and the police, auditors."""
        check_did(did)
        with reading(node, SETTLEMENT) as s:
            _guard("the settlement status of", "status/")(request, s, {"holder": did, "id": did})
            st = s.view(SETTLEMENT, "status", did=did)
            cert_id = st["certificate"]
            rec = None if cert_id is None else s.get(SETTLEMENT, "cert/" + cert_id)
            return hexify({**st, "certificate_record": rec, "height": s.height})

    add_record_route(
        r,
        node,
        "/applications/{app_id}",
        SETTLEMENT,
        "app/",
        summary="落户申请 / one decision (failed rules or points breakdown)",
        missing="no settlement application '{id}'",
        help="application id, e.g. JMTS-00001",
        guard=_guard("settlement application", "app/"),
    )
    add_record_route(
        r,
        node,
        "/certificates/{cert_id}",
        SETTLEMENT,
        "cert/",
        summary="人才准予迁入证明记录 / a settlement certificate record",
        missing="no settlement certificate '{id}'",
        help="certificate id",
        guard=_guard("settlement certificate", "cert/"),
    )
    return r
