"""Proof bundles of a contract's records and of several records (``wuyi.ledger.bundle``): a
record a contract wrote in its own state, naming the transaction that wrote it, verifies from
the chain's genesis alone like an evidence record; one bundle carries several records (e.g.
every step of a chain of custody) under one genesis and one list of validator-set changes.
Through the node (``Node.proof_bundle_of``), ``wuyi verify`` and the independent verifier of
``docs/verifying.md``; each altered copy is refused naming the record and the check."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit import independent_verifier as iv
from wuyi.cli import app
from wuyi.encoding import encode
from wuyi.exceptions import NotFound, ProofInvalid, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.bundle import combine_bundles, validate_bundle
from wuyi.ledger.handlers.contracts import state_prefix
from wuyi.ledger.jsonform import to_json
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "bundle-records-passphrase"
ORGS = (OrgSpec("sjj", "政务服务数据管理局", True), OrgSpec("gzc", "公证处"))
DOC = b"a preserved web page\n"
NOTES = """
from wuyi.contract import call, ctx, state


@call
def note(key: str, doc_hash: bytes) -> None:
    state.set("rec/" + key, {"doc_hash": doc_hash, "tx_hash": ctx.tx_hash,
                             "height": ctx.height, "org": ctx.sender_org, "status": "kept"})


@call
def claim(key: str, tx_hash: str, height: int) -> None:
    state.set("rec/" + key, {"tx_hash": tx_hash, "height": height})
