"""公证's demo data (``wuyi/scenarios/notary/demo.py``) on a demo chain loaded as ``make run``
loads it: every flow done or waiting where the demo says, the documents it writes check on the
public page's route, the complete chain of custody verifies offline from the genesis hash, and
no party's name or ID number — the strings the offices hashed into the commitments — is in any
block, receipt, event, state value or public API answer of the chain; the public answers name
no holder either."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.exceptions import ReadForbidden, SignedReadRequired
from wuyi.scenarios.notary import demo
from wuyi.scenarios.notary.sdk import Notary
from wuyi.testing.inprocess import InProcessNode


@pytest.fixture(scope="module")
def loaded(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, dict, Path]]:
    """The demo chain (a fresh copy of the session's for this module)."""
    tmp = tmp_path_factory.mktemp("notary-demo")
    with demo_copy(demo_chain, tmp) as (env, made):
        yield env, made, tmp


def key_of(env: InProcessNode, name: str) -> Any:
    """A demo member's key (``<org>-<role>``), from the demo's keys directory."""
    return load_key(env.keys_dir / f"{name}.key", DEMO_PASSPHRASE)


def as_auditor(env: InProcessNode) -> Notary:
    """The SDK reading as the demo's auditor (signed, logged reads of personal records)."""
    return Notary(env.new_client().read_as(key_of(env, "sjj-auditor"), "测试核对 / test checks"))


def test_flows_done_and_waiting(loaded: tuple[InProcessNode, dict, Path]) -> None:
    env, made, _ = loaded
    part = made["scenarios"]["notary"]
    n = as_auditor(env)
    cases = {k: n.case(v["case"]) for k, v in part["cases"].items()}
    assert {k: c["status"] for k, c in cases.items()} == {
        "entrustment": "issued",
        "inheritance": "paused",  # waiting for supplementary materials
        "declaration": "issued",
        "education": "issued",
        "contract": "accepted",  # waiting to be issued
        "refused": "refused",
    }
    assert cases["contract"]["office"] == "xhgz" and cases["inheritance"]["office"] == "jmgz"
    assert len(cases["inheritance"]["applicants"]) == 3
    # the certificates and what the public check says of each document written for the demo
    p = part["cases"]
    chen = part["citizens"]["chen-meiling"]
    docs = {k: Path(v["document"]).read_bytes() for k, v in p.items() if "document" in v}
    assert n.check(p["entrustment"]["certificate"], document=docs["entrustment"])["result"] == (
        "authentic"
    )
    corrected = n.check(p["declaration"]["certificate"], document=docs["declaration"])
    assert (
        corrected["result"] == "corrected" and corrected["see"] == p["declaration"]["corrected_by"]
    )
    new_doc = Path(p["declaration"]["corrected_document"]).read_bytes()
    assert n.check(corrected["see"], document=new_doc)["result"] == "authentic"
    revoked = n.check(p["education"]["certificate"], document=docs["education"])
    assert revoked["result"] == "revoked"
    assert (
        revoked["notice_hash"]
        == env.client.suite.hash(Path(p["education"]["notice"]).read_bytes()).hex()
    )
    # 陈美玲's review, waiting for the office; her credential in her wallet
    (review,) = n.citizen(chen)["reviews"]
    assert review["id"] == p["entrustment"]["review"] and review["status"] == "pending"
    # the evidence: one chain complete at the court, one waiting for the court to receive it
    ev = part["evidence"]
    done, waiting = n.evidence(ev["complete"]), n.evidence(ev["waiting"])
    assert [s["step"] for s in done["custody"]] == [
        "preserved",
        "handed_over",
        "received",
        "notarised",
        "handed_over",
        "received",
    ]
    assert done["evidence"]["custodian"] == "fy"
    assert waiting["evidence"]["pending_to"] == "fy" and waiting["evidence"]["steps"] == 2
    assert (
        done["evidence"]["doc_hash"] == env.client.suite.hash(Path(ev["page"]).read_bytes()).hex()
    )
    assert n.param("max_capture_lag_hours") == demo.PARAM_CHANGE[1]
    # the parties' commitments are the hashes of the strings the scan looks for
    assert cases["inheritance"]["applicants"][0] == demo_commitment(env, "inheritance", 0).hex()


def demo_commitment(env: InProcessNode, case: str, i: int) -> bytes:
    import hashlib

    name, number = demo.PARTIES[case][i]
    salt = hashlib.sha256(f"wuyi-demo-notary-salt:{number}".encode()).digest()
    return Notary(env.client).commitment(salt, f"{name}|{number}")


def test_the_court_checks_the_demo_chain_of_custody_offline(
    loaded: tuple[InProcessNode, dict, Path],
) -> None:
    from wuyi.cli import app

    env, made, tmp = loaded
    ev = made["scenarios"]["notary"]["evidence"]
    bundle = Notary(env.client).custody_bundle(
        ev["complete"], key=key_of(env, "fy-judge"), purpose="审理 / the trial"
    )
    path = tmp / "custody.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False))
    genesis = env.node.genesis_hash.hex()
    out = CliRunner().invoke(
        app, ["notary", "custody", str(path), ev["page"], "--genesis-hash", genesis]
    )
    assert out.exit_code == 0, out.output
    assert "与存证一致 / matches" in out.output and ev["complete"] in out.output


def public_answers(env: InProcessNode, made: dict[str, Any]) -> dict[str, Any]:
    """Every public route of the scenario, answered for the demo chain."""
    c, part = env.client, made["scenarios"]["notary"]
    n = Notary(c)
    out: dict[str, Any] = {
        "offices": n.offices(),
        "certificates": n._pages("/v1/notary/certificates"),
        "notices": n.notices(),
        "filings": n.filings(),
        "platforms": c._get("/v1/notary/platforms"),
        "params": n.params(),
    }
    for k, v in part["cases"].items():
        if "certificate" in v:
            out[f"cert {k}"] = n.certificate(v["certificate"])
            out[f"check {k}"] = n.check(v["certificate"], document=Path(v["document"]).read_bytes())
    return out


def test_no_party_is_named_anywhere_on_the_demo_chain(
    loaded: tuple[InProcessNode, dict, Path],
) -> None:
    env, made, _ = loaded
    needles = {s.encode() for s in demo.PERSONAL}
    assert len(needles) == 20 and "陈美玲" in demo.DOCS["entrustment"]  # the scan's strings
    store, node = env.node.store, env.node
    seen = 0
    for h in range(1, node.height + 1):
        blob = store.get_block(h).to_bytes()
        assert not [x for x in needles if x in blob], f"block {h} names a party"
        for rc in store.get_receipts(h):
            assert not [x for x in needles if x in rc.to_bytes()], f"a receipt of block {h}"
            seen += sum(1 for e in rc.events if "notary" in str(e.attrs))
    with store.snapshot() as v:
        for key, value in v.iter_prefix(b"contract/notary/"):
            assert not [x for x in needles if x in value or x in key], f"state {key!r}"
    assert seen > 20
    answers = json.dumps(public_answers(env, made), ensure_ascii=False)
    assert not [x for x in demo.PERSONAL if x in answers]
    # the public answers name no party: no holder DID, no commitment
    part = made["scenarios"]["notary"]
    for did in part["citizens"].values():
        assert did not in answers, did
    case = as_auditor(env).case(part["cases"]["inheritance"]["case"])
    assert all(a not in answers for a in case["applicants"])


def test_case_files_reviews_and_evidence_are_signed_reads(
    loaded: tuple[InProcessNode, dict, Path],
) -> None:
    """Unsigned, the personal routes are refused; signed, each party reads what the rules let
    it (an office its own cases, a citizen their own page, a court the evidence) and nothing
    else, every read in the node's access log."""
    env, made, _ = loaded
    part = made["scenarios"]["notary"]
    c = env.client
    n = Notary(c)
    p = "测试 / test"
    inheritance, contract = part["cases"]["inheritance"]["case"], part["cases"]["contract"]["case"]
    ev = part["evidence"]
    chen = part["citizens"]["chen-meiling"]
    for read in (
        lambda: n.cases(),
        lambda: n.case(inheritance),
        lambda: n.reviews(),
        lambda: n.citizen(chen),
        lambda: n.evidence_list(),
        lambda: n.evidence(ev["complete"]),
        lambda: n.custody_bundle(ev["complete"]),
    ):
        with pytest.raises(SignedReadRequired):
            read()
    jmgz, xhgz = key_of(env, "jmgz-notary"), key_of(env, "xhgz-notary")
    mine = {x["office"] for x in n.cases(key=jmgz, purpose=p)}
    assert mine == {"jmgz"}  # an office sees its own cases only, whatever it asks
    assert n.cases("xhgz", key=jmgz, purpose=p) == []
    assert {x["office"] for x in n.cases(key=key_of(env, "sfj-admin"), purpose=p)} == {
        "jmgz",
        "xhgz",
    }  # 司法局 supervises every office
    assert n.case(contract, key=xhgz, purpose=p)["office"] == "xhgz"
    with pytest.raises(ReadForbidden):
        n.case(contract, key=jmgz, purpose=p)
    with pytest.raises(ReadForbidden):  # a court reads evidence, not case files
        n.case(inheritance, key=key_of(env, "fy-judge"), purpose=p)
    assert {r["office"] for r in n.reviews(key=jmgz, purpose=p)} == {"jmgz"}
    assert n.reviews(key=xhgz, purpose=p) == []
    # a citizen reads their own page with their DID key, not another's
    from wuyi.sdk.wallet import Wallet

    def wallet(name: str) -> Wallet:
        return Wallet.open(made["scenarios"]["citizens"][name]["wallet"], DEMO_PASSPHRASE)

    chen_w = wallet("chen-meiling")
    assert n.citizen(chen, key=chen_w.key, purpose=p)["reviews"]
    with pytest.raises(ReadForbidden):
        n.citizen(part["citizens"]["huang-zhiqiang"], key=chen_w.key, purpose=p)
    with pytest.raises(ReadForbidden):  # a member of no supervisor: the citizen's alone
        n.citizen(chen, key=jmgz, purpose=p)
    # the evidence: its applicant, whoever held it, the court; the platform's list is what it
    # holds or hands over
    li = wallet("li-xiaofeng")
    assert n.evidence(ev["complete"], key=li.key, purpose=p)["evidence"]["id"] == ev["complete"]
    custodian = key_of(env, "wycz-custodian")
    assert n.evidence(ev["complete"], key=custodian, purpose=p)["evidence"]["custodian"] == "fy"
    with pytest.raises(ReadForbidden):
        n.evidence(ev["complete"], key=chen_w.key, purpose=p)
    with pytest.raises(ReadForbidden):  # xhgz never held it
        n.evidence(ev["complete"], key=xhgz, purpose=p)
    listed = {e["id"] for e in n.evidence_list(key=custodian, purpose=p)}
    assert listed == {ev["waiting"]}  # handed to the court, not yet received: still its own
    assert {e["id"] for e in n.evidence_list(key=key_of(env, "fy-judge"), purpose=p)} == {
        ev["complete"],
        ev["waiting"],
    }
    # each read is in the access log, naming who read what and why
    log = c.signed_get(key_of(env, "sjj-auditor"), "/v1/access-log", "测试 / test", limit=1000)
    records = {e["record"] for e in log["entries"]}
    assert "notary/case/" + contract in records and "notary/citizen/" + chen in records
