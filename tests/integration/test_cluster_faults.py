"""Real-process fault tests of a four-validator network on loopback (not the simulator).

Each test creates a network with :func:`wuyi.node.cluster.create_network` (suite intl, small
consensus timeouts, no empty blocks), starts four ``wuyi node start`` processes, runs a steady
load of ``evidence.anchor`` transactions submitted with ``wait=true`` through the SDK, injects one
fault, heals it, and then checks that

* every node returns the same block hash at every height (no fork), and
* every acknowledged transaction is committed, at the same height, on every node.

Node 3 reaches its peers, and they reach it, only through :class:`TcpProxy` instances this test
controls (``peer_address`` of ``create_network``), so it can be cut off and reconnected.

Issue #17 added two faults: a validator's consensus WAL torn, cut short and bit-flipped between
crashes (the node repairs a torn tail itself, refuses damage in the middle naming the file and
offset, and rejoins once the file is moved aside), and a duplicate validator (a copy of a
validator running with the same key), whose double signs must end up on chain as evidence with a
governance proposal to remove it — and no fork.
A failure prints the tail of every node's log. Timings go to stdout (``pytest -s``) and to
``<tmp>/timings.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from wuyi.api.models import TxCommitted
from wuyi.consensus.wal import WAL_HEADER, WAL_MAGIC, scan_wal
from wuyi.crypto import load_key
from wuyi.exceptions import WuyiError
from wuyi.ledger.bundle import validate_bundle
from wuyi.ledger.jsonform import from_json
from wuyi.node.cluster import ClusterProcesses, ClusterSpec, create_network, log_tail
from wuyi.node.home import NodeSettings, OrgSpec
from wuyi.sdk import WuyiClient
from wuyi.sdk.client import TxBuilder

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PW = "cluster-fault-tests"
N = 4
ISOLATED = 3  # the node behind proxies
SEED = int(os.environ.get("WUYI_TEST_SEED", "20241127"))
CONSENSUS = {
    "timeout_propose_ms": 600,
    "timeout_propose_delta_ms": 150,
    "timeout_prevote_ms": 300,
    "timeout_prevote_delta_ms": 150,
    "timeout_precommit_ms": 300,
    "timeout_precommit_delta_ms": 150,
    "max_timeout_ms": 5000,
    "rebroadcast_ms": 500,
    "create_empty_blocks_interval_ms": -1,
}
READY_S = 60.0
PROGRESS_S = 25.0
CATCH_UP_S = 40.0


# -- a TCP proxy this test controls ------------------------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<target>. ``cut()`` closes every forwarded
    connection and refuses new ones (accepts and closes at once) until ``heal()``. TLS runs end
    to end through it, so the nodes' mutual authentication is untouched."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._cut = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._socks: set[socket.socket] = set()
        self.accepted = 0
        self.refused = 0
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def cut(self) -> None:
        self._cut.set()
        self._close_all()

    def heal(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed.set()
        self._close_all()
        self._thread.join(2)
        self._listener.close()

    def _close_all(self) -> None:
        with self._lock:
            socks, self._socks = list(self._socks), set()
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._cut.is_set():
                self.refused += 1
                conn.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
            except OSError:
                conn.close()
                continue
            upstream.settimeout(None)
            conn.settimeout(None)
            self.accepted += 1
            with self._lock:
                self._socks.update((conn, upstream))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while not self._cut.is_set():
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


# -- load ----------------------------------------------------------------------------------------


@dataclass
class Load:
    """Threads submitting ``evidence.anchor`` with ``wait=true`` round-robin to ``targets``;
    bounded by ``max_txs`` and ``max_seconds``. Only transactions the node acknowledged as
    committed (HTTP 200 with a receipt) are recorded in ``acked``."""

    spec: ClusterSpec
    key: Any
    targets: set[int]
    threads: int = 3
    max_txs: int = 2000
    max_seconds: float = 90.0
    acked: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    submitted: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._rng = random.Random(SEED)

    def start(self) -> Load:
        for w in range(self.threads):
            t = threading.Thread(target=self._run, args=(w,), daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(20)

    def _run(self, worker: int) -> None:
        deadline = time.monotonic() + self.max_seconds
        clients = {nd.index: WuyiClient(nd.url, timeout=15) for nd in self.spec.nodes}
        n = worker
        try:
            while not self._stop.is_set() and time.monotonic() < deadline:
                with self._lock:
                    if self.submitted >= self.max_txs:
                        return
                    self.submitted += 1
                    doc = self._rng.randbytes(32)
                targets = sorted(self.targets)
                if not targets:
                    time.sleep(0.1)
                    continue
                i = targets[n % len(targets)]
                n += 1
                c = clients[i]
                try:
                    st = c.status()
                    tx = TxBuilder(st.chain_id, self.key, current_height=st.height).anchor(
                        doc, {"seq": n, "w": worker}
                    )
                    res = c.submit(tx, wait=True, timeout=6)
                    if isinstance(res, TxCommitted) and res.receipt.status == "ok":
                        with self._lock:
                            self.acked[res.tx_hash] = res.height
                except WuyiError as exc:
                    with self._lock:
                        self.errors[exc.code] = self.errors.get(exc.code, 0) + 1
                    time.sleep(0.1)
                except Exception as exc:  # e.g. httpx errors; never let a worker die
                    with self._lock:
                        k = type(exc).__name__
                        self.errors[k] = self.errors.get(k, 0) + 1
                    time.sleep(0.1)
        finally:
            for c in clients.values():
                c.close()


# -- harness -------------------------------------------------------------------------------------


def _ports_free(ports: list[int]) -> bool:
    for p in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


def _free_bases(n: int) -> tuple[int, int]:
    rng = random.Random()
    for _ in range(200):
        api, p2p = rng.randrange(20000, 30000, 10), rng.randrange(40000, 50000, 10)
        if _ports_free([*range(api, api + n), *range(p2p, p2p + n)]):
            return api, p2p
    raise RuntimeError("no free port range on loopback")


class Net:
    def __init__(self, root: Path) -> None:
        api, p2p = _free_bases(N)
        self.proxies: dict[tuple[int, int], TcpProxy] = {}
        for i in range(N):
            for j in range(N):
                if i != j and ISOLATED in (i, j):
                    self.proxies[(i, j)] = TcpProxy(p2p + j)

        def where(i: int, j: int) -> tuple[str, int]:
            px = self.proxies.get((i, j))
            return ("127.0.0.1", px.port if px is not None else p2p + j)

        self.spec = create_network(
            root,
            N,
            chain_id="fault-net",
            suite="intl",
            orgs=[OrgSpec("sjj", "政数局", True)],
            passphrase=PW,
            base_api_port=api,
            base_p2p_port=p2p,
            consensus=CONSENSUS,
            settings=NodeSettings(block_interval_ms=10),
            peer_address=where,
        )
        self.procs = ClusterProcesses(self.spec, PW)
        self.key = load_key(self.spec.admin_keys["sjj"], PW)
        self.http = httpx.Client(timeout=5)
        self.timings: dict[str, float] = {}
        self.root = root

    def close(self) -> None:
        self.procs.stop_all(10)
        self.procs.close()
        for px in self.proxies.values():
            px.close()
        self.http.close()
        (self.root / "timings.json").write_text(json.dumps(self.timings, indent=2))

    def up(self) -> None:
        t0 = time.monotonic()
        self.procs.start_all()
        self.procs.wait_ready(READY_S)
        assert self.procs.wait_connected(30), "nodes did not connect:\n" + self._table()
        self.timings["startup_s"] = round(time.monotonic() - t0, 2)

    # -- reading the nodes --------------------------------------------------------------------

    def height(self, i: int) -> int | None:
        try:
            r = self.http.get(self.spec.nodes[i].url + "/v1/status", timeout=2)
            return int(r.json()["height"]) if r.status_code == 200 else None
        except (httpx.HTTPError, ValueError, KeyError):
            return None

    def heights(self, nodes: list[int] | None = None) -> dict[int, int | None]:
        return {i: self.height(i) for i in (range(N) if nodes is None else nodes)}

    def _table(self) -> str:
        return "\n".join(
            f"{s.name}: up={s.up} height={s.height} round={s.round} step={s.step}"
            f" peers={s.peers_connected}/{s.peers_total} err={s.error}"
            for s in self.procs.status()
        )

    def wait_until(self, what: str, cond: Callable[[], bool], timeout: float) -> float:
        """Poll ``cond`` until true; returns the seconds it took; fails with the nodes' view."""
        t0 = time.monotonic()
        while not cond():
            if time.monotonic() - t0 > timeout:
                raise AssertionError(
                    f"timed out after {timeout:.0f}s waiting for {what}; heights"
                    f" {self.heights()}\n{self._table()}"
                )
            time.sleep(0.1)
        return time.monotonic() - t0

    def wait_height(self, nodes: list[int], at_least: int, timeout: float, what: str) -> float:
        return self.wait_until(
            f"{what} (nodes {nodes} at height >= {at_least})",
            lambda: all((h or -1) >= at_least for h in self.heights(nodes).values()),
            timeout,
        )

    def top(self, nodes: list[int]) -> int:
        return max((h or 0) for h in self.heights(nodes).values())

    def block_hashes(self, i: int, upto: int) -> list[str]:
        out: list[str] = []
        h = 0
        url = self.spec.nodes[i].url
        while h <= upto:
            r = self.http.get(
                url + "/v1/blocks", params={"from_height": h, "limit": 100, "order": "asc"}
            )
            r.raise_for_status()
            got = [b["hash"] for b in r.json()["blocks"] if b["height"] <= upto]
            if not got:
                break
            out += got
            h += len(got)
        return out

    # -- the checks after each fault ----------------------------------------------------------

    def check_agreement(self, load: Load, timeout: float = CATCH_UP_S) -> None:
        """All four nodes converge; same hash at every height (one spot-checked through
        /v1/blocks/{h}); every acknowledged transaction committed at its height everywhere."""
        t0 = time.monotonic()
        self.wait_until(
            "every node at the same height",
            lambda: (
                len({h for h in self.heights().values()}) == 1
                and None not in self.heights().values()
            ),
            timeout,
        )
        top = min(h or 0 for h in self.heights().values())
        chains = [self.block_hashes(i, top) for i in range(N)]
        assert all(len(c) == top + 1 for c in chains), [len(c) for c in chains]
        for h in range(top + 1):
            hs = {c[h] for c in chains}
            assert len(hs) == 1, f"FORK at height {h}: {[c[h] for c in chains]}"
        for i in range(N):
            r = self.http.get(f"{self.spec.nodes[i].url}/v1/blocks/{top}")
            assert r.json()["hash"] == chains[0][top]
        missing: list[str] = []
        for tx_hash, height in load.acked.items():
            for i in range(N):
                r = self.http.get(f"{self.spec.nodes[i].url}/v1/txs/{tx_hash}")
                doc = r.json() if r.status_code == 200 else {}
                if doc.get("status") != "committed" or doc.get("height") != height:
                    missing.append(f"{tx_hash[:12]}@{height} on node{i}: {r.status_code} {doc}")
        assert not missing, f"{len(missing)} acknowledged txs missing: {missing[:5]}"
        self.timings["converge_and_check_s"] = round(time.monotonic() - t0, 2)
        self.timings["final_height"] = top
        self.timings["acked_txs"] = len(load.acked)

    @contextlib.contextmanager
    def logs_on_failure(self) -> Iterator[None]:
        try:
            yield
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise AssertionError(
                f"{type(exc).__name__}: {exc}\n\n===== consensus =====\n{self._consensus_views()}"
                "\n===== node logs =====\n" + self.procs.log_tails(40)
            ) from exc

    def _consensus_views(self) -> str:
        """Each node's ``/v1/consensus`` minus the peer lists: the consensus height (which can
        differ from the stored height), timeouts, syncing, mempool and the network counters."""
        lines = []
        for nd in self.spec.nodes:
            try:
                view = self.http.get(nd.url + "/v1/consensus", timeout=2).json()
            except (httpx.HTTPError, ValueError) as exc:
                lines.append(f"{nd.name}: {type(exc).__name__}")
                continue
            view.pop("validators", None)
            view.pop("peers", None)
            lines.append(f"{nd.name}: {json.dumps(view, separators=(',', ':'))[:1500]}")
        return "\n".join(lines)

    def report(self, name: str, load: Load) -> None:
        self.timings["load_errors"] = sum(load.errors.values())
        print(f"\n[{name}] timings: {json.dumps(self.timings)} errors: {load.errors}")


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Net]:
    n = Net(tmp_path / "net")
    try:
        with n.logs_on_failure():
            n.up()
        yield n
    finally:
        n.close()


