"""消费维权's demo step (run by ``wuyi.demo_scenarios``): four merchants registered by 市场监管局
with flows done and flows waiting at each step.

* 启航艺术培训中心 (training, 蓬江, full custody at 江门农商银行): an adult piano course prepaid
  and partly attended — three check-ins, one lesson the school asked the consumer to confirm
  (waiting for her); an offer waiting for its consumer's signature; a course signed and waiting
  for the bank to record the prepayment; reconciled green by the bank and by its own ledger;
  a complaint accepted, answered by the school and in mediation (waiting for the outcome).
* 悦动健身会所 (fitness, 江海, a 规模发卡企业 keeping 20 % at 中国银行): a 100-session card in
  use; the gym withdrew down to its ratio, then the bank's daily balance came in 300 yuan short
  of the chain's figure — on alert, not yet taken up by the regulator; a second member's
  signed card whose prepayment is refused while the alert stands; a complaint waiting for the
  regulator's decision.
* 丽人美容美发店 (beauty, 新会, full custody at 江门农商银行, committed to 7 days' no-reason
  returns and 先行赔付 with a 10,000-yuan deposit): announced its closing 45 days ahead; one
  card cancelled and refunded, one cancelled and waiting for the bank's refund; a complaint
  agreed in mediation and paid at once from the deposit (先行赔付), another refused.
* 五邑好味餐厅 (catering, 台山, at 中国银行): a meal card used up (completed).

The written contracts and the complaints (with the consumers' names and phone numbers) are
files in the docs folder; the chain keeps their hashes. Merchants and consumers act with their
wallets' DID keys (``wallets/<name>.json``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios import desk, returned
from wuyi.demo_scenarios_data import DemoCitizen, DemoPerson

from .sdk import uscc

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["CITIZENS", "COMPLAINTS", "CONTRACTS", "MEMBERS", "MERCHANTS", "PERSONAL", "flows"]

C = "consumer"
MEMBERS = (("scjgj", "regulator"), ("nsyh", "custody"), ("zgyh", "custody"))
RULE_CLAIMS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Merchant:
    wallet: str
    name: str
    uscc17: str
    industry: str
    district: str
    tier: str
    bank: str


@dataclass(frozen=True)
class Prepaid:
    """A prepaid contract of the demo and the step it stops at."""

    key: str
    merchant: str
    consumer: str
    item: str
    unit: str
    units: int
    unit_price: int
    months: int
    stage: str  # offered | signed | active | completed | cancelled | refunded


# fmt: off
MERCHANTS = (
    Merchant("qihang-peixun", "启航艺术培训中心", "91440703MA4WQH001", "training", "440703",
             "training", "nsyh"),
    Merchant("yuedong-jianshen", "悦动健身会所", "91440704MA4WYD002", "fitness", "440704",
             "scale", "zgyh"),
    Merchant("liren-meirong", "丽人美容美发店", "92440705MA4WLR003", "beauty", "440705",
             "small", "nsyh"),
    Merchant("wuyi-haowei", "五邑好味餐厅", "92440781MA4WHW004", "catering", "440781",
             "small", "zgyh"),
)
PEOPLE = (
    DemoPerson("he-jiayi", "何嘉怡", "13902881234"),
    DemoPerson("liang-zhiqiang", "梁志强", "13828075566"),
    DemoPerson("xu-meifang", "许美芳", "13556290017"),
    DemoPerson("tan-haoran", "谭浩然", "13760438821"),
    DemoPerson("feng-xiaoli", "冯晓丽", "15089123345"),
    DemoPerson("luo-yong", "罗勇", "18820367790"),
)
CONTRACTS = (
    Prepaid("piano", "qihang-peixun", "he-jiayi", "成人钢琴课（一对一）", "lesson", 24, 15_000,
            3, "active"),
    Prepaid("drawing", "qihang-peixun", "liang-zhiqiang", "少儿美术课", "lesson", 30, 8_000, 3,
            "offered"),
    Prepaid("calligraphy", "qihang-peixun", "feng-xiaoli", "书法课", "lesson", 12, 12_000, 3,
            "signed"),
    Prepaid("gym", "yuedong-jianshen", "tan-haoran", "健身次卡（100次）", "session", 100, 4_000,
            12, "active"),
    Prepaid("gym2", "yuedong-jianshen", "luo-yong", "健身次卡（50次）", "session", 50, 4_000, 12,
            "signed"),
    Prepaid("salon", "liren-meirong", "xu-meifang", "美容护理储值卡", "fen", 300_000, 1, 12,
            "refunded"),
    Prepaid("salon2", "liren-meirong", "feng-xiaoli", "美发储值卡", "fen", 200_000, 1, 12,
            "cancelled"),
    Prepaid("meal", "wuyi-haowei", "he-jiayi", "餐饮储值卡", "fen", 50_000, 1, 6, "completed"),
)
#: complaint: key, contract key, category, the stage it stops at, what the consumer wrote
COMPLAINTS = (
    ("gym", "gym", "refund", "received", "多次预约不上课程，要求退还剩余次卡费用。"),
    ("piano", "piano", "quality", "mediation", "更换老师后课程质量明显下降，要求补课或退费。"),
    ("salon", "salon", "quality", "first_pay", "护理后皮肤过敏，就医花费二百元，要求赔偿。"),
    ("salon2", "salon2", "refund", "rejected", "已申请仲裁，此处重复反映退款问题。"),
)
# fmt: on
#: what the demo's people are: only in their wallets' names and the docs folder, never on chain
PERSONAL = tuple(x for p in PEOPLE for x in (p.name, p.phone)) + tuple(c[4] for c in COMPLAINTS)
CLOSING_DAYS = 45
GYM_SHORT = 30_000  # the bank's balance is 300 yuan short of the chain's figure
SALON_DEPOSIT = 1_000_000
AGREED = 20_000

CITIZENS = (
    *(DemoCitizen(m.wallet, f"商户 {m.name} / merchant", person=False) for m in MERCHANTS),
    DemoCitizen("he-jiayi", "消费者：钢琴课在上、餐饮卡已用完 / consumer, course in progress"),
    DemoCitizen("liang-zhiqiang", "消费者：培训合同待签 / consumer, an offer to sign"),
    DemoCitizen("xu-meifang", "消费者：美容卡已退款、先行赔付 / consumer, refunded"),
    DemoCitizen("tan-haoran", "消费者：健身卡，投诉待受理 / consumer, complaint waiting"),
    DemoCitizen("feng-xiaoli", "消费者：美发卡待退款 / consumer, refund waiting"),
    DemoCitizen("luo-yong", "消费者：健身卡待付款（商户预警中）/ consumer, payment refused"),
)


def _person(wallet: str) -> DemoPerson:
    return next(p for p in PEOPLE if p.wallet == wallet)


def _merchant(wallet: str) -> Merchant:
    return next(m for m in MERCHANTS if m.wallet == wallet)


def terms_text(loader: DemoLoader, p: Prepaid) -> str:
    """The written contract (书面合同) both parties keep: content, price, refund, liability."""
    m, who = _merchant(p.merchant), _person(p.consumer)
    total = p.units * p.unit_price
    return (
        f"预付式消费合同（演示）\n经营者：{m.name}（{uscc(m.uscc17)}）\n"
        f"消费者：{who.name}，电话 {who.phone}，DID {loader.did(p.consumer)}\n"
        f"服务：{p.item}，{p.units} {p.unit}，单价 {p.unit_price / 100:.2f} 元，"
        f"合计 {total / 100:,.2f} 元，期限 {p.months} 个月\n"
        "预付款存入资金存管账户，按消费者确认的消费划拨；解约或停业时退还未消费余额；"
        "违约责任依《消费者权益保护法》及其实施条例。\n"
    )


def doc_hash(loader: DemoLoader, name: str, text: str) -> bytes:
    """Write ``text`` to the docs folder; the chain gets its hash."""
    loader.docs_dir.mkdir(parents=True, exist_ok=True)
    (loader.docs_dir / name).write_text(text, encoding="utf-8")
    return loader.suite.hash(text.encode())


def today_plus(days: int) -> str:
    """A date ``days`` from now in China Standard Time (the closing date announced)."""
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8, days=days)
    return now.strftime("%Y-%m-%d")


def merchant_flow(loader: DemoLoader, m: Merchant) -> Flow:
    """Register the merchant, then its contracts and complaints up to their stages."""
    out = loader.section(C).setdefault("merchants", {})
    did = loader.did(m.wallet)
    out[m.wallet] = {"did": did, "name": m.name, "wallet": str(loader.wallets[m.wallet].path)}
    if loader.query(C, "merchant", did=did) is not None:  # loaded before: it is on chain
        _remember(loader, m)
        return
    reg = loader.member("scjgj", "regulator")
    bank = loader.member(m.bank, "custody")
    mw = loader.wallets[m.wallet].key
    args = {"did": did, "name": m.name, "uscc": uscc(m.uscc17), "industry": m.industry}
    args |= {"district": m.district, "tier": m.tier, "bank": m.bank}
    first = [loader.call(reg, C, "register_merchant", **args)]
    if m.wallet == "liren-meirong":
        yield first
        yield [
            loader.call(mw, C, "commit", no_reason_days=7, first_pay=True),
            loader.call(bank, C, "guarantee", merchant=did, amount=SALON_DEPOSIT),
        ]
    elif m.wallet == "qihang-peixun":
        yield first
        yield [loader.call(mw, C, "commit", no_reason_days=7, first_pay=False)]
    else:
        yield first
    mine = [p for p in CONTRACTS if p.merchant == m.wallet]
    ids: dict[str, str] = {}
    receipts = yield [
        loader.call(
            mw,
            C,
            "offer",
            consumer=loader.did(p.consumer),
            item=p.item,
            unit=p.unit,
            units=p.units,
            unit_price=p.unit_price,
            months=p.months,
            terms=doc_hash(loader, f"prepaid-{p.key}.txt", terms_text(loader, p)),
        )
        for p in mine
    ]
    for p, r in zip(mine, receipts, strict=True):
        ids[p.key] = str(returned(r))
    signed = [p for p in mine if p.stage != "offered"]
    yield [
        loader.call(loader.wallets[p.consumer].key, C, "sign", contract_id=ids[p.key])
        for p in signed
    ]
    paid = [p for p in signed if p.stage != "signed"]
    if paid:
        yield [
            loader.call(bank, C, "prepay", contract_id=ids[p.key], amount=p.units * p.unit_price)
            for p in paid
        ]
    yield from _consume(loader, m, mine, ids)
    yield from _reconcile(loader, m, did, bank, mw)
    yield from _after(loader, m, mine, ids, did, bank, reg)
    _remember(loader, m)


def _consume(loader: DemoLoader, m: Merchant, mine: list[Prepaid], ids: dict[str, str]) -> Flow:
    mw = loader.wallets[m.wallet].key
    for p in mine:
        cw = loader.wallets[p.consumer].key
        cid = ids[p.key]
        if p.key == "piano":  # three lessons attended, one waiting for her confirmation
            for _ in range(3):
                yield [loader.call(cw, C, "check_in", contract_id=cid, units=2)]
            yield [loader.call(mw, C, "request_consumption", contract_id=cid, units=1)]
        elif p.key == "gym":
            yield [loader.call(cw, C, "check_in", contract_id=cid, units=12)]
        elif p.key == "meal":
            yield [loader.call(cw, C, "check_in", contract_id=cid, units=30_000)]
            yield [loader.call(cw, C, "check_in", contract_id=cid, units=20_000)]
        elif p.key == "salon":
            yield [loader.call(cw, C, "check_in", contract_id=cid, units=80_000)]


def _reconcile(loader: DemoLoader, m: Merchant, did: str, bank: Any, mw: Any) -> Flow:
    """The bank's daily balance (the gym's short of the chain's figure after a withdrawal down
    to its ratio) and, for the school, its own ledger."""
    rec = loader.query(C, "merchant", did=did)
    if m.wallet == "yuedong-jianshen":
        need = loader.query(C, "credit", did=did)["required"]
        yield [loader.call(bank, C, "withdraw", merchant=did, amount=rec["custody"] - need)]
        rec = loader.query(C, "merchant", did=did)
        yield [loader.call(bank, C, "reconcile", merchant=did, balance=rec["custody"] - GYM_SHORT)]
        return
    steps = [loader.call(bank, C, "reconcile", merchant=did, balance=rec["custody"])]
    if m.wallet == "qihang-peixun":
        steps.append(loader.call(mw, C, "report_ledger", ledger=rec["liabilities"]))
    yield steps


def _statement(loader: DemoLoader, key: str) -> bytes:
    _, contract, category, _, text = next(c for c in COMPLAINTS if c[0] == key)
    p = next(x for x in CONTRACTS if x.key == contract)
    who = _person(p.consumer)
    body = f"投诉（演示）\n投诉人：{who.name}，电话 {who.phone}\n类别：{category}\n{text}\n"
    return doc_hash(loader, f"complaint-{key}.txt", body)


def _after(
    loader: DemoLoader,
    m: Merchant,
    mine: list[Prepaid],
    ids: dict[str, str],
    did: str,
    bank: Any,
    reg: Any,
) -> Flow:
    """Closure, cancellations and refunds, complaints up to their stages."""
    mw = loader.wallets[m.wallet].key
    for key, contract, category, _stage, _text in COMPLAINTS:
        p = next(x for x in CONTRACTS if x.key == contract)
        if p.merchant == m.wallet:
            cw = loader.wallets[p.consumer].key
            (r,) = yield [
                loader.call(cw, C, "lodge", contract_id=ids[contract], category=category,
                            statement=_statement(loader, key))
            ]  # fmt: skip
            kid = returned(r)["id"]
            yield from _complaint(loader, key, kid, mw, bank, reg)
    if m.wallet == "liren-meirong":
        notice = doc_hash(loader, "closure-notice-salon.txt", f"{m.name}停业公告（演示）\n")
        yield [
            loader.call(mw, C, "announce_closure", kind="close", effective=today_plus(CLOSING_DAYS),
                        notice=notice)
        ]  # fmt: skip
        cancels = [p for p in mine if p.stage in ("cancelled", "refunded")]
        yield [loader.call(loader.wallets[p.consumer].key, C, "cancel", contract_id=ids[p.key])
               for p in cancels]  # fmt: skip
        yield [loader.call(bank, C, "pay_refund", contract_id=ids[p.key])
               for p in cancels if p.stage == "refunded"]  # fmt: skip


def _complaint(loader: DemoLoader, key: str, kid: str, mw: Any, bank: Any, reg: Any) -> Flow:
    stage = next(c[3] for c in COMPLAINTS if c[0] == key)
    record = doc_hash(loader, f"mediation-{key}.txt", f"调解记录（演示）{kid}\n")
    if stage == "received":
        return
    if stage == "rejected":
        yield [loader.call(reg, C, "decide", complaint_id=kid, accept=False,
                           reason="court_or_arbitration")]  # fmt: skip
        return
    yield [loader.call(reg, C, "decide", complaint_id=kid, accept=True)]
    if stage == "mediation":
        answer = doc_hash(loader, f"answer-{key}.txt", f"经营者答复（演示）{kid}\n")
        yield [loader.call(mw, C, "respond", complaint_id=kid, response=answer)]
        yield [loader.call(reg, C, "mediate", complaint_id=kid, record=record)]
        return
    yield [loader.call(reg, C, "conclude", complaint_id=kid, agreed=True, amount=AGREED,
                       record=record)]  # fmt: skip
    yield [loader.call(reg, C, "order_first_pay", complaint_id=kid, amount=AGREED)]
    yield [loader.call(bank, C, "pay_first", complaint_id=kid)]


def _remember(loader: DemoLoader, m: Merchant) -> None:
    """What the merchant's flows made, read back from the chain (``made['consumer']``)."""
    from .sdk import ConsumerProtection

    s = ConsumerProtection(loader.client)
    did = loader.did(m.wallet)
    sec = loader.section(C)
    contracts = sec.setdefault("contracts", {})
    for key, _ in s._state(f"by_merchant/{did}/"):
        entry = loader.query(C, "contract", contract_id=key.rsplit("/", 1)[-1])
        p = next(
            x
            for x in CONTRACTS
            if x.merchant == m.wallet
            and loader.did(x.consumer) == entry["consumer"]
            and x.item == entry["item"]
        )
        contracts[p.key] = {
            "id": entry["id"],
            "status": entry["status"],
            "stage": p.stage,
            "merchant": did,
            "consumer": entry["consumer"],
            "wallet": str(loader.wallets[p.consumer].path),
            "terms_file": str(loader.docs_dir / f"prepaid-{p.key}.txt"),
        }
    complaints = sec.setdefault("complaints", {})
    for key, _ in s._state(f"cp_by_merchant/{did}/"):
        k = loader.query(C, "complaint", complaint_id=key.rsplit("/", 1)[-1])
        name, stage = next(
            (c[0], c[3]) for c in COMPLAINTS if contracts.get(c[1], {}).get("id") == k["contract"]
        )
        complaints[name] = {"id": k["id"], "status": k["status"], "stage": stage}
    rec = loader.query(C, "merchant", did=did)
    if rec["alert"] is not None:
        sec["alert"] = {"id": rec["alert"], "merchant": did}


def flows(loader: DemoLoader) -> list[Flow]:
    return [merchant_flow(loader, m) for m in MERCHANTS]


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    sec = made.get(C, {})
    lines = [
        desk(url, "consumer", "市场监管局 消费维权台 / regulator's desk", keys, "scjgj-regulator"),
        desk(url, "custody", "资金存管台 / custody bank", keys, "nsyh-custody", "zgyh-custody"),
        desk(url, "credit", "商户信用（公开）/ public merchant credit"),
    ]
    school = sec.get("merchants", {}).get("qihang-peixun")
    if school:
        lines.append(desk(url, "merchant", f"商户 / merchant: {school['wallet']}"))
    piano = sec.get("contracts", {}).get("piano")
    if piano:
        lines.append(
            desk(url, "citizen", f"消费者 / consumer: {piano['wallet']}")
            + f" (合同 {piano['id']} 有一节课待确认 / a lesson to confirm)"
        )
    return lines
