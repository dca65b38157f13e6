"""慈善捐赠 Charity donations (scenario 3): 民政局 registers charities and decides their public
fundraising qualification (公开募捐资格); a qualified charity files a fundraising plan (募捐方案)
at least ``plan_filing_lead_days`` before it starts; donations are accepted only inside the
plan's window and channels, each with a receipt number (or an anonymous / declined record);
money goes out per project at most as it came in, each disbursement allocated first in, first
out to the donations and only to a purpose of the plan (a purpose change is filed first; a
restricted gift needs its donor's consent); disclosures are due from block time, with a public
overdue flag; an urgent project's idle money raises an alert; goods go batch → warehouse →
distribution → the recipient's own confirmation, quantities conserved; the year-end spending
and management-cost ratios are checked per charity type.

Actors: 民政局 (an org in ``param/bureaus``, role ``supervisor``; its admins set the
parameters); charities — registered by 民政局 with an enterprise DID (they sign with its key
through the ``public=True`` methods) or as a consortium organisation (its members with the
role ``fundraiser``); recipients (their DIDs, confirming what they received); anyone (raising
the flags the contract computes from block time).

No personal data: a donor is a salted commitment their wallet computes
(``donor = H("wuyi/charity/donor\\0" ‖ salt ‖ who)``, fresh salt per donation, so no two
donations of one donor can be linked), with a tracking reference
(``ref = H("wuyi/charity/ref\\0" ‖ H("wuyi/charity/track\\0" ‖ salt))``) and a consent lock
(``lock_n = H("wuyi/charity/lock\\0" ‖ H("wuyi/charity/consent\\0" ‖ salt ‖ n))``) that only
the holder of the salt can open; a recipient is ``H("wuyi/charity/recipient\\0" ‖ DID ‖ code)``
opened by the recipient's own DID signature. Amounts in fen, dates in China Standard Time of
the block. Rules and their legal basis: ``README.md``.
"""

from typing import Any

from wuyi.contract import call, ctx, emit, hash, require, state, view
from wuyi.contract.lib import calendar, checks, money, records
from wuyi.contract.lib import params as governed

ROLES = ["supervisor", "fundraiser"]
PARAM_DEFAULT_ORG = "mzj"
KINDS = ["foundation", "association", "service"]  # 基金会, 社会团体, 社会服务机构
USCC_PREFIX = {"foundation": "53", "association": "51", "service": "52"}
RECEIPT_KINDS = ["issued", "anonymous", "declined"]
DISCLOSURE_KINDS = ["periodic", "final"]
MAX_ALLOCATIONS = 400  # donations one disbursement may draw on (split a larger one)
MAX_SCAN = 1000  # donation records one disbursement may look at
MAX_PURPOSES = 16
MAX_FEN = 10**15
MAX_QTY = 10**12
LAW = "《中华人民共和国慈善法》（2016年施行，2023年12月29日修正，2024年9月5日施行）"
DISCLOSE = "《慈善组织信息公开办法》（修订，2026年1月1日施行）"
RATIO = (
    "慈善法（2023修正）关于年度慈善活动支出和管理费用的规定（条号据二手资料为第六十一条 [weak]）；"
    "民政部、财政部、税务总局《关于慈善组织开展慈善活动年度支出和管理费用的规定》（2016年）"
)
YUAN_WAN = 1000000  # 1 万元 in fen
PARAMS = {
    "bureaus": {
        "kind": "codes",
        "min_items": 1,
        "default": ["mzj"],
        "basis": LAW
        + "第十条：慈善组织由县级以上人民政府民政部门登记；"
        + "名单为本链上履行慈善组织登记管理职责的民政部门",
    },
    "min_registered_years": {
        "kind": "int",
        "min": 0,
        "max": 20,
        "default": 1,
        "basis": LAW
        + "第二十二条：依法登记满一年的慈善组织可以申请公开募捐资格（2016年文本为两年）",
    },
    "qualification_decision_days": {
        "kind": "int",
        "min": 1,
        "max": 120,
        "default": 20,
        "basis": LAW
        + "第二十二条：民政部门自受理申请之日起二十日内作出决定；"
        + "期限按《行政许可法》第八十二条以工作日计算",
    },
    "holidays": {
        "kind": "holidays",
        "default": calendar.CN_HOLIDAYS,
        "basis": "国务院办公厅节假日安排（每年通知；见表内各年依据）",
    },
    "plan_filing_lead_days": {
        "kind": "int",
        "min": 0,
        "max": 365,
        "default": 10,
        "basis": LAW + "第二十四条（募捐方案备案）；《公开募捐方案备案指引》（2026年1月1日施行）："
        "在开展公开募捐活动的十日前通过慈善中国备案",
    },
    "online_platforms": {
        "kind": "codes",
        "default": ["tencent", "alipay", "weibo", "cnsc"],
        "basis": LAW + "第二十七条：通过民政部指定的互联网公开募捐服务平台开展网络募捐"
        "（平台代码为演示值 [mem]；以民政部公布的名单为准）",
    },
    "offline_channels": {
        "kind": "codes",
        "min_items": 1,
        "default": ["bank", "box", "event", "media"],
        "basis": LAW + "第二十三条：公开募捐方式——募捐专户、公共场所募捐箱、义演义卖等活动、"
        "广播电视报刊等媒体",
    },
    "record_lag_days": {
        "kind": "int",
        "min": 0,
        "max": 365,
        "default": 30,
        "basis": "捐赠到账后最迟登记上链的天数 [mem]：未找到明文规定，由民政局设定（演示值）",
    },
    "long_campaign_months": {
        "kind": "int",
        "min": 1,
        "max": 120,
        "default": 6,
        "basis": DISCLOSE + "：募捐活动持续时间超过六个月的，至少每三个月公开一次",
    },
    "disclosure_interval_months": {
        "kind": "int",
        "min": 1,
        "max": 12,
        "default": 3,
        "basis": DISCLOSE + "：持续超过六个月的募捐活动和项目，至少每三个月公开一次",
    },
    "final_disclosure_months": {
        "kind": "int",
        "min": 1,
        "max": 12,
        "default": 3,
        "basis": DISCLOSE + "：募捐活动结束后三个月内全面公开募得款物和使用情况",
    },
    "idle_alert_days": {
        "kind": "int",
        "min": 1,
        "max": 365,
        "default": 15,
        "basis": "应急项目善款闲置预警天数 [mem]：未找到明文规定；吸取“9958/吴花燕”事件教训，"
        "由民政局设定（演示值）",
    },
    "spend_min_pct_public": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 70,
        "basis": RATIO + "：具有公开募捐资格的慈善组织年度慈善活动支出不得低于上年总收入的70%"
        "（或前三年收入平均数额）",
    },
    "mgmt_max_pct_public_foundation": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 10,
        "basis": RATIO + "：具有公开募捐资格的基金会年度管理费用不得超过当年总支出的10%",
    },
    "mgmt_max_pct_public_other": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 13,
        "basis": RATIO
        + "：具有公开募捐资格的社会团体和社会服务机构年度管理费用不得超过当年总支出的13%",
    },
    "spend_min_pct_nonpublic": {
        "kind": "bands",
        "bound": "net_assets_below_fen",
        "default": [[400 * YUAN_WAN, 8], [800 * YUAN_WAN, 7], [MAX_FEN, 6]],
        "basis": RATIO
        + "：不具有公开募捐资格的慈善组织按上年末净资产分档，年度慈善活动支出不得低于"
        "上年末净资产的6%–8% [mem: 分档（400万、800万元）据记忆，须核对原文]",
    },
    "mgmt_max_pct_nonpublic_foundation": {
        "kind": "bands",
        "bound": "net_assets_below_fen",
        "default": [
            [400 * YUAN_WAN, 20],
            [800 * YUAN_WAN, 15],
            [6000 * YUAN_WAN, 13],
            [MAX_FEN, 12],
        ],
        "basis": RATIO + "：不具有公开募捐资格的基金会管理费用上限12%–20%"
        " [mem: 分档据记忆，须核对原文]",
    },
    "mgmt_max_pct_nonpublic_other": {
        "kind": "bands",
        "bound": "net_assets_below_fen",
        "default": [[400 * YUAN_WAN, 20], [800 * YUAN_WAN, 15], [MAX_FEN, 13]],
        "basis": RATIO + "：不具有公开募捐资格的社会团体、社会服务机构管理费用上限13%–20%"
        " [mem: 分档据记忆，须核对原文]",
    },
    "mgmt_exempt_fen": {
        "kind": "int",
        "min": 0,
        "max": MAX_FEN,
        "default": 20 * YUAN_WAN,
        "basis": RATIO + "：年度管理费用低于20万元的，不受管理费用比例限制",
    },
    "annual_report_due": {
        "kind": "text",
        "max_len": 5,
        "default": "05-31",
        "basis": DISCLOSE + "：年度工作报告和财务会计报告于每年5月31日前公开",
    },
}


