"""Evidence records (信息上链): a document's hash with metadata, anchored by a member.

Kinds:

* ``evidence.anchor`` {doc_hash, meta}   — any active member with role admin, operator or client;
  ``doc_hash`` is the chain suite's hash (SM3 or SHA-256) of the document's bytes; ``meta`` is a
  small map of text/int values (title, type, reference number) that must not hold personal data
  in clear. One record per document hash.
* ``evidence.revoke`` {doc_hash, reason} — an admin or operator of the organisation that
  anchored it.

Record (state ``evidence/<doc_hash>``)::

    {doc_hash, meta, org, submitter, height, time, tx_hash, status, revoked_reason}
"""

from __future__ import annotations

from typing import Any, ClassVar

from wuyi.exceptions import TxFailed, Unauthorized, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler
from wuyi.params import ChainParams

__all__ = ["EvidenceAnchorHandler", "EvidenceRevokeHandler"]

ANCHOR_ROLES = ("admin", "operator", "client")


def _validate_doc_hash(payload: dict[str, Any], kind: str) -> None:
    if len(payload["doc_hash"]) != 32:
        raise ValidationError(f"{kind}: doc_hash must be 32 bytes", field="doc_hash")


class EvidenceAnchorHandler(Handler):
    kind = "evidence.anchor"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "doc_hash": (bytes, True),
        "meta": (dict, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _validate_doc_hash(payload, self.kind)
        meta = payload.get("meta", {})
        if self.size_of(meta) > params.max_meta_bytes:
            raise ValidationError(
                f"evidence.anchor: meta is larger than {params.max_meta_bytes} bytes", field="meta"
            )
        for k, v in meta.items():
            if not (isinstance(v, str) or type(v) is int):
                raise ValidationError(
                    f"evidence.anchor: meta value '{k}' must be text or an integer", field="meta"
                )

    def dynamic_validate(self, ctx: ExecContext) -> None:
        existing = ctx.state.get_obj(keys.evidence_key(ctx.tx.payload["doc_hash"]))
        if existing is not None:
            raise TxFailed(
                f"document already anchored at height {existing['height']}"
                f" (tx {existing['tx_hash'].hex()})"
            )

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member(ANCHOR_ROLES)

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        m = ctx.require_member(ANCHOR_ROLES)
        rec = {
            "doc_hash": p["doc_hash"],
            "meta": p.get("meta", {}),
            "org": m["org"],
            "submitter": ctx.sender_address,
            "height": ctx.height,
            "time": ctx.time,
            "tx_hash": ctx.tx_hash,
            "status": "active",
            "revoked_reason": "",
        }
        ctx.state.set_obj(keys.evidence_key(p["doc_hash"]), rec)
        ctx.emit("evidence.anchored", doc_hash=p["doc_hash"], org=m["org"])


class EvidenceRevokeHandler(Handler):
    kind = "evidence.revoke"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "doc_hash": (bytes, True),
        "reason": (str, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _validate_doc_hash(payload, self.kind)
        if not 1 <= len(payload["reason"]) <= 256:
            raise ValidationError(
                "evidence.revoke: reason must be 1-256 characters", field="reason"
            )

    def dynamic_validate(self, ctx: ExecContext) -> None:
        rec = ctx.state.get_obj(keys.evidence_key(ctx.tx.payload["doc_hash"]))
        if rec is None:
            raise TxFailed("no evidence record for this document hash")
        if rec["status"] == "revoked":
            raise TxFailed("evidence record is already revoked")

    def authorize(self, ctx: ExecContext) -> None:
        m = ctx.require_member(("admin", "operator"))
        rec = ctx.state.get_obj(keys.evidence_key(ctx.tx.payload["doc_hash"]))
        if rec["org"] != m["org"]:
            raise Unauthorized(f"only organisation '{rec['org']}' may revoke its record")

    def apply(self, ctx: ExecContext) -> None:
        key = keys.evidence_key(ctx.tx.payload["doc_hash"])
        rec = ctx.state.get_obj(key)
        rec["status"] = "revoked"
        rec["revoked_reason"] = ctx.tx.payload["reason"]
        ctx.state.set_obj(key, rec)
        ctx.emit("evidence.revoked", doc_hash=rec["doc_hash"])
