"""The SDK checks state proofs itself: a node that lies is caught (ProofInvalid)."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_api import Chain, make_chain

from wuyi.consensus.certificate import compute_vote_bytes
from wuyi.exceptions import NotFound, ProofInvalid, Replay, Unauthorized
from wuyi.ledger import keys
from wuyi.sdk import TxBuilder, WuyiClient


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    yield from make_chain(tmp_path)


def client_over(
    chain: Chain, tamper: Callable[[str, dict[str, Any]], Any] | None = None, **kw: Any
) -> WuyiClient:
    """A WuyiClient whose transport forwards to the real app, letting ``tamper`` edit answers."""

    def handle(request: httpx.Request) -> httpx.Response:
        r = chain.client.request(
            request.method,
            str(request.url.copy_with(scheme="http", host="testserver")),
            content=request.content,
            headers=dict(request.headers),
        )
        body = r.content
        if tamper is not None and r.headers.get("content-type", "").startswith("application/json"):
            doc = r.json()
            new = tamper(request.url.path, doc)
            body = json.dumps(doc if new is None else new).encode()
        return httpx.Response(
            r.status_code, content=body, headers={"content-type": r.headers["content-type"]}
        )

    return WuyiClient("http://node", transport=httpx.MockTransport(handle), **kw)


def test_sdk_roundtrip_anchor_state_bundle(chain: Chain) -> None:
    c = client_over(chain)
    key = chain.admins["zjj"]
    doc_hash, res = c.anchor(key, b"document", meta={"title": "证明"})
    assert res.receipt.status == "ok"  # type: ignore[union-attr]
    st = c.get_state(keys.evidence_key(doc_hash))
    assert st.verified and st.value is not None and st.decoded["org"] == "zjj"
    absent = c.get_state(keys.evidence_key(bytes(32)))
    assert absent.verified and absent.value is None
    bundle = c.evidence_bundle(doc_hash)
    assert bundle["format"] == "wuyi-proof-bundle/2"
    assert c.verify_document(b"document").valid
    assert not c.verify_document(b"documenT").found
    assert c.get_tx(res.tx_hash).status == "committed"
    assert c.get_block(res.height).height == res.height  # type: ignore[union-attr]
    assert c.member("wy" + c.members("zjj").members[0].address[2:]).org == "zjj"
    # errors come back as the platform's own exception classes
    tx = c.builder(key).anchor(bytes(32))
    done = c.submit_and_wait(tx)
    assert done.receipt.status == "ok"
    assert c.submit(tx) == done  # the same bytes again: idempotent, not an error
    forged = dataclasses.replace(tx, signature=bytes(64))  # same body, other signature bytes
    with pytest.raises(Replay, match="already committed"):
        c.submit(forged)
    with pytest.raises(NotFound):
        c.evidence(bytes.fromhex("11" * 32))
    outsider = chain.suite.generate_private_key()
    with pytest.raises(Unauthorized):
        c.anchor(outsider, b"x")


def test_tx_builder_defaults() -> None:
    from wuyi.crypto import get_suite

    k = get_suite("intl").generate_private_key()
    b = TxBuilder("c-1", k, current_height=50)
    t1, t2 = b.anchor(bytes(32)), b.anchor(bytes(32))
    assert t1.expiry == 1050 and t1.nonce != t2.nonce and 0 <= t1.nonce < 2**63
    assert get_suite("intl").verify(k.public_key, t1.signing_bytes(), t1.signature)


def _state_doc(path: str, doc: dict[str, Any]) -> dict[str, Any] | None:
    return doc if path.startswith("/v1/state/") else None


LIES: dict[str, Callable[[dict[str, Any]], None]] = {
    "value": lambda d: d.update(value=d["value"][:-2] + "00"),
    "absent": lambda d: d.update(value=None),
    "state_root": lambda d: d["header"].update(state_root="ab" * 32),
    "header_time": lambda d: d["header"].update(time=d["header"]["time"] + 1),
    "height": lambda d: d.update(height=d["height"] + 1),
    "qc_signature": lambda d: d["qc"]["signatures"][0].__setitem__(1, "00" * 64),
    "qc_missing": lambda d: d.update(qc=None),
    "qc_other_block": lambda d: d["qc"].update(block_hash="cd" * 32),
    "validators": lambda d: d["validators"][0].update(power=5),
    "proof_sibling": lambda d: d["proof"]["siblings"].__setitem__(0, "ee" * 32),
    "key": lambda d: d.update(key="00"),
    "garbage_proof": lambda d: d.update(proof={"leaf": "x"}),
}


@pytest.mark.parametrize("lie", sorted(LIES))
def test_sdk_rejects_a_forged_state_answer(chain: Chain, lie: str) -> None:
    chain.commit(chain.builder(chain.admins["zjj"]).anchor(chain.suite.hash(b"d")))
    key = keys.org_key("zjj")

    def tamper(path: str, doc: dict[str, Any]) -> Any:
        if path.startswith("/v1/state/"):
            LIES[lie](doc)
        return doc

    assert client_over(chain).get_state(key).verified
    with pytest.raises(ProofInvalid):
        client_over(chain, tamper).get_state(key)


def test_sdk_rejects_a_whole_forged_chain_when_validators_are_pinned(chain: Chain) -> None:
    """A node that re-signs a fake header with its own validator set is caught: the client
    only accepts the validator sets it derived from genesis; pinning names the foreign keys."""
    chain.commit(chain.builder(chain.admins["zjj"]).anchor(chain.suite.hash(b"d")))
    real = [v.public_key for v in chain.node.validators().validators]
    fake_key = chain.suite.generate_private_key()

    def forge(path: str, doc: dict[str, Any]) -> Any:
        if not path.startswith("/v1/state/"):
            return doc
        from wuyi.api.wire import header_from_json, header_to_json, validators_from_json

        doc = copy.deepcopy(doc)
        doc["validators"] = [
            {"name": "evil", "public_key": fake_key.public_key.hex(), "power": 1, "address": ""}
        ]
        vs = validators_from_json(doc["validators"])
        h = header_from_json(doc["header"])
        from dataclasses import replace

        h = replace(h, validator_set_hash=vs.compute_hash(chain.suite))
        doc["header"] = header_to_json(h)
        bh = h.compute_hash(chain.suite)
        sig = fake_key.sign(compute_vote_bytes(h.chain_id, "commit", h.height, 0, bh))
        doc["qc"] = {
            "type": "commit",
            "height": h.height,
            "round": 0,
            "block_hash": bh.hex(),
            "signatures": [[0, sig.hex()]],
        }
        return doc

    key = keys.org_key("zjj")
    # the client derives the validator set from genesis and the recorded changes itself, so
    # even without pinning, a set the chain never recorded is refused...
    with pytest.raises(ProofInvalid, match="the set in force at that height from genesis"):
        client_over(chain, forge).get_state(key)
    # ...and pinning the chain's validators names the foreign keys
    with pytest.raises(ProofInvalid, match="does not trust"):
        client_over(chain, forge, trusted_validators=real).get_state(key)
    assert client_over(chain, trusted_validators=real).get_state(key).verified


def test_sdk_rejects_a_tampered_bundle(chain: Chain) -> None:
    doc_hash, _ = client_over(chain).anchor(chain.admins["zjj"], b"doc")

    def tamper(path: str, doc: dict[str, Any]) -> Any:
        if path.endswith("/bundle"):
            doc["record"]["org"] = "sjj"
        return doc

    with pytest.raises(ProofInvalid, match="record"):
        client_over(chain, tamper).evidence_bundle(doc_hash)
