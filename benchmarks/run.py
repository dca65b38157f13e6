"""``make bench``: how fast, compared to what, on what machine — one command.

For each network (one node; four validators) and each crypto suite, a fresh chain runs as real
node processes on loopback; the workloads (:mod:`benchmarks.workloads`: DoNothing, KVStore
YCSB-A and -B, SmallBank, evidence anchoring, and for the ``intl`` suite token transfer and
counter) are driven over HTTP as Hyperledger Caliper does: ``--repeats`` **fixed-backlog**
rounds (closed loop, saturation), then **fixed-rate** rounds (open loop) at fractions
(``--rates``) of the saturated rate just measured, so latency below saturation is measured and
throughput can be plotted against offered load. Ganache (:mod:`benchmarks.peer`) runs the
transfer and counter workloads in the same run. The signature-verification ceiling is measured
first. Raw results: ``benchmarks/results/latest.json`` (``quick.json`` for ``--quick``); the
report: ``--out`` (``docs/benchmarks.md``) with plots in ``docs/img/bench-*.png``.

    python -m benchmarks.run [--quick] [--workloads anchor,kv-a] [--suites intl] [--nodes 4]
                             [--modes fixed-backlog] [--repeats 3] [--duration 7] [--no-peer]
                             [--profile] [--render-only]

A script, not a test: every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
IMG = ROOT / "docs" / "img"

SCENARIO_WORKLOADS = [
    "registry",
    "donation",
    "preserve",
    "receivable",
    "epcis",
    "consumption",
    "rural",
    "compliance",
    "medical",
    "relief",
    "ticket",
]
"""Scenario workloads: each has a ``BenchNetwork.prepare`` step (roles, records it needs)."""
CORE_WORKLOADS = ["donothing", "kv-a", "kv-b", "smallbank", "anchor", *SCENARIO_WORKLOADS]
PEER_WORKLOADS = ["transfer", "counter"]
ALL_WORKLOADS = CORE_WORKLOADS + PEER_WORKLOADS
MODES = ["fixed-backlog", "fixed-rate"]
SIGNERS: dict[str, Any] = {}  # {"pool": the run's signing processes}

# Expected saturated tx/s (sizes the first pre-signed pool; later rounds use what was measured).
PRIOR_TPS = {(1, "intl"): 3500, (1, "sm"): 2000, (4, "intl"): 1000, (4, "sm"): 400}
BACKLOG = {(1, "intl"): 4000, (1, "sm"): 2000, (4, "intl"): 3000, (4, "sm"): 1200}


@dataclass
class Plan:
    nodes: list[int] = field(default_factory=lambda: [1, 4])
    suites: list[str] = field(default_factory=lambda: ["intl", "sm"])
    workloads: list[str] = field(default_factory=lambda: list(ALL_WORKLOADS))
    peer_suites: list[str] = field(default_factory=lambda: ["intl"])
    """Suites on which the transfer and counter workloads (the Ganache comparison) run."""
    modes: list[str] = field(default_factory=lambda: list(MODES))
    repeats: int = 3
    duration: float = 8.0
    warmup: float = 2.0
    rate_duration: float = 4.0
    rate_warmup: float = 1.0
    calibrate: float = 4.0
    rates: list[float] = field(default_factory=lambda: [0.3, 0.7])
    backlog: int = 0  # 0: BACKLOG by network and suite
    kv_keys: int = 100_000
    peer: bool = True
    profile: bool = False
    profile_workload: str = "transfer"
    micro: bool = False
    sig_seconds: float = 3.0
    quick: bool = False
    img_dir: str = str(IMG)

    @classmethod
    def quick_plan(cls) -> Plan:
        return cls(
            suites=["intl"],
            repeats=1,
            duration=3.0,
            warmup=1.0,
            rate_duration=2.0,
            rate_warmup=0.5,
            rates=[0.5],
            calibrate=2.0,
            kv_keys=5000,
            sig_seconds=0.5,
            quick=True,
        )

    def workloads_for(self, suite: str) -> list[str]:
        return [w for w in self.workloads if w in CORE_WORKLOADS or suite in self.peer_suites]

    def estimate_s(self) -> float:
        """Rough wall time of the plan (for the banner; setup costs measured on 2 cores)."""
        per_round = ((self.duration + 3.0) * self.repeats + self.calibrate + 3.0) * (
            "fixed-backlog" in self.modes
        )
        per_round += (
            (self.rate_duration + 1.0)
            * len(self.rates)
            * self.repeats
            * ("fixed-rate" in self.modes)
        )
        total = 0.0
        for n in self.nodes:
            for s in self.suites:
                ws = self.workloads_for(s)
                presign = 20.0 if s == "sm" and n == 1 else 4.0
                total += 30 + len(ws) * (per_round + presign)
        if self.peer:
            total += 20 + 2 * self.repeats * (self.duration + 6)
        if self.micro:
            total += 150
        return total + 2 * self.sig_seconds


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- machine and signature ceiling -------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu, flags = "unknown", ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line
    mem = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = os.cpu_count() or 1
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "aes_ni": " aes " in flags + " ",
        "memory_mib": mem,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": platform.platform(),
        "load_before": round(os.getloadavg()[0], 2),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def sig_ceiling(suite_name: str, seconds: float = 3.0) -> dict[str, Any]:
    """Signature verifications per second on one core (this process, a 200-byte message), and
    × the machine's cores."""
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
        "algorithm": {"intl": "Ed25519", "sm": "SM2"}.get(suite_name, suite_name),
        "verify_us": round(per * 1e6, 1),
        "per_core_per_s": round(1 / per),
        "cores": cores,
        "machine_per_s": round(cores / per),
    }


