"""慈善捐赠 (scenario 3): the contract's rules in depth, in the sandbox (``ContractTester``,
block times set by hand) — each rule's refusal by its name and what it leaves unchanged:
registration and the public fundraising qualification (registered ≥ 1 year, the decision due
in working days), plans filed ≥ 10 days before they start, the window, channels and record lag
of donations, receipts, first-in-first-out disbursements only to purposes in force (a change
filed first, a restricted gift's donor consent by the key only they can derive), disclosures
due from block time with the overdue flag, the idle-money alert, goods conserved from batch to
the recipient's own confirmation, the year-end ratios per charity type, governed parameters."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.scenarios import load
from wuyi.scenarios.charity.sdk import DonorSecret, recipient_commitment, uscc
from wuyi.testing.contracts import ContractHandle, ContractTester

SCENARIO = load("wuyi.scenarios.charity")
CH_DID = "did:wuyi:" + "c" * 32
OTHER_DID = "did:wuyi:" + "d" * 32
RECIPIENT = "did:wuyi:" + "e" * 32
ASSOC = uscc("51440700MJ0000001")
FOUND = uscc("53440700MJ0000002")


def sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def at(date: str, hour: int = 10) -> int:
    """Block time (ms) of ``date`` at ``hour`` o'clock China Standard Time."""
    d = dt.datetime.fromisoformat(date).replace(
        hour=hour, tzinfo=dt.timezone(dt.timedelta(hours=8))
    )
    return int(d.timestamp() * 1000)


PLAN: dict[str, Any] = {
    "title": "侨乡助学",
    "purposes": [
        {"code": "scholarship", "label": "助学金 / scholarships"},
        {"code": "books", "label": "图书 / books"},
    ],
    "regions": ["440703", "440705"],
    "channels": ["bank", "box", "online:tencent"],
    "bank_account_hash": sha(b"account"),
    "beneficiary": "江门市困难家庭学生",
    "target": 100_000_000,
    "cost_budget": 500_000,
    "surplus_rule": "结余转入同类助学项目",
}


class World:
    """民政局 (mzj), one charity acting by its DID, at 2026-03-02."""

    def __init__(self, date: str = "2026-03-02", registered_on: str = "2005-06-01") -> None:
        self.t = t = ContractTester(time=at(date), hash_fn=sha)
        t.identity("mzj", org="mzj", roles=["supervisor"])
        t.identity("mzj-admin", org="mzj", roles=["admin"])
        t.identity("zjj", org="zjj", roles=["supervisor", "admin"])
        t.identity("charity", did=CH_DID)
        t.identity("stranger", did=OTHER_DID)
        t.identity("recipient", did=RECIPIENT)
        t.identity("anyone", did="did:wuyi:" + "f" * 32)
        self.c: ContractHandle = t.deploy("charity", SCENARIO.source(), sender="mzj-admin")
        self.c.call(
            "register_charity",
            charity_id="jmcsh",
            name="江门市慈善会",
            kind="association",
            uscc=ASSOC,
            registered_on=registered_on,
            did=CH_DID,
            sender="mzj",
        )

    def on(self, date: str, hour: int = 10) -> None:
        self.t.advance(1, at(date, hour) - self.t.time)

    def qualify(self) -> None:
        self.c.call("apply_qualification", charity_id="jmcsh", doc=sha(b"app"), sender="charity")
        self.c.call(
            "decide_qualification",
            charity_id="jmcsh",
            grant=True,
            cert_no="JMMZ-GM-001",
            sender="mzj",
        )

    def plan(self, start: str, end: str, **kw: Any) -> str:
        p = self.c.call(
            "file_plan",
            charity_id="jmcsh",
            **{**PLAN, **kw},
            start=start,
            end=end,
            sender="charity",
        )
        return str(p["id"])

    def give(self, pid: str, amount: int, received_on: str, **kw: Any) -> dict[str, Any]:
        args: dict[str, Any] = {"channel": "bank", "receipt_kind": "anonymous"} | kw
        return dict(
            self.c.call(
                "donate",
                project_id=pid,
                amount=amount,
                received_on=received_on,
                sender="charity",
                **args,
            )
        )

    def totals(self, pid: str) -> dict[str, Any]:
        return dict(self.c.query("project", project_id=pid)["totals"])


def refused(fn: Any, match: str, **kw: Any) -> None:
    with pytest.raises(ContractRevert, match=match):
        fn(**kw)


# -- registration and qualification ---------------------------------------------------------------


