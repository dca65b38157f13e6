"""Governance actions of cross-chain recognition (policy ``xchain``, default ``MAJORITY``):
register another chain, recover, configure or retire its client.

=====================  ================================================================
``xchain.register``    {chain_id, name, suite, genesis_hash, genesis: {header,
                       validators}, changes: [{header, qc, validators}], trusted:
                       null | {header, qc}, proof_spec, allowed_prefixes: [bytes],
                       facts: {name: {prefix, max_age_ms, description?}}, ports?,
                       trusting_period_ms?, max_clock_drift_ms?, trust_level?,
                       delay_period_ms?}
``xchain.recover``     {chain_id, changes, trusted: {header, qc}} — a frozen or expired
                       client only (ADR-026): a fresh trusted header, derived again from the
                       pinned genesis; chain id, suite, proof spec and thresholds unchanged
``xchain.configure``   {chain_id, allowed_prefixes?, facts?, ports?, delay_period_ms?}
``xchain.retire``      {chain_id, reason}
=====================  ================================================================

Registration pins chain A by its genesis hash, its genesis validator set and its suite, and
checks the trusted header the client starts from exactly as ``wuyi verify`` checks a proof
bundle: genesis, each validator-set change, then the header's commit QC
(:class:`~wuyi.ledger.lightclient.TrustedSets`). The trusted header must be within the
trusting period of the block time.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, ClassVar

from wuyi.consensus.certificate import QuorumCertificate
from wuyi.crosschain import store
from wuyi.crosschain.client import (
    DEFAULT_MAX_CLOCK_DRIFT_MS,
    DEFAULT_TRUSTING_PERIOD_MS,
    MAX_FACTS,
    MAX_PORTS,
    MAX_PREFIXES,
    ClientState,
    ConsensusState,
    FactRule,
    client_status,
    parse_header,
    parse_qc,
    parse_validators,
    validate_chain_id,
    validate_prefix,
)
from wuyi.crosschain.proofs import ProofSpec
from wuyi.crypto import get_suite
from wuyi.exceptions import ProofInvalid, TxFailed, ValidationError, WuyiError
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, validate_fields, validate_update
from wuyi.ledger.handlers.governance import FieldsAction, register_action
from wuyi.ledger.lightclient import TrustedSets, TrustOptions, ValidatorChange
from wuyi.ledger.types import BlockHeader
from wuyi.params import ChainParams

__all__ = [
    "POLICY_NAME",
    "XchainConfigureAction",
    "XchainRecoverAction",
    "XchainRegisterAction",
    "XchainRetireAction",
]

POLICY_NAME = "xchain"
MAX_CHANGES = 64
_CONTRACT = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
_FieldSpec = dict[str, tuple[type, bool]]


def _opt_int(args: dict[str, Any], name: str, default: int, low: int) -> int:
    v = args.get(name, default)
    if type(v) is not int or v < low:
        raise ValidationError(f"{name} must be an integer >= {low}", field=name)
    return v


def _prefixes(raw: Any) -> tuple[bytes, ...]:
    if type(raw) is not list or not 1 <= len(raw) <= MAX_PREFIXES:
        raise ValidationError(
            f"allowed_prefixes must be a list of 1 to {MAX_PREFIXES} key prefixes",
            field="allowed_prefixes",
        )
    out = tuple(validate_prefix(p, "allowed_prefixes") for p in raw)
    if len(set(out)) != len(out):
        raise ValidationError("allowed_prefixes has duplicates", field="allowed_prefixes")
    return out


def _facts(raw: Any, prefixes: tuple[bytes, ...]) -> dict[str, FactRule]:
    if type(raw) is not dict or len(raw) > MAX_FACTS:
        raise ValidationError(f"facts must be a map of at most {MAX_FACTS}", field="facts")
    out: dict[str, FactRule] = {}
    for name, obj in raw.items():
        if type(name) is not str or not re.match(r"^[a-z][a-z0-9_]{0,47}$", name):
            raise ValidationError(f"fact name {name!r}: a-z 0-9 _", field="facts")
        rule = FactRule.from_obj(obj, f"facts.{name}")
        if not any(rule.prefix.startswith(p) for p in prefixes):
            raise ValidationError(
                f"fact '{name}': prefix {rule.prefix!r} is not inside an allowed prefix",
                field="facts",
            )
        out[name] = rule
    return out


def _ports(raw: Any) -> tuple[str, ...]:
    if type(raw) is not list or len(raw) > MAX_PORTS:
        raise ValidationError(f"ports must be a list of at most {MAX_PORTS}", field="ports")
    for p in raw:
        if type(p) is not str or not _CONTRACT.match(p):
            raise ValidationError(f"port {p!r} is not a contract name", field="ports")
    return tuple(raw)


def _changes(raw: Any) -> list[ValidatorChange]:
    if type(raw) is not list or len(raw) > MAX_CHANGES:
        raise ValidationError(f"changes: a list of at most {MAX_CHANGES}", field="changes")
    out = []
    for i, c in enumerate(raw):
        where = f"changes[{i}]"
        if type(c) is not dict or set(c) != {"header", "qc", "validators"}:
            raise ValidationError(f"{where}: {{header, qc, validators}}", field="changes")
        out.append(
            ValidatorChange(
                parse_header(c["header"], where),
                parse_qc(c["qc"], where),
                parse_validators(c["validators"], where),
            )
        )
    return out


def _trusted(raw: Any) -> tuple[BlockHeader, QuorumCertificate] | None:
    if raw is None:
        return None
    if type(raw) is not dict or set(raw) != {"header", "qc"}:
        raise ValidationError("trusted: null or {header, qc}", field="trusted")
    return parse_header(raw["header"], "trusted.header"), parse_qc(raw["qc"], "trusted.qc")


def _walk_from_genesis(
    client: ClientState, changes: list[ValidatorChange], trusted: Any, now_ms: int
) -> ConsensusState:
    """The trusted header, certified from the pinned genesis (``wuyi verify``'s walk), as the
    client's starting consensus state; it must be within the trusting period of ``now_ms``."""
    suite = client.source_suite
    try:
        sets = TrustedSets(
            suite,
            client.chain_id,
            client.genesis_header,
            client.genesis_validators,
            pinned=client.genesis_hash,
        )
        for ch in changes:
            sets.add_change(ch)
        if trusted is None:
            header, block_hash = client.genesis_header, client.genesis_hash
        else:
            header, qc = trusted
            block_hash = sets.certify(header, qc, what="trusted header")
    except ProofInvalid as exc:
        raise TxFailed(f"{client.chain_id}: {exc.message}") from None
    age = now_ms - header.time
    if age >= client.options.trusting_period_ms:
        raise TxFailed(
            f"the trusted header (height {header.height}) is {age} ms old, beyond the trusting"
            f" period ({client.options.trusting_period_ms} ms): give a recent one"
        )
    if header.time >= now_ms + client.options.max_clock_drift_ms:
        raise TxFailed("the trusted header's time is beyond the allowed clock drift")
    return ConsensusState.of_header(header, block_hash)


class _XchainAction(FieldsAction):
    """An ``xchain.*`` action: governed by the policy ``xchain``."""

    policy_name = POLICY_NAME


class XchainRegisterAction(_XchainAction):
    type = "xchain.register"
    fields: ClassVar[_FieldSpec] = {
        "chain_id": (str, True),
        "name": (str, True),
        "suite": (str, True),
        "genesis_hash": (bytes, True),
        "genesis": (dict, True),
        "changes": (list, True),
        "trusted": (object, True),
        "proof_spec": (dict, True),
        "allowed_prefixes": (list, True),
        "facts": (dict, True),
        "ports": (list, False),
        "trusting_period_ms": (int, False),
        "max_clock_drift_ms": (int, False),
        "trust_level": (list, False),
        "delay_period_ms": (int, False),
    }

    def build(self, args: dict[str, Any]) -> ClientState:
        validate_fields(args, self.fields, self.type)
        chain_id = validate_chain_id(args["chain_id"])
        if not 1 <= len(args["name"]) <= 100:
            raise ValidationError("name must be 1-100 characters", field="name")
        try:
            get_suite(args["suite"])
        except WuyiError:
            raise ValidationError("suite must be 'sm' or 'intl'", field="suite") from None
        if len(args["genesis_hash"]) != 32:
            raise ValidationError("genesis_hash must be 32 bytes", field="genesis_hash")
        g = args["genesis"]
        if set(g) != {"header", "validators"}:
            raise ValidationError("genesis: {header, validators}", field="genesis")
        try:
            spec = ProofSpec.from_obj(args["proof_spec"])
        except ProofInvalid as exc:
            raise ValidationError(exc.message, field="proof_spec") from None
        if spec.hash != get_suite(args["suite"]).hash_name:
            raise ValidationError(
                f"proof_spec hashes with {spec.hash}, but the chain's suite is {args['suite']}",
                field="proof_spec",
            )
        level = args.get("trust_level", [1, 3])
        try:
            options = TrustOptions(
                _opt_int(args, "trusting_period_ms", DEFAULT_TRUSTING_PERIOD_MS, 1),
                _opt_int(args, "max_clock_drift_ms", DEFAULT_MAX_CLOCK_DRIFT_MS, 0),
                *level,
            )
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"trust options: {exc}", field="trust_level") from None
        prefixes = _prefixes(args["allowed_prefixes"])
        _changes(args["changes"])
        _trusted(args["trusted"])
        return ClientState(
            chain_id=chain_id,
            name=args["name"],
            suite=args["suite"],
            genesis_hash=args["genesis_hash"],
            genesis_header=parse_header(g["header"], "genesis.header"),
            genesis_validators=parse_validators(g["validators"], "genesis.validators"),
            proof_spec=spec,
            options=options,
            allowed_prefixes=prefixes,
            facts=_facts(args["facts"], prefixes),
            ports=_ports(args.get("ports", [])),
            delay_period_ms=_opt_int(args, "delay_period_ms", 0, 0),
        )

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        client = self.build(args)
        if client.chain_id == chain.chain_id:
            raise ValidationError("a chain does not register itself", field="chain_id")

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        client = self.build(args)
        if store.get_client(ctx.state, client.chain_id) is not None:
            raise TxFailed(
                f"'{client.chain_id}' is already registered; recover or configure it instead"
            )
        _walk_from_genesis(client, _changes(args["changes"]), _trusted(args["trusted"]), ctx.time)

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        client = self.build(args)
        cs = _walk_from_genesis(
            client, _changes(args["changes"]), _trusted(args["trusted"]), ctx.time
        )
        cs = replace(cs, stored_height=ctx.height, stored_time=ctx.time)
        client = client.with_(
            created_height=ctx.height,
            updated_height=ctx.height,
            latest_height=cs.height,
            consensus_count=1,
        )
        store.put_consensus(ctx.state, client.chain_id, cs)
        store.put_client(ctx.state, client)
        ctx.emit("xchain.registered", client=client.chain_id, height=cs.height, suite=client.suite)


