"""The node's access log: every read of a personal record, append-only and hash-chained.

Each signed read that the API allows (``wuyi.api.reads``) appends one entry — who read (public
key, address, organisation and roles, or DID), what (the route and the record), whose (the
citizen's DID, when the record is about one), why (the ``purpose`` the reader signed) and
when (the node's clock) — before the answer leaves the node. Entries are chained::

    hash_n = H("wuyi/access-log\\x00" || encode({seq, time, reader, what, record, subject,
                                                  purpose, basis, prev: hash_{n-1}}))

with ``hash_{-1}`` = 32 zero bytes, so rewriting or dropping an entry changes every later hash
and the head. The head is anchored on chain from time to time (an ``evidence.anchor`` of the
head hash with meta ``{type: "access-log", entries}``, ``WuyiClient.anchor_access_log``): an
auditor who later receives the log recomputes the chain (:func:`verify_entries`) and compares
it with the anchored heads, so the log cannot be rewritten unseen.

The file (``data/access-log.jsonl``, one JSON object per line) is opened for appending only;
each entry is flushed and ``fsync``-ed before the read is answered. Citizens see the reads of
their own records (``GET /v1/dids/{did}/reads``, signed with their DID key); members with the
role ``auditor`` see all (``GET /v1/access-log``); the head is public
(``GET /v1/access-log/head``).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from wuyi.abc import Suite
from wuyi.encoding import encode
from wuyi.exceptions import StoreCorrupted

__all__ = [
    "ACCESS_LOG_DOMAIN",
    "ACCESS_LOG_FILE",
    "GENESIS_HEAD",
    "AccessLog",
    "compute_entry_hash",
    "verify_entries",
]

ACCESS_LOG_DOMAIN = b"wuyi/access-log\x00"
ACCESS_LOG_FILE = "access-log.jsonl"
"""The log's file name in the node's ``data/`` directory."""
GENESIS_HEAD = bytes(32)
_FIELDS = ("seq", "time", "reader", "what", "record", "subject", "purpose", "basis", "prev")


def compute_entry_hash(suite: Suite, entry: dict[str, Any]) -> bytes:
    """The hash of one entry (its fields but ``hash``; ``prev`` as hex)."""
    return suite.hash(ACCESS_LOG_DOMAIN + encode({k: entry[k] for k in _FIELDS}))


def verify_entries(
    suite: Suite, entries: Iterable[dict[str, Any]], *, prev: bytes = GENESIS_HEAD
) -> tuple[int, bytes]:
    """Check that ``entries`` (consecutive, from the one after head ``prev``) chain up and
    hash right; returns ``(count, head)``. Raises :class:`StoreCorrupted` naming the first
    entry that does not."""
    n = 0
    head = prev
    for e in entries:
        if e.get("prev") != head.hex():
            raise StoreCorrupted(
                f"access log entry {e.get('seq')}: prev does not match the entry before it",
                seq=e.get("seq"),
            )
        h = compute_entry_hash(suite, e)
        if e.get("hash") != h.hex():
            raise StoreCorrupted(
                f"access log entry {e.get('seq')}: hash does not match its content",
                seq=e.get("seq"),
            )
        head = h
        n += 1
    return n, head


_OPEN: dict[Path, AccessLog] = {}
_OPEN_LOCK = threading.Lock()


class AccessLog:
    """The append-only log of one node (see the module docstring). Use :meth:`open`: one
    instance per file in a process, so two APIs over one node share its chain of hashes."""

    @classmethod
    def open(cls, path: Path, suite: Suite) -> AccessLog:
        key = path.resolve()
        with _OPEN_LOCK:
            log = _OPEN.get(key)
            if log is None or log.suite.name != suite.name:
                log = _OPEN[key] = cls(key, suite)
            return log

    def __init__(self, path: Path, suite: Suite) -> None:
        self.path = path
        self.suite = suite
        self._lock = threading.Lock()
        self._count = 0
        self._head = GENESIS_HEAD
        if path.exists():
            self._count, self._head = verify_entries(suite, self._read())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def count(self) -> int:
        return self._count

    @property
    def head(self) -> bytes:
        return self._head

    def _read(self) -> Iterator[dict[str, Any]]:
        with self.path.open("r", encoding="utf-8") as f:
            for n, line in enumerate(f):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    raise StoreCorrupted(
                        f"{self.path}: line {n + 1} is not JSON", path=str(self.path)
                    ) from None

    def append(
        self,
        *,
        time_ms: int,
        reader: dict[str, Any],
        what: str,
        record: str,
        subject: str,
        purpose: str,
        basis: str,
    ) -> dict[str, Any]:
        """Record one read (durably, before it is answered); returns the entry."""
        with self._lock:
            entry: dict[str, Any] = {
                "seq": self._count,
                "time": int(time_ms),
                "reader": reader,
                "what": what,
                "record": record,
                "subject": subject,
                "purpose": purpose,
                "basis": basis,
                "prev": self._head.hex(),
            }
            h = compute_entry_hash(self.suite, entry)
            entry["hash"] = h.hex()
            line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            self._count += 1
            self._head = h
            return entry

    def entries(
        self, *, start: int = 0, limit: int = 100, subject: str | None = None
    ) -> list[dict[str, Any]]:
        """Entries from ``seq`` ``start`` on (only those about ``subject`` — one of the
        comma-separated DIDs an entry names — if given), at most ``limit``."""
        out: list[dict[str, Any]] = []
        if not self.path.exists():
            return out
        with self._lock:
            for e in self._read():
                if e["seq"] < start or (
                    subject is not None and subject not in e["subject"].split(",")
                ):
                    continue
                out.append(e)
                if len(out) >= limit:
                    break
        return out
