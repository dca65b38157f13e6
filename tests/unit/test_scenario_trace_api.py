"""产品追溯 through a node: the demo's flows loaded through the API on an in-process chain (the
organisations of the demo, the contract deployed by governance), then every rule of
``wuyi/scenarios/trace/contract.py`` through the SDK — each refusal a ``contract_revert`` whose
message names the rule, changing nothing — the public reads (``/v1/trace/...``: a label's story,
the EPCIS 2.0 document, recalls, signals, the dashboard), the anonymous scans off chain with
their bounds, the CLI, the console pages, and a scan of the chain and of every public answer for
the personal values of the cooperative's roster. The rules in depth are in the sandbox test
``test_scenario_trace.py``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wuyi.abc import PrivateKey
from wuyi.crypto import load_key
from wuyi.demo_scenarios import DemoLoader
from wuyi.exceptions import ContractRevert
from wuyi.ledger.handlers.contracts import state_prefix
from wuyi.node.home import OrgSpec
from wuyi.scenarios import get
from wuyi.scenarios.trace import demo
from wuyi.scenarios.trace.sdk import ProductTrace
from wuyi.testing.inprocess import InProcessNode, inprocess_node

SCENARIO = get("trace")
PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("scjgj", "江门市市场监督管理局"),
    OrgSpec("nyj", "江门市农业农村局"),
    OrgSpec("wyhz", "江门五邑农产品专业合作联社"),
    OrgSpec("cpgs", "新会陈皮有限公司"),
    OrgSpec("wlgs", "五邑冷链物流有限公司"),
    OrgSpec("wyyp", "五邑优品超市"),
)
HOUR = 3_600_000


class Chain:
    """The in-process node with the trace demo loaded; member keys by ``(org, role)``."""

    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        c = env.client
        self.admins = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        pkg = {
            "name": SCENARIO.contract,
            "version": "1.0.0",
            "source": SCENARIO.source(),
            "manifest": {},
        }
        voters = [k for org, k in self.admins.items() if org != "sjj"]
        body = {"package": pkg, "init_args": SCENARIO.init_args}
        c.govern(self.admins["sjj"], voters, "contract.deploy", body, title="deploy 产品追溯")
        self.loader = DemoLoader(c, self.admins, [tmp / "keys", tmp / "wallets", tmp / "docs"], PW)
        for org, role in demo.MEMBERS:
            k = c.suite.generate_private_key()
            tx = c.builder(self.admins[org]).member_add(org, k.public_key, [role], role)
            assert c.submit_and_wait(tx).receipt.status == "ok"
            self.loader.members[f"{org}-{role}"] = k
        self.loader.run(demo.flows(self.loader))
        self.made: dict[str, Any] = self.loader.made["trace"]
        self.t = ProductTrace(c)

    def key(self, org: str, role: str | None = None) -> PrivateKey:
        return self.admins[org] if role is None else self.loader.member(org, role)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    tmp = tmp_path_factory.mktemp("trace")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW) as env:
        yield Chain(env, tmp)


def now(minus_hours: int = 0) -> int:
    return int(time.time() * 1000) - minus_hours * HOUR


def contract_state(chain: Chain) -> dict[bytes, bytes]:
    """Every key and value of the contract's state, from the node's store."""
    with chain.env.node.store.snapshot() as v:
        return dict(v.iter_prefix(state_prefix(SCENARIO.contract)))


def refused(chain: Chain, rule: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> str:
    """``fn(*args, **kw)`` is refused by the contract with a message naming ``rule``, and the
    contract's state is as it was; the message."""
    before, height = contract_state(chain), chain.env.node.height
    with pytest.raises(ContractRevert) as info:
        fn(*args, **kw)
    assert info.value.code == "contract_revert"
    assert rule in info.value.message, info.value.message
    assert chain.env.node.height > height  # committed as a failed transaction...
    assert contract_state(chain) == before  # ...that changed nothing
    return info.value.message


def key_of(chain: Chain, who: tuple[str, str] | str) -> PrivateKey:
    return chain.key(who) if isinstance(who, str) else chain.key(*who)


