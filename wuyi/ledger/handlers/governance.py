"""On-chain governance: proposals, votes by organisation, and the actions they execute.

A running consortium changes itself only through here: an admin proposes an *action*, the
organisations vote, and once the votes satisfy the action's policy anyone in the consortium
executes it. (The direct kinds ``org.create``, ``chain.set_params`` and ``validator.update``
stay for bootstrap and tests.)

Kinds
=====

* ``gov.propose`` {action: {type, args}, title, description?, deadline?} — by an admin of an
  active organisation. ``action.args`` is checked statically by the action's ``validate`` and
  against the state by its ``check``. ``deadline`` is a height, default current height +
  :data:`DEFAULT_VOTING_PERIOD`, at most :data:`MAX_VOTING_PERIOD` ahead. The proposer's
  organisation votes ``yes`` automatically. Emits ``gov.proposed`` {id, type, proposer_org,
  deadline, policy}.
* ``gov.vote`` {id, choice: yes|no|abstain} — by an admin of an active organisation, while the
  proposal is open and the height is at most its deadline. One current vote per organisation:
  a re-vote replaces it, the log keeps both. Emits ``gov.voted`` {id, org, choice, approved}
  (``approved``: the votes now satisfy the policy).
* ``gov.execute`` {id} — by any active member, while open and not past the deadline: the
  approvers are the ``yes`` voters that are still active admins of active organisations, one
  :class:`~wuyi.policy.Approver` per organisation; if they satisfy the policy recorded on the
  proposal the action's ``check`` and ``execute`` run and the status becomes ``executed``;
  otherwise the transaction fails saying what is missing. If the action fails the whole
  transaction reverts and the proposal stays open. Emits the action's events, then
  ``gov.executed`` {id, type}.
* ``gov.cancel`` {id} — by the proposer, while open. Emits ``gov.cancelled`` {id}.

Statuses: ``open``, ``executed``, ``cancelled``, ``rejected``; ``expired`` is derived (open and
the height is past the deadline: no more votes, no execution; see
:func:`get_proposal_status`). **Rejection rule:** when an organisation votes ``no``, the
proposal becomes ``rejected`` (final) if its policy could not be satisfied even if every active
organisation without a current ``no`` vote approved it through an admin holding every role the
policy names. The same test at ``gov.propose`` refuses a proposal whose policy the current
organisations could never satisfy, and ``policy.set`` refuses a policy that would lock
governance that way.

Policies
========

Each action names a policy (``policy_name``); ``gov/policies`` maps names to expressions
(:mod:`wuyi.policy`) and a name not set there uses its default from :data:`POLICY_DEFAULTS`
(every built-in name defaults to ``MAJORITY``: more than half of the active organisations).
The expression in force when the proposal is made is recorded on it and used at execution.
Built-in names: ``params``, ``orgs``, ``validators``, ``policies``, ``lifecycle``;
:func:`register_action` adds the policy name of a new action (default ``MAJORITY``), and
:func:`register_policy_name` adds a name with another default.

Proposal record (state ``gov/proposal/<id u64 big-endian>``; ids start at 1, ``gov/next_id``)::

    {id, proposer, proposer_org, action: {type, args}, title, description, created_height,
     deadline, status, policy: {name, expr}, votes: {org: {voter, choice, height}},
     log: [{org, voter, choice, height}, ...], closed_height}

Actions
=======

An action is a subclass of :class:`GovAction`, registered once at import time of its module
with ``register_action(MyAction())`` (every node must register the same actions)::

    class GovAction:
        type: str          # "chain.set_params": the action.type of a proposal
        policy_name: str   # which entry of gov/policies governs it
        def validate(self, args, chain, params) -> None   # static; ValidationError(field=...)
        def check(self, ctx, args) -> None                # against the state; at propose and
                                                          # again at execute; raise TxFailed
        def execute(self, ctx, args) -> None              # the writes and events

``ctx`` is the :class:`ExecContext` of the ``gov.propose``/``gov.execute`` transaction;
``ctx.tx.payload`` is that transaction's payload, not ``args``. Built-in actions:

=====================  ===========  ==================================================
type                   policy       args
=====================  ===========  ==================================================
``chain.set_params``   params       {params: {name: value}}
``org.admit``          orgs         {id, name, admins: [{public_key, name?}]}
``org.set_status``     orgs         {id, status: active|suspended|removed}
``validator.update``   validators   {validators: [{name, public_key, power}], effective_height}
``policy.set``         policies     {name, expr}
=====================  ===========  ==================================================

Helpers for other modules: :func:`get_policy` (the policy in force for a name),
:func:`approvers_from_addresses` (signers as approvers), :func:`get_active_orgs`,
:func:`get_proposal`, :func:`get_proposal_status`, and :func:`open_chain_proposal`: a proposal
opened by the chain itself (no proposer, no vote yet, an ``origin`` saying why) — evidence of a
validator's equivocation opens one to remove it (``consensus.evidence``, ``misbehaviour.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, ClassVar

from wuyi.abc import KVReader
from wuyi.crypto import address_of
from wuyi.encoding import decode_trusted
from wuyi.exceptions import PolicyInvalid, TxFailed, Unauthorized, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler, validate_fields
from wuyi.ledger.handlers.chain import ChainSetParamsHandler
from wuyi.ledger.handlers.identity import (
    ORG_STATUSES,
    make_member,
    make_org,
    validate_member_key,
    validate_org_id,
)
from wuyi.ledger.handlers.validators import ValidatorUpdateHandler
from wuyi.memo import BytesMemo
from wuyi.params import ChainParams
from wuyi.policy import Approver, Policy, parse_policy

__all__ = [
    "ACTIONS",
    "CHOICES",
    "DEFAULT_VOTING_PERIOD",
    "MAX_VOTE_EVENTS",
    "MAX_VOTING_PERIOD",
    "POLICY_DEFAULTS",
    "GovAction",
    "GovCancelHandler",
    "GovExecuteHandler",
    "GovProposeHandler",
    "GovVoteHandler",
    "approvers_from_addresses",
    "get_active_orgs",
    "get_policy",
    "get_policy_expr",
    "get_proposal",
    "get_proposal_status",
    "is_policy_achievable",
    "open_chain_proposal",
    "register_action",
    "register_policy_name",
]

DEFAULT_VOTING_PERIOD = 1000
MAX_VOTING_PERIOD = 100_000
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 4000
MAX_VOTE_EVENTS = 256
MAX_ORG_ADMINS = 16
CHOICES = ("yes", "no", "abstain")

POLICY_DEFAULTS: dict[str, str] = {
    "params": "MAJORITY",
    "orgs": "MAJORITY",
    "validators": "MAJORITY",
    "policies": "MAJORITY",
    "lifecycle": "MAJORITY",
}
"""Every known policy name and the expression it has until ``policy.set`` changes it."""

_FieldSpec = dict[str, tuple[type, bool]]
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


# -- reading governance state -------------------------------------------------------------------


def _get_obj(state: KVReader, key: bytes) -> Any:
    raw = state.get(key)
    return None if raw is None else decode_trusted(raw)


def get_active_orgs(state: KVReader) -> list[str]:
    """Ids of the organisations whose status is ``active``, sorted."""
    out = []
    for _, raw in state.iter_prefix(keys.ORG_PREFIX):
        org = decode_trusted(raw)
        if org["status"] == "active":
            out.append(org["id"])
    return sorted(out)


def get_policy_expr(state: KVReader, name: str) -> str:
    """The expression in force for policy ``name`` (set on chain, else its default)."""
    stored = _get_obj(state, keys.GOV_POLICIES) or {}
    if name in stored:
        expr: str = stored[name]
        return expr
    if name in POLICY_DEFAULTS:
        return POLICY_DEFAULTS[name]
    raise PolicyInvalid(f"no policy named '{name}'; known: {sorted(POLICY_DEFAULTS)}")


def get_policy(state: KVReader, name: str) -> Policy:
    """The policy in force for ``name``; raises :class:`PolicyInvalid` for an unknown name."""
    return parse_policy(get_policy_expr(state, name))


def approvers_from_addresses(state: KVReader, addresses: Iterable[bytes]) -> list[Approver]:
    """The members at ``addresses`` as approvers, in order, once each: only active members of
    active organisations, with their current roles. Unknown addresses are left out."""
    out: list[Approver] = []
    seen: set[bytes] = set()
    for addr in addresses:
        if addr in seen:
            continue
        seen.add(addr)
        m_raw = state.get(keys.member_key(addr))
        if m_raw is None:
            continue
        active, org_id, roles = _MEMBERS.derive(m_raw, _member_for_approval)
        if not active:
            continue
        o_raw = state.get(keys.org_key(org_id))
        if o_raw is not None and _ORGS_ACTIVE.derive(o_raw, _org_is_active):
            out.append(Approver(addr, org_id, roles))
    return out


_DECODED_MAX = 4096
_MEMBERS: BytesMemo[tuple[bool, str, tuple[str, ...]]] = BytesMemo(_DECODED_MAX)
_ORGS_ACTIVE: BytesMemo[bool] = BytesMemo(_DECODED_MAX)
"""What :func:`approvers_from_addresses` needs of a member record (active?, org, roles) and of
an organisation record (active?), by the record's bytes (:mod:`wuyi.memo`): every contract
call reads both."""


def _member_for_approval(raw: bytes) -> tuple[bool, str, tuple[str, ...]]:
    m = decode_trusted(raw)
    return m["status"] == "active", str(m["org"]), tuple(m["roles"])


def _org_is_active(raw: bytes) -> bool:
    return bool(decode_trusted(raw)["status"] == "active")


def get_proposal(state: KVReader, proposal_id: int) -> dict[str, Any] | None:
    rec: dict[str, Any] | None = _get_obj(state, keys.proposal_key(proposal_id))
    return rec


def get_proposal_status(record: dict[str, Any], height: int) -> str:
    """The stored status, or ``expired`` for an open proposal past its deadline."""
    status: str = record["status"]
    if status == "open" and height > record["deadline"]:
        return "expired"
    return status


def is_policy_achievable(policy: Policy, orgs: Iterable[str], active_orgs: list[str]) -> bool:
    """Could ``policy`` be satisfied by one approval from each of ``orgs`` (an admin holding
    every role the policy names)? The optimistic test behind rejection and lock checks."""
    roles = tuple(sorted({"admin", *policy.referenced_roles()}))
    hypothetical = [Approver(o.encode(), o, roles) for o in orgs]
    try:
        return policy.evaluate(hypothetical, active_orgs)
    except PolicyInvalid:
        return False


def _vote_approvers(state: KVReader, record: dict[str, Any]) -> list[Approver]:
    """One approver per organisation voting yes whose voter is still an active admin."""
    yes = [v["voter"] for _, v in sorted(record["votes"].items()) if v["choice"] == "yes"]
    return [a for a in approvers_from_addresses(state, yes) if "admin" in a.roles]


# -- the action registry ------------------------------------------------------------------------


class GovAction:
    """What a proposal can do. Subclass, set ``type`` and ``policy_name``, implement
    ``validate``/``check``/``execute``, and :func:`register_action` an instance."""

    type: str = ""
    policy_name: str = ""

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        """Static checks of ``args``; raise ``ValidationError`` with ``field`` set."""

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        """Checks against the state, at propose and again at execute; raise ``TxFailed``."""

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        """The writes and events of the action."""
        raise TxFailed(f"action {self.type} has no execute step")


class FieldsAction(GovAction):
    """A :class:`GovAction` whose ``args`` are checked against ``fields``
    (:func:`validate_fields`), then by :meth:`validate_args`."""

    fields: ClassVar[_FieldSpec] = {}

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        self.validate_args(args, chain)

    def validate_args(self, args: dict[str, Any], chain: ChainSpec) -> None:
        """The static checks beyond the fields' presence and types; default none."""


