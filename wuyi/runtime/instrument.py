"""Gas and size instrumentation: the AST rewrites applied after the policy accepted the source.

Metering (cheap: one local call per straight-line block, not per expression):

* ``_g_(n)`` before every block of ``n`` statements (a compound statement's header belongs to
  the block it starts in; its bodies are blocks of their own);
* ``_l_(n)`` at the top of every loop body: one loop iteration plus the block's statements;
* ``_e_(n)`` at the top of every function (and inside every lambda): the call, plus the first
  block; it also counts the call depth, ``_x_(value)`` on every return undoes it (public
  methods that nothing in the module names are entered only by the runtime, which counts
  their depth: they start with ``_g_(n)`` instead);
* ``_c_()`` as the first condition of every comprehension ``for``: one iteration.

Guards for work a single expression could make unbounded (memory or CPU bombs):

* ``a * b``, ``a ** b``, ``a << b``, ``a % b`` always, ``a + b``/``a - b``/``a | b``/``a // b``
  unless one side is an int literal (or a checked int parameter), and their augmented forms ->
  ``_mul_``, ``_pow_``, ``_lshift_``, ``_mod_``, ``_add_``, ``_sub_``, ``_or_``, ``_floordiv_``,
  ``_iadd_``, ``_imul_``, ``_ior_``: sizes are checked *before* computing, the result (or the
  quadratic work of a long division) is charged by size;
* comparisons whose operands are both non-literals -> ``_dc_(left) == right``: nested
  containers deeper than the limit are refused (CPython compares them recursively, and would
  fail at a depth that depends on the caller's stack); ``x in y`` -> ``_in_(x, y)``, charged by
  the length of ``y``;
* ``x[a:b]`` -> ``_getslice_``, ``del x[k]`` -> ``_delitem_``; ``*x``/``**x`` in displays and
  calls -> ``_unpack_``/``_unpackd_``; f-string fields -> ``_fmt_`` (width/precision checked)
  and whole f-strings -> ``_text_`` (size checked);
* dict keys that are not literals -> ``_key_(k)`` (subscript stores, displays,
  comprehensions): CPython does not randomise int hashes, so ints of 2**61 and more could be
  chosen to collide and make a dict quadratic;
* tuple displays evaluate to lists: with no tuple type reachable, no deep tuple can be built
  and hashed (hashing a deeply nested tuple overflows the C stack).
"""

from __future__ import annotations

import ast
from typing import Any

from wuyi.runtime.meter import GasSchedule

__all__ = ["Instrumenter", "bounded_int_params"]

_COMPOUND = (ast.If, ast.For, ast.While, ast.FunctionDef)
_WRAPPED_BINOPS: dict[type[ast.operator], str] = {
    ast.Mult: "_mul_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.Mod: "_mod_",
    ast.Add: "_add_",
    ast.Sub: "_sub_",
    ast.BitOr: "_or_",
    ast.FloorDiv: "_floordiv_",
}
#: operators needing no guard when one side is a small int (a literal or a checked parameter)
_LITERAL_EXEMPT = (ast.Add, ast.Sub, ast.BitOr, ast.FloorDiv)
_INPLACE: dict[type[ast.operator], str] = {
    ast.Add: "_iadd_",
    ast.Mult: "_imul_",
    ast.BitOr: "_ior_",
}


def _name(id: str) -> ast.Name:
    return ast.Name(id=id, ctx=ast.Load())


def _call(func: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    node = ast.Call(func=_name(func), args=args, keywords=[])
    return ast.copy_location(node, like)


def bounded_int_params(
    tree: ast.Module, int_params: dict[str, list[str]]
) -> dict[str, frozenset[str]]:
    """Per public method, its ``int`` parameters that behave like small int literals.

    A public method's arguments are checked before it runs (ints are at most 64 bits), so a
    parameter annotated ``int`` that is never rebound anywhere in the method needs no
    ``_add_``/``_sub_``/``_dc_`` guard — unless the module also calls the method directly
    (any other reference to its name), which would bypass the check.
    """
    loaded = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    out: dict[str, frozenset[str]] = {}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef) or fn.name in loaded or fn.name not in int_params:
            continue
        own = {id(a) for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
        rebound: set[str] = set()
        for n in ast.walk(fn):
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
                rebound.add(n.id)
            elif isinstance(n, ast.arg) and id(n) not in own:
                rebound.add(n.arg)
            elif isinstance(n, ast.FunctionDef) and n is not fn:
                rebound.add(n.name)
        out[fn.name] = frozenset(set(int_params[fn.name]) - rebound)
    return out


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant)


