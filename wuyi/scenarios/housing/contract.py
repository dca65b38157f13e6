"""住房网签 housing contracts: listing by a developer, drafting, purchase eligibility (购房资格),
signatures of both parties, filing by the housing bureau (网签备案) with one active filed
contract per unit (no 阴阳合同), loans within the loan-to-value limit, the tax declaration,
cancellation by buyer, seller and bureau together.

Actors: developers (role ``developer`` of an org in ``param/developers``; the seller is the
developer's organisation DID ``did:wuyi:org:<org>``), buyers (DIDs, signing with their DID
key through ``public=True`` methods), the bureau ``zjj`` (role ``filing``), banks (role
``banker`` of an org in the registry's ``param/banks``). Policy numbers are governed
parameters (``PARAMS``, ``wuyi.contract.lib.params``: value, effective height, author, reason,
legal basis, history) that admins of ``zjj`` change with ``set_param`` (effective from the
next block).
Deployed as ``housing``; reads the ``realestate`` registry with ``invoke``. No personal data:
DIDs, hashes, prices and property data only.
"""

from typing import Any

from wuyi.contract import (
    call,
    ctx,
    emit,
    hash,
    invoke,
    presentation,
    require,
    revert,
    state,
    view,
)
from wuyi.contract.lib import checks, records
from wuyi.contract.lib import params as governed

ROLES = ["developer", "filing", "banker"]
REGISTRY = "realestate"
BUREAU = "zjj"
PARAM_ORG = "zjj"
DEMO = "演示值，以住建局现行文件为准；修改时在理由或依据中登记文号"
PARAMS = {
    "max_homes": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 2,
        "basis": "住房限购：家庭在限购区域内可持有的住房套数上限（江门市住建局限购政策；"
        + DEMO
        + "）",
    },
    "restricted_districts": {
        "kind": "codes",
        "default": ["440703", "440704", "440705"],
        "basis": "限购区域（区县代码；江门市住建局限购政策；" + DEMO + "）",
    },
    "min_ss_months": {
        "kind": "int",
        "min": 0,
        "max": 600,
        "default": 24,
        "basis": "非本市户籍家庭购房的社保缴纳月数要求（江门市住建局、人社局政策；" + DEMO + "）",
    },
    "ss_window_months": {
        "kind": "int",
        "min": 1,
        "max": 600,
        "default": 60,
        "basis": "社保月数的统计期间（月；同上；" + DEMO + "）",
    },
    "max_ltv_pct": {
        "kind": "int",
        "min": 0,
        "max": 100,
        "default": 70,
        "basis": (
            "贷款成数上限 = 100% − 最低首付款比例（中国人民银行、国家金融监督管理总局关于调整"
            "个人住房贷款最低首付款比例政策的通知，2024年5月；地方可在下限之上自定；" + DEMO + "）"
        ),
    },
    "developers": {
        "kind": "codes",
        "default": ["wyzy"],
        "basis": "取得资质的房地产开发企业（《城市房地产开发经营管理条例》资质管理；"
        "名单由住建局维护）",
    },
}
FULL_SHARE = 10000
MAX_BUYERS = 4
MAX_FAMILY = 12
MAX_PRICE = 10**15  # fen
FACT_TYPES = ["FamilyCredential", "HouseholdCredential"]
FACT_CLAIMS = ["family_dids", "local_hukou"]
SS_TYPE = "SocialSecurityCredential"
STATUSES = ["draft", "eligible", "signed", "filed", "completed", "cancelled"]


# -- policy parameters (wuyi.contract.lib.params) ---------------------------------------------


