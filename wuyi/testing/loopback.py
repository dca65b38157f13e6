"""An in-process stand-in for :class:`wuyi.network.PeerNetwork`: validators in one process
exchange frames through a shared hub (each delivery is scheduled on the receiver's own event
loop), with switches to cut a node off. For adapter tests; the real network adds TLS, framing
and reconnects."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["LoopbackHub"]


class LoopbackHub:
    def __init__(self) -> None:
        self.nodes: dict[bytes, _LoopbackNetwork] = {}
        self.cut: set[bytes] = set()
        self.muted: dict[bytes, set[str]] = {}  # node -> channels it neither sends nor gets
        self._lock = threading.Lock()

    def factory(self, **kwargs: Any) -> _LoopbackNetwork:
        net = _LoopbackNetwork(self, **kwargs)
        with self._lock:
            self.nodes[net.me] = net
        return net

    def link_up(self, a: bytes, b: bytes) -> bool:
        return a not in self.cut and b not in self.cut and b in self.nodes and self.nodes[b].up


class _LoopbackNetwork:
    def __init__(
        self,
        hub: LoopbackHub,
        *,
        key: Any,
        on_message: Callable[[bytes, str, bytes], None],
        on_request: Callable[[bytes, str, bytes], Awaitable[bytes]] | None = None,
        **_: Any,
    ) -> None:
        self.hub = hub
        self.me: bytes = key.public_key
        self.on_message = on_message
        self.on_request = on_request
        self.loop: asyncio.AbstractEventLoop | None = None
        self.up = False
        self.penalized: list[tuple[bytes, str]] = []

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.up = True

    async def stop(self) -> None:
        self.up = False

    def connected(self) -> list[bytes]:
        return [k for k in self.hub.nodes if k != self.me and self.hub.link_up(self.me, k)]

    def _deliver(self, to: bytes, channel: str, payload: bytes) -> bool:
        if not self.hub.link_up(self.me, to) or not self.up:
            return False
        if channel in self.hub.muted.get(self.me, ()) or channel in self.hub.muted.get(to, ()):
            return False
        dst = self.hub.nodes[to]
        if dst.loop is None or dst.loop.is_closed():
            return False
        dst.loop.call_soon_threadsafe(dst.on_message, self.me, channel, payload)
        return True

    def send(self, public_key: bytes, channel: str, payload: bytes) -> bool:
        return self._deliver(public_key, channel, payload)

    def broadcast(self, channel: str, payload: bytes) -> int:
        return sum(self._deliver(k, channel, payload) for k in list(self.hub.nodes) if k != self.me)

    async def request(
        self, public_key: bytes, channel: str, payload: bytes, timeout: float
    ) -> bytes:
        if not self.hub.link_up(self.me, public_key):
            raise OSError("peer not connected")
        dst = self.hub.nodes[public_key]
        assert dst.loop is not None and dst.on_request is not None

        async def call() -> bytes:
            assert dst.on_request is not None
            return await dst.on_request(self.me, channel, payload)

        fut: concurrent.futures.Future[bytes] = asyncio.run_coroutine_threadsafe(call(), dst.loop)
        return await asyncio.wait_for(asyncio.wrap_future(fut), timeout)

    def penalize(self, public_key: bytes, reason: str) -> None:
        self.penalized.append((public_key, reason))

    def stats(self) -> dict[str, Any]:
        return {}
