"""Proof bundles verify from the chain's genesis alone (issue #16 item 1).

Through ``wuyi verify`` (and the SDK and the API where they check bundles): a bundle forged on a
private chain with the same chain id, a set-change chain that skips a change, a change or block
signed by a set that was never in force, a change signed by less than two thirds of the set
before, a prevote certificate presented as a commit: all refused, naming the check. The chain
with validator-set changes is ``tests/unit/committee_chain.py``."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tests.unit.committee_chain import (
    DOC_A,
    DOC_B,
    Committee,
    build_committee,
    keys_for,
    sdk_client,
    serve,
)
from wuyi.abc import PrivateKey
from wuyi.cli import app
from wuyi.consensus.certificate import ValidatorSet, compute_vote_bytes
from wuyi.crypto import load_key
from wuyi.exceptions import ProofInvalid
from wuyi.ledger.jsonform import from_json, to_json
from wuyi.ledger.types import BlockHeader
from wuyi.node.home import OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.sdk import TxBuilder

PW = "bundle-test-passphrase"


@pytest.fixture(scope="module")
def committee(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Committee]:
    c = build_committee(tmp_path_factory.mktemp("committee") / "store")
    try:
        yield c
    finally:
        c.node.close()


def verify(tmp: Path, bundle: dict[str, Any], *args: str, name: str = "b.json") -> Any:
    path = tmp / name
    path.write_text(json.dumps(to_json(bundle), ensure_ascii=False))
    return CliRunner().invoke(app, ["verify", str(path), *args])


def pinned(c: Committee) -> list[str]:
    return ["--genesis-hash", c.node.genesis_hash.hex()]


def refused(r: Any, *words: str) -> None:
    assert r.exit_code == 1, r.output
    assert "验证失败 / verification failed" in r.output
    for w in words:
        assert w in r.output, r.output


def sign_qc(
    c: Committee,
    header: dict[str, Any],
    signers: list[tuple[int, PrivateKey]],
    kind: str = "commit",
) -> dict[str, Any]:
    """A QC on ``header`` by ``signers`` ((index in the set, key))."""
    h = BlockHeader.from_obj(header)
    bh = h.compute_hash(c.suite)
    msg = compute_vote_bytes(h.chain_id, kind, h.height, 0, bh)
    return {
        "type": kind,
        "height": h.height,
        "round": 0,
        "block_hash": bh,
        "signatures": [[i, k.sign(msg)] for i, k in signers],
    }


# -- a real bundle passes, pinned (exit 0) or not (exit 3) ---------------------------------------


def test_bundle_across_two_changes_verifies_from_genesis(
    committee: Committee, tmp_path: Path
) -> None:
    """The record of A was anchored under S0 and is proven in the state of a block signed by
    S2: the bundle carries both changes and passes pinned."""
    b = committee.node.evidence_bundle(committee.doc_hashes["A"])
    assert b["format"] == "wuyi-proof-bundle/2"
    assert [c["header"]["height"] + 1 for c in b["validator_changes"]] == [3, 5]
    doc = tmp_path / "a.txt"
    doc.write_bytes(DOC_A)
    r = verify(tmp_path, b, str(doc), *pinned(committee))
    assert r.exit_code == 0, r.output
    assert "validator change at height 3" in r.output and "validator change at height 5" in r.output
    assert "anchor: block 2" in r.output and "state: block 6" in r.output
    unpinned = verify(tmp_path, b, str(doc))
    assert unpinned.exit_code == 3
    assert "NOT PINNED" in unpinned.output.splitlines()[0]
    assert committee.node.genesis_hash.hex() in unpinned.output.splitlines()[0]


# -- the forgery of the issue --------------------------------------------------------------------


def _single_chain(root: Path, doc: bytes) -> tuple[dict[str, Any], bytes, list[dict[str, Any]]]:
    """A one-validator chain 'jiangmen-gov' with ``doc`` anchored: (bundle, genesis hash, the
    validator set)."""
    res = init_home(
        root,
        chain_id="jiangmen-gov",
        suite="intl",
        orgs=[OrgSpec("zrzyj", "江门市自然资源局", True)],
        passphrase=PW,
        time_ms=1_764_201_600_000,
    )
    node = Node.open(res.home.root, validator_key=res.home.load_validator_key(PW))
    admin = load_key(res.admin_keys["zrzyj"][0], PW)
    h = node.suite.hash(doc)
    node.submit(TxBuilder("jiangmen-gov", admin).anchor(h, {"title": "不动产权证书"}).to_bytes())
    node.produce_block()
    try:
        return node.evidence_bundle(h), node.genesis_hash, node.validators().to_obj()
    finally:
        node.close()


def test_bundle_from_a_private_chain_with_the_same_id_is_refused(tmp_path: Path) -> None:
    """`wuyi init` a private chain with the same chain id, anchor a fake 不动产权证书 there,
    bundle it and put the real chain's genesis hash in: refused. So is every way of dressing it
    up with the real chain's genesis."""
    fake_doc = "不动产权证书 粤(2024)江门市不动产权第9999999号（伪造）".encode()
    real_bundle, real_genesis, _ = _single_chain(tmp_path / "real", "真证书".encode())
    forged, _, fake_vs = _single_chain(tmp_path / "fake", fake_doc)
    doc = tmp_path / "fake.txt"
    doc.write_bytes(fake_doc)
    pin = ["--genesis-hash", real_genesis.hex()]

    forged["chain"]["genesis_hash"] = real_genesis
    refused(
        verify(tmp_path, forged, str(doc), *pin), "genesis", "pinned genesis hash", "another chain"
    )

    # with the real genesis block and set: the anchoring block is signed by the forger's set
    forged["genesis"] = copy.deepcopy(real_bundle["genesis"])
    refused(
        verify(tmp_path, forged, str(doc), *pin),
        "anchor: block 1 names validator set",
        "set in force at that height from genesis",
    )

    # ... and a "change" to the forger's set, signed by it: not signed by the set in force
    fake_change = {
        "header": forged["anchor"]["header"],
        "qc": forged["anchor"]["qc"],
        "validators": real_bundle["genesis"]["validators"],
    }
    forged["validator_changes"] = [fake_change]
    refused(verify(tmp_path, forged, str(doc), *pin), "validator change at height 2")

    # the same forgery in the old format (validator sets in the file) never passes pinned ...
    legacy = copy.deepcopy(forged)
    del legacy["genesis"], legacy["validator_changes"]
    legacy["format"] = "wuyi-proof-bundle/1"
    legacy["anchor"]["validators"] = fake_vs
    legacy["state"]["validators"] = fake_vs
    refused(verify(tmp_path, legacy, str(doc), *pin), "cannot be checked against a pinned genesis")
    # ... and without a pin it says first that it trusts the file, with a distinct exit code
    r = verify(tmp_path, legacy, str(doc))
    assert r.exit_code == 3, r.output
    first = r.output.splitlines()[0]
    assert "NOT PINNED" in first and "trusts" in first