def test_registration_checks_the_credit_code_and_who_may_register() -> None:
    w = World()
    c = w.c
    base = {
        "name": "五邑侨乡教育基金会",
        "kind": "foundation",
        "registered_on": "2015-01-01",
        "did": OTHER_DID,
    }
    bad = FOUND[:17] + ("0" if FOUND[17] != "0" else "1")
    with pytest.raises(ContractRevert, match="not a unified social credit code"):
        c.call("register_charity", charity_id="wyjy", uscc=bad, **base, sender="mzj")
    with pytest.raises(ContractRevert, match="a foundation's credit code starts with 53"):
        c.call("register_charity", charity_id="wyjy", uscc=ASSOC, **base, sender="mzj")
    with pytest.raises(ContractRevert, match=r"bureau rule: only members of mzj \(民政局\)"):
        c.call("register_charity", charity_id="wyjy", uscc=FOUND, **base, sender="zjj")
    with pytest.raises(Unauthorized):
        c.call("register_charity", charity_id="wyjy", uscc=FOUND, **base, sender="charity")
    with pytest.raises(ContractRevert, match="one of them"):
        c.call("register_charity", charity_id="wyjy", uscc=FOUND, **base, org="wyjy", sender="mzj")
    with pytest.raises(ContractRevert, match="not in the future"):
        c.call(
            "register_charity",
            charity_id="wyjy",
            uscc=FOUND,
            **{**base, "registered_on": "2026-03-03"},
            sender="mzj",
        )
    assert c.query("charity", charity_id="wyjy") is None
    c.call("register_charity", charity_id="wyjy", uscc=FOUND, **base, sender="mzj")
    with pytest.raises(ContractRevert, match="exists already"):
        c.call("register_charity", charity_id="wyjy", uscc=FOUND, **base, sender="mzj")


def test_the_qualification_needs_a_year_of_registration_and_is_due_in_working_days() -> None:
    # registered on 2025-03-01: one year is reached on 2026-03-01
    w = World(date="2026-02-13", registered_on="2025-03-01")
    c = w.c
    with pytest.raises(ContractRevert, match="charity rule: only 江门市慈善会"):
        c.call("apply_qualification", charity_id="jmcsh", doc=sha(b"a"), sender="stranger")
    app = c.call("apply_qualification", charity_id="jmcsh", doc=sha(b"a"), sender="charity")
    # applied on Friday 2026-02-13, before Spring Festival: 20 working days (2-14 and 2-28
    # are make-up working days, 2-15 to 2-23 are off)
    assert app["due"] == "2026-03-19"
    with pytest.raises(ContractRevert, match="pending already"):
        c.call("apply_qualification", charity_id="jmcsh", doc=sha(b"a"), sender="charity")
    with pytest.raises(
        ContractRevert,
        match=r"charity.public_fundraising_qualification: 'jmcsh' was registered on 2025-03-01;"
        r" it may hold the qualification from 2026-03-01",
    ):
        c.call(
            "decide_qualification", charity_id="jmcsh", grant=True, cert_no="JMMZ-1", sender="mzj"
        )
    assert c.query("charity", charity_id="jmcsh")["qualification"] is None
    w.on("2026-03-23")  # two working days after the due date (Friday and Monday)
    got = c.call(
        "decide_qualification", charity_id="jmcsh", grant=True, cert_no="JMMZ-GM-0001", sender="mzj"
    )
    assert got["qualification"]["status"] == "valid"
    assert got["application"]["late_days"] == 2 and got["application"]["status"] == "granted"
    # revoked: no more plans (nor donations)
    c.call("set_qualification", charity_id="jmcsh", status="revoked", reason="违规", sender="mzj")
    with pytest.raises(ContractRevert, match=r"charity.public_fundraising_qualification"):
        w.plan("2026-04-01", "2026-05-01")
    with pytest.raises(ContractRevert, match="was revoked"):
        c.call("set_qualification", charity_id="jmcsh", status="valid", reason="x", sender="mzj")


def test_a_refusal_is_recorded_with_its_reason() -> None:
    w = World()
    w.c.call("apply_qualification", charity_id="jmcsh", doc=sha(b"a"), sender="charity")
    with pytest.raises(ContractRevert, match="reason is a text"):
        w.c.call("decide_qualification", charity_id="jmcsh", grant=False, sender="mzj")
    got = w.c.call(
        "decide_qualification", charity_id="jmcsh", grant=False, reason="材料不全", sender="mzj"
    )
    assert got["application"]["status"] == "refused" and got["qualification"] is None
    with pytest.raises(ContractRevert, match="no pending application"):
        w.c.call(
            "decide_qualification", charity_id="jmcsh", grant=True, cert_no="X-0001", sender="mzj"
        )


