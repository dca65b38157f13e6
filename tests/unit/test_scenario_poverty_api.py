"""精准扶贫 (scenario 12) end to end through an in-process node: the contract deployed by
governance, 乡村振兴局, 财政局, a village committee, five departments and households with
wallets (their DID keys), every write a signed transaction through the SDK, every read a
``/v1/poverty`` route — the public ones (notices with masked names, the flow of a programme)
and the signed reads of a household's record, logged. Days pass on the node's clock (block
time) for the notice period."""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.scenario_refusal import refused as refused_api
from wuyi.crypto import load_key
from wuyi.exceptions import ContractRevert, ReadForbidden, SignedReadRequired
from wuyi.node.home import OrgSpec
from wuyi.scenarios import get
from wuyi.scenarios.poverty.sdk import PovertyRelief, commitment, mask_name
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
DEPTS = {"mzj": "江门市民政局", "gaj": "江门市公安局", "scjgj": "江门市市场监督管理局",
         "bdc": "江门市不动产登记中心", "rsj": "江门市人力资源和社会保障局"}  # fmt: skip
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("xczxj", "江门市乡村振兴局"),
    OrgSpec("czj", "江门市财政局"),
    OrgSpec("tscwh", "台山市某村民委员会（演示）"),
    OrgSpec("dxcwh", "开平市某村民委员会（演示）"),
    *(OrgSpec(k, v) for k, v in DEPTS.items()),
)
PREDICATES = {"income_low": ("mzj", 790000), "no_vehicle": ("gaj", 5000000),
              "no_business": ("scjgj", None), "no_commercial_housing": ("bdc", None),
              "no_public_salary": ("rsj", None)}  # fmt: skip
DAY = 86_400_000
DOC = b"\x42" * 32
SERIAL = count(1)
#: the heads of the test's households: only in the village's files, never on chain
PEOPLE = (("黄志明", "440781198001011234"), ("李秀", "440781197502023456"))


class ShiftedClock:
    def __init__(self) -> None:
        self.offset = 0

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.offset


class World:
    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env, self.tmp, self.c = env, tmp, env.client
        c = self.c
        self.clock = ShiftedClock()
        env.node.clock = self.clock
        self.admin = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        voters = [self.admin[o.id] for o in ORGS if o.id != "sjj"]
        scenario = get("poverty")
        pkg = {"name": "poverty", "version": "1.0.0", "source": scenario.source(), "manifest": {}}
        c.govern(self.admin["sjj"], voters, "contract.deploy",
                 {"package": pkg, "init_args": scenario.init_args}, title="deploy")  # fmt: skip
        c.govern(self.admin["sjj"], voters, "did.set_registrar", {"org": "sjj", "enabled": True},
                 title="registrar")  # fmt: skip
        members = {
            "bureau": ("xczxj", ["bureau"]),
            "fiscal": ("czj", ["fiscal"]),
            "village": ("tscwh", ["village"]),
            "registrar": ("sjj", ["did_registrar"]),
            "village2": ("dxcwh", ["village"]),
            # every role, in an organisation the contract does not name for any of them
            "stranger": ("sjj", ["bureau", "fiscal", "village", "checker"]),
            **{d: (d, ["checker"]) for d in DEPTS},
        }
        self.key = {n: c.suite.generate_private_key() for n in members}
        for n, (org, roles) in members.items():
            tx = c.builder(self.admin[org]).member_add(org, self.key[n].public_key, roles, n)
            assert c.submit_and_wait(tx).receipt.status == "ok"
        self.s = PovertyRelief(c)
        #: a household the notice test approved, paid by the funds test
        self.approved = ""

    def wallet(self, name: str) -> Wallet:
        w = Wallet.create(self.tmp / f"{name}-{next(SERIAL)}.json", "pw", self.c.suite.name)
        Identity(self.c).register_did(self.key["registrar"], w.key)
        return w

    def days(self, n: int) -> None:
        self.clock.offset += n * DAY

    def eligible(self, person: tuple[str, str], size: int) -> tuple[str, Wallet]:
        w = self.wallet("head")
        salt = b"salt-of-the-village-" + w.did[-8:].encode()
        com = commitment(self.c.suite, person[1], person[0], salt)
        hid = self.s.register_household(self.key["village"], w.did, com, size)["id"]
        self.s.consent(w, hid)
        for p, (dept, bound) in PREDICATES.items():
            self.s.answer(self.key[dept], hid, p, True, bound=bound, record=DOC)
        return str(hid), w


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("poverty")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW) as env:
        yield World(env, tmp)


