"""The builtins and standard modules a contract sees: guarded versions of the usual ones.

Everything that can process or create many items charges per item and checks the size
limits first; everything that compares items checks their nesting; iterators are
materialised as lists (``enumerate``, ``zip``, ``reversed``, ``dict.items()``), so no lazy,
unmetered C-level loop and no tuple is reachable. Names that are not here do not exist in the
sandbox (``policy.FORBIDDEN_NAMES`` explains the notable absences).
"""

from __future__ import annotations

import bisect as _bisect
import math as _math
import string as _string
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from wuyi.exceptions import ContractFault
from wuyi.runtime.guards import Namespace, Sandbox, fault, range_len, type_name
from wuyi.runtime.rules import ALLOWED_MODULES

__all__ = ["make_builtins", "sort_in_place"]

_INTS = (int, bool)
_TEXT_CODECS = frozenset({"utf-8", "utf8", "ascii", "latin-1", "latin1"})


class SafeType(Namespace):
    """A builtin type as contracts see it: callable with guards, a few class methods, and
    usable in ``isinstance``."""

    contract_name = "type"

    def __init__(
        self, label: str, ctor: Callable[..., Any], types: tuple[type, ...], **public: Any
    ) -> None:
        super().__init__(label, **public)
        self.__dict__["_ctor"] = ctor
        self.__dict__["_types"] = types

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__dict__["_ctor"](*args, **kwargs)


def _key_guard(sb: Sandbox, key: Any) -> Any:
    if key is None:
        return None

    def guarded(v: Any) -> Any:
        return sb.dc(key(v))

    return guarded


def sort_in_place(sb: Sandbox, items: list[Any], key: Any, reverse: Any) -> None:
    n = len(items)
    per_compare = 1 + sb.measure(items) // max(n, 1)
    sb.work(n * max(1, n.bit_length()) * per_compare)
    items.sort(key=_key_guard(sb, key), reverse=bool(reverse))


