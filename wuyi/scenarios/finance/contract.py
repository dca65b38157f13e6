"""金融服务与监管 SME finance and supervision: enterprises registered from their business
licence, loan applications and their whole life (decision with a reason code, disbursements
within the approved amount, repayments, overdue events, full repayment or write-off), credit
consents that the data-sharing channel checks before any of the enterprise's government data
moves to a bank, receivables confirmed by the debtor (应收账款确权) and pledged or transferred
once across all banks with a term within the e-voucher limit, property pledged through the
real-estate registry, every bank's view of an enterprise's aggregate exposure (multi-lending),
negative records hidden after the retention period, and the regulator's aggregates and alerts.

Actors: enterprises — a DID (its wallet's key, registered with its 电子营业执照 presented to
the regulator's platform) or a member organisation through members with the role
``treasurer`` (``did:wuyi:org:<org>``, its sector declared: its own word, recorded so); the
operator of a sole proprietorship (个体工商户), a citizen DID who consents to the use of their
personal data; banks in ``param/banks`` (role ``banker``); the regulator 金融局 ``jrj``
(role ``supervisor`` for alerts; its admins set the parameters). Policy numbers are governed
parameters (``wuyi.contract.lib.params``); dates are block dates (China Standard Time).

Deployed as ``finance``; pledges property through the ``realestate`` contract (``invoke``).
The data departments' catalogue entries name this contract as their consent gate
(``data.offer`` ``gate: finance``): the ledger runs :func:`data_consent` before every request,
approval, delivery and access. No personal data: DIDs, codes, amounts, dates and hashes only.
"""

from typing import Any

from wuyi.contract import call, ctx, emit, hash, invoke, presentation, require, revert, state, view
from wuyi.contract.lib import calendar, checks, money, records
from wuyi.contract.lib import params as governed

ROLES = ["banker", "treasurer", "supervisor"]
REGISTRY = "realestate"
REGULATOR = "jrj"
LICENCE = "BusinessLicenceCredential"
LICENCE_CLAIMS = ["entity_kind", "sector", "district", "operator_did"]
ENTITY_KINDS = ["company", "sole_proprietor"]
#: GB/T 4754-2017 国民经济行业分类, 门类 A-T. (A parameter's basis not checked against a
#: source carries 〔待核：凭记忆〕 ([mem]) or 〔待核：二手来源〕 ([weak]).)
SECTORS = [
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J",
    "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T",
]  # fmt: skip
PURPOSES = ["working_capital", "equipment", "trade", "agriculture", "other"]
COLLATERAL_KINDS = ["property", "receivable"]
ENCUMBRANCES = ["pledge", "transfer"]
ALERT_ACTIONS = ["reviewed", "inquiry_sent", "referred"]
APP_STATUSES = ["applied", "approved", "refused", "withdrawn", "active", "settled", "written_off"]
CONSENT_USES = ["applied", "approved", "active"]
MAX_AMOUNT = 10**15  # fen
MAX_TERM = 360  # months
MAX_RATE_BP = 10000
MAX_COLLATERAL = 8
MAX_DPD = 10000
DAY_MS = 86400000
DEMO = "演示值，以金融局现行文件为准；修改时在理由或依据中登记文号"
PARAMS = {
    "banks": {
        "kind": "codes",
        "min_items": 1,
        "default": ["nsyh", "zgyh"],
        "basis": "接入平台的银行业金融机构（持金融许可证，《银行业监督管理法》第十六条）；"
        "名单由金融局维护（" + DEMO + "）",
    },
    "data_items": {
        "kind": "codes",
        "min_items": 1,
        "default": ["ent-tax", "ent-social-insurance", "ent-utilities"],
        "basis": "可授权共享的涉企信用信息（纳税、社保缴纳、水电气）：国办发〔2021〕52号"
        "《加强信用信息共享应用促进中小微企业融资实施方案》附件共享清单"
        "（清单条目〔待核：凭记忆〕，以附件原文为准）",
    },
    "max_consent_days": {
        "kind": "int",
        "min": 1,
        "max": 366,
        "default": 90,
        "basis": "授权书的有效期上限（天）：《征信业管理条例》第十三条、第十八条须经书面同意并"
        "约定用途；期限为演示值〔待核：凭记忆〕（" + DEMO + "）",
    },
    "max_term_months": {
        "kind": "int",
        "min": 1,
        "max": 12,
        "default": 6,
        "basis": "应收账款电子凭证付款期限原则上不超过6个月：银发〔2025〕77号"
        "《关于规范供应链金融业务 引导供应链信息服务机构更好服务中小企业融资有关事宜的通知》",
    },
    "hard_term_months": {
        "kind": "int",
        "min": 1,
        "max": 12,
        "default": 12,
        "basis": "应收账款电子凭证付款期限最长不超过1年（同上，银发〔2025〕77号）；"
        "超过原则期限须由债务人说明理由",
    },
    "negative_retention_years": {
        "kind": "int",
        "min": 1,
        "max": 5,
        "default": 5,
        "basis": "不良信息自不良行为或者事件终止之日起保存5年，超过期限予以删除："
        "《征信业管理条例》第十六条",
    },
    "multi_lending_banks": {
        "kind": "int",
        "min": 2,
        "max": 50,
        "default": 3,
        "basis": "多头借贷预警：同一企业在几家银行有贷款余额即提示金融局（监测口径为演示值"
        "〔待核：凭记忆〕；" + DEMO + "）",
    },
    "npl_dpd": {
        "kind": "int",
        "min": 1,
        "max": 365,
        "default": 90,
        "basis": "逾期90天以上列入不良：《商业银行金融资产风险分类办法》（国家金融监督管理总局、"
        "中国人民银行令2023年第1号）第十条〔待核：二手来源〕",
    },
    "single_exposure_alert": {
        "kind": "int",
        "min": 1,
        "max": MAX_AMOUNT,
        "default": 1000000000,
        "basis": "单户授信集中度预警（分）：普惠型小微企业贷款为单户授信总额1000万元（含）以下"
        "（原银保监会口径）〔待核：二手来源〕；超过即提示金融局",
    },
    "refusal_reasons": {
        "kind": "codes",
        "min_items": 1,
        "default": ["cash_flow", "credit_record", "collateral", "documents", "policy", "other"],
        "basis": "拒贷原因代码：《流动资金贷款管理办法》（国家金融监督管理总局令2024年第2号）"
        "要求说明不予受理或拒绝的原因；代码表为演示值〔待核：凭记忆〕",
    },
}