@call
def init(params: dict | None = None) -> None:
    """Set the housing policy to its defaults (``params`` may override some of them)."""
    governed.init(PARAMS, params)


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Change a housing policy number or list: admins of ``zjj`` only; in force from the next
    block; the change, its author, reason and legal basis (``basis``, if it changed) are kept
    (``param_history``)."""
    return governed.change_by(
        PARAMS, PARAM_ORG, "(住建局) may set housing parameters", name, value, reason, basis
    )


@view
def param(name: str) -> dict:
    """A housing policy number or list: ``{name, value, record}``, in force now, with its
    latest change."""
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    """Every change of parameter ``name``, oldest first, with author, org, height, reason and
    legal basis."""
    return governed.history(name)


# -- helpers -----------------------------------------------------------------------------------


def count(status, delta):
    state.set("count/" + status, state.get("count/" + status, 0) + delta)


def set_status(c, status):
    count(c["status"], -1)
    count(status, 1)
    c["status"] = status
    c["trace"].append(
        {
            "status": status,
            "height": ctx.height,
            "by": ctx.sender,
            "org": ctx.sender_org,
            "did": ctx.sender_did,
        }
    )


def load(contract_id):
    return records.load(
        "contract/" + contract_id, f"contract rule: no housing contract '{contract_id}'"
    )


def save(c):
    state.set("contract/" + c["id"], c)


def registry_unit(unit_id):
    u = invoke(REGISTRY, "unit", unit_id=unit_id)
    require(u is not None, f"listing rule: unit '{unit_id}' is not in the real-estate registry")
    return u


def not_seized(u, what):
    if u["seizures"]:
        s = u["seizures"][0]
        revert(
            f"seizure rule (查封): unit '{u['id']}' is seized by court {s['court']} ({s['id']});"
            f" no {what}"
        )


def as_developer():
    devs = governed.value("developers")
    require(
        ctx.sender_org in devs and "developer" in ctx.sender_roles,
        f"developer rule: '{ctx.sender_org}' is not a developer (param developers:"
        f" {', '.join(devs)})",
    )


def as_bureau():
    require(
        ctx.sender_org == BUREAU and "filing" in ctx.sender_roles,
        f"bureau rule: only members of '{BUREAU}' (住建局) with the role filing may do this",
    )


def as_bank():
    banks = invoke(REGISTRY, "param", name="banks")["value"]
    require(
        ctx.sender_org in banks,
        f"bank rule: '{ctx.sender_org}' is not a bank (registry param banks: {', '.join(banks)})",
    )


def is_seller(c):
    return ctx.sender_org == c["developer"] and "developer" in ctx.sender_roles


# -- listing -----------------------------------------------------------------------------------


@call(roles=["banker"])
def consent_listing(unit_id: str) -> None:
    """A bank holding a mortgage on the unit consents to its sale (抵押权人同意)."""
    as_bank()
    u = registry_unit(unit_id)
    banks = [m["bank"] for m in u["mortgages"]]
    require(
        ctx.sender_org in banks,
        f"listing rule: bank {ctx.sender_org} holds no mortgage on unit '{unit_id}'",
    )
    state.set(f"consent/{unit_id}/{ctx.sender_org}", {"by": ctx.sender, "height": ctx.height})
    emit("ListingConsent", unit=unit_id, bank=ctx.sender_org)


@call(roles=["developer"])
def list_unit(unit_id: str) -> dict:
    """List a unit for sale: it must exist in the registry, not be seized, and not be
    mortgaged unless every mortgage bank consented (``consent_listing``); if it has owners,
    the developer's organisation is the owner."""
    as_developer()
    u = registry_unit(unit_id)
    not_seized(u, "listing")
    for m in u["mortgages"]:
        require(
            state.has(f"consent/{unit_id}/{m['bank']}"),
            f"listing rule: unit '{unit_id}' is mortgaged to bank {m['bank']} ({m['id']})"
            " which has not consented to the sale",
        )
    seller = checks.org_did(ctx.sender_org)
    if u["owners"]:
        require(
            [o["did"] for o in u["owners"]] == [seller],
            f"listing rule: unit '{unit_id}' is not owned by {seller}",
        )
    old = state.get("listing/" + unit_id)
    if old is not None and old["status"] == "listed":
        revert(f"listing rule: unit '{unit_id}' is already listed by {old['developer']}")
    listing = {
        "unit": unit_id,
        "district": u["district"],
        "developer": ctx.sender_org,
        "seller": seller,
        "status": "listed",
        "by": ctx.sender,
        "height": ctx.height,
    }
    state.set("listing/" + unit_id, listing)
    emit("Listed", unit=unit_id, developer=ctx.sender_org)
    return listing


