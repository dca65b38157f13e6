"""产品追溯's contract in the sandbox (``ContractTester``, milliseconds): every rule of
``wuyi/scenarios/trace/contract.py`` and each of its refusals — who may write each step, custody,
claimed versus recorded time, mass conserved through splits and merges, 新会陈皮's variety, area
and computed age (from the recorded first storage-in, broken outside the area, the youngest of
a blend, attested for stock older than the chain), labels within the certified grams, the cold
chain, pallets, scans and the counterfeit signal, recalls through every descendant with their
deadlines in working days, and the governed parameters. The folder through a node (API, SDK,
CLI, console) is ``test_scenario_trace_api.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from wuyi.contract.lib import calendar
from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.scenarios import get
from wuyi.testing.contracts import ContractHandle, ContractTester

SCENARIO = get("trace")
DAY = 86_400_000
YEAR = 365 * DAY
HASH = b"\x11" * 32


def ms(*args: int) -> int:
    """Milliseconds of a China Standard Time date/time."""
    cst = dt.timezone(dt.timedelta(hours=8))
    return int(dt.datetime(*args, tzinfo=cst).timestamp() * 1000)  # type: ignore[misc]


MEMBERS = {
    "inspector": ("scjgj", ["inspector"]),
    "regulator": ("scjgj", ["admin"]),
    "registrar": ("nyj", ["plot_registrar"]),
    "grower": ("wyhz", ["grower"]),
    "coop": ("wyhz", ["admin"]),
    "processor": ("cpgs", ["processor"]),
    "warehouse": ("cpgs", ["warehouse"]),
    "packer": ("cpgs", ["packer"]),
    "company": ("cpgs", ["admin"]),
    "carrier": ("wlgs", ["logistics"]),
    "retailer": ("wyyp", ["retailer"]),
    "shop": ("wyyp", ["admin"]),
    "other_packer": ("wyyp", ["packer"]),
    "scanner": ("sjj", ["scan_recorder"]),
}


class World:
    """A deployed contract with the demo's kind of organisations, products, plots and sites."""

    def __init__(self, start: int = ms(2026, 3, 2, 10)) -> None:
        self.t = ContractTester(time=start)
        for name, (org, roles) in MEMBERS.items():
            self.t.identity(name, org=org, roles=roles)
        self.c: ContractHandle = self.t.deploy(
            "product_trace", SCENARIO.source(), init_args=SCENARIO.init_args, sender="regulator"
        )
        c = self.c
        c.call("register_product", code="XHG", name="新会柑鲜果", sender="inspector")
        c.call("register_product", code="XHCP", name="新会陈皮", gi="chenpi", sender="inspector")
        c.call(
            "register_product",
            code="DRLG",
            name="杜阮凉瓜",
            gi="duruan",
            shelf_life_days=10,
            cold_chain=True,
            sender="inspector",
        )
        plots = [
            ("XH-SJ-001", "sanjiang", "chazhigan"),
            ("XH-DZ-002", "daze", "chazhigan"),
            ("XH-SJ-003", "sanjiang", "shatangju"),  # another citrus, in the area
            ("KP-001", "kaiping-x", "chazhigan"),  # outside the protected area
            ("DR-001", "duruan", "duruan-liangua"),
        ]
        for pid, town, variety in plots:
            c.call(
                "register_plot",
                plot_id=pid,
                org="wyhz",
                town=town,
                area=1250,
                variety=variety,
                sender="registrar",
            )
        for loc, kind, town, who in [
            ("CP-FAC", "factory", "huicheng", "company"),
            ("CP-WH", "warehouse", "huicheng", "company"),
            ("CP-WH-GZ", "warehouse", "guangzhou", "company"),
            ("CP-WH-NEW", "warehouse", "siqian", "company"),  # not verified
            ("YP-SHOP", "shop", "pengjiang", "shop"),
            ("HZ-YARD", "warehouse", "sanjiang", "coop"),
        ]:
            c.call("register_location", loc_id=loc, kind=kind, town=town, sender=who)
        for loc in ("CP-WH", "CP-WH-GZ"):
            c.call("verify_location", loc_id=loc, sender="inspector")

    @property
    def now(self) -> int:
        return self.t.time

    def call(self, method: str, who: str, **args: Any) -> Any:
        return self.c.call(method, sender=who, **args)

    def harvest(self, plot: str = "XH-SJ-001", qty: int = 1_000_000, product: str = "XHG") -> str:
        b = self.call(
            "harvest", "grower", plot_id=plot, product_code=product, qty_g=qty, event_time=self.now
        )
        return str(b["id"])

    def to_company(self, batch: str) -> None:
        self.call("ship", "grower", items=[batch], to_org="cpgs", carrier="", event_time=self.now)
        self.call("receive", "warehouse", items=[batch], location_id="CP-FAC", event_time=self.now)

    def peel(self, plot: str = "XH-SJ-001", grams: int = 60_000) -> str:
        """Fruit harvested, shipped to the company, peeled and dried into a peel batch."""
        fruit = self.harvest(plot)
        self.to_company(fruit)
        out = self.call(
            "transform",
            "processor",
            step="processing",
            inputs=[{"batch": fruit, "qty_g": 1_000_000}],
            outputs=[{"product": "XHCP", "qty_g": grams}],
            event_time=self.now,
            location_id="CP-FAC",
        )
        return str(out["outputs"][0])

    def store(self, batch: str, where: str = "CP-WH", claimed: int | None = None) -> dict:
        return dict(
            self.call(
                "store",
                "warehouse",
                batch_id=batch,
                location_id=where,
                event_time=self.now if claimed is None else claimed,
            )
        )

    def certify(self, batch: str, grams: int) -> dict:
        return dict(
            self.call(
                "inspect",
                "inspector",
                batch_id=batch,
                conformant=True,
                report_hash=HASH,
                event_time=self.now,
                certify_g=grams,
            )
        )

    def label(self, batch: str, count: int, package_g: int = 250, year: int = 3) -> dict:
        return dict(
            self.call(
                "issue_labels",
                "packer",
                batch_id=batch,
                count=count,
                package_g=package_g,
                label_year=year,
                event_time=self.now,
            )
        )

    def years(self, n: int, days: int = 1) -> None:
        self.t.advance(1, n * YEAR + days * DAY)


