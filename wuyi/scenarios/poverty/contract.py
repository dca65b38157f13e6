"""精准扶贫 / 乡村振兴 funds (scenario 12): households identified from departments' signed
yes/no answers (never their raw data) under the household's consent, every exclusion with its
reason code; the beneficiary list on public notice with masked names for ``notice_days`` days,
objections on record and resolved before 乡村振兴局 approves; the funds tree budget → programme
→ project → beneficiary (or vendor), each transfer within its parent's remaining balance, for a
purpose of its parent, paid only to approved beneficiaries of the project's village and only
after the project's start notice; use receipts per payment; idle-fund and overdue alerts; and
monitoring cases (防止返贫动态监测) opened by a flag.

Actors: 乡村振兴局 (the ``bureau`` organisation of ``init``, role ``bureau``) creates projects,
resolves objections, approves notices, handles monitoring cases; its admins set the
parameters. 财政局 (``fiscal``, role ``fiscal``) opens budgets, funds programmes and pays.
Village committees (an org in ``villages``, role ``village``) register households, post the
notices and record use receipts. Departments (the orgs of ``checks``, role ``checker``) answer
the predicates. Households (the head's DID) consent and citizens (DIDs) may object.

No personal data: a household is a commitment (the hash of its head's ID number, name and a
salt the village keeps), a DID, a size and its village; a department's answer is a yes/no to a
governed predicate (``income ≤ income_line_fen``…), its reason code and the hash of the
department's own record. The notice carries only the masked form of the head's name that the
village chose (``张*明``), checked by the mask rule: the full name never reaches the chain.
Amounts in fen; dates are China Standard Time dates of block time.
"""

from typing import Any

from wuyi.contract import call, ctx, emit, hash, require, revert, state, view
from wuyi.contract.lib import calendar, checks, money, records
from wuyi.contract.lib import params as governed

ROLES = ["bureau", "fiscal", "village", "checker"]

LAW_NOTICE = "《关于完善扶贫资金项目公告公示制度的指导意见》（国务院扶贫办、财政部）"
LAW_FUNDS = "《中央财政衔接推进乡村振兴补助资金管理办法》（财农〔2021〕19号）"
LAW_INTEGRATE = "统筹整合使用财政涉农资金（财农〔2021〕22号）"
LAW_MONITOR = "《关于健全防止返贫动态监测和帮扶机制的指导意见》（2021）"
LAW_DIBAO = "《最低生活保障审核确认办法》（民政部，2021）家庭经济状况核对"
MEM = "［mem：未找到原文，依据待核实，修改时登记文号］"
DEMO = "［演示值，以江门市乡村振兴局现行文件为准］"
PARAMS = {
    "checks": {
        "kind": "code_map",
        "default": {
            "income_low": ["mzj"],
            "no_vehicle": ["gaj"],
            "no_business": ["scjgj"],
            "no_commercial_housing": ["bdc"],
            "no_public_salary": ["rsj"],
        },
        "basis": LAW_DIBAO + "：收入、车辆、工商登记、商品房、财政供养人员逐项核对；"
        "每项由所列部门以签名的是/否回答" + DEMO,
    },
    "income_line_fen": {
        "kind": "int",
        "min": 0,
        "max": money.MAX_FEN,
        "default": 790000,
        "basis": LAW_MONITOR + "：防止返贫监测范围，家庭年人均纯收入（分）" + MEM,
    },
    "vehicle_max_fen": {
        "kind": "int",
        "min": 0,
        "max": money.MAX_FEN,
        "default": 5000000,
        "basis": LAW_DIBAO + "：家庭拥有机动车辆价值上限（分；工程、农用车除外）" + MEM,
    },
    "exclusion_reasons": {
        "kind": "codes",
        "min_items": 1,
        "default": [
            "income_over_line",
            "vehicle",
            "business",
            "commercial_housing",
            "public_salary",
            "objection_upheld",
        ],
        "basis": "识别不通过的原因代码（每项核对一个，公示异议成立一个）" + DEMO,
    },
    "villages": {
        "kind": "codes",
        "min_items": 1,
        "default": ["tscwh"],
        "basis": "村民委员会（登记农户、张贴公示、记录资金使用凭证）；分配到哪里公开到哪里" + DEMO,
    },
    "notice_days": {
        "kind": "int",
        "min": 0,
        "max": 90,
        "default": 10,
        "basis": LAW_NOTICE + "：公告公示期原则上不少于10天（自然日）",
    },
    "mask_visible": {
        "kind": "int",
        "min": 1,
        "max": 2,
        "default": 2,
        "basis": LAW_NOTICE + "：公示名单隐去个人隐私，姓名至少隐去一字（如 张*明）" + DEMO,
    },
    "objection_reasons": {
        "kind": "codes",
        "min_items": 1,
        "default": ["income_hidden", "property_hidden", "not_resident", "other"],
        "basis": "公示异议的类别（收入隐瞒、财产隐瞒、非本村常住、其他）" + DEMO,
    },
    "fund_sources": {
        "kind": "codes",
        "min_items": 1,
        "default": ["central_link", "provincial", "city", "integrated"],
        "basis": LAW_FUNDS + "；" + LAW_INTEGRATE + "：中央衔接资金、省级、市级、整合涉农资金",
    },
    "purposes": {
        "kind": "codes",
        "min_items": 1,
        "default": [
            "industry",
            "employment",
            "infrastructure",
            "education",
            "safe_housing",
            "medical",
        ],
        "basis": LAW_FUNDS + "：资金用途（产业、就业、小型公益性基础设施、教育、住房、医疗）",
    },
    "idle_days": {
        "kind": "int",
        "min": 1,
        "max": 730,
        "default": 90,
        "basis": "资金闲置预警：拨付后超过该天数未下达或未支出" + MEM,
    },
    "receipt_days": {
        "kind": "int",
        "min": 1,
        "max": 365,
        "default": 30,
        "basis": "每笔支付的使用凭证期限（天）" + DEMO,
    },
    "approve_working_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 5,
        "basis": "公示期满后审定的期限（工作日），逾期预警" + DEMO,
    },
    "monitor_flags": {
        "kind": "codes",
        "min_items": 1,
        "default": ["income_drop", "medical_bill", "disaster", "job_loss"],
        "basis": LAW_MONITOR + "：收入骤减、大额医疗支出、自然灾害、失业等风险触发监测",
    },
    "holidays": {
        "kind": "holidays",
        "default": calendar.CN_HOLIDAYS,
        "basis": "国务院办公厅节假日安排（各年通知；见表中各年的依据）",
    },
}
#: the parameter a predicate's answer is bound to (the question asked names its bound)
BOUNDS = {"income_low": "income_line_fen", "no_vehicle": "vehicle_max_fen"}
PROJECT_KINDS = ["household", "vendor"]
STATUSES = ["registered", "checking", "eligible", "excluded", "noticed", "approved"]
PHASES = ["start", "done"]
MAX_NAME = 60
MAX_TEXT = 200
MAX_LIST = 200
MAX_SIZE = 20
MAX_RANGE = 1000


