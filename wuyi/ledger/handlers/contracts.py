"""Smart contracts on the ledger: the governed lifecycle and calls.

Lifecycle (Fabric-style, default-deny): nobody installs, upgrades, freezes or retires a
contract alone. Each step is a governance action (:mod:`wuyi.ledger.handlers.governance`)
under the chain's ``lifecycle`` policy (default: a majority of organisations):

=====================  ===============================================================
action type            args
=====================  ===============================================================
``contract.deploy``    {package: {name, version, source, manifest}, init_args?}
``contract.upgrade``   {package: {name, version, source, manifest}, migrate_args?}
``contract.freeze``    {name, reason?}  — calls refused until unfrozen; state kept
``contract.unfreeze``  {name}
``contract.retire``    {name, reason?}  — final: calls refused for ever; state kept, readable
=====================  ===============================================================

A *package* is the source with a manifest (``{description?, roles?}``) and its ``code_hash``
(:func:`compute_code_hash`), so the organisations approve exactly these bytes. The source is
checked by the sandbox when proposed (static validation: a refused source never reaches a
block, and the error names the line and the reason) and again when committed. On deploy the
contract's ``init`` method runs if it has one (with ``init_args``); on upgrade its ``migrate``
method runs if the *new* version has one (``from_version`` plus ``migrate_args``): state
migrations are explicit code that the organisations approved with the package.

Call: ``contract.call`` {contract, method, args, gas_limit?} by an active member; the method's
own guard (roles, policy) decides further. A method declared ``@call(public=True)`` may also be
called by a sender who is not a member if the sender's key is an authentication key of an
active DID (``ctx.sender_did``); every signer's DID is in ``ctx.signers[i].did``. Contracts
check identity-assurance attestations with ``assurance(token, min_level)``
(:meth:`LedgerHost.assurance`) and holders' credential presentations with
``presentation(text, types=, claims=, verifier=, nonce=)`` (:meth:`LedgerHost.presentation`,
which records the use as ``vc.verify`` does). ``gas_limit`` (default and maximum the chain
parameter ``max_call_gas``) is reserved against the block gas limit at admission; the receipt
records the gas actually used, also when the call fails.

Multi-party calls (signature-set policies): ``contract.call_propose`` {contract, method, args}
records a pending call signed by its sender; ``contract.call_sign`` {id} adds the sender's
signature; when the signers satisfy the method's policy the call runs in that transaction, with
every signer in ``ctx.signers``.

State layout::

    contract/<name>/meta            {name, version, code_hash, status, abi, roles, manifest,
                                     deployed_height, updated_height, history: [...]}
    contract/<name>/code/<version>  {source, manifest, code_hash}
    contract/<name>/s/<key>         the contract's own state (scoped by the runtime)
    contract/-/call/<id u64>        a pending multi-party call
    contract/-/next_call            next multi-party call id
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

from wuyi.abc import KVReader
from wuyi.crypto import format_address
from wuyi.encoding import decode_trusted, encode
from wuyi.exceptions import (
    ContractRejected,
    ContractRevert,
    CredentialInvalid,
    InvariantBroken,
    NotFound,
    PersonalData,
    TxFailed,
    Unauthorized,
    ValidationError,
    WuyiError,
)
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler, validate_fields
from wuyi.ledger.handlers.credentials import (
    check_assurance,
    record_check,
)
from wuyi.ledger.handlers.did import authentication_did
from wuyi.ledger.handlers.governance import (
    GovAction,
    approvers_from_addresses,
    get_active_orgs,
    register_action,
)
from wuyi.ledger.handlers.verification import check_presentation
from wuyi.ledger.sidecar import find_presentation_in_clear, parse_sidecar_ref
from wuyi.ledger.types import Event
from wuyi.memo import BytesMemo
from wuyi.params import ChainParams
from wuyi.policy import parse_policy
from wuyi.runtime import CallSite, ContractInfo, Identity, Runtime
from wuyi.runtime.runtime import LIFECYCLE_HOOKS

__all__ = [
    "CONTRACT_PREFIX",
    "CallTarget",
    "ContractCallHandler",
    "ContractCallProposeHandler",
    "ContractCallSignHandler",
    "LedgerHost",
    "call_target",
    "check_package_source",
    "code_key",
    "compute_code_hash",
    "get_contract",
    "get_contract_source",
    "get_runtime",
    "list_contracts",
    "meta_key",
    "query_contract",
    "state_prefix",
]

CONTRACT_PREFIX = b"contract/"
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
_VERSION = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")
_CALLS = b"contract/-/call/"
_NEXT_CALL = b"contract/-/next_call"
MAX_SIGNERS = 16


def meta_key(name: str) -> bytes:
    return CONTRACT_PREFIX + name.encode() + b"/meta"


def code_key(name: str, version: str) -> bytes:
    return CONTRACT_PREFIX + name.encode() + b"/code/" + version.encode()


def state_prefix(name: str) -> bytes:
    return CONTRACT_PREFIX + name.encode() + b"/s/"


def _call_key(call_id: int) -> bytes:
    return _CALLS + struct.pack(">Q", call_id)


def _version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def validate_contract_name(name: Any, field: str = "name") -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError(
            f"contract name {name!r} must be 2-48 chars of a-z, 0-9 and '_', starting with a"
            " letter",
            field=field,
        )


def compute_code_hash(chain: ChainSpec, package: dict[str, Any]) -> bytes:
    """The hash organisations approve: over name, version, source and manifest."""
    body = {k: package[k] for k in ("name", "version", "source", "manifest")}
    return chain.suite.hash(b"wuyi/contract\x00" + encode(body))


def _get(state: KVReader, key: bytes) -> Any:
    raw = state.get(key)
    return None if raw is None else decode_trusted(raw)


def get_contract(state: KVReader, name: str) -> dict[str, Any]:
    """The contract's meta record; :class:`NotFound` if there is none."""
    meta = _get(state, meta_key(name))
    if meta is None:
        raise NotFound(f"no contract '{name}'")
    rec: dict[str, Any] = meta
    return rec


