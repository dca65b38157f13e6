"""A contract's interface: its public methods, their typed parameters, and argument checks.

Public methods are module-level functions decorated ``@call`` or ``@view`` (optionally with a
guard: ``@call(policy="OR('a.admin', 'b.member')", roles=["inspector"])``; ``@call(public=True)``
also admits callers who are not organisation members but sign with a key of an active DID).
Parameters are typed
by annotations, read from the source (never evaluated)::

    int  str  bytes  bool  list  dict  Any  list[T]  dict[str, T]  T | None  Optional[T]

``bool`` is not an ``int`` here, and arguments are checked before the body runs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wuyi.encoding import validate_value
from wuyi.exceptions import EncodingError, ValidationError
from wuyi.runtime.policy import is_constant_default
from wuyi.runtime.scan import ModuleFacts

__all__ = ["ContractInfo", "MethodInfo", "Param", "extract_interface", "validate_args"]

METHOD_NAME = re.compile(r"^[a-z][a-zA-Z0-9_]{0,63}$")
ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,31}$")

Check = Callable[[Any], "str | None"]
_EXACT: dict[str, type] = {
    "int": int,
    "str": str,
    "bytes": bytes,
    "bool": bool,
    "list": list,
    "dict": dict,
}


@dataclass(frozen=True)
class Param:
    """One parameter: ``type`` is the canonical type text (``"list[int]"``, ``"str | None"``)."""

    name: str
    type: str
    required: bool
    default: Any = None
    check: Check = field(default=lambda v: None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "required": self.required}
        if not self.required:
            out["default"] = self.default
        return out


@dataclass(frozen=True)
class MethodInfo:
    """A public method: ``kind`` is ``"call"`` (may write) or ``"view"`` (read-only)."""

    name: str
    kind: str
    params: tuple[Param, ...]
    returns: str | None = None
    doc: str | None = None
    policy: str | None = None
    roles: tuple[str, ...] = ()
    line: int = 0
    public: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {p.name: p for p in self.params})
        object.__setattr__(self, "required", tuple(p.name for p in self.params if p.required))
        object.__setattr__(self, "guarded", bool(self.policy or self.roles))
        simple = all(p.required and p.type in _EXACT for p in self.params)
        fast = tuple((p.name, _EXACT[p.type]) for p in self.params) if simple else None
        object.__setattr__(self, "fast", fast)

    #: parameters by name, the required ones, and whether a guard applies (derived)
    by_name: Mapping[str, Param] = field(init=False, repr=False, compare=False)
    required: tuple[str, ...] = field(init=False, repr=False, compare=False)
    guarded: bool = field(init=False, repr=False, compare=False)
    #: (name, exact type) of every parameter when all are required and of a simple type
    fast: tuple[tuple[str, type], ...] | None = field(init=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "params": [p.to_dict() for p in self.params],
            "returns": self.returns,
            "doc": self.doc,
            "policy": self.policy,
            "roles": list(self.roles),
            "public": self.public,
        }


@dataclass(frozen=True)
class ContractInfo:
    """What ``check_source`` learned: the ABI the ledger stores and the console shows."""

    name: str
    code_hash: bytes
    methods: Mapping[str, MethodInfo]
    roles: tuple[str, ...] = ()
    doc: str | None = None

    @property
    def abi(self) -> dict[str, Any]:
        """Canonical-encodable: ``{doc, roles, methods: {name: {kind, params, ...}}}``."""
        return {
            "doc": self.doc,
            "roles": list(self.roles),
            "methods": {name: m.to_dict() for name, m in self.methods.items()},
        }


# -- argument types ------------------------------------------------------------------------------


def _type_name(v: Any) -> str:
    return "None" if v is None else type(v).__name__


def _exact(t: type) -> Check:
    def check(v: Any) -> str | None:
        return None if type(v) is t else _type_name(v)

    return check


def _list_of(inner: Check) -> Check:
    def check(v: Any) -> str | None:
        if type(v) is not list:
            return _type_name(v)
        for i, item in enumerate(v):
            problem = inner(item)
            if problem is not None:
                return f"list with {problem} at index {i}"
        return None

    return check


def _dict_of(inner: Check) -> Check:
    def check(v: Any) -> str | None:
        if type(v) is not dict:
            return _type_name(v)
        for k, item in v.items():
            if type(k) is not str:
                return f"dict with a {_type_name(k)} key"
            problem = inner(item)
            if problem is not None:
                return f"dict with {problem} at key {k!r}"
        return None

    return check


def _optional(inner: Check) -> Check:
    def check(v: Any) -> str | None:
        return None if v is None else inner(v)

    return check


def _any(v: Any) -> str | None:
    return None


_SIMPLE: dict[str, Check] = {
    "int": _exact(int),
    "str": _exact(str),
    "bytes": _exact(bytes),
    "bool": _exact(bool),
    "list": _exact(list),
    "dict": _exact(dict),
    "Any": _any,
}


class _BadType(Exception):
    pass


def parse_type(node: ast.expr) -> tuple[str, Check]:
    """Annotation AST -> (canonical text, checker); :class:`_BadType` if unsupported."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            raise _BadType from None
    if isinstance(node, ast.Name) and node.id in _SIMPLE:
        return node.id, _SIMPLE[node.id]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        outer = node.value.id
        if outer == "list":
            text, inner = parse_type(node.slice)
            return f"list[{text}]", _list_of(inner)
        if outer == "dict" and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
            key, value = node.slice.elts
            if not (isinstance(key, ast.Name) and key.id == "str"):
                raise _BadType
            text, inner = parse_type(value)
            return f"dict[str, {text}]", _dict_of(inner)
        if outer == "Optional":
            text, inner = parse_type(node.slice)
            return f"{text} | None", _optional(inner)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        nones = [s for s in sides if isinstance(s, ast.Constant) and s.value is None]
        if len(nones) == 1:
            (other,) = [s for s in sides if s is not nones[0]]
            text, inner = parse_type(other)
            return f"{text} | None", _optional(inner)
    raise _BadType


