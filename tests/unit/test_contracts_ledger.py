"""Contracts on the ledger: the governed lifecycle, calls, guards, gas in receipts, multi-party
calls and read-only queries — through the real block transition (LedgerHarness)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from wuyi.contracts.examples import source
from wuyi.exceptions import ContractRejected, NotFound, ValidationError
from wuyi.ledger.handlers.contracts import get_contract, query_contract
from wuyi.ledger.types import Receipt
from wuyi.params import ChainParams
from wuyi.testing.factories import LedgerHarness

GUARDED = """
from wuyi.contract import call, ctx, emit, state, view

@call(policy="OutOf(2, 'sjj.admin', 'zjj.admin')")
def set_rate(bp: int) -> None:
    state.set("rate", bp)
    emit("RateSet", bp=bp, signers=len(ctx.signers))

@view
def rate() -> int:
    return state.get("rate", 0)
"""

LOOP = """
from wuyi.contract import call, state

@call
def spin() -> None:
    state.set("touched", 1)
    n = 0
    while True:
        n = n + 1

@call
def deep(n: int) -> int:
    state.set("touched", 1)
    return deep(n + 1)

@call
def big() -> None:
    state.set("big", "x" * 10_000_000)
"""

V1 = """
from wuyi.contract import call, state, view

@call
def put(v: int) -> None:
    state.set("v", v)

@view
def get() -> int:
    return state.get("v", 0)
"""

V2 = """
from wuyi.contract import call, state, view

@call
def migrate(from_version: str, factor: int = 1) -> None:
    state.set("v", state.get("v", 0) * factor)
    state.set("migrated_from", from_version)

@call
def put(v: int) -> None:
    state.set("v", v)

@view
def get() -> int:
    return state.get("v", 0)

@view
def origin() -> str:
    return state.get("migrated_from", "")
