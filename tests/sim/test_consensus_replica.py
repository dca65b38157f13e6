"""Replica.step on hand-built scenarios (4 validators, the replica is validator 0 unless said)."""

from __future__ import annotations

import pytest

from wuyi.consensus.certificate import Validator, ValidatorSet, validate_qc
from wuyi.consensus.messages import (
    COMMIT,
    NIL,
    PREVOTE,
    BlockExecuted,
    Decided,
    MempoolStatus,
    PayloadReady,
    Proposal,
    ReportEvidence,
    RequestPayload,
    Send,
    TimerFired,
    ValidatorUpdate,
    Vote,
    decode_event,
    encode_message,
)
from wuyi.consensus.replica import (
    GENESIS_PARENT,
    TIMER_IDLE,
    TIMER_PRECOMMIT,
    TIMER_PREVOTE,
    TIMER_PROPOSE,
    ConsensusParams,
)
from wuyi.consensus.safety import SafetyRules, UnsafeSignRequest
from wuyi.exceptions import InvariantBroken
from wuyi.testing.sim_harness import ReplicaHarness


def decide_height_1(t: ReplicaHarness, payload: bytes = b"txs") -> bytes:
    """Drive the replica (not the proposer) through a clean height 1; return the block hash."""
    block = t.block(1, payload, by=1)
    bh = t.block_hash(block)
    t.deliver(t.proposal(block))
    for i in (1, 2):
        t.deliver(t.vote(i, PREVOTE, bh))
    for i in (1, 2):
        t.deliver(t.vote(i, COMMIT, bh))
    return bh


def test_start_arms_propose_timer_and_rebroadcast() -> None:
    t = ReplicaHarness()
    kinds = {s.kind: s for s in t.timers()}
    assert kinds[TIMER_PROPOSE].delay_ms == t.params.timeout_propose(0)
    assert "rebroadcast" in kinds
    assert not any(isinstance(a, RequestPayload) for a in t.actions)  # v1 proposes at h1 r0


def test_happy_path_prevote_precommit_commit_with_valid_qc() -> None:
    t = ReplicaHarness()
    block = t.block(1, b"txs", by=1)
    bh = t.block_hash(block)
    t.deliver(t.proposal(block))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(PREVOTE, bh)]
    t.deliver(t.vote(1, PREVOTE, bh))
    assert t.votes_sent() == []
    t.deliver(t.vote(2, PREVOTE, bh))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(COMMIT, bh)]
    t.deliver(t.vote(1, COMMIT, bh))
    acts = t.deliver(t.vote(2, COMMIT, bh))
    (commit,) = t.commits(acts)
    assert commit.block == block and commit.block_hash == bh
    validate_qc(t.suite, t.chain_id, t.validators, commit.qc, height=1, block_hash=bh)
    assert commit.qc.vote_type == "commit"
    assert t.replica.height == 2 and t.replica.round == 0
    # pipelining: height 2 starts at once, before BlockExecuted(1)
    assert any(s.kind == TIMER_PROPOSE and s.height == 2 for s in t.timers(acts))


def test_proposer_requests_payload_then_proposes_and_prevotes() -> None:
    t = ReplicaHarness(me=1)
    (req,) = [a for a in t.actions if isinstance(a, RequestPayload)]
    assert (req.height, req.round, req.parent_hash) == (1, 0, GENESIS_PARENT)
    acts = t.step(PayloadReady(1, 0, b"payload"))
    props = [m for m in t.broadcasts(acts) if isinstance(m, Proposal)]
    assert len(props) == 1 and props[0].block.payload == b"payload"
    assert props[0].pol_round == -1
    bh = t.block_hash(props[0].block)
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent(acts)] == [(PREVOTE, bh)]
    # a stale or repeated payload answer changes nothing
    assert t.broadcasts(t.step(PayloadReady(1, 0, b"other"))) == []