def validate_args(method: MethodInfo, args: Mapping[str, Any]) -> Mapping[str, Any]:
    """Check ``args`` against ``method``'s parameters; :class:`ValidationError` names the
    field. Returns the keyword arguments to call the method with."""
    fast = method.fast
    if fast is not None and len(args) == len(fast):
        for name, t in fast:
            if type(args.get(name)) is not t:
                break
        else:
            return args
    by_name = method.by_name
    for key, value in args.items():
        p = by_name.get(key)
        if p is None:
            raise ValidationError(
                f"unknown argument '{key}' for method '{method.name}'", field=str(key)
            )
        problem = p.check(value)
        if problem is not None:
            raise ValidationError(f"argument '{key}' must be {p.type}, got {problem}", field=key)
    for name in method.required:
        if name not in args:
            raise ValidationError(
                f"missing argument '{name}' for method '{method.name}'", field=name
            )
    return args


# -- extraction from the source ------------------------------------------------------------------


def _str_list(node: ast.expr) -> list[str] | None:
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    out = []
    for e in node.elts:
        if not (isinstance(e, ast.Constant) and type(e.value) is str):
            return None
        out.append(e.value)
    return out


def _guard(dec: ast.Call, facts: ModuleFacts) -> tuple[str | None, tuple[str, ...], bool]:
    policy: str | None = None
    roles: tuple[str, ...] = ()
    public = False
    if dec.args:
        facts.problem(
            dec, "decorator arguments must be given by name: policy=..., roles=[...], public=..."
        )
    for kw in dec.keywords:
        if kw.arg == "policy":
            if not (isinstance(kw.value, ast.Constant) and type(kw.value.value) is str):
                facts.problem(kw.value, "policy must be a string constant")
            elif kw.value.value.strip():
                policy = kw.value.value
        elif kw.arg == "roles":
            names = _str_list(kw.value)
            if names is None:
                facts.problem(kw.value, "roles must be a list of string constants")
                continue
            for r in names:
                if not ROLE_NAME.match(r):
                    facts.problem(kw.value, f"role {r!r} must match {ROLE_NAME.pattern}")
            roles = tuple(names)
        elif kw.arg == "public":
            if not (isinstance(kw.value, ast.Constant) and type(kw.value.value) is bool):
                facts.problem(kw.value, "public must be True or False")
            else:
                public = kw.value.value
        else:
            facts.problem(dec, f"unknown decorator argument '{kw.arg}' (policy, roles, public)")
    return policy, roles, public


