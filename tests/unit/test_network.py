"""The peer-to-peer network over real loopback sockets: mutual TLS, the chain-key handshake,
framing limits, backpressure, reconnects and penalties. Each test runs its own event loop with
``asyncio.run`` and closes everything it opened (warnings are errors)."""

from __future__ import annotations

import asyncio
import datetime
import logging
import socket
import ssl
import stat
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

import wuyi.network
from wuyi.abc import PrivateKey, Suite
from wuyi.crypto import get_suite
from wuyi.encoding import encode
from wuyi.exceptions import (
    FrameTooLarge,
    HandshakeFailed,
    PeerUnavailable,
    ProtocolViolation,
    RequestFailed,
    RequestTimeout,
)
from wuyi.network import PeerNetwork, create_network_ca, issue_node_certificate
from wuyi.network.frames import encode_frame, pack, parse_frame
from wuyi.network.handshake import (
    Hello,
    cert_hash,
    compute_auth_message,
    encode_auth,
    encode_hello,
    parse_auth,
    parse_hello,
    peer_certificate_der,
    run_handshake,
)
from wuyi.network.tls import client_context, load_certificate_der
from wuyi.node.p2p_config import P2PSettings, PeerAddr

CHAIN = "wuyi-test"
LOGGER = "wuyi.network"


# --------------------------------------------------------------------------- harness


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Node:
    name: str
    key: PrivateKey
    settings: P2PSettings
    inbox: list[tuple[bytes, str, bytes]] = field(default_factory=list)
    net: PeerNetwork | None = None


@dataclass
class Cluster:
    suite: Suite
    ca_cert: Path
    ca_key: Path
    nodes: list[Node]

    def allowed(self) -> set[bytes]:
        return {n.key.public_key for n in self.nodes}


def make_cluster(tmp: Path, n: int, suite_name: str = "intl") -> Cluster:
    suite = get_suite(suite_name)
    ca_cert, ca_key = create_network_ca(tmp / "ca", "test")
    keys = [suite.generate_private_key() for _ in range(n)]
    ports = [free_port() for _ in range(n)]
    nodes = []
    for i in range(n):
        cert, key = issue_node_certificate(ca_cert, ca_key, tmp / f"node{i}" / "tls", f"node{i}")
        peers = tuple(
            PeerAddr(f"node{j}", "127.0.0.1", ports[j], keys[j].public_key)
            for j in range(n)
            if j != i
        )
        settings = P2PSettings("127.0.0.1", ports[i], cert, key, cert.parent / "ca.crt", peers)
        nodes.append(Node(f"node{i}", keys[i], settings))
    return Cluster(suite, ca_cert, ca_key, nodes)


def build(
    cluster: Cluster,
    node: Node,
    allowed: set[bytes] | None = None,
    on_request: Any = None,
    **kw: Any,
) -> PeerNetwork:
    ok = cluster.allowed() if allowed is None else allowed

    def on_message(peer: bytes, channel: str, payload: bytes) -> None:
        node.inbox.append((peer, channel, payload))

    node.net = PeerNetwork(
        chain_id=CHAIN,
        suite=cluster.suite,
        key=node.key,
        settings=node.settings,
        is_allowed=ok.__contains__,
        on_message=on_message,
        on_request=on_request,
        **kw,
    )
    return node.net


