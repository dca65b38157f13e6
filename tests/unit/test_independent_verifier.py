"""A verifier written from docs/ alone (``tests/unit/independent_verifier.py``, which imports
nothing from ``wuyi``) agrees with the chain on every header, QC, root, signature and proof:
against the vectors in ``tests/vectors/verification_vectors.json`` and against a live
in-process node serving the committee chain (validator-set changes at 3 and 5) over its API."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.unit import independent_verifier as iv
from tests.unit.committee_chain import Committee, build_committee, serve
from tests.unit.test_verification_vectors import VECTORS, apply_patch

MODULE = Path(iv.__file__)


def vectors() -> dict[str, Any]:
    v: dict[str, Any] = iv.load_file(VECTORS.read_text(encoding="utf-8"))
    return v


def test_the_verifier_imports_nothing_from_the_project() -> None:
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(n == "wuyi" or n.startswith(("wuyi.", "tests")) for n in names), names
    assert names <= {
        "__future__",
        "hashlib",
        "json",
        "re",
        "collections.abc",
        "dataclasses",
        "typing",
        "cbor2",
        "cryptography.exceptions",
        "cryptography.hazmat.primitives.asymmetric.ed25519",
    }, names


# -- the vectors, step by step -------------------------------------------------------------------


def test_vectors_encoding_and_hashes() -> None:
    v = vectors()
    vs = v["validator_set"]
    assert iv.encode(vs["value"]) == vs["encoding"]
    assert iv.valset_hash(vs["value"]) == vs["hash"]
    g = v["genesis"]
    assert b"wuyi/header\x00" + iv.encode(g["header"]) == g["hashing_bytes"]
    assert iv.header_hash(g["header"]) == g["hash"] == v["genesis_hash"]
    assert g["header"]["validator_set_hash"] == vs["hash"]
    b = v["block"]
    assert iv.header_hash(b["header"]) == b["hash"]
    assert iv.decode(iv.encode(b["header"])) == b["header"]


def test_vectors_walk_from_genesis() -> None:
    v = vectors()
    chain = iv.Chain.from_genesis(
        v["genesis_hash"], v["genesis"]["header"], v["validator_set"]["value"]
    )
    for c in v["validator_changes"]:
        h = c["header"]
        assert iv.header_hash(h) == c["header_hash"]
        assert (
            iv.vote_bytes(v["chain_id"], "commit", h["height"], c["qc"]["round"], c["header_hash"])
            == c["vote_bytes"]
        )
        assert iv.valset_hash(c["validators"]) == c["validator_set_hash"]
        chain.add_change(h, c["qc"], c["validators"])
        assert chain.sets[-1][0] == c["effective_height"]
    assert [e for e, _, _ in chain.sets] == [0, 3, 5]
    b = v["block"]
    assert iv.vote_bytes(v["chain_id"], "commit", 6, b["qc"]["round"], b["hash"]) == b["vote_bytes"]
    assert chain.certify(b["header"], b["qc"]) == b["hash"]
    # the block is not the chain's without the changes, or with a prevote certificate
    bare = iv.Chain.from_genesis(
        v["genesis_hash"], v["genesis"]["header"], v["validator_set"]["value"]
    )
    with pytest.raises(iv.Refused, match="not in force"):
        bare.certify(b["header"], b["qc"])
    with pytest.raises(iv.Refused, match="commit votes"):
        chain.certify(b["header"], dict(b["qc"], type="prevote"))


def test_vectors_transactions_receipts_and_state() -> None:
    v = vectors()
    header = v["block"]["header"]
    assert iv.merkle_root(v["block"]["txs"]) == header["tx_root"]
    for t in v["transactions"]:
        assert iv.decode(t["wire"]) == {"body": t["body"], "sig": t["sig"]}
        assert b"wuyi/tx\x00" + iv.encode(t["body"]) == t["signing_bytes"]
        th, _ = iv.tx_hash(t["wire"])
        assert th == t["tx_hash"] == iv.H(t["signing_bytes"])
        assert iv.H(b"\x00" + t["wire"]) == t["leaf_hash"]
        root = iv.merkle_root_from_path(t["wire"], t["index"], header["tx_count"], t["audit_path"])
        assert root == header["tx_root"]
        assert iv.encode(t["receipt"]) == t["receipt_bytes"]
        root = iv.merkle_root_from_path(
            t["receipt_bytes"], t["index"], header["tx_count"], t["receipt_audit_path"]
        )
        assert root == header["receipts_root"]
        assert t["receipt"]["tx_hash"] == th
        try:  # the same path at another index leads elsewhere (or is refused outright)
            other = iv.merkle_root_from_path(t["wire"], 1, header["tx_count"], t["audit_path"])
        except iv.Refused:
            other = b""
        assert other != header["tx_root"]
    present, absent = v["state"]
    for s in (present, absent):
        assert s["state_root"] == header["state_root"]
        assert iv.state_root_from_proof(s["key"], s["value"], s["proof"]) == s["state_root"]
    assert present["value"] is not None and absent["value"] is None
    # an empty sibling is b"" (docs/state.md), never 32 zero bytes
    assert all(
        len(x) in (0, 32) for x in present["proof"]["siblings"] + absent["proof"]["siblings"]
    )
    with pytest.raises(iv.Refused, match="leaf is not this key and value"):
        iv.state_root_from_proof(present["key"], b"x", present["proof"])


def test_vectors_bundle_and_every_refusal() -> None:
    v = vectors()
    record = iv.verify_bundle(v["bundle"], v["genesis_hash"], v["document"].encode())
    assert record["status"] == "active"
    for case in v["refused"]:
        with pytest.raises(iv.Refused) as info:
            iv.verify_bundle(apply_patch(v["bundle"], case["patch"]), v["genesis_hash"])
        assert info.value.check == case["step"], (case["why"], str(info.value))


def test_vectors_one_spelling_only() -> None:
    text = VECTORS.read_text(encoding="utf-8")
    i = text.index('"$bytes": "') + len('"$bytes": "')
    j = next(k for k in range(i, i + 64) if text[k] in "abcdef")
    with pytest.raises(iv.Refused, match="lowercase"):
        iv.load_file(text[:j] + text[j].upper() + text[j + 1 :])


# -- a live node -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Committee, Any]]:
    c = build_committee(tmp_path_factory.mktemp("live") / "store")
    try:
        with (
            serve(c.node) as transport,
            httpx.Client(base_url="http://node", transport=transport) as http,
        ):

            def get(path: str, **params: Any) -> Any:
                r = http.get(path, params=params)
                assert r.status_code == 200, (path, r.text)
                return r.json()

            yield c, get
    finally:
        c.node.close()


def test_live_node_every_header_qc_tx_receipt_and_state(live: tuple[Committee, Any]) -> None:
    c, get = live
    pinned = bytes.fromhex(get("/v1/status")["genesis_hash"])
    assert pinned == c.node.genesis_hash
    chain = iv.chain_from_api(get, pinned)
    assert [e for e, _, _ in chain.sets] == [0, 3, 5]
    top = get("/v1/status")["height"]
    for h in range(top + 1):
        header = iv.certified_block_from_api(get, chain, h)
        for tx_hash in get(f"/v1/blocks/{h}")["tx_hashes"]:
            out = iv.tx_from_api(get, chain, tx_hash)
            assert out["height"] == h and out["receipt"]["status"] == "ok"
        # the state at every height, including 0 (genesis: the set it names is the genesis set)
        info = iv.state_from_api(get, chain, b"chain/info", height=h)
        assert info is not None and iv.decode(info)["chain_id"] == c.node.chain.chain_id
        assert header["height"] == h
    for name, doc_hash in c.doc_hashes.items():
        value = iv.state_from_api(get, chain, b"evidence/" + doc_hash)
        assert value is not None and iv.decode(value)["meta"] == {"title": name}
    assert iv.state_from_api(get, chain, b"evidence/" + bytes(32)) is None


def test_live_node_bundles(live: tuple[Committee, Any]) -> None:
    c, get = live
    for name, doc_hash in c.doc_hashes.items():
        text = json.dumps(get(f"/v1/evidence/{doc_hash.hex()}/bundle"))
        record = iv.verify_bundle(iv.load_file(text), c.node.genesis_hash)
        assert record["doc_hash"] == doc_hash and record["meta"] == {"title": name}


def test_live_node_lies_are_caught(live: tuple[Committee, Any]) -> None:
    """A node serving the genesis set at height 0 wrong, or hiding a change, is caught."""
    c, get = live
    pinned = c.node.genesis_hash

    def hiding(index: int) -> Any:
        def lie(path: str, **params: Any) -> Any:
            doc = get(path, **params)
            if path == "/v1/validators/changes":
                del doc["changes"][index]
            return doc

        return lie

    with pytest.raises(iv.Refused, match="change: header: names a validator set not in force"):
        iv.chain_from_api(hiding(1), pinned)  # the change at 5 is signed by the hidden set
    chain = iv.chain_from_api(hiding(2), pinned)
    iv.certified_block_from_api(get, chain, 4)
    with pytest.raises(iv.Refused, match="not in force"):
        iv.certified_block_from_api(get, chain, 5)

    def current_set_at_zero(path: str, **params: Any) -> Any:
        doc = get(path, **params)
        if path == "/v1/blocks/0":
            doc["validators"] = get("/v1/blocks/6")["validators"]
        return doc

    with pytest.raises(iv.Refused, match="disagree on the genesis set"):
        iv.chain_from_api(current_set_at_zero, pinned)
