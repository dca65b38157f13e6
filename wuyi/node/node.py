"""A node: the pure ledger core assembled with the store, the mempool, a clock and a key.

Single-validator mode (this file): the node proposes a block whenever transactions are waiting
(never empty blocks when idle), signs its commit certificate with its validator key, and commits
block, receipts, state, tree nodes and indexes in one store transaction. The multi-validator
consensus drives the same ``execute``/``commit`` steps.
"""

from __future__ import annotations

import struct
import threading
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuyi.abc import Clock, PrivateKey, Suite
from wuyi.consensus.certificate import (
    QuorumCertificate,
    ValidatorSet,
    compute_vote_bytes,
    validate_qc,
)
from wuyi.crypto import address_of, get_suite
from wuyi.encoding import decode
from wuyi.exceptions import (
    Archived,
    InvariantBroken,
    NotFound,
    Replay,
    StoreCorrupted,
    ValidationError,
    WuyiError,
    error_from_code,
)
from wuyi.ledger import keys
from wuyi.ledger.bundle import BUNDLE_FORMAT
from wuyi.ledger.execute import BlockResult, build_block, read_params
from wuyi.ledger.genesis import GenesisDoc, build_genesis
from wuyi.ledger.handlers.validators import get_validators_at
from wuyi.ledger.merkle import compute_inclusion_proof
from wuyi.ledger.types import Block, Receipt, Transaction
from wuyi.node.archive import ArchiveReader
from wuyi.node.mempool import Duplicate, Mempool
from wuyi.node.snapshots import collect_validator_changes
from wuyi.node.store import CommitBatch, Store
from wuyi.node.verifier import VerifierPool
from wuyi.params import ChainParams
from wuyi.state import StateProof, StateTree

__all__ = ["Node", "SystemClock", "TxInfo"]

_U64 = struct.Struct(">Q")
_U32 = struct.Struct(">I")


class SystemClock:
    def now_ms(self) -> int:
        return int(_time.time() * 1000)


@dataclass(frozen=True)
class TxInfo:
    tx: Transaction
    tx_hash: bytes
    height: int
    index: int
    receipt: Receipt
    block_time: int


def _index_entries(
    suite: Suite, block: Block, txs: list[Transaction], hashes: list[bytes]
) -> dict[bytes, bytes]:
    """Explorer indexes: ``sender/<address><height><index>`` and ``kind/<kind>\0<h><i>``."""
    out: dict[bytes, bytes] = {}
    h = _U64.pack(block.height)
    for i, (tx, tx_hash) in enumerate(zip(txs, hashes, strict=True)):
        pos = h + _U32.pack(i)
        out[b"sender/" + address_of(suite, tx.sender) + pos] = tx_hash
        out[b"kind/" + tx.kind.encode() + b"\x00" + pos] = tx_hash
    return out


