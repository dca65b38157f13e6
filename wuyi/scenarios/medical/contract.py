"""健康医疗 Health and medical insurance (scenario 11): medical records stay in the hospitals;
the chain keeps their hashes and encrypted locators, the patient's separate consent (单独同意,
shaped like FHIR R5 ``Consent``) for another hospital or an insurer to read them, and a log of
every read the patient sees. 医保 settlements are recorded with the drug trace codes (药品追溯码,
hashed) they settle; a trace code settled twice is refused (一码一盒一次), and the supervision
rules of 医保局 (two libraries: rule id, parameters, severity) raise alerts: the same claim twice,
services after the date of death, inpatient stays overlapping at two hospitals or several
hospitals in one day, quantities over a drug's limit. Each alert moves through 初审 → 复审 →
申诉 → 调查核实 → 处理, each step on record with its deadline in working days. 商保快赔: an
insurer files a claim on a bill only under the patient's consent naming it, receives only
the items the claim needs, and decides and pays within the deadlines of 保险法 Art. 23.

Actors: 医保局 (the ``regulator`` organisation given to ``init``; role ``reviewer`` reviews
alerts; its admins set the parameters); 卫健局 (``health``; it supervises record sharing and
reads the access log); the designated hospitals (an org in ``hospitals``, role ``hospital``);
the insurers (an org in ``insurers``, role ``insurer``); 公安/民政 (an org in ``death_sources``,
role ``civil``) record deaths; patients sign consents with their DID keys.

No personal data: patients are DIDs; a record is a hash and an encrypted locator; a diagnosis,
an invoice, a death certificate, a reviewer's note are hashes; items are catalogue codes with
quantities and amounts in fen. User documentation: ``wuyi/scenarios/medical/README.md``.
"""

from typing import Any

from wuyi.contract import call, ctx, emit, hash, require, revert, state, view
from wuyi.contract.lib import calendar, checks, money, records
from wuyi.contract.lib import params as governed

ROLES = ["hospital", "reviewer", "chief", "insurer", "civil"]

LAW_PIPL = "《个人信息保护法》第二十八条、第二十九条（医疗健康为敏感个人信息，应取得单独同意）"
LAW_FUND = "《医疗保障基金使用监督管理条例》（国务院令第735号，2021年5月1日施行）"
LAW_LIB = "《医疗保障基金智能审核和监控知识库、规则库管理办法（试行）》（国家医保局，2022）"
LAW_TRACE = "国家医保局药品追溯码“无码不结算”（2025年7月1日起）、一盒一码一次销售"
LAW_INS = "《保险法》第二十三条"
LAW_RECORDS = "《医疗机构病历管理规定》（2013年版）病历借阅与复制"
MEM = "［mem：未找到原文，依据待核实，修改时登记文号］"
NEWS = "［news：新闻报道，依据待核实］"
DEMO = "［演示值，以江门市医疗保障局现行文件为准］"
#: the supervision rules (rule id -> what it finds); their severity and numbers are parameters
RULES = {
    "R01": "duplicate",
    "R02": "after_death",
    "R03": "overlap_stay",
    "R04": "many_hospitals",
    "R05": "over_limit",
}
PARAMS = {
    "hospitals": {
        "kind": "codes",
        "min_items": 1,
        "default": ["zxyy", "rmyy"],
        "basis": LAW_FUND + "第十四条：定点医药机构（医保协议管理名单）" + DEMO,
    },
    "insurers": {
        "kind": "codes",
        "default": ["rsbx"],
        "basis": "医保与商业健康保险协同（商保快赔，2025年国家方案）的合作保险公司名单" + NEWS,
    },
    "death_sources": {
        "kind": "codes",
        "min_items": 1,
        "default": ["gaj", "mzj"],
        "basis": "死亡信息来源：公安户籍注销、民政殡葬火化信息（两库规则“死亡后发生费用”）" + MEM,
    },
    "record_categories": {
        "kind": "codes",
        "min_items": 1,
        "default": ["outpatient", "inpatient", "lab", "imaging", "prescription", "discharge"],
        "basis": LAW_RECORDS + "：门（急）诊、住院病历、检验、影像、处方、出院记录" + DEMO,
    },
    "purposes": {
        "kind": "codes",
        "min_items": 1,
        "default": ["treatment", "referral", "claim"],
        "basis": LAW_PIPL + "：同意须载明处理目的（诊疗、转诊、理赔）",
    },
    "consent_max_days": {
        "kind": "int",
        "min": 1,
        "max": 3660,
        "default": 365,
        "basis": LAW_PIPL + "；参照第十九条（保存期限为实现处理目的所必要的最短时间）" + DEMO,
    },
    "same_day_hospitals": {
        "kind": "int",
        "min": 2,
        "max": 20,
        "default": 3,
        "basis": LAW_LIB + "：同一参保人同日在多家医疗机构就诊（规则 R04 阈值）" + DEMO,
    },
    "qty_limits": {
        "kind": "table",
        "default": {"8680001": 30, "8680002": 60, "8680003": 10},
        "basis": LAW_LIB
        + "：超限量（规则 R05；按药品标识码，即追溯码前7位，每次结算的最大数量）"
        + DEMO,
    },
    "severity": {
        "kind": "code_map",
        "default": {"high": ["R01", "R02", "R03"], "medium": ["R04", "R05"]},
        "basis": LAW_LIB + "：规则由逻辑、参数、阈值与严重程度组成",
    },
    "review_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 5,
        "basis": LAW_LIB + "：疑点初审时限（工作日）" + MEM,
    },
    "second_review_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 5,
        "basis": LAW_LIB + "：复审时限（工作日）" + MEM,
    },
    "appeal_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 10,
        "basis": LAW_LIB + "：定点医疗机构申诉期限（工作日）" + MEM,
    },
    "investigation_days": {
        "kind": "int",
        "min": 1,
        "max": 120,
        "default": 20,
        "basis": LAW_LIB + "：调查核实时限（工作日）" + MEM,
    },
    "claim_decide_days": {
        "kind": "int",
        "min": 1,
        "max": 30,
        "default": 30,
        "basis": LAW_INS + "：情形复杂的，应当在三十日内作出核定（日历日）",
    },
    "claim_pay_days": {
        "kind": "int",
        "min": 1,
        "max": 10,
        "default": 10,
        "basis": LAW_INS + "：达成赔付协议后十日内履行赔偿保险金义务（日历日）",
    },
    "holidays": {
        "kind": "holidays",
        "default": calendar.CN_HOLIDAYS,
        "basis": "国务院办公厅节假日安排（各年通知；见表中各年的依据）",
    },
}
KINDS = ["outpatient", "inpatient"]
ITEM_KINDS = ["drug", "service", "material"]
STAGES = ["review", "second_review", "appeal", "investigation", "dismissed", "violation", "cleared"]
OPEN_STAGES = ["review", "second_review", "appeal", "investigation"]
CLAIM_STATUSES = ["filed", "approved", "declined", "paid"]
#: the item's field with the hashed trace codes of its boxes
TRACE_FIELD = "trace"
MAX_ITEMS = 40
MAX_LIST = 16
MAX_LOCATOR = 512
MAX_BY_PATIENT = 500
MAX_STEPS = 20
DAY_MS = 86400000


