"""产品追溯 routes (``/v1/trace/...``). Everything here is public: a product's trace names
organisations, sites, towns, codes, grams and dates — no person. Writes are signed
``contract.call`` transactions (:mod:`.sdk`), except the anonymous scan, which is counted off
chain by this node (:mod:`.scans`) and anchored by a member.

* ``/products``, ``/plots``, ``/locations``, ``/areas`` (each geographical indication's towns,
  varieties, least age, with the parameters' legal basis);
* ``/batches`` (newest first; by product, holder, status), ``/batches/{id}`` (the batch, its
  age now, events, lineage, labels, certificates, recall), ``/batches/{id}/epcis`` (the events
  of the batch and its ancestors as an EPCIS 2.0 document), ``/events/{id}``;
* ``/codes/{code}``: what a consumer's scan of a label shows — the batch's story from the plots
  through every ancestor, origin, age (computed, with its source), certificates, recall status,
  scans and the counterfeit signal;
* ``POST /scans`` ``{code, city}``: an anonymous scan (429 ``rate_limited`` past the bounds);
  ``POST /scans/pending``: the counts sealed for anchoring; ``/signals``;
* ``/recalls`` and ``/recalls/{id}`` (deadlines, what is overdue now), ``/dashboard``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.scenarios import (
    ItemPage,
    Record,
    ScenarioReader,
    add_id_route,
    add_record_route,
    group_router,
    id_path,
    reading,
)
from wuyi.api.wire import hexify
from wuyi.exceptions import ContractRevert, NotFound
from wuyi.node.node import Node

from . import epcis
from .scans import ScanCounter

__all__ = ["CONTRACT", "router", "story"]

CONTRACT = "product_trace"
BATCH_ID = "batch id, e.g. XHCP-000012"
GIS = ("chenpi", "duruan", "taishan")
MAX_LINEAGE = 200


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        min_length=9, max_length=64, description="the label code, e.g. XHCP-000012-00001"
    )
    city: str = Field(
        "0000",
        pattern=r"^\d{4}$",
        description="the city the scanner states (4-digit code, e.g. 4407 江门; 0000: unknown)",
    )


def _view(s: ScenarioReader, method: str, missing: str, field: str, **args: Any) -> Any:
    """A view of the contract; its refusal (no such record) as a 404 naming ``field``."""
    try:
        return s.view(CONTRACT, method, **args)
    except ContractRevert as exc:
        raise NotFound(f"{missing}: {exc.message}", field=field) from None


def _events_of(s: ScenarioReader, batches: list[str]) -> list[dict[str, Any]]:
    """The events of ``batches``, each once, in the order they were recorded."""
    ids: dict[str, None] = {}
    for b in batches:
        for k, _ in s.items(CONTRACT, f"bev/{b}/"):
            ids[k.rsplit("/", 1)[-1]] = None
    events = [s.get(CONTRACT, "ev/" + i) for i in ids]
    return sorted((e for e in events if e), key=lambda e: (e["height"], e["id"]))


def _areas(s: ScenarioReader) -> dict[str, Any]:
    params = {k.removeprefix("param/"): v for k, v in s.items(CONTRACT, "param/")}

    def value(name: str) -> Any:
        rec = params[name]
        return rec["value"] if s.height >= rec["effective_height"] else rec["previous"]

    out = {}
    for gi in GIS:
        area = {"towns": value(f"{gi}_towns"), "varieties": value(f"{gi}_varieties")}
        area["basis"] = params[f"{gi}_towns"]["basis"]
        if f"{gi}_min_age_years" in params:
            area["min_age_years"] = value(f"{gi}_min_age_years")
        out[gi] = area
    return out


def _batch_detail(s: ScenarioReader, batch_id: str) -> dict[str, Any]:
    b = _view(s, "batch_info", f"no batch '{batch_id}'", "batch_id", batch_id=batch_id)
    lineage = s.view(CONTRACT, "lineage", batch_id=batch_id)
    labels = [v for _, v in s.items(CONTRACT, f"label/{batch_id}/")]
    certs = [s.get(CONTRACT, "cert/" + c) for c in b["certificates"]]
    recall = None if b["recall"] is None else s.view(CONTRACT, "recall", recall_id=b["recall"])
    return {
        **b,
        "events": _events_of(s, [batch_id]),
        "lineage": lineage,
        "label_ranges": labels,
        "certificate_records": certs,
        "recall_record": recall,
        "height": s.height,
    }


def story(s: ScenarioReader, code: str) -> dict[str, Any]:
    """What a scan of label ``code`` shows (``GET /v1/trace/codes/{code}``)."""
    c = _view(s, "code", f"no label '{code}'", "code", code=code)
    b = s.view(CONTRACT, "batch_info", batch_id=c["batch"])
    lineage = s.view(CONTRACT, "lineage", batch_id=c["batch"])
    chain = [c["batch"], *lineage["ancestors"][:MAX_LINEAGE]]
    batches = {x: s.get(CONTRACT, "batch/" + x) for x in chain}
    events = _events_of(s, chain)
    plots = [s.get(CONTRACT, "plot/" + p) for p in b["origin"]["plots"]]
    sites = {e.get("biz_location") or e.get("read_point") for e in events}
    locations = [s.get(CONTRACT, "loc/" + x) for x in sorted(x for x in sites if x)]
    cert_ids = [cid for x in chain for cid in (batches[x] or {}).get("certificates", [])]
    product = s.get(CONTRACT, "product/" + b["product"])
    recall = None if b["recall"] is None else s.view(CONTRACT, "recall", recall_id=b["recall"])
    scans = s.get(CONTRACT, "scan/" + code)
    return hexify(
        {
            "code": code,
            "label": c["label"],
            "n": c["n"],
            "batch": b,
            "product": product,
            "area": _areas(s).get(product["gi"]) if product and product["gi"] else None,
            "batches": [batches[x] for x in chain if batches[x]],
            "events": events,
            "plots": [x for x in plots if x],
            "locations": [x for x in locations if x],
            "certificates": [s.get(CONTRACT, "cert/" + x) for x in cert_ids],
            "recall": recall,
            "scans": scans,
            "height": s.height,
            "time": s.time,
        }
    )


def _dashboard(s: ScenarioReader) -> dict[str, Any]:
    batches = [v for _, v in s.items(CONTRACT, "batch/")]
    steps = Counter(v["step"] for _, v in s.items(CONTRACT, "ev/"))
    scans = [v for _, v in s.items(CONTRACT, "scan/")]
    recalls = [v for _, v in s.items(CONTRACT, "recall/")]
    ageing = []
    for b in batches:
        if b["ageing"] is not None and b["status"] not in ("consumed", "sold"):
            info = s.view(CONTRACT, "batch_info", batch_id=b["id"])
            ageing.append({"batch": b["id"], "org": b["org"], **info["age"]})
    return {
        "batches": dict(Counter(b["status"] for b in batches)),
        "products": dict(Counter(b["product"] for b in batches)),
        "steps": dict(steps),
        "labels": sum(b["labels"]["count"] for b in batches),
        "labelled_g": sum(b["labels"]["grams"] for b in batches),
        "scans": sum(x["count"] for x in scans),
        "signals": sum(1 for x in scans if x["signal"]),
        "recalls": dict(Counter(r["status"] for r in recalls)),
        "ageing": sorted(ageing, key=lambda a: -a["days"]),
        "height": s.height,
    }


def router(node: Node) -> APIRouter:
    return group_router("/trace", node, _catalogue_routes, _scan_routes)


def _catalogue_routes(r: APIRouter, node: Node) -> None:
    """Products, plots, sites, areas and batches."""

    def listing(prefix: str) -> Any:
        with reading(node, CONTRACT) as s:
            return {"items": hexify([v for _, v in s.items(CONTRACT, prefix)]), "height": s.height}

    @r.get("/products", response_model=ItemPage, summary="产品 / products")
    def trace_products() -> Any:
        return listing("product/")

    @r.get("/plots", response_model=ItemPage, summary="种植地块 / registered plots")
    def trace_plots() -> Any:
        return listing("plot/")

    @r.get("/locations", response_model=ItemPage, summary="场所 / sites (verified or claimed)")
    def trace_locations() -> Any:
        return listing("loc/")

    @r.get("/areas", response_model=Record, summary="地理标志保护范围 / protected areas")
    def trace_areas() -> Any:
        with reading(node, CONTRACT) as s:
            return {"areas": _areas(s), "height": s.height}

    @r.get("/batches", response_model=ItemPage, summary="批次 / batches, newest first")
    def trace_batches(
        product: str | None = Query(None, max_length=8, description="only this product"),
        org: str | None = Query(None, max_length=40, description="only batches this org holds"),
        status: str | None = Query(None, max_length=16, description="only this status"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, CONTRACT) as s:
            found = [
                b
                for _, b in s.items(CONTRACT, "batch/")
                if product in (None, b["product"])
                and org in (None, b["org"])
                and status in (None, b["status"])
            ]
            return s.latest_page(found, limit=limit, cursor=cursor)

    add_id_route(r, node, "/batches/{batch_id}", CONTRACT, operation="trace_batch",
                 summary="批次 / a batch, all it went through", help=BATCH_ID,
                 answer=lambda _, s, batch_id: hexify(_batch_detail(s, batch_id)))  # fmt: skip

    @r.get(
        "/batches/{batch_id}/epcis",
        response_model=Record,
        summary="EPCIS 2.0 文档 / the events of a batch and its ancestors as EPCIS 2.0",
    )
    def trace_epcis(batch_id: str = id_path(BATCH_ID)) -> Any:
        with reading(node, CONTRACT) as s:
            _view(s, "batch_info", f"no batch '{batch_id}'", "batch_id", batch_id=batch_id)
            lineage = s.view(CONTRACT, "lineage", batch_id=batch_id)
            events = _events_of(s, [batch_id, *lineage["ancestors"]])
            created = s.time
            return hexify(epcis.document(events, node.chain.chain_id, created))


def _scan_routes(r: APIRouter, node: Node) -> None:
    """Events, label scans, counterfeit signals, recalls and the dashboard."""

    counter = ScanCounter()

    add_record_route(
        r,
        node,
        "/events/{event_id}",
        CONTRACT,
        "ev/",
        summary="事件 / one event (EPCIS shape; event_time claimed, record_time the block's)",
        missing="no event '{id}'",
        help="event id, e.g. EV0000001",
    )

    @r.get("/codes/{code}", response_model=Record, summary="扫码溯源 / what a label's scan shows")
    def trace_code(code: str = id_path("label code, e.g. XHCP-000012-00001")) -> Any:
        with reading(node, CONTRACT) as s:
            return story(s, code)

    @r.post("/scans", response_model=Record, summary="扫码计数 / count an anonymous scan")
    def trace_scan(body: ScanIn, request: Request) -> Any:
        with reading(node, CONTRACT) as s:
            _view(s, "code", f"no label '{body.code}'", "code", code=body.code)
        client = request.client.host if request.client else "?"
        counted = counter.count(body.code, body.city, client)
        return {"code": body.code, "counted": counted, "waiting": counter.waiting()}

    @r.post(
        "/scans/pending",
        response_model=Record,
        summary="待上链扫码计数 / the scans counted here, sealed for anchoring",
    )
    def trace_scans_pending() -> Any:
        with reading(node, CONTRACT) as s:
            size = s.view(CONTRACT, "param", name="scan_items_max")["value"]
            batches = counter.pending(lambda a: s.get(CONTRACT, "anchor/" + a) is not None, size)
            return {"node": counter.tag, "batches": batches, "height": s.height}

    @r.get(
        "/signals", response_model=ItemPage, summary="假冒信号 / codes with a counterfeit signal"
    )
    def trace_signals() -> Any:
        with reading(node, CONTRACT) as s:
            codes = [k.removeprefix("signal/") for k, _ in s.items(CONTRACT, "signal/")]
            items = [s.get(CONTRACT, "scan/" + c) for c in codes]
            return {"items": hexify([x for x in items if x]), "height": s.height}

    @r.get("/recalls", response_model=ItemPage, summary="召回 / recalls with their deadlines")
    def trace_recalls() -> Any:
        with reading(node, CONTRACT) as s:
            ids = [k.removeprefix("recall/") for k, _ in s.items(CONTRACT, "recall/")]
            items = [s.view(CONTRACT, "recall", recall_id=i) for i in reversed(ids)]
            return {"items": hexify(items), "height": s.height}

    @r.get("/recalls/{recall_id}", response_model=Record, summary="召回 / one recall")
    def trace_recall(recall_id: str = id_path("recall id, e.g. RC00001")) -> Any:
        with reading(node, CONTRACT) as s:
            got = _view(s, "recall", f"no recall '{recall_id}'", "recall_id", recall_id=recall_id)
            return hexify({**got, "height": s.height})

    @r.get("/dashboard", response_model=Record, summary="追溯概况 / counts for the desks' charts")
    def trace_dashboard() -> Any:
        with reading(node, CONTRACT) as s:
            return _dashboard(s)