# -- governed parameters --------------------------------------------------------------------------


@call
def init(params: dict | None = None) -> None:
    """The parameters at their defaults (``params`` may override some, e.g. ``bureaus``)."""
    governed.init(PARAMS, params)


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of a 民政局 (``param/bureaus``) change a parameter, in force from the next
    block, on record with author, reason and legal basis."""
    bureaus = governed.value("bureaus")
    require(
        ctx.sender_org in bureaus,
        f"param rule: only admins of {', '.join(bureaus)} (民政局) set charity parameters",
    )
    return governed.change(PARAMS, name, value, reason, basis)


@view
def param(name: str) -> dict:
    """``{name, value, record}`` of a charity parameter."""
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    """Every change of a charity parameter, with author, reason and legal basis."""
    return governed.history(name)


# -- helpers --------------------------------------------------------------------------------------


def check_text(text, what, hi):
    """:func:`checks.check_text` with this contract's refusal (``input rule: <what> is ...``)."""
    return checks.check_text(text, "input rule: " + what, hi, says="is")


def check_hash(value, what, optional=False):
    """:func:`checks.check_hash` with this contract's refusal (``input rule: <what> is ...``)."""
    return checks.check_hash(value, "input rule: " + what, optional, says="is")


def alert(kind, charity_id, project_id, detail):
    """A record for 民政局's desk (and the public): ``alert/<seq>``."""
    n = records.next_number("alert")
    rec = {
        "id": "A" + records.pad(n, 6),
        "kind": kind,
        "charity": charity_id,
        "project": project_id,
        "detail": detail,
        "date": calendar.today(),
        "height": ctx.height,
        "time": ctx.time,
    }
    state.set("alert/" + records.pad(n, 8), rec)
    emit("Alert", id=rec["id"], kind=kind, charity=charity_id, project=project_id)
    return rec


# -- who ------------------------------------------------------------------------------------------


def as_bureau():
    bureaus = governed.value("bureaus")
    require(
        ctx.sender_org in bureaus and "supervisor" in ctx.sender_roles,
        f"bureau rule: only members of {', '.join(bureaus)} (民政局) with the role supervisor"
        " may do this",
    )


def load_charity(charity_id):
    return records.load(
        "org/" + charity_id, f"charity rule: no charity '{charity_id}' is registered"
    )


def acts_for(c):
    if c["did"] is not None and ctx.sender_did == c["did"]:
        return True
    return c["org"] is not None and ctx.sender_org == c["org"] and "fundraiser" in ctx.sender_roles


def as_charity(c):
    who = c["did"] if c["did"] is not None else f"members of {c['org']} with the role fundraiser"
    require(acts_for(c), f"charity rule: only {c['name']} ({who}) acts for charity '{c['id']}'")


def qualified(c):
    q = c["qualification"]
    return q is not None and q["status"] == "valid"


# -- charities and their public fundraising qualification (公开募捐资格) --------------------------


@call(roles=["supervisor"])
def register_charity(
    charity_id: str,
    name: str,
    kind: str,
    uscc: str,
    registered_on: str,
    did: str | None = None,
    org: str | None = None,
) -> dict:
    """民政局 records a charity it registered (登记/认定): ``kind`` foundation (基金会),
    association (社会团体) or service (社会服务机构); ``uscc`` its unified social credit code
    (check digit verified; 53/51/52 by kind); ``registered_on`` the registration date; the
    charity acts by its enterprise ``did`` or as the consortium organisation ``org``."""
    as_bureau()
    require(
        checks.is_code(charity_id, 2, 32), "charity rule: an id of 2-32 letters, digits, - or _"
    )
    require(not state.has("org/" + charity_id), f"charity rule: '{charity_id}' exists already")
    check_text(name, "name", 80)
    require(kind in KINDS, f"charity rule: kind is one of {', '.join(KINDS)}")
    require(checks.uscc_ok(uscc), f"charity rule: '{uscc}' is not a unified social credit code")
    require(
        uscc[:2] == USCC_PREFIX[kind],
        f"charity rule: a {kind}'s credit code starts with {USCC_PREFIX[kind]}",
    )
    require(
        calendar.parse(registered_on) <= calendar.parse(calendar.today()),
        "charity rule: the registration date is not in the future",
    )
    require(
        (did is None) != (org is None),
        "charity rule: a charity acts by its enterprise DID or as an organisation (one of them)",
    )
    require(did is None or checks.is_did(did), "charity rule: did is a did:wuyi DID")
    require(org is None or checks.is_code(org, 2, 32), "charity rule: org is an organisation id")
    c = {
        "id": charity_id,
        "name": name,
        "kind": kind,
        "uscc": uscc,
        "registered_on": registered_on,
        "did": did,
        "org": org,
        "qualification": None,
        "application": None,
        "by": ctx.sender_org,
        "height": ctx.height,
        "time": ctx.time,
    }
    state.set("org/" + charity_id, c)
    emit("CharityRegistered", charity=charity_id, kind=kind)
    return c


@call(public=True)
def apply_qualification(charity_id: str, doc: bytes) -> dict:
    """The charity applies for the public fundraising qualification (``doc``: the hash of its
    application file); 民政局's decision is due within ``qualification_decision_days``
    working days."""
    c = load_charity(charity_id)
    as_charity(c)
    check_hash(doc, "doc")
    require(not qualified(c), f"qualification rule: '{charity_id}' is qualified already")
    app = c["application"]
    require(
        app is None or app["status"] != "pending",
        f"qualification rule: '{charity_id}' has an application pending already",
    )
    today = calendar.today()
    due = calendar.add_working_days(
        today, governed.value("qualification_decision_days"), governed.value("holidays")
    )
    c["application"] = {
        "on": today,
        "due": due,
        "doc": doc,
        "status": "pending",
        "height": ctx.height,
    }
    state.set("org/" + charity_id, c)
    emit("QualificationApplied", charity=charity_id, due=due)
    return c["application"]


