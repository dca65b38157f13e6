"""慈善捐赠's demo step (run by ``wuyi.demo_scenarios``): flows done and waiting at each step.

* 江门市慈善会 (``jmcsh``, held its qualification before the chain, recorded by 民政局):
  "侨乡助学 2026", a long campaign filed at 慈善中国 100 days ago — donations with an issued
  receipt, anonymous and declined, one restricted to books; disbursements first in, first out;
  its first quarterly disclosure is overdue and flagged (waiting for the charity). "台风应急救灾",
  an urgent project — money idle for 20 days, flagged to 民政局 (waiting for a disbursement);
  a goods batch of rice stored and partly distributed: one recipient confirmed, one not yet
  (waiting for the recipient's confirmation).
* 五邑侨乡教育基金会 (``wyjy``, applied for the qualification on chain, granted): "关爱留守儿童",
  donations spent, fundraising closed early, final disclosure published, the recipient of
  the money confirmed — a project done; "五邑图书角", filed on chain today, starting in 12 days
  (donations refused until then); last year's figures with a management-cost breach (alert).
* 新会区阳光社工服务中心 (``xhsg``, registered 200 days ago): its application for the
  qualification waits for 民政局 (a grant would be refused: registered less than a year).

Donors have no wallet and no DID: each donation's secret is on the donor's copy in the docs
folder (``charity-donor-<receipt>.txt``: receipt number and secret), never on chain. Dates are
days before or after the day of loading (China Standard Time)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios_data import DemoCitizen
from wuyi.scenarios.charity.sdk import DonorSecret, recipient_commitment, uscc

if TYPE_CHECKING:
    from collections.abc import Generator

    from wuyi.abc import PrivateKey
    from wuyi.api.models import ReceiptOut
    from wuyi.demo_scenarios import DemoLoader, Flow
    from wuyi.ledger.types import Transaction

    Step = Generator[list[Transaction], list[ReceiptOut], dict[str, Any]]

__all__ = ["CITIZENS", "DONORS", "MEMBERS", "PERSONAL", "RULE_CLAIMS", "flows"]

MEMBERS = (("mzj", "supervisor"),)
RULE_CLAIMS: frozenset[str] = frozenset()
CST = dt.timezone(dt.timedelta(hours=8))
C = "charity"

# the charities' wallets (their enterprise DIDs) and the recipients' (citizens' DIDs)
CITIZENS = (
    DemoCitizen(
        "cs-jmcsh", "江门市慈善会的机构钱包 / the wallet of a charity (江门市慈善会)", person=False
    ),
    DemoCitizen(
        "cs-wyjy", "五邑侨乡教育基金会的机构钱包 / the wallet of a foundation", person=False
    ),
    DemoCitizen(
        "cs-xhsg", "新会区阳光社工服务中心的机构钱包 / a social-work centre's wallet", person=False
    ),
    DemoCitizen("cs-recipient-1", "受助人，已签收 / a recipient who confirmed"),
    DemoCitizen("cs-recipient-2", "受助人，待签收 / a recipient yet to confirm"),
)

# id, name, kind, credit-code body, registered (days before today or a date), wallet
CHARITIES = (
    ("jmcsh", "江门市慈善会", "association", "51440700MJL000101", "2005-06-01", "cs-jmcsh"),
    ("wyjy", "五邑侨乡教育基金会", "foundation", "53440700MJL000202", "2014-09-15", "cs-wyjy"),
    ("xhsg", "新会区阳光社工服务中心", "service", "52440705MJL000303", -200, "cs-xhsg"),
)

# the donors: what names them on their receipts (only on their copy and the charity's
# e-receipt, off chain); a personal value of the demo that must never be on chain
DONORS = {
    "JMCS-2026-000101": "陈美玲|440703198805123322|13902231818",
    "JMCS-2026-000102": "黄志强|440705197911024516|13631888206",
    "JMCS-2026-000103": "梁秀英|440781196503307623|13822350977",
    "JMCS-2026-000201": "江门市蓬江区某五金制品有限公司|91440703MA4W3X2K8N",
    "WYJY-2026-000011": "李家豪|440783199208150037|13590055312",
}
#: every personal value of the demo (the PII scan looks for each on the chain)
PERSONAL = tuple(sorted({p for who in DONORS.values() for p in who.split("|")}))

SCHOLARSHIP = [
    {"code": "scholarship", "label": "助学金 / scholarships"},
    {"code": "books", "label": "图书与文具 / books and stationery"},
    {"code": "meals", "label": "午餐补助 / school meals"},
]
RELIEF = [
    {"code": "relief-food", "label": "食品救助 / food"},
    {"code": "relief-shelter", "label": "临时安置 / shelter"},
]


def day(n: int) -> str:
    return (dt.datetime.now(CST).date() + dt.timedelta(days=n)).isoformat()


class Secrets:
    """The donors' secrets and the recipients' codes of the demo: random, made once, kept in
    the docs folder (each donor's copy ``charity-donor-<receipt>.txt``; the recipients' codes
    in ``charity-codes.json``) so that loading again finds the same."""

    def __init__(self, loader: DemoLoader) -> None:
        self.dir = loader.docs_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.codes_file = self.dir / "charity-codes.json"
        self.codes: dict[str, str] = (
            json.loads(self.codes_file.read_text()) if self.codes_file.exists() else {}
        )

    def donor(self, charity: str, receipt: str) -> DonorSecret:
        path = self.dir / f"charity-donor-{receipt}.txt"
        if path.exists():
            line = path.read_text(encoding="utf-8").splitlines()[-1]
            return DonorSecret.from_hex(line.split(": ")[-1])
        s = DonorSecret.new()
        path.write_text(
            "捐赠人留存联（演示）/ the donor's copy (demo)\n"
            f"慈善组织 / charity: {charity}\n捐赠票据号码 / receipt: {receipt}\n"
            f"追踪密钥（只有您持有）/ your secret: {s.hex()}\n",
            encoding="utf-8",
        )
        return s

    def receipt_doc(self, loader: DemoLoader, charity: str, receipt: str, fen: int) -> bytes:
        """The e-receipt (it names the donor; it carries a random check code): the chain gets
        its hash only."""
        path = self.dir / f"charity-receipt-{receipt}.txt"
        if not path.exists():
            who = DONORS[receipt].split("|")[0]
            path.write_text(
                "公益事业捐赠电子票据（演示）/ donation e-receipt (demo)\n"
                f"票据号码: {receipt}\n捐赠人: {who}\n金额: {fen // 100:,}.{fen % 100:02d} 元\n"
                f"收款单位: {charity}\n校验码: {secrets.token_hex(8)}\n",
                encoding="utf-8",
            )
        return loader.suite.hash(path.read_bytes())

    def code(self, name: str) -> bytes:
        if name not in self.codes:
            self.codes[name] = secrets.token_hex(32)
            self.codes_file.write_text(json.dumps(self.codes, indent=1))
        return bytes.fromhex(self.codes[name])


def plan(
    loader: DemoLoader, title: str, purposes: list[dict[str, str]], start: int, end: int, **kw: Any
) -> dict[str, Any]:
    h = loader.suite.hash
    return {
        "title": title,
        "purposes": purposes,
        "start": day(start),
        "end": day(end),
        "regions": ["440703", "440704", "440705", "440781"],
        "channels": ["bank", "box", "online:tencent", "online:alipay"],
        "bank_account_hash": h(f"慈善募捐专户 {title}".encode()),
        "beneficiary": kw.pop("beneficiary", "江门市困难家庭学生"),
        "target": kw.pop("target", 50_000_000),
        "cost_budget": kw.pop("cost_budget", 300_000),
        "surplus_rule": "结余转入本会同类慈善项目并公开 / the rest goes to a like project",
        **kw,
    }


def project_of(loader: DemoLoader, charity: str, title: str) -> dict[str, Any] | None:
    for p in loader.client.scenario(C).projects(charity=charity):
        if p["title"] == title:
            out: dict[str, Any] = loader.query(C, "project", project_id=p["id"])
            return out
    return None


def charities(loader: DemoLoader) -> Flow:
    """民政局 records the three charities; 慈善会's qualification held before the chain, the
    foundation's applied for on chain and granted, the centre's pending."""
    mzj = loader.member("mzj", "supervisor")
    txs = []
    for cid, name, kind, body, registered, wallet in CHARITIES:
        if loader.query(C, "charity", charity_id=cid) is None:
            on = day(registered) if isinstance(registered, int) else registered
            txs.append(
                loader.call(
                    mzj,
                    C,
                    "register_charity",
                    charity_id=cid,
                    name=name,
                    kind=kind,
                    uscc=uscc(body),
                    registered_on=on,
                    did=loader.did(wallet),
                )
            )
    if txs:
        yield txs
    h = loader.suite.hash
    jm = loader.query(C, "charity", charity_id="jmcsh")
    steps = []
    if jm["qualification"] is None:
        steps.append(
            loader.call(
                mzj,
                C,
                "set_qualification",
                charity_id="jmcsh",
                status="valid",
                reason="2017年取得公开募捐资格（链外）/ held since 2017",
                cert_no="JMMZ-GM-2017-003",
            )
        )
    for cid in ("wyjy", "xhsg"):
        if loader.query(C, "charity", charity_id=cid)["application"] is None:
            w = loader.wallets[f"cs-{cid}"]
            steps.append(
                loader.call(
                    w.key,
                    C,
                    "apply_qualification",
                    charity_id=cid,
                    doc=h(f"{cid} 公开募捐资格申请书".encode()),
                )
            )
    if steps:
        yield steps
    if loader.query(C, "charity", charity_id="wyjy")["qualification"] is None:
        yield [
            loader.call(
                mzj,
                C,
                "decide_qualification",
                charity_id="wyjy",
                grant=True,
                cert_no="JMMZ-GM-2026-011",
            )
        ]
    out = loader.section(C)
    out["charities"] = {
        cid: {"did": loader.did(w), "wallet": str(loader.wallets[w].path)}
        for cid, *_, w in CHARITIES
    }
    out["pending"] = "xhsg"


def recorded(loader: DemoLoader, cid: str, no: str, filed: int, spec: dict[str, Any]) -> Step:
    """民政局 records a plan filed at 慈善中国 ``filed`` days before today (once)."""
    p = project_of(loader, cid, spec["title"])
    if p is None:
        while not (loader.query(C, "charity", charity_id=cid) or {}).get("qualification"):
            yield []
        mzj = loader.member("mzj", "supervisor")
        yield [
            loader.call(
                mzj, C, "record_plan", charity_id=cid, filing_no=no, filed_on=day(filed), **spec
            )
        ]
        p = project_of(loader, cid, spec["title"])
    assert p is not None
    return p


def gifts(
    loader: DemoLoader, s: Secrets, cid: str, pid: str, wallet: str, items: list[dict[str, Any]]
) -> Flow:
    """Record the money donations ``items`` (once): ``{fen, on, receipt?|kind, channel,
    restricted?}``."""
    if loader.query(C, "project", project_id=pid)["totals"]["donations"]:
        return
    key = loader.wallets[wallet].key
    txs = []
    for g in items:
        args: dict[str, Any] = {
            "project_id": pid,
            "amount": g["fen"],
            "channel": g["channel"],
            "received_on": day(g["on"]),
            "restricted": g.get("restricted"),
        }
        if "receipt" in g:
            no = g["receipt"]
            secret = s.donor(cid, no)
            args |= {
                "receipt_kind": "issued",
                "receipt_no": no,
                "receipt_doc": s.receipt_doc(loader, cid, no, g["fen"]),
                **secret.fields(loader.suite.hash, DONORS[no]),
            }
        else:
            args["receipt_kind"] = g["kind"]
        txs.append(loader.call(key, C, "donate", **args))
    yield txs


def funded(
    loader: DemoLoader,
    s: Secrets,
    cid: str,
    no: str,
    filed: int,
    spec: dict[str, Any],
    items: list[dict[str, Any]],
) -> Generator[list[Transaction], list[ReceiptOut], str]:
    """Charity ``cid``'s plan recorded by 民政局 (:func:`recorded`) and its money donations
    ``items`` recorded by its wallet ``cs-<cid>`` (:func:`gifts`); returns the project's id."""
    p = yield from recorded(loader, cid, no, filed, spec)
    pid = str(p["id"])
    yield from gifts(loader, s, cid, pid, f"cs-{cid}", items)
    return pid


