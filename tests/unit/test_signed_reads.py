"""Issue #16 item 6, reads: personal records are served only to a signed read of the citizen
or of a member whose role allows it, each read logged (who, what, whose, why, when) in the
node's hash-chained access log, which the citizen and auditors see and which is anchored on
chain; ``[api] public_explorer = false`` puts the explorer's raw reads behind a member's
signature too. Through the API and the SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from wuyi.crypto import load_key
from wuyi.exceptions import (
    NotFound,
    ReadForbidden,
    SignedReadRequired,
    StoreCorrupted,
    ValidationError,
)
from wuyi.node.access_log import AccessLog, verify_entries
from wuyi.node.home import OrgSpec
from wuyi.sdk.identity import Identity
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "政务服务数据管理局", True),
    OrgSpec("gaj", "公安局"),
    OrgSpec("bank", "江门农商银行"),
)
PURPOSE = "开户审核 / account opening review"


class World:
    def __init__(self, env: InProcessNode) -> None:
        self.env = env
        self.client = env.client
        self.ident = Identity(env.client)
        self.admins = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        suite = env.client.suite
        self.auditor = suite.generate_private_key()
        tx = env.client.builder(self.admins["sjj"]).member_add(
            "sjj", self.auditor.public_key, ["auditor"], "审计"
        )
        assert env.client.submit_and_wait(tx).receipt.status == "ok"
        self.citizen = suite.generate_private_key()
        self.did = env.register_did(self.citizen)
        self.consent = self.ident.grant_consent(
            self.citizen,
            verifier="bank",
            types=["IdentityCredential"],
            claims=["age_over_18"],
            purpose="开户 / account opening",
            minutes=10,
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with inprocess_node(tmp_path_factory.mktemp("reads"), ORGS, suite="intl") as env:
        yield World(env)


def test_an_unsigned_read_of_a_personal_record_is_refused(world: World) -> None:
    """Regression: ``GET /v1/dids/{did}/consents`` answered anyone."""
    for path in (
        f"/v1/dids/{world.did}/consents",
        f"/v1/dids/{world.did}/uses",
        f"/v1/consents/{world.consent}",
        f"/v1/dids/{world.did}/reads",
        "/v1/access-log",
    ):
        with pytest.raises(SignedReadRequired, match="personal record: sign the request") as e:
            world.client._get(path)
        assert e.value.detail["status"] == 401
    resp = world.client._http.get(f"/v1/dids/{world.did}/consents")
    assert resp.status_code == 401 and resp.json()["code"] == "signed_read_required"


def test_a_signed_read_by_the_wrong_role_is_refused(world: World) -> None:
    before = world.client.access_log_head().entries
    # a member of another organisation (公安局's admin: no auditor role) reads the consents
    with pytest.raises(ReadForbidden, match=r"member of gaj \['admin'\]"):
        world.ident.consents(world.did, key=world.admins["gaj"], purpose=PURPOSE)
    # the bank may read the consent granted to it, not the citizen's whole list
    with pytest.raises(ReadForbidden):
        world.ident.consents(world.did, key=world.admins["bank"], purpose=PURPOSE)
    # and the access log is for auditors only
    with pytest.raises(ReadForbidden):
        world.client.access_log(world.admins["bank"], PURPOSE)
    # another citizen's DID key reads nothing of this one
    other = world.client.suite.generate_private_key()
    world.env.register_did(other)
    with pytest.raises(ReadForbidden, match="did:wuyi:"):
        world.ident.uses(world.did, key=other)
    assert world.client.access_log_head().entries == before  # refused reads are not served


def test_a_signed_read_needs_a_purpose(world: World) -> None:
    with pytest.raises(ValidationError, match="states its purpose") as e:
        world.client.signed_request(
            world.citizen, "GET", f"/v1/dids/{world.did}/consents", params={}
        )
    assert e.value.detail["field"] == "purpose"


def test_each_allowed_read_is_logged_and_visible(world: World) -> None:
    ident, did = world.ident, world.did
    start = world.client.access_log_head().entries
    # the citizen reads their own consents; the bank reads the consent granted to it
    mine = ident.consents(did, key=world.citizen, purpose="查看我的授权")
    assert [c["id"] for c in mine] == [world.consent]
    rec = ident.consent(world.consent, key=world.admins["bank"], purpose=PURPOSE)
    assert rec["holder"] == did
    # the citizen sees both reads of their records: who, what, why, when
    seen = ident.reads(did, key=world.citizen, purpose="谁看了我的记录")
    new = [e for e in seen if e["seq"] >= start]
    assert [(e["basis"], e["purpose"], e["record"]) for e in new] == [
        ("citizen", "查看我的授权", f"consents/{did}"),
        ("org:bank", PURPOSE, f"consent/{world.consent}"),
        ("citizen", "谁看了我的记录", f"reads/{did}"),  # logged before it is answered
    ]
    assert new[1]["reader"]["org"] == "bank" and new[1]["reader"]["roles"] == ["admin"]
    assert new[0]["reader"]["did"] == did and new[0]["time"] > 0
    assert all(e["subject"] == did for e in seen)
    # an auditor sees every read, and the chain of hashes checks against the head
    entries = world.client.access_log(world.auditor, "年度审计 / yearly audit", limit=1000)
    assert [e["seq"] for e in entries] == list(range(len(entries)))
    assert {e["record"] for e in entries} >= {f"consents/{did}", f"reads/{did}"}
    assert entries[-1]["what"] == "the access log"  # the auditor's own read is logged too
    n, head = verify_entries(world.client.suite, entries)
    assert world.client.access_log_head().head == head.hex() and n == len(entries)


def test_the_access_log_is_anchored_and_cannot_be_rewritten_unseen(world: World) -> None:
    ident, client = world.ident, world.client
    ident.uses(world.did, key=world.citizen, purpose="查看使用记录")
    head, res = client.anchor_access_log(world.admins["sjj"])
    assert res is not None and res.receipt.status == "ok"
    rec = client.evidence(head)
    assert rec.meta == {"type": "access-log", "entries": client.access_log_head().entries}
    assert client.anchor_access_log(world.admins["sjj"])[1] is None  # same head: nothing new
    # someone edits the file: the node refuses to open it, and the anchored head exposes it
    log = _app_log(world)
    lines = log.path.read_text("utf-8").splitlines()
    doctored = [json.loads(x) for x in lines]
    doctored[0]["purpose"] = "改过的 / rewritten"
    with pytest.raises(StoreCorrupted, match="entry 0: hash does not match"):
        verify_entries(client.suite, doctored)
    copy = log.path.with_name("doctored.jsonl")
    copy.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in doctored) + "\n")
    with pytest.raises(StoreCorrupted):
        AccessLog(copy, client.suite)
    # dropping the entry and rehashing the rest gives another head than the one anchored
    rehashed = AccessLog(log.path.with_name("rehashed.jsonl"), client.suite)
    for e in doctored[1:]:
        rehashed.append(
            time_ms=e["time"],
            reader=e["reader"],
            what=e["what"],
            record=e["record"],
            subject=e["subject"],
            purpose=e["purpose"],
            basis=e["basis"],
        )
    assert rehashed.head != head


def _app_log(world: World) -> AccessLog:
    path = Path(world.env.node.store.path).parent / "access-log.jsonl"
    return AccessLog(path, world.client.suite)


def test_a_personal_transactions_payload_is_withheld_from_unsigned_reads(world: World) -> None:
    (grant,) = [
        t
        for t in world.client._get(f"/v1/accounts/{_address(world)}/txs")["txs"]
        if t["kind"] == "consent.grant"
    ]
    shown = world.client.get_tx(grant["tx_hash"])  # verified against the proof as before
    assert shown.tx is not None and set(shown.tx.payload) == {"withheld"}
    assert "personal record" in shown.tx.payload["withheld"]
    # its sender (the citizen's DID key) sees it, and that read is logged
    doc = world.client.signed_get(world.citizen, f"/v1/txs/{grant['tx_hash']}", "查看我的交易")
    assert doc["tx"]["payload"]["holder"] == world.did
    # a member of another organisation does not
    with pytest.raises(ReadForbidden):
        world.client.signed_get(world.admins["gaj"], f"/v1/txs/{grant['tx_hash']}", PURPOSE)


def _address(world: World) -> str:
    from wuyi.crypto import address_of, format_address

    return format_address(address_of(world.client.suite, world.citizen.public_key))


def test_the_public_explorer_can_be_turned_off(tmp_path: Path) -> None:
    with inprocess_node(tmp_path, ORGS, suite="intl", public_explorer=False) as env:
        client = env.client
        admin = load_key(env.keys_dir / "bank-admin.key", PW)
        auditor = _auditor(env)  # writes still go through /v1/txs as always
        assert client.status().height >= 1  # the chain's status stays public
        with pytest.raises(SignedReadRequired):
            client.get_block(1)  # blocks with their transactions: an explorer read
        with pytest.raises(SignedReadRequired):
            client._get(f"/v1/state/{b'params'.hex()}")
        with pytest.raises(SignedReadRequired, match="public explorer is off"):
            client.get_tx(client.submit_and_wait(client.builder(admin).anchor(bytes(32))).tx_hash)
        client.read_as(admin, "登记市民 / register a citizen")
        citizen = client.suite.generate_private_key()
        env.register_did(citizen)
        client.read_as(None)
        with pytest.raises(ReadForbidden):  # a citizen's key is no member's
            client.signed_get(citizen, "/v1/blocks/1", "看看", txs="true")
        for path in ("/v1/data/requests", "/v1/contracts/token/state", "/v1/events"):
            with pytest.raises(SignedReadRequired, match="public explorer is off"):
                client._get(path)
        with pytest.raises(SignedReadRequired):
            client.query("token", "balance_of", {"who": "x"})
        assert client._get("/v1/data/datasets")["datasets"] == []  # the catalogue stays public
        client.read_as(admin, "区块核对 / block check")
        blk = client.get_block(1)  # signed, verified and logged
        assert blk.height == 1
        assert client._get("/v1/data/requests")["requests"] == []
        with pytest.raises(NotFound):  # signed and allowed: the contract is simply not there
            client.query("token", "balance_of", {"who": "x"})
        client.read_as(None)
        entries = client.access_log(auditor, "审计")
        assert any(e["record"] == "block/1" and e["basis"] == "org:bank" for e in entries)


def _auditor(env: InProcessNode):  # type: ignore[no-untyped-def]
    key = env.client.suite.generate_private_key()
    sjj = load_key(env.keys_dir / "sjj-admin.key", PW)
    tx = env.client.builder(sjj).member_add("sjj", key.public_key, ["auditor"], "审计")
    assert env.client.submit_and_wait(tx).receipt.status == "ok"
    return key
