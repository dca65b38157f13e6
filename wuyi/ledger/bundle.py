"""Proof bundles (数据核验): everything needed to check an evidence record with no node, from
the chain's genesis alone.

A bundle (format ``wuyi-proof-bundle/2``, ``docs/verifying.md``) holds, as canonical values
(JSON form in files, ``wuyi.ledger.jsonform``):

``chain``             ``{chain_id, suite, genesis_hash}``: which chain, which hash function;
``genesis``           ``{header, validators}``: the genesis block's header (it hashes to the
                      genesis hash) and the validator set it names;
``validator_changes`` ``[{header, qc, validators}]``: every validator-set change in force by
                      the state block, oldest first: the header of block ``e - 1`` with its
                      commit QC, signed by the set in force before, naming the new set in
                      ``next_validator_set_hash``;
``anchor``            the block that anchored the record: ``header``, ``qc``, the transaction
                      (``tx`` wire bytes, ``index``, ``proof``), its ``receipt`` and
                      ``receipt_proof``;
``state``             the record's current value under a later (or the same) block:
                      ``header``, ``qc``, ``key``, ``value`` and the state ``proof``;
``record``            the decoded record, for people (it must equal ``state.value``).

**Several records** (``records``): instead of ``anchor``, ``state`` and ``record`` at the top, a
bundle may carry ``records``, a list of 1 to :data:`MAX_RECORDS` sections ``{anchor, state,
record}`` sharing one ``chain``, ``genesis`` and ``validator_changes`` (those in force by the
latest state block): e.g. every step of a chain of custody. Each is checked as a bundle of one
record would be; :attr:`BundleReport.records` reports each.

**A contract's record**: the anchor may be a ``contract.call`` and the state a key of the
called contract's own state (``contract/<name>/s/<key>``) whose value is a map naming the
transaction that wrote it: ``tx_hash`` (the transaction hash, as the contract's
``ctx.tx_hash`` gives it: hex text) and ``height`` (the anchoring block). A ``doc_hash`` field
(32 bytes), if the record has one, is the document it is about. What the record means is the
contract's (its code is deployed through governance); the bundle proves that this contract
wrote it in that transaction, in a block certified from genesis, and that it still holds.

The same format carries a validator's **equivocation evidence** (``consensus.evidence``,
``wuyi.node.misbehaviour.evidence_bundle``): the anchor is the transaction that recorded it, the
state holds ``consensus/evidence/<offence id>``, and the two conflicting signed messages are
checked again here against the chain id (``BundleReport.kind == "misbehaviour"``).

:func:`validate_bundle` runs the checks in order and raises :class:`ProofInvalid` naming the
first that fails. Trust comes from the genesis hash the caller pins (``genesis_hash``): the
validator set of every block is derived from the genesis block through the changes
(:class:`wuyi.ledger.lightclient.TrustedSets`), never taken from the bundle. Without a pin the
report says it rests on the genesis block in the file and gives its hash to compare
(``report.pinned`` is false).

Format ``wuyi-proof-bundle/1`` (a validator set per block, no genesis) is still read, but only
without a pin and reported as trusting the validator sets in the file: nothing in it ties them
to the chain's genesis, so it can never pass a pinned check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wuyi.abc import Suite
from wuyi.consensus.certificate import QuorumCertificate, ValidatorSet, validate_qc
from wuyi.consensus.evidence import Equivocation, compute_offence_id, validate_equivocation
from wuyi.crypto import get_suite
from wuyi.encoding import decode, encode
from wuyi.exceptions import CryptoError, ProofInvalid, ValidationError, WuyiError
from wuyi.ledger import keys
from wuyi.ledger.lightclient import TrustedSets, ValidatorChange
from wuyi.ledger.merkle import validate_inclusion_proof
from wuyi.ledger.types import BlockHeader, Receipt, Transaction
from wuyi.state import StateProof, verify_proof

__all__ = [
    "BUNDLE_FORMAT",
    "LEGACY_BUNDLE_FORMAT",
    "MAX_RECORDS",
    "BundleReport",
    "RecordReport",
    "combine_bundles",
    "validate_bundle",
]

BUNDLE_FORMAT = "wuyi-proof-bundle/2"
LEGACY_BUNDLE_FORMAT = "wuyi-proof-bundle/1"
MAX_RECORDS = 256
"""The most records one bundle carries (``records``)."""
CONTRACT_STATE = b"contract/"

_FIELDS = {
    "bundle": {"format", "chain", "genesis", "validator_changes", "anchor", "state", "record"},
    "bundle_records": {"format", "chain", "genesis", "validator_changes", "records"},
    "record": {"anchor", "state", "record"},
    "chain": {"chain_id", "suite", "genesis_hash"},
    "genesis": {"header", "validators"},
    "change": {"header", "qc", "validators"},
    "anchor": {"header", "qc", "tx", "index", "proof", "receipt", "receipt_proof"},
    "state": {"header", "qc", "key", "value", "proof"},
}


@dataclass
class RecordReport:
    """One record of a bundle, as checked."""

    kind: str = "evidence"
    """``evidence`` (a document's record), ``contract`` (a contract's record) or
    ``misbehaviour`` (a validator's equivocation)."""
    doc_hash: bytes = b""
    """The document the record is about (a contract's record: its ``doc_hash``, if any)."""
    status: str = ""
    anchored_height: int = 0
    anchored_time: int = 0
    """The anchoring block's time (ms), certified with its header from genesis."""
    org: str = ""
    state_height: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    """Evidence: its ``meta``; a contract's record: the record itself."""
    contract: str = ""
    key: str = ""
    """A contract's record: its key in the contract's state."""
    tx_hash: bytes = b""
    sender: bytes = b""
    """The public key that signed the anchoring transaction."""


@dataclass
class BundleReport:
    """What was checked and what it showed. ``pinned``: every header was certified from the
    genesis hash the caller pinned; otherwise :attr:`trust` says what the result rests on."""

    checks: list[str] = field(default_factory=list)
    format: str = BUNDLE_FORMAT
    pinned: bool = False
    trust: str = ""
    kind: str = "evidence"
    """``evidence`` (a document's record) or ``misbehaviour`` (a validator's equivocation)."""
    chain_id: str = ""
    suite: str = ""
    genesis_hash: bytes = b""
    validator_changes: int = 0
    doc_hash: bytes = b""
    status: str = ""
    anchored_height: int = 0
    anchored_time: int = 0
    org: str = ""
    state_height: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    records: list[RecordReport] = field(default_factory=list)
    """Every record, in the bundle's order (the fields above are the first one's)."""
    document_matches: list[int] = field(default_factory=list)
    """The records (indices) the document given is about."""


def validate_bundle(
    bundle: dict[str, Any],
    document: bytes | None = None,
    *,
    genesis_hash: bytes | None = None,
) -> BundleReport:
    """Check ``bundle`` offline; raise :class:`ProofInvalid` naming the first failed check.

    ``genesis_hash`` pins the chain: the bundle passes only if its genesis block hashes to it.
    ``document``, if given, must hash to the record's document hash (with several records: to
    that of at least one record, :attr:`BundleReport.document_matches` says which)."""
    report = BundleReport()
    try:
        _validate(bundle, document, genesis_hash, report)
    except ProofInvalid:
        raise
    except (WuyiError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        msg = exc.message if isinstance(exc, WuyiError) else f"{type(exc).__name__}: {exc}"
        raise ProofInvalid(f"bundle is malformed: {msg}") from None
    return report


def _fields(obj: Any, kind: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != _FIELDS[kind]:
        raise ProofInvalid(
            f"bundle is malformed: '{kind}' must have exactly {sorted(_FIELDS[kind])}"
        )
    return obj


def _validate(
    bundle: Any, document: bytes | None, pinned: bytes | None, report: BundleReport
) -> None:
    fmt = bundle.get("format") if isinstance(bundle, dict) else None
    if fmt == LEGACY_BUNDLE_FORMAT:
        if pinned is not None:
            raise ProofInvalid(
                f"a {LEGACY_BUNDLE_FORMAT} bundle carries no genesis block and no validator-set"
                " changes, so it cannot be checked against a pinned genesis hash; export the"
                f" record again ({BUNDLE_FORMAT}: wuyi bundle)"
            )
        _validate_legacy(bundle, document, report)
        return
    if fmt != BUNDLE_FORMAT:
        raise ProofInvalid(f"not a proof bundle: format is {fmt!r}, expected '{BUNDLE_FORMAT}'")
    several = "records" in bundle
    _fields(bundle, "bundle_records" if several else "bundle")
    report.format = fmt
    suite, chain_id = _process_chain(bundle, report)
    trusted = _process_genesis(suite, chain_id, bundle, pinned, report)
    _process_validator_changes(trusted, bundle["validator_changes"], report)
    sections = bundle["records"] if several else [bundle]
    if several and not (isinstance(sections, list) and 0 < len(sections) <= MAX_RECORDS):
        raise ProofInvalid(f"bundle is malformed: records is a list of 1-{MAX_RECORDS} records")
    for i, obj in enumerate(sections):
        sec = _fields(obj, "record") if several else obj
        checks: list[str] = []
        anchor = _fields(sec["anchor"], "anchor")
        state = _fields(sec["state"], "state")
        try:
            a_header = _certified(trusted, anchor, "anchor", checks)
            s_header = _certified(trusted, state, "state", checks)
            rec = _process_record(suite, chain_id, sec, a_header, s_header, checks)
        except ProofInvalid as exc:
            if not several:
                raise
            raise ProofInvalid(f"record {i}: {exc.message}") from None
        report.checks += [f"record {i}: {c}" for c in checks] if several else checks
        report.records.append(rec)
    _process_document(suite, document, report)


def _process_document(suite: Suite, document: bytes | None, report: BundleReport) -> None:
    """The document, if given, is the one a record names (and the report shows the first
    record's fields)."""
    first = report.records[0]
    for name in (
        "kind", "doc_hash", "status", "anchored_height", "anchored_time", "org",
        "state_height", "meta",
    ):  # fmt: skip
        setattr(report, name, getattr(first, name))
    if document is None:
        return
    got = suite.hash(document)
    named = [i for i, r in enumerate(report.records) if r.doc_hash and r.kind != "misbehaviour"]
    report.document_matches = [i for i in named if report.records[i].doc_hash == got]
    if len(report.records) == 1 and first.kind == "misbehaviour":
        return  # equivocation evidence is about no document
    if len(report.records) == 1 and first.kind == "evidence":
        if not report.document_matches:
            raise ProofInvalid(
                f"document does not match: its {suite.hash_name} is {got.hex()}, the record has"
                f" {first.doc_hash.hex()}"
            )
        report.checks.append(f"document: {suite.hash_name} matches the record")
        return
    if not named:
        raise ProofInvalid("document: no record in this bundle names a document hash")
    if not report.document_matches:
        raise ProofInvalid(
            f"document does not match: its {suite.hash_name} is {got.hex()}, which no record"
            " of this bundle names"
        )
    which = ", ".join(str(i) for i in report.document_matches)
    report.checks.append(f"document: {suite.hash_name} matches record(s) {which}")


def _process_chain(bundle: dict[str, Any], report: BundleReport) -> tuple[Suite, str]:
    chain = _fields(bundle["chain"], "chain")
    chain_id, suite_name = chain["chain_id"], chain["suite"]
    if not isinstance(chain_id, str) or not isinstance(suite_name, str):
        raise ProofInvalid("bundle is malformed: chain_id and suite must be text")
    try:
        suite = get_suite(suite_name)
    except CryptoError:
        raise ProofInvalid(f"unknown crypto suite '{suite_name}'") from None
    report.chain_id, report.suite = chain_id, suite_name
    return suite, chain_id


def _process_genesis(
    suite: Suite, chain_id: str, bundle: dict[str, Any], pinned: bytes | None, r: BundleReport
) -> TrustedSets:
    genesis = _fields(bundle["genesis"], "genesis")
    header = BlockHeader.from_obj(genesis["header"])
    trusted = TrustedSets(
        suite, chain_id, header, ValidatorSet.from_obj(genesis["validators"]), pinned=pinned
    )
    r.genesis_hash = trusted.genesis_hash
    if bundle["chain"]["genesis_hash"] != trusted.genesis_hash:
        raise ProofInvalid(
            "genesis: chain.genesis_hash is not the hash of the bundle's genesis block"
        )
    n = len(trusted.set_at(0))
    if pinned is not None:
        r.pinned = True
        r.trust = f"pinned genesis hash {pinned.hex()}"
        r.checks.append(
            f"genesis: the genesis block hashes to the pinned genesis hash {pinned.hex()};"
            f" its validator set ({n} validators) is the one it names"
        )
    else:
        r.trust = (
            "NOT PINNED: trusts the genesis block (and its validator set) in this file; its"
            f" genesis hash is {trusted.genesis_hash.hex()}: compare it with the one the chain"
            " publishes, or pin it (--genesis-hash)"
        )
        r.checks.append(
            f"genesis: taken from the file (not pinned), hash {trusted.genesis_hash.hex()};"
            f" its validator set ({n} validators) is the one it names"
        )
    return trusted


def _process_validator_changes(trusted: TrustedSets, changes: Any, report: BundleReport) -> None:
    if not isinstance(changes, list):
        raise ProofInvalid("bundle is malformed: validator_changes must be a list")
    for obj in changes:
        c = _fields(obj, "change")
        change = ValidatorChange.from_obj(c)
        trusted.add_change(change)
        report.checks.append(
            f"validator change at height {change.effective_height}: block"
            f" {change.header.height}, signed by the set in force"
            f" ({len(change.qc.signatures)}/{len(trusted.set_at(change.header.height))}), names"
            f" the new set ({len(change.validators)} validators)"
        )
    report.validator_changes = len(changes)


def _certified(
    trusted: TrustedSets, sec: dict[str, Any], name: str, checks: list[str]
) -> BlockHeader:
    header = BlockHeader.from_obj(sec["header"])
    if header.height == 0:
        raise ProofInvalid(f"{name}: the genesis block cannot carry records")
    qc = QuorumCertificate.from_obj(sec["qc"])
    trusted.certify(header, qc, what=name)
    checks.append(
        f"{name}: block {header.height} carries a commit certificate of the validator set in"
        f" force from genesis ({len(qc.signatures)}/{len(trusted.set_at(header.height))})"
    )
    return header


@dataclass
class _Anchored:
    """A record section whose anchoring transaction has been checked: what the check of the
    record itself (by the transaction's kind) works from and writes to."""

    suite: Suite
    chain_id: str
    sec: dict[str, Any]
    """The section: its ``anchor``, ``state`` and ``record``."""
    tx: Transaction
    tx_hash: bytes
    a_header: BlockHeader
    s_header: BlockHeader
    checks: list[str]
    rec: RecordReport

    def state_record(self) -> Any:
        """The record proven in the state block (:func:`_process_state`)."""
        return _process_state(self.suite, self.sec, self.s_header, self.checks)


def _process_record(
    suite: Suite,
    chain_id: str,
    sec: dict[str, Any],
    a_header: BlockHeader,
    s_header: BlockHeader,
    checks: list[str],
) -> RecordReport:
    """One record (``sec``: its ``anchor``, ``state`` and ``record``) under certified headers."""
    if s_header.height < a_header.height:
        raise ProofInvalid("state block is older than the anchoring block")
    tx, tx_hash = _process_anchor_tx(suite, chain_id, sec["anchor"], a_header, checks)
    rec = RecordReport(
        anchored_height=a_header.height,
        anchored_time=a_header.time,
        state_height=s_header.height,
        tx_hash=tx_hash,
        sender=tx.sender,
    )
    check = _RECORD_CHECKS.get(tx.kind)
    if check is None:
        raise ProofInvalid(
            f"anchor: transaction is '{tx.kind}', not an evidence anchor or a contract call"
        )
    check(_Anchored(suite, chain_id, sec, tx, tx_hash, a_header, s_header, checks, rec))
    return rec


def _validate_evidence_record(a: _Anchored) -> None:
    """A document's evidence record, written by the anchoring ``evidence.anchor``."""
    tx_hash, rec, checks = a.tx_hash, a.rec, a.checks
    doc_hash: bytes = a.tx.payload["doc_hash"]
    key = keys.evidence_key(doc_hash)
    if a.sec["state"]["key"] != key:
        raise ProofInvalid("state: proven key is not this document's record")
    record = a.state_record()
    if record["tx_hash"] != tx_hash or record["height"] != a.a_header.height:
        raise ProofInvalid("record does not point at the anchoring transaction")
    if record["doc_hash"] != doc_hash:
        raise ProofInvalid("record's document hash differs from the transaction's")
    checks.append("record: points at the anchoring transaction")
    rec.doc_hash = doc_hash
    rec.status = record["status"]
    rec.org = record["org"]
    rec.meta = record["meta"]
    if not isinstance(rec.meta, dict):
        raise ValidationError("record meta is not a map")


def _validate_contract_record(a: _Anchored) -> None:
    """A record the called contract wrote in its own state, naming the anchoring
    transaction."""
    tx_hash, rec, checks = a.tx_hash, a.rec, a.checks
    name = a.tx.payload.get("contract")
    if not isinstance(name, str) or not name:
        raise ProofInvalid("anchor: the contract call names no contract")
    prefix = CONTRACT_STATE + name.encode() + b"/s/"
    key = a.sec["state"]["key"]
    if not (isinstance(key, bytes) and key.startswith(prefix) and len(key) > len(prefix)):
        raise ProofInvalid(f"state: proven key is not in the state of contract '{name}'")
    try:
        rec.key = key[len(prefix) :].decode("utf-8")
    except UnicodeDecodeError:
        raise ProofInvalid("state: the contract's key is not UTF-8 text") from None
    record = a.state_record()
    if not isinstance(record, dict):
        raise ProofInvalid(f"record: '{rec.key}' of contract '{name}' is not a map")
    written = record.get("tx_hash")
    if isinstance(written, str):
        written = written if written == written.lower() else ""
        try:
            written = bytes.fromhex(written)
        except ValueError:
            written = b""
    if written != tx_hash or record.get("height") != a.a_header.height:
        raise ProofInvalid(
            "record does not point at the anchoring transaction (a contract's record names it"
            " in tx_hash and height)"
        )
    checks.append(
        f"record: '{rec.key}' of contract '{name}' was written by the anchoring transaction"
    )
    rec.kind = "contract"
    rec.contract = name
    rec.meta = record
    doc = record.get("doc_hash")
    rec.doc_hash = doc if isinstance(doc, bytes) and len(doc) == 32 else b""
    status, org = record.get("status"), record.get("org")
    rec.status = status if isinstance(status, str) else ""
    rec.org = org if isinstance(org, str) else ""


def _process_anchor_tx(
    suite: Suite,
    chain_id: str,
    anchor: dict[str, Any],
    header: BlockHeader,
    checks: list[str],
) -> tuple[Transaction, bytes]:
    """The anchoring transaction is in the block, signed by its sender, and succeeded."""
    tx_bytes, index = anchor["tx"], anchor["index"]
    if not isinstance(tx_bytes, bytes) or type(index) is not int:
        raise ProofInvalid("bundle is malformed: anchor.tx must be bytes and anchor.index an int")
    try:
        validate_inclusion_proof(
            suite.hash, header.tx_root, tx_bytes, index, header.tx_count, _path(anchor["proof"])
        )
    except ProofInvalid as exc:
        raise ProofInvalid(f"transaction inclusion: {exc.message}") from None
    checks.append(f"anchor: transaction {index} is included in block {header.height}")
    tx = Transaction.from_bytes(tx_bytes)
    if tx.chain_id != chain_id or not suite.verify(tx.sender, tx.signing_bytes(), tx.signature):
        raise ProofInvalid("anchor: the transaction's signature does not verify")
    tx_hash = suite.hash(tx.signing_bytes())
    checks.append("anchor: transaction signature verifies for its sender")
    receipt_bytes = encode(anchor["receipt"])
    receipt = Receipt.from_obj(decode(receipt_bytes))
    if receipt.to_bytes() != receipt_bytes:
        raise ProofInvalid("bundle is malformed: anchor.receipt is not a receipt's canonical form")
    try:
        validate_inclusion_proof(
            suite.hash,
            header.receipts_root,
            receipt_bytes,
            index,
            header.tx_count,
            _path(anchor["receipt_proof"]),
        )
    except ProofInvalid as exc:
        raise ProofInvalid(f"receipt inclusion: {exc.message}") from None
    if receipt.tx_hash != tx_hash or not receipt.ok:
        raise ProofInvalid("anchor: the receipt does not show this transaction succeeding")
    checks.append("anchor: receipt is included and shows success")
    return tx, tx_hash


def _path(obj: Any) -> list[bytes]:
    if not isinstance(obj, list) or not all(isinstance(p, bytes) and len(p) == 32 for p in obj):
        raise ProofInvalid("bundle is malformed: an audit path is a list of 32-byte hashes")
    return obj


def _process_state(
    suite: Suite, sec: dict[str, Any], header: BlockHeader, checks: list[str]
) -> Any:
    """The record's current value is in the state under the state block's root, and the
    bundle's ``record`` is that value decoded."""
    state = sec["state"]
    key, value = state["key"], state["value"]
    if not isinstance(key, bytes) or not isinstance(value, bytes):
        raise ProofInvalid("bundle is malformed: state.key and state.value must be bytes")
    try:
        verify_proof(suite.hash, header.state_root, key, value, StateProof.from_obj(state["proof"]))
    except ProofInvalid as exc:
        raise ProofInvalid(f"state proof: {exc.message}") from None
    checks.append(f"state: record is in the state of block {header.height}")
    record = decode(value)
    if encode(sec["record"]) != value:
        raise ProofInvalid("record shown in the bundle differs from the proven state value")
    return record


# -- format /1 (read without a pin only) -------------------------------------------------------


def _validate_legacy(bundle: dict[str, Any], document: bytes | None, r: BundleReport) -> None:
    r.format = LEGACY_BUNDLE_FORMAT
    suite, chain_id = _process_chain(bundle, r)
    claimed = bundle["chain"]["genesis_hash"]
    r.genesis_hash = claimed if isinstance(claimed, bytes) else b""
    r.trust = (
        f"NOT PINNED: an old {LEGACY_BUNDLE_FORMAT} bundle trusts the validator sets it carries;"
        f" nothing ties them to the chain's genesis (its claimed genesis hash"
        f" {r.genesis_hash.hex()} is not checked)"
    )
    r.checks.append(f"{LEGACY_BUNDLE_FORMAT}: validator sets taken from the file (not pinned)")
    a_header = _legacy_header(suite, chain_id, bundle["anchor"], "anchor", r)
    s_header = _legacy_header(suite, chain_id, bundle["state"], "state", r)
    r.records.append(_process_record(suite, chain_id, bundle, a_header, s_header, r.checks))
    _process_document(suite, document, r)


def _legacy_header(
    suite: Suite, chain_id: str, sec: dict[str, Any], name: str, r: BundleReport
) -> BlockHeader:
    header = BlockHeader.from_obj(sec["header"])
    if header.chain_id != chain_id:
        raise ProofInvalid(f"{name}: header is for chain '{header.chain_id}', not '{chain_id}'")
    if header.height == 0:
        raise ProofInvalid(f"{name}: the genesis block cannot carry records")
    valset = ValidatorSet.from_obj(sec["validators"])
    if valset.compute_hash(suite) != header.validator_set_hash:
        raise ProofInvalid(f"{name}: validator set does not match the header's validator_set_hash")
    qc = QuorumCertificate.from_obj(sec["qc"])
    try:
        validate_qc(
            suite, chain_id, valset, qc, height=header.height, block_hash=header.compute_hash(suite)
        )
    except ProofInvalid as exc:
        raise ProofInvalid(
            f"{name}: block {header.height} quorum certificate: {exc.message}"
        ) from None
    r.checks.append(
        f"{name}: block {header.height} carries a quorum certificate of the set in the file"
        f" ({len(qc.signatures)}/{len(valset)})"
    )
    return header


def _validate_misbehaviour(a: _Anchored) -> None:
    """A validator's equivocation evidence: its two signed messages verify and conflict, and
    the record the chain wrote for it is in the state."""
    suite, chain_id, rec, checks = a.suite, a.chain_id, a.rec, a.checks
    ev = Equivocation.from_obj(a.tx.payload)
    try:
        validate_equivocation(suite, chain_id, ev)
    except ValidationError as exc:
        raise ProofInvalid(f"evidence: {exc.message}") from None
    checks.append(
        f"evidence: two different {ev.step} messages at height {ev.height} round {ev.round},"
        f" both signed by {ev.offender.hex()[:16]}…"
    )
    key = keys.misbehaviour_key(compute_offence_id(suite, chain_id, ev))
    if a.sec["state"]["key"] != key:
        raise ProofInvalid("state: proven key is not this evidence's record")
    record = a.state_record()
    if record["tx_hash"] != a.tx_hash or record["recorded_height"] != a.a_header.height:
        raise ProofInvalid("record does not point at the transaction that recorded it")
    if record["offender"] != ev.offender:
        raise ProofInvalid("record names another validator than the evidence")
    checks.append(
        "record: points at the transaction that recorded it (the chain checked that the"
        f" signer was a validator at height {ev.height})"
    )
    rec.kind = "misbehaviour"
    rec.doc_hash = record["id"]
    rec.status = "recorded"
    rec.meta = {
        "offender": ev.offender.hex(),
        "offender_name": record["offender_name"],
        "step": ev.step,
        "height": ev.height,
        "round": ev.round,
        "proposal": record["proposal"],
    }


_RECORD_CHECKS = {
    "evidence.anchor": _validate_evidence_record,
    "contract.call": _validate_contract_record,
    "consensus.evidence": _validate_misbehaviour,
}
"""How the record of a bundle is checked, by the kind of its anchoring transaction."""


# -- several bundles in one ----------------------------------------------------------------------


def combine_bundles(bundles: list[dict[str, Any]]) -> dict[str, Any]:
    """One bundle carrying the records of ``bundles`` (canonical values, each of one record or
    several, all of the same chain and genesis), in order: the ``records`` form, with the
    validator-set changes of the one that goes furthest (the chain's changes are one list, so
    the others' are a prefix of it). Nothing is checked here: :func:`validate_bundle` does."""
    if not 0 < len(bundles) <= MAX_RECORDS:
        raise ValidationError(f"combine 1-{MAX_RECORDS} bundles")
    first = bundles[0]
    records: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for b in bundles:
        if b.get("format") != BUNDLE_FORMAT:
            raise ValidationError(f"only {BUNDLE_FORMAT} bundles combine")
        if b["chain"] != first["chain"] or b["genesis"] != first["genesis"]:
            raise ValidationError("the bundles are of different chains")
        if "records" in b:
            records += b["records"]
        else:
            records.append({k: b[k] for k in ("anchor", "state", "record")})
        if len(b["validator_changes"]) > len(changes):
            changes = b["validator_changes"]
    if len(records) > MAX_RECORDS:
        raise ValidationError(f"a bundle carries at most {MAX_RECORDS} records")
    return {
        "format": BUNDLE_FORMAT,
        "chain": first["chain"],
        "genesis": first["genesis"],
        "validator_changes": changes,
        "records": records,
    }
