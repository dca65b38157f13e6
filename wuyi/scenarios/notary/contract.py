"""公证 Notary services (scenario 7): notarial cases and electronic notarial certificates
(公证书) with their status, review requests (复查), and electronic evidence preservation (电子存证)
with its chain of custody.

Notarial certificates. A notary (role ``notary``) of a notary office (``param offices``)
accepts a case (受理: its type, the applicants' salted commitments, the DIDs of those who hold a
wallet); it is due ``issue_days`` working days later (公证法第三十条: weekends and the governed
holiday table), the time of a suspension (中止: supplementary materials, verification, force
majeure) not counted. Issuing records the certificate (``wuyi.contract.lib.certs``: number
``(YYYY)<OFFICE>证字第N号``, unique per office and year; type, the document's hash, office,
notary, case; its content stays off chain) and how many working days late it came; it is
effective on issue (第三十二条). Only the issuing office changes it: 补正 (a correcting certificate
that supersedes it, linked both ways) or 撤销 (revoked: void from the start, with the hash of the
public notice, 第三十九条); each change is filed for 司法局 and 公证协会 (``param supervisors``)
in the same transaction (``filing/<seq>``, event ``Filed``). A party (a holder's DID) may ask
for a review within ``review_days`` of issue; an interested party within ``review_days`` of the
date it says it learnt of it (its claim, recorded as such) and ``review_max_years`` of issue
(《公证程序规则》第六十三条). Public check (``check``): certificate number + the document's hash
-> authentic | corrected (see the new one) | revoked | unknown, without parties.

Evidence preservation. A custodian (role ``custodian`` or ``notary``) of an evidence platform
(``param evidence_platforms``) or of a notary office preserves a document's hash with what a
court reviews (《人民法院在线诉讼规则》第十六条至第十八条): the hash and its algorithm (the chain's
own, named by the contract), the trusted time (the block's), the submitter (the member who
signed; the platform), how it was captured (``param capture_methods``; a device attestation's
hash for ``param attested_methods``), the platform's registered compliance statement. Every
custody step (preserved, handed over, received, notarised) is a record of its own,
``custody/<id>/<seq>``, naming the transaction that wrote it (``tx_hash``, ``height``), the
document's hash and the previous step's transaction: one proof bundle carries them all and a
court checks the whole chain from the chain's genesis alone (``custody.py``,
``docs/verifying.md``).

Parameters: ``PARAMS`` (``wuyi.contract.lib.params``), changed by admins of ``sfj`` (司法局).
No personal data: commitments, DIDs, codes, hashes and dates.
"""

from typing import Any

from wuyi.contract import call, ctx, emit, hash, require, state, view
from wuyi.contract.lib import calendar, certs, checks, records
from wuyi.contract.lib import params as governed

