"""产品追溯 in the SDK: :class:`ProductTrace` — one method per step, signed by the member whose
role the step allows (growers, processors, warehouses, packers, carriers, retailers; the
regulator's inspectors; the 农业农村局's plot registrars; the scan recorder of the node that
serves the public page), and the reads of ``/v1/trace/...``::

    tr = client.scenario("trace")                       # or ProductTrace(client)
    lot = tr.harvest(grower_key, "XH-SJ-001", "XHG", 1_000_000)
    tr.ship(grower_key, [lot["id"]], to_org="cpgs", carrier="wlgs")
    tr.code("XHCP-000012-00001")                        # what a consumer's scan shows

An event's time (``event_time``, ms) is the submitter's claim: by default this machine's clock
when the call is made; the chain records the block time beside it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.sdk.scenarios import ScenarioClient, seg

__all__ = ["CLIENT", "ProductTrace"]


def now_ms() -> int:
    return int(time.time() * 1000)


class ProductTrace(ScenarioClient):
    """产品追溯: master data, events, labels, scans, recalls; reads of ``/v1/trace``."""

    default_name = "product_trace"

    def _do(self, key: PrivateKey, method: str, **args: Any) -> Any:
        if "event_time" in args and args["event_time"] is None:
            args["event_time"] = now_ms()
        return self.call(key, method, **args)

    # -- master data ---------------------------------------------------------------------------

    def register_product(
        self,
        key: PrivateKey,
        code: str,
        name: str,
        *,
        gi: str = "",
        shelf_life_days: int = 0,
        cold_chain: bool = False,
    ) -> dict[str, Any]:
        """An inspector of the regulator registers a product (``gi``: chenpi, duruan, taishan)."""
        return dict(
            self._do(
                key,
                "register_product",
                code=code,
                name=name,
                gi=gi,
                shelf_life_days=shelf_life_days,
                cold_chain=cold_chain,
            )
        )

    def register_plot(
        self, key: PrivateKey, plot_id: str, org: str, town: str, area: int, variety: str
    ) -> dict[str, Any]:
        """A plot registrar records a surveyed plot (``area`` in 0.01 亩)."""
        args = {"plot_id": plot_id, "org": org, "town": town, "area": area, "variety": variety}
        return dict(self._do(key, "register_plot", **args))

    def register_location(self, key: PrivateKey, loc_id: str, kind: str, town: str) -> Any:
        """An organisation's admin registers one of its sites (its town is a claim until
        verified)."""
        return self._do(key, "register_location", loc_id=loc_id, kind=kind, town=town)

    def verify_location(self, key: PrivateKey, loc_id: str) -> Any:
        """An inspector of the regulator confirms a site's town."""
        return self._do(key, "verify_location", loc_id=loc_id)

    # -- events ----------------------------------------------------------------------------

    def plant(self, key: PrivateKey, plot_id: str, event_time: int | None = None) -> Any:
        return self._do(key, "plant", plot_id=plot_id, event_time=event_time)

    def harvest(
        self,
        key: PrivateKey,
        plot_id: str,
        product: str,
        qty_g: int,
        event_time: int | None = None,
    ) -> dict[str, Any]:
        """A grower commissions a harvested lot; returns the new batch."""
        return dict(
            self._do(
                key,
                "harvest",
                plot_id=plot_id,
                product_code=product,
                qty_g=qty_g,
                event_time=event_time,
            )
        )

    def import_stock(
        self,
        key: PrivateKey,
        product: str,
        qty_g: int,
        *,
        plot_id: str,
        org: str,
        location_id: str,
        since: str,
        ref: str,
    ) -> dict[str, Any]:
        """An inspector brings in stock older than the chain, stored since date ``since``
        (attested from the earlier system's record ``ref``)."""
        args = {"plot_id": plot_id, "org": org, "location_id": location_id}
        args |= {"since": since, "ref": ref}
        return dict(self._do(key, "import_stock", product_code=product, qty_g=qty_g, **args))

    def transform(
        self,
        key: PrivateKey,
        step: str,
        inputs: Sequence[tuple[str, int]],
        outputs: Sequence[tuple[str, int]],
        location_id: str,
        event_time: int | None = None,
    ) -> dict[str, Any]:
        """``processing`` or ``repackaging``: ``inputs`` ``[(batch, grams)]``, ``outputs``
        ``[(product, grams)]``. Returns ``{event, outputs, in_g, out_g}``."""
        return dict(
            self._do(
                key,
                "transform",
                step=step,
                inputs=[{"batch": b, "qty_g": g} for b, g in inputs],
                outputs=[{"product": p, "qty_g": g} for p, g in outputs],
                event_time=event_time,
                location_id=location_id,
            )
        )

    def store(
        self, key: PrivateKey, batch: str, location_id: str, event_time: int | None = None
    ) -> dict[str, Any]:
        args = {"batch_id": batch, "location_id": location_id, "event_time": event_time}
        return dict(self._do(key, "store", **args))

    def pick(self, key: PrivateKey, batch: str, event_time: int | None = None) -> Any:
        return self._do(key, "pick", batch_id=batch, event_time=event_time)

    def inspect(
        self,
        key: PrivateKey,
        batch: str,
        *,
        conformant: bool,
        report_hash: bytes,
        certify_g: int = 0,
        event_time: int | None = None,
    ) -> dict[str, Any]:
        """An inspector's result; a conformant one may certify grams for labels."""
        args = {"batch_id": batch, "conformant": conformant, "report_hash": report_hash}
        args |= {"certify_g": certify_g, "event_time": event_time}
        return dict(self._do(key, "inspect", **args))

    def pack(
        self, key: PrivateKey, pallet: str, batches: Sequence[str], event_time: int | None = None
    ) -> Any:
        args = {"pallet_id": pallet, "batches": list(batches), "event_time": event_time}
        return self._do(key, "pack", **args)

    def unpack(self, key: PrivateKey, pallet: str, event_time: int | None = None) -> Any:
        return self._do(key, "unpack", pallet_id=pallet, event_time=event_time)

    def ship(
        self,
        key: PrivateKey,
        items: Sequence[str],
        *,
        to_org: str,
        carrier: str = "",
        event_time: int | None = None,
    ) -> Any:
        args = {"items": list(items), "to_org": to_org, "carrier": carrier}
        return self._do(key, "ship", event_time=event_time, **args)

    def transport(
        self,
        key: PrivateKey,
        items: Sequence[str],
        sensors: Sequence[dict[str, Any]],
        read_point: str,
        event_time: int | None = None,
    ) -> Any:
        """Readings ``[{type: temperature|humidity, value (0.1 ℃ / 0.1 %), time (ms)}]``."""
        args = {"items": list(items), "sensors": list(sensors), "read_point": read_point}
        return self._do(key, "transport", event_time=event_time, **args)

    def receive(
        self,
        key: PrivateKey,
        items: Sequence[str],
        location_id: str,
        event_time: int | None = None,
    ) -> Any:
        args = {"items": list(items), "location_id": location_id, "event_time": event_time}
        return self._do(key, "receive", **args)

    def issue_labels(
        self,
        key: PrivateKey,
        batch: str,
        count: int,
        package_g: int,
        label_year: int = 0,
        event_time: int | None = None,
    ) -> dict[str, Any]:
        """Label codes ``<batch>-00001``...; returns the range ``{first, last, ...}``."""
        args = {"batch_id": batch, "count": count, "package_g": package_g}
        args |= {"label_year": label_year, "event_time": event_time}
        return dict(self._do(key, "issue_labels", **args))

    def sell(self, key: PrivateKey, batch: str, count: int, event_time: int | None = None) -> Any:
        return self._do(key, "sell", batch_id=batch, count=count, event_time=event_time)

    # -- recalls -----------------------------------------------------------------------------

    def order_recall(self, key: PrivateKey, batch: str, level: int, reason: str) -> dict[str, Any]:
        return dict(self._do(key, "order_recall", batch_id=batch, level=level, reason=reason))

    def start_recall(self, key: PrivateKey, recall_id: str, notice_hash: bytes) -> Any:
        return self._do(key, "start_recall", recall_id=recall_id, notice_hash=notice_hash)

    def report_recovered(
        self,
        key: PrivateKey,
        recall_id: str,
        batch: str,
        qty_g: int,
        event_time: int | None = None,
    ) -> Any:
        args = {"recall_id": recall_id, "batch_id": batch, "qty_g": qty_g}
        return self._do(key, "report_recovered", event_time=event_time, **args)

    def complete_recall(self, key: PrivateKey, recall_id: str) -> Any:
        return self._do(key, "complete_recall", recall_id=recall_id)

    def flag_overdue(self, key: PrivateKey, recall_id: str) -> Any:
        return self._do(key, "flag_overdue", recall_id=recall_id)

    # -- scans -------------------------------------------------------------------------------

    def scan(self, code: str, city: str = "0000") -> dict[str, Any]:
        """An anonymous scan (what the public page sends): counted off chain by the node."""
        resp = self.client._request("POST", "/v1/trace/scans", json={"code": code, "city": city})
        out: dict[str, Any] = resp.json()
        return out

    def pending_scans(self) -> dict[str, Any]:
        """The node's counts, sealed in batches for anchoring: ``{node, batches}``."""
        resp = self.client._request("POST", "/v1/trace/scans/pending")
        out: dict[str, Any] = resp.json()
        return out

    def record_scans(self, key: PrivateKey, anchor: str, items: list[dict[str, Any]]) -> Any:
        return self._do(key, "record_scans", anchor=anchor, items=items)

    def anchor_scans(self, key: PrivateKey) -> list[dict[str, Any]]:
        """A scan recorder anchors every batch the node has sealed (one transaction each).
        Returns what each anchor recorded ``{anchor, scans, signals}``."""
        return [
            dict(self.record_scans(key, b["anchor"], b["items"]))
            for b in self.pending_scans()["batches"]
        ]

    # -- reads -------------------------------------------------------------------------------

    def _items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._get(path, **params)["items"]
        return out

    def products(self) -> list[dict[str, Any]]:
        return self._items("/v1/trace/products")

    def plots(self) -> list[dict[str, Any]]:
        return self._items("/v1/trace/plots")

    def locations(self) -> list[dict[str, Any]]:
        return self._items("/v1/trace/locations")

    def areas(self) -> dict[str, Any]:
        out: dict[str, Any] = self._get("/v1/trace/areas")["areas"]
        return out

    def batches(
        self, product: str | None = None, org: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        return self._pages("/v1/trace/batches", product=product, org=org, status=status)

    def batch(self, batch_id: str) -> dict[str, Any]:
        """A batch with its age now, events, lineage, labels, certificates and recall."""
        return self._get_record(f"/v1/trace/batches/{seg(batch_id)}")

    def epcis(self, batch_id: str) -> dict[str, Any]:
        """The events of a batch and its ancestors as an EPCIS 2.0 document."""
        return self._get_record(f"/v1/trace/batches/{seg(batch_id)}/epcis")

    def event(self, event_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/trace/events/{seg(event_id)}")

    def code(self, code: str) -> dict[str, Any]:
        """What a scan of the label shows: story, origin, age, certificates, recall, scans."""
        return self._get_record(f"/v1/trace/codes/{seg(code)}")

    def label_check(self, batch_id: str, label_year: int) -> dict[str, Any]:
        """What a label stating ``label_year`` would fail now, and the batch's age."""
        out: dict[str, Any] = self.client.query(
            self.name, "label_check", {"batch_id": batch_id, "label_year": label_year}
        )
        return out

    def signals(self) -> list[dict[str, Any]]:
        return self._items("/v1/trace/signals")

    def recalls(self) -> list[dict[str, Any]]:
        return self._items("/v1/trace/recalls")

    def recall(self, recall_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/trace/recalls/{seg(recall_id)}")

    def dashboard(self) -> dict[str, Any]:
        return self._get_record("/v1/trace/dashboard")


CLIENT = ProductTrace
