"""``make soak``: four validators under steady load for ``--minutes`` (30) while one validator is
restarted every ``--restart-every`` seconds; then every acknowledged transaction must be on the
chain exactly once, and memory per node must stay flat.

* **Load**: fixed rate (``--rate``, well below saturation), signed as it goes, posted in small
  batches to ``POST /v1/txs/batch`` round-robin over the validators that are up. A transaction
  is *acknowledged* when a node's answer carries its hash.
* **Restarts**: round-robin over node1..node3, alternately ``SIGKILL`` (a crash) and
  ``SIGTERM`` (a graceful stop), then started again and waited for (bounded). node0 stays up:
  it is the observer the commits are read from, and its memory is the uninterrupted series.
* **Client retry**: an acknowledged transaction not committed after ``--resubmit-after`` s is
  sent again to another node, as a real client would after its node crashed; the chain must
  refuse the copy (replay or duplicate) or commit the transaction once.
* **Checks at the end** (after a bounded drain): every block's receipts are read from node0 and
  each hash counted (:func:`benchmarks.stats.check_exactly_once`); up to 200 committed
  transactions are replayed to the other nodes and must all be refused; all nodes must have
  the same block hash at the lowest common height; memory per node is sampled every
  ``--sample-every`` s and its growth from minute 5 to the end computed (goal < 10 %): the
  memory the node owns (RssAnon of the node and its verifier workers). VmRSS and the store's
  size on disk are reported beside it: VmRSS also counts the LMDB file's pages (RssFile, a
  shared mapping), which grow page for page with the store and which the kernel reclaims.

Writes ``benchmarks/results/soak.json`` (``--out``), ``docs/img/bench-soak-rss.png``, and
re-renders ``docs/benchmarks.md`` from the last ``make bench`` results with the soak section.
Progress is shown with Rich while it runs. Every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from benchmarks.network import CHAIN_ID, BenchNetwork, Watcher, rss_mib
from benchmarks.stats import check_exactly_once, memory_growth
from benchmarks.workloads import tx_for

ROOT = Path(__file__).resolve().parent.parent


class Soak:
    def __init__(self, a: argparse.Namespace, console: Console) -> None:
        self.a = a
        self.console = console
        self.net = BenchNetwork(4, a.suite, base_api_port=18900, base_p2p_port=28900, keep=a.keep)
        from wuyi.crypto import get_suite

        self.suite = get_suite(a.suite)
        self.key = self.suite.private_key_from_bytes(self.net.seed)
        self.up = [True] * 4
        self.lock = threading.Lock()
        self.submitted: dict[str, str] = {}  # hash -> raw hex
        self.acked: dict[str, tuple[float, int]] = {}  # hash -> (first ack time, node)
        self.resubmitted = 0
        self.resubmit_refused = 0
        self.restarts: list[dict[str, Any]] = []
        self.rss: list[list[tuple[float, float]]] = [[] for _ in range(4)]
        self.rss_anon: list[list[tuple[float, float]]] = [[] for _ in range(4)]
        self.store_mib: list[list[tuple[float, float]]] = [[] for _ in range(4)]
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.t0 = 0.0
        self.i = 0

    # -- load -----------------------------------------------------------------------------

    def _sign(self, k: int) -> tuple[str, str]:
        from wuyi.ledger.types import Transaction

        kind, payload = tx_for(self.a.workload, self.suite, k)
        tx = Transaction(CHAIN_ID, self.key.public_key, 5 * 10**11 + k, 90_000, kind, payload)
        tx = tx.signed(self.key)
        return tx.to_bytes().hex(), self.suite.hash(tx.signing_bytes()).hex()

    def _live(self, exclude: int | None = None) -> list[int]:
        with self.lock:
            return [i for i in range(4) if self.up[i] and i != exclude]

    def _post(self, c: httpx.Client, node: int, raws: list[str]) -> list[bool]:
        try:
            r = c.post(f"{self.net.urls[node]}/v1/txs/batch", json={"txs": raws}, timeout=10)
            return [bool(x.get("tx_hash")) for x in r.json()["results"]]
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            if len(self.errors) < 20:
                self.errors.append(f"node{node}: {type(exc).__name__}: {exc}"[:200])
            return [False] * len(raws)

    def load(self, watcher: Watcher, end: float) -> None:
        rate = self.a.rate
        rr = 0
        last_resubmit = time.perf_counter()
        with httpx.Client() as c:
            while not self.stop.is_set() and time.perf_counter() < end:
                due = int((time.perf_counter() - self.t0) * rate)
                n = min(200, due - self.i)
                if n >= max(1, rate // 20):
                    batch = [self._sign(self.i + k) for k in range(n)]
                    self.i += n
                    hashes = [h for _x, h in batch]
                    watcher.expect(hashes)
                    live = self._live()
                    if live:
                        node = live[rr % len(live)]
                        rr += 1
                        t = time.perf_counter()
                        for (x, h), ok in zip(
                            batch, self._post(c, node, [x for x, _ in batch]), strict=True
                        ):
                            self.submitted[h] = x
                            if ok:
                                self.acked.setdefault(h, (t, node))
                if time.perf_counter() - last_resubmit > 5:
                    self.resubmit(c, watcher)
                    last_resubmit = time.perf_counter()
                time.sleep(0.01)

    def resubmit(self, c: httpx.Client, watcher: Watcher) -> None:
        """Send acknowledged transactions still not committed after ``resubmit_after`` s again,
        to another node that is up (bounded: 2,000 per pass)."""
        now = time.perf_counter()
        with watcher.lock:
            done = set(watcher.done)
        late = [
            (h, node)
            for h, (t, node) in self.acked.items()
            if h not in done and now - t > self.a.resubmit_after
        ][:2000]
        by_node: dict[int, list[str]] = {}
        for h, node in late:
            live = self._live(exclude=node)
            if live:
                by_node.setdefault(live[hash(h) % len(live)], []).append(h)
        for node, hs in by_node.items():
            res = self._post(c, node, [self.submitted[h] for h in hs])
            self.resubmitted += len(hs)
            self.resubmit_refused += sum(1 for ok in res if not ok)

    # -- restarts and samples -------------------------------------------------------------

    def restart(self, k: int) -> None:
        node = self.a.restart_nodes[k % len(self.a.restart_nodes)]
        how = "SIGKILL" if k % 2 == 0 else "SIGTERM"
        t = time.perf_counter() - self.t0
        with self.lock:
            self.up[node] = False
        t1 = time.perf_counter()
        if how == "SIGKILL":
            self.net.procs.kill(node)
        else:
            self.net.procs.stop(node, signal.SIGTERM, timeout=20)
        time.sleep(self.a.down_seconds)
        self.net.procs.start(node)
        ok = True
        try:
            self.net.procs.wait_ready(90, nodes=[node])
        except Exception as exc:  # recorded; the soak goes on and the report says so
            ok = False
            self.errors.append(f"node{node} did not come back: {exc}"[:300])
        with self.lock:
            self.up[node] = ok
        self.restarts.append(
            {
                "t": round(t, 1),
                "node": node,
                "how": how,
                "ready": ok,
                "down_s": round(time.perf_counter() - t1, 1),
            }
        )

    def sample(self) -> None:
        t = round(time.perf_counter() - self.t0, 1)
        for i, pid in enumerate(self.net.pids()):
            if pid:
                m = rss_mib(pid)
                self.rss[i].append((t, m["rss"]))
                self.rss_anon[i].append((t, m["anon"]))
            with contextlib.suppress(OSError):
                self.store_mib[i].append((t, round(self.net.data_bytes(i) / 2**20, 1)))

    # -- the run --------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        a = self.a
        total = a.minutes * 60.0
        with self.net:
            self.console.print(
                f"[bold]soak[/bold]: four validators ({a.suite}) up in "
                f"{self.net.root}; {a.rate} tx/s for {a.minutes} min"
            )
            if a.workload != "anchor":
                from benchmarks.workloads import WORKLOADS

                self.net.deploy([WORKLOADS[a.workload]])
            self.net.prepare(a.workload)
            with Watcher(self.net.urls[0]) as watcher:
                self.t0 = time.perf_counter()
                end = self.t0 + total
                loader = threading.Thread(target=self.load, args=(watcher, end), daemon=True)
                loader.start()
                next_restart = self.t0 + a.restart_every
                next_sample = self.t0
                k = 0
                cols = [
                    TextColumn("{task.description}"),
                    BarColumn(bar_width=24),
                    TimeElapsedColumn(),
                    TimeRemainingColumn(),
                    TextColumn("{task.fields[stats]}"),
                ]
                with Progress(*cols, console=self.console, transient=False) as prog:
                    task = prog.add_task("soak", total=total, stats="")
                    while time.perf_counter() < end:
                        now = time.perf_counter()
                        if now >= next_sample:
                            self.sample()
                            next_sample += a.sample_every
                        if now >= next_restart and now + a.down_seconds + 10 < end:
                            self.restart(k)
                            k += 1
                            next_restart += a.restart_every
                        rss = " ".join(f"{s[-1][1]:.0f}" if s else "–" for s in self.rss)
                        prog.update(
                            task,
                            completed=min(total, time.perf_counter() - self.t0),
                            stats=(
                                f"acked {len(self.acked):,} committed {watcher.committed_n:,} "
                                f"restarts {len(self.restarts)} up {sum(self.up)}/4 "
                                f"RSS MiB {rss}"
                            ),
                        )
                        time.sleep(0.5)
                self.stop.set()
                loader.join(30)
                self.sample()
                # Drain (bounded): resubmissions go on until every acknowledged one is in.
                drain_end = time.perf_counter() + a.drain
                with httpx.Client() as c:
                    while time.perf_counter() < drain_end:
                        with watcher.lock:
                            done = set(watcher.done)
                        if all(h in done for h in self.acked):
                            break
                        self.resubmit(c, watcher)
                        time.sleep(2)
                time.sleep(1.0)
            return self.check(total)

    def check(self, total: float) -> dict[str, Any]:
        a = self.a
        on_chain: list[str] = []
        heights: list[int | None] = self.net.heights()
        top = heights[0] or 0
        with httpx.Client(timeout=30) as c:
            for height in range(1, top + 1):
                rcs = c.get(f"{self.net.urls[0]}/v1/blocks/{height}/receipts").json()["receipts"]
                on_chain += [rc["tx_hash"] for rc in rcs]
            eo = check_exactly_once(self.acked, on_chain, self.submitted)
            # Replays of committed transactions must all be refused, by every other node.
            chain_set = set(on_chain)  # once: a set per item would be quadratic
            committed = [h for h in self.acked if h in chain_set][:200]
            refused = 0
            for j, h in enumerate(committed):
                node = 1 + j % 3
                r = c.post(f"{self.net.urls[node]}/v1/txs/batch", json={"txs": [self.submitted[h]]})
                refused += not r.json()["results"][0].get("tx_hash")
            common = min(x for x in heights if x is not None)
            hashes = [c.get(f"{u}/v1/blocks/{common}").json()["hash"] for u in self.net.urls]
        mem_from = 300.0 if a.minutes >= 10 else total / 4
        memory = []
        for i in range(4):
            rs = [r["t"] for r in self.restarts if r["node"] == i]
            in_window = [t for t in rs if t >= mem_from - 120]
            start = mem_from if not in_window else max(in_window) + 120
            # the node's own memory (RssAnon: heap, stacks, its verifier workers) is what must
            # stay flat; VmRSS also counts the LMDB file's pages (RssFile, a shared mapping),
            # which grow page for page with the store on disk and which the kernel reclaims
            g = memory_growth(self.rss_anon[i], start, total + 60)
            series = [(t, v) for t, v in self.rss_anon[i] if start <= t]
            rss = [(t, v) for t, v in self.rss[i] if start <= t]
            store = [(t, v) for t, v in self.store_mib[i] if start <= t]
            if g is None:
                verdict = "n/a (too little uninterrupted time)"
            else:
                verdict = ("met" if g < 0.10 else "**not met**") + (
                    f" (since minute {start / 60:.0f})" if in_window else ""
                )
            memory.append(
                {
                    "node": i,
                    "restarts_in_window": len(in_window),
                    "from_s": start,
                    "anon_from": series[0][1] if series else None,
                    "anon_to": series[-1][1] if series else None,
                    "anon_growth": None if g is None else round(g, 4),
                    "rss_from": rss[0][1] if rss else None,
                    "rss_to": rss[-1][1] if rss else None,
                    "growth": memory_growth(self.rss[i], start, total + 60),
                    "store_from": store[0][1] if store else None,
                    "store_to": store[-1][1] if store else None,
                    "verdict": verdict,
                }
            )
        return {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "suite": a.suite,
            "workload": a.workload,
            "minutes": a.minutes,
            "rate": a.rate,
            "restart_every_s": a.restart_every,
            "restart_nodes": a.restart_nodes,
            "resubmit_after_s": a.resubmit_after,
            "submitted": len(self.submitted),
            "acknowledged": len(self.acked),
            "resubmitted": self.resubmitted,
            "resubmit_refused": self.resubmit_refused,
            "restarts": self.restarts,
            "exactly_once": eo.to_json(),
            "replay_check": {
                "tried": len(committed),
                "refused": refused,
                "ok": refused == len(committed),
            },
            "agreement": {"height": common, "ok": len(set(hashes)) == 1, "hashes": hashes},
            "heights": heights,
            "memory": memory,
            "memory_from_s": mem_from,
            "rss_samples": self.rss,
            "rss_anon_samples": self.rss_anon,
            "store_mib_samples": self.store_mib,
            "errors": self.errors,
            "ok": eo.ok and refused == len(committed) and len(set(hashes)) == 1,
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks.soak", description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--rate", type=int, default=100, help="offered tx/s (well below saturation)")
    p.add_argument("--suite", choices=["intl", "sm"], default="intl")
    p.add_argument(
        "--workload",
        default="anchor",
        choices=["anchor", "transfer", "donothing", "registry", "receivable"],
    )
    p.add_argument("--restart-every", type=float, default=240.0, help="seconds between restarts")
    p.add_argument("--restart-nodes", default="1,2,3", help="validators restarted, round-robin")
    p.add_argument("--down-seconds", type=float, default=3.0, help="how long a node stays down")
    p.add_argument("--sample-every", type=float, default=30.0, help="RSS sampling, seconds")
    p.add_argument("--resubmit-after", type=float, default=20.0)
    p.add_argument("--drain", type=float, default=120.0, help="seconds to wait at the end")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "soak.json"))
    p.add_argument("--img", default=str(ROOT / "docs" / "img" / "bench-soak-rss.png"))
    p.add_argument("--no-render", action="store_true", help="do not re-render docs/benchmarks.md")
    p.add_argument("--keep", action="store_true", help="keep the network directory (logs)")
    a = p.parse_args(argv)
    a.restart_nodes = [int(x) for x in a.restart_nodes.split(",") if x.strip()]
    console = Console(stderr=True)
    res = Soak(a, console).run()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + "\n")
    from benchmarks.report import plot_soak

    plot_soak(res, Path(a.img))
    eo = res["exactly_once"]
    console.print(
        f"[bold]{'PASSED' if res['ok'] else 'FAILED'}[/bold]: {eo['acknowledged']:,} acknowledged, "
        f"{eo['committed_once']:,} committed exactly once, {eo['missing']} missing, "
        f"{eo['duplicates']} duplicated; replays refused {res['replay_check']['refused']}/"
        f"{res['replay_check']['tried']}; nodes agree: {res['agreement']['ok']}; restarts "
        f"{len(res['restarts'])}; memory: "
        + ", ".join(
            f"node{m['node']} " + ("–" if m["anon_growth"] is None else f"{m['anon_growth']:+.1%}")
            for m in res["memory"]
        )
    )
    console.print(f"wrote {a.out} and {a.img}")
    latest = ROOT / "benchmarks" / "results" / "latest.json"
    saved = json.loads(latest.read_text()) if latest.exists() else {}
    if not a.no_render and "networks" in saved:  # a `make bench` run of the current format
        from benchmarks.run import write_report

        write_report(saved, ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "img")
    elif not a.no_render:
        console.print(
            "docs/benchmarks.md not re-rendered: run `make bench` first (its soak "
            "section is drawn from benchmarks/results/soak.json)"
        )
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
