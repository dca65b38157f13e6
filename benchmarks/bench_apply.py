"""The block transition alone: ``python -m benchmarks.bench_apply [--txs 1000] [--repeats 7]``.

Builds an in-memory chain (``LedgerHarness``), deploys the example token through governance,
commits one block of ``--txs`` transfers (so the recipients exist), then times applying a
second block of ``--txs`` transfers the way a validator applies a proposal: transactions
already decoded and their signatures already checked by the mempool, so what is timed is
execution, receipts, roots and the state-tree update. Prints the best of ``--repeats`` runs
(the least disturbed by other processes) and the median, in µs per transaction, as JSON.

A script, not a test: only here is the clock read.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from wuyi.contracts.examples import source
from wuyi.ledger.execute import Known, apply_block, read_params
from wuyi.ledger.types import Transaction
from wuyi.testing.factories import LedgerHarness


def run(txs: int = 1000, repeats: int = 7, suite: str = "intl") -> dict[str, Any]:
    h = LedgerHarness(suite_name=suite)
    h.deploy_contract("token", source("transfer"), init_args={"symbol": "WYT", "supply": 10**12})

    def transfers(start: int) -> list[bytes]:
        return [
            h.tx(
                "operator",
                "contract.call",
                {
                    "contract": "token",
                    "method": "transfer",
                    "args": {"to": f"acct{i % txs}", "amount": 1},
                    "gas_limit": 200_000,
                },
            )
            for i in range(start, start + txs)
        ]

    block, result = h.propose(transfers(0))
    assert all(r.ok for r in result.receipts), result.receipts[0]
    h.commit(block, result)
    block, result = h.propose(transfers(txs))
    assert all(r.ok for r in result.receipts), result.receipts[0]
    params = read_params(h.state)  # as the mempool records: static checks already done
    known: dict[bytes, Known] = {}
    for raw in block.txs:
        tx = Transaction.from_bytes(raw)
        known[raw] = (tx, h.suite.hash(tx.signing_bytes()), params)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        check = apply_block(
            h.chain,
            h.state,
            h.tree,
            h.head,
            block,
            is_committed=h.committed.__contains__,
            is_verified=lambda _h: True,
            decoded=known.get,
        )
        times.append(time.perf_counter() - t0)
        assert check.state_root == result.state_root
    per_tx = [t / len(block.txs) * 1e6 for t in times]
    return {
        "suite": suite,
        "txs": len(block.txs),
        "repeats": repeats,
        "apply_us_per_tx_best": round(min(per_tx), 1),
        "apply_us_per_tx_median": round(statistics.median(per_tx), 1),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--txs", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--suite", choices=["intl", "sm"], default="intl")
    a = p.parse_args(argv)
    print(json.dumps(run(a.txs, a.repeats, a.suite)))


if __name__ == "__main__":
    main()
