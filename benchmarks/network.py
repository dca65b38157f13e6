"""A network to benchmark and the load generator that drives it.

:class:`BenchNetwork` creates a fresh chain with :func:`wuyi.node.cluster.create_network` and
runs every node as its own process (``python -m wuyi.cli node start``), as ``wuyi up`` does:
``n = 4`` is four validators with mutual TLS on loopback; ``n = 1`` is one node with its block
producer (the same ``node.toml`` without ``[p2p]``). The load generator (this process) posts
pre-signed transactions to ``POST /v1/txs/batch`` round-robin over the nodes; a
:class:`Watcher` reads every new block's receipts at node0 and records when each transaction
committed and whether its receipt is ``ok``.

:func:`run_round` is one Caliper round: **fixed-rate** (open loop: transactions are sent when
due at the offered rate, whether or not earlier ones have committed) or **fixed-backlog**
(closed loop: keep ``backlog`` transactions submitted and not yet committed). Every loop is
bounded in count (the pre-signed pool) and in time (the round's duration, then a bounded
drain). Loopback only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from benchmarks.stats import latency_summary
from benchmarks.workloads import Workload, deploy
from wuyi.crypto import load_key
from wuyi.node.cluster import ClusterProcesses, ClusterSpec, create_network
from wuyi.node.home import OrgSpec

PASS = "bench-passphrase"
CHAIN_ID = "bench-net"
CONSENSUS = {"timeout_propose_ms": 3000, "create_empty_blocks_interval_ms": -1}

Log = Callable[[str], None]


def _quiet(_msg: str) -> None:
    pass


# -- processes ---------------------------------------------------------------------------------


def proc_tree(pid: int) -> list[psutil.Process]:
    """The process and its descendants (a node's verifier workers)."""
    try:
        p = psutil.Process(pid)
        return [p, *p.children(recursive=True)]
    except psutil.Error:
        return []


def cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in proc_tree(pid):
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def rss_mib(pid: int) -> dict[str, float]:
    """Resident memory of a node and its workers, MiB: ``rss`` (VmRSS, psutil), ``anon``
    (RssAnon: memory the processes own) and ``file`` (RssFile: mapped pages, mostly the LMDB
    store, which the kernel can reclaim), the last two from ``/proc/<pid>/status``."""
    out = {"rss": 0.0, "anon": 0.0, "file": 0.0}
    for p in proc_tree(pid):
        with contextlib.suppress(psutil.Error):
            out["rss"] += p.memory_info().rss / 2**20
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    out["anon"] += int(line.split()[1]) / 1024
                elif line.startswith("RssFile:"):
                    out["file"] += int(line.split()[1]) / 1024
    return {k: round(v, 1) for k, v in out.items()}


def dir_bytes(path: Path, name: str | None = None) -> int:
    """Bytes on disk of the files under ``path`` (only those called ``name``, if given): the
    blocks allocated, not the apparent size, since the LMDB data file is sparse (its apparent
    size is the map size)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            if name is None or f == name:
                with contextlib.suppress(OSError):
                    st = os.stat(os.path.join(dirpath, f))
                    total += min(st.st_size, st.st_blocks * 512)
    return total


def store_bytes(data_dir: Path) -> int:
    """Size of a node's LMDB store (``data.mdb``; the consensus WAL beside it is truncated as
    heights commit, so it is left out)."""
    return dir_bytes(data_dir, "data.mdb")


def commit_rate(times: list[float], window: float, fallback: int) -> float:
    """Transactions per second from the commit times inside a window, free of the block
    quantisation of a short window: the transactions in blocks after the first one, over the
    time from the first block to the last. With fewer than three blocks, ``fallback`` (the
    count in the window) ÷ ``window``."""
    blocks = sorted(set(times))
    if len(blocks) < 3:
        return fallback / window if window > 0 else 0.0
    first, last = blocks[0], blocks[-1]
    return sum(1 for t in times if first < t <= last) / (last - first)


# -- the network -------------------------------------------------------------------------------


class BenchNetwork:
    """A fresh ``n``-node network in a temporary directory, started on ``with`` and stopped
    (and removed, unless ``keep``) on exit."""

    def __init__(
        self,
        n: int,
        suite: str,
        *,
        base_api_port: int = 18700,
        base_p2p_port: int = 28700,
        keep: bool = False,
        log: Log = _quiet,
    ) -> None:
        self.n = n
        self.suite = suite
        self.keep = keep
        self.log = log
        self.root = Path(tempfile.mkdtemp(prefix=f"wuyi-bench-{n}v-{suite}-"))
        self.spec: ClusterSpec = create_network(
            self.root,
            n,
            chain_id=CHAIN_ID,
            suite=suite,
            orgs=[OrgSpec("sjj", "江门市政务服务数据管理局", True)],
            passphrase=PASS,
            base_api_port=base_api_port,
            base_p2p_port=base_p2p_port,
            consensus=CONSENSUS if n > 1 else None,
        )
        if n == 1:  # one node with its block producer: the same settings without [p2p]
            toml = self.spec.nodes[0].home / "node.toml"
            text = toml.read_text()
            toml.write_text(text[: text.index("[p2p]")] if "[p2p]" in text else text)
        self.admin = load_key(next(self.spec.keys_dir.glob("sjj-admin*.key")), PASS)
        self.procs = ClusterProcesses(self.spec, PASS)
        self.urls = [nd.url for nd in self.spec.nodes]
        self._setup_nonce = 10**15

    @property
    def seed(self) -> bytes:
        b: bytes = self.admin.to_bytes()
        return b

    def __enter__(self) -> BenchNetwork:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 90.0) -> None:
        self.procs.start_all()
        self.procs.wait_ready(timeout)
        if self.n > 1 and not self.procs.wait_connected(60):
            raise RuntimeError("the validators did not connect within 60 s")

    def stop(self) -> None:
        try:
            self.procs.stop_all()
        finally:
            self.procs.close()
            if not self.keep:
                shutil.rmtree(self.root, ignore_errors=True)

    def pids(self) -> list[int]:
        return [self.procs.pid(i) or 0 for i in range(self.n)]

    def data_bytes(self, i: int = 0) -> int:
        return store_bytes(self.spec.nodes[i].home / "data")

    def heights(self) -> list[int | None]:
        return [s.height for s in self.procs.status()]

    # -- setup ----------------------------------------------------------------------------

    def deploy(self, workloads: Sequence[Workload]) -> list[str]:
        """Deploy each distinct contract of ``workloads`` through governance (see
        :func:`benchmarks.workloads.deploy`); returns the names deployed."""
        from wuyi.sdk import WuyiClient

        with WuyiClient(self.urls[0], timeout=60) as c:
            return deploy(c, self.admin, workloads)

    def prepare(self, workload: str) -> None:
        """What a scenario workload needs beyond its contract
        (:data:`benchmarks.workloads.SETUPS`: the sender's roles, then the records it needs),
        committed one at a time, each after the one before."""
        from benchmarks.workloads import SETUPS
        from wuyi.crypto import address_of, get_suite

        if workload == "consumption":  # the roles, DIDs, merchant and prepaid card it uses
            from benchmarks.workloads import consumption_setup
            from wuyi.sdk import WuyiClient

            with WuyiClient(self.urls[0], timeout=60) as c:
                consumption_setup(c, self.admin)
            return
        setup = SETUPS.get(workload)
        if setup is None:
            return
        address = address_of(get_suite(self.suite), self.admin.public_key)
        for step in setup(address):
            if self.setup_payloads([step]):
                what = step[1].get("method", step[0]) if isinstance(step[1], dict) else step[0]
                raise RuntimeError(f"{workload} setup: {what} failed")

    def submit_all(self, txs: Sequence[tuple[str, str]], timeout: float = 180.0) -> int:
        """Submit pre-signed setup transactions in batches and wait (bounded) until all are
        committed; returns how many receipts were not ``ok``."""
        with Watcher(self.urls[0]) as w:
            w.expect(h for _x, h in txs)
            with httpx.Client(timeout=60) as c:
                for k in range(0, len(txs), 200):
                    chunk = txs[k : k + 200]
                    r = c.post(f"{self.urls[0]}/v1/txs/batch", json={"txs": [x for x, _ in chunk]})
                    r.raise_for_status()
                    bad = [x for x in r.json()["results"] if not x.get("tx_hash")]
                    if bad:
                        raise RuntimeError(f"setup transactions refused: {bad[:3]}")
            deadline = time.monotonic() + timeout
            while w.committed_n < len(txs):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"setup: {w.committed_n} of {len(txs)} committed after {timeout:.0f} s"
                    )
                time.sleep(0.1)
            return sum(1 for _t, ok in w.done.values() if not ok)

    def setup_payloads(self, payloads: Sequence[tuple[str, dict[str, Any]]]) -> int:
        """Sign ``payloads`` with the admin key and commit them (see :meth:`submit_all`)."""
        from wuyi.crypto import get_suite
        from wuyi.ledger.types import Transaction

        suite = get_suite(self.suite)
        key = suite.private_key_from_bytes(self.seed)
        txs = []
        for kind, payload in payloads:
            self._setup_nonce += 1
            tx = Transaction(CHAIN_ID, key.public_key, self._setup_nonce, 90_000, kind, payload)
            tx = tx.signed(key)
            txs.append((tx.to_bytes().hex(), suite.hash(tx.signing_bytes()).hex()))
        return self.submit_all(txs)


# -- watching commits --------------------------------------------------------------------------


class Watcher:
    """Polls node0 every ``interval`` s for new blocks and records, for each transaction hash
    it was told to expect, when its receipt appeared and whether it is ``ok``."""

    def __init__(self, url: str, interval: float = 0.05) -> None:
        self.url = url
        self.interval = interval
        self.expected: set[str] = set()
        self.done: dict[str, tuple[float, bool]] = {}
        self.committed_n = 0
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-watcher", daemon=True)
        self.errors = 0
        with httpx.Client(timeout=10) as c:
            self.seen = int(c.get(f"{url}/v1/status").json()["height"])

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def expect(self, hashes: Any) -> None:
        with self.lock:
            self.expected.update(hashes)

    def forget(self) -> None:
        with self.lock:
            self.expected.clear()
            self.done.clear()
            self.committed_n = 0

    def _run(self) -> None:
        with httpx.Client(timeout=10) as c:
            while not self._stop.is_set():
                try:
                    top = int(c.get(f"{self.url}/v1/status").json()["height"])
                    for h in range(self.seen + 1, top + 1):
                        rcs = c.get(f"{self.url}/v1/blocks/{h}/receipts").json()["receipts"]
                        now = time.perf_counter()
                        with self.lock:
                            for rc in rcs:
                                th = rc["tx_hash"]
                                if th in self.expected and th not in self.done:
                                    self.done[th] = (now, rc["status"] == "ok")
                                    self.committed_n += 1
                        self.seen = h
                except (httpx.HTTPError, ValueError, KeyError):
                    self.errors += 1
                self._stop.wait(self.interval)


# -- one round ---------------------------------------------------------------------------------


@dataclass
class TxPool:
    """Pre-signed transactions ``(hex, hash hex)``, each used once."""

    txs: list[tuple[str, str]]
    cursor: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, m: int) -> list[tuple[str, str]]:
        with self.lock:
            a = self.cursor
            b = min(len(self.txs), a + m)
            self.cursor = b
            return self.txs[a:b]

    @property
    def left(self) -> int:
        return len(self.txs) - self.cursor


@dataclass(frozen=True)
class RoundSpec:
    mode: str  # "fixed-rate" | "fixed-backlog"
    duration: float
    warmup: float
    rate: float = 0.0
    backlog: int = 0
    batch: int = 500
    drain: float = 30.0


def run_round(
    urls: Sequence[str],
    watcher: Watcher,
    pool: TxPool,
    spec: RoundSpec,
    pids: Sequence[int],
    data_dir: Path | None = None,
    on_window: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """One measured round (see the module docstring). ``on_window(seconds)`` is called when
    the measured window opens (the profiler starts there)."""
    watcher.forget()
    submitted: dict[str, float] = {}
    sub_lock = threading.Lock()
    rejected = [0]
    errors: list[str] = []
    accepted = [0]
    disk0 = store_bytes(data_dir) if data_dir else 0
    t0 = time.perf_counter()
    t_end = t0 + spec.duration
    rate = spec.rate
    chunk = max(1, min(spec.batch, int(rate * 0.02))) if rate else 0

    def submitter(url: str) -> None:
        with httpx.Client(timeout=30) as c:
            while True:
                now = time.perf_counter()
                if now >= t_end or pool.left == 0:
                    return
                if spec.mode == "fixed-rate":
                    due = int((now - t0) * rate)
                    if due - pool.cursor < chunk:
                        time.sleep(0.004)
                        continue
                    m = min(spec.batch, due - pool.cursor)
                else:
                    in_flight = accepted[0] - watcher.committed_n
                    room = spec.backlog - in_flight
                    if room < min(spec.batch, max(1, spec.backlog // 10)):
                        time.sleep(0.004)
                        continue
                    m = min(spec.batch, room // len(urls) + 1)
                part = pool.take(m)
                if not part:
                    return
                t = time.perf_counter()
                hashes = [h for _x, h in part]
                with sub_lock:
                    for h in hashes:
                        submitted[h] = t
                watcher.expect(hashes)
                ok_idx: set[int] = set()
                try:
                    r = c.post(f"{url}/v1/txs/batch", json={"txs": [x for x, _h in part]})
                    results = r.json()["results"]
                    ok_idx = {j for j, x in enumerate(results) if x.get("tx_hash")}
                    if len(ok_idx) < len(part) and len(errors) < 5:
                        errors.append(str(next(x for x in results if not x.get("tx_hash")))[:200])
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    if len(errors) < 5:
                        errors.append(f"{type(exc).__name__}: {exc}"[:200])
                with sub_lock:
                    accepted[0] += len(ok_idx)
                    for j, h in enumerate(hashes):
                        if j not in ok_idx:
                            submitted.pop(h, None)
                            rejected[0] += 1

    n_sub = max(2, len(urls))
    threads = [
        threading.Thread(target=submitter, args=(urls[k % len(urls)],), daemon=True)
        for k in range(n_sub)
    ]
    for th in threads:
        th.start()
    # The measured window: [t0 + warmup, t_end].
    time.sleep(max(0.0, t0 + spec.warmup - time.perf_counter()))
    w0 = time.perf_counter()
    cpu0 = [cpu_seconds(p) for p in pids]
    if on_window is not None:
        on_window(t_end - w0)
    time.sleep(max(0.0, t_end - time.perf_counter()))
    w1 = time.perf_counter()
    cpu1 = [cpu_seconds(p) for p in pids]
    rss = [rss_mib(p) for p in pids]
    for th in threads:
        th.join(60)
    exhausted = pool.left == 0
    # Drain: wait (bounded) until everything accepted has committed.
    drain_deadline = time.perf_counter() + spec.drain
    while watcher.committed_n < accepted[0] and time.perf_counter() < drain_deadline:
        time.sleep(0.05)
    drained = watcher.committed_n >= accepted[0]
    with watcher.lock:
        done = dict(watcher.done)
    window = w1 - w0
    times = [tc for h, (tc, _ok) in done.items() if w0 <= tc <= w1 and h in submitted]
    in_window = len(times)
    lats = [done[h][0] - ts for h, ts in submitted.items() if ts >= w0 and h in done]
    offered_in_window = sum(1 for ts in submitted.values() if w0 <= ts <= w1)
    attempted = len(submitted) + rejected[0]
    ok = sum(1 for h in submitted if h in done and done[h][1])
    committed_total = sum(1 for h in submitted if h in done)
    disk1 = store_bytes(data_dir) if data_dir else 0
    last = max((done[h][0] for h in submitted if h in done), default=None)
    # Caliper's definition, over the whole round: successful ÷ (last commit − first send).
    return {
        "mode": spec.mode,
        "rate": spec.rate or None,
        "backlog": spec.backlog or None,
        "duration_s": round(spec.duration, 2),
        "window_s": round(window, 2),
        "offered_tps": round(offered_in_window / window, 1) if window > 0 else None,
        "committed_tps": round(commit_rate(times, window, in_window), 1),
        "committed_in_window": in_window,
        "span_tps": (round(ok / (last - t0), 1) if last and ok else None),
        "attempted": attempted,
        "accepted": accepted[0],
        "rejected_at_submission": rejected[0],
        "committed": committed_total,
        "receipts_ok": ok,
        "success_rate": round(ok / attempted, 4) if attempted else None,
        "not_committed_after_drain": accepted[0] - committed_total,
        "drained": drained,
        "pool_exhausted": exhausted,
        "latency_ms": latency_summary(lats),
        "cpu_cores_per_node": [
            round((b - a) / window, 2) if window > 0 else None
            for a, b in zip(cpu0, cpu1, strict=True)
        ],
        "rss_mib_per_node": [r["rss"] for r in rss],
        "rss_anon_mib_per_node": [r["anon"] for r in rss],
        "disk_bytes_delta": disk1 - disk0 if data_dir else None,
        "submit_errors": errors,
        "watcher_errors": watcher.errors,
    }


# -- profiles ----------------------------------------------------------------------------------


def py_spy() -> str | None:
    """The py-spy executable next to this Python, or on PATH."""
    here = Path(sys.executable).parent / "py-spy"
    if here.exists():
        return str(here)
    return shutil.which("py-spy")


class Profiler:
    """py-spy recordings of running node processes (``--subprocesses``: the node and its
    verifier workers) over one measured window: per node a flame graph (``.svg``) and, from a
    second recorder, the collapsed stacks (``.txt``, ``--format raw``) that
    :mod:`benchmarks.profiles` turns into the report's table."""

    def __init__(self, pids: Sequence[int], outputs: Sequence[Path], rate: int = 50) -> None:
        self.pids = list(pids)
        self.outputs = list(outputs)
        self.rate = rate
        self.procs: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.errors: list[str] = []

    @staticmethod
    def stacks_path(svg: Path) -> Path:
        return svg.with_suffix(".txt")

    def start(self, seconds: float) -> None:
        exe = py_spy()
        if exe is None:
            self.errors.append("py-spy is not installed")
            return
        for pid, out in zip(self.pids, self.outputs, strict=True):
            out.parent.mkdir(parents=True, exist_ok=True)
            for fmt, path in (("flamegraph", out), ("raw", self.stacks_path(out))):
                cmd = [
                    exe,
                    "record",
                    "--pid",
                    str(pid),
                    "--subprocesses",
                    "--rate",
                    str(self.rate),
                    "--duration",
                    str(max(1, int(seconds))),
                    "--format",
                    fmt,
                    "--output",
                    str(path),
                    "--nonblocking",
                ]
                self.procs.append(
                    (
                        subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE),
                        path,
                    )
                )

    def wait(self, timeout: float = 60.0) -> list[str]:
        """Wait for every recorder; returns the flame graphs written (the ``.txt`` stacks
        sit next to them)."""
        written = []
        for p, out in self.procs:
            try:
                _o, err = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                _o, err = p.communicate()
            if p.returncode == 0 and out.exists():
                if out.suffix == ".svg":
                    written.append(str(out))
            else:
                self.errors.append(err.decode(errors="replace").strip()[-300:])
        return written

    def stacks(self) -> list[Path]:
        """The collapsed-stack files that were written."""
        return [p for _, p in self.procs if p.suffix == ".txt" and p.exists()]
