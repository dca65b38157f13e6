"""Benchmark the state tree: ``python -m benchmarks.bench_state --keys 1000000 [--lmdb]``.

For each hash (SHA-256, SM3): build a tree of ``--keys`` keys in batches into an in-memory node
dict, then time blocks of ``--block`` changes (90% updates, 5% inserts, 5% deletes) including
root recomputation, then proofs (size in canonical CBOR, prove and verify time) for present and
absent keys. With ``--lmdb`` the nodes are also copied into an LMDB environment under /tmp and
the blocks are re-run reading through it (and writing the new nodes in one transaction per
block). Prints one JSON summary. This is a script, not a test; the clock is read only here.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from wuyi.state import EMPTY_ROOT, MemoryNodeStore, StateTree, verify_proof

Hasher = Callable[[bytes], bytes]


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


_SM3 = hashlib.new("sm3")


def sm3(data: bytes) -> bytes:
    # Copying a fresh context is ~2x faster than hashlib.new("sm3", data) per call.
    h = _SM3.copy()
    h.update(data)
    return h.digest()


HASHERS: dict[str, Hasher] = {"sha256": sha256, "sm3": sm3}

ABSENT_BASE = 10**12  # indices from here on are never inserted


def key_of(i: int) -> bytes:
    return b"acct/" + i.to_bytes(8, "big")


def value_of(i: int, version: int) -> bytes:
    return (i * 1_000_003 + version).to_bytes(8, "big") * 5  # 40 bytes


class Counting:
    """Wrap a hasher to count calls (used only for the hashes-per-key figure)."""

    def __init__(self, h: Hasher) -> None:
        self.h = h
        self.calls = 0

    def __call__(self, data: bytes) -> bytes:
        self.calls += 1
        return self.h(data)


def block_changes(n_keys: int, block: int, size: int) -> dict[bytes, bytes | None]:
    """Deterministic block: distinct existing keys (stride coprime to n), a few new keys."""
    n_new = size // 20
    n_del = size // 20
    n_upd = size - n_new - n_del
    stride = 999_983 if n_keys % 999_983 else 7
    start = (block * 7_919_777) % n_keys
    existing = [(start + j * stride) % n_keys for j in range(n_upd + n_del)]
    changes: dict[bytes, bytes | None] = {}
    for i in existing[:n_upd]:
        changes[key_of(i)] = value_of(i, block + 1)
    for i in existing[n_upd:]:
        changes[key_of(i)] = None
    for j in range(n_new):
        i = n_keys + block * n_new + j
        changes[key_of(i)] = value_of(i, 0)
    return changes


def timed_blocks(
    tree: StateTree,
    root: bytes,
    n_keys: int,
    blocks: range,
    size: int,
    persist: Callable[[dict[bytes, bytes]], None],
) -> tuple[bytes, list[float], list[float], list[int]]:
    apply_us: list[float] = []
    persist_us: list[float] = []
    new_nodes: list[int] = []
    for b in blocks:
        changes = block_changes(n_keys, b, size)
        t0 = time.perf_counter()
        root, nodes = tree.apply(root, changes)
        t1 = time.perf_counter()
        persist(nodes)
        t2 = time.perf_counter()
        apply_us.append((t1 - t0) * 1e6 / len(changes))
        persist_us.append((t2 - t1) * 1e6 / len(changes))
        new_nodes.append(len(nodes))
    return root, apply_us, persist_us, new_nodes


def summary(xs: list[float]) -> dict[str, float]:
    return {
        "mean": round(statistics.fmean(xs), 2),
        "median": round(statistics.median(xs), 2),
        "max": round(max(xs), 2),
    }


def bench_hash(
    name: str, n_keys: int, batch: int, blocks: int, size: int, lmdb_dir: str | None
) -> dict[str, Any]:
    h = HASHERS[name]
    store = MemoryNodeStore()
    tree = StateTree(h, store)
    out: dict[str, Any] = {}

    # 1. Build.
    root = EMPTY_ROOT
    t0 = time.perf_counter()
    for start in range(0, n_keys, batch):
        changes: dict[bytes, bytes | None] = {
            key_of(i): value_of(i, 0) for i in range(start, min(n_keys, start + batch))
        }
        root, nodes = tree.apply(root, changes)
        store.put_nodes(nodes)
    build_s = time.perf_counter() - t0
    gc.collect()
    gc.freeze()
    out["build"] = {
        "seconds": round(build_s, 1),
        "us_per_key": round(build_s * 1e6 / n_keys, 1),
        "batch": batch,
        "nodes_stored": len(store),
        "node_bytes": sum(map(len, store.nodes.values())),
    }

    # 2. Blocks of `size` changes with root recomputation, in-memory nodes.
    root, apply_us, persist_us, new_nodes = timed_blocks(
        tree, root, n_keys, range(blocks), size, store.put_nodes
    )
    counting = Counting(h)
    changes = block_changes(n_keys, 10 * blocks, size)
    StateTree(counting, store).apply(root, changes)
    out["block_update_memory"] = {
        "changes_per_block": size,
        "blocks": blocks,
        "us_per_key": summary(apply_us),
        "persist_us_per_key": summary(persist_us),
        "new_nodes_per_block": round(statistics.fmean(new_nodes), 1),
        "hashes_per_key": round(counting.calls / len(changes), 2),
    }

    # 3. Proofs for present and absent keys.
    probes = [key_of((j * 7_919) % n_keys) for j in range(1000)]
    probes += [key_of(ABSENT_BASE + j) for j in range(1000)]
    stats: dict[str, dict[str, list[float]]] = {
        kind: {"bytes": [], "siblings": [], "prove_us": [], "verify_us": [], "get_us": []}
        for kind in ("present", "absent")
    }
    for key in probes:
        t0 = time.perf_counter()
        value = tree.get(root, key)
        t1 = time.perf_counter()
        proof = tree.prove(root, key)
        t2 = time.perf_counter()
        data = proof.to_bytes()
        verify_proof(h, root, key, value, proof)
        t3 = time.perf_counter()
        s = stats["absent" if value is None else "present"]
        s["bytes"].append(len(data))
        s["siblings"].append(len(proof.siblings))
        s["get_us"].append((t1 - t0) * 1e6)
        s["prove_us"].append((t2 - t1) * 1e6)
        s["verify_us"].append((t3 - t2) * 1e6)
    out["proofs"] = {
        kind: {metric: summary(xs) for metric, xs in s.items()} | {"count": len(s["bytes"])}
        for kind, s in stats.items()
    }

    # 4. Cost of one hash call (65-byte internal input, 529-byte 16-ary node input) to
    #    estimate the alternatives' hashing cost from measured numbers.
    x65, x529 = b"\x01" * 65, b"\x01" * 529
    reps = 200_000
    t0 = time.perf_counter()
    for _ in range(reps):
        h(x65)
    t1 = time.perf_counter()
    for _ in range(reps // 4):
        h(x529)
    t2 = time.perf_counter()
    out["hash_call_us"] = {
        "65B": round((t1 - t0) * 1e6 / reps, 3),
        "529B": round((t2 - t1) * 4e6 / reps, 3),
    }

    # 5. Optional: the same blocks read through LMDB (nodes copied first).
    if lmdb_dir is not None:
        out["block_update_lmdb"] = bench_lmdb(h, store, root, n_keys, blocks, size, lmdb_dir)
    out["root"] = root.hex()
    gc.unfreeze()
    return out


def bench_lmdb(
    h: Hasher,
    store: MemoryNodeStore,
    root: bytes,
    n_keys: int,
    blocks: int,
    size: int,
    lmdb_dir: str,
) -> dict[str, Any]:
    import lmdb

    path = tempfile.mkdtemp(prefix="wuyi-bench-state-", dir=lmdb_dir)
    try:
        env = lmdb.open(path, map_size=16 << 30, sync=False, metasync=False, writemap=True)
        t0 = time.perf_counter()
        with env.begin(write=True) as txn:
            for k in sorted(store.nodes):
                txn.put(k, store.nodes[k], append=True)
        load_s = time.perf_counter() - t0

        class Reader:
            def __init__(self) -> None:
                self.txn = env.begin()

            def get_node(self, node_hash: bytes) -> bytes | None:
                got = self.txn.get(node_hash)
                return None if got is None else bytes(got)

        reader = Reader()
        tree = StateTree(h, reader)

        def persist(nodes: dict[bytes, bytes]) -> None:
            with env.begin(write=True) as txn:
                for k in sorted(nodes):
                    txn.put(k, nodes[k])
            reader.txn.abort()
            reader.txn = env.begin()

        # Fresh blocks (other block numbers than the in-memory run) on top of `root`.
        _, apply_us, persist_us, _ = timed_blocks(
            tree, root, n_keys, range(blocks, 2 * blocks), size, persist
        )
        reader.txn.abort()
        env.close()
        return {
            "load_seconds": round(load_s, 1),
            "us_per_key": summary(apply_us),
            "persist_us_per_key": summary(persist_us),
        }
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keys", type=int, default=1_000_000)
    p.add_argument("--batch", type=int, default=50_000, help="keys per build batch")
    p.add_argument("--block", type=int, default=1000, help="changes per timed block")
    p.add_argument("--blocks", type=int, default=20)
    p.add_argument("--hash", choices=[*HASHERS, "both"], default="both")
    p.add_argument("--lmdb", action="store_true", help="also run blocks through LMDB in /tmp")
    args = p.parse_args(argv)
    names = list(HASHERS) if args.hash == "both" else [args.hash]
    result: dict[str, Any] = {
        "keys": args.keys,
        "python": sys.version.split()[0],
        "results": {},
    }
    for name in names:
        result["results"][name] = bench_hash(
            name, args.keys, args.batch, args.blocks, args.block, "/tmp" if args.lmdb else None
        )
        gc.collect()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
