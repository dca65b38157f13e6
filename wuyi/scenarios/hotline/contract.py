"""12345 热线 Hotline (scenario 14): a ticket's whole life on chain — 来电 (a call taken by the
hotline centre, or a request the citizen lodges online with their DID key), 受理, 派单 along the
派单目录, 签收, 处置, 反馈, 回访 with satisfaction, 办结 — with 退单 (a reason, approved or refused
by the centre), 改派, 并单 (a repeat request linked to its master ticket), 延期 (requested and
approved before the deadline) and 重办 (after 不满意). Deadlines by category (consultation 2,
help and suggestion 10, complaint and report 15 working days, governed) on the governed
working-day calendar from block time; a sign-off deadline and a return window in hours.

Actors: the hotline centre (the ``centre`` organisation given to ``init``, role ``operator``)
takes calls, accepts, dispatches, reviews returns and extensions, merges, revisits and closes;
its admins set the parameters. The departments and the streets/towns (the organisations of the
catalogue, role ``handler``) sign off, handle, reply, ask for a return or an extension. The
citizen (a DID) lodges online, follows their ticket and rates it.

Dispatch only along the catalogue (``catalogue``, a governed ``{matter: [orgs]}``); a matter
that is not a street/town matter (``street_matters``) is a functional department's and may not
be pushed down to a street or town (``street_units``) — 国办函〔2025〕66号.

Metrics per department are the contract's own tallies (sign-off, on-time completion,
satisfaction, returns, improper returns, repeats, redo), for all time and by month, and its
score is shown in tiers (A/B/C/D), never as a single rank.

No personal data: the caller's phone and identity are a commitment (a salted hash kept by the
centre), the call's content a hash (its text stays in the centre's system); a citizen who
lodges online or is linked is a DID. User documentation: ``README.md``.
"""

from typing import Any

from wuyi.contract import call, ctx, emit, require, state, view
from wuyi.contract.lib import calendar, checks, records
from wuyi.contract.lib import params as governed

ROLES = ["operator", "handler"]

