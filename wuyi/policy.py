"""The permission-policy language: who must approve, over organisations and roles.

Pure: no I/O, no clock, no randomness. Modelled on Hyperledger Fabric's signature policies
(``AND('Org1.member', 'Org2.member')``, ``OutOf(2, ...)``) and its implicit-meta policies
(``MAJORITY Admins``). Grammar (keywords are case-insensitive, whitespace is free)::

    policy    := principal | gate | meta
    principal := "'" org "." role "'"            ('...' or "...")
    org       := [a-z][a-z0-9_-]{1,31} | "*"      ("*": any organisation)
    role      := [a-z][a-z0-9_]{1,31}             ("member": any active member of the org)
    gate      := AND "(" policy ("," policy)* ")"
               | OR  "(" policy ("," policy)* ")"
               | OutOf "(" k "," policy ("," policy)* ")"       1 <= k <= number of policies
    meta      := (MAJORITY | ALL | ANY) [ "(" "'" role "'" ")" ]  role defaults to admin

Semantics. A policy is evaluated against a list of :class:`Approver` s (distinct signers or
voters, each with its organisation and roles) and the chain's ACTIVE organisations:

* approvers whose organisation is not active are ignored; an approver listed twice (same
  address) counts once;
* ``'o.r'`` is satisfied by one approver of organisation ``o`` (any organisation for ``*``)
  holding role ``r`` (any role for ``member``);
* ``OutOf(k, p1..pn)`` needs ``k`` of the ``pi``; ``AND`` is ``OutOf(n, ...)``, ``OR`` is
  ``OutOf(1, ...)``;
* ``MAJORITY('r')`` / ``ALL('r')`` / ``ANY('r')``: more than half / all / at least one of the
  ``n`` active organisations are each represented by an approver of that organisation holding
  ``r``. It behaves exactly as ``OutOf(t, 'o1.r', ..., 'on.r')`` over the active organisations
  (``t = n // 2 + 1``, ``n`` or ``1``); with no active organisation it is never satisfied;
* Fabric's rule: **each approver satisfies at most one principal** in the whole expression, so
  ``AND('a.admin', 'a.admin')`` needs two different admins of ``a``. Evaluation finds an
  assignment if one exists (a backtracking search over which children to satisfy, with
  bipartite matching of principals to approvers); the work is bounded by
  :data:`MAX_EVAL_STEPS` and a policy that exceeds it raises :class:`PolicyInvalid` rather than
  guess.

Limits: at most :data:`MAX_POLICY_CHARS` characters, :data:`MAX_PRINCIPALS` principals (a meta
policy counts as one) and nesting depth :data:`MAX_DEPTH` (a principal has depth 1).
``str(policy)`` is the canonical form (``AND('a.admin', 'b.admin')``, ``OutOf(2, ...)``,
``MAJORITY``, ``ANY('client')``); ``parse_policy(str(p)) == p``. Parse errors are
:class:`PolicyInvalid` naming the problem and the 0-based character ``position``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from wuyi.exceptions import PolicyInvalid

__all__ = [
    "MAX_DEPTH",
    "MAX_EVAL_STEPS",
    "MAX_POLICY_CHARS",
    "MAX_PRINCIPALS",
    "Approver",
    "Gate",
    "Meta",
    "Policy",
    "SignedBy",
    "parse_policy",
]

MAX_POLICY_CHARS = 4096
MAX_PRINCIPALS = 64
MAX_DEPTH = 8
MAX_EVAL_STEPS = 200_000
_MAX_EXPLAIN_CHARS = 600

_ORG_ID = re.compile(r"[a-z][a-z0-9_-]{1,31}")
_ROLE = re.compile(r"[a-z][a-z0-9_]{1,31}")
_GATES = {"and": "AND", "or": "OR", "outof": "OutOf"}
_METAS = {"majority": "MAJORITY", "all": "ALL", "any": "ANY"}


@dataclass(frozen=True, slots=True)
class Approver:
    """One distinct signer or voter: its address, organisation and roles (at evaluation)."""

    address: bytes
    org: str
    roles: tuple[str, ...]

    def is_holder(self, org: str, role: str) -> bool:
        """Does this approver match principal ``'org.role'``?"""
        return (org == "*" or org == self.org) and (role == "member" or role in self.roles)


# -- the expression tree ------------------------------------------------------------------------


class Policy(ABC):
    """A parsed policy expression (immutable, hashable, compared structurally)."""

    __slots__ = ()

    @abstractmethod
    def __str__(self) -> str: ...

    @abstractmethod
    def _compile(self, b: _Builder) -> _Node | None:
        """This expression as an internal threshold tree (``None``: never satisfiable)."""

    @abstractmethod
    def _explain(self, approvers: list[Approver], active: tuple[str, ...]) -> str: ...

    @abstractmethod
    def referenced_roles(self) -> tuple[str, ...]:
        """Every role named in the expression (sorted, without duplicates)."""

    def evaluate(self, approvers: Iterable[Approver], active_orgs: Collection[str]) -> bool:
        """Do ``approvers`` satisfy this policy, given the chain's active organisations?"""
        apps, active = _prepare(approvers, active_orgs)
        return _evaluate(self, apps, active)

    def explain_missing(self, approvers: Iterable[Approver], active_orgs: Collection[str]) -> str:
        """What is still missing, for an error message ("" when the policy is satisfied)."""
        apps, active = _prepare(approvers, active_orgs)
        if _evaluate(self, apps, active):
            return ""
        text = self._explain(apps, active)
        if len(text) > _MAX_EXPLAIN_CHARS:
            text = text[: _MAX_EXPLAIN_CHARS - 3] + "..."
        return text