ACTIONS: dict[str, GovAction] = {}
"""Registered actions by type. Read at the time of each transaction, so actions registered by
modules imported later are found."""


def register_policy_name(name: str, default: str = "MAJORITY") -> None:
    """Make ``name`` a known policy name with ``default`` (no-op if it is known already)."""
    if not _NAME.match(name):
        raise ValueError(f"policy name {name!r} must be like 'lifecycle' or 'contract.call'")
    parse_policy(default)
    POLICY_DEFAULTS.setdefault(name, str(parse_policy(default)))


def register_action(action: GovAction, *, replace_existing: bool = False) -> GovAction:
    """Register ``action`` under ``action.type``; its policy name becomes known."""
    if not _NAME.match(action.type) or "." not in action.type:
        raise ValueError(f"action type {action.type!r} must be like 'contract.deploy'")
    if not _NAME.match(action.policy_name):
        raise ValueError(f"action {action.type}: policy_name {action.policy_name!r} is invalid")
    if action.type in ACTIONS and not replace_existing:
        raise ValueError(f"action type '{action.type}' is already registered")
    register_policy_name(action.policy_name)
    ACTIONS[action.type] = action
    return action


def _with_payload(ctx: ExecContext, payload: dict[str, Any]) -> ExecContext:
    """A view of ``ctx`` whose transaction payload is ``payload`` (same state and events), to
    run a direct handler's steps on an action's arguments."""
    return replace(ctx, tx=replace(ctx.tx, payload=payload))