async def until(pred: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def fully_connected(nets: list[PeerNetwork]) -> Callable[[], bool]:
    """Every pair connected, both ends on the same connection, no handshake still running
    (so no simultaneous-dial duplicate can still replace a connection)."""
    want = len(nets) - 1

    def settled() -> bool:
        if any(len(n.connected()) != want or n.handshakes_in_progress for n in nets):
            return False
        for x in nets:
            for y in nets:
                if x is not y:
                    sx, sy = x.stats()[y.public_key], y.stats()[x.public_key]
                    if not (sx.connected and sy.connected and sx.outbound is not sy.outbound):
                        return False
        return True

    return settled


async def stop_all(nets: list[PeerNetwork]) -> None:
    for n in nets:
        await n.stop()


def run(coro: Awaitable[None]) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def intruder_context(cluster: Cluster, tmp: Path, *, other_ca: bool = False) -> ssl.SSLContext:
    """A TLS client context with a certificate of this network's CA (or of another CA)."""
    if other_ca:
        ca, ca_key = create_network_ca(tmp / "evil-ca", "evil")
    else:
        ca, ca_key = cluster.ca_cert, cluster.ca_key
    cert, key = issue_node_certificate(ca, ca_key, tmp / "intruder", "intruder")
    settings = P2PSettings("127.0.0.1", 0, cert, key, cluster.ca_cert, ())
    return client_context(settings)


async def close_writer(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 2)
    except (OSError, TimeoutError):
        writer.transport.abort()


async def read_until_closed(reader: asyncio.StreamReader, timeout: float = 3.0) -> bytes:
    """Everything the server sends until it closes (an exception counts as closed)."""
    data = b""
    try:
        async with asyncio.timeout(timeout):
            while chunk := await reader.read(65536):
                data += chunk
    except (OSError, ConnectionError):
        pass
    return data


# --------------------------------------------------------------------------- surface


def test_public_names_are_pinned() -> None:
    assert sorted(wuyi.network.__all__) == [
        "OnMessage",
        "OnRequest",
        "PeerNetwork",
        "PeerStats",
        "client_context",
        "create_network_ca",
        "issue_node_certificate",
        "server_context",
    ]


def test_certificates_files_and_extensions(tmp_path: Path) -> None:
    ca_cert, ca_key = create_network_ca(tmp_path / "ca", "net")
    cert_path, key_path = issue_node_certificate(
        ca_cert, ca_key, tmp_path / "n", "node0", hosts=["127.0.0.1", "node0.example"]
    )
    for key in (ca_key, key_path):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (tmp_path / "n" / "ca.crt").read_bytes() == ca_cert.read_bytes()
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert san.get_values_for_type(x509.DNSName) == ["node0.example"]
    life = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert life >= datetime.timedelta(days=3650)
    assert cert.issuer == x509.load_pem_x509_certificate(ca_cert.read_bytes()).subject


def test_frame_codec_is_strict() -> None:
    wire = encode_frame("cons", 0, 0, b"x", 1 << 20)
    assert parse_frame(wire[4:]).payload == b"x"
    with pytest.raises(FrameTooLarge):
        encode_frame("cons", 0, 0, b"x" * 2000, 1024)
    bad = [
        b"\xff",
        encode({"ch": "c", "id": 0, "re": 0}),
        encode({"ch": "c", "id": 0, "re": 0, "p": b"", "x": 1}),
        encode({"ch": "c", "id": 0, "re": 1, "p": b""}),  # response without an id
        encode({"ch": "c", "id": -1, "re": 0, "p": b""}),
        encode({"ch": "c", "id": 0, "re": 7, "p": b""}),
        encode({"ch": "c", "id": 0, "re": 0, "p": "text"}),
        encode({"ch": 5, "id": 0, "re": 0, "p": b""}),
        encode({"ch": "", "id": 0, "re": 0, "p": b"not a keepalive"}),
        b"\xa4" + encode({"ch": "c", "id": 0, "re": 0, "p": b""})[1:-1],  # truncated
    ]
    for body in bad:
        with pytest.raises(ProtocolViolation):
            parse_frame(body)


# --------------------------------------------------------------------------- traffic


def test_three_nodes_broadcast_and_send(tmp_path: Path) -> None:
    cluster = make_cluster(tmp_path, 3)

    async def main() -> None:
        nets = [build(cluster, n) for n in cluster.nodes]
        try:
            for net in nets:
                await net.start()
            await until(fully_connected(nets))
            a, b, c = cluster.nodes
            assert nets[0].broadcast("cons", b"hello") == 2
            assert nets[1].send(c.key.public_key, "tx", b"direct")
            await until(lambda: len(b.inbox) == 1 and len(c.inbox) == 2)
            assert b.inbox == [(a.key.public_key, "cons", b"hello")]
            assert sorted(c.inbox) == sorted(
                [(a.key.public_key, "cons", b"hello"), (b.key.public_key, "tx", b"direct")]
            )
            # Exactly one connection per pair, and both ends agree on its direction.
            for i, x in enumerate(cluster.nodes):
                for j, y in enumerate(cluster.nodes):
                    if i != j:
                        sx = nets[i].stats()[y.key.public_key]
                        sy = nets[j].stats()[x.key.public_key]
                        assert sx.connected and sy.connected
                        assert sx.outbound is not sy.outbound
            st = nets[0].stats()[b.key.public_key]
            assert st.frames_out >= 1 and st.bytes_out > 0 and st.dropped == 0
            assert st.to_dict()["name"] == "node1"
            with pytest.raises(ValueError):
                nets[0].send(b.key.public_key, "", b"reserved channel")
        finally:
            await stop_all(nets)
        assert all(n.connected() == [] for n in nets)

    run(main())


def test_request_response(tmp_path: Path) -> None:
    cluster = make_cluster(tmp_path, 2)

    async def handler(peer: bytes, channel: str, payload: bytes) -> Any:
        if channel == "sync":
            await asyncio.sleep(0.01)
            return b"block:" + payload
        if channel == "echo":
            return payload
        if channel == "slow":
            await asyncio.sleep(30)
        raise ValueError("no such thing")

    async def main() -> None:
        a = build(cluster, cluster.nodes[0], on_request=handler)
        b = build(cluster, cluster.nodes[1], on_request=handler)
        try:
            await a.start()
            await b.start()
            await until(fully_connected([a, b]))
            bk = cluster.nodes[1].key.public_key
            assert await a.request(bk, "sync", b"7", timeout=2) == b"block:7"
            assert await a.request(bk, "echo", b"", timeout=2) == b""
            results = await asyncio.gather(
                *(a.request(bk, "echo", bytes([i]), 2) for i in range(50))
            )
            assert results == [bytes([i]) for i in range(50)]
            with pytest.raises(RequestFailed, match="internal error"):
                await a.request(bk, "other", b"", timeout=2)
            with pytest.raises(RequestTimeout):
                await a.request(bk, "slow", b"", timeout=0.2)
            with pytest.raises(PeerUnavailable):
                await a.request(b"\x00" * 32, "echo", b"", timeout=1)
            # A request in flight fails promptly when the connection goes away.
            pending = asyncio.ensure_future(a.request(bk, "slow", b"", timeout=10))
            await asyncio.sleep(0.05)
            a.disconnect(bk, "test")
            with pytest.raises(PeerUnavailable):
                await pending
        finally:
            await stop_all([a, b])

    run(main())


def test_sm_suite_handshake(tmp_path: Path) -> None:
    cluster = make_cluster(tmp_path, 2, "sm")
    assert len(cluster.nodes[0].key.public_key) == 65

    async def main() -> None:
        nets = [build(cluster, n) for n in cluster.nodes]
        try:
            for net in nets:
                await net.start()
            await until(fully_connected(nets))
            assert nets[1].send(cluster.nodes[0].key.public_key, "cons", b"sm2")
            await until(lambda: len(cluster.nodes[0].inbox) == 1)
            assert cluster.nodes[0].inbox[0] == (cluster.nodes[1].key.public_key, "cons", b"sm2")
        finally:
            await stop_all(nets)

    run(main())


# --------------------------------------------------------------------------- refusals


def test_key_not_allowed_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    cluster = make_cluster(tmp_path, 3)
    a, b, c = cluster.nodes

    async def main() -> None:
        # a and b refuse c; c would accept anyone.
        ab = {a.key.public_key, b.key.public_key}
        nets = [build(cluster, a, allowed=ab), build(cluster, b, allowed=ab), build(cluster, c)]
        try:
            for net in nets:
                await net.start()
            await until(lambda: len(nets[0].connected()) == 1 and len(nets[1].connected()) == 1)
            await asyncio.sleep(0.3)  # c keeps dialling (with backoff) and keeps being refused
            assert nets[0].connected() == [b.key.public_key]
            assert nets[2].connected() == []
        finally:
            await stop_all(nets)

    run(main())
    assert any("key not allowed" in r.getMessage() for r in caplog.records)


def test_certificate_from_another_ca_is_refused_by_tls(tmp_path: Path) -> None:
    cluster = make_cluster(tmp_path, 1)

    async def main() -> None:
        net = build(cluster, cluster.nodes[0])
        await net.start()
        try:
            ctx = intruder_context(cluster, tmp_path, other_ca=True)
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", net.listen_port, ssl=ctx
                )
            except (ssl.SSLError, ConnectionError):
                return  # refused during the TLS handshake itself
            try:
                writer.write(b"\x00\x00\x00\x01\x00")
                assert await read_until_closed(reader) == b""
            finally:
                await close_writer(writer)
            assert net.connected() == []
        finally:
            await net.stop()

    run(main())