def ceiling_tps(sig: dict[str, Any], validators: int) -> float:
    """What the machine could commit if checking signatures were all the validators did: every
    validator checks every signature once, all share the machine's cores."""
    return float(sig["machine_per_s"]) / validators


# -- our networks ------------------------------------------------------------------------------


def _aggregate(rounds: list[dict[str, Any]], nodes: int) -> dict[str, Any]:
    from benchmarks.stats import summarize

    def lat(q: str) -> dict[str, Any]:
        return summarize(r["latency_ms"][q] for r in rounds)

    return {
        "committed_tps": summarize(r["committed_tps"] for r in rounds),
        "offered_tps": summarize(r["offered_tps"] for r in rounds),
        "success_rate": summarize(r["success_rate"] for r in rounds),
        "p50_ms": lat("p50"),
        "p95_ms": lat("p95"),
        "p99_ms": lat("p99"),
        "cpu_cores_per_node": [
            summarize(r["cpu_cores_per_node"][i] for r in rounds) for i in range(nodes)
        ],
        "rss_mib_per_node": [
            summarize(r["rss_mib_per_node"][i] for r in rounds) for i in range(nodes)
        ],
        "rss_anon_mib_per_node": [
            summarize(r["rss_anon_mib_per_node"][i] for r in rounds) for i in range(nodes)
        ],
        "pool_exhausted": any(r["pool_exhausted"] for r in rounds),
        "not_drained": sum(1 for r in rounds if not r["drained"]),
    }


def profile_target(plan: Plan, suite: str) -> str:
    ws = plan.workloads_for(suite)
    return plan.profile_workload if plan.profile_workload in ws else ws[0]