# -- built-in actions ---------------------------------------------------------------------------


class _HandlerAction(GovAction):
    """An action whose arguments are the payload of a direct handler: its static checks are
    the handler's (an error without a field is put on ``default_field``)."""

    _handler: Handler
    default_field = ""

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        try:
            self._handler.static_validate(args, chain, params)
        except ValidationError as exc:
            if "field" in exc.detail:
                raise
            raise ValidationError(exc.message, field=self.default_field) from None

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        """The handler's own writes and events, with ``args`` as its payload."""
        self._handler.apply(_with_payload(ctx, args))


class SetParamsAction(_HandlerAction):
    type = "chain.set_params"
    policy_name = "params"
    _handler = ChainSetParamsHandler()
    default_field = "params"

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        try:
            ChainParams.from_obj({**ctx.state.get_obj(keys.PARAMS), **args["params"]})
        except ValidationError as exc:
            raise TxFailed(f"chain.set_params: {exc.message}") from None


class ValidatorUpdateAction(_HandlerAction):
    type = "validator.update"
    policy_name = "validators"
    _handler = ValidatorUpdateHandler()
    default_field = "validators"

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        self._handler.dynamic_validate(_with_payload(ctx, args))


class OrgAdmitAction(GovAction):
    type = "org.admit"
    policy_name = "orgs"
    fields: ClassVar[_FieldSpec] = {
        "id": (str, True),
        "name": (str, True),
        "admins": (list, True),
    }
    admin_fields: ClassVar[_FieldSpec] = {
        "public_key": (bytes, True),
        "name": (str, False),
    }

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        validate_org_id(args["id"])
        if not 1 <= len(args["name"]) <= 128:
            raise ValidationError("org.admit: name must be 1-128 characters", field="name")
        admins = args["admins"]
        if not 1 <= len(admins) <= MAX_ORG_ADMINS:
            raise ValidationError(
                f"org.admit: admins must list 1-{MAX_ORG_ADMINS} admins", field="admins"
            )
        seen: list[bytes] = []
        for i, a in enumerate(admins):
            where = f"org.admit: admins[{i}]"
            if not isinstance(a, dict):
                raise ValidationError(f"{where} must be a map", field="admins")
            try:
                validate_fields(a, self.admin_fields, where)
            except ValidationError as exc:
                raise ValidationError(exc.message, field="admins") from None
            validate_member_key(chain, a["public_key"], where, "admins")
            if len(a.get("name", "")) > 128:
                raise ValidationError(f"{where}: name longer than 128 characters", field="admins")
            if a["public_key"] in seen:
                raise ValidationError(f"{where}: public_key appears twice", field="admins")
            seen.append(a["public_key"])

    def _addresses(self, ctx: ExecContext, args: dict[str, Any]) -> list[bytes]:
        return [address_of(ctx.chain.suite, a["public_key"]) for a in args["admins"]]

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        if ctx.state.get(keys.org_key(args["id"])) is not None:
            raise TxFailed(f"organisation '{args['id']}' already exists")
        for i, addr in enumerate(self._addresses(ctx, args)):
            if ctx.state.get(keys.member_key(addr)) is not None:
                raise TxFailed(f"org.admit: admins[{i}] is already registered as a member")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        org_id = args["id"]
        ctx.state.set_obj(keys.org_key(org_id), make_org(org_id, args["name"]))
        ctx.emit("org.created", id=org_id)
        for a, addr in zip(args["admins"], self._addresses(ctx, args), strict=True):
            rec = make_member(org_id, a["public_key"], ["admin"], a.get("name", ""))
            ctx.state.set_obj(keys.member_key(addr), rec)
            ctx.emit("member.added", org=org_id, address=addr, roles=rec["roles"])


