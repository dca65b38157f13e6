"""State pruning: old state-tree versions are deleted under ``retention`` (reference counts in
``wuyi.node.state_prune``), the store stays bounded, retained heights stay provable, a pruned
height is a named error, and a crash inside pruning leaves the last commit."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_api import Chain as ApiChain
from tests.unit.test_api import assert_problem, make_chain
from wuyi.consensus.certificate import QuorumCertificate
from wuyi.exceptions import StatePruned, StoreCorrupted
from wuyi.ledger import keys
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.types import ZERO_HASH, Block, BlockHeader, Receipt, Transaction
from wuyi.node import state_prune
from wuyi.node.snapshots import SnapshotDir, make_snapshot
from wuyi.node.store import DB_NODES, CommitBatch, StatePruning, Store
from wuyi.state import StateTree, verify_proof


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class Writer:
    """Commits blocks of random overwrites and deletes over a small key space to one store,
    building the state tree with ``StateTree.apply`` over the store itself (as the node does),
    and remembers the state after every height."""

    def __init__(self, store: Store, seed: int = 7, keys_n: int = 60) -> None:
        self.store = store
        self.tree = StateTree(sha256, store)
        self.rng = random.Random(seed)
        self.keys = [b"k/%03d" % i for i in range(keys_n)]
        self.states: list[dict[bytes, bytes]] = []
        self.roots: list[bytes] = []
        self.prev = ZERO_HASH
        self.root = bytes(32)

    def reattach(self, store: Store) -> None:
        self.store, self.tree = store, StateTree(sha256, store)

    def batch(self) -> CommitBatch:
        height = len(self.roots)
        state = dict(self.states[-1]) if self.states else {}
        changes: dict[bytes, bytes | None] = {}
        for _ in range(self.rng.randint(0, 6)):  # some blocks change nothing
            k = self.rng.choice(self.keys)
            if k in state and self.rng.random() < 0.3:
                changes[k] = None
            else:  # small values, often repeated (a node leaves the tree and comes back)
                changes[k] = b"v%d" % self.rng.randint(0, 9)
        for k, v in changes.items():
            if v is None:
                state.pop(k, None)
            else:
                state[k] = v
        root, nodes = self.tree.apply(self.root, changes)
        t = Transaction("test", b"S" * 32, height, 10**6, "put", {}, b"\x01" * 64)
        tx, th = t.to_bytes(), sha256(t.signing_bytes())
        receipt = Receipt(th, "ok", gas_used=1)
        header = BlockHeader(
            chain_id="test",
            height=height,
            prev_hash=self.prev,
            time=1_700_000_000_000 + height,
            proposer=b"P" * 32,
            tx_count=1,
            tx_root=compute_root(sha256, [tx]),
            state_root=root,
            receipts_root=compute_root(sha256, [receipt.to_bytes()]),
            validator_set_hash=b"V" * 32,
            next_validator_set_hash=b"V" * 32,
        )
        block_hash = sha256(header.hashing_bytes())
        qc = QuorumCertificate(height, 0, block_hash, ((0, b"\x02" * 64),))
        self._next = (state, root, block_hash)
        return CommitBatch(
            block=Block(header, (tx,), qc),
            block_hash=block_hash,
            receipts=[receipt],
            tx_hashes=[th],
            state_changes=changes,
            new_nodes=nodes,
            state_root=root,
        )

    def commit(self, batch: CommitBatch | None = None) -> None:
        self.store.commit(batch or self.batch())
        state, root, block_hash = self._next
        self.states.append(state)
        self.roots.append(root)
        self.prev, self.root = block_hash, root

    def run(self, n: int) -> None:
        for _ in range(n):
            self.commit()


def node_count(store: Store) -> int:
    with store.snapshot() as v:
        return int(v._txn.stat(store._dbs[DB_NODES])["entries"])


def root_at(store: Store, height: int) -> bytes:
    with store.snapshot() as v:
        return v.state_root_at(height)


def assert_provable(store: Store, height: int, state: dict[bytes, bytes], all_keys: list[bytes]):
    with store.snapshot() as v:
        root = v.state_root_at(height)
        tree = StateTree(sha256, v)
        for k in all_keys:
            proof = tree.prove(root, k)
            assert tree.get(root, k) == state.get(k)
            verify_proof(sha256, root, k, state.get(k), proof)  # raises if it does not prove


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    pruned = Store.open(tmp_path / "pruned", sha256)
    twin = Store.open(tmp_path / "twin", sha256)
    try:
        yield pruned, twin
    finally:
        pruned.close()
        twin.close()


def test_pruned_store_stays_bounded_and_agrees_with_an_unpruned_twin(
    stores: tuple[Store, Store], tmp_path: Path
) -> None:
    pruned, twin = stores
    pruned.configure_state_pruning(StatePruning(8))
    a, b = Writer(pruned), Writer(twin)
    counts = {}
    for top in (150, 300, 450, 600):
        while len(a.roots) <= top:  # the same seed: the same changes, each tree built alone
            a.commit()
            b.commit()
        counts[top] = (node_count(pruned), node_count(twin))
    assert a.roots == b.roots  # the same root at every height
    assert list(pruned.iter_prefix(b"")) == list(twin.iter_prefix(b""))
    # Flat: the pruned store's nodes do not grow with height (60 keys: at most 119 nodes per
    # version, 9 versions differing by at most 6 paths); the twin's grow with every block.
    assert max(p for p, _ in counts.values()) <= 2 * counts[150][0] < 500, counts
    assert counts[600][1] > 3 * counts[150][1] > 0, counts
    assert counts[600][0] * 10 < counts[600][1], counts
    top = len(a.roots) - 1
    for h in range(top - 7, top + 1):  # every retained height proves every key (and absences)
        assert_provable(pruned, h, a.states[h], a.keys)
    with pytest.raises(StatePruned, match=r"state at height 500 was pruned on this node"):
        root_at(pruned, 500)
    with pruned.snapshot() as v:
        assert v.state_base == top - 7 and v.get_state_root(500) == a.roots[500]  # roots kept
    pruned.close()
    Store.open(tmp_path / "pruned", sha256, check="full").close()  # counts exact, tree whole


def test_snapshot_heights_stay_held_and_snapshots_are_made_from_a_pruned_store(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "s", sha256)
    store.configure_state_pruning(StatePruning(5, keep_every=50, keep_count=2))
    w = Writer(store, seed=3)
    w.run(231)
    with store.snapshot() as v:
        assert v.state_pins() == [150, 200] and v.state_base == 226
        assert [h for h in range(231) if v.state_held(h)] == [150, 200, *range(226, 231)]
    for h in (150, 200, 228):
        assert_provable(store, h, w.states[h], w.keys)
    snaps = SnapshotDir(tmp_path / "snapshots")
    manifest = make_snapshot(store, "test", 150, snaps)  # state sync serves kept heights
    assert manifest.state_root == w.roots[150] and snaps.heights() == [150]
    with pytest.raises(StatePruned, match=r"heights \[150, 200\]; ask an archive node"):
        make_snapshot(store, "test", 100, snaps)
    store.close()
    Store.open(tmp_path / "s", sha256, check="full").close()


def test_a_crash_inside_pruning_leaves_the_last_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(tmp_path / "s", sha256)
    store.configure_state_pruning(StatePruning(4))
    w = Writer(store, seed=11)
    w.run(40)
    before = (store.height, store.state_root, node_count(store))
    batch = w.batch()
    calls = {"n": 0}
    real_add = state_prune.RefCounts.add

    def add_then_crash(self: Any, delta: Any) -> None:
        real_add(self, delta)
        calls["n"] += 1
        if calls["n"] == 3:  # inside collect: some nodes deleted, children being decremented
            raise RuntimeError("power cut")

    monkeypatch.setattr(state_prune.RefCounts, "add", add_then_crash)
    with pytest.raises(RuntimeError, match="power cut"):
        store.commit(batch)
    monkeypatch.undo()
    assert calls["n"] == 3
    store.close()
    store = Store.open(tmp_path / "s", sha256, check="full")  # opens and verifies
    assert (store.height, store.state_root, node_count(store)) == before
    store.configure_state_pruning(StatePruning(4))
    w.reattach(store)
    w.commit(batch)  # the same block commits afterwards, and the chain goes on
    w.run(10)
    for h in range(len(w.roots) - 4, len(w.roots)):
        assert_provable(store, h, w.states[h], w.keys)
    store.close()
    Store.open(tmp_path / "s", sha256, check="full").close()


def test_pruning_turned_on_for_a_grown_store_then_off(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s", sha256)
    w = Writer(store, seed=5)
    w.run(120)
    grown = node_count(store)
    store.configure_state_pruning(StatePruning(10))  # counts built from the stored nodes
    w.run(3)  # the backlog goes, NODE_BUDGET_MIN per commit
    assert node_count(store) < grown / 4
    store.close()
    store = Store.open(tmp_path / "s", sha256, check="full")
    assert store.state_base == 113  # 122 - 10 + 1
    store.configure_state_pruning(None)  # off: the counts go, what was pruned stays pruned
    w.reattach(store)
    w.run(5)
    assert store.get_meta("state_refs") is None
    with pytest.raises(StatePruned, match="state at height 50 is not held by this node"):
        root_at(store, 50)
    for h in (113, 127):
        assert_provable(store, h, w.states[h], w.keys)
    store.close()
    Store.open(tmp_path / "s", sha256, check="full").close()


def test_the_full_check_finds_a_wrong_reference_count(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s", sha256)
    store.configure_state_pruning(StatePruning(4))
    Writer(store).run(20)
    with store._env.begin(write=True) as txn:  # a count one too high: a node would leak
        refs = store._dbs[b"node_refs"]
        key, value = next(iter(txn.cursor(db=refs)))
        txn.put(key, (int.from_bytes(value, "big") + 1).to_bytes(4, "big"), db=refs)
    store.close()
    with pytest.raises(StoreCorrupted, match=r"node_refs: node .* references, the tree"):
        Store.open(tmp_path / "s", sha256, check="full")


@pytest.fixture
def api_chain(tmp_path: Path) -> Iterator[ApiChain]:
    yield from make_chain(tmp_path)


def test_a_state_read_at_a_pruned_height_is_a_problem_document(api_chain: ApiChain) -> None:
    c = api_chain
    c.node.store.configure_state_pruning(StatePruning(2))
    for i in range(4):
        c.commit(c.builder(c.admins["zjj"]).anchor(c.suite.hash(b"doc %d" % i)))
    top = c.node.height
    key = keys.org_key("zjj")
    doc = assert_problem(c.client.get(f"/v1/state/{key.hex()}", params={"height": 0}), 404,
                         "state_pruned")  # fmt: skip
    assert "state at height 0 was pruned on this node (retention 2)" in doc["detail"]
    assert "ask an archive node" in doc["detail"]
    ok = c.client.get(f"/v1/state/{key.hex()}", params={"height": top - 1})
    assert ok.status_code == 200 and ok.json()["proof"] and ok.json()["height"] == top - 1
    assert c.client.get(f"/v1/state/{key.hex()}").json()["decoded"]["name"]
