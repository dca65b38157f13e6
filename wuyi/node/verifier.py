"""Signature verification on the machine's other cores.

Every transaction's signature is checked once, at the door. That check (and the strict decode
before it) needs no state, so batches of submitted transactions are checked in worker
processes while the node's own process executes blocks. ``precheck`` returns, per transaction,
either its hash or the stable error code and message; the node then runs the stateful
admission checks with the result (``Mempool.add(prechecked=...)``).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Sequence

from wuyi.crypto import get_suite
from wuyi.exceptions import InvalidSignature, WrongChain, WuyiError

__all__ = ["VerifierPool", "precheck_batch"]

Result = tuple[bytes, str, str]  # (tx_hash or b"", error code or "", message)


def precheck_batch(chain_id: str, suite_name: str, raws: Sequence[bytes]) -> list[Result]:
    """Decode each transaction strictly and verify its signature (pure; runs in a worker)."""
    from wuyi.ledger.types import Transaction

    suite = get_suite(suite_name)
    out: list[Result] = []
    for raw in raws:
        try:
            tx = Transaction.from_bytes(raw)
            if tx.chain_id != chain_id:
                raise WrongChain(f"transaction is for chain '{tx.chain_id}', this is '{chain_id}'")
            msg = tx.signing_bytes()
            if not suite.verify(tx.sender, msg, tx.signature):
                raise InvalidSignature("transaction signature does not verify for its sender")
            out.append((suite.hash(msg), "", ""))
        except WuyiError as exc:
            out.append((b"", exc.code, exc.message))
    return out


class VerifierPool:
    """A pool of worker processes for :func:`precheck_batch` (``workers`` defaults to the
    number of cores minus one, at least one)."""

    def __init__(self, chain_id: str, suite_name: str, workers: int | None = None) -> None:
        self.chain_id = chain_id
        self.suite_name = suite_name
        self.workers = workers or max(1, (os.cpu_count() or 2) - 1)
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
        )
        # Start every worker now (the executor would spawn them on first use, under load):
        # the node's memory and latency are then what they will be from the first minute on.
        self._warm = [
            self._pool.submit(precheck_batch, chain_id, suite_name, []) for _ in range(self.workers)
        ]

    def precheck(self, raws: Sequence[bytes], chunk: int = 256) -> list[Result]:
        parts = [list(raws[i : i + chunk]) for i in range(0, len(raws), chunk)]
        futures = [
            self._pool.submit(precheck_batch, self.chain_id, self.suite_name, p) for p in parts
        ]
        out: list[Result] = []
        for f in futures:
            out.extend(f.result())
        return out

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