def disbursement(
    loader: DemoLoader,
    key: PrivateKey,
    pid: str,
    amount: int,
    purpose: str,
    evidence: str,
    **more: Any,
) -> Transaction:
    """Money out of project ``pid`` (signed by its charity's ``key``), with the hash of the
    document ``evidence`` names; ``more``: e.g. the ``recipient``'s commitment."""
    return loader.call(
        key, C, "disburse", project_id=pid, amount=amount, purpose=purpose,
        evidence=loader.suite.hash(evidence.encode()), **more,
    )  # fmt: skip


def scholarship(loader: DemoLoader, s: Secrets) -> Flow:
    """侨乡助学 2026: donations, FIFO disbursements, its first quarterly disclosure overdue."""
    spec = plan(loader, "侨乡助学 2026", SCHOLARSHIP, -100, 265, target=200_000_000)
    pid = yield from funded(
        loader,
        s,
        "jmcsh",
        "CSZG-JM-2026-0031",
        -120,
        spec,
        [
            {"fen": 5_000_000, "on": -25, "receipt": "JMCS-2026-000101", "channel": "bank"},
            {"fen": 80_000, "on": -20, "kind": "anonymous", "channel": "box"},
            {"fen": 2_000_000, "on": -10, "kind": "declined", "channel": "online:tencent"},
            {
                "fen": 3_000_000,
                "on": -8,
                "receipt": "JMCS-2026-000102",
                "channel": "bank",
                "restricted": "books",
            },
            {"fen": 1_000_000, "on": -2, "receipt": "JMCS-2026-000103", "channel": "online:alipay"},
        ],
    )
    key = loader.wallets["cs-jmcsh"].key
    if loader.query(C, "project", project_id=pid)["totals"]["disbursements"] == 0:
        yield [disbursement(loader, key, pid, 4_500_000, "scholarship", "助学金发放凭证 第1批")]
        yield [disbursement(loader, key, pid, 3_500_000, "books", "图书采购付款凭证")]
    if not loader.query(C, "project", project_id=pid)["flags"]:
        yield [loader.call(loader.member("mzj", "supervisor"), C, "flag", project_id=pid)]
    follow = {
        "charity": "jmcsh",
        "receipt": "JMCS-2026-000101",
        "secret": s.donor("jmcsh", "JMCS-2026-000101").hex(),
        "file": str(s.dir / "charity-donor-JMCS-2026-000101.txt"),
    }
    loader.section(C).update(scholarship=pid, follow=follow)


