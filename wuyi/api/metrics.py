"""Prometheus metrics (``GET /metrics``) and readiness (``GET /readyz``) of a node.

Each app has its own :class:`~prometheus_client.CollectorRegistry` (several nodes may run in
one process, e.g. in tests), holding:

* counters and histograms fed by the node's hooks: commit listeners (blocks, transactions,
  submit → commit latency), submit listeners (when each transaction was admitted here) and
  observers (block execution time, proposal → commit latency; ``Node.add_observer``);
* gauges read when scraped (height, mempool, consensus height/round, peers, store size,
  event streams) and the consensus timeout counters kept by the validator;
* the Python process, platform and GC collectors.

The names and their meaning are listed in ``docs/operations.md``.
"""

from __future__ import annotations

import datetime
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from wuyi.node.heap import malloc_in_use
from wuyi.node.misbehaviour import list_offenders
from wuyi.node.node import Node

__all__ = ["NodeMetrics", "add_metrics_route", "check_readiness"]

LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)
EXEC_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
PENDING_LIMIT = 200_000
"""Most admitted-but-uncommitted transactions whose admission time is remembered."""


class _ScrapeCollector(Collector):
    """Gauges (and the validator's timeout counters) read at scrape time."""

    def __init__(self, metrics: NodeMetrics) -> None:
        self.m = metrics

    def collect(self) -> Iterator[Metric]:
        node = self.m.node
        info = GaugeMetricFamily(
            "wuyi_node", "Constant 1, labelled with the chain this node serves", labels=["chain_id"]
        )
        info.add_metric([node.chain.chain_id], 1)
        yield info
        height = node.height
        yield GaugeMetricFamily("wuyi_chain_height", "Last committed block height", value=height)
        try:
            block_time = node.store.get_header(height).time / 1000
        except Exception:  # a store being closed: leave the gauge out
            block_time = None
        if block_time is not None:
            yield GaugeMetricFamily(
                "wuyi_last_block_timestamp_seconds",
                "Time (Unix seconds) in the header of the last committed block",
                value=block_time,
            )
        yield GaugeMetricFamily(
            "wuyi_mempool_transactions",
            "Transactions waiting in the mempool",
            value=len(node.mempool),
        )
        yield GaugeMetricFamily(
            "wuyi_mempool_bytes", "Bytes of the transactions in the mempool",
            value=node.mempool.size_bytes,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "wuyi_store_size_bytes", "Bytes of the store's data file in use (LMDB pages)",
            value=node.store.size_bytes(),
        )  # fmt: skip
        heap = malloc_in_use()
        if heap is not None:
            yield GaugeMetricFamily(
                "wuyi_malloc_in_use_bytes",
                "Bytes the C allocator has handed out (glibc mallinfo2): LMDB, OpenSSL, "
                "extensions, large Python objects",
                value=heap,
            )
        cinfo = self.m.consensus()
        yield GaugeMetricFamily(
            "wuyi_consensus_height",
            "Height consensus is deciding (last committed + 1 when idle)",
            value=cinfo.get("consensus_height") or height + 1,
        )
        yield GaugeMetricFamily(
            "wuyi_consensus_round", "Round of consensus at that height (0 is normal)",
            value=cinfo.get("round") or 0,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "wuyi_consensus_syncing", "1 while catching up with peers by block sync",
            value=1 if cinfo.get("syncing") else 0,
        )  # fmt: skip
        timeouts = CounterMetricFamily(
            "wuyi_consensus_round_timeouts",
            "Consensus timeouts that fired at the current height and round, by timer",
            labels=["kind"],
        )
        fired = cinfo.get("timeouts") or {}
        for kind in ("propose", "prevote", "precommit"):
            timeouts.add_metric([kind], int(fired.get(kind, 0)))
        yield timeouts
        peers = cinfo.get("peers") or []
        yield GaugeMetricFamily(
            "wuyi_peers_connected", "Validator peers connected",
            value=sum(1 for p in peers if p.get("connected")),
        )  # fmt: skip
        yield GaugeMetricFamily(
            "wuyi_peers_configured", "Validator peers configured", value=len(peers)
        )
        contested = CounterMetricFamily(
            "wuyi_p2p_key_contested",
            "Connections offered with a peer's key while its own was alive and talking"
            " (another node presents that key: a copied validator key?)",
            labels=["peer"],
        )
        for row in cinfo.get("network") or []:
            contested.add_metric([str(row.get("name", ""))], int(row.get("contested") or 0))
        yield contested
        validators = cinfo.get("validators") or []
        up = GaugeMetricFamily(
            "wuyi_validator_up", "1 if the validator is this node or a connected peer",
            labels=["name"],
        )  # fmt: skip
        for v in validators:
            up.add_metric([str(v.get("name", ""))], 1 if v.get("up") else 0)
        yield up
        yield from self._disk(node)
        yield from self._certificates(cinfo)
        yield from _equivocation_metrics(node, cinfo)
        hub = self.m.hub
        if hub is not None:
            yield GaugeMetricFamily(
                "wuyi_event_streams", "Open event streams (GET /v1/events)", value=hub.streams
            )
            yield CounterMetricFamily(
                "wuyi_event_stream_slow_consumers",
                "Event streams cut off because the client did not keep up",
                value=hub.cut_off,
            )

    @staticmethod
    def _disk(node: Node) -> Iterator[Metric]:
        try:
            st = os.statvfs(node.store.path)
        except (OSError, AttributeError):
            return
        yield GaugeMetricFamily(
            "wuyi_store_disk_free_bytes",
            "Bytes free (for unprivileged users) on the file system of the store",
            value=st.f_bavail * st.f_frsize,
        )
        yield GaugeMetricFamily(
            "wuyi_store_disk_total_bytes",
            "Size of the file system of the store",
            value=st.f_blocks * st.f_frsize,
        )

    def _certificates(self, cinfo: dict[str, Any]) -> Iterator[Metric]:
        g = GaugeMetricFamily(
            "wuyi_tls_certificate_expiry_timestamp_seconds",
            "When a certificate this node depends on expires (Unix s): its own TLS certificate"
            " (kind node), each connected peer's (peer), each CA the chain lists (ca), the API's"
            " server certificate (api) and client CA (api_client_ca)",
            labels=["kind", "name", "subject"],
        )
        for c in [*(cinfo.get("certificates") or []), *self.m.file_certificates()]:
            try:
                expiry = datetime.datetime.fromisoformat(c["not_after"]).timestamp()
            except (KeyError, TypeError, ValueError):
                continue
            g.add_metric([str(c.get("kind", "")), str(c.get("name", "")),
                          str(c.get("subject", ""))], expiry)  # fmt: skip
        yield g