# -- governed parameters -------------------------------------------------------------------------


@call
def init(params: dict | None = None) -> None:
    """The parameters at their defaults (``params`` may override some of them)."""
    governed.init(PARAMS, params)


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of ``jrj`` (金融局) change a parameter, in force from the next block; the
    change, its author, reason and legal basis are kept (``param_history``)."""
    require(
        ctx.sender_org == REGULATOR,
        f"param rule: only admins of '{REGULATOR}' (金融局) may set finance parameters",
    )
    if name in ["max_term_months", "hard_term_months"]:
        other = "hard_term_months" if name == "max_term_months" else "max_term_months"
        low = value if name == "max_term_months" else governed.value(other)
        high = value if name == "hard_term_months" else governed.value(other)
        require(
            isinstance(low, int) and isinstance(high, int) and low <= high,
            "param rule: max_term_months may not exceed hard_term_months",
        )
    return governed.change(PARAMS, name, value, reason, basis)


@view
def param(name: str) -> dict:
    """``{name, value, record}`` of a finance parameter in force now."""
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    """Every change of a finance parameter, oldest first (author, reason, legal basis)."""
    return governed.history(name)


# -- helpers -------------------------------------------------------------------------------------


def party():
    """The enterprise or person signing: the sender's DID, or the organisation DID of a member
    with the role treasurer (None otherwise)."""
    if ctx.sender_did is not None:
        return ctx.sender_did
    if ctx.sender_org is not None and "treasurer" in ctx.sender_roles:
        return checks.org_did(ctx.sender_org)
    return None


def as_party(what):
    p = party()
    require(
        p is not None,
        f"enterprise rule: {what} is signed by the enterprise (its DID key, or a member with"
        " the role treasurer of a member enterprise)",
    )
    return p


def as_bank():
    banks = governed.value("banks")
    require(
        ctx.sender_org in banks and "banker" in ctx.sender_roles,
        f"bank rule: '{ctx.sender_org}' is not a bank of the platform with the role banker"
        f" (param banks: {', '.join(banks)})",
    )
    return ctx.sender_org


def count(status, delta):
    state.set("count/" + status, state.get("count/" + status, 0) + delta)


def load_ent(did):
    return records.load("ent/" + did, f"enterprise rule: {did} is not a registered enterprise")


def load_app(app_id):
    return records.load("app/" + app_id, f"loan rule: no application '{app_id}'")


def load_consent(consent_id):
    return records.load("consent/" + consent_id, f"consent rule: no consent '{consent_id}'")


def load_rcv(rcv_id):
    return records.load("rcv/" + rcv_id, f"receivable rule: no receivable '{rcv_id}'")


def own_loan(loan_id, statuses, what):
    """The loan ``loan_id`` of the sender's bank, in one of ``statuses``."""
    bank = as_bank()
    a = load_app(loan_id)
    require(
        a["bank"] == bank,
        f"loan rule: '{loan_id}' is {a['bank']}'s; a bank sees and acts on its own loans only",
    )
    require(a["status"] in statuses, f"{what}: loan '{loan_id}' is {a['status']}")
    return a


def set_status(a, status):
    count(a["status"], -1)
    count(status, 1)
    a["status"] = status
    a["trace"].append({"status": status, "height": ctx.height, "time": ctx.time, "by": ctx.sender})


def save_app(a):
    state.set("app/" + a["id"], a)


# -- enterprises ---------------------------------------------------------------------------------


@view
def licence_nonce(did: str) -> str:
    """The nonce the enterprise's wallet binds its licence presentation to (single use)."""
    n = state.get("nonce/" + did, 0)
    return hash(f"{ctx.contract}/licence/{did}/{n}".encode()).hex()


@view
def licence_request() -> dict:
    """What the enterprise's wallet presents to register: its 电子营业执照 (business
    licence credential of 市场监管局), only the claims the rules need."""
    return {"verifier": REGULATOR, "types": [LICENCE], "claims": LICENCE_CLAIMS}


@call(public=True)
def register_enterprise(presentation_text: str) -> dict:
    """An enterprise registers with its DID key by presenting its business licence to the
    regulator's platform: kind (company or sole proprietorship), sector (GB/T 4754 门类),
    district and, for a sole proprietorship, the operator's DID (whose own consent its
    personal data needs). The contract records those and the presentation's hash, never the
    name or the credit code. Registering again updates the record."""
    did = ctx.sender_did or ""
    require(did != "", "enterprise rule: an enterprise registers with its DID key")
    got = presentation(
        presentation_text,
        types=[LICENCE],
        claims=LICENCE_CLAIMS,
        verifier=REGULATOR,
        nonce=licence_nonce(did),
    )
    state.set("nonce/" + did, state.get("nonce/" + did, 0) + 1)
    facts = got["claims"]
    kind = facts["entity_kind"]
    require(kind in ENTITY_KINDS, f"enterprise rule: unknown entity kind '{kind}'")
    require(facts["sector"] in SECTORS, "enterprise rule: sector must be a GB/T 4754 门类 letter")
    district = facts["district"]
    require(
        isinstance(district, str) and len(district) == 6 and district.isdigit(),
        "enterprise rule: district must be a 6-digit code",
    )
    operator = facts["operator_did"] if kind == "sole_proprietor" else None
    if kind == "sole_proprietor":
        require(
            checks.is_did(operator) and operator != did,
            "enterprise rule: a sole proprietorship's licence names its operator's DID",
        )
    return save_enterprise(
        did,
        kind,
        facts["sector"],
        district,
        operator,
        {
            "source": "licence",
            "check": got["check"],
            "presentations": [x["presentation_hash"] for x in got["credentials"]],
        },
    )


