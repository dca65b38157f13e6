"""The chain registry of a multi-chain BaaS (a directory of chain descriptors, as IEEE 3205's
BCDNS), kept on the consortium's base chain, and chain creation from a template by the
consortium's governance.

Governance actions (policy ``chains``, default ``MAJORITY``)
============================================================

=====================  ================================================================
``chains.create``      {template: {chain_id, name, suite, orgs: [{id, name, operator,
                       admins: [{name, public_key}]}], validators: [{name, public_key,
                       power}], params: {...}, consensus: {...}}} — approves a new chain;
                       the entry is ``approved`` until the BaaS starts it
``chains.activate``    {chain_id, genesis: <genesis.json>, endpoints: [url]} — the genesis
                       the BaaS built must be the approved template's (chain id, name, suite,
                       organisations and their admin keys, validators, parameters); the
                       chain computes its genesis hash and the entry becomes ``active``
``chains.register``    {chain_id, name, suite, genesis_hash, endpoints, description?} — a
                       chain that exists already (the base chain itself, another region's)
``chains.set_endpoints``  {chain_id, endpoints}
``chains.retire``      {chain_id, reason}
=====================  ================================================================

An entry (``xchain/chain/<chain id>``)::

    {chain_id, name, suite, status: approved | active | retired, genesis_hash | null,
     template | null, endpoints: [url], description, created_height, updated_height}

The genesis hash in the registry is what other chains compare when they register a client of
the chain (``xchain.register`` pins it); the endpoints are where the console and relays find
its nodes (not trusted: every answer is checked against the genesis hash).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from wuyi.crosschain import store
from wuyi.crosschain.client import validate_chain_id
from wuyi.crypto import get_suite
from wuyi.encoding import decode_trusted
from wuyi.exceptions import TxFailed, ValidationError, WuyiError
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, validate_fields
from wuyi.ledger.handlers.governance import FieldsAction, register_action
from wuyi.params import ChainParams

__all__ = ["POLICY_NAME", "STATUSES", "genesis_matches_template", "get_chain", "list_chains"]

POLICY_NAME = "chains"
STATUSES = ("approved", "active", "retired")
MAX_ENDPOINTS = 8
MAX_ORGS = 32
MAX_VALIDATORS = 64
_URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~/\-]*)?$")
_CONSENSUS_KEYS = {
    "timeout_propose_ms",
    "timeout_propose_delta_ms",
    "timeout_prevote_ms",
    "timeout_prevote_delta_ms",
    "timeout_precommit_ms",
    "timeout_precommit_delta_ms",
    "max_timeout_ms",
    "rebroadcast_ms",
    "create_empty_blocks_interval_ms",
}
_FieldSpec = dict[str, tuple[type, bool]]


def get_chain(state: Any, chain_id: str) -> dict[str, Any] | None:
    raw = state.get(store.chain_key(chain_id))
    return None if raw is None else dict(decode_trusted(raw))


def list_chains(state: Any) -> list[dict[str, Any]]:
    return [dict(decode_trusted(v)) for _, v in state.iter_prefix(store.CHAIN_PREFIX)]


def _endpoints(raw: Any) -> list[str]:
    if type(raw) is not list or len(raw) > MAX_ENDPOINTS:
        raise ValidationError(
            f"endpoints: a list of at most {MAX_ENDPOINTS} URLs", field="endpoints"
        )
    for u in raw:
        if type(u) is not str or len(u) > 200 or not _URL.match(u):
            raise ValidationError(f"endpoint {u!r} is not an http(s) URL", field="endpoints")
    return list(raw)


def _name(raw: Any, field: str = "name") -> str:
    if type(raw) is not str or not 1 <= len(raw) <= 100:
        raise ValidationError(f"{field} must be 1-100 characters", field=field)
    return raw


def validate_template(t: Any, chain: ChainSpec | None = None) -> dict[str, Any]:
    """A chain template, checked statically (``ValidationError`` names the field)."""
    if type(t) is not dict:
        raise ValidationError("template must be a map", field="template")
    spec: _FieldSpec = {
        "chain_id": (str, True),
        "name": (str, True),
        "suite": (str, True),
        "orgs": (list, True),
        "validators": (list, True),
        "params": (dict, True),
        "consensus": (dict, True),
    }
    validate_fields(t, spec, "template")
    validate_chain_id(t["chain_id"], "template.chain_id")
    if chain is not None and t["chain_id"] == chain.chain_id:
        raise ValidationError("template.chain_id is this chain's own id", field="template")
    _name(t["name"], "template.name")
    try:
        suite = get_suite(t["suite"])
    except WuyiError:
        raise ValidationError("template.suite must be 'sm' or 'intl'", field="template") from None
    orgs = t["orgs"]
    if not 1 <= len(orgs) <= MAX_ORGS:
        raise ValidationError(f"template.orgs: 1 to {MAX_ORGS}", field="template")
    ids = set()
    operators = 0
    for o in orgs:
        if type(o) is not dict or set(o) != {"id", "name", "operator", "admins"}:
            raise ValidationError("template.orgs[]: {id, name, operator, admins}", field="template")
        if type(o["id"]) is not str or o["id"] in ids or type(o["operator"]) is not bool:
            raise ValidationError(
                "template.orgs[]: a new id and operator true|false", field="template"
            )
        ids.add(o["id"])
        operators += o["operator"]
        _name(o["name"], "template.orgs[].name")
        if type(o["admins"]) is not list or not 1 <= len(o["admins"]) <= 16:
            raise ValidationError("template.orgs[].admins: 1 to 16", field="template")
        for a in o["admins"]:
            if (
                type(a) is not dict
                or set(a) != {"name", "public_key"}
                or type(a["public_key"]) is not bytes
            ):
                raise ValidationError("template admin: {name, public_key}", field="template")
            try:
                suite.validate_public_key(a["public_key"])
            except WuyiError as exc:
                raise ValidationError(
                    f"template admin key: {exc.message}", field="template"
                ) from None
    if operators != 1:
        raise ValidationError("template.orgs: exactly one operator organisation", field="template")
    vals = t["validators"]
    if not 1 <= len(vals) <= MAX_VALIDATORS:
        raise ValidationError(f"template.validators: 1 to {MAX_VALIDATORS}", field="template")
    keys = set()
    for v in vals:
        if type(v) is not dict or set(v) != {"name", "public_key", "power"}:
            raise ValidationError("template validator: {name, public_key, power}", field="template")
        if type(v["public_key"]) is not bytes or v["public_key"] in keys:
            raise ValidationError("template validator keys: bytes, each once", field="template")
        if type(v["power"]) is not int or v["power"] < 1:
            raise ValidationError("template validator power: a positive integer", field="template")
        keys.add(v["public_key"])
        try:
            suite.validate_public_key(v["public_key"])
        except WuyiError as exc:
            raise ValidationError(
                f"template validator key: {exc.message}", field="template"
            ) from None
    try:
        ChainParams.from_obj(t["params"])
    except ValidationError as exc:
        raise ValidationError(f"template.params: {exc.message}", field="template") from None
    bad = sorted(set(t["consensus"]) - _CONSENSUS_KEYS)
    if bad or any(type(x) is not int for x in t["consensus"].values()):
        raise ValidationError(
            f"template.consensus: integer timeouts only (not {bad})", field="template"
        )
    return t


def genesis_matches_template(genesis: Any, template: dict[str, Any]) -> tuple[Any, bytes]:
    """The :class:`~wuyi.ledger.genesis.GenesisDoc` of ``genesis`` (its JSON form) and its
    hash, if it is the template's chain; :class:`TxFailed` names the first difference."""
    from wuyi.ledger.genesis import GenesisDoc, build_genesis
    from wuyi.state import MemoryNodeStore, StateTree

    try:
        doc = GenesisDoc.from_json(genesis)
    except (WuyiError, KeyError, TypeError, ValueError) as exc:
        msg = exc.message if isinstance(exc, WuyiError) else str(exc)
        raise TxFailed(f"chains.activate: the genesis document is malformed: {msg}") from None
    t = template
    for what, got, want in (
        ("chain_id", doc.chain_id, t["chain_id"]),
        ("name", doc.name, t["name"]),
        ("suite", doc.suite, t["suite"]),
        ("params", doc.params, ChainParams.from_obj(t["params"])),
        (
            "validators",
            [(v.name, v.public_key, v.power) for v in doc.validators.validators],
            [(v["name"], v["public_key"], v["power"]) for v in t["validators"]],
        ),
        (
            "organisations",
            [(o.id, o.name, o.operator, tuple(o.admins)) for o in doc.orgs],
            [
                (
                    o["id"],
                    o["name"],
                    o["operator"],
                    tuple((a["name"], a["public_key"]) for a in o["admins"]),
                )
                for o in t["orgs"]
            ],
        ),
    ):
        if got != want:
            raise TxFailed(f"chains.activate: the genesis {what} are not the approved template's")
    suite = get_suite(doc.suite)
    block = build_genesis(doc, StateTree(suite.hash, MemoryNodeStore()))[0]
    return doc, block.compute_hash(suite)


