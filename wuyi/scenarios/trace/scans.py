"""The anonymous scans of product labels, counted off chain by the node that serves the public
page and anchored on chain by its organisation's member (:class:`ScanCounter`).

Why off chain: only members put anything on chain, and a consumer has no key; a page that
wrote one transaction per scan would let anyone with a script fill the chain. So a scan is a
count in this node's memory — a label code and the city the scanner claimed, nothing about the
scanner (the client address is used for rate limiting in memory only, never stored or sent).
A ``scan_recorder`` member of the node's organisation anchors the counts periodically
(``ProductTrace.anchor_scans``, ``wuyi trace anchor-scans``): the chain sees one
``record_scans`` transaction per anchor however many scans there were, and records it as that
organisation's claim. The contract refuses an anchor id twice, so counts are never added twice;
counts not yet anchored are lost if the node restarts (they are a signal, not a ledger).

Bounds: a client may count ``per_client`` scans per ``window_s``; the same client scanning the
same code again within ``repeat_s`` is not counted again (one device re-opening a page is no
evidence of copies); at most ``max_open`` (code, city) pairs wait to be anchored. Past a bound
the route answers 429 ``rate_limited`` and counts nothing.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wuyi.exceptions import RateLimited

__all__ = ["ScanCounter"]


@dataclass
class ScanCounter:
    """Scans waiting to be anchored, sealed in batches of at most ``batch_items`` items."""

    per_client: int = 30
    window_s: float = 60.0
    repeat_s: float = 600.0
    max_open: int = 10_000
    max_clients: int = 10_000
    batch_items: int = 200
    clock: Callable[[], float] = time.monotonic
    tag: str = field(default_factory=lambda: secrets.token_hex(4))
    _open: dict[tuple[str, str], int] = field(default_factory=dict)
    _sealed: list[dict[str, Any]] = field(default_factory=list)
    _seq: int = 0
    _clients: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)
    _seen: OrderedDict[tuple[str, str], float] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, code: str, city: str, client: str) -> bool:
        """Count a scan of ``code`` from ``city`` (the scanner's claim) by ``client``; False if
        it repeats the client's scan of that code within ``repeat_s``. :class:`RateLimited`
        past a bound."""
        now = self.clock()
        with self._lock:
            hits = self._clients.pop(client, deque())
            while hits and now - hits[0] > self.window_s:
                hits.popleft()
            self._clients[client] = hits
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            if len(hits) >= self.per_client:
                wait = max(1, int(self.window_s - (now - hits[0])) + 1)
                raise RateLimited(
                    f"at most {self.per_client} scans a minute from one client", retry_after=wait
                )
            hits.append(now)
            last = self._seen.pop((client, code), None)
            self._seen[(client, code)] = now
            while len(self._seen) > self.max_clients * 4:
                self._seen.popitem(last=False)
            if last is not None and now - last < self.repeat_s:
                return False
            key = (code, city)
            if key not in self._open and len(self._open) >= self.max_open:
                raise RateLimited(
                    f"{self.max_open} scans wait to be anchored on chain; try later",
                    retry_after=60,
                )
            self._open[key] = self._open.get(key, 0) + 1
            return True

    def pending(
        self, anchored: Callable[[str], bool], batch_items: int | None = None
    ) -> list[dict[str, Any]]:
        """Seal what is open into batches ``{anchor, items: [{code, city, count}]}`` of at most
        ``batch_items`` items (default :attr:`batch_items`; the contract's ``scan_items_max``),
        drop the sealed batches ``anchored`` says are on chain, return the rest, oldest
        first."""
        size = max(1, batch_items or self.batch_items)
        with self._lock:
            items = [{"code": c, "city": y, "count": n} for (c, y), n in self._open.items()]
            self._open = {}
            for i in range(0, len(items), size):
                self._seq += 1
                anchor = f"scan:{self.tag}:{self._seq}"
                self._sealed.append({"anchor": anchor, "items": items[i : i + size]})
            self._sealed = [b for b in self._sealed if not anchored(b["anchor"])]
            return [dict(b) for b in self._sealed]

    def waiting(self) -> int:
        """Scans counted and not yet sealed."""
        with self._lock:
            return sum(self._open.values())