# -- contracts ---------------------------------------------------------------------------------


@call(roles=["developer"])
def draft(unit_id: str, buyers: list[str], price: int, shares: list[int] | None = None) -> str:
    """Draft a contract for a listed unit: buyers (DIDs; ``shares`` in basis points, equal by
    default), price in fen. Returns the contract id."""
    as_developer()
    listing = state.get("listing/" + unit_id)
    require(
        listing is not None and listing["status"] == "listed",
        f"listing rule: unit '{unit_id}' is not listed",
    )
    require(
        listing["developer"] == ctx.sender_org,
        f"listing rule: unit '{unit_id}' is listed by {listing['developer']}",
    )
    require(0 < len(buyers) <= MAX_BUYERS, f"contract rule: 1-{MAX_BUYERS} buyers (DIDs)")
    seen = []
    for b in buyers:
        require(checks.is_did(b), f"contract rule: buyer '{b}' is not a DID")
        require(b not in seen, f"contract rule: buyer '{b}' is listed twice")
        require(b != listing["seller"], "contract rule: the seller cannot buy")
        seen.append(b)
    require(0 < price <= MAX_PRICE, "contract rule: price (fen) must be positive")
    if shares is None:
        each = FULL_SHARE // len(buyers)
        shares = [each for _ in buyers]
        shares[0] += FULL_SHARE - each * len(buyers)
    require(len(shares) == len(buyers), "share rule: one share per buyer")
    require(all([s > 0 for s in shares]), "share rule: each share is positive")
    require(
        sum(shares) == FULL_SHARE,
        "share rule: the buyers' shares must sum to 100% (10000 basis points)",
    )
    cid = records.seq("contract", "WQ", 8)
    c = {
        "id": cid,
        "unit": unit_id,
        "district": listing["district"],
        "developer": listing["developer"],
        "seller": listing["seller"],
        "buyers": list(buyers),
        "shares": list(shares),
        "price": price,
        "status": "draft",
        "eligibility": None,
        "signatures": {"buyers": {}, "seller": None},
        "filed": None,
        "loans": {},
        "tax": None,
        "cancel": [],
        "cert": None,
        "height": ctx.height,
        "by": ctx.sender,
        "trace": [],
    }
    count("draft", 1)
    c["trace"].append(
        {
            "status": "draft",
            "height": ctx.height,
            "by": ctx.sender,
            "org": ctx.sender_org,
            "did": None,
        }
    )
    save(c)
    state.set(f"unit_contracts/{unit_id}/{cid}", ctx.height)
    emit("Drafted", contract=cid, unit=unit_id, price=price)
    return cid


def family_types(with_ss):
    types = list(FACT_TYPES)
    if with_ss:
        types.append(SS_TYPE)
    return types


def family_claims(with_ss):
    claims = list(FACT_CLAIMS)
    if with_ss:
        claims.append(f"ss_months_{governed.value('ss_window_months')}")
    return claims


@view
def eligibility_nonce(contract_id: str, did: str) -> str:
    """The nonce the buyer's wallet binds its presentation to (single use: it changes after
    every accepted check)."""
    n = state.get(f"nonce/{contract_id}/{did}", 0)
    return hash(f"{ctx.contract}/eligibility/{contract_id}/{did}/{n}".encode()).hex()


@view
def eligibility_request(with_social_security: bool = False) -> dict:
    """What the buyer's wallet must present to ``verifier`` (types and claim names)."""
    return {
        "verifier": BUREAU,
        "types": family_types(with_social_security),
        "claims": family_claims(with_social_security),
    }


