"""Load, compile and execute contracts: the :class:`Runtime` the ledger calls.

Compilation (once per source, cached by hash): prescan -> parse -> scope check -> ABI ->
restriction policy -> gas instrumentation -> ``compile``. Execution: a per-thread module
instance (its top level ran once, its constants frozen) whose guards are bound to the
transaction's meter and frame for the duration of the call.
"""

from __future__ import annotations

import ast
import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import CodeType, MappingProxyType
from typing import Any, NamedTuple

from wuyi.encoding import decode_trusted
from wuyi.exceptions import (
    ContractFault,
    ContractRejected,
    ContractRevert,
    InvariantBroken,
    NotFound,
    OutOfGas,
    ValidationError,
    WuyiError,
)
from wuyi.runtime.abi import ContractInfo, MethodInfo, extract_interface, validate_args
from wuyi.runtime.api import Frame, TxContext, encode_value, make_api
from wuyi.runtime.builtins import make_builtins, make_modules, refuse_import
from wuyi.runtime.guards import Namespace, Sandbox, sanitize
from wuyi.runtime.host import CallSite, Event, Host
from wuyi.runtime.instrument import Instrumenter, bounded_int_params
from wuyi.runtime.library import MODULE as LIBRARY
from wuyi.runtime.library import check_pin, compile_module, exports
from wuyi.runtime.meter import GasMeter, GasSchedule, Limits
from wuyi.runtime.policy import ContractPolicy
from wuyi.runtime.rules import reject
from wuyi.runtime.scan import ModuleFacts, ScopeChecker, check_tree_depth, collect_imports, prescan

__all__ = ["CompiledContract", "ExecResult", "Runtime", "check_source", "compile_contract"]

LIFECYCLE_HOOKS = frozenset({"init", "migrate"})
"""Methods only the ledger's lifecycle runs (deploy: ``init``; upgrade: ``migrate``); neither a
transaction nor another contract may call them."""

#: CPython's recursion limit is raised to at least this (never lowered): contract depth is
#: bounded by ``Limits.max_call_depth`` far below it, so RecursionError cannot decide a call.
RECURSION_FLOOR = 4000


def _ensure_recursion_headroom() -> None:
    if sys.getrecursionlimit() < RECURSION_FLOOR:
        sys.setrecursionlimit(RECURSION_FLOOR)


@dataclass(frozen=True, eq=False)
class CompiledContract:
    """A checked, instrumented contract ready to run (immutable; shared across threads)."""

    name: str
    source_hash: bytes  #: sha256 of the UTF-8 source (the compile cache key)
    info: ContractInfo
    code: CodeType
    constants: tuple[str, ...]
    #: the modules of the contract standard library it imports (``wuyi.contract.lib``)
    links: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"<contract {self.name}>"