def bench_workload(net: Any, watcher: Any, workload: str, index: int, plan: Plan) -> dict[str, Any]:
    from benchmarks.network import Profiler, RoundSpec, TxPool, run_round
    from benchmarks.profiles import summarize as summarize_profile
    from benchmarks.workloads import WORKLOADS, presign

    n, suite = net.n, net.suite
    data_dir = net.spec.nodes[0].home / "data"
    pids = net.pids()
    workers = max(1, os.cpu_count() or 2)
    nonce_base = (index + 1) * 10**10
    cursor = [0]

    def pool_of(count: int) -> TxPool:
        t = time.perf_counter()
        txs = presign(
            suite,
            net.spec.chain_id,
            net.seed,
            workload,
            cursor[0],
            count,
            nonce_base,
            plan.kv_keys,
            workers,
            pool=SIGNERS.get("pool"),
        )
        cursor[0] += count
        log(f"  signed {count:,} {workload} txs in {time.perf_counter() - t:.1f}s")
        return TxPool(txs)

    est = float(PRIOR_TPS[(n, suite)])
    backlog = plan.backlog or BACKLOG[(n, suite)]
    out: dict[str, Any] = {
        "workload": workload,
        "title": WORKLOADS[workload].title,
        "nodes": n,
        "suite": suite,
    }
    disk_delta = 0
    disk_txs = 0
    sat_rounds: list[dict[str, Any]] = []
    if "fixed-backlog" in plan.modes:
        # Calibration (not counted): the backlog becomes about two seconds of this workload's
        # throughput (at most the default), enough to keep blocks full without a long queue.
        cal_spec = RoundSpec("fixed-backlog", plan.calibrate, 1.0, backlog=backlog, drain=30.0)
        cal = run_round(
            net.urls,
            watcher,
            pool_of(int(est * plan.calibrate * 1.2) + backlog),
            cal_spec,
            pids,
            None,
        )
        # Whole-round rate (first submission to last commit): robust to a short window.
        est = max(float(cal["committed_tps"] or 0.0), float(cal["span_tps"] or 0.0), 10.0)
        if not plan.backlog:
            backlog = max(300, min(backlog, int(est * 2)))
        out["calibration"] = {
            "committed_tps": cal["committed_tps"],
            "span_tps": cal["span_tps"],
            "backlog": backlog,
        }
        log(f"  {workload} {n}v {suite} calibration: {est:.0f} tx/s -> backlog {backlog}")
        spec = RoundSpec(
            "fixed-backlog",
            plan.duration,
            plan.warmup,
            backlog=backlog,
            drain=max(20.0, 3 * plan.duration),
        )
        retried = False
        r = 0
        while r < plan.repeats:
            # Closed loop: at most (rate × duration + backlog) are sent; a margin for noise,
            # and the round is redone once with a larger pool if it still runs out.
            pool = pool_of(int(est * plan.duration * 1.3) + backlog)
            res = run_round(net.urls, watcher, pool, spec, pids, data_dir)
            log(
                f"  {workload} {n}v {suite} backlog {backlog} #{r + 1}: "
                f"{res['committed_tps']} tx/s, p99 {res['latency_ms']['p99']} ms, "
                f"success {res['success_rate']}"
            )
            if res["pool_exhausted"] and not retried:  # faster than expected: redo, larger
                retried = True
                est = max(est * 2, (res["committed_tps"] or 0) * 2)
                continue
            est = max(float(res["committed_tps"] or 0.0), est * 0.5, 10.0)
            sat_rounds.append(res)
            disk_delta += res["disk_bytes_delta"] or 0
            disk_txs += res["committed"]
            r += 1
        out["saturated"] = {"rounds": sat_rounds, **_aggregate(sat_rounds, n)}
        if plan.profile and workload == profile_target(plan, suite):
            outs = [Path(plan.img_dir) / f"profile-{suite}-{n}v-node{i}.svg" for i in range(n)]
            prof = Profiler(pids, outs)
            pool = pool_of(int(est * plan.duration * 1.5) + backlog)
            res = run_round(net.urls, watcher, pool, spec, pids, None, on_window=prof.start)
            files = prof.wait()
            stacks = prof.stacks()
            out["profile"] = {
                "files": [os.path.relpath(f, ROOT) for f in files],
                "stacks": [os.path.relpath(f, ROOT) for f in stacks],
                "summary": summarize_profile(stacks).to_obj() if stacks else None,
                "errors": prof.errors,
                "committed_tps": res["committed_tps"],
            }
            log(f"  profiles: {files or prof.errors}")
    sat = out.get("saturated", {}).get("committed_tps", {}).get("median") or est
    rate_rows = []
    if "fixed-rate" in plan.modes:
        for f in plan.rates:
            rate = max(10, round(sat * f))
            spec = RoundSpec(
                "fixed-rate", plan.rate_duration, plan.rate_warmup, rate=rate, drain=20.0
            )
            rounds = []
            for r in range(plan.repeats):
                pool = pool_of(int(rate * plan.rate_duration * 1.05) + 50)
                res = run_round(net.urls, watcher, pool, spec, pids, data_dir)
                log(
                    f"  {workload} {n}v {suite} rate {rate}/s #{r + 1}: "
                    f"{res['committed_tps']} tx/s, p50/p99 {res['latency_ms']['p50']}/"
                    f"{res['latency_ms']['p99']} ms"
                )
                rounds.append(res)
                disk_delta += res["disk_bytes_delta"] or 0
                disk_txs += res["committed"]
            rate_rows.append(
                {"fraction": f, "rate": rate, "rounds": rounds, **_aggregate(rounds, n)}
            )
    out["backlog"] = backlog
    out["rates"] = rate_rows
    out["disk_bytes_per_tx"] = round(disk_delta / disk_txs) if disk_txs else None
    return out