class XchainRecoverAction(_XchainAction):
    """ADR-026: a frozen or expired client gets a fresh trusted header, derived again from the
    genesis it pinned. Nothing else changes: same chain id, suite, proof spec, thresholds."""

    type = "xchain.recover"
    fields: ClassVar[_FieldSpec] = {
        "chain_id": (str, True),
        "changes": (list, True),
        "trusted": (dict, True),
    }

    def validate_args(self, args: dict[str, Any], chain: ChainSpec) -> None:
        validate_chain_id(args["chain_id"])
        _changes(args["changes"])
        _trusted(args["trusted"])

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        client = store.load_client(ctx.state, args["chain_id"])
        latest = store.get_consensus(ctx.state, client.chain_id, client.latest_height)
        status = client_status(client, latest, ctx.time)
        if status not in ("frozen", "expired"):
            raise TxFailed(
                f"the client of '{client.chain_id}' is {status}; only a frozen or expired client"
                " is recovered"
            )
        _walk_from_genesis(client, _changes(args["changes"]), _trusted(args["trusted"]), ctx.time)

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        client = store.load_client(ctx.state, args["chain_id"])
        cs = _walk_from_genesis(
            client, _changes(args["changes"]), _trusted(args["trusted"]), ctx.time
        )
        for old in list(store.iter_consensus(ctx.state, client.chain_id)):
            ctx.state.delete(store.consensus_key(client.chain_id, old.height))
        cs = replace(cs, stored_height=ctx.height, stored_time=ctx.time)
        store.put_consensus(ctx.state, client.chain_id, cs)
        store.put_client(
            ctx.state,
            client.with_(
                status="active",
                frozen=None,
                latest_height=cs.height,
                consensus_count=1,
                recoveries=client.recoveries + 1,
                updated_height=ctx.height,
            ),
        )
        ctx.emit("xchain.recovered", client=client.chain_id, height=cs.height)


