"""Recognition of facts of chain A on chain B (``xchain.recognise``): membership and
non-membership against the state root B's client trusts, the allowed prefixes, the maximum
age of status facts, the delay period, the record contracts read (never the proof)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.xchain_pair import A_ID, Pair, make_pair
from wuyi.crosschain import store
from wuyi.crosschain.proofs import NonMembershipProof
from wuyi.encoding import decode
from wuyi.exceptions import NotMember, ProofInvalid

FACTS = {
    "anchored": {"prefix": b"evidence/", "max_age_ms": 0, "description": "历史事实"},
    "evidence_status": {"prefix": b"evidence/", "max_age_ms": 60_000},
}

CONSUMER = """
from wuyi.contract import call, recognition, require, state, view

@call
def accept(record_id: str, record: dict) -> str:
    r = recognition(record_id, value=record)
    require(r["chain"] == "jiangmen-gov", "another chain")
    require(r["fact"] == "evidence_status", "not a status fact")
    require(record["status"] == "active", "the record is revoked")
    state.set("ok/" + record_id, r["height"])
    return record["org"]

@call
def absent(record_id: str) -> int:
    r = recognition(record_id)
    require(not r["present"], "the key is present")
    return r["height"]

@view
def seen(record_id: str) -> Any:
    return state.get("ok/" + record_id)
