"""The durable embedded store: blocks, receipts, world state and indexes in one LMDB environment.

One call to :meth:`Store.commit` is one LMDB write transaction: the block, its header, its
receipts, the transaction and block-hash indexes, the flat state changes, the new state-tree
nodes, secondary index entries and the meta record (height, block hash, state root) become
visible and durable together, or not at all. LMDB is copy-on-write with two meta pages; a commit
is published by one ``fsync``-ed meta-page write, so a process killed at any moment reopens at the
last transaction that returned, with nothing half-written visible. Layout, durability argument,
integrity checks and measurements: ``docs/store.md``.

:meth:`Store.open` runs :meth:`Store.check_integrity` and refuses (:class:`StoreCorrupted`, saying
where) a store whose content does not hash and link up.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal

import lmdb

from wuyi.encoding import decode, encode, encode_array_of_encoded
from wuyi.exceptions import (
    Archived,
    EncodingError,
    InvariantBroken,
    NotFound,
    StatePruned,
    StoreCorrupted,
    StoreError,
    ValidationError,
)
from wuyi.ledger.types import Block, BlockHeader, Receipt
from wuyi.node.state_prune import HEIGHTS_PER_COMMIT, NODE_BUDGET_MIN, RefCounts, StatePruning

__all__ = [
    "DEFAULT_MAP_SIZE",
    "FORMAT_VERSION",
    "QUICK_BODY_DEPTH",
    "CheckMode",
    "CommitBatch",
    "StatePruning",
    "Store",
    "StoreView",
    "compute_state_node_hash",
    "compute_window_entries",
]

Hasher = Callable[[bytes], bytes]
CheckMode = Literal["none", "quick", "full"]

DEFAULT_MAP_SIZE: Final = 64 << 30
"""Upper bound of the memory map (64 GiB). The file grows only as pages are used."""

FORMAT_VERSION: Final = b"1"
QUICK_BODY_DEPTH: Final = 64
"""How many of the newest blocks the quick check re-hashes bodies and receipts of."""
DISK_HEADROOM: Final = 64 << 20
"""A commit is refused (cleanly, nothing written) unless the file system has this much free
space plus four times the block's bytes: the data file is written through the map, and a page
that cannot be given disk space would end the process with SIGBUS instead of an error."""
HOT_STATE_MAX: Final = 32768
"""World-state values a store keeps in memory for reads at the newest snapshot (see
:class:`StoreView`); beyond this many, further reads go to LMDB until the next block."""

ENV_DIRNAME: Final = "chain.lmdb"
_MISS: Final = object()

# Named databases (see docs/store.md for key and value formats).
DB_META: Final = b"meta"
DB_BLOCKS: Final = b"blocks"
DB_HEADERS: Final = b"headers"
DB_BLOCK_INDEX: Final = b"block_index"
DB_RECEIPTS: Final = b"receipts"
DB_TX_INDEX: Final = b"tx_index"
DB_ROOTS: Final = b"state_roots"
DB_STATE: Final = b"state"
DB_NODES: Final = b"nodes"
DB_INDEX: Final = b"index"
DB_SIDECARS: Final = b"sidecars"
"""Private side-cars (``wuyi.ledger.sidecar``): hash -> u64 last height || bytes. Never served
by the API; pruned after the node's retention period (:attr:`CommitBatch.prune_sidecars_before`)."""
DB_SIDECAR_INDEX: Final = b"sidecar_index"
"""u64 height || side-car hash -> b"": which block's transactions used which side-car."""
# Added by state sync and archives (docs/state-sync.md); created when a writable store opens,
# absent (read as empty) in a read-only open of an older store.
DB_QCS: Final = b"qcs"
"""u64 height -> commit QC bytes of a block whose body is not held (archived, or before a
snapshot): light clients and syncing nodes still get the certificate of every kept header."""
DB_REPLAY: Final = b"replay"
"""u64 until || tx hash -> b"": ``tx_index`` entries of transactions whose bodies are not held,
kept for the replay check until height ``until`` (the transaction's expiry, or an upper bound)."""
DB_SYNC_STATE: Final = b"sync_state"
"""Staging of a state snapshot being fetched (key -> value); moved into ``state`` when the
snapshot is installed, dropped when a new sync starts."""
# Added by state pruning (wuyi.node.state_prune, docs/state-sync.md "State pruning").
DB_NODE_REFS: Final = b"node_refs"
"""node hash -> u32: stored parents naming the node plus held heights whose root it is (kept
only while meta ``state_refs`` is set; absent: 0)."""
DB_NODE_ZERO: Final = b"node_zero"
"""node hash -> b"": stored nodes nothing held references, deleted a bounded number per commit."""
DB_STATE_PINS: Final = b"state_pins"
"""u64 height -> b"": heights below ``state_base`` whose state is still held (snapshot heights)."""
_EXTRA_DB_NAMES: Final = (
    DB_QCS,
    DB_REPLAY,
    DB_SYNC_STATE,
    DB_SIDECARS,
    DB_SIDECAR_INDEX,
    DB_NODE_REFS,
    DB_NODE_ZERO,
    DB_STATE_PINS,
)
_DB_NAMES: Final = (
    DB_META,
    DB_BLOCKS,
    DB_HEADERS,
    DB_BLOCK_INDEX,
    DB_RECEIPTS,
    DB_TX_INDEX,
    DB_ROOTS,
    DB_STATE,
    DB_NODES,
    DB_INDEX,
)

# Meta keys written by the store itself; callers may add others through CommitBatch.meta.
META_FORMAT: Final = "format"
META_HASHER: Final = "hasher"
META_HEIGHT: Final = "height"
META_BLOCK_HASH: Final = "block_hash"
META_STATE_ROOT: Final = "state_root"
META_BODY_BASE: Final = "body_base"
"""u64: the lowest height above 0 whose body and receipts the store holds (absent: 1, every
body). Headers, state roots and QCs are held for every height."""
META_SIDECARS_PRUNED: Final = "sidecars_pruned_below"
"""u64: side-cars of blocks below this height were pruned (absent: none were)."""
META_STATE_BASE: Final = "state_base"
"""u64: the state (tree nodes) of every height from this one to the top is held, below it only
at the heights in ``state_pins`` (absent: 0, every height; a state-synced store: its S)."""
META_STATE_REFS: Final = "state_refs"
"""u64 retention: present while the store keeps ``node_refs`` (state pruning is on)."""
_RESERVED_META: Final = frozenset(
    {
        META_FORMAT,
        META_HASHER,
        META_HEIGHT,
        META_BLOCK_HASH,
        META_STATE_ROOT,
        META_BODY_BASE,
        META_SIDECARS_PRUNED,
        META_STATE_BASE,
        META_STATE_REFS,
    }
)
_HASHER_PROBE: Final = b"wuyi/store\x00"

_U64 = struct.Struct(">Q")
_TXLOC = struct.Struct(">QI")

# LMDB errors that mean the file itself is damaged (as opposed to "full", "locked", "no access").
_LMDB_CORRUPTION: Final = (
    lmdb.CorruptedError,
    lmdb.InvalidError,
    lmdb.PageNotFoundError,
    lmdb.PanicError,
    lmdb.VersionMismatchError,
    lmdb.BadChecksumError,
    lmdb.IncompatibleError,
)


def _hkey(height: int) -> bytes:
    return _U64.pack(height)