def relief(loader: DemoLoader, s: Secrets) -> Flow:
    """台风应急救灾 (urgent): money idle for 20 days (flagged), rice stored and distributed."""
    spec = plan(
        loader,
        "台风应急救灾",
        RELIEF,
        -35,
        25,
        urgent=True,
        beneficiary="台风受灾群众（江海区、台山市）",
        target=100_000_000,
    )
    pid = yield from funded(
        loader,
        s,
        "jmcsh",
        "CSZG-JM-2026-0040",
        -45,
        spec,
        [
            {"fen": 8_000_000, "on": -20, "receipt": "JMCS-2026-000201", "channel": "bank"},
            {"fen": 500_000, "on": -18, "kind": "anonymous", "channel": "online:alipay"},
        ],
    )
    key = loader.wallets["cs-jmcsh"].key
    t = loader.query(C, "project", project_id=pid)["totals"]
    if t["goods"] == 0:
        yield [
            loader.call(
                key,
                C,
                "donate_goods",
                project_id=pid,
                item="大米（10千克装）",
                unit="袋",
                quantity=500,
                value=2_500_000,
                channel="bank",
                received_on=day(-15),
                receipt_kind="declined",
            )
        ]
    batch = f"{pid}-D00000003"
    b = loader.query(C, "donation", donation_id=batch)
    if b["pending"]:
        yield [
            loader.call(
                key, C, "warehouse_in", batch_id=batch, warehouse="JH-WH-01", quantity=b["pending"]
            )
        ]
    h = loader.suite.hash
    if b["distributed"] == 0:
        yield [
            loader.call(
                key,
                C,
                "distribute",
                batch_id=batch,
                warehouse="JH-WH-01",
                quantity=q,
                purpose="relief-food",
                recipient=recipient_commitment(h, loader.did(who), s.code(who)),
            )
            for who, q in (("cs-recipient-1", 120), ("cs-recipient-2", 80))
        ]
    first = f"{pid}-S00000001"
    if loader.query(C, "project", project_id=pid)["totals"]["distributions"] and not b["confirmed"]:
        w = loader.wallets["cs-recipient-1"]
        yield [
            loader.call(w.key, C, "confirm_receipt", item_id=first, code=s.code("cs-recipient-1"))
        ]
    if not loader.query(C, "project", project_id=pid)["flags"]:
        yield [loader.call(loader.member("mzj", "supervisor"), C, "flag", project_id=pid)]
    loader.section(C).update(
        relief=pid,
        batch=batch,
        waiting={
            "distribution": f"{pid}-S00000002",
            "code": s.code("cs-recipient-2").hex(),
            "wallet": str(loader.wallets["cs-recipient-2"].path),
        },
        confirmed={"distribution": first, "wallet": str(loader.wallets["cs-recipient-1"].path)},
    )