@pytest.fixture
def w() -> World:
    return World()


# -- who writes what ------------------------------------------------------------------------------


def test_each_step_is_written_only_by_its_roles(w: World) -> None:
    with pytest.raises(
        ContractRevert, match=r"role rule \(harvesting\): only a member with role grower"
    ):
        w.call(
            "harvest",
            "processor",
            plot_id="XH-SJ-001",
            product_code="XHG",
            qty_g=1,
            event_time=w.now,
        )
    fruit = w.harvest()
    w.to_company(fruit)
    with pytest.raises(ContractRevert, match=r"role rule \(processing\): .*processor"):
        w.call(
            "transform",
            "packer",
            step="processing",
            inputs=[{"batch": fruit, "qty_g": 10}],
            outputs=[{"product": "XHCP", "qty_g": 1}],
            event_time=w.now,
            location_id="CP-FAC",
        )
    with pytest.raises(
        ContractRevert, match=r"role rule \(storing\): only a member with role warehouse"
    ):
        w.call("store", "packer", batch_id=fruit, location_id="CP-WH", event_time=w.now)
    with pytest.raises(ContractRevert, match=r"role rule \(transporting\): .*logistics"):
        w.call(
            "transport", "warehouse", items=[fruit], sensors=[], event_time=w.now, read_point="X1"
        )
    with pytest.raises(ContractRevert, match=r"role rule \(labelling\): .*packer"):
        w.call("issue_labels", "warehouse", batch_id=fruit, count=1, package_g=1, label_year=0,
               event_time=w.now)  # fmt: skip
    with pytest.raises(
        ContractRevert, match=r"role rule \(inspect\): only an inspector of 'scjgj'"
    ):
        w.call(
            "inspect", "packer", batch_id=fruit, conformant=True, report_hash=HASH, event_time=w.now
        )
    with pytest.raises(
        ContractRevert, match=r"role rule \(register_plot\): only a plot_registrar of nyj"
    ):
        w.call(
            "register_plot", "grower", plot_id="P-9", org="wyhz", town="daze", area=1, variety="x1"
        )
    with pytest.raises(ContractRevert, match=r"role rule \(register_product\)"):
        w.call("register_product", "grower", code="ABC", name="x")
    with pytest.raises(Unauthorized):  # register_location is guarded by roles=["admin"]
        w.call("register_location", "grower", loc_id="HZ-2", kind="shop", town="daze")
    with pytest.raises(
        ContractRevert, match=r"role rule \(record_scans\): only a scan_recorder of sjj"
    ):
        w.call("record_scans", "inspector", anchor="a1", items=[])
    # nothing of a refused call stays: the fruit still has only its own events
    assert w.c.query("batch_info", batch_id=fruit)["events"] == 3


