"""The REST API over a real node in a temporary directory (suite intl; one test with sm)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from wuyi.abc import PrivateKey
from wuyi.api.app import create_app
from wuyi.crypto import address_of, get_suite, load_key
from wuyi.encoding import encode
from wuyi.ledger import keys
from wuyi.ledger.bundle import validate_bundle
from wuyi.ledger.jsonform import from_json
from wuyi.ledger.types import Transaction
from wuyi.node.home import NodeSettings, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer
from wuyi.sdk import TxBuilder

with warnings.catch_warnings():  # starlette prefers httpx2; the project uses httpx
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PW = "test-passphrase"
ORGS = [OrgSpec("sjj", "江门市政务服务数据管理局", True), OrgSpec("zjj", "江门市住房和城乡建设局")]


@dataclass
class Chain:
    node: Node
    client: TestClient
    admins: dict[str, PrivateKey]
    home: Path

    @property
    def suite(self) -> Any:
        return self.node.suite

    def builder(self, key: PrivateKey) -> TxBuilder:
        return TxBuilder(self.node.chain.chain_id, key, current_height=self.node.height)

    def submit(self, tx: Transaction | bytes, **params: Any) -> Any:
        raw = tx.to_bytes() if isinstance(tx, Transaction) else tx
        return self.client.post("/v1/txs", json={"tx": raw.hex()}, params=params)

    def commit(self, tx: Transaction) -> dict[str, Any]:
        r = self.submit(tx, wait="true", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def fingerprint(self) -> tuple[int, bytes | None]:
        return self.node.height, self.node.store.state_root


def make_chain(tmp: Path, suite: str = "intl") -> Iterator[Chain]:
    res = init_home(
        tmp,
        chain_id="test-chain",
        suite=suite,
        orgs=ORGS,
        passphrase=PW,
        time_ms=1_764_201_600_000,
        name="测试链",
        settings=NodeSettings(block_interval_ms=0),
    )
    admins = {o: load_key(path, PW) for o, (path, _) in res.admin_keys.items()}
    node = Node.open(tmp, validator_key=res.home.load_validator_key(PW))
    producer = BlockProducer(node, interval_ms=0)
    producer.start()
    try:
        with TestClient(create_app(node, is_ready=lambda: producer.running)) as client:
            yield Chain(node, client, admins, tmp)
    finally:
        producer.stop()
        node.close()


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    yield from make_chain(tmp_path)


def assert_problem(r: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    doc = r.json()
    assert doc["code"] == code, doc
    assert doc["status"] == status and doc["title"] and doc["detail"] and doc["type"]
    if field is not None:
        assert doc.get("field") == field, doc
    return doc  # type: ignore[no-any-return]


# -- happy paths -----------------------------------------------------------------------------


def test_status_health_and_openapi(chain: Chain) -> None:
    c = chain.client
    st = c.get("/v1/status").json()
    assert st["chain_id"] == "test-chain" and st["suite"] == "intl" and st["name"] == "测试链"
    assert st["height"] == 0 and st["genesis_hash"] == chain.node.genesis_hash.hex()
    assert st["validators"][0]["address"].startswith("wy")
    assert c.get("/healthz").json() == {"status": "ok"}
    assert c.get("/readyz").status_code == 200
    spec = c.get("/openapi.json").json()
    for path in (
        "/v1/txs",
        "/v1/txs/batch",
        "/v1/blocks/{ref}",
        "/v1/state/{key_hex}",
        "/v1/verify",
        "/v1/evidence/{doc_hash}/bundle",
        "/v1/orgs/{org_id}/members",
        "/v1/accounts/{address}/txs",
    ):
        assert path in spec["paths"], path
    body = spec["paths"]["/v1/txs"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/cbor"} <= set(body)


def test_submit_wait_then_read_tx_block_receipts(chain: Chain) -> None:
    doc_hash = chain.suite.hash(b"hello")
    tx = chain.builder(chain.admins["zjj"]).anchor(doc_hash, {"title": "测试"})
    res = chain.commit(tx)
    assert res["status"] == "committed" and res["receipt"]["status"] == "ok"
    h = res["height"]
    tx_hash = tx.compute_hash(chain.suite).hex()
    assert res["tx_hash"] == tx_hash

    got = chain.client.get(f"/v1/txs/{tx_hash}").json()
    assert got["status"] == "committed" and got["tx"]["kind"] == "evidence.anchor"
    # bytes in the free-form payload are told apart from text; the signature has its name
    assert got["tx"]["payload"]["doc_hash"] == {"$bytes": doc_hash.hex()}
    assert got["tx"]["payload"]["meta"] == {"title": "测试"}
    assert "signature" not in got["tx"] and len(bytes.fromhex(got["tx"]["sig"])) == 64
    blk = chain.client.get(f"/v1/blocks/{h}").json()
    assert tx_hash in blk["tx_hashes"] and blk["qc"]["height"] == h
    assert chain.client.get("/v1/blocks/latest").json()["height"] == chain.node.height
    rcpts = chain.client.get(f"/v1/blocks/{h}/receipts").json()["receipts"]
    assert rcpts[0]["events"][0]["type"] == "evidence.anchored"
    listing = chain.client.get("/v1/blocks", params={"limit": 5}).json()
    assert [b["height"] for b in listing["blocks"]] == list(range(chain.node.height, -1, -1))[:5]
    addr = "wy" + address_of(chain.suite, chain.admins["zjj"].public_key).hex()
    acct = chain.client.get(f"/v1/accounts/{addr}/txs").json()
    assert acct["txs"][0]["tx_hash"] == tx_hash and acct["txs"][0]["status"] == "ok"


def test_submit_without_wait_and_cbor_body(chain: Chain) -> None:
    tx = chain.builder(chain.admins["zjj"]).anchor(chain.suite.hash(b"cbor"))
    r = chain.client.post(
        "/v1/txs", content=tx.to_bytes(), headers={"content-type": "application/cbor"}
    )
    assert r.status_code == 202 and r.json()["tx_hash"] == tx.compute_hash(chain.suite).hex()
    info = chain.node.wait_for_tx(tx.compute_hash(chain.suite), 10)
    assert info.receipt.ok


def test_batch_reports_each_tx(chain: Chain) -> None:
    b = chain.builder(chain.admins["zjj"])
    good = [b.anchor(chain.suite.hash(bytes([i]))) for i in range(3)]
    r = chain.client.post(
        "/v1/txs/batch", json={"txs": [t.to_bytes().hex() for t in good] + ["zz", "a0"]}
    )
    doc = r.json()
    assert r.status_code == 200 and doc["accepted"] == 3 and doc["rejected"] == 2
    assert doc["results"][3]["problem"]["code"] == "bad_encoding"
    assert doc["results"][4]["problem"]["code"] == "invalid"


def test_state_with_proof_and_identity_reads(chain: Chain) -> None:
    key = keys.org_key("zjj")
    doc = chain.client.get(f"/v1/state/{key.hex()}").json()
    assert doc["decoded"]["name"] == "江门市住房和城乡建设局"
    assert doc["proof"] and doc["header"]["height"] == 0 and doc["validators"]
    absent = chain.client.get(f"/v1/state/{b'org/none'.hex()}").json()
    assert absent["value"] is None and absent["proof"] is not None
    orgs = chain.client.get("/v1/orgs").json()["orgs"]
    assert {o["id"] for o in orgs} == {"sjj", "zjj"}
    assert chain.client.get("/v1/orgs/sjj").json()["operator"] is True
    members = chain.client.get("/v1/orgs/zjj/members").json()["members"]
    assert len(members) == 1 and members[0]["roles"] == ["admin"]
    addr = members[0]["address"]
    assert chain.client.get(f"/v1/members/{addr}").json()["org"] == "zjj"
    assert chain.client.get(f"/v1/members/{addr[2:]}").json()["org"] == "zjj"


def test_evidence_bundle_and_verify(chain: Chain) -> None:
    document = "新会陈皮产地证明 No. 2024-001".encode()
    doc_hash = chain.suite.hash(document)
    chain.commit(chain.builder(chain.admins["zjj"]).anchor(doc_hash, {"title": "产地证明"}))
    rec = chain.client.get(f"/v1/evidence/{doc_hash.hex()}").json()
    assert rec["org"] == "zjj" and rec["status"] == "active" and rec["submitter"].startswith("wy")

    bundle_json = chain.client.get(f"/v1/evidence/{doc_hash.hex()}/bundle").json()
    report = validate_bundle(from_json(bundle_json), document)
    assert report.status == "active" and report.meta == {"title": "产地证明"}

    ok = chain.client.post("/v1/verify", files={"file": ("doc.txt", io.BytesIO(document))}).json()
    assert ok["found"] and ok["valid"] and ok["status"] == "active"
    assert any("document" in c for c in ok["checks"])
    by_hash = chain.client.post("/v1/verify", json={"doc_hash": doc_hash.hex()}).json()
    assert by_hash["found"] and by_hash["valid"]

    altered = bytearray(document)
    altered[0] ^= 1
    bad = chain.client.post("/v1/verify", files={"file": ("doc.txt", bytes(altered))}).json()
    assert bad["found"] is False and bad["valid"] is False and "no evidence record" in bad["error"]


def test_sm_suite_end_to_end(tmp_path: Path) -> None:
    for ch in make_chain(tmp_path, suite="sm"):
        document = b"sm document"
        doc_hash = get_suite("sm").hash(document)
        res = ch.commit(ch.builder(ch.admins["zjj"]).anchor(doc_hash))
        assert res["receipt"]["status"] == "ok"
        ok = ch.client.post("/v1/verify", files={"file": ("d", document)}).json()
        assert ok["valid"] and ch.client.get("/v1/status").json()["suite"] == "sm"


# -- bad input: a stable code, a message naming the problem, and nothing changed ----------------


def test_bad_inputs_are_rejected_with_stable_codes_and_change_nothing(chain: Chain) -> None:
    admin = chain.admins["zjj"]
    b = chain.builder(admin)
    committed = b.anchor(chain.suite.hash(b"first"))
    chain.commit(committed)
    before = chain.fingerprint()

    def good(**kw: Any) -> Transaction:
        fields: dict[str, Any] = {
            "chain_id": "test-chain",
            "sender": admin.public_key,
            "nonce": 7,
            "expiry": chain.node.height + 100,
            "kind": "evidence.anchor",
            "payload": {"doc_hash": chain.suite.hash(b"x")},
        }
        fields.update(kw)
        return Transaction(**fields)

    c = chain.client
    # malformed encoding: not hex, not CBOR, not canonical, wrong shape
    assert_problem(c.post("/v1/txs", json={"tx": "xyz"}), 400, "bad_encoding", "tx")
    assert_problem(c.post("/v1/txs", json={"tx": "ff00"}), 400, "bad_encoding")
    noncanon = bytes.fromhex("1817")  # 23 encoded in two bytes
    assert_problem(chain.submit(noncanon), 400, "bad_encoding")
    assert_problem(
        c.post("/v1/txs", content=b"{", headers={"content-type": "application/json"}),
        400,
        "bad_encoding",
    )
    assert_problem(c.post("/v1/txs", json={"wrong": 1}), 400, "invalid")
    assert_problem(
        c.post("/v1/txs", content=b"x", headers={"content-type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    # wrong chain
    assert_problem(chain.submit(good(chain_id="other-chain").signed(admin)), 400, "wrong_chain")
    # bad and missing signatures
    signed = good().signed(admin)
    forged = Transaction(
        *[getattr(signed, f) for f in ("chain_id", "sender", "nonce", "expiry", "kind", "payload")],
        signature=bytes(64),
    )
    assert_problem(chain.submit(forged), 400, "bad_signature")
    assert_problem(chain.submit(good()), 400, "bad_signature")  # empty signature
    # replay of a committed transaction's body under other signature bytes (the same bytes
    # sent again are idempotent: test_resubmitting_the_same_bytes_is_idempotent)
    recommitted = Transaction(
        *[getattr(committed, f) for f in ("chain_id", "sender", "nonce", "expiry", "kind")],
        committed.payload,
        signature=bytes(64),
    )
    doc = assert_problem(chain.submit(recommitted), 409, "replay")
    assert committed.compute_hash(chain.suite).hex() in doc["detail"]
    # expired
    assert_problem(chain.submit(good(expiry=0).signed(admin)), 400, "expired")
    # oversize
    big = good(payload={"doc_hash": chain.suite.hash(b"x"), "meta": {"blob": "x" * 70_000}}).signed(
        admin
    )
    assert_problem(chain.submit(big), 413, "oversize")
    # unknown kind
    doc = assert_problem(chain.submit(good(kind="no.such").signed(admin)), 400, "unknown_kind")
    assert "no.such" in doc["detail"]
    # invalid payload fields, each named
    assert_problem(
        chain.submit(good(payload={"doc_hash": b"short"}).signed(admin)), 400, "invalid", "doc_hash"
    )
    assert_problem(
        chain.submit(
            good(payload={"doc_hash": chain.suite.hash(b"x"), "meta": {"n": [1]}}).signed(admin)
        ),
        400,
        "invalid",
        "meta",
    )
    assert_problem(
        chain.submit(good(payload={"doc_hash": chain.suite.hash(b"x"), "x": 1}).signed(admin)),
        400,
        "invalid",
        "x",
    )
    # query/path validation and unknown objects
    assert_problem(c.get("/v1/blocks", params={"limit": 0}), 422, "invalid", "limit")
    assert_problem(c.get("/v1/blocks/abc"), 400, "invalid", "height")
    assert_problem(c.get("/v1/blocks/999"), 404, "not_found")
    assert_problem(c.get(f"/v1/txs/{'00' * 32}"), 404, "not_found")
    assert_problem(c.get("/v1/txs/zz"), 400, "bad_encoding", "tx_hash")
    assert_problem(c.get("/v1/state/zz"), 400, "bad_encoding", "key")
    assert_problem(c.get(f"/v1/evidence/{'11' * 32}"), 404, "not_found")
    assert_problem(c.get("/v1/evidence/1234"), 400, "invalid", "doc_hash")
    assert_problem(c.get("/v1/members/wy1234"), 400, "invalid", "address")
    assert_problem(c.get("/v1/orgs/nope"), 404, "not_found")
    assert_problem(c.get("/v1/nope"), 404, "not_found")
    assert_problem(c.post("/v1/verify", json={"doc_hash": "zz"}), 400, "bad_encoding")
    assert_problem(c.post("/v1/verify", files={"other": ("a", b"a")}), 400, "invalid", "file")
    assert_problem(c.post("/v1/txs/batch", json={"txs": "notalist"}), 400, "invalid", "txs")

    chain.node.produce_block()
    assert chain.fingerprint() == before
    assert len(chain.node.mempool) == 0


def test_a_stranger_is_refused_at_the_door_and_nothing_reaches_the_chain(chain: Chain) -> None:
    """Issue #16 item 4: a fresh key's evidence.anchor used to commit (as failed) with its
    payload on chain for ever. It is refused before the mempool with ``not_member`` now."""
    outsider = chain.suite.generate_private_key()
    before = chain.fingerprint()
    doc_hash = chain.suite.hash(b"outsider doc")
    tx = chain.builder(outsider).anchor(doc_hash, {"title": "spam" * 50})
    doc = assert_problem(chain.submit(tx, wait="true", timeout=5), 403, "not_member")
    assert "not an active member of any organisation" in doc["detail"]
    h = tx.compute_hash(chain.suite).hex()
    assert chain.client.get(f"/v1/txs/{h}").status_code == 404  # not pooled, not committed
    assert chain.fingerprint() == before
    assert chain.client.get(f"/v1/evidence/{doc_hash.hex()}").status_code == 404
    # nor in a batch: each refused with its code
    r = chain.client.post("/v1/txs/batch", json={"txs": [tx.to_bytes().hex()]})
    assert r.status_code == 200 and r.json()["rejected"] == 1
    assert r.json()["results"][0]["problem"]["code"] == "not_member"
    # a member acting outside its rights still commits a failed receipt (members are accountable)
    zjj_admin = chain.admins["zjj"]
    res = chain.commit(chain.builder(zjj_admin).member_add("sjj", outsider.public_key, ["client"]))
    assert res["receipt"]["status"] == "unauthorized" and "sjj" in res["receipt"]["error"]
    addr = address_of(chain.suite, outsider.public_key).hex()
    assert chain.client.get(f"/v1/members/{addr}").status_code == 404


def test_a_suspended_member_is_refused_at_the_door(chain: Chain) -> None:
    clerk = chain.suite.generate_private_key()
    admin = chain.admins["zjj"]
    res = chain.commit(chain.builder(admin).member_add("zjj", clerk.public_key, ["client"]))
    assert res["receipt"]["status"] == "ok"
    res = chain.commit(chain.builder(clerk).anchor(chain.suite.hash(b"a")))
    assert res["receipt"]["status"] == "ok"
    addr = address_of(chain.suite, clerk.public_key)
    res = chain.commit(chain.builder(admin).member_set_status(addr, "suspended"))
    assert res["receipt"]["status"] == "ok"
    before = chain.fingerprint()
    r = chain.submit(chain.builder(clerk).anchor(chain.suite.hash(b"b")), wait="true", timeout=5)
    doc = assert_problem(r, 403, "member_suspended")
    assert "suspended" in doc["detail"]
    assert chain.fingerprint() == before


def test_pending_tx_is_reported_pending(tmp_path: Path) -> None:
    res = init_home(
        tmp_path, chain_id="test-chain", suite="intl", orgs=ORGS, passphrase=PW, time_ms=1
    )
    node = Node.open(tmp_path, validator_key=res.home.load_validator_key(PW))
    try:
        key = load_key(res.admin_keys["zjj"][0], PW)
        tx = TxBuilder("test-chain", key).anchor(node.suite.hash(b"p"))
        with TestClient(create_app(node, is_ready=lambda: False)) as c:
            assert c.post("/v1/txs", json={"tx": tx.to_bytes().hex()}).status_code == 202
            h = tx.compute_hash(node.suite).hex()
            assert c.get(f"/v1/txs/{h}").json() == {"tx_hash": h, "status": "pending"}
            # the same bytes again: idempotent, answered like the first time
            again = c.post("/v1/txs", json={"tx": tx.to_bytes().hex()})
            assert again.status_code == 202 and again.json() == {"tx_hash": h, "status": "pending"}
            r = c.post(
                "/v1/txs",
                json={"tx": tx.to_bytes().hex()},
                params={"wait": "true", "timeout": 0.05},
            )
            assert assert_problem(r, 504, "timeout")["tx_hash"] == h
            # the same body under other signature bytes is still refused
            other = Transaction(
                *[getattr(tx, f) for f in ("chain_id", "sender", "nonce", "expiry", "kind")],
                tx.payload,
                signature=bytes(64),
            )
            assert_problem(c.post("/v1/txs", json={"tx": other.to_bytes().hex()}), 409, "duplicate")
            assert_problem(c.get("/readyz"), 503, "not_ready")
            tx2 = TxBuilder("test-chain", key).anchor(node.suite.hash(b"q"))
            r = c.post(
                "/v1/txs",
                json={"tx": tx2.to_bytes().hex()},
                params={"wait": "true", "timeout": 0.05},
            )
            assert_problem(r, 504, "timeout")
    finally:
        node.close()


def test_encode_is_canonical_for_test_vectors() -> None:
    # the non-canonical vector used above really is non-canonical
    assert encode(23) == b"\x17"


def test_docs_are_served_without_internet(chain: Chain) -> None:
    client = chain.client
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in page.text and "cdn" not in page.text.lower()
    js = client.get("/static/swagger/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000


def test_personal_numbers_in_evidence_meta_are_refused_with_personal_data(chain: Chain) -> None:
    """Issue #16 item 6: an ID number in evidence metadata used to be committed in clear."""
    admin = chain.admins["zjj"]
    before = chain.fingerprint()
    tx = chain.builder(admin).anchor(chain.suite.hash(b"x"), {"applicant": "440703199001011234"})
    doc = assert_problem(chain.submit(tx), 400, "personal_data", "meta.applicant")
    assert "commitment" in doc["detail"]
    tx = chain.builder(admin).anchor(chain.suite.hash(b"x"), {"联系电话": "0750-3501234"})
    assert_problem(chain.submit(tx), 400, "personal_data", "meta.联系电话")
    assert chain.fingerprint() == before
