"""The demo data loads through the API (members, documents, contracts through governance,
credentials, consent and a verification, a data-sharing trail), loading again changes nothing,
and no personal string of the demo is anywhere on chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wuyi.demo import DEMO_ORGS, DEMO_PASSPHRASE, load_demo_data
from wuyi.demo_datashare import EXTRACT
from wuyi.demo_identity import DEMO_PERSONAL
from wuyi.sdk.data import DataShare
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessNode, dict, Path]]:
    tmp = tmp_path_factory.mktemp("demo")
    with inprocess_node(
        tmp / "node",
        DEMO_ORGS,
        chain_id="jiangmen-gov",
        suite="sm",
        passphrase=DEMO_PASSPHRASE,
        name="江门市政务链",
    ) as env:
        made = load_demo_data(env.client, env.keys_dir, tmp / "docs")
        yield env, made, tmp


def test_demo_data_loads_and_is_idempotent(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    client = env.client
    assert len(made["documents"]) == 6
    assert {c["name"]: c["status"] for c in client.contracts()} == {"counter": "active"}
    assert client.query("counter", "get") == 3
    (pending,) = client.proposals(status="open")
    assert pending["action"]["type"] == "contract.deploy" and list(pending["votes"]) == ["sjj"]
    height = client.status().height
    load_demo_data(client, env.keys_dir, tmp / "docs")
    assert client.status().height == height


def test_demo_identity_and_data_sharing_are_alive(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, _ = demo
    ident = Identity(env.client)
    assert {t["type"] for t in ident.credential_types()} == {
        "IdentityCredential",
        "MarriageCredential",
    }
    wallet = Wallet.open(made["identity"]["wallet"], DEMO_PASSPHRASE)
    assert sorted(c.type for c in wallet.credentials) == [
        "IdentityCredential",
        "MarriageCredential",
    ]
    (use,) = ident.uses(wallet.did)
    assert use["verifier"] == "nsyh" and sorted(use["disclosed"]) == ["age_over_18", "married"]
    audit = DataShare(env.client).audit(dataset="social-insurance-months")
    kinds = [e["action"] for e in audit["events"]]
    assert kinds[:1] == ["offered"] and "accessed" in kinds
    pending = DataShare(env.client).requests(dataset="retirement-status")
    assert [r["status"] for r in pending] == ["pending"]


def test_no_personal_data_anywhere_on_chain(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, _ = demo
    wallet = Wallet.open(made["identity"]["wallet"], DEMO_PASSPHRASE)
    needles = {s.encode() for s in DEMO_PERSONAL}
    for c in wallet.credentials:  # every disclosure (salted claim), as issued
        needles |= {d.encode() for d in c.sd_jwt.split("~")[1:] if d}
    needles |= {line for line in EXTRACT.splitlines()[1:]}  # the shared extract's rows
    store, node = env.node.store, env.node
    for h in range(1, node.height + 1):
        blob = store.get_block(h).to_bytes()
        hits = [n for n in needles if n in blob]
        assert not hits, f"block {h} holds personal data {hits[:1]}"
        for rc in store.get_receipts(h):
            assert not any(n in rc.to_bytes() for n in needles), f"receipt in block {h}"
    values = 0
    with store.snapshot() as v:
        for key, value in v.iter_prefix(b""):
            values += 1
            hits = [n for n in needles if n in value or n in key]
            assert not hits, f"state {key!r} holds personal data {hits[:1]}"
    assert node.height > 50 and values > 50
    # the scan would have caught it: the strings are really in the wallet's credentials
    assert any(DEMO_PERSONAL[0] in str(c.claims) for c in wallet.credentials)
