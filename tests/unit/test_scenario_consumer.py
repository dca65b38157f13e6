"""消费维权 (scenario 8): the contract's rules in the sandbox (``ContractTester``), each
refusal naming its rule — caps by industry, no prepayment without a signed contract, custody
released only as the consumer confirms consumption, the custody ratio and over-withdrawal, the
daily reconciliation with its alerts and the stop on new prepayments, 30 days' notice before
closing and the refunds, complaints accepted within 7 and mediated within 45 working days
(the governed holiday table), 先行赔付 from the deposit, the public credit view and the
governed parameters. The scenario through a node (API, SDK, CLI) is
``test_scenario_consumer_api.py``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from wuyi.contract.lib import calendar
from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.scenarios import load
from wuyi.scenarios.consumer.sdk import uscc
from wuyi.testing.contracts import ContractHandle, ContractTester

SCENARIO = load("wuyi.scenarios.consumer")
DAY = 86_400_000
SCHOOL = "did:wuyi:" + "5c" * 16
GYM = "did:wuyi:" + "6d" * 16
SALON = "did:wuyi:" + "7e" * 16
ANN = "did:wuyi:" + "a1" * 16
BO = "did:wuyi:" + "b2" * 16
TERMS = b"\x11" * 32
DOC = b"\x22" * 32


def at(day: str, hour: int = 10) -> int:
    """Block time (ms) of ``day`` at ``hour`` o'clock China Standard Time."""
    t = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return int(t.timestamp() * 1000)


@dataclass
class World:
    t: ContractTester
    c: ContractHandle

    def call(self, method: str, sender: str, **args: Any) -> Any:
        """A transaction in a new block, signed by identity ``sender`` (a name or a DID)."""
        self.t.advance()
        who = next((n for n, i in self.t.identities.items() if i.did == sender), sender)
        return self.c.call(method, sender=who, **args)

    def q(self, method: str, **args: Any) -> Any:
        return self.c.query(method, **args)

    def m(self, did: str) -> dict[str, Any]:
        out: dict[str, Any] = self.q("merchant", did=did)
        return out

    def to(self, day: str, hour: int = 10) -> None:
        self.t.time = at(day, hour)

    def contract(self, cid: str) -> dict[str, Any]:
        out: dict[str, Any] = self.q("contract", contract_id=cid)
        return out

    def paid_contract(
        self, merchant: str, consumer: str, units: int = 20, price: int = 10_000, **kw: Any
    ) -> str:
        """An offered, signed and prepaid contract."""
        args = {"item": "课程", "unit": "lesson", "months": 3, "terms": TERMS} | kw
        cid = str(
            self.call("offer", merchant, consumer=consumer, units=units, unit_price=price, **args)
        )
        self.call("sign", consumer, contract_id=cid)
        bank = "bank" if self.m(merchant)["bank"] == "nsyh" else "bank2"
        self.call("prepay", bank, contract_id=cid, amount=units * price)
        return cid


def world(day: str = "2026-03-02") -> World:
    t = ContractTester(time=at(day))
    t.identity("reg", org="scjgj", roles=["regulator"])
    t.identity("regadmin", org="scjgj", roles=["admin"])
    t.identity("clerk", org="scjgj", roles=["admin"])  # no regulator role
    t.identity("fake", org="nsyh", roles=["regulator"])  # a role of another organisation
    t.identity("admin2", org="nsyh", roles=["admin"])
    t.identity("bank", org="nsyh", roles=["custody"])
    t.identity("bank2", org="zgyh", roles=["custody"])
    t.identity("teller", org="nsyh", roles=["banker"])  # no custody role
    for name, did in (("school", SCHOOL), ("gym", GYM), ("salon", SALON), ("ann", ANN), ("bo", BO)):
        t.identity(name, did=did)
    c = t.deploy("consumer", SCENARIO.source(), sender="regadmin", init_args=SCENARIO.init_args)
    w = World(t, c)
    w.call("register_merchant", "reg", did=SCHOOL, name="启航艺术培训中心",
           uscc=uscc("91440703MA4W00001"), industry="training", district="440703",
           tier="training", bank="nsyh")  # fmt: skip
    w.call("register_merchant", "reg", did=GYM, name="悦动健身会所", uscc=uscc("91440704MA4W00002"),
           industry="fitness", district="440704", tier="scale", bank="zgyh")  # fmt: skip
    w.call("register_merchant", "reg", did=SALON, name="丽人美容美发店",
           uscc=uscc("92440705MA4W00003"), industry="beauty", district="440705", tier="small",
           bank="nsyh")  # fmt: skip
    return w


