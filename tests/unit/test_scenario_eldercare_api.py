"""养老服务 (scenario 13) end to end through an in-process node: the contract deployed by
governance, 民政局's officer, the departments' inspectors, a care institution, its custody
bank, a caregiver, an elder and a volunteer with wallets (their DID keys); every write a signed
transaction through the SDK, every read a ``/v1/eldercare`` route — public board and signed,
logged reads of personal records — and the CLI sub-app."""

from __future__ import annotations

import datetime as dt
import importlib
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.scenario_refusal import refused as refused_api
from wuyi.crypto import load_key, save_key
from wuyi.exceptions import ContractRevert, ReadForbidden, SignedReadRequired
from wuyi.node.home import OrgSpec
from wuyi.scenarios import get
from wuyi.scenarios.eldercare.sdk import Eldercare, commitment
from wuyi.sdk.identity import Identity
from wuyi.sdk.scenarios import check_certificate
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("mzj", "江门市民政局"),
    OrgSpec("scjgj", "江门市市场监督管理局"),
    OrgSpec("rsj", "江门市人力资源和社会保障局"),
    OrgSpec("wjj", "江门市卫生健康局"),
    OrgSpec("nsyh", "江门农商银行"),
    OrgSpec("flyy", "江门市社会福利院"),
    OrgSpec("yyy", "蓬江区某颐养院（演示）"),
)
DAY = 86_400_000
H = b"\x41" * 32
SERIAL = count(1)


class ShiftedClock:
    """The node's clock, moved on by whole days for deadlines (the next block's time)."""

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
        scenario = get("eldercare")
        pkg = {"name": "eldercare", "version": "1.0.0", "source": scenario.source(), "manifest": {}}
        c.govern(self.admin["sjj"], voters, "contract.deploy",
                 {"package": pkg, "init_args": scenario.init_args}, title="deploy")  # fmt: skip
        c.govern(self.admin["sjj"], voters, "did.set_registrar", {"org": "sjj", "enabled": True},
                 title="registrar")  # fmt: skip
        kind = scenario.certificate
        assert kind is not None
        body = {"type": kind.type, "issuers": ["mzj"], "claims": ["certificate", "kind",
                "minutes", "as_of"], "description": "x"}  # fmt: skip
        c.govern(self.admin["sjj"], voters, "vc.set_type", body, title="type")
        members = {
            "officer": ("mzj", ["officer"]),
            "issuer": ("mzj", ["issuer"]),
            "safety": ("mzj", ["inspector"]),
            "food": ("scjgj", ["inspector"]),
            "rsj": ("rsj", ["inspector"]),
            "wjj": ("wjj", ["inspector"]),
            "bank": ("nsyh", ["custody"]),
            "flyy": ("flyy", ["institution"]),
            "clerk": ("flyy", ["clerk"]),
            "registrar": ("sjj", ["did_registrar"]),
            "yyy": ("yyy", ["institution"]),
            # every role, in an organisation the contract does not name for any of them
            "rogue": ("sjj", ["officer", "custody", "inspector"]),
        }
        self.key = {n: c.suite.generate_private_key() for n in members}
        for n, (org, roles) in members.items():
            tx = c.builder(self.admin[org]).member_add(org, self.key[n].public_key, roles, n)
            assert c.submit_and_wait(tx).receipt.status == "ok"
        self.s = Eldercare(c)
        self.s.register_institution(self.key["officer"], "flyy", "江门市社会福利院",
                                    "12440700MB2C12345X", beds=300, ownership="public",
                                    net_assets=500_000, bank="nsyh")  # fmt: skip

    def day(self, offset: int = 0) -> str:
        """The China Standard Time date ``offset`` days from the node's today."""
        ms = self.clock.now_ms() + offset * DAY + 8 * 3_600_000
        return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d")

    def wallet(self, name: str) -> Wallet:
        w = Wallet.create(self.tmp / f"{name}-{next(SERIAL)}.json", "pw", self.c.suite.name)
        Identity(self.c).register_did(self.key["registrar"], w.key)
        return w


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("eldercare")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW) as env:
        yield World(env, tmp)


def refused(match: str) -> Any:
    return pytest.raises(ContractRevert, match=match)


