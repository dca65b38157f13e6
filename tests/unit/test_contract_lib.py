"""The contract standard library (``wuyi.contract.lib``): governed parameters, e-certificates,
the working-day calendar around Spring Festival and National Day, money in fen — run inside the
sandbox by a contract that imports them — and the rule that keeps validators agreeing: a
contract linking the library runs only where the chain's pinned library hash is the node's."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wuyi.contract.lib import LIBRARY_HASH, calendar, checks, library_hash, money, sources
from wuyi.exceptions import (
    ContractFault,
    ContractRejected,
    ContractRevert,
    InvariantBroken,
    ValidationError,
)
from wuyi.ledger.handlers.contracts import query_contract
from wuyi.params import ChainParams
from wuyi.testing.contracts import ContractTester
from wuyi.testing.factories import LedgerHarness

TABLE = calendar.CN_HOLIDAYS

SOURCE = '''
"""Uses every module of the library."""
from typing import Any

from wuyi.contract import call, ctx, require, view
from wuyi.contract.lib import calendar, certs, money, params

PARAMS = {
    "deadline_days": {"kind": "int", "min": 1, "max": 60, "default": 15,
                      "basis": "《不动产登记暂行条例》第二十条（登记时限）"},
    "offices": {"kind": "codes", "default": ["bdc"], "min_items": 1, "basis": "设立登记机构"},
    "holidays": {"kind": "holidays", "default": calendar.CN_HOLIDAYS,
                 "basis": "国务院办公厅节假日安排"},
}


@call
def init() -> None:
    params.init(PARAMS)


@call
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    require(ctx.sender_org == "bdc", "param rule: only bdc")
    return params.change(PARAMS, name, value, reason, basis)


@view
def param(name: str) -> Any:
    return params.value(name)


@view
def history(name: str) -> list:
    return params.history(name)


@view
def due(start: str) -> str:
    return calendar.add_working_days(start, params.value("deadline_days"),
                                     params.value("holidays"))


@view
def between(start: str, end: str) -> int:
    return calendar.working_days_between(start, end, params.value("holidays"))


@view
def today() -> str:
    return calendar.today()


@view
def fee(price: int) -> list:
    money.positive(price, "price")
    return [money.yuan(price), money.percent(price, 3), money.split(price, [2, 1])]


@call
def grant(cert_id: str, holder: str) -> dict:
    return certs.record(cert_id, "准予登记", [holder], {"unit": "440703-001-0001"})


@call
def link_credential(cert_id: str, idx: int, holder: str | None = None) -> dict:
    return certs.link(cert_id, idx, holder, ["bdc"])
'''


def make_tester(**kw: Any) -> ContractTester:
    t = ContractTester(**kw)
    t.identity("bdc", org="bdc", roles=["admin", "issuer"])
    t.identity("zjj", org="zjj", roles=["admin"])
    return t


# -- the calendar --------------------------------------------------------------------------------


def test_spring_festival_2026_with_its_make_up_working_days() -> None:
    # 2026: off 2-15 (Sun, 腊月二十八) to 2-23 (Mon, 正月初七); 2-14 (Sat) and 2-28 (Sat) work
    assert calendar.weekday("2026-02-14") == 5 and calendar.weekday("2026-02-28") == 5
    assert calendar.is_working_day("2026-02-14", TABLE)  # Saturday, 调休上班
    assert not calendar.is_working_day("2026-02-16", TABLE)  # Monday, holiday
    assert calendar.add_working_days("2026-02-13", 1, TABLE) == "2026-02-14"
    assert calendar.add_working_days("2026-02-14", 1, TABLE) == "2026-02-24"
    assert calendar.add_working_days("2026-02-12", 5, TABLE) == "2026-02-26"
    assert calendar.add_working_days("2026-02-12", 5, {}) == "2026-02-19"  # weekends only
    assert calendar.working_days_between("2026-02-13", "2026-02-24", TABLE) == 2
    assert calendar.working_days_between("2026-02-24", "2026-03-01", TABLE) == 4  # 2-28 works
    assert calendar.add_working_days("2026-02-15", 0, TABLE) == "2026-02-24"
    assert calendar.add_working_days("2026-02-13", 0, TABLE) == "2026-02-13"


def test_new_year_and_national_day_2026() -> None:
    assert calendar.is_working_day("2026-01-04", TABLE)  # Sunday, 调休上班
    assert calendar.add_working_days("2025-12-31", 1, TABLE) == "2026-01-04"
    assert calendar.add_working_days("2026-09-30", 1, TABLE) == "2026-10-08"
    assert calendar.working_days_between("2026-10-07", "2026-10-11", TABLE) == 3  # 8, 9, 10
    assert calendar.is_working_day("2026-09-20", TABLE)  # Sunday before National Day


def test_spring_festival_2027_is_marked_provisional() -> None:
    entry = TABLE["2027"]
    assert entry["status"] == "provisional" and "PROVISIONAL" in entry["basis"]
    # 除夕 2027-02-05 (Fri) to 初三 02-08 (Mon): the statutory days are off
    assert [calendar.is_working_day(f"2027-02-0{d}", TABLE) for d in (4, 5, 8, 9)] == [
        True,
        False,
        False,
        True,
    ]
    assert calendar.add_working_days("2027-02-04", 1, TABLE) == "2027-02-09"
    assert TABLE["2026"]["status"] == "published"


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2199, 12, 31)))
def test_day_numbers_match_the_gregorian_calendar(d: dt.date) -> None:
    n = (d - dt.date(1970, 1, 1)).days
    assert calendar.days_from_civil(d.year, d.month, d.day) == n
    assert calendar.civil_from_days(n) == [d.year, d.month, d.day]
    assert calendar.parse(d.isoformat()) == n and calendar.format_day(n) == d.isoformat()
    assert calendar.weekday(d.isoformat()) == d.weekday()


def test_bad_dates_and_tables_are_refused() -> None:
    for bad in ("2026-02-30", "2026-2-14", "20260214", "1969-12-31", 20260214):
        with pytest.raises(ContractRevert, match="calendar rule"):
            calendar.parse(bad)
    with pytest.raises(ContractRevert, match="both off and a working day"):
        calendar.check_table(
            {
                "2026": {
                    "off": ["2026-02-14"],
                    "work": ["2026-02-14"],
                    "basis": "x",
                    "status": "published",
                }
            }
        )
    with pytest.raises(ContractRevert, match="not in 2026"):
        calendar.check_table(
            {"2026": {"off": ["2027-01-01"], "work": [], "basis": "x", "status": "published"}}
        )
    with pytest.raises(ContractRevert, match="status is one of"):
        calendar.check_table({"2026": {"off": [], "work": [], "basis": "x", "status": "maybe"}})


# -- money -----------------------------------------------------------------------------------------


def test_money_in_fen() -> None:
    assert money.yuan(168_000_000) == "1,680,000.00"
    assert money.yuan(5) == "0.05" and money.yuan(-123_456) == "-1,234.56"
    assert money.of_yuan("1,680,000.5") == 168_000_050 and money.of_yuan("12") == 1200
    assert money.percent(100_000_000, 70) == 70_000_000
    assert money.basis_points(10_001, 5000) == 5000
    assert money.split(100, [1, 1, 1]) == [34, 33, 33]
    assert money.split(10, [3, 1]) == [8, 2]
    for bad in ("1.234", "-5", "1e5", "¥5", ""):
        with pytest.raises(ContractRevert, match="money rule"):
            money.of_yuan(bad)
    with pytest.raises(ContractRevert, match="money rule: price"):
        money.positive(0, "price")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**12), st.lists(st.integers(1, 10**6), min_size=1, max_size=12))
def test_split_shares_every_fen(amount: int, weights: list[int]) -> None:
    parts = money.split(amount, weights)
    assert sum(parts) == amount and len(parts) == len(weights)
    total = sum(weights)
    assert all(
        amount * w // total <= p <= amount * w // total + 1
        for p, w in zip(parts, weights, strict=True)
    )


def test_calendar_months_and_days() -> None:
    assert calendar.add_months("2026-01-31", 1) == "2026-02-28"
    assert calendar.add_months("2028-01-31", 1) == "2028-02-29"  # leap year
    assert calendar.add_months("2026-03-31", -1) == "2026-02-28"
    assert calendar.add_months("2026-11-15", 14) == "2028-01-15"
    assert calendar.add_months("2026-05-20", 0) == "2026-05-20"
    assert calendar.add_months("2026-01-15", -13) == "2024-12-15"
    assert [calendar.days_in_month(2026, m) for m in (1, 2, 4, 12)] == [31, 28, 30, 31]
    assert calendar.days_in_month(2000, 2) == 29 and calendar.days_in_month(1900, 2) == 28
    assert calendar.days_between("2026-02-13", "2026-02-24") == 11
    assert calendar.days_between("2026-02-24", "2026-02-13") == -11
    with pytest.raises(ContractRevert, match="calendar rule"):
        calendar.add_months("2026-02-30", 1)


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(1970, 1, 1), dt.date(2150, 12, 31)), st.integers(-240, 240))
def test_add_months_keeps_the_day_or_takes_the_last(d: dt.date, n: int) -> None:
    total = d.year * 12 + d.month - 1 + n
    y, m = total // 12, total % 12 + 1
    last = (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)).day
    assert calendar.add_months(d.isoformat(), n) == dt.date(y, m, min(d.day, last)).isoformat()


def test_input_checks() -> None:
    did = "did:wuyi:abcdefghijklmnop"
    assert checks.is_did(did) and not checks.is_did("did:web:abcdefghijkl")
    assert not checks.is_did("did:wuyi:a") and not checks.is_did(None)
    long_did = "did:wuyi:" + "x" * 100
    assert not checks.is_did(long_did) and checks.is_did(long_did, 128)
    assert checks.check_did(did, "owner rule: owner") == did
    with pytest.raises(ContractRevert, match="owner rule: owner must be a did:wuyi DID"):
        checks.check_did("nobody", "owner rule: owner")
    assert checks.org_did("scjgj") == "did:wuyi:org:scjgj"
    h = bytes(32)
    assert checks.is_hash(h) and not checks.is_hash(bytes(31)) and not checks.is_hash("a" * 32)
    assert checks.check_hash(h, "x") == h and checks.check_hash(None, "x", optional=True) is None
    with pytest.raises(ContractRevert, match="notice rule: doc_hash must be a 32-byte hash"):
        checks.check_hash(None, "notice rule: doc_hash")
    with pytest.raises(ContractRevert, match="input rule: doc is a 32-byte hash"):
        checks.check_hash(b"x", "input rule: doc", says="is")
    with pytest.raises(ContractRevert, match="input rule: name is a text of 1-2 characters"):
        checks.check_text("", "input rule: name", 2, says="is")
    assert checks.check_text("慈善", "input rule: name", 2) == "慈善"
    assert checks.check_text("  ", "name", 2) == "  "
    for bad, blank in (("", True), ("abc", True), ("  ", False), (3, True)):
        with pytest.raises(ContractRevert, match="name must be a text of 1-2 characters"):
            checks.check_text(bad, "name", 2, blank=blank)
    assert checks.is_code("GD-2026_a", 2, 12) and not checks.is_code("GD 2026", 2, 12)
    assert not checks.is_code("G", 2, 12) and not checks.is_code("广东", 1, 12)
    # GB 32100-2015: the check character over the first 17
    assert checks.uscc_ok("91350100M000100Y43") and checks.uscc_ok("91440703MA4W99990M")
    assert not checks.uscc_ok("91440703MA4W99990N") and not checks.uscc_ok("9135010")
    assert not checks.uscc_ok("91350100M000I00Y43")  # I is not a code character


# -- in the sandbox --------------------------------------------------------------------------------


RECORDS_SOURCE = """
from typing import Any