def refused(match: str) -> Any:
    return pytest.raises(ContractRevert, match=match)


def test_merchants_are_registered_by_the_regulator_with_valid_public_facts() -> None:
    w = world()
    base = {"did": "did:wuyi:" + "99" * 16, "name": "新店", "uscc": uscc("91440781MA4W00004"),
            "industry": "catering", "district": "440781", "tier": "small",
            "bank": "nsyh"}  # fmt: skip
    with refused("regulator rule: only members of 'scjgj'"):
        w.call("register_merchant", "fake", **base)
    with pytest.raises(Unauthorized):
        w.call("register_merchant", "clerk", **base)
    bad = base["uscc"][:-1] + ("0" if base["uscc"][-1] != "0" else "1")
    with refused("merchant rule: .* is not a valid 统一社会信用代码"):
        w.call("register_merchant", "reg", **base | {"uscc": bad})
    with refused("merchant rule: industry 'casino' is not one of"):
        w.call("register_merchant", "reg", **base | {"industry": "casino"})
    with refused(r"custody rule \(资金存管\): a merchant in 'training' keeps"):
        w.call("register_merchant", "reg", **base | {"industry": "training"})
    with refused(r"custody rule \(资金存管\): 'zsyh' is not a custody bank"):
        w.call("register_merchant", "reg", **base | {"bank": "zsyh"})
    with refused("is already registered"):
        w.call("register_merchant", "reg", **base | {"uscc": uscc("91440703MA4W00001")})
    m = w.call("register_merchant", "reg", **base)
    assert m["status"] == "active" and m["custody"] == m["liabilities"] == 0
    with refused("is already registered"):
        w.call("register_merchant", "reg", **base | {"uscc": uscc("91440781MA4W00005")})


def test_caps_by_industry_are_governed_parameters() -> None:
    w = world()
    offer = {"consumer": ANN, "item": "钢琴课", "unit": "lesson", "unit_price": 15_000,
             "months": 3, "terms": TERMS}  # fmt: skip
    with refused(r"cap rule \(预付限额\): a 'training' prepayment covers at most 60 lessons"):
        w.call("offer", "school", **offer | {"units": 61})
    with refused(r"cap rule \(预付限额\): a 'training' prepayment covers at most 3 months"):
        w.call("offer", "school", **offer | {"units": 24, "months": 4})
    with refused(r"cap rule \(预付限额\): 'training' is prepaid by lessons"):
        w.call("offer", "school", **offer | {"units": 24, "unit": "session"})
    assert w.call("offer", "school", **offer | {"units": 60}) == "YF000001"
    card = offer | {"unit": "fen", "unit_price": 1, "months": 12}
    with refused(r"cap rule \(预付限额\): a named prepaid card in 'beauty' holds at most 5,000.00"):
        w.call("offer", "salon", **card | {"units": 500_001})
    assert w.call("offer", "salon", **card | {"units": 500_000}) == "YF000002"
    with refused("stored value is 1 fen a unit"):
        w.call("offer", "salon", **card | {"units": 100, "unit_price": 2})
    with refused("the merchant is not its own consumer"):
        w.call("offer", "salon", **card | {"units": 100, "consumer": SALON})
    with refused("merchant rule: .* is not a registered merchant"):
        w.call("offer", "ann", **card | {"units": 100, "consumer": BO})
    # 市场监管局 lowers the card cap: in force from the next block, on record
    with refused("param rule: only admins of 'scjgj'"):
        w.call("set_param", "admin2", name="card_max_fen", value=300_000, reason="x")
    rec = w.call("set_param", "regadmin", name="card_max_fen", value=300_000, reason="新规定")
    assert rec["previous"] == 500_000 and rec["effective_height"] == w.t.height + 1
    assert "5000元" in rec["basis"]
    with refused("holds at most 3,000.00"):
        w.call("offer", "salon", **card | {"units": 400_000})
    # the cap in force at payment applies: the 5,000-yuan card offered before cannot be paid
    w.call("sign", "ann", contract_id="YF000002")
    with refused("holds at most 3,000.00"):
        w.call("prepay", "bank", contract_id="YF000002", amount=500_000)


