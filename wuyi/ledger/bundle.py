"""Proof bundles (数据核验): everything needed to check an evidence record with no node.

A bundle (format ``wuyi-proof-bundle/1``) holds, as canonical values (JSON form in files):

``chain``   ``{chain_id, suite, genesis_hash}`` — the chain's identity;
``anchor``  the block that anchored the record: ``header``, ``qc``, ``validators`` (the set that
            signed it), the transaction (``tx`` wire bytes, ``index``, ``proof``) and its
            ``receipt`` with ``receipt_proof``;
``state``   the record's current value under a later (or the same) block: ``header``, ``qc``,
            ``validators``, ``key``, ``value`` and the state ``proof``;
``record``  the decoded record, for people (it must equal ``state.value``).

:func:`validate_bundle` runs the checks in order and raises :class:`ProofInvalid` naming the
first that fails; it needs nothing but the bundle (and, optionally, the document and a
pinned genesis hash or validator keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wuyi.abc import Suite
from wuyi.consensus.certificate import QuorumCertificate, ValidatorSet, validate_qc
from wuyi.crypto import get_suite
from wuyi.encoding import decode, encode
from wuyi.exceptions import CryptoError, ProofInvalid, ValidationError, WuyiError
from wuyi.ledger import keys
from wuyi.ledger.merkle import validate_inclusion_proof
from wuyi.ledger.types import BlockHeader, Receipt, Transaction
from wuyi.state import StateProof, verify_proof

__all__ = ["BUNDLE_FORMAT", "BundleReport", "validate_bundle"]

BUNDLE_FORMAT = "wuyi-proof-bundle/1"


@dataclass
class BundleReport:
    """What was checked and what it showed."""

    checks: list[str] = field(default_factory=list)
    chain_id: str = ""
    suite: str = ""
    doc_hash: bytes = b""
    status: str = ""
    anchored_height: int = 0
    anchored_time: int = 0
    org: str = ""
    state_height: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def _section_header(
    suite: Suite, chain_id: str, sec: dict[str, Any], name: str, report: BundleReport
) -> BlockHeader:
    header = BlockHeader.from_obj(sec["header"])
    if header.chain_id != chain_id:
        raise ProofInvalid(f"{name}: header is for chain '{header.chain_id}', not '{chain_id}'")
    valset = ValidatorSet.from_obj(sec["validators"])
    if valset.compute_hash(suite) != header.validator_set_hash:
        raise ProofInvalid(f"{name}: validator set does not match the header's validator_set_hash")
    report.checks.append(f"{name}: validator set matches block {header.height}'s header")
    block_hash = header.compute_hash(suite)
    if header.height == 0:
        raise ProofInvalid(f"{name}: the genesis block cannot carry records")
    qc = QuorumCertificate.from_obj(sec["qc"])
    try:
        validate_qc(suite, chain_id, valset, qc, height=header.height, block_hash=block_hash)
    except ProofInvalid as exc:
        raise ProofInvalid(
            f"{name}: block {header.height} quorum certificate: {exc.message}"
        ) from None
    report.checks.append(
        f"{name}: block {header.height} carries a valid quorum certificate"
        f" ({len(qc.signatures)}/{len(valset)} validators)"
    )
    return header


def validate_bundle(
    bundle: dict[str, Any],
    document: bytes | None = None,
    *,
    genesis_hash: bytes | None = None,
    trusted_validators: list[bytes] | None = None,
) -> BundleReport:
    """Check ``bundle`` offline; raise :class:`ProofInvalid` naming the first failed check."""
    report = BundleReport()
    try:
        _validate(bundle, document, genesis_hash, trusted_validators, report)
    except ProofInvalid:
        raise
    except (WuyiError, KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = exc.message if isinstance(exc, WuyiError) else f"{type(exc).__name__}: {exc}"
        raise ProofInvalid(f"bundle is malformed: {msg}") from None
    return report


def _validate(
    bundle: dict[str, Any],
    document: bytes | None,
    genesis_hash: bytes | None,
    trusted_validators: list[bytes] | None,
    report: BundleReport,
) -> None:
    if bundle.get("format") != BUNDLE_FORMAT:
        raise ProofInvalid(f"not a {BUNDLE_FORMAT} bundle")
    chain = bundle["chain"]
    chain_id, suite_name = chain["chain_id"], chain["suite"]
    try:
        suite = get_suite(suite_name)
    except CryptoError:
        raise ProofInvalid(f"unknown crypto suite '{suite_name}'") from None
    report.chain_id, report.suite = chain_id, suite_name
    if genesis_hash is not None and chain["genesis_hash"] != genesis_hash:
        raise ProofInvalid(
            "bundle is for a different chain (genesis hash differs from the pinned one)"
        )

    anchor, state = bundle["anchor"], bundle["state"]
    if trusted_validators is not None:
        for sec_name, sec in (("anchor", anchor), ("state", state)):
            keys_ = {v.public_key for v in ValidatorSet.from_obj(sec["validators"]).validators}
            if not keys_ <= set(trusted_validators):
                raise ProofInvalid(f"{sec_name}: validator set contains keys you did not trust")
    a_header = _section_header(suite, chain_id, anchor, "anchor", report)
    s_header = _section_header(suite, chain_id, state, "state", report)
    if s_header.height < a_header.height:
        raise ProofInvalid("state block is older than the anchoring block")

    # The anchoring transaction is in the block, signed by its sender, and succeeded.
    tx_bytes: bytes = anchor["tx"]
    index: int = anchor["index"]
    try:
        validate_inclusion_proof(
            suite.hash, a_header.tx_root, tx_bytes, index, a_header.tx_count, anchor["proof"]
        )
    except ProofInvalid as exc:
        raise ProofInvalid(f"transaction inclusion: {exc.message}") from None
    report.checks.append(f"anchor: transaction {index} is included in block {a_header.height}")
    tx = Transaction.from_bytes(tx_bytes)
    if tx.chain_id != chain_id or not suite.verify(tx.sender, tx.signing_bytes(), tx.signature):
        raise ProofInvalid("anchor: the transaction's signature does not verify")
    tx_hash = suite.hash(tx.signing_bytes())
    report.checks.append("anchor: transaction signature verifies for its sender")
    receipt = Receipt.from_obj(anchor["receipt"])
    try:
        validate_inclusion_proof(
            suite.hash,
            a_header.receipts_root,
            receipt.to_bytes(),
            index,
            a_header.tx_count,
            anchor["receipt_proof"],
        )
    except ProofInvalid as exc:
        raise ProofInvalid(f"receipt inclusion: {exc.message}") from None
    if receipt.tx_hash != tx_hash or not receipt.ok:
        raise ProofInvalid("anchor: the receipt does not show this transaction succeeding")
    report.checks.append("anchor: receipt is included and shows success")
    if tx.kind != "evidence.anchor":
        raise ProofInvalid(f"anchor: transaction is '{tx.kind}', not an evidence anchor")
    doc_hash: bytes = tx.payload["doc_hash"]

    # The record's current value is in the state under the state block's root.
    key = keys.evidence_key(doc_hash)
    if state["key"] != key:
        raise ProofInvalid("state: proven key is not this document's record")
    value: bytes = state["value"]
    try:
        verify_proof(
            suite.hash, s_header.state_root, key, value, StateProof.from_obj(state["proof"])
        )
    except ProofInvalid as exc:
        raise ProofInvalid(f"state proof: {exc.message}") from None
    report.checks.append(f"state: record is in the state of block {s_header.height}")
    record = decode(value)
    if encode(bundle["record"]) != value:
        raise ProofInvalid("record shown in the bundle differs from the proven state value")
    if record["tx_hash"] != tx_hash or record["height"] != a_header.height:
        raise ProofInvalid("record does not point at the anchoring transaction")
    if record["doc_hash"] != doc_hash:
        raise ProofInvalid("record's document hash differs from the transaction's")
    report.checks.append("record: points at the anchoring transaction")

    if document is not None:
        if suite.hash(document) != doc_hash:
            raise ProofInvalid(
                f"document does not match: its {suite.hash_name} is"
                f" {suite.hash(document).hex()}, the record has {doc_hash.hex()}"
            )
        report.checks.append(f"document: {suite.hash_name} matches the record")

    report.doc_hash = doc_hash
    report.status = record["status"]
    report.anchored_height = a_header.height
    report.anchored_time = a_header.time
    report.org = record["org"]
    report.meta = record["meta"]
    report.state_height = s_header.height
    if not isinstance(report.meta, dict):
        raise ValidationError("record meta is not a map")