"""


@pytest.fixture
def pair() -> Pair:
    p = make_pair(facts=FACTS)
    for name in ("bank", "other"):
        src = CONSUMER.replace("from wuyi.contract", "from typing import Any\nfrom wuyi.contract")
        p.b.deploy_contract(name, src)
    return p


def _relay(p: Pair) -> int:
    """Update B's client to A's latest height; return it."""
    c = p.client()
    assert p.update(p.a.update(c.latest_height, p.a.height)).ok
    return p.a.height


def _rid(r: Any) -> str:
    return next(e.attrs["id"] for e in r.events if e.type == "xchain.recognised").hex()


def test_membership_recognised_and_read_by_its_consumer(pair: Pair) -> None:
    doc = pair.anchor(b"mortgage-free certificate")
    h = _relay(pair)
    key = b"evidence/" + doc
    r = pair.recognise(key, h, fact="evidence_status", consumer="bank")
    assert r.ok, r
    rid = _rid(r)
    rec = store  # the stored record: value hash, never the proof
    raw = pair.b.state.get(rec.record_key(bytes.fromhex(rid)))
    assert raw is not None
    stored = decode(raw)
    assert stored["present"] and stored["client"] == A_ID and stored["height"] == h
    assert stored["value_hash"] == pair.a.suite.hash(
        pair.a.tree.get(pair.a.header(h).state_root, key)
    )
    assert "proof" not in stored
    value = decode(pair.a.tree.get(pair.a.header(h).state_root, key))  # type: ignore[arg-type]
    ok = pair.b.call("zjj", "bank", "accept", {"record_id": rid, "record": value})
    assert ok.ok, ok
    # another value than the one recognised is refused
    forged = {**value, "status": "active", "org": "zjj-forged"}
    bad = pair.b.call("zjj", "bank", "accept", {"record_id": rid, "record": forged})
    assert bad.status == "contract_revert" and "not the value recognised" in bad.error
    # the record is the bank's: another contract cannot use it
    other = pair.b.call("zjj", "other", "accept", {"record_id": rid, "record": value})
    assert other.status == "contract_revert" and "not for 'other'" in other.error


def test_non_membership_recognised(pair: Pair) -> None:
    pair.anchor(b"something else")
    h = _relay(pair)
    key = b"evidence/" + pair.a.suite.hash(b"a seizure order that was never anchored")
    r = pair.recognise(key, h, consumer="bank")
    assert r.ok, r
    rid = _rid(r)
    got = pair.b.call("zjj", "bank", "absent", {"record_id": rid})
    assert got.ok, got
    withval = pair.b.call("zjj", "bank", "accept", {"record_id": rid, "record": {}})
    assert withval.status == "contract_revert" and "absent" in withval.error


def test_an_inclusion_proof_offered_as_non_inclusion_is_refused(pair: Pair) -> None:
    doc = pair.anchor(b"a mortgage contract")
    h = _relay(pair)
    key = b"evidence/" + doc
    value, proof = pair.a.prove(key, h)
    # the encoding says membership: refused at the door, before any block
    with pytest.raises(ProofInvalid, match="not a non-membership proof"):
        pair.recognise(key, h, value=None, proof=proof.to_obj())
    # re-labelled as non-membership, pointing at the key's own leaf
    hh = pair.a.suite.hash
    relabelled = NonMembershipProof(proof.siblings, (hh(key), hh(value)))  # type: ignore[union-attr]
    r = pair.recognise(key, h, value=None, proof=relabelled.to_obj())
    assert r.status == "bad_proof" and "key is present" in r.error
    # pointing at nothing
    r = pair.recognise(key, h, value=None, proof=NonMembershipProof(proof.siblings, None).to_obj())
    assert r.status == "bad_proof"
    assert pair.client().recognitions == 0


def test_a_non_inclusion_proof_offered_as_inclusion_is_refused(pair: Pair) -> None:
    pair.anchor(b"x")
    h = _relay(pair)
    key = b"evidence/" + bytes(32)
    _, proof = pair.a.prove(key, h)
    with pytest.raises(ProofInvalid, match="not a membership proof"):
        pair.recognise(key, h, value=b"anything", proof=proof.to_obj())


def test_a_path_outside_the_allowed_prefixes_is_refused(pair: Pair) -> None:
    pair.anchor(b"x")
    h = _relay(pair)
    operator = pair.a.address("operator")
    r = pair.recognise(b"member/" + operator, h)
    assert r.status == "path_not_allowed" and "not under the prefix" in r.error
    r = pair.recognise(b"evidence2/" + bytes(32), h)  # a sibling namespace, not a sub-path
    assert r.status == "path_not_allowed"
    r = pair.recognise(b"evidence/" + bytes(32), h, fact="unknown_fact")
    assert r.status == "path_not_allowed" and "not a fact" in r.error


def test_a_stale_status_proof_is_refused_and_a_fresh_one_accepted(pair: Pair) -> None:
    doc = pair.anchor(b"unit 12 mortgage-free")
    h = _relay(pair)
    key = b"evidence/" + doc
    pair.b.time = pair.a.time + 120_000  # two minutes later on B
    r = pair.recognise(key, h, fact="evidence_status", consumer="bank")
    assert r.status == "stale_fact" and "60000 ms" in r.error
    # a historical fact of the same key needs no freshness
    assert pair.recognise(key, h, fact="anchored").ok
    # a fresh header: accepted
    pair.a.time = pair.b.time
    pair.a.empty_block()
    h2 = _relay(pair)
    assert pair.recognise(key, h2, fact="evidence_status", consumer="bank").ok


def test_the_same_recognition_is_recorded_once(pair: Pair) -> None:
    doc = pair.anchor(b"x")
    h = _relay(pair)
    assert pair.recognise(b"evidence/" + doc, h).ok
    r = pair.recognise(b"evidence/" + doc, h)
    assert r.status == "xchain_refused" and "already recognised" in r.error
    assert pair.recognise(b"evidence/" + doc, h, purpose="another purpose").ok


def test_a_height_the_client_has_not_verified_is_refused(pair: Pair) -> None:
    doc = pair.anchor(b"x")
    r = pair.recognise(b"evidence/" + doc, 1)
    assert r.status == "xchain_refused" and "relay it first" in r.error


def test_updates_and_recognition_in_one_transaction(pair: Pair) -> None:
    doc = pair.anchor(b"x")
    pair.a.empty_block()
    key = b"evidence/" + doc
    value, proof = pair.a.prove(key, 2)
    r = pair.b_tx(
        "xchain.recognise",
        {
            "client": A_ID,
            "height": 2,
            "fact": "anchored",
            "key": key,
            "value": value,
            "proof": proof.to_obj(),
            "consumer": "",
            "purpose": "audit",
            "updates": [pair.a.update(0, 2).to_obj()],
        },
    )
    assert r.ok, r
    assert pair.client().latest_height == 2


def test_the_delay_period_holds_facts_back() -> None:
    p = make_pair(facts=FACTS, delay_period_ms=30_000)
    doc = p.anchor(b"x")
    h = _relay(p)
    r = p.recognise(b"evidence/" + doc, h)
    assert r.status == "stale_fact" and "delay period" in r.error
    p.b.time += 40_000
    assert p.recognise(b"evidence/" + doc, h).ok


def test_only_members_relay(pair: Pair) -> None:
    pair.b.new_key("stranger")
    pair.a.empty_block()
    with pytest.raises(NotMember):
        pair.b_tx(
            "xchain.update",
            {"client": A_ID, "updates": [pair.a.update(0, 1).to_obj()]},
            signer="stranger",
        )


def test_a_wrong_value_with_a_valid_proof_is_refused(pair: Pair) -> None:
    doc = pair.anchor(b"x")
    h = _relay(pair)
    r = pair.recognise(b"evidence/" + doc, h, value=b"\xa0")
    assert r.status == "bad_proof"


def test_registration_configure_and_retire(pair: Pair) -> None:
    r = pair.b.govern(
        "xchain.configure",
        {"chain_id": A_ID, "facts": {"other": {"prefix": b"member/", "max_age_ms": 0}}},
    )
    assert r.status == "tx_failed" and "not inside an allowed prefix" in r.error
    r = pair.b.govern(
        "xchain.configure",
        {
            "chain_id": A_ID,
            "allowed_prefixes": [b"evidence/", b"member/"],
            "facts": {"member": {"prefix": b"member/", "max_age_ms": 0}},
        },
    )
    assert r.ok, r
    pair.anchor(b"x")
    h = _relay(pair)
    assert pair.recognise(b"member/" + pair.a.address("operator"), h, fact="member").ok
    assert pair.b.govern("xchain.retire", {"chain_id": A_ID, "reason": "merged"}).ok
    pair.a.empty_block()
    assert pair.update(pair.a.update(h, pair.a.height)).status == "xchain_refused"
