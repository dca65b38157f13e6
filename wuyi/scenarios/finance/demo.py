"""金融服务's demo step (run by ``wuyi.demo_scenarios``): Jiangmen SMEs and two banks at every
step of the flows.

* 五邑精密五金 (制造业, 蓬江) registered from its 电子营业执照, authorised 江门农商银行 (nsyh) to
  read its tax, social-insurance and utility data for its application; 税务局 delivered the tax
  extract through the data-sharing channel and the bank read it (the utility request waits at
  供电局); the loan is approved, secured by its factory (a mortgage registered in the
  real-estate registry through the contract), disbursed and partly repaid. Its receivable from
  大成家电 was confirmed by the debtor and pledged to 中国银行 (zgyh) for a second loan — two
  lenders, so 金融局 (who set ``multi_lending_banks`` to 2 for the demo) has a multi-lending
  alert open. A second receivable waits for 大成家电's confirmation.
* 陈皮村农业 (农业, 新会) applied to zgyh and consented to its tax data: zgyh's request waits at
  税务局, the application waits for zgyh's decision. An older nsyh loan is 45 days overdue
  (told first, then reported); two legacy records from before the platform: the 2019 one is
  past the five-year retention and hidden.
* 稻香米业 (台山): a zgyh refusal with its reason code; an nsyh loan 95 days overdue (不良) with
  金融局's alert handled.
* 陈记凉茶铺, a sole proprietorship: its consent waits for its operator 陈美玲 to consent in
  person (her wallet, ``#/citizen``).
* 五邑置业 (wyzy, a member organisation, its sector declared): a zgyh loan settled.

The data departments offer their catalogue entries with ``gate: finance``: every request,
approval, delivery and access is checked against the enterprise's consent in the block.
Names and credit codes stay in the wallets."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios_data import DemoCitizen, DidOf

if TYPE_CHECKING:
    from collections.abc import Generator

    from wuyi.api.models import ReceiptOut
    from wuyi.demo_scenarios import DemoLoader, Flow
    from wuyi.ledger.types import Transaction

    Step = Generator[list[Transaction], list[ReceiptOut], str]
    """A demo step that returns the id it made or found."""

__all__ = ["CITIZENS", "DATASETS", "MEMBERS", "RULE_CLAIMS", "TYPES", "flows"]

LICENCE = "BusinessLicenceCredential"
LICENCE_RULE_CLAIMS = ["entity_kind", "sector", "district", "operator_did"]
MEMBERS = (
    ("nsyh", "banker"),
    ("zgyh", "banker"),
    ("jrj", "supervisor"),
    ("scjgj", "issuer"),
    ("swj", "data"),
    ("rsj", "data"),
    ("gdj", "data"),
    ("wyzy", "treasurer"),
    ("pjq", "registrar"),
)
TYPES = (
    (
        LICENCE,
        ["scjgj"],
        [*LICENCE_RULE_CLAIMS, "name", "uscc", "legal_rep", "address", "registered_capital"],
        "营业执照电子证照 / business licence",
    ),
)
#: the only claims the contract asks for (kind, sector, district, the operator's DID)
RULE_CLAIMS = frozenset(LICENCE_RULE_CLAIMS)
#: the data departments' catalogue entries (gate: finance): id, owner, title, fields
DATASETS = (
    (
        "ent-tax",
        "swj",
        "企业纳税信息 / enterprise tax record",
        ["tax_paid_12m", "tax_credit_grade", "invoice_sales_12m", "tax_arrears"],
    ),
    (
        "ent-social-insurance",
        "rsj",
        "企业社保缴纳 / enterprise social-insurance contributions",
        ["insured_staff", "months_paid_12m", "contribution_arrears"],
    ),
    (
        "ent-utilities",
        "gdj",
        "企业用电缴费 / enterprise power use and bills",
        ["power_kwh_12m", "bills_paid_12m", "utility_arrears"],
    ),
)
DAY_MS = 86_400_000


def licence(
    kind: str,
    sector: str,
    district: str,
    name: str,
    uscc: str,
    rep: str,
    address: str,
    capital: str,
) -> tuple[str, dict[str, Any]]:
    """A business licence credential of 市场监管局 (the wallet keeps it; the contract sees
    the first four claims only)."""
    claims = {
        "entity_kind": kind,
        "sector": sector,
        "district": district,
        "operator_did": DidOf("chen-meiling") if kind == "sole_proprietor" else "",
        "name": name,
        "uscc": uscc,
        "legal_rep": rep,
        "address": address,
        "registered_capital": capital,
    }
    return (LICENCE, claims)


#: wallet, role, then the licence: kind, sector (GB/T 4754), district, name, credit code,
#: legal representative or operator, address, registered capital — fictional enterprises
ENTERPRISES = (
    ("ent-wuyi-hardware", "企业：授权、贷款、应收账款质押 / SME: consent, loans, receivable",
     "company", "C", "440703", "江门市五邑精密五金有限公司", "91440703MA4UJX8Q2K", "李建国",
     "江门市蓬江区棠下镇堡棠路 28 号", "500万元"),
    ("ent-dacheng", "核心企业：应收账款确权 / buyer: confirms receivables",
     "company", "C", "440704", "江门市大成家电制造有限公司", "91440704MA4W0G3R1T", "周大成",
     "江门市江海区高新区金瓯路 99 号", "8000万元"),
    ("ent-chenpi", "企业：申请待银行审批、逾期记录 / SME: waiting, overdue",
     "company", "A", "440705", "江门市新会区陈皮村农业发展有限公司", "91440705MA52TQ6H0B",
     "林志强", "江门市新会区会城街道陈皮村 1 号", "300万元"),
    ("ent-daoxiang", "企业：拒贷与不良 / SME: refused, non-performing",
     "company", "C", "440781", "台山市稻香米业有限公司", "91440781MA4X8N2D5C", "黄德胜",
     "台山市台城镇环北大道 66 号", "200万元"),
    ("ent-chen-tea", "个体工商户：待经营者本人授权 / sole proprietor: waiting",
     "sole_proprietor", "H", "440703", "蓬江区陈记凉茶铺", "92440703MA5XKL1Q7P", "陈美玲",
     "江门市蓬江区长堤风貌街 12 号", "5万元"),
)  # fmt: skip
CITIZENS = (
    *(DemoCitizen(e[0], e[1], (licence(*e[2:]),), person=False) for e in ENTERPRISES),
    DemoCitizen("chen-meiling", "个体工商户经营者，待本人授权 / operator, to consent in person"),
)
DEBTOR = "ent-dacheng"
#: its factory (a registry unit; the location is the registry's, not the licence's address)
FACTORY = ("440703-021-0001", "pjq", "江门市蓬江区棠下镇桐井工业区 6 号 1 号厂房", 520000)
AUTHORISATION = (
    "个人信息查询授权书（演示）：本人同意银行为审批本经营实体的贷款，经数据共享通道查询本经营实体"
    "及本人的纳税信息；已知悉查询及使用可能对本人产生的不利后果。"
)


def returned(receipt: ReceiptOut) -> Any:
    """The value a contract call returned. Imported here, not at the top: the demo loader
    gathers every scenario's demo module on first use, and a module that imports it while
    being imported itself would be gathered half-made (without its ``CITIZENS``)."""
    from wuyi.demo_scenarios import returned as value

    return value(receipt)


def entries(loader: DemoLoader, prefix: str) -> list[tuple[str, Any]]:
    """The contract's own state under ``prefix`` (what the demo already made)."""
    out: list[tuple[str, Any]] = loader.client.scenario("finance").entries(prefix)
    return out


