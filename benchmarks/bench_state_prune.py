"""Store size with and without state pruning, over many blocks of small writes.

Two stores get the same blocks: each block writes ``--writes`` random keys of a key space of
``--keys`` (small values, some deletes), builds the state tree with ``StateTree.apply`` over
the store (as a node does) and commits with ``Store.commit`` (one durable transaction). One
store prunes state versions older than ``--retention`` heights (``StatePruning``), the other
keeps every version. Printed every ``--every`` blocks: the store's bytes in use
(``Store.size_bytes``), the state-tree node count, and the median commit time since the last
line. Stops after ``--blocks`` or ``--max-seconds``, whichever comes first.

    .venv/bin/python -m benchmarks.bench_state_prune [--blocks 20000] [--retention 1000] \
        [--dir /dev/shm]

``--dir`` is where the two stores go (a temporary directory under it, removed at the end); on
tmpfs the fsyncs cost nothing and the run measures the store's own work and size.

Numbers go into docs/state-sync.md ("State pruning").
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from pathlib import Path

from wuyi.consensus.certificate import QuorumCertificate
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.types import ZERO_HASH, Block, BlockHeader, Receipt, Transaction
from wuyi.node.store import (
    DB_NODE_REFS,
    DB_NODE_ZERO,
    DB_NODES,
    CommitBatch,
    StatePruning,
    Store,
)
from wuyi.state import StateTree


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def make_block(
    height: int, prev: bytes, root: bytes, changes: dict[bytes, bytes | None], nodes: dict
) -> tuple[CommitBatch, bytes]:
    t = Transaction("bench", b"S" * 32, height, 10**6, "put", {}, b"\x01" * 64)
    tx, th = t.to_bytes(), sha256(t.signing_bytes())
    receipt = Receipt(th, "ok", gas_used=1)
    header = BlockHeader(
        chain_id="bench",
        height=height,
        prev_hash=prev,
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
    batch = CommitBatch(
        block=Block(header, (tx,), qc),
        block_hash=block_hash,
        receipts=[receipt],
        tx_hashes=[th],
        state_changes=changes,
        new_nodes=nodes,
        state_root=root,
    )
    return batch, block_hash


def node_count(store: Store) -> int:
    with store.snapshot() as v:
        return int(v._txn.stat(store._dbs[DB_NODES])["entries"])


def tree_mib(store: Store) -> float:
    """Pages of the state tree's databases (nodes and, when pruning, their counts)."""
    pages = 0
    with store.snapshot() as v:
        for name in (DB_NODES, DB_NODE_REFS, DB_NODE_ZERO):
            st = v._txn.stat(store._dbs[name])
            pages += st["branch_pages"] + st["leaf_pages"] + st["overflow_pages"]
            psize = st["psize"]
    return pages * psize / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--blocks", type=int, default=20_000)
    ap.add_argument("--keys", type=int, default=5_000)
    ap.add_argument("--writes", type=int, default=8)
    ap.add_argument("--retention", type=int, default=1_000)
    ap.add_argument("--every", type=int, default=2_000)
    ap.add_argument("--max-seconds", type=float, default=170.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default=None, help="parent of the temporary stores")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    keys = [b"acct/%06d" % i for i in range(args.keys)]
    with tempfile.TemporaryDirectory(prefix="wuyi-prune-bench-", dir=args.dir) as tmp:
        stores = {
            "pruned": Store.open(Path(tmp) / "pruned", sha256, check="none"),
            "full": Store.open(Path(tmp) / "full", sha256, check="none"),
        }
        stores["pruned"].configure_state_pruning(StatePruning(args.retention))
        tree = StateTree(sha256, stores["pruned"])  # both trees are equal; read the pruned one
        root, prev = bytes(32), ZERO_HASH
        times: dict[str, list[float]] = {name: [] for name in stores}
        print(
            f"{args.keys} keys, {args.writes} writes per block, retention {args.retention};"
            " size = Store.size_bytes (MiB; blocks, headers and receipts included), tree ="
            " pages of the tree's dbs (MiB), nodes = state-tree nodes, commit = median ms"
        )
        print(f"{'height':>7} | {'pruned size':>11} {'tree':>6} {'nodes':>8} {'commit':>6} | "
              f"{'full size':>9} {'tree':>6} {'nodes':>8} {'commit':>6}")  # fmt: skip
        start = time.monotonic()
        height = 0
        while height < args.blocks and time.monotonic() - start < args.max_seconds:
            changes: dict[bytes, bytes | None] = {}
            for _ in range(args.writes if height else 0):
                k = rng.choice(keys)
                changes[k] = None if rng.random() < 0.1 else b"%d" % rng.randrange(10**9)
            root, nodes = tree.apply(root, changes)
            batch, prev = make_block(height, prev, root, changes, nodes)
            for name, store in stores.items():
                t0 = time.perf_counter()
                store.commit(batch)
                times[name].append(time.perf_counter() - t0)
            height += 1
            if height % args.every == 0 or height == args.blocks:
                cols = []
                for name, store in stores.items():
                    cols.append(
                        f"{store.size_bytes() / 2**20:>9.1f} {tree_mib(store):>6.1f}"
                        f" {node_count(store):>8}"
                        f" {statistics.median(times[name]) * 1000:>6.2f}"
                    )
                    times[name] = []
                print(f"{height:>7} | {cols[0]:>27} | {cols[1]}", flush=True)
        print(f"{height} blocks in {time.monotonic() - start:.0f} s")
        for store in stores.values():
            store.close()


if __name__ == "__main__":
    main()
