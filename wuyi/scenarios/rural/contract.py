"""农村产权交易 rural property-rights trading (scenario 9): listings backed by a collective's
resolution or a farmer's filed authorisation, a notice period, sealed bids (commit, then reveal)
by qualified bidders with deposits, the award (a tie to the collective's member, then the
earliest bid), 流拍 and relisting, the eight-clause contract, payments, refunds, the announcement.
Actors and rules: README.md. Commitment: hash of "<contract>/bid/<listing>/<bidder>/<fen>/<salt
hex>". No personal data: DIDs, codes, hashes, amounts, areas, dates.
"""

import string
from typing import Any

from wuyi.contract import call, ctx, emit, hash, presentation, require, revert, state, view
from wuyi.contract.lib import calendar, certs, checks, money, records
from wuyi.contract.lib import params as governed

ROLES = ["registrar", "reviewer", "clearing", "issuer", "bidder", "collective"]
MEM = " [mem] 未核对原文 / not checked against the text"
DEMO = "演示值 / demo value"
VILLAGE_LAW = "《村民委员会组织法》"
CONTRACT_LAW = "《农村土地承包法》"
LAND_LAW = "《土地管理法》"
# fmt: off
PARAMS = {
    "quorum_assembly_members": {"kind": "text", "max_len": 9, "default": ">1/2", "basis":
        "村民会议须有本村十八周岁以上村民的过半数参加（" + VILLAGE_LAW + "第二十二条）" + MEM},
    "quorum_assembly_households": {"kind": "text", "max_len": 9, "default": ">=2/3", "basis":
        "或本村三分之二以上的户的代表参加（" + VILLAGE_LAW + "第二十二条）" + MEM},
    "quorum_representatives": {"kind": "text", "max_len": 9, "default": ">=2/3", "basis":
        "村民代表会议有三分之二以上的组成人员参加方可召开（" + VILLAGE_LAW + "第二十六条）" + MEM},
    "pass_attendees": {"kind": "text", "max_len": 9, "default": ">1/2", "basis":
        "决定经到会人员的过半数通过；处分村集体财产由村民会议决定（" + VILLAGE_LAW
        + "第二十二条、第二十四条）" + MEM},
    "consent_land": {"kind": "text", "max_len": 9, "default": ">=2/3", "basis":
        "集体经营性建设用地出让、出租，四荒地发包给本集体以外的单位或个人：经村民会议三分之二"
        "以上成员或者三分之二以上村民代表同意（" + LAND_LAW + "第六十三条；" + CONTRACT_LAW
        + "第五十二条）" + MEM},
    "resolution_valid_days": {"kind": "int", "min": 1, "max": 3650, "default": 180, "basis":
        "表决结果用于挂牌的有效期（日）" + MEM + "；" + DEMO},
    "notice_working_days": {"kind": "int", "min": 0, "max": 60, "default": 10, "basis":
        "挂牌公告期（工作日），期满方可竞价（粤农交平台交易规则；天数未核实）" + MEM},
    "min_bid_minutes": {"kind": "int", "min": 0, "max": 43200, "default": 1440, "basis":
        "密封报价期最短时长（分钟）" + MEM + "；" + DEMO},
    "min_reveal_minutes": {"kind": "int", "min": 0, "max": 43200, "default": 1440, "basis":
        "揭示报价期最短时长（分钟）" + MEM + "；" + DEMO},
    "max_deposit_pct": {"kind": "int", "min": 1, "max": 100, "default": 20, "basis":
        "交易保证金上限（占年度底价的百分比；粤农交保证金制度）" + MEM},
    "forfeit_unrevealed": {"kind": "bool", "default": True, "basis":
        "密封报价而未在揭示期内揭示者，保证金不予退还（粤农交保证金制度）" + MEM},
    "agri_uses": {"kind": "codes", "min_items": 1, "default": ["crop", "vegetable", "orchard",
        "tea", "aquaculture", "livestock", "forestry", "facility"], "basis":
        "土地经营权流转不得改变土地的农业用途（" + CONTRACT_LAW + "第三十八条第二项；" + LAND_LAW
        + "第四条）"},
    "construction_uses": {"kind": "codes", "min_items": 1, "default": ["industrial",
        "commercial", "warehouse", "tourism"], "basis":
        "集体经营性建设用地：工业、商业等经营性用途（" + LAND_LAW + "第六十三条）" + MEM},
    "asset_uses": {"kind": "codes", "min_items": 1, "default": ["warehouse", "shop", "office",
        "workshop", "processing", "tourism"], "basis":
        "集体经营性资产出租、承包经营的用途（《广东省农村集体资产管理条例》）" + MEM},
    "social_capital_mu": {"kind": "int", "min": 0, "max": 10**9, "default": 5000, "basis":
        "社会资本流转土地经营权须经资格审查、项目审核的面积（0.01 亩；" + CONTRACT_LAW
        + "第四十五条，面积由县级以上地方政府规定）" + MEM + "；" + DEMO},
    "registration_years": {"kind": "int", "min": 1, "max": 100, "default": 5, "basis":
        "流转期限为五年以上的土地经营权可以向登记机构申请登记（" + CONTRACT_LAW + "第四十一条）"},
    "holidays": {"kind": "holidays", "default": calendar.CN_HOLIDAYS, "basis":
        "国务院办公厅节假日安排（见各年条目）"},
}
# fmt: on
RATIO_PARAMS = [
    "quorum_assembly_members",
    "quorum_assembly_households",
    "quorum_representatives",
    "pass_attendees",
    "consent_land",
]
ASSET_KINDS = ["contract_land", "four_wastes", "construction_land", "collective_asset"]
AGRI_KINDS = ["contract_land", "four_wastes"]
LAND_MEETINGS = ["assembly_members", "representatives"]
MEETINGS = ["assembly_members", "assembly_households", "representatives"]
ROLL_OF = {
    "assembly_members": "members",
    "assembly_households": "households",
    "representatives": "representatives",
}
QUORUM_OF = {
    "assembly_members": "quorum_assembly_members",
    "assembly_households": "quorum_assembly_households",
    "representatives": "quorum_representatives",
}
PAYMENT_METHODS = ["annual_in_advance", "semiannual", "lump_sum"]
STATUSES = ["published", "withdrawn", "failed", "awarded", "contracted", "announced"]
ENDED = ["withdrawn", "failed", "awarded", "contracted", "announced"]
MEMBER_TYPE = "CollectiveMemberCredential"
MEMBER_CLAIMS = ["collective_code"]
CERT_KIND = "农村产权交易鉴证书"
CODE_CHARS = string.ascii_uppercase + string.digits + "-"
ID_CHARS = string.ascii_letters + string.digits + "-"
DAY_MS = 86400000
CST_MS = 8 * 3600000
MAX_SPAN_MS = 400 * DAY_MS
MAX_BIDDERS = 200
MAX_YEARS = 70
MIN_SALT = 16
MAX_SALT = 64


# -- configuration and parameters --


@call
def init(params: dict | None = None, exchange: str = "ncjy", bureau: str = "nyj") -> None:
    """The parameters at their defaults (``params`` may override some), the exchange and the
    bureau (organisation ids)."""
    for name in RATIO_PARAMS:
        if params is not None and name in params:
            parse_ratio(params[name], name)
    governed.init(PARAMS, params)
    state.set("cfg", {"exchange": exchange, "bureau": bureau})


