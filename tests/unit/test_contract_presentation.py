"""``wuyi.contract.presentation`` through real blocks: a contract verifies a holder's SD-JWT
presentation inside block execution, against the chain's issuer keys, types, status, DIDs and
consents, records the use exactly as ``vc.verify`` does (the holder's ``list_uses`` shows it)
and gets only the disclosed claims — and every refusal reverts naming its reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wuyi.exceptions import PersonalData, SidecarMissing
from wuyi.ledger import keys
from wuyi.ledger.execute import apply_block
from wuyi.ledger.handlers.contracts import query_contract
from wuyi.ledger.handlers.credentials import get_check, get_consent, list_refused, list_uses
from wuyi.ledger.sidecar import sidecar_ref
from wuyi.ledger.types import Receipt
from wuyi.runtime import GasSchedule
from wuyi.testing.factories import LedgerHarness
from wuyi.testing.presentations import DAY_MS, CredentialDesk
from wuyi.vc.jose import b64url_decode, b64url_encode

ID = "IdentityCredential"
DEGREE = "DegreeCredential"

SERVICE = """
from wuyi.contract import call, ctx, emit, hash, presentation, state, view

TYPES = ["IdentityCredential"]

@view
def nonce(did: str) -> str:
    n = state.get("n/" + did, 0)
    return hash((ctx.contract + "/check/" + did + "/" + str(n)).encode()).hex()

@call(public=True)
def check(text: str, claims: list[str], types: list[str] | None = None) -> dict:
    did = ctx.sender_did
    got = presentation(
        text, types=types or TYPES, claims=claims, verifier="rsj", nonce=nonce(did)
    )
    state.set("n/" + did, state.get("n/" + did, 0) + 1)
    state.set("seen/" + did, [c["presentation_hash"] for c in got["credentials"]])
    emit("Checked", did=did)
    return got

@call(public=True)
def naive(text: str, claims: list[str], nonce: str) -> dict:
    return presentation(text, types=TYPES, claims=claims, verifier="rsj", nonce=nonce)

@call(public=True)
def twice(text: str, claims: list[str]) -> int:
    n = nonce(ctx.sender_did)
    presentation(text, types=TYPES, claims=claims, verifier="rsj", nonce=n)
    presentation(text, types=TYPES, claims=claims, verifier="rsj", nonce=n)
    return 2

@view
def peek(text: str) -> dict:
    return presentation(text, types=TYPES, claims=["age"], verifier="rsj", nonce="0" * 16)
"""


class World:
    """gaj issues IdentityCredential (age, resident, name_hash), jyj DegreeCredential; rsj
    runs the service contract ``svc``; alice holds an ID (idx 0), consents to rsj seeing
    ``age`` (and ``resident`` when asked)."""

    def __init__(self, suite: str = "intl") -> None:
        self.h = h = LedgerHarness(suite_name=suite)
        self.desk = d = CredentialDesk(h)
        d.admit("gaj", "江门市公安局")
        d.admit("jyj", "江门市教育局")
        d.admit("rsj", "江门市人力资源和社会保障局", issuer=False)
        h.add_member("gaj", "gaj", "gaj-clerk", ["client"])
        d.set_type(ID, ["gaj"], ["age", "resident", "name_hash"])
        d.set_type(DEGREE, ["jyj"], ["degree_level"])
        d.deploy("svc", SERVICE)
        self.alice = d.holder("alice")
        self.cred = d.issue(
            "alice", "gaj", ID, {"age": 27, "resident": True, "name_hash": "nh-7f3a9c"}
        )
        self.consent = d.consent("alice", "rsj", [ID, DEGREE], ["age", "degree_level"])

    def nonce(self, did: str | None = None) -> str:
        h = self.h
        value, _ = query_contract(
            h.chain,
            h.state,
            "svc",
            "nonce",
            {"did": did or self.alice},
            height=h.height,
            time=h.time,
            gas_limit=100_000,
        )
        assert isinstance(value, str)
        return value

    def present(
        self, creds: list[str] | None = None, claims: list[str] | None = None, **kw: Any
    ) -> str:
        args: dict[str, Any] = {"verifier": "rsj", "nonce": self.nonce(), "consent": self.consent}
        args.update(kw)
        holder = args.pop("holder", "alice")
        return self.desk.present(holder, creds or [self.cred], claims or ["age"], **args)

    def check(self, text: str, claims: list[str] | None = None, sender: str = "alice", **kw: Any):
        """Call ``svc.check`` with ``text`` sent as the transaction's private side-car."""
        args = {"text": self.h.sidecar(text), "claims": claims or ["age"], **kw}
        return self.h.call(sender, "svc", "check", args)


def returned(r: Receipt) -> Any:
    return next(e.attrs["value"] for e in r.events if e.type == "contract.returned")