@call(roles=["treasurer"])
def register_member_enterprise(sector: str, district: str) -> dict:
    """A member organisation registers itself as an enterprise (its organisation DID): sector
    and district are its own declaration, recorded as such (``source: declared``)."""
    require(sector in SECTORS, "enterprise rule: sector must be a GB/T 4754 门类 letter")
    require(len(district) == 6 and district.isdigit(), "enterprise rule: district must be 6 digits")
    return save_enterprise(
        f"did:wuyi:org:{ctx.sender_org}", "company", sector, district, None, {"source": "declared"}
    )


def save_enterprise(did, kind, sector, district, operator, how):
    old = state.get("ent/" + did)
    if old is None:
        count("enterprises", 1)
    e = {
        "did": did,
        "kind": kind,
        "sector": sector,
        "district": district,
        "operator": operator,
        "since": ctx.height if old is None else old["since"],
        "height": ctx.height,
        "time": ctx.time,
    }
    e.update(how)
    state.set("ent/" + did, e)
    emit("EnterpriseRegistered", enterprise=did, sector=sector, source=how["source"])
    return e


# -- loan applications and decisions -------------------------------------------------------------


def check_collateral(did, collateral):
    require(
        isinstance(collateral, list) and len(collateral) <= MAX_COLLATERAL,
        f"collateral rule: at most {MAX_COLLATERAL} items",
    )
    out = []
    for c in collateral:
        require(
            isinstance(c, dict)
            and c.get("kind") in COLLATERAL_KINDS
            and isinstance(c.get("ref"), str),
            "collateral rule: each item is {kind: property|receivable, ref}",
        )
        ref = c["ref"]
        if c["kind"] == "property":
            owned_unit(did, ref)
        else:
            r = load_rcv(ref)
            require(
                r["creditor"] == did,
                f"collateral rule: receivable '{ref}' is not the applicant's",
            )
            require(
                r["status"] == "confirmed",
                f"receivable rule: '{ref}' is {r['status']}; only a receivable its debtor"
                " confirmed (确权) may secure a loan",
            )
        item = {"kind": c["kind"], "ref": ref}
        require(item not in out, f"collateral rule: '{ref}' is offered twice")
        out.append(item)
    return out


def owned_unit(did, unit_id):
    u = invoke(REGISTRY, "unit", unit_id=unit_id)
    require(u is not None, f"collateral rule: unit '{unit_id}' is not in the real-estate registry")
    require(
        did in [o["did"] for o in u["owners"]],
        f"collateral rule: unit '{unit_id}' is not registered to {did}",
    )
    return u


@call(public=True)
def apply(
    bank: str, amount: int, term_months: int, purpose: str, collateral: list | None = None
) -> dict:
    """A registered enterprise applies to ``bank`` for ``amount`` fen over ``term_months``
    months for ``purpose``, offering ``collateral`` ([{kind: property|receivable, ref}]:
    a registry unit it owns, a receivable its debtor confirmed). Returns the application."""
    did = as_party("a loan application")
    e = load_ent(did)
    banks = governed.value("banks")
    require(
        bank in banks, f"loan rule: '{bank}' is not a bank of the platform ({', '.join(banks)})"
    )
    money.positive(amount, "amount")
    require(1 <= term_months <= MAX_TERM, f"loan rule: term_months must be 1-{MAX_TERM}")
    require(purpose in PURPOSES, f"loan rule: purpose must be one of {', '.join(PURPOSES)}")
    offered = check_collateral(did, collateral or [])
    app_id = records.seq("app", "LA", 8)
    a = {
        "id": app_id,
        "enterprise": did,
        "sector": e["sector"],
        "bank": bank,
        "amount": amount,
        "term_months": term_months,
        "purpose": purpose,
        "collateral": offered,
        "status": "applied",
        "applied_on": calendar.today(),
        "decision": None,
        "disbursed": 0,
        "outstanding": 0,
        "repaid": 0,
        "written_off": 0,
        "start": None,
        "due": None,
        "overdue": None,
        "notice": None,
        "pledges": [],
        "consents": [],
        "height": ctx.height,
        "time": ctx.time,
        "trace": [{"status": "applied", "height": ctx.height, "time": ctx.time, "by": ctx.sender}],
    }
    count("applied", 1)
    save_app(a)
    state.set(f"ent_app/{did}/{app_id}", ctx.height)
    state.set(f"bank_app/{bank}/{app_id}", ctx.height)
    emit("Applied", application=app_id, bank=bank, amount=amount)
    return a


@call(public=True)
def withdraw(application_id: str) -> str:
    """The enterprise withdraws an application the bank has not decided yet."""
    did = as_party("withdrawing an application")
    a = load_app(application_id)
    require(a["enterprise"] == did, f"loan rule: '{application_id}' is not your application")
    require(a["status"] == "applied", f"loan rule: '{application_id}' is {a['status']}")
    set_status(a, "withdrawn")
    save_app(a)
    emit("Withdrawn", application=application_id)
    return a["status"]


@call(roles=["banker"])
def decide(
    application_id: str,
    approve: bool,
    amount: int = 0,
    rate_bp: int = 0,
    term_months: int = 0,
    reason: str = "",
) -> dict:
    """The bank decides: approval with the amount (at most the amount applied for), the rate
    (basis points a year) and the term; refusal with a reason code (``refusal_reasons``)."""
    a = own_loan(application_id, ["applied"], "decision rule")
    if approve:
        money.positive(amount, "amount")
        require(
            amount <= a["amount"],
            f"decision rule: approved {amount} fen exceeds the {a['amount']} fen applied for",
        )
        require(1 <= rate_bp <= MAX_RATE_BP, f"decision rule: rate_bp must be 1-{MAX_RATE_BP}")
        require(1 <= term_months <= MAX_TERM, f"decision rule: term_months must be 1-{MAX_TERM}")
        decision = {
            "approved": True,
            "amount": amount,
            "rate_bp": rate_bp,
            "term_months": term_months,
            "reason": reason if reason else None,
        }
    else:
        reasons = governed.value("refusal_reasons")
        require(
            reason in reasons,
            f"decision rule: a refusal names its reason code (one of {', '.join(reasons)})",
        )
        decision = {
            "approved": False,
            "amount": 0,
            "rate_bp": 0,
            "term_months": 0,
            "reason": reason,
        }
    decision.update({"by": ctx.sender, "height": ctx.height, "on": calendar.today()})
    a["decision"] = decision
    set_status(a, "approved" if approve else "refused")
    save_app(a)
    emit("Decided", application=application_id, status=a["status"], reason=decision["reason"])
    return decision