def cfg():
    return state.get("cfg")


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of the bureau (农业农村局) change a parameter, in force from the next block, on
    record with author, reason and (if it changed) legal basis."""
    bureau = cfg()["bureau"]
    require(
        ctx.sender_org == bureau,
        f"param rule: only admins of '{bureau}' (农业农村局) change the rural trading rules",
    )
    if name in RATIO_PARAMS:
        parse_ratio(value, name)
    return governed.change(PARAMS, name, value, reason, basis)


@view
def param(name: str) -> dict:
    """``{name, value, record}`` of a parameter."""
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    """Every change of a parameter, oldest first, with author, reason and legal basis."""
    return governed.history(name)


def parse_ratio(text, name):
    """``[op, a, b]`` of a ratio text ``>1/2`` or ``>=2/3``."""
    ok = isinstance(text, str)
    op = ""
    if ok and text.startswith(">="):
        op = ">="
    elif ok and text.startswith(">"):
        op = ">"
    parts = text[len(op) :].split("/") if ok and op != "" else []
    ok = len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit()
    ok = ok and len(parts[0]) <= 3 and len(parts[1]) <= 3
    require(
        ok and 0 < int(parts[0]) <= int(parts[1]),
        f"param rule: '{name}' is a ratio like '>1/2' (more than half) or '>=2/3' (two thirds"
        " or more)",
    )
    return [op, int(parts[0]), int(parts[1])]


def ratio(name):
    return parse_ratio(governed.value(name), name)


def meets(count, total, r):
    """Whether ``count`` out of ``total`` satisfies ratio ``r``."""
    if r[0] == ">":
        return count * r[2] > total * r[1]
    return count * r[2] >= total * r[1]


def ratio_text(r):
    return ("more than " if r[0] == ">" else "at least ") + str(r[1]) + "/" + str(r[2])


# -- small checks --


def check_code(value, what, lo, hi, chars):
    kinds = "A-Z 0-9 -" if chars == CODE_CHARS else "letters, digits, -"
    require(
        isinstance(value, str) and lo <= len(value) <= hi and all([c in chars for c in value]),
        f"{what} must be {lo}-{hi} characters of {kinds}",
    )
    return value


def whole(value, lo, hi, what):
    require(
        isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi,
        f"{what} must be a whole number from {lo} to {hi}",
    )
    return value


def check_count(value, what):
    return whole(value, 0, 10**7, what)


def day_of(ms):
    """The date (China Standard Time) of block time ``ms``."""
    return calendar.format_day((ms + CST_MS) // DAY_MS)


def acts_for(did, roles):
    """Whether the sender acts for ``did``: its DID key, or, for an organisation DID, a member of
    that organisation holding one of ``roles`` (or an admin)."""
    if did is None:
        return False
    if ctx.sender_did is not None and ctx.sender_did == did:
        return True
    if ctx.sender_org is not None and did == checks.org_did(ctx.sender_org):
        return any([r in ctx.sender_roles for r in [*roles, "admin"]])
    return False


def as_org(org, role, what):
    require(
        ctx.sender_org == org and role in ctx.sender_roles,
        f"role rule: only members of '{org}' with the role {role} {what}",
    )


def as_bureau(role, what):
    as_org(cfg()["bureau"], role, what)


def as_exchange(role, what):
    as_org(cfg()["exchange"], role, what)


# -- collectives and assets (农业农村局) --


def load_collective(code):
    return records.load("collective/" + code, f"collective rule: no collective '{code}'")


def check_roll(members, households, representatives):
    check_count(members, "roll rule: members")
    check_count(households, "roll rule: households")
    check_count(representatives, "roll rule: representatives")
    require(
        0 < households <= members and 0 < representatives <= members,
        "roll rule: a roll has members, and at most as many households and representatives",
    )


def new_roll(members, households, representatives, roll_hash, rule):
    """A member roll (counts and hash) of a collective, checked; ``rule`` names the refusal
    of a bad hash."""
    check_roll(members, households, representatives)
    checks.check_hash(roll_hash, rule + ": roll_hash")
    return {
        "members": members,
        "households": households,
        "representatives": representatives,
        "hash": roll_hash,
        "height": ctx.height,
    }


@call(roles=["registrar"])
def register_collective(
    code: str,
    village: str,
    town: str,
    district: str,
    did: str,
    members: int,
    households: int,
    representatives: int,
    roll_hash: bytes,
) -> dict:
    """农业农村局 registers a collective: code, village, town, district, the DID it acts
    with, and its member roll (counts and hash): the denominators of its resolutions."""
    as_bureau("registrar", "register collectives")
    check_code(code, "collective rule: code", 6, 32, CODE_CHARS)
    require(not state.has("collective/" + code), f"collective rule: '{code}' is registered")
    checks.check_text(village, "collective rule: village", 32, blank=False)
    checks.check_text(town, "collective rule: town", 32, blank=False)
    require(
        isinstance(district, str) and len(district) == 6 and district.isdigit(),
        "collective rule: district is a 6-digit code",
    )
    checks.check_did(did, "collective rule: did")
    require(
        not state.has("collective_of/" + did),
        f"collective rule: {did} already acts for collective {state.get('collective_of/' + did)}",
    )
    roll = new_roll(members, households, representatives, roll_hash, "collective rule")
    c = {
        "code": code,
        "village": village,
        "town": town,
        "district": district,
        "did": did,
        "roll": roll,
        "rolls": [roll],
        "by": ctx.sender,
        "height": ctx.height,
    }
    state.set("collective/" + code, c)
    state.set("collective_of/" + did, code)
    emit("CollectiveRegistered", collective=code, town=town, district=district)
    return c


@call(roles=["registrar"])
def update_roll(
    code: str, members: int, households: int, representatives: int, roll_hash: bytes
) -> dict:
    """农业农村局 records a new member roll (counts and hash) of a collective; earlier rolls
    are kept."""
    as_bureau("registrar", "record member rolls")
    c = load_collective(code)
    roll = new_roll(members, households, representatives, roll_hash, "roll rule")
    c["roll"] = roll
    c["rolls"].append(roll)
    state.set("collective/" + code, c)
    emit("RollUpdated", collective=code)
    return c


def load_asset(asset_id):
    return records.load("asset/" + asset_id, f"asset rule: no asset '{asset_id}'")


def check_use(kind, use, rule):
    if kind in AGRI_KINDS:
        uses = governed.value("agri_uses")
        require(
            use in uses,
            f"{rule} (农业用途, 《农村土地承包法》第三十八条): '{use}' is not an agricultural use"
            f" (param agri_uses: {', '.join(uses)})",
        )
    elif kind == "construction_land":
        uses = governed.value("construction_uses")
        require(
            use in uses,
            f"{rule}: '{use}' is not a use of collective construction land (param"
            f" construction_uses: {', '.join(uses)})",
        )
    else:
        uses = governed.value("asset_uses")
        require(
            use in uses,
            f"{rule}: '{use}' is not a use of a collective asset (param asset_uses:"
            f" {', '.join(uses)})",
        )


@call(roles=["registrar"])
def register_asset(
    asset_id: str,
    collective: str,
    kind: str,
    name: str,
    location: str,
    area: int,
    use: str,
    grade: int = 0,
    contractor: str | None = None,
    contract_end: str | None = None,
    cert_hash: bytes | None = None,
) -> dict:
    """农业农村局 registers an asset: contracted land (contractor's DID, contract end, hash
    of its 承包经营权证), 四荒地, construction land or a collective asset; area in 0.01 亩."""
    as_bureau("registrar", "register rural assets")
    check_code(asset_id, "asset rule: id", 6, 40, ID_CHARS)
    require(not state.has("asset/" + asset_id), f"asset rule: '{asset_id}' is registered")
    load_collective(collective)
    require(kind in ASSET_KINDS, f"asset rule: kind is one of {', '.join(ASSET_KINDS)}")
    checks.check_text(name, "asset rule: name", 40, blank=False)
    checks.check_text(location, "asset rule: location", 120, blank=False)
    whole(area, 1, 10**9, "asset rule: area (0.01 亩)")
    whole(grade, 0, 10, "asset rule: grade (0: none)")
    check_use(kind, use, "asset rule")
    if kind == "contract_land":
        checks.check_did(contractor, "asset rule: contracted land names the contractor's DID")
        require(
            contract_end is not None,
            "asset rule: contracted land names the end of its contract term (contract_end)",
        )
        calendar.parse(contract_end)
        checks.check_hash(cert_hash, "asset rule: cert_hash (土地承包经营权证)")
    else:
        require(
            contractor is None and contract_end is None and cert_hash is None,
            "asset rule: only contracted land has a contractor, a contract term and a certificate",
        )
    a = {
        "id": asset_id,
        "collective": collective,
        "kind": kind,
        "name": name,
        "location": location,
        "area": area,
        "grade": grade,
        "use": use,
        "contractor": contractor,
        "contract_end": contract_end,
        "cert_hash": cert_hash,
        "listing": None,
        "leases": [],
        "by": ctx.sender,
        "height": ctx.height,
    }
    state.set("asset/" + asset_id, a)
    if contractor is not None:
        state.set("held/" + contractor + "/" + asset_id, ctx.height)
    emit("AssetRegistered", asset=asset_id, collective=collective, kind=kind)
    return a


# -- the sources of a listing: a farmer's filed authorisation, a collective's resolution --


@call(public=True)
def authorise_transfer(asset_id: str, min_annual: int, max_years: int) -> dict:
    """The contracting farmer (its DID on the land's record) authorises a transfer: a
    floor (fen a year) and the longest term (第三十六条); the collective files it."""
    a = load_asset(asset_id)
    require(
        a["kind"] == "contract_land",
        f"authorisation rule: '{asset_id}' is {a['kind']}; the collective's resolution lists it",
    )
    require(
        ctx.sender_did is not None and ctx.sender_did == a["contractor"],
        f"authorisation rule (第三十六条): only the contractor of '{asset_id}', signing with the"
        " DID on the land's record, authorises its transfer",
    )
    money.positive(min_annual, "authorisation rule: min_annual")
    whole(max_years, 1, MAX_YEARS, "authorisation rule: max_years")
    auth_id = records.seq("auth", "AU-")
    auth = {
        "id": auth_id,
        "asset": asset_id,
        "collective": a["collective"],
        "contractor": a["contractor"],
        "min_annual": min_annual,
        "max_years": max_years,
        "height": ctx.height,
        "time": ctx.time,
        "filed": None,
        "status": "authorised",
    }
    state.set("auth/" + auth_id, auth)
    emit("TransferAuthorised", authorisation=auth_id, asset=asset_id)
    return auth


def load_auth(auth_id):
    return records.load("auth/" + auth_id, f"authorisation rule: no authorisation '{auth_id}'")


@call(public=True)
def file_authorisation(auth_id: str) -> dict:
    """The collective (发包方) records the filing (备案) of a farmer's authorisation."""
    auth = load_auth(auth_id)
    c = load_collective(auth["collective"])
    require(
        acts_for(c["did"], ["collective"]),
        f"authorisation rule (备案, 第三十六条): only collective {c['code']} (its DID"
        f" {c['did']}) files the authorisations of its contractors",
    )
    require(
        auth["status"] == "authorised",
        f"authorisation rule: '{auth_id}' is {auth['status']}",
    )
    auth["filed"] = {"by": ctx.sender, "did": c["did"], "height": ctx.height, "time": ctx.time}
    auth["status"] = "filed"
    state.set("auth/" + auth_id, auth)
    emit("AuthorisationFiled", authorisation=auth_id, collective=c["code"])
    return auth


@call(public=True)
def record_resolution(
    asset_id: str,
    meeting_kind: str,
    eligible: int,
    attended: int,
    yes: int,
    minutes_hash: bytes,
    held_on: str,
    min_annual: int,
    max_years: int,
    use: str,
) -> dict:
    """The collective records a meeting's resolution to transfer an asset: counts (the
    roll's denominator is checked, attendance and votes are its word), minutes hash, floor, term,
    use. Checked: the quorum; two thirds of all for land (consent_land), else a majority of
    those present (pass_attendees)."""
    a = load_asset(asset_id)
    require(
        a["kind"] != "contract_land",
        f"resolution rule: '{asset_id}' is contracted land; its contractor authorises the transfer",
    )
    c = load_collective(a["collective"])
    require(
        acts_for(c["did"], ["collective"]),
        f"resolution rule: only collective {c['code']} (its DID {c['did']}) records its"
        " resolutions",
    )
    kinds = LAND_MEETINGS if a["kind"] in ["construction_land", "four_wastes"] else MEETINGS
    require(
        meeting_kind in kinds,
        f"resolution rule: a {a['kind']} resolution is taken by one of {', '.join(kinds)}",
    )
    check_count(eligible, "resolution rule: eligible")
    check_count(attended, "resolution rule: attended")
    check_count(yes, "resolution rule: yes")
    roll = ROLL_OF[meeting_kind]
    require(
        eligible == c["roll"][roll],
        f"resolution rule (成员名册): {meeting_kind} counts the {c['roll'][roll]} {roll} of the"
        f" registered roll, not {eligible}",
    )
    require(
        yes <= attended <= eligible,
        "resolution rule: votes in favour ≤ attendance ≤ those entitled",
    )
    checks.check_hash(minutes_hash, "resolution rule: minutes_hash")
    today = calendar.today()
    require(
        calendar.parse(held_on) <= calendar.parse(today),
        f"resolution rule: the meeting of {held_on} has not been held yet ({today})",
    )
    money.positive(min_annual, "resolution rule: min_annual")
    whole(max_years, 1, MAX_YEARS, "resolution rule: max_years")
    check_use(a["kind"], use, "resolution rule")
    q = ratio(QUORUM_OF[meeting_kind])
    require(
        meets(attended, eligible, q),
        f"quorum rule ({QUORUM_OF[meeting_kind]}, 《村民委员会组织法》第二十二条、第二十六条):"
        f" {attended} of {eligible} attended; the meeting needs {ratio_text(q)}",
    )
    if a["kind"] in ["construction_land", "four_wastes"]:
        r = ratio("consent_land")
        require(
            meets(yes, eligible, r),
            f"two-thirds rule (consent_land, 《土地管理法》第六十三条): {yes} of {eligible}"
            f" agreed; {a['kind']} needs {ratio_text(r)} of all {roll}",
        )
        rule = "consent_land"
    else:
        r = ratio("pass_attendees")
        require(
            meets(yes, attended, r),
            f"majority rule (pass_attendees, 《村民委员会组织法》第二十二条): {yes} of"
            f" {attended} present agreed; the decision needs {ratio_text(r)} of those present",
        )
        rule = "pass_attendees"
    res_id = records.seq("resolution", "RS-")
    res = {
        "id": res_id,
        "asset": asset_id,
        "collective": c["code"],
        "meeting_kind": meeting_kind,
        "eligible": eligible,
        "attended": attended,
        "yes": yes,
        "minutes_hash": minutes_hash,
        "held_on": held_on,
        "min_annual": min_annual,
        "max_years": max_years,
        "use": use,
        "claimed_by": c["did"],
        "checked": {
            "roll": roll,
            "quorum": QUORUM_OF[meeting_kind],
            "quorum_ratio": governed.value(QUORUM_OF[meeting_kind]),
            "threshold": rule,
            "threshold_ratio": governed.value(rule),
        },
        "by": ctx.sender,
        "height": ctx.height,
        "time": ctx.time,
        "status": "valid",
    }
    state.set("resolution/" + res_id, res)
    emit("ResolutionRecorded", resolution=res_id, asset=asset_id, collective=c["code"])
    return res


def load_resolution(res_id):
    return records.load("resolution/" + res_id, f"resolution rule: no resolution '{res_id}'")


# -- listings (the exchange) --


def load_listing(listing_id):
    return records.load("listing/" + listing_id, f"listing rule: no listing '{listing_id}'")


def save_listing(x):
    state.set("listing/" + x["id"], x)


def phase_of(x, now):
    """What a listing is doing at block time ``now``: its status, or for a published one
    ``notice``, ``bidding``, ``revealing`` or ``closed`` (waiting for the award)."""
    if x["status"] != "published":
        return x["status"]
    if now < x["bid_open"]:
        return "notice"
    if now < x["bid_close"]:
        return "bidding"
    if now < x["reveal_close"]:
        return "revealing"
    return "closed"


def source_of(a, source_id):
    """The authorisation or resolution behind a listing of ``a``: ``{kind, id, min_annual,
    max_years, use}``."""
    if a["kind"] == "contract_land":
        auth = load_auth(source_id)
        require(
            auth["asset"] == a["id"],
            f"listing rule: authorisation {source_id} is for '{auth['asset']}'",
        )
        require(
            auth["status"] == "filed",
            f"listing rule (备案, 《农村土地承包法》第三十六条): authorisation {source_id} is"
            f" {auth['status']}; the farmer's authorisation must be filed with the collective",
        )
        return {
            "kind": "authorisation",
            "id": source_id,
            "min_annual": auth["min_annual"],
            "max_years": auth["max_years"],
            "use": None,
            "by": auth["contractor"],
        }
    res = load_resolution(source_id)
    require(
        res["asset"] == a["id"], f"listing rule: resolution {source_id} is for '{res['asset']}'"
    )
    require(
        res["status"] == "valid",
        f"listing rule: resolution {source_id} is {res['status']}",
    )
    days = governed.value("resolution_valid_days")
    last = calendar.add_days(res["held_on"], days)
    require(
        calendar.parse(calendar.today()) <= calendar.parse(last),
        f"listing rule (resolution_valid_days): the resolution of {res['held_on']} served"
        f" until {last}; the collective votes again",
    )
    return {
        "kind": "resolution",
        "id": source_id,
        "min_annual": res["min_annual"],
        "max_years": res["max_years"],
        "use": res["use"],
        "by": res["claimed_by"],
    }


def check_windows(bid_open, bid_close, reveal_close):
    """Notice period, bid window and reveal window (block times, ms)."""
    named = [[bid_open, "bid_open"], [bid_close, "bid_close"], [reveal_close, "reveal_close"]]
    for v, what in named:
        whole(v, 1, 10**14, "window rule: " + what + " (a block time in ms)")
    require(
        ctx.time <= bid_open < bid_close < reveal_close,
        "window rule: now ≤ bid_open < bid_close < reveal_close",
    )
    require(reveal_close - ctx.time <= MAX_SPAN_MS, "window rule: the auction ends within 400 days")
    n = governed.value("notice_working_days")
    if n > 0:
        last = calendar.add_working_days(calendar.today(), n, governed.value("holidays"))
        earliest = (calendar.parse(last) + 1) * DAY_MS - CST_MS
        require(
            bid_open >= earliest,
            f"notice rule (notice_working_days): the public notice runs {n} working days, to"
            f" {last}; bidding opens on {calendar.add_days(last, 1)} at the earliest",
        )
    mb = governed.value("min_bid_minutes")
    require(
        bid_close - bid_open >= mb * 60000,
        f"window rule (min_bid_minutes): the bid window lasts at least {mb} minutes",
    )
    mr = governed.value("min_reveal_minutes")
    require(
        reveal_close - bid_close >= mr * 60000,
        f"window rule (min_reveal_minutes): the reveal window lasts at least {mr} minutes",
    )


def check_term(a, src, term_start, term_years, reveal_close):
    """The lease term: whole years from ``term_start``, within what the source allows, within
    the contract term of contracted land, not overlapping a lease of the asset. Returns the
    last day."""
    whole(term_years, 1, MAX_YEARS, "term rule: term_years")
    start = calendar.parse(term_start)
    require(
        start > calendar.parse(day_of(reveal_close)),
        "term rule: the term starts after the auction ends",
    )
    require(
        term_years <= src["max_years"],
        f"term rule: the {src['kind']} {src['id']} allows at most {src['max_years']} years",
    )
    end = calendar.add_days(calendar.add_months(term_start, 12 * term_years), -1)
    if a["kind"] == "contract_land":
        require(
            calendar.parse(end) <= calendar.parse(a["contract_end"]),
            f"term rule (《农村土地承包法》第三十八条第三项): the lease to {end} runs past the"
            f" remaining contract term, which ends {a['contract_end']}",
        )
    for lease in a["leases"]:
        require(
            calendar.parse(end) < calendar.parse(lease["start"])
            or start > calendar.parse(lease["end"]),
            f"term rule: '{a['id']}' is leased from {lease['start']} to {lease['end']}"
            f" ({lease['listing']})",
        )
    return end


def new_listing(a, src, reserve, deposit, use, term_start, term_years, windows, relist_of):
    bid_open, bid_close, reveal_close = windows[0], windows[1], windows[2]
    money.positive(reserve, "listing rule: reserve")
    require(
        reserve >= src["min_annual"],
        f"listing rule: the reserve {money.yuan(reserve)} yuan is below the"
        f" {money.yuan(src['min_annual'])} yuan a year the {src['kind']} {src['id']} allows",
    )
    money.positive(deposit, "deposit rule: deposit")
    pct = governed.value("max_deposit_pct")
    require(
        deposit <= money.percent(reserve, pct),
        f"deposit rule (max_deposit_pct): the deposit may be at most {pct}% of the reserve"
        f" ({money.yuan(money.percent(reserve, pct))} yuan)",
    )
    check_use(a["kind"], use, "use rule")
    if src["use"] is not None:
        require(
            use == src["use"],
            f"use rule: the resolution {src['id']} approved the use '{src['use']}'",
        )
    check_windows(bid_open, bid_close, reveal_close)
    term_end = check_term(a, src, term_start, term_years, reveal_close)
    c = load_collective(a["collective"])
    listing_id = records.seq("listing", "NC-")
    x = {
        "id": listing_id,
        "asset": a["id"],
        "kind": a["kind"],
        "collective": c["code"],
        "village": c["village"],
        "town": c["town"],
        "district": c["district"],
        "name": a["name"],
        "location": a["location"],
        "area": a["area"],
        "grade": a["grade"],
        "source": src,
        "transferor": a["contractor"] if a["kind"] == "contract_land" else c["did"],
        "transferor_kind": "contractor" if a["kind"] == "contract_land" else "collective",
        "reserve": reserve,
        "deposit": deposit,
        "use": use,
        "term_start": term_start,
        "term_years": term_years,
        "term_end": term_end,
        "bid_open": bid_open,
        "bid_close": bid_close,
        "reveal_close": reveal_close,
        "published": {"by": ctx.sender, "height": ctx.height, "time": ctx.time},
        "status": "published",
        "round": 1,
        "relist_of": relist_of,
        "relisted_as": None,
        "counts": {
            "registered": 0,
            "qualified": 0,
            "deposits": 0,
            "committed": 0,
            "revealed": 0,
            "valid": 0,
        },
        "award": None,
        "contract": None,
        "payments": [],
        "paid": 0,
        "announcement": None,
        "withdrawal": None,
        "registration": None,
        "cert": None,
    }
    a["listing"] = listing_id
    state.set("asset/" + a["id"], a)
    return x


@call(roles=["reviewer"])
def publish_listing(
    asset_id: str,
    source_id: str,
    reserve: int,
    deposit: int,
    use: str,
    term_start: str,
    term_years: int,
    bid_open: int,
    bid_close: int,
    reveal_close: int,
) -> dict:
    """The exchange publishes a listing (挂牌) backed by a filed authorisation or a valid
    resolution, within their floor, term and use, the notice and the windows. Never changed
    after, only withdrawn (recorded)."""
    as_exchange("reviewer", "publish listings")
    a = load_asset(asset_id)
    require(
        a["listing"] is None,
        f"listing rule: '{asset_id}' is already in listing {a['listing']}",
    )
    src = source_of(a, source_id)
    windows = [bid_open, bid_close, reveal_close]
    x = new_listing(a, src, reserve, deposit, use, term_start, term_years, windows, None)
    save_listing(x)
    emit("Listed", listing=x["id"], asset=asset_id, reserve=reserve, bid_open=bid_open)
    return x


@call(roles=["reviewer"])
def relist(
    listing_id: str,
    reserve: int,
    deposit: int,
    term_start: str,
    bid_open: int,
    bid_close: int,
    reveal_close: int,
) -> dict:
    """流拍 → relisting: a failed listing (no valid bid) is listed again from the same
    authorisation or resolution (still filed or valid), with a new notice and windows; the
    reserve may go down, never below the floor they allow."""
    as_exchange("reviewer", "relist")
    old = load_listing(listing_id)
    require(
        old["status"] == "failed",
        f"relist rule: listing {listing_id} is {old['status']}; only a listing without a valid"
        " bid (流拍) is relisted",
    )
    require(
        old["relisted_as"] is None,
        f"relist rule: listing {listing_id} is relisted as {old['relisted_as']}",
    )
    a = load_asset(old["asset"])
    require(a["listing"] is None, f"relist rule: '{a['id']}' is in listing {a['listing']}")
    src = source_of(a, old["source"]["id"])
    windows = [bid_open, bid_close, reveal_close]
    x = new_listing(
        a, src, reserve, deposit, old["use"], term_start, old["term_years"], windows, listing_id
    )
    x["round"] = old["round"] + 1
    save_listing(x)
    old["relisted_as"] = x["id"]
    save_listing(old)
    emit("Relisted", listing=x["id"], relist_of=listing_id, reserve=reserve)
    return x


@call(roles=["reviewer"])
def withdraw(listing_id: str, reason: str) -> dict:
    """The exchange withdraws a listing before its award (终止挂牌), with the reason on record
    (no personal data); every deposit becomes refundable."""
    as_exchange("reviewer", "withdraw listings")
    x = load_listing(listing_id)
    require(
        x["status"] == "published",
        f"withdrawal rule: listing {listing_id} is {x['status']}",
    )
    checks.check_text(reason, "withdrawal rule: reason", 200, blank=False)
    x["status"] = "withdrawn"
    x["withdrawal"] = {"reason": reason, "by": ctx.sender, "height": ctx.height, "time": ctx.time}
    save_listing(x)
    free_asset(x)
    emit("Withdrawn", listing=listing_id)
    return x


def free_asset(x):
    a = load_asset(x["asset"])
    if a["listing"] == x["id"]:
        a["listing"] = None
        state.set("asset/" + a["id"], a)


# -- bidders --


def bidder_self():
    """The sender as a bidder: ``[id, kind]`` — a member organisation with the role ``bidder``
    bids as ``did:wuyi:org:<org>``; otherwise the sender's DID."""
    if ctx.sender_org is not None and "bidder" in ctx.sender_roles:
        return [checks.org_did(ctx.sender_org), "org"]
    require(
        ctx.sender_did is not None,
        "bidder rule: bid with your DID key, or as a member organisation with the role bidder",
    )
    return [ctx.sender_did, "person"]


def bid_key(listing_id, bidder):
    return "bid/" + listing_id + "/" + bidder


def load_bid(listing_id, bidder):
    return records.load(
        bid_key(listing_id, bidder),
        f"bidder rule: {bidder} has not registered for listing {listing_id}",
    )


def save_bid(listing_id, b):
    state.set(bid_key(listing_id, b["bidder"]), b)


@call(public=True)
def register_bid(listing_id: str) -> dict:
    """A bidder registers (报名) for a listing during its notice period."""
    x = load_listing(listing_id)
    me = bidder_self()
    require(
        phase_of(x, ctx.time) == "notice",
        f"registration rule: registration for {listing_id} closes when bidding opens; it is"
        f" {phase_of(x, ctx.time)}",
    )
    require(me[0] != x["transferor"], "registration rule: the transferor does not bid")
    require(
        not state.has(bid_key(listing_id, me[0])),
        f"registration rule: {me[0]} is registered for {listing_id}",
    )
    require(
        x["counts"]["registered"] < MAX_BIDDERS,
        f"registration rule: at most {MAX_BIDDERS} bidders",
    )
    b = {
        "bidder": me[0],
        "kind": me[1],
        "registered": {"by": ctx.sender, "height": ctx.height, "time": ctx.time},
        "qualified": None,
        "deposit": None,
        "commitment": None,
        "commit_seq": 0,
        "commit_height": 0,
        "commits": 0,
        "reveal": None,
        "member": None,
    }
    x["counts"]["registered"] += 1
    save_listing(x)
    save_bid(listing_id, b)
    emit("BidderRegistered", listing=listing_id, bidder=me[0])
    return b


def needs_review(x, b):
    return (
        b["kind"] == "org"
        and x["kind"] in AGRI_KINDS
        and x["area"] >= governed.value("social_capital_mu")
    )


@call(roles=["reviewer"])
def review_social_capital(listing_id: str, org: str, approve: bool, review_hash: bytes) -> dict:
    """农业农村局 reviews an enterprise bidding for a large area of farmland
    (第四十五条), with the review file's hash."""
    as_bureau("reviewer", "review social-capital bidders")
    x = load_listing(listing_id)
    check_code(org, "social-capital rule: org", 2, 32, ID_CHARS)
    checks.check_hash(review_hash, "social-capital rule: review_hash")
    rec = {
        "listing": listing_id,
        "org": org,
        "approved": approve,
        "review_hash": review_hash,
        "by": ctx.sender,
        "height": ctx.height,
    }
    state.set("review/" + listing_id + "/" + org, rec)
    emit("SocialCapitalReviewed", listing=x["id"], org=org, approved=approve)
    return rec


@call(roles=["reviewer"])
def qualify(listing_id: str, bidder: str, approve: bool, evidence_hash: bytes) -> dict:
    """The exchange qualifies a registered bidder during the notice (第三十八条第四项); a
    large-area enterprise needs the bureau's approved review first."""
    as_exchange("reviewer", "qualify bidders")
    x = load_listing(listing_id)
    b = load_bid(listing_id, bidder)
    require(
        phase_of(x, ctx.time) == "notice",
        f"qualification rule: bidders are qualified before bidding opens; {listing_id} is"
        f" {phase_of(x, ctx.time)}",
    )
    checks.check_hash(evidence_hash, "qualification rule: evidence_hash")
    if approve and needs_review(x, b):
        rev = state.get("review/" + listing_id + "/" + bidder[len("did:wuyi:org:") :])
        require(
            rev is not None and rev["approved"],
            f"social-capital rule (第四十五条, social_capital_mu): {bidder} bids for"
            f" {x['area']} (0.01 亩) of farmland; 农业农村局's approved review comes first",
        )
    was = b["qualified"] is not None and b["qualified"]["approved"]
    b["qualified"] = {
        "approved": approve,
        "evidence_hash": evidence_hash,
        "by": ctx.sender,
        "height": ctx.height,
    }
    if approve and not was:
        x["counts"]["qualified"] += 1
    elif was and not approve:
        x["counts"]["qualified"] -= 1
    save_bid(listing_id, b)
    save_listing(x)
    emit("BidderQualified", listing=listing_id, bidder=bidder, approved=approve)
    return b


@call(roles=["clearing"])
def record_deposit(listing_id: str, bidder: str, amount: int) -> dict:
    """The exchange's clearing desk records a bidder's deposit (保证金) received before
    bidding opens: exactly the listing's deposit."""
    as_exchange("clearing", "record deposits")
    x = load_listing(listing_id)
    b = load_bid(listing_id, bidder)
    require(
        phase_of(x, ctx.time) == "notice",
        f"deposit rule: deposits are paid before bidding opens; {listing_id} is"
        f" {phase_of(x, ctx.time)}",
    )
    require(b["deposit"] is None, f"deposit rule: {bidder} has paid the deposit")
    require(
        amount == x["deposit"],
        f"deposit rule: the deposit of {listing_id} is {money.yuan(x['deposit'])} yuan"
        f" ({x['deposit']} fen)",
    )
    b["deposit"] = {"amount": amount, "status": "paid", "by": ctx.sender, "height": ctx.height}
    x["counts"]["deposits"] += 1
    save_bid(listing_id, b)
    save_listing(x)
    emit("DepositPaid", listing=listing_id, bidder=bidder, amount=amount)
    return b


# -- sealed bids --


@view
def commitment(listing_id: str, bidder: str, amount: int, salt: bytes) -> bytes:
    """The commitment of a sealed bid: the chain's hash of
    ``<contract>/bid/<listing>/<bidder>/<amount>/<salt hex>`` (what the bidder's client computes
    itself; this view lets it check)."""
    return seal(listing_id, bidder, amount, salt)


def seal(listing_id, bidder, amount, salt):
    text = ctx.contract + "/bid/" + listing_id + "/" + bidder + "/" + str(amount) + "/" + salt.hex()
    return hash(text.encode())


@call(public=True)
def commit_bid(listing_id: str, commitment: bytes) -> dict:
    """A qualified bidder with its deposit paid seals its bid in the bid window; a new
    commitment replaces the earlier one (its order counts for a tie)."""
    x = load_listing(listing_id)
    me = bidder_self()
    b = load_bid(listing_id, me[0])
    p = phase_of(x, ctx.time)
    require(p == "bidding", f"bid rule: listing {listing_id} is {p}, not in its bid window")
    require(
        b["qualified"] is not None and b["qualified"]["approved"],
        f"bid rule: {me[0]} is not qualified for {listing_id}",
    )
    require(
        b["deposit"] is not None and b["deposit"]["status"] == "paid",
        f"bid rule: {me[0]} has not paid the deposit of {listing_id}",
    )
    checks.check_hash(commitment, "bid rule: commitment")
    if b["commitment"] is None:
        x["counts"]["committed"] += 1
    seq = records.next_number("commit")
    b["commitment"] = commitment
    b["commit_seq"] = seq
    b["commit_height"] = ctx.height
    b["commits"] += 1
    save_bid(listing_id, b)
    save_listing(x)
    emit("BidCommitted", listing=listing_id, bidder=me[0], seq=seq)
    return {"listing": listing_id, "bidder": me[0], "seq": seq, "commits": b["commits"]}


@call(public=True)
def reveal_bid(listing_id: str, amount: int, salt: bytes) -> dict:
    """The bidder reveals its bid in the reveal window: the amount (fen a year) and the salt
    must hash to its commitment. A bid below the reserve is recorded as not valid."""
    x = load_listing(listing_id)
    me = bidder_self()
    b = load_bid(listing_id, me[0])
    p = phase_of(x, ctx.time)
    require(p == "revealing", f"reveal rule: listing {listing_id} is {p}, not in its reveal window")
    require(b["commitment"] is not None, f"reveal rule: {me[0]} sealed no bid for {listing_id}")
    require(b["reveal"] is None, f"reveal rule: {me[0]} has revealed its bid")
    money.positive(amount, "reveal rule: amount")
    require(
        isinstance(salt, bytes) and MIN_SALT <= len(salt) <= MAX_SALT,
        f"reveal rule: the salt is {MIN_SALT}-{MAX_SALT} bytes",
    )
    require(
        seal(listing_id, me[0], amount, salt) == b["commitment"],
        "reveal rule: amount and salt do not match the sealed commitment",
    )
    valid = amount >= x["reserve"]
    b["reveal"] = {
        "amount": amount,
        "valid": valid,
        "reason": "ok" if valid else "below_reserve",
        "height": ctx.height,
    }
    x["counts"]["revealed"] += 1
    if valid:
        x["counts"]["valid"] += 1
    save_bid(listing_id, b)
    save_listing(x)
    emit("BidRevealed", listing=listing_id, bidder=me[0], amount=amount, valid=valid)
    return b


# -- collective membership (for the tie rule) --


@view
def member_request() -> dict:
    """What a bidder's wallet presents to show it is a member of the listing's collective."""
    return {"verifier": cfg()["exchange"], "types": [MEMBER_TYPE], "claims": MEMBER_CLAIMS}


@view
def member_nonce(listing_id: str, did: str) -> str:
    """The nonce the bidder's presentation is bound to (it changes after every accepted
    claim)."""
    n = state.get("mnonce/" + listing_id + "/" + did, 0)
    return hash((ctx.contract + "/member/" + listing_id + "/" + did + "/" + str(n)).encode()).hex()


def member_open(x, b):
    require(
        b["kind"] == "person",
        "tie rule (集体成员优先): collective members are persons; an organisation is none",
    )
    p = phase_of(x, ctx.time)
    require(
        p in ["notice", "bidding", "revealing"],
        f"tie rule: membership is settled before the reveal window closes; {x['id']} is {p}",
    )
    require(b["member"] is None, f"tie rule: {b['bidder']}'s membership is on record")


@call(public=True)
def claim_membership(listing_id: str, presentation_text: str) -> dict:
    """A person bidder presents its CollectiveMemberCredential (collective_code) to
    the exchange: checked in the block, the result recorded (第三十八条第五项)."""
    x = load_listing(listing_id)
    require(ctx.sender_did is not None, "tie rule: present your membership with your DID key")
    did = str(ctx.sender_did)
    b = load_bid(listing_id, did)
    member_open(x, b)
    got = presentation(
        presentation_text,
        types=[MEMBER_TYPE],
        claims=MEMBER_CLAIMS,
        verifier=cfg()["exchange"],
        nonce=member_nonce(listing_id, did),
    )
    key = "mnonce/" + listing_id + "/" + did
    state.set(key, state.get(key, 0) + 1)
    require(
        got["claims"]["collective_code"] == x["collective"],
        f"tie rule (集体成员优先): the credential presented is not of collective {x['collective']}",
    )
    b["member"] = {
        "via": "credential",
        "check": got["check"],
        "presentations": [c["presentation_hash"] for c in got["credentials"]],
        "height": ctx.height,
    }
    save_bid(listing_id, b)
    emit("MembershipShown", listing=listing_id, bidder=did, via="credential")
    return b["member"]


@call(public=True)
def confirm_member(listing_id: str, bidder: str) -> dict:
    """The listing's collective records that a person bidder is its member (from its roll)."""
    x = load_listing(listing_id)
    c = load_collective(x["collective"])
    require(
        acts_for(c["did"], ["collective"]),
        f"tie rule: only collective {c['code']} (its DID {c['did']}) confirms its members",
    )
    b = load_bid(listing_id, bidder)
    member_open(x, b)
    b["member"] = {"via": "collective", "by": ctx.sender, "did": c["did"], "height": ctx.height}
    save_bid(listing_id, b)
    emit("MembershipShown", listing=listing_id, bidder=bidder, via="collective")
    return b["member"]


# -- the award --


@call(roles=["reviewer"])
def award(listing_id: str) -> dict:
    """After the reveal window: the highest valid bid wins; a tie goes to a collective
    member, then to the earliest bid; no valid bid: 流拍. Unrevealed deposits are forfeited
    per forfeit_unrevealed."""
    as_exchange("reviewer", "award")
    x = load_listing(listing_id)
    p = phase_of(x, ctx.time)
    require(
        p == "closed",
        f"award rule: listing {listing_id} is {p}; the award follows the reveal window",
    )
    forfeit = governed.value("forfeit_unrevealed")
    bids = [v for k, v in state.range("bid/" + listing_id + "/", limit=MAX_BIDDERS)]
    valid = [b for b in bids if b["reveal"] is not None and b["reveal"]["valid"]]
    forfeited = []
    for b in bids:
        sealed = b["commitment"] is not None and b["reveal"] is None
        if sealed and b["deposit"] is not None and forfeit:
            b["deposit"]["status"] = "forfeited"
            b["deposit"]["forfeit_height"] = ctx.height
            forfeited.append(b["bidder"])
            save_bid(listing_id, b)
    result = {
        "height": ctx.height,
        "time": ctx.time,
        "by": ctx.sender,
        "committed": x["counts"]["committed"],
        "revealed": x["counts"]["revealed"],
        "valid": len(valid),
        "forfeited": forfeited,
        "winner": None,
        "winner_kind": None,
        "amount": None,
        "rule": None,
        "tied": [],
        "member": False,
    }
    if not valid:
        x["status"] = "failed"
        result["rule"] = "no_valid_bid"
        x["award"] = result
        save_listing(x)
        free_asset(x)
        emit("Failed", listing=listing_id, committed=result["committed"])
        return result
    best = max([b["reveal"]["amount"] for b in valid])
    top = [b for b in valid if b["reveal"]["amount"] == best]
    members = [b for b in top if b["member"] is not None]
    pool = members if members else top
    win = sorted(pool, key=lambda b: b["commit_seq"])[0]
    if len(top) == 1:
        rule = "highest"
    elif members and len(members) == 1:
        rule = "member_priority"
    elif members:
        rule = "member_priority_then_earliest"
    else:
        rule = "earliest_bid"
    result["winner"] = win["bidder"]
    result["winner_kind"] = win["kind"]
    result["amount"] = best
    result["rule"] = rule
    result["tied"] = [b["bidder"] for b in top] if len(top) > 1 else []
    result["member"] = win["member"] is not None
    win["deposit"]["status"] = "held"
    save_bid(listing_id, win)
    x["status"] = "awarded"
    x["award"] = result
    save_listing(x)
    emit("Awarded", listing=listing_id, winner=win["bidder"], amount=best, rule=rule)
    return result


# -- the transfer contract, payments, deposits, the announcement --


@call(roles=["reviewer"])
def record_contract(
    listing_id: str,
    payment_method: str,
    rights_duties_hash: bytes,
    expropriation_hash: bytes,
    liability_hash: bytes,
    document_hash: bytes,
) -> dict:
    """The exchange records the transfer contract with the eight clauses of 第四十条:
    parties, land, term, use and price from the listing and the award; rights and duties,
    expropriation compensation and liability by the hashes of their texts."""
    as_exchange("reviewer", "record transfer contracts")
    x = load_listing(listing_id)
    require(
        x["status"] == "awarded",
        f"contract rule: listing {listing_id} is {x['status']}, not awarded",
    )
    require(x["contract"] is None, f"contract rule: {listing_id} has its contract")
    require(
        payment_method in PAYMENT_METHODS,
        f"contract rule: payment_method is one of {', '.join(PAYMENT_METHODS)}",
    )
    checks.check_hash(rights_duties_hash, "contract rule: rights_duties_hash (双方的权利和义务)")
    checks.check_hash(
        expropriation_hash, "contract rule: expropriation_hash (土地被依法征收时的补偿)"
    )
    checks.check_hash(liability_hash, "contract rule: liability_hash (违约责任)")
    checks.check_hash(document_hash, "contract rule: document_hash")
    aw = x["award"]
    clauses = {
        "parties": {
            "transferor": x["transferor"],
            "transferor_kind": x["transferor_kind"],
            "transferee": aw["winner"],
            "transferee_kind": aw["winner_kind"],
        },
        "land": {
            "asset": x["asset"],
            "name": x["name"],
            "location": x["location"],
            "area": x["area"],
            "grade": x["grade"],
            "collective": x["collective"],
        },
        "term": {"start": x["term_start"], "end": x["term_end"], "years": x["term_years"]},
        "use": x["use"],
        "rights_duties": rights_duties_hash,
        "price_payment": {
            "annual": aw["amount"],
            "total": aw["amount"] * x["term_years"],
            "method": payment_method,
        },
        "expropriation": expropriation_hash,
        "liability": liability_hash,
    }
    x["contract"] = {
        "clauses": clauses,
        "document_hash": document_hash,
        "recorded": {"by": ctx.sender, "height": ctx.height, "time": ctx.time},
        "signatures": {"transferor": None, "transferee": None},
    }
    save_listing(x)
    emit("ContractRecorded", listing=listing_id, document=document_hash)
    return x["contract"]


@call(public=True)
def sign_contract(listing_id: str) -> dict:
    """The transferor and the transferee sign; then it is in force, and a term of
    registration_years or more emits the registration hook (第四十一条)."""
    x = load_listing(listing_id)
    require(
        x["status"] == "awarded" and x["contract"] is not None,
        f"signing rule: listing {listing_id} has no contract waiting for signatures",
    )
    sig = x["contract"]["signatures"]
    me = {"by": ctx.sender, "did": ctx.sender_did, "height": ctx.height, "time": ctx.time}
    if acts_for(x["transferor"], ["collective"]) and sig["transferor"] is None:
        sig["transferor"] = me
        party = "transferor"
    elif acts_for(x["award"]["winner"], ["bidder"]) and sig["transferee"] is None:
        sig["transferee"] = me
        party = "transferee"
    else:
        revert(
            f"signing rule: only the transferor {x['transferor']} and the transferee"
            f" {x['award']['winner']} sign, once each"
        )
    if sig["transferor"] is not None and sig["transferee"] is not None:
        x["status"] = "contracted"
        a = load_asset(x["asset"])
        a["leases"].append({"listing": listing_id, "start": x["term_start"], "end": x["term_end"]})
        a["listing"] = None
        state.set("asset/" + a["id"], a)
        used(x["source"])
        years = governed.value("registration_years")
        if x["term_years"] >= years:
            x["registration"] = {"eligible": True, "years": x["term_years"], "min_years": years}
            emit(
                "RegistrationHook",
                listing=listing_id,
                asset=x["asset"],
                start=x["term_start"],
                end=x["term_end"],
            )
        else:
            x["registration"] = {"eligible": False, "years": x["term_years"], "min_years": years}
    save_listing(x)
    emit("ContractSigned", listing=listing_id, party=party, status=x["status"])
    return {"party": party, "status": x["status"], "signatures": sig}


def used(src):
    key = ("auth/" if src["kind"] == "authorisation" else "resolution/") + src["id"]
    rec = state.get(key)
    rec["status"] = "used"
    state.set(key, rec)


@call(roles=["clearing"])
def record_payment(listing_id: str, amount: int, year: int) -> dict:
    """The clearing desk records a payment of the transferee through the exchange for year
    ``year`` of the term (1 …); the payments never exceed the contract's total."""
    as_exchange("clearing", "record payments")
    x = load_listing(listing_id)
    require(
        x["status"] in ["contracted", "announced"],
        f"payment rule: listing {listing_id} is {x['status']}; payments follow the signed contract",
    )
    money.positive(amount, "payment rule: amount")
    whole(year, 1, x["term_years"], "payment rule: year")
    total = x["contract"]["clauses"]["price_payment"]["total"]
    require(
        x["paid"] + amount <= total,
        f"payment rule: the contract's total is {money.yuan(total)} yuan;"
        f" {money.yuan(x['paid'])} are paid",
    )
    rec = {"amount": amount, "year": year, "by": ctx.sender, "height": ctx.height, "time": ctx.time}
    x["payments"].append(rec)
    x["paid"] += amount
    save_listing(x)
    emit("PaymentRecorded", listing=listing_id, amount=amount, year=year)
    return rec


@call(roles=["clearing"])
def refund_deposit(listing_id: str, bidder: str) -> dict:
    """The clearing desk returns a deposit: a losing bidder's once the listing is awarded,
    failed or withdrawn; the winner's once the contract is signed; never a forfeited one."""
    as_exchange("clearing", "refund deposits")
    x = load_listing(listing_id)
    b = load_bid(listing_id, bidder)
    d = b["deposit"]
    require(d is not None, f"refund rule: {bidder} paid no deposit for {listing_id}")
    require(
        d["status"] != "forfeited",
        f"refund rule: {bidder}'s deposit is forfeited (a sealed bid not revealed,"
        " forfeit_unrevealed)",
    )
    require(d["status"] != "refunded", f"refund rule: {bidder}'s deposit is refunded")
    require(
        x["status"] in ENDED,
        f"refund rule: listing {listing_id} is {x['status']}; deposits are returned after the"
        " award",
    )
    if d["status"] == "held":
        require(
            x["status"] in ["contracted", "announced"],
            "refund rule: the winner's deposit is returned once the contract is signed",
        )
    d["status"] = "refunded"
    d["refund_height"] = ctx.height
    d["refunded_by"] = ctx.sender
    save_bid(listing_id, b)
    emit("DepositRefunded", listing=listing_id, bidder=bidder, amount=d["amount"])
    return b


@call(roles=["reviewer"])
def announce(listing_id: str) -> dict:
    """The announcement (成交公告) once the first payment is in and the losers' deposits are
    returned; it records the 交易鉴证书."""
    as_exchange("reviewer", "announce results")
    x = load_listing(listing_id)
    require(
        x["status"] == "contracted",
        f"announcement rule: listing {listing_id} is {x['status']}, not contracted",
    )
    pp = x["contract"]["clauses"]["price_payment"]
    due = pp["total"] if pp["method"] == "lump_sum" else pp["annual"]
    require(
        x["paid"] >= due,
        f"announcement rule: {money.yuan(x['paid'])} yuan paid; the first payment is"
        f" {money.yuan(due)} yuan",
    )
    waiting = []
    for _, b in state.range("bid/" + listing_id + "/", limit=MAX_BIDDERS):
        d = b["deposit"]
        if d is not None and d["status"] == "paid" and b["bidder"] != x["award"]["winner"]:
            waiting.append(b["bidder"])
    require(
        not waiting,
        f"announcement rule: the deposits of {len(waiting)} losing bidders are not returned"
        f" yet ({', '.join(waiting[:3])})",
    )
    cert_id = "JZ-" + listing_id[3:]
    holders = [x["award"]["winner"]]
    if x["transferor"] not in holders:
        holders.append(x["transferor"])
    fields = {
        "listing": listing_id,
        "asset": x["asset"],
        "asset_kind": x["kind"],
        "collective": x["collective"],
        "annual": x["award"]["amount"],
        "start": x["term_start"],
        "end": x["term_end"],
        "use": x["use"],
    }
    certs.record(cert_id, CERT_KIND, holders, fields)
    x["cert"] = cert_id
    x["status"] = "announced"
    x["announcement"] = {"by": ctx.sender, "height": ctx.height, "time": ctx.time}
    save_listing(x)
    emit("Announced", listing=listing_id, amount=x["award"]["amount"], cert=cert_id)
    return x


@call
def link_credential(cert_id: str, idx: int, holder: str | None = None) -> dict:
    """The exchange's issuer system links the 交易鉴证书 credential it issued to a holder."""
    return certs.link(cert_id, idx, holder, [cfg()["exchange"]])


# -- views --


@view
def collective(code: str) -> dict | None:
    return state.get("collective/" + code)


@view
def collective_of(did: str) -> str | None:
    """The code of the collective ``did`` acts for (None if none)."""
    return state.get("collective_of/" + did)


@view
def asset(asset_id: str) -> dict | None:
    return state.get("asset/" + asset_id)


@view
def authorisation(auth_id: str) -> dict | None:
    return state.get("auth/" + auth_id)


@view
def resolution(res_id: str) -> dict | None:
    return state.get("resolution/" + res_id)


@view
def listing(listing_id: str) -> dict | None:
    """A listing with its phase at the latest block time."""
    x = state.get("listing/" + listing_id)
    if x is not None:
        x["phase"] = phase_of(x, ctx.time)
    return x


@view
def bid(listing_id: str, bidder: str) -> dict | None:
    return state.get(bid_key(listing_id, bidder))


@view
def bids(listing_id: str) -> list:
    """Every bidder of a listing (commitments until revealed; amounts once revealed)."""
    return [v for k, v in state.range("bid/" + listing_id + "/", limit=MAX_BIDDERS)]


@view
def certificate(cert_id: str) -> dict | None:
    return certs.get(cert_id)
