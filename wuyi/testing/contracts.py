"""Unit-test contracts in-process against an in-memory chain, in milliseconds (pytest-ready).

::

    from wuyi.testing.contracts import ContractTester

    def test_transfer():
        t = ContractTester()
        t.identity("alice", org="bank1", roles=["teller"])
        token = t.deploy("token", SOURCE)                 # runs init() if the contract has one
        token.call("mint", {"to": t.address("alice"), "amount": 10}, sender="alice")
        assert token.query("balance", {"account": t.address("alice")}) == 10
        assert t.last.gas_used > 0 and t.events[-1].name == "Mint"

The contract runs through the real runtime (same sandbox, gas and limits as the chain).
A call is a transaction: on success its writes and events are committed, on failure they are
discarded and the error is raised as the same exception the chain records
(:class:`ContractRevert`, :class:`OutOfGas`, :class:`ContractFault`, :class:`ValidationError`,
:class:`Unauthorized`, ...), with ``detail["gas_used"]``. Identities are named; guards are
checked like the ledger does (roles of the sender; policies over the signers with
:mod:`wuyi.policy`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wuyi.contract.lib import LIBRARY_HASH
from wuyi.encoding import decode, decode_trusted, encode
from wuyi.exceptions import (
    ContractRejected,
    EncodingError,
    NotFound,
    PolicyInvalid,
    TxFailed,
    Unauthorized,
    ValidationError,
    WuyiError,
)
from wuyi.runtime import (
    CallSite,
    CompiledContract,
    ContractInfo,
    Event,
    GasSchedule,
    Identity,
    Limits,
    Runtime,
)

__all__ = ["ContractHandle", "ContractTester", "Receipt"]

PolicyEvaluator = Callable[[str, Sequence[Identity]], bool]


@dataclass
class Receipt:
    """The outcome of the last call: ``value`` (None on failure), ``gas_used``, the events it
    emitted, its ``print`` output and the error it raised (None on success)."""

    contract: str
    method: str
    value: Any = None
    gas_used: int = 0
    events: list[Event] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    error: WuyiError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _Journal:
    """A transaction's writes over the tester's store (the ledger's journaled view)."""

    def __init__(self, base: dict[bytes, bytes]) -> None:
        self.base = base
        self.writes: dict[bytes, bytes | None] = {}

    def get(self, key: bytes) -> bytes | None:
        if key in self.writes:
            return self.writes[key]
        return self.base.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        self.writes[key] = None

    def iter_prefix(self, prefix: bytes) -> Iterable[tuple[bytes, bytes]]:
        merged = {k: v for k, v in self.base.items() if k.startswith(prefix)}
        for k, v in self.writes.items():
            if k.startswith(prefix):
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = v
        for k in sorted(merged):
            yield k, merged[k]

    def commit(self) -> None:
        for k, v in self.writes.items():
            if v is None:
                self.base.pop(k, None)
            else:
                self.base[k] = v


class _Host:
    """The fake chain's :class:`wuyi.runtime.Host` for one call."""

    def __init__(
        self,
        tester: ContractTester,
        signers: Sequence[Identity],
        tx_hash: bytes,
        events: list[Event] | None,
    ) -> None:
        self.tester = tester
        self.kv = _Journal(tester.store)
        self.signers = tuple(signers)
        self.height = tester.height
        self.time = tester.time
        self.tx_hash = tx_hash
        self._events = events

    def state_prefix(self, contract: str) -> bytes:
        return b"contract/" + contract.encode() + b"/s/"

    def load(self, contract: str) -> CompiledContract:
        return self.tester._active(contract)

    def authorize(self, policy: str | None, roles: tuple[str, ...], call: CallSite) -> None:
        sender = self.signers[0] if self.signers else None
        if roles:
            held = set(sender.roles) if sender else set()
            if not held & set(roles):
                who = self.tester.name_of(sender) if sender else "an anonymous caller"
                raise Unauthorized(
                    f"method '{call}' needs one of the roles {sorted(roles)}; {who} has"
                    f" {sorted(held)}"
                )
        if policy and not self.tester.evaluate_policy(policy, self.signers):
            raise Unauthorized(
                f"method '{call}' is guarded by {policy}; the signers do not satisfy it"
            )

    def contract_lib(self) -> str:
        return self.tester.contract_lib

    def hash(self, data: bytes) -> bytes:
        return self.tester.hash_fn(data)

    def emit(self, contract: str, name: str, attrs: dict[str, Any]) -> None:
        return None  # the runtime returns them in ExecResult.events


class ContractHandle:
    """A deployed contract, for shorter tests: ``token.call("mint", {...}, sender="alice")``."""

    def __init__(self, tester: ContractTester, name: str) -> None:
        self.tester = tester
        self.name = name

    @property
    def info(self) -> ContractInfo:
        return self.tester.contracts[self.name].info

    def call(self, method: str, args: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.tester.call(self.name, method, args, **kwargs)

    def query(self, method: str, args: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.tester.query(self.name, method, args, **kwargs)

    def state(self) -> dict[str, Any]:
        return self.tester.state(self.name)


class ContractTester:
    """An in-memory chain for contract unit tests (see the module docstring).

    ``height`` and ``time`` (block time, ms) are plain attributes; :meth:`advance` moves them.
    ``policy_evaluator(policy, signers) -> bool`` replaces the default evaluation of
    ``@call(policy=...)`` guards (:mod:`wuyi.policy`, every identity's organisation active).
    ``contract_lib`` is the library hash the fake chain pins (default: this node's, so
    contracts may import ``wuyi.contract.lib``).
    """

    def __init__(
        self,
        *,
        gas_limit: int = 10_000_000,
        height: int = 1,
        time: int = 1_700_000_000_000,
        limits: Limits | None = None,
        schedule: GasSchedule | None = None,
        hash_fn: Callable[[bytes], bytes] | None = None,
        policy_evaluator: PolicyEvaluator | None = None,
        default_org: str = "org1",
        contract_lib: str = LIBRARY_HASH,
    ) -> None:
        self.hash_fn = hash_fn or (lambda b: hashlib.sha256(b).digest())
        self.contract_lib = contract_lib
        self.runtime = Runtime(limits, schedule, hasher=self.hash_fn)
        self.gas_limit = gas_limit
        self.height = height
        self.time = time
        self.default_org = default_org
        self.policy_evaluator = policy_evaluator
        self.store: dict[bytes, bytes] = {}
        self.contracts: dict[str, CompiledContract] = {}
        self.versions: dict[str, str] = {}
        self.status: dict[str, str] = {}
        self.identities: dict[str, Identity] = {}
        self.events: list[Event] = []
        self.receipts: list[Receipt] = []
        self._tx = 0

    # -- identities and the clock ---------------------------------------------------------------

    def identity(
        self,
        name: str,
        *,
        org: str | None = None,
        roles: Iterable[str] = (),
        did: str | None = None,
    ) -> Identity:
        """Create (or replace) the identity ``name``; its address is derived from the name."""
        digest = hashlib.sha256(b"wuyi-test-identity:" + name.encode()).digest()
        ident = Identity("wy" + digest[:20].hex(), org or self.default_org, tuple(roles), did)
        self.identities[name] = ident
        return ident

    def address(self, name: str) -> str:
        """The address of identity ``name`` (created on first use)."""
        return self._who(name).address

    def name_of(self, ident: Identity) -> str:
        for name, i in self.identities.items():
            if i.address == ident.address:
                return f"'{name}'"
        return ident.address

    def _who(self, who: str | Identity) -> Identity:
        if isinstance(who, Identity):
            return who
        if who in self.identities:
            return self.identities[who]
        for ident in self.identities.values():
            if ident.address == who:
                return ident
        return self.identity(who)

    def advance(self, blocks: int = 1, ms: int | None = None) -> None:
        """Move to a later block: ``height += blocks``, ``time += ms`` (default 1 s/block)."""
        self.height += blocks
        self.time += 1000 * blocks if ms is None else ms

    def evaluate_policy(self, policy: str, signers: Sequence[Identity]) -> bool:
        if self.policy_evaluator is not None:
            return self.policy_evaluator(policy, signers)
        from wuyi.policy import Approver, parse_policy

        approvers = [
            Approver(bytes.fromhex(s.address[2:]), s.org or "", tuple(s.roles)) for s in signers
        ]
        active = sorted({i.org for i in self.identities.values() if i.org})
        return parse_policy(policy).evaluate(approvers, active)

    # -- lifecycle -------------------------------------------------------------------------------

    def deploy(
        self,
        name: str,
        source: str | os.PathLike[str],
        *,
        version: str = "1.0.0",
        init_args: Mapping[str, Any] | None = None,
        sender: str | Identity = "deployer",
    ) -> ContractHandle:
        """Check and install ``source`` (text, or a path to a ``.py`` file) as ``name``, then
        run its ``init`` method (if it has one) with ``init_args``."""
        if name in self.contracts:
            raise TxFailed(f"contract '{name}' already exists; use upgrade()")
        self._install(name, source, version)
        if "init" in self.contracts[name].info.methods:
            self.call(name, "init", init_args or {}, sender=sender)
        return ContractHandle(self, name)

    def upgrade(
        self,
        name: str,
        source: str | os.PathLike[str],
        *,
        version: str,
        migrate_args: Mapping[str, Any] | None = None,
        sender: str | Identity = "deployer",
    ) -> ContractHandle:
        """Replace ``name``'s code (its state stays) and run the new ``migrate(from_version,
        ...)`` if it has one."""
        if name not in self.contracts:
            raise NotFound(f"no contract '{name}'")
        old = self.versions[name]
        self._install(name, source, version)
        if "migrate" in self.contracts[name].info.methods:
            self.call(name, "migrate", {"from_version": old, **(migrate_args or {})}, sender=sender)
        return ContractHandle(self, name)

    def freeze(self, name: str) -> None:
        self._active(name)
        self.status[name] = "frozen"

    def unfreeze(self, name: str) -> None:
        self.status[name] = "active"

    def _install(self, name: str, source: str | os.PathLike[str], version: str) -> None:
        if isinstance(source, os.PathLike):
            with open(source, encoding="utf-8") as f:
                source = f.read()
        compiled = self.runtime.compile(source, name)
        self.runtime.check_source(source, name)
        for m in compiled.info.methods.values():
            if m.policy:
                try:
                    self._check_policy(m.policy)
                except PolicyInvalid as exc:
                    raise ContractRejected(
                        f"line {m.line}: policy of '{m.name}' is invalid: {exc.message}",
                        line=m.line,
                        reason=f"invalid policy: {exc.message}",
                    ) from None
        self.contracts[name] = compiled
        self.versions[name] = version
        self.status[name] = "active"

    def _check_policy(self, policy: str) -> None:
        if self.policy_evaluator is None:
            from wuyi.policy import parse_policy

            parse_policy(policy)

    def _active(self, name: str) -> CompiledContract:
        compiled = self.contracts.get(name)
        if compiled is None:
            raise NotFound(f"no contract '{name}'")
        if self.status.get(name) != "active":
            raise TxFailed(f"contract '{name}' is {self.status.get(name)}; calls are refused")
        return compiled

    # -- calls -----------------------------------------------------------------------------------

    def call(
        self,
        contract: str,
        method: str,
        args: Mapping[str, Any] | None = None,
        *,
        sender: str | Identity | None = "alice",
        signers: Sequence[str | Identity] | None = None,
        gas_limit: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run ``contract.method`` as a transaction (args as a dict and/or keywords).

        ``signers``: every signer of a multi-party call (the first is the sender). Returns the
        method's value; raises what the chain would record. See :attr:`last`.
        """
        return self._run(contract, method, args, kwargs, sender, signers, gas_limit, False)

    def query(
        self,
        contract: str,
        method: str,
        args: Mapping[str, Any] | None = None,
        *,
        sender: str | Identity | None = None,
        gas_limit: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run a ``@view`` method read-only (no transaction); ``sender`` is optional."""
        return self._run(contract, method, args, kwargs, sender, None, gas_limit, True)

    view = query

    def _run(
        self,
        contract: str,
        method: str,
        args: Mapping[str, Any] | None,
        kwargs: dict[str, Any],
        sender: str | Identity | None,
        signers: Sequence[str | Identity] | None,
        gas_limit: int | None,
        read_only: bool,
    ) -> Any:
        merged = {**(args or {}), **kwargs}
        try:
            merged = decode(encode(merged))  # what survives the wire, as on the chain
        except EncodingError as exc:
            raise ValidationError(
                f"arguments are not canonical data: {exc.message}", field="args"
            ) from None
        people = [self._who(s) for s in signers] if signers else []
        if not people and sender is not None:
            people = [self._who(sender)]
        self._tx += 1
        tx_hash = hashlib.sha256(f"wuyi-test-tx:{self._tx}".encode()).digest()
        host = _Host(self, people, b"\x00" * 32 if read_only else tx_hash, None)
        receipt = Receipt(contract, method)
        self.receipts.append(receipt)
        try:
            compiled = self._active(contract)
            res = self.runtime.execute(
                compiled,
                method,
                merged,
                host,
                gas_limit=self.gas_limit if gas_limit is None else gas_limit,
                read_only=read_only,
            )
        except WuyiError as exc:
            receipt.error = exc
            receipt.gas_used = int(exc.detail.get("gas_used", 0))
            raise
        receipt.value, receipt.gas_used = res.value, res.gas_used
        receipt.events, receipt.logs = list(res.events), list(res.logs)
        if not read_only:
            host.kv.commit()
            self.events.extend(res.events)
        return res.value

    @property
    def last(self) -> Receipt:
        """The receipt of the most recent call or query."""
        if not self.receipts:
            raise NotFound("no call has been made yet")
        return self.receipts[-1]

    # -- state -------------------------------------------------------------------------------------

    def state(self, contract: str) -> dict[str, Any]:
        """Every key of ``contract``'s state with its decoded value, in key order."""
        prefix = b"contract/" + contract.encode() + b"/s/"
        return {
            k[len(prefix) :].decode(): decode_trusted(v)
            for k, v in sorted(self.store.items())
            if k.startswith(prefix)
        }

    def get_state(self, contract: str, key: str, default: Any = None) -> Any:
        raw = self.store.get(b"contract/" + contract.encode() + b"/s/" + key.encode())
        return default if raw is None else decode_trusted(raw)

    def set_state(self, contract: str, key: str, value: Any) -> None:
        """Write ``contract``'s state directly (test setup)."""
        self.store[b"contract/" + contract.encode() + b"/s/" + key.encode()] = encode(value)