class ExecResult(NamedTuple):
    """A successful call: its canonical return value, the gas used, the events emitted (in
    order, across invoked contracts) and ``print`` output (for developers; not consensus)."""

    value: Any
    gas_used: int
    events: tuple[Event, ...] = ()
    logs: tuple[str, ...] = ()


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def compile_contract(
    source: str,
    name: str,
    *,
    limits: Limits | None = None,
    schedule: GasSchedule | None = None,
    hasher: Callable[[bytes], bytes] | None = None,
    library: bool = False,
) -> CompiledContract:
    """Check and compile ``source``; raise :class:`ContractRejected` with the first problem's
    line and reason. Does not run the module (see :func:`check_source`). ``library``: a module
    of the contract standard library (no public methods; its functions are read by the
    contracts that import it)."""
    limits = limits or Limits()
    schedule = schedule or GasSchedule()
    _ensure_recursion_headroom()
    if not isinstance(source, str):
        raise ContractRejected("contract source must be text", line=0, reason="not text")
    prescan(source, limits)
    try:
        tree = ast.parse(source, filename=f"<contract {name}>")
    except SyntaxError as exc:
        raise reject(exc.lineno or 1, f"syntax error: {exc.msg}") from None
    except ValueError as exc:  # e.g. an unencodable character
        raise reject(1, f"source cannot be parsed: {exc}") from None
    except _MACHINE_DEPENDENT as exc:  # pragma: no cover - prescan bounds size and nesting
        raise InvariantBroken(f"{type(exc).__name__} parsing contract {name}") from exc
    check_tree_depth(tree, 2 * limits.max_nesting)
    facts = ModuleFacts()
    collect_imports(tree, facts)
    ScopeChecker(facts).check(tree)
    methods, roles = extract_interface(tree, facts)
    int_params = bounded_int_params(
        tree, {m.name: [p.name for p in m.params if p.type == "int"] for m in methods.values()}
    )
    tree = ContractPolicy(facts, limits).visit(tree)
    if facts.problems:
        line, _col, reason = min(facts.problems)
        raise reject(line, reason)
    if library and methods:
        raise reject(1, "a library module has no public methods (@call or @view)")
    if not methods and not library:
        raise reject(1, "a contract needs at least one public method (@call or @view)")
    tree = Instrumenter(schedule, int_params).instrument(tree)
    code = compile(tree, f"<contract {name}>", "exec", dont_inherit=True)
    raw = source.encode("utf-8")
    info = ContractInfo(
        name=name,
        code_hash=(hasher or _sha256)(raw),
        methods=MappingProxyType(methods),
        roles=roles,
        doc=facts.doc,
    )
    links = sorted({str(n) for m, n in facts.imports.values() if m == LIBRARY and n})
    return CompiledContract(name, _sha256(raw), info, code, tuple(facts.constants), tuple(links))


def _freeze(v: Any) -> Any:
    t = type(v)
    if t is list or t is tuple:
        return tuple(_freeze(x) for x in v)
    if t is dict or t is MappingProxyType:  # a library module's constant is frozen already
        return MappingProxyType({k: _freeze(x) for k, x in v.items()})
    if t in (int, str, bytes, bool, type(None)):
        return v
    raise TypeError(f"module-level value of type {t.__name__} is not a constant")


def _fault_line(exc: BaseException, filename: str) -> int | None:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _as_fault(exc: BaseException, compiled: CompiledContract) -> ContractFault:
    """An unexpected Python error inside contract code, as a deterministic fault."""
    line = _fault_line(exc, compiled.filename)
    text = sanitize(f"{type(exc).__name__}: {exc}")
    where = f" (line {line} of {compiled.name})" if line else f" (in {compiled.name})"
    return ContractFault(text + where, contract=compiled.name, line=line)


class _Instance:
    """One thread's copy of a module: its globals, guards and public functions, and the
    library modules linked into it (each with its own globals, sharing the guards)."""

    __slots__ = ("functions", "globals", "hook_targets", "hooked", "sandbox")

    def __init__(self, compiled: CompiledContract, limits: Limits, schedule: GasSchedule) -> None:
        sb = Sandbox(limits, schedule)
        api = make_api(sb)
        modules = make_modules(sb)
        linked: dict[str, Namespace] = {}
        loading: list[str] = []
        self.hook_targets: list[dict[str, Any]] = []

        def link(name: str) -> Namespace:
            """Library module ``name`` run once in this instance (its top level is charged to
            the module initialisation, like the contract's own)."""
            ns = linked.get(name)
            if ns is None:
                if name in loading:  # pragma: no cover - the library's imports are acyclic
                    raise ContractFault(f"import cycle through {LIBRARY}.{name}")
                loading.append(name)
                lib = compile_module(name, limits, schedule)
                lg: dict[str, Any] = {
                    "__builtins__": make_builtins(sb, importer),
                    "__name__": lib.filename,
                }
                lg.update(sb.guards())
                assert sb.meter is not None
                lg.update(sb.meter.hooks)
                exec(lib.code, lg)
                for const in lib.constants:
                    lg[const] = _freeze(lg[const])
                ns = linked[name] = Namespace(
                    f"module {LIBRARY}.{name}", **{k: lg[k] for k in exports(name)}
                )
                self.hook_targets.append(lg)
            return ns

        def importer(
            name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
        ) -> Any:
            if name == "wuyi.contract" and not level:
                return api
            if name in modules and not level:
                return modules[name]
            if name == LIBRARY and not level:
                return Namespace(f"module {LIBRARY}", **{n: link(n) for n in fromlist or ()})
            raise refuse_import(name)

        g: dict[str, Any] = {
            "__builtins__": make_builtins(sb, importer),
            "__name__": compiled.filename,
        }
        g.update(sb.guards())
        meter = GasMeter(
            limits.init_gas, max_depth=limits.max_call_depth, loop_iteration=schedule.loop_iteration
        )
        g.update(meter.hooks)
        self.hook_targets.append(g)
        sb.meter = meter
        try:
            exec(compiled.code, g)
            for name in compiled.constants:
                g[name] = _freeze(g[name])
        except OutOfGas as exc:
            raise ContractFault(
                f"module initialisation of {compiled.name} ran out of gas: {exc.message}"
            ) from None
        except WuyiError as exc:
            raise ContractFault(f"module initialisation failed: {exc.message}") from None
        except Exception as exc:
            raise _as_fault(exc, compiled) from None
        sb.meter = None
        self.hooked: GasMeter | None = meter
        self.sandbox = sb
        self.globals = g
        self.functions = {m: g[m] for m in compiled.info.methods}

    def rehook(self, meter: GasMeter) -> None:
        """Point the instrumented code (the contract's and its library's) at ``meter``."""
        for g in self.hook_targets:
            g.update(meter.hooks)
        self.hooked = meter