def bench_network(n: int, suite: str, plan: Plan, base_port: int) -> dict[str, Any]:
    from benchmarks.network import BenchNetwork, Watcher
    from benchmarks.workloads import WORKLOADS, kv_load_payloads

    ws = plan.workloads_for(suite)
    t0 = time.perf_counter()
    result: dict[str, Any] = {"nodes": n, "suite": suite, "workloads": []}
    with BenchNetwork(
        n, suite, base_api_port=base_port, base_p2p_port=base_port + 10000, log=log
    ) as net:
        log(f"{n}-node {suite} network up in {time.perf_counter() - t0:.1f}s")
        deployed = net.deploy([WORKLOADS[w] for w in ws])
        if "smallbank" in ws:
            from benchmarks.bench_node import CALL_GAS, SMALLBANK_CUSTOMERS

            net.setup_payloads(
                [
                    (
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
            )
        if "kv-a" in ws or "kv-b" in ws:
            t = time.perf_counter()
            bad = net.setup_payloads(kv_load_payloads(plan.kv_keys))
            if bad:
                raise RuntimeError(f"KVStore preload: {bad} transactions failed")
            result["kv_preload_s"] = round(time.perf_counter() - t, 1)
            log(f"  preloaded {plan.kv_keys:,} keys in {result['kv_preload_s']}s")
        result["deployed"] = deployed
        # Warm the network up (first blocks after start are slow): 200 anchors, not measured.
        from benchmarks.workloads import tx_for
        from wuyi.crypto import get_suite

        net.setup_payloads([tx_for("anchor", get_suite(suite), 10**8 + i) for i in range(200)])
        result["setup_s"] = round(time.perf_counter() - t0, 1)
        with Watcher(net.urls[0]) as watcher:
            # Each scenario's setup just before its rounds, consumption's last: it registers the
            # sender's key as a consumer's DID, and from then on 金融服务 takes the sender for
            # that person, not for its organisation (every receivable was refused after it).
            for w in sorted(ws, key=lambda w: w == "consumption"):
                net.prepare(w)
                result["workloads"].append(
                    bench_workload(net, watcher, w, ALL_WORKLOADS.index(w), plan)
                )
        result["heights"] = net.heights()
        result["store_bytes_node0"] = net.data_bytes(0)
    result["wall_s"] = round(time.perf_counter() - t0, 1)
    return result


# -- other benchmarks (their own scripts) ------------------------------------------------------


def run_json(args: list[str], label: str, timeout: float = 900) -> dict[str, Any] | None:
    log(f"{label} …")
    t = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, *args],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=timeout,
        ).stdout
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log(f"{label} failed: {exc}")
        return None
    log(f"{label} done in {time.perf_counter() - t:.0f}s")
    obj: dict[str, Any] = json.loads(out)
    return obj


def _free_ports(start: int, n: int) -> int:
    """The first base port from ``start`` (in steps of 20) whose API ports base..base+n-1 and
    peer ports base+10000.. are all free: a second bench (or a helper's) on the same machine
    would otherwise join the first one's network and fail with NotMember."""
    import socket

    def free(port: int) -> bool:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
        return True

    base = start
    while not all(free(base + i) and free(base + 10000 + i) for i in range(n)):
        base += 20
        if base > start + 2000:
            raise RuntimeError(f"no free ports from {start} to {base}")
    return base