ROLES = ["notary", "issuer", "custodian", "judge"]
OWNER = "sfj"
GZF = "《中华人民共和国公证法》（2017 年修正）"
RULES = "《公证程序规则》（司法部令第 145 号）"
ONLINE = "《人民法院在线诉讼规则》（法释〔2021〕12 号）"
PARAMS = {
    "offices": {
        "kind": "codes",
        "min_items": 1,
        "default": ["jmgz", "xhgz"],
        "basis": GZF + "第六条、第九条：公证机构经省级司法行政部门批准设立（名单为演示值）",
    },
    "supervisors": {
        "kind": "codes",
        "min_items": 1,
        "default": ["sfj", "gzxh"],
        "basis": RULES
        + "：撤销、补正公证书当日报地方公证协会并录入全国公证管理系统；"
        + GZF
        + "第五条司法行政部门监督指导 [weak: 条文号未核对]",
    },
    "case_types": {
        "kind": "codes",
        "min_items": 1,
        "default": [
            "inheritance",
            "entrustment",
            "declaration",
            "contract",
            "education",
            "kinship",
            "evidence",
            "enforceable_debt",
        ],
        "basis": GZF + "第十一条（公证事项）、第三十七条（赋予强制执行效力的债权文书）",
    },
    "issue_days": {
        "kind": "int",
        "min": 1,
        "max": 250,
        "default": 15,
        "basis": GZF + "第三十条：自受理之日起十五个工作日内出具公证书",
    },
    "pause_reasons": {
        "kind": "codes",
        "min_items": 1,
        "default": ["supplementary_materials", "verification", "force_majeure"],
        "basis": GZF + "第三十条：因不可抗力、补充证明材料或者需要核实有关情况的，所需时间"
        "不计算在期限内",
    },
    "refusal_reasons": {
        "kind": "codes",
        "min_items": 1,
        "default": [
            "no_capacity",
            "no_interest",
            "technical_appraisal",
            "dispute",
            "false_materials",
            "insufficient_materials",
            "untrue_or_illegal",
            "against_public_morals",
            "fee_refused",
        ],
        "basis": GZF + "第三十一条：不予办理公证的情形（一）至（九）",
    },
    "review_days": {
        "kind": "int",
        "min": 1,
        "max": 3660,
        "default": 365,
        "basis": RULES + "第六十三条：当事人自收到公证书之日起一年内提出复查；利害关系人自知道"
        "或者应当知道之日起一年内",
    },
    "review_max_years": {
        "kind": "int",
        "min": 1,
        "max": 100,
        "default": 20,
        "basis": RULES + "第六十三条：自公证书出具之日起超过二十年的，不得提出复查",
    },
    "evidence_platforms": {
        "kind": "codes",
        "min_items": 0,
        "default": ["wycz"],
        "basis": ONLINE + "第十七条：存证平台符合国家有关部门关于提供区块链存证服务的相关规定"
        "（名单为演示值）",
    },
    "courts": {
        "kind": "codes",
        "min_items": 0,
        "default": ["fy"],
        "basis": ONLINE + "第十六条；《最高人民法院关于互联网法院审理案件若干问题的规定》第十一条",
    },
    "capture_methods": {
        "kind": "codes",
        "min_items": 1,
        "default": ["web_page", "screen_recording", "photo", "audio", "video", "file", "email"],
        "basis": ONLINE + "第十八条：上链前数据的来源、生成及取证过程 [mem: 方式清单为本平台规则]",
    },
    "attested_methods": {
        "kind": "codes",
        "min_items": 0,
        "default": ["screen_recording", "photo", "audio", "video"],
        "basis": ONLINE + "第十七条第（四）项、第十八条：存证技术和过程 [mem: 须设备证明的方式为"
        "本平台规则]",
    },
    "max_capture_lag_hours": {
        "kind": "int",
        "min": 1,
        "max": 8760,
        "default": 24,
        "basis": ONLINE + "第十八条 [mem: 取证时间至上链时间的上限为本平台规则]",
    },
    "holidays": {
        "kind": "holidays",
        "default": calendar.CN_HOLIDAYS,
        "basis": "国务院办公厅节假日安排（每年的通知；见表中各年条目）",
    },
}
CASE_TYPES_ZH = {
    "inheritance": "继承",
    "entrustment": "委托",
    "declaration": "声明",
    "contract": "合同",
    "education": "学历",
    "kinship": "亲属关系",
    "evidence": "保全证据",
    "enforceable_debt": "赋予强制执行效力的债权文书",
}
CORRECTION_REASONS = ["clerical_error", "omission", "translation_error", "other_error"]
REVOCATION_REASONS = ["untrue", "illegal"]
HANDOVER_PURPOSES = ["notarisation", "litigation", "archive", "storage"]
OUTCOMES = ["maintain", "correct", "revoke"]
#: the chain's hash function, named from the hash of nothing (SM3 or SHA-256)
ALGOS = {
    "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b": "sm3",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855": "sha256",
}
MAX_PARTIES = 16
HOUR_MS = 3600000
#: what the first step of an evidence's chain of custody repeats of its record
PRESERVED = [
    "algo",
    "captured_at",
    "method",
    "device_attestation",
    "platform",
    "statement",
    "statement_version",
    "applicant",
]


# -- governed parameters -------------------------------------------------------------------------


@call
def init(params: dict | None = None) -> None:
    """The parameters at their defaults, or as ``params`` gives some of them (司法局 changes
    them afterwards)."""
    governed.init(PARAMS, params)


@call(roles=["admin"])
def set_param(name: str, value: Any, reason: str, basis: str | None = None) -> dict:
    """Admins of 司法局 change a parameter, in force from the next block, on record."""
    return governed.change_by(
        PARAMS, OWNER, "(司法局) change notary parameters", name, value, reason, basis
    )


@view
def param(name: str) -> dict:
    """``{name, value, record}`` of a parameter."""
    return governed.describe(name)


@view
def param_history(name: str) -> list:
    """Every change of a parameter, with author, reason and legal basis."""
    return governed.history(name)


# -- helpers -------------------------------------------------------------------------------------


def p(name):
    return governed.value(name)


def as_notary(office=None):
    """The sender is a notary (role ``notary``) of a notary office (of ``office`` if named)."""
    offices = p("offices")
    require(
        ctx.sender_org in offices and "notary" in ctx.sender_roles,
        f"notary rule: only a notary (role notary) of a notary office may do this"
        f" (param offices: {', '.join(offices)})",
    )
    if office is not None:
        require(
            ctx.sender_org == office,
            f"office rule: only the office that holds it ('{office}') may do this",
        )