def compute_window_entries(
    blocks: Iterable[tuple[int, bytes]], hash_len: int, replay_until: int
) -> tuple[list[bytes], list[bytes]]:
    """The ``tx_index`` and ``replay`` entries of a state sync's replay window, as flat
    ``[key, value, key, value, ...]`` lists (:meth:`SnapshotInstall.put_window_entries`):
    ``blocks`` is ``(height, the transaction hashes of its receipts, concatenated)``. In key
    order: consecutive inserts then land on neighbouring B-tree pages. Pure."""
    until = _hkey(replay_until)
    pack = _TXLOC.pack
    pairs = sorted(
        (blob[j : j + hash_len], pack(h, i))
        for h, blob in blocks
        for i, j in enumerate(range(0, len(blob), hash_len))
    )
    index = list(chain.from_iterable(pairs))
    replay: list[bytes] = []
    for tx_hash, _ in pairs:
        replay += (until + tx_hash, b"")
    return index, replay


def _unhkey(key: bytes) -> int:
    return int(_U64.unpack(key)[0])


def compute_state_node_hash(hasher: Hasher, raw: bytes) -> bytes:
    """Hash of a stored state-tree node under the rules of ``wuyi.state`` (``docs/state.md``).

    ``internal [1, l, r] -> H(0x01 || l || r)``; ``leaf [0, k, v] -> H(0x00 || H(k) || H(v))``.
    Raises :class:`StoreCorrupted` if ``raw`` is neither.
    """
    from wuyi.state import _nodes

    if _nodes.is_internal_encoding(raw):
        left, right = _nodes.decode_internal(raw)
        return _nodes.compute_internal_hash(hasher, left, right)
    key, value = _nodes.decode_leaf(b"", raw)
    return _nodes.compute_leaf_hash(hasher, hasher(key), hasher(value))


@dataclass(frozen=True, slots=True)
class CommitBatch:
    """Everything one committed block changes, written in one transaction.

    * ``block``: the block with its commit QC; ``block_hash`` its header hash.
    * ``receipts[i]`` and ``tx_hashes[i]`` belong to ``block.txs[i]``.
    * ``state_changes``: flat world state, key -> new value (``None`` deletes).
    * ``new_nodes``: state-tree nodes created by this block (hash -> bytes), stored if absent.
    * ``state_root``: the state-tree root after this block.
    * ``index_entries``: secondary index entries (e.g. sender -> tx), kept in the ``index`` db.
    * ``meta``: extra meta records (``get_meta``); the store's own keys are reserved.
    * ``sidecars``: the private side-cars the block's transactions reference (hash -> bytes),
      kept in the private dbs, never in the block.
    * ``prune_sidecars_before``: a block time (ms): side-cars of earlier blocks that no later
      block uses are deleted in the same transaction (the node's retention period).
    """

    block: Block
    block_hash: bytes
    receipts: Sequence[Receipt]
    tx_hashes: Sequence[bytes]
    state_changes: Mapping[bytes, bytes | None]
    new_nodes: Mapping[bytes, bytes]
    state_root: bytes
    index_entries: Mapping[bytes, bytes] = field(default_factory=dict)
    meta: Mapping[str, bytes] = field(default_factory=dict)
    sidecars: Mapping[bytes, bytes] = field(default_factory=dict)
    prune_sidecars_before: int | None = None


