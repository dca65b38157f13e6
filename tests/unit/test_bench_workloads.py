"""The scenario workload of ``make bench`` (``registry``: 不动产登记 unit registration) runs on
a real chain as the benchmark runs it: deployed through governance with its init arguments,
the sender given the registrar role, then pre-signed transactions that must all commit ``ok``
— a benchmark whose transactions fail would measure refusals, not registrations."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.workloads import (
    WORKLOADS,
    deploy,
    presign,
    registry_setup_payloads,
    registry_unit_id,
    tx_for,
)
from wuyi.crypto import address_of, get_suite, load_key
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
        for i in (0, 17, 39):
            u = c.query("realestate", "unit", {"unit_id": registry_unit_id(i)})
            assert u["registered_by"] == "sjj" and u["use"] == "residential"
            assert c.query("realestate", "history", {"unit_id": registry_unit_id(i)})[0]["op"] == (
                "register_unit"
            )