@call(roles=["supervisor"])
def decide_qualification(charity_id: str, grant: bool, cert_no: str = "", reason: str = "") -> dict:
    """民政局 decides a pending application: a grant needs the charity registered for at
    least ``min_registered_years`` (by block date) and a certificate number; a refusal names
    its reason. Whether the decision came within the working-day deadline is recorded."""
    as_bureau()
    c = load_charity(charity_id)
    app = c["application"]
    require(
        app is not None and app["status"] == "pending",
        f"qualification rule: '{charity_id}' has no pending application",
    )
    today = calendar.today()
    late = calendar.working_days_between(app["due"], today, governed.value("holidays"))
    if grant:
        years = governed.value("min_registered_years")
        since = calendar.add_months(c["registered_on"], 12 * years)
        require(
            calendar.parse(today) >= calendar.parse(since),
            f"charity.public_fundraising_qualification: '{charity_id}' was registered on"
            f" {c['registered_on']}; it may hold the qualification from {since}"
            f" (registered at least {years} year(s), param min_registered_years)",
        )
        require(
            checks.is_code(cert_no, 4, 40), "qualification rule: a certificate number is required"
        )
        c["qualification"] = {
            "status": "valid",
            "cert_no": cert_no,
            "since": today,
            "by": ctx.sender_org,
            "height": ctx.height,
            "history": [],
        }
        app["status"] = "granted"
    else:
        check_text(reason, "reason", 200)
        app["status"] = "refused"
        app["reason"] = reason
    app["decided_on"] = today
    app["late_days"] = late
    c["application"] = app
    state.set("org/" + charity_id, c)
    emit("QualificationDecided", charity=charity_id, granted=grant, late_days=late)
    return c


@call(roles=["supervisor"])
def set_qualification(charity_id: str, status: str, reason: str, cert_no: str = "") -> dict:
    """民政局 revokes (``revoked``), suspends (``suspended``) or restores (``valid``) a
    charity's qualification, or records one granted before the chain (``valid`` with
    ``cert_no``, the registration age rule still applying); the reason is on record."""
    as_bureau()
    c = load_charity(charity_id)
    require(
        status in ["valid", "suspended", "revoked"],
        "qualification rule: status is valid, suspended or revoked",
    )
    check_text(reason, "reason", 200)
    q = c["qualification"]
    today = calendar.today()
    if q is None:
        require(status == "valid", f"qualification rule: '{charity_id}' holds no qualification")
        years = governed.value("min_registered_years")
        since = calendar.add_months(c["registered_on"], 12 * years)
        require(
            calendar.parse(today) >= calendar.parse(since),
            f"charity.public_fundraising_qualification: '{charity_id}' was registered on"
            f" {c['registered_on']}; it may hold the qualification from {since}",
        )
        require(
            checks.is_code(cert_no, 4, 40), "qualification rule: a certificate number is required"
        )
        q = {
            "status": "valid",
            "cert_no": cert_no,
            "since": today,
            "by": ctx.sender_org,
            "height": ctx.height,
            "history": [],
        }
    else:
        require(
            q["status"] != "revoked",
            f"qualification rule: '{charity_id}''s qualification was revoked",
        )
        q["history"].append(
            {"status": q["status"], "until": today, "reason": reason, "height": ctx.height}
        )
        q["status"] = status
    c["qualification"] = q
    state.set("org/" + charity_id, c)
    emit("QualificationSet", charity=charity_id, status=status)
    return c


# -- fundraising plans (募捐方案) and projects ----------------------------------------------------


def check_purposes(purposes):
    require(
        isinstance(purposes, list) and 0 < len(purposes) <= MAX_PURPOSES,
        f"plan rule: 1-{MAX_PURPOSES} purposes [{{code, label}}]",
    )
    seen = []
    out = []
    for p in purposes:
        require(
            isinstance(p, dict) and sorted(p.keys()) == ["code", "label"],
            "plan rule: a purpose is {code, label}",
        )
        require(checks.is_code(p["code"], 2, 32), f"plan rule: '{p['code']}' is not a purpose code")
        require(p["code"] not in seen, f"plan rule: purpose '{p['code']}' is listed twice")
        check_text(p["label"], "a purpose label", 80)
        seen.append(p["code"])
        out.append({"code": p["code"], "label": p["label"]})
    return out


def check_channels(channels):
    known = governed.value("offline_channels")
    online = governed.value("online_platforms")
    require(
        isinstance(channels, list) and 0 < len(channels) <= 16,
        "plan rule: 1-16 fundraising channels",
    )
    for ch in channels:
        ok = ch in known or (isinstance(ch, str) and ch.startswith("online:") and ch[7:] in online)
        require(
            ok,
            f"charity.channel: '{ch}' is neither a fundraising channel ({', '.join(known)}) nor"
            f" online:<platform> on a platform designated by 民政部 ({', '.join(online)})",
        )
    return list(channels)


def new_plan(
    c,
    title,
    purposes,
    start,
    end,
    regions,
    channels,
    account,
    beneficiary,
    target,
    cost_budget,
    surplus_rule,
    urgent,
    filed_on,
    filing,
):
    check_text(title, "title", 80)
    purposes = check_purposes(purposes)
    channels = check_channels(channels)
    require(
        calendar.parse(start) <= calendar.parse(end),
        "plan rule: the plan ends on or after its start",
    )
    require(
        isinstance(regions, list) and 0 < len(regions) <= 32,
        "plan rule: 1-32 regions (district codes)",
    )
    for r in regions:
        require(checks.is_code(r, 2, 12), f"plan rule: '{r}' is not a region code")
    check_hash(account, "bank_account_hash")
    check_text(beneficiary, "the beneficiaries' description", 120)
    money.check(target, "target")
    money.check(cost_budget, "cost_budget")
    check_text(surplus_rule, "the surplus rule", 200)
    require(
        qualified(c),
        f"charity.public_fundraising_qualification: '{c['id']}' holds no valid public"
        " fundraising qualification (公开募捐资格)",
    )
    lead = governed.value("plan_filing_lead_days")
    first = calendar.add_days(filed_on, lead)
    require(
        calendar.parse(start) >= calendar.parse(first),
        f"charity.plan_filing_lead_days: a plan filed on {filed_on} may start on {first} at the"
        f" earliest ({lead} days after filing), not on {start}",
    )
    pid = records.seq("plan", "P")
    plan = {
        "id": pid,
        "charity": c["id"],
        "title": title,
        "purposes": purposes,
        "start": start,
        "end": end,
        "regions": list(regions),
        "channels": channels,
        "bank_account_hash": account,
        "beneficiary": beneficiary,
        "target": target,
        "cost_budget": cost_budget,
        "surplus_rule": surplus_rule,
        "urgent": urgent,
        "filing": filing,
        "filed_on": filed_on,
        "changes": [],
        "closed_on": None,
        "disclosures": [],
        "flags": {},
        "height": ctx.height,
        "time": ctx.time,
    }
    state.set("plan/" + pid, plan)
    state.set(
        "tot/" + pid,
        {
            "in": 0,
            "out": 0,
            "avail": 0,
            "avail_r": {},
            "goods_value": 0,
            "donations": 0,
            "money": 0,
            "goods": 0,
            "issued": 0,
            "anonymous": 0,
            "declined": 0,
            "disbursements": 0,
            "distributions": 0,
            "head": 1,
            "seq_d": 0,
            "seq_x": 0,
            "seq_s": 0,
        },
    )
    state.set(f"org_plan/{c['id']}/{pid}", ctx.height)
    emit("PlanFiled", project=pid, charity=c["id"], start=start, end=end, source=filing["source"])
    return plan


