"""The state tree against a plain dict and a slow, obvious reference root."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wuyi.state
from wuyi.encoding import encode
from wuyi.exceptions import InvariantBroken, NotFound, ProofInvalid, StoreCorrupted
from wuyi.state import EMPTY_ROOT, MemoryNodeStore, StateTree, verify_proof
from wuyi.state._nodes import encode_internal, encode_leaf

Hasher = Callable[[bytes], bytes]


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


def identity_hasher(data: bytes) -> bytes:
    """Injective on inputs up to 31 bytes and *not* random: short keys become their own path,
    so keys like b"\\x00" and b"\\x00\\x00" share ~250 path bits (deep, collapsed trees)."""
    if len(data) < 32:
        return data + bytes(31 - len(data)) + bytes([len(data)])
    return hashlib.sha256(data).digest()


HASHERS = {"sha256": sha256, "sm3": sm3, "identity": identity_hasher}


def _bit(key_hash: bytes, depth: int) -> int:
    return (key_hash[depth // 8] >> (7 - depth % 8)) & 1


def reference_root(h: Hasher, mapping: Mapping[bytes, bytes]) -> bytes:
    """The definition: empty -> 32 zero bytes; one key -> its leaf; else split on the next bit."""

    def rec(items: list[tuple[bytes, bytes]], depth: int) -> bytes:
        if not items:
            return EMPTY_ROOT
        if len(items) == 1:
            return h(b"\x00" + items[0][0] + items[0][1])
        lo = [it for it in items if _bit(it[0], depth) == 0]
        hi = [it for it in items if _bit(it[0], depth) == 1]
        return h(b"\x01" + rec(lo, depth + 1) + rec(hi, depth + 1))

    return rec([(h(k), h(v)) for k, v in mapping.items()], 0)


def reachable(store: MemoryNodeStore, root: bytes) -> set[bytes]:
    seen: set[bytes] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node == EMPTY_ROOT or node in seen:
            continue
        seen.add(node)
        raw = store.nodes[node]
        if raw[:2] == b"\x83\x01":
            stack += [raw[4:36], raw[38:70]]
    return seen


keys = st.binary(max_size=3)
values = st.binary(max_size=40)
batches = st.lists(st.dictionaries(keys, st.none() | values, max_size=12), max_size=6)


@settings(max_examples=60, deadline=None)
@given(batches=batches, hash_name=st.sampled_from(sorted(HASHERS)))
def test_tree_matches_dict_and_reference(
    batches: list[dict[bytes, bytes | None]], hash_name: str
) -> None:
    h = HASHERS[hash_name]
    store = MemoryNodeStore()
    tree = StateTree(h, store)
    model: dict[bytes, bytes] = {}
    root = EMPTY_ROOT
    history: list[tuple[bytes, dict[bytes, bytes]]] = [(root, {})]
    for batch in batches:
        root, new_nodes = tree.apply(root, batch)
        assert set(new_nodes) <= reachable(MemoryNodeStore({**store.nodes, **new_nodes}), root)
        store.put_nodes(new_nodes)
        for k, v in batch.items():
            if v is None:
                model.pop(k, None)
            else:
                model[k] = v
        history.append((root, dict(model)))
        assert root == reference_root(h, model)
        for k in [*model, *batch]:
            assert tree.get(root, k) == model.get(k)
    # Old roots stay readable and provable.
    for old_root, old_model in history:
        for k, v in old_model.items():
            assert tree.get(old_root, k) == v
            verify_proof(h, old_root, k, v, tree.prove(old_root, k))
    # The root depends only on the final map: one batch from empty, or key by key.
    one_shot, _ = StateTree(h, MemoryNodeStore()).apply(EMPTY_ROOT, model)
    assert one_shot == root
    single = MemoryNodeStore()
    r = EMPTY_ROOT
    for k in sorted(model, reverse=True):
        r, nodes = StateTree(h, single).apply(r, {k: model[k]})
        single.put_nodes(nodes)
    assert r == root
    # Deleting everything returns the empty root.
    empty, nodes = tree.apply(root, dict.fromkeys(model))
    assert empty == EMPTY_ROOT
    assert nodes == {}


@settings(max_examples=40, deadline=None)
@given(
    model=st.dictionaries(keys, values, max_size=20),
    probes=st.lists(keys, max_size=8),
    hash_name=st.sampled_from(sorted(HASHERS)),
)
def test_proofs_for_present_and_absent_keys(
    model: dict[bytes, bytes], probes: list[bytes], hash_name: str
) -> None:
    h = HASHERS[hash_name]
    store = MemoryNodeStore()
    tree = StateTree(h, store)
    root, nodes = tree.apply(EMPTY_ROOT, model)
    store.put_nodes(nodes)
    for k in [*model, *probes]:
        value = model.get(k)
        proof = tree.prove(root, k)
        verify_proof(h, root, k, value, proof)
        again = type(proof).from_bytes(proof.to_bytes())
        assert again == proof
        verify_proof(h, root, k, value, again)
        wrong = b"other" if value is None else value + b"!"
        with pytest.raises(ProofInvalid):
            verify_proof(h, root, k, wrong, proof)
        if value is not None:
            with pytest.raises(ProofInvalid):
                verify_proof(h, root, k, None, proof)
        with pytest.raises(ProofInvalid):
            verify_proof(h, bytes(31) + b"\x01", k, value, proof)


@settings(max_examples=25, deadline=None)
@given(model=st.dictionaries(keys, values, min_size=1, max_size=10), probe=keys)
def test_every_tampered_proof_byte_fails(model: dict[bytes, bytes], probe: bytes) -> None:
    h = sha256
    store = MemoryNodeStore()
    tree = StateTree(h, store)
    root, nodes = tree.apply(EMPTY_ROOT, model)
    store.put_nodes(nodes)
    for k in (probe, next(iter(model))):
        value = model.get(k)
        data = tree.prove(root, k).to_bytes()
        for i in range(len(data)):
            for flip in (0x01, 0x80):
                tampered = bytearray(data)
                tampered[i] ^= flip
                with pytest.raises(ProofInvalid):
                    proof = wuyi.state.StateProof.from_bytes(bytes(tampered))
                    verify_proof(h, root, k, value, proof)
        with pytest.raises(ProofInvalid):
            wuyi.state.StateProof.from_bytes(data[:-1])
        with pytest.raises(ProofInvalid):
            wuyi.state.StateProof.from_bytes(data + b"\x00")


def test_deep_paths_collapse_and_prove() -> None:
    h = identity_hasher
    store = MemoryNodeStore()
    tree = StateTree(h, store)
    model = {b"\x00": b"a", b"\x00\x00": b"b", b"\x00\x01": b"c", b"": b"d"}
    root, nodes = tree.apply(EMPTY_ROOT, model)
    store.put_nodes(nodes)
    assert root == reference_root(h, model)
    proof = tree.prove(root, b"\x00\x00")
    assert len(proof.siblings) > 240
    verify_proof(h, root, b"\x00\x00", b"b", proof)
    empty_slot = tree.prove(root, b"\x00\x02")
    assert empty_slot.leaf is None
    verify_proof(h, root, b"\x00\x02", None, empty_slot)
    other_leaf = tree.prove(root, b"\x00\x01\x01")  # ends at the leaf of b"\x00\x01"
    assert other_leaf.leaf == (h(b"\x00\x01"), h(b"c"))
    verify_proof(h, root, b"\x00\x01\x01", None, other_leaf)
    # Removing the neighbours collapses the remaining leaf up to the root.
    root2, nodes2 = tree.apply(root, {b"\x00\x01": None, b"": None})
    store.put_nodes(nodes2)
    root3, _ = tree.apply(root2, {b"\x00\x00": None})
    assert root3 == h(b"\x00" + h(b"\x00") + h(b"a"))
    assert root2 == reference_root(h, {b"\x00": b"a", b"\x00\x00": b"b"})


def test_canonical_encodings_and_api() -> None:
    left, right = bytes(range(32)), bytes(32)
    assert encode_internal(left, right) == encode([1, left, right])
    assert encode_leaf(b"k", b"v") == encode([0, b"k", b"v"])
    assert bytes(32) == EMPTY_ROOT
    assert sorted(wuyi.state.__all__) == [
        "EMPTY_ROOT",
        "Hasher",
        "MemoryNodeStore",
        "StateProof",
        "StateTree",
        "verify_proof",
    ]


def test_errors() -> None:
    store = MemoryNodeStore()
    tree = StateTree(sha256, store)
    assert tree.apply(EMPTY_ROOT, {}) == (EMPTY_ROOT, {})
    assert tree.get(EMPTY_ROOT, b"k") is None
    with pytest.raises(NotFound):
        tree.get(b"\x11" * 32, b"k")
    root, nodes = tree.apply(EMPTY_ROOT, {b"a": b"1", b"b": b"2", b"c": b"3"})
    store.put_nodes({root: nodes[root]})  # children missing
    with pytest.raises(StoreCorrupted):
        tree.get(root, b"a")
    store.put_nodes({h: b"\xa0" for h in nodes if h != root})  # garbage nodes
    with pytest.raises(StoreCorrupted):
        tree.get(root, b"a")
    with pytest.raises(TypeError):
        tree.apply(EMPTY_ROOT, {"a": b"1"})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        StateTree(lambda b: b"short", store)
    with pytest.raises(InvariantBroken):
        StateTree(lambda b: bytes(32), MemoryNodeStore()).apply(EMPTY_ROOT, {b"a": b"", b"b": b""})


def test_proof_object_form_is_strict() -> None:
    store = MemoryNodeStore()
    tree = StateTree(sha256, store)
    root, nodes = tree.apply(EMPTY_ROOT, {bytes([i]): b"v" for i in range(50)})
    store.put_nodes(nodes)
    proof = tree.prove(root, b"\x07")
    obj = proof.to_obj()
    assert encode(obj) == proof.to_bytes()  # plain canonical-encodable values only
    bad_objs: list[object] = [
        None,
        {"siblings": obj["siblings"]},
        {**obj, "extra": 1},
        {**obj, "siblings": [*obj["siblings"], bytes(32)]},  # empty must be b""
        {**obj, "siblings": [b"\x01" * 31]},
        {**obj, "siblings": [b""] * 257},
        {**obj, "leaf": [b"\x01" * 32]},
        {**obj, "leaf": b"\x01" * 64},
    ]
    for bad in bad_objs:
        with pytest.raises(ProofInvalid):
            wuyi.state.StateProof.from_obj(bad)
    # A non-canonical extra empty sibling at the bottom is refused by the verifier itself.
    padded = wuyi.state.StateProof((*proof.siblings, EMPTY_ROOT), proof.leaf)
    with pytest.raises(ProofInvalid, match="canonical"):
        verify_proof(sha256, root, b"\x07", b"v", padded)