@pytest.fixture
def w() -> World:
    return World()


def refused(w: World, r: Receipt, reason: str) -> str:
    assert r.status == "contract_revert", r
    assert r.error.startswith(f"presentation refused ({reason}):"), r.error
    assert list_uses(w.h.state, w.alice) == []  # nothing recorded
    assert w.h.state.get(b"contract/svc/s/n/" + w.alice.encode()) is None
    return r.error


# -- accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_accepted_and_recorded_as_a_use(suite: str) -> None:
    w = World(suite)
    h = w.h
    text = w.present()
    r = w.check(text)
    assert r.ok, r
    got = returned(r)
    ph = h.suite.hash(text.encode())
    assert got == {
        "holder": w.alice,
        "verifier": "rsj",
        "consent": w.consent,
        "nonce": got["nonce"],
        "check": r.tx_hash.hex(),
        "claims": {"age": 27},  # only what was asked and disclosed
        "credentials": [
            {
                "issuer_org": "gaj",
                "type": ID,
                "idx": 0,
                "disclosed": ["age"],
                "presentation_hash": ph,
            }
        ],
    }
    # the use is recorded exactly as an accepted vc.verify records it
    rec = get_check(h.state, r.tx_hash)
    assert rec is not None
    assert rec["result"] == "accepted" and rec["reason"] == ""
    assert rec["verifier"] == "rsj" and rec["holder"] == w.alice
    assert rec["contract"] == "svc" and rec["verifier_member"] == h.address("alice")
    assert rec["types"] == [ID] and rec["disclosed"] == ["age"]
    assert rec["consent"] == bytes.fromhex(w.consent) and rec["height"] == h.height
    assert rec["purpose"] == "测试 / test"
    assert list_uses(h.state, w.alice) == [rec]  # the citizen's log shows it
    consent = get_consent(h.state, bytes.fromhex(w.consent))
    assert consent is not None and consent["uses"] == 1
    assert h.state.get(keys.vc_used_key(ph)) is not None
    assert h.state.get(keys.vc_nonce_key("rsj", got["nonce"].encode())) is not None
    assert any(e.type == "vc.checked" and e.attrs["contract"] == "svc" for e in r.events)
    # the nonce moved on: the wallet fetches the next one from the @view
    assert w.nonce() != got["nonce"]
    # no undisclosed claim value, no presentation went anywhere on chain: the block holds the
    # side-car's hash, never the text nor any of its disclosures
    jwt = w.cred.split("~")[0].encode()
    disclosures = [d.encode() for d in text.split("~")[1:-1] if d]
    assert disclosures
    for _, raw in h.state.iter_prefix(b""):
        assert b"nh-7f3a9c" not in raw and jwt not in raw
        assert not any(d in raw for d in disclosures)
    for block in h.blocks:
        assert jwt not in block.to_bytes()
        assert not any(d in block.to_bytes() for d in disclosures)
    assert b"sidecar:" in h.blocks[-1].txs[0]


def test_several_credentials_one_use(w: World) -> None:
    degree = w.desk.issue("alice", "jyj", DEGREE, {"degree_level": 4})
    text = w.present([w.cred, degree], ["age", "degree_level"])
    r = w.check(text, ["age", "degree_level"], types=[ID, DEGREE])
    assert r.ok, r
    got = returned(r)
    assert got["claims"] == {"age": 27, "degree_level": 4}
    assert [(c["issuer_org"], c["type"], c["idx"]) for c in got["credentials"]] == [
        ("gaj", ID, 0),
        ("jyj", DEGREE, 0),
    ]
    (use,) = list_uses(w.h.state, w.alice)
    assert use["types"] == [ID, DEGREE] and use["disclosed"] == ["age", "degree_level"]


def test_gas_is_charged(w: World) -> None:
    r = w.check(w.present())
    assert r.ok
    assert r.gas_used > 2 * GasSchedule().verify


# -- refused, each named ------------------------------------------------------------------------


def test_refused_bad_issuer_signature(w: World) -> None:
    # signed by a gaj member without the issuer role
    forged = w.desk.issue("alice", "gaj", ID, {"age": 40}, signer="gaj-clerk", register=False)
    error = refused(w, w.check(w.present([forged])), "bad_issuer_signature")
    assert "does not hold the role issuer" in error
    # the issuer's JWT with a changed payload under the old signature
    jwt, *rest = w.cred.split("~")
    head, body, sig = jwt.split(".")
    claims = json.loads(b64url_decode(body))
    claims["exp"] += 86400
    tampered = "~".join([f"{head}.{b64url_encode(json.dumps(claims).encode())}.{sig}", *rest])
    refused(w, w.check(w.present([tampered])), "bad_issuer_signature")


def test_refused_issuer_not_authorised(w: World) -> None:
    w.desk.set_type(ID, ["jyj"], ["age", "resident", "name_hash"])
    refused(w, w.check(w.present()), "issuer_not_authorised")