def file(change, cert_no, office, detail):
    """File a change with 司法局 and 公证协会 (param supervisors) in this transaction."""
    n = records.next_number("filing")
    to = p("supervisors")
    rec = {
        "seq": n,
        "change": change,
        "cert": cert_no,
        "office": office,
        "to": to,
        "detail": detail,
        "on": calendar.today(),
        "time": ctx.time,
        "height": ctx.height,
        "tx_hash": ctx.tx_hash,
    }
    state.set("filing/" + records.pad(n, 8), rec)
    emit("Filed", filing=n, change=change, cert=cert_no, office=office, to=to)
    return rec


# -- cases ---------------------------------------------------------------------------------------


def load_case(case_id):
    return records.load("case/" + case_id, f"case rule: no case '{case_id}'")


def check_parties(applicants, holders):
    require(
        isinstance(applicants, list) and 0 < len(applicants) <= MAX_PARTIES,
        f"party rule: 1-{MAX_PARTIES} applicants, each a salted commitment (32 bytes)",
    )
    for a in applicants:
        checks.check_hash(a, "party rule: an applicant's commitment")
    require(
        isinstance(holders, list) and len(holders) <= len(applicants),
        "party rule: at most one holder DID per applicant",
    )
    for i in range(len(holders)):
        require(checks.is_did(holders[i], 128), f"party rule: holder '{holders[i]}' is not a DID")
        require(holders[i] not in holders[i + 1 :], "party rule: a holder DID is named twice")


@call(roles=["notary"])
def accept(case_type: str, applicants: list, holders: list, evidence: str | None = None) -> dict:
    """受理: a notary of an office accepts a case of ``case_type`` (param case_types) for
    ``applicants`` (salted commitments: who they are stays with the office) of whom
    ``holders`` (DIDs) will hold the certificate's credential; a 保全证据 case (``evidence``)
    names a preserved piece of evidence the office holds. Due ``issue_days`` working days
    later."""
    as_notary()
    types = p("case_types")
    require(
        case_type in types,
        f"case rule: '{case_type}' is not a notarial matter (param case_types: {', '.join(types)})",
    )
    check_parties(applicants, holders)
    if case_type == "evidence":
        require(evidence is not None, "case rule: a 保全证据 case names the preserved evidence")
        ev = load_evidence(evidence)
        require(
            ev["custodian"] == ctx.sender_org and ev["pending_to"] is None,
            f"custody rule: evidence '{evidence}' is held by '{ev['custodian']}'; the office"
            " must receive it before notarising it",
        )
    else:
        require(evidence is None, "case rule: only a 保全证据 case names evidence")
    office = ctx.sender_org or ""
    today = calendar.today()
    year = today[:4]
    n = records.next_number("case/" + office + "/" + year)
    case_id = office.upper() + "-" + year + "-" + records.pad(n, 5)
    days = p("issue_days")
    c = {
        "id": case_id,
        "office": office,
        "type": case_type,
        "applicants": applicants,
        "holders": holders,
        "evidence": evidence,
        "notary": ctx.sender,
        "accepted_on": today,
        "accepted_at": ctx.time,
        "issue_days": days,
        "due": calendar.add_working_days(today, days, p("holidays")),
        "paused_days": 0,
        "pauses": [],
        "status": "accepted",
        "certificate": None,
        "refusal": None,
        "late_days": None,
        "closed_on": None,
        "height": ctx.height,
        "tx_hash": ctx.tx_hash,
    }
    state.set("case/" + case_id, c)
    for did in holders:
        state.set("holder_case/" + did + "/" + case_id, 1)
    emit("CaseAccepted", case=case_id, office=office, type=case_type, due=c["due"])
    return c


@call(roles=["notary"])
def pause(case_id: str, reason: str) -> dict:
    """中止: the time until :func:`resume` is not counted (公证法第三十条); ``reason`` one of
    param pause_reasons."""
    c = load_case(case_id)
    as_notary(c["office"])
    reasons = p("pause_reasons")
    require(
        reason in reasons,
        f"deadline rule: '{reason}' is not a reason to suspend (param pause_reasons:"
        f" {', '.join(reasons)})",
    )
    require(c["status"] == "accepted", f"deadline rule: case '{case_id}' is {c['status']}")
    c["status"] = "paused"
    c["pauses"] = c["pauses"] + [{"reason": reason, "from": calendar.today(), "to": None}]
    state.set("case/" + case_id, c)
    emit("CasePaused", case=case_id, reason=reason)
    return c


