"""``make bench``: every benchmark on this machine, then ``docs/benchmarks.md``.

Runs, for both crypto suites: the signature-verification ceiling of one core; the single-node
pipeline (``bench_node``) saturated with a fixed backlog for ``--duration`` seconds and at a
fixed offered rate below saturation (for latency); the state tree at 1,000,000 keys
(``bench_state``). Each benchmark runs in its own process; raw JSON results go to
``benchmarks/results/``. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mib": mem,
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_before": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def run_json(args: list[str], label: str) -> dict[str, Any]:
    print(f"[bench] {label} …", file=sys.stderr, flush=True)
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, *args], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    print(f"[bench] {label} done in {time.perf_counter() - t:.0f}s", file=sys.stderr)
    obj: dict[str, Any] = json.loads(out)
    return obj


def sig_ceiling(suite_name: str, seconds: float = 3.0) -> dict[str, Any]:
    from wuyi.crypto import get_suite

    suite = get_suite(suite_name)
    key = suite.generate_private_key()
    msgs = [os.urandom(200) for _ in range(64)]
    sigs = [key.sign(m) for m in msgs]
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for m, s in zip(msgs, sigs, strict=True):
            suite.verify(key.public_key, m, s)
        n += len(msgs)
    per = (time.perf_counter() - t0) / n
    cores = os.cpu_count() or 1
    return {
        "verify_us": round(per * 1e6, 1),
        "per_core_per_s": round(1 / per),
        "cores": cores,
        "machine_per_s": round(cores / per),
    }


def fmt_lat(r: dict[str, Any]) -> str:
    lat = r["latency_ms"]
    return f"{lat['p50']:.0f} / {lat['p95']:.0f} / {lat['p99']:.0f}"


def render(res: dict[str, Any]) -> str:
    m = res["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {m['date']}. Machine: {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_mib']} MiB, Python {m['python']}, {m['os']}; load average before the run "
        f"{m['load_before']:.2f}. Numbers on a shared 2-core VM move by 10–30 % between runs; "
        "raw JSON is in `benchmarks/results/latest.json`.",
        "",
        "## Single node: signed `evidence.anchor` transactions",
        "",
        "A real node in one process (LMDB on disk with fsync per block, mempool, block producer "
        "thread) and a verifier pool in the other core(s) checking signatures; the load "
        "generator submits pre-signed transactions in batches through `Node.submit_many`, the "
        "call behind `POST /v1/txs/batch` (HTTP is not in the path here). Latency is from "
        "submission to the commit of the block holding the transaction.",
        "",
        "| suite | load | committed tx/s | success | latency p50 / p95 / p99 (ms) | blocks "
        "| disk B/tx | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in res["node"]:
        lines.append(
            f"| {r['suite']} | {r['mode']}, {r['duration_s']:.0f} s | **{r['committed_tps']:.0f}** "
            f"| {r['success_rate'] * 100:.1f} % | {fmt_lat(r)} | {r['blocks']} "
            f"| {r['disk_bytes_per_tx']} | {r['max_rss_mib']:.0f} |"
        )
    goals = {"intl": 4000, "sm": 1500}
    lines += ["", "Goals from the issue for one node here: ≥ 4,000 tx/s `intl`, ≥ 1,500 tx/s `sm`."]
    for r in res["node"]:
        if r["mode"].startswith("fixed-backlog"):
            g = goals[r["suite"]]
            verdict = "meets" if r["committed_tps"] >= g else "falls short of"
            lines.append(
                f"- `{r['suite']}`: {r['committed_tps']:.0f} tx/s {verdict} the goal of {g}."
            )
    if res.get("cluster"):
        lines += [
            "",
            "## Four validators (real processes, mutual TLS on loopback, load over HTTP)",
            "",
            "`wuyi.node.cluster` starts four validator processes; the load generator (same "
            "machine) posts pre-signed transactions to `POST /v1/txs/batch` round-robin; every "
            "validator checks every signature (its verifier worker) and executes every block. "
            "Latency is from submission to the block appearing at node0 (50 ms polling).",
            "",
            "| suite | load | committed tx/s | latency p50 / p95 / p99 (ms) | CPU per node "
            "(cores) | RSS per node MiB | ceiling tx/s | ratio |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in res["cluster"]:
            sig = res["signatures"][r["suite"]]
            ceiling = sig["cores"] * 1e6 / (4 * sig["verify_us"])
            cpu = ", ".join(f"{c:.2f}" for c in r["cpu_per_node"])
            rss = ", ".join(str(x) for x in r["rss_mib_per_node"])
            lines.append(
                f"| {r['suite']} | {r['mode']}, {r['duration_s']:.0f} s "
                f"| **{r['committed_tps']:.0f}** | {fmt_lat(r)} | {cpu} | {rss} "
                f"| {ceiling:.0f} | {r['committed_tps'] / ceiling:.2f} |"
            )
        lines += [
            "",
            "The ceiling is cores ÷ (validators × one signature check): what this machine "
            "could commit if checking signatures were all the four validators did. Goals from "
            "the issue: ≥ 1,500 tx/s `intl`, ≥ 400 tx/s `sm`, p99 under 2 s.",
            "",
            "**Reading these numbers.** Four validators, their verifier workers, their API "
            "servers and the load generator share two cores, and every validator checks every "
            "signature and executes every block. The validators' `block` log lines "
            "(`exec_ms`, `store_ms`) show where a height goes at saturation: executing a "
            "2,000-transaction block takes 0.3–0.8 s per validator here (about 0.1 ms per "
            "transaction on an idle single node), the proposer executes before it proposes "
            "and the others after they receive it, so the two executions are sequential; "
            "store writes (0.1–1 s) overlap the next height. Latency at saturation is queueing "
            "behind the backlog; below saturation (the fixed-rate rows) p99 stays under 2 s.",
            "",
            "**Where a validator's time goes** (py-spy, `--gil`, one validator of a saturated "
            "`intl` network, 25 s): the validator holds the GIL about 60 % of the time. Of "
            "that, executing blocks is about 50 % (its own proposals about 14 %, the others' "
            "37 %). Inside execution, canonical encoding of state values and receipts is about "
            "19 % of all samples, and the sender's member and organisation lookups 8 %. "
            "Admitting submitted and gossiped transactions to the mempool is 29 % "
            "(decode, static checks, replay lookups) and the store commit 10 %. Three changes "
            "came from this profile: one LMDB read transaction per submitted batch instead of "
            "one per transaction; receipts encoded once for both the root and the store; and "
            "member and organisation records decoded once per block. One 60 s saturated run "
            "right after them committed 901 tx/s (600–705 before), but the full `make bench` "
            "run above measured about 700 again: on this noisy machine the gain is not "
            "established. The goal needs at least twice that. Every validator must execute "
            "every transaction, so the next steps are cheaper per-transaction execution "
            "(encoding, SMT updates) and fewer Python-level passes over each transaction "
            "between the API, gossip and the mempool.",
        ]
    ct = res.get("contracts")
    if ct:
        sb = ct["sandbox"]
        lines += [
            "",
            "## Contract calls (the Python sandbox)",
            "",
            "`contract.call` transactions to the example contracts through the real sandbox and "
            "gas meter: `transfer` (a token: 2 reads, 2 writes, an event) and SmallBank "
            "(Blockbench's mix of amalgamate, balance, deposit_checking, send_payment, "
            "transact_savings and write_check over 1,000 customers). Same pipelines as above; "
            "the contract is deployed through governance before the timed window.",
            "",
            "| network | workload | suite | committed tx/s | success | latency p50 / p95 / p99 "
            "(ms) |",
            "|---|---|---|---|---|---|",
        ]
        for r in ct["node"]:
            lines.append(
                f"| one node | {r['workload']} | {r['suite']} | **{r['committed_tps']:.0f}** "
                f"| {r['success_rate'] * 100:.1f} % | {fmt_lat(r)} |"
            )
        for r in ct["cluster"]:
            lines.append(
                f"| four validators | {r['workload']} | {r['suite']} "
                f"| **{r['committed_tps']:.0f}** | (not measured) | {fmt_lat(r)} |"
            )
        ratio = sb["overhead"]
        lines += [
            "",
            f"**Sandbox overhead** (`python -m benchmarks.bench_contract`): the same transfer "
            f"method as plain Python over the same canonically encoded store "
            f"{sb['us_per_call']['plain_encoded']} µs per call, through the runtime "
            f"{sb['us_per_call']['runtime']} µs: **{ratio:.2f}×** (best of {sb['repeats']} "
            f"rounds of {sb['calls']}; medians {sb['overhead_median']:.2f}×); against a bare "
            f"dict with no encoding at all {sb['overhead_vs_dict']:.1f}×. Goal from the issue: "
            f"under 2×: {'met' if ratio < 2 else 'not met'}. "
            f"{sb['gas_per_call']} gas per call.",
        ]
    snap = res.get("million_snapshot")
    if snap and not res.get("million"):
        lines += [
            "",
            "## Memory after a million transactions (four validators, `intl`)",
            "",
            f"`make bench-million` on {snap['measured_at']}: "
            f"{snap['committed_total_txs_on_chain']:,} transactions committed through four "
            f"validators (heights {snap['heights']}) in about 30 minutes of load (roughly "
            "500–550 tx/s from the validators' block logs, the store growing to about 3 GB). "
            "The run did not end by itself: "
            f"{snap['mempool'][2]} transactions stayed in one validator's pool as replays and the "
            "chain kept making empty blocks for them, a bug this run found and that is fixed "
            "since (see `test_a_committed_transaction_that_slips_back_into_a_pool_is_dropped`). "
            "The figures below were read from `/proc` at that point, as the benchmark reads "
            "them (node process plus its verifier worker), and are in "
            "`benchmarks/results/million-snapshot.json`.",
            "",
            "| node | RssAnon (heap it owns) MiB | RssFile (mapped LMDB pages) MiB | VmRSS MiB |",
            "|---|---|---|---|",
        ]
        for i in range(4):
            lines.append(
                f"| node{i} | **{snap['rss_anon_mib_per_node'][i]}** "
                f"| {snap['rss_file_mib_per_node'][i]} | {snap['rss_mib_per_node'][i]} |"
            )
        worst = max(snap["rss_anon_mib_per_node"])
        lines += [
            "",
            "Goal: under 400 MiB per node. The memory the nodes own stays under it on three of "
            f"four validators; node3 is at {worst} MiB. node3 fell behind twice and caught up "
            "by batch sync. Counting the mapped store pages as well, which the kernel reclaims "
            "under pressure, the goal is not met: VmRSS is about 3.4 GB. Re-run "
            "`make bench-million` for a figure that ends cleanly.",
        ]
    million = res.get("million")
    if million:
        m = million
        lines += [
            "",
            "## Memory after a million transactions (four validators, `intl`)",
            "",
            f"`make bench-million`: {m['committed']:,} transactions committed through four "
            f"validators in {m['duration_s']:.0f} s ({m['committed_tps']:.0f} tx/s, fixed "
            f"backlog). Resident memory per node at the end (node process plus its verifier "
            f"worker): {', '.join(str(x) for x in m['rss_mib_per_node'])} MiB in all, of which "
            f"owned by the processes (RssAnon) "
            f"{', '.join(str(x) for x in m.get('rss_anon_mib_per_node', []))} MiB and pages of "
            f"the memory-mapped LMDB store (RssFile, page cache the kernel reclaims) "
            f"{', '.join(str(x) for x in m.get('rss_file_mib_per_node', []))} MiB. Goal: under "
            f"400 MiB. Heights at the end: {m['heights']}.",
        ]
    lines += [
        "",
        "## Signature-verification ceiling",
        "",
        "| suite | one verify (µs) | per core per s | whole machine per s |",
        "|---|---|---|---|",
    ]
    for name, c in res["signatures"].items():
        lines.append(
            f"| {name} | {c['verify_us']} | {c['per_core_per_s']} | {c['machine_per_s']} |"
        )
    st = res.get("state")
    if st:
        lines += [
            "",
            f"## State tree at {st['keys']:,} keys",
            "",
            "Blocks of 1,000 changes (90 % updates, 5 % inserts, 5 % deletes) with the root "
            "recomputed, nodes in memory (`python -m benchmarks.bench_state`).",
            "",
            "| hash | update incl. root, µs/key (median) | proof bytes present / absent "
            "| verify µs present / absent | goal < 100 µs/key |",
            "|---|---|---|---|---|",
        ]
        for name, r in st["results"].items():
            upd = r["block_update_memory"]["us_per_key"]["median"]
            pp, pa = r["proofs"]["present"], r["proofs"]["absent"]
            lines.append(
                f"| {name} | **{upd}** | {pp['bytes']['mean']:.0f} / {pa['bytes']['mean']:.0f} "
                f"| {pp['verify_us']['median']:.0f} / {pa['verify_us']['median']:.0f} "
                f"| {'met' if upd < 100 else 'not met'} |"
            )
    lines += [
        "",
        "## How to reproduce",
        "",
        "```bash",
        "make bench                                   # everything, ~22 minutes",
        "make bench-million     # 1,000,000 txs through 4 validators, ~35 min",
        "python -m benchmarks.bench_node --suite sm --duration 60            # saturated",
        "python -m benchmarks.bench_node --suite intl --duration 60 --rate 1000  # latency",
        "python -m benchmarks.bench_state --keys 1000000",
        "python -m benchmarks.bench_node --workload smallbank --duration 60  # contract calls",
        "python -m benchmarks.bench_cluster --workload transfer --duration 60",
        "python -m benchmarks.bench_contract          # sandbox overhead",
        "python -m benchmarks.bench_store             # LMDB vs SQLite commit",
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="docs/benchmarks.md")
    p.add_argument(
        "--render-only", action="store_true", help="re-render the Markdown from the saved JSON"
    )
    p.add_argument("--quick", action="store_true", help="short runs, 100k keys")
    p.add_argument("--duration", type=float, default=60.0)
    a = p.parse_args(argv)
    if a.render_only:
        saved = json.loads((RESULTS / "latest.json").read_text())
        if (RESULTS / "million.json").exists():
            saved["million"] = json.loads((RESULTS / "million.json").read_text())
        if (RESULTS / "million-snapshot.json").exists():
            saved["million_snapshot"] = json.loads((RESULTS / "million-snapshot.json").read_text())
        Path(a.out).write_text(render(saved))
        return
    dur = 8.0 if a.quick else a.duration
    keys = 100_000 if a.quick else 1_000_000
    res: dict[str, Any] = {"machine": machine(), "signatures": {}, "node": []}
    for suite in ("intl", "sm"):
        res["signatures"][suite] = sig_ceiling(suite, 1.0 if a.quick else 3.0)
    rates = {"intl": 1000, "sm": 500}
    for suite in ("intl", "sm"):
        res["node"].append(
            run_json(
                ["-m", "benchmarks.bench_node", "--suite", suite, "--duration", str(dur)],
                f"{suite} single node, saturated",
            )
        )
        res["node"].append(
            run_json(
                [
                    "-m",
                    "benchmarks.bench_node",
                    "--suite",
                    suite,
                    "--duration",
                    str(dur),
                    "--rate",
                    str(rates[suite]),
                ],
                f"{suite} single node, {rates[suite]} tx/s offered",
            )
        )
    res["cluster"] = []
    cluster_rates = {"intl": 300, "sm": 150}
    for suite in ("intl", "sm"):
        res["cluster"].append(
            run_json(
                ["-m", "benchmarks.bench_cluster", "--suite", suite, "--duration", str(dur)],
                f"{suite} four validators, saturated",
            )
        )
        res["cluster"].append(
            run_json(
                [
                    "-m",
                    "benchmarks.bench_cluster",
                    "--suite",
                    suite,
                    "--duration",
                    str(dur),
                    "--rate",
                    str(cluster_rates[suite]),
                ],
                f"{suite} four validators, {cluster_rates[suite]} tx/s offered",
            )
        )
    res["contracts"] = {
        "sandbox": run_json(["-m", "benchmarks.bench_contract"], "contract sandbox overhead"),
        "node": [
            run_json(
                [
                    "-m",
                    "benchmarks.bench_node",
                    "--suite",
                    "intl",
                    "--duration",
                    str(dur),
                    "--workload",
                    w,
                ],
                f"intl single node, contract {w}",
            )
            for w in ("transfer", "smallbank")
        ],
        "cluster": [
            run_json(
                [
                    "-m",
                    "benchmarks.bench_cluster",
                    "--suite",
                    "intl",
                    "--duration",
                    str(dur),
                    "--workload",
                    w,
                ],
                f"intl four validators, contract {w}",
            )
            for w in ("transfer", "smallbank")
        ],
    }
    res["state"] = run_json(
        ["-m", "benchmarks.bench_state", "--keys", str(keys), "--blocks", "10"],
        f"state tree, {keys} keys",
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    if (RESULTS / "million.json").exists():
        res["million"] = json.loads((RESULTS / "million.json").read_text())
    if (RESULTS / "million-snapshot.json").exists():
        res["million_snapshot"] = json.loads((RESULTS / "million-snapshot.json").read_text())
    (RESULTS / ("quick.json" if a.quick else "latest.json")).write_text(
        json.dumps(res, indent=1, ensure_ascii=False) + "\n"
    )
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(render(res))
    print(f"[bench] wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
