"""The compile-time passes before the restriction policy: they need no AST transformer.

1. :func:`prescan` — before parsing: source size, and a token-level upper bound of the
   syntactic nesting. CPython's parser fails on deep nesting at a depth that depends on how
   deep the caller's stack already is; bounding it first keeps the verdict identical on every
   node. :func:`check_tree_depth` is the backstop after parsing.
2. :class:`ScopeChecker` — every name used must be defined (locally, in the module, or as one
   of the safe builtins); it also finds the names whose attributes can be read directly
   (imports never rebound, see :attr:`ModuleFacts.static_names`).
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field
from typing import Any

from wuyi.runtime.meter import Limits
from wuyi.runtime.rules import (
    ALLOWED_MODULES,
    API_NAMES,
    BUILTIN_STATIC_ATTRS,
    CTX_ATTRS,
    FORBIDDEN_NAMES,
    SAFE_BUILTIN_NAMES,
    STATE_ATTRS,
    reject,
)

__all__ = ["ModuleFacts", "ScopeChecker", "check_tree_depth", "collect_imports", "prescan"]

# -- pass 1: before parsing -------------------------------------------------------------------

_DEEPENING_OPS = frozenset(
    [
        "+",
        "-",
        "*",
        "/",
        "%",
        "**",
        "//",
        "<<",
        ">>",
        "&",
        "|",
        "^",
        "~",
        "@",
        ".",
        "<",
        ">",
        "==",
        "!=",
        "<=",
        ">=",
        "->",
        ":=",
        "(",
        "[",
        "{",
    ]
)
_DEEPENING_WORDS = frozenset(
    {"not", "and", "or", "if", "else", "lambda", "in", "is", "await", "for", "yield"}
)
_FSTRING_DEEPENING = frozenset("+-*/%@&|^~<>.([{=!")


def _fstring_depth(text: str) -> int:
    """Upper bound of the nesting inside an f-string token's replacement fields."""
    head = 0
    while head < len(text) and text[head] not in "'\"":
        head += 1
    if "f" not in text[:head].lower():
        return 0
    n = 0
    inside = 0
    for ch in text[head:]:
        if ch == "{":
            inside += 1
        elif ch == "}":
            inside = max(0, inside - 1)
        if inside and ch in _FSTRING_DEEPENING:
            n += 1
    return n


def prescan(source: str, limits: Limits) -> None:
    """Refuse oversize sources and sources nested deeper than ``limits.max_nesting``.

    The bound is computed from tokens alone (pure Python, no recursion): per logical line, the
    open brackets plus the operators and keywords met since the last comma at each bracket
    level, plus twice the indentation, plus the length of ``elif`` chains. It is an upper
    bound of the depth of the tree :func:`ast.parse` will build.
    """
    try:
        size = len(source.encode("utf-8"))
    except UnicodeEncodeError:
        raise reject(1, "source is not valid UTF-8 text") from None
    if size > limits.max_source_size:
        raise reject(1, f"source is {size} bytes; the limit is {limits.max_source_size}")
    if "\x00" in source:
        raise reject(source[: source.index("\x00")].count("\n") + 1, "source contains NUL")
    max_number = limits.max_int_bits + 64
    indent = 0
    elifs: dict[int, int] = {}
    stack = [0]
    total = 0
    line_start = True
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            kind, text, (line, _col) = tok.type, tok.string, tok.start
            if kind == tokenize.INDENT:
                indent += 1
                continue
            if kind == tokenize.DEDENT:
                elifs.pop(indent, None)
                indent -= 1
                continue
            if kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
                stack, total, line_start = [0], 0, True
                continue
            if kind in (tokenize.NL, tokenize.COMMENT):
                continue
            if line_start:
                line_start = False
                if text == "elif":
                    elifs[indent] = elifs.get(indent, 0) + 1
                elif text != "else":
                    elifs[indent] = 0
            bump = 0
            if kind == tokenize.OP:
                if text in _DEEPENING_OPS:
                    bump = 1
                elif text in ")]}" and len(stack) > 1:
                    total -= stack.pop()
                elif text == ",":
                    total -= stack[-1]
                    stack[-1] = 0
            elif kind == tokenize.NAME and text in _DEEPENING_WORDS:
                bump = 1
            elif kind == tokenize.NUMBER and len(text) > max_number:
                raise reject(line, f"number literal of {len(text)} characters is too long")
            elif kind == tokenize.STRING:
                bump = _fstring_depth(text)
            stack[-1] += bump
            total += bump
            if kind == tokenize.OP and text in "([{":
                stack.append(0)
            depth = 2 * indent + sum(elifs.values()) + len(stack) + total
            if depth > limits.max_nesting:
                raise reject(line, f"code is nested too deeply (limit {limits.max_nesting})")
    except tokenize.TokenError as exc:
        try:  # the parser names the real culprit (the nesting was bounded up to here)
            ast.parse(source)
        except SyntaxError as syn:
            raise reject(syn.lineno or 1, f"syntax error: {syn.msg}") from None
        line = exc.args[1][0] if len(exc.args) > 1 else 1
        raise reject(line, f"syntax error: {exc.args[0]}") from None
    except (SyntaxError, IndentationError) as exc:
        raise reject(exc.lineno or 1, f"syntax error: {exc.msg}") from None


def check_tree_depth(tree: ast.AST, limit: int) -> None:
    """Backstop after parsing (iterative): refuse trees deeper than ``limit``."""
    todo: list[tuple[ast.AST, int]] = [(tree, 1)]
    while todo:
        node, d = todo.pop()
        if d > limit:
            raise reject(getattr(node, "lineno", 1), f"code is nested too deeply (limit {limit})")
        todo.extend((child, d + 1) for child in ast.iter_child_nodes(node))