@call(public=True)
def check_eligibility(
    contract_id: str, presentation_text: str, with_social_security: bool = False
) -> dict:
    """购房资格, checked by the contract from the first buyer's authorised credentials,
    presented to the bureau (``zjj``) with the holder's consent: 民政 FamilyCredential
    (``family_dids``: spouse and minor children), 公安 HouseholdCredential (``local_hukou``)
    and, for a non-local family, 人社 SocialSecurityCredential (``ss_months_<K>``: months
    in the last K = ``ss_window_months``). Rules: the family may hold at most ``max_homes``
    homes in ``restricted_districts`` (counted from the registry) when the unit is in one; a
    non-local family needs ``min_ss_months``. Records the result and the hashes of the
    presentations, never the values."""
    c = load(contract_id)
    did = ctx.sender_did or ""
    require(
        did != "" and did == c["buyers"][0],
        f"eligibility rule: the first buyer of '{contract_id}' presents the family's"
        " credentials (signed by their DID key)",
    )
    require(
        c["status"] in ["draft", "eligible"],
        f"eligibility rule: contract '{contract_id}' is {c['status']}",
    )
    got = presentation(
        presentation_text,
        types=family_types(with_social_security),
        claims=family_claims(with_social_security),
        verifier=BUREAU,
        nonce=eligibility_nonce(contract_id, did),
    )
    state.set(f"nonce/{contract_id}/{did}", state.get(f"nonce/{contract_id}/{did}", 0) + 1)
    facts = got["claims"]
    others = facts["family_dids"]
    require(
        isinstance(others, list) and len(others) < MAX_FAMILY,
        "eligibility rule: family_dids must be a list of DIDs",
    )
    family = [did]
    for d in others:
        require(checks.is_did(d), "eligibility rule: family members are DIDs")
        if d not in family:
            family.append(d)
    for b in c["buyers"]:
        require(b in family, "eligibility rule: every buyer belongs to the presented family")
    max_homes = governed.value("max_homes")
    districts = governed.value("restricted_districts")
    min_ss = governed.value("min_ss_months")
    window = governed.value("ss_window_months")
    rules = {"max_homes": "not_applicable", "min_ss_months": "not_applicable"}
    if c["district"] in districts:
        held = invoke(REGISTRY, "homes_count", dids=family, districts=districts)
        require(  # the rule's result, not the family's count (a receipt is public)
            held < max_homes,
            f"eligibility rule max_homes (限购): the family already holds the {max_homes}"
            " homes allowed in the restricted districts",
        )
        rules["max_homes"] = "pass"
    if facts["local_hukou"] is not True:
        require(
            with_social_security,
            f"eligibility rule min_ss_months (社保): a non-local family presents its"
            f" social-security months of the last {window} months",
        )
        months = facts[f"ss_months_{window}"]
        require(
            isinstance(months, int) and months >= min_ss,
            f"eligibility rule min_ss_months (社保): a non-local family needs at least {min_ss}"
            f" months of social security in the last {window} months",
        )
        rules["min_ss_months"] = "pass"
    hashes = [x["presentation_hash"] for x in got["credentials"]]
    c["eligibility"] = {
        "eligible": True,
        "rules": rules,
        "params": {
            "max_homes": max_homes,
            "restricted_districts": districts,
            "min_ss_months": min_ss,
            "ss_window_months": window,
        },
        # the family is bound by the presentations' hashes (the holder can open them); a hash
        # of the family's DIDs would let anyone test whether two public DIDs are a family
        "presentations": hashes,
        "check": got["check"],
        "types": family_types(with_social_security),
        "height": ctx.height,
    }
    if c["status"] == "draft":
        set_status(c, "eligible")
    save(c)
    emit("Eligible", contract=contract_id, rules=rules)
    return c["eligibility"]