# -- set-up and parameters ---------------------------------------------------------------------


@call
def init(regulator: str = "ybj", health: str = "wjj", params: dict | None = None) -> None:
    """``regulator``: 医保局's organisation (reviewers, parameters); ``health``: 卫健局's (reads
    the access log); ``params`` may override defaults."""
    state.set("cfg", {"regulator": regulator, "health": health})
    governed.init(PARAMS, params)


def cfg():
    return state.get("cfg")


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of 医保局 change a parameter, in force from the next block, on record."""
    return governed.change_by(
        PARAMS, cfg()["regulator"], "(医保局) change these rules", name, value, reason, basis
    )


@view
def param(name: str) -> dict:
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    return governed.history(name)


@view
def config() -> dict:
    """``{regulator, health}``."""
    return cfg()


@view
def rules() -> list:
    """The supervision rules: id, what they find, severity in force."""
    sev = governed.value("severity")
    return [{"id": r, "name": RULES[r], "severity": severity_of(r, sev)} for r in RULES]


# -- helpers -----------------------------------------------------------------------------------


def check_hash(value, what):
    """:func:`checks.check_hash` with this contract's refusal (``<what> is a 32-byte hash``)."""
    return checks.check_hash(value, what, says="is")


def severity_of(rule, sev=None):
    table = sev if sev is not None else governed.value("severity")
    for level in table:
        if rule in table[level]:
            return level
    return "low"


def check_date(d, what):
    require(
        isinstance(d, str) and len(d) == 10 and calendar.parse(d) >= 0,
        f"{what} is a date YYYY-MM-DD",
    )


def check_due(amount, due, most, upto, nothing):
    """An amount (fen) owed: 1 fen to ``most`` when ``due``, else none; ``upto`` (followed by
    the cap in yuan) and ``nothing`` are the refusals."""
    if due:
        require(0 < amount <= most, f"{upto} {money.yuan(most)} yuan")
    else:
        require(amount == 0, nothing)


def as_listed(param, role, who):
    """The sender's organisation, refused unless it is one of the governed list ``param``
    (``who`` names them) and the sender has the role ``role``."""
    orgs = governed.value(param)
    require(
        ctx.sender_org in orgs and role in ctx.sender_roles,
        f"{role} rule: only members of {who} ({', '.join(orgs)}) with the role {role} do this",
    )
    return ctx.sender_org


def as_hospital():
    return as_listed("hospitals", "hospital", "a designated hospital")


def as_reviewer(roles):
    org = cfg()["regulator"]
    mine = [r for r in roles if r in ctx.sender_roles]
    require(
        ctx.sender_org == org and len(mine) > 0,
        f"reviewer rule: only members of '{org}' (医保局) with the role {' or '.join(roles)}"
        " do this",
    )


def as_insurer():
    return as_listed("insurers", "insurer", "an insurer")


def bump(key, field, n=1):
    rec = state.get(key, {})
    rec[field] = rec.get(field, 0) + n
    state.set(key, rec)


# -- medical records and consents (rule 1) -----------------------------------------------------


