"""Credentials on the ledger through real blocks: issuing authority by type (governance
``vc.set_type``), the index counter, status transitions, consent by the holder, and
verification records — one test per reason code of ``vc.verify``, whose presentations the
chain verifies itself (made as the wallet makes them, ``wuyi.testing.presentations``).

No personal data, here either: claim *names*, types, DIDs and hashes only."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.ledger import keys
from wuyi.ledger.handlers.credentials import (
    CHAIN_REASONS,
    MAX_CONSENT_MS,
    REASON_MESSAGES,
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
from wuyi.ledger.handlers.verification import presentation_gas
from wuyi.ledger.types import Receipt
from wuyi.runtime import GasSchedule
from wuyi.sdk.identity import presentation_payload
from wuyi.testing.factories import LedgerHarness
from wuyi.testing.presentations import CredentialDesk

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
    return h.register_did(name, voters=VOTERS)


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


ORG_OF = {"zjj-clerk": "zjj", "gaj-clerk": "gaj", "zjj": "zjj"}


class Scene:
    """A holder ("citizen") with a consent for zjj (age_over_18, resident) and a valid
    IdentityCredential from gaj (idx 0, claims age_over_18 and real_name_verified), signed as
    gaj's system signs it; presentations are made as the wallet makes them."""

    def __init__(self, h: LedgerHarness) -> None:
        self.h = h
        self.desk = CredentialDesk(h)
        self.holder = new_did(h, "citizen")
        self.cred = self.issue({"age_over_18": True, "real_name_verified": True})
        self.consent = grant(h, "citizen", self.holder)
        self.n = 0

    def issue(self, claims: dict[str, Any], **kw: Any) -> str:
        """A credential signed as ``desk.issue`` signs it (default: gaj's IdentityCredential
        for the citizen, registered)."""
        holder = kw.pop("holder", "citizen")
        org = kw.pop("org", "gaj")
        type_ = kw.pop("type_", "IdentityCredential")
        return self.desk.issue(holder, org, type_, claims, **kw)

    def present(
        self,
        claims: tuple[str, ...] = ("age_over_18",),
        *,
        creds: list[str] | None = None,
        consent: bytes | None = None,
        nonce: str | None = None,
        holder: str = "citizen",
        verifier: str = "zjj",
        **kw: Any,
    ) -> tuple[str, str]:
        """A presentation (text, nonce) as ``Wallet.present`` makes it."""
        self.n += 1
        nonce = nonce or f"nonce-{self.n:04d}"
        text = self.desk.present(
            holder,
            creds or [self.cred],
            list(claims),
            verifier=verifier,
            nonce=nonce,
            consent=(consent or self.consent).hex(),
            **kw,
        )
        return text, nonce

    def payload(self, text: str, nonce: str, *, min_assurance: int = 0) -> dict[str, Any]:
        """The ``vc.verify`` payload for ``text``, its side-car sent to the chain's nodes."""
        payload, sidecar = presentation_payload(
            text, nonce, suite=self.h.suite, min_assurance=min_assurance
        )
        assert self.h.sidecar(sidecar) == payload["presentation"]
        return payload

    def verify(
        self,
        signer: str = "zjj-clerk",
        *,
        text: str | None = None,
        nonce: str | None = None,
        min_assurance: int = 0,
        **kw: Any,
    ) -> tuple[Receipt, dict[str, Any]]:
        """``vc.verify`` by ``signer`` of a presentation made for its organisation (keyword
        arguments go to :meth:`present`), or of ``text`` for ``nonce``."""
        if text is None:
            kw.setdefault("verifier", ORG_OF[signer])
            text, nonce = self.present(nonce=nonce, **kw)
        assert nonce is not None
        payload = self.payload(text, nonce, min_assurance=min_assurance)
        r = one(self.h, self.h.tx(signer, "vc.verify", payload))
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
    h.new_key("stranger")  # no member: refused before execution (the sender rule)
    with pytest.raises(AssertionError, match=r"can write; a citizen.s DID is registered"):
        issue(h, "stranger", idx=1)
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
    msg = rejected(h, h.tx("neighbour", "consent.revoke", {"id": cid}))  # another DID: at the door
    assert "may revoke only its own" in msg
    for signer in ("zjj", "zjj-clerk"):  # members: executed and refused
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
    # another citizen's DID key: refused before execution (the sender rule)
    msg = rejected(h, h.tx("neighbour", "consent.grant", consent_payload(h, holder)))
    assert "it may act only for that DID" in msg
    # a member: executed, and refused by the handler
    r = one(h, h.tx("zjj", "consent.grant", consent_payload(h, holder)))
    assert r.status == "unauthorized"
    assert r.error == f"the sender's key is not a key of {holder}; only its authentication keys may"
    msg = rejected(h, h.tx("citizen", "consent.grant", consent_payload(h, "did:wuyi:" + "0" * 32)))
    assert "it may act only for that DID" in msg


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
    text, nonce = s.present()
    r, rec = s.verify(text=text, nonce=nonce)
    ph = h.suite.hash(text.encode())
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
                "presentation_hash": ph,
            }
        ],
        "types": ["IdentityCredential"],
        "disclosed": ["age_over_18"],
        "result": "accepted",
        "reason": "",
        "height": h.height,
        "time": h.time,
        "purpose": "保障性住房资格审核",
        "basis": "chain",
    }
    assert [(e.type, e.attrs) for e in r.events] == [
        (
            "vc.checked",
            {"result": "accepted", "reason": "", "consent": s.consent, "credentials": 1},
        )
    ]
    consent = get_consent(h.state, s.consent)
    assert consent is not None and consent["uses"] == 1
    assert list_uses(h.state, s.holder) == [rec]
    assert list_refused(h.state, s.holder) == []
    assert h.state.get(keys.vc_used_key(ph)) is not None
    assert h.state.get(keys.vc_nonce_key("zjj", nonce.encode())) is not None
    # the two signatures checked and the records written are paid for
    assert r.gas_used >= presentation_gas(text) > 2 * GasSchedule().verify
    _, rec2 = s.verify()
    assert rec2["result"] == "accepted"
    assert [u["tx_hash"] for u in list_uses(h.state, s.holder)] == [r.tx_hash, rec2["tx_hash"]]
    assert get_consent(h.state, s.consent)["uses"] == 2  # type: ignore[index]