def test_garbage_after_tls_disconnects_only_that_peer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    cluster = make_cluster(tmp_path, 2)

    async def main() -> None:
        nets = [build(cluster, n) for n in cluster.nodes]
        try:
            for net in nets:
                await net.start()
            await until(fully_connected(nets))
            ctx = intruder_context(cluster, tmp_path)
            for garbage in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\x00\x00\x00\x03abc"):
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", nets[0].listen_port, ssl=ctx
                )
                try:
                    writer.write(garbage)
                    await read_until_closed(reader)  # the server hangs up
                    assert reader.at_eof() or reader.exception() is not None
                finally:
                    await close_writer(writer)
            assert nets[0].send(cluster.nodes[1].key.public_key, "cons", b"still fine")
            await until(lambda: len(cluster.nodes[1].inbox) == 1)
            assert len(nets[0].connected()) == 1
        finally:
            await stop_all(nets)

    run(main())
    refused = [r for r in caplog.records if "handshake refused" in r.getMessage()]
    assert len(refused) >= 2
    assert any("exceeds the limit" in r.getMessage() for r in refused)
    assert any("malformed Hello" in r.getMessage() for r in refused)


def test_replayed_or_relayed_auth_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An intruder with a valid network TLS certificate claims node0's key. node0's Auth from
    another session (other nonce), or relayed from node0's own TLS session (other certificate),
    does not verify; only a signature by node0's key for *this* session would."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    cluster = make_cluster(tmp_path, 2)
    victim, target = cluster.nodes
    ctx = intruder_context(cluster, tmp_path)
    intruder_der = load_certificate_der(tmp_path / "intruder" / "node.crt")
    victim_der = load_certificate_der(victim.settings.tls_cert)

    async def attempt(port: int, make_sig: Callable[[bytes, bytes], bytes]) -> bool:
        """Handshake as the victim; ``make_sig(server_nonce, server_cert_hash)``. True if
        the server kept the connection open after our Auth."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
        try:
            server_hash = cert_hash(peer_certificate_der(writer))
            writer.write(pack(encode_hello(Hello(CHAIN, victim.key.public_key, b"\x07" * 32))))
            await writer.drain()
            hello = parse_hello(
                await reader.readexactly(int.from_bytes(await reader.readexactly(4), "big"))
            )
            parse_auth(await reader.readexactly(int.from_bytes(await reader.readexactly(4), "big")))
            writer.write(pack(encode_auth(make_sig(hello.nonce, server_hash))))
            await writer.drain()
            try:
                async with asyncio.timeout(0.5):
                    data = await reader.read(1)
                return data != b""  # got a frame (e.g. keepalive) without being hung up on
            except TimeoutError:
                return True  # still open
            except OSError:
                return False
        finally:
            await close_writer(writer)

    def sign(nonce: bytes, cert: bytes, peer_cert: bytes) -> bytes:
        return victim.key.sign(compute_auth_message(CHAIN, nonce, cert, peer_cert))

    async def main() -> None:
        net = build(cluster, target, keepalive=0.2)
        await net.start()
        try:
            port = net.listen_port
            # Replay: a valid Auth of the victim, but for another session's nonce.
            old_nonce = b"\x42" * 32
            assert not await attempt(port, lambda n, s: sign(old_nonce, cert_hash(intruder_der), s))
            # Relay: the victim signs the right nonce, binding its OWN certificate.
            assert not await attempt(port, lambda n, s: sign(n, cert_hash(victim_der), s))
            assert net.connected() == []
            # Control: with the victim's key the intruder's own session does verify.
            assert await attempt(port, lambda n, s: sign(n, cert_hash(intruder_der), s))
        finally:
            await net.stop()

    run(main())
    bad = [r for r in caplog.records if "signature does not verify" in r.getMessage()]
    assert len(bad) == 2


def test_oversize_frame_header_disconnects_without_reading_body(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    cluster = make_cluster(tmp_path, 2)
    a, b = cluster.nodes

    async def main() -> None:
        net = build(cluster, a, max_frame=64 * 1024)
        await net.start()
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", net.listen_port, ssl=client_context(b.settings)
        )
        try:
            peer = await asyncio.wait_for(
                run_handshake(
                    reader,
                    writer,
                    chain_id=CHAIN,
                    suite=cluster.suite,
                    key=b.key,
                    own_cert_der=load_certificate_der(b.settings.tls_cert),
                    check_peer=lambda k: None,
                ),
                5,
            )
            assert peer == a.key.public_key
            await until(lambda: net.connected() == [b.key.public_key])
            tracemalloc.start()
            writer.write(b"\xff\xff\xff\xff")  # announces a 4 GiB body, never sent
            await writer.drain()
            await read_until_closed(reader)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert peak < 8 * 1024 * 1024
            await until(lambda: net.connected() == [])
        finally:
            await close_writer(writer)
            await net.stop()

    run(main())
    msgs = [r.getMessage() for r in caplog.records if "disconnected" in r.getMessage()]
    assert any("frame of 4294967295 bytes" in m for m in msgs), msgs
    rec = next(r for r in caplog.records if "frame of 4294967295" in r.getMessage())
    assert rec.levelno == logging.WARNING
    assert rec.__dict__["peer"] == "node1" and rec.__dict__["event"] == "disconnected"


def test_handshake_rejects_wrong_chain_and_bad_hello() -> None:
    with pytest.raises(ProtocolViolation):
        parse_hello(encode({"v": 1, "chain_id": CHAIN, "public_key": b"k"}))
    with pytest.raises(HandshakeFailed):
        parse_hello(encode({"v": 2, "chain_id": CHAIN, "public_key": b"k", "nonce": b"n" * 32}))
    with pytest.raises(HandshakeFailed):
        parse_hello(encode({"v": 1, "chain_id": CHAIN, "public_key": b"k", "nonce": b"n"}))


def test_keepalive_holds_idle_links_and_silent_peers_are_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    cluster = make_cluster(tmp_path, 3)
    a, b, c = cluster.nodes
    fast = {"keepalive": 0.1, "idle_timeout": 0.5}

    async def main() -> None:
        na, nb = build(cluster, a, **fast), build(cluster, b, **fast)
        try:
            await na.start()
            await nb.start()
            await until(fully_connected([na, nb]))
            # c completes the handshake by hand, then never sends a byte (not even keepalives).
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", na.listen_port, ssl=client_context(c.settings)
            )
            try:
                await run_handshake(
                    reader,
                    writer,
                    chain_id=CHAIN,
                    suite=cluster.suite,
                    key=c.key,
                    own_cert_der=load_certificate_der(c.settings.tls_cert),
                    check_peer=lambda k: None,
                )
                await until(lambda: c.key.public_key in na.connected())
                await asyncio.sleep(1.2)
                assert c.key.public_key not in na.connected()
            finally:
                await close_writer(writer)
            st = na.stats()[b.key.public_key]
            # The idle link to b is kept by keepalives: never dropped as silent. (When a and b
            # dial each other at once, one of the two links is replaced by the preferred one
            # at start; that is not a drop.)
            assert st.connected and "silent" not in (st.last_disconnect or "")
            assert "silent" in (na.stats()[c.key.public_key].last_disconnect or "")
        finally:
            await stop_all([na, nb])

    run(main())


# --------------------------------------------------------------------------- resilience


def test_restarted_node_is_reconnected(tmp_path: Path) -> None:
    cluster = make_cluster(tmp_path, 3)

    async def main() -> None:
        nets = [build(cluster, n) for n in cluster.nodes]
        try:
            for net in nets:
                await net.start()
            await until(fully_connected(nets))
            await nets[1].stop()
            await until(lambda: len(nets[0].connected()) == 1 and len(nets[2].connected()) == 1)
            assert not nets[0].send(cluster.nodes[1].key.public_key, "cons", b"lost")
            await asyncio.sleep(0.3)  # the others are now dialling with backoff
            nets[1] = build(cluster, cluster.nodes[1])
            await nets[1].start()
            await until(fully_connected(nets))
            assert nets[0].broadcast("cons", b"again") == 2
            await until(
                lambda: (
                    (cluster.nodes[0].key.public_key, "cons", b"again") in cluster.nodes[1].inbox
                )
            )
            st = nets[0].stats()[cluster.nodes[1].key.public_key]
            assert st.reconnects >= 1 and st.disconnects >= 1
        finally:
            await stop_all(nets)

    run(main())


def test_full_queue_drops_frames_without_growing(tmp_path: Path) -> None:
    cluster = make_cluster(tmp_path, 2)
    a, b = cluster.nodes

    async def main() -> None:
        na = build(cluster, a, queue_limit=8)
        nb = build(cluster, b)
        try:
            await na.start()
            await nb.start()
            await until(fully_connected([na, nb]))
            payload = b"x" * 65536
            # No await in between: the writer task cannot run, so the queue fills up.
            results = [na.send(b.key.public_key, "tx", payload) for _ in range(100)]
            assert results == [True] * 8 + [False] * 92
            assert na.broadcast("tx", payload) == 0
            tracemalloc.start()
            base, _ = tracemalloc.get_traced_memory()
            for _ in range(2000):
                na.send(b.key.public_key, "tx", payload)
            now, _ = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert now - base < 1024 * 1024  # 2000 refused frames of 64 KiB left nothing behind
            st = na.stats()[b.key.public_key]
            assert st.queued == 8 and st.dropped == 92 + 1 + 2000
            await until(lambda: len(b.inbox) == 8)
            assert na.send(b.key.public_key, "tx", b"after")  # drained: accepted again
            await until(lambda: len(b.inbox) == 9)
        finally:
            await stop_all([na, nb])

    run(main())


def test_penalized_peer_is_dropped_and_refused_for_a_while(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    cluster = make_cluster(tmp_path, 2)
    a, b = cluster.nodes

    async def main() -> None:
        na = build(cluster, a, penalty_cooldown=0.6)
        nb = build(cluster, b)
        try:
            await na.start()
            await nb.start()
            await until(fully_connected([na, nb]))
            t0 = time.monotonic()
            na.penalize(b.key.public_key, "invalid vote signature")
            await until(lambda: na.connected() == [] and nb.connected() == [])
            await until(fully_connected([na, nb]), timeout=5)
            assert time.monotonic() - t0 >= 0.5
            assert na.stats()[b.key.public_key].penalties == 1
        finally:
            await stop_all([na, nb])

    run(main())
    assert any("invalid vote signature" in r.getMessage() for r in caplog.records)


def test_revalidate_drops_peers_no_longer_allowed(tmp_path: Path) -> None:
    cluster = make_cluster(tmp_path, 2)
    a, b = cluster.nodes
    allowed = cluster.allowed()

    async def main() -> None:
        na = build(cluster, a, allowed=allowed)
        nb = build(cluster, b)
        try:
            await na.start()
            await nb.start()
            await until(fully_connected([na, nb]))
            allowed.discard(b.key.public_key)
            assert na.revalidate() == 1
            await until(lambda: na.connected() == [])
        finally:
            await stop_all([na, nb])

    run(main())


def test_settings_replace_keeps_working(tmp_path: Path) -> None:
    """A node may listen on port 0 (tests, tools): ``listen_port`` reports the real one."""
    cluster = make_cluster(tmp_path, 1)
    node = cluster.nodes[0]
    node.settings = replace(node.settings, listen_port=0)

    async def main() -> None:
        net = build(cluster, node)
        await net.start()
        try:
            assert net.listen_port > 0
        finally:
            await net.stop()

    run(main())


def test_a_second_node_with_a_peers_key_is_counted_and_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy of node1 (its key, its own port and certificate) dials node0 while node1's own
    connection is settled and talking. Whether node0 refuses the copy (node0's key smaller:
    it keeps the link it dialled) or lets it take the link in turn, node0 counts each offer
    and warns after three: before, a copy of a key that peers refuse left no trace at all."""
    monkeypatch.setattr(wuyi.network.network, "CONTEST_SETTLED_S", 0.3)
    cluster = make_cluster(tmp_path, 2)
    a, b = cluster.nodes
    cert, key = issue_node_certificate(cluster.ca_cert, cluster.ca_key, tmp_path / "twin", "twin")
    a_addr = PeerAddr("node0", "127.0.0.1", a.settings.listen_port, a.key.public_key)
    twin = Node(
        "twin",
        b.key,
        P2PSettings("127.0.0.1", free_port(), cert, key, cert.parent / "ca.crt", (a_addr,)),
    )
    caplog.set_level(logging.INFO, logger=LOGGER)

    async def main() -> None:
        fast = {"keepalive": 0.2, "idle_timeout": 2.0}
        na, nb = build(cluster, a, **fast), build(cluster, b, **fast)
        nets = [na, nb]
        try:
            await na.start()
            await nb.start()
            await until(fully_connected([na, nb]))
            await asyncio.sleep(0.5)  # settled, and keepalives flowing
            assert na.stats()[b.key.public_key].contested == 0  # a simultaneous dial is not one
            nt = build(cluster, twin, **fast)
            nets.append(nt)
            await nt.start()
            await until(lambda: na.stats()[b.key.public_key].contested >= 3, timeout=30)
            await until(lambda: any("key contested" in r.getMessage() for r in caplog.records))
        finally:
            await stop_all(nets)

    run(main())
    warned = [r for r in caplog.records if "key contested" in r.getMessage()]
    assert warned[0].levelno == logging.WARNING
    assert "another node presents this key" in warned[0].getMessage()
