"""养老服务 Elderly care (scenario 13): institutions' compliance records written only by the
competent department of each category, a credit score and grade computed by the contract from
the records in force (expired = missing; an open major violation puts the institution on the
red list), operating subsidies only at or above the grade threshold; caregivers scheduled only
with a current qualification and health check; prepayments to an institution within its limit
(net fixed assets) and held by a custody bank, 30 days' notice before closing; and the time
bank (时间银行): a volunteer's minutes credited only when the served elder (or guardian)
confirms, capped per person, spendable later by enrolled elders, donatable to the pool, and a
balance certificate whose credential a verifier checks.

Actors: 民政局 (the ``bureau`` organisation given to ``init``; role ``officer`` registers
institutions and elders, pays subsidies, allocates pool hours; role ``issuer`` issues balance
credentials; its admins set the parameters); the departments named in the ``departments``
parameter (role ``inspector``: compliance records of their categories; the ``qualifier``
department records caregivers' qualifications, the ``health_depts`` their health checks); each
care institution (a member organisation, role ``institution``) hires and schedules caregivers;
the custody banks (role ``custody``) record prepayments; caregivers, elders and volunteers sign
with their DID keys.

No personal data in clear: people are DIDs; an elder paying a prepayment is a commitment (a
hash the bank computes off chain); certificates, health checks and documents are hashes; the
category of an elder's eligibility stays with 民政局 (its hash is kept). Amounts in fen;
durations in minutes. User documentation: ``wuyi/scenarios/eldercare/README.md``.
"""

from typing import Any

from wuyi.contract import call, ctx, emit, hash, require, state, view
from wuyi.contract.lib import calendar, certs, checks, money
from wuyi.contract.lib import params as governed
from wuyi.contract.lib import records as recs

ROLES = ["officer", "issuer", "inspector", "institution", "custody"]
KIND = "时间银行存折证明"

LAW_SUPERVISION = (
    "国办发〔2020〕48号《关于建立健全养老服务综合监管制度促进养老服务高质量发展的意见》"
)
LAW_PREPAY = "民政部等《养老机构预收费管理办法》（2024年12月）"
LAW_GRADE = "GB/T 37276-2018《养老机构等级划分与评定》"
LAW_SAFETY = "GB 38600-2019《养老机构服务安全基本规范》"
LAW_INST = "《养老机构管理办法》（民政部令第66号）"
LAW_TIMEBANK = "南京市养老服务时间银行实施方案（2019）"
MEM = "［mem：未找到原文，依据待核实，修改时登记文号］"
WEAK = "［weak：二手资料，依据待核实］"
DEMO = "［演示值，以民政局现行文件为准］"

