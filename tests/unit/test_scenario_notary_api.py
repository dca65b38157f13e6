"""Scenario 7, 公证服务, end to end through an in-process node: the contract deployed by
governance, notaries, issuer systems, an evidence platform and a court as members, citizens
with wallets; every write a signed transaction through the SDK, every read an API route, every
rule shown once through the API with its refusal (named, nothing changed); the e-certificate's
credential and the public checks; the chain of custody exported as one bundle and checked
offline by ``wuyi notary custody`` and ``wuyi verify`` from the genesis hash."""

from __future__ import annotations

import copy
import importlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from wuyi.contract.lib import calendar
from wuyi.exceptions import ContractRevert, ProofInvalid, Unauthorized
from wuyi.ledger.jsonform import to_json
from wuyi.node.home import OrgSpec
from wuyi.scenarios import get
from wuyi.scenarios.notary.sdk import Notary
from wuyi.sdk import check_certificate
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("sfj", "江门市司法局"),
    OrgSpec("gzxh", "江门市公证协会"),
    OrgSpec("jmgz", "江门公证处"),
    OrgSpec("xhgz", "新会公证处"),
    OrgSpec("wycz", "五邑电子存证平台"),
    OrgSpec("fy", "江门市中级人民法院"),
    OrgSpec("nsyh", "江门农商银行"),
)
MEMBERS = {
    "notary": ("jmgz", ["notary"]),
    "issuer": ("jmgz", ["issuer"]),
    "xh-notary": ("xhgz", ["notary"]),
    "custodian": ("wycz", ["custodian"]),
    "judge": ("fy", ["judge"]),
    "banker": ("nsyh", ["notary"]),  # a role name is not an office
}
PAGE = b"<html>a captured shop page</html>"
CERT_DOC = b"notarial certificate document (signed PDF bytes)"


class Chain:
    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env, self.c, self.tmp = env, env.client, tmp
        self.n = Notary(self.c)
        self.keys: dict[str, Any] = {}
        self.wallets: dict[str, Wallet] = {}

    def key(self, name: str) -> Any:
        return self.keys[name]

    def wallet(self, name: str) -> Wallet:
        if name not in self.wallets:
            w = Wallet.create(self.tmp / f"{name}.json", "pw", self.c.suite.name)
            self.env.register_did(w.key)
            self.wallets[name] = w
        return self.wallets[name]

    def h(self, data: bytes) -> bytes:
        return self.c.suite.hash(data)

    def commit(self, text: str) -> bytes:
        return self.n.commitment(b"0123456789abcdef-salt", text)

    def today(self) -> str:
        return self.n.offices()["today"]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    tmp = tmp_path_factory.mktemp("notary")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW) as env:
        c = env.client
        admins = {o.id: env.admin(o.id) for o in ORGS}
        voters = [admins[o.id] for o in ORGS if o.id != "sjj"]
        s = get("notary")
        pkg = {"name": "notary", "version": "1.0.0", "source": s.source(), "manifest": {}}
        c.govern(admins["sjj"], voters, "contract.deploy", {"package": pkg}, title="notary")
        body = {
            "type": "NotarialCertificate",
            "issuers": ["jmgz", "xhgz"],
            "claims": ["certificate", "type", "office", "doc_hash"],
            "description": "公证书",
        }
        c.govern(admins["sjj"], voters, "vc.set_type", body, title="type")
        ch = Chain(env, tmp)
        for name, (org, roles) in MEMBERS.items():
            k = c.suite.generate_private_key()
            tx = c.builder(admins[org]).member_add(org, k.public_key, roles, name)
            assert c.submit_and_wait(tx).receipt.status == "ok"
            ch.keys[name] = k
        ch.keys.update({f"{o}-admin": k for o, k in admins.items()})
        yield ch


P = "测试 / test"


def refused(match: str, fn: Any, *args: Any, **kw: Any) -> None:
    with pytest.raises(ContractRevert, match=match):
        fn(*args, **kw)


