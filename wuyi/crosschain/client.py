"""A light client of another chain, as chain B keeps it (ICS-02 / ICS-07): the objects and the
pure rules. The storage and the transactions are in :mod:`wuyi.crosschain.handlers`.

Objects (canonical maps, stored under ``xchain/`` on B; ``docs/crosschain.md``):

* :class:`ClientState` — the registration (chain id, genesis hash and genesis set, suite,
  proof spec, trust options, allowed prefixes and facts, receiving ports) and its progress
  (latest height, frozen).
* :class:`ConsensusState` — per verified height: A's time, state root and next validator-set
  hash (ICS-07), plus the block hash (to tell two headers at one height apart) and when B
  stored it.
* :class:`ClientUpdate` — a header of A, its commit QC, the set that signed it, and the
  trusted height it is checked from (with the trusted set when it skips heights).
* :class:`Misbehaviour` — two updates that cannot both be A's: two blocks at one height, or
  times that run backwards between heights.

Rules (all pure; ``now_ms`` is B's block time):

* :func:`verify_update` — :func:`wuyi.ledger.lightclient.verify_header_update` with the
  client's options and the source chain's suite: the one place that decides whether a
  header is A's.
* :func:`check_misbehaviour` — both updates verify, and they conflict.
* :func:`validate_fact` — the key is under the fact's prefix, the fact under an allowed
  prefix; a status fact is proven at a height no older than its maximum age; the delay
  period has passed since B stored the header.
* :func:`client_status` — ``active``, ``frozen``, ``expired`` (or ``retired``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final, TypeVar

from wuyi.abc import Suite
from wuyi.consensus.certificate import QuorumCertificate, ValidatorSet
from wuyi.crosschain.proofs import ProofSpec
from wuyi.crypto import get_suite
from wuyi.exceptions import (
    ClientExpired,
    ClientFrozen,
    CrossChainRefused,
    HeaderRefused,
    PathNotAllowed,
    StaleFact,
    ValidationError,
    WuyiError,
)
from wuyi.ledger.lightclient import TrustedHeight, TrustOptions, verify_header_update
from wuyi.ledger.types import BlockHeader

__all__ = [
    "DEFAULT_MAX_CLOCK_DRIFT_MS",
    "DEFAULT_TRUSTING_PERIOD_MS",
    "ClientState",
    "ClientUpdate",
    "ConsensusState",
    "FactRule",
    "Misbehaviour",
    "check_misbehaviour",
    "client_status",
    "conflicts_with_neighbours",
    "require_active",
    "validate_chain_id",
    "validate_fact",
    "validate_prefix",
    "verify_update",
]

DEFAULT_TRUSTING_PERIOD_MS: Final = 7 * 24 * 3600 * 1000
DEFAULT_MAX_CLOCK_DRIFT_MS: Final = 15_000
MAX_PREFIXES: Final = 32
MAX_FACTS: Final = 64
MAX_PORTS: Final = 32
MAX_PREFIX_BYTES: Final = 128
MAX_VALIDATORS: Final = 256
_CHAIN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")
_FACT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
STATUSES: Final = ("active", "frozen", "retired")


def validate_chain_id(value: Any, field_name: str = "chain_id") -> str:
    if type(value) is not str or not _CHAIN_ID.match(value):
        raise ValidationError(
            f"{field_name} must be 2-48 of a-z 0-9 - (a Wuyi chain id)", field=field_name
        )
    return value


def validate_prefix(value: Any, where: str) -> bytes:
    """An allowed prefix: a non-empty key prefix ending in ``/`` (so that ``contract/a/``
    never covers ``contract/ab/...``), at most :data:`MAX_PREFIX_BYTES` bytes."""
    if type(value) is not bytes or not 2 <= len(value) <= MAX_PREFIX_BYTES:
        raise ValidationError(f"{where}: a prefix is 2-{MAX_PREFIX_BYTES} bytes", field=where)
    if not value.endswith(b"/"):
        raise ValidationError(
            f"{where}: prefix {value!r} must end with '/' (a whole namespace)", field=where
        )
    return value


@dataclass(frozen=True, slots=True)
class FactRule:
    """A kind of fact B recognises from A: keys under ``prefix``; ``max_age_ms`` > 0 makes it
    a *status* fact (mortgage, seizure, revocation) that must be proven at a height whose time
    is at most that old at B's block time; 0 is a historical fact (no freshness)."""

    prefix: bytes
    max_age_ms: int
    description: str = ""

    def to_obj(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "max_age_ms": self.max_age_ms,
            "description": self.description,
        }

    @classmethod
    def from_obj(cls, obj: Any, where: str) -> FactRule:
        if type(obj) is not dict or not {"prefix", "max_age_ms"} <= set(obj) <= {
            "prefix",
            "max_age_ms",
            "description",
        }:
            raise ValidationError(
                f"{where}: a fact is {{prefix, max_age_ms, description?}}", field=where
            )
        prefix = validate_prefix(obj["prefix"], f"{where}.prefix")
        age = obj["max_age_ms"]
        if type(age) is not int or age < 0:
            raise ValidationError(f"{where}.max_age_ms must be an integer >= 0", field=where)
        desc = obj.get("description", "")
        if type(desc) is not str or len(desc) > 200:
            raise ValidationError(f"{where}.description: text of at most 200", field=where)
        return cls(prefix, age, desc)


