"""住房网签 routes (``/v1/housing/...``): contracts (by status, by unit), one contract with its
full trace, what the first buyer's wallet presents for the purchase eligibility, the bureau's
dashboard. Reads only (writes are signed ``contract.call`` transactions: :mod:`.sdk`).

A contract names its buyers, price and loans: the contract routes are **signed reads**
(``wuyi.api.reads``) of its buyers and seller (their DID keys), of members of the developer
organisation, of a member with the role ``filing`` (the bureau) or ``banker``, or an auditor,
each in the node's access log; the eligibility request is the first buyer's. The dashboard
(aggregates) stays public."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.reads import any_citizen, citizen, member_of, reads_of, role, signed_read
from wuyi.api.scenarios import (
    ItemPage,
    PresentationRequest,
    ScenarioReader,
    add_id_route,
    check_did,
    group_router,
    id_path,
    reading,
    signed_get,
)
from wuyi.api.wire import hexify
from wuyi.exceptions import ValidationError
from wuyi.node.node import Node

__all__ = ["ELIGIBILITY_PURPOSE", "router"]

HOUSING = "housing"
ELIGIBILITY_PURPOSE = "购房资格审核 / purchase eligibility (住房网签)"
CONTRACT_ID = "housing contract id, e.g. WQ00000001"


class Dashboard(BaseModel):
    counts: dict[str, int]
    total: int
    active_filings: int
    height: int


def _contract(s: ScenarioReader, contract_id: str) -> dict[str, Any]:
    missing = f"no housing contract '{contract_id}'"
    return s.record(HOUSING, "contract/" + contract_id, missing, "contract_id")


#: who may read housing contracts besides their parties (and auditors)
HOUSING_ROLES = ("filing", "banker")


def router(node: Node) -> APIRouter:
    return group_router("/housing", node, _contract_routes, _eligibility_routes)


def _contract_routes(r: APIRouter, node: Node) -> None:
    """Housing contracts (signed reads)."""

    @signed_get(r, "/contracts", ItemPage, "网签合同 / housing contracts, newest first")
    def housing_contracts(
        request: Request,
        status: Literal["draft", "eligible", "signed", "filed", "completed", "cancelled"]
        | None = Query(None, description="only contracts in this status"),
        unit: str | None = Query(None, max_length=128, description="only this unit's contracts"),
        buyer: str | None = Query(
            None, max_length=128, description="only the contracts this DID buys (the buyer's own)"
        ),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Signed read: the bureau (``filing``), banks, developers (``developer``), auditors;
        with ``buyer``, that buyer too (their own contracts)."""
        if buyer is not None:
            check_did(buyer, "buyer")
        with reading(node, HOUSING) as s:
            signed_read(
                request,
                f"the housing contracts{f' of {buyer}' if buyer else ''}",
                f"housing/contracts/{unit or '*'}/{buyer or '*'}",
                [role("developer", *HOUSING_ROLES)]
                + ([citizen(buyer)] if buyer is not None else []),
                buyer or "",
            )
            return s.newest_of(
                HOUSING,
                "contract/",
                None if unit is None else f"unit_contracts/{unit}/",
                keep=lambda c: (
                    status in (None, c["status"]) and (buyer is None or buyer in c["buyers"])
                ),
                limit=limit,
                cursor=cursor,
            )

    add_id_route(
        r, node, "/contracts/{contract_id}", HOUSING, operation="housing_contract",
        summary="网签合同 / a housing contract with its full trace", help=CONTRACT_ID,
        answer=_housing_contract, personal=True,
        doc="Regression (issue #16 item 6): price, loans and buyers' DIDs were public. Now its\n"
        "parties, the developer's members, the bureau, banks and auditors (signed, logged).",
    )  # fmt: skip


def _housing_contract(request: Request, s: ScenarioReader, contract_id: str) -> Any:
    """A housing contract with its full trace (signed read: its parties, the developer's
    members, the bureau, banks and auditors)."""
    c = _contract(s, contract_id)
    parties = [*map(str, c.get("buyers", [])), str(c.get("seller", ""))]
    signed_read(
        request,
        f"housing contract {contract_id}",
        f"housing/contract/{contract_id}",
        [
            any_citizen(parties),
            member_of(str(c.get("developer", ""))),
            role(*HOUSING_ROLES),
        ],
        ",".join(p for p in parties if p.startswith("did:")),
    )
    return hexify({**c, "height": s.height})


def _eligibility_routes(r: APIRouter, node: Node) -> None:
    """The eligibility request and the dashboard."""

    @signed_get(
        r,
        "/contracts/{contract_id}/eligibility-request",
        PresentationRequest,
        "购房资格核验请求 / what the buyer's wallet presents for eligibility",
    )
    def eligibility_request(
        request: Request,
        contract_id: str = id_path(CONTRACT_ID),
        did: str = Query(min_length=9, max_length=128, description="the first buyer's DID"),
        social_security: bool = Query(
            False, description="a non-local family also presents its social-security months"
        ),
    ) -> Any:
        check_did(did)
        with reading(node, HOUSING) as s:
            c = _contract(s, contract_id)
            reads_of(request).require(  # it tells whose contract this is: the buyer's own read
                request,
                what=f"the eligibility request of {contract_id}",
                record=f"housing/eligibility/{contract_id}",
                subject=did,
                allow=[citizen(did), role("filing")],
            )
            if did != c["buyers"][0]:
                raise ValidationError(
                    f"{did} is not the first buyer of '{contract_id}'; the first buyer presents"
                    " the family's credentials",
                    field="did",
                )
            req = s.view(HOUSING, "eligibility_request", with_social_security=social_security)
            nonce = s.view(HOUSING, "eligibility_nonce", contract_id=contract_id, did=did)
            return s.presentation_request(
                HOUSING, "check_eligibility", did, req, nonce, ELIGIBILITY_PURPOSE
            )

    @r.get("/dashboard", response_model=Dashboard, summary="网签备案统计 / the bureau's dashboard")
    def housing_dashboard() -> Any:
        with reading(node) as s:
            counts = s.view(HOUSING, "dashboard")
            active = sum(1 for _ in s.items(HOUSING, "active/"))
            return {
                "counts": counts,
                "total": sum(counts.values()),
                "active_filings": active,
                "height": s.height,
            }