def test_a_certificate_from_acceptance_to_revocation(chain: Chain) -> None:
    n, k = chain.n, chain.key
    party = chain.wallet("party")
    case = n.accept(k("notary"), "entrustment", [chain.commit("甲|id")], [party.did])
    today = chain.today()
    table = n.param("holidays")
    assert case["accepted_on"] == today
    assert case["due"] == calendar.add_working_days(today, 15, table)
    assert n.case(case["id"], key=k("notary"), purpose=P)["status"] == "accepted"
    paused = n.pause(k("notary"), case["id"], "verification")
    assert (
        paused["status"] == "paused"
        and n.cases("jmgz", "paused", key=k("notary"), purpose=P)[0]["id"] == case["id"]
    )
    refused("deadline rule: case .* is paused", n.pause, k("notary"), case["id"], "verification")
    refused(
        "deadline rule: case .* is suspended .verification.; resume it",
        n.issue,
        k("notary"),
        case["id"],
        document=CERT_DOC,
    )
    n.resume(k("notary"), case["id"])
    cert = n.issue(k("notary"), case["id"], document=CERT_DOC)
    no = cert["id"]
    assert no.startswith("(") and "JMGZ证字第" in no
    # the public views: no party
    pub = n.certificate(no)
    assert pub["status"] == "active" and pub["office"] == "jmgz" and "holders" not in pub
    assert party.did not in json.dumps(pub)
    ok = n.check(no, document=CERT_DOC)
    assert ok["result"] == "authentic" and ok["issued_on"] == today and ok["type"] == "entrustment"
    assert n.check(no, document=b"a forged document")["result"] == "unknown"
    # its credential, in the holder's wallet, checks against the chain
    text = n.issue_certificate(k("issuer"), no, wallet=party)
    assert check_certificate(chain.c, text)["valid"] is True
    assert [f["change"] for f in n.filings("jmgz")][:1] == ["issued"]
    # revoked: void from the start, publicly noticed, filed
    notice = b"public notice of revocation"
    gone = n.revoke(k("notary"), no, "untrue", notice=notice)
    assert gone["revocation"]["void_from"] == today
    refused(
        "revocation rule: certificate .* is revoked",
        n.revoke,
        k("notary"),
        no,
        "illegal",
        notice=notice,
    )
    refused(
        "correction rule: certificate .* is revoked",
        n.correct,
        k("notary"),
        no,
        "omission",
        document=b"v2",
    )
    r = n.check(no, document=CERT_DOC)
    assert r["result"] == "revoked" and r["notice_hash"] == chain.h(notice).hex()
    assert n.notices()[0]["id"] == no
    assert [f["change"] for f in n.filings("jmgz")][:2] == ["revoked", "issued"]
    v = check_certificate(chain.c, text)
    assert v["valid"] is False
    assert any(x["name"] == "certificate" and "revoked" in x["detail"] for x in v["checks"])
    figures = {o["office"]: o for o in n.offices()["offices"]}["jmgz"]
    assert figures["revoked"] >= 1 and figures["issued_on_time"] >= 1


def test_correction_links_and_the_public_check_follows_it(chain: Chain) -> None:
    n, k = chain.n, chain.key
    case = n.accept(k("xh-notary"), "declaration", [chain.commit("乙|id")])
    old = n.issue(k("xh-notary"), case["id"], document=b"declaration v1")["id"]
    refused(
        "office rule: only the issuing office 'xhgz'",
        n.correct,
        k("notary"),
        old,
        "clerical_error",
        document=b"declaration v2",
    )
    new = n.correct(k("xh-notary"), old, "clerical_error", document=b"declaration v2")
    assert new["fields"]["corrects"] == old
    refused(
        "correction rule: certificate .* is superseded",
        n.correct,
        k("xh-notary"),
        old,
        "omission",
        document=b"declaration v3",
    )
    r = n.check(old, document=b"declaration v1")
    assert r["result"] == "corrected" and r["see"] == new["id"] and r["see_status"] == "active"
    assert n.check(new["id"], document=b"declaration v2")["result"] == "authentic"
    assert n.certificate(old)["corrected_by"] == new["id"]
    assert n.filings("xhgz")[0]["change"] == "corrected"
    # the whole CLI check, the file hashed locally
    doc = chain.tmp / "declaration.txt"
    doc.write_bytes(b"declaration v1")
    out = cli(chain, ["notary", "check", old, str(doc)])
    assert out.exit_code == 0 and "corrected" in out.output and new["id"] in out.output


def cli(chain: Chain, args: list[str]) -> Any:
    from wuyi.cli import app as cli_app

    mod = importlib.import_module("wuyi.cli.app")
    old = mod._client
    mod._client = lambda node: chain.env.new_client()  # type: ignore[assignment]
    try:
        return CliRunner().invoke(cli_app, args, env={"COLUMNS": "200"})
    finally:
        mod._client = old  # type: ignore[assignment]