def test_reason_codes_are_the_spec_list() -> None:
    assert VERIFY_REASONS == (
        "wrong_verifier",
        "malformed",
        "bad_issuer_signature",
        "bad_disclosure",
        "expired",
        "no_key_binding",
        "bad_holder_signature",
        "wrong_audience",
        "wrong_nonce",
        "stale",
        "holder_mismatch",
        "unknown_credential",
        "not_registered",
        "no_consent",
        "replay",
        "consent_revoked",
        "consent_not_yet",
        "consent_expired",
        "type_not_consented",
        "claims_not_consented",
        "assurance_too_low",
        "credential_revoked",
        "credential_suspended",
        "credential_expired",
        "issuer_not_authorised",
    )
    assert set(CHAIN_REASONS) <= set(VERIFY_REASONS)
    assert set(VERIFY_REASONS) <= set(REASON_MESSAGES)


def assert_refused(s: Scene, rec: dict[str, Any], reason: str, *, indexed: bool = True) -> None:
    """Refused with ``reason``; in the holder's refused list only when the presentation was
    proven to be the holder's (``indexed``); never a use, no presentation spent."""
    assert (rec["result"], rec["reason"]) == ("refused", reason), rec
    assert rec["basis"] == "chain"
    assert rec["holder"] == (s.holder if indexed else "")
    assert (rec in list_refused(s.h.state, s.holder)) is indexed
    assert rec not in list_uses(s.h.state, s.holder)
    for c in rec["credentials"]:
        assert s.h.state.get(keys.vc_used_key(c["presentation_hash"])) is None
    assert get_consent(s.h.state, s.consent)["uses"] == 0  # type: ignore[index]


def test_refused_replay_of_a_presentation(scene: Scene) -> None:
    text, nonce = scene.present()
    _, first = scene.verify(text=text, nonce=nonce)
    assert first["result"] == "accepted"
    _, rec = scene.verify(text=text, nonce=nonce)
    assert rec["result"] == "refused" and rec["reason"] == "replay"
    assert rec in list_refused(scene.h.state, scene.holder)
    assert get_consent(scene.h.state, scene.consent)["uses"] == 1  # type: ignore[index]


def test_refused_reuse_of_a_nonce(scene: Scene) -> None:
    _, first = scene.verify(nonce="same-nonce")
    assert first["result"] == "accepted"
    _, rec = scene.verify(nonce="same-nonce")  # a new presentation for the spent nonce
    assert rec["reason"] == "replay"
    # a nonce is per verifier organisation: another verifier may use the same bytes
    h = scene.h
    cid = grant(h, "citizen", scene.holder, verifier="gaj")
    _, other = scene.verify("gaj-clerk", nonce="same-nonce", consent=cid)
    assert other["result"] == "accepted"


