"""Archive files: old block bodies moved out of the store, still verifiable, and put back.

A node with ``retention = N`` (``[sync]`` in ``node.toml``) keeps the bodies and receipts of its
newest N heights in its store. Older ones are written to **segment files** in its archive
directory and then deleted from the store (``Store.prune_bodies``); every header, commit QC and
state root stays in the store, so light clients, bundles and syncing nodes are served as before.
A transaction in an archived block is still found (``index.lmdb`` beside the segments maps its
hash to its place) and proven: its block and receipts come from the segment, its header and QC
from the store.

Segment ``blocks-<first>-<last>.wuyiarc`` (12-digit heights) is the canonical CBOR
(``wuyi.encoding``) of::

    {"format": "wuyi-archive/1", "chain_id": text, "genesis_hash": bstr,
     "first": uint, "last": uint,
     "blocks": [[block bytes (Block.to_bytes, with its commit QC), [receipt bytes, ...]], ...],
     "changes": [{"header": ..., "qc": ..., "validators": ...}, ...]}

``changes`` are the validator-set changes that take effect at heights ``first + 1 .. last + 1``
(as in a proof bundle). A complete set of segments from height 1 verifies from the genesis
alone (:func:`verify_archive`): every block links to the one before, matches its roots, and
carries a commit QC of the set in force, derived from genesis through the changes.
:func:`restore_archive` puts bodies back into a store whose headers they match, making a pruned
or state-synced node a full-history node again (``wuyi archive restore``).
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import lmdb

from wuyi.consensus.certificate import QuorumCertificate, ValidatorSet
from wuyi.encoding import decode, encode
from wuyi.exceptions import (
    EncodingError,
    NotFound,
    ProofInvalid,
    ValidationError,
)
from wuyi.ledger.lightclient import TrustedSets, ValidatorChange, validate_commit_qc
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.types import Block, BlockHeader, Receipt, Transaction

if TYPE_CHECKING:
    from wuyi.abc import Suite
    from wuyi.node.node import Node
    from wuyi.node.store import Store

__all__ = [
    "ARCHIVE_FORMAT",
    "ArchiveReader",
    "archive_and_prune",
    "restore_archive",
    "verify_archive",
]

ARCHIVE_FORMAT: Final = "wuyi-archive/1"
SEGMENT_BLOCKS: Final = 1000
SEGMENT_BYTES: Final = 64 << 20
_NAME = re.compile(r"^blocks-(\d{12})-(\d{12})\.wuyiarc$")
_TXLOC = struct.Struct(">QI")


def segment_name(first: int, last: int) -> str:
    return f"blocks-{first:012d}-{last:012d}.wuyiarc"


def list_segments(directory: Path) -> list[tuple[int, int, Path]]:
    """``(first, last, path)`` of the segments in ``directory``, by height."""
    if not directory.is_dir():
        return []
    out = []
    for p in directory.iterdir():
        m = _NAME.match(p.name)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), p))
    return sorted(out)


def _open_index(directory: Path, readonly: bool) -> lmdb.Environment:
    return lmdb.open(
        str(directory / "index.lmdb"),
        map_size=16 << 30,
        subdir=True,
        readonly=readonly,
        lock=not readonly,
        max_dbs=0,
    )


def _fsync_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _index_keys(node: Node, block: Block, receipts: list[Receipt]) -> Iterator[bytes]:
    from wuyi.node.node import _index_entries

    txs = [Transaction.from_bytes(t) for t in block.txs]
    yield from _index_entries(node.suite, block, txs, [r.tx_hash for r in receipts])


def archive_and_prune(node: Node, directory: Path, upto: int) -> list[Path]:
    """Write the bodies of heights ``body_base .. upto`` into segment files (each fsynced
    before the store forgets the bodies it holds) and prune them from the store."""
    from wuyi.node.snapshots import validator_changes

    store = node.store
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    while True:
        base = store.body_base
        if base > upto:
            return written
        blocks: list[list[Any]] = []
        size = 0
        h = base
        while h <= upto and len(blocks) < SEGMENT_BLOCKS and size < SEGMENT_BYTES:
            with store.snapshot() as view:
                raw = view.get_block_bytes(h)
                rs = [r.to_bytes() for r in view.get_receipts(h)]
            blocks.append([raw, rs])
            size += len(raw) + sum(map(len, rs))
            h += 1
        last = h - 1
        changes = [
            c
            for c in validator_changes(store, last + 1)
            if base + 1 <= c["header"]["height"] + 1 <= last + 1
        ]
        seg = {
            "format": ARCHIVE_FORMAT,
            "chain_id": node.chain.chain_id,
            "genesis_hash": node.genesis_hash,
            "first": base,
            "last": last,
            "blocks": blocks,
            "changes": changes,
        }
        path = directory / segment_name(base, last)
        _fsync_write(path, encode(seg))
        env = _open_index(directory, readonly=False)
        try:
            with env.begin(write=True) as txn:
                for n, (_raw, rs) in enumerate(blocks):
                    for i, r in enumerate(rs):
                        txn.put(_receipt(r).tx_hash, _TXLOC.pack(base + n, i))
            env.sync(True)
        finally:
            env.close()
        store.prune_bodies(
            last,
            lambda b, r: _index_keys(node, b, r),
            lambda tx: Transaction.from_bytes(tx).expiry,
        )
        written.append(path)


class ArchiveReader:
    """Bodies and transaction places from a node's archive directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache: tuple[Path, dict[str, Any]] | None = None

    def locate(self, tx_hash: bytes) -> tuple[int, int] | None:
        if not (self.directory / "index.lmdb").exists():
            return None
        env = _open_index(self.directory, readonly=True)
        try:
            with env.begin() as txn:
                raw = txn.get(tx_hash)
        finally:
            env.close()
        if raw is None:
            return None
        h, i = _TXLOC.unpack(bytes(raw))
        return int(h), int(i)

    def _segment(self, height: int) -> dict[str, Any]:
        for first, last, path in list_segments(self.directory):
            if first <= height <= last:
                if self._cache is None or self._cache[0] != path:
                    self._cache = (path, load_segment(path))
                return self._cache[1]
        raise NotFound(f"no archive segment in {self.directory} holds block {height}")

    def get_body(self, height: int) -> tuple[Block, list[Receipt]]:
        seg = self._segment(height)
        raw, rs = seg["blocks"][height - seg["first"]]
        return Block.from_bytes(raw), [_receipt(r) for r in rs]