def check_source(
    source: str,
    name: str,
    *,
    limits: Limits | None = None,
    schedule: GasSchedule | None = None,
    hasher: Callable[[bytes], bytes] | None = None,
) -> ContractInfo:
    """Check ``source`` for deployment under ``name``: refuse with :class:`ContractRejected`
    (``line`` and ``reason`` in its detail) or return its :class:`ContractInfo` (ABI, code
    hash — ``hasher`` defaults to SHA-256 — and declared ``ROLES``). The module's top level
    runs once, with no state access, so its constants are checked too."""
    compiled = compile_contract(source, name, limits=limits, schedule=schedule, hasher=hasher)
    _load_instance(compiled, limits or Limits(), schedule or GasSchedule())
    return compiled.info


def _load_instance(compiled: CompiledContract, limits: Limits, schedule: GasSchedule) -> _Instance:
    try:
        return _Instance(compiled, limits, schedule)
    except ContractFault as exc:
        line = exc.detail.get("line") or 1
        raise reject(line, exc.message) from None


class Runtime:
    """The contract runtime: compile cache, per-thread module instances, execution.

    ``limits`` and ``schedule`` are chain parameters (identical on every validator).
    ``hasher`` computes ``ContractInfo.code_hash`` (default SHA-256; pass the chain suite's
    hash). Thread-safe: compiled contracts are shared, module instances are per thread.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        schedule: GasSchedule | None = None,
        *,
        cache_size: int = 256,
        hasher: Callable[[bytes], bytes] | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.schedule = schedule or GasSchedule()
        self.cache_size = cache_size
        self.hasher = hasher
        self._compiled: OrderedDict[tuple[str, bytes], CompiledContract] = OrderedDict()
        # (name, source text) -> compiled: callers that keep the same source string (the
        # ledger's contract cache) skip hashing it; str caches its own hash.
        self._front: dict[tuple[str, str], CompiledContract] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        _ensure_recursion_headroom()

    # -- compile -----------------------------------------------------------------------------

    def compile(self, source: str, name: str) -> CompiledContract:
        """The compiled contract for ``source`` (cached by name and source hash)."""
        if type(source) is str:
            front = self._front.get((name, source))
            if front is not None:
                return front
        key = (name, _sha256(source.encode("utf-8")) if isinstance(source, str) else b"")
        with self._lock:
            hit = self._compiled.get(key)
            if hit is not None:
                self._compiled.move_to_end(key)
        if hit is not None:
            self._remember_front(name, source, hit)
            return hit
        compiled = compile_contract(
            source, name, limits=self.limits, schedule=self.schedule, hasher=self.hasher
        )
        with self._lock:
            self._compiled[key] = compiled
            while len(self._compiled) > self.cache_size:
                self._compiled.popitem(last=False)
        self._remember_front(name, source, compiled)
        return compiled

    def _remember_front(self, name: str, source: str, compiled: CompiledContract) -> None:
        if type(source) is str and type(name) is str:
            front = self._front
            if len(front) >= self.cache_size:
                front.clear()
            front[(name, source)] = compiled

    def check_source(self, source: str, name: str) -> ContractInfo:
        """Like :func:`check_source`, with this runtime's limits, schedule and cache."""
        compiled = self.compile(source, name)
        self._instance_or_reject(compiled)
        return compiled.info

    def _instance_or_reject(self, compiled: CompiledContract) -> None:
        try:
            self._instance(compiled)
        except ContractFault as exc:
            raise reject(exc.detail.get("line") or 1, exc.message) from None

    def _instance(self, compiled: CompiledContract) -> _Instance:
        cache: OrderedDict[CompiledContract, _Instance] | None = getattr(
            self._local, "instances", None
        )
        if cache is None:
            cache = self._local.instances = OrderedDict()
        inst = cache.get(compiled)
        if inst is None:
            inst = _Instance(compiled, self.limits, self.schedule)
            cache[compiled] = inst
            if len(cache) > self.cache_size:
                cache.popitem(last=False)
        return inst

    # -- execute -----------------------------------------------------------------------------

    def execute(
        self,
        contract: CompiledContract | str,
        method: str,
        args: Mapping[str, Any],
        host: Host,
        *,
        gas_limit: int,
        read_only: bool = False,
        name: str | None = None,
    ) -> ExecResult:
        """Run ``method(**args)`` of ``contract`` (compiled, or source with ``name``).

        Raises :class:`NotFound` (no such public method), :class:`ValidationError` (bad
        arguments, naming the field; or a non-view with ``read_only``), :class:`Unauthorized`
        (from ``host.authorize``), :class:`ContractRevert`, :class:`OutOfGas` or
        :class:`ContractFault`. Every error carries ``detail["gas_used"]``.
        :class:`InvariantBroken` means a machine-dependent error (recursion, memory) got past
        the limits: halt the node rather than record a result others may not reach.
        """
        if type(contract) is not CompiledContract:
            if name is None or not isinstance(contract, str):
                raise ValueError("execute(source, ...) needs name=")
            contract = self.compile(contract, name)
        local = self._local
        meter: GasMeter | None = getattr(local, "meter", None)
        if meter is None or meter.busy:
            meter = local.meter = GasMeter(
                gas_limit,
                max_depth=self.limits.max_call_depth,
                loop_iteration=self.schedule.loop_iteration,
            )
        if type(gas_limit) is not int or gas_limit < 0:
            raise ValueError(f"gas limit must be a non-negative int, got {gas_limit!r}")
        meter.limit = gas_limit
        meter.used = meter.depth = 0
        meter.busy = True
        tx = TxContext(host, meter, self)
        try:
            m = contract.info.methods.get(method) if type(method) is str else None
            if m is None:
                raise NotFound(f"contract '{contract.name}' has no public method '{method}'")
            if read_only and m.kind != "view":
                raise ValidationError(
                    f"method '{method}' of '{contract.name}' may write; it cannot run read-only",
                    field="method",
                )
            value = self._run(tx, contract, m, validate_args(m, args), read_only, None)[0]
        except WuyiError as exc:
            exc.detail["gas_used"] = meter.used
            raise
        finally:
            meter.busy = False
        events, logs = tx.events, tx.logs
        return _new_result(  # tuple.__new__: a NamedTuple without its Python-level __new__
            ExecResult,
            (value, meter.used, tuple(events) if events else (), tuple(logs) if logs else ()),
        )

    def invoke(self, frame: Frame, contract: str, method: str, args: dict[str, Any]) -> Any:
        """A cross-contract call from ``frame`` (internal: what a contract's ``invoke``
        calls). Callee-side refusals become :class:`ContractFault` with ``cause``."""
        tx = frame.tx
        where = f"invoke {contract}.{method}"
        meter = tx.meter
        meter.enter(0)
        try:
            try:
                loaded = tx.host.load(contract)
                compiled = (
                    loaded
                    if isinstance(loaded, CompiledContract)
                    else self.compile(loaded, contract)
                )
                m = _method(compiled, method)
                if method in LIFECYCLE_HOOKS:
                    raise ValidationError(
                        f"'{method}' runs only when the lifecycle commits the contract"
                    )
                if frame.read_only and m.kind != "view":
                    raise ValidationError(f"a view can only invoke views; '{method}' may write")
                kwargs = validate_args(m, args)
            except (ContractRevert, OutOfGas, ContractFault):
                raise
            except WuyiError as exc:
                raise ContractFault(f"{where}: {exc.message}", cause=exc.code) from None
            _, data = self._run(tx, compiled, m, kwargs, frame.read_only, frame.contract)
        finally:
            meter.depth -= 1
        return decode_trusted(data)

    def _run(
        self,
        tx: TxContext,
        compiled: CompiledContract,
        m: MethodInfo,
        kwargs: Mapping[str, Any],
        read_only: bool,
        caller: str | None,
    ) -> tuple[Any, bytes]:
        host = tx.host
        meter = tx.meter
        if m.guarded:
            meter.consume(self.schedule.authorize, "authorize")
            try:
                host.authorize(m.policy, m.roles, CallSite(compiled.name, m.name, caller))
            except WuyiError as exc:
                if caller is None:
                    raise
                raise ContractFault(
                    f"invoke {compiled.name}.{m.name}: {exc.message}", cause=exc.code
                ) from None
        try:
            inst = self._local.instances[compiled]
        except (AttributeError, KeyError):
            inst = self._instance(compiled)
        sb = inst.sandbox
        name = compiled.name
        frame = Frame(
            tx, name, host.state_prefix(name), m.name, read_only or m.kind == "view", caller
        )
        prev_meter, prev_frame = sb.meter, sb.frame
        if inst.hooked is not meter:
            inst.rehook(meter)
        if compiled.links:
            check_pin(host.contract_lib(), compiled.name)
        sb.meter, sb.frame = meter, frame
        try:
            value = inst.functions[m.name](**kwargs)
            data = _NONE if value is None else encode_value(sb, value, "return value", m.name)
        except WuyiError:
            raise
        except _MACHINE_DEPENDENT as exc:  # pragma: no cover - the limits keep these away
            raise InvariantBroken(
                f"{type(exc).__name__} in contract {compiled.name}: a limit failed to bound the"
                " call; halting rather than recording a result other nodes may not reach"
            ) from exc
        except Exception as exc:
            raise _as_fault(exc, compiled) from None
        finally:
            sb.meter, sb.frame = prev_meter, prev_frame
            if prev_meter is not None and prev_meter is not meter:
                inst.rehook(prev_meter)
        if len(data) > self.limits.max_return_size:
            raise ContractFault(
                f"return value of {compiled.name}.{m.name} is {len(data)} bytes; the limit is "
                f"{self.limits.max_return_size}",
                limit="max_return_size",
            )
        cost = len(data) * self.schedule.value_byte
        used = meter.used + cost
        if used > meter.limit:
            meter.consume(cost, "return value")
        meter.used = used
        return (value if type(value) in _SCALARS else decode_trusted(data)), data


_SCALARS = (int, str, bytes, bool, type(None))
#: failures whose occurrence depends on the machine (stack depth, free memory), not the call
_MACHINE_DEPENDENT = (RecursionError, MemoryError)
_new_result = tuple.__new__
_NONE = b"\xf6"  # canonical encoding of None


def _method(compiled: CompiledContract, method: str) -> MethodInfo:
    m = compiled.info.methods.get(method) if isinstance(method, str) else None
    if m is None:
        raise NotFound(f"contract '{compiled.name}' has no public method '{method}'")
    return m