# -- set-up and parameters ---------------------------------------------------------------------


@call
def init(bureau: str = "xczxj", fiscal: str = "czj", params: dict | None = None) -> None:
    """``bureau``: the organisation of 乡村振兴局 (role ``bureau``; its admins set the
    parameters); ``fiscal``: 财政局 (role ``fiscal``); ``params`` may override defaults."""
    state.set("cfg", {"bureau": bureau, "fiscal": fiscal})
    households = {}
    for st in STATUSES:
        households[st] = 0
    state.set(
        "totals",
        {"households": households, "budget": 0, "programmes": 0, "projects": 0, "paid": 0,
         "open_cases": 0},
    )  # fmt: skip
    governed.init(PARAMS, params)


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of 乡村振兴局 change a parameter, in force from the next block, on record."""
    return governed.change_by(
        PARAMS,
        state.get("cfg")["bureau"],
        "(乡村振兴局) change the poverty-relief rules",
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
    """``{bureau, fiscal}``."""
    return state.get("cfg")


# -- helpers -----------------------------------------------------------------------------------


def check_text(text, what, hi):
    """:func:`checks.check_text` with this contract's refusal (``input rule: <what> is ...``)."""
    return checks.check_text(text, "input rule: " + what, hi, says="is")


def check_hash(value, what, optional=False):
    """:func:`checks.check_hash` with this contract's refusal (``input rule: <what> is ...``)."""
    return checks.check_hash(value, "input rule: " + what, optional, says="is")


def yuan(fen):
    return money.yuan(fen) + " 元"


def as_bureau():
    checks.as_member(state.get("cfg")["bureau"], "bureau", "bureau", "乡村振兴局")


def as_finance():
    checks.as_member(state.get("cfg")["fiscal"], "fiscal", "fiscal", "财政局")


def as_village(village=None):
    villages = governed.value("villages")
    org = ctx.sender_org
    require(
        org in villages and "village" in ctx.sender_roles,
        "village rule: only a village committee in 'villages' (role village) does this",
    )
    if village is not None:
        require(org == village, f"village rule: only the committee of '{village}' does this")
    return org


def tally(name, delta):
    """The public totals (``overview``) kept as the records change (no scan)."""
    t = state.get("totals")
    t[name] += delta
    state.set("totals", t)


def move(h, status):
    """Set a household's status, keeping the count of households by status."""
    if h["status"] == status:
        return
    t = state.get("totals")
    if h["status"] is not None:
        t["households"][h["status"]] -= 1
    t["households"][status] += 1
    state.set("totals", t)
    h["status"] = status


