"""The policy language: parsing, canonical form, evaluation (one principal per approver),
explanations, and vectors in ``tests/vectors/policy_vectors.json`` for SDKs in other languages.

Regenerate the vectors (only on a deliberate change of the language) with
``python tests/unit/test_policy.py``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wuyi.policy as policy_mod
from wuyi.exceptions import PolicyInvalid, ValidationError
from wuyi.policy import (
    MAX_DEPTH,
    MAX_PRINCIPALS,
    Approver,
    Gate,
    Meta,
    Policy,
    SignedBy,
    parse_policy,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "policy_vectors.json"


def ap(name: str, org: str, *roles: str) -> Approver:
    return Approver(name.encode(), org, roles)


BANKS = ["bank1", "bank2", "bank3"]


# -- parsing and canonical form ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("'sjj.admin'", "'sjj.admin'"),
        ('"sjj.admin"', "'sjj.admin'"),
        ("AND('aa.member','bb.member')", "AND('aa.member', 'bb.member')"),
        ("  or ( 'aa.admin' ,\n'*.client' ) ", "OR('aa.admin', '*.client')"),
        (
            "outof(2, 'bank1.admin', 'bank2.admin', 'bank3.admin')",
            "OutOf(2, 'bank1.admin', 'bank2.admin', 'bank3.admin')",
        ),
        ("MAJORITY", "MAJORITY"),
        ("MAJORITY('admin')", "MAJORITY"),
        ("all('operator')", "ALL('operator')"),
        ("Any", "ANY"),
        (
            "OR(MAJORITY,AND('sjj.admin',ANY('client')))",
            "OR(MAJORITY, AND('sjj.admin', ANY('client')))",
        ),
    ],
)
def test_parse_and_canonical_form(text: str, canonical: str) -> None:
    p = parse_policy(text)
    assert str(p) == canonical
    assert parse_policy(str(p)) == p


def test_tree_shape() -> None:
    p = parse_policy("OutOf(1, 'aa.admin', AND('bb.member', MAJORITY('client')))")
    assert p == Gate(
        "OutOf",
        1,
        (
            SignedBy("aa", "admin"),
            Gate("AND", 2, (SignedBy("bb", "member"), Meta("MAJORITY", "client"))),
        ),
    )
    assert p.referenced_roles() == ("admin", "client", "member")


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("", 0, "empty"),
        ("AND(", 4, "found the end"),
        ("AND('aa.admin',)", 15, "found ')'"),
        ("OutOf(3, 'aa.admin', 'bb.admin')", 6, "between 1 and 2"),
        ("OutOf(0, ANY)", 6, "between 1 and 1"),
        ("OutOf('aa.admin')", 6, "needs a count"),
        ("'Org1.member'", 0, "organisation id 'Org1'"),
        ("'aa.Admin'", 0, "role 'Admin'"),
        ("'aa'", 0, "must be 'org.role'"),
        ("'aa.admin", 0, "unterminated"),
        ("'aa.admin' x", 11, "after the end"),
        ("NAND('aa.admin')", 0, "unknown keyword 'NAND'"),
        ("AND('aa.admin' 'bb.admin')", 15, "expected ',' or ')'"),
        ("MAJORITY(admin)", 9, "quoted role name"),
        ("AND('aa.admin'; 'bb.admin')", 14, "unexpected ';'"),
    ],
)
def test_parse_errors_name_problem_and_position(text: str, position: int, words: str) -> None:
    with pytest.raises(PolicyInvalid) as exc:
        parse_policy(text)
    assert exc.value.detail["position"] == position
    assert words in exc.value.message
    assert isinstance(exc.value, ValidationError) and exc.value.code == "bad_policy"


def test_limits() -> None:
    deep = "ANY"
    for _ in range(MAX_DEPTH - 1):
        deep = f"AND({deep})"
    parse_policy(deep)
    with pytest.raises(PolicyInvalid, match="deeper than 8"):
        parse_policy(f"AND({deep})")
    many = ", ".join(["'aa.admin'"] * MAX_PRINCIPALS)
    parse_policy(f"OR({many})")
    with pytest.raises(PolicyInvalid, match="more than 64 principals"):
        parse_policy(f"OR({many}, ANY)")
    with pytest.raises(PolicyInvalid, match="limit is 4096"):
        parse_policy("ANY" + " " * 5000)


# -- evaluation --------------------------------------------------------------------------------


def test_each_approver_satisfies_one_principal() -> None:
    p = parse_policy("AND('aa.admin', 'aa.admin')")
    assert not p.evaluate([ap("x", "aa", "admin")], ["aa"])
    assert not p.evaluate([ap("x", "aa", "admin"), ap("x", "aa", "admin")], ["aa"])  # same address
    assert p.evaluate([ap("x", "aa", "admin"), ap("y", "aa", "admin", "client")], ["aa"])


def test_assignment_is_found_where_greedy_fails() -> None:
    # Greedy would give x to the OR and then miss 'aa.admin'.
    p = parse_policy("AND(OR('aa.admin', 'bb.admin'), 'aa.admin')")
    assert p.evaluate([ap("x", "aa", "admin"), ap("y", "bb", "admin")], ["aa", "bb"])
    assert not p.evaluate([ap("x", "aa", "admin"), ap("y", "cc", "admin")], ["aa", "bb", "cc"])


def test_wildcards_member_and_inactive_orgs() -> None:
    star = parse_policy("OutOf(2, '*.client', '*.client', 'aa.member')")
    assert star.evaluate([ap("x", "bb", "client"), ap("y", "cc", "client")], ["bb", "cc"])
    assert star.evaluate([ap("x", "bb", "client"), ap("y", "aa", "node")], ["aa", "bb"])
    # An approver of an organisation that is not active counts for nothing.
    assert not star.evaluate([ap("x", "bb", "client"), ap("y", "aa", "node")], ["bb"])


def test_meta_policies() -> None:
    orgs = ["sjj", "zjj", "gaj", "mzj", "rsj"]
    admins = [ap(o, o, "admin") for o in orgs]
    majority, all_, any_ = parse_policy("MAJORITY"), parse_policy("ALL"), parse_policy("ANY")
    assert not majority.evaluate(admins[:2], orgs) and majority.evaluate(admins[:3], orgs)
    assert not all_.evaluate(admins[:4], orgs) and all_.evaluate(admins, orgs)
    assert any_.evaluate(admins[:1], orgs) and not any_.evaluate([], orgs)
    # Two admins of one organisation are still one organisation.
    assert not majority.evaluate([*admins[:2], ap("z2", "zjj", "admin")], orgs)
    # The role matters; 'member' is anyone.
    clients = [ap(o, o, "client") for o in orgs]
    assert not majority.evaluate(clients, orgs)
    assert parse_policy("MAJORITY('client')").evaluate(clients[:3], orgs)
    assert parse_policy("ALL('member')").evaluate(clients, orgs)
    # Majority of 4 is 3; with no active organisation nothing is satisfied.
    assert not majority.evaluate(admins[:2], orgs[:4])
    for p in (majority, all_, any_):
        assert not p.evaluate(admins, [])


def test_meta_shares_approvers_with_other_principals() -> None:
    # sjj's one admin cannot both represent sjj in MAJORITY and satisfy 'sjj.admin'.
    p = parse_policy("AND('sjj.admin', MAJORITY)")
    orgs = ["sjj", "zjj", "gaj"]
    one_each = [ap("s", "sjj", "admin"), ap("z", "zjj", "admin")]
    assert not p.evaluate(one_each, orgs)
    assert p.evaluate([*one_each, ap("s2", "sjj", "admin")], orgs)
    assert p.evaluate([*one_each, ap("g", "gaj", "admin")], orgs)


def test_explain_missing() -> None:
    p = parse_policy("OutOf(2, 'bank1.admin', 'bank2.admin', 'bank3.admin')")
    assert p.explain_missing([], BANKS) == (
        "needs approval from 2 more of: bank1.admin, bank2.admin, bank3.admin"
    )
    assert p.explain_missing([ap("x", "bank2", "admin")], BANKS) == (
        "needs approval from 1 more of: bank1.admin, bank3.admin"
    )
    assert p.explain_missing([ap("x", "bank2", "admin"), ap("y", "bank3", "admin")], BANKS) == ""
    orgs = ["sjj", "zjj", "gaj", "mzj", "rsj"]
    m = parse_policy("MAJORITY")
    assert m.explain_missing([ap("a", "sjj", "admin"), ap("b", "zjj", "admin")], orgs) == (
        "needs 3 of 5 organisations (majority); have 2: sjj, zjj; not yet: gaj, mzj, rsj"
    )
    assert parse_policy("ANY('client')").explain_missing([], ["aa"]) == (
        "needs 1 of 1 organisations (any, role client); have 0; not yet: aa"
    )
    assert parse_policy("'sjj.admin'").explain_missing([], ["sjj"]) == (
        "needs approval from sjj.admin"
    )
    nested = parse_policy("OR(AND('aa.admin', 'bb.admin'), 'cc.admin')")
    assert nested.explain_missing([ap("x", "aa", "admin")], ["aa", "bb", "cc"]) == (
        "needs 1 more of: [AND('aa.admin', 'bb.admin'): needs approval from 1 more of:"
        " bb.admin], cc.admin"
    )
    shared = parse_policy("AND(OR('aa.admin', 'bb.admin'), OR('aa.admin', 'cc.admin'))")
    assert "each approver counts once" in shared.explain_missing(
        [ap("x", "aa", "admin")], ["aa", "bb", "cc"]
    )


def test_evaluation_work_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    p = parse_policy("AND(OR('aa.admin', 'bb.admin'), 'aa.admin')")
    approvers = [ap("x", "aa", "admin"), ap("y", "bb", "admin")]
    assert p.evaluate(approvers, ["aa", "bb"])
    monkeypatch.setattr(policy_mod, "MAX_EVAL_STEPS", 3)
    with pytest.raises(PolicyInvalid, match="too complex"):
        p.evaluate(approvers, ["aa", "bb"])


def test_hard_packing_is_decided_quickly() -> None:
    # 5 of 7 groups of three, with exactly 15 approvers for the 15 slots: a packing problem.
    orgs = [f"o{i}" for i in range(12)]
    groups = [
        "AND("
        + ", ".join([f"OR('o{j}.admin', 'o{j + 1}.admin', 'o{(j + 5) % 12}.admin')"] * 3)
        + ")"
        for j in range(7)
    ]
    p = parse_policy(f"OutOf(5, {', '.join(groups)})")
    approvers = [ap(f"a{i}", orgs[i % 12], "admin") for i in range(24)]
    assert not p.evaluate(approvers[:15], orgs)
    assert p.evaluate(approvers[:20], orgs)


# -- property tests against a brute-force reference --------------------------------------------

ORGS = ["aa", "bb", "cc"]
ROLES = ["admin", "client", "member"]

principals = st.builds(SignedBy, st.sampled_from([*ORGS, "*"]), st.sampled_from(ROLES))
metas = st.builds(
    Meta, st.sampled_from(["MAJORITY", "ALL", "ANY"]), st.sampled_from(["admin", "client"])
)


def _gates(children: st.SearchStrategy[Policy]) -> st.SearchStrategy[Policy]:
    def build(draw_children: list[Policy], op: str, k_seed: int) -> Policy:
        n = len(draw_children)
        k = {"AND": n, "OR": 1}.get(op, 1 + k_seed % n)
        return Gate(op, k, tuple(draw_children))

    return st.builds(
        build,
        st.lists(children, min_size=1, max_size=4),
        st.sampled_from(["AND", "OR", "OutOf"]),
        st.integers(0, 10),
    )


policies = st.recursive(st.one_of(principals, metas), _gates, max_leaves=8)
approver_lists = st.lists(
    st.builds(
        lambda i, org, roles: Approver(bytes([i]), org, tuple(sorted(set(roles)))),
        st.integers(0, 5),
        st.sampled_from(ORGS),
        st.lists(st.sampled_from(["admin", "client"]), max_size=2),
    ),
    max_size=5,
)
active_sets = st.lists(st.sampled_from(ORGS), unique=True).map(sorted)


def _slots(p: Policy, active: list[str], out: list[tuple[str, str]]) -> Any:
    """The policy as ('leaf', slot) / ('gate', k, children), one slot per principal."""
    if isinstance(p, SignedBy):
        out.append((p.org, p.role))
        return ("leaf", len(out) - 1)
    if isinstance(p, Meta):
        kids = []
        for o in active:
            out.append((o, p.role))
            kids.append(("leaf", len(out) - 1))
        n = len(active)
        k = {"MAJORITY": n // 2 + 1, "ALL": n, "ANY": 1}[p.rule]
        return ("gate", max(k, 1), kids)
    assert isinstance(p, Gate)
    return ("gate", p.k, [_slots(c, active, out) for c in p.children])


def _truth(node: Any, filled: set[int]) -> bool:
    if node[0] == "leaf":
        return node[1] in filled
    return sum(_truth(c, filled) for c in node[2]) >= node[1]


def reference_evaluate(p: Policy, approvers: list[Approver], active: list[str]) -> bool:
    """Try every assignment of approvers to principal slots (or to none)."""
    uniq: dict[bytes, Approver] = {}
    for a in approvers:
        if a.org in active:
            uniq.setdefault(a.address, a)
    slots: list[tuple[str, str]] = []
    tree = _slots(p, active, slots)
    options = [
        [None, *[i for i, (o, r) in enumerate(slots) if a.is_holder(o, r)]] for a in uniq.values()
    ]
    for choice in itertools.product(*options):
        used = [c for c in choice if c is not None]
        if len(used) == len(set(used)) and _truth(tree, set(used)):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(policies, approver_lists, active_sets)
def test_evaluate_matches_brute_force(
    p: Policy, approvers: list[Approver], active: list[str]
) -> None:
    assert p.evaluate(approvers, active) == reference_evaluate(p, approvers, active)
    assert (p.explain_missing(approvers, active) == "") == p.evaluate(approvers, active)


@settings(max_examples=200, deadline=None)
@given(policies)
def test_canonical_form_round_trips(p: Policy) -> None:
    text = str(p)
    assert parse_policy(text) == p
    assert str(parse_policy(text.lower().replace("outof", "OUTOF").replace(", ", " ,\t"))) == text


@settings(max_examples=200, deadline=None)
@given(policies, approver_lists, approver_lists, active_sets)
def test_more_approvers_never_hurt(
    p: Policy, approvers: list[Approver], extra: list[Approver], active: list[str]
) -> None:
    if p.evaluate(approvers, active):
        assert p.evaluate(approvers + extra, active)


# -- vectors for other languages ---------------------------------------------------------------

VECTOR_CASES: list[tuple[str, list[tuple[str, str, list[str]]], list[str]]] = [
    ("'sjj.admin'", [("01", "sjj", ["admin"])], ["sjj"]),
    ("'sjj.admin'", [("01", "sjj", ["client"])], ["sjj"]),
    ("'sjj.member'", [("01", "sjj", ["client"])], ["sjj"]),
    ("'sjj.admin'", [("01", "sjj", ["admin"])], ["zjj"]),
    ("AND('aa.admin', 'aa.admin')", [("01", "aa", ["admin"])], ["aa"]),
    ("AND('aa.admin', 'aa.admin')", [("01", "aa", ["admin"]), ("01", "aa", ["admin"])], ["aa"]),
    ("AND('aa.admin', 'aa.admin')", [("01", "aa", ["admin"]), ("02", "aa", ["admin"])], ["aa"]),
    (
        "AND(OR('aa.admin', 'bb.admin'), 'aa.admin')",
        [("01", "aa", ["admin"]), ("02", "bb", ["admin"])],
        ["aa", "bb"],
    ),
    (
        "OutOf(2, 'bank1.admin', 'bank2.admin', 'bank3.admin')",
        [("01", "bank1", ["admin"]), ("02", "bank3", ["admin", "client"])],
        BANKS,
    ),
    ("OutOf(2, 'bank1.admin', 'bank2.admin', 'bank3.admin')", [("01", "bank1", ["admin"])], BANKS),
    ("OR('*.client', 'sjj.admin')", [("01", "zjj", ["client"])], ["sjj", "zjj"]),
    (
        "MAJORITY",
        [("01", "sjj", ["admin"]), ("02", "zjj", ["admin"]), ("03", "zjj", ["admin"])],
        ["sjj", "zjj", "gaj", "mzj"],
    ),
    (
        "MAJORITY",
        [("01", "sjj", ["admin"]), ("02", "zjj", ["admin"]), ("03", "gaj", ["admin"])],
        ["sjj", "zjj", "gaj", "mzj"],
    ),
    ("ALL('client')", [("01", "sjj", ["client"]), ("02", "zjj", ["client"])], ["sjj", "zjj"]),
    ("ANY", [], ["sjj"]),
    (
        "AND('sjj.admin', MAJORITY)",
        [("01", "sjj", ["admin"]), ("02", "zjj", ["admin"])],
        ["sjj", "zjj", "gaj"],
    ),
]
INVALID_CASES = ["", "AND(", "OutOf(3, 'aa.admin', 'bb.admin')", "'Org1.member'", "'aa.admin' x"]


def build_vectors() -> dict[str, Any]:
    cases = []
    for expr, approvers, orgs in VECTOR_CASES:
        apps = [Approver(bytes.fromhex(a), o, tuple(r)) for a, o, r in approvers]
        p = parse_policy(expr)
        cases.append(
            {
                "expr": expr,
                "canonical": str(p),
                "approvers": [{"address": a, "org": o, "roles": r} for a, o, r in approvers],
                "active_orgs": orgs,
                "expected": p.evaluate(apps, orgs),
            }
        )
    invalid = []
    for expr in INVALID_CASES:
        with pytest.raises(PolicyInvalid) as exc:
            parse_policy(expr)
        invalid.append({"expr": expr, "position": exc.value.detail["position"]})
    return {
        "description": (
            "Wuyi permission policies, see docs/governance.md. Evaluate 'expr' against "
            "'approvers' (address hex, org, roles) with 'active_orgs' the active organisations: "
            "approvers of inactive organisations and repeated addresses are ignored, and each "
            "approver satisfies at most one principal. 'canonical' is the canonical form. "
            "'invalid' expressions must be refused; 'position' is the 0-based character offset "
            "reported by the reference implementation."
        ),
        "cases": cases,
        "invalid": invalid,
    }


def test_vector_file_is_current() -> None:
    assert json.loads(VECTORS.read_text(encoding="utf-8")) == build_vectors()


def test_vectors_agree_with_reference() -> None:
    for case in json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]:
        apps = [
            Approver(bytes.fromhex(a["address"]), a["org"], tuple(a["roles"]))
            for a in case["approvers"]
        ]
        p = parse_policy(case["expr"])
        assert reference_evaluate(p, apps, case["active_orgs"]) == case["expected"], case


if __name__ == "__main__":
    VECTORS.write_text(
        json.dumps(build_vectors(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
