"""A long chain made quickly, for tests and benchmarks of state sync (no network, no consensus).

:func:`extend_chain` appends blocks to a node's store the way consensus would commit them:
each block built and executed by the ledger (:func:`wuyi.ledger.execute.build_block`) and
certified by a commit QC that every validator key given signs. A test that holds the keys of a
network's validators (``wuyi.node.cluster.create_network`` writes them) makes a chain of
10,000 heights in seconds, copies the store to the other validators' homes
(:func:`copy_store`) and starts the network on top of it: the chain is as real as one the
network made, every QC verifies.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wuyi.abc import PrivateKey
from wuyi.consensus.certificate import QuorumCertificate, compute_vote_bytes, validate_qc
from wuyi.ledger.execute import build_block
from wuyi.ledger.types import Block, Transaction
from wuyi.node.node import Node
from wuyi.node.store import Store
from wuyi.state import StateTree

__all__ = ["ChainShape", "copy_store", "extend_chain"]


@dataclass(frozen=True)
class ChainShape:
    """``txs_per_block`` anchors (``evidence.anchor``, signed by ``admin``) in every block whose
    height is a multiple of ``tx_every``; the others are empty. Block times advance
    ``block_ms`` from the parent's."""

    tx_every: int = 1
    txs_per_block: int = 1
    block_ms: int = 1


def _certify(node: Node, signers: dict[bytes, PrivateKey], block: Block) -> Block:
    valset = node.validators(block.height)
    block_hash = block.compute_hash(node.suite)
    vote = compute_vote_bytes(node.chain.chain_id, "commit", block.height, 0, block_hash)
    sigs = tuple(
        (i, signers[v.public_key].sign(vote))
        for i, v in enumerate(valset.validators)
        if v.public_key in signers
    )
    qc = QuorumCertificate(block.height, 0, block_hash, sigs)
    validate_qc(node.suite, node.chain.chain_id, valset, qc)  # a quorum, or the caller erred
    return block.with_qc(qc)


def extend_chain(
    home: Path,
    validators: Sequence[PrivateKey],
    admin: PrivateKey,
    to_height: int,
    shape: ChainShape = ChainShape(),
) -> int:
    """Commit blocks to the node in ``home`` up to ``to_height``; returns the transactions
    committed. The node must be stopped (this opens its store)."""
    node = Node.open(home, check="none")
    signers = {k.public_key: k for k in validators}
    suite = node.suite
    count = 0
    try:
        while node.height < to_height:
            h = node.height + 1
            raws = []
            if h % shape.tx_every == 0:
                for i in range(shape.txs_per_block):
                    doc = suite.hash(f"prebuilt {h} {i}".encode())
                    tx = Transaction(
                        node.chain.chain_id,
                        admin.public_key,
                        h * 100_000 + i,
                        h + min(500, node.params.max_expiry_window),
                        "evidence.anchor",
                        {"doc_hash": doc, "meta": {"n": i}},
                    ).signed(admin)
                    raws.append(tx.to_bytes())
            with node.store.snapshot() as view:
                parent = view.get_header(view.height)
                block, result = build_block(
                    node.chain,
                    view,
                    StateTree(suite.hash, view),
                    parent,
                    raws,
                    time=parent.time + shape.block_ms,
                    proposer=validators[h % len(validators)].public_key,
                    is_committed=lambda t: view.get_tx_location(t) is not None,
                )
            if result.rejected:
                raise RuntimeError(f"block {h}: transactions refused: {result.rejected[:1]}")
            node._commit(_certify(node, signers, block), result)
            count += len(block.txs)
    finally:
        node.close()
    return count


def copy_store(src_home: Path, dst_home: Path) -> None:
    """Copy a stopped node's store to another home (LMDB's compacting copy)."""
    dst = dst_home / "data" / "chain.lmdb"
    if dst.exists():
        shutil.rmtree(dst)
    from wuyi.crypto import get_suite
    from wuyi.ledger.genesis import GenesisDoc

    suite = get_suite(GenesisDoc.load(src_home / "genesis.json").suite)
    store = Store.open(src_home / "data", suite.hash, check="none")
    try:
        store.copy_to(dst)
    finally:
        store.close()