PARAMS = {
    "departments": {
        "kind": "code_map",
        "default": {
            "fire": ["xfzd"],
            "food": ["scjgj"],
            "safety": ["mzj"],
            "medical": ["wjj"],
            "tax": ["swj"],
            "social_insurance": ["rsj"],
        },
        "basis": LAW_SUPERVISION
        + "：谁审批谁监管、谁主管谁监管（消防、食品、安全、医疗、税务、社保）",
    },
    "weights": {
        "kind": "code_map",
        "default": {
            "fire": ["25"],
            "food": ["15"],
            "safety": ["20"],
            "medical": ["15"],
            "tax": ["10"],
            "social_insurance": ["15"],
        },
        "basis": "信用评分各类记录的权重（合计100）" + DEMO,
    },
    "grade_bands": {
        "kind": "bands",
        "bound": "score",
        "default": [[59, 0], [69, 1], [79, 2], [89, 3], [94, 4], [100, 5]],
        "basis": LAW_GRADE + "：一级至五级（评分至等级的分段）" + MEM,
    },
    "subsidy_min_grade": {
        "kind": "int",
        "min": 0,
        "max": 5,
        "default": 3,
        "basis": "运营补贴与等级挂钩：三级及以上方可申领" + DEMO,
    },
    "subsidy_rate_fen": {
        "kind": "int",
        "min": 0,
        "max": money.MAX_FEN,
        "default": 20000,
        "basis": "养老机构运营补贴：每张入住床位每月200元（分）" + DEMO,
    },
    "rectify_days": {
        "kind": "int",
        "min": 1,
        "max": 120,
        "default": 20,
        "basis": LAW_SUPERVISION + "：隐患、整改、责任“三张清单”，整改期限（工作日）" + MEM,
    },
    "qualifier": {
        "kind": "codes",
        "min_items": 1,
        "default": ["rsj"],
        "basis": "养老护理员职业技能等级认定（人力资源社会保障部门）",
    },
    "health_depts": {
        "kind": "codes",
        "min_items": 1,
        "default": ["wjj"],
        "basis": LAW_SAFETY + "：工作人员健康检查（含传染病）由卫生健康部门或其指定机构出具",
    },
    "levels": {
        "kind": "codes",
        "min_items": 1,
        "default": ["level5", "level4", "level3", "level2", "level1"],
        "basis": "《养老护理员国家职业技能标准（2019年版）》五级至一级",
    },
    "health_check_months": {
        "kind": "int",
        "min": 1,
        "max": 36,
        "default": 12,
        "basis": LAW_INST + "：工作人员定期健康检查（含传染病），有效期（月）" + MEM,
    },
    "alert_days": {
        "kind": "int",
        "min": 0,
        "max": 180,
        "default": 30,
        "basis": "资质、体检到期前预警的天数" + DEMO,
    },
    "fee_kinds": {
        "kind": "codes",
        "min_items": 1,
        "default": ["service", "deposit", "membership"],
        "basis": LAW_PREPAY + "：服务费、押金、会员费三类" + WEAK,
    },
    "public_forbidden_kinds": {
        "kind": "codes",
        "default": ["membership"],
        "basis": LAW_PREPAY + "：公办、公建民营养老机构不得收取会员费" + WEAK,
    },
    "custody_banks": {
        "kind": "codes",
        "min_items": 1,
        "default": ["nsyh", "zgyh"],
        "basis": LAW_PREPAY + "：押金、会员费存入银行第三方存管账户" + DEMO,
    },
    "closure_notice_days": {
        "kind": "int",
        "min": 0,
        "max": 365,
        "default": 30,
        "basis": LAW_PREPAY + "：暂停或终止服务提前30日告知并退还剩余费用" + WEAK,
    },
    "tb_cap_hours": {
        "kind": "int",
        "min": 1,
        "max": 100000,
        "default": 1500,
        "basis": LAW_TIMEBANK + "：个人存储时间上限1500小时" + WEAK,
    },
    "tb_max_minutes": {
        "kind": "int",
        "min": 15,
        "max": 1440,
        "default": 480,
        "basis": "一次服务记录的最长时长（分钟）" + DEMO,
    },
    "tb_kinds": {
        "kind": "codes",
        "min_items": 1,
        "default": ["companionship", "housework", "meal", "escort", "health", "other"],
        "basis": LAW_TIMEBANK + "：服务项目（陪伴、家务、助餐、陪同就医、健康、其他）" + DEMO,
    },
    "tb_confirm_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 10,
        "basis": "老人确认服务记录的期限（工作日），逾期不计入" + DEMO,
    },
    "holidays": {
        "kind": "holidays",
        "default": calendar.CN_HOLIDAYS,
        "basis": "国务院办公厅节假日安排（各年通知；见表中各年的依据）",
    },
}
RESULTS = ["pass", "fail"]
SEVERITIES = ["none", "minor", "major"]
OWNERSHIPS = ["public", "private"]
SHIFTS = ["day", "evening", "night"]
MAX_NAME = 60
MAX_BEDS = 100000


# -- set-up and parameters ---------------------------------------------------------------------


@call
def init(bureau: str = "mzj", params: dict | None = None) -> None:
    """``bureau``: the organisation of 民政局 (its officers act, its admins set the
    parameters); ``params`` may override defaults."""
    state.set("cfg", {"bureau": bureau})
    governed.init(PARAMS, params)