def _method(fn: ast.FunctionDef, facts: ModuleFacts) -> MethodInfo | None:
    decs = [d for d in fn.decorator_list]
    if not decs:
        return None
    if len(decs) > 1:
        facts.problem(fn, "a method takes one decorator: @call or @view")
        return None
    dec = decs[0]
    target = dec.func if isinstance(dec, ast.Call) else dec
    if not (isinstance(target, ast.Name) and target.id in facts.decorators):
        return None  # refused by the policy
    kind = facts.decorators[target.id]
    policy, roles, public = _guard(dec, facts) if isinstance(dec, ast.Call) else (None, (), False)
    if public and kind != "call":
        facts.problem(dec, "public=True applies to @call methods (views are open to queries)")
    if not METHOD_NAME.match(fn.name):
        facts.problem(fn, f"public method name '{fn.name}' must match {METHOD_NAME.pattern}")
    args = fn.args
    if args.posonlyargs:
        facts.problem(fn, "public methods cannot have positional-only parameters")
    params: list[Param] = []
    positional = args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    pairs = list(zip(positional, defaults, strict=True))
    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    for arg, default in pairs:
        if arg.annotation is None:
            facts.problem(arg, f"parameter '{arg.arg}' of '{fn.name}' needs a type annotation")
            continue
        try:
            text, check = parse_type(arg.annotation)
        except _BadType:
            facts.problem(
                arg,
                f"parameter '{arg.arg}': annotation '{ast.unparse(arg.annotation)}' is not"
                " supported (int, str, bytes, bool, list, dict, Any, list[T], dict[str, T],"
                " T | None)",
            )
            continue
        if default is None:
            params.append(Param(arg.arg, text, True, None, check))
            continue
        if not is_constant_default(default):
            params.append(Param(arg.arg, text, False, None, check))
            continue  # refused by the policy, with the reason
        value = _default_value(default)
        problem = check(value)
        try:
            validate_value(value)
        except EncodingError:
            problem = "a value outside the canonical model"
        if problem is not None:
            facts.problem(default, f"default of '{arg.arg}' must be {text}, got {problem}")
        params.append(Param(arg.arg, text, False, value, check))
    returns = ast.unparse(fn.returns) if fn.returns is not None else None
    return MethodInfo(
        name=fn.name,
        kind=kind,
        params=tuple(params),
        returns=returns,
        doc=ast.get_docstring(fn),
        policy=policy,
        roles=roles,
        line=fn.lineno,
        public=public,
    )


def _default_value(node: ast.expr) -> Any:
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        v = node.operand.value
        return -v if isinstance(node.op, ast.USub) and type(v) is int else v
    return node.value if isinstance(node, ast.Constant) else None


def extract_interface(
    tree: ast.Module, facts: ModuleFacts
) -> tuple[dict[str, MethodInfo], tuple[str, ...]]:
    """The public methods (in source order) and the declared ``ROLES`` of a module.

    Problems are added to ``facts``; run before the policy pass (which removes annotations).
    """
    methods: dict[str, MethodInfo] = {}
    roles: tuple[str, ...] = ()
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            m = _method(stmt, facts)
            if m is not None:
                methods[m.name] = m
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "ROLES" for t in targets):
                names = _str_list(stmt.value) if stmt.value is not None else None
                if names is None:
                    facts.problem(stmt, "ROLES must be a list of role names (string constants)")
                    continue
                for r in names:
                    if not ROLE_NAME.match(r):
                        facts.problem(stmt, f"role {r!r} must match {ROLE_NAME.pattern}")
                roles = tuple(dict.fromkeys(names))
    return methods, roles
