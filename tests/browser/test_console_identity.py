"""The console's identity and data-sharing pages in a real browser against a live demo node.

A citizen opens the demo wallet (public page, no sign-in): two credentials with their live
status, the one recorded use; revokes the bank's consent from the page (a ``consent.revoke``
signed in the browser with the wallet's DID key, checked on chain through the SDK); a wrong
passphrase is refused. Members see the credential types, the data-sharing catalogue, an rsj
admin approves bdc's pending request (checked on chain), the audit timeline of
``social-insurance-months`` runs offered → requested → approved → delivered → accessed, and the
English switch changes the labels. The ``page`` fixture fails a test on any JavaScript error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wuyi.demo import DEMO_PASSPHRASE
from wuyi.demo_identity import DEMO_PERSONAL

TRAIL = ["offered", "requested", "approved", "delivered", "accessed"]


def open_console(page: Any, url: str, route: str = "") -> None:
    page.goto(f"{url}/console/{route}")
    page.wait_for_selector('body[data-ready="1"]')


def sign_in(page: Any, url: str, key_file: Path, route: str) -> None:
    open_console(page, url, f"#/login?next={route.replace('#', '%23').replace('/', '%2F')}")
    page.set_input_files("[data-testid=key-file]", str(key_file))
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")


def open_wallet(page: Any, live: Any, passphrase: str = DEMO_PASSPHRASE) -> None:
    open_console(page, live.url, "#/wallet")
    page.set_input_files("[data-testid=key-file]", live.made["identity"]["wallet"])
    page.fill("[data-testid=passphrase]", passphrase)
    page.click("[data-testid=login-submit]")


def test_citizen_opens_wallet_sees_credentials_and_uses_and_revokes_consent(
    page: Any, live: Any
) -> None:
    from wuyi.sdk.identity import Identity

    ident = live.made["identity"]
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url + " " + (r.post_data or "")))
    open_wallet(page, live)
    page.wait_for_selector("[data-testid=credential]")
    assert page.inner_text("[data-testid=wallet-did]") == ident["did"]
    assert "从不离开本页" in page.inner_text("[data-testid=wallet-private]")
    assert page.locator("[data-testid=wallet-qr] svg").count() == 1
    creds = page.locator("[data-testid=credential]")
    assert creds.count() == 2
    assert sorted(creds.nth(i).get_attribute("data-type") for i in range(2)) == [
        "IdentityCredential",
        "MarriageCredential",
    ]
    assert [creds.nth(i).get_attribute("data-status") for i in range(2)] == ["valid", "valid"]
    text = page.inner_text("[data-testid=credentials]")
    assert "陈美玲" in text and "李志强" in text  # the contents, shown in the page only
    uses = page.locator("[data-testid=use]")
    assert uses.count() == 1
    assert uses.first.get_attribute("data-result") == "accepted"
    assert "江门农商银行" in uses.first.inner_text()
    assert "已婚" in uses.first.inner_text()  # disclosed claim names, not values

    cid = ident["consent"]
    card = page.locator(f"[data-testid=consent-{cid}]")
    assert card.get_attribute("data-status") == "active"
    assert card.locator("[data-testid=consent-uses]").inner_text() == "1"
    page.click(f"[data-testid=revoke-{cid}]")
    page.wait_for_selector("[data-testid=wallet-flash].ok")
    page.wait_for_selector(f"[data-testid=consent-{cid}][data-status=revoked]")
    assert page.locator(f"[data-testid=revoke-{cid}]").count() == 0
    assert Identity(live.client).consent(cid)["status"] == "revoked"
    # nothing personal went over the wire: only DIDs, status indexes and the signed tx
    leaked = [(s, p) for s in sent for p in DEMO_PERSONAL if p in s]
    assert not leaked, leaked


def test_wallet_refuses_a_wrong_passphrase(page: Any, live: Any) -> None:
    open_wallet(page, live, "not-the-passphrase")
    page.wait_for_selector("[data-testid=login-msg].err")
    assert "wrong passphrase" in page.inner_text("[data-testid=login-msg]")
    assert page.locator("[data-testid=credential]").count() == 0
    assert page.locator("[data-testid=wallet-did]").count() == 0


def test_rsj_admin_sees_catalogue_and_approves_a_pending_request(page: Any, live: Any) -> None:
    from wuyi.sdk.data import DataShare

    pending = live.made["data"]["pending_request"]
    sign_in(page, live.url, live.key_file("rsj"), "#/data")
    page.wait_for_selector("[data-testid=dataset-social-insurance-months]")
    assert page.locator("[data-testid=dataset-retirement-status]").count() == 1
    assert "江门市人力资源和社会保障局" in page.inner_text("[data-testid=datasets]")
    assert page.locator(f"[data-testid=req-status-{pending}] .b-pending").count() == 1
    page.click(f"[data-testid=approve-req-{pending}]")
    page.wait_for_selector("[data-testid=data-flash].ok")
    page.wait_for_selector(f"[data-testid=req-status-{pending}] .b-approved")
    rec = DataShare(live.client).get_request(bytes.fromhex(pending))
    assert rec["status"] == "approved"
    assert rec["requester_org"] == "bdc"
    # credential types and identity providers
    page.click("[data-nav=vctypes]")
    page.wait_for_selector("[data-testid=vctype-IdentityCredential]")
    assert "江门市公安局" in page.inner_text("[data-testid=vctypes]")
    assert "江门市民政局" in page.inner_text("[data-testid=vctypes]")
    assert page.locator("[data-testid=idps] tbody tr").count() == 1


def test_audit_timeline_of_a_dataset_and_of_a_requester(page: Any, live: Any) -> None:
    sign_in(page, live.url, live.key_file("zjj"), "#/audit/dataset/social-insurance-months")
    page.wait_for_selector("[data-testid=audit-timeline]")
    items = page.locator("[data-testid=audit-timeline] li")
    assert [items.nth(i).get_attribute("data-action") for i in range(items.count())] == TRAIL
    delivered = page.locator("[data-testid=audit-timeline] li[data-action=delivered]").inner_text()
    assert "密文哈希" in delivered and "明文承诺" in delivered
    accessed = page.locator("[data-testid=audit-timeline] li[data-action=accessed]").inner_text()
    assert "江门市住房和城乡建设局" in accessed and "购房资格审核" in accessed
    page.select_option("[data-testid=audit-pick-org]", "zjj")
    page.wait_for_function("location.hash === '#/audit/org/zjj'")
    page.wait_for_selector("[data-testid=audit-timeline] li[data-action=requested]")
    items = page.locator("[data-testid=audit-timeline] li")
    assert [items.nth(i).get_attribute("data-action") for i in range(items.count())] == TRAIL[1:]


def test_english_labels_on_wallet_and_data_pages(page: Any, live: Any) -> None:
    open_console(page, live.url, "#/wallet")
    assert page.inner_text("[data-nav=wallet]") == "我的凭证"
    page.click("[data-testid=lang]")
    page.wait_for_selector("[data-nav=wallet]:text('My wallet')")
    assert "never leave the page" in page.inner_text("[data-testid=wallet-private]")
    assert page.inner_text("[data-testid=login-submit]") == "Open wallet"
    sign_in(page, live.url, live.key_file("bdc"), "#/data")
    page.wait_for_selector("[data-testid=datasets]")
    assert page.inner_text("h1") == "Data-sharing channel"
    assert page.inner_text("[data-nav=data]") == "Data sharing"
    assert page.inner_text("[data-nav=audit]") == "Data audit"
    assert page.inner_text("[data-nav=vctypes]") == "Credential types"
    page.click("[data-testid=lang]")
    page.wait_for_selector("h1:text('数据共享通道')")
    assert page.inner_text("[data-nav=data]") == "数据共享"


def test_citizen_consents_and_presents_from_the_page_and_the_bank_accepts_once(
    page: Any, live: Any
) -> None:
    import time

    from wuyi.crypto import load_key
    from wuyi.sdk.identity import Verifier
    from wuyi.vc.assurance import make_attestation

    # 免证办: the bank requires real-name + face verification (level 2) with the consent
    key = load_key(live.key_file("nsyh"), DEMO_PASSPHRASE)
    bank = Verifier(live.client, key, "nsyh", min_assurance=2)
    nonce = bank.challenge()
    now = int(time.time())
    attestation = make_attestation(
        load_key(live.keys_dir / "idp-idp.key", DEMO_PASSPHRASE),
        org="idp",
        sub=live.made["identity"]["did"],
        level=2,
        real_name=True,
        face=True,
        iat=now - 5,
        exp=now + 600,
    )
    open_wallet(page, live)
    page.wait_for_selector("[data-testid=p-verifier]")
    page.select_option("[data-testid=p-verifier]", "nsyh")
    page.check('[data-testid=p-claims] input[data-claim="married"]')
    page.check('[data-testid=p-claims] input[data-claim="age_over_18"]')
    page.fill("[data-testid=p-purpose]", "房贷资格审核")
    page.fill("[data-testid=p-assurance]", attestation)
    page.click("[data-testid=p-grant]")
    page.wait_for_selector("[data-testid=p-msg].ok, [data-testid=p-msg].err")
    assert "ok" in (page.get_attribute("[data-testid=p-msg]", "class") or ""), page.inner_text(
        "[data-testid=p-msg]"
    )
    page.fill("[data-testid=p-nonce]", nonce)
    page.click("[data-testid=p-make]")
    page.wait_for_selector("[data-testid=presentation], [data-testid=p-msg].err")
    assert page.locator("[data-testid=p-msg].err").count() == 0, page.inner_text(
        "[data-testid=p-msg]"
    )
    text = page.input_value("[data-testid=presentation]")
    from wuyi.vc import sdjwt

    lines = text.splitlines()
    assert len(lines) == 2  # two credentials, one line each
    shown = {sdjwt.decode_disclosure(d)[1] for x in lines for d in sdjwt.parse(x).disclosures}
    assert shown == {"married", "age_over_18"}  # only the ticked claims are disclosed
    verdict = bank.verify(text, nonce)
    assert verdict.accepted, verdict
    assert verdict.claims == {"married": True, "age_over_18": True}
    consent = verdict.consent
    assert live.client._get(f"/v1/consents/{consent}")["assurance"]["level"] == 2
    again = Verifier(live.client, bank.key, "nsyh")
    again.accept_nonce(nonce)
    assert again.verify(text, nonce).reason == "replay"


def test_wallet_refuses_to_present_a_claim_no_consent_covers(page: Any, live: Any) -> None:
    """Issue #16: a consent for the bank covering only age_over_18; the citizen also ticks the
    name. The page's wallet refuses before anything is signed or sent, naming the claim."""
    open_wallet(page, live)
    page.wait_for_selector("[data-testid=p-verifier]")
    page.select_option("[data-testid=p-verifier]", "nsyh")
    page.check('[data-testid=p-claims] input[data-claim="age_over_18"]')
    page.fill("[data-testid=p-purpose]", "开户 / account opening")
    page.click("[data-testid=p-grant]")
    page.wait_for_selector("[data-testid=p-msg].ok, [data-testid=p-msg].err")
    assert "ok" in (page.get_attribute("[data-testid=p-msg]", "class") or ""), page.inner_text(
        "[data-testid=p-msg]"
    )
    consent = page.input_value("[data-testid=p-consent]")
    assert live.client._get(f"/v1/consents/{consent}")["claims"] == ["age_over_18"]
    page.check('[data-testid=p-claims] input[data-claim="name"]')
    page.fill("[data-testid=p-nonce]", "a-nonce-from-the-bank")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url))
    page.click("[data-testid=p-make]")
    page.wait_for_selector("[data-testid=p-msg].err")
    msg = page.locator("[data-testid=p-msg]")
    assert msg.get_attribute("data-reason") == "claims_not_consented"
    assert "name" in msg.inner_text() and "钱包拒绝出示" in msg.inner_text()
    assert page.locator("[data-testid=presentation]").count() == 0  # nothing was made
    assert sent == []  # nothing left the page
    # within the consent, the same page presents
    page.uncheck('[data-testid=p-claims] input[data-claim="name"]')
    page.click("[data-testid=p-make]")
    page.wait_for_selector("[data-testid=presentation]")