def test_no_prepayment_without_a_contract_the_consumer_signed() -> None:
    w = world()
    cid = w.call("offer", "school", consumer=ANN, item="钢琴课", unit="lesson", units=24,
                 unit_price=15_000, months=3, terms=TERMS)  # fmt: skip
    with refused(r"contract rule \(书面合同\): no prepayment without a signed contract"):
        w.call("prepay", "bank", contract_id=cid, amount=360_000)
    with refused("only the consumer of YF000001 signs it"):
        w.call("sign", "bo", contract_id=cid)
    c = w.call("sign", "ann", contract_id=cid)
    assert c["status"] == "signed" and [s["step"] for s in c["trace"]] == ["offered", "signed"]
    with refused(r"bank rule: only the custody bank of 启航艺术培训中心 \(nsyh"):
        w.call("prepay", "bank2", contract_id=cid, amount=360_000)
    with pytest.raises(Unauthorized):
        w.call("prepay", "teller", contract_id=cid, amount=360_000)
    with refused("the prepayment is the contract's total 3,600.00"):
        w.call("prepay", "bank", contract_id=cid, amount=300_000)
    c = w.call("prepay", "bank", contract_id=cid, amount=360_000)
    assert c["status"] == "active" and c["start"] == "2026-03-02" and c["end"] == "2026-06-02"
    m = w.m(SCHOOL)
    assert (m["custody"], m["liabilities"], m["prepaid"]) == (360_000, 360_000, 360_000)
    with refused("is active"):
        w.call("prepay", "bank", contract_id=cid, amount=360_000)


def test_custody_is_released_only_as_the_consumer_confirms_consumption() -> None:
    w = world()
    cid = w.paid_contract(SCHOOL, ANN, units=20, price=10_000)
    # the consumer checks in for two lessons: exactly their price goes to the school
    use = w.call("check_in", "ann", contract_id=cid, units=2)
    assert (use["fen"], use["released"], use["status"]) == (20_000, 20_000, "confirmed")
    assert (w.m(SCHOOL)["custody"], w.m(SCHOOL)["liabilities"]) == (180_000, 180_000)
    with refused(r"release rule \(消拨同步\): only the consumer of YF000001 confirms"):
        w.call("check_in", "school", contract_id=cid, units=1)
    # the school asks for one lesson: nothing moves until the consumer confirms
    req = w.call("request_consumption", "school", contract_id=cid, units=1)
    assert req["status"] == "requested" and w.m(SCHOOL)["custody"] == 180_000
    with refused("only the consumer of YF000001 confirms"):
        w.call("confirm", "school", contract_id=cid, n=req["n"])
    with refused("is not yours"):
        w.call("request_consumption", "gym", contract_id=cid, units=1)
    done = w.call("confirm", "ann", contract_id=cid, n=req["n"])
    assert done["status"] == "confirmed" and w.m(SCHOOL)["released"] == 30_000
    with refused("no request 2 waiting"):
        w.call("confirm", "ann", contract_id=cid, n=2)
    # a request the consumer declines releases nothing
    req = w.call("request_consumption", "school", contract_id=cid, units=3)
    with refused(r"14 units of YF000001 are left to consume"):
        w.call("check_in", "ann", contract_id=cid, units=15)
    assert w.call("confirm", "ann", contract_id=cid, n=req["n"], accept=False)["status"] == (
        "declined"
    )
    assert w.m(SCHOOL)["released"] == 30_000
    w.call("check_in", "ann", contract_id=cid, units=17)
    c = w.contract(cid)
    assert c["status"] == "completed" and c["consumed"] == c["released"] == 200_000
    m = w.m(SCHOOL)
    assert (m["custody"], m["liabilities"], m["contracts"]["completed"]) == (0, 0, 1)
    assert [u["status"] for u in w.q("consumptions", contract_id=cid)] == [
        "confirmed", "confirmed", "declined", "confirmed"]  # fmt: skip
    with refused("YF000001 is completed, not active"):
        w.call("check_in", "ann", contract_id=cid, units=1)