@call(roles=["hospital"])
def register_record(patient: str, category: str, doc: bytes, locator: bytes) -> dict:
    """A hospital registers a record it keeps about ``patient`` (a DID): its category, the hash
    of the document, and its locator encrypted for the hospitals' exchange (opaque bytes)."""
    hospital = as_hospital()
    require(checks.is_did(patient), f"record rule: patient '{patient}' is not a DID")
    cats = governed.value("record_categories")
    require(category in cats, f"record rule: category is one of {', '.join(cats)}")
    check_hash(doc, "record rule: doc")
    require(
        isinstance(locator, bytes) and 0 < len(locator) <= MAX_LOCATOR,
        f"record rule: locator is the encrypted locator (1-{MAX_LOCATOR} bytes)",
    )
    require(not state.has("doc/" + doc.hex()), "record rule: this document is registered")
    rid = records.seq("mr", "MR")
    rec = {
        "id": rid,
        "hospital": hospital,
        "patient": patient,
        "category": category,
        "doc": doc,
        "locator": locator,
        "registered": records.stamp(did=False),
        "reads": 0,
    }
    state.set("mr/" + rid, rec)
    state.set("doc/" + doc.hex(), rid)
    state.set("mr_by_patient/" + patient + "/" + rid, 1)
    bump("stats/" + hospital, "records")
    emit("RecordRegistered", record=rid, hospital=hospital, category=category)
    return rec


def load_record(rid):
    return records.load("mr/" + rid, f"record rule: no record '{rid}'")


def load_consent(cid):
    return records.load("consent/" + cid, f"consent rule: no consent '{cid}'")


def is_live(c, today):
    p = c["period"]
    return c["status"] == "active" and p["start"] <= today <= p["end"]


def codes_in(values, allowed, what):
    require(
        isinstance(values, list) and 0 < len(values) <= MAX_LIST,
        f"consent rule: {what} is a list of 1-{MAX_LIST} codes",
    )
    for v in values:
        require(v in allowed, f"consent rule: {what} '{v}' is not one of {', '.join(allowed)}")


@call(public=True)
def grant(
    grantee: str,
    purpose: str,
    start: str,
    end: str,
    separate: bool,
    categories: list | None = None,
    custodians: list | None = None,
    settlements: list | None = None,
) -> dict:
    """The patient (their DID key) permits ``grantee`` (a hospital, or an insurer for a claim)
    to read, for ``purpose``, from ``start`` to ``end``: the records of ``categories`` kept by
    ``custodians`` (hospitals; all when omitted), or for an insurer the ``settlements`` named
    (``[{id, items}]``: the item sequences the claim needs). ``separate`` must be true: this is
    a separate consent for health data (单独同意). Shaped like FHIR R5 ``Consent``."""
    patient = ctx.sender_did or ""
    require(patient != "", "consent rule: the patient signs with their DID key")
    require(
        separate is True,
        "separate consent rule (单独同意): health data is sensitive; the patient's consent to it"
        " is given separately (separate=true), not bundled with other terms",
    )
    hospitals, insurers = governed.value("hospitals"), governed.value("insurers")
    require(
        grantee in hospitals or grantee in insurers,
        f"consent rule: grantee '{grantee}' is not a designated hospital or an insurer",
    )
    purposes = governed.value("purposes")
    require(purpose in purposes, f"consent rule: purpose is one of {', '.join(purposes)}")
    check_date(start, "consent rule: start")
    check_date(end, "consent rule: end")
    today = calendar.today()
    most = governed.value("consent_max_days")
    require(start <= end, "consent rule: the period ends after it starts")
    require(end >= today, f"consent rule: the period ends before today ({today})")
    require(
        calendar.parse(end) - calendar.parse(start) <= most,
        f"consent rule (期限): a consent lasts at most {most} days",
    )
    data = []
    cats = []
    keepers = []
    if grantee in insurers:
        require(
            purpose == "claim", "consent rule: an insurer is permitted for a claim (purpose claim)"
        )
        require(
            isinstance(settlements, list) and 0 < len(settlements) <= MAX_LIST,
            f"consent rule: an insurer's consent names 1-{MAX_LIST} settlements",
        )
        for ref in settlements or []:
            require(
                isinstance(ref, dict) and isinstance(ref.get("id"), str),
                "consent rule: each bill is {id, items}",
            )
            s = load_settlement(ref["id"])
            require(s["patient"] == patient, f"consent rule: bill {ref['id']} is not yours")
            items = ref.get("items")
            require(
                isinstance(items, list) and 0 < len(items) <= MAX_ITEMS,
                "minimum necessary rule (最小必要): name the items the claim needs",
            )
            for n in items:
                require(
                    isinstance(n, int) and 1 <= n <= len(s["items"]),
                    f"consent rule: bill {ref['id']} has no item {n}",
                )
            data.append({"meaning": "instance", "reference": ref["id"], "items": sorted(items)})
    else:
        require(purpose != "claim", "consent rule: a hospital is not permitted for a claim")
        codes_in(categories, governed.value("record_categories"), "category")
        cats = categories or []
        if custodians is not None:
            codes_in(custodians, hospitals, "custodian")
            keepers = custodians
    cid = records.seq("consent", "CS")
    c = {
        "id": cid,
        "resourceType": "Consent",
        "status": "active",
        "decision": "permit",
        "subject": patient,
        "grantor": patient,
        "grantee": grantee,
        "controller": keepers,
        "period": {"start": start, "end": end},
        "provision": {
            "actor": [{"role": "grantee", "reference": grantee}],
            "action": ["access"],
            "purpose": [purpose],
            "documentType": cats,
            "data": data,
        },
        "separate": True,
        "date": today,
        "granted": records.stamp(did=False),
        "revoked": None,
        "reads": 0,
    }
    state.set("consent/" + cid, c)
    state.set("cs_by_patient/" + patient + "/" + cid, 1)
    state.set("cs_by_grantee/" + grantee + "/" + cid, 1)
    emit("ConsentGranted", consent=cid, grantee=grantee, purpose=purpose)
    return c