def get_contract_source(state: KVReader, name: str, version: str | None = None) -> dict[str, Any]:
    meta = get_contract(state, name)
    v = version or meta["version"]
    code = _get(state, code_key(name, v))
    if code is None:
        raise NotFound(f"contract '{name}' has no version {v}")
    rec: dict[str, Any] = code
    return rec


class CallTarget(NamedTuple):
    """What a call needs of a contract's records (read-only, shared between transactions)."""

    status: str
    version: str
    methods: frozenset[str]
    source: str


_CACHE_MAX = 256
_SOURCES_MAX = 64
_METAS: BytesMemo[tuple[str, str, frozenset[str]]] = BytesMemo(_CACHE_MAX)
_SOURCES: BytesMemo[str] = BytesMemo(_SOURCES_MAX)
"""The two memos of :func:`call_target` (:mod:`wuyi.memo`: keyed by a record's exact bytes, so
they cannot change a result). Sources hold at most 64 × 2 × the 256 KiB source limit."""


def _meta_for_call(raw: bytes) -> tuple[str, str, frozenset[str]]:
    rec = decode_trusted(raw)
    return str(rec["status"]), str(rec["version"]), frozenset(rec["abi"]["methods"])


def _source_of(raw: bytes) -> str:
    return str(decode_trusted(raw)["source"])


def call_target(state: KVReader, name: str) -> CallTarget:
    """Contract ``name`` as a call sees it; :class:`NotFound` if there is no such contract or
    its current version has no code."""
    meta_raw = state.get(meta_key(name))
    if meta_raw is None:
        raise NotFound(f"no contract '{name}'")
    status, version, methods = _METAS.derive(meta_raw, _meta_for_call)
    code_raw = state.get(code_key(name, version))
    if code_raw is None:
        raise NotFound(f"contract '{name}' has no version {version}")
    return CallTarget(status, version, methods, _SOURCES.derive(code_raw, _source_of))


def list_contracts(state: Any) -> list[dict[str, Any]]:
    out = []
    for k, raw in state.iter_prefix(CONTRACT_PREFIX):
        if k.endswith(b"/meta") and k.count(b"/") == 2:
            out.append(decode_trusted(raw))
    return out


# -- the runtime, bound to the ledger -----------------------------------------------------------

_RUNTIMES: dict[str, Runtime] = {}


def get_runtime(chain: ChainSpec) -> Runtime:
    """The runtime for the chain's suite (its compile cache is shared by all transactions;
    gas schedule and limits are the documented defaults of :mod:`wuyi.runtime`)."""
    rt = _RUNTIMES.get(chain.suite.name)
    if rt is None:
        rt = _RUNTIMES[chain.suite.name] = Runtime(hasher=chain.suite.hash)
    return rt


