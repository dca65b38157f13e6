"""Private side-cars across four validators over the loopback hub (real adapter, store and
ledger, no sockets): they travel with gossip, proposals and block sync, every validator keeps
them privately, none enters a block; a fresh validator replaying from genesis with them reaches
the same state root, and one that cannot get them stops naming the height."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.consensus.params import ConsensusParams
from wuyi.crypto import get_suite
from wuyi.exceptions import SidecarMissing
from wuyi.ledger.genesis import GenesisDoc, GenesisOrg
from wuyi.ledger.sidecar import compute_sidecar_hash, sidecar_ref
from wuyi.ledger.types import Transaction
from wuyi.node.node import Node
from wuyi.node.p2p_config import P2PSettings, PeerAddr
from wuyi.node.store import Store
from wuyi.node.validator import ValidatorRunner
from wuyi.testing.loopback import LoopbackHub

SUITE = get_suite("intl")
CHAIN = "sidecar-chain"
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
#: what a side-car stands for here: a presentation's disclosure of a personal value
SECRET = b"eyJhbGciOiJFZERTQSJ9.e30.c2ln~WyJzYWx0IiwiYWdlIiwyN10~"


@dataclass
class Net:
    root: Path
    genesis: GenesisDoc
    keys: list
    admin: object
    hub: LoopbackHub
    nodes: list[Node | None]
    runners: list[ValidatorRunner | None]
    events: dict[int, list[tuple[str, dict]]] = field(default_factory=dict)

    def start(self, i: int) -> None:
        peers = tuple(
            PeerAddr(f"node{j}", "127.0.0.1", 0, k.public_key)
            for j, k in enumerate(self.keys)
            if j != i
        )
        settings = P2PSettings("127.0.0.1", 0, Path("x"), Path("x"), Path("x"), peers, FAST)
        node = Node(self.genesis, Store.open(self.root / f"n{i}", SUITE.hash))
        events = self.events.setdefault(i, [])
        runner = ValidatorRunner(
            node,
            self.keys[i],
            settings,
            network_factory=self.hub.factory,
            emit=lambda event, **kw: events.append((event, kw)),
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

    def tx(self, nonce: int, data: bytes) -> tuple[bytes, bytes]:
        """A transaction whose payload names the private side-car ``data`` by its hash."""
        body = Transaction(
            CHAIN,
            self.admin.public_key,  # type: ignore[attr-defined]
            nonce,
            10_000,
            "evidence.anchor",
            {
                "doc_hash": SUITE.hash(nonce.to_bytes(8, "big")),
                "meta": {"p": sidecar_ref(SUITE, data)},
            },
        )
        return body.signed(self.admin).to_bytes(), data

    def wait_height(self, h: int, nodes: list[Node] | None = None, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(n.height >= h for n in (nodes or self.live())):
                return
            time.sleep(0.02)
        raise AssertionError(f"not all nodes reached height {h}: {[n.height for n in self.live()]}")


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Net]:
    keys = [SUITE.private_key_from_bytes(SUITE.hash(b"sv%d" % i)) for i in range(4)]
    admin = SUITE.private_key_from_bytes(SUITE.hash(b"sidecar-admin"))
    genesis = GenesisDoc(
        chain_id=CHAIN,
        suite="intl",
        time=1_764_201_600_000,
        orgs=(GenesisOrg("sjj", "江门市政务服务数据管理局", True, (("admin", admin.public_key),)),),
        validators=ValidatorSet(
            tuple(Validator(k.public_key, 1, f"node{i}") for i, k in enumerate(keys))
        ),
    )
    n = Net(tmp_path, genesis, keys, admin, LoopbackHub(), [None] * 4, [None] * 4)
    try:
        yield n
    finally:
        for i in range(4):
            if n.runners[i] is not None:
                n.stop(i)


def commit(net: Net, node: Node, txs: list[tuple[bytes, bytes]]) -> list[bytes]:
    res = node.submit_many([raw for raw, _ in txs], "client", [[sc] for _, sc in txs])
    assert all(isinstance(r, bytes) for r in res), res
    for h in res:
        for n in net.live():
            n.wait_for_tx(h, 20)  # type: ignore[arg-type]
    return res  # type: ignore[return-value]


def private_sidecars(node: Node) -> dict[bytes, bytes]:
    return {
        k: v for h in range(1, node.height + 1) for k, v in node.store.block_sidecars(h).items()
    }


def test_sidecars_travel_with_gossip_and_proposals_never_in_blocks(net: Net) -> None:
    for i in range(4):
        net.start(i)
    datas = [SECRET + b"%d" % i for i in range(6)]
    commit(net, net.live()[0], [net.tx(i, d) for i, d in enumerate(datas[:3])])
    # no transaction gossip at all: the proposer's envelope is the only way they travel
    for k in net.keys:
        net.hub.muted[k.public_key] = {"tx"}
    for i, d in enumerate(datas[3:], start=3):
        commit(net, net.live()[i % 4], [net.tx(i, d)])
    want = {compute_sidecar_hash(SUITE, d): d for d in datas}
    net.wait_height(max(n.height for n in net.live()))
    roots = set()
    for n in net.live():
        assert private_sidecars(n) == want  # every validator keeps them privately
        for h in range(1, n.height + 1):
            assert SECRET not in n.store.get_block(h).to_bytes()  # and only their hashes
            for rc in n.store.get_receipts(h):
                assert SECRET not in rc.to_bytes()
        roots.add(n.store.state_root)
        assert n.mempool.size_bytes == 0
    assert len(roots) == 1


def test_a_fresh_validator_replays_from_genesis_with_the_sidecars(net: Net) -> None:
    for i in range(3):
        net.start(i)
    commit(net, net.live()[0], [net.tx(i, SECRET + b"%d" % i) for i in range(5)])
    top = net.live()[0].height
    net.start(3)  # an empty store: block sync from genesis, side-cars with the blocks
    fresh = net.nodes[3]
    assert fresh is not None
    net.wait_height(top, nodes=[fresh])
    for h in range(1, top + 1):
        assert fresh.store.get_block_hash(h) == net.live()[0].store.get_block_hash(h)
        assert fresh.store.get_state_root(h) == net.live()[0].store.get_state_root(h)
    assert private_sidecars(fresh) == private_sidecars(net.live()[0])


def test_a_validator_without_the_sidecars_stops_naming_the_height(net: Net) -> None:
    for i in range(3):
        net.start(i)
    commit(net, net.live()[0], [net.tx(0, SECRET)])
    needs = net.live()[0].store.get_tx_location(
        SUITE.hash(Transaction.from_bytes(net.tx(0, SECRET)[0]).signing_bytes())
    )
    assert needs is not None
    # every peer's retention period passes: the next commits prune the side-car
    for n in net.live():
        n.sidecar_retention_ms = 1
    time.sleep(0.01)
    commit(net, net.live()[1], [net.tx(1, SECRET + b"later")])
    for n in net.live():
        assert n.store.get_sidecar(compute_sidecar_hash(SUITE, SECRET)) is None
        assert n.store.sidecars_pruned_below > needs[0]
    shutil.rmtree(net.root / "n3", ignore_errors=True)
    net.start(3)
    runner = net.runners[3]
    assert runner is not None
    deadline = time.monotonic() + 20
    while not any(e == "halt" for e, _ in net.events[3]) and time.monotonic() < deadline:
        time.sleep(0.05)
    err = runner.error
    assert isinstance(err, SidecarMissing), err
    assert f"cannot replay block {needs[0]}" in err.message
    assert "wuyi restore" in err.message and "retention" in err.message
    assert "state sync" in err.message
    assert net.nodes[3] is not None and net.nodes[3].height == needs[0] - 1  # nothing guessed
    (halt,) = [kw for e, kw in net.events[3] if e == "halt"]
    assert halt["code"] == "sidecar_missing" and err.message in halt["error"]
