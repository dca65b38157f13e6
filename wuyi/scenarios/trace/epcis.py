"""The contract's event records as a GS1 EPCIS 2.0 JSON-LD document (``EPCISDocument``), for
``GET /v1/trace/batches/{id}/epcis``: what (``epcList``/``quantityList``, input and output lists,
``parentID`` and children), when (``eventTime`` — the submitter's claim — with its offset, and
``recordTime`` — the block that recorded it), where (``readPoint``, ``bizLocation``), why
(``bizStep`` and ``disposition`` in CBV 2.0's bare words, or a ``urn:wuyi:bizstep:`` where CBV has
no step; ``sourceList``/``destinationList``), how (``sensorElementList``) and, as extension
fields in the ``wuyi:`` namespace, what the chain adds: the block height and transaction, the
writer's organisation and role, the label codes, an inspection's result and certificate.

Identifiers are URIs: a lot ``urn:wuyi:trace:lot:<batch>``, a site
``urn:wuyi:trace:loc:<id>``, a plot ``urn:wuyi:trace:plot:<id>``, a pallet
``urn:wuyi:trace:pallet:<id>``, an organisation ``urn:wuyi:org:<id>``, an event
``urn:wuyi:trace:event:<chain id>:<id>``. Quantities are grams (``uom`` ``GRM``); temperatures
are stored in 0.1 ℃ and rendered in ℃ (``CEL``), humidity in 0.1 % rendered in % (``P1``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

__all__ = ["CONTEXT", "NAMESPACE", "document", "event_json", "iso", "lot", "place"]

NAMESPACE = "https://wuyi.example/ns/trace#"
CONTEXT: list[Any] = [
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    {"wuyi": NAMESPACE},
]
CST = dt.timezone(dt.timedelta(hours=8))
SENSOR = {"temperature": ("Temperature", "CEL"), "humidity": ("RelativeHumidity", "P1")}


def iso(ms: int) -> str:
    """``ms`` (Unix milliseconds) as an ISO 8601 time in China Standard Time."""
    return dt.datetime.fromtimestamp(ms / 1000, CST).isoformat(timespec="milliseconds")


def lot(batch: str) -> str:
    return f"urn:wuyi:trace:lot:{batch}"


def place(where: str) -> str:
    """A read point or business location: ``plot:<id>`` or a site id."""
    if where.startswith("plot:"):
        return f"urn:wuyi:trace:plot:{where[5:]}"
    return f"urn:wuyi:trace:loc:{where}"


def _quantities(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"epcClass": lot(q["batch"]), "quantity": q["qty_g"], "uom": "GRM"} for q in items]


def _parties(items: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [{"type": x["type"], key: f"urn:wuyi:org:{x['id']}"} for x in items]


def _sensors(readings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    reports = []
    for r in readings:
        kind, uom = SENSOR[r["type"]]
        reports.append({"type": kind, "value": r["value"] / 10, "uom": uom, "time": iso(r["time"])})
    return [{"sensorReport": reports}] if reports else []


def event_json(ev: dict[str, Any], chain_id: str) -> dict[str, Any]:
    """One contract event record as an EPCIS 2.0 event."""
    out: dict[str, Any] = {
        "type": ev["type"],
        "eventID": f"urn:wuyi:trace:event:{chain_id}:{ev['id']}",
        "eventTime": iso(ev["event_time"]),
        "eventTimeZoneOffset": ev["tz"],
        "recordTime": iso(ev["record_time"]),
    }
    if ev["action"]:
        out["action"] = ev["action"]
    out["bizStep"] = ev["biz_step"]
    out["disposition"] = ev["disposition"]
    if ev.get("read_point"):
        out["readPoint"] = {"id": place(ev["read_point"])}
    if ev.get("biz_location"):
        out["bizLocation"] = {"id": place(ev["biz_location"])}
    if ev["type"] == "TransformationEvent":
        out["inputQuantityList"] = _quantities(ev["inputs"])
        out["outputQuantityList"] = _quantities(ev["outputs"])
    elif ev["type"] == "AggregationEvent":
        out["parentID"] = f"urn:wuyi:trace:pallet:{ev['parent']}"
        out["childQuantityList"] = _quantities(ev["children"])
    elif ev.get("plot") and not ev.get("quantities"):
        out["epcList"] = [place("plot:" + ev["plot"])]
    else:
        out["quantityList"] = _quantities(ev.get("quantities", []))
    if ev.get("sources"):
        out["sourceList"] = _parties(ev["sources"], "source")
    if ev.get("destinations"):
        out["destinationList"] = _parties(ev["destinations"], "destination")
    if ev.get("sensors"):
        out["sensorElementList"] = _sensors(ev["sensors"])
    if ev.get("ilmd") and ev["action"] == "ADD":
        out["ilmd"] = {f"wuyi:{k}": v for k, v in ev["ilmd"].items()}
    out["wuyi:recordHeight"] = ev["height"]
    out["wuyi:recordTx"] = ev["tx"]
    out["wuyi:writer"] = {"org": ev["org"], "role": ev["role"], "address": ev["writer"]}
    out["wuyi:eventTimeIs"] = "the submitter's claim; recordTime is the block's"
    for key in ("codes", "count", "result", "recall", "carrier"):
        if ev.get(key):
            out[f"wuyi:{key}"] = ev[key]
    if ev.get("report"):
        report = ev["report"]
        out["wuyi:report"] = report.hex() if isinstance(report, bytes) else report
    return out


def document(events: Iterable[dict[str, Any]], chain_id: str, created_ms: int) -> dict[str, Any]:
    """An ``EPCISDocument`` of ``events`` (contract records, in the order given)."""
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": iso(created_ms),
        "epcisBody": {"eventList": [event_json(ev, chain_id) for ev in events]},
    }