def _equivocation_metrics(node: Node, cinfo: dict[str, Any]) -> Iterator[Metric]:
    """Double signs this node saw, and the evidence recorded on chain (docs/network-ops.md
    has the alert rule)."""
    yield CounterMetricFamily(
        "wuyi_consensus_equivocations_observed",
        "Distinct double signs (two conflicting votes or proposals of one validator) this"
        " node's consensus saw since it started",
        value=int(cinfo.get("equivocations_observed") or 0),
    )
    recorded = GaugeMetricFamily(
        "wuyi_validator_equivocations_recorded",
        "Equivocation evidence recorded on chain (consensus.evidence), by offending validator",
        labels=["validator"],
    )
    try:
        offenders = list_offenders(node)
    except Exception:  # a store being closed: leave the gauge empty
        offenders = []
    for o in offenders:
        recorded.add_metric([str(o["name"] or o["public_key"].hex()[:16])], int(o["count"]))
    yield recorded


class NodeMetrics:
    """The metrics of one node, in their own registry (``self.registry``)."""

    def __init__(
        self,
        node: Node,
        *,
        consensus_info: Callable[[], dict[str, Any]] | None = None,
        hub: Any = None,
    ) -> None:
        self.node = node
        self.consensus_info = consensus_info
        self.hub = hub
        self.certificate_files: list[tuple[str, str, Path]] = []
        """(kind, name, PEM file) of certificates outside the p2p network whose expiry is
        exported too (the API's server certificate and client CA; set by the service)."""
        reg = self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=reg)
        PlatformCollector(registry=reg)
        GCCollector(registry=reg)
        self.blocks = Counter(
            "wuyi_committed_blocks", "Blocks committed by this node since it started", registry=reg
        )
        self.txs = Counter(
            "wuyi_committed_transactions",
            "Transactions committed since the node started, by receipt status (ok or failed);"
            " rate() of it is the committed tx/s",
            ["status"],
            registry=reg,
        )
        self.tx_latency = Histogram(
            "wuyi_tx_commit_latency_seconds",
            "From a transaction's admission to this node's mempool to its commit here,"
            " by origin (client: submitted to this node's API; peer: gossiped)",
            ["origin"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.block_commit = Histogram(
            "wuyi_block_commit_latency_seconds",
            "From a block proposal being built or received here to the block being stored",
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.block_exec = Histogram(
            "wuyi_block_execution_seconds",
            "Time to execute a block's transactions",
            buckets=EXEC_BUCKETS,
            registry=reg,
        )
        for status in ("ok", "failed"):
            self.txs.labels(status)
        for origin in ("client", "peer"):
            self.tx_latency.labels(origin)
        reg.register(_ScrapeCollector(self))
        self._lock = threading.Lock()
        self._admitted: OrderedDict[bytes, tuple[float, str]] = OrderedDict()
        node.add_listener(self._on_commit)
        node.add_submit_listener(self._on_submit)
        node.add_observer(self._on_observe)

    def file_certificates(self) -> list[dict[str, Any]]:
        from wuyi.network.identity import describe_certificate
        from wuyi.network.tls import load_pem_certificates_der

        out = []
        for kind, name, path in self.certificate_files:
            try:
                ders = load_pem_certificates_der(path)
            except (OSError, ValueError):
                continue
            out += [{"kind": kind, "name": name, **describe_certificate(d).to_json()} for d in ders]
        return out

    def consensus(self) -> dict[str, Any]:
        if self.consensus_info is None:
            return {}
        try:
            return self.consensus_info()
        except Exception:  # introspection must never break a scrape
            return {}

    # -- hooks (called from the node's threads) -------------------------------------------------

    def _on_submit(self, raws: list[bytes], origin: str) -> None:
        now = time.monotonic()
        decoded = self.node.mempool.decoded
        with self._lock:
            adm = self._admitted
            for raw in raws:
                d = decoded(raw)
                if d is not None:
                    adm[d[1]] = (now, origin)
            while len(adm) > PENDING_LIMIT:
                adm.popitem(last=False)

    def _on_commit(self, block: Any, receipts: list[Any]) -> None:
        now = time.monotonic()
        self.blocks.inc()
        ok = sum(1 for r in receipts if r.status == "ok")
        if ok:
            self.txs.labels("ok").inc(ok)
        if len(receipts) > ok:
            self.txs.labels("failed").inc(len(receipts) - ok)
        with self._lock:
            seen = [self._admitted.pop(r.tx_hash, None) for r in receipts]
        for s in seen:
            if s is not None:
                self.tx_latency.labels(s[1]).observe(now - s[0])

    def _on_observe(self, name: str, seconds: float) -> None:
        if name == "block_execute":
            self.block_exec.observe(seconds)
        elif name == "block_commit":
            self.block_commit.observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def add_metrics_route(
    app: FastAPI,
    node: Node,
    *,
    consensus_info: Callable[[], dict[str, Any]] | None = None,
) -> NodeMetrics:
    """Serve ``GET /metrics`` (Prometheus text format) on ``app``; also ``app.state.metrics``.
    Add it after the event routes so the stream gauges are included."""
    metrics = NodeMetrics(
        node, consensus_info=consensus_info, hub=getattr(app.state, "event_hub", None)
    )
    app.state.metrics = metrics

    @app.get("/metrics", tags=["ops"], summary="Prometheus 指标 / metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics


def check_readiness(
    node: Node,
    is_ready: Callable[[], bool] | None = None,
    consensus_info: Callable[[], dict[str, Any]] | None = None,
) -> tuple[bool, dict[str, str]]:
    """``(ready, checks)``: the store answers a read, the block producer (or consensus) runs,
    consensus has not halted and the node is not catching up with its peers. Each check is
    ``"ok"`` or what is wrong."""
    checks: dict[str, str] = {}
    try:
        h = node.store.height
        checks["store"] = "ok" if h >= 0 else "empty store"
    except Exception as exc:
        checks["store"] = f"store unreadable: {type(exc).__name__}: {exc}"
    if is_ready is not None:
        checks["producer"] = "ok" if is_ready() else "the block producer is not running"
    if consensus_info is not None:
        try:
            info = consensus_info()
        except Exception as exc:
            info = {"error": f"{type(exc).__name__}: {exc}"}
        err = info.get("error")
        checks["consensus"] = "ok" if not err else f"consensus halted: {err}"
        checks["sync"] = "catching up with peers" if info.get("syncing") else "ok"
    return all(v == "ok" for v in checks.values()), checks