LAW_GD = "《广东省12345政务服务便民热线管理办法》（2022年9月1日施行）"
LAW_2025 = "国办函〔2025〕66号《关于进一步规范和提升12345热线服务的意见》"
LAW_2020 = "国办发〔2020〕53号《关于进一步优化地方政务服务便民热线的指导意见》"
LAW_GZ = "《广州市政务服务便民热线管理办法》（市政府令第191号）及实施细则（2023）"
MEM = "［mem：未找到原文，依据待核实，修改时登记文号］"
DEMO = "［演示值，以热线中心现行派单目录为准］"
PARAMS = {
    "consult_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 2,
        "basis": LAW_GD + "：咨询类诉求自受理之日起2个工作日内答复",
    },
    "help_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 10,
        "basis": LAW_GD + "：求助、建议类诉求10个工作日内办结答复",
    },
    "complaint_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 15,
        "basis": LAW_GD + "：投诉、举报类诉求15个工作日内办结答复",
    },
    "signoff_hours": {
        "kind": "int",
        "min": 1,
        "max": 240,
        "default": 24,
        "basis": LAW_GZ + "：承办单位签收工单的时限（工作日内的小时，休息日不计）" + MEM,
    },
    "return_hours": {
        "kind": "int",
        "min": 1,
        "max": 240,
        "default": 24,
        "basis": LAW_GZ + "：不属于职责范围的，派单后在时限内申请退单（工作日内的小时）" + MEM,
    },
    "extension_max_days": {
        "kind": "int",
        "min": 1,
        "max": 60,
        "default": 10,
        "basis": LAW_GD + "：情况复杂的，经热线工作机构同意可适当延长；每次最多延长的工作日" + MEM,
    },
    "max_extensions": {
        "kind": "int",
        "min": 0,
        "max": 5,
        "default": 1,
        "basis": LAW_2025 + "：科学确定办理时限，督促限时办结；延期次数上限" + MEM,
    },
    "max_redo": {
        "kind": "int",
        "min": 0,
        "max": 5,
        "default": 2,
        "basis": LAW_2025 + "：回访不满意的重新办理（重办）次数上限" + MEM,
    },
    "catalogue": {
        "kind": "code_map",
        "max_keys": 64,
        "default": {
            "noise": ["bsjd"],
            "road": ["zjj"],
            "social_security": ["rsj"],
            "school": ["jyj"],
            "market": ["scjgj"],
            "household": ["gaj"],
            "power": ["gdj"],
            "elderly": ["mzj"],
            "community": ["bsjd"],
            "street_vendor": ["bsjd"],
        },
        "basis": LAW_2025 + "：按派单目录派单；事项 → 承办单位" + DEMO,
    },
    "street_matters": {
        "kind": "codes",
        "default": ["community", "street_vendor", "noise"],
        "basis": LAW_2025 + "：属于镇街职责的事项（其余为职能部门事项，不得推诿基层）" + DEMO,
    },
    "street_units": {
        "kind": "codes",
        "default": ["bsjd"],
        "basis": "承办诉求的镇（街道）（《广东省12345政务服务便民热线管理办法》承办单位）" + DEMO,
    },
    "return_reasons": {
        "kind": "codes",
        "min_items": 1,
        "default": ["not_our_duty", "wrong_district", "missing_info", "duplicate"],
        "basis": LAW_2025 + "：派单异议审核，优化退单、改派；退单须说明理由",
    },
    "weight_signoff": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 20,
        "basis": LAW_2025 + "：分级分类评价；签收及时率权重" + MEM,
    },
    "weight_on_time": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 40,
        "basis": LAW_2025 + "：督促限时办结；按时办结率权重" + MEM,
    },
    "weight_satisfaction": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 40,
        "basis": "粤办函〔2021〕216号：不片面追求满意率；满意率权重" + MEM,
    },
    "improper_return_penalty": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 5,
        "basis": "粤办函〔2021〕216号：对不当退单、推诿扯皮问责；每次不当退单扣分" + MEM,
    },
    "tier_a": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 90,
        "basis": LAW_2025 + "：分档评价，不片面追求排名；A 档（优秀）最低分" + MEM,
    },
    "tier_b": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 75,
        "basis": LAW_2025 + "：B 档（良好）最低分" + MEM,
    },
    "tier_c": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 60,
        "basis": LAW_2025 + "：C 档（一般）最低分；以下为 D 档（较差）" + MEM,
    },
    "min_sample": {
        "kind": "int",
        "min": 1,
        "max": 1000,
        "default": 1,
        "basis": "评价分档的最少办结工单数（样本不足的不分档）" + MEM,
    },
    "holidays": {
        "kind": "holidays",
        "default": calendar.CN_HOLIDAYS,
        "basis": "国务院办公厅节假日安排（各年通知；见表中各年的依据）",
    },
}
#: 咨询 / 求助 / 建议 / 投诉 / 举报, and the parameter of each one's deadline
CATEGORIES = {
    "consult": "consult_days",
    "help": "help_days",
    "suggest": "help_days",
    "complaint": "complaint_days",
    "report": "complaint_days",
}
CHANNELS = ["phone", "web", "app", "wechat"]
RESULTS = ["satisfied", "basic", "unsatisfied"]
CLOSE_REASONS = ["redo_exhausted", "unreasonable", "withdrawn"]
STATUSES = [
    "received",
    "accepted",
    "dispatched",
    "signed",
    "handling",
    "return_requested",
    "replied",
    "revisited",
    "closed",
    "merged",
]
#: the open statuses a department has the ticket in
AT_DEPT = ["dispatched", "signed", "handling", "return_requested"]
TALLIES = [
    "dispatched",
    "signed",
    "signed_on_time",
    "replied",
    "on_time",
    "late",
    "satisfied",
    "basic",
    "unsatisfied",
    "return_requests",
    "returns",
    "improper_returns",
    "reassigned",
    "repeats",
    "redo",
    "extensions",
]
MAX_STEPS = 80
MAX_MERGED = 50
HOUR_MS = 3600000
DAY_MS = 24 * HOUR_MS
UTC8_MS = 8 * HOUR_MS
MAX_DAYS = 400


# -- set-up and parameters ---------------------------------------------------------------------


@call
def init(centre: str = "rx12345", params: dict | None = None) -> None:
    """``centre``: the organisation of the 12345 hotline centre (its operators act, its admins
    set the parameters); ``params`` may override defaults."""
    state.set("cfg", {"centre": centre})
    governed.init(PARAMS, params)