@call(roles=["notary"])
def resume(case_id: str) -> dict:
    """The suspension ends: its working days move the due date."""
    c = load_case(case_id)
    as_notary(c["office"])
    require(c["status"] == "paused", f"deadline rule: case '{case_id}' is not suspended")
    table = p("holidays")
    today = calendar.today()
    last = c["pauses"][-1]
    used = calendar.working_days_between(last["from"], today, table)
    last = {"reason": last["reason"], "from": last["from"], "to": today, "working_days": used}
    pauses = c["pauses"][:-1]
    pauses.append(last)
    c["pauses"] = pauses
    c["paused_days"] = c["paused_days"] + used
    c["due"] = calendar.add_working_days(
        c["accepted_on"], c["issue_days"] + c["paused_days"], table
    )
    c["status"] = "accepted"
    state.set("case/" + case_id, c)
    emit("CaseResumed", case=case_id, due=c["due"])
    return c


def open_case(case_id, what):
    c = load_case(case_id)
    as_notary(c["office"])
    if c["status"] == "paused":
        require(
            False,
            f"deadline rule: case '{case_id}' is suspended ({c['pauses'][-1]['reason']});"
            f" resume it before it is {what}",
        )
    require(c["status"] == "accepted", f"case rule: case '{case_id}' is already {c['status']}")
    return c


def close(c, status):
    today = calendar.today()
    c["status"] = status
    c["closed_on"] = today
    c["late_days"] = calendar.working_days_between(c["due"], today, p("holidays"))


def new_certificate(c, doc_hash, corrects):
    """Record a certificate of case ``c`` (its number unique per office and year)."""
    checks.check_hash(doc_hash, "certificate rule: doc_hash (the certificate document's hash)")
    hex_ = doc_hash.hex()
    have = state.get("doc/" + hex_)
    require(
        have is None,
        f"certificate rule: this document is already certificate {have}",
    )
    office = c["office"]
    year = calendar.today()[:4]
    n = records.next_number("cert/" + office + "/" + year)
    cert_no = "(" + year + ")" + office.upper() + "证字第" + str(n) + "号"
    holders = c["holders"] or ["did:wuyi:org:" + office]
    fields = {
        "type": c["type"],
        "office": office,
        "case": c["id"],
        "doc_hash": hex_,
        "notary": ctx.sender,
        "corrects": corrects or "",
    }
    rec = certs.record(cert_no, CASE_TYPES_ZH.get(c["type"], c["type"]) + "公证书", holders, fields)
    rec["office"] = office
    rec["issued_on"] = calendar.today()
    rec["corrected_by"] = None
    rec["revocation"] = None
    state.set("cert/" + cert_no, rec)
    state.set("doc/" + hex_, cert_no)
    return rec


@call(roles=["notary"])
def issue(case_id: str, doc_hash: bytes) -> dict:
    """出具公证书: the case's office records the certificate (``doc_hash``: the signed
    certificate document's hash; its content stays off chain), effective now; how many working
    days after the due date it came is recorded. A 保全证据 certificate adds a custody step
    ``notarised`` to its evidence."""
    c = open_case(case_id, "issued")
    if c["evidence"] is not None:
        ev = load_evidence(c["evidence"])
        require(
            ev["custodian"] == c["office"] and ev["pending_to"] is None,
            f"custody rule: evidence '{c['evidence']}' is no longer held by '{c['office']}'",
        )
    rec = new_certificate(c, doc_hash, None)
    close(c, "issued")
    c["certificate"] = rec["id"]
    state.set("case/" + case_id, c)
    file("issued", rec["id"], c["office"], {"case": case_id, "late_days": c["late_days"]})
    if c["evidence"] is not None:
        custody_step(ev, "notarised", {"certificate": rec["id"]})
    emit("CertificateIssued", cert=rec["id"], case=case_id, office=c["office"])
    return rec


@call(roles=["notary"])
def refuse(case_id: str, reason: str) -> dict:
    """不予办理: ``reason`` one of param refusal_reasons (公证法第三十一条)."""
    c = open_case(case_id, "refused")
    reasons = p("refusal_reasons")
    require(
        reason in reasons,
        f"refusal rule: '{reason}' is not a ground of 公证法第三十一条 (param"
        f" refusal_reasons: {', '.join(reasons)})",
    )
    close(c, "refused")
    c["refusal"] = reason
    state.set("case/" + case_id, c)
    emit("CaseRefused", case=case_id, reason=reason)
    return c


# -- certificates: correction, revocation ----------------------------------------------------------


def load_cert(cert_no):
    rec = certs.get(cert_no)
    require(rec is not None, f"certificate rule: no certificate '{cert_no}'")
    return rec


