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
        return pool.add(
            raw, params=h.params, state=h.state, next_height=1, is_committed=lambda _h: False
        )

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


# -- transactions a block brought before their gossip (Mempool.note_checked) --------------------


class _CountingVerifier:
    """Stands in for the VerifierPool: checks in-process and records what it was given."""

    def __init__(self, h: LedgerHarness) -> None:
        from wuyi.node.verifier import precheck_batch

        self.seen: list[bytes] = []
        self._check = lambda raws: precheck_batch(h.chain_id, h.suite_name, raws)

    def precheck(self, raws: list[bytes]) -> list[tuple[bytes, str, str]]:
        self.seen += raws
        return self._check(raws)


def test_late_gossip_of_transactions_a_block_checked_skips_the_second_check(
    tmp_path: object,
) -> None:
    from pathlib import Path

    from wuyi.ledger.execute import apply_block
    from wuyi.node.node import Node
    from wuyi.node.store import Store

    h = LedgerHarness()
    raws = [_anchor(h, i) for i in range(12)]
    block, _ = h.propose(raws)  # another validator's proposal of all twelve
    verifier = _CountingVerifier(h)
    with Store.open(Path(str(tmp_path)), h.suite.hash) as store:
        node = Node(h.genesis, store, verifier=verifier)  # type: ignore[arg-type]
        pool = node.mempool
        # Eight arrived by gossip first; the block carries four the pool has never seen.
        assert all(isinstance(x, bytes) for x in node.submit_many(raws[:8]))
        assert verifier.seen == raws[:8]
        checked = apply_block(
            h.chain,
            h.state,
            h.tree,
            h.head,
            block,
            is_committed=lambda _h: False,
            is_verified=pool.is_verified,
            decoded=pool.decoded,
        )
        assert pool.note_checked(block.txs, checked.txs, checked.tx_hashes) == 4
        assert pool.checked(raws[0]) is None  # pooled ones are the pool's business
        assert pool.checked(raws[9]) == (checked.txs[9], checked.tx_hashes[9])
        # The late gossip of all twelve plus one new transaction: only the new one is
        # verified; the four go into the pool on the block's check; the eight are duplicates.
        extra = [_anchor(h, 100 + i) for i in range(8)]
        out = node.submit_many(raws + extra)
        assert verifier.seen == raws[:8] + extra
        assert all(isinstance(x, Duplicate) for x in out[:8])
        assert out[8:12] == checked.tx_hashes[8:12]
        assert all(isinstance(x, bytes) for x in out[12:])
        assert len(pool) == 20


def test_a_block_checked_transaction_still_meets_every_other_admission_rule() -> None:
    from wuyi.ledger.types import Transaction

    h = LedgerHarness()
    pool = Mempool(h.chain)
    raw = _anchor(h, 1)
    tx = Transaction.from_bytes(raw)
    tx_hash = h.suite.hash(tx.signing_bytes())
    pool.note_checked([raw], [tx], [tx_hash])
    with pytest.raises(Replay, match="already committed"):
        pool.add(
            raw,
            params=h.params,
            state=h.state,
            next_height=1,
            is_committed=lambda _h: True,
            prechecked=pool.checked(raw),
        )
    assert len(pool) == 0


def test_the_memory_of_block_checked_transactions_is_bounded() -> None:
    from wuyi.ledger.types import Transaction

    h = LedgerHarness()
    pool = Mempool(h.chain)
    pool.max_checked = 5
    raws = [_anchor(h, i) for i in range(12)]
    txs = [Transaction.from_bytes(r) for r in raws]
    hashes = [h.suite.hash(t.signing_bytes()) for t in txs]
    assert pool.note_checked(raws, txs, hashes) == 12
    assert pool.note_checked(raws[-2:], txs[-2:], hashes[-2:]) == 0  # already remembered
    assert len(pool._checked) == 5
    assert pool.checked(raws[0]) is None and pool.checked(raws[-1]) is not None


def test_a_late_copy_of_a_transaction_committed_from_the_pool_is_refused_by_its_bytes(
    tmp_path: object,
) -> None:
    """A peer's regossip of what it has not committed yet arrives after this node committed
    it: refused as a replay before any decoding or signature check (a saturated network was
    re-verifying thousands of them every three seconds)."""
    from pathlib import Path

    from wuyi.node.node import Node
    from wuyi.node.store import Store

    h = LedgerHarness()
    raws = [_anchor(h, i) for i in range(10)]
    verifier = _CountingVerifier(h)
    with Store.open(Path(str(tmp_path)), h.suite.hash) as store:
        node = Node(h.genesis, store, validator_key=h.keys["validator"], verifier=verifier)  # type: ignore[arg-type]
        hashes = node.submit_many(raws)
        assert all(isinstance(x, bytes) for x in hashes)
        while node.produce_block() is not None:
            pass
        assert len(node.mempool) == 0
        seen = len(verifier.seen)
        fresh = [_anchor(h, 100 + i) for i in range(8)]
        out = node.submit_many(raws + fresh)
        assert verifier.seen[seen:] == fresh  # only the new ones were checked
        assert all(isinstance(x, Replay) and "already committed" in x.message for x in out[:10])
        assert [x.detail["tx_hash"] for x in out[:10]] == [x.hex() for x in hashes]  # type: ignore[union-attr]
        assert all(isinstance(x, bytes) for x in out[10:])


def test_the_memory_of_committed_bytes_is_bounded() -> None:
    h = LedgerHarness()
    pool = Mempool(h.chain)
    pool.max_committed_raw = 4
    raws = [_anchor(h, i) for i in range(10)]
    hashes = [
        pool.add(r, params=h.params, state=h.state, next_height=1, is_committed=lambda _h: False)
        for r in raws
    ]
    pool.remove(hashes[:5])  # dropped, not committed: not remembered
    assert all(pool.committed_hash(r) is None for r in raws[:5])
    pool.remove(hashes[5:], committed=True)
    assert len(pool._committed_raw) == 4
    assert pool.committed_hash(raws[5]) is None  # the oldest forgotten
    assert pool.committed_hash(raws[9]) == hashes[9]