def test_refused_nonce_of_a_refused_check_is_not_burnt(scene: Scene) -> None:
    _, rec = scene.verify(nonce="nonce-xyz", claims=("age_over_18", "real_name_verified"))
    assert rec["reason"] == "claims_not_consented"
    _, rec = scene.verify(nonce="nonce-xyz")
    assert rec["result"] == "accepted"


def test_refused_no_consent(scene: Scene) -> None:
    _, rec = scene.verify(consent=bytes(16))
    assert_refused(scene, rec, "no_consent")
    assert rec["consent"] == bytes(16) and rec["purpose"] == ""


def test_refused_consent_revoked(scene: Scene) -> None:
    assert one(scene.h, scene.h.tx("citizen", "consent.revoke", {"id": scene.consent})).ok
    _, rec = scene.verify()
    assert_refused(scene, rec, "consent_revoked")


def test_refused_consent_of_a_deactivated_holder(scene: Scene) -> None:
    text, nonce = scene.present()  # made before the DID was deactivated
    assert one(scene.h, scene.h.tx("citizen", "did.deactivate", {"did": scene.holder})).ok
    _, rec = scene.verify(text=text, nonce=nonce)
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
    _, rec = scene.verify("gaj-clerk")  # made for gaj, under the consent for zjj
    assert_refused(scene, rec, "wrong_verifier")
    assert rec["verifier"] == "gaj"


def test_refused_type_not_consented(scene: Scene) -> None:
    degree = scene.issue({"degree_level": 4}, org="jyj", type_="DegreeCredential")
    _, rec = scene.verify(creds=[degree], claims=())
    assert_refused(scene, rec, "type_not_consented")


def test_refused_claims_not_consented(scene: Scene) -> None:
    _, rec = scene.verify(claims=("age_over_18", "real_name_verified"))
    assert_refused(scene, rec, "claims_not_consented")


def test_refused_assurance_too_low(scene: Scene) -> None:
    _, rec = scene.verify(min_assurance=2)  # the consent was granted without an attestation
    assert_refused(scene, rec, "assurance_too_low")


def test_refused_unknown_credential(scene: Scene) -> None:
    unregistered = scene.issue({"age_over_18": True}, register=False)  # claims gaj/1
    _, rec = scene.verify(creds=[unregistered])
    assert_refused(scene, rec, "unknown_credential")
    # an index of another type is unknown as this type: jyj/0 is a DegreeCredential
    forged = scene.issue({"age_over_18": True}, org="jyj", register=False)
    scene.issue({"degree_level": 4}, org="jyj", type_="DegreeCredential")
    _, rec = scene.verify(creds=[forged])
    assert_refused(scene, rec, "unknown_credential")


def test_refused_not_registered(scene: Scene) -> None:
    unregistered = scene.issue({"age_over_18": True}, register=False)  # claims gaj/1
    scene.issue({"age_over_18": True})  # gaj/1 is registered now: another credential
    _, rec = scene.verify(creds=[unregistered])
    assert_refused(scene, rec, "not_registered")


def test_refused_credential_revoked(scene: Scene) -> None:
    assert set_status(scene.h, "gaj-issuer", 0, "revoked", "注销").ok
    _, rec = scene.verify()
    assert_refused(scene, rec, "credential_revoked")


def test_refused_credential_suspended(scene: Scene) -> None:
    assert set_status(scene.h, "gaj-issuer", 0, "suspended").ok
    _, rec = scene.verify()
    assert_refused(scene, rec, "credential_suspended")


def test_refused_credential_expired(scene: Scene) -> None:
    """The status entry expires before the credential says it does: the chain's entry wins."""
    h = scene.h
    sd = scene.issue({"age_over_18": True}, register=False)  # gaj/1, valid a year
    body = {
        "type": "IdentityCredential",
        "commitment": h.suite.hash(sd.split("~")[0].encode()),
        "expires": h.time // 1000 + 2,
        "idx": 1,
    }
    assert one(h, h.tx("gaj-issuer", "vc.issue", body)).ok
    h.run([])
    h.run([])
    _, rec = scene.verify(creds=[sd])
    assert_refused(scene, rec, "credential_expired")


def test_refused_expired_credential(scene: Scene) -> None:
    old = scene.issue({"age_over_18": True}, valid_days=1)
    scene.h.time += 2 * DAY_MS
    _, rec = scene.verify(creds=[old])
    assert_refused(scene, rec, "expired", indexed=False)


