"""养老服务's demo (``make run``): flows done and waiting, loading again changes nothing, and the
people's personal values — names, ID numbers, phone numbers in the qualification certificates,
health reports and eligibility records — are nowhere on the demo chain (blocks, receipts,
state) nor in a public API answer, which names institutions only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE, load_demo_data
from wuyi.exceptions import SignedReadRequired
from wuyi.scenarios.eldercare.demo import PEOPLE, PERSONAL
from wuyi.scenarios.eldercare.sdk import Eldercare
from wuyi.testing.inprocess import InProcessNode


@pytest.fixture(scope="module")
def demo(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, dict, Path]]:
    """The demo chain (a fresh copy of the session's for this module)."""
    tmp = tmp_path_factory.mktemp("eldercare-demo")
    with demo_copy(demo_chain, tmp) as (env, made):
        yield env, made, tmp


def test_the_demo_has_flows_done_and_waiting(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    sec = made["scenarios"]["eldercare"]
    officer = load_key(env.keys_dir / "mzj-officer.key", DEMO_PASSPHRASE)
    s = Eldercare(env.new_client().read_as(officer, "养老服务监管 / supervision"))
    board = {x["org"]: x for x in s.board()["institutions"]}
    assert (board["flyy"]["grade"], board["flyy"]["red"], board["flyy"]["fit"]) == (5, False, 3)
    assert board["pjyy"]["red"] is True and board["pjyy"]["failing"] == ["fire"]
    assert board["flyy"]["subsidies"] == 262 * 20000
    assert board["pjyy"]["held"] == 115_000_000 and board["flyy"]["held"] == 900_000
    (alert,) = s.alerts("flyy")
    assert alert["caregiver"] == sec["caregivers"]["carer-li"] and alert["stops"] == []
    (stopped,) = s.alerts("pjyy")
    assert stopped["stops"][0].startswith("health check expired")
    acct = s.time_account(sec["timebank"]["elder"])
    waiting = [v for v in acct["services"] if v["status"] == "pending"]
    assert [v["id"] for v in waiting] == [sec["timebank"]["waiting"]]
    zhou = s.time_account(sec["timebank"]["volunteer"])["account"]
    assert zhou["balance"] == 270 and zhou["earned"] == 270
    tb = s.board()["time_bank"]
    assert tb["pool"] == 0 and tb["spent"] == 30
    height = env.client.status().height
    again = load_demo_data(env.client, env.keys_dir, tmp / "docs")
    assert env.client.status().height == height
    assert again["scenarios"]["eldercare"]["caregivers"] == sec["caregivers"]


def test_no_personal_value_on_the_demo_chain(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    needles = {p.encode() for p in PERSONAL}
    kept = sorted((tmp / "docs").glob("eldercare-*.txt"))
    text = "".join(f.read_text("utf-8") for f in kept)
    # the scan would see them: the caregivers' and elders' values are in the files
    in_files = [x for p in PEOPLE if p[0].startswith(("carer-", "elder-")) for x in p[1:]]
    assert all(x in text for x in in_files) and len(in_files) == 18
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
    sec = made["scenarios"]["eldercare"]
    public = repr(
        [
            c._get("/v1/eldercare/board"),
            c._get("/v1/eldercare/institutions/flyy"),
            c._get("/v1/eldercare/institutions/pjyy"),
            c._get("/v1/eldercare/institutions/flyy/subsidies"),
            c._get("/v1/scenarios/eldercare/params"),
        ]
    )
    people = set(sec["caregivers"].values()) | {sec["timebank"]["elder"]}
    assert not [d for d in people if d in public]
    assert not [p for p in PERSONAL if p in public]
    assert "江门市社会福利院" in public
    for path in (
        f"/v1/eldercare/caregivers/{sec['caregivers']['carer-chen']}",
        f"/v1/eldercare/timebank/{sec['timebank']['elder']}",
        "/v1/eldercare/institutions/flyy/prepayments",
        "/v1/eldercare/institutions/flyy/alerts",
    ):
        with pytest.raises(SignedReadRequired):
            c._get(path)