class OrgSetStatusAction(GovAction):
    type = "org.set_status"
    policy_name = "orgs"
    fields: ClassVar[_FieldSpec] = {"id": (str, True), "status": (str, True)}

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        validate_org_id(args["id"])
        if args["status"] not in ORG_STATUSES:
            raise ValidationError(
                f"org.set_status: status must be one of {list(ORG_STATUSES)}", field="status"
            )

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        org = ctx.state.get_obj(keys.org_key(args["id"]))
        if org is None:
            raise TxFailed(f"organisation '{args['id']}' does not exist")
        if org["status"] == "removed":
            raise TxFailed(f"organisation '{args['id']}' was removed; its status cannot change")
        if org["status"] == args["status"]:
            raise TxFailed(f"organisation '{args['id']}' is already {args['status']}")
        if org.get("operator") and args["status"] != "active":
            raise TxFailed(
                f"'{args['id']}' is the operator organisation; it cannot be suspended or removed"
            )

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        org = ctx.state.get_obj(keys.org_key(args["id"]))
        org["status"] = args["status"]
        ctx.state.set_obj(keys.org_key(args["id"]), org)
        ctx.emit("org.status", id=args["id"], status=args["status"])


class PolicySetAction(GovAction):
    type = "policy.set"
    policy_name = "policies"
    fields: ClassVar[_FieldSpec] = {"name": (str, True), "expr": (str, True)}

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        if args["name"] not in POLICY_DEFAULTS:
            raise ValidationError(
                f"policy.set: unknown policy name '{args['name']}';"
                f" known: {sorted(POLICY_DEFAULTS)}",
                field="name",
            )
        try:
            parse_policy(args["expr"])
        except PolicyInvalid as exc:
            raise PolicyInvalid(
                f"policy.set: {exc.message}", **{**exc.detail, "field": "expr"}
            ) from None

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        policy = parse_policy(args["expr"])
        active = get_active_orgs(ctx.state)
        if not is_policy_achievable(policy, active, active):
            raise TxFailed(
                f"policy.set: '{policy}' could never be satisfied by the active organisations"
                f" ({', '.join(active)}), each voting once; it would lock '{args['name']}'"
            )

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        expr = str(parse_policy(args["expr"]))
        stored = ctx.state.get_obj(keys.GOV_POLICIES) or {}
        stored[args["name"]] = expr
        ctx.state.set_obj(keys.GOV_POLICIES, stored)
        ctx.emit("gov.policy_set", name=args["name"], expr=expr)