def children(loader: DemoLoader, s: Secrets) -> Flow:
    """关爱留守儿童: donations spent, the recipient confirmed, closed early, final disclosure."""
    spec = plan(
        loader,
        "关爱留守儿童",
        SCHOLARSHIP[:1],
        -60,
        30,
        target=1_500_000,
        beneficiary="恩平市、开平市农村留守儿童",
    )
    while loader.query(C, "charity", charity_id="wyjy") is None:
        yield []
    pid = yield from funded(
        loader,
        s,
        "wyjy",
        "CSZG-WY-2026-0007",
        -75,
        spec,
        [
            {"fen": 1_200_000, "on": -28, "receipt": "WYJY-2026-000011", "channel": "bank"},
            {"fen": 300_000, "on": -12, "kind": "declined", "channel": "box"},
        ],
    )
    key = loader.wallets["cs-wyjy"].key
    h = loader.suite.hash
    p = loader.query(C, "project", project_id=pid)
    if p["totals"]["disbursements"] == 0:
        who = "cs-recipient-1"
        rec = recipient_commitment(h, loader.did(who), s.code(f"{who}-money"))
        evidence = "助学金发放表（留守儿童）"
        yield [disbursement(loader, key, pid, 1_500_000, "scholarship", evidence, recipient=rec)]
    x = f"{pid}-X00000001"
    if loader.query(C, "project", project_id=pid)["closed_on"] is None:
        w = loader.wallets["cs-recipient-1"]
        yield [
            loader.call(
                key,
                C,
                "close_fundraising",
                project_id=pid,
                reason="募捐目标已达成 / target reached",
            ),
            loader.call(
                w.key, C, "confirm_receipt", item_id=x, code=s.code("cs-recipient-1-money")
            ),
        ]
    if not loader.query(C, "project", project_id=pid)["disclosures"]:
        yield [
            loader.call(
                key,
                C,
                "disclose",
                project_id=pid,
                kind="final",
                doc=h("关爱留守儿童项目 募捐与使用情况全面公开".encode()),
            )
        ]
    loader.section(C)["done"] = pid


