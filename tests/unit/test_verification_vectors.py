"""Vectors for each step of verification from genesis (docs/verifying.md), from the ``intl``
committee chain of ``tests/unit/committee_chain.py`` (deterministic: fixed keys, times, nonces;
Ed25519 signs deterministically). ``PYTHONPATH=. python tests/unit/test_verification_vectors.py``
rewrites ``tests/vectors/verification_vectors.json``; the tests check that it is current and
that the project's own verifier accepts the bundle and refuses each altered one, naming the
check.
``tests/unit/test_independent_verifier.py`` checks the same file with no project code."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.unit.committee_chain import DOC_B, build_committee, keys_for
from wuyi.consensus.certificate import ValidatorSet, compute_vote_bytes
from wuyi.encoding import encode
from wuyi.exceptions import ProofInvalid
from wuyi.ledger import keys
from wuyi.ledger.bundle import validate_bundle
from wuyi.ledger.jsonform import from_json, to_json
from wuyi.ledger.merkle import compute_inclusion_proof, compute_leaf_hash
from wuyi.ledger.types import BlockHeader, Transaction

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "verification_vectors.json"


def _qc_by(suite: Any, header: dict[str, Any], signers: list[tuple[int, Any]], kind: str) -> Any:
    h = BlockHeader.from_obj(header)
    bh = h.compute_hash(suite)
    msg = compute_vote_bytes(h.chain_id, kind, h.height, 0, bh)
    return {
        "type": kind,
        "height": h.height,
        "round": 0,
        "block_hash": bh,
        "signatures": [[i, k.sign(msg)] for i, k in signers],
    }


def build_vectors() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        c = build_committee(Path(tmp) / "store", "intl")
        try:
            return _build(c)
        finally:
            c.node.close()


def _build(c: Any) -> dict[str, Any]:
    node, suite = c.node, c.suite
    store = node.store
    genesis = store.get_header(0)
    gset = node.validators(0)
    changes = []
    for ch in node.validator_changes():
        header = BlockHeader.from_obj(ch["header"])
        bh = header.compute_hash(suite)
        changes.append(
            {
                "effective_height": header.height + 1,
                "header": ch["header"],
                "header_hash": bh,
                "qc": ch["qc"],
                "vote_bytes": compute_vote_bytes(
                    header.chain_id, "commit", header.height, ch["qc"]["round"], bh
                ),
                "validators": ch["validators"],
                "validator_set_hash": ValidatorSet.from_obj(ch["validators"]).compute_hash(suite),
            }
        )
    block = store.get_block(6)
    assert block.qc is not None and len(block.txs) == 3
    receipts = store.get_receipts(6)
    txs = []
    for i in (0, 2):
        tx = Transaction.from_bytes(block.txs[i])
        txs.append(
            {
                "index": i,
                "wire": block.txs[i],
                "body": tx.body(),
                "sig": tx.signature,
                "signing_bytes": tx.signing_bytes(),
                "tx_hash": tx.compute_hash(suite),
                "leaf_hash": compute_leaf_hash(suite.hash, block.txs[i]),
                "audit_path": compute_inclusion_proof(suite.hash, list(block.txs), i),
                "receipt": receipts[i].to_obj(),
                "receipt_bytes": receipts[i].to_bytes(),
                "receipt_audit_path": compute_inclusion_proof(
                    suite.hash, [r.to_bytes() for r in receipts], i
                ),
            }
        )
    b_key = keys.evidence_key(c.doc_hashes["B"])
    present = node.prove_state(b_key, 6)
    absent = node.prove_state(keys.evidence_key(bytes(32)), 6)
    bundle = node.evidence_bundle(c.doc_hashes["B"])
    return to_json(
        {
            "description": (
                "Verification from genesis, step by step (docs/verifying.md), suite intl"
                ' (SHA-256, Ed25519). Byte strings are {"$bytes": lowercase hex}. The chain:'
                " genesis set v0..v3; a change to v0,v1,v2,v4 at 3 and to v0,v1,v4,v5 at 5;"
                " document B anchored in block 5; block 6 holds three transactions."
            ),
            "suite": "intl",
            "chain_id": genesis.chain_id,
            "genesis_hash": node.genesis_hash,
            "validator_set": {
                "value": gset.to_obj(),
                "encoding": encode(gset.to_obj()),
                "hash": gset.compute_hash(suite),
            },
            "genesis": {
                "header": genesis.to_obj(),
                "hashing_bytes": genesis.hashing_bytes(),
                "hash": genesis.compute_hash(suite),
            },
            "validator_changes": changes,
            "block": {
                "header": block.header.to_obj(),
                "hashing_bytes": block.header.hashing_bytes(),
                "hash": block.compute_hash(suite),
                "qc": block.qc.to_obj(),
                "vote_bytes": compute_vote_bytes(
                    c.node.chain.chain_id, "commit", 6, block.qc.round, block.compute_hash(suite)
                ),
                "txs": list(block.txs),
            },
            "transactions": txs,
            "state": [
                {k: p[k] for k in ("key", "value", "proof")}
                | {"state_root": p["header"]["state_root"]}
                for p in (present, absent)
            ],
            "bundle": bundle,
            "document": DOC_B.decode(),
            "refused": _refusals(c, bundle),
        }
    )


def _refusals(c: Any, bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Altered copies of the bundle, each with the step that must refuse it. ``patch``: a list
    of ``{op: remove | replace, path: [keys and indices], value}``."""
    suite = c.suite
    evil = keys_for("intl", "never-in-force", 4)
    s2 = [(0, c.keys[0]), (1, c.keys[1]), (2, c.keys[4]), (3, c.keys[5])]
    change1 = bundle["validator_changes"][1]
    other_genesis = dict(bundle["genesis"]["header"], time=bundle["genesis"]["header"]["time"] + 1)
    return [
        {
            "why": "another chain's genesis (the forger's private chain with the same id)",
            "step": "genesis",
            "project": "pinned genesis hash",
            "patch": [{"op": "replace", "path": ["genesis", "header"], "value": other_genesis}],
        },
        {
            "why": "the set-change chain skips the change at height 3",
            "step": "change",
            "project": "a validator-set change is missing",
            "patch": [{"op": "remove", "path": ["validator_changes", 0]}],
        },
        {
            "why": "the change at height 5 is signed by keys of a set that was never in force",
            "step": "change",
            "project": "does not verify",
            "patch": [
                {
                    "op": "replace",
                    "path": ["validator_changes", 1, "qc"],
                    "value": _qc_by(suite, change1["header"], list(enumerate(evil)), "commit"),
                }
            ],
        },
        {
            "why": "the change at height 3 is signed by 2 of the 4 validators of the set before",
            "step": "change",
            "project": "QC has voting power 2, quorum needs 3 of 4",
            "patch": [
                {"op": "remove", "path": ["validator_changes", 0, "qc", "signatures", 3]},
                {"op": "remove", "path": ["validator_changes", 0, "qc", "signatures", 2]},
            ],
        },
        {
            "why": "the anchoring block carries a quorum of prevotes, not of commit votes",
            "step": "qc",
            "project": "not commit votes",
            "patch": [
                {
                    "op": "replace",
                    "path": ["anchor", "qc"],
                    "value": _qc_by(suite, bundle["anchor"]["header"], s2, "prevote"),
                }
            ],
        },
        {
            "why": "the record shown is not the proven value",
            "step": "record",
            "project": "record shown in the bundle differs",
            "patch": [{"op": "replace", "path": ["record", "meta", "title"], "value": "伪造"}],
        },
        {
            "why": "the state proof is for another value",
            "step": "state proof",
            "project": "state proof",
            "patch": [{"op": "replace", "path": ["state", "proof", "leaf", 1], "value": bytes(32)}],
        },
    ]


def apply_patch(doc: Any, patch: list[dict[str, Any]]) -> Any:
    out = copy.deepcopy(doc)
    for op in patch:
        *parents, last = op["path"]
        target = out
        for p in parents:
            target = target[p]
        if op["op"] == "remove":
            del target[last]
        else:
            target[last] = copy.deepcopy(op["value"])
    return out


def test_vector_file_is_current() -> None:
    assert json.loads(VECTORS.read_text(encoding="utf-8")) == build_vectors()


def test_project_verifier_accepts_the_bundle_and_refuses_each_alteration() -> None:
    v = from_json(json.loads(VECTORS.read_text(encoding="utf-8")))
    report = validate_bundle(v["bundle"], v["document"].encode(), genesis_hash=v["genesis_hash"])
    assert report.pinned and report.validator_changes == 2 and report.anchored_height == 5
    assert v["refused"]
    for case in v["refused"]:
        with pytest.raises(ProofInvalid, match=case["project"]):
            validate_bundle(apply_patch(v["bundle"], case["patch"]), genesis_hash=v["genesis_hash"])


if __name__ == "__main__":
    VECTORS.write_text(
        json.dumps(build_vectors(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
