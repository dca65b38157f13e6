"""消费维权 Consumer protection (scenario 8): prepaid consumption (预付式消费) under written
contracts with caps by industry, prepaid money held in bank custody and released to the
merchant only as the consumer confirms consumption (消拨同步), daily reconciliation (对账) of the
bank's balance and the merchant's ledger against the chain's figures, alerts and a stop on new
prepayments while a merchant is short, 30 days' notice before closing, refunds of the
unconsumed balance; complaints (投诉) accepted within 7 and mediated within 45 working days with
every step on record, 先行赔付 from the merchant's deposit, and a public credit view of merchants.

Actors: 市场监管局 (the ``regulator`` organisation given to ``init``, role ``regulator``)
registers merchants, handles complaints and alerts, and its admins set the parameters; the
custody banks (an org in ``custody_banks``, role ``custody``) record what moves in the custody
account; merchants (an enterprise DID registered by the regulator) and consumers (citizens'
DIDs) sign with their DID keys through ``public=True`` methods.

What the chain checks and what it is told: the contracts, the caps, the custody arithmetic, the
order of steps, the deadlines (working days from the governed holiday table, block time) are
the chain's. Money moving at the bank (a payment received, a release, a refund, a withdrawal)
and a balance reported are the custody bank's word; a ledger figure is the merchant's; each is
recorded as that party's claim, and the chain compares them with its own figures.

No personal data: the consumer is a DID; the written contract, a complaint's statement and a
mediation record stay with the parties (the chain keeps their hashes). Amounts in fen. User
documentation: ``docs/scenarios/consumer.md``.
"""

from typing import Any

from wuyi.contract import call, ctx, emit, require, revert, state, view
from wuyi.contract.lib import calendar, checks, money, records
from wuyi.contract.lib import params as governed

ROLES = ["regulator", "custody"]

LAW_PREPAID = "《单用途商业预付卡管理办法（试行）》（商务部令2012年第9号）"
LAW_TRAINING = "广州市教育局 穗教规字〔2021〕8号 校外培训预收费监管"
LAW_COMPLAINTS = "《市场监督管理投诉举报处理暂行办法》（国家市场监督管理总局令）"
LAW_ACT = "《消费者权益保护法实施条例》（2024年7月1日施行）预付式消费"
MEM = "［mem：未找到原文，依据待核实，修改时登记文号］"
WEAK = "［weak：二手资料，依据待核实］"
DEMO = "［演示值，以市场监管局现行文件为准］"
PARAMS = {
    "industries": {
        "kind": "codes",
        "min_items": 1,
        "default": ["training", "fitness", "beauty", "catering", "retail"],
        "basis": "预付式消费的行业（校外培训、健身、美容美发、餐饮、零售）" + DEMO,
    },
    "lesson_cap_industries": {
        "kind": "codes",
        "default": ["training"],
        "basis": LAW_TRAINING + "：适用课时与期限上限的行业",
    },
    "max_lessons": {
        "kind": "int",
        "min": 1,
        "max": 1000,
        "default": 60,
        "basis": LAW_TRAINING + "：一次收费不得超过60课时",
    },
    "max_lesson_months": {
        "kind": "int",
        "min": 1,
        "max": 120,
        "default": 3,
        "basis": LAW_TRAINING + "：一次收费的时间跨度不得超过3个月",
    },
    "card_cap_industries": {
        "kind": "codes",
        "default": ["fitness", "beauty", "catering", "retail"],
        "basis": LAW_PREPAID + "适用零售业、住宿和餐饮业、居民服务业；健身纳入" + MEM,
    },
    "card_max_fen": {
        "kind": "int",
        "min": 100,
        "max": money.MAX_FEN,
        "default": 500000,
        "basis": LAW_PREPAID + "：记名卡单张限额5000元（分）",
    },
    "ratio_training_pct": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 100,
        "basis": "校外培训预收费全额纳入监管（教育部等六部门 2021 年预收费监管通知）" + MEM,
    },
    "ratio_scale_pct": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 20,
        "basis": LAW_PREPAID + "：规模发卡企业存管资金不低于上一季度预收资金余额的20%",
    },
    "ratio_group_pct": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 30,
        "basis": LAW_PREPAID + "：集团发卡企业存管比例不低于30%",
    },
    "ratio_brand_pct": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 40,
        "basis": LAW_PREPAID + "：品牌发卡企业存管比例不低于40%",
    },
    "ratio_small_pct": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 100,
        "basis": "其他经营者预收资金全额存管、消拨同步（成都、河南等地规定）" + WEAK,
    },
    "custody_banks": {
        "kind": "codes",
        "min_items": 1,
        "default": ["nsyh", "zgyh"],
        "basis": "预收资金存管银行名单（市场监管局会同金融管理部门确定）" + DEMO,
    },
    "recon_max_days": {
        "kind": "int",
        "min": 0,
        "max": 31,
        "default": 1,
        "basis": "每日对账：有未消费余额时，银行对账距今不得超过的天数（场景 8 每日对账）",
    },
    "notice_days": {
        "kind": "int",
        "min": 0,
        "max": 365,
        "default": 30,
        "basis": LAW_ACT + "：停业、迁址须提前告知消费者；提前天数" + MEM,
    },
    "refund_days": {
        "kind": "int",
        "min": 0,
        "max": 90,
        "default": 7,
        "basis": "退还未消费余额的期限（天），参照《消费者权益保护法》第二十五条" + MEM,
    },
    "accept_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 7,
        "basis": LAW_COMPLAINTS + "：收到投诉之日起7个工作日内作出受理或者不予受理的决定",
    },
    "mediation_days": {
        "kind": "int",
        "min": 1,
        "max": 365,
        "default": 45,
        "basis": LAW_COMPLAINTS + "：自受理之日起45个工作日内未能达成调解协议的，终止调解",
    },
    "first_pay_hours": {
        "kind": "int",
        "min": 1,
        "max": 720,
        "default": 48,
        "basis": "先行赔付自决定起的支付时限（小时；江苏先行垫付48小时）" + WEAK,
    },
    "min_no_reason_days": {
        "kind": "int",
        "min": 1,
        "max": 90,
        "default": 7,
        "basis": "线下无理由退货承诺不少于7天（广东放心消费承诺；消法第二十五条）" + WEAK,
    },
    "complaint_categories": {
        "kind": "codes",
        "min_items": 1,
        "default": ["quality", "refund", "closure", "price", "contract", "no_reason", "other"],
        "basis": "投诉类别（质量、退款、停业、价格、合同、无理由退货、其他）" + DEMO,
    },
    "holidays": {
        "kind": "holidays",
        "default": calendar.CN_HOLIDAYS,
        "basis": "国务院办公厅节假日安排（各年通知；见表中各年的依据）",
    },
}
TIERS = ["training", "scale", "group", "brand", "small"]
UNITS = ["lesson", "session", "fen"]
CLOSURE_KINDS = ["close", "relocate"]
#: 不予受理 (the 暂行办法's cases, abbreviated)
REJECT_REASONS = ["not_consumer", "no_jurisdiction", "duplicate", "court_or_arbitration", "other"]
COMPLAINT_STATUSES = ["received", "accepted", "rejected", "agreed", "failed", "terminated"]
OPEN_COMPLAINT = ["received", "accepted"]
MAX_MONTHS = 120
#: what the dashboard sums over the merchants
DASH_SUMS = ["custody", "liabilities", "deposit", "accepted_on_time", "accepted_late", "first_pays"]
MAX_UNITS = 10**9
MAX_STEPS = 60
MAX_NAME = 60
MAX_ITEM = 40
HOUR_MS = 3600000