def check_package_source(chain: ChainSpec, name: str, source: str) -> ContractInfo:
    """Check ``source`` in the sandbox: :class:`ContractRejected` names the line and reason."""
    return get_runtime(chain).check_source(source, name)


_PINS: BytesMemo[str] = BytesMemo(16)


def _pin_of(raw: bytes) -> str:
    return ChainParams.from_obj(decode_trusted(raw)).contract_lib


class LedgerHost:
    """The runtime's :class:`wuyi.runtime.Host` for one transaction (or one query)."""

    kv: Any
    signers: Sequence[Identity]
    height: int
    time: int
    tx_hash: bytes | str

    def __init__(
        self,
        chain: ChainSpec,
        state: Any,
        *,
        height: int,
        time: int,
        tx_hash: bytes,
        signers: list[bytes],
        events: list[Event] | None,
        sidecars: Mapping[bytes, bytes] | None = None,
        packet: dict[str, Any] | None = None,
    ) -> None:
        self.chain = chain
        self._packet = packet
        self.kv = state
        self._sidecars = sidecars or {}
        self.height = height
        self.time = time
        self.tx_hash = tx_hash
        self._events = events
        self._sender_address = signers[0] if signers else b""
        self._approvers = approvers_from_addresses(state, signers)
        by_addr = {a.address: a for a in self._approvers}
        self.signers = [
            Identity(
                address=format_address(a),
                org=by_addr[a].org if a in by_addr else None,
                roles=tuple(by_addr[a].roles) if a in by_addr else (),
                did=authentication_did(state, chain.suite, a),
            )
            for a in signers
        ]

    def state_prefix(self, contract: str) -> bytes:
        return state_prefix(contract)

    def load(self, contract: str) -> str:
        target = call_target(self.kv, contract)
        if target.status != "active":
            raise TxFailed(f"contract '{contract}' is {target.status}")
        return target.source

    def authorize(self, policy: str | None, roles: tuple[str, ...], call: CallSite) -> None:
        if roles:
            mine = set(self.signers[0].roles) if self.signers else set()
            if not mine & set(roles):
                raise Unauthorized(
                    f"{call} needs one of the roles {sorted(roles)}; the caller has"
                    f" {sorted(mine) or 'none'}"
                )
        if policy:
            p = parse_policy(policy)
            active = get_active_orgs(self.kv)
            if not p.evaluate(self._approvers, active):
                raise Unauthorized(
                    f"{call} is guarded by {p}: {p.explain_missing(self._approvers, active)}"
                    + (
                        ""
                        if len(self.signers) > 1
                        else " (several signers: contract.call_propose, then contract.call_sign)"
                    )
                )

    def contract_lib(self) -> str:
        """The chain parameter ``contract_lib`` of this state (decoded once per record)."""
        raw = self.kv.get(keys.PARAMS)
        return "" if raw is None else _PINS.derive(raw, _pin_of)

    def hash(self, data: bytes) -> bytes:
        return self.chain.suite.hash(data)

    def sidecar(self, ref: str) -> bytes | None:
        """The bytes of this transaction's private side-car that ``ref`` (``"sidecar:<hex>"``)
        names, or None (``wuyi.ledger.sidecar``): what ``presentation()`` checks."""
        h = parse_sidecar_ref(ref)
        return None if h is None else self._sidecars.get(h)

    def assurance(self, token: str, subject: str | None) -> dict[str, Any]:
        """``wuyi.contract.assurance``: the attestation checked against this state at block
        time (:func:`~wuyi.ledger.handlers.credentials.check_assurance`); a failed rule
        reverts the contract call, naming the rule."""
        try:
            return check_assurance(
                self.kv, self.chain.suite.name, token, subject=subject, now_ms=self.time
            )
        except CredentialInvalid as exc:
            rule = exc.detail.get("rule", "")
            raise ContractRevert(f"assurance: {exc.message}", rule=rule) from None

    def presentation(
        self,
        text: str,
        *,
        types: list[str],
        claims: list[str],
        verifier: str,
        nonce: str,
        subject: str | None,
        contract: str,
    ) -> dict[str, Any]:
        """``wuyi.contract.presentation``: the chain's own check of ``subject``'s presentation
        (one SD-JWT + KB-JWT per line) for organisation ``verifier`` at block time — the same
        :func:`~wuyi.ledger.handlers.verification.check_presentation` as ``vc.verify``, with
        the sender as the required holder — then the contract's own request (exactly
        ``types`` and ``claims``), and the use recorded exactly as an accepted ``vc.verify``
        (:func:`~wuyi.ledger.handlers.credentials.record_check`). Returns only the disclosed
        claims and, per credential, issuer org, type, status index, disclosed names and
        presentation hash. Any failure reverts the call:
        ``presentation refused (<reason>): <message>`` with ``detail["reason"]``."""
        from wuyi.exceptions import EncodingError

        def refuse(reason: str, message: str) -> ContractRevert:
            return ContractRevert(f"presentation refused ({reason}): {message}", reason=reason)

        state = self.kv
        tx_hash = self.tx_hash if isinstance(self.tx_hash, bytes) else bytes.fromhex(self.tx_hash)
        if subject is None:
            raise refuse("holder_mismatch", "the sender has no active DID; only holders present")
        if state.get(keys.vc_check_key(tx_hash)) is not None:
            raise ContractRevert(
                "presentation: one presentation per transaction (it may hold several"
                " credentials, one per line)",
                reason="malformed",
            )
        out = check_presentation(
            state,
            self.chain.suite,
            self.time,
            text=text,
            verifier=verifier,
            nonce=nonce,
            presenter=subject,
        )
        if out.reason:
            raise refuse(out.reason, out.message)
        creds = out.creds
        values = out.claims
        presented = [c["type"] for c in creds]
        for t in presented:
            if t not in types:
                raise refuse("type_not_requested", f"{t} was presented but not asked for")
            if presented.count(t) > 1:
                raise refuse("type_not_requested", f"{t} is presented twice")
        for t in types:
            if t not in presented:
                raise refuse("type_missing", f"no {t} was presented")
        extra = sorted(set(values) - set(claims))
        if extra:
            raise refuse("claims_not_requested", f"disclosed but not asked for: {extra}")
        missing = [c for c in claims if c not in values]
        if missing:
            raise refuse("claim_missing", f"asked for but not disclosed: {missing}")
        try:
            encode(values)
        except EncodingError as exc:
            raise refuse("malformed", f"a disclosed value is not canonical data: {exc}") from None
        assert out.consent is not None  # check_presentation accepted it
        record_check(
            state,
            check_id=tx_hash,
            height=self.height,
            time=self.time,
            verifier=verifier,
            verifier_member=self._sender_address,
            nonce=nonce.encode("ascii"),
            consent_id=out.consent_id,
            consent=out.consent,
            holder=out.holder,
            creds=creds,
            reason="",
            extra={"contract": contract},
        )
        if self._events is not None:
            self._events.append(
                Event(
                    "vc.checked",
                    {
                        "result": "accepted",
                        "reason": "",
                        "consent": out.consent_id,
                        "credentials": len(creds),
                        "contract": contract,
                    },
                )
            )
        return {
            "holder": subject,
            "verifier": verifier,
            "consent": out.consent_id.hex(),
            "nonce": nonce,
            "check": tx_hash.hex(),
            "claims": values,
            "credentials": [
                {k: c[k] for k in ("issuer_org", "type", "idx", "disclosed", "presentation_hash")}
                for c in creds
            ],
        }

    def recognition(self, record_id: str, *, contract: str, value: bytes | None) -> dict[str, Any]:
        """``wuyi.contract.recognition`` (:func:`wuyi.crosschain.contract.read_recognition`)."""
        from wuyi.crosschain.contract import read_recognition

        return read_recognition(self.kv, record_id, contract=contract, value=value)

    def packet(self, contract: str) -> dict[str, Any] | None:
        """``wuyi.contract.packet``: the packet being delivered to ``contract``, if any."""
        p = self._packet
        return dict(p) if p is not None and p.get("port") == contract else None

    def emit(self, contract: str, name: str, attrs: dict[str, Any]) -> None:
        if self._events is not None:
            self._events.append(Event(f"contract:{contract}.{name}", dict(attrs)))