@dataclass(frozen=True, slots=True)
class ClientState:
    """B's client of chain ``chain_id`` (its client id is the chain id)."""

    chain_id: str
    name: str
    suite: str
    genesis_hash: bytes
    genesis_header: BlockHeader
    genesis_validators: ValidatorSet
    proof_spec: ProofSpec
    options: TrustOptions
    allowed_prefixes: tuple[bytes, ...]
    facts: dict[str, FactRule]
    ports: tuple[str, ...] = ()
    delay_period_ms: int = 0
    latest_height: int = 0
    status: str = "active"
    frozen: dict[str, Any] | None = None
    created_height: int = 0
    updated_height: int = 0
    recoveries: int = 0
    recognitions: int = 0
    consensus_count: int = 0

    @property
    def client_id(self) -> str:
        return self.chain_id

    @property
    def source_suite(self) -> Suite:
        return get_suite(self.suite)

    def to_obj(self) -> dict[str, Any]:
        return {
            "client_id": self.chain_id,
            "chain_id": self.chain_id,
            "name": self.name,
            "suite": self.suite,
            "genesis_hash": self.genesis_hash,
            "genesis": {
                "header": self.genesis_header.to_obj(),
                "validators": self.genesis_validators.to_obj(),
            },
            "proof_spec": self.proof_spec.to_obj(),
            "trusting_period_ms": self.options.trusting_period_ms,
            "max_clock_drift_ms": self.options.max_clock_drift_ms,
            "trust_level": [self.options.trust_numerator, self.options.trust_denominator],
            "allowed_prefixes": list(self.allowed_prefixes),
            "facts": {k: v.to_obj() for k, v in sorted(self.facts.items())},
            "ports": list(self.ports),
            "delay_period_ms": self.delay_period_ms,
            "latest_height": self.latest_height,
            "status": self.status,
            "frozen": self.frozen,
            "created_height": self.created_height,
            "updated_height": self.updated_height,
            "recoveries": self.recoveries,
            "recognitions": self.recognitions,
            "consensus_count": self.consensus_count,
        }

    @classmethod
    def from_obj(cls, obj: dict[str, Any]) -> ClientState:
        """From the stored form (written by this module; trusted)."""
        n, d = obj["trust_level"]
        return cls(
            chain_id=obj["chain_id"],
            name=obj["name"],
            suite=obj["suite"],
            genesis_hash=obj["genesis_hash"],
            genesis_header=BlockHeader.from_obj(obj["genesis"]["header"]),
            genesis_validators=ValidatorSet.from_obj(obj["genesis"]["validators"]),
            proof_spec=ProofSpec.from_obj(obj["proof_spec"]),
            options=TrustOptions(obj["trusting_period_ms"], obj["max_clock_drift_ms"], n, d),
            allowed_prefixes=tuple(obj["allowed_prefixes"]),
            facts={k: FactRule.from_obj(v, f"facts.{k}") for k, v in obj["facts"].items()},
            ports=tuple(obj["ports"]),
            delay_period_ms=obj["delay_period_ms"],
            latest_height=obj["latest_height"],
            status=obj["status"],
            frozen=obj["frozen"],
            created_height=obj["created_height"],
            updated_height=obj["updated_height"],
            recoveries=obj["recoveries"],
            recognitions=obj["recognitions"],
            consensus_count=obj["consensus_count"],
        )

    def with_(self, **changes: Any) -> ClientState:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class ConsensusState:
    """What B keeps of one verified header of A."""

    height: int
    time: int
    state_root: bytes
    next_validators_hash: bytes
    validators_hash: bytes
    block_hash: bytes
    stored_height: int = 0
    stored_time: int = 0

    @property
    def trusted(self) -> TrustedHeight:
        return TrustedHeight(self.height, self.time, self.next_validators_hash)

    def to_obj(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "time": self.time,
            "state_root": self.state_root,
            "next_validators_hash": self.next_validators_hash,
            "validators_hash": self.validators_hash,
            "block_hash": self.block_hash,
            "stored_height": self.stored_height,
            "stored_time": self.stored_time,
        }

    @classmethod
    def from_obj(cls, obj: dict[str, Any]) -> ConsensusState:
        return cls(**obj)

    @classmethod
    def of_header(cls, header: BlockHeader, block_hash: bytes) -> ConsensusState:
        return cls(
            height=header.height,
            time=header.time,
            state_root=header.state_root,
            next_validators_hash=header.next_validator_set_hash,
            validators_hash=header.validator_set_hash,
            block_hash=block_hash,
        )