def _entry(ctx: ExecContext, chain_id: str) -> dict[str, Any]:
    e = get_chain(ctx.state, chain_id)
    if e is None:
        raise TxFailed(f"chain '{chain_id}' is not in the registry")
    return e


class _ChainsAction(FieldsAction):
    """A ``chains.*`` action: governed by the policy ``chains``."""

    policy_name = POLICY_NAME


class ChainsCreateAction(_ChainsAction):
    type = "chains.create"
    fields: ClassVar[_FieldSpec] = {"template": (dict, True), "description": (str, False)}

    def validate_args(self, args: dict[str, Any], chain: ChainSpec) -> None:
        validate_template(args["template"], chain)

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        if get_chain(ctx.state, args["template"]["chain_id"]) is not None:
            raise TxFailed(f"chain '{args['template']['chain_id']}' is already in the registry")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        t = args["template"]
        entry = {
            "chain_id": t["chain_id"],
            "name": t["name"],
            "suite": t["suite"],
            "status": "approved",
            "genesis_hash": None,
            "template": t,
            "endpoints": [],
            "description": args.get("description", ""),
            "created_height": ctx.height,
            "updated_height": ctx.height,
        }
        ctx.state.set_obj(store.chain_key(t["chain_id"]), entry)
        ctx.emit("chains.created", chain_id=t["chain_id"], suite=t["suite"])


