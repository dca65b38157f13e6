"""Verification from genesis: the validator set of any height, derived from the genesis block
and the chain of certified validator-set changes, and headers certified by it.

This is the one place that decides whether a block header is the chain's. The proof bundle
(:mod:`wuyi.ledger.bundle`), the SDK's verified reads (:class:`wuyi.sdk.WuyiClient`), the CLI
(``wuyi verify``) and the API's check (``POST /v1/verify``, the console's public page) all go
through :class:`TrustedSets`. Pure: no clock, no I/O.

The rules (a light client's skipping rules, ``docs/verifying.md``):

1. **Genesis.** The genesis header hashes to the genesis hash (pinned by the verifier, or
   computed and shown when nothing is pinned); its ``validator_set_hash`` is the hash of the
   genesis validator set, which is in force from height 0.
2. **Changes.** A set ``S'`` is in force from height ``e`` when block ``e - 1``, whose header
   names the set in force at ``e - 1`` (``validator_set_hash``) and carries a commit QC of more
   than two thirds of that set's power, names ``S'`` in ``next_validator_set_hash`` and
   ``S'`` differs from that set. Changes come in order of height, each after the last.
3. **Headers.** A header at height ``h > 0`` is the chain's when it names the set in force at
   ``h`` and carries a commit QC (vote type ``commit``) of more than two thirds of its power.

A change left out is caught by rule 2 or 3: the next change or the header names a set that is
not the one derived from genesis. A set that was never in force cannot sign anything that
passes, since every signature is checked against the derived set.

**Another chain's client** (``wuyi.crosschain``, ICS-07's rules) keeps a trusted state per
verified height instead of every change since genesis, and moves forward with
:func:`verify_header_update`: the same certification (:func:`validate_certified_header`: the
header names the set that signs it, a commit QC of more than two thirds of its power, every
signature checked with the *source* chain's suite) plus a trusting period, a clock-drift
bound, and either adjacency (the set is the trusted ``next_validator_set_hash``) or, when
skipping heights, at least ``trust_level`` (default 1/3) of the trusted set's power among the
signers. The clock is the caller's (chain B's block time), never the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wuyi.abc import Suite
from wuyi.consensus.certificate import COMMIT, QuorumCertificate, ValidatorSet, validate_qc
from wuyi.exceptions import HeaderRefused, ProofInvalid
from wuyi.ledger.types import BlockHeader

__all__ = [
    "TrustOptions",
    "TrustedHeight",
    "TrustedSets",
    "ValidatorChange",
    "compute_signed_power",
    "validate_certified_header",
    "validate_commit_qc",
    "verify_header_update",
]


def validate_commit_qc(
    suite: Suite,
    chain_id: str,
    validators: ValidatorSet,
    qc: QuorumCertificate,
    *,
    height: int,
    block_hash: bytes,
) -> None:
    """Raise :class:`ProofInvalid` unless ``qc`` is a quorum of **commit** votes of
    ``validators`` on (``height``, ``block_hash``). A quorum of prevotes does not show that the
    block was committed: a later round may commit another block at the same height."""
    if qc.vote_type != COMMIT:
        raise ProofInvalid(
            f"block {height}'s certificate is of '{qc.vote_type}' votes, not commit votes"
        )
    validate_qc(suite, chain_id, validators, qc, height=height, block_hash=block_hash)


@dataclass(frozen=True)
class ValidatorChange:
    """A validator-set change as a light client checks it: the header of block
    ``effective_height - 1``, its commit QC and the set it names as next."""

    header: BlockHeader
    qc: QuorumCertificate
    validators: ValidatorSet

    @property
    def effective_height(self) -> int:
        return self.header.height + 1

    @classmethod
    def from_obj(cls, obj: Any) -> ValidatorChange:
        """From its canonical form ``{header, qc, validators}`` (a bundle's, a peer's)."""
        return cls(
            BlockHeader.from_obj(obj["header"]),
            QuorumCertificate.from_obj(obj["qc"]),
            ValidatorSet.from_obj(obj["validators"]),
        )


class TrustedSets:
    """The validator sets of one chain, established from its genesis header.

    ``pinned`` is the genesis hash the verifier knows from elsewhere (a published value, the
    node's own genesis); without it the sets rest on the genesis header given here, whose hash
    (:attr:`genesis_hash`) the caller must show so that a person can compare it."""

    def __init__(
        self,
        suite: Suite,
        chain_id: str,
        genesis_header: BlockHeader,
        genesis_validators: ValidatorSet,
        *,
        pinned: bytes | None = None,
    ) -> None:
        self.suite = suite
        self.chain_id = chain_id
        self.pinned = pinned is not None
        if genesis_header.chain_id != chain_id:
            raise ProofInvalid(
                f"genesis: the genesis header is for chain '{genesis_header.chain_id}',"
                f" not '{chain_id}'"
            )
        if genesis_header.height != 0:
            raise ProofInvalid(f"genesis: the genesis header has height {genesis_header.height}")
        self.genesis_hash = genesis_header.compute_hash(suite)
        if pinned is not None and self.genesis_hash != pinned:
            raise ProofInvalid(
                f"genesis: the genesis block hashes to {self.genesis_hash.hex()}, not to the"
                f" pinned genesis hash {pinned.hex()} (another chain)"
            )
        if genesis_validators.compute_hash(suite) != genesis_header.validator_set_hash:
            raise ProofInvalid(
                "genesis: the validator set given is not the one the genesis header names"
                " (validator_set_hash)"
            )
        self.genesis_header = genesis_header
        self._sets: list[tuple[int, ValidatorSet]] = [(0, genesis_validators)]
        self._hashes: list[bytes] = [genesis_header.validator_set_hash]

    @property
    def sets(self) -> list[tuple[int, ValidatorSet]]:
        """(first height in force, set), oldest first."""
        return list(self._sets)

    @property
    def last_change_height(self) -> int:
        return self._sets[-1][0]

    def set_at(self, height: int) -> ValidatorSet:
        """The set in force at ``height`` as far as the changes added so far show."""
        for (eff, vs), nxt in zip(self._sets, [*self._sets[1:], None], strict=True):
            if eff <= height and (nxt is None or height < nxt[0]):
                return vs
        raise ProofInvalid(f"no validator set is known for height {height}")

    def hash_at(self, height: int) -> bytes:
        """The hash of :meth:`set_at` (``validator_set_hash`` a header of ``height`` must name)."""
        i = max(i for i, (eff, _) in enumerate(self._sets) if eff <= height)
        return self._hashes[i]

    def add_change(self, change: ValidatorChange) -> None:
        """Accept ``change`` (rule 2) or raise :class:`ProofInvalid` naming the check."""
        h = change.header
        e = change.effective_height
        what = f"validator change at height {e}"
        if h.height < 1:
            raise ProofInvalid(f"{what}: a change is named by a certified block (height >= 1)")
        if e <= self.last_change_height:
            raise ProofInvalid(
                f"{what}: changes must come in order, each after the last"
                f" (the last took effect at {self.last_change_height})"
            )
        prev = self._sets[-1][1]
        self.certify(h, change.qc, what=what)
        new_hash = change.validators.compute_hash(self.suite)
        if h.next_validator_set_hash != new_hash:
            raise ProofInvalid(
                f"{what}: block {h.height} does not name this set as its next_validator_set_hash"
            )
        if new_hash == prev.compute_hash(self.suite):
            raise ProofInvalid(f"{what}: the set is the one already in force (not a change)")
        self._sets.append((e, change.validators))
        self._hashes.append(new_hash)

    def certify(self, header: BlockHeader, qc: QuorumCertificate | None, *, what: str) -> bytes:
        """Check that ``header`` is the chain's (rule 3); return its block hash."""
        if header.chain_id != self.chain_id:
            raise ProofInvalid(
                f"{what}: header is for chain '{header.chain_id}', not '{self.chain_id}'"
            )
        block_hash = header.compute_hash(self.suite)
        if header.height == 0:
            if block_hash != self.genesis_hash:
                raise ProofInvalid(f"{what}: this genesis header is not the chain's genesis")
            return block_hash
        expected = self.hash_at(header.height)
        if header.validator_set_hash != expected:
            raise ProofInvalid(
                f"{what}: block {header.height} names validator set"
                f" {header.validator_set_hash.hex()[:16]}…, but the set in force at that height"
                f" from genesis is {expected.hex()[:16]}… (a validator-set change is missing,"
                " or the block is signed by a set that was never in force)"
            )
        return validate_certified_header(
            self.suite, self.chain_id, header, qc, self.set_at(header.height), what=what
        )


def validate_certified_header(
    suite: Suite,
    chain_id: str,
    header: BlockHeader,
    qc: QuorumCertificate | None,
    validators: ValidatorSet,
    *,
    what: str,
) -> bytes:
    """Check that ``header`` (height > 0) names ``validators`` as the set that signs it and
    carries a commit QC of more than two thirds of their power over its hash, every signature
    verified with ``suite``; return the block hash. :class:`ProofInvalid` names the check."""
    if header.chain_id != chain_id:
        raise ProofInvalid(f"{what}: header is for chain '{header.chain_id}', not '{chain_id}'")
    if header.validator_set_hash != validators.compute_hash(suite):
        raise ProofInvalid(
            f"{what}: block {header.height} names validator set"
            f" {header.validator_set_hash.hex()[:16]}…, not the set given to check it with"
        )
    block_hash = header.compute_hash(suite)
    if qc is None:
        raise ProofInvalid(f"{what}: block {header.height} has no quorum certificate")
    if qc.vote_type != COMMIT:
        raise ProofInvalid(
            f"{what}: block {header.height}'s certificate is of '{qc.vote_type}' votes,"
            " not commit votes"
        )
    try:
        validate_commit_qc(
            suite, chain_id, validators, qc, height=header.height, block_hash=block_hash
        )
    except ProofInvalid as exc:
        raise ProofInvalid(
            f"{what}: block {header.height} quorum certificate: {exc.message}"
        ) from None
    return block_hash


def compute_signed_power(
    signers: ValidatorSet, qc: QuorumCertificate, trusted: ValidatorSet
) -> int:
    """The power, in ``trusted``, of the validators of ``signers`` whose signatures ``qc``
    carries (indices into ``signers``; the signatures are checked by
    :func:`validate_certified_header`). A key counts once."""
    power = 0
    seen: set[bytes] = set()
    for index, _ in qc.signatures:
        if not 0 <= index < len(signers):
            continue
        key = signers.validators[index].public_key
        at = trusted.index_of(key)
        if at is not None and key not in seen:
            seen.add(key)
            power += trusted.validators[at].power
    return power


@dataclass(frozen=True, slots=True)
class TrustOptions:
    """The rules of a client of another chain (ICS-07 ``ClientState``), fixed when the chain
    is registered. Milliseconds, like block times."""

    trusting_period_ms: int
    max_clock_drift_ms: int
    trust_numerator: int = 1
    trust_denominator: int = 3

    def __post_init__(self) -> None:
        if self.trusting_period_ms <= 0 or self.max_clock_drift_ms < 0:
            raise ValueError("trusting period must be positive, clock drift non-negative")
        if not 0 < self.trust_numerator <= self.trust_denominator or not (
            3 * self.trust_numerator >= self.trust_denominator
        ):
            raise ValueError("trust level must be between 1/3 and 1")


@dataclass(frozen=True, slots=True)
class TrustedHeight:
    """What the client keeps of a verified header (ICS-07 ``ConsensusState``)."""

    height: int
    time: int
    next_validators_hash: bytes


def _refuse(rule: str, message: str) -> HeaderRefused:
    return HeaderRefused(message, rule=rule)


def verify_header_update(
    suite: Suite,
    chain_id: str,
    trusted: TrustedHeight,
    header: BlockHeader,
    qc: QuorumCertificate | None,
    validators: ValidatorSet,
    trusted_validators: ValidatorSet | None,
    *,
    now_ms: int,
    options: TrustOptions,
) -> bytes:
    """ICS-07's validity predicate: may the client go from ``trusted`` to ``header``?

    1. the trusted state is within the trusting period of ``now_ms``;
    2. ``header`` is of ``chain_id`` and above the trusted height; its time is after the
       trusted time, within the trusting period and before ``now_ms + max_clock_drift``;
    3. it is certified by ``validators`` (:func:`validate_certified_header`, the source
       ``suite``);
    4. adjacent (``height = trusted + 1``): ``validators`` is the trusted next set;
       skipping: ``trusted_validators`` is the trusted next set and the signers hold at least
       ``trust_level`` of its power.

    Returns the header's block hash; raises :class:`HeaderRefused` with ``rule``."""
    what = f"header {header.height} of '{chain_id}'"
    period = options.trusting_period_ms
    if now_ms - trusted.time >= period:
        raise _refuse(
            "expired",
            f"{what}: the trusted state at height {trusted.height} is older than the trusting"
            f" period ({period} ms): the client has expired; governance must recover it",
        )
    if header.chain_id != chain_id:
        raise _refuse("chain_id", f"{what}: the header is for chain '{header.chain_id}'")
    if header.height <= trusted.height:
        raise _refuse("height", f"{what}: not above the trusted height {trusted.height}")
    if header.time < trusted.time:  # Wuyi block times never decrease (equal is allowed)
        raise _refuse(
            "time",
            f"{what}: its time {header.time} is before the trusted time {trusted.time}",
        )
    if header.time >= now_ms + options.max_clock_drift_ms:
        raise _refuse(
            "clock_drift",
            f"{what}: its time {header.time} is beyond this chain's time {now_ms} plus the"
            f" allowed clock drift ({options.max_clock_drift_ms} ms)",
        )
    if now_ms - header.time >= period:
        raise _refuse("expired", f"{what}: the header is older than the trusting period")
    try:
        block_hash = validate_certified_header(suite, chain_id, header, qc, validators, what=what)
    except ProofInvalid as exc:
        raise _refuse("quorum", exc.message) from None
    assert qc is not None
    if header.height == trusted.height + 1:
        if header.validator_set_hash != trusted.next_validators_hash:
            raise _refuse(
                "validators",
                f"{what}: adjacent to the trusted height but signed by a set other than the"
                " trusted next validator set",
            )
        return block_hash
    if trusted_validators is None:
        raise _refuse(
            "trust_overlap",
            f"{what}: skipping from height {trusted.height} needs the trusted validator set",
        )
    if trusted_validators.compute_hash(suite) != trusted.next_validators_hash:
        raise _refuse(
            "validators",
            f"{what}: the trusted validator set given is not the one trusted at height"
            f" {trusted.height}",
        )
    power = compute_signed_power(validators, qc, trusted_validators)
    total = trusted_validators.total_power
    if power * options.trust_denominator < total * options.trust_numerator:
        raise _refuse(
            "trust_overlap",
            f"{what}: validators trusted at height {trusted.height} hold {power} of {total}"
            f" power among its signers; skipping needs at least"
            f" {options.trust_numerator}/{options.trust_denominator}",
        )
    return block_hash