def _execute_call(
    ctx: ExecContext,
    name: str,
    method: str,
    args: dict[str, Any],
    gas_limit: int,
    signers: list[bytes],
    *,
    allow_missing: bool = False,
) -> Any:
    """Run ``name.method(**args)`` inside ``ctx``'s transaction; add the gas it used to
    ``ctx.gas_used`` (also when it fails) and re-raise failures."""
    target = call_target(ctx.state, name)
    if target.status != "active":
        raise TxFailed(f"contract '{name}' is {target.status}; calls are refused")
    if method not in target.methods:
        if allow_missing:
            return None
        raise NotFound(f"contract '{name}' has no method '{method}'")
    host = LedgerHost(
        ctx.chain,
        ctx.state,
        height=ctx.height,
        time=ctx.time,
        tx_hash=ctx.tx_hash,
        signers=signers,
        events=ctx.events,
        sidecars=ctx.sidecars,
        packet=ctx.packet,
    )
    try:
        res = get_runtime(ctx.chain).execute(
            target.source, method, args, host, gas_limit=gas_limit, name=name
        )
    except WuyiError as exc:
        ctx.gas_used += int(exc.detail.get("gas_used", 0) or 0)
        raise
    ctx.gas_used += res.gas_used
    return res.value


def query_contract(
    chain: ChainSpec,
    state: KVReader,
    name: str,
    method: str,
    args: dict[str, Any],
    *,
    height: int,
    time: int,
    gas_limit: int,
    caller: bytes | None = None,
) -> tuple[Any, int]:
    """Run a read-only method against ``state`` (no transaction): ``(value, gas_used)``."""
    meta = get_contract(state, name)
    if meta["status"] == "retired":
        raise TxFailed(f"contract '{name}' is retired")
    m = meta["abi"]["methods"].get(method)
    if m is None:
        raise NotFound(f"contract '{name}' has no method '{method}'")
    if m["kind"] != "view":
        raise ValidationError(
            f"method '{method}' of '{name}' may write; call it with a transaction", field="method"
        )
    code = get_contract_source(state, name)
    host = LedgerHost(
        chain,
        _ReadOnly(state),
        height=height,
        time=time,
        tx_hash=bytes(32),
        signers=[caller] if caller else [],
        events=None,
    )
    res = get_runtime(chain).execute(
        code["source"], method, args, host, gas_limit=gas_limit, read_only=True, name=name
    )
    return res.value, res.gas_used