class Node:
    """A single node over its home directory (``genesis.json``, ``data/``)."""

    def __init__(
        self,
        genesis: GenesisDoc,
        store: Store,
        *,
        validator_key: PrivateKey | None = None,
        clock: Clock | None = None,
        max_block_txs: int | None = None,
        verifier: VerifierPool | None = None,
    ) -> None:
        self.genesis = genesis
        self.chain = genesis.chain_spec()
        self.suite = self.chain.suite
        self.store = store
        self.tree = StateTree(self.suite.hash, store)
        self.clock: Clock = clock or SystemClock()
        self.key = validator_key
        self.mempool = Mempool(self.chain)
        self.max_block_txs = max_block_txs
        self.verifier = verifier
        self.sidecar_retention_ms: int | None = None
        """How long (by block time) this node keeps private side-cars after their block
        (node.toml ``[privacy] sidecar_retention_days``); None keeps them."""
        self._commit_lock = threading.Lock()
        self._committed = threading.Condition()
        self._listeners: list[Callable[[Block, list[Receipt]], None]] = []
        self._submit_listeners: list[Callable[[list[bytes], str], None]] = []
        self._observers: list[Callable[[str, float], None]] = []
        self.archive: ArchiveReader | None = None
        """Where bodies pruned from the store are read back (``wuyi.node.archive``)."""
        if store.height < 0:
            self._commit_genesis()
        self.genesis_hash = store.get_block_hash(0)
        expected = build_genesis(genesis, StateTree(self.suite.hash, _NoNodes()))[0]
        if expected.compute_hash(self.suite) != self.genesis_hash:
            raise StoreCorrupted(
                "the store holds a different chain than genesis.json describes"
                " (genesis block hash differs; a chain created before the genesis validator set"
                " was recorded at consensus/history/0 has another genesis and must be created"
                " again)"
            )
        self.params = read_params(store)

    # -- setup --------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        home: Path,
        *,
        validator_key: PrivateKey | None = None,
        check: str = "quick",
        clock: Clock | None = None,
        verify_workers: int = 0,
    ) -> Node:
        """Open the node in ``home``; ``verify_workers > 0`` checks signatures of submitted
        batches in that many worker processes (see :mod:`wuyi.node.verifier`)."""
        genesis = GenesisDoc.load(home / "genesis.json")
        suite = get_suite(genesis.suite)
        store = Store.open(home / "data", suite.hash, check=check)
        verifier = (
            VerifierPool(genesis.chain_id, genesis.suite, verify_workers)
            if verify_workers > 0
            else None
        )
        return cls(genesis, store, validator_key=validator_key, clock=clock, verifier=verifier)

    def _commit_genesis(self) -> None:
        block, changes, nodes = build_genesis(self.genesis, self.tree)
        self.store.commit(
            CommitBatch(
                block=block,
                block_hash=block.compute_hash(self.suite),
                receipts=[],
                tx_hashes=[],
                state_changes=changes,
                new_nodes=nodes,
                state_root=block.header.state_root,
            )
        )

    def close(self) -> None:
        if self.verifier is not None:
            self.verifier.close()
        self.store.close()

    def add_listener(self, fn: Callable[[Block, list[Receipt]], None]) -> None:
        """Called after each commit (from the committing thread)."""
        self._listeners.append(fn)

    def add_submit_listener(self, fn: Callable[[list[bytes], str], None]) -> None:
        """Called with the admitted transactions and their origin (``client`` or ``peer``)
        after each submission (from the submitting thread)."""
        self._submit_listeners.append(fn)

    def add_observer(self, fn: Callable[[str, float], None]) -> None:
        """Instrumentation (``wuyi.api.metrics``): ``fn(name, seconds)`` for
        ``block_execute`` (executing a proposed block) and ``block_commit`` (from the proposal
        being built or received to the block being stored)."""
        self._observers.append(fn)

    def observe(self, name: str, seconds: float) -> None:
        for fn in self._observers:
            fn(name, seconds)

    def _notify_submitted(self, raws: list[bytes], origin: str) -> None:
        with self._committed:
            self._committed.notify_all()
        for fn in self._submit_listeners:
            fn(raws, origin)

    # -- reads --------------------------------------------------------------------------------

    @property
    def height(self) -> int:
        return self.store.height

    def validators(self, height: int | None = None) -> ValidatorSet:
        """The validator set that signs block ``height`` (the set in force now if ``None``)."""
        if height is None:
            raw = self.store.get(keys.VALIDATORS)
            if raw is None:
                raise InvariantBroken("no validator set in state")
            return ValidatorSet.from_obj(decode(raw))
        return get_validators_at(self.store, height)

    def is_committed(self, tx_hash: bytes) -> bool:
        return self.store.get_tx_location(tx_hash) is not None

    def get_body(self, height: int) -> tuple[Block, list[Receipt]]:
        """Block ``height`` (with its QC) and its receipts, from the store or, for a body
        pruned from it, from the node's archive files."""
        try:
            with self.store.snapshot() as view:
                return view.get_block(height), view.get_receipts(height) if height else []
        except Archived:
            if self.archive is None:
                raise
            block, receipts = self.archive.get_body(height)
            if block.compute_hash(self.suite) != self.store.get_block_hash(height):
                raise StoreCorrupted(
                    f"archive: block {height} in {self.archive.directory} is not the chain's"
                ) from None
            return block, receipts

    def get_tx(self, tx_hash: bytes) -> TxInfo:
        loc = self.store.get_tx_location(tx_hash)
        if loc is None and self.archive is not None:
            loc = self.archive.locate(tx_hash)
        if loc is None:
            if self.mempool.contains(tx_hash):
                raise NotFound(
                    f"transaction {tx_hash.hex()} is pending, not yet committed", pending=True
                )
            raise NotFound(f"no transaction {tx_hash.hex()}")
        height, index = loc
        block, receipts = self.get_body(height)
        return TxInfo(
            Transaction.from_bytes(block.txs[index]),
            tx_hash,
            height,
            index,
            receipts[index],
            block.header.time,
        )

    def get_state(self, key: bytes) -> bytes | None:
        return self.store.get(key)

    def sidecar(self, sidecar_hash: bytes) -> bytes | None:
        """A private side-car this node holds: a pooled transaction's, or a committed block's
        (private store). For execution and peers only; no API serves it."""
        data = self.mempool.sidecar(sidecar_hash)
        return data if data is not None else self.store.get_sidecar(sidecar_hash)

    def prove_state(self, key: bytes, height: int | None = None) -> dict[str, Any]:
        """Value and proof of ``key`` under block ``height``'s state root, with the header, QC
        and validator set a light client needs (canonical values)."""
        # One read transaction gives a consistent (height, root, nodes) view without the
        # commit lock (a commit holds it while it executes a block; readers must not queue
        # behind it). With state pruning a later commit may delete this version's nodes, so
        # the proof is read in the same transaction; a pruned height raises StatePruned.
        with self.store.snapshot() as view:
            h = view.height if height is None else height
            header = view.get_header(h)
            root = view.state_root_at(h)
            tree = StateTree(self.suite.hash, view)
            proof: StateProof = tree.prove(root, key)
            value = tree.get(root, key)
            qc = view.get_qc_bytes(h)  # from the body, or kept when it was pruned
        return {
            "key": key,
            "value": value,
            "proof": proof.to_obj(),
            "header": header.to_obj(),
            "qc": None if qc is None else decode(qc),
            "validators": self.validators(h).to_obj(),
        }

    def evidence_record(self, doc_hash: bytes) -> dict[str, Any]:
        raw = self.store.get(keys.evidence_key(doc_hash))
        if raw is None:
            raise NotFound(f"no evidence record for document hash {doc_hash.hex()}")
        rec: dict[str, Any] = decode(raw)
        return rec

    def validator_changes(self, upto: int | None = None) -> list[dict[str, Any]]:
        """Every validator-set change in force by height ``upto`` (all if ``None``), oldest
        first, as a light client checks it (canonical values): the header of block
        ``effective_height - 1``, its commit QC and the new set it names."""
        return collect_validator_changes(
            self.store, upto, lambda h: InvariantBroken(f"block {h} is stored without its QC")
        )

    def evidence_bundle(self, doc_hash: bytes) -> dict[str, Any]:
        """A ``wuyi-proof-bundle/2`` for the record of ``doc_hash`` (see ``wuyi.ledger.bundle``):
        what a verifier needs to check it from the chain's genesis alone."""
        self.evidence_record(doc_hash)
        return self.proof_bundle(keys.evidence_key(doc_hash))

    def proof_bundle(self, key: bytes) -> dict[str, Any]:
        """A ``wuyi-proof-bundle/2`` for the record at state ``key``, whose ``tx_hash`` names the
        transaction that wrote it (an evidence record, a validator's equivocation evidence, a
        contract's record: see ``wuyi.ledger.bundle``)."""
        return self.proof_bundle_of([key])

    def proof_bundle_of(self, record_keys: list[bytes]) -> dict[str, Any]:
        """A ``wuyi-proof-bundle/2`` for the records at state ``record_keys``, all proven under
        the same (latest) block: one key gives the one-record form, several the ``records``
        form (``wuyi.ledger.bundle``)."""
        if not record_keys:
            raise ValidationError("a bundle needs at least one record")
        with self.store.snapshot() as view:
            height = view.height
        records = [self._bundle_record(key, height) for key in record_keys]
        out: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "chain": {
                "chain_id": self.chain.chain_id,
                "suite": self.genesis.suite,
                "genesis_hash": self.genesis_hash,
            },
            "genesis": {
                "header": self.store.get_header(0).to_obj(),
                "validators": self.validators(0).to_obj(),
            },
            "validator_changes": self.validator_changes(height),
        }
        if len(records) == 1:
            return out | records[0]
        return out | {"records": records}

    def _bundle_record(self, key: bytes, height: int) -> dict[str, Any]:
        """``{record, anchor, state}`` of the record at ``key`` under block ``height``."""
        state = self.prove_state(key, height)
        if state["value"] is None:
            raise NotFound(f"no record at state key {key!r}")
        record = decode(state["value"])
        written = record.get("tx_hash") if isinstance(record, dict) else None
        if isinstance(written, str):  # a contract's record names it as ctx.tx_hash does: hex
            written = bytes.fromhex(written)
        if not isinstance(written, bytes):
            raise NotFound(f"the record at state key {key!r} names no transaction (tx_hash)")
        info = self.get_tx(written)
        block, receipts = self.get_body(info.height)
        h = self.suite.hash
        assert block.qc is not None
        return {
            "record": record,
            "anchor": {
                "header": block.header.to_obj(),
                "qc": block.qc.to_obj(),
                "tx": block.txs[info.index],
                "index": info.index,
                "proof": compute_inclusion_proof(h, list(block.txs), info.index),
                "receipt": receipts[info.index].to_obj(),
                "receipt_proof": compute_inclusion_proof(
                    h, [r.to_bytes() for r in receipts], info.index
                ),
            },
            "state": {k: state[k] for k in ("header", "qc", "key", "value", "proof")},
        }

    def current_params(self) -> ChainParams:
        return self.params

    def reload_after_sync(self) -> None:
        """The store was made a store at a snapshot's height (``wuyi.node.snapshots``): read
        what the node keeps from the state again and wake waiters."""
        self.params = read_params(self.store)
        with self._committed:
            self._committed.notify_all()

    # -- writes -------------------------------------------------------------------------------

    def submit(self, raw: bytes, sidecars: Sequence[bytes] = ()) -> bytes:
        """Admit a signed transaction (with the private side-cars it references) to the
        mempool; raises naming the problem."""
        with self.store.snapshot() as view:
            tx_hash = self.mempool.add(
                raw,
                params=self.params,
                state=view,
                next_height=view.height + 1,
                is_committed=lambda h: view.get_tx_location(h) is not None,
                sidecars=sidecars,
            )
        self._notify_submitted([raw], "client")
        return tx_hash

    def submit_many(
        self,
        raws: list[bytes],
        origin: str = "client",
        sidecars: Sequence[Sequence[bytes]] | None = None,
    ) -> list[bytes | WuyiError]:
        """Admit a batch; per transaction its hash or the error that refused it.
        ``sidecars[i]``: the private side-cars sent with ``raws[i]`` (default none).

        With a verifier pool, decoding and signature checks run on the other cores first.
        """
        scs: Sequence[Sequence[bytes]] = sidecars if sidecars is not None else [()] * len(raws)
        out: list[bytes | WuyiError] = []
        # Already pooled, or committed from this pool moments ago (gossip repeats, a peer's
        # regossip of what it has not committed yet): refuse before decoding or paying for a
        # signature check.
        pool = self.mempool
        early: list[WuyiError | None] = []
        for r in raws:
            d = pool.decoded(r)
            if d is not None:
                early.append(Duplicate(f"transaction {d[1].hex()} is already in the mempool"))
                continue
            done = pool.committed_hash(r)
            early.append(
                None
                if done is None
                else Replay(f"transaction {done.hex()} is already committed", tx_hash=done.hex())
            )
        if any(e is not None for e in early):
            keep = [i for i, e in enumerate(early) if e is None]
            fresh = [raws[i] for i in keep]
            res = iter(self.submit_many(fresh, origin, [scs[i] for i in keep]) if fresh else [])
            return [e if e is not None else next(res) for e in early]
        # Transactions a block already brought here (decoded and verified during its
        # execution) skip the worker; the rest are checked there.
        known = [self.mempool.checked(r) for r in raws]
        todo = [r for r, k in zip(raws, known, strict=True) if k is None]
        pre = (
            iter(self.verifier.precheck(todo))
            if self.verifier is not None and len(todo) >= 8
            else None
        )
        params, next_height = self.params, self.height + 1
        # One read transaction for the batch's replay checks (not one per transaction).
        with self.store.snapshot() as view:

            def is_committed(tx_hash: bytes) -> bool:
                return view.get_tx_location(tx_hash) is not None

            for i, raw in enumerate(raws):
                try:
                    prechecked = known[i]
                    if prechecked is None and pre is not None:
                        tx_hash, code, message = next(pre)
                        if code:
                            raise error_from_code(code, message)
                        prechecked = (Transaction.from_bytes(raw, checked=True), tx_hash)
                    out.append(
                        self.mempool.add(
                            raw,
                            params=params,
                            state=view,
                            next_height=next_height,
                            is_committed=is_committed,
                            prechecked=prechecked,
                            sidecars=scs[i],
                        )
                    )
                except WuyiError as exc:
                    out.append(exc)
        self._notify_submitted(
            [r for r, o in zip(raws, out, strict=True) if isinstance(o, bytes)], origin
        )
        return out

    def produce_block(self) -> Block | None:
        """Build, certify and commit one block from the mempool; ``None`` if nothing waits."""
        if self.key is None:
            raise ValidationError("this node has no validator key; it cannot propose blocks")
        with self._commit_lock:
            params = self.params
            limit = min(params.max_block_txs, self.max_block_txs or params.max_block_txs)
            candidates = self.mempool.take(limit, params.max_block_bytes)
            if not candidates:
                return None
            t0 = _time.perf_counter()
            with self.store.snapshot() as view:
                parent = view.get_header(view.height)
                block, result = build_block(
                    self.chain,
                    view,
                    StateTree(self.suite.hash, view),
                    parent,
                    candidates,
                    time=self.clock.now_ms(),
                    proposer=self.key.public_key,
                    is_committed=lambda h: view.get_tx_location(h) is not None,
                    is_verified=self.mempool.is_verified,
                    decoded=self.mempool.decoded,
                    sidecars=self.mempool.sidecar,
                )
            if result.rejected:
                self.mempool.remove([tx_hash_of(self.suite, raw) for raw, _ in result.rejected])
            if not block.txs:
                return None
            self.observe("block_execute", _time.perf_counter() - t0)
            block = self._certify(block)
            self._commit(block, result)
            self.observe("block_commit", _time.perf_counter() - t0)
        self._after_commit(block, result)
        return block

    def _certify(self, block: Block) -> Block:
        assert self.key is not None
        valset = self.validators()
        idx = valset.index_of(self.key.public_key)
        if idx is None:
            raise ValidationError("this node's key is not in the validator set")
        block_hash = block.compute_hash(self.suite)
        sig = self.key.sign(
            compute_vote_bytes(self.chain.chain_id, "commit", block.height, 0, block_hash)
        )
        qc = QuorumCertificate(block.height, 0, block_hash, ((idx, sig),))
        validate_qc(self.suite, self.chain.chain_id, valset, qc)  # a single validator only
        return block.with_qc(qc)

    def _commit(self, block: Block, result: BlockResult) -> None:
        self.store.commit(
            CommitBatch(
                block=block,
                block_hash=block.compute_hash(self.suite),
                receipts=result.receipts,
                tx_hashes=result.tx_hashes,
                state_changes=result.changes,
                new_nodes=result.new_nodes,
                state_root=result.state_root,
                index_entries=_index_entries(self.suite, block, result.txs, result.tx_hashes),
                sidecars=result.sidecars,
                prune_sidecars_before=None
                if self.sidecar_retention_ms is None
                else block.header.time - self.sidecar_retention_ms,
            )
        )
        if keys.PARAMS in result.changes:
            self.params = read_params(self.store)

    def _after_commit(self, block: Block, result: BlockResult) -> None:
        self.mempool.remove(result.tx_hashes, committed=True)
        self.mempool.remove_expired(block.height + 1)
        with self._committed:
            self._committed.notify_all()
        for fn in self._listeners:
            fn(block, result.receipts)

    def wait_for_tx(self, tx_hash: bytes, timeout: float) -> TxInfo:
        """Block until ``tx_hash`` is committed (or raise :class:`NotFound` after ``timeout``)."""
        deadline = _time.monotonic() + timeout
        with self._committed:
            while not self.is_committed(tx_hash):
                left = deadline - _time.monotonic()
                if left <= 0:
                    raise NotFound(f"transaction {tx_hash.hex()} not committed within {timeout}s")
                self._committed.wait(left)
        return self.get_tx(tx_hash)

    def wait_for_work(self, timeout: float) -> bool:
        with self._committed:
            if len(self.mempool):
                return True
            self._committed.wait(timeout)
            return len(self.mempool) > 0

    def sender_address(self, public_key: bytes) -> bytes:
        return address_of(self.suite, public_key)


def _signing(raw: bytes) -> bytes:
    try:
        return Transaction.from_bytes(raw).signing_bytes()
    except Exception:
        return raw


def tx_hash_of(suite: Suite, raw: bytes) -> bytes:
    """The hash a pooled transaction is known by (of its signing bytes; of the raw bytes if
    they do not decode)."""
    return suite.hash(_signing(raw))


class _NoNodes:
    def get_node(self, node_hash: bytes) -> bytes | None:
        return None