_T = TypeVar("_T")


def _parsed(parse: Callable[[Any], _T], obj: Any, where: str) -> _T:
    """``parse(obj)``, its :class:`WuyiError` turned into a ``ValidationError`` at ``where``."""
    try:
        return parse(obj)
    except WuyiError as exc:
        raise ValidationError(f"{where}: {exc.message}", field=where) from None


def parse_header(obj: Any, where: str) -> BlockHeader:
    """A block header of another chain, given as an argument at ``where``."""
    return _parsed(BlockHeader.from_obj, obj, where)


def parse_qc(obj: Any, where: str) -> QuorumCertificate:
    """A quorum certificate of another chain, given as an argument at ``where``."""
    return _parsed(QuorumCertificate.from_obj, obj, where)


def check_validator_count(vs: ValidatorSet | None, where: str) -> None:
    """A validator set (if any) of at most :data:`MAX_VALIDATORS` validators."""
    if vs is not None and len(vs) > MAX_VALIDATORS:
        raise ValidationError(f"{where}: at most {MAX_VALIDATORS} validators", field=where)


def parse_validators(obj: Any, where: str) -> ValidatorSet:
    """A validator set of another chain (:func:`check_validator_count`) at ``where``."""
    vs = _parsed(ValidatorSet.from_obj, obj, where)
    check_validator_count(vs, where)
    return vs


def _as(what: str, fn: Any, obj: Any) -> Any:
    try:
        return fn(obj)
    except WuyiError as exc:
        raise ValidationError(f"{what}: {exc.message}", field=what) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValidationError(f"{what}: malformed ({exc})", field=what) from None


_UPDATE_FIELDS = ("header", "qc", "trusted_height", "trusted_validators", "validators")


