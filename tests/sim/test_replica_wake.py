"""Rule W: an idle replica (no empty blocks, empty mempool) joins the height when it sees
another validator vote at it. Found with the loopback network: a proposer restarted with an
empty mempool stayed idle while the others waited for its proposal, forever."""

from __future__ import annotations

from wuyi.consensus.messages import NIL, PREVOTE, MempoolStatus, RequestPayload, SetTimer
from wuyi.consensus.params import ConsensusParams
from wuyi.testing.sim_harness import ReplicaHarness


def _idle_proposer() -> ReplicaHarness:
    h = ReplicaHarness(me=1, params=ConsensusParams(create_empty_blocks_interval_ms=None))
    h.step(MempoolStatus(False))  # proposer of (1, 0) is index (1 + 0) % 4 = 1; nothing to do
    return h


def test_idle_proposer_wakes_on_a_vote_at_its_height() -> None:
    h = _idle_proposer()
    actions = h.deliver(h.vote(0, PREVOTE, NIL, height=1, round_=0))
    assert any(isinstance(a, RequestPayload) for a in actions)
    assert any(isinstance(a, SetTimer) and a.kind == "propose" for a in actions)


def test_idle_replica_stays_idle_on_a_status_alone() -> None:
    h = _idle_proposer()
    actions = h.deliver(h.status(0, height=1, round_=0))
    assert not any(isinstance(a, RequestPayload) for a in actions)
    assert not any(isinstance(a, SetTimer) and a.kind == "propose" for a in actions)
