"""不动产登记 real-estate registration: units, ownership, transfers against a filed housing
contract, mortgages by banks, seizures by courts, corrections with a reason, ownership
certificates (不动产权证书) and each unit's whole history, shared by the city centre and the
district offices.

Actors: registrars (role ``registrar``) of an office in ``param/offices``, for the units of
the districts ``param/jurisdictions`` gives that office (属地登记: any other unit is refused,
naming the rule); judges (role
``judge``) of a court in ``param/courts``; bankers (role ``banker``) of a bank in
``param/banks``. The lists are governed parameters (``PARAMS``, ``wuyi.contract.lib.params``:
value, effective height, author, reason, legal basis, history) that admins of ``bdc`` change
with ``set_param`` (effective from the next block). Owners are DIDs
(``did:wuyi:...``; an enterprise may own through its organisation DID ``did:wuyi:org:<id>``);
no name or ID number is ever stored. Deployed as ``realestate``; asks the ``housing``
contract about filed contracts with ``invoke``. An office's issuer system issues each owner's
不动产权证书 as an SD-JWT credential off chain and links it to the certificate record with
``link_credential`` (members with role ``issuer`` of the recording office or of ``bdc``).
"""

from typing import Any

from wuyi.contract import call, ctx, emit, hash, invoke, require, revert, state, view
from wuyi.contract.lib import certs, checks, records
from wuyi.contract.lib import params as governed

ROLES = ["registrar", "judge", "banker"]
HOUSING = "housing"
PARAM_ORG = "bdc"
PARAMS = {
    "offices": {
        "kind": "codes",
        "min_items": 1,
        "default": ["bdc", "pjq", "xhq"],
        "basis": "不动产登记机构：《不动产登记暂行条例》（国务院令第656号）第六条、第七条",
    },
    "jurisdictions": {
        "kind": "code_map",
        "max_items": 32,
        # 市不动产登记中心 for the city's districts and, in this consortium, for the county-level
        # cities whose own registries have not joined; each district office for its district
        "default": {
            "bdc": ["440703", "440704", "440705", "440781", "440783", "440784", "440785"],
            "pjq": ["440703"],
            "xhq": ["440705"],
        },
        "basis": "属地登记：不动产登记由不动产所在地的县级人民政府不动产登记机构办理；设区的市"
        "人民政府可以确定本级不动产登记机构统一办理所属各区的不动产登记"
        "（《不动产登记暂行条例》（国务院令第656号）第七条第一款、第三款）",
    },
    "courts": {
        "kind": "codes",
        "min_items": 1,
        "default": ["fy"],
        "basis": "查封登记：人民法院的查封、扣押、冻结（《民事诉讼法》执行程序；"
        "《不动产登记暂行条例实施细则》查封登记）",
    },
    "banks": {
        "kind": "codes",
        "min_items": 1,
        "default": ["nsyh", "zgyh"],
        "basis": "不动产抵押，抵押权自登记时设立（《民法典》第三百九十五条、第四百零二条）；"
        "名单为参与试点的银行（演示值）",
    },
}
USES = ["residential", "commercial", "office", "industrial", "parking", "other"]
CORRECTABLE = ["location", "area", "use"]
FULL_SHARE = 10000  # shares are in basis points (万分之一): the owners' shares sum to 10000
MAX_OWNERS = 10
MAX_AREA = 100_000_000  # 0.01 m² units: at most 1,000,000 m²
MAX_AMOUNT = 10**15  # fen


# -- policy parameters (wuyi.contract.lib.params) ---------------------------------------------


@call
def init(params: dict | None = None) -> None:
    """Set the registry's lists (``params`` may override some of them)."""
    governed.init(PARAMS, params)