def execute(plan: Plan) -> dict[str, Any]:
    import multiprocessing

    from benchmarks.peer import run_peer

    t0 = time.perf_counter()
    res: dict[str, Any] = {
        "machine": machine(),
        "plan": asdict(plan),
        "signatures": {},
        "networks": [],
    }
    log(f"plan: about {plan.estimate_s() / 60:.0f} min")
    for suite in ("intl", "sm"):
        res["signatures"][suite] = sig_ceiling(suite, plan.sig_seconds)
        log(f"signature ceiling {suite}: {res['signatures'][suite]['per_core_per_s']}/s/core")
    SIGNERS["pool"] = multiprocessing.get_context("spawn").Pool(max(1, os.cpu_count() or 2))
    try:
        port = 18700
        for n in plan.nodes:
            for suite in plan.suites:
                port = _free_ports(port, n)
                try:
                    res["networks"].append(bench_network(n, suite, plan, port))
                except Exception as exc:  # keep the rest of the run; the report says so
                    log(f"{n}-node {suite} network failed: {exc!r}")
                    res["networks"].append(
                        {
                            "nodes": n,
                            "suite": suite,
                            "workloads": [],
                            "error": f"{type(exc).__name__}: {exc}"[:2000],
                        }
                    )
                port += 20
    finally:
        SIGNERS.pop("pool").terminate()
    if plan.peer:
        ws = [w for w in PEER_WORKLOADS if w in plan.workloads]
        res["peer"] = run_peer(ws, plan.repeats, plan.duration, plan.warmup, log=log)
    else:
        res["peer"] = {"available": False, "reason": "not run (--no-peer)"}
    if plan.micro:
        res["sandbox"] = run_json(["-m", "benchmarks.bench_contract"], "contract sandbox")
        res["state"] = run_json(
            ["-m", "benchmarks.bench_state", "--keys", "1000000", "--blocks", "10"],
            "state tree, 1,000,000 keys",
        )
    res["machine"]["load_after"] = round(os.getloadavg()[0], 2)
    res["wall_s"] = round(time.perf_counter() - t0, 1)
    return res


def load_extras(res: dict[str, Any]) -> None:
    for name in ("million", "million-snapshot", "soak"):
        p = RESULTS / f"{name}.json"
        if p.exists():
            with contextlib.suppress(ValueError):
                res[name.replace("-", "_")] = json.loads(p.read_text())


#: The line after which ``docs/benchmarks.md`` holds sections written by hand (figures of
#: benchmarks that ``benchmarks.run`` does not run, e.g. ``make bench-join``): a re-render keeps
#: everything from this line on, as it is in the file.
HAND_WRITTEN_MARK = (
    "<!-- Sections below are written by hand (benchmarks that benchmarks.run does not run):"
    " a re-render keeps them as they are. -->"
)


def kept_by_hand(old: str) -> str:
    """The hand-written tail of a report (from :data:`HAND_WRITTEN_MARK` on), or ``""``."""
    at = old.find(HAND_WRITTEN_MARK)
    return "" if at < 0 else old[at:]


def write_report(res: dict[str, Any], out: Path, img_dir: Path) -> None:
    from benchmarks.report import plot_all, render

    load_extras(res)
    images = plot_all(res, img_dir)
    rel = os.path.relpath(img_dir, out.parent)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render(res, images={k: f"{rel}/{v}" for k, v in images.items()})
    tail = kept_by_hand(out.read_text(encoding="utf-8")) if out.exists() else ""
    if tail:
        text = text.rstrip("\n") + "\n\n" + tail
    out.write_text(text, encoding="utf-8")
    log(
        f"wrote {out} and {len(images)} plots in {img_dir}"
        + (" (hand-written part kept)" if tail else "")
    )


#: Options that narrow or shorten the plan: a run with any of them is partial, and does not
#: replace the full run's results (``latest.json``) or its report unless ``--out`` says so.
PARTIAL_OPTIONS = (
    "workloads", "suites", "nodes", "modes", "duration", "rate_duration", "repeats", "rates",
    "backlog", "kv_keys",
)  # fmt: skip


def is_partial(a: argparse.Namespace) -> bool:
    return not a.quick and any(getattr(a, name) is not None for name in PARTIAL_OPTIONS)