def test_the_demo_flows_are_loaded_through_the_api(chain: Chain) -> None:
    made, t = chain.made, chain.t
    assert set(made) >= {"ready", "labelled", "ageing", "recall", "rice", "signal"}
    assert {p["code"] for p in t.products()} == {"XHG", "XHCP", "DRLG", "TSDG", "TSDM"}
    assert {p["id"] for p in t.plots()} == {p[0] for p in demo.PLOTS}
    verified = {x["id"] for x in t.locations() if x["verified"]}
    assert verified == {"CP-XH-WH1", "CP-XH-WH2"}
    areas = t.areas()
    assert "sanjiang" in areas["chenpi"]["towns"] and areas["chenpi"]["min_age_years"] == 3
    assert "《" in areas["chenpi"]["basis"]  # the parameter names its legal source
    # the rice's pallet went as one: the batch is at the shop, no longer on a pallet
    rice = t.batch(made["rice"]["batch"])
    assert rice["org"] == "wyyp" and rice["location"] == "YP-PJ-SHOP"
    steps = [e["step"] for e in rice["events"]]
    assert steps[:1] == ["processing"] and "packing" in steps and steps[-1] == "receiving"


def test_each_step_is_written_only_by_its_role(chain: Chain) -> None:
    t, grower = chain.t, demo.GROWER
    lot = t.harvest(chain.key(*grower), "XH-SJ-0101", "XHG", 10_000, event_time=now(1))
    assert lot["org"] == "wyhz" and lot["status"] == "active"
    for who, fn, args in (
        (demo.PROCESSOR, t.harvest, ("XH-SJ-0101", "XHG", 10_000)),
        (grower, t.store, (lot["id"], "CP-XH-WH1")),
        (grower, t.transform, ("processing", [(lot["id"], 10_000)], [("XHCP", 500)], "HZ-DR-PACK")),
        (demo.CARRIER, t.issue_labels, (lot["id"], 1, 100)),
        (grower, t.sell, (lot["id"], 1)),
        (demo.PACKER, t.transport, ([lot["id"]], [], "WL-CC-07")),
    ):
        msg = refused(chain, "role rule", fn, key_of(chain, who), *args)
        assert "only a member with role" in msg
    # the regulator's inspectors, the 农业农村局's registrars, the scan recorders
    refused(chain, "role rule (inspect", t.inspect, chain.key(*grower), lot["id"],
            conformant=True, report_hash=b"\1" * 32)  # fmt: skip
    refused(chain, "role rule", t.register_product, chain.key("cpgs"), "FAKE", "假冒陈皮")
    refused(chain, "role rule (register_plot)", t.register_plot, chain.key(*grower),
            "XH-SJ-9999", "wyhz", "sanjiang", 100, "chazhigan")  # fmt: skip
    refused(chain, "role rule (record_scans)", t.record_scans, chain.key(*demo.RETAILER),
            "scan:x:1", [{"code": chain.made["signal"], "city": "4401", "count": 99}])  # fmt: skip
    refused(chain, "role rule", t.order_recall, chain.key(*demo.WAREHOUSE), lot["id"], 1, "RC-X")
    refused(chain, "role rule", t.verify_location, chain.key("cpgs"), "CP-XH-FAC1")


def test_custody_plots_and_sites_are_the_holders(chain: Chain) -> None:
    t = chain.t
    # a plot registered to another organisation cannot be harvested by the cooperative
    t.register_plot(chain.key(*demo.REGISTRAR), "XH-SJ-0999", "cpgs", "sanjiang", 50, "chazhigan")
    refused(chain, "plot rule: plot 'XH-SJ-0999' is held by 'cpgs'", t.harvest,
            chain.key(*demo.GROWER), "XH-SJ-0999", "XHG", 1_000)  # fmt: skip
    refused(chain, "plot rule: plot 'NOPE' is not registered", t.harvest,
            chain.key(*demo.GROWER), "NOPE", "XHG", 1_000)  # fmt: skip
    refused(chain, "product rule: no product 'ZZZ'", t.harvest,
            chain.key(*demo.GROWER), "XH-SJ-0101", "ZZZ", 1_000)  # fmt: skip
    lot = t.harvest(chain.key(*demo.GROWER), "XH-SJ-0101", "XHG", 20_000, event_time=now(1))
    # the company may not take out or process what the cooperative holds
    refused(chain, "custody rule (processing)", t.transform, chain.key(*demo.PROCESSOR),
            "processing", [(lot["id"], 20_000)], [("XHCP", 1_000)], "CP-XH-FAC1")  # fmt: skip
    # only the organisation a shipment names receives it
    t.ship(chain.key(*demo.GROWER), [lot["id"]], to_org="cpgs", carrier="wlgs", event_time=now())
    refused(chain, "custody rule (receiving)", t.receive, chain.key(*demo.RETAILER), [lot["id"]],
            "YP-PJ-SHOP")  # fmt: skip
    refused(chain, "in transit", t.ship, chain.key(*demo.GROWER), [lot["id"]], to_org="wyyp")
    t.receive(chain.key(*demo.WAREHOUSE), [lot["id"]], "CP-XH-FAC1", event_time=now())
    assert t.batch(lot["id"])["org"] == "cpgs"
    # ...and uses only its own sites
    refused(chain, "where rule", t.store, chain.key(*demo.WAREHOUSE), lot["id"], "YP-PJ-SHOP")