class _ReadOnly:
    """A committed-state view for queries: writes are an invariant failure (views never
    write; the runtime refuses them before they get here)."""

    def __init__(self, base: Any) -> None:
        self._base = base

    def get(self, key: bytes) -> bytes | None:
        v: bytes | None = self._base.get(key)
        return v

    def iter_prefix(self, prefix: bytes) -> Any:
        return self._base.iter_prefix(prefix)

    def set(self, key: bytes, value: bytes) -> None:
        raise InvariantBroken("a read-only query tried to write")

    def delete(self, key: bytes) -> None:
        raise InvariantBroken("a read-only query tried to delete")


# -- lifecycle actions --------------------------------------------------------------------------


_PACKAGE_FIELDS: dict[str, tuple[type, bool]] = {
    "name": (str, True),
    "version": (str, True),
    "source": (str, True),
    "manifest": (dict, True),
}


def _validate_package(args: dict[str, Any], chain: ChainSpec) -> dict[str, Any]:
    pkg = args.get("package")
    if not isinstance(pkg, dict):
        raise ValidationError(
            "package must be a map {name, version, source, manifest}", field="package"
        )
    validate_fields(pkg, _PACKAGE_FIELDS, "package")
    validate_contract_name(pkg["name"], "package.name")
    if not _VERSION.match(pkg["version"]):
        raise ValidationError(
            f"package.version {pkg['version']!r} must be MAJOR.MINOR.PATCH", field="package.version"
        )
    manifest = pkg["manifest"]
    unknown = sorted(set(manifest) - {"description", "roles", "author"})
    if unknown:
        raise ValidationError(f"package.manifest: unknown fields {unknown}", field="manifest")
    info = check_package_source(chain, pkg["name"], pkg["source"])
    return {"info": info, "code_hash": compute_code_hash(chain, pkg)}


def _store_code(ctx: ExecContext, pkg: dict[str, Any], code_hash: bytes) -> None:
    ctx.state.set_obj(
        code_key(pkg["name"], pkg["version"]),
        {"source": pkg["source"], "manifest": pkg["manifest"], "code_hash": code_hash},
    )


