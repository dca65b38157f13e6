"""The mempool: admitted transactions waiting for a block.

A transaction is checked once at the door (``validate_admission``: encoding, chain id, kind,
payload, expiry, replay, the sender rule — an active member, or a registered citizen DID for
what a DID may send (``wuyi.ledger.admission``) — and the signature); its hash is then
remembered as verified so block execution does not check the signature again. Duplicates, a
full pool and a sender over its quota are refused with a clear error. Committed and expired
transactions leave; transactions of a block that failed to commit are returned with ``readd``.

A validator often executes a proposal before the gossip carrying some of its transactions has
been admitted here; execution then decodes them strictly and verifies their signatures itself.
``note_checked`` remembers those (bounded), so when the gossip arrives ``checked`` lets
admission skip decoding and verifying them a second time. Likewise the wire bytes of the last
transactions committed from the pool are remembered (``committed_hash``): a late copy (a
peer's regossip of a transaction it has not committed yet) is a replay known by its bytes,
refused without decoding or verifying it.

Private side-cars (``wuyi.ledger.sidecar``) arrive with their transaction and stay with its
entry: the door checks that they are exactly what the payload references (by hash) and within
the size limit; :meth:`Mempool.sidecar` finds them for the block builder and
:meth:`Mempool.sidecars_of` for gossip. They leave with their transaction.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wuyi.abc import KVReader
from wuyi.exceptions import Replay, TxRejected
from wuyi.ledger.execute import validate_admission
from wuyi.ledger.handlers import ChainSpec
from wuyi.ledger.sidecar import REF_PREFIX, collect_sidecars
from wuyi.ledger.types import Transaction
from wuyi.params import ChainParams

#: committed blocks whose transaction hashes the pool remembers (see ``Mempool._recent``)
RECENT_BLOCKS = 64
#: transactions checked by block execution outside the pool that are remembered
#: (see ``Mempool.note_checked``)
CHECKED_ELSEWHERE = 2048
#: wire bytes of transactions committed from the pool that are remembered (``committed_hash``)
COMMITTED_RAW = 8192

__all__ = ["Mempool", "MempoolFull", "PoolEntry"]


class MempoolFull(TxRejected):
    code = "mempool_full"
    http_status = 503


class Duplicate(TxRejected):
    code = "duplicate"
    http_status = 409


_MARK = REF_PREFIX.encode()


@dataclass(slots=True)
class PoolEntry:
    raw: bytes
    tx: Transaction
    tx_hash: bytes
    params: ChainParams
    sidecars: dict[bytes, bytes]


def _yes(_: bytes) -> bool:
    return True


class Mempool:
    def __init__(
        self,
        chain: ChainSpec,
        *,
        max_txs: int = 100_000,
        max_per_sender: int = 20_000,
        max_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        self.chain = chain
        self.max_txs = max_txs
        self.max_per_sender = max_per_sender
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._txs: OrderedDict[bytes, PoolEntry] = OrderedDict()
        self._per_sender: dict[bytes, int] = {}
        self._bytes = 0
        self._verified: set[bytes] = set()
        self._by_raw: dict[bytes, PoolEntry] = {}
        # Hashes of the transactions of the last few committed blocks. ``add`` checks the store
        # before it takes the lock, so a transaction could pass that check just before its
        # block is written and be inserted just after the commit removed it — a replay stuck in
        # the pool. Checking this set under the lock closes that window, which lasts one
        # commit; older blocks are in the store, so only :data:`RECENT_BLOCKS` blocks are kept
        # (memory stays flat however long the node runs).
        self._recent: set[bytes] = set()
        self._recent_blocks: deque[list[bytes]] = deque()
        self.recent_blocks = RECENT_BLOCKS
        self._checked: OrderedDict[bytes, tuple[Transaction, bytes]] = OrderedDict()
        self.max_checked = CHECKED_ELSEWHERE
        self._committed_raw: OrderedDict[bytes, bytes] = OrderedDict()
        self.max_committed_raw = COMMITTED_RAW
        # side-car hash -> bytes, and how many pooled transactions reference it
        self._sidecars: dict[bytes, bytes] = {}
        self._sidecar_refs: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self._txs)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def is_verified(self, tx_hash: bytes) -> bool:
        return tx_hash in self._verified

    def note_checked(
        self, raws: Sequence[bytes], txs: Sequence[Transaction], tx_hashes: Sequence[bytes]
    ) -> int:
        """Remember transactions that block execution decoded strictly and whose signatures it
        verified although they were not pooled here (``raws``, ``txs`` and ``tx_hashes`` of an
        executed block, in order). Returns how many were new. Oldest forgotten first."""
        n = 0
        with self._lock:
            for raw, tx, tx_hash in zip(raws, txs, tx_hashes, strict=True):
                if tx_hash in self._txs or raw in self._checked:
                    continue
                self._checked[raw] = (tx, tx_hash)
                n += 1
            while len(self._checked) > self.max_checked:
                self._checked.popitem(last=False)
        return n

    def checked(self, raw: bytes) -> tuple[Transaction, bytes] | None:
        """``(tx, tx_hash)`` if block execution already decoded ``raw`` strictly and verified
        its signature (:meth:`note_checked`); admission still applies every other check."""
        return self._checked.get(raw)

    def decoded(self, raw: bytes) -> tuple[Transaction, bytes, ChainParams] | None:
        """Pooled bytes ``raw`` decoded, their hash and the params they were admitted under."""
        e = self._by_raw.get(raw)
        return None if e is None else (e.tx, e.tx_hash, e.params)

    def add(
        self,
        raw: bytes,
        *,
        params: ChainParams,
        state: KVReader,
        next_height: int,
        is_committed: Callable[[bytes], bool],
        prechecked: tuple[Transaction, bytes] | None = None,
        sidecars: Sequence[bytes] = (),
    ) -> bytes:
        """Admit ``raw`` or raise a :class:`TxRejected` (or encoding/signature error).

        ``sidecars``: the private side-cars sent with it, which must be exactly those its
        payload references (:class:`~wuyi.exceptions.SidecarMissing`,
        :class:`~wuyi.exceptions.SidecarInvalid`).

        ``state`` is the latest committed state, which the sender rule reads (a stranger's key,
        a suspended member: :class:`~wuyi.exceptions.NotMember`,
        :class:`~wuyi.exceptions.MemberSuspended`).

        ``prechecked`` is ``(tx, tx_hash)`` from a :mod:`wuyi.node.verifier` worker that already
        decoded ``raw`` canonically and verified its signature.
        """
        with self._lock:
            if len(self._txs) >= self.max_txs or self._bytes + len(raw) > self.max_bytes:
                raise MempoolFull(f"mempool is full ({len(self._txs)} transactions); retry later")
        tx, tx_hash = validate_admission(
            self.chain,
            params,
            raw,
            state=state,
            height=next_height,
            is_committed=is_committed,
            is_verified=self.is_verified if prechecked is None else _yes,
            known=None if prechecked is None else (prechecked[0], prechecked[1], None),
        )
        mine = (
            collect_sidecars(
                self.chain.suite,
                tx.payload,
                provided=sidecars,
                tx_bytes=len(raw),
                max_bytes=params.max_tx_bytes,
            )
            if sidecars or _MARK in tx.body_bytes()
            else {}
        )
        with self._lock:
            if tx_hash in self._txs:
                raise Duplicate(f"transaction {tx_hash.hex()} is already in the mempool")
            if tx_hash in self._recent:
                raise Replay(f"transaction {tx_hash.hex()} is already committed")
            n = self._per_sender.get(tx.sender, 0)
            if n >= self.max_per_sender:
                raise TxRejected(
                    f"sender has {n} pending transactions, the limit is {self.max_per_sender}"
                )
            entry = PoolEntry(raw, tx, tx_hash, params, mine)
            self._txs[tx_hash] = entry
            self._by_raw[raw] = entry
            self._per_sender[tx.sender] = n + 1
            self._bytes += len(raw) + sum(len(d) for d in mine.values())
            for h, data in mine.items():
                self._sidecars[h] = data
                self._sidecar_refs[h] = self._sidecar_refs.get(h, 0) + 1
            self._verified.add(tx_hash)
        return tx_hash

    def take(self, max_txs: int, max_bytes: int) -> list[bytes]:
        """Candidates for the next block in arrival order (they stay until ``remove``)."""
        out: list[bytes] = []
        size = 0
        with self._lock:
            for entry in self._txs.values():
                if len(out) >= max_txs or size + len(entry.raw) > max_bytes:
                    break
                out.append(entry.raw)
                size += len(entry.raw)
        return out

    def remove(self, tx_hashes: list[bytes], *, committed: bool = False) -> None:
        """Drop ``tx_hashes``; ``committed``: they are in a committed block, so a late copy of
        one (gossip, a client retry) is refused as a replay from now on."""
        with self._lock:
            if committed:
                self._recent.update(tx_hashes)
                self._recent_blocks.append(list(tx_hashes))
                while len(self._recent_blocks) > self.recent_blocks:
                    self._recent.difference_update(self._recent_blocks.popleft())
            for h in tx_hashes:
                e = self._txs.pop(h, None)
                self._verified.discard(h)
                if e is None:
                    continue
                if committed:
                    self._committed_raw[e.raw] = h
                self._by_raw.pop(e.raw, None)
                self._bytes -= len(e.raw) + sum(len(d) for d in e.sidecars.values())
                for sh in e.sidecars:
                    left_refs = self._sidecar_refs[sh] - 1
                    if left_refs:
                        self._sidecar_refs[sh] = left_refs
                    else:
                        del self._sidecar_refs[sh], self._sidecars[sh]
                sender = e.tx.sender
                left = self._per_sender[sender] - 1
                if left:
                    self._per_sender[sender] = left
                else:
                    del self._per_sender[sender]
            while len(self._committed_raw) > self.max_committed_raw:
                self._committed_raw.popitem(last=False)

    def sidecar(self, sidecar_hash: bytes) -> bytes | None:
        """The bytes of a pooled transaction's side-car (for the block builder)."""
        return self._sidecars.get(sidecar_hash)

    def sidecars_of(self, raw: bytes) -> tuple[bytes, ...]:
        """The side-cars pooled with transaction ``raw`` (for gossip), or ()."""
        e = self._by_raw.get(raw)
        return () if e is None else tuple(e.sidecars.values())

    def committed_hash(self, raw: bytes) -> bytes | None:
        """The hash of ``raw`` if it is one of the last transactions committed from this pool
        (:data:`COMMITTED_RAW` of them): a copy of it now can only be a replay."""
        return self._committed_raw.get(raw)

    def remove_expired(self, height: int) -> list[bytes]:
        with self._lock:
            gone = [h for h, e in self._txs.items() if e.tx.expiry < height]
        self.remove(gone)
        return gone

    def contains(self, tx_hash: bytes) -> bool:
        return tx_hash in self._txs