def test_a_partial_custody_ratio_and_over_withdrawal() -> None:
    """A 规模发卡企业 keeps 20 % of its unconsumed prepayments in custody: the bank lets it
    withdraw down to that and refuses more; consumption then releases only what the account
    holds above 20 % of what remains."""
    w = world()
    cid = w.paid_contract(GYM, ANN, units=100, price=4_000, unit="session", months=12)
    assert w.m(GYM)["custody"] == 400_000
    with refused(r"custody rule \(资金存管\): over-withdrawal refused: 悦动健身会所 must keep 20%"):
        w.call("withdraw", "bank2", merchant=GYM, amount=320_001)
    with refused("bank rule: only the custody bank of 悦动健身会所"):
        w.call("withdraw", "bank", merchant=GYM, amount=1)
    m = w.call("withdraw", "bank2", merchant=GYM, amount=320_000)
    assert (m["custody"], m["red"]) == (80_000, [])
    use = w.call("check_in", "ann", contract_id=cid, units=10)  # 40,000 consumed
    assert (use["fen"], use["released"]) == (40_000, 8_000)  # 80,000 → 20 % of 360,000
    m = w.m(GYM)
    assert (m["custody"], m["liabilities"], m["red"]) == (72_000, 360_000, [])


def test_reconciliation_alerts_the_regulator_and_stops_new_prepayments() -> None:
    w = world()
    w.paid_contract(SALON, ANN, units=100_000, price=1, unit="fen", months=12)
    r = w.call("reconcile", "bank", merchant=SALON, balance=100_000)
    assert r["status"] == "green" and r["diff"] == 0 and w.m(SALON)["alert"] is None
    # the next day the bank's balance is 30,000 fen short of the chain's figure
    w.to("2026-03-03")
    r = w.call("reconcile", "bank", merchant=SALON, balance=70_000)
    assert r["status"] == "red" and r["reasons"] == ["bank_mismatch", "bank_shortfall"]
    m = w.m(SALON)
    (alert,) = [e for e in w.t.events if e.name == "Alert"]
    assert m["alert"] == alert.attrs["alert"] == "AL000001"
    a = w.q("alert", alert_id="AL000001")
    assert a["reasons"] == ["bank_mismatch", "bank_shortfall"] and a["cleared"] is None
    assert w.q("credit", did=SALON)["rating"] == "warning"
    cid = w.call("offer", "salon", consumer=BO, item="护理卡", unit="fen", units=50_000,
                 unit_price=1, months=6, terms=TERMS)  # fmt: skip
    w.call("sign", "bo", contract_id=cid)
    with refused(r"custody rule \(资金存管\): 丽人美容美发店 is on alert \(bank_mismatch, bank_"):
        w.call("prepay", "bank", contract_id=cid, amount=50_000)
    assert w.contract(cid)["status"] == "signed"  # the refusal changed nothing
    # the regulator takes it up; the bank corrects its figure, the merchant tops up
    with refused("regulator rule"):
        w.call("acknowledge", "fake", alert_id="AL000001", note="约谈")
    w.call("acknowledge", "reg", alert_id="AL000001", note="已约谈经营者，责令补足存管资金")
    m = w.call("correct_custody", "bank", merchant=SALON, balance=70_000, reason="司法扣划")
    assert m["red"] == ["shortfall", "bank_mismatch", "bank_shortfall"]
    w.call("top_up", "bank", merchant=SALON, amount=30_000)
    assert w.m(SALON)["red"] == ["bank_mismatch", "bank_shortfall"]  # until the bank checks
    r = w.call("reconcile", "bank", merchant=SALON, balance=100_000)
    assert r["status"] == "green" and w.m(SALON)["alert"] is None
    assert w.q("alert", alert_id="AL000001")["cleared"]["date"] == "2026-03-03"
    assert w.call("prepay", "bank", contract_id=cid, amount=50_000)["status"] == "active"
    # the merchant's own ledger must match the chain's sum of unconsumed prepayments
    r = w.call("report_ledger", "salon", ledger=140_000)
    assert r["status"] == "red" and r["reasons"] == ["ledger_mismatch"] and r["diff"] == -10_000
    assert w.m(SALON)["alert"] == "AL000002"
    assert w.call("report_ledger", "salon", ledger=150_000)["status"] == "green"
    assert w.m(SALON)["alert"] is None
    assert [x["reasons"] for x in (w.q("alert", alert_id=a) for a in ("AL000001", "AL000002"))]


