"""The deterministic Python smart-contract runtime.

Interface for the ledger (everything else in this package is internal)::

    check_source(source, name, *, limits=None, schedule=None, hasher=None) -> ContractInfo
        Refuse (ContractRejected: detail line, reason) or describe a contract: its ABI
        (``info.abi``: {doc, roles, methods: {name: {kind, params, returns, doc, policy,
        roles}}}), ``code_hash`` (``hasher``, default SHA-256) and declared ``ROLES``.

    rt = Runtime(limits=Limits(...), schedule=GasSchedule(...), hasher=suite.hash)
    rt.compile(source, name) -> CompiledContract           # cached by (name, sha256(source))
    rt.check_source(source, name) -> ContractInfo
    rt.execute(compiled_or_source, method, args, host, *, gas_limit, read_only=False,
               name=None) -> ExecResult(value, gas_used, events, logs)

``host`` implements :class:`Host` (the transaction's KV view, state prefix, contract loading,
authorisation, the suite hash, event sink, and the call context). Errors: NotFound (no such
method), ValidationError (arguments; ``field``), Unauthorized (the method's guard),
ContractRevert (require/revert), OutOfGas, ContractFault (limits, unexpected errors, bad
return values); every one carries ``detail["gas_used"]``.

See ``docs/contract-runtime.md`` for the contract API, the sandbox rules, the gas schedule and
the limits.
"""

from wuyi.runtime.abi import ContractInfo, MethodInfo, Param
from wuyi.runtime.host import KV, CallSite, Event, Host, Identity
from wuyi.runtime.meter import GasMeter, GasSchedule, Limits
from wuyi.runtime.runtime import (
    CompiledContract,
    ExecResult,
    Runtime,
    check_source,
    compile_contract,
)

__all__ = [
    "KV",
    "CallSite",
    "CompiledContract",
    "ContractInfo",
    "Event",
    "ExecResult",
    "GasMeter",
    "GasSchedule",
    "Host",
    "Identity",
    "Limits",
    "MethodInfo",
    "Param",
    "Runtime",
    "check_source",
    "compile_contract",
]
