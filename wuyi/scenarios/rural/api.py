"""农村产权交易 routes (``/v1/rural/...``). Reads only: writes are signed ``contract.call``
transactions (:mod:`.sdk`).

Public (what the exchange publishes): the listing and results board with its aggregates
(``/board``), one listing with its revealed bids and result (``/listings/{id}``: no person's
DID, no commitment, :mod:`.board`), the collectives (organisations: code, village, town, roll
counts). The desks' records — a listing's full record and bidders, a collective's assets,
resolutions and authorisations, what a wallet's DID takes part in — and the presentation request
of the tie rule name farmers and bidders: they are **signed reads** (``wuyi.api.reads``) of the
exchange and the bureau (roles ``reviewer``, ``clearing``, ``registrar``), of the collective's
or the person's own DID key, or an auditor, each in the node's access log.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.reads import any_citizen, citizen, own_read, role, signed_read
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
from wuyi.scenarios.rural.board import PHASES, board, phase, public_listing

__all__ = ["MEMBER_PURPOSE", "router"]

RURAL = "rural"
MEMBER_PURPOSE = "集体经济组织成员优先 / collective member's priority (农村产权交易)"
LISTING_ID = "listing id, e.g. NC-000001"
#: the desks that read the personal records: the exchange and the bureau
DESK_ROLES = ("reviewer", "clearing", "registrar")


class Board(BaseModel):
    items: list[dict[str, Any]]
    board: dict[str, Any]
    now: int
    height: int


def now_ms(s: ScenarioReader) -> int:
    """The time a transaction sent now is judged at: the later of the wall clock and the last
    block's time (a quiet chain makes no blocks)."""
    return max(int(time.time() * 1000), s.time)


def _listing(s: ScenarioReader, listing_id: str) -> dict[str, Any]:
    return s.record(RURAL, "listing/" + listing_id, f"no listing '{listing_id}'", "listing_id")


def _bids(s: ScenarioReader, listing_id: str) -> list[dict[str, Any]]:
    return [b for _, b in s.items(RURAL, f"bid/{listing_id}/")]


def _listings(s: ScenarioReader) -> list[dict[str, Any]]:
    return [x for _, x in s.items(RURAL, "listing/")]


def router(node: Node) -> APIRouter:
    return group_router("/rural", node, _listing_routes, _collective_routes)


