"""消费维权's demo (``make run``): flows done and flows waiting at each step, loading again
changes nothing, and the consumers' personal values — names and phone numbers in the written
contracts and the complaints, what they wrote — are nowhere on the demo chain (blocks,
receipts with their events, state) nor in a public API answer, which names merchants only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE, load_demo_data
from wuyi.exceptions import SignedReadRequired
from wuyi.scenarios.consumer.demo import COMPLAINTS, CONTRACTS, PERSONAL
from wuyi.scenarios.consumer.sdk import ConsumerProtection
from wuyi.testing.inprocess import InProcessNode


@pytest.fixture(scope="module")
def demo(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, dict, Path]]:
    """The demo chain (a fresh copy of the session's for this module)."""
    tmp = tmp_path_factory.mktemp("consumer-demo")
    with demo_copy(demo_chain, tmp) as (env, made):
        yield env, made, tmp


def test_the_demo_has_flows_done_and_waiting(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    sec = made["scenarios"]["consumer"]
    reg = load_key(env.keys_dir / "scjgj-regulator.key", DEMO_PASSPHRASE)
    # the contracts and complaints are personal records: 市场监管局's regulator reads, signed
    s = ConsumerProtection(env.new_client().read_as(reg, "投诉处理 / complaint handling"))
    status = {"refunded": "cancelled"}
    for p in CONTRACTS:
        c = s.contract(sec["contracts"][p.key]["id"])
        assert c["status"] == status.get(p.stage, p.stage), p.key
        # the chain keeps the hash of the written contract the parties keep (in the docs)
        text = Path(sec["contracts"][p.key]["terms_file"]).read_bytes()
        assert bytes.fromhex(c["terms"]) == env.client.suite.hash(text)
    piano = s.contract(sec["contracts"]["piano"]["id"])
    waiting = [u for u in piano["consumptions"] if u["status"] == "requested"]
    assert len(waiting) == 1 and piano["used"] == 6  # a lesson waits for her confirmation
    salon2 = s.contract(sec["contracts"]["salon2"]["id"])
    assert salon2["refund"] is None and salon2["cancel"]["amount"] == 200_000  # bank to refund
    statuses = {"received": "received", "mediation": "accepted", "first_pay": "agreed"}
    for key, _contract, _cat, stage, _text in COMPLAINTS:
        k = s.complaint(sec["complaints"][key]["id"])
        assert k["status"] == statuses.get(stage, stage), key
    paid = s.complaint(sec["complaints"]["salon"]["id"])["first_pay"]
    assert paid["paid"] is not None and paid["amount"] == 20_000
    credits = {c["name"]: c for c in s.credits()}
    gym = credits["悦动健身会所"]
    assert gym["red"] == ["bank_mismatch", "bank_shortfall"] and gym["rating"] == "warning"
    (alert,) = s.alerts("open")
    assert alert["id"] == sec["alert"]["id"] and alert["ack"] is None  # for the regulator
    assert credits["丽人美容美发店"]["status"] == "closing"
    assert credits["启航艺术培训中心"]["rating"] == "watch"  # a complaint in mediation
    assert credits["五邑好味餐厅"]["rating"] == "good"
    assert credits["启航艺术培训中心"]["recon_ledger"]["status"] == "green"
    height = env.client.status().height
    again = load_demo_data(env.client, env.keys_dir, tmp / "docs")
    assert env.client.status().height == height
    assert again["scenarios"]["consumer"]["contracts"] == sec["contracts"]
    assert again["scenarios"]["consumer"]["complaints"] == sec["complaints"]


def _public(env: InProcessNode, merchants: list[str]) -> list[Any]:
    c = env.client
    out: list[Any] = [
        c._get("/v1/consumer/merchants", limit=500),
        c._get("/v1/consumer/dashboard"),
        c._get("/v1/consumer/alerts", limit=500),
        c._get("/v1/scenarios/consumer/params"),
    ]
    for did in merchants:
        out += [
            c._get(f"/v1/consumer/merchants/{did}"),
            c._get(f"/v1/consumer/merchants/{did}/reconciliations", limit=500),
            c._get(f"/v1/consumer/merchants/{did}/ledger", limit=500),
        ]
    return out


def test_no_personal_value_on_the_demo_chain(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    sec = made["scenarios"]["consumer"]
    needles = {p.encode() for p in PERSONAL}
    # every file the parties keep (the contracts, the complaints): not one of its lines
    files = sorted((tmp / "docs").glob("*.txt"))
    kept = [f for f in files if f.name.startswith(("prepaid-", "complaint-"))]
    assert len(kept) == len(CONTRACTS) + len(COMPLAINTS)
    for f in kept:
        needles |= {line.encode() for line in f.read_text("utf-8").splitlines()[1:] if line}
    # the scan would see them: they are in the files
    text = "".join(f.read_text("utf-8") for f in kept)
    assert all(p in text for p in PERSONAL) and len(PERSONAL) >= 12
    store, node = env.node.store, env.node
    for h in range(1, node.height + 1):
        blob = store.get_block(h).to_bytes()
        assert not [n for n in needles if n in blob], f"block {h}"
        for rc in store.get_receipts(h):
            assert not [n for n in needles if n in rc.to_bytes()], f"receipt in block {h}"
    with store.snapshot() as v:
        for key, value in v.iter_prefix(b""):
            assert not [n for n in needles if n in value or n in key], key
    # the public answers: merchants only, no consumer's DID, no personal value
    merchants = [m["did"] for m in sec["merchants"].values()]
    public = repr(_public(env, merchants))
    consumers = {c["consumer"] for c in sec["contracts"].values()}
    assert len(consumers) == 6
    assert not [d for d in consumers if d in public]
    assert not [p for p in PERSONAL if p in public]
    assert all(m in public for m in merchants) and "启航艺术培训中心" in public
    # the records that name consumers are not public: an unsigned read is refused
    c = env.client
    cid, kid = sec["contracts"]["piano"]["id"], sec["complaints"]["salon"]["id"]
    for path in (
        "/v1/consumer/contracts",
        f"/v1/consumer/contracts/{cid}",
        "/v1/consumer/complaints",
        f"/v1/consumer/complaints/{kid}",
    ):
        with pytest.raises(SignedReadRequired):
            c._get(path)


def test_a_demo_module_imported_first_is_gathered_whole() -> None:
    """Regression: ``from wuyi.demo_scenarios import returned`` in a scenario's demo module,
    the first to be imported, made Python ask the module for ``__path__``; its lazy
    ``__getattr__`` then gathered every demo's citizens while that module was half imported,
    and cached the list without them (the demo then had no wallet for its people)."""
    import subprocess
    import sys

    code = (
        "import wuyi.scenarios.consumer.demo as mine\n"
        "import wuyi.demo_scenarios as d\n"
        "names = {c.name for c in d.CITIZENS}\n"
        "assert {c.name for c in mine.CITIZENS} <= names, sorted(names)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
