"""养老服务 (scenario 13): the contract's rules in the sandbox (``ContractTester``), each refusal
naming its rule — compliance records only by the competent department, the grade computed from
the records in force (expired = missing, a major violation = red list), subsidies only at or
above the grade threshold, caregivers scheduled only with a current qualification and health
check, prepayments within the limit in custody and 30 days' notice before closing, and the time
bank (credited only on the elder's confirmation, capped, redeemable, donatable, certified). The
scenario through a node is ``test_scenario_eldercare_api.py``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.scenarios import load
from wuyi.testing.contracts import ContractHandle, ContractTester

SCENARIO = load("wuyi.scenarios.eldercare")
CARER = "did:wuyi:" + "c1" * 16
CARER2 = "did:wuyi:" + "c2" * 16
ELDER = "did:wuyi:" + "e1" * 16
GUARD = "did:wuyi:" + "e2" * 16
VOL = "did:wuyi:" + "f1" * 16
H = b"\x11" * 32
USCC = "12440700MB2C12345X"
PASS_ALL = ("fire", "food", "safety", "medical", "tax", "social_insurance")
DEPT = {
    "fire": "xfzd",
    "food": "scjgj",
    "safety": "mzj",
    "medical": "wjj",
    "tax": "swj",
    "social_insurance": "rsj",
}


def at(day: str, hour: int = 10) -> int:
    t = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return int(t.timestamp() * 1000)


@dataclass
class World:
    t: ContractTester
    c: ContractHandle

    def call(self, method: str, sender: str, **args: Any) -> Any:
        self.t.advance()
        who = next((n for n, i in self.t.identities.items() if i.did == sender), sender)
        return self.c.call(method, sender=who, **args)

    def q(self, method: str, **args: Any) -> Any:
        return self.c.query(method, **args)

    def to(self, day: str) -> None:
        self.t.time = at(day)

    def refused(self, match: str, method: str, sender: str, **args: Any) -> None:
        with pytest.raises(ContractRevert, match=match):
            self.call(method, sender, **args)

    def inspect(
        self,
        org: str,
        cat: str,
        result: str = "pass",
        severity: str = "none",
        until: str = "2027-06-30",
    ) -> Any:
        return self.call(
            "record_compliance",
            "insp-" + DEPT[cat],
            institution=org,
            category=cat,
            result=result,
            severity=severity,
            valid_until=until,
            doc=H,
        )


@pytest.fixture
def w() -> World:
    t = ContractTester(time=at("2026-11-02"))
    for org, roles in (("mzj", ["admin"]),):
        t.identity("admin", org=org, roles=roles)
    t.identity("officer", org="mzj", roles=["officer"])
    for dept in set(DEPT.values()):
        t.identity("insp-" + dept, org=dept, roles=["inspector"])
    t.identity("flyy", org="flyy", roles=["institution"])
    t.identity("yyy", org="yyy", roles=["institution"])
    t.identity("rogue", org="pjq", roles=["officer", "custody", "inspector"])
    t.identity("bank", org="nsyh", roles=["custody"])
    t.identity("bank2", org="zgyh", roles=["custody"])
    for name, did in (
        ("carer", CARER),
        ("carer2", CARER2),
        ("elder", ELDER),
        ("guard", GUARD),
        ("vol", VOL),
    ):
        t.identity(name, did=did)
    c = t.deploy("eldercare", SCENARIO.source(), sender="admin")
    w = World(t, c)
    w.call(
        "register_institution",
        "officer",
        org="flyy",
        name="江门市社会福利院",
        uscc=USCC,
        beds=300,
        ownership="public",
        net_assets=50_000_000,
        bank="nsyh",
    )
    w.call(
        "register_institution",
        "officer",
        org="yyy",
        name="蓬江区某颐养院",
        uscc=USCC,
        beds=120,
        ownership="private",
        net_assets=1_000_000,
        bank="zgyh",
    )
    return w


def test_institution_filing(w: World) -> None:
    w.refused(
        "bureau rule",
        "register_institution",
        "rogue",
        org="x1",
        name="x",
        uscc=USCC,
        beds=1,
        ownership="public",
        net_assets=1,
        bank="nsyh",
    )
    w.refused(
        "institution rule",
        "register_institution",
        "officer",
        org="flyy",
        name="x",
        uscc=USCC,
        beds=1,
        ownership="public",
        net_assets=1,
        bank="nsyh",
    )
    w.refused(
        "custody rule",
        "register_institution",
        "officer",
        org="x2",
        name="x",
        uscc=USCC,
        beds=1,
        ownership="public",
        net_assets=1,
        bank="gdj",
    )
    assert w.q("institution", org="flyy")["limit"] == 50_000_000


def test_compliance_only_by_the_competent_department(w: World) -> None:
    with pytest.raises(ContractRevert, match="compliance rule: only xfzd"):
        w.call(
            "record_compliance",
            "insp-scjgj",
            institution="flyy",
            category="fire",
            result="pass",
            severity="none",
            valid_until="2027-01-01",
            doc=H,
        )
    with pytest.raises(Unauthorized):  # an institution cannot write its own record
        w.call(
            "record_compliance",
            "flyy",
            institution="flyy",
            category="fire",
            result="pass",
            severity="none",
            valid_until="2027-01-01",
            doc=H,
        )
    w.refused(
        "compliance rule: no category",
        "record_compliance",
        "insp-scjgj",
        institution="flyy",
        category="weather",
        result="pass",
        severity="none",
        valid_until="2027-01-01",
        doc=H,
    )
    w.refused(
        "compliance rule: a pass has severity none",
        "record_compliance",
        "insp-scjgj",
        institution="flyy",
        category="food",
        result="pass",
        severity="major",
        valid_until="2027-01-01",
        doc=H,
    )
    w.refused(
        "compliance rule: valid_until is after today",
        "record_compliance",
        "insp-scjgj",
        institution="flyy",
        category="food",
        result="pass",
        severity="none",
        valid_until="2026-11-01",
        doc=H,
    )
    rec = w.inspect("flyy", "food")
    assert rec["id"] == "REC-000001" and rec["recorded"]["org"] == "scjgj"


def test_grade_computed_expiry_and_red_list(w: World) -> None:
    for cat in PASS_ALL:
        w.inspect("flyy", cat, until="2027-06-30" if cat != "tax" else "2026-12-31")
    g = w.q("grade", org="flyy")
    assert (g["score"], g["grade"], g["red"]) == (100, 5, False)
    assert w.q("institution", org="flyy")["score"]["score"] == 100
    w.to("2027-01-05")  # the tax record expired: missing
    g = w.q("grade", org="flyy")
    assert (g["score"], g["grade"], g["missing"]) == (90, 4, ["tax"])
    fail = w.inspect("flyy", "fire", "fail", "major")
    assert fail["rectify_by"] == "2027-02-02"  # 20 working days, weekends counted out
    g = w.q("grade", org="flyy")
    assert g["red"] is True and g["failing"] == ["fire"] and g["score"] == 65 and g["grade"] == 1
    w.inspect("flyy", "fire")  # rectified: a later passing record replaces it
    assert w.q("grade", org="flyy")["red"] is False
    assert sorted(r["category"] for r in w.q("records", org="flyy")) == sorted(PASS_ALL)


def test_subsidies_only_at_or_above_the_threshold(w: World) -> None:
    for cat in PASS_ALL:
        w.inspect("flyy", cat)
    w.inspect("yyy", "fire")
    w.inspect("yyy", "food")
    w.refused(
        "bureau rule", "pay_subsidy", "rogue", institution="flyy", period="2026-10", occupied=200
    )
    w.refused(
        "subsidy grade rule: grade 0 is below the threshold 3",
        "pay_subsidy",
        "officer",
        institution="yyy",
        period="2026-10",
        occupied=100,
    )
    w.refused(
        "subsidy rule: occupied beds 1-300",
        "pay_subsidy",
        "officer",
        institution="flyy",
        period="2026-10",
        occupied=301,
    )
    w.refused(
        "subsidy rule: the period has not begun",
        "pay_subsidy",
        "officer",
        institution="flyy",
        period="2026-12",
        occupied=1,
    )
    s = w.call("pay_subsidy", "officer", institution="flyy", period="2026-10", occupied=250)
    assert s["fen"] == 250 * 20000 and s["grade"] == 5
    w.refused(
        "subsidy rule: 2026-10 is paid already",
        "pay_subsidy",
        "officer",
        institution="flyy",
        period="2026-10",
        occupied=250,
    )
    w.inspect("flyy", "food", "fail", "major")
    w.refused(
        "subsidy rule: .* open major violation",
        "pay_subsidy",
        "officer",
        institution="flyy",
        period="2026-11",
        occupied=250,
    )
    w.call("set_param", "admin", name="subsidy_min_grade", value=0, reason="试点", basis="测试")
    w.refused(
        r"subsidy rule: .*\(red list\)",
        "pay_subsidy",
        "officer",
        institution="flyy",
        period="2026-11",
        occupied=250,
    )


def test_caregivers_scheduled_only_when_current(w: World) -> None:
    w.refused(
        "qualification rule: only rsj",
        "record_qualification",
        "insp-wjj",
        caregiver=CARER,
        level="level4",
        cert=H,
        valid_until="2029-01-01",
    )
    w.refused(
        "qualification rule: no level",
        "record_qualification",
        "insp-rsj",
        caregiver=CARER,
        level="chef",
        cert=H,
        valid_until="2029-01-01",
    )
    w.call(
        "record_qualification",
        "insp-rsj",
        caregiver=CARER,
        level="level4",
        cert=H,
        valid_until="2029-01-01",
    )
    w.refused(
        "health check rule: only wjj",
        "record_health_check",
        "insp-rsj",
        caregiver=CARER,
        checked_on="2026-01-10",
        fit=True,
        report=H,
    )
    w.call("hire", "flyy", caregiver=CARER)
    w.refused("caregiver rule: employed by another", "hire", "yyy", caregiver=CARER)
    w.refused(
        "scheduling rule: health check missing",
        "schedule",
        "flyy",
        caregiver=CARER,
        date="2026-11-03",
        shift="day",
        elder=H,
    )
    w.call(
        "record_health_check",
        "insp-wjj",
        caregiver=CARER,
        checked_on="2026-01-10",
        fit=True,
        report=H,
    )
    assert w.q("caregiver", did=CARER)["health"]["valid_until"] == "2027-01-10"
    sh = w.call("schedule", "flyy", caregiver=CARER, date="2026-11-03", shift="day", elder=H)
    assert sh["id"] == "SH-000001"
    assert w.q("alerts", org="flyy") == []
    w.to("2026-12-20")  # within 30 days of the health check's end: an alert, still schedulable
    assert w.q("alerts", org="flyy")[0]["expiring"] == ["health check expired 2027-01-10"]
    w.refused(
        "scheduling rule: health check expired 2027-01-10",
        "schedule",
        "flyy",
        caregiver=CARER,
        date="2027-01-11",
        shift="night",
        elder=H,
    )
    w.refused(
        "caregiver rule: not a caregiver of this institution",
        "schedule",
        "yyy",
        caregiver=CARER,
        date="2026-12-21",
        shift="day",
        elder=H,
    )
    w.call(
        "record_health_check",
        "insp-wjj",
        caregiver=CARER,
        checked_on="2026-12-19",
        fit=False,
        report=H,
    )
    w.refused(
        "scheduling rule: health check not passed",
        "schedule",
        "flyy",
        caregiver=CARER,
        date="2026-12-21",
        shift="day",
        elder=H,
    )
    assert w.q("alerts", org="flyy")[0]["stops"] == ["health check not passed"]
    w.call(
        "record_health_check",
        "insp-wjj",
        caregiver=CARER2,
        checked_on="2026-12-01",
        fit=True,
        report=H,
    )
    w.call("hire", "yyy", caregiver=CARER2)
    w.refused(
        "scheduling rule: qualification missing",
        "schedule",
        "yyy",
        caregiver=CARER2,
        date="2026-12-21",
        shift="day",
        elder=H,
    )
    w.refused(
        "scheduling rule: the shift is not in the past",
        "schedule",
        "flyy",
        caregiver=CARER,
        date="2026-12-01",
        shift="day",
        elder=H,
    )
    # released, the caregiver may be hired elsewhere (and leaves the alerts)
    w.call("release_caregiver", "flyy", caregiver=CARER)
    assert w.q("alerts", org="flyy") == [] and w.q("institution", org="flyy")["caregivers"] == 0
    w.call("hire", "yyy", caregiver=CARER)


def test_prepayments_within_the_limit_in_custody(w: World) -> None:
    w.refused(
        "custody rule: only the custody bank",
        "prepay",
        "bank2",
        institution="flyy",
        elder=H,
        kind="deposit",
        amount=100,
    )
    w.refused(
        "prepayment rule: a public institution may not take membership",
        "prepay",
        "bank",
        institution="flyy",
        elder=H,
        kind="membership",
        amount=100,
    )
    p = w.call("prepay", "bank2", institution="yyy", elder=H, kind="membership", amount=600_000)
    w.refused(
        "prepayment cap rule",
        "prepay",
        "bank2",
        institution="yyy",
        elder=H,
        kind="deposit",
        amount=400_001,
    )
    w.call("prepay", "bank2", institution="yyy", elder=H, kind="deposit", amount=400_000)
    assert w.q("institution", org="yyy")["held"] == 1_000_000
    w.call("release", "bank2", prepayment=p["id"], amount=100_000)
    w.refused(
        "custody rule: only 5,000.00 yuan held",
        "release",
        "bank2",
        prepayment=p["id"],
        amount=600_000,
    )
    assert w.q("institution", org="yyy")["held"] == 900_000
    # closure: 30 days' notice, no new prepayments, closes only once everything is refunded
    w.refused("closure notice rule", "announce_closure", "yyy", effective="2026-11-20", notice=H)
    w.call("announce_closure", "yyy", effective="2026-12-10", notice=H)
    w.refused(
        "closure rule: 蓬江区某颐养院 is closing",
        "prepay",
        "bank2",
        institution="yyy",
        elder=H,
        kind="service",
        amount=1,
    )
    w.refused("closure notice rule: not before 2026-12-10", "close", "yyy")
    w.to("2026-12-10")
    w.refused("closure rule: 9,000.00 yuan still held", "close", "yyy")
    w.call("refund", "bank2", prepayment=p["id"])
    w.call("refund", "bank2", prepayment="PP-000002")
    assert w.call("close", "yyy")["status"] == "closed"


def test_time_bank(w: World) -> None:
    w.refused(
        "time bank rule: the elder is not enrolled",
        "log_service",
        VOL,
        elder=ELDER,
        kind="meal",
        date="2026-11-01",
        minutes=60,
    )
    w.call("enrol_elder", "officer", elder=ELDER, basis=H, guardian=GUARD)
    s1 = w.call("log_service", VOL, elder=ELDER, kind="meal", date="2026-11-01", minutes=90)
    assert s1["confirm_by"] == "2026-11-16"
    assert w.q("time_account", did=VOL)["balance"] == 0  # not before the elder confirms
    w.refused("confirmation rule: only the served elder", "confirm_service", VOL, service=s1["id"])
    w.call("confirm_service", ELDER, service=s1["id"])
    w.refused(
        "confirmation rule: the service is confirmed", "confirm_service", GUARD, service=s1["id"]
    )
    s2 = w.call("log_service", VOL, elder=ELDER, kind="escort", date="2026-11-02", minutes=120)
    w.call("confirm_service", GUARD, service=s2["id"], accept=False)  # the guardian rejects
    assert w.q("time_account", did=VOL) | {} == {
        "did": VOL,
        "balance": 90,
        "pending": 0,
        "earned": 90,
        "spent": 0,
        "donated": 0,
        "granted": 0,
    }
    w.refused(
        "time bank rule: 1-480 minutes",
        "log_service",
        VOL,
        elder=ELDER,
        kind="meal",
        date="2026-11-02",
        minutes=481,
    )
    # the cap: balance + pending + new within tb_cap_hours
    w.call("set_param", "admin", name="tb_cap_hours", value=3, reason="试点", basis="测试")
    w.t.advance()
    w.refused(
        "time bank cap rule",
        "log_service",
        VOL,
        elder=ELDER,
        kind="meal",
        date="2026-11-02",
        minutes=91,
    )
    s3 = w.call("log_service", VOL, elder=ELDER, kind="meal", date="2026-11-02", minutes=90)
    w.to("2026-11-17")
    w.refused(
        "confirmation rule: the deadline 2026-11-16 has passed",
        "confirm_service",
        ELDER,
        service=s3["id"],
    )
    assert w.call("expire_service", VOL, service=s3["id"])["status"] == "expired"
    # spendable later only by enrolled elders; otherwise donated to the pool
    w.refused(
        "redemption rule: only enrolled elders",
        "redeem",
        VOL,
        minutes=30,
        provider=ELDER,
        kind="meal",
    )
    w.call("donate", VOL, minutes=30)
    w.refused("donation rule: 1-60 minutes", "donate", VOL, minutes=61)
    w.call("grant", "officer", elder=ELDER, minutes=30)
    w.refused("grant rule: 1-0 minutes", "grant", "officer", elder=ELDER, minutes=1)
    w.call("redeem", ELDER, minutes=30, provider=VOL, kind="meal")
    w.refused("redemption rule: 1-0 minutes", "redeem", ELDER, minutes=1, provider=VOL, kind="meal")
    # a balance certificate the volunteer's wallet holds as a credential
    cert = w.call("certify_balance", VOL)
    assert cert["id"] == "CTB-000001" and cert["holders"] == [VOL]
    assert cert["fields"] == {"minutes": 60, "as_of": "2026-11-17"}
    claims = SCENARIO.certificate.claims(cert, VOL)  # type: ignore[union-attr]
    assert claims == {
        "certificate": "CTB-000001",
        "kind": "时间银行存折证明",
        "minutes": 60,
        "as_of": "2026-11-17",
    }
    w.refused("certificate rule: nothing stored", "certify_balance", GUARD)
    b = w.q("board")
    assert b["time_bank"] == {"pool": 0, "volunteers": 1, "stored": 60, "earned": 90, "spent": 30}


def test_parameters_governed(w: World) -> None:
    with pytest.raises((ContractRevert, Unauthorized)):
        w.call("set_param", "officer", name="tb_cap_hours", value=1, reason="x")
    rec = w.call("set_param", "admin", name="subsidy_rate_fen", value=30000, reason="新标准")
    assert rec["previous"] == 20000
    for name, spec in __import__(
        "wuyi.scenarios.eldercare.contract", fromlist=["PARAMS"]
    ).PARAMS.items():
        assert spec["basis"], name