def _listing_routes(r: APIRouter, node: Node) -> None:
    """The public board, listings, bidders and the member request."""

    @r.get("/board", response_model=Board, summary="挂牌与成交公示 / the public board")
    def rural_board(
        town: str | None = Query(None, max_length=32, description="only this town's listings"),
        phase_: str | None = Query(
            None, alias="phase", max_length=16, description=f"one of {', '.join(PHASES)}"
        ),
    ) -> Any:
        """Every listing as the public sees it, newest first, and the board's aggregates."""
        if phase_ is not None and phase_ not in PHASES:
            raise ValidationError(f"phase is one of {', '.join(PHASES)}", field="phase")
        with reading(node, RURAL) as s:
            now = now_ms(s)
            all_ = _listings(s)
            shown = [
                public_listing(x, now)
                for x in reversed(all_)
                if town in (None, x["town"]) and phase_ in (None, phase(x, now))
            ]
            return {"items": hexify(shown), "board": board(all_, now), "now": now,
                    "height": s.height}  # fmt: skip

    add_id_route(r, node, "/listings/{listing_id}", RURAL, operation="rural_listing",
                 summary="挂牌公告与结果 / a listing, its revealed bids and result (public)",
                 help=LISTING_ID, answer=_public_listing)  # fmt: skip

    add_id_route(
        r, node, "/listings/{listing_id}/record", RURAL, operation="rural_listing_record",
        summary="挂牌全记录 / a listing's whole record (the exchange's desk)",
        help=LISTING_ID, answer=_listing_record, personal=True,
        doc="Signed read: the desks, the transferor (the collective's or the farmer's DID).",
    )  # fmt: skip

    @signed_get(
        r,
        "/listings/{listing_id}/bidders",
        ItemPage,
        "竞买人 / a listing's bidders: registration, qualification, deposit, bids",
    )
    def rural_bidders(
        request: Request,
        listing_id: str = id_path(LISTING_ID),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Signed read: the exchange and the bureau (the bidders are people)."""
        with reading(node, RURAL) as s:
            _listing(s, listing_id)
            signed_read(
                request,
                f"the bidders of listing {listing_id}",
                f"rural/bidders/{listing_id}",
                [role(*DESK_ROLES)],
            )
            bids = _bids(s, listing_id)
            return s.page(bids, limit=limit, cursor=cursor, key=lambda b: b["bidder"])

    @signed_get(
        r,
        "/listings/{listing_id}/member-request",
        PresentationRequest,
        "集体成员身份核验请求 / what a bidder's wallet presents for the tie rule",
    )
    def rural_member_request(
        request: Request,
        listing_id: str = id_path(LISTING_ID),
        did: str = Query(min_length=9, max_length=128, description="the bidder's DID"),
    ) -> Any:
        """Signed read: the bidder's own (it tells that this DID bids here), or the exchange."""
        check_did(did)
        with reading(node, RURAL) as s:
            _listing(s, listing_id)
            own_read(
                request,
                did,
                f"the member request of {listing_id}",
                f"rural/member-request/{listing_id}",
                role("reviewer"),
            )
            if s.get(RURAL, f"bid/{listing_id}/{did}") is None:
                raise ValidationError(f"{did} has not registered for {listing_id}", field="did")
            req = s.view(RURAL, "member_request")
            nonce = s.view(RURAL, "member_nonce", listing_id=listing_id, did=did)
            return s.presentation_request(
                RURAL, "claim_membership", did, req, nonce, MEMBER_PURPOSE
            )


def _collective_routes(r: APIRouter, node: Node) -> None:
    """Collectives and wallets."""

    @r.get("/collectives", response_model=ItemPage, summary="农村集体经济组织 / collectives")
    def rural_collectives(limit: int = limit_query(), cursor: str | None = CURSOR) -> Any:
        with reading(node, RURAL) as s:
            items = [
                {k: c[k] for k in ("code", "village", "town", "district", "did", "roll")}
                for _, c in s.items(RURAL, "collective/")
            ]
            return s.page(items, limit=limit, cursor=cursor, key=lambda c: c["code"])

    add_id_route(
        r, node, "/collectives/{code}", RURAL, operation="rural_collective",
        summary="集体台账 / a collective with its assets, resolutions and authorisations",
        help="collective code", answer=_collective, personal=True,
        doc="Signed read (its land names the farmers who hold it): the desks, the collective.",
    )  # fmt: skip

    add_id_route(
        r, node, "/wallets/{did}", RURAL, operation="rural_wallet", personal=True,
        summary="我的农村产权交易 / what a DID takes part in (its wallet's page)",
        help="a did:wuyi DID", answer=_wallet_page, check=check_did,
        doc="Signed read: the DID's own, or the exchange and the bureau.",
    )  # fmt: skip


def _wallet_page(request: Request, s: ScenarioReader, did: str) -> Any:
    """What a DID takes part in (signed read: its own, or the exchange and the bureau)."""
    own_read(
        request,
        did,
        f"the rural trading records of {did}",
        f"rural/wallet/{did}",
        role(*DESK_ROLES),
    )
    return hexify(_wallet(s, did) | {"height": s.height})


def _public_listing(_request: Request, s: ScenarioReader, listing_id: str) -> Any:
    """A listing, its revealed bids and result (public)."""
    x = _listing(s, listing_id)
    out = public_listing(x, now_ms(s), _bids(s, listing_id))
    return hexify({**out, "height": s.height})


def _listing_record(request: Request, s: ScenarioReader, listing_id: str) -> Any:
    """A listing's whole record (signed read: the desks, its transferor, its winner)."""
    x = _listing(s, listing_id)
    parties = [
        str(x.get("transferor", "")),
        _collective_did(s, x["collective"]),
        str((x.get("award") or {}).get("winner") or ""),
    ]
    signed_read(
        request,
        f"the record of listing {listing_id}",
        f"rural/listing/{listing_id}",
        [role(*DESK_ROLES), any_citizen(p for p in parties if p)],
    )
    return hexify({**x, "phase": phase(x, now_ms(s)), "height": s.height})


def _collective(request: Request, s: ScenarioReader, code: str) -> Any:
    """A collective's ledger (signed read: the desks, the collective)."""
    c = s.record(RURAL, "collective/" + code, f"no collective '{code}'", "code")
    signed_read(
        request,
        f"the ledger of collective {code}",
        f"rural/collective/{code}",
        [role(*DESK_ROLES), citizen(str(c.get("did", "")))],
    )
    assets = [a for _, a in s.items(RURAL, "asset/") if a["collective"] == code]
    res = [x for _, x in s.items(RURAL, "resolution/") if x["collective"] == code]
    auths = [x for _, x in s.items(RURAL, "auth/") if x["collective"] == code]
    now = now_ms(s)
    listings = [
        {
            "id": x["id"],
            "asset": x["asset"],
            "phase": phase(x, now),
            "reserve": x["reserve"],
        }
        for x in _listings(s)
        if x["collective"] == code
    ]
    return hexify({**c, "assets": assets, "resolutions": res, "authorisations": auths,
                   "listings": listings, "height": s.height})  # fmt: skip


def _collective_did(s: ScenarioReader, code: str) -> str:
    c = s.get(RURAL, "collective/" + code)
    return str(c.get("did", "")) if c else ""


def _wallet(s: ScenarioReader, did: str) -> dict[str, Any]:
    """The collective ``did`` acts for (with its assets, resolutions, authorisations to file,
    contracts to sign as transferor), the land it holds (with its authorisations), its bids
    (with their listings), the contracts it signs as transferee."""
    now = now_ms(s)
    code = s.get(RURAL, "collective_of/" + did)
    listings = _listings(s)
    out: dict[str, Any] = {"did": did, "collective": None, "land": [], "bids": [], "now": now}
    if code is not None:
        c = s.get(RURAL, "collective/" + code)
        c["assets"] = [a for _, a in s.items(RURAL, "asset/") if a["collective"] == code]
        c["resolutions"] = [x for _, x in s.items(RURAL, "resolution/") if x["collective"] == code]
        c["authorisations"] = [x for _, x in s.items(RURAL, "auth/") if x["collective"] == code]
        c["listings"] = [x | {"phase": phase(x, now)} for x in listings if x["collective"] == code]
        c["bidders"] = {
            x["id"]: [b for b in _bids(s, x["id"]) if b["kind"] == "person"]
            for x in listings
            if x["collective"] == code and phase(x, now) in ("notice", "bidding", "revealing")
        }
        out["collective"] = c
    held = [k.split("/")[-1] for k, _ in s.items(RURAL, f"held/{did}/")]
    auths = [x for _, x in s.items(RURAL, "auth/") if x["contractor"] == did]
    for asset_id in held:
        a = s.get(RURAL, "asset/" + asset_id)
        a["authorisations"] = [x for x in auths if x["asset"] == asset_id]
        a["listings"] = [x | {"phase": phase(x, now)} for x in listings if x["asset"] == asset_id]
        out["land"].append(a)
    for x in listings:
        b = s.get(RURAL, f"bid/{x['id']}/{did}")
        if b is not None:
            out["bids"].append({"listing": x | {"phase": phase(x, now)}, "bid": b})
    return out