class _PackageAction(GovAction):
    policy_name = "lifecycle"
    hook = ""
    args_field = ""

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        unknown = sorted(set(args) - {"package", self.args_field})
        if unknown:
            raise ValidationError(f"{self.type}: unknown args {unknown}", field=unknown[0])
        if not isinstance(args.get(self.args_field, {}), dict):
            raise ValidationError(
                f"{self.type}: {self.args_field} must be a map", field=self.args_field
            )
        _validate_package(args, chain)

    def _run_hook(self, ctx: ExecContext, name: str, args: dict[str, Any]) -> None:
        """``init`` after deploy, ``migrate`` after upgrade (if the contract has it), as part
        of the governed action: the caller is the member who executes the proposal."""
        _execute_call(
            ctx,
            name,
            self.hook,
            args,
            ctx.params.max_call_gas,
            [ctx.sender_address],
            allow_missing=True,
        )


class ContractDeployAction(_PackageAction):
    type = "contract.deploy"
    hook = "init"
    args_field = "init_args"

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        name = args["package"]["name"]
        if ctx.state.get(meta_key(name)) is not None:
            raise TxFailed(f"contract '{name}' already exists; propose contract.upgrade")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        pkg = args["package"]
        checked = _validate_package(args, ctx.chain)
        info = checked["info"]
        _store_code(ctx, pkg, checked["code_hash"])
        meta = {
            "name": pkg["name"],
            "version": pkg["version"],
            "code_hash": checked["code_hash"],
            "status": "active",
            "abi": info.abi,
            "roles": list(info.roles),
            "manifest": pkg["manifest"],
            "deployed_height": ctx.height,
            "updated_height": ctx.height,
            "history": [
                {
                    "action": "deploy",
                    "version": pkg["version"],
                    "height": ctx.height,
                    "code_hash": checked["code_hash"],
                }
            ],
        }
        ctx.state.set_obj(meta_key(pkg["name"]), meta)
        ctx.emit(
            "contract.deployed",
            name=pkg["name"],
            version=pkg["version"],
            code_hash=checked["code_hash"],
        )
        self._run_hook(ctx, pkg["name"], dict(args.get("init_args", {})))


class ContractUpgradeAction(_PackageAction):
    type = "contract.upgrade"
    hook = "migrate"
    args_field = "migrate_args"

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        pkg = args["package"]
        meta = _get(ctx.state, meta_key(pkg["name"]))
        if meta is None:
            raise TxFailed(f"contract '{pkg['name']}' does not exist; propose contract.deploy")
        if meta["status"] == "retired":
            raise TxFailed(f"contract '{pkg['name']}' is retired and cannot be upgraded")
        if _version_tuple(pkg["version"]) <= _version_tuple(meta["version"]):
            raise TxFailed(
                f"upgrade of '{pkg['name']}' must raise the version above {meta['version']}"
            )

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        pkg = args["package"]
        checked = _validate_package(args, ctx.chain)
        info = checked["info"]
        meta = get_contract(ctx.state, pkg["name"])
        old = meta["version"]
        _store_code(ctx, pkg, checked["code_hash"])
        meta.update(
            version=pkg["version"],
            code_hash=checked["code_hash"],
            abi=info.abi,
            roles=list(info.roles),
            manifest=pkg["manifest"],
            updated_height=ctx.height,
        )
        meta["history"].append(
            {
                "action": "upgrade",
                "version": pkg["version"],
                "height": ctx.height,
                "code_hash": checked["code_hash"],
            }
        )
        was_frozen = meta["status"] == "frozen"
        meta["status"] = "active"  # the migration must be able to run
        ctx.state.set_obj(meta_key(pkg["name"]), meta)
        ctx.emit("contract.upgraded", name=pkg["name"], version=pkg["version"], previous=old)
        if "migrate" in info.abi["methods"]:
            self._run_hook(ctx, pkg["name"], {"from_version": old, **args.get("migrate_args", {})})
        if was_frozen:
            meta = get_contract(ctx.state, pkg["name"])
            meta["status"] = "frozen"
            ctx.state.set_obj(meta_key(pkg["name"]), meta)


