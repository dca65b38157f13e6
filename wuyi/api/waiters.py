"""Commit waits of ``POST /v1/txs?wait=true`` without a worker thread each.

A sync wait (a thread blocked on a condition until the transaction commits) holds one of the
API's worker-pool tokens (anyio's default: 40) for the whole wait. While the chain cannot commit
(a halt: too few validators up) a few dozen waiting clients take every token, and every sync
route queues behind them — ``/v1/status`` and, before this module, ``/healthz`` and ``/readyz``
stopped answering, and waits asked with ``timeout=10`` were answered only after 10-33 s because
they queued for a token before their wait even began.

Here a wait is an :class:`asyncio.Future` on the API's event loop:

* the route *reserves* a slot first (:meth:`CommitWaiters.reserve`); past ``max_waiters``
  (``[api] max_commit_waiters`` in ``node.toml``) the request is refused with
  :class:`~wuyi.exceptions.TooManyWaiters` (503 and ``Retry-After``: when the first current wait
  ends) *before* anything is submitted, so the refusal changes nothing;
* :meth:`CommitWaiters.wait` registers a future under the transaction's hash, then checks the
  store once (the transaction may have committed between its admission and the registration);
* the node calls :meth:`CommitWaiters._on_commit` from its committing thread after each block is
  stored; for the waited-for transactions of that block it builds their ``TxInfo`` from the block
  in hand (no store read, no block decode per waiter) and hands it to each future's loop with
  ``loop.call_soon_threadsafe``;
* the wait ends at the deadline computed when the request arrived, so ``timeout`` holds.

Counters for ``/metrics``: waits now, the bound, waits refused, waits that timed out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections.abc import Iterator
from typing import Any, Final

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from wuyi.exceptions import NotFound, TooManyWaiters, ValidationError
from wuyi.ledger.types import Transaction
from wuyi.node.node import Node, TxInfo

__all__ = ["DEFAULT_MAX_WAITERS", "CommitWaiters"]

log = logging.getLogger("wuyi.api.waiters")

DEFAULT_MAX_WAITERS: Final = 512
"""Commit waits one node holds at once by default (each is an open connection and a future)."""


def _settle(fut: asyncio.Future[TxInfo], info: TxInfo) -> None:
    if not fut.done():
        fut.set_result(info)


class CommitWaiters:
    """The commit waits of one node's API (see the module docstring)."""

    def __init__(self, node: Node, max_waiters: int = DEFAULT_MAX_WAITERS) -> None:
        if max_waiters < 1:
            raise ValidationError(
                "max_commit_waiters must be at least 1", field="max_commit_waiters"
            )
        self.node = node
        self.max_waiters = max_waiters
        self.refused = 0
        """Waits refused (503) since start."""
        self.timed_out = 0
        """Waits answered 504 (not committed within their timeout) since start."""
        self._lock = threading.Lock()  # held for dict updates only, never across a wait
        self._slots: dict[object, float] = {}  # slot -> deadline (monotonic)
        self._by_hash: dict[bytes, list[asyncio.Future[TxInfo]]] = {}
        node.add_listener(self._on_commit)

    @property
    def active(self) -> int:
        """Waits (reserved slots) now."""
        return len(self._slots)

    # -- slots (event loop) -----------------------------------------------------------------

    def reserve(self, deadline: float) -> object:
        """A slot for a wait ending at ``deadline`` (``time.monotonic()``); raises
        :class:`TooManyWaiters` with ``retry_after`` (seconds until the first current wait
        ends) when every slot is taken."""
        with self._lock:
            if len(self._slots) >= self.max_waiters:
                self.refused += 1
                first_end = min(self._slots.values())
                retry = max(1, math.ceil(first_end - time.monotonic()))
                raise TooManyWaiters(
                    f"this node already holds {len(self._slots)} commit waits, the most it"
                    f" allows; nothing was submitted. Retry after {retry} s, submit without"
                    " wait=true and poll GET /v1/txs/{hash}, or use another node",
                    retry_after=retry,
                )
            slot = object()
            self._slots[slot] = deadline
            return slot

    def release(self, slot: object) -> None:
        with self._lock:
            self._slots.pop(slot, None)

    @contextlib.contextmanager
    def slot(self, deadline: float) -> Iterator[None]:
        s = self.reserve(deadline)
        try:
            yield
        finally:
            self.release(s)

    # -- waiting (event loop) ---------------------------------------------------------------

    async def wait(self, tx_hash: bytes, deadline: float) -> TxInfo | None:
        """The committed transaction, or ``None`` if it is not committed by ``deadline``
        (``time.monotonic()``). Holds no thread and no lock while waiting."""
        fut: asyncio.Future[TxInfo] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._by_hash.setdefault(tx_hash, []).append(fut)
        try:
            # Committed between its admission and the registration above: the commit's
            # notification came before there was a future to settle.
            if self.node.is_committed(tx_hash):
                try:
                    return await run_in_threadpool(self.node.get_tx, tx_hash)
                except NotFound:  # pragma: no cover - committed means found
                    return None
            left = deadline - time.monotonic()
            if left > 0:
                with contextlib.suppress(TimeoutError):
                    return await asyncio.wait_for(fut, left)
            self.timed_out += 1
            return None
        finally:
            with self._lock:
                futs = self._by_hash.get(tx_hash)
                if futs is not None:
                    with contextlib.suppress(ValueError):
                        futs.remove(fut)
                    if not futs:
                        del self._by_hash[tx_hash]

    # -- commit side (the node's committing thread) -----------------------------------------

    def _on_commit(self, block: Any, receipts: list[Any]) -> None:
        if not self._by_hash:  # nobody waits: nothing to do on the commit path
            return
        try:
            with self._lock:
                hits = [
                    (i, rc, list(self._by_hash[rc.tx_hash]))
                    for i, rc in enumerate(receipts)
                    if rc.tx_hash in self._by_hash
                ]
            for i, rc, futs in hits:
                info = TxInfo(
                    Transaction.from_bytes(block.txs[i], checked=True),
                    rc.tx_hash,
                    block.height,
                    i,
                    rc,
                    block.header.time,
                )
                for fut in futs:
                    with contextlib.suppress(RuntimeError):  # its loop closed: nobody listens
                        fut.get_loop().call_soon_threadsafe(_settle, fut, info)
        except Exception:  # never break the commit path; the waits then end at their timeout
            log.exception("waking commit waiters failed")


class WaitersCollector(Collector):
    """``/metrics`` gauges and counters of :class:`CommitWaiters`."""

    def __init__(self, waiters: CommitWaiters) -> None:
        self.w = waiters

    def collect(self) -> Iterator[Metric]:
        w = self.w
        yield GaugeMetricFamily(
            "wuyi_api_commit_waiters",
            "POST /v1/txs?wait=true requests waiting for their commit now",
            value=w.active,
        )
        yield GaugeMetricFamily(
            "wuyi_api_commit_waiters_max",
            "Most commit waits this node holds at once ([api] max_commit_waiters)",
            value=w.max_waiters,
        )
        yield CounterMetricFamily(
            "wuyi_api_commit_waits_refused",
            "Commit waits refused with 503 too_many_waiters since the node started",
            value=w.refused,
        )
        yield CounterMetricFamily(
            "wuyi_api_commit_waits_timed_out",
            "Commit waits answered 504 timeout since the node started",
            value=w.timed_out,
        )