def library(loader: DemoLoader) -> Flow:
    """五邑图书角: filed on chain today, starting in 12 days."""
    while not (loader.query(C, "charity", charity_id="wyjy") or {}).get("qualification"):
        yield []
    title = "五邑图书角"
    if project_of(loader, "wyjy", title) is None:
        key = loader.wallets["cs-wyjy"].key
        spec = plan(
            loader, title, SCHOLARSHIP[1:2], 12, 100, target=3_000_000, beneficiary="乡村小学图书角"
        )
        yield [loader.call(key, C, "file_plan", charity_id="wyjy", **spec)]
    p = project_of(loader, "wyjy", title)
    assert p is not None
    loader.section(C)["filed"] = p["id"]


def annual(loader: DemoLoader) -> Flow:
    """Last year's figures: 慈善会's within the ratios, the foundation's management cost above
    10 % (an alert to 民政局)."""
    year = int(day(0)[:4]) - 1
    h = loader.suite.hash
    while not (loader.query(C, "charity", charity_id="wyjy") or {}).get("qualification"):
        yield []
    txs = []
    for cid, figures in (
        ("jmcsh", (900_000_000, 0, 1_200_000_000, 700_000_000, 60_000_000, 800_000_000)),
        ("wyjy", (150_000_000, 140_000_000, 400_000_000, 110_000_000, 25_000_000, 140_000_000)),
    ):
        if loader.client.scenario(C).charity(cid)["annual"]:
            continue
        names = (
            "income_prev",
            "income_avg3",
            "net_assets_prev",
            "charitable_spending",
            "management_cost",
            "total_spending",
        )
        txs.append(
            loader.call(
                loader.wallets[f"cs-{cid}"].key,
                C,
                "annual_report",
                charity_id=cid,
                year=year,
                doc=h(f"{cid} {year} 年度审计报告".encode()),
                **dict(zip(names, figures, strict=True)),
            )
        )
    if txs:
        yield txs