def test_every_case_rule_refuses_through_the_api(chain: Chain) -> None:
    """Each refusal names its rule and changes nothing (the case list is the same after)."""
    n, k = chain.n, chain.key
    c = n.accept(k("notary"), "contract", [chain.commit("丙|id")])
    before = n.cases(key=k("sfj-admin"), purpose=P)
    cases: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = [
        (
            "notary rule: only a notary .role notary. of a notary office",
            n.accept,
            (k("banker"), "contract", [chain.commit("x")]),
            {},
        ),
        (
            "case rule: 'marriage' is not a notarial matter",
            n.accept,
            (k("notary"), "marriage", [chain.commit("x")]),
            {},
        ),
        ("party rule: 1-16 applicants", n.accept, (k("notary"), "contract", []), {}),
        (
            "party rule: holder 'x' is not a DID",
            n.accept,
            (k("notary"), "contract", [chain.commit("x")], ["x"]),
            {},
        ),
        (
            "case rule: a 保全证据 case names the preserved evidence",
            n.accept,
            (k("notary"), "evidence", [chain.commit("x")]),
            {},
        ),
        (
            "deadline rule: 'lunch' is not a reason to suspend",
            n.pause,
            (k("notary"), c["id"], "lunch"),
            {},
        ),
        (
            "office rule: only the office that holds it",
            n.pause,
            (k("xh-notary"), c["id"], "verification"),
            {},
        ),
        ("deadline rule: case .* is not suspended", n.resume, (k("notary"), c["id"]), {}),
        ("refusal rule: 'bored' is not a ground", n.refuse, (k("notary"), c["id"], "bored"), {}),
        ("case rule: no case 'NOPE'", n.issue, (k("notary"), "NOPE"), {"doc_hash": b"1" * 32}),
        (
            "certificate rule: doc_hash .* must be a 32-byte hash",
            n.issue,
            (k("notary"), c["id"]),
            {"doc_hash": b"short"},
        ),
    ]
    for why, fn, args, kw in cases:
        refused(why, fn, *args, **kw)
    with pytest.raises(Unauthorized):  # the method's role guard
        n.accept(k("custodian"), "contract", [chain.commit("x")])
    assert n.cases(key=k("sfj-admin"), purpose=P) == before
    done = n.refuse(k("notary"), c["id"], "dispute")
    assert done["status"] == "refused" and done["refusal"] == "dispute"
    refused(
        "case rule: case .* is already refused", n.issue, k("notary"), c["id"], document=b"late"
    )


def test_certificate_rules_reviews_and_the_citizens_page(chain: Chain) -> None:
    n, k = chain.n, chain.key
    party, stranger = chain.wallet("review-party"), chain.wallet("stranger")
    case = n.accept(k("notary"), "kinship", [chain.commit("丁|id")], [party.did])
    no = n.issue(k("notary"), case["id"], document=b"kinship")["id"]
    refused(
        "certificate rule: this document is already certificate",
        n.issue,
        k("notary"),
        n.accept(k("notary"), "kinship", [chain.commit("戊")])["id"],
        document=b"kinship",
    )
    refused(
        "correction rule: 'whim' is not one of", n.correct, k("notary"), no, "whim", document=b"k2"
    )
    refused(
        "revocation rule: 'spite' is not one of untrue, illegal",
        n.revoke,
        k("notary"),
        no,
        "spite",
        notice=b"n",
    )
    refused("credential rule: only an issuer of jmgz", n.link_credential, k("notary"), no, 0)
    # reviews: a party within its window; an interested party names when it learnt of it
    refused(
        "review rule: a party's window runs from issue; no known_on",
        n.request_review,
        party,
        no,
        chain.today(),
    )
    r = n.request_review(party, no)
    assert r["as"] == "party" and r["status"] == "pending"
    refused("review rule: your request on .* is still pending", n.request_review, party, no)
    refused("review rule: an interested party names known_on", n.request_review, stranger, no)
    refused(
        "review rule: known_on is a date from the issue date to today",
        n.request_review,
        stranger,
        no,
        "2099-01-01",
    )
    refused(
        "review rule: sign with your DID key", n.call, k("banker"), "request_review", cert_no=no
    )
    r2 = n.request_review(stranger, no, chain.today())
    assert r2["as"] == "interested_party" and r2["claimed"] == {"known_on": chain.today()}
    assert [x["id"] for x in n.reviews("jmgz", "pending", key=k("notary"), purpose=P)][:2] == [
        r2["id"],
        r["id"],
    ]
    refused("review rule: the outcome is one of", n.decide_review, k("notary"), r["id"], "shrug")
    refused(
        "office rule: only the issuing office", n.decide_review, k("xh-notary"), r["id"], "maintain"
    )
    assert n.decide_review(k("notary"), r["id"], "maintain")["status"] == "maintained"
    out = n.decide_review(
        k("notary"), r2["id"], "correct", "omission", doc_hash=chain.h(b"kinship v2")
    )
    assert out["status"] == "corrected"
    mine = n.citizen(party.did, key=party.key, purpose=P)
    assert [c["id"] for c in mine["cases"]] == [case["id"]]
    assert [c["status"] for c in mine["certificates"]] == ["superseded", "active"]
    assert [x["status"] for x in mine["reviews"]] == ["maintained"]


