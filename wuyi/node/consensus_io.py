"""Durable pieces of a validator: the consensus input WAL and the safety-rules state file.

**WAL** (``data/consensus.wal``): records ``u64 height | u32 length | bytes``. Every consensus
input is appended (and flushed to the OS) before the replica handles it; a torn tail record
(crash mid-write) is ignored on replay. Inputs from peers are not fsynced one by one — losing
the last few after a power cut is the same as those messages being lost on the network, which
the protocol tolerates (CometBFT makes the same choice). What must never be lost is what this
validator *signed*: that goes to the safety file below, fsynced before the signature leaves.

**Safety file** (``data/safety.json``): the last signed (height, round, step, bytes, signature),
written to a temporary file, fsynced and renamed over the old one (then the directory fsynced).
"""

from __future__ import annotations

import json
import os
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

from wuyi.consensus.safety import SignedState
from wuyi.exceptions import StoreCorrupted

__all__ = ["FileWAL", "load_signed_state", "persist_signed_state"]

_HEAD = struct.Struct(">QI")


class FileWAL:
    """:class:`wuyi.consensus.wal.ReplicaWAL` on one append-only file."""

    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        self.path = path
        self._fsync = fsync
        self._lock = threading.Lock()
        self._f = open(path, "ab")  # noqa: SIM115 - kept open for the node's lifetime

    def append(self, height: int, record: bytes) -> None:
        with self._lock:
            self._f.write(_HEAD.pack(height, len(record)) + record)
            self._f.flush()
            if self._fsync:
                os.fsync(self._f.fileno())

    def _records(self) -> Iterator[tuple[int, bytes]]:
        with open(self.path, "rb") as f:
            data = f.read()
        pos = 0
        while pos + _HEAD.size <= len(data):
            h, n = _HEAD.unpack_from(data, pos)
            if pos + _HEAD.size + n > len(data):
                break  # torn tail: the crash happened while writing this record
            yield h, data[pos + _HEAD.size : pos + _HEAD.size + n]
            pos += _HEAD.size + n

    def replay(self, from_height: int) -> Iterator[bytes]:
        for h, rec in list(self._records()):
            if h >= from_height:
                yield rec

    def truncate_below(self, height: int) -> None:
        with self._lock:
            keep = [(h, r) for h, r in self._records() if h >= height]
            tmp = self.path.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                for h, r in keep:
                    f.write(_HEAD.pack(h, len(r)) + r)
                f.flush()
                os.fsync(f.fileno())
            self._f.close()
            os.replace(tmp, self.path)
            self._f = open(self.path, "ab")  # noqa: SIM115

    def size(self) -> int:
        return self.path.stat().st_size

    def close(self) -> None:
        with self._lock:
            self._f.close()


def persist_signed_state(path: Path, state: SignedState) -> None:
    """Make ``state`` durable before returning (temp file, fsync, rename, fsync dir)."""
    obj = state.to_obj()
    text = json.dumps({k: (v.hex() if isinstance(v, bytes) else v) for k, v in obj.items()})
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_signed_state(path: Path) -> SignedState | None:
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text())
        obj = {
            k: (bytes.fromhex(v) if k in ("sign_bytes", "signature") else v) for k, v in raw.items()
        }
        return SignedState.from_obj(obj)
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreCorrupted(
            f"{path}: safety state is unreadable ({exc}); refusing to sign"
        ) from None