# -- exposure, statistics and alerts -------------------------------------------------------------


def contribution(a):
    """What loan ``a`` adds to its sector/bank totals and to its enterprise's exposure."""
    out = a["outstanding"]
    late = a["overdue"] is not None
    npl = late and a["overdue"]["dpd"] >= governed.value("npl_dpd")
    return {
        "loans": 1 if out > 0 else 0,
        "outstanding": out,
        "overdue": out if late else 0,
        "npl": out if npl else 0,
        "overdue_loans": 1 if late else 0,
    }


def account(a, sign, cumulative=None):
    """Add (``sign`` 1) or remove (-1) loan ``a``'s contribution; ``cumulative`` adds to the
    running totals (disbursed, repaid, written_off)."""
    c = contribution(a)
    key = f"stat/{a['sector']}/{a['bank']}"
    s = state.get(key) or {
        "sector": a["sector"],
        "bank": a["bank"],
        "loans": 0,
        "outstanding": 0,
        "overdue": 0,
        "npl": 0,
        "disbursed": 0,
        "repaid": 0,
        "written_off": 0,
    }
    for k in ["loans", "outstanding", "overdue", "npl"]:
        s[k] = s[k] + sign * c[k]
    for k, v in (cumulative or {}).items():
        s[k] = s[k] + v
    state.set(key, s)
    x = state.get("exp/" + a["enterprise"]) or {"banks": {}, "total": 0, "overdue_loans": 0}
    x["banks"][a["bank"]] = x["banks"].get(a["bank"], 0) + sign * c["outstanding"]
    if x["banks"][a["bank"]] == 0:
        x["banks"].pop(a["bank"])
    x["total"] = x["total"] + sign * c["outstanding"]
    x["overdue_loans"] = x["overdue_loans"] + sign * c["overdue_loans"]
    state.set("exp/" + a["enterprise"], x)
    return x


def alert(kind, did, facts):
    key = f"alerted/{kind}/{did}"
    if state.has(key):
        return
    aid = records.seq("alert", "AL", 8)
    rec = {"id": aid, "kind": kind, "enterprise": did, "status": "open", "action": None}
    rec.update(facts)
    rec.update({"height": ctx.height, "time": ctx.time, "on": calendar.today()})
    state.set("alert/" + aid, rec)
    state.set(key, aid)
    emit("Alert", alert=aid, kind=kind)


def watch(did, x):
    """Raise the regulator's alerts an enterprise's new exposure ``x`` calls for."""
    lenders = len(x["banks"])
    most = governed.value("multi_lending_banks")
    if lenders >= most:
        alert("multi_lending", did, {"value": lenders, "threshold": most})
    elif state.has("alerted/multi_lending/" + did):
        state.delete("alerted/multi_lending/" + did)  # a later rise alerts again
    limit = governed.value("single_exposure_alert")
    if x["total"] >= limit:
        alert("concentration", did, {"value": x["total"], "threshold": limit})
    elif state.has("alerted/concentration/" + did):
        state.delete("alerted/concentration/" + did)


@call(roles=["supervisor"])
def handle_alert(alert_id: str, action: str) -> dict:
    """金融局 records what it did about an alert (``reviewed``, ``inquiry_sent``,
    ``referred``); the alert is closed."""
    require(ctx.sender_org == REGULATOR, f"alert rule: only supervisors of '{REGULATOR}' act")
    rec = state.get("alert/" + alert_id)
    require(rec is not None, f"alert rule: no alert '{alert_id}'")
    require(rec["status"] == "open", f"alert rule: '{alert_id}' is already {rec['status']}")
    require(
        action in ALERT_ACTIONS, f"alert rule: action must be one of {', '.join(ALERT_ACTIONS)}"
    )
    rec.update({"status": "closed", "action": action, "closed_height": ctx.height})
    rec["closed_by"] = ctx.sender
    state.set("alert/" + alert_id, rec)
    emit("AlertHandled", alert=alert_id, action=action)
    return rec


# -- disbursements, repayments, overdue events ---------------------------------------------------


@call(roles=["banker"])
def disburse(loan_id: str, amount: int) -> dict:
    """The bank pays out (放款): all disbursements together at most the approved amount. The
    first sets the start and the due date (the approved term in months)."""
    a = own_loan(loan_id, ["approved", "active"], "disbursement rule")
    money.positive(amount, "amount")
    approved = a["decision"]["amount"]
    require(
        a["disbursed"] + amount <= approved,
        f"disbursement rule: {a['disbursed'] + amount} fen would exceed the approved"
        f" {approved} fen ({a['disbursed']} fen paid out)",
    )
    account(a, -1)
    a["disbursed"] = a["disbursed"] + amount
    a["outstanding"] = a["outstanding"] + amount
    if a["start"] is None:
        a["start"] = calendar.today()
        a["due"] = calendar.add_months(a["start"], a["decision"]["term_months"])
        set_status(a, "active")
    watch(a["enterprise"], account(a, 1, {"disbursed": amount}))
    save_app(a)
    emit("Disbursed", loan=loan_id, amount=amount)
    return {"loan": loan_id, "disbursed": a["disbursed"], "outstanding": a["outstanding"]}


def end_overdue(a, how):
    """Close loan ``a``'s open overdue event: its negative record ends today."""
    o = a["overdue"]
    if o is None:
        return
    rec = state.get(o["record"])
    rec["ended"] = calendar.today()
    rec["ended_by"] = how
    state.set(o["record"], rec)
    a["overdue"] = None