def test_event_time_is_a_claim_bounded_by_the_block_time(chain: Chain) -> None:
    t = chain.t
    refused(chain, "when rule", t.plant, chain.key(*demo.GROWER), "XH-SJ-0101",
            event_time=now() + 2 * HOUR)  # fmt: skip
    refused(chain, "when rule", t.plant, chain.key(*demo.GROWER), "XH-SJ-0101", event_time=1)
    ev = t.plant(chain.key(*demo.GROWER), "XH-SJ-0101", event_time=now(30 * 24))
    got = t.event(ev["id"])
    assert got["event_time"] == ev["event_time"] and got["record_time"] > got["event_time"]


def test_splits_and_merges_conserve_mass(chain: Chain) -> None:
    t, k = chain.t, chain.key(*demo.COOP_PACKER)
    lot = t.harvest(chain.key(*demo.GROWER), "DR-0015", "DRLG", 40_000, event_time=now(1))
    refused(chain, "mass rule", t.transform, k, "repackaging", [(lot["id"], 40_000)],
            [("DRLG", 25_000), ("DRLG", 25_000)], "HZ-DR-PACK")  # fmt: skip
    refused(chain, "mass rule: a split or merge keeps one product", t.transform, k, "repackaging",
            [(lot["id"], 40_000)], [("DRLG", 20_000), ("XHG", 20_000)], "HZ-DR-PACK")  # fmt: skip
    refused(chain, "mass rule", t.transform, k, "repackaging", [(lot["id"], 50_000)],
            [("DRLG", 50_000)], "HZ-DR-PACK")  # fmt: skip
    refused(chain, "mass rule (processing)", t.transform, chain.key(*demo.MILL), "processing",
            [(lot["id"], 40_000)], [("DRLG", 41_000)], "HZ-TS-MILL")  # fmt: skip
    split = t.transform(k, "repackaging", [(lot["id"], 40_000)],
                        [("DRLG", 10_000), ("DRLG", 30_000)], "HZ-DR-PACK")  # fmt: skip
    a, b = split["outputs"]
    assert t.batch(lot["id"])["status"] == "consumed"
    merged = t.transform(k, "repackaging", [(a, 10_000), (b, 30_000)], [("DRLG", 40_000)],
                         "HZ-DR-PACK")  # fmt: skip
    (m,) = merged["outputs"]
    assert t.batch(m)["qty_g"] == 40_000
    assert set(t.batch(m)["lineage"]["ancestors"]) >= {a, b, lot["id"]}


def test_chenpi_needs_variety_area_and_three_years_computed_on_chain(chain: Chain) -> None:
    t, made = chain.t, chain.made
    # this year's peel in the verified warehouse: its age is computed from the first storage-in
    young = made["ageing"]["batch"]
    check = t.label_check(young, 3)
    assert check["age"]["source"] == "chain" and check["age"]["years"] == 0
    k = chain.key(*demo.INSPECTOR)
    t.inspect(k, young, conformant=True, report_hash=b"\2" * 32, certify_g=10_000)
    refused(chain, "chenpi.age rule", t.issue_labels, chain.key(*demo.PACKER), young, 1, 250, 3)
    # fruit of a grove outside the protected area (开平), and of another citrus in the area
    t.register_plot(chain.key(*demo.REGISTRAR), "XH-SJ-0555", "wyhz", "sanjiang", 80, "shatangju")
    for plot, rule in (("KP-CS-0033", "chenpi.area rule"), ("XH-SJ-0555", "chenpi.variety rule")):
        fruit = t.harvest(chain.key(*demo.GROWER), plot, "XHG", 100_000, event_time=now(2))
        t.ship(chain.key(*demo.GROWER), [fruit["id"]], to_org="cpgs", event_time=now(1))
        t.receive(chain.key(*demo.WAREHOUSE), [fruit["id"]], "CP-XH-FAC1", event_time=now())
        peel = t.transform(chain.key(*demo.PROCESSOR), "processing", [(fruit["id"], 100_000)],
                           [("XHCP", 5_000)], "CP-XH-FAC1")["outputs"][0]  # fmt: skip
        t.store(chain.key(*demo.WAREHOUSE), peel, "CP-XH-WH2")
        t.inspect(k, peel, conformant=True, report_hash=b"\3" * 32, certify_g=5_000)
        refused(chain, rule, t.issue_labels, chain.key(*demo.PACKER), peel, 1, 250, 3)
    # the imported stock ages from the attested record (2021-12-06) and was labelled so
    old = t.batch(made["labelled"]["batch"])
    assert old["age"]["source"] == "legacy" and old["age"]["since"] == "2021-12-06"
    assert made["labelled"]["label_year"] == old["age"]["years"] >= 3
    # a label may not state more years than computed
    assert any("label year 9" in f for f in t.label_check(old["id"], 9)["failed"])


