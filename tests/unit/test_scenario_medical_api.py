"""健康医疗 (scenario 11) end to end through an in-process node: the contract deployed by
governance; two hospitals, 医保局's reviewer and chief, 卫健局, 公安, an insurer and patients
with wallets (their DID keys); every write a signed transaction through the SDK, every read a
``/v1/medical`` route. What names a patient is a signed read (the patient, the hospital
concerned, 医保局, 卫健局 for the access log, the insurer for its claim only), each refusal names
its rule, and the public answers name no patient."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from wuyi.crypto import load_key
from wuyi.exceptions import ContractRevert, ReadForbidden, SignedReadRequired
from wuyi.node.home import OrgSpec
from wuyi.scenarios import get
from wuyi.scenarios.medical.sdk import Medical, drug
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("ybj", "江门市医疗保障局"),
    OrgSpec("wjj", "江门市卫生健康局"),
    OrgSpec("zxyy", "江门市中心医院"),
    OrgSpec("rmyy", "江门市人民医院"),
    OrgSpec("rsbx", "中国人寿江门分公司"),
    OrgSpec("gaj", "江门市公安局"),
)
SERIAL = count(1)
NOTE = b"\x44" * 32


class World:
    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env, self.tmp, self.c = env, tmp, env.client
        c = self.c
        self.admin = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        voters = [self.admin[o.id] for o in ORGS if o.id != "sjj"]
        scenario = get("medical")
        pkg = {"name": "medical", "version": "1.0.0", "source": scenario.source(), "manifest": {}}
        c.govern(self.admin["sjj"], voters, "contract.deploy",
                 {"package": pkg, "init_args": scenario.init_args}, title="deploy")  # fmt: skip
        c.govern(self.admin["sjj"], voters, "did.set_registrar", {"org": "sjj", "enabled": True},
                 title="registrar")  # fmt: skip
        members = {
            "rev": ("ybj", ["reviewer"]),
            "chief": ("ybj", ["chief"]),
            "wjj": ("wjj", ["supervisor"]),
            "zx": ("zxyy", ["hospital"]),
            "rm": ("rmyy", ["hospital"]),
            "ins": ("rsbx", ["insurer"]),
            "police": ("gaj", ["civil"]),
            "registrar": ("sjj", ["did_registrar"]),
        }
        self.key = {n: c.suite.generate_private_key() for n in members}
        for n, (org, roles) in members.items():
            tx = c.builder(self.admin[org]).member_add(org, self.key[n].public_key, roles, n)
            assert c.submit_and_wait(tx).receipt.status == "ok"
        self.s = Medical(c)

    def wallet(self, name: str) -> Wallet:
        w = Wallet.create(self.tmp / f"{name}-{next(SERIAL)}.json", "pw", self.c.suite.name)
        Identity(self.c).register_did(self.key["registrar"], w.key)
        return w

    def h(self) -> bytes:
        return self.c.suite.hash(b"medical-api-%d" % next(SERIAL))

    def as_(self, key: Any, purpose: str = "医保审核 / review") -> Medical:
        return Medical(self.env.new_client().read_as(key, purpose))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("medical")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW) as env:
        yield World(env, tmp)


def day(offset: int) -> str:
    """A date ``offset`` days from today (China Standard Time, as the chain counts)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8, days=offset)).strftime("%Y-%m-%d")


def refused(match: str) -> Any:
    return pytest.raises(ContractRevert, match=match)


def test_records_read_under_consent_and_the_patients_access_log(world: World) -> None:
    s, key = world.s, world.key
    ann = world.wallet("ann")
    rec = s.register_record(key["zx"], ann.did, "discharge", world.h(), b"enc:locator")
    c = s.grant(ann, "rmyy", "referral", day(-30), day(60), categories=["discharge"])
    assert c["separate"] is True and c["provision"]["purpose"] == ["referral"]
    got = s.access(key["rm"], rec["id"], c["id"], "referral")
    assert got["access"].startswith("AC")
    # the patient sees who read what; 卫健局 too; another hospital's member may not
    mine = world.as_(ann.key, "查看我的调阅记录").patient(ann.did, "accesses")
    assert [(a["reader"], a["keeper"], a["record"]) for a in mine] == [("rmyy", "zxyy", rec["id"])]
    assert world.as_(key["wjj"]).patient(ann.did, "accesses")[0]["id"] == got["access"]
    with pytest.raises(ReadForbidden):
        world.as_(key["rm"]).patient(ann.did, "accesses")
    with pytest.raises(SignedReadRequired):
        s.patient(ann.did, "records")
    assert world.as_(key["zx"]).record(rec["id"])["patient"] == ann.did
    assert [x["id"] for x in world.as_(key["rm"]).consents("rmyy")] == [c["id"]]
    s.revoke(ann, c["id"])
    with refused(r"consent rule \(单独同意\): consent .* was withdrawn"):
        s.access(key["rm"], rec["id"], c["id"], "referral")
    assert world.as_(ann.key, "查看").patient(ann.did, "consents")[0]["status"] == "inactive"