# -- set-up and parameters ---------------------------------------------------------------------


@call
def init(regulator: str = "scjgj", params: dict | None = None) -> None:
    """``regulator``: the organisation of 市场监管局 (its members with the role ``regulator``
    act, its admins set the parameters); ``params`` may override defaults."""
    state.set("cfg", {"regulator": regulator})
    governed.init(PARAMS, params)


def regulator_org():
    return state.get("cfg")["regulator"]


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of the regulator change a parameter, in force from the next block, on record
    with author, reason and legal basis."""
    return governed.change_by(
        PARAMS,
        regulator_org(),
        "(市场监管局) change consumer-protection rules",
        name,
        value,
        reason,
        basis,
    )


@view
def param(name: str) -> dict:
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    return governed.history(name)


@view
def config() -> dict:
    """``{regulator}``."""
    return state.get("cfg")


# -- helpers -----------------------------------------------------------------------------------


def as_regulator():
    checks.as_member(regulator_org(), "regulator", "regulator", "市场监管局")


def ratio_pct(m):
    return governed.value("ratio_" + m["tier"] + "_pct")


def required(m, liabilities):
    """What the custody account must hold for ``liabilities`` (rounded up to the fen)."""
    return (liabilities * ratio_pct(m) + 99) // 100


def load_merchant(did):
    return records.load("merchant/" + did, f"merchant rule: '{did}' is not a registered merchant")


def save_merchant(m):
    state.set("merchant/" + m["did"], m)


def as_merchant():
    """The merchant whose DID key signed."""
    did = ctx.sender_did
    require(did is not None, "merchant rule: a merchant signs with its DID key")
    return load_merchant(did)


def as_bank(m):
    require(
        ctx.sender_org == m["bank"] and "custody" in ctx.sender_roles,
        f"bank rule: only the custody bank of {m['name']} ({m['bank']}, role custody) records"
        " its custody account",
    )


def load_contract(cid):
    return records.load("pc/" + cid, f"contract rule: no prepaid contract '{cid}'")


def save_contract(c):
    state.set("pc/" + c["id"], c)


def step(rec, name, extra=None):
    entry = records.stamp()
    entry["step"] = name
    if extra is not None:
        for k in extra:
            entry[k] = extra[k]
    rec["trace"].append(entry)


def yuan(fen):
    return money.yuan(fen) + " 元"


# -- the merchant's risk status ----------------------------------------------------------------


def reasons_of(m):
    """Why a merchant is on alert now: the live figures and its latest reconciliations."""
    out = []
    need = required(m, m["liabilities"])
    if m["custody"] < need:
        out.append("shortfall")
    if m["owed"] > 0:
        out.append("refund_owed")
    for r in [m["recon_bank"], m["recon_ledger"]]:
        if r is not None:
            for x in r["reasons"]:
                if x not in out:
                    out.append(x)
    return out


def assess(m):
    """Set the merchant's alert state from :func:`reasons_of`; a change from green to red
    raises an alert for the regulator (``Alert``), back to green clears it."""
    reasons = reasons_of(m)
    was = m["alert"]
    if reasons and was is None:
        aid = records.seq("alert", "AL")
        state.set(
            "alert/" + aid,
            {
                "id": aid,
                "merchant": m["did"],
                "name": m["name"],
                "reasons": reasons,
                "custody": m["custody"],
                "liabilities": m["liabilities"],
                "required": required(m, m["liabilities"]),
                "raised": records.stamp(),
                "cleared": None,
                "ack": None,
            },
        )
        m["alert"] = aid
        m["alerts"] += 1
        emit("Alert", alert=aid, merchant=m["did"], reasons=reasons)
    elif reasons and was is not None:
        a = state.get("alert/" + was)
        if a["reasons"] != reasons:
            a["reasons"] = reasons
            state.set("alert/" + was, a)
    elif not reasons and was is not None:
        a = state.get("alert/" + was)
        a["cleared"] = records.stamp()
        state.set("alert/" + was, a)
        m["alert"] = None
        emit("AlertCleared", alert=was, merchant=m["did"])
    m["red"] = reasons
    return reasons


def stale_since(m):
    """The date from which the merchant's open liabilities have gone unreconciled by its bank
    for more than ``recon_max_days`` days (None if they are reconciled)."""
    if m["liabilities"] == 0:
        return None
    last = m["recon_bank"]["date"] if m["recon_bank"] is not None else None
    since = m["active_since"]
    ref = since if last is None or (since is not None and since > last) else last
    if ref is None:
        return None
    if calendar.days_between(ref, calendar.today()) > governed.value("recon_max_days"):
        return ref
    return None


def check_open_for_prepayment(m):
    """A refusal unless the merchant may take a new prepayment: active, not on alert, its
    custody reconciled."""
    require(
        m["status"] == "active",
        f"closure rule (停业告知): {m['name']} is {m['status']}"
        + (f" from {m['closure']['effective']}" if m["closure"] is not None else "")
        + "; no new prepayments",
    )
    if m["red"]:
        revert(
            f"custody rule (资金存管): {m['name']} is on alert ({', '.join(m['red'])}): custody"
            f" {yuan(m['custody'])} against {yuan(m['liabilities'])} of unconsumed prepayments"
            f" (at least {ratio_pct(m)}% = {yuan(required(m, m['liabilities']))} required);"
            " new prepayments are refused until it is resolved"
        )
    ref = stale_since(m)
    if ref is not None:
        revert(
            f"reconciliation rule (每日对账): the custody account of {m['name']} has not been"
            f" reconciled by its bank since {ref} (at most {governed.value('recon_max_days')}"
            " days); new prepayments wait for the bank's reconciliation"
        )


# -- merchants ---------------------------------------------------------------------------------


@call(roles=["regulator"])
def register_merchant(
    did: str, name: str, uscc: str, industry: str, district: str, tier: str, bank: str
) -> dict:
    """市场监管局 registers a merchant that takes prepayments: its DID (it signs with that key),
    registered name and 统一社会信用代码 (public business facts), industry, district, custody
    tier (the ratio of ``ratio_<tier>_pct``) and custody bank."""
    as_regulator()
    require(checks.is_did(did), f"merchant rule: '{did}' is not a DID")
    require(not state.has("merchant/" + did), f"merchant rule: {did} is already registered")
    require(
        isinstance(name, str) and 0 < len(name) <= MAX_NAME,
        f"merchant rule: the registered name has 1-{MAX_NAME} characters",
    )
    require(
        checks.uscc_ok(uscc), f"merchant rule: '{uscc}' is not a valid 统一社会信用代码 (GB 32100)"
    )
    require(not state.has("uscc/" + uscc), f"merchant rule: {uscc} is already registered")
    industries = governed.value("industries")
    require(
        industry in industries,
        f"merchant rule: industry '{industry}' is not one of {', '.join(industries)}",
    )
    require(
        len(district) == 6 and district.isdigit(),
        f"merchant rule: district '{district}' is not a 6-digit district code",
    )
    require(tier in TIERS, f"merchant rule: custody tier is one of {', '.join(TIERS)}")
    if industry in governed.value("lesson_cap_industries"):
        require(
            tier == "training",
            f"custody rule (资金存管): a merchant in '{industry}' keeps its prepayments in the"
            " training tier",
        )
    banks = governed.value("custody_banks")
    require(
        bank in banks,
        f"custody rule (资金存管): '{bank}' is not a custody bank ({', '.join(banks)})",
    )
    m = {
        "did": did,
        "name": name,
        "uscc": uscc,
        "industry": industry,
        "district": district,
        "tier": tier,
        "bank": bank,
        "status": "active",
        "registered": records.stamp(),
        "commitments": {"no_reason_days": 0, "first_pay": False, "height": None},
        "custody": 0,
        "liabilities": 0,
        "deposit": 0,
        "prepaid": 0,
        "released": 0,
        "refunded": 0,
        "withdrawn": 0,
        "topped_up": 0,
        "first_paid": 0,
        "owed": 0,
        "active_since": None,
        "recon_bank": None,
        "recon_ledger": None,
        "red": [],
        "alert": None,
        "alerts": 0,
        "closure": None,
        "contracts": {"offered": 0, "signed": 0, "active": 0, "completed": 0, "cancelled": 0},
        "complaints": records.zeros(COMPLAINT_STATUSES),
        "accepted_on_time": 0,
        "accepted_late": 0,
        "first_pays": 0,
        "refunds_late": 0,
    }
    save_merchant(m)
    state.set("uscc/" + uscc, did)
    emit("MerchantRegistered", merchant=did, industry=industry, bank=bank)
    return m


@call(public=True)
def commit(no_reason_days: int, first_pay: bool) -> dict:
    """放心消费承诺, the merchant's own: ``no_reason_days`` of no-reason returns (0: none, else
    at least ``min_no_reason_days``) and 先行赔付 from its deposit at the custody bank."""
    m = as_merchant()
    low = governed.value("min_no_reason_days")
    require(
        isinstance(no_reason_days, int) and (no_reason_days == 0 or low <= no_reason_days <= 365),
        f"commitment rule (放心消费承诺): no-reason returns are 0 (none) or {low}-365 days",
    )
    m["commitments"] = {
        "no_reason_days": no_reason_days,
        "first_pay": first_pay,
        "height": ctx.height,
        "date": calendar.today(),
    }
    save_merchant(m)
    emit("Committed", merchant=m["did"], no_reason_days=no_reason_days, first_pay=first_pay)
    return m["commitments"]


@call(public=True)
def announce_closure(kind: str, effective: str, notice: bytes) -> dict:
    """The merchant announces closing (``close``) or relocating (``relocate``) on
    ``effective``, at least ``notice_days`` days ahead; ``notice`` is the hash of the notice it
    posted. Closing stops new contracts and prepayments at once; its consumers may cancel and
    are refunded their unconsumed balance."""
    m = as_merchant()
    require(m["status"] == "active", f"closure rule (停业告知): {m['name']} is {m['status']}")
    require(kind in CLOSURE_KINDS, "closure rule (停业告知): kind is close or relocate")
    require(
        checks.is_hash(notice), "closure rule (停业告知): notice is the 32-byte hash of the notice"
    )
    today = calendar.today()
    days = governed.value("notice_days")
    earliest = calendar.add_days(today, days)
    require(
        calendar.parse(effective) >= calendar.parse(earliest),
        f"closure rule (停业告知): a {kind} needs {days} days' notice: {effective} is too early"
        f" (at the earliest {earliest})",
    )
    m["closure"] = {
        "kind": kind,
        "effective": effective,
        "notice": notice,
        "announced": records.stamp(),
        "notice_days": days,
    }
    if kind == "close":
        m["status"] = "closing"
    save_merchant(m)
    emit("ClosureAnnounced", merchant=m["did"], kind=kind, effective=effective)
    return m["closure"]


@call(public=True)
def close() -> dict:
    """The merchant closes on or after its announced date, once nothing is owed: no
    unconsumed prepayment, no refund waiting, no refund shortfall."""
    m = as_merchant()
    c = m["closure"]
    require(
        m["status"] == "closing" and c is not None,
        f"closure rule (停业告知): {m['name']} announced no closure",
    )
    today = calendar.today()
    require(
        today >= c["effective"],
        f"closure rule (停业告知): the announced date is {c['effective']}; today is {today}",
    )
    require(
        m["liabilities"] == 0 and m["owed"] == 0,
        f"closure rule (停业告知): {yuan(m['liabilities'])} of prepayments are unconsumed and"
        f" {yuan(m['owed'])} of refunds owed; perform or refund them first",
    )
    m["status"] = "closed"
    c["closed"] = records.stamp()
    save_merchant(m)
    emit("Closed", merchant=m["did"])
    return m


# -- prepaid contracts -------------------------------------------------------------------------


def check_caps(industry, unit, units, total, months):
    """The caps by industry, with the parameters in force."""
    if industry in governed.value("lesson_cap_industries"):
        most = governed.value("max_lessons")
        span = governed.value("max_lesson_months")
        require(
            unit == "lesson",
            f"cap rule (预付限额): '{industry}' is prepaid by lessons",
        )
        require(
            units <= most,
            f"cap rule (预付限额): a '{industry}' prepayment covers at most {most} lessons"
            f" ({units} asked)",
        )
        require(
            months <= span,
            f"cap rule (预付限额): a '{industry}' prepayment covers at most {span} months"
            f" ({months} asked)",
        )
    if industry in governed.value("card_cap_industries"):
        cap = governed.value("card_max_fen")
        require(
            total <= cap,
            f"cap rule (预付限额): a named prepaid card in '{industry}' holds at most {yuan(cap)}"
            f" ({yuan(total)} asked)",
        )


@call(public=True)
def offer(
    consumer: str, item: str, unit: str, units: int, unit_price: int, months: int, terms: bytes
) -> str:
    """The merchant offers a written prepaid contract to ``consumer`` (a DID): ``units`` of
    ``unit`` (``lesson``, ``session``, or ``fen`` for stored value at 1 fen each) at
    ``unit_price`` fen, for ``months`` months from payment; ``terms`` is the hash of the full
    written contract (content, price, refund method, liability) both keep. Caps by industry
    apply. Returns the contract id."""
    m = as_merchant()
    require(
        m["status"] == "active",
        f"closure rule (停业告知): {m['name']} is {m['status']}; no new contracts",
    )
    require(
        checks.is_did(consumer), f"contract rule (书面合同): consumer '{consumer}' is not a DID"
    )
    require(consumer != m["did"], "contract rule (书面合同): the merchant is not its own consumer")
    require(
        isinstance(item, str) and 0 < len(item) <= MAX_ITEM,
        f"contract rule (书面合同): item is the service's name (1-{MAX_ITEM} characters)",
    )
    require(unit in UNITS, f"contract rule (书面合同): unit is one of {', '.join(UNITS)}")
    require(
        isinstance(units, int) and 0 < units <= MAX_UNITS,
        f"contract rule (书面合同): units is a whole number from 1 to {MAX_UNITS}",
    )
    money.positive(unit_price, "unit_price")
    require(
        unit != "fen" or unit_price == 1, "contract rule (书面合同): stored value is 1 fen a unit"
    )
    require(
        isinstance(months, int) and 0 < months <= MAX_MONTHS,
        f"contract rule (书面合同): the term is 1-{MAX_MONTHS} months",
    )
    require(
        checks.is_hash(terms), "contract rule (书面合同): terms is the 32-byte hash of the contract"
    )
    total = money.positive(units * unit_price, "the total")
    check_caps(m["industry"], unit, units, total, months)
    cid = records.seq("pc", "YF")
    c = {
        "id": cid,
        "merchant": m["did"],
        "consumer": consumer,
        "industry": m["industry"],
        "item": item,
        "unit": unit,
        "units": units,
        "unit_price": unit_price,
        "total": total,
        "months": months,
        "terms": terms,
        "status": "offered",
        "start": None,
        "end": None,
        "paid": 0,
        "used": 0,
        "pending_units": 0,
        "consumed": 0,
        "released": 0,
        "uses": 0,
        "cancel": None,
        "refund": None,
        "complaints": [],
        "trace": [],
    }
    step(c, "offered")
    save_contract(c)
    state.set("by_merchant/" + m["did"] + "/" + cid, 1)
    state.set("by_consumer/" + consumer + "/" + cid, 1)
    m["contracts"]["offered"] += 1
    save_merchant(m)
    emit("Offered", contract=cid, merchant=m["did"], total=total)
    return cid


@call(public=True)
def sign(contract_id: str) -> dict:
    """The consumer signs the offered contract with their DID key."""
    c = load_contract(contract_id)
    require(
        ctx.sender_did is not None and ctx.sender_did == c["consumer"],
        f"contract rule (书面合同): only the consumer of {contract_id} signs it (their DID key)",
    )
    require(
        c["status"] == "offered",
        f"contract rule (书面合同): {contract_id} is {c['status']}, not offered",
    )
    m = load_merchant(c["merchant"])
    require(m["status"] == "active", f"closure rule (停业告知): {m['name']} is {m['status']}")
    c["status"] = "signed"
    step(c, "signed")
    save_contract(c)
    m["contracts"]["offered"] -= 1
    m["contracts"]["signed"] += 1
    save_merchant(m)
    emit("Signed", contract=contract_id)
    return c


@call(roles=["custody"])
def prepay(contract_id: str, amount: int) -> dict:
    """The custody bank records the consumer's prepayment received into the merchant's custody
    account (the bank's word): only for a contract both have signed, for its total, while the
    merchant is open, not on alert and reconciled, within the caps in force."""
    c = load_contract(contract_id)
    m = load_merchant(c["merchant"])
    as_bank(m)
    require(
        c["status"] == "signed",
        f"contract rule (书面合同): no prepayment without a signed contract: {contract_id} is"
        f" {c['status']}",
    )
    require(
        amount == c["total"],
        f"contract rule (书面合同): the prepayment is the contract's total {yuan(c['total'])}",
    )
    check_open_for_prepayment(m)
    check_caps(c["industry"], c["unit"], c["units"], c["total"], c["months"])
    today = calendar.today()
    c["status"] = "active"
    c["paid"] = amount
    c["start"] = today
    c["end"] = calendar.add_months(today, c["months"])
    step(c, "prepaid", {"amount": amount})
    save_contract(c)
    if m["liabilities"] == 0:
        m["active_since"] = today
    m["custody"] += amount
    m["liabilities"] += amount
    m["prepaid"] += amount
    m["contracts"]["signed"] -= 1
    m["contracts"]["active"] += 1
    assess(m)
    save_merchant(m)
    emit("Prepaid", contract=contract_id, merchant=m["did"], amount=amount)
    return c


def open_units(c):
    return c["units"] - c["used"] - c["pending_units"]


def release(m, c, units):
    """Consumption of ``units`` confirmed: the merchant's liabilities fall by their price and
    the custody account releases to the merchant what it holds above the required ratio of
    what remains (all of it at 100%: 消拨同步). Returns ``[fen, released]``."""
    fen = units * c["unit_price"]
    after = m["liabilities"] - fen
    room = m["custody"] - required(m, after)
    rel = fen if room >= fen else (room if room > 0 else 0)
    m["custody"] -= rel
    m["liabilities"] = after
    m["released"] += rel
    c["used"] += units
    c["consumed"] += fen
    c["released"] += rel
    if c["used"] == c["units"]:
        c["status"] = "completed"
        step(c, "completed")
        m["contracts"]["active"] -= 1
        m["contracts"]["completed"] += 1
    return [fen, rel]


def check_consumer(c):
    require(
        ctx.sender_did is not None and ctx.sender_did == c["consumer"],
        f"release rule (消拨同步): only the consumer of {c['id']} confirms its consumption"
        " (their DID key)",
    )


def check_active(c):
    require(
        c["status"] == "active",
        f"release rule (消拨同步): {c['id']} is {c['status']}, not active",
    )


def use_key(cid, n):
    return "use/" + cid + "/" + ("00000" + str(n))[-6:]


@call(public=True)
def request_consumption(contract_id: str, units: int) -> dict:
    """The merchant asks the consumer to confirm ``units`` consumed (a lesson given, a session
    used); nothing is released until the consumer confirms."""
    c = load_contract(contract_id)
    m = as_merchant()
    require(c["merchant"] == m["did"], f"release rule (消拨同步): {contract_id} is not yours")
    check_active(c)
    require(
        isinstance(units, int) and 0 < units <= open_units(c),
        f"release rule (消拨同步): {open_units(c)} units of {contract_id} are left to consume",
    )
    c["uses"] += 1
    n = c["uses"]
    c["pending_units"] += units
    use = {
        "n": n,
        "units": units,
        "status": "requested",
        "requested": records.stamp(),
        "confirmed": None,
    }
    state.set(use_key(contract_id, n), use)
    save_contract(c)
    emit("ConsumptionRequested", contract=contract_id, n=n, units=units)
    return use


@call(public=True)
def confirm(contract_id: str, n: int, accept: bool = True) -> dict:
    """The consumer confirms (or, with ``accept`` false, declines) the merchant's request
    ``n``; a confirmation releases the custody money for it to the merchant."""
    c = load_contract(contract_id)
    check_consumer(c)
    check_active(c)
    key = use_key(contract_id, n)
    use = state.get(key)
    require(
        use is not None and use["status"] == "requested",
        f"release rule (消拨同步): no request {n} waiting on {contract_id}",
    )
    c["pending_units"] -= use["units"]
    m = load_merchant(c["merchant"])
    if accept:
        got = release(m, c, use["units"])
        use["fen"], use["released"], use["status"] = got[0], got[1], "confirmed"
    else:
        use["status"] = "declined"
    use["confirmed"] = records.stamp()
    state.set(key, use)
    save_contract(c)
    assess(m)
    save_merchant(m)
    emit("Consumed", contract=contract_id, n=n, status=use["status"])
    return use


@call(public=True)
def check_in(contract_id: str, units: int) -> dict:
    """The consumer confirms ``units`` consumed at the counter (签到: a lesson attended, a
    session used, an amount spent); the custody money for them is released to the merchant."""
    c = load_contract(contract_id)
    check_consumer(c)
    check_active(c)
    require(
        isinstance(units, int) and 0 < units <= open_units(c),
        f"release rule (消拨同步): {open_units(c)} units of {contract_id} are left to consume",
    )
    m = load_merchant(c["merchant"])
    c["uses"] += 1
    n = c["uses"]
    got = release(m, c, units)
    use = {
        "n": n,
        "units": units,
        "status": "confirmed",
        "requested": None,
        "confirmed": records.stamp(),
        "fen": got[0],
        "released": got[1],
    }
    state.set(use_key(contract_id, n), use)
    save_contract(c)
    assess(m)
    save_merchant(m)
    emit("Consumed", contract=contract_id, n=n, status="confirmed")
    return use


@call(public=True)
def cancel(contract_id: str) -> dict:
    """Cancel a contract: the consumer (their DID key) at any time before it is used up, or
    the regulator for the consumers of a merchant past its announced closing date. An unpaid
    contract simply ends; a paid one owes the consumer its unconsumed balance, refunded by the
    custody bank within ``refund_days`` days."""
    c = load_contract(contract_id)
    m = load_merchant(c["merchant"])
    by_consumer = ctx.sender_did is not None and ctx.sender_did == c["consumer"]
    if not by_consumer:
        as_regulator()
        cl = m["closure"]
        require(
            m["status"] == "closing" and cl is not None and calendar.today() >= cl["effective"],
            f"refund rule (退款): the regulator cancels for consumers only after {m['name']}'s"
            " announced closing date",
        )
    require(
        c["status"] in ["offered", "signed", "active"],
        f"refund rule (退款): {contract_id} is {c['status']}",
    )
    was = c["status"]
    due = c["paid"] - c["consumed"]
    today = calendar.today()
    due_on = calendar.add_days(today, governed.value("refund_days"))
    c["status"] = "cancelled"
    who = "consumer" if by_consumer else "regulator"
    c["cancel"] = {"amount": due, "due_on": due_on, "by": who}
    c["pending_units"] = 0
    step(c, "cancelled", {"refund_due": due})
    for k, use in state.range("use/" + contract_id + "/", limit=1000):
        if use["status"] == "requested":
            use["status"] = "void"
            state.set(k, use)
    m["contracts"][was] -= 1
    m["contracts"]["cancelled"] += 1
    if due == 0:
        c["refund"] = {"paid": 0, "owed": 0, "late": False, "date": today}
    save_contract(c)
    save_merchant(m)
    emit("Cancelled", contract=contract_id, refund_due=due)
    return c


@call(roles=["custody"])
def pay_refund(contract_id: str) -> dict:
    """The custody bank refunds a cancelled contract's unconsumed balance from the custody
    account (the bank's word); what the account cannot cover stays owed by the merchant and
    puts it on alert (先行赔付 may pay it from the deposit)."""
    c = load_contract(contract_id)
    m = load_merchant(c["merchant"])
    as_bank(m)
    require(
        c["status"] == "cancelled" and c["refund"] is None,
        f"refund rule (退款): {contract_id} has no refund waiting",
    )
    due = c["cancel"]["amount"]
    paid = due if m["custody"] >= due else m["custody"]
    owed = due - paid
    today = calendar.today()
    late = today > c["cancel"]["due_on"]
    m["custody"] -= paid
    m["liabilities"] -= due
    m["refunded"] += paid
    m["owed"] += owed
    if late:
        m["refunds_late"] += 1
    c["refund"] = {"paid": paid, "owed": owed, "late": late, "date": today}
    step(c, "refunded", {"paid": paid, "owed": owed})
    save_contract(c)
    assess(m)
    save_merchant(m)
    emit("Refunded", contract=contract_id, paid=paid, owed=owed)
    return c["refund"]


# -- the custody account -----------------------------------------------------------------------


def bank_merchant(merchant):
    m = load_merchant(merchant)
    as_bank(m)
    return m


def ledger_entry(m, kind, amount, note=None):
    n = records.next_number("ledger/" + m["did"])
    e = records.stamp()
    e["kind"], e["amount"], e["note"] = kind, amount, note
    e["custody"], e["liabilities"], e["deposit"] = m["custody"], m["liabilities"], m["deposit"]
    state.set("ledger/" + m["did"] + "/" + ("00000" + str(n))[-6:], e)


def book_custody(m, kind, amount, change, field, event):
    """The custody account moves by ``change`` (``amount`` counted as ``field``), booked in
    the ledger as ``kind``; the merchant is reassessed, saved and the move announced."""
    m["custody"] += change
    m[field] += amount
    ledger_entry(m, kind, amount)
    assess(m)
    save_merchant(m)
    emit(event, merchant=m["did"], amount=amount)
    return m


@call(roles=["custody"])
def withdraw(merchant: str, amount: int) -> dict:
    """The merchant takes money out of its custody account (the bank's record): never below
    its ratio of the unconsumed prepayments (over-withdrawal refused)."""
    m = bank_merchant(merchant)
    money.positive(amount, "amount")
    need = required(m, m["liabilities"])
    require(
        m["custody"] - amount >= need,
        f"custody rule (资金存管): over-withdrawal refused: {m['name']} must keep"
        f" {ratio_pct(m)}% of {yuan(m['liabilities'])} = {yuan(need)} in custody; it holds"
        f" {yuan(m['custody'])}",
    )
    return book_custody(m, "withdraw", amount, -amount, "withdrawn", "Withdrawn")


@call(roles=["custody"])
def top_up(merchant: str, amount: int) -> dict:
    """The merchant pays its own money into the custody account (the bank's record)."""
    m = bank_merchant(merchant)
    money.positive(amount, "amount")
    return book_custody(m, "top_up", amount, amount, "topped_up", "ToppedUp")


@call(roles=["custody"])
def guarantee(merchant: str, amount: int) -> dict:
    """The merchant's deposit (保证金) for 先行赔付, held by the custody bank (its record)."""
    m = bank_merchant(merchant)
    money.positive(amount, "amount")
    m["deposit"] += amount
    ledger_entry(m, "deposit", amount)
    save_merchant(m)
    emit("Deposit", merchant=merchant, amount=amount)
    return m


@call(roles=["custody"])
def correct_custody(merchant: str, balance: int, reason: str) -> dict:
    """The bank corrects the chain's custody figure to the account's real balance (after a
    reconciliation found them apart), with its reason; the correction is on record and the
    merchant is assessed against it."""
    m = bank_merchant(merchant)
    money.check(balance, "balance")
    require(
        isinstance(reason, str) and 0 < len(reason) <= 200,
        "custody rule (资金存管): a correction states its reason (1-200 characters)",
    )
    ledger_entry(m, "correct", balance - m["custody"], reason)
    m["custody"] = balance
    assess(m)
    save_merchant(m)
    emit("CustodyCorrected", merchant=merchant, balance=balance)
    return m


def recon_record(m, kind, figure):
    today = calendar.today()
    need = required(m, m["liabilities"])
    reasons = []
    if kind == "bank":
        diff = figure - m["custody"]
        if diff != 0:
            reasons.append("bank_mismatch")
        if figure < need:
            reasons.append("bank_shortfall")
    else:
        diff = figure - m["liabilities"]
        if diff != 0:
            reasons.append("ledger_mismatch")
    n = records.next_number("recon/" + m["did"])
    r = {
        "n": n,
        "kind": kind,
        "date": today,
        "figure": figure,
        "custody": m["custody"],
        "liabilities": m["liabilities"],
        "required": need,
        "diff": diff,
        "status": "red" if reasons else "green",
        "reasons": reasons,
        "at": records.stamp(),
    }
    state.set("recon/" + m["did"] + "/" + ("00000" + str(n))[-6:], r)
    return r


@call(roles=["custody"])
def reconcile(merchant: str, balance: int) -> dict:
    """每日对账, the bank's part: the custody account's balance now (the bank's word), compared
    with the chain's custody figure and with the ratio of the unconsumed prepayments; a
    mismatch or a shortfall puts the merchant on alert, a clean one clears the bank's part."""
    m = bank_merchant(merchant)
    money.check(balance, "balance")
    r = recon_record(m, "bank", balance)
    m["recon_bank"] = r
    assess(m)
    save_merchant(m)
    emit("Reconciled", merchant=merchant, kind="bank", status=r["status"])
    return r


@call(public=True)
def report_ledger(ledger: int) -> dict:
    """每日对账, the merchant's part: its own ledger of unconsumed prepayments (its word),
    compared with the chain's sum of them."""
    m = as_merchant()
    money.check(ledger, "ledger")
    r = recon_record(m, "merchant", ledger)
    m["recon_ledger"] = r
    assess(m)
    save_merchant(m)
    emit("Reconciled", merchant=m["did"], kind="merchant", status=r["status"])
    return r


@call(roles=["regulator"])
def acknowledge(alert_id: str, note: str) -> dict:
    """The regulator takes up an alert, with a note of what it does (no personal data)."""
    as_regulator()
    a = state.get("alert/" + alert_id)
    require(a is not None, f"alert rule: no alert '{alert_id}'")
    require(a["ack"] is None, f"alert rule: {alert_id} is already taken up")
    require(
        isinstance(note, str) and 0 < len(note) <= 200,
        "alert rule: a note of 1-200 characters",
    )
    a["ack"] = records.stamp()
    a["ack"]["note"] = note
    state.set("alert/" + alert_id, a)
    emit("AlertAcknowledged", alert=alert_id)
    return a


# -- complaints --------------------------------------------------------------------------------


def load_complaint(cid):
    return records.load("cp/" + cid, f"complaint rule: no complaint '{cid}'")


def save_complaint(k):
    state.set("cp/" + k["id"], k)


def complaint_step(k, name, doc=None, extra=None):
    require(len(k["steps"]) < MAX_STEPS, f"complaint rule: {k['id']} has {MAX_STEPS} steps")
    entry = records.stamp()
    entry["step"] = name
    entry["doc"] = doc
    if extra is not None:
        for x in extra:
            entry[x] = extra[x]
    k["steps"].append(entry)


def move(k, m, status):
    m["complaints"][k["status"]] -= 1
    m["complaints"][status] += 1
    k["status"] = status


@call(public=True)
def lodge(contract_id: str, category: str, statement: bytes) -> dict:
    """The consumer lodges a complaint about a contract of theirs: ``category`` one of the
    governed categories, ``statement`` the hash of what they wrote (kept off chain). The
    regulator must decide on it within ``accept_days`` working days."""
    c = load_contract(contract_id)
    require(
        ctx.sender_did is not None and ctx.sender_did == c["consumer"],
        f"complaint rule (投诉受理): only the consumer of {contract_id} complains about it",
    )
    cats = governed.value("complaint_categories")
    require(category in cats, f"complaint rule: category is one of {', '.join(cats)}")
    require(
        checks.is_hash(statement), "complaint rule: statement is the 32-byte hash of the complaint"
    )
    require(len(c["complaints"]) < 20, f"complaint rule: {contract_id} has 20 complaints")
    m = load_merchant(c["merchant"])
    today = calendar.today()
    table = governed.value("holidays")
    kid = records.seq("cp", "TS")
    k = {
        "id": kid,
        "contract": contract_id,
        "merchant": m["did"],
        "merchant_name": m["name"],
        "consumer": c["consumer"],
        "category": category,
        "statement": statement,
        "status": "received",
        "received_on": today,
        "accept_due": calendar.add_working_days(today, governed.value("accept_days"), table),
        "decided_on": None,
        "late_days": 0,
        "reason": None,
        "mediation_due": None,
        "outcome": None,
        "first_pay": None,
        "steps": [],
    }
    complaint_step(k, "received", statement)
    m["complaints"]["received"] += 1
    save_complaint(k)
    c["complaints"].append(kid)
    save_contract(c)
    save_merchant(m)
    state.set("cp_by_merchant/" + m["did"] + "/" + kid, 1)
    state.set("cp_by_consumer/" + c["consumer"] + "/" + kid, 1)
    emit("ComplaintLodged", complaint=kid, merchant=m["did"], due=k["accept_due"])
    return k


@call(roles=["regulator"])
def decide(complaint_id: str, accept: bool, reason: str = "") -> dict:
    """The regulator accepts the complaint (mediation then has ``mediation_days`` working days)
    or refuses it with a reason of the 暂行办法; a decision after ``accept_days`` working days is
    recorded as late by the working days it took."""
    as_regulator()
    k = load_complaint(complaint_id)
    require(
        k["status"] == "received",
        f"complaint rule (投诉受理): {complaint_id} is {k['status']}",
    )
    if not accept:
        require(
            reason in REJECT_REASONS,
            f"complaint rule (投诉受理): a refusal names its reason ({', '.join(REJECT_REASONS)})",
        )
    m = load_merchant(k["merchant"])
    today = calendar.today()
    table = governed.value("holidays")
    late = calendar.working_days_between(k["accept_due"], today, table)
    k["decided_on"] = today
    k["late_days"] = late
    if late > 0:
        m["accepted_late"] += 1
    else:
        m["accepted_on_time"] += 1
    if accept:
        k["mediation_due"] = calendar.add_working_days(
            today, governed.value("mediation_days"), table
        )
        move(k, m, "accepted")
        complaint_step(k, "accepted", None, {"late_days": late})
    else:
        k["reason"] = reason
        move(k, m, "rejected")
        complaint_step(k, "rejected", None, {"reason": reason, "late_days": late})
    save_complaint(k)
    save_merchant(m)
    emit("ComplaintDecided", complaint=complaint_id, status=k["status"], late_days=late)
    return k


@call(public=True)
def respond(complaint_id: str, response: bytes) -> dict:
    """The merchant answers a complaint against it (the hash of its answer; its word)."""
    k = load_complaint(complaint_id)
    m = as_merchant()
    require(k["merchant"] == m["did"], f"complaint rule: {complaint_id} is not about you")
    require(k["status"] in OPEN_COMPLAINT, f"complaint rule: {complaint_id} is {k['status']}")
    require(checks.is_hash(response), "complaint rule: response is the 32-byte hash of the answer")
    complaint_step(k, "merchant_response", response)
    save_complaint(k)
    emit("ComplaintStep", complaint=complaint_id, step="merchant_response")
    return k


def check_mediating(k):
    require(
        k["status"] == "accepted",
        f"mediation rule (调解): {k['id']} is {k['status']}, not in mediation",
    )


@call(roles=["regulator"])
def mediate(complaint_id: str, record: bytes) -> dict:
    """A mediation session on record (the hash of its minutes), within the mediation
    period."""
    as_regulator()
    k = load_complaint(complaint_id)
    check_mediating(k)
    today = calendar.today()
    require(
        today <= k["mediation_due"],
        f"mediation rule (调解时限): the {governed.value('mediation_days')} working days of"
        f" {complaint_id} ended on {k['mediation_due']}; mediation ends",
    )
    require(checks.is_hash(record), "mediation rule: record is the 32-byte hash of the minutes")
    complaint_step(k, "mediation", record)
    save_complaint(k)
    emit("ComplaintStep", complaint=complaint_id, step="mediation")
    return k


@call(roles=["regulator"])
def conclude(complaint_id: str, agreed: bool, amount: int, record: bytes) -> dict:
    """The regulator records the outcome: an agreement (调解协议, with the ``amount`` in fen
    the merchant pays; only within the mediation period) or no agreement (调解不成)."""
    as_regulator()
    k = load_complaint(complaint_id)
    check_mediating(k)
    money.check(amount, "amount")
    require(checks.is_hash(record), "mediation rule: record is the 32-byte hash of the outcome")
    today = calendar.today()
    if agreed:
        require(
            today <= k["mediation_due"],
            f"mediation rule (调解时限): no agreement on {complaint_id} within"
            f" {governed.value('mediation_days')} working days (until {k['mediation_due']});"
            " mediation ends without one",
        )
    m = load_merchant(k["merchant"])
    k["outcome"] = {"agreed": agreed, "amount": amount if agreed else 0, "record": record}
    k["outcome"]["on"] = today
    move(k, m, "agreed" if agreed else "failed")
    complaint_step(k, k["status"], record, {"amount": k["outcome"]["amount"]})
    save_complaint(k)
    save_merchant(m)
    emit("ComplaintConcluded", complaint=complaint_id, status=k["status"])
    return k


@call(public=True)
def end_mediation(complaint_id: str) -> dict:
    """After the mediation period without an agreement, the consumer or the regulator ends
    the mediation (终止调解): the consumer may then go to arbitration or court."""
    k = load_complaint(complaint_id)
    check_mediating(k)
    if ctx.sender_did is None or ctx.sender_did != k["consumer"]:
        as_regulator()
    today = calendar.today()
    require(
        today > k["mediation_due"],
        f"mediation rule (调解时限): mediation of {complaint_id} runs until {k['mediation_due']}",
    )
    m = load_merchant(k["merchant"])
    move(k, m, "terminated")
    complaint_step(k, "terminated")
    save_complaint(k)
    save_merchant(m)
    emit("ComplaintConcluded", complaint=complaint_id, status="terminated")
    return k


@call(roles=["regulator"])
def order_first_pay(complaint_id: str, amount: int) -> dict:
    """先行赔付: the regulator orders a payment to the consumer from the merchant's deposit, for
    a complaint it accepted about a merchant committed to it; the bank pays within
    ``first_pay_hours`` hours."""
    as_regulator()
    k = load_complaint(complaint_id)
    require(
        k["status"] in ["accepted", "agreed", "failed", "terminated"],
        f"first-pay rule (先行赔付): {complaint_id} is {k['status']}; only an accepted complaint",
    )
    require(k["first_pay"] is None, f"first-pay rule (先行赔付): {complaint_id} has an order")
    m = load_merchant(k["merchant"])
    require(
        m["commitments"]["first_pay"],
        f"first-pay rule (先行赔付): {m['name']} has not committed to 先行赔付",
    )
    money.positive(amount, "amount")
    require(
        amount <= m["deposit"],
        f"first-pay rule (先行赔付): the deposit of {m['name']} holds {yuan(m['deposit'])}",
    )
    hours = governed.value("first_pay_hours")
    k["first_pay"] = {
        "amount": amount,
        "ordered": records.stamp(),
        "due_ms": ctx.time + hours * HOUR_MS,
        "hours": hours,
        "paid": None,
        "late": False,
    }
    complaint_step(k, "first_pay_ordered", None, {"amount": amount})
    save_complaint(k)
    emit("FirstPayOrdered", complaint=complaint_id, amount=amount)
    return k


@call(roles=["custody"])
def pay_first(complaint_id: str) -> dict:
    """The custody bank pays the ordered 先行赔付 from the merchant's deposit (its word); a
    payment after the time limit is recorded as late. It first covers a refund the merchant
    still owes on the complaint's contract."""
    k = load_complaint(complaint_id)
    m = bank_merchant(k["merchant"])
    fp = k["first_pay"]
    require(
        fp is not None and fp["paid"] is None,
        f"first-pay rule (先行赔付): {complaint_id} has no payment waiting",
    )
    amount = fp["amount"]
    require(
        amount <= m["deposit"],
        f"first-pay rule (先行赔付): the deposit of {m['name']} holds {yuan(m['deposit'])}",
    )
    m["deposit"] -= amount
    m["first_paid"] += amount
    m["first_pays"] += 1
    c = load_contract(k["contract"])
    if c["refund"] is not None and c["refund"]["owed"] > 0:
        cover = amount if amount < c["refund"]["owed"] else c["refund"]["owed"]
        c["refund"]["owed"] -= cover
        m["owed"] -= cover
        step(c, "owed_paid", {"amount": cover, "complaint": complaint_id})
        save_contract(c)
    fp["paid"] = records.stamp()
    fp["late"] = ctx.time > fp["due_ms"]
    complaint_step(k, "first_pay_paid", None, {"amount": amount, "late": fp["late"]})
    ledger_entry(m, "first_pay", amount, complaint_id)
    save_complaint(k)
    assess(m)
    save_merchant(m)
    emit("FirstPaid", complaint=complaint_id, amount=amount, late=fp["late"])
    return k


# -- views -------------------------------------------------------------------------------------


@view
def merchant(did: str) -> dict | None:
    return state.get("merchant/" + did)


@view
def contract(contract_id: str) -> dict | None:
    """A prepaid contract with its trace (offer, signature, prepayment, cancellation,
    refund)."""
    return state.get("pc/" + contract_id)


@view
def consumptions(contract_id: str) -> list:
    """The consumptions of a contract, oldest first (requested, confirmed, declined)."""
    return [v for key, v in state.range("use/" + contract_id + "/", limit=1000)]


@view
def complaint(complaint_id: str) -> dict | None:
    return state.get("cp/" + complaint_id)


@view
def alert(alert_id: str) -> dict | None:
    return state.get("alert/" + alert_id)


def rating(m):
    """``warning`` (on alert, closing, refunds owed), ``watch`` (open complaints, late
    refunds, custody not reconciled) or ``good``."""
    if m["red"] or m["status"] == "closing" or m["owed"] > 0:
        return "warning"
    k = m["complaints"]
    if k["received"] + k["accepted"] > 0 or stale_since(m) is not None:
        return "watch"
    return "good"


@view
def credit(did: str) -> dict:
    """The public credit view of a merchant: its registered facts, commitments, custody
    against unconsumed prepayments, alert state, reconciliation, complaints and outcomes, and
    a rating. Nothing about any consumer."""
    m = load_merchant(did)
    k = m["complaints"]
    decided = m["accepted_on_time"] + m["accepted_late"]
    return {
        "did": m["did"],
        "name": m["name"],
        "uscc": m["uscc"],
        "industry": m["industry"],
        "district": m["district"],
        "tier": m["tier"],
        "ratio_pct": ratio_pct(m),
        "bank": m["bank"],
        "status": m["status"],
        "closure": m["closure"],
        "commitments": m["commitments"],
        "deposit": m["deposit"],
        "custody": m["custody"],
        "liabilities": m["liabilities"],
        "required": required(m, m["liabilities"]),
        "owed": m["owed"],
        "red": m["red"],
        "alert": m["alert"],
        "alerts": m["alerts"],
        "recon_bank": m["recon_bank"],
        "recon_ledger": m["recon_ledger"],
        "stale_since": stale_since(m),
        "contracts": m["contracts"],
        "prepaid": m["prepaid"],
        "released": m["released"],
        "refunded": m["refunded"],
        "complaints": k,
        "accepted_on_time": m["accepted_on_time"],
        "accepted_late": m["accepted_late"],
        "on_time_pct": (100 * m["accepted_on_time"] // decided) if decided else None,
        "first_pays": m["first_pays"],
        "first_paid": m["first_paid"],
        "refunds_late": m["refunds_late"],
        "rating": rating(m),
        "registered": m["registered"]["date"],
    }


@view
def credits() -> list:
    """The public credit view of every registered merchant (at most 1,000)."""
    return [credit(m["did"]) for key, m in state.range("merchant/", limit=1000)]


@view
def dashboard() -> dict:
    """The regulator's totals: merchants by rating and status, custody against unconsumed
    prepayments, open alerts, complaints by status, first payments."""
    sums = records.zeros(DASH_SUMS)
    counts = {"offered": 0, "signed": 0, "active": 0, "completed": 0, "cancelled": 0}
    ratings = {"good": 0, "watch": 0, "warning": 0}
    statuses = {"active": 0, "closing": 0, "closed": 0}
    complaints = records.zeros(COMPLAINT_STATUSES)
    merchants = 0
    on_alert = 0
    for entry in state.range("merchant/", limit=1000):
        m = entry[1]
        merchants += 1
        on_alert += 1 if m["red"] else 0
        ratings[rating(m)] += 1
        statuses[m["status"]] += 1
        for f in DASH_SUMS:
            sums[f] += m[f]
        for s in COMPLAINT_STATUSES:
            complaints[s] += m["complaints"][s]
        for s in counts:
            counts[s] += m["contracts"][s]
    out = {"merchants": merchants, "on_alert": on_alert, "ratings": ratings}
    out["statuses"], out["complaints"], out["contracts"] = statuses, complaints, counts
    for f in DASH_SUMS:
        out[f] = sums[f]
    return out
