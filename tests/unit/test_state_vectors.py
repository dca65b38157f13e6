"""Known-answer vectors for the state tree, in ``tests/vectors/state_vectors.json``.

The file is for SDKs in other languages: entries -> root for SHA-256 and SM3, proofs as canonical
CBOR (hex) with their decoded fields. Regenerate (only on a deliberate format change) with
``python tests/unit/test_state_vectors.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from wuyi.exceptions import ProofInvalid
from wuyi.state import EMPTY_ROOT, MemoryNodeStore, StateProof, StateTree, verify_proof

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "state_vectors.json"

HASHERS = {
    "sha256": lambda data: hashlib.sha256(data).digest(),
    "sm3": lambda data: hashlib.new("sm3", data).digest(),
}
ENTRIES = [
    (b"alice", b"100"),
    (b"bob", b"250"),
    (b"carol", b""),
    (b"dave", b"\x00\x01\x02"),
    ("五邑".encode(), "江门".encode()),
]
PROBES = [(b"bob", b"250"), (b"eve", None), ("五邑".encode(), "江门".encode())]
DELETE = [b"alice", b"dave"]


def _bit(key_hash: bytes, depth: int) -> int:
    return (key_hash[depth // 8] >> (7 - depth % 8)) & 1


def build_vectors() -> dict[str, Any]:
    cases = []
    for name, h in HASHERS.items():
        store = MemoryNodeStore()
        tree = StateTree(h, store)
        root, nodes = tree.apply(EMPTY_ROOT, dict(ENTRIES))
        store.put_nodes(nodes)
        proofs = []
        for key, value in PROBES:
            proof = tree.prove(root, key)
            proofs.append(
                {
                    "key": key.hex(),
                    "value": None if value is None else value.hex(),
                    "key_hash": h(key).hex(),
                    "proof": proof.to_bytes().hex(),
                    "leaf": None if proof.leaf is None else [x.hex() for x in proof.leaf],
                    # as in the encoding (docs/state.md): an empty sibling is b"" here too
                    "siblings": [s.hex() for s in proof.to_obj()["siblings"]],
                }
            )
        after, _ = tree.apply(root, dict.fromkeys(DELETE))
        cases.append(
            {
                "hash": name,
                "entries": [{"key": k.hex(), "value": v.hex()} for k, v in ENTRIES],
                "root": root.hex(),
                "nodes": {k.hex(): v.hex() for k, v in sorted(nodes.items())},
                "proofs": proofs,
                "delete": [k.hex() for k in DELETE],
                "root_after_delete": after.hex(),
            }
        )
    return {
        "description": (
            "Wuyi state tree (compressed binary sparse Merkle tree), see docs/state.md. "
            "leaf = H(0x00 || H(key) || H(value)); internal = H(0x01 || left || right); "
            "empty subtree = 32 zero bytes. Proofs are canonical CBOR of "
            '{"leaf": null | [key_hash, value_hash], "siblings": [bstr, root first; b"" = empty]}.'
        ),
        "empty_root": EMPTY_ROOT.hex(),
        "cases": cases,
    }


def test_vector_file_is_current() -> None:
    assert json.loads(VECTORS.read_text(encoding="utf-8")) == build_vectors()


def _reference_root(h: Any, items: list[tuple[bytes, bytes]], depth: int = 0) -> bytes:
    if not items:
        return EMPTY_ROOT
    if len(items) == 1:
        return bytes(h(b"\x00" + items[0][0] + items[0][1]))
    lo = [it for it in items if _bit(it[0], depth) == 0]
    hi = [it for it in items if _bit(it[0], depth) == 1]
    return bytes(h(b"\x01" + _reference_root(h, lo, depth + 1) + _reference_root(h, hi, depth + 1)))


@pytest.mark.parametrize("case_index", [0, 1])
def test_vectors_check_independently(case_index: int) -> None:
    case = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"][case_index]
    h = HASHERS[case["hash"]]
    entries = [(bytes.fromhex(e["key"]), bytes.fromhex(e["value"])) for e in case["entries"]]
    root = bytes.fromhex(case["root"])
    assert _reference_root(h, [(h(k), h(v)) for k, v in entries]) == root
    # The nodes alone are enough to read the state back.
    store = MemoryNodeStore({bytes.fromhex(k): bytes.fromhex(v) for k, v in case["nodes"].items()})
    tree = StateTree(h, store)
    for k, v in entries:
        assert tree.get(root, k) == v
    for p in case["proofs"]:
        key = bytes.fromhex(p["key"])
        value = None if p["value"] is None else bytes.fromhex(p["value"])
        proof = StateProof.from_bytes(bytes.fromhex(p["proof"]))
        assert [s.hex() for s in proof.to_obj()["siblings"]] == p["siblings"]
        verify_proof(h, root, key, value, proof)
        with pytest.raises(ProofInvalid):
            verify_proof(h, root, key, b"forged", proof)
        # A proof for one key never shows another present key's value or absence. (It may
        # rightly show an absent key's absence: eve's path ends in another key's leaf.)
        for q in case["proofs"]:
            other = bytes.fromhex(q["key"])
            if other != key and q["value"] is not None:
                with pytest.raises(ProofInvalid):
                    verify_proof(h, root, other, None, proof)
                if q["proof"] != p["proof"]:  # eve's proof *is* bob's leaf path here
                    with pytest.raises(ProofInvalid):
                        verify_proof(h, root, other, bytes.fromhex(q["value"]), proof)
        # Truncated paths do not verify.
        if proof.siblings:
            with pytest.raises(ProofInvalid):
                verify_proof(h, root, key, value, StateProof(proof.siblings[:-1], proof.leaf))
    remaining = dict(entries)
    for k in case["delete"]:
        del remaining[bytes.fromhex(k)]
    expected = _reference_root(h, [(h(k), h(v)) for k, v in remaining.items()])
    assert expected == bytes.fromhex(case["root_after_delete"])


if __name__ == "__main__":
    VECTORS.write_text(
        json.dumps(build_vectors(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