# -- plans ----------------------------------------------------------------------------------------


def test_a_plan_is_filed_ten_days_before_it_starts_on_designated_channels() -> None:
    w = World()
    with pytest.raises(ContractRevert, match=r"charity.public_fundraising_qualification"):
        w.plan("2026-03-12", "2026-06-30")
    w.qualify()
    with pytest.raises(
        ContractRevert,
        match=r"charity.plan_filing_lead_days: a plan filed on 2026-03-02 may start on 2026-03-12"
        " at the earliest",
    ):
        w.plan("2026-03-11", "2026-06-30")
    with pytest.raises(ContractRevert, match=r"charity.channel: 'online:douyin'"):
        w.plan("2026-03-12", "2026-06-30", channels=["bank", "online:douyin"])
    with pytest.raises(ContractRevert, match="purpose 'books' is listed twice"):
        w.plan("2026-03-12", "2026-06-30", purposes=[{"code": "books", "label": "a"}] * 2)
    pid = w.plan("2026-03-12", "2026-06-30")
    p = w.c.query("project", project_id=pid)
    assert p["status"] == "filed" and p["filing"]["source"] == "chain"
    assert p["filed_on"] == "2026-03-02"


def test_bureau_records_a_plan_filed_earlier_at_cishan_china() -> None:
    w = World()
    w.qualify()
    args = {
        **PLAN,
        "charity_id": "jmcsh",
        "filing_no": "53440700MJ-2025-0012",
        "start": "2026-01-10",
        "end": "2026-12-31",
    }
    with pytest.raises(ContractRevert, match="filed_on 2026-03-05 is after today"):
        w.c.call("record_plan", filed_on="2026-03-05", **args, sender="mzj")
    with pytest.raises(ContractRevert, match=r"charity.plan_filing_lead_days"):
        w.c.call("record_plan", filed_on="2026-01-05", **args, sender="mzj")
    with pytest.raises(ContractRevert, match="bureau rule"):
        w.c.call("record_plan", filed_on="2025-12-20", **args, sender="zjj")
    p = w.c.call("record_plan", filed_on="2025-12-20", **args, sender="mzj")
    assert p["filing"] == {
        "source": "bureau",
        "no": "53440700MJ-2025-0012",
        "by": "mzj",
        "recorded_on": "2026-03-02",
    }
    assert w.c.query("project", project_id=p["id"])["status"] == "open"


# -- donations and receipts -----------------------------------------------------------------------


