"""Run-time guards: what the instrumented code calls instead of touching objects directly.

One :class:`Sandbox` per loaded module instance holds the current transaction's meter and
frame; its methods are the ``_xxx_`` helpers the rewritten code calls. Rules:

* attributes are read through :meth:`Sandbox.getattr` against a per-type whitelist
  (:data:`ATTRS`, filled by :mod:`wuyi.runtime.attrs`); anything not listed — every dunder,
  frame, code, type or function attribute, ``str.format`` — is refused;
* work that can be large (copying, joining, sorting, formatting, big integers) is checked
  against the limits before it happens and charged by size;
* nested containers are compared, formatted and hashed only up to ``Limits.max_depth``.

Errors raised here are :class:`ContractFault` (a limit or misuse) or :class:`OutOfGas`; no
contract code can catch them (``try`` is refused at deploy).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import islice
from types import MappingProxyType
from typing import Any

from wuyi.exceptions import ContractFault
from wuyi.runtime.meter import GasMeter, GasSchedule, Limits

__all__ = ["ATTRS", "Namespace", "Sandbox", "expose", "fault"]

_SMALL = 1 << 62
#: str/bytes results of ``+`` shorter than this are not charged beyond their statement
FREE_TEXT = 256
#: CPython hashes ints modulo 2**61 - 1 with no randomisation: bigger int dict keys can be
#: chosen to collide (an O(n**2) dict); smaller ones hash to themselves
KEY_INT = (1 << 61) - 1
_INTS = (int, bool)
_SEQS = (str, bytes, list, tuple)
_CONTAINERS = (list, tuple, dict, MappingProxyType)
_SPEC = re.compile(r"^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdoxXs])?$")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")


def fault(message: str, **detail: Any) -> ContractFault:
    return ContractFault(message, **detail)


def type_name(v: Any) -> str:
    if v is None:
        return "None"
    t = type(v)
    if t is MappingProxyType:
        return "dict"
    if t is tuple:
        return "list"
    return getattr(t, "contract_name", t.__name__)


def sanitize(text: str, limit: int = 300) -> str:
    """Messages recorded on chain must not depend on memory addresses."""
    text = _ADDRESS.sub("0x?", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Namespace:
    """A read-only bag of public names (a module, the API, a type wrapper's class methods)."""

    contract_name = "module"

    def __init__(self, label: str, **public: Any) -> None:
        self.__dict__.update(public)
        self.__dict__["_label"] = label  # internals start with '_': unreachable from contracts

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("read-only")

    def __repr__(self) -> str:
        return f"<{self.__dict__['_label']}>"


PLAIN = 0
SIZED = 1
#: type -> attribute name -> PLAIN | SIZED | factory(sandbox, obj) -> bound callable
ATTRS: dict[type, dict[str, Any]] = {}


def expose(t: type, entries: dict[str, Any]) -> None:
    """Allow contracts to read these attributes of objects of type ``t``."""
    ATTRS.setdefault(t, {}).update(entries)


class Sandbox:
    """The guards of one module instance, bound to the current transaction."""

    __slots__ = ("byte_unit", "fast_key", "frame", "limits", "meter", "schedule")

    def __init__(self, limits: Limits, schedule: GasSchedule) -> None:
        self.limits = limits
        self.schedule = schedule
        self.byte_unit = schedule.byte_unit
        #: keys of at most this many characters fit max_key_size whatever their UTF-8 length
        self.fast_key = limits.max_key_size // 4
        self.meter: GasMeter | None = None
        self.frame: Any = None

    def guards(self) -> dict[str, Callable[..., Any]]:
        return {
            "_getattr_": self.getattr,
            "_add_": self.add,
            "_sub_": self.sub,
            "_mul_": self.mul,
            "_pow_": self.pow,
            "_lshift_": self.lshift,
            "_mod_": self.mod,
            "_floordiv_": self.floordiv,
            "_or_": self.bitor,
            "_ior_": self.ibitor,
            "_iadd_": self.iadd,
            "_imul_": self.imul,
            "_dc_": self.dc,
            "_in_": self.contains,
            "_getslice_": self.getslice,
            "_delitem_": self.delitem,
            "_unpack_": self.unpack,
            "_unpackd_": self.unpackd,
            "_fmt_": self.fmt,
            "_text_": self.check_size,
            "_key_": self.key,
        }

    # -- charging ----------------------------------------------------------------------------

    def work(self, units: int, reason: str = "builtin work") -> None:
        """Charge ``units`` of builtin work (``GasSchedule.element`` each)."""
        if units > 0:
            self.meter.consume(units * self.schedule.element, reason)  # type: ignore[union-attr]

    def units(self, x: Any) -> int:
        t = type(x)
        if t is str or t is bytes:
            return len(x) // self.byte_unit
        if t in _CONTAINERS:
            return len(x)
        if t is int:
            bits: int = x.bit_length()
            return bits // self.schedule.int_unit_bits
        if t is range:
            return range_len(x)
        return 0

    def check_int(self, r: int) -> int:
        bits = r.bit_length()
        if bits > self.limits.max_int_bits:
            raise fault(f"integer result of {bits} bits exceeds {self.limits.max_int_bits} bits")
        self.work(bits // self.schedule.int_unit_bits)
        return r

    def check_size(self, r: Any) -> Any:
        """Charge a freshly built str/bytes/list by its size and enforce the size limits."""
        t = type(r)
        if t is str or t is bytes:
            if len(r) > self.limits.max_str_size:
                raise fault(
                    f"{t.__name__} of {len(r)} exceeds the limit of {self.limits.max_str_size}"
                )
            self.work(len(r) // self.byte_unit)
        elif t is list or t is tuple or t is dict:
            if len(r) > self.limits.max_list_len:
                raise fault(
                    f"{type_name(r)} of {len(r)} items exceeds the limit of "
                    f"{self.limits.max_list_len}"
                )
            self.work(len(r))
        return r

    def measure(self, x: Any) -> int:
        """Walk a value (iteratively), charging per item and refusing deep nesting.

        Used before comparing, formatting or encoding containers: CPython does those
        recursively, and its recursion limit would trip at a stack-dependent depth.
        """
        t = type(x)
        if t is str or t is bytes:
            units = len(x) // self.byte_unit
            self.work(units)
            return units
        if t not in _CONTAINERS:
            return 0
        limit = self.limits.max_depth
        todo: list[tuple[Any, int]] = [(x, 1)]
        items = 0
        text = 0
        while todo:
            v, depth = todo.pop()
            if depth > limit:
                raise fault(f"value nested deeper than {limit} levels")
            t = type(v)
            children = v.values() if t is dict or t is MappingProxyType else v
            items += len(children)
            for c in children:
                tc = type(c)
                if tc is str or tc is bytes:
                    text += len(c)
                elif tc in _CONTAINERS:
                    todo.append((c, depth + 1))
        units = items + text // self.byte_unit
        self.work(units)
        return units

    # -- attributes --------------------------------------------------------------------------

    def getattr(self, obj: Any, name: str) -> Any:
        table = ATTRS.get(type(obj))
        if table is not None:
            entry = table.get(name)
            if entry is PLAIN:
                return getattr(obj, name)
            if entry is SIZED:
                self.work(self.units(obj))
                return getattr(obj, name)
            if entry is not None:
                return entry(self, obj)
        elif isinstance(obj, Namespace) and not name.startswith("_"):
            public = obj.__dict__
            if name in public:
                return public[name]
        raise fault(f"'{type_name(obj)}' has no attribute '{name}' available to contracts")

    # -- operators ---------------------------------------------------------------------------

    def add(self, a: Any, b: Any) -> Any:
        r = a + b
        t = type(r)
        if t is int:
            return r if -_SMALL < r < _SMALL else self.check_int(r)
        if t is str or t is bytes:
            n = len(r)
            if n < FREE_TEXT:
                return r  # short concatenations are covered by the statement's gas
            if n <= self.limits.max_str_size:
                self.meter.consume(n // self.byte_unit * self.schedule.element, "builtin work")  # type: ignore[union-attr]
                return r
        return self.check_size(r)

    def sub(self, a: Any, b: Any) -> Any:
        r = a - b
        if type(r) is int and not -_SMALL < r < _SMALL:
            self.check_int(r)
        return r

    def _repeat(self, seq: Any, n: Any) -> None:
        if type(n) not in _INTS:
            return  # let Python raise its TypeError
        size = len(seq) * max(int(n), 0)
        cap = self.limits.max_str_size if type(seq) in (str, bytes) else self.limits.max_list_len
        if size > cap:
            raise fault(f"{type_name(seq)} of {size} would exceed the limit of {cap}")
        self.work(size // self.byte_unit if type(seq) in (str, bytes) else size)

    def mul(self, a: Any, b: Any) -> Any:
        ta, tb = type(a), type(b)
        if ta in _INTS and tb in _INTS:
            if -_SMALL < a < _SMALL and -(1 << 31) < b < (1 << 31):
                r = a * b
                return r if -_SMALL < r < _SMALL else self.check_int(r)
            if a.bit_length() + b.bit_length() > self.limits.max_int_bits + 1:
                raise fault(f"integer product exceeds {self.limits.max_int_bits} bits")
            return self.check_int(a * b)
        if ta in _SEQS:
            self._repeat(a, b)
        elif tb in _SEQS:
            self._repeat(b, a)
        return a * b

    def pow(self, a: Any, b: Any) -> Any:
        if type(a) in _INTS and type(b) in _INTS:
            if b < 0:
                raise fault("negative exponents produce floats: not allowed on chain")
            if a in (0, 1, -1):
                return a**b
            if (abs(a).bit_length() - 1) * b > self.limits.max_int_bits:
                raise fault(f"power exceeds {self.limits.max_int_bits} bits")
            return self.check_int(a**b)
        return a**b

    def lshift(self, a: Any, b: Any) -> Any:
        if (
            type(a) in _INTS
            and type(b) in _INTS
            and a
            and b > 0
            and a.bit_length() + b > self.limits.max_int_bits
        ):
            raise fault(f"shift result exceeds {self.limits.max_int_bits} bits")
        return a << b

    def mod(self, a: Any, b: Any) -> Any:
        if type(a) is str or type(a) is bytes:
            raise fault("%-formatting is not supported: use f-strings")
        if type(a) is int and type(b) is int and not -_SMALL < a < _SMALL:
            self.divide_cost(a, b)
        return a % b

    def floordiv(self, a: Any, b: Any) -> Any:
        if type(a) is int and type(b) is int and not -_SMALL < a < _SMALL:
            self.divide_cost(a, b)
        return a // b

    def divide_cost(self, a: int, b: int) -> None:
        """Long division is quadratic: charge (bits/64)**2 / 4 for big operands."""
        self.work((a.bit_length() >> 6) * (b.bit_length() >> 6) // 4)

    def bitor(self, a: Any, b: Any) -> Any:
        """``a | b``: ints as usual; dict unions (a copy of both) charged by size."""
        if type(a) is dict or type(a) is MappingProxyType:
            self._merge_check(a, b)
        return a | b

    def ibitor(self, a: Any, b: Any) -> Any:
        if type(a) is dict:
            self._merge_check(a, b)
            a |= b
            return a
        return self.bitor(a, b)

    def _merge_check(self, a: Any, b: Any) -> None:
        if type(b) is dict or type(b) is MappingProxyType:
            if len(a) + len(b) > self.limits.max_list_len:
                raise fault(f"dict would exceed the limit of {self.limits.max_list_len} items")
            self.keys_of(b)
            self.work(len(a) + len(b))

    def iadd(self, a: Any, b: Any) -> Any:
        if type(a) is list:
            items = self.materialize(b)
            if len(a) + len(items) > self.limits.max_list_len:
                raise fault(f"list would exceed the limit of {self.limits.max_list_len} items")
            a += items
            return a
        return self.add(a, b)

    def imul(self, a: Any, b: Any) -> Any:
        if type(a) is list:
            self._repeat(a, b)
            a *= b
            return a
        return self.mul(a, b)

    # -- comparisons, containment, items ----------------------------------------------------------

    def key(self, k: Any) -> Any:
        """A value about to become a dict key: refuse ints that could be made to collide."""
        t = type(k)
        if t is int:
            if -KEY_INT < k < KEY_INT:
                return k
            raise fault("int dict keys must be smaller than 2**61 in magnitude")
        if t is tuple:
            for e in k:
                self.key(e)
        return k

    def keys_of(self, keys: Any) -> None:
        for k in keys:
            self.key(k)

    def pairs(self, it: Any) -> list[Any]:
        """``it``'s (key, value) pairs, keys checked *before* any dict is built from them."""
        items = self.materialize(it)
        for p in items:
            if type(p) in (list, tuple) and len(p) == 2:
                self.key(p[0])
        return items

    def dc(self, x: Any) -> Any:
        t = type(x)
        if t is int or t is bool or x is None:
            return x
        if t is str or t is bytes:
            self.work(len(x) // self.byte_unit)
        elif t in _CONTAINERS:
            self.measure(x)
        return x

    def compare_cost(self, x: Any) -> int:
        """Work units of comparing ``x`` with one item (nesting checked)."""
        t = type(x)
        if t is str or t is bytes:
            return 1 + len(x) // self.byte_unit
        if t in _CONTAINERS:
            return 1 + self.measure(x)
        return 1

    def search(self, text: Any, sub: Any) -> None:
        """Charge a substring search (CPython's is O(n*m) in the worst case for short
        needles)."""
        m = len(sub) if type(sub) in (str, bytes) else 1
        self.work((len(text) + m) // self.byte_unit * (1 + min(m, 256) // 16))

    def contains(self, x: Any, c: Any) -> bool:
        tc = type(c)
        if tc is dict or tc is MappingProxyType:
            return x in c
        if tc is list or tc is tuple:
            self.work(len(c) * self.compare_cost(x))
        elif tc is str or tc is bytes:
            self.search(c, x)
        elif tc is range and type(x) not in _INTS:
            self.work(range_len(c))
        return x in c

    def getslice(self, obj: Any, lo: Any, hi: Any, step: Any) -> Any:
        r = obj[lo:hi:step]
        if type(r) is not range:
            self.work(self.units(r))
        return r

    def delitem(self, obj: Any, key: Any) -> None:
        if type(obj) is list:
            self.work(len(obj) // 8)
        del obj[key]

    def materialize(self, it: Any) -> list[Any]:
        """A list of ``it``'s items, charged per item and capped at ``max_list_len``."""
        cap = self.limits.max_list_len
        t = type(it)
        if t in _CONTAINERS or t is str or t is bytes or t is range:
            n = range_len(it) if t is range else len(it)
            if n > cap:
                raise fault(f"{n} items exceed the limit of {cap}")
            self.work(n)
            return list(it)
        out = list(islice(it, cap + 1))
        if len(out) > cap:
            raise fault(f"more than {cap} items")
        self.work(len(out))
        return out

    def unpack(self, it: Any) -> Any:
        t = type(it)
        if t is list or t is tuple:
            self.work(len(it))
            return it
        return self.materialize(it)

    def unpackd(self, m: Any) -> Any:
        if type(m) is dict or type(m) is MappingProxyType:
            self.work(len(m))
        return m

    # -- text --------------------------------------------------------------------------------

    def to_str(self, v: Any) -> str:
        if isinstance(v, str):
            return str(v)  # exactly str: a no-op
        t = type(v)
        if t is int:
            self.int_text_cost(v)
            return str(v)
        if t is bool or v is None:
            return str(v)
        if t is bytes:
            self.work(len(v) // self.byte_unit)
            return repr(v)
        return self.to_repr(v)

    def int_text_cost(self, v: int) -> None:
        """int -> decimal text is quadratic in the number of digits."""
        units = v.bit_length() >> 6
        if units > 1:
            self.work(units * units // 2)

    def to_repr(self, v: Any) -> str:
        """``repr`` of contract data, built in Python with a depth and size budget (CPython's
        repr of nested lists recurses, and functions' reprs contain addresses)."""
        self.work(7 * self.measure(v))  # this walk is Python: ~8 units per item in all
        parts: list[str] = []
        budget = [self.limits.max_str_size]

        def put(s: str) -> None:
            budget[0] -= len(s)
            if budget[0] < 0:
                raise fault(f"text exceeds the limit of {self.limits.max_str_size}")
            parts.append(s)

        def walk(x: Any) -> None:
            t = type(x)
            if t is int:
                self.int_text_cost(x)
                put(repr(x))
            elif t is str or t is bytes or t is bool or x is None:
                put(repr(x))
            elif t is list or t is tuple:
                put("[")
                for i, e in enumerate(x):
                    if i:
                        put(", ")
                    walk(e)
                put("]")
            elif t is dict or t is MappingProxyType:
                put("{")
                for i, (k, e) in enumerate(x.items()):
                    put(", " if i else "")
                    walk(k)
                    put(": ")
                    walk(e)
                put("}")
            else:
                put(f"<{type_name(x)}>")

        walk(v)
        s = "".join(parts)
        self.work(len(s) // self.byte_unit)
        return s

    def fmt(self, v: Any, conversion: int, spec: str) -> str:
        """One f-string field: ``{v!r:>10}`` -> ``_fmt_(v, ord('r'), '>10')``."""
        if conversion == 114:  # !r
            v = self.to_repr(v)
        elif conversion == 97:  # !a
            v = ascii(self.to_repr(v))
        elif conversion == 115:  # !s
            v = self.to_str(v)
        if not spec:
            return self.to_str(v)
        m = _SPEC.match(spec)
        if m is None:
            raise fault(f"format spec {spec!r} is not supported")
        width, precision, kind = m.group(6), m.group(8), m.group(9)
        for part in (width, precision):
            if part is not None and (len(part) > 7 or int(part) > self.limits.max_str_size):
                raise fault(f"format width {part} exceeds the limit of {self.limits.max_str_size}")
        t = type(v)
        if t is str:
            if kind not in (None, "s") or m.group(3) or m.group(7):
                raise fault(f"format spec {spec!r} does not apply to str")
        elif t is int or t is bool:
            if kind == "s" or precision is not None:
                raise fault(f"format spec {spec!r} does not apply to int")
        else:
            raise fault(f"format specs apply to str and int only, not {type_name(v)}")
        if t is int:
            self.int_text_cost(v)
        out = format(v, spec)
        self.work(len(out) // self.byte_unit)
        return out


def range_len(r: Any) -> int:
    """``len(range)`` without CPython's OverflowError for huge ranges."""
    if type(r) is not range:
        return len(r)
    start, stop, step = r.start, r.stop, r.step
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // (-step))


# The whitelist of builtin types' attributes is registered by this import (it needs Sandbox).
from wuyi.runtime import attrs as _attrs  # noqa: E402

del _attrs
