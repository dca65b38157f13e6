"""The durable store: commit and reads, refusals, atomicity, and tamper detection at open."""

from __future__ import annotations

import gc
import hashlib
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import lmdb
import pytest

from wuyi.consensus.certificate import QuorumCertificate
from wuyi.encoding import decode, encode
from wuyi.exceptions import InvariantBroken, NotFound, StoreCorrupted, StoreError
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.types import ZERO_HASH, Block, BlockHeader, Receipt, Transaction
from wuyi.node.heap import malloc_in_use
from wuyi.node.store import DEFAULT_MAP_SIZE, CommitBatch, Store, compute_state_node_hash
from wuyi.state._nodes import (
    EMPTY_ROOT,
    compute_internal_hash,
    compute_leaf_hash,
    encode_internal,
    encode_leaf,
    get_bit,
)

Hasher = Callable[[bytes], bytes]


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# -- factories ------------------------------------------------------------------------------------


def build_tree(h: Hasher, state: Mapping[bytes, bytes]) -> tuple[bytes, dict[bytes, bytes]]:
    """Reference state tree (the rules of docs/state.md): root and every node."""
    nodes: dict[bytes, bytes] = {}

    def rec(items: list[tuple[bytes, bytes, bytes]], depth: int) -> bytes:
        if not items:
            return EMPTY_ROOT
        if len(items) == 1:
            kh, key, value = items[0]
            node_hash = compute_leaf_hash(h, kh, h(value))
            nodes[node_hash] = encode_leaf(key, value)
            return node_hash
        left = rec([i for i in items if get_bit(i[0], depth) == 0], depth + 1)
        right = rec([i for i in items if get_bit(i[0], depth) == 1], depth + 1)
        node_hash = compute_internal_hash(h, left, right)
        nodes[node_hash] = encode_internal(left, right)
        return node_hash

    root = rec([(h(k), k, v) for k, v in state.items()], 0)
    return root, nodes


class Chain:
    """Builds consistent CommitBatches: each block has a few transactions and state writes."""

    def __init__(self, h: Hasher = sha256, txs_per_block: int = 3) -> None:
        self.h = h
        self.txs_per_block = txs_per_block
        self.state: dict[bytes, bytes] = {}
        self.prev_hash = ZERO_HASH
        self.height = -1

    def next_batch(self, **overrides: Any) -> CommitBatch:
        h = self.h
        height = self.height + 1
        txs = [
            Transaction("test", b"S" * 32, height * 1000 + i, 10**6, "put", {"i": i}, b"\x01" * 64)
            for i in range(self.txs_per_block)
        ]
        tx_bytes = tuple(t.to_bytes() for t in txs)
        tx_hashes = [h(t.signing_bytes()) for t in txs]
        receipts = [Receipt(th, "ok", gas_used=7) for th in tx_hashes]
        changes: dict[bytes, bytes | None] = {
            b"acct/%d" % height: b"v%d" % height,
            b"counter": b"%d" % height,
        }
        if height >= 2:
            changes[b"acct/%d" % (height - 2)] = None
        new_state = dict(self.state)
        for k, v in changes.items():
            if v is None:
                new_state.pop(k, None)
            else:
                new_state[k] = v
        root, nodes = build_tree(h, new_state)
        header = BlockHeader(
            chain_id="test",
            height=height,
            prev_hash=self.prev_hash,
            time=1_700_000_000_000 + height,
            proposer=b"P" * 32,
            tx_count=len(txs),
            tx_root=compute_root(h, tx_bytes),
            state_root=root,
            receipts_root=compute_root(h, [r.to_bytes() for r in receipts]),
            validator_set_hash=b"V" * 32,
            next_validator_set_hash=b"V" * 32,
        )
        block_hash = h(header.hashing_bytes())
        qc = QuorumCertificate(height, 0, block_hash, ((0, b"\x02" * 64),))
        fields: dict[str, Any] = {
            "block": Block(header, tx_bytes, qc),
            "block_hash": block_hash,
            "receipts": receipts,
            "tx_hashes": tx_hashes,
            "state_changes": changes,
            "new_nodes": nodes,
            "state_root": root,
            "index_entries": {b"sender/" + b"S" * 4 + b"/%08d" % height: tx_hashes[0]},
        }
        fields.update(overrides)
        return CommitBatch(**fields)

    def accept(self, batch: CommitBatch) -> None:
        for k, v in batch.state_changes.items():
            if v is None:
                self.state.pop(k, None)
            else:
                self.state[k] = v
        self.prev_hash = batch.block_hash
        self.height = batch.block.height

    def commit(self, store: Store, n: int) -> list[CommitBatch]:
        out = []
        for _ in range(n):
            b = self.next_batch()
            store.commit(b)
            self.accept(b)
            out.append(b)
        return out


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "node"