def test_donations_only_inside_the_window_and_channels_with_receipts() -> None:
    w = World()
    w.qualify()
    pid = w.plan("2026-03-12", "2026-06-30")
    w.on("2026-03-11")
    with pytest.raises(ContractRevert, match=r"charity.window: plan P000001 raises from 2026-03"):
        w.give(pid, 1000, "2026-03-11")
    w.on("2026-03-20")
    with pytest.raises(ContractRevert, match="received_on 2026-03-21 is after today"):
        w.give(pid, 1000, "2026-03-21")
    with pytest.raises(ContractRevert, match=r"charity.channel: 'event' is not a channel of plan"):
        w.give(pid, 1000, "2026-03-20", channel="event")
    with pytest.raises(ContractRevert, match=r"charity.region: '440704' is not a region"):
        w.give(pid, 1000, "2026-03-20", channel="box", region="440704")
    with pytest.raises(ContractRevert, match="an issued receipt has its number"):
        w.give(pid, 1000, "2026-03-20", receipt_kind="issued", receipt_doc=sha(b"r"))
    with pytest.raises(ContractRevert, match="a declined donation gets the charity's record"):
        w.give(pid, 1000, "2026-03-20", receipt_kind="declined", receipt_no="JM-0001")
    with pytest.raises(ContractRevert, match="money rule: amount must be a positive"):
        w.give(pid, 0, "2026-03-20")
    with pytest.raises(ContractRevert, match="charity rule: only 江门市慈善会"):
        w.c.call(
            "donate",
            project_id=pid,
            amount=1000,
            channel="bank",
            received_on="2026-03-20",
            receipt_kind="anonymous",
            sender="stranger",
        )
    assert w.totals(pid)["donations"] == 0
    s = DonorSecret(b"\x01" * 32)
    d = w.give(
        pid,
        50_000,
        "2026-03-19",
        receipt_kind="issued",
        receipt_no="JM-2026-0001",
        receipt_doc=sha(b"r1"),
        **s.fields(sha, "张三|440703..."),
    )
    assert d["id"] == "P000001-D00000001" and d["receipt"]["no"] == "JM-2026-0001"
    assert d["donor"] == s.commitment(sha, "张三|440703...") and d["remaining"] == 50_000
    with pytest.raises(ContractRevert, match="receipt number JM-2026-0001 of 'jmcsh' is used"):
        w.give(
            pid,
            10,
            "2026-03-20",
            receipt_kind="issued",
            receipt_no="JM-2026-0001",
            receipt_doc=sha(b"r2"),
        )
    w.give(pid, 2_000, "2026-03-20", channel="box", region="440705")
    w.give(pid, 3_000, "2026-03-20", receipt_kind="declined", channel="online:tencent")
    t = w.totals(pid)
    # every donation has its receipt or record: Σ receipts and records = Σ donations
    assert (t["issued"], t["anonymous"], t["declined"], t["donations"]) == (1, 1, 1, 3)
    assert t["in"] == 55_000 and t["avail"] == 55_000
    # a platform 民政部 no longer designates: refused from the next block
    w.c.call(
        "set_param",
        name="online_platforms",
        value=["alipay"],
        reason="民政部调整名单",
        sender="mzj-admin",
    )
    w.on("2026-03-21")
    with pytest.raises(ContractRevert, match="platform 'tencent' is no longer designated"):
        w.give(pid, 100, "2026-03-21", channel="online:tencent")
    # the record lag: a donation received more than 30 days before it is recorded
    w.on("2026-04-25")
    with pytest.raises(ContractRevert, match=r"charity.record_lag_days"):
        w.give(pid, 100, "2026-03-25")
    w.give(pid, 100, "2026-03-26")
    # after the end (or an early close), nothing received later is accepted
    w.c.call("close_fundraising", project_id=pid, reason="目标达成", sender="charity")
    w.on("2026-04-26")
    with pytest.raises(ContractRevert, match=r"to 2026-04-25 \(closed early\)"):
        w.give(pid, 100, "2026-04-26")
    w.give(pid, 100, "2026-04-25")  # received before the close, recorded the day after


# -- money out: first in, first out ---------------------------------------------------------------


def fifo_world() -> tuple[World, str]:
    w = World()
    w.qualify()
    pid = w.plan("2026-03-12", "2026-12-31")
    w.on("2026-03-20")
    w.give(pid, 5_000, "2026-03-18")  # D1
    w.give(pid, 3_000, "2026-03-19", restricted="books")  # D2, restricted
    w.give(pid, 4_000, "2026-03-20")  # D3
    return w, pid


def test_disbursements_are_allocated_first_in_first_out() -> None:
    w, pid = fifo_world()
    c = w.c
    with pytest.raises(ContractRevert, match=r"charity.purpose: 'food' is not a purpose of plan"):
        c.call(
            "disburse",
            project_id=pid,
            amount=100,
            purpose="food",
            evidence=sha(b"v"),
            sender="charity",
        )
    with pytest.raises(
        ContractRevert,
        match=r"charity.money_out: project P000001 has 90.00 yuan received and not yet disbursed"
        r" for 'scholarship'",
    ):
        c.call(
            "disburse",
            project_id=pid,
            amount=9_001,
            purpose="scholarship",
            evidence=sha(b"v"),
            sender="charity",
        )
    x1 = c.call(
        "disburse",
        project_id=pid,
        amount=6_000,
        purpose="scholarship",
        evidence=sha(b"v1"),
        sender="charity",
    )
    # D1 fully, then D3 (D2 is restricted to books: skipped)
    assert x1["allocations"] == [
        {"donation": "P000001-D00000001", "fen": 5_000},
        {"donation": "P000001-D00000003", "fen": 1_000},
    ]
    x2 = c.call(
        "disburse",
        project_id=pid,
        amount=4_000,
        purpose="books",
        evidence=sha(b"v2"),
        sender="charity",
    )
    assert x2["allocations"] == [
        {"donation": "P000001-D00000002", "fen": 3_000},
        {"donation": "P000001-D00000003", "fen": 1_000},
    ]
    d3 = c.query("donation", donation_id="P000001-D00000003")
    assert d3["remaining"] == 2_000
    assert d3["allocations"] == [
        {"to": "P000001-X00000001", "fen": 1_000},
        {"to": "P000001-X00000002", "fen": 1_000},
    ]
    t = w.totals(pid)
    assert (t["in"], t["out"], t["avail"], t["avail_r"]) == (12_000, 10_000, 2_000, {"books": 0})
    assert t["head"] == 3  # D1 and D2 are spent
    with pytest.raises(ContractRevert, match=r"charity.money_out"):
        c.call(
            "disburse",
            project_id=pid,
            amount=2_001,
            purpose="books",
            evidence=sha(b"v3"),
            sender="charity",
        )
    assert w.totals(pid)["out"] == 10_000