def load(prefix, rid, noun):
    return records.load(prefix + rid, f"{noun} rule: no {noun} '{rid}'")


def ids_under(prefix):
    out = []
    for k, _ in state.range(prefix, MAX_RANGE):
        out.append(k[len(prefix) :])
    return out


# -- households and identification (rule 1) ----------------------------------------------------


@call(roles=["village"])
def register_household(did: str, commitment: bytes, size: int) -> dict:
    """A village committee registers an applying household: the head's DID, the commitment
    (hash of the head's ID number, name and a salt the village keeps) and the number of
    members. The departments answer after the household consents."""
    village = as_village()
    require(checks.is_did(did), f"household rule: '{did}' is not a DID")
    check_hash(commitment, "commitment")
    require(
        isinstance(size, int) and 1 <= size <= MAX_SIZE,
        f"household rule: a household has 1-{MAX_SIZE} members",
    )
    require(not state.has("hh_did/" + did), f"household rule: {did} already heads a household")
    key = "hh_com/" + commitment.hex()
    require(
        not state.has(key),
        f"household rule: this household is already registered as {state.get(key)}",
    )
    hid = records.seq("hh", "HH")
    h = {
        "id": hid,
        "did": did,
        "commitment": commitment,
        "size": size,
        "village": village,
        "status": None,
        "consent": None,
        "checks": {},
        "exclusions": [],
        "notice": None,
        "masked": None,
        "approved": None,
        "received": 0,
        "payments": 0,
        "registered": records.stamp(did=False),
    }
    move(h, "registered")
    state.set("hh/" + hid, h)
    state.set("hh_did/" + did, hid)
    state.set(key, hid)
    state.set("hh_by_village/" + village + "/" + hid, True)
    emit("HouseholdRegistered", household=hid, village=village)
    return h


@call(public=True)
def consent(household: str) -> dict:
    """The household's head (their DID key) consents to the departments answering the
    predicates of ``checks`` about the household (the scope is recorded)."""
    h = load("hh/", household, "household")
    require(
        ctx.sender_did == h["did"],
        f"consent rule: only the head of {household} (their DID key) consents",
    )
    require(h["consent"] is None, f"consent rule: {household} has already consented")
    checks = governed.value("checks")
    h["consent"] = {"scope": list(checks.keys()), "time": ctx.time, "date": calendar.today()}
    move(h, "checking")
    state.set("hh/" + household, h)
    emit("Consented", household=household)
    return h


def bound_of(predicate):
    name = BOUNDS.get(predicate)
    return None if name is None else governed.value(name)


@call(roles=["checker"])
def answer(
    household: str,
    predicate: str,
    ok: bool,
    reason: str = "",
    bound: int | None = None,
    record: bytes | None = None,
) -> dict:
    """A department answers one predicate about a household — yes or no, signed by its
    member's key — never the data behind it. ``bound``: the bound the department checked
    against (the parameter in force for ``income_low``, ``no_vehicle``); ``reason``: the
    exclusion reason code of a no; ``record``: the hash of the department's own check record.
    Once every predicate is answered yes the household is ``eligible``; a no excludes it."""
    h = load("hh/", household, "household")
    require(
        h["consent"] is not None,
        f"consent rule: {household} has not consented to the departments' checks",
    )
    checks = governed.value("checks")
    require(predicate in checks, f"predicate rule: no predicate '{predicate}'")
    require(
        predicate in h["consent"]["scope"],
        f"consent rule: the consent of {household} does not cover '{predicate}'",
    )
    depts = checks[predicate]
    require(
        ctx.sender_org in depts,
        f"department rule: '{predicate}' is answered by {', '.join(depts)}, not {ctx.sender_org}",
    )
    require(isinstance(ok, bool), "predicate rule: the answer is yes (true) or no (false)")
    require(
        predicate not in h["checks"],
        f"predicate rule: '{predicate}' of {household} is already answered",
    )
    require(
        h["status"] in ["checking", "excluded"] and h["notice"] is None,
        f"predicate rule: {household} is {h['status']}; its checks are closed",
    )
    want = bound_of(predicate)
    require(
        bound == want,
        f"predicate rule: '{predicate}' is asked against {want} (the parameter in force), not"
        f" {bound}",
    )
    check_hash(record, "record (the department's check record)", True)
    if ok:
        require(reason == "", "exclusion rule: a yes carries no exclusion reason")
    else:
        reasons = governed.value("exclusion_reasons")
        require(
            reason in reasons,
            f"exclusion rule: a no names its reason, one of {', '.join(reasons)}",
        )
    entry = records.stamp(did=False)
    entry["ok"] = ok
    entry["reason"] = reason
    entry["bound"] = bound
    entry["record"] = record
    h["checks"][predicate] = entry
    if not ok:
        h["exclusions"].append({"predicate": predicate, "reason": reason, "dept": ctx.sender_org})
        move(h, "excluded")
        emit("Excluded", household=household, predicate=predicate, reason=reason)
    elif h["status"] == "checking":
        done = True
        for p in checks:
            if p not in h["checks"] or not h["checks"][p]["ok"]:
                done = False
        if done:
            move(h, "eligible")
            emit("Eligible", household=household)
    state.set("hh/" + household, h)
    return h


