"""Two in-memory chains for the cross-chain tests: A = ``jiangmen-gov`` (SM, four validators
whose keys the test holds) and B = ``finance-chain`` (intl), B holding a client of A."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wuyi.crosschain import store
from wuyi.crosschain.client import ClientState, ClientUpdate, ConsensusState
from wuyi.ledger.types import Receipt
from wuyi.testing.factories import LedgerHarness
from wuyi.testing.xchain import CertifiedChain

A_ID = "jiangmen-gov"
B_ID = "finance-chain"


@dataclass
class Pair:
    a: CertifiedChain
    b: LedgerHarness

    def b_tx(self, kind: str, payload: dict[str, Any], signer: str = "zjj") -> Receipt:
        """One transaction on B in its own block, B's clock at least A's."""
        self.b.time = max(self.b.time, self.a.time)
        _, res = self.b.run([self.b.tx(signer, kind, payload)])
        if res.rejected:
            raise res.rejected[0][1]
        return res.receipts[0]

    def update(self, *updates: ClientUpdate) -> Receipt:
        return self.b_tx(
            "xchain.update", {"client": A_ID, "updates": [u.to_obj() for u in updates]}
        )

    def client(self) -> ClientState:
        c = store.get_client(self.b.state, A_ID)
        assert c is not None
        return c

    def consensus(self, height: int) -> ConsensusState | None:
        return store.get_consensus(self.b.state, A_ID, height)

    def anchor(self, doc: bytes) -> bytes:
        h = self.a.suite.hash(doc)
        _, res = self.a.run([self.a.tx("operator", "evidence.anchor", {"doc_hash": h, "meta": {}})])
        assert res.receipts[0].ok, res.receipts[0]
        return h

    def recognise(
        self,
        key: bytes,
        height: int,
        *,
        fact: str = "anchored",
        consumer: str = "",
        purpose: str = "贷款审查 loan review",
        value: Any = "prove",
        proof: Any = None,
    ) -> Receipt:
        v, p = self.a.prove(key, height)
        payload = {
            "client": A_ID,
            "height": height,
            "fact": fact,
            "key": key,
            "value": v if value == "prove" else value,
            "proof": p.to_obj() if proof is None else proof,
            "consumer": consumer,
            "purpose": purpose,
        }
        return self.b_tx("xchain.recognise", payload)


def make_pair(
    *, a_suite: str = "sm", b_suite: str = "intl", register: bool = True, **options: Any
) -> Pair:
    a = CertifiedChain(suite_name=a_suite, chain_id=A_ID, validators=4)
    b = LedgerHarness(suite_name=b_suite, chain_id=B_ID)
    pair = Pair(a, b)
    if register:
        r = b.govern("xchain.register", a.register_args(**options))
        assert r.ok, r
    return pair