def today_plus(days: int) -> str:
    """A date ``days`` from today in China Standard Time (the contract's dates)."""
    cst = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8, days=days)
    return cst.strftime("%Y-%m-%d")


# -- steps -------------------------------------------------------------------------------------


def registered(loader: DemoLoader, name: str) -> Flow:
    """The enterprise presents its business licence (kind, sector, district, operator DID) to
    金融局's platform and registers with its DID key."""
    while not loader.has(name, LICENCE):
        yield []
    w = loader.wallets[name]
    if loader.query("finance", "enterprise", did=w.did) is not None:
        return
    req = loader.query("finance", "licence_request")
    consent = yield from loader.consent(
        name,
        req["verifier"],
        req["types"],
        req["claims"],
        "企业融资登记 / SME finance registration",
    )
    nonce = loader.query("finance", "licence_nonce", did=w.did)
    ref = loader.presentation(w, req, nonce, consent)
    yield [loader.call(w.key, "finance", "register_enterprise", presentation_text=ref)]


def applied(loader: DemoLoader, name: str, bank: str, amount: int, **kw: Any) -> Step:
    """The enterprise's application to ``bank`` (the existing one if there is one)."""
    did = loader.did(name)
    mine = [k.split("/")[-1] for k, _ in entries(loader, f"ent_app/{did}/")]
    for aid in mine:
        a = loader.query("finance", "application", application_id=aid)
        if a["bank"] == bank and a["amount"] == amount:
            return str(a["id"])
    args = {"bank": bank, "amount": amount, "term_months": 12, "purpose": "working_capital"} | kw
    (r,) = yield [loader.call(loader.wallets[name].key, "finance", "apply", **args)]
    return str(returned(r)["id"])


