"""The rules of the sandbox as data: what contracts may import, call and read.

Used by the compile-time passes (:mod:`wuyi.runtime.scan`, :mod:`wuyi.runtime.policy`) and
documented in ``docs/contract-runtime.md``.
"""

from __future__ import annotations

from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from wuyi.contract.lib import MODULES as LIBRARY_MODULES
from wuyi.exceptions import ContractRejected

__all__ = [
    "ALLOWED_MODULES",
    "API_NAMES",
    "BUILTIN_STATIC_ATTRS",
    "CTX_ATTRS",
    "FLOATS",
    "FORBIDDEN_NAMES",
    "FRAME_ATTRIBUTES",
    "REFUSED_ATTRIBUTES",
    "SAFE_BUILTIN_NAMES",
    "SETS",
    "STATE_ATTRS",
    "allowed_imports",
    "reject",
]

API_NAMES = frozenset(
    {
        "call",
        "view",
        "require",
        "revert",
        "state",
        "ctx",
        "emit",
        "invoke",
        "hash",
        "assurance",
        "presentation",
        "recognition",
        "packet",
    }
)
STATE_ATTRS = frozenset({"get", "set", "delete", "has", "range"})
CTX_ATTRS = frozenset(
    {
        "sender",
        "sender_org",
        "sender_roles",
        "sender_did",
        "signers",
        "height",
        "time",
        "tx_hash",
        "contract",
        "caller_contract",
    }
)

#: module -> names a contract may import from it (``wuyi.contract`` only as ``from ... import``)
ALLOWED_MODULES: dict[str, frozenset[str]] = {
    "wuyi.contract": API_NAMES,
    "math": frozenset({"isqrt", "gcd", "lcm", "comb", "perm", "factorial"}),
    "bisect": frozenset(
        {"bisect", "bisect_left", "bisect_right", "insort", "insort_left", "insort_right"}
    ),
    "string": frozenset(
        {
            "ascii_letters",
            "ascii_lowercase",
            "ascii_uppercase",
            "digits",
            "hexdigits",
            "octdigits",
            "punctuation",
            "whitespace",
            "printable",
        }
    ),
    "typing": frozenset({"Any", "Optional"}),
    "__future__": frozenset({"annotations"}),
    # the contract standard library (wuyi/contract/lib; wuyi.runtime.library), only as
    # ``from wuyi.contract.lib import params``
    "wuyi.contract.lib": frozenset(LIBRARY_MODULES),
}

#: builtins the sandbox provides (most are guarded wrappers, see ``builtins.py``)
SAFE_BUILTIN_NAMES = frozenset(
    {
        "abs",
        "all",
        "any",
        "bin",
        "bool",
        "bytes",
        "chr",
        "dict",
        "divmod",
        "enumerate",
        "hex",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "oct",
        "ord",
        "pow",
        "print",
        "range",
        "repr",
        "reversed",
        "sorted",
        "str",
        "sum",
        "zip",
    }
)

#: attributes of builtin types readable without ``_getattr_`` when the name is never rebound
BUILTIN_STATIC_ATTRS: dict[str, frozenset[str]] = {
    "int": frozenset({"from_bytes"}),
    "bytes": frozenset({"fromhex"}),
    "dict": frozenset({"fromkeys"}),
}

_DYNAMIC = "dynamic attribute access is not allowed"
_INTROSPECTION = "introspection is not allowed"
_CODE = "dynamic code is not allowed"
_IO = "input/output is not available on chain"
_TYPES = "types and classes are not available in contracts"
SETS = "sets are not allowed: their iteration order differs between processes"
FLOATS = "floats are not allowed on chain: use integers and '//'"

FORBIDDEN_NAMES: dict[str, str] = {
    "getattr": _DYNAMIC,
    "setattr": _DYNAMIC,
    "delattr": _DYNAMIC,
    "hasattr": _DYNAMIC,
    "vars": _INTROSPECTION,
    "dir": _INTROSPECTION,
    "globals": _INTROSPECTION,
    "locals": _INTROSPECTION,
    "help": _INTROSPECTION,
    "eval": _CODE,
    "exec": _CODE,
    "compile": _CODE,
    "open": _IO,
    "input": _IO,
    "breakpoint": _IO,
    "exit": _IO,
    "quit": _IO,
    "type": _TYPES,
    "super": _TYPES,
    "object": _TYPES,
    "classmethod": _TYPES,
    "staticmethod": _TYPES,
    "property": _TYPES,
    "issubclass": _TYPES,
    "memoryview": "mutable buffers are not available",
    "bytearray": "mutable buffers are not available",
    "set": SETS,
    "frozenset": SETS,
    "float": FLOATS,
    "complex": FLOATS,
    "round": FLOATS,
    "id": "id() exposes memory addresses, which differ between nodes",
    "tuple": "tuples are not available: tuple displays evaluate to lists in contracts",
    "iter": "iterators are not available: use a for loop",
    "next": "iterators are not available: use a for loop",
    "map": "use a list comprehension",
    "filter": "use a list comprehension",
    "format": "format() is not available: use f-strings",
    "printed": "reserved name",
    "builtins": "reserved name",
}

FRAME_ATTRIBUTES = frozenset(INSPECT_ATTRIBUTES) | frozenset(
    {
        "f_back",
        "f_builtins",
        "f_code",
        "f_globals",
        "f_locals",
        "f_trace",
        "f_lasti",
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "gi_running",
        "cr_frame",
        "cr_code",
        "cr_await",
        "cr_origin",
        "ag_frame",
        "ag_code",
        "ag_await",
        "tb_frame",
        "tb_next",
        "tb_lasti",
        "co_code",
        "co_consts",
        "co_names",
        "func_globals",
        "func_code",
        "func_closure",
    }
)

REFUSED_ATTRIBUTES: dict[str, str] = {
    "format": "str.format is not allowed (format strings can read attributes): use f-strings",
    "format_map": "str.format_map is not allowed: use f-strings",
    "maketrans": "str.maketrans/translate are not available",
    "translate": "str.maketrans/translate are not available",
    "expandtabs": "str.expandtabs is not available",
    "mro": "types and classes are not available in contracts",
}


def reject(line: int, reason: str) -> ContractRejected:
    """The deploy-time refusal: ``"line 7: <reason>"`` with ``line`` and ``reason`` details."""
    return ContractRejected(f"line {line}: {reason}", line=line, reason=reason)


def allowed_imports() -> str:
    mods = sorted(
        m for m in ALLOWED_MODULES if m not in ("wuyi.contract", "wuyi.contract.lib", "__future__")
    )
    return (
        "allowed: "
        + ", ".join(mods)
        + ", 'from wuyi.contract import ...' and 'from wuyi.contract.lib import ...'"
    )
