"""养老服务's ``make bench`` workload (``compliance``: a compliance record by the competent
department, the ``eldercare`` contract's ``record_compliance``, which recomputes the
institution's score and grade) runs on a real chain as the benchmark runs it: deployed through
governance with its init arguments, the setup (roles, the institution), then pre-signed
transactions that must all commit ``ok``."""

from __future__ import annotations

from pathlib import Path

from benchmarks.run import SCENARIO_WORKLOADS
from benchmarks.workloads import (
    COMPLIANCE_INSTITUTION,
    SETUPS,
    WORKLOADS,
    compliance_setup_payloads,
    deploy,
    presign,
    tx_for,
)
from wuyi.crypto import address_of, get_suite, load_key
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import inprocess_node

ORGS = (OrgSpec("sjj", "江门市政务服务数据管理局", True),)


def test_compliance_workload_records_and_grades(tmp_path: Path) -> None:
    assert "compliance" in SCENARIO_WORKLOADS and SETUPS["compliance"] is compliance_setup_payloads
    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["compliance"]]) == ["eldercare"]
        # without the setup the workload's transactions are refused
        kind, payload = tx_for("compliance", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok"
        for kind, payload in compliance_setup_payloads(
            address_of(get_suite("intl"), admin.public_key)
        ):
            assert c.submit_and_wait(c.builder(admin).build(kind, payload)).receipt.status == "ok"
        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "compliance", 0, 36, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 36
        c.read_as(admin, "核对压测结果")  # a personal contract's views are signed reads
        inst = c.query("eldercare", "institution", {"org": COMPLIANCE_INSTITUTION})
        c.read_as(None)
        assert inst["records"] == 36 and inst["score"]["grade"] == 5
        gas = [r.receipt.gas_used for r in committed]
        assert max(gas) < 1_000_000  # within the default call gas
