"""The console in a real browser (Debian chromium via Playwright) against a live local node.

Sign in with the operator's key file, watch blocks arrive, approve a pending contract deploy
(checked on chain through the SDK), find a transaction, verify documents (found / not found),
the public check page with a QR code, the language switch, ``wuyi login`` links and roles; and
the page's canonical encoding, hashing and signing byte for byte against Python."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from wuyi.console.auth import challenge_sign_bytes
from wuyi.crypto import address_of, format_address, get_suite, load_key
from wuyi.crypto.keystore import _aad, encrypt_key
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.encoding import encode
from wuyi.ledger.types import TX_DOMAIN, Transaction

SAFE = 2**53 - 1


def open_console(page: Any, url: str, route: str = "") -> None:
    page.goto(f"{url}/console/{route}")
    page.wait_for_selector('body[data-ready="1"]')


def sign_in(page: Any, url: str, key_file: Path) -> None:
    open_console(page, url, "#/login")
    page.set_input_files("[data-testid=key-file]", str(key_file))
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")


def to_form(v: Any) -> Any:
    """Python value → the JSON form the page's test hook takes (bytes and big ints tagged)."""
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if -SAFE <= v <= SAFE else {"$int": str(v)}
    if isinstance(v, list | tuple):
        return [to_form(x) for x in v]
    return {k: to_form(x) for k, x in v.items()}


VALUES: list[Any] = [
    0,
    23,
    24,
    255,
    256,
    65535,
    65536,
    2**32 - 1,
    2**32,
    2**53,
    2**63 - 1,
    2**64 - 1,
    -1,
    -24,
    -25,
    -256,
    -257,
    -(2**32),
    -(2**63),
    "",
    "a",
    "五邑链 江门",
    "é\u00e9\U0001f600",
    "x" * 300,
    b"",
    b"\x00\xff",
    bytes(range(256)),
    [],
    [1, [2, [3]]],
    {},
    {"bb": 1, "a": 2, "c": 3},
    {"é": 1, "z": 2, "aa": 3, "": 4},
    True,
    False,
    None,
    {
        "chain_id": "jiangmen-gov",
        "sender": b"\x04" + bytes(64),
        "nonce": 2**62 + 12345,
        "expiry": 1020,
        "kind": "gov.vote",
        "payload": {"id": 7, "choice": "yes"},
    },
    {
        "kind": "evidence.anchor",
        "payload": {
            "doc_hash": bytes(32),
            "meta": {"title": "许可证", "n": -5, "ok": True, "x": None},
        },
    },
]


def test_encoding_hashing_and_signing_match_python(page: Any, live: Any) -> None:
    open_console(page, live.url, "#/check")
    # canonical encoding, byte for byte
    got = page.evaluate(
        "vs => vs.map(v => window.wuyiConsole.encodeHex(v))", [to_form(v) for v in VALUES]
    )
    assert got == [encode(v).hex() for v in VALUES]
    # the suites' hashes
    sm, intl = get_suite("sm"), get_suite("intl")
    data = "新会陈皮 2016".encode() * 50
    assert (
        page.evaluate("a => window.wuyiConsole.hashHex('sm', a)", data.hex()) == sm.hash(data).hex()
    )
    assert (
        page.evaluate("a => window.wuyiConsole.hashHex('intl', a)", data.hex())
        == intl.hash(data).hex()
    )
    # signed transactions: SM2 (randomised: Python verifies) and Ed25519 (deterministic: equal)
    for suite in (sm, intl):
        key = suite.generate_private_key()
        body = {
            "chain_id": "jiangmen-gov",
            "sender": key.public_key,
            "nonce": 2**63 - 7,
            "expiry": 99,
            "kind": "gov.vote",
            "payload": {"id": 3, "choice": "yes"},
        }
        out = page.evaluate(
            "([s, k, b]) => window.wuyiConsole.signTxHex(s, k, b)",
            [suite.name, key.to_bytes().hex(), to_form(body)],
        )
        tx = Transaction.from_bytes(bytes.fromhex(out["wire"]))
        assert tx.body() == body
        assert suite.verify(key.public_key, TX_DOMAIN + encode(body), tx.signature)
        assert out["txHash"] == tx.compute_hash(suite).hex()
        if suite.name == "intl":
            assert tx.signature == key.sign(TX_DOMAIN + encode(body))
        signed = page.evaluate(
            "([s, k, m]) => window.wuyiConsole.signHex(s, k, m)",
            [suite.name, key.to_bytes().hex(), "00ff"],
        )
        assert signed["publicKey"] == key.public_key.hex()
        assert signed["address"] == format_address(address_of(suite, key.public_key))
    # the login challenge bytes and the keystore's associated data
    c = {
        "address": "wy" + "ab" * 20,
        "chain_id": "jiangmen-gov",
        "expires": 1_795_810_036_809,
        "nonce": bytes(range(16)),
    }
    js = page.evaluate(
        "c => window.wuyiConsole.loginSignBytesHex(c)", {**c, "nonce": c["nonce"].hex()}
    )
    assert js == challenge_sign_bytes(c).hex()
    doc = encrypt_key(intl.generate_private_key(), "口令 pass")
    header = {k: doc[k] for k in ("version", "suite", "public_key", "address", "kdf")}
    assert page.evaluate("h => window.wuyiConsole.canonicalJson(h)", header).encode() == _aad(
        header
    )
    assert (
        page.evaluate("([d, p]) => window.wuyiConsole.openKeystore(d, p)", [doc, "口令 pass"])
        == doc["address"]
    )


