"""The runtime's interface to the ledger: the :class:`Host` protocol and its value types.

The ledger implements :class:`Host` once per transaction (or query); the runtime never reads
the store, the clock or the policy rules itself. :mod:`wuyi.testing.contracts` has an
in-memory implementation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from wuyi.runtime.runtime import CompiledContract

__all__ = ["KV", "CallSite", "Event", "Host", "Identity"]


@dataclass(frozen=True)
class Identity:
    """A caller: ``address`` is the ``wy...`` text form; ``roles`` are its business roles in
    ``org``; ``did`` its decentralised identifier, if registered."""

    address: str
    org: str | None = None
    roles: tuple[str, ...] = ()
    did: str | None = None


@dataclass(frozen=True)
class CallSite:
    """Which method a guard protects, for :meth:`Host.authorize` (and its error message).

    ``caller_contract`` is the invoking contract for a cross-contract call, else ``None``.
    """

    contract: str
    method: str
    caller_contract: str | None = None

    def __str__(self) -> str:
        return f"{self.contract}.{self.method}"


class Event(NamedTuple):
    """An event a contract emitted: ``attrs`` is a canonical-encodable dict."""

    contract: str
    name: str
    attrs: dict[str, Any]


class KV(Protocol):
    """The transaction's journaled key-value view (bytes -> bytes). Reverting a failed
    transaction is the ledger's job: the runtime only reads and writes through it."""

    def get(self, key: bytes) -> bytes | None: ...

    def set(self, key: bytes, value: bytes) -> None: ...

    def delete(self, key: bytes) -> None: ...

    def iter_prefix(self, prefix: bytes) -> Iterable[tuple[bytes, bytes]]:
        """``(key, value)`` pairs under ``prefix`` in ascending key order."""
        ...


class Host(Protocol):
    """What the ledger gives the runtime for one transaction (or one read-only query).

    Context (read once per execution): ``signers`` — the caller identities, the first is the
    sender (empty for an anonymous query); ``height``; ``time`` (block time, ms since the
    epoch); ``tx_hash`` (bytes, or hex text; zeros for a query).
    """

    @property
    def kv(self) -> KV: ...

    @property
    def signers(self) -> Sequence[Identity]: ...

    @property
    def height(self) -> int: ...

    @property
    def time(self) -> int: ...

    @property
    def tx_hash(self) -> bytes | str: ...

    def state_prefix(self, contract: str) -> bytes:
        """The key prefix of ``contract``'s own state (e.g. ``b"contract/<name>/s/"``)."""
        ...

    def load(self, contract: str) -> str | CompiledContract:
        """Source (or a compiled contract) of an active contract, for ``invoke``; raise
        :class:`NotFound` if there is none, :class:`TxFailed` if it is frozen or retired."""
        ...

    def authorize(self, policy: str | None, roles: tuple[str, ...], call: CallSite) -> None:
        """Raise :class:`Unauthorized` unless the signers satisfy the method's guard: the
        sender holds one of ``roles`` (if any) and the signers satisfy ``policy`` (if any).
        Called before the method body runs, only for guarded methods."""
        ...

    def contract_lib(self) -> str:
        """The hash of the contract standard library the chain pins (chain parameter
        ``contract_lib``; ``""`` if none): a contract importing the library runs only when
        it is this node's (:func:`wuyi.runtime.library.check_pin`)."""
        ...

    def hash(self, data: bytes) -> bytes:
        """The chain suite's hash (SM3 or SHA-256)."""
        ...

    def emit(self, contract: str, name: str, attrs: dict[str, Any]) -> None:
        """Called as each event is emitted (the runtime also returns them in
        ``ExecResult.events``); discard them if the transaction fails."""
        ...

    # Optional (looked up with getattr; a host without one makes ``assurance()`` /
    # ``presentation()`` a fault):
    #
    # def assurance(self, token: str, subject: str | None) -> dict[str, Any]:
    #     """Check an identity-assurance attestation for ``subject`` (the sender's DID)
    #     against the state: ``{provider, level, real_name, face, iat}``, or raise
    #     :class:`ContractRevert` naming the failed rule."""
    #
    # def sidecar(self, ref: str) -> bytes | None:
    #     """The bytes of the transaction's private side-car that ``ref`` ("sidecar:<hex>")
    #     names, or None: ``presentation()`` checks those bytes, never a text in the call."""
    #
    # def presentation(
    #     self, text: str, *, types: list[str], claims: list[str], verifier: str, nonce: str,
    #     subject: str | None, contract: str,
    # ) -> dict[str, Any]:
    #     """Verify a holder's SD-JWT presentation (one per line) for organisation
    #     ``verifier`` bound to ``nonce``, made by ``subject`` (the sender's DID), disclosing
    #     exactly ``claims`` of exactly ``types``; record the use as ``vc.verify`` does and
    #     return the disclosed claims, or raise :class:`ContractRevert` naming the reason
    #     (``docs/contract-runtime.md``, "Facts from credentials")."""
    #
    # def recognition(self, record_id: str, *, contract: str, value: bytes | None) -> dict:
    #     """A cross-chain recognition record whose consumer is ``contract`` (value checked
    #     against its hash when ``value`` is the encoding of one), else ContractRevert."""
    #
    # def packet(self, contract: str) -> dict | None:
    #     """The packet being delivered to ``contract`` in this transaction, else None."""
