"""金融服务's demo data (``wuyi/scenarios/finance/demo.py``) on a demo chain loaded as ``make
run`` loads it: every flow done or waiting where ``docs/scenarios/demo.md`` says, read as each
party reads it (signed reads: the bank, the enterprise's wallet, 金融局), an unsigned read of
an enterprise's records refused, and none of the licences' personal values — the legal
representatives' and the operator's names, addresses, the enterprises' credit codes as they
appear on the licences — in any block, receipt (events included), state value, private-data
free public answer of the scenario, nor the operator's authorisation text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.exceptions import ReadForbidden, SignedReadRequired
from wuyi.scenarios.finance import demo
from wuyi.scenarios.finance.sdk import Finance
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode

#: the licence claims the contract never sees (the four rule claims are kind, sector,
#: district and the operator's DID)
PRIVATE_CLAIMS = ("name", "uscc", "legal_rep", "address", "registered_capital")


@pytest.fixture(scope="module")
def loaded(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, dict]]:
    """The demo chain (a fresh copy of the session's for this module)."""
    tmp = tmp_path_factory.mktemp("finance-demo")
    with demo_copy(demo_chain, tmp) as (env, made):
        yield env, made


def key_of(env: InProcessNode, name: str) -> Any:
    return load_key(env.keys_dir / f"{name}.key", DEMO_PASSPHRASE)


def personal_values() -> list[str]:
    out = []
    for c in demo.CITIZENS:
        for _type, claims in c.credentials:
            out += [str(claims[k]) for k in PRIVATE_CLAIMS if claims.get(k)]
    return out


def test_flows_done_and_waiting(loaded: tuple[InProcessNode, dict]) -> None:
    env, made = loaded
    part = made["scenarios"]["finance"]
    f = Finance(env.client)
    nsyh, zgyh = key_of(env, "nsyh-banker"), key_of(env, "zgyh-banker")
    active = f.application(part["active"]["loan"], nsyh)
    assert active["status"] == "active" and active["repaid"] > 0  # disbursed, partly repaid
    assert f.application(part["receivable"]["loan"], zgyh)["status"] == "active"
    assert f.receivable(part["receivable"]["id"], zgyh)["status"] == "confirmed"
    debtor = Wallet.open(part["receivable_waiting"]["debtor_wallet"], DEMO_PASSPHRASE)
    assert f.receivable(part["receivable_waiting"]["id"], debtor)["status"] == "registered"
    assert f.application(part["waiting_bank"]["loan"], zgyh)["status"] == "applied"
    overdue = f.application(part["overdue"]["loan"], nsyh)
    assert overdue["overdue"] is not None and overdue["overdue"]["dpd"] == 45
    assert f.application(part["refused"]["loan"], zgyh)["status"] == "refused"
    assert f.application(part["settled"]["loan"], zgyh)["status"] == "settled"
    # the sole proprietor's consent waits for its operator, who reads it with her wallet
    waiting = part["awaiting_person"]
    operator = Wallet.open(waiting["operator_wallet"], DEMO_PASSPHRASE)
    (mine,) = [
        c for c in f.person_consents(waiting["operator"], operator) if c["id"] == waiting["consent"]
    ]
    assert mine["status"] == "awaiting_person"
    # the enterprise reads its own file with its wallet; 金融局 its alerts
    owner = Wallet.open(part["active"]["wallet"], DEMO_PASSPHRASE)
    assert part["active"]["loan"] in f.application_ids(part["active"]["enterprise"], owner)
    assert f.alerts(key_of(env, "jrj-supervisor"))
    total = f.stats()["total"]  # the public figures: the overdue and the non-performing loan
    assert total["loans"] >= 4 and total["overdue"] > 0 and total["npl"] > 0


def test_the_enterprises_records_are_signed_reads(loaded: tuple[InProcessNode, dict]) -> None:
    env, made = loaded
    part = made["scenarios"]["finance"]
    f = Finance(env.client)
    did, loan = part["active"]["enterprise"], part["active"]["loan"]
    for read in (
        lambda: f.file(did),
        lambda: f.credit(did),
        lambda: f.application(loan),
        lambda: f.alerts(),
        lambda: f.bank_applications("nsyh"),
    ):
        with pytest.raises(SignedReadRequired):
            read()
    # a bank reads its own applications, not another bank's
    with pytest.raises(ReadForbidden):
        f.application(loan, key_of(env, "zgyh-banker"))
    with pytest.raises(ReadForbidden):
        f.bank_applications("nsyh", key_of(env, "zgyh-banker"))


def test_no_licence_value_is_on_the_demo_chain(loaded: tuple[InProcessNode, dict]) -> None:
    env, made = loaded
    values = personal_values()
    assert "陈美玲" in values and "江门市蓬江区长堤风貌街 12 号" in values and len(values) >= 20
    needles = {v.encode() for v in [*values, demo.AUTHORISATION]}
    store, node = env.node.store, env.node
    events = 0
    for h in range(1, node.height + 1):
        blob = store.get_block(h).to_bytes()
        assert not [n for n in needles if n in blob], f"block {h}"
        for rc in store.get_receipts(h):
            assert not [n for n in needles if n in rc.to_bytes()], f"a receipt of block {h}"
            events += sum(1 for e in rc.events if "finance" in str(e.attrs))
    assert events > 10
    with store.snapshot() as v:
        for key, value in v.iter_prefix(b""):
            assert not [n for n in needles if n in value or n in key], f"state {key!r}"
    # the scenario's public answers (and the data-sharing catalogue it gates)
    c = env.client
    answers = json.dumps(
        [
            Finance(c).stats(),
            c._get("/v1/scenarios/finance/params"),
            c._get("/v1/data/datasets"),
            c._get("/v1/finance/stats"),
        ],
        ensure_ascii=False,
    )
    assert not [v for v in values if v in answers]
    assert "did:wuyi:" not in json.dumps(Finance(c).stats())
    # the scan would have seen them: they are in the enterprises' wallets
    ent = Wallet.open(made["scenarios"]["finance"]["active"]["wallet"], DEMO_PASSPHRASE)
    assert any("江门市五邑精密五金有限公司" in str(x.claims) for x in ent.credentials)