# -- the faults ----------------------------------------------------------------------------------


def test_sigkill_one_validator_under_load_then_restart(net: Net) -> None:
    victim = 1
    others = [0, 2, 3]
    load = Load(net.spec, net.key, targets={0, 1, 2, 3}).start()
    try:
        with net.logs_on_failure():
            net.wait_height(list(range(N)), 3, PROGRESS_S, "progress under load")
            load.targets.discard(victim)
            net.procs.kill(victim)
            h_kill = net.top(others)
            t = net.wait_height(others, h_kill + 5, PROGRESS_S, "the three others keep committing")
            net.timings["three_commit_5_blocks_s"] = round(t, 2)
            t0 = time.monotonic()
            net.procs.start(victim)
            net.procs.wait_ready(READY_S, nodes=[victim])
            target = net.top(others)
            t = net.wait_height([victim], target, CATCH_UP_S, "the restarted node catches up")
            net.timings["restart_ready_and_catch_up_s"] = round(time.monotonic() - t0, 2)
            net.timings["catch_up_after_ready_s"] = round(t, 2)
            load.targets.add(victim)
            net.wait_height([victim], target + 2, PROGRESS_S, "the restarted node commits again")
            load.stop()
            net.check_agreement(load)
            assert len(load.acked) >= 10, f"load too small: {len(load.acked)} {load.errors}"
    finally:
        load.stop()
        net.report("sigkill", load)


