"""State sync's checks, runnable in worker processes while the node's own process writes.

A joining node checks two kinds of bulk data against roots it already verified
(``docs/state-sync.md``): each snapshot **chunk** must rebuild the subtree hash the manifest
folds to the QC-verified state root, and each block's stored **receipt array** must fold to
the header's ``receipts_root``. Neither check needs the store, so :class:`SyncVerifier` runs
them in a pool of worker processes (``spawn``, as :mod:`wuyi.node.verifier`, whose
parent watch it reuses: the workers exit with their node) while the node's process fetches and
writes into its one LMDB write transaction. With ``workers = 0`` the same functions run in a
thread of the node's process.

The functions here are pure and return a refusal reason instead of raising, so nothing but
plain bytes, ints and strings crosses the process boundary; a verified chunk crosses it as one
``marshal`` string of flat lists (pickled as ~11,000 tuples, it cost more to pass, 22 ms out
and 18 ms in, than the 31 ms check). Nothing a worker says is trusted beyond what it
computes: it sees only the peer's bytes and the roots the node verified, and returns either
the reason the bytes fail or exactly the pairs, tree nodes or transaction hashes that passed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import marshal
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import Any, TypeVar

from wuyi.crypto import get_suite
from wuyi.encoding import decode_committed, split_array
from wuyi.exceptions import EncodingError, ProofInvalid, ValidationError
from wuyi.ledger.merkle import compute_root
from wuyi.node.store import compute_window_entries
from wuyi.node.verifier import _watch_parent
from wuyi.state.chunks import build_subtree

__all__ = [
    "SyncVerifier",
    "check_chunk",
    "check_receipt_lists",
    "decode_chunk",
    "find_value",
    "pairs_of",
    "unpack_chunk",
    "unpack_window",
    "validate_chunk",
]

Pairs = list[tuple[bytes, bytes]]

T = TypeVar("T")
log = logging.getLogger("wuyi.statesync")


def decode_chunk(raw: bytes) -> Pairs:
    try:
        # The pairs are believed only once they rebuild the manifest's subtree (validate_chunk),
        # so the container's canonical form is not checked (decode_committed).
        pairs = decode_committed(raw)
        if not isinstance(pairs, list):
            raise ValidationError("a chunk is a list of [key, value]")
        return [(p[0], p[1]) for p in pairs if isinstance(p, list) and len(p) == 2]
    except (EncodingError, ValidationError, TypeError, IndexError) as exc:
        raise ProofInvalid(f"snapshot chunk is malformed: {exc}") from None


def validate_chunk(
    hasher: Callable[[bytes], bytes],
    item: tuple[int, bytes, int],
    index: int,
    prefix: int,
    raw: bytes,
) -> tuple[Pairs, dict[bytes, bytes]]:
    """The pairs and tree nodes of chunk ``index`` if it rebuilds the subtree its manifest
    item ``(depth, subtree hash, leaves)`` names; :class:`ProofInvalid` otherwise."""
    depth, want, leaves = item
    pairs = decode_chunk(raw)
    if len(pairs) != leaves:
        raise ProofInvalid(
            f"snapshot chunk {index}: {len(pairs)} leaves, the manifest says {leaves}"
        )
    got, nodes = build_subtree(hasher, pairs, depth, prefix)
    if got != want:
        raise ProofInvalid(f"snapshot chunk {index} does not hash to the manifest's subtree")
    return pairs, nodes


def check_chunk(
    suite_name: str,
    item: tuple[int, bytes, int],
    index: int,
    prefix: int,
    raw: bytes,
    packed: bool = True,
) -> tuple[str, Any]:
    """:func:`validate_chunk` with the suite's hash (runs in a worker): ``(refusal reason, None)``
    or ``("", flat)`` with ``flat = (pairs, nodes)``, each a flat list ``[key, value, key,
    value, ...]`` (``[hash, stored bytes, ...]``); ``packed``: as :func:`marshal.dumps` bytes,
    which cross the process boundary in one piece (pickling the pairs one by one costs more
    than checking them). Read it with :func:`unpack_chunk`."""
    try:
        pairs, nodes = validate_chunk(get_suite(suite_name).hash, item, index, prefix, raw)
    except ProofInvalid as exc:
        return exc.message, None
    flat = (list(chain.from_iterable(pairs)), list(chain.from_iterable(nodes.items())))
    return "", marshal.dumps(flat) if packed else flat


def unpack_chunk(flat: Any) -> tuple[list[bytes], list[bytes]]:
    """The flat pairs and nodes of a :func:`check_chunk` result (packed or not). The bytes
    come from this node's own worker, never from a peer."""
    out: tuple[list[bytes], list[bytes]] = marshal.loads(flat) if isinstance(flat, bytes) else flat
    return out


