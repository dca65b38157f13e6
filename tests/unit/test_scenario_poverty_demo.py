"""精准扶贫's demo (``make run``): flows done and flows waiting at each step, loading again
changes nothing, and the heads' names and ID numbers — in the village's roll in the docs folder
— are nowhere on the demo chain (blocks, receipts with their events, state) nor in a public API
answer, which shows the masked names the village posted and household ids only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE, load_demo_data
from wuyi.exceptions import SignedReadRequired
from wuyi.scenarios.poverty.demo import HOUSEHOLDS, PERSONAL
from wuyi.scenarios.poverty.sdk import PovertyRelief, mask_name
from wuyi.testing.inprocess import InProcessNode


@pytest.fixture(scope="module")
def demo(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, dict, Path]]:
    """The demo chain (a fresh copy of the session's for this module)."""
    tmp = tmp_path_factory.mktemp("poverty-demo")
    with demo_copy(demo_chain, tmp) as (env, made):
        yield env, made, tmp


STATUS = {
    "paid": "approved",
    "paid_no_receipt": "approved",
    "vehicle": "excluded",
    "objection": "excluded",
    "noticed": "noticed",
    "checking": "checking",
    "registered": "registered",
}


def test_the_demo_has_flows_done_and_waiting(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    sec = made["scenarios"]["poverty"]
    bureau = load_key(env.keys_dir / "xczxj-bureau.key", DEMO_PASSPHRASE)
    s = PovertyRelief(env.new_client().read_as(bureau, "扶贫对象审定 / beneficiary approval"))
    for h in HOUSEHOLDS:
        rec = s.household(sec["households"][h.wallet]["id"])
        assert rec["status"] == STATUS[h.stage], h.wallet
    chen = s.household(sec["households"]["chen-guoqiang"]["id"])
    assert chen["exclusions"] == [{"predicate": "no_vehicle", "reason": "vehicle", "dept": "gaj"}]
    liang = s.household(sec["households"]["liang-meiling"]["id"])
    assert liang["exclusions"][0]["reason"] == "objection_upheld"
    first, second = sorted(s.notices(), key=lambda n: n["id"])
    assert first["status"] == "approved" and first["days"] == 0
    assert second["status"] == "open" and second["days"] == 10
    assert [o["status"] for o in second["objections"]] == ["open"]  # waiting for the bureau
    assert [e["masked"] for e in first["entries"]] == ["黄*明", "李*", "梁*玲"]
    history = [r["value"] for r in s.param_history("notice_days")]
    assert history[-2:] == [0, 10]
    f = s.flow(sec["programme"])
    a, b = f["projects"]
    assert [(x["label"], x["amount"], x["receipts"]) for x in a["payees"]] == [
        ("黄*明", 300_000, 1),
        ("李*", 200_000, 0),
    ]
    assert b["status"] == "completed" and b["payees"][0]["amount"] == 18_000_000
    assert [c["kind"] for c in s.cases("open")] == ["medical_bill"]
    height = env.client.status().height
    again = load_demo_data(env.client, env.keys_dir, tmp / "docs")
    assert env.client.status().height == height
    assert again["scenarios"]["poverty"]["households"] == sec["households"]


def _public(env: InProcessNode) -> list[Any]:
    c = env.client
    out: list[Any] = [
        c._get("/v1/poverty/overview"),
        c._get("/v1/poverty/notices", limit=500),
        c._get("/v1/poverty/budgets", limit=500),
        c._get("/v1/poverty/programmes", limit=500),
        c._get("/v1/poverty/projects", limit=500),
        c._get("/v1/poverty/payments", limit=500),
        c._get("/v1/poverty/alerts", limit=500),
        c._get("/v1/scenarios/poverty/params"),
    ]
    for g in out[3]["items"]:
        out.append(c._get(f"/v1/poverty/programmes/{g['id']}/flow"))
    return out


def test_no_personal_value_on_the_demo_chain(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, _ = demo
    sec = made["scenarios"]["poverty"]
    needles = {p.encode() for p in PERSONAL}
    roll = Path(sec["roll_file"]).read_text("utf-8")
    assert all(p in roll for p in PERSONAL) and len(PERSONAL) == 14  # the scan would see them
    store, node = env.node.store, env.node
    for h in range(1, node.height + 1):
        blob = store.get_block(h).to_bytes()
        assert not [n for n in needles if n in blob], f"block {h}"
        for rc in store.get_receipts(h):
            assert not [n for n in needles if n in rc.to_bytes()], f"receipt in block {h}"
    with store.snapshot() as v:
        for key, value in v.iter_prefix(b""):
            assert not [n for n in needles if n in value or n in key], key
    # the public answers: masked names and household ids, no DID, no name, no ID number
    public = repr(_public(env))
    dids = {h["did"] for h in sec["households"].values()}
    assert not [d for d in dids if d in public]
    assert not [p for p in PERSONAL if p in public]
    assert mask_name("黄志明") in public
    c = env.client
    hid = sec["households"]["huang-zhiming"]["id"]
    for path in (
        "/v1/poverty/households",
        f"/v1/poverty/households/{hid}",
        "/v1/poverty/objections",
        "/v1/poverty/cases",
    ):
        with pytest.raises(SignedReadRequired):
            c._get(path)