from wuyi.contract import call, state, view
from wuyi.contract.lib import calendar, checks, params, records

PARAMS = {"days": {"kind": "int", "min": 1, "max": 60, "default": 15, "basis": "x"}}


@call
def init() -> None:
    params.init(PARAMS)


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    return params.change_by(PARAMS, "bdc", "(登记中心) change case rules", name, value, reason,
                            basis)


@call
def open_case(owner: str, doc: bytes, name: str) -> dict:
    checks.check_did(owner, "case rule: owner")
    checks.check_hash(doc, "case rule: doc")
    checks.check_text(name, "case rule: name", 20, blank=False)
    cid = records.seq("case", "CS")
    rec = {"id": cid, "owner": owner, "org": checks.org_did("bdc"), "at": records.stamp(),
           "short": records.stamp(did=False, time=False),
           "n": records.add("count/open", 1), "tally": records.zeros(["a", "b"]),
           "filing": records.pad(records.next_number("filing"), 4),
           "due": calendar.add_months(calendar.today(), 1)}
    state.set("case/" + cid, rec)
    return rec


@view
def load(cid: str) -> dict:
    return records.load("case/" + cid, f"case rule: no case '{cid}'")


@call
def regulate() -> str:
    checks.as_member("bdc", "issuer", "registrar", "登记中心")
    return "ok"