@call(roles=["banker"])
def repay(loan_id: str, amount: int) -> dict:
    """A repayment the bank received: at most the outstanding amount. Paid off, the loan is
    settled and an open overdue event ends."""
    a = own_loan(loan_id, ["active"], "repayment rule")
    money.positive(amount, "amount")
    require(
        amount <= a["outstanding"],
        f"repayment rule: {amount} fen exceeds the outstanding {a['outstanding']} fen",
    )
    account(a, -1)
    a["outstanding"] = a["outstanding"] - amount
    a["repaid"] = a["repaid"] + amount
    if a["outstanding"] == 0:
        end_overdue(a, "settled")
        set_status(a, "settled")
    watch(a["enterprise"], account(a, 1, {"repaid": amount}))
    save_app(a)
    emit("Repaid", loan=loan_id, amount=amount, status=a["status"])
    return {"loan": loan_id, "outstanding": a["outstanding"], "status": a["status"]}


@call(roles=["banker"])
def notify_overdue(loan_id: str, notice_hash: bytes) -> dict:
    """The bank records that it told the borrower, before reporting, that a negative record
    will be reported (征信业管理条例第十五条: 事先告知), with the hash of the notice."""
    a = own_loan(loan_id, ["active"], "notice rule")
    checks.check_hash(notice_hash, "notice rule: notice_hash")
    a["notice"] = {"hash": notice_hash, "height": ctx.height, "on": calendar.today()}
    save_app(a)
    emit("OverdueNotified", loan=loan_id)
    return a["notice"]


@call(roles=["banker"])
def report_overdue(loan_id: str, dpd: int, amount: int) -> dict:
    """An overdue event (逾期): ``dpd`` days past due, ``amount`` fen past due. Only after the
    borrower was told in an earlier block; a later report of the same event may only raise
    the days. Opens the enterprise's negative record; at ``npl_dpd`` days the regulator is
    alerted (不良)."""
    a = own_loan(loan_id, ["active"], "overdue rule")
    n = a["notice"]
    require(
        n is not None and n["height"] < ctx.height,
        "negative-record rule (征信业管理条例第十五条): tell the borrower first"
        " (notify_overdue, in an earlier block)",
    )
    require(1 <= dpd <= MAX_DPD, f"overdue rule: dpd must be 1-{MAX_DPD} days")
    money.positive(amount, "amount")
    require(
        amount <= a["outstanding"],
        f"overdue rule: {amount} fen past due exceeds the outstanding {a['outstanding']} fen",
    )
    account(a, -1)
    o = a["overdue"]
    if o is None:
        rid = records.seq("neg", "NG", 8)
        key = f"neg/{a['enterprise']}/{rid}"
        state.set(
            key,
            {
                "id": rid,
                "enterprise": a["enterprise"],
                "kind": "overdue",
                "source": "reported",
                "bank": a["bank"],
                "loan": loan_id,
                "dpd": dpd,
                "amount": amount,
                "started": calendar.add_days(calendar.today(), -dpd),
                "ended": None,
                "ended_by": None,
                "height": ctx.height,
            },
        )
        o = {"record": key, "dpd": dpd, "amount": amount, "since": ctx.height}
    else:
        require(
            dpd >= o["dpd"],
            f"overdue rule: the event already stands at {o['dpd']} days past due; a later"
            " report may only raise it (cure_overdue ends it)",
        )
        rec = state.get(o["record"])
        rec.update({"dpd": dpd, "amount": amount})
        state.set(o["record"], rec)
        o.update({"dpd": dpd, "amount": amount})
    a["overdue"] = o
    watch(a["enterprise"], account(a, 1))
    npl = governed.value("npl_dpd")
    if dpd >= npl:
        alert("npl", a["enterprise"], {"value": dpd, "threshold": npl, "loan": loan_id})
    save_app(a)
    emit("Overdue", loan=loan_id, dpd=dpd)
    return o


@call(roles=["banker"])
def cure_overdue(loan_id: str) -> dict:
    """The arrears are paid: the overdue event ends today (the retention period runs from
    now)."""
    a = own_loan(loan_id, ["active"], "overdue rule")
    require(a["overdue"] is not None, f"overdue rule: loan '{loan_id}' is not overdue")
    account(a, -1)
    rec_key = a["overdue"]["record"]
    end_overdue(a, "cured")
    watch(a["enterprise"], account(a, 1))
    state.delete("alerted/npl/" + a["enterprise"])
    save_app(a)
    emit("Cured", loan=loan_id)
    return state.get(rec_key)


@call(roles=["banker"])
def write_off(loan_id: str, reason: str) -> dict:
    """核销: an overdue loan's outstanding amount is written off (``reason``, a short code);
    its overdue event ends today with the write-off."""
    a = own_loan(loan_id, ["active"], "write-off rule")
    require(a["overdue"] is not None, "write-off rule: only an overdue loan is written off")
    require(
        2 <= len(reason) <= 32 and reason.replace("_", "").isalnum(),
        "write-off rule: reason is a code",
    )
    account(a, -1)
    amount = a["outstanding"]
    a["written_off"] = amount
    a["outstanding"] = 0
    end_overdue(a, "written_off")
    set_status(a, "written_off")
    a["trace"][-1]["reason"] = reason
    watch(a["enterprise"], account(a, 1, {"written_off": amount}))
    save_app(a)
    emit("WrittenOff", loan=loan_id, amount=amount)
    return {"loan": loan_id, "written_off": amount}