def test_custody_the_holder_acts_the_named_receiver_receives(w: World) -> None:
    fruit = w.harvest()
    with pytest.raises(
        ContractRevert, match=r"custody rule \(shipping\): XHG-000001 is held by 'wyhz', not 'cpgs'"
    ):
        w.call("ship", "warehouse", items=[fruit], to_org="cpgs", carrier="", event_time=w.now)
    with pytest.raises(
        ContractRevert, match="plot rule: plot 'XH-SJ-001' is held by 'wyhz', not 'cpgs'"
    ):
        w.t.identity("grower2", org="cpgs", roles=["grower"])
        w.call(
            "harvest", "grower2", plot_id="XH-SJ-001", product_code="XHG", qty_g=5, event_time=w.now
        )
    with pytest.raises(ContractRevert, match="plot rule: plot 'NOPE' is not registered"):
        w.call("harvest", "grower", plot_id="NOPE", product_code="XHG", qty_g=5, event_time=w.now)
    w.call("ship", "grower", items=[fruit], to_org="cpgs", carrier="wlgs", event_time=w.now)
    with pytest.raises(
        ContractRevert, match=r"custody rule \(receiving\): XHG-000001 was not shipped to 'wyyp'"
    ):
        w.call("receive", "retailer", items=[fruit], location_id="YP-SHOP", event_time=w.now)
    with pytest.raises(
        ContractRevert, match=r"where rule: 'YP-SHOP' is a site of 'wyyp', not 'cpgs'"
    ):
        w.call("receive", "warehouse", items=[fruit], location_id="YP-SHOP", event_time=w.now)
    with pytest.raises(
        ContractRevert,
        match=r"custody rule \(transporting\): XHG-000001 is carried by 'wlgs', not 'wyyp'",
    ):
        w.t.identity("carrier2", org="wyyp", roles=["logistics"])
        w.call(
            "transport", "carrier2", items=[fruit], sensors=[], event_time=w.now, read_point="T1"
        )
    w.call("transport", "carrier", items=[fruit], sensors=[], event_time=w.now, read_point="WL-T1")
    got = w.call("receive", "warehouse", items=[fruit], location_id="CP-FAC", event_time=w.now)
    b = w.c.query("batch_info", batch_id=fruit)
    assert got["batches"] == [fruit] and b["org"] == "cpgs" and b["status"] == "active"
    assert b["producer"] == "wyhz" and b["location"] == "CP-FAC"


def test_event_time_is_the_submitters_claim_recorded_time_is_the_block(w: World) -> None:
    claimed = w.now - 40 * DAY
    fruit = w.call(
        "harvest", "grower", plot_id="XH-SJ-001", product_code="XHG", qty_g=9, event_time=claimed
    )["id"]
    (ev,) = [v for k, v in w.t.state("product_trace").items() if k.startswith("ev/")]
    assert ev["event_time"] == claimed and ev["record_time"] == w.now and ev["tz"] == "+08:00"
    assert (ev["type"], ev["action"], ev["biz_step"]) == ("ObjectEvent", "ADD", "commissioning")
    assert ev["batches"] == [fruit] and ev["role"] == "grower" and ev["org"] == "wyhz"
    with pytest.raises(
        ContractRevert, match=r"when rule: event_time .* 10 minutes after the block"
    ):
        w.call("plant", "grower", plot_id="XH-SJ-001", event_time=w.now + 11 * 60_000)
    w.call("plant", "grower", plot_id="XH-SJ-001", event_time=w.now + 9 * 60_000)


# -- mass ---------------------------------------------------------------------------------------


def test_splits_and_merges_conserve_mass_processing_only_loses(w: World) -> None:
    fruit = w.harvest()
    w.to_company(fruit)

    def transform(step: str, inputs: list[tuple[str, int]], outputs: list[tuple[str, int]]) -> Any:
        return w.call(
            "transform",
            "processor",
            step=step,
            inputs=[{"batch": b, "qty_g": q} for b, q in inputs],
            outputs=[{"product": p, "qty_g": q} for p, q in outputs],
            event_time=w.now,
            location_id="CP-FAC",
        )

    with pytest.raises(
        ContractRevert, match=r"mass rule \(processing\): 1010000 g out of 1000000 g"
    ):
        transform("processing", [(fruit, 1_000_000)], [("XHCP", 1_010_000)])
    with pytest.raises(ContractRevert, match=r"mass rule \(split/merge\): 990000 g out of 1000000"):
        transform("repackaging", [(fruit, 1_000_000)], [("XHG", 500_000), ("XHG", 490_000)])
    with pytest.raises(ContractRevert, match="mass rule: a split or merge keeps one product"):
        transform("repackaging", [(fruit, 1_000)], [("XHCP", 1_000)])
    with pytest.raises(ContractRevert, match="mass rule: XHG-000001 has 1000000 g not labelled"):
        transform("repackaging", [(fruit, 1_000_001)], [("XHG", 1_000_001)])
    # a split within the weighing tolerance (0.5 %): two batches, the input consumed
    got = transform("repackaging", [(fruit, 1_000_000)], [("XHG", 600_000), ("XHG", 399_000)])
    a, b = got["outputs"]
    assert w.c.query("batch_info", batch_id=fruit)["status"] == "consumed"
    assert w.c.query("batch_info", batch_id=a)["parents"] == [fruit]
    # a merge of the two back: one batch with both as parents, origin kept
    merged = transform("repackaging", [(a, 600_000), (b, 399_000)], [("XHG", 999_000)])
    m = w.c.query("batch_info", batch_id=merged["outputs"][0])
    assert m["parents"] == [a, b] and m["origin"]["plots"] == ["XH-SJ-001"]
    with pytest.raises(
        ContractRevert,
        match=r"custody rule \(repackaging\)|batch rule \(repackaging\): XHG-000002 is consumed",
    ):
        transform("repackaging", [(a, 1)], [("XHG", 1)])
    assert w.c.query("lineage", batch_id=fruit)["descendants"] == [a, b, m["id"]]


