"""SIGKILL a process that commits blocks as fast as it can; the store must come back at (or
after) the last acknowledged height, contiguous, with every acknowledged block intact.

The child (``python test_store_crash.py <dir>``) prints ``<height> <block hash hex>`` after each
``Store.commit`` returns; a printed line is an acknowledgement. The parent kills it at seeded
random moments and reopens the store with the full integrity check each time.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

SEED = 20240611
KILLS = 5
TIME_BUDGET_S = 30.0


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# -- the child: commit forever --------------------------------------------------------------------


def _build_tree(state: dict[bytes, bytes]) -> tuple[bytes, dict[bytes, bytes]]:
    from wuyi.state._nodes import (
        EMPTY_ROOT,
        compute_internal_hash,
        compute_leaf_hash,
        encode_internal,
        encode_leaf,
        get_bit,
    )

    nodes: dict[bytes, bytes] = {}

    def rec(items: list[tuple[bytes, bytes, bytes]], depth: int) -> bytes:
        if not items:
            return EMPTY_ROOT
        if len(items) == 1:
            kh, key, value = items[0]
            node_hash = compute_leaf_hash(sha256, kh, sha256(value))
            nodes[node_hash] = encode_leaf(key, value)
            return node_hash
        left = rec([i for i in items if get_bit(i[0], depth) == 0], depth + 1)
        right = rec([i for i in items if get_bit(i[0], depth) == 1], depth + 1)
        node_hash = compute_internal_hash(sha256, left, right)
        nodes[node_hash] = encode_internal(left, right)
        return node_hash

    return rec([(sha256(k), k, v) for k, v in state.items()], 0), nodes


def run_child(directory: str) -> None:
    from wuyi.consensus.certificate import QuorumCertificate
    from wuyi.ledger.merkle import compute_root
    from wuyi.ledger.types import ZERO_HASH, Block, BlockHeader, Receipt, Transaction
    from wuyi.node.store import CommitBatch, Store

    with Store.open(directory, sha256, check="none") as store:
        state = dict(store.iter_prefix(b""))
        prev_hash = store.last_block_hash or ZERO_HASH
        height = store.height + 1
        out = sys.stdout
        while True:
            txs = [
                Transaction(
                    "crash", b"S" * 32, height * 100 + i, 10**9, "put", {"i": i}, b"\x01" * 64
                )
                for i in range(20)
            ]
            tx_bytes = tuple(t.to_bytes() for t in txs)
            tx_hashes = [sha256(t.signing_bytes()) for t in txs]
            receipts = [Receipt(th, "ok") for th in tx_hashes]
            changes: dict[bytes, bytes | None] = {
                b"k%02d" % ((height * 7 + j) % 48): b"h%d/%d" % (height, j) for j in range(8)
            }
            if height % 5 == 0:
                changes[b"k%02d" % (height % 48)] = None
            for k, v in changes.items():
                if v is None:
                    state.pop(k, None)
                else:
                    state[k] = v
            root, nodes = _build_tree(state)
            header = BlockHeader(
                "crash",
                height,
                prev_hash,
                height,
                b"P" * 32,
                len(txs),
                compute_root(sha256, tx_bytes),
                root,
                compute_root(sha256, [r.to_bytes() for r in receipts]),
                b"V" * 32,
                b"V" * 32,
            )
            block_hash = sha256(header.hashing_bytes())
            qc = QuorumCertificate(height, 0, block_hash, ((0, b"\x02" * 64),))
            store.commit(
                CommitBatch(
                    block=Block(header, tx_bytes, qc),
                    block_hash=block_hash,
                    receipts=receipts,
                    tx_hashes=tx_hashes,
                    state_changes=changes,
                    new_nodes=nodes,
                    state_root=root,
                    index_entries={b"h/%08d" % height: block_hash},
                )
            )
            out.write(f"{height} {block_hash.hex()}\n")  # the acknowledgement
            out.flush()
            prev_hash = block_hash
            height += 1


# -- the parent: kill, reopen, compare -------------------------------------------------------------


def _spawn(directory: Path) -> tuple[subprocess.Popen[bytes], list[bytes], threading.Thread]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(
        [sys.executable, __file__, str(directory)], stdout=subprocess.PIPE, env=env
    )
    lines: list[bytes] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)

    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    return proc, lines, pumper


@pytest.mark.integration
def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path: Path) -> None:
    from wuyi.node.store import Store

    rng = random.Random(SEED)
    directory = tmp_path / "node"
    acked: dict[int, str] = {}
    started = time.monotonic()
    for kill in range(KILLS):
        proc, lines, pumper = _spawn(directory)
        before = len(acked)
        # Wait until it commits at least once, then let it run a random while.
        deadline = time.monotonic() + 10
        while not lines and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, f"child died on its own (kill {kill}, seed {SEED})"
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        pumper.join(timeout=5)  # the pipe reaches EOF once the child is gone
        assert proc.stdout is not None
        proc.stdout.close()
        for line in lines:
            if line.endswith(b"\n"):
                height_text, hash_hex = line.decode().split()
                acked[int(height_text)] = hash_hex
        assert len(acked) > before, f"no acknowledgement before kill {kill} (seed {SEED})"
        last_acked = max(acked)

        with Store.open(directory, sha256, check="full") as store:
            height = store.height
            assert height >= last_acked, (
                f"kill {kill} (seed {SEED}): store at {height}, acknowledged {last_acked}"
            )
            for h, hx in acked.items():
                assert store.get_block_hash(h).hex() == hx, f"block {h} changed (seed {SEED})"
            assert [h for h, _ in enumerate(store.iter_index(b"h/"))] == list(range(height + 1))
            # Blocks committed but not yet acknowledged when the kill hit are kept as well.
            for h in range(last_acked + 1, height + 1):
                acked[h] = store.get_block_hash(h).hex()
            print(f"kill {kill}: acknowledged {last_acked}, reopened at {height}")
        assert time.monotonic() - started < TIME_BUDGET_S


if __name__ == "__main__":
    run_child(sys.argv[1])