@call(roles=["banker"])
def record_legacy_negative(
    enterprise: str, dpd: int, amount: int, started: str, ended: str
) -> dict:
    """A bank brings an overdue event that ended before the platform (存量不良信息): its own
    claim, recorded as such (``source: legacy``), hidden like any other after the retention
    period from its end."""
    bank = as_bank()
    load_ent(enterprise)
    require(1 <= dpd <= MAX_DPD, f"overdue rule: dpd must be 1-{MAX_DPD} days")
    money.positive(amount, "amount")
    s, e = calendar.parse(started), calendar.parse(ended)
    require(
        s <= e <= calendar.parse(calendar.today()),
        "overdue rule: a past event started before it ended, and ended by today",
    )
    rid = records.seq("neg", "NG", 8)
    rec = {
        "id": rid,
        "enterprise": enterprise,
        "kind": "overdue",
        "source": "legacy",
        "bank": bank,
        "loan": None,
        "dpd": dpd,
        "amount": amount,
        "started": started,
        "ended": ended,
        "ended_by": "legacy",
        "height": ctx.height,
    }
    state.set(f"neg/{enterprise}/{rid}", rec)
    emit("LegacyNegative", enterprise=enterprise, record=rid)
    return rec


# -- collateral ----------------------------------------------------------------------------------


def offered(a, kind, ref):
    require(
        {"kind": kind, "ref": ref} in a["collateral"],
        f"collateral rule: the enterprise did not offer {kind} '{ref}' for '{a['id']}'",
    )


def add_pledge(a, kind, ref, field, value, amount):
    """Record an active pledge of ``ref`` (with its ``field``: the mortgage or encumbrance) on
    loan ``a`` and save the loan."""
    p = {
        "kind": kind,
        "ref": ref,
        field: value,
        "amount": amount,
        "status": "active",
        "height": ctx.height,
    }
    a["pledges"].append(p)
    save_app(a)
    return p


@call(roles=["banker"])
def pledge_property(loan_id: str, unit_id: str, amount: int) -> dict:
    """The bank registers its mortgage (抵押登记) on a unit the enterprise offered and owns,
    through the real-estate registry (``realestate.register_mortgage``)."""
    a = own_loan(loan_id, ["approved", "active"], "collateral rule")
    offered(a, "property", unit_id)
    owned_unit(a["enterprise"], unit_id)
    mortgage = invoke(REGISTRY, "register_mortgage", unit_id=unit_id, amount=amount)
    p = add_pledge(a, "property", unit_id, "mortgage", mortgage, amount)
    emit("PropertyPledged", loan=loan_id, unit=unit_id, mortgage=mortgage)
    return p


@call(roles=["banker"])
def pledge_receivable(loan_id: str, receivable_id: str, kind: str, registry_no: str) -> dict:
    """The bank takes a confirmed receivable the enterprise offered as a pledge (质押) or by
    transfer (转让/保理), with the registration number of 动产融资统一登记公示系统 (the bank's
    own record of it). One pledge or transfer at a time across all banks."""
    a = own_loan(loan_id, ["approved", "active"], "collateral rule")
    offered(a, "receivable", receivable_id)
    require(kind in ENCUMBRANCES, "receivable rule: kind is pledge or transfer")
    require(
        4 <= len(registry_no) <= 40 and registry_no.replace("-", "").isalnum(),
        "receivable rule: registry_no is the registration number (4-40 letters and digits)",
    )
    r = load_rcv(receivable_id)
    require(r["creditor"] == a["enterprise"], "receivable rule: not the borrower's receivable")
    require(
        r["status"] == "confirmed",
        f"receivable rule: '{receivable_id}' is {r['status']}; only a receivable its debtor"
        " confirmed (确权) may be financed",
    )
    e = r["encumbrance"]
    if e is not None:
        revert(
            f"double-financing rule: receivable '{receivable_id}' is already under a {e['kind']}"
            f" to {e['bank']} (loan {e['loan']}, registration {e['registry_no']}); it cannot be"
            " pledged or transferred twice"
        )
    require(
        calendar.parse(r["due_date"]) >= calendar.parse(calendar.today()),
        f"receivable rule: '{receivable_id}' fell due on {r['due_date']}",
    )
    enc = {
        "kind": kind,
        "bank": a["bank"],
        "loan": loan_id,
        "registry_no": registry_no,
        "height": ctx.height,
        "on": calendar.today(),
    }
    r["encumbrance"] = enc
    r["history"].append(enc)
    state.set("rcv/" + receivable_id, r)
    add_pledge(a, "receivable", receivable_id, "encumbrance", kind, r["amount"])
    emit("ReceivableFinanced", loan=loan_id, receivable=receivable_id, kind=kind)
    return enc


@call(roles=["banker"])
def release_collateral(loan_id: str) -> list:
    """Once the loan is repaid in full (or written off) the bank releases every pledge of the
    loan: its mortgages in the registry (``realestate.release_mortgage``), its receivables."""
    a = own_loan(loan_id, ["settled", "written_off"], "release rule")
    done = []
    for p in a["pledges"]:
        if p["status"] != "active":
            continue
        if p["kind"] == "property":
            invoke(REGISTRY, "release_mortgage", mortgage_id=p["mortgage"])
        else:
            r = load_rcv(p["ref"])
            r["encumbrance"] = None
            state.set("rcv/" + p["ref"], r)
        p["status"] = "released"
        p["released_height"] = ctx.height
        done.append(p["ref"])
    require(done, f"release rule: loan '{loan_id}' has no active pledge")
    save_app(a)
    emit("Released", loan=loan_id, items=len(done))
    return done


# -- receivables (应收账款) ----------------------------------------------------------------------


