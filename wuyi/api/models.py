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


class _Open(BaseModel):
    """A record whose fields are documented in ``docs/``; extra fields pass through."""

    model_config = ConfigDict(extra="allow")


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is the stable error code (extension member)."""

    type: str = Field(
        "about:blank",
        description="URI of the problem type: /problems/<code>, served by the node",
    )
    title: str = Field(description="short summary of the HTTP status")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong, for people")
    instance: str | None = Field(default=None, description="the request path")
    code: str = Field(description="stable error code, e.g. bad_signature, replay, not_found")
    field: str | None = Field(default=None, description="the input field at fault, if any")


class ProblemType(BaseModel):
    """What a problem ``type`` URI (``/problems/<code>``) explains."""

    type: str
    code: str
    status: int
    title: str
    description: str


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    height: int


class ConsensusInfo(_Open):
    mode: str = Field(description="single or validator")
    height: int
    round: int | None = None
    step: str | None = None
    validators: list[dict[str, Any]] = []
    peers: list[dict[str, Any]] = []


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
    sidecars: list[str] = Field(
        default_factory=list,
        description="hex of each private side-car the transaction references as"
        " 'sidecar:<hash>' (e.g. a presentation): checked, kept privately, never served",
    )


class SubmitBatchIn(_Model):
    txs: list[str] = Field(description="hex of canonical transaction bytes, up to 5000")
    sidecars: list[list[str]] | None = Field(
        None, description="per transaction, hex of its private side-cars (as txs)"
    )


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
    """A committed transaction's body fields and signature, under their canonical names
    (``sender``, ``sig`` as hex); ``payload`` in the JSON form (bytes as ``{"$bytes": hex}``).
    The canonical bytes and their audit path are at ``/v1/txs/{hash}/proof``."""

    chain_id: str
    sender: str
    sender_address: str = Field(description="derived from sender, for display (not signed)")
    nonce: int
    expiry: int
    kind: str
    payload: dict[str, Any] = Field(description='JSON form: bytes as {"$bytes": lowercase hex}')
    sig: str


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


class QuorumCert(BaseModel):
    """The canonical QC with bytes as hex: ``signatures`` is ``[[index, signature], ...]``
    sorted by index (the index is the validator's place in the set in force)."""

    type: str
    height: int
    round: int
    block_hash: str
    signatures: list[tuple[int, str]]


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
    next: str | None = Field(default=None, description="cursor of the next page (null: last)")


class BlockDetail(BaseModel):
    height: int
    hash: str
    header: Header
    tx_hashes: list[str]
    qc: QuorumCert | None
    validators: list[ValidatorOut] | None = Field(
        default=None, description="the validator set that signs this block"
    )
    txs: list[str] | None = Field(
        default=None, description="with ?txs=true: each transaction's canonical bytes (hex)"
    )


class TxProof(BaseModel):
    """Everything a light client needs to check that a transaction is in a certified block
    and what its receipt says (RFC 6962 audit paths over the block's tx and receipt roots)."""

    tx_hash: str
    height: int
    index: int
    tx: str = Field(description="the transaction's canonical bytes (hex)")
    proof: list[str] = Field(description="audit path of the tx under header.tx_root")
    receipt: ReceiptOut
    receipt_bytes: str = Field(description="the receipt's canonical bytes (hex)")
    receipt_proof: list[str] = Field(description="audit path under header.receipts_root")
    header: Header
    qc: QuorumCert | None
    validators: list[ValidatorOut]


class ValidatorChange(BaseModel):
    effective_height: int = Field(description="first block this set signs (0: genesis)")
    validator_set_hash: str
    validators: list[ValidatorOut]


class ValidatorChanges(BaseModel):
    """The validator sets of the chain in the order they took effect: the genesis set, then
    each change recorded by ``validator.update``."""

    height: int
    changes: list[ValidatorChange]


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
    next: str | None = None


class Member(BaseModel):
    address: str
    org: str
    public_key: str
    roles: list[str]
    status: str
    name: str


class MemberList(BaseModel):
    members: list[Member]
    next: str | None = None


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
    genesis_hash: str | None = Field(
        default=None,
        description="the genesis hash of the chain this node serves: the check is pinned to it",
    )
    pinned: bool = Field(
        default=False, description="every header was certified from genesis_hash (always, if valid)"
    )
    status: str | None = Field(default=None, description="active or revoked")
    record: EvidenceRecord | None = None
    checks: list[str] = []
    error: str | None = None
    bundle: dict[str, Any] | None = Field(
        default=None, description="the wuyi-proof-bundle/2 in JSON form, for offline checking"
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
    next: str | None = None


# -- contracts and governance ----------------------------------------------------------------


class ContractSummary(BaseModel):
    name: str
    version: str
    status: str
    code_hash: str
    deployed_height: int
    updated_height: int
    description: str


class ContractList(BaseModel):
    contracts: list[ContractSummary]
    next: str | None = None


class ContractDetail(ContractSummary):
    abi: Any
    roles: list[Any]
    manifest: dict[str, Any]
    history: list[dict[str, Any]]


class ContractSource(BaseModel):
    name: str
    version: str
    source: str
    manifest: dict[str, Any]
    code_hash: str


class ContractStateEntry(BaseModel):
    key: str
    value: Any
    state_key: str = Field(description="the full state key (hex): prove it at /v1/state/{key}")


class ContractState(BaseModel):
    name: str
    entries: list[ContractStateEntry]
    height: int
    next: str | None = None


class QueryResult(BaseModel):
    value: Any = Field(description='the value, bytes as {"$bytes": hex}')
    gas_used: int
    height: int


class Record(_Open):
    """A chain record rendered as JSON (fields per record type, see ``docs/``)."""


class Proposal(_Open):
    id: int
    status: str = Field(description="open, executed, cancelled, rejected or expired")


class ProposalList(BaseModel):
    proposals: list[Proposal]
    height: int
    next: str | None = None


# -- identity ----------------------------------------------------------------------------------


class DidResolution(BaseModel):
    didDocument: dict[str, Any]  # W3C DID Resolution member names
    didDocumentMetadata: dict[str, Any]
    didResolutionMetadata: dict[str, Any]
    height: int
    proofs: list[StateValue] | None = None


class ConsentList(BaseModel):
    did: str
    consents: list[dict[str, Any]]
    height: int
    next: str | None = None


class UseList(BaseModel):
    did: str
    uses: list[dict[str, Any]]
    refused: list[dict[str, Any]]
    height: int
    next: str | None = Field(default=None, description="cursor over `uses`")


class CredentialTypeList(BaseModel):
    types: list[dict[str, Any]]
    next: str | None = None


class NextIndex(BaseModel):
    org: str
    next: int = Field(description="the idx the next vc.issue of this issuer must carry")


class TokenStatusList(BaseModel):
    bits: int
    lst: str
    count: int


class StatusListOut(BaseModel):
    org: str
    uri: str
    height: int
    status_list: TokenStatusList


class IdpList(BaseModel):
    providers: list[dict[str, Any]]
    next: str | None = None


class RegistrarList(BaseModel):
    registrars: list[dict[str, Any]]
    next: str | None = None


# -- data sharing ------------------------------------------------------------------------------


class BlobStored(BaseModel):
    hash: str
    size: int
    location: str


class DatasetList(BaseModel):
    datasets: list[dict[str, Any]]
    height: int
    next: str | None = None


class RequestList(BaseModel):
    requests: list[dict[str, Any]]
    height: int
    next: str | None = None


class AccessLogHead(BaseModel):
    entries: int = Field(description="reads of personal records logged by this node")
    head: str = Field(description="hex hash of the last entry (32 zero bytes: none yet)")


class AccessLogPage(BaseModel):
    entries: list[dict[str, Any]] = Field(
        description="{seq, time, reader: {key, address, org, roles, did}, what, record,"
        " subject, purpose, basis, prev, hash}"
    )
    count: int
    head: str