def bank_steps(loader: DemoLoader, lid: str, steps: list[tuple[str, dict[str, Any]]]) -> Flow:
    """The bank's steps on loan ``lid`` that are not done yet, one block each."""
    for method, args in steps:
        a = loader.query("finance", "application", application_id=lid)
        if done(a, method, args):
            continue
        banker = loader.member(a["bank"], "banker")
        ref = {"application_id": lid} if method == "decide" else {"loan_id": lid}
        yield [loader.call(banker, "finance", method, **(ref | args))]


def done(a: dict[str, Any], method: str, args: dict[str, Any]) -> bool:
    """Whether step ``method`` of the demo is already on loan ``a``."""
    if method == "decide":
        return a["decision"] is not None
    if method == "disburse":
        return a["disbursed"] > 0
    if method == "repay":
        return a["repaid"] > 0
    if method == "notify_overdue":
        return a["notice"] is not None
    if method == "report_overdue":
        return a["overdue"] is not None and a["overdue"]["dpd"] >= args["dpd"]
    if method in ("pledge_property", "pledge_receivable"):
        ref = args.get("unit_id") or args.get("receivable_id")
        return any(p["ref"] == ref for p in a["pledges"])
    raise KeyError(method)


def notice(loader: DemoLoader, loan: str) -> bytes:
    """The hash of the overdue notice the bank sent (the letter stays with the bank)."""
    return loader.suite.hash(f"逾期告知书（演示）/ overdue notice: {loan}".encode())


def approve(amount: int, rate_bp: int = 385, term: int = 12) -> tuple[str, dict[str, Any]]:
    args = {"approve": True, "amount": amount, "rate_bp": rate_bp, "term_months": term}
    return ("decide", args)


def overdue(
    loader: DemoLoader, loan: str, amount: int, rate_bp: int, dpd: int, owed: int
) -> list[tuple[str, dict[str, Any]]]:
    """The bank's steps of a loan gone bad: ``loan`` approved for ``amount`` at ``rate_bp``,
    disbursed, the overdue notice sent, reported ``dpd`` days overdue with ``owed`` fen."""
    return [
        approve(amount, rate_bp),
        ("disburse", {"amount": amount}),
        ("notify_overdue", {"notice_hash": notice(loader, loan)}),
        ("report_overdue", {"dpd": dpd, "amount": owed}),
    ]


def decide_as(loader: DemoLoader, lid: str, args: dict[str, Any]) -> Flow:
    a = loader.query("finance", "application", application_id=lid)
    if a["decision"] is None:
        banker = loader.member(a["bank"], "banker")
        yield [loader.call(banker, "finance", "decide", application_id=lid, **args)]


def consented(loader: DemoLoader, name: str, lid: str, items: list[str], days: int = 60) -> Step:
    """The enterprise's consent for application ``lid`` (the existing one if any)."""
    a = loader.query("finance", "application", application_id=lid)
    if a["consents"]:
        return str(a["consents"][0])
    w = loader.wallets[name]
    args = {"application_id": lid, "items": items, "days": days}
    (r,) = yield [loader.call(w.key, "finance", "grant_consent", **args)]
    return str(returned(r)["id"])


# -- the enterprises ---------------------------------------------------------------------------