# -- 新会陈皮: variety, area, computed age -----------------------------------------------------


def test_chenpi_age_counts_from_the_recorded_first_storage_in_not_the_claim(w: World) -> None:
    peel = w.peel()
    # the warehouse claims the peel went in five years ago: the age counts from the block
    stored = w.store(peel, claimed=w.now - 5 * YEAR)
    assert stored["ageing"]["start_time"] == w.now and stored["ageing"]["source"] == "chain"
    w.certify(peel, 50_000)
    with pytest.raises(
        ContractRevert,
        match=r"chenpi.age rule: 0 days since 2026-03-02 are 0 years; 新会陈皮 needs 3",
    ):
        w.label(peel, 10, year=3)
    w.years(2, 300)
    check = w.c.query("label_check", batch_id=peel, label_year=3)
    assert check["age"]["years"] == 2 and check["failed"]
    w.years(1)  # 3 years and 301 days
    assert w.c.query("label_check", batch_id=peel, label_year=3)["failed"] == []
    with pytest.raises(
        ContractRevert, match=r"chenpi\.age rule: label year 4 is not from 3 to the computed 3"
    ):
        w.label(peel, 10, year=4)
    rng = w.label(peel, 10, year=3)
    assert rng["age_days"] == 3 * 365 + 301 and rng["label_year"] == 3 and rng["gi"] == "chenpi"


def test_chenpi_variety_and_area_come_from_the_registered_plots(w: World) -> None:
    wrong_variety = w.peel("XH-SJ-003")
    outside = w.peel("KP-001")
    for b in (wrong_variety, outside):
        w.store(b)
    w.years(3, 5)
    for b in (wrong_variety, outside):
        w.certify(b, 10_000)
    with pytest.raises(
        ContractRevert,
        match=r"chenpi\.variety rule: 新会陈皮 needs chazhigan; XHCP-000002 is shatangju",
    ):
        w.label(wrong_variety, 4)
    with pytest.raises(
        ContractRevert, match=r"chenpi\.area rule: .*XHCP-000004 has kaiping-x outside it"
    ):
        w.label(outside, 4)
    # a blend with fruit from outside is outside too
    assert "kaiping-x" in w.c.query("batch_info", batch_id=outside)["origin"]["towns"]


def test_ageing_breaks_outside_the_area_and_a_blend_is_as_young_as_its_youngest(w: World) -> None:
    old = w.peel("XH-SJ-001")
    w.store(old)
    w.years(2)
    young = w.peel("XH-DZ-002")
    w.store(young)
    w.t.advance(1, 400 * DAY)
    blend = w.call(
        "transform",
        "warehouse",
        step="repackaging",
        inputs=[{"batch": old, "qty_g": 30_000}, {"batch": young, "qty_g": 30_000}],
        outputs=[{"product": "XHCP", "qty_g": 60_000}],
        event_time=w.now,
        location_id="CP-WH",
    )["outputs"][0]
    age = w.c.query("batch_info", batch_id=blend)["age"]
    assert (
        age["days"] == 400
        and age["since"] == w.c.query("batch_info", batch_id=young)["age"]["since"]
    )
    assert sorted(w.c.query("batch_info", batch_id=blend)["origin"]["towns"]) == [
        "daze",
        "sanjiang",
    ]
    # stored at an unverified site, then outside the area: broken, and stays broken
    unverified = w.store(w.peel(), where="CP-WH-NEW")
    assert unverified["ageing"] is None  # an unverified site does not start it
    moved = w.store(old, where="CP-WH-GZ")
    assert moved["ageing"]["broken"]["reason"] == "outside the protected area"
    w.store(old, where="CP-WH")
    w.years(3)
    w.certify(old, 1_000)
    with pytest.raises(
        ContractRevert,
        match=r"chenpi.age rule: ageing broken \(outside the protected area, at CP-WH-GZ\)",
    ):
        w.label(old, 1, year=3)


