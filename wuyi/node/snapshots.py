"""State snapshots: made every N heights, kept K deep, served in chunks, and state sync from them.

A node makes a **snapshot** of the world state at every height that is a multiple of
``snapshot_interval`` (``[sync]`` in ``node.toml``) under ``data/snapshots/<height>/``: a
manifest and chunk files (format ``wuyi-snapshot/1``, ``docs/state-sync.md``). It keeps the
newest ``snapshot_keep`` and serves them to peers on the ``snap`` channel, with the headers,
certificates, validator-set changes and receipts a joining node checks them with.

A fresh node (**state sync**, :class:`StateSync`) asks its peers what they offer, takes the
highest snapshot, and believes nothing a peer says until it verified it from the chain's genesis,
which it holds itself (pinned by hash):

1. the headers 1..S link by ``prev_hash`` from its own genesis block;
2. the validator-set changes among them are certified one by one from the genesis set
   (:class:`wuyi.ledger.lightclient.TrustedSets`), and block S's commit QC by the set in force;
   since header S is then the chain's, so is every header it links back to;
3. the manifest names block S and its state root, and its chunk list folds to that root
   (:func:`wuyi.state.chunks.fold_frontier`); each chunk rebuilds its subtree's hash;
4. the receipts of the last ``max_expiry_window`` blocks match their headers' receipts roots:
   their transaction hashes keep the replay check complete (a transaction of a block before S
   may still be unexpired).

The chunks and receipt arrays are checked in worker processes (:mod:`wuyi.node.sync_verify`)
while this process fetches and writes. Then the store is made a store at height S in one
transaction (``Store.begin_snapshot_install``: the chunks and the window are written into it as
they verify, the rest at the end, one commit) and block sync follows from S + 1. A peer that
sends anything false is penalised and the next one is asked.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import math
import os
import shutil
import threading
import time
import tomllib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from wuyi.encoding import decode, encode
from wuyi.exceptions import (
    EncodingError,
    NetworkError,
    NotFound,
    ProofInvalid,
    SyncFailed,
    ValidationError,
    WuyiError,
)
from wuyi.ledger import keys
from wuyi.ledger.handlers.validators import get_validator_history
from wuyi.ledger.lightclient import TrustedSets, ValidatorChange
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.types import Block, BlockHeader, Receipt, Transaction
from wuyi.node.state_prune import StatePruning
from wuyi.node.sync_verify import (
    SyncVerifier,
    check_chunk,
    check_receipt_lists,
    find_value,
    pairs_of,
    unpack_chunk,
    unpack_window,
)
from wuyi.params import ChainParams
from wuyi.state.chunks import compute_frontier, fold_frontier, iter_leaves

if TYPE_CHECKING:
    from wuyi.node.node import Node
    from wuyi.node.store import SnapshotInstall, Store

__all__ = [
    "SNAPSHOT_FORMAT",
    "Manifest",
    "SnapshotDir",
    "StateSync",
    "SyncMaintenance",
    "SyncSettings",
    "load_sync_settings",
    "make_snapshot",
    "serve_snap_request",
]

log = logging.getLogger("wuyi.statesync")

SNAPSHOT_FORMAT: Final = "wuyi-snapshot/1"
MANIFEST_DOMAIN: Final = b"wuyi/snapshot\x00"
CHUNK_LEAVES: Final = 4096
"""Target leaves per chunk (the cut depth is chosen so that chunks hold about this many)."""
HEADER_BATCH: Final = 2000
RECEIPT_BATCH: Final = 256
"""Blocks per ``receipts`` answer (one decoded list of receipts per block; older peers)."""
RECEIPT_LISTS_BLOCKS: Final = 1024
RECEIPT_LISTS_BYTES: Final = 8 * 1024 * 1024
"""Limits of one ``receipt_lists`` answer: at most this many blocks, and no more stored
receipt bytes than this once it holds one block (a single block larger than it goes alone)."""
CHUNKS_IN_FLIGHT: Final = 4
WINDOW_SPANS: Final = 8
"""The replay window is fetched as this many spans (of at most :data:`RECEIPT_LISTS_BLOCKS`
blocks each), several at a time, so that the workers check one answer while the next comes."""
CHUNKS_PER_WRITE: Final = 16
"""Verified chunks written per call into the sync's write transaction (``putmulti``); the
next group is fetched and verified meanwhile, so about two groups are held in memory."""
REQUEST_TIMEOUT_S: Final = 30.0
CHANNEL: Final = "snap"


# -- settings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """``[sync]`` in ``node.toml`` (all optional)::

    [sync]
    state_sync = true          # a fresh node starts from a peer's verified snapshot
    min_gap = 256              # ... when the snapshot is at least this many heights ahead
    snapshot_interval = 1000   # make a snapshot at every multiple of this height (0: none)
    snapshot_keep = 2          # snapshots kept (the oldest are deleted)
    retention = 0              # keep the bodies and state versions of the newest N heights
                               # (0: all); the snapshot heights' state is kept too
    archive_dir = "archive"    # where pruned bodies go (relative to the node home)
    """

    state_sync: bool = True
    min_gap: int = 256
    snapshot_interval: int = 1000
    snapshot_keep: int = 2
    retention: int = 0
    archive_dir: Path | None = None

    def __post_init__(self) -> None:
        for name in ("min_gap", "snapshot_interval", "snapshot_keep", "retention"):
            if getattr(self, name) < 0:
                raise ValidationError(f"[sync] {name} must not be negative")
        if self.snapshot_interval and self.snapshot_keep < 1:
            raise ValidationError("[sync] snapshot_keep must be at least 1")
        if 0 < self.retention < 64:
            raise ValidationError(
                "[sync] retention must be 0 (keep every body) or at least 64 heights"
            )

    def state_pruning(self) -> StatePruning | None:
        """The state-tree versions the store keeps: those of the newest ``retention`` heights
        and of the snapshot heights kept (None: every version, ``retention = 0``)."""
        if not self.retention:
            return None
        return StatePruning(self.retention, self.snapshot_interval, self.snapshot_keep)


def load_sync_settings(home: Path) -> SyncSettings:
    """The ``[sync]`` section of ``home/node.toml`` (defaults if absent)."""
    path = home / "node.toml"
    try:
        doc = tomllib.loads(path.read_text()) if path.exists() else {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"{path}: {exc}") from None
    sec = dict(doc.get("sync", {}))
    known = {"state_sync", "min_gap", "snapshot_interval", "snapshot_keep", "retention",
             "archive_dir"}  # fmt: skip
    unknown = sorted(set(sec) - known)
    if unknown:
        raise ValidationError(f"{path}: unknown [sync] settings {unknown}")
    try:
        return SyncSettings(
            state_sync=bool(sec.get("state_sync", True)),
            min_gap=int(sec.get("min_gap", 256)),
            snapshot_interval=int(sec.get("snapshot_interval", 1000)),
            snapshot_keep=int(sec.get("snapshot_keep", 2)),
            retention=int(sec.get("retention", 0)),
            archive_dir=home / str(sec.get("archive_dir", "archive")),
        )
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{path}: bad [sync] section: {exc}") from None


# -- the manifest ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a snapshot is: the state at ``height`` (block ``block_hash``, root ``state_root``)
    cut into ``chunks`` ``(depth, subtree hash, leaves)``, left to right."""

    chain_id: str
    height: int
    block_hash: bytes
    state_root: bytes
    chunks: tuple[tuple[int, bytes, int], ...]

    def to_obj(self) -> dict[str, Any]:
        return {
            "format": SNAPSHOT_FORMAT,
            "chain_id": self.chain_id,
            "height": self.height,
            "block_hash": self.block_hash,
            "state_root": self.state_root,
            "chunks": [list(c) for c in self.chunks],
        }

    def to_bytes(self) -> bytes:
        return encode(self.to_obj())

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        try:
            obj = decode(raw)
            if not isinstance(obj, dict) or set(obj) != set(cls._fields()):
                raise ValidationError(f"a manifest is a map of exactly {cls._fields()}")
            if obj["format"] != SNAPSHOT_FORMAT:
                raise ValidationError(f"manifest format {obj['format']!r}, not {SNAPSHOT_FORMAT}")
            chunks = tuple(
                (int(d), bytes(hh), int(n)) for d, hh, n in obj["chunks"] if type(d) is int
            )
            if len(chunks) != len(obj["chunks"]) or any(
                not isinstance(c[1], bytes) or c[2] < 0 for c in chunks
            ):
                raise ValidationError("manifest chunks must be [depth, hash, leaves]")
            return cls(
                str(obj["chain_id"]),
                int(obj["height"]),
                bytes(obj["block_hash"]),
                bytes(obj["state_root"]),
                chunks,
            )
        except (EncodingError, ValidationError, TypeError, ValueError) as exc:
            msg = exc.message if isinstance(exc, WuyiError) else str(exc)
            raise ProofInvalid(f"snapshot manifest is malformed: {msg}") from None

    @staticmethod
    def _fields() -> tuple[str, ...]:
        return ("format", "chain_id", "height", "block_hash", "state_root", "chunks")