@call(public=True)
def file_plan(
    charity_id: str,
    title: str,
    purposes: list,
    start: str,
    end: str,
    regions: list[str],
    channels: list[str],
    bank_account_hash: bytes,
    beneficiary: str,
    target: int,
    cost_budget: int,
    surplus_rule: str,
    urgent: bool = False,
) -> dict:
    """A qualified charity files its public fundraising plan (募捐方案) on chain: the filing
    date is the block's, so the plan may start ``plan_filing_lead_days`` later at the earliest.
    ``purposes`` ``[{code, label}]``; ``channels`` offline channel codes or
    ``online:<platform>`` of a platform designated by 民政部; ``bank_account_hash`` the hash
    of the fundraising account; ``urgent`` for an emergency project (idle money alert).
    Returns the project (one project per plan)."""
    c = load_charity(charity_id)
    as_charity(c)
    filing = {"source": "chain", "no": None, "by": ctx.sender, "recorded_on": calendar.today()}
    return new_plan(
        c,
        title,
        purposes,
        start,
        end,
        regions,
        channels,
        bank_account_hash,
        beneficiary,
        target,
        cost_budget,
        surplus_rule,
        urgent,
        calendar.today(),
        filing,
    )


@call(roles=["supervisor"])
def record_plan(
    charity_id: str,
    filing_no: str,
    filed_on: str,
    title: str,
    purposes: list,
    start: str,
    end: str,
    regions: list[str],
    channels: list[str],
    bank_account_hash: bytes,
    beneficiary: str,
    target: int,
    cost_budget: int,
    surplus_rule: str,
    urgent: bool = False,
) -> dict:
    """民政局 records a plan filed at 慈善中国 before this chain saw it (``filing_no``,
    ``filed_on`` — 民政局's record, shown as its word); the same rules apply from that date."""
    as_bureau()
    c = load_charity(charity_id)
    require(
        checks.is_code(filing_no, 4, 40), "plan rule: the filing number of 慈善中国 is required"
    )
    today = calendar.today()
    require(
        calendar.parse(filed_on) <= calendar.parse(today),
        f"plan rule: filed_on {filed_on} is after today ({today})",
    )
    filing = {"source": "bureau", "no": filing_no, "by": ctx.sender_org, "recorded_on": today}
    return new_plan(
        c,
        title,
        purposes,
        start,
        end,
        regions,
        channels,
        bank_account_hash,
        beneficiary,
        target,
        cost_budget,
        surplus_rule,
        urgent,
        filed_on,
        filing,
    )


def load_plan(pid):
    return records.load("plan/" + pid, f"project rule: no project '{pid}'")


def plan_end(p):
    return p["closed_on"] if p["closed_on"] is not None else p["end"]


def ended(p, today):
    return p["closed_on"] is not None or calendar.parse(today) > calendar.parse(p["end"])


def purposes_now(p):
    """The purpose codes in force at this height: the plan's, as changed by filings recorded
    in an earlier block."""
    codes = [x["code"] for x in p["purposes"]]
    for ch in p["changes"]:
        if ch["height"] < ctx.height:
            codes = [x["code"] for x in ch["purposes"]]
    return codes


@call(public=True)
def change_purposes(project_id: str, purposes: list, reason: str, doc: bytes) -> dict:
    """The charity files a change of its plan's purposes (备案, ``doc`` the hash of the filed
    text) — in force from the next block: money may go to a new purpose only after the filing
    is on record."""
    p = load_plan(project_id)
    c = load_charity(p["charity"])
    as_charity(c)
    purposes = check_purposes(purposes)
    check_text(reason, "reason", 200)
    check_hash(doc, "doc")
    ch = {
        "purposes": purposes,
        "reason": reason,
        "doc": doc,
        "on": calendar.today(),
        "height": ctx.height,
        "time": ctx.time,
    }
    p["changes"].append(ch)
    state.set("plan/" + project_id, p)
    emit("PurposesChanged", project=project_id, purposes=[x["code"] for x in purposes])
    return ch


@call(public=True)
def close_fundraising(project_id: str, reason: str) -> dict:
    """The charity ends the fundraising before the plan's end (e.g. the target is reached): no
    donation received after today is accepted, the final disclosure falls due from today."""
    p = load_plan(project_id)
    c = load_charity(p["charity"])
    as_charity(c)
    today = calendar.today()
    require(not ended(p, today), f"project rule: the fundraising of '{project_id}' has ended")
    require(
        calendar.parse(today) >= calendar.parse(p["start"]),
        f"project rule: '{project_id}' has not started; it starts on {p['start']}",
    )
    check_text(reason, "reason", 200)
    p["closed_on"] = today
    p["close_reason"] = reason
    state.set("plan/" + project_id, p)
    emit("FundraisingClosed", project=project_id, on=today)
    return p


# -- donations and their receipts (捐赠票据) ------------------------------------------------------


def receipt_of(c, kind, receipt_no, doc):
    require(kind in RECEIPT_KINDS, f"receipt rule: kind is one of {', '.join(RECEIPT_KINDS)}")
    if kind == "issued":
        require(
            checks.is_code(receipt_no, 4, 40),
            "charity.receipt: an issued receipt has its number (捐赠票据号码, 4-40 letters,"
            " digits or -)",
        )
        require(
            not state.has(f"rcpt/{c['id']}/{receipt_no}"),
            f"charity.receipt: receipt number {receipt_no} of '{c['id']}' is used already",
        )
        check_hash(doc, "the e-receipt's hash")
    else:
        require(
            receipt_no == "" and doc is None,
            f"charity.receipt: a {kind} donation gets the charity's record, no receipt number",
        )
    return {
        "kind": kind,
        "no": receipt_no if kind == "issued" else None,
        "doc": doc,
        "handler": ctx.sender_did or ctx.sender,
        "date": calendar.today(),
    }


def accept(p, c, channel, received_on, region):
    """The window, channel and qualification rules for a donation received on
    ``received_on``."""
    require(
        qualified(c),
        f"charity.public_fundraising_qualification: '{c['id']}' holds no valid public"
        " fundraising qualification; no public donation is accepted",
    )
    today = calendar.today()
    got = calendar.parse(received_on)
    require(
        got <= calendar.parse(today), f"donation rule: received_on {received_on} is after today"
    )
    end = plan_end(p)
    require(
        calendar.parse(p["start"]) <= got <= calendar.parse(end),
        f"charity.window: plan {p['id']} raises from {p['start']} to {end}"
        + (" (closed early)" if p["closed_on"] is not None else "")
        + f"; a donation received on {received_on} is outside it",
    )
    lag = governed.value("record_lag_days")
    require(
        calendar.days_between(received_on, today) <= lag,
        f"charity.record_lag_days: a donation received on {received_on} is recorded within"
        f" {lag} days; today is {today}",
    )
    require(
        channel in p["channels"],
        f"charity.channel: '{channel}' is not a channel of plan {p['id']}"
        f" ({', '.join(p['channels'])})",
    )
    if channel.startswith("online:"):
        online = governed.value("online_platforms")
        require(
            channel[7:] in online,
            f"charity.channel: platform '{channel[7:]}' is no longer designated by 民政部"
            f" ({', '.join(online)})",
        )
    if region is not None:
        require(
            region in p["regions"],
            f"charity.region: '{region}' is not a region of plan {p['id']}"
            f" ({', '.join(p['regions'])})",
        )


