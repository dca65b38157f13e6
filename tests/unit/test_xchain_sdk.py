"""The cross-chain SDK and API between two real nodes in this process (no sockets): an SM chain
A and an intl chain B, A registered on B by governance from A's node's answers, a relayer
(a member of B) syncing headers across A's validator-set change and carrying a recognition,
the API's views of clients and records, and fact bundles checked offline."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from wuyi.crosschain.bundle import FACT_FORMAT
from wuyi.crosschain.sdk import Relayer, SourceChain, XChain, verify_fact
from wuyi.exceptions import ProofInvalid
from wuyi.ledger import jsonform
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import InProcessNode, inprocess_node

ORGS = [OrgSpec("sjj", "江门市政务服务数据管理局", True), OrgSpec("bdc", "江门市不动产登记中心")]
B_ORGS = [OrgSpec("jrj", "江门市金融工作局", True), OrgSpec("nsyh", "江门农商银行")]
FACTS = {
    "anchored": {"prefix": b"evidence/", "max_age_ms": 0},
    "evidence_status": {"prefix": b"evidence/", "max_age_ms": 600_000},
}


@dataclass
class Two:
    a: InProcessNode
    b: InProcessNode


@pytest.fixture
def two(tmp_path: Path) -> Iterator[Two]:
    now = int(time.time() * 1000)
    with ExitStack() as stack:
        a = stack.enter_context(
            inprocess_node(tmp_path / "a", ORGS, suite="sm", chain_id="jiangmen-gov", time_ms=now)
        )
        b = stack.enter_context(
            inprocess_node(tmp_path / "b", B_ORGS, suite="intl", chain_id="finance", time_ms=now)
        )
        yield Two(a, b)


def _register(two: Two) -> SourceChain:
    src = SourceChain(two.a.client)
    args = src.register_args(facts=FACTS, prefixes=[b"evidence/"])
    two.b.client.govern(
        two.b.admin("jrj"), [two.b.admin("nsyh")], "xchain.register", args, title="认可江门政务链"
    )
    return src


def _anchor(two: Two, doc: bytes) -> bytes:
    c = two.a.client
    h = c.suite.hash(doc)
    res = c.submit_and_wait(c.builder(two.a.admin("bdc")).anchor(h, {"title": "不动产"}))
    assert res.receipt.status == "ok"
    return h


def test_register_relay_recognise_and_read(two: Two) -> None:
    src = _register(two)
    xb = XChain(two.b.client)
    [c] = xb.clients()
    assert c["chain_id"] == "jiangmen-gov" and c["status"] == "active" and c["suite"] == "sm"
    doc = _anchor(two, b"unit 0012345 mortgage-free")
    relayer = Relayer(src, two.b.client, two.b.admin("nsyh"))
    rid = relayer.recognise(
        "evidence_status", b"evidence/" + doc, consumer="", purpose="贷款前核验 pre-loan check"
    )
    rec = xb.record(rid)
    assert (
        rec["present"]
        and rec["client"] == "jiangmen-gov"
        and rec["key_text"].startswith("evidence/")
    )
    assert xb.recognitions("jiangmen-gov")[0]["id"] == rid
    detail = xb.client_state("jiangmen-gov")
    assert detail["recognitions"] == 1 and detail["latest_height"] == rec["height"]
    assert sum(d["count"] for d in detail["per_day"]) == 1
    assert detail["expires_in_ms"] > 0 and not detail["near_expiry"]
    # an absent key: recognised as absent
    rid2 = relayer.recognise("anchored", b"evidence/" + bytes(32), purpose="无查封 no seizure")
    assert xb.record(rid2)["present"] is False


def test_relayer_follows_a_validator_set_change(two: Two) -> None:
    """A's single validator is replaced by another key: B's client follows through the last
    block the old key signs and the first the new key signs."""
    src = _register(two)
    relayer = Relayer(src, two.b.client, two.b.admin("nsyh"))
    node = two.a.node
    old = node.validators()
    new_key = two.a.client.suite.generate_private_key()
    keys = {node.key.public_key: node.key, new_key.public_key: new_key}  # type: ignore[union-attr]
    certify = node._certify

    def certify_with_the_key_in_force(block):  # type: ignore[no-untyped-def]
        node.key = keys[node.validators().validators[0].public_key]
        return certify(block)

    node._certify = certify_with_the_key_in_force  # type: ignore[method-assign]
    eff = node.height + 10
    two.a.client.govern(
        two.a.admin("sjj"),
        [two.a.admin("bdc")],
        "validator.update",
        {
            "validators": [{"name": "v-new", "public_key": new_key.public_key, "power": 1}],
            "effective_height": eff,
        },
        title="rotate",
    )
    while node.height < eff + 1:
        _anchor(two, f"after change {node.height}".encode())
    assert node.validators() != old
    height = relayer.sync()
    assert height == node.height
    assert XChain(two.b.client).client_state("jiangmen-gov")["latest_height"] == height


def test_fact_bundle_verifies_offline_and_tampering_fails(two: Two) -> None:
    doc = _anchor(two, b"credential anchored")
    src = SourceChain(two.a.client)
    bundle = src.fact_bundle(b"evidence/" + doc)
    assert bundle["format"] == FACT_FORMAT
    text = json.dumps(jsonform.to_json(bundle))
    rep = verify_fact(jsonform.loads(text), src.genesis_hash)
    assert rep.present and rep.pinned and rep.chain_id == "jiangmen-gov"
    with pytest.raises(ProofInvalid, match="pinned genesis hash"):
        verify_fact(jsonform.loads(text), bytes(32))
    tampered = jsonform.loads(text)
    tampered["fact"]["value"] = b"\xa0"
    with pytest.raises(ProofInvalid, match="membership proof does not lead"):
        verify_fact(tampered, src.genesis_hash)
    swapped = jsonform.loads(text)
    swapped["fact"]["value"] = None
    with pytest.raises(ProofInvalid, match="not a non-membership proof"):
        verify_fact(swapped, src.genesis_hash)