def test_cut_off_one_validator_then_reconnect(net: Net) -> None:
    cut = ISOLATED
    others = [0, 1, 2]
    load = Load(net.spec, net.key, targets=set(others)).start()
    try:
        with net.logs_on_failure():
            net.wait_height(list(range(N)), 3, PROGRESS_S, "progress under load")
            assert all(px.accepted > 0 for px in net.proxies.values()) or all(
                net.proxies[(i, ISOLATED)].accepted + net.proxies[(ISOLATED, i)].accepted > 0
                for i in others
            ), "node3's links do not go through the proxies"
            for px in net.proxies.values():
                px.cut()
            t0 = time.monotonic()
            h_cut = net.top(list(range(N)))
            net.wait_until(
                "node3 to see no peer",
                lambda: net.procs.status()[cut].peers_connected in (0, None),
                10,
            )
            t = net.wait_height(others, h_cut + 5, PROGRESS_S, "the three others keep committing")
            net.timings["three_commit_5_blocks_s"] = round(t, 2)
            h_isolated = net.height(cut)
            assert h_isolated is not None and h_isolated <= h_cut + 1, (
                f"an isolated validator cannot commit alone: {h_isolated} > {h_cut} + 1"
            )
            time.sleep(max(0.0, 3.0 - (time.monotonic() - t0)))
            assert net.height(cut) == h_isolated, "the isolated node's height moved"
            for px in net.proxies.values():
                px.heal()
            t0 = time.monotonic()
            target = net.top(others)
            t = net.wait_height([cut], target, CATCH_UP_S, "the reconnected node catches up")
            net.timings["reconnect_catch_up_s"] = round(t, 2)
            load.targets.add(cut)
            net.wait_height([cut], target + 2, PROGRESS_S, "the reconnected node commits again")
            load.stop()
            net.check_agreement(load)
            assert len(load.acked) >= 10, f"load too small: {len(load.acked)} {load.errors}"
    finally:
        load.stop()
        net.report("partition", load)