def new_donation(p, c, t, fields):
    seq = t["seq_d"] + 1
    t["seq_d"] = seq
    did = p["id"] + "-D" + records.pad(seq, 8)
    rec = {
        "id": did,
        "project": p["id"],
        "charity": c["id"],
        "seq": seq,
        "height": ctx.height,
        "time": ctx.time,
        "date": calendar.today(),
    }
    for k, v in fields.items():
        rec[k] = v
    t["donations"] += 1
    t[rec["receipt"]["kind"]] += 1
    if rec["receipt"]["kind"] == "issued":
        state.set(f"rcpt/{c['id']}/{rec['receipt']['no']}", did)
    return rec


def secrets(donor, ref, lock):
    check_hash(donor, "donor (the donor's commitment)", True)
    check_hash(ref, "ref (the tracking reference)", True)
    check_hash(lock, "lock (the consent lock)", True)


def year_add(charity_id, field, amount):
    key = f"year/{charity_id}/{calendar.today()[:4]}"
    y = state.get(key, {"in": 0, "out": 0})
    y[field] = y[field] + amount
    state.set(key, y)


@call(public=True)
def donate(
    project_id: str,
    amount: int,
    channel: str,
    received_on: str,
    receipt_kind: str,
    receipt_no: str = "",
    receipt_doc: bytes | None = None,
    donor: bytes | None = None,
    ref: bytes | None = None,
    lock: bytes | None = None,
    restricted: str | None = None,
    region: str | None = None,
) -> dict:
    """The charity records a money donation it received (``amount`` fen, on ``received_on``
    through ``channel``) with its receipt (``issued`` with its number and the e-receipt's
    hash, or the ``anonymous`` / ``declined`` record). ``donor``, ``ref`` and ``lock`` come
    from the donor's wallet (commitments, never the donor); ``restricted`` names the purpose
    of a restricted gift (定向捐赠)."""
    p = load_plan(project_id)
    c = load_charity(p["charity"])
    as_charity(c)
    money.positive(amount, "amount")
    accept(p, c, channel, received_on, region)
    secrets(donor, ref, lock)
    if restricted is not None:
        require(
            restricted in purposes_now(p),
            f"charity.purpose: '{restricted}' is not a purpose of plan {project_id}",
        )
    t = state.get("tot/" + project_id)
    rec = new_donation(
        p,
        c,
        t,
        {
            "kind": "money",
            "amount": amount,
            "remaining": amount,
            "channel": channel,
            "region": region,
            "received_on": received_on,
            "restricted": restricted,
            "donor": donor,
            "ref": ref,
            "lock": lock,
            "consents": [],
            "allocations": [],
            "receipt": receipt_of(c, receipt_kind, receipt_no, receipt_doc),
        },
    )
    t["in"] += amount
    t["money"] += 1
    if restricted is None:
        t["avail"] += amount
    else:
        t["avail_r"][restricted] = t["avail_r"].get(restricted, 0) + amount
    state.set("don/" + project_id + "/" + records.pad(rec["seq"], 8), rec)
    state.set("tot/" + project_id, t)
    year_add(c["id"], "in", amount)
    emit("Donated", project=project_id, donation=rec["id"], amount=amount, receipt=receipt_kind)
    return rec


def load_donation(donation_id):
    parts = donation_id.split("-D")
    require(len(parts) == 2 and parts[1].isdigit(), f"donation rule: no donation '{donation_id}'")
    rec = state.get("don/" + parts[0] + "/" + parts[1])
    require(rec is not None, f"donation rule: no donation '{donation_id}'")
    return rec


def save_donation(rec):
    state.set("don/" + rec["project"] + "/" + records.pad(rec["seq"], 8), rec)


@call(public=True)
def donor_consent(donation_id: str, purpose: str, consent_key: bytes, next_lock: bytes) -> dict:
    """A restricted gift goes to another purpose of the plan only with its donor's consent:
    the charity passes on the consent key the donor's wallet derived from the donor's secret
    (``H(consent_key)`` must open the donation's lock) and the next lock. The donor stays a
    commitment."""
    rec = load_donation(donation_id)
    p = load_plan(rec["project"])
    c = load_charity(p["charity"])
    as_charity(c)
    require(rec["kind"] == "money", f"consent rule: '{donation_id}' is a goods donation")
    require(rec["restricted"] is not None, f"consent rule: '{donation_id}' is not restricted")
    require(
        rec["lock"] is not None,
        f"charity.donor_consent: '{donation_id}' has no consent lock (an anonymous gift); its"
        " purpose cannot change",
    )
    check_hash(consent_key, "consent_key")
    check_hash(next_lock, "next_lock")
    require(
        hash(b"wuyi/charity/lock\x00" + consent_key) == rec["lock"],
        f"charity.donor_consent: the consent key does not open the lock of '{donation_id}'",
    )
    require(
        purpose in purposes_now(p),
        f"charity.purpose: '{purpose}' is not a purpose of plan {p['id']}",
    )
    require(
        purpose != rec["restricted"], f"consent rule: '{donation_id}' is already for '{purpose}'"
    )
    t = state.get("tot/" + p["id"])
    old = rec["restricted"]
    t["avail_r"][old] = t["avail_r"][old] - rec["remaining"]
    t["avail_r"][purpose] = t["avail_r"].get(purpose, 0) + rec["remaining"]
    rec["consents"].append(
        {
            "from": old,
            "to": purpose,
            "key": consent_key,
            "height": ctx.height,
            "date": calendar.today(),
        }
    )
    rec["restricted"] = purpose
    rec["lock"] = next_lock
    save_donation(rec)
    state.set("tot/" + p["id"], t)
    emit("DonorConsented", donation=donation_id, purpose=purpose)
    return rec


# -- disbursements (first in, first out) ----------------------------------------------------------