def test_identification_notice_and_funds_through_the_node(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, s, k = world, world.s, world.key
    a, wa = w.eligible(PEOPLE[0], 4)
    b, _wb = w.eligible(PEOPLE[1], 2)
    # a refusal names its rule and changes nothing
    height = w.c.status().height
    with pytest.raises(ContractRevert, match="department rule"):
        s.answer(k["gaj"], a, "income_low", True, bound=790000)
    # the household's record is a signed read: its head, the bureau, its village; logged
    with pytest.raises(SignedReadRequired):
        s.household(a)
    mine = s.household(a, key=wa.key)
    assert mine["status"] == "eligible" and set(mine["checks"]) == set(PREDICATES)
    assert mine["checks"]["income_low"]["record"] == DOC.hex()
    assert [h["id"] for h in s.households(did=wa.did, key=wa.key)] == [a]
    stranger = w.wallet("stranger")
    with pytest.raises(ReadForbidden):
        s.households(did=wa.did, key=stranger.key)
    with pytest.raises(ReadForbidden):
        s.household(a, key=stranger.key)
    assert s.household(b, key=k["bureau"])["size"] == 2
    assert [h["id"] for h in s.households(village="tscwh", key=k["village"])] == [a, b]
    assert w.c.status().height > height
    # the notice: only masked names (computed off chain by the village)
    masked = [mask_name(PEOPLE[0][0]), mask_name(PEOPLE[1][0])]
    assert masked == ["黄*明", "李*"]
    n = s.post_notice(k["village"], [a, b], masked, DOC)
    pub = s.notice(n["id"])
    assert [e["masked"] for e in pub["entries"]] == masked and pub["days"] == 10
    o = s.object_to(stranger, n["id"], b, "income_hidden", DOC)
    pub = s.notice(n["id"])
    assert pub["objections"][0]["status"] == "open" and stranger.did not in str(pub)
    assert s.objections(n["id"], key=k["bureau"])[0]["objector"] == stranger.did
    with pytest.raises(ContractRevert, match="notice rule: notice GS000001 runs 10 days"):
        s.approve_notice(k["bureau"], n["id"])
    w.days(10)
    with pytest.raises(ContractRevert, match="objection rule: 1 objection"):
        s.approve_notice(k["bureau"], n["id"])
    s.resolve_objection(k["bureau"], o["id"], upheld=True, finding=DOC)
    assert s.approve_notice(k["bureau"], n["id"])["approved"]["count"] == 1
    assert [x["status"] for x in s.notices(status="approved")] == ["approved"]
    # the funds tree
    bg = s.open_budget(k["fiscal"], "central_link", 2026, 20_000_000, DOC)
    g = s.fund_programme(k["fiscal"], bg["id"], "产业帮扶", 8_000_000, ["industry"])
    with pytest.raises(ContractRevert, match="balance rule: programme JH000001"):
        s.create_project(k["bureau"], g["id"], name="x", village="tscwh", amount=8_000_001,
                         purpose="industry", kind="household", implementer="x", responsible="x",
                         targets="x", mechanism="x")  # fmt: skip
    p = s.create_project(k["bureau"], g["id"], name="种养补助", village="tscwh", amount=600_000,
                         purpose="industry", kind="household", implementer="台山市乡村振兴局",
                         responsible="村委会主任", targets="户均增收3000元",
                         mechanism="补助直达农户")  # fmt: skip
    s.post_project_notice(k["village"], p["id"], "start", DOC)
    with pytest.raises(ContractRevert, match="beneficiary rule: HH000002 is excluded"):
        s.disburse(k["fiscal"], p["id"], b, 100_000, DOC)
    pay = s.disburse(k["fiscal"], p["id"], a, 300_000, DOC)
    s.record_use(k["village"], pay["id"], DOC)
    f = s.flow(g["id"])
    assert f["projects"][0]["payees"] == [
        {"payee": a, "label": "黄*明", "amount": 300_000, "payments": 1, "receipts": 1}
    ]
    ov = s.overview()
    assert (
        ov["paid"] == 300_000
        and ov["households"]["approved"] == 1
        and ov["households"]["excluded"] == 1
    )
    assert [x["id"] for x in s.payments(household=a)] == [pay["id"]]
    # monitoring cases are signed reads
    s.flag(k["mzj"], a, "medical_bill", DOC)
    with pytest.raises(SignedReadRequired):
        s.cases()
    assert s.cases("open", key=k["bureau"])[0]["household"] == a
    # the people's names and ID numbers are nowhere in a public answer
    public = str([s.overview(), s.notices(), s.flow(g["id"]), s.payments(), s.projects()])
    for name, idno in PEOPLE:
        assert name not in public and idno not in public
    # its CLI sub-app and console page
    from wuyi.cli import app as cli_app

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: w.env.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    out = CliRunner().invoke(cli_app, ["poverty", "flow", g["id"]])
    assert out.exit_code == 0 and "黄*明" in out.output, out.output
    out = CliRunner().invoke(cli_app, ["poverty", "notice", n["id"]])
    assert out.exit_code == 0 and "李*" in out.output, out.output
    index = w.c._get("/console/scenarios/index.json")
    assert "poverty" in [x["name"] for x in index]
    assert w.c._request("GET", "/console/scenarios/poverty/page.js").status_code == 200


def test_params_are_governed(world: World) -> None:
    names = sorted(p["name"] for p in world.s.params())
    assert "notice_days" in names and "checks" in names
    rec = world.s.param("notice_days")
    assert rec == 10 or (isinstance(rec, dict) and rec.get("value") == 10)


# -- every rule's refusal through the node: its code, the rule named, nothing changed ----------


def no(w: World, match: str, fn: Any, code: str = "contract_revert") -> None:
    refused_api(w.s, w.key["bureau"], match, fn, code=code)


def test_identification_refuses_what_its_rules_forbid(world: World) -> None:
    w, s, k = world, world.s, world.key
    # 2 villages from now on (a parameter of 乡村振兴局's admins; members may not change it)
    no(w, r"poverty.set_param needs one of the roles \['admin'\]",
       lambda: s.set_param(k["bureau"], "villages", ["tscwh", "dxcwh"], "x"),
       "unauthorized")  # fmt: skip
    no(w, "param rule: only admins of 'xczxj'",
       lambda: s.set_param(w.admin["czj"], "villages", ["tscwh", "dxcwh"], "x"))  # fmt: skip
    s.set_param(w.admin["xczxj"], "villages", ["tscwh", "dxcwh"], "两村试点")
    head, other = w.wallet("head"), w.wallet("other")
    com = commitment(w.c.suite, "440781199001010000", "周一", b"salt-of-the-test-one")
    hid = s.register_household(k["village"], head.did, com, 3)["id"]
    no(w, "household rule: this household is already registered",
       lambda: s.register_household(k["village"], other.did, com, 2))  # fmt: skip
    no(w, f"household rule: {head.did} already heads a household",
       lambda: s.register_household(k["village"], head.did, b"\x01" * 32, 2))  # fmt: skip
    no(w, "village rule: only a village committee in 'villages'",
       lambda: s.register_household(k["stranger"], other.did, b"\x02" * 32, 2))  # fmt: skip
    no(w, r"poverty.register_household needs one of the roles \['village'\]",
       lambda: s.register_household(k["fiscal"], other.did, b"\x02" * 32, 2),
       "unauthorized")  # fmt: skip
    no(w, f"consent rule: {hid} has not consented",
       lambda: s.answer(k["mzj"], hid, "income_low", True, bound=790000))  # fmt: skip
    no(w, f"consent rule: only the head of {hid}", lambda: s.consent(other, hid))
    s.consent(head, hid)
    no(w, f"consent rule: {hid} has already consented", lambda: s.consent(head, hid))
    no(w, "department rule: 'income_low' is answered by mzj, not gaj",
       lambda: s.answer(k["gaj"], hid, "income_low", True, bound=790000))  # fmt: skip
    no(w, "predicate rule: 'income_low' is asked against 790000",
       lambda: s.answer(k["mzj"], hid, "income_low", True, bound=1))  # fmt: skip
    no(w, "predicate rule: no predicate 'savings'",
       lambda: s.answer(k["mzj"], hid, "savings", True))  # fmt: skip
    no(w, "exclusion rule: a yes carries no exclusion reason",
       lambda: s.answer(k["mzj"], hid, "income_low", True, reason="vehicle",
                        bound=790000))  # fmt: skip
    no(w, "input rule: record",
       lambda: s.call(k["mzj"], "answer", household=hid, predicate="income_low", ok=True,
                      bound=790000, record=b"x"))  # fmt: skip
    s.answer(k["mzj"], hid, "income_low", True, bound=790000, record=DOC)
    no(w, "predicate rule: 'income_low' of .* is already answered",
       lambda: s.answer(k["mzj"], hid, "income_low", False, reason="income_over_line",
                        bound=790000))  # fmt: skip
    no(w, "exclusion rule: a no names its reason",
       lambda: s.answer(k["gaj"], hid, "no_vehicle", False, bound=5000000))  # fmt: skip
    got = s.answer(k["gaj"], hid, "no_vehicle", False, reason="vehicle", bound=5000000)
    assert got["status"] == "excluded" and got["exclusions"][0]["reason"] == "vehicle"
    no(w, f"identification rule: {hid} is excluded",
       lambda: s.post_notice(k["village"], [hid], ["周*"], DOC))  # fmt: skip


def test_the_notice_refuses_full_names_early_approval_and_late_objections(world: World) -> None:
    w, s, k = world, world.s, world.key
    a, _ = w.eligible(PEOPLE[0], 3)
    b, _ = w.eligible(PEOPLE[1], 2)
    for bad in ["黄志明", "*志明", "黄志"]:
        no(w, "mask rule", lambda bad=bad: s.post_notice(k["village"], [a], [bad], DOC))
    no(w, "notice rule: one masked name for each household",
       lambda: s.post_notice(k["village"], [a, b], ["黄*明"], DOC))  # fmt: skip
    no(w, f"notice rule: {a} is a household of tscwh",
       lambda: s.post_notice(k["village2"], [a], ["黄*明"], DOC))  # fmt: skip
    n = s.post_notice(k["village"], [a, b], ["黄*明", "李*"], DOC)
    citizen = w.wallet("citizen")
    no(w, "objection rule: the reason is one of",
       lambda: s.object_to(citizen, n["id"], b, "dislike", DOC))  # fmt: skip
    no(w, "objection rule: sign with your DID key",
       lambda: s.object_to(k["village2"], n["id"], b, "other", DOC))  # fmt: skip
    o = s.object_to(citizen, n["id"], b, "income_hidden", DOC)
    no(w, f"notice rule: notice {n['id']} runs 10 days",
       lambda: s.approve_notice(k["bureau"], n["id"]))  # fmt: skip
    w.days(10)
    no(w, f"objection rule: notice {n['id']} ran",
       lambda: s.object_to(citizen, n["id"], a, "other", DOC))  # fmt: skip
    no(w, rf"objection rule: 1 objection\(s\) to notice {n['id']} are unresolved",
       lambda: s.approve_notice(k["bureau"], n["id"]))  # fmt: skip
    no(w, "bureau rule",
       lambda: s.resolve_objection(k["stranger"], o["id"], upheld=True, finding=DOC))  # fmt: skip
    s.resolve_objection(k["bureau"], o["id"], upheld=True, finding=DOC)
    no(w, f"objection rule: {o['id']} is already upheld",
       lambda: s.resolve_objection(k["bureau"], o["id"], upheld=False, finding=DOC))  # fmt: skip
    assert s.approve_notice(k["bureau"], n["id"])["approved"]["count"] == 1
    no(w, f"notice rule: {n['id']} is approved", lambda: s.approve_notice(k["bureau"], n["id"]))
    w.approved = a


def test_funds_refuse_overdrafts_purposes_and_payees(world: World) -> None:
    w, s, k = world, world.s, world.key
    a = w.approved
    no(w, "source rule: the fund source is one of",
       lambda: s.open_budget(k["fiscal"], "lottery", 2026, 100, DOC))  # fmt: skip
    no(w, "fiscal rule", lambda: s.open_budget(k["stranger"], "city", 2026, 100, DOC))
    bg = s.open_budget(k["fiscal"], "city", 2026, 1_000_000, DOC)
    no(w, f"balance rule: budget {bg['id']} has 10,000.00 元 left",
       lambda: s.fund_programme(k["fiscal"], bg["id"], "x", 1_000_001, ["industry"]))  # fmt: skip
    no(w, "purpose rule: 'roads' is not one of",
       lambda: s.fund_programme(k["fiscal"], bg["id"], "x", 1, ["roads"]))  # fmt: skip
    g = s.fund_programme(k["fiscal"], bg["id"], "就业帮扶", 500_000, ["industry"])
    fields = {"name": "x", "village": "tscwh", "amount": 1, "purpose": "industry",
              "kind": "household", "implementer": "x", "responsible": "x", "targets": "x",
              "mechanism": "x"}  # fmt: skip

    def project(**kw: Any) -> Any:
        return lambda: s.create_project(k["bureau"], g["id"], **(fields | kw))

    no(
        w,
        f"purpose rule: programme {g['id']} funds industry, not 'housing'",
        project(**{"purpose": "housing"}),
    )
    no(w, f"balance rule: programme {g['id']} has 5,000.00 元 left", project(**{"amount": 500_001}))
    no(w, "village rule: 'nowhere' is not in 'villages'", project(**{"village": "nowhere"}))
    x1 = s.create_project(k["bureau"], g["id"], **(fields | {"amount": 300_000}))["id"]
    x2 = s.create_project(k["bureau"], g["id"], **(fields | {"amount": 200_000,
                                                            "kind": "vendor"}))["id"]  # fmt: skip
    no(w, f"balance rule: programme {g['id']} has 0.00 元 left",
       lambda: s.create_project(k["bureau"], g["id"], **fields))  # fmt: skip
    no(w, f"project notice rule: {x1} is planned",
       lambda: s.disburse(k["fiscal"], x1, a, 100, DOC))  # fmt: skip
    no(w, "project notice rule: the committee of tscwh or 乡村振兴局 posts it",
       lambda: s.post_project_notice(k["village2"], x1, "start", DOC))  # fmt: skip
    no(w, f"project notice rule: {x1} is planned with",
       lambda: s.post_project_notice(k["village"], x1, "done", DOC))  # fmt: skip
    s.post_project_notice(k["village"], x1, "start", DOC)
    s.post_project_notice(k["bureau"], x2, "start", DOC)
    no(w, f"payment rule: {x2} pays vendors, not households",
       lambda: s.disburse(k["fiscal"], x2, a, 100, DOC))  # fmt: skip
    no(w, f"payment rule: {x1} pays households, not vendors",
       lambda: s.pay_vendor(k["fiscal"], x1, "某苗木公司", 100, DOC))  # fmt: skip
    no(w, f"balance rule: project {x1} has 3,000.00 元 left",
       lambda: s.disburse(k["fiscal"], x1, a, 300_001, DOC))  # fmt: skip
    # only approved households of the project's village are paid
    noticed, _ = w.eligible(PEOPLE[1], 2)
    s.post_notice(k["village"], [noticed], ["李*"], DOC)
    no(w, f"beneficiary rule: {noticed} is noticed; only approved beneficiaries are paid",
       lambda: s.disburse(k["fiscal"], x1, noticed, 100, DOC))  # fmt: skip
    head = w.wallet("far")
    far = s.register_household(k["village2"], head.did, b"\x03" * 32, 2)["id"]
    s.consent(head, far)
    for p, (dept, bound) in PREDICATES.items():
        s.answer(w.key[dept], far, p, True, bound=bound, record=DOC)
    n2 = s.post_notice(k["village2"], [far], ["陈*"], DOC)
    w.days(10)
    s.approve_notice(k["bureau"], n2["id"])
    no(w, f"beneficiary rule: {far} is a household of dxcwh",
       lambda: s.disburse(k["fiscal"], x1, far, 100, DOC))  # fmt: skip
    pay = s.disburse(k["fiscal"], x1, a, 300_000, DOC)
    no(w, f"balance rule: project {x1} has 0.00 元 left",
       lambda: s.disburse(k["fiscal"], x1, a, 1, DOC))  # fmt: skip
    no(w, "village rule: only the committee of 'tscwh' does this",
       lambda: s.record_use(k["village2"], pay["id"], DOC))  # fmt: skip
    s.record_use(k["village"], pay["id"], DOC)
    no(w, f"evidence rule: {pay['id']} already has its receipt",
       lambda: s.record_use(k["village"], pay["id"], DOC))  # fmt: skip
    # idle money and a late notice raise public alerts once their periods passed (block time)
    w.days(120)
    # monitoring: a department or the household's committee flags, the bureau closes
    no(w, "monitoring rule: the flag is one of", lambda: s.flag(k["village"], a, "gossip", DOC))
    no(w, "monitoring rule: a checking department or the committee of tscwh flags",
       lambda: s.flag(k["village2"], a, "disaster", DOC))  # fmt: skip
    case = s.flag(k["mzj"], a, "disaster", DOC)
    no(w, "monitoring rule: the outcome is one of",
       lambda: s.close_case(k["bureau"], case["id"], "forgotten", DOC))  # fmt: skip
    s.close_case(k["bureau"], case["id"], "assisted", DOC)
    no(w, f"monitoring rule: case {case['id']} is closed",
       lambda: s.close_case(k["bureau"], case["id"], "assisted", DOC))  # fmt: skip
    kinds = {x["kind"] for x in s.alerts()}
    assert {"idle_project", "notice_overdue"} <= kinds, kinds


def test_a_changed_bound_is_the_one_answers_are_checked_against(world: World) -> None:
    w, s, k = world, world.s, world.key
    s.set_param(w.admin["xczxj"], "income_line_fen", 800000, "新监测标准")
    head = w.wallet("late")
    hid = s.register_household(k["village"], head.did, b"\x04" * 32, 1)["id"]
    s.consent(head, hid)
    no(w, "predicate rule: 'income_low' is asked against 800000",
       lambda: s.answer(k["mzj"], hid, "income_low", True, bound=790000))  # fmt: skip
    assert s.answer(k["mzj"], hid, "income_low", True, bound=800000)["status"] == "checking"