def test_stock_older_than_the_chain_ages_from_the_attested_record(w: World) -> None:
    args = dict(
        product_code="XHCP",
        qty_g=80_000,
        plot_id="XH-SJ-001",
        org="cpgs",
        location_id="CP-WH",
        since="2021-12-06",
        ref="XHCP-SYS:2021-000318",
    )
    with pytest.raises(
        ContractRevert, match=r"role rule \(import_stock\): only an inspector of 'scjgj'"
    ):
        w.call("import_stock", "warehouse", **args)
    with pytest.raises(
        ContractRevert, match="legacy rule: 'CP-WH-GZ' is no verified site in the protected area"
    ):
        w.call("import_stock", "inspector", **{**args, "location_id": "CP-WH-GZ"})
    with pytest.raises(
        ContractRevert, match=r"legacy rule: 2027-01-01 is after today \(2026-03-02\)"
    ):
        w.call("import_stock", "inspector", **{**args, "since": "2027-01-01"})
    b = w.call("import_stock", "inspector", **args)
    assert b["org"] == "cpgs" and b["producer"] == "cpgs" and b["ageing"]["source"] == "legacy"
    assert b["ageing"]["legacy"]["ref"] == args["ref"] and b["ageing"]["start_date"] == "2021-12-06"
    with pytest.raises(
        ContractRevert, match="legacy rule: record XHCP-SYS:2021-000318 is imported already"
    ):
        w.call("import_stock", "inspector", **args)
    w.certify(b["id"], 80_000)
    rng = w.label(b["id"], 100, year=4)
    assert rng["age_days"] == calendar.parse("2026-03-02") - calendar.parse("2021-12-06")


# -- labels -------------------------------------------------------------------------------------


def test_labels_within_the_certified_grams_codes_unique_and_kept(w: World) -> None:
    peel = w.peel()
    w.store(peel)
    w.years(3, 10)
    with pytest.raises(
        ContractRevert,
        match="label quota rule: 2500 g labelled would exceed the 0 g certified for batch",
    ):
        w.label(peel, 10)
    w.certify(peel, 5_000)
    first = w.label(peel, 12)  # 3,000 g
    second = w.label(peel, 8)  # 5,000 g: the certified quantity, exactly
    assert (first["first"], first["last"]) == ("XHCP-000002-00001", "XHCP-000002-00012")
    assert (second["first"], second["last"]) == ("XHCP-000002-00013", "XHCP-000002-00020")
    with pytest.raises(
        ContractRevert, match="label quota rule: 5250 g labelled would exceed the 5000 g certified"
    ):
        w.label(peel, 1)
    assert w.c.query("code", code="XHCP-000002-00013")["label"]["first"] == second["first"]
    with pytest.raises(ContractRevert, match="label rule: no label 'XHCP-000002-00021' was issued"):
        w.c.query("code", code="XHCP-000002-00021")
    with pytest.raises(ContractRevert, match="label rule: 'nonsense' is not a label code"):
        w.c.query("code", code="nonsense")
    # no shelf life stated: kept two years from labelling (《食品安全法》第五十条)
    assert first["retain_until"] == str(int(first["on"][:4]) + 2) + first["on"][4:]
    # labelled grams stay with the batch: only the rest may be split off
    with pytest.raises(ContractRevert, match="mass rule: XHCP-000002 has 55000 g not labelled"):
        w.call(
            "transform",
            "warehouse",
            step="repackaging",
            inputs=[{"batch": peel, "qty_g": 60_000}],
            outputs=[{"product": "XHCP", "qty_g": 60_000}],
            event_time=w.now,
            location_id="CP-WH",
        )
    with pytest.raises(
        ContractRevert,
        match="custody rule \\(labelling\\): XHCP-000002 is held by 'cpgs', not 'wyyp'",
    ):
        w.call("issue_labels", "other_packer", batch_id=peel, count=1, package_g=1, label_year=3,
               event_time=w.now)  # fmt: skip


