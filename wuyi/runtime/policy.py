"""The compile-time restriction policy: a RestrictedPython ``RestrictingNodeTransformer``
subclass, run after :mod:`wuyi.runtime.scan`.

The base class contributes its whitelist of AST node types (unknown node types are refused),
its ``_``-name and inspect-attribute checks, and the ``_getattr_`` rewrite of attribute reads.
This subclass refuses everything the chain cannot run deterministically (see
``docs/contract-runtime.md`` §3 and :mod:`wuyi.runtime.rules`) and replaces the base class's
write/item/iteration proxies, which our model does not need (no classes, no ``try``, no
attribute writes) and which would cost a call per subscript: slices, iteration and sizes are
guarded by :mod:`wuyi.runtime.instrument` instead.
"""

from __future__ import annotations

import ast
from typing import Any

from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from wuyi.runtime.meter import Limits
from wuyi.runtime.rules import (
    ALLOWED_MODULES,
    FLOATS,
    FRAME_ATTRIBUTES,
    REFUSED_ATTRIBUTES,
    SETS,
    allowed_imports,
)
from wuyi.runtime.scan import ModuleFacts

__all__ = ["ContractPolicy", "is_constant_default"]

# -- pass 3: the restricting transformer -----------------------------------------------------

_CONST_TYPES = (int, str, bytes, bool, type(None))


