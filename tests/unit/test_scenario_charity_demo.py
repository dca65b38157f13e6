"""慈善捐赠's demo on the whole demo chain (``make run``'s data): flows done and waiting at
each step, a donor following their donation with the secret on their copy of the receipt, and
no personal value of the scenario — the donors' names, ID numbers and phone numbers, their
secrets, the tracking keys — anywhere on chain (blocks, receipts with their events, state) or
in an answer of the public routes; no two donations share a donor commitment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.exceptions import ContractRevert, WuyiError
from wuyi.scenarios.charity.demo import DONORS, PERSONAL
from wuyi.scenarios.charity.sdk import Charity, DonorSecret
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode


@pytest.fixture(scope="module")
def demo(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, dict, Path]]:
    """The demo chain (a fresh copy of the session's for this module)."""
    tmp = tmp_path_factory.mktemp("demo")
    with demo_copy(demo_chain, tmp) as (env, made):
        yield env, made["scenarios"], tmp / "docs"


def test_flows_done_and_waiting_at_each_step(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, _docs = demo
    sc = made["charity"]
    ch = Charity(env.client)
    # the charities: one qualified before the chain, one granted on chain, one waiting
    orgs = {c["id"]: c for c in ch.charities()}
    assert orgs["jmcsh"]["qualification"]["status"] == "valid"
    assert orgs["wyjy"]["application"]["status"] == "granted"
    assert orgs["xhsg"]["application"]["status"] == "pending" and sc["pending"] == "xhsg"
    projects = {p["id"]: p for p in ch.projects()}
    # 侨乡助学: money in and out first in, first out; the first quarterly disclosure overdue
    p1 = ch.project(sc["scholarship"])
    assert p1["status"] == "open" and p1["overdue"] and "periodic-1" in p1["flags"]
    t = p1["totals"]
    assert (t["issued"], t["anonymous"], t["declined"], t["donations"]) == (3, 1, 1, 5)
    assert t["in"] == 11_080_000 and t["out"] == 8_000_000
    flows = ch.flows(sc["scholarship"])
    assert sum(a["fen"] for x in flows["disbursements"] for a in x["allocations"]) == t["out"]
    # 台风应急救灾: urgent, money idle (flagged to 民政局), rice: one confirmed, one waiting
    p2 = ch.project(sc["relief"])
    assert p2["urgent"] and p2["idle"] is not None and p2["idle"]["days"] >= 20
    dist = {d["id"]: d for d in ch.flows(sc["relief"])["distributions"]}
    assert dist[sc["confirmed"]["distribution"]]["confirmed"] is not None
    assert dist[sc["waiting"]["distribution"]]["confirmed"] is None
    batch = next(d for d in ch.flows(sc["relief"])["donations"] if d["id"] == sc["batch"])
    assert (
        batch["quantity"] == sum(batch["stock"].values()) + batch["distributed"] + batch["pending"]
    )
    # 关爱留守儿童: spent, closed early, final disclosure on time, the recipient confirmed
    p3 = ch.project(sc["done"])
    assert p3["status"] == "closed" and p3["closed_on"] is not None
    assert [(d["kind"], d["late_days"]) for d in p3["disclosures"]] == [("final", 0)]
    assert p3["totals"]["in"] == p3["totals"]["out"] == 1_500_000
    (x,) = ch.flows(sc["done"])["disbursements"]
    assert x["confirmed"] is not None
    # 五邑图书角: filed on chain, waiting for its start
    assert projects[sc["filed"]]["status"] == "filed"
    kinds = sorted(a["kind"] for a in ch.alerts())
    assert kinds == ["disclosure_overdue", "idle_money", "ratio_breach"]
    # the waiting recipient confirms with their wallet and the code they were given
    w = Wallet.open(sc["waiting"]["wallet"], DEMO_PASSPHRASE)
    got = ch.confirm_receipt(w, sc["waiting"]["distribution"], bytes.fromhex(sc["waiting"]["code"]))
    assert got["confirmed"] is not None


def test_a_donor_follows_with_the_secret_on_their_copy(
    demo: tuple[InProcessNode, dict, Path],
) -> None:
    env, made, _docs = demo
    f = made["charity"]["follow"]
    copy = Path(f["file"]).read_text(encoding="utf-8")
    assert f["receipt"] in copy and f["secret"] in copy
    ch = Charity(env.client)
    got = ch.follow(f["charity"], f["receipt"], DonorSecret.from_hex(f["secret"]))
    assert got["donation"]["amount"] == 5_000_000 and got["went"]
    assert (
        got["donation"]["donor"]
        == DonorSecret.from_hex(f["secret"])
        .commitment(env.client.suite.hash, DONORS[f["receipt"]])
        .hex()
    )
    with pytest.raises(WuyiError, match="does not open receipt"):
        ch.follow(f["charity"], f["receipt"], DonorSecret.new())
    with pytest.raises(ContractRevert, match=r"charity\.public_fundraising_qualification"):
        key = env.keys_dir / "mzj-supervisor.key"
        from wuyi.crypto import load_key

        ch.decide_qualification(
            load_key(key, DEMO_PASSPHRASE), "xhsg", grant=True, cert_no="JMMZ-GM-2026-099"
        )


def _public_answers(env: InProcessNode, made: dict[str, Any]) -> list[bytes]:
    c = env.client
    sc = made["charity"]
    paths = [
        "/v1/charity/charities",
        "/v1/charity/projects",
        "/v1/charity/alerts",
        "/v1/charity/dashboard",
        "/v1/scenarios/charity/params",
        "/v1/contracts/charity/state?limit=500",
    ]
    for cid in ("jmcsh", "wyjy", "xhsg"):
        paths.append(f"/v1/charity/charities/{cid}")
    for key in ("scholarship", "relief", "done", "filed"):
        paths += [f"/v1/charity/projects/{sc[key]}", f"/v1/charity/projects/{sc[key]}/flows"]
    out = [c._request("GET", p).content for p in paths]
    f = sc["follow"]
    key = DonorSecret.from_hex(f["secret"]).track_key(c.suite.hash).hex()
    body = {"charity": f["charity"], "receipt_no": f["receipt"], "key": key}
    out.append(c._request("POST", "/v1/charity/follow", json=body).content)
    return out


def test_no_personal_value_on_chain_or_in_public_answers(
    demo: tuple[InProcessNode, dict, Path],
) -> None:
    env, made, docs = demo
    h = env.client.suite.hash
    secrets = [
        Path(p).read_text(encoding="utf-8").splitlines()[-1].split(": ")[-1]
        for p in docs.glob("charity-donor-*.txt")
    ]
    assert len(secrets) == 5
    salts = [bytes.fromhex(s) for s in secrets]
    keys = [DonorSecret(s).track_key(h) for s in salts]
    needles = {p.encode() for p in PERSONAL} | {s.encode() for s in secrets}
    needles |= set(salts) | set(keys) | {k.hex().encode() for k in keys}
    assert len(PERSONAL) >= 14 and all(len(n) >= 8 for n in needles)
    store, node = env.node.store, env.node
    for height in range(1, node.height + 1):
        blob = store.get_block(height).to_bytes()
        assert not [n for n in needles if n in blob], f"block {height} holds personal data"
        for rc in store.get_receipts(height):  # events included
            assert not [n for n in needles if n in rc.to_bytes()], f"receipt in block {height}"
    with store.snapshot() as v:
        for k, value in v.iter_prefix(b""):
            assert not [n for n in needles if n in value or n in k], f"state {k!r}"
    for answer in _public_answers(env, made):
        assert not [n for n in needles if n in answer], answer[:200]
    # the receipt numbers are not on the public page (a donor follows theirs with their key)
    flows = b"".join(_public_answers(env, made)[-9:-1])
    assert not [no for no in DONORS if no.encode() in flows]
    # every donation has its own commitment: nothing links two donations to one donor
    commitments = [
        d["donor"]
        for key in ("scholarship", "relief", "done")
        for d in Charity(env.client).flows(made["charity"][key])["donations"]
        if d.get("donor")
    ]
    assert len(commitments) == 5 and len(set(commitments)) == 5
    # the scan would have found them: they are in the donors' copies and the e-receipts
    off_chain = "".join(p.read_text(encoding="utf-8") for p in docs.glob("charity-*.txt"))
    assert all(s in off_chain for s in secrets)
    assert all(who.split("|")[0] in off_chain for who in DONORS.values())
