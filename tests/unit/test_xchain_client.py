"""Chain B's light client of chain A through B's real block transition: registration pinned
by genesis, ICS-07 header updates (adjacent, skipping, validator-set changes), the refusals
(forged QCs, low overlap, clock drift, expiry), misbehaviour that freezes and governance that
recovers. A is an SM chain, B an intl chain: B checks A's signatures with A's suite."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.xchain_pair import A_ID, Pair, make_pair
from wuyi.consensus.certificate import QuorumCertificate, Validator, ValidatorSet
from wuyi.crosschain.client import ClientUpdate
from wuyi.crypto import get_suite
from wuyi.testing.xchain import sign_qc


@pytest.fixture
def pair() -> Pair:
    return make_pair()


def _keys(p: Pair, names: list[str]) -> list:
    return [p.a.keys[n] for n in names]


A_VALS = ["validator", "validator1", "validator2", "validator3"]


# -- registration ------------------------------------------------------------------------------


def test_registration_pins_genesis_suite_and_validators(pair: Pair) -> None:
    c = pair.client()
    assert c.chain_id == A_ID and c.suite == "sm" and c.status == "active"
    assert c.genesis_hash == pair.a.header(0).compute_hash(pair.a.suite)
    assert c.latest_height == 0
    cs = pair.consensus(0)
    assert cs is not None and cs.state_root == pair.a.header(0).state_root


def test_registration_refuses_another_genesis_hash() -> None:
    p = make_pair(register=False)
    args = p.a.register_args()
    args["genesis_hash"] = bytes(32)
    r = p.b.govern("xchain.register", args)
    assert r.status == "tx_failed" and "pinned genesis hash" in r.error


def test_registration_from_a_recent_header_walks_every_change() -> None:
    p = make_pair(register=False)
    eff = p.a.change_set(["validator", "validator1", "validator2", "spare0"])
    while p.a.height < eff + 1:
        p.a.empty_block()
    args = p.a.register_args(trusted_height=p.a.height)
    assert len(args["changes"]) == 1
    bad = {**args, "changes": []}  # the change left out: the header names another set
    r = p.b.govern("xchain.register", bad)
    assert r.status == "tx_failed" and "validator-set change is missing" in r.error
    r = p.b.govern("xchain.register", args)
    assert r.ok, r
    assert p.client().latest_height == p.a.height


def test_registration_refuses_an_expired_trusted_header() -> None:
    p = make_pair(register=False)
    p.b.time += 10_000_000
    r = p.b.govern("xchain.register", p.a.register_args(trusting_period_ms=1_000_000))
    assert r.status == "tx_failed" and "beyond the trusting period" in r.error


# -- updates -----------------------------------------------------------------------------------


def test_adjacent_and_skipping_updates(pair: Pair) -> None:
    for _ in range(5):
        pair.a.empty_block()
    assert pair.update(pair.a.update(0, 1)).ok
    r = pair.update(pair.a.update(1, 5))  # skipping, same set: full overlap
    assert r.ok, r
    assert pair.client().latest_height == 5
    assert pair.consensus(5).state_root == pair.a.header(5).state_root  # type: ignore[union-attr]
    again = pair.update(pair.a.update(1, 5))
    assert again.ok and not any(e.type == "xchain.updated" for e in again.events)


def test_b_checks_a_with_a_suite_not_its_own() -> None:
    """The same flow with the suites the other way round (intl chain A, sm chain B)."""
    p = make_pair(a_suite="intl", b_suite="sm")
    p.a.empty_block()
    assert p.update(p.a.update(0, 1)).ok


def _qc(p: Pair, height: int, signers: list, **kw) -> QuorumCertificate:
    return sign_qc(p.a.chain_id, p.a.header(height), p.a.suite, p.a.sets[height], signers, **kw)


def test_forged_qc_less_than_two_thirds(pair: Pair) -> None:
    pair.a.empty_block()
    u = replace(pair.a.update(0, 1), qc=_qc(pair, 1, _keys(pair, A_VALS[:2])))
    r = pair.update(u)
    assert r.status == "bad_header" and "quorum" in r.error
    assert pair.client().latest_height == 0


def test_forged_qc_wrong_suite(pair: Pair) -> None:
    """Signatures made with the other suite's keys (Ed25519 for an SM chain) never count."""
    pair.a.empty_block()
    intl = get_suite("intl")
    fakes = [intl.private_key_from_bytes(intl.hash(f"f{i}".encode())) for i in range(4)]
    qc = pair.a.qcs[1]
    msg_sigs = tuple((i, fakes[i].sign(b"wuyi/vote\x00")) for i, _ in qc.signatures)
    r = pair.update(replace(pair.a.update(0, 1), qc=replace(qc, signatures=msg_sigs)))
    assert r.status == "bad_header" and "does not verify" in r.error
    # a header hashed with the wrong suite's hash is another block: the QC is not for it
    wrong = replace(pair.a.update(0, 1), qc=replace(qc, block_hash=intl.hash(b"x")))
    assert pair.update(wrong).status == "bad_header"


