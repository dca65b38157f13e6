"""Scenario 7, 公证服务, in the contract sandbox (``wuyi.testing.contracts``): every rule of
``wuyi/scenarios/notary/contract.py`` and each of its refusals, by name — who may accept,
suspend, issue, refuse, correct and revoke; the 15-working-day deadline with suspensions and
the holiday table; the public check; review windows; evidence preservation and its chain of
custody. The same flows through a node (API, SDK, CLI, bundles) are in
``test_scenario_notary_api.py``."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest

from wuyi.contract.lib import calendar
from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.scenarios import load
from wuyi.testing.contracts import ContractHandle, ContractTester

SCENARIO = load("wuyi.scenarios.notary")
PARTY = "did:wuyi:notary-party-0001"
OTHER = "did:wuyi:notary-other-0002"
DAY = 86_400_000
HOUR = 3_600_000


def h(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def at(y: int, m: int, d: int, hour: int = 10) -> int:
    """Block time of ``y-m-d hour:00`` in China Standard Time."""
    local = dt.datetime(y, m, d, hour, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return int(local.timestamp() * 1000)


def go(t: ContractTester, y: int, m: int, d: int) -> None:
    t.advance(1, at(y, m, d) - t.time)


@pytest.fixture
def t() -> ContractTester:
    t = ContractTester(time=at(2026, 2, 13))  # a Friday before Spring Festival
    t.identity("notary", org="jmgz", roles=["notary"])
    t.identity("notary2", org="xhgz", roles=["notary"])
    t.identity("clerk", org="jmgz", roles=["issuer"])
    t.identity("bank", org="nsyh", roles=["notary"])
    t.identity("sfj", org="sfj", roles=["admin"])
    t.identity("jmgz-admin", org="jmgz", roles=["admin"])
    t.identity("wycz-admin", org="wycz", roles=["admin"])
    t.identity("wycz", org="wycz", roles=["custodian"])
    t.identity("wycz-viewer", org="wycz", roles=["client"])
    t.identity("judge", org="fy", roles=["judge"])
    t.identity("party", did=PARTY, org=None)
    t.identity("other", did=OTHER, org=None)
    return t


def deploy(t: ContractTester) -> ContractHandle:
    return t.deploy("notary", SCENARIO.source(), sender="sfj")


def accept(c: ContractHandle, case_type: str = "entrustment", **kw: object) -> dict:
    args = {"case_type": case_type, "applicants": [h("applicant 1")], "holders": [PARTY]}
    return c.call("accept", {**args, **kw}, sender="notary")


def refused(fn: object, match: str, *args: object, **kw: object) -> None:
    with pytest.raises(ContractRevert, match=match):
        fn(*args, **kw)  # type: ignore[operator]


def test_acceptance_deadline_suspension_and_issue(t: ContractTester) -> None:
    c = deploy(t)
    case = accept(c)
    assert case["id"] == "JMGZ-2026-00001" and case["accepted_on"] == "2026-02-13"
    table = calendar.CN_HOLIDAYS
    assert case["due"] == calendar.add_working_days("2026-02-13", 15, table) == "2026-03-12"
    refused(
        c.call,
        "deadline rule: 'lunch' is not a reason",
        "pause",
        case_id=case["id"],
        reason="lunch",
        sender="notary",
    )
    paused = c.call("pause", case_id=case["id"], reason="supplementary_materials", sender="notary")
    assert paused["status"] == "paused"
    refused(
        c.call,
        "deadline rule: case 'JMGZ-2026-00001' is paused",
        "pause",
        case_id=case["id"],
        reason="verification",
        sender="notary",
    )
    refused(
        c.call,
        "is suspended .supplementary_materials.; resume it",
        "issue",
        case_id=case["id"],
        doc_hash=h("cert"),
        sender="notary",
    )
    go(t, 2026, 2, 26)  # suspended over the holiday: 02-14 (调休), 02-24, 25, 26 not counted
    resumed = c.call("resume", case_id=case["id"], sender="notary")
    assert resumed["paused_days"] == 4 and resumed["pauses"][0]["working_days"] == 4
    assert resumed["due"] == calendar.add_working_days("2026-02-13", 19, table) == "2026-03-18"
    refused(
        c.call,
        "deadline rule: case 'JMGZ-2026-00001' is not suspended",
        "resume",
        case_id=case["id"],
        sender="notary",
    )
    go(t, 2026, 3, 18)
    cert = c.call("issue", case_id=case["id"], doc_hash=h("cert"), sender="notary")
    assert [e.name for e in t.last.events].count("Filed") == 1  # filed in the same block
    assert cert["id"] == "(2026)JMGZ证字第1号" and cert["status"] == "active"
    assert cert["kind"] == "委托公证书" and cert["holders"] == [PARTY]
    assert cert["fields"]["doc_hash"] == h("cert").hex() and cert["issued_on"] == "2026-03-18"
    done = c.query("case", case_id=case["id"])
    assert done["status"] == "issued" and done["late_days"] == 0
    assert done["certificate"] == cert["id"]
    filing = t.get_state("notary", "filing/00000001")
    assert filing["change"] == "issued" and filing["to"] == ["sfj", "gzxh"]
    refused(
        c.call,
        "case rule: case 'JMGZ-2026-00001' is already issued",
        "issue",
        case_id=case["id"],
        doc_hash=h("cert 2"),
        sender="notary",
    )
    # a second case the next day, issued two working days late, and a number per office/year
    go(t, 2026, 3, 18)
    late = accept(c)
    assert late["due"] == "2026-04-09"  # 04-04..06 清明 and the weekends not counted
    refused(
        c.call,
        "certificate rule: this document is already certificate",
        "issue",
        case_id=late["id"],
        doc_hash=h("cert"),
        sender="notary",
    )
    go(t, 2026, 4, 13)
    cert2 = c.call("issue", case_id=late["id"], doc_hash=h("cert 3"), sender="notary")
    assert cert2["id"] == "(2026)JMGZ证字第2号"
    assert c.query("case", case_id=late["id"])["late_days"] == 2  # 04-10 and 04-13


def test_who_may_accept_and_act_on_a_case(t: ContractTester) -> None:
    c = deploy(t)
    with pytest.raises(Unauthorized, match="notary"):
        c.call("accept", case_type="contract", applicants=[h("a")], holders=[], sender="clerk")
    refused(
        c.call,
        "notary rule: only a notary .role notary. of a notary office",
        "accept",
        case_type="contract",
        applicants=[h("a")],
        holders=[],
        sender="bank",
    )
    refused(accept, "case rule: 'marriage' is not a notarial matter", c, "marriage")
    refused(accept, "party rule: 1-16 applicants", c, applicants=[])
    refused(
        accept,
        "party rule: an applicant's commitment must be a 32-byte hash",
        c,
        applicants=["张三"],
    )
    refused(accept, "party rule: holder 'x' is not a DID", c, holders=["x"])
    refused(accept, "party rule: at most one holder DID per applicant", c, holders=[PARTY, OTHER])
    refused(
        accept,
        "party rule: a holder DID is named twice",
        c,
        applicants=[h("a"), h("b")],
        holders=[PARTY, PARTY],
    )
    refused(accept, "case rule: a 保全证据 case names the preserved evidence", c, "evidence")
    refused(accept, "case rule: only a 保全证据 case names evidence", c, evidence="CZ-2026-000001")
    case = accept(c, "contract", holders=[])
    for method, args in [
        ("pause", {"reason": "verification"}),
        ("issue", {"doc_hash": h("d")}),
        ("refuse", {"reason": "dispute"}),
    ]:
        refused(
            c.call,
            "office rule: only the office that holds it .'jmgz'.",
            method,
            case_id=case["id"],
            sender="notary2",
            **args,
        )
    refused(
        c.call,
        "refusal rule: 'bored' is not a ground",
        "refuse",
        case_id=case["id"],
        reason="bored",
        sender="notary",
    )
    out = c.call("refuse", case_id=case["id"], reason="dispute", sender="notary")
    assert out["status"] == "refused" and out["refusal"] == "dispute"
    refused(
        c.call,
        "case rule: no case 'NOPE'",
        "issue",
        case_id="NOPE",
        doc_hash=h("d"),
        sender="notary",
    )
    # the other office numbers its own cases and certificates
    other = c.call(
        "accept", case_type="contract", applicants=[h("z")], holders=[], sender="notary2"
    )
    assert other["id"] == "XHGZ-2026-00001"
    cert = c.call("issue", case_id=other["id"], doc_hash=h("x"), sender="notary2")
    assert cert["id"] == "(2026)XHGZ证字第1号" and cert["holders"] == ["did:wuyi:org:xhgz"]


def test_correction_revocation_and_the_public_check(t: ContractTester) -> None:
    c = deploy(t)
    case = accept(c)
    no1 = c.call("issue", case_id=case["id"], doc_hash=h("v1"), sender="notary")["id"]
    assert c.query("check", cert_no=no1, doc_hash=h("v1"))["result"] == "authentic"
    unknown = c.query("check", cert_no=no1, doc_hash=h("forged"))
    assert unknown == {"result": "unknown", "cert_no": no1, "why": "the document differs"}
    nothing = c.query("check", cert_no="(2026)JMGZ证字第9号", doc_hash=h("v1"))
    assert nothing["result"] == "unknown" and nothing["why"] == "no certificate with this number"
    refused(
        c.call,
        "office rule: only the issuing office 'jmgz'",
        "correct",
        cert_no=no1,
        doc_hash=h("v2"),
        reason="clerical_error",
        sender="notary2",
    )
    refused(
        c.call,
        "correction rule: 'whim' is not one of",
        "correct",
        cert_no=no1,
        doc_hash=h("v2"),
        reason="whim",
        sender="notary",
    )
    refused(
        c.call,
        "certificate rule: no certificate 'X'",
        "correct",
        cert_no="X",
        doc_hash=h("v2"),
        reason="omission",
        sender="notary",
    )
    new = c.call("correct", cert_no=no1, doc_hash=h("v2"), reason="clerical_error", sender="notary")
    assert new["id"] == "(2026)JMGZ证字第2号" and new["fields"]["corrects"] == no1
    old = c.query("certificate", cert_no=no1)
    assert old["status"] == "superseded" and old["corrected_by"] == new["id"]
    check = c.query("check", cert_no=no1, doc_hash=h("v1"))
    assert check["result"] == "corrected" and check["see"] == new["id"]
    assert "applicants" not in str(check) and PARTY not in str(check)
    refused(
        c.call,
        re.escape(f"correction rule: certificate '{no1}' is superseded"),
        "correct",
        cert_no=no1,
        doc_hash=h("v3"),
        reason="omission",
        sender="notary",
    )
    refused(
        c.call,
        "revocation rule: 'spite' is not one of untrue, illegal",
        "revoke",
        cert_no=new["id"],
        reason="spite",
        notice_hash=h("n"),
        sender="notary",
    )
    refused(
        c.call,
        "revocation rule: notice_hash .the public notice's hash. must be a 32-byte",
        "revoke",
        cert_no=new["id"],
        reason="untrue",
        notice_hash=b"x",
        sender="notary",
    )
    refused(
        c.call,
        "office rule: only the issuing office",
        "revoke",
        cert_no=new["id"],
        reason="untrue",
        notice_hash=h("n"),
        sender="notary2",
    )
    go(t, 2026, 3, 2)
    gone = c.call(
        "revoke", cert_no=new["id"], reason="untrue", notice_hash=h("notice"), sender="notary"
    )
    assert gone["status"] == "revoked" and gone["revocation"]["void_from"] == "2026-02-13"
    r = c.query("check", cert_no=new["id"], doc_hash=h("v2"))
    assert r["result"] == "revoked" and r["reason"] == "untrue" and r["revoked_on"] == "2026-03-02"
    assert r["notice_hash"] == h("notice") and r["void_from"] == "2026-02-13"
    follow = c.query("check", cert_no=no1, doc_hash=h("v1"))
    assert follow["see"] == new["id"] and follow["see_status"] == "revoked"
    refused(
        c.call,
        "revocation rule: certificate .* is revoked",
        "revoke",
        cert_no=new["id"],
        reason="illegal",
        notice_hash=h("n2"),
        sender="notary",
    )
    filings = [v["change"] for k, v in t.state("notary").items() if k.startswith("filing/")]
    assert filings == ["issued", "corrected", "revoked"]
    assert t.get_state("notary", "notice/000001") == new["id"]


def test_credentials_are_linked_by_the_issuing_office_only(t: ContractTester) -> None:
    c = deploy(t)
    t.identity("xh-issuer", org="xhgz", roles=["issuer"])
    no = c.call("issue", case_id=accept(c)["id"], doc_hash=h("d"), sender="notary")["id"]
    refused(
        c.call,
        "credential rule: only an issuer of jmgz",
        "link_credential",
        cert_id=no,
        idx=0,
        sender="xh-issuer",
    )
    rec = c.call("link_credential", cert_id=no, idx=3, sender="clerk")
    assert rec["credentials"][0]["holder"] == PARTY and rec["credentials"][0]["idx"] == 3


def test_review_windows(t: ContractTester) -> None:
    c = deploy(t)
    no = c.call("issue", case_id=accept(c)["id"], doc_hash=h("d"), sender="notary")["id"]
    refused(
        c.call,
        "review rule: a party's window runs from issue; no known_on",
        "request_review",
        cert_no=no,
        known_on="2026-02-13",
        sender="party",
    )
    r = c.call("request_review", cert_no=no, sender="party")
    assert r["as"] == "party" and r["window_until"] == "2027-02-13" and r["claimed"] is None
    refused(
        c.call,
        "review rule: your request on .* is still pending",
        "request_review",
        cert_no=no,
        sender="party",
    )
    refused(
        c.call,
        "review rule: an interested party names known_on",
        "request_review",
        cert_no=no,
        sender="other",
    )
    refused(
        c.call,
        "review rule: known_on is a date from the issue date to today",
        "request_review",
        cert_no=no,
        known_on="2026-01-01",
        sender="other",
    )
    refused(
        c.call,
        "calendar rule: 'soon' is not a date",
        "request_review",
        cert_no=no,
        known_on="soon",
        sender="other",
    )
    refused(
        c.call, "review rule: sign with your DID key", "request_review", cert_no=no, sender="bank"
    )
    refused(
        c.call,
        "review rule: the outcome is one of",
        "decide_review",
        review_id=r["id"],
        outcome="shrug",
        sender="notary",
    )
    refused(
        c.call,
        "office rule: only the issuing office",
        "decide_review",
        review_id=r["id"],
        outcome="maintain",
        sender="notary2",
    )
    kept = c.call("decide_review", review_id=r["id"], outcome="maintain", sender="notary")
    assert kept["status"] == "maintained"
    refused(
        c.call,
        "review rule: .* is maintained",
        "decide_review",
        review_id=r["id"],
        outcome="maintain",
        sender="notary",
    )
    # a party's window: a year from issue
    go(t, 2027, 2, 14)
    refused(
        c.call,
        "review rule: a party asks within 365 days of issue .2026-02-13.; the window"
        " closed on 2027-02-13",
        "request_review",
        cert_no=no,
        sender="party",
    )
    # an interested party: a year from when it learnt of it (its claim), at most 20 years
    r2 = c.call("request_review", cert_no=no, known_on="2026-12-01", sender="other")
    assert r2["as"] == "interested_party" and r2["claimed"] == {"known_on": "2026-12-01"}
    assert r2["window_until"] == "2027-12-01"
    refused(
        c.call,
        "review rule: a revocation needs notice_hash",
        "decide_review",
        review_id=r2["id"],
        outcome="revoke",
        reason="untrue",
        sender="notary",
    )
    done = c.call(
        "decide_review",
        review_id=r2["id"],
        outcome="revoke",
        reason="illegal",
        notice_hash=h("notice"),
        sender="notary",
    )
    assert done["status"] == "revoked"
    assert c.query("certificate", cert_no=no)["revocation"]["reason"] == "illegal"
    refused(
        c.call,
        "review rule: certificate .* is revoked",
        "request_review",
        cert_no=no,
        known_on="2027-02-01",
        sender="other",
    )
    # twenty years after issue nobody may ask any more (issued 2027-02-14)
    no2 = c.call("issue", case_id=accept(c)["id"], doc_hash=h("e"), sender="notary")["id"]
    go(t, 2047, 2, 14)
    last = c.call("request_review", cert_no=no2, known_on="2047-02-01", sender="other")
    assert last["window_until"] == "2047-02-14"
    c.call("decide_review", review_id=last["id"], outcome="maintain", sender="notary")
    go(t, 2047, 2, 15)
    refused(
        c.call,
        "review rule: no review more than 20 years after issue .2027-02-14; closed on 2047-02-14.",
        "request_review",
        cert_no=no2,
        known_on="2047-02-01",
        sender="other",
    )


def test_a_review_may_end_in_a_correction(t: ContractTester) -> None:
    c = deploy(t)
    no = c.call("issue", case_id=accept(c)["id"], doc_hash=h("d"), sender="notary")["id"]
    r = c.call("request_review", cert_no=no, sender="party")
    refused(
        c.call,
        "review rule: a correction needs doc_hash",
        "decide_review",
        review_id=r["id"],
        outcome="correct",
        reason="omission",
        sender="notary",
    )
    out = c.call(
        "decide_review",
        review_id=r["id"],
        outcome="correct",
        reason="omission",
        doc_hash=h("d2"),
        sender="notary",
    )
    assert out["status"] == "corrected" and out["decision"]["certificate"] == "(2026)JMGZ证字第2号"
    again = c.call("request_review", cert_no=out["decision"]["certificate"], sender="party")
    assert again["status"] == "pending"


def preserve(c: ContractHandle, t: ContractTester, doc: str = "page", **kw: object) -> dict:
    args = {
        "doc_hash": h(doc),
        "captured_at": t.time - HOUR,
        "method": "screen_recording",
        "device_attestation": h("device"),
        "applicant": PARTY,
    }
    return c.call("preserve", {**args, **kw}, sender="wycz")


def test_evidence_preservation_rules(t: ContractTester) -> None:
    c = deploy(t)
    refused(preserve, "platform rule: 'wycz' has registered no compliance statement", c, t)
    refused(
        c.call,
        "platform rule: 'fy' is not an evidence platform or notary office",
        "register_statement",
        statement_hash=h("s"),
        standards=["GB/T 39786"],
        sender=t.identity("fy-admin", org="fy", roles=["admin"]),
    )
    refused(
        c.call,
        "platform rule: name 1-16 standards",
        "register_statement",
        statement_hash=h("s"),
        standards=[],
        sender="wycz-admin",
    )
    st = c.call(
        "register_statement",
        statement_hash=h("statement v1"),
        standards=["GB/T 39786-2021", "JR/T 0184-2020"],
        sender="wycz-admin",
    )
    assert st["version"] == 1
    plain = {"doc_hash": h("p"), "captured_at": t.time, "method": "file"}
    refused(
        c.call,
        "platform rule: preserving needs the role custodian or notary",
        "preserve",
        plain,
        sender="wycz-viewer",
    )
    refused(
        c.call,
        "platform rule: 'nsyh' is not an evidence platform",
        "preserve",
        plain,
        sender="bank",
    )
    refused(preserve, "capture rule: 'telepathy' is not a capture method", c, t, method="telepathy")
    refused(
        preserve,
        "capture rule: 'video' needs the capture device's attestation",
        c,
        t,
        method="video",
        device_attestation=None,
    )
    refused(
        preserve, "time rule: captured_at is after this block's time", c, t, captured_at=t.time + 1
    )
    refused(
        preserve,
        "time rule: captured more than 24 hours before preservation",
        c,
        t,
        captured_at=t.time - 25 * HOUR,
    )
    refused(preserve, "evidence rule: applicant is a DID", c, t, applicant="刘某")
    ev = preserve(c, t)
    assert ev["id"] == "CZ-2026-000001" and ev["algo"] == "sha256" and ev["steps"] == 1
    assert ev["statement"] == h("statement v1") and ev["statement_version"] == 1
    refused(preserve, "evidence rule: this document is already preserved as CZ-2026-000001", c, t)
    ok = preserve(c, t, "email", method="email", device_attestation=None, applicant=None)
    assert ok["device_attestation"] is None and ok["applicant"] is None
    # a file preserved as it is uploaded: captured at the block's time
    up = preserve(c, t, "upload", method="file", captured_at=None, device_attestation=None)
    assert up["captured_at"] == t.time == up["preserved_at"]


def test_the_chain_of_custody(t: ContractTester) -> None:
    c = deploy(t)
    c.call(
        "register_statement",
        statement_hash=h("s"),
        standards=["GB/T 39786-2021"],
        sender="wycz-admin",
    )
    eid = preserve(c, t)["id"]
    refused(
        c.call,
        "custody rule: 'CZ-2026-000001' is held by 'wycz', not 'jmgz'",
        "hand_over",
        evidence=eid,
        to="fy",
        purpose="litigation",
        sender="notary",
    )
    refused(
        c.call,
        "custody rule: 'nsyh' is not another evidence platform",
        "hand_over",
        evidence=eid,
        to="nsyh",
        purpose="litigation",
        sender="wycz",
    )
    refused(
        c.call,
        "custody rule: the purpose is one of",
        "hand_over",
        evidence=eid,
        to="jmgz",
        purpose="sale",
        sender="wycz",
    )
    refused(
        c.call,
        "custody rule: a custody step needs the role",
        "hand_over",
        evidence=eid,
        to="jmgz",
        purpose="notarisation",
        sender="wycz-viewer",
    )
    refused(
        accept,
        "custody rule: evidence 'CZ-2026-000001' is held by 'wycz'",
        c,
        "evidence",
        evidence=eid,
    )
    t.advance()
    c.call("hand_over", evidence=eid, to="jmgz", purpose="notarisation", sender="wycz")
    refused(
        c.call,
        "custody rule: .* is already being handed over to 'jmgz'",
        "hand_over",
        evidence=eid,
        to="fy",
        purpose="litigation",
        sender="wycz",
    )
    refused(
        c.call,
        "custody rule: .* is not being handed over to 'fy'",
        "receive",
        evidence=eid,
        sender="judge",
    )
    refused(
        accept,
        "custody rule: evidence .* is held by 'wycz'; the office must receive it",
        c,
        "evidence",
        evidence=eid,
    )
    t.advance()
    c.call("receive", evidence=eid, sender="notary")
    case = accept(c, "evidence", evidence=eid)
    t.advance()
    cert = c.call("issue", case_id=case["id"], doc_hash=h("保全证据公证书"), sender="notary")
    t.advance()
    c.call("hand_over", evidence=eid, to="fy", purpose="litigation", sender="notary")
    c.call("receive", evidence=eid, sender="judge")
    got = c.query("evidence", evidence_id=eid)
    steps = got["custody"]
    assert [s["step"] for s in steps] == [
        "preserved",
        "handed_over",
        "received",
        "notarised",
        "handed_over",
        "received",
    ]
    assert [s["seq"] for s in steps] == [1, 2, 3, 4, 5, 6]
    assert [s["org"] for s in steps] == ["wycz", "wycz", "jmgz", "jmgz", "jmgz", "fy"]
    assert steps[0]["prev_tx"] == "" and all(
        steps[i]["prev_tx"] == steps[i - 1]["tx_hash"] for i in range(1, 6)
    )
    assert all(s["doc_hash"] == h("page") for s in steps)
    assert steps[0]["detail"]["method"] == "screen_recording"
    assert steps[3]["detail"] == {"certificate": cert["id"]}
    ev = got["evidence"]
    assert ev["custodian"] == "fy" and ev["steps"] == 6 and ev["tx_hash"] == steps[-1]["tx_hash"]
    # a court may hand it back; only the holder acts
    refused(
        c.call,
        "custody rule: .* is held by 'fy', not 'wycz'",
        "hand_over",
        evidence=eid,
        to="jmgz",
        purpose="archive",
        sender="wycz",
    )


def test_parameters_are_governed_by_the_justice_bureau(t: ContractTester) -> None:
    c = deploy(t)
    with pytest.raises(Unauthorized):
        c.call("set_param", name="issue_days", value=10, reason="x", sender="notary")
    refused(
        c.call,
        "param rule: only admins of 'sfj'",
        "set_param",
        name="issue_days",
        value=10,
        reason="x",
        sender="jmgz-admin",
    )
    rec = c.call("set_param", name="issue_days", value=10, reason="试点提速", sender="sfj")
    assert rec["previous"] == 15 and rec["effective_height"] == t.height + 1
    assert "第三十条" in rec["basis"]
    assert accept(c)["issue_days"] == 15  # still this block
    t.advance()
    assert accept(c)["issue_days"] == 10
    weak = c.query("param", name="supervisors")["record"]["basis"]
    assert "[weak" in weak
    assert "[mem" in c.query("param", name="max_capture_lag_hours")["record"]["basis"]
