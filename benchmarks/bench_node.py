"""Single-node throughput and commit latency: ``python -m benchmarks.bench_node``.

A real node (LMDB store on disk, mempool, verifier worker pool, block producer thread) runs in
this process; a load generator submits pre-signed ``evidence.anchor`` transactions in batches
through ``Node.submit_many`` — the same call the API's batch endpoint makes — either at a fixed
offered rate or keeping a fixed backlog (as Hyperledger Caliper's fixed-rate / fixed-backlog
controllers do). Latency is from the moment a transaction's batch is submitted to the moment
the block containing it is committed (the commit listener). Signing happens before the timed
window, in worker processes. Every loop is bounded in count and time.

Prints one JSON object. A script, not a test: only here is the clock read.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wuyi.crypto import get_suite
from wuyi.ledger.types import Block, Receipt, Transaction
from wuyi.node.node import Node
from wuyi.node.store import Store
from wuyi.node.verifier import VerifierPool
from wuyi.testing.factories import LedgerHarness

SMALLBANK_CUSTOMERS = 1000
SMALLBANK_MIX = (  # Blockbench's SmallBank mix, in twentieths
    ("amalgamate", 3),
    ("balance", 3),
    ("deposit_checking", 3),
    ("send_payment", 5),
    ("transact_savings", 3),
    ("write_check", 3),
)
_SB_METHODS = [m for m, n in SMALLBANK_MIX for _ in range(n)]
CALL_GAS = 200_000


def workload_tx(workload: str, suite: Any, i: int) -> tuple[str, dict[str, Any]]:
    """Kind and payload of the ``i``-th transaction of ``workload`` (deterministic)."""
    if workload == "anchor":
        return "evidence.anchor", {
            "doc_hash": suite.hash(b"bench-doc/" + i.to_bytes(8, "big")),
            "meta": {"title": "新会陈皮产地证明", "type": "certificate", "seq": i},
        }
    if workload == "transfer":
        args: dict[str, Any] = {"to": f"acct{i % 1000}", "amount": 1}
        return "contract.call", {
            "contract": "token",
            "method": "transfer",
            "args": args,
            "gas_limit": CALL_GAS,
        }
    method = _SB_METHODS[i % len(_SB_METHODS)]
    a = f"c{(i * 7919) % SMALLBANK_CUSTOMERS}"
    b = f"c{(i * 104729 + 1) % SMALLBANK_CUSTOMERS}"
    if a == b:
        b = f"c{(i * 104729 + 2) % SMALLBANK_CUSTOMERS}"
    by_method: dict[str, dict[str, Any]] = {
        "amalgamate": {"source": a, "dest": b},
        "balance": {"customer": a},
        "deposit_checking": {"customer": a, "amount": 5},
        "send_payment": {"source": a, "dest": b, "amount": 1},
        "transact_savings": {"customer": a, "amount": 3},
        "write_check": {"customer": a, "amount": 2},
    }
    args = by_method[method]
    return "contract.call", {
        "contract": "smallbank",
        "method": method,
        "args": args,
        "gas_limit": CALL_GAS,
    }


def _sign_range(args: tuple[str, str, bytes, int, int, str]) -> list[bytes]:
    suite_name, chain_id, seed, start, stop, workload = args
    suite = get_suite(suite_name)
    key = suite.private_key_from_bytes(seed)
    out = []
    for i in range(start, stop):
        kind, payload = workload_tx(workload, suite, i)
        body = Transaction(chain_id, key.public_key, i, 90_000, kind, payload)
        out.append(body.signed(key).to_bytes())
    return out


def presign(
    suite_name: str, chain_id: str, seed: bytes, n: int, workers: int, workload: str = "anchor"
) -> list[bytes]:
    step = max(1, n // (workers * 4))
    jobs = [(suite_name, chain_id, seed, i, min(n, i + step), workload) for i in range(0, n, step)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        parts = pool.map(_sign_range, jobs)
    return [t for p in parts for t in p]


def percentile(xs: Sequence[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def _commit_one(node: Node, raw: bytes) -> Receipt:
    res = node.submit_many([raw])
    assert isinstance(res[0], bytes), res[0]
    while node.produce_block() is not None:
        pass
    receipt = node.get_tx(res[0]).receipt
    assert receipt.ok, receipt
    return receipt


def setup_contract(node: Node, h: LedgerHarness, workload: str) -> None:
    """Deploy the workload's contract through governance (sjj proposes, zjj approves, the
    clerk commits, so a token's initial supply is the clerk's), then SmallBank's accounts."""
    from wuyi.contracts.examples import source

    name, example, init = {
        "transfer": ("token", "transfer", {"symbol": "WYT", "supply": 10**12}),
        "smallbank": ("smallbank", "smallbank", {}),
    }[workload]
    pkg = {"name": name, "version": "1.0.0", "source": source(example), "manifest": {}}
    args: dict[str, Any] = {"package": pkg}
    if init:
        args["init_args"] = init

    def tx(signer: str, nonce: int, kind: str, payload: dict[str, Any]) -> bytes:
        k = h.keys[signer]
        return (
            Transaction(h.chain_id, k.public_key, nonce, 90_000, kind, payload).signed(k).to_bytes()
        )

    r = _commit_one(
        node,
        tx(
            "operator",
            10**12,
            "gov.propose",
            {"action": {"type": "contract.deploy", "args": args}, "title": name},
        ),
    )
    pid = next(e.attrs["id"] for e in r.events if e.type == "gov.proposed")
    _commit_one(node, tx("zjj", 10**12 + 1, "gov.vote", {"id": pid, "choice": "yes"}))
    _commit_one(node, tx("clerk", 10**12 + 2, "gov.execute", {"id": pid}))
    if workload == "smallbank":
        accounts = [
            tx(
                "clerk",
                10**12 + 10 + c,
                "contract.call",
                {
                    "contract": "smallbank",
                    "method": "create_account",
                    "args": {"customer": f"c{c}", "checking": 10**9, "savings": 10**9},
                    "gas_limit": CALL_GAS,
                },
            )
            for c in range(SMALLBANK_CUSTOMERS)
        ]
        res = node.submit_many(accounts)
        assert all(isinstance(x, bytes) for x in res), res[:3]
        while node.produce_block() is not None:
            pass