def issuing_office(rec):
    """The sender is a notary of the office that issued ``rec``."""
    office = rec["fields"]["office"]
    as_notary()
    require(
        ctx.sender_org == office,
        f"office rule: only the issuing office '{office}' may change certificate '{rec['id']}'",
    )


def do_correct(rec, doc_hash, reason):
    require(
        reason in CORRECTION_REASONS,
        f"correction rule: '{reason}' is not one of {', '.join(CORRECTION_REASONS)}",
    )
    require(
        rec["status"] == "active",
        f"correction rule: certificate '{rec['id']}' is {rec['status']}; only an issued"
        " certificate is corrected",
    )
    c = load_case(rec["fields"]["case"])
    new = new_certificate(c, doc_hash, rec["id"])
    old = certs.supersede(rec["id"], new["id"])
    old["corrected_by"] = new["id"]
    state.set("cert/" + rec["id"], old)
    file("corrected", rec["id"], c["office"], {"by": new["id"], "reason": reason})
    emit("CertificateCorrected", cert=rec["id"], by=new["id"])
    return new


def do_revoke(rec, reason, notice_hash):
    require(
        reason in REVOCATION_REASONS,
        f"revocation rule: '{reason}' is not one of {', '.join(REVOCATION_REASONS)}"
        " (公证法第三十九条: content illegal or untrue)",
    )
    checks.check_hash(notice_hash, "revocation rule: notice_hash (the public notice's hash)")
    require(
        rec["status"] == "active",
        f"revocation rule: certificate '{rec['id']}' is {rec['status']}",
    )
    rec["status"] = "revoked"
    rec["revocation"] = {
        "reason": reason,
        "notice_hash": notice_hash,
        "on": calendar.today(),
        "time": ctx.time,
        "height": ctx.height,
        "by": ctx.sender,
        "void_from": rec["issued_on"],
    }
    state.set("cert/" + rec["id"], rec)
    state.set("notice/" + records.pad(records.next_number("notice"), 6), rec["id"])
    file("revoked", rec["id"], rec["fields"]["office"], {"reason": reason})
    emit("CertificateRevoked", cert=rec["id"], reason=reason)
    return rec


@call(roles=["notary"])
def correct(cert_no: str, doc_hash: bytes, reason: str) -> dict:
    """补正: the issuing office records a correcting certificate (a new number and document)
    that supersedes ``cert_no``; both are linked and the change is filed."""
    rec = load_cert(cert_no)
    issuing_office(rec)
    return do_correct(rec, doc_hash, reason)


@call(roles=["notary"])
def revoke(cert_no: str, reason: str, notice_hash: bytes) -> dict:
    """撤销: the issuing office revokes ``cert_no`` (``reason`` untrue or illegal); it is void
    from the start; ``notice_hash`` is the hash of the public notice. Filed the same block."""
    rec = load_cert(cert_no)
    issuing_office(rec)
    return do_revoke(rec, reason, notice_hash)


@call
def link_credential(cert_id: str, idx: int, holder: str | None = None) -> dict:
    """The issuing office's issuer system links the credential it issued to a holder."""
    rec = load_cert(cert_id)
    return certs.link(cert_id, idx, holder, [rec["fields"]["office"]])


# -- reviews (复查) --------------------------------------------------------------------------------


@call(public=True)
def request_review(cert_no: str, known_on: str | None = None) -> dict:
    """复查申请 by a DID: a holder of the certificate (a party) within ``review_days`` of issue;
    anyone else as an interested party, naming ``known_on``, the date it learnt of the
    certificate (its own claim, recorded as such), within ``review_days`` of that date and
    ``review_max_years`` of issue."""
    did = ctx.sender_did or ""
    require(did != "", "review rule: sign with your DID key")
    rec = load_cert(cert_no)
    require(
        rec["status"] == "active",
        f"review rule: certificate '{cert_no}' is {rec['status']}"
        + (f"; see {rec['corrected_by']}" if rec["corrected_by"] else ""),
    )
    today = calendar.today()
    issued = rec["issued_on"]
    days = p("review_days")
    party = did in rec["holders"]
    if party:
        require(known_on is None, "review rule: a party's window runs from issue; no known_on")
        until = calendar.add_days(issued, days)
        require(
            today <= until,
            f"review rule: a party asks within {days} days of issue ({issued}); the window"
            f" closed on {until}",
        )
    else:
        require(known_on is not None, "review rule: an interested party names known_on")
        calendar.parse(known_on)
        require(
            issued <= known_on <= today,
            "review rule: known_on is a date from the issue date to today",
        )
        until = calendar.add_days(known_on, days)
        cap = calendar.add_months(issued, 12 * p("review_max_years"))
        require(
            today <= until,
            f"review rule: an interested party asks within {days} days of learning of it"
            f" ({known_on}); the window closed on {until}",
        )
        require(
            today <= cap,
            f"review rule: no review more than {p('review_max_years')} years after issue"
            f" ({issued}; closed on {cap})",
        )
        until = until if until < cap else cap
    key = "review_open/" + cert_no + "/" + did
    require(not state.has(key), f"review rule: your request on '{cert_no}' is still pending")
    n = records.next_number("review")
    rid = "FC-" + today[:4] + "-" + records.pad(n, 5)
    review = {
        "id": rid,
        "cert": cert_no,
        "office": rec["fields"]["office"],
        "requester": did,
        "as": "party" if party else "interested_party",
        "claimed": None if party else {"known_on": known_on},
        "requested_on": today,
        "window_until": until,
        "status": "pending",
        "decision": None,
        "height": ctx.height,
        "tx_hash": ctx.tx_hash,
    }
    state.set("review/" + rid, review)
    state.set(key, rid)
    state.set("holder_review/" + did + "/" + rid, 1)
    emit("ReviewRequested", review=rid, cert=cert_no, office=review["office"])
    return review


