"""Python SDK of Wuyi Chain: a typed REST client that checks proofs itself, and a builder of
signed transactions.

    from wuyi.sdk import WuyiClient
    with WuyiClient("http://127.0.0.1:8600") as c:
        doc_hash, res = c.anchor(key, b"...", meta={"title": "新会陈皮产地证明"})
        c.get_state(c.evidence_key(doc_hash))          # verified against header + QC
"""

from wuyi.sdk.client import ApiError, StateResult, TxBuilder, WuyiClient, raise_problem

__all__ = ["ApiError", "StateResult", "TxBuilder", "WuyiClient", "raise_problem"]
