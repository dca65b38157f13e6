"""Availability of a node's API when the chain cannot commit, and client failover (issue #17,
items 3 and 5), on real four-validator networks of ``wuyi node start`` processes on loopback.

* Halted network (two of four validators stopped): hundreds of ``POST /v1/txs?wait=true``
  clients on one healthy node. ``/healthz``, ``/readyz`` and ``/v1/status`` keep answering,
  each wait with ``timeout=T`` is answered at about T, and past ``[api] max_commit_waiters``
  the node answers 503 ``too_many_waiters`` with ``Retry-After`` at once.
* Paused node (SIGSTOP): the SDK and the CLI, given several nodes, complete through another
  node, and the transaction — which the paused node also received and admits once resumed — is
  committed exactly once.

Time bounds asserted here are deliberately generous for a busy 2-core CI machine: the goal is
that liveness and readiness answer within 1 s; the test allows ``PROBE_LIMIT_S`` = 2 s. A wait
asked with ``timeout=T`` must be answered between T and T + ``WAIT_SLACK_S`` = 2 s, measured at
the client (it includes the client's own queueing).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import random
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from wuyi.cli import app
from wuyi.crypto import address_of, format_address, get_suite, load_key
from wuyi.node.cluster import ClusterProcesses, ClusterSpec, create_network
from wuyi.node.home import NodeSettings, OrgSpec
from wuyi.sdk import WuyiClient

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PW = "availability-tests"
CONSENSUS = {
    "timeout_propose_ms": 400,
    "timeout_propose_delta_ms": 100,
    "timeout_prevote_ms": 200,
    "timeout_prevote_delta_ms": 100,
    "timeout_precommit_ms": 200,
    "timeout_precommit_delta_ms": 100,
    "max_timeout_ms": 2000,
    "rebroadcast_ms": 500,
    "create_empty_blocks_interval_ms": -1,
}
MAX_WAITERS = 200
"""The node's ``[api] max_commit_waiters`` in the halt test."""
EXTRA = 100
"""Waiting clients sent past the bound."""
WAIT_S = 8.0
"""``timeout`` the waiting clients ask for."""
PROBE_LIMIT_S = 2.0
WAIT_SLACK_S = 2.0


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


