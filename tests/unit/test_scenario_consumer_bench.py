"""消费维权's ``make bench`` workload (``consumption``: a consumption confirmed, the
``consumer`` contract's ``check_in`` by the consumer) runs on a real chain as the benchmark
runs it: deployed through governance with its init arguments, the setup (roles, DIDs, the
merchant, a prepaid stored-value card), then pre-signed transactions that must all commit
``ok`` and each release one fen from custody to the merchant."""

from __future__ import annotations

from pathlib import Path

from benchmarks.workloads import (
    CONSUMPTION_CONTRACT,
    WORKLOADS,
    consumption_setup,
    deploy,
    presign,
    registry_setup_payloads,
    tx_for,
)
from wuyi.crypto import address_of, get_suite, load_key
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import inprocess_node

ORGS = (OrgSpec("sjj", "江门市政务服务数据管理局", True),)


def test_consumption_workload_confirms_one_unit_per_transaction(tmp_path: Path) -> None:
    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["consumption"], WORKLOADS["registry"]]) == [
            "consumer",
            "realestate",
        ]
        # without the setup the workload's transactions are refused
        kind, payload = tx_for("consumption", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok"
        assert "no prepaid contract 'YF000001'" in str(refused.receipt.error)
        # the registry's role first (as make bench does): the consumption setup keeps it
        for kind, payload in registry_setup_payloads(
            address_of(get_suite("intl"), admin.public_key)
        ):
            assert c.submit_and_wait(c.builder(admin).build(kind, payload)).receipt.status == "ok"
        assert consumption_setup(c, admin) == CONSUMPTION_CONTRACT
        me = c.member(address_of(c.suite, admin.public_key))
        assert {"registrar", "regulator", "custody"} <= set(me.roles)

        signed = presign(
            "intl", c.status().chain_id, admin.to_bytes(), "consumption", 0, 40, 10**10
        )
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 40
        c.read_as(admin, "基准核对 / bench check")  # consumer's state is personal
        pc = c.query("consumer", "contract", {"contract_id": CONSUMPTION_CONTRACT})
        assert (pc["used"], pc["released"], pc["status"]) == (40, 40, "active")
        assert len(c.query("consumer", "consumptions", {"contract_id": CONSUMPTION_CONTRACT})) == 40
        gas = [r.receipt.gas_used for r in committed]
        assert max(gas) < 1_000_000  # within the default call gas