class Instrumenter(ast.NodeTransformer):
    """Rewrite an accepted module for metering (see the module docstring)."""

    def __init__(
        self, schedule: GasSchedule, int_params: dict[str, frozenset[str]] | None = None
    ) -> None:
        self.s = schedule
        self.tmp = 0
        self.int_params = int_params or {}
        self.bounded: frozenset[str] = frozenset()
        self.entry = False
        self.depth = 0

    def _small_int(self, node: ast.expr) -> bool:
        """An int literal, or a checked ``int`` parameter (see :func:`bounded_int_params`)."""
        if isinstance(node, ast.Constant):
            return type(node.value) in (int, bool)
        return isinstance(node, ast.Name) and node.id in self.bounded

    def instrument(self, tree: ast.Module) -> ast.Module:
        tree.body = self._body(tree.body, "_g_", 0)
        return ast.fix_missing_locations(tree)

    # -- statement lists ---------------------------------------------------------------------

    def _body(self, stmts: list[ast.stmt], hook: str, extra: int) -> list[ast.stmt]:
        """``stmts`` with a charge before each straight-line block. The first block's charge
        uses ``hook`` and adds ``extra`` (the loop iteration or the function call)."""
        out: list[ast.stmt] = []
        run: list[ast.stmt] = []
        count = 0
        first = True

        def flush() -> None:
            nonlocal count, first
            if not run:
                return
            cost = count * self.s.statement + (extra if first else 0)
            charge = ast.Expr(value=_call(hook if first else "_g_", [ast.Constant(cost)], run[0]))
            out.append(ast.copy_location(charge, run[0]))
            out.extend(run)
            run.clear()
            count = 0
            first = False

        for stmt in stmts:
            new = self.visit(stmt)
            produced = new if isinstance(new, list) else [] if new is None else [new]
            count += 1
            run.extend(produced)
            if any(isinstance(p, _COMPOUND) for p in produced):
                flush()
        flush()
        if first:  # every statement vanished: still charge the entry
            out.append(ast.Expr(value=_call(hook, [ast.Constant(extra)], stmts[0])))
        return out

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        end = ast.Return(value=None)
        ast.copy_location(end, node.body[-1])
        outer, outer_entry = self.bounded, self.entry
        # A public method nothing in the module names can only be entered by the runtime (a
        # top-level call, or invoke, which counts the depth itself): no _e_/_x_ depth pair.
        self.entry = self.depth == 0 and node.name in self.int_params
        if self.depth == 0:
            self.bounded = self.int_params.get(node.name, frozenset())
        self.depth += 1
        try:
            hook = "_g_" if self.entry else "_e_"
            node.body = self._body([*node.body, end], hook, self.s.call)
        finally:
            self.depth -= 1
            self.bounded, self.entry = outer, outer_entry
        return node

    def visit_Return(self, node: ast.Return) -> Any:
        value = self.visit(node.value) if node.value is not None else ast.Constant(None)
        node.value = value if self.entry else _call("_x_", [value], node)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        body = self.visit(node.body)
        enter = _call("_e_", [ast.Constant(self.s.call + self.s.statement)], node)
        node.body = _call("_x_", [ast.BoolOp(op=ast.Or(), values=[enter, body])], node)
        return node

    def _blocks(self, node: ast.For | ast.While | ast.If, hook: str, extra: int) -> Any:
        """``node`` with its body charged through ``hook`` (adding ``extra`` on entry) and its
        ``else`` block, if any, charged as straight-line code."""
        node.body = self._body(node.body, hook, extra)
        if node.orelse:
            node.orelse = self._body(node.orelse, "_g_", 0)
        return node

    def visit_For(self, node: ast.For) -> Any:
        node.target = self.visit(node.target)
        node.iter = self.visit(node.iter)
        return self._blocks(node, "_l_", self.s.loop_iteration)

    def visit_While(self, node: ast.While) -> Any:
        node.test = self.visit(node.test)
        return self._blocks(node, "_l_", self.s.loop_iteration)

    def visit_If(self, node: ast.If) -> Any:
        node.test = self.visit(node.test)
        return self._blocks(node, "_g_", 0)

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        self.generic_visit(node)
        node.ifs.insert(0, _call("_c_", [], node.iter))
        return node

    # -- assignments -------------------------------------------------------------------------

    def _temp(self) -> str:
        self.tmp += 1
        return f"_t{self.tmp}_"

    def visit_Assign(self, node: ast.Assign) -> Any:
        self.generic_visit(node)
        if any(isinstance(n, ast.Starred) for t in node.targets for n in ast.walk(t)):
            node.value = _call("_unpack_", [node.value], node.value)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        self.generic_visit(node)
        op = type(node.op)
        if op not in _WRAPPED_BINOPS:
            return node
        if op in _LITERAL_EXEMPT and self._small_int(node.value):
            return node
        helper = _INPLACE.get(op, _WRAPPED_BINOPS[op])
        target = node.target
        if isinstance(target, ast.Name):
            read = _name(target.id)
            new = ast.Assign(targets=[target], value=_call(helper, [read, node.value], node))
            return ast.copy_location(new, node)
        assert isinstance(target, ast.Subscript)  # attributes are refused by the policy
        obj, key = self._temp(), self._temp()
        slice_ = target.slice
        if not isinstance(slice_, ast.Constant):
            slice_ = _call("_key_", [slice_], slice_)
        out: list[ast.stmt] = [
            ast.Assign(targets=[ast.Name(obj, ast.Store())], value=target.value),
            ast.Assign(targets=[ast.Name(key, ast.Store())], value=slice_),
        ]
        current = ast.Subscript(value=_name(obj), slice=_name(key), ctx=ast.Load())
        store = ast.Subscript(value=_name(obj), slice=_name(key), ctx=ast.Store())
        out.append(ast.Assign(targets=[store], value=_call(helper, [current, node.value], node)))
        return [ast.copy_location(s, node) for s in out]

    def visit_Delete(self, node: ast.Delete) -> Any:
        self.generic_visit(node)
        out: list[ast.stmt] = []
        names: list[ast.expr] = []
        for t in node.targets:
            if isinstance(t, ast.Subscript):
                call = _call("_delitem_", [t.value, t.slice], t)
                out.append(ast.copy_location(ast.Expr(value=call), node))
            else:
                names.append(t)
        if names:
            out.insert(0, ast.copy_location(ast.Delete(targets=names), node))
        return out

    # -- expressions -------------------------------------------------------------------------

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        self.generic_visit(node)
        helper = _WRAPPED_BINOPS.get(type(node.op))
        if helper is None:
            return node
        if type(node.op) in _LITERAL_EXEMPT and (
            self._small_int(node.left) or self._small_int(node.right)
        ):
            return node
        return _call(helper, [node.left, node.right], node)

    def visit_Compare(self, node: ast.Compare) -> Any:
        operands = [node.left, *node.comparators]
        literal = [_literal(o) or self._small_int(o) for o in operands]
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.In | ast.NotIn):
            call = _call("_in_", [node.left, node.comparators[0]], node)
            if isinstance(node.ops[0], ast.NotIn):
                return ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=call), node)
            return call
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            if isinstance(op, ast.Is | ast.IsNot) or literal[i] or literal[i + 1]:
                continue
            here = operands[i]
            if not (isinstance(here, ast.Call) and ast.unparse(here.func) == "_dc_"):
                operands[i] = _call("_dc_", [here], here)
        node.left, node.comparators = operands[0], operands[1:]
        return node

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Store) and not isinstance(node.slice, ast.Constant):
            node.slice = _call("_key_", [node.slice], node.slice)  # a new dict key, maybe
            return node
        if isinstance(node.ctx, ast.Load) and isinstance(node.slice, ast.Slice):
            sl = node.slice
            parts: list[ast.expr] = [
                p if p is not None else ast.Constant(None) for p in (sl.lower, sl.upper, sl.step)
            ]
            return _call("_getslice_", [node.value, *parts], node)
        return node

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.List(elts=node.elts, ctx=ast.Load()), node)
        return node

    def visit_Starred(self, node: ast.Starred) -> Any:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = _call("_unpack_", [node.value], node.value)
        return node

    def visit_Dict(self, node: ast.Dict) -> Any:
        self.generic_visit(node)
        node.values = [
            _call("_unpackd_", [v], v) if k is None else v
            for k, v in zip(node.keys, node.values, strict=True)
        ]
        node.keys = [
            k if k is None or isinstance(k, ast.Constant) else _call("_key_", [k], k)
            for k in node.keys
        ]
        return node

    def visit_DictComp(self, node: ast.DictComp) -> Any:
        self.generic_visit(node)
        if not isinstance(node.key, ast.Constant):
            node.key = _call("_key_", [node.key], node.key)
        return node

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        for kw in node.keywords:
            if kw.arg is None:
                kw.value = _call("_unpackd_", [kw.value], kw.value)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Any:
        self.generic_visit(node)
        return _call("_text_", [node], node)  # f"{s}{s}" must not double unchecked

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        value = self.visit(node.value)
        spec: ast.expr = ast.Constant("")
        if node.format_spec is not None:
            spec = self.visit(node.format_spec)
        call = _call("_fmt_", [value, ast.Constant(node.conversion), spec], node)
        return ast.copy_location(ast.FormattedValue(value=call, conversion=-1), node)
