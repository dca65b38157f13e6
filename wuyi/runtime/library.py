"""The contract standard library in the sandbox (``from wuyi.contract.lib import params``).

The library's modules (:mod:`wuyi.contract.lib`) are contract-language source: each is
checked and instrumented like a contract (:func:`compile_module`, once per limits and gas
schedule) and linked into the module instance of every contract that imports it — its code
runs with that contract's guards, meter and state, so it is metered and deterministic exactly
as the contract is. :func:`exports` are the names a contract may read from a library module
(checked at deploy, like the attributes of ``state`` and ``ctx``).

:func:`check_pin` is the rule that keeps validators agreeing: a contract that links the
library runs only when the chain parameter ``contract_lib`` is this node's
:data:`~wuyi.contract.lib.LIBRARY_HASH`.
"""

from __future__ import annotations

import ast
import threading
from functools import cache
from typing import TYPE_CHECKING

from wuyi.contract.lib import LIBRARY_HASH, MODULES, sources
from wuyi.exceptions import ContractFault, InvariantBroken

if TYPE_CHECKING:
    from wuyi.runtime.meter import GasSchedule, Limits
    from wuyi.runtime.runtime import CompiledContract

__all__ = ["LIBRARY_HASH", "MODULE", "check_pin", "compile_module", "exports"]

#: what a contract imports from: ``from wuyi.contract.lib import params``
MODULE = "wuyi.contract.lib"

_COMPILED: dict[tuple[str, Limits, GasSchedule], CompiledContract] = {}
_LOCK = threading.Lock()


@cache
def exports(name: str) -> frozenset[str]:
    """The public names of library module ``name``: its functions and constants."""
    tree = ast.parse(sources()[name])
    out: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            out.add(stmt.name)
        elif isinstance(stmt, ast.Assign):
            out.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    return frozenset(n for n in out if not n.startswith("_"))


def compile_module(name: str, limits: Limits, schedule: GasSchedule) -> CompiledContract:
    """Library module ``name`` checked and instrumented under ``limits`` and ``schedule``."""
    from wuyi.runtime.runtime import compile_contract

    if name not in MODULES:
        raise ContractFault(f"no module '{name}' in {MODULE} (one of {', '.join(MODULES)})")
    key = (name, limits, schedule)
    with _LOCK:
        hit = _COMPILED.get(key)
    if hit is not None:
        return hit
    compiled = compile_contract(
        sources()[name], f"lib.{name}", limits=limits, schedule=schedule, library=True
    )
    with _LOCK:
        _COMPILED[key] = compiled
    return compiled


def check_pin(pin: str, contract: str) -> None:
    """Refuse to run ``contract`` (it links the library) unless the chain's pinned library
    hash ``pin`` is this node's."""
    if pin == LIBRARY_HASH:
        return
    if not pin:
        raise ContractFault(
            f"contract '{contract}' imports {MODULE}, which is not enabled on this chain: the"
            " chain parameter contract_lib pins no library (set it by governance,"
            " chain.set_params)",
            contract=contract,
        )
    raise InvariantBroken(
        f"this node's contract library ({LIBRARY_HASH}) is not the one the chain pins"
        f" (contract_lib {pin}): refusing to run '{contract}'; run the release whose library"
        " has the pinned hash"
    )