class StoreView:
    """Reads at one committed snapshot (one LMDB read transaction). Get one from
    :meth:`Store.snapshot`; it is valid only inside that ``with`` block."""

    def __init__(self, store: Store, txn: lmdb.Transaction) -> None:
        self._s = store
        self._txn = txn
        self._txn_id: int = txn.id()

    def _get(self, db: bytes, key: bytes) -> bytes | None:
        handle = self._s._dbs.get(db)
        if handle is None:  # an optional db a read-only open of an older store lacks
            return None
        value = self._txn.get(key, db=handle)
        return None if value is None else bytes(value)

    # -- meta --------------------------------------------------------------------------------

    @property
    def height(self) -> int:
        raw = self._get(DB_META, META_HEIGHT.encode())
        return -1 if raw is None else _unhkey(raw)

    @property
    def last_block_hash(self) -> bytes | None:
        return self._get(DB_META, META_BLOCK_HASH.encode())

    @property
    def state_root(self) -> bytes | None:
        return self._get(DB_META, META_STATE_ROOT.encode())

    def get_meta(self, key: str) -> bytes | None:
        return self._get(DB_META, key.encode())

    @property
    def body_base(self) -> int:
        """Lowest height above 0 whose body and receipts are held (1 when none was pruned)."""
        raw = self._get(DB_META, META_BODY_BASE.encode())
        return 1 if raw is None else _unhkey(raw)

    def get_qc_bytes(self, height: int) -> bytes | None:
        """The commit QC (``QuorumCertificate.to_obj`` encoded) of block ``height``, from its
        body or, for a body not held, from ``qcs``; None if the store has none for it."""
        raw = self._get(DB_QCS, _hkey(height))
        if raw is not None:
            return raw
        body = self._get(DB_BLOCKS, _hkey(height))
        if body is None:
            return None
        qc = decode(body).get("qc")
        return None if qc is None else encode(qc)

    # -- blocks ------------------------------------------------------------------------------

    def _require(self, db: bytes, height: int, what: str) -> bytes:
        if height < 0:
            raise NotFound(f"{what} at height {height}: heights start at 0", height=height)
        raw = self._get(db, _hkey(height))
        if raw is None:
            if db in (DB_BLOCKS, DB_RECEIPTS) and 0 < height < self.body_base:
                raise Archived(
                    f"the {what} at height {height} is not held by this node: it keeps bodies"
                    f" from height {self.body_base} on (older ones are in its archive files or"
                    " an archive node's)",
                    height=height,
                    body_base=self.body_base,
                )
            raise NotFound(f"no {what} at height {height}", height=height)
        return raw

    def get_block(self, height: int) -> Block:
        raw = self._require(DB_BLOCKS, height, "block")
        try:
            return Block.from_bytes(raw)
        except (EncodingError, ValidationError) as exc:
            raise StoreCorrupted(
                f"block {height}: stored body does not decode: {exc.message}", height=height
            ) from None

    def get_block_bytes(self, height: int) -> bytes:
        """The block's wire bytes as stored (for sync: no decode/re-encode)."""
        return self._require(DB_BLOCKS, height, "block")

    def get_header(self, height: int) -> BlockHeader:
        raw = self._require(DB_HEADERS, height, "header")
        try:
            return BlockHeader.from_obj(decode(raw[self._s._hash_len :]))
        except (EncodingError, ValidationError) as exc:
            raise StoreCorrupted(
                f"block {height}: stored header does not decode: {exc.message}", height=height
            ) from None

    def get_block_hash(self, height: int) -> bytes:
        return self._require(DB_HEADERS, height, "block")[: self._s._hash_len]

    def get_height_by_hash(self, block_hash: bytes) -> int | None:
        raw = self._get(DB_BLOCK_INDEX, block_hash)
        return None if raw is None else _unhkey(raw)

    def get_receipts(self, height: int) -> list[Receipt]:
        raw = self._require(DB_RECEIPTS, height, "receipts")
        try:
            return [Receipt.from_obj(o) for o in decode(raw)]
        except (EncodingError, ValidationError, TypeError) as exc:
            raise StoreCorrupted(
                f"block {height}: stored receipts do not decode: {exc}", height=height
            ) from None

    def get_receipts_bytes(self, height: int) -> bytes:
        """Block ``height``'s receipts as stored: the canonical array of their encodings, the
        leaves of its receipts root (for state sync: served with no decode/re-encode)."""
        return self._require(DB_RECEIPTS, height, "receipts")

    def get_tx_location(self, tx_hash: bytes) -> tuple[int, int] | None:
        raw = self._get(DB_TX_INDEX, tx_hash)
        if raw is None:
            return None
        height, index = _TXLOC.unpack(raw)
        return int(height), int(index)

    def get_state_root(self, height: int) -> bytes:
        """The state-tree root after block ``height`` (kept for every height, like headers;
        its nodes only while the state at ``height`` is held: :meth:`state_root_at`)."""
        return self._require(DB_ROOTS, height, "state root")

    @property
    def state_base(self) -> int:
        """The state of every height from this one to the top is held (0: every height)."""
        raw = self._get(DB_META, META_STATE_BASE.encode())
        return 0 if raw is None else _unhkey(raw)

    def state_held(self, height: int) -> bool:
        """True if the state-tree nodes of ``height`` are held (proofs at it can be made)."""
        if not 0 <= height <= self.height:
            return False
        return height >= self.state_base or self._get(DB_STATE_PINS, _hkey(height)) is not None

    def state_root_at(self, height: int) -> bytes:
        """The state root of ``height`` for reads and proofs: :class:`StatePruned` if this
        node no longer holds that version of the state tree, :class:`NotFound` past the top."""
        root = self.get_state_root(height)
        if not self.state_held(height):
            base = self.state_base
            pins = self.state_pins()
            raw = self._get(DB_META, META_STATE_REFS.encode())
            why = (
                "is not held by this node (pruned, or before the snapshot it started from)"
                if raw is None
                else f"was pruned on this node (retention {_unhkey(raw)})"
            )
            raise StatePruned(
                f"state at height {height} {why}: it holds the state from height {base} on"
                + (f" and at heights {pins}" if pins else "")
                + "; ask an archive node",
                height=height,
                state_base=base,
                pins=pins,
            )
        return root

    def state_pins(self) -> list[int]:
        """Heights below :attr:`state_base` whose state is still held (snapshot heights)."""
        if DB_STATE_PINS not in self._s._dbs:
            return []
        return [_unhkey(k) for k, _ in self._iter(DB_STATE_PINS, b"", reverse=False, limit=None)]

    # -- private side-cars (never served by the API) --------------------------------------------

    def get_sidecar(self, sidecar_hash: bytes) -> bytes | None:
        raw = self._get(DB_SIDECARS, sidecar_hash)
        return None if raw is None else raw[8:]

    def block_sidecars(self, height: int) -> dict[bytes, bytes]:
        """The side-cars block ``height``'s transactions used that this node still holds."""
        out: dict[bytes, bytes] = {}
        if DB_SIDECAR_INDEX not in self._s._dbs:
            return out
        for key, _ in self._iter(DB_SIDECAR_INDEX, _hkey(height), reverse=False, limit=None):
            data = self.get_sidecar(key[8:])
            if data is not None:
                out[key[8:]] = data
        return out

    @property
    def sidecars_pruned_below(self) -> int:
        """Side-cars of blocks below this height may have been pruned (0: none were)."""
        raw = self._get(DB_META, META_SIDECARS_PRUNED.encode())
        return 0 if raw is None else _unhkey(raw)

    # -- state ---------------------------------------------------------------------------------

    def get(self, key: bytes) -> bytes | None:
        """The world-state value of ``key`` at this snapshot.

        Reads at the newest snapshot go through the store's in-memory copy of the values read
        lately, kept up to date by each commit (:meth:`Store._hot_for`): every transaction
        reads its contract's records and its sender's member record, and an LMDB read also
        hands the interpreter lock to another thread and back. Only a view of exactly the
        snapshot the copy is for uses it, so what it returns is what LMDB would."""
        hot = self._s._hot_for(self._txn_id)
        if hot is None:
            return self._get(DB_STATE, key)
        value = hot.get(key, _MISS)
        if value is _MISS:
            value = self._get(DB_STATE, key)
            if len(hot) < HOT_STATE_MAX:
                hot[key] = value
        return value  # type: ignore[return-value]

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        return self._iter(DB_STATE, prefix, reverse=False, limit=None)

    def get_node(self, node_hash: bytes) -> bytes | None:
        return self._get(DB_NODES, node_hash)

    def iter_index(
        self, prefix: bytes, reverse: bool = False, limit: int | None = None
    ) -> Iterator[tuple[bytes, bytes]]:
        return self._iter(DB_INDEX, prefix, reverse=reverse, limit=limit)

    def _iter(
        self, db: bytes, prefix: bytes, *, reverse: bool, limit: int | None
    ) -> Iterator[tuple[bytes, bytes]]:
        if limit is not None and limit <= 0:
            return
        cur = self._txn.cursor(db=self._s._dbs[db])
        if not reverse:
            if not cur.set_range(prefix):
                return
            it = cur.iternext()
        else:
            upper = _prefix_upper_bound(prefix)
            if upper is None:
                positioned = cur.last()
            elif cur.set_range(upper):
                positioned = cur.prev()
            else:
                positioned = cur.last()
            if not positioned:
                return
            it = cur.iterprev()
        for n, (k, v) in enumerate(it, start=1):
            key = bytes(k)
            if not key.startswith(prefix):
                return
            yield key, bytes(v)
            if limit is not None and n >= limit:
                return


def _prefix_upper_bound(prefix: bytes) -> bytes | None:
    """Smallest key greater than every key starting with ``prefix`` (None: no such key)."""
    p = bytearray(prefix)
    while p and p[-1] == 0xFF:
        p.pop()
    if not p:
        return None
    p[-1] += 1
    return bytes(p)