class ChainsActivateAction(_ChainsAction):
    type = "chains.activate"
    fields: ClassVar[_FieldSpec] = {
        "chain_id": (str, True),
        "genesis": (dict, True),
        "endpoints": (list, True),
    }

    def validate_args(self, args: dict[str, Any], chain: ChainSpec) -> None:
        validate_chain_id(args["chain_id"])
        _endpoints(args["endpoints"])

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        e = _entry(ctx, args["chain_id"])
        if e["status"] != "approved":
            raise TxFailed(f"chain '{args['chain_id']}' is {e['status']}, not approved")
        genesis_matches_template(args["genesis"], e["template"])

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        e = _entry(ctx, args["chain_id"])
        _, genesis_hash = genesis_matches_template(args["genesis"], e["template"])
        e.update(
            status="active",
            genesis_hash=genesis_hash,
            endpoints=args["endpoints"],
            updated_height=ctx.height,
        )
        ctx.state.set_obj(store.chain_key(args["chain_id"]), e)
        ctx.emit("chains.activated", chain_id=args["chain_id"], genesis_hash=genesis_hash)


class ChainsRegisterAction(_ChainsAction):
    type = "chains.register"
    fields: ClassVar[_FieldSpec] = {
        "chain_id": (str, True),
        "name": (str, True),
        "suite": (str, True),
        "genesis_hash": (bytes, True),
        "endpoints": (list, True),
        "description": (str, False),
    }

    def validate_args(self, args: dict[str, Any], chain: ChainSpec) -> None:
        validate_chain_id(args["chain_id"])
        _name(args["name"])
        if args["suite"] not in ("sm", "intl"):
            raise ValidationError("suite must be 'sm' or 'intl'", field="suite")
        if len(args["genesis_hash"]) != 32:
            raise ValidationError("genesis_hash must be 32 bytes", field="genesis_hash")
        _endpoints(args["endpoints"])

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        if get_chain(ctx.state, args["chain_id"]) is not None:
            raise TxFailed(f"chain '{args['chain_id']}' is already in the registry")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        entry = {
            "chain_id": args["chain_id"],
            "name": args["name"],
            "suite": args["suite"],
            "status": "active",
            "genesis_hash": args["genesis_hash"],
            "template": None,
            "endpoints": args["endpoints"],
            "description": args.get("description", ""),
            "created_height": ctx.height,
            "updated_height": ctx.height,
        }
        ctx.state.set_obj(store.chain_key(args["chain_id"]), entry)
        ctx.emit("chains.registered", chain_id=args["chain_id"])


class ChainsSetEndpointsAction(_ChainsAction):
    type = "chains.set_endpoints"
    fields: ClassVar[_FieldSpec] = {"chain_id": (str, True), "endpoints": (list, True)}

    def validate_args(self, args: dict[str, Any], chain: ChainSpec) -> None:
        _endpoints(args["endpoints"])

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        if _entry(ctx, args["chain_id"])["status"] == "retired":
            raise TxFailed(f"chain '{args['chain_id']}' is retired")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        e = _entry(ctx, args["chain_id"])
        e.update(endpoints=args["endpoints"], updated_height=ctx.height)
        ctx.state.set_obj(store.chain_key(args["chain_id"]), e)
        ctx.emit("chains.endpoints", chain_id=args["chain_id"])


class ChainsRetireAction(_ChainsAction):
    type = "chains.retire"
    fields: ClassVar[_FieldSpec] = {"chain_id": (str, True), "reason": (str, True)}

    def validate_args(self, args: dict[str, Any], chain: ChainSpec) -> None:
        _name(args["reason"], "reason")

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        if _entry(ctx, args["chain_id"])["status"] == "retired":
            raise TxFailed(f"chain '{args['chain_id']}' is already retired")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        e = _entry(ctx, args["chain_id"])
        e.update(status="retired", updated_height=ctx.height, retired_reason=args["reason"])
        ctx.state.set_obj(store.chain_key(args["chain_id"]), e)
        ctx.emit("chains.retired", chain_id=args["chain_id"])


for _action in (
    ChainsCreateAction(),
    ChainsActivateAction(),
    ChainsRegisterAction(),
    ChainsSetEndpointsAction(),
    ChainsRetireAction(),
):
    register_action(_action)