# -- OpenID4VCI (issue #19): issuance by QR code, a desk and a phone -------------------------------
# In this module to share its live demo node (its start is most of a browser module's time).
# 公安局's clerk (gaj, role issuer) makes an offer at #/desk; the phone (390 × 844) opens the
# citizen's wallet on #/receive, reads the desk's QR code from a screenshot of the desk's page
# (uploaded as a photo, decoded in the page by jsQR), sees who offers what, enters the
# transaction code and receives the credential into the wallet (sealed again, kept in the
# browser). The desk sees it issued; the chain has the status-list entry and the commitment and
# no personal value; no request the phone sent carries one.
from wuyi.oid4vci.screenshots import PHONE, VALUES, desk_offer, phone_receive  # noqa: E402


def test_desk_offers_by_qr_and_the_phone_receives(browser: Any, live: Any, tmp_path: Path) -> None:
    from wuyi.sdk.identity import Identity

    start = live.node.height
    desk_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    phone_ctx = browser.new_context(**PHONE)
    errors: list[str] = []
    try:
        desk = desk_ctx.new_page()
        phone = phone_ctx.new_page()
        for pg in (desk, phone):
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.set_default_timeout(30_000)
        sent: list[str] = []
        phone.on("request", lambda r: sent.append(r.url + " " + (r.post_data or "")))
        qr = desk_offer(desk, live, tmp_path / "qr.png")
        tx_code = desk.inner_text("[data-testid=desk-txcode]").strip()
        assert len(tx_code) == 6 and tx_code.isdigit()
        entry = phone_receive(phone, live, qr, tx_code)
        org, idx = entry.split("/")
        assert org == "gaj"
        desk.wait_for_selector("[data-testid=desk-status][data-status=issued]")
        assert desk.inner_text("[data-testid=desk-entry]") == entry
        assert phone.inner_text("[data-claim=name]") == VALUES["name"]
        # the chain: the status-list entry and the commitment of the issuer-signed JWT
        rec = Identity(live.client).credential_status("gaj", int(idx))
        assert rec["status"] == "valid" and rec["type"] == "IdentityCredential"
        assert len(rec["commitment"]) == 32
        # ... and no personal value in what was written since the desk's offer
        needles = {str(v).encode() for k, v in VALUES.items() if k != "age_over_18"}
        store = live.node.store
        for h in range(start + 1, live.node.height + 1):
            blob = store.get_block(h).to_bytes()
            assert not [n for n in needles if n in blob], f"block {h}"
            assert not any(n in rc.to_bytes() for rc in store.get_receipts(h) for n in needles)
        with store.snapshot() as v:
            for key, value in v.iter_prefix(b"vc/"):
                assert not [n for n in needles if n in value], key
        leaked = [s for s in sent for v in VALUES.values() if isinstance(v, str) and v in s]
        assert not leaked, leaked
        # the page computes a consent's ID-token nonce as the chain does (wuyi.vc.idtoken)
        from wuyi.vc.idtoken import consent_nonce

        terms = {"holder": "did:wuyi:" + "ab" * 16, "verifier": "nsyh", "purpose": "房贷 / loan",
                 "types": ["IdentityCredential"], "claims": ["age_over_18"],
                 "not_before": 1_796_515_200_000, "not_after": 1_796_518_800_000}  # fmt: skip
        module = "/console/static/js/wallet-oid4vci.js"
        js = phone.evaluate(f"async (t) => (await import('{module}')).consentNonce('sm', t)", terms)
        assert js == consent_nonce(live.client.suite.hash, terms)
        # the wallet file the page sealed again opens with the SDK and holds the credential
        from wuyi.sdk.wallet import Wallet

        doc = phone.evaluate("localStorage.getItem('wuyi-wallet-doc')")
        path = tmp_path / "phone-wallet.json"
        path.write_text(doc)
        w = Wallet.open(path, DEMO_PASSPHRASE)
        assert w.get(entry).claims["name"] == VALUES["name"]
    finally:
        desk_ctx.close()
        phone_ctx.close()
    assert not errors, errors


# -- end OpenID4VCI -------------------------------------------------------------------------------