def height_shown(page: Any) -> int:
    return int(page.inner_text("[data-testid=height]"))


def test_operator_signs_in_sees_blocks_and_approves_a_contract(page: Any, live: Any) -> None:
    sign_in(page, live.url, live.key_file("sjj"))
    page.wait_for_selector("[data-testid=overview]")
    assert "江门市政务服务数据管理局" in page.inner_text("[data-testid=who]")
    assert page.locator("[data-testid=validators] .dot.up").count() == 1
    assert page.locator("[data-nav=nodes]").count() == 1  # the operator sees platform pages
    before = height_shown(page)
    key = load_key(live.key_file("zjj"), DEMO_PASSPHRASE)
    live.client.anchor(key, b"console test: a new block", wait=True, timeout=30)
    page.wait_for_function(
        "h => Number(document.querySelector('[data-testid=height]').textContent) > h", arg=before
    )
    assert page.locator("[data-testid=pending-alert]").count() == 1

    pid = live.made["zjj_proposal"]
    page.click("[data-nav=contracts]")
    page.click(f"[data-testid=approve-{pid}]")
    page.wait_for_selector(f"[data-testid=prop-msg-{pid}].ok")
    votes = live.client.proposal(pid)["votes"]
    assert votes["sjj"]["choice"] == "yes"
    assert votes["zjj"]["choice"] == "yes"


def test_find_a_transaction_by_hash_sender_and_record(page: Any, live: Any) -> None:
    doc = live.made["documents"][0]
    open_console(page, live.url, "#/explorer")
    page.fill("[data-testid=search]", doc["tx_hash"])
    page.click("[data-testid=search-go]")
    page.wait_for_selector("[data-testid=tx-kind]")
    # decoded in words (the kind's code kept beside it), the raw form one click away
    assert page.get_attribute("[data-testid=tx-kind]", "data-kind") == "evidence.anchor"
    assert "信息上链" in page.inner_text("[data-testid=tx-kind]")
    assert page.inner_text("[data-testid=tx-hash]") == doc["tx_hash"]
    words = page.inner_text("[data-testid=tx-words]")
    assert "文件哈希" in words and doc["doc_hash"][:12] in words
    assert "成功" in page.inner_text("[data-testid=tx-result]")
    assert not page.is_visible("[data-testid=tx-raw] pre")
    page.click("[data-testid=tx-raw] summary")
    assert '"doc_hash"' in page.inner_text("[data-testid=tx-raw] pre >> nth=0")
    page.fill("[data-testid=search]", doc["doc_hash"])  # a record (document hash)
    page.click("[data-testid=search-go]")
    page.wait_for_selector("text=新会陈皮产地证明")
    page.fill("[data-testid=search]", "3")  # a height
    page.click("[data-testid=search-go]")
    page.wait_for_selector("text=交易树根")


