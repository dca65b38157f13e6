"""The cross-chain proof verifiers (``wuyi.crosschain.proofs``) — the most-tested code in the
project, because every byte of a proof is chosen by whoever relays it.

* completeness: every key's membership proof and every absent key's non-membership proof
  verify (both suites);
* soundness: a proof verifies **only** if it is exactly the canonical proof of the tree (the
  proof of a key is unique in a compressed sparse Merkle tree), so any mutation — a bit of a
  sibling, a sibling more or less, another order, another neighbour, another value or key —
  fails;
* separation: a membership proof relabelled as non-membership, or the reverse, never
  verifies, and each decoder refuses the other's encoding;
* agreement with the state module's own verifier (an independent implementation) on every
  input;
* decoding arbitrary data raises only ``ProofInvalid``; depth is bounded.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from wuyi.crosschain.proofs import (
    MEMBERSHIP,
    NON_MEMBERSHIP,
    MembershipProof,
    NonMembershipProof,
    ProofSpec,
    decode_proof,
    membership_from_state_proof,
    non_membership_from_state_proof,
    spec_for_suite,
    verify_membership,
    verify_non_membership,
)
from wuyi.exceptions import ProofInvalid
from wuyi.state import EMPTY_ROOT, MemoryNodeStore, StateProof, StateTree, verify_proof

SPECS = {name: spec_for_suite(name) for name in ("sm", "intl")}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

keys_st = st.binary(min_size=1, max_size=6)
values_st = st.binary(min_size=0, max_size=12)
maps_st = st.dictionaries(keys_st, values_st, min_size=0, max_size=24)
suites_st = st.sampled_from(sorted(SPECS))


def build(spec: ProofSpec, entries: dict[bytes, bytes]) -> tuple[StateTree, bytes]:
    tree = StateTree(spec.hasher(), MemoryNodeStore())
    root, nodes = tree.apply(EMPTY_ROOT, dict(entries))
    tree._reader.put_nodes(nodes)  # type: ignore[attr-defined]
    return tree, root


def ok_membership(spec: ProofSpec, root: bytes, key: bytes, value: bytes, p: Any) -> bool:
    try:
        verify_membership(spec, root, key, value, p)
    except ProofInvalid:
        return False
    return True


def ok_absence(spec: ProofSpec, root: bytes, key: bytes, p: Any) -> bool:
    try:
        verify_non_membership(spec, root, key, p)
    except ProofInvalid:
        return False
    return True


def reference(
    spec: ProofSpec, root: bytes, key: bytes, value: bytes | None, sp: StateProof
) -> bool:
    try:
        verify_proof(spec.hasher(), root, key, value, sp)
    except ProofInvalid:
        return False
    return True


def canonical(spec: ProofSpec, tree: StateTree, root: bytes, key: bytes) -> Any:
    value = tree.get(root, key)
    sp = tree.prove(root, key)
    if value is None:
        return None, non_membership_from_state_proof(spec, key, sp)
    return value, membership_from_state_proof(spec, key, value, sp)


# -- completeness ------------------------------------------------------------------------------


@FUZZ
@given(suites_st, maps_st, keys_st)
def test_every_true_fact_verifies(suite: str, entries: dict[bytes, bytes], probe: bytes) -> None:
    spec = SPECS[suite]
    tree, root = build(spec, entries)
    for k, v in entries.items():
        _, p = canonical(spec, tree, root, k)
        verify_membership(spec, root, k, v, p)
    if probe not in entries:
        _, p = canonical(spec, tree, root, probe)
        verify_non_membership(spec, root, probe, p)


# -- soundness: only the canonical proof verifies ----------------------------------------------


def _mutations(siblings: tuple[bytes, ...], data: st.DataObject) -> tuple[bytes, ...]:
    s = list(siblings)
    op = data.draw(st.sampled_from(["flip", "drop", "add", "swap", "empty", "replace"]))
    if op == "flip" and s:
        i = data.draw(st.integers(0, len(s) - 1))
        b = data.draw(st.integers(0, 255))
        raw = bytearray(s[i] if s[i] != EMPTY_ROOT else bytes(32))
        raw[b % 32] ^= 1 << data.draw(st.integers(0, 7))
        s[i] = bytes(raw)
    elif op == "drop" and s:
        del s[data.draw(st.integers(0, len(s) - 1))]
    elif op == "add":
        s.insert(data.draw(st.integers(0, len(s))), data.draw(st.binary(min_size=32, max_size=32)))
    elif op == "swap" and len(s) > 1:
        i = data.draw(st.integers(0, len(s) - 2))
        s[i], s[i + 1] = s[i + 1], s[i]
    elif op == "empty" and s:
        s[data.draw(st.integers(0, len(s) - 1))] = EMPTY_ROOT
    else:
        s.append(data.draw(st.binary(min_size=32, max_size=32)))
    return tuple(s)


@FUZZ
@given(suites_st, maps_st.filter(bool), st.data())
def test_a_fuzzed_membership_proof_never_verifies(
    suite: str, entries: dict[bytes, bytes], data: st.DataObject
) -> None:
    spec = SPECS[suite]
    tree, root = build(spec, entries)
    key = data.draw(st.sampled_from(sorted(entries)))
    value, proof = canonical(spec, tree, root, key)
    forged = MembershipProof(_mutations(proof.siblings, data))
    assume(forged != proof)
    assert not ok_membership(spec, root, key, value, forged)
    other_value = data.draw(values_st.filter(lambda v: v != value))
    assert not ok_membership(spec, root, key, other_value, proof)


@FUZZ
@given(suites_st, maps_st, keys_st, st.data())
def test_a_fuzzed_non_membership_proof_never_verifies(
    suite: str, entries: dict[bytes, bytes], probe: bytes, data: st.DataObject
) -> None:
    spec = SPECS[suite]
    assume(probe not in entries)
    tree, root = build(spec, entries)
    _, proof = canonical(spec, tree, root, probe)
    if data.draw(st.booleans()):
        forged = NonMembershipProof(_mutations(proof.siblings, data), proof.neighbour)
    else:
        nb = data.draw(
            st.one_of(
                st.none(),
                st.tuples(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32)),
            )
        )
        forged = NonMembershipProof(proof.siblings, nb)
    assume(forged != proof)
    assert not ok_absence(spec, root, probe, forged)


@FUZZ
@given(suites_st, maps_st.filter(bool), st.data())
def test_a_present_key_has_no_absence_proof(
    suite: str, entries: dict[bytes, bytes], data: st.DataObject
) -> None:
    """cosmos-sdk#6091's pattern: the membership proof, relabelled or with any neighbour,
    never shows the key absent; and no proof for another key's absence transfers."""
    spec = SPECS[suite]
    tree, root = build(spec, entries)
    key = data.draw(st.sampled_from(sorted(entries)))
    value, proof = canonical(spec, tree, root, key)
    h = spec.hasher()
    relabelled = NonMembershipProof(proof.siblings, (h(key), h(value)))
    assert not ok_absence(spec, root, key, relabelled)
    assert not ok_absence(spec, root, key, NonMembershipProof(proof.siblings, None))
    other = data.draw(keys_st)
    if other not in entries:
        _, absent_other = canonical(spec, tree, root, other)
        assert not ok_absence(spec, root, key, absent_other)
    with pytest.raises(ProofInvalid):
        verify_non_membership(spec, root, key, proof)  # type: ignore[arg-type]


