"""The signature-verification workers start with the node, not on first use under load (a
worker appearing minutes into a run is a step in the node's memory — issue #8's soak)."""

from __future__ import annotations

from wuyi.node.verifier import VerifierPool
from wuyi.testing.factories import LedgerHarness


def test_workers_start_at_once_and_verify() -> None:
    h = LedgerHarness()
    pool = VerifierPool(h.chain_id, h.suite_name, workers=1)
    try:
        assert len(pool._pool._processes) == 1  # spawned before any batch arrived
        good = h.tx("operator", "evidence.anchor", {"doc_hash": h.suite.hash(b"x")})
        bad = h.tx(
            "operator", "evidence.anchor", {"doc_hash": h.suite.hash(b"y")}, chain_id="other"
        )
        (ok, err) = pool.precheck([good, bad])
        assert ok[0] and not ok[1]
        assert err[0] == b"" and err[1] == "wrong_chain"
    finally:
        pool.close()