def _receipt(raw: bytes) -> Receipt:
    return Receipt.from_obj(decode(raw))


def load_segment(path: Path) -> dict[str, Any]:
    try:
        seg = decode(path.read_bytes())
    except (OSError, EncodingError) as exc:
        raise ProofInvalid(f"{path.name}: not a readable archive segment: {exc}") from None
    keys = {"format", "chain_id", "genesis_hash", "first", "last", "blocks", "changes"}
    if not isinstance(seg, dict) or set(seg) != keys or seg["format"] != ARCHIVE_FORMAT:
        raise ProofInvalid(f"{path.name}: not a {ARCHIVE_FORMAT} segment")
    if len(seg["blocks"]) != seg["last"] - seg["first"] + 1:
        raise ProofInvalid(f"{path.name}: holds {len(seg['blocks'])} blocks, not first..last")
    return seg


def _check_block(
    suite: Suite, seg: dict[str, Any], n: int, where: str
) -> tuple[Block, list[Receipt]]:
    raw, rs = seg["blocks"][n]
    h = seg["first"] + n
    try:
        block = Block.from_bytes(raw)
        receipts = [_receipt(r) for r in rs]
    except (EncodingError, ValidationError, TypeError) as exc:
        raise ProofInvalid(f"{where}: block {h} does not decode: {exc}") from None
    header = block.header
    if header.height != h:
        raise ProofInvalid(f"{where}: entry {n} is block {header.height}, not {h}")
    if len(block.txs) != header.tx_count or compute_root(suite.hash, block.txs) != header.tx_root:
        raise ProofInvalid(f"{where}: block {h}'s transactions do not match its tx_root")
    if len(rs) != header.tx_count or compute_root(suite.hash, list(rs)) != header.receipts_root:
        raise ProofInvalid(f"{where}: block {h}'s receipts do not match its receipts_root")
    return block, receipts