def test_grade_subsidy_and_the_public_board(world: World) -> None:
    s, key = world.s, world.key
    with refused("compliance rule: only wjj record 'medical'"):
        s.record_compliance(key["food"], "flyy", "medical", "pass", "none", "2027-12-31", H)
    for who, cat in (("food", "food"), ("safety", "safety"), ("wjj", "medical"),
                     ("rsj", "social_insurance")):  # fmt: skip
        s.record_compliance(key[who], "flyy", cat, "pass", "none", "2027-12-31", H)
    row = s.board()["institutions"][0]
    assert (row["score"], row["grade"], row["red"]) == (65, 1, False)
    assert sorted(row["missing"]) == ["fire", "tax"]
    with refused("subsidy grade rule: grade 1 is below the threshold 3"):
        s.pay_subsidy(key["officer"], "flyy", "2026-11", 200)
    s.set_param(world.admin["mzj"], "subsidy_min_grade", 1, "试点")
    s.set_param(world.admin["mzj"], "subsidy_min_grade", 1, "试点（生效）")  # next block in force
    paid = s.pay_subsidy(key["officer"], "flyy", "2026-11", 200)
    assert paid["fen"] == 200 * 20000
    assert [x["period"] for x in s.subsidies("flyy")] == ["2026-11"]
    inst = s.institution("flyy")
    assert inst["grade"]["grade"] == 1 and len(inst["records"]) == 4


def test_caregivers_prepayments_signed_reads(world: World) -> None:
    s, key, c = world.s, world.key, world.c
    carer = world.wallet("carer")
    s.record_qualification(key["rsj"], carer.did, "level4", H, "2029-12-31")
    s.hire(key["flyy"], carer.did)
    with refused("scheduling rule: health check missing"):
        s.schedule(key["flyy"], carer.did, "2027-01-04", "day", commitment("x", b"s"))
    s.record_health_check(key["wjj"], carer.did, "2026-06-01", fit=True, report=H)
    sh = s.schedule(key["flyy"], carer.did, "2027-01-04", "day", commitment("x", b"s"))
    assert sh["caregiver"] == carer.did
    p = s.prepay(key["bank"], "flyy", commitment("elder", b"salt"), "deposit", 300_000)
    with refused("prepayment cap rule"):
        s.prepay(key["bank"], "flyy", commitment("elder2", b"salt"), "service", 200_001)
    with refused("prepayment rule: a public institution may not take membership"):
        s.prepay(key["bank"], "flyy", commitment("elder2", b"salt"), "membership", 1)
    # personal records: signed, allowed readers only, logged
    for path in (
        f"/v1/eldercare/caregivers/{carer.did}",
        "/v1/eldercare/institutions/flyy/alerts",
        "/v1/eldercare/institutions/flyy/prepayments",
    ):
        with pytest.raises(SignedReadRequired):
            c._get(path)
    assert s.caregiver(carer.did, key=carer.key)["health"]["valid_until"] == "2027-06-01"
    assert s.caregiver(carer.did, key=key["flyy"])["institution"] == "flyy"
    assert s.alerts("flyy", key=key["officer"]) == []
    assert s.prepayments("flyy", key=key["bank"])[0]["id"] == p["id"]
    with pytest.raises(ReadForbidden):
        s.caregiver(carer.did, key=key["food"])  # not a qualifying or health department
    with pytest.raises(ReadForbidden):
        s.prepayments("flyy", key=key["rsj"])
    seen = Identity(c).reads(carer.did, key=carer.key, purpose="谁看了我的记录")
    assert {e["basis"] for e in seen if e["record"] == f"eldercare/cg/{carer.did}"} >= {
        "citizen",
        "org:flyy",
    }
    assert carer.did not in str(s.board())


