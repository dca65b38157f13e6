"""What contract source imports: ``from wuyi.contract import call, view, state, ctx, ...``.

Inside the chain's sandbox this import resolves to the runtime's own objects, bound to the
running call. Outside it (an editor, a plain ``python`` import, type checking) these are
documented stand-ins: the decorators and ``require``/``revert`` work, while ``state``,
``ctx``, ``emit``, ``invoke``, ``hash``, ``assurance``, ``presentation``, ``recognition``
and ``packet`` raise
:class:`RuntimeError` — run a contract with :class:`wuyi.testing.contracts.ContractTester`
to exercise them.

A contract::

    from wuyi.contract import call, ctx, emit, require, state, view

    ROLES = ["inspector"]       # business roles the contract uses (registered at deploy)

    @call(roles=["inspector"])
    def attest(doc_id: str, digest: bytes) -> None:
        require(not state.has("doc/" + doc_id), "already attested")
        state.set("doc/" + doc_id, {"digest": digest, "by": ctx.sender, "at": ctx.time})
        emit("Attested", doc_id=doc_id)

    @view
    def lookup(doc_id: str) -> dict | None:
        return state.get("doc/" + doc_id)

See ``docs/contract-runtime.md`` for what the sandbox allows.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, overload

from wuyi.exceptions import ContractRevert

__all__ = [
    "Context",
    "Identity",
    "State",
    "assurance",
    "call",
    "ctx",
    "emit",
    "hash",
    "invoke",
    "packet",
    "presentation",
    "recognition",
    "require",
    "revert",
    "state",
    "view",
]

F = TypeVar("F", bound=Callable[..., Any])

_OUTSIDE = (
    "wuyi.contract.{} is only available while a contract runs on the chain or in "
    "wuyi.testing.contracts.ContractTester"
)


def _outside(name: str) -> RuntimeError:
    return RuntimeError(_OUTSIDE.format(name))


def _decorator(
    kind: str, fn: Any, policy: str | None, roles: list[str] | None, public: bool = False
) -> Any:
    def mark(f: F) -> F:
        f.__wuyi_method__ = {  # type: ignore[attr-defined]
            "kind": kind,
            "policy": policy,
            "roles": list(roles or []),
            "public": public,
        }
        return f

    return mark(fn) if fn is not None else mark


@overload
def call(fn: F, /) -> F: ...
@overload
def call(
    *, policy: str | None = None, roles: list[str] | None = None, public: bool = False
) -> Callable[[F], F]: ...
def call(
    fn: Any = None,
    /,
    *,
    policy: str | None = None,
    roles: list[str] | None = None,
    public: bool = False,
) -> Any:
    """Mark a public method that may write state: ``@call`` or ``@call(policy=..., roles=[...])``.

    ``roles``: the sender must hold one of these business roles. ``policy``: the call's
    signers must satisfy this expression, e.g. ``"OR('zjj.admin', 'bank1.member')"`` (see
    ``wuyi.policy``). The chain checks the guard before the body runs.

    ``public=True``: people who are not members of any organisation may call the method too,
    if the transaction is signed by an authentication key of an active DID (``ctx.sender_did``
    is then set; ``ctx.sender_org`` is None). Other methods refuse non-members.
    """
    return _decorator("call", fn, policy, roles, public)


@overload
def view(fn: F, /) -> F: ...
@overload
def view(*, policy: str | None = None, roles: list[str] | None = None) -> Callable[[F], F]: ...
def view(fn: Any = None, /, *, policy: str | None = None, roles: list[str] | None = None) -> Any:
    """Mark a read-only public method (a query; writing state or emitting is a fault)."""
    return _decorator("view", fn, policy, roles)


def require(cond: object, message: str = "requirement failed") -> None:
    """Revert the whole transaction with ``message`` unless ``cond`` is true."""
    if not cond:
        raise ContractRevert(str(message))


def revert(message: str = "reverted") -> NoReturn:
    """Revert the whole transaction (every state write, event and nested call) now."""
    raise ContractRevert(str(message))


class Identity:
    """A caller, as in ``ctx.signers``: ``address`` (``wy...``), ``org``, ``roles``, ``did``."""

    address: str
    org: str | None
    roles: tuple[str, ...]
    did: str | None


class State:
    """The contract's own key-value state. Keys are ``str`` (UTF-8, at most 256 bytes);
    values are canonical data: int, str, bytes, bool, None, lists, dicts with str keys (no
    floats), encoded at most 64 KiB each."""

    def get(self, key: str, default: Any = None) -> Any:
        """The value stored under ``key``, or ``default``."""
        raise _outside("state.get")

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` (a fault in a view)."""
        raise _outside("state.set")

    def delete(self, key: str) -> None:
        """Remove ``key`` (a fault in a view)."""
        raise _outside("state.delete")

    def has(self, key: str) -> bool:
        """Whether ``key`` holds a value."""
        raise _outside("state.has")

    def range(
        self, prefix: str = "", limit: int = 100, start_after: str | None = None
    ) -> list[tuple[str, Any]]:
        """``(key, value)`` pairs whose key starts with ``prefix``, in key order; at most
        ``limit`` (up to 1000); ``start_after`` continues after that key (paging)."""
        raise _outside("state.range")