"""


class Chain:
    def __init__(self, env: InProcessNode) -> None:
        self.env, self.c = env, env.client
        self.admin = env.admin("gzc")

    def call(self, contract: str, method: str, **args: Any) -> str:
        tx = self.c.builder(self.admin).contract_call(contract, method, args)
        res = self.c.submit_and_wait(tx)
        assert res.receipt.status == "ok", res.receipt
        return res.tx_hash

    def key(self, contract: str, key: str) -> bytes:
        return state_prefix(contract) + key.encode()

    @property
    def genesis(self) -> bytes:
        return self.env.node.genesis_hash


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    home = tmp_path_factory.mktemp("records")
    with inprocess_node(home / "node", ORGS, suite="intl", passphrase=PW) as env:
        c = env.client
        voters = [env.admin("gzc")]
        for name in ("notes", "other"):
            pkg = {"name": name, "version": "1.0.0", "source": NOTES, "manifest": {}}
            c.govern(env.admin("sjj"), voters, "contract.deploy", {"package": pkg}, title=name)
        ch = Chain(env)
        ch.call("notes", "note", key="a", doc_hash=c.suite.hash(DOC))
        ch.call("notes", "note", key="b", doc_hash=c.suite.hash(DOC))
        c.anchor(ch.admin, document=b"another document", meta={"title": "x"})
        ch.call("other", "note", key="a", doc_hash=c.suite.hash(b"x"))
        ch.call("notes", "claim", key="forged", tx_hash="00" * 32, height=1)
        yield ch


def verify(tmp: Path, bundle: dict[str, Any], *args: str) -> Any:
    path = tmp / "b.json"
    path.write_text(json.dumps(to_json(bundle), ensure_ascii=False))
    return CliRunner().invoke(app, ["verify", str(path), *args])


def test_a_contracts_record_verifies_from_genesis(chain: Chain, tmp_path: Path) -> None:
    b = chain.env.node.proof_bundle(chain.key("notes", "rec/a"))
    assert "records" not in b
    r = validate_bundle(b, DOC, genesis_hash=chain.genesis)
    assert r.pinned and r.kind == "contract" and len(r.records) == 1
    rec = r.records[0]
    assert (rec.contract, rec.key, rec.status, rec.org) == ("notes", "rec/a", "kept", "gzc")
    assert rec.doc_hash == chain.c.suite.hash(DOC) and r.document_matches == [0]
    assert rec.anchored_time > 0 and rec.meta["tx_hash"] == rec.tx_hash.hex()
    assert any("'rec/a' of contract 'notes' was written by" in c for c in r.checks)
    out = verify(tmp_path, b, "--genesis-hash", chain.genesis.hex())
    assert out.exit_code == 0, out.output
    assert "合约 contract notes · rec/a" in out.output and "status" in out.output
    # the independent verifier of docs/verifying.md agrees
    assert iv.verify_bundle(b, chain.genesis, DOC)["status"] == "kept"


def test_several_records_in_one_bundle(chain: Chain, tmp_path: Path) -> None:
    node, suite = chain.env.node, chain.c.suite
    other_doc = suite.hash(b"another document")
    wanted = [
        chain.key("notes", "rec/a"),
        chain.key("notes", "rec/b"),
        keys.evidence_key(other_doc),
    ]
    b = node.proof_bundle_of(wanted)
    assert len(b["records"]) == 3 and "anchor" not in b
    r = validate_bundle(b, DOC, genesis_hash=chain.genesis)
    assert [x.kind for x in r.records] == ["contract", "contract", "evidence"]
    assert r.document_matches == [0, 1]
    assert r.records[2].doc_hash == other_doc and r.records[2].meta == {"title": "x"}
    assert any(c.startswith("record 2: record: points at") for c in r.checks)
    assert validate_bundle(b, b"another document").document_matches == [2]
    with pytest.raises(ProofInvalid, match="which no record of this bundle names"):
        validate_bundle(b, b"a third document")
    out = verify(tmp_path, b, DOC_PATH(tmp_path), "--genesis-hash", chain.genesis.hex())
    assert out.exit_code == 0, out.output
    assert "记录 / records" in out.output and "matches record(s) 0, 1" in out.output
    out = verify(tmp_path, b)  # nothing pinned: checks pass, exit 3
    assert out.exit_code == 3, out.output
    assert [x["tx_hash"] for x in iv.verify_bundle_records(b, chain.genesis, DOC)][:2] == [
        r.records[0].tx_hash.hex(),
        r.records[1].tx_hash.hex(),
    ]
    # the same from single bundles combined
    one = [node.proof_bundle(k) for k in wanted]
    both = combine_bundles(one)
    assert len(validate_bundle(both, genesis_hash=chain.genesis).records) == 3
    with pytest.raises(ValidationError, match="different chains"):
        combine_bundles([one[0], {**one[1], "chain": {**one[1]["chain"], "chain_id": "x"}}])


def DOC_PATH(tmp: Path) -> str:
    path = tmp / "doc.txt"
    path.write_bytes(DOC)
    return str(path)


def altered(b: dict[str, Any], i: int, fn: Any) -> dict[str, Any]:
    out = copy.deepcopy(b)
    fn(out["records"][i])
    return out


def test_altered_records_are_refused_naming_the_record(chain: Chain, tmp_path: Path) -> None:
    node = chain.env.node
    b = node.proof_bundle_of([chain.key("notes", "rec/a"), chain.key("notes", "rec/b")])
    other = node.proof_bundle(chain.key("other", "rec/a"))

    def value(sec: dict[str, Any]) -> None:
        sec["record"]["status"] = "altered"
        sec["state"]["value"] = encode(sec["record"])

    def shown(sec: dict[str, Any]) -> None:
        sec["record"]["status"] = "altered"

    def another_contracts_key(sec: dict[str, Any]) -> None:  # proven, but not the called one's
        sec["state"] = other["state"]
        sec["record"] = other["record"]

    def anchored_elsewhere(sec: dict[str, Any]) -> None:  # the record's tx is record 0's
        sec["anchor"] = b["records"][0]["anchor"]

    cases = [
        (value, "record 1: state proof"),
        (shown, "record 1: record shown in the bundle differs"),
        (another_contracts_key, "record 1: state: proven key is not in the state of contract"),
        (anchored_elsewhere, "record 1: record does not point at the anchoring transaction"),
    ]
    for fn, why in cases:
        with pytest.raises(ProofInvalid, match=why):
            validate_bundle(altered(b, 1, fn), genesis_hash=chain.genesis)
        out = verify(tmp_path, altered(b, 1, fn), "--genesis-hash", chain.genesis.hex())
        assert out.exit_code == 1 and why.split(": ")[0] in out.output, out.output
    for bad in ([], [b["records"][0]] * 257, "x"):
        with pytest.raises(ProofInvalid, match="records is a list of 1-256"):
            validate_bundle({**b, "records": bad})
    with pytest.raises(ProofInvalid, match="must have exactly"):
        validate_bundle({**b, "anchor": b["records"][0]["anchor"]})


def test_a_record_naming_another_transaction_is_refused(chain: Chain) -> None:
    """A contract's record claiming to have been written by another transaction (here the
    contract let its caller say so) is refused: the record must name the anchoring one."""
    with pytest.raises(NotFound, match="no transaction 0000"):
        chain.env.node.proof_bundle(chain.key("notes", "rec/forged"))
    b = chain.env.node.proof_bundle(chain.key("notes", "rec/a"))
    forged = chain.env.node.prove_state(chain.key("notes", "rec/forged"))
    b["state"] = {k: forged[k] for k in ("header", "qc", "key", "value", "proof")}
    from wuyi.encoding import decode

    b["record"] = decode(forged["value"])
    with pytest.raises(ProofInvalid, match="does not point at the anchoring transaction"):
        validate_bundle(b, genesis_hash=chain.genesis)
