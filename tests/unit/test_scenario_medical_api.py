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

from tests.unit.scenario_refusal import refused as refused_api
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
            # every role, in an organisation the parameters do not name for it
            "fake": ("wjj", ["hospital", "reviewer", "insurer", "civil"]),
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


# -- every rule's refusal through the node: its code, the rule named, nothing changed ----------


def no(world: World, match: str, fn: Any, code: str = "contract_revert") -> None:
    refused_api(world.s, world.key["rev"], match, fn, code=code)


def test_records_and_consents_refuse_what_the_rules_forbid(world: World) -> None:
    s, key = world.s, world.key
    di = world.wallet("di")
    rec = s.register_record(key["zx"], di.did, "discharge", world.h(), b"enc:1")
    img = s.register_record(key["zx"], di.did, "imaging", world.h(), b"enc:2")
    by_rm = s.register_record(key["rm"], di.did, "discharge", world.h(), b"enc:3")
    doc = world.h()
    s.register_record(key["zx"], di.did, "lab", doc, b"enc:4")
    no(world, "record rule: this document is registered",
       lambda: s.register_record(key["zx"], di.did, "lab", doc, b"enc:5"))  # fmt: skip
    no(world, r"hospital rule: only members of a designated hospital \(zxyy, rmyy\)",
       lambda: s.register_record(key["fake"], di.did, "lab", world.h(), b"enc:6"))  # fmt: skip
    # a member without the role is refused before the contract runs: the platform's role gate
    no(world, r"medical.register_record needs one of the roles \['hospital'\]",
       lambda: s.register_record(key["ins"], di.did, "lab", world.h(), b"enc:6"),
       "unauthorized")  # fmt: skip
    base: dict[str, Any] = {"grantee": "rmyy", "purpose": "referral", "start": day(-1),
                            "end": day(30), "categories": ["discharge"]}  # fmt: skip
    no(world, r"separate consent rule \(单独同意\)",
       lambda: s.call(di, "grant", separate=False, **base))  # fmt: skip
    no(world, "consent rule: grantee 'xxyy' is not a designated hospital or an insurer",
       lambda: s.grant(di, **(base | {"grantee": "xxyy"})))  # fmt: skip
    no(world, r"consent rule \(期限\): a consent lasts at most 365 days",
       lambda: s.grant(di, **(base | {"end": day(400)})))  # fmt: skip
    no(world, "consent rule: a hospital is not permitted for a claim",
       lambda: s.grant(di, **(base | {"purpose": "claim"})))  # fmt: skip
    c = s.grant(di, **base)
    no(world, f"consent rule: consent {c['id']} does not name zxyy",
       lambda: s.access(key["zx"], by_rm["id"], c["id"], "referral"))  # fmt: skip
    no(
        world,
        r"consent rule \(目的\)",
        lambda: s.access(key["rm"], rec["id"], c["id"], "treatment"),
    )
    no(world, r"consent rule \(范围\)", lambda: s.access(key["rm"], img["id"], c["id"], "referral"))
    no(world, "access rule: .* is kept by zxyy itself",
       lambda: s.access(key["zx"], rec["id"], c["id"], "referral"))  # fmt: skip
    no(world, "hospital rule", lambda: s.access(key["fake"], rec["id"], c["id"], "referral"))
    other = world.wallet("ed")
    theirs = s.grant(other, **base)
    no(world, f"consent rule: consent {theirs['id']} is not the patient's",
       lambda: s.access(key["rm"], rec["id"], theirs["id"], "referral"))  # fmt: skip
    no(world, f"consent rule: only the patient of {c['id']} withdraws it",
       lambda: s.revoke(other, c["id"]))  # fmt: skip
    assert s.access(key["rm"], rec["id"], c["id"], "referral")["access"].startswith("AC")
    s.revoke(di, c["id"])
    no(world, f"consent rule: {c['id']} is inactive", lambda: s.revoke(di, c["id"]))


