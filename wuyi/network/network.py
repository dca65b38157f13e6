"""``PeerNetwork``: asyncio TCP + mutual TLS 1.3 + the chain-key handshake, framed messages,
request/response, bounded per-peer queues, reconnects with backoff, penalties and stats.

Everything here runs on one event loop; call ``send``/``broadcast``/``penalize``/... from that
loop's thread (from another thread use ``loop.call_soon_threadsafe``). See ``docs/network.md``.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import os
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, cast

from wuyi.abc import PrivateKey, Suite
from wuyi.exceptions import (
    FrameTooLarge,
    HandshakeFailed,
    PeerUnavailable,
    ProtocolViolation,
    RequestFailed,
    RequestTimeout,
    WuyiError,
)
from wuyi.network.frames import (
    HEADER_LEN,
    KEEPALIVE_CHANNEL,
    MAX_CHANNEL_LEN,
    RE_ERROR,
    RE_MESSAGE,
    RE_RESPONSE,
    Frame,
    encode_frame,
    parse_frame,
)
from wuyi.network.handshake import peer_certificate_der, run_handshake
from wuyi.network.peer import (
    CLOSE_TIMEOUT,
    Connection,
    Counters,
    PeerStats,
    Pending,
    close_transport,
    key_prefix,
)
from wuyi.network.tls import client_context, load_certificate_der, server_context
from wuyi.node.p2p_config import P2PSettings, PeerAddr

__all__ = ["OnMessage", "OnRequest", "PeerNetwork", "PeerStats"]

OnMessage = Callable[[bytes, str, bytes], None]
OnRequest = Callable[[bytes, str, bytes], Awaitable[bytes] | bytes]

BACKOFF_MIN = 0.1
BACKOFF_MAX = 5.0
STABLE_AFTER = 5.0  # a connection that lived this long resets the dial backoff
HANDSHAKE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
MAX_INFLIGHT_REQUESTS = 64
BODY_TIMEOUT = 120.0  # a frame body must arrive within this (32 MiB needs > 0.27 MB/s)
TLS_CHECK_INTERVAL = 10.0  # how often certificate files and live peers' certificates are checked
# A second node presenting a peer's key (see _note_contest): a connection with that key offered
# while the peer's own, older than this, has been heard from within a keepalive interval counts
# as contested; this many within the window raise a warning (at most one per window and key).
CONTEST_SETTLED_S = STABLE_AFTER
CONTEST_WINDOW_S = 60.0
CONTEST_WARN = 3

CheckCertificate = Callable[[bytes, bytes], None]
"""``check_certificate(peer_public_key, peer_certificate_der)``: raise ``HandshakeFailed``
(e.g. ``CertificateRefused``) to refuse; see :mod:`wuyi.network.identity`."""


@dataclass(frozen=True, slots=True)
class _TlsMaterial:
    """The contexts and own certificate in use; replaced as a whole by ``reload_tls`` so that a
    connection's TLS session and the certificate hash its handshake signs always match."""

    server: ssl.SSLContext
    client: ssl.SSLContext
    own_der: bytes
    files: tuple[tuple[int, int], ...]  # (mtime_ns, size) of cert, key, ca file
    anchors: tuple[bytes, ...]


def _file_sig(path: Any) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


