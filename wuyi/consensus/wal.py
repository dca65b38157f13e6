"""The replica's write-ahead log of inputs: interface, record format and an in-memory log.

``Replica.step`` appends every event (encoded with ``encode_event``) before handling it, tagged
with the height the replica is at; ``Replica.recover`` replays the records from the checkpoint
height through the same ``step`` logic. The node adapter implements :class:`ReplicaWAL` on a
file (``wuyi.node.consensus_io.FileWAL``); the simulator uses :class:`MemoryWAL` (records
survive a simulated crash because the simulator keeps the object) or :class:`BytesWAL` (the
file format in memory, so a simulated crash can tear, truncate or bit-flip it).

Record format (the file, and :class:`BytesWAL`)::

    file   := MAGIC record*                       MAGIC = b"WUYIWAL\\x02" (8 bytes)
    record := crc u32 | length u32 | height u64 | data[length]      (big-endian)
    crc    := CRC32C(length | height | data)      (Castagnoli, as CometBFT's WAL)

:func:`scan_wal` reads such bytes and says where the whole, checksummed records end and what
is wrong after them. Damage is classified by what follows it:

* **tail** — no whole, checksummed record follows the damaged one: the crash happened while the
  last record was being written (torn, truncated, zero-filled or flipped). It is cut off and the
  log continues after the last whole record (CometBFT repairs the same way);
* **middle** — a whole record follows: something other than a crash mid-write damaged the log.
  That is not repaired silently; the adapter refuses to start and names the file and offset.

Everything here is pure (bytes in, values out), so the simulator exercises the same code.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import crc32c

__all__ = [
    "WAL_HEADER",
    "WAL_MAGIC",
    "BytesWAL",
    "MemoryWAL",
    "ReplicaWAL",
    "WalDamage",
    "WalScan",
    "encode_wal_record",
    "scan_wal",
]

WAL_MAGIC = b"WUYIWAL\x02"
WAL_HEADER = struct.Struct(">IIQ")  # crc, length, height
MAX_RECORD_LEN = 64 * 1024 * 1024
"""Longest record data accepted (an event carries at most an 8 MiB payload twice)."""
_RESYNC_HEIGHTS = 1 << 20
"""How far above the last good height a record found after damage may be tagged (a filter
that keeps the search for a following record linear in practice)."""


class ReplicaWAL(Protocol):
    """An append-only log of consensus inputs."""

    def append(self, height: int, record: bytes) -> None:
        """Write ``record`` (tagged with ``height``) before returning."""
        ...

    def replay(self, from_height: int) -> Iterator[bytes]:
        """Records tagged with a height ≥ ``from_height``, in append order."""
        ...

    def truncate_below(self, height: int) -> None:
        """Drop records tagged below ``height`` (once that checkpoint is durable)."""
        ...


def compute_wal_crc(length: int, height: int, data: bytes) -> int:
    return int(crc32c.crc32c(data, crc32c.crc32c(struct.pack(">IQ", length, height))))


def encode_wal_record(height: int, data: bytes) -> bytes:
    """One record: checksum, length, height, data."""
    if len(data) > MAX_RECORD_LEN:
        raise ValueError(f"WAL record of {len(data)} bytes exceeds {MAX_RECORD_LEN}")
    crc = compute_wal_crc(len(data), height, data)
    return WAL_HEADER.pack(crc, len(data), height) + data


@dataclass(frozen=True, slots=True)
class WalDamage:
    """What is wrong at ``offset`` (bytes from the start of the file)."""

    offset: int
    reason: str
    tail: bool
    """True when no whole record follows: a torn last write, repaired by cutting it off."""


@dataclass(frozen=True, slots=True)
class WalScan:
    """The whole records of a log, where they end, and the damage after them (if any)."""

    records: list[tuple[int, bytes]] = field(default_factory=list)
    end: int = len(WAL_MAGIC)
    damage: WalDamage | None = None


def _record_at(buf: bytes, pos: int) -> tuple[int, bytes, int] | str:
    """The record at ``pos`` as (height, data, next offset), or why there is none."""
    if pos + WAL_HEADER.size > len(buf):
        return f"incomplete record header ({len(buf) - pos} of {WAL_HEADER.size} bytes)"
    crc, n, height = WAL_HEADER.unpack_from(buf, pos)
    if n > MAX_RECORD_LEN:
        return f"record length {n} exceeds the limit {MAX_RECORD_LEN}"
    start = pos + WAL_HEADER.size
    if start + n > len(buf):
        return f"record of {n} bytes is cut short ({len(buf) - start} bytes left)"
    data = buf[start : start + n]
    if compute_wal_crc(n, height, data) != crc:
        return "checksum (CRC32C) mismatch"
    return height, data, start + n


def _whole_record_after(buf: bytes, pos: int, min_height: int) -> bool:
    """Is there a whole, checksummed record starting anywhere after ``pos``?"""
    hi = min_height + _RESYNC_HEIGHTS
    # Candidates are found by the high half of the height field, which is the same for every
    # plausible height (checked), so the search runs at bytes.find speed.
    high = struct.pack(">I", min_height >> 32)
    if hi >> 32 != min_height >> 32:  # pragma: no cover - heights near 2**32
        high = b""
    last = len(buf) - WAL_HEADER.size
    q = pos + 1
    while q <= last:
        found = buf.find(high, q + 8, last + 12) if high else q + 8
        if found < 0:
            return False
        q = found - 8
        _, n, height = WAL_HEADER.unpack_from(buf, q)
        if (
            min_height <= height <= hi
            and q + WAL_HEADER.size + n <= len(buf)
            and not isinstance(_record_at(buf, q), str)
        ):
            return True
        q += 1
    return False


def scan_wal(buf: bytes) -> WalScan:
    """Read a log's bytes (starting with :data:`WAL_MAGIC`): its whole records, the offset
    after the last of them, and the first damage with its tail/middle classification."""
    if len(buf) < len(WAL_MAGIC):
        if WAL_MAGIC.startswith(buf):
            return WalScan(end=0, damage=WalDamage(0, "incomplete file header", True))
        return WalScan(end=0, damage=WalDamage(0, "not a WAL file (bad magic)", False))
    if buf[: len(WAL_MAGIC)] != WAL_MAGIC:
        return WalScan(end=0, damage=WalDamage(0, "not a WAL file (bad magic)", False))
    records: list[tuple[int, bytes]] = []
    pos = len(WAL_MAGIC)
    last_height = 0
    while pos < len(buf):
        got = _record_at(buf, pos)
        if isinstance(got, str):
            tail = not _whole_record_after(buf, pos, last_height)
            return WalScan(records, pos, WalDamage(pos, got, tail))
        height, data, pos = got
        records.append((height, data))
        last_height = max(last_height, height)
    return WalScan(records, pos, None)


class MemoryWAL:
    """In-memory :class:`ReplicaWAL` for tests and the simulator."""

    def __init__(self) -> None:
        self.records: list[tuple[int, bytes]] = []

    def append(self, height: int, record: bytes) -> None:
        self.records.append((height, record))

    def replay(self, from_height: int) -> Iterator[bytes]:
        for h, rec in list(self.records):
            if h >= from_height:
                yield rec

    def truncate_below(self, height: int) -> None:
        self.records = [(h, r) for h, r in self.records if h >= height]

    def __len__(self) -> int:
        return len(self.records)


class BytesWAL:
    """:class:`ReplicaWAL` over a ``bytearray`` in the file format, for the simulator: a crash
    can damage :attr:`buf` the way a disk does, and :meth:`reopen` then behaves as the node's
    ``FileWAL`` does on start (a damaged tail is cut off; damage in the middle is returned so
    the caller can refuse to start)."""

    def __init__(self) -> None:
        self.buf = bytearray(WAL_MAGIC)

    def append(self, height: int, record: bytes) -> None:
        self.buf += encode_wal_record(height, record)

    def replay(self, from_height: int) -> Iterator[bytes]:
        for h, rec in scan_wal(bytes(self.buf)).records:
            if h >= from_height:
                yield rec

    def truncate_below(self, height: int) -> None:
        scan = scan_wal(bytes(self.buf))
        out = bytearray(WAL_MAGIC)
        for h, r in scan.records:
            if h >= height:
                out += encode_wal_record(h, r)
        self.buf = out

    def reopen(self) -> WalDamage | None:
        """What a restarted node does with this log: cut a damaged tail (returning the
        damage, ``tail=True``); leave damage in the middle in place (``tail=False``)."""
        scan = scan_wal(bytes(self.buf))
        if scan.damage is not None and scan.damage.tail:
            del self.buf[scan.end :]
            if len(self.buf) < len(WAL_MAGIC):
                self.buf = bytearray(WAL_MAGIC)
        return scan.damage

    def record_offsets(self) -> list[tuple[int, int]]:
        """(start, end) of every whole record, for fault injection."""
        out = []
        pos = len(WAL_MAGIC)
        for _, data in scan_wal(bytes(self.buf)).records:
            end = pos + WAL_HEADER.size + len(data)
            out.append((pos, end))
            pos = end
        return out

    def __len__(self) -> int:
        return len(scan_wal(bytes(self.buf)).records)
