"""12345 热线's ``make bench`` workload (``ticket``: a call taken and accepted, the
``hotline`` contract's ``receive`` by the centre's operator) runs on a real chain as the
benchmark runs it: deployed through governance with its init arguments, the setup (the
operator's role), then pre-signed transactions that must all commit ``ok``, each a new ticket
with its deadline, and nothing personal in them (hashes only)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.run import SCENARIO_WORKLOADS
from benchmarks.workloads import SETUPS, WORKLOADS, deploy, presign, tx_for
from wuyi.crypto import address_of, get_suite, load_key
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import inprocess_node

ORGS = (OrgSpec("sjj", "江门市政务服务数据管理局", True),)


def test_ticket_workload_takes_one_call_per_transaction(tmp_path: Path) -> None:
    assert "ticket" in SCENARIO_WORKLOADS
    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["ticket"]]) == ["hotline"]
        # without the setup the workload's transactions are refused (no operator role)
        kind, payload = tx_for("ticket", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok"
        for kind, payload in SETUPS["ticket"](address_of(get_suite("intl"), admin.public_key)):
            assert c.submit_and_wait(c.builder(admin).build(kind, payload)).receipt.status == "ok"
        assert "operator" in c.member(address_of(c.suite, admin.public_key)).roles
        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "ticket", 0, 40, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 40
        c.read_as(admin, "核对压测结果")  # a personal contract: signed reads
        stats = c.query("hotline", "statistics", {})
        assert stats["total"] == 40 and stats["status"]["accepted"] == 40
        assert stats["category"] == {"consult": 8, "help": 8, "suggest": 8, "complaint": 8,
                                     "report": 8}  # fmt: skip
        t = c.query("hotline", "ticket", {"ticket_id": "RX000040"})
        assert t["status"] == "accepted" and t["due"] and t["caller"] is None
        gas = [r.receipt.gas_used for r in committed]
        assert max(gas) < 1_000_000  # within the default call gas