def test_a_prepayment_waits_for_the_daily_reconciliation() -> None:
    w = world()
    w.paid_contract(SCHOOL, ANN, units=10, price=10_000)
    w.to("2026-03-03")
    cid = w.call("offer", "school", consumer=BO, item="钢琴课", unit="lesson", units=10,
                 unit_price=10_000, months=3, terms=TERMS)  # fmt: skip
    w.call("sign", "bo", contract_id=cid)
    assert w.q("credit", did=SCHOOL)["stale_since"] is None  # one day: allowed
    w.to("2026-03-04")
    assert w.q("credit", did=SCHOOL)["stale_since"] == "2026-03-02"
    assert w.q("credit", did=SCHOOL)["rating"] == "watch"
    with refused(r"reconciliation rule \(每日对账\): the custody account of 启航艺术培训中心"
                 r" has not been reconciled by its bank since 2026-03-02"):  # fmt: skip
        w.call("prepay", "bank", contract_id=cid, amount=100_000)
    w.call("reconcile", "bank", merchant=SCHOOL, balance=100_000)
    assert w.call("prepay", "bank", contract_id=cid, amount=100_000)["status"] == "active"


def test_closure_needs_notice_and_refunds_what_is_unconsumed() -> None:
    w = world()
    cid = w.paid_contract(SALON, ANN, units=200_000, price=1, unit="fen", months=12)
    other = w.paid_contract(SALON, BO, units=100_000, price=1, unit="fen", months=12)
    w.call("check_in", "ann", contract_id=cid, units=50_000)
    with refused(r"closure rule \(停业告知\): a close needs 30 days' notice: 2026-03-31 is"
                 r" too early \(at the earliest 2026-04-01\)"):  # fmt: skip
        w.call("announce_closure", "salon", kind="close", effective="2026-03-31", notice=DOC)
    cl = w.call("announce_closure", "salon", kind="close", effective="2026-04-01", notice=DOC)
    assert cl["notice_days"] == 30 and w.m(SALON)["status"] == "closing"
    with refused(r"closure rule \(停业告知\): 丽人美容美发店 is closing; no new contracts"):
        w.call("offer", "salon", consumer=BO, item="卡", unit="fen", units=1, unit_price=1,
               months=1, terms=TERMS)  # fmt: skip
    assert w.q("credit", did=SALON)["rating"] == "warning"
    # a consumer cancels: the unconsumed balance is due within refund_days
    c = w.call("cancel", "ann", contract_id=cid)
    assert c["status"] == "cancelled" and c["cancel"] == {
        "amount": 150_000, "due_on": "2026-03-09", "by": "consumer"}  # fmt: skip
    with refused("only the custody bank"):
        w.call("pay_refund", "bank2", contract_id=cid)
    refund = w.call("pay_refund", "bank", contract_id=cid)
    assert refund == {"paid": 150_000, "owed": 0, "late": False, "date": "2026-03-02"}
    with refused("has no refund waiting"):
        w.call("pay_refund", "bank", contract_id=cid)
    # the merchant cannot close before the date, nor while a consumer's balance is open
    with refused(r"closure rule \(停业告知\): the announced date is 2026-04-01"):
        w.call("close", "salon")
    with refused("the regulator cancels for consumers only after 丽人美容美发店's announced"):
        w.call("cancel", "reg", contract_id=other)
    with refused("regulator rule"):
        w.call("cancel", "clerk", contract_id=other)
    w.to("2026-04-01")
    with refused(r"1,000.00 元 of prepayments are unconsumed"):
        w.call("close", "salon")
    w.call("cancel", "reg", contract_id=other)  # winding up for the consumer
    w.call("pay_refund", "bank", contract_id=other)
    m = w.call("close", "salon")
    assert m["status"] == "closed" and (m["custody"], m["liabilities"]) == (0, 0)
    assert w.contract(other)["cancel"]["by"] == "regulator"


