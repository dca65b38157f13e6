"""Credentials on the ledger through real blocks: issuing authority by type (governance
``vc.set_type``), the index counter, status transitions, consent by the holder, and
verification records — one test per reason code of ``vc.verify``.

No personal data, here either: claim *names*, types, DIDs and hashes only."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.ledger import keys
from wuyi.ledger.handlers.credentials import (
    MAX_CONSENT_MS,
    VERIFY_REASONS,
    get_check,
    get_consent,
    get_credential_status,
    get_credential_type,
    list_consents,
    list_credential_types,
    list_refused,
    list_uses,
    next_credential_index,
    status_list,
)
from wuyi.ledger.handlers.did import compute_did
from wuyi.ledger.handlers.governance import POLICY_DEFAULTS, get_proposal
from wuyi.ledger.types import Receipt
from wuyi.testing.factories import LedgerHarness

DAY_MS = 24 * 60 * 60 * 1000
ID_CLAIMS = ["age_over_18", "real_name_verified", "resident"]


# -- helpers ------------------------------------------------------------------------------------


def one(h: LedgerHarness, tx: bytes) -> Receipt:
    _, res = h.run([tx])
    assert res.tx_hashes, res.rejected
    return res.receipts[0]


def rejected(h: LedgerHarness, tx: bytes) -> str:
    _, res = h.run([tx])
    assert not res.tx_hashes
    return res.rejected[0][1].message


def admit(h: LedgerHarness, org: str, name: str, voters: tuple[str, ...]) -> None:
    key = h.new_key(org)
    args = {"id": org, "name": name, "admins": [{"public_key": key.public_key}]}
    assert h.govern("org.admit", args, voters=voters).ok


VOTERS = ("zjj", "gaj", "jyj")  # with sjj (the proposer): every organisation


def set_type(h: LedgerHarness, type_: str, issuers: list[str], claims: list[str]) -> Receipt:
    args = {"type": type_, "issuers": issuers, "claims": claims, "description": f"{type_}"}
    return h.govern("vc.set_type", args, voters=VOTERS)


def make_chain(suite: str = "intl") -> LedgerHarness:
    """sjj (operator), zjj (the verifier, 住建局), gaj (公安局) and jyj (教育局); an issuer
    in gaj and jyj, a clerk in zjj; IdentityCredential issued by gaj, DegreeCredential by
    jyj."""
    h = LedgerHarness(suite_name=suite)
    admit(h, "gaj", "江门市公安局", ("zjj",))
    admit(h, "jyj", "江门市教育局", ("zjj", "gaj"))
    h.add_member("gaj", "gaj", "gaj-issuer", ["issuer"])
    h.add_member("jyj", "jyj", "jyj-issuer", ["issuer"])
    h.add_member("zjj", "zjj", "zjj-clerk", ["client"])
    h.add_member("gaj", "gaj", "gaj-clerk", ["client"])
    assert set_type(h, "IdentityCredential", ["gaj"], ID_CLAIMS).ok
    assert set_type(h, "DegreeCredential", ["jyj"], ["degree_level"]).ok
    return h


@pytest.fixture
def h() -> LedgerHarness:
    return make_chain()


def new_did(h: LedgerHarness, name: str) -> str:
    key = h.new_key(name)
    assert one(h, h.tx(name, "did.create", {})).ok
    return compute_did(h.suite, key.public_key)


def issue(h: LedgerHarness, signer: str, type_: str = "IdentityCredential", **kw: Any) -> Receipt:
    org = {"gaj-issuer": "gaj", "jyj-issuer": "jyj"}.get(signer, signer)
    payload = {
        "type": type_,
        "commitment": h.suite.hash(f"jwt/{h.height}".encode()),
        "expires": 0,
        "idx": next_credential_index(h.state, org),
        **kw,
    }
    return one(h, h.tx(signer, "vc.issue", payload))


def consent_payload(h: LedgerHarness, holder: str, **kw: Any) -> dict[str, Any]:
    return {
        "holder": holder,
        "verifier": "zjj",
        "types": ["IdentityCredential"],
        "claims": ["age_over_18", "resident"],
        "purpose": "保障性住房资格审核",
        "not_before": h.time,
        "not_after": h.time + 30 * DAY_MS,
        **kw,
    }


def grant(h: LedgerHarness, signer: str, holder: str, **kw: Any) -> bytes:
    r = one(h, h.tx(signer, "consent.grant", consent_payload(h, holder, **kw)))
    assert r.ok, r
    return r.tx_hash[:16]


class Scene:
    """A holder with a consent for zjj and a valid IdentityCredential from gaj (idx 0)."""

    def __init__(self, h: LedgerHarness) -> None:
        self.h = h
        self.holder = new_did(h, "citizen")
        assert issue(h, "gaj-issuer").ok
        self.consent = grant(h, "citizen", self.holder)
        self.n = 0

    def payload(self, **kw: Any) -> dict[str, Any]:
        """A one-credential ``vc.verify`` payload; keyword arguments replace fields of the
        payload or of its one presented credential."""
        self.n += 1
        cred = {
            "presentation_hash": self.h.suite.hash(f"presentation/{self.n}".encode()),
            "issuer_org": "gaj",
            "idx": 0,
            "type": "IdentityCredential",
            "disclosed": ["age_over_18"],
            "kb_exp": self.h.time // 1000 + 300,
        }
        top = {
            "nonce": f"nonce-{self.n:04d}".encode(),
            "consent": self.consent,
            "offchain": {"result": "accepted", "reason": ""},
        }
        for k, v in kw.items():
            (cred if k in cred else top)[k] = v
        return {**top, "credentials": [cred]}

    def verify(self, signer: str = "zjj-clerk", **kw: Any) -> tuple[Receipt, dict[str, Any]]:
        r = one(self.h, self.h.tx(signer, "vc.verify", self.payload(**kw)))
        assert r.ok, r  # the transaction succeeds whatever the verdict
        rec = get_check(self.h.state, r.tx_hash)
        assert rec is not None
        return r, rec


@pytest.fixture
def scene(h: LedgerHarness) -> Scene:
    return Scene(h)


# -- credential types ---------------------------------------------------------------------------


def test_set_type_by_governance(h: LedgerHarness) -> None:
    assert POLICY_DEFAULTS["credentials"] == "MAJORITY"
    rec = get_credential_type(h.state, "IdentityCredential")
    assert rec is not None
    assert rec["issuers"] == ["gaj"] and rec["claims"] == ID_CLAIMS
    assert rec["description"] == "IdentityCredential" and rec["updated_height"] > 0
    assert [t["type"] for t in list_credential_types(h.state)] == [
        "DegreeCredential",
        "IdentityCredential",
    ]
    # the proposal was governed by the policy named 'credentials'
    last = max(
        pid
        for pid in range(1, 20)
        if (p := get_proposal(h.state, pid)) is not None and p["action"]["type"] == "vc.set_type"
    )
    assert get_proposal(h.state, last)["policy"]["name"] == "credentials"  # type: ignore[index]


def test_set_type_needs_the_policy(h: LedgerHarness) -> None:
    r = h.govern("vc.set_type", {"type": "X1", "issuers": ["gaj"], "claims": []}, voters=("zjj",))
    assert not r.ok and "policy 'credentials'" in r.error
    assert get_credential_type(h.state, "X1") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"type": "1bad"}, "must be a letter then 1-63 letters or digits"),
        ({"type": "Has Space"}, "must be a letter then"),
        ({"issuers": ["GA J"]}, "issuers"),
        ({"issuers": ["gaj", "gaj"]}, "issuers contain duplicates"),
        ({"claims": ["real name"]}, "is not a valid claim name"),
        ({"extra": 1}, "unknown payload fields"),
    ],
)
def test_set_type_checks_its_args(h: LedgerHarness, args: dict[str, Any], message: str) -> None:
    base = {"type": "HouseholdCredential", "issuers": ["gaj"], "claims": ["resident"]}
    payload = {"action": {"type": "vc.set_type", "args": {**base, **args}}, "title": "t"}
    assert message in rejected(h, h.tx("operator", "gov.propose", payload))


def test_set_type_issuers_must_exist(h: LedgerHarness) -> None:
    r = set_type(h, "HouseholdCredential", ["nobody"], [])
    assert r.status == "tx_failed" and "organisation 'nobody' does not exist" in r.error


# -- issuing ------------------------------------------------------------------------------------


def test_issuer_authority_per_type(h: LedgerHarness) -> None:
    r = issue(h, "gaj-issuer")
    assert r.ok, r
    assert r.events[0].type == "vc.issued" and r.events[0].attrs["org"] == "gaj"
    # 教育局 may not issue identity credentials, only degrees
    r = issue(h, "jyj-issuer")
    assert r.status == "unauthorized"
    assert r.error == "organisation 'jyj' may not issue IdentityCredential (issuers: gaj)"
    assert issue(h, "jyj-issuer", "DegreeCredential").ok
    assert issue(h, "gaj-issuer", "DegreeCredential").status == "unauthorized"
    # the role matters too: gaj's admin and clerk are not issuers
    for signer in ("gaj", "gaj-clerk"):
        r = issue(h, signer, idx=1)
        assert r.status == "unauthorized" and "needs one of the roles ['issuer']" in r.error
    h.new_key("stranger")
    assert issue(h, "stranger", idx=1).status == "unauthorized"
    assert issue(h, "gaj-issuer", "UnknownCredential").error == (
        "no credential type 'UnknownCredential' (governance: vc.set_type)"
    )


def test_issue_assigns_the_next_index(h: LedgerHarness) -> None:
    assert next_credential_index(h.state, "gaj") == 0
    expires = h.time // 1000 + 3600
    commitment = h.suite.hash(b"issuer-signed jwt")
    r0 = issue(h, "gaj-issuer", expires=expires, commitment=commitment)
    assert r0.ok
    assert get_credential_status(h.state, "gaj", 0) == {
        "org": "gaj",
        "idx": 0,
        "type": "IdentityCredential",
        "commitment": commitment,
        "issuer": h.address("gaj-issuer"),
        "status": "valid",
        "issued_height": h.height,
        "issued_time": h.time,
        "expires": expires,
        "history": [{"status": "valid", "height": h.height, "reason": "issued"}],
    }
    assert h.state.get(keys.vc_status_key("gaj", 0)) is not None
    assert issue(h, "gaj-issuer").ok
    assert next_credential_index(h.state, "gaj") == 2
    assert next_credential_index(h.state, "jyj") == 0  # one counter per organisation
    r = issue(h, "gaj-issuer", idx=1)
    assert r.status == "tx_failed"
    assert r.error == "index taken; read vc/next/gaj again (next is 2, payload has 1)"
    assert issue(h, "gaj-issuer", idx=7).status == "tx_failed"
    assert issue(h, "gaj-issuer", idx=2).ok


def test_issue_checks_the_payload(h: LedgerHarness) -> None:
    base = {"type": "IdentityCredential", "commitment": bytes(32), "expires": 0, "idx": 0}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"commitment": bytes(31)}, "commitment must be 32 bytes"),
        ({"expires": -1}, "expires is seconds"),
        ({"idx": -1}, "idx must not be negative"),
        ({"type": "x"}, "must be a letter then"),
    ]
    for change, message in cases:
        assert message in rejected(h, h.tx("gaj-issuer", "vc.issue", {**base, **change}))
    r = issue(h, "gaj-issuer", expires=h.time // 1000)
    assert r.status == "tx_failed" and "is not after the block time" in r.error


# -- status -------------------------------------------------------------------------------------


def set_status(h: LedgerHarness, signer: str, idx: int, status: str, reason: str = "") -> Receipt:
    return one(h, h.tx(signer, "vc.set_status", {"idx": idx, "status": status, "reason": reason}))


def test_status_transitions_and_revocation_is_final(h: LedgerHarness) -> None:
    for _ in range(3):
        assert issue(h, "gaj-issuer").ok
    assert set_status(h, "gaj-issuer", 1, "suspended", "复核中").ok
    assert set_status(h, "gaj", 2, "revoked", "证件注销").ok  # an admin may too
    assert status_list(h.state, "gaj") == [0, 2, 1]
    assert set_status(h, "gaj-issuer", 1, "valid", "复核完成").ok
    assert status_list(h.state, "gaj") == [0, 0, 1]
    rec = get_credential_status(h.state, "gaj", 1)
    assert rec is not None
    assert [(e["status"], e["reason"]) for e in rec["history"]] == [
        ("valid", "issued"),
        ("suspended", "复核中"),
        ("valid", "复核完成"),
    ]
    r = set_status(h, "gaj-issuer", 2, "valid")
    assert r.status == "tx_failed" and r.error == "credential gaj/2 is revoked; revocation is final"
    assert set_status(h, "gaj-issuer", 2, "suspended").status == "tx_failed"
    r = set_status(h, "gaj-issuer", 0, "valid")
    assert r.error == "credential gaj/0 is already valid"
    assert set_status(h, "gaj-issuer", 9, "revoked").error == (
        "organisation 'gaj' has issued no credential 9"
    )


def test_status_by_the_issuing_org_only(h: LedgerHarness) -> None:
    assert issue(h, "gaj-issuer").ok
    # another organisation's issuer addresses its own (empty) list
    r = set_status(h, "jyj-issuer", 0, "revoked")
    assert r.status == "tx_failed" and "organisation 'jyj' has issued no credential 0" in r.error
    r = set_status(h, "gaj-clerk", 0, "revoked")
    assert r.status == "unauthorized"
    assert status_list(h.state, "gaj") == [0]
    msg = rejected(h, h.tx("gaj", "vc.set_status", {"idx": 0, "status": "gone", "reason": ""}))
    assert "status must be one of" in msg
    long = {"idx": 0, "status": "revoked", "reason": "x" * 201}
    assert "reason longer than 200" in rejected(h, h.tx("gaj", "vc.set_status", long))


# -- consent ------------------------------------------------------------------------------------


def test_consent_grant_and_revoke_by_the_holder(h: LedgerHarness) -> None:
    holder = new_did(h, "citizen")
    payload = consent_payload(h, holder)
    r = one(h, h.tx("citizen", "consent.grant", payload))
    assert r.ok, r
    cid = r.tx_hash[:16]
    assert r.events[0].attrs == {"id": cid, "holder": holder, "verifier": "zjj"}
    rec = get_consent(h.state, cid)
    assert rec == {
        "id": cid,
        "holder": holder,
        "verifier": "zjj",
        "types": ["IdentityCredential"],
        "claims": ["age_over_18", "resident"],
        "purpose": "保障性住房资格审核",
        "not_before": payload["not_before"],
        "not_after": payload["not_after"],
        "status": "active",
        "granted_height": h.height,
        "granted_time": h.time,
        "revoked_height": None,
        "uses": 0,
        "assurance": None,
    }
    assert list_consents(h.state, holder) == [rec]
    # nobody but the holder's authentication keys may revoke it
    other = new_did(h, "neighbour")
    assert list_consents(h.state, other) == []
    for signer in ("neighbour", "zjj", "zjj-clerk"):
        r = one(h, h.tx(signer, "consent.revoke", {"id": cid}))
        assert r.status == "unauthorized", signer
    r = one(h, h.tx("citizen", "consent.revoke", {"id": cid}))
    assert r.ok and r.events[0].type == "consent.revoked"
    rec = get_consent(h.state, cid)
    assert rec is not None and rec["status"] == "revoked" and rec["revoked_height"] == h.height
    r = one(h, h.tx("citizen", "consent.revoke", {"id": cid}))
    assert r.status == "tx_failed" and "already revoked" in r.error
    r = one(h, h.tx("citizen", "consent.revoke", {"id": bytes(16)}))
    assert r.status == "tx_failed" and r.error == f"no consent {bytes(16).hex()}"


def test_consent_only_by_the_holder(h: LedgerHarness) -> None:
    holder = new_did(h, "citizen")
    new_did(h, "neighbour")
    for signer in ("neighbour", "zjj"):
        r = one(h, h.tx(signer, "consent.grant", consent_payload(h, holder)))
        assert r.status == "unauthorized"
        assert (
            r.error
            == f"the sender's key is not a key of {holder}; only its authentication keys may"
        )
    r = one(h, h.tx("citizen", "consent.grant", consent_payload(h, "did:wuyi:" + "0" * 32)))
    assert r.status == "tx_failed" and r.error == f"no DID did:wuyi:{'0' * 32}"


def test_consent_window_checks(h: LedgerHarness) -> None:
    holder = new_did(h, "citizen")
    now = h.time

    def grant_tx(**kw: Any) -> bytes:
        return h.tx("citizen", "consent.grant", consent_payload(h, holder, **kw))

    assert "365 days" in rejected(h, grant_tx(not_before=now, not_after=now + MAX_CONSENT_MS + 1))
    assert "not_after must be after not_before" in rejected(h, grant_tx(not_after=now))
    assert "purpose must be 1-200" in rejected(h, grant_tx(purpose="x" * 201))
    assert "purpose must be 1-200" in rejected(h, grant_tx(purpose=""))
    assert "types must name at least one type" in rejected(h, grant_tx(types=[]))
    assert "is not a valid claim name" in rejected(h, grant_tx(claims=["出生日期"]))
    # the longest window is fine; one that already ended is not
    assert one(h, grant_tx(not_before=now, not_after=now + MAX_CONSENT_MS)).ok
    r = one(h, grant_tx(not_before=now - 10_000, not_after=now - 5_000))
    assert r.status == "tx_failed" and "the window ends before this block's time" in r.error
    r = one(h, grant_tx(verifier="nobody"))
    assert r.status == "tx_failed" and "organisation 'nobody' does not exist" in r.error


# -- verification records -----------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_verify_accepted(suite: str) -> None:
    h = make_chain(suite)
    s = Scene(h)
    p = s.payload()
    s.n -= 1  # verify() builds the same payload again
    r, rec = s.verify()
    assert rec == {
        "tx_hash": r.tx_hash,
        "verifier": "zjj",
        "verifier_member": h.address("zjj-clerk"),
        "holder": s.holder,
        "consent": s.consent,
        "credentials": [
            {
                "issuer_org": "gaj",
                "idx": 0,
                "type": "IdentityCredential",
                "disclosed": ["age_over_18"],
                "presentation_hash": p["credentials"][0]["presentation_hash"],
            }
        ],
        "types": ["IdentityCredential"],
        "disclosed": ["age_over_18"],
        "result": "accepted",
        "reason": "",
        "height": h.height,
        "time": h.time,
        "purpose": "保障性住房资格审核",
    }
    assert [(e.type, e.attrs) for e in r.events] == [
        (
            "vc.checked",
            {
                "result": "accepted",
                "reason": "",
                "consent": s.consent,
                "credentials": 1,
            },
        )
    ]
    consent = get_consent(h.state, s.consent)
    assert consent is not None and consent["uses"] == 1
    assert list_uses(h.state, s.holder) == [rec]
    assert list_refused(h.state, s.holder) == []
    assert h.state.get(keys.vc_used_key(p["credentials"][0]["presentation_hash"])) is not None
    _, rec2 = s.verify(disclosed=["resident", "age_over_18"])
    assert rec2["result"] == "accepted"
    assert [u["tx_hash"] for u in list_uses(h.state, s.holder)] == [r.tx_hash, rec2["tx_hash"]]
    assert get_consent(h.state, s.consent)["uses"] == 2  # type: ignore[index]


def test_reason_codes_are_the_spec_list() -> None:
    assert VERIFY_REASONS == (
        "offchain",
        "replay",
        "no_consent",
        "consent_revoked",
        "consent_not_yet",
        "consent_expired",
        "wrong_verifier",
        "type_not_consented",
        "claims_not_consented",
        "assurance_too_low",
        "unknown_credential",
        "credential_revoked",
        "credential_suspended",
        "credential_expired",
        "issuer_not_authorised",
        "expired",
    )


def assert_refused(s: Scene, rec: dict[str, Any], reason: str, *, indexed: bool = True) -> None:
    assert rec["result"] == "refused" and rec["reason"] == reason
    assert (rec in list_refused(s.h.state, s.holder)) is indexed
    assert rec not in list_uses(s.h.state, s.holder)
    assert s.h.state.get(keys.vc_used_key(rec["credentials"][0]["presentation_hash"])) is None


def test_refused_offchain_is_passed_through(scene: Scene) -> None:
    r, rec = scene.verify(offchain={"result": "refused", "reason": "bad_issuer_signature"})
    assert_refused(scene, rec, "bad_issuer_signature")
    assert r.events[0].attrs["result"] == "refused"
    assert r.events[0].attrs["reason"] == "bad_issuer_signature"
    assert get_consent(scene.h.state, scene.consent)["uses"] == 0  # type: ignore[index]


def test_refused_replay_of_a_presentation(scene: Scene) -> None:
    _, first = scene.verify()
    _, rec = scene.verify(presentation_hash=first["credentials"][0]["presentation_hash"])
    assert rec["result"] == "refused" and rec["reason"] == "replay"
    assert rec in list_refused(scene.h.state, scene.holder)
    assert get_consent(scene.h.state, scene.consent)["uses"] == 1  # type: ignore[index]


def test_refused_reuse_of_a_nonce(scene: Scene) -> None:
    scene.verify(nonce=b"same-nonce")
    _, rec = scene.verify(nonce=b"same-nonce")
    assert_refused(scene, rec, "replay")
    # a nonce is per verifier organisation: another verifier may use the same bytes
    h = scene.h
    cid = grant(h, "citizen", scene.holder, verifier="gaj")
    _, other = scene.verify("gaj-clerk", nonce=b"same-nonce", consent=cid)
    assert other["result"] == "accepted"


def test_refused_nonce_of_a_refused_check_is_not_burnt(scene: Scene) -> None:
    _, rec = scene.verify(nonce=b"nonce-xyz", disclosed=["real_name_verified"])
    assert rec["reason"] == "claims_not_consented"
    _, rec = scene.verify(nonce=b"nonce-xyz")
    assert rec["result"] == "accepted"


def test_refused_no_consent(scene: Scene) -> None:
    _, rec = scene.verify(consent=bytes(16))
    assert rec["result"] == "refused" and rec["reason"] == "no_consent"
    assert rec["holder"] == "" and rec["purpose"] == ""
    assert list_refused(scene.h.state, scene.holder) == []  # nobody's consent to index under


def test_refused_consent_revoked(scene: Scene) -> None:
    assert one(scene.h, scene.h.tx("citizen", "consent.revoke", {"id": scene.consent})).ok
    _, rec = scene.verify()
    assert_refused(scene, rec, "consent_revoked")


def test_refused_consent_of_a_deactivated_holder(scene: Scene) -> None:
    assert one(scene.h, scene.h.tx("citizen", "did.deactivate", {"did": scene.holder})).ok
    _, rec = scene.verify()
    assert_refused(scene, rec, "consent_revoked")


def test_refused_consent_not_yet(scene: Scene) -> None:
    h = scene.h
    scene.consent = grant(h, "citizen", scene.holder, not_before=h.time + DAY_MS)
    _, rec = scene.verify()
    assert_refused(scene, rec, "consent_not_yet")


def test_refused_consent_expired(scene: Scene) -> None:
    h = scene.h
    scene.consent = grant(h, "citizen", scene.holder, not_after=h.time + 1500)
    h.run([])
    _, rec = scene.verify()
    assert_refused(scene, rec, "consent_expired")


def test_refused_wrong_verifier(scene: Scene) -> None:
    _, rec = scene.verify("gaj-clerk")  # the consent names zjj
    assert_refused(scene, rec, "wrong_verifier")
    assert rec["verifier"] == "gaj"


def test_refused_type_not_consented(scene: Scene) -> None:
    assert issue(scene.h, "jyj-issuer", "DegreeCredential").ok
    _, rec = scene.verify(type="DegreeCredential", issuer_org="jyj", disclosed=[])
    assert_refused(scene, rec, "type_not_consented")


def test_refused_claims_not_consented(scene: Scene) -> None:
    _, rec = scene.verify(disclosed=["age_over_18", "real_name_verified"])
    assert_refused(scene, rec, "claims_not_consented")


def test_refused_unknown_credential(scene: Scene) -> None:
    _, rec = scene.verify(idx=5)
    assert_refused(scene, rec, "unknown_credential")
    # an index of another type is unknown as this type
    h = scene.h
    cid = grant(h, "citizen", scene.holder, types=["IdentityCredential", "DegreeCredential"])
    assert issue(h, "jyj-issuer", "DegreeCredential").ok
    _, rec = scene.verify(consent=cid, issuer_org="jyj", idx=0)
    assert_refused(scene, rec, "unknown_credential")


def test_refused_credential_revoked(scene: Scene) -> None:
    assert set_status(scene.h, "gaj-issuer", 0, "revoked", "注销").ok
    _, rec = scene.verify()
    assert_refused(scene, rec, "credential_revoked")


def test_refused_credential_suspended(scene: Scene) -> None:
    assert set_status(scene.h, "gaj-issuer", 0, "suspended").ok
    _, rec = scene.verify()
    assert_refused(scene, rec, "credential_suspended")


def test_refused_credential_expired(scene: Scene) -> None:
    h = scene.h
    assert issue(h, "gaj-issuer", expires=h.time // 1000 + 2).ok
    h.run([])
    h.run([])
    _, rec = scene.verify(idx=1)
    assert_refused(scene, rec, "credential_expired")


def test_refused_issuer_not_authorised(scene: Scene) -> None:
    assert set_type(scene.h, "IdentityCredential", ["jyj"], ID_CLAIMS).ok  # gaj loses it
    _, rec = scene.verify()
    assert_refused(scene, rec, "issuer_not_authorised")


def test_refused_expired_key_binding(scene: Scene) -> None:
    _, rec = scene.verify(kb_exp=scene.h.time // 1000)
    assert_refused(scene, rec, "expired")


def test_verify_needs_a_member(scene: Scene) -> None:
    h = scene.h
    r = one(h, h.tx("citizen", "vc.verify", scene.payload()))
    assert r.status == "unauthorized"
    assert get_check(h.state, r.tx_hash) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"presentation_hash": bytes(31)}, "presentation_hash must be 32 bytes"),
        ({"nonce": b"short"}, "nonce must be 8-64 bytes"),
        ({"nonce": bytes(65)}, "nonce must be 8-64 bytes"),
        ({"consent": bytes(32)}, "consent must be a 16-byte consent id"),
        ({"offchain": {"result": "maybe"}}, "offchain.result must be"),
        ({"offchain": {"result": "refused"}}, "needs its reason code"),
        ({"offchain": {"result": "accepted", "reason": "x"}}, "has no reason"),
        ({"offchain": {"result": "accepted", "why": ""}}, "offchain must be {result, reason}"),
        ({"disclosed": ["a b"]}, "is not a valid claim name"),
    ],
)
def test_verify_checks_the_payload(scene: Scene, change: dict[str, Any], message: str) -> None:
    h = scene.h
    assert message in rejected(h, h.tx("zjj-clerk", "vc.verify", scene.payload(**change)))


def test_one_check_of_several_credentials_is_one_use(scene: Scene) -> None:
    h = scene.h
    assert issue(h, "gaj-issuer").ok  # idx 1, another IdentityCredential of the holder
    p = scene.payload()
    second = {**p["credentials"][0], "idx": 1, "presentation_hash": h.suite.hash(b"second")}
    p["credentials"].append(second)
    r = one(h, h.tx("zjj-clerk", "vc.verify", p))
    rec = get_check(h.state, r.tx_hash)
    assert rec is not None and rec["result"] == "accepted"
    assert [(c["issuer_org"], c["idx"]) for c in rec["credentials"]] == [("gaj", 0), ("gaj", 1)]
    assert len(list_uses(h.state, scene.holder)) == 1
    for c in p["credentials"]:  # each presentation is spent
        assert h.state.get(keys.vc_used_key(c["presentation_hash"])) is not None


def test_one_bad_credential_refuses_the_whole_check(scene: Scene) -> None:
    h = scene.h
    assert issue(h, "gaj-issuer").ok
    assert set_status(h, "gaj-issuer", 1, "revoked", "注销").ok
    p = scene.payload()
    p["credentials"].append(
        {**p["credentials"][0], "idx": 1, "presentation_hash": h.suite.hash(b"other")}
    )
    r = one(h, h.tx("zjj-clerk", "vc.verify", p))
    rec = get_check(h.state, r.tx_hash)
    assert rec is not None and (rec["result"], rec["reason"]) == ("refused", "credential_revoked")
    assert list_uses(h.state, scene.holder) == []
    assert h.state.get(keys.vc_used_key(p["credentials"][0]["presentation_hash"])) is None


def test_a_credential_listed_twice_is_refused_at_the_door(scene: Scene) -> None:
    h = scene.h
    p = scene.payload()
    p["credentials"].append(dict(p["credentials"][0]))
    assert "listed twice" in rejected(h, h.tx("zjj-clerk", "vc.verify", p))
    p["credentials"] = []
    assert "1-8 presented credentials" in rejected(h, h.tx("zjj-clerk", "vc.verify", p))