def test_evidence_and_its_chain_of_custody(chain: Chain) -> None:
    n, k, tmp = chain.n, chain.key, chain.tmp
    refused(
        "platform rule: 'wycz' has registered no compliance statement",
        n.preserve,
        k("custodian"),
        document=PAGE,
        captured_at=now(),
        method="web_page",
    )
    st = n.register_statement(k("wycz-admin"), ["GB/T 39786-2021"], statement=b"statement v1")
    assert st["version"] == 1 and n._get("/v1/notary/platforms")["items"][0]["org"] == "wycz"
    for why, kw in [
        ("capture rule: 'telepathy' is not a capture method", {"method": "telepathy"}),
        ("capture rule: 'video' needs the capture device's attestation", {"method": "video"}),
        ("time rule: captured_at is after this block's time", {"captured_at": now() + 3_600_000}),
        ("time rule: captured more than 24 hours", {"captured_at": now() - 25 * 3_600_000}),
    ]:
        args = {"document": PAGE, "captured_at": now(), "method": "web_page", **kw}
        refused(why, n.preserve, k("custodian"), **args)
    refused(
        "platform rule: 'fy' is not an evidence platform",
        n.preserve,
        k("judge"),
        document=PAGE,
        captured_at=now(),
        method="web_page",
    )
    applicant = chain.wallet("shop-owner")
    ev = n.preserve(
        k("custodian"),
        document=PAGE,
        captured_at=now() - 60_000,
        method="screen_recording",
        device_attestation=b"device log",
        applicant=applicant.did,
    )
    eid = ev["id"]
    assert ev["algo"] == "sm3" and ev["device_attestation"] == chain.h(b"device log").hex()
    refused(
        "evidence rule: this document is already preserved",
        n.preserve,
        k("custodian"),
        document=PAGE,
        captured_at=now(),
        method="web_page",
    )
    refused(
        "custody rule: .* is held by 'wycz', not 'jmgz'",
        n.hand_over,
        k("notary"),
        eid,
        "fy",
        "litigation",
    )
    refused(
        "custody rule: 'nsyh' is not another evidence platform",
        n.hand_over,
        k("custodian"),
        eid,
        "nsyh",
        "litigation",
    )
    refused(
        "custody rule: evidence .* is held by 'wycz'; the office must receive it",
        n.accept,
        k("notary"),
        "evidence",
        [chain.commit("x")],
        evidence=eid,
    )
    n.hand_over(k("custodian"), eid, "jmgz", "notarisation")
    refused(
        "custody rule: .* is already being handed over to 'jmgz'",
        n.hand_over,
        k("custodian"),
        eid,
        "fy",
        "litigation",
    )
    refused("custody rule: .* is not being handed over to 'fy'", n.receive, k("judge"), eid)
    n.receive(k("notary"), eid)
    case = n.accept(k("notary"), "evidence", [chain.commit("李|id")], [applicant.did], evidence=eid)
    cert = n.issue(k("notary"), case["id"], document=b"evidence certificate")
    n.hand_over(k("notary"), eid, "fy", "litigation")
    n.receive(k("judge"), eid)
    got = n.evidence(eid, key=k("judge"), purpose=P)
    assert [s["step"] for s in got["custody"]] == [
        "preserved",
        "handed_over",
        "received",
        "notarised",
        "handed_over",
        "received",
    ]
    assert got["custody"][3]["detail"] == {"certificate": cert["id"]}
    assert n.citizen(applicant.did, key=applicant.key, purpose=P)["evidence"][0]["id"] == eid
    # the court's check: one bundle, from the genesis hash alone
    bundle = n.custody_bundle(eid, key=k("judge"), purpose=P)  # checked first, as a court would
    assert len(bundle["records"]) == 7
    path = tmp / "custody.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False))
    page = tmp / "page.html"
    page.write_bytes(PAGE)
    genesis = chain.env.node.genesis_hash.hex()
    out = CliRunner().invoke(
        cli_app(),
        ["notary", "custody", str(path), str(page), "--genesis-hash", genesis],
        env={"COLUMNS": "200"},
    )
    assert out.exit_code == 0, out.output
    for word in (
        "核验通过 / verified from the pinned genesis",
        "screen_recording",
        eid,
        "handed_over",
        "notarised",
        "与存证一致 / matches",
    ):
        assert word in out.output, out.output
    unpinned = CliRunner().invoke(cli_app(), ["notary", "custody", str(path)])
    assert unpinned.exit_code == 3, unpinned.output
    generic = CliRunner().invoke(
        cli_app(), ["verify", str(path), str(page), "--genesis-hash", genesis]
    )
    assert generic.exit_code == 0 and "matches record(s) 0, 1, 2, 3, 4, 5, 6" in generic.output
    # the node's own check (for the console): the same verdict, pinned to its genesis
    res = chain.c._request(
        "POST", "/v1/notary/custody/check", json={"bundle": bundle, "doc_hash": chain.h(PAGE).hex()}
    ).json()
    assert res["valid"] and res["report"]["steps"][5]["org"] == "fy", res
    assert res["report"]["document"] is True and res["pinned_to"] == genesis