def test_bills_refuse_a_drug_without_its_codes_and_a_code_settled_twice(world: World) -> None:
    s, key, c = world.s, world.key, world.c
    ed = world.wallet("ed")
    codes = [f"8680002{n:09d}0001" for n in range(1, 3)]
    d = drug(c, "XB02", codes, 1_000)

    def bill(k: Any, items: list[dict[str, Any]], fund: int = 0) -> Any:
        return lambda: s.settle(k, ed.did, "outpatient", day(0), day(0), items, fund, world.h(),
                                world.h())  # fmt: skip

    no(world, r"trace code rule \(无码不结算\): drug XB02 is settled box by box",
       bill(key["zx"], [{**d, "trace": d["trace"][:1]}]))  # fmt: skip
    no(world, r"trace code rule \(无码不结算\): a drug names its 药品标识码",
       bill(key["zx"], [{**d, "product": "86A"}]))  # fmt: skip
    no(world, r"trace code rule \(一码一盒\)",
       bill(key["zx"], [{**d, "trace": [d["trace"][0]] * 2}]))  # fmt: skip
    no(world, "bill rule: the fund pays at most the total", bill(key["zx"], [d], 99_999))
    no(world, "bill rule: a bill follows the service",
       lambda: s.settle(key["zx"], ed.did, "outpatient", day(3), day(3), [d], 0, world.h(),
                        world.h()))  # fmt: skip
    no(world, "hospital rule", bill(key["fake"], [d]))
    first = s.settle(key["zx"], ed.did, "outpatient", day(0), day(0), [d], 0, world.h(), world.h())
    no(world, rf"trace code rule \(追溯码重复结算\): a trace code of drug XB02 was settled in"
              rf" {first['id']}",
       bill(key["rm"], [drug(c, "XB02", codes[1:], 1_000)]))  # fmt: skip
    # R05: a quantity over the governed limit of its 药品标识码 (8680003: 10) raises an alert
    many = drug(c, "XC03", [f"8680003{n:09d}0002" for n in range(12)], 100)
    over = s.settle(key["zx"], ed.did, "outpatient", day(-1), day(-1), [many], 0, world.h(),
                    world.h())  # fmt: skip
    (aid,) = over["alerts"]
    assert s.alert(aid)["rule"] == "R05" and s.alert(aid)["facts"]["max"] == 10
    # deaths: only 公安/民政, once
    no(world, "death rule: only members of gaj, mzj with the role civil",
       lambda: s.record_death(key["fake"], ed.did, day(-1), world.h()))  # fmt: skip
    no(world, "death rule: the date of death is not in the future",
       lambda: s.record_death(key["police"], ed.did, day(2), world.h()))  # fmt: skip
    s.record_death(key["police"], ed.did, day(-400), world.h())
    no(world, "death rule: this death is recorded",
       lambda: s.record_death(key["police"], ed.did, day(-400), world.h()))  # fmt: skip


def test_the_alert_workflow_refuses_steps_out_of_order(world: World) -> None:
    s, key = world.s, world.key
    fy = world.wallet("fy")
    items = [{"kind": "service", "code": "S007", "qty": 1, "fen": 2_000}]
    for _ in range(2):
        got = s.settle(key["zx"], fy.did, "outpatient", day(-2), day(-2), items, 1_500, world.h(),
                       world.h())  # fmt: skip
    (aid,) = got["alerts"]
    no(world, "reviewer rule: only members of 'ybj'",
       lambda: s.review(key["fake"], aid, confirm=True, note=NOTE))  # fmt: skip
    no(world, r"medical.review needs one of the roles \['reviewer'\]",
       lambda: s.review(key["zx"], aid, confirm=True, note=NOTE), "unauthorized")  # fmt: skip
    no(world, rf"second review rule \(复审\): alert {aid} is at stage review",
       lambda: s.second_review(key["chief"], aid, confirm=True, note=NOTE))  # fmt: skip
    no(world, rf"decision rule \(违规处理\): alert {aid} is at stage review",
       lambda: s.decide(key["chief"], aid, violation=True, recover_fen=1, note=NOTE))  # fmt: skip
    s.review(key["rev"], aid, confirm=True, note=NOTE)
    no(world, r"second review rule \(复审\): the second review is by another reviewer",
       lambda: s.second_review(key["rev"], aid, confirm=True, note=NOTE))  # fmt: skip
    s.second_review(key["chief"], aid, confirm=True, note=NOTE)
    no(world, rf"decision rule \(违规处理\): zxyy may appeal {aid} until",
       lambda: s.decide(key["chief"], aid, violation=True, recover_fen=1, note=NOTE))  # fmt: skip
    no(world, r"appeal rule \(申诉\): only zxyy appeals its alert",
       lambda: s.appeal(key["rm"], aid, NOTE))  # fmt: skip
    s.appeal(key["zx"], aid, NOTE)
    no(world, rf"appeal rule \(申诉\): alert {aid} is at stage investigation",
       lambda: s.appeal(key["zx"], aid, NOTE))  # fmt: skip
    no(world, r"decision rule \(违规处理\): recover 1 fen",
       lambda: s.decide(key["chief"], aid, violation=True, recover_fen=99_999,
                        note=NOTE))  # fmt: skip
    assert s.decide(key["chief"], aid, violation=False, recover_fen=0, note=NOTE)["stage"] == (
        "cleared"
    )
    # a dismissed alert is not reviewed again
    for _ in range(2):
        got = s.settle(key["rm"], fy.did, "outpatient", day(-3), day(-3), items, 0, world.h(),
                       world.h())  # fmt: skip
    (b,) = got["alerts"]
    assert s.review(key["rev"], b, confirm=False, note=NOTE)["stage"] == "dismissed"
    no(world, rf"review rule \(初审\): alert {b} is at stage dismissed",
       lambda: s.review(key["rev"], b, confirm=True, note=NOTE))  # fmt: skip