@call(public=True)
def sign(contract_id: str) -> str:
    """Sign the contract: each buyer with their DID key, the seller by a member of the
    developer (role ``developer``). Only after eligibility; when all have signed it is
    ``signed`` and the bureau may file it. Returns the status."""
    c = load(contract_id)
    require(
        c["status"] == "eligible",
        f"signing rule: contract '{contract_id}' is {c['status']}; buyers' eligibility comes first"
        if c["status"] == "draft"
        else f"signing rule: contract '{contract_id}' is {c['status']}",
    )
    did = ctx.sender_did
    if did is not None and did in c["buyers"]:
        require(
            did not in c["signatures"]["buyers"],
            f"signing rule: buyer {did} has already signed",
        )
        c["signatures"]["buyers"][did] = ctx.height
        who = did
    elif is_seller(c):
        require(c["signatures"]["seller"] is None, "signing rule: the seller has already signed")
        c["signatures"]["seller"] = {"by": ctx.sender, "org": ctx.sender_org, "height": ctx.height}
        who = c["seller"]
    else:
        revert(
            f"signing rule: only the buyers (by their DID keys) or the seller"
            f" ({c['developer']}, role developer) sign contract '{contract_id}'"
        )
    done = c["signatures"]["seller"] is not None and all(
        [b in c["signatures"]["buyers"] for b in c["buyers"]]
    )
    if done:
        set_status(c, "signed")
    save(c)
    emit("Signed", contract=contract_id, party=who)
    return c["status"]


@call(roles=["filing"])
def file(contract_id: str) -> dict:
    """网签备案 by the bureau: the contract is signed by all parties after eligibility, the
    unit is not seized, and no other contract for the unit is filed (阴阳合同)."""
    as_bureau()
    c = load(contract_id)
    require(
        c["status"] == "signed",
        f"filing rule: contract '{contract_id}' is {c['status']}, not signed by all parties",
    )
    active = state.get("active/" + c["unit"])
    require(
        active is None,
        f"one-filing rule (阴阳合同): unit '{c['unit']}' already has the active filed contract"
        f" {active}; a second filing is refused",
    )
    u = registry_unit(c["unit"])
    not_seized(u, "filing")
    c["filed"] = {"by": ctx.sender, "height": ctx.height, "time": ctx.time}
    set_status(c, "filed")
    save(c)
    state.set("active/" + c["unit"], contract_id)
    state.set(f"filings/{c['unit']}/{contract_id}", ctx.height)
    emit("Filed", contract=contract_id, unit=c["unit"], price=c["price"])
    return c["filed"]


# -- loans and tax -----------------------------------------------------------------------------


@call(roles=["banker"])
def register_loan(contract_id: str, amount: int) -> dict:
    """A bank's loan on a filed contract: all loans together at most ``max_ltv_pct`` percent
    of the filed price. The bank's mortgage in the registry may then refer to it."""
    as_bank()
    c = load(contract_id)
    require(
        c["status"] == "filed",
        f"loan rule: contract '{contract_id}' is {c['status']}, not filed",
    )
    require(0 < amount <= MAX_PRICE, "loan rule: amount (fen) must be positive")
    bank = ctx.sender_org
    require(bank not in c["loans"], f"loan rule: bank {bank} already has a loan on '{contract_id}'")
    ltv = governed.value("max_ltv_pct")
    limit = c["price"] * ltv // 100
    total = sum([x["amount"] for x in c["loans"].values()]) + amount
    require(
        total <= limit,
        f"LTV rule max_ltv_pct (贷款成数): loans of {total} fen exceed {ltv}% of the filed"
        f" price {c['price']} fen (at most {limit} fen)",
    )
    c["loans"][bank] = {"amount": amount, "by": ctx.sender, "height": ctx.height, "ltv_pct": ltv}
    save(c)
    emit("LoanRegistered", contract=contract_id, bank=bank, amount=amount)
    return c["loans"][bank]


