"""Equivocation evidence on chain (issue #17, item 4): ``consensus.evidence`` records a
validator's two conflicting signed messages, checked against the validator set of the offence
height, once per offence, and opens a governance proposal to remove the validator
(``validator.remove``); the record verifies offline like any other."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.abc import PrivateKey
from wuyi.consensus.certificate import ValidatorSet, compute_vote_bytes
from wuyi.consensus.evidence import (
    Equivocation,
    SignedMessage,
    compute_offence_id,
    equivocation_from_messages,
    validate_equivocation,
)
from wuyi.consensus.messages import compute_proposal_bytes
from wuyi.crypto import address_of
from wuyi.encoding import decode
from wuyi.exceptions import ValidationError
from wuyi.ledger import keys
from wuyi.ledger.types import Receipt
from wuyi.testing.factories import LedgerHarness

BH_A = b"\x0a" * 32
BH_B = b"\x0b" * 32


def vote(
    h: LedgerHarness,
    key: PrivateKey,
    block_hash: bytes,
    *,
    height: int = 3,
    round_: int = 0,
    vote_type: str = "prevote",
    chain_id: str | None = None,
) -> SignedMessage:
    sig = key.sign(
        compute_vote_bytes(chain_id or h.chain_id, vote_type, height, round_, block_hash)
    )
    return SignedMessage("vote", vote_type, height, round_, -1, block_hash, key.public_key, sig)


def proposal(
    h: LedgerHarness, key: PrivateKey, block_hash: bytes, *, height: int = 1, pol: int = -1
) -> SignedMessage:
    sig = key.sign(compute_proposal_bytes(h.chain_id, height, 1, pol, block_hash))
    return SignedMessage("proposal", "", height, 1, pol, block_hash, key.public_key, sig)


def evidence(h: LedgerHarness, a: SignedMessage, b: SignedMessage) -> dict[str, Any]:
    return equivocation_from_messages(h.chain_id, a, b).to_obj()


def one(h: LedgerHarness, signer: str, payload: dict[str, Any]) -> Receipt:
    _, res = h.run([h.tx(signer, "consensus.evidence", payload)])
    return res.receipts[0]


@pytest.fixture
def net() -> LedgerHarness:
    """Four validators v0..v3 (v0 is the harness's own) and two organisations."""
    h = LedgerHarness()
    vals = [{"name": "v0", "public_key": h.keys["validator"].public_key, "power": 1}]
    vals += [{"name": f"v{i}", "public_key": h.new_key(f"v{i}").public_key} for i in (1, 2, 3)]
    for v in vals[1:]:
        v["power"] = 1
    _, res = h.run(
        [h.tx("operator", "validator.update", {"validators": vals, "effective_height": 3})]
    )
    assert res.receipts[0].ok, res.receipts[0]
    while h.height < 3:
        h.run([])
    return h


def record(h: LedgerHarness, key: bytes) -> dict[str, Any] | None:
    raw = h.state.get(key)
    return None if raw is None else decode(raw)


def test_evidence_is_recorded_and_opens_a_removal_proposal(net: LedgerHarness) -> None:
    h = net
    v1 = h.keys["v1"]
    payload = evidence(h, vote(h, v1, BH_A), vote(h, v1, b""))
    r = one(h, "zjj", payload)
    assert r.ok, r
    ev = Equivocation.from_obj(payload)
    oid = compute_offence_id(h.suite, h.chain_id, ev)
    (recorded,) = [e for e in r.events if e.type == "consensus.evidence"]
    assert recorded.attrs["id"] == oid and recorded.attrs["offender_name"] == "v1"
    (opened,) = [e for e in r.events if e.type == "gov.proposed"]
    pid = opened.attrs["id"]
    rec = record(h, keys.misbehaviour_key(oid))
    assert rec is not None
    assert (rec["offender"], rec["step"], rec["height"], rec["round"]) == (
        v1.public_key,
        "prevote",
        3,
        0,
    )
    assert rec["submitter"] == h.address("zjj") and rec["proposal"] == pid
    assert rec["recorded_height"] == h.height and rec["first"] == payload["first"]
    prop = record(h, keys.proposal_key(pid))
    assert prop is not None
    assert prop["action"] == {
        "type": "validator.remove",
        "args": {"public_key": v1.public_key, "evidence": oid},
    }
    assert prop["origin"] == {"kind": "consensus.evidence", "id": oid}
    assert prop["proposer"] == b"" and prop["votes"] == {} and prop["status"] == "open"
    summary = record(h, keys.offender_key(address_of(h.suite, v1.public_key)))
    assert summary is not None and summary["count"] == 1 and summary["proposal"] == pid

    # another offence by the same validator: recorded, counted, no second proposal
    r = one(h, "zjj", evidence(h, proposal(h, v1, BH_A, height=4), proposal(h, v1, BH_B, height=4)))
    assert r.ok and not [e for e in r.events if e.type == "gov.proposed"]
    summary = record(h, keys.offender_key(address_of(h.suite, v1.public_key)))
    assert summary is not None and summary["count"] == 2 and summary["last_height"] == 4

    # the organisations approve, anyone executes: v1 leaves the set two heights later
    for voter in ("operator", "zjj"):
        _, res = h.run([h.tx(voter, "gov.vote", {"id": pid, "choice": "yes"})])
        assert res.receipts[0].ok
    _, res = h.run([h.tx("zjj", "gov.execute", {"id": pid})])
    assert res.receipts[0].ok, res.receipts[0]
    (removed,) = [e for e in res.receipts[0].events if e.type == "validator.removed"]
    effective = removed.attrs["effective_height"]
    while h.height < effective:
        h.run([])
    names = [v.name for v in ValidatorSet.from_obj(decode(h.state.get(keys.VALIDATORS))).validators]
    assert names == ["v0", "v2", "v3"]
    # evidence of an offence before the removal is still recorded, with no proposal
    a, b = (vote(h, v1, x, height=4, vote_type="commit") for x in (BH_A, BH_B))
    r = one(h, "zjj", evidence(h, a, b))
    assert r.ok and not [e for e in r.events if e.type == "gov.proposed"]


def test_the_same_offence_is_recorded_once(net: LedgerHarness) -> None:
    h = net
    v2 = h.keys["v2"]
    assert one(h, "zjj", evidence(h, vote(h, v2, BH_A), vote(h, v2, BH_B))).ok
    # the same pair again, and another conflicting pair at the same (height, round, step)
    for payload in (
        evidence(h, vote(h, v2, BH_A), vote(h, v2, BH_B)),
        evidence(h, vote(h, v2, BH_A), vote(h, v2, b"")),
    ):
        r = one(h, "operator", payload)
        assert r.status == "tx_failed" and "already recorded at height" in r.error


def test_a_validator_of_the_current_set_may_submit_a_stranger_may_not(net: LedgerHarness) -> None:
    h = net
    v3 = h.keys["v3"]
    r = one(h, "v1", evidence(h, vote(h, v3, BH_A), vote(h, v3, BH_B)))  # v1: no member
    assert r.ok, r
    h.new_key("stranger")
    payload = evidence(h, vote(h, v3, BH_A, round_=1), vote(h, v3, BH_B, round_=1))
    # a key that is neither a member nor a validator is refused before execution (admission)
    _, res = h.run([h.tx("stranger", "consensus.evidence", payload)])
    assert not res.tx_hashes and res.rejected[0][1].code == "not_member"
    # a validator key may send consensus.evidence and nothing else
    _, res = h.run([h.tx("v1", "evidence.anchor", {"doc_hash": bytes(32), "meta": {}})])
    assert not res.tx_hashes and res.rejected[0][1].code == "not_member"


def test_offences_the_chain_cannot_hold_against_the_signer_are_refused(net: LedgerHarness) -> None:
    h = net
    outsider = h.new_key("outsider")  # never a validator
    r = one(h, "zjj", evidence(h, vote(h, outsider, BH_A), vote(h, outsider, BH_B)))
    assert r.status == "tx_failed" and "was not a validator at height 3" in r.error
    v1 = h.keys["v1"]
    future = h.height + 5
    r = one(
        h, "zjj", evidence(h, vote(h, v1, BH_A, height=future), vote(h, v1, BH_B, height=future))
    )
    assert r.status == "tx_failed" and "above this block" in r.error
    # v1 became a validator at height 3: the sets of heights 1 and 2 were v0 alone
    r = one(h, "zjj", evidence(h, vote(h, v1, BH_A, height=2), vote(h, v1, BH_B, height=2)))
    assert r.status == "tx_failed" and "was not a validator at height 2" in r.error


def _refused(h: LedgerHarness, payload: dict[str, Any], match: str) -> None:
    _, res = h.propose([h.tx("zjj", "consensus.evidence", payload)])
    assert len(res.rejected) == 1, res.receipts
    err = res.rejected[0][1]
    assert isinstance(err, ValidationError) and match in err.message, err.message


def test_malformed_or_unconvincing_evidence_is_refused_at_the_door(net: LedgerHarness) -> None:
    h = net
    v1, v2 = h.keys["v1"], h.keys["v2"]
    a = vote(h, v1, BH_A)
    _refused(h, {"first": a.to_obj(), "second": a.to_obj()}, "same content")
    _refused(h, evidence(h, a, vote(h, v2, BH_B)), "different keys")
    _refused(h, evidence(h, a, vote(h, v1, BH_B, round_=1)), "different points")
    _refused(h, evidence(h, a, vote(h, v1, BH_B, vote_type="commit")), "different points")
    forged = SignedMessage("vote", "prevote", 3, 0, -1, BH_B, v1.public_key, b"\x01" * 64)
    _refused(h, evidence(h, a, forged), "does not verify")
    other_chain = vote(h, v1, BH_B, chain_id="another-chain")
    _refused(h, evidence(h, a, other_chain), "does not verify")
    ev = equivocation_from_messages(h.chain_id, a, vote(h, v1, BH_B))
    swapped = {"first": ev.second.to_obj(), "second": ev.first.to_obj()}
    _refused(h, swapped, "canonical order")
    bad = {**a.to_obj(), "kind": "status"}
    _refused(h, {"first": bad, "second": a.to_obj()}, "kind must be")
    _refused(h, {"first": a.to_obj()}, "missing")


def test_validator_remove_with_a_replacement(net: LedgerHarness) -> None:
    h = net
    new = h.new_key("v1-new")
    pk = h.keys["v1"].public_key
    r = h.govern(
        "validator.remove",
        {"public_key": pk, "replacement": {"public_key": new.public_key, "name": "v1b"}},
    )
    assert r.ok, r
    pending = decode(h.state.get(keys.PENDING_VALIDATORS))
    vs = ValidatorSet.from_obj(pending["validators"])
    assert [v.name for v in vs.validators] == ["v0", "v1b", "v2", "v3"]
    assert vs.validators[1].public_key == new.public_key
    r = h.govern("validator.remove", {"public_key": h.keys["v2"].public_key})
    assert r.status == "tx_failed" and "already pending" in r.error


def test_equivocation_checks_are_pure_and_need_only_the_chain_id() -> None:
    """What a bundle's reader re-checks offline (no state, no node)."""
    h = LedgerHarness()
    key = h.keys["validator"]
    ev = equivocation_from_messages(h.chain_id, vote(h, key, BH_B), vote(h, key, BH_A))
    validate_equivocation(h.suite, h.chain_id, ev)
    assert Equivocation.from_obj(ev.to_obj()) == ev
    with pytest.raises(ValidationError):
        validate_equivocation(h.suite, "another-chain", ev)
