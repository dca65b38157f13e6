"""人才引进落户 Talent settlement (scenario 6): the rules of 人社局 as chain parameters, checked
against the applicant's own credentials inside the block; an approval writes the 人才准予迁入
certificate record, a refusal names the rule that failed.

Routes (both called by the applicant, signed with their DID key, with a presentation for the
verifying department, default ``rsj``, bound to :func:`nonce`):

* ``apply_graduate`` (高校毕业生落户): degree level >= ``grad_min_degree_level``, age <=
  ``grad_max_age``, employed in the city, social-security months >= ``grad_min_ss_months``.
  Credentials: DegreeCredential (``degree_level``), IdentityCredential (``age``),
  EmploymentCredential (``employed_in_city``), SocialSecurityCredential (``ss_months``).
* ``apply_points`` (积分落户): points for education (``points_education`` by degree level),
  social security (``points_ss_per_year`` per full year, at most ``points_ss_max``), home
  ownership (``points_home``, PropertyCredential ``homes_in_city``), age (``points_age_bands``:
  ``[[max_age, points], ...]``, the first band the age fits) and awards (``points_award_each``
  each, at most ``points_award_max``, AwardCredential ``awards``); approved when the total
  reaches ``points_threshold``. Home and awards are optional items the applicant claims.

Only the decision, the failed rules or the points breakdown and the hashes of the presented
credentials are stored — never a claim value. Parameters: governed parameters (``PARAMS``,
``wuyi.contract.lib.params``: value, effective height, author, reason, legal basis, history),
changed by ``set_param`` by an admin of the department, effective from the next block. User
documentation: ``docs/scenarios/settlement.md``.
"""

from typing import Any

from wuyi.contract import call, ctx, emit, hash, invoke, presentation, require, state, view
from wuyi.contract.lib import params as governed

KIND = "人才准予迁入"
ROUTES = ["graduate", "points"]
OPTIONAL_ITEMS = ["home", "awards"]

N = 1000000  # the largest value of a number parameter
RULES = "江门市人才引进与积分入户政策（人社局现行文件；演示值，修改时在理由或依据中登记文号）"
GRAD = RULES + " — 高校毕业生落户："
PTS = RULES + " — 积分入户："

# degree levels: 2 中专/高中, 3 大专, 4 本科 (bachelor), 5 硕士 (master), 6 博士 (doctorate)
PARAMS = {
    "grad_min_degree_level": {"kind": "int", "max": N, "default": 4, "basis": GRAD + "学历下限"},
    "grad_max_age": {"kind": "int", "max": N, "default": 35, "basis": GRAD + "年龄上限"},
    "grad_min_ss_months": {"kind": "int", "max": N, "default": 6, "basis": GRAD + "社保月数下限"},
    "points_threshold": {"kind": "int", "max": N, "default": 100, "basis": PTS + "分数线"},
    "points_education": {
        "kind": "table",
        "default": {"3": 30, "4": 60, "5": 80, "6": 100},
        "basis": PTS + "学历积分表（按学历等级）",
    },
    "points_ss_per_year": {"kind": "int", "max": N, "default": 5, "basis": PTS + "社保每年积分"},
    "points_ss_max": {"kind": "int", "max": N, "default": 50, "basis": PTS + "社保积分上限"},
    "points_home": {"kind": "int", "max": N, "default": 20, "basis": PTS + "本市有房积分"},
    "points_age_bands": {
        "kind": "bands",
        "bound": "max_age",
        "default": [[30, 20], [35, 15], [40, 10], [45, 5]],
        "basis": PTS + "年龄积分段 [年龄上限, 分]",
    },
    "points_award_each": {"kind": "int", "max": N, "default": 10, "basis": PTS + "每项奖励积分"},
    "points_award_max": {"kind": "int", "max": N, "default": 30, "basis": PTS + "奖励积分上限"},
}

GRADUATE_TYPES = [
    "DegreeCredential",
    "IdentityCredential",
    "EmploymentCredential",
    "SocialSecurityCredential",
]
GRADUATE_CLAIMS = ["degree_level", "age", "employed_in_city", "ss_months"]
POINTS_TYPES = ["DegreeCredential", "IdentityCredential", "SocialSecurityCredential"]
POINTS_CLAIMS = ["degree_level", "age", "ss_months"]
ITEM_TYPES = {"home": "PropertyCredential", "awards": "AwardCredential"}
ITEM_CLAIMS = {"home": "homes_in_city", "awards": "awards"}


# -- set-up and parameters (wuyi.contract.lib.params) ---------------------------------------------


@call
def init(department: str = "rsj", police: str = "gaj", registry: str = "") -> None:
    """``department`` (人社局) sets the parameters and verifies the presentations;
    ``police`` (公安局) issues the certificate credentials; ``registry`` (the deployed
    real-estate registry contract, e.g. ``realestate``; empty: none) is where home ownership
    for the points route is counted, from the registry's own state."""
    state.set("cfg", {"department": department, "police": police, "registry": registry})
    governed.init(PARAMS)