for _action in (
    SetParamsAction(),
    OrgAdmitAction(),
    OrgSetStatusAction(),
    ValidatorUpdateAction(),
    PolicySetAction(),
):
    register_action(_action)


def open_chain_proposal(
    ctx: ExecContext,
    action_type: str,
    args: dict[str, Any],
    *,
    title: str,
    description: str,
    origin: dict[str, Any],
) -> int | None:
    """Open a proposal on the chain's own behalf: ``proposer`` is empty, no organisation has
    voted, ``origin`` records why (e.g. ``{"kind": "consensus.evidence", "id": ...}``); the
    organisations vote and execute it as any other. Returns its id, or ``None`` (nothing
    written) when the action's policy could not be satisfied by the active organisations."""
    action = ACTIONS[action_type]
    policy_expr = str(parse_policy(get_policy_expr(ctx.state, action.policy_name)))
    active = get_active_orgs(ctx.state)
    if not is_policy_achievable(parse_policy(policy_expr), active, active):
        return None
    pid: int = ctx.state.get_obj(keys.GOV_NEXT_ID) or 1
    ctx.state.set_obj(keys.GOV_NEXT_ID, pid + 1)
    rec = {
        "id": pid,
        "proposer": b"",
        "proposer_org": "",
        "action": {"type": action.type, "args": args},
        "title": title[:MAX_TITLE_CHARS],
        "description": description[:MAX_DESCRIPTION_CHARS],
        "created_height": ctx.height,
        "deadline": ctx.height + DEFAULT_VOTING_PERIOD,
        "status": "open",
        "policy": {"name": action.policy_name, "expr": policy_expr},
        "votes": {},
        "log": [],
        "closed_height": None,
        "origin": origin,
    }
    ctx.state.set_obj(keys.proposal_key(pid), rec)
    ctx.emit(
        "gov.proposed",
        id=pid,
        type=action.type,
        proposer_org="",
        deadline=rec["deadline"],
        policy=policy_expr,
    )
    return pid


# -- the transaction kinds ----------------------------------------------------------------------


def _load_status_open(ctx: ExecContext, proposal_id: int) -> dict[str, Any]:
    """The proposal, if its status is still ``open`` (its deadline may be past)."""
    rec = get_proposal(ctx.state, proposal_id)
    if rec is None:
        raise TxFailed(f"no proposal {proposal_id}")
    if rec["status"] != "open":
        raise TxFailed(f"proposal {proposal_id} is {rec['status']}")
    return rec


