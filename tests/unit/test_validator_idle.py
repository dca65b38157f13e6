"""The validator adapter's mempool status under pipelined commits: a block that takes the last
waiting transactions is followed by no empty block when empty blocks are off.

One validator over the loopback hub decides alone, and decides each height inside one pass of
its event loop (proposal, votes and commit are all local), so what it does right after a commit
is deterministic: the probe below runs on the consensus loop after that pass, with no sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.consensus.params import ConsensusParams
from wuyi.crypto import get_suite
from wuyi.ledger.genesis import GenesisDoc, GenesisOrg
from wuyi.ledger.types import Transaction
from wuyi.node.node import Node
from wuyi.node.p2p_config import P2PSettings
from wuyi.node.store import Store
from wuyi.node.validator import ValidatorRunner
from wuyi.testing.loopback import LoopbackHub

SUITE = get_suite("intl")
KEY = SUITE.private_key_from_bytes(SUITE.hash(b"idle-validator"))
ADMIN = SUITE.private_key_from_bytes(SUITE.hash(b"idle-admin"))
NO_EMPTY_BLOCKS = ConsensusParams(
    timeout_propose_ms=5_000,
    timeout_prevote_ms=5_000,
    timeout_precommit_ms=5_000,
    rebroadcast_ms=60_000,
    create_empty_blocks_interval_ms=None,
)


def _tx(nonce: int) -> bytes:
    body = Transaction(
        "idle-chain",
        ADMIN.public_key,
        nonce,
        10_000,
        "evidence.anchor",
        {"doc_hash": SUITE.hash(nonce.to_bytes(8, "big"))},
    )
    return body.signed(ADMIN).to_bytes()


@dataclass
class Single:
    node: Node
    runner: ValidatorRunner

    def start(self) -> None:
        self.runner.start()
        deadline = time.monotonic() + 20  # bounded: the thread sets _ready once consensus runs
        while not self.runner.running and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.runner.running, self.runner.error


@pytest.fixture
def single(tmp_path: Path) -> Iterator[Single]:
    genesis = GenesisDoc(
        chain_id="idle-chain",
        suite="intl",
        time=1_764_201_600_000,
        orgs=(GenesisOrg("sjj", "政数局", True, (("admin", ADMIN.public_key),)),),
        validators=ValidatorSet((Validator(KEY.public_key, 1, "node0"),)),
    )
    node = Node(genesis, Store.open(tmp_path / "n0", SUITE.hash), validator_key=KEY)
    settings = P2PSettings("127.0.0.1", 0, Path("x"), Path("x"), Path("x"), (), NO_EMPTY_BLOCKS)
    runner = ValidatorRunner(node, KEY, settings, network_factory=LoopbackHub().factory)
    try:
        yield Single(node, runner)
    finally:
        runner.stop()
        node.close()


def _on_loop(runner: ValidatorRunner) -> tuple[int, int]:
    """(replica height, decided height), read on the consensus loop between two inputs."""

    async def read() -> tuple[int, int]:
        assert runner.replica is not None
        return runner.replica.height, runner._decided_height

    assert runner.loop is not None
    fut = asyncio.run_coroutine_threadsafe(read(), runner.loop)
    try:
        return fut.result(10)
    except TimeoutError:
        fut.cancel()
        raise AssertionError(
            "the consensus loop never came back between inputs: it kept deciding empty blocks"
            f" (stored height {runner.node.height})"
        ) from None


def _submit_and_check_idle(s: Single, nonces: range) -> None:
    hashes = s.node.submit_many([_tx(n) for n in nonces])
    assert all(isinstance(h, bytes) for h in hashes), hashes
    for h in hashes:
        info = s.node.wait_for_tx(h, 20)  # type: ignore[arg-type]
    assert s.runner.error is None
    replica_height, decided = _on_loop(s.runner)
    # The block with the transactions is the last one decided; the next height waits idle.
    assert decided == info.height, f"an empty block followed block {info.height}"
    assert replica_height == info.height + 1


def test_no_empty_block_after_the_block_that_emptied_the_mempool(single: Single) -> None:
    single.start()
    for round_ in range(3):
        _submit_and_check_idle(single, range(100 * round_, 100 * round_ + 5))


def test_no_empty_block_when_the_pool_held_transactions_at_start(single: Single) -> None:
    """The replica starts believing there is work and asks for a payload among its start
    actions; the adapter must mirror that belief, or the commit of the first block never tells
    the replica that the pool is empty (it decided empty blocks without end)."""
    assert all(isinstance(h, bytes) for h in single.node.submit_many([_tx(n) for n in range(5)]))
    single.start()
    _submit_and_check_idle(single, range(10, 13))


def test_no_empty_block_at_start_with_an_empty_pool(single: Single) -> None:
    single.start()
    assert _on_loop(single.runner) == (1, 0)  # waiting idle at height 1, nothing decided
    _submit_and_check_idle(single, range(5))
