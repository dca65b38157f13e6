"""RFC 6962 Merkle trees: known answers from Certificate Transparency, and proofs."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuyi.exceptions import ProofInvalid
from wuyi.ledger.merkle import compute_inclusion_proof, compute_root, validate_inclusion_proof


def sha256(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


# The eight leaves and the roots of their prefixes used by Certificate Transparency's tests.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_empty_root_is_hash_of_empty_string() -> None:
    assert compute_root(sha256, []) == sha256(b"")


@pytest.mark.parametrize("n", range(1, 9))
def test_ct_known_roots(n: int) -> None:
    assert compute_root(sha256, CT_LEAVES[:n]).hex() == CT_ROOTS[n - 1]


def _mth(d: list[bytes]) -> bytes:
    """RFC 6962 §2.1 written literally: the slow obvious reference."""
    if not d:
        return sha256(b"")
    if len(d) == 1:
        return sha256(b"\x00" + d[0])
    k = 1
    while k * 2 < len(d):
        k *= 2
    return sha256(b"\x01" + _mth(d[:k]) + _mth(d[k:]))


@given(st.lists(st.binary(max_size=8), max_size=70), st.data())
def test_root_matches_reference_and_every_proof_verifies(
    leaves: list[bytes], data: st.DataObject
) -> None:
    root = compute_root(sha256, leaves)
    assert root == _mth(leaves)
    if leaves:
        i = data.draw(st.integers(0, len(leaves) - 1))
        path = compute_inclusion_proof(sha256, leaves, i)
        validate_inclusion_proof(sha256, root, leaves[i], i, len(leaves), path)


def test_tampered_proofs_fail() -> None:
    leaves = [bytes([i]) for i in range(13)]
    root = compute_root(sha256, leaves)
    path = compute_inclusion_proof(sha256, leaves, 5)
    with pytest.raises(ProofInvalid):
        validate_inclusion_proof(sha256, root, b"\x99", 5, 13, path)
    with pytest.raises(ProofInvalid):
        validate_inclusion_proof(sha256, root, leaves[5], 6, 13, path)
    with pytest.raises(ProofInvalid):
        validate_inclusion_proof(sha256, root, leaves[5], 5, 40, path)
    with pytest.raises(ProofInvalid):
        validate_inclusion_proof(sha256, root, leaves[5], 5, 13, path[:-1])
    with pytest.raises(ProofInvalid):
        validate_inclusion_proof(sha256, root, leaves[5], 5, 13, [*path, bytes(32)])
    bad = list(path)
    bad[1] = bytes(32)
    with pytest.raises(ProofInvalid):
        validate_inclusion_proof(sha256, root, leaves[5], 5, 13, bad)
    with pytest.raises(ProofInvalid):
        compute_inclusion_proof(sha256, leaves, 13)