@view
def wide(n: int) -> str:
    return records.pad(n, 3) + "/" + str(checks.uscc_ok("91350100M000100Y43"))
"""


def test_a_contract_uses_checks_and_records_in_the_sandbox() -> None:
    t = make_tester(time=int(dt.datetime(2026, 1, 31, 2, 0, tzinfo=dt.UTC).timestamp() * 1000))
    c = t.deploy("cases", RECORDS_SOURCE, sender="bdc")
    did = "did:wuyi:abcdefghijklmnop"
    rec = c.call("open_case", owner=did, doc=bytes(32), name="登记", sender="bdc")
    assert rec["id"] == "CS000001" and rec["org"] == "did:wuyi:org:bdc"
    assert rec["n"] == 1 and rec["tally"] == {"a": 0, "b": 0}
    assert rec["filing"] == "0001" and rec["due"] == "2026-02-28"
    at = rec["at"]
    assert sorted(at) == ["by", "date", "did", "height", "org", "time"]
    assert at["org"] == "bdc" and at["date"] == "2026-01-31" and at["height"] == t.height
    assert sorted(rec["short"]) == ["by", "date", "height", "org"]
    again = c.call("open_case", owner=did, doc=bytes(32), name="x", sender="bdc")
    assert again["id"] == "CS000002" and again["n"] == 2 and again["filing"] == "0002"
    assert c.query("load", cid="CS000001") == rec
    with pytest.raises(ContractRevert, match="case rule: no case 'CS9'"):
        c.query("load", cid="CS9")
    for owner, doc, name, reason in (
        ("nobody", bytes(32), "x", "case rule: owner must be a did:wuyi DID"),
        (did, bytes(3), "x", "case rule: doc must be a 32-byte hash"),
        (did, bytes(32), "   ", "case rule: name must be a text of 1-20 characters"),
    ):
        with pytest.raises(ContractRevert, match=reason):
            c.call("open_case", owner=owner, doc=doc, name=name, sender="bdc")
    assert c.query("wide", n=12345) == "12345/True"  # padded, never cut
    assert c.query("wide", n=7) == "007/True"
    assert c.call("regulate", sender="bdc") == "ok"
    with pytest.raises(
        ContractRevert,
        match=r"registrar rule: only members of 'bdc' \(登记中心\) with the role issuer do this",
    ):
        c.call("regulate", sender="zjj")
    # a parameter changed by the admins of one organisation only
    rec = c.call("set_param", name="days", value=20, reason="提速", sender="bdc")
    assert rec["value"] == 20 and rec["org"] == "bdc" and rec["previous"] == 15
    with pytest.raises(ContractRevert, match=r"only admins of 'bdc' \(登记中心\) change case"):
        c.call("set_param", name="days", value=30, reason="x", sender="zjj")
    with pytest.raises(ContractRevert, match="'days' must be an integer from 1 to 60"):
        c.call("set_param", name="days", value=0, reason="x", sender="bdc")


# -- in the sandbox --------------------------------------------------------------------------------


def test_a_contract_uses_the_library_in_the_sandbox() -> None:
    t = make_tester(time=int(dt.datetime(2026, 2, 13, 20, 0, tzinfo=dt.UTC).timestamp() * 1000))
    c = t.deploy("registry", SOURCE, sender="bdc")
    assert c.query("today") == "2026-02-14"  # 20:00 UTC is 04:00 the next day in Jiangmen
    assert c.query("due", start="2026-02-12") == calendar.add_working_days("2026-02-12", 15, TABLE)
    assert c.query("between", start="2026-02-13", end="2026-02-24") == 2
    assert c.query("fee", price=100_000) == ["1,000.00", 3000, [66667, 33333]]
    # a governed parameter: in force from the next block, with author, reason and basis
    rec = c.call("set_param", name="deadline_days", value=10, reason="提速", sender="bdc")
    assert rec["value"] == 10 and rec["previous"] == 15 and rec["effective_height"] == t.height + 1
    assert rec["basis"] == "《不动产登记暂行条例》第二十条（登记时限）" and rec["org"] == "bdc"
    assert c.query("param", name="deadline_days") == 15
    t.advance()
    assert c.query("param", name="deadline_days") == 10
    rec = c.call(
        "set_param",
        name="offices",
        value=["bdc", "pjq"],
        reason="新增",
        basis="江门市政府批复",
        sender="bdc",
    )
    assert rec["basis"] == "江门市政府批复"
    hist = c.query("history", name="deadline_days")
    assert [(x["seq"], x["value"], x["reason"]) for x in hist] == [
        (1, 15, "initial value"),
        (2, 10, "提速"),
    ]
    with pytest.raises(ContractRevert, match="'deadline_days' must be an integer from 1 to 60"):
        c.call("set_param", name="deadline_days", value=0, reason="x", sender="bdc")
    with pytest.raises(ContractRevert, match="unknown parameter 'nope'"):
        c.call("set_param", name="nope", value=1, reason="x", sender="bdc")
    with pytest.raises(ContractRevert, match="a reason"):
        c.call("set_param", name="deadline_days", value=9, reason="", sender="bdc")
    # the department replaces the holiday table when the State Council publishes a year
    table = {**TABLE, "2027": {**TABLE["2027"], "off": [], "status": "published", "basis": "x"}}
    c.call("set_param", name="holidays", value=table, reason="2027 年安排", sender="bdc")
    t.advance()
    assert c.query("between", start="2027-02-04", end="2027-02-09") == 3  # 5, 8, 9
    with pytest.raises(ContractRevert, match="calendar rule"):
        c.call("set_param", name="holidays", value={"2026": {}}, reason="x", sender="bdc")


def test_e_certificates_record_commit_and_link() -> None:
    t = make_tester()
    c = t.deploy("registry", SOURCE, sender="bdc")
    holder = "did:wuyi:abcdefghijklmnop"
    rec = c.call("grant", cert_id="C1", holder=holder, sender="bdc")
    assert rec["status"] == "active" and rec["holders"] == [holder] and len(rec["commitment"]) == 32
    with pytest.raises(ContractRevert, match="exists already"):
        c.call("grant", cert_id="C1", holder=holder, sender="bdc")
    with pytest.raises(ContractRevert, match="only an issuer of bdc"):
        c.call("link_credential", cert_id="C1", idx=0, sender="zjj")
    linked = c.call("link_credential", cert_id="C1", idx=7, sender="bdc")
    assert [(x["holder"], x["org"], x["idx"]) for x in linked["credentials"]] == [
        (holder, "bdc", 7)
    ]
    with pytest.raises(ContractRevert, match="already linked"):
        c.call("link_credential", cert_id="C1", idx=8, sender="bdc")


def test_imports_of_the_library_are_checked_at_deploy() -> None:
    t = make_tester()
    head = "from wuyi.contract import view\n"
    for src, reason in (
        ("import wuyi.contract.lib\n", "use 'from wuyi.contract.lib import ...'"),
        ("from wuyi.contract.lib import os\n", "'os' cannot be imported from 'wuyi.contract.lib'"),
        (
            "from wuyi.contract.lib import money\nX = money.nope\n",
            "nope",
        ),
    ):
        with pytest.raises(ContractRejected, match=reason):
            t.deploy(f"c{len(t.contracts)}", head + src + "@view\ndef f() -> int:\n    return 1\n")


# -- the pin: validators run the same library ------------------------------------------------------


def test_the_library_hash_covers_every_module() -> None:
    assert library_hash() == LIBRARY_HASH and len(LIBRARY_HASH) == 64
    changed = {**sources(), "money": sources()["money"] + "\n# one more line\n"}
    assert library_hash(changed) != LIBRARY_HASH
    assert ChainParams().contract_lib == LIBRARY_HASH  # a new chain pins this release's
    assert ChainParams.from_obj({}).contract_lib == ""  # stored before the library: none
    with pytest.raises(ValidationError, match="contract_lib"):
        ChainParams(contract_lib="not-a-hash")


def query(h: LedgerHarness, method: str, **args: Any) -> Any:
    value, _ = query_contract(
        h.chain, h.state, "registry", method, args, height=h.height, time=h.time, gas_limit=10**6
    )
    return value


def test_a_chain_without_a_pin_refuses_library_contracts_and_governance_enables_it() -> None:
    h = LedgerHarness(params=replace(ChainParams(), contract_lib=""))
    with pytest.raises(AssertionError, match="contract_lib pins no library"):
        h.deploy_contract("registry", SOURCE)  # its init() links the library: refused
    assert h.govern("chain.set_params", {"params": {"contract_lib": LIBRARY_HASH}}).ok
    h.deploy_contract("registry", SOURCE)
    assert query(h, "param", name="deadline_days") == 15


def test_a_node_whose_library_differs_from_the_pin_halts_instead_of_answering() -> None:
    h = LedgerHarness()
    h.deploy_contract("registry", SOURCE)
    assert query(h, "between", start="2026-02-13", end="2026-02-24") == 2
    # governance pins another library (a release this node does not run)
    assert h.govern("chain.set_params", {"params": {"contract_lib": "ab" * 32}}).ok
    with pytest.raises(InvariantBroken, match="is not the one the chain pins"):
        query(h, "between", start="2026-02-13", end="2026-02-24")
    call = {"contract": "registry", "method": "grant", "args": {"cert_id": "C", "holder": "x"}}
    with pytest.raises(InvariantBroken, match="is not the one the chain pins"):
        h.run([h.tx("operator", "contract.call", call)])
    with pytest.raises(ContractFault, match="pins no library"):
        from wuyi.runtime.library import check_pin

        check_pin("", "registry")