def is_constant_default(node: ast.expr) -> bool:
    """Default values must be immutable constants (a shared mutable default would carry state
    from one call to the next on one node only)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
        return isinstance(node, ast.Constant) and type(node.value) is int
    return isinstance(node, ast.Constant) and type(node.value) in _CONST_TYPES


class ContractPolicy(RestrictingNodeTransformer):
    """RestrictedPython's transformer with the chain's rules (see the module docstring)."""

    def __init__(self, facts: ModuleFacts, limits: Limits) -> None:
        super().__init__()
        self.facts = facts
        self.limits = limits
        self.in_function = 0
        self.module_aliases: set[str] = set()

    # errors: keep (line, col, reason) instead of RestrictedPython's formatted strings
    def error(self, node: ast.AST, info: str) -> None:
        self.facts.problem(node, info)

    def refuse(self, node: ast.AST, reason: str) -> None:
        self.facts.problem(node, reason)

    # -- the module's top level -------------------------------------------------------------

    def visit_Module(self, node: ast.Module) -> Any:
        seen: set[str] = set()
        for stmt in node.body:
            names: list[str] = []
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                names = [(a.asname or a.name).split(".")[0] for a in stmt.names]
                if isinstance(stmt, ast.Import) or (
                    isinstance(stmt, ast.ImportFrom) and stmt.module == "wuyi.contract.lib"
                ):
                    self.module_aliases.update(names)  # their constants are constants here
            elif isinstance(stmt, ast.FunctionDef):
                names = [stmt.name]
            elif isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            for name in names:
                if name in seen:
                    self.refuse(stmt, f"module-level name '{name}' is bound twice")
                seen.add(name)
        body: list[ast.stmt] = []
        for i, stmt in enumerate(node.body):
            if isinstance(stmt, ast.AnnAssign):
                if stmt.value is None or not isinstance(stmt.target, ast.Name):
                    self.refuse(stmt, "module-level annotations need a name and a value")
                    continue
                stmt = copy_assign(stmt, stmt.target, stmt.value)
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                if type(stmt.value.value) is str:
                    if i == 0:
                        self.facts.doc = stmt.value.value
                    continue  # docstrings and other string statements: dropped
            elif isinstance(stmt, ast.Assign):
                self._module_assign(stmt)
            elif not isinstance(stmt, ast.Import | ast.ImportFrom | ast.FunctionDef):
                self.refuse(
                    stmt,
                    "only imports, function definitions and constant assignments are allowed"
                    " at module level",
                )
            body.append(stmt)
        node.body = body
        return self.node_contents_visit(node)

    def _module_assign(self, stmt: ast.Assign) -> None:
        for t in stmt.targets:
            if not isinstance(t, ast.Name):
                self.refuse(stmt, "module-level assignments must bind a single name")
                return
            self.facts.constants.append(t.id)
        if not self._is_constant_expr(stmt.value):
            self.refuse(
                stmt,
                "module-level values must be constants (literals, lists, dicts and arithmetic"
                " on them): module state is read-only; use state for data",
            )

    def _is_constant_expr(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.List | ast.Tuple):
            return all(self._is_constant_expr(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(k is not None and self._is_constant_expr(k) for k in node.keys) and all(
                self._is_constant_expr(v) for v in node.values
            )
        if isinstance(node, ast.UnaryOp):
            return self._is_constant_expr(node.operand)
        if isinstance(node, ast.BinOp):
            return self._is_constant_expr(node.left) and self._is_constant_expr(node.right)
        if isinstance(node, ast.Name):
            return True  # an earlier constant (a later one fails when the module runs)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.value.id in self.module_aliases  # e.g. string.digits
        return False

    # -- imports -------------------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> Any:
        if self.in_function:
            self.refuse(node, "imports are only allowed at module level")
        for alias in node.names:
            if alias.name in ("wuyi.contract", "wuyi.contract.lib"):
                self.refuse(node, f"use 'from {alias.name} import ...'")
            elif alias.name not in ALLOWED_MODULES or alias.name == "__future__":
                self.refuse(node, f"import of '{alias.name}' is not allowed ({allowed_imports()})")
        return self.check_import_names(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        if self.in_function:
            self.refuse(node, "imports are only allowed at module level")
        module = node.module or ""
        if node.level or module not in ALLOWED_MODULES:
            self.refuse(
                node,
                f"import from '{'.' * node.level}{module}' is not allowed ({allowed_imports()})",
            )
            return self.check_import_names(node)
        for alias in node.names:
            if alias.name != "*" and alias.name not in ALLOWED_MODULES[module]:
                self.refuse(node, f"'{alias.name}' cannot be imported from '{module}'")
        checked = self.check_import_names(node)
        return None if module == "__future__" else checked  # annotations are never evaluated

    # -- functions -----------------------------------------------------------------------------

    def _check_args(self, node: ast.FunctionDef | ast.Lambda) -> None:
        args = node.args
        if args.vararg or args.kwarg:
            self.refuse(node, "*args and **kwargs parameters are not allowed")
        for d in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            if not is_constant_default(d):
                self.refuse(
                    d,
                    "default values must be constants (int, str, bytes, bool or None);"
                    " use None for lists and dicts",
                )
        for a in args.posonlyargs + args.args + args.kwonlyargs:
            a.annotation = None  # read by the ABI extraction already; never evaluated

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        if self.in_function:
            if node.decorator_list:
                self.refuse(node, "nested functions cannot have decorators")
        else:
            self.facts.functions[node.name] = node
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                if not (isinstance(target, ast.Name) and target.id in self.facts.decorators):
                    self.refuse(dec, "only @call and @view (from wuyi.contract) are allowed")
        self._check_args(node)
        node.returns = None
        self.in_function += 1
        try:
            return super().visit_FunctionDef(node)
        finally:
            self.in_function -= 1

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        self._check_args(node)
        return super().visit_Lambda(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        if node.value is None:
            return None  # a bare declaration: nothing to run
        return self.visit_Assign(copy_assign(node, node.target, node.value))

    # -- names and attributes --------------------------------------------------------------------

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        if name is None:
            return
        if name.startswith("_") and name != "_":
            self.refuse(node, f"names starting with '_' are not allowed ('{name}')")

    def visit_Name(self, node: ast.Name) -> Any:
        self.check_name(node, node.id)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        attr = node.attr
        if attr.startswith("_"):
            self.refuse(node, f"attribute names starting with '_' are not allowed ('{attr}')")
            return node
        if attr in FRAME_ATTRIBUTES:
            self.refuse(node, f"frame, code and traceback attributes are not allowed ('{attr}')")
            return node
        if attr in REFUSED_ATTRIBUTES:
            self.refuse(node, REFUSED_ATTRIBUTES[attr])
            return node
        if not isinstance(node.ctx, ast.Load):
            self.refuse(node, "assigning or deleting attributes is not allowed")
            return node
        value = node.value
        if isinstance(value, ast.Name) and value.id in self.facts.static_names:
            if attr not in self.facts.static_names[value.id]:
                self.refuse(node, f"'{value.id}' has no attribute '{attr}'")
            self.visit(value)
            return node  # our own object, every public attribute safe: read directly
        return super().visit_Attribute(node)  # -> _getattr_(value, 'attr')

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        node = self.node_contents_visit(node)
        if not isinstance(node.ctx, ast.Load) and isinstance(node.slice, ast.Slice):
            self.refuse(node, "assigning or deleting slices is not supported")
        return node  # no item proxies: slices are charged by the instrumenter

    def visit_Call(self, node: ast.Call) -> Any:
        return self.node_contents_visit(node)  # no _apply_: starred args are guarded instead

    def visit_Assign(self, node: ast.Assign) -> Any:
        return self.node_contents_visit(node)  # no unpack proxies (nothing to protect)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        self._check_op(node)
        return self.node_contents_visit(node)  # subscripts allowed; attributes refused above

    def guard_iter(self, node: Any) -> Any:
        target = node.target
        if any(isinstance(n, ast.Starred) for n in ast.walk(target)):
            self.refuse(node, "starred targets are not supported in loops")
        if getattr(node, "is_async", 0):
            self.refuse(node, "async code is not allowed")
        return self.node_contents_visit(node)  # iteration is metered per iteration instead

    # -- literals and operators ----------------------------------------------------------------

    def visit_Constant(self, node: ast.Constant) -> Any:
        v = node.value
        if isinstance(v, float | complex):
            self.refuse(node, FLOATS)
        elif v is Ellipsis:
            self.refuse(node, "'...' is not allowed")
        elif type(v) is int and v.bit_length() > self.limits.max_int_bits:
            self.refuse(node, f"integer literal exceeds {self.limits.max_int_bits} bits")
        return node

    def _check_op(self, node: ast.BinOp | ast.AugAssign) -> None:
        if isinstance(node.op, ast.Div):
            self.refuse(node, "true division '/' produces floats: use '//'")
        elif isinstance(node.op, ast.MatMult):
            self.refuse(node, "the '@' operator is not available")

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        self._check_op(node)
        return self.node_contents_visit(node)

    def visit_Compare(self, node: ast.Compare) -> Any:
        if len(node.ops) > 1 and any(isinstance(o, ast.In | ast.NotIn) for o in node.ops):
            self.refuse(node, "chained comparisons with 'in' are not supported")
        return self.node_contents_visit(node)

    # -- refused statements and expressions ---------------------------------------------------

    def _refused(self, node: ast.AST, reason: str) -> Any:
        self.refuse(node, reason)
        return node

    def visit_Set(self, node: ast.Set) -> Any:
        return self._refused(node, SETS + "; use a dict or a sorted list")

    def visit_SetComp(self, node: ast.SetComp) -> Any:
        return self._refused(node, SETS + "; use a dict or a sorted list")

    def visit_Try(self, node: ast.Try) -> Any:
        return self._refused(
            node, "try/except is not allowed: errors abort the call (check with require())"
        )

    def visit_TryStar(self, node: ast.AST) -> Any:
        return self.visit_Try(node)  # type: ignore[arg-type]

    def visit_With(self, node: ast.With) -> Any:
        return self._refused(node, "'with' statements are not allowed")

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        return self._refused(node, "class definitions are not allowed: use functions and dicts")

    def visit_Global(self, node: ast.Global) -> Any:
        return self._refused(node, "'global' is not allowed: module values are read-only")

    def visit_Nonlocal(self, node: ast.Nonlocal) -> Any:
        return self._refused(node, "'nonlocal' is not allowed")

    def visit_Raise(self, node: ast.Raise) -> Any:
        return self._refused(node, "'raise' is not allowed: use revert(message) or require()")

    def visit_Assert(self, node: ast.Assert) -> Any:
        return self._refused(
            node, "'assert' is not allowed (python -O removes it): use require(cond, message)"
        )

    def visit_Yield(self, node: ast.Yield) -> Any:
        return self._refused(node, "generators ('yield') are not allowed")

    def visit_YieldFrom(self, node: ast.YieldFrom) -> Any:
        return self._refused(node, "generators ('yield') are not allowed")

    def visit_Await(self, node: ast.Await) -> Any:
        return self._refused(node, "async code is not allowed")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> Any:
        return self._refused(node, "async code is not allowed")

    def visit_TemplateStr(self, node: ast.AST) -> Any:
        return self._refused(node, "template strings are not allowed")


def copy_assign(old: ast.stmt, target: ast.expr, value: ast.expr) -> ast.Assign:
    new = ast.Assign(targets=[target], value=value)
    copy_locations(new, old)
    return new
