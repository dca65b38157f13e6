"""A validator catching up from a peer is a light client of that peer: a block certified by a
quorum of *prevotes* is refused (two thirds prevoting a block does not mean it was committed: a
later round may commit another at that height), a block with its commit certificate is taken.

The lying peer is a loopback network endpoint that answers block sync requests itself."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.unit.committee_chain import Committee, build_committee
from wuyi.consensus.certificate import QuorumCertificate, compute_vote_bytes
from wuyi.consensus.params import ConsensusParams
from wuyi.encoding import decode, encode
from wuyi.ledger.types import Block
from wuyi.node.node import Node
from wuyi.node.p2p_config import P2PSettings, PeerAddr
from wuyi.node.store import Store
from wuyi.node.validator import ValidatorRunner
from wuyi.testing.loopback import LoopbackHub

PARAMS = ConsensusParams(rebroadcast_ms=60_000, create_empty_blocks_interval_ms=None)


@pytest.fixture(scope="module")
def committee(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Committee]:
    c = build_committee(tmp_path_factory.mktemp("source") / "store")
    try:
        yield c
    finally:
        c.node.close()


def prevote_certified(c: Committee, block: Block) -> Block:
    """Block ``block`` with a quorum of prevotes (all four of the genesis set) instead."""
    bh = block.compute_hash(c.suite)
    msg = compute_vote_bytes(block.header.chain_id, "prevote", block.height, 0, bh)
    sigs = tuple((i, c.keys[i].sign(msg)) for i in range(4))
    return Block(block.header, block.txs, QuorumCertificate(block.height, 0, bh, sigs, "prevote"))


def sync_from_peer(c: Committee, home: Path, served: Block) -> tuple[Node, list[Any]]:
    """Start a validator (v0) whose one peer (v1) answers sync requests with ``served`` as block 1;
    return the node once it has caught up, and what it penalised the peer for."""
    hub = LoopbackHub()
    peer_key = c.keys[1]

    async def answer(_peer: bytes, channel: str, payload: bytes) -> bytes:
        assert channel == "sync"
        wanted = decode(payload)["from"]
        return encode({"height": 1, "blocks": [served.to_bytes()] if wanted == 1 else []})

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    peer = hub.factory(key=peer_key, on_message=lambda *a: None, on_request=answer)
    asyncio.run_coroutine_threadsafe(peer.start(), loop).result(5)
    node = Node(c.node.genesis, Store.open(home, c.suite.hash), validator_key=c.keys[0])
    settings = P2PSettings(
        "127.0.0.1",
        0,
        Path("x"),
        Path("x"),
        Path("x"),
        (PeerAddr("v1", "127.0.0.1", 0, peer_key.public_key),),
        PARAMS,
    )
    runner = ValidatorRunner(node, c.keys[0], settings, network_factory=hub.factory)
    runner.start()
    try:
        deadline = time.monotonic() + 20  # bounded: catch-up ends after one answer
        while not runner.running and time.monotonic() < deadline:
            time.sleep(0.01)
        assert runner.running, runner.error
        return node, list(runner.network.penalized)
    finally:
        runner.stop()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_a_block_certified_by_prevotes_is_not_synced(committee: Committee, tmp_path: Path) -> None:
    block1 = committee.node.store.get_block(1)
    node, penalized = sync_from_peer(
        committee, tmp_path / "b", prevote_certified(committee, block1)
    )
    try:
        assert node.height == 0
        assert [p for p, _ in penalized] == [committee.keys[1].public_key]
        assert "not commit votes" in penalized[0][1]
    finally:
        node.close()


def test_a_block_with_its_commit_certificate_is_synced(
    committee: Committee, tmp_path: Path
) -> None:
    block1 = committee.node.store.get_block(1)
    node, penalized = sync_from_peer(committee, tmp_path / "c", block1)
    try:
        assert node.height == 1 and penalized == []
        assert node.store.get_block_hash(1) == block1.compute_hash(committee.suite)
    finally:
        node.close()


def test_a_commit_certificate_of_too_few_is_not_synced(
    committee: Committee, tmp_path: Path
) -> None:
    block1 = committee.node.store.get_block(1)
    assert block1.qc is not None
    two = replace(block1.qc, signatures=block1.qc.signatures[:2])
    node, penalized = sync_from_peer(committee, tmp_path / "d", block1.with_qc(two))
    try:
        assert node.height == 0 and "quorum needs 3" in penalized[0][1]
    finally:
        node.close()