@call(public=True)
def revoke(consent_id: str) -> dict:
    """The patient withdraws a consent; reads under it are refused from the next block."""
    c = load_consent(consent_id)
    require(
        ctx.sender_did is not None and ctx.sender_did == c["subject"],
        f"consent rule: only the patient of {consent_id} withdraws it",
    )
    require(c["status"] == "active", f"consent rule: {consent_id} is {c['status']}")
    c["status"] = "inactive"
    c["revoked"] = records.stamp(did=False)
    state.set("consent/" + consent_id, c)
    emit("ConsentRevoked", consent=consent_id)
    return c


def consent_for(c, org, purpose):
    """A refusal naming the rule unless consent ``c`` lets ``org`` read for ``purpose`` now."""
    today = calendar.today()
    require(
        c["status"] == "active",
        f"consent rule (单独同意): consent {c['id']} was withdrawn"
        + (f" at block {c['revoked']['height']}" if c["revoked"] is not None else ""),
    )
    require(
        is_live(c, today),
        f"consent rule (期限): consent {c['id']} runs {c['period']['start']} to"
        f" {c['period']['end']}; today is {today}",
    )
    require(c["grantee"] == org, f"consent rule: consent {c['id']} does not name {org}")
    require(
        purpose in c["provision"]["purpose"],
        f"consent rule (目的): consent {c['id']} is for {', '.join(c['provision']['purpose'])},"
        f" not {purpose}",
    )


@call(roles=["hospital"])
def access(record_id: str, consent_id: str, purpose: str) -> dict:
    """A hospital reads a record another hospital keeps, under the patient's live consent
    naming it, the record's category and keeper, for the consent's purpose; the read is
    logged (the patient sees it). Returns the record's hash and encrypted locator."""
    org = as_hospital()
    rec = load_record(record_id)
    c = load_consent(consent_id)
    require(
        rec["hospital"] != org,
        f"access rule: {record_id} is kept by {org} itself; this logs reads across hospitals",
    )
    require(
        c["subject"] == rec["patient"],
        f"consent rule: consent {consent_id} is not the patient's of {record_id}",
    )
    consent_for(c, org, purpose)
    require(
        rec["category"] in c["provision"]["documentType"],
        f"consent rule (范围): consent {consent_id} does not cover '{rec['category']}' records",
    )
    keepers = c["controller"]
    require(
        not keepers or rec["hospital"] in keepers,
        f"consent rule (范围): consent {consent_id} does not cover records kept by"
        f" {rec['hospital']}",
    )
    aid = records.seq("access", "AC")
    log = {
        "id": aid,
        "record": record_id,
        "category": rec["category"],
        "keeper": rec["hospital"],
        "reader": org,
        "patient": rec["patient"],
        "consent": consent_id,
        "purpose": purpose,
        "at": records.stamp(did=False),
    }
    state.set("access/" + aid, log)
    state.set("ac_by_patient/" + rec["patient"] + "/" + aid, 1)
    rec["reads"] += 1
    state.set("mr/" + record_id, rec)
    c["reads"] += 1
    state.set("consent/" + consent_id, c)
    bump("stats/" + org, "reads_out")
    bump("stats/" + rec["hospital"], "reads_in")
    emit("RecordAccessed", access=aid, record=record_id, reader=org, keeper=rec["hospital"])
    return {"access": aid, "record": record_id, "doc": rec["doc"], "locator": rec["locator"]}


# -- deaths ------------------------------------------------------------------------------------


@call(roles=["civil"])
def record_death(patient: str, date: str, source: bytes) -> dict:
    """公安 (户籍注销) or 民政 (殡葬) records a death: the DID, the date of death and the hash of
    the record it comes from. Settlements already recorded for services after that date
    raise alerts (rule R02)."""
    orgs = governed.value("death_sources")
    require(
        ctx.sender_org in orgs and "civil" in ctx.sender_roles,
        f"death rule: only members of {', '.join(orgs)} with the role civil record deaths",
    )
    require(checks.is_did(patient), f"death rule: '{patient}' is not a DID")
    check_date(date, "death rule: date")
    check_hash(source, "death rule: source")
    require(date <= calendar.today(), "death rule: the date of death is not in the future")
    require(not state.has("death/" + patient), "death rule: this death is recorded")
    state.set(
        "death/" + patient, {"date": date, "source": source, "recorded": records.stamp(did=False)}
    )
    raised = []
    for s in settlements_of(patient):
        if s["last"] > date:
            raised.append(raise_alert("R02", s["hospital"], [s["id"]], {"death": date}))
    emit("DeathRecorded", alerts=len(raised))
    return {"date": date, "alerts": raised}


# -- settlements (rule 2) ----------------------------------------------------------------------