@call(public=True)
def disburse(
    project_id: str,
    amount: int,
    purpose: str,
    evidence: bytes,
    recipient: bytes | None = None,
) -> dict:
    """Money out of a project: ``purpose`` one of the plan's purposes in force; at most the
    money received and not yet disbursed (unrestricted, or restricted to this purpose); drawn
    first in, first out from the donations, each allocation recorded on both sides.
    ``evidence``: the hash of the payment voucher; ``recipient``: the commitment the
    recipient later opens to confirm (``confirm_receipt``)."""
    p = load_plan(project_id)
    c = load_charity(p["charity"])
    as_charity(c)
    money.positive(amount, "amount")
    check_hash(evidence, "evidence")
    check_hash(recipient, "recipient", True)
    require(
        purpose in purposes_now(p),
        f"charity.purpose: '{purpose}' is not a purpose of plan {project_id} in force"
        f" ({', '.join(purposes_now(p))}); a change of purpose is filed first (change_purposes)",
    )
    t = state.get("tot/" + project_id)
    avail = t["avail"] + t["avail_r"].get(purpose, 0)
    require(
        amount <= avail,
        f"charity.money_out: project {project_id} has {money.yuan(avail)} yuan received and not"
        f" yet disbursed for '{purpose}' (of {money.yuan(t['in'])} received, {money.yuan(t['out'])}"
        f" disbursed); {money.yuan(amount)} yuan cannot go out",
    )
    seq = t["seq_x"] + 1
    xid = project_id + "-X" + records.pad(seq, 8)
    need = amount
    allocations: list = []
    i = t["head"]
    scanned = 0
    while need > 0:
        require(i <= t["seq_d"], "charity.fifo: the donations ran out (an inconsistent total)")
        scanned += 1
        require(
            scanned <= MAX_SCAN and len(allocations) < MAX_ALLOCATIONS,
            f"charity.fifo: this disbursement draws on too many donations; split it (at most"
            f" {MAX_ALLOCATIONS})",
        )
        d = state.get("don/" + project_id + "/" + records.pad(i, 8))
        if d["kind"] == "money" and d["remaining"] > 0 and d["restricted"] in [None, purpose]:
            take = min(need, d["remaining"])
            d["remaining"] -= take
            d["allocations"].append({"to": xid, "fen": take})
            save_donation(d)
            allocations.append({"donation": d["id"], "fen": take})
            if d["restricted"] is None:
                t["avail"] -= take
            else:
                t["avail_r"][purpose] -= take
            need -= take
        i += 1
    head = t["head"]
    while head <= t["seq_d"]:
        d = state.get("don/" + project_id + "/" + records.pad(head, 8))
        if d["kind"] == "money" and d["remaining"] > 0:
            break
        head += 1
    t["head"] = head
    t["seq_x"] = seq
    t["out"] += amount
    t["disbursements"] += 1
    rec = {
        "id": xid,
        "project": project_id,
        "seq": seq,
        "amount": amount,
        "purpose": purpose,
        "evidence": evidence,
        "recipient": recipient,
        "confirmed": None,
        "allocations": allocations,
        "date": calendar.today(),
        "height": ctx.height,
        "time": ctx.time,
        "by": ctx.sender_did or ctx.sender,
    }
    state.set("dis/" + project_id + "/" + records.pad(seq, 8), rec)
    state.set("tot/" + project_id, t)
    year_add(c["id"], "out", amount)
    emit(
        "Disbursed",
        project=project_id,
        disbursement=xid,
        amount=amount,
        purpose=purpose,
        donations=len(allocations),
    )
    return rec


# -- goods: batch → warehouse → distribution → the recipient's receipt ----------------------------


@call(public=True)
def donate_goods(
    project_id: str,
    item: str,
    unit: str,
    quantity: int,
    value: int,
    channel: str,
    received_on: str,
    receipt_kind: str,
    receipt_no: str = "",
    receipt_doc: bytes | None = None,
    donor: bytes | None = None,
    ref: bytes | None = None,
    lock: bytes | None = None,
    restricted: str | None = None,
    region: str | None = None,
) -> dict:
    """A goods donation (a batch: ``quantity`` ``unit`` of ``item``, declared ``value`` in
    fen) with its receipt or record, under the same window, channel and qualification rules
    as money. The batch then goes into warehouses (``warehouse_in``) and out to recipients
    (``distribute``)."""
    p = load_plan(project_id)
    c = load_charity(p["charity"])
    as_charity(c)
    check_text(item, "item", 60)
    check_text(unit, "unit", 10)
    require(
        isinstance(quantity, int) and not isinstance(quantity, bool) and 0 < quantity <= MAX_QTY,
        "goods rule: quantity is a positive whole number",
    )
    money.check(value, "value")
    accept(p, c, channel, received_on, region)
    secrets(donor, ref, lock)
    if restricted is not None:
        require(
            restricted in purposes_now(p),
            f"charity.purpose: '{restricted}' is not a purpose of plan {project_id}",
        )
    t = state.get("tot/" + project_id)
    rec = new_donation(
        p,
        c,
        t,
        {
            "kind": "goods",
            "item": item,
            "unit": unit,
            "quantity": quantity,
            "value": value,
            "pending": quantity,
            "stock": {},
            "distributed": 0,
            "confirmed": 0,
            "channel": channel,
            "region": region,
            "received_on": received_on,
            "restricted": restricted,
            "donor": donor,
            "ref": ref,
            "lock": lock,
            "consents": [],
            "allocations": [],
            "receipt": receipt_of(c, receipt_kind, receipt_no, receipt_doc),
        },
    )
    t["goods"] += 1
    t["goods_value"] += value
    state.set("don/" + project_id + "/" + records.pad(rec["seq"], 8), rec)
    state.set("tot/" + project_id, t)
    year_add(c["id"], "in", value)
    emit("GoodsDonated", project=project_id, donation=rec["id"], quantity=quantity)
    return rec


def load_batch(batch_id):
    rec = load_donation(batch_id)
    require(rec["kind"] == "goods", f"goods rule: '{batch_id}' is a money donation")
    p = load_plan(rec["project"])
    as_charity(load_charity(p["charity"]))
    return rec, p


def check_qty(quantity):
    require(
        isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0,
        "goods rule: quantity is a positive whole number",
    )


def conserved(b):
    """Whether the batch's quantities add up: received = not yet stored + in stock +
    distributed."""
    return b["quantity"] == b["pending"] + sum(b["stock"].values()) + b["distributed"]


@call(public=True)
def warehouse_in(batch_id: str, warehouse: str, quantity: int) -> dict:
    """Put ``quantity`` of a goods batch into ``warehouse``: at most what is not stored
    yet."""
    b, _ = load_batch(batch_id)
    check_qty(quantity)
    require(
        checks.is_code(warehouse, 2, 32), "goods rule: a warehouse code of 2-32 letters or digits"
    )
    require(
        quantity <= b["pending"],
        f"charity.goods_conservation: batch {batch_id} has {b['pending']} {b['unit']} not yet"
        f" stored; {quantity} cannot go in",
    )
    b["pending"] -= quantity
    b["stock"][warehouse] = b["stock"].get(warehouse, 0) + quantity
    require(conserved(b), "charity.goods_conservation: quantities do not add up")
    save_donation(b)
    emit("WarehouseIn", batch=batch_id, warehouse=warehouse, quantity=quantity)
    return b


@call(public=True)
def distribute(
    batch_id: str, warehouse: str, quantity: int, purpose: str, recipient: bytes
) -> dict:
    """Take ``quantity`` out of ``warehouse`` to a recipient (``recipient``: the commitment
    they open with their DID to confirm): at most what is in stock there, only for a purpose
    of the plan in force (a restricted batch: its purpose)."""
    b, p = load_batch(batch_id)
    check_qty(quantity)
    check_hash(recipient, "recipient")
    have = b["stock"].get(warehouse, 0)
    require(
        quantity <= have,
        f"charity.goods_conservation: warehouse {warehouse} holds {have} {b['unit']} of batch"
        f" {batch_id}; {quantity} cannot go out",
    )
    require(
        purpose in purposes_now(p),
        f"charity.purpose: '{purpose}' is not a purpose of plan {p['id']} in force",
    )
    require(
        b["restricted"] in [None, purpose],
        f"charity.purpose: batch {batch_id} is restricted to '{b['restricted']}'",
    )
    t = state.get("tot/" + p["id"])
    seq = t["seq_s"] + 1
    t["seq_s"] = seq
    t["distributions"] += 1
    sid = p["id"] + "-S" + records.pad(seq, 8)
    b["stock"][warehouse] = have - quantity
    b["distributed"] += quantity
    b["allocations"].append({"to": sid, "quantity": quantity})
    require(conserved(b), "charity.goods_conservation: quantities do not add up")
    rec = {
        "id": sid,
        "project": p["id"],
        "seq": seq,
        "batch": batch_id,
        "item": b["item"],
        "unit": b["unit"],
        "warehouse": warehouse,
        "quantity": quantity,
        "purpose": purpose,
        "recipient": recipient,
        "confirmed": None,
        "date": calendar.today(),
        "height": ctx.height,
        "time": ctx.time,
    }
    save_donation(b)
    state.set("dist/" + p["id"] + "/" + records.pad(seq, 8), rec)
    state.set("tot/" + p["id"], t)
    emit("Distributed", batch=batch_id, distribution=sid, quantity=quantity)
    return rec