def test_timeouts_nil_votes_and_growing_rounds() -> None:
    t = ReplicaHarness()
    t.step(TimerFired(TIMER_PROPOSE, 1, 0))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(PREVOTE, NIL)]
    t.deliver(t.vote(1, PREVOTE, NIL))
    t.deliver(t.vote(2, PREVOTE, NIL))  # 2f+1 nil prevotes -> precommit nil (R5)
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(COMMIT, NIL)]
    t.deliver(t.vote(1, COMMIT, NIL))
    acts = t.deliver(t.vote(2, COMMIT, NIL))
    (timer,) = [s for s in t.timers(acts) if s.kind == TIMER_PRECOMMIT]
    acts = t.step(TimerFired(TIMER_PRECOMMIT, 1, 0))
    assert t.replica.round == 1
    (prop_timer,) = [s for s in t.timers(acts) if s.kind == TIMER_PROPOSE]
    assert prop_timer.delay_ms > t.params.timeout_propose(0)
    assert timer.round == 0


def test_prevote_timeout_after_split_prevotes() -> None:
    t = ReplicaHarness()
    block = t.block(1, by=1)
    bh = t.block_hash(block)
    t.deliver(t.proposal(block))
    t.deliver(t.vote(1, PREVOTE, NIL))
    acts = t.deliver(t.vote(2, PREVOTE, b"\x09" * 32))  # 3 prevotes, no quorum for anything
    assert [s.kind for s in t.timers(acts)] == [TIMER_PREVOTE]
    t.step(TimerFired(TIMER_PREVOTE, 1, 0))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(COMMIT, NIL)]
    assert bh  # the block was prevoted but never locked


def test_lock_blocks_other_value_until_newer_proof_of_lock() -> None:
    t = ReplicaHarness()
    x = t.block(1, b"x", by=1)
    xh = t.block_hash(x)
    t.deliver(t.proposal(x))
    t.deliver(t.vote(1, PREVOTE, xh))
    t.deliver(t.vote(2, PREVOTE, xh))  # locked on x at round 0, precommitted x
    t.deliver(t.vote(1, COMMIT, NIL))
    t.deliver(t.vote(2, COMMIT, NIL))
    t.step(TimerFired(TIMER_PRECOMMIT, 1, 0))
    assert t.replica.round == 1
    # round 1: proposer v2 proposes a fresh y -> locked replica prevotes nil (R1)
    y = t.block(1, b"y", by=2)
    yh = t.block_hash(y)
    t.deliver(t.proposal(y, round_=1))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(PREVOTE, NIL)]
    # others prevote y in round 1 (a proof of lock for y at round 1 > our lock round 0)
    for i in (1, 2, 3):
        t.deliver(t.vote(i, PREVOTE, yh, round_=1))
    for i in (1, 2):
        t.deliver(t.vote(i, COMMIT, NIL, round_=1))
    t.step(TimerFired(TIMER_PRECOMMIT, 1, 1))
    assert t.replica.round == 2
    # round 2: v3 re-proposes y with pol_round 1 -> we unlock and prevote y (R2)
    t.deliver(t.proposal(y, round_=2, pol_round=1))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(PREVOTE, yh)]


def test_pol_from_an_older_round_than_our_lock_is_refused() -> None:
    t = ReplicaHarness()
    x = t.block(1, b"x", by=1)
    y = t.block(1, b"y", by=1)
    xh, yh = t.block_hash(x), t.block_hash(y)
    # round 0: y gets prevotes we see late; round 1: we lock on x
    for i in (1, 2, 3):
        t.deliver(t.vote(i, PREVOTE, yh, round_=0))
    t.step(TimerFired(TIMER_PROPOSE, 1, 0))
    t.deliver(t.vote(1, COMMIT, NIL))
    t.deliver(t.vote(2, COMMIT, NIL))
    t.step(TimerFired(TIMER_PRECOMMIT, 1, 0))
    t.deliver(t.proposal(x, round_=1))
    t.deliver(t.vote(1, PREVOTE, xh, round_=1))
    t.deliver(t.vote(2, PREVOTE, xh, round_=1))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(COMMIT, xh)]
    t.deliver(t.vote(1, COMMIT, NIL, round_=1))
    t.deliver(t.vote(2, COMMIT, NIL, round_=1))
    t.step(TimerFired(TIMER_PRECOMMIT, 1, 1))
    # round 2: y re-proposed with pol_round 0 < our lock round 1 -> nil
    t.deliver(t.proposal(y, round_=2, pol_round=0))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(PREVOTE, NIL)]