@call(roles=["notary"])
def decide_review(
    review_id: str,
    outcome: str,
    reason: str = "",
    doc_hash: bytes | None = None,
    notice_hash: bytes | None = None,
) -> dict:
    """The issuing office decides a review: ``maintain``, ``correct`` (``reason`` a
    correction reason, ``doc_hash`` the correcting certificate) or ``revoke`` (``reason``
    untrue or illegal, ``notice_hash``)."""
    review = state.get("review/" + review_id)
    require(review is not None, f"review rule: no review '{review_id}'")
    require(review["status"] == "pending", f"review rule: '{review_id}' is {review['status']}")
    require(outcome in OUTCOMES, f"review rule: the outcome is one of {', '.join(OUTCOMES)}")
    rec = load_cert(review["cert"])
    issuing_office(rec)
    result = None
    if outcome == "correct":
        require(doc_hash is not None, "review rule: a correction needs doc_hash")
        result = do_correct(rec, doc_hash, reason)["id"]
        status = "corrected"
    elif outcome == "revoke":
        require(notice_hash is not None, "review rule: a revocation needs notice_hash")
        do_revoke(rec, reason, notice_hash)
        status = "revoked"
    else:
        status = "maintained"
        file("review_maintained", rec["id"], rec["fields"]["office"], {"review": review_id})
    review["status"] = status
    review["decision"] = {
        "outcome": outcome,
        "reason": reason,
        "certificate": result,
        "on": calendar.today(),
        "by": ctx.sender,
        "height": ctx.height,
    }
    state.set("review/" + review_id, review)
    state.delete("review_open/" + review["cert"] + "/" + review["requester"])
    emit("ReviewDecided", review=review_id, outcome=outcome)
    return review


# -- evidence preservation and custody -----------------------------------------------------------


def load_evidence(eid):
    return records.load("ev/" + eid, f"evidence rule: no preserved evidence '{eid}'")


def keeper_orgs():
    return p("offices") + p("evidence_platforms") + p("courts")


def as_keeper():
    """A member of an evidence platform, a notary office or a court with a custody role."""
    orgs = keeper_orgs()
    require(
        ctx.sender_org in orgs,
        f"custody rule: '{ctx.sender_org}' is not an evidence platform, notary office or court"
        f" (params evidence_platforms, offices, courts: {', '.join(orgs)})",
    )
    mine = [r for r in ["custodian", "notary", "judge"] if r in ctx.sender_roles]
    require(mine, "custody rule: a custody step needs the role custodian, notary or judge")


def custody_step(ev, step, detail):
    """Append step ``step`` to evidence ``ev``'s chain of custody (a record naming this
    transaction, the document's hash and the previous step's transaction) and save ``ev``."""
    n = ev["steps"] + 1
    prev = state.get("custody/" + ev["id"] + "/" + records.pad(ev["steps"], 4)) if n > 1 else None
    rec = {
        "evidence": ev["id"],
        "seq": n,
        "step": step,
        "doc_hash": ev["doc_hash"],
        "org": ctx.sender_org,
        "by": ctx.sender,
        "detail": detail,
        "prev_tx": "" if prev is None else prev["tx_hash"],
        "time": ctx.time,
        "height": ctx.height,
        "tx_hash": ctx.tx_hash,
    }
    state.set("custody/" + ev["id"] + "/" + records.pad(n, 4), rec)
    ev["steps"] = n
    ev["last_step"] = step
    ev["height"] = ctx.height
    ev["tx_hash"] = ctx.tx_hash
    state.set("ev/" + ev["id"], ev)
    emit("CustodyStep", evidence=ev["id"], seq=n, step=step, org=ctx.sender_org)
    return rec


