"""The consensus write-ahead log on disk (``FileWAL``): torn, truncated, zero-filled and
bit-flipped records (issue #17, item 1); and the safety file that keeps the lock.

A torn last record is cut off before anything is appended, so records written after a restart
stay reachable; every record carries a CRC32C, so damage anywhere is found; damage with whole
records after it is refused with the file, the offset and what to do.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wuyi.consensus.messages import MempoolStatus, TimerFired, encode_event
from wuyi.consensus.safety import Lock, SafetyRules
from wuyi.consensus.wal import WAL_MAGIC, BytesWAL, encode_wal_record, scan_wal
from wuyi.exceptions import StoreCorrupted, WalCorrupted
from wuyi.node.consensus_io import FileWAL, SafetyFile
from wuyi.testing.sim_crypto import get_sim_suite


def event(i: int) -> bytes:
    """A decodable WAL record (a timer event) whose bytes differ with ``i``."""
    return encode_event(TimerFired("propose", 1 + i // 7, i % 7))


def write(path: Path, records: list[bytes], height: int = 1) -> list[int]:
    """Append ``records``; return the file size after each one."""
    wal = FileWAL(path)
    sizes = []
    for r in records:
        wal.append(height, r)
        sizes.append(wal.size())
    wal.close()
    return sizes


def replayed(path: Path) -> list[bytes]:
    wal = FileWAL(path)
    try:
        return list(wal.replay(0))
    finally:
        wal.close()


def test_records_appended_after_a_torn_tail_stay_reachable(tmp_path: Path) -> None:
    """The issue's failure: the node restarted after a crash mid-write, appended its votes
    behind the torn record, and lost them on the next replay ("appended 104, reachable 0")."""
    path = tmp_path / "consensus.wal"
    first = [event(i) for i in range(6)]
    sizes = write(path, first)
    with open(path, "r+b") as f:  # the crash: the last record is half written
        f.truncate(sizes[-2] + (sizes[-1] - sizes[-2]) // 2)
    later = [event(100 + i) for i in range(104)]
    write(path, later)  # the restarted node's records, its own votes among them
    assert replayed(path) == first[:-1] + later


def test_torn_tail_is_cut_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "consensus.wal"
    sizes = write(path, [event(i) for i in range(3)])
    with open(path, "r+b") as f:
        f.truncate(sizes[-1] - 3)
    wal = FileWAL(path)
    assert wal.repaired is not None and wal.repaired.tail
    assert wal.repaired.offset == sizes[1]
    assert wal.size() == sizes[1]  # cut back to the last whole record before any append
    wal.close()


@pytest.mark.parametrize("tail", [b"\x00" * 4096, b"\x00" * 7, bytes(range(200))])
def test_zero_filled_or_garbage_tail_is_repaired(tmp_path: Path, tail: bytes) -> None:
    """A crash after the file grew but before its bytes were written leaves zeros (or junk)."""
    path = tmp_path / "consensus.wal"
    records = [event(i) for i in range(4)]
    write(path, records)
    with open(path, "ab") as f:
        f.write(tail)
    assert replayed(path) == records


def test_bit_flip_in_the_last_record_is_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "consensus.wal"
    records = [event(i) for i in range(4)]
    sizes = write(path, records)
    data = bytearray(path.read_bytes())
    data[sizes[-1] - 2] ^= 0x10
    path.write_bytes(bytes(data))
    assert replayed(path) == records[:-1]


@pytest.mark.parametrize("where", ["data", "length", "height", "crc"])
def test_bit_flip_in_the_middle_names_the_file_and_the_offset(tmp_path: Path, where: str) -> None:
    path = tmp_path / "consensus.wal"
    sizes = write(path, [event(i) for i in range(5)])
    start = sizes[1]  # the third record
    field = {"crc": 0, "length": 6, "height": 11, "data": 20}[where]
    data = bytearray(path.read_bytes())
    data[start + field] ^= 0x04
    path.write_bytes(bytes(data))
    with pytest.raises(WalCorrupted) as err:
        FileWAL(path)
    msg = err.value.message
    assert str(path) in msg and f"byte {start}" in msg and "mv " in msg
    assert err.value.code == "wal_corrupted" and err.value.detail["offset"] == start
    assert isinstance(err.value, StoreCorrupted)
    assert path.read_bytes() == bytes(data)  # nothing was changed


def test_first_format_file_is_converted_up_to_its_torn_record(tmp_path: Path) -> None:
    """A WAL written before checksums (``u64 height | u32 length | bytes``), with the issue's
    damage: a torn record whose length header swallows the records appended after it."""
    path = tmp_path / "consensus.wal"
    old = [event(i) for i in range(3)]
    raw = b"".join(struct.pack(">QI", 1, len(r)) + r for r in old)
    raw += struct.pack(">QI", 1, 500) + b"\xa1\x61"  # torn: 2 of 500 bytes
    raw += b"".join(struct.pack(">QI", 1, len(r)) + r for r in [event(9)] * 40)
    path.write_bytes(raw)
    wal = FileWAL(path)
    assert wal.converted == 3
    wal.append(1, event(50))
    wal.close()
    assert path.read_bytes().startswith(WAL_MAGIC)
    assert replayed(path) == [*old, event(50)]


def test_truncate_below_keeps_checksums(tmp_path: Path) -> None:
    path = tmp_path / "consensus.wal"
    wal = FileWAL(path)
    for h in range(1, 6):
        wal.append(h, encode_event(MempoolStatus(h % 2 == 0)))
    wal.truncate_below(4)
    wal.append(6, event(1))
    wal.close()
    scan = scan_wal(path.read_bytes())
    assert scan.damage is None
    assert [h for h, _ in scan.records] == [4, 5, 6]


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 8),
    cut=st.integers(0, 10_000),
    flip=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_property_any_damage_is_repaired_or_refused_never_misread(
    n: int, cut: int, flip: int | None
) -> None:
    """Whatever the damage (a cut anywhere, then maybe one flipped bit), reopening either
    refuses (damage before a whole record) or yields a prefix of what was written, and
    records appended afterwards are all read back."""
    wal = BytesWAL()
    records = [event(i) for i in range(n)]
    for r in records:
        wal.append(1, r)
    del wal.buf[max(len(WAL_MAGIC), len(wal.buf) - cut % len(wal.buf)) :]
    if flip is not None and len(wal.buf) > len(WAL_MAGIC):
        pos = len(WAL_MAGIC) + flip % (len(wal.buf) - len(WAL_MAGIC))
        wal.buf[pos] ^= 1 << (flip % 8)
    damage = wal.reopen()
    if damage is not None and not damage.tail:
        return  # refused: the node names the file and the offset
    got = list(wal.replay(0))
    assert got == records[: len(got)]
    wal.append(1, event(99))
    assert list(wal.replay(0)) == [*got, event(99)]


def reference_crc32c(data: bytes) -> int:
    """Bit-by-bit CRC32C (Castagnoli, reflected polynomial 0x82F63B78): slow and obvious."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_record_format_is_crc32c_length_height_data() -> None:
    """A vector for other implementations: CRC32C over length | height | data."""
    assert reference_crc32c(b"123456789") == 0xE3069283  # the standard check value
    rec = encode_wal_record(7, b"abc")
    assert rec.hex() == "4fb38c47000000030000000000000007616263"
    assert int(rec[:4].hex(), 16) == reference_crc32c(rec[4:])


