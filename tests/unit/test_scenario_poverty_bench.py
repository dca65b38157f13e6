"""精准扶贫's ``make bench`` workload (``relief``: a household registered, the ``poverty``
contract's ``register_household`` by the village committee) runs on a real chain as the
benchmark runs it: deployed through governance with its init arguments, the setup (the
``village`` role), then pre-signed transactions that must all commit ``ok``, each a new
household of the village."""

from __future__ import annotations

from pathlib import Path

from benchmarks.workloads import SETUPS, WORKLOADS, deploy, presign, tx_for
from wuyi.crypto import address_of, load_key
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import inprocess_node

ORGS = (OrgSpec("sjj", "江门市政务服务数据管理局", True),)


def test_relief_workload_registers_one_household_per_transaction(tmp_path: Path) -> None:
    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["relief"]]) == ["poverty"]
        # without the setup the workload's transactions are refused (no village role)
        kind, payload = tx_for("relief", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok"
        assert "village" in str(refused.receipt.error)
        for kind, payload in SETUPS["relief"](address_of(c.suite, admin.public_key)):
            assert c.submit_and_wait(c.builder(admin).build(kind, payload)).receipt.status == "ok"
        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "relief", 0, 40, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 40
        c.read_as(admin, "核对压测结果")  # a personal contract: signed reads
        first = c.query("poverty", "household", {"household": "HH000001"})
        assert first["village"] == "sjj" and first["status"] == "registered"
        assert c.query("poverty", "overview")["households"]["registered"] == 40
        gas = [r.receipt.gas_used for r in committed]
        assert max(gas) < 1_000_000  # within the default call gas