class Context:
    """The call context (read-only)."""

    @builtins.property
    def sender(self) -> str:
        """Address of the caller (the transaction's first signer)."""
        raise _outside("ctx.sender")

    @builtins.property
    def sender_org(self) -> str | None:
        """Organisation of the sender."""
        raise _outside("ctx.sender_org")

    @builtins.property
    def sender_roles(self) -> tuple[str, ...]:
        """Business roles of the sender."""
        raise _outside("ctx.sender_roles")

    @builtins.property
    def sender_did(self) -> str | None:
        """DID of the sender, if registered."""
        raise _outside("ctx.sender_did")

    @builtins.property
    def signers(self) -> tuple[Identity, ...]:
        """Every signer of a multi-party call (the first is the sender)."""
        raise _outside("ctx.signers")

    @builtins.property
    def height(self) -> int:
        """Height of the block being executed."""
        raise _outside("ctx.height")

    @builtins.property
    def time(self) -> int:
        """Block time, milliseconds since the Unix epoch (never the wall clock)."""
        raise _outside("ctx.time")

    @builtins.property
    def tx_hash(self) -> str:
        """Hash of the transaction, hex."""
        raise _outside("ctx.tx_hash")

    @builtins.property
    def contract(self) -> str:
        """This contract's name."""
        raise _outside("ctx.contract")

    @builtins.property
    def caller_contract(self) -> str | None:
        """Name of the contract that invoked this one, or None for a direct call."""
        raise _outside("ctx.caller_contract")


state = State()
ctx = Context()


def emit(name: str, **attrs: Any) -> None:
    """Record an event ``name`` with canonical-data attributes (a fault in a view)."""
    raise _outside("emit")


def invoke(contract: str, method: str, **kwargs: Any) -> Any:
    """Call ``contract.method(**kwargs)`` with the same gas; a failure there reverts the whole
    transaction. The callee sees ``ctx.caller_contract``; a view may invoke views only."""
    raise _outside("invoke")


def hash(data: bytes) -> bytes:
    """The chain suite's hash of ``data`` (SM3 or SHA-256, 32 bytes)."""
    raise _outside("hash")


def assurance(token: str, min_level: int = 1) -> dict[str, Any]:
    """Verify an identity-assurance attestation (a compact JWS, ``typ: "wuyi-ida+jwt"``,
    made by ``wuyi.vc.assurance.make_attestation``) against the chain state and return
    ``{provider, level, real_name, face, iat}``.

    Reverts the transaction naming the failed rule unless: the signature is an active
    ``idp`` member's of an enabled identity provider (governance ``idp.set``), ``level`` is
    at most that provider's ``max_level`` and at least ``min_level``, ``sub`` is
    ``ctx.sender_did`` and the block time is within ``[iat, exp]``. Costs a fixed
    verification charge plus the token's size, like ``hash``.
    """
    raise _outside("assurance")


def presentation(
    text: str, *, types: list[str], claims: list[str], verifier: str, nonce: str
) -> dict[str, Any]:
    """Verify the sender's presentation of credentials inside the block and return only the
    disclosed claims::

        {"holder": <sender DID>, "verifier": <org>, "consent": <consent id hex>,
         "nonce": <nonce>, "check": <check id hex (the transaction hash)>,
         "claims": {<name>: <value>, ...},
         "credentials": [{"issuer_org", "type", "idx", "disclosed", "presentation_hash"}]}

    ``text`` is one SD-JWT presentation with a key-binding JWT per line (``Wallet.present``),
    1-8 credentials, all for ``aud`` = ``did:wuyi:org:<verifier>``, the same ``nonce`` and
    the same consent. ``nonce`` is the value the contract derived for this call (expose it
    with a ``@view`` so the wallet can fetch it first, e.g. the hex of
    ``hash(contract + method + holder DID + a counter in state)``); ``types`` the credential
    types that must be presented (each exactly once, no other), ``claims`` the claim names
    that must be disclosed (exactly these, no more).

    Checks, reverting with ``presentation refused (<reason>): ...`` at the first failure
    (the reason codes of ``docs/credentials.md``): the issuer's signature against the issuer
    organisation's active ``issuer`` members, the disclosures, the credential's own validity,
    the key binding by an authentication key of the holder's DID, holder = ``ctx.sender_did``,
    audience, nonce, KB-JWT ``iat`` within 300 s before the block time and ``exp`` not
    passed, the status entry and commitment on chain, and the chain's verdict as ``vc.verify``
    (replay, consent: the holder's own, active, in its window, for ``verifier``, covering the
    types and the claims; status, expiry, issuer still authorised for the type). Accepted, the
    use is recorded exactly as an accepted ``vc.verify`` (``vc/check/<tx>``, the presentations
    and the nonce spent, the consent's use count, the holder's use index). One presentation per
    transaction; a view cannot call it. Gas: ``verify`` twice per credential, ``hash_unit``
    per 32 bytes, ``state_write`` per record, ``value_byte`` per byte of the result.
    """
    raise _outside("presentation")


def recognition(record_id: str, **value: Any) -> dict[str, Any]:
    """A fact this chain recognised from another chain (``wuyi.crosschain``,
    ``docs/crosschain.md``), by its record id (32 hex characters), only if the record names
    this contract as its consumer::

        {"id", "chain", "height", "source_time", "fact", "key", "present", "value_hash",
         "purpose", "relayer_org", "recognised_height", "recognised_time"}

    ``recognition(rid, value=v)`` also checks that the fact is a presence whose value is
    ``v`` (the source chain's hash of ``v``'s canonical encoding is the recorded
    ``value_hash``), so the contract can use ``v``'s fields. Reverts otherwise. The proof
    itself was checked when the record was written; contracts never see it.
    """
    raise _outside("recognition")


def packet() -> dict[str, Any] | None:
    """The cross-chain packet the chain is delivering to this contract in this transaction
    (``xchain.recv``, its commitment proven on the sender chain), else ``None``::

        {"source", "dest", "sequence", "port", "sender", "sender_org", "data",
         "timeout_height", "timeout_time"}

    A method that acts on packets (``on_packet``) must ``require(packet() is not None)``: a
    member calling it directly gets ``None``.
    """
    raise _outside("packet")