@dataclass(frozen=True, slots=True)
class SignedBy(Policy):
    """``'org.role'``: one approver of ``org`` (``*``: any) holding ``role`` (``member``: any)."""

    org: str
    role: str

    def __str__(self) -> str:
        return f"'{self.org}.{self.role}'"

    @property
    def label(self) -> str:
        return f"{self.org}.{self.role}"

    def referenced_roles(self) -> tuple[str, ...]:
        return (self.role,)

    def _compile(self, b: _Builder) -> _Node | None:
        return b.leaf(self.org, self.role)

    def _explain(self, approvers: list[Approver], active: tuple[str, ...]) -> str:
        return f"needs approval from {self.label}"


@dataclass(frozen=True, slots=True)
class Gate(Policy):
    """``AND``/``OR``/``OutOf(k, ...)``: ``k`` of ``children`` must be satisfied."""

    op: str  # "AND" | "OR" | "OutOf"
    k: int
    children: tuple[Policy, ...]

    def __str__(self) -> str:
        inner = ", ".join(str(c) for c in self.children)
        if self.op == "OutOf":
            return f"OutOf({self.k}, {inner})"
        return f"{self.op}({inner})"

    def referenced_roles(self) -> tuple[str, ...]:
        return tuple(sorted({r for c in self.children for r in c.referenced_roles()}))

    def _compile(self, b: _Builder) -> _Node | None:
        return b.gate(self.k, [c._compile(b) for c in self.children])

    def _explain(self, approvers: list[Approver], active: tuple[str, ...]) -> str:
        if all(isinstance(c, SignedBy) for c in self.children):
            leaves = [c for c in self.children if isinstance(c, SignedBy)]
            matched = _max_matching(leaves, approvers)
            missing = self.k - len(matched)
            labels = _dedupe(c.label for i, c in enumerate(leaves) if i not in matched)
            return f"needs approval from {missing} more of: {', '.join(labels)}"
        ok = [_evaluate(c, approvers, active) for c in self.children]
        have = sum(ok)
        todo = [c for c, s in zip(self.children, ok, strict=True) if not s]
        if have >= self.k:
            return (
                f"needs {self.k} of: {', '.join(str(c) for c in self.children)}; each approver"
                f" counts once, and the approvers so far cannot satisfy {self.k} of them together"
            )
        parts = [
            c.label if isinstance(c, SignedBy) else f"[{c}: {c._explain(approvers, active)}]"
            for c in todo
        ]
        return f"needs {self.k - have} more of: {', '.join(parts)}"


