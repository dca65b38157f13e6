"""The developer kit (wuyi.testing.contracts) and the example contracts run through it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from wuyi.contracts.examples import EXAMPLES, path, source
from wuyi.exceptions import (
    ContractFault,
    ContractRejected,
    ContractRevert,
    NotFound,
    OutOfGas,
    TxFailed,
    Unauthorized,
    ValidationError,
)
from wuyi.runtime import Identity
from wuyi.testing.contracts import ContractTester


@pytest.fixture
def t() -> ContractTester:
    return ContractTester()


def test_every_example_deploys(t: ContractTester) -> None:
    for name in EXAMPLES:
        info = t.deploy(name, path(name)).info  # from a path
        assert info.methods, name


# -- counter -----------------------------------------------------------------------------------


def test_counter(t: ContractTester) -> None:
    counter = t.deploy("counter", source("counter"))
    assert counter.call("increment", sender="alice") == 1
    assert counter.call("increment", {"by": 5}, sender="bob") == 6
    assert counter.query("get") == 6
    assert t.last.gas_used > 0 and t.last.ok
    assert t.state("counter") == {"count": 6, "last_by": t.address("bob")}
    with pytest.raises(ContractRevert, match="between 1 and 1000"):
        counter.call("increment", by=0)
    with pytest.raises(Unauthorized, match="needs one of the roles"):
        counter.call("reset", sender="bob")
    t.identity("root", roles=["admin"])
    counter.call("reset", sender="root")
    assert counter.query("get") == 0
    assert [e.name for e in t.events] == ["Incremented", "Incremented", "Reset"]


# -- token ---------------------------------------------------------------------------------------


def test_token(t: ContractTester) -> None:
    token = t.deploy("token", source("transfer"), init_args={"supply": 1000}, sender="alice")
    alice, bob = t.address("alice"), t.address("bob")
    assert token.query("balance", account=alice) == 1000
    with pytest.raises(ContractRevert, match="already initialised"):
        token.call("init", supply=10**6, sender="bob")
    token.call("transfer", to=bob, amount=300, sender="alice")
    assert (token.query("balance", account=alice), token.query("balance", account=bob)) == (
        700,
        300,
    )
    assert t.last.gas_used > 0
    event = t.events[-1]
    assert (event.contract, event.name, event.attrs) == (
        "token",
        "Transfer",
        {"sender": alice, "to": bob, "amount": 300},
    )
    with pytest.raises(ContractRevert, match="insufficient balance"):
        token.call("transfer", to=alice, amount=301, sender="bob")
    assert t.last.error is not None and t.last.gas_used > 0
    with pytest.raises(Unauthorized):
        token.call("mint", to=bob, amount=1, sender="bob")
    t.identity("central", org="pboc", roles=["minter"])
    token.call("mint", to=bob, amount=5, sender="central")
    assert token.query("total_supply") == 1005
    assert token.query("holders") == sorted([[alice, 700], [bob, 305]])
    assert token.info.roles == ("minter",)


# -- smallbank -------------------------------------------------------------------------------


def test_smallbank(t: ContractTester) -> None:
    bank = t.deploy("smallbank", source("smallbank"))
    bank.call("create_account", customer="a", checking=100, savings=50)
    bank.call("create_account", customer="b", checking=10)
    with pytest.raises(ContractRevert, match="already has an account"):
        bank.call("create_account", customer="a")
    bank.call("deposit_checking", customer="a", amount=5)
    bank.call("transact_savings", customer="a", amount=-20)
    with pytest.raises(ContractRevert, match="insufficient savings"):
        bank.call("transact_savings", customer="a", amount=-1000)
    bank.call("send_payment", source="a", dest="b", amount=25)
    assert bank.query("balance", customer="a") == 110
    assert bank.query("balance", customer="b") == 35
    bank.call("write_check", customer="b", amount=40)  # overdraft: penalty 1
    assert bank.query("balance", customer="b") == -6
    bank.call("amalgamate", source="a", dest="b")
    assert bank.query("balance", customer="a") == 0
    assert bank.query("balance", customer="b") == 104
    with pytest.raises(ContractRevert, match="no account for zed"):
        bank.query("balance", customer="zed")
    assert t.state("smallbank")["acct/b"] == {"checking": 104, "savings": 0}


# -- the kit ----------------------------------------------------------------------------------

PROBE = """from wuyi.contract import call, view, state, ctx, emit, invoke, require


@call
def stamp() -> dict:
    state.set("n", state.get("n", 0) + 1)
    emit("Stamped", height=ctx.height)
    return {"height": ctx.height, "time": ctx.time, "tx": ctx.tx_hash,
            "signers": [s.address for s in ctx.signers], "roles": ctx.sender_roles}


@call
def fail_after_write() -> None:
    state.set("n", 999)
    emit("Lost")
    require(False, "undone")