def test_a_new_purpose_is_filed_before_money_goes_to_it() -> None:
    w, pid = fifo_world()
    c = w.c
    new = [*PLAN["purposes"], {"code": "meals", "label": "午餐 / meals"}]
    c.call(
        "change_purposes",
        project_id=pid,
        purposes=new,
        reason="新增午餐补助",
        doc=sha(b"filing"),
        sender="charity",
    )
    # in the same block the filing is not in force yet
    with pytest.raises(ContractRevert, match=r"charity.purpose: 'meals' is not a purpose of plan"):
        c.call(
            "disburse",
            project_id=pid,
            amount=100,
            purpose="meals",
            evidence=sha(b"v"),
            sender="charity",
        )
    w.t.advance()
    x = c.call(
        "disburse",
        project_id=pid,
        amount=100,
        purpose="meals",
        evidence=sha(b"v"),
        sender="charity",
    )
    assert x["allocations"] == [{"donation": "P000001-D00000001", "fen": 100}]
    assert c.query("project", project_id=pid)["purposes_now"] == ["scholarship", "books", "meals"]


def test_a_restricted_gift_changes_purpose_only_with_its_donors_key() -> None:
    w = World()
    w.qualify()
    pid = w.plan("2026-03-12", "2026-12-31")
    w.on("2026-03-20")
    s = DonorSecret(b"\x07" * 32)
    d = w.give(pid, 3_000, "2026-03-20", restricted="books", **s.fields(sha, "李四"))
    anon = w.give(pid, 1_000, "2026-03-20", restricted="books")
    c = w.c

    def consent(did: str, key: bytes, nxt: bytes, purpose: str = "scholarship") -> Any:
        return c.call(
            "donor_consent",
            donation_id=did,
            purpose=purpose,
            consent_key=key,
            next_lock=nxt,
            sender="charity",
        )

    with pytest.raises(
        ContractRevert, match=r"charity.donor_consent: the consent key does not open"
    ):
        consent(d["id"], DonorSecret(b"\x08" * 32).consent_key(sha, 0), s.lock(sha, 1))
    with pytest.raises(ContractRevert, match="has no consent lock"):
        consent(anon["id"], s.consent_key(sha, 0), s.lock(sha, 1))
    got = consent(d["id"], s.consent_key(sha, 0), s.lock(sha, 1))
    assert got["restricted"] == "scholarship" and got["lock"] == s.lock(sha, 1)
    assert w.totals(pid)["avail_r"] == {"books": 1_000, "scholarship": 3_000}
    # the key once shown cannot be used again; the next consent needs the next key
    with pytest.raises(ContractRevert, match="does not open"):
        consent(d["id"], s.consent_key(sha, 0), s.lock(sha, 1), "books")
    assert consent(d["id"], s.consent_key(sha, 1), s.lock(sha, 2), "books")["restricted"] == "books"


def test_the_donor_follows_the_donation_with_receipt_number_and_key() -> None:
    w, pid = fifo_world()
    s = DonorSecret(b"\x02" * 32)
    w.give(
        pid,
        1_000,
        "2026-03-20",
        receipt_kind="issued",
        receipt_no="JM-9",
        receipt_doc=sha(b"r"),
        **s.fields(sha, "王五"),
    )
    w.c.call(
        "disburse",
        project_id=pid,
        amount=10_000,
        purpose="scholarship",
        evidence=sha(b"v"),
        sender="charity",
    )
    got = w.c.query("follow", charity_id="jmcsh", receipt_no="JM-9", key=s.track_key(sha))
    assert got["donation"]["id"] == "P000001-D00000004" and got["project"] == "侨乡助学"
    assert [(x["allocation"]["fen"], x["to"]["id"]) for x in got["went"]] == [
        (1_000, "P000001-X00000001")
    ]
    with pytest.raises(ContractRevert, match=r"this key does not open receipt JM-9"):
        w.c.query("follow", charity_id="jmcsh", receipt_no="JM-9", key=s.salt)
    with pytest.raises(ContractRevert, match="issued no receipt JM-10"):
        w.c.query("follow", charity_id="jmcsh", receipt_no="JM-10", key=s.track_key(sha))