@view
def household(household: str) -> dict:
    return load("hh/", household, "household")


@view
def household_of(did: str) -> dict | None:
    hid = state.get("hh_did/" + did)
    return None if hid is None else state.get("hh/" + hid)


# -- public notice and objections (rule 2) -----------------------------------------------------


def check_masked(m):
    """The mask rule: 2-4 characters, the first shown, at least one ``*``, at most
    ``mask_visible`` characters shown (a two-character name shows only its first)."""
    shown = governed.value("mask_visible")
    require(
        isinstance(m, str) and 2 <= len(m) <= 4 and m[0] != "*" and "*" in m,
        f"mask rule: '{m}' is not a masked name (2-4 characters, the first shown, the rest"
        " partly '*')",
    )
    visible = 0
    for ch in m:
        if ch != "*":
            visible += 1
    require(
        visible <= shown and (len(m) > 2 or m[1] == "*"),
        f"mask rule: '{m}' shows {visible} characters; at most {shown} are shown",
    )


@call(roles=["village"])
def post_notice(households: list, masked: list, doc: bytes) -> dict:
    """The village committee posts the list of eligible households on its notice board for
    ``notice_days`` days: each with the masked form of its head's name the village chose (the
    full name never comes here) and its size; ``doc`` is the hash of the posted notice."""
    village = as_village()
    require(
        isinstance(households, list) and 0 < len(households) <= MAX_LIST,
        f"notice rule: a notice lists 1-{MAX_LIST} households",
    )
    require(
        isinstance(masked, list) and len(masked) == len(households),
        "notice rule: one masked name for each household",
    )
    check_hash(doc, "doc (the posted notice)")
    entries = []
    lines = []
    seen = []
    for i in range(len(households)):
        hid = households[i]
        require(hid not in seen, f"notice rule: {hid} is listed twice")
        seen.append(hid)
        h = load("hh/", hid, "household")
        require(h["village"] == village, f"notice rule: {hid} is a household of {h['village']}")
        require(
            h["status"] == "eligible",
            f"identification rule: {hid} is {h['status']}; only eligible households go on notice",
        )
        check_masked(masked[i])
        entries.append({"household": hid, "masked": masked[i], "size": h["size"]})
        lines.append(hid + ":" + masked[i] + ":" + str(h["size"]))
    nid = records.seq("notice", "GS")
    start = calendar.today()
    days = governed.value("notice_days")
    ends = calendar.add_days(start, days)
    due = calendar.add_working_days(ends, governed.value("approve_working_days"),
                                    governed.value("holidays"))  # fmt: skip
    n = {
        "id": nid,
        "village": village,
        "entries": entries,
        "list_hash": hash("\n".join(lines).encode()),
        "doc": doc,
        "start": start,
        "days": days,
        "ends": ends,
        "approve_by": due,
        "status": "open",
        "objections": [],
        "posted": records.stamp(did=False),
        "approved": None,
    }
    state.set("notice/" + nid, n)
    for e in entries:
        h = state.get("hh/" + e["household"])
        move(h, "noticed")
        h["notice"] = nid
        h["masked"] = e["masked"]
        state.set("hh/" + e["household"], h)
    emit("NoticePosted", notice=nid, village=village, households=len(entries), ends=ends)
    return n


@call(public=True)
def object_to(notice: str, household: str, reason: str, statement: bytes) -> dict:
    """An objection to a household on a notice while it runs: by a citizen (their DID key) or
    recorded by the village committee for one received on paper. ``statement``: the hash of the
    written objection (kept by the village)."""
    n = load("notice/", notice, "notice")
    did = ctx.sender_did
    by_village = ctx.sender_org == n["village"] and "village" in ctx.sender_roles
    require(
        did is not None or by_village,
        "objection rule: sign with your DID key, or the village committee records it",
    )
    require(n["status"] == "open", f"objection rule: notice {notice} is {n['status']}")
    today = calendar.today()
    require(
        today < n["ends"] or (n["days"] == 0 and today == n["ends"]),
        f"objection rule: notice {notice} ran {n['start']} to {n['ends']}; objections are"
        " taken while it runs",
    )
    listed = False
    for e in n["entries"]:
        if e["household"] == household:
            listed = True
    require(listed, f"objection rule: {household} is not on notice {notice}")
    reasons = governed.value("objection_reasons")
    require(reason in reasons, f"objection rule: the reason is one of {', '.join(reasons)}")
    check_hash(statement, "statement (the written objection)")
    oid = records.seq("objection", "YY")
    o = {
        "id": oid,
        "notice": notice,
        "household": household,
        "reason": reason,
        "statement": statement,
        "objector": did,
        "filed": records.stamp(did=False),
        "status": "open",
        "finding": None,
        "resolved": None,
    }
    state.set("objection/" + oid, o)
    n["objections"].append(oid)
    state.set("notice/" + notice, n)
    emit("Objection", objection=oid, notice=notice, household=household)
    return o


