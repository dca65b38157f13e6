"""慈善捐赠 end to end through a node: the contract deployed by governance, every write a
signed transaction through the SDK (民政局's members, a charity signing with its enterprise
DID's wallet, a charity that is a consortium organisation, a recipient's wallet, anyone), every
rule's refusal as the chain records it (and that it changed nothing), and the public reads of
``/v1/charity/...`` — projects, flows without receipt numbers, a donor following their
donation with the key derived from their secret, overdue and idle flags, alerts, the
dashboard — plus the CLI sub-app and the console page.

Block times are real (the node's clock): dates are taken from today in China Standard Time
with a margin of a day where a rule's boundary is crossed, so a run across midnight holds."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner

from wuyi.abc import PrivateKey
from wuyi.exceptions import ContractRevert, WuyiError
from wuyi.node.home import OrgSpec
from wuyi.scenarios import get
from wuyi.scenarios.charity.sdk import Charity, DonorSecret, recipient_commitment, uscc
from wuyi.sdk.client import WuyiClient
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
CST = dt.timezone(dt.timedelta(hours=8))
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("mzj", "江门市民政局"),
    OrgSpec("wyjy", "五邑侨乡教育基金会"),
)
PURPOSES = [
    {"code": "scholarship", "label": "助学金 / scholarships"},
    {"code": "books", "label": "图书 / books"},
]


def day(n: int = 0) -> str:
    """Today in China Standard Time, plus ``n`` days."""
    return (dt.datetime.now(CST).date() + dt.timedelta(days=n)).isoformat()


def plan(h: Any, **kw: Any) -> dict[str, Any]:
    return {
        "title": "侨乡助学",
        "purposes": PURPOSES,
        "regions": ["440703"],
        "channels": ["bank", "box", "online:tencent"],
        "bank_account_hash": h(b"account"),
        "beneficiary": "江门市困难家庭学生",
        "target": 100_000_000,
        "cost_budget": 500_000,
        "surplus_rule": "结余转入同类项目",
    } | kw


@dataclass
class Env:
    node: InProcessNode
    c: WuyiClient
    ch: Charity
    mzj: PrivateKey
    mzj_admin: PrivateKey
    fundraiser: PrivateKey
    charity: Wallet
    recipient: Wallet
    stranger: Wallet
    n: int = 0

    def h(self, b: bytes) -> bytes:
        return self.c.suite.hash(b)

    def project(self, start: int = -100, end: int = 200, **kw: Any) -> str:
        """A plan 民政局 recorded from 慈善中国 (filed 20 days before its start)."""
        self.n += 1
        p = self.ch.record_plan(
            self.mzj,
            "jmcsh",
            f"CSZG-{self.n:04d}",
            day(start - 20),
            **plan(self.h, start=day(start), end=day(end), **kw),
        )
        return str(p["id"])

    def refused(self, fn: Any, match: str, *args: Any, **kw: Any) -> None:
        height = self.c.status().height
        with pytest.raises(ContractRevert, match=match):
            fn(*args, **kw)
        assert self.c.status().height >= height


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("charity")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW, scenarios=[get("charity")]) as n:
        c = n.client
        admins = {o.id: n.admin(o.id) for o in ORGS}
        pkg = {
            "name": "charity",
            "version": "1.0.0",
            "source": get("charity").source(),
            "manifest": {},
        }
        c.govern(
            admins["sjj"],
            [admins["mzj"], admins["wyjy"]],
            "contract.deploy",
            {"package": pkg},
            title="deploy charity",
        )
        keys = {}
        for org, role in (("mzj", "supervisor"), ("wyjy", "fundraiser")):
            keys[org] = c.suite.generate_private_key()
            tx = c.builder(admins[org]).member_add(org, keys[org].public_key, [role], role)
            assert c.submit_and_wait(tx).receipt.status == "ok"
        wallets = {}
        for name in ("charity", "recipient", "stranger"):
            wallets[name] = Wallet.create(tmp / f"{name}.json", "pw", c.suite.name)
            n.register_did(wallets[name].key)
        e = Env(
            n,
            c,
            Charity(c),
            keys["mzj"],
            admins["mzj"],
            keys["wyjy"],
            wallets["charity"],
            wallets["recipient"],
            wallets["stranger"],
        )
        e.ch.register_charity(
            e.mzj,
            "jmcsh",
            "江门市慈善会",
            "association",
            uscc("51440700MJ0000001"),
            "2005-06-01",
            did=e.charity.did,
        )
        e.ch.set_qualification(e.mzj, "jmcsh", "valid", "链外已取得（2017年）", "JMMZ-GM-0001")
        yield e


# -- registration and qualification ---------------------------------------------------------------


def test_registration_and_the_qualification_through_the_node(env: Env) -> None:
    ch, c = env.ch, env.c
    young = day(-200)  # registered 200 days ago: less than a year
    with pytest.raises(ContractRevert, match="not a unified social credit code"):
        ch.register_charity(
            env.mzj,
            "xhsg",
            "新会区阳光社工服务中心",
            "service",
            "52440705MJ00000031",
            young,
            did=env.stranger.did,
        )
    with pytest.raises(WuyiError, match="supervisor"):  # the method's role guard
        ch.register_charity(
            env.fundraiser,
            "xhsg",
            "新会区阳光社工服务中心",
            "service",
            uscc("52440705MJ0000003"),
            young,
            did=env.stranger.did,
        )
    ch.register_charity(
        env.mzj,
        "xhsg",
        "新会区阳光社工服务中心",
        "service",
        uscc("52440705MJ0000003"),
        young,
        did=env.stranger.did,
    )
    app = ch.apply_qualification(env.stranger, "xhsg", env.h(b"application"))
    assert app["status"] == "pending" and app["due"] > day(20)  # 20 working days
    with pytest.raises(ContractRevert, match=r"charity.public_fundraising_qualification: 'xhsg'"):
        ch.decide_qualification(env.mzj, "xhsg", grant=True, cert_no="JMMZ-GM-0009")
    assert ch.charity("xhsg")["qualification"] is None
    with pytest.raises(ContractRevert, match=r"charity.public_fundraising_qualification"):
        ch.file_plan(env.stranger, "xhsg", **plan(env.h, start=day(11), end=day(60)))
    # the charity that is a consortium organisation: its fundraiser acts, nobody else
    ch.register_charity(
        env.mzj,
        "wyjy",
        "五邑侨乡教育基金会",
        "foundation",
        uscc("53440700MJ0000002"),
        "2015-01-01",
        org="wyjy",
    )
    ch.set_qualification(env.mzj, "wyjy", "valid", "链外已取得", "JMMZ-GM-0002")
    with pytest.raises(ContractRevert, match="charity rule: only 五邑侨乡教育基金会"):
        ch.file_plan(env.charity, "wyjy", **plan(env.h, start=day(11), end=day(60)))
    p = ch.file_plan(env.fundraiser, "wyjy", **plan(env.h, start=day(11), end=day(60)))
    assert p["filing"]["source"] == "chain" and p["filed_on"] in (day(0), day(1))
    listed = {x["id"]: x for x in ch.charities()}
    assert listed["xhsg"]["application"]["status"] == "pending"
    assert listed["wyjy"]["qualification"]["status"] == "valid"
    assert [x["id"] for x in ch.projects(charity="wyjy")] == [p["id"]]
    assert c.status().height > 0


def test_a_plan_is_filed_ten_days_ahead_and_donations_wait_for_its_start(env: Env) -> None:
    ch = env.ch
    env.refused(
        ch.file_plan,
        "charity.plan_filing_lead_days",
        env.charity,
        "jmcsh",
        **plan(env.h, start=day(9), end=day(60)),
    )
    env.refused(
        ch.file_plan,
        "charity.channel: 'online:douyin'",
        env.charity,
        "jmcsh",
        **plan(env.h, start=day(11), end=day(60), channels=["online:douyin"]),
    )
    p = ch.file_plan(env.charity, "jmcsh", **plan(env.h, start=day(11), end=day(60)))
    assert ch.project(p["id"])["status"] == "filed"
    env.refused(
        ch.donate, "charity.window", env.charity, p["id"], 100, "bank", day(0), anonymous=True
    )
    assert ch.project(p["id"])["totals"]["donations"] == 0
    assert [x["id"] for x in ch.projects(status="filed") if x["charity"] == "jmcsh"] == [p["id"]]


# -- donations, receipts, first in first out, follow ----------------------------------------------


def test_receipts_fifo_purposes_consent_and_following(env: Env) -> None:
    ch, h = env.ch, env.h
    pid = env.project()
    s1, s2 = DonorSecret.new(), DonorSecret.new()
    d1 = ch.donate(
        env.charity,
        pid,
        50_000,
        "bank",
        day(-3),
        receipt_no="JMCS-2026-000101",
        receipt_doc=h(b"r1"),
        secret=s1,
        who="张三丰|440703199001011234",
    )
    env.refused(
        ch.donate,
        "receipt number JMCS-2026-000101 of 'jmcsh' is used already",
        env.charity,
        pid,
        1,
        "bank",
        day(-1),
        receipt_no="JMCS-2026-000101",
        receipt_doc=h(b"r9"),
    )
    env.refused(
        ch.donate, "charity.channel: 'event'", env.charity, pid, 1, "event", day(-1), anonymous=True
    )
    env.refused(
        ch.donate, "charity.record_lag_days", env.charity, pid, 1, "bank", day(-32), anonymous=True
    )
    env.refused(
        ch.donate,
        "charity rule: only 江门市慈善会",
        env.stranger,
        pid,
        1,
        "bank",
        day(-1),
        anonymous=True,
    )
    d2 = ch.donate(
        env.charity, pid, 30_000, "box", day(-2), anonymous=True, secret=s2, restricted="books"
    )
    ch.donate(env.charity, pid, 20_000, "online:tencent", day(-1), declined=True)
    t = ch.project(pid)["totals"]
    assert (t["issued"], t["anonymous"], t["declined"], t["donations"]) == (1, 1, 1, 3)
    assert t["in"] == 100_000
    env.refused(ch.disburse, "charity.money_out", env.charity, pid, 70_001, "scholarship", h(b"v"))
    env.refused(ch.disburse, "charity.purpose: 'meals'", env.charity, pid, 100, "meals", h(b"v"))
    x = ch.disburse(env.charity, pid, 60_000, "scholarship", h(b"v1"))
    assert [(a["donation"], a["fen"]) for a in x["allocations"]] == [
        (d1["id"], 50_000),
        (f"{pid}-D00000003", 10_000),  # D2 is restricted to books: skipped
    ]
    # a restricted gift goes to scholarships only with its donor's consent (their key)
    env.refused(
        ch.donor_consent,
        "does not open the lock",
        env.charity,
        d2["id"],
        "scholarship",
        DonorSecret.new(),
    )
    assert ch.donor_consent(env.charity, d2["id"], "scholarship", s2)["restricted"] == "scholarship"
    x2 = ch.disburse(env.charity, pid, 40_000, "scholarship", h(b"v2"))
    assert [a["fen"] for a in x2["allocations"]] == [30_000, 10_000]
    # a new purpose: filed first, in force from the next block
    new = [*PURPOSES, {"code": "meals", "label": "午餐 / meals"}]
    ch.change_purposes(env.charity, pid, new, "新增午餐补助", h(b"filing"))
    ch.donate(env.charity, pid, 1_000, "bank", day(0), anonymous=True)  # a later block
    assert ch.disburse(env.charity, pid, 500, "meals", h(b"v3"))["purpose"] == "meals"
    assert ch.project(pid)["purposes_now"] == ["scholarship", "books", "meals"]
    # the public flows: every allocation, no receipt number
    f = ch.flows(pid)
    kinds = [d["receipt"]["kind"] for d in f["donations"]]
    assert kinds == ["issued", "anonymous", "declined", "anonymous"]
    assert all("no" not in d["receipt"] for d in f["donations"])
    assert sum(a["fen"] for x in f["disbursements"] for a in x["allocations"]) == 100_500
    # the donor follows their donation: receipt number + the key derived from the secret
    got = ch.follow("jmcsh", "JMCS-2026-000101", s1)
    assert got["donation"]["id"] == d1["id"] and got["donation"]["remaining"] == 0
    assert [(w["to"]["id"], w["allocation"]["fen"]) for w in got["went"]] == [(x["id"], 50_000)]
    assert got["donation"]["donor"] == s1.commitment(h, "张三丰|440703199001011234").hex()
    with pytest.raises(WuyiError, match="this key does not open receipt JMCS-2026-000101"):
        ch.follow("jmcsh", "JMCS-2026-000101", s2)


def test_disclosure_overdue_flags_and_idle_money_alerts(env: Env) -> None:
    ch = env.ch
    # a long campaign started 100 days ago: its first quarterly disclosure is overdue
    pid = env.project(start=-100, end=200)
    p = ch.project(pid)
    first = p["disclosure"][0]
    assert first["kind"] == "periodic" and first["overdue"] and p["overdue"]
    env.refused(
        ch.disclose,
        "charity.disclosure: the fundraising of",
        env.charity,
        pid,
        "final",
        env.h(b"f"),
    )
    raised = ch.flag(env.stranger, pid)  # anyone may raise it; the contract decides
    assert [(f["kind"], f["what"]) for f in raised] == [("overdue", "periodic-1")]
    assert ch.flag(env.stranger, pid) == []
    got = ch.disclose(env.charity, pid, "periodic", env.h(b"q1"))
    assert got["late_days"] >= 8
    assert not ch.project(pid)["overdue"]
    # an urgent project: money received 20 days ago and not spent
    urgent = env.project(start=-30, end=30, urgent=True, title="台风应急救灾")
    ch.donate(env.charity, urgent, 80_000, "bank", day(-20), anonymous=True)
    idle = ch.project(urgent)["idle"]
    assert idle is not None and idle["days"] >= 20 and idle["limit"] == 15
    (f,) = ch.flag(env.stranger, urgent)
    assert f["kind"] == "idle"
    kinds = [(a["kind"], a["project"]) for a in ch.alerts()]
    assert ("idle_money", urgent) in kinds and ("disclosure_overdue", pid) in kinds
    assert ch.dashboard()["idle"] >= 1
    listed = {x["id"]: x for x in ch.projects(charity="jmcsh")}
    assert listed[urgent]["idle"] is not None and listed[pid]["flags"] == 1


def test_goods_to_the_recipients_own_confirmation(env: Env) -> None:
    ch, h = env.ch, env.h
    pid = env.project(start=-10, end=30)
    b = ch.donate_goods(
        env.charity, pid, "书包", "个", 200, 1_000_000, "bank", day(-1), declined=True
    )
    env.refused(ch.warehouse_in, "charity.goods_conservation", env.charity, b["id"], "WH-PJ", 201)
    ch.warehouse_in(env.charity, b["id"], "WH-PJ", 200)
    code = bytes(range(32))
    mine = recipient_commitment(h, env.recipient.did, code)
    env.refused(
        ch.distribute,
        "charity.goods_conservation",
        env.charity,
        b["id"],
        "WH-PJ",
        201,
        "books",
        mine,
    )
    s = ch.distribute(env.charity, b["id"], "WH-PJ", 50, "books", mine)
    env.refused(ch.confirm_receipt, "do not open the recipient", env.stranger, s["id"], code)
    done = ch.confirm_receipt(env.recipient, s["id"], code)
    assert done["confirmed"] is not None
    batch = next(d for d in ch.flows(pid)["donations"] if d["id"] == b["id"])
    assert (batch["quantity"], batch["stock"], batch["distributed"], batch["confirmed"]) == (
        200,
        {"WH-PJ": 150},
        50,
        50,
    )


def test_the_year_end_check_alerts_the_bureau(env: Env) -> None:
    ch, h = env.ch, env.h
    year = int(day(0)[:4]) - 1
    rec = ch.annual_report(
        env.charity,
        "jmcsh",
        year,
        income_prev=100_000_000,
        income_avg3=0,
        net_assets_prev=500_000_000,
        charitable_spending=50_000_000,
        management_cost=30_000_000,
        total_spending=90_000_000,
        doc=h(b"audit"),
    )
    assert not rec["ok"] and len(rec["breaches"]) == 2
    assert any(a["kind"] == "ratio_breach" for a in ch.alerts())
    env.refused(
        ch.annual_report,
        f"{year} is filed already",
        env.charity,
        "jmcsh",
        year,
        income_prev=1,
        income_avg3=0,
        net_assets_prev=1,
        charitable_spending=1,
        management_cost=0,
        total_spending=1,
        doc=h(b"x"),
    )
    assert ch.charity("jmcsh")["annual"][0]["year"] == year


def test_parameters_reads_cli_and_console(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    ch, c = env.ch, env.c
    with pytest.raises(ContractRevert, match="only admins of mzj"):
        ch.set_param(env.node.admin("wyjy"), "idle_alert_days", 10, "x")
    rec = ch.set_param(env.mzj_admin, "idle_alert_days", 10, "应急项目从严")
    assert rec["previous"] == 15
    names = {p["name"] for p in ch.params()}
    assert {"plan_filing_lead_days", "min_registered_years", "holidays"} <= names
    assert ch.param_history("idle_alert_days")[-1]["reason"] == "应急项目从严"
    pid = env.project(start=-5, end=30, title="CLI 测试")
    d = ch.dashboard()
    assert d["charities"] >= 1 and d["projects"]["open"] >= 1
    with pytest.raises(WuyiError, match="no charity project 'P999999'"):
        ch.project("P999999")
    from wuyi.cli import app as cli_app

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: env.node.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    out = CliRunner().invoke(cli_app, ["charity", "projects", "--charity", "jmcsh"])
    assert out.exit_code == 0 and pid in out.output, out.output
    out = CliRunner().invoke(cli_app, ["charity", "project", pid])
    assert out.exit_code == 0 and "CLI 测试" in out.output, out.output
    s = DonorSecret.new()
    d = ch.donate(
        env.charity,
        pid,
        12_345,
        "bank",
        day(0),
        receipt_no="JMCS-CLI-0001",
        receipt_doc=env.h(b"r"),
        secret=s,
    )
    x = ch.disburse(env.charity, pid, 12_345, "books", env.h(b"v"))
    args = ["charity", "follow", "jmcsh", "JMCS-CLI-0001", "--secret", s.hex()]
    out = CliRunner().invoke(cli_app, args)
    assert out.exit_code == 0 and d["id"] in out.output and x["id"] in out.output, out.output
    out = CliRunner().invoke(cli_app, [*args[:4], "--secret", DonorSecret.new().hex()])
    assert out.exit_code != 0 and "does not open receipt" in out.output, out.output
    for cmd in (["charities"], ["flows", pid], ["alerts"], ["dashboard"]):
        out = CliRunner().invoke(cli_app, ["charity", *cmd])
        assert out.exit_code == 0, (cmd, out.output)
    assert x["id"] in CliRunner().invoke(cli_app, ["charity", "flows", pid]).output
    index = c._get("/console/scenarios/index.json")
    assert "charity" in [x["name"] for x in index]
    assert c._request("GET", "/console/scenarios/charity/page.js").status_code == 200


def test_follow_refuses_a_malformed_key_before_the_chain(env: Env) -> None:
    with pytest.raises(WuyiError, match="key"):
        env.c._request(
            "POST",
            "/v1/charity/follow",
            json={"charity": "jmcsh", "receipt_no": "JMCS-1", "key": "zz"},
            idempotent=True,
        )
