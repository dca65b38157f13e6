"""The block transition alone: ``python -m benchmarks.bench_apply [--txs 1000] [--repeats 7]
[--workload transfer|vc-verify]``.

Builds an in-memory chain (``LedgerHarness``), commits a set-up block, then times applying a
block of ``--txs`` transactions the way a validator applies a proposal: transactions already
decoded and their signatures already checked by the mempool, so what is timed is execution,
receipts, roots and the state-tree update. Prints the best of ``--repeats`` runs (the least
disturbed by other processes) and the median, in µs per transaction, as JSON.

Workloads:

* ``transfer`` — the example token's ``transfer`` (deployed through governance; one block of
  transfers first so the recipients exist).
* ``vc-verify`` — ``vc.verify`` of a citizen's presentation (an ``IdentityCredential`` from
  公安局 disclosing two claims under a consent) by a bank member, each with its own nonce:
  the chain checks the presentation itself (issuer signature, disclosures, key binding,
  holder binding, status, consent) and records the use (``docs/credentials.md``).

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
from wuyi.ledger.types import Block, Transaction
from wuyi.testing.factories import LedgerHarness

WORKLOADS = ("transfer", "vc-verify")


def _transfer_block(h: LedgerHarness, txs: int) -> Block:
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
    return h.propose(transfers(txs))[0]


def _vc_verify_block(h: LedgerHarness, txs: int) -> Block:
    from wuyi.sdk.identity import presentation_payload
    from wuyi.testing.presentations import CredentialDesk

    desk = CredentialDesk(h)
    desk.admit("gaj", "江门市公安局")
    claims = ["age_over_18", "resident"]
    desk.set_type("IdentityCredential", ["gaj"], [*claims, "name"])
    desk.holder("citizen")
    cred = desk.issue(
        "citizen",
        "gaj",
        "IdentityCredential",
        {"age_over_18": True, "resident": True, "name": "bench"},
    )
    consent = desk.consent("citizen", "zjj", ["IdentityCredential"], claims)
    batch = []
    for i in range(txs):
        nonce = f"bench-nonce-{i:08d}"
        text = desk.present("citizen", [cred], claims, verifier="zjj", nonce=nonce, consent=consent)
        payload, sidecar = presentation_payload(text, nonce, suite=h.suite)
        h.sidecar(sidecar)  # the presentation travels beside the transaction
        batch.append(h.tx("zjj", "vc.verify", payload))
    block, result = h.propose(batch)
    bad = [r for r in result.receipts if not r.ok or r.events[0].attrs["result"] != "accepted"]
    assert not bad and len(result.receipts) == txs, (bad[:1], result.rejected[:1])
    return block


def run(
    txs: int = 1000, repeats: int = 7, suite: str = "intl", workload: str = "transfer"
) -> dict[str, Any]:
    if workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {WORKLOADS}, got {workload!r}")
    h = LedgerHarness(suite_name=suite)
    block = _transfer_block(h, txs) if workload == "transfer" else _vc_verify_block(h, txs)
    expected = h.propose(list(block.txs))[1].state_root
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
            sidecars=h.sidecars.get,
        )
        times.append(time.perf_counter() - t0)
        assert check.state_root == expected
    per_tx = [t / len(block.txs) * 1e6 for t in times]
    return {
        "suite": suite,
        "workload": workload,
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
    p.add_argument("--workload", choices=WORKLOADS, default="transfer")
    a = p.parse_args(argv)
    print(json.dumps(run(a.txs, a.repeats, a.suite, a.workload)))


if __name__ == "__main__":
    main()
