"""不动产登记 across chains (run by the cross-chain demo step, ``wuyi.crosschain.demo``): a bank
on the financial chain recognises that a home has **no mortgage and no seizure** on the city
chain's property registry — a non-membership proof of ``enc/<unit>`` (present only while the
unit is encumbered), at most 10 minutes old — before it lends; the unit's record never
crosses. The seized home's key is present, so the bank's contract refuses it.

The financial chain's ``xloan`` contract reads the recognition record (never the proof)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["CONSUMERS", "FACTS", "PREFIXES", "run"]

PREFIX = b"contract/realestate/s/enc/"
PREFIXES = (PREFIX,)
FACTS = {
    "unit_unencumbered": {
        "prefix": PREFIX,
        "max_age_ms": 600_000,
        "description": "不动产无抵押、无查封（键不存在）/ no mortgage, no seizure (key absent)",
    },
}

XLOAN = '''"""抵押贷款前核验 (financial chain): the bank checks, from the city chain's property
registry, that a home has no mortgage and no seizure (a recognised absence), and records its
loan review (accepted or refused). Nothing about the home but its unit number is here."""

from typing import Any

from wuyi.contract import call, ctx, emit, recognition, require, state, view

ROLES = []
SOURCE = "jiangmen-gov"


@call
def review(unit_id: str, record_id: str) -> dict:
    r = recognition(record_id)
    require(r["chain"] == SOURCE, "the fact is not from the city chain")
    require(r["fact"] == "unit_unencumbered", "not a fact about encumbrance")
    require(r["key"] == ("contract/realestate/s/enc/" + unit_id).encode(), "another unit's fact")
    ok = not r["present"]
    rec = {"unit": unit_id, "unencumbered": ok, "source_height": r["height"],
           "record": record_id, "bank": ctx.sender_org, "height": ctx.height}
    state.set("review/" + unit_id + "/" + record_id, rec)
    emit("LoanReview", unit=unit_id, unencumbered=ok)
    return rec


@view
def reviews(unit_id: str) -> list:
    return [v for _, v in state.range("review/" + unit_id + "/")]
'''

CONSUMERS = {"xloan": XLOAN}


def run(
    city: Any,
    recognise: Callable[[str, bytes, str, str], str],
    call: Callable[[str, str, dict[str, Any]], Any],
) -> list[str]:
    """The bank's two checks: a home with no encumbrance (accepted) and the seized home
    (recognised as encumbered; the loan review refuses it). Returns lines for the banner."""
    from wuyi.scenarios.housing.demo import UNITS
    from wuyi.scenarios.realestate.demo import SEIZED

    def unencumbered(unit_id: str) -> bool:
        u = city.query("realestate", "unit", {"unit_id": unit_id})
        return u is not None and not u["mortgages"] and not u["seizures"]

    free = next((u.id for u in UNITS if unencumbered(u.id)), None)
    lines = []
    for unit in (free, SEIZED.id):
        if unit is None:
            continue
        rid = recognise("unit_unencumbered", PREFIX + unit.encode(), "xloan", "抵押贷款前核验")
        rec = call("xloan", "review", {"unit_id": unit, "record_id": rid})
        ok = bool(rec and rec.get("unencumbered"))
        verdict = (
            "无抵押、无查封：受理 / unencumbered: accepted"
            if ok
            else "有抵押或查封：拒绝 / encumbered: refused"
        )
        lines.append(f"  {unit}  {verdict}  (record {rid})")
    return lines