@call(roles=["bureau"])
def resolve_objection(objection: str, upheld: bool, finding: bytes) -> dict:
    """乡村振兴局 resolves an objection after its inquiry (``finding``: the hash of its
    report): upheld, the household is excluded (``objection_upheld``); dismissed, it stays."""
    as_bureau()
    o = load("objection/", objection, "objection")
    require(o["status"] == "open", f"objection rule: {objection} is already {o['status']}")
    require(isinstance(upheld, bool), "objection rule: upheld is true or false")
    check_hash(finding, "finding (the inquiry report)")
    o["status"] = "upheld" if upheld else "dismissed"
    o["finding"] = finding
    o["resolved"] = records.stamp(did=False)
    state.set("objection/" + objection, o)
    if upheld:
        h = state.get("hh/" + o["household"])
        if h["status"] == "noticed":
            move(h, "excluded")
            h["exclusions"].append(
                {"predicate": "notice", "reason": "objection_upheld", "dept": ctx.sender_org}
            )
            state.set("hh/" + o["household"], h)
            emit("Excluded", household=o["household"], predicate="notice",
                 reason="objection_upheld")  # fmt: skip
    emit("ObjectionResolved", objection=objection, status=o["status"])
    return o


@call(roles=["bureau"])
def approve_notice(notice: str) -> dict:
    """乡村振兴局 approves the households of a notice once it has run ``notice_days`` days and
    every objection is resolved; those not excluded become approved beneficiaries."""
    as_bureau()
    n = load("notice/", notice, "notice")
    require(n["status"] == "open", f"notice rule: {notice} is {n['status']}")
    today = calendar.today()
    require(
        today >= n["ends"],
        f"notice rule: notice {notice} runs {n['days']} days from {n['start']}; approval from"
        f" {n['ends']}",
    )
    open_ = []
    for oid in n["objections"]:
        if state.get("objection/" + oid)["status"] == "open":
            open_.append(oid)
    require(
        not open_,
        f"objection rule: {len(open_)} objection(s) to notice {notice} are unresolved"
        f" ({', '.join(open_)})",
    )
    approved = 0
    for e in n["entries"]:
        h = state.get("hh/" + e["household"])
        if h["status"] == "noticed":
            move(h, "approved")
            h["approved"] = records.stamp(did=False)
            state.set("hh/" + e["household"], h)
            approved += 1
    late = calendar.working_days_between(n["approve_by"], today, governed.value("holidays"))
    n["status"] = "approved"
    n["approved"] = records.stamp(did=False)
    n["approved"]["count"] = approved
    n["approved"]["late_days"] = late if late > 0 else 0
    state.set("notice/" + notice, n)
    emit("NoticeApproved", notice=notice, approved=approved)
    return n


@view
def notice(notice: str) -> dict:
    return load("notice/", notice, "notice")


@view
def public_notice(notice: str) -> dict:
    """The notice as the board shows it: masked names, sizes, the state of each objection
    (never who objected)."""
    n = load("notice/", notice, "notice")
    objections = []
    for oid in n["objections"]:
        o = state.get("objection/" + oid)
        objections.append(
            {"id": oid, "household": o["household"], "reason": o["reason"],
             "status": o["status"], "date": o["filed"]["date"]}
        )  # fmt: skip
    out = {}
    for k in n:
        if k != "objections":
            out[k] = n[k]
    out["objections"] = objections
    statuses = []
    for e in n["entries"]:
        statuses.append(state.get("hh/" + e["household"])["status"])
    out["statuses"] = statuses
    return out


# -- the funds tree (rule 3) -------------------------------------------------------------------


@call(roles=["fiscal"])
def open_budget(source: str, year: int, amount: int, doc: bytes) -> dict:
    """财政局 opens a budget line of a fund source for a year (``doc``: the hash of the
    allocation document)."""
    as_finance()
    sources = governed.value("fund_sources")
    require(source in sources, f"source rule: the fund source is one of {', '.join(sources)}")
    require(isinstance(year, int) and 2000 <= year <= 2100, "input rule: year 2000-2100")
    money.positive(amount, "amount")
    check_hash(doc, "doc (the allocation document)")
    bid = records.seq("budget", "YS")
    b = {
        "id": bid,
        "source": source,
        "year": year,
        "amount": amount,
        "allocated": 0,
        "doc": doc,
        "opened": records.stamp(did=False),
    }
    state.set("budget/" + bid, b)
    tally("budget", amount)
    emit("BudgetOpened", budget=bid, amount=amount)
    return b