def test_refused_revoked_and_suspended(w: World) -> None:
    w.desk.set_status("gaj", 0, "suspended")
    refused(w, w.check(w.present()), "credential_suspended")
    w.desk.set_status("gaj", 0, "revoked")
    refused(w, w.check(w.present()), "credential_revoked")


def test_refused_not_registered(w: World) -> None:
    unregistered = w.desk.issue("alice", "gaj", ID, {"age": 40}, register=False)
    # claims the status index 1, which nobody registered yet
    refused(w, w.check(w.present([unregistered])), "unknown_credential")
    w.desk.issue("alice", "gaj", ID, {"age": 27})  # now idx 1 exists, but is another credential
    refused(w, w.check(w.present([unregistered])), "not_registered")


def test_refused_holder_mismatch(w: World) -> None:
    bob = w.desk.holder("bob")
    bobs = w.desk.issue("bob", "gaj", ID, {"age": 30})
    w.desk.consent("bob", "rsj", [ID], ["age"])
    # bob hands his presentation (for alice's nonce) to alice, who submits it
    text = w.present([bobs], holder="bob")
    error = refused(w, w.check(text), "holder_mismatch")
    assert bob in error and w.alice in error
    # and alice's presentation submitted by bob
    r = w.check(w.present(), sender="bob")
    assert r.status == "contract_revert" and "(wrong_nonce)" in r.error  # bob's nonce differs
    text = w.present(nonce=w.nonce(bob))
    r = w.check(text, sender="bob")
    assert r.status == "contract_revert" and "(holder_mismatch)" in r.error


def test_refused_key_binding_not_by_the_holders_did_key(w: World) -> None:
    w.h.new_key("stray")
    cred = w.desk.issue("alice", "gaj", ID, {"age": 27}, bound="stray")
    text = w.present([cred], signer="stray")
    error = refused(w, w.check(text), "holder_mismatch")
    assert "not an authentication key of the credential's holder" in error


def test_refused_expired_and_stale(w: World) -> None:
    now = w.h.time // 1000
    refused(w, w.check(w.present(iat=now - 100, ttl=50)), "expired")
    refused(w, w.check(w.present(iat=now - 400, ttl=600)), "stale")
    # the credential itself
    old = w.desk.issue("alice", "gaj", ID, {"age": 27}, valid_days=1)
    w.h.time += 2 * DAY_MS
    refused(w, w.check(w.present([old])), "expired")


def test_refused_wrong_nonce_and_audience(w: World) -> None:
    refused(w, w.check(w.present(nonce="ab" * 32)), "wrong_nonce")
    refused(w, w.check(w.present(aud="did:wuyi:org:zjj")), "wrong_audience")


def test_refused_consent(w: World) -> None:
    d, h = w.desk, w.h
    refused(w, w.check(w.present(consent="00" * 16)), "no_consent")
    # a consent for another verifier
    other = d.consent("alice", "gaj", [ID], ["age"])
    refused(w, w.check(w.present(consent=other)), "wrong_verifier")
    # a consent that has not begun / has ended
    later = d.consent("alice", "rsj", [ID], ["age"], not_before=h.time + DAY_MS)
    refused(w, w.check(w.present(consent=later)), "consent_not_yet")
    short = d.consent("alice", "rsj", [ID], ["age"], not_before=h.time, not_after=h.time + 3000)
    h.time += 10_000
    refused(w, w.check(w.present(consent=short)), "consent_expired")
    # revoked
    d.revoke_consent("alice", w.consent)
    refused(w, w.check(w.present()), "consent_revoked")
    # a type the holder did not consent to
    narrow = d.consent("alice", "rsj", [DEGREE], ["age"])
    refused(w, w.check(w.present(consent=narrow)), "type_not_consented")
    # another holder's consent
    d.holder("bob")
    bobs = d.consent("bob", "rsj", [ID], ["age"])
    refused(w, w.check(w.present(consent=bobs)), "holder_mismatch")
    assert list_refused(h.state, w.alice) == []  # reverted: only the receipt keeps them


def test_refused_more_claims_than_consented(w: World) -> None:
    # consent covers age (and degree_level); resident is disclosed as well
    text = w.present(claims=["age", "resident"])
    refused(w, w.check(text, ["age", "resident"]), "claims_not_consented")


def test_refused_claims_the_contract_did_not_ask(w: World) -> None:
    c = w.desk.consent("alice", "rsj", [ID], ["age", "resident"])
    text = w.present(claims=["age", "resident"], consent=c)
    refused(w, w.check(text, ["age"]), "claims_not_requested")
    refused(w, w.check(w.present(consent=c), ["age", "resident"]), "claim_missing")
    degree = w.desk.issue("alice", "jyj", DEGREE, {"degree_level": 4})
    refused(w, w.check(w.present([degree], ["degree_level"])), "type_not_requested")
    r = w.check(w.present(), types=[ID, DEGREE])
    assert "(type_missing)" in r.error


