"""消费维权 (scenario 8) end to end through an in-process node: the contract deployed by
governance, 市场监管局's regulator, two custody banks, merchants and consumers with wallets (their
DID keys), every write a signed transaction through the SDK, every read a ``/v1/consumer``
route — each rule of ``wuyi/scenarios/consumer/README.md`` and its refusal, which changes
nothing. Days pass on the node's clock (block time) for the deadlines.

Each test registers its own merchants and consumers on the shared chain, so the tests do not
depend on their order."""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from wuyi.contract.lib import calendar
from wuyi.crypto import load_key
from wuyi.exceptions import ContractRevert, ReadForbidden, SignedReadRequired, Unauthorized
from wuyi.node.home import OrgSpec
from wuyi.scenarios import get
from wuyi.scenarios.consumer.sdk import ConsumerProtection, uscc
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("scjgj", "江门市市场监督管理局"),
    OrgSpec("nsyh", "江门农商银行"),
    OrgSpec("zgyh", "中国银行江门分行"),
)
DAY = 86_400_000
TERMS = b"\x31" * 32
DOC = b"\x32" * 32
SERIAL = count(1)


class ShiftedClock:
    """The node's clock, moved forward by whole days when a test lets days pass."""

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
        scenario = get("consumer")
        pkg = {"name": "consumer", "version": "1.0.0", "source": scenario.source(), "manifest": {}}
        c.govern(self.admin["sjj"], voters, "contract.deploy",
                 {"package": pkg, "init_args": scenario.init_args}, title="deploy")  # fmt: skip
        c.govern(self.admin["sjj"], voters, "did.set_registrar", {"org": "sjj", "enabled": True},
                 title="registrar")  # fmt: skip
        members = {
            "reg": ("scjgj", ["regulator"]),
            "nsyh": ("nsyh", ["custody"]),
            "zgyh": ("zgyh", ["custody"]),
            "teller": ("nsyh", ["banker"]),
            "registrar": ("sjj", ["did_registrar"]),
        }
        self.key = {n: c.suite.generate_private_key() for n in members}
        for n, (org, roles) in members.items():
            tx = c.builder(self.admin[org]).member_add(org, self.key[n].public_key, roles, n)
            assert c.submit_and_wait(tx).receipt.status == "ok"
        self.s = ConsumerProtection(c)

    def wallet(self, name: str) -> Wallet:
        w = Wallet.create(self.tmp / f"{name}-{next(SERIAL)}.json", "pw", self.c.suite.name)
        Identity(self.c).register_did(self.key["registrar"], w.key)
        return w

    def merchant(self, name: str, industry: str, tier: str, bank: str = "nsyh") -> Wallet:
        w = self.wallet(name)
        n = next(SERIAL)
        code = uscc(f"914407{n:03d}MA4W{n:04d}"[:17])
        self.s.register_merchant(self.key["reg"], w.did, name, code, industry, "440703", tier,
                                 bank)  # fmt: skip
        return w

    def days(self, n: int) -> None:
        self.clock.offset += n * DAY

    def today(self) -> str:
        return calendar.format_day((self.clock.now_ms() // 60000 + 480) // 1440)

    def paid(self, m: Wallet, who: Wallet, units: int, price: int, bank: str = "nsyh",
             **kw: Any) -> str:  # fmt: skip
        args = {"item": "课程", "unit": "lesson", "months": 3} | kw
        cid = self.s.offer(m, who.did, args["item"], args["unit"], units, price, args["months"],
                           TERMS)  # fmt: skip
        self.s.sign(who, cid)
        self.s.prepay(self.key[bank], cid, units * price)
        return cid


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("consumer")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW) as env:
        yield World(env, tmp)


def refused(match: str) -> Any:
    return pytest.raises(ContractRevert, match=match)


def test_merchants_caps_and_the_public_credit_view(world: World) -> None:
    s, key = world.s, world.key
    school = world.merchant("启航艺术培训中心", "training", "training")
    salon = world.merchant("丽人美容美发店", "beauty", "small")
    ann = world.wallet("ann")
    with pytest.raises(Unauthorized):  # a bank's member is no regulator
        s.register_merchant(key["nsyh"], ann.did, "x", uscc("91440703MA4W99999"), "retail",
                            "440703", "small", "nsyh")  # fmt: skip
    with refused("is not a valid 统一社会信用代码"):
        s.register_merchant(key["reg"], ann.did, "x", "91440703MA4W99999X", "retail", "440703",
                            "small", "nsyh")  # fmt: skip
    with refused(r"custody rule \(资金存管\): a merchant in 'training' keeps"):
        s.register_merchant(key["reg"], ann.did, "x", uscc("91440703MA4W99999"), "training",
                            "440703", "scale", "nsyh")  # fmt: skip
    with refused(r"custody rule \(资金存管\): 'wyzy' is not a custody bank"):
        s.register_merchant(key["reg"], ann.did, "x", uscc("91440703MA4W99999"), "retail",
                            "440703", "small", "wyzy")  # fmt: skip
    with refused(r"cap rule \(预付限额\): a 'training' prepayment covers at most 60 lessons"):
        s.offer(school, ann.did, "钢琴课", "lesson", 61, 10_000, 3, TERMS)
    with refused(r"cap rule \(预付限额\): a 'training' prepayment covers at most 3 months"):
        s.offer(school, ann.did, "钢琴课", "lesson", 20, 10_000, 4, TERMS)
    with refused(r"cap rule \(预付限额\): a named prepaid card in 'beauty' holds at most 5,000"):
        s.offer(salon, ann.did, "储值卡", "fen", 500_001, 1, 12, TERMS)
    with refused(r"merchant rule: .* is not a registered merchant"):
        s.offer(ann, salon.did, "储值卡", "fen", 100, 1, 12, TERMS)
    assert s.offer(school, ann.did, "钢琴课", "lesson", 60, 10_000, 3, TERMS).startswith("YF")
    # 市场监管局 lowers the card cap: in force from the next block, on record with its basis
    with pytest.raises(ContractRevert, match="param rule: only admins of 'scjgj'"):
        s.set_param(world.admin["nsyh"], "card_max_fen", 300_000, "x")
    s.set_param(world.admin["scjgj"], "card_max_fen", 300_000, "江门市预付卡新规（演示）")
    with refused("holds at most 3,000.00"):
        s.offer(salon, ann.did, "储值卡", "fen", 300_001, 1, 12, TERMS)
    hist = s.param_history("card_max_fen")
    assert [x["value"] for x in hist] == [500_000, 300_000] and hist[1]["org"] == "scjgj"
    s.set_param(world.admin["scjgj"], "card_max_fen", 500_000, "恢复（演示）")
    # the public credit view: merchants, never consumers
    credits = {x["did"]: x for x in s.credits()}
    assert credits[school.did]["name"] == "启航艺术培训中心"
    assert credits[school.did]["rating"] == "good" and credits[salon.did]["ratio_pct"] == 100
    assert s.credit(salon.did)["commitments"]["first_pay"] is False
    public = [
        world.c._get("/v1/consumer/merchants", limit=500),
        world.c._get(f"/v1/consumer/merchants/{school.did}"),
        world.c._get("/v1/consumer/dashboard"),
        world.c._get("/v1/consumer/alerts"),
        world.c._get(f"/v1/consumer/merchants/{school.did}/reconciliations"),
    ]
    assert ann.did not in repr(public)
    assert [x["name"] for x in s.credits() if x["industry"] == "beauty"]
    only = world.c._get("/v1/consumer/merchants", rating="warning", limit=500)["items"]
    assert all(x["rating"] == "warning" for x in only)
    with pytest.raises(Exception, match="no merchant"):
        s.credit(ann.did)


def test_no_prepayment_without_a_signed_contract_and_release_as_confirmed(world: World) -> None:
    s, key = world.s, world.key
    school = world.merchant("启航艺术培训中心", "training", "training")
    ann, bo = world.wallet("ann"), world.wallet("bo")
    cid = s.offer(school, ann.did, "钢琴课", "lesson", 20, 10_000, 3, TERMS)
    with refused(r"contract rule \(书面合同\): no prepayment without a signed contract"):
        s.prepay(key["nsyh"], cid, 200_000)
    with refused(f"only the consumer of {cid} signs it"):
        s.sign(bo, cid)
    s.sign(ann, cid)
    with refused(r"bank rule: only the custody bank of 启航艺术培训中心 \(nsyh"):
        s.prepay(key["zgyh"], cid, 200_000)
    with pytest.raises(Unauthorized):  # a banker is not the custody desk
        s.prepay(key["teller"], cid, 200_000)
    with refused("the prepayment is the contract's total 2,000.00"):
        s.prepay(key["nsyh"], cid, 100_000)
    c = s.prepay(key["nsyh"], cid, 200_000)
    assert c["status"] == "active" and c["start"] == world.today()
    use = s.check_in(ann, cid, 2)
    assert (use["fen"], use["released"]) == (20_000, 20_000)
    with refused(r"release rule \(消拨同步\): only the consumer"):
        s.check_in(school, cid, 1)
    req = s.request_consumption(school, cid, 1)
    assert s.credit(school.did)["custody"] == 180_000  # nothing moves before she confirms
    with refused("only the consumer"):
        s.confirm(school, cid, req["n"])
    s.confirm(ann, cid, req["n"])
    req = s.request_consumption(school, cid, 5)
    s.confirm(ann, cid, req["n"], accept=False)
    with refused(r"17 units of .* are left to consume"):
        s.check_in(ann, cid, 18)
    doc = s.contract(cid, key=ann.key)  # her own record, read with her DID key
    assert [u["status"] for u in doc["consumptions"]] == ["confirmed", "confirmed", "declined"]
    assert (doc["used"], doc["released"]) == (3, 30_000)
    cr = s.credit(school.did)
    assert (cr["custody"], cr["liabilities"], cr["released"]) == (170_000, 170_000, 30_000)
    assert [x["id"] for x in s.contracts(consumer=ann.did, key=ann.key)] == [cid]
    assert [x["id"] for x in s.contracts(merchant=school.did, key=school.key)] == [cid]


def test_over_withdrawal_reconciliation_alerts_and_the_stop_on_prepayments(world: World) -> None:
    s, key = world.s, world.key
    gym = world.merchant("悦动健身会所", "fitness", "scale", bank="zgyh")
    ann, bo = world.wallet("ann"), world.wallet("bo")
    world.paid(gym, ann, 100, 4_000, bank="zgyh", unit="session", months=12)
    with refused(r"custody rule \(资金存管\): over-withdrawal refused: 悦动健身会所 must keep 20%"):
        s.withdraw(key["zgyh"], gym.did, 320_001)
    s.withdraw(key["zgyh"], gym.did, 320_000)
    r = s.reconcile(key["zgyh"], gym.did, 50_000)  # 300 yuan short of the chain's 80,000
    both = ["bank_mismatch", "bank_shortfall"]  # and below the 20 % of 400,000 fen
    assert r["status"] == "red" and r["reasons"] == both and r["diff"] == -30_000
    (alert,) = [a for a in s.alerts("open") if a["merchant"] == gym.did]
    assert alert["reasons"] == both and alert["cleared"] is None
    cid = s.offer(gym, bo.did, "次卡", "session", 10, 4_000, 12, TERMS)
    s.sign(bo, cid)
    with refused(r"custody rule \(资金存管\): 悦动健身会所 is on alert \(bank_mismatch, bank_sh"):
        s.prepay(key["zgyh"], cid, 40_000)
    assert s.contract(cid, key=key["zgyh"])["status"] == "signed"
    assert s.credit(gym.did)["rating"] == "warning"
    s.acknowledge(key["reg"], alert["id"], "已约谈经营者")
    s.correct_custody(key["zgyh"], gym.did, 50_000, "银行扣划手续费后更正")
    assert s.credit(gym.did)["red"] == ["shortfall", *both]
    s.top_up(key["zgyh"], gym.did, 30_000)
    assert s.reconcile(key["zgyh"], gym.did, 80_000)["status"] == "green"
    assert s.credit(gym.did)["alert"] is None
    assert [a["id"] for a in s.alerts("cleared") if a["merchant"] == gym.did] == [alert["id"]]
    s.prepay(key["zgyh"], cid, 40_000)
    r = s.report_ledger(gym, 1)
    assert r["status"] == "red" and r["reasons"] == ["ledger_mismatch"]
    assert s.report_ledger(gym, s.credit(gym.did)["liabilities"])["status"] == "green"
    recs = s.reconciliations(gym.did)
    assert [x["kind"] for x in recs] == ["merchant", "merchant", "bank", "bank"]
    moves = world.c._get(f"/v1/consumer/merchants/{gym.did}/ledger")["items"]
    assert [x["kind"] for x in moves] == ["top_up", "correct", "withdraw"]
    # two days on, nothing reconciled since: new prepayments wait for the bank
    world.days(2)
    cid2 = s.offer(gym, bo.did, "次卡", "session", 10, 4_000, 12, TERMS)
    s.sign(bo, cid2)
    with refused(r"reconciliation rule \(每日对账\): the custody account of 悦动健身会所"):
        s.prepay(key["zgyh"], cid2, 40_000)
    s.reconcile(key["zgyh"], gym.did, s.credit(gym.did)["custody"])
    assert s.prepay(key["zgyh"], cid2, 40_000)["status"] == "active"


def test_closure_notice_refunds_and_first_pay(world: World) -> None:
    s, key = world.s, world.key
    salon = world.merchant("丽人美容美发店", "beauty", "small")
    ann, bo = world.wallet("ann"), world.wallet("bo")
    mine = world.paid(salon, ann, 200_000, 1, unit="fen", months=12)
    theirs = world.paid(salon, bo, 100_000, 1, unit="fen", months=12)
    s.check_in(ann, mine, 50_000)
    early = calendar.add_days(world.today(), 29)
    with refused(r"closure rule \(停业告知\): a close needs 30 days' notice"):
        s.announce_closure(salon, "close", early, DOC)
    on = calendar.add_days(world.today(), 30)
    s.announce_closure(salon, "close", on, DOC)
    with refused(r"closure rule \(停业告知\): 丽人美容美发店 is closing; no new contracts"):
        s.offer(salon, bo.did, "卡", "fen", 100, 1, 12, TERMS)
    c = s.cancel(ann, mine)
    assert c["cancel"]["amount"] == 150_000
    assert c["cancel"]["due_on"] == calendar.add_days(world.today(), 7)
    refund = s.pay_refund(key["nsyh"], mine)
    assert (refund["paid"], refund["owed"], refund["late"]) == (150_000, 0, False)
    with refused(r"closure rule \(停业告知\): the announced date is"):
        s.close(salon)
    with refused("the regulator cancels for consumers only after"):
        s.cancel(key["reg"], theirs)
    world.days(30)
    with refused("of prepayments are unconsumed"):
        s.close(salon)
    s.cancel(key["reg"], theirs)  # winding up for the consumer
    s.pay_refund(key["nsyh"], theirs)
    assert s.close(salon)["status"] == "closed"
    assert s.credit(salon.did)["status"] == "closed"
    # a refund the custody cannot cover is owed; 先行赔付 from the deposit pays it
    gym = world.merchant("悦动健身会所", "fitness", "scale", bank="zgyh")
    cid = world.paid(gym, ann, 100, 4_000, bank="zgyh", unit="session", months=12)
    s.withdraw(key["zgyh"], gym.did, 320_000)
    s.cancel(ann, cid)
    refund = s.pay_refund(key["zgyh"], cid)
    assert (refund["paid"], refund["owed"]) == (80_000, 320_000)
    assert s.credit(gym.did)["red"] == ["refund_owed"]
    k = s.lodge(ann, cid, "refund", DOC)
    with refused(f"only the consumer of {cid} complains"):
        s.lodge(bo, cid, "refund", DOC)
    s.decide(key["reg"], k["id"], accept=True)
    with refused(r"first-pay rule \(先行赔付\): 悦动健身会所 has not committed to 先行赔付"):
        s.order_first_pay(key["reg"], k["id"], 320_000)
    s.commit(gym, 7, True)
    s.guarantee(key["zgyh"], gym.did, 400_000)
    with refused("the deposit of 悦动健身会所 holds 4,000.00"):
        s.order_first_pay(key["reg"], k["id"], 400_001)
    s.order_first_pay(key["reg"], k["id"], 320_000)
    k = s.pay_first(key["zgyh"], k["id"])
    assert k["first_pay"]["late"] is False
    cr = s.credit(gym.did)
    assert (cr["owed"], cr["deposit"], cr["red"], cr["first_pays"]) == (0, 80_000, [], 1)


def test_complaints_are_decided_in_7_and_mediated_in_45_working_days(world: World) -> None:
    s, key = world.s, world.key
    school = world.merchant("启航艺术培训中心", "training", "training")
    ann = world.wallet("ann")
    cid = world.paid(school, ann, 10, 10_000)
    k = s.lodge(ann, cid, "quality", DOC)
    table = calendar.CN_HOLIDAYS
    assert k["received_on"] == world.today()
    assert k["accept_due"] == calendar.add_working_days(world.today(), 7, table)
    with refused("a refusal names its reason"):
        s.decide(key["reg"], k["id"], accept=False)
    world.days(14)  # past the 7 working days
    k = s.decide(key["reg"], k["id"], accept=True)
    assert k["late_days"] == calendar.working_days_between(k["accept_due"], world.today(), table)
    assert k["late_days"] > 0 and s.credit(school.did)["accepted_late"] == 1
    s.respond(school, k["id"], DOC)
    s.mediate(key["reg"], k["id"], DOC)
    with refused(r"mediation rule \(调解时限\): mediation of .* runs until"):
        s.end_mediation(ann, k["id"])
    world.days(75)  # past the 45 working days
    with refused(r"mediation rule \(调解时限\): no agreement on .* within 45 working days"):
        s.conclude(key["reg"], k["id"], agreed=True, amount=5_000, record=DOC)
    k = s.end_mediation(ann, k["id"])
    assert k["status"] == "terminated"
    assert [x["step"] for x in s.complaint(k["id"], key=key["reg"])["steps"]] == [
        "received", "accepted", "merchant_response", "mediation", "terminated"]  # fmt: skip
    k2 = s.lodge(ann, cid, "price", DOC)
    s.decide(key["reg"], k2["id"], accept=True)
    assert s.conclude(key["reg"], k2["id"], agreed=True, amount=5_000, record=DOC)["status"] == (
        "agreed"
    )
    mine = s.complaints(merchant=school.did, key=school.key)
    assert [x["status"] for x in mine] == ["agreed", "terminated"]
    assert [x["id"] for x in s.complaints(consumer=ann.did, key=ann.key)] == [k2["id"], k["id"]]
    cr = s.credit(school.did)
    assert cr["complaints"]["terminated"] == 1 and cr["complaints"]["agreed"] == 1
    dash = s.dashboard()
    assert dash["complaints"]["terminated"] >= 1 and dash["merchants"] >= 1


def test_the_cli_and_the_console_page(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    s = world.s
    shop = world.merchant("五邑好味餐厅", "catering", "small", bank="zgyh")
    ann = world.wallet("ann")
    cid = world.paid(shop, ann, 30_000, 1, bank="zgyh", unit="fen", months=6)
    k = s.lodge(ann, cid, "price", DOC)
    from wuyi.cli import app as cli_app

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: world.env.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    from wuyi.crypto import save_key

    key_file = world.tmp / "reg.key"
    save_key(key_file, world.key["reg"], PW)
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    signed = ["--read-key", str(key_file), "--purpose", "投诉处理"]
    run = CliRunner()
    for args, expect in (
        (["consumer", "merchants"], "五邑好味餐厅"),
        (["consumer", "merchant", shop.did], "¥300.00"),
        (["consumer", "dashboard"], "merchants"),
        (["consumer", "alerts"], "预警"),
        (["consumer", "complaints", "--status", "received", *signed], k["id"]),
        (["consumer", "complaint", k["id"], *signed], "received"),
        (["consumer", "contract", cid, *signed], "30000 fen"),
        (["consumer", "params"], "card_max_fen"),
    ):
        out = run.invoke(cli_app, args)
        assert out.exit_code == 0 and expect in out.output, (args, out.output)
    out = run.invoke(cli_app, ["consumer", "contract", cid])  # a personal record: unsigned
    assert out.exit_code == 1 and "signed_read_required" in out.output
    index = world.c._get("/console/scenarios/index.json")
    assert "consumer" in [x["name"] for x in index]
    for part in ("page.js", "i18n.js"):
        assert world.c._request("GET", f"/console/scenarios/consumer/{part}").status_code == 200


def test_contracts_and_complaints_are_signed_reads(world: World) -> None:
    """A prepaid contract and a complaint name the consumer, what they bought and what they
    complained of: the parties (their DID keys), 市场监管局's regulator, the merchant's custody
    bank and auditors read them, signed and logged; an unsigned read, another consumer, another
    bank and a member without the role are refused naming the rule. The merchant credit view
    stays public and names no consumer."""
    s, key, c = world.s, world.key, world.c
    shop = world.merchant("江门味道烘焙坊", "catering", "small", bank="nsyh")
    ann, eve = world.wallet("ann"), world.wallet("eve")
    cid = world.paid(shop, ann, 20_000, 1, unit="fen", months=6)
    k = s.lodge(ann, cid, "quality", DOC)
    for path in (
        f"/v1/consumer/contracts/{cid}",
        f"/v1/consumer/complaints/{k['id']}",
        f"/v1/consumer/contracts?consumer={ann.did}",
        f"/v1/consumer/complaints?merchant={shop.did}",
        "/v1/consumer/contracts",
        "/v1/consumer/complaints",
    ):
        with pytest.raises(SignedReadRequired, match="is a personal record: sign the request"):
            c._get(path)
    # the parties, the regulator, the merchant's bank
    assert s.contract(cid, key=ann.key)["consumer"] == ann.did
    assert s.contract(cid, key=shop.key)["id"] == cid
    assert s.complaint(k["id"], key=key["reg"])["consumer"] == ann.did
    assert s.complaint(k["id"], key=key["nsyh"])["id"] == k["id"]
    assert [x["id"] for x in s.contracts(consumer=ann.did, key=ann.key)] == [cid]
    assert [x["id"] for x in s.complaints(merchant=shop.did, key=shop.key)] == [k["id"]]
    assert cid in [x["id"] for x in s.contracts(key=key["reg"])]
    assert cid in [x["id"] for x in s.contracts(status="active", key=key["zgyh"])]
    # everyone else
    for reader in (eve.key, key["zgyh"], key["teller"]):  # another consumer, bank, no role
        with pytest.raises(ReadForbidden, match="may not read this record"):
            s.contract(cid, key=reader)
        with pytest.raises(ReadForbidden, match="may not read this record"):
            s.complaint(k["id"], key=reader)
    with pytest.raises(ReadForbidden):  # another consumer's list, or all of them
        s.contracts(consumer=ann.did, key=eve.key)
    with pytest.raises(ReadForbidden):
        s.complaints(key=eve.key)
    with pytest.raises(ReadForbidden):  # a merchant reads its own, not another's
        s.contracts(merchant=shop.did, key=world.merchant("别家", "retail", "small").key)
    # each read allowed is in the node's access log: who, what, whose, why
    seen = Identity(c).reads(ann.did, key=ann.key, purpose="谁看了我的记录")
    got = {(e["record"], e["basis"]) for e in seen}
    assert {
        (f"consumer/contract/{cid}", "citizen"),
        (f"consumer/complaint/{k['id']}", "org:scjgj"),
        (f"consumer/complaint/{k['id']}", "org:nsyh"),
        (f"consumer/contracts/{ann.did}", "citizen"),
    } <= got
    # the public credit view names no consumer
    assert ann.did not in str(s.credits()) and ann.did not in str(s.credit(shop.did))