@call(policy="AND('bank1.member', 'bank2.member')")
def joint() -> int:
    return len(ctx.signers)


@call
def ping_other(amount: int) -> int:
    return invoke("counter", "increment", by=amount)


@call
def spin() -> None:
    while True:
        pass


@call
def v2_only() -> None:
    pass
"""


def test_clock_and_transactions(t: ContractTester) -> None:
    probe = t.deploy("probe", PROBE)
    first = probe.call("stamp", sender="alice")
    t.advance(blocks=3, ms=9000)
    second = probe.call("stamp", sender="alice")
    assert second["height"] == first["height"] + 3 and second["time"] == first["time"] + 9000
    assert first["tx"] != second["tx"]
    assert first["signers"] == [t.address("alice")]
    with pytest.raises(ContractRevert, match="undone"):
        probe.call("fail_after_write")
    assert t.get_state("probe", "n") == 2  # the failed call's write was discarded
    assert [e.name for e in t.events] == ["Stamped", "Stamped"]
    assert t.last.events == [] and isinstance(t.last.error, ContractRevert)


def test_policies_over_signers(t: ContractTester) -> None:
    t.identity("ann", org="bank1")
    t.identity("ben", org="bank2")
    probe = t.deploy("probe", PROBE)
    with pytest.raises(Unauthorized, match="guarded by"):
        probe.call("joint", sender="ann")
    assert probe.call("joint", signers=["ann", "ben"]) == 2


def test_custom_policy_evaluator() -> None:
    seen: list[str] = []

    def two_signers(policy: str, signers: Sequence[Identity]) -> bool:
        seen.append(policy)
        return len(signers) > 1

    t = ContractTester(policy_evaluator=two_signers)
    probe = t.deploy("probe", PROBE)
    with pytest.raises(Unauthorized):
        probe.call("joint")
    assert probe.call("joint", signers=["x", "y"]) == 2
    assert seen == ["AND('bank1.member', 'bank2.member')"] * 2


def test_cross_contract_calls_in_the_kit(t: ContractTester) -> None:
    t.deploy("counter", source("counter"))
    probe = t.deploy("probe", PROBE)
    assert probe.call("ping_other", amount=4) == 4
    assert t.query("counter", "get") == 4
    t.freeze("counter")
    with pytest.raises(ContractFault, match="frozen"):
        probe.call("ping_other", amount=1)
    with pytest.raises(TxFailed, match="frozen"):
        t.call("counter", "increment")
    t.unfreeze("counter")
    assert probe.call("ping_other", amount=1) == 5


def test_gas_limits_and_errors(t: ContractTester) -> None:
    probe = t.deploy("probe", PROBE)
    with pytest.raises(OutOfGas) as err:
        probe.call("spin", gas_limit=10_000)
    assert err.value.detail["gas_used"] == 10_000 == t.last.gas_used
    with pytest.raises(ValidationError, match="unknown argument 'x'"):
        probe.call("stamp", x=1)
    with pytest.raises(ValidationError, match="not canonical"):
        probe.call("stamp", x=1.5)
    with pytest.raises(NotFound):
        t.call("nobody", "x")
    with pytest.raises(ValidationError, match="cannot run read-only"):
        probe.query("stamp")


def test_deploy_refusals_and_upgrade(t: ContractTester, tmp_path: Path) -> None:
    with pytest.raises(ContractRejected) as err:
        t.deploy("bad", "from wuyi.contract import call\n@call\ndef f() -> None:\n    x = 1.5\n")
    assert err.value.detail["line"] == 4
    with pytest.raises(ContractRejected, match="policy of 'f' is invalid"):
        t.deploy(
            "badpolicy",
            "from wuyi.contract import call\n@call(policy='AND(')\ndef f() -> None:\n    pass\n",
        )
    t.deploy("counter", source("counter"))
    t.call("counter", "increment", by=3)
    with pytest.raises(TxFailed, match="already exists"):
        t.deploy("counter", source("counter"))
    v2 = source("counter") + (
        "\n\n@call\ndef migrate(from_version: str) -> None:\n"
        "    state.set('migrated_from', from_version)\n"
    )
    file = tmp_path / "counter_v2.py"
    file.write_text(v2, encoding="utf-8")
    t.upgrade("counter", file, version="2.0.0")
    assert t.state("counter")["migrated_from"] == "1.0.0"
    assert t.query("counter", "get") == 3  # state kept across the upgrade


def test_print_output_is_captured(t: ContractTester) -> None:
    t.deploy(
        "p",
        "from wuyi.contract import call\n@call\ndef f(x: int) -> None:\n"
        "    print('x is', x, {'k': [x]})\n",
    )
    t.call("p", "f", x=3)
    assert t.last.logs == ["x is 3 {'k': [3]}"]