def test_verify_documents_signed_in(page: Any, live: Any, tmp_path: Path) -> None:
    sign_in(page, live.url, live.key_file("zjj"))
    assert page.locator("[data-nav=nodes]").count() == 0  # not the operator
    page.click("[data-nav=verify]")
    original = Path(live.made["documents"][0]["file"])
    page.set_input_files("[data-testid=verify-file]", str(original))
    res = page.wait_for_selector("[data-testid=verify-result]")
    assert res.get_attribute("data-found") == "true"
    assert res.get_attribute("data-valid") == "true"
    assert "核验通过" in res.inner_text()
    changed = tmp_path / original.name
    changed.write_bytes(original.read_bytes() + b"x")
    page.set_input_files("[data-testid=verify-file]", str(changed))
    page.wait_for_selector("[data-testid=verify-result][data-found=false]")
    assert "未找到" in page.inner_text("[data-testid=verify-result]")


def test_public_check_by_upload_and_qr_code_without_sign_in(
    page: Any, live: Any, tmp_path: Path
) -> None:
    open_console(page, live.url)  # no session: the public check page
    assert page.locator("[data-testid=nav-login]").count() == 1
    revoked = next(d for d in live.made["documents"] if "old-notice" in d["file"])
    page.set_input_files("[data-testid=verify-file]", revoked["file"])
    res = page.wait_for_selector("[data-testid=verify-result][data-found=true]")
    assert res.get_attribute("data-status") == "revoked"
    good = live.made["documents"][1]
    page.set_input_files("[data-testid=verify-file]", good["file"])
    page.wait_for_selector("[data-testid=verify-result][data-status=active]")
    # checked from the genesis of the chain this node serves, and the page says so
    pinned = page.wait_for_selector("[data-testid=verify-pinned]")
    genesis = live.client.status().genesis_hash
    assert pinned.get_attribute("data-genesis") == genesis and genesis in pinned.inner_text()
    assert "创世" in pinned.inner_text()
    qr_png = tmp_path / "qr.png"
    page.locator("[data-testid=verify-qr]").screenshot(path=str(qr_png))
    page.goto(f"{live.url}/console/#/check")
    page.reload()
    page.wait_for_selector('body[data-ready="1"]')
    page.set_input_files("[data-testid=qr-file]", str(qr_png))
    res = page.wait_for_selector("[data-testid=verify-result][data-valid=true]")
    assert good["doc_hash"] in res.inner_text()


def test_language_switch_is_remembered(page: Any, live: Any) -> None:
    sign_in(page, live.url, live.key_file("bdc"))
    assert page.inner_text("[data-nav=overview]") == "概览"
    page.click("[data-testid=lang]")
    page.wait_for_selector("[data-nav=overview]:text('Overview')")
    assert page.inner_text("[data-nav=gov]") == "Proposals"
    page.reload()
    page.wait_for_selector('body[data-ready="1"]')
    assert page.inner_text("[data-nav=overview]") == "Overview"
    page.click("[data-testid=lang]")
    page.wait_for_selector("[data-nav=overview]:text('概览')")


def test_wuyi_login_link_and_roles(page: Any, live: Any) -> None:
    from wuyi.cli.console import one_time_login

    client_key = load_key(Path(live.made["members"]["xhq"]["key"]), DEMO_PASSPHRASE)
    res = one_time_login(live.url, client_key)
    assert re.search(r"#/login\?ticket=[\w-]+$", res["url"])
    page.goto(res["url"])
    page.wait_for_selector("[data-testid=who]")
    assert page.locator("[data-testid=load-key]").count() == 1  # read-only: no key in the page
    assert "client" in page.inner_text("[data-testid=who]")
    pid = live.made["zjj_proposal"]
    page.click("[data-nav=gov]")
    page.wait_for_selector(f"[data-testid=proposal-{pid}]")
    assert page.locator(f"[data-testid=approve-{pid}]").count() == 0  # not an admin
    page.goto(res["url"])  # the link works once
    page.wait_for_selector(".alert.err")


def test_sign_in_refuses_a_wrong_passphrase(page: Any, live: Any) -> None:
    open_console(page, live.url, "#/login")
    page.set_input_files("[data-testid=key-file]", str(live.key_file("sjj")))
    page.fill("[data-testid=passphrase]", "not-the-passphrase")
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=login-msg].err")
    assert page.locator("[data-testid=who]").count() == 0
    assert json.loads(page.evaluate("JSON.stringify(sessionStorage)")) == {}
