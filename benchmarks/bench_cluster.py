"""Four validators, real processes on loopback, driven over HTTP: ``python -m
benchmarks.bench_cluster --suite intl --duration 60``.

Creates a fresh network (``wuyi.node.cluster``), pre-signs ``evidence.anchor`` transactions
(outside the timed window), then submits them in batches through ``POST /v1/txs/batch``
round-robin to the four nodes, keeping a fixed backlog (or at a fixed rate). A watcher polls
node0 for new blocks and records when each transaction was committed. Reports committed tx/s
over the window, latency from submission to commit (50 ms polling resolution), CPU seconds per
node per second (node process plus its verifier worker) and resident memory. Loopback only;
every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_node import percentile, presign
from wuyi.crypto import load_key
from wuyi.exceptions import NotFound
from wuyi.ledger.types import Transaction
from wuyi.node.cluster import ClusterProcesses, create_network
from wuyi.node.home import OrgSpec

PASS = "bench-passphrase"


def _proc_tree(pid: int) -> list[int]:
    out = [pid]
    try:
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            out += _proc_tree(int(child))
    except OSError:
        pass
    return out


def _cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in _proc_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def _rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of the node and its workers. ``RssAnon``: memory the processes own
    (heap); ``RssFile``: pages of mapped files, mostly the LMDB store (page cache the kernel can
    reclaim); ``VmRSS`` is their sum (plus shared memory)."""
    total = 0
    for p in _proc_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run(
    suite: str,
    duration: float,
    backlog: int,
    batch: int,
    rate: int,
    keep: bool = False,
    total: int = 0,
    workload: str = "anchor",
) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="wuyi-cluster-bench-"))
    spec = create_network(
        root,
        4,
        chain_id="bench-net",
        suite=suite,
        orgs=[OrgSpec("sjj", "江门市政务服务数据管理局", True)],
        passphrase=PASS,
        base_api_port=18700,
        base_p2p_port=28700,
        consensus={"timeout_propose_ms": 3000, "create_empty_blocks_interval_ms": -1},
    )
    admin_path = next(spec.keys_dir.glob("sjj-admin*.key"))
    admin = load_key(admin_path, PASS)
    n_tx = total or min(int((rate or 3000) * duration * 1.2), 400_000)
    t0 = time.perf_counter()
    seed_txs = presign(suite, "bench-net", admin.to_bytes(), n_tx, os.cpu_count() or 2, workload)
    presign_s = time.perf_counter() - t0
    hashes = [
        admin_suite_hash(suite, Transaction.from_bytes(t, checked=True).signing_bytes())
        for t in seed_txs
    ]
    procs = ClusterProcesses(spec, PASS)
    urls = [spec.nodes[i].url for i in range(4)]
    submitted: dict[str, float] = {}
    committed: dict[str, float] = {}
    stop = threading.Event()
    try:
        procs.start_all()
        procs.wait_ready(60)
        procs.wait_connected(30)
        if workload != "anchor":
            setup_contract(urls[0], admin, workload)
        pids = [procs.pid(i) or 0 for i in range(4)]
        cpu0 = [_cpu_seconds(p) for p in pids]

        def watch() -> None:
            seen = 0
            with httpx.Client(timeout=5) as c:
                while not stop.is_set():
                    try:
                        top = c.get(f"{urls[0]}/v1/status").json()["height"]
                        for h in range(seen + 1, top + 1):
                            b = c.get(f"{urls[0]}/v1/blocks/{h}").json()
                            now = time.perf_counter()
                            for th in b.get("tx_hashes", []):
                                if th in submitted:
                                    committed.setdefault(th, now)
                        seen = top
                    except httpx.HTTPError:
                        pass
                    stop.wait(0.05)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        start = time.perf_counter()
        end = start + duration
        lock = threading.Lock()
        cursor = [0]
        rejected = [0]

        def take(m: int) -> tuple[int, int]:
            with lock:
                a = cursor[0]
                b = min(len(seed_txs), a + m)
                cursor[0] = b
                t = time.perf_counter()
                for th in hashes[a:b]:
                    submitted[th.hex()] = t
                return a, b

        def submitter(url: str) -> None:
            # One client per node, each keeping its share of the backlog (or of the rate).
            with httpx.Client(timeout=30) as c:
                while time.perf_counter() < end and cursor[0] < len(seed_txs):
                    if rate:
                        due = int((time.perf_counter() - start) * rate)
                        if cursor[0] >= due:
                            time.sleep(0.005)
                            continue
                        m = min(batch, max(1, (due - cursor[0]) // 4 + 1))
                    else:
                        pending = len(submitted) - len(committed)
                        if pending >= backlog:
                            time.sleep(0.01)
                            continue
                        m = min(batch, max(1, (backlog - pending) // 4))
                    a, b = take(m)
                    if a >= b:
                        break
                    accepted: set[int] = set()
                    with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                        r = c.post(
                            f"{url}/v1/txs/batch", json={"txs": [x.hex() for x in seed_txs[a:b]]}
                        )
                        accepted = {
                            a + j for j, x in enumerate(r.json()["results"]) if x.get("tx_hash")
                        }
                    with lock:  # count only what a node accepted as submitted
                        for j in range(a, b):
                            if j not in accepted:
                                submitted.pop(hashes[j].hex(), None)
                                rejected[0] += 1

        workers = [threading.Thread(target=submitter, args=(u,), daemon=True) for u in urls]
        for w in workers:
            w.start()
        for w in workers:
            w.join(duration + 30)
        i = cursor[0]
        while time.perf_counter() < end:
            if total and cursor[0] >= total and len(committed) >= len(submitted):
                break  # --total: every transaction is committed
            time.sleep(0.05)
        window_end = min(end, time.perf_counter())
        duration = window_end - start
        cpu1 = [_cpu_seconds(p) for p in pids]
        rss = [_rss_mib(p) for p in pids]
        rss_anon = [_rss_mib(p, "RssAnon") for p in pids]
        rss_file = [_rss_mib(p, "RssFile") for p in pids]
        time.sleep(0.3)
        stop.set()
        watcher.join(5)
        lats = [
            committed[h] - t
            for h, t in submitted.items()
            if h in committed and committed[h] <= window_end
        ]
        heights = []
        with httpx.Client(timeout=5) as c:
            for u in urls:
                heights.append(c.get(f"{u}/v1/status").json()["height"])
    finally:
        stop.set()
        procs.stop_all()
        procs.close()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    return {
        "suite": suite,
        "validators": 4,
        "mode": f"fixed-rate {rate}/s" if rate else f"fixed-backlog {backlog}",
        "duration_s": duration,
        "offered": i,
        "committed": len(lats),
        "rejected_at_submission": rejected[0],
        "committed_tps": round(len(lats) / duration, 1),
        "latency_ms": {
            "p50": round(percentile(lats, 0.5) * 1000, 1),
            "p95": round(percentile(lats, 0.95) * 1000, 1),
            "p99": round(percentile(lats, 0.99) * 1000, 1),
        },
        "cpu_per_node": [round((b - a) / duration, 2) for a, b in zip(cpu0, cpu1, strict=True)],
        "rss_mib_per_node": [round(r) for r in rss],
        "rss_anon_mib_per_node": [round(r) for r in rss_anon],
        "rss_file_mib_per_node": [round(r) for r in rss_file],
        "heights": heights,
        "presign_s": round(presign_s, 1),
        "dir": str(root) if keep else None,
        "workload": workload,
    }


def setup_contract(url: str, admin: Any, workload: str) -> None:
    """Deploy the workload's contract through governance (one organisation here: its own
    proposal is a majority) and, for SmallBank, open the accounts."""
    from benchmarks.bench_node import CALL_GAS, SMALLBANK_CUSTOMERS
    from wuyi.contracts.examples import source
    from wuyi.sdk import WuyiClient
    from wuyi.sdk.client import event_attr

    name, example, init = {
        "transfer": ("token", "transfer", {"symbol": "WYT", "supply": 10**12}),
        "smallbank": ("smallbank", "smallbank", {}),
    }[workload]
    pkg = {"name": name, "version": "1.0.0", "source": source(example), "manifest": {}}
    with WuyiClient(url, timeout=60) as c:
        res = c.submit_and_wait(c.builder(admin).contract_propose(pkg, hook_args=init), 60)
        pid = event_attr(res.receipt, "gov.proposed", "id")
        res = c.submit_and_wait(c.builder(admin).gov_execute(pid), 60)
        assert res.receipt.status == "ok", res.receipt
        if workload == "smallbank":
            b = c.builder(admin)
            txs = [
                b.contract_call(
                    "smallbank",
                    "create_account",
                    {"customer": f"c{i}", "checking": 10**9, "savings": 10**9},
                    gas_limit=CALL_GAS,
                )
                for i in range(SMALLBANK_CUSTOMERS)
            ]
            c.submit_batch(txs)
            last = txs[-1].signing_bytes()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # bounded: the accounts commit in seconds
                try:
                    if c.get_tx(c.suite.hash(last)).status == "committed":
                        break
                except NotFound:
                    pass
                time.sleep(0.2)
            else:
                raise RuntimeError("SmallBank accounts were not committed within 120 s")


def admin_suite_hash(suite: str, data: bytes) -> bytes:
    from wuyi.crypto import get_suite

    return get_suite(suite).hash(data)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", choices=["intl", "sm"], default="intl")
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--backlog", type=int, default=6000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--rate", type=int, default=0)
    p.add_argument("--keep", action="store_true", help="keep the network directory (logs)")
    p.add_argument(
        "--total",
        type=int,
        default=0,
        help="submit exactly this many transactions and stop when all are committed"
        " (or --duration passes); for the memory-after-a-million figure",
    )
    p.add_argument("--workload", choices=["anchor", "transfer", "smallbank"], default="anchor")
    a = p.parse_args(argv)
    print(
        json.dumps(
            run(a.suite, a.duration, a.backlog, a.batch, a.rate, a.keep, a.total, a.workload)
        )
    )


if __name__ == "__main__":
    main()