# -- making and keeping snapshots -----------------------------------------------------------


class SnapshotDir:
    """``data/snapshots/<height>/{manifest.cbor, chunk-<i>.cbor}``; a snapshot being written is
    ``<height>.tmp`` and renamed when complete."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def heights(self) -> list[int]:
        if not self.path.is_dir():
            return []
        return sorted(int(p.name) for p in self.path.iterdir() if p.name.isdigit() and p.is_dir())

    def manifest_bytes(self, height: int) -> bytes:
        f = self.path / str(height) / "manifest.cbor"
        if not f.exists():
            raise NotFound(f"no snapshot at height {height}", height=height)
        return f.read_bytes()

    def chunk(self, height: int, index: int) -> bytes:
        f = self.path / str(height) / f"chunk-{index:06d}.cbor"
        if index < 0 or not f.exists():
            raise NotFound(f"snapshot {height} has no chunk {index}", height=height)
        return f.read_bytes()

    def prune(self, keep: int) -> None:
        for h in self.heights()[:-keep] if keep else []:
            shutil.rmtree(self.path / str(h), ignore_errors=True)
        for p in self.path.glob("*.tmp") if self.path.is_dir() else []:
            shutil.rmtree(p, ignore_errors=True)


def make_snapshot(store: Store, chain_id: str, height: int, snapdir: SnapshotDir) -> Manifest:
    """Write the snapshot of the state at ``height`` (read in one store snapshot, so this may
    run while later blocks commit, and prune old state versions; :class:`StatePruned` if the
    state at ``height`` is no longer held)."""
    with store.snapshot() as view:
        root = view.state_root_at(height)
        block_hash = view.get_block_hash(height)
        approx = _state_entries(view)  # keys now: an estimate of the keys at ``height``
        cut = max(0, math.ceil(math.log2(approx / CHUNK_LEAVES))) if approx > CHUNK_LEAVES else 0
        frontier = compute_frontier(view, root, cut)
        tmp = snapdir.path / f"{height}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        chunks = []
        for i, (depth, node) in enumerate(frontier):
            pairs = [[k, v] for k, v in iter_leaves(view, node)]
            (tmp / f"chunk-{i:06d}.cbor").write_bytes(encode(pairs))
            chunks.append((depth, node, len(pairs)))
    manifest = Manifest(chain_id, height, block_hash, root, tuple(chunks))
    (tmp / "manifest.cbor").write_bytes(manifest.to_bytes())
    final = snapdir.path / str(height)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return manifest


def _state_entries(view: Any) -> int:
    from wuyi.node.store import DB_STATE

    return int(view._txn.stat(view._s._dbs[DB_STATE])["entries"])


class SyncMaintenance:
    """Snapshots every ``snapshot_interval`` heights and pruning past ``retention``, off the
    commit thread (one background worker; a job still running when the next falls due makes
    that one wait, never two at once). Register with ``node.add_listener``."""

    def __init__(self, node: Node, settings: SyncSettings, emit: Callable[..., None]) -> None:
        self.node = node
        self.settings = settings
        self.emit = emit
        self.snapdir = SnapshotDir(node.store.path.parent / "snapshots")
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="wuyi-snap")
        self._busy = threading.Lock()
        self._pending: set[str] = set()
        self.snapdir.prune(settings.snapshot_keep)
        node.store.configure_state_pruning(settings.state_pruning())

    def __call__(self, block: Block, receipts: list[Receipt]) -> None:
        h = block.height
        s = self.settings
        if s.snapshot_interval and h % s.snapshot_interval == 0:
            self._submit("snapshot", self._snapshot, h)
        if s.retention and h - self.node.store.body_base > s.retention + 64:
            self._submit("prune", self._prune, h - s.retention)

    def _submit(self, kind: str, fn: Callable[[int], None], h: int) -> None:
        with self._busy:
            if kind in self._pending:
                return
            self._pending.add(kind)

        def run() -> None:
            try:
                fn(h)
            except Exception as exc:  # logged and counted; the node goes on
                log.exception("%s at height %d failed", kind, h)
                self.emit(f"{kind}_failed", height=h, error=f"{type(exc).__name__}: {exc}")
            finally:
                with self._busy:
                    self._pending.discard(kind)

        try:
            self._pool.submit(run)
        except RuntimeError:  # shut down
            with self._busy:
                self._pending.discard(kind)

    def _snapshot(self, h: int) -> None:
        m = make_snapshot(self.node.store, self.node.chain.chain_id, h, self.snapdir)
        self.snapdir.prune(self.settings.snapshot_keep)
        self.emit("snapshot", height=h, chunks=len(m.chunks))

    def _prune(self, upto: int) -> None:
        from wuyi.node.archive import archive_and_prune

        assert self.settings.archive_dir is not None
        files = archive_and_prune(self.node, self.settings.archive_dir, upto)
        self.emit("pruned", height=upto, files=len(files))

    def close(self) -> None:
        self._pool.shutdown(wait=True)


# -- serving --------------------------------------------------------------------------------


def serve_snap_request(node: Node, snapdir: SnapshotDir, payload: bytes) -> bytes:
    """Answer one ``snap`` request (any thread; reads only). Errors are answered as
    ``{"error": message}``."""
    try:
        req = decode(payload)
        q = req["q"]
        store = node.store
        if q == "list":
            offers = []
            for h in snapdir.heights():
                try:
                    offers.append([h, store.get_block_hash(h)])
                except NotFound:
                    continue
            return encode({"snapshots": offers, "height": store.height})
        if q == "manifest":
            return encode({"manifest": snapdir.manifest_bytes(int(req["height"]))})
        if q == "chunk":
            return encode({"chunk": snapdir.chunk(int(req["height"]), int(req["index"]))})
        if q == "headers":
            start, n = int(req["from"]), max(0, min(HEADER_BATCH, int(req["max"])))
            with store.snapshot() as view:
                top = min(view.height, start + n - 1)
                out = [encode(view.get_header(h).to_obj()) for h in range(max(1, start), top + 1)]
            return encode({"headers": out})
        if q == "changes":
            return encode({"changes": validator_changes(store, int(req["upto"]))})
        if q == "block":
            h = int(req["height"])
            with store.snapshot() as view:
                return encode(
                    {"block": view.get_block_bytes(h), "receipts": _receipt_bytes(view, h)}
                )
        if q == "receipts":
            start, n = int(req["from"]), max(0, min(RECEIPT_BATCH, int(req["max"])))
            with store.snapshot() as view:
                top = min(view.height, start + n - 1)
                rs = [_receipt_bytes(view, h) for h in range(max(1, start), top + 1)]
            return encode({"receipts": rs})
        if q == "receipt_lists":
            lists = _receipt_lists(store, int(req["from"]), int(req["max"]))
            return encode({"receipt_lists": lists})
        return encode({"error": f"unknown snap request {q!r}"})
    except WuyiError as exc:
        return encode({"error": exc.message, "code": exc.code})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return encode({"error": f"malformed snap request: {exc!r}", "code": "invalid"})


def _receipt_bytes(view: Any, height: int) -> list[bytes]:
    return [r.to_bytes() for r in view.get_receipts(height)]


def _receipt_lists(store: Store, start: int, n: int) -> list[bytes]:
    """Blocks ``start``, ``start + 1``, ... (``start`` >= 1): each one's receipts as stored
    (the canonical array of their encodings), within :data:`RECEIPT_LISTS_BLOCKS` and
    :data:`RECEIPT_LISTS_BYTES`."""
    if start < 1:
        raise ValidationError("receipt_lists start at block 1")
    out: list[bytes] = []
    size = 0
    with store.snapshot() as view:
        top = min(view.height, start + max(0, min(RECEIPT_LISTS_BLOCKS, n)) - 1)
        for h in range(start, top + 1):
            raw = view.get_receipts_bytes(h)
            if out and size + len(raw) > RECEIPT_LISTS_BYTES:
                break
            out.append(raw)
            size += len(raw)
    return out


def validator_changes(store: Store, upto: int) -> list[dict[str, Any]]:
    """Each validator-set change in force by ``upto``: the header of block
    ``effective_height - 1``, its commit QC (kept even when its body was pruned) and the set."""
    return collect_validator_changes(
        store, upto, lambda h: NotFound(f"no commit certificate kept for block {h}")
    )


def collect_validator_changes(
    store: Store, upto: int | None, missing: Callable[[int], WuyiError]
) -> list[dict[str, Any]]:
    """Every validator-set change in force by height ``upto`` (all if ``None``), oldest first,
    as ``{"header", "qc", "validators"}`` (canonical values); ``missing(height)`` is raised
    for a block ``effective_height - 1`` stored without its commit QC."""
    out: list[dict[str, Any]] = []
    with store.snapshot() as view:
        for eff, vs in get_validator_history(view)[1:]:
            if upto is not None and eff > upto:
                break
            qc = view.get_qc_bytes(eff - 1)  # from the body, or kept when it was pruned
            if qc is None:
                raise missing(eff - 1)
            out.append(
                {
                    "header": view.get_header(eff - 1).to_obj(),
                    "qc": decode(qc),
                    "validators": vs.to_obj(),
                }
            )
    return out


# -- state sync -----------------------------------------------------------------------------

Request = Callable[[bytes, bytes, float], Awaitable[bytes]]
"""``request(peer, payload, timeout) -> response`` on the ``snap`` channel."""


def _put_window_entries(writer: SnapshotInstall, entries: Any) -> None:
    writer.put_window_entries(*unpack_window(entries))


class _OldPeer(Exception):
    """The peer answered ``receipt_lists`` as an unknown request."""


class _Liar(Exception):
    def __init__(self, peer: bytes, reason: str) -> None:
        super().__init__(reason)
        self.peer = peer
        self.reason = reason


@dataclass
class SyncResult:
    height: int
    chunks: int
    keys: int
    headers: int
    window_txs: int
    peer: bytes
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each step (``headers`` with the validator changes and block S,
    ``chunks`` with the manifest, ``window``, ``install``): where a join spends its time."""
    workers: int = 0
    """Processes that checked the chunks and receipt arrays (0: a thread of this one)."""