@dataclass(frozen=True, slots=True)
class ClientUpdate:
    """A header of A to move the client to, checked from the consensus state at
    ``trusted_height`` (with ``trusted_validators``, the set that state trusts next, when
    the update skips heights)."""

    header: BlockHeader
    qc: QuorumCertificate
    validators: ValidatorSet
    trusted_height: int
    trusted_validators: ValidatorSet | None = None

    def to_obj(self) -> dict[str, Any]:
        return {
            "header": self.header.to_obj(),
            "qc": self.qc.to_obj(),
            "validators": self.validators.to_obj(),
            "trusted_height": self.trusted_height,
            "trusted_validators": None
            if self.trusted_validators is None
            else self.trusted_validators.to_obj(),
        }

    @classmethod
    def from_obj(cls, obj: Any, where: str = "update") -> ClientUpdate:
        if type(obj) is not dict or tuple(sorted(obj)) != _UPDATE_FIELDS:
            raise ValidationError(
                f"{where} must be a map of exactly {list(_UPDATE_FIELDS)}", field=where
            )
        th = obj["trusted_height"]
        if type(th) is not int or th < 0:
            raise ValidationError(f"{where}.trusted_height must be a height", field=where)
        tv = obj["trusted_validators"]
        return cls(
            header=_as(f"{where}.header", BlockHeader.from_obj, obj["header"]),
            qc=_as(f"{where}.qc", QuorumCertificate.from_obj, obj["qc"]),
            validators=_as(f"{where}.validators", ValidatorSet.from_obj, obj["validators"]),
            trusted_height=th,
            trusted_validators=None
            if tv is None
            else _as(f"{where}.trusted_validators", ValidatorSet.from_obj, tv),
        )


@dataclass(frozen=True, slots=True)
class Misbehaviour:
    """Two updates of one client that cannot both be A's."""

    first: ClientUpdate
    second: ClientUpdate

    def to_obj(self) -> dict[str, Any]:
        return {"first": self.first.to_obj(), "second": self.second.to_obj()}

    @classmethod
    def from_obj(cls, obj: Any) -> Misbehaviour:
        if type(obj) is not dict or tuple(sorted(obj)) != ("first", "second"):
            raise ValidationError("misbehaviour is a map of exactly 'first' and 'second'")
        return cls(
            ClientUpdate.from_obj(obj["first"], "first"),
            ClientUpdate.from_obj(obj["second"], "second"),
        )


# -- the rules --------------------------------------------------------------------------------


def client_status(client: ClientState, latest: ConsensusState | None, now_ms: int) -> str:
    """``retired``, ``frozen``, ``expired`` (the latest trusted header is at least the
    trusting period old at ``now_ms``) or ``active``."""
    if client.status in ("retired", "frozen"):
        return client.status
    if latest is None or now_ms - latest.time >= client.options.trusting_period_ms:
        return "expired"
    return "active"


def require_active(client: ClientState, latest: ConsensusState | None, now_ms: int) -> None:
    """Raise :class:`ClientFrozen` / :class:`ClientExpired` unless the client is active."""
    status = client_status(client, latest, now_ms)
    if status == "frozen":
        at = (client.frozen or {}).get("height")
        raise ClientFrozen(
            f"the client of '{client.chain_id}' is frozen (misbehaviour at height {at});"
            " only governance can recover it (xchain.recover)",
            client=client.chain_id,
        )
    if status == "retired":
        raise CrossChainRefused(f"the client of '{client.chain_id}' is retired")
    if status == "expired":
        raise ClientExpired(
            f"the client of '{client.chain_id}' has expired: its latest header (height"
            f" {client.latest_height}) is older than the trusting period"
            f" ({client.options.trusting_period_ms} ms); governance must recover it",
            client=client.chain_id,
        )