@FUZZ
@given(suites_st, maps_st, keys_st, values_st)
def test_an_absent_key_has_no_membership_proof(
    suite: str, entries: dict[bytes, bytes], probe: bytes, value: bytes
) -> None:
    spec = SPECS[suite]
    assume(probe not in entries)
    tree, root = build(spec, entries)
    _, proof = canonical(spec, tree, root, probe)
    assert not ok_membership(spec, root, probe, value, MembershipProof(proof.siblings))
    with pytest.raises(ProofInvalid):
        verify_membership(spec, root, probe, value, proof)  # type: ignore[arg-type]


# -- agreement with the state module's verifier ------------------------------------------------


@FUZZ
@given(suites_st, maps_st, keys_st, values_st, st.data())
def test_agrees_with_the_state_verifier(
    suite: str, entries: dict[bytes, bytes], key: bytes, value: bytes, data: st.DataObject
) -> None:
    spec = SPECS[suite]
    tree, root = build(spec, entries)
    k = data.draw(st.sampled_from(sorted(entries))) if entries and data.draw(st.booleans()) else key
    sp = tree.prove(root, k)
    siblings = _mutations(sp.siblings, data) if data.draw(st.booleans()) else sp.siblings
    h = spec.hasher()
    v = entries.get(k, value)
    ours = ok_membership(spec, root, k, v, MembershipProof(siblings))
    assert ours == reference(spec, root, k, v, StateProof(siblings, (h(k), h(v))))
    leaf = sp.leaf if data.draw(st.booleans()) else None
    ours_absent = ok_absence(spec, root, k, NonMembershipProof(siblings, leaf))
    assert ours_absent == reference(spec, root, k, None, StateProof(siblings, leaf))


# -- encodings ---------------------------------------------------------------------------------


def _junk() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.binary(max_size=40),
        st.text(max_size=12),
        st.sampled_from([MEMBERSHIP, NON_MEMBERSHIP, "siblings", "neighbour", "type"]),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=5),
            st.dictionaries(
                st.sampled_from(["type", "siblings", "neighbour", "leaf", "x"]), inner, max_size=4
            ),
        ),
        max_leaves=20,
    )


@FUZZ
@given(_junk(), st.booleans())
def test_decoding_anything_raises_only_proof_invalid(obj: Any, present: bool) -> None:
    try:
        p = decode_proof(obj, present=present)
    except ProofInvalid:
        return
    assert isinstance(p, MembershipProof if present else NonMembershipProof)


