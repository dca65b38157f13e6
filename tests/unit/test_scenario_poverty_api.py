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

import pytest
from typer.testing import CliRunner

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
            **{d: (d, ["checker"]) for d in DEPTS},
        }
        self.key = {n: c.suite.generate_private_key() for n in members}
        for n, (org, roles) in members.items():
            tx = c.builder(self.admin[org]).member_add(org, self.key[n].public_key, roles, n)
            assert c.submit_and_wait(tx).receipt.status == "ok"
        self.s = PovertyRelief(c)

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
