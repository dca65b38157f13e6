"""The attributes of builtin types a contract may read, and how each one is guarded.

``PLAIN``: returned as is. ``SIZED``: charged by the size of the object first (predicates,
small results). Otherwise a factory returns a guarded callable: results that can grow are
size-checked and charged (``hex`` doubles its input, ``upper`` can triple it, ``split`` makes
many objects), searches are charged by length times needle, comparisons check nesting, dict
keys are checked (:meth:`Sandbox.key`). Anything not listed here is refused.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from wuyi.runtime.guards import ATTRS, PLAIN, SIZED, Sandbox, expose, fault

__all__ = ["ATTRS"]

_INTS = (int, bool)
_TEXT_CODECS = frozenset({"utf-8", "utf8", "ascii", "latin-1", "latin1"})
_CODEC_ERRORS = frozenset({"strict", "replace", "ignore"})


def _text_join(sb: Sandbox, sep: Any) -> Any:
    def join(parts: Any) -> Any:
        items = sb.materialize(parts)
        total = len(sep) * max(len(items) - 1, 0)
        for p in items:
            if type(p) is type(sep):
                total += len(p)
        if total > sb.limits.max_str_size:
            raise fault(f"joined text of {total} exceeds the limit of {sb.limits.max_str_size}")
        sb.work(total // sb.byte_unit)
        return sep.join(items)

    return join


def _text_replace(sb: Sandbox, s: Any) -> Any:
    def replace(old: Any, new: Any, count: int = -1) -> Any:
        sb.search(s, old)
        if type(old) is type(s) and type(new) is type(s):
            hits = s.count(old) if old else len(s) + 1
            if count >= 0:
                hits = min(hits, count)
            size = len(s) + hits * (len(new) - len(old))
            if size > sb.limits.max_str_size:
                raise fault(f"text of {size} would exceed the limit of {sb.limits.max_str_size}")
            sb.work(size // sb.byte_unit)
        return s.replace(old, new, count)

    return replace


def _text_checked(method: str) -> Any:
    """A str/bytes method whose result is charged and size-checked (``hex`` doubles its
    input, ``upper`` can triple it, ``split`` makes many objects)."""

    def factory(sb: Sandbox, s: Any) -> Any:
        def checked(*args: Any, **kwargs: Any) -> Any:
            sb.work(len(s) // sb.byte_unit)
            return sb.check_size(getattr(s, method)(*args, **kwargs))

        return checked

    return factory


def _text_pad(method: str) -> Any:
    def factory(sb: Sandbox, s: Any) -> Any:
        def pad(width: Any, *args: Any) -> Any:
            if type(width) in _INTS and width > sb.limits.max_str_size:
                raise fault(f"width {width} exceeds the limit of {sb.limits.max_str_size}")
            return sb.check_size(getattr(s, method)(width, *args))

        return pad

    return factory


def _text_codec(method: str) -> Any:
    def factory(sb: Sandbox, s: Any) -> Any:
        def codec(encoding: str = "utf-8", errors: str = "strict") -> Any:
            if str(encoding).lower() not in _TEXT_CODECS or errors not in _CODEC_ERRORS:
                raise fault(
                    f"only utf-8, ascii and latin-1 ({sorted(_CODEC_ERRORS)}) are available"
                )
            sb.work(len(s) // sb.byte_unit)
            return sb.check_size(getattr(s, method)(encoding, errors))

        return codec

    return factory


def _compare_method(method: str) -> Any:
    def factory(sb: Sandbox, seq: Any) -> Any:
        def compare(x: Any, *args: Any) -> Any:
            sb.work(len(seq) * sb.compare_cost(x))
            return getattr(seq, method)(x, *args)

        return compare

    return factory


def _list_pop(sb: Sandbox, lst: list[Any]) -> Any:
    def pop(index: int = -1) -> Any:
        if type(index) in _INTS and 0 <= index < len(lst):
            sb.work((len(lst) - index) // 8)
        return lst.pop(index)

    return pop


def _list_extend(sb: Sandbox, lst: list[Any]) -> Any:
    def extend(items: Any) -> None:
        sb.iadd(lst, items)

    return extend


def _list_sort(sb: Sandbox, lst: list[Any]) -> Any:
    from wuyi.runtime.builtins import sort_in_place

    def sort(*, key: Any = None, reverse: bool = False) -> None:
        sort_in_place(sb, lst, key, reverse)

    return sort


def _dict_view(kind: str) -> Any:
    def factory(sb: Sandbox, d: Any) -> Any:
        def view() -> list[Any]:
            sb.work(len(d))
            if kind == "keys":
                return list(d)
            if kind == "values":
                return list(d.values())
            return [[k, v] for k, v in d.items()]

        return view

    return factory


def _dict_update(sb: Sandbox, d: dict[str, Any]) -> Any:
    def update(other: Any = (), **kwargs: Any) -> None:
        if type(other) is dict or type(other) is MappingProxyType:
            sb.work(len(other))
            if len(d) + len(other) > sb.limits.max_list_len:
                raise fault(f"dict would exceed the limit of {sb.limits.max_list_len} items")
            sb.keys_of(other)
            d.update(other)
        else:
            d.update(sb.pairs(other))
        sb.work(len(kwargs))
        d.update(kwargs)

    return update


def _dict_setdefault(sb: Sandbox, d: dict[str, Any]) -> Any:
    def setdefault(key: Any, default: Any = None) -> Any:
        return d.setdefault(sb.key(key), default)

    return setdefault


def _dict_popitem(sb: Sandbox, d: dict[str, Any]) -> Any:
    def popitem() -> list[Any]:
        return list(d.popitem())

    return popitem


def _int_to_bytes(sb: Sandbox, n: int) -> Any:
    def to_bytes(length: int = 1, byteorder: Any = "big", *, signed: bool = False) -> bytes:
        if type(length) in _INTS and length > sb.limits.max_str_size:
            raise fault(f"length {length} exceeds the limit of {sb.limits.max_str_size}")
        out: bytes = sb.check_size(n.to_bytes(length, byteorder, signed=signed))
        return out

    return to_bytes


#: predicates and affixes that str and bytes share; str has a few more
_BYTES_SIZED = [
    "endswith",
    "isalnum",
    "isalpha",
    "isascii",
    "isdigit",
    "islower",
    "isspace",
    "isupper",
    "startswith",
]
_STR_SIZED = [
    *_BYTES_SIZED,
    "isdecimal",
    "isidentifier",
    "isnumeric",
    "isprintable",
    "istitle",
]
_STR_SEARCH = ["count", "find", "index", "rfind", "rindex"]
#: methods whose result is size-checked, on both str and bytes
_TEXT_CHECKED = [
    "lower",
    "lstrip",
    "partition",
    "removeprefix",
    "removesuffix",
    "rpartition",
    "rstrip",
    "strip",
    "upper",
    "split",
    "rsplit",
]
_STR_CHECKED = [*_TEXT_CHECKED, "capitalize", "casefold", "swapcase", "title", "splitlines"]
_BYTES_CHECKED = [*_TEXT_CHECKED, "hex"]


def _text_search(method: str) -> Any:
    def factory(sb: Sandbox, s: Any) -> Any:
        def search(sub: Any, *args: Any) -> Any:
            sb.search(s, sub)
            return getattr(s, method)(sub, *args)

        return search

    return factory


expose(
    str,
    {
        **dict.fromkeys(_STR_SIZED, SIZED),
        **{m: _text_search(m) for m in _STR_SEARCH},
        **{m: _text_checked(m) for m in _STR_CHECKED},
        "join": _text_join,
        "replace": _text_replace,
        "center": _text_pad("center"),
        "ljust": _text_pad("ljust"),
        "rjust": _text_pad("rjust"),
        "zfill": _text_pad("zfill"),
        "encode": _text_codec("encode"),
    },
)
expose(
    bytes,
    {
        **dict.fromkeys(_BYTES_SIZED, SIZED),
        **{m: _text_search(m) for m in _STR_SEARCH},
        **{m: _text_checked(m) for m in _BYTES_CHECKED},
        "join": _text_join,
        "replace": _text_replace,
        "decode": _text_codec("decode"),
    },
)
_INT_ATTRS = {"bit_length": PLAIN, "bit_count": PLAIN, "to_bytes": _int_to_bytes}
expose(int, _INT_ATTRS)
expose(bool, _INT_ATTRS)
expose(
    list,
    {
        "append": PLAIN,
        "clear": PLAIN,
        "copy": SIZED,
        "insert": SIZED,
        "reverse": SIZED,
        "pop": _list_pop,
        "extend": _list_extend,
        "sort": _list_sort,
        "count": _compare_method("count"),
        "index": _compare_method("index"),
        "remove": _compare_method("remove"),
    },
)
expose(tuple, {"count": _compare_method("count"), "index": _compare_method("index")})
_MAPPING_READ = {
    "get": PLAIN,
    "copy": SIZED,
    "keys": _dict_view("keys"),
    "values": _dict_view("values"),
    "items": _dict_view("items"),
}
expose(
    dict,
    {
        **_MAPPING_READ,
        "pop": PLAIN,
        "setdefault": _dict_setdefault,
        "clear": PLAIN,
        "update": _dict_update,
        "popitem": _dict_popitem,
    },
)
expose(MappingProxyType, _MAPPING_READ)