def hardware_flow(loader: DemoLoader) -> Flow:
    """五邑精密五金: its factory pledged for an nsyh loan (active, partly repaid) after the
    tax data was read under its consent; a receivable confirmed by 大成家电 pledged to zgyh."""
    name = "ent-wuyi-hardware"
    out = loader.section("finance")
    yield from registered(loader, name)
    did = loader.did(name)
    unit, office, location, area = FACTORY
    reg = loader.member(office, "registrar")
    if loader.query("realestate", "unit", unit_id=unit) is None:
        args = {"location": location, "area": area, "use": "industrial"}
        yield [loader.call(reg, "realestate", "register_unit", unit_id=unit, **args)]
    if not loader.query("realestate", "unit", unit_id=unit)["owners"]:
        owners = [{"did": did, "share": 10000}]
        yield [loader.call(reg, "realestate", "first_registration", unit_id=unit, owners=owners)]
    collateral = [{"kind": "property", "ref": unit}]
    lid = yield from applied(
        loader,
        name,
        "nsyh",
        300_000_000,
        term_months=24,
        purpose="equipment",
        collateral=collateral,
    )
    items = [d[0] for d in DATASETS]
    cid = yield from consented(loader, name, lid, items)
    out["active"] = {
        "enterprise": did,
        "wallet": str(loader.wallets[name].path),
        "loan": lid,
        "consent": cid,
        "unit": unit,
        "cert": loader.query("realestate", "unit", unit_id=unit)["cert"],
        "bank": "nsyh",
    }
    yield from bank_steps(
        loader,
        lid,
        [
            approve(250_000_000, 365, 24),
            ("pledge_property", {"unit_id": unit, "amount": 250_000_000}),
            ("disburse", {"amount": 250_000_000}),
            ("repay", {"amount": 20_000_000}),
        ],
    )
    # the receivable: registered by the supplier, confirmed by the buyer, pledged to zgyh
    rv = yield from receivable(
        loader, name, 88_000_000, 120, b"DC-PO-2026-0318", b"INV-44070300118"
    )
    yield from registered(loader, DEBTOR)
    r = loader.query("finance", "receivable", receivable_id=rv)
    if r["status"] == "registered":
        yield [
            loader.call(
                loader.wallets[DEBTOR].key, "finance", "confirm_receivable", receivable_id=rv
            )
        ]
    coll = [{"kind": "receivable", "ref": rv}]
    two = yield from applied(loader, name, "zgyh", 80_000_000, term_months=6, purpose="trade",
                             collateral=coll)  # fmt: skip
    yield from bank_steps(
        loader,
        two,
        [
            approve(80_000_000, 350, 6),
            (
                "pledge_receivable",
                {"receivable_id": rv, "kind": "pledge", "registry_no": "DJ-440700-2026-000318"},
            ),
            ("disburse", {"amount": 80_000_000}),
        ],
    )
    out["receivable"] = {"id": rv, "loan": two, "bank": "zgyh", "debtor": loader.did(DEBTOR)}
    # a second receivable waits for the debtor's confirmation (大成家电's desk)
    waiting = yield from receivable(
        loader, name, 45_000_000, 90, b"DC-PO-2026-0402", b"INV-44070300131"
    )
    out["receivable_waiting"] = {"id": waiting, "debtor_wallet": str(loader.wallets[DEBTOR].path)}


def receivable(
    loader: DemoLoader, name: str, amount: int, days: int, contract: bytes, invoice: bytes
) -> Step:
    """A receivable of ``name`` from 大成家电 (its contract and invoice are hashed; the
    documents stay with the enterprises)."""
    h = loader.suite.hash
    inv = h(invoice)
    for _, rid in entries(loader, "rcv_invoice/" + inv.hex()):
        return str(rid)
    args = {
        "debtor": loader.did(DEBTOR),
        "amount": amount,
        "due_date": today_plus(days),
        "contract_hash": h(contract),
        "invoice_hash": inv,
    }
    (r,) = yield [loader.call(loader.wallets[name].key, "finance", "register_receivable", **args)]
    return str(returned(r)["id"])