def centre_org():
    return state.get("cfg")["centre"]


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of the hotline centre change a parameter (a deadline, the catalogue, a weight),
    in force from the next block, on record with author, reason and legal basis."""
    return governed.change_by(
        PARAMS,
        centre_org(),
        "(12345热线中心) change the hotline's rules",
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
    """``{centre}``."""
    return state.get("cfg")


# -- helpers -----------------------------------------------------------------------------------


def as_operator():
    checks.as_member(centre_org(), "operator", "centre", "12345热线中心")


def as_handler(t):
    require(
        t["dept"] is not None and ctx.sender_org == t["dept"] and "handler" in ctx.sender_roles,
        f"handler rule: only handlers of '{t['dept']}' (the unit {t['id']} is dispatched to)"
        " do this",
    )


def load(tid):
    return records.load("tk/" + tid, f"ticket rule: no ticket '{tid}'")


def save(t):
    state.set("tk/" + t["id"], t)


def expect(t, statuses, step):
    require(
        t["status"] in statuses,
        f"transition rule (工单状态): {t['id']} is {t['status']}; {step} needs it"
        f" {' or '.join(statuses)}",
    )


def bump(counts, key, n):
    counts[key] = counts.get(key, 0) + n


def stats():
    s = state.get("stats")
    if s is None:
        s = {
            "total": 0,
            "status": records.zeros(STATUSES),
            "category": {},
            "channel": {},
            "district": {},
            "matter": {},
            "month": {},
            "results": records.zeros(RESULTS),
            "on_time": 0,
            "late": 0,
        }
    return s


def move(t, to, step, reason=None, extra=None):
    """The transition of ``t`` to ``to`` (its ``Transition`` record, signed by the sender's
    organisation), with the public counts by status kept alongside."""
    require(len(t["trace"]) < MAX_STEPS, f"ticket rule: {t['id']} has {MAX_STEPS} steps")
    entry = records.stamp()
    entry["step"], entry["from"], entry["to"], entry["reason"] = step, t["status"], to, reason
    if extra is not None:
        for k in extra:
            entry[k] = extra[k]
    t["trace"].append(entry)
    s = stats()
    if t["status"] is not None:
        s["status"][t["status"]] -= 1
    s["status"][to] += 1
    state.set("stats", s)
    t["status"] = to


def tally(org, field, n=1):
    """A department's metric, for all time and for this month."""
    for key in ["sc/" + org, "scp/" + calendar.today()[:7] + "/" + org]:
        m = state.get(key)
        if m is None:
            m = records.zeros(TALLIES)
        m[field] += n
        state.set(key, m)