def make_store(path: Path, blocks: int) -> tuple[Chain, list[CommitBatch]]:
    chain = Chain()
    with Store.open(path, sha256) as store:
        batches = chain.commit(store, blocks)
    return chain, batches


# -- commit and reads -----------------------------------------------------------------------------


def test_empty_store(path: Path) -> None:
    with Store.open(path, sha256, check="full") as store:
        assert store.height == -1
        assert store.last_block_hash is None
        assert store.state_root is None
        assert store.get(b"x") is None
        with pytest.raises(NotFound, match="height 0"):
            store.get_block(0)
        with pytest.raises(NotFound, match="height -1"):
            store.get_header(-1)
    assert (path / "chain.lmdb" / "data.mdb").exists()


def test_commit_and_read_back(path: Path) -> None:
    chain = Chain()
    with Store.open(path, sha256) as store:
        batches = chain.commit(store, 3)
        last = batches[-1]
        assert store.height == 2
        assert store.last_block_hash == last.block_hash
        assert store.state_root == last.state_root
        for b in batches:
            n = b.block.height
            assert store.get_block(n) == b.block
            assert store.get_block(n).qc == b.block.qc
            assert store.get_block_bytes(n) == b.block.to_bytes()
            assert store.get_header(n) == b.block.header
            assert store.get_block_hash(n) == b.block_hash
            assert store.get_height_by_hash(b.block_hash) == n
            assert store.get_receipts(n) == list(b.receipts)
            assert store.get_state_root(n) == b.state_root
            for i, th in enumerate(b.tx_hashes):
                assert store.get_tx_location(th) == (n, i)
        assert store.get_height_by_hash(b"\x00" * 32) is None
        assert store.get_tx_location(b"\x00" * 32) is None
        assert list(store.iter_prefix(b"acct/")) == sorted(
            (k, v) for k, v in chain.state.items() if k.startswith(b"acct/")
        )
        assert store.get(b"acct/0") is None  # deleted by block 2
        assert store.get(b"counter") == b"2"
        for node_hash, raw in last.new_nodes.items():
            assert store.get_node(node_hash) == raw
        assert store.size_bytes() > 0
    with Store.open(path, sha256, check="full") as store:  # durable across reopen
        assert store.height == 2
        assert store.get_block(1) == batches[1].block


def test_iter_index_order_and_limit(path: Path) -> None:
    chain = Chain()
    with Store.open(path, sha256) as store:
        chain.commit(store, 5)
        keys = [k for k, _ in store.iter_index(b"sender/SSSS/")]
        assert keys == [b"sender/SSSS/%08d" % n for n in range(5)]
        rev = [k for k, _ in store.iter_index(b"sender/SSSS/", reverse=True, limit=2)]
        assert rev == [b"sender/SSSS/00000004", b"sender/SSSS/00000003"]
        assert list(store.iter_index(b"sender/SSSS/", limit=0)) == []
        assert list(store.iter_index(b"nobody/")) == []
        assert list(store.iter_index(b"zzz", reverse=True)) == []
        assert len(list(store.iter_index(b"", reverse=True))) == 5