def check_balance(parent, noun, amount):
    left = parent["amount"] - parent["allocated"]
    if amount > left:
        revert(
            f"balance rule: {noun} {parent['id']} has {yuan(left)} left of"
            f" {yuan(parent['amount'])}; {yuan(amount)} exceeds it"
        )


@call(roles=["fiscal"])
def fund_programme(budget: str, name: str, amount: int, purposes: list) -> dict:
    """财政局 funds a programme from a budget (at most the budget's remaining balance) for
    some of the governed purposes."""
    as_finance()
    b = load("budget/", budget, "budget")
    check_text(name, "name", 60)
    money.positive(amount, "amount")
    known = governed.value("purposes")
    require(
        isinstance(purposes, list) and 0 < len(purposes) <= len(known),
        "purpose rule: a programme names 1 or more purposes",
    )
    for p in purposes:
        require(p in known, f"purpose rule: '{p}' is not one of {', '.join(known)}")
    check_balance(b, "budget", amount)
    pid = records.seq("programme", "JH")
    g = {
        "id": pid,
        "budget": budget,
        "source": b["source"],
        "year": b["year"],
        "name": name,
        "amount": amount,
        "allocated": 0,
        "paid": 0,
        "purposes": purposes,
        "projects": [],
        "funded": records.stamp(did=False),
    }
    b["allocated"] += amount
    tally("programmes", amount)
    state.set("budget/" + budget, b)
    state.set("programme/" + pid, g)
    state.set("pg_by_budget/" + budget + "/" + pid, True)
    emit("ProgrammeFunded", programme=pid, budget=budget, amount=amount)
    return g


@call(roles=["bureau"])
def create_project(
    programme: str,
    name: str,
    village: str,
    amount: int,
    purpose: str,
    kind: str,
    implementer: str,
    responsible: str,
    targets: str,
    mechanism: str,
) -> dict:
    """乡村振兴局 sets up a project under a programme (at most the programme's remaining
    balance, for one of its purposes): its village, kind (``household``: paid to approved
    households; ``vendor``: to contractors), implementer, responsible post, performance targets
    and 带贫减贫机制 — the content of its public notice."""
    as_bureau()
    g = load("programme/", programme, "programme")
    check_text(name, "name", 60)
    villages = governed.value("villages")
    require(village in villages, f"village rule: '{village}' is not in 'villages'")
    money.positive(amount, "amount")
    require(
        purpose in g["purposes"],
        f"purpose rule: programme {programme} funds {', '.join(g['purposes'])}, not '{purpose}'",
    )
    require(kind in PROJECT_KINDS, f"project rule: kind is one of {', '.join(PROJECT_KINDS)}")
    check_text(implementer, "implementer", 60)
    check_text(responsible, "responsible (a post)", 60)
    check_text(targets, "targets", MAX_TEXT)
    check_text(mechanism, "mechanism (带贫减贫机制)", MAX_TEXT)
    check_balance(g, "programme", amount)
    xid = records.seq("project", "XM")
    p = {
        "id": xid,
        "programme": programme,
        "budget": g["budget"],
        "source": g["source"],
        "name": name,
        "village": village,
        "amount": amount,
        "allocated": 0,
        "purpose": purpose,
        "kind": kind,
        "implementer": implementer,
        "responsible": responsible,
        "targets": targets,
        "mechanism": mechanism,
        "status": "planned",
        "notices": {},
        "created": records.stamp(did=False),
    }
    g["allocated"] += amount
    tally("projects", amount)
    g["projects"].append(xid)
    state.set("programme/" + programme, g)
    state.set("project/" + xid, p)
    emit("ProjectCreated", project=xid, programme=programme, amount=amount)
    return p


@call
def post_project_notice(project: str, phase: str, doc: bytes) -> dict:
    """The project's notice (谁使用谁公开): ``start`` before it starts (no payment before it),
    ``done`` after its last payment (it closes). By its village committee or 乡村振兴局."""
    p = load("project/", project, "project")
    bureau = state.get("cfg")["bureau"]
    require(
        (ctx.sender_org == p["village"] and "village" in ctx.sender_roles)
        or (ctx.sender_org == bureau and "bureau" in ctx.sender_roles),
        f"project notice rule: the committee of {p['village']} or 乡村振兴局 posts it",
    )
    require(phase in PHASES, f"project notice rule: phase is one of {', '.join(PHASES)}")
    check_hash(doc, "doc (the posted notice)")
    if phase == "start":
        require(p["status"] == "planned", f"project notice rule: {project} is {p['status']}")
        p["status"] = "started"
    else:
        require(
            p["status"] == "started" and p["allocated"] > 0,
            f"project notice rule: {project} is {p['status']} with {yuan(p['allocated'])} paid;"
            " the completion notice follows its payments",
        )
        p["status"] = "completed"
    entry = records.stamp(did=False)
    entry["doc"] = doc
    p["notices"][phase] = entry
    state.set("project/" + project, p)
    emit("ProjectNotice", project=project, phase=phase)
    return p