def config() -> dict:
    return state.get("cfg")


def current(name: str):
    return governed.value(name)


@call
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Change a parameter (an admin of the department only); it applies from the next block.
    Returns the record (value, effective_height, set_by, org, height, reason, basis,
    previous)."""
    cfg = config()
    require(
        ctx.sender_org == cfg["department"] and "admin" in ctx.sender_roles,
        "set_param: only an admin of '" + cfg["department"] + "' may change settlement rules",
    )
    return governed.change(PARAMS, name, value, reason, basis)


@view
def params() -> dict:
    """Every parameter's value in force at this height."""
    return governed.values(PARAMS)


@view
def param(name: str) -> dict:
    """The current record of ``name`` (with a pending change, if any, and its height)."""
    rec = governed.record(name)
    require(rec is not None, "no parameter '" + name + "'")
    return {**rec, "in_force": governed.in_force(rec)}


@view
def param_history(name: str) -> list:
    """Every change of ``name``, oldest first, with its author (address, org), reason and
    legal basis."""
    require(name in PARAMS, "no parameter '" + name + "'")
    return governed.history(name)


# -- applications -------------------------------------------------------------------------------


@view
def nonce(did: str, method: str) -> str:
    """The nonce the applicant's next presentation to ``method`` must be bound to (the
    KB-JWT ``nonce``): fetch it, present, call. It changes after each decision."""
    require(method in ["apply_graduate", "apply_points"], "no such application method")
    n = state.get("nonce/" + did, 0)
    return hash((ctx.contract + "/" + method + "/" + did + "/" + str(n)).encode()).hex()


@view
def request(route: str, items: list[str] | None = None) -> dict:
    """What the applicant's wallet must present for ``route`` (``graduate`` or ``points``, with
    the optional points ``items`` claimed): the verifying department, the method to call, the
    credential types and the claim names."""
    require(route in ROUTES, "no such route '" + str(route) + "' (graduate or points)")
    chosen = items or []
    if route == "graduate":
        require(not chosen, "items belong to the points route")
        return {
            "verifier": config()["department"],
            "method": "apply_graduate",
            "types": list(GRADUATE_TYPES),
            "claims": list(GRADUATE_CLAIMS),
        }
    seen = []
    for x in chosen:
        require(x in OPTIONAL_ITEMS, "unknown item '" + str(x) + "' (home or awards)")
        require(x not in seen, "an item is named twice")
        seen.append(x)
    return {
        "verifier": config()["department"],
        "method": "apply_points",
        "types": list(POINTS_TYPES) + [ITEM_TYPES[x] for x in chosen],
        "claims": list(POINTS_CLAIMS) + [ITEM_CLAIMS[x] for x in chosen],
    }


def applicant() -> str:
    """The sender's DID: applicants sign with their DID key."""
    require(
        ctx.sender_did is not None, "apply: sign with your DID key (applicants are DID holders)"
    )
    return ctx.sender_did or ""


def verify(method: str, text: str, types: list, claims: list) -> dict:
    did = applicant()
    done = state.get("holder_cert/" + did)
    require(done is None, "apply: already approved (certificate " + str(done) + ")")
    got = presentation(
        text, types=types, claims=claims, verifier=config()["department"], nonce=nonce(did, method)
    )
    state.set("nonce/" + did, state.get("nonce/" + did, 0) + 1)
    return got


def decide(route: str, got: dict, result: str, detail: dict) -> dict:
    did = applicant()
    n = state.get("app_next", 0) + 1
    state.set("app_next", n)
    app_id = "JMTS-" + str(100000 + n)[1:]
    hashes = [c["presentation_hash"] for c in got["credentials"]]
    cert_id = None
    if result == "approved":
        cert_id = "JMRC-" + str(100000 + n)[1:]
        cert = {
            "id": cert_id,
            "kind": KIND,
            "holder": did,
            "route": route,
            "application": app_id,
            "height": ctx.height,
            "time": ctx.time,
            "issuer_org": config()["police"],
            "credential": None,
        }
        body = ctx.contract + "|" + cert_id + "|" + did + "|" + route + "|" + str(ctx.height)
        cert["commitment"] = hash(body.encode() + b"".join(hashes))
        state.set("cert/" + cert_id, cert)
        state.set("holder_cert/" + did, cert_id)
    app = {
        "id": app_id,
        "holder": did,
        "route": route,
        "result": result,
        **detail,
        "presentations": hashes,
        "check": got["check"],
        "certificate": cert_id,
        "height": ctx.height,
        "time": ctx.time,
    }
    state.set("app/" + app_id, app)
    state.set("holder_app/" + did + "/" + app_id, 1)
    emit("Decided", application=app_id, holder=did, route=route, result=result)
    if cert_id is not None:
        emit("CertificateIssued", certificate=cert_id, holder=did, kind=KIND)
    return app


