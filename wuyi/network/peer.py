"""One authenticated connection to a peer, and the per-peer counters behind ``stats()``."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "CLOSE_TIMEOUT",
    "Connection",
    "Counters",
    "PeerStats",
    "Pending",
    "close_transport",
    "key_prefix",
]

CLOSE_TIMEOUT = 2.0


def key_prefix(public_key: bytes) -> str:
    """The first 8 hex digits of a key, as shown in logs."""
    return public_key[:4].hex()


@dataclass(frozen=True, slots=True)
class PeerStats:
    """A snapshot of one peer's counters (kept across reconnects)."""

    name: str
    connected: bool
    outbound: bool | None  # direction of the current connection; None when not connected
    bytes_in: int
    bytes_out: int
    frames_in: int
    frames_out: int
    dropped: int  # frames refused because the peer's queue was full
    queued: int  # frames waiting in the outbound queue now
    connects: int  # handshakes that led to a live connection
    reconnects: int  # connects after the first
    disconnects: int
    penalties: int
    last_disconnect: str | None  # reason of the last disconnect
    # connections offered with this peer's key while its own was alive and talking: another
    # node presents the key (a copied validator key); see PeerNetwork._note_contest
    contested: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Counters:
    __slots__ = (
        "bytes_in",
        "bytes_out",
        "connects",
        "contested",
        "disconnects",
        "dropped",
        "frames_in",
        "frames_out",
        "last_disconnect",
        "name",
        "penalties",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.bytes_in = self.bytes_out = self.frames_in = self.frames_out = 0
        self.dropped = self.connects = self.disconnects = self.penalties = 0
        self.contested = 0
        self.last_disconnect: str | None = None


class Connection:
    """One live, authenticated connection to a peer."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        public_key: bytes,
        name: str,
        outbound: bool,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.public_key = public_key
        self.name = name
        self.outbound = outbound
        self.queue: deque[bytes] = deque()
        self.queued_bytes = 0
        self.wake = asyncio.Event()
        self.stopping = asyncio.Event()
        self.closed = asyncio.Event()  # set once unregistered
        self.reason: str | None = None
        self.misbehaviour = False
        self.handlers: set[asyncio.Task[None]] = set()
        self.established = time.monotonic()
        self.last_write = self.established
        self.last_read = self.established  # when the last frame arrived
        self.peer_cert = b""  # DER of the TLS certificate the peer presented

    def close(self, reason: str, *, misbehaviour: bool = False) -> None:
        """Ask the connection task to shut this connection down (the first reason wins; it is
        logged at WARNING if ``misbehaviour``, else at INFO)."""
        if self.reason is None:
            self.reason = reason
            self.misbehaviour = misbehaviour
        self.stopping.set()


class Pending:
    """A request awaiting its response: re-sent on the successor if its connection is replaced
    by a preferred one (simultaneous dial), failed if the connection is lost."""

    __slots__ = ("conn", "frame", "fut")

    def __init__(self, conn: Connection, frame: bytes, fut: asyncio.Future[bytes]) -> None:
        self.conn = conn
        self.frame = frame
        self.fut = fut


async def close_transport(writer: asyncio.StreamWriter) -> None:
    """Close ``writer``'s transport, waiting briefly for TLS close_notify, then abort."""
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), CLOSE_TIMEOUT)
    except asyncio.CancelledError:
        writer.transport.abort()
        raise
    except Exception:  # peer gone, TLS alert, timeout: the socket is closed either way
        writer.transport.abort()