def payable(p, amount):
    require(
        p["status"] == "started",
        f"project notice rule: {p['id']} is {p['status']}; payments follow its start notice and"
        " stop at its completion notice",
    )
    money.positive(amount, "amount")
    check_balance(p, "project", amount)


def record_payment(p, payee, amount, ref, household):
    yid = records.seq("payment", "ZF")
    pay = {
        "id": yid,
        "project": p["id"],
        "programme": p["programme"],
        "budget": p["budget"],
        "village": p["village"],
        "household": household,
        "payee": payee,
        "amount": amount,
        "ref": ref,
        "paid": records.stamp(did=False),
        "receipt": None,
    }
    p["allocated"] += amount
    state.set("project/" + p["id"], p)
    state.set("payment/" + yid, pay)
    state.set("pay_by_project/" + p["id"] + "/" + yid, True)
    g = state.get("programme/" + p["programme"])
    g["paid"] += amount
    tally("paid", amount)
    state.set("programme/" + p["programme"], g)
    emit("Paid", payment=yid, project=p["id"], amount=amount)
    return pay


@call(roles=["fiscal"])
def disburse(project: str, household: str, amount: int, ref: bytes) -> dict:
    """财政局 pays a household of a household project: only an approved beneficiary of the
    project's village, within the project's remaining balance (``ref``: the hash of the bank's
    payment record, 一卡通)."""
    as_finance()
    p = load("project/", project, "project")
    require(p["kind"] == "household", f"payment rule: {project} pays vendors, not households")
    h = load("hh/", household, "household")
    require(
        h["status"] == "approved",
        f"beneficiary rule: {household} is {h['status']}; only approved beneficiaries are paid",
    )
    require(
        h["village"] == p["village"],
        f"beneficiary rule: {household} is a household of {h['village']}, the project is in"
        f" {p['village']}",
    )
    payable(p, amount)
    check_hash(ref, "ref (the bank's payment record)")
    pay = record_payment(p, household, amount, ref, household)
    h["received"] += amount
    h["payments"] += 1
    state.set("hh/" + household, h)
    return pay


@call(roles=["fiscal"])
def pay_vendor(project: str, vendor: str, amount: int, invoice: bytes) -> dict:
    """财政局 pays a contractor of a vendor project (its registered name, a public business
    fact) against its invoice (hash), within the project's remaining balance."""
    as_finance()
    p = load("project/", project, "project")
    require(p["kind"] == "vendor", f"payment rule: {project} pays households, not vendors")
    check_text(vendor, "vendor", 60)
    payable(p, amount)
    check_hash(invoice, "invoice")
    return record_payment(p, vendor, amount, invoice, None)


@call(roles=["village"])
def record_use(payment: str, receipt: bytes) -> dict:
    """The village committee records the use evidence of a payment (the hash of the receipt:
    seedlings bought, wages paid, works accepted)."""
    pay = load("payment/", payment, "payment")
    as_village(pay["village"])
    require(pay["receipt"] is None, f"evidence rule: {payment} already has its receipt")
    check_hash(receipt, "receipt")
    entry = records.stamp(did=False)
    entry["hash"] = receipt
    pay["receipt"] = entry
    state.set("payment/" + payment, pay)
    emit("UseRecorded", payment=payment)
    return pay


@view
def budget(budget: str) -> dict:
    return load("budget/", budget, "budget")


@view
def programme(programme: str) -> dict:
    return load("programme/", programme, "programme")


@view
def project(project: str) -> dict:
    return load("project/", project, "project")


@view
def payment(payment: str) -> dict:
    return load("payment/", payment, "payment")


@view
def flow(programme: str) -> dict:
    """The public flow of a programme: budget → programme → projects → beneficiaries (their
    household ids and masked names) or vendors, with the amounts and what is left at each."""
    g = load("programme/", programme, "programme")
    b = state.get("budget/" + g["budget"])
    projects = []
    for xid in g["projects"]:
        p = state.get("project/" + xid)
        payees = {}
        order = []
        for yid in ids_under("pay_by_project/" + xid + "/"):
            pay = state.get("payment/" + yid)
            key = pay["payee"]
            if key not in payees:
                label = key
                if pay["household"] is not None:
                    label = state.get("hh/" + key)["masked"]
                payees[key] = {"payee": key, "label": label, "amount": 0, "payments": 0,
                               "receipts": 0}  # fmt: skip
                order.append(key)
            payees[key]["amount"] += pay["amount"]
            payees[key]["payments"] += 1
            if pay["receipt"] is not None:
                payees[key]["receipts"] += 1
        out = []
        for key in order:
            out.append(payees[key])
        projects.append(
            {"id": xid, "name": p["name"], "village": p["village"], "kind": p["kind"],
             "purpose": p["purpose"], "status": p["status"], "amount": p["amount"],
             "paid": p["allocated"], "payees": out}
        )  # fmt: skip
    return {
        "budget": {"id": b["id"], "source": b["source"], "year": b["year"],
                   "amount": b["amount"], "allocated": b["allocated"]},
        "programme": {"id": g["id"], "name": g["name"], "amount": g["amount"],
                      "allocated": g["allocated"], "paid": g["paid"], "purposes": g["purposes"]},
        "projects": projects,
    }  # fmt: skip


