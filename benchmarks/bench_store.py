"""LMDB (the Store) against SQLite WAL for one realistic block commit, plus integrity-check costs.

A commit: one block of 1000 transactions of ~300 bytes (with receipts and the tx index),
3000 flat state writes and 3000 new state-tree nodes, all in one durable transaction.

    .venv/bin/python -m benchmarks.bench_store [--blocks 30] [--headers 100000]

Numbers go into docs/store.md. Both engines fsync on every commit (LMDB default flags;
SQLite ``journal_mode=WAL, synchronous=FULL``); ``synchronous=NORMAL`` is shown for reference
(it may lose the last commits on power loss, so the node cannot use it).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import lmdb

from wuyi.consensus.certificate import QuorumCertificate
from wuyi.encoding import encode
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.types import ZERO_HASH, Block, BlockHeader, Receipt, Transaction
from wuyi.node.store import CommitBatch, Store

N_TX = 1000
N_STATE = 3000
N_NODES = 3000


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def make_batch(rng: random.Random, height: int, prev_hash: bytes, n_tx: int = N_TX) -> CommitBatch:
    txs = [
        Transaction(
            "bench",
            rng.randbytes(32),
            rng.getrandbits(63),
            10**9,
            "transfer",
            {"to": rng.randbytes(32), "memo": rng.randbytes(80)},
            rng.randbytes(64),
        )
        for _ in range(n_tx)
    ]
    tx_bytes = tuple(t.to_bytes() for t in txs)
    tx_hashes = [sha256(t.signing_bytes()) for t in txs]
    receipts = [Receipt(th, "ok", gas_used=21000) for th in tx_hashes]
    n_state = N_STATE if n_tx else 0
    state = {b"acct/" + rng.randbytes(27): rng.randbytes(100) for _ in range(n_state)}
    nodes = {}
    for _ in range(N_NODES if n_tx else 0):
        raw = rng.randbytes(70)
        nodes[sha256(raw)] = raw
    root = next(iter(nodes), bytes(32))  # bytes(32): the empty tree, which has no node
    header = BlockHeader(
        "bench",
        height,
        prev_hash,
        height,
        b"P" * 32,
        n_tx,
        compute_root(sha256, tx_bytes),
        root,
        compute_root(sha256, [r.to_bytes() for r in receipts]),
        b"V" * 32,
        b"V" * 32,
    )
    block_hash = sha256(header.hashing_bytes())
    qc = QuorumCertificate(height, 0, block_hash, tuple((i, rng.randbytes(64)) for i in range(3)))
    return CommitBatch(
        block=Block(header, tx_bytes, qc),
        block_hash=block_hash,
        receipts=receipts,
        tx_hashes=tx_hashes,
        state_changes=state,
        new_nodes=nodes,
        state_root=root,
        index_entries={t.sender + th[:8]: th for t, th in zip(txs, tx_hashes, strict=True)},
    )


def make_chain(blocks: int, n_tx: int, seed: int = 1) -> list[CommitBatch]:
    rng = random.Random(seed)
    out, prev = [], ZERO_HASH
    for h in range(blocks):
        b = make_batch(rng, h, prev, n_tx)
        out.append(b)
        prev = b.block_hash
    return out


def ms(samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return f"median {statistics.median(s) * 1e3:7.1f} ms   p95 {p95 * 1e3:7.1f} ms"


def bench_lmdb(chain: list[CommitBatch], d: Path) -> tuple[list[float], float, Store]:
    store = Store.open(d, sha256, check="none", node_hasher=sha256)
    times = []
    for b in chain:
        t = time.perf_counter()
        store.commit(b)
        times.append(time.perf_counter() - t)
    keys = [k for b in chain for k in b.state_changes]
    random.Random(2).shuffle(keys)
    t = time.perf_counter()
    with store.snapshot() as v:
        for k in keys[:20000]:
            v.get(k)
    read = (time.perf_counter() - t) / min(20000, len(keys))
    return times, read, store


SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE blocks(height INTEGER PRIMARY KEY, body BLOB);
CREATE TABLE headers(height INTEGER PRIMARY KEY, value BLOB);
CREATE TABLE block_index(hash BLOB PRIMARY KEY, height INTEGER) WITHOUT ROWID;
CREATE TABLE receipts(height INTEGER PRIMARY KEY, value BLOB);
CREATE TABLE state_roots(height INTEGER PRIMARY KEY, root BLOB);
CREATE TABLE tx_index(hash BLOB PRIMARY KEY, loc BLOB) WITHOUT ROWID;
CREATE TABLE state(key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE nodes(hash BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE idx(key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID;
"""