def test_round_skip_needs_f_plus_1() -> None:
    t = ReplicaHarness()
    t.deliver(t.vote(1, PREVOTE, NIL, round_=5))
    assert t.replica.round == 0  # one validator (could be the Byzantine one) is not enough
    t.deliver(t.vote(2, COMMIT, NIL, round_=7))
    assert t.replica.round == 5  # f+1 = 2 validators are at round >= 5


def test_malformed_forged_and_foreign_messages_are_dropped() -> None:
    t = ReplicaHarness(extra_keys=1)
    block = t.block(1, by=1)
    good = t.proposal(block)
    bad_sig = Proposal(1, 0, -1, block, good.proposer, b"\x00" * 64)
    not_proposer = t.proposal(block, by=2)
    outsider = t.vote(4, PREVOTE, t.block_hash(block))
    forged = Vote(PREVOTE, 1, 0, t.block_hash(block), t.pub(2), t.vote(3, PREVOTE, NIL).signature)
    for junk in (
        b"",
        b"\xff\x00",
        encode_message(good)[:-3],
        encode_message(bad_sig),
        encode_message(not_proposer),
        encode_message(outsider),
        encode_message(forged),
    ):
        assert t.deliver(junk) == []
    assert t.replica.round == 0 and t.replica.step_name == "propose"
    t.deliver(good)
    assert len(t.votes_sent()) == 1


def test_invalid_payload_gets_nil_prevote() -> None:
    t = ReplicaHarness()
    t.deliver(t.proposal(t.block(1, b"invalid", by=1)))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(PREVOTE, NIL)]


def test_wrong_parent_or_validator_set_hash_gets_nil_prevote() -> None:
    t = ReplicaHarness()
    t.deliver(t.proposal(t.block(1, b"x", parent=b"\x07" * 32, by=1)))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(PREVOTE, NIL)]


def test_double_vote_is_reported_as_evidence() -> None:
    t = ReplicaHarness()
    a = t.vote(3, PREVOTE, NIL)
    t.deliver(a)
    block = t.block(1, by=1)
    t.deliver(t.proposal(block))
    acts = t.deliver(t.vote(3, PREVOTE, t.block_hash(block)))
    (ev,) = [x for x in acts if isinstance(x, ReportEvidence)]
    assert ev.offender == t.pub(3) and ev.first == a


def test_double_vote_for_an_unknown_block_is_reported_not_counted() -> None:
    """Issue #17: a duplicate validator's two halves sent their conflicting blocks to different
    peers, so each peer knew only one; the conflicting vote still proves the double sign."""
    t = ReplicaHarness()
    block = t.block(1, by=1)
    t.deliver(t.proposal(block))
    a = t.vote(3, PREVOTE, t.block_hash(block))
    t.deliver(a)
    unknown = b"\x07" * 32
    b = t.vote(3, PREVOTE, unknown)
    acts = t.deliver(b)
    (ev,) = [x for x in acts if isinstance(x, ReportEvidence)]
    assert (ev.offender, ev.first, ev.second) == (t.pub(3), a, b)
    assert unknown not in t.replica._hs.by_hash[(PREVOTE, 0)]  # not counted, not stored
    forged = Vote(PREVOTE, 1, 0, b"\x08" * 32, t.pub(2), b"\x01" * 64)
    t.deliver(t.vote(2, PREVOTE, NIL))
    assert not [x for x in t.deliver(forged) if isinstance(x, ReportEvidence)]


