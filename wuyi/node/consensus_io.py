"""Durable pieces of a validator: the consensus input WAL and the safety-rules state file.

**WAL** (``data/consensus.wal``): the record format of :mod:`wuyi.consensus.wal` — a magic
header, then ``crc32c | length | height | bytes`` per record. Every consensus input is appended
(and flushed to the OS) before the replica handles it. Inputs from peers are not fsynced one by
one — losing the last few after a power cut is the same as those messages being lost on the
network, which the protocol tolerates (CometBFT makes the same choice). What must never be lost
is what this validator *signed*: that goes to the safety file below, fsynced before the
signature leaves, and is enough on its own to refuse a contradicting vote (``SafetyRules``).

On open the whole file is checked record by record:

* a damaged **tail** (torn or cut short by a crash mid-write, zero-filled, or failing its
  checksum with no whole record after it) is cut off before anything is appended, and
  :attr:`FileWAL.repaired` says what was dropped (the node logs ``wal_repaired``);
* damage **in the middle** (a record failing its checksum with whole records after it) raises
  :class:`~wuyi.exceptions.WalCorrupted` naming the file, the offset and what to do;
* a file in the first format (``u64 height | u32 length | bytes``, no checksum) is converted
  once, up to its first torn or undecodable record.

**Safety file** (``data/safety.json`` and ``data/safety.lock``, :class:`SafetyFile`): the last
signed (height, round, step, bytes, signature) and the lock (the round and block hash of the
last precommit for a block at that height, with the block and its proof-of-lock in
``safety.lock``), written to a temporary file, fsynced and renamed over the old one (then the
directory fsynced) before the signature leaves.
"""

from __future__ import annotations

import dataclasses
import json
import os
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

from wuyi.consensus.messages import decode_event
from wuyi.consensus.safety import SignedState
from wuyi.consensus.wal import WAL_MAGIC, WalDamage, encode_wal_record, scan_wal
from wuyi.encoding import decode, encode
from wuyi.exceptions import StoreCorrupted, WalCorrupted, WuyiError

__all__ = ["FileWAL", "SafetyFile"]

_LEGACY_HEAD = struct.Struct(">QI")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Write a temporary file, fsync it, rename it over ``path`` (and fsync the directory,
    unless a later write in the same directory will)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    if sync_dir:
        _fsync_dir(path.parent)


def _legacy_records(data: bytes) -> list[tuple[int, bytes]]:
    """Records of a first-format WAL, up to the first torn or undecodable one."""
    out = []
    pos = 0
    while pos + _LEGACY_HEAD.size <= len(data):
        h, n = _LEGACY_HEAD.unpack_from(data, pos)
        rec = data[pos + _LEGACY_HEAD.size : pos + _LEGACY_HEAD.size + n]
        if len(rec) < n:
            break
        try:
            decode_event(rec)
        except WuyiError:
            break  # a torn record whose length swallowed later ones: nothing after is usable
        out.append((h, rec))
        pos += _LEGACY_HEAD.size + n
    return out


def corruption_message(path: Path, damage: WalDamage) -> str:
    return (
        f"{path}: consensus write-ahead log is damaged at byte {damage.offset}"
        f" ({damage.reason}) and whole records follow, so this is not a torn last write."
        f" Stop the node, move the file aside (mv {path} {path}.corrupt) and start again:"
        f" the node rejoins from its store and its peers, and its safety file"
        f" ({path.parent / 'safety.json'}) still prevents it from contradicting any vote it"
        f" signed. Keep the moved file for diagnosis."
    )


