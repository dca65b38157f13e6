"""Issue #7 flow 2 on four validators (loopback hub, real adapter, store and ledger): the city
registration centre and two district offices each run a node. A unit registered through 蓬江's
node, mortgaged by a bank through 新会's node and seized by the court through the centre's node
is, on every node, in the same state once that block is committed — no office waits for
another — and the unit's whole history reads the same everywhere, across the districts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_validators_loopback import SUITE, Net

from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.ledger.genesis import GenesisDoc, GenesisOrg
from wuyi.ledger.handlers.contracts import query_contract
from wuyi.ledger.types import Transaction
from wuyi.node.node import Node
from wuyi.scenarios import contract_source as source
from wuyi.testing.loopback import LoopbackHub

CHAIN = "loop-chain"
ORGS = {
    "sjj": "江门市政务服务数据管理局",
    "bdc": "江门市不动产登记中心",
    "pjq": "蓬江区政务服务中心",
    "xhq": "新会区政务服务中心",
    "nsyh": "江门农商银行",
    "fy": "江门市中级人民法院",
}
ROLES = {
    "bdc": "registrar",
    "pjq": "registrar",
    "xhq": "registrar",
    "nsyh": "banker",
    "fy": "judge",
}
UNIT = "440703-001-0001"
OWNER = "did:wuyi:" + "ab" * 20


def key(name: str) -> Any:
    return SUITE.private_key_from_bytes(SUITE.hash(name.encode()))


class City:
    """The four nodes, and each organisation's admin and role member."""

    def __init__(self, net: Net) -> None:
        self.net = net
        self.nonce = 0
        # node0: the city centre (bdc), node1: 蓬江 (pjq), node2: 新会 (xhq), node3: the court
        self.node_of = {"bdc": 0, "sjj": 0, "pjq": 1, "xhq": 2, "nsyh": 2, "fy": 3}

    def tx(self, signer: Any, kind: str, payload: dict[str, Any]) -> bytes:
        self.nonce += 1
        t = Transaction(CHAIN, signer.public_key, self.nonce, 100_000, kind, payload)
        return t.signed(signer).to_bytes()

    def commit(self, org: str, signer: Any, kind: str, payload: dict[str, Any]) -> list[Any]:
        """Submit through ``org``'s own node; wait until every node committed it."""
        node = self.net.live()[self.node_of[org]]
        (h,) = node.submit_many([self.tx(signer, kind, payload)])
        assert isinstance(h, bytes), h
        infos = [n.wait_for_tx(h, 30) for n in self.net.live()]
        assert infos[0].receipt.ok, infos[0].receipt
        return infos

    def call(self, org: str, method: str, **args: Any) -> list[Any]:
        payload = {"contract": "realestate", "method": method, "args": args}
        return self.commit(org, key(f"{org}-{ROLES[org]}"), "contract.call", payload)


def view(node: Node, method: str, height: int, **args: Any) -> Any:
    """The registry as ``node`` sees it in its committed state, at ``height`` or later (no other
    registry transaction comes between the steps, so later blocks do not change it)."""
    assert node.height >= height, (node.height, height)
    with node.store.snapshot() as v:
        header = node.store.get_block(height).header
        value, _ = query_contract(
            node.chain,
            v,
            "realestate",
            method,
            args,
            height=height,
            time=header.time,
            gas_limit=10_000_000,
        )
    return value