def test_claims_refuse_more_than_the_consented_items(world: World) -> None:
    s, key, c = world.s, world.key, world.c
    gu, hu = world.wallet("gu"), world.wallet("hu")
    items = [{"kind": "service", "code": "S001", "qty": 1, "fen": 2_000},
             drug(c, "XA01", ["8680001000000777000" + "1"], 1_500)]  # fmt: skip
    st = s.settle(key["rm"], gu.did, "outpatient", day(-4), day(-4), items, 0, world.h(),
                  world.h())  # fmt: skip
    other = s.settle(key["rm"], hu.did, "outpatient", day(-4), day(-4), items[:1], 0, world.h(),
                     world.h())  # fmt: skip
    base: dict[str, Any] = {"grantee": "rsbx", "purpose": "claim", "start": day(-1), "end": day(30)}
    no(world, f"consent rule: bill {other['id']} is not yours",
       lambda: s.grant(gu, settlements=[{"id": other["id"], "items": [1]}], **base))  # fmt: skip
    no(world, r"minimum necessary rule \(最小必要\): name the items the claim needs",
       lambda: s.grant(gu, settlements=[{"id": st["id"], "items": []}], **base))  # fmt: skip
    no(world, f"consent rule: bill {st['id']} has no item 9",
       lambda: s.grant(gu, settlements=[{"id": st["id"], "items": [9]}], **base))  # fmt: skip
    no(world, r"consent rule: an insurer is permitted for a claim \(purpose claim\)",
       lambda: s.grant(gu, settlements=[{"id": st["id"], "items": [2]}],
                       **(base | {"purpose": "treatment"})))  # fmt: skip
    con = s.grant(gu, settlements=[{"id": st["id"], "items": [2]}], **base)
    no(world, "insurer rule: only members of an insurer",
       lambda: s.file_claim(key["fake"], st["id"], con["id"]))  # fmt: skip
    st2 = s.settle(key["rm"], gu.did, "outpatient", day(-5), day(-5), items[:1], 0, world.h(),
                   world.h())  # fmt: skip
    no(world, rf"consent rule \(最小必要\): consent {con['id']} does not name bill",
       lambda: s.file_claim(key["ins"], st2["id"], con["id"]))  # fmt: skip
    k = s.file_claim(key["ins"], st["id"], con["id"])
    assert [i["code"] for i in k["summary"]["items"]] == ["XA01"]
    no(world, "claim rule: rsbx has a claim",
       lambda: s.file_claim(key["ins"], st["id"], con["id"]))  # fmt: skip
    no(world, "claim rule: the amount",
       lambda: s.decide_claim(key["ins"], k["id"], approve=True, amount=1_501))  # fmt: skip
    # a withdrawn consent files no claim
    con2 = s.grant(gu, settlements=[{"id": st2["id"], "items": [1]}], **base)
    s.revoke(gu, con2["id"])
    no(world, rf"consent rule \(单独同意\): consent {con2['id']} was withdrawn",
       lambda: s.file_claim(key["ins"], st2["id"], con2["id"]))  # fmt: skip


def test_parameters_are_the_bureaus_and_r04_follows_them(world: World) -> None:
    s, key = world.s, world.key
    no(world, "param rule: only admins of 'ybj'",
       lambda: s.set_param(world.admin["zxyy"], "review_days", 3, "x"))  # fmt: skip
    assert s.set_param(world.admin["ybj"], "same_day_hospitals", 2, "演示")["previous"] == 3
    iv = world.wallet("iv")
    visit = [{"kind": "service", "code": "S002", "qty": 1, "fen": 500}]
    s.settle(key["zx"], iv.did, "outpatient", day(-6), day(-6), visit, 0, world.h(), world.h())
    got = s.settle(key["rm"], iv.did, "outpatient", day(-6), day(-6), visit, 0, world.h(),
                   world.h())  # fmt: skip
    assert [s.alert(a)["rule"] for a in got["alerts"]] == ["R04"]