def verify_archive(
    directory: Path,
    suite: Suite,
    chain_id: str,
    genesis_header: BlockHeader,
    genesis_validators: ValidatorSet,
    *,
    pinned: bytes | None = None,
) -> int:
    """Check every segment in ``directory`` from the genesis alone: contiguous from height 1,
    each block linked, its roots matched and its commit QC certified (light-client rules).
    Returns the last height; raises :class:`ProofInvalid` naming the segment and block."""
    trusted = TrustedSets(suite, chain_id, genesis_header, genesis_validators, pinned=pinned)
    prev_hash = trusted.genesis_hash
    expected = 1
    for first, last, path in list_segments(directory):
        where = path.name
        if first != expected:
            raise ProofInvalid(
                f"{where}: starts at {first}; blocks {expected}..{first - 1} are missing"
            )
        seg = load_segment(path)
        if seg["chain_id"] != chain_id or seg["genesis_hash"] != trusted.genesis_hash:
            raise ProofInvalid(f"{where}: is for another chain")
        changes = []
        try:
            for c in seg["changes"]:
                changes.append(ValidatorChange.from_obj(c))
        except (KeyError, TypeError, ValidationError) as exc:
            raise ProofInvalid(f"{where}: malformed validator change: {exc}") from None
        pending = {ch.header.height: ch for ch in changes}
        for n in range(last - first + 1):
            block, _ = _check_block(suite, seg, n, where)
            h = block.header.height
            if block.header.prev_hash != prev_hash:
                raise ProofInvalid(f"{where}: block {h} does not link to block {h - 1}")
            prev_hash = trusted.certify(block.header, block.qc, what=f"{where}: block {h}")
            ch = pending.pop(h, None)
            if ch is not None:
                if ch.header != block.header:
                    raise ProofInvalid(f"{where}: the change at {h + 1} names another block {h}")
                trusted.add_change(ch)
            elif block.header.next_validator_set_hash != block.header.validator_set_hash:
                raise ProofInvalid(
                    f"{where}: block {h} changes the validator set; the change is missing"
                )
        if pending:
            raise ProofInvalid(f"{where}: a validator change names a block outside the segment")
        expected = last + 1
    if expected == 1:
        raise NotFound(f"no archive segments in {directory}")
    return expected - 1


def restore_archive(node: Node, directory: Path) -> int:
    """Put the archived bodies below the store's base back (newest segment first), each
    checked against the header the store kept. Returns the new base (1: every body held)."""
    from wuyi.node.node import _index_entries

    store: Store = node.store
    suite = node.suite
    segments = list_segments(directory)
    while store.body_base > 1:
        base = store.body_base
        seg_path = next((p for f, last, p in segments if f < base <= last + 1), None)
        if seg_path is None:
            raise NotFound(f"no archive segment in {directory} holds block {base - 1}")
        seg = load_segment(seg_path)
        first = seg["first"]
        bodies = [_check_block(suite, seg, n, seg_path.name) for n in range(base - first)]

        def entries(b: Block, rs: list[Receipt]) -> dict[bytes, bytes]:
            txs = [Transaction.from_bytes(t) for t in b.txs]
            return _index_entries(suite, b, txs, [r.tx_hash for r in rs])

        for block, _ in bodies:
            validate_commit_qc(
                suite,
                node.chain.chain_id,
                node.validators(block.height),
                _require_qc(block, seg_path.name),
                height=block.height,
                block_hash=block.compute_hash(suite),
            )
        store.restore_bodies(bodies, entries)
    return store.body_base


def _require_qc(block: Block, where: str) -> QuorumCertificate:
    if block.qc is None:
        raise ProofInvalid(f"{where}: block {block.height} carries no commit certificate")
    return block.qc