def settlements_of(patient):
    """The patient's settlements (``{id, hospital, kind, first, last}``), oldest first."""
    return [v for k, v in state.range("st_by_patient/" + patient + "/", limit=MAX_BY_PATIENT)]


def load_settlement(sid):
    return records.load("st/" + sid, f"bill rule: no bill '{sid}'")


def check_items(items):
    """The items, validated; returns ``[{seq, kind, code, product, trace, qty, fen, net}]``
    and the total."""
    require(
        isinstance(items, list) and 0 < len(items) <= MAX_ITEMS,
        f"bill rule: 1-{MAX_ITEMS} items",
    )
    out = []
    total = 0
    seen = {}
    for i, it in enumerate(items):
        require(isinstance(it, dict), "bill rule: each item is {kind, code, qty, fen, ...}")
        kind, code = it.get("kind"), it.get("code")
        require(kind in ITEM_KINDS, f"bill rule: item kind is one of {', '.join(ITEM_KINDS)}")
        require(
            isinstance(code, str) and 2 <= len(code) <= 32,
            "bill rule: item code is the 医保 catalogue code",
        )
        qty, fen = it.get("qty"), it.get("fen")
        require(
            isinstance(qty, int) and 0 < qty <= 100000,
            "bill rule: qty is a whole number from 1",
        )
        money.positive(fen, "fen")
        product = it.get("product")
        trace = it.get(TRACE_FIELD)
        if kind == "drug":
            require(
                isinstance(trace, list) and len(trace) == qty,
                f"trace code rule (无码不结算): drug {code} is settled box by box, one scanned"
                f" trace code per box ({qty} boxes, {len(trace) if isinstance(trace, list) else 0}"
                " codes)",
            )
            require(
                isinstance(product, str) and len(product) == 7 and product.isdigit(),
                "trace code rule (无码不结算): a drug names its 药品标识码 (the trace code's first"
                " 7 digits)",
            )
            for t in trace:
                check_hash(t, "trace code rule (无码不结算): each trace code")
                h = t.hex()
                require(
                    h not in seen,
                    f"trace code rule (一码一盒): a trace code appears twice in this bill"
                    f" (drug {code})",
                )
                seen[h] = 1
                done = state.get("tc/" + h)
                if done is not None:
                    revert(
                        f"trace code rule (追溯码重复结算): a trace code of drug {code} was"
                        f" settled in {done} already (one box, one code, one sale); this"
                        " bill is refused"
                    )
        else:
            product, trace = None, []
        net = money.positive(qty * fen, "net")
        total += net
        out.append(
            {
                "seq": i + 1,
                "kind": kind,
                "code": code,
                "product": product,
                "trace": trace,
                "qty": qty,
                "fen": fen,
                "net": net,
            }
        )
    return out, total


def signature(items):
    """What makes two claims the same: the codes and quantities, in order of code."""
    parts = sorted([it["code"] + "x" + str(it["qty"]) for it in items])
    return ",".join(parts)


def overlaps(a1, d1, a2, d2):
    return a1 < d2 and a2 < d1


