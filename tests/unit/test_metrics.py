"""``GET /metrics`` (Prometheus text format, parsed with prometheus_client's parser),
``/readyz`` checks, and the structured log lines."""

from __future__ import annotations

import io
import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.exceptions import StarletteDeprecationWarning

from wuyi.api.app import create_app
from wuyi.crypto import load_key
from wuyi.node.home import NodeSettings, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer, JsonLog, JsonLogHandler
from wuyi.sdk import TxBuilder

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PW = "test-passphrase"


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[tuple[Node, BlockProducer, Any]]:
    res = init_home(
        tmp_path,
        chain_id="metrics-chain",
        suite="intl",
        orgs=[OrgSpec("sjj", "江门市政务服务数据管理局", True)],
        passphrase=PW,
        time_ms=1_764_201_600_000,
        settings=NodeSettings(block_interval_ms=0),
    )
    admin = load_key(res.admin_keys["sjj"][0], PW)
    node = Node.open(tmp_path, validator_key=res.home.load_validator_key(PW))
    producer = BlockProducer(node, interval_ms=0)
    producer.start()
    try:
        yield node, producer, admin
    finally:
        producer.stop()
        node.close()


def scrape(client: TestClient) -> dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    out: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for fam in text_string_to_metric_families(r.text):
        for s in fam.samples:
            out.setdefault(fam.name, {})[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(m: dict[str, Any], family: str, sample: str | None = None, **labels: str) -> float:
    key = (sample or family, tuple(sorted(labels.items())))
    return m[family][key]


def test_metrics_after_transactions(chain: tuple[Node, BlockProducer, Any]) -> None:
    node, producer, admin = chain
    app = create_app(node, is_ready=lambda: producer.running)
    other = create_app(node)  # a second app (registry) in the same process is fine
    with TestClient(app) as c:
        before = scrape(c)
        assert value(before, "wuyi_committed_transactions", "wuyi_committed_transactions_total",
                     status="ok") == 0  # fmt: skip
        n = 6
        for i in range(n):
            b = TxBuilder(node.chain.chain_id, admin, current_height=node.height)
            tx = b.anchor(node.suite.hash(f"m{i}".encode()), {"title": str(i)})
            r = c.post("/v1/txs", json={"tx": tx.to_bytes().hex()}, params={"wait": "true"})
            assert r.status_code == 200, r.text
        m = scrape(c)
    assert value(m, "wuyi_chain_height") == node.height == n
    ok_total = value(m, "wuyi_committed_transactions", "wuyi_committed_transactions_total",
                     status="ok")  # fmt: skip
    assert ok_total == n
    assert value(m, "wuyi_committed_blocks", "wuyi_committed_blocks_total") == n
    assert value(m, "wuyi_mempool_transactions") == 0
    assert value(m, "wuyi_store_size_bytes") > 0
    assert value(m, "wuyi_malloc_in_use_bytes") > 0
    assert value(m, "wuyi_consensus_height") == n + 1 and value(m, "wuyi_consensus_round") == 0
    lat_count = value(m, "wuyi_tx_commit_latency_seconds", "wuyi_tx_commit_latency_seconds_count",
                      origin="client")  # fmt: skip
    lat_sum = value(m, "wuyi_tx_commit_latency_seconds", "wuyi_tx_commit_latency_seconds_sum",
                    origin="client")  # fmt: skip
    assert lat_count == n and 0 < lat_sum < 60 * n
    assert value(m, "wuyi_block_execution_seconds", "wuyi_block_execution_seconds_count") == n
    assert value(m, "wuyi_block_commit_latency_seconds",
                 "wuyi_block_commit_latency_seconds_count") == n  # fmt: skip
    inf = value(m, "wuyi_block_commit_latency_seconds", "wuyi_block_commit_latency_seconds_bucket",
                le="+Inf")  # fmt: skip
    assert inf == n
    assert value(m, "wuyi_node", chain_id="metrics-chain") == 1
    assert value(m, "wuyi_event_streams") == 0
    assert "process_cpu_seconds" in m and "python_info" in m
    assert app.state.metrics.registry is not other.state.metrics.registry


def test_consensus_metrics_and_readiness(chain: tuple[Node, BlockProducer, Any]) -> None:
    node, producer, _ = chain
    info: dict[str, Any] = {
        "mode": "validator",
        "consensus_height": node.height + 1,
        "round": 3,
        "syncing": False,
        "error": None,
        "timeouts": {"propose": 2, "precommit": 1},
        "peers": [{"name": "node1", "connected": True}, {"name": "node2", "connected": False}],
        "validators": [
            {"name": "node0", "up": True},
            {"name": "node1", "up": True},
            {"name": "node2", "up": False},
        ],
    }
    app = create_app(node, is_ready=lambda: producer.running, consensus_info=lambda: info)
    with TestClient(app) as c:
        m = scrape(c)
        assert value(m, "wuyi_consensus_round") == 3
        timeouts = "wuyi_consensus_round_timeouts"
        assert value(m, timeouts, timeouts + "_total", kind="propose") == 2
        assert value(m, timeouts, timeouts + "_total", kind="prevote") == 0
        assert value(m, timeouts, timeouts + "_total", kind="precommit") == 1
        assert value(m, "wuyi_peers_connected") == 1 and value(m, "wuyi_peers_configured") == 2
        assert value(m, "wuyi_validator_up", name="node2") == 0
        assert value(m, "wuyi_validator_up", name="node1") == 1

        r = c.get("/readyz")
        assert r.status_code == 200 and r.json()["status"] == "ready"
        info["syncing"] = True
        r = c.get("/readyz")
        assert r.status_code == 503
        doc = r.json()
        assert doc["code"] == "not_ready" and "catching up" in doc["detail"]
        assert doc["checks"]["sync"] != "ok" and doc["checks"]["store"] == "ok"
        info["syncing"] = False
        info["error"] = "InvariantBroken: boom"
        assert c.get("/readyz").json()["checks"]["consensus"].startswith("consensus halted")
        info["error"] = None
        producer.stop()
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["producer"] != "ok"
        assert c.get("/healthz").status_code == 200  # alive, just not ready


def test_every_log_line_has_ts_level_event_node() -> None:
    buf = io.StringIO()
    log = JsonLog(buf, node="node3")
    log("block", height=5, txs=2)
    log("halt", code="internal", error="x")
    logger = logging.getLogger("wuyi.test-metrics")
    logger.propagate = False
    handler = JsonLogHandler(log)
    logger.addHandler(handler)
    try:
        logger.warning("peer %s gone", "node1", extra={"event": "disconnected", "peer": "node1"})
        try:
            raise ValueError("bad")
        except ValueError:
            logger.exception("step failed")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert len(lines) == 4
    for rec in lines:
        assert {"ts", "level", "event", "node"} <= rec.keys() and rec["node"] == "node3"
    assert [r["level"] for r in lines] == ["info", "error", "warning", "error"]
    assert [r["event"] for r in lines] == ["block", "halt", "disconnected", "test-metrics"]
    assert lines[2]["peer"] == "node1" and lines[2]["msg"] == "peer node1 gone"
    assert "ValueError: bad" in lines[3]["exc"]


def test_validator_counts_only_timeouts_the_replica_acts_on() -> None:
    from types import SimpleNamespace

    from wuyi.consensus import TimerFired
    from wuyi.node.validator import ValidatorRunner

    runner = ValidatorRunner.__new__(ValidatorRunner)  # just the timer hook, no network
    fed: list[Any] = []
    runner.timeouts = {}
    runner._feed = fed.append  # type: ignore[method-assign,assignment]
    runner.replica = SimpleNamespace(started=True, height=7, round=1, step_name="propose")  # type: ignore[assignment]
    runner._timer_fired(TimerFired("propose", 7, 1))  # current: counted
    runner._timer_fired(TimerFired("propose", 7, 0))  # an old round: stale
    runner._timer_fired(TimerFired("propose", 6, 1))  # an old height: stale
    runner._timer_fired(TimerFired("prevote", 7, 1))  # not in the prevote step: ignored
    runner._timer_fired(TimerFired("precommit", 7, 1))  # always moves to the next round
    runner._timer_fired(TimerFired("idle", 7, 1))  # not a timeout
    assert runner.timeouts == {"propose": 1, "precommit": 1}
    assert len(fed) == 6  # every timer still reaches the replica
