"""Pinned simulator seeds: every schedule that ever failed, with the bug it found.

Never skip one: a seed here that fails again is a regression. Add new ones as
``(family, seed, "what broke")``.
"""

from __future__ import annotations

import pytest

from wuyi.testing.sim_scenarios import run_seed

PINNED: list[tuple[str, int, str]] = [
    (
        "byzantine",
        0,
        "liveness: honest nodes locked on different blocks never unlocked, because a proposer"
        " re-proposing its valid block did not forward the proof-of-lock prevotes",
    ),
    (
        "byzantine",
        4,
        "liveness: an equivocating voter's first (nil) vote hid its later vote for the locked"
        " block, so the forwarded proof-of-lock never reached 2f+1 at some nodes; votes are"
        " now tallied per block hash",
    ),
    (
        "byzantine_faults",
        3,
        "same as byzantine/4 under drops and duplicates (double_voter)",
    ),
    (
        "mixed",
        6,
        "same as byzantine/4 with crashes and restarts (equivocate)",
    ),
    (
        "byzantine_faults",
        209,
        "liveness: one node reached round 1 after seeing 2f+1 precommits of round 0; the others"
        " had missed its precommit, and gossip only re-sent current-round votes, so they never"
        " armed their precommit timeout (silent Byzantine leaves no spare vote). Rebroadcast now"
        " includes the previous round",
    ),
    ("mixed", 231, "same as byzantine_faults/209, with partitions and crashes"),
    ("mixed", 327, "same as byzantine_faults/209, with everybody crashing at once"),
    (
        "wal",
        275,
        "liveness: a validator whose WAL was cut short (truncate) restarted without its own"
        " signed prevote; its replica then wanted another prevote at that (height, round),"
        " which SafetyRules refused, so nobody ever received its vote and round 1 never got"
        " 2f+1 prevotes. The replica now counts and re-sends the last vote SafetyRules signed",
    ),
    (
        "wal",
        93,
        "liveness: every honest validator lost WAL records at once (torn, zero-filled, cut"
        " short); two were locked on a block whose bytes and proof-of-lock now existed nowhere"
        " (the Byzantine node had them), so they prevoted nil for ever. The lock is now kept"
        " with its block and proof-of-lock, and a restored lock is proposed like a valid value",
    ),
    (
        "idle",
        2,
        "empty-block policy: the next height started inside the commit step before the"
        " adapter reported an empty mempool, so one empty block was proposed",
    ),
]


@pytest.mark.parametrize(("family", "seed", "bug"), PINNED, ids=[f"{f}-{s}" for f, s, _ in PINNED])
def test_pinned_seed(family: str, seed: int, bug: str) -> None:
    run_seed(family, seed).check()
