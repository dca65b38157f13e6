"""The chain registry of the multi-chain BaaS: a chain created from a template by the
consortium's governance on the base chain, started with the template's keys, activated only
with the approved genesis (its hash recorded), an existing chain registered, endpoints set,
a chain retired; the API lists every chain."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wuyi.crosschain.baas import activation_args, make_template, start_from_registry
from wuyi.crosschain.registry import get_chain
from wuyi.crypto import load_key
from wuyi.exceptions import TxFailed
from wuyi.ledger.genesis import GenesisDoc
from wuyi.node.home import OrgSpec, compute_genesis_hash
from wuyi.testing.factories import LedgerHarness
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = [OrgSpec("sjj", "江门市政务服务数据管理局", True), OrgSpec("jrj", "江门市金融工作局")]
FIN_ORGS = [OrgSpec("jrj", "江门市金融工作局", True), OrgSpec("nsyh", "江门农商银行")]


@pytest.fixture
def base(tmp_path: Path) -> Iterator[InProcessNode]:
    with inprocess_node(
        tmp_path / "base",
        ORGS,
        suite="sm",
        chain_id="jiangmen-gov",
        time_ms=int(time.time() * 1000),
    ) as env:
        yield env


def _govern(env: InProcessNode, action: str, args: dict, title: str) -> None:
    env.client.govern(env.admin("sjj"), [env.admin("jrj")], action, args, title=title)


def test_create_start_and_activate_a_chain_from_a_template(
    base: InProcessNode, tmp_path: Path
) -> None:
    keys = tmp_path / "fin-keys"
    tpl = make_template(
        "finance", "江门金融链", "intl", FIN_ORGS, validators=2, keys_dir=keys, passphrase=PW,
        consensus={"timeout_propose_ms": 400},
    )  # fmt: skip
    _govern(base, "chains.create", {"template": tpl, "description": "金融服务"}, "新建金融链")
    entry = base.client._get("/v1/xchain/chains/finance")
    assert entry["status"] == "approved" and entry["genesis_hash"] is None
    spec, got = start_from_registry(
        base.client, "finance", root=tmp_path / "fin", keys_dir=keys, passphrase=PW,
        base_api_port=38700, base_p2p_port=48700,
    )  # fmt: skip
    assert got == tpl | {"params": got["params"]}
    doc = GenesisDoc.load(spec.root / "genesis.json")
    assert [v.public_key for v in doc.validators.validators] == [
        v["public_key"] for v in tpl["validators"]
    ]
    assert (
        load_key(spec.admin_keys["nsyh"], PW).public_key
        == tpl["orgs"][1]["admins"][0]["public_key"]
    )
    # a genesis with another validator than the approved one is refused
    other = activation_args(spec)
    other["genesis"]["validators"][0]["power"] = 5
    with pytest.raises(TxFailed, match="validators are not the approved"):
        _govern(base, "chains.activate", other, "启用（错误）")
    _govern(base, "chains.activate", activation_args(spec), "启用金融链")
    entry = base.client._get("/v1/xchain/chains/finance")
    assert entry["status"] == "active"
    assert entry["genesis_hash"] == compute_genesis_hash(doc).hex() == spec.genesis_hash.hex()
    assert entry["endpoints"] == ["http://127.0.0.1:38700", "http://127.0.0.1:38701"]
    chains = base.client._get("/v1/xchain/chains")["chains"]
    assert [c["chain_id"] for c in chains] == ["finance"]


def test_registry_actions_on_the_ledger() -> None:
    h = LedgerHarness(suite_name="sm", chain_id="jiangmen-gov")
    r = h.govern(
        "chains.register",
        {
            "chain_id": "jiangmen-gov",
            "name": "江门市政务链",
            "suite": "sm",
            "genesis_hash": h.blocks[0].compute_hash(h.suite),
            "endpoints": ["http://127.0.0.1:8600"],
        },
    )
    assert r.ok, r
    assert get_chain(h.state, "jiangmen-gov")["status"] == "active"  # type: ignore[index]
    again = h.govern(
        "chains.register",
        {"chain_id": "jiangmen-gov", "name": "x", "suite": "sm", "genesis_hash": bytes(32),
         "endpoints": []},
    )  # fmt: skip
    assert again.status == "tx_failed" and "already in the registry" in again.error
    assert h.govern(
        "chains.set_endpoints",
        {"chain_id": "jiangmen-gov", "endpoints": ["https://gov.example:8443"]},
    ).ok
    assert get_chain(h.state, "jiangmen-gov")["endpoints"] == ["https://gov.example:8443"]  # type: ignore[index]
    assert h.govern("chains.retire", {"chain_id": "jiangmen-gov", "reason": "迁移"}).ok
    assert get_chain(h.state, "jiangmen-gov")["status"] == "retired"  # type: ignore[index]


def _propose(h: LedgerHarness, action: str, args: dict) -> str:
    """The door's refusal of a proposal (its message), or "" if it was admitted."""
    payload = {"action": {"type": action, "args": args}, "title": "t"}
    _, res = h.run([h.tx("operator", "gov.propose", payload)])
    return res.rejected[0][1].message if res.rejected else ""


