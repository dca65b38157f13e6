"""``did:wuyi`` on the ledger through real blocks: create, keys with possession proofs, the
last-authentication-key rule, services, deactivation, who may change a DID, the rendered W3C
documents (subject and organisation DIDs) and the sender's DID."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.crypto import address_of, format_address
from wuyi.encoding import encode
from wuyi.exceptions import NotFound
from wuyi.ledger.handlers import ExecContext
from wuyi.ledger.handlers.did import (
    compute_did,
    did_of_key,
    get_did_record,
    key_proof_message,
    render_did_document,
)
from wuyi.ledger.state_view import BlockState
from wuyi.ledger.types import Receipt, Transaction
from wuyi.testing.factories import GENESIS_TIME, LedgerHarness
from wuyi.vc.jose import jwk_from_public_key

HUB = {"id": "hub", "type": "LinkedDomains", "endpoint": "https://wallet.example.cn/hub"}


@pytest.fixture(params=["intl", "sm"])
def h(request: pytest.FixtureRequest) -> LedgerHarness:
    return LedgerHarness(suite_name=request.param)


@pytest.fixture
def hi() -> LedgerHarness:
    """One suite, for tests whose subject is not the cryptography."""
    return LedgerHarness()


def one(h: LedgerHarness, tx: bytes) -> Receipt:
    _, res = h.run([tx])
    assert res.tx_hashes, res.rejected
    return res.receipts[0]


def rejected(h: LedgerHarness, tx: bytes) -> str:
    _, res = h.run([tx])
    assert not res.tx_hashes
    return res.rejected[0][1].message


def registration(h: LedgerHarness, name: str, **extra: Any) -> bytes:
    """``did.create`` for citizen key ``name`` (made if new), sent by the harness's registrar
    (a ``did_registrar`` member of sjj, which governance made a DID registrar)."""
    h.enable_registrar()
    return h.tx(h.REGISTRAR, "did.create", {**h.registration(name), **extra})


def create(h: LedgerHarness, name: str, **payload: Any) -> str:
    r = one(h, registration(h, name, **payload))
    assert r.ok, r
    return compute_did(h.suite, h.keys[name].public_key)


def proof(h: LedgerHarness, signer: str, did: str, chain_id: str | None = None) -> bytes:
    pub = h.keys[signer].public_key
    return h.keys[signer].sign(key_proof_message(chain_id or h.chain_id, did, pub))


def add_key(
    h: LedgerHarness, signer: str, did: str, new: str, purposes: list[str], **kw: Any
) -> Receipt:
    key = h.keys.get(new) or h.new_key(new)
    payload = {
        "did": did,
        "public_key": key.public_key,
        "purposes": purposes,
        "proof": kw.pop("proof", None) or proof(h, new, did),
    }
    return one(h, h.tx(signer, "did.add_key", payload))


def record(h: LedgerHarness, did: str) -> dict[str, Any]:
    rec = get_did_record(h.state, did)
    assert rec is not None
    return rec


# -- create -------------------------------------------------------------------------------------


def test_create_derives_the_did_from_the_citizen_key(h: LedgerHarness) -> None:
    h.enable_registrar()
    key = h.new_key("alice")
    r = one(h, registration(h, "alice", services=[HUB]))
    assert r.ok, r
    did = "did:wuyi:" + h.suite.hash(b"wuyi/did\x00" + key.public_key)[:16].hex()
    assert [(e.type, e.attrs) for e in r.events] == [
        ("did.created", {"did": did, "registrar": "sjj"})
    ]
    rec = record(h, did)
    assert rec["keys"] == [
        {
            "id": "key-1",
            "public_key": key.public_key,
            "purposes": ["authentication", "assertionMethod", "capabilityInvocation"],
            "added_height": h.height,
        }
    ]
    assert rec["services"] == [HUB] and rec["registrar"] == "sjj"
    assert rec["status"] == "active" and rec["version"] == 1 and rec["next_key"] == 2
    assert rec["created_height"] == rec["updated_height"] == h.height
    assert rec["created_time"] == h.time and rec["last_tx"] == r.tx_hash
    assert did_of_key(h.state, h.address("alice")) == did
    assert did_of_key(h.state, h.address(h.REGISTRAR)) is None  # the registrar's key is no key


def test_a_new_key_cannot_register_itself(hi: LedgerHarness) -> None:
    """Issue #16 item 4: ``did.create`` is not open to any key; the sender must be a member
    (refused before execution, so nothing of it reaches a block)."""
    hi.enable_registrar()
    payload = hi.registration("alice")
    assert rejected(hi, hi.tx("alice", "did.create", payload)).startswith(
        "the sender's key is not an active member"
    )
    assert rejected(hi, hi.tx("alice", "did.create", {**payload, "public_key": b""})) != ""


def test_only_a_registrar_organisations_idp_or_did_registrar_member(hi: LedgerHarness) -> None:
    hi.add_member("zjj", "zjj", "zjj-idp", ["idp"])
    payload = hi.registration("alice")
    r = one(hi, hi.tx("zjj-idp", "did.create", payload))
    assert r.status == "unauthorized" and "did.set_registrar" in r.error
    assert hi.govern("did.set_registrar", {"org": "zjj", "enabled": True}).ok
    r = one(hi, hi.tx("zjj", "did.create", payload))  # the admin: not a registrar role
    assert r.status == "unauthorized" and "idp" in r.error
    r = one(hi, hi.tx("zjj-idp", "did.create", payload))
    assert r.ok and r.events[0].attrs["registrar"] == "zjj"
    assert hi.govern("did.set_registrar", {"org": "zjj", "enabled": False}).ok
    r = one(hi, hi.tx("zjj-idp", "did.create", hi.registration("bob")))
    assert r.status == "unauthorized"


def test_create_needs_the_citizen_keys_proof(hi: LedgerHarness) -> None:
    hi.enable_registrar()
    payload = hi.registration("alice")
    bob = hi.registration("bob")
    r = one(hi, hi.tx(hi.REGISTRAR, "did.create", {**payload, "proof": bob["proof"]}))
    assert r.status == "tx_failed" and "proof" in r.error
    assert get_did_record(hi.state, compute_did(hi.suite, payload["public_key"])) is None


def test_create_twice_is_refused(hi: LedgerHarness) -> None:
    did = create(hi, "alice")
    r = one(hi, registration(hi, "alice"))
    assert r.status == "tx_failed" and r.error == f"{did} already exists"


def test_a_key_of_another_did_cannot_create_one(hi: LedgerHarness) -> None:
    did = create(hi, "alice")
    assert add_key(hi, "alice", did, "phone", ["authentication"]).ok
    r = one(hi, registration(hi, "phone"))
    assert r.status == "tx_failed" and r.error == f"this public key is already a key of {did}"


def test_create_checks_services_at_the_door(hi: LedgerHarness) -> None:
    hi.enable_registrar()
    too_many = [{**HUB, "id": f"s{i}"} for i in range(9)]
    assert "at most 8 services" in rejected(hi, registration(hi, "alice", services=too_many))
    bad = [{**HUB, "endpoint": "not a uri"}]
    assert "endpoint must be a URI" in rejected(hi, registration(hi, "alice", services=bad))
    dup = [HUB, HUB]
    assert "appears twice" in rejected(hi, registration(hi, "alice", services=dup))


# -- keys ---------------------------------------------------------------------------------------


def test_add_key_with_possession_proof(h: LedgerHarness) -> None:
    did = create(h, "alice")
    r = add_key(h, "alice", did, "phone", ["authentication", "keyAgreement"])
    assert r.ok, r
    assert r.events[0].attrs == {"did": did, "key_id": "key-2"}
    rec = record(h, did)
    assert [k["id"] for k in rec["keys"]] == ["key-1", "key-2"]
    assert rec["keys"][1]["purposes"] == ["authentication", "keyAgreement"]
    assert rec["version"] == 2 and rec["last_tx"] == r.tx_hash
    assert did_of_key(h.state, h.address("phone")) == did
    # the new key now authenticates for the DID
    assert one(h, h.tx("phone", "did.set_services", {"did": did, "services": [HUB]})).ok


@pytest.mark.parametrize("bad", ["other_key", "other_did", "other_chain"])
def test_add_key_without_a_valid_proof_is_refused(hi: LedgerHarness, bad: str) -> None:
    did = create(hi, "alice")
    hi.new_key("phone")
    hi.new_key("thief")
    forged = {
        "other_key": lambda: hi.keys["thief"].sign(
            key_proof_message(hi.chain_id, did, hi.keys["phone"].public_key)
        ),
        "other_did": lambda: proof(hi, "phone", "did:wuyi:" + "0" * 32),
        "other_chain": lambda: proof(hi, "phone", did, chain_id="other-chain"),
    }[bad]()
    r = add_key(hi, "alice", did, "phone", ["authentication"], proof=forged)
    assert r.status == "tx_failed" and "proof is not the new key's signature" in r.error
    assert did_of_key(hi.state, hi.address("phone")) is None


def test_a_key_belongs_to_one_did(hi: LedgerHarness) -> None:
    alice = create(hi, "alice")
    bob = create(hi, "bob")
    assert add_key(hi, "alice", alice, "phone", ["authentication"]).ok
    r = add_key(hi, "bob", bob, "phone", ["authentication"])
    assert r.status == "tx_failed" and r.error == f"this public key is already a key of {alice}"
    r = add_key(hi, "bob", bob, "alice", ["authentication"])
    assert r.status == "tx_failed" and "already a key of" in r.error


def test_add_key_checks_the_payload(hi: LedgerHarness) -> None:
    did = create(hi, "alice")
    key = hi.new_key("phone")
    base = {"did": did, "public_key": key.public_key, "purposes": ["authentication"]}
    base["proof"] = proof(hi, "phone", did)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"purposes": ["signing"]}, "purpose 'signing' is not one of"),
        ({"purposes": []}, "purposes must not be empty"),
        ({"purposes": ["authentication", "authentication"]}, "duplicates"),
        ({"public_key": b"\x01" * 5}, "public_key is not a valid"),
        ({"did": "did:wuyi:ABC"}, "must be a subject DID"),
        ({"did": "did:wuyi:org:zjj"}, "must be a subject DID"),
    ]
    for change, message in cases:
        assert message in rejected(hi, hi.tx("alice", "did.add_key", {**base, **change}))


def test_only_authentication_keys_of_the_did_may_change_it(hi: LedgerHarness) -> None:
    alice = create(hi, "alice")
    create(hi, "mallory")
    assert add_key(hi, "alice", alice, "signer", ["assertionMethod"]).ok
    payload = {"did": alice, "services": [HUB]}
    # another citizen's DID key, and a key of alice that is no authentication key, are refused
    # before execution (the sender rule, wuyi.ledger.admission)
    msg = rejected(hi, hi.tx("mallory", "did.set_services", payload))
    assert "it may act only for that DID" in msg
    msg = rejected(hi, hi.tx("signer", "did.set_services", payload))
    assert msg.startswith("the sender's key is not an active member")
    # an organisation admin is no controller either
    assert one(hi, hi.tx("operator", "did.deactivate", {"did": alice})).status == "unauthorized"
    assert record(hi, alice)["services"] == [] and record(hi, alice)["status"] == "active"


def test_remove_key_keeps_the_last_authentication_key(hi: LedgerHarness) -> None:
    did = create(hi, "alice")
    assert add_key(hi, "alice", did, "signer", ["assertionMethod"]).ok
    r = one(hi, hi.tx("alice", "did.remove_key", {"did": did, "key_id": "key-1"}))
    assert r.status == "tx_failed" and "it is the last authentication key" in r.error
    assert add_key(hi, "alice", did, "phone", ["authentication"]).ok
    r = one(hi, hi.tx("phone", "did.remove_key", {"did": did, "key_id": "key-1"}))
    assert r.ok, r
    rec = record(hi, did)
    assert [k["id"] for k in rec["keys"]] == ["key-2", "key-3"]
    assert did_of_key(hi.state, hi.address("alice")) is None
    # removed keys cannot act (refused at the door); key ids are never reused
    msg = rejected(hi, hi.tx("alice", "did.set_services", {"did": did, "services": []}))
    assert msg.startswith("the sender's key is not an active member")
    assert add_key(hi, "phone", did, "laptop", ["authentication"]).events[0].attrs["key_id"] == (
        "key-4"
    )
    r = one(hi, hi.tx("phone", "did.remove_key", {"did": did, "key_id": "key-9"}))
    assert r.status == "tx_failed" and r.error == f"{did} has no key 'key-9'"


def test_rotate_key_replaces_it_atomically(h: LedgerHarness) -> None:
    did = create(h, "alice")
    new = h.new_key("alice2")
    payload = {
        "did": did,
        "key_id": "key-1",
        "public_key": new.public_key,
        "proof": proof(h, "alice2", did),
    }
    r = one(h, h.tx("alice", "did.rotate_key", payload))
    assert r.ok, r
    assert r.events[0].attrs == {"did": did, "key_id": "key-1", "new_key_id": "key-2"}
    (key,) = record(h, did)["keys"]
    assert key["id"] == "key-2" and key["public_key"] == new.public_key
    assert key["purposes"] == ["authentication", "assertionMethod", "capabilityInvocation"]
    assert did_of_key(h.state, h.address("alice")) is None
    assert did_of_key(h.state, h.address("alice2")) == did
    # the old key is no key of any DID now: refused at the door
    msg = rejected(h, h.tx("alice", "did.set_services", {"did": did, "services": []}))
    assert msg.startswith("the sender's key is not an active member")
    assert one(h, h.tx("alice2", "did.set_services", {"did": did, "services": [HUB]})).ok
    # the old key was the creating key: the same DID cannot be registered again
    r = one(h, registration(h, "alice"))
    assert r.status == "tx_failed" and r.error == f"{did} already exists"


def test_rotate_key_needs_the_new_keys_proof(hi: LedgerHarness) -> None:
    did = create(hi, "alice")
    new = hi.new_key("alice2")
    payload = {
        "did": did,
        "key_id": "key-1",
        "public_key": new.public_key,
        "proof": proof(hi, "alice", did),  # signed by the old key, not the new one
    }
    r = one(hi, hi.tx("alice", "did.rotate_key", payload))
    assert r.status == "tx_failed" and "proof" in r.error
    assert record(hi, did)["keys"][0]["id"] == "key-1"


# -- deactivation -------------------------------------------------------------------------------


def test_deactivate_is_permanent(hi: LedgerHarness) -> None:
    did = create(hi, "alice", services=[HUB])
    assert add_key(hi, "alice", did, "phone", ["authentication"]).ok
    r = one(hi, hi.tx("phone", "did.deactivate", {"did": did}))
    assert r.ok and r.events[0].type == "did.deactivated"
    rec = record(hi, did)
    assert rec["status"] == "deactivated" and rec["version"] == 3
    assert did_of_key(hi.state, hi.address("alice")) is None
    assert did_of_key(hi.state, hi.address("phone")) is None
    changes: list[tuple[str, dict[str, Any]]] = [
        ("did.deactivate", {"did": did}),
        ("did.set_services", {"did": did, "services": []}),
        ("did.remove_key", {"did": did, "key_id": "key-2"}),
    ]
    for kind, payload in changes:  # its keys are nobody's now: refused at the door
        assert rejected(hi, hi.tx("alice", kind, payload)).startswith(
            "the sender's key is not an active member"
        )
    assert one(hi, registration(hi, "alice")).error == f"{did} already exists"
    doc, meta = render_did_document(hi.state, did, "intl")
    assert doc == {"@context": doc["@context"], "id": did}
    assert meta["deactivated"] is True and meta["versionId"] == "3"


# -- documents ----------------------------------------------------------------------------------


def test_subject_did_document(h: LedgerHarness) -> None:
    did = create(h, "alice", services=[HUB])
    created = h.time
    assert add_key(h, "alice", did, "phone", ["authentication", "keyAgreement"]).ok
    doc, meta = render_did_document(h.state, did, h.suite_name)
    alice, phone = h.keys["alice"].public_key, h.keys["phone"].public_key
    assert doc == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": jwk_from_public_key(h.suite_name, alice),
            },
            {
                "id": f"{did}#key-2",
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": jwk_from_public_key(h.suite_name, phone),
            },
        ],
        "authentication": [f"{did}#key-1", f"{did}#key-2"],
        "assertionMethod": [f"{did}#key-1"],
        "keyAgreement": [f"{did}#key-2"],
        "capabilityInvocation": [f"{did}#key-1"],
        "service": [
            {"id": f"{did}#hub", "type": "LinkedDomains", "serviceEndpoint": HUB["endpoint"]}
        ],
    }
    assert doc["verificationMethod"][0]["publicKeyJwk"]["kty"] == (
        "OKP" if h.suite_name == "intl" else "EC"
    )
    # block times: genesis 2025-11-27T00:00:00Z plus one second per block
    assert meta == {
        "created": f"2025-11-27T00:00:{(created - GENESIS_TIME) // 1000:02d}Z",
        "updated": f"2025-11-27T00:00:{(h.time - GENESIS_TIME) // 1000:02d}Z",
        "versionId": "2",
        "deactivated": False,
    }


def test_unknown_dids_are_not_found(hi: LedgerHarness) -> None:
    for did in ["did:wuyi:" + "ab" * 16, "did:wuyi:org:nobody", "did:web:example.com"]:
        with pytest.raises(NotFound):
            render_did_document(hi.state, did, "intl")
    assert get_did_record(hi.state, "did:wuyi:org:zjj") is None


def test_organisation_did_document(h: LedgerHarness) -> None:
    issuer = h.add_member("zjj", "zjj", "zjj-issuer", ["issuer"])
    idp = h.add_member("zjj", "zjj", "zjj-idp", ["idp", "client"])
    h.add_member("zjj", "zjj", "zjj-clerk", ["client"])
    did = "did:wuyi:org:zjj"
    doc, meta = render_did_document(h.state, did, h.suite_name)

    def vm_id(name: str) -> str:
        return f"{did}#{format_address(h.address(name))}"

    listed = {"zjj": h.keys["zjj"], "zjj-issuer": issuer, "zjj-idp": idp}
    assert {vm["id"] for vm in doc["verificationMethod"]} == {vm_id(n) for n in listed}
    for vm in doc["verificationMethod"]:
        name = next(n for n in listed if vm_id(n) == vm["id"])
        assert vm["controller"] == did and vm["type"] == "JsonWebKey"
        assert vm["publicKeyJwk"] == jwk_from_public_key(h.suite_name, listed[name].public_key)
    assert doc["authentication"] == [vm_id("zjj")]
    assert sorted(doc["assertionMethod"]) == sorted([vm_id("zjj-issuer"), vm_id("zjj-idp")])
    assert "service" not in doc and meta["deactivated"] is False
    assert meta["versionId"] == h.suite.hash(encode(doc))[:8].hex()
    # a suspended member's key leaves the document, and the version changes
    payload = {"address": h.address("zjj-issuer"), "status": "suspended"}
    assert one(h, h.tx("zjj", "member.set_status", payload)).ok
    doc2, meta2 = render_did_document(h.state, did, h.suite_name)
    assert doc2["assertionMethod"] == [vm_id("zjj-idp")]
    assert meta2["versionId"] != meta["versionId"]


def test_organisation_did_of_a_suspended_or_removed_org(hi: LedgerHarness) -> None:
    assert hi.govern("org.set_status", {"id": "zjj", "status": "suspended"}).ok
    doc, meta = render_did_document(hi.state, "did:wuyi:org:zjj", "intl")
    assert "verificationMethod" not in doc and meta["deactivated"] is False
    assert hi.govern("org.set_status", {"id": "zjj", "status": "removed"}, voters=()).ok
    assert render_did_document(hi.state, "did:wuyi:org:zjj", "intl")[1]["deactivated"] is True


# -- the sender's DID ---------------------------------------------------------------------------


def _ctx(h: LedgerHarness, signer: str) -> ExecContext:
    key = h.keys[signer]
    tx = Transaction(h.chain_id, key.public_key, 1, 10, "did.create", {}).signed(key)
    return ExecContext(
        chain=h.chain,
        state=BlockState(h.state).begin_tx(),
        params=h.params,
        height=h.height + 1,
        time=h.time + 1000,
        tx=tx,
        tx_hash=bytes(32),
        sender_address=address_of(h.suite, key.public_key),
    )


def test_sender_did(h: LedgerHarness) -> None:
    did = create(h, "alice")
    assert add_key(h, "alice", did, "signer", ["assertionMethod"]).ok
    assert add_key(h, "alice", did, "phone", ["authentication"]).ok
    assert _ctx(h, "alice").sender_did == did
    assert _ctx(h, "phone").sender_did == did
    assert _ctx(h, "signer").sender_did is None  # not an authentication key
    assert _ctx(h, "operator").sender_did is None  # a member without a DID
    assert one(h, h.tx("phone", "did.deactivate", {"did": did})).ok
    assert _ctx(h, "alice").sender_did is None