def make_builtins(sb: Sandbox, importer: Callable[..., Any]) -> dict[str, Any]:
    """The ``__builtins__`` of one module instance."""
    limits = sb.limits
    materialize = sb.materialize

    def to_int(x: Any = 0, base: Any = None) -> int:
        t = type(x)
        if t is str or t is bytes:
            if len(x) > limits.max_int_bits + 16:
                raise fault(f"int() of a {len(x)}-character string: too long")
            sb.work(len(x) // sb.byte_unit)
            return sb.check_int(int(x) if base is None else int(x, base))
        if base is not None:
            raise fault("int() with a base needs a str")
        if t is int or t is bool:
            return int(x)
        raise fault(f"int() of {type_name(x)} is not supported")

    def from_bytes(data: Any, byteorder: Any = "big", *, signed: bool = False) -> int:
        if type(data) is not bytes:
            raise fault("int.from_bytes() needs bytes")
        if len(data) * 8 > limits.max_int_bits:
            raise fault(f"int.from_bytes() of {len(data)} bytes exceeds {limits.max_int_bits} bits")
        return int.from_bytes(data, byteorder, signed=signed)

    def to_str(x: Any = "") -> str:
        return sb.to_str(x)

    def to_bytes(x: Any = b"", encoding: Any = None, errors: str = "strict") -> bytes:
        t = type(x)
        if t is int:
            if x > limits.max_str_size:
                raise fault(f"bytes({x}) exceeds the limit of {limits.max_str_size}")
            sb.work(x // sb.byte_unit)
            return bytes(x)
        if t is str:
            if str(encoding).lower() not in _TEXT_CODECS:
                raise fault("bytes(str, encoding): encoding must be utf-8, ascii or latin-1")
            sb.work(len(x) // sb.byte_unit)
            out: bytes = sb.check_size(x.encode(encoding, errors))
            return out
        if t is bytes:
            return bytes(x)
        return bytes(materialize(x))

    def fromhex(text: Any) -> bytes:
        if type(text) is not str:
            raise fault("bytes.fromhex() needs a str")
        sb.work(len(text) // sb.byte_unit)
        return bytes.fromhex(text)

    def to_list(x: Any = ()) -> list[Any]:
        items = materialize(x)
        return items if items is not x else list(items)

    def to_dict(x: Any = None, **kwargs: Any) -> dict[str, Any]:
        if x is None:
            out: dict[Any, Any] = {}
        elif type(x) is dict or type(x) is MappingProxyType:
            sb.work(len(x))
            out = dict(x)
        else:
            out = dict(sb.pairs(x))
        sb.work(len(kwargs))
        out.update(kwargs)
        return out

    def fromkeys(keys: Any, value: Any = None) -> dict[Any, Any]:
        items = materialize(keys)
        sb.keys_of(items)
        return dict.fromkeys(items, value)

    def isinstance_(x: Any, types: Any) -> bool:
        wanted: list[type] = []
        for t in types if type(types) in (list, tuple) else [types]:
            if isinstance(t, SafeType):
                wanted.extend(t.__dict__["_types"])
            elif t is bool or t is range:
                wanted.append(t)
            else:
                raise fault("isinstance() takes int, str, bytes, bool, list or dict")
        return isinstance(x, tuple(wanted))

    def sorted_(items: Any, *, key: Any = None, reverse: Any = False) -> list[Any]:
        out = list(materialize(items))
        sort_in_place(sb, out, key, reverse)
        return out

    def extreme(fn: Callable[..., Any]) -> Callable[..., Any]:
        missing = object()

        def pick(*args: Any, key: Any = None, default: Any = missing) -> Any:
            items = materialize(args[0]) if len(args) == 1 else list(args)
            sb.work(sb.measure(items))
            kw: dict[str, Any] = {"key": _key_guard(sb, key)}
            if default is not missing:
                kw["default"] = default
            return fn(items, **kw)

        return pick

    def sum_(items: Any, start: Any = 0) -> Any:
        if type(start) not in _INTS:
            raise fault("sum() adds integers only (start must be an int)")
        r = sum(materialize(items), start)
        return r if type(r) is not int else sb.check_int(r)

    def any_(items: Any) -> bool:
        if hasattr(items, "__len__"):
            sb.work(range_len(items))
        return any(items)

    def all_(items: Any) -> bool:
        if hasattr(items, "__len__"):
            sb.work(range_len(items))
        return all(items)

    def enumerate_(items: Any, start: Any = 0) -> list[list[Any]]:
        return [[i, v] for i, v in enumerate(materialize(items), start)]

    def zip_(*iterables: Any) -> list[list[Any]]:
        lists = [materialize(it) for it in iterables]
        return [list(t) for t in zip(*lists, strict=False)]

    def reversed_(items: Any) -> list[Any]:
        out = list(materialize(items))
        out.reverse()
        return out

    def divmod_(a: Any, b: Any) -> Any:
        if type(a) is int and type(b) is int and a.bit_length() > 62:
            sb.divide_cost(a, b)
        return divmod(a, b)

    def pow_(base: Any, exp: Any, mod: Any = None) -> Any:
        if mod is None:
            return sb.pow(base, exp)
        if not all(type(v) in _INTS for v in (base, exp, mod)):
            raise fault("pow() with a modulus takes integers")
        if abs(mod).bit_length() > limits.max_int_bits:
            raise fault(f"pow() modulus exceeds {limits.max_int_bits} bits")
        sb.work((abs(exp).bit_length() + 1) * (abs(mod).bit_length() // 64 + 1))
        return pow(base, exp, mod)

    def print_(*args: Any, sep: Any = " ", end: Any = "") -> None:
        """Debug output: kept in ``ExecResult.logs`` (shown by the test kit), never on chain."""
        parts = [sb.to_str(a) for a in args]
        sep, end = sb.to_str(sep), sb.to_str(end)
        size = sum(len(p) for p in parts) + len(sep) * max(len(parts) - 1, 0) + len(end)
        sb.meter.consume(sb.schedule.log + size * sb.schedule.log_byte, "print")  # type: ignore[union-attr]
        tx = sb.frame.tx if sb.frame is not None else None
        if tx is not None and tx.log_bytes + size <= limits.max_log_bytes:
            tx.log_bytes += size
            tx.logs.append(sep.join(parts) + end)

    types = {
        "int": SafeType("int", to_int, (int,), from_bytes=from_bytes),
        "str": SafeType("str", to_str, (str,)),
        "bytes": SafeType("bytes", to_bytes, (bytes,), fromhex=fromhex),
        "list": SafeType("list", to_list, (list, tuple)),
        "dict": SafeType("dict", to_dict, (dict, MappingProxyType), fromkeys=fromkeys),
    }
    return {
        "__import__": importer,
        "abs": abs,
        "bin": bin,
        "bool": bool,
        "chr": chr,
        "divmod": divmod_,
        "hex": hex,
        "len": len,
        "oct": oct,
        "ord": ord,
        "range": range,
        "all": all_,
        "any": any_,
        "enumerate": enumerate_,
        "isinstance": isinstance_,
        "max": extreme(max),
        "min": extreme(min),
        "pow": pow_,
        "print": print_,
        "repr": sb.to_repr,
        "reversed": reversed_,
        "sorted": sorted_,
        "sum": sum_,
        "zip": zip_,
        **types,
    }


def make_modules(sb: Sandbox) -> dict[str, Namespace]:
    """The standard modules a contract may import, reduced to safe, guarded functions."""
    limits = sb.limits

    def ints(*vals: Any) -> None:
        for v in vals:
            if type(v) not in _INTS:
                raise fault(f"expected an int, got {type_name(v)}")

    def isqrt(n: int) -> int:
        ints(n)
        sb.work(n.bit_length() // 64)
        return _math.isqrt(n)

    def gcd(*ns: int) -> int:
        ints(*ns)
        sb.work(sum((n.bit_length() >> 6) ** 2 // 4 + 1 for n in ns))
        return _math.gcd(*ns)

    def lcm(*ns: int) -> int:
        ints(*ns)
        if sum(n.bit_length() for n in ns) > 2 * limits.max_int_bits:
            raise fault(f"lcm() exceeds {limits.max_int_bits} bits")
        return sb.check_int(_math.lcm(*ns))

    def comb(n: int, k: int) -> int:
        ints(n, k)
        if n > limits.max_int_bits:
            raise fault(f"comb() of n={n} exceeds the limit of {limits.max_int_bits}")
        return sb.check_int(_math.comb(n, k))

    def perm(n: int, k: int | None = None) -> int:
        ints(n, n if k is None else k)
        if (n if k is None else k) * max(1, n.bit_length()) > 2 * limits.max_int_bits:
            raise fault(f"perm() exceeds {limits.max_int_bits} bits")
        return sb.check_int(_math.perm(n, k))

    def factorial(n: int) -> int:
        ints(n)
        if n * max(1, n.bit_length()) > 2 * limits.max_int_bits:
            raise fault(f"factorial({n}) exceeds {limits.max_int_bits} bits")
        return sb.check_int(_math.factorial(n))

    def searcher(fn: Callable[..., Any], insert: bool) -> Callable[..., Any]:
        def search(a: Any, x: Any, lo: int = 0, hi: Any = None, *, key: Any = None) -> Any:
            if type(a) not in (list, tuple):
                raise fault("bisect functions take a list")
            sb.dc(x)
            sb.work(max(1, len(a)).bit_length() + (len(a) if insert else 0))
            if insert and len(a) >= limits.max_list_len:
                raise fault(f"list would exceed the limit of {limits.max_list_len} items")
            hi = len(a) if hi is None else hi
            return fn(a, x, lo, hi, key=_key_guard(sb, key))

        return search

    strings = {n: getattr(_string, n) for n in sorted(ALLOWED_MODULES["string"])}
    return {
        "math": Namespace(
            "module math", isqrt=isqrt, gcd=gcd, lcm=lcm, comb=comb, perm=perm, factorial=factorial
        ),
        "bisect": Namespace(
            "module bisect",
            bisect=searcher(_bisect.bisect_right, False),
            bisect_left=searcher(_bisect.bisect_left, False),
            bisect_right=searcher(_bisect.bisect_right, False),
            insort=searcher(_bisect.insort_right, True),
            insort_left=searcher(_bisect.insort_left, True),
            insort_right=searcher(_bisect.insort_right, True),
        ),
        "string": Namespace("module string", **strings),
        "typing": Namespace(
            "module typing", Any=Namespace("typing.Any"), Optional=Namespace("typing.Optional")
        ),
    }


def refuse_import(name: str) -> ContractFault:
    return fault(f"import of '{name}' is not allowed")