def destinations(a: argparse.Namespace) -> tuple[str, Path, Path]:
    """(results file name, report path, plot folder) of a run: a full run writes
    ``latest.json`` and ``docs/benchmarks.md``; ``--quick`` and a partial run write their own
    results file and a report in /tmp, unless ``--out``/``--img-dir`` are given."""
    if a.quick:
        name, out, img = "quick.json", Path("/tmp/wuyi-bench.md"), Path("/tmp/wuyi-bench-img")
    elif is_partial(a):
        name = "partial.json"
        out, img = Path("/tmp/wuyi-bench-partial.md"), Path("/tmp/wuyi-bench-partial-img")
    else:
        name, out, img = "latest.json", ROOT / "docs" / "benchmarks.md", IMG
    return name, Path(a.out) if a.out else out, Path(a.img_dir) if a.img_dir else img


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks.run", description=__doc__.splitlines()[0])
    p.add_argument(
        "--out",
        default=None,
        help="the Markdown report (default docs/benchmarks.md; --quick: /tmp/wuyi-bench.md;"
        " a partial run, narrowed by --workloads, --duration, ...: /tmp/wuyi-bench-partial.md)",
    )
    p.add_argument(
        "--img-dir",
        default=None,
        help="where plots go (default docs/img; --quick: /tmp/wuyi-bench-img)",
    )
    p.add_argument("--render-only", action="store_true", help="re-render from the saved JSON")
    p.add_argument("--quick", action="store_true", help="a ~3 minute smoke of every code path")
    p.add_argument("--workloads", help=f"comma list of {','.join(ALL_WORKLOADS)}")
    p.add_argument("--suites", help="comma list of intl,sm")
    p.add_argument("--nodes", help="comma list of network sizes: 1 (one node), 4 (validators)")
    p.add_argument("--modes", help="comma list of fixed-backlog,fixed-rate")
    p.add_argument("--duration", type=float, help="seconds per saturated round (incl. warm-up)")
    p.add_argument("--rate-duration", type=float, help="seconds per fixed-rate round")
    p.add_argument("--repeats", type=int, help="rounds per measurement (median, min–max)")
    p.add_argument("--rates", help="fixed-rate offered loads as fractions of saturation")
    p.add_argument("--backlog", type=int, help="transactions in flight (fixed-backlog)")
    p.add_argument("--kv-keys", type=int, help="KVStore keys preloaded")
    p.add_argument("--peer", dest="peer", action="store_true", default=None)
    p.add_argument("--no-peer", dest="peer", action="store_false")
    p.add_argument("--profile", action="store_true", help="py-spy flame graph of each node")
    p.add_argument("--profile-workload", default=None)
    p.add_argument(
        "--micro",
        dest="micro",
        action="store_true",
        default=None,
        help="also the sandbox-overhead and state-tree benchmarks",
    )
    p.add_argument("--no-micro", dest="micro", action="store_false")
    return p.parse_args(argv)


def plan_from(a: argparse.Namespace) -> Plan:
    plan = Plan.quick_plan() if a.quick else Plan()

    def csv(s: str) -> list[str]:
        return [x.strip() for x in s.split(",") if x.strip()]

    if a.workloads:
        bad = [w for w in csv(a.workloads) if w not in ALL_WORKLOADS]
        if bad:
            raise SystemExit(f"unknown workloads {bad}; known: {ALL_WORKLOADS}")
        plan.workloads = csv(a.workloads)
    if a.suites:
        plan.suites = [s for s in csv(a.suites) if s in ("intl", "sm")]
    if a.nodes:
        plan.nodes = [int(x) for x in csv(a.nodes) if int(x) in (1, 4)]
    if a.modes:
        plan.modes = [m for m in csv(a.modes) if m in MODES]
    if a.rates:
        plan.rates = [float(x) for x in csv(a.rates)]
    for name in (
        "duration",
        "rate_duration",
        "repeats",
        "backlog",
        "kv_keys",
        "peer",
        "micro",
        "profile_workload",
    ):
        v = getattr(a, name)
        if v is not None:
            setattr(plan, name, v)
    plan.profile = bool(a.profile)
    return plan


def main(argv: list[str] | None = None) -> None:
    a = parse_args(argv)
    name, out, img = destinations(a)
    if a.render_only:
        saved = json.loads((RESULTS / name).read_text())
        if "networks" not in saved:
            raise SystemExit(
                f"{RESULTS / name} is from the benchmark before issue 8; run "
                "`make bench` to produce results in the current format"
            )
        write_report(saved, out, img)
        return
    plan = plan_from(a)
    plan.img_dir = str(img)
    res = execute(plan)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / name).write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    log(f"wrote {RESULTS / name} (run took {res['wall_s'] / 60:.1f} min)")
    write_report(res, out, img)


if __name__ == "__main__":
    main()