def test_a_gi_without_ageing_needs_area_and_variety_and_no_label_year(w: World) -> None:
    melon = w.harvest("DR-001", 50_000, "DRLG")
    w.certify(melon, 50_000)
    w.t.identity("coop_packer", org="wyhz", roles=["packer"])
    with pytest.raises(ContractRevert, match="label rule: 杜阮凉瓜 has no label year"):
        w.call("issue_labels", "coop_packer", batch_id=melon, count=1, package_g=500, label_year=1,
               event_time=w.now)  # fmt: skip
    rng = w.call("issue_labels", "coop_packer", batch_id=melon, count=100, package_g=500,
                 label_year=0, event_time=w.now)  # fmt: skip
    # 10 days of shelf life + 6 months kept
    assert rng["retain_until"] == "2026-09-12" and rng["on"] == "2026-03-02"
    wrong = w.harvest("XH-SJ-001", 50_000, "DRLG")
    w.certify(wrong, 50_000)
    with pytest.raises(ContractRevert, match=r"duruan\.variety rule: .*duruan\.area rule"):
        w.call("issue_labels", "coop_packer", batch_id=wrong, count=1, package_g=500, label_year=0,
               event_time=w.now)  # fmt: skip


def test_a_non_conformant_inspection_holds_the_batch(w: World) -> None:
    melon = w.harvest("DR-001", 50_000, "DRLG")
    w.t.identity("coop_packer", org="wyhz", roles=["packer"])
    w.call(
        "inspect", "inspector", batch_id=melon, conformant=False, report_hash=HASH, event_time=w.now
    )
    with pytest.raises(
        ContractRevert, match="inspection rule: only a conformant inspection certifies"
    ):
        w.call("inspect", "inspector", batch_id=melon, conformant=False, report_hash=HASH,
               event_time=w.now, certify_g=1)  # fmt: skip
    with pytest.raises(ContractRevert, match=r"inspection rule: DRLG-000001 is on hold \(EV"):
        w.call("issue_labels", "coop_packer", batch_id=melon, count=1, package_g=500, label_year=0,
               event_time=w.now)  # fmt: skip
    with pytest.raises(ContractRevert, match="inspection rule: DRLG-000001 is on hold"):
        w.call("ship", "grower", items=[melon], to_org="wyyp", carrier="", event_time=w.now)
    with pytest.raises(
        ContractRevert, match="certification rule: 50001 g certified exceeds the 50000 g"
    ):
        w.certify(melon, 50_001)
    got = w.certify(melon, 50_000)
    assert got["batch"]["hold"] is None and got["certificate"] == "JMSC-000001"
    cert = w.t.get_state("product_trace", "cert/JMSC-000001")
    assert cert["holders"] == ["did:wuyi:org:wyhz"] and cert["fields"]["qty_g"] == 50_000


# -- transport: the cold chain and pallets -----------------------------------------------------


def test_cold_chain_readings_required_and_an_excursion_flagged(w: World) -> None:
    melon = w.harvest("DR-001", 50_000, "DRLG")
    w.call("ship", "grower", items=[melon], to_org="wyyp", carrier="wlgs", event_time=w.now)
    with pytest.raises(
        ContractRevert, match="cold chain rule: DRLG-000001 travels cold; record its temperature"
    ):
        hum = [{"type": "humidity", "value": 900, "time": w.now}]
        w.call("transport", "carrier", items=[melon], sensors=hum,
               event_time=w.now, read_point="WL-T1")  # fmt: skip
    with pytest.raises(ContractRevert, match="how rule: a sensor is one of temperature, humidity"):
        light = [{"type": "light", "value": 1, "time": w.now}]
        w.call("transport", "carrier", items=[melon], sensors=light,
               event_time=w.now, read_point="WL-T1")  # fmt: skip
    readings = [{"type": "temperature", "value": v, "time": w.now} for v in (62, 118, 75)]
    w.call(
        "transport",
        "carrier",
        items=[melon],
        sensors=readings,
        event_time=w.now,
        read_point="WL-T1",
    )
    (flag,) = w.c.query("batch_info", batch_id=melon)["flags"]
    assert (flag["kind"], flag["max"], flag["limit"]) == ("cold_chain", 118, 100)


def test_a_pallet_moves_its_batches_as_one(w: World) -> None:
    a, b = w.peel(), w.peel()
    w.store(a)
    w.store(b)
    w.call("pack", "packer", pallet_id="SSCC-0001", batches=[a, b], event_time=w.now)
    with pytest.raises(
        ContractRevert, match=r"aggregation rule: XHCP-000002 is on pallet SSCC-0001"
    ):
        w.call("ship", "warehouse", items=[a], to_org="wyyp", carrier="", event_time=w.now)
    with pytest.raises(
        ContractRevert, match=r"aggregation rule \(labelling\): XHCP-000002 is on pallet"
    ):
        w.label(a, 1)
    got = w.call(
        "ship", "warehouse", items=["SSCC-0001"], to_org="wyyp", carrier="", event_time=w.now
    )
    assert got["batches"] == [a, b]
    w.call("receive", "retailer", items=["SSCC-0001"], location_id="YP-SHOP", event_time=w.now)
    assert {w.c.query("batch_info", batch_id=x)["org"] for x in (a, b)} == {"wyyp"}
    # received outside the protected area: the peel's ageing is broken there
    assert w.c.query("batch_info", batch_id=a)["age"]["broken"]["location"] == "YP-SHOP"
    pal = w.call("unpack", "retailer", pallet_id="SSCC-0001", event_time=w.now)
    assert pal["status"] == "unpacked" and w.c.query("batch_info", batch_id=a)["pallet"] is None


