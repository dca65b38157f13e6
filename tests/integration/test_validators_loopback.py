"""Four validators in one process over the loopback hub: the real adapter, store and ledger,
no sockets. Commits, agreement, a node cut off and back, a crash and restart from disk."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wuyi.consensus.certificate import Validator, ValidatorSet, validate_qc
from wuyi.consensus.params import ConsensusParams
from wuyi.crypto import get_suite
from wuyi.exceptions import Replay
from wuyi.ledger.genesis import GenesisDoc, GenesisOrg
from wuyi.ledger.types import Transaction
from wuyi.node.node import Node
from wuyi.node.p2p_config import P2PSettings, PeerAddr
from wuyi.node.store import Store
from wuyi.node.validator import ValidatorRunner
from wuyi.testing.loopback import LoopbackHub

SUITE = get_suite("intl")
FAST = ConsensusParams(
    timeout_propose_ms=300,
    timeout_propose_delta_ms=100,
    timeout_prevote_ms=150,
    timeout_prevote_delta_ms=50,
    timeout_precommit_ms=150,
    timeout_precommit_delta_ms=50,
    rebroadcast_ms=300,
    create_empty_blocks_interval_ms=None,
)


@dataclass
class Net:
    root: Path
    genesis: GenesisDoc
    keys: list
    admin: object
    hub: LoopbackHub
    nodes: list[Node | None]
    runners: list[ValidatorRunner | None]
    events: dict[int, list[str]] = dataclasses.field(default_factory=dict)

    def settings(self, i: int) -> P2PSettings:
        peers = tuple(
            PeerAddr(f"node{j}", "127.0.0.1", 0, k.public_key)
            for j, k in enumerate(self.keys)
            if j != i
        )
        return P2PSettings("127.0.0.1", 0, Path("x"), Path("x"), Path("x"), peers, FAST)

    def start(self, i: int) -> None:
        store = Store.open(self.root / f"n{i}", SUITE.hash)
        node = Node(self.genesis, store, validator_key=self.keys[i])
        events = self.events.setdefault(i, [])
        runner = ValidatorRunner(
            node,
            self.keys[i],
            self.settings(i),
            network_factory=self.hub.factory,
            emit=lambda event, **kw: events.append(event),
        )
        runner.start()
        self.nodes[i], self.runners[i] = node, runner

    def stop(self, i: int) -> None:
        r, n = self.runners[i], self.nodes[i]
        assert r is not None and n is not None
        r.stop()
        n.close()
        self.hub.nodes.pop(self.keys[i].public_key, None)
        self.nodes[i] = self.runners[i] = None

    def live(self) -> list[Node]:
        return [n for n in self.nodes if n is not None]

    def tx(self, nonce: int) -> bytes:
        body = Transaction(
            "loop-chain",
            self.admin.public_key,
            nonce,
            10_000,
            "evidence.anchor",
            {"doc_hash": SUITE.hash(nonce.to_bytes(8, "big"))},
        )
        return body.signed(self.admin).to_bytes()

    def wait_height(self, h: int, nodes: list[Node] | None = None, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(n.height >= h for n in (nodes or self.live())):
                return
            time.sleep(0.02)
        raise AssertionError(f"not all nodes reached height {h}: {[n.height for n in self.live()]}")

    def check_agreement_across_sets(self) -> None:
        """Like check_agreement, with each QC checked against the set that signed it."""
        live = self.live()
        top = min(n.height for n in live)
        for h in range(1, top + 1):
            hashes = {n.store.get_block_hash(h) for n in live}
            assert len(hashes) == 1, f"fork at height {h}"
            b = live[0].store.get_block(h)
            assert b.qc is not None
            vs = live[0].validators(h)
            assert vs.compute_hash(SUITE) == b.header.validator_set_hash
            validate_qc(SUITE, "loop-chain", vs, b.qc, height=h, block_hash=hashes.pop())

    def check_agreement(self) -> None:
        live = self.live()
        top = min(n.height for n in live)
        vs = live[0].validators()
        for h in range(1, top + 1):
            hashes = {n.store.get_block_hash(h) for n in live}
            assert len(hashes) == 1, f"fork at height {h}"
            b = live[0].store.get_block(h)
            assert b.qc is not None
            validate_qc(SUITE, "loop-chain", vs, b.qc, height=h, block_hash=hashes.pop())


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Net]:
    keys = [SUITE.private_key_from_bytes(SUITE.hash(b"v%d" % i)) for i in range(4)]
    admin = SUITE.private_key_from_bytes(SUITE.hash(b"admin"))
    genesis = GenesisDoc(
        chain_id="loop-chain",
        suite="intl",
        time=1_764_201_600_000,
        orgs=(GenesisOrg("sjj", "江门市政务服务数据管理局", True, (("admin", admin.public_key),)),),
        validators=ValidatorSet(
            tuple(Validator(k.public_key, 1, f"node{i}") for i, k in enumerate(keys))
        ),
    )
    n = Net(tmp_path, genesis, keys, admin, LoopbackHub(), [None] * 4, [None] * 4)
    for i in range(4):
        n.start(i)
    try:
        yield n
    finally:
        for i in range(4):
            if n.runners[i] is not None:
                n.stop(i)


def submit(net: Net, node: Node, nonces: range) -> list[bytes]:
    res = node.submit_many([net.tx(i) for i in nonces])
    assert all(isinstance(r, bytes) for r in res), res
    return res  # type: ignore[return-value]


def test_four_validators_commit_and_agree(net: Net) -> None:
    hashes = submit(net, net.live()[0], range(0, 50))
    hashes += submit(net, net.live()[2], range(50, 80))
    for n in net.live():
        for h in hashes:
            n.wait_for_tx(h, 20)
    net.check_agreement()
    assert all(n.mempool.size_bytes == 0 for n in net.live())
    # no empty blocks while idle
    h0 = net.live()[0].height
    time.sleep(1.0)
    assert net.live()[0].height == h0


def test_one_crashes_the_rest_go_on_and_it_catches_up(net: Net) -> None:
    submit(net, net.live()[0], range(0, 20))
    net.wait_height(1)
    net.stop(3)
    hashes = submit(net, net.live()[0], range(20, 60))
    for h in hashes:
        net.live()[0].wait_for_tx(h, 20)
    top = net.live()[0].height
    net.start(3)
    net.wait_height(top)
    submit(net, net.live()[1], range(60, 70))
    net.wait_height(top + 1)
    net.check_agreement()


def test_two_of_four_down_halts_without_fork_then_resumes(net: Net) -> None:
    for h in submit(net, net.live()[0], range(0, 10)):
        for n in net.live():
            n.wait_for_tx(h, 20)
    net.stop(2)
    net.stop(3)
    # A block decided just before the stops may still be on its way to the store (pipelined
    # commits; e.g. an empty block proposed on a stale mempool status): let it land first.
    time.sleep(0.5)
    before = max(n.height for n in net.live())
    net.live()[0].submit_many([net.tx(i) for i in range(10, 20)])
    time.sleep(2.0)
    assert max(n.height for n in net.live()) == before  # no quorum: no commit
    net.start(3)
    net.wait_height(before + 1, timeout=30)
    net.check_agreement()


def test_cut_off_and_heal(net: Net) -> None:
    for h in submit(net, net.live()[0], range(0, 10)):
        for n in net.live():
            n.wait_for_tx(h, 20)
    cut = net.keys[1].public_key
    n0, n1 = net.nodes[0], net.nodes[1]
    assert n0 is not None and n1 is not None
    net.hub.cut.add(cut)
    # A block decided just before the cut may still be on its way to n1's store (pipelined
    # commits; see test_two_of_four_down_halts_without_fork_then_resumes): let it land.
    time.sleep(0.5)
    at_cut = n1.height
    others = [net.nodes[i] for i in (0, 2, 3)]
    for h in submit(net, n0, range(10, 40)):
        n0.wait_for_tx(h, 20)
    net.wait_height(n0.height, nodes=others)  # type: ignore[arg-type]
    assert n0.height > at_cut
    assert n1.height == at_cut  # cut off: it cannot commit anything
    net.hub.cut.discard(cut)
    net.wait_height(n0.height, timeout=30)
    net.check_agreement()


def test_validator_set_change_by_transaction(net: Net) -> None:
    """Remove node3 from the set by transaction: from the effective height the other three
    sign alone (node3 can stop without halting the chain), and the QCs of blocks on both
    sides of the change check against the set the history says signed them."""
    from wuyi.ledger.handlers.validators import get_validators_at

    n0 = net.nodes[0]
    assert n0 is not None
    three = [
        {"name": f"node{i}", "public_key": net.keys[i].public_key, "power": 1} for i in range(3)
    ]
    eff = n0.height + 4
    tx = Transaction(
        "loop-chain",
        net.admin.public_key,
        999,
        10_000,
        "validator.update",
        {"validators": three, "effective_height": eff},
    ).signed(net.admin)
    h = n0.submit(tx.to_bytes())
    info = n0.wait_for_tx(h, 20)
    assert info.receipt.ok, info.receipt
    # Drive the chain past the effective height.
    nonce = 0
    while n0.height < eff + 1:
        submit(net, n0, range(nonce, nonce + 2))
        nonce += 2
        net.wait_height(n0.height + 1)
    net.stop(3)  # no longer a validator: the chain must go on without it
    before = n0.height
    for x in submit(net, n0, range(nonce, nonce + 5)):
        n0.wait_for_tx(x, 20)
    assert n0.height > before
    net.check_agreement_across_sets()
    assert len(get_validators_at(n0.store, eff)) == 3
    assert len(get_validators_at(n0.store, eff - 1)) == 4


def test_far_behind_catches_up_by_batch_sync(net: Net) -> None:
    """A validator that misses many heights (consensus and gossip muted, requests still
    answered) notices with its lag check, leaves consensus, syncs blocks QC by QC in batches
    and rejoins."""
    n0, n2 = net.nodes[0], net.nodes[2]
    assert n0 is not None and n2 is not None
    key2 = net.keys[2].public_key
    net.hub.muted[key2] = {"cons", "tx"}
    at_mute = n2.height
    for k in range(8):  # eight separate blocks without node2
        for h in submit(net, n0, range(100 + 3 * k, 103 + 3 * k)):
            n0.wait_for_tx(h, 20)
    assert n0.height >= at_mute + 8
    # With consensus muted, the only way up is the lag check and batch sync.
    deadline = time.monotonic() + 20
    while n2.height < n0.height and time.monotonic() < deadline:
        time.sleep(0.05)
    assert n2.height >= at_mute + 8, "node2 did not catch up"
    assert "resync" in net.events[2]
    net.hub.muted.pop(key2)
    for h in submit(net, n0, range(200, 205)):
        n2.wait_for_tx(h, 20)  # and it takes part again
    net.check_agreement()


def test_a_committed_transaction_that_slips_back_into_a_pool_is_dropped(net: Net) -> None:
    """Found by the million-transaction run: a transaction admitted by one validator just as
    its block was written stayed in that pool for ever, and every proposal of that validator
    refused it again, so the chain made empty blocks without end. Now (1) a late copy of a
    just-committed transaction is refused as a replay and (2) a proposer drops from its pool
    whatever its block refused."""
    n0, n2 = net.live()[0], net.live()[2]
    raws = [net.tx(i) for i in range(5)]
    for h in submit(net, n0, range(5)):
        for n in net.live():
            n.wait_for_tx(h, 20)
    # (1) the same bytes again, as if the store check had passed just before the commit
    with pytest.raises(Replay), n2.store.snapshot() as view:
        n2.mempool.add(raws[0], params=n2.params, state=view, next_height=n2.height + 1,
                       is_committed=lambda _h: False)  # fmt: skip
    # (2) force the stuck state the run produced, then watch the chain clean it up
    n2.mempool._recent.clear()
    with n2.store.snapshot() as view:
        n2.mempool.add(raws[1], params=n2.params, state=view, next_height=n2.height + 1,
                       is_committed=lambda _h: False)  # fmt: skip
    assert len(n2.mempool) == 1
    # ... and tell n2's consensus, as the admission in that run did (submit_many notifies).
    # Without this the test relied on some later commit to make n2 look at its pool, and
    # failed whenever the chain had gone idle first.
    n2._notify_submitted([raws[1]], "peer")
    deadline = time.monotonic() + 20
    while len(n2.mempool) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(n2.mempool) == 0
    time.sleep(1.5)
    h = n0.height
    time.sleep(1.5)
    assert n0.height == h  # idle again: no endless empty blocks
    net.check_agreement()