def test_reverse_iteration_with_ff_prefix(path: Path) -> None:
    chain = Chain()
    entries = {b"\xff\xff\x01": b"a", b"\xff\xff\x02": b"b", b"\xff\xfe": b"c"}
    with Store.open(path, sha256) as store:
        store.commit(chain.next_batch(index_entries=entries))
        got = [k for k, _ in store.iter_index(b"\xff\xff", reverse=True)]
        assert got == [b"\xff\xff\x02", b"\xff\xff\x01"]


def test_extra_meta_and_snapshot(path: Path) -> None:
    chain = Chain()
    with Store.open(path, sha256) as store:
        store.commit(chain.next_batch(meta={"genesis": b"G"}))
        assert store.get_meta("genesis") == b"G"
        assert store.get_meta("nothing") is None
        with store.snapshot() as view:
            assert view.height == 0
            assert view.get_meta("genesis") == b"G"
        with pytest.raises(InvariantBroken, match="reserved"):
            store.commit(Chain().next_batch(meta={"height": b"x"}))


# -- refusals and atomicity -----------------------------------------------------------------------


def test_refuses_non_contiguous_commit(path: Path) -> None:
    chain = Chain()
    with Store.open(path, sha256) as store:
        first = chain.next_batch()
        chain.accept(first)
        skipped = chain.next_batch()
        chain.accept(skipped)
        with pytest.raises(InvariantBroken, match="store is at height -1"):
            store.commit(skipped)  # height 1 onto an empty store
        store.commit(first)
        with pytest.raises(InvariantBroken, match="next block must be 1"):
            store.commit(chain.next_batch())  # height 2 onto height 0
        assert store.height == 0


def test_refuses_wrong_prev_hash(path: Path) -> None:
    chain = Chain()
    with Store.open(path, sha256) as store:
        chain.commit(store, 2)
        chain.prev_hash = b"\x42" * 32
        with pytest.raises(InvariantBroken, match="prev_hash does not link to block 1"):
            store.commit(chain.next_batch())
        assert store.height == 1


def test_refuses_inconsistent_batch(path: Path) -> None:
    chain = Chain()
    with Store.open(path, sha256) as store:
        good = chain.next_batch()
        with pytest.raises(InvariantBroken, match="not the hash of its header"):
            store.commit(chain.next_batch(block_hash=b"\x00" * 32))
        with pytest.raises(InvariantBroken, match="3 txs but 2 tx hashes"):
            store.commit(chain.next_batch(tx_hashes=good.tx_hashes[:2]))
        with pytest.raises(InvariantBroken, match="receipt 0 is for another"):
            store.commit(chain.next_batch(tx_hashes=list(reversed(good.tx_hashes))))
        assert store.height == -1


class ExplodingChanges(Mapping[bytes, bytes | None]):
    """A state-change mapping that fails halfway through being written."""

    def __init__(self, good: Mapping[bytes, bytes | None]) -> None:
        self.good = dict(good)

    def __getitem__(self, key: bytes) -> bytes | None:
        return self.good[key]

    def __len__(self) -> int:
        return len(self.good) + 1

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.good)

    def items(self) -> Any:
        yield from self.good.items()
        raise RuntimeError("disk on fire")


def test_failed_commit_leaves_nothing_visible(path: Path) -> None:
    chain = Chain()
    with Store.open(path, sha256) as store:
        chain.commit(store, 1)
        batch = chain.next_batch()
        bad = chain.next_batch(state_changes=ExplodingChanges(batch.state_changes))
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.commit(bad)
        assert store.height == 0
        assert store.get(b"acct/1") is None
        assert store.get(b"counter") == b"0"
        assert store.get_height_by_hash(batch.block_hash) is None
        assert all(store.get_tx_location(th) is None for th in batch.tx_hashes)
        assert store.get_node(batch.state_root) is None
        with pytest.raises(NotFound):
            store.get_block(1)
        store.commit(batch)  # the same block commits cleanly afterwards
        assert store.height == 1
    with Store.open(path, sha256, check="full") as store:
        assert store.height == 1