def chenpi_flow(loader: DemoLoader) -> Flow:
    """陈皮村农业: an application waiting for zgyh (its tax data requested under its consent);
    an older nsyh loan 45 days overdue; two legacy records, the 2019 one past retention."""
    name = "ent-chenpi"
    out = loader.section("finance")
    yield from registered(loader, name)
    did = loader.did(name)
    old = yield from applied(loader, name, "nsyh", 20_000_000, purpose="agriculture")
    yield from bank_steps(loader, old, overdue(loader, old, 20_000_000, 395, 45, 1_800_000))
    if not loader.query("finance", "negative_records", did=did)[1:]:
        nsyh = loader.member("nsyh", "banker")
        legacy = [
            ("2019-03-01", "2020-05-01", 60, 3_000_000),
            ("2022-01-10", "2022-02-09", 30, 900_000),
        ]
        for started, ended, dpd, amount in legacy:
            yield [loader.call(nsyh, "finance", "record_legacy_negative", enterprise=did, dpd=dpd,
                               amount=amount, started=started, ended=ended)]  # fmt: skip
    lid = yield from applied(loader, name, "zgyh", 50_000_000, purpose="agriculture")
    cid = yield from consented(loader, name, lid, ["ent-tax"], 30)
    out["waiting_bank"] = {"enterprise": did, "loan": lid, "consent": cid, "bank": "zgyh"}
    out["overdue"] = {"enterprise": did, "loan": old, "bank": "nsyh"}


def daoxiang_flow(loader: DemoLoader) -> Flow:
    """稻香米业: refused by zgyh (credit record); an nsyh loan 95 days overdue, the NPL alert
    handled by 金融局."""
    name = "ent-daoxiang"
    yield from registered(loader, name)
    refused = yield from applied(loader, name, "zgyh", 30_000_000, purpose="trade")
    yield from decide_as(loader, refused, {"approve": False, "reason": "credit_record"})
    npl = yield from applied(loader, name, "nsyh", 15_000_000, purpose="working_capital")
    yield from bank_steps(loader, npl, overdue(loader, npl, 15_000_000, 420, 95, 4_500_000))
    loader.section("finance").update(refused={"loan": refused, "bank": "zgyh"}, npl={"loan": npl})


def tea_flow(loader: DemoLoader) -> Flow:
    """陈记凉茶铺 (a sole proprietorship): its consent waits for its operator in person."""
    name = "ent-chen-tea"
    yield from registered(loader, name)
    lid = yield from applied(loader, name, "nsyh", 3_000_000, purpose="working_capital")
    cid = yield from consented(loader, name, lid, ["ent-tax"], 30)
    loader.section("finance")["awaiting_person"] = {
        "enterprise": loader.did(name),
        "loan": lid,
        "consent": cid,
        "operator": loader.did("chen-meiling"),
        "operator_wallet": str(loader.wallets["chen-meiling"].path),
        "notice": AUTHORISATION,
    }


def member_flow(loader: DemoLoader) -> Flow:
    """五邑置业 (a member organisation, its sector its own declaration): a zgyh loan settled."""
    fin = loader.member("wyzy", "treasurer")
    did = "did:wuyi:org:wyzy"
    if loader.query("finance", "enterprise", did=did) is None:
        yield [
            loader.call(fin, "finance", "register_member_enterprise", sector="K", district="440703")
        ]
    mine = [k.split("/")[-1] for k, _ in entries(loader, f"ent_app/{did}/")]
    if mine:
        lid = mine[0]
    else:
        args = {
            "bank": "zgyh",
            "amount": 100_000_000,
            "term_months": 6,
            "purpose": "working_capital",
        }
        (r,) = yield [loader.call(fin, "finance", "apply", **args)]
        lid = str(returned(r)["id"])
    yield from bank_steps(
        loader,
        lid,
        [approve(100_000_000, 340, 6), ("disburse", {"amount": 100_000_000}),
         ("repay", {"amount": 100_000_000})],
    )  # fmt: skip
    loader.section("finance")["settled"] = {"enterprise": did, "loan": lid, "bank": "zgyh"}


def regulator_flow(loader: DemoLoader) -> Flow:
    """金融局 sets the multi-lending line to two banks for the demo (on record, with reason)."""
    if loader.query("finance", "param", name="multi_lending_banks")["value"] != 2:
        args = {
            "name": "multi_lending_banks",
            "value": 2,
            "reason": "演示：同一企业在两家银行有余额即提示 / demo: two lenders raise an alert",
        }
        yield [loader.call(loader.admins["jrj"], "finance", "set_param", **args)]