def test_refused_issuer_not_authorised(scene: Scene) -> None:
    assert set_type(scene.h, "IdentityCredential", ["jyj"], ID_CLAIMS).ok  # gaj loses it
    _, rec = scene.verify()
    assert_refused(scene, rec, "issuer_not_authorised")


def test_refused_bad_issuer_signature(scene: Scene) -> None:
    forged = scene.issue({"age_over_18": True}, signer="gaj-clerk", register=False)
    _, rec = scene.verify(creds=[forged])
    assert_refused(scene, rec, "bad_issuer_signature", indexed=False)


def test_refused_expired_and_stale_key_binding(scene: Scene) -> None:
    now = scene.h.time // 1000
    _, rec = scene.verify(iat=now - 100, ttl=50)
    assert_refused(scene, rec, "expired", indexed=False)
    _, rec = scene.verify(iat=now - 400, ttl=600)
    assert_refused(scene, rec, "stale", indexed=False)


def test_refused_wrong_nonce_and_audience(scene: Scene) -> None:
    text, _ = scene.present(nonce="the-holders-nonce")
    _, rec = scene.verify(text=text, nonce="another-nonce")
    assert_refused(scene, rec, "wrong_nonce", indexed=False)
    _, rec = scene.verify(aud="did:wuyi:org:gaj")
    assert_refused(scene, rec, "wrong_audience", indexed=False)


def test_refused_malformed(scene: Scene) -> None:
    _, rec = scene.verify(text="not a presentation", nonce="nonce-0000")
    assert_refused(scene, rec, "malformed", indexed=False)
    assert rec["credentials"] == [
        {
            "issuer_org": "",
            "idx": None,
            "type": "",
            "disclosed": [],
            "presentation_hash": scene.h.suite.hash(b"not a presentation"),
        }
    ]


# -- holder binding (issue #16): one DID holds the credential, the key and the consent ----------


def test_refused_another_holders_consent(scene: Scene) -> None:
    """A neighbour presents their own credential with their own key, naming the citizen's
    consent: refused, recorded as the neighbour's act — never in the citizen's log."""
    h = scene.h
    neighbour = new_did(h, "neighbour")
    theirs = scene.issue({"age_over_18": True}, holder="neighbour")
    _, rec = scene.verify(holder="neighbour", creds=[theirs])
    assert (rec["result"], rec["reason"]) == ("refused", "holder_mismatch")
    assert rec["holder"] == neighbour and rec["purpose"] == ""
    assert list_refused(h.state, neighbour) == [rec]
    assert list_uses(h.state, scene.holder) == list_refused(h.state, scene.holder) == []
    assert get_consent(h.state, scene.consent)["uses"] == 0  # type: ignore[index]


def test_refused_key_binding_not_by_the_holders_key(scene: Scene) -> None:
    """A credential naming the citizen as its subject but bound to a stray key: whoever holds
    that key is not the citizen."""
    scene.h.new_key("stray")
    cred = scene.issue({"age_over_18": True}, bound="stray")
    text, nonce = scene.present(creds=[cred], signer="stray")
    _, rec = scene.verify(text=text, nonce=nonce)
    assert_refused(scene, rec, "holder_mismatch", indexed=False)


def test_refused_credentials_of_two_holders(scene: Scene) -> None:
    h = scene.h
    new_did(h, "neighbour")
    theirs = scene.issue({"age_over_18": True}, holder="neighbour")
    mine, nonce = scene.present()
    theirs_text, _ = scene.present(holder="neighbour", creds=[theirs], nonce=nonce)
    _, rec = scene.verify(text=mine + "\n" + theirs_text, nonce=nonce)
    assert_refused(scene, rec, "holder_mismatch", indexed=False)
    assert list_refused(h.state, compute_did(h.suite, h.keys["neighbour"].public_key)) == []