def test_double_vote_arriving_after_the_decision_is_reported() -> None:
    """Heights are often decided before gossip brings the conflicting vote (issue #17's
    duplicate validator): the first votes of the height decided last are kept to compare."""
    t = ReplicaHarness()
    bh = decide_height_1(t)
    assert t.replica.height == 2
    late = t.vote(1, PREVOTE, b"\x07" * 32)  # v1 prevoted bh at height 1, round 0
    (ev,) = [x for x in t.deliver(late) if isinstance(x, ReportEvidence)]
    assert ev.first.block_hash == bh and ev.second == late
    assert not [x for x in t.deliver(late) if isinstance(x, ReportEvidence)]  # once


def test_equivocator_counted_for_the_block_it_also_signed() -> None:
    """A quorum seen elsewhere must be seeable here even if the equivocator's first vote to us
    was different (else locked honest nodes could never be convinced to unlock)."""
    t = ReplicaHarness()
    block = t.block(1, by=1)
    bh = t.block_hash(block)
    t.deliver(t.vote(3, PREVOTE, NIL))  # v3 equivocates: nil to us first
    t.deliver(t.proposal(block))
    t.deliver(t.vote(1, PREVOTE, bh))
    t.deliver(t.vote(3, PREVOTE, bh))  # ... and the block too
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(COMMIT, bh)]


def test_decided_catch_up_and_bad_certificates() -> None:
    t = ReplicaHarness()
    block = t.block(1, b"x", by=1)
    assert t.commits(t.deliver(t.decided(block, [1, 2]))) == []  # 2 of 4: no quorum
    wrong_parent = t.block(1, b"x", parent=b"\x05" * 32, by=1)
    assert t.commits(t.deliver(t.decided(wrong_parent, [1, 2, 3]))) == []
    acts = t.deliver(t.decided(block, [1, 2, 3]))
    (c,) = t.commits(acts)
    assert c.block == block and t.replica.height == 2


def test_lagging_peer_gets_the_decision() -> None:
    t = ReplicaHarness()
    bh = decide_height_1(t)
    acts = t.deliver(t.status(3, 1))
    (send,) = [a for a in acts if isinstance(a, Send)]
    assert send.to == t.pub(3) and isinstance(send.message, Decided)
    assert send.message.qc.block_hash == bh
    # the next stale message in the same period does not trigger a second copy
    assert not [a for a in t.deliver(t.vote(3, PREVOTE, NIL)) if isinstance(a, Send)]


def test_every_input_is_logged_before_handling_and_restart_replays() -> None:
    t = ReplicaHarness()
    bh = decide_height_1(t)
    block2 = t.block(2, b"two", parent=bh, by=2)
    t.deliver(t.proposal(block2))
    assert len(t.wal) >= 6 and all(decode_event(r) for _, r in t.wal.records)
    before = (t.replica.height, t.replica.round, t.replica.step_name)
    sent_before = t.signed
    actions = t.restart()
    assert (t.replica.height, t.replica.round, t.replica.step_name) == before
    assert t.signed == sent_before  # nothing new was signed on replay
    assert 1 in t.replica.decisions
    assert any(a.__class__.__name__ == "Commit" for a in actions)  # adapter dedups by height
    # the replayed replica keeps going from where it was
    bh2 = t.block_hash(block2)
    t.deliver(t.vote(2, PREVOTE, bh2, height=2))
    t.deliver(t.vote(3, PREVOTE, bh2, height=2))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(COMMIT, bh2)]


def test_replay_after_crash_between_sign_and_log_resends_same_vote() -> None:
    t = ReplicaHarness()
    block = t.block(1, by=1)
    t.deliver(t.proposal(block))
    (vote,) = t.votes_sent()
    # simulate a crash after the signature was persisted but before the own vote was logged
    t.wal.records = t.wal.records[:-1]
    actions = t.restart()
    assert vote in t.votes_sent(actions)


