"""健康医疗's ``make bench`` workload (``medical``: a 医保 settlement, the ``medical`` contract's
``settle`` by a hospital) runs on a real chain as the benchmark runs it: deployed through
governance with its init arguments, the setup (the sender's roles), then pre-signed
transactions that must all commit ``ok``, each a bill with its two trace codes settled once —
and the same box settled again is refused."""

from __future__ import annotations

from pathlib import Path

from benchmarks.workloads import SETUPS, WORKLOADS, deploy, medical_args, presign, tx_for
from wuyi.crypto import address_of, load_key
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import inprocess_node

ORGS = (OrgSpec("sjj", "江门市政务服务数据管理局", True),)


def test_medical_workload_settles_one_bill_per_transaction(tmp_path: Path) -> None:
    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["medical"]]) == ["medical"]
        # without the setup (the hospital role) the workload's transactions are refused
        kind, payload = tx_for("medical", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok" and "hospital" in str(refused.receipt.error)
        for kind, payload in SETUPS["medical"](address_of(c.suite, admin.public_key)):
            assert c.submit_and_wait(c.builder(admin).build(kind, payload)).receipt.status == "ok"
        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "medical", 0, 40, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 40
        c.read_as(admin, "核对压测结果")  # a personal contract: signed reads
        d = c.query("medical", "dashboard", {})
        assert d["settlements"] == 40 and d["fund_fen"] == 40 * 7_000
        assert d["stages"]["review"] == 0  # no rule fired: every bill is a new patient's
        gas = [r.receipt.gas_used for r in committed]
        assert max(gas) < 1_000_000  # within the default call gas
        # the same boxes again: refused by the trace-code rule
        again = medical_args(c.suite, 3) | {"invoice": c.suite.hash(b"another invoice")}
        body = {"contract": "medical", "method": "settle", "args": again, "gas_limit": 900_000}
        res = c.submit_and_wait(c.builder(admin).build("contract.call", body))
        assert res.receipt.status != "ok" and "追溯码重复结算" in str(res.receipt.error)