class _StatusAction(GovAction):
    policy_name = "lifecycle"
    from_status: tuple[str, ...] = ()
    to_status = ""
    verb = ""

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, {"name": (str, True), "reason": (str, False)}, self.type)
        validate_contract_name(args["name"])
        if len(args.get("reason", "")) > 512:
            raise ValidationError(f"{self.type}: reason longer than 512 characters", field="reason")

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        meta = _get(ctx.state, meta_key(args["name"]))
        if meta is None:
            raise TxFailed(f"contract '{args['name']}' does not exist")
        if meta["status"] not in self.from_status:
            raise TxFailed(f"contract '{args['name']}' is {meta['status']}; cannot {self.verb} it")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        meta = get_contract(ctx.state, args["name"])
        meta["status"] = self.to_status
        meta["updated_height"] = ctx.height
        meta["history"].append(
            {
                "action": self.verb,
                "version": meta["version"],
                "height": ctx.height,
                "reason": args.get("reason", ""),
            }
        )
        ctx.state.set_obj(meta_key(args["name"]), meta)
        ctx.emit(f"contract.{self.to_status}", name=args["name"], reason=args.get("reason", ""))


class ContractFreezeAction(_StatusAction):
    type = "contract.freeze"
    from_status = ("active",)
    to_status = "frozen"
    verb = "freeze"


class ContractUnfreezeAction(_StatusAction):
    type = "contract.unfreeze"
    from_status = ("frozen",)
    to_status = "active"
    verb = "unfreeze"


class ContractRetireAction(_StatusAction):
    type = "contract.retire"
    from_status = ("active", "frozen")
    to_status = "retired"
    verb = "retire"


for _action in (
    ContractDeployAction(),
    ContractUpgradeAction(),
    ContractFreezeAction(),
    ContractUnfreezeAction(),
    ContractRetireAction(),
):
    register_action(_action, replace_existing=True)


# -- calls ----------------------------------------------------------------------------------


def _validate_call(payload: dict[str, Any], kind: str, params: ChainParams) -> None:
    validate_contract_name(payload["contract"], "contract")
    m = payload["method"]
    if m in LIFECYCLE_HOOKS:
        raise ValidationError(
            f"{kind}: '{m}' runs only when the lifecycle commits the contract (deploy: init,"
            " upgrade: migrate)",
            field="method",
        )
    if not re.match(r"^[a-z][a-zA-Z0-9_]{0,63}$", m):
        raise ValidationError(f"{kind}: method {m!r} is not a public method name", field="method")
    for k in payload["args"]:
        if not isinstance(k, str):
            raise ValidationError(f"{kind}: argument names must be text", field="args")
    found = find_presentation_in_clear(payload["args"], "args")
    if found is not None:
        raise PersonalData(
            f"{kind}: {found} holds an SD-JWT presentation in clear (its disclosures are"
            " personal values): pass its side-car reference 'sidecar:<hash>' and send the"
            " text beside the transaction (POST /v1/txs {tx, sidecars})",
            field=found,
            pattern="sd_jwt",
        )
    g = payload.get("gas_limit")
    if g is not None and not 0 < g <= params.max_call_gas:
        raise ValidationError(
            f"{kind}: gas_limit must be between 1 and {params.max_call_gas}", field="gas_limit"
        )