def run(
    suite_name: str,
    duration: float,
    rate: int,
    backlog: int,
    batch: int,
    workers: int | None,
    workload: str = "anchor",
) -> dict[str, Any]:
    h = LedgerHarness(suite_name=suite_name, chain_id="bench-chain")
    suite = h.suite
    tmp = Path(tempfile.mkdtemp(prefix="wuyi-bench-"))
    clerk = h.new_key("clerk")
    seed = suite.hash(f"{h.seed}/clerk".encode())
    # Offered load bounds how many transactions we need; cap it to keep memory bounded.
    expected = int((rate or 6000 if suite_name == "intl" else rate or 2500) * duration * 1.1)
    n = min(expected, 600_000)
    t0 = time.perf_counter()
    txs = presign(suite_name, h.chain_id, seed, n, max(1, os.cpu_count() or 2), workload)
    sign_s = time.perf_counter() - t0

    store = Store.open(tmp, suite.hash)
    node = Node(
        h.genesis,
        store,
        validator_key=h.keys["validator"],
        verifier=VerifierPool(h.chain_id, suite_name, workers),
    )
    reg = Transaction(
        h.chain_id,
        h.keys["zjj"].public_key,
        1,
        100,
        "member.add",
        {"org": "zjj", "public_key": clerk.public_key, "roles": ["client"]},
    ).signed(h.keys["zjj"])
    node.submit(reg.to_bytes())
    node.produce_block()
    if workload != "anchor":
        setup_contract(node, h, workload)

    submitted_at: dict[bytes, float] = {}
    latencies: list[float] = []
    committed_in_window = 0
    failed = 0
    window_end = [float("inf")]

    def on_commit(block: Block, receipts: list[Receipt]) -> None:
        nonlocal committed_in_window, failed
        now = time.perf_counter()
        for r in receipts:
            t = submitted_at.pop(r.tx_hash, None)
            if t is not None and now <= window_end[0]:
                latencies.append(now - t)
                committed_in_window += 1
                if not r.ok:
                    failed += 1

    node.add_listener(on_commit)
    stop = threading.Event()

    def producer() -> None:
        while not stop.is_set():
            if node.produce_block() is None:
                node.wait_for_work(0.05)

    th = threading.Thread(target=producer, daemon=True)
    th.start()
    hashes = [suite.hash(Transaction.from_bytes(t, checked=True).signing_bytes()) for t in txs]
    rejected = 0
    start = time.perf_counter()
    window_end[0] = start + duration
    i = 0
    while i < len(txs) and time.perf_counter() < window_end[0]:
        now = time.perf_counter()
        if rate:
            due = int((now - start) * rate)
            if i >= due:
                time.sleep(min(0.005, (i - due + 1) / rate))
                continue
            k = min(batch, due - i, len(txs) - i)
        else:
            if len(node.mempool) >= backlog:
                time.sleep(0.002)
                continue
            k = min(batch, backlog - len(node.mempool), len(txs) - i)
        chunk = txs[i : i + k]
        t = time.perf_counter()
        for hsh in hashes[i : i + k]:
            submitted_at[hsh] = t
        res = node.submit_many(chunk)
        rejected += sum(1 for r in res if not isinstance(r, bytes))
        i += k
    exhausted = i >= len(txs) and time.perf_counter() < window_end[0]
    # Let the window close, then stop.
    while time.perf_counter() < window_end[0]:
        time.sleep(0.01)
    stop.set()
    th.join(timeout=30)
    elapsed = duration
    size = store.size_bytes()
    height = node.height
    total_committed = sum(len(store.get_block(hh).txs) for hh in range(1, height + 1))
    node.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "suite": suite_name,
        "mode": f"fixed-rate {rate}/s" if rate else f"fixed-backlog {backlog}",
        "duration_s": duration,
        "offered": i,
        "committed": committed_in_window,
        "committed_tps": round(committed_in_window / elapsed, 1),
        "success_rate": round(1 - (failed + rejected) / max(1, i), 4),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 1),
            "p95": round(percentile(latencies, 0.95) * 1000, 1),
            "p99": round(percentile(latencies, 0.99) * 1000, 1),
        },
        "blocks": height,
        "disk_bytes_per_tx": round(size / max(1, total_committed)),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "presign_s": round(sign_s, 1),
        "tx_pool_exhausted": exhausted,
        "workload": workload,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--suite", choices=["intl", "sm"], default="intl")
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--rate", type=int, default=0, help="offered tx/s; 0 = fixed backlog")
    p.add_argument("--backlog", type=int, default=4000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument(
        "--workload",
        choices=["anchor", "transfer", "smallbank"],
        default="anchor",
        help="evidence.anchor records, token transfers (contract), or SmallBank (contract)",
    )
    a = p.parse_args(argv)
    print(json.dumps(run(a.suite, a.duration, a.rate, a.backlog, a.batch, a.workers, a.workload)))


if __name__ == "__main__":
    main()