def test_a_late_refund_is_recorded_and_a_relocation_keeps_trading() -> None:
    w = world()
    cid = w.paid_contract(SCHOOL, ANN, units=10, price=10_000)
    w.call("announce_closure", "school", kind="relocate", effective="2026-05-01", notice=DOC)
    assert w.m(SCHOOL)["status"] == "active"
    w.call("cancel", "ann", contract_id=cid)
    w.to("2026-03-10")  # due on 2026-03-09
    assert w.call("pay_refund", "bank", contract_id=cid)["late"] is True
    assert w.m(SCHOOL)["refunds_late"] == 1


def test_a_refund_the_custody_cannot_cover_is_owed_and_first_pay_covers_it() -> None:
    w = world()
    cid = w.paid_contract(GYM, ANN, units=100, price=4_000, unit="session", months=12)
    w.call("withdraw", "bank2", merchant=GYM, amount=320_000)  # down to 20 %
    w.call("cancel", "ann", contract_id=cid)
    refund = w.call("pay_refund", "bank2", contract_id=cid)
    assert (refund["paid"], refund["owed"]) == (80_000, 320_000)
    m = w.m(GYM)
    assert m["owed"] == 320_000 and m["red"] == ["refund_owed"] and m["alert"] == "AL000001"
    k = w.call("lodge", "ann", contract_id=cid, category="refund", statement=DOC)
    assert k["id"] == "TS000001" and k["status"] == "received"
    with refused("only the consumer of YF000001 complains"):
        w.call("lodge", "bo", contract_id=cid, category="refund", statement=DOC)
    with refused("category is one of"):
        w.call("lodge", "ann", contract_id=cid, category="weather", statement=DOC)
    with refused(r"first-pay rule \(先行赔付\): TS000001 is received"):
        w.call("order_first_pay", "reg", complaint_id="TS000001", amount=1)
    w.call("decide", "reg", complaint_id="TS000001", accept=True)
    with refused(r"first-pay rule \(先行赔付\): 悦动健身会所 has not committed to 先行赔付"):
        w.call("order_first_pay", "reg", complaint_id="TS000001", amount=1)
    with refused(r"commitment rule \(放心消费承诺\): no-reason returns are 0 \(none\) or 7-365"):
        w.call("commit", "gym", no_reason_days=3, first_pay=True)
    w.call("commit", "gym", no_reason_days=7, first_pay=True)
    w.call("guarantee", "bank2", merchant=GYM, amount=500_000)
    with refused("the deposit of 悦动健身会所 holds 5,000.00"):
        w.call("order_first_pay", "reg", complaint_id="TS000001", amount=500_001)
    k = w.call("order_first_pay", "reg", complaint_id="TS000001", amount=320_000)
    assert k["first_pay"]["hours"] == 48 and k["first_pay"]["due_ms"] == w.t.time + 48 * 3600_000
    with refused("has an order"):
        w.call("order_first_pay", "reg", complaint_id="TS000001", amount=1)
    w.t.time += 49 * 3600_000
    k = w.call("pay_first", "bank2", complaint_id="TS000001")
    assert k["first_pay"]["late"] is True
    assert [s["step"] for s in k["steps"]] == [
        "received", "accepted", "first_pay_ordered", "first_pay_paid"]  # fmt: skip
    m = w.m(GYM)
    assert (m["owed"], m["deposit"], m["first_pays"], m["red"]) == (0, 180_000, 1, [])
    assert w.contract(cid)["refund"]["owed"] == 0 and m["alert"] is None