class StateSync:
    """Fetch, verify and install a snapshot for ``node`` (its store at genesis). ``request``
    sends a ``snap`` request; ``penalize(peer, reason)`` reports a peer that lied."""

    def __init__(
        self,
        node: Node,
        request: Request,
        penalize: Callable[[bytes, str], None],
        emit: Callable[..., None] | None = None,
        workers: int | None = None,
    ) -> None:
        """``workers``: processes that check chunks and receipt arrays while this one fetches
        and writes (``None``: one per core, at most 4, none on a single core; ``0``: a thread
        of this process)."""
        self.node = node
        self.workers = workers
        self.verifier = SyncVerifier(0)
        self.request = request
        self.penalize = penalize
        self.emit = emit or (lambda event, **kw: None)
        self.suite = node.suite
        self.h = node.suite.hash
        self.chain_id = node.chain.chain_id

    async def _ask(self, peer: bytes, req: dict[str, Any]) -> dict[str, Any]:
        raw = await self.request(peer, encode(req), REQUEST_TIMEOUT_S)
        try:
            resp = decode(raw)
        except EncodingError as exc:
            raise _Liar(peer, f"malformed answer to {req['q']}: {exc.message}") from None
        if not isinstance(resp, dict):
            raise _Liar(peer, f"malformed answer to {req['q']}")
        if "error" in resp:
            raise NetworkError(f"peer could not answer {req['q']}: {resp['error']}")
        return resp

    async def offers(self, peers: Sequence[bytes]) -> list[tuple[int, bytes, list[bytes]]]:
        """``(height, block hash, peers offering it)``, highest first."""
        found: dict[tuple[int, bytes], list[bytes]] = {}
        for peer in peers:
            try:
                resp = await self._ask(peer, {"q": "list"})
                for h, bh in resp.get("snapshots", []):
                    found.setdefault((int(h), bytes(bh)), []).append(peer)
            except Exception as exc:  # best effort: a peer that serves no snapshots is skipped
                log.info("no snapshot list from %s: %s", peer.hex()[:12], exc)
        return sorted(((h, bh, ps) for (h, bh), ps in found.items()), reverse=True)

    async def run(self, peers: Sequence[bytes], min_height: int) -> SyncResult | None:
        """State-sync from the highest snapshot at or above ``min_height`` that a peer serves
        and that verifies; ``None`` if no peer offers one. :class:`SyncFailed` if every offer
        failed."""
        if self.node.store.height != 0:
            raise SyncFailed("state sync starts from a store that holds only genesis")
        offers = [o for o in await self.offers(peers) if o[0] >= min_height]
        if not offers:
            return None
        failures: list[str] = []
        for height, _bh, holders in offers:
            for peer in holders:
                try:
                    return await self._sync(peer, height)
                except _Liar as exc:
                    self.penalize(exc.peer, f"state sync: {exc.reason}")
                    failures.append(f"{exc.peer.hex()[:12]}: {exc.reason}")
                    log.warning("state sync from %s refused: %s", exc.peer.hex()[:12], exc.reason)
                except (NetworkError, TimeoutError, OSError) as exc:
                    failures.append(f"{peer.hex()[:12]}: {exc}")
                    log.info("state sync from %s failed: %s", peer.hex()[:12], exc)
        raise SyncFailed(
            "state sync: no offered snapshot could be fetched and verified ("
            + "; ".join(failures)
            + ")"
        )

    async def _sync(self, peer: bytes, height: int) -> SyncResult:
        loop = asyncio.get_running_loop()
        store = self.node.store
        self.emit("state_sync_start", height=height, peer=peer.hex())
        seconds: dict[str, float] = {}
        t0 = time.perf_counter()

        def lap(step: str) -> None:
            nonlocal t0
            t1 = time.perf_counter()
            seconds[step] = round(t1 - t0, 3)
            t0 = t1

        await loop.run_in_executor(None, store.clear_staging)
        self.verifier = SyncVerifier(self.workers)  # the workers start while headers are checked
        try:
            return await self._sync_with(peer, height, seconds, lap)
        finally:
            await loop.run_in_executor(None, self.verifier.close)
            self.verifier = SyncVerifier(0)

    async def _sync_with(
        self, peer: bytes, height: int, seconds: dict[str, float], lap: Callable[[str], None]
    ) -> SyncResult:
        loop = asyncio.get_running_loop()
        store = self.node.store
        headers = await self._headers(peer, height)
        trusted = await self._trusted_sets(peer, height, headers)
        block, receipts = await self._top_block(peer, height, headers, trusted)
        lap("headers")
        writer = store.begin_snapshot_install()
        try:
            manifest, prefixes = await self._manifest(peer, height, headers, writer)
            keys_n, params_raw = await self._chunks(peer, manifest, prefixes, writer)
            lap("chunks")
            if params_raw is None:
                raise _Liar(peer, "the snapshot holds no chain parameters")
            window_size = ChainParams.from_obj(decode(params_raw)).max_expiry_window
            window_n = await self._window(peer, height, window_size, headers, writer)
            lap("window")
            from wuyi.node.node import _index_entries

            txs = [Transaction.from_bytes(t) for t in block.txs]
            qcs = {ch.header.height: encode(ch.qc.to_obj()) for ch in trusted[1]}
            await loop.run_in_executor(
                None,
                lambda: writer.install(
                    headers=headers[1:],
                    qcs=qcs,
                    block=block,
                    receipts=receipts,
                    window=(),  # written as it was verified
                    replay_until=height + window_size,
                    index_entries=_index_entries(
                        self.suite, block, txs, [r.tx_hash for r in receipts]
                    ),
                ),
            )
        finally:
            await loop.run_in_executor(None, writer.abort)  # nothing to drop once installed
        self.node.reload_after_sync()
        lap("install")
        self.emit("state_synced", height=height, chunks=len(manifest.chunks), keys=keys_n)
        return SyncResult(
            height,
            len(manifest.chunks),
            keys_n,
            height,
            window_n,
            peer,
            seconds,
            self.verifier.workers,
        )

    async def _headers(self, peer: bytes, height: int) -> list[tuple[bytes, BlockHeader]]:
        genesis = self.node.store.get_header(0)
        out = [(self.node.genesis_hash, genesis)]
        while len(out) <= height:
            start = len(out)
            resp = await self._ask(
                peer, {"q": "headers", "from": start, "max": min(HEADER_BATCH, height - start + 1)}
            )
            got = resp.get("headers")
            if not isinstance(got, list) or not got:
                raise _Liar(peer, f"no headers from {start}")
            for raw in got:
                try:
                    header = BlockHeader.from_obj(decode(raw))
                except (EncodingError, ValidationError, TypeError) as exc:
                    raise _Liar(peer, f"header {len(out)} is malformed: {exc}") from None
                prev_hash, prev = out[-1]
                if header.height != prev.height + 1 or header.prev_hash != prev_hash:
                    raise _Liar(peer, f"header {header.height} does not link to {prev.height}")
                if header.chain_id != self.chain_id:
                    raise _Liar(peer, f"header {header.height} is for another chain")
                out.append((header.compute_hash(self.suite), header))
                if len(out) > height:
                    break
        return out

    async def _trusted_sets(
        self, peer: bytes, height: int, headers: list[tuple[bytes, BlockHeader]]
    ) -> tuple[TrustedSets, list[ValidatorChange]]:
        trusted = TrustedSets(
            self.suite,
            self.chain_id,
            headers[0][1],
            self.node.validators(0),
            pinned=self.node.genesis_hash,
        )
        resp = await self._ask(peer, {"q": "changes", "upto": height})
        changes: list[ValidatorChange] = []
        try:
            for c in resp["changes"]:
                change = ValidatorChange.from_obj(c)
                at = change.header.height
                if not 0 < at < height or headers[at][1] != change.header:
                    raise _Liar(peer, f"validator change at {at + 1} is not in the header chain")
                trusted.add_change(change)
                changes.append(change)
        except ProofInvalid as exc:
            raise _Liar(peer, exc.message) from None
        except (KeyError, TypeError, ValidationError, EncodingError) as exc:
            raise _Liar(peer, f"malformed validator changes: {exc}") from None
        return trusted, changes

    async def _top_block(
        self,
        peer: bytes,
        height: int,
        headers: list[tuple[bytes, BlockHeader]],
        trusted: tuple[TrustedSets, list[ValidatorChange]],
    ) -> tuple[Block, list[Receipt]]:
        resp = await self._ask(peer, {"q": "block", "height": height})
        try:
            block = Block.from_bytes(resp["block"])
            receipt_bytes = list(resp["receipts"])
            receipts = [Receipt.from_obj(decode(r)) for r in receipt_bytes]
        except (KeyError, TypeError, ValidationError, EncodingError) as exc:
            raise _Liar(peer, f"block {height} is malformed: {exc}") from None
        if block.header != headers[height][1]:
            raise _Liar(peer, f"block {height} is not the header chain's block {height}")
        try:
            trusted[0].certify(block.header, block.qc, what=f"snapshot block {height}")
        except ProofInvalid as exc:
            raise _Liar(peer, exc.message) from None
        self._check_bodies(peer, block.header, receipt_bytes, receipts)
        if compute_root(self.h, list(block.txs)) != block.header.tx_root:
            raise _Liar(peer, f"block {height}'s transactions do not match its tx_root")
        return block, receipts

    def _check_bodies(
        self, peer: bytes, header: BlockHeader, raw: list[bytes], receipts: list[Receipt]
    ) -> None:
        if len(receipts) != header.tx_count or any(
            r.to_bytes() != b for r, b in zip(receipts, raw, strict=True)
        ):
            raise _Liar(peer, f"receipts of block {header.height} are malformed")
        if compute_root(self.h, raw) != header.receipts_root:
            raise _Liar(peer, f"receipts of block {header.height} do not match its receipts_root")

    async def _manifest(
        self,
        peer: bytes,
        height: int,
        headers: list[tuple[bytes, BlockHeader]],
        writer: SnapshotInstall,
    ) -> tuple[Manifest, list[int]]:
        resp = await self._ask(peer, {"q": "manifest", "height": height})
        manifest = Manifest.from_bytes(resp.get("manifest", b""))
        block_hash, header = headers[height]
        if (
            manifest.height != height
            or manifest.chain_id != self.chain_id
            or manifest.block_hash != block_hash
            or manifest.state_root != header.state_root
        ):
            raise _Liar(peer, f"the manifest is not block {height}'s state")
        upper: dict[bytes, bytes] = {}
        try:
            frontier = [(d, hh) for d, hh, _ in manifest.chunks]
            root, prefixes = fold_frontier(self.h, frontier, upper)
        except ProofInvalid as exc:
            raise _Liar(peer, exc.message) from None
        if root != header.state_root:
            raise _Liar(peer, f"the manifest's chunks do not fold to block {height}'s state root")
        # the tree's nodes above the chunks (verified by the fold)
        await asyncio.get_running_loop().run_in_executor(None, writer.put_state, [], upper.items())
        return manifest, prefixes

    async def _chunks(
        self, peer: bytes, manifest: Manifest, prefixes: list[int], writer: SnapshotInstall
    ) -> tuple[int, bytes | None]:
        """Fetch and verify every chunk (:data:`CHUNKS_IN_FLIGHT` requests at a time) and write
        them :data:`CHUNKS_PER_WRITE` at a time into ``writer``'s transaction; the next group
        is fetched and verified while one is written, so at most two groups are in memory."""
        loop = asyncio.get_running_loop()
        params: list[bytes] = []
        sem = asyncio.Semaphore(CHUNKS_IN_FLIGHT)
        # a chunk verified: check_chunk's flat pairs and nodes (marshal bytes from a worker)

        async def one(i: int) -> Any:
            if manifest.chunks[i][2] == 0:
                if manifest.chunks[i][1] != bytes(32):
                    raise _Liar(peer, f"snapshot chunk {i}: no leaves but a non-empty subtree")
                return [], []  # flat pairs and nodes
            async with sem:
                resp = await self._ask(peer, {"q": "chunk", "height": manifest.height, "index": i})
            raw = resp.get("chunk", b"")
            packed = self.verifier.workers > 0
            reason, flat = await self.verifier.run(
                check_chunk, self.suite.name, manifest.chunks[i], i, prefixes[i], raw, packed
            )
            if reason:
                raise _Liar(peer, reason)
            return flat

        def stage(group: list[Any]) -> int:
            flats = [unpack_chunk(f) for f in group]
            pairs = itertools.chain.from_iterable(pairs_of(p) for p, _ in flats)
            writer.put_state(pairs, itertools.chain.from_iterable(pairs_of(n) for _, n in flats))
            for p, _ in flats:
                value = find_value(p, keys.PARAMS)
                if value is not None:
                    params.append(value)
            return sum(len(p) for p, _ in flats) // 2

        n = len(manifest.chunks)

        def start(first: int) -> list[asyncio.Future[Any]]:
            return [asyncio.ensure_future(one(i)) for i in range(first, min(n, first + per))]

        per = CHUNKS_PER_WRITE
        total = 0
        tasks = start(0)
        try:
            for first in range(0, n, per):
                group = [await t for t in tasks]
                tasks = start(first + per)  # fetched and verified while this group is written
                total += await loop.run_in_executor(None, stage, group)
        finally:
            for t in tasks:
                t.cancel()
        return total, params[0] if params else None

    async def _window(
        self,
        peer: bytes,
        height: int,
        window_size: int,
        headers: list[tuple[bytes, BlockHeader]],
        writer: SnapshotInstall,
    ) -> int:
        """Write into ``writer`` the transaction hashes of blocks ``height - window_size ..
        height - 1`` (those whose transactions may not have expired), each block's checked
        against its receipts root first; return how many.

        Asked in bulk (``receipt_lists``: up to :data:`RECEIPT_LISTS_BLOCKS` blocks' stored
        receipt arrays per answer), :data:`WINDOW_SPANS` spans of the window at a time, each
        answer checked by the verifier's workers and written while the next is checked; from
        a peer that does not serve that, per block (``receipts``)."""
        loop = asyncio.get_running_loop()
        until = height + window_size
        first = max(1, height - window_size)
        per_span = min(RECEIPT_LISTS_BLOCKS, max(1, -(-(height - first) // WINDOW_SPANS)))
        spans = [(a, min(height, a + per_span)) for a in range(first, height, per_span)]
        sem = asyncio.Semaphore(max(2, self.verifier.workers + 1))
        tasks = [
            asyncio.ensure_future(self._window_span(peer, a, b, headers, sem, writer, until))
            for a, b in spans
        ]
        try:
            return sum([await t for t in tasks])
        except _OldPeer:
            pass
        finally:
            for t in tasks:
                if t.done() and not t.cancelled():
                    t.exception()  # retrieved: the first failure is the one reported
                t.cancel()
        # nothing was written by a peer that predates receipt_lists (its first answer says so)
        window = await self._window_per_block(peer, first, height, headers)
        await loop.run_in_executor(None, writer.put_window, window, until)
        return len(window)

    async def _window_span(
        self,
        peer: bytes,
        a: int,
        b: int,
        headers: list[tuple[bytes, BlockHeader]],
        sem: asyncio.Semaphore,
        writer: SnapshotInstall,
        until: int,
    ) -> int:
        """Blocks ``a .. b - 1``: each one's transaction hashes written once its stored receipt
        array folds to its receipts root (:func:`check_receipt_lists`); how many."""
        loop = asyncio.get_running_loop()
        n = 0
        while a < b:
            async with sem:  # bounds the answers held: one per worker, one more being fetched
                req = {"q": "receipt_lists", "from": a, "max": b - a}
                answer = await self.request(peer, encode(req), REQUEST_TIMEOUT_S)
                try:
                    resp = decode(answer)
                except EncodingError as exc:
                    raise _Liar(peer, f"malformed answer to receipt_lists: {exc.message}") from None
                if isinstance(resp, dict) and "error" in resp:
                    if "code" not in resp:
                        raise _OldPeer()  # an unknown request: a peer that predates receipt_lists
                    raise NetworkError(f"peer could not answer receipt_lists: {resp['error']}")
                got = resp.get("receipt_lists") if isinstance(resp, dict) else None
                if not isinstance(got, list) or not got:
                    raise _Liar(peer, f"no receipt lists from block {a}")
                lists = got[: b - a]
                roots = [
                    (headers[a + k][1].tx_count, headers[a + k][1].receipts_root)
                    for k in range(len(lists))
                ]
                reason, entries, count = await self.verifier.run(
                    check_receipt_lists,
                    self.suite.name,
                    a,
                    lists,
                    roots,
                    until,
                    self.verifier.workers > 0,
                )
            if reason:
                raise _Liar(peer, reason)
            await loop.run_in_executor(None, _put_window_entries, writer, entries)
            n += count
            a += len(lists)
        return n

    async def _window_per_block(
        self, peer: bytes, h: int, height: int, headers: list[tuple[bytes, BlockHeader]]
    ) -> list[tuple[int, int, bytes]]:
        """The window from a peer that predates ``receipt_lists``: ``receipts`` of up to
        :data:`RECEIPT_BATCH` blocks per answer, each receipt decoded and re-encoded."""
        out: list[tuple[int, int, bytes]] = []
        while h < height:
            if headers[h][1].tx_count == 0:
                h += 1
                continue
            n = min(RECEIPT_BATCH, height - h)
            resp = await self._ask(peer, {"q": "receipts", "from": h, "max": n})
            got = resp.get("receipts")
            if not isinstance(got, list) or not got:
                raise _Liar(peer, f"no receipts from block {h}")
            for rs in got[: height - h]:
                header = headers[h][1]
                try:
                    raw = list(rs)
                    receipts = [Receipt.from_obj(decode(r)) for r in raw]
                except (TypeError, ValidationError, EncodingError) as exc:
                    raise _Liar(peer, f"receipts of block {h} are malformed: {exc}") from None
                self._check_bodies(peer, header, raw, receipts)
                out.extend((h, i, r.tx_hash) for i, r in enumerate(receipts))
                h += 1
        return out