def bureau_org():
    return state.get("cfg")["bureau"]


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of 民政局 change a parameter, in force from the next block, on record."""
    return governed.change_by(
        PARAMS, bureau_org(), "(民政局) change eldercare rules", name, value, reason, basis
    )


@view
def param(name: str) -> dict:
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    return governed.history(name)


@view
def config() -> dict:
    return state.get("cfg")


# -- helpers -----------------------------------------------------------------------------------


def as_officer():
    org = bureau_org()
    require(
        ctx.sender_org == org and "officer" in ctx.sender_roles,
        f"bureau rule: only officers of '{org}' (民政局) do this",
    )


def check_date(date, what):
    require(
        isinstance(date, str) and len(date) == 10 and calendar.parse(date) is not None,
        f"date rule: {what} must be a date YYYY-MM-DD",
    )


def load_inst(org):
    return recs.load(
        "inst/" + org, f"institution rule: '{org}' is not a registered care institution"
    )


def save_inst(i):
    state.set("inst/" + i["org"], i)


def as_institution():
    org = ctx.sender_org
    require(
        org is not None and "institution" in ctx.sender_roles,
        "institution rule: members of a care institution (role institution) do this",
    )
    return load_inst(org)


# -- institutions ------------------------------------------------------------------------------


@call(roles=["officer"])
def register_institution(
    org: str, name: str, uscc: str, beds: int, ownership: str, net_assets: int, bank: str
) -> dict:
    """民政局 files a care institution (备案): its member organisation ``org``, name, 统一社会
    信用代码, beds, ownership (public or private), net fixed assets (fen; the prepayment limit)
    and its custody bank."""
    as_officer()
    require(not state.has("inst/" + org), f"institution rule: '{org}' is registered already")
    require(isinstance(name, str) and 0 < len(name) <= MAX_NAME, "institution rule: a name of 1-60")
    require(isinstance(uscc, str) and len(uscc) == 18, "institution rule: a USCC of 18 characters")
    require(isinstance(beds, int) and 0 < beds <= MAX_BEDS, "institution rule: beds 1-100000")
    require(ownership in OWNERSHIPS, "institution rule: ownership is public or private")
    money.check(net_assets, "net_assets")
    banks = governed.value("custody_banks")
    require(bank in banks, f"custody rule: '{bank}' is not a custody bank ({', '.join(banks)})")
    i = {
        "org": org,
        "name": name,
        "uscc": uscc,
        "beds": beds,
        "ownership": ownership,
        "limit": net_assets,
        "bank": bank,
        "filed": recs.stamp(did=False, time=False),
        "status": "active",
        "closure": None,
        "held": 0,
        "released": 0,
        "refunded": 0,
        "subsidies": 0,
        "caregivers": 0,
        "records": 0,
        "score": None,
    }
    save_inst(i)
    emit("InstitutionFiled", institution=org)
    return i


@call(roles=["institution"])
def announce_closure(effective: str, notice: bytes) -> dict:
    """The institution announces it stops service on ``effective``, at least the governed
    number of days ahead (``notice``: hash of the notice to residents); no new prepayments."""
    i = as_institution()
    check_date(effective, "effective")
    require(i["status"] == "active", f"closure rule: {i['name']} is {i['status']}")
    require(checks.is_hash(notice), "closure rule: the notice's hash (32 bytes)")
    days = governed.value("closure_notice_days")
    earliest = calendar.add_days(calendar.today(), days)
    require(
        effective >= earliest,
        f"closure notice rule: service ends no earlier than {earliest} ({days} days' notice)",
    )
    i["status"] = "closing"
    i["closure"] = {
        "effective": effective,
        "notice": notice,
        "announced": recs.stamp(did=False, time=False),
    }
    save_inst(i)
    emit("ClosureAnnounced", institution=i["org"], effective=effective)
    return i


@call(roles=["institution"])
def close() -> dict:
    """The institution closes on or after its announced date, once every prepayment held is
    refunded or released."""
    i = as_institution()
    require(i["status"] == "closing", "closure rule: announce the closure first")
    require(
        calendar.today() >= i["closure"]["effective"],
        f"closure notice rule: not before {i['closure']['effective']}",
    )
    require(i["held"] == 0, f"closure rule: {money.yuan(i['held'])} yuan still held: refund first")
    i["status"] = "closed"
    save_inst(i)
    emit("InstitutionClosed", institution=i["org"])
    return i


# -- compliance records and the credit score -----------------------------------------------------


@call(roles=["inspector"])
def record_compliance(
    institution: str,
    category: str,
    result: str,
    severity: str,
    valid_until: str,
    doc: bytes,
) -> dict:
    """A competent department records an inspection of its category (pass or fail, severity
    none/minor/major, valid until a date; ``doc``: the report's hash). A later record of the
    same category replaces it; the score is recomputed."""
    i = load_inst(institution)
    depts = governed.value("departments")
    require(category in depts, f"compliance rule: no category '{category}'")
    require(
        ctx.sender_org in depts[category],
        f"compliance rule: only {', '.join(depts[category])} record '{category}'",
    )
    require(result in RESULTS, "compliance rule: result is pass or fail")
    require(severity in SEVERITIES, "compliance rule: severity is none, minor or major")
    require(
        (result == "pass") == (severity == "none"),
        "compliance rule: a pass has severity none, a fail minor or major",
    )
    check_date(valid_until, "valid_until")
    today = calendar.today()
    require(valid_until > today, "compliance rule: valid_until is after today")
    require(checks.is_hash(doc), "compliance rule: the report's hash (32 bytes)")
    rid = recs.seq("rec", "REC-")
    rec = {
        "id": rid,
        "institution": institution,
        "category": category,
        "result": result,
        "severity": severity,
        "valid_until": valid_until,
        "doc": doc,
        "rectify_by": None,
        "replaces": state.get("latest/" + institution + "/" + category),
        "recorded": recs.stamp(did=False, time=False),
    }
    if result == "fail":
        days = governed.value("rectify_days")
        rec["rectify_by"] = calendar.add_working_days(today, days, governed.value("holidays"))
    state.set("rec/" + rid, rec)
    state.set("latest/" + institution + "/" + category, rid)
    i["records"] += 1
    i["score"] = compute_score(institution)
    save_inst(i)
    emit("ComplianceRecorded", institution=institution, record=rid, category=category)
    return rec


def compute_score(org):
    """``{score, grade, red, missing, failing, inputs_hash, height}`` from the latest record of
    each category in force today (an expired record counts as missing)."""
    today = calendar.today()
    weights = governed.value("weights")
    total, ids, missing, failing, red = 0, [], [], [], False
    for cat in governed.value("departments"):
        rid = state.get("latest/" + org + "/" + cat)
        rec = None if rid is None else state.get("rec/" + rid)
        w = int(weights[cat][0]) if cat in weights else 0
        if rec is None or rec["valid_until"] < today:
            missing.append(cat)
            continue
        ids.append(rid)
        if rec["result"] == "pass":
            total += w
        else:
            failing.append(cat)
            red = red or rec["severity"] == "major"
    grade = 0
    for band in governed.value("grade_bands"):
        if total <= band[0]:
            grade = band[1]
            break
    return {
        "score": total,
        "grade": grade,
        "red": red,
        "missing": missing,
        "failing": failing,
        "inputs_hash": hash("|".join(ids).encode()),
        "height": ctx.height,
    }


# -- subsidies ---------------------------------------------------------------------------------


@call(roles=["officer"])
def pay_subsidy(institution: str, period: str, occupied: int) -> dict:
    """民政局 pays the operating subsidy of a month (``period`` YYYY-MM, not in the future)
    for ``occupied`` beds: only at or above the grade threshold and off the red list."""
    as_officer()
    i = load_inst(institution)
    require(
        isinstance(period, str) and len(period) == 7 and period[4] == "-",
        "subsidy rule: period is YYYY-MM",
    )
    require(period <= calendar.today()[0:7], "subsidy rule: the period has not begun")
    require(i["status"] != "closed", f"subsidy rule: {i['name']} is closed")
    require(
        isinstance(occupied, int) and 0 < occupied <= i["beds"],
        f"subsidy rule: occupied beds 1-{i['beds']}",
    )
    key = "subsidy/" + institution + "/" + period
    require(not state.has(key), f"subsidy rule: {period} is paid already")
    s = compute_score(institution)
    low = governed.value("subsidy_min_grade")
    require(not s["red"], f"subsidy rule: {i['name']} has an open major violation (red list)")
    require(
        s["grade"] >= low,
        f"subsidy grade rule: grade {s['grade']} is below the threshold {low}",
    )
    rate = governed.value("subsidy_rate_fen")
    rec = {
        "institution": institution,
        "period": period,
        "occupied": occupied,
        "rate": rate,
        "fen": occupied * rate,
        "grade": s["grade"],
        "score": s["score"],
        "paid": recs.stamp(did=False, time=False),
    }
    state.set(key, rec)
    i["subsidies"] += rec["fen"]
    i["score"] = s
    save_inst(i)
    emit("SubsidyPaid", institution=institution, period=period, fen=rec["fen"])
    return rec


# -- caregivers --------------------------------------------------------------------------------


def load_caregiver(did):
    return recs.load("cg/" + did, f"caregiver rule: '{did}' is not a caregiver on record")


def new_caregiver(did):
    return {"did": did, "institution": None, "qualification": None, "health": None}


def as_recorder(caregiver, param, rule):
    """Refuse unless ``caregiver`` is a DID and the sender's organisation is one of the
    governed list ``param`` (the departments that record this for caregivers)."""
    require(checks.is_did(caregiver), rule + ": the caregiver is a DID")
    orgs = governed.value(param)
    require(ctx.sender_org in orgs, f"{rule}: only {', '.join(orgs)} record it")


def file_caregiver(caregiver, field, rec, event):
    """Put ``rec`` (stamped) as the caregiver's ``field`` and announce it with ``event``."""
    c = state.get("cg/" + caregiver) or new_caregiver(caregiver)
    rec["at"] = recs.stamp(did=False, time=False)
    c[field] = rec
    state.set("cg/" + caregiver, c)
    emit(event, caregiver=caregiver)
    return c


@call(roles=["inspector"])
def record_qualification(caregiver: str, level: str, cert: bytes, valid_until: str) -> dict:
    """The qualifying department records a caregiver's 养老护理员 level (``cert``: the
    certificate's hash) valid until a date."""
    as_recorder(caregiver, "qualifier", "qualification rule")
    require(level in governed.value("levels"), f"qualification rule: no level '{level}'")
    require(checks.is_hash(cert), "qualification rule: the certificate's hash (32 bytes)")
    check_date(valid_until, "valid_until")
    rec = {"level": level, "cert": cert, "valid_until": valid_until}
    return file_caregiver(caregiver, "qualification", rec, "QualificationRecorded")


@call(roles=["inspector"])
def record_health_check(caregiver: str, checked_on: str, fit: bool, report: bytes) -> dict:
    """A health department records a caregiver's health check (infectious diseases included):
    fit or not, the date, the report's hash. Fit, it is valid for the governed months."""
    as_recorder(caregiver, "health_depts", "health check rule")
    check_date(checked_on, "checked_on")
    require(checked_on <= calendar.today(), "health check rule: checked_on is not in the future")
    require(checks.is_hash(report), "health check rule: the report's hash (32 bytes)")
    until = calendar.add_months(checked_on, governed.value("health_check_months")) if fit else None
    rec = {"checked_on": checked_on, "valid_until": until, "report": report}
    return file_caregiver(caregiver, "health", rec, "HealthCheckRecorded")


def fitness(c, today):
    """What stops ``c`` being scheduled on ``today`` (empty: nothing)."""
    out = []
    q, h = c["qualification"], c["health"]
    if q is None:
        out.append("qualification missing")
    elif q["valid_until"] < today:
        out.append("qualification expired " + q["valid_until"])
    if h is None:
        out.append("health check missing")
    elif h["valid_until"] is None:
        out.append("health check not passed")
    elif h["valid_until"] < today:
        out.append("health check expired " + h["valid_until"])
    return out


@call(roles=["institution"])
def hire(caregiver: str) -> dict:
    """The institution takes on a caregiver on record (not employed elsewhere)."""
    i = as_institution()
    c = load_caregiver(caregiver)
    require(c["institution"] is None, "caregiver rule: employed by another institution")
    c["institution"] = i["org"]
    state.set("cg/" + caregiver, c)
    i["caregivers"] += 1
    save_inst(i)
    state.set("staff/" + i["org"] + "/" + caregiver, True)
    emit("CaregiverHired", institution=i["org"])
    return c


@call(roles=["institution"])
def release_caregiver(caregiver: str) -> dict:
    i = as_institution()
    c = load_caregiver(caregiver)
    require(c["institution"] == i["org"], "caregiver rule: not a caregiver of this institution")
    c["institution"] = None
    state.set("cg/" + caregiver, c)
    state.delete("staff/" + i["org"] + "/" + caregiver)
    i["caregivers"] -= 1
    save_inst(i)
    return c


@call(roles=["institution"])
def schedule(caregiver: str, date: str, shift: str, elder: bytes) -> dict:
    """The institution schedules a caregiver for a shift (``elder``: a commitment to the
    resident served): refused unless qualification and health check are current that day."""
    i = as_institution()
    c = load_caregiver(caregiver)
    require(c["institution"] == i["org"], "caregiver rule: not a caregiver of this institution")
    require(i["status"] != "closed", "institution rule: closed")
    check_date(date, "date")
    today = calendar.today()
    require(date >= today, "scheduling rule: the shift is not in the past")
    require(shift in SHIFTS, "scheduling rule: shift is day, evening or night")
    require(checks.is_hash(elder), "scheduling rule: the resident's commitment (32 bytes)")
    stop = fitness(c, date)
    require(len(stop) == 0, "scheduling rule: " + "; ".join(stop))
    sid = recs.seq("shift", "SH-")
    rec = {"id": sid, "institution": i["org"], "caregiver": caregiver, "date": date}
    rec["shift"], rec["elder"], rec["scheduled"] = shift, elder, recs.stamp(did=False, time=False)
    state.set("shift/" + sid, rec)
    emit("Scheduled", institution=i["org"], shift=sid)
    return rec


# -- prepayments in custody --------------------------------------------------------------------


def as_custody(i):
    require(
        ctx.sender_org == i["bank"] and "custody" in ctx.sender_roles,
        f"custody rule: only the custody bank of {i['name']} ({i['bank']}) records its money",
    )


@call(roles=["custody"])
def prepay(institution: str, elder: bytes, kind: str, amount: int) -> dict:
    """The custody bank records a prepayment received into the institution's custody account
    (``elder``: a commitment to the payer): the total held stays within the limit."""
    i = load_inst(institution)
    as_custody(i)
    require(i["status"] == "active", f"closure rule: {i['name']} is {i['status']}: no prepayments")
    kinds = governed.value("fee_kinds")
    require(kind in kinds, f"prepayment rule: kind is one of {', '.join(kinds)}")
    require(
        not (i["ownership"] == "public" and kind in governed.value("public_forbidden_kinds")),
        f"prepayment rule: a public institution may not take {kind} fees",
    )
    require(checks.is_hash(elder), "prepayment rule: the payer's commitment (32 bytes)")
    money.positive(amount, "amount")
    require(
        i["held"] + amount <= i["limit"],
        f"prepayment cap rule: {money.yuan(i['held'])} yuan held + {money.yuan(amount)} exceeds"
        f" the limit of {money.yuan(i['limit'])} yuan (net fixed assets)",
    )
    pid = recs.seq("pp", "PP-")
    rec = {"id": pid, "institution": institution, "elder": elder, "kind": kind, "amount": amount}
    rec["held"], rec["released"], rec["refunded"], rec["received"] = (
        amount,
        0,
        0,
        recs.stamp(did=False, time=False),
    )
    state.set("pp/" + pid, rec)
    i["held"] += amount
    save_inst(i)
    emit("Prepaid", institution=institution, prepayment=pid, amount=amount)
    return rec


def load_pp(pid):
    return recs.load("pp/" + pid, f"prepayment rule: no prepayment '{pid}'")


def pay_out(p, i, amount, field, event):
    """Move ``amount`` of prepayment ``p`` out of custody at institution ``i``, counted as
    ``field`` (``released`` or ``refunded``) on both; both are saved."""
    p["held"] -= amount
    p[field] += amount
    state.set("pp/" + p["id"], p)
    i["held"] -= amount
    i[field] += amount
    save_inst(i)
    emit(event, prepayment=p["id"], amount=amount)
    return p


@call(roles=["custody"])
def release(prepayment: str, amount: int) -> dict:
    """The bank releases part of a prepayment to the institution as service is delivered."""
    p = load_pp(prepayment)
    i = load_inst(p["institution"])
    as_custody(i)
    money.positive(amount, "amount")
    require(amount <= p["held"], f"custody rule: only {money.yuan(p['held'])} yuan held")
    return pay_out(p, i, amount, "released", "Released")


@call(roles=["custody"])
def refund(prepayment: str) -> dict:
    """The bank refunds what is held of a prepayment to the payer."""
    p = load_pp(prepayment)
    i = load_inst(p["institution"])
    as_custody(i)
    require(p["held"] > 0, "refund rule: nothing held")
    return pay_out(p, i, p["held"], "refunded", "Refunded")


# -- the time bank ------------------------------------------------------------------------------


def account(did):
    a = state.get("tb/" + did)
    if a is None:
        a = {"did": did, "balance": 0, "pending": 0, "earned": 0, "spent": 0, "donated": 0}
        a["granted"] = 0
    return a


def take_minutes(did, minutes, field, rule):
    """Take ``minutes`` (1 to the balance) from the holder's stored minutes, counted as
    ``field`` (``spent`` or ``donated``); the account is saved."""
    a = account(did)
    require(
        isinstance(minutes, int) and 0 < minutes <= a["balance"],
        f"{rule}: 1-{a['balance']} minutes stored",
    )
    a["balance"] -= minutes
    a[field] += minutes
    state.set("tb/" + did, a)
    return a


def cap_minutes():
    return governed.value("tb_cap_hours") * 60


@call(roles=["officer"])
def enrol_elder(elder: str, basis: bytes, guardian: str | None = None) -> dict:
    """民政局 enrols an elder of the time bank (may confirm services and redeem hours):
    ``basis`` the hash of the eligibility record it checked (age, living alone, ...: kept off
    chain), ``guardian`` a DID who may confirm for the elder."""
    as_officer()
    require(checks.is_did(elder), "enrolment rule: the elder is a DID")
    require(guardian is None or checks.is_did(guardian), "enrolment rule: the guardian is a DID")
    require(checks.is_hash(basis), "enrolment rule: the eligibility record's hash (32 bytes)")
    rec = {
        "did": elder,
        "basis": basis,
        "guardian": guardian,
        "enrolled": recs.stamp(did=False, time=False),
    }
    state.set("elder/" + elder, rec)
    emit("ElderEnrolled")
    return rec


@call(public=True)
def log_service(elder: str, kind: str, date: str, minutes: int) -> dict:
    """A volunteer (their DID key) records a service to an enrolled elder; credited when the
    elder confirms. Refused if it would take the volunteer past the cap."""
    did = ctx.sender_did or ""
    require(did != "", "time bank rule: a volunteer signs with their DID key")
    require(did != elder, "time bank rule: not a service to oneself")
    require(state.has("elder/" + elder), "time bank rule: the elder is not enrolled")
    require(kind in governed.value("tb_kinds"), f"time bank rule: no service kind '{kind}'")
    check_date(date, "date")
    today = calendar.today()
    require(date <= today, "time bank rule: the service date is not in the future")
    most = governed.value("tb_max_minutes")
    require(
        isinstance(minutes, int) and 0 < minutes <= most,
        f"time bank rule: 1-{most} minutes a record",
    )
    a = account(did)
    cap = cap_minutes()
    require(
        a["balance"] + a["pending"] + minutes <= cap,
        f"time bank cap rule: {a['balance'] + a['pending']} minutes stored or pending + {minutes}"
        f" exceeds the cap of {governed.value('tb_cap_hours')} hours",
    )
    sid = recs.seq("svc", "SV-")
    due = calendar.add_working_days(
        today, governed.value("tb_confirm_days"), governed.value("holidays")
    )
    rec = {"id": sid, "volunteer": did, "elder": elder, "kind": kind, "date": date}
    rec["minutes"], rec["status"], rec["confirm_by"] = minutes, "pending", due
    rec["logged"], rec["confirmed"] = ctx.height, None
    state.set("svc/" + sid, rec)
    a["pending"] += minutes
    state.set("tb/" + did, a)
    emit("ServiceLogged", service=sid)
    return rec


@call(public=True)
def confirm_service(service: str, accept: bool = True) -> dict:
    """The served elder (or guardian) confirms a service (the volunteer's minutes are
    credited) or rejects it, within the confirmation deadline."""
    rec = state.get("svc/" + service)
    require(rec is not None, f"time bank rule: no service '{service}'")
    e = state.get("elder/" + rec["elder"])
    did = ctx.sender_did or ""
    require(
        did != "" and (did == rec["elder"] or did == e["guardian"]),
        "confirmation rule: only the served elder or their guardian confirms",
    )
    require(rec["status"] == "pending", f"confirmation rule: the service is {rec['status']}")
    require(
        calendar.today() <= rec["confirm_by"],
        f"confirmation rule: the deadline {rec['confirm_by']} has passed",
    )
    a = account(rec["volunteer"])
    a["pending"] -= rec["minutes"]
    if accept:
        a["balance"] += rec["minutes"]
        a["earned"] += rec["minutes"]
    rec["status"] = "confirmed" if accept else "rejected"
    rec["confirmed"] = {
        "height": ctx.height,
        "date": calendar.today(),
        "by_guardian": did != rec["elder"],
    }
    state.set("tb/" + rec["volunteer"], a)
    state.set("svc/" + service, rec)
    emit("ServiceConfirmed", service=service, status=rec["status"])
    return rec


@call(public=True)
def expire_service(service: str) -> dict:
    """Anyone closes a service left unconfirmed past its deadline (the pending minutes go)."""
    rec = state.get("svc/" + service)
    require(rec is not None, f"time bank rule: no service '{service}'")
    require(rec["status"] == "pending", f"confirmation rule: the service is {rec['status']}")
    require(calendar.today() > rec["confirm_by"], "confirmation rule: the deadline has not passed")
    a = account(rec["volunteer"])
    a["pending"] -= rec["minutes"]
    rec["status"] = "expired"
    state.set("tb/" + rec["volunteer"], a)
    state.set("svc/" + service, rec)
    return rec


@call(public=True)
def redeem(minutes: int, provider: str, kind: str) -> dict:
    """An enrolled elder spends stored minutes for a service by ``provider`` (a DID)."""
    did = ctx.sender_did or ""
    require(did != "", "redemption rule: sign with your DID key")
    require(state.has("elder/" + did), "redemption rule: only enrolled elders redeem")
    require(
        checks.is_did(provider) and provider != did, "redemption rule: the provider is another DID"
    )
    require(kind in governed.value("tb_kinds"), f"redemption rule: no service kind '{kind}'")
    take_minutes(did, minutes, "spent", "redemption rule")
    rid = recs.seq("rdm", "RD-")
    rec = {"id": rid, "holder": did, "provider": provider, "kind": kind, "minutes": minutes}
    rec["redeemed"] = ctx.height
    state.set("rdm/" + rid, rec)
    emit("Redeemed", redemption=rid)
    return rec


@call(public=True)
def donate(minutes: int) -> dict:
    """A holder gives stored minutes to the donation pool (the only transfer allowed)."""
    did = ctx.sender_did or ""
    require(did != "", "donation rule: sign with your DID key")
    a = take_minutes(did, minutes, "donated", "donation rule")
    state.set("pool", state.get("pool", 0) + minutes)
    emit("Donated", minutes=minutes)
    return a


@call(roles=["officer"])
def grant(elder: str, minutes: int) -> dict:
    """民政局 allocates pool minutes to an enrolled elder (within the cap)."""
    as_officer()
    require(state.has("elder/" + elder), "grant rule: the elder is not enrolled")
    pool = state.get("pool", 0)
    require(
        isinstance(minutes, int) and 0 < minutes <= pool,
        f"grant rule: 1-{pool} minutes in the pool",
    )
    a = account(elder)
    require(
        a["balance"] + a["pending"] + minutes <= cap_minutes(),
        f"time bank cap rule: the elder's balance would exceed"
        f" {governed.value('tb_cap_hours')} hours",
    )
    a["balance"] += minutes
    a["granted"] += minutes
    state.set("tb/" + elder, a)
    state.set("pool", pool - minutes)
    emit("Granted", minutes=minutes)
    return a


@call(public=True)
def certify_balance() -> dict:
    """A holder asks for a balance certificate (its credential is issued by 民政局's issuer
    system): the minutes stored today."""
    did = ctx.sender_did or ""
    require(did != "", "certificate rule: sign with your DID key")
    a = account(did)
    require(a["balance"] > 0, "certificate rule: nothing stored")
    cid = recs.seq("cert", "CTB-")
    fields = {"minutes": a["balance"], "as_of": calendar.today()}
    return certs.record(cid, KIND, [did], fields)


@call
def link_credential(cert_id: str, idx: int, holder: str | None = None) -> dict:
    """民政局's issuer system links the credential it issued for a certificate."""
    return certs.link(cert_id, idx, holder, [bureau_org()])


# -- reads -------------------------------------------------------------------------------------


@view
def institution(org: str) -> dict | None:
    return state.get("inst/" + org)


@view
def grade(org: str) -> dict:
    """The score and grade in force today (records expire), live."""
    load_inst(org)
    return compute_score(org)


@view
def records(org: str) -> list:
    """The latest compliance record of each category."""
    out = []
    for cat in governed.value("departments"):
        rid = state.get("latest/" + org + "/" + cat)
        if rid is not None:
            out.append(state.get("rec/" + rid))
    return out


@view
def caregiver(did: str) -> dict | None:
    return state.get("cg/" + did)


@view
def alerts(org: str) -> list:
    """The institution's caregivers who cannot be scheduled today or whose qualification or
    health check ends within the alert window: ``[{caregiver, stops, expiring}]``."""
    today = calendar.today()
    soon = calendar.add_days(today, governed.value("alert_days"))
    out = []
    for key, _ in state.range("staff/" + org + "/", limit=1000):
        did = key[len("staff/" + org + "/") :]
        c = state.get("cg/" + did)
        stops = fitness(c, today)
        expiring = [x for x in fitness(c, soon) if x not in stops]
        if stops or expiring:
            out.append({"caregiver": did, "stops": stops, "expiring": expiring})
    return out


@view
def time_account(did: str) -> dict:
    return account(did)


@view
def certificate(cert_id: str) -> dict | None:
    return certs.get(cert_id)


@view
def board() -> dict:
    """The public board: each institution's grade, red-list flag, subsidies and custody totals
    and caregivers' fitness counts; the time bank's totals."""
    today = calendar.today()
    rows = []
    for _, i in state.range("inst/", limit=1000):
        s = compute_score(i["org"])
        fit = 0
        for key, _ in state.range("staff/" + i["org"] + "/", limit=1000):
            c = state.get("cg/" + key[len("staff/" + i["org"] + "/") :])
            fit += 1 if len(fitness(c, today)) == 0 else 0
        rows.append(
            {
                "org": i["org"],
                "name": i["name"],
                "beds": i["beds"],
                "ownership": i["ownership"],
                "status": i["status"],
                "score": s["score"],
                "grade": s["grade"],
                "red": s["red"],
                "missing": s["missing"],
                "failing": s["failing"],
                "limit": i["limit"],
                "held": i["held"],
                "subsidies": i["subsidies"],
                "caregivers": i["caregivers"],
                "fit": fit,
            }
        )
    tb = {"pool": state.get("pool", 0), "volunteers": 0, "stored": 0, "earned": 0, "spent": 0}
    for _, a in state.range("tb/", limit=1000):
        tb["volunteers"] += 1 if a["earned"] > 0 else 0
        tb["stored"] += a["balance"]
        tb["earned"] += a["earned"]
        tb["spent"] += a["spent"]
    return {"institutions": rows, "time_bank": tb, "date": today}