def _load_open(ctx: ExecContext, proposal_id: int) -> dict[str, Any]:
    """The proposal, if it is open and not past its deadline."""
    rec = _load_status_open(ctx, proposal_id)
    if ctx.height > rec["deadline"]:
        raise TxFailed(f"proposal {proposal_id} closed at height {rec['deadline']}")
    return rec


def _validate_id(payload: dict[str, Any], kind: str) -> None:
    if payload["id"] < 1:
        raise ValidationError(f"{kind}: id must be a positive integer", field="id")


def _close(ctx: ExecContext, rec: dict[str, Any], status: str) -> None:
    """Close the proposal ``rec`` (not yet stored) with ``status`` at this height."""
    rec["status"] = status
    rec["closed_height"] = ctx.height


class _ProposalHandler(Handler):
    """A transaction on an existing proposal, named by its positive integer ``id``."""

    fields: ClassVar[_FieldSpec] = {"id": (int, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _validate_id(payload, self.kind)


class GovProposeHandler(Handler):
    kind = "gov.propose"
    fields: ClassVar[_FieldSpec] = {
        "action": (dict, True),
        "title": (str, True),
        "description": (str, False),
        "deadline": (int, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        action = payload["action"]
        if set(action) != {"type", "args"}:
            raise ValidationError(
                "gov.propose: action must be a map with exactly 'type' and 'args'", field="action"
            )
        if not isinstance(action["type"], str) or action["type"] not in ACTIONS:
            raise ValidationError(
                f"gov.propose: unknown action type {action['type']!r}; known: {sorted(ACTIONS)}",
                field="action.type",
            )
        if not isinstance(action["args"], dict):
            raise ValidationError("gov.propose: action.args must be a map", field="action.args")
        try:
            ACTIONS[action["type"]].validate(action["args"], chain, params)
        except ValidationError as exc:
            field = exc.detail.get("field")
            raise type(exc)(
                f"gov.propose: action {action['type']}: {exc.message}",
                **{**exc.detail, "field": "action.args" + (f".{field}" if field else "")},
            ) from None
        if not 1 <= len(payload["title"]) <= MAX_TITLE_CHARS:
            raise ValidationError(
                f"gov.propose: title must be 1-{MAX_TITLE_CHARS} characters", field="title"
            )
        if len(payload.get("description", "")) > MAX_DESCRIPTION_CHARS:
            raise ValidationError(
                f"gov.propose: description longer than {MAX_DESCRIPTION_CHARS} characters",
                field="description",
            )
        if payload.get("deadline", 1) < 1:
            raise ValidationError(
                "gov.propose: deadline must be a positive height", field="deadline"
            )

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        deadline = p.get("deadline", ctx.height + DEFAULT_VOTING_PERIOD)
        if deadline <= ctx.height:
            raise TxFailed(f"gov.propose: deadline {deadline} is not after height {ctx.height}")
        if deadline > ctx.height + MAX_VOTING_PERIOD:
            raise TxFailed(
                f"gov.propose: deadline {deadline} is more than {MAX_VOTING_PERIOD} heights"
                f" after {ctx.height}"
            )
        action = ACTIONS[p["action"]["type"]]
        policy = get_policy(ctx.state, action.policy_name)
        active = get_active_orgs(ctx.state)
        if not is_policy_achievable(policy, active, active):
            raise TxFailed(
                f"policy '{action.policy_name}' ({policy}) cannot be satisfied by the active"
                f" organisations ({', '.join(active)}), each voting once"
            )
        action.check(ctx, p["action"]["args"])

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member(("admin",))

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        member = ctx.require_member(("admin",))
        action = ACTIONS[p["action"]["type"]]
        pid: int = ctx.state.get_obj(keys.GOV_NEXT_ID) or 1
        ctx.state.set_obj(keys.GOV_NEXT_ID, pid + 1)
        vote = {"voter": ctx.sender_address, "choice": "yes", "height": ctx.height}
        policy_expr = get_policy_expr(ctx.state, action.policy_name)
        rec = {
            "id": pid,
            "proposer": ctx.sender_address,
            "proposer_org": member["org"],
            "action": {"type": action.type, "args": p["action"]["args"]},
            "title": p["title"],
            "description": p.get("description", ""),
            "created_height": ctx.height,
            "deadline": p.get("deadline", ctx.height + DEFAULT_VOTING_PERIOD),
            "status": "open",
            "policy": {"name": action.policy_name, "expr": str(parse_policy(policy_expr))},
            "votes": {member["org"]: vote},
            "log": [{"org": member["org"], **vote}],
            "closed_height": None,
        }
        ctx.state.set_obj(keys.proposal_key(pid), rec)
        ctx.emit(
            "gov.proposed",
            id=pid,
            type=action.type,
            proposer_org=member["org"],
            deadline=rec["deadline"],
            policy=rec["policy"]["expr"],
        )


class GovVoteHandler(_ProposalHandler):
    kind = "gov.vote"
    fields: ClassVar[_FieldSpec] = {"id": (int, True), "choice": (str, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        if payload["choice"] not in CHOICES:
            raise ValidationError(
                f"gov.vote: choice must be one of {list(CHOICES)}", field="choice"
            )

    def dynamic_validate(self, ctx: ExecContext) -> None:
        rec = _load_open(ctx, ctx.tx.payload["id"])
        if len(rec["log"]) >= MAX_VOTE_EVENTS:
            raise TxFailed(f"proposal {rec['id']} has reached {MAX_VOTE_EVENTS} vote events")

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member(("admin",))

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        org = ctx.require_member(("admin",))["org"]
        rec = _load_open(ctx, p["id"])
        vote = {"voter": ctx.sender_address, "choice": p["choice"], "height": ctx.height}
        rec["votes"][org] = vote
        rec["log"].append({"org": org, **vote})
        policy = parse_policy(rec["policy"]["expr"])
        active = get_active_orgs(ctx.state)
        if p["choice"] == "no":
            could_approve = [o for o in active if rec["votes"].get(o, {}).get("choice") != "no"]
            if not is_policy_achievable(policy, could_approve, active):
                _close(ctx, rec, "rejected")
        try:
            approved = policy.evaluate(_vote_approvers(ctx.state, rec), active)
        except PolicyInvalid:
            approved = False
        ctx.state.set_obj(keys.proposal_key(p["id"]), rec)
        ctx.emit("gov.voted", id=p["id"], org=org, choice=p["choice"], approved=approved)
        if rec["status"] == "rejected":
            ctx.emit("gov.rejected", id=p["id"])


class GovExecuteHandler(_ProposalHandler):
    kind = "gov.execute"

    def dynamic_validate(self, ctx: ExecContext) -> None:
        rec = _load_open(ctx, ctx.tx.payload["id"])
        if rec["action"]["type"] not in ACTIONS:
            raise TxFailed(f"action type '{rec['action']['type']}' is no longer registered")

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member()

    def apply(self, ctx: ExecContext) -> None:
        pid = ctx.tx.payload["id"]
        rec = _load_open(ctx, pid)
        policy = parse_policy(rec["policy"]["expr"])
        approvers = _vote_approvers(ctx.state, rec)
        active = get_active_orgs(ctx.state)
        if not policy.evaluate(approvers, active):
            raise TxFailed(
                f"proposal {pid} is not approved under policy '{rec['policy']['name']}'"
                f" ({policy}): {policy.explain_missing(approvers, active)}"
            )
        action = ACTIONS[rec["action"]["type"]]
        args = rec["action"]["args"]
        action.check(ctx, args)
        action.execute(ctx, args)
        _close(ctx, rec, "executed")
        ctx.state.set_obj(keys.proposal_key(pid), rec)
        ctx.emit("gov.executed", id=pid, type=action.type)


class GovCancelHandler(_ProposalHandler):
    kind = "gov.cancel"

    def dynamic_validate(self, ctx: ExecContext) -> None:
        _load_status_open(ctx, ctx.tx.payload["id"])

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member()
        rec = get_proposal(ctx.state, ctx.tx.payload["id"])
        assert rec is not None
        if rec["proposer"] != ctx.sender_address:
            raise Unauthorized(f"only the proposer may cancel proposal {rec['id']}")

    def apply(self, ctx: ExecContext) -> None:
        pid = ctx.tx.payload["id"]
        rec = get_proposal(ctx.state, pid)
        assert rec is not None
        _close(ctx, rec, "cancelled")
        ctx.state.set_obj(keys.proposal_key(pid), rec)
        ctx.emit("gov.cancelled", id=pid)