def flows(loader: DemoLoader) -> list[Flow]:
    return [
        regulator_flow(loader),
        hardware_flow(loader),
        chenpi_flow(loader),
        daoxiang_flow(loader),
        tea_flow(loader),
        member_flow(loader),
    ]


# -- after the flows: the data-sharing channel, the regulator --------------------------------------


def after(loader: DemoLoader) -> None:
    """The departments offer their gated catalogue entries; nsyh reads 五邑精密五金's tax
    extract under its consent (request, approval, delivery, access), its utility request waits
    at 供电局; zgyh's request for 陈皮村's tax data waits at 税务局. 金融局 handles the NPL
    alert."""
    from wuyi.exceptions import NotFound
    from wuyi.sdk.data import DataShare, ensure_agreement_key

    ds = DataShare(loader.client)
    for dataset, org, title, fields in DATASETS:
        try:
            ds.dataset(dataset)
        except NotFound:
            key = loader.member(org, "data")
            ds.offer(
                key,
                dataset,
                title,
                fields,
                description="经企业授权共享 / shared with the enterprise's consent",
                gate="finance",
            )
    out = loader.section("finance")
    active, waiting = out["active"], out["waiting_bank"]
    until = int(time.time() * 1000) + 20 * DAY_MS
    channel: dict[str, Any] = {}
    for bank, case, dataset, fields, step in (
        ("nsyh", active, "ent-tax", ["tax_paid_12m", "tax_credit_grade"], "fetch"),
        ("nsyh", active, "ent-utilities", ["power_kwh_12m", "bills_paid_12m"], "pending"),
        ("zgyh", waiting, "ent-tax", ["tax_paid_12m", "invoice_sales_12m"], "pending"),
    ):
        purpose = f"{case['consent']} {case['loan']} 授信审查 / credit review"
        mine = [r for r in ds.requests(dataset=dataset, requester=bank) if r["purpose"] == purpose]
        keyfile = loader.keys_dir / f"{bank}-banker.key"
        banker = loader.member(bank, "banker")
        ak = ensure_agreement_key(keyfile, loader.passphrase, loader.suite.name, owner=banker)
        if mine:
            rid = bytes.fromhex(mine[0]["id"])
        else:
            rid = ds.request(banker, dataset, purpose, fields, until, ak)
        channel[f"{bank}/{dataset}/{case['loan']}"] = rid.hex()
        if step != "fetch" or (mine and mine[0]["status"] != "pending"):
            continue
        owner = loader.member(next(d[1] for d in DATASETS if d[0] == dataset), "data")
        ds.approve(owner, rid, until)
        extract = {
            "enterprise": case["enterprise"],
            "period": "近12个月 / last 12 months",
            "tax_paid_12m": 128_640_000,
            "tax_credit_grade": "A",
        }
        delivered = ds.deliver(owner, rid, json.dumps(extract, ensure_ascii=False).encode())
        ds.fetch(banker, delivered.delivery_id, purpose, ak)
    out["data"] = channel
    alerts = [v for _, v in entries(loader, "alert/")]
    sup = loader.member("jrj", "supervisor")
    for a in alerts:
        if a["kind"] == "npl" and a["status"] == "open":
            loader.client.scenario("finance").handle_alert(sup, a["id"], "inquiry_sent")


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    f = made.get("finance", {})
    lines = [
        f"  {url}/console/#/lending  银行 / bank desk ({keys}/nsyh-banker.key);"
        f" #/finreg 金融局 / regulator ({keys}/jrj-supervisor.key); #/financing 融资统计",
    ]
    if "active" in f:
        lines.append(f"  {url}/console/#/sme  企业 / SME: {f['active']['wallet']}")
    if "awaiting_person" in f:
        w = f["awaiting_person"]
        lines.append(
            f"  {url}/console/#/citizen  经营者 / operator: {w['operator_wallet']}"
            f" (授权 {w['consent']} 待本人同意 / to consent in person)"
        )
    lines.append(f"  curl {url}/v1/finance/stats")
    return lines
