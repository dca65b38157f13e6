"""Contracts and governance through the API and the SDK: propose, approve, commit, call,
query, list; and the CLI's offline steps (new, test, package)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_api import Chain, assert_problem, make_chain
from test_api_sdk import client_over
from typer.testing import CliRunner

from wuyi.cli import app
from wuyi.contracts.examples import source
from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.sdk import WuyiClient
from wuyi.sdk.client import event_attr, raise_receipt


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    yield from make_chain(tmp_path)


def commit(c: WuyiClient, tx: Any) -> Any:
    res = c.submit(tx, wait=True)
    if res.receipt.status != "ok":
        raise_receipt(res.receipt)
    return res


def deploy_token(chain: Chain, c: WuyiClient) -> int:
    sjj, zjj = chain.admins["sjj"], chain.admins["zjj"]
    pkg = {"name": "token", "version": "1.0.0", "source": source("transfer"), "manifest": {}}
    res = commit(c, c.builder(sjj).contract_propose(pkg, hook_args={"supply": 1000}))
    pid = event_attr(res.receipt, "gov.proposed", "id")
    assert c.contracts() == []  # nothing until the organisations approve
    assert c.proposal(pid)["status"] == "open"
    res = commit(c, c.builder(zjj).gov_vote(pid))
    assert event_attr(res.receipt, "gov.voted", "approved") is True
    commit(c, c.builder(sjj).gov_execute(pid))  # init() runs as sjj: the supply is sjj's
    return int(pid)


def test_lifecycle_call_and_query_over_the_api(chain: Chain) -> None:
    c = client_over(chain)
    pid = deploy_token(chain, c)
    assert c.proposal(pid)["status"] == "executed"
    assert [p["id"] for p in c.proposals(status="executed")] == [pid]
    (listed,) = c.contracts()
    assert listed["name"] == "token" and listed["status"] == "active"
    meta = c.contract("token")
    assert set(meta["abi"]["methods"]) >= {"transfer", "mint", "balance"}
    assert meta["history"][0]["action"] == "deploy"
    assert "def transfer" in c.contract_source("token")["source"]

    sjj = chain.admins["sjj"]
    res = commit(c, c.builder(sjj).contract_call("token", "transfer", {"to": "wy01", "amount": 7}))
    assert res.receipt.gas_used > 0
    assert any(e.type == "contract:token.Transfer" for e in res.receipt.events)
    assert c.query("token", "balance", {"account": "wy01"}) == 7
    assert c.query("token", "total_supply") == 1000

    with pytest.raises(ContractRevert, match="insufficient balance"):
        commit(c, c.builder(sjj).contract_call("token", "transfer", {"to": "x", "amount": 10**6}))
    with pytest.raises(Unauthorized, match="minter"):
        commit(c, c.builder(sjj).contract_call("token", "mint", {"to": "x", "amount": 1}))

    st = chain.client.get("/v1/contracts/token/state", params={"prefix": "bal/"}).json()
    assert {e["key"]: e["value"] for e in st["entries"]}["bal/wy01"] == 7


def test_api_errors_are_problem_documents(chain: Chain) -> None:
    cl = chain.client
    assert_problem(cl.get("/v1/contracts/nope"), 404, "not_found")
    assert_problem(cl.get("/v1/gov/proposals/99"), 404, "not_found")
    assert_problem(cl.post("/v1/contracts/nope/query", json={"method": "x"}), 404, "not_found")
    c = client_over(chain)
    deploy_token(chain, c)
    r = cl.post("/v1/contracts/token/query", json={"method": "transfer", "args": {}})
    assert_problem(r, 400, "invalid", "method")
    r = cl.post("/v1/contracts/token/query", json={"method": "balance", "args": {"account": 5}})
    assert_problem(r, 400, "invalid")
    assert "account" in r.json()["detail"]


# -- CLI: the offline steps ----------------------------------------------------------------------


def test_cli_new_test_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    # the CLI console may exist already (another test in this worker): widen it too
    monkeypatch.setattr(importlib.import_module("wuyi.cli.app").console, "width", 200)
    runner = CliRunner()
    d = tmp_path / "demo"
    r = runner.invoke(app, ["contract", "new", "demo_kv", "--dir", str(d)])
    assert r.exit_code == 0, r.output
    assert (d / "contract.py").exists() and (d / "manifest.json").exists()
    r = runner.invoke(app, ["contract", "test", str(d)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "demo.pkg.json"
    r = runner.invoke(app, ["contract", "package", str(d), "-o", str(out)])
    assert r.exit_code == 0, r.output
    pkg = json.loads(out.read_text())
    assert pkg["name"] == "demo_kv" and pkg["version"] == "1.0.0"
    assert len(pkg["code_hash"]["sm"]) == 64 and pkg["code_hash"]["sm"] != pkg["code_hash"]["intl"]

    (d / "contract.py").write_text(
        "from wuyi.contract import call\n\n@call\ndef f() -> None:\n    import os\n"
    )
    r = runner.invoke(app, ["contract", "package", str(d), "-o", str(out)])
    assert r.exit_code == 1
    assert "line 5" in r.output and "os" in r.output