def test_time_bank_and_its_credential(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    s, key, c = world.s, world.key, world.c
    elder, vol, other = world.wallet("elder"), world.wallet("vol"), world.wallet("other")
    s.enrol_elder(key["officer"], elder.did, H)
    sv = s.log_service(vol, elder.did, "meal", "2026-11-30", 120)
    assert s.time_account(vol.did, key=vol.key)["account"]["balance"] == 0
    with refused("confirmation rule: only the served elder"):
        s.confirm_service(other, sv["id"])
    s.confirm_service(elder, sv["id"])
    assert s.time_account(vol.did, key=vol.key)["account"]["balance"] == 120
    assert s.service(sv["id"], key=elder.key)["status"] == "confirmed"
    with pytest.raises(ReadForbidden):
        s.time_account(vol.did, key=other.key)
    cert = s.certify_balance(vol)
    text = s.issue_certificate(key["issuer"], cert["id"], wallet=vol)
    checked = check_certificate(c, text)
    assert checked["valid"] is True
    assert s.board()["time_bank"]["stored"] >= 120
    # the CLI sub-app
    from wuyi.cli import app as cli_app

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: world.env.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    key_file = world.tmp / "officer.key"
    save_key(key_file, key["officer"], PW)
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    signed = ["--read-key", str(key_file), "--purpose", "时间银行核查"]
    run = CliRunner()
    for args, expect in (
        (["eldercare", "board"], "江门市社会福利院"),
        (["eldercare", "institution", "flyy"], "social_insurance"),
        (["eldercare", "subsidies", "flyy"], "2026-11"),
        (["eldercare", "timebank", vol.did, *signed], sv["id"]),
        (["eldercare", "params"], "tb_cap_hours"),
    ):
        out = run.invoke(cli_app, args)
        assert out.exit_code == 0 and expect in out.output, (args, out.output)
    out = run.invoke(cli_app, ["eldercare", "timebank", vol.did])
    assert out.exit_code == 1 and "signed_read_required" in out.output
    index = c._get("/console/scenarios/index.json")
    assert "eldercare" in [x["name"] for x in index]


# -- every rule's refusal through the node: its code, the rule named, nothing changed ----------


def no(world: World, match: str, fn: Any, code: str = "contract_revert") -> None:
    refused_api(world.s, world.key["officer"], match, fn, code=code)


def test_filings_and_compliance_records_refuse_the_wrong_hands(world: World) -> None:
    w, s, key = world, world.s, world.key
    inst: dict[str, Any] = {"beds": 120, "ownership": "private", "net_assets": 1_000_000,
                            "bank": "nsyh"}  # fmt: skip
    no(w, "bureau rule: only officers of 'mzj'",
       lambda: s.register_institution(key["rogue"], "yyy", "颐养院", "12440700MB2C12345X",
                                      **inst))  # fmt: skip
    no(w, r"eldercare.register_institution needs one of the roles \['officer'\]",
       lambda: s.register_institution(key["flyy"], "yyy", "颐养院", "12440700MB2C12345X", **inst),
       "unauthorized")  # fmt: skip
    no(w, "institution rule: 'flyy' is registered already",
       lambda: s.register_institution(key["officer"], "flyy", "x", "12440700MB2C12345X",
                                      **inst))  # fmt: skip
    no(w, "custody rule: 'gdj' is not a custody bank",
       lambda: s.register_institution(key["officer"], "yyy", "x", "12440700MB2C12345X",
                                      **(inst | {"bank": "gdj"})))  # fmt: skip
    s.register_institution(key["officer"], "yyy", "蓬江区某颐养院", "12440700MB2C12345X", **inst)

    def rec(k: str, cat: str, result: str = "pass", sev: str = "none", until: str = "") -> Any:
        return lambda: s.record_compliance(key[k], "yyy", cat, result, sev, until or w.day(300), H)

    no(w, "compliance rule: only xfzd record 'fire'", rec("food", "fire"))
    no(w, r"eldercare.record_compliance needs one of the roles \['inspector'\]",
       rec("yyy", "fire"), "unauthorized")  # fmt: skip
    no(w, "compliance rule: no category 'weather'", rec("food", "weather"))
    no(w, "compliance rule: a pass has severity none", rec("food", "food", "pass", "major"))
    no(w, "compliance rule: valid_until is after today", rec("food", "food", until=w.day(0)))
    rec("food", "food")()
    assert s.institution("yyy")["records"][0]["category"] == "food"


def test_subsidies_refuse_low_grades_red_lists_and_repeats(world: World) -> None:
    w, s, key = world, world.s, world.key
    month = w.day(0)[:7]
    nxt = w.day(40)[:7]
    no(w, "bureau rule", lambda: s.pay_subsidy(key["rogue"], "flyy", month, 10))
    no(w, "subsidy grade rule: grade 0 is below the threshold 1",
       lambda: s.pay_subsidy(key["officer"], "yyy", month, 10))  # fmt: skip
    no(w, "subsidy rule: occupied beds 1-300",
       lambda: s.pay_subsidy(key["officer"], "flyy", month, 301))  # fmt: skip
    no(w, "subsidy rule: the period has not begun",
       lambda: s.pay_subsidy(key["officer"], "flyy", nxt, 10))  # fmt: skip
    no(w, "subsidy rule: 2026-11 is paid already",
       lambda: s.pay_subsidy(key["officer"], "flyy", "2026-11", 200))  # fmt: skip
    s.record_compliance(key["food"], "flyy", "food", "fail", "major", w.day(300), H)
    assert s.board()["institutions"][0]["red"] is True
    no(w, r"subsidy rule: 江门市社会福利院 has an open major violation \(red list\)",
       lambda: s.pay_subsidy(key["officer"], "flyy", month, 10))  # fmt: skip
    s.record_compliance(key["food"], "flyy", "food", "pass", "none", w.day(300), H)  # rectified
    assert s.pay_subsidy(key["officer"], "flyy", month, 10)["period"] == month


def test_caregivers_are_scheduled_only_when_qualified_and_fit(world: World) -> None:
    w, s, key = world, world.s, world.key
    a, b, c = w.wallet("carer-a"), w.wallet("carer-b"), w.wallet("carer-c")
    no(w, "qualification rule: only rsj record it",
       lambda: s.record_qualification(key["wjj"], a.did, "level4", H, w.day(900)))  # fmt: skip
    no(w, "qualification rule: no level 'chef'",
       lambda: s.record_qualification(key["rsj"], a.did, "chef", H, w.day(900)))  # fmt: skip
    no(w, "health check rule: only wjj record it",
       lambda: s.record_health_check(key["rsj"], a.did, w.day(-1), fit=True, report=H))  # fmt: skip
    no(w, "health check rule: checked_on is not in the future",
       lambda: s.record_health_check(key["wjj"], a.did, w.day(2), fit=True, report=H))  # fmt: skip
    for x in (a, c):
        s.record_qualification(key["rsj"], x.did, "level4", H, w.day(900))
    s.record_health_check(key["wjj"], a.did, w.day(-364), fit=True, report=H)  # ends tomorrow
    s.record_health_check(key["wjj"], b.did, w.day(-1), fit=True, report=H)  # no qualification
    s.record_health_check(key["wjj"], c.did, w.day(-1), fit=False, report=H)
    for x in (a, b, c):
        s.hire(key["yyy"], x.did)
    no(w, "caregiver rule: employed by another institution", lambda: s.hire(key["flyy"], a.did))
    no(w, "caregiver rule: not a caregiver of this institution",
       lambda: s.schedule(key["flyy"], a.did, w.day(1), "day", H))  # fmt: skip
    no(w, "scheduling rule: the shift is not in the past",
       lambda: s.schedule(key["yyy"], a.did, w.day(-1), "day", H))  # fmt: skip
    no(w, "scheduling rule: health check expired",
       lambda: s.schedule(key["yyy"], a.did, w.day(3), "day", H))  # fmt: skip
    no(w, "scheduling rule: qualification missing",
       lambda: s.schedule(key["yyy"], b.did, w.day(1), "day", H))  # fmt: skip
    no(w, "scheduling rule: health check not passed",
       lambda: s.schedule(key["yyy"], c.did, w.day(1), "day", H))  # fmt: skip
    assert s.schedule(key["yyy"], a.did, w.day(0), "night", H)["caregiver"] == a.did
    s.call(key["yyy"], "release_caregiver", caregiver=c.did)
    assert s.hire(key["flyy"], c.did)["institution"] == "flyy"


def test_prepayments_stay_within_the_limit_and_a_closure_waits(world: World) -> None:
    w, s, key = world, world.s, world.key
    payer = commitment("payer", b"salt-of-the-payer")
    no(w, r"custody rule: only the custody bank of 蓬江区某颐养院 \(nsyh\)",
       lambda: s.prepay(key["rogue"], "yyy", payer, "deposit", 100))  # fmt: skip
    no(w, "prepayment rule: a public institution may not take membership fees",
       lambda: s.prepay(key["bank"], "flyy", payer, "membership", 100))  # fmt: skip
    p = s.prepay(key["bank"], "yyy", payer, "membership", 600_000)
    no(w, "prepayment cap rule: 6,000.00 yuan held",
       lambda: s.prepay(key["bank"], "yyy", payer, "deposit", 400_001))  # fmt: skip
    s.release(key["bank"], p["id"], 100_000)
    no(w, "custody rule: only 5,000.00 yuan held",
       lambda: s.release(key["bank"], p["id"], 500_001))  # fmt: skip
    no(w, "closure notice rule: service ends no earlier than",
       lambda: s.announce_closure(key["yyy"], w.day(10), H))  # fmt: skip
    s.announce_closure(key["yyy"], w.day(31), H)
    no(w, "closure rule: 蓬江区某颐养院 is closing: no prepayments",
       lambda: s.prepay(key["bank"], "yyy", payer, "service", 1))  # fmt: skip
    no(w, "closure notice rule: not before", lambda: s.close(key["yyy"]))
    w.clock.offset += 31 * DAY
    no(w, "closure rule: 5,000.00 yuan still held", lambda: s.close(key["yyy"]))
    s.refund(key["bank"], p["id"])
    no(w, "refund rule: nothing held", lambda: s.refund(key["bank"], p["id"]))
    assert s.close(key["yyy"])["status"] == "closed"


def test_the_time_bank_credits_only_confirmed_capped_hours(world: World) -> None:
    w, s, key = world, world.s, world.key
    elder, vol, stranger = w.wallet("elder2"), w.wallet("vol2"), w.wallet("nobody")
    no(w, "time bank rule: the elder is not enrolled",
       lambda: s.log_service(vol, elder.did, "meal", w.day(-1), 60))  # fmt: skip
    s.enrol_elder(key["officer"], elder.did, H)
    no(w, "time bank rule: no service kind 'gardening'",
       lambda: s.log_service(vol, elder.did, "gardening", w.day(-1), 60))  # fmt: skip
    no(w, "time bank rule: the service date is not in the future",
       lambda: s.log_service(vol, elder.did, "meal", w.day(1), 60))  # fmt: skip
    no(w, "time bank rule: 1-480 minutes a record",
       lambda: s.log_service(vol, elder.did, "meal", w.day(-1), 481))  # fmt: skip
    s1 = s.log_service(vol, elder.did, "meal", w.day(-1), 90)
    no(w, "confirmation rule: only the served elder", lambda: s.confirm_service(vol, s1["id"]))
    no(w, "confirmation rule: the deadline has not passed",
       lambda: s.call(vol, "expire_service", service=s1["id"]))  # fmt: skip
    s.confirm_service(elder, s1["id"])
    no(w, "confirmation rule: the service is confirmed",
       lambda: s.confirm_service(elder, s1["id"]))  # fmt: skip
    # the cap: stored + pending + new within tb_cap_hours (3 hours from the next block)
    no(w, "param rule: only admins of 'mzj'",
       lambda: s.set_param(w.admin["flyy"], "tb_cap_hours", 3, "x"))  # fmt: skip
    s.set_param(w.admin["mzj"], "tb_cap_hours", 3, "试点")
    s2 = s.log_service(vol, elder.did, "escort", w.day(-1), 60)
    no(w, "time bank cap rule: 150 minutes stored or pending",
       lambda: s.log_service(vol, elder.did, "meal", w.day(-1), 31))  # fmt: skip
    w.clock.offset += 20 * DAY
    no(w, "confirmation rule: the deadline .* has passed",
       lambda: s.confirm_service(elder, s2["id"]))  # fmt: skip
    assert s.call(vol, "expire_service", service=s2["id"])["status"] == "expired"
    # spent only by enrolled elders; donated to the pool, granted by 民政局
    no(w, "redemption rule: only enrolled elders redeem",
       lambda: s.redeem(vol, 30, elder.did, "meal"))  # fmt: skip
    no(w, "donation rule: 1-90 minutes stored", lambda: s.donate(vol, 91))
    s.donate(vol, 30)
    no(w, "grant rule: the elder is not enrolled",
       lambda: s.grant(key["officer"], stranger.did, 10))  # fmt: skip
    no(w, "grant rule: 1-30 minutes in the pool", lambda: s.grant(key["officer"], elder.did, 31))
    s.grant(key["officer"], elder.did, 30)
    no(w, "redemption rule: 1-30 minutes stored",
       lambda: s.redeem(elder, 31, vol.did, "meal"))  # fmt: skip
    s.redeem(elder, 30, vol.did, "meal")
    no(w, "certificate rule: nothing stored", lambda: s.certify_balance(stranger))
    assert s.time_account(vol.did, key=vol.key)["account"]["balance"] == 60
