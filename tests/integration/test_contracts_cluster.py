"""Hostile contracts on a four-validator network (loopback hub, real adapter, store and
ledger): an endless loop, runaway recursion and a huge write each end with the same receipt on
every node, the chain keeps going and no node forks."""

from __future__ import annotations

from typing import Any

from test_validators_loopback import Net
from test_validators_loopback import net as net  # the fixture

from wuyi.ledger.types import Transaction
from wuyi.node.node import Node

HOSTILE = """
from wuyi.contract import call, state, view

@call
def spin() -> None:
    state.set("touched", 1)
    while True:
        pass

@call
def deep(n: int) -> int:
    state.set("touched", 1)
    return deep(n + 1)

@call
def huge() -> None:
    state.set("touched", 1)
    state.set("big", "x" * 50_000_000)

@call
def ok(v: int) -> int:
    state.set("v", v)
    return v

@view
def touched() -> int:
    return state.get("touched", 0)
"""


def admin_tx(nw: Net, nonce: int, kind: str, payload: dict[str, Any]) -> bytes:
    admin: Any = nw.admin
    tx = Transaction("loop-chain", admin.public_key, nonce, 10_000, kind, payload)
    return tx.signed(admin).to_bytes()


def commit_everywhere(nw: Net, node: Node, raw: bytes) -> list[Any]:
    (h,) = node.submit_many([raw])
    assert isinstance(h, bytes), h
    return [n.wait_for_tx(h, 30) for n in nw.live()]


def test_hostile_contracts_get_the_same_receipt_on_every_node(net: Net) -> None:
    n0 = net.live()[0]
    pkg = {"name": "hostile", "version": "1.0.0", "source": HOSTILE, "manifest": {}}
    infos = commit_everywhere(
        net,
        n0,
        admin_tx(
            net,
            1,
            "gov.propose",
            {"action": {"type": "contract.deploy", "args": {"package": pkg}}, "title": "hostile"},
        ),
    )
    assert infos[0].receipt.ok, infos[0].receipt
    pid = next(e.attrs["id"] for e in infos[0].receipt.events if e.type == "gov.proposed")
    # one organisation in this genesis: its proposal is already a majority
    infos = commit_everywhere(net, n0, admin_tx(net, 2, "gov.execute", {"id": pid}))
    assert infos[0].receipt.ok, infos[0].receipt

    expected = {
        "spin": "out_of_gas",
        "deep": "contract_fault",
        "huge": "contract_fault",
        "ok": "ok",
    }
    for nonce, (method, status) in enumerate(expected.items(), start=10):
        args = {"n": 0} if method == "deep" else {"v": 7} if method == "ok" else {}
        raw = admin_tx(
            net,
            nonce,
            "contract.call",
            {"contract": "hostile", "method": method, "args": args, "gas_limit": 3_000_000},
        )
        via = net.live()[nonce % 4]  # submitted to different validators
        infos = commit_everywhere(net, via, raw)
        receipts = {
            (i.receipt.status, i.receipt.error, i.receipt.gas_used, i.height) for i in infos
        }
        assert len(receipts) == 1, receipts  # identical on all four nodes
        ((st, err, gas, _),) = receipts
        assert st == status, (method, st, err)
        if method == "spin":
            assert gas > 3_000_000  # all of its gas limit, plus the base cost
    for n in net.live():
        assert n.get_state(b"contract/hostile/s/touched") is None  # nothing leaked
        assert n.get_state(b"contract/hostile/s/v") is not None
    net.check_agreement()
