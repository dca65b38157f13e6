"""产品追溯 Important-product traceability (scenario 10): batches and their life-cycle events in
the shape of GS1 EPCIS 2.0 / CBV 2.0 — ObjectEvent, AggregationEvent, TransformationEvent with
what, when, where, why and how — each written only by a role its step allows (``STEPS``) and
only by the organisation that holds the batch; splits and merges conserve mass; the
geographical indications 新会陈皮 (variety, plots inside the protected area, >= 3 years of
ageing there, the age computed from the recorded time of the first storage-in), 杜阮凉瓜 and
台山大米; labels within the certified quantity; scans anchored by a member, with a counterfeit
signal; recalls that reach every descendant batch, with start and finish deadlines by level
(working days of the governed calendar).

Who writes: plots — a ``plot_registrar`` of an organisation in ``plot_registrars`` (农业农村局);
products, location checks, inspections and certificates, ordered recalls, stock imported from
the earlier record system — an ``inspector`` of the regulator (市场监管局, ``init``'s
``regulator``), whose admins set the parameters; events — the roles of ``STEPS``; scans — a
``scan_recorder`` of an organisation in ``scan_recorder_orgs`` (consumers never write).

Times: ``ctx.time`` (block time) is the recorded time of everything; an event's ``event_time``
is the submitter's claim, kept as such. The age of 新会陈皮 counts from the recorded time of the
first storage-in at a verified site inside the protected area (stock older than the chain:
from the date an inspector attested from the earlier system's record, marked ``legacy``),
never from a claimed time. No personal data: organisations, member addresses, codes, grams,
towns, dates and hashes; free text is refused (ids and codes only). Parameters and their legal
basis: ``README.md``.
"""

from string import ascii_letters, digits
from typing import Any

from wuyi.contract import call, ctx, emit, require, state, view
from wuyi.contract.lib import calendar, certs, records
from wuyi.contract.lib import params as governed

ROLES = [
    "grower",
    "processor",
    "warehouse",
    "packer",
    "logistics",
    "retailer",
    "inspector",
    "plot_registrar",
    "scan_recorder",
]
DAY_MS = 86400000
YEAR_DAYS = 365  # scenario-rules §2.6 rule 2: age = (t_label - first storage-in) / 365 days
MAX_ITEMS = 32
MAX_ORIGIN = 64
MAX_LABEL_ISSUES = 50
MAX_SEQ = 99999
ID_CHARS = ascii_letters + digits + "-_."
REF_CHARS = ID_CHARS + ":/"
CAPS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
KIND = "产品检验合格证明"
HOLDERS = "grower processor warehouse packer retailer"

# step: "EPCIS type, action (- for none), CBV bizStep (urn:wuyi: where CBV has none),
# disposition, roles that may write it"
STEPS = {
    "planting": "ObjectEvent OBSERVE urn:wuyi:bizstep:planting active grower",
    "harvesting": "ObjectEvent ADD commissioning active grower",
    "importing": "ObjectEvent ADD commissioning sellable_not_accessible inspector",
    "processing": "TransformationEvent - urn:wuyi:bizstep:processing active processor",
    "repackaging": "TransformationEvent - repackaging active processor warehouse packer",
    "storing": "ObjectEvent OBSERVE storing sellable_not_accessible warehouse",
    "picking": "ObjectEvent OBSERVE picking sellable_accessible warehouse",
    "inspecting": "ObjectEvent OBSERVE inspecting active inspector",
    "packing": "AggregationEvent ADD packing container_closed packer warehouse",
    "unpacking": "AggregationEvent DELETE unpacking sellable_accessible packer warehouse retailer",
    "labelling": "ObjectEvent ADD commissioning active packer",
    "shipping": "ObjectEvent OBSERVE shipping in_transit " + HOLDERS,
    "transporting": "ObjectEvent OBSERVE transporting in_transit logistics",
    "receiving": "ObjectEvent OBSERVE receiving sellable_not_accessible processor warehouse "
    + "packer retailer",
    "retail_selling": "ObjectEvent OBSERVE retail_selling retail_sold retailer",
    "recovering": "ObjectEvent OBSERVE holding recalled " + HOLDERS,
}
# what a recalled batch may still do: move back, be inspected, be reported recovered
MOVING = [
    "shipping",
    "transporting",
    "receiving",
    "unpacking",
    "recovering",
    "inspecting",
    "storing",
]

# the geographical indications: parameters <gi>_towns, <gi>_varieties; if it ages,
# <gi>_min_age_years
GI = {
    "chenpi": {"name": "新会陈皮", "ageing": True},
    "duruan": {"name": "杜阮凉瓜", "ageing": False},
    "taishan": {"name": "台山大米", "ageing": False},
}
CHENPI = (
    "新会陈皮地理标志产品保护（原国家质检总局2006年批准公告 [mem: 公告号待核]）；"
    "《江门市新会陈皮保护条例》（2020年7月1日施行）"
)
RECALL = (
    "《食品召回管理办法》（2015年原国家食品药品监督管理总局令第12号，2020年修订）召回分级与"
    "时限 [条款号 mem]；据报2026年修订改为24/48小时并调整分级 [weak]，以市场监管总局公布文本为准"
)
FOOD_LAW = "《食品安全法》第五十条、第五十三条 [weak: 出处为二手页面，条文待核]："
XINHUI = ["huicheng", "daze", "siqian", "luokeng", "shuangshui", "yamen", "shadui", "gujing"]
XINHUI_MORE = ["sanjiang", "muzhou", "daao", "yinhuwan"]
TAISHAN = ["taicheng", "dajiang", "shuibu", "sijiu", "baisha", "sanhe", "chonglou", "doushan"]
TAISHAN_MORE = ["duhu", "chixi", "duanfen", "guanghai", "haiyan", "wencun", "shenjing", "beidou"]
DEMO = " [mem: 演示值，无法规依据]"