@call(roles=["hospital"])
def settle(
    patient: str,
    kind: str,
    admit: str,
    discharge: str,
    items: list,
    fund_fen: int,
    invoice: bytes,
    diagnosis: bytes,
) -> dict:
    """A hospital records a 医保 bill: the patient (DID), ``outpatient`` (``admit`` =
    ``discharge`` = the day of service) or ``inpatient``, the items (``{kind, code, qty, fen}``,
    a drug also its ``product`` code and one hashed trace code per box), the fund's share in
    fen, the hashes of the invoice and the diagnosis. A trace code settled before is refused;
    the supervision rules then run and raise alerts to 医保局."""
    hospital = as_hospital()
    require(checks.is_did(patient), f"bill rule: patient '{patient}' is not a DID")
    require(kind in KINDS, f"bill rule: kind is one of {', '.join(KINDS)}")
    check_date(admit, "bill rule: admit")
    check_date(discharge, "bill rule: discharge")
    today = calendar.today()
    require(discharge <= today, "bill rule: a bill follows the service")
    if kind == "outpatient":
        require(admit == discharge, "bill rule: an outpatient visit is one day")
    else:
        require(admit < discharge, "bill rule: an inpatient stay ends after it starts")
    check_hash(invoice, "bill rule: invoice")
    check_hash(diagnosis, "bill rule: diagnosis")
    lines, total = check_items(items)
    money.check(fund_fen, "fund_fen")
    require(
        fund_fen <= total,
        f"bill rule: the fund pays at most the total {money.yuan(total)} yuan",
    )
    sid = records.seq("st", "JS")
    alerts = []
    # R01 the same claim twice: the same invoice, or same patient, hospital, dates and items
    same = state.get("inv/" + invoice.hex())
    sig = patient + "/" + hospital + "/" + admit + "/" + discharge + "/" + signature(lines)
    same2 = state.get("sig/" + hash(sig.encode()).hex())
    twin = same if same is not None else same2
    if twin is not None:
        alerts.append(raise_alert("R01", hospital, [twin, sid], {}))
    # R02 services after the date of death
    death = state.get("death/" + patient)
    if death is not None and discharge > death["date"]:
        alerts.append(raise_alert("R02", hospital, [sid], {"death": death["date"]}))
    # R03 inpatient stays overlapping at two hospitals; R04 several hospitals in one day
    day_hospitals = [hospital]
    day_refs = []
    for o in settlements_of(patient):
        if o["hospital"] == hospital:
            continue
        if (
            kind == "inpatient"
            and o["kind"] == "inpatient"
            and overlaps(admit, discharge, o["first"], o["last"])
        ):
            alerts.append(raise_alert("R03", hospital, [o["id"], sid], {"other": o["hospital"]}))
        if kind == "outpatient" and o["first"] <= admit <= o["last"]:
            if o["hospital"] not in day_hospitals:
                day_hospitals.append(o["hospital"])
            day_refs.append(o["id"])
    n = governed.value("same_day_hospitals")
    day_refs.append(sid)
    if kind == "outpatient" and len(day_hospitals) >= n:
        alerts.append(raise_alert("R04", hospital, day_refs, {"hospitals": len(day_hospitals)}))
    # R05 quantity over a drug's limit
    limits = governed.value("qty_limits")
    for it in lines:
        if it["product"] is not None and it["product"] in limits:
            most = limits[it["product"]]
            if it["qty"] > most:
                alerts.append(
                    raise_alert(
                        "R05", hospital, [sid], {"code": it["code"], "qty": it["qty"], "max": most}
                    )
                )
    for it in lines:
        for t in it["trace"]:
            state.set("tc/" + t.hex(), sid)
    s = {
        "id": sid,
        "patient": patient,
        "hospital": hospital,
        "kind": kind,
        "admit": admit,
        "discharge": discharge,
        "items": lines,
        "total": total,
        "fund_fen": fund_fen,
        "self_fen": total - fund_fen,
        "invoice": invoice,
        "diagnosis": diagnosis,
        "alerts": alerts,
        "claims": [],
        "settled": records.stamp(did=False),
    }
    state.set("st/" + sid, s)
    state.set("inv/" + invoice.hex(), sid)
    state.set("sig/" + hash(sig.encode()).hex(), sid)
    state.set(
        "st_by_patient/" + patient + "/" + sid,
        {"id": sid, "hospital": hospital, "kind": kind, "first": admit, "last": discharge},
    )
    state.set("st_by_hospital/" + hospital + "/" + sid, 1)
    bump("stats/" + hospital, "settlements")
    bump("stats/" + hospital, "fund_fen", fund_fen)
    bump("totals", "settlements")
    bump("totals", "fund_fen", fund_fen)
    bump("totals", "self_fen", total - fund_fen)
    emit("Settled", bill=sid, hospital=hospital, kind=kind, alerts=len(alerts))
    return s


# -- alerts (rule 3) ---------------------------------------------------------------------------


def raise_alert(rule, hospital, refs, facts):
    aid = records.seq("alert", "YJ")
    today = calendar.today()
    due = calendar.add_working_days(
        today, governed.value("review_days"), governed.value("holidays")
    )
    a = {
        "id": aid,
        "rule": rule,
        "name": RULES[rule],
        "severity": severity_of(rule),
        "hospital": hospital,
        "refs": refs,
        "facts": facts,
        "stage": "review",
        "due": due,
        "raised": records.stamp(did=False),
        "steps": [],
        "appealed": False,
        "recover_fen": 0,
    }
    state.set("alert/" + aid, a)
    bump("alert_stats", rule)
    bump("stage_stats", "review")
    bump("stats/" + hospital, "alerts")
    emit("AlertRaised", alert=aid, rule=rule, hospital=hospital)
    return aid


def load_alert(aid):
    return records.load("alert/" + aid, f"alert rule: no alert '{aid}'")


def alert_step(a, name, note, stage, days):
    """Record step ``name`` (with its lateness against the stage's due date), move to
    ``stage`` with a new due date ``days`` working days on (None: final)."""
    require(len(a["steps"]) < MAX_STEPS, f"alert rule: {a['id']} has {MAX_STEPS} steps")
    today = calendar.today()
    table = governed.value("holidays")
    entry = records.stamp(did=False)
    entry["step"] = name
    entry["note"] = note
    entry["due"] = a["due"]
    entry["late_days"] = calendar.working_days_between(a["due"], today, table)
    a["steps"].append(entry)
    bump("stage_stats", a["stage"], -1)
    bump("stage_stats", stage)
    a["stage"] = stage
    a["due"] = calendar.add_working_days(today, days, table) if days is not None else None
    state.set("alert/" + a["id"], a)
    emit("AlertStep", alert=a["id"], step=name, stage=stage)
    return a


def check_stage(a, stage, rule):
    require(a["stage"] == stage, f"{rule}: alert {a['id']} is at stage {a['stage']}, not {stage}")


@call(roles=["reviewer"])
def review(alert_id: str, confirm: bool, note: bytes) -> dict:
    """初审: a reviewer of 医保局 confirms the suspicion (to second review) or dismisses it;
    ``note`` is the hash of the reviewer's opinion."""
    as_reviewer(["reviewer"])
    a = load_alert(alert_id)
    check_stage(a, "review", "review rule (初审)")
    check_hash(note, "review rule (初审): note")
    if confirm:
        return alert_step(a, "review", note, "second_review", governed.value("second_review_days"))
    return alert_step(a, "review", note, "dismissed", None)