@call(roles=["admin"])
def register_statement(statement_hash: bytes, standards: list[str]) -> dict:
    """An evidence platform's (or notary office's) admin registers the hash of its compliance
    statement (合规声明: how it complies with the state's rules for blockchain evidence
    services, 在线诉讼规则第十七条) and the standards it names (codes); each new version is
    kept. Preservations carry the version in force."""
    orgs = p("offices") + p("evidence_platforms")
    require(
        ctx.sender_org in orgs,
        f"platform rule: '{ctx.sender_org}' is not an evidence platform or notary office",
    )
    checks.check_hash(statement_hash, "platform rule: statement_hash")
    require(
        isinstance(standards, list) and 0 < len(standards) <= 16,
        "platform rule: name 1-16 standards (codes)",
    )
    for s in standards:
        require(isinstance(s, str) and 2 <= len(s) <= 48, "platform rule: a standard is a code")
    org = ctx.sender_org or ""
    old = state.get("platform/" + org)
    rec = {
        "org": ctx.sender_org,
        "statement": statement_hash,
        "standards": standards,
        "version": 1 if old is None else old["version"] + 1,
        "by": ctx.sender,
        "on": calendar.today(),
        "height": ctx.height,
        "tx_hash": ctx.tx_hash,
    }
    state.set("platform/" + org, rec)
    state.set("platform_hist/" + org + "/" + records.pad(rec["version"], 4), rec)
    emit("StatementRegistered", org=ctx.sender_org, version=rec["version"])
    return rec


@call
def preserve(
    doc_hash: bytes,
    captured_at: int | None,
    method: str,
    device_attestation: bytes | None = None,
    applicant: str | None = None,
) -> dict:
    """电子存证: a custodian of an evidence platform or notary office preserves the hash of a
    captured document (hashed with the chain's hash function, which the record names);
    ``captured_at`` (ms, the platform's claim) is not after this block and at most
    ``max_capture_lag_hours`` before it; ``method`` one of param capture_methods, with the
    hash of the capture device's attestation for param attested_methods; ``applicant`` the
    DID of the citizen or firm it was preserved for (optional). The platform's registered
    compliance statement is copied in. ``captured_at`` None: captured as it is preserved (a
    file uploaded as it is). Step 1 of the chain of custody."""
    orgs = p("offices") + p("evidence_platforms")
    require(
        ctx.sender_org in orgs,
        f"platform rule: '{ctx.sender_org}' is not an evidence platform or notary office"
        f" (params evidence_platforms, offices: {', '.join(orgs)})",
    )
    require(
        "custodian" in ctx.sender_roles or "notary" in ctx.sender_roles,
        "platform rule: preserving needs the role custodian or notary",
    )
    checks.check_hash(doc_hash, "evidence rule: doc_hash")
    have = state.get("ev_doc/" + doc_hash.hex())
    require(have is None, f"evidence rule: this document is already preserved as {have}")
    methods = p("capture_methods")
    require(
        method in methods,
        f"capture rule: '{method}' is not a capture method (param capture_methods:"
        f" {', '.join(methods)})",
    )
    if method in p("attested_methods"):
        require(
            device_attestation is not None,
            f"capture rule: '{method}' needs the capture device's attestation (its hash)",
        )
    if device_attestation is not None:
        checks.check_hash(device_attestation, "capture rule: device_attestation")
    lag = p("max_capture_lag_hours")
    if captured_at is None:
        captured_at = ctx.time
    require(
        isinstance(captured_at, int) and not isinstance(captured_at, bool),
        "time rule: captured_at is a time in ms",
    )
    require(captured_at <= ctx.time, "time rule: captured_at is after this block's time")
    require(
        ctx.time - captured_at <= lag * HOUR_MS,
        f"time rule: captured more than {lag} hours before preservation",
    )
    require(applicant is None or checks.is_did(applicant, 128), "evidence rule: applicant is a DID")
    statement = state.get("platform/" + (ctx.sender_org or ""))
    require(
        statement is not None,
        f"platform rule: '{ctx.sender_org}' has registered no compliance statement",
    )
    n = records.next_number("evidence")
    eid = "CZ-" + calendar.today()[:4] + "-" + records.pad(n, 6)
    ev = {
        "id": eid,
        "doc_hash": doc_hash,
        "algo": ALGOS.get(hash(b"").hex(), "unknown"),
        "captured_at": captured_at,
        "method": method,
        "device_attestation": device_attestation,
        "platform": ctx.sender_org,
        "statement": statement["statement"],
        "statement_version": statement["version"],
        "submitter": ctx.sender,
        "applicant": applicant,
        "preserved_at": ctx.time,
        # the platform's word, recorded as its claims (the chain checked the time window, the
        # method, that an attested method has an attestation, and that the statement is the
        # one this platform registered; not what they say)
        "platform_claims": ["captured_at", "device_attestation", "statement"],
        "custodian": ctx.sender_org,
        "pending_to": None,
        "steps": 0,
        "last_step": None,
        "height": ctx.height,
        "tx_hash": ctx.tx_hash,
    }
    state.set("ev_doc/" + doc_hash.hex(), eid)
    if applicant is not None:
        state.set("applicant_ev/" + applicant + "/" + eid, 1)
    custody_step(ev, "preserved", {k: ev[k] for k in PRESERVED})
    return ev