# -- alerts (rule 4) and monitoring (rule 5) ---------------------------------------------------


def days_since(date):
    return calendar.parse(calendar.today()) - calendar.parse(date)


@view
def alerts() -> list:
    """Alerts as of the latest block: programme funds idle (not given to projects) or project
    funds unspent more than ``idle_days``; payments without their use receipt after
    ``receipt_days``; notices past their approval date (``approve_working_days`` after the
    notice ends)."""
    out = []
    idle = governed.value("idle_days")
    for pid in ids_under("programme/"):
        g = state.get("programme/" + pid)
        left = g["amount"] - g["allocated"]
        if left > 0 and days_since(g["funded"]["date"]) > idle:
            out.append({"kind": "idle_programme", "id": pid, "amount": left,
                        "since": g["funded"]["date"]})  # fmt: skip
    for xid in ids_under("project/"):
        p = state.get("project/" + xid)
        left = p["amount"] - p["allocated"]
        if p["status"] == "started" and left > 0:
            since = p["notices"]["start"]["date"]
            if days_since(since) > idle:
                out.append({"kind": "idle_project", "id": xid, "amount": left, "since": since})
    rdays = governed.value("receipt_days")
    for yid in ids_under("payment/"):
        pay = state.get("payment/" + yid)
        if pay["receipt"] is None and days_since(pay["paid"]["date"]) > rdays:
            out.append({"kind": "no_receipt", "id": yid, "amount": pay["amount"],
                        "since": pay["paid"]["date"]})  # fmt: skip
    today = calendar.today()
    for nid in ids_under("notice/"):
        n = state.get("notice/" + nid)
        if n["status"] == "open" and today > n["approve_by"]:
            out.append({"kind": "notice_overdue", "id": nid, "amount": 0,
                        "since": n["approve_by"]})  # fmt: skip
    return out


@call
def flag(household: str, kind: str, evidence: bytes) -> dict:
    """A risk flag on a household (收入骤减, 大额医疗支出, 灾害…) by a department (role
    checker) or its village committee opens a monitoring case for 乡村振兴局."""
    h = load("hh/", household, "household")
    checks = governed.value("checks")
    depts = []
    for p in checks:
        for d in checks[p]:
            if d not in depts:
                depts.append(d)
    require(
        (ctx.sender_org in depts and "checker" in ctx.sender_roles)
        or (ctx.sender_org == h["village"] and "village" in ctx.sender_roles),
        f"monitoring rule: a checking department or the committee of {h['village']} flags",
    )
    kinds = governed.value("monitor_flags")
    require(kind in kinds, f"monitoring rule: the flag is one of {', '.join(kinds)}")
    check_hash(evidence, "evidence")
    cid = records.seq("case", "JC")
    c = {
        "id": cid,
        "household": household,
        "village": h["village"],
        "kind": kind,
        "evidence": evidence,
        "status": "open",
        "opened": records.stamp(did=False),
        "closed": None,
        "outcome": None,
    }
    state.set("case/" + cid, c)
    tally("open_cases", 1)
    emit("MonitoringCase", case=cid, household=household, kind=kind)
    return c


@call(roles=["bureau"])
def close_case(case: str, outcome: str, record: bytes) -> dict:
    """乡村振兴局 closes a monitoring case: ``assisted`` (帮扶措施落实), ``risk_removed``
    (风险消除) or ``no_risk``."""
    as_bureau()
    c = load("case/", case, "case")
    require(c["status"] == "open", f"monitoring rule: case {case} is {c['status']}")
    outcomes = ["assisted", "risk_removed", "no_risk"]
    require(outcome in outcomes, f"monitoring rule: the outcome is one of {', '.join(outcomes)}")
    check_hash(record, "record")
    c["status"] = "closed"
    tally("open_cases", -1)
    c["outcome"] = outcome
    c["closed"] = records.stamp(did=False)
    c["closed"]["record"] = record
    state.set("case/" + case, c)
    emit("CaseClosed", case=case, outcome=outcome)
    return c


@view
def case(case: str) -> dict:
    return load("case/", case, "case")


@view
def overview() -> dict:
    """Public totals, kept as the records change: households by status, the money at each
    level (budgets, given to programmes, to projects, paid), open monitoring cases."""
    return state.get("totals")