@pytest.fixture
def city(tmp_path: Path) -> Iterator[City]:
    keys = [key(f"v{i}") for i in range(4)]
    genesis = GenesisDoc(
        chain_id=CHAIN,
        suite="intl",
        time=1_764_201_600_000,
        orgs=tuple(
            GenesisOrg(o, name, o == "sjj", (("admin", key(f"{o}-admin").public_key),))
            for o, name in ORGS.items()
        ),
        validators=ValidatorSet(
            tuple(Validator(k.public_key, 1, f"node{i}") for i, k in enumerate(keys))
        ),
    )
    net = Net(tmp_path, genesis, keys, key("sjj-admin"), LoopbackHub(), [None] * 4, [None] * 4)
    for i in range(4):
        net.start(i)
    try:
        c = City(net)
        for org, role in ROLES.items():
            member = {"org": org, "public_key": key(f"{org}-{role}").public_key, "roles": [role]}
            c.commit(org, key(f"{org}-admin"), "member.add", member)
        pkg = {"name": "realestate", "version": "1.0.0", "source": source("realestate")}
        action = {"type": "contract.deploy", "args": {"package": {**pkg, "manifest": {}}}}
        infos = c.commit("sjj", key("sjj-admin"), "gov.propose", {"action": action, "title": "d"})
        pid = next(e.attrs["id"] for e in infos[0].receipt.events if e.type == "gov.proposed")
        for org in ("bdc", "pjq", "xhq"):
            c.commit(org, key(f"{org}-admin"), "gov.vote", {"id": pid, "choice": "yes"})
        c.commit("sjj", key("sjj-admin"), "gov.execute", {"id": pid})
        yield c
    finally:
        for i in range(4):
            if net.runners[i] is not None:
                net.stop(i)


def test_every_office_sees_each_change_in_the_block_that_made_it(city: City) -> None:
    nodes = city.net.live()
    steps = [
        ("pjq", "register_unit", {"unit_id": UNIT, "location": "蓬江区建设路1号", "area": 9000,
                                  "use": "residential"}),
        ("pjq", "first_registration", {"unit_id": UNIT,
                                       "owners": [{"did": OWNER, "share": 10000}]}),
        ("nsyh", "register_mortgage", {"unit_id": UNIT, "amount": 50_000_000}),
        ("fy", "seize", {"unit_id": UNIT, "case_hash": SUITE.hash("(2026)粤07民初1号".encode())}),
        ("bdc", "correct", {"unit_id": UNIT, "field": "area", "value": 9050,
                            "reason": "测绘更正 / survey correction"}),
    ]  # fmt: skip
    heights = []
    for seen, (org, method, args) in enumerate(steps):
        infos = city.call(org, method, **args)
        # the same block, the same receipt on every office's node
        assert len({i.height for i in infos}) == 1
        assert len({(i.receipt.status, i.receipt.gas_used) for i in infos}) == 1
        h = infos[0].height
        heights.append(h)
        # once each node has that block, its registry shows the change
        units = [view(n, "unit", h, unit_id=UNIT) for n in nodes]
        assert all(u == units[0] for u in units)
        after = [view(n, "history", h, unit_id=UNIT) for n in nodes]
        assert all(len(a) == seen + 1 for a in after), method
    u = view(nodes[3], "unit", heights[-1], unit_id=UNIT)
    assert u["area"] == 9050 and u["mortgages"] and u["seizures"]
    # the whole history, across the districts, identical on every node
    histories = [view(n, "history", heights[-1], unit_id=UNIT) for n in nodes]
    assert all(x == histories[0] for x in histories)
    offices = [r["org"] for r in histories[0]]
    assert offices == ["pjq", "pjq", "nsyh", "fy", "bdc"], offices
    # a transfer through any office is refused while the court's seizure stands
    node = nodes[0]
    raw = city.tx(
        key("bdc-registrar"),
        "contract.call",
        {
            "contract": "realestate",
            "method": "transfer",
            "args": {
                "unit_id": UNIT,
                "contract_id": "WQ00000001",
                "buyers": [OWNER],
                "tax_proof": SUITE.hash(b"tax"),
            },
        },
    )
    (h,) = node.submit_many([raw])
    assert isinstance(h, bytes)
    infos = [n.wait_for_tx(h, 30) for n in nodes]
    assert {i.receipt.status for i in infos} == {"contract_revert"}
    assert "查封" in infos[0].receipt.error or "seiz" in infos[0].receipt.error
    city.net.check_agreement()