# -- scans and the counterfeit signal ----------------------------------------------------------


def labelled(w: World) -> str:
    melon = w.harvest("DR-001", 50_000, "DRLG")
    w.certify(melon, 50_000)
    w.t.identity("coop_packer", org="wyhz", roles=["packer"])
    w.call("issue_labels", "coop_packer", batch_id=melon, count=10, package_g=500, label_year=0,
           event_time=w.now)  # fmt: skip
    return melon


def test_scans_anchored_once_and_a_copied_code_signals(w: World) -> None:
    melon = labelled(w)
    code = melon + "-00001"
    item = {"code": code, "city": "4407", "count": 2}
    got = w.call("record_scans", "scanner", anchor="node0/1", items=[item])
    assert got == {"anchor": "node0/1", "scans": 2, "signals": []}
    with pytest.raises(ContractRevert, match="scan rule: anchor node0/1 is recorded already"):
        w.call("record_scans", "scanner", anchor="node0/1", items=[item])
    with pytest.raises(ContractRevert, match="scan rule: city is a 4-digit city code"):
        w.call("record_scans", "scanner", anchor="node0/2", items=[{**item, "city": "Jiangmen"}])
    with pytest.raises(ContractRevert, match="label rule: no label 'DRLG-000001-00011' was issued"):
        w.call(
            "record_scans", "scanner", anchor="node0/2", items=[{**item, "code": melon + "-00011"}]
        )
    # unknown places do not count as cities; a third city does (more than scan_max_cities = 2)
    items = [{**item, "city": "0000", "count": 5}, {**item, "city": "4401"}]
    assert w.call("record_scans", "scanner", anchor="node0/3", items=items)["signals"] == []
    got = w.call("record_scans", "scanner", anchor="node0/4", items=[{**item, "city": "3301"}])
    assert got["signals"] == [code]
    scan = w.t.get_state("product_trace", "scan/" + code)
    assert scan["count"] == 11 and scan["signal"]["reasons"] == ["cities"]
    assert scan["cities"] == {"4407": 2, "0000": 5, "4401": 2, "3301": 2}
    # another code: too many scans in one city
    other = {"code": melon + "-00002", "city": "4407", "count": 21}
    assert w.call("record_scans", "scanner", anchor="node0/5", items=[other])["signals"] == [
        other["code"]
    ]
    with pytest.raises(ContractRevert, match="scan rule: 1-200 items per anchor"):
        w.call("record_scans", "scanner", anchor="node0/6", items=[item] * 201)


# -- recalls -----------------------------------------------------------------------------------


def test_a_recall_reaches_every_descendant_and_stops_them(w: World) -> None:
    fruit = w.harvest()
    w.to_company(fruit)
    split = w.call(
        "transform",
        "processor",
        step="repackaging",
        inputs=[{"batch": fruit, "qty_g": 1_000_000}],
        outputs=[{"product": "XHG", "qty_g": 500_000}, {"product": "XHG", "qty_g": 500_000}],
        event_time=w.now,
        location_id="CP-FAC",
    )["outputs"]
    peel = w.call(
        "transform",
        "processor",
        step="processing",
        inputs=[{"batch": split[0], "qty_g": 500_000}],
        outputs=[{"product": "XHCP", "qty_g": 30_000}],
        event_time=w.now,
        location_id="CP-FAC",
    )["outputs"][0]
    unrelated = w.harvest("XH-DZ-002")
    with pytest.raises(
        ContractRevert, match="role rule \\(recall\\): only an admin of the producer 'wyhz'"
    ):
        w.call("order_recall", "company", batch_id=fruit, level=1, reason="JMSJ-2026-0042")
    r = w.call("order_recall", "inspector", batch_id=fruit, level=1, reason="JMSJ-2026-0042")
    assert r["reached"] == [fruit, *split, peel] and r["kind"] == "ordered"
    # the consumed ones hold nothing: the holders of the others report their recovery
    assert r["batches"] == [split[1], peel] and unrelated not in r["reached"]
    assert all(w.c.query("batch_info", batch_id=x)["recall"] == r["id"] for x in r["reached"])
    with pytest.raises(
        ContractRevert, match=r"recall rule \(processing\): XHG-000003 is under recall RC00001"
    ):
        w.call(
            "transform",
            "processor",
            step="processing",
            inputs=[{"batch": split[1], "qty_g": 1}],
            outputs=[{"product": "XHCP", "qty_g": 1}],
            event_time=w.now,
            location_id="CP-FAC",
        )
    with pytest.raises(ContractRevert, match="recall rule: XHG-000001 is under recall RC00001"):
        w.call("order_recall", "inspector", batch_id=fruit, level=1, reason="again")
    # the holder may still move a recalled batch back and report it recovered
    w.store(peel)
    assert w.c.query("batch_info", batch_id=peel)["recall"] == r["id"]


