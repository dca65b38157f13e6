"""Organisations and their members: who may sign, for which organisation, with which roles.

Kinds:

* ``org.create``   {id, name}                      — by an admin of the operator organisation
  (bootstrap and tests; a running consortium admits organisations by governance,
  ``org.admit`` in ``governance.py``)
* ``member.add``   {org, public_key, roles, name}  — by an admin of ``org``
* ``member.set_status`` {address, status}          — ``active``/``suspended``/``revoked``, by an
  admin of the member's organisation (a revoked member cannot be re-activated)
* ``member.set_roles`` {address, roles}            — replaces the member's roles, by an admin of
  the member's organisation; a revoked member's roles cannot change, and an admin cannot take
  the ``admin`` role from themselves (so an organisation is never left without the admin who
  acted)

An organisation's ``status`` is ``active``, ``suspended`` or ``removed`` (changed only by
governance, ``org.set_status``); members of an organisation that is not active cannot act.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from wuyi.crypto import address_of
from wuyi.exceptions import TxFailed, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler, validate_suite_key
from wuyi.params import ChainParams

__all__ = [
    "BASE_ROLES",
    "MEMBER_STATUSES",
    "ORG_STATUSES",
    "MemberAddHandler",
    "MemberSetRolesHandler",
    "MemberSetStatusHandler",
    "OrgCreateHandler",
    "is_org_id",
    "make_member",
    "make_org",
    "validate_member_key",
    "validate_org_id",
    "validate_roles",
]

BASE_ROLES = ("admin", "operator", "client", "node")
_ORG_ID = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
_ROLE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
MEMBER_STATUSES = ("active", "suspended", "revoked")
ORG_STATUSES = ("active", "suspended", "removed")


def is_org_id(value: object) -> bool:
    """Whether ``value`` is a well-formed organisation id (see :func:`validate_org_id`)."""
    return isinstance(value, str) and _ORG_ID.match(value) is not None


def validate_org_id(org_id: str) -> None:
    if not _ORG_ID.match(org_id):
        raise ValidationError(
            f"organisation id '{org_id}' must be 2-32 chars of a-z, 0-9, '_' or '-',"
            " starting with a letter",
            field="id",
        )


def validate_roles(roles: list[Any]) -> None:
    if not roles:
        raise ValidationError("a member needs at least one role", field="roles")
    for r in roles:
        if not isinstance(r, str) or not _ROLE.match(r):
            raise ValidationError(f"role {r!r} is not a valid role name", field="roles")
    if len(set(roles)) != len(roles):
        raise ValidationError("roles contain duplicates", field="roles")


def validate_member_key(chain: ChainSpec, public_key: bytes, where: str, field: str) -> None:
    """Raise ``ValidationError`` naming ``field`` unless ``public_key`` is a key of the suite."""
    validate_suite_key(
        chain, public_key, f"{where}: public_key is not a valid {chain.suite.sig_name} key", field
    )


def make_org(org_id: str, name: str, operator: bool = False) -> dict[str, Any]:
    return {"id": org_id, "name": name, "operator": operator, "status": "active"}


def make_member(org: str, public_key: bytes, roles: list[str], name: str) -> dict[str, Any]:
    return {
        "org": org,
        "public_key": public_key,
        "roles": sorted(roles),
        "status": "active",
        "name": name,
    }


class OrgCreateHandler(Handler):
    kind = "org.create"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {"id": (str, True), "name": (str, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_org_id(payload["id"])
        if not 1 <= len(payload["name"]) <= 128:
            raise ValidationError("org.create: name must be 1-128 characters", field="name")

    def dynamic_validate(self, ctx: ExecContext) -> None:
        if ctx.state.get(keys.org_key(ctx.tx.payload["id"])) is not None:
            raise TxFailed(f"organisation '{ctx.tx.payload['id']}' already exists")

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_operator_admin()

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        ctx.state.set_obj(keys.org_key(p["id"]), make_org(p["id"], p["name"]))
        ctx.emit("org.created", id=p["id"])


class MemberAddHandler(Handler):
    kind = "member.add"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "org": (str, True),
        "public_key": (bytes, True),
        "roles": (list, True),
        "name": (str, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_org_id(payload["org"])
        validate_roles(payload["roles"])
        validate_member_key(chain, payload["public_key"], "member.add", "public_key")
        if len(payload.get("name", "")) > 128:
            raise ValidationError("member.add: name longer than 128 characters", field="name")

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        if ctx.state.get(keys.org_key(p["org"])) is None:
            raise TxFailed(f"organisation '{p['org']}' does not exist")
        addr = address_of(ctx.chain.suite, p["public_key"])
        if ctx.state.get(keys.member_key(addr)) is not None:
            raise TxFailed("this public key is already registered as a member")

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_org_admin(ctx.tx.payload["org"])

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        addr = address_of(ctx.chain.suite, p["public_key"])
        rec = make_member(p["org"], p["public_key"], list(p["roles"]), p.get("name", ""))
        ctx.state.set_obj(keys.member_key(addr), rec)
        ctx.emit("member.added", org=p["org"], address=addr, roles=rec["roles"])


class MemberSetStatusHandler(Handler):
    kind = "member.set_status"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "address": (bytes, True),
        "status": (str, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        if len(payload["address"]) != 20:
            raise ValidationError("member.set_status: address must be 20 bytes", field="address")
        if payload["status"] not in MEMBER_STATUSES:
            raise ValidationError(
                f"member.set_status: status must be one of {list(MEMBER_STATUSES)}",
                field="status",
            )

    def dynamic_validate(self, ctx: ExecContext) -> None:
        m = ctx.get_member(ctx.tx.payload["address"])
        if m is None:
            raise TxFailed("no member with this address")
        if m["status"] == "revoked":
            raise TxFailed("a revoked member cannot change status")

    def authorize(self, ctx: ExecContext) -> None:
        m = ctx.get_member(ctx.tx.payload["address"])
        assert m is not None
        ctx.require_org_admin(m["org"])

    def apply(self, ctx: ExecContext) -> None:
        addr = ctx.tx.payload["address"]
        m = ctx.get_member(addr)
        assert m is not None
        m["status"] = ctx.tx.payload["status"]
        ctx.state.set_obj(keys.member_key(addr), m)
        ctx.emit("member.status", address=addr, status=m["status"], org=m["org"])


class MemberSetRolesHandler(Handler):
    kind = "member.set_roles"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "address": (bytes, True),
        "roles": (list, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        if len(payload["address"]) != 20:
            raise ValidationError("member.set_roles: address must be 20 bytes", field="address")
        validate_roles(payload["roles"])

    def dynamic_validate(self, ctx: ExecContext) -> None:
        m = ctx.get_member(ctx.tx.payload["address"])
        if m is None:
            raise TxFailed("no member with this address")
        if m["status"] == "revoked":
            raise TxFailed("a revoked member's roles cannot change")

    def authorize(self, ctx: ExecContext) -> None:
        addr = ctx.tx.payload["address"]
        m = ctx.get_member(addr)
        assert m is not None
        ctx.require_org_admin(m["org"])
        if addr == ctx.sender_address and "admin" not in ctx.tx.payload["roles"]:
            raise TxFailed(
                "an admin cannot take the admin role from themselves; ask another admin of"
                f" '{m['org']}'"
            )

    def apply(self, ctx: ExecContext) -> None:
        addr = ctx.tx.payload["address"]
        m = ctx.get_member(addr)
        assert m is not None
        m["roles"] = sorted(ctx.tx.payload["roles"])
        ctx.state.set_obj(keys.member_key(addr), m)
        ctx.emit("member.roles", address=addr, org=m["org"], roles=m["roles"])