@call(public=True)
def apply_graduate(text: str) -> dict:
    """College-graduate settlement. ``text``: the presentation of GRADUATE_TYPES disclosing
    exactly GRADUATE_CLAIMS. Returns the decision: ``approved`` with the certificate id, or
    ``refused`` with ``failed`` (each rule that failed, with its limit) — never the facts."""
    got = verify("apply_graduate", text, GRADUATE_TYPES, GRADUATE_CLAIMS)
    c = got["claims"]
    failed = []
    level = current("grad_min_degree_level")
    if not num(c["degree_level"]) or c["degree_level"] < level:
        failed.append({"rule": "degree", "message": "degree level below " + str(level)})
    age = current("grad_max_age")
    if not num(c["age"]) or c["age"] > age:
        failed.append({"rule": "age", "message": "older than " + str(age)})
    if c["employed_in_city"] is not True:
        failed.append({"rule": "employment", "message": "not employed in the city"})
    months = current("grad_min_ss_months")
    if not num(c["ss_months"]) or c["ss_months"] < months:
        failed.append(
            {"rule": "social_security", "message": "fewer than " + str(months) + " months"}
        )
    result = "refused" if failed else "approved"
    return decide("graduate", got, result, {"failed": failed})


def num(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@call(public=True)
def apply_points(text: str, items: list[str]) -> dict:
    """Points-based settlement. ``items``: the optional items claimed (``home``, ``awards``),
    each adding its credential (PropertyCredential ``homes_in_city``, AwardCredential
    ``awards``) to POINTS_TYPES / POINTS_CLAIMS. Returns the decision with the points
    breakdown per item, the total and the threshold."""
    for item in items:
        require(item in OPTIONAL_ITEMS, "apply_points: unknown item '" + str(item) + "'")
    for i in range(len(items)):
        require(items[i] not in items[i + 1 :], "apply_points: an item is named twice")
    types = list(POINTS_TYPES) + [ITEM_TYPES[i] for i in items]
    claims = list(POINTS_CLAIMS) + [ITEM_CLAIMS[i] for i in items]
    got = verify("apply_points", text, types, claims)
    c = got["claims"]
    for name in claims:
        require(num(c[name]), "apply_points: claim " + name + " must be an int")
    table = current("points_education")
    education = table.get(str(c["degree_level"]), 0)
    years = c["ss_months"] // 12
    ss = min(years * current("points_ss_per_year"), current("points_ss_max"))
    registry = config().get("registry", "")
    owned = invoke(registry, "homes_count", dids=[got["holder"]]) if registry else 0
    claimed = c["homes_in_city"] if "home" in items else 0
    home = current("points_home") if owned >= 1 or claimed >= 1 else 0
    home_source = "registry" if owned >= 1 else ("credential" if claimed >= 1 else None)
    age = 0
    for band in current("points_age_bands"):
        if c["age"] <= band[0]:
            age = band[1]
            break
    awards = 0
    if "awards" in items:
        awards = min(c["awards"] * current("points_award_each"), current("points_award_max"))
    points = {
        "education": education,
        "social_security": ss,
        "home": home,
        "age": age,
        "awards": awards,
    }
    total = education + ss + home + age + awards
    threshold = current("points_threshold")
    result = "approved" if total >= threshold else "refused"
    failed = []
    if result == "refused":
        failed = [
            {
                "rule": "points_threshold",
                "message": str(total) + " points, below the threshold " + str(threshold),
            }
        ]
    detail = {
        "points": points,
        "total": total,
        "threshold": threshold,
        "failed": failed,
        "home_source": home_source,
    }
    return decide("points", got, result, detail)


@call
def link_credential(certificate: str, idx: int) -> dict:
    """公安局's issuer system, after issuing the certificate's SD-JWT to the holder
    (``vc.issue`` of its commitment), links the status entry ``<police>/<idx>`` here, so a
    public check goes certificate -> credential status. An ``issuer`` of the police org only."""
    police = config()["police"]
    require(
        ctx.sender_org == police and "issuer" in ctx.sender_roles,
        "link_credential: only an issuer of '" + police + "'",
    )
    cert = state.get("cert/" + certificate)
    require(cert is not None, "no certificate " + certificate)
    require(cert["credential"] is None, "certificate " + certificate + " is already linked")
    cert["credential"] = {"org": police, "idx": idx}
    state.set("cert/" + certificate, cert)
    emit("CertificateLinked", certificate=certificate, org=police, idx=idx)
    return cert


@view
def certificate(id: str) -> dict:
    """The certificate record (public: holder DID, kind, height, commitment, credential)."""
    cert = state.get("cert/" + id)
    require(cert is not None, "no certificate " + id)
    return cert


@view
def application(id: str) -> dict:
    """A decision: result, failed rules or points breakdown, presentation hashes."""
    app = state.get("app/" + id)
    require(app is not None, "no application " + id)
    return app


@view
def status(did: str) -> dict:
    """An applicant's applications (newest last) and certificate, if any."""
    ids = [k.split("/")[-1] for k, _ in state.range("holder_app/" + did + "/", 100)]
    return {
        "holder": did,
        "applications": [state.get("app/" + i) for i in ids],
        "certificate": state.get("holder_cert/" + did),
    }