PARAMS = {
    "chenpi_towns": {
        "kind": "codes",
        "min_items": 1,
        "default": XINHUI + XINHUI_MORE,
        "basis": CHENPI
        + "：保护范围为新会区会城、大泽、司前、罗坑、双水、崖门、沙堆、古井、三江、"
        + "睦洲、大鳌及银湖湾（原围垦指挥部）现辖行政区域 [weak: 二手来源，待核公告原文]",
    },
    "chenpi_varieties": {
        "kind": "codes",
        "min_items": 1,
        "default": ["chazhigan"],
        "basis": CHENPI + "：品种为茶枝柑（大种油身、细种油身） [weak]",
    },
    "chenpi_min_age_years": {
        "kind": "int",
        "min": 1,
        "max": 50,
        "default": 3,
        "basis": CHENPI + "：在保护范围内自然陈化贮存三年以上 [weak]",
    },
    "duruan_towns": {
        "kind": "codes",
        "min_items": 1,
        "default": ["duruan"],
        "basis": "杜阮凉瓜地理标志证明商标：蓬江区杜阮镇 [weak]",
    },
    "duruan_varieties": {
        "kind": "codes",
        "min_items": 1,
        "default": ["duruan-liangua"],
        "basis": "杜阮凉瓜地理标志证明商标：杜阮本地凉瓜品种 [mem]",
    },
    "taishan_towns": {
        "kind": "codes",
        "min_items": 1,
        "default": TAISHAN + TAISHAN_MORE + ["chuandao"],
        "basis": "台山大米地理标志证明商标：台山市现辖行政区域 [mem: 以商标使用管理规则为准]",
    },
    "taishan_varieties": {
        "kind": "codes",
        "min_items": 1,
        "default": ["simiao"],
        "basis": "台山大米地理标志证明商标：优质丝苗米品种 [mem]",
    },
    "mass_tolerance_bp": {
        "kind": "int",
        "max": 1000,
        "default": 50,
        "basis": "拆分合并质量守恒的称量允差（万分之一），参照《定量包装商品计量监督管理办法》"
        + "允许短缺量"
        + DEMO,
    },
    "time_skew_minutes": {
        "kind": "int",
        "min": 1,
        "max": 1440,
        "default": 10,
        "basis": "事件时间（提交者所称）最多晚于记录区块时间的分钟数（技术参数）",
    },
    "cold_chain_max_decicelsius": {
        "kind": "int",
        "max": 400,
        "default": 100,
        "basis": "冷链运输温度上限（0.1 ℃），按产品标准设定" + DEMO,
    },
    "label_max_per_issue": {
        "kind": "int",
        "min": 1,
        "max": MAX_SEQ,
        "default": 20000,
        "basis": "一次赋码的最大枚数（技术参数）",
    },
    "recall_start_hours": {
        "kind": "table",
        "default": {"1": 24, "2": 48, "3": 72},
        "basis": RECALL + "：一级、二级、三级召回分别在24、48、72小时内启动",
    },
    "recall_finish_days": {
        "kind": "table",
        "default": {"1": 10, "2": 20, "3": 30},
        "basis": RECALL + "：自公告发布之日起10、20、30个工作日内完成召回",
    },
    "retention_after_shelf_months": {
        "kind": "int",
        "max": 120,
        "default": 6,
        "basis": FOOD_LAW + "记录和凭证保存期限不得少于产品保质期满后六个月",
    },
    "retention_default_years": {
        "kind": "int",
        "max": 50,
        "default": 2,
        "basis": FOOD_LAW + "没有明确保质期的，保存期限不得少于二年",
    },
    "scan_max_count": {
        "kind": "int",
        "min": 1,
        "default": 20,
        "basis": "同一标签扫码超过此次数即发出假冒信号" + DEMO,
    },
    "scan_max_cities": {
        "kind": "int",
        "min": 1,
        "max": 1000,
        "default": 2,
        "basis": "同一标签在超过此数的不同城市被扫码即发出假冒信号" + DEMO,
    },
    "scan_items_max": {
        "kind": "int",
        "min": 1,
        "max": 1000,
        "default": 200,
        "basis": "一次锚定的扫码计数条目上限（防止刷链的技术参数）",
    },
    "plot_registrars": {
        "kind": "codes",
        "min_items": 1,
        "default": ["nyj"],
        "basis": "种植地块由农业农村部门登记核实 [mem]",
    },
    "scan_recorder_orgs": {
        "kind": "codes",
        "min_items": 1,
        "default": ["sjj"],
        "basis": "运行公众查询页节点的机构锚定扫码计数（政务服务数据管理局）",
    },
    "holidays": {
        "kind": "holidays",
        "default": calendar.CN_HOLIDAYS,
        "basis": "国务院办公厅节假日安排（各年通知；见表中各年条目）",
    },
}


# -- set-up and parameters ---------------------------------------------------------------------


@call
def init(regulator: str = "scjgj") -> None:
    """``regulator`` (市场监管局): its inspectors register products, verify sites, inspect,
    certify and order recalls; its admins set the parameters."""
    state.set("cfg", {"regulator": regulator})
    governed.init(PARAMS)


def regulator() -> str:
    return state.get("cfg")["regulator"]


def p(name):
    return governed.value(name)


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of the regulator change a parameter, in force from the next block, on record."""
    return governed.change_by(PARAMS, regulator(), "change trace rules", name, value, reason, basis)


@view
def param(name: str) -> dict:
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    return governed.history(name)


# -- checks ------------------------------------------------------------------------------------


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_code(value, what, chars, longest):
    ok = isinstance(value, str) and 2 <= len(value) <= longest
    require(
        ok and all([c in chars for c in value]),
        f"id rule: {what} '{value}' must be 2-{longest} letters, digits or -_. (codes, no text)",
    )
    return value


def check_id(value, what):
    return check_code(value, what, ID_CHARS, 40)


def check_ref(value, what):
    return check_code(value, what, REF_CHARS, 64)


def check_grams(qty, what):
    require(is_int(qty) and 0 < qty <= 10**12, f"quantity rule: {what} is whole grams, 1 or more")
    return qty


def check_time(event_time):
    """The submitter's claimed time of an event: from 2000 to the block time plus the skew."""
    skew = p("time_skew_minutes")
    require(
        is_int(event_time) and 946684800000 <= event_time <= ctx.time + skew * 60000,
        f"when rule: event_time (ms, the submitter's claim) is from 2000 to {skew} minutes after"
        " the block time",
    )
    return event_time


def step_of(step):
    """``[type, action, bizStep, disposition, roles]`` of ``step``."""
    parts = STEPS[step].split(" ")
    return [parts[0], "" if parts[1] == "-" else parts[1], parts[2], parts[3], parts[4:]]


def role_for(step):
    """The sender's role that may write ``step``; a refusal naming the roles otherwise."""
    allowed = step_of(step)[4]
    for r in allowed:
        if r in ctx.sender_roles:
            return r
    have = ", ".join(ctx.sender_roles) or "none"
    require(
        False,
        f"role rule ({step}): only a member with role {' or '.join(allowed)} writes a {step}"
        f" event (your roles: {have})",
    )
    return ""


def is_inspector():
    return ctx.sender_org == regulator() and "inspector" in ctx.sender_roles


def require_inspector(what):
    require(is_inspector(), f"role rule ({what}): only an inspector of '{regulator()}'")