def test_forged_qc_duplicate_signer(pair: Pair) -> None:
    pair.a.empty_block()
    qc = pair.a.qcs[1]
    s0 = qc.signatures[0]
    dup = replace(qc, signatures=(s0, s0, qc.signatures[1]))
    r = pair.update(replace(pair.a.update(0, 1), qc=dup))
    assert r.status == "bad_header" and "no duplicates" in r.error
    # a validator set listing one key twice to double its power is not a set at all
    v0 = pair.a.sets[1].validators[0]
    twice = ValidatorSet.__new__(ValidatorSet)
    object.__setattr__(twice, "validators", (v0, v0, Validator(b"\x04" + bytes(64), 1, "x")))
    bad = pair.a.update(0, 1).to_obj()
    bad["validators"] = twice.to_obj()
    with pytest.raises(Exception, match="duplicate validator public key"):
        pair.b_tx("xchain.update", {"client": A_ID, "updates": [bad]})


def test_forged_qc_signer_outside_the_set(pair: Pair) -> None:
    pair.a.empty_block()
    outsider = pair.a.keys["spare0"]
    # two members and an outsider at an index past the set
    qc = _qc(pair, 1, [*_keys(pair, A_VALS[:2]), outsider])
    r = pair.update(replace(pair.a.update(0, 1), qc=qc))
    assert r.status == "bad_header" and "outside the set" in r.error
    # the outsider's signature put at a member's index
    good = pair.a.qcs[1]
    forged = (
        good.signatures[0],
        good.signatures[1],
        (2, _qc(pair, 1, [outsider]).signatures[0][1]),
    )
    r = pair.update(replace(pair.a.update(0, 1), qc=replace(good, signatures=forged)))
    assert r.status == "bad_header" and "does not verify" in r.error


def test_prevote_certificate_is_not_a_commit(pair: Pair) -> None:
    pair.a.empty_block()
    qc = _qc(pair, 1, _keys(pair, A_VALS), vote_type="prevote")
    r = pair.update(replace(pair.a.update(0, 1), qc=qc))
    assert r.status == "bad_header" and "commit" in r.error


def test_skipping_with_less_than_a_third_overlap_is_refused(pair: Pair) -> None:
    eff = pair.a.change_set(["spare0", "spare1", "spare2", "spare3"])  # a whole new set
    while pair.a.height < eff + 2:
        pair.a.empty_block()
    r = pair.update(pair.a.update(0, eff + 1))
    assert r.status == "bad_header" and "skipping needs at least 1/3" in r.error
    # the relayer's way: up to the last block the old set signs, then adjacent into the new
    assert pair.update(pair.a.update(0, eff - 1)).ok
    assert pair.update(pair.a.update(eff - 1, eff)).ok
    assert pair.update(pair.a.update(eff, eff + 2)).ok
    assert pair.client().latest_height == eff + 2


def test_adjacent_update_must_be_signed_by_the_trusted_next_set(pair: Pair) -> None:
    pair.a.empty_block()
    spares = ValidatorSet(
        tuple(Validator(pair.a.keys[f"spare{i}"].public_key, 1, f"s{i}") for i in range(4))
    )
    # a header at height 1 signed by a set that is not the trusted next set
    h = replace(pair.a.header(1), validator_set_hash=spares.compute_hash(pair.a.suite))
    qc = sign_qc(A_ID, h, pair.a.suite, spares, [pair.a.keys[f"spare{i}"] for i in range(4)])
    r = pair.update(ClientUpdate(h, qc, spares, 0, None))
    assert r.status == "bad_header" and "trusted next validator set" in r.error


def test_header_beyond_clock_drift_is_refused(pair: Pair) -> None:
    pair.a.empty_block(time_step=3_600_000)  # an hour ahead of B's block time
    pair.b.time = pair.a.header(0).time
    _, res = pair.b.run(
        [
            pair.b.tx(
                "zjj", "xchain.update", {"client": A_ID, "updates": [pair.a.update(0, 1).to_obj()]}
            )
        ]
    )
    r = res.receipts[0]
    assert r.status == "bad_header" and "clock drift" in r.error