def test_replayed_transaction_is_refused_atomically(path: Path) -> None:
    chain = Chain()
    with Store.open(path, sha256) as store:
        (first,) = chain.commit(store, 1)
        again = chain.next_batch()
        # Same tx hash as block 0's first transaction: the ledger should never let this through.
        hashes = [first.tx_hashes[0], *again.tx_hashes[1:]]
        receipts = [Receipt(hashes[0], "ok"), *again.receipts[1:]]
        with pytest.raises(InvariantBroken, match="already committed"):
            store.commit(chain.next_batch(tx_hashes=hashes, receipts=receipts))
        assert store.height == 0
        assert store.get(b"acct/1") is None


def test_concurrent_readers_see_only_committed_blocks(path: Path) -> None:
    chain = Chain()
    errors: list[BaseException] = []
    with Store.open(path, sha256) as store:
        chain.commit(store, 1)
        stop = threading.Event()

        def reader() -> None:
            try:
                while not stop.is_set():
                    with store.snapshot() as view:
                        h = view.height
                        block = view.get_block(h)
                        assert view.get_block_hash(h) == view.last_block_hash
                        assert len(view.get_receipts(h)) == block.header.tx_count
                        assert view.get_state_root(h) == view.state_root
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        chain.commit(store, 30)
        stop.set()
        for t in threads:
            t.join()
    assert not errors


# -- integrity checks: tampering through raw LMDB ------------------------------------------------


class Raw:
    """Direct access to the store's LMDB databases, bypassing the Store (a tamperer's view)."""

    def __init__(self, env: lmdb.Environment, txn: lmdb.Transaction) -> None:
        self.env, self.txn = env, txn

    def _db(self, name: str) -> Any:
        return self.env.open_db(name.encode(), txn=self.txn, create=False)

    def get(self, name: str, key: bytes) -> bytes:
        value = self.txn.get(key, db=self._db(name))
        assert value is not None, (name, key)
        return bytes(value)

    def put(self, name: str, key: bytes, value: bytes) -> None:
        self.txn.put(key, value, db=self._db(name))

    def delete(self, name: str, key: bytes) -> None:
        assert self.txn.delete(key, db=self._db(name)), (name, key)


def tamper(path: Path, fn: Callable[[Raw], None]) -> None:
    env = lmdb.open(str(path / "chain.lmdb"), max_dbs=16, map_size=1 << 30)
    try:
        with env.begin(write=True) as txn:
            fn(Raw(env, txn))
    finally:
        env.close()


def hk(n: int) -> bytes:
    return n.to_bytes(8, "big")


def flip(value: bytes, at: int) -> bytes:
    return value[:at] + bytes([value[at] ^ 0x01]) + value[at + 1 :]


def assert_refused(path: Path, match: str, check: str = "quick") -> StoreCorrupted:
    with pytest.raises(StoreCorrupted, match=match) as info:
        Store.open(path, sha256, check=check)
    return info.value


def test_clean_store_passes_both_checks(path: Path) -> None:
    make_store(path, 5)
    for mode in ("quick", "full"):
        Store.open(path, sha256, check=mode).close()


def test_detects_changed_header_byte(path: Path) -> None:
    make_store(path, 4)

    def fn(raw: Raw) -> None:
        v = raw.get("headers", hk(2))
        raw.put("headers", hk(2), flip(v, len(v) - 3))

    tamper(path, fn)
    assert_refused(path, r"^block 2: stored header hash does not match its contents$")


def test_detects_rewritten_header_by_broken_link(path: Path) -> None:
    make_store(path, 4)
    h = sha256

    def fn(raw: Raw) -> None:
        v = raw.get("headers", hk(1))
        obj = decode(v[32:])
        obj["time"] += 1  # a forger who also recomputes the stored hash
        body = encode(obj)
        raw.put("headers", hk(1), h(b"wuyi/header\x00" + body) + body)

    tamper(path, fn)
    assert_refused(path, r"block_index: hash of block 1 maps to nothing|block 2: prev_hash")