@call(public=True)
def declare_tax(contract_id: str, price: int, proof: bytes) -> dict:
    """A buyer's tax declaration for a filed contract: the declared price must be the filed
    price (no 阴阳合同); ``proof`` is the hash of the tax-paid proof (完税证明) the registry
    will require at transfer."""
    c = load(contract_id)
    require(
        ctx.sender_did is not None and ctx.sender_did in c["buyers"],
        f"tax rule (完税): only a buyer of '{contract_id}' declares its tax",
    )
    require(
        c["status"] == "filed",
        f"tax rule (完税): contract '{contract_id}' is {c['status']}, not filed",
    )
    require(len(proof) == 32, "tax rule (完税): proof must be a 32-byte hash")
    require(
        price == c["price"],
        f"tax rule (完税): the declared price {price} fen differs from the filed price"
        f" {c['price']} fen (阴阳合同)",
    )
    c["tax"] = {"price": price, "proof": proof, "by": ctx.sender_did, "height": ctx.height}
    save(c)
    emit("TaxDeclared", contract=contract_id)
    return c["tax"]


@call
def complete(contract_id: str, cert_id: str) -> None:
    """Called by the registry (``invoke``) when it registers the transfer: the contract is
    completed and the unit free for a later contract."""
    require(
        ctx.caller_contract == REGISTRY,
        f"contract rule: only the registry contract '{REGISTRY}' completes a contract",
    )
    c = load(contract_id)
    require(c["status"] == "filed", f"contract rule: contract '{contract_id}' is {c['status']}")
    set_status(c, "completed")
    c["cert"] = cert_id
    save(c)
    state.delete("active/" + c["unit"])
    listing = state.get("listing/" + c["unit"])
    if listing is not None:
        listing["status"] = "sold"
        state.set("listing/" + c["unit"], listing)
    emit("Completed", contract=contract_id, cert=cert_id)


# -- cancellation ------------------------------------------------------------------------------


@call(public=True)
def approve_cancel(contract_id: str) -> str:
    """Cancelling needs every buyer (DID key), the seller (developer member) and the bureau
    (zjj, role filing); the last approval cancels. Returns the status."""
    c = load(contract_id)
    require(
        c["status"] not in ["completed", "cancelled"],
        f"cancellation rule: contract '{contract_id}' is {c['status']}",
    )
    did = ctx.sender_did
    if did is not None and did in c["buyers"]:
        party = "buyer:" + did
    elif is_seller(c):
        party = "seller"
    elif ctx.sender_org == BUREAU and "filing" in ctx.sender_roles:
        party = "bureau"
    else:
        revert(
            "cancellation rule: only the buyers, the seller or the bureau (zjj, role filing)"
            " approve a cancellation"
        )
    require(party not in c["cancel"], f"cancellation rule: {party} has already approved")
    c["cancel"].append(party)
    needed = ["buyer:" + b for b in c["buyers"]] + ["seller", "bureau"]
    if all([p in c["cancel"] for p in needed]):
        if c["status"] == "filed":
            state.delete("active/" + c["unit"])
        set_status(c, "cancelled")
    save(c)
    emit("CancelApproved", contract=contract_id, party=party, status=c["status"])
    return c["status"]


# -- views -------------------------------------------------------------------------------------


@view
def contract(contract_id: str) -> dict | None:
    """The contract with its full trace: eligibility result (hashes only), signatures,
    filing, loans, tax declaration, cancellation approvals."""
    return state.get("contract/" + contract_id)


@view
def listing(unit_id: str) -> dict | None:
    return state.get("listing/" + unit_id)


@view
def filings(unit_id: str) -> dict:
    """``{active, filed: [{id, status, filed_height}], contracts: [...]}`` for a unit."""
    filed = []
    for k, h in state.range(f"filings/{unit_id}/", limit=1000):
        cid = k.split("/")[-1]
        filed.append(
            {"id": cid, "status": state.get("contract/" + cid)["status"], "filed_height": h}
        )
    drafted = [k.split("/")[-1] for k, _ in state.range(f"unit_contracts/{unit_id}/", limit=1000)]
    return {"active": state.get("active/" + unit_id), "filed": filed, "contracts": drafted}


@view
def dashboard() -> dict:
    """The bureau's counts: contracts by status."""
    return {s: state.get("count/" + s, 0) for s in STATUSES}
