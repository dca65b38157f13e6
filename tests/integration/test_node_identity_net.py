"""Node identities on a live network: four validators of three organisations in one process, each
with its real store, consensus adapter and peer-to-peer network (mutual TLS over loopback, each
organisation's own CA). A revoked certificate and an expired one are refused at the handshake, a
certificate is rotated under load with no failed transaction, and a fifth node made with
``wuyi node init --join`` is admitted by governance without restarting the others."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from typer.testing import CliRunner

from wuyi.cli import app
from wuyi.consensus.certificate import validate_qc
from wuyi.crypto import get_suite, load_key
from wuyi.ledger.handlers.nodes import cert_fingerprint, serial_bytes
from wuyi.ledger.types import Transaction
from wuyi.network.identity import describe_certificate
from wuyi.network.tls import issue_node_certificate, load_certificate_der
from wuyi.node.cluster import ClusterSpec, create_network
from wuyi.node.home import NodeHome, OrgSpec
from wuyi.node.node import Node
from wuyi.node.p2p_config import load_p2p_settings
from wuyi.node.validator import ValidatorRunner

PW = "identity-net"
CHAIN = "identity-net"
FAST = {
    "timeout_propose_ms": 400,
    "timeout_propose_delta_ms": 100,
    "timeout_prevote_ms": 200,
    "timeout_prevote_delta_ms": 100,
    "timeout_precommit_ms": 200,
    "timeout_precommit_delta_ms": 100,
    "rebroadcast_ms": 300,
    "create_empty_blocks_interval_ms": -1,
}
ORGS = [OrgSpec("sjj", "政数局", True), OrgSpec("zjj", "住建局"), OrgSpec("gaj", "公安局")]


def free_base(n: int) -> int:
    """A base port with ``n`` consecutive free ports on loopback."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + n >= 65000:
            continue
        ok = True
        for p in range(base, base + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port range")


@dataclass
class Live:
    root: Path
    spec: ClusterSpec
    nodes: dict[int, Node] = field(default_factory=dict)
    runners: dict[int, ValidatorRunner] = field(default_factory=dict)
    events: dict[int, list[str]] = field(default_factory=dict)
    homes: dict[int, Path] = field(default_factory=dict)
    nonce: int = 0

    def start(self, i: int, home: Path | None = None) -> ValidatorRunner:
        home = home or self.spec.nodes[i].home
        self.homes[i] = home
        h = NodeHome(home)
        key = h.load_validator_key(PW)
        node = Node.open(home, validator_key=key)
        settings = load_p2p_settings(home)
        assert settings is not None
        settings = dataclasses.replace(settings, tls_check_s=0.3)
        events = self.events.setdefault(i, [])
        runner = ValidatorRunner(
            node,
            key,
            settings,
            emit=lambda event, **kw: events.append(event),
            next_key=lambda pk: h.take_next_validator_key(PW, pk),
        )
        runner.start()
        self.nodes[i], self.runners[i] = node, runner
        deadline = time.monotonic() + 20
        while not runner.running:
            assert runner.error is None, runner.error
            assert time.monotonic() < deadline, f"node {i} did not start"
            time.sleep(0.02)
        return runner

    def stop_all(self) -> None:
        for i in list(self.runners):
            self.runners.pop(i).stop()
            self.nodes.pop(i).close()

    def admin(self, org: str) -> Any:
        return load_key(self.spec.admin_keys[org], PW)

    def submit(self, i: int, signer: Any, kind: str, payload: dict[str, Any]) -> bytes:
        self.nonce += 1
        tx = Transaction(CHAIN, signer.public_key, self.nonce, 100_000, kind, payload)
        return self.nodes[i].submit(tx.signed(signer).to_bytes())

    def commit(self, i: int, signer: Any, kind: str, payload: dict[str, Any]) -> Any:
        info = self.nodes[i].wait_for_tx(self.submit(i, signer, kind, payload), 30)
        assert info.receipt.ok, info.receipt
        return info

    def anchor(self, i: int, n: int) -> Any:
        doc = os.urandom(32)
        return self.commit(
            i, self.admin("sjj"), "evidence.anchor", {"doc_hash": doc, "meta": {"n": n}}
        )

    def connected(self, i: int) -> set[bytes]:
        return set(self.runners[i].network.connected())

    def key(self, i: int) -> bytes:
        return self.runners[i].key.public_key

    def on_loop(self, i: int, fn: Callable[..., Any], *args: Any) -> Any:
        r = self.runners[i]
        assert r.loop is not None
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def call() -> None:
            try:
                fut.set_result(fn(*args))
            except Exception as exc:
                fut.set_exception(exc)

        r.loop.call_soon_threadsafe(call)
        return fut.result(10)

    def drop_links(self, i: int) -> None:
        """Close every connection of node i (both ends redial: new TLS handshakes)."""
        net = self.runners[i].network
        for pk in net.connected():
            self.on_loop(i, net.disconnect, pk, "test: new handshake")

    def wait(self, pred: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def wait_mesh(self, nodes: list[int], timeout: float = 20.0) -> None:
        keys = {i: self.key(i) for i in nodes}
        self.wait(
            lambda: all(self.connected(i) >= {keys[j] for j in nodes if j != i} for i in nodes),
            f"a full mesh of {nodes}",
            timeout,
        )

    def renew(self, i: int, *, days: float = 90) -> bytes:
        """Issue node i a new certificate from its organisation's CA (as ``wuyi tls renew``)."""
        nd = self.spec.nodes[i]
        ca = self.root / "orgs" / nd.org / "ca"
        issue_node_certificate(ca / "ca.crt", ca / "ca.key", nd.home / "tls", nd.name,
                               days=days, copy_ca=False)  # fmt: skip
        return load_certificate_der(nd.home / "tls" / "node.crt")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    root = tmp_path / "net"
    base = free_base(8)
    spec = create_network(
        root,
        4,
        chain_id=CHAIN,
        suite="intl",
        orgs=ORGS,
        passphrase=PW,
        base_api_port=base + 4,
        base_p2p_port=base,
        consensus=FAST,
    )
    lv = Live(root, spec)
    try:
        for i in range(4):
            lv.start(i)
        lv.wait_mesh([0, 1, 2, 3])
        yield lv
    finally:
        lv.stop_all()


def network_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "wuyi.network")


def test_revoked_certificate_is_refused_at_the_handshake(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wuyi.network")
    live.anchor(0, 1)
    nd2 = live.spec.nodes[2]
    assert nd2.org == "gaj"
    der = load_certificate_der(nd2.home / "tls" / "node.crt")
    ca_fp = cert_fingerprint(load_certificate_der(live.root / "orgs/gaj/ca/ca.crt"))
    serial = serial_bytes(describe_certificate(der).serial)
    revoke = {"org": "gaj", "ca": ca_fp, "serial": serial, "reason": "host compromised"}
    live.commit(0, live.admin("gaj"), "tls.revoke", revoke)
    k2 = live.key(2)
    # every peer drops node2 and refuses it again at each redial, without a restart
    live.wait(lambda: all(k2 not in live.connected(i) for i in (0, 1, 3)), "node2 dropped")
    time.sleep(1.5)  # node2 keeps redialling meanwhile
    assert all(k2 not in live.connected(i) for i in (0, 1, 3))
    assert not live.connected(2)
    log = network_log(caplog)
    assert "revoked by 'gaj'" in log and "host compromised" in log
    assert "handshake refused" in log
    # the other three keep committing
    before = live.nodes[0].height
    live.anchor(1, 2)  # committed at node1; node0 learns the block by its own commit
    live.wait(lambda: live.nodes[0].height > before, "node0 commits past the revocation")
    # gaj issues node2 a new certificate: the running node picks it up and is accepted again
    live.renew(2)
    live.wait_mesh([0, 1, 2, 3])
    live.wait(lambda: live.nodes[2].height == live.nodes[0].height, "node2 caught up")


def test_expired_certificate_is_refused_at_the_handshake(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wuyi.network")
    k1 = live.key(1)
    expired = live.renew(1, days=-1)
    assert describe_certificate(expired).not_after.year >= 2000
    live.wait(lambda: live.runners[1].network.own_certificate == expired, "node1 reloads it")
    live.drop_links(1)
    time.sleep(1.5)
    assert all(k1 not in live.connected(i) for i in (0, 2, 3))
    assert "certificate has expired" in network_log(caplog)
    live.anchor(0, 1)  # three of four commit
    live.renew(1)
    live.wait_mesh([0, 1, 2, 3])


def test_certificate_rotated_under_load_without_a_failed_transaction(live: Live) -> None:
    k3 = live.key(3)
    results: list[Any] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def load() -> None:
        n = 0
        deadline = time.monotonic() + 60
        while not stop.is_set() and n < 400 and time.monotonic() < deadline:
            try:
                results.append(live.anchor(n % 4, n))
            except BaseException as exc:  # recorded, the test fails on it
                errors.append(exc)
                return
            n += 1

    t = threading.Thread(target=load, daemon=True)
    t.start()
    live.wait(lambda: len(results) >= 10, "load under way")
    old_serial = describe_certificate(live.runners[3].network.own_certificate).serial
    new = live.renew(3)
    new_serial = describe_certificate(new).serial
    live.wait(lambda: live.runners[3].network.own_certificate == new, "node3 reloads it")
    at_rotation = len(results)
    live.drop_links(3)  # new handshakes, with the new certificate
    live.wait(
        lambda: all(
            describe_certificate(live.runners[i].network.peer_certificates().get(k3, new)).serial
            == new_serial
            and k3 in live.connected(i)
            for i in (0, 1, 2)
        ),
        "peers see node3's new certificate",
    )
    live.wait(lambda: len(results) >= at_rotation + 20, "load goes on after the rotation", 40)
    stop.set()
    t.join(30)
    assert not errors, errors
    assert old_serial != new_serial
    assert len(results) >= 30 and all(r.receipt.ok for r in results)
    top = min(live.nodes[i].height for i in range(4))
    assert len({live.nodes[i].store.get_block_hash(top) for i in range(4)}) == 1


def test_node_joins_with_join_and_is_admitted_without_restarting_the_others(
    live: Live, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wuyi.network")
    for n in range(3):
        live.anchor(n, n)
    nets = {i: live.runners[i].network for i in range(4)}
    started = {i: live.events[i].count("consensus_started") for i in range(4)}
    p0 = live.spec.nodes[0].p2p_port
    port = free_base(1)
    home = tmp_path / "zjj-obs1"
    r = CliRunner().invoke(
        app,
        [
            "node",
            "init",
            "--join",
            "--home",
            str(home),
            "--genesis",
            str(live.root / "genesis.json"),
            "--peer",
            f"node0=127.0.0.1:{p0}",
            "--id",
            "zjj-obs1",
            "--org",
            "zjj",
            "--listen",
            f"127.0.0.1:{port}",
            "--api-port",
            str(port + 1),
            "--ca-dir",
            str(live.root / "orgs/zjj/ca"),
            "--genesis-hash",
            live.spec.genesis_hash.hex(),
        ],
        env={"WUYI_PASSPHRASE": PW},
    )
    assert r.exit_code == 0, r.output
    assert "wuyi node admit --id zjj-obs1 --org zjj" in r.output
    new = live.start(4, home)
    k4 = live.key(4)
    time.sleep(1.5)  # not admitted yet: refused
    assert not live.connected(4)
    assert "key not allowed" in network_log(caplog)
    # zjj's admin proposes it, sjj votes, it is executed
    ca_fp = cert_fingerprint(load_certificate_der(live.root / "orgs/zjj/ca/ca.crt"))
    args = {"id": "zjj-obs1", "org": "zjj", "role": "observer", "public_key": k4,
            "tls": {"ca": ca_fp}, "address": f"127.0.0.1:{port}"}  # fmt: skip
    propose = {"action": {"type": "node.admit", "args": args}, "title": "admit"}
    info = live.commit(0, live.admin("zjj"), "gov.propose", propose)
    pid = next(e.attrs["id"] for e in info.receipt.events if e.type == "gov.proposed")
    live.commit(1, live.admin("sjj"), "gov.vote", {"id": pid, "choice": "yes"})
    live.commit(2, live.admin("sjj"), "gov.execute", {"id": pid})
    # peers accept it and it learns the others from the chain (its config names node0 only)
    live.wait(lambda: {live.key(i) for i in range(4)} <= live.connected(4), "new node meshed")
    live.wait(lambda: live.nodes[4].height == live.nodes[0].height, "new node caught up")
    info = live.anchor(3, 99)
    live.wait(
        lambda: min(live.nodes[4].height, live.nodes[0].height) >= info.height, "new node follows"
    )
    assert live.nodes[4].store.get_block_hash(info.height) == live.nodes[0].store.get_block_hash(
        info.height
    )
    assert new.peering.node_id() == "zjj-obs1"
    # nobody restarted: same network objects, no consensus restart
    assert all(live.runners[i].network is nets[i] for i in range(4))
    assert {i: live.events[i].count("consensus_started") for i in range(4)} == started
    cert = x509.load_pem_x509_certificate((home / "tls" / "node.crt").read_bytes())
    assert cert.issuer.rfc4514_string() == "CN=zjj node CA,O=zjj"


def test_validator_key_rotated_by_governance_without_restart(live: Live) -> None:
    """zjj rotates node1's consensus key: from the effective height node1 signs with the new
    key (the chain needs its vote: node2 is stopped), its links are re-made with the new key,
    and nothing restarts but its consensus state machine."""
    nd1 = live.spec.nodes[1]
    assert nd1.org == "zjj"
    old = live.key(1)
    r = CliRunner().invoke(app, ["node", "new-key", "--home", str(nd1.home)],
                           env={"WUYI_PASSPHRASE": PW})  # fmt: skip
    assert r.exit_code == 0, r.output
    new = bytes.fromhex(r.output.split("public key: ")[1].split()[0])
    live.anchor(0, 0)
    eff = live.nodes[0].height + 12
    args = {"id": "node1", "public_key": new, "effective_height": eff}
    propose = {"action": {"type": "validator.rotate_key", "args": args}, "title": "rotate"}
    info = live.commit(0, live.admin("zjj"), "gov.propose", propose)
    pid = next(e.attrs["id"] for e in info.receipt.events if e.type == "gov.proposed")
    live.commit(1, live.admin("sjj"), "gov.vote", {"id": pid, "choice": "yes"})
    live.commit(2, live.admin("sjj"), "gov.execute", {"id": pid})
    n = 1
    while live.nodes[0].height < eff + 1:
        live.anchor(n % 4, n)
        n += 1
    live.wait(lambda: live.key(1) == new, "node1 switched to its new key")
    assert "key_rotated" in live.events[1]
    assert (nd1.home / "keys" / "validator.key").exists()
    assert not (nd1.home / "keys" / "validator.next.key").exists()
    live.wait_mesh([0, 1, 2, 3])
    # stop node2: a quorum (3 of 4) now needs node1's vote with the new key
    live.runners.pop(2).stop()
    live.nodes.pop(2).close()
    for k in range(5):
        info = live.anchor(k % 2, 100 + k)
    block = live.nodes[0].store.get_block(info.height)
    assert block.qc is not None
    vs = live.nodes[0].validators(info.height)
    signers = {vs.validators[i].public_key for i, _sig in block.qc.signatures}
    assert new in signers and old not in {v.public_key for v in vs.validators}
    validate_qc(get_suite("intl"), CHAIN, vs, block.qc, height=info.height,
                block_hash=block.compute_hash(get_suite("intl")))  # fmt: skip
    assert live.events[0].count("consensus_started") == 1
