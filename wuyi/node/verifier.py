"""Signature verification on the machine's other cores.

Every transaction's signature is checked once, at the door. That check (and the strict decode
before it) needs no state, so batches of submitted transactions are checked in worker
processes while the node's own process executes blocks. ``precheck`` returns, per transaction,
either its hash or the stable error code and message; the node then runs the stateful
admission checks with the result (``Mempool.add(prechecked=...)``).

**Workers die with their node.** A node killed with SIGKILL cannot shut its pool down, and
the workers block on their task queue for ever (each holds both ends of its pipe), as does the
multiprocessing resource tracker while any of them lives (about 45 MB each time, issue #17).
So every worker runs :func:`_watch_parent`: a daemon thread that exits the worker as soon as
its parent is gone (the worker's parent pid changes when it is re-parented). With the workers
gone the resource tracker reads end-of-file and exits too. Linux's ``PR_SET_PDEATHSIG`` is not
used: it fires when the *thread* that spawned the worker exits, and the executor spawns
workers from whichever thread submits work.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence

from wuyi.crypto import get_suite
from wuyi.exceptions import InvalidSignature, WrongChain, WuyiError

__all__ = ["VerifierPool", "precheck_batch"]

Result = tuple[bytes, str, str]  # (tx_hash or b"", error code or "", message)
PARENT_CHECK_S = 0.2
"""How often a worker checks that its node is still alive."""


def _watch_parent(parent_pid: int) -> None:
    """Worker initializer: exit this worker as soon as ``parent_pid`` is no longer its
    parent (the node died, even by SIGKILL)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)  # no cleanup to do: the worker holds no state

    if os.getppid() != parent_pid:
        os._exit(0)
    threading.Thread(target=watch, name="wuyi-parent-watch", daemon=True).start()


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
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_watch_parent,
            initargs=(os.getpid(),),
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
