"""健康医疗 (scenario 11): the contract's rules in the sandbox (``ContractTester``), each refusal
naming its rule — records read across hospitals only under the patient's live, separate consent
(FHIR ``Consent`` shape) naming the reader, the category, the keeper and the purpose, every
read logged and withdrawal effective at once; 医保 settlements with one trace code per drug box
settled once only (无码不结算, 追溯码重复结算); the supervision rules R01–R05 raising alerts
(the same claim twice, services after death, overlapping stays, several hospitals in a day,
over-limit quantities); the alert workflow 初审 → 复审 → 申诉 → 调查核实 → 处理 with its
working-day deadlines; 商保快赔 claims holding only the consented items, decided and paid within
保险法 Art. 23's days; the governed parameters. The scenario through a node (API, SDK, CLI) is
``test_scenario_medical_api.py``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.scenarios import load
from wuyi.testing.contracts import ContractHandle, ContractTester

SCENARIO = load("wuyi.scenarios.medical")
ANN = "did:wuyi:" + "a1" * 16
BO = "did:wuyi:" + "b2" * 16
DOC = b"\x22" * 32
NOTE = b"\x33" * 32
LOCATOR = b"\x99" * 48


def at(day: str, hour: int = 10) -> int:
    t = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return int(t.timestamp() * 1000)


def h(n: int) -> bytes:
    return n.to_bytes(32, "big")


@dataclass
class World:
    t: ContractTester
    c: ContractHandle
    n: int = 1000

    def call(self, method: str, sender: str, **args: Any) -> Any:
        self.t.advance()
        who = next((n for n, i in self.t.identities.items() if i.did == sender), sender)
        return self.c.call(method, sender=who, **args)

    def q(self, method: str, **args: Any) -> Any:
        return self.c.query(method, **args)

    def to(self, day: str) -> None:
        self.t.time = at(day)

    def fresh(self) -> bytes:
        self.n += 1
        return h(self.n)

    def drug(self, qty: int = 2, product: str = "8680001", code: str = "XA01") -> dict:
        return {"kind": "drug", "code": code, "product": product, "qty": qty, "fen": 1500,
                "trace": [self.fresh() for _ in range(qty)]}  # fmt: skip

    def settle(self, hospital: str = "zx", patient: str = ANN, **kw: Any) -> dict:
        args: dict[str, Any] = {
            "patient": patient,
            "kind": "outpatient",
            "admit": "2026-03-02",
            "discharge": "2026-03-02",
            "items": [{"kind": "service", "code": "S001", "qty": 1, "fen": 2000}, self.drug()],
            "fund_fen": 3000,
            "invoice": self.fresh(),
            "diagnosis": NOTE,
        } | kw
        out: dict = self.call("settle", hospital, **args)
        return out

    def alert(self, aid: str) -> dict:
        out: dict = self.q("alert", alert_id=aid)
        return out


def world(day: str = "2026-03-03") -> World:
    t = ContractTester(time=at(day))
    t.identity("ybjadmin", org="ybj", roles=["admin"])
    t.identity("rev1", org="ybj", roles=["reviewer"])
    t.identity("rev2", org="ybj", roles=["reviewer"])
    t.identity("clerk", org="rmyy", roles=["reviewer"])  # the role, of another organisation
    t.identity("zx", org="zxyy", roles=["hospital"])
    t.identity("rm", org="rmyy", roles=["hospital"])
    t.identity("other", org="xxyy", roles=["hospital"])  # not a designated hospital
    t.identity("ins", org="rsbx", roles=["insurer"])
    t.identity("police", org="gaj", roles=["civil"])
    t.identity("fake", org="zxyy", roles=["civil", "insurer"])
    for name, did in (("ann", ANN), ("bo", BO)):
        t.identity(name, did=did)
    c = t.deploy("medical", SCENARIO.source(), sender="ybjadmin", init_args=SCENARIO.init_args)
    return World(t, c)


def refused(match: str) -> Any:
    return pytest.raises(ContractRevert, match=match)


# -- rule 1: records, consents, reads ----------------------------------------------------------


def consented(w: World, **kw: Any) -> dict:
    args = {"grantee": "rmyy", "purpose": "referral", "start": "2026-03-01", "end": "2026-06-30",
            "separate": True, "categories": ["discharge", "lab"]} | kw  # fmt: skip
    out: dict = w.call("grant", ANN, **args)
    return out


def test_a_record_is_read_across_hospitals_only_under_a_live_separate_consent() -> None:
    w = world()
    rec = w.call("register_record", "zx", patient=ANN, category="discharge", doc=DOC,
                 locator=LOCATOR)  # fmt: skip
    lab = w.call("register_record", "zx", patient=ANN, category="imaging", doc=h(5),
                 locator=LOCATOR)  # fmt: skip
    with refused("hospital rule"):
        w.call("register_record", "other", patient=ANN, category="lab", doc=h(6), locator=b"x")
    with refused("record rule: this document"):
        w.call("register_record", "zx", patient=ANN, category="lab", doc=DOC, locator=b"x")
    with refused("separate consent rule"):
        consented(w, separate=False)
    with refused("consent rule: grantee"):
        consented(w, grantee="xxyy")
    with refused("consent rule \\(期限\\)"):
        consented(w, end="2027-06-30")
    with refused("consent rule: a hospital is not permitted for a claim"):
        consented(w, purpose="claim")
    c = consented(w)
    assert c["resourceType"] == "Consent" and c["decision"] == "permit"
    assert c["provision"]["actor"] == [{"role": "grantee", "reference": "rmyy"}]
    # no consent for it: another hospital, another purpose, another category
    kept_by_rm = w.call("register_record", "rm", patient=ANN, category="discharge", doc=h(7),
                        locator=LOCATOR)  # fmt: skip
    with refused("consent rule: consent CS000001 does not name zxyy"):
        w.call("access", "zx", record_id=kept_by_rm["id"], consent_id=c["id"], purpose="referral")
    with refused("consent rule \\(目的\\)"):
        w.call("access", "rm", record_id=rec["id"], consent_id=c["id"], purpose="treatment")
    with refused("consent rule \\(范围\\)"):
        w.call("access", "rm", record_id=lab["id"], consent_id=c["id"], purpose="referral")
    got = w.call("access", "rm", record_id=rec["id"], consent_id=c["id"], purpose="referral")
    assert got["doc"] == DOC and got["locator"] == LOCATOR and got["access"] == "AC000001"
    log = w.q("record", record_id=rec["id"])
    assert log["reads"] == 1
    assert w.t.state("medical")["access/AC000001"]["reader"] == "rmyy"
    assert "ac_by_patient/" + ANN + "/AC000001" in w.t.state("medical")
    # only the patient withdraws; from the next block, reads are refused
    with refused("consent rule: only the patient"):
        w.call("revoke", BO, consent_id=c["id"])
    w.call("revoke", ANN, consent_id=c["id"])
    with refused("consent rule \\(单独同意\\): consent CS000001 was withdrawn"):
        w.call("access", "rm", record_id=rec["id"], consent_id=c["id"], purpose="referral")
    # out of its period
    c2 = consented(w, start="2026-03-01", end="2026-03-10", custodians=["zxyy"])
    w.to("2026-03-11")
    with refused("consent rule \\(期限\\): consent CS000002 runs"):
        w.call("access", "rm", record_id=rec["id"], consent_id=c2["id"], purpose="referral")
    # a consent of someone else does not open Ann's records
    w.to("2026-03-04")
    bo = w.call("grant", BO, grantee="rmyy", purpose="referral", start="2026-03-01",
                end="2026-04-01", separate=True, categories=["discharge"])  # fmt: skip
    with refused("consent rule: consent CS000003 is not the patient's"):
        w.call("access", "rm", record_id=rec["id"], consent_id=bo["id"], purpose="referral")
    with refused("access rule"):
        w.call("access", "zx", record_id=rec["id"], consent_id=c2["id"], purpose="referral")


# -- rule 2: settlements, trace codes and the supervision rules -------------------------------


def test_a_drug_is_settled_box_by_box_and_a_trace_code_only_once() -> None:
    w = world()
    d = w.drug(qty=2)
    no_code = {**d, "trace": [d["trace"][0]]}
    with refused("trace code rule \\(无码不结算\\)"):
        w.settle(items=[no_code])
    with refused("trace code rule \\(无码不结算\\): a drug names"):
        w.settle(items=[{**d, "product": "86A"}])
    with refused("trace code rule \\(一码一盒\\)"):
        w.settle(items=[{**d, "trace": [d["trace"][0], d["trace"][0]]}])
    with refused("hospital rule"):
        w.settle("other", items=[d])
    with refused("bill rule: the fund pays at most"):
        w.settle(items=[d], fund_fen=99999)
    s = w.settle(items=[d])
    assert s["id"] == "JS000001" and s["alerts"] == [] and s["self_fen"] == 0
    with refused("trace code rule \\(追溯码重复结算\\): a trace code of drug XA01 was settled in"
                 " JS000001"):  # fmt: skip
        w.settle("rm", items=[{**w.drug(1), "trace": [d["trace"][1]]}])


def test_the_same_claim_twice_raises_r01() -> None:
    w = world()
    items = [{"kind": "service", "code": "S001", "qty": 1, "fen": 2000}]
    a = w.settle(items=items, fund_fen=1000, invoice=h(1))
    assert a["alerts"] == []
    b = w.settle(items=items, fund_fen=1000, invoice=h(2))  # same patient, day, items
    c = w.settle("rm", items=[{"kind": "service", "code": "S9", "qty": 1, "fen": 1}], fund_fen=0,
                 invoice=h(1), admit="2026-03-01", discharge="2026-03-01")  # fmt: skip
    for s in (b, c):
        (aid,) = s["alerts"]
        al = w.alert(aid)
        assert al["rule"] == "R01" and al["severity"] == "high" and al["stage"] == "review"
        assert al["refs"] == [a["id"], s["id"]]
    assert al["due"] == "2026-03-10"  # five working days from Tuesday 3 March


def test_services_after_death_raise_r02_whenever_the_death_is_known() -> None:
    w = world("2026-03-20")
    before = w.settle(admit="2026-03-10", discharge="2026-03-10")
    after = w.settle(admit="2026-03-15", discharge="2026-03-15")
    with refused("death rule: only members"):
        w.call("record_death", "fake", patient=ANN, date="2026-03-12", source=h(9))
    got = w.call("record_death", "police", patient=ANN, date="2026-03-12", source=h(9))
    (aid,) = got["alerts"]
    assert w.alert(aid)["rule"] == "R02" and w.alert(aid)["refs"] == [after["id"]]
    assert before["alerts"] == []
    later = w.settle(admit="2026-03-18", discharge="2026-03-18")
    assert [w.alert(a)["rule"] for a in later["alerts"]] == ["R02"]
    with refused("death rule: this death is recorded"):
        w.call("record_death", "police", patient=ANN, date="2026-03-12", source=h(9))


def test_overlapping_stays_and_many_hospitals_in_a_day_raise_r03_and_r04() -> None:
    w = world("2026-03-30")
    bed = {"kind": "service", "code": "BED", "qty": 5, "fen": 8000}
    stay: dict[str, Any] = {"kind": "inpatient", "items": [bed], "fund_fen": 30000}
    w.settle(admit="2026-03-02", discharge="2026-03-07", **stay)
    # the next admission on the day of discharge is no overlap
    ok = w.settle("rm", admit="2026-03-07", discharge="2026-03-12", **stay)
    assert [w.alert(a) for a in ok["alerts"]] == []
    bad = w.settle("rm", patient=ANN, admit="2026-03-05", discharge="2026-03-09", **stay)
    rules = [w.alert(a)["rule"] for a in bad["alerts"]]
    assert rules == ["R03"] and w.alert(bad["alerts"][0])["facts"] == {"other": "zxyy"}
    # three hospitals on one day (same_day_hospitals = 3): the third raises R04
    w.t.identity("third", org="jhyy", roles=["hospital"])
    w.call("set_param", "ybjadmin", name="hospitals", value=["zxyy", "rmyy", "jhyy"],
           reason="新定点机构")  # fmt: skip
    day = {"patient": BO, "admit": "2026-03-20", "discharge": "2026-03-20"}
    assert w.settle("zx", **day)["alerts"] == []
    assert w.settle("rm", **day)["alerts"] == []
    third = w.settle("third", **day)
    assert [w.alert(a)["rule"] for a in third["alerts"]] == ["R04"]
    assert w.alert(third["alerts"][0])["facts"] == {"hospitals": 3}


def test_quantities_over_a_drugs_limit_raise_r05_under_the_governed_table() -> None:
    w = world()
    s = w.settle(items=[w.drug(qty=12, product="8680003")], fund_fen=0)
    (aid,) = s["alerts"]
    assert w.alert(aid)["facts"] == {"code": "XA01", "qty": 12, "max": 10}
    assert w.alert(aid)["severity"] == "medium"
    w.call("set_param", "ybjadmin", name="qty_limits", value={"8680003": 20}, reason="调整")
    again = w.settle(items=[w.drug(qty=12, product="8680003")], fund_fen=0, admit="2026-03-01",
                     discharge="2026-03-01")  # fmt: skip
    assert again["alerts"] == []


# -- rule 3: the alert workflow ----------------------------------------------------------------


def an_alert(w: World) -> str:
    items = [{"kind": "service", "code": "S001", "qty": 1, "fen": 2000}]
    w.settle(items=items, fund_fen=1500)
    aid: str = w.settle(items=items, fund_fen=1500)["alerts"][0]
    return aid


def test_an_alert_moves_through_review_second_review_appeal_investigation_decision() -> None:
    w = world()
    aid = an_alert(w)
    with refused("reviewer rule"):
        w.call("review", "clerk", alert_id=aid, confirm=True, note=NOTE)
    with refused("second review rule \\(复审\\): alert YJ000001 is at stage review"):
        w.call("second_review", "rev1", alert_id=aid, confirm=True, note=NOTE)
    w.to("2026-03-12")  # two working days after the due date of 10 March
    a = w.call("review", "rev1", alert_id=aid, confirm=True, note=NOTE)
    assert a["stage"] == "second_review" and a["steps"][0]["late_days"] == 2
    assert a["due"] == "2026-03-19"
    with refused("second review rule \\(复审\\): the second review is by another reviewer"):
        w.call("second_review", "rev1", alert_id=aid, confirm=True, note=NOTE)
    a = w.call("second_review", "rev2", alert_id=aid, confirm=True, note=NOTE)
    assert a["stage"] == "appeal" and a["due"] == "2026-03-26"
    with refused("decision rule \\(违规处理\\): zxyy may appeal YJ000001 until 2026-03-26"):
        w.call("decide", "rev1", alert_id=aid, violation=True, recover_fen=1500, note=NOTE)
    with refused("appeal rule \\(申诉\\): only zxyy"):
        w.call("appeal", "rm", alert_id=aid, statement=NOTE)
    a = w.call("appeal", "zx", alert_id=aid, statement=h(77))
    assert a["stage"] == "investigation" and a["appealed"] is True
    with refused("decision rule \\(违规处理\\): recover 1 fen"):
        w.call("decide", "rev1", alert_id=aid, violation=True, recover_fen=999999, note=NOTE)
    a = w.call("decide", "rev1", alert_id=aid, violation=True, recover_fen=1500, note=NOTE)
    assert a["stage"] == "violation" and a["due"] is None and a["recover_fen"] == 1500
    assert [s["step"] for s in a["steps"]] == ["review", "second_review", "appeal", "decision"]
    d = w.q("dashboard")
    assert d["stages"]["violation"] == 1 and d["recover_fen"] == 1500
    assert d["rules"][0] == {"id": "R01", "name": "duplicate", "alerts": 1}


def test_no_appeal_in_time_and_dismissals() -> None:
    w = world()
    aid = an_alert(w)
    w.call("review", "rev1", alert_id=aid, confirm=True, note=NOTE)
    w.call("second_review", "rev2", alert_id=aid, confirm=True, note=NOTE)
    w.to("2026-03-27")
    with refused("appeal rule \\(申诉\\): the appeal period of YJ000001 ended on 2026-03-17"):
        w.call("appeal", "zx", alert_id=aid, statement=NOTE)
    a = w.call("decide", "rev1", alert_id=aid, violation=False, recover_fen=0, note=NOTE)
    assert a["stage"] == "cleared" and a["appealed"] is False
    b = an_alert(w)
    assert w.call("review", "rev1", alert_id=b, confirm=False, note=NOTE)["stage"] == "dismissed"
    with refused(f"review rule \\(初审\\): alert {b} is at stage dismissed"):
        w.call("review", "rev1", alert_id=b, confirm=True, note=NOTE)


# -- rule 4: 商保快赔 -----------------------------------------------------------------------------


def test_an_insurer_claims_only_under_consent_and_sees_only_the_consented_items() -> None:
    w = world()
    s = w.settle(fund_fen=1000)
    bo_s = w.settle(patient=BO)
    base = {"grantee": "rsbx", "purpose": "claim", "start": "2026-03-03", "end": "2026-04-30",
            "separate": True}  # fmt: skip
    with refused("consent rule: bill JS000002 is not yours"):
        w.call("grant", ANN, settlements=[{"id": bo_s["id"], "items": [1]}], **base)
    with refused("minimum necessary rule \\(最小必要\\)"):
        w.call("grant", ANN, settlements=[{"id": s["id"], "items": []}], **base)
    with refused("consent rule: an insurer is permitted for a claim"):
        w.call("grant", ANN, settlements=[{"id": s["id"], "items": [2]}], **(base | {"purpose":
               "treatment"}))  # fmt: skip
    c = w.call("grant", ANN, settlements=[{"id": s["id"], "items": [2]}], **base)
    with refused("insurer rule"):
        w.call("file_claim", "fake", settlement_id=s["id"], consent_id=c["id"])
    with refused("consent rule \\(最小必要\\): consent CS000001 does not name bill"):
        w.call("file_claim", "ins", settlement_id=w.settle()["id"], consent_id=c["id"])
    k = w.call("file_claim", "ins", settlement_id=s["id"], consent_id=c["id"])
    # the drug item only: no diagnosis, no trace code, not the service
    assert [it["code"] for it in k["summary"]["items"]] == ["XA01"]
    assert "diagnosis" not in k["summary"] and "trace" not in k["summary"]["items"][0]
    assert k["summary"]["items_fen"] == 3000 and k["decide_due"] == "2026-04-02"
    with refused("claim rule: rsbx has a claim"):
        w.call("file_claim", "ins", settlement_id=s["id"], consent_id=c["id"])
    with refused("claim rule: the amount"):
        w.call("decide_claim", "ins", claim_id=k["id"], approve=True, amount=3001)
    w.to("2026-04-10")  # after the 30 days of 保险法 Art. 23: late
    k = w.call("decide_claim", "ins", claim_id=k["id"], approve=True, amount=3000)
    assert k["late"] == ["decide"] and k["pay_due"] == "2026-04-20"
    k = w.call("pay_claim", "ins", claim_id=k["id"])
    assert k["status"] == "paid" and k["late"] == ["decide"]
    assert w.q("dashboard")["claims"]["paid"] == 1
    # a withdrawn consent files no claim
    s2 = w.settle()
    c2 = w.call("grant", ANN, settlements=[{"id": s2["id"], "items": [1]}],
                **(base | {"end": "2026-05-30", "start": "2026-04-10"}))  # fmt: skip
    w.call("revoke", ANN, consent_id=c2["id"])
    with refused("consent rule \\(单独同意\\): consent CS000002 was withdrawn"):
        w.call("file_claim", "ins", settlement_id=s2["id"], consent_id=c2["id"])


# -- parameters, roles -------------------------------------------------------------------------


def test_parameters_are_governed_by_the_bureau_with_their_basis() -> None:
    w = world()
    p = w.q("param", name="claim_pay_days")
    assert p["value"] == 10 and "保险法" in p["record"]["basis"]
    with refused("param rule: only admins of 'ybj'"):
        w.t.identity("zxadmin", org="zxyy", roles=["admin"])
        w.call("set_param", "zxadmin", name="review_days", value=3, reason="x")
    with pytest.raises((ContractRevert, Unauthorized)):
        w.call("settle", "ins", patient=ANN, kind="outpatient", admit="2026-03-02",
               discharge="2026-03-02", items=[], fund_fen=0, invoice=h(1),
               diagnosis=h(2))  # fmt: skip
    rec = w.call("set_param", "ybjadmin", name="review_days", value=3, reason="提速")
    assert rec["previous"] == 5
    assert [r["severity"] for r in w.q("rules")] == ["high", "high", "high", "medium", "medium"]