@view
def param(name: str) -> dict:
    """A registry list (offices, courts, banks): ``{name, value, record}``, the value in
    force now and the latest change record."""
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    """Every change of registry list ``name``, oldest first (author, org, height, reason,
    legal basis)."""
    return governed.history(name)


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Change a registry parameter (offices, each office's ``jurisdictions``, courts, banks):
    admins of ``bdc`` only; in force from
    the next block; the change, its author, reason and legal basis are kept
    (``param_history``)."""
    return governed.change_by(
        PARAMS,
        PARAM_ORG,
        "(不动产登记中心) may set registry parameters",
        name,
        value,
        reason,
        basis,
    )


# -- helpers -----------------------------------------------------------------------------------


def as_registrar(unit_id):
    """The sender's organisation is a registration office, and ``unit_id`` lies in one of the
    districts it registers in (param ``jurisdictions``; the district is the unit number's
    first six digits)."""
    offices = governed.value("offices")
    require(
        ctx.sender_org in offices,
        f"office rule: '{ctx.sender_org}' is not a registration office"
        f" (param offices: {', '.join(offices)})",
    )
    areas = governed.value("jurisdictions").get(ctx.sender_org, [])
    require(
        unit_id[:6] in areas,
        f"jurisdiction rule (属地登记): office '{ctx.sender_org}' registers units in"
        f" {', '.join(areas) or 'no district'}; unit '{unit_id}' is in district"
        f" {unit_id[:6]} (param jurisdictions; 《不动产登记暂行条例》第七条)",
    )


def as_court():
    courts = governed.value("courts")
    require(
        ctx.sender_org in courts,
        f"court rule: '{ctx.sender_org}' is not a court (param courts: {', '.join(courts)})",
    )


def as_bank():
    banks = governed.value("banks")
    require(
        ctx.sender_org in banks,
        f"bank rule: '{ctx.sender_org}' is not a bank (param banks: {', '.join(banks)})",
    )


def not_seized(u, what):
    """No ``what`` while a court's seizure (查封) of unit ``u`` stands."""
    for s in u["seizures"][:1]:
        by = f"court {s['court']} ({s['id']})"
        revert(
            f"seizure rule (查封): unit '{u['id']}' is seized by {by}; no {what} until"
            " a court lifts it"
        )


def valid_unit_id(unit_id):
    if len(unit_id) != 15 or unit_id[6] != "-" or unit_id[10] != "-":
        return False
    return (unit_id[:6] + unit_id[7:10] + unit_id[11:]).isdigit()


def load_unit(unit_id):
    return records.load("unit/" + unit_id, f"unit rule: no unit '{unit_id}' in the registry")


def check_owners(owners):
    require(
        0 < len(owners) <= MAX_OWNERS,
        f"share rule: 1-{MAX_OWNERS} owners, each {{did, share}}",
    )
    dids = []
    total = 0
    for o in owners:
        require(
            isinstance(o, dict) and sorted(o.keys()) == ["did", "share"],
            "share rule: each owner is {did, share}",
        )
        require(checks.is_did(o["did"]), f"share rule: owner '{o['did']}' is not a DID")
        require(o["did"] not in dids, f"share rule: owner '{o['did']}' is listed twice")
        require(
            isinstance(o["share"], int)
            and not isinstance(o["share"], bool)
            and 0 < o["share"] <= FULL_SHARE,
            "share rule: each share is 1-10000 basis points",
        )
        dids.append(o["did"])
        total += o["share"]
    require(
        total == FULL_SHARE,
        f"share rule: the owners' shares must sum to 100% (10000 basis points), not {total}",
    )


def record(unit_id, op, what):
    """Append to the unit's history: who (org, member address), when (height, time), what."""
    seq = state.get("hseq/" + unit_id, 0) + 1
    state.set("hseq/" + unit_id, seq)
    state.set(
        f"hist/{unit_id}/{seq:06d}",
        {
            "seq": seq,
            "op": op,
            "org": ctx.sender_org,
            "by": ctx.sender,
            "height": ctx.height,
            "time": ctx.time,
            "tx": ctx.tx_hash,
            "what": what,
        },
    )
    emit("UnitChanged", unit=unit_id, op=op, seq=seq, org=ctx.sender_org)


def save_encumbrance(u):
    """``enc/<unit>`` while the unit has an active mortgage or seizure, absent otherwise: the
    key another chain proves absent (a non-membership proof) to recognise "no mortgage, no
    seizure" without the unit's record crossing (docs/crosschain.md)."""
    if u["mortgages"] or u["seizures"]:
        state.set(
            "enc/" + u["id"], {"mortgages": len(u["mortgages"]), "seizures": len(u["seizures"])}
        )
    elif state.has("enc/" + u["id"]):
        state.delete("enc/" + u["id"])


def set_owners(u, owners):
    for o in u["owners"]:
        state.delete("own/" + o["did"] + "/" + u["id"])
    for o in owners:
        state.set("own/" + o["did"] + "/" + u["id"], o["share"])
    u["owners"] = owners


def issue_cert(u, kind):
    """Write the certificate record ``cert/<id>`` (the office's system issues the SD-JWT
    credential off chain, carrying the id and the commitment); the previous one is
    superseded."""
    cert_id = records.seq("cert", "BDC", 8)
    if u["cert"] is not None:
        old = state.get("cert/" + u["cert"])
        old["status"] = "superseded"
        old["superseded_by"] = cert_id
        state.set("cert/" + u["cert"], old)
    owners_text = ",".join([f"{o['did']}:{o['share']}" for o in u["owners"]])
    text = f"wuyi/bdc-cert|{cert_id}|{u['id']}|{owners_text}|{ctx.height}|{ctx.tx_hash}"
    cert = {
        "id": cert_id,
        "unit": u["id"],
        "owners": [o["did"] for o in u["owners"]],
        "shares": [o["share"] for o in u["owners"]],
        "kind": kind,
        "height": ctx.height,
        "time": ctx.time,
        "office": ctx.sender_org,
        "by": ctx.sender,
        "commitment": hash(text.encode()),
        "status": "active",
    }
    state.set("cert/" + cert_id, cert)
    u["cert"] = cert_id
    emit("CertificateRecorded", cert=cert_id, unit=u["id"], kind=kind)
    return cert_id


# -- units and ownership -----------------------------------------------------------------------


@call(roles=["registrar"])
def register_unit(unit_id: str, location: str, area: int, use: str) -> dict:
    """Register a real-estate unit (不动产单元号 ``440703-001-0001``: district code, block,
    unit); ``location`` is the property's location text, ``area`` in 0.01 m². Only an office
    whose jurisdiction holds the unit's district."""
    require(
        valid_unit_id(unit_id),
        f"unit rule: '{unit_id}' is not a unit number like 440703-001-0001",
    )
    as_registrar(unit_id)
    require(not state.has("unit/" + unit_id), f"unit rule: unit '{unit_id}' is already registered")
    require(0 < len(location) <= 200, "unit rule: location must be 1-200 characters")
    require(0 < area <= MAX_AREA, "unit rule: area (0.01 m²) must be positive")
    require(use in USES, f"unit rule: use must be one of {', '.join(USES)}")
    u = {
        "id": unit_id,
        "district": unit_id[:6],
        "location": location,
        "area": area,
        "use": use,
        "owners": [],
        "mortgages": [],
        "seizures": [],
        "cert": None,
        "registered_by": ctx.sender_org,
        "height": ctx.height,
    }
    state.set("unit/" + unit_id, u)
    count = state.get("count/units", 0) + 1
    state.set("count/units", count)
    record(unit_id, "register_unit", {"location": location, "area": area, "use": use})
    return u


@call(roles=["registrar"])
def first_registration(unit_id: str, owners: list) -> str:
    """首次登记: the first owners (``[{did, share}]``, shares in basis points summing to 10000);
    writes the ownership certificate record. Returns the certificate id."""
    as_registrar(unit_id)
    u = load_unit(unit_id)
    require(
        not u["owners"],
        f"ownership rule: unit '{unit_id}' already has owners; ownership changes by transfer",
    )
    check_owners(owners)
    set_owners(u, [{"did": o["did"], "share": o["share"]} for o in owners])
    cert_id = issue_cert(u, "first_registration")
    state.set("unit/" + unit_id, u)
    record(unit_id, "first_registration", {"owners": u["owners"], "cert": cert_id})
    return cert_id


@call(roles=["registrar"])
def transfer(unit_id: str, contract_id: str, buyers: list[str], tax_proof: bytes) -> str:
    """转移登记: only against an active filed housing contract for this unit with these buyers
    and the registered owner as seller, and the hash of the tax-paid proof (完税证明) that the
    contract's tax declaration references. Writes the new certificate record."""
    as_registrar(unit_id)
    checks.check_hash(tax_proof, "tax rule (完税): tax_proof")
    u = load_unit(unit_id)
    require(u["owners"], f"ownership rule: unit '{unit_id}' has no registered owner")
    not_seized(u, "transfer")
    if u["mortgages"]:
        m = u["mortgages"][0]
        revert(
            f"mortgage rule (抵押): unit '{unit_id}' is mortgaged to bank {m['bank']}"
            f" ({m['id']}); that bank must release it before a transfer"
        )
    c = invoke(HOUSING, "contract", contract_id=contract_id)
    require(
        c is not None,
        f"filed-contract rule (网签备案): no housing contract '{contract_id}'",
    )
    require(
        c["status"] == "filed",
        f"filed-contract rule (网签备案): contract '{contract_id}' is {c['status']},"
        " not an active filed contract",
    )
    require(
        c["unit"] == unit_id,
        f"filed-contract rule (网签备案): contract '{contract_id}' is for unit {c['unit']},"
        f" not {unit_id}",
    )
    require(
        [o["did"] for o in u["owners"]] == [c["seller"]],
        f"filed-contract rule (网签备案): the seller of contract '{contract_id}' is not the"
        f" registered owner of unit '{unit_id}'",
    )
    require(
        list(buyers) == c["buyers"],
        f"filed-contract rule (网签备案): the buyers do not match contract '{contract_id}'",
    )
    tax = c["tax"]
    require(
        tax is not None,
        f"tax rule (完税): contract '{contract_id}' has no tax declaration",
    )
    require(
        tax["proof"] == tax_proof,
        f"tax rule (完税): the tax-paid proof does not match the declaration of"
        f" contract '{contract_id}'",
    )
    require(
        tax["price"] == c["price"],
        f"tax rule (完税): the declared price differs from the filed price of '{contract_id}'",
    )
    previous = u["owners"]
    set_owners(
        u, [{"did": c["buyers"][i], "share": c["shares"][i]} for i in range(len(c["buyers"]))]
    )
    cert_id = issue_cert(u, "transfer")
    state.set("unit/" + unit_id, u)
    invoke(HOUSING, "complete", contract_id=contract_id, cert_id=cert_id)
    record(
        unit_id,
        "transfer",
        {
            "contract": contract_id,
            "price": c["price"],
            "tax_proof": tax_proof,
            "from": [o["did"] for o in previous],
            "owners": u["owners"],
            "cert": cert_id,
        },
    )
    return cert_id


# -- mortgages ---------------------------------------------------------------------------------


@call(roles=["banker"])
def register_mortgage(unit_id: str, amount: int, contract_id: str | None = None) -> str:
    """抵押登记 by a bank: ``amount`` in fen; ``contract_id`` names a filed housing contract
    whose loan by this bank it secures (the amount may not exceed that loan)."""
    as_bank()
    require(0 < amount <= MAX_AMOUNT, "mortgage rule (抵押): amount (fen) must be positive")
    u = load_unit(unit_id)
    require(u["owners"], f"ownership rule: unit '{unit_id}' has no registered owner")
    not_seized(u, "new mortgage")
    bank = ctx.sender_org
    if contract_id is not None:
        c = invoke(HOUSING, "contract", contract_id=contract_id)
        require(c is not None, f"loan rule: no housing contract '{contract_id}'")
        require(
            c["unit"] == unit_id,
            f"loan rule: contract '{contract_id}' is for unit {c['unit']}, not {unit_id}",
        )
        require(
            c["status"] in ["filed", "completed"],
            f"loan rule: contract '{contract_id}' is {c['status']}, not filed",
        )
        loan = c["loans"].get(bank)
        require(
            loan is not None,
            f"loan rule: bank {bank} registered no loan on contract '{contract_id}'",
        )
        require(
            amount <= loan["amount"],
            f"loan rule: the mortgage ({amount} fen) exceeds the loan of {loan['amount']} fen"
            f" registered on contract '{contract_id}'",
        )
    mid = records.seq("mortgage", "M", 8)
    m = {
        "id": mid,
        "unit": unit_id,
        "bank": bank,
        "amount": amount,
        "contract": contract_id,
        "status": "active",
        "height": ctx.height,
        "by": ctx.sender,
        "released_height": None,
    }
    state.set("mortgage/" + mid, m)
    u["mortgages"].append({"id": mid, "bank": bank})
    state.set("unit/" + unit_id, u)
    save_encumbrance(u)
    record(
        unit_id,
        "mortgage",
        {"mortgage": mid, "bank": bank, "amount": amount, "contract": contract_id},
    )
    return mid


@call(roles=["banker"])
def release_mortgage(mortgage_id: str) -> None:
    """注销抵押: only the bank that registered the mortgage."""
    as_bank()
    m = state.get("mortgage/" + mortgage_id)
    require(m is not None, f"mortgage rule (抵押): no mortgage '{mortgage_id}'")
    require(m["status"] == "active", f"mortgage rule (抵押): '{mortgage_id}' is already released")
    require(
        ctx.sender_org == m["bank"],
        f"mortgage rule (抵押): only the bank that registered mortgage '{mortgage_id}'"
        f" ({m['bank']}) may release it",
    )
    m["status"] = "released"
    m["released_height"] = ctx.height
    state.set("mortgage/" + mortgage_id, m)
    u = load_unit(m["unit"])
    u["mortgages"] = [x for x in u["mortgages"] if x["id"] != mortgage_id]
    state.set("unit/" + m["unit"], u)
    save_encumbrance(u)
    record(m["unit"], "release_mortgage", {"mortgage": mortgage_id, "bank": m["bank"]})


# -- seizures ----------------------------------------------------------------------------------


@call(roles=["judge"])
def seize(unit_id: str, case_hash: bytes) -> str:
    """查封 by a court, with the hash of the case reference (the ruling stays with the court):
    blocks transfers and new mortgages until a court lifts it."""
    as_court()
    checks.check_hash(case_hash, "seizure rule (查封): case_hash")
    u = load_unit(unit_id)
    sid = records.seq("seizure", "S", 8)
    s = {
        "id": sid,
        "unit": unit_id,
        "court": ctx.sender_org,
        "case": case_hash,
        "status": "active",
        "height": ctx.height,
        "by": ctx.sender,
        "lifted": None,
    }
    state.set("seizure/" + sid, s)
    u["seizures"].append({"id": sid, "court": ctx.sender_org})
    state.set("unit/" + unit_id, u)
    save_encumbrance(u)
    record(unit_id, "seize", {"seizure": sid, "court": ctx.sender_org, "case": case_hash})
    return sid


@call(roles=["judge"])
def lift_seizure(seizure_id: str, order_hash: bytes) -> None:
    """解除查封: only a court (``param/courts``), with the hash of the lifting order."""
    as_court()
    checks.check_hash(order_hash, "seizure rule (查封): order_hash")
    s = state.get("seizure/" + seizure_id)
    require(s is not None, f"seizure rule (查封): no seizure '{seizure_id}'")
    require(s["status"] == "active", f"seizure rule (查封): '{seizure_id}' is already lifted")
    s["status"] = "lifted"
    s["lifted"] = {"court": ctx.sender_org, "order": order_hash, "height": ctx.height}
    state.set("seizure/" + seizure_id, s)
    u = load_unit(s["unit"])
    u["seizures"] = [x for x in u["seizures"] if x["id"] != seizure_id]
    state.set("unit/" + s["unit"], u)
    save_encumbrance(u)
    record(s["unit"], "lift_seizure", {"seizure": seizure_id, "order": order_hash})


# -- corrections -------------------------------------------------------------------------------


@call(roles=["registrar"])
def correct(unit_id: str, field: str, value: Any, reason: str) -> None:
    """更正登记 of a property field (location, area, use) with a reason; old and new values
    go to the history."""
    as_registrar(unit_id)
    u = load_unit(unit_id)
    require(
        field in CORRECTABLE,
        f"correction rule: field must be one of {', '.join(CORRECTABLE)}",
    )
    require(0 < len(reason) <= 200, "correction rule: a reason (1-200 characters) is required")
    if field == "area":
        require(
            isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_AREA,
            "unit rule: area (0.01 m²) must be positive",
        )
    elif field == "use":
        require(value in USES, f"unit rule: use must be one of {', '.join(USES)}")
    else:
        require(
            isinstance(value, str) and 0 < len(value) <= 200,
            "unit rule: location must be 1-200 characters",
        )
    old = u[field]
    require(old != value, f"correction rule: '{field}' already has this value")
    u[field] = value
    state.set("unit/" + unit_id, u)
    record(unit_id, "correct", {"field": field, "old": old, "new": value, "reason": reason})


# -- views -------------------------------------------------------------------------------------


@view
def unit(unit_id: str) -> dict | None:
    """The unit: property data, owners (DIDs, shares), active mortgages and seizures, the
    current certificate id."""
    return state.get("unit/" + unit_id)


@view
def history(unit_id: str, start_after: int = 0, limit: int = 1000) -> list:
    """Every change of the unit, oldest first, whichever office made it."""
    after = None if start_after <= 0 else f"hist/{unit_id}/{start_after:06d}"
    return [v for _, v in state.range(f"hist/{unit_id}/", limit=limit, start_after=after)]


@view
def units_of(did: str) -> list:
    """``[[unit_id, share], ...]``: the units ``did`` owns (shares in basis points)."""
    prefix = "own/" + did + "/"
    return [[k[len(prefix) :], v] for k, v in state.range(prefix, limit=1000)]


@view
def homes_count(dids: list[str], districts: list[str] | None = None) -> int:
    """Distinct units owned (any share) by any of ``dids``, in ``districts`` if given (the
    district code is the unit number's first six digits)."""
    seen = []
    for did in dids:
        prefix = "own/" + did + "/"
        for k, _ in state.range(prefix, limit=1000):
            uid = k[len(prefix) :]
            if uid in seen:
                continue
            if districts is not None and uid[:6] not in districts:
                continue
            seen.append(uid)
    return len(seen)


@view
def cert(cert_id: str) -> dict | None:
    """The ownership certificate record (不动产权证书): unit, owners, height, commitment,
    status (active or superseded)."""
    return state.get("cert/" + cert_id)


@view
def mortgage(mortgage_id: str) -> dict | None:
    return state.get("mortgage/" + mortgage_id)


@view
def seizure(seizure_id: str) -> dict | None:
    return state.get("seizure/" + seizure_id)


# -- certificate credentials -------------------------------------------------------------------


@call
def link_credential(cert_id: str, idx: int, holder: str | None = None) -> dict:
    """After the office's issuer system issued the 不动产权证书 SD-JWT credential to an owner
    (its commitment registered by ``vc.issue`` as status entry ``<org>/<idx>``), it links the
    entry here, so a public check goes certificate -> credential -> status. Only an ``issuer``
    of the office that recorded the certificate, or of ``bdc``; only an active certificate;
    one credential per owner (``holder``: the owner's DID, by default the only owner)."""
    c = state.get("cert/" + cert_id)
    require(c is not None, f"credential rule: no certificate '{cert_id}'")
    require(
        ctx.sender_org in [c["office"], PARAM_ORG] and "issuer" in ctx.sender_roles,
        f"credential rule: only an issuer of '{c['office']}' (the office that recorded"
        f" certificate '{cert_id}') or of '{PARAM_ORG}' links its credential",
    )
    require(
        c["status"] == "active",
        f"credential rule: certificate '{cert_id}' is {c['status']}; only an active"
        " certificate gets a credential",
    )
    certs.check_index(idx)
    return certs.add_link(c, certs.choose_holder(cert_id, c["owners"], holder, "owner"), idx)