class Store:
    """The node's durable store. Open with :meth:`Store.open`; one writer (the commit thread),
    any number of concurrent readers (each read sees only committed data)."""

    def __init__(
        self,
        env: lmdb.Environment,
        dbs: dict[bytes, Any],
        path: Path,
        hasher: Hasher,
        node_hasher: Hasher | None,
    ) -> None:
        self._env = env
        self._dbs = dbs
        self.path = path
        self._hasher = hasher
        self._node_hasher: Hasher = node_hasher or self._default_node_hasher
        # The full check walks the tree (node layout of wuyi.state) only with the default rules.
        self._walk_state_tree = node_hasher is None
        self._hash_len = len(hasher(b""))
        # (LMDB transaction id, key -> value or None): world-state values at that snapshot.
        # Replaced, never edited for another snapshot: commit derives the next one from it.
        self._hot: tuple[int, dict[bytes, bytes | None]] = (-1, {})
        self.pruning: StatePruning | None = None
        """The state-tree versions this process keeps (:meth:`configure_state_pruning`)."""

    def _hot_for(self, txn_id: int) -> dict[bytes, bytes | None] | None:
        """The in-memory state values of snapshot ``txn_id`` if it is the newest one seen,
        else None (an older view reads LMDB)."""
        hot_id, hot = self._hot
        if hot_id == txn_id:
            return hot
        if txn_id > hot_id:  # a newer snapshot than the copy (first use, another writer)
            fresh: dict[bytes, bytes | None] = {}
            self._hot = (txn_id, fresh)
            return fresh
        return None

    def _default_node_hasher(self, raw: bytes) -> bytes:
        return compute_state_node_hash(self._hasher, raw)

    # -- lifecycle ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path,
        hasher: Hasher,
        *,
        map_size: int = DEFAULT_MAP_SIZE,
        readonly: bool = False,
        check: CheckMode | str = "quick",
        node_hasher: Hasher | None = None,
    ) -> Store:
        """Open (or create) the store in directory ``path`` (the environment is
        ``path/chain.lmdb``) and run :meth:`check_integrity` unless ``check == "none"``.

        ``node_hasher(raw) -> hash`` recomputes a state-tree node's address in the full check;
        by default the rules of ``wuyi.state`` (:func:`compute_state_node_hash`) over ``hasher``.
        """
        if check not in ("none", "quick", "full"):
            raise ValueError(f"check must be 'none', 'quick' or 'full', not {check!r}")
        env_path = Path(path) / ENV_DIRNAME
        if readonly and not (env_path / "data.mdb").exists():
            raise NotFound(f"no store at {env_path}", path=str(env_path))
        if check == "full" and (env_path / "data.mdb").exists():
            _verify_lmdb_structure(env_path)
        if not readonly:
            env_path.mkdir(parents=True, exist_ok=True)
        try:
            env = lmdb.open(
                str(env_path),
                map_size=map_size,
                subdir=True,
                readonly=readonly,
                lock=True,
                sync=True,
                metasync=True,
                # Dirty pages are written in place in the map. Without WRITEMAP, liblmdb
                # mallocs a buffer per dirty page and keeps every freed one on a private list
                # for the life of the environment, so the node's own memory ratchets up to the
                # largest write transaction it ever made (the big block after a stall, a
                # catch-up): a soak measured +14 % over 25 minutes. With it, those pages are
                # file pages the kernel writes back and reclaims. The data file is then sparse,
                # its apparent size map_size (docs/store.md, "Disk usage").
                writemap=not readonly,
                map_async=False,
                max_dbs=len(_DB_NAMES) + len(_EXTRA_DB_NAMES),
                max_readers=256,
            )
        except _LMDB_CORRUPTION as exc:
            raise StoreCorrupted(
                f"{env_path}: LMDB cannot open the store: {exc}", path=str(env_path)
            ) from None
        except lmdb.Error as exc:
            raise StoreError(
                f"{env_path}: cannot open the store: {exc}", path=str(env_path)
            ) from None
        try:
            store = cls._setup(env, env_path, hasher, node_hasher, readonly)
            if check != "none":
                store.check_integrity(check)
        except BaseException:
            env.close()
            raise
        return store

    @classmethod
    def _setup(
        cls,
        env: lmdb.Environment,
        env_path: Path,
        hasher: Hasher,
        node_hasher: Hasher | None,
        readonly: bool,
    ) -> Store:
        try:
            if readonly:
                dbs = {n: env.open_db(n, create=False) for n in _DB_NAMES}
                for n in _EXTRA_DB_NAMES:
                    with contextlib.suppress(lmdb.NotFoundError):
                        dbs[n] = env.open_db(n, create=False)
            else:
                with env.begin(write=True) as txn:
                    dbs = {
                        n: env.open_db(n, txn=txn, create=True)
                        for n in (*_DB_NAMES, *_EXTRA_DB_NAMES)
                    }
                    meta = dbs[DB_META]
                    if txn.get(META_FORMAT.encode(), db=meta) is None:
                        txn.put(META_FORMAT.encode(), FORMAT_VERSION, db=meta)
                        txn.put(META_HASHER.encode(), hasher(_HASHER_PROBE), db=meta)
        except lmdb.NotFoundError:
            raise StoreCorrupted(
                f"{env_path}: a named database is missing", path=str(env_path)
            ) from None
        except _LMDB_CORRUPTION as exc:
            raise StoreCorrupted(f"{env_path}: LMDB error: {exc}", path=str(env_path)) from None
        store = cls(env, dbs, env_path, hasher, node_hasher)
        store._validate_format()
        return store

    def _validate_format(self) -> None:
        with self.snapshot() as v:
            fmt = v.get_meta(META_FORMAT)
            probe = v.get_meta(META_HASHER)
        if fmt is None:
            raise StoreCorrupted(f"{self.path}: meta 'format' is missing", path=str(self.path))
        if fmt != FORMAT_VERSION:
            raise StoreError(
                f"{self.path}: store format {fmt!r}, this node reads {FORMAT_VERSION!r}",
                path=str(self.path),
            )
        if probe != self._hasher(_HASHER_PROBE):
            raise StoreError(
                f"{self.path}: the store was written with a different hash function"
                " (wrong crypto suite for this chain?)",
                path=str(self.path),
            )

    def close(self) -> None:
        self._env.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[StoreView]:
        """A consistent read view at the last committed height (one read transaction)."""
        try:
            with self._env.begin(write=False) as txn:
                yield StoreView(self, txn)
        except _LMDB_CORRUPTION as exc:
            raise StoreCorrupted(f"{self.path}: LMDB error: {exc}", path=str(self.path)) from None

    # -- reads (each in its own read transaction) ---------------------------------------------

    @property
    def height(self) -> int:
        """Last committed height, -1 if nothing was committed."""
        with self.snapshot() as v:
            return v.height

    @property
    def last_block_hash(self) -> bytes | None:
        with self.snapshot() as v:
            return v.last_block_hash

    @property
    def state_root(self) -> bytes | None:
        with self.snapshot() as v:
            return v.state_root

    def get_meta(self, key: str) -> bytes | None:
        with self.snapshot() as v:
            return v.get_meta(key)

    def get_block(self, height: int) -> Block:
        with self.snapshot() as v:
            return v.get_block(height)

    def get_block_bytes(self, height: int) -> bytes:
        with self.snapshot() as v:
            return v.get_block_bytes(height)

    def get_header(self, height: int) -> BlockHeader:
        with self.snapshot() as v:
            return v.get_header(height)

    def get_block_hash(self, height: int) -> bytes:
        with self.snapshot() as v:
            return v.get_block_hash(height)

    def get_height_by_hash(self, block_hash: bytes) -> int | None:
        with self.snapshot() as v:
            return v.get_height_by_hash(block_hash)

    def get_receipts(self, height: int) -> list[Receipt]:
        with self.snapshot() as v:
            return v.get_receipts(height)

    def get_tx_location(self, tx_hash: bytes) -> tuple[int, int] | None:
        with self.snapshot() as v:
            return v.get_tx_location(tx_hash)

    def get_state_root(self, height: int) -> bytes:
        with self.snapshot() as v:
            return v.get_state_root(height)

    @property
    def state_base(self) -> int:
        with self.snapshot() as v:
            return v.state_base

    def state_held(self, height: int) -> bool:
        with self.snapshot() as v:
            return v.state_held(height)

    @property
    def body_base(self) -> int:
        with self.snapshot() as v:
            return v.body_base

    def get_qc_bytes(self, height: int) -> bytes | None:
        with self.snapshot() as v:
            return v.get_qc_bytes(height)

    def get(self, key: bytes) -> bytes | None:
        with self.snapshot() as v:
            return v.get(key)

    def get_node(self, node_hash: bytes) -> bytes | None:
        with self.snapshot() as v:
            return v.get_node(node_hash)

    def get_sidecar(self, sidecar_hash: bytes) -> bytes | None:
        """A private side-car this node holds (for execution and peers' sync; never the API)."""
        with self.snapshot() as v:
            return v.get_sidecar(sidecar_hash)

    def block_sidecars(self, height: int) -> dict[bytes, bytes]:
        with self.snapshot() as v:
            return v.block_sidecars(height)

    @property
    def sidecars_pruned_below(self) -> int:
        with self.snapshot() as v:
            return v.sidecars_pruned_below

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Flat state entries under ``prefix`` in key order, from one snapshot. The read
        transaction stays open until the iterator is exhausted or closed."""
        with self.snapshot() as v:
            yield from v.iter_prefix(prefix)

    def iter_index(
        self, prefix: bytes, reverse: bool = False, limit: int | None = None
    ) -> Iterator[tuple[bytes, bytes]]:
        """Secondary index entries under ``prefix``, ascending (or descending), at most
        ``limit``."""
        with self.snapshot() as v:
            yield from v.iter_index(prefix, reverse, limit)

    def copy_to(self, dest: str | Path, *, compact: bool = True) -> tuple[int, bytes | None]:
        """A consistent copy of the environment into directory ``dest`` (``data.mdb``) by
        LMDB's copy API inside one read transaction: writers go on meanwhile. Returns the
        height and state root of the snapshot copied (for backups)."""
        Path(dest).mkdir(parents=True, exist_ok=True)
        try:
            with self._env.begin(write=False) as txn:
                view = StoreView(self, txn)
                meta = (view.height, view.state_root)
                self._env.copy(str(dest), compact=compact, txn=txn)
        except lmdb.Error as exc:
            raise StoreError(f"{self.path}: copy to {dest} failed: {exc}") from None
        return meta

    def size_bytes(self) -> int:
        """Bytes of the data file in use: LMDB's pages up to the last one written (for
        metrics). The file's apparent size is ``map_size`` (it is sparse, see :meth:`open`)."""
        try:
            return (int(self._env.info()["last_pgno"]) + 1) * int(self._env.stat()["psize"])
        except lmdb.Error:
            return 0

    # -- commit -------------------------------------------------------------------------------

    def commit(self, batch: CommitBatch) -> None:
        """Write one block and everything it changes in one durable transaction.

        Raises :class:`InvariantBroken` (writing nothing) if the block does not extend the
        committed chain or the batch does not hang together; :class:`StoreError` if the
        disk refuses. When it returns, the block survives any crash.
        """
        block, header = batch.block, batch.block.header
        height = header.height
        txs = block.txs
        if len(batch.tx_hashes) != len(txs) or len(batch.receipts) != len(txs):
            raise InvariantBroken(
                f"commit of block {height}: {len(txs)} txs but {len(batch.tx_hashes)} tx hashes"
                f" and {len(batch.receipts)} receipts",
                height=height,
            )
        for i, (r, th) in enumerate(zip(batch.receipts, batch.tx_hashes, strict=True)):
            if r.tx_hash != th:
                raise InvariantBroken(
                    f"commit of block {height}: receipt {i} is for another transaction",
                    height=height,
                )
        if self._hasher(header.hashing_bytes()) != batch.block_hash:
            raise InvariantBroken(
                f"commit of block {height}: block_hash is not the hash of its header",
                height=height,
            )
        reserved = _RESERVED_META.intersection(batch.meta)
        if reserved:
            raise InvariantBroken(
                f"commit of block {height}: meta keys {sorted(reserved)}"
                " are reserved for the store",
                height=height,
            )
        header_value = batch.block_hash + encode(header.to_obj())
        block_value = block.to_bytes()
        receipts_value = encode_array_of_encoded([r.to_bytes() for r in batch.receipts])
        self._check_disk_space(
            batch,
            len(block_value) + len(receipts_value) + sum(map(len, batch.sidecars.values())),
            height,
        )
        d = self._dbs
        hkey = _hkey(height)
        try:
            with self._env.begin(write=True) as txn:
                write_id = txn.id()
                self._validate_extends(txn, header)
                put = txn.put
                put(hkey, block_value, db=d[DB_BLOCKS])
                put(hkey, header_value, db=d[DB_HEADERS])
                if not put(batch.block_hash, hkey, db=d[DB_BLOCK_INDEX], overwrite=False):
                    raise InvariantBroken(
                        f"commit of block {height}: block hash already stored", height=height
                    )
                put(hkey, receipts_value, db=d[DB_RECEIPTS])
                put(hkey, batch.state_root, db=d[DB_ROOTS])
                txdb = d[DB_TX_INDEX]
                for i, th in enumerate(batch.tx_hashes):
                    if not put(th, _TXLOC.pack(height, i), db=txdb, overwrite=False):
                        raise InvariantBroken(
                            f"commit of block {height}: tx {th.hex()} is already committed",
                            height=height,
                        )
                state = d[DB_STATE]
                for key, value in batch.state_changes.items():
                    if value is None:
                        txn.delete(key, db=state)
                    else:
                        put(key, value, db=state)
                nodes = d[DB_NODES]
                inserted = [
                    node_hash
                    for node_hash, raw in batch.new_nodes.items()
                    if put(node_hash, raw, db=nodes, overwrite=False)
                ]
                if txn.get(META_STATE_REFS.encode(), db=d[DB_META]) is not None:
                    self._prune_state(txn, height, batch, inserted)
                index = d[DB_INDEX]
                for key, value in batch.index_entries.items():
                    put(key, value, db=index)
                if batch.sidecars:
                    scdb, scidx = d[DB_SIDECARS], d[DB_SIDECAR_INDEX]
                    for sh, data in batch.sidecars.items():
                        put(sh, hkey + data, db=scdb)
                        put(hkey + sh, b"", db=scidx)
                if batch.prune_sidecars_before is not None:
                    self._prune_sidecars(txn, height, batch.prune_sidecars_before)
                meta = d[DB_META]
                for name, value in batch.meta.items():
                    put(name.encode(), value, db=meta)
                put(META_HEIGHT.encode(), hkey, db=meta)
                put(META_BLOCK_HASH.encode(), batch.block_hash, db=meta)
                put(META_STATE_ROOT.encode(), batch.state_root, db=meta)
        except lmdb.MapFullError:
            raise StoreError(
                f"{self.path}: store is full (map_size); block {height} was not written",
                height=height,
            ) from None
        except _LMDB_CORRUPTION as exc:
            raise StoreCorrupted(
                f"{self.path}: LMDB error while writing block {height}: {exc}", path=str(self.path)
            ) from None
        except lmdb.Error as exc:
            raise StoreError(
                f"{self.path}: block {height} was not written: {exc}", height=height
            ) from None
        # The snapshot this commit made: the previous one's values, with this block's writes
        # to the keys it holds. Keys only written (a new record per transaction) are not added:
        # the copy holds what is read, and a read of one of them fetches it.
        hot_id, hot = self._hot
        nxt = hot.copy() if hot_id == write_id - 1 else {}
        for key, value in batch.state_changes.items():
            if key in nxt:
                nxt[key] = value
        self._hot = (write_id, nxt)

    def _refs(self, txn: lmdb.Transaction) -> RefCounts:
        d = self._dbs
        return RefCounts(txn, d[DB_NODES], d[DB_NODE_REFS], d[DB_NODE_ZERO])

    def _prune_state(
        self, txn: lmdb.Transaction, height: int, batch: CommitBatch, inserted: list[bytes]
    ) -> None:
        """Inside commit ``height``: count the references the block adds, let the heights that
        leave the window (``self.pruning``) go, delete a bounded number of unreferenced nodes.
        Without a window (state pruning on in the store but not configured by this process)
        nothing leaves, but the counts stay exact."""
        d = self._dbs
        refs = self._refs(txn)
        refs.added_nodes(inserted, batch.new_nodes)
        delta: dict[bytes, int] = {batch.state_root: 1}
        cfg = self.pruning
        if cfg is not None:
            roots, pins, meta = d[DB_ROOTS], d[DB_STATE_PINS], d[DB_META]

            def release(h: int) -> None:
                root = txn.get(_hkey(h), db=roots)
                if root is not None:
                    delta[bytes(root)] = delta.get(bytes(root), 0) - 1

            for key in [bytes(k) for k in txn.cursor(db=pins).iternext(values=False)]:
                if not cfg.keeps(_unhkey(key), height):
                    txn.delete(key, db=pins)
                    release(_unhkey(key))
            raw = txn.get(META_STATE_BASE.encode(), db=meta)
            base = 0 if raw is None else _unhkey(bytes(raw))
            stop = min(height - cfg.retention + 1, base + HEIGHTS_PER_COMMIT)
            if stop > base:
                for h in range(base, stop):
                    if cfg.keeps(h, height):
                        txn.put(_hkey(h), b"", db=pins)
                    else:
                        release(h)
                txn.put(META_STATE_BASE.encode(), _hkey(stop), db=meta)
        refs.add(delta)
        refs.collect(max(NODE_BUDGET_MIN, 2 * len(batch.new_nodes)))

    def configure_state_pruning(self, pruning: StatePruning | None) -> None:
        """Keep only the state-tree versions ``pruning`` names (``None``: stop pruning).

        The first time, the reference counts are built from every stored node in one write
        transaction (a pass over ``nodes``; seconds per million nodes); from then on each
        :meth:`commit` maintains them and deletes what falls out of the window, a bounded
        number of nodes per block. Stopping drops the counts; what was pruned stays pruned."""
        if pruning is not None and not self._walk_state_tree:
            raise ValidationError("state pruning needs the node layout of wuyi.state")
        with self.snapshot() as v:
            on = v.get_meta(META_STATE_REFS)
        retention = 0 if pruning is None else pruning.retention
        if pruning is None and on is not None:

            def off(txn: lmdb.Transaction) -> None:
                d = self._dbs
                txn.drop(d[DB_NODE_REFS], delete=False)
                txn.drop(d[DB_NODE_ZERO], delete=False)
                txn.delete(META_STATE_REFS.encode(), db=d[DB_META])

            self._write("state pruning off", off)
        elif pruning is not None and (on is None or _unhkey(on) != retention):

            def setup(txn: lmdb.Transaction) -> None:
                if on is None:
                    self._rebuild_refs(txn)
                txn.put(META_STATE_REFS.encode(), _hkey(retention), db=self._dbs[DB_META])

            self._write("state pruning setup", setup)
        self.pruning = pruning

    def _rebuild_refs(self, txn: lmdb.Transaction) -> None:
        """Count every reference from scratch; ``state_base`` moves up to the lowest height
        from which every root is stored (a store state-synced before ``state_base`` existed
        holds the nodes of S and later only)."""
        d = self._dbs
        top = self._txn_height(txn)
        raw = txn.get(META_STATE_BASE.encode(), db=d[DB_META])
        base = 0 if raw is None else _unhkey(bytes(raw))
        held: list[bytes] = []
        empty = bytes(self._hash_len)
        h = top
        while h >= base:
            root = txn.get(_hkey(h), db=d[DB_ROOTS])
            if root is None or (bytes(root) != empty and txn.get(root, db=d[DB_NODES]) is None):
                break
            held.append(bytes(root))
            h -= 1
        if top >= 0 and h + 1 > base:
            txn.put(META_STATE_BASE.encode(), _hkey(h + 1), db=d[DB_META])
        for key in [bytes(k) for k in txn.cursor(db=d[DB_STATE_PINS]).iternext(values=False)]:
            root = txn.get(key, db=d[DB_ROOTS])
            if (
                _unhkey(key) <= h
                and root is not None
                and (bytes(root) == empty or txn.get(root, db=d[DB_NODES]) is not None)
            ):
                held.append(bytes(root))
            else:
                txn.delete(key, db=d[DB_STATE_PINS])
        self._refs(txn).rebuild(held)

    def _prune_sidecars(self, txn: lmdb.Transaction, height: int, before_ms: int) -> None:
        """Delete the side-cars of blocks below ``height`` whose time is before
        ``before_ms`` (oldest first; a side-car a later block also used stays)."""
        d = self._dbs
        scdb, scidx, headers = d[DB_SIDECARS], d[DB_SIDECAR_INDEX], d[DB_HEADERS]
        cur = txn.cursor(db=scidx)
        times: dict[int, int] = {}
        pruned = -1
        more = cur.first()
        while more:
            key = bytes(cur.key())
            h = _unhkey(key[:8])
            if h >= height:
                break
            if h not in times:
                raw = txn.get(_hkey(h), db=headers)
                times[h] = -1 if raw is None else int(decode(bytes(raw)[self._hash_len :])["time"])
            if times[h] >= before_ms:
                break
            sh = key[8:]
            val = txn.get(sh, db=scdb)
            if val is not None and _unhkey(bytes(val)[:8]) <= h:
                txn.delete(sh, db=scdb)
            more = cur.delete() and bool(cur.key())  # moves to the next entry, if any
            pruned = h
        if pruned >= 0:
            txn.put(META_SIDECARS_PRUNED.encode(), _hkey(pruned + 1), db=d[DB_META])

    def _check_disk_space(self, batch: CommitBatch, block_bytes: int, height: int) -> None:
        """Raise :class:`StoreError` if the file system cannot take this block (see
        :data:`DISK_HEADROOM`)."""
        try:
            st = os.statvfs(self.path)
        except OSError:  # cannot tell; LMDB reports what it meets
            return
        free = st.f_bavail * st.f_frsize
        written = block_bytes + sum(map(len, batch.new_nodes.values()))
        written += sum(len(v) for v in batch.state_changes.values() if v is not None)
        need = DISK_HEADROOM + 4 * written
        if free < need:
            raise StoreError(
                f"{self.path}: the disk is nearly full ({free / 2**20:.1f} MiB free; block"
                f" {height} needs {need / 2**20:.1f} MiB with headroom); the block was not"
                " written. Free disk space and restart the node.",
                height=height,
                free_bytes=free,
                needed_bytes=need,
            )

    def _validate_extends(self, txn: lmdb.Transaction, header: BlockHeader) -> None:
        meta = self._dbs[DB_META]
        raw = txn.get(META_HEIGHT.encode(), db=meta)
        current = -1 if raw is None else _unhkey(bytes(raw))
        if header.height != current + 1:
            raise InvariantBroken(
                f"commit of block {header.height}: the store is at height {current},"
                f" the next block must be {current + 1}",
                height=header.height,
            )
        if current >= 0:
            last = txn.get(META_BLOCK_HASH.encode(), db=meta)
            if last is None or header.prev_hash != bytes(last):
                raise InvariantBroken(
                    f"commit of block {header.height}: prev_hash does not link to block {current}",
                    height=header.height,
                )

    # -- state sync and archives (wuyi.node.snapshots, wuyi.node.archive) ----------------------

    def _write(self, what: str, fn: Callable[[lmdb.Transaction], None]) -> None:
        try:
            with self._env.begin(write=True) as txn:
                fn(txn)
        except lmdb.MapFullError:
            raise StoreError(f"{self.path}: store is full (map_size); {what} not written") from None
        except _LMDB_CORRUPTION as exc:
            raise StoreCorrupted(
                f"{self.path}: LMDB error while writing {what}: {exc}", path=str(self.path)
            ) from None
        except lmdb.Error as exc:
            raise StoreError(f"{self.path}: {what} not written: {exc}") from None
        self._hot = (-1, {})  # another kind of write: the next snapshot starts a fresh copy

    def clear_staging(self) -> None:
        """Drop the staged state (``sync_state``) an interrupted state sync of an earlier
        version left; state sync now writes in one transaction (:class:`SnapshotInstall`)."""
        self._write("staging reset", lambda txn: txn.drop(self._dbs[DB_SYNC_STATE], delete=False))

    def begin_snapshot_install(self) -> SnapshotInstall:
        """The write transaction that makes this store (holding genesis only) a store at a
        snapshot's height: see :class:`SnapshotInstall`."""
        return SnapshotInstall(self)

    def _install(
        self,
        txn: lmdb.Transaction,
        *,
        headers: Sequence[tuple[bytes, BlockHeader]],
        qcs: Mapping[int, bytes],
        block: Block,
        receipts: Sequence[Receipt],
        window: Sequence[tuple[int, int, bytes]],
        replay_until: int,
        index_entries: Mapping[bytes, bytes],
    ) -> None:
        top = block.header.height
        if not headers or headers[-1][1] != block.header or len(headers) != top:
            raise InvariantBroken(f"snapshot install at {top}: headers 1..{top} do not line up")
        d = self._dbs
        meta = d[DB_META]
        prev = bytes(txn.get(META_BLOCK_HASH.encode(), db=meta) or b"")
        for block_hash, header in headers:
            if header.prev_hash != prev:
                raise InvariantBroken(f"snapshot install: header {header.height} does not link")
            hkey = _hkey(header.height)
            txn.put(hkey, block_hash + encode(header.to_obj()), db=d[DB_HEADERS])
            txn.put(block_hash, hkey, db=d[DB_BLOCK_INDEX])
            txn.put(hkey, header.state_root, db=d[DB_ROOTS])
            prev = block_hash
        for h, qc in qcs.items():
            if 0 < h < top:
                txn.put(_hkey(h), qc, db=d[DB_QCS])
        hkey = _hkey(top)
        txn.put(hkey, block.to_bytes(), db=d[DB_BLOCKS])
        txn.put(hkey, encode_array_of_encoded([r.to_bytes() for r in receipts]), db=d[DB_RECEIPTS])
        for i, r in enumerate(receipts):
            txn.put(r.tx_hash, _TXLOC.pack(top, i), db=d[DB_TX_INDEX])
        self._put_window(txn, window, replay_until)
        for key, value in index_entries.items():
            txn.put(key, value, db=d[DB_INDEX])
        txn.put(META_HEIGHT.encode(), hkey, db=meta)
        txn.put(META_BLOCK_HASH.encode(), prev, db=meta)
        txn.put(META_STATE_ROOT.encode(), block.header.state_root, db=meta)
        txn.put(META_BODY_BASE.encode(), hkey, db=meta)
        txn.put(META_STATE_BASE.encode(), hkey, db=meta)  # the tree is S's, and later
        txn.drop(d[DB_STATE_PINS], delete=False)
        if txn.get(META_STATE_REFS.encode(), db=meta) is not None:
            self._rebuild_refs(txn)  # the snapshot's nodes came without counts

    def _put_window(
        self, txn: lmdb.Transaction, window: Iterable[tuple[int, int, bytes]], replay_until: int
    ) -> None:
        """``tx_index`` entries of transactions whose bodies are not held, listed in ``replay``
        until ``replay_until``."""
        d = self._dbs
        until = _hkey(replay_until)
        index = [(tx_hash, _TXLOC.pack(h, i)) for h, i, tx_hash in window]
        txn.cursor(db=d[DB_TX_INDEX]).putmulti(index)
        txn.cursor(db=d[DB_REPLAY]).putmulti([(until + th, b"") for th, _ in index])

    def _txn_height(self, txn: lmdb.Transaction) -> int:
        raw = txn.get(META_HEIGHT.encode(), db=self._dbs[DB_META])
        return -1 if raw is None else _unhkey(bytes(raw))

    def prune_bodies(
        self,
        upto: int,
        index_keys: Callable[[Block, list[Receipt]], Iterator[bytes]],
        replay_until: Callable[[bytes], int],
    ) -> None:
        """Delete the bodies and receipts of heights ``body_base..upto`` (already written to an
        archive file by the caller), keeping each block's QC in ``qcs``. A transaction's
        ``tx_index`` entry goes too unless ``replay_until(tx bytes)`` (its expiry) is not
        below the current height: then it stays, listed in ``replay``, for the replay check.
        ``index_keys(block, receipts)`` names the secondary index entries to delete."""

        def put(txn: lmdb.Transaction) -> None:
            d = self._dbs
            top = self._txn_height(txn)
            base = self._txn_base(txn)
            if not base <= upto < top:
                raise InvariantBroken(
                    f"prune to {upto}: bodies {base}..{top} are held and the newest stays"
                )
            for h in range(base, upto + 1):
                hkey = _hkey(h)
                raw = txn.get(hkey, db=d[DB_BLOCKS])
                if raw is None:
                    raise InvariantBroken(f"prune: body {h} is missing")
                block = Block.from_bytes(bytes(raw))
                raw_receipts = txn.get(hkey, db=d[DB_RECEIPTS]) or b"\x80"
                receipts = [Receipt.from_obj(o) for o in decode(bytes(raw_receipts))]
                if block.qc is not None:
                    txn.put(hkey, encode(block.qc.to_obj()), db=d[DB_QCS])
                for tx, r in zip(block.txs, receipts, strict=True):
                    until = replay_until(tx)
                    if until >= top:
                        txn.put(_hkey(until) + r.tx_hash, b"", db=d[DB_REPLAY])
                    else:
                        txn.delete(r.tx_hash, db=d[DB_TX_INDEX])
                for key in index_keys(block, receipts):
                    txn.delete(key, db=d[DB_INDEX])
                txn.delete(hkey, db=d[DB_BLOCKS])
                txn.delete(hkey, db=d[DB_RECEIPTS])
            txn.put(META_BODY_BASE.encode(), _hkey(upto + 1), db=d[DB_META])
            self._expire_replay(txn, top)

        self._write(f"pruning to height {upto}", put)

    def _txn_base(self, txn: lmdb.Transaction) -> int:
        raw = txn.get(META_BODY_BASE.encode(), db=self._dbs[DB_META])
        return 1 if raw is None else _unhkey(bytes(raw))

    def _expire_replay(self, txn: lmdb.Transaction, height: int) -> None:
        """Drop kept ``tx_index`` entries whose transactions expired before ``height``."""
        d = self._dbs
        cur = txn.cursor(db=d[DB_REPLAY])
        bound = _hkey(height)
        while cur.first() and bytes(cur.key())[:8] < bound:
            txn.delete(bytes(cur.key())[8:], db=d[DB_TX_INDEX])
            cur.delete()

    def restore_bodies(
        self,
        blocks: Sequence[tuple[Block, list[Receipt]]],
        index_entries: Callable[[Block, list[Receipt]], Mapping[bytes, bytes]],
    ) -> None:
        """Put back archived bodies ``body_base - len(blocks) .. body_base - 1`` (oldest first),
        each of which must be the stored header's block; the store's base moves down. The
        caller checked the archive's roots; this re-checks that each header is the kept one."""

        def put(txn: lmdb.Transaction) -> None:
            d = self._dbs
            base = self._txn_base(txn)
            first = base - len(blocks)
            if first < 1:
                raise InvariantBroken(f"restore: {len(blocks)} bodies below base {base}")
            for n, (block, receipts) in enumerate(blocks):
                h = first + n
                hkey = _hkey(h)
                stored = txn.get(hkey, db=d[DB_HEADERS])
                if (
                    block.height != h
                    or stored is None
                    or bytes(stored)[: self._hash_len]
                    != (self._hasher(block.header.hashing_bytes()))
                ):
                    raise InvariantBroken(f"restore: block {h} is not the chain's block {h}")
                txn.put(hkey, block.to_bytes(), db=d[DB_BLOCKS])
                txn.put(
                    hkey,
                    encode_array_of_encoded([r.to_bytes() for r in receipts]),
                    db=d[DB_RECEIPTS],
                )
                txn.delete(hkey, db=d[DB_QCS])
                for i, r in enumerate(receipts):
                    txn.put(r.tx_hash, _TXLOC.pack(h, i), db=d[DB_TX_INDEX])
                for key, value in index_entries(block, receipts).items():
                    txn.put(key, value, db=d[DB_INDEX])
            txn.put(META_BODY_BASE.encode(), _hkey(first), db=d[DB_META])
            # kept entries of restored transactions are ordinary tx_index entries again
            cur = txn.cursor(db=d[DB_REPLAY])
            restored = {r.tx_hash for _, rs in blocks for r in rs}
            for key in [bytes(k) for k in cur.iternext(keys=True, values=False)]:
                if key[8:] in restored:
                    txn.delete(key, db=d[DB_REPLAY])

        self._write(f"restore of {len(blocks)} archived bodies", put)

    # -- integrity ----------------------------------------------------------------------------

    def check_integrity(self, mode: CheckMode | str = "quick") -> None:
        """Raise :class:`StoreCorrupted`, naming the db, height or key, unless the store hangs
        together. ``quick``: meta, every header (hash and link), the bodies and receipts of the
        newest :data:`QUICK_BODY_DEPTH` blocks, the state root node. ``full``: every body and
        receipt list, every transaction hash, every state-tree node's address."""
        if mode == "none":
            return
        if mode not in ("quick", "full"):
            raise ValueError(f"mode must be 'quick' or 'full', not {mode!r}")
        from wuyi.node.store_check import run_check

        try:
            with self._env.begin(write=False) as txn:
                run_check(self, txn, full=(mode == "full"))
        except lmdb.Error as exc:
            raise StoreCorrupted(
                f"{self.path}: LMDB error during integrity check: {exc}", path=str(self.path)
            ) from None


