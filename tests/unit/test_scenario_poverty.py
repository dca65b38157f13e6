"""精准扶贫 (scenario 12): the contract's rules in the sandbox (``ContractTester``), each refusal
naming its rule — identification from the departments' signed yes/no answers under the
household's consent, with exclusion reasons; the public notice with masked names for
``notice_days`` days, objections resolved before approval; the funds tree budget → programme →
project → beneficiary within each parent's balance, purposes, payments only to approved
beneficiaries after the project's notice; use receipts, alerts, monitoring cases and the
governed parameters. The scenario through a node is ``test_scenario_poverty_api.py``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.scenarios import load
from wuyi.testing.contracts import ContractHandle, ContractTester

SCENARIO = load("wuyi.scenarios.poverty")
HEADS = ["did:wuyi:" + f"{i:02x}" * 16 for i in range(1, 7)]
OTHER = "did:wuyi:" + "ee" * 16
DOC = b"\x22" * 32
PREDICATES = {
    "income_low": ("mzj", 790000),
    "no_vehicle": ("gaj", 5000000),
    "no_business": ("scjgj", None),
    "no_commercial_housing": ("bdc", None),
    "no_public_salary": ("rsj", None),
}


def at(day: str, hour: int = 10) -> int:
    t = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return int(t.timestamp() * 1000)


def com(i: int) -> bytes:
    return bytes([i]) * 32


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

    def to(self, day: str, hour: int = 10) -> None:
        self.t.time = at(day, hour)

    def household(self, i: int, size: int = 3) -> str:
        h = self.call("register_household", "village", did=HEADS[i], commitment=com(i + 1),
                      size=size)  # fmt: skip
        self.call("consent", HEADS[i], household=h["id"])
        return str(h["id"])

    def all_yes(self, hid: str, skip: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p, (dept, bound) in PREDICATES.items():
            if p != skip:
                out = self.call("answer", dept, household=hid, predicate=p, ok=True, bound=bound)
        return out

    def eligible(self, i: int) -> str:
        hid = self.household(i)
        assert self.all_yes(hid)["status"] == "eligible"
        return hid


@pytest.fixture
def w() -> World:
    t = ContractTester(time=at("2026-03-02"))
    t.identity("admin", org="xczxj", roles=["admin"])
    t.identity("bureau", org="xczxj", roles=["bureau"])
    t.identity("fiscal", org="czj", roles=["fiscal"])
    t.identity("village", org="tscwh", roles=["village"])
    t.identity("village2", org="dxcwh", roles=["village"])
    t.identity("stranger", org="nyj", roles=["bureau", "fiscal", "village", "checker"])
    for dept in ("mzj", "gaj", "scjgj", "bdc", "rsj"):
        t.identity(dept, org=dept, roles=["checker"])
    for i, did in enumerate(HEADS):
        t.identity(f"head{i}", did=did)
    t.identity("neighbour", did=OTHER)
    c = t.deploy(
        "poverty",
        SCENARIO.source(),
        sender="admin",
        init_args={"params": {"villages": ["tscwh", "dxcwh"]}},
    )
    return World(t, c)


def test_identification_from_signed_answers_under_consent(w: World) -> None:
    h = w.call("register_household", "village", did=HEADS[0], commitment=com(1), size=4)
    hid = h["id"]
    assert h["status"] == "registered" and h["village"] == "tscwh"
    with pytest.raises(ContractRevert, match=r"^household rule: .*already registered"):
        w.call("register_household", "village", did=HEADS[1], commitment=com(1), size=2)
    with pytest.raises(ContractRevert, match=r"^household rule: .*already heads"):
        w.call("register_household", "village", did=HEADS[0], commitment=com(9), size=2)
    with pytest.raises(ContractRevert, match=r"^village rule"):
        w.call("register_household", "stranger", did=HEADS[1], commitment=com(2), size=2)
    # no answer before the household consents
    with pytest.raises(ContractRevert, match=r"^consent rule: .*has not consented"):
        w.call("answer", "mzj", household=hid, predicate="income_low", ok=True, bound=790000)
    with pytest.raises(ContractRevert, match=r"^consent rule: only the head"):
        w.call("consent", OTHER, household=hid)
    assert w.call("consent", HEADS[0], household=hid)["status"] == "checking"
    with pytest.raises(ContractRevert, match=r"^consent rule: .*already consented"):
        w.call("consent", HEADS[0], household=hid)
    # only the department named for the predicate answers, against the bound in force
    with pytest.raises(ContractRevert, match=r"^department rule: 'income_low' is answered by mzj"):
        w.call("answer", "gaj", household=hid, predicate="income_low", ok=True, bound=790000)
    with pytest.raises(ContractRevert, match=r"^predicate rule: 'income_low' is asked against"):
        w.call("answer", "mzj", household=hid, predicate="income_low", ok=True, bound=1)
    with pytest.raises(ContractRevert, match=r"^predicate rule: no predicate"):
        w.call("answer", "mzj", household=hid, predicate="savings", ok=True)
    with pytest.raises(ContractRevert, match=r"^exclusion rule: a yes carries"):
        w.call("answer", "mzj", household=hid, predicate="income_low", ok=True, bound=790000,
               reason="vehicle")  # fmt: skip
    with pytest.raises(ContractRevert, match=r"^input rule: record"):
        w.call("answer", "mzj", household=hid, predicate="income_low", ok=True, bound=790000,
               record=b"x")  # fmt: skip
    a = w.call("answer", "mzj", household=hid, predicate="income_low", ok=True, bound=790000,
               record=DOC)  # fmt: skip
    assert a["checks"]["income_low"]["ok"] is True and a["status"] == "checking"
    assert a["checks"]["income_low"]["org"] == "mzj"
    with pytest.raises(ContractRevert, match=r"^predicate rule: .*already answered"):
        w.call("answer", "mzj", household=hid, predicate="income_low", ok=False,
               reason="income_over_line", bound=790000)  # fmt: skip
    done = w.all_yes(hid, skip="income_low")
    assert done["status"] == "eligible"
    assert set(done["checks"]) == set(PREDICATES)


def test_every_exclusion_has_a_reason(w: World) -> None:
    hid = w.household(0)
    with pytest.raises(ContractRevert, match=r"^exclusion rule: a no names its reason"):
        w.call("answer", "gaj", household=hid, predicate="no_vehicle", ok=False, bound=5000000)
    h = w.call("answer", "gaj", household=hid, predicate="no_vehicle", ok=False,
               reason="vehicle", bound=5000000)  # fmt: skip
    assert h["status"] == "excluded"
    assert h["exclusions"] == [{"predicate": "no_vehicle", "reason": "vehicle", "dept": "gaj"}]
    # the other answers are still recorded; it stays excluded
    assert w.all_yes(hid, skip="no_vehicle")["status"] == "excluded"
    # the public totals count it once, as excluded
    assert w.q("overview")["households"] == {
        "registered": 0, "checking": 0, "eligible": 0, "excluded": 1, "noticed": 0,
        "approved": 0,
    }  # fmt: skip
    with pytest.raises(ContractRevert, match=r"^identification rule: HH000001 is excluded"):
        w.call("post_notice", "village", households=[hid], masked=["张*明"], doc=DOC)


def test_notice_with_masked_names_and_objections(w: World) -> None:
    a, b, c = w.eligible(0), w.eligible(1), w.eligible(2)
    for bad in ["张三明", "*三明", "张*明明", "张三", "张", "张*明明明", 7]:
        with pytest.raises(ContractRevert, match=r"^mask rule"):
            w.call("post_notice", "village", households=[a], masked=[bad], doc=DOC)
    with pytest.raises(ContractRevert, match=r"^notice rule: one masked name"):
        w.call("post_notice", "village", households=[a, b], masked=["张*明"], doc=DOC)
    with pytest.raises(ContractRevert, match=r"^notice rule: HH000001 is a household of tscwh"):
        w.call("post_notice", "village2", households=[a], masked=["张*明"], doc=DOC)
    n = w.call("post_notice", "village", households=[a, b, c], masked=["张*明", "李*", "陈**"],
               doc=DOC)  # fmt: skip
    assert n["start"] == "2026-03-02" and n["ends"] == "2026-03-12" and n["days"] == 10
    assert [e["masked"] for e in n["entries"]] == ["张*明", "李*", "陈**"]
    assert isinstance(n["list_hash"], bytes) and len(n["list_hash"]) == 32
    assert w.q("household", household=a)["status"] == "noticed"
    # objections while it runs: a citizen (DID key) or the village for a paper one
    o1 = w.call("object_to", OTHER, notice=n["id"], household=b, reason="income_hidden",
                statement=DOC)  # fmt: skip
    o2 = w.call("object_to", "village", notice=n["id"], household=c, reason="not_resident",
                statement=DOC)  # fmt: skip
    with pytest.raises(ContractRevert, match=r"^objection rule: the reason"):
        w.call("object_to", OTHER, notice=n["id"], household=b, reason="dislike", statement=DOC)
    with pytest.raises(ContractRevert, match=r"^objection rule: sign with your DID"):
        w.call("object_to", "village2", notice=n["id"], household=b, reason="other",
               statement=DOC)  # fmt: skip
    pub = w.q("public_notice", notice=n["id"])
    assert [o["status"] for o in pub["objections"]] == ["open", "open"]
    assert "objector" not in str(pub) and OTHER not in str(pub)
    # not before ten days
    w.to("2026-03-11")
    with pytest.raises(ContractRevert, match=r"^notice rule: notice GS000001 runs 10 days"):
        w.call("approve_notice", "bureau", notice=n["id"])
    w.to("2026-03-12")
    with pytest.raises(ContractRevert, match=r"^objection rule: notice GS000001 ran"):
        w.call("object_to", OTHER, notice=n["id"], household=a, reason="other", statement=DOC)
    with pytest.raises(ContractRevert, match=r"^objection rule: 2 objection\(s\) .* unresolved"):
        w.call("approve_notice", "bureau", notice=n["id"])
    with pytest.raises(ContractRevert, match=r"^bureau rule"):
        w.call("resolve_objection", "stranger", objection=o1["id"], upheld=True, finding=DOC)
    assert w.call("resolve_objection", "bureau", objection=o1["id"], upheld=True,
                  finding=DOC)["status"] == "upheld"  # fmt: skip
    w.call("resolve_objection", "bureau", objection=o2["id"], upheld=False, finding=DOC)
    with pytest.raises(ContractRevert, match=r"^objection rule: .* already upheld"):
        w.call("resolve_objection", "bureau", objection=o1["id"], upheld=False, finding=DOC)
    done = w.call("approve_notice", "bureau", notice=n["id"])
    assert done["status"] == "approved" and done["approved"]["count"] == 2
    assert w.q("household", household=a)["status"] == "approved"
    hb = w.q("household", household=b)
    assert hb["status"] == "excluded" and hb["exclusions"][0]["reason"] == "objection_upheld"
    with pytest.raises(ContractRevert, match=r"^notice rule: GS000001 is approved"):
        w.call("approve_notice", "bureau", notice=n["id"])


def funded(w: World, amount: int = 10_000_000) -> tuple[str, str]:
    b = w.call("open_budget", "fiscal", source="central_link", year=2026, amount=amount, doc=DOC)
    g = w.call("fund_programme", "fiscal", budget=b["id"], name="2026年产业帮扶",
               amount=amount // 2, purposes=["industry", "employment"])  # fmt: skip
    return str(b["id"]), str(g["id"])


def project(w: World, g: str, amount: int, kind: str = "household", village: str = "tscwh") -> str:
    p = w.call("create_project", "bureau", programme=g, name="种苗补助", village=village,
               amount=amount, purpose="industry", kind=kind, implementer="台山市乡村振兴局",
               responsible="村委会主任", targets="带动20户增收",
               mechanism="直接补助到户")  # fmt: skip
    return str(p["id"])


def test_funds_tree_balances_and_purposes(w: World) -> None:
    with pytest.raises(ContractRevert, match=r"^source rule"):
        w.call("open_budget", "fiscal", source="lottery", year=2026, amount=100, doc=DOC)
    with pytest.raises(ContractRevert, match=r"^fiscal rule"):
        w.call("open_budget", "stranger", source="city", year=2026, amount=100, doc=DOC)
    b, g = funded(w, 10_000_000)
    with pytest.raises(ContractRevert, match=r"^balance rule: budget YS000001 has 50,000.00 元"):
        w.call("fund_programme", "fiscal", budget=b, name="x", amount=5_000_001,
               purposes=["industry"])  # fmt: skip
    with pytest.raises(ContractRevert, match=r"^purpose rule: 'roads'"):
        w.call("fund_programme", "fiscal", budget=b, name="x", amount=1, purposes=["roads"])
    with pytest.raises(ContractRevert, match=r"^purpose rule: programme JH000001 funds"):
        w.call("create_project", "bureau", programme=g, name="x", village="tscwh", amount=1,
               purpose="housing", kind="household", implementer="x", responsible="x",
               targets="x", mechanism="x")  # fmt: skip
    with pytest.raises(ContractRevert, match=r"^balance rule: programme JH000001"):
        project(w, g, 5_000_001)
    with pytest.raises(ContractRevert, match=r"^village rule"):
        project(w, g, 1, village="nowhere")
    x1 = project(w, g, 3_000_000)
    x2 = project(w, g, 2_000_000, kind="vendor")
    with pytest.raises(ContractRevert, match=r"^balance rule: programme JH000001 has 0.00 元"):
        project(w, g, 1)
    assert w.q("programme", programme=g)["allocated"] == 5_000_000
    # payments: after the start notice, to approved beneficiaries of the village, within balance
    a = w.eligible(0)
    other = w.eligible(1)
    n = w.call("post_notice", "village", households=[a, other], masked=["张*明", "李*"], doc=DOC)
    with pytest.raises(ContractRevert, match=r"^beneficiary rule: HH000001 is noticed"):
        w.call("disburse", "fiscal", project=x1, household=a, amount=100, ref=DOC)
    w.to("2026-03-12")
    w.call("approve_notice", "bureau", notice=n["id"])
    with pytest.raises(ContractRevert, match=r"^project notice rule: XM000001 is planned"):
        w.call("disburse", "fiscal", project=x1, household=a, amount=100, ref=DOC)
    with pytest.raises(ContractRevert, match=r"^project notice rule: the committee"):
        w.call("post_project_notice", "village2", project=x1, phase="start", doc=DOC)
    with pytest.raises(ContractRevert, match=r"^project notice rule: XM000001 is planned with"):
        w.call("post_project_notice", "village", project=x1, phase="done", doc=DOC)
    w.call("post_project_notice", "village", project=x1, phase="start", doc=DOC)
    w.call("post_project_notice", "bureau", project=x2, phase="start", doc=DOC)
    with pytest.raises(ContractRevert, match=r"^payment rule: XM000002 pays vendors"):
        w.call("disburse", "fiscal", project=x2, household=a, amount=100, ref=DOC)
    with pytest.raises(ContractRevert, match=r"^payment rule: XM000001 pays households"):
        w.call("pay_vendor", "fiscal", project=x1, vendor="某苗木公司", amount=100, invoice=DOC)
    with pytest.raises(ContractRevert, match=r"^balance rule: project XM000001 has 30,000.00 元"):
        w.call("disburse", "fiscal", project=x1, household=a, amount=3_000_001, ref=DOC)
    pay = w.call("disburse", "fiscal", project=x1, household=a, amount=2_000_000, ref=DOC)
    w.call("disburse", "fiscal", project=x1, household=a, amount=500_000, ref=DOC)
    w.call("disburse", "fiscal", project=x1, household=other, amount=500_000, ref=DOC)
    with pytest.raises(ContractRevert, match=r"^balance rule: project XM000001 has 0.00 元"):
        w.call("disburse", "fiscal", project=x1, household=a, amount=1, ref=DOC)
    w.call("pay_vendor", "fiscal", project=x2, vendor="台山市某建筑工程有限公司", amount=1_200_000,
           invoice=DOC)  # fmt: skip
    # a beneficiary of another village is not paid from this village's project
    w.to("2026-03-13")
    h2 = w.call("register_household", "village2", did=HEADS[5], commitment=com(6), size=2)
    w.call("consent", HEADS[5], household=h2["id"])
    w.all_yes(h2["id"])
    n2 = w.call("post_notice", "village2", households=[h2["id"]], masked=["黄*"], doc=DOC)
    w.to("2026-03-23")
    w.call("approve_notice", "bureau", notice=n2["id"])
    with pytest.raises(ContractRevert, match=r"^beneficiary rule: HH000003 is a household of"):
        w.call("disburse", "fiscal", project=x1, household=h2["id"], amount=1, ref=DOC)
    # use receipts by the village of the payment, once
    with pytest.raises(ContractRevert, match=r"^village rule: only the committee of 'tscwh'"):
        w.call("record_use", "village2", payment=pay["id"], receipt=DOC)
    assert w.call("record_use", "village", payment=pay["id"], receipt=DOC)["receipt"]["hash"] == DOC
    with pytest.raises(ContractRevert, match=r"^evidence rule"):
        w.call("record_use", "village", payment=pay["id"], receipt=DOC)
    w.call("post_project_notice", "village", project=x1, phase="done", doc=DOC)
    # the public flow: budget -> programme -> projects -> masked beneficiaries / vendors
    f = w.q("flow", programme=g)
    assert f["budget"]["amount"] == 10_000_000 and f["programme"]["paid"] == 4_200_000
    p1, p2 = f["projects"]
    assert p1["status"] == "completed" and p1["paid"] == 3_000_000
    assert [(x["label"], x["amount"], x["payments"]) for x in p1["payees"]] == [
        ("张*明", 2_500_000, 2),
        ("李*", 500_000, 1),
    ]
    assert p1["payees"][0]["receipts"] == 1
    assert p2["payees"][0]["label"] == "台山市某建筑工程有限公司"
    assert HEADS[0] not in str(f)
    ov = w.q("overview")
    assert ov["paid"] == 4_200_000 and ov["households"]["approved"] == 3


def test_alerts_and_monitoring(w: World) -> None:
    _, g = funded(w, 10_000_000)
    x = project(w, g, 1_000_000)
    a = w.eligible(0)
    n = w.call("post_notice", "village", households=[a], masked=["张*明"], doc=DOC)
    w.to("2026-03-12")
    w.call("approve_notice", "bureau", notice=n["id"])
    w.call("post_project_notice", "village", project=x, phase="start", doc=DOC)
    pay = w.call("disburse", "fiscal", project=x, household=a, amount=100_000, ref=DOC)
    b2 = w.eligible(1)
    n2 = w.call("post_notice", "village", households=[b2], masked=["李*"], doc=DOC)
    assert n2["approve_by"] == "2026-03-27"  # ends 03-22 (a Sunday), five working days on
    assert w.q("alerts") == []
    w.to("2026-07-01")
    kinds = {(x["kind"], x["id"]) for x in w.q("alerts")}
    assert kinds == {
        ("idle_programme", g),
        ("idle_project", x),
        ("no_receipt", pay["id"]),
        ("notice_overdue", n2["id"]),
    }
    # monitoring: a department or the village flags; the bureau closes
    with pytest.raises(ContractRevert, match=r"^monitoring rule: the flag"):
        w.call("flag", "village", household=a, kind="gossip", evidence=DOC)
    with pytest.raises(ContractRevert, match=r"^monitoring rule: a checking department"):
        w.call("flag", "village2", household=a, kind="disaster", evidence=DOC)
    c = w.call("flag", "mzj", household=a, kind="medical_bill", evidence=DOC)
    assert c["status"] == "open" and w.q("overview")["open_cases"] == 1
    with pytest.raises(ContractRevert, match=r"^monitoring rule: the outcome"):
        w.call("close_case", "bureau", case=c["id"], outcome="forgotten", record=DOC)
    assert w.call("close_case", "bureau", case=c["id"], outcome="assisted",
                  record=DOC)["status"] == "closed"  # fmt: skip
    with pytest.raises(ContractRevert, match=r"^monitoring rule: case JC000001 is closed"):
        w.call("close_case", "bureau", case=c["id"], outcome="assisted", record=DOC)


def test_governed_parameters(w: World) -> None:
    with pytest.raises((ContractRevert, Unauthorized)):
        w.call("set_param", "bureau", name="notice_days", value=7, reason="x")
    rec = w.call("set_param", "admin", name="income_line_fen", value=800000, reason="新监测标准",
                 basis="粤乡振〔2026〕1号")  # fmt: skip
    assert rec["previous"] == 790000
    w.t.advance()
    hid = w.household(0)
    with pytest.raises(ContractRevert, match="asked against 800000"):
        w.call("answer", "mzj", household=hid, predicate="income_low", ok=True, bound=790000)
    d = w.q("param", name="notice_days")
    assert d["value"] == 10 and "不少于10天" in d["record"]["basis"]
    for name, spec in SCENARIO.module("contract").PARAMS.items():
        assert spec["basis"], name
