"""The data-sharing channel end to end over an in-process node: 人社局 (rsj) offers, 住建局 (zjj)
requests, rsj approves and delivers encrypted through the blob service, zjj fetches and
decrypts; 公安局 (gaj) cannot; tampering and unauthorised downloads are refused; the audit
shows the whole trail. The SDK (``wuyi.sdk.data``) and the CLI (``wuyi data``) drive it."""

from __future__ import annotations

import importlib
import os
import stat
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning
from test_api import PW, Chain, assert_problem
from test_api_sdk import client_over
from typer.testing import CliRunner

from wuyi.api.app import create_app
from wuyi.api.datashare import blob_dir
from wuyi.crypto import load_key
from wuyi.exceptions import DecryptionError, KeyFileError, ProofInvalid, TxFailed, Unauthorized
from wuyi.node.home import NodeSettings, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer
from wuyi.sdk.data import (
    AgreementKey,
    DataShare,
    agreement_key_path,
    ensure_agreement_key,
    load_agreement_key,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

ORGS = [
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("rsj", "江门市人力资源和社会保障局"),
    OrgSpec("zjj", "江门市住房和城乡建设局"),
    OrgSpec("gaj", "江门市公安局"),
]
PAYLOAD = "person_hash,months_paid\n9f2c…,36\n".encode()
HOUR = 3_600_000


def make_chain(tmp: Path, suite: str) -> Iterator[Chain]:
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


@pytest.fixture(params=["intl", "sm"])
def chain(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Chain]:
    yield from make_chain(tmp_path, request.param)


@pytest.fixture
def intl_chain(tmp_path: Path) -> Iterator[Chain]:
    yield from make_chain(tmp_path, "intl")


def keystore(chain: Chain, org: str) -> Path:
    return chain.home / "keys" / f"{org}-admin.key"


def now_ms() -> int:
    return int(time.time() * 1000)


class Flow:
    """rsj offers, zjj requests (with its data key next to its keystore), rsj approves and
    delivers."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.ds = DataShare(client_over(chain))
        self.rsj, self.zjj, self.gaj = (chain.admins[o] for o in ("rsj", "zjj", "gaj"))
        self.suite = self.ds.suite_name
        self.zjj_key = ensure_agreement_key(keystore(chain, "zjj"), PW, self.suite, owner=self.zjj)

    def offer(self) -> None:
        self.ds.offer(
            self.rsj,
            "social-insurance",
            "社保缴纳记录",
            ["person_hash", "months_paid", "employer"],
            description="按月的社保缴纳状态",
        )

    def request(self) -> bytes:
        return self.ds.request(
            self.zjj,
            "social-insurance",
            "住房公积金贷款资格审核",
            ["person_hash", "months_paid"],
            now_ms() + 2 * HOUR,
            self.zjj_key,
        )

    def approved(self) -> bytes:
        self.offer()
        rid = self.request()
        self.ds.approve(self.rsj, rid, now_ms() + HOUR)
        return rid


def test_full_flow_with_both_suites(chain: Chain) -> None:
    f = Flow(chain)
    f.offer()
    listed = f.ds.datasets()
    assert [d["id"] for d in listed] == ["social-insurance"] and listed[0]["owner"] == "rsj"
    assert listed[0]["offered_by"].startswith("wy")
    rid = f.request()
    assert f.ds.get_request(rid)["status"] == "pending"
    f.ds.approve(f.rsj, rid, now_ms() + HOUR)
    d = f.ds.deliver(f.rsj, rid, PAYLOAD)
    assert d.location == f"blob:{d.ciphertext_hash.hex()}"
    stored = blob_dir(chain.node) / d.ciphertext_hash.hex()
    assert stored.exists() and PAYLOAD not in stored.read_bytes()  # ciphertext only

    got = f.ds.fetch(f.zjj, d.delivery_id, "贷款审核", f.zjj_key)
    assert got.data == PAYLOAD and got.access_n == 0

    # gaj gets nothing: it may not record an access, and zjj's ciphertext is not for its key
    with pytest.raises(Unauthorized, match="requesting organisation 'zjj'"):
        f.ds.fetch(f.gaj, d.delivery_id, "窥探", f.zjj_key)
    gaj_key = ensure_agreement_key(keystore(chain, "gaj"), PW, f.suite)
    blob = f.ds.get_blob(d.ciphertext_hash, got.access_tx)  # the ciphertext leaks, uselessly
    with pytest.raises(DecryptionError, match="not sealed to this key"):
        f.ds.open_delivery(f.ds.verified_delivery(d.delivery_id), blob, gaj_key)

    # on chain: hashes and the commitment, never the payload
    dlv = f.ds.delivery(d.delivery_id)
    assert dlv["ciphertext_hash"] == d.ciphertext_hash.hex()
    assert dlv["commitment"] == d.commitment.hex() and dlv["accesses"] == 1
    assert [a["purpose"] for a in dlv["access_log"]] == ["贷款审核"]
    raw_state = b"".join(v for _, v in chain.node.store.iter_prefix(b"data/"))
    assert PAYLOAD not in raw_state and b"months_paid=" not in raw_state

    a = f.ds.audit(dataset="social-insurance")
    assert [e["action"] for e in a["events"]] == [
        "offered",
        "requested",
        "approved",
        "delivered",
        "accessed",
    ]
    assert a["events"][2]["org"] == "rsj" and a["events"][4]["org"] == "zjj"
    assert a["events"][4]["purpose"] == "贷款审核"
    assert a["events"][3]["ciphertext_hash"] == d.ciphertext_hash.hex()


def test_audit_routes_show_the_whole_trail(intl_chain: Chain) -> None:
    f = Flow(intl_chain)
    rid = f.approved()
    d = f.ds.deliver(f.rsj, rid, PAYLOAD)
    f.ds.fetch(f.zjj, d.delivery_id, "初审", f.zjj_key)
    f.ds.fetch(f.zjj, d.delivery_id, "复核", f.zjj_key)
    f.ds.revoke(f.rsj, rid)
    cl = intl_chain.client
    a = cl.get("/v1/data/datasets/social-insurance/audit").json()
    assert [e["action"] for e in a["events"]] == [
        "offered",
        "requested",
        "approved",
        "delivered",
        "accessed",
        "accessed",
        "revoked",
    ]
    assert a["summary"] == {"requests": 1, "approved": 1, "deliveries": 1, "accesses": 2}
    by = {e["action"]: e["by"] for e in a["events"]}
    assert by["requested"] == f.ds.client.member(by["requested"]).address
    assert f.ds.client.member(by["approved"]).org == "rsj"
    z = cl.get("/v1/data/audit/zjj").json()
    assert z["summary"]["accesses"] == 2 and z["summary"]["datasets"] == ["social-insurance"]
    assert [e["purpose"] for e in z["events"] if e["action"] == "accessed"] == ["初审", "复核"]
    reqs = cl.get("/v1/data/requests", params={"dataset": "social-insurance"}).json()["requests"]
    assert [r["id"] for r in reqs] == [rid.hex()] and reqs[0]["status"] == "revoked"
    assert cl.get("/v1/data/requests", params={"requester": "gaj"}).json()["requests"] == []
    one = cl.get(f"/v1/data/requests/{rid.hex()}").json()
    assert one["requester_org"] == "zjj" and one["accesses"] == 2
    assert [x["action"] for x in one["log"]] == ["approved", "revoked"]
    ds = cl.get("/v1/data/datasets/social-insurance").json()
    assert ds["owner"] == "rsj" and [r["id"] for r in ds["requests"]] == [rid.hex()]
    assert_problem(cl.get("/v1/data/datasets/nope"), 404, "not_found")
    assert_problem(cl.get("/v1/data/requests/zz"), 400, "bad_encoding")
    assert_problem(cl.get(f"/v1/data/requests/{'00' * 16}"), 404, "not_found")
    assert "/v1/blobs/{blob_hash}" in cl.get("/openapi.json").json()["paths"]


def test_tampered_blob_is_detected_by_its_hash(intl_chain: Chain) -> None:
    f = Flow(intl_chain)
    d = f.ds.deliver(f.rsj, f.approved(), PAYLOAD)
    path = blob_dir(intl_chain.node) / d.ciphertext_hash.hex()
    good = path.read_bytes()
    data = bytearray(good)
    data[20] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(
        ProofInvalid, match=r"differs from the ciphertext_hash .* recorded on chain"
    ):
        f.ds.fetch(f.zjj, d.delivery_id, "审核", f.zjj_key)
    # the untouched blob opens; a swapped ephemeral key or commitment is refused
    dlv = f.ds.verified_delivery(d.delivery_id)
    with pytest.raises(DecryptionError):
        f.ds.open_delivery(dlv | {"sender_key": f.zjj_key.public}, good, f.zjj_key)
    with pytest.raises(ProofInvalid, match="commitment"):
        f.ds.open_delivery(dlv | {"commitment": b"\x00" * 32}, good, f.zjj_key)
    assert f.ds.open_delivery(dlv, good, f.zjj_key) == PAYLOAD


def test_blob_is_served_only_against_a_committed_access(intl_chain: Chain) -> None:
    f = Flow(intl_chain)
    cl = intl_chain.client
    rid = f.approved()
    d = f.ds.deliver(f.rsj, rid, PAYLOAD)
    h = d.ciphertext_hash.hex()
    doc = assert_problem(cl.get(f"/v1/blobs/{h}"), 403, "unauthorized", "access")
    assert "committed data.access" in doc["detail"]
    doc = assert_problem(
        cl.get(f"/v1/blobs/{h}", params={"access": "ab" * 32}), 403, "unauthorized"
    )
    assert "no transaction" in doc["detail"]
    doc = assert_problem(
        cl.get(f"/v1/blobs/{h}", params={"access": d.tx_hash}), 403, "unauthorized"
    )
    assert "is a data.deliver, not a data.access" in doc["detail"]
    # a failed access (gaj) is committed but does not count
    with pytest.raises(Unauthorized):
        f.ds._commit(f.gaj, "data.access", {"delivery": d.delivery_id, "purpose": "x"})
    [failed] = cl.get("/v1/blocks/latest").json()["tx_hashes"]
    doc = assert_problem(cl.get(f"/v1/blobs/{h}", params={"access": failed}), 403, "unauthorized")
    assert "failed (unauthorized)" in doc["detail"]

    got = f.ds.fetch(f.zjj, d.delivery_id, "审核", f.zjj_key)
    r = cl.get(f"/v1/blobs/{h}", params={"access": got.access_tx})
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    other = f.ds.put_blob(f.rsj, rid, b"some other ciphertext")
    assert other["size"] == 21 and other["location"] == f"blob:{other['hash']}"
    doc = assert_problem(
        cl.get(f"/v1/blobs/{other['hash']}", params={"access": got.access_tx}), 403, "unauthorized"
    )
    assert "not at this blob" in doc["detail"]

    (blob_dir(intl_chain.node) / h).unlink()
    assert_problem(cl.get(f"/v1/blobs/{h}", params={"access": got.access_tx}), 404, "not_found")

    f.ds.revoke(f.rsj, rid)  # a revoked grant stops downloads, even with an old access
    doc = assert_problem(
        cl.get(f"/v1/blobs/{h}", params={"access": got.access_tx}), 403, "unauthorized"
    )
    assert "revoked, not approved" in doc["detail"]
    with pytest.raises(TxFailed, match="request is revoked, not approved"):
        f.ds.fetch(f.zjj, d.delivery_id, "再次", f.zjj_key)


def test_blob_upload_limits(intl_chain: Chain) -> None:
    f = Flow(intl_chain)
    cl = intl_chain.client
    rid = f.approved()
    q = {"request": rid.hex()}
    assert_problem(cl.put("/v1/blobs", params=q, content=b""), 400, "invalid")
    too_big = b"\x00" * (16 * 1024 * 1024 + 1)
    assert_problem(cl.put("/v1/blobs", params=q, content=too_big), 413, "oversize")
    ok = f.ds.put_blob(f.rsj, rid, b"x" * 100)
    assert ok["size"] == 100 and len(ok["hash"]) == 64
    assert f.ds.put_blob(f.rsj, rid, b"x" * 100) == ok  # idempotent
    assert_problem(cl.get("/v1/blobs/xyz", params={"access": "00" * 32}), 400, "bad_encoding")


def _stored(chain: Chain) -> list[str]:
    d = blob_dir(chain.node)
    return sorted(p.name for p in d.iterdir() if len(p.name) == 64) if d.is_dir() else []


def test_anonymous_and_stranger_uploads_are_refused(intl_chain: Chain) -> None:
    """Issue #16 item 4: ``PUT /v1/blobs`` stored a 3 MB anonymous upload. Only a member of
    the organisation that owns a pending or approved data request may upload, signed."""
    from wuyi.sdk.auth import signed_headers

    f = Flow(intl_chain)
    cl = intl_chain.client
    rid = f.approved()
    big = os.urandom(3 * 1024 * 1024)
    q = {"request": rid.hex()}
    # anonymous: no signature
    doc = assert_problem(cl.put("/v1/blobs", params=q, content=big), 403, "unauthorized")
    assert doc["field"] == "X-Wuyi-Key"
    # a key that is no member
    stranger = intl_chain.suite.generate_private_key()
    hdrs = signed_headers(stranger, "test-chain", "PUT", "/v1/blobs", q, big)
    assert_problem(cl.put("/v1/blobs", params=q, content=big, headers=hdrs), 403, "not_member")
    # a member of another organisation than the request's owner (zjj asked, rsj delivers)
    hdrs = signed_headers(f.zjj, "test-chain", "PUT", "/v1/blobs", q, big)
    doc = assert_problem(
        cl.put("/v1/blobs", params=q, content=big, headers=hdrs), 403, "upload_refused"
    )
    assert "only its members deliver" in doc["detail"]
    # the owner's member, but the signature covers another body / another request / a replay
    hdrs = signed_headers(f.rsj, "test-chain", "PUT", "/v1/blobs", q, b"other")
    assert_problem(cl.put("/v1/blobs", params=q, content=big, headers=hdrs), 400, "bad_signature")
    hdrs = signed_headers(f.rsj, "other-chain", "PUT", "/v1/blobs", q, big)
    assert_problem(cl.put("/v1/blobs", params=q, content=big, headers=hdrs), 400, "bad_signature")
    hdrs = signed_headers(f.rsj, "test-chain", "PUT", "/v1/blobs", q, big, time_ms=now_ms() - HOUR)
    doc = assert_problem(
        cl.put("/v1/blobs", params=q, content=big, headers=hdrs), 403, "unauthorized"
    )
    assert doc["field"] == "X-Wuyi-Time"
    # no such request
    q2 = {"request": "00" * 16}
    hdrs = signed_headers(f.rsj, "test-chain", "PUT", "/v1/blobs", q2, big)
    assert_problem(cl.put("/v1/blobs", params=q2, content=big, headers=hdrs), 403, "upload_refused")
    assert _stored(intl_chain) == []
    # the right member, signed: stored; the same signed request again is a replay
    hdrs = signed_headers(f.rsj, "test-chain", "PUT", "/v1/blobs", q, big)
    r = cl.put("/v1/blobs", params=q, content=big, headers=hdrs)
    assert r.status_code == 200, r.text
    doc = assert_problem(
        cl.put("/v1/blobs", params=q, content=big, headers=hdrs), 403, "unauthorized"
    )
    assert doc["field"] == "X-Wuyi-Nonce"
    assert _stored(intl_chain) == [r.json()["hash"]]
    meta = (blob_dir(intl_chain.node) / (r.json()["hash"] + ".meta")).read_text()
    assert '"org": "rsj"' in meta and rid.hex() in meta
    # once the request is revoked nothing is pending: no more uploads for it
    f.ds.revoke(f.rsj, rid)
    with pytest.raises(Unauthorized, match="no delivery is pending"):
        f.ds.put_blob(f.rsj, rid, b"late")


def test_a_suspended_member_cannot_upload(intl_chain: Chain) -> None:
    from wuyi.crypto import address_of
    from wuyi.exceptions import MemberSuspended

    f = Flow(intl_chain)
    rid = f.approved()
    c = f.ds.client
    clerk = intl_chain.suite.generate_private_key()
    c.submit_and_wait(c.builder(f.rsj).member_add("rsj", clerk.public_key, ["data"], "clerk"))
    assert f.ds.put_blob(clerk, rid, b"by the clerk")["size"] == 12
    addr = address_of(intl_chain.suite, clerk.public_key)
    c.submit_and_wait(c.builder(f.rsj).member_set_status(addr, "suspended"))
    with pytest.raises(MemberSuspended):
        f.ds.put_blob(clerk, rid, b"after suspension")


def test_blob_quota_per_organisation(tmp_path: Path) -> None:
    from wuyi.exceptions import QuotaExceeded
    from wuyi.node.blobs import BlobSettings

    res = init_home(
        tmp_path, chain_id="test-chain", suite="intl", orgs=ORGS, passphrase=PW,
        time_ms=1_764_201_600_000, settings=NodeSettings(block_interval_ms=0),
    )  # fmt: skip
    admins = {o: load_key(path, PW) for o, (path, _) in res.admin_keys.items()}
    node = Node.open(tmp_path, validator_key=res.home.load_validator_key(PW))
    producer = BlockProducer(node, interval_ms=0)
    producer.start()
    try:
        app = create_app(node, blob_settings=BlobSettings(quota_bytes=1000))
        with TestClient(app) as client:
            f = Flow(Chain(node, client, admins, tmp_path))
            rid = f.approved()
            f.ds.put_blob(f.rsj, rid, b"a" * 600)
            with pytest.raises(QuotaExceeded, match="quota of 1000") as info:
                f.ds.put_blob(f.rsj, rid, b"b" * 500)
            assert info.value.code == "quota_exceeded"
            f.ds.put_blob(f.rsj, rid, b"c" * 400)  # exactly at the quota
            assert app.state.blob_store.usage("rsj") == 1000
    finally:
        producer.stop()
        node.close()


def test_blobs_nobody_references_are_collected_after_the_grace_period(intl_chain: Chain) -> None:
    from wuyi.node.blobs import BlobCollector, BlobSettings, BlobStore, referenced_blobs

    f = Flow(intl_chain)
    rid = f.approved()
    d = f.ds.deliver(f.rsj, rid, PAYLOAD)  # referenced by its data.deliver
    orphan = f.ds.put_blob(f.rsj, rid, b"never delivered")["hash"]
    store = BlobStore(blob_dir(intl_chain.node))  # a fresh index, read from the .meta files
    node = intl_chain.node

    def refs() -> set[str]:
        with node.store.snapshot() as v:
            return referenced_blobs(v)

    assert refs() == {d.ciphertext_hash.hex()}
    # within the grace period nothing goes
    assert store.collect(refs(), now_ms=now_ms(), grace_s=3600) == []
    # after it, only the orphan
    assert store.collect(refs(), now_ms=now_ms() + 3601 * 1000, grace_s=3600) == [orphan]
    assert _stored(intl_chain) == [d.ciphertext_hash.hex()]
    assert not (blob_dir(node) / (orphan + ".meta")).exists()
    assert store.usage("rsj") == d.size
    got = f.ds.fetch(f.zjj, d.delivery_id, "审核", f.zjj_key)  # the delivered one still serves
    assert got.data == PAYLOAD
    # the collector thread's one pass, with a zero grace period
    again = f.ds.put_blob(f.rsj, rid, b"another orphan")["hash"]
    gc = BlobCollector(BlobStore(blob_dir(node)), refs, BlobSettings(grace_s=0))
    assert gc.run_once() == [again]


def test_blob_settings_in_node_toml() -> None:
    from wuyi.exceptions import ValidationError

    s = NodeSettings.from_toml("[blobs]\nquota_bytes = 5000\ngrace_s = 60\ngc_interval_s = 30\n")
    assert s.blobs().quota_bytes == 5000 and s.blobs().grace_s == 60
    assert NodeSettings.from_toml(s.to_toml()) == s
    with pytest.raises(ValidationError, match="gc_interval_s"):
        NodeSettings.from_toml("[blobs]\ngc_interval_s = 0\n")


def test_data_key_file_next_to_the_keystore(intl_chain: Chain, tmp_path: Path) -> None:
    ks = keystore(intl_chain, "zjj")
    assert agreement_key_path(ks) == ks.with_name("zjj-admin.key.datakey")
    with pytest.raises(KeyFileError, match="no data key"):
        load_agreement_key(ks, PW)
    k = ensure_agreement_key(ks, PW, "intl", owner=intl_chain.admins["zjj"])
    p = agreement_key_path(ks)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert k.private.hex() not in p.read_text() and k.public.hex() in p.read_text()
    assert load_agreement_key(ks, PW) == k == ensure_agreement_key(ks, PW, "intl")
    assert isinstance(k, AgreementKey) and "private" not in repr(k).replace("AgreementKey", "")
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_agreement_key(ks, "not-the-passphrase")
    with pytest.raises(KeyFileError, match="suite 'intl'"):
        ensure_agreement_key(ks, PW, "sm")


# -- CLI -----------------------------------------------------------------------------------------


def test_cli_walk_through(
    intl_chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wuyi.cli import app

    cli_mod = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli_mod, "_client", lambda node: client_over(intl_chain))
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    monkeypatch.setenv("COLUMNS", "250")
    # the CLI console may exist already (another test in this worker): widen it too
    monkeypatch.setattr(importlib.import_module("wuyi.cli.app").console, "width", 250)
    runner = CliRunner()

    def wuyi(*args: str) -> str:
        r = runner.invoke(app, ["data", *args])
        assert r.exit_code == 0, r.output
        return r.output

    rsj, zjj = str(keystore(intl_chain, "rsj")), str(keystore(intl_chain, "zjj"))
    wuyi(
        "offer", "--id", "social-insurance", "--title", "社保缴纳记录",
        "--field", "person_hash", "--field", "months_paid", "--key", rsj,
    )  # fmt: skip
    assert "social-insurance" in wuyi("list")
    out = wuyi(
        "request", "social-insurance", "--purpose", "公积金贷款审核",
        "--field", "months_paid", "--days", "7", "--key", zjj,
    )  # fmt: skip
    rid = out.split("request ")[1].split()[0]
    assert Path(zjj + ".datakey").exists()
    assert "有效至 / valid until" in wuyi("approve", rid, "--key", rsj)
    src = tmp_path / "payload.csv"
    src.write_bytes(PAYLOAD)
    out = wuyi("deliver", rid, str(src), "--key", rsj)
    did = out.split("wuyi data fetch ")[1].split()[0]
    dest = tmp_path / "got.csv"
    wuyi("fetch", did, "--purpose", "贷款审核", "--out", str(dest), "--key", zjj)
    assert dest.read_bytes() == PAYLOAD
    out = wuyi("audit", "--dataset", "social-insurance")
    for word in (
        "发布 offered",
        "申请 requested",
        "批准 approved",
        "交付 delivered",
        "使用 accessed",
    ):
        assert word in out
    assert "贷款审核" in wuyi("audit", "--org", "zjj")
    assert "approved" in wuyi("show", "social-insurance")

    r = runner.invoke(app, ["data", "approve", rid, "--key", zjj])
    assert r.exit_code == 1 and "request is approved, not pending" in r.output
    r = runner.invoke(
        app, ["data", "fetch", did, "--purpose", "x", "--out", str(dest), "--key", rsj]
    )
    assert r.exit_code == 1 and "no data key" in r.output