@call(public=True)
def confirm_receipt(item_id: str, code: bytes) -> dict:
    """The recipient confirms, signing with their DID key, that they received a distribution
    (``…-S…``) or a disbursement (``…-X…``): ``code`` (given to them with it) and their DID
    must open its recipient commitment."""
    did = ctx.sender_did or ""
    require(did != "", "charity.recipient_receipt: the recipient signs with their DID key")
    check_hash(code, "code")
    if "-S" in item_id:
        pid, seq = item_id.split("-S")[0], item_id.split("-S")[-1]
        key = "dist/" + pid + "/" + seq
    else:
        pid, seq = item_id.split("-X")[0], item_id.split("-X")[-1]
        key = "dis/" + pid + "/" + seq
    rec = state.get(key if seq.isdigit() else "none/")
    require(
        rec is not None, f"charity.recipient_receipt: no distribution or disbursement '{item_id}'"
    )
    require(
        rec["recipient"] is not None, f"charity.recipient_receipt: '{item_id}' names no recipient"
    )
    require(
        rec["confirmed"] is None, f"charity.recipient_receipt: '{item_id}' is confirmed already"
    )
    require(
        hash(b"wuyi/charity/recipient\x00" + did.encode() + code) == rec["recipient"],
        f"charity.recipient_receipt: the signer and code do not open the recipient of '{item_id}'",
    )
    rec["confirmed"] = {"date": calendar.today(), "height": ctx.height, "time": ctx.time}
    state.set(key, rec)
    if "-S" in item_id:
        b = load_donation(rec["batch"])
        b["confirmed"] += rec["quantity"]
        save_donation(b)
    emit("ReceiptConfirmed", item=item_id)
    return rec


# -- disclosure (信息公开) and flags --------------------------------------------------------------


def schedule(p):
    """The disclosures plan ``p`` owes: ``[{kind, n, due, from}]`` (periodic every
    ``disclosure_interval_months`` while a long campaign runs, the final one after it ends)."""
    out = []
    end = plan_end(p)
    long_months = governed.value("long_campaign_months")
    step = governed.value("disclosure_interval_months")
    if calendar.parse(p["end"]) > calendar.parse(calendar.add_months(p["start"], long_months)):
        k = 1
        while k <= 200:
            due = calendar.add_months(p["start"], step * k)
            if calendar.parse(due) > calendar.parse(end):
                break
            out.append(
                {
                    "kind": "periodic",
                    "n": k,
                    "due": due,
                    "from": calendar.add_months(p["start"], step * (k - 1)),
                }
            )
            k += 1
    final = calendar.add_months(end, governed.value("final_disclosure_months"))
    out.append({"kind": "final", "n": 1, "due": final, "from": end})
    return out


def disclosure_status(p, today):
    """Each owed disclosure with ``done`` (the disclosure that met it, if any) and
    ``overdue``; periodic disclosures meet the periodic dues in order."""
    made = {
        "periodic": [d for d in p["disclosures"] if d["kind"] == "periodic"],
        "final": [d for d in p["disclosures"] if d["kind"] == "final"],
    }
    out = []
    for s in schedule(p):
        got = made[s["kind"]][s["n"] - 1] if len(made[s["kind"]]) >= s["n"] else None
        owed = s["kind"] == "periodic" or ended(p, today)
        late = got is None and owed and calendar.parse(today) > calendar.parse(s["due"])
        out.append(
            {
                "kind": s["kind"],
                "n": s["n"],
                "due": s["due"],
                "from": s["from"],
                "done": got,
                "overdue": late,
            }
        )
    return out


@call(public=True)
def disclose(project_id: str, kind: str, doc: bytes) -> dict:
    """The charity publishes a disclosure of the project (``doc``: the hash of what it
    published at 慈善中国): ``periodic`` meets the next quarterly due (not before its period
    begins), ``final`` the final one (after the fundraising ended). Lateness is recorded."""
    p = load_plan(project_id)
    c = load_charity(p["charity"])
    as_charity(c)
    require(
        kind in DISCLOSURE_KINDS, f"disclosure rule: kind is one of {', '.join(DISCLOSURE_KINDS)}"
    )
    check_hash(doc, "doc")
    today = calendar.today()
    owed = [s for s in disclosure_status(p, today) if s["kind"] == kind and s["done"] is None]
    require(
        len(owed) > 0, f"charity.disclosure: project {project_id} owes no further {kind} disclosure"
    )
    s = owed[0]
    if kind == "periodic":
        require(
            calendar.parse(today) > calendar.parse(s["from"]),
            f"charity.disclosure: period {s['n']} of {project_id} begins after {s['from']}",
        )
    else:
        require(
            ended(p, today),
            f"charity.disclosure: the fundraising of {project_id} runs until {p['end']}",
        )
    late = max(0, calendar.days_between(s["due"], today))
    rec = {
        "kind": kind,
        "n": s["n"],
        "due": s["due"],
        "doc": doc,
        "on": today,
        "late_days": late,
        "height": ctx.height,
        "time": ctx.time,
    }
    p["disclosures"].append(rec)
    state.set("plan/" + project_id, p)
    emit("Disclosed", project=project_id, kind=kind, n=s["n"], late_days=late)
    return rec


def idle(p, t, today):
    """The idle money of an urgent project: the oldest donation not yet spent (FIFO head), if
    it has waited longer than ``idle_alert_days``."""
    if not p["urgent"] or t["avail"] + sum(t["avail_r"].values()) == 0:
        return None
    head = t["head"]
    while head <= t["seq_d"]:
        d = state.get("don/" + p["id"] + "/" + records.pad(head, 8))
        if d["kind"] == "money" and d["remaining"] > 0:
            waited = calendar.days_between(d["received_on"], today)
            limit = governed.value("idle_alert_days")
            if waited > limit:
                return {
                    "donation": d["id"],
                    "since": d["received_on"],
                    "days": waited,
                    "limit": limit,
                    "remaining": d["remaining"],
                }
            return None
        head += 1
    return None


@call(public=True)
def flag(project_id: str) -> list:
    """Anyone raises what the contract finds at this block's time: each overdue disclosure and
    an urgent project's idle money, once each, on the project's public record and as an alert
    to 民政局. Returns the flags raised now."""
    p = load_plan(project_id)
    t = state.get("tot/" + project_id)
    today = calendar.today()
    raised = []
    for s in disclosure_status(p, today):
        key = f"{s['kind']}-{s['n']}"
        if s["overdue"] and key not in p["flags"]:
            f = {
                "kind": "overdue",
                "what": key,
                "due": s["due"],
                "date": today,
                "height": ctx.height,
            }
            p["flags"][key] = f
            raised.append(f)
            alert("disclosure_overdue", p["charity"], project_id, f"{key} due {s['due']}")
    money_idle = idle(p, t, today)
    if money_idle is not None:
        key = "idle-" + money_idle["donation"]
        if key not in p["flags"]:
            f = {
                "kind": "idle",
                "what": money_idle["donation"],
                "since": money_idle["since"],
                "days": money_idle["days"],
                "date": today,
                "height": ctx.height,
            }
            p["flags"][key] = f
            raised.append(f)
            alert(
                "idle_money",
                p["charity"],
                project_id,
                f"{money_idle['donation']} idle {money_idle['days']} days",
            )
    state.set("plan/" + project_id, p)
    return raised


