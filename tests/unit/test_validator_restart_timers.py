"""A validator that restarts while its peers wait in a later round must time out of that round.

Seen in CI (two of four validators stopped, one restarted): while the restarted node caught up,
its peers' statuses at round 1 waited in the adapter's queue; when the replica started, the
adapter stepped them first (round skip to 1, a propose timer for round 1) and only then performed
the replica's start actions (a propose timer for round 0), which replaced the round-1 timer, one
pending timer per kind. The node sat in round 1's propose step for ever, and its two peers, in
round 1's precommit step, waited for it: three of four validators up and no block.

The runner is driven here on an event loop of the test's own (no thread, no network), so what
happens is deterministic.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.consensus.messages import (
    MessageReceived,
    SetTimer,
    Status,
    compute_status_bytes,
    encode_message,
)
from wuyi.consensus.params import ConsensusParams
from wuyi.crypto import get_suite
from wuyi.ledger.genesis import GenesisDoc, GenesisOrg
from wuyi.node.node import Node
from wuyi.node.p2p_config import P2PSettings
from wuyi.node.store import Store
from wuyi.node.validator import ValidatorRunner

SUITE = get_suite("intl")
KEYS = [SUITE.private_key_from_bytes(SUITE.hash(b"restart-timers-%d" % i)) for i in range(4)]
ADMIN = SUITE.private_key_from_bytes(SUITE.hash(b"restart-timers-admin"))
CHAIN = "restart-timers"
FAST = ConsensusParams(
    timeout_propose_ms=40,
    timeout_propose_delta_ms=10,
    timeout_prevote_ms=40,
    timeout_precommit_ms=40,
    rebroadcast_ms=60_000,
)


class _Quiet:
    """A network that takes everything and delivers nothing."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def broadcast(self, channel: str, payload: bytes) -> None:
        self.sent.append((channel, payload))

    def send(self, to: bytes, channel: str, payload: bytes) -> None:
        self.sent.append((channel, payload))

    def connected(self) -> list[bytes]:
        return []


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[tuple[ValidatorRunner, asyncio.AbstractEventLoop]]:
    genesis = GenesisDoc(
        chain_id=CHAIN,
        suite="intl",
        time=1_764_201_600_000,
        orgs=(GenesisOrg("sjj", "政数局", True, (("admin", ADMIN.public_key),)),),
        validators=ValidatorSet(
            tuple(Validator(k.public_key, 1, f"node{i}") for i, k in enumerate(KEYS))
        ),
    )
    me = KEYS[0]
    node = Node(genesis, Store.open(tmp_path / "n0", SUITE.hash), validator_key=me)
    settings = P2PSettings("127.0.0.1", 0, Path("x"), Path("x"), Path("x"), (), FAST)
    r = ValidatorRunner(node, me, settings)
    loop = asyncio.new_event_loop()
    r.loop = loop
    r.network = _Quiet()
    try:
        yield r, loop
    finally:
        for t in r._timers.values():
            t.cancel()
        loop.close()
        r._writer.shutdown(wait=True)
        r.maintenance.close()
        r.wal.close()
        node.close()


def _status(i: int, height: int, round_: int) -> bytes:
    sig = KEYS[i].sign(compute_status_bytes(CHAIN, height, round_))
    return encode_message(Status(height, round_, KEYS[i].public_key, sig))


def _run(loop: asyncio.AbstractEventLoop, seconds: float) -> None:
    loop.run_until_complete(asyncio.sleep(seconds))


def test_round_learned_while_catching_up_times_out(runner: Any) -> None:
    r, loop = runner
    # two peers (f + 1 of four) say they are in round 1 of height 1 while this node catches up
    r._feed(MessageReceived(_status(1, 1, 1)))
    r._feed(MessageReceived(_status(2, 1, 1)))
    assert r.replica is None and len(r._queue) == 2
    r._start_replica()
    rep = r.replica
    assert rep is not None and rep.started
    assert (rep.height, rep.round, rep.step_name) == (1, 1, "propose")
    _run(loop, 0.3)
    # the propose timeout of round 1 fired: it prevoted nil and waits for the others' prevotes
    assert (rep.round, rep.step_name) == (1, "prevote"), (rep.round, rep.step_name)


def test_an_older_timer_never_replaces_a_newer_one(runner: Any) -> None:
    r, _loop = runner
    r._set_timer(SetTimer("propose", 5, 2, 10_000))
    r._set_timer(SetTimer("propose", 5, 1, 10))
    r._set_timer(SetTimer("propose", 4, 7, 10))
    assert r._timer_at["propose"] == (5, 2)
    r._set_timer(SetTimer("propose", 6, 0, 10))
    assert r._timer_at["propose"] == (6, 0)