@call(roles=["reviewer", "chief"])
def second_review(alert_id: str, confirm: bool, note: bytes) -> dict:
    """复审 by another reviewer than the 初审's: confirmed, the hospital is notified and may
    appeal within ``appeal_days`` working days; or dismissed."""
    as_reviewer(["reviewer", "chief"])
    a = load_alert(alert_id)
    check_stage(a, "second_review", "second review rule (复审)")
    check_hash(note, "second review rule (复审): note")
    first = a["steps"][-1]["by"]
    require(
        first != ctx.sender,
        "second review rule (复审): the second review is by another reviewer than the first",
    )
    if confirm:
        return alert_step(a, "second_review", note, "appeal", governed.value("appeal_days"))
    return alert_step(a, "second_review", note, "dismissed", None)


@call(roles=["hospital"])
def appeal(alert_id: str, statement: bytes) -> dict:
    """申诉: the hospital concerned appeals within ``appeal_days`` working days (the hash of its
    statement and evidence); the alert goes to investigation (调查核实)."""
    a = load_alert(alert_id)
    require(
        ctx.sender_org == a["hospital"] and "hospital" in ctx.sender_roles,
        f"appeal rule (申诉): only {a['hospital']} appeals its alert",
    )
    check_stage(a, "appeal", "appeal rule (申诉)")
    check_hash(statement, "appeal rule (申诉): statement")
    today = calendar.today()
    require(
        today <= a["due"],
        f"appeal rule (申诉): the appeal period of {alert_id} ended on {a['due']}",
    )
    a["appealed"] = True
    return alert_step(a, "appeal", statement, "investigation", governed.value("investigation_days"))


@call(roles=["reviewer", "chief"])
def decide(alert_id: str, violation: bool, recover_fen: int, note: bytes) -> dict:
    """处理: after the investigation of an appeal, or once the appeal period passed without
    one, a reviewer decides: a violation (``recover_fen`` of the fund's payments to recover)
    or cleared."""
    as_reviewer(["reviewer", "chief"])
    a = load_alert(alert_id)
    check_hash(note, "decision rule (违规处理): note")
    today = calendar.today()
    if a["stage"] == "appeal":
        require(
            today > a["due"],
            f"decision rule (违规处理): {a['hospital']} may appeal {alert_id} until {a['due']}",
        )
    else:
        check_stage(a, "investigation", "decision rule (违规处理)")
    money.check(recover_fen, "recover_fen")
    paid = 0
    for sid in a["refs"]:
        paid += load_settlement(sid)["fund_fen"]
    check_due(
        recover_fen,
        violation,
        paid,
        "decision rule (违规处理): recover 1 fen to the fund's",
        "decision rule (违规处理): nothing to recover when cleared",
    )
    a["recover_fen"] = recover_fen
    if violation:
        bump("totals", "recover_fen", recover_fen)
    return alert_step(a, "decision", note, "violation" if violation else "cleared", None)


# -- 商保快赔 (rule 4) ---------------------------------------------------------------------------


def claim_items(s, refs):
    """The items of bill ``s`` the consent lets the insurer see."""
    out = []
    for n in refs:
        it = s["items"][n - 1]
        out.append(
            {
                "seq": it["seq"],
                "kind": it["kind"],
                "code": it["code"],
                "qty": it["qty"],
                "fen": it["fen"],
                "net": it["net"],
            }
        )
    return out


def summary_of(s, refs):
    """The bill summary an insurer receives: no diagnosis, no trace codes, only the
    consented items."""
    items = claim_items(s, refs)
    return {
        "bill": s["id"],
        "hospital": s["hospital"],
        "kind": s["kind"],
        "admit": s["admit"],
        "discharge": s["discharge"],
        "items": items,
        "items_fen": sum([it["net"] for it in items]),
        "self_fen": s["self_fen"],
    }


@call(roles=["insurer"])
def file_claim(settlement_id: str, consent_id: str) -> dict:
    """An insurer files a 快赔 claim on a bill under the patient's consent naming it and
    the items the claim needs; the claim keeps only those items' summary. It must decide
    within ``claim_decide_days`` days and pay within ``claim_pay_days`` days of approving."""
    org = as_insurer()
    s = load_settlement(settlement_id)
    c = load_consent(consent_id)
    require(
        c["subject"] == s["patient"],
        f"consent rule: consent {consent_id} is not the patient's of {settlement_id}",
    )
    consent_for(c, org, "claim")
    refs = None
    for d in c["provision"]["data"]:
        if d["reference"] == settlement_id:
            refs = d["items"]
    require(
        refs is not None,
        f"consent rule (最小必要): consent {consent_id} does not name bill {settlement_id}",
    )
    require(
        not state.has("claim_of/" + org + "/" + settlement_id),
        f"claim rule: {org} has a claim on {settlement_id}",
    )
    today = calendar.today()
    kid = records.seq("claim", "KP")
    k = {
        "id": kid,
        "insurer": org,
        "patient": s["patient"],
        "consent": consent_id,
        "summary": summary_of(s, refs),
        "status": "filed",
        "filed": records.stamp(did=False),
        "decide_due": calendar.add_days(today, governed.value("claim_decide_days")),
        "decided": None,
        "amount": 0,
        "pay_due": None,
        "paid": None,
        "late": [],
    }
    state.set("claim/" + kid, k)
    bump("claim_stats", "filed")
    state.set("claim_of/" + org + "/" + settlement_id, kid)
    state.set("cl_by_insurer/" + org + "/" + kid, 1)
    state.set("cl_by_patient/" + s["patient"] + "/" + kid, 1)
    s["claims"].append(kid)
    state.set("st/" + settlement_id, s)
    c["reads"] += 1
    state.set("consent/" + consent_id, c)
    emit("ClaimFiled", claim=kid, insurer=org)
    return k