def test_refused_replay(w: World) -> None:
    n = "cd" * 16
    text = w.present(nonce=n)
    ref = w.h.sidecar(text)
    r = w.h.call("alice", "svc", "naive", {"text": ref, "claims": ["age"], "nonce": n})
    assert r.ok, r
    # the same presentation again, even to a contract that lets the caller pick the nonce
    r = w.h.call("alice", "svc", "naive", {"text": ref, "claims": ["age"], "nonce": n})
    assert r.status == "contract_revert" and r.error.startswith("presentation refused (replay)")
    # a new presentation under a spent nonce
    again = w.h.sidecar(w.present(nonce=n, ttl=60))
    r = w.h.call("alice", "svc", "naive", {"text": again, "claims": ["age"], "nonce": n})
    assert "(replay)" in r.error
    assert len(list_uses(w.h.state, w.alice)) == 1
    # and in the contract with its own nonce: the spent nonce is no longer the current one
    r = w.check(text)
    assert "(wrong_nonce)" in r.error


def test_malformed_and_limits(w: World) -> None:
    refused(w, w.check("not a presentation"), "malformed")
    text = w.present()
    refused(w, w.check(text + "\n" + text), "malformed")  # the same credential twice
    refused(w, w.check("żółw~"), "malformed")  # not ASCII text
    r = w.h.call("alice", "svc", "twice", {"text": w.h.sidecar(text), "claims": ["age"]})
    assert r.status == "contract_revert" and "one presentation per transaction" in r.error
    assert list_uses(w.h.state, w.alice) == []


def test_not_in_a_view(w: World) -> None:
    h = w.h
    with pytest.raises(Exception, match="a view cannot call it"):
        query_contract(
            h.chain,
            h.state,
            "svc",
            "peek",
            {"text": w.h.sidecar(w.present())},
            height=h.height,
            time=h.time,
            gas_limit=1_000_000,
        )


def test_sender_without_a_did(w: World) -> None:
    n = "ef" * 16
    args = {"text": w.h.sidecar(w.present(nonce=n)), "claims": ["age"], "nonce": n}
    r = w.h.call("zjj", "svc", "naive", args)  # a member, no DID
    assert r.status == "contract_revert" and "(holder_mismatch)" in r.error


# -- the presentation is a private side-car -----------------------------------------------------


def test_a_presentation_in_clear_is_refused_at_the_door(w: World) -> None:
    """Regression (issue #16 item 6): a presentation passed as a call argument put the
    holder's disclosures (age, ...) into the block. It is refused before any block."""
    text = w.present()
    with pytest.raises(PersonalData, match=r"args\.text holds an SD-JWT presentation in clear"):
        w.h.call("alice", "svc", "check", {"text": text, "claims": ["age"]})
    # nested anywhere in the arguments too
    with pytest.raises(PersonalData, match=r"args.claims\[1\]"):
        w.h.call("alice", "svc", "check", {"text": "x", "claims": ["age", text]})
    assert list_uses(w.h.state, w.alice) == []


def test_an_argument_that_is_no_side_car_is_refused_naming_it(w: World) -> None:
    r = w.h.call("alice", "svc", "check", {"text": "hello", "claims": ["age"]})
    assert r.status == "contract_revert" and "(not_sidecar)" in r.error


def test_a_side_car_the_chain_does_not_hold_keeps_the_call_out_of_the_block(w: World) -> None:
    text = w.present()
    ref = sidecar_ref(w.h.suite, text.encode())  # referenced, but never sent
    height = w.h.height
    with pytest.raises(SidecarMissing, match=ref.removeprefix("sidecar:")):
        w.h.call("alice", "svc", "check", {"text": ref, "claims": ["age"]})
    assert w.h.height == height + 1 and not w.h.blocks[-1].txs  # the proposer left it out


def test_a_block_whose_side_car_a_node_lacks_is_not_executed(w: World) -> None:
    """Another node executing the block without the side-car raises SidecarMissing naming
    the height — it never executes the call differently (nor calls the block invalid)."""
    h = w.h
    ref = h.sidecar(w.present())
    block, _ = h.propose(
        [
            h.tx(
                "alice",
                "contract.call",
                {"contract": "svc", "method": "check", "args": {"text": ref, "claims": ["age"]}},
            )
        ]
    )
    with pytest.raises(SidecarMissing, match=f"block {block.height}: transaction 0 needs"):
        apply_block(
            h.chain,
            h.state,
            h.tree,
            h.head,
            block,
            is_committed=h.committed.__contains__,
            sidecars=lambda _h: None,
        )
