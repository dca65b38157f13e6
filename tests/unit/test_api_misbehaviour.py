"""Equivocation evidence through a node (issue #17, item 4): a validator that sees a double sign
submits ``consensus.evidence`` itself (``EvidenceReporter``); the record is served by the API
with a proof bundle that ``wuyi verify`` checks offline, counted in the metrics, and a
removal proposal is open."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from wuyi.abc import PrivateKey
from wuyi.api.app import create_app
from wuyi.consensus import ReportEvidence, Vote, compute_vote_bytes
from wuyi.crypto import load_key
from wuyi.exceptions import ProofInvalid
from wuyi.ledger.bundle import validate_bundle
from wuyi.ledger.jsonform import from_json
from wuyi.node.home import NodeSettings, OrgSpec, init_home
from wuyi.node.misbehaviour import EvidenceReporter
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer

with warnings.catch_warnings():  # starlette prefers httpx2; the project uses httpx
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PW = "test-passphrase"
ORGS = [OrgSpec("sjj", "江门市政务服务数据管理局", True), OrgSpec("zjj", "江门市住房和城乡建设局")]
_SCRIPT = Path(sys.executable).parent / "wuyi"
WUYI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "wuyi.cli"]


@dataclass
class Chain:
    node: Node
    client: TestClient
    validator: PrivateKey
    admins: dict[str, PrivateKey]


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    res = init_home(
        tmp_path,
        chain_id="test-chain",
        suite="intl",
        orgs=ORGS,
        passphrase=PW,
        time_ms=1_764_201_600_000,
        name="测试链",
        settings=NodeSettings(block_interval_ms=0),
    )
    key = res.home.load_validator_key(PW)
    admins = {o: load_key(path, PW) for o, (path, _) in res.admin_keys.items()}
    node = Node.open(tmp_path, validator_key=key)
    producer = BlockProducer(node, interval_ms=0)
    producer.start()
    try:
        with TestClient(create_app(node)) as client:
            yield Chain(node, client, key, admins)
    finally:
        producer.stop()
        node.close()


def double_vote(c: Chain, height: int = 1) -> ReportEvidence:
    """What the replica reports when the validator prevoted two blocks at one round."""
    votes = []
    for bh in (b"\x0a" * 32, b""):
        msg = compute_vote_bytes(c.node.chain.chain_id, "prevote", height, 0, bh)
        votes.append(Vote("prevote", height, 0, bh, c.validator.public_key, c.validator.sign(msg)))
    return ReportEvidence(c.validator.public_key, votes[0], votes[1])


def wait_for(cond: Any, what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_validator_submits_evidence_served_with_an_offline_bundle(
    chain: Chain, tmp_path: Path
) -> None:
    c = chain
    events: list[tuple[str, dict[str, Any]]] = []
    reporter = EvidenceReporter(
        c.node, c.validator, lambda b: b"", lambda e, **kw: events.append((e, kw))
    )
    loop = asyncio.new_event_loop()
    try:
        reporter.report(double_vote(c), loop)  # this validator's own turn: at once
        reporter.report(double_vote(c), loop)  # the same offence again: counted once
        loop.run_until_complete(asyncio.sleep(0.05))  # runs the submission's turn
        wait_for(lambda: reporter.submitted, "the submission")
    finally:
        loop.close()
    assert reporter.observed == 1 and reporter.submitted == 1
    assert [e for e, _ in events] == ["evidence", "evidence_submitted"], events
    doc = wait_for(lambda: c.client.get("/v1/consensus/evidence").json()["evidence"], "the record")
    (rec,) = doc
    assert rec["offender"] == c.validator.public_key.hex() and rec["step"] == "prevote"
    assert rec["submitter"].startswith("wy") and rec["proposal"] == 1
    listing = c.client.get("/v1/consensus/evidence").json()
    assert listing["offenders"][0]["count"] == 1
    assert listing["offenders"][0]["proposal_status"] == "open"
    prop = c.client.get("/v1/gov/proposals/1").json()
    assert prop["action"]["type"] == "validator.remove" and prop["status"] == "open"
    one = c.client.get(f"/v1/consensus/evidence/{rec['id']}").json()
    assert one == rec
    assert c.client.get(f"/v1/consensus/evidence/{'00' * 32}").status_code == 404

    metrics = c.client.get("/metrics").text
    assert 'wuyi_validator_equivocations_recorded{validator="' in metrics

    # the bundle verifies with no node; tampering with the evidence is caught
    bundle = c.client.get(f"/v1/consensus/evidence/{rec['id']}/bundle").json()
    report = validate_bundle(from_json(bundle), genesis_hash=c.node.genesis_hash)
    assert report.kind == "misbehaviour" and report.status == "recorded"
    assert report.meta["step"] == "prevote" and report.meta["height"] == 1
    assert any("both signed by" in x for x in report.checks)
    forged = from_json(bundle)
    forged["record"]["offender_name"] = "someone else"
    with pytest.raises(ProofInvalid, match="differs from the proven state value"):
        validate_bundle(forged)

    path = tmp_path / "evidence-bundle.json"
    path.write_text(json.dumps(bundle))
    r = subprocess.run([*WUYI, "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "双签证据" in r.stdout and "prevote" in r.stdout

    # a later copy of the same evidence (another validator's turn) is not submitted again
    ev = reporter.build(double_vote(c))
    assert ev is not None
    assert reporter.submit(ev, bytes.fromhex(rec["id"])) is None
