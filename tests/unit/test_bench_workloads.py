"""The scenario workloads of ``make bench`` (``registry``: 不动产登记 unit registration;
``receivable``: 金融服务 receivable registration) run on
a real chain as the benchmark runs it: deployed through governance with its init arguments,
the sender given the registrar role, then pre-signed transactions that must all commit ``ok``
— a benchmark whose transactions fail would measure refusals, not registrations."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.workloads import (
    BENCH_ROLES,
    WORKLOADS,
    deploy,
    epcis_setup_steps,
    presign,
    receivable_due_date,
    receivable_setup_payloads,
    registry_setup_payloads,
    registry_unit_id,
    tx_for,
)
from wuyi.crypto import address_of, format_address, get_suite, load_key
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import inprocess_node

ORGS = (OrgSpec("sjj", "江门市政务服务数据管理局", True),)


def test_registry_unit_ids_are_valid_and_distinct() -> None:
    ids = [registry_unit_id(i) for i in range(0, 200_000, 7)]
    assert len(set(ids)) == len(ids)
    for u in ids[:50]:
        assert len(u) == 15 and u[6] == "-" and u[10] == "-"
        assert (u[:6] + u[7:10] + u[11:]).isdigit()
    assert registry_unit_id(5 * 10**7 - 1) != registry_unit_id(0)
    with pytest.raises(ValueError, match="out of range"):
        registry_unit_id(5 * 10**7)


def test_registry_workload_commits_a_new_unit_per_transaction(tmp_path: Path) -> None:
    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["registry"]]) == ["realestate"]
        # without the role the workload's transactions are refused: the setup is what makes
        # them succeed
        kind, payload = tx_for("registry", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok"
        assert "registrar" in str(refused.receipt.error)
        for kind, payload in registry_setup_payloads(
            address_of(get_suite("intl"), admin.public_key)
        ):
            assert c.submit_and_wait(c.builder(admin).build(kind, payload)).receipt.status == "ok"

        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "registry", 0, 40, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 40
        c.read_as(admin, "基准核对 / bench check")  # the registry's state is personal
        for i in (0, 17, 39):
            u = c.query("realestate", "unit", {"unit_id": registry_unit_id(i)})
            assert u["registered_by"] == "sjj" and u["use"] == "residential"
            assert c.query("realestate", "history", {"unit_id": registry_unit_id(i)})[0]["op"] == (
                "register_unit"
            )


def test_donation_workload_commits_a_donation_with_its_receipt_per_transaction(
    tmp_path: Path,
) -> None:
    """慈善捐赠's workload: after its setup (roles, the charity, its qualification, an open
    plan), every pre-signed donation commits ``ok`` with its own receipt number."""
    from benchmarks.workloads import DONATION_PROJECT, donation_setup_payloads

    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["donation"]]) == ["charity"]
        # without the setup the donations are refused: there is no project to give to
        kind, payload = tx_for("donation", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok"
        for kind, payload in donation_setup_payloads(
            address_of(get_suite("intl"), admin.public_key)
        ):
            assert c.submit_and_wait(c.builder(admin).build(kind, payload)).receipt.status == "ok"

        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "donation", 0, 40, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 40
        p = c.query("charity", "project", {"project_id": DONATION_PROJECT})
        t = p["totals"]
        assert t["donations"] == t["issued"] == 40 and p["status"] == "open"
        expected = sum(tx_for("donation", c.suite, i)[1]["args"]["amount"] for i in range(40))
        assert t["in"] == expected
        got = c.query("charity", "donation", {"donation_id": f"{DONATION_PROJECT}-D00000017"})
        assert got["receipt"]["no"] == "BENCH-0000000016"


def test_receivable_workload_registers_a_new_receivable_per_transaction(tmp_path: Path) -> None:
    """金融服务's workload: the sender made a member enterprise's treasurer, then every
    pre-signed ``register_receivable`` commits ``ok`` (a new invoice each time)."""
    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["receivable"]]) == ["finance"]
        kind, payload = tx_for("receivable", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok"
        assert "signed by the enterprise" in str(refused.receipt.error)
        address = address_of(get_suite("intl"), admin.public_key)
        # both scenario setups give the one bench sender every role it needs
        for kind, payload in registry_setup_payloads(address) + receivable_setup_payloads(address):
            assert c.submit_and_wait(c.builder(admin).build(kind, payload)).receipt.status == "ok"
        assert sorted(c.member(format_address(address)).roles) == sorted(BENCH_ROLES)
        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "receivable", 0, 40, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 40
        c.read_as(admin, "基准核对 / bench check")  # finance's state is personal
        rv = c.query("finance", "receivable", {"receivable_id": "RV00000040"})
        assert rv["creditor"] == "did:wuyi:org:sjj" and rv["due_date"] == receivable_due_date()
        assert c.query("finance", "stats")["receivables"] == 40


def test_epcis_workload_commits_a_new_batch_and_event_per_transaction(tmp_path: Path) -> None:
    """产品追溯's bench workload: a harvest ObjectEvent per transaction, each a new batch."""
    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["epcis"]]) == ["product_trace"]
        kind, payload = tx_for("epcis", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok"  # no grower role, no plot: the setup is needed
        for step in epcis_setup_steps(address_of(get_suite("intl"), admin.public_key)):
            for kind, payload in step:
                r = c.submit_and_wait(c.builder(admin).build(kind, payload))
                assert r.receipt.status == "ok", r.receipt.error
        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "epcis", 0, 30, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 30
        batches = c._get("/v1/trace/batches", limit=100)["items"]
        assert len(batches) == 30 and {b["origin"]["plots"][0] for b in batches} == {"XH-SJ-0001"}
        events = c._get("/v1/trace/dashboard")["steps"]
        assert events == {"harvesting": 30}


def test_rural_workload_registers_an_asset_per_transaction(tmp_path: Path) -> None:
    """``rural`` (农村产权交易): refused before its setup (the registrar role, the collective),
    then every pre-signed transaction registers a new 四荒地 of the collective, ``ok``."""
    from benchmarks.workloads import RURAL_COLLECTIVE, rural_setup_payloads

    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["rural"]]) == ["rural"]
        kind, payload = tx_for("rural", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok" and "registrar" in str(refused.receipt.error)
        for kind, payload in rural_setup_payloads(address_of(get_suite("intl"), admin.public_key)):
            res = c.submit_and_wait(c.builder(admin).build(kind, payload))
            assert res.receipt.status == "ok", res.receipt.error
        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "rural", 0, 30, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 30
        c.read_as(admin, "基准核对 / bench check")  # rural's state is personal
        for i in (0, 29):
            a = c.query("rural", "asset", {"asset_id": f"440705-BB-{i:09d}"})
            assert a["collective"] == RURAL_COLLECTIVE and a["use"] == "orchard"