class PeerNetwork:
    """The node's peer-to-peer network (see ``docs/network.md``).

    ``on_message(peer_public_key, channel, payload)`` is called on the event loop for every
    message frame; ``on_request(peer_public_key, channel, payload)`` answers requests and may
    return bytes or an awaitable of bytes (an exception becomes an error response). Both should
    be fast; an exception from ``on_message`` is logged, not held against the peer — call
    :meth:`penalize` for that.
    """

    def __init__(
        self,
        *,
        chain_id: str,
        suite: Suite,
        key: PrivateKey,
        settings: P2PSettings,
        is_allowed: Callable[[bytes], bool],
        on_message: OnMessage,
        on_request: OnRequest | None = None,
        max_frame: int = 32 * 1024 * 1024,
        queue_limit: int = 1024,
        queue_bytes: int = 64 * 1024 * 1024,
        penalty_cooldown: float = 5.0,
        keepalive: float = 5.0,
        idle_timeout: float = 30.0,
        write_timeout: float = 30.0,
        logger: logging.Logger | None = None,
        check_certificate: CheckCertificate | None = None,
        trust_anchors: Callable[[], Sequence[bytes]] | None = None,
        tls_check_interval: float = TLS_CHECK_INTERVAL,
    ) -> None:
        if max_frame < 1024 or queue_limit < 1 or queue_bytes < 1:
            raise ValueError("max_frame must be >= 1024, queue_limit and queue_bytes >= 1")
        if not 0 < keepalive < idle_timeout:
            raise ValueError("need 0 < keepalive < idle_timeout")
        self.chain_id = chain_id
        self.suite = suite
        self.key = key
        self.public_key = key.public_key
        self.settings = settings
        self._is_allowed = is_allowed
        self._on_message = on_message
        self._on_request = on_request
        self.max_frame = max_frame
        self.queue_limit = queue_limit
        self.queue_bytes = queue_bytes
        self.penalty_cooldown = penalty_cooldown
        self.keepalive = keepalive
        self.idle_timeout = idle_timeout
        self.write_timeout = write_timeout
        self.log = logger or logging.getLogger("wuyi.network")
        self._check_certificate = check_certificate
        self._trust_anchors = trust_anchors
        self.tls_check_interval = tls_check_interval
        self._tls = self._load_tls()
        self._names = {p.public_key: p.name for p in settings.peers}
        self._configured = {p.public_key for p in settings.peers}
        self._dynamic: dict[bytes, tuple[PeerAddr, asyncio.Task[None]]] = {}
        self._conns: dict[bytes, Connection] = {}
        self._counters: dict[bytes, Counters] = {
            p.public_key: Counters(p.name) for p in settings.peers
        }
        self._cooldown: dict[bytes, float] = {}
        self._contests: dict[bytes, list[float]] = {}  # monotonic times, see _note_contest
        self._contest_warned: dict[bytes, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # dialers and handshakes
        self._serving: set[asyncio.Task[None]] = set()  # one per registered connection
        self._server: asyncio.Server | None = None
        self._running = False
        self._ids = itertools.count(1)
        self._pending: dict[int, Pending] = {}
        self._handshaking = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on ``settings.listen_host:listen_port`` and dial every configured peer."""
        if self._running:
            raise RuntimeError("network already started")
        self._running = True
        try:
            # Plain TCP: _accept upgrades to TLS itself, so TLS failures are ours to log.
            self._server = await asyncio.start_server(
                self._on_inbound, self.settings.listen_host, self.settings.listen_port
            )
        except BaseException:
            self._running = False
            raise
        self.log.info(
            "p2p listening on %s:%s as key=%s",
            self.settings.listen_host,
            self.listen_port,
            key_prefix(self.public_key),
            extra={"event": "listen", "peer_key": key_prefix(self.public_key)},
        )
        for peer in self.settings.peers:
            if peer.public_key != self.public_key:
                self._spawn(self._dial_loop(peer))
        if self.tls_check_interval > 0:
            self._spawn(self._tls_watch_loop())

    async def stop(self) -> None:
        """Stop listening, close every connection cleanly and end every task."""
        self._running = False
        self._dynamic.clear()
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns.values()):
            conn.close("network stopping")
        while self._tasks or self._serving:
            # Dialers and handshakes are cancelled; live connections get CLOSE_TIMEOUT to
            # send their TLS close_notify before they are cancelled too.
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            serving = list(self._serving)
            if serving:
                _, late = await asyncio.wait(serving, timeout=CLOSE_TIMEOUT + 1)
                for task in late:
                    task.cancel()
                await asyncio.gather(*serving, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    @property
    def listen_port(self) -> int:
        """The port actually listened on (useful when ``listen_port`` was 0)."""
        if self._server is None or not self._server.sockets:
            return self.settings.listen_port
        return int(self._server.sockets[0].getsockname()[1])

    # ------------------------------------------------------------------ public API

    def connected(self) -> list[bytes]:
        """Public keys of the peers with a live, authenticated connection (sorted).
        Safe to call from another thread (a snapshot)."""
        return sorted(list(self._conns))

    def is_connected(self, public_key: bytes) -> bool:
        return public_key in self._conns

    @property
    def handshakes_in_progress(self) -> int:
        """Application handshakes running now (inbound and outbound)."""
        return self._handshaking

    def send(self, public_key: bytes, channel: str, payload: bytes) -> bool:
        """Queue a message for one peer. False if not connected or its queue is full (dropped).

        :class:`FrameTooLarge` if the frame would exceed ``max_frame``.
        """
        self._check_channel(channel)
        conn = self._conns.get(public_key)
        if conn is None:
            return False
        return self._enqueue(conn, encode_frame(channel, 0, RE_MESSAGE, payload, self.max_frame))

    def broadcast(self, channel: str, payload: bytes) -> int:
        """Queue a message for every connected peer; the number of peers it was queued for."""
        self._check_channel(channel)
        if not self._conns:
            return 0
        frame = encode_frame(channel, 0, RE_MESSAGE, payload, self.max_frame)
        return sum(self._enqueue(conn, frame) for conn in list(self._conns.values()))

    async def request(
        self, public_key: bytes, channel: str, payload: bytes, timeout: float
    ) -> bytes:
        """Send a request and await the peer's response payload.

        Raises :class:`PeerUnavailable` (not connected, queue full, connection lost),
        :class:`RequestTimeout`, or :class:`RequestFailed` (the peer's handler failed).
        """
        self._check_channel(channel)
        conn = self._conns.get(public_key)
        if conn is None:
            raise PeerUnavailable(f"peer {self._name(public_key)} is not connected")
        rid = next(self._ids)
        frame = encode_frame(channel, rid, RE_MESSAGE, payload, self.max_frame)
        if not self._enqueue(conn, frame):
            raise PeerUnavailable(f"outbound queue to {conn.name} is full")
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[rid] = Pending(conn, frame, fut)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise RequestTimeout(
                f"no response from {conn.name} on {channel!r} within {timeout} s"
            ) from None
        finally:
            self._pending.pop(rid, None)

    def penalize(self, public_key: bytes, reason: str) -> None:
        """Disconnect a misbehaving peer (e.g. invalid signatures) and refuse it for
        ``penalty_cooldown`` seconds (inbound handshakes refused, no dialling)."""
        self._cooldown[public_key] = time.monotonic() + self.penalty_cooldown
        self._counter(public_key).penalties += 1
        self.log.warning(
            "p2p penalize peer=%s key=%s reason=%s",
            self._name(public_key),
            key_prefix(public_key),
            reason,
            extra=self._extra("penalize", public_key, reason),
        )
        conn = self._conns.get(public_key)
        if conn is not None:
            conn.close(f"penalized: {reason}", misbehaviour=True)

    def disconnect(self, public_key: bytes, reason: str) -> None:
        """Close the connection to a peer (no cool-down; a configured peer is redialled)."""
        conn = self._conns.get(public_key)
        if conn is not None:
            conn.close(reason)

    def revalidate(self) -> int:
        """Re-check ``is_allowed`` and ``check_certificate`` for every connected peer (call
        after the validator set, the node records, the CAs or the revocations change; it also
        runs every ``tls_check_interval`` s, so a peer whose certificate expires is dropped);
        disconnect those no longer allowed. Returns how many."""
        dropped = 0
        for key, conn in list(self._conns.items()):
            reason = None
            if not self._allowed(key):
                reason = "no longer allowed"
            else:
                try:
                    self._check_cert(key, conn.peer_cert)
                except HandshakeFailed as exc:
                    reason = f"certificate refused: {exc.message}"
            if reason is not None:
                conn.close(reason, misbehaviour=True)
                dropped += 1
        return dropped

    def set_key(self, key: PrivateKey) -> None:
        """Present ``key`` from now on (this validator's consensus key was rotated by
        governance): every connection is closed and made again with a handshake it signs."""
        self.key = key
        self.public_key = key.public_key
        for conn in list(self._conns.values()):
            conn.close("own key rotated")

    # ------------------------------------------------------------------ TLS material and peers

    @property
    def own_certificate(self) -> bytes:
        """DER of the certificate this node presents now."""
        return self._tls.own_der

    def peer_certificates(self) -> dict[bytes, bytes]:
        """DER certificate of every connected peer (a snapshot; safe from other threads)."""
        return {k: c.peer_cert for k, c in list(self._conns.items())}

    def _tls_files(self) -> tuple[tuple[int, int], ...]:
        st = self.settings
        return tuple(_file_sig(p) for p in (st.tls_cert, st.tls_key, st.tls_ca))

    def _load_tls(self) -> _TlsMaterial:
        anchors = tuple(self._trust_anchors()) if self._trust_anchors is not None else ()
        files = self._tls_files()
        return _TlsMaterial(
            server=server_context(self.settings, anchors),
            client=client_context(self.settings, anchors),
            own_der=load_certificate_der(self.settings.tls_cert),
            files=files,
            anchors=anchors,
        )

    def reload_tls(self, *, force: bool = False) -> bool:
        """Load the certificate, key and trust anchors again if the files or the anchors
        changed (``force``: in any case). New connections use them; live ones keep the session
        they have. On failure (e.g. a certificate and key that do not match, half-way through a
        renewal) the old material stays in use and a warning is logged. Returns whether the
        material was replaced."""
        old = self._tls
        anchors = tuple(self._trust_anchors()) if self._trust_anchors is not None else ()
        files = self._tls_files()
        if not force and files == old.files and anchors == old.anchors:
            return False
        try:
            new = self._load_tls()
        except (OSError, ssl.SSLError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self.log.warning(
                "p2p TLS reload failed (keeping the old certificate) reason=%s",
                reason,
                extra=self._extra("tls_reload_failed", None, reason),
            )
            return False
        self._tls = new
        if new.own_der != old.own_der:
            from wuyi.network.identity import describe_certificate

            info = describe_certificate(new.own_der)
            self.log.info(
                "p2p TLS certificate reloaded serial=%x not_after=%s",
                info.serial,
                info.not_after.isoformat(),
                extra=self._extra("tls_reloaded", None, "certificate renewed")
                | {"not_after": info.not_after.isoformat(), "serial": format(info.serial, "x")},
            )
        return True

    async def _tls_watch_loop(self) -> None:
        """Pick up a renewed certificate and new trust anchors; drop peers whose certificate
        expired (or was refused since) while connected."""
        while self._running:
            await asyncio.sleep(self.tls_check_interval)
            try:
                self.reload_tls()
                self.revalidate()
            except Exception:  # pragma: no cover - must never stop the network
                self.log.exception("p2p TLS check failed")

    def set_peers(self, peers: Sequence[PeerAddr]) -> None:
        """Dial these peers too (the addresses the chain lists), besides the configured ones;
        stop dialling peers dropped from the list (their connection stays while allowed). A
        peer configured in ``node.toml`` keeps its configured address."""
        if not self._running:
            return
        want = {
            p.public_key: p
            for p in peers
            if p.public_key != self.public_key and p.public_key not in self._configured
        }
        for key in list(self._dynamic):
            peer, task = self._dynamic[key]
            if want.get(key) != peer:
                task.cancel()
                del self._dynamic[key]
        for key, peer in want.items():
            self._names.setdefault(key, peer.name)
            if key not in self._dynamic:
                self._dynamic[key] = (peer, self._spawn(self._dial_loop(peer)))

    def _check_cert(self, public_key: bytes, der: bytes) -> None:
        if self._check_certificate is not None:
            self._check_certificate(public_key, der)

    def stats(self) -> dict[bytes, PeerStats]:
        """Per-peer counters: every configured peer and every peer ever connected.
        Safe to call from another thread (a snapshot; counters may be a frame apart)."""
        out = {}
        for key, c in list(self._counters.items()):
            conn = self._conns.get(key)
            out[key] = PeerStats(
                name=c.name,
                connected=conn is not None,
                outbound=conn.outbound if conn is not None else None,
                bytes_in=c.bytes_in,
                bytes_out=c.bytes_out,
                frames_in=c.frames_in,
                frames_out=c.frames_out,
                dropped=c.dropped,
                queued=len(conn.queue) if conn is not None else 0,
                connects=c.connects,
                reconnects=max(0, c.connects - 1),
                disconnects=c.disconnects,
                penalties=c.penalties,
                last_disconnect=c.last_disconnect,
                contested=c.contested,
            )
        return out

    # ------------------------------------------------------------------ helpers

    def _name(self, public_key: bytes) -> str:
        return self._names.get(public_key) or f"?{key_prefix(public_key)}"

    def _counter(self, public_key: bytes) -> Counters:
        c = self._counters.get(public_key)
        if c is None:
            c = self._counters[public_key] = Counters(self._name(public_key))
        return c

    def _extra(self, event: str, public_key: bytes | None, reason: str) -> dict[str, Any]:
        return {
            "event": event,
            "peer": self._name(public_key) if public_key is not None else None,
            "peer_key": key_prefix(public_key) if public_key is not None else None,
            "reason": reason,
        }

    @staticmethod
    def _check_channel(channel: str) -> None:
        if type(channel) is not str or not channel or len(channel) > MAX_CHANNEL_LEN:
            raise ValueError(f"channel must be 1..{MAX_CHANNEL_LEN} characters, got {channel!r}")

    def _allowed(self, public_key: bytes) -> bool:
        try:
            return bool(self._is_allowed(public_key))
        except Exception:
            self.log.exception("p2p is_allowed raised for key=%s", key_prefix(public_key))
            return False

    def _cooldown_left(self, public_key: bytes) -> float:
        until = self._cooldown.get(public_key)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            del self._cooldown[public_key]
            return 0.0
        return left

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _spawn_serve(self, conn: Connection) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(conn))
        self._serving.add(task)
        task.add_done_callback(self._serving.discard)

    def _enqueue(self, conn: Connection, frame: bytes) -> bool:
        """Put ``frame`` on ``conn``'s bounded queue; False (and counted) if full."""
        if conn.stopping.is_set():
            return False
        if len(conn.queue) >= self.queue_limit or (
            conn.queue and conn.queued_bytes + len(frame) > self.queue_bytes
        ):
            self._counter(conn.public_key).dropped += 1
            return False
        conn.queue.append(frame)
        conn.queued_bytes += len(frame)
        conn.wake.set()
        return True

    # ------------------------------------------------------------------ connecting

    def _on_inbound(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain callback (not a coroutine): our own task owns the connection, so stop() can
        # cancel it without asyncio's start_server wrapper complaining.
        if not self._running:
            writer.transport.abort()
            return
        # No plaintext byte may reach the stream reader before TLS takes over the transport.
        cast(asyncio.Transport, writer.transport).pause_reading()
        self._spawn(self._accept(reader, writer))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        where = f"{peername[0]}:{peername[1]}" if peername else "?"
        tls = self._tls
        try:
            await writer.start_tls(tls.server, ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
        except asyncio.CancelledError:
            writer.transport.abort()
            raise
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self.log.warning(
                "p2p TLS handshake failed from=%s reason=%s",
                where,
                reason,
                extra=self._extra("tls_failed", None, reason) | {"addr": where},
            )
            writer.transport.abort()
            return
        conn = await self._establish(
            reader, writer, outbound=False, expected=None, own_der=tls.own_der
        )
        if conn is not None:
            self._spawn_serve(conn)

    async def _dial_loop(self, peer: PeerAddr) -> None:
        """Keep one connection to a configured peer, redialling with exponential backoff."""
        delay = BACKOFF_MIN
        while self._running:
            conn = self._conns.get(peer.public_key)
            if conn is not None:
                await conn.closed.wait()
                if time.monotonic() - conn.established >= STABLE_AFTER:
                    delay = BACKOFF_MIN
                else:  # flapping: back off even though the handshake worked
                    await asyncio.sleep(random.uniform(delay / 2, delay))
                    delay = min(delay * 2, BACKOFF_MAX)
                continue
            wait = self._cooldown_left(peer.public_key)
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            if not self._allowed(peer.public_key):  # e.g. removed from the validator set
                await asyncio.sleep(BACKOFF_MAX)
                continue
            conn = await self._dial(peer)
            if conn is not None:
                self._spawn_serve(conn)
                continue
            if peer.public_key in self._conns:  # lost a race with an inbound connection
                continue
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, BACKOFF_MAX)

    async def _dial(self, peer: PeerAddr) -> Connection | None:
        tls = self._tls
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    peer.host,
                    peer.port,
                    ssl=tls.client,
                    ssl_handshake_timeout=HANDSHAKE_TIMEOUT,
                ),
                CONNECT_TIMEOUT,
            )
        except ssl.SSLCertVerificationError as exc:
            reason = f"TLS: {exc.verify_message or exc}"
            self.log.warning(
                "p2p TLS handshake failed to=%s key=%s reason=%s",
                peer.name,
                key_prefix(peer.public_key),
                reason,
                extra=self._extra("tls_failed", peer.public_key, reason) | {"outbound": True},
            )
            return None
        except (OSError, TimeoutError) as exc:
            self.log.debug(
                "p2p dial failed peer=%s key=%s reason=%s",
                peer.name,
                key_prefix(peer.public_key),
                exc,
                extra=self._extra("dial_failed", peer.public_key, str(exc)),
            )
            return None
        return await self._establish(
            reader, writer, outbound=True, expected=peer.public_key, own_der=tls.own_der
        )

    async def _establish(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        outbound: bool,
        expected: bytes | None,
        own_der: bytes,
    ) -> Connection | None:
        """Run the handshake and register the connection; None (transport closed) if refused
        or if it is the losing half of a simultaneous dial."""
        peername = writer.get_extra_info("peername")
        where = f"{peername[0]}:{peername[1]}" if peername else "?"
        try:
            peer_der = peer_certificate_der(writer)
        except HandshakeFailed:
            peer_der = b""

        def check_peer(public_key: bytes) -> None:
            if expected is not None and public_key != expected:
                raise HandshakeFailed(
                    f"expected key {key_prefix(expected)}, peer presented {key_prefix(public_key)}"
                )
            if not self._allowed(public_key):
                raise HandshakeFailed("key not allowed (not a registered validator/node key)")
            if self._cooldown_left(public_key) > 0:
                raise HandshakeFailed("peer is cooling down after a penalty")
            self._check_cert(public_key, peer_der)

        self._handshaking += 1
        try:
            public_key = await asyncio.wait_for(
                run_handshake(
                    reader,
                    writer,
                    chain_id=self.chain_id,
                    suite=self.suite,
                    key=self.key,
                    own_cert_der=own_der,
                    check_peer=check_peer,
                ),
                HANDSHAKE_TIMEOUT,
            )
        except asyncio.CancelledError:
            await close_transport(writer)
            raise
        except (HandshakeFailed, TimeoutError, OSError, WuyiError) as exc:
            reason = exc.message if isinstance(exc, WuyiError) else f"{type(exc).__name__}: {exc}"
            if isinstance(exc, TimeoutError):
                reason = "handshake timed out"
            claimed = exc.detail.get("public_key") if isinstance(exc, WuyiError) else None
            shown = expected if expected is not None else claimed
            self.log.warning(
                "p2p handshake refused peer=%s addr=%s direction=%s reason=%s",
                self._name(shown) if shown is not None else "?",
                where,
                "out" if outbound else "in",
                reason,
                extra=self._extra("handshake_refused", shown, reason)
                | {"addr": where, "outbound": outbound},
            )
            await close_transport(writer)
            return None
        finally:
            self._handshaking -= 1

        name = self._name(public_key)
        existing = self._conns.get(public_key)
        if existing is not None:
            self._note_contest(existing, where)
        if not self._running or (existing is not None and not self._prefer_new(existing, outbound)):
            self.log.debug(
                "p2p duplicate connection closed peer=%s key=%s",
                name,
                key_prefix(public_key),
                extra=self._extra("duplicate", public_key, "duplicate connection"),
            )
            await close_transport(writer)
            return None
        conn = Connection(reader, writer, public_key, name, outbound)
        conn.peer_cert = peer_der
        if existing is not None:
            existing.close("replaced by a preferred connection")
            self._unregister(existing, successor=conn)
        self._conns[public_key] = conn
        counter = self._counter(public_key)
        counter.connects += 1
        self.log.info(
            "p2p connected peer=%s key=%s direction=%s",
            name,
            key_prefix(public_key),
            "out" if outbound else "in",
            extra=self._extra("connected", public_key, "") | {"outbound": outbound},
        )
        return conn

    def _note_contest(self, existing: Connection, where: str) -> None:
        """A connection with ``existing``'s key was just authenticated. At start-up both ends
        may dial at once, and a peer whose link died redials; but a peer whose own connection
        is settled and still talking has no reason to offer another: a second node holds its
        key (a validator's home copied to another machine). One connection per pair is kept
        (``_prefer_new``), so such a twin either steals and loses the link in turn or, when
        the peer's key is the larger, is refused for ever, heard by nobody; either way the
        operator learns it only from here: a counter per peer (``PeerStats.contested``, metric
        ``wuyi_p2p_key_contested_total``) and a warning once ``CONTEST_WARN`` happen within
        ``CONTEST_WINDOW_S`` (docs/network-ops.md, a duplicate validator)."""
        now = time.monotonic()
        if (
            existing.stopping.is_set()
            or now - existing.established < CONTEST_SETTLED_S
            or now - existing.last_read >= self.keepalive
        ):
            return
        key = existing.public_key
        self._counter(key).contested += 1
        times = self._contests.setdefault(key, [])
        times[:] = [t for t in times if now - t < CONTEST_WINDOW_S] + [now]
        if len(times) >= CONTEST_WARN and now - self._contest_warned.get(key, -1e18) >= (
            CONTEST_WINDOW_S
        ):
            self._contest_warned[key] = now
            reason = (
                f"{len(times)} connections with this key in {CONTEST_WINDOW_S:g} s while its own"
                " was alive: another node presents this key (a copied validator key?)"
            )
            self.log.warning(
                "p2p key contested peer=%s key=%s addr=%s: %s",
                self._name(key),
                key_prefix(key),
                where,
                reason,
                extra=self._extra("key_contested", key, reason) | {"addr": where},
            )

    def _prefer_new(self, existing: Connection, new_outbound: bool) -> bool:
        """Exactly one connection per pair: keep the one initiated by the smaller public key;
        between two with the same initiator keep the newer (the old one is likely dead)."""
        if existing.stopping.is_set():
            return True
        key = existing.public_key
        smaller = min(self.public_key, key)
        new_initiator = self.public_key if new_outbound else key
        old_initiator = self.public_key if existing.outbound else key
        if new_initiator == old_initiator:
            return True
        return new_initiator == smaller

    def _unregister(self, conn: Connection, successor: Connection | None = None) -> None:
        """Forget ``conn``. Its unsent frames and open requests move to ``successor`` (the
        preferred connection replacing it) if there is one; otherwise its requests fail."""
        if self._conns.get(conn.public_key) is conn:
            del self._conns[conn.public_key]
        if conn.closed.is_set():
            return
        conn.closed.set()
        c = self._counter(conn.public_key)
        c.disconnects += 1
        c.last_disconnect = conn.reason
        mine = [p for p in self._pending.values() if p.conn is conn]
        if successor is not None:
            unsent = {id(frame) for frame in conn.queue}
            successor.queue.extend(conn.queue)
            successor.queued_bytes += conn.queued_bytes
            for p in mine:
                p.conn = successor
                if id(p.frame) not in unsent:  # written to the losing connection: send again
                    successor.queue.append(p.frame)
                    successor.queued_bytes += len(p.frame)
            successor.wake.set()
        else:
            err = PeerUnavailable(f"connection to {conn.name} lost: {conn.reason}")
            for p in mine:
                if not p.fut.done():
                    p.fut.set_exception(err)
        conn.queue.clear()
        conn.queued_bytes = 0

    # ------------------------------------------------------------------ serving

    async def _serve(self, conn: Connection) -> None:
        """Run a registered connection until it fails or is closed; then clean up."""
        tasks = [
            asyncio.ensure_future(self._read_loop(conn)),
            asyncio.ensure_future(self._write_loop(conn)),
            asyncio.ensure_future(self._keepalive_loop(conn)),
            asyncio.ensure_future(conn.stopping.wait()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            conn.close("network stopping")
            raise
        finally:
            conn.close("connection ended")
            self._unregister(conn)
            for task in (*tasks, *conn.handlers):
                task.cancel()
            await asyncio.gather(*tasks, *conn.handlers, return_exceptions=True)
            level = logging.WARNING if conn.misbehaviour else logging.INFO
            self.log.log(
                level,
                "p2p disconnected peer=%s key=%s reason=%s",
                conn.name,
                key_prefix(conn.public_key),
                conn.reason,
                extra=self._extra("disconnected", conn.public_key, conn.reason or ""),
            )
            await close_transport(conn.writer)

    async def _read_loop(self, conn: Connection) -> None:
        idle = self.idle_timeout
        counter = self._counter(conn.public_key)
        reader = conn.reader
        try:
            while True:
                # Peers send a keepalive at least every `keepalive` s: silence means dead.
                try:
                    async with asyncio.timeout(idle):
                        header = await reader.readexactly(HEADER_LEN)
                except TimeoutError:
                    conn.close(f"peer silent for {idle:g} s", misbehaviour=True)
                    return
                size = int.from_bytes(header, "big")
                if size > self.max_frame or size == 0:  # checked before reading the body
                    conn.close(
                        f"protocol violation: frame of {size} bytes (limit {self.max_frame} bytes)",
                        misbehaviour=True,
                    )
                    return
                try:
                    async with asyncio.timeout(max(idle, BODY_TIMEOUT)):
                        body = await reader.readexactly(size)
                except TimeoutError:
                    conn.close(
                        f"frame body of {size} bytes not received in time", misbehaviour=True
                    )
                    return
                counter.bytes_in += HEADER_LEN + size
                counter.frames_in += 1
                conn.last_read = time.monotonic()
                self._dispatch(conn, parse_frame(body))
        except asyncio.IncompleteReadError:
            conn.close("connection closed by peer")
        except ProtocolViolation as exc:
            conn.close(f"protocol violation: {exc.message}", misbehaviour=True)
        except OSError as exc:
            conn.close(f"read error: {type(exc).__name__}: {exc}")
        except Exception as exc:
            self.log.exception("p2p read loop failed peer=%s", conn.name)
            conn.close(f"internal error: {type(exc).__name__}", misbehaviour=True)

    def _dispatch(self, conn: Connection, frame: Frame) -> None:
        if frame.channel == KEEPALIVE_CHANNEL:
            return
        if frame.re == RE_MESSAGE and frame.request_id == 0:
            try:
                self._on_message(conn.public_key, frame.channel, frame.payload)
            except Exception:
                self.log.exception(
                    "p2p on_message failed peer=%s channel=%s", conn.name, frame.channel
                )
        elif frame.re == RE_MESSAGE:
            self._handle_request(conn, frame)
        else:
            p = self._pending.get(frame.request_id)
            if p is None or p.fut.done() or p.conn.public_key != conn.public_key:
                return  # late (timed out), duplicate, or not this peer's request
            if frame.re == RE_RESPONSE:
                p.fut.set_result(frame.payload)
            else:
                reason = frame.payload.decode("utf-8", "replace")
                p.fut.set_exception(RequestFailed(f"{conn.name} failed the request: {reason}"))

    def _respond(self, conn: Connection, frame: Frame, result: Any) -> None:
        if isinstance(result, bytes | bytearray | memoryview):
            try:
                out = encode_frame(
                    frame.channel, frame.request_id, RE_RESPONSE, bytes(result), self.max_frame
                )
            except FrameTooLarge as exc:
                out = self._error_frame(frame, exc.message)
        else:
            out = self._error_frame(frame, "handler returned no bytes")
        if not self._enqueue(conn, out):
            self.log.debug("p2p response dropped (queue full) peer=%s", conn.name)

    def _error_frame(self, frame: Frame, reason: str) -> bytes:
        return encode_frame(
            frame.channel, frame.request_id, RE_ERROR, reason.encode()[:1024], self.max_frame
        )

    def _handle_request(self, conn: Connection, frame: Frame) -> None:
        if self._on_request is None:
            self._enqueue(conn, self._error_frame(frame, "no request handler"))
            return
        if len(conn.handlers) >= MAX_INFLIGHT_REQUESTS:
            self._enqueue(conn, self._error_frame(frame, "busy"))
            return
        try:
            result = self._on_request(conn.public_key, frame.channel, frame.payload)
        except Exception as exc:
            self._request_failed(conn, frame, exc)
            return
        if not inspect.isawaitable(result):
            self._respond(conn, frame, result)
            return

        async def finish(awaitable: Awaitable[bytes]) -> None:
            try:
                value = await awaitable
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._request_failed(conn, frame, exc)
                return
            self._respond(conn, frame, value)

        task = asyncio.ensure_future(finish(result))
        conn.handlers.add(task)
        task.add_done_callback(conn.handlers.discard)

    def _request_failed(self, conn: Connection, frame: Frame, exc: Exception) -> None:
        if isinstance(exc, WuyiError):
            reason = f"{exc.code}: {exc.message}"
        else:
            self.log.exception(
                "p2p on_request failed peer=%s channel=%s", conn.name, frame.channel, exc_info=exc
            )
            reason = "internal error"
        self._enqueue(conn, self._error_frame(frame, reason))

    async def _write_loop(self, conn: Connection) -> None:
        counter = self._counter(conn.public_key)
        writer = conn.writer
        try:
            while True:
                while not conn.queue:
                    conn.wake.clear()
                    await conn.wake.wait()
                frame = conn.queue.popleft()
                conn.queued_bytes -= len(frame)
                writer.write(frame)
                conn.last_write = time.monotonic()
                counter.bytes_out += len(frame)
                counter.frames_out += 1
                # One frame at a time: the transport buffer stays near its high-water mark and
                # the bounded queue is the only place frames wait.
                async with asyncio.timeout(self.write_timeout):
                    await writer.drain()
        except TimeoutError:
            conn.close(f"peer not reading for {self.write_timeout:g} s", misbehaviour=True)
        except (OSError, RuntimeError) as exc:
            conn.close(f"write error: {type(exc).__name__}: {exc}")

    async def _keepalive_loop(self, conn: Connection) -> None:
        ping = encode_frame(KEEPALIVE_CHANNEL, 0, RE_MESSAGE, b"", self.max_frame)
        while True:
            await asyncio.sleep(self.keepalive / 2)
            if time.monotonic() - conn.last_write >= self.keepalive / 2 and not conn.queue:
                self._enqueue_keepalive(conn, ping)

    def _enqueue_keepalive(self, conn: Connection, ping: bytes) -> None:
        if not conn.stopping.is_set() and len(conn.queue) < self.queue_limit:
            conn.queue.append(ping)
            conn.queued_bytes += len(ping)
            conn.wake.set()
