"""The contract standard library: modules a contract may import besides ``wuyi.contract``.

    from wuyi.contract.lib import calendar, certs, checks, money, params, records

* :mod:`~wuyi.contract.lib.params` — governed parameters (value, effective height, author,
  reason, legal basis, history);
* :mod:`~wuyi.contract.lib.certs` — e-certificates (record, commitment, credential link);
* :mod:`~wuyi.contract.lib.calendar` — the working-day calendar (weekends, a governed holiday
  table with make-up working days; calendar months and days);
* :mod:`~wuyi.contract.lib.money` — amounts in fen;
* :mod:`~wuyi.contract.lib.checks` — input checks (DIDs, 32-byte hashes, texts, codes, unified
  social credit codes);
* :mod:`~wuyi.contract.lib.records` — numbered ids, who-and-when stamps, counters, loading a
  record that must exist.

The modules are written in the contract language itself and run inside the sandbox with the
contract that imports them (same checks at deploy, same guards, same gas: determinism as for
the contract). Outside the sandbox they import as ordinary modules over the stand-ins of
:mod:`wuyi.contract` (for editors and type checkers).

Every validator must run the same library: its identity, :data:`LIBRARY_HASH` (SHA-256 of the
canonical encoding of ``{module: source}``), is pinned in the chain parameter ``contract_lib``
(set at genesis; changed by ``chain.set_params`` through governance). A contract importing the
library runs only on a node whose library has the pinned hash: on a chain with no pin it is a
refusal (``ContractFault``), on a node with another library the node halts
(``InvariantBroken``) rather than record a result the others would not reach.
``docs/contract-runtime.md`` §11.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

__all__ = ["LIBRARY_HASH", "MODULES", "library_hash", "sources"]

#: the library's modules, in the order they are hashed
MODULES = ("money", "calendar", "params", "certs", "checks", "records")


@cache
def sources() -> dict[str, str]:
    """``{module: source text}`` of this node's library."""
    here = Path(__file__).parent
    return {name: (here / f"{name}.py").read_text(encoding="utf-8") for name in MODULES}


def library_hash(srcs: dict[str, str] | None = None) -> str:
    """SHA-256 (hex) of the canonical encoding of ``{module: source}``."""
    from wuyi.encoding import encode

    body = {"library": "wuyi/contract-lib/1", "modules": dict(srcs or sources())}
    return hashlib.sha256(encode(body)).hexdigest()


#: the identity of this node's library (pin it in the chain parameter ``contract_lib``)
LIBRARY_HASH = library_hash()