class SnapshotInstall:
    """One write transaction that makes a store holding genesis only a store at a snapshot's
    height ``S`` (``wuyi.node.snapshots.StateSync``, which verified everything first).

    :meth:`put_state` writes verified chunks straight into the world state (emptied when the
    transaction begins) and the tree's nodes, as they arrive (:meth:`put_window`: the replay
    window's transaction hashes, likewise); :meth:`install` adds the verified
    headers 1..S, the ``qcs`` kept for bodies not held, block ``S`` with its receipts,
    ``window`` ``(height, index, tx hash)`` of earlier transactions that may not be replayed
    (kept in ``tx_index`` until ``replay_until``), meta height S, and commits. Until then
    nothing is visible to readers, and :meth:`abort` (or a crash) leaves the store at genesis.
    Each table is written once, in bulk (``putmulti``), and committed once: no staging copy,
    no commit per chunk (each of which would write back most of the tree's pages).

    LMDB binds a write transaction to the thread that began it: every call runs on this
    object's own thread (any thread may call; each call blocks until done). While it is open,
    other writers of the store wait."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="wuyi-install")
        self._txn: lmdb.Transaction | None = None
        self._closed = False

    def _run(self, what: str, fn: Callable[[lmdb.Transaction], None]) -> None:
        if self._closed:
            raise InvariantBroken(f"snapshot install already ended; {what} not written")
        self._pool.submit(self._on_thread, what, fn).result()

    def _on_thread(self, what: str, fn: Callable[[lmdb.Transaction], None]) -> None:
        s = self._store
        try:
            if self._txn is None:
                txn = s._env.begin(write=True)
                self._txn = txn
                if s._txn_height(txn) != 0:
                    raise InvariantBroken("a snapshot is installed only into a store at genesis")
                txn.drop(s._dbs[DB_STATE], delete=False)  # the snapshot's state replaces it
            fn(self._txn)
        except BaseException as exc:
            self._abort_here()
            if isinstance(exc, lmdb.MapFullError):
                raise StoreError(
                    f"{s.path}: store is full (map_size); {what} not written"
                ) from None
            if isinstance(exc, _LMDB_CORRUPTION):
                raise StoreCorrupted(
                    f"{s.path}: LMDB error while writing {what}: {exc}", path=str(s.path)
                ) from None
            if isinstance(exc, lmdb.Error):
                raise StoreError(f"{s.path}: {what} not written: {exc}") from None
            raise

    def _abort_here(self) -> None:
        if self._txn is not None:
            self._txn.abort()
            self._txn = None
        self._closed = True

    def put_state(
        self, items: Iterable[tuple[bytes, bytes]], nodes: Iterable[tuple[bytes, bytes]]
    ) -> None:
        """Write verified (key, value) pairs into the world state and state-tree nodes
        ``(hash, stored bytes)`` into ``nodes`` (content-addressed: extra nodes are harmless)."""

        def put(txn: lmdb.Transaction) -> None:
            d = self._store._dbs
            txn.cursor(db=d[DB_STATE]).putmulti(items)
            txn.cursor(db=d[DB_NODES]).putmulti(nodes, overwrite=False)

        self._run("snapshot chunks", put)

    def put_window(self, window: Iterable[tuple[int, int, bytes]], replay_until: int) -> None:
        """Write verified ``(height, index, tx hash)`` of earlier transactions that may not be
        replayed into ``tx_index`` (listed in ``replay`` until ``replay_until``), as they
        arrive; :meth:`install` may be given the rest."""
        self._run(
            "the replay window", lambda txn: self._store._put_window(txn, window, replay_until)
        )

    def put_window_entries(self, index: list[bytes], replay: list[bytes]) -> None:
        """:meth:`put_window` with the entries made already (:func:`compute_window_entries`,
        in a worker process): flat ``[key, value, ...]`` lists for ``tx_index`` and ``replay``."""

        def put(txn: lmdb.Transaction) -> None:
            d = self._store._dbs
            it = iter(index)
            txn.cursor(db=d[DB_TX_INDEX]).putmulti(zip(it, it, strict=True))
            it = iter(replay)
            txn.cursor(db=d[DB_REPLAY]).putmulti(zip(it, it, strict=True))

        self._run("the replay window", put)

    def install(
        self,
        *,
        headers: Sequence[tuple[bytes, BlockHeader]],
        qcs: Mapping[int, bytes],
        block: Block,
        receipts: Sequence[Receipt],
        window: Sequence[tuple[int, int, bytes]],
        replay_until: int,
        index_entries: Mapping[bytes, bytes],
    ) -> None:
        """Write the rest (see the class docstring) and commit: the store is at height S,
        holding bodies from S on."""
        top = block.header.height

        def put(txn: lmdb.Transaction) -> None:
            self._store._install(
                txn,
                headers=headers,
                qcs=qcs,
                block=block,
                receipts=receipts,
                window=window,
                replay_until=replay_until,
                index_entries=index_entries,
            )
            self._txn = None  # a failed commit aborts it
            self._closed = True
            txn.commit()

        try:
            self._run(f"snapshot at height {top}", put)
        finally:
            self._store._hot = (-1, {})  # another kind of write: the next snapshot starts fresh
            self._pool.shutdown(wait=False)

    def abort(self) -> None:
        """Drop everything written (idempotent; after :meth:`install`, nothing to drop)."""
        if not self._closed:
            self._pool.submit(self._abort_here).result()
        self._closed = True
        self._pool.shutdown(wait=False)


def _verify_lmdb_structure(env_path: Path) -> None:
    """Walk the LMDB file's pages offline (py-lmdb's verifier) before liblmdb maps it."""
    from lmdb import verify as lmdb_verify

    try:
        problems = lmdb_verify.verify(str(env_path), subdir=True)
    except lmdb_verify.VerifyError as exc:
        raise StoreCorrupted(
            f"{env_path}/data.mdb: not a readable LMDB file: {exc}", path=str(env_path)
        ) from None
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise StoreCorrupted(
            f"{env_path}/data.mdb: LMDB structure: {problems[0]}{more}",
            path=str(env_path),
            problems=problems[:20],
        )