def verify_update(
    client: ClientState, trusted: ConsensusState, update: ClientUpdate, now_ms: int
) -> ConsensusState:
    """The consensus state ``update`` establishes, checked from ``trusted`` by the ICS-07
    rules with the source chain's suite; :class:`HeaderRefused` names the broken rule."""
    if update.trusted_height != trusted.height:
        raise HeaderRefused(
            f"update is checked from height {update.trusted_height}, not {trusted.height}",
            rule="height",
        )
    block_hash = verify_header_update(
        client.source_suite,
        client.chain_id,
        trusted.trusted,
        update.header,
        update.qc,
        update.validators,
        update.trusted_validators,
        now_ms=now_ms,
        options=client.options,
    )
    return ConsensusState.of_header(update.header, block_hash)


def check_misbehaviour(
    client: ClientState,
    trusted_first: ConsensusState,
    trusted_second: ConsensusState,
    evidence: Misbehaviour,
    now_ms: int,
) -> str:
    """Both updates verify (from their trusted states) and conflict: the same height with
    different block hashes (``equivocation``), or a later height with an earlier time
    (``time``). Returns the kind; :class:`ValidationError` if it is no evidence.
    The clock-drift bound is not applied here (the headers are old news)."""
    lax = replace(client, options=replace(client.options, max_clock_drift_ms=2**62))
    a = verify_update(lax, trusted_first, evidence.first, now_ms)
    b = verify_update(lax, trusted_second, evidence.second, now_ms)
    if a.height == b.height:
        if a.block_hash == b.block_hash:
            raise ValidationError("misbehaviour: the two headers are the same block")
        return "equivocation"
    lo, hi = (a, b) if a.height < b.height else (b, a)
    if hi.time < lo.time:
        return "time"
    raise ValidationError(
        "misbehaviour: two valid headers at different heights whose times do not decrease"
        " conflict in nothing"
    )


def conflicts_with_neighbours(
    new: ConsensusState, lower: ConsensusState | None, higher: ConsensusState | None
) -> bool:
    """Block times never decrease on a Wuyi chain: a valid header whose time is before a
    stored lower height's, or after a stored higher height's, contradicts it (misbehaviour)."""
    if lower is not None and new.time < lower.time:
        return True
    return higher is not None and new.time > higher.time


def validate_fact(
    client: ClientState,
    fact: str,
    key: bytes,
    cs: ConsensusState,
    now_ms: int,
) -> FactRule:
    """The fact rule for ``fact`` if ``key`` may be recognised from ``cs`` at ``now_ms``:
    :class:`PathNotAllowed` (unknown fact, key outside the fact's prefix or the allowed
    prefixes) or :class:`StaleFact` (too old, or still inside the delay period)."""
    rule = client.facts.get(fact)
    if rule is None:
        raise PathNotAllowed(
            f"'{fact}' is not a fact this chain recognises from '{client.chain_id}'"
            f" (known: {sorted(client.facts)})",
            client=client.chain_id,
        )
    if not key.startswith(rule.prefix):
        raise PathNotAllowed(
            f"key {key!r} is not under the prefix {rule.prefix!r} of fact '{fact}'",
            client=client.chain_id,
        )
    if not any(key.startswith(p) for p in client.allowed_prefixes):
        raise PathNotAllowed(
            f"key {key!r} is outside the namespaces of '{client.chain_id}' this chain may"
            " recognise",
            client=client.chain_id,
        )
    if rule.max_age_ms and now_ms - cs.time > rule.max_age_ms:
        raise StaleFact(
            f"fact '{fact}' is about current status: it must be proven at a height at most"
            f" {rule.max_age_ms} ms old; height {cs.height} is {now_ms - cs.time} ms old",
            client=client.chain_id,
        )
    if client.delay_period_ms and now_ms - cs.stored_time < client.delay_period_ms:
        raise StaleFact(
            f"the header at height {cs.height} was stored {now_ms - cs.stored_time} ms ago;"
            f" facts from it are recognised after the delay period ({client.delay_period_ms} ms)",
            client=client.chain_id,
        )
    return rule