"""


@pytest.fixture(params=["intl", "sm"])
def chain(request: pytest.FixtureRequest) -> LedgerHarness:
    h = LedgerHarness(suite_name=request.param)
    h.add_member("zjj", "zjj", "clerk", ["client"])
    return h


def query(h: LedgerHarness, name: str, method: str, args: dict[str, Any] | None = None) -> Any:
    value, _ = query_contract(
        h.chain,
        h.state,
        name,
        method,
        args or {},
        height=h.height,
        time=h.time,
        gas_limit=1_000_000,
    )
    return value


def propose_deploy(h: LedgerHarness, name: str, src: str, **init: Any) -> Receipt:
    pkg = {"name": name, "version": "1.0.0", "source": src, "manifest": {}}
    args: dict[str, Any] = {"package": pkg}
    if init:
        args["init_args"] = init
    _, res = h.run(
        [
            h.tx(
                "operator",
                "gov.propose",
                {"action": {"type": "contract.deploy", "args": args}, "title": "deploy"},
            )
        ]
    )
    return res.receipts[0]


def test_a_contract_does_nothing_until_the_lifecycle_policy_is_met(chain: LedgerHarness) -> None:
    h = chain
    r = propose_deploy(h, "counter", source("counter"))
    assert r.ok, r
    pid = next(e.attrs["id"] for e in r.events if e.type == "gov.proposed")
    # One organisation (sjj) approved by proposing; the majority of two needs zjj too.
    _, res = h.run([h.tx("operator", "gov.execute", {"id": pid})])
    assert res.receipts[0].status == "tx_failed"
    assert "zjj" in res.receipts[0].error
    assert h.call("clerk", "counter", "increment", {"by": 1}).status == "not_found"
    with pytest.raises(NotFound):
        get_contract(h.state, "counter")
    _, res = h.run([h.tx("zjj", "gov.vote", {"id": pid, "choice": "yes"})])
    assert res.receipts[0].ok
    _, res = h.run([h.tx("clerk", "gov.execute", {"id": pid})])
    assert res.receipts[0].ok, res.receipts[0]
    r = h.call("clerk", "counter", "increment", {"by": 3})
    assert r.ok and r.gas_used > 0
    assert [e.type for e in r.events] == ["contract:counter.Incremented", "contract.returned"]
    assert query(h, "counter", "get") == 3
    meta = get_contract(h.state, "counter")
    assert meta["status"] == "active" and meta["version"] == "1.0.0"
    assert set(meta["abi"]["methods"]) == {"increment", "reset", "get"}


def test_rejected_source_is_refused_at_the_door_with_line_and_reason() -> None:
    h = LedgerHarness()
    bad = "from wuyi.contract import call\n\n@call\ndef f() -> int:\n    return ().__class__\n"
    pkg = {"name": "evil", "version": "1.0.0", "source": bad, "manifest": {}}
    tx = h.tx(
        "operator",
        "gov.propose",
        {"action": {"type": "contract.deploy", "args": {"package": pkg}}, "title": "x"},
    )
    block, res = h.propose([tx])
    assert block.header.tx_count == 0
    ((_, exc),) = res.rejected
    assert isinstance(exc, ContractRejected)
    assert exc.detail["line"] == 5
    assert "__class__" in exc.message


def test_guarded_methods_refuse_unauthorised_callers_with_a_reason(chain: LedgerHarness) -> None:
    h = chain
    h.deploy_contract("token", source("transfer"), init_args={"supply": 100})
    r = h.call("clerk", "token", "mint", {"to": "wy00", "amount": 5})
    assert r.status == "unauthorized"
    assert "minter" in r.error
    r = h.call("operator", "token", "transfer", {"to": "wy00", "amount": 500})
    assert r.status == "contract_revert" and r.error == "insufficient balance"
    r = h.call("operator", "token", "transfer", {"to": 7, "amount": 5})
    assert r.status == "invalid" and "'to'" in r.error
    assert query(h, "token", "balance", {"account": "wy00"}) == 0


def test_multi_party_call_runs_when_its_signers_satisfy_the_policy(chain: LedgerHarness) -> None:
    h = chain
    h.deploy_contract("rates", GUARDED)
    r = h.call("operator", "rates", "set_rate", {"bp": 35})
    assert r.status == "unauthorized"
    assert "contract.call_propose" in r.error
    _, res = h.run(
        [
            h.tx(
                "operator",
                "contract.call_propose",
                {"contract": "rates", "method": "set_rate", "args": {"bp": 35}},
            )
        ]
    )
    r = res.receipts[0]
    assert r.ok, r
    cid = next(e.attrs["id"] for e in r.events if e.type == "contract.call_proposed")
    assert not any(e.type == "contract.call_executed" for e in r.events)
    assert query(h, "rates", "rate") == 0
    _, res = h.run([h.tx("clerk", "contract.call_sign", {"id": cid})])
    assert res.receipts[0].ok and not any(
        e.type == "contract.call_executed" for e in res.receipts[0].events
    )  # a client of zjj is not zjj.admin
    _, res = h.run([h.tx("zjj", "contract.call_sign", {"id": cid})])
    r = res.receipts[0]
    assert r.ok, r
    assert any(e.type == "contract.call_executed" for e in r.events)
    assert any(e.type == "contract:rates.RateSet" and e.attrs["signers"] == 3 for e in r.events)
    assert query(h, "rates", "rate") == 35
    _, res = h.run([h.tx("operator", "contract.call_sign", {"id": cid})])
    assert res.receipts[0].status == "tx_failed"


def test_upgrade_runs_the_explicit_migration(chain: LedgerHarness) -> None:
    h = chain
    h.deploy_contract("kv", V1)
    assert h.call("clerk", "kv", "put", {"v": 21}).ok
    h.deploy_contract("kv", V2, version="1.1.0", upgrade=True, init_args={"factor": 2})
    assert query(h, "kv", "get") == 42
    assert query(h, "kv", "origin") == "1.0.0"
    meta = get_contract(h.state, "kv")
    assert [x["action"] for x in meta["history"]] == ["deploy", "upgrade"]
    r = h.govern(
        "contract.upgrade",
        {"package": {"name": "kv", "version": "1.0.5", "source": V2, "manifest": {}}},
    )
    assert not r.ok and "1.1.0" in r.error


def test_freeze_unfreeze_retire(chain: LedgerHarness) -> None:
    h = chain
    h.deploy_contract("counter", source("counter"))
    assert h.govern("contract.freeze", {"name": "counter", "reason": "audit"}).ok
    r = h.call("clerk", "counter", "increment", {})
    assert r.status == "tx_failed" and "frozen" in r.error
    assert h.govern("contract.unfreeze", {"name": "counter"}).ok
    assert h.call("clerk", "counter", "increment", {}).ok
    assert h.govern("contract.retire", {"name": "counter"}).ok
    assert "retired" in h.call("clerk", "counter", "increment", {}).error
    assert not h.govern("contract.unfreeze", {"name": "counter"}).ok
    assert get_contract(h.state, "counter")["status"] == "retired"


@pytest.mark.parametrize("method", ["spin", "deep", "big"])
def test_runaway_calls_end_the_same_way_on_every_node_and_change_nothing(method: str) -> None:
    receipts = []
    for _ in range(2):  # two independent chains stand in for two nodes
        h = LedgerHarness()
        h.deploy_contract("bad", LOOP)
        before = h.head.state_root
        args = {"n": 0} if method == "deep" else {}
        r = h.call("operator", "bad", method, args, gas_limit=2_000_000)
        assert not r.ok
        assert h.head.state_root == before  # the block committed, the call wrote nothing
        assert h.state.get(b"contract/bad/s/touched") is None
        receipts.append(r)
    a, b = receipts
    assert (a.status, a.error, a.gas_used) == (b.status, b.error, b.gas_used)
    expected = {"spin": "out_of_gas", "deep": "contract_fault", "big": "contract_fault"}
    assert a.status == expected[method], a


def test_block_gas_limit_counts_the_reserved_gas_of_calls() -> None:
    """A call is admitted to a block only if its gas_limit fits in what the block has left;
    the block then counts the gas it actually used (here: all of it, an endless loop)."""
    params = replace(ChainParams(), block_gas_limit=2_500_000, max_call_gas=1_000_000)
    h = LedgerHarness(params=params)
    h.deploy_contract("bad", LOOP)
    txs = [
        h.tx(
            "operator",
            "contract.call",
            {"contract": "bad", "method": "spin", "args": {}, "gas_limit": 1_000_000},
        )
        for _ in range(4)
    ]
    block, res = h.propose(txs)
    assert block.header.tx_count == 2  # the third would need 1M more than is left
    assert not res.rejected  # deferred to the next block, not refused
    assert all(r.status == "out_of_gas" for r in res.receipts)


def test_call_payloads_are_checked_at_the_door() -> None:
    h = LedgerHarness()
    bad = [
        {"contract": "Bad Name", "method": "m", "args": {}},
        {"contract": "counter", "method": "_private", "args": {}},
        {"contract": "counter", "method": "m", "args": {}, "gas_limit": 10**12},
        {"contract": "counter", "method": "m"},
    ]
    for payload in bad:
        block, res = h.propose([h.tx("operator", "contract.call", payload)])
        assert block.header.tx_count == 0
        assert isinstance(res.rejected[0][1], ValidationError)


def test_queries_refuse_methods_that_write() -> None:
    h = LedgerHarness()
    h.deploy_contract("counter", source("counter"))
    with pytest.raises(ValidationError, match="transaction"):
        query(h, "counter", "increment")
    with pytest.raises(NotFound):
        query(h, "counter", "nope")


V3 = V2.replace('state.set("v", v)', 'state.set("v", v * 10)')


def _clear_record_caches() -> None:
    from wuyi.ledger.handlers import contracts

    contracts._METAS.clear()
    contracts._SOURCES.clear()


def test_calls_see_an_upgrade_and_a_freeze_at_once_with_the_record_cache_warm(
    chain: LedgerHarness,
) -> None:
    """The call path caches decoded contract records by their bytes: a new version or a new
    status is new bytes, so the very next call sees it."""
    h = chain
    h.deploy_contract("kv", V1)
    assert h.call("clerk", "kv", "put", {"v": 2}).ok  # warms the caches with 1.0.0
    h.deploy_contract("kv", V3, version="1.1.0", upgrade=True)
    assert h.call("clerk", "kv", "put", {"v": 3}).ok
    assert query(h, "kv", "get") == 30  # 1.1.0's put ran, not the cached 1.0.0
    assert h.govern("contract.freeze", {"name": "kv", "reason": "audit"}).ok
    r = h.call("clerk", "kv", "put", {"v": 4})
    assert r.status == "tx_failed" and "frozen" in r.error
    r = h.call("clerk", "kv", "nope", {})
    assert r.status == "tx_failed" and "frozen" in r.error


def test_call_target_agrees_with_the_records_cold_and_warm(chain: LedgerHarness) -> None:
    from wuyi.ledger.handlers.contracts import call_target, get_contract_source

    h = chain
    h.deploy_contract("counter", source("counter"))
    _clear_record_caches()
    cold = call_target(h.state, "counter")
    warm = call_target(h.state, "counter")
    meta = get_contract(h.state, "counter")
    assert cold == warm
    assert cold.status == meta["status"] == "active"
    assert cold.version == meta["version"]
    assert cold.methods == frozenset(meta["abi"]["methods"])
    assert cold.source == get_contract_source(h.state, "counter")["source"]
    with pytest.raises(NotFound, match="no contract 'nosuch'"):
        call_target(h.state, "nosuch")


def test_a_node_with_warm_caches_and_one_without_reach_the_same_state() -> None:
    """Two chains fed the same transactions, one clearing every cache before each block
    (a node that has just restarted), the other never: same receipts, same roots."""
    import wuyi.encoding as enc

    roots: list[list[tuple[bytes, list[str]]]] = []
    for cold in (True, False):
        h = LedgerHarness(suite_name="intl", seed=7)
        h.add_member("zjj", "zjj", "clerk", ["client"])
        h.deploy_contract("kv", V1)
        seen = []
        for i, (method, args) in enumerate(
            [("put", {"v": 1}), ("get", {}), ("put", {"v": 5}), ("nope", {})] * 3
        ):
            if cold:
                _clear_record_caches()
                enc._ORDER.clear()
            if i == 6:
                h.deploy_contract("kv", V3, version="1.1.0", upgrade=True)
            r = h.call("clerk", "kv", method, args)
            seen.append((h.head.state_root, [r.status, r.error, str(r.gas_used)]))
        roots.append(seen)
    assert roots[0] == roots[1]


def test_the_record_caches_are_bounded(chain: LedgerHarness) -> None:
    from wuyi.ledger.handlers import contracts

    h = chain
    h.deploy_contract("counter", source("counter"))
    _clear_record_caches()
    for i in range(contracts._CACHE_MAX + 5):
        contracts._METAS[i.to_bytes(4, "big")] = ("active", "1", frozenset())
    contracts.call_target(h.state, "counter")
    assert len(contracts._METAS) <= contracts._CACHE_MAX
    for i in range(contracts._SOURCES_MAX + 5):
        contracts._SOURCES[i.to_bytes(4, "big")] = "x"
    contracts._SOURCES.pop(next(iter(contracts._SOURCES)))
    contracts.call_target(h.state, "counter")  # a miss with the cache full clears it first
    assert len(contracts._SOURCES) <= contracts._SOURCES_MAX