def test_old_records_read_as_the_verifiers_claim(scene: Scene) -> None:
    """Records ``vc.verify`` wrote before the chain verified presentations itself stay
    readable, labelled as the verifier's own claim; a contract's check was the chain's."""
    from wuyi.encoding import encode

    h = scene.h
    old = {
        "tx_hash": bytes(32),
        "verifier": "zjj",
        "verifier_member": h.address("zjj-clerk"),
        "holder": scene.holder,
        "consent": scene.consent,
        "credentials": [],
        "types": ["IdentityCredential"],
        "disclosed": ["age_over_18"],
        "result": "accepted",
        "reason": "",
        "height": 3,
        "time": h.time,
        "purpose": "x",
    }
    by_contract = {**old, "tx_hash": b"\1" * 32, "contract": "svc"}
    h.state.apply(
        {
            keys.vc_check_key(bytes(32)): encode(old),
            keys.consent_use_key(scene.holder, 3, bytes(32)): encode(bytes(32)),
            keys.vc_check_key(b"\1" * 32): encode(by_contract),
        }
    )
    rec = get_check(h.state, bytes(32))
    assert rec == {**old, "basis": "verifier_claim"}
    assert list_uses(h.state, scene.holder) == [rec]
    assert get_check(h.state, b"\1" * 32)["basis"] == "chain"  # type: ignore[index]


def test_verify_needs_a_member(scene: Scene) -> None:
    h = scene.h
    text, nonce = scene.present()
    # a citizen's DID key may not record checks: refused before execution
    msg = rejected(h, h.tx("citizen", "vc.verify", scene.payload(text, nonce)))
    assert "not vc.verify" in msg


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nonce": b"short"}, "nonce must be 8-64 ASCII bytes"),
        ({"nonce": bytes(65)}, "nonce must be 8-64 ASCII bytes"),
        ({"nonce": "随机数随机数".encode()}, "nonce must be 8-64 ASCII bytes"),
        ({"presentation": "a~b"}, "must be a private side-car reference"),
        ({"presentation": "sidecar:" + "AB" * 32}, "must be a private side-car reference"),
        ({"min_assurance": 5}, "min_assurance must be an assurance level 0-4"),
        ({"offchain": {"result": "accepted", "reason": ""}}, "verifier's own verdict is not"),
        ({"credentials": []}, "no longer accepted"),
        ({"extra": 1}, "unknown payload fields"),
    ],
)
def test_verify_checks_the_payload(scene: Scene, change: dict[str, Any], message: str) -> None:
    h = scene.h
    text, nonce = scene.present()
    payload = {**scene.payload(text, nonce), **change}
    assert message in rejected(h, h.tx("zjj-clerk", "vc.verify", payload))


def test_a_presentation_in_the_payload_is_refused_at_the_door(scene: Scene) -> None:
    """Regression (issue #16 item 6): vc.verify carried the presentation text, so the
    holder's disclosures went into the block. Now only its side-car's hash may."""
    h = scene.h
    text, nonce = scene.present()
    payload = {"presentation": text, "nonce": nonce.encode()}
    assert "must be a private side-car reference" in rejected(
        h, h.tx("zjj-clerk", "vc.verify", payload)
    )


@pytest.mark.parametrize(
    "side_car",
    ["ü~", "\n".join(f"x{i}~" for i in range(9)), "\n \n", "a~\na~"],
)
def test_a_malformed_side_car_is_the_chains_refusal(scene: Scene, side_car: str) -> None:
    _, nonce = scene.present()
    _, rec = scene.verify(text=side_car, nonce=nonce)
    assert_refused(scene, rec, "malformed", indexed=False)


def test_one_check_of_several_credentials_is_one_use(scene: Scene) -> None:
    h = scene.h
    second = scene.issue({"resident": True})  # gaj/1, another IdentityCredential
    text, nonce = scene.present(("age_over_18", "resident"), creds=[scene.cred, second])
    _, rec = scene.verify(text=text, nonce=nonce)
    assert rec["result"] == "accepted", rec
    assert [(c["issuer_org"], c["idx"]) for c in rec["credentials"]] == [("gaj", 0), ("gaj", 1)]
    assert rec["disclosed"] == ["age_over_18", "resident"]
    assert len(list_uses(h.state, scene.holder)) == 1
    for line in text.split("\n"):  # each presentation is spent
        assert h.state.get(keys.vc_used_key(h.suite.hash(line.encode()))) is not None


def test_one_bad_credential_refuses_the_whole_check(scene: Scene) -> None:
    h = scene.h
    second = scene.issue({"resident": True})
    assert set_status(h, "gaj-issuer", 1, "revoked", "注销").ok
    _, rec = scene.verify(claims=("age_over_18", "resident"), creds=[scene.cred, second])
    assert_refused(scene, rec, "credential_revoked")
    assert len(rec["credentials"]) == 2


def test_a_credential_listed_twice_is_refused(scene: Scene) -> None:
    text, nonce = scene.present()
    _, rec = scene.verify(text=text + "\n" + text, nonce=nonce)
    assert_refused(scene, rec, "malformed", indexed=False)
