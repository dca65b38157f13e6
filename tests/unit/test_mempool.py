"""The mempool remembers the transactions of the last few committed blocks (closing the race
between the store check and the commit) — and only those, so its memory stays flat over a long
run (issue #8's soak)."""

from __future__ import annotations

import pytest

from wuyi.exceptions import Replay
from wuyi.node.mempool import RECENT_BLOCKS, Duplicate, Mempool
from wuyi.testing.factories import LedgerHarness


def _anchor(h: LedgerHarness, i: int) -> bytes:
    return h.tx("operator", "evidence.anchor", {"doc_hash": h.suite.hash(i.to_bytes(8, "big"))})


def test_recent_commits_are_replays_and_memory_is_bounded() -> None:
    h = LedgerHarness()
    pool = Mempool(h.chain)

    def add(raw: bytes) -> bytes:
        return pool.add(raw, params=h.params, next_height=1, is_committed=lambda _h: False)

    first = _anchor(h, 0)
    tx_hash = add(first)
    with pytest.raises(Duplicate):
        add(first)
    pool.remove([tx_hash], committed=True)  # committed in block 1
    assert len(pool) == 0
    # the store check passed just before the commit: the pool still refuses the replay
    with pytest.raises(Replay, match="already committed"):
        add(first)
    # many more blocks: the pool's memory of commits stays RECENT_BLOCKS blocks deep
    for b in range(RECENT_BLOCKS * 3):
        hashes = [add(_anchor(h, 1 + b * 10 + i)) for i in range(10)]
        pool.remove(hashes, committed=True)
        assert len(pool._recent) <= RECENT_BLOCKS * 10
    assert len(pool._recent) == RECENT_BLOCKS * 10
    assert tx_hash not in pool._recent  # block 1 is long in the store: the store answers
    assert len(pool) == 0