class XchainConfigureAction(_XchainAction):
    type = "xchain.configure"
    fields: ClassVar[_FieldSpec] = {
        "chain_id": (str, True),
        "allowed_prefixes": (list, False),
        "facts": (dict, False),
        "ports": (list, False),
        "delay_period_ms": (int, False),
    }

    def validate_args(self, args: dict[str, Any], chain: ChainSpec) -> None:
        validate_chain_id(args["chain_id"])
        validate_update(
            args, self.type, "chain_id", {"allowed_prefixes": _prefixes, "ports": _ports}
        )
        _opt_int(args, "delay_period_ms", 0, 0)

    def _configured(self, ctx: ExecContext, args: dict[str, Any]) -> ClientState:
        client = store.load_client(ctx.state, args["chain_id"])
        if client.status == "retired":
            raise TxFailed(f"the client of '{client.chain_id}' is retired")
        prefixes = (
            _prefixes(args["allowed_prefixes"])
            if "allowed_prefixes" in args
            else client.allowed_prefixes
        )
        facts_raw = args.get("facts", {k: v.to_obj() for k, v in client.facts.items()})
        try:
            facts = _facts(facts_raw, prefixes)
        except ValidationError as exc:
            raise TxFailed(exc.message) from None
        return client.with_(
            allowed_prefixes=prefixes,
            facts=facts,
            ports=_ports(args["ports"]) if "ports" in args else client.ports,
            delay_period_ms=args.get("delay_period_ms", client.delay_period_ms),
            updated_height=ctx.height,
        )

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        self._configured(ctx, args)

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        client = self._configured(ctx, args)
        store.put_client(ctx.state, client)
        ctx.emit("xchain.configured", client=client.chain_id)


class XchainRetireAction(_XchainAction):
    type = "xchain.retire"
    fields: ClassVar[_FieldSpec] = {"chain_id": (str, True), "reason": (str, True)}

    def validate_args(self, args: dict[str, Any], chain: ChainSpec) -> None:
        validate_chain_id(args["chain_id"])
        if not 1 <= len(args["reason"]) <= 200:
            raise ValidationError("reason must be 1-200 characters", field="reason")

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        client = store.load_client(ctx.state, args["chain_id"])
        if client.status == "retired":
            raise TxFailed(f"the client of '{client.chain_id}' is already retired")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        client = store.load_client(ctx.state, args["chain_id"])
        store.put_client(ctx.state, client.with_(status="retired", updated_height=ctx.height))
        ctx.emit("xchain.retired", client=client.chain_id, reason=args["reason"])


for _action in (
    XchainRegisterAction(),
    XchainRecoverAction(),
    XchainConfigureAction(),
    XchainRetireAction(),
):
    register_action(_action)
