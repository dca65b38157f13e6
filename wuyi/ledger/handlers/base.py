"""The shape every transaction handler has, and the context it runs in.

Each kind has one handler with four steps, called in this order:

1. ``static_validate(payload, chain)`` — pure checks of the payload alone (types, sizes).
   Failing here means the transaction is refused at the door and a block containing it is
   invalid.
2. ``dynamic_validate(ctx)`` — checks against the current state (does the record exist?).
3. ``authorize(ctx)`` — may the sender do this? (raises :class:`Unauthorized`)
4. ``apply(ctx)`` — the writes and events.

Failing in 2–4 reverts every write of the transaction and yields a receipt with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from wuyi.abc import Suite
from wuyi.encoding import encode
from wuyi.exceptions import CryptoError, TxFailed, Unauthorized, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.state_view import TxState
from wuyi.ledger.types import Event, Transaction
from wuyi.params import ChainParams

__all__ = ["ChainSpec", "ExecContext", "Handler", "validate_fields"]


@dataclass(frozen=True, slots=True)
class ChainSpec:
    """What execution needs to know about the chain itself."""

    chain_id: str
    suite: Suite


@dataclass(slots=True)
class ExecContext:
    chain: ChainSpec
    state: TxState
    params: ChainParams
    height: int
    time: int
    tx: Transaction
    tx_hash: bytes
    sender_address: bytes
    events: list[Event] = field(default_factory=list)
    gas_used: int = 0
    sidecars: Mapping[bytes, bytes] = field(default_factory=dict)
    """This transaction's private side-cars (hash -> bytes; ``wuyi.ledger.sidecar``): what
    its ``sidecar:<hash>`` references stand for. Never written to state or events."""
    _sender_member: dict[str, Any] | None = None
    packet: dict[str, Any] | None = None
    """The cross-chain packet being delivered in this transaction (``xchain.recv``)."""

    def emit(self, type_: str, **attrs: Any) -> None:
        self.events.append(Event(type_, attrs))

    @property
    def sender_did(self) -> str | None:
        """The DID (``did:wuyi:...``) for which the transaction's signing key is an
        ``authentication`` key of an active DID, else None (see ``did.py``)."""
        from wuyi.ledger.handlers.did import authentication_did  # did.py imports this module

        return authentication_did(self.state, self.chain.suite, self.sender_address)

    def get_member(self, address: bytes | None = None) -> dict[str, Any] | None:
        rec: dict[str, Any] | None = self.state.get_obj(
            keys.member_key(address or self.sender_address)
        )
        return rec

    def require_member(self, roles: tuple[str, ...] = ()) -> dict[str, Any]:
        """The sender's member record, if it is active and (optionally) has one of ``roles``.

        The record is shared with other transactions of the block: read it, never mutate it
        (use :meth:`get_member` for a private copy)."""
        m = self._sender_member
        if m is None:
            # Shared decoded records (read-only): the same member signs many txs of a block.
            m = self.state.get_obj_shared(keys.member_key(self.sender_address))
            if m is None:
                raise Unauthorized("sender is not a registered member of any organisation")
            if m["status"] != "active":
                raise Unauthorized(f"sender's membership is {m['status']}")
            org = self.state.get_obj_shared(keys.org_key(m["org"]))
            if org is None or org["status"] != "active":
                raise Unauthorized(f"sender's organisation '{m['org']}' is not active")
            self._sender_member = m
        if roles and not set(roles) & set(m["roles"]):
            raise Unauthorized(f"sender needs one of the roles {list(roles)}, has {m['roles']}")
        return m

    def require_org_admin(self, org_id: str) -> dict[str, Any]:
        m = self.require_member()
        if m["org"] != org_id or "admin" not in m["roles"]:
            raise Unauthorized(f"only an admin of '{org_id}' may do this")
        return m

    def require_operator_admin(self) -> dict[str, Any]:
        m = self.require_member(("admin",))
        org = self.state.get_obj(keys.org_key(m["org"]))
        if not org or not org.get("operator"):
            raise Unauthorized("only an admin of the platform operator organisation may do this")
        return m


def validate_fields(payload: dict[str, Any], spec: dict[str, tuple[type, bool]], kind: str) -> None:
    """Check ``payload`` against ``{name: (type, required)}``; unknown fields are refused."""
    unknown = sorted(set(payload) - set(spec))
    if unknown:
        raise ValidationError(f"{kind}: unknown payload fields {unknown}", field=unknown[0])
    for name, (typ, required) in spec.items():
        if name not in payload:
            if required:
                raise ValidationError(f"{kind}: payload field '{name}' is missing", field=name)
            continue
        v = payload[name]
        ok = type(v) is int if typ is int else isinstance(v, typ)
        if not ok:
            raise ValidationError(
                f"{kind}: payload field '{name}' must be {typ.__name__}", field=name
            )


def validate_update(
    payload: dict[str, Any],
    kind: str,
    id_field: str,
    checks: Mapping[str, Callable[[Any], object]],
) -> None:
    """An update of the record named by ``id_field``: it must change something, and each
    field of ``checks`` that it gives passes its check."""
    if len(payload) == 1:
        raise ValidationError(f"{kind}: nothing to change", field=id_field)
    for name, check in checks.items():
        if name in payload:
            check(payload[name])


def validate_suite_key(chain: ChainSpec, public_key: bytes, message: str, field: str) -> None:
    """Raise ``ValidationError`` (``message: why``, naming ``field``) unless ``public_key`` is
    a key of the chain's suite."""
    try:
        chain.suite.validate_public_key(public_key)
    except CryptoError as exc:
        raise ValidationError(f"{message}: {exc.message}", field=field) from None


class Handler:
    """Base class: one subclass per transaction kind."""

    kind: ClassVar[str] = ""
    fields: ClassVar[dict[str, tuple[type, bool]]] = {}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        validate_fields(payload, self.fields, self.kind)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        """Checks against the state; default none."""

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member()

    def apply(self, ctx: ExecContext) -> None:
        raise TxFailed(f"{self.kind}: handler has no apply step")

    def reserved_gas(
        self,
        payload: dict[str, Any],
        params: ChainParams,
        sidecars: Mapping[bytes, bytes] | None = None,
    ) -> int:
        """Gas the transaction may use beyond its base cost (a contract call's ``gas_limit``),
        reserved against the block gas limit before it runs (``sidecars``: the ones it
        references, e.g. the presentation ``vc.verify`` checks)."""
        return 0

    @staticmethod
    def size_of(value: Any) -> int:
        return len(encode(value))
