"""≥ 1000 seeded simulator schedules across scenario families (see docs/consensus.md).

Each test item runs a chunk of seeds of one family and reports every failing seed with its
schedule summary; pin a failing seed in ``test_consensus_regressions.py``.
"""

from __future__ import annotations

import dataclasses

import pytest

import wuyi.consensus
from wuyi.consensus.messages import Commit, Vote, compute_block_hash
from wuyi.testing.sim import SimResult, Simulator
from wuyi.testing.sim_scenarios import FAMILIES, make_config, run_seed

SEEDS_PER_FAMILY = 112  # 10 families x 112 = 1120 schedules
CHUNK = 14


@pytest.mark.parametrize("start", range(0, SEEDS_PER_FAMILY, CHUNK))
@pytest.mark.parametrize("family", FAMILIES)
def test_schedules(family: str, start: int) -> None:
    failures = []
    for seed in range(start, start + CHUNK):
        result = run_seed(family, seed)
        if not result.ok:
            failures.append(f"--- run_seed({family!r}, {seed}) ---\n{result.summary()}")
    assert not failures, "failing seeds (pin them as regressions):\n" + "\n".join(failures)


def test_schedule_count_is_at_least_a_thousand() -> None:
    assert len(FAMILIES) * SEEDS_PER_FAMILY >= 1000


def test_runs_are_deterministic() -> None:
    a = run_seed("mixed", 3)
    b = run_seed("mixed", 3)
    assert a.summary() == b.summary()
    assert a.sim.commits == b.sim.commits


def test_wal_family_damages_logs_both_ways() -> None:
    """The ``wal`` family really tears logs (repaired on restart) and damages them in the
    middle (moved aside), so its schedules test a validator that lost part of its WAL."""
    repaired = moved = 0
    for seed in range(12):
        result = run_seed("wal", seed)
        assert result.ok, result.summary()
        repaired += sum(n.wal_repairs for n in result.sim.nodes)
        moved += sum(n.wal_moved_aside for n in result.sim.nodes)
    assert repaired > 0 and moved > 0, (repaired, moved)


def test_checker_is_not_vacuous() -> None:
    """The invariant checks catch a fork, a certificate without quorum and an honest double
    sign."""
    sim = Simulator(make_config("clean", 1))
    assert sim.run().ok
    block = sim.blocks[1]
    qc = sim.commit_log[0].qc
    fork = dataclasses.replace(block, payload=b"another block")
    sim._check_commit(sim.nodes[0], Commit(fork, compute_block_hash(sim.suite, fork), qc))
    assert any(v.startswith("AGREEMENT") for v in sim.violations)
    weak = dataclasses.replace(qc, signatures=qc.signatures[:2])
    sim._check_qc(0, block, sim.commits[1], weak)
    assert any(v.startswith("QC") for v in sim.violations)
    node = sim.nodes[0]
    sim._check_own_signature(node, Vote("prevote", 99, 0, b"\x01" * 32, node.pub, b"s"))
    sim._check_own_signature(node, Vote("prevote", 99, 0, b"", node.pub, b"t"))
    assert any(v.startswith("DOUBLE SIGN") for v in sim.violations)
    with pytest.raises(AssertionError, match="seed 1"):
        SimResult(sim).check()


def test_consensus_public_names() -> None:
    """The curated public surface of wuyi.consensus (change deliberately, with the docs)."""
    assert set(wuyi.consensus.__all__) == {
        *("GENESIS_PARENT", "Action", "Block", "BlockExecuted", "Broadcast", "Checkpoint"),
        *("Commit", "ConsensusParams", "Decided", "Event", "MemoryWAL", "MempoolStatus"),
        *("Message", "MessageReceived", "PayloadReady", "Proposal", "QuorumCertificate"),
        *("Replica", "ReplicaWAL", "ReportEvidence", "RequestPayload", "SafetyRules", "Send"),
        *("SetTimer", "SignedState", "Status", "TimerFired", "UnsafeSignRequest", "Validator"),
        *("ValidatorSet", "ValidatorUpdate", "Vote", "compute_block_hash", "compute_vote_bytes"),
        *("decode_event", "decode_message", "encode_event", "encode_message", "validate_qc"),
    }
    for name in wuyi.consensus.__all__:
        assert getattr(wuyi.consensus, name) is not None