def test_complaints_are_decided_in_7_and_mediated_in_45_working_days() -> None:
    """Lodged on the Friday before Spring Festival 2026: the 7 working days run past the
    holiday (2-14 and 2-28 are make-up working days) to 2026-03-02."""
    w = world("2026-02-13")
    cid = w.paid_contract(SCHOOL, ANN, units=10, price=10_000)
    k = w.call("lodge", "ann", contract_id=cid, category="quality", statement=DOC)
    assert k["received_on"] == "2026-02-13"
    assert k["accept_due"] == calendar.add_working_days("2026-02-13", 7, calendar.CN_HOLIDAYS)
    assert k["accept_due"] == "2026-03-02"
    with refused("a refusal names its reason"):
        w.call("decide", "reg", complaint_id=k["id"], accept=False)
    w.to("2026-03-04")  # two working days late (3-3, 3-4)
    k = w.call("decide", "reg", complaint_id=k["id"], accept=True)
    assert (k["status"], k["late_days"], k["decided_on"]) == ("accepted", 2, "2026-03-04")
    assert k["mediation_due"] == calendar.add_working_days("2026-03-04", 45, calendar.CN_HOLIDAYS)
    assert k["mediation_due"] == "2026-05-11"  # past 清明 and 劳动节 (5-9 is worked)
    w.call("respond", "school", complaint_id=k["id"], response=DOC)
    with refused("is not about you"):
        w.call("respond", "gym", complaint_id=k["id"], response=DOC)
    w.call("mediate", "reg", complaint_id=k["id"], record=DOC)
    with refused(r"mediation rule \(调解时限\): mediation of TS000001 runs until 2026-05-11"):
        w.call("end_mediation", "ann", complaint_id=k["id"])
    w.to("2026-05-12")
    with refused(r"mediation rule \(调解时限\): no agreement on TS000001 within 45 working days"):
        w.call("conclude", "reg", complaint_id=k["id"], agreed=True, amount=5_000, record=DOC)
    with refused("ended on 2026-05-11; mediation ends"):
        w.call("mediate", "reg", complaint_id=k["id"], record=DOC)
    with refused("regulator rule"):
        w.call("end_mediation", "bo", complaint_id=k["id"])
    k = w.call("end_mediation", "ann", complaint_id=k["id"])
    assert k["status"] == "terminated"
    assert [s["step"] for s in k["steps"]] == [
        "received", "accepted", "merchant_response", "mediation", "terminated"]  # fmt: skip
    assert all(s["date"] and s["height"] for s in k["steps"])
    # another: agreed in time; another refused
    k2 = w.call("lodge", "ann", contract_id=cid, category="price", statement=DOC)
    w.call("decide", "reg", complaint_id=k2["id"], accept=True)
    k2 = w.call("conclude", "reg", complaint_id=k2["id"], agreed=True, amount=5_000, record=DOC)
    assert k2["status"] == "agreed" and k2["outcome"]["amount"] == 5_000
    k3 = w.call("lodge", "ann", contract_id=cid, category="other", statement=DOC)
    k3 = w.call("decide", "reg", complaint_id=k3["id"], accept=False, reason="duplicate")
    assert (k3["status"], k3["reason"], k3["late_days"]) == ("rejected", "duplicate", 0)
    cr = w.q("credit", did=SCHOOL)
    assert cr["complaints"] | {} == {"received": 0, "accepted": 0, "rejected": 1, "agreed": 1,
                                     "failed": 0, "terminated": 1}  # fmt: skip
    assert (cr["accepted_on_time"], cr["accepted_late"], cr["on_time_pct"]) == (2, 1, 66)


def test_the_credit_view_shows_merchants_never_consumers() -> None:
    w = world()
    cid = w.paid_contract(SCHOOL, ANN, units=10, price=10_000)
    w.call("check_in", "ann", contract_id=cid, units=4)
    w.call("lodge", "ann", contract_id=cid, category="quality", statement=DOC)
    w.call("reconcile", "bank", merchant=SCHOOL, balance=60_000)
    views = [w.q("credits"), w.q("dashboard")]
    text = repr(views)
    assert ANN not in text and BO not in text and DOC.hex() not in text
    school = next(x for x in views[0] if x["did"] == SCHOOL)
    assert school["name"] == "启航艺术培训中心" and school["ratio_pct"] == 100
    assert (school["custody"], school["liabilities"], school["required"]) == (60_000,) * 3
    assert school["rating"] == "watch"  # a complaint waits
    assert [x["rating"] for x in views[0]] == ["watch", "good", "good"]
    dash = views[1]
    assert dash["merchants"] == 3 and dash["custody"] == 60_000
    assert dash["complaints"]["received"] == 1 and dash["contracts"]["active"] == 1
    assert dash["ratings"] == {"good": 2, "watch": 1, "warning": 0}