def test_stock_older_than_the_chain_is_imported_once_by_an_inspector(chain: Chain) -> None:
    t, k = chain.t, chain.key(*demo.INSPECTOR)
    ref, since, grams = demo.LEGACY
    where = {"plot_id": "XH-SJ-0101", "org": "cpgs", "location_id": "CP-XH-WH1"}
    refused(chain, "legacy rule: record", t.import_stock, k, "XHCP", grams, since=since, ref=ref,
            **where)  # fmt: skip
    refused(chain, "legacy rule", t.import_stock, k, "XHCP", grams, since="2099-01-01",
            ref="XHCP-SYS:2099-1", **where)  # fmt: skip
    refused(chain, "legacy rule", t.import_stock, k, "XHCP", grams, since="2020-01-01",
            ref="XHCP-SYS:2020-7", **{**where, "location_id": "CP-XH-FAC1"})  # fmt: skip
    refused(chain, "role rule", t.import_stock, chain.key(*demo.WAREHOUSE), "XHCP", grams,
            since="2020-01-01", ref="XHCP-SYS:2020-8", **where)  # fmt: skip


def test_labels_within_the_certified_grams_and_sales_within_the_labels(chain: Chain) -> None:
    t, made = chain.t, chain.made
    rice = t.batch(made["rice"]["batch"])
    assert rice["labels"]["grams"] == rice["certified_g"] == 500_000
    packer, mill = chain.key(*demo.COOP_PACKER), chain.key(*demo.MILL)
    paddy = t.harvest(chain.key(*demo.GROWER), "TS-DJ-0412", "TSDG", 30_000, event_time=now(1))
    lot = t.transform(mill, "processing", [(paddy["id"], 30_000)], [("TSDM", 20_000)],
                      "HZ-TS-MILL")["outputs"][0]  # fmt: skip
    # never inspected: nothing certified, nothing labelled
    refused(chain, "label quota rule", t.issue_labels, packer, lot, 1, 1000)
    t.inspect(chain.key(*demo.INSPECTOR), lot, conformant=True, report_hash=b"\7" * 32,
              certify_g=10_000)  # fmt: skip
    refused(chain, "label rule", t.issue_labels, packer, lot, 1, 5000, 2)  # no year on rice
    first = t.issue_labels(packer, lot, 2, 5000)
    assert first["first"] == f"{lot}-00001" and first["last"] == f"{lot}-00002"
    refused(chain, "label quota rule", t.issue_labels, packer, lot, 1, 5000)
    # the shop received the rice on its pallet: it unpacks it (an AggregationEvent) to sell
    shop = chain.key(*demo.RETAILER)
    refused(chain, "aggregation rule (retail_selling)", t.sell, shop, rice["id"], 1)
    t.unpack(shop, made["rice"]["pallet"])
    refused(chain, "sale rule", t.sell, chain.key(*demo.RETAILER), rice["id"], 101)
    sold = t.sell(chain.key(*demo.RETAILER), rice["id"], 100)
    assert sold["sold"] == 100 and sold["labels"]["count"] == 100
    assert t.batch(rice["id"])["events"][-1]["step"] == "retail_selling"
    refused(chain, "sale rule: 0 labelled", t.sell, chain.key(*demo.RETAILER), rice["id"], 1)