class _CallPayloadHandler(Handler):
    """The payload of a call, {contract, method, args, gas_limit?}: its static checks and the
    gas it reserves in a block."""

    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "contract": (str, True),
        "method": (str, True),
        "args": (dict, True),
        "gas_limit": (int, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _validate_call(payload, self.kind, params)

    def reserved_gas(
        self,
        payload: dict[str, Any],
        params: ChainParams,
        sidecars: Mapping[bytes, bytes] | None = None,
    ) -> int:
        g: int = payload.get("gas_limit") or params.default_call_gas
        return g


class ContractCallHandler(_CallPayloadHandler):
    kind = "contract.call"

    def authorize(self, ctx: ExecContext) -> None:
        """Members as always; a non-member only for a ``@call(public=True)`` method and only
        with an authentication key of an active DID."""
        if ctx.state.get(keys.member_key(ctx.sender_address)) is not None:
            ctx.require_member()
            return
        p = ctx.tx.payload
        meta = get_contract(ctx.state, p["contract"])
        m = meta["abi"]["methods"].get(p["method"])
        if m is None or not m.get("public"):
            raise Unauthorized(
                "sender is not a registered member of any organisation; only methods declared"
                f" @call(public=True) admit other callers, and '{p['contract']}.{p['method']}'"
                " is not one"
            )
        if ctx.sender_did is None:
            raise Unauthorized(
                f"'{p['contract']}.{p['method']}' is public, but the sender's key is not an"
                " authentication key of an active DID (did.create first)"
            )

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        value = _execute_call(
            ctx,
            p["contract"],
            p["method"],
            dict(p["args"]),
            self.reserved_gas(p, ctx.params),
            [ctx.sender_address],
        )
        if value is not None:
            ctx.emit("contract.returned", contract=p["contract"], method=p["method"], value=value)


class ContractCallProposeHandler(_CallPayloadHandler):
    """Start a multi-party call; it runs once its signers satisfy the method's policy."""

    kind = "contract.call_propose"

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        meta = get_contract(ctx.state, p["contract"])
        m = meta["abi"]["methods"].get(p["method"])
        if m is None:
            raise NotFound(f"contract '{p['contract']}' has no method '{p['method']}'")
        if not m.get("policy"):
            raise TxFailed(
                f"method '{p['method']}' has no policy; call it directly with contract.call"
            )

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        raw = ctx.state.get(_NEXT_CALL)
        call_id = 1 if raw is None else int(decode_trusted(raw))
        ctx.state.set_obj(_NEXT_CALL, call_id + 1)
        rec = {
            "id": call_id,
            "contract": p["contract"],
            "method": p["method"],
            "args": p["args"],
            "gas_limit": self.reserved_gas(p, ctx.params),
            "signers": [ctx.sender_address],
            "status": "pending",
            "created_height": ctx.height,
            "deadline": ctx.height + 1000,
        }
        ctx.emit("contract.call_proposed", id=call_id, contract=p["contract"], method=p["method"])
        _try_run(ctx, rec)
        ctx.state.set_obj(_call_key(call_id), rec)


def _try_run(ctx: ExecContext, rec: dict[str, Any]) -> None:
    """Run the pending call if its signers now satisfy the method's guard."""
    meta = get_contract(ctx.state, rec["contract"])
    m = meta["abi"]["methods"][rec["method"]]
    signers = list(rec["signers"])
    approvers = approvers_from_addresses(ctx.state, signers)
    if not parse_policy(m["policy"]).evaluate(approvers, get_active_orgs(ctx.state)):
        return
    value = _execute_call(
        ctx, rec["contract"], rec["method"], dict(rec["args"]), rec["gas_limit"], signers
    )
    rec["status"] = "executed"
    rec["executed_height"] = ctx.height
    ctx.emit(
        "contract.call_executed",
        id=rec["id"],
        contract=rec["contract"],
        method=rec["method"],
        signers=len(signers),
    )
    if value is not None:
        ctx.emit("contract.returned", contract=rec["contract"], method=rec["method"], value=value)


class ContractCallSignHandler(Handler):
    kind = "contract.call_sign"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {"id": (int, True)}

    def dynamic_validate(self, ctx: ExecContext) -> None:
        rec = _get(ctx.state, _call_key(ctx.tx.payload["id"]))
        if rec is None:
            raise TxFailed(f"no pending call {ctx.tx.payload['id']}")
        if rec["status"] != "pending":
            raise TxFailed(f"call {rec['id']} is {rec['status']}")
        if ctx.height > rec["deadline"]:
            raise TxFailed(f"call {rec['id']} expired at height {rec['deadline']}")
        if ctx.sender_address in rec["signers"]:
            raise TxFailed(f"you already signed call {rec['id']}")
        if len(rec["signers"]) >= MAX_SIGNERS:
            raise TxFailed(f"call {rec['id']} has the most signers allowed ({MAX_SIGNERS})")

    def apply(self, ctx: ExecContext) -> None:
        rec = _get(ctx.state, _call_key(ctx.tx.payload["id"]))
        rec["signers"].append(ctx.sender_address)
        ctx.emit("contract.call_signed", id=rec["id"], signer=ctx.sender_address)
        _try_run(ctx, rec)
        ctx.state.set_obj(_call_key(rec["id"]), rec)


def get_pending_call(state: KVReader, call_id: int) -> dict[str, Any] | None:
    rec: dict[str, Any] | None = _get(state, _call_key(call_id))
    return rec


_ = ContractRejected  # raised by the runtime at check time; re-exported for readers