@call(public=True)
def register_receivable(
    debtor: str, amount: int, due_date: str, contract_hash: bytes, invoice_hash: bytes
) -> dict:
    """The creditor (a registered enterprise) records a receivable: the debtor's DID, the
    amount, the due date (at most ``hard_term_months`` ahead), the hashes of the contract and
    the invoice. One invoice, one receivable: the same invoice, or the same contract, invoice,
    debtor and amount, is refused a second time. It exists as a financeable asset only once
    the debtor confirms it."""
    creditor = as_party("registering a receivable")
    load_ent(creditor)
    require(
        checks.is_did(debtor) and debtor != creditor, "receivable rule: the debtor is another DID"
    )
    money.positive(amount, "amount")
    checks.check_hash(contract_hash, "receivable rule: contract_hash")
    checks.check_hash(invoice_hash, "receivable rule: invoice_hash")
    today = calendar.today()
    due = calendar.parse(due_date)
    cap = governed.value("hard_term_months")
    require(
        calendar.parse(today) < due <= calendar.parse(calendar.add_months(today, cap)),
        f"receivable rule: the due date must be after today and within {cap} months",
    )
    seen = state.get("rcv_invoice/" + invoice_hash.hex())
    if seen is not None:
        revert(f"one-receivable rule: invoice {invoice_hash.hex()[:16]}… is already {seen}")
    fp = hash(contract_hash + invoice_hash + debtor.encode() + str(amount).encode()).hex()
    require(
        not state.has("rcv_fp/" + fp),
        f"one-receivable rule: the same receivable is already {state.get('rcv_fp/' + fp)}",
    )
    rid = records.seq("rcv", "RV", 8)
    r = {
        "id": rid,
        "creditor": creditor,
        "debtor": debtor,
        "amount": amount,
        "due_date": due_date,
        "contract_hash": contract_hash,
        "invoice_hash": invoice_hash,
        "fingerprint": fp,
        "status": "registered",
        "registered_on": today,
        "confirmed_on": None,
        "term_days": None,
        "long_term_reason": None,
        "encumbrance": None,
        "history": [],
        "height": ctx.height,
    }
    state.set("rcv/" + rid, r)
    state.set("rcv_invoice/" + invoice_hash.hex(), rid)
    state.set("rcv_fp/" + fp, rid)
    state.set(f"rcv_of/{creditor}/{rid}", "creditor")
    state.set(f"rcv_of/{debtor}/{rid}", "debtor")
    count("receivables", 1)
    emit("ReceivableRegistered", receivable=rid, amount=amount)
    return r


@call(public=True)
def confirm_receivable(receivable_id: str, long_term_reason: str = "") -> dict:
    """确权: the debtor (a registered enterprise) confirms it owes the receivable. From today
    to the due date is the e-voucher's term: at most ``max_term_months``, or up to
    ``hard_term_months`` with the debtor's stated reason (a short code)."""
    debtor = as_party("confirming a receivable")
    load_ent(debtor)
    r = load_rcv(receivable_id)
    require(r["debtor"] == debtor, f"confirmation rule: only the debtor {r['debtor']} confirms")
    require(r["status"] == "registered", f"confirmation rule: '{receivable_id}' is {r['status']}")
    today = calendar.today()
    due = calendar.parse(r["due_date"])
    require(due > calendar.parse(today), f"confirmation rule: it fell due on {r['due_date']}")
    months = governed.value("max_term_months")
    cap = governed.value("hard_term_months")
    if due > calendar.parse(calendar.add_months(today, months)):
        require(
            due <= calendar.parse(calendar.add_months(today, cap)),
            f"e-voucher term rule (银发〔2025〕77号): the term may not exceed {cap} months",
        )
        require(
            2 <= len(long_term_reason) <= 32,
            f"e-voucher term rule (银发〔2025〕77号): a term beyond {months} months needs the"
            " debtor's reason (a code)",
        )
        r["long_term_reason"] = long_term_reason
    r["status"] = "confirmed"
    r["confirmed_on"] = today
    r["term_days"] = due - calendar.parse(today)
    state.set("rcv/" + receivable_id, r)
    emit("ReceivableConfirmed", receivable=receivable_id)
    return r


@call(public=True)
def dispute_receivable(receivable_id: str) -> dict:
    """The debtor refuses to confirm a receivable (it is not owed, or not so): it can never be
    financed."""
    debtor = as_party("disputing a receivable")
    r = load_rcv(receivable_id)
    require(r["debtor"] == debtor, f"confirmation rule: only the debtor {r['debtor']} disputes")
    require(r["status"] == "registered", f"confirmation rule: '{receivable_id}' is {r['status']}")
    r["status"] = "disputed"
    state.set("rcv/" + receivable_id, r)
    emit("ReceivableDisputed", receivable=receivable_id)
    return r


# -- credit consents (the data-sharing channel's gate) -------------------------------------------


@call(public=True)
def grant_consent(application_id: str, items: list[str], days: int) -> dict:
    """The enterprise authorises the application's bank to read the listed government data
    items (catalogue entries of ``data_items``) for this application, from now for ``days``
    days (at most ``max_consent_days``). A sole proprietorship's consent takes effect only once
    its operator also consents in person (``consent_personal``)."""
    did = as_party("a credit consent")
    a = load_app(application_id)
    require(a["enterprise"] == did, f"consent rule: '{application_id}' is not your application")
    require(
        a["status"] in CONSENT_USES,
        f"consent rule: '{application_id}' is {a['status']}; there is no purpose to consent to",
    )
    allowed = governed.value("data_items")
    require(len(items) > 0, "consent rule: name at least one data item")
    for i in items:
        require(
            i in allowed, f"consent rule: '{i}' is not a shared data item ({', '.join(allowed)})"
        )
        require(items.count(i) == 1, f"consent rule: '{i}' is listed twice")
    most = governed.value("max_consent_days")
    require(1 <= days <= most, f"consent rule: a consent lasts 1-{most} days")
    e = load_ent(did)
    cid = records.seq("consent", "CA", 8)
    c = {
        "id": cid,
        "enterprise": did,
        "bank": a["bank"],
        "application": application_id,
        "items": items,
        "not_before": ctx.time,
        "not_after": ctx.time + days * DAY_MS,
        "status": "awaiting_person" if e["operator"] is not None else "active",
        "person": e["operator"],
        "person_consent": None,
        "revoked": None,
        "height": ctx.height,
    }
    state.set("consent/" + cid, c)
    state.set(f"ent_consent/{did}/{cid}", ctx.height)
    a["consents"].append(cid)
    save_app(a)
    emit("ConsentGranted", consent=cid, bank=a["bank"], application=application_id)
    return c