def test_settlements_alerts_and_a_claim(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    s, key = world.s, world.key
    bo = world.wallet("bo")
    codes = [f"8680001{n:09d}0000" for n in range(1, 4)]
    items = [{"kind": "service", "code": "S001", "qty": 1, "fen": 2_000},
             drug(world.c, "XA01", codes, 1_500)]  # fmt: skip
    st = s.settle(key["zx"], bo.did, "outpatient", "2026-01-05", "2026-01-05", items, 3_000,
                  world.h(), world.h())  # fmt: skip
    assert st["alerts"] == [] and st["total"] == 6_500
    with refused(r"trace code rule \(追溯码重复结算\)"):
        s.settle(key["rm"], bo.did, "outpatient", "2026-01-06", "2026-01-06",
                 [drug(world.c, "XA01", codes[:1], 1_500)], 0, world.h(), world.h())  # fmt: skip
    twice = s.settle(key["zx"], bo.did, "outpatient", "2026-01-05", "2026-01-05", items[:1], 0,
                     world.h(), world.h())  # fmt: skip
    assert twice["alerts"] == []  # other items: not the same claim
    dup = s.settle(key["zx"], bo.did, "outpatient", "2026-01-05", "2026-01-05",
                   [items[0], drug(world.c, "XA01", [f"8680001{n:09d}0000" for n in (7, 8, 9)],
                                   1_500)], 3_000, world.h(), world.h())  # fmt: skip
    (aid,) = dup["alerts"]
    a = s.alert(aid)
    assert a["rule"] == "R01" and a["refs"] == [st["id"], dup["id"]] and "patient" not in a
    s.review(key["rev"], aid, confirm=True, note=NOTE)
    with refused(r"second review rule \(复审\): the second review is by another reviewer"):
        s.second_review(key["rev"], aid, confirm=True, note=NOTE)
    s.second_review(key["chief"], aid, confirm=True, note=NOTE)
    s.appeal(key["zx"], aid, NOTE)
    done = s.decide(key["chief"], aid, violation=True, recover_fen=3_000, note=NOTE)
    assert done["stage"] == "violation"
    assert [x["id"] for x in s.alerts("violation")] == [aid]
    # settlements are signed reads: the hospital, 医保局, the patient; not the insurer
    assert {x["id"] for x in world.as_(key["zx"]).settlements("zxyy")} >= {st["id"], dup["id"]}
    assert world.as_(key["rev"]).bill(st["id"])["patient"] == bo.did
    with pytest.raises(ReadForbidden):
        world.as_(key["ins"]).bill(st["id"])
    with pytest.raises(ReadForbidden):
        world.as_(key["rm"]).settlements("zxyy")
    # 商保快赔: the insurer's claim holds only the consented drug item
    c = s.grant(bo, "rsbx", "claim", day(-30), day(60),
                settlements=[{"id": st["id"], "items": [2]}])  # fmt: skip
    k = s.file_claim(key["ins"], st["id"], c["id"])
    assert [i["code"] for i in k["summary"]["items"]] == ["XA01"]
    s.decide_claim(key["ins"], k["id"], approve=True, amount=4_500)
    assert s.pay_claim(key["ins"], k["id"])["status"] == "paid"
    assert world.as_(key["ins"]).claim(k["id"])["summary"]["items_fen"] == 4_500
    assert world.as_(bo.key, "我的理赔").patient(bo.did, "claims")[0]["id"] == k["id"]
    # the public answers: hospitals and totals, no patient
    public = repr(
        [s.dashboard(), s.rules(), s.alerts(), world.c._get("/v1/scenarios/medical/params")]
    )
    assert bo.did not in public and "zxyy" in public
    d = s.dashboard()
    assert d["recover_fen"] == 3_000 and d["claims"]["paid"] == 1 and d["stages"]["violation"] == 1
    # the CLI sub-app
    cli = importlib.import_module("wuyi.cli.app")
    from wuyi.cli import app as cli_app

    monkeypatch.setattr(cli, "_client", lambda node: world.env.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    out = CliRunner().invoke(cli_app, ["medical", "alerts"])
    assert out.exit_code == 0 and aid in out.output, out.output
    out = CliRunner().invoke(cli_app, ["medical", "dashboard"])
    assert out.exit_code == 0 and "zxyy" in out.output, out.output
    out = CliRunner().invoke(cli_app, ["medical", "alert", aid])
    assert out.exit_code == 0 and "decision" in out.output, out.output


def test_deaths_and_overlapping_stays(world: World) -> None:
    s, key = world.s, world.key
    cy = world.wallet("cy")
    stay = [{"kind": "service", "code": "BED", "qty": 3, "fen": 8_000}]
    s.settle(key["zx"], cy.did, "inpatient", "2026-02-01", "2026-02-06", stay, 10_000, world.h(),
             world.h())  # fmt: skip
    over = s.settle(key["rm"], cy.did, "inpatient", "2026-02-04", "2026-02-08", stay, 10_000,
                    world.h(), world.h())  # fmt: skip
    assert [s.alert(a)["rule"] for a in over["alerts"]] == ["R03"]
    with pytest.raises(Exception, match="civil"):
        s.record_death(key["zx"], cy.did, "2026-02-05", world.h())
    got = s.record_death(key["police"], cy.did, "2026-02-05", world.h())
    assert [s.alert(a)["rule"] for a in got["alerts"]] == ["R02", "R02"]