def working_hours_after(start_ms, hours):
    """The instant (ms) ``hours`` hours after ``start_ms`` counted on working days only (China
    Standard Time, the governed holiday table): a weekend or a holiday does not run the clock
    of a sign-off or a return."""
    table = governed.value("holidays")
    left = hours * HOUR_MS
    t = start_ms
    for _ in range(MAX_DAYS):
        local = t + UTC8_MS
        next_day = local - local % DAY_MS + DAY_MS - UTC8_MS
        if calendar.is_working_day(calendar.format_day(local // DAY_MS), table):
            if left <= next_day - t:
                return t + left
            left -= next_day - t
        t = next_day
    require(False, f"calendar rule: no {hours} working hours within {MAX_DAYS} days")
    return 0


def deadline_days(category):
    return governed.value(CATEGORIES[category])


def dispatch_to(t, dept):
    """The checks of the 派单目录 and of 不得推诿基层, then the dispatch itself."""
    require(
        isinstance(dept, str) and 2 <= len(dept) <= 32,
        f"dispatch rule (派单目录): '{dept}' is not an organisation",
    )
    matter = t["matter"]
    streets = governed.value("street_units")
    if matter not in governed.value("street_matters"):
        require(
            dept not in streets,
            f"push-down rule (不得推诿基层): '{matter}' is a functional department's matter;"
            f" it may not be pushed down to the street/town '{dept}'",
        )
    allowed = governed.value("catalogue").get(matter, [])
    require(
        dept in allowed,
        f"dispatch rule (派单目录): '{dept}' does not handle '{matter}' in the dispatch"
        f" catalogue ({', '.join(allowed) if allowed else 'no unit'})",
    )
    require(
        dept != centre_org(), "dispatch rule (派单目录): the centre does not dispatch to itself"
    )
    d = {
        "dept": dept,
        "level": "street" if dept in streets else "department",
        "at": ctx.time,
        "date": calendar.today(),
        "signoff_due": working_hours_after(ctx.time, governed.value("signoff_hours")),
        "signed_at": None,
        "signed_on_time": None,
        "outcome": "active",
    }
    t["dispatches"].append(d)
    t["dept"] = dept
    t["level"] = d["level"]
    tally(dept, "dispatched")
    return d


def current(t):
    return t["dispatches"][len(t["dispatches"]) - 1]


def send(t, dept, action, reason, fields):
    """Dispatch ``t`` to ``dept`` and record the move (``action``, ``reason``, ``fields`` and
    the sign-off deadline); the ticket is saved."""
    d = dispatch_to(t, dept)
    fields["signoff_due"] = d["signoff_due"]
    move(t, "dispatched", action, reason, fields)
    save(t)


# -- 来电 and 受理 ------------------------------------------------------------------------


def new_ticket(channel, category, matter, district, content_hash, caller_commitment, caller):
    require(channel in CHANNELS, f"ticket rule: channel is one of {', '.join(CHANNELS)}")
    require(
        category in CATEGORIES,
        f"ticket rule: category is one of {', '.join(CATEGORIES.keys())}",
    )
    require(
        matter in governed.value("catalogue"),
        f"dispatch rule (派单目录): '{matter}' is not a matter of the dispatch catalogue",
    )
    require(
        isinstance(district, str) and len(district) == 6 and district.isdigit(),
        f"ticket rule: district '{district}' is not a 6-digit district code",
    )
    require(
        checks.is_hash(content_hash),
        "privacy rule (个人信息保护): the content is on chain as its 32-byte hash only",
    )
    require(
        checks.is_hash(caller_commitment),
        "privacy rule (个人信息保护): the caller is on chain as a 32-byte commitment only",
    )
    require(caller is None or checks.is_did(caller), f"ticket rule: caller '{caller}' is not a DID")
    n = state.get("seq", 0) + 1
    state.set("seq", n)
    tid = "RX" + ("00000" + str(n))[-6:]
    today = calendar.today()
    t = {
        "id": tid,
        "channel": channel,
        "category": category,
        "matter": matter,
        "district": district,
        "content_hash": content_hash,
        "caller_commitment": caller_commitment,
        "caller": caller,
        "status": None,
        "received_at": ctx.time,
        "received_on": today,
        "accepted_on": None,
        "days": None,
        "due": None,
        "dept": None,
        "level": None,
        "dispatches": [],
        "return_request": None,
        "extension": None,
        "extensions": [],
        "master": None,
        "merged": [],
        "reply": None,
        "result": None,
        "revisits": [],
        "redo": 0,
        "closed": None,
        "trace": [],
    }
    s = stats()
    s["total"] += 1
    for field, value in [
        ("category", category),
        ("channel", channel),
        ("district", district),
        ("matter", matter),
        ("month", today[:7]),
    ]:
        bump(s[field], value, 1)
    state.set("stats", s)
    move(t, "received", "call")
    if caller is not None:
        state.set("by_caller/" + caller + "/" + tid, 1)
    return t


def accept_ticket(t):
    days = deadline_days(t["category"])
    t["accepted_on"] = calendar.today()
    t["days"] = days
    # the deadline counts from receipt (广东办法：自受理之日起), on the governed calendar
    t["due"] = calendar.add_working_days(t["received_on"], days, governed.value("holidays"))
    move(t, "accepted", "accept", None, {"due": t["due"], "days": days})


@call(roles=["operator"])
def receive(
    channel: str,
    category: str,
    matter: str,
    district: str,
    content_hash: bytes,
    caller_commitment: bytes,
    caller: str | None = None,
) -> dict:
    """来电 and 受理 at once: an operator of the centre records a call (its content's hash and
    the caller's commitment; ``caller`` the citizen's DID if they gave it, to follow the
    ticket) and accepts it; the deadline of its category runs from today."""
    as_operator()
    t = new_ticket(channel, category, matter, district, content_hash, caller_commitment, caller)
    accept_ticket(t)
    save(t)
    emit("TicketAccepted", ticket=t["id"], category=category, due=t["due"])
    return t


@call(public=True)
def lodge(
    category: str, matter: str, district: str, content_hash: bytes, caller_commitment: bytes
) -> dict:
    """The citizen lodges a request online, signing with their DID key; the centre accepts
    it (:func:`accept`) or merges it into an earlier ticket (:func:`merge`)."""
    did = ctx.sender_did
    require(did is not None, "ticket rule: a citizen lodges online with their DID key")
    t = new_ticket("web", category, matter, district, content_hash, caller_commitment, did)
    save(t)
    emit("TicketReceived", ticket=t["id"], category=category)
    return t


@call(roles=["operator"])
def accept(ticket_id: str) -> dict:
    """受理 of a request lodged online."""
    as_operator()
    t = load(ticket_id)
    expect(t, ["received"], "accept")
    accept_ticket(t)
    save(t)
    emit("TicketAccepted", ticket=ticket_id, category=t["category"], due=t["due"])
    return t


# -- 派单, 改派, 并单 ----------------------------------------------------------------------


@call(roles=["operator"])
def dispatch(ticket_id: str, dept: str) -> dict:
    """派单: the centre dispatches an accepted ticket to a unit of the catalogue for its matter;
    the unit must sign off within ``signoff_hours`` hours."""
    as_operator()
    t = load(ticket_id)
    expect(t, ["accepted"], "dispatch")
    send(t, dept, "dispatch", None, {"dept": dept})
    emit("TicketDispatched", ticket=ticket_id, dept=dept)
    return t


@call(roles=["operator"])
def reassign(ticket_id: str, dept: str, reason: str) -> dict:
    """改派: the centre moves a ticket a unit holds (not yet answered) to another unit of the
    catalogue, with its reason; the first unit's dispatch ends as ``reassigned``."""
    as_operator()
    t = load(ticket_id)
    expect(t, ["dispatched", "signed", "handling", "return_requested"], "reassign")
    require(
        isinstance(reason, str) and 0 < len(reason) <= 100,
        "reassign rule (改派): state the reason (1-100 characters, no personal data)",
    )
    old = current(t)
    require(dept != old["dept"], f"reassign rule (改派): {ticket_id} is already with {dept}")
    old["outcome"] = "reassigned"
    tally(old["dept"], "reassigned")
    t["return_request"] = None
    t["extension"] = None
    send(t, dept, "reassign", reason, {"dept": dept, "from_dept": old["dept"]})
    emit("TicketReassigned", ticket=ticket_id, dept=dept, previous=old["dept"])
    return t


@call(roles=["operator"])
def merge(ticket_id: str, master_id: str) -> dict:
    """并单: a repeat request (received or accepted, not yet dispatched) is linked to its
    master ticket about the same matter and followed there; the master's unit counts a
    repeat."""
    as_operator()
    t = load(ticket_id)
    expect(t, ["received", "accepted"], "merge")
    require(ticket_id != master_id, "merge rule (并单): a ticket is not its own master")
    m = load(master_id)
    require(
        m["status"] not in ["closed", "merged"],
        f"merge rule (并单): the master {master_id} is {m['status']}",
    )
    require(
        m["matter"] == t["matter"],
        f"merge rule (并单): {ticket_id} is about '{t['matter']}', {master_id} about"
        f" '{m['matter']}'",
    )
    require(len(m["merged"]) < MAX_MERGED, f"merge rule (并单): {master_id} has {MAX_MERGED}")
    t["master"] = master_id
    move(t, "merged", "merge", None, {"master": master_id})
    m["merged"].append(ticket_id)
    if m["dept"] is not None:
        tally(m["dept"], "repeats")
    save(t)
    save(m)
    emit("TicketMerged", ticket=ticket_id, master=master_id)
    return t


# -- the unit: 签收, 处置, 反馈, 退单, 延期 -------------------------------------------------


@call(roles=["handler"])
def sign(ticket_id: str) -> dict:
    """签收: the unit a ticket is dispatched to signs it off; on time within
    ``signoff_hours`` hours of the dispatch, counted on working days."""
    t = load(ticket_id)
    as_handler(t)
    expect(t, ["dispatched"], "sign-off")
    d = current(t)
    d["signed_at"] = ctx.time
    d["signed_on_time"] = ctx.time <= d["signoff_due"]
    tally(t["dept"], "signed")
    if d["signed_on_time"]:
        tally(t["dept"], "signed_on_time")
    move(t, "signed", "sign", None, {"on_time": d["signed_on_time"]})
    save(t)
    emit("TicketSigned", ticket=ticket_id, dept=t["dept"], on_time=d["signed_on_time"])
    return t


@call(roles=["handler"])
def handle(ticket_id: str, note_hash: bytes) -> dict:
    """处置: the unit records a step of its handling (the hash of its note)."""
    t = load(ticket_id)
    as_handler(t)
    expect(t, ["signed", "handling"], "handling")
    require(checks.is_hash(note_hash), "ticket rule: note_hash is the 32-byte hash of the note")
    move(t, "handling", "handle", None, {"note": note_hash})
    save(t)
    emit("TicketHandled", ticket=ticket_id, dept=t["dept"])
    return t


@call(roles=["handler"])
def reply(ticket_id: str, reply_hash: bytes) -> dict:
    """反馈: the unit's answer (its hash; the text goes to the citizen through the centre); on
    time by the deadline, else late by the working days past it."""
    t = load(ticket_id)
    as_handler(t)
    expect(t, ["signed", "handling"], "reply")
    require(checks.is_hash(reply_hash), "ticket rule: reply_hash is the 32-byte hash of the answer")
    today = calendar.today()
    late = calendar.working_days_between(t["due"], today, governed.value("holidays"))
    t["reply"] = {"hash": reply_hash, "dept": t["dept"], "date": today, "late_days": late}
    t["extension"] = None
    current(t)["outcome"] = "replied"
    tally(t["dept"], "replied")
    tally(t["dept"], "late" if late > 0 else "on_time")
    s = stats()
    bump(s, "late" if late > 0 else "on_time", 1)
    state.set("stats", s)
    move(t, "replied", "reply", None, {"late_days": late})
    save(t)
    emit("TicketReplied", ticket=ticket_id, dept=t["dept"], late_days=late)
    return t


@call(roles=["handler"])
def request_return(ticket_id: str, reason: str) -> dict:
    """退单: the unit says the ticket is not its matter (a governed reason), within
    ``return_hours`` hours of the dispatch; the centre approves or refuses."""
    t = load(ticket_id)
    as_handler(t)
    expect(t, ["dispatched", "signed"], "a return")
    reasons = governed.value("return_reasons")
    require(reason in reasons, f"return rule (退单): the reason is one of {', '.join(reasons)}")
    d = current(t)
    hours = governed.value("return_hours")
    require(
        ctx.time <= working_hours_after(d["at"], hours),
        f"return rule (退单时限): a return is asked within {hours} hours of the dispatch",
    )
    t["return_request"] = {"reason": reason, "from": t["status"], "at": records.stamp()}
    tally(t["dept"], "return_requests")
    move(t, "return_requested", "request_return", reason)
    save(t)
    emit("ReturnRequested", ticket=ticket_id, dept=t["dept"], reason=reason)
    return t


@call(roles=["operator"])
def review_return(ticket_id: str, approve: bool) -> dict:
    """派单异议审核: the centre approves a return (the ticket comes back to be dispatched again)
    or refuses it (the unit keeps it; an improper return, 不当退单, counts against it)."""
    as_operator()
    t = load(ticket_id)
    expect(t, ["return_requested"], "a return review")
    rr = t["return_request"]
    d = current(t)
    dept = t["dept"]
    if approve:
        d["outcome"] = "returned"
        tally(dept, "returns")
        t["dept"] = None
        t["level"] = None
        t["return_request"] = None
        move(t, "accepted", "return_approved", rr["reason"], {"dept": dept})
    else:
        tally(dept, "improper_returns")
        t["return_request"] = None
        move(t, rr["from"], "return_refused", rr["reason"], {"dept": dept})
    save(t)
    emit("ReturnReviewed", ticket=ticket_id, dept=dept, approved=approve)
    return t


@call(roles=["handler"])
def request_extension(ticket_id: str, days: int, reason_hash: bytes) -> dict:
    """延期: the unit asks for ``days`` more working days (at most ``extension_max_days``, at
    most ``max_extensions`` times), before the deadline."""
    t = load(ticket_id)
    as_handler(t)
    expect(t, ["signed", "handling"], "an extension")
    require(t["extension"] is None, f"extension rule (延期): {ticket_id} has one pending")
    most = governed.value("extension_max_days")
    require(
        isinstance(days, int) and not isinstance(days, bool) and 0 < days <= most,
        f"extension rule (延期): 1-{most} working days",
    )
    limit = governed.value("max_extensions")
    require(
        len(t["extensions"]) < limit,
        f"extension rule (延期): {ticket_id} has had {len(t['extensions'])} of {limit}",
    )
    require(checks.is_hash(reason_hash), "extension rule (延期): reason_hash is a 32-byte hash")
    today = calendar.today()
    require(
        today <= t["due"],
        f"extension rule (延期): asked before the deadline; {ticket_id} was due {t['due']}",
    )
    t["extension"] = {"days": days, "reason": reason_hash, "requested": records.stamp()}
    move(t, t["status"], "request_extension", None, {"days": days})
    save(t)
    emit("ExtensionRequested", ticket=ticket_id, dept=t["dept"], days=days)
    return t


@call(roles=["operator"])
def review_extension(ticket_id: str, approve: bool) -> dict:
    """The centre approves (the deadline moves by the working days asked) or refuses an
    extension; an approval only before the deadline."""
    as_operator()
    t = load(ticket_id)
    x = t["extension"]
    require(x is not None, f"extension rule (延期): {ticket_id} has no extension pending")
    today = calendar.today()
    if approve:
        require(
            today <= t["due"],
            f"extension rule (延期): approved before the deadline; {ticket_id} was due {t['due']}",
        )
        old = t["due"]
        t["due"] = calendar.add_working_days(old, x["days"], governed.value("holidays"))
        t["extensions"].append(
            {
                "days": x["days"],
                "reason": x["reason"],
                "old_due": old,
                "new_due": t["due"],
                "approved_by": ctx.sender_org,
                "date": today,
            }
        )
        tally(t["dept"], "extensions")
    t["extension"] = None
    move(
        t,
        t["status"],
        "extension_" + ("approved" if approve else "refused"),
        None,
        {"due": t["due"]},
    )
    save(t)
    emit("ExtensionReviewed", ticket=ticket_id, approved=approve, due=t["due"])
    return t


# -- 回访, 重办, 办结 ----------------------------------------------------------------------


def record_result(t, result, by):
    require(result in RESULTS, f"revisit rule (回访): the result is one of {', '.join(RESULTS)}")
    expect(t, ["replied"], "a revisit")
    t["result"] = result
    t["revisits"].append({"result": result, "by": by, "date": calendar.today()})
    dept = t["reply"]["dept"]
    tally(dept, result)
    s = stats()
    s["results"][result] += 1
    state.set("stats", s)
    move(t, "revisited", "revisit", None, {"result": result, "by": by})
    save(t)
    emit("TicketRated", ticket=t["id"], dept=dept, result=result)
    return t


@call(roles=["operator"])
def revisit(ticket_id: str, result: str) -> dict:
    """回访: the centre calls the citizen back and records satisfaction (满意/基本满意/不满意)."""
    as_operator()
    return record_result(load(ticket_id), result, "centre")


@call(public=True)
def rate(ticket_id: str, result: str) -> dict:
    """The citizen rates their answered ticket themselves (their DID key)."""
    t = load(ticket_id)
    require(
        ctx.sender_did is not None and ctx.sender_did == t["caller"],
        f"revisit rule (回访): only the citizen of {ticket_id} rates it",
    )
    return record_result(t, result, "citizen")


@call(roles=["operator"])
def redo(ticket_id: str) -> dict:
    """重办: after 不满意, the centre sends the ticket back to the unit that answered, with a new
    deadline of its category from today (at most ``max_redo`` times)."""
    as_operator()
    t = load(ticket_id)
    expect(t, ["revisited"], "redo")
    require(t["result"] == "unsatisfied", f"redo rule (重办): {ticket_id} was not rated 不满意")
    most = governed.value("max_redo")
    require(t["redo"] < most, f"redo rule (重办): {ticket_id} was redone {most} times")
    dept = t["reply"]["dept"]
    t["redo"] += 1
    tally(dept, "redo")
    table = governed.value("holidays")
    t["due"] = calendar.add_working_days(calendar.today(), deadline_days(t["category"]), table)
    t["result"] = None
    t["reply"] = None
    send(t, dept, "redo", None, {"dept": dept, "due": t["due"]})
    emit("TicketRedo", ticket=ticket_id, dept=dept, due=t["due"])
    return t


@call(roles=["operator"])
def close(ticket_id: str, reason: str = "") -> dict:
    """办结 after the revisit; a ticket rated 不满意 is closed only with a reason
    (``redo_exhausted``, ``unreasonable``, ``withdrawn``)."""
    as_operator()
    t = load(ticket_id)
    expect(t, ["revisited"], "closing")
    if t["result"] == "unsatisfied":
        require(
            reason in CLOSE_REASONS,
            f"close rule (办结): a ticket rated 不满意 is redone or closed with a reason"
            f" ({', '.join(CLOSE_REASONS)})",
        )
    t["closed"] = records.stamp()
    move(t, "closed", "close", reason or None)
    save(t)
    emit("TicketClosed", ticket=ticket_id, result=t["result"])
    return t


# -- views -------------------------------------------------------------------------------------


@view
def ticket(ticket_id: str) -> dict | None:
    return state.get("tk/" + ticket_id)


def pct(n, d):
    """Per mille, None without a denominator."""
    return None if d == 0 else (1000 * n) // d


def score_of(org, m):
    """A department's rates (per mille), its score (0-100, the governed weights over the rates
    it has, less the penalty for improper returns) and its tier."""
    rated = m["satisfied"] + m["basic"] + m["unsatisfied"]
    rates = {
        "signoff": pct(m["signed_on_time"], m["dispatched"]),
        "on_time": pct(m["on_time"], m["replied"]),
        "satisfaction": pct(m["satisfied"] + m["basic"], rated),
    }
    weights = {
        "signoff": governed.value("weight_signoff"),
        "on_time": governed.value("weight_on_time"),
        "satisfaction": governed.value("weight_satisfaction"),
    }
    total = 0
    weight = 0
    for k in ["signoff", "on_time", "satisfaction"]:
        if rates[k] is not None:
            total += weights[k] * rates[k]
            weight += weights[k]
    score = None
    tier = "pending"
    if weight > 0 and m["replied"] >= governed.value("min_sample"):
        penalty = governed.value("improper_return_penalty") * m["improper_returns"]
        score = total // weight // 10 - penalty
        score = 0 if score < 0 else score
        if score >= governed.value("tier_a"):
            tier = "A"
        elif score >= governed.value("tier_b"):
            tier = "B"
        elif score >= governed.value("tier_c"):
            tier = "C"
        else:
            tier = "D"
    out = {"org": org, "tier": tier, "score": score, "rated": rated}
    out["signoff_rate"] = rates["signoff"]
    out["on_time_rate"] = rates["on_time"]
    out["satisfaction_rate"] = rates["satisfaction"]
    out["return_rate"] = pct(m["returns"], m["dispatched"])
    out["repeat_rate"] = pct(m["repeats"], m["dispatched"])
    for k in TALLIES:
        out[k] = m[k]
    return out


@view
def scores(period: str = "") -> list:
    """The public board: every unit's metrics, score and tier, for all time or for a month
    (``YYYY-MM``), in the order of their organisation ids (tiers, not a ranking)."""
    if period:
        require(
            len(period) == 7 and period[4] == "-",
            f"period rule: '{period}' is not a month YYYY-MM",
        )
        prefix = "scp/" + period + "/"
    else:
        prefix = "sc/"
    return [score_of(k[len(prefix) :], m) for k, m in state.range(prefix, limit=1000)]


@view
def statistics() -> dict:
    """The public statistics: tickets by status, category, channel, district, matter and month
    received; answers on time and late; revisit results. Counts only, nothing personal."""
    return stats()
