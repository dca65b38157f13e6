"""The validator adapter: the pure Tendermint replica driven over the real network and ledger.

One thread runs an asyncio loop that owns the replica: every input (peer message, timer,
payload, execution result, mempool status) goes through ``Replica.step`` one at a time, and the
actions that come out are performed here:

* ``Broadcast``/``Send``  → :class:`wuyi.network.PeerNetwork`, channel ``cons``;
* ``SetTimer``            → ``loop.call_later`` (one pending timer per kind);
* ``RequestPayload``      → build the next ledger block from the mempool (``build_block``) on top
  of the parent's state and answer ``PayloadReady``;
* ``Commit``              → attach the QC, commit block + state + indexes in one store
  transaction, answer ``BlockExecuted``;
* ``ReportEvidence``      → log and count it, and submit it to the chain as a
  ``consensus.evidence`` transaction (:mod:`wuyi.node.misbehaviour`).

The consensus ``Block`` carries the ledger block (header and transactions) as its payload and
its hash *is* the ledger header hash, so a commit QC certifies exactly the block explorers,
bundles and light clients see. ``validate_block`` executes the proposed block (``apply_block``)
on top of its parent — the committed state, or the speculative result of a parent decided but
not yet stored — and keeps the result, so a committed block is executed once.

Other channels: ``tx`` (transaction gossip between mempools) and ``sync`` (request/response:
blocks with their QCs for a node that is behind; it checks each QC against the validator set it
knows before applying the block).

Private side-cars (``wuyi.ledger.sidecar``) travel with their transactions on every path and
never inside a block: gossip items are ``{tx, sidecars}``, a proposal's payload is the envelope
``{block, sidecars}`` (its hash is still the ledger header's), sync answers carry the
side-cars of the blocks they serve (those this node still holds). A block whose side-car this
node lacks is never executed differently: a proposal gets a nil prevote, a decided block makes
the node resync from peers, and catch-up stops with :class:`SidecarMissing` naming the height
when no peer holds it any more (past their retention period).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.consensus import (
    Action,
    BlockExecuted,
    Broadcast,
    Checkpoint,
    Commit,
    Event,
    MempoolStatus,
    MessageReceived,
    PayloadReady,
    QuorumCertificate,
    Replica,
    ReportEvidence,
    RequestPayload,
    SafetyRules,
    Send,
    SetTimer,
    TimerFired,
    ValidatorSet,
    ValidatorUpdate,
    encode_message,
)
from wuyi.consensus import (
    Block as CBlock,
)
from wuyi.crypto import address_of, format_address
from wuyi.encoding import decode, encode
from wuyi.exceptions import (
    BlockInvalid,
    EncodingError,
    InvariantBroken,
    ProofInvalid,
    SidecarMissing,
    ValidationError,
    WalCorrupted,
    WuyiError,
)
from wuyi.ledger import keys
from wuyi.ledger.execute import BlockResult, apply_block, build_block
from wuyi.ledger.handlers.validators import compute_pending_update
from wuyi.ledger.lightclient import validate_commit_qc
from wuyi.ledger.sidecar import (
    compute_sidecar_hash,
    decode_carried,
    decode_envelope,
    encode_carried,
    encode_envelope,
)
from wuyi.ledger.state_view import Layer
from wuyi.ledger.types import Block, BlockHeader
from wuyi.node.archive import ArchiveReader
from wuyi.node.consensus_io import FileWAL, SafetyFile
from wuyi.node.misbehaviour import EvidenceReporter
from wuyi.node.node import Node, tx_hash_of
from wuyi.node.p2p_config import P2PSettings
from wuyi.node.peering import Peering, touches_membership
from wuyi.node.snapshots import (
    CHANNEL as SNAP_CHANNEL,
)
from wuyi.node.snapshots import (
    StateSync,
    SyncMaintenance,
    SyncSettings,
    serve_snap_request,
)
from wuyi.state import StateTree

__all__ = ["ValidatorRunner"]

log = logging.getLogger("wuyi.validator")

SYNC_BATCH = 64
REGOSSIP_S = 3.0
LAG_CHECK_S = 2.0
LAG_HEIGHTS = 4
WAL_TRUNCATE_EVERY = 10
REGOSSIP_MAX = 2000
RECEIVED_SIDECAR_BYTES = 64 * 1024 * 1024
"""Bytes of side-cars received with proposals and sync answers kept in memory until used."""


@dataclass
class _Speculative:
    """A block this node executed but has not committed yet."""

    block: Block
    result: BlockResult
    parent_hash: bytes
    seen_at: float = 0.0
    """When this node began executing the proposal (``perf_counter``; for metrics)."""


class _Overlay(Layer):
    """State (flat values and tree nodes) of speculative blocks over the committed store."""

    def __init__(self, base: Any, specs: list[_Speculative]) -> None:
        super().__init__(base)
        self.nodes: dict[bytes, bytes] = {}
        self.txs: set[bytes] = set()
        for s in specs:  # oldest first
            self.writes.update(s.result.changes)
            self.nodes.update(s.result.new_nodes)
            self.txs.update(s.result.tx_hashes)

    def get_node(self, node_hash: bytes) -> bytes | None:
        n = self.nodes.get(node_hash)
        if n is not None:
            return n
        v: bytes | None = self.base.get_node(node_hash)
        return v

    def is_committed(self, tx_hash: bytes) -> bool:
        return tx_hash in self.txs or self.base.get_tx_location(tx_hash) is not None


class ValidatorRunner:
    """Runs consensus for ``node`` on its own thread; same surface as ``BlockProducer``."""

    def __init__(
        self,
        node: Node,
        key: PrivateKey,
        settings: P2PSettings,
        *,
        on_halt: Callable[[], None] | None = None,
        emit: Callable[..., None] | None = None,
        network_factory: Callable[..., Any] | None = None,
        next_key: Callable[[bytes], PrivateKey | None] | None = None,
        sync: SyncSettings | None = None,
    ) -> None:
        self.node = node
        self._next_key = next_key
        """``next_key(public_key)``: the validator's next consensus key if it is the one given
        (``keys/validator.next.key``, made the current key file), else None; called when a
        ``validator.rotate_key`` has moved this node to another key."""
        self._network_factory = network_factory
        self.key = key
        self.settings = settings
        self.on_halt = on_halt
        self.emit = emit or (lambda event, **kw: None)
        self.suite = node.suite
        self.chain_id = node.chain.chain_id
        data = node.store.path.parent
        self.wal = FileWAL(data / "consensus.wal")
        if self.wal.repaired is not None:  # a crash mid-write: the torn tail was cut off
            self.emit(
                "wal_repaired",
                path=str(self.wal.path),
                offset=self.wal.repaired.offset,
                reason=self.wal.repaired.reason,
            )
        if self.wal.converted:
            self.emit("wal_converted", path=str(self.wal.path), records=self.wal.converted)
        self.safety_path = data / "safety.json"
        self.safety_file = SafetyFile(self.safety_path)
        self.evidence = EvidenceReporter(node, key, self._hash_block, self.emit)
        self.error: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.replica: Replica | None = None
        self.network: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._timer_at: dict[str, tuple[int, int]] = {}
        """(height, round) of each pending timer: an older one never replaces a newer one."""
        self._spec: dict[bytes, _Speculative] = {}
        self._queue: list[Event] = []
        self._stepping = False
        self._has_txs = False
        self._last_commit_time = 0.0
        self._round = 0
        self._syncing = False
        self._decoded: dict[bytes, Block] = {}
        self._regossip_handle: asyncio.TimerHandle | None = None
        self._exec_ms: dict[bytes, float] = {}
        self._writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="wuyi-store")
        self._decided_height = node.store.height
        self._last_write: concurrent.futures.Future[None] | None = None
        self._lag_handle: asyncio.TimerHandle | None = None
        self._lag_peer = 0
        self._resyncing = False
        self._bg_tasks: set[asyncio.Task[None]] = set()
        self._received: dict[bytes, bytes] = {}
        self._received_bytes = 0
        self._sidecar_gap: SidecarMissing | None = None
        self.timeouts: dict[str, int] = {}
        """Timeouts of the current height and round that fired, by timer kind (metrics)."""
        self.peering = Peering(node, settings, key.public_key)
        node.add_submit_listener(self._on_submitted)
        self.sync = sync or SyncSettings(archive_dir=data.parent / "archive")
        """State sync, snapshots and pruning (``[sync]``, :mod:`wuyi.node.snapshots`)."""
        self.maintenance = SyncMaintenance(node, self.sync, self.emit)
        node.add_listener(self.maintenance)
        if self.sync.archive_dir is not None and node.archive is None:
            node.archive = ArchiveReader(self.sync.archive_dir)

    # -- lifecycle (called from other threads) ------------------------------------------------

    @property
    def running(self) -> bool:
        return self._ready.is_set() and self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="wuyi-consensus", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        loop = self.loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)
        self._writer.shutdown(wait=True)  # blocks handed to the writer are stored
        self.maintenance.close()
        self.wal.close()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._start_async())
            self._ready.set()
            if not self._stopping.is_set():
                loop.run_forever()
        except RuntimeError:
            if not self._stopping.is_set():
                raise
            # stop() arrived while still starting (catch-up): not an error
        except BaseException as exc:  # halt loudly: a validator never limps on
            self.error = exc
            code = exc.code if isinstance(exc, WuyiError) else "internal"
            self.emit("halt", code=code, error=f"{type(exc).__name__}: {exc}")
            log.exception("consensus halted")
        finally:
            for t in self._timers.values():
                t.cancel()
            if self._regossip_handle is not None:
                self._regossip_handle.cancel()
            if self._lag_handle is not None:
                self._lag_handle.cancel()
            for task in list(self._bg_tasks):
                task.cancel()
            if self.network is not None:
                try:
                    loop.run_until_complete(self.network.stop())
                except Exception:  # pragma: no cover - best effort at shutdown
                    log.exception("network stop failed")
            loop.close()
        if self.error is not None and self.on_halt is not None:
            self.on_halt()

    async def _start_async(self) -> None:
        if self._network_factory is not None:
            factory = self._network_factory
        else:
            from wuyi.network import PeerNetwork as factory
        self.network = factory(
            chain_id=self.chain_id,
            suite=self.suite,
            key=self.key,
            settings=self.settings,
            is_allowed=self._is_allowed,
            on_message=self._on_message,
            on_request=self._on_request,
            check_certificate=self.peering.check_certificate,
            trust_anchors=self.peering.trust_anchors,
            tls_check_interval=self.settings.tls_check_s,
        )
        await self.network.start()
        self._membership_changed()
        await self._catch_up()
        self._start_replica()
        self._regossip_handle = asyncio.get_running_loop().call_later(REGOSSIP_S, self._regossip)
        self._lag_handle = asyncio.get_running_loop().call_later(LAG_CHECK_S, self._lag_check)

    def _start_resync(self) -> None:
        loop = self.loop
        if loop is None or self._resyncing:
            return
        task = loop.create_task(self._resync())
        self._bg_tasks.add(task)
        task.add_done_callback(self._bg_tasks.discard)

    def _lag_check(self) -> None:
        """Every few seconds, ask one peer how high it is; a node more than ``LAG_HEIGHTS``
        behind leaves consensus, catches up with batch block sync and rejoins (inside
        consensus it would only gain one height per round trip)."""
        assert self.loop is not None
        self._lag_handle = self.loop.call_later(LAG_CHECK_S, self._lag_check)
        if self._resyncing or self.replica is None or self.network is None:
            return
        peers = self.network.connected()
        if peers:
            self._lag_peer = (self._lag_peer + 1) % len(peers)
            task = self.loop.create_task(self._maybe_resync(peers[self._lag_peer]))
            self._bg_tasks.add(task)
            task.add_done_callback(self._bg_tasks.discard)

    async def _maybe_resync(self, peer: bytes) -> None:
        try:
            raw = await self.network.request(
                peer, "sync", encode({"from": self.node.store.height + 1, "max": 0}), 5.0
            )
            top = int(decode(raw)["height"])
        except (TimeoutError, WuyiError, KeyError, TypeError, ValueError, OSError):
            return
        if top <= self._decided_height + LAG_HEIGHTS or self._resyncing:
            return
        await self._resync(top)

    async def _drop_replica(self) -> None:
        """Stop consensus for a restart: no replica, no timers, every decided block stored,
        no speculative execution kept (resync and key rotation start a new replica after)."""
        self.replica = None  # inputs wait in the queue; the new replica starts clean
        for t in self._timers.values():
            t.cancel()
        self._timers.clear()
        self._timer_at.clear()
        if self._last_write is not None:  # everything decided is stored first
            await asyncio.get_running_loop().run_in_executor(None, self._last_write.result)
        self._spec.clear()
        self._exec_ms.clear()

    async def _resync(self, top: int | None = None) -> None:
        """Leave consensus, catch up with batch block sync, rejoin."""
        if self._resyncing:
            return
        self._resyncing = True
        try:
            self.emit("resync", height=self._decided_height, peer_height=top)
            await self._drop_replica()
            await self._catch_up()
            self._queue.clear()
            self._start_replica()
        except SidecarMissing as exc:  # no peer holds what the next block needs: halt loudly
            self.error = exc
            self.emit("halt", code=exc.code, error=exc.message)
            log.error("consensus halted: %s", exc.message)
            assert self.loop is not None
            self.loop.stop()
        finally:
            self._resyncing = False

    def _regossip(self) -> None:
        """Offer the oldest pending transactions to peers again (a peer that was down or
        cut off when they arrived has not seen them); duplicates are refused cheaply."""
        raws = self.node.mempool.take(REGOSSIP_MAX, 4 * 1024 * 1024)
        if raws and self.network is not None:
            self.network.broadcast("tx", self._carried(raws))
        assert self.loop is not None
        self._regossip_handle = self.loop.call_later(REGOSSIP_S, self._regossip)

    # -- peers --------------------------------------------------------------------------------

    def _is_allowed(self, public_key: bytes) -> bool:
        return self.peering.is_allowed(public_key)

    def _membership_changed(self) -> None:
        """A block changed node records, CAs, revocations or the validator set: take it into
        account without a restart (see ``wuyi/node/peering.py``)."""
        self.peering.reload()
        net = self.network
        if net is None:
            return
        for name, *args in (
            ("reload_tls",),
            ("set_peers", self.peering.peers()),
            ("revalidate",),
        ):
            fn = getattr(net, name, None)  # the loopback test network has none of these
            if fn is not None:
                fn(*args)

    def _on_message(self, peer: bytes, channel: str, payload: bytes) -> None:
        if channel == "cons":
            self._feed(MessageReceived(payload))
        elif channel == "tx":
            self._on_gossip(peer, payload)
        else:
            log.info("ignoring message on unknown channel %r", channel)

    async def _on_request(self, peer: bytes, channel: str, payload: bytes) -> bytes:
        if channel == SNAP_CHANNEL:  # snapshots and what checks them: disk reads, off the loop
            return await asyncio.get_running_loop().run_in_executor(
                None, serve_snap_request, self.node, self.maintenance.snapdir, payload
            )
        if channel != "sync":
            return encode({"error": f"unknown channel {channel}"})
        try:
            req = decode(payload)
            start = int(req["from"])
            limit = max(0, min(SYNC_BATCH, int(req.get("max", SYNC_BATCH))))
        except (EncodingError, KeyError, TypeError, ValueError, AttributeError):
            self.network.penalize(peer, "malformed sync request")
            return encode({"error": "malformed sync request"})
        store = self.node.store
        top = store.height
        heights = range(max(1, start), min(top, start + limit - 1) + 1)
        blocks = [store.get_block_bytes(h) for h in heights]
        sidecars = [sc for h in heights for sc in store.block_sidecars(h).values()]
        return encode({"height": top, "blocks": blocks, "sidecars": sidecars})

    def _on_gossip(self, peer: bytes, payload: bytes) -> None:
        try:
            items = decode(payload)
            if not isinstance(items, list):
                raise EncodingError("gossip must be a list of transactions")
            carried = [decode_carried(x) for x in items]
        except (EncodingError, ValidationError):
            self.network.penalize(peer, "malformed transaction gossip")
            return
        raws = [r for r, _ in carried]
        scs = [sc for _, sc in carried]
        loop = self.loop
        assert loop is not None
        # Admission checks signatures (worker processes); keep them off the consensus loop.
        fut = loop.run_in_executor(None, self.node.submit_many, raws, "peer", scs)
        fut.add_done_callback(lambda _f: self._mempool_changed())

    def _call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the consensus loop, from any thread; a no-op once stopped."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed between the check and now
            loop.call_soon_threadsafe(fn, *args)

    def _on_submitted(self, raws: list[bytes], origin: str) -> None:
        """Called by the node (any thread) after transactions were admitted."""
        if origin == "client" and raws:
            self._call_soon(self._gossip, raws)
        self._call_soon(self._mempool_changed)

    def _gossip(self, raws: list[bytes]) -> None:
        if self.network is not None:
            self.network.broadcast("tx", self._carried(raws))

    def _carried(self, raws: list[bytes]) -> bytes:
        """Gossip of ``raws``, each with the private side-cars pooled with it."""
        pool = self.node.mempool
        return encode([encode_carried(r, pool.sidecars_of(r)) for r in raws])

    # -- side-cars received with proposals and sync answers -----------------------------------

    def _remember_sidecars(self, sidecars: list[bytes]) -> None:
        """Keep side-cars a proposal or sync answer brought, by their own hash (bytes that
        match no reference are simply never looked up), within a memory bound."""
        for data in sidecars:
            h = compute_sidecar_hash(self.suite, data)
            if h in self._received:
                continue
            self._received[h] = data
            self._received_bytes += len(data)
        while self._received_bytes > RECEIVED_SIDECAR_BYTES and self._received:
            oldest = next(iter(self._received))
            self._received_bytes -= len(self._received.pop(oldest))

    def _sidecar(self, sidecar_hash: bytes) -> bytes | None:
        data = self._received.get(sidecar_hash)
        return data if data is not None else self.node.sidecar(sidecar_hash)

    def _mempool_changed(self) -> None:
        has = self._has_pending()
        if has != self._has_txs:
            self._has_txs = has
            self._feed(MempoolStatus(has))

    def _has_pending(self) -> bool:
        """Whether the pool holds a transaction that no decided block carries.

        A decided block's transactions stay in the pool until the store writer has written it
        (pipelining), and the next height starts at once: counting them, the replica would be
        told there is work and propose an empty block after every block that emptied the pool.
        """
        pool = self.node.mempool
        decided = [s for s in self._spec.values() if s.block.height <= self._decided_height]
        carried = sum(len(s.result.tx_hashes) for s in decided)
        if carried and len(pool) <= carried:
            # exact count, only when the pool is small enough to be all in flight; counted
            # before the pool's size so that a concurrent removal errs towards "idle", which
            # the writer's callback corrects (``_written``), never towards an empty block
            carried = sum(pool.contains(h) for s in decided for h in s.result.tx_hashes)
        return len(pool) > carried

    # -- catch-up -----------------------------------------------------------------------------

    async def _catch_up(self) -> None:
        """Before joining consensus, fetch and verify blocks from peers, QC by QC."""
        self._syncing = True
        try:
            deadline = time.monotonic() + (3.0 if self.settings.peers else 0.0)
            while not self.network.connected() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if self.sync.state_sync and self.node.store.height == 0:
                await self._state_sync()
            progressed = True
            while progressed and not self._stopping.is_set():
                progressed = False
                self._sidecar_gap = None
                for peer in list(self.network.connected()):
                    progressed |= await self._sync_from(peer)
            gap = self._sidecar_gap
            if gap is not None and gap.detail.get("height") == self.node.store.height + 1:
                raise SidecarMissing(
                    f"cannot replay block {gap.detail['height']}: it needs private side-car"
                    f" {gap.detail.get('sidecar', '?')}, which this node does not hold and no"
                    " peer served (peers keep side-cars only for their retention period,"
                    " node.toml [privacy] sidecar_retention_days). Start it afresh from a"
                    " peer's verified snapshot taken after that height (state sync, node.toml"
                    " [sync] state_sync = true, docs/state-sync.md), restore it from a backup"
                    " of a validator taken after that height (wuyi restore), or sync it from a"
                    " peer that still retains the side-cars",
                    **gap.detail,
                )
        finally:
            self._syncing = False

    async def _state_sync(self) -> None:
        """A fresh node starts from the highest verified snapshot a peer offers (at least
        ``min_gap`` heights ahead), then block sync goes on from there."""
        net = self.network

        async def request(peer: bytes, payload: bytes, timeout: float) -> bytes:
            raw: bytes = await net.request(peer, SNAP_CHANNEL, payload, timeout)
            return raw

        syncer = StateSync(self.node, request, net.penalize, self.emit)
        try:
            result = await syncer.run(list(net.connected()), self.sync.min_gap)
        except WuyiError as exc:  # SyncFailed: every offer failed; replay from genesis instead
            log.warning("state sync failed, syncing blocks from genesis: %s", exc)
            self.emit("state_sync_failed", error=str(exc))
            return
        if result is not None:
            self._decided_height = result.height
            self._membership_changed()

    async def _sync_from(self, peer: bytes) -> bool:
        store = self.node.store
        start = store.height + 1
        try:
            raw = await self.network.request(peer, "sync", encode({"from": start}), 10.0)
            resp = decode(raw)
            blocks = [Block.from_bytes(b) for b in resp["blocks"]]
            sidecars = resp.get("sidecars", [])
            if not isinstance(sidecars, list) or not all(isinstance(x, bytes) for x in sidecars):
                raise EncodingError("sync answer: sidecars must be a list of byte strings")
            self._remember_sidecars(sidecars)
        except (TimeoutError, WuyiError, KeyError, TypeError, OSError) as exc:
            log.info("sync from %s failed: %s", peer.hex()[:12], exc)
            return False
        for block in blocks:
            if block.height != store.height + 1 or block.qc is None:
                self.network.penalize(peer, "sync sent an out-of-order or uncertified block")
                return False
            try:
                # a light client's rule (wuyi.ledger.lightclient): commit votes of the set in
                # force, never a quorum of prevotes (that block may not be the one committed)
                validate_commit_qc(
                    self.suite,
                    self.chain_id,
                    self.node.validators(block.height),
                    block.qc,
                    height=block.height,
                    block_hash=block.compute_hash(self.suite),
                )
                result = self._execute(block, block.header.prev_hash)
            except SidecarMissing as exc:
                # Not the block's fault: this peer no longer holds it (retention); try another.
                log.warning("sync from %s: %s", peer.hex()[:12], exc.message)
                self.emit("sidecar_missing", height=block.height, error=exc.message)
                self._sidecar_gap = exc
                return False
            except (ProofInvalid, BlockInvalid) as exc:
                self.network.penalize(peer, f"sync block {block.height} invalid: {exc.message}")
                return False
            self._store_commit(block, result)
            self._decided_height = block.height
            self.emit("synced", height=block.height, txs=len(block.txs))
        return bool(blocks)

    # -- the replica --------------------------------------------------------------------------

    def _checkpoint(self) -> Checkpoint:
        """Where consensus resumes: after the last stored block, with the sets that sign the
        next two heights and any change scheduled later (all from the committed state)."""
        store = self.node.store
        h = store.height
        vs = self.node.validators()
        nxt = vs
        pending: tuple[ValidatorUpdate, ...] = ()
        scheduled = compute_pending_update(store)
        if scheduled is not None:
            eff, new = scheduled
            if eff == h + 2:
                nxt = new
            elif eff > h + 2:
                pending = (ValidatorUpdate(eff, new),)
        return Checkpoint(h + 1, store.get_block_hash(h), vs, nxt, pending)

    def _start_replica(self) -> None:
        safety = SafetyRules(self.key, self.safety_file.persist, self.safety_file.load())
        try:
            replica, actions = Replica.recover(
                chain_id=self.chain_id,
                suite=self.suite,
                safety=safety,
                checkpoint=self._checkpoint(),
                wal=self.wal,
                validate_block=self._validate_block,
                params=self.settings.consensus,
                hash_block=self._hash_block,
                load_decision=self._load_decision,
            )
        except (EncodingError, ValidationError) as exc:  # a checksummed record that is no event
            raise WalCorrupted(
                f"{self.wal.path}: a consensus write-ahead log record does not decode"
                f" ({exc.message}). Stop the node, move the file aside"
                f" (mv {self.wal.path} {self.wal.path}.corrupt) and start again: the safety"
                f" file {self.safety_path} still prevents contradicting any signed vote.",
                path=str(self.wal.path),
            ) from exc
        self.replica = replica
        self.emit(
            "consensus_started", height=replica.height, validators=len(self.node.validators())
        )
        # A new replica assumes there is work (its start actions may already ask for a
        # payload): tell it what the pool holds before performing them, so that it turns idle
        # instead of proposing an empty block, and so that the adapter's view matches its own
        # when a commit among those actions reports the pool again.
        # Inputs that arrived while there was no replica (peers' statuses and votes during
        # catch-up) wait until the start actions are performed: stepping them first would
        # perform their newer actions (a round skip's timer) before the start actions' older
        # ones, and an older timer would replace the newer one of its kind (a restarted
        # validator then waited forever in a round its peers waited on it to leave).
        # (A pool status among them is stale: the one fed below supersedes it; stepped after
        # it, an old "there is work" would make the replica propose empty blocks for ever.)
        waiting: list[Event] = [e for e in self._queue if not isinstance(e, MempoolStatus)]
        self._queue = []
        self._has_txs = self._has_pending()
        self._feed(MempoolStatus(self._has_txs))
        self._perform(actions)
        self._queue = waiting + self._queue
        if self._queue:
            self._feed(self._queue.pop(0))
        self._mempool_changed()

    def _feed(self, event: Event) -> None:
        """Step the replica with ``event`` and perform the actions, one event at a time."""
        self._queue.append(event)
        if self._stepping or self.replica is None:
            return
        self._stepping = True
        try:
            while self._queue:
                ev = self._queue.pop(0)
                self._perform(self.replica.step(ev))
        except Exception as exc:  # a broken invariant or a bug: halt loudly, never limp on
            self.error = exc
            code = exc.code if isinstance(exc, WuyiError) else "internal"
            self.emit("halt", code=code, error=f"{type(exc).__name__}: {exc}")
            log.exception("consensus step failed; halting")
            assert self.loop is not None
            self.loop.stop()
        finally:
            self._stepping = False

    def _perform(self, actions: list[Action]) -> None:
        for a in actions:
            if isinstance(a, Broadcast):
                self.network.broadcast("cons", encode_message(a.message))
            elif isinstance(a, Send):
                self.network.send(a.to, "cons", encode_message(a.message))
            elif isinstance(a, SetTimer):
                if a.kind == "propose" and a.round > 0 and self.replica is not None:
                    # a height that needs more rounds is what an operator (and a failing test)
                    # must be able to explain: what the round before saw, and the lock
                    self.emit(
                        "round_started",
                        height=a.height,
                        round=a.round,
                        previous=self.replica.round_summary(a.round - 1),
                    )
                self._set_timer(a)
            elif isinstance(a, RequestPayload):
                self._build_payload(a)
            elif isinstance(a, Commit):
                self._commit(a)
            elif isinstance(a, ReportEvidence):
                assert self.loop is not None
                self.evidence.report(a, self.loop)  # logged, counted, submitted to the chain

    def _set_timer(self, a: SetTimer) -> None:
        loop = self.loop
        assert loop is not None
        at = (a.height, a.round)
        if a.kind in self._timers and self._timer_at.get(a.kind, at) > at:
            return  # the replica has moved past (height, round): that timeout means nothing
        old = self._timers.pop(a.kind, None)
        if old is not None:
            old.cancel()
        self._timer_at[a.kind] = at
        self._round = max(self._round, a.round) if a.height == self._height() else a.round
        self._timers[a.kind] = loop.call_later(
            a.delay_ms / 1000, self._timer_fired, TimerFired(a.kind, a.height, a.round)
        )

    def _timer_fired(self, t: TimerFired) -> None:
        r = self.replica
        if (
            r is not None
            and r.started
            and (t.height, t.round) == (r.height, r.round)
            and t.kind in ("precommit", r.step_name)  # timeouts the replica acts on
        ):
            self.timeouts[t.kind] = self.timeouts.get(t.kind, 0) + 1
        self._feed(t)

    def _height(self) -> int:
        return self.replica.height if self.replica is not None else self.node.height + 1

    # -- blocks -------------------------------------------------------------------------------

    def _hash_block(self, cblock: CBlock) -> bytes:
        """The consensus block's hash is its ledger header's hash."""
        try:
            return self._ledger_block(cblock).compute_hash(self.suite)
        except (WuyiError, KeyError, TypeError):
            return self.suite.hash(b"wuyi/bad-block\x00" + cblock.payload)

    def _ledger_block(self, cblock: CBlock) -> Block:
        cached = self._decoded.get(cblock.payload)
        if cached is not None:
            return cached
        block_bytes, sidecars = decode_envelope(cblock.payload)
        block = Block.from_bytes(block_bytes)
        if sidecars:
            self._remember_sidecars(sidecars)
        if len(self._decoded) > 8:
            self._decoded.clear()
        self._decoded[cblock.payload] = block
        return block

    def _base_for(self, parent_hash: bytes) -> tuple[list[_Speculative], BlockHeader] | None:
        """The speculative blocks between the committed tip and ``parent_hash`` (oldest
        first) and the parent header, or ``None`` if the parent is unknown."""
        store = self.node.store
        tip = store.height
        if store.get_block_hash(tip) == parent_hash:
            return [], store.get_header(tip)
        chain: list[_Speculative] = []
        h = parent_hash
        while True:
            s = self._spec.get(h)
            if s is None:
                return None
            chain.append(s)
            if s.parent_hash == store.get_block_hash(tip):
                break
            h = s.parent_hash
        chain.reverse()
        return chain, chain[-1].block.header

    def _execute(self, block: Block, parent_hash: bytes) -> BlockResult:
        base = self._base_for(parent_hash)
        if base is None:
            raise BlockInvalid(f"block {block.height}: parent is not known here")
        specs, parent = base
        with self.node.store.snapshot() as view:
            ov = _Overlay(view, specs)
            result = apply_block(
                self.node.chain,
                ov,
                StateTree(self.suite.hash, ov),
                parent,
                block,
                is_committed=ov.is_committed,
                is_verified=self.node.mempool.is_verified,
                decoded=self.node.mempool.decoded,
                sidecars=self._sidecar,
            )
        # The proposal may have outrun the gossip of some of its transactions: their late
        # copies need not be decoded and verified again.
        self.node.mempool.note_checked(block.txs, result.txs, result.tx_hashes)
        return result

    def _validate_block(self, cblock: CBlock) -> bool:
        try:
            block = self._ledger_block(cblock)
            h = block.header
            if (
                h.height != cblock.height
                or h.prev_hash != cblock.parent_hash
                or h.validator_set_hash != cblock.validator_set_hash
                or h.proposer != cblock.proposer
                or block.qc is not None
            ):
                raise BlockInvalid("consensus fields differ from the ledger header")
            bh = block.compute_hash(self.suite)
            if bh not in self._spec:
                t0 = time.perf_counter()
                result = self._execute(block, cblock.parent_hash)
                self._spec[bh] = _Speculative(block, result, cblock.parent_hash, t0)
                self._exec_ms[bh] = (time.perf_counter() - t0) * 1000
            return True
        except SidecarMissing as exc:
            # This node cannot execute it (the proposer did not send a side-car): prevote nil.
            self.emit("sidecar_missing", height=cblock.height, error=exc.message)
            return False
        except (ValidationError, EncodingError) as exc:
            self.emit("block_rejected", height=cblock.height, error=exc.message)
            return False

    def _build_payload(self, a: RequestPayload) -> None:
        base = self._base_for(a.parent_hash)
        if base is None:
            log.info("cannot propose at %d: parent not executed yet", a.height)
            return
        specs, parent = base
        t0 = time.perf_counter()
        node = self.node
        params = node.params
        limit = min(params.max_block_txs, node.max_block_txs or params.max_block_txs)
        with node.store.snapshot() as view:
            ov = _Overlay(view, specs)
            # The oldest pooled transactions may be in a decided block still being written:
            # look past them so the proposal is full.
            candidates = [
                c
                for c in node.mempool.take(limit + len(ov.txs), params.max_block_bytes)
                if not self._in_flight(c, ov)
            ][:limit]
            block, result = build_block(
                node.chain,
                ov,
                StateTree(self.suite.hash, ov),
                parent,
                candidates,
                time=max(node.clock.now_ms(), parent.time),
                proposer=self.key.public_key,
                is_committed=ov.is_committed,
                is_verified=node.mempool.is_verified,
                decoded=node.mempool.decoded,
                sidecars=node.mempool.sidecar,
            )
        if result.rejected:
            # Inadmissible now and for ever (committed, expired, invalid): without this a
            # stuck transaction would keep the chain proposing empty blocks for it.
            node.mempool.remove([tx_hash_of(self.suite, raw) for raw, _ in result.rejected])
            self.emit("mempool_dropped", height=a.height, count=len(result.rejected),
                      reason=result.rejected[0][1].message)  # fmt: skip
        bh = block.compute_hash(self.suite)
        self._spec[bh] = _Speculative(block, result, a.parent_hash, t0)
        self._exec_ms[bh] = (time.perf_counter() - t0) * 1000
        payload = encode_envelope(block.to_bytes(), result.sidecars)
        self._feed(PayloadReady(a.height, a.round, payload))

    def _in_flight(self, raw: bytes, ov: _Overlay) -> bool:
        d = self.node.mempool.decoded(raw)
        return d is not None and d[1] in ov.txs

    def _commit(self, a: Commit) -> None:
        """Decided: the block is executed (usually already, when it was validated); hand it to
        the store writer and tell the replica at once, so the next height is proposed on the
        speculative state while this one is being written (pipelining)."""
        h = a.block.height
        if h <= self._decided_height:
            return  # replayed from the WAL, or already handed to the writer
        block = self._ledger_block(a.block)
        bh = block.compute_hash(self.suite)
        if bh != a.block_hash:
            raise InvariantBroken(f"commit {h}: consensus hash differs from the ledger hash")
        spec = self._spec.get(bh)
        t0 = time.perf_counter()
        if spec is None:
            try:
                result = self._execute(block, a.block.parent_hash)
            except SidecarMissing as exc:
                # Decided without this node (it lacked a side-car): fetch the block and its
                # side-cars from peers; it is never executed without them.
                self.emit("sidecar_missing", height=h, error=exc.message)
                self._start_resync()
                return
            spec = _Speculative(block, result, a.block.parent_hash, t0)
            self._spec[bh] = spec
            exec_ms: float | None = (time.perf_counter() - t0) * 1000
        else:
            exec_ms = self._exec_ms.pop(bh, None)
        result = spec.result
        self._decided_height = h
        certified = block.with_qc(a.qc)
        decided_at = time.perf_counter()
        if self._last_write is not None:
            # Backpressure: at most one block being written while the next is decided, so a
            # slow disk or a starved node cannot pile up decided-but-unstored blocks in memory.
            self._last_write.result()
        fut = self._writer.submit(self._store_commit, certified, result)
        self._last_write = fut
        loop = self.loop
        assert loop is not None
        fut.add_done_callback(
            lambda f: self._call_soon(
                self._written, certified, a.qc.round, exec_ms, decided_at, f, spec.seen_at
            )
        )
        update = None
        pending = result.changes.get(keys.PENDING_VALIDATORS)
        if pending is not None:
            obj = decode(pending)
            update = ValidatorUpdate(
                int(obj["effective_height"]), ValidatorSet.from_obj(obj["validators"])
            )
            self.emit(
                "validator_update",
                effective_height=update.effective_height,
                validators=len(update.validators),
            )
        # The replica has already moved to h + 1 (it may have asked for a payload there): tell
        # it now whether anything beyond this block's transactions waits, before anything else.
        self._mempool_changed()
        self._feed(BlockExecuted(h, update))

    def _written(
        self,
        block: Block,
        round_: int,
        exec_ms: float | None,
        decided_at: float,
        fut: concurrent.futures.Future[None],
        seen_at: float = 0.0,
    ) -> None:
        """The store writer finished block ``block.height`` (on the consensus loop)."""
        exc = fut.exception()
        if exc is not None:
            self.error = exc
            self.emit("halt", code=getattr(exc, "code", "internal"), error=str(exc))
            assert self.loop is not None
            self.loop.stop()
            return
        h = block.height
        if exec_ms is not None:
            self.node.observe("block_execute", exec_ms / 1000)
        if seen_at:
            self.node.observe("block_commit", time.perf_counter() - seen_at)
        for k in [k for k, sp in self._spec.items() if sp.block.height <= h]:
            del self._spec[k]
            self._exec_ms.pop(k, None)
        now = time.time()
        self.emit(
            "block",
            height=h,
            txs=len(block.txs),
            round=round_,
            mempool=len(self.node.mempool),
            exec_ms=None if exec_ms is None else round(exec_ms, 1),
            store_ms=round((time.perf_counter() - decided_at) * 1000, 1),
            since_last_ms=round((now - self._last_commit_time) * 1000)
            if self._last_commit_time
            else None,
        )
        self._last_commit_time = now
        if h % WAL_TRUNCATE_EVERY == 0:
            # Restart replays from the stored height + 1: older records are never read again.
            self.wal.truncate_below(h - 2)
        self._mempool_changed()
        self._maybe_switch_key()

    def _maybe_switch_key(self) -> None:
        """After ``validator.rotate_key``: from the height whose validator set names this
        node's next key instead of its current one, sign with the next key. Consensus restarts
        at that height with the new key (the safety state carries over: the new key signs only
        above what the old one signed) and every link is re-made with a handshake signed by it;
        nothing else restarts."""
        if self._next_key is None or self._resyncing:
            return
        current = {v.public_key for v in self.node.validators().validators}
        me = self.key.public_key
        if me in current:
            return
        rec = self.peering.membership.node_of(me)
        if rec is None or rec["public_key"] == me or rec["public_key"] not in current:
            return
        new = self._next_key(rec["public_key"])
        if new is None or new.public_key != rec["public_key"]:
            log.warning("the chain rotated this validator's key, but no matching next key")
            return
        assert self.loop is not None
        task = self.loop.create_task(self._switch_key(new))
        self._bg_tasks.add(task)
        task.add_done_callback(self._bg_tasks.discard)

    async def _switch_key(self, new: PrivateKey) -> None:
        self._resyncing = True
        try:
            old = self.key
            await self._drop_replica()
            self.key = new
            self._next_key = None
            self.peering.public_key = new.public_key
            set_key = getattr(self.network, "set_key", None)
            if set_key is not None:
                set_key(new)
            self._membership_changed()  # stop dialling itself at the new key's address
            self.emit(
                "key_rotated",
                height=self.node.height + 1,
                old=old.public_key.hex(),
                new=new.public_key.hex(),
            )
            self._queue.clear()
            self._start_replica()
        finally:
            self._resyncing = False

    def _store_commit(self, block: Block, result: BlockResult) -> None:
        node = self.node
        with node._commit_lock:
            node._commit(block, result)
        node._after_commit(block, result)
        if touches_membership(result.changes):
            self._call_soon(self._membership_changed)

    def _load_decision(self, height: int) -> tuple[CBlock, QuorumCertificate] | None:
        store = self.node.store
        if not store.body_base <= height <= store.height:
            return None
        block = store.get_block(height)
        if block.qc is None:
            return None
        unsigned = Block(block.header, block.txs)
        cblock = CBlock(
            height,
            block.header.prev_hash,
            block.header.validator_set_hash,
            block.header.proposer,
            encode_envelope(unsigned.to_bytes(), store.block_sidecars(height)),
        )
        return cblock, block.qc

    # -- introspection (any thread) -----------------------------------------------------------

    def _network_stats(self) -> list[dict[str, Any]]:
        if self.network is None:
            return []
        out = []
        for key, st in self.network.stats().items():
            row = (
                dataclasses.asdict(st)
                if dataclasses.is_dataclass(st) and not isinstance(st, type)
                else dict(st)
            )
            out.append({"public_key": key.hex(), **row})
        return out

    def health(self) -> dict[str, Any]:
        """What ``/readyz`` asks (``error``, ``syncing``): flags only, no store read, no
        lock, so readiness answers at once whatever the node is doing."""
        return {
            "error": None if self.error is None else str(self.error),
            "syncing": self._syncing or self._resyncing,
        }

    def info(self) -> dict[str, Any]:
        """What ``GET /v1/consensus`` shows."""
        vs: ValidatorSet = self.node.validators()
        connected = set(self.network.connected()) if self.network is not None else set()
        me = self.key.public_key
        peers_by_key = {p.public_key: p for p in self.peering.peers()}
        peers_by_key.update({p.public_key: p for p in self.settings.peers})
        replica = self.replica
        step = replica.step_name if replica is not None and replica.started else None
        rnd = replica.round if replica is not None and replica.started else 0
        return {
            "mode": "validator",
            "height": self.node.height,
            "consensus_height": replica.height if replica is not None else None,
            "round": rnd,
            "step": step,
            "syncing": self._syncing or self._resyncing,
            "timeouts": dict(self.timeouts),
            "last_commit_time": int(self._last_commit_time * 1000) or None,
            "mempool": len(self.node.mempool),
            "validators": [
                {
                    "name": v.name,
                    "public_key": v.public_key.hex(),
                    "address": format_address(address_of(self.suite, v.public_key)),
                    "power": v.power,
                    "up": v.public_key == me or v.public_key in connected,
                    "self": v.public_key == me,
                }
                for v in vs.validators
            ],
            "peers": [
                {
                    "name": p.name,
                    "public_key": p.public_key.hex(),
                    "connected": p.public_key in connected,
                }
                for p in peers_by_key.values()
            ],
            "network": self._network_stats(),
            "wal_bytes": self.wal.size(),
            "equivocations_observed": self.evidence.observed,
            "error": None if self.error is None else str(self.error),
            "node_id": self.peering.node_id(),
            "certificates": self._certificates(),
        }

    def _certificates(self) -> list[dict[str, Any]]:
        net = self.network
        own = getattr(net, "own_certificate", None)
        peer_certs = getattr(net, "peer_certificates", None)
        try:
            return self.peering.certificates(own, peer_certs() if peer_certs else {})
        except Exception:  # introspection must never fail the status page
            log.exception("listing certificates failed")
            return []