# -- disclosure, flags, idle money ----------------------------------------------------------------


def test_disclosures_fall_due_from_block_time_with_a_public_overdue_flag() -> None:
    w = World()
    w.qualify()
    pid = w.plan("2026-03-12", "2026-12-31")  # longer than 6 months: every 3 months
    c = w.c
    due = [(s["kind"], s["due"]) for s in c.query("project", project_id=pid)["disclosure"]]
    assert due == [
        ("periodic", "2026-06-12"),
        ("periodic", "2026-09-12"),
        ("periodic", "2026-12-12"),
        ("final", "2027-03-31"),
    ]
    w.on("2026-03-12")
    with pytest.raises(ContractRevert, match="period 1 of P000001 begins after 2026-03-12"):
        c.call("disclose", project_id=pid, kind="periodic", doc=sha(b"q1"), sender="charity")
    with pytest.raises(ContractRevert, match="runs until 2026-12-31"):
        c.call("disclose", project_id=pid, kind="final", doc=sha(b"f"), sender="charity")
    w.on("2026-06-12")
    assert not c.query("project", project_id=pid)["overdue"]
    assert c.call("flag", project_id=pid, sender="anyone") == []
    w.on("2026-06-13")
    p = c.query("project", project_id=pid)
    assert p["overdue"] and p["disclosure"][0]["overdue"]
    raised = c.call("flag", project_id=pid, sender="anyone")
    assert [(f["kind"], f["what"], f["due"]) for f in raised] == [
        ("overdue", "periodic-1", "2026-06-12")
    ]
    assert c.call("flag", project_id=pid, sender="anyone") == []  # once
    alerts = [v for k, v in w.t.state("charity").items() if k.startswith("alert/")]
    assert [(a["kind"], a["project"]) for a in alerts] == [("disclosure_overdue", pid)]
    got = c.call("disclose", project_id=pid, kind="periodic", doc=sha(b"q1"), sender="charity")
    assert got["n"] == 1 and got["late_days"] == 1
    p = c.query("project", project_id=pid)
    assert not p["overdue"] and p["flags"]["periodic-1"]["due"] == "2026-06-12"  # kept


def test_closing_early_brings_the_final_disclosure_forward() -> None:
    w = World()
    w.qualify()
    pid = w.plan("2026-03-12", "2026-05-31")  # short: only the final disclosure
    c = w.c
    w.on("2026-04-20")
    c.call("close_fundraising", project_id=pid, reason="目标达成", sender="charity")
    p = c.query("project", project_id=pid)
    assert p["status"] == "closed" and [(s["kind"], s["due"]) for s in p["disclosure"]] == [
        ("final", "2026-07-20")
    ]
    with pytest.raises(ContractRevert, match="has ended"):
        c.call("close_fundraising", project_id=pid, reason="x", sender="charity")
    got = c.call("disclose", project_id=pid, kind="final", doc=sha(b"f"), sender="charity")
    assert got["late_days"] == 0
    with pytest.raises(ContractRevert, match="owes no further final disclosure"):
        c.call("disclose", project_id=pid, kind="final", doc=sha(b"f2"), sender="charity")


def test_idle_money_on_an_urgent_project_raises_an_alert() -> None:
    w = World()
    w.qualify()
    pid = w.plan("2026-03-12", "2026-05-31", urgent=True)
    c = w.c
    w.on("2026-04-01")
    w.give(pid, 8_000, "2026-03-20")
    assert c.query("project", project_id=pid)["idle"] is None  # 12 days: within 15
    w.on("2026-04-05")
    idle = c.query("project", project_id=pid)["idle"]
    assert idle == {
        "donation": "P000001-D00000001",
        "since": "2026-03-20",
        "days": 16,
        "limit": 15,
        "remaining": 8_000,
    }
    (f,) = c.call("flag", project_id=pid, sender="anyone")
    assert f["kind"] == "idle" and f["days"] == 16
    assert c.call("flag", project_id=pid, sender="anyone") == []
    c.call(
        "disburse",
        project_id=pid,
        amount=8_000,
        purpose="books",
        evidence=sha(b"v"),
        sender="charity",
    )
    assert c.query("project", project_id=pid)["idle"] is None


# -- goods ----------------------------------------------------------------------------------------