# -- pass 2: names -------------------------------------------------------------------------------


@dataclass
class ModuleFacts:
    """What the checks learned about a module (used by the later passes and the runtime)."""

    doc: str | None = None
    #: module-level constant names (frozen after the module runs)
    constants: list[str] = field(default_factory=list)
    #: alias -> (module, name) for every ``import``/``from ... import``
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    #: module-level function definitions by name
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    #: names whose attributes are read directly (imports never rebound) -> allowed attributes
    static_names: dict[str, frozenset[str]] = field(default_factory=dict)
    #: aliases of ``call``/``view`` from wuyi.contract
    decorators: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[int, int, str]] = field(default_factory=list)

    def problem(self, node: Any, reason: str) -> None:
        self.problems.append((getattr(node, "lineno", 1), getattr(node, "col_offset", 0), reason))


def _targets(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]


_COMPREHENSIONS = (ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)


def _bound_here(nodes: list[Any]) -> list[str]:
    """Names bound in the scope owning ``nodes`` (nested functions and comprehensions are
    their own scopes, except for ``:=`` targets inside comprehensions)."""
    out: list[str] = []
    todo = list(nodes)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            out.append(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.append(node.name)
            todo.extend(node.decorator_list)
            if not isinstance(node, ast.ClassDef):
                todo.extend(node.args.defaults)
                todo.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        elif isinstance(node, ast.Lambda):
            todo.extend(node.args.defaults)
            continue
        elif isinstance(node, _COMPREHENSIONS):
            out.extend(
                n.target.id
                for n in ast.walk(node)
                if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)
            )
            todo.append(node.generators[0].iter)
            continue
        elif isinstance(node, ast.Import | ast.ImportFrom):
            out.extend((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            out.extend(node.names)
        todo.extend(ast.iter_child_nodes(node))
    return out


def _params(args: ast.arguments) -> list[str]:
    out = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    out += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return out


def collect_imports(tree: ast.Module, facts: ModuleFacts) -> None:
    """Record the module's allowed imports (aliases) before the other passes run."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                if a.name in ALLOWED_MODULES and a.name not in (
                    "wuyi.contract",
                    "wuyi.contract.lib",
                    "__future__",
                ):
                    facts.imports[a.asname or a.name] = (a.name, None)
        elif isinstance(stmt, ast.ImportFrom) and not stmt.level:
            module = stmt.module or ""
            if module not in ALLOWED_MODULES or module == "__future__":
                continue
            for a in stmt.names:
                if a.name in ALLOWED_MODULES[module]:
                    alias = a.asname or a.name
                    facts.imports[alias] = (module, a.name)
                    if module == "wuyi.contract" and a.name in ("call", "view"):
                        facts.decorators[alias] = a.name


class ScopeChecker(ast.NodeVisitor):
    """Resolve every name read; record the names safe for direct attribute access."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.scopes: list[set[str]] = []
        self.binding_count: dict[str, int] = {}

    def _bind(self, names: list[str]) -> set[str]:
        for n in names:
            self.binding_count[n] = self.binding_count.get(n, 0) + 1
        return set(names)

    def check(self, tree: ast.Module) -> None:
        self.scopes = [self._bind(_bound_here(tree.body))]
        for stmt in tree.body:
            self.visit(stmt)
        for alias, (module, name) in self.facts.imports.items():
            if self.binding_count.get(alias) != 1:
                continue
            if module == "wuyi.contract":
                attrs = {"state": STATE_ATTRS, "ctx": CTX_ATTRS}.get(name or "", frozenset())
                self.facts.static_names[alias] = attrs
            elif module == "wuyi.contract.lib":
                from wuyi.runtime.library import exports

                self.facts.static_names[alias] = exports(name or "")
            elif name is None:
                self.facts.static_names[alias] = ALLOWED_MODULES[module]
        for builtin, attrs in BUILTIN_STATIC_ATTRS.items():
            if builtin not in self.binding_count:
                self.facts.static_names[builtin] = attrs

    def _resolve(self, node: ast.Name) -> None:
        name = node.id
        if name.startswith("_"):
            return  # refused with a better reason by ContractPolicy
        if any(name in scope for scope in self.scopes) or name in SAFE_BUILTIN_NAMES:
            return
        if name in FORBIDDEN_NAMES:
            self.facts.problem(node, f"'{name}' is not allowed: {FORBIDDEN_NAMES[name]}")
            return
        hint = ""
        if name in API_NAMES:
            hint = f" (import it: from wuyi.contract import {name})"
        self.facts.problem(node, f"name '{name}' is not defined{hint}")

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._resolve(node)

    def _function(self, node: ast.FunctionDef | ast.Lambda, body: list[Any]) -> None:
        args = node.args
        for d in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(d)
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                self.visit(dec)
        self.scopes.append(self._bind(_params(args)) | self._bind(_bound_here(body)))
        for stmt in body:
            self.visit(stmt)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node, node.body)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node, [node.body])

    def _comprehension(self, node: Any, parts: list[Any]) -> None:
        self.visit(node.generators[0].iter)
        names: list[str] = []
        for gen in node.generators:
            names += _targets(gen.target)
        self.scopes.append(self._bind(names))
        for gen in node.generators:
            self.visit(gen.target)
            if gen is not node.generators[0]:
                self.visit(gen.iter)
            for cond in gen.ifs:
                self.visit(cond)
        for part in parts:
            self.visit(part)
        self.scopes.pop()

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node, [node.elt])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._comprehension(node, [node.elt])

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    def visit_arg(self, node: ast.arg) -> None:
        return  # annotations are read by the ABI extraction, then removed

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)