def test_client_expires_after_the_trusting_period_and_governance_recovers() -> None:
    p = make_pair(trusting_period_ms=100_000)
    p.a.empty_block()
    assert p.update(p.a.update(0, 1)).ok
    p.b.time += 200_000
    for _ in range(3):
        p.a.empty_block()
    p.a.time = p.b.time
    p.a.empty_block()
    r = p.update(p.a.update(1, p.a.height))
    assert r.status == "client_expired", r
    r = p.b.govern(
        "xchain.recover",
        {
            "chain_id": A_ID,
            "changes": [],
            "trusted": {
                "header": p.a.header(p.a.height).to_obj(),
                "qc": p.a.qcs[p.a.height].to_obj(),
            },
        },
    )
    assert r.ok, r
    c = p.client()
    assert c.status == "active" and c.latest_height == p.a.height and c.recoveries == 1
    assert c.options.trusting_period_ms == 100_000  # thresholds unchanged


def test_recover_refuses_an_active_client(pair: Pair) -> None:
    pair.a.empty_block()
    r = pair.b.govern(
        "xchain.recover",
        {
            "chain_id": A_ID,
            "changes": [],
            "trusted": {"header": pair.a.header(1).to_obj(), "qc": pair.a.qcs[1].to_obj()},
        },
    )
    assert r.status == "tx_failed" and "only a frozen or expired client" in r.error


# -- misbehaviour ------------------------------------------------------------------------------


def _fork(p: Pair, height: int) -> ClientUpdate:
    """A second header at ``height`` signed by every validator of A (equivocation)."""
    h = replace(p.a.header(height), state_root=p.a.suite.hash(b"another state"))
    qc = sign_qc(A_ID, h, p.a.suite, p.a.sets[height], _keys(p, A_VALS))
    return ClientUpdate(h, qc, p.a.sets[height], 0, None if height == 1 else p.a.sets[1])


def test_equivocation_in_an_update_freezes_the_client(pair: Pair) -> None:
    doc = pair.anchor(b"permit")
    assert pair.update(pair.a.update(0, 1)).ok
    r = pair.update(_fork(pair, 1))
    assert r.ok and any(e.type == "xchain.frozen" for e in r.events)
    c = pair.client()
    assert c.status == "frozen" and c.frozen is not None and c.frozen["kind"] == "equivocation"
    # nothing is accepted any more
    pair.a.empty_block()
    assert pair.update(pair.a.update(1, 2)).status == "client_frozen"
    assert pair.recognise(b"evidence/" + doc, 1).status == "client_frozen"
    # governance revives it from genesis again; chain id and thresholds stay
    r = pair.b.govern(
        "xchain.recover",
        {
            "chain_id": A_ID,
            "changes": [],
            "trusted": {"header": pair.a.header(2).to_obj(), "qc": pair.a.qcs[2].to_obj()},
        },
    )
    assert r.ok, r
    c2 = pair.client()
    assert c2.status == "active" and c2.chain_id == A_ID and c2.options == c.options
    assert pair.consensus(1) is None  # the old (disputed) states are gone
    assert pair.recognise(b"evidence/" + doc, 2).ok


def test_misbehaviour_evidence_from_anyone_freezes(pair: Pair) -> None:
    pair.a.empty_block()
    pair.a.empty_block()
    ev = {"first": pair.a.update(0, 2).to_obj(), "second": _fork(pair, 2).to_obj()}
    r = pair.b_tx("xchain.misbehaviour", {"client": A_ID, "evidence": ev})
    assert r.ok, r
    assert pair.client().status == "frozen"


def test_misbehaviour_needs_a_conflict(pair: Pair) -> None:
    pair.a.empty_block()
    pair.a.empty_block()
    ev = {"first": pair.a.update(0, 1).to_obj(), "second": pair.a.update(0, 2).to_obj()}
    r = pair.b_tx("xchain.misbehaviour", {"client": A_ID, "evidence": ev})
    assert r.status == "invalid" and "conflict in nothing" in r.error
    assert pair.client().status == "active"


def test_time_running_backwards_between_heights_freezes(pair: Pair) -> None:
    for _ in range(3):
        pair.a.empty_block()
    assert pair.update(pair.a.update(0, 3)).ok
    # a validly signed header at height 2 whose time is after height 3's
    h = replace(pair.a.header(2), time=pair.a.header(3).time + 5)
    qc = sign_qc(A_ID, h, pair.a.suite, pair.a.sets[2], _keys(pair, A_VALS))
    r = pair.update(ClientUpdate(h, qc, pair.a.sets[2], 0, pair.a.sets[1]))
    assert r.ok and pair.client().status == "frozen"
    assert pair.client().frozen["kind"] == "time"  # type: ignore[index]