def test_each_decoder_refuses_the_other_kind() -> None:
    m = MembershipProof((bytes(range(32)),)).to_obj()
    n = NonMembershipProof((bytes(range(32)),), None).to_obj()
    with pytest.raises(ProofInvalid, match="not a non-membership proof"):
        NonMembershipProof.from_obj({**m, "neighbour": None})
    with pytest.raises(ProofInvalid, match="not a membership proof"):
        MembershipProof.from_obj({"type": NON_MEMBERSHIP, "siblings": n["siblings"]})
    with pytest.raises(ProofInvalid):
        MembershipProof.from_obj(n)
    assert decode_proof(m, present=True) == MembershipProof((bytes(range(32)),))


def test_depth_is_bounded() -> None:
    spec = SPECS["intl"]
    deep = tuple(bytes([1]) * 32 for _ in range(257))
    with pytest.raises(ProofInvalid, match="at most 256"):
        verify_membership(spec, bytes(32), b"k", b"v", MembershipProof(deep))
    with pytest.raises(ProofInvalid, match="at most 256"):
        MembershipProof.from_obj({"type": MEMBERSHIP, "siblings": list(deep)})
    with pytest.raises(ProofInvalid, match="at most 256"):
        verify_non_membership(spec, bytes(32), b"k", NonMembershipProof(deep, None))


def test_empty_sibling_has_one_spelling_and_never_deepest() -> None:
    with pytest.raises(ProofInvalid, match="written as b''"):
        MembershipProof.from_obj({"type": MEMBERSHIP, "siblings": [bytes(32)]})
    spec = SPECS["sm"]
    with pytest.raises(ProofInvalid, match="deepest sibling is empty"):
        verify_non_membership(spec, bytes(32), b"k", NonMembershipProof((EMPTY_ROOT,), None))


def test_proof_spec_is_pinned_exactly() -> None:
    good = spec_for_suite("sm").to_obj()
    assert ProofSpec.from_obj(good) == spec_for_suite("sm")
    for bad in (
        {**good, "max_depth": 300},
        {**good, "leaf_prefix": b"\x01"},
        {**good, "tree": "ics23-iavl"},
        {**good, "hash": "md5"},
    ):
        with pytest.raises(ProofInvalid):
            ProofSpec.from_obj(bad)


def test_empty_tree_absence() -> None:
    for spec in SPECS.values():
        verify_non_membership(spec, EMPTY_ROOT, b"anything", NonMembershipProof((), None))
        assert not ok_membership(spec, EMPTY_ROOT, b"anything", b"", MembershipProof(()))


def test_the_state_vectors_verify_with_the_cross_chain_verifiers() -> None:
    """``tests/vectors/state_vectors.json`` (both hashes): each proof, taken apart into the
    typed proof, verifies with the right function and fails with the other."""
    import json
    from pathlib import Path

    vec = json.loads(Path("tests/vectors/state_vectors.json").read_text())
    suites = {"sha256": "intl", "sm3": "sm"}
    checked = 0
    for case in vec["cases"]:
        spec = SPECS[suites[case["hash"]]]
        root = bytes.fromhex(case["root"])
        for pr in case["proofs"]:
            key = bytes.fromhex(pr["key"])
            sp = StateProof.from_bytes(bytes.fromhex(pr["proof"]))
            if pr["value"] is None:
                p = non_membership_from_state_proof(spec, key, sp)
                verify_non_membership(spec, root, key, p)
                assert not ok_membership(spec, root, key, b"", MembershipProof(p.siblings))
            else:
                value = bytes.fromhex(pr["value"])
                m = membership_from_state_proof(spec, key, value, sp)
                verify_membership(spec, root, key, value, m)
                assert not ok_absence(spec, root, key, NonMembershipProof(m.siblings, sp.leaf))
            checked += 1
    assert checked >= 6


def test_a_neighbour_off_the_key_path_is_named() -> None:
    """Defence in depth (as Diem's verifier): the neighbour leaf must share the key's path
    prefix; the check runs before any hashing of the path."""
    spec = SPECS["intl"]
    entries = {bytes([i]): b"v" for i in range(40)}
    tree, root = build(spec, entries)
    h = spec.hasher()
    probe = next(bytes([200, i]) for i in range(256) if tree.prove(root, bytes([200, i])).leaf)
    _, proof = canonical(spec, tree, root, probe)
    assert proof.neighbour is not None and proof.siblings
    kh = h(probe)
    flipped = bytes([kh[0] ^ 0x80]) + kh[1:]  # differs from the key's path at bit 0
    with pytest.raises(ProofInvalid, match="not on the key's path"):
        verify_non_membership(
            spec, root, probe, NonMembershipProof(proof.siblings, (flipped, proof.neighbour[1]))
        )