def test_stop_two_of_four_halts_without_fork_then_resumes(net: Net) -> None:
    live = [0, 1]
    load = Load(net.spec, net.key, targets=set(live), threads=2).start()
    try:
        with net.logs_on_failure():
            net.wait_height(list(range(N)), 3, PROGRESS_S, "progress under load")
            net.procs.stop(2)
            net.procs.stop(3)
            time.sleep(1.5)  # let a commit already under way land
            h1 = net.heights(live)
            time.sleep(4.0)
            h2 = net.heights(live)
            assert h1 == h2, f"two of four validators committed without a quorum: {h1} -> {h2}"
            top = min(h or 0 for h in h2.values())
            a, b = net.block_hashes(0, top), net.block_hashes(1, top)
            assert a == b, "the two live nodes disagree while halted"
            acked_during_halt = len(load.acked)
            t0 = time.monotonic()
            net.procs.start(2)
            net.procs.wait_ready(READY_S, nodes=[2])
            halted_at = max(h or 0 for h in h2.values())
            t = net.wait_height(
                [0, 1, 2], halted_at + 3, CATCH_UP_S, "three of four resume committing"
            )
            net.timings["resume_after_restart_s"] = round(time.monotonic() - t0, 2)
            net.timings["resume_after_ready_s"] = round(t, 2)
            assert len(load.acked) > acked_during_halt or net.top(live) > halted_at
            net.procs.start(3)
            net.procs.wait_ready(READY_S, nodes=[3])
            load.stop()
            net.check_agreement(load)
            assert len(load.acked) >= 10, f"load too small: {len(load.acked)} {load.errors}"
    finally:
        load.stop()
        net.report("two-down", load)