@call(public=True)
def consent_personal(consent_id: str, notice_hash: bytes) -> dict:
    """The operator of a sole proprietorship consents in person, with their own DID key, to
    the use of their personal data under the consent (征信业管理条例第十三条、第十八条: the
    person's written consent; 第十四条: after being told of the consequences — ``notice_hash``
    is the hash of the authorisation text they were shown)."""
    c = load_consent(consent_id)
    require(
        c["person"] is not None and ctx.sender_did == c["person"],
        "personal-consent rule: only the operator named on the licence consents, with their"
        " own DID key",
    )
    require(c["status"] == "awaiting_person", f"personal-consent rule: it is {c['status']}")
    checks.check_hash(notice_hash, "personal-consent rule: notice_hash")
    c["person_consent"] = {"notice_hash": notice_hash, "height": ctx.height, "time": ctx.time}
    c["status"] = "active"
    state.set("consent/" + consent_id, c)
    emit("PersonalConsent", consent=consent_id)
    return c


@call(public=True)
def revoke_consent(consent_id: str) -> dict:
    """The enterprise (or the operator of a sole proprietorship) withdraws a consent: from the
    next transaction on no request, approval, delivery or access under it goes through."""
    c = load_consent(consent_id)
    p = party()
    require(
        p is not None and p in [c["enterprise"], c["person"]],
        "consent rule: only the enterprise (or its operator) revokes its consent",
    )
    require(c["status"] != "revoked", "consent rule: it is already revoked")
    c["status"] = "revoked"
    c["revoked"] = {"by": p, "height": ctx.height, "time": ctx.time}
    state.set("consent/" + consent_id, c)
    emit("ConsentRevoked", consent=consent_id)
    return c


@view
def data_consent(request: dict) -> dict:
    """The consent gate of the data departments' catalogue entries (``gate: finance``): the
    request's purpose starts with the consent id and the loan application id
    (``CA00000001 LA00000001 …``); the consent must be live now (granted, and by the operator
    in person for a sole proprietorship; not revoked; within its window), name the requesting
    bank and the dataset, cover the window asked for, and its application must still be in
    progress. Reverts naming the rule; returns ``{consent, enterprise, application}``."""
    words = str(request.get("purpose", "")).split(" ")
    cid = words[0]
    c = state.get("consent/" + cid)
    require(
        c is not None,
        "consent rule: the purpose must start with the enterprise's consent id and the"
        " application id (e.g. 'CA00000001 LA00000001 授信审查')",
    )
    require(
        len(words) > 1 and words[1] == c["application"],
        f"purpose rule: consent {cid} is for application {c['application']}; name it after the"
        " consent id",
    )
    if c["status"] == "awaiting_person":
        revert(
            f"personal-consent rule (征信业管理条例第十三条): the operator of {c['enterprise']}"
            " has not consented in person yet"
        )
    require(c["status"] == "active", f"consent rule: consent {cid} was revoked")
    require(
        c["not_before"] <= ctx.time < c["not_after"],
        f"consent rule: consent {cid} is not in force now (its window has ended)",
    )
    require(
        request.get("requester_org") == c["bank"],
        f"consent rule: consent {cid} names the bank {c['bank']}, not"
        f" {request.get('requester_org')}",
    )
    require(
        request.get("dataset") in c["items"],
        f"consent rule: consent {cid} does not cover '{request.get('dataset')}'"
        f" ({', '.join(c['items'])})",
    )
    until = request.get("until")
    require(
        isinstance(until, int) and until <= c["not_after"],
        f"consent rule: the window asked for outlasts consent {cid}",
    )
    a = load_app(c["application"])
    require(
        a["status"] in CONSENT_USES,
        f"purpose rule: application {a['id']} is {a['status']}; the consent's purpose has ended",
    )
    return {"consent": cid, "enterprise": c["enterprise"], "application": a["id"]}


# -- views ---------------------------------------------------------------------------------------


@view
def enterprise(did: str) -> dict | None:
    return state.get("ent/" + did)


@view
def application(application_id: str) -> dict | None:
    """An application or loan with its decision, disbursements, repayments, overdue event,
    pledges and consents."""
    return state.get("app/" + application_id)


@view
def consent(consent_id: str) -> dict | None:
    return state.get("consent/" + consent_id)


@view
def receivable(receivable_id: str) -> dict | None:
    return state.get("rcv/" + receivable_id)


@view
def exposure(did: str) -> dict:
    """An enterprise's aggregate exposure across banks (多头借贷): how many banks lend to it,
    the total outstanding, whether any loan is overdue — never which bank lends how much."""
    x = state.get("exp/" + did) or {"banks": {}, "total": 0, "overdue_loans": 0}
    return {
        "enterprise": did,
        "lenders": len(x["banks"]),
        "total": x["total"],
        "overdue": x["overdue_loans"] > 0,
        "overdue_loans": x["overdue_loans"],
    }


def visible(rec, today, years):
    return rec["ended"] is None or today < calendar.parse(
        calendar.add_months(rec["ended"], 12 * years)
    )


@view
def negative_records(did: str) -> list:
    """The enterprise's negative records (overdue events) still within the retention period:
    open ones, and those that ended less than ``negative_retention_years`` ago. Older ones
    are not shown (征信业管理条例第十六条)."""
    today = calendar.parse(calendar.today())
    years = governed.value("negative_retention_years")
    out = []
    for _, rec in state.range(f"neg/{did}/", limit=1000):
        if visible(rec, today, years):
            out.append(rec)
    return out


@view
def stats() -> dict:
    """Totals by sector and bank (loans with a balance, outstanding, overdue and NPL balances,
    cumulative disbursed, repaid and written off, in fen) and applications by status."""
    rows = [v for _, v in state.range("stat/", limit=1000)]
    total = {"loans": 0, "outstanding": 0, "overdue": 0, "npl": 0, "disbursed": 0}
    total.update({"repaid": 0, "written_off": 0})
    for r in rows:
        for k in total:
            total[k] = total[k] + r[k]
    counts = {s: state.get("count/" + s, 0) for s in APP_STATUSES}
    return {
        "rows": rows,
        "total": total,
        "applications": counts,
        "enterprises": state.get("count/enterprises", 0),
        "receivables": state.get("count/receivables", 0),
    }