class FileWAL:
    """:class:`wuyi.consensus.wal.ReplicaWAL` on one append-only file."""

    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        self.path = path
        self._fsync = fsync
        self._lock = threading.Lock()
        self.repaired: WalDamage | None = None
        """The damaged tail cut off when the file was opened (``None``: nothing was cut)."""
        self.converted = 0
        """Records carried over from a first-format file (0: the file was current)."""
        self._prepare()
        self._f = open(path, "ab")  # noqa: SIM115 - kept open for the node's lifetime

    def _prepare(self) -> None:
        """Check the file; cut a torn tail, convert the old format, refuse middle damage."""
        path = self.path
        data = path.read_bytes() if path.exists() else b""
        if not data:
            _write_atomically(path, WAL_MAGIC)
            return
        if not data.startswith(WAL_MAGIC[: len(data)]):
            records = _legacy_records(data)
            _write_atomically(
                path, WAL_MAGIC + b"".join(encode_wal_record(h, r) for h, r in records)
            )
            self.converted = len(records)
            return
        scan = scan_wal(data)
        if scan.damage is None:
            return
        if not scan.damage.tail:
            raise WalCorrupted(
                corruption_message(path, scan.damage),
                path=str(path),
                offset=scan.damage.offset,
                reason=scan.damage.reason,
            )
        self.repaired = scan.damage
        if scan.end < len(WAL_MAGIC):
            _write_atomically(path, WAL_MAGIC)
            return
        with open(path, "r+b") as f:
            f.truncate(scan.end)
            f.flush()
            os.fsync(f.fileno())

    def append(self, height: int, record: bytes) -> None:
        with self._lock:
            self._f.write(encode_wal_record(height, record))
            self._f.flush()
            if self._fsync:
                os.fsync(self._f.fileno())

    def _records_locked(self) -> list[tuple[int, bytes]]:
        self._f.flush()
        scan = scan_wal(self.path.read_bytes())
        if scan.damage is not None and not scan.damage.tail:
            raise WalCorrupted(
                corruption_message(self.path, scan.damage),
                path=str(self.path),
                offset=scan.damage.offset,
                reason=scan.damage.reason,
            )
        return scan.records

    def replay(self, from_height: int) -> Iterator[bytes]:
        with self._lock:
            records = self._records_locked()
        for h, rec in records:
            if h >= from_height:
                yield rec

    def truncate_below(self, height: int) -> None:
        with self._lock:
            keep = [(h, r) for h, r in self._records_locked() if h >= height]
            self._f.close()
            _write_atomically(
                self.path, WAL_MAGIC + b"".join(encode_wal_record(h, r) for h, r in keep)
            )
            self._f = open(self.path, "ab")  # noqa: SIM115

    def size(self) -> int:
        return self.path.stat().st_size

    def close(self) -> None:
        with self._lock:
            self._f.close()


_HEX_FIELDS = ("sign_bytes", "signature", "locked_hash")


class SafetyFile:
    """The safety rules' durable state: ``safety.json`` (the last signed height, round, step,
    bytes and signature, and the lock's round and block hash) and ``safety.lock`` next to it
    (the locked block and its proof-of-lock, canonical CBOR), rewritten only when the lock
    changes and always before the ``safety.json`` that names it. Both are written to a
    temporary file, fsynced and renamed (then the directory fsynced)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.stem + ".lock")
        self._lock_written: tuple[int, int, bytes] | None = None

    def persist(self, state: SignedState) -> None:
        """Make ``state`` durable before returning (``SafetyRules``' persist callback)."""
        obj = state.to_obj()
        block, pol = obj.pop("locked_block"), obj.pop("locked_pol")
        ident = (state.height, state.locked_round, state.locked_hash)
        if state.locked_round >= 0 and ident != self._lock_written:
            lock = {"height": ident[0], "round": ident[1], "hash": ident[2], "block": block}
            # its directory entry is made durable by safety.json's directory fsync below
            _write_atomically(self.lock_path, encode({**lock, "pol": pol}), sync_dir=False)
            self._lock_written = ident
        text = json.dumps({k: (v.hex() if isinstance(v, bytes) else v) for k, v in obj.items()})
        _write_atomically(self.path, text.encode())

    def load(self) -> SignedState | None:
        """The stored state (``None`` if this validator never signed); a lock whose
        ``safety.lock`` is missing or names another lock is kept without its block."""
        if not self.path.exists():
            return None
        try:
            raw = json.loads(self.path.read_text())
            obj = {k: (bytes.fromhex(v) if k in _HEX_FIELDS else v) for k, v in raw.items()}
            state = SignedState.from_obj(obj)
        except (ValueError, KeyError, TypeError, AttributeError, WuyiError) as exc:
            why = exc.message if isinstance(exc, WuyiError) else str(exc)
            raise StoreCorrupted(
                f"{self.path}: safety state is unreadable ({why}); refusing to sign"
            ) from None
        if state.locked_round < 0 or not self.lock_path.exists():
            return state
        try:
            lock = decode(self.lock_path.read_bytes())
            if (lock["height"], lock["round"], lock["hash"]) != (
                state.height, state.locked_round, state.locked_hash,
            ):  # fmt: skip
                return state
            self._lock_written = (state.height, state.locked_round, state.locked_hash)
            return dataclasses.replace(
                state, locked_block=bytes(lock["block"]), locked_pol=tuple(lock["pol"])
            )
        except (WuyiError, KeyError, TypeError, ValueError):
            return state  # the lock itself is in safety.json: still enforced