@dataclass(frozen=True, slots=True)
class Meta(Policy):
    """``MAJORITY``/``ALL``/``ANY`` of the active organisations, each through one approver
    of that organisation holding ``role``."""

    rule: str  # "MAJORITY" | "ALL" | "ANY"
    role: str = "admin"

    def __str__(self) -> str:
        return self.rule if self.role == "admin" else f"{self.rule}('{self.role}')"

    def referenced_roles(self) -> tuple[str, ...]:
        return (self.role,)

    def threshold(self, n_active: int) -> int:
        """How many of ``n_active`` organisations must be represented."""
        if self.rule == "MAJORITY":
            return n_active // 2 + 1
        if self.rule == "ALL":
            return max(n_active, 1)
        return 1

    def _compile(self, b: _Builder) -> _Node | None:
        return b.gate(self.threshold(len(b.active)), [b.leaf(org, self.role) for org in b.active])

    def _explain(self, approvers: list[Approver], active: tuple[str, ...]) -> str:
        have = [o for o in active if any(a.is_holder(o, self.role) for a in approvers)]
        not_yet = [o for o in active if o not in have]
        what = self.rule.lower() + ("" if self.role == "admin" else f", role {self.role}")
        text = (
            f"needs {self.threshold(len(active))} of {len(active)} organisations ({what});"
            f" have {len(have)}" + (": " + ", ".join(have) if have else "")
        )
        if not_yet:
            text += "; not yet: " + ", ".join(not_yet)
        return text


