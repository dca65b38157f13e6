"""Fact bundles (``wuyi-xchain-fact/1``): "on chain A, key K had value V (or none) at height h",
checked offline from A's genesis hash alone — by ``wuyi verify``, the SDK, or a verifier in
another language (``docs/crosschain.md``, "Fact bundles").

A bundle (file form of ``wuyi.ledger.jsonform``: bytes as ``{"$bytes": hex}``)::

    {"format": "wuyi-xchain-fact/1",
     "chain": {"chain_id", "suite", "genesis_hash"},
     "genesis": {"header", "validators"},
     "validator_changes": [{"header", "qc", "validators"}, ...],
     "header": <header of height h>, "qc": <its commit QC>,
     "fact": {"key": bytes, "value": bytes | null, "proof": <typed proof>}}

Checks, in order: the genesis (pinned hash), each change, the header's commit QC (all with
:class:`~wuyi.ledger.lightclient.TrustedSets`, the same walk as proof bundles), then the
membership (``value`` given) or non-membership (``value`` null) proof against the header's
state root with the *separate* verifier of each (:mod:`wuyi.crosschain.proofs`). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wuyi.consensus.certificate import QuorumCertificate, ValidatorSet
from wuyi.crosschain.proofs import (
    MembershipProof,
    NonMembershipProof,
    spec_for_suite,
    verify_membership,
    verify_non_membership,
)
from wuyi.crypto import get_suite
from wuyi.exceptions import ProofInvalid, WuyiError
from wuyi.ledger.lightclient import TrustedSets, ValidatorChange
from wuyi.ledger.types import BlockHeader

__all__ = ["FACT_FORMAT", "FactReport", "make_fact_bundle", "validate_fact_bundle"]

FACT_FORMAT = "wuyi-xchain-fact/1"
_TOP = {"format", "chain", "genesis", "validator_changes", "header", "qc", "fact"}


@dataclass
class FactReport:
    """What a fact bundle showed."""

    chain_id: str = ""
    suite: str = ""
    genesis_hash: bytes = b""
    pinned: bool = False
    height: int = 0
    time: int = 0
    key: bytes = b""
    present: bool = False
    value: bytes | None = None
    checks: list[str] = field(default_factory=list)


def make_fact_bundle(
    *,
    chain_id: str,
    suite: str,
    genesis_header: BlockHeader,
    genesis_validators: ValidatorSet,
    changes: list[ValidatorChange],
    header: BlockHeader,
    qc: QuorumCertificate,
    key: bytes,
    value: bytes | None,
    proof: MembershipProof | NonMembershipProof,
) -> dict[str, Any]:
    """The canonical value of a fact bundle (``jsonform.dumps`` writes the file)."""
    return {
        "format": FACT_FORMAT,
        "chain": {
            "chain_id": chain_id,
            "suite": suite,
            "genesis_hash": genesis_header.compute_hash(get_suite(suite)),
        },
        "genesis": {"header": genesis_header.to_obj(), "validators": genesis_validators.to_obj()},
        "validator_changes": [
            {"header": c.header.to_obj(), "qc": c.qc.to_obj(), "validators": c.validators.to_obj()}
            for c in changes
        ],
        "header": header.to_obj(),
        "qc": qc.to_obj(),
        "fact": {"key": key, "value": value, "proof": proof.to_obj()},
    }


def validate_fact_bundle(bundle: Any, *, genesis_hash: bytes | None = None) -> FactReport:
    """Check ``bundle``; :class:`ProofInvalid` names the first check that fails."""
    try:
        return _validate(bundle, genesis_hash)
    except ProofInvalid:
        raise
    except (WuyiError, KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = exc.message if isinstance(exc, WuyiError) else f"{type(exc).__name__}: {exc}"
        raise ProofInvalid(f"fact bundle is malformed: {msg}") from None


def _validate(bundle: Any, pinned: bytes | None) -> FactReport:
    if type(bundle) is not dict or set(bundle) != _TOP or bundle["format"] != FACT_FORMAT:
        raise ProofInvalid(f"not a {FACT_FORMAT} bundle (fields {sorted(_TOP)})")
    rep = FactReport()
    chain = bundle["chain"]
    rep.chain_id, rep.suite = chain["chain_id"], chain["suite"]
    suite = get_suite(rep.suite)
    genesis = BlockHeader.from_obj(bundle["genesis"]["header"])
    sets = TrustedSets(
        suite,
        rep.chain_id,
        genesis,
        ValidatorSet.from_obj(bundle["genesis"]["validators"]),
        pinned=pinned,
    )
    rep.genesis_hash, rep.pinned = sets.genesis_hash, pinned is not None
    if chain["genesis_hash"] != sets.genesis_hash:
        raise ProofInvalid("genesis: the bundle's genesis_hash is not its genesis header's hash")
    rep.checks.append(f"genesis {sets.genesis_hash.hex()[:16]}…")
    for c in bundle["validator_changes"]:
        sets.add_change(ValidatorChange.from_obj(c))
    rep.checks.append(f"{len(bundle['validator_changes'])} validator-set change(s)")
    header = BlockHeader.from_obj(bundle["header"])
    qc = None if bundle["qc"] is None else QuorumCertificate.from_obj(bundle["qc"])
    sets.certify(header, qc, what="fact header")
    rep.height, rep.time = header.height, header.time
    rep.checks.append(f"header {header.height} certified by its validator set")
    fact = bundle["fact"]
    if type(fact) is not dict or set(fact) != {"key", "value", "proof"}:
        raise ProofInvalid("fact: {key, value, proof}")
    key, value = fact["key"], fact["value"]
    if type(key) is not bytes:
        raise ProofInvalid("fact: key must be bytes")
    spec = spec_for_suite(rep.suite)
    if value is None:
        verify_non_membership(
            spec, header.state_root, key, NonMembershipProof.from_obj(fact["proof"])
        )
        rep.checks.append("non-membership proof against the state root")
    else:
        if type(value) is not bytes:
            raise ProofInvalid("fact: value must be bytes or null")
        verify_membership(
            spec, header.state_root, key, value, MembershipProof.from_obj(fact["proof"])
        )
        rep.checks.append("membership proof against the state root")
    rep.key, rep.value, rep.present = key, value, value is not None
    return rep
