"""Four "hosts": each node a ``wuyi node start`` process in its own Linux network namespace with
its own address (10.x, a bridge on this machine only), set up and torn down here.

Three validators of three organisations (sjj, zjj, gaj: each its own TLS CA) run a chain whose
first 10,000 heights are made beforehand in this process (``wuyi.testing.prebuilt``: real
blocks, every commit QC signed by the validators' keys; the live network goes on from there).
On the fourth host zjj's operator makes a node with ``wuyi node init --join``, governance admits
it, and it **state-syncs** from the snapshot at 10,000 (no replay) to the same state root as the
validators. Under load: validator node1's certificate is renewed and its host's link taken down
and up (new handshakes, the new certificate), with no failed transaction; then the joined node's
certificate is revoked and every validator refuses it.

Skipped unless this runs as root with ``ip`` (``make test`` installs iproute2)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from wuyi.crypto import get_suite, load_key
from wuyi.ledger.handlers.nodes import cert_fingerprint, serial_bytes
from wuyi.network.identity import describe_certificate
from wuyi.network.tls import issue_node_certificate, load_certificate_der
from wuyi.node.cluster import create_network
from wuyi.node.home import NodeHome, OrgSpec
from wuyi.node.snapshots import SnapshotDir, make_snapshot
from wuyi.node.store import Store
from wuyi.params import PRESETS
from wuyi.sdk import WuyiClient
from wuyi.testing.prebuilt import ChainShape, copy_store, extend_chain

PW = "netns-hosts"
CHAIN = "netns-hosts"
HEIGHT = 10_000
FAST = {
    "timeout_propose_ms": 500,
    "timeout_propose_delta_ms": 100,
    "timeout_prevote_ms": 250,
    "timeout_prevote_delta_ms": 100,
    "timeout_precommit_ms": 250,
    "timeout_precommit_delta_ms": 100,
    "rebroadcast_ms": 300,
    "create_empty_blocks_interval_ms": -1,
}
ORGS = [OrgSpec("sjj", "政数局", True), OrgSpec("zjj", "住建局"), OrgSpec("gaj", "公安局")]
P2P, API = 26600, 8600


def _ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], check=check, capture_output=True, timeout=20)


def _can_make_namespaces() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    name = f"wyprobe{os.getpid() % 100000}"
    try:
        _ip("netns", "add", name)
    except (subprocess.CalledProcessError, OSError):
        return False
    _ip("netns", "del", name, check=False)
    return True


pytestmark = [
    pytest.mark.skipif(not _can_make_namespaces(), reason="needs root and iproute2 (ip netns)"),
    pytest.mark.xdist_group("netns"),
]


class Hosts:
    """Namespaces ``<tag>h0..3`` on a bridge ``<tag>br``; host i is ``10.<a>.<b>.(i+1)``, this
    process reaches them from ``.254``."""

    def __init__(self, n: int) -> None:
        pid = os.getpid()
        self.tag = f"wy{pid % 10000}"
        self.net = f"10.213.{pid % 250}"
        self.names = [f"{self.tag}h{i}" for i in range(n)]
        self.veths = [f"{self.tag}v{i}" for i in range(n)]
        self.bridge = f"{self.tag}br"
        self.addrs = [f"{self.net}.{i + 1}" for i in range(n)]

    def up(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.net}.254/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for ns, veth, addr in zip(self.names, self.veths, self.addrs, strict=True):
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("link", "set", veth, "master", self.bridge)
            _ip("link", "set", veth, "up")
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")

    def link(self, i: int, state: str) -> None:
        _ip("link", "set", self.veths[i], state)

    def down(self) -> None:
        for ns in self.names:
            _ip("netns", "del", ns, check=False)  # its veth pair goes with it
        _ip("link", "del", self.bridge, check=False)


class Proc:
    def __init__(self, ns: str, home: Path) -> None:
        self.home = home
        self.log = home / "node.log"
        env = {**os.environ, "WUYI_PASSPHRASE": PW, "PYTHONUNBUFFERED": "1"}
        cmd = ["ip", "netns", "exec", ns, sys.executable, "-m", "wuyi.cli", "node", "start",
               "--home", str(home)]  # fmt: skip
        with self.log.open("ab") as out:
            self.p = subprocess.Popen(
                cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def events(self, name: str) -> list[dict[str, Any]]:
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and rec.get("event") == name:
                out.append(rec)
        return out

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)


def wait(pred: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if pred():
                return
        except (httpx.HTTPError, OSError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def hosts() -> Iterator[Hosts]:
    h = Hosts(4)
    try:
        h.up()
        yield h
    finally:
        h.down()


def test_four_hosts_join_by_state_sync_rotate_a_certificate_and_refuse_a_revoked_one(
    hosts: Hosts, tmp_path: Path
) -> None:
    root = tmp_path / "net"
    spec = create_network(
        root, 3, chain_id=CHAIN, suite="intl", orgs=ORGS, passphrase=PW,
        base_api_port=API, base_p2p_port=P2P, consensus=FAST, params=PRESETS["minimal"],
        time_ms=int(time.time() * 1000) - 3_600_000, hosts=hosts.addrs[:3],
    )  # fmt: skip
    keys = [NodeHome(nd.home).load_validator_key(PW) for nd in spec.nodes]
    admins = {org: load_key(path, PW) for org, path in spec.admin_keys.items()}
    # 10,000 heights before the network starts: 5 anchors every 10th block
    extend_chain(spec.nodes[0].home, keys, admins["sjj"], HEIGHT, ChainShape(10, 5))
    suite = get_suite("intl")
    for nd in spec.nodes:
        if nd.index:
            copy_store(spec.nodes[0].home, nd.home)
        with (nd.home / "node.toml").open("a") as f:
            f.write("\n[sync]\nsnapshot_interval = 100000\n")
        store = Store.open(nd.home / "data", suite.hash, check="none")
        make_snapshot(store, CHAIN, HEIGHT, SnapshotDir(nd.home / "data" / "snapshots"))
        store.close()
    text = (spec.nodes[1].home / "node.toml").read_text()
    (spec.nodes[1].home / "node.toml").write_text(
        text.replace("[p2p]", "[p2p]\ntls_check_s = 1", 1)
    )
    procs: dict[int, Proc] = {}
    http = httpx.Client(timeout=10.0)
    clients: list[WuyiClient] = []
    urls = [f"http://{hosts.addrs[i]}:{API + i}" for i in range(4)]

    def height(i: int) -> int:
        return int(http.get(urls[i] + "/v1/status").json()["height"])

    def consensus(i: int) -> dict[str, Any]:
        info: dict[str, Any] = http.get(urls[i] + "/v1/consensus").json()
        return info

    try:
        for i in range(3):
            procs[i] = Proc(hosts.names[i], spec.nodes[i].home)
        for i in range(3):
            wait(lambda i=i: http.get(urls[i] + "/readyz").status_code == 200, f"node{i} ready")
        client = WuyiClient(urls[0], timeout=30.0)
        clients.append(client)
        first = client.submit(
            client.builder(admins["sjj"]).anchor(b"\x01" * 32), wait=True, timeout=30
        )
        assert first.height > HEIGHT

        # the fourth host: zjj's operator makes a node there and it is admitted by governance
        zjj_ca = tmp_path / "host3" / "zjj-ca"
        shutil.copytree(root / "orgs" / "zjj" / "ca", zjj_ca)  # zjj's own CA, on its host
        home = tmp_path / "host3" / "zjj-obs1"
        init = subprocess.run(
            ["ip", "netns", "exec", hosts.names[3], sys.executable, "-m", "wuyi.cli", "node",
             "init", "--join", "--home", str(home), "--genesis", str(root / "genesis.json"),
             "--peer", f"node0={hosts.addrs[0]}:{P2P}", "--id", "zjj-obs1", "--org", "zjj",
             "--listen", f"{hosts.addrs[3]}:{P2P + 3}", "--api-host", hosts.addrs[3],
             "--api-port", str(API + 3), "--ca-dir", str(zjj_ca),
             "--genesis-hash", spec.genesis_hash.hex()],
            env={**os.environ, "WUYI_PASSPHRASE": PW}, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert init.returncode == 0, init.stdout + init.stderr
        k4 = NodeHome(home).load_validator_key(PW).public_key
        args = {"id": "zjj-obs1", "org": "zjj", "role": "observer", "public_key": k4,
                "tls": {"ca": cert_fingerprint(load_certificate_der(zjj_ca / "ca.crt"))},
                "address": f"{hosts.addrs[3]}:{P2P + 3}"}  # fmt: skip
        client.govern(admins["zjj"], [admins["sjj"]], "node.admit", args, title="admit obs1")
        procs[3] = Proc(hosts.names[3], home)
        wait(lambda: height(3) >= height(0) - 1 > HEIGHT, "the joined node reaches the head", 90)
        synced = procs[3].events("state_synced")
        assert synced and synced[0]["height"] == HEIGHT, procs[3].log.read_text()[-3000:]
        assert not procs[3].events("synced") or all(
            e["height"] > HEIGHT for e in procs[3].events("synced")
        )  # no block at or below the snapshot was replayed
        top = height(3)
        blocks = [http.get(f"{urls[i]}/v1/blocks/{top}").json() for i in (0, 3)]
        assert blocks[0]["header"]["state_root"] == blocks[1]["header"]["state_root"]
        assert blocks[0]["hash"] == blocks[1]["hash"]

        # load on node0 while node1's certificate is renewed and its host's link goes down/up
        results: list[Any] = []
        errors: list[BaseException] = []
        stop = threading.Event()

        def load() -> None:
            c = WuyiClient(urls[0], timeout=60.0)
            clients.append(c)
            b = c.builder(admins["sjj"])
            n = 0
            deadline = time.monotonic() + 120
            while not stop.is_set() and n < 300 and time.monotonic() < deadline:
                try:
                    doc = suite.hash(f"load {n}".encode())
                    results.append(c.submit(b.anchor(doc), wait=True, timeout=60))
                except BaseException as exc:  # recorded, the test fails on it
                    errors.append(exc)
                    return
                n += 1

        t = threading.Thread(target=load, daemon=True)
        t.start()
        wait(lambda: len(results) >= 5, "load under way")
        nd1 = spec.nodes[1]
        ca = root / "orgs" / nd1.org / "ca"
        issue_node_certificate(ca / "ca.crt", ca / "ca.key", nd1.home / "tls", nd1.name,
                               [hosts.addrs[1]], days=90, copy_ca=False)  # fmt: skip
        new_serial = describe_certificate(
            load_certificate_der(nd1.home / "tls" / "node.crt")
        ).serial
        time.sleep(2.0)  # node1 reloads it (tls_check_s = 1)
        hosts.link(1, "down")  # the chain needs node1 (3 of 3): commits wait, none fail
        time.sleep(3.0)
        at_down = len(results)
        hosts.link(1, "up")
        # TCP outlives a 3 s outage; reset the host's connections as a longer one would (the
        # nodes redial: new handshakes, with node1's new certificate)
        subprocess.run(["ip", "netns", "exec", hosts.names[1], "ss", "-K", "state", "established"],
                       capture_output=True, timeout=20, check=True)  # fmt: skip

        def node1_seen_with_new_certificate() -> bool:
            return any(
                c["kind"] == "peer" and c["name"] == "node1" and int(c["serial"], 16) == new_serial
                for c in consensus(0)["certificates"]
            )

        wait(lambda: len(results) >= at_down + 10, "load goes on after the link is back", 90)
        wait(node1_seen_with_new_certificate, "node0 sees node1's new certificate", 30)
        stop.set()
        t.join(90)
        assert not errors, errors
        assert all(r.receipt.status == "ok" for r in results)

        # the joined node's certificate is revoked: every validator refuses it
        der = load_certificate_der(home / "tls" / "node.crt")
        revoke = {"org": "zjj", "ca": cert_fingerprint(load_certificate_der(zjj_ca / "ca.crt")),
                  "serial": serial_bytes(describe_certificate(der).serial),
                  "reason": "host compromised"}  # fmt: skip
        client.submit(client.builder(admins["zjj"]).build("tls.revoke", revoke), wait=True)
        k4hex = k4.hex()

        def refused_everywhere() -> bool:
            return all(
                not any(p["public_key"] == k4hex and p["connected"] for p in consensus(i)["peers"])
                for i in range(3)
            )

        wait(refused_everywhere, "the revoked node is dropped", 30)
        time.sleep(1.5)  # it keeps redialling meanwhile
        assert refused_everywhere()
        assert "revoked" in procs[0].log.read_text() + procs[1].log.read_text()
        after = height(0)
        client.submit(client.builder(admins["sjj"]).anchor(b"\x02" * 32), wait=True, timeout=30)
        assert height(0) > after
    finally:
        for p in procs.values():
            p.stop()
        for c in clients:
            c.close()
        http.close()