def test_sdk_and_api_refuse_a_forged_bundle(committee: Committee, tmp_path: Path) -> None:
    """The SDK checks a bundle from the chain's genesis hash, so a node handing out a bundle of
    another chain (with this chain's genesis hash written in) is caught; POST /v1/verify pins
    the genesis of the chain the node serves and says so."""
    forged, _, _ = _single_chain(tmp_path / "fake", DOC_B)
    forged["chain"]["genesis_hash"] = committee.node.genesis_hash
    with serve(committee.node) as transport:
        real = sdk_client(transport).evidence_bundle(committee.doc_hashes["B"])
        assert real["format"] == "wuyi-proof-bundle/2"

        def lying(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/bundle"):
                return httpx.Response(200, json=to_json(forged))
            return transport.handle_request(request)

        liar = sdk_client(httpx.MockTransport(lying))
        with pytest.raises(ProofInvalid, match="pinned genesis hash"):
            liar.evidence_bundle(committee.doc_hashes["B"])
        out = sdk_client(transport).verify_document(DOC_B)
        assert out.valid and out.pinned and out.genesis_hash == committee.node.genesis_hash.hex()
        assert out.checks[0].startswith("genesis: the genesis block hashes to the pinned")


# -- the set-change chain ------------------------------------------------------------------------


def test_a_skipped_change_is_refused(committee: Committee, tmp_path: Path) -> None:
    b = committee.node.evidence_bundle(committee.doc_hashes["B"])  # anchored at 5 under S2
    skip_first = copy.deepcopy(b)
    del skip_first["validator_changes"][0]
    refused(
        verify(tmp_path, skip_first, *pinned(committee)),
        "validator change at height 5: block 4 names validator set",
        "a validator-set change is missing",
    )
    skip_last = copy.deepcopy(b)
    del skip_last["validator_changes"][1]
    refused(
        verify(tmp_path, skip_last, *pinned(committee)),
        "anchor: block 5 names validator set",
        "a validator-set change is missing",
    )
    # A (anchored under S0) proven in a state block of S2: the state section needs the changes
    a = committee.node.evidence_bundle(committee.doc_hashes["A"])
    a["validator_changes"] = []
    refused(verify(tmp_path, a, *pinned(committee)), "state: block 6 names validator set")


def test_changes_out_of_order_or_repeated_are_refused(committee: Committee, tmp_path: Path) -> None:
    b = committee.node.evidence_bundle(committee.doc_hashes["B"])
    b["validator_changes"].reverse()
    refused(verify(tmp_path, b, *pinned(committee)), "validator change at height 5")
    b["validator_changes"].reverse()
    b["validator_changes"].append(b["validator_changes"][1])
    refused(verify(tmp_path, b, *pinned(committee)), "changes must come in order")


def test_a_change_signed_by_a_set_never_in_force_is_refused(
    committee: Committee, tmp_path: Path
) -> None:
    c = committee
    b = c.node.evidence_bundle(c.doc_hashes["B"])
    evil = keys_for("intl", "never-in-force", 4)
    evil_set = ValidatorSet.from_obj(
        [{"name": f"e{i}", "power": 1, "public_key": k.public_key} for i, k in enumerate(evil)]
    )
    # (a) block 4 as the chain has it, but the certificate is the evil keys'
    a = copy.deepcopy(b)
    change = a["validator_changes"][1]
    change["qc"] = sign_qc(c, change["header"], list(enumerate(evil)))
    refused(verify(tmp_path, a, *pinned(c)), "validator change at height 5", "does not verify")
    # (b) a block 4 of the evil set, naming it and signed by it, handing over to it
    bb = copy.deepcopy(b)
    change = bb["validator_changes"][1]
    change["header"]["validator_set_hash"] = evil_set.compute_hash(c.suite)
    change["header"]["next_validator_set_hash"] = evil_set.compute_hash(c.suite)
    change["qc"] = sign_qc(c, change["header"], list(enumerate(evil)))
    change["validators"] = evil_set.to_obj()
    refused(
        verify(tmp_path, bb, *pinned(c)),
        "validator change at height 5: block 4 names validator set",
        "never in force",
    )
    # (c) the anchoring block re-signed by a set that was never in force
    cc = copy.deepcopy(b)
    cc["anchor"]["qc"] = sign_qc(c, cc["anchor"]["header"], list(enumerate(evil)))
    refused(
        verify(tmp_path, cc, *pinned(c)), "anchor: block 5 quorum certificate", "does not verify"
    )


def test_a_change_signed_by_less_than_two_thirds_is_refused(
    committee: Committee, tmp_path: Path
) -> None:
    c = committee
    b = c.node.evidence_bundle(c.doc_hashes["B"])
    change = b["validator_changes"][0]  # block 2, signed by S0 = v0..v3
    change["qc"] = sign_qc(c, change["header"], [(0, c.keys[0]), (1, c.keys[1])])
    refused(
        verify(tmp_path, b, *pinned(c)),
        "validator change at height 3",
        "QC has voting power 2, quorum needs 3 of 4",
    )
    # two of the set before and the two newcomers of the next set are still not the set before
    change["qc"]["signatures"] = change["qc"]["signatures"] + [
        [2, sign_qc(c, change["header"], [(2, c.keys[4])])["signatures"][0][1]]
    ]
    refused(verify(tmp_path, b, *pinned(c)), "validator change at height 3", "does not verify")


def test_a_prevote_certificate_is_not_a_commit(committee: Committee, tmp_path: Path) -> None:
    """Two thirds prevoting a block does not mean it was committed (a later round may commit
    another): only commit votes certify a header."""
    c = committee
    b = c.node.evidence_bundle(c.doc_hashes["B"])  # block 5, S2 = v0, v1, v4, v5
    s2 = [(0, c.keys[0]), (1, c.keys[1]), (2, c.keys[4]), (3, c.keys[5])]
    b["anchor"]["qc"] = sign_qc(c, b["anchor"]["header"], s2, kind="prevote")
    refused(verify(tmp_path, b, *pinned(c)), "anchor", "'prevote' votes, not commit votes")


# -- one spelling only ---------------------------------------------------------------------------


def test_one_spelling_only(committee: Committee, tmp_path: Path) -> None:
    c = committee
    text = json.dumps(to_json(c.node.evidence_bundle(c.doc_hashes["B"])), ensure_ascii=False)
    ok = tmp_path / "ok.json"
    ok.write_text(text)
    assert CliRunner().invoke(app, ["verify", str(ok), *pinned(c)]).exit_code == 0
    # one hex digit in upper case (the first letter digit of the anchoring signature)
    doc = json.loads(text)
    sig = doc["anchor"]["qc"]["signatures"][0][1]["$bytes"]
    i = next(i for i, ch in enumerate(sig) if ch in "abcdef")
    doc["anchor"]["qc"]["signatures"][0][1]["$bytes"] = sig[:i] + sig[i].upper() + sig[i + 1 :]
    upper = tmp_path / "upper.json"
    upper.write_text(json.dumps(doc))
    refused(CliRunner().invoke(app, ["verify", str(upper), *pinned(c)]), "lowercase hex")
    # a key written twice (JSON parsers keep one of the two silently)
    dup = tmp_path / "dup.json"
    dup.write_text(text.replace('"index": ', '"index": 7, "index": ', 1))
    refused(CliRunner().invoke(app, ["verify", str(dup), *pinned(c)]), "appears twice")
    assert from_json({"$bytes": "ab"}) == b"\xab"


# -- what the API serves for height 0 and the changes --------------------------------------------


def test_api_serves_the_genesis_set_at_height_zero_and_each_change_once(
    committee: Committee,
) -> None:
    c = committee
    s0 = c.valset([0, 1, 2, 3])
    with serve(c.node) as transport:
        client = sdk_client(transport, genesis_hash=c.node.genesis_hash)
        raw = client._get("/v1/blocks/0")
        assert [v["public_key"] for v in raw["validators"]] == [
            v.public_key.hex() for v in s0.validators
        ]
        assert raw["header"]["validator_set_hash"] == s0.compute_hash(c.suite).hex()
        st = client._get("/v1/state/" + b"chain/info".hex(), height=0, prove="true")
        assert [v["public_key"] for v in st["validators"]] == [
            v.public_key.hex() for v in s0.validators
        ]
        assert client.get_state(b"chain/info", height=0).verified
        changes = client._get("/v1/validators/changes")["changes"]
        assert [ch["effective_height"] for ch in changes] == [0, 3, 5]
        assert client.get_block(0).height == 0
        assert client.get_block(6).height == 6  # certified by S2, derived through both changes
        doc = client.evidence_bundle(c.doc_hashes["A"])
        assert len(doc["validator_changes"]) == 2


def test_sm_chain_bundles_verify_from_genesis_and_refuse_a_skipped_change(tmp_path: Path) -> None:
    """The same walk on an sm chain (SM3, SM2): the project's verifier (the independent one in
    tests/unit/independent_verifier.py covers intl only)."""
    c = build_committee(tmp_path / "sm-store", "sm")
    try:
        gh = c.node.genesis_hash
        for name in ("A", "B"):
            b = c.node.evidence_bundle(c.doc_hashes[name])
            doc = tmp_path / f"{name}.txt"
            doc.write_bytes(DOC_A if name == "A" else DOC_B)
            r = verify(tmp_path, b, str(doc), "--genesis-hash", gh.hex())
            assert r.exit_code == 0, r.output
            assert "sm3 matches the record" in r.output
        del b["validator_changes"][0]
        refused(
            verify(tmp_path, b, "--genesis-hash", gh.hex()), "a validator-set change is missing"
        )
        with serve(c.node) as transport:
            out = sdk_client(transport, genesis_hash=gh).verify_document(DOC_A)
            assert out.valid and out.pinned
            assert sdk_client(transport).get_block(6).height == 6
    finally:
        c.node.close()