def date_of(ms):
    return calendar.format_day((ms // 60000 + calendar.UTC8_MINUTES) // 1440)


def stamp():
    return {"by": ctx.sender, "by_org": ctx.sender_org, "height": ctx.height, "time": ctx.time}


# -- master data: products, plots, sites -------------------------------------------------------


@call
def register_product(
    code: str, name: str, gi: str = "", shelf_life_days: int = 0, cold_chain: bool = False
) -> dict:
    """An inspector of the regulator registers a product: ``code`` (2-8 capitals or digits,
    its batches' prefix), ``name`` (e.g. 新会陈皮), ``gi`` (a key of ``GI`` if it carries that
    geographical indication), shelf life in days (0: none stated), ``cold_chain`` (transport
    records temperatures)."""
    require_inspector("register_product")
    ok = isinstance(code, str) and 2 <= len(code) <= 8 and all([c in CAPS for c in code])
    require(ok, f"product rule: code '{code}' is 2-8 capitals or digits")
    require(not state.has("product/" + code), f"product rule: product '{code}' exists")
    require(isinstance(name, str) and 1 <= len(name) <= 32, "product rule: a name of 1-32 chars")
    require(gi == "" or gi in GI, f"product rule: no geographical indication '{gi}'")
    ok = is_int(shelf_life_days) and 0 <= shelf_life_days <= 36500
    require(ok, "product rule: shelf life in days from 0 (none stated) to 36500")
    rec = {"code": code, "name": name, "gi": gi, "shelf_life_days": shelf_life_days}
    rec = {**rec, "cold_chain": cold_chain, **stamp()}
    state.set("product/" + code, rec)
    emit("ProductRegistered", code=code, gi=gi)
    return rec


def product(code):
    return records.load("product/" + code, f"product rule: no product '{code}'")


@call
def register_plot(plot_id: str, org: str, town: str, area: int, variety: str) -> dict:
    """A ``plot_registrar`` of an organisation in ``plot_registrars`` (农业农村局) registers a
    plot it surveyed: held by organisation ``org`` (the growers' cooperative), in ``town`` (a
    town code), ``area`` in 0.01 亩, planted with ``variety`` (a code)."""
    orgs = p("plot_registrars")
    ok = ctx.sender_org in orgs and "plot_registrar" in ctx.sender_roles
    require(ok, f"role rule (register_plot): only a plot_registrar of {', '.join(orgs)}")
    for x in [[plot_id, "plot"], [org, "org"], [town, "town"], [variety, "variety"]]:
        check_id(x[0], x[1])
    require(not state.has("plot/" + plot_id), f"plot rule: plot '{plot_id}' exists")
    require(is_int(area) and 0 < area <= 10**9, "plot rule: area in 0.01 亩, positive")
    rec = {"id": plot_id, "org": org, "town": town, "area": area, "variety": variety}
    rec = {**rec, "plantings": 0, **stamp()}
    state.set("plot/" + plot_id, rec)
    emit("PlotRegistered", plot=plot_id, org=org, town=town)
    return rec


def own_plot(plot_id):
    pl = state.get("plot/" + plot_id)
    require(pl is not None, f"plot rule: plot '{plot_id}' is not registered")
    who = ctx.sender_org
    require(pl["org"] == who, f"plot rule: plot '{plot_id}' is held by '{pl['org']}', not '{who}'")
    return pl


SITE_KINDS = ["factory", "warehouse", "vehicle", "shop", "market"]


@call(roles=["admin"])
def register_location(loc_id: str, kind: str, town: str) -> dict:
    """An admin registers a site of its own organisation (``kind`` one of SITE_KINDS, in
    ``town``; a vehicle's is ``mobile``). Until an inspector of the regulator verifies it its
    town is the organisation's claim, and storage there does not age 新会陈皮."""
    check_id(loc_id, "location")
    check_id(town, "town")
    require(kind in SITE_KINDS, f"location rule: kind is one of {', '.join(SITE_KINDS)}")
    require(not state.has("loc/" + loc_id), f"location rule: location '{loc_id}' exists")
    rec: dict = {"id": loc_id, "org": ctx.sender_org, "kind": kind, "town": town, "verified": None}
    rec = {**rec, "height": ctx.height, "time": ctx.time}
    state.set("loc/" + loc_id, rec)
    emit("LocationRegistered", location=loc_id, org=ctx.sender_org, town=town)
    return rec


@call
def verify_location(loc_id: str) -> dict:
    """An inspector of the regulator confirms a site's town after an on-site check."""
    require_inspector("verify_location")
    rec = location(loc_id)
    require(rec["verified"] is None, f"location rule: '{loc_id}' is verified already")
    rec["verified"] = stamp()
    state.set("loc/" + loc_id, rec)
    emit("LocationVerified", location=loc_id, town=rec["town"])
    return rec


def location(loc_id):
    return records.load("loc/" + loc_id, f"location rule: location '{loc_id}' is not registered")


def own_location(loc_id):
    rec = location(loc_id)
    who = ctx.sender_org
    require(rec["org"] == who, f"where rule: '{loc_id}' is a site of '{rec['org']}', not '{who}'")
    return rec


# -- batches and events ------------------------------------------------------------------------


def batch(batch_id):
    return records.load("batch/" + batch_id, f"batch rule: no batch '{batch_id}'")


def save(b):
    state.set("batch/" + b["id"], b)


def in_area(gi, town):
    return town in p(gi + "_towns")


def ages(prod):
    return prod["gi"] != "" and GI[prod["gi"]]["ageing"]


def new_batch(prod, qty, origin, where, ageing, parents):
    bid = records.seq("batch", prod["code"] + "-", 6)
    b = {"id": bid, "product": prod["code"], "qty_g": qty, "initial_g": qty}
    b = {**b, "org": ctx.sender_org, "producer": ctx.sender_org, "status": "active"}
    b = {**b, "location": where, "stored": False, "parents": parents, "origin": origin}
    b = {**b, "ageing": ageing, "transit": None, "pallet": None, "hold": None, "recall": None}
    b = {**b, "certified_g": 0, "certificates": [], "sold": 0, "flags": [], "events": 0}
    b = {**b, "labels": {"issues": 0, "count": 0, "grams": 0}, "retain_until": None}
    b = {**b, "height": ctx.height, "time": ctx.time}
    save(b)
    state.set("org_batch/" + str(ctx.sender_org) + "/" + bid, 1)
    return b


def move_custody(b, org):
    state.delete("org_batch/" + b["org"] + "/" + b["id"])
    state.set("org_batch/" + org + "/" + b["id"], 1)
    b["org"] = org


def custody(b, step):
    """A refusal unless the sender's organisation holds ``b`` and ``step`` may act on it now."""
    who, bid = ctx.sender_org, b["id"]
    require(b["org"] == who, f"custody rule ({step}): {bid} is held by '{b['org']}', not '{who}'")
    require(b["status"] not in ["consumed", "sold"], f"batch rule ({step}): {bid} is {b['status']}")
    if step not in MOVING:
        require(
            b["recall"] is None,
            f"recall rule ({step}): {bid} is under recall {b['recall']}: it may only move back"
            " and be reported recovered",
        )
        require(b["status"] != "in_transit", f"custody rule ({step}): {bid} is in transit")
    if step not in ["shipping", "transporting", "receiving", "unpacking"]:
        require(
            b["pallet"] is None,
            f"aggregation rule ({step}): {bid} is on pallet {b['pallet']}; move or unpack it",
        )


def qty(bid):
    return {"batch": bid, "qty_g": batch(bid)["qty_g"]}


def event(step, event_time, where, what, batch_ids):
    """Record an event of ``step`` (EPCIS shape: ``what`` holds its what and why and how
    fields; ``where`` its read point and business location) and index it under each batch of
    ``batch_ids``. Returns the event."""
    role = role_for(step)
    kind, action, biz_step, disposition = step_of(step)[:4]
    eid = records.seq("event", "EV", 7)
    ev = {"id": eid, "type": kind, "action": action, "step": step, "biz_step": biz_step}
    ev = {**ev, "disposition": disposition, "event_time": check_time(event_time), "tz": "+08:00"}
    ev = {**ev, "record_time": ctx.time, "height": ctx.height, "tx": ctx.tx_hash}
    ev = {**ev, "writer": ctx.sender, "org": ctx.sender_org, "role": role, "batches": batch_ids}
    ev = {**ev, "read_point": where, "biz_location": where, **what}
    state.set("ev/" + eid, ev)
    for bid in batch_ids:
        b = batch(bid)
        b["events"] = b["events"] + 1
        save(b)
        state.set("bev/" + bid + "/" + eid, 1)
    emit("TraceEvent", id=eid, type=kind, step=step, batches=batch_ids, org=ctx.sender_org)
    return ev


def ageing_at(b, loc, storing):
    """The ageing of ``b`` (an ageing product) at site ``loc``: started by the first storing
    at a verified site inside the protected area, broken at any site outside it."""
    prod = product(b["product"])
    if not ages(prod):
        return b
    inside = loc["verified"] is not None and in_area(prod["gi"], loc["town"])
    a = b["ageing"]
    if inside and a is None and storing:
        a = {"start_time": ctx.time, "start_height": ctx.height, "start_date": date_of(ctx.time)}
        b["ageing"] = {**a, "location": loc["id"], "source": "chain", "legacy": None}
        b["ageing"]["broken"] = None
    elif not inside and a is not None and a["broken"] is None:
        why = "unverified site" if loc["verified"] is None else "outside the protected area"
        a["broken"] = {"location": loc["id"], "reason": why, "height": ctx.height, "time": ctx.time}
        b["ageing"] = a
    return b


def merge_origin(parts):
    out: dict = {"plots": [], "towns": [], "varieties": []}
    for k in ["plots", "towns", "varieties"]:
        for o in parts:
            out[k] = out[k] + [x for x in o[k] if x not in out[k]]
        n = len(out[k])
        require(n <= MAX_ORIGIN, f"origin rule: more than {MAX_ORIGIN} {k} in one batch ({n})")
        out[k] = sorted(out[k])
    return out


def youngest_ageing(inputs):
    """A blend's ageing: the youngest input's (the latest start); none if any input has not
    started; broken if any input's is."""
    out: Any = None
    for b in inputs:
        a = b["ageing"]
        if a is None:
            return None
        if out is None or a["start_time"] > out["start_time"]:
            out = dict(a)
    for b in inputs:
        if b["ageing"]["broken"] is not None and out["broken"] is None:
            out["broken"] = b["ageing"]["broken"]
    return out


def age_of(b, at):
    """``{days, years, since, source, broken}`` of ``b`` at time ``at`` (None if not ageing)."""
    a = b["ageing"]
    if a is None:
        return None
    days = max(0, (at - a["start_time"]) // DAY_MS)
    since, source, broken = a["start_date"], a["source"], a["broken"]
    return {"days": days, "years": days // YEAR_DAYS, "since": since, "source": source,
            "broken": broken}  # fmt: skip


@call
def plant(plot_id: str, event_time: int) -> dict:
    """A grower records a planting (sowing, or new trees) on a plot of its organisation."""
    pl = own_plot(plot_id)
    pl["plantings"] = pl["plantings"] + 1
    state.set("plot/" + plot_id, pl)
    what: dict = {"plot": plot_id, "ilmd": {"variety": pl["variety"], "town": pl["town"]}}
    ev = event("planting", event_time, "plot:" + plot_id, what, [])
    state.set("plot_ev/" + plot_id + "/" + ev["id"], 1)
    return ev


@call
def harvest(plot_id: str, product_code: str, qty_g: int, event_time: int) -> dict:
    """A grower commissions a lot harvested from a registered plot of its organisation
    (ObjectEvent ADD, commissioning); its origin is the plot's town and variety. Returns the
    new batch."""
    role_for("harvesting")
    pl = own_plot(plot_id)
    prod = product(product_code)
    check_grams(qty_g, "qty_g")
    origin = {"plots": [plot_id], "towns": [pl["town"]], "varieties": [pl["variety"]]}
    b = new_batch(prod, qty_g, origin, "plot:" + plot_id, None, [])
    what: dict = {"quantities": [qty(b["id"])], "plot": plot_id}
    what["ilmd"] = {"variety": pl["variety"], "town": pl["town"]}
    ev = event("harvesting", event_time, "plot:" + plot_id, what, [b["id"]])
    state.set("plot_ev/" + plot_id + "/" + ev["id"], 1)
    return batch(b["id"])


@call
def import_stock(
    product_code: str, qty_g: int, plot_id: str, org: str, location_id: str, since: str, ref: str
) -> dict:
    """An inspector of the regulator brings in stock older than this chain from the earlier
    record system (新会陈皮数字化溯源管理系统, record ``ref``): ``org``'s lot stored at its
    verified site ``location_id`` since date ``since`` (attested from that record), harvested
    from registered plot ``plot_id``. Its age counts from that date, shown as ``legacy``."""
    require_inspector("import_stock")
    prod = product(product_code)
    check_grams(qty_g, "qty_g")
    pl = state.get("plot/" + plot_id)
    require(pl is not None, f"plot rule: plot '{plot_id}' is not registered")
    check_ref(ref, "ref")
    loc = location(location_id)
    require(loc["org"] == org, f"where rule: '{location_id}' is not a site of '{org}'")
    day = calendar.parse(since)
    today = calendar.today()
    require(day <= calendar.parse(today), f"legacy rule: {since} is after today ({today})")
    require(state.get("legacy/" + ref) is None, f"legacy rule: record {ref} is imported already")
    start = day * DAY_MS - calendar.UTC8_MINUTES * 60000
    ageing = None
    if ages(prod):
        inside = loc["verified"] is not None and in_area(prod["gi"], loc["town"])
        require(inside, f"legacy rule: '{location_id}' is no verified site in the protected area")
        ageing = {"start_time": start, "start_height": ctx.height, "start_date": since}
        legacy = {"ref": ref, **stamp()}
        ageing = {**ageing, "location": location_id, "source": "legacy", "legacy": legacy}
        ageing["broken"] = None
    origin = {"plots": [plot_id], "towns": [pl["town"]], "varieties": [pl["variety"]]}
    b = new_batch(prod, qty_g, origin, location_id, ageing, [])
    move_custody(b, org)
    b["producer"] = org
    b["stored"] = True
    save(b)
    state.set("legacy/" + ref, b["id"])
    what: dict = {"quantities": [qty(b["id"])], "plot": plot_id}
    what["ilmd"] = {"variety": pl["variety"], "town": pl["town"], "legacy_ref": ref, "since": since}
    event("importing", start, location_id, what, [b["id"]])
    return batch(b["id"])


def take_inputs(step, inputs):
    """``[[batch, grams], ...]`` of a transformation's ``inputs``, each checked."""
    require(0 < len(inputs) <= MAX_ITEMS, f"what rule: 1-{MAX_ITEMS} inputs")
    used: list = []
    for item in inputs:
        ok = isinstance(item, dict) and sorted(item.keys()) == ["batch", "qty_g"]
        require(ok, "what rule: each input is {batch, qty_g}")
        b = batch(item["batch"])
        require(b["id"] not in [x[0]["id"] for x in used], f"what rule: {b['id']} is named twice")
        custody(b, step)
        require(b["hold"] is None, f"inspection rule: {b['id']} is on hold ({b['hold']})")
        q = check_grams(item["qty_g"], "an input's qty_g")
        free = b["qty_g"] - b["labels"]["grams"]
        require(q <= free, f"mass rule: {b['id']} has {free} g not labelled; {q} g asked")
        used.append([b, q])
    return used


def check_mass(step, total_in, total_out):
    """Processing may lose mass (drying), never gain beyond the tolerance; a split or merge
    keeps it within the tolerance (``mass_tolerance_bp``)."""
    tol = p("mass_tolerance_bp")
    if step == "processing":
        ok = total_out * 10000 <= total_in * (10000 + tol)
        require(ok, f"mass rule (processing): {total_out} g out of {total_in} g in (tol {tol}bp)")
    else:
        diff = max(total_out - total_in, total_in - total_out)
        require(
            diff * 10000 <= total_in * tol,
            f"mass rule (split/merge): {total_out} g out of {total_in} g in differs by more than"
            f" {tol}/10000",
        )


@call
def transform(
    step: str, inputs: list[dict], outputs: list[dict], event_time: int, location_id: str
) -> dict:
    """A TransformationEvent at a site of the sender's organisation. ``step``: ``processing``
    (a processor peels, dries, mills: outputs may be another product, mass may drop) or
    ``repackaging`` (a split or merge of one product, mass conserved within
    ``mass_tolerance_bp``). ``inputs``: ``[{batch, qty_g}]`` taken from batches the
    organisation holds (at most their unlabelled grams); ``outputs``: ``[{product, qty_g}]``.
    The outputs inherit the inputs' origin and, for an ageing product, the youngest input's
    ageing. Returns ``{event, outputs, in_g, out_g}``."""
    require(step in ["processing", "repackaging"], "step rule: processing or repackaging")
    role_for(step)
    loc = own_location(location_id)
    used = take_inputs(step, inputs)
    require(0 < len(outputs) <= MAX_ITEMS, f"what rule: 1-{MAX_ITEMS} outputs")
    kinds = [x[0]["product"] for x in used]
    total_in = sum([x[1] for x in used])
    total_out = 0
    for o in outputs:
        ok = isinstance(o, dict) and sorted(o.keys()) == ["product", "qty_g"]
        require(ok, "what rule: each output is {product, qty_g}")
        product(o["product"])
        total_out += check_grams(o["qty_g"], "an output's qty_g")
        one = o["product"] == kinds[0] and len([k for k in kinds if k != kinds[0]]) == 0
        require(step == "processing" or one, "mass rule: a split or merge keeps one product")
    check_mass(step, total_in, total_out)
    origin = merge_origin([x[0]["origin"] for x in used])
    ageing = youngest_ageing([x[0] for x in used])
    parents = [x[0]["id"] for x in used]
    for x in used:
        b = x[0]
        b["qty_g"] = b["qty_g"] - x[1]
        b["status"] = "consumed" if b["qty_g"] == 0 else b["status"]
        save(b)
    made = []
    for o in outputs:
        prod = product(o["product"])
        nb = new_batch(
            prod, o["qty_g"], origin, location_id, ageing if ages(prod) else None, parents
        )
        save(ageing_at(nb, loc, False))
        for pid in parents:
            state.set("child/" + pid + "/" + nb["id"], 1)
        made.append(nb["id"])
    what: dict = {"inputs": [{"batch": x[0]["id"], "qty_g": x[1]} for x in used]}
    what["outputs"] = [qty(x) for x in made]
    ev = event(step, event_time, location_id, what, parents + made)
    return {"event": ev["id"], "outputs": made, "in_g": total_in, "out_g": total_out}


@call
def store(batch_id: str, location_id: str, event_time: int) -> dict:
    """A warehouse of the holding organisation stores the batch at one of its warehouses; the
    first storing at a verified one inside the protected area starts an ageing product's age,
    a site outside breaks it."""
    role_for("storing")
    b = batch(batch_id)
    custody(b, "storing")
    require(b["status"] != "in_transit", f"custody rule (storing): {batch_id} is in transit")
    loc = own_location(location_id)
    require(loc["kind"] == "warehouse", f"where rule: '{location_id}' is a {loc['kind']}")
    b["location"] = location_id
    b["stored"] = True
    save(ageing_at(b, loc, True))
    event("storing", event_time, location_id, {"quantities": [qty(batch_id)]}, [batch_id])
    return batch(batch_id)


@call
def pick(batch_id: str, event_time: int) -> dict:
    """A warehouse takes the batch out of storage (picking) where it is stored."""
    role_for("picking")
    b = batch(batch_id)
    custody(b, "picking")
    require(b["stored"], f"custody rule (picking): {batch_id} is not in storage")
    b["stored"] = False
    save(b)
    event("picking", event_time, b["location"], {"quantities": [qty(batch_id)]}, [batch_id])
    return batch(batch_id)


@call
def inspect(
    batch_id: str, conformant: bool, report_hash: bytes, event_time: int, certify_g: int = 0
) -> dict:
    """An inspector of the regulator inspects a batch (``report_hash``: the report's hash; the
    report stays off chain). Non-conformant holds it (no processing, label or shipping) until
    a conformant inspection; a conformant one may certify ``certify_g`` grams for labels (the
    产品检验合格证明 record, ``certs``), within what the batch has."""
    require_inspector("inspect")
    b = batch(batch_id)
    require(isinstance(report_hash, bytes) and len(report_hash) == 32, "inspection rule: a hash")
    require(is_int(certify_g) and certify_g >= 0, "inspection rule: certify_g is whole grams")
    require(conformant or certify_g == 0, "inspection rule: only a conformant inspection certifies")
    total = b["certified_g"] + certify_g
    require(
        total <= b["qty_g"],
        f"certification rule: {total} g certified exceeds the {b['qty_g']} g of {batch_id}",
    )
    result = "conformant" if conformant else "non_conformant"
    what: dict = {"quantities": [qty(batch_id)], "result": result, "report": report_hash}
    ev = event("inspecting", event_time, b["location"], what, [batch_id])
    b = batch(batch_id)
    b["hold"] = None if conformant else ev["id"]
    cert = None
    if certify_g > 0:
        cert = records.seq("cert", "JMSC-", 6)
        fields = {"batch": batch_id, "product": b["product"], "qty_g": certify_g}
        fields = {**fields, "report": report_hash.hex(), "event": ev["id"]}
        certs.record(cert, KIND, ["did:wuyi:org:" + b["org"]], fields)
        b["certified_g"] = total
        b["certificates"] = b["certificates"] + [cert]
    save(b)
    return {"event": ev["id"], "batch": b, "certificate": cert}


def expand(items):
    """``[batch ids, pallets]`` that ``items`` name (batch ids, or pallets: their batches)."""
    require(0 < len(items) <= MAX_ITEMS, f"what rule: 1-{MAX_ITEMS} batches or pallets")
    out: list = []
    pallets = []
    for x in items:
        pal = state.get("pallet/" + check_id(x, "item"))
        if pal is not None and pal["status"] == "packed":
            pallets.append(pal)
            out = out + pal["children"]
        else:
            b = batch(x)
            require(b["pallet"] is None, f"aggregation rule: {x} is on pallet {b['pallet']}")
            out.append(x)
    for i in range(len(out)):
        require(out[i] not in out[i + 1 :], f"what rule: batch {out[i]} is named twice")
    return [out, pallets]


@call
def pack(pallet_id: str, batches: list[str], event_time: int) -> dict:
    """AggregationEvent ADD: a packer puts batches its organisation holds at one site on a
    pallet (``pallet_id``, e.g. an SSCC); the pallet weighs what they weigh and moves as one."""
    role_for("packing")
    old = state.get("pallet/" + check_id(pallet_id, "pallet"))
    require(old is None or old["status"] == "unpacked", f"aggregation rule: {pallet_id} is packed")
    require(0 < len(batches) <= MAX_ITEMS, f"what rule: 1-{MAX_ITEMS} batches on a pallet")
    where = batch(batches[0])["location"]
    for i in range(len(batches)):
        require(batches[i] not in batches[i + 1 :], f"what rule: {batches[i]} is named twice")
        b = batch(batches[i])
        custody(b, "packing")
        require(b["location"] == where, "aggregation rule: the batches are at different sites")
        b["pallet"] = pallet_id
        save(b)
    total = sum([batch(x)["qty_g"] for x in batches])
    pal = {"id": pallet_id, "org": ctx.sender_org, "children": batches, "qty_g": total}
    pal = {**pal, "status": "packed", "location": where, "height": ctx.height, "time": ctx.time}
    state.set("pallet/" + pallet_id, pal)
    what: dict = {"parent": pallet_id, "children": [qty(x) for x in batches]}
    event("packing", event_time, where, what, batches)
    return pal


@call
def unpack(pallet_id: str, event_time: int) -> dict:
    """AggregationEvent DELETE: the holder of a pallet takes its batches off."""
    role_for("unpacking")
    pal = state.get("pallet/" + pallet_id)
    require(pal is not None and pal["status"] == "packed", f"aggregation rule: {pallet_id}?")
    require(pal["org"] == ctx.sender_org, f"custody rule (unpacking): held by '{pal['org']}'")
    for x in pal["children"]:
        b = batch(x)
        custody(b, "unpacking")
        require(b["status"] != "in_transit", f"custody rule (unpacking): {pallet_id} in transit")
        b["pallet"] = None
        save(b)
    pal["status"] = "unpacked"
    state.set("pallet/" + pallet_id, pal)
    what: dict = {"parent": pallet_id, "children": [qty(x) for x in pal["children"]]}
    event("unpacking", event_time, pal["location"], what, pal["children"])
    return pal


@call
def ship(items: list[str], to_org: str, carrier: str, event_time: int) -> dict:
    """The holder ships batches (or pallets) to organisation ``to_org``, carried by
    organisation ``carrier`` (``""``: its own transport). In transit only ``to_org`` receives
    them and only ``carrier``'s logistics members record transport."""
    role_for("shipping")
    check_id(to_org, "to_org")
    if carrier != "":
        check_id(carrier, "carrier")
    got = expand(items)
    where = ""
    for bid in got[0]:
        b = batch(bid)
        custody(b, "shipping")
        require(b["status"] != "in_transit", f"custody rule (shipping): {bid} is in transit")
        ok = b["hold"] is None or b["recall"] is not None
        require(ok, f"inspection rule: {bid} is on hold ({b['hold']})")
        where = b["location"]
        b["status"] = "in_transit"
        b["stored"] = False
        b["transit"] = {"from": ctx.sender_org, "to": to_org, "carrier": carrier, **stamp()}
        save(b)
    what: dict = {"quantities": [qty(x) for x in got[0]], "pallets": [x["id"] for x in got[1]]}
    what["sources"] = [{"type": "owning_party", "id": ctx.sender_org}]
    what["destinations"] = [{"type": "owning_party", "id": to_org}]
    what["carrier"] = carrier
    ev = event("shipping", event_time, where, what, got[0])
    return {"event": ev["id"], "batches": got[0]}


SENSORS = {"temperature": "decicelsius", "humidity": "permille"}


def check_sensors(sensors):
    """The temperatures among ``sensors`` ``[{type, value, time}]``, each checked."""
    require(len(sensors) <= 48, "how rule: at most 48 sensor readings")
    temps = []
    for s in sensors:
        ok = isinstance(s, dict) and sorted(s.keys()) == ["time", "type", "value"]
        require(ok, "how rule: a reading is {type, value, time}")
        require(s["type"] in SENSORS, f"how rule: a sensor is one of {', '.join(SENSORS.keys())}")
        require(is_int(s["value"]) and -1000 <= s["value"] <= 2000, "how rule: an int value")
        check_time(s["time"])
        if s["type"] == "temperature":
            temps.append(s["value"])
    return temps


@call
def transport(items: list[str], sensors: list[dict], event_time: int, read_point: str) -> dict:
    """The carrier's logistics member records batches in transit (transporting) at
    ``read_point`` (its vehicle) with sensor readings ``[{type: temperature|humidity, value
    (0.1 ℃ / 0.1 %), time (ms, claimed)}]``; a cold-chain product needs a temperature, and a
    reading above ``cold_chain_max_decicelsius`` flags the batch."""
    role_for("transporting")
    check_id(read_point, "read_point")
    temps = check_sensors(sensors)
    got = expand(items)
    limit = p("cold_chain_max_decicelsius")
    for bid in got[0]:
        b = batch(bid)
        t = b["transit"]
        carrier = (
            "nobody (not in transit)" if t is None else "'" + (t["carrier"] or t["from"]) + "'"
        )
        ok = t is not None and t["carrier"] == ctx.sender_org
        require(
            ok,
            f"custody rule (transporting): {bid} is carried by {carrier}, not '{ctx.sender_org}'",
        )
        if product(b["product"])["cold_chain"]:
            require(temps, f"cold chain rule: {bid} travels cold; record its temperature")
            hot = [x for x in temps if x > limit]
            if hot:
                flag = {"kind": "cold_chain", "max": max(hot), "limit": limit}
                b["flags"] = b["flags"] + [{**flag, "height": ctx.height, "time": ctx.time}]
                save(b)
    what: dict = {"quantities": [qty(x) for x in got[0]]}
    what["sensors"] = [{**s, "unit": SENSORS[s["type"]]} for s in sensors]
    ev = event("transporting", event_time, read_point, what, got[0])
    return {"event": ev["id"], "batches": got[0]}


@call
def receive(items: list[str], location_id: str, event_time: int) -> dict:
    """The organisation a shipment was sent to receives it at one of its sites: custody moves
    to it (an ageing product received outside the protected area stops ageing)."""
    role_for("receiving")
    loc = own_location(location_id)
    got = expand(items)
    sources: list = []
    for bid in got[0]:
        b = batch(bid)
        t = b["transit"]
        ok = b["status"] == "in_transit" and t["to"] == ctx.sender_org
        require(ok, f"custody rule (receiving): {bid} was not shipped to '{ctx.sender_org}'")
        sources = sources + ([] if t["from"] in sources else [t["from"]])
        move_custody(b, ctx.sender_org)
        b["status"] = "active"
        b["transit"] = None
        b["location"] = location_id
        save(ageing_at(b, loc, False))
    for pal in got[1]:
        state.set("pallet/" + pal["id"], {**pal, "org": ctx.sender_org, "location": location_id})
    what: dict = {"quantities": [qty(x) for x in got[0]], "pallets": [x["id"] for x in got[1]]}
    what["sources"] = [{"type": "owning_party", "id": s} for s in sources]
    what["destinations"] = [{"type": "owning_party", "id": ctx.sender_org}]
    ev = event("receiving", event_time, location_id, what, got[0])
    return {"event": ev["id"], "batches": got[0]}


# -- labels ------------------------------------------------------------------------------------


def gi_check(b, prod, label_year):
    """``[refusals, age]``: what a label of ``prod`` stating ``label_year`` on ``b`` would fail
    for its geographical indication, and the age it would state."""
    gi = prod["gi"]
    if gi == "":
        return [[] if label_year == 0 else ["label rule: no label year without ageing"], None]
    name, failed, age = GI[gi]["name"], [], None
    have = b["origin"]["varieties"]
    want = p(gi + "_varieties")
    if not have or [v for v in have if v not in want]:
        failed.append(
            f"{gi}.variety rule: {name} needs {', '.join(want)}; {b['id']} is"
            f" {', '.join(have) or 'of no known variety'}"
        )
    outside = [t for t in b["origin"]["towns"] if not in_area(gi, t)]
    if not b["origin"]["towns"] or outside:
        failed.append(
            f"{gi}.area rule: {name} comes only from plots in the protected area; {b['id']} has"
            f" {', '.join(outside) or 'no plot'} outside it"
        )
    if not GI[gi]["ageing"]:
        return [
            failed + ([] if label_year == 0 else [f"label rule: {name} has no label year"]),
            age,
        ]
    age = age_of(b, ctx.time)
    least = p(gi + "_min_age_years")
    if age is None:
        failed.append(f"{gi}.age rule: {b['id']} was never stored in the protected area")
        return [failed, age]
    if age["broken"] is not None:
        br = age["broken"]
        failed.append(f"{gi}.age rule: ageing broken ({br['reason']}, at {br['location']})")
    if age["years"] < least:
        failed.append(
            f"{gi}.age rule: {age['days']} days since {age['since']} are {age['years']} years;"
            f" {name} needs {least}"
        )
    if not least <= label_year <= age["years"]:
        failed.append(f"{gi}.age rule: label year {label_year} is not from {least} to the"
                      f" computed {age['years']}")  # fmt: skip
    return [failed, age]


def retain_until(prod, today):
    """Kept until the shelf life (from today) plus the governed months, or the governed years
    when no shelf life is stated (《食品安全法》第五十条)."""
    if prod["shelf_life_days"] > 0:
        expiry = calendar.add_days(today, prod["shelf_life_days"])
        return calendar.add_months(expiry, p("retention_after_shelf_months"))
    return calendar.add_months(today, 12 * p("retention_default_years"))


@call
def issue_labels(
    batch_id: str, count: int, package_g: int, label_year: int, event_time: int
) -> dict:
    """A packer of the holding organisation issues ``count`` label codes (``<batch>-00001``...)
    for packages of ``package_g`` grams, stating ``label_year`` (years of ageing; 0 for
    products that do not age). The grams labelled stay within the certified grams; a
    geographical indication needs the variety, plots in its protected area and, for 新会陈皮,
    the computed age. Returns the label range."""
    role_for("labelling")
    b = batch(batch_id)
    custody(b, "labelling")
    require(b["hold"] is None, f"inspection rule: {batch_id} is on hold ({b['hold']})")
    most = p("label_max_per_issue")
    require(is_int(count) and 0 < count <= most, f"label rule: 1 to {most} labels at a time")
    check_grams(package_g, "package_g")
    require(is_int(label_year) and 0 <= label_year <= 100, "label rule: label_year is 0-100")
    lab = b["labels"]
    require(lab["issues"] < MAX_LABEL_ISSUES, f"label rule: {MAX_LABEL_ISSUES} issues per batch")
    require(lab["count"] + count <= MAX_SEQ, f"label rule: at most {MAX_SEQ} codes per batch")
    grams = lab["grams"] + count * package_g
    for limit in [[b["certified_g"], "certified for"], [b["qty_g"], "in"]]:
        require(
            grams <= limit[0],
            f"label quota rule: {grams} g labelled would exceed the {limit[0]} g {limit[1]}"
            f" batch {batch_id}",
        )
    prod = product(b["product"])
    got = gi_check(b, prod, label_year)
    require(not got[0], "; ".join(got[0]))
    age, today, first = got[1], calendar.today(), lab["count"] + 1
    last = first + count - 1
    rng = {"from": first, "to": last, "package_g": package_g, "label_year": label_year}
    rng = {
        **rng,
        "first": batch_id + "-" + records.pad(first, 5),
        "last": batch_id + "-" + records.pad(last, 5),
    }
    rng = {**rng, "age_days": None if age is None else age["days"], "gi": prod["gi"]}
    rng = {**rng, "on": today, "retain_until": retain_until(prod, today), **stamp()}
    what: dict = {"quantities": [{"batch": batch_id, "qty_g": count * package_g}], "count": count}
    what["codes"] = [rng["first"], rng["last"]]
    rng["event"] = event("labelling", event_time, b["location"], what, [batch_id])["id"]
    b = batch(batch_id)
    state.set("label/" + batch_id + "/" + records.pad(lab["issues"], 3), rng)
    b["labels"] = {"issues": lab["issues"] + 1, "count": last, "grams": grams}
    b["retain_until"] = rng["retain_until"]
    save(b)
    emit("LabelsIssued", batch=batch_id, first=rng["first"], last=rng["last"], year=label_year)
    return rng


@view
def label_check(batch_id: str, label_year: int) -> dict:
    """What a label stating ``label_year`` on the batch would fail now, its age, and the
    certified grams not labelled yet (the packer's page shows it before issuing)."""
    b = batch(batch_id)
    got = gi_check(b, product(b["product"]), label_year)
    left = max(0, b["certified_g"] - b["labels"]["grams"])
    return {"failed": got[0], "age": got[1], "certified_left_g": left}


@view
def code(code: str) -> dict:
    """A label code: its batch, number and label range (label year, age, retention)."""
    ok = isinstance(code, str) and len(code) > 8 and code[-6] == "-" and code[-5:].isdigit()
    require(ok, f"label rule: '{code}' is not a label code (<batch>-00001)")
    bid, n = code[:-6], int(code[-5:])
    require(state.has("batch/" + bid), f"label rule: no label '{code}' (no batch {bid})")
    for kv in state.range("label/" + bid + "/", MAX_LABEL_ISSUES):
        if kv[1]["from"] <= n <= kv[1]["to"]:
            return {"code": code, "batch": bid, "n": n, "label": kv[1]}
    require(False, f"label rule: no label '{code}' was issued")
    return {}


@call
def sell(batch_id: str, count: int, event_time: int) -> dict:
    """A retailer of the holding organisation records ``count`` labelled packages sold."""
    role_for("retail_selling")
    b = batch(batch_id)
    custody(b, "retail_selling")
    left = b["labels"]["count"] - b["sold"]
    require(is_int(count) and 0 < count <= left, f"sale rule: {left} labelled packages unsold")
    b["sold"] = b["sold"] + count
    save(b)
    what: dict = {"quantities": [qty(batch_id)], "count": count}
    event("retail_selling", event_time, b["location"], what, [batch_id])
    return batch(batch_id)


# -- scans: counted off chain by the public page's node, anchored here by a member -------------


def add_scans(it, most_count, most_cities):
    """Add one anchored item ``{code, city, count}``; True if it raised a new signal."""
    city, n = it["city"], it["count"]
    ok = isinstance(city, str) and len(city) == 4 and city.isdigit()
    require(ok, "scan rule: city is a 4-digit city code (0000: unknown)")
    require(is_int(n) and 0 < n <= 100000, "scan rule: count is 1-100000")
    c = code(it["code"])
    rec = state.get("scan/" + it["code"])
    if rec is None:
        rec = {"code": it["code"], "batch": c["batch"], "count": 0, "cities": {}}
        rec = {**rec, "first": ctx.time, "signal": None}
    rec["count"] = rec["count"] + n
    if city in rec["cities"] or len(rec["cities"]) < 64:
        rec["cities"][city] = rec["cities"].get(city, 0) + n
    rec["last"] = ctx.time
    known = len([x for x in rec["cities"] if x != "0000"])
    why = ([] if rec["count"] <= most_count else ["count"]) + (
        [] if known <= most_cities else ["cities"]
    )
    new = bool(why) and rec["signal"] is None
    if new:
        rec["signal"] = {"reasons": why, "count": rec["count"], "cities": known, **stamp()}
        state.set("signal/" + it["code"], 1)
        emit("CounterfeitSignal", code=it["code"], batch=c["batch"], reasons=why)
    state.set("scan/" + it["code"], rec)
    return new


@call
def record_scans(anchor: str, items: list[dict]) -> dict:
    """A ``scan_recorder`` of an organisation in ``scan_recorder_orgs`` anchors the scans its
    public page's node counted since its last anchor: ``anchor`` (the node's batch id, once),
    ``items`` ``[{code, city, count}]`` (``city``: the 4-digit city code the scanner claimed,
    ``0000`` unknown). A code scanned more than ``scan_max_count`` times or in more than
    ``scan_max_cities`` cities raises a counterfeit signal."""
    orgs = p("scan_recorder_orgs")
    ok = ctx.sender_org in orgs and "scan_recorder" in ctx.sender_roles
    require(ok, f"role rule (record_scans): only a scan_recorder of {', '.join(orgs)}")
    check_ref(anchor, "anchor")
    require(not state.has("anchor/" + anchor), f"scan rule: anchor {anchor} is recorded already")
    most = p("scan_items_max")
    require(0 < len(items) <= most, f"scan rule: 1-{most} items per anchor")
    most_count, most_cities = p("scan_max_count"), p("scan_max_cities")
    signals = []
    for it in items:
        ok = isinstance(it, dict) and sorted(it.keys()) == ["city", "code", "count"]
        require(ok, "scan rule: an item is {code, city, count}")
        if add_scans(it, most_count, most_cities):
            signals.append(it["code"])
    total = sum([it["count"] for it in items])
    state.set("anchor/" + anchor, {"items": len(items), "scans": total, **stamp()})
    emit("ScansAnchored", anchor=anchor, items=len(items), scans=total)
    return {"anchor": anchor, "scans": total, "signals": signals}


# -- recalls -----------------------------------------------------------------------------------


def descendants(root):
    """``root`` and every batch made from it, breadth first (at most 500)."""
    out = [root]
    i = 0
    while i < len(out):
        prefix = "child/" + out[i] + "/"
        for kv in state.range(prefix, 1000):
            c = kv[0][len(prefix) :]
            if c not in out:
                out.append(c)
        require(len(out) <= 500, "recall rule: more than 500 descendant batches")
        i += 1
    return out


def recall_rec(recall_id):
    return records.load("recall/" + recall_id, f"recall rule: no recall '{recall_id}'")


def producer_admin(r, what):
    who = r["producer"]
    ok = ctx.sender_org == who and "admin" in ctx.sender_roles
    require(ok, f"role rule (recall): only an admin of the producer '{who}' {what} it")


@call
def order_recall(batch_id: str, level: int, reason: str) -> dict:
    """A recall of a batch and every batch made from it (``reached``): ordered by an inspector
    of the regulator (责令召回) or by an admin of the batch's producer (主动召回). ``level`` 1-3
    fixes the deadlines: start within ``recall_start_hours``, finish within
    ``recall_finish_days`` working days of the start's date. ``reason``: a code (e.g. a test
    report's number). ``batches``: those that still hold something (not consumed into
    others): each is reported recovered before the recall completes."""
    b = batch(batch_id)
    kind = "ordered" if is_inspector() else "voluntary"
    if kind == "voluntary":
        producer_admin({"producer": b["producer"]}, "or an inspector orders")
    require(level in [1, 2, 3], "recall rule: level is 1, 2 or 3")
    check_ref(reason, "reason")
    require(b["recall"] is None, f"recall rule: {batch_id} is under recall {b['recall']}")
    reach = descendants(batch_id)
    rid = records.seq("recall", "RC", 5)
    hours = p("recall_start_hours")[str(level)]
    rec = {"id": rid, "batch": batch_id, "producer": b["producer"], "level": level}
    rec = {**rec, "kind": kind, "reason": reason, "ordered": stamp(), "start_hours": hours}
    rec = {**rec, "start_due": ctx.time + hours * 3600000, "status": "ordered", "alerts": []}
    rec = {**rec, "finish_days": p("recall_finish_days")[str(level)], "finish_due": None}
    rec = {**rec, "started": None, "completed": None, "reached": reach, "recovered": {}}
    left = []  # the batches that still hold something: each holder reports its recovery
    for x in reach:
        xb = batch(x)
        if xb["recall"] is None:
            xb["recall"] = rid
            save(xb)
        if xb["status"] != "consumed":
            left.append(x)
    rec["batches"] = left
    state.set("recall/" + rid, rec)
    emit("RecallOrdered", recall=rid, batch=batch_id, level=level, kind=kind, batches=len(reach))
    return rec


@call
def start_recall(recall_id: str, notice_hash: bytes) -> dict:
    """An admin of the producer starts the recall with its public notice (``notice_hash``);
    the finish deadline is ``finish_days`` working days after the start's date."""
    r = recall_rec(recall_id)
    producer_admin(r, "starts")
    require(r["status"] == "ordered", f"recall rule: recall {recall_id} is {r['status']}")
    require(isinstance(notice_hash, bytes) and len(notice_hash) == 32, "recall rule: a hash")
    today = calendar.today()
    r["started"] = {**stamp(), "date": today, "notice": notice_hash}
    r["started"]["late"] = ctx.time > r["start_due"]
    r["finish_due"] = calendar.add_working_days(today, r["finish_days"], p("holidays"))
    r["status"] = "started"
    state.set("recall/" + recall_id, r)
    emit("RecallStarted", recall=recall_id, finish_due=r["finish_due"], late=r["started"]["late"])
    return r


@call
def report_recovered(recall_id: str, batch_id: str, qty_g: int, event_time: int) -> dict:
    """The holder of a recalled batch reports what it recovered (holding, disposition
    recalled); when every batch of the recall is reported the producer completes it."""
    r = recall_rec(recall_id)
    require(r["status"] == "started", f"recall rule: recall {recall_id} is {r['status']}")
    require(batch_id in r["batches"], f"recall rule: {batch_id} is not in recall {recall_id}")
    require(batch_id not in r["recovered"], f"recall rule: {batch_id} is reported already")
    b = batch(batch_id)
    custody(b, "recovering")
    require(is_int(qty_g) and 0 <= qty_g <= b["qty_g"], f"recall rule: 0-{b['qty_g']} g back")
    what: dict = {"quantities": [{"batch": batch_id, "qty_g": qty_g}], "recall": recall_id}
    ev = event("recovering", event_time, b["location"], what, [batch_id])
    r["recovered"][batch_id] = {"qty_g": qty_g, "event": ev["id"], **stamp()}
    state.set("recall/" + recall_id, r)
    return r


@call
def complete_recall(recall_id: str) -> dict:
    """An admin of the producer completes the recall once every batch is reported; the
    working days past the finish deadline (0 if on time) are recorded."""
    r = recall_rec(recall_id)
    producer_admin(r, "completes")
    require(r["status"] == "started", f"recall rule: recall {recall_id} is {r['status']}")
    left = [x for x in r["batches"] if x not in r["recovered"]]
    require(not left, f"recall rule: not reported yet: {', '.join(left)}")
    today = calendar.today()
    late = calendar.working_days_between(r["finish_due"], today, p("holidays"))
    r["completed"] = {**stamp(), "date": today, "late_days": late}
    r["status"] = "completed"
    state.set("recall/" + recall_id, r)
    emit("RecallCompleted", recall=recall_id, late_days=late)
    return r


def overdue(r):
    """What of recall ``r`` is overdue now: ``start`` (not started by its due time),
    ``finish`` (started, not completed by its due date)."""
    out = []
    if r["status"] == "ordered" and ctx.time > r["start_due"]:
        out.append("start")
    if r["status"] == "started" and calendar.today() > r["finish_due"]:
        out.append("finish")
    return out


@view
def recall(recall_id: str) -> dict:
    """A recall, with what is overdue at the latest block and its start deadline's date."""
    r = recall_rec(recall_id)
    return {**r, "overdue": overdue(r), "start_due_date": date_of(r["start_due"])}


@call
def flag_overdue(recall_id: str) -> dict:
    """Any member records what of a recall is overdue as an alert to the regulator (once per
    kind)."""
    r = recall_rec(recall_id)
    late = [k for k in overdue(r) if k not in r["alerts"]]
    require(late, f"recall rule: nothing of recall {recall_id} is overdue and unflagged now")
    for k in late:
        state.set("alert/" + recall_id + "-" + k, {"recall": recall_id, "kind": k, **stamp()})
        emit("RecallOverdue", recall=recall_id, kind=k)
    r["alerts"] = r["alerts"] + late
    state.set("recall/" + recall_id, r)
    return r


# -- reads -------------------------------------------------------------------------------------


@view
def batch_info(batch_id: str) -> dict:
    """A batch with its age now (days and years since the recorded first storage-in)."""
    b = batch(batch_id)
    return {**b, "age": age_of(b, ctx.time)}


@view
def lineage(batch_id: str) -> dict:
    """A batch's ancestors (up to 200) and descendants."""
    up = [batch(batch_id)["id"]]
    i = 0
    while i < len(up) and len(up) < 200:
        up = up + [x for x in batch(up[i])["parents"] if x not in up]
        i += 1
    return {"ancestors": up[1:], "descendants": descendants(batch_id)[1:]}