def test_a_bad_template_or_endpoint_is_refused_at_the_door() -> None:
    h = LedgerHarness(suite_name="intl")
    tpl = {"chain_id": "x-chain", "name": "x", "suite": "intl", "orgs": [], "validators": [],
           "params": {}, "consensus": {}}  # fmt: skip
    assert "template.orgs" in _propose(h, "chains.create", {"template": tpl})
    bad = {"chain_id": "y-chain", "name": "y", "suite": "intl", "genesis_hash": bytes(32),
           "endpoints": ["file:///etc/passwd"]}  # fmt: skip
    assert "not an http(s) URL" in _propose(h, "chains.register", bad)


def test_the_portal_forwards_only_api_calls_to_registered_chains(base: InProcessNode) -> None:
    c = base.new_client()
    with pytest.raises(Exception, match="not an active chain with endpoints"):
        c._get("/chains/finance/v1/status")
    _govern(
        base, "chains.register",
        {"chain_id": "finance", "name": "金融链", "suite": "intl", "genesis_hash": bytes(32),
         "endpoints": ["http://127.0.0.1:9"]},
        "登记",
    )  # fmt: skip
    for path, why in (
        ("/chains/finance/console/", "forwards /v1/ API calls only"),
        ("/chains/finance/v1/events", "forwards /v1/ API calls only"),
        ("/chains/jiangmen-gov/v1/status", "this is that chain"),
        ("/chains/finance/v1/status", "no node of chain 'finance' answers"),  # port 9: nothing
    ):
        with pytest.raises(Exception, match=why):
            c._get(path)


def test_near_expiry_is_a_third_of_the_trusting_period() -> None:
    from wuyi.crosschain.api import render_client
    from wuyi.crosschain.client import ConsensusState
    from wuyi.testing.xchain import CertifiedChain

    a = CertifiedChain(suite_name="sm", chain_id="jiangmen-gov", validators=4)
    b = LedgerHarness(suite_name="intl", chain_id="finance")
    assert b.govern("xchain.register", a.register_args(trusting_period_ms=90_000)).ok
    from wuyi.crosschain import store

    client = store.load_client(b.state, "jiangmen-gov")
    cs = store.get_consensus(b.state, "jiangmen-gov", 0)
    assert isinstance(cs, ConsensusState)
    t0 = cs.time
    fresh = render_client(client, cs, t0 + 59_000)
    near = render_client(client, cs, t0 + 61_000)
    gone = render_client(client, cs, t0 + 90_000)
    assert (fresh["near_expiry"], fresh["status"]) == (False, "active")
    assert (near["near_expiry"], near["expires_in_ms"]) == (True, 29_000)
    assert (gone["status"], gone["expires_in_ms"]) == ("expired", 0)
