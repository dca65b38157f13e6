"""``wuyi xchain ...``, ``wuyi verify`` of a fact bundle, and the relay (both ways: headers,
packet delivery and acknowledgement) between two in-process nodes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.test_xchain_sdk import B_ORGS, FACTS, ORGS, Two
from wuyi.cli import app
from wuyi.crosschain.relay import Relay
from wuyi.crosschain.sdk import SourceChain, XChain
from wuyi.testing.inprocess import inprocess_node

PW = "test-passphrase"
LIEN = """
from typing import Any
from wuyi.contract import call, packet, require, state, view

@call
def on_packet() -> dict:
    p = packet()
    require(p is not None, "only the chain delivers packets")
    state.set("lien/" + p["data"]["unit"], {"bank": p["sender_org"], "seq": p["sequence"]})
    return {"lien": p["data"]["unit"]}

@view
def lien(unit: str) -> Any:
    return state.get("lien/" + unit)
"""


@pytest.fixture
def two(tmp_path: Path) -> Iterator[Two]:
    now = int(time.time() * 1000)
    with ExitStack() as stack:
        a = stack.enter_context(
            inprocess_node(tmp_path / "a", ORGS, suite="sm", chain_id="jiangmen-gov", time_ms=now)
        )
        b = stack.enter_context(
            inprocess_node(tmp_path / "b", B_ORGS, suite="intl", chain_id="finance", time_ms=now)
        )
        yield Two(a, b)


def _cli(two: Two, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    import importlib

    def client_of(url: str) -> Any:
        return (two.a if "chain-a" in url else two.b).new_client()

    for mod in ("wuyi.crosschain.cli", "wuyi.cli.contracts", "wuyi.cli.app"):
        monkeypatch.setattr(importlib.import_module(mod), "_client", client_of)
    monkeypatch.setattr(importlib.import_module("wuyi.cli.app").console, "width", 200)
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    return CliRunner()


def test_cli_register_recognise_prove_and_verify(
    two: Two, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = _cli(two, monkeypatch)
    keys = two.b.keys_dir
    res = runner.invoke(
        app,
        [
            "xchain", "register", "--source", "http://chain-a", "--node", "http://chain-b",
            "--key", str(keys / "jrj-admin.key"), "--fact", "anchored=evidence/:0",
            "--fact", "status=evidence/:600000", "--prefix", "evidence/",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert SourceChain(two.a.client).genesis_hash.hex() in res.output
    pid = int(res.output.split("proposal")[-1].split()[0])
    for who in ("nsyh", "jrj"):
        verb = "vote" if who == "nsyh" else "execute"
        r = runner.invoke(
            app, ["gov", verb, str(pid), "--key", str(keys / f"{who}-admin.key"),
                  "--node", "http://chain-b"]
        )  # fmt: skip
        assert r.exit_code == 0, r.output
    c = two.a.client
    doc = c.suite.hash(b"graduation certificate")
    assert c.submit_and_wait(c.builder(two.a.admin("bdc")).anchor(doc, {})).receipt.status == "ok"
    key_hex = (b"evidence/" + doc).hex()
    res = runner.invoke(
        app,
        [
            "xchain", "recognise", "--source", "http://chain-a", "--node", "http://chain-b",
            "--key", str(keys / "nsyh-admin.key"), "--fact", "status", "--key-hex", key_hex,
            "--purpose", "核验 check",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "present" in res.output
    res = runner.invoke(app, ["xchain", "clients", "--node", "http://chain-b"])
    assert res.exit_code == 0 and "jiangmen-gov" in res.output and "active" in res.output
    res = runner.invoke(app, ["xchain", "records", "--node", "http://chain-b"])
    assert res.exit_code == 0 and "evidence/" in res.output
    out = tmp_path / "fact.json"
    res = runner.invoke(
        app,
        ["xchain", "prove", "--source", "http://chain-a", "--key-hex", key_hex, "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    genesis = SourceChain(two.a.client).genesis_hash.hex()
    res = runner.invoke(app, ["verify", str(out), "--genesis-hash", genesis])
    assert res.exit_code == 0, res.output
    assert "fact verified" in res.output and "present" in res.output
    res = runner.invoke(app, ["verify", str(out)])
    assert res.exit_code == 3, res.output
    bad = json.loads(out.read_text())
    bad["fact"]["value"] = None
    out.write_text(json.dumps(bad))
    res = runner.invoke(app, ["verify", str(out), "--genesis-hash", genesis])
    assert res.exit_code == 1 and "not a non-membership proof" in res.output


def test_relay_both_ways_delivers_and_acknowledges_a_packet(two: Two, tmp_path: Path) -> None:
    """A's bank sends a lien packet to B's ``lien`` contract; one relay with a member key on
    each chain syncs both clients, delivers the packet and brings the acknowledgement back."""
    # each chain registers the other (B opens the port 'lien' to A)
    a_src, b_src = SourceChain(two.a.client), SourceChain(two.b.client)
    two.b.client.govern(
        two.b.admin("jrj"), [two.b.admin("nsyh")], "xchain.register",
        a_src.register_args(facts=FACTS, prefixes=[b"evidence/"], ports=["lien"]), title="A",
    )  # fmt: skip
    two.a.client.govern(
        two.a.admin("sjj"), [two.a.admin("bdc")], "xchain.register",
        b_src.register_args(facts={}, prefixes=[b"xchain/"]), title="B",
    )  # fmt: skip
    pkg = {"name": "lien", "version": "1.0.0", "source": LIEN, "manifest": {}}
    two.b.client.govern(
        two.b.admin("jrj"), [two.b.admin("nsyh")], "contract.deploy", {"package": pkg},
        title="lien",
    )  # fmt: skip
    c = two.a.client
    tx = c.builder(two.a.admin("bdc")).build(
        "xchain.send",
        {"dest": "finance", "port": "lien", "data": {"unit": "JM-1"}, "timeout_height": 0,
         "timeout_time": int(time.time() * 1000) + 600_000},
    )  # fmt: skip
    assert c.submit_and_wait(tx).receipt.status == "ok"
    events: list[dict[str, Any]] = []
    relay = Relay(
        two.a.new_client(), two.b.new_client(),
        key_a=two.a.admin("sjj"), key_b=two.b.admin("nsyh"), log=events.append,
    )  # fmt: skip
    for _ in range(4):
        relay.step()
        sent = two.a.client._get("/v1/xchain/packets/sent")["packets"]
        if sent and sent[0]["status"] == "acknowledged":
            break
    kinds = [e["event"] for e in events]
    assert "xchain.delivered" in kinds and "xchain.acknowledged" in kinds, events
    assert not [e for e in events if e["event"] == "xchain.relay_error"], events
    assert two.b.client.query("lien", "lien", {"unit": "JM-1"})["bank"] == "bdc"
    assert sent[0]["ack"]["ok"] is True
    received = two.b.client._get("/v1/xchain/packets/received")["packets"]
    assert received[0]["port"] == "lien"
    # later rounds find nothing to do, and two idle chains stay idle: no header update while
    # the clients are fresh (each update would be a block the other side then follows)
    events.clear()
    heights = (two.a.node.height, two.b.node.height)
    for _ in range(3):
        relay.step()
    assert not events, events
    assert (two.a.node.height, two.b.node.height) == heights
    assert [c["chain_id"] for c in XChain(two.a.client).clients()] == ["finance"]


def test_cli_prove_of_a_fact_under_a_personal_contract_signs_the_source_reads(
    two: Two, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fact kept under a personal contract's state (不动产登记's ``enc/<unit>``) is read from
    the source chain only by a signed, logged read: ``--source-key`` and ``--source-purpose``
    sign it; without them the source node's refusal is shown and nothing is written."""
    runner = _cli(two, monkeypatch)
    c = two.a.client
    anchor = c.builder(two.a.admin("bdc")).anchor(c.suite.hash(b"x"), {})
    assert c.submit_and_wait(anchor).receipt.status == "ok"
    key_hex = b"contract/realestate/s/enc/JM-0001".hex()
    out = tmp_path / "fact.json"
    base = ["xchain", "prove", "--source", "http://chain-a", "--key-hex", key_hex]
    res = runner.invoke(app, [*base, "--out", str(out)])
    assert res.exit_code != 0 and "realestate" in res.output, res.output
    assert not out.exists()
    a_key = str(two.a.keys_dir / "bdc-admin.key")
    res = runner.invoke(app, [*base, "--out", str(out), "--source-key", a_key])
    assert res.exit_code != 0 and "--source-purpose" in res.output, res.output
    assert not out.exists()
    res = runner.invoke(
        app, [*base, "--out", str(out), "--source-key", a_key, "--source-purpose", "跨链核验 check"]
    )
    assert res.exit_code == 0, res.output
    genesis = SourceChain(two.a.client).genesis_hash.hex()
    res = runner.invoke(app, ["verify", str(out), "--genesis-hash", genesis])
    assert res.exit_code == 0 and "fact verified" in res.output and "absent" in res.output


def test_cli_prove_at_the_uncertified_genesis_names_the_problem(
    two: Two, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = _cli(two, monkeypatch)
    out = tmp_path / "fact.json"
    res = runner.invoke(
        app,
        ["xchain", "prove", "--source", "http://chain-a", "--key-text", "evidence/x",
         "--height", "0", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code != 0 and "commit certificate" in res.output, res.output
    assert not out.exists()