def sqlite_commit(con: sqlite3.Connection, b: CommitBatch) -> None:
    """The same records the Store writes, encoded the same way, in one transaction."""
    h = b.block.height
    header_value = b.block_hash + encode(b.block.header.to_obj())
    block_value = b.block.to_bytes()
    receipts_value = encode([r.to_obj() for r in b.receipts])
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute("INSERT INTO blocks VALUES(?,?)", (h, block_value))
        con.execute("INSERT INTO headers VALUES(?,?)", (h, header_value))
        con.execute("INSERT INTO block_index VALUES(?,?)", (b.block_hash, h))
        con.execute("INSERT INTO receipts VALUES(?,?)", (h, receipts_value))
        con.execute("INSERT INTO state_roots VALUES(?,?)", (h, b.state_root))
        con.executemany(
            "INSERT INTO tx_index VALUES(?,?)",
            [(th, h.to_bytes(8, "big") + i.to_bytes(4, "big")) for i, th in enumerate(b.tx_hashes)],
        )
        con.executemany(
            "INSERT OR REPLACE INTO state VALUES(?,?)",
            [(k, v) for k, v in b.state_changes.items() if v is not None],
        )
        con.executemany("INSERT OR IGNORE INTO nodes VALUES(?,?)", list(b.new_nodes.items()))
        con.executemany("INSERT OR REPLACE INTO idx VALUES(?,?)", list(b.index_entries.items()))
        con.executemany(
            "INSERT OR REPLACE INTO meta VALUES(?,?)",
            [
                ("height", h.to_bytes(8, "big")),
                ("block_hash", b.block_hash),
                ("state_root", b.state_root),
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def bench_sqlite(chain: list[CommitBatch], d: Path, synchronous: str) -> tuple[list[float], float]:
    d.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(d / "chain.sqlite", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(f"PRAGMA synchronous={synchronous}")
    con.executescript(SCHEMA)
    times = []
    for b in chain:
        t = time.perf_counter()
        sqlite_commit(con, b)
        times.append(time.perf_counter() - t)
    keys = [k for b in chain for k in b.state_changes]
    random.Random(2).shuffle(keys)
    t = time.perf_counter()
    for k in keys[:20000]:
        con.execute("SELECT value FROM state WHERE key=?", (k,)).fetchone()
    read = (time.perf_counter() - t) / min(20000, len(keys))
    con.close()
    return times, read


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def open_and_close(d: Path, mode: str) -> None:
    Store.open(d, sha256, check=mode, node_hasher=sha256).close()


def bench_header_scan(n_headers: int, d: Path) -> None:
    """Build a chain of ``n_headers`` empty blocks (fsync off while building), then time the
    checks at open."""
    env_path = d / "chain.lmdb"
    env_path.mkdir(parents=True)
    env = lmdb.open(str(env_path), map_size=8 << 30, max_dbs=16, sync=False, metasync=False)
    store = Store._setup(env, env_path, sha256, sha256, readonly=False)
    rng = random.Random(3)
    prev = ZERO_HASH
    for h in range(n_headers):
        b = make_batch(rng, h, prev, n_tx=0)
        store.commit(b)
        prev = b.block_hash
    env.sync(True)
    store.close()
    size = os.path.getsize(env_path / "data.mdb")
    print(f"\n{n_headers} empty blocks ({size / 2**20:.0f} MiB):")
    for mode in ("quick", "full"):
        secs = timed(functools.partial(open_and_close, d, mode))
        print(f"  Store.open(check={mode!r}): {secs:6.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--blocks", type=int, default=30)
    ap.add_argument("--headers", type=int, default=100_000)
    args = ap.parse_args()
    chain = make_chain(args.blocks, N_TX)
    size = sum(len(t) for t in chain[0].block.txs) / N_TX
    print(
        f"{args.blocks} blocks x ({N_TX} txs of {size:.0f} B + {N_STATE} state writes"
        f" + {N_NODES} nodes), one durable transaction each\n"
    )
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        root = Path(tmp)
        lmdb_times, lmdb_read, store = bench_lmdb(chain, root / "lmdb")
        lmdb_size = store.size_bytes()
        store.close()
        print(
            f"LMDB  Store.commit          {ms(lmdb_times)}   point read"
            f" {lmdb_read * 1e6:5.1f} us   file {lmdb_size / 2**20:6.1f} MiB"
        )
        for sync in ("FULL", "NORMAL"):
            t, r = bench_sqlite(chain, root / f"sqlite-{sync}", sync)
            size = sum(f.stat().st_size for f in (root / f"sqlite-{sync}").iterdir())
            print(
                f"SQLite WAL synchronous={sync:<6} {ms(t)}   point read {r * 1e6:5.1f} us"
                f"   files {size / 2**20:6.1f} MiB"
            )
        from lmdb import verify as lmdb_verify

        secs = timed(lambda: lmdb_verify.verify(str(root / "lmdb" / "chain.lmdb")))
        print(f"\nintegrity at open, {args.blocks} full blocks:")
        print(f"  LMDB page verifier alone (part of 'full'): {secs:6.2f} s")
        for mode in ("quick", "full"):
            secs = timed(functools.partial(open_and_close, root / "lmdb", mode))
            print(f"  Store.open(check={mode!r}): {secs:6.2f} s")
        bench_header_scan(args.headers, root / "headers")


if __name__ == "__main__":
    main()