def test_goods_are_conserved_to_the_recipients_own_confirmation() -> None:
    w = World()
    w.qualify()
    pid = w.plan("2026-03-12", "2026-05-31")
    c = w.c
    w.on("2026-03-20")
    b = c.call(
        "donate_goods",
        project_id=pid,
        item="大米",
        unit="袋",
        quantity=100,
        value=500_000,
        channel="bank",
        received_on="2026-03-20",
        receipt_kind="declined",
        sender="charity",
    )
    bid = b["id"]
    with pytest.raises(ContractRevert, match=r"goods_conservation: batch .* has 100 袋 not"):
        c.call("warehouse_in", batch_id=bid, warehouse="WH-PJ", quantity=101, sender="charity")
    c.call("warehouse_in", batch_id=bid, warehouse="WH-PJ", quantity=60, sender="charity")
    c.call("warehouse_in", batch_id=bid, warehouse="WH-XH", quantity=40, sender="charity")
    code = b"\x05" * 32
    mine = recipient_commitment(sha, RECIPIENT, code)
    with pytest.raises(ContractRevert, match="warehouse WH-XH holds 40 袋"):
        c.call(
            "distribute",
            batch_id=bid,
            warehouse="WH-XH",
            quantity=41,
            purpose="books",
            recipient=mine,
            sender="charity",
        )
    with pytest.raises(ContractRevert, match=r"charity.purpose: 'food'"):
        c.call(
            "distribute",
            batch_id=bid,
            warehouse="WH-XH",
            quantity=1,
            purpose="food",
            recipient=mine,
            sender="charity",
        )
    s = c.call(
        "distribute",
        batch_id=bid,
        warehouse="WH-PJ",
        quantity=30,
        purpose="books",
        recipient=mine,
        sender="charity",
    )
    got = c.query("donation", donation_id=bid)
    assert (got["pending"], got["stock"], got["distributed"]) == (0, {"WH-PJ": 30, "WH-XH": 40}, 30)
    assert got["quantity"] == got["pending"] + sum(got["stock"].values()) + got["distributed"]
    with pytest.raises(ContractRevert, match="the signer and code do not open the recipient"):
        c.call("confirm_receipt", item_id=s["id"], code=code, sender="stranger")
    with pytest.raises(ContractRevert, match="the signer and code do not open the recipient"):
        c.call("confirm_receipt", item_id=s["id"], code=b"\x06" * 32, sender="recipient")
    with pytest.raises(ContractRevert, match="signs with their DID key"):
        c.call("confirm_receipt", item_id=s["id"], code=code, sender="mzj")
    done = c.call("confirm_receipt", item_id=s["id"], code=code, sender="recipient")
    assert done["confirmed"]["date"] == "2026-03-20"
    assert c.query("donation", donation_id=bid)["confirmed"] == 30
    with pytest.raises(ContractRevert, match="confirmed already"):
        c.call("confirm_receipt", item_id=s["id"], code=code, sender="recipient")
    money = w.give(pid, 100, "2026-03-20")
    with pytest.raises(ContractRevert, match="goods rule: 'P000001-D00000002' is a money donation"):
        c.call("warehouse_in", batch_id=money["id"], warehouse="WH", quantity=1, sender="charity")


def test_a_disbursement_recipient_confirms_too() -> None:
    w, pid = fifo_world()
    code = b"\x09" * 32
    x = w.c.call(
        "disburse",
        project_id=pid,
        amount=500,
        purpose="scholarship",
        evidence=sha(b"v"),
        recipient=recipient_commitment(sha, RECIPIENT, code),
        sender="charity",
    )
    got = w.c.call("confirm_receipt", item_id=x["id"], code=code, sender="recipient")
    assert got["confirmed"] is not None


# -- the year-end check ---------------------------------------------------------------------------


def annual(w: World, **kw: Any) -> Any:
    figures = {
        "income_prev": 10_000_000,
        "income_avg3": 0,
        "net_assets_prev": 50_000_000,
        "charitable_spending": 7_000_000,
        "management_cost": 900_000,
        "total_spending": 8_000_000,
        "doc": sha(b"audit"),
    } | kw
    return w.c.call("annual_report", charity_id="jmcsh", sender="charity", **figures)