def find_value(flat: list[bytes], key: bytes) -> bytes | None:
    """The value of ``key`` in a flat ``[key, value, ...]`` list, or None."""
    i = -1
    while True:
        try:
            i = flat.index(key, i + 1)
        except ValueError:
            return None
        if i % 2 == 0:
            return flat[i + 1]


def pairs_of(flat: list[bytes]) -> Iterator[tuple[bytes, bytes]]:
    """``(key, value)`` of a flat list, made in C as they are read (``putmulti``)."""
    it = iter(flat)
    return zip(it, it, strict=True)


def check_receipt_lists(
    suite_name: str,
    first: int,
    lists: Sequence[Any],
    roots: Sequence[tuple[int, bytes]],
    replay_until: int,
    packed: bool = True,
) -> tuple[str, Any, int]:
    """Blocks ``first, first + 1, ...`` from their stored receipt arrays ``lists``: each array
    cut into its items' exact bytes and checked against the block's ``(tx_count,
    receipts_root)`` in ``roots`` before any transaction hash is read from it. Returns
    ``(refusal reason, None, 0)`` or ``("", entries, count)``: the ``tx_index`` and ``replay``
    entries of the ``count`` transactions (:func:`wuyi.node.store.compute_window_entries`),
    as :func:`marshal.dumps` bytes if ``packed``. Read them with :func:`unpack_window`."""
    h_fn = get_suite(suite_name).hash
    hash_len = len(h_fn(b""))
    blocks: list[tuple[int, bytes]] = []
    count = 0
    for k, raw in enumerate(lists):
        h = first + k
        tx_count, receipts_root = roots[k]
        try:
            if not isinstance(raw, bytes):
                raise EncodingError("not a byte string")
            values, items = split_array(raw)
        except EncodingError as exc:
            return f"receipts of block {h} are malformed: {exc.message}", None, 0
        if len(items) != tx_count or compute_root(h_fn, items) != receipts_root:
            return f"receipts of block {h} do not match its receipts_root", None, 0
        hashes: list[bytes] = []
        for i, v in enumerate(values):
            tx_hash = v.get("tx_hash") if isinstance(v, dict) else None
            if not isinstance(tx_hash, bytes) or len(tx_hash) != hash_len:
                return f"receipt {i} of block {h} names no transaction hash", None, 0
            hashes.append(tx_hash)
        blocks.append((h, b"".join(hashes)))
        count += len(hashes)
    entries = compute_window_entries(blocks, hash_len, replay_until)
    return "", marshal.dumps(entries) if packed else entries, count


def unpack_window(entries: Any) -> tuple[list[bytes], list[bytes]]:
    """The flat ``tx_index`` and ``replay`` entries of a :func:`check_receipt_lists` result
    (packed or not); from this node's own worker, never from a peer."""
    out: tuple[list[bytes], list[bytes]] = (
        marshal.loads(entries) if isinstance(entries, bytes) else entries
    )
    return out


def _warm() -> None:
    """Worker start: import what the checks need before the first chunk arrives."""


class SyncVerifier:
    """Where a state sync runs its checks: ``workers`` processes (``None``: the number of
    cores, at most 4, none on a single core; ``0``: a thread of this process). :meth:`close`
    ends the workers."""

    def __init__(self, workers: int | None = None) -> None:
        cores = os.cpu_count() or 1
        n = (min(4, cores) if cores > 1 else 0) if workers is None else workers
        self.workers = n
        self._pool: concurrent.futures.Executor | None = None
        if n > 0:
            pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=n,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_watch_parent,
                initargs=(os.getpid(),),
            )
            try:
                for _ in range(n):  # start them now: they import while the headers are checked
                    pool.submit(_warm)
            except (OSError, RuntimeError) as exc:  # no processes here: check in a thread
                log.warning("state sync checks in a thread: no worker processes (%s)", exc)
                pool.shutdown(wait=False, cancel_futures=True)
                self.workers = 0
            else:
                self._pool = pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker (or a thread of this process)."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