def test_destroying_the_wal_between_votes_cannot_make_a_validator_break_its_lock() -> None:
    """Issue #17: the WAL is destroyed after the validator precommitted B (locked on B at
    round 0). After the restart it must not prevote another block C proposed without a
    proof-of-lock: SafetyRules' own persisted state holds the lock."""
    t = ReplicaHarness()
    b = t.block(1, b"B", by=1)
    bh = t.block_hash(b)
    t.deliver(t.proposal(b))
    t.deliver(t.vote(1, PREVOTE, bh))
    t.deliver(t.vote(2, PREVOTE, bh))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(COMMIT, bh)]
    t.wal.records.clear()  # the log is lost (torn, cut short, moved aside)
    t.restart()
    t.deliver(t.vote(2, PREVOTE, NIL, round_=1))
    t.deliver(t.vote(3, PREVOTE, NIL, round_=1))  # f+1 at round 1: round skip (R8)
    assert t.replica.round == 1
    c = t.block(1, b"C", by=2)
    acts = t.deliver(t.proposal(c, round_=1))
    ch = t.block_hash(c)
    first = t.votes_sent(acts)[0]  # (a nil precommit follows: 2f+1 prevoted nil)
    assert (first.vote_type, first.block_hash) == (PREVOTE, NIL)
    # ... and SafetyRules refuses it even if asked directly
    safety = SafetyRules(t.keys[0], lambda s: None, t.signed)
    with pytest.raises(UnsafeSignRequest, match="locked at round 0"):
        safety.sign_vote(t.chain_id, PREVOTE, 1, 2, ch)
    # a proof-of-lock newer than the lock unlocks it, as Tendermint allows (liveness)
    for i in (1, 2, 3):
        t.deliver(t.vote(i, PREVOTE, ch, round_=2))
    for i in (2, 3):
        t.deliver(t.vote(i, PREVOTE, NIL, round_=4))
    assert t.replica.round == 4
    acts = t.deliver(t.proposal(c, round_=4, pol_round=2))
    first = t.votes_sent(acts)[0]
    assert (first.vote_type, first.block_hash) == (PREVOTE, ch)


def test_validator_set_change_takes_effect_at_stated_height() -> None:
    t = ReplicaHarness(extra_keys=1)
    new = ValidatorSet(tuple(Validator(t.pub(i), 1) for i in (0, 1, 2, 4)))
    with pytest.raises(InvariantBroken):
        t.step(BlockExecuted(1))  # height 1 is not committed yet
    decide_height_1(t)
    with pytest.raises(InvariantBroken):
        t.step(BlockExecuted(1, ValidatorUpdate(2, new)))  # too early: must be >= h + 2
    t.step(BlockExecuted(1, ValidatorUpdate(3, new)))
    assert t.replica.validators_at(2) == t.validators
    assert t.replica.validators_at(3) == new


def test_replica_waits_for_execution_two_heights_back() -> None:
    t = ReplicaHarness()
    bh1 = decide_height_1(t)
    b2 = t.block(2, b"two", parent=bh1, by=2)
    bh2 = t.block_hash(b2)
    t.deliver(t.proposal(b2))
    for i in (1, 2):
        t.deliver(t.vote(i, PREVOTE, bh2, height=2))
    for i in (1, 2):
        t.deliver(t.vote(i, COMMIT, bh2, height=2))
    assert t.replica.height == 3
    assert not t.replica.started
    assert not t.timers([a for a in t.actions if getattr(a, "height", 0) == 3])
    acts = t.step(BlockExecuted(1))  # now the set for height 3 is known
    assert t.replica.started
    assert any(s.kind == TIMER_PROPOSE and s.height == 3 for s in t.timers(acts))