def test_a_non_conformant_inspection_holds_the_batch(chain: Chain) -> None:
    t, k = chain.t, chain.key(*demo.INSPECTOR)
    lot = t.harvest(chain.key(*demo.GROWER), "TS-DJ-0412", "TSDG", 30_000, event_time=now(1))
    refused(chain, "inspection rule: only a conformant inspection certifies", t.inspect, k,
            lot["id"], conformant=False, report_hash=b"\4" * 32, certify_g=1)  # fmt: skip
    t.inspect(k, lot["id"], conformant=False, report_hash=b"\4" * 32)
    assert t.batch(lot["id"])["hold"] is not None
    refused(chain, "inspection rule", t.ship, chain.key(*demo.GROWER), [lot["id"]], to_org="cpgs")
    refused(chain, "inspection rule", t.transform, chain.key(*demo.MILL), "processing",
            [(lot["id"], 30_000)], [("TSDM", 20_000)], "HZ-TS-MILL")  # fmt: skip


def test_the_cold_chain_needs_temperatures_and_flags_an_excursion(chain: Chain) -> None:
    t, made = chain.t, chain.made
    melon = t.batch(made["recall"]["waiting"][0])
    # one reading above the limit on the way
    assert [f["kind"] for f in melon["flags"]] == ["cold_chain"]
    lot = t.harvest(chain.key(*demo.GROWER), "DR-0015", "DRLG", 5_000, event_time=now(1))
    t.ship(chain.key(*demo.GROWER), [lot["id"]], to_org="wyyp", carrier="wlgs", event_time=now())
    carrier = chain.key(*demo.CARRIER)
    refused(chain, "cold chain rule", t.transport, carrier, [lot["id"]], [], "WL-CC-07")
    refused(chain, "how rule", t.transport, carrier, [lot["id"]],
            [{"type": "smell", "value": 1, "time": now()}], "WL-CC-07")  # fmt: skip
    t.transport(carrier, [lot["id"]], demo.temperatures(40, 50), "WL-CC-07")
    assert t.batch(lot["id"])["flags"] == []


def test_a_pallet_moves_its_batches_as_one(chain: Chain) -> None:
    t, k = chain.t, chain.key(*demo.COOP_PACKER)
    mill = chain.key(*demo.MILL)
    paddy = t.harvest(chain.key(*demo.GROWER), "TS-DJ-0412", "TSDG", 20_000, event_time=now(1))
    rice = t.transform(mill, "processing", [(paddy["id"], 20_000)], [("TSDM", 14_000)],
                       "HZ-TS-MILL")["outputs"][0]  # fmt: skip
    t.pack(k, "SSCC-069440700099", [rice])
    refused(chain, "aggregation rule", t.pack, k, "SSCC-069440700098", [rice])
    refused(chain, "is on pallet SSCC-069440700099", t.ship, chain.key(*demo.GROWER), [rice],
            to_org="wyyp")  # fmt: skip
    t.unpack(k, "SSCC-069440700099")
    assert t.batch(rice)["pallet"] is None


