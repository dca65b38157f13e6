"""12345 热线's demo (``make run``): tickets done and waiting at each step, loading again
changes nothing, and the callers' personal values — names, phone numbers, what they said, all
in the centre's files — are nowhere on the demo chain (blocks, receipts with their events,
state) nor in a public API answer, which gives counts and departments only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE, load_demo_data
from wuyi.exceptions import SignedReadRequired
from wuyi.scenarios.hotline.demo import PERSONAL, TICKETS
from wuyi.scenarios.hotline.sdk import Hotline
from wuyi.testing.inprocess import InProcessNode

STATUS = {
    "closed": "closed",
    "extension": "handling",
    "merged": "merged",
    "dispatched": "dispatched",
    "return": "return_requested",
    "redo": "signed",
    "replied": "replied",
    "lodged": "received",
}


@pytest.fixture(scope="module")
def demo(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, dict, Path]]:
    """The demo chain (a fresh copy of the session's for this module)."""
    tmp = tmp_path_factory.mktemp("hotline-demo")
    with demo_copy(demo_chain, tmp) as (env, made):
        yield env, made, tmp


def test_the_demo_has_tickets_done_and_waiting(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    sec = made["scenarios"]["hotline"]
    op = load_key(env.keys_dir / "rx12345-operator.key", DEMO_PASSPHRASE)
    s = Hotline(env.new_client().read_as(op, "热线督办 / supervision"))
    assert set(sec["tickets"]) == {t.key for t in TICKETS}
    for t in TICKETS:
        rec = s.ticket(sec["tickets"][t.key]["id"])
        assert rec["status"] == STATUS[t.stage], t.key
    road = s.ticket(sec["tickets"]["road"]["id"])
    assert road["extension"]["days"] == 5 and road["merged"] == [sec["tickets"]["road2"]["id"]]
    vendor = s.ticket(sec["tickets"]["vendor"]["id"])
    assert vendor["redo"] == 1 and vendor["revisits"][0]["result"] == "unsatisfied"
    shop = s.ticket(sec["tickets"]["shop"]["id"])
    assert shop["revisits"][0]["by"] == "citizen" and shop["result"] == "satisfied"
    board = {x["org"]: x for x in s.scores()}
    assert board["scjgj"]["tier"] == "A" and board["bsjd"]["return_requests"] == 1
    assert board["rsj"]["tier"] == "pending"
    assert s.statistics()["total"] == len(TICKETS)
    height = env.client.status().height
    again = load_demo_data(env.client, env.keys_dir, tmp / "docs")
    assert env.client.status().height == height
    assert again["scenarios"]["hotline"]["tickets"] == sec["tickets"]


def test_no_personal_value_on_the_demo_chain(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    sec = made["scenarios"]["hotline"]
    files = sorted((tmp / "docs").glob("hotline-*.txt"))
    assert len(files) == len(TICKETS)
    text = "".join(f.read_text("utf-8") for f in files)
    assert all(p in text for p in PERSONAL) and len(PERSONAL) >= 12  # the scan would see them
    needles = {p.encode() for p in PERSONAL}
    store, node = env.node.store, env.node
    for h in range(1, node.height + 1):
        blob = store.get_block(h).to_bytes()
        assert not [n for n in needles if n in blob], f"block {h}"
        for rc in store.get_receipts(h):
            assert not [n for n in needles if n in rc.to_bytes()], f"receipt in block {h}"
    with store.snapshot() as v:
        for key, value in v.iter_prefix(b""):
            assert not [n for n in needles if n in value or n in key], key
    c = env.client
    public = repr(
        [
            c._get("/v1/hotline/scores"),
            c._get("/v1/hotline/statistics"),
            c._get("/v1/scenarios/hotline/params"),
        ]
    )
    assert not [p for p in PERSONAL if p in public]
    sjj = load_key(env.keys_dir / "sjj-admin.key", DEMO_PASSPHRASE)
    reader = env.new_client().read_as(sjj, "核对演示数据")  # a personal contract: signed reads
    dids = [reader.query("hotline", "ticket", {"ticket_id": x["id"]})["caller"]
            for x in sec["tickets"].values()]  # fmt: skip
    assert not [d for d in dids if d and d in public]
    assert "scjgj" in public and "bsjd" in public
    tid = sec["tickets"]["shop"]["id"]
    for path in ("/v1/hotline/tickets", f"/v1/hotline/tickets/{tid}"):
        with pytest.raises(SignedReadRequired):
            c._get(path)
