"""产品追溯's demo step (run by ``wuyi.demo_scenarios``), with flows done and waiting:

* master data: the products, the plots 农业农村局 surveyed (新会 茶枝柑 in 三江 and 大泽, one
  citrus grove outside the protected area in 开平, 杜阮凉瓜, 台山 rice), the sites of the
  cooperative, the 陈皮 company, the carrier and the shop, the warehouses verified by 市场监管局;
* 新会陈皮, labelled and sold: stock stored in the company's verified warehouse since
  2021-12-06 (imported by an inspector from the earlier 溯源 system's record, its age counted
  from that date), certified, labelled with its computed years, shipped by the carrier to the
  shop and partly sold; consumers' scans counted by the node and anchored by sjj's scan
  recorder, and a code copied and scanned in other cities (counts anchored from a second
  public-page node): a counterfeit signal;
* 新会陈皮, ageing (waiting): this year's fruit harvested, carried to the company, peeled and
  dried, stored in the verified warehouse — its label is refused until it is 3 years old;
* 杜阮凉瓜, recall in progress: a harvest split in two, one half certified, labelled and carried
  cold (one reading above the limit, flagged) to the shop; 市场监管局 ordered a level-2 recall
  of the harvest, the cooperative started it, reported its half recovered; the shop's half is
  still to report;
* 台山大米, done: paddy harvested, milled, certified, bagged and labelled, packed on a pallet
  (an AggregationEvent), shipped and received by the shop.

The cooperative keeps its growers' roster (household names, ID numbers, phones) off chain
(``docs/wyhz-growers.txt``); the chain knows members' addresses, plots and towns only."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios import returned

from .sdk import ProductTrace

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["MEMBERS", "PERSONAL", "ROSTER", "RULE_CLAIMS", "flows"]

C = "product_trace"
MEMBERS = (
    ("scjgj", "inspector"),
    ("nyj", "plot_registrar"),
    ("wyhz", "grower"),
    ("wyhz", "processor"),
    ("wyhz", "packer"),
    ("cpgs", "processor"),
    ("cpgs", "warehouse"),
    ("cpgs", "packer"),
    ("wlgs", "logistics"),
    ("wyyp", "retailer"),
    ("sjj", "scan_recorder"),
)
RULE_CLAIMS: frozenset[str] = frozenset()  # no credential is presented to this contract

# code, name, gi, shelf life (days), cold chain
PRODUCTS = (
    ("XHG", "新会柑鲜果", "", 30, False),
    ("XHCP", "新会陈皮", "chenpi", 0, False),
    ("DRLG", "杜阮凉瓜", "duruan", 10, True),
    ("TSDG", "台山稻谷", "", 365, False),
    ("TSDM", "台山大米", "taishan", 365, False),
)
# plot, town, area (0.01 亩), variety (all held by the cooperative wyhz)
PLOTS = (
    ("XH-SJ-0101", "sanjiang", 1250, "chazhigan"),
    ("XH-DZ-0207", "daze", 860, "chazhigan"),
    ("KP-CS-0033", "changsha", 940, "chazhigan"),  # 开平: outside the protected area
    ("DR-0015", "duruan", 320, "duruan-liangua"),
    ("TS-DJ-0412", "dajiang", 2100, "simiao"),
)
# site, its organisation, kind, town, verified by 市场监管局
SITES = (
    ("CP-XH-FAC1", "cpgs", "factory", "huicheng", False),
    ("CP-XH-WH1", "cpgs", "warehouse", "huicheng", True),
    ("CP-XH-WH2", "cpgs", "warehouse", "sanjiang", True),
    ("HZ-DR-PACK", "wyhz", "factory", "duruan", False),
    ("HZ-TS-MILL", "wyhz", "factory", "taicheng", False),
    ("WL-CC-07", "wlgs", "vehicle", "mobile", False),
    ("YP-PJ-SHOP", "wyyp", "shop", "pengjiang", False),
)
LEGACY = ("XHCP-SYS:2021-000318", "2021-12-06", 80_000)
# the cooperative's roster: who the growers are, kept by the cooperative, never on chain
ROSTER = (
    ("陈伟强", "440705197803214512", "13902274518", "XH-SJ-0101"),
    ("梁秀珍", "440705198211093027", "13590877162", "XH-DZ-0207"),
    ("李国华", "440783197506302811", "13719506643", "KP-CS-0033"),
    ("区志明", "440703196912154433", "13828061957", "DR-0015"),
    ("黄美玲", "440781198807262268", "15913394720", "TS-DJ-0412"),
)
PERSONAL = tuple(v for row in ROSTER for v in row[:3])
CITY = {"jiangmen": "4407", "guangzhou": "4401", "hangzhou": "3301", "shenzhen": "4403"}


INSPECTOR = ("scjgj", "inspector")
REGISTRAR = ("nyj", "plot_registrar")
GROWER = ("wyhz", "grower")
MILL = ("wyhz", "processor")
COOP_PACKER = ("wyhz", "packer")
PROCESSOR = ("cpgs", "processor")
WAREHOUSE = ("cpgs", "warehouse")
PACKER = ("cpgs", "packer")
CARRIER = ("wlgs", "logistics")
RETAILER = ("wyyp", "retailer")
RECORDER = ("sjj", "scan_recorder")
PALLET = "SSCC-069440700001"
HOUR = 3_600_000


def now(minus_hours: int = 0) -> int:
    """This machine's clock, the submitter's claimed time of an event (ms)."""
    return int(time.time() * 1000) - minus_hours * HOUR


def tr(loader: DemoLoader) -> ProductTrace:
    return ProductTrace(loader.client)


def call(loader: DemoLoader, who: tuple[str, str] | str, fn: str, **args: Any) -> Any:
    """A call signed by member ``(org, role)`` or by the admin of org ``who``."""
    key = loader.admins[who] if isinstance(who, str) else loader.member(*who)
    return loader.call(key, C, fn, **args)


def one(loader: DemoLoader, who: tuple[str, str] | str, fn: str, **args: Any) -> Any:
    """One call in a wave of its own; what it returned."""
    (receipt,) = yield [call(loader, who, fn, **args)]
    return returned(receipt)


def certified(loader: DemoLoader, batch_id: str, report_no: str, grams: int, hours: int) -> Any:
    """市场监管局's inspector finds ``batch_id`` conformant (test report ``report_no``, its hash
    on chain) ``hours`` ago and certifies ``grams`` of it; one wave."""
    report = loader.suite.hash(report_no.encode())
    return one(
        loader, INSPECTOR, "inspect", batch_id=batch_id, conformant=True, report_hash=report,
        event_time=now(hours), certify_g=grams,
    )  # fmt: skip


def labelled(
    loader: DemoLoader,
    packer: tuple[str, str],
    batch_id: str,
    count: int,
    package_g: int,
    year: int,
    hours: int,
) -> Any:
    """``packer`` issues ``count`` labels of ``package_g`` packages of ``batch_id`` (``year``:
    its ``label_year``) ``hours`` ago; one wave."""
    return one(
        loader, packer, "issue_labels", batch_id=batch_id, count=count, package_g=package_g,
        label_year=year, event_time=now(hours),
    )  # fmt: skip


def wait_for(loader: DemoLoader, what: str) -> Flow:
    while not loader.section("trace").get(what):
        yield []


def find(loader: DemoLoader, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    return next((b for b in tr(loader).batches() if pred(b)), None)


def temperatures(*values: int) -> list[dict[str, Any]]:
    """Readings in 0.1 ℃ (``values``), claimed half an hour ago."""
    return [{"type": "temperature", "value": v, "time": now() - HOUR // 2} for v in values]


def master(loader: DemoLoader) -> Flow:
    """Products, plots and sites in one wave, the warehouses verified in the next."""
    t = tr(loader)
    have = {p["code"] for p in t.products()}
    plots = {p["id"] for p in t.plots()}
    sites = {s["id"]: s for s in t.locations()}
    txs = [
        call(loader, INSPECTOR, "register_product", code=c, name=n, gi=g, shelf_life_days=d,
             cold_chain=cold)
        for c, n, g, d, cold in PRODUCTS
        if c not in have
    ]  # fmt: skip
    txs += [
        call(loader, REGISTRAR, "register_plot", plot_id=p, org="wyhz", town=town, area=area,
             variety=v)
        for p, town, area, v in PLOTS
        if p not in plots
    ]  # fmt: skip
    txs += [
        call(loader, org, "register_location", loc_id=s, kind=kind, town=town)
        for s, org, kind, town, _ in SITES
        if s not in sites
    ]
    if txs:
        yield txs
    verify = [s for s, _, _, _, v in SITES if v and (s not in sites or not sites[s]["verified"])]
    if verify:
        yield [call(loader, INSPECTOR, "verify_location", loc_id=s) for s in verify]
    write_roster(loader.docs_dir)
    loader.section("trace")["ready"] = True


def write_roster(docs: Path) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    lines = ["江门五邑农产品专业合作联社（演示）社员名册 — 仅存合作社，不上链", ""]
    lines += [f"{name}  {idno}  {phone}  地块 {plot}" for name, idno, phone, plot in ROSTER]
    (docs / "wyhz-growers.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def chenpi_labelled(loader: DemoLoader) -> Flow:
    """Stock older than the chain: imported, certified, labelled, carried, sold, scanned."""
    yield from wait_for(loader, "ready")
    ref, since, grams = LEGACY
    b = find(loader, lambda x: x["ageing"] is not None and x["ageing"]["legacy"] is not None)
    if b is None:
        where = {"plot_id": "XH-SJ-0101", "org": "cpgs", "location_id": "CP-XH-WH1"}
        b = yield from one(
            loader, INSPECTOR, "import_stock", product_code="XHCP", qty_g=grams, since=since,
            ref=ref, **where,
        )  # fmt: skip
    bid = b["id"]
    if b["certified_g"] == 0:
        yield from certified(loader, bid, "JMSJ-2026-XHCP-0318", 60_000, 0)
    if b["labels"]["count"] == 0:
        year = tr(loader).label_check(bid, 3)["age"]["years"]
        yield from labelled(loader, PACKER, bid, 200, 250, year, 0)
    if tr(loader).batch(bid)["org"] == "cpgs":
        to_shop = {"to_org": "wyyp", "carrier": "wlgs"}
        yield from one(loader, WAREHOUSE, "ship", items=[bid], event_time=now(2), **to_shop)
        yield from one(
            loader, CARRIER, "transport", items=[bid], sensors=temperatures(221, 236),
            event_time=now(1), read_point="WL-CC-07",
        )  # fmt: skip
        shop = {"location_id": "YP-PJ-SHOP", "event_time": now()}
        yield from one(loader, RETAILER, "receive", items=[bid], **shop)
        yield from one(loader, RETAILER, "sell", batch_id=bid, count=12, event_time=now())
    codes = [f"{bid}-{n:05d}" for n in range(1, 13)]
    yield from scans(loader, codes)
    rng = tr(loader).batch(bid)["label_ranges"][0]
    loader.section("trace")["labelled"] = {
        "batch": bid,
        "first": rng["first"],
        "last": rng["last"],
        "label_year": rng["label_year"],
        "since": since,
        "codes": codes,
    }


def scans(loader: DemoLoader, codes: list[str]) -> Flow:
    """Consumers scan six labels in 江门 (counted by this node, anchored by sjj's recorder);
    the seventh code, copied, is scanned in other cities (counts anchored from a second
    public-page node): a counterfeit signal."""
    t = tr(loader)
    copied = codes[6]
    if not t.signals():
        for c in codes[:6]:
            t.scan(c, CITY["jiangmen"])
        txs = [
            call(loader, RECORDER, "record_scans", anchor=b["anchor"], items=b["items"])
            for b in t.pending_scans()["batches"]
        ]
        copies = [("jiangmen", 2), ("guangzhou", 6), ("hangzhou", 4), ("shenzhen", 3)]
        items = [{"code": copied, "city": CITY[c], "count": n} for c, n in copies]
        anchor = "scan:demo-gz-node:1"
        txs.append(call(loader, RECORDER, "record_scans", anchor=anchor, items=items))
        yield txs
    loader.section("trace")["signal"] = copied


def chenpi_ageing(loader: DemoLoader) -> Flow:
    """This year's fruit: harvested, carried, peeled and dried, stored: ageing (waiting)."""
    yield from wait_for(loader, "ready")
    b = find(loader, lambda x: (x["ageing"] or {}).get("source") == "chain")
    if b is None:
        lot = yield from one(
            loader, GROWER, "harvest", plot_id="XH-DZ-0207", product_code="XHG",
            qty_g=1_500_000, event_time=now(48),
        )  # fmt: skip
        fruit = lot["id"]
        to_company = {"to_org": "cpgs", "carrier": "wlgs", "event_time": now(6)}
        yield from one(loader, GROWER, "ship", items=[fruit], **to_company)
        factory = {"location_id": "CP-XH-FAC1", "event_time": now(1)}
        yield from one(loader, WAREHOUSE, "receive", items=[fruit], **factory)
        made = yield from one(
            loader, PROCESSOR, "transform", step="processing",
            inputs=[{"batch": fruit, "qty_g": 1_500_000}],
            outputs=[{"product": "XHCP", "qty_g": 84_000}], **factory,
        )  # fmt: skip
        peel = made["outputs"][0]
        stored = {"location_id": "CP-XH-WH2", "event_time": now()}
        b = yield from one(loader, WAREHOUSE, "store", batch_id=peel, **stored)
    check = tr(loader).label_check(b["id"], 3)
    loader.section("trace")["ageing"] = {
        "batch": b["id"],
        "since": check["age"]["since"],
        "days": check["age"]["days"],
        "refused": check["failed"],
    }


def melon_recall(loader: DemoLoader) -> Flow:
    """A harvest split in two; one half labelled and carried cold to the shop; the harvest
    recalled (level 2), started, the cooperative's half reported recovered (in progress)."""
    yield from wait_for(loader, "ready")
    t = tr(loader)
    if not t.recalls():
        lot = yield from one(
            loader, GROWER, "harvest", plot_id="DR-0015", product_code="DRLG", qty_g=300_000,
            event_time=now(20),
        )  # fmt: skip
        halves = [{"product": "DRLG", "qty_g": 150_000}] * 2
        split = yield from one(
            loader, COOP_PACKER, "transform", step="repackaging",
            inputs=[{"batch": lot["id"], "qty_g": 300_000}], outputs=halves,
            event_time=now(12), location_id="HZ-DR-PACK",
        )  # fmt: skip
        half_a, half_b = split["outputs"]
        yield from certified(loader, half_a, "JMSJ-2026-DRLG-0015", 150_000, 10)
        yield from labelled(loader, COOP_PACKER, half_a, 300, 500, 0, 9)
        to_shop = {"to_org": "wyyp", "carrier": "wlgs", "event_time": now(8)}
        yield from one(loader, GROWER, "ship", items=[half_a], **to_shop)
        yield from one(
            loader, CARRIER, "transport", items=[half_a], sensors=temperatures(58, 64, 118, 72),
            event_time=now(6), read_point="WL-CC-07",
        )  # fmt: skip
        shop = {"location_id": "YP-PJ-SHOP", "event_time": now(4)}
        yield from one(loader, RETAILER, "receive", items=[half_a], **shop)
        reason = "JMSJ-2026-DRLG-1107"  # a test report's number
        rc = yield from one(
            loader, INSPECTOR, "order_recall", batch_id=lot["id"], level=2, reason=reason
        )
        notice = loader.suite.hash(b"recall notice " + rc["id"].encode())
        yield from one(loader, "wyhz", "start_recall", recall_id=rc["id"], notice_hash=notice)
        yield from one(
            loader, GROWER, "report_recovered", recall_id=rc["id"], batch_id=half_b,
            qty_g=150_000, event_time=now(),
        )  # fmt: skip
    r = t.recalls()[-1]
    waiting = [x for x in r["batches"] if x not in r["recovered"]]
    code = t.batch(waiting[0])["label_ranges"][0]["first"] if waiting else None
    loader.section("trace")["recall"] = {
        "id": r["id"],
        "batch": r["batch"],
        "reached": r["reached"],
        "waiting": waiting,
        "finish_due": r["finish_due"],
        "code": code,
    }


def rice(loader: DemoLoader) -> Flow:
    """Paddy harvested, milled, certified, labelled, put on a pallet, shipped, received."""
    yield from wait_for(loader, "ready")
    b = find(loader, lambda x: x["product"] == "TSDM")
    if b is None:
        paddy = yield from one(
            loader, GROWER, "harvest", plot_id="TS-DJ-0412", product_code="TSDG", qty_g=800_000,
            event_time=now(20 * 24),
        )  # fmt: skip
        milled = yield from one(
            loader, MILL, "transform", step="processing",
            inputs=[{"batch": paddy["id"], "qty_g": 800_000}],
            outputs=[{"product": "TSDM", "qty_g": 560_000}], event_time=now(48),
            location_id="HZ-TS-MILL",
        )  # fmt: skip
        lot = milled["outputs"][0]
        yield from certified(loader, lot, "JMSJ-2026-TSDM-0412", 500_000, 30)
        yield from labelled(loader, COOP_PACKER, lot, 100, 5000, 0, 24)
        yield from one(loader, COOP_PACKER, "pack", pallet_id=PALLET, batches=[lot],
                       event_time=now(20))  # fmt: skip
        to_shop = {"to_org": "wyyp", "carrier": "", "event_time": now(18)}
        yield from one(loader, GROWER, "ship", items=[PALLET], **to_shop)
        shop = {"location_id": "YP-PJ-SHOP", "event_time": now(2)}
        yield from one(loader, RETAILER, "receive", items=[PALLET], **shop)
        b = {"id": lot}
    rng = tr(loader).batch(b["id"])["label_ranges"][0]
    loader.section("trace")["rice"] = {"batch": b["id"], "pallet": PALLET, "first": rng["first"]}


def flows(loader: DemoLoader) -> list[Flow]:
    return [
        master(loader),
        chenpi_labelled(loader),
        chenpi_ageing(loader),
        melon_recall(loader),
        rice(loader),
    ]


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    sc = made.get("trace", {})
    if not sc.get("labelled"):
        return []
    code = sc["labelled"]["first"]
    return [
        f"  {url}/console/#/trace-code/{code}   # 扫码溯源 / a 新会陈皮 label's public page",
        f"  {url}/console/#/trace   # 市场监管局 追溯台 / the regulator's desk",
    ]


def screenshots(shots: Any) -> None:
    """The public page of a labelled 新会陈皮 (``wuyi.console.screenshots``)."""
    sc = shots.made["trace"]
    shots.goto(f"#/trace-code/{sc['labelled']['first']}")
    shots.page.wait_for_selector("[data-testid=trace-story]")
    shots.shot("trace", full=True)
