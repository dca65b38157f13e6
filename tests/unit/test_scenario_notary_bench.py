"""公证's workload of ``make bench`` (``preserve``: electronic evidence preservation) runs on a
real chain as the benchmark runs it: the ``notary`` contract deployed through governance with
the bench organisation as an evidence platform, the sender given the custodian role and a
compliance statement registered, then pre-signed transactions that must all commit ``ok`` — a
benchmark whose transactions fail would measure refusals, not preservations."""

from __future__ import annotations

from pathlib import Path

from benchmarks.workloads import (
    WORKLOADS,
    deploy,
    preserve_doc_hash,
    preserve_setup_payloads,
    presign,
    tx_for,
)
from wuyi.crypto import address_of, get_suite, load_key
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import inprocess_node

ORGS = (OrgSpec("sjj", "江门市政务服务数据管理局", True),)


def test_preserve_workload_commits_a_new_evidence_record_per_transaction(tmp_path: Path) -> None:
    assert len({preserve_doc_hash(i) for i in range(10_000)}) == 10_000
    with inprocess_node(tmp_path / "n", ORGS, suite="intl", passphrase="pw") as env:
        c = env.client
        admin = load_key(env.keys_dir / "sjj-admin.key", "pw")
        assert deploy(c, admin, [WORKLOADS["preserve"]]) == ["notary"]
        # without the setup the workload's transactions are refused: it is what makes them pass
        kind, payload = tx_for("preserve", c.suite, 10**6)
        refused = c.submit_and_wait(c.builder(admin).build(kind, payload))
        assert refused.receipt.status != "ok"
        assert "custodian or notary" in str(refused.receipt.error)
        for kind, payload in preserve_setup_payloads(
            address_of(get_suite("intl"), admin.public_key)
        ):
            assert c.submit_and_wait(c.builder(admin).build(kind, payload)).receipt.status == "ok"
        signed = presign("intl", c.status().chain_id, admin.to_bytes(), "preserve", 0, 40, 10**10)
        committed = [c.submit_and_wait(bytes.fromhex(raw)) for raw, _h in signed]
        assert [r.receipt.status for r in committed] == ["ok"] * 40
        n = c.scenario("notary")
        p = "测试 / test"  # evidence is a signed read: the platform reads what it holds
        held = {e["doc_hash"]: e for e in n.evidence_list(key=admin, purpose=p)}
        assert len(held) == 40
        for i in (0, 17, 39):
            ev = held[preserve_doc_hash(i).hex()]
            assert ev["platform"] == "sjj" and ev["method"] == "file" and ev["steps"] == 1
            assert ev["captured_at"] == ev["preserved_at"]
            assert n.evidence(ev["id"], key=admin, purpose=p)["custody"][0]["step"] == "preserved"