# -- the year-end check (年度支出与管理费用) ------------------------------------------------------


def band(bands, amount):
    for b in bands:
        if amount < b[0]:
            return b[1]
    return bands[-1][1]


@call(public=True)
def annual_report(
    charity_id: str,
    year: int,
    income_prev: int,
    income_avg3: int,
    net_assets_prev: int,
    charitable_spending: int,
    management_cost: int,
    total_spending: int,
    doc: bytes,
) -> dict:
    """The charity files its year's figures (its audited accounts: its word, ``doc`` their
    hash) after the year ends; they may not be below what the chain itself recorded
    (donations received in the previous year, disbursements in this one). The ratios are
    checked for the charity's type and qualification; a breach is an alert to 民政局."""
    c = load_charity(charity_id)
    as_charity(c)
    today = calendar.today()
    require(
        isinstance(year, int) and 2000 <= year < int(today[:4]),
        f"charity.annual: the report for {year} is filed after that year ends",
    )
    require(
        not state.has(f"annual/{charity_id}/{year}"), f"charity.annual: {year} is filed already"
    )
    for v, what in [
        [income_prev, "income_prev"],
        [income_avg3, "income_avg3"],
        [net_assets_prev, "net_assets_prev"],
        [charitable_spending, "charitable_spending"],
        [management_cost, "management_cost"],
        [total_spending, "total_spending"],
    ]:
        money.check(v, what)
    check_hash(doc, "doc")
    require(
        charitable_spending + management_cost <= total_spending,
        "charity.annual: charitable spending and management cost exceed the total spending",
    )
    chain_prev = state.get(f"year/{charity_id}/{year - 1}", {"in": 0, "out": 0})
    chain_now = state.get(f"year/{charity_id}/{year}", {"in": 0, "out": 0})
    require(
        income_prev >= chain_prev["in"],
        f"charity.annual: the income reported for {year - 1} ({money.yuan(income_prev)} yuan) is"
        f" below the donations the chain recorded ({money.yuan(chain_prev['in'])} yuan)",
    )
    require(
        charitable_spending >= chain_now["out"],
        f"charity.annual: the charitable spending reported ({money.yuan(charitable_spending)}"
        f" yuan) is below the disbursements the chain recorded in {year}"
        f" ({money.yuan(chain_now['out'])} yuan)",
    )
    public = qualified(c)
    found = c["kind"] == "foundation"
    if public:
        pct = governed.value("spend_min_pct_public")
        basis = min(income_prev, income_avg3) if income_avg3 > 0 else income_prev
        spend_min = money.percent(basis, pct)
        which = "the lower of last year and the 3-year average" if income_avg3 > 0 else "last year"
        spend_rule = f"{pct}% of income ({which})"
        mgmt_pct = governed.value(
            "mgmt_max_pct_public_foundation" if found else "mgmt_max_pct_public_other"
        )
    else:
        pct = band(governed.value("spend_min_pct_nonpublic"), net_assets_prev)
        spend_min = money.percent(net_assets_prev, pct)
        spend_rule = f"{pct}% of net assets at the end of {year - 1}"
        mgmt_pct = band(
            governed.value(
                "mgmt_max_pct_nonpublic_foundation" if found else "mgmt_max_pct_nonpublic_other"
            ),
            net_assets_prev,
        )
    exempt = management_cost < governed.value("mgmt_exempt_fen")
    mgmt_max = money.percent(total_spending, mgmt_pct)
    breaches = []
    if charitable_spending < spend_min:
        breaches.append(
            f"spending {money.yuan(charitable_spending)} < {spend_rule} = {money.yuan(spend_min)}"
        )
    if not exempt and management_cost > mgmt_max:
        breaches.append(
            f"management cost {money.yuan(management_cost)} > {mgmt_pct}% of total spending"
            f" = {money.yuan(mgmt_max)}"
        )
    rec = {
        "charity": charity_id,
        "year": year,
        "income_prev": income_prev,
        "income_avg3": income_avg3,
        "net_assets_prev": net_assets_prev,
        "charitable_spending": charitable_spending,
        "management_cost": management_cost,
        "total_spending": total_spending,
        "doc": doc,
        "public": public,
        "chain": {"in_prev": chain_prev["in"], "out": chain_now["out"]},
        "spend_min": spend_min,
        "spend_rule": spend_rule,
        "mgmt_pct": mgmt_pct,
        "mgmt_max": mgmt_max,
        "mgmt_exempt": exempt,
        "ok": len(breaches) == 0,
        "breaches": breaches,
        "on": today,
        "height": ctx.height,
    }
    state.set(f"annual/{charity_id}/{year}", rec)
    if breaches:
        alert("ratio_breach", charity_id, None, f"{year}: " + "; ".join(breaches))
    emit("AnnualChecked", charity=charity_id, year=year, ok=rec["ok"])
    return rec


# -- views ----------------------------------------------------------------------------------------


@view
def charity(charity_id: str) -> dict | None:
    return state.get("org/" + charity_id)


@view
def project(project_id: str) -> dict:
    """The plan with its totals, the purposes in force, disclosures owed (with the overdue
    flag at the latest block's time) and an urgent project's idle money."""
    p = load_plan(project_id)
    t = state.get("tot/" + project_id)
    today = calendar.today()
    now = "filed"
    if calendar.parse(today) >= calendar.parse(p["start"]):
        now = "closed" if ended(p, today) else "open"
    p["status"] = now
    p["today"] = today
    p["totals"] = t
    p["purposes_now"] = purposes_now(p)
    p["disclosure"] = disclosure_status(p, today)
    p["overdue"] = len([s for s in p["disclosure"] if s["overdue"]]) > 0
    p["idle"] = idle(p, t, today)
    return p


@view
def donation(donation_id: str) -> dict:
    return load_donation(donation_id)


@view
def follow(charity_id: str, receipt_no: str, key: bytes) -> dict:
    """What a donor sees of their own donation: by receipt number and the tracking key their
    wallet derives from their secret (``H("wuyi/charity/track\\0" ‖ salt)``); refused unless
    the key opens the donation's tracking reference. Returns the donation with each
    disbursement or distribution it went to."""
    did = state.get(f"rcpt/{charity_id}/{receipt_no}")
    require(did is not None, f"charity.follow: '{charity_id}' issued no receipt {receipt_no}")
    rec = load_donation(did)
    require(
        rec["ref"] is not None and hash(b"wuyi/charity/ref\x00" + key) == rec["ref"],
        f"charity.follow: this key does not open receipt {receipt_no}",
    )
    went = []
    for a in rec["allocations"]:
        pid, rest = a["to"].split("-")[0], a["to"].split("-")[1]
        where = "dis/" if rest[0] == "X" else "dist/"
        x = state.get(where + pid + "/" + rest[1:])
        went.append({"allocation": a, "to": x})
    return {"donation": rec, "went": went, "project": state.get("plan/" + rec["project"])["title"]}