def flows(loader: DemoLoader) -> list[Flow]:
    s = Secrets(loader)

    def after_charities(f: Any) -> Flow:
        while (
            loader.query(C, "charity", charity_id="jmcsh") is None
            or not loader.query(C, "charity", charity_id="jmcsh")["qualification"]
        ):
            yield []
        yield from f

    return [
        charities(loader),
        after_charities(scholarship(loader, s)),
        after_charities(relief(loader, s)),
        children(loader, s),
        library(loader),
        annual(loader),
    ]


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    c = made.get(C)
    if not c:
        return []
    f = c["follow"]
    jm = c["charities"]["jmcsh"]["wallet"]
    wait = c["waiting"]
    return [
        f"  {url}/console/#/charity   # 慈善捐赠公示 / the public page: projects, money in and out",
        f"  {url}/console/#/charity-bureau  民政局 / civil affairs ({keys}/mzj-supervisor.key)",
        f"  {url}/console/#/charity-org  慈善组织 / a charity: wallet {jm}",
        f"  捐赠追踪 / follow a donation: #/charity-follow  {f['charity']} {f['receipt']},"
        f" secret in {f['file']}",
        f"  受助人签收 / a recipient: #/citizen  wallet {wait['wallet']}"
        f" ({wait['distribution']}, code {wait['code']})",
    ]


def screenshots(shots: Any) -> None:
    """The public page, a project's flow of money and a donor following their donation
    (``wuyi.console.screenshots``)."""
    page, c = shots.page, shots.made[C]
    shots.goto("#/charity")
    page.wait_for_selector("[data-testid=cs-inout] svg")
    shots.shot("charity", full=True)
    shots.goto(f"#/charity/{c['scholarship']}")
    page.wait_for_selector("[data-testid=cs-flow] svg")
    shots.shot("charity-project", full=True)
    shots.goto("#/charity-follow")
    page.fill("[data-testid=cs-follow-receipt]", c["follow"]["receipt"])
    page.fill("[data-testid=cs-follow-secret]", c["follow"]["secret"])
    page.click("[data-testid=cs-follow-go]")
    page.wait_for_selector("[data-testid=cs-follow-went] li")
    shots.shot("charity-follow", full=True)