def cli_app() -> Any:
    from wuyi.cli import app

    return app


def now() -> int:
    return int(time.time() * 1000)


def test_a_broken_chain_of_custody_is_refused(chain: Chain) -> None:
    """A step left out, steps swapped, a step of other evidence, another document: each is
    refused naming the custody check, offline and by the node."""
    n, k = chain.n, chain.key
    ev = n.preserve(k("custodian"), document=b"second page", captured_at=now(), method="file")
    n.hand_over(k("custodian"), ev["id"], "fy", "litigation")
    n.receive(k("judge"), ev["id"])
    other = n.preserve(k("custodian"), document=b"third page", captured_at=now(), method="file")
    good = n.custody_bundle(ev["id"], key=k("judge"), purpose=P)
    alien = n.custody_bundle(other["id"], key=k("custodian"), purpose=P)
    genesis = chain.env.node.genesis_hash

    def drop(b: dict[str, Any]) -> None:
        del b["records"][2]

    def swap(b: dict[str, Any]) -> None:
        b["records"][2], b["records"][3] = b["records"][3], b["records"][2]

    def foreign(b: dict[str, Any]) -> None:
        b["records"][1] = alien["records"][1]

    for fn, why in [
        (drop, "custody: evidence .* has 3 custody steps; the bundle carries 2"),
        (swap, "custody: record of step 2 is"),
        (foreign, "custody: record of step 1 is"),
    ]:
        bad = copy.deepcopy(good)
        fn(bad)
        with pytest.raises(ProofInvalid, match=why):
            n.check_custody(bad)
        res = chain.c._request("POST", "/v1/notary/custody/check", json={"bundle": bad}).json()
        assert res["valid"] is False and "custody:" in res["why"], res
    with pytest.raises(ProofInvalid, match="which no record of this bundle names"):
        n.check_custody(good, b"not the page")
    res = chain.c._request(
        "POST", "/v1/notary/custody/check", json={"bundle": good, "doc_hash": chain.h(b"x").hex()}
    ).json()
    assert res["valid"] is False and "not the one preserved" in res["why"]
    # an altered step fails the proof itself
    bad = copy.deepcopy(good)
    bad["records"][1]["record"]["org"] = "jmgz"
    path = chain.tmp / "bad.json"
    path.write_text(json.dumps(bad))
    out = CliRunner().invoke(
        cli_app(), ["notary", "custody", str(path), "--genesis-hash", genesis.hex()]
    )
    assert out.exit_code == 1 and "record 1: record shown in the bundle differs" in out.output
    assert to_json(copy.deepcopy(good)) == good


def test_parameters_through_the_api(chain: Chain) -> None:
    n, k = chain.n, chain.key
    names = {p["name"]: p for p in n.params()}
    assert names["issue_days"]["value"] == 15
    assert "公证法" in names["issue_days"]["latest"]["basis"]
    with pytest.raises(ContractRevert, match="param rule: only admins of 'sfj'"):
        n.set_param(k("jmgz-admin"), "issue_days", 10, "x")
    rec = n.set_param(k("sfj-admin"), "max_capture_lag_hours", 48, "节假日")
    assert rec["previous"] == 24
    hist = n.param_history("max_capture_lag_hours")
    assert [h["value"] for h in hist] == [24, 48] and hist[1]["org"] == "sfj"