def test_a_recall_reaches_every_descendant_with_its_deadlines(chain: Chain) -> None:
    t, made = chain.t, chain.made
    rc = t.recall(made["recall"]["id"])
    assert rc["status"] == "started" and rc["level"] == 2
    # the harvest, split in two: the recall reaches both halves (the harvest, consumed into
    # them, has nothing left to recover)
    assert rc["reached"] == made["recall"]["reached"] and len(rc["reached"]) == 3
    assert set(rc["batches"]) == set(rc["reached"][1:])
    assert rc["finish_due"] == made["recall"]["finish_due"]
    waiting = made["recall"]["waiting"][0]
    # a recalled batch may not be sold, labelled or processed further
    refused(chain, "recall rule (retail_selling)", t.sell, chain.key(*demo.RETAILER), waiting, 1)
    refused(chain, "recall rule", t.order_recall, chain.key(*demo.INSPECTOR), rc["batch"], 1,
            "JMSJ-X-1")  # fmt: skip
    refused(chain, "recall rule: level", t.order_recall, chain.key(*demo.INSPECTOR),
            made["rice"]["batch"], 4, "JMSJ-X-2")  # fmt: skip
    refused(chain, "id rule: reason", t.order_recall, chain.key(*demo.INSPECTOR),
            made["rice"]["batch"], 1, "有人投诉")  # fmt: skip
    refused(chain, "recall rule: not reported yet", t.complete_recall, chain.key("wyhz"), rc["id"])
    refused(chain, "recall rule: recall RC00001 is started", t.start_recall, chain.key("wyhz"),
            rc["id"], b"\5" * 32)  # fmt: skip
    refused(chain, "recall rule", t.report_recovered, chain.key(*demo.RETAILER), rc["id"],
            made["rice"]["batch"], 1)  # fmt: skip
    refused(chain, "recall rule: nothing of recall", t.flag_overdue, chain.key("wyyp"), rc["id"])
    # the public page of one of its labels says so
    story = t.code(made["recall"]["code"])
    assert story["recall"]["id"] == rc["id"] and story["recall"]["status"] == "started"
    # a new recall: only an admin of the producer starts it; then the shop reports, completes
    lot = t.harvest(chain.key(*demo.GROWER), "DR-0015", "DRLG", 6_000, event_time=now(1))
    r2 = t.order_recall(chain.key(*demo.INSPECTOR), lot["id"], 3, "JMSJ-2026-DRLG-2000")
    assert r2["start_due"] > 0 and r2["status"] == "ordered"
    refused(chain, "role rule (recall)", t.start_recall, chain.key("cpgs"), r2["id"], b"\6" * 32)
    t.start_recall(chain.key("wyhz"), r2["id"], b"\6" * 32)
    t.report_recovered(chain.key(*demo.GROWER), r2["id"], lot["id"], 6_000)
    refused(chain, "recall rule", t.report_recovered, chain.key(*demo.GROWER), r2["id"], lot["id"],
            6_000)  # fmt: skip
    done = t.complete_recall(chain.key("wyhz"), r2["id"])
    assert done["status"] == "completed"


def test_parameters_are_the_regulators_and_name_their_basis(chain: Chain) -> None:
    t = chain.t
    refused(chain, "param rule", t.call, chain.key("wyhz"), "set_param",
            name="scan_max_count", value=1, reason="x")  # fmt: skip
    rec = t.call(chain.key("scjgj"), "set_param", name="scan_max_count", value=60,
                 reason="演示：调整扫码阈值")  # fmt: skip
    assert rec["effective_height"] > 0 and rec["previous"] != 60
    names = {p["name"] for p in t.params()}
    assert {"chenpi_min_age_years", "mass_tolerance_bp", "recall_finish_days"} <= names
    assert all(p["latest"]["basis"] for p in t.params())


def test_scans_are_counted_off_chain_anchored_once_and_signal_copies(chain: Chain) -> None:
    t, made = chain.t, chain.made
    copied = made["signal"]
    (sig,) = [s for s in t.signals() if s["code"] == copied]
    assert sig["signal"] and sig["count"] >= 15 and len(sig["cities"]) >= 4
    assert t.code(copied)["scans"]["signal"]
    code = made["labelled"]["codes"][10]
    assert t.scan(code, "4407")["counted"] is True
    assert t.scan(code, "4407")["counted"] is False  # the same device again: not counted
    pending = t.pending_scans()["batches"]
    (b,) = [x for x in pending if any(i["code"] == code for i in x["items"])]
    rec = chain.key(*demo.RECORDER)
    t.record_scans(rec, b["anchor"], b["items"])
    assert t.code(code)["scans"]["count"] == 1
    refused(chain, "scan rule: anchor", t.record_scans, rec, b["anchor"], b["items"])
    refused(chain, "scan rule: city", t.record_scans, rec, "scan:t:9",
            [{"code": code, "city": "Guangzhou", "count": 1}])  # fmt: skip
    http = chain.env.new_client()._http
    assert http.post("/v1/trace/scans", json={"code": "XHCP-999999-00001"}).status_code == 404
    assert http.post("/v1/trace/scans", json={"code": code, "city": "gz"}).status_code == 422
    # past the bound of one client a minute: 429 rate_limited, nothing counted
    codes = [f"{made['labelled']['batch']}-{n:05d}" for n in range(20, 80)]
    statuses = [http.post("/v1/trace/scans", json={"code": c}).status_code for c in codes]
    assert statuses.count(429) > 0 and set(statuses) == {200, 429}
    r = http.post("/v1/trace/scans", json={"code": codes[-1]})
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"