def test_detects_rewritten_header_and_index_by_broken_link(path: Path) -> None:
    make_store(path, 4)
    h = sha256

    def fn(raw: Raw) -> None:
        v = raw.get("headers", hk(1))
        obj = decode(v[32:])
        obj["time"] += 1
        body = encode(obj)
        new_hash = h(b"wuyi/header\x00" + body)
        raw.put("headers", hk(1), new_hash + body)
        raw.delete("block_index", v[:32])
        raw.put("block_index", new_hash, hk(1))

    tamper(path, fn)
    assert_refused(path, r"^block 2: prev_hash does not link to block 1$")


def test_detects_changed_block_body(path: Path) -> None:
    make_store(path, 4)

    def fn(raw: Raw) -> None:
        obj = decode(raw.get("blocks", hk(3)))
        obj["txs"][1] = flip(obj["txs"][1], len(obj["txs"][1]) - 1)
        raw.put("blocks", hk(3), encode(obj))

    tamper(path, fn)
    assert_refused(path, r"^block 3: transactions do not match the header's tx_root$")


def test_detects_raw_byte_flip_in_block_body(path: Path) -> None:
    make_store(path, 4)

    def fn(raw: Raw) -> None:
        v = raw.get("blocks", hk(1))
        raw.put("blocks", hk(1), flip(v, len(v) // 2))

    tamper(path, fn)
    assert_refused(path, r"^block 1: ")


def test_detects_dropped_transaction(path: Path) -> None:
    make_store(path, 4)

    def fn(raw: Raw) -> None:
        obj = decode(raw.get("blocks", hk(2)))
        obj["txs"].pop()
        raw.put("blocks", hk(2), encode(obj))

    tamper(path, fn)
    assert_refused(path, r"^block 2: body holds 2 transactions, header says tx_count 3$")


def test_detects_changed_receipts(path: Path) -> None:
    make_store(path, 4)

    def fn(raw: Raw) -> None:
        objs = decode(raw.get("receipts", hk(2)))
        objs[0]["status"] = "tx_failed"
        raw.put("receipts", hk(2), encode(objs))

    tamper(path, fn)
    assert_refused(path, r"^block 2: receipts do not match the header's receipts_root$")


def test_detects_deleted_top_block(path: Path) -> None:
    make_store(path, 4)
    tamper(path, lambda raw: raw.delete("blocks", hk(3)))
    assert_refused(path, r"^meta says height 3 but block 3 is missing \(db 'blocks'\)$")


def test_detects_deleted_middle_block(path: Path) -> None:
    make_store(path, 4)
    tamper(path, lambda raw: raw.delete("blocks", hk(1)))
    assert_refused(path, r"^db 'blocks': height 1 is missing \(next stored: 2\)$")


def test_detects_meta_height_raised(path: Path) -> None:
    make_store(path, 4)
    tamper(path, lambda raw: raw.put("meta", b"height", hk(20)))
    assert_refused(path, r"^meta says height 20 but header 20 is missing")


def test_detects_meta_height_lowered(path: Path) -> None:
    make_store(path, 4)
    tamper(path, lambda raw: raw.put("meta", b"height", hk(1)))
    assert_refused(path, r"^db 'headers': entry for height 2 above meta height 1")


def test_detects_meta_block_hash_changed(path: Path) -> None:
    make_store(path, 4)
    tamper(path, lambda raw: raw.put("meta", b"block_hash", b"\x01" * 32))
    assert_refused(path, r"^meta: block hash does not match the hash of block 3$")


def test_detects_missing_state_root_node(path: Path) -> None:
    _, batches = make_store(path, 3)
    root = batches[-1].state_root
    tamper(path, lambda raw: raw.delete("nodes", root))
    assert_refused(path, rf"^state root node {root.hex()} is missing from db 'nodes'$")


def test_detects_corrupted_node_in_full_check(path: Path) -> None:
    _, batches = make_store(path, 3)
    victim = next(
        k
        for k, v in batches[0].new_nodes.items()
        if v[:1] == b"\x83" and k != batches[-1].state_root
    )

    def fn(raw: Raw) -> None:
        v = raw.get("nodes", victim)
        raw.put("nodes", victim, flip(v, len(v) - 1))

    tamper(path, fn)
    Store.open(path, sha256, check="quick").close()  # quick does not read every node
    assert_refused(path, rf"^nodes: node {victim.hex()} ", check="full")


def test_detects_changed_flat_state_in_full_check(path: Path) -> None:
    make_store(path, 3)
    tamper(path, lambda raw: raw.put("state", b"counter", b"999"))
    assert_refused(path, rf"^state: key {b'counter'.hex()} is a different value", check="full")


def test_detects_deleted_tx_index_entry(path: Path) -> None:
    _, batches = make_store(path, 3)
    th = batches[2].tx_hashes[1]
    tamper(path, lambda raw: raw.delete("tx_index", th))
    assert_refused(path, rf"^tx_index: tx {th.hex()} \(block 2, index 1\) maps to nothing$")


def test_quick_check_reads_only_the_newest_bodies(path: Path) -> None:
    make_store(path, 66)

    def fn(raw: Raw) -> None:
        objs = decode(raw.get("receipts", hk(0)))
        objs[0]["gas_used"] = 8
        raw.put("receipts", hk(0), encode(objs))

    tamper(path, fn)
    Store.open(path, sha256, check="quick").close()  # block 0 is older than the last 64
    assert_refused(path, r"^block 0: receipts do not match", check="full")


def test_detects_receipt_of_another_transaction_in_full_check(path: Path) -> None:
    make_store(path, 2)

    def fn(raw: Raw) -> None:
        obj = decode(raw.get("blocks", hk(1)))
        # Swap two transactions and fix the header + everything above it would be a full
        # forgery; here only the tx index is rewired, so the body no longer matches receipts.
        objs = decode(raw.get("receipts", hk(1)))
        assert len(obj["txs"]) == len(objs)
        raw.delete("tx_index", objs[0]["tx_hash"])
        objs[0]["tx_hash"] = b"\x07" * 32
        raw.put("tx_index", b"\x07" * 32, hk(1) + (0).to_bytes(4, "big"))
        raw.put("receipts", hk(1), encode(objs))

    tamper(path, fn)
    assert_refused(path, r"^block 1: receipts do not match", check="quick")


def test_detects_garbage_file(path: Path) -> None:
    make_store(path, 2)
    data = path / "chain.lmdb" / "data.mdb"
    data.write_bytes(b"\x00garbage" * 4096)
    err = assert_refused(path, r"chain\.lmdb")
    assert "chain.lmdb" in err.detail["path"]


def test_detects_damaged_page_in_full_check(path: Path) -> None:
    make_store(path, 3)
    with Store.open(path, sha256, check="none") as store:
        used = store.size_bytes()  # the file is sparse: its apparent size is the map size
    data = path / "chain.lmdb" / "data.mdb"
    page = 4096
    assert used >= 4 * page
    # Smash the header of every page after the two meta pages: the structural verifier must
    # refuse before liblmdb ever maps the file.
    with data.open("r+b") as f:
        for off in range(2 * page, used, page):
            f.seek(off)
            f.write(b"\xee" * 16)
    err = assert_refused(path, r"data\.mdb: LMDB structure", check="full")
    assert err.detail["problems"]


def test_wrong_hash_function_is_refused_not_reported_corrupt(path: Path) -> None:
    make_store(path, 1)

    def sm3(data: bytes) -> bytes:
        return hashlib.new("sm3", data).digest()

    with pytest.raises(StoreError, match="different hash function") as info:
        Store.open(path, sm3)
    assert not isinstance(info.value, StoreCorrupted)


def test_readonly(path: Path) -> None:
    with pytest.raises(NotFound, match="no store"):
        Store.open(path, sha256, readonly=True)
    _, batches = make_store(path, 2)
    with Store.open(path, sha256, readonly=True, check="full") as store:
        assert store.get_block(1) == batches[1].block


def test_bad_check_mode(path: Path) -> None:
    with pytest.raises(ValueError, match="check must be"):
        Store.open(path, sha256, check="paranoid")


def test_default_node_hasher_follows_the_state_rules() -> None:
    state = {b"a": b"1", b"b": b"2", b"c": b"3"}
    root, nodes = build_tree(sha256, state)
    assert root in nodes
    for node_hash, raw in nodes.items():
        assert compute_state_node_hash(sha256, raw) == node_hash
    with pytest.raises(StoreCorrupted):
        compute_state_node_hash(sha256, b"\x01\x02")


def test_custom_node_hasher(path: Path) -> None:
    """With a custom node hasher the full check trusts it for addresses and skips the walk."""
    chain = Chain()
    batch = chain.next_batch()
    fake_nodes = {sha256(b"n%d" % i): b"n%d" % i for i in range(3)}
    root = next(iter(fake_nodes))
    batch = chain.next_batch(new_nodes=fake_nodes, state_root=root)
    with Store.open(path, sha256, node_hasher=sha256) as store:
        store.commit(batch)
    Store.open(path, sha256, node_hasher=sha256, check="full").close()
    tamper(path, lambda raw: raw.put("nodes", root, b"other"))
    with pytest.raises(StoreCorrupted, match=f"nodes: node {root.hex()} hashes to"):
        Store.open(path, sha256, node_hasher=sha256, check="full")


def test_full_check_accepts_what_the_state_tree_writes(path: Path) -> None:
    """The store as the StateTree's node reader; the full check agrees with wuyi.state."""
    import random

    from wuyi.state import StateTree

    rng = random.Random(7)
    chain = Chain()
    with Store.open(path, sha256) as store:
        tree = StateTree(sha256, store)
        root = EMPTY_ROOT
        for n in range(20):
            changes: dict[bytes, bytes | None] = {
                b"k%d" % rng.randrange(40): rng.randbytes(rng.randrange(1, 40)) for _ in range(6)
            }
            if n % 3 == 2:
                changes[b"k%d" % rng.randrange(40)] = None
            root, nodes = tree.apply(root, changes)
            batch = chain.next_batch(state_changes=changes, new_nodes=nodes, state_root=root)
            store.commit(batch)
            chain.accept(batch)
            assert tree.get(root, b"k1") == store.get(b"k1")
    Store.open(path, sha256, check="full").close()


# -- memory and disk --------------------------------------------------------------------------


def test_writable_store_writes_through_the_map(path: Path) -> None:
    with Store.open(path, sha256) as store:
        assert store._env.flags()["writemap"] is True
        Chain().commit(store, 3)
        used = store.size_bytes()
    # the size reported is the pages in use, not the sparse file's apparent size (map_size)
    assert 4 * 4096 <= used < 1 << 20
    assert (path / "chain.lmdb" / "data.mdb").stat().st_size == DEFAULT_MAP_SIZE
    with Store.open(path, sha256, readonly=True) as ro:
        assert ro._env.flags()["writemap"] is False
        assert ro.size_bytes() == used


def test_a_large_block_leaves_no_page_buffers_behind(path: Path) -> None:
    """Without WRITEMAP liblmdb keeps a malloc'd copy of every page the largest write ever
    dirtied (its ``me_dpages`` list), for the life of the environment: the node's memory then
    ratchets up with each bigger block. The soak's memory goal depends on this."""
    if malloc_in_use() is None:
        pytest.skip("needs glibc's mallinfo2")
    rnd = random.Random(7)
    chain = Chain()
    with Store.open(path, sha256) as store:
        chain.commit(store, 1)
        # ~60,000 random keys: several thousand dirty pages (over 15 MiB) in one transaction
        entries = {rnd.randbytes(32): rnd.randbytes(200) for _ in range(60_000)}
        batch = chain.next_batch(index_entries=entries)
        gc.collect()
        before = malloc_in_use()
        store.commit(batch)
        gc.collect()
        after = malloc_in_use()
        assert before is not None and after is not None
        assert store.size_bytes() > 15 << 20
        assert after - before < 4 << 20, f"{(after - before) / 2**20:.1f} MiB kept after commit"


def test_commit_refused_cleanly_when_the_disk_is_nearly_full(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages are written through the map, where a full disk would mean SIGBUS: the store
    refuses the block first, with an error that says so, and writes nothing."""
    import os

    import wuyi.node.store as store_mod

    chain = Chain()
    with Store.open(path, sha256) as store:
        chain.commit(store, 2)
        real = os.statvfs(path)

        class Full:
            f_frsize = real.f_frsize
            f_bavail = (10 << 20) // real.f_frsize  # 10 MiB free, under the 64 MiB headroom

        monkeypatch.setattr(store_mod.os, "statvfs", lambda _p: Full())
        with pytest.raises(StoreError, match=r"disk is nearly full \(10\.0 MiB free") as info:
            store.commit(chain.next_batch())
        assert info.value.detail["free_bytes"] == 10 << 20
        assert store.height == 1
        monkeypatch.undo()
        store.commit(chain.next_batch())  # space again: the same block goes in
        assert store.height == 2


# -- the in-memory copy of recent world-state values (Store._hot) --------------------------------


def test_state_reads_agree_with_lmdb_at_every_snapshot_while_blocks_commit(path: Path) -> None:
    """Views at the newest snapshot read through the in-memory copy; a view opened before a
    commit keeps reading its own snapshot (LMDB), never a later block's values."""
    chain = Chain()
    keys = [b"counter", *(b"acct/%d" % i for i in range(12)), b"never"]
    with Store.open(path, sha256) as store:
        chain.commit(store, 1)
        for _ in range(10):
            with store.snapshot() as old:
                before = {k: old.get(k) for k in keys}  # fills the copy for this snapshot
                expected_before = {k: chain.state.get(k) for k in keys}
                assert before == expected_before
                chain.commit(store, 1)  # changes counter, adds one account, deletes one
                # The old view still sees its snapshot, twice (once more after the copy moved).
                assert {k: old.get(k) for k in keys} == expected_before
            with store.snapshot() as new:
                assert {k: new.get(k) for k in keys} == {k: chain.state.get(k) for k in keys}
                assert {k: new.get(k) for k in keys} == {k: chain.state.get(k) for k in keys}
        # A block written by another writer (a tool on the same files) is seen too.
        with store._env.begin(write=True) as txn:
            txn.put(b"counter", b"written elsewhere", db=store._dbs[b"state"])
        with store.snapshot() as view:
            assert view.get(b"counter") == b"written elsewhere"


def test_the_state_copy_is_bounded(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wuyi.node.store as store_mod

    monkeypatch.setattr(store_mod, "HOT_STATE_MAX", 4)
    chain = Chain()
    with Store.open(path, sha256) as store:
        chain.commit(store, 3)
        with store.snapshot() as view:
            for i in range(20):
                view.get(b"absent/%d" % i)
            assert len(store._hot[1]) <= 4
            assert view.get(b"counter") == chain.state[b"counter"]  # read from LMDB
        chain.commit(store, 1)
        assert len(store._hot[1]) <= 4
        with store.snapshot() as view:
            assert view.get(b"counter") == chain.state[b"counter"]


def test_the_state_copy_holds_what_is_read_not_every_key_written(path: Path) -> None:
    chain = Chain()
    with Store.open(path, sha256) as store:
        chain.commit(store, 2)
        with store.snapshot() as view:
            view.get(b"counter")
        for _ in range(5):
            chain.commit(store, 1)  # each block writes a new account key and the counter
        hot_id, hot = store._hot
        assert set(hot) == {b"counter"}  # kept up to date, new accounts not added
        assert hot[b"counter"] == chain.state[b"counter"]
        with store.snapshot() as view:
            assert view._txn_id == hot_id
            assert view.get(b"counter") == chain.state[b"counter"]