@call
def hand_over(evidence: str, to: str, purpose: str) -> dict:
    """The custodian hands the evidence over to ``to`` (a platform, notary office or court) for
    ``purpose``; ``to`` completes it with :func:`receive`."""
    as_keeper()
    ev = load_evidence(evidence)
    require(
        ev["custodian"] == ctx.sender_org,
        f"custody rule: '{evidence}' is held by '{ev['custodian']}', not '{ctx.sender_org}'",
    )
    require(
        ev["pending_to"] is None,
        f"custody rule: '{evidence}' is already being handed over to '{ev['pending_to']}'",
    )
    require(
        to in keeper_orgs() and to != ctx.sender_org,
        f"custody rule: '{to}' is not another evidence platform, notary office or court",
    )
    require(
        purpose in HANDOVER_PURPOSES,
        f"custody rule: the purpose is one of {', '.join(HANDOVER_PURPOSES)}",
    )
    ev["pending_to"] = to
    return custody_step(ev, "handed_over", {"to": to, "purpose": purpose})


@call
def receive(evidence: str) -> dict:
    """The organisation it was handed over to takes custody."""
    as_keeper()
    ev = load_evidence(evidence)
    require(
        ev["pending_to"] == ctx.sender_org,
        f"custody rule: '{evidence}' is not being handed over to '{ctx.sender_org}'",
    )
    sender = ev["custodian"]
    ev["custodian"] = ctx.sender_org
    ev["pending_to"] = None
    return custody_step(ev, "received", {"from": sender})


# -- views -----------------------------------------------------------------------------------------


@view
def case(case_id: str) -> dict:
    return load_case(case_id)


@view
def certificate(cert_no: str) -> dict | None:
    return certs.get(cert_no)


@view
def check(cert_no: str, doc_hash: bytes) -> dict:
    """The public check: ``authentic``, ``corrected`` (``see``: the current certificate),
    ``revoked`` (reason, notice, void from) or ``unknown`` (no such number, or the document is
    not the one registered under it). No parties."""
    checks.check_hash(doc_hash, "check rule: doc_hash")
    rec = certs.get(cert_no)
    if rec is None or rec["fields"]["doc_hash"] != doc_hash.hex():
        why = "no certificate with this number" if rec is None else "the document differs"
        return {"result": "unknown", "cert_no": cert_no, "why": why}
    out = {
        "cert_no": cert_no,
        "type": rec["fields"]["type"],
        "office": rec["fields"]["office"],
        "issued_on": rec["issued_on"],
        "corrects": rec["fields"]["corrects"] or None,
    }
    if rec["status"] == "revoked":
        r = rec["revocation"]
        return out | {
            "result": "revoked",
            "reason": r["reason"],
            "notice_hash": r["notice_hash"],
            "revoked_on": r["on"],
            "void_from": r["void_from"],
        }
    if rec["status"] == "superseded":
        cur = rec
        for _ in range(64):
            if cur["corrected_by"] is None:
                break
            cur = certs.get(cur["corrected_by"])
        return out | {"result": "corrected", "see": cur["id"], "see_status": cur["status"]}
    return out | {"result": "authentic"}


@view
def evidence(evidence_id: str) -> dict:
    """A preserved piece of evidence and its whole chain of custody."""
    ev = load_evidence(evidence_id)
    steps = [v for _, v in state.range("custody/" + evidence_id + "/", 1000)]
    return {"evidence": ev, "custody": steps}


@view
def review(review_id: str) -> dict:
    r = state.get("review/" + review_id)
    require(r is not None, f"review rule: no review '{review_id}'")
    return r
