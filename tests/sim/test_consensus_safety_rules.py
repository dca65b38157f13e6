"""SafetyRules: never sign backwards or in conflict; persist before the signature leaves."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wuyi.abc import Suite
from wuyi.consensus.certificate import compute_vote_bytes
from wuyi.consensus.messages import COMMIT, NIL, PREVOTE
from wuyi.consensus.safety import (
    STEP_PRECOMMIT,
    STEP_PREVOTE,
    Lock,
    SafetyRules,
    SignedState,
    UnsafeSignRequest,
)
from wuyi.testing.sim_crypto import get_sim_suite

CHAIN = "wuyi-test"
H1 = b"\x01" * 32
H2 = b"\x02" * 32


def make() -> tuple[Suite, SafetyRules, list[SignedState]]:
    suite = get_sim_suite()
    persisted: list[SignedState] = []
    return suite, SafetyRules(suite.generate_private_key(), persisted.append), persisted


def test_signs_and_persists_before_returning() -> None:
    suite, rules, persisted = make()
    sig = rules.sign_vote(CHAIN, PREVOTE, 1, 0, H1)
    assert suite.verify(rules.public_key, compute_vote_bytes(CHAIN, PREVOTE, 1, 0, H1), sig)
    assert persisted and persisted[-1].signature == sig
    assert persisted[-1].hrs == (1, 0, STEP_PREVOTE)


def test_refuses_lower_height_round_or_step() -> None:
    _, rules, _ = make()
    rules.sign_vote(CHAIN, COMMIT, 5, 3, H1)
    with pytest.raises(UnsafeSignRequest):
        rules.sign_vote(CHAIN, PREVOTE, 5, 3, H1)  # lower step
    with pytest.raises(UnsafeSignRequest):
        rules.sign_vote(CHAIN, COMMIT, 5, 2, H1)  # lower round
    with pytest.raises(UnsafeSignRequest):
        rules.sign_vote(CHAIN, COMMIT, 4, 9, H1)  # lower height
    with pytest.raises(UnsafeSignRequest):
        rules.sign_proposal(CHAIN, 5, 3, -1, H1)  # propose step < precommit step


def test_same_hrs_same_bytes_returns_the_stored_signature() -> None:
    _, rules, persisted = make()
    a = rules.sign_vote(CHAIN, PREVOTE, 2, 1, H1)
    b = rules.sign_vote(CHAIN, PREVOTE, 2, 1, H1)
    assert a == b
    assert len(persisted) == 1


def test_same_hrs_conflicting_vote_refused() -> None:
    _, rules, _ = make()
    rules.sign_vote(CHAIN, PREVOTE, 2, 1, H1)
    with pytest.raises(UnsafeSignRequest):
        rules.sign_vote(CHAIN, PREVOTE, 2, 1, H2)
    with pytest.raises(UnsafeSignRequest):
        rules.sign_vote(CHAIN, PREVOTE, 2, 1, NIL)


def test_conflicting_proposal_refused() -> None:
    _, rules, _ = make()
    rules.sign_proposal(CHAIN, 3, 0, -1, H1)
    with pytest.raises(UnsafeSignRequest):
        rules.sign_proposal(CHAIN, 3, 0, -1, H2)
    rules.sign_vote(CHAIN, PREVOTE, 3, 0, H1)  # then voting in that round is fine


def test_persist_failure_leaks_no_signature_and_keeps_state() -> None:
    suite = get_sim_suite()

    def boom(state: SignedState) -> None:
        raise OSError("disk full")

    rules = SafetyRules(suite.generate_private_key(), boom)
    with pytest.raises(OSError):
        rules.sign_vote(CHAIN, PREVOTE, 1, 0, H1)
    assert rules.last_signed is None


def test_restart_from_persisted_state_keeps_refusing() -> None:
    suite = get_sim_suite()
    key = suite.generate_private_key()
    persisted: list[SignedState] = []
    SafetyRules(key, persisted.append).sign_vote(CHAIN, COMMIT, 7, 0, H1)
    stored = SignedState.from_obj(persisted[-1].to_obj())
    again = SafetyRules(key, persisted.append, stored)
    with pytest.raises(UnsafeSignRequest):
        again.sign_vote(CHAIN, COMMIT, 7, 0, H2)
    assert again.sign_vote(CHAIN, COMMIT, 7, 0, H1) == stored.signature
    assert again.last_signed is not None and again.last_signed.hrs == (7, 0, STEP_PRECOMMIT)


def test_status_is_domain_separated_and_unconstrained() -> None:
    _, rules, persisted = make()
    rules.sign_vote(CHAIN, COMMIT, 9, 9, H1)
    sig = rules.sign_status(CHAIN, 1, 0)  # lower height: fine, commits to nothing
    assert sig
    assert len(persisted) == 1


requests = st.lists(
    st.tuples(
        st.sampled_from(["proposal", PREVOTE, COMMIT]),
        st.integers(1, 3),
        st.integers(0, 2),
        st.sampled_from([H1, H2, NIL]),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(requests)
def test_property_no_conflict_and_monotonic(reqs: list[tuple[str, int, int, bytes]]) -> None:
    _, rules, persisted = make()
    signed: dict[tuple[int, int, int], bytes] = {}
    for kind, h, r, bh in reqs:
        try:
            if kind == "proposal":
                if bh == NIL:
                    continue
                rules.sign_proposal(CHAIN, h, r, -1, bh)
            else:
                rules.sign_vote(CHAIN, kind, h, r, bh)
        except UnsafeSignRequest:
            continue
        last = rules.last_signed
        assert last is not None
        assert signed.setdefault(last.hrs, last.sign_bytes) == last.sign_bytes
    hrs = [s.hrs for s in persisted]
    assert hrs == sorted(hrs) and len(set(hrs)) == len(hrs)


def test_lock_refuses_a_prevote_for_another_block_without_a_newer_proof_of_lock() -> None:
    """Rule 3: after precommitting H1 at (4, 1) the validator is locked on it at height 4."""
    _, rules, persisted = make()
    rules.sign_vote(CHAIN, COMMIT, 4, 1, H1)
    assert rules.lock_at(4) == Lock(1, H1) and rules.lock_at(5) is None
    assert (persisted[-1].locked_round, persisted[-1].locked_hash) == (1, H1)
    with pytest.raises(UnsafeSignRequest, match="locked at round 1"):
        rules.sign_vote(CHAIN, PREVOTE, 4, 2, H2)  # no proof-of-lock
    with pytest.raises(UnsafeSignRequest):
        rules.sign_vote(CHAIN, PREVOTE, 4, 3, H2, pol_round=0)  # proof older than the lock
    rules.sign_vote(CHAIN, PREVOTE, 4, 4, H1)  # the locked block: fine
    with pytest.raises(UnsafeSignRequest):
        rules.sign_vote(CHAIN, PREVOTE, 4, 4, H2, pol_round=3)  # rule 2 still holds
    rules.sign_vote(CHAIN, PREVOTE, 4, 5, NIL)  # nil: fine
    rules.sign_vote(CHAIN, PREVOTE, 4, 6, H2, pol_round=5)  # 2f+1 prevoted H2 at round 5
    assert rules.lock_at(4) == Lock(1, H1)  # a prevote does not move the lock
    rules.sign_proposal(CHAIN, 4, 7, -1, H2)  # nor does a proposal
    assert rules.lock_at(4) == Lock(1, H1)
    # a precommit at a higher round moves it, with the block and proof-of-lock it is given
    rules.sign_vote(CHAIN, COMMIT, 4, 7, H2, block=b"block", prevotes=(b"v1", b"v2"))
    assert rules.lock_at(4) == Lock(7, H2, b"block", (b"v1", b"v2"))
    rules.sign_vote(CHAIN, PREVOTE, 5, 0, H1)  # a new height starts unlocked
    assert rules.lock_at(5) is None


def test_lock_is_persisted_and_survives_a_restart() -> None:
    suite = get_sim_suite()
    key = suite.generate_private_key()
    persisted: list[SignedState] = []
    SafetyRules(key, persisted.append).sign_vote(CHAIN, COMMIT, 7, 2, H1, block=b"B")
    stored = SignedState.from_obj(persisted[-1].to_obj())
    again = SafetyRules(key, persisted.append, stored)
    assert again.lock_at(7) == Lock(2, H1, b"B")
    with pytest.raises(UnsafeSignRequest):
        again.sign_vote(CHAIN, PREVOTE, 7, 3, H2)
    # a state written before locks were kept reads as unlocked
    old = {k: v for k, v in stored.to_obj().items() if not k.startswith("locked")}
    assert SignedState.from_obj(old).locked_round == -1
