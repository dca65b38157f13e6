"""健康医疗's demo (``make run``): flows done and flows waiting, loading again changes nothing,
and the patients' personal values — names, ID numbers, diagnoses, what the records, invoices and
the death record say — are nowhere on the demo chain (blocks, receipts with their events,
state) nor in a public API answer, which names hospitals only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE, load_demo_data
from wuyi.exceptions import SignedReadRequired
from wuyi.scenarios.medical.demo import PATIENTS, PERSONAL
from wuyi.scenarios.medical.sdk import Medical
from wuyi.testing.inprocess import InProcessNode


@pytest.fixture(scope="module")
def demo(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, dict, Path]]:
    """The demo chain (a fresh copy of the session's for this module)."""
    tmp = tmp_path_factory.mktemp("medical-demo")
    with demo_copy(demo_chain, tmp) as (env, made):
        yield env, made, tmp


def test_the_demo_has_flows_done_and_waiting(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    sec = made["scenarios"]["medical"]
    rev = load_key(env.keys_dir / "ybj-reviewer.key", DEMO_PASSPHRASE)
    s = Medical(env.new_client().read_as(rev, "医保审核 / review"))
    # 陈建国: read across hospitals under his consent (logged), a claim paid
    chen = sec["chen"]
    wjj = load_key(env.keys_dir / "wjj-supervisor.key", DEMO_PASSPHRASE)
    accesses = Medical(env.new_client().read_as(wjj, "调阅监管 / supervision")).accesses()
    assert [(a["reader"], a["keeper"], a["record"]) for a in accesses] == [
        ("rmyy", "zxyy", chen["record"])
    ]
    st = s.bill(chen["bill"])
    assert st["hospital"] == "rmyy" and st["claims"] == [chen["claim"]]
    ins = load_key(env.keys_dir / "rsbx-insurer.key", DEMO_PASSPHRASE)
    claim = Medical(env.new_client().read_as(ins, "快赔 / claim")).claim(chen["claim"])
    assert claim["status"] == "paid" and len(claim["summary"]["items"]) == 2
    # the alerts at each stage: investigation, review, appeal, dismissed
    stages = {
        sec["li"]["alert"]: ("R03", "investigation"),
        sec["wu"]["alert"]: ("R02", "review"),
        sec["huang"]["duplicate"]: ("R01", "appeal"),
        sec["huang"]["over_limit"]: ("R05", "dismissed"),
    }
    for aid, (rule, stage) in stages.items():
        a = s.alert(aid)
        assert (a["rule"], a["stage"]) == (rule, stage), aid
    d = s.dashboard()
    assert d["settlements"] == 7 and d["accesses"] == 1 and d["claims"]["paid"] == 1
    height = env.client.status().height
    again = load_demo_data(env.client, env.keys_dir, tmp / "docs")
    assert env.client.status().height == height
    assert again["scenarios"]["medical"].keys() <= sec.keys()


def _public(env: InProcessNode) -> list[Any]:
    c = env.client
    return [
        c._get("/v1/medical/dashboard"),
        c._get("/v1/medical/rules"),
        c._get("/v1/medical/alerts", limit=500),
        c._get("/v1/scenarios/medical/params"),
    ]


def test_no_personal_value_on_the_demo_chain(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, tmp = demo
    needles = {p.encode() for p in PERSONAL}
    kept = sorted((tmp / "docs").glob("medical-*.txt"))
    assert len(kept) >= 15
    for f in kept:
        needles |= {line.encode() for line in f.read_text("utf-8").splitlines()[1:] if line}
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
    # the public answers: hospitals and totals, no patient's DID, no personal value
    public = repr(_public(env))
    assert not [p for p in PERSONAL if p in public]
    sec = made["scenarios"]["medical"]
    rev = load_key(env.keys_dir / "ybj-reviewer.key", DEMO_PASSPHRASE)
    settlements = Medical(env.new_client().read_as(rev, "医保审核")).settlements()
    patients = {x["patient"] for x in settlements}
    assert len(patients) == 4 and all(p.startswith("did:wuyi:") for p in patients)
    assert not [d for d in patients if d in public]
    assert "zxyy" in public and "R03" in public
    st = settlements[-1]
    # what names patients is not public: an unsigned read is refused
    c = env.client
    for path in (
        f"/v1/medical/settlements/{sec['chen']['bill']}",
        f"/v1/medical/records/{sec['chen']['record']}",
        f"/v1/medical/claims/{sec['chen']['claim']}",
        f"/v1/medical/patients/{st['patient']}/accesses",
        "/v1/medical/settlements",
        "/v1/medical/accesses",
    ):
        with pytest.raises(SignedReadRequired):
            c._get(path)
    assert len(PATIENTS) == 4
