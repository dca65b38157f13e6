"""A node that lies: the SDK's verified reads (blocks, transactions, receipts, state, DID
documents, validator-set changes) refuse forged answers with ProofInvalid naming what failed.

The lying node is an ``httpx.MockTransport`` that forwards to the real in-process API and
edits its JSON answers (``client_over`` in ``test_api_sdk``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_api import Chain, make_chain
from test_api_sdk import client_over

from wuyi.exceptions import ProofInvalid
from wuyi.ledger import keys
from wuyi.sdk import Identity, WuyiClient


@dataclass
class World:
    chain: Chain
    tx1: str  # hash of a committed anchor (block h1)
    h1: int
    tx2: str  # another, in a later block
    h2: int
    other_raw: str  # canonical bytes (hex) of tx2


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    for chain in make_chain(tmp_path_factory.mktemp("liar")):
        zjj = chain.admins["zjj"]
        r1 = chain.commit(chain.builder(zjj).anchor(chain.suite.hash(b"one"), {"t": "1"}))
        r2 = chain.commit(chain.builder(zjj).anchor(chain.suite.hash(b"two"), {"t": "2"}))
        raw2 = chain.client.get(f"/v1/blocks/{r2['height']}", params={"txs": "true"}).json()
        yield World(chain, r1["tx_hash"], r1["height"], r2["tx_hash"], r2["height"], raw2["txs"][0])


def liar(world: World, route: str, lie: Callable[[dict[str, Any]], Any]) -> WuyiClient:
    """A client whose node applies ``lie`` to answers of paths ending with ``route``."""

    def tamper(path: str, doc: dict[str, Any]) -> Any:
        if path.endswith(route):
            lie(doc)
        return doc

    return client_over(world.chain, tamper)


def test_honest_node_verifies(world: World) -> None:
    c = client_over(world.chain)
    assert c.get_block(world.h1).height == world.h1
    assert c.get_block("latest").height == world.chain.node.height
    assert c.get_block(0).height == 0
    tx = c.get_tx(world.tx1)
    assert tx.status == "committed" and tx.height == world.h1
    assert tx.receipt is not None and tx.receipt.status == "ok"
    assert c.get_state(keys.org_key("zjj")).verified
    assert Identity(c).resolve("did:wuyi:org:zjj")["didDocument"]["id"] == "did:wuyi:org:zjj"


def _sig0(d: dict[str, Any]) -> None:
    sig = d["qc"]["signatures"][0]  # [index, signature]
    sig[1] = ("00" if sig[1][:2] != "00" else "11") + sig[1][2:]


BLOCK_LIES: dict[str, tuple[Callable[[dict[str, Any], World], Any], str]] = {
    "header_time": (lambda d, w: d["header"].update(time=d["header"]["time"] + 1), "quorum"),
    "header_state_root": (lambda d, w: d["header"].update(state_root="ab" * 32), "quorum"),
    "qc_signature": (lambda d, w: _sig0(d), "does not verify"),
    "qc_missing": (lambda d, w: d.update(qc=None), "no quorum certificate"),
    "qc_other_height": (lambda d, w: d["qc"].update(height=d["qc"]["height"] + 1), "QC is for"),
    "block_hash": (lambda d, w: d.update(hash="cd" * 32), "block hash"),
    "swapped_tx": (lambda d, w: d["txs"].__setitem__(0, w.other_raw), "tx_root"),
    "dropped_tx": (lambda d, w: d.update(txs=[]), "transactions"),
    "tx_hashes": (lambda d, w: d["tx_hashes"].__setitem__(0, "ee" * 32), "tx_hashes"),
    "validator_set_hash": (
        lambda d, w: d["header"].update(validator_set_hash="99" * 32),
        "the set in force at that height from genesis",
    ),
}


@pytest.mark.parametrize("lie", sorted(BLOCK_LIES))
def test_forged_block_is_refused(world: World, lie: str) -> None:
    fn, match = BLOCK_LIES[lie]
    c = liar(world, f"/v1/blocks/{world.h1}", lambda d: fn(d, world))
    with pytest.raises(ProofInvalid, match=match):
        c.get_block(world.h1)


TX_LIES: dict[str, tuple[str, Callable[[dict[str, Any], World], Any], str]] = {
    # the proof route
    "swapped_tx": ("/proof", lambda d, w: d.update(tx=w.other_raw), "inclusion"),
    "proof_path": ("/proof", lambda d, w: d.update(proof=["aa" * 32]), "inclusion"),
    "other_index": ("/proof", lambda d, w: d.update(index=d["index"] + 1), "inclusion"),
    "receipt_bytes": (
        "/proof",
        lambda d, w: d.update(receipt_bytes=d["receipt_bytes"][:-2] + "00"),
        "receipt",
    ),
    "proof_header": ("/proof", lambda d, w: d["header"].update(time=1), "quorum"),
    "proof_qc": ("/proof", lambda d, w: _sig0(d), "does not verify"),
    # the transaction answer itself
    "receipt_status": (
        "",
        lambda d, w: d["receipt"].update(status="tx_failed"),
        "receipt shown differs",
    ),
    "receipt_events": ("", lambda d, w: d["receipt"].update(events=[]), "receipt shown differs"),
    "payload": (
        "",
        lambda d, w: d["tx"]["payload"].update(doc_hash="00" * 32),
        "transaction shown differs",
    ),
    "height": ("", lambda d, w: d.update(height=d["height"] + 1), "height"),
}


@pytest.mark.parametrize("lie", sorted(TX_LIES))
def test_forged_transaction_is_refused(world: World, lie: str) -> None:
    suffix, fn, match = TX_LIES[lie]
    c = liar(world, f"/v1/txs/{world.tx1}{suffix}", lambda d: fn(d, world))
    with pytest.raises(ProofInvalid, match=match):
        c.get_tx(world.tx1)


def test_forged_state_value_is_refused(world: World) -> None:
    def lie(d: dict[str, Any]) -> None:
        d["value"] = d["value"][:-2] + ("00" if d["value"][-2:] != "00" else "01")

    c = liar(world, "/v1/state/" + keys.evidence_key(bytes.fromhex(_doc(world, "one"))).hex(), lie)
    with pytest.raises(ProofInvalid, match="state proof"):
        c.get_state(keys.evidence_key(bytes.fromhex(_doc(world, "one"))))


def _doc(world: World, text: str) -> str:
    return str(world.chain.suite.hash(text.encode()).hex())


def test_forged_did_document_state_is_refused(world: World) -> None:
    """The DID document is rendered by the SDK from proven state: a node that changes the
    organisation record behind ``did:wuyi:org:zjj`` (here: its name) is caught."""
    from wuyi.encoding import decode, encode

    def lie(d: dict[str, Any]) -> None:
        rec = decode(bytes.fromhex(d["value"]))
        rec["name"] = "冒名机构"
        d["value"] = encode(rec).hex()

    c = liar(world, "/v1/state/" + keys.org_key("zjj").hex(), lie)
    with pytest.raises(ProofInvalid, match="state proof"):
        Identity(c).resolve("did:wuyi:org:zjj")


def test_forged_validator_history_is_refused(world: World) -> None:
    """A node that invents a validator-set change (or another genesis set) is caught: a change
    must be named by a certified block, the genesis set by the genesis header."""
    fake = world.chain.suite.generate_private_key().public_key.hex()

    def add_change(d: dict[str, Any]) -> None:
        d["changes"].append(
            {
                "effective_height": 2,
                "validator_set_hash": "00" * 32,
                "validators": [{"name": "evil", "public_key": fake, "power": 1}],
            }
        )

    with pytest.raises(ProofInvalid, match="next_validator_set_hash"):
        liar(world, "/v1/validators/changes", add_change).get_block(world.h1)

    def other_genesis(d: dict[str, Any]) -> None:
        d["changes"][0]["validators"] = [{"name": "evil", "public_key": fake, "power": 1}]

    with pytest.raises(ProofInvalid, match="not the one the genesis header names"):
        liar(world, "/v1/validators/changes", other_genesis).get_block(world.h1)


def test_pinned_genesis_refuses_another_chain(world: World) -> None:
    c = client_over(world.chain, genesis_hash=bytes(32))
    with pytest.raises(ProofInvalid, match="genesis"):
        c.get_block(world.h1)
    real = world.chain.node.genesis_hash
    assert client_over(world.chain, genesis_hash=real).get_block(world.h1).height == world.h1


def test_client_follows_a_recorded_validator_change(tmp_path: Path) -> None:
    """A validator-set change (here the validator's power) is accepted because the block
    before it names the new set; a node hiding the change gets the newer blocks refused."""
    for chain in make_chain(tmp_path):
        vs = chain.node.validators()
        v = vs.validators[0]
        new = [{"name": v.name, "public_key": v.public_key, "power": 2}]
        eff = chain.node.height + 3
        tx = chain.builder(chain.admins["sjj"]).build(
            "validator.update", {"validators": new, "effective_height": eff}
        )
        assert chain.commit(tx)["receipt"]["status"] == "ok"
        zjj = chain.admins["zjj"]
        while chain.node.height < eff:
            chain.commit(chain.builder(zjj).anchor(chain.suite.hash(b"%d" % chain.node.height)))
        c = client_over(chain)
        blk = c.get_block(eff)
        assert blk.validators is not None and blk.validators[0].power == 2
        assert c.get_block(eff - 1).height == eff - 1  # the old set still signs the older one

        def hide(d: dict[str, Any]) -> None:
            del d["changes"][1:]

        with pytest.raises(ProofInvalid, match="the set in force at that height from genesis"):
            liar_over(chain, "/v1/validators/changes", hide).get_block(eff)


def liar_over(chain: Chain, route: str, lie: Callable[[dict[str, Any]], Any]) -> WuyiClient:
    def tamper(path: str, doc: dict[str, Any]) -> Any:
        if path.endswith(route):
            lie(doc)
        return doc

    return client_over(chain, tamper)