def test_the_year_end_ratios_per_charity_type() -> None:
    w = World(date="2025-06-01")
    w.qualify()
    pid = w.plan("2025-06-11", "2025-12-31")
    w.on("2025-07-01")
    w.give(pid, 30_000_000, "2025-07-01")  # 300,000 yuan recorded on chain in 2025
    w.c.call(
        "disburse",
        project_id=pid,
        amount=8_000_000,
        purpose="books",
        evidence=sha(b"v"),
        sender="charity",
    )
    with pytest.raises(ContractRevert, match="the report for 2025 is filed after that year ends"):
        annual(w, year=2025)
    w.on("2026-01-05")
    with pytest.raises(ContractRevert, match="is below the disbursements the chain recorded"):
        annual(w, year=2025, charitable_spending=7_000_000)
    # an association with the qualification: 70 % of income, management ≤ 13 %
    ok = annual(
        w,
        year=2025,
        charitable_spending=8_000_000,
        total_spending=9_000_000,
        management_cost=1_000_000,
    )
    assert ok["ok"] and ok["mgmt_pct"] == 13 and ok["spend_min"] == 7_000_000
    with pytest.raises(ContractRevert, match="2025 is filed already"):
        annual(w, year=2025)
    # 2024: the chain saw no income in 2023 — but spending below 70 % of the reported income
    bad = annual(
        w,
        year=2024,
        income_prev=100_000_000,
        charitable_spending=60_000_000,
        total_spending=90_000_000,
        management_cost=25_000_000,
    )
    assert not bad["ok"] and len(bad["breaches"]) == 2
    alerts = [v for k, v in w.t.state("charity").items() if k.startswith("alert/")]
    assert [(a["kind"], a["charity"]) for a in alerts] == [("ratio_breach", "jmcsh")]
    # the income the chain recorded (300,000 yuan in 2025) cannot be under-reported
    w.on("2027-01-05")
    with pytest.raises(
        ContractRevert,
        match=r"the income reported for 2025 \(100,000.00 yuan\) is below the donations the chain"
        r" recorded \(300,000.00 yuan\)",
    ):
        annual(w, year=2026)


def test_nonpublic_charities_by_net_assets_and_the_management_exemption() -> None:
    w = World(date="2026-01-10")
    w.t.identity("wyjy", org="wyjy", roles=["fundraiser"])
    w.t.identity("wyjy-other", org="wyjy", roles=["supervisor"])
    w.c.call(
        "register_charity",
        charity_id="wyjy",
        name="五邑侨乡教育基金会",
        kind="foundation",
        uscc=FOUND,
        registered_on="2015-01-01",
        org="wyjy",
        sender="mzj",
    )
    args = {
        "charity_id": "wyjy",
        "year": 2025,
        "income_prev": 1_000_000,
        "income_avg3": 0,
        "doc": sha(b"a"),
        "total_spending": 50_000_000,
    }
    with pytest.raises(
        ContractRevert, match="only 五邑侨乡教育基金会 \\(members of wyjy with the role"
    ):
        w.c.call(
            "annual_report",
            **args,
            net_assets_prev=1,
            charitable_spending=1,
            management_cost=1,
            sender="wyjy-other",
        )
    # net assets 500 万元: at least 7 % of them (35 万元), management at most 15 %
    got = w.c.call(
        "annual_report",
        **args,
        net_assets_prev=500 * 1_000_000,
        charitable_spending=34_000_000,
        management_cost=1_900_000,
        sender="wyjy",
    )
    assert not got["public"] and got["spend_min"] == 35_000_000 and got["mgmt_pct"] == 15
    # management cost 19,000 yuan: below 200,000 yuan, exempt from the ratio
    assert got["mgmt_exempt"] and got["breaches"] == [
        "spending 340,000.00 < 7% of net assets at the end of 2024 = 350,000.00"
    ]


# -- parameters -----------------------------------------------------------------------------------


def test_parameters_are_set_by_the_bureaus_admins_from_the_next_block() -> None:
    w = World()
    with pytest.raises(ContractRevert, match=r"only admins of mzj \(民政局\)"):
        w.c.call("set_param", name="plan_filing_lead_days", value=5, reason="x", sender="zjj")
    rec = w.c.call(
        "set_param", name="plan_filing_lead_days", value=15, reason="新指引", sender="mzj-admin"
    )
    assert rec["previous"] == 10 and rec["effective_height"] == w.t.height + 1
    assert "十日前" in rec["basis"]
    names = {k.split("/")[1] for k in w.t.state("charity") if k.startswith("param/")}
    marked = [n for n in names if "[mem" in w.c.query("param", name=n)["record"]["basis"]]
    assert sorted(marked) == sorted(
        [
            "idle_alert_days",
            "record_lag_days",
            "online_platforms",
            "spend_min_pct_nonpublic",
            "mgmt_max_pct_nonpublic_foundation",
            "mgmt_max_pct_nonpublic_other",
        ]
    )
    assert "[weak]" in w.c.query("param", name="spend_min_pct_public")["record"]["basis"]
