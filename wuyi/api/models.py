"""Response and request bodies of the REST API (pydantic), shared with the SDK.

Byte strings are lowercase hex; addresses are ``wy`` + 40 hex digits.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AccountTx",
    "AccountTxs",
    "BatchItem",
    "BatchResult",
    "BlockDetail",
    "BlockList",
    "BlockSummary",
    "EvidenceRecord",
    "Header",
    "Member",
    "MemberList",
    "Org",
    "OrgList",
    "Problem",
    "QuorumCert",
    "ReceiptList",
    "ReceiptOut",
    "StateValue",
    "Status",
    "SubmitBatchIn",
    "SubmitTxIn",
    "TxAccepted",
    "TxDetail",
    "ValidatorOut",
    "VerifyDocHashIn",
    "VerifyResult",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is the stable error code."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str = Field(description="stable error code, e.g. bad_signature, replay, not_found")
    field: str | None = Field(default=None, description="the input field at fault, if any")


class ValidatorOut(BaseModel):
    name: str
    public_key: str
    power: int
    address: str = ""


class Status(BaseModel):
    chain_id: str
    name: str
    suite: str
    genesis_hash: str
    height: int
    last_block_hash: str
    last_block_time: int
    mempool_size: int
    validators: list[ValidatorOut]


class SubmitTxIn(_Model):
    tx: str = Field(description="hex of the canonical transaction bytes {body, sig}")


class SubmitBatchIn(_Model):
    txs: list[str] = Field(description="hex of canonical transaction bytes, up to 5000")


class TxAccepted(BaseModel):
    tx_hash: str
    status: Literal["pending"] = "pending"


class EventOut(BaseModel):
    type: str
    attrs: dict[str, Any]


class ReceiptOut(BaseModel):
    tx_hash: str
    status: str = Field(description="'ok' or the stable error code of the failure")
    error: str
    events: list[EventOut]
    gas_used: int


class TxCommitted(BaseModel):
    tx_hash: str
    status: Literal["committed"] = "committed"
    height: int
    index: int
    block_time: int
    receipt: ReceiptOut


class BatchItem(BaseModel):
    tx_hash: str | None = None
    problem: Problem | None = None


class BatchResult(BaseModel):
    accepted: int
    rejected: int
    results: list[BatchItem]


class TxBody(BaseModel):
    chain_id: str
    sender: str
    sender_address: str
    nonce: int
    expiry: int
    kind: str
    payload: dict[str, Any]
    signature: str


class TxDetail(BaseModel):
    tx_hash: str
    status: Literal["pending", "committed"]
    tx: TxBody | None = None
    height: int | None = None
    index: int | None = None
    block_time: int | None = None
    receipt: ReceiptOut | None = None


class Header(BaseModel):
    chain_id: str
    height: int
    prev_hash: str
    time: int
    proposer: str
    tx_count: int
    tx_root: str
    state_root: str
    receipts_root: str
    validator_set_hash: str
    next_validator_set_hash: str


class QcSignature(BaseModel):
    index: int
    signature: str


class QuorumCert(BaseModel):
    type: str
    height: int
    round: int
    block_hash: str
    signatures: list[QcSignature]


class BlockSummary(BaseModel):
    height: int
    hash: str
    time: int
    tx_count: int
    proposer: str


class BlockList(BaseModel):
    height: int = Field(description="the chain's current height")
    blocks: list[BlockSummary]
    next_from_height: int | None = Field(description="pass as from_height for the next page")


class BlockDetail(BaseModel):
    height: int
    hash: str
    header: Header
    tx_hashes: list[str]
    qc: QuorumCert | None


class ReceiptList(BaseModel):
    height: int
    receipts: list[ReceiptOut]


class StateProofOut(BaseModel):
    leaf: list[str] | None
    siblings: list[str]


class StateValue(BaseModel):
    key: str
    value: str | None = Field(description="hex of the canonical value; null if absent")
    decoded: Any = Field(default=None, description="the value decoded, bytes as hex")
    height: int
    proof: StateProofOut | None = None
    header: Header | None = None
    qc: QuorumCert | None = None
    validators: list[ValidatorOut] | None = None


class Org(BaseModel):
    id: str
    name: str
    operator: bool
    status: str


class OrgList(BaseModel):
    orgs: list[Org]


class Member(BaseModel):
    address: str
    org: str
    public_key: str
    roles: list[str]
    status: str
    name: str


class MemberList(BaseModel):
    members: list[Member]


class EvidenceRecord(BaseModel):
    doc_hash: str
    meta: dict[str, Any]
    org: str
    submitter: str
    height: int
    time: int
    tx_hash: str
    status: str
    revoked_reason: str


class VerifyDocHashIn(_Model):
    doc_hash: str = Field(description="hex of the document's hash under the chain's suite")


class VerifyResult(BaseModel):
    found: bool
    valid: bool = Field(description="the proof bundle passed every check")
    doc_hash: str
    status: str | None = Field(default=None, description="active or revoked")
    record: EvidenceRecord | None = None
    checks: list[str] = []
    error: str | None = None
    bundle: dict[str, Any] | None = Field(
        default=None, description="the wuyi-proof-bundle/1 in JSON form, for offline checking"
    )


class AccountTx(BaseModel):
    tx_hash: str
    height: int
    index: int
    kind: str
    status: str


class AccountTxs(BaseModel):
    address: str
    txs: list[AccountTx]
