"""Commit waits, idempotent submission and client failover, in process (issue #17 items 3 and 5;
the real-process tests on a halted and a paused network are in
``tests/integration/test_availability_cluster.py``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_api import Chain, make_chain

from wuyi.api.app import create_app
from wuyi.api.waiters import CommitWaiters
from wuyi.crypto import address_of, format_address, load_key
from wuyi.exceptions import TooManyWaiters, ValidationError
from wuyi.node.home import NodeSettings, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.sdk import TxBuilder, WuyiClient
from wuyi.sdk.client import ApiError, parse_node_urls

PW = "test-passphrase"


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    yield from make_chain(tmp_path)


@pytest.fixture
def idle(tmp_path: Path) -> Iterator[tuple[Node, TxBuilder]]:
    """A node whose block producer does not run: nothing commits unless the test says so."""
    res = init_home(
        tmp_path,
        chain_id="test-chain",
        suite="intl",
        orgs=[OrgSpec("sjj", "政数局", True)],
        passphrase=PW,
        time_ms=1_764_201_600_000,
        settings=NodeSettings(block_interval_ms=0),
    )
    node = Node.open(tmp_path, validator_key=res.home.load_validator_key(PW))
    key = load_key(res.admin_keys["sjj"][0], PW)
    try:
        yield node, TxBuilder("test-chain", key)
    finally:
        node.close()


def _post(http: httpx.AsyncClient, raw: bytes, **params: Any) -> Any:
    return http.post(
        "/v1/txs", content=raw, params=params, headers={"content-type": "application/cbor"}
    )


# -- idempotent submission -------------------------------------------------------------------


def test_the_same_bytes_sent_again_are_answered_like_the_first_time(chain: Chain) -> None:
    key = chain.admins["zjj"]
    tx = chain.builder(key).anchor(chain.suite.hash(b"once"))
    h = tx.compute_hash(chain.suite).hex()
    first = chain.submit(tx, wait="true", timeout=10)
    assert first.status_code == 200 and first.json()["tx_hash"] == h
    for params in ({}, {"wait": "true", "timeout": 1}):
        again = chain.submit(tx, **params)  # a retry, or a client that failed over
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
    sender = format_address(address_of(chain.suite, key.public_key))
    listed = chain.client.get(f"/v1/accounts/{sender}/txs").json()["txs"]
    assert [t["tx_hash"] for t in listed].count(h) == 1


# -- commit waits ----------------------------------------------------------------------------


def test_waits_past_the_bound_get_503_with_retry_after_and_submit_nothing(
    idle: tuple[Node, TxBuilder],
) -> None:
    node, b = idle
    app = create_app(node, max_commit_waiters=2)
    raws = [b.anchor(node.suite.hash(bytes([i]))).to_bytes() for i in range(3)]

    async def run() -> tuple[list[httpx.Response], httpx.Response, httpx.Response, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as http:
            waits = [asyncio.create_task(_post(http, r, wait="true", timeout=2)) for r in raws[:2]]
            while app.state.commit_waiters.active < 2:
                await asyncio.sleep(0.01)
            over = await _post(http, raws[2], wait="true", timeout=2)
            health = await http.get("/healthz")  # answered while both waits hold their slot
            held = app.state.commit_waiters.active
            return list(await asyncio.gather(*waits)), over, health, held

    waits, over, health, held = asyncio.run(run())
    assert health.status_code == 200 and held == 2
    assert over.status_code == 503 and over.json()["code"] == "too_many_waiters"
    assert 1 <= int(over.headers["retry-after"]) <= 2
    for r, raw in zip(waits, raws, strict=False):
        assert r.status_code == 504 and r.json()["code"] == "timeout"
        assert r.json()["tx_hash"] == node.mempool.decoded(raw)[1].hex()  # type: ignore[index]
    assert len(node.mempool) == 2  # the refused one was not submitted
    assert node.mempool.decoded(raws[2]) is None
    metrics = asyncio.run(_get(app, "/metrics")).text
    assert "wuyi_api_commit_waits_refused_total 1.0" in metrics
    assert "wuyi_api_commit_waits_timed_out_total 2.0" in metrics
    assert "wuyi_api_commit_waiters 0.0" in metrics


async def _get(app: Any, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as h:
        return await h.get(path)


def test_a_wait_is_woken_by_the_commit(idle: tuple[Node, TxBuilder]) -> None:
    node, b = idle
    app = create_app(node)
    tx = b.anchor(node.suite.hash(b"woken"))

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as http:
            wait = asyncio.create_task(_post(http, tx.to_bytes(), wait="true", timeout=30))
            while app.state.commit_waiters.active < 1 or not len(node.mempool):
                await asyncio.sleep(0.01)
            await asyncio.to_thread(node.produce_block)  # commits on another thread
            return await wait

    r = asyncio.run(run())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "committed" and body["height"] == 1 and body["index"] == 0
    assert body["tx_hash"] == tx.compute_hash(node.suite).hex()
    assert body["receipt"]["status"] == "ok"


def test_a_wait_for_a_transaction_committed_before_it_registered(
    idle: tuple[Node, TxBuilder],
) -> None:
    node, b = idle
    waiters = CommitWaiters(node, 4)
    h = node.submit(b.anchor(node.suite.hash(b"early")).to_bytes())
    node.produce_block()

    async def run() -> Any:
        return await waiters.wait(h, time.monotonic() + 5)

    info = asyncio.run(run())
    assert info is not None and info.height == 1 and info.tx_hash == h


def test_the_waiter_bound_must_be_positive(idle: tuple[Node, TxBuilder]) -> None:
    with pytest.raises(ValidationError, match="max_commit_waiters"):
        CommitWaiters(idle[0], 0)
    with pytest.raises(ValidationError, match="max_commit_waiters"):
        NodeSettings(max_commit_waiters=0)
    s = NodeSettings.from_toml(NodeSettings(max_commit_waiters=64).to_toml())
    assert s.max_commit_waiters == 64


# -- client failover -------------------------------------------------------------------------


class Nodes:
    """Several node addresses in front of one in-process node: ``behaviour[host]`` decides
    what each does (``ok``, ``paused``: no answer in time, ``down``: connection refused,
    ``busy``: 503)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.behaviour: dict[str, str] = {}
        self.seen: list[tuple[str, str, str]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        what = self.behaviour.get(host, "ok")
        self.seen.append((host, request.method, request.url.path))
        if what == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if what == "paused":
            raise httpx.ReadTimeout("timed out", request=request)
        if what == "stuck" and request.url.params.get("wait") == "true":
            # answers, but cannot commit (cut off from the other validators)
            return httpx.Response(
                504,
                json={"code": "timeout", "detail": "not committed", "status": 504},
                headers={"content-type": "application/problem+json"},
            )
        if what == "busy":
            return httpx.Response(
                503,
                json={"code": "too_many_waiters", "detail": "busy", "status": 503},
                headers={"content-type": "application/problem+json", "retry-after": "1"},
            )
        r = self.chain.client.request(
            request.method,
            str(request.url.copy_with(scheme="http", host="testserver")),
            content=request.content,
            headers=dict(request.headers),
        )
        return httpx.Response(r.status_code, content=r.content, headers=r.headers)

    def client(self, *hosts: str, **kw: Any) -> WuyiClient:
        urls = [f"http://{h}" for h in hosts]
        return WuyiClient(urls, transport=httpx.MockTransport(self.handle), **kw)

    def hosts_for(self, path: str) -> list[str]:
        return [h for h, _m, p in self.seen if p == path]


@pytest.fixture
def nodes(chain: Chain) -> Nodes:
    return Nodes(chain)


def test_reads_and_submissions_move_past_a_paused_and_a_down_node(nodes: Nodes) -> None:
    nodes.behaviour = {"a": "paused", "b": "down"}
    c = nodes.client("a", "b", "c")
    assert c.status().chain_id == "test-chain"
    assert c.node_url == "http://c" and c.failovers == 2
    key = nodes.chain.admins["zjj"]
    res = c.submit_and_wait(c.builder(key).anchor(nodes.chain.suite.hash(b"failover")))
    assert res.receipt.status == "ok"
    assert set(nodes.hosts_for("/v1/txs")) == {"c"}  # it stays with the node that answers
    nodes.behaviour["c"] = "paused"  # c stops answering mid-way; a is back
    nodes.behaviour["a"] = "ok"
    assert c.get_tx(res.tx_hash).status == "committed"
    assert c.node_url == "http://a"


def test_a_wait_that_ends_uncommitted_goes_on_at_the_next_node(nodes: Nodes) -> None:
    nodes.behaviour = {"a": "stuck"}
    c = nodes.client("a", "b", wait_slice=0.2)
    tx = nodes.chain.builder(nodes.chain.admins["zjj"]).anchor(nodes.chain.suite.hash(b"cut"))
    res = c.submit_and_wait(tx, timeout=10)
    assert res.receipt.status == "ok" and c.node_url == "http://b"
    assert nodes.hosts_for("/v1/txs") == ["a", "b"]


def test_a_submission_whose_answer_was_lost_is_resent_and_committed_once(nodes: Nodes) -> None:
    chain = nodes.chain
    key = chain.admins["zjj"]
    tx = chain.builder(key).anchor(chain.suite.hash(b"lost answer"))
    real = nodes.handle

    def lose_first_answer(request: httpx.Request) -> httpx.Response:
        resp = real(request)
        if request.url.host == "a" and request.url.path == "/v1/txs":
            raise httpx.ReadTimeout("answer lost", request=request)  # node a did take it
        return resp

    c = WuyiClient(["http://a", "http://b"], transport=httpx.MockTransport(lose_first_answer))
    res = c.submit_and_wait(tx, timeout=10)
    assert res.receipt.status == "ok" and c.node_url == "http://b"
    sender = format_address(address_of(chain.suite, key.public_key))
    listed = chain.client.get(f"/v1/accounts/{sender}/txs").json()["txs"]
    assert [t["tx_hash"] for t in listed].count(res.tx_hash) == 1


def test_a_request_that_may_have_arrived_is_not_resent_unless_idempotent(nodes: Nodes) -> None:
    nodes.behaviour = {"a": "paused"}
    c = nodes.client("a", "b")
    with pytest.raises(ApiError, match="may have reached that node") as exc:
        c._request("POST", "/v1/verify", json={"doc_hash": "00" * 32})
    assert exc.value.code == "unreachable"
    assert nodes.hosts_for("/v1/verify") == ["a"]
    nodes.behaviour = {"a": "down"}  # never connected: safe to send elsewhere
    c = nodes.client("a", "b")
    assert c._request("POST", "/v1/verify", json={"doc_hash": "00" * 32}).status_code == 200
    assert c.node_url == "http://b"


def test_every_node_silent_is_one_clear_error(nodes: Nodes) -> None:
    nodes.behaviour = {"a": "paused", "b": "down"}
    c = nodes.client("a", "b")
    with pytest.raises(ApiError, match=r"http://a: no answer in time; http://b: connection"):
        c.status()


def test_a_busy_node_is_skipped_and_the_last_refusal_is_raised(nodes: Nodes) -> None:
    nodes.behaviour = {"a": "busy"}
    c = nodes.client("a", "b")
    assert c.status().chain_id == "test-chain" and c.node_url == "http://b"
    nodes.behaviour = {"a": "busy", "b": "busy"}
    c = nodes.client("a", "b")
    with pytest.raises(TooManyWaiters) as exc:
        c.status()
    assert exc.value.detail["retry_after"] == 1


def test_node_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_node_urls("http://a:1/, http://b:2") == ["http://a:1", "http://b:2"]
    assert parse_node_urls(["http://a", "http://b,http://a"]) == ["http://a", "http://b"]
    with pytest.raises(ValidationError, match="no node URL"):
        parse_node_urls(" , ")
    with pytest.raises(ValidationError, match="must start with http"):
        parse_node_urls("127.0.0.1:8600")
    assert WuyiClient("http://a").timeout == 10.0
    assert WuyiClient("http://a,http://b").timeout == 5.0