def load_claim(kid, org):
    k = state.get("claim/" + kid)
    require(k is not None, f"claim rule: no claim '{kid}'")
    require(k["insurer"] == org, f"claim rule: {kid} is not {org}'s")
    return k


@call(roles=["insurer"])
def decide_claim(claim_id: str, approve: bool, amount: int) -> dict:
    """The insurer approves (``amount`` fen, at most the claimed items) or declines; a decision
    after ``claim_decide_days`` days is recorded late."""
    org = as_insurer()
    k = load_claim(claim_id, org)
    require(k["status"] == "filed", f"claim rule: {claim_id} is {k['status']}")
    money.check(amount, "amount")
    most = k["summary"]["items_fen"]
    check_due(
        amount,
        approve,
        most,
        "claim rule: the amount is 1 fen to the claimed items'",
        "claim rule: a declined claim pays nothing",
    )
    today = calendar.today()
    if today > k["decide_due"]:
        k["late"].append("decide")
    k["status"] = "approved" if approve else "declined"
    bump("claim_stats", "filed", -1)
    bump("claim_stats", k["status"])
    k["decided"] = records.stamp(did=False)
    k["amount"] = amount
    if approve:
        k["pay_due"] = calendar.add_days(today, governed.value("claim_pay_days"))
    state.set("claim/" + claim_id, k)
    emit("ClaimDecided", claim=claim_id, status=k["status"])
    return k


@call(roles=["insurer"])
def pay_claim(claim_id: str) -> dict:
    """The insurer records the payment of an approved claim (its word); late if after
    ``pay_due``."""
    org = as_insurer()
    k = load_claim(claim_id, org)
    require(k["status"] == "approved", f"claim rule: {claim_id} is {k['status']}, not approved")
    if calendar.today() > k["pay_due"]:
        k["late"].append("pay")
    k["status"] = "paid"
    bump("claim_stats", "approved", -1)
    bump("claim_stats", "paid")
    k["paid"] = records.stamp(did=False)
    state.set("claim/" + claim_id, k)
    bump("totals", "claims_paid_fen", k["amount"])
    emit("ClaimPaid", claim=claim_id, late="pay" in k["late"])
    return k


# -- views -------------------------------------------------------------------------------------


@view
def record(record_id: str) -> dict | None:
    return state.get("mr/" + record_id)


@view
def consent(consent_id: str) -> dict | None:
    return state.get("consent/" + consent_id)


@view
def bill(settlement_id: str) -> dict | None:
    return state.get("st/" + settlement_id)


@view
def alert(alert_id: str) -> dict | None:
    return state.get("alert/" + alert_id)


@view
def claim(claim_id: str) -> dict | None:
    return state.get("claim/" + claim_id)


@view
def document(doc_hex: str) -> str | None:
    """The record registered with this document hash (hex), if any."""
    return state.get("doc/" + doc_hex)


@view
def invoice(invoice_hex: str) -> str | None:
    """The bill recorded with this invoice hash (hex), if any."""
    return state.get("inv/" + invoice_hex)


@view
def death(patient: str) -> dict | None:
    return state.get("death/" + patient)


@view
def dashboard() -> dict:
    """医保局's and the public's totals: settlements and the fund's payments, alerts by rule
    and stage, per hospital its records, reads across hospitals, settlements and alerts. No
    patient."""
    counted = state.get("stage_stats", {})
    stages = {}
    for s in STAGES:
        stages[s] = counted.get(s, 0)
    by_rule = state.get("alert_stats", {})
    rules_out = []
    for r in RULES:
        rules_out.append({"id": r, "name": RULES[r], "alerts": by_rule.get(r, 0)})
    hospitals = []
    for h in governed.value("hospitals"):
        st = state.get("stats/" + h, {})
        hospitals.append(
            {
                "hospital": h,
                "records": st.get("records", 0),
                "reads_in": st.get("reads_in", 0),
                "reads_out": st.get("reads_out", 0),
                "settlements": st.get("settlements", 0),
                "fund_fen": st.get("fund_fen", 0),
                "alerts": st.get("alerts", 0),
            }
        )
    totals = state.get("totals", {})
    counted = state.get("claim_stats", {})
    claims = {}
    for s in CLAIM_STATUSES:
        claims[s] = counted.get(s, 0)
    return {
        "settlements": totals.get("settlements", 0),
        "fund_fen": totals.get("fund_fen", 0),
        "self_fen": totals.get("self_fen", 0),
        "recover_fen": totals.get("recover_fen", 0),
        "claims_paid_fen": totals.get("claims_paid_fen", 0),
        "stages": stages,
        "rules": rules_out,
        "hospitals": hospitals,
        "claims": claims,
        "accesses": state.get("seq/access", 0),
        "consents": state.get("seq/consent", 0),
    }