# -- issue #17: the WAL damaged between crashes, and a duplicate validator ----------------------


def _wal_spans(path: Path) -> list[tuple[int, int]]:
    """(start, end) of every whole record of a consensus WAL file."""
    out, pos = [], len(WAL_MAGIC)
    for _, data in scan_wal(path.read_bytes()).records:
        end = pos + WAL_HEADER.size + len(data)
        out.append((pos, end))
        pos = end
    return out


def _log_events(path: Path, event: str) -> list[dict[str, Any]]:
    out = []
    for line in path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            rec = json.loads(line)
            if isinstance(rec, dict) and rec.get("event") == event:
                out.append(rec)
    return out


def test_torn_truncated_and_bit_flipped_wal_then_restart(net: Net) -> None:
    victim = 2
    others = [0, 1, 3]
    nd = net.spec.nodes[victim]
    wal = nd.home / "data" / "consensus.wal"
    rng = random.Random(SEED)
    load = Load(net.spec, net.key, targets=set(others)).start()
    try:
        with net.logs_on_failure():
            net.wait_height(list(range(N)), 3, PROGRESS_S, "progress under load")

            def crash_then(damage: Callable[[list[tuple[int, int]]], None]) -> None:
                net.procs.kill(victim)
                spans = _wal_spans(wal)
                assert len(spans) >= 3, f"the WAL holds only {len(spans)} records"
                damage(spans)

            def rejoin(what: str) -> None:
                t0 = time.monotonic()
                net.procs.start(victim)
                net.procs.wait_ready(READY_S, nodes=[victim])
                target = net.top(others)
                net.wait_height([victim], target + 1, CATCH_UP_S, f"{what}: node2 rejoins")
                net.timings[f"{what}_rejoin_s"] = round(time.monotonic() - t0, 2)

            # 1. torn: the crash cut the last record part-way
            def torn(spans: list[tuple[int, int]]) -> None:
                start, end = spans[-1]
                with wal.open("r+b") as f:
                    f.truncate(rng.randint(start + 1, end - 1))

            crash_then(torn)
            repaired_before = len(_log_events(nd.log_path, "wal_repaired"))
            rejoin("torn")
            assert len(_log_events(nd.log_path, "wal_repaired")) == repaired_before + 1

            # 2. truncated: the unsynced tail is lost, several records and a part of one
            def truncated(spans: list[tuple[int, int]]) -> None:
                start, _ = spans[max(0, len(spans) - rng.randint(2, 12))]
                with wal.open("r+b") as f:
                    f.truncate(rng.randint(start + 1, spans[-1][1] - 1))

            crash_then(truncated)
            rejoin("truncated")

            # 3. a flipped bit in the middle: refused, naming the file and the offset
            flipped: dict[str, int] = {}

            def bit_flip(spans: list[tuple[int, int]]) -> None:
                start, end = spans[len(spans) // 2]
                data = bytearray(wal.read_bytes())
                data[rng.randint(start, end - 1)] ^= 1 << rng.randrange(8)
                wal.write_bytes(bytes(data))
                flipped["offset"] = start

            crash_then(bit_flip)
            net.procs.start(victim)
            assert net.procs.wait_exit(victim, READY_S), "a node with a corrupt WAL must not run"
            assert net.procs.exit_code(victim) not in (0, None)
            said = " ".join(log_tail(nd.log_path, 20).split())
            assert "wal_corrupted" in said and f"byte {flipped['offset']}" in said, said
            assert "consensus.wal" in said and "mv " in said, said
            # what the message says to do: move the file aside and start again
            wal.rename(wal.with_name("consensus.wal.corrupt"))
            rejoin("moved_aside")
            load.targets.add(victim)
            net.wait_height([victim], net.top(others) + 2, PROGRESS_S, "node2 commits again")
            load.stop()
            net.check_agreement(load)
            assert len(load.acked) >= 10, f"load too small: {len(load.acked)} {load.errors}"
    finally:
        load.stop()
        net.report("wal", load)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_duplicate_validator_double_signs_evidence_on_chain_no_fork(
    net: Net, tmp_path: Path
) -> None:
    """A copy of one validator (same validator key, its own ports) runs next to it: the pair signs
    conflicting votes and proposals. The validators put the evidence on chain, a proposal to
    remove that validator opens, the metrics count it, and nobody forks.

    Which validator gets the twin matters: a pair of nodes keeps one connection, the one dialled
    by the smaller public key (``PeerNetwork._prefer_new``). A peer whose key is smaller than the
    copied one keeps the link it dialled to the original and refuses the twin's, so the twin of
    the largest key reaches nobody and signs nothing anyone sees (CI met this by chance:
    the keys are fresh each run). The twin of the smallest key reaches every peer, taking the
    link from the original and losing it back, so both are heard."""
    validators = net.http.get(net.spec.nodes[0].url + "/v1/status").json()["validators"]
    twin_of = min(range(N), key=lambda i: bytes.fromhex(validators[i]["public_key"]))
    nd = net.spec.nodes[twin_of]
    load = Load(net.spec, net.key, targets={0, 1, 2, 3}, max_seconds=150).start()
    twin: subprocess.Popen[bytes] | None = None
    twin_log = tmp_path / "twin.log"
    try:
        with net.logs_on_failure():
            net.wait_height(list(range(N)), 3, PROGRESS_S, "progress under load")
            # the twin: the original's keys and settings, its own ports and an empty store (it
            # fetches the blocks from its peers, then runs consensus with its key)
            twin_home = tmp_path / "twin"
            shutil.copytree(
                nd.home,
                twin_home,
                ignore=shutil.ignore_patterns("data", "*.log", "*.pid", "node.lock"),
            )
            toml = (twin_home / "node.toml").read_text()
            toml = re.sub(r"(?m)^port = \d+$", f"port = {_free_port()}", toml, count=1)
            toml = re.sub(r"(?m)^listen_port = \d+$", f"listen_port = {_free_port()}", toml)
            (twin_home / "node.toml").write_text(toml)
            with twin_log.open("ab") as out:
                twin = subprocess.Popen(
                    [sys.executable, "-m", "wuyi.cli", "node", "start", "--home", str(twin_home)],
                    env={**os.environ, "WUYI_PASSPHRASE": PW, "PYTHONUNBUFFERED": "1"},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            url = net.spec.nodes[0].url

            def evidence() -> list[dict[str, Any]]:
                r = net.http.get(url + "/v1/consensus/evidence")
                return list(r.json()["evidence"]) if r.status_code == 200 else []

            t = net.wait_until("evidence of the double signs on chain", evidence, 90)
            net.timings["evidence_on_chain_s"] = round(t, 2)
            recs = evidence()
            offender = net.http.get(url + "/v1/status").json()["validators"][twin_of]
            assert {r["offender"] for r in recs} == {offender["public_key"]}, recs
            assert all(r["offender_name"] == nd.name for r in recs)
            listing = net.http.get(url + "/v1/consensus/evidence").json()
            (off,) = listing["offenders"]
            pid = off["proposal"]
            prop = net.http.get(f"{url}/v1/gov/proposals/{pid}").json()
            assert prop["action"]["type"] == "validator.remove"
            assert prop["action"]["args"]["public_key"] == {"$bytes": offender["public_key"]}
            metrics = net.http.get(url + "/metrics").text
            m = re.search(
                rf'wuyi_validator_equivocations_recorded{{validator="{nd.name}"}} (\d+)', metrics
            )
            assert m is not None and int(m.group(1)) >= 1, metrics[-2000:]
            observed = 0
            for i in (0, 2, 3):
                text = net.http.get(net.spec.nodes[i].url + "/metrics").text
                got = re.search(r"^wuyi_consensus_equivocations_observed_total (\S+)", text, re.M)
                observed += int(float(got.group(1))) if got else 0
            assert observed >= 1
            contested = 0  # informational: how often peers saw the key offered twice
            for i in (j for j in range(N) if j != twin_of):
                text = net.http.get(net.spec.nodes[i].url + "/metrics").text
                for got in re.finditer(r"^wuyi_p2p_key_contested_total\{[^}]*\} (\S+)", text, re.M):
                    contested += int(float(got.group(1)))
            net.timings["key_contested"] = contested
            bundle = net.http.get(f"{url}/v1/consensus/evidence/{recs[0]['id']}/bundle").json()
            genesis = bytes.fromhex(net.http.get(url + "/v1/status").json()["genesis_hash"])
            report = validate_bundle(from_json(bundle), genesis_hash=genesis)
            assert report.kind == "misbehaviour"
            net.timings["evidence_records"] = len(recs)
            # the twin goes away; the four converge on one chain
            twin.send_signal(signal.SIGKILL)
            twin.wait(10)
            net.wait_height(list(range(N)), net.top(list(range(N))) + 2, PROGRESS_S, "progress")
            load.stop()
            net.check_agreement(load)
            assert len(load.acked) >= 10, f"load too small: {len(load.acked)} {load.errors}"
    except BaseException:
        print("----- twin log -----\n" + log_tail(twin_log, 30))
        raise
    finally:
        load.stop()
        if twin is not None and twin.poll() is None:
            twin.send_signal(signal.SIGKILL)
            twin.wait(10)
        net.report("duplicate-validator", load)
