"""The public listing and results board (公开挂牌与成交公示) of 农村产权交易, as pure functions
of the contract's records: what a listing shows the public (the asset, the terms, the windows,
the counts, the revealed bids without who made them, the result) and the board's aggregates
(by town, bids against the reserve). Persons are never named: a person bidder or transferor is
shown as its kind, an organisation by its organisation DID (an enterprise is public in the
exchange's announcements). No I/O: :mod:`.api` reads the records and the time."""

from __future__ import annotations

from typing import Any

from wuyi.scenarios.rural.contract import phase_of

__all__ = ["PHASES", "board", "phase", "public_bids", "public_listing"]

PHASES = (
    "notice",
    "bidding",
    "revealing",
    "closed",
    "withdrawn",
    "failed",
    "awarded",
    "contracted",
    "announced",
)
ORG = "did:wuyi:org:"


def phase(x: dict[str, Any], now: int) -> str:
    """The listing's status, or for a published one where its windows stand at ``now`` (ms):
    ``notice``, ``bidding``, ``revealing``, ``closed`` (waiting for the award). The contract
    judges from the block time with the same function (``phase_of``)."""
    return str(phase_of(x, now))


def party(did: str | None) -> dict[str, Any]:
    """A party as the public sees it: an organisation by its DID, a person by its kind."""
    if did is None:
        return {"kind": None, "org": None}
    if did.startswith(ORG):
        return {"kind": "org", "org": did}
    return {"kind": "person", "org": None}


def public_bids(bids: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The revealed bids, highest first, without who made them (kind and membership only);
    sealed bids are counted, never shown."""
    out = [
        {
            "amount": b["reveal"]["amount"],
            "valid": b["reveal"]["valid"],
            "reason": b["reveal"]["reason"],
            "kind": b["kind"],
            "member": b["member"] is not None,
        }
        for b in bids
        if b.get("reveal")
    ]
    return sorted(out, key=lambda b: -int(b["amount"]))


def public_listing(x: dict[str, Any], now: int, bids: list[dict[str, Any]] | None = None) -> Any:
    """What the public sees of listing ``x`` at ``now``: no DID of a person, no commitment."""
    aw = x.get("award")
    result = None
    if aw is not None:
        result = {
            "rule": aw["rule"],
            "amount": aw["amount"],
            "winner": party(aw["winner"]),
            "member": aw["member"],
            "tied": len(aw["tied"]),
            "committed": aw["committed"],
            "revealed": aw["revealed"],
            "valid": aw["valid"],
            "forfeited": len(aw["forfeited"]),
            "height": aw["height"],
            "time": aw["time"],
        }
    contract = x.get("contract")
    signed = None
    if contract is not None:
        sig = contract["signatures"]
        signed = {
            "recorded_height": contract["recorded"]["height"],
            "transferor": sig["transferor"] is not None,
            "transferee": sig["transferee"] is not None,
            "method": contract["clauses"]["price_payment"]["method"],
            "total": contract["clauses"]["price_payment"]["total"],
        }
    out = {
        k: x[k]
        for k in (
            "id", "asset", "kind", "collective", "village", "town", "district", "name",
            "location", "area", "grade", "reserve", "deposit", "use", "term_start",
            "term_years", "term_end", "bid_open", "bid_close", "reveal_close", "status",
            "round", "relist_of", "relisted_as", "counts", "paid", "cert", "registration",
        )
    }  # fmt: skip
    out.update(
        phase=phase(x, now),
        published=x["published"],
        source={"kind": x["source"]["kind"], "id": x["source"]["id"]},
        transferor=party(x["transferor"]) | {"role": x["transferor_kind"]},
        result=result,
        contract=signed,
        payments=[
            {"amount": p["amount"], "year": p["year"], "time": p["time"]} for p in x["payments"]
        ],
        announcement=x.get("announcement"),
        withdrawal=x.get("withdrawal"),
    )
    if bids is not None:
        out["bids"] = public_bids(bids)
    return out


def board(listings: list[dict[str, Any]], now: int) -> dict[str, Any]:
    """The board's aggregates over every listing: counts by phase, by town (listings, awarded,
    failed, area in 0.01 亩, awarded value a year), and each result against its reserve."""
    by_phase = dict.fromkeys(PHASES, 0)
    towns: dict[str, dict[str, Any]] = {}
    results = []
    for x in listings:
        p = phase(x, now)
        by_phase[p] += 1
        t = towns.setdefault(
            x["town"],
            {"town": x["town"], "district": x["district"], "listings": 0, "awarded": 0,
             "failed": 0, "area": 0, "value": 0},
        )  # fmt: skip
        t["listings"] += 1
        t["area"] += x["area"]
        aw = x.get("award")
        if x["status"] == "failed":
            t["failed"] += 1
        if aw is not None and aw["amount"] is not None:
            t["awarded"] += 1
            t["value"] += aw["amount"]
            results.append(
                {
                    "id": x["id"],
                    "town": x["town"],
                    "name": x["name"],
                    "reserve": x["reserve"],
                    "amount": aw["amount"],
                    "premium_pct": (aw["amount"] - x["reserve"]) * 100 // x["reserve"],
                    "rule": aw["rule"],
                    "time": aw["time"],
                }
            )
    awarded = [r for r in results]
    return {
        "total": len(listings),
        "by_phase": by_phase,
        "by_town": sorted(towns.values(), key=lambda t: (-t["listings"], t["town"])),
        "results": sorted(results, key=lambda r: r["id"]),
        "awarded": len(awarded),
        "value": sum(r["amount"] for r in awarded),
        "reserve": sum(r["reserve"] for r in awarded),
    }