def _dedupe(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for s in items:
        if s not in out:
            out.append(s)
    return out


# -- parsing ------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<word>[A-Za-z]+)|(?P<int>[0-9]+)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<punct>[(),]))"
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # word | int | str | punct | end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            toks.append(_Tok("end", "", pos))
            return toks
        m = _TOKEN.match(text, pos)
        if m is None or m.lastgroup is None:
            ch = text[pos]
            if ch in "'\"":
                raise PolicyInvalid(
                    f"policy at position {pos}: unterminated quoted principal", position=pos
                )
            raise PolicyInvalid(f"policy at position {pos}: unexpected {ch!r}", position=pos)
        kind = m.lastgroup
        toks.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokenize(text)
        self.i = 0
        self.principals = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        t = self.toks[self.i]
        if t.kind != "end":
            self.i += 1
        return t

    @staticmethod
    def fail(msg: str, tok: _Tok) -> PolicyInvalid:
        return PolicyInvalid(f"policy at position {tok.pos}: {msg}", position=tok.pos)

    @staticmethod
    def show(tok: _Tok) -> str:
        return "the end of the policy" if tok.kind == "end" else repr(tok.text)

    def expect(self, punct: str) -> _Tok:
        t = self.next()
        if t.kind != "punct" or t.text != punct:
            raise self.fail(f"expected '{punct}', found {self.show(t)}", t)
        return t

    def count_principal(self, tok: _Tok) -> None:
        self.principals += 1
        if self.principals > MAX_PRINCIPALS:
            raise self.fail(f"more than {MAX_PRINCIPALS} principals", tok)

    def policy(self, depth: int) -> Policy:
        t = self.next()
        if depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels", t)
        if t.kind == "str":
            self.count_principal(t)
            return self.principal(t)
        if t.kind == "word":
            word = t.text.lower()
            if word in _GATES:
                return self.gate(_GATES[word], t, depth)
            if word in _METAS:
                self.count_principal(t)
                return self.meta(_METAS[word])
            raise self.fail(
                f"unknown keyword {t.text!r} (expected AND, OR, OutOf, MAJORITY, ALL or ANY)", t
            )
        raise self.fail(
            f"expected a principal like 'org.role', a gate or a meta policy, found {self.show(t)}",
            t,
        )

    def principal(self, t: _Tok) -> SignedBy:
        body = t.text[1:-1]
        org, dot, role = body.partition(".")
        if not dot:
            raise self.fail(f"principal {t.text} must be 'org.role'", t)
        if org != "*" and not _ORG_ID.fullmatch(org):
            raise self.fail(
                f"principal {t.text}: organisation id {org!r} must be '*' or 2-32 chars of"
                " a-z, 0-9, '_' or '-', starting with a letter",
                t,
            )
        if not _ROLE.fullmatch(role):
            raise self.fail(
                f"principal {t.text}: role {role!r} must be 2-32 chars of a-z, 0-9 or '_',"
                " starting with a letter",
                t,
            )
        return SignedBy(org, role)

    def role_arg(self) -> str:
        t = self.next()
        if t.kind != "str" or not _ROLE.fullmatch(t.text[1:-1]):
            raise self.fail(f"expected a quoted role name like 'admin', found {self.show(t)}", t)
        return t.text[1:-1]

    def meta(self, rule: str) -> Meta:
        nxt = self.peek()
        if nxt.kind == "punct" and nxt.text == "(":
            self.next()
            role = self.role_arg()
            self.expect(")")
            return Meta(rule, role)
        return Meta(rule)

    def gate(self, op: str, head: _Tok, depth: int) -> Gate:
        self.expect("(")
        k = 0
        k_tok = head
        if op == "OutOf":
            k_tok = self.next()
            if k_tok.kind != "int":
                raise self.fail(
                    f"OutOf needs a count as its first argument, found {self.show(k_tok)}", k_tok
                )
            if len(k_tok.text) > 4:
                raise self.fail(f"OutOf count {k_tok.text} is too large", k_tok)
            k = int(k_tok.text)
            self.expect(",")
        children = [self.policy(depth + 1)]
        while True:
            t = self.next()
            if t.kind == "punct" and t.text == ",":
                children.append(self.policy(depth + 1))
                continue
            if t.kind == "punct" and t.text == ")":
                break
            raise self.fail(f"expected ',' or ')', found {self.show(t)}", t)
        n = len(children)
        if op == "AND":
            k = n
        elif op == "OR":
            k = 1
        elif not 1 <= k <= n:
            raise self.fail(f"OutOf count {k} must be between 1 and {n}", k_tok)
        return Gate(op, k, tuple(children))


def parse_policy(text: str) -> Policy:
    """Parse a policy expression; raise :class:`PolicyInvalid` naming the problem and where."""
    if not isinstance(text, str):
        raise PolicyInvalid("policy must be text")
    return _parse_cached(text)


@lru_cache(maxsize=256)
def _parse_cached(text: str) -> Policy:
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyInvalid(
            f"policy is {len(text)} characters; the limit is {MAX_POLICY_CHARS}",
            position=MAX_POLICY_CHARS,
        )
    if not text.strip():
        raise PolicyInvalid("policy is empty", position=0)
    p = _Parser(text)
    policy = p.policy(1)
    t = p.next()
    if t.kind != "end":
        raise p.fail(f"unexpected {t.text!r} after the end of the policy", t)
    return policy


# -- evaluation ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Leaf:
    index: int
    shape: tuple[object, ...]  # ("leaf", candidate approvers): equal shapes are interchangeable
    min_slots: int = 1  # fewest principal slots (so distinct approvers) that satisfy it


@dataclass(slots=True)
class _GateNode:
    uid: int
    k: int
    groups: list[list[_Node]]  # children grouped by equal shape
    shape: tuple[object, ...]
    capacity: list[int]  # capacity[i] = number of children in groups[i:]
    min_slots: int  # fewest principal slots (so distinct approvers) that satisfy it
    cheapest: list[list[int]]  # cheapest[i]: children's min_slots in groups[i:], ascending


_Node = _Leaf | _GateNode


class _Builder:
    """Compiles a policy into a threshold tree whose leaves are principal slots, dropping parts
    that no approver could ever satisfy."""

    def __init__(self, approvers: list[Approver], active: tuple[str, ...]) -> None:
        self.approvers = approvers
        self.active = active
        self.candidates: list[list[int]] = []
        self.kinds: list[int] = []  # per slot: an id of its candidate list
        self._kind_ids: dict[tuple[int, ...], int] = {}
        self.gates = 0

    def leaf(self, org: str, role: str) -> _Node | None:
        cands = [i for i, a in enumerate(self.approvers) if a.is_holder(org, role)]
        if not cands:
            return None
        self.candidates.append(cands)
        self.kinds.append(self._kind_ids.setdefault(tuple(cands), len(self._kind_ids)))
        return _Leaf(len(self.candidates) - 1, ("leaf", tuple(cands)))

    def gate(self, k: int, children: Sequence[_Node | None]) -> _Node | None:
        live = [c for c in children if c is not None]
        if len(live) < k:
            return None
        by_shape: dict[object, list[_Node]] = {}
        for c in live:
            by_shape.setdefault(c.shape, []).append(c)
        groups = sorted(by_shape.values(), key=lambda g: repr(g[0].shape))
        capacity = [0] * (len(groups) + 1)
        for i in range(len(groups) - 1, -1, -1):
            capacity[i] = capacity[i + 1] + len(groups[i])
        shape = ("gate", k, tuple((g[0].shape, len(g)) for g in groups))
        cheapest = [sorted(c.min_slots for g in groups[i:] for c in g) for i in range(len(groups))]
        min_slots = sum(cheapest[0][:k])
        if min_slots > len(self.approvers):
            return None
        self.gates += 1
        return _GateNode(self.gates, k, groups, shape, capacity, min_slots, cheapest)


class _Search:
    """Backtracking over which children of each gate to satisfy; the principal slots chosen so
    far are kept matched to distinct approvers (Kuhn's augmenting paths), so a slot can be added
    exactly when the chosen set stays matchable. Children with the same shape are
    interchangeable, so only how many of them are taken is searched. A sub-search that found
    nothing is remembered: its outcome depends only on the multiset of candidate lists of the
    slots chosen before it (the slots it may choose are all still free)."""

    def __init__(self, candidates: list[list[int]], kinds: list[int], n_approvers: int) -> None:
        self.candidates = candidates
        self.kinds = kinds
        self.owner = [-1] * n_approvers  # approver -> leaf slot
        self.assigned: dict[int, int] = {}  # leaf slot -> approver
        self.failed: set[tuple[int, int, int, tuple[int, ...]]] = set()
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_EVAL_STEPS:
            raise PolicyInvalid(
                f"policy is too complex to evaluate (more than {MAX_EVAL_STEPS} steps); simplify it"
            )

    def _augment(self, leaf: int, seen: list[bool]) -> bool:
        for a in self.candidates[leaf]:
            self.tick()
            if seen[a]:
                continue
            seen[a] = True
            if self.owner[a] < 0 or self._augment(self.owner[a], seen):
                self.owner[a] = leaf
                self.assigned[leaf] = a
                return True
        return False

    def add(self, leaf: int) -> bool:
        return self._augment(leaf, [False] * len(self.owner))

    def remove(self, leaf: int) -> None:
        self.owner[self.assigned.pop(leaf)] = -1

    def run(self, root: _Node) -> bool:
        if isinstance(root, _GateNode) and all(
            isinstance(c, _Leaf) for g in root.groups for c in g
        ):
            # One gate over principals: a maximum matching decides it.
            leaves = [c.index for g in root.groups for c in g if isinstance(c, _Leaf)]
            return sum(self.add(i) for i in leaves) >= root.k
        return any(True for _ in self.sat(root))

    def sat(self, node: _Node) -> Iterator[None]:
        self.tick()
        if isinstance(node, _Leaf):
            if self.add(node.index):
                yield
                self.remove(node.index)
            return
        yield from self._choose(node, 0, node.k)

    def _choose(self, node: _GateNode, gi: int, need: int) -> Iterator[None]:
        """Satisfy ``need`` more children of ``node`` from ``groups[gi:]``."""
        self.tick()
        if need == 0:
            yield
            return
        if node.capacity[gi] < need:
            return
        if sum(node.cheapest[gi][:need]) > len(self.owner) - len(self.assigned):
            return  # not enough free approvers left, however the rest is chosen
        key = (node.uid, gi, need, tuple(sorted(self.kinds[s] for s in self.assigned)))
        if key in self.failed:
            return
        found = False
        for _ in self._take(node, gi, 0, need):
            found = True
            yield
        if not found:
            self.failed.add(key)

    def _take(self, node: _GateNode, gi: int, taken: int, need: int) -> Iterator[None]:
        """``taken`` children of ``groups[gi]`` are satisfied; take more, or move on."""
        group = node.groups[gi]
        if taken < len(group) and need > 0:
            for _ in self.sat(group[taken]):
                yield from self._take(node, gi, taken + 1, need - 1)
        yield from self._choose(node, gi + 1, need)


def _prepare(
    approvers: Iterable[Approver], active_orgs: Collection[str]
) -> tuple[list[Approver], tuple[str, ...]]:
    active = tuple(sorted(set(active_orgs)))
    seen: set[bytes] = set()
    out: list[Approver] = []
    for a in approvers:
        if a.address in seen or a.org not in active_orgs:
            continue
        seen.add(a.address)
        out.append(a)
    return out, active


def _evaluate(policy: Policy, approvers: list[Approver], active: tuple[str, ...]) -> bool:
    b = _Builder(approvers, active)
    root = policy._compile(b)
    if root is None:
        return False
    return _Search(b.candidates, b.kinds, len(approvers)).run(root)


def _max_matching(leaves: list[SignedBy], approvers: list[Approver]) -> set[int]:
    """Indices of ``leaves`` covered by one maximum matching onto distinct approvers."""
    cands = [[i for i, a in enumerate(approvers) if a.is_holder(c.org, c.role)] for c in leaves]
    s = _Search(cands, list(range(len(leaves))), len(approvers))
    return {i for i in range(len(leaves)) if s.add(i)}