def test_recall_deadlines_start_in_hours_finish_in_working_days(w: World) -> None:
    # ordered on the Friday before National Day 2026 (2026-09-25 is a holiday, 09-26 and 09-27
    # too; 10-01 to 10-07 off; 09-20 and 10-10 worked)
    w.t.time = ms(2026, 9, 24, 16)
    fruit = w.harvest()
    r = w.call("order_recall", "coop", batch_id=fruit, level=2, reason="self-check-07")
    assert r["kind"] == "voluntary" and r["start_due"] == w.now + 48 * 3_600_000
    assert w.c.query("recall", recall_id=r["id"])["overdue"] == []
    w.t.advance(1, 49 * 3_600_000)
    assert w.c.query("recall", recall_id=r["id"])["overdue"] == ["start"]
    flagged = w.call("flag_overdue", "retailer", recall_id=r["id"])
    assert flagged["alerts"] == ["start"]
    with pytest.raises(
        ContractRevert, match="recall rule: nothing of recall RC00001 is overdue and unflagged now"
    ):
        w.call("flag_overdue", "retailer", recall_id=r["id"])
    with pytest.raises(
        ContractRevert,
        match="role rule \\(recall\\): only an admin of the producer 'wyhz' starts it",
    ):
        w.call("start_recall", "company", recall_id=r["id"], notice_hash=HASH)
    started = w.call("start_recall", "coop", recall_id=r["id"], notice_hash=HASH)
    assert started["started"]["late"] is True and started["started"]["date"] == "2026-09-26"
    # 20 working days from 2026-09-26 (a Saturday of the National Day break)
    due = calendar.add_working_days("2026-09-26", 20, calendar.CN_HOLIDAYS)
    assert started["finish_due"] == due == "2026-10-29"
    with pytest.raises(ContractRevert, match="recall rule: not reported yet: XHG-000001"):
        w.call("complete_recall", "coop", recall_id=r["id"])
    w.call("report_recovered", "grower", recall_id=r["id"], batch_id=fruit, qty_g=900_000,
           event_time=w.now)  # fmt: skip
    w.t.time = ms(2026, 11, 2, 10)  # two working days late
    assert w.c.query("recall", recall_id=r["id"])["overdue"] == ["finish"]
    done = w.call("complete_recall", "coop", recall_id=r["id"])
    assert done["status"] == "completed" and done["completed"]["late_days"] == 2


# -- governed parameters -----------------------------------------------------------------------


def test_parameters_are_set_by_the_regulators_admins_from_the_next_block(w: World) -> None:
    with pytest.raises(Unauthorized):
        w.call("set_param", "inspector", name="chenpi_min_age_years", value=5, reason="x")
    w.t.identity("other_admin", org="wyhz", roles=["admin"])
    with pytest.raises(
        ContractRevert, match="param rule: only admins of 'scjgj' change trace rules"
    ):
        w.call("set_param", "other_admin", name="chenpi_min_age_years", value=5, reason="x")
    rec = w.call(
        "set_param",
        "regulator",
        name="chenpi_towns",
        value=["huicheng", "kaiping-x"],
        reason="演示",
    )
    assert rec["effective_height"] == w.t.height + 1 and "银湖湾" in rec["basis"]
    peel = w.peel("KP-001")
    w.store(peel)  # same block: kaiping-x is not in the area yet, huicheng is
    w.years(3, 3)
    w.certify(peel, 1000)
    assert w.label(peel, 1, year=3)["gi"] == "chenpi"  # kaiping-x is inside from the next block
    history = w.c.query("param_history", name="chenpi_towns")
    assert [h["reason"] for h in history] == ["initial value", "演示"]
    assert (
        "[weak" in history[0]["basis"]
        and "[mem" in w.c.query("param", name="scan_max_count")["record"]["basis"]
    )