def test_no_empty_blocks_while_idle_then_one_per_interval() -> None:
    never = ReplicaHarness(me=1, params=ConsensusParams(create_empty_blocks_interval_ms=None))
    acts = never.step(MempoolStatus(False))
    assert never.broadcasts(never.step(PayloadReady(1, 0, b""))) == []
    assert not never.timers(acts)
    acts = never.step(MempoolStatus(True))
    assert any(isinstance(a, RequestPayload) for a in acts)

    t = ReplicaHarness(me=1, params=ConsensusParams(create_empty_blocks_interval_ms=5000))
    acts = t.step(MempoolStatus(False))
    assert [(s.kind, s.delay_ms) for s in t.timers(acts)] == [(TIMER_IDLE, 5000)]
    acts = t.step(TimerFired(TIMER_IDLE, 1, 0))
    assert any(isinstance(a, RequestPayload) for a in acts)


def test_idle_replica_still_votes_for_a_proposal() -> None:
    t = ReplicaHarness(params=ConsensusParams(create_empty_blocks_interval_ms=None))
    t.step(MempoolStatus(False))
    block = t.block(1, by=1)
    t.deliver(t.proposal(block))
    assert [(v.vote_type, v.block_hash) for v in t.votes_sent()] == [(PREVOTE, t.block_hash(block))]


def test_follower_decides_without_voting() -> None:
    t = ReplicaHarness(me=4, extra_keys=1)
    block = t.block(1, by=1)
    bh = t.block_hash(block)
    t.deliver(t.proposal(block))
    assert t.votes_sent() == []
    for i in (1, 2, 3):
        t.deliver(t.vote(i, PREVOTE, bh))
    for i in (1, 2, 3):
        t.deliver(t.vote(i, COMMIT, bh))
    assert t.replica.height == 2 and t.persisted == []


def test_round_summary_says_what_the_round_before_saw() -> None:
    """The adapter logs this when a height needs another round (``round_started``)."""
    t = ReplicaHarness()
    x = t.block(1, b"x", by=1)
    xh = t.block_hash(x)
    t.deliver(t.proposal(x))
    t.deliver(t.vote(1, PREVOTE, xh))
    t.deliver(t.vote(2, PREVOTE, NIL))
    t.deliver(t.vote(3, PREVOTE, xh))  # own prevote for x + two: locked on x at round 0
    t.deliver(t.vote(1, COMMIT, NIL))
    t.deliver(t.vote(2, COMMIT, NIL))
    t.step(TimerFired(TIMER_PRECOMMIT, 1, 0))
    s = t.replica.round_summary(0)
    short = xh[:4].hex()
    assert s["proposal"] == {"proposer": 1, "block": short, "pol_round": -1, "valid": True}
    assert s["prevotes"] == {short: [0, 1, 3], "nil": [2]}
    assert s["precommits"] == {short: [0], "nil": [1, 2]}
    assert s["locked"] == [0, short] and s["valid"] == [0, short]
    assert t.replica.round_summary(1)["proposal"] is None


def test_a_height_that_needed_rounds_paces_the_next_then_steps_back() -> None:
    """Timeouts that needed round r at one height are where the next height starts (a slow or
    starved validator would otherwise make every height climb from round 0 again); each height
    decided in its first round steps back by one round."""
    t = ReplicaHarness()
    p = t.params
    b1 = t.block(1, b"a", by=1)
    acts = t.deliver(t.decided(b1, [1, 2, 3], round_=3))  # the network needed round 3
    assert t.replica.height == 2
    (timer,) = [s for s in t.timers(acts) if s.kind == TIMER_PROPOSE]
    assert (timer.round, timer.delay_ms) == (0, p.timeout_propose(3))
    t.step(BlockExecuted(1))
    b2 = t.block(2, b"b", parent=t.block_hash(b1), by=2)
    acts = t.deliver(t.decided(b2, [1, 2, 3], round_=0))
    (timer,) = [s for s in t.timers(acts) if s.kind == TIMER_PROPOSE]
    assert (timer.round, timer.delay_ms) == (0, p.timeout_propose(2))