def test_safety_file_keeps_the_lock_with_its_block_and_proof(tmp_path: Path) -> None:
    """``safety.json`` names the lock; ``safety.lock`` holds the locked block and its
    proof-of-lock, written once per lock and before the ``safety.json`` that names it."""
    path = tmp_path / "safety.json"
    sf = SafetyFile(path)
    assert sf.load() is None
    key = get_sim_suite().generate_private_key()
    rules = SafetyRules(key, sf.persist)
    rules.sign_vote("c", "commit", 3, 1, b"\x0b" * 32, block=b"block-bytes", prevotes=(b"p",))
    mtime = sf.lock_path.stat().st_mtime_ns
    sf.lock_path.chmod(0o400)  # a rewrite would replace the file (new inode, new mode)
    rules.sign_vote("c", "prevote", 3, 2, b"")  # same lock: safety.lock is not rewritten
    assert sf.lock_path.stat().st_mode & 0o777 == 0o400
    assert sf.lock_path.stat().st_mtime_ns == mtime
    stored = SafetyFile(path).load()
    assert stored is not None and stored.hrs == (3, 2, 2)
    assert stored.lock == Lock(1, b"\x0b" * 32, b"block-bytes", (b"p",))
    assert len(path.read_bytes()) < 1000  # the block is not in the JSON
    sf.lock_path.unlink()  # lost: the lock itself still holds, without its block
    bare = SafetyFile(path).load()
    assert bare is not None and bare.lock == Lock(1, b"\x0b" * 32)
    rules.sign_vote("c", "prevote", 4, 0, b"")  # next height: unlocked
    later = SafetyFile(path).load()
    assert later is not None and later.lock is None


def test_safety_file_of_the_first_format_reads_as_unlocked(tmp_path: Path) -> None:
    path = tmp_path / "safety.json"
    path.write_text('{"height": 5, "round": 0, "step": 3, "sign_bytes": "00", "signature": "11"}')
    state = SafetyFile(path).load()
    assert state is not None and state.hrs == (5, 0, 3) and state.lock is None
    path.write_text("{not json")
    with pytest.raises(StoreCorrupted, match="safety state is unreadable"):
        SafetyFile(path).load()