@dataclass
class Net:
    spec: ClusterSpec
    procs: ClusterProcesses

    def url(self, i: int) -> str:
        return self.spec.nodes[i].url

    def key(self, org: str) -> Any:
        return load_key(self.spec.admin_keys[org], PW)

    def all_up(self) -> None:
        """Start the nodes an earlier test stopped; wait until all are ready and connected."""
        for i in range(self.spec.n):
            self.procs.send_signal(i, signal.SIGCONT)
            if not self.procs.is_running(i):
                self.procs.start(i)
        self.procs.wait_ready(60)
        assert self.procs.wait_connected(30), "nodes did not connect:\n" + self.procs.log_tails(10)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    """One four-validator network for the tests of this module (each test first brings up what
    it needs: see ``Net.all_up``). Under ``pytest -n 2`` both workers may run a test of this
    module; a lock shared by the workers keeps their networks from running at once (two
    networks on two cores would measure the machine, not the node)."""
    lock = (tmp_path_factory.getbasetemp().parent / "wuyi-availability.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        yield from _network(tmp_path_factory)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    api, p2p = _free_bases(4)
    spec = create_network(
        tmp_path_factory.mktemp("avail") / "net",
        4,
        chain_id="avail-net",
        suite="intl",
        orgs=[OrgSpec("sjj", "政数局", True), OrgSpec("zjj", "住建局")],
        passphrase=PW,
        base_api_port=api,
        base_p2p_port=p2p,
        consensus=CONSENSUS,
        settings=NodeSettings(block_interval_ms=10, max_commit_waiters=MAX_WAITERS),
    )
    procs = ClusterProcesses(spec, PW)
    try:
        yield Net(spec, procs)
    finally:
        for i in range(spec.n):  # a paused node would not stop
            procs.send_signal(i, signal.SIGCONT)
        procs.stop_all(10)
        procs.close()


# -- item 3: the API under a halt ------------------------------------------------------------


@dataclass
class Answer:
    seconds: float
    status: int | None
    code: str | None = None
    retry_after: str | None = None


async def _raw_http(
    url: str, method: str, target: str, body: bytes = b"", ctype: str = "application/cbor"
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 exchange on its own connection, with asyncio streams: hundreds at once
    cost the test process little, so the times measured are the node's, not the client's."""
    u = httpx.URL(url)
    reader, writer = await asyncio.open_connection(u.host, u.port)
    try:
        head = (
            f"{method} {target} HTTP/1.1\r\nHost: {u.host}:{u.port}\r\nConnection: close\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    raw_head, _, payload = data.partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return int(lines[0].split()[1]), headers, payload


async def _post_wait(url: str, raw: bytes) -> Answer:
    t0 = time.monotonic()
    target = f"/v1/txs?wait=true&timeout={WAIT_S}"
    try:
        status, headers, body = await asyncio.wait_for(
            _raw_http(url, "POST", target, raw), WAIT_S + 20
        )
    except (TimeoutError, OSError):
        return Answer(time.monotonic() - t0, None)
    code = json.loads(body).get("code")
    return Answer(time.monotonic() - t0, status, code, headers.get("retry-after"))


def _gauge(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


class Prober:
    """Asks ``/healthz``, ``/readyz`` and ``/v1/status`` in turn, every 0.1 s, from a thread of
    its own (apart from the load), and records how long each answer took (``None``: none)."""

    PATHS = ("/healthz", "/readyz", "/v1/status")

    def __init__(self, url: str) -> None:
        self.url = url
        self.results: list[tuple[str, float | None, int | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prober", daemon=True)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10.0) as http:
            while not self._stop.is_set():
                for path in self.PATHS:
                    t0 = time.monotonic()
                    try:
                        r = http.get(path)
                        self.results.append((path, time.monotonic() - t0, r.status_code))
                    except httpx.HTTPError:
                        self.results.append((path, None, None))
                self._stop.wait(0.1)


async def _drive_halted(url: str, raws: list[bytes]) -> dict[str, Any]:
    first = [asyncio.create_task(_post_wait(url, r)) for r in raws[:MAX_WAITERS]]
    # The first wave takes every slot; the node's gauge says when it holds them all.
    waiting = None
    until = time.monotonic() + WAIT_S - 2
    while time.monotonic() < until:
        try:
            _st, _h, text = await asyncio.wait_for(_raw_http(url, "GET", "/metrics"), 5)
            waiting = _gauge(text.decode(), "wuyi_api_commit_waiters")
        except (TimeoutError, OSError):
            waiting = None
        if waiting == MAX_WAITERS:
            break
        await asyncio.sleep(0.1)
    second = await asyncio.gather(*(_post_wait(url, r) for r in raws[MAX_WAITERS:]))
    answers = await asyncio.gather(*first)
    _st, _h, status = await _raw_http(url, "GET", "/v1/status")
    return {
        "first": answers,
        "second": second,
        "waiting": waiting,
        "mempool": json.loads(status)["mempool_size"],
    }


def test_api_answers_during_a_halt_with_hundreds_of_waiting_clients(net: Net) -> None:
    net.all_up()
    url = net.url(0)
    with WuyiClient(url, timeout=15) as c:
        b = c.builder(net.key("sjj"))
        first = c.submit_and_wait(b.anchor(c.suite.hash(b"before the halt")), timeout=20)
        assert first.receipt.status == "ok"
        suite = c.suite
        raws = [
            b.anchor(suite.hash(f"during the halt {i}".encode())).to_bytes()
            for i in range(MAX_WAITERS + EXTRA)
        ]
    net.procs.stop(2)
    net.procs.stop(3)  # two of four validators down: no quorum, nothing commits
    t0 = time.monotonic()
    with Prober(url) as prober:
        out = asyncio.run(_drive_halted(url, raws))
        time.sleep(0.3)
    took = time.monotonic() - t0

    probes = prober.results
    slow = [(p, s, st) for p, s, st in probes if s is None or s > PROBE_LIMIT_S]
    worst = {p: max((s or 99.0) for q, s, _ in probes if q == p) for p, _, _ in probes}
    print(f"halt: {len(probes)} probes, worst {worst}; {took:.1f} s")
    assert len(probes) >= 3 * 10, probes
    assert not slow, f"probes slower than {PROBE_LIMIT_S} s (None: no answer): {slow[:10]}"
    assert all(st == 200 for p, _, st in probes if p in ("/healthz", "/v1/status"))
    assert all(st in (200, 503) for p, _, st in probes if p == "/readyz")

    assert out["waiting"] == MAX_WAITERS, f"the node held {out['waiting']} waits"
    first = out["first"]
    assert all(a.status == 504 and a.code == "timeout" for a in first), first[:5]
    late = [a.seconds for a in first if not WAIT_S - 0.05 <= a.seconds <= WAIT_S + WAIT_SLACK_S]
    print(f"waits: {min(a.seconds for a in first):.2f}-{max(a.seconds for a in first):.2f} s")
    assert not late, f"waits of timeout={WAIT_S} answered after {sorted(late)[-5:]} s"

    second = out["second"]
    assert all(a.status == 503 and a.code == "too_many_waiters" for a in second), second[:5]
    assert all(a.retry_after is not None and 1 <= int(a.retry_after) <= WAIT_S for a in second)
    assert max(a.seconds for a in second) <= PROBE_LIMIT_S, "a refusal must come at once"
    # a refusal submits nothing: only the first wave waits in the pool
    assert out["mempool"] == MAX_WAITERS


# -- item 5: client failover -----------------------------------------------------------------


def _sender_txs(url: str, address: str) -> list[str]:
    r = httpx.get(f"{url}/v1/accounts/{address}/txs", params={"limit": 100}, timeout=5)
    r.raise_for_status()
    return [t["tx_hash"] for t in r.json()["txs"]]


def test_clients_fail_over_from_a_paused_node_and_commit_once(net: Net, tmp_path: Path) -> None:
    net.all_up()
    urls = [net.url(i) for i in range(4)]
    key = net.key("zjj")
    address = format_address(address_of(get_suite(net.spec.suite), key.public_key))
    net.procs.send_signal(0, signal.SIGSTOP)  # node0 stops answering; three keep a quorum
    try:
        t0 = time.monotonic()
        with WuyiClient(urls, timeout=2.0, wait_slice=2.0) as c:
            tx = c.builder(key).anchor(b"\x01" * 32)
            res = c.submit_and_wait(tx, timeout=30)
            took = time.monotonic() - t0
            assert res.receipt.status == "ok"
            assert c.node_url != urls[0] and c.failovers >= 1
        print(f"SDK: committed through {c.node_url} in {took:.1f} s")
        doc = tmp_path / "doc.txt"
        doc.write_text("failover document")
        t0 = time.monotonic()
        out = CliRunner().invoke(
            app,
            ["anchor", str(doc), "--key", str(net.spec.admin_keys["zjj"]),
             "--node", ",".join(urls)],
            env={"WUYI_PASSPHRASE": PW},
        )  # fmt: skip
        print(f"CLI: {time.monotonic() - t0:.1f} s")
        assert out.exit_code == 0, out.output
        assert "已存证 / anchored" in out.output
    finally:
        net.procs.send_signal(0, signal.SIGCONT)
    # node0 resumes: it reads the submissions that reached it while paused, admits or refuses
    # them, and catches up; each transaction is in the chain once, on every node.
    h = res.tx_hash
    deadline = time.monotonic() + 30
    while True:
        seen = [_sender_txs(u, address) for u in urls]
        if all(h in s for s in seen) and len({tuple(s) for s in seen}) == 1:
            break
        assert time.monotonic() < deadline, f"nodes disagree or miss {h}: {seen}"
        time.sleep(0.2)
    assert seen[0].count(h) == 1
    assert len(seen[0]) == len(set(seen[0])) == 2, seen[0]  # the SDK's and the CLI's