def test_public_reads_the_story_of_a_label_and_the_epcis_document(chain: Chain) -> None:
    t, made = chain.t, chain.made
    code = made["labelled"]["first"]
    s = t.code(code)
    assert s["product"]["code"] == "XHCP" and s["area"]["min_age_years"] == 3
    assert s["batch"]["age"]["source"] == "legacy" and s["batch"]["age"]["years"] >= 3
    assert [p["id"] for p in s["plots"]] == ["XH-SJ-0101"] and s["plots"][0]["town"] == "sanjiang"
    (cert,) = s["certificates"]
    assert cert["status"] == "active" and cert["fields"]["qty_g"] == 60_000
    assert s["recall"] is None
    steps = [e["step"] for e in s["events"]]
    assert steps[0] == "importing" and "inspecting" in steps and "labelling" in steps
    assert {loc["id"] for loc in s["locations"]} >= {"CP-XH-WH1", "YP-PJ-SHOP"}
    doc = t.epcis(made["rice"]["batch"])
    assert doc["type"] == "EPCISDocument" and doc["schemaVersion"].startswith("2")
    kinds = {e["type"] for e in doc["epcisBody"]["eventList"]}
    assert {"ObjectEvent", "TransformationEvent", "AggregationEvent"} <= kinds
    http = chain.env.new_client()._http
    for path in ("/v1/trace/codes/XHCP-000001-99999", "/v1/trace/batches/NOPE-000001",
                 "/v1/trace/recalls/RC99999", "/v1/trace/events/EV9999999"):  # fmt: skip
        r = http.get(path)
        assert r.status_code == 404, (path, r.text)
    dash = t.dashboard()
    assert dash["signals"] >= 1 and dash["labels"] >= 600 and dash["recalls"]["started"] == 1


def test_cli_and_console_pages(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from typer.testing import CliRunner

    from wuyi.cli import app as cli_app

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: chain.env.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    code = chain.made["labelled"]["first"]
    out = CliRunner().invoke(cli_app, ["trace", "code", code])
    assert out.exit_code == 0 and "2021-12-06" in out.output, out.output
    out = CliRunner().invoke(cli_app, ["trace", "recalls"])
    assert out.exit_code == 0 and chain.made["recall"]["id"] in out.output, out.output
    c = chain.env.client
    index = c._get("/console/scenarios/index.json")
    assert "trace" in [x["name"] for x in index]
    for f in ("page.js", "i18n.js"):
        assert c._request("GET", f"/console/scenarios/trace/{f}").status_code == 200


def test_no_personal_value_of_the_roster_on_chain_or_in_a_public_answer(chain: Chain) -> None:
    """The cooperative's roster (growers' names, ID numbers, phones) stays with it: nowhere in
    a block, receipt, state key or value, or any public answer of the node."""
    needles = {v.encode() for v in demo.PERSONAL}
    roster = (chain.tmp / "docs" / "wyhz-growers.txt").read_bytes()
    assert needles and all(n in roster for n in needles)  # the scan looks for what exists
    store, node = chain.env.node.store, chain.env.node
    for h in range(1, node.height + 1):
        blob = store.get_block(h).to_bytes() + b"".join(r.to_bytes() for r in store.get_receipts(h))
        assert not [n for n in needles if n in blob], f"block {h}"
    with store.snapshot() as v:
        for k, value in v.iter_prefix(b""):
            assert not [n for n in needles if n in k or n in value], k
    http = chain.env.new_client()._http
    out: list[bytes] = []

    def get(path: str) -> Any:
        r = http.get(path)
        assert r.status_code == 200, (path, r.text[:200])
        out.append(r.content)
        return r.json()

    for h in range(0, node.height + 1):
        for tx in get(f"/v1/blocks/{h}?txs=true")["tx_hashes"]:
            get(f"/v1/txs/{tx}")
        get(f"/v1/blocks/{h}/receipts")
    for path in ("products", "plots", "locations", "areas", "signals", "recalls", "dashboard"):
        get(f"/v1/trace/{path}")
    for b in get("/v1/trace/batches?limit=200")["items"]:
        get(f"/v1/trace/batches/{b['id']}")
        get(f"/v1/trace/batches/{b['id']}/epcis")
        for rng in get(f"/v1/trace/batches/{b['id']}")["label_ranges"]:
            get(f"/v1/trace/codes/{rng['first']}")
    answers = b"".join(out)
    assert b"XHCP-000001-00001" in answers and len(answers) > 100_000
    assert not [n for n in needles if n in answers]
