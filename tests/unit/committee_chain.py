"""A real node (store, ledger, API) whose blocks carry commit QCs of a multi-validator set whose
keys the test holds, with validator-set changes: the chain light clients and proof bundles are
checked against. Blocks are produced on demand (no thread): deterministic.

The chain ``committee``:

* genesis set S0 = v0..v3 (power 1 each);
* block 1: ``validator.update`` to S1 = v0, v1, v2, v4, effective at 3;
* block 2: anchors document A (certified by S0);
* block 3: ``validator.update`` to S2 = v0, v1, v4, v5, effective at 5 (certified by S1);
* block 4: anchors document C (certified by S1);
* block 5: anchors document B (certified by S2); block 6 anchors D, E and F (S2).

Keys, block times (one second apart) and nonces are fixed, so an ``intl`` chain is the same
bytes every time (Ed25519 signs deterministically): ``tests/vectors/verification_vectors.json``
comes from it.

So the record of A is anchored under S0 and proven in the state of block 6, signed by S2."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from wuyi.abc import PrivateKey
from wuyi.api.app import create_app
from wuyi.consensus.certificate import (
    QuorumCertificate,
    Validator,
    ValidatorSet,
    compute_vote_bytes,
    validate_qc,
)
from wuyi.crypto import get_suite
from wuyi.ledger.genesis import GenesisDoc, GenesisOrg
from wuyi.ledger.types import Block, Transaction
from wuyi.node.node import Node
from wuyi.node.store import Store
from wuyi.sdk import TxBuilder, WuyiClient

CHAIN_ID = "committee-chain"
GENESIS_TIME = 1_764_201_600_000
DOC_A = "江门市不动产权证书 粤(2024)江门市不动产权第0012345号".encode()
DOC_B = "竣工验收备案 2024-0042".encode()
DOC_C = "新会陈皮产地证明 XH-CP-2024-0815".encode()
DOC_D = "营业执照 91440700MA0000000X".encode()
DOC_E = "人才引进落户审批表 2024-JM-0007".encode()
DOC_F = "房屋买卖合同网签备案 JM-2024-118".encode()


def keys_for(suite_name: str, label: str, n: int) -> list[PrivateKey]:
    suite = get_suite(suite_name)
    return [suite.private_key_from_bytes(suite.hash(f"{label}/v{i}".encode())) for i in range(n)]


class CommitteeNode(Node):
    """A node whose ``produce_block`` certifies each block with the signatures of every key it
    holds from the set in force (a real quorum of several validators)."""

    signers: dict[bytes, PrivateKey]

    def _certify(self, block: Block) -> Block:
        valset = self.validators()
        block_hash = block.compute_hash(self.suite)
        sigs = tuple(
            (i, self.signers[v.public_key].sign(
                compute_vote_bytes(self.chain.chain_id, "commit", block.height, 0, block_hash)
            ))
            for i, v in enumerate(valset.validators)
            if v.public_key in self.signers
        )  # fmt: skip
        qc = QuorumCertificate(block.height, 0, block_hash, sigs)
        validate_qc(self.suite, self.chain.chain_id, valset, qc)
        return block.with_qc(qc)


class StepClock:
    """Block times one second apart from genesis (deterministic vectors)."""

    def __init__(self) -> None:
        self.t = GENESIS_TIME

    def now_ms(self) -> int:
        self.t += 1000
        return self.t


@dataclass
class Committee:
    node: CommitteeNode
    keys: list[PrivateKey]  # v0..v5
    admin: PrivateKey
    doc_hashes: dict[str, bytes]
    nonce: int = 0

    @property
    def suite(self) -> Any:
        return self.node.suite

    def valset(self, idx: list[int]) -> ValidatorSet:
        return ValidatorSet(tuple(Validator(self.keys[i].public_key, 1, f"v{i}") for i in idx))

    def commit(self, tx: Transaction) -> Block:
        self.node.submit(tx.to_bytes())
        block = self.node.produce_block()
        assert block is not None
        return block

    def builder(self) -> TxBuilder:
        def next_nonce() -> int:
            self.nonce += 1
            return self.nonce

        return TxBuilder(
            CHAIN_ID, self.admin, current_height=self.node.height, nonce_source=next_nonce
        )


def build_committee(home: Path, suite_name: str = "intl") -> Committee:
    suite = get_suite(suite_name)
    keys = keys_for(suite_name, f"committee-{suite_name}", 6)
    admin = suite.private_key_from_bytes(suite.hash(f"committee-{suite_name}/admin".encode()))
    genesis = GenesisDoc(
        chain_id=CHAIN_ID,
        suite=suite_name,
        time=GENESIS_TIME,
        orgs=(GenesisOrg("sjj", "江门市政务服务数据管理局", True, (("admin", admin.public_key),)),),
        validators=ValidatorSet(
            tuple(Validator(k.public_key, 1, f"v{i}") for i, k in enumerate(keys[:4]))
        ),
        name="委员会测试链",
    )
    node = CommitteeNode(
        genesis, Store.open(home, suite.hash), validator_key=keys[0], clock=StepClock()
    )
    node.signers = {k.public_key: k for k in keys}
    c = Committee(node, keys, admin, {})

    def change(idx: list[int], effective: int) -> None:
        vs = [
            {"name": v.name, "public_key": v.public_key, "power": v.power}
            for v in c.valset(idx).validators
        ]
        c.commit(
            c.builder().build("validator.update", {"validators": vs, "effective_height": effective})
        )

    def anchor(*docs: tuple[str, bytes]) -> None:
        for name, doc in docs:
            h = suite.hash(doc)
            c.doc_hashes[name] = h
            c.node.submit(c.builder().anchor(h, {"title": name}).to_bytes())
        assert c.node.produce_block() is not None

    change([0, 1, 2, 4], 3)  # block 1
    anchor(("A", DOC_A))  # block 2 (S0)
    change([0, 1, 4, 5], 5)  # block 3 (S1)
    anchor(("C", DOC_C))  # block 4 (S1)
    anchor(("B", DOC_B))  # block 5 (S2)
    anchor(("D", DOC_D), ("E", DOC_E), ("F", DOC_F))  # block 6 (S2): three transactions
    assert node.height == 6
    return c


@contextmanager
def serve(node: Node) -> Iterator[httpx.MockTransport]:
    """The node's API through an in-memory transport (no socket)."""
    from starlette.exceptions import StarletteDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from starlette.testclient import TestClient

    with TestClient(create_app(node)) as tc:

        def handle(request: httpx.Request) -> httpx.Response:
            r = tc.request(
                request.method,
                request.url.path,
                params=request.url.params,
                content=request.content,
                headers=dict(request.headers),
            )
            return httpx.Response(r.status_code, content=r.content, headers=r.headers)

        yield httpx.MockTransport(handle)


def sdk_client(transport: httpx.MockTransport, **kw: Any) -> WuyiClient:
    return WuyiClient("http://node", transport=transport, **kw)
