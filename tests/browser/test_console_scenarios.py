"""The scenario pages of the console (issue 7) in a real browser against the live demo node.

End to end: a buyer opens the demo wallet on 我的办事, checks the purchase eligibility of
the demo's draft contract (the page builds the presentation for the contract's request and
signs ``housing.check_eligibility`` with the wallet's DID key) and signs; the developer signs
as seller on its page; the housing bureau files the contract on its desk — each step checked
on chain through the SDK, and nothing personal sent. Then: a bank's loan above the
loan-to-value limit refused (chain unchanged); a unit's history across offices and a court's
seizure from the page (only the case's hash on chain); the public e-certificate check by
number, by credential and by a photo of the certificate's QR code; an applicant's settlement
status and a 人社局 rule change in force from the next block; every new page loading without
errors in Chinese and in English. The ``page`` fixture fails a test on any JavaScript error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wuyi.demo import DEMO_PASSPHRASE

FLASH = "[data-testid=sc-flash]"


def open_console(page: Any, url: str, route: str = "") -> None:
    page.goto(f"{url}/console/{route}")
    page.wait_for_selector('body[data-ready="1"]')


def sign_in(page: Any, url: str, key_file: Path, route: str) -> None:
    open_console(page, url, f"#/login?next={route.replace('#', '%23').replace('/', '%2F')}")
    page.set_input_files("[data-testid=key-file]", str(key_file))
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")


def member_key(live: Any, name: str) -> Path:
    """A scenario member's key file (``<org>-<role>``) made by the demo."""
    return Path(live.made["scenarios"]["members"][name]["key"])


def scen(live: Any) -> dict[str, Any]:
    return dict(live.made["scenarios"])


def wait_done(page: Any, testid: str, expect: str) -> str:
    """The outcome of a write: the flash saying `expect` after the redraw, or the refusal next
    to the button (which fails the test)."""
    page.wait_for_selector(
        f"{FLASH}:has-text('{expect}'), [data-testid={testid}-msg].err", timeout=30_000
    )
    err = page.locator(f"[data-testid={testid}-msg].err")
    assert err.count() == 0, err.inner_text()
    return str(page.inner_text(FLASH))


def test_buyer_checks_eligibility_and_signs_developer_signs_bureau_files(
    browser: Any, live: Any
) -> None:
    from wuyi.demo_scenarios import RULE_CLAIMS, SCENARIO_PERSONAL
    from wuyi.scenarios.housing.sdk import Housing
    from wuyi.sdk.wallet import Wallet
    from wuyi.vc import sdjwt

    draft = scen(live)["housing"]["draft"]
    cid, unit = draft["contract"], draft["unit"]
    housing = Housing(live.client)
    assert housing.contract(cid)["status"] == "draft"
    buyer = Wallet.open(draft["wallets"][0], DEMO_PASSPHRASE)
    sent: list[str] = []
    errors: list[str] = []

    def new_page() -> Any:
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        pg = ctx.new_page()
        pg.set_default_timeout(20_000)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("request", lambda r: sent.append(r.url + " " + (r.post_data or "")))
        return pg

    # the buyer, with the wallet file: eligibility, then the signature
    pg = new_page()
    open_console(pg, live.url, "#/citizen")
    pg.set_input_files("[data-testid=key-file]", draft["wallets"][0])
    pg.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    pg.click("[data-testid=login-submit]")
    assert pg.inner_text("[data-testid=citizen-did]") == buyer.did
    card = pg.locator(f"[data-testid=cz-contract-{cid}]")
    assert card.get_attribute("data-status") == "draft"
    pg.click(f"[data-testid=elig-{cid}]")
    wait_done(pg, f"elig-{cid}", "购房资格核验通过")
    c = housing.contract(cid)
    assert c["status"] == "eligible"
    assert c["eligibility"]["eligible"] is True
    assert c["eligibility"]["rules"]["max_homes"] in ("pass", "not_applicable")
    pg.wait_for_selector(f"[data-testid=cz-contract-{cid}][data-status=eligible]")
    pg.click(f"[data-testid=sign-{cid}]")
    wait_done(pg, f"sign-{cid}", "已签署")
    c = housing.contract(cid)
    assert buyer.did in c["signatures"]["buyers"] and c["status"] == "eligible"

    # the presentation the page built disclosed only what the rules need, nothing personal,
    # and it travelled as a private side-car: the transaction names it by its hash only
    from wuyi.ledger.sidecar import parse_sidecar_ref

    tx = live.client.get_tx(c["eligibility"]["check"]).tx  # read as the auditor: not withheld
    assert tx is not None
    ref = tx.payload["args"]["presentation_text"]
    h = parse_sidecar_ref(ref)
    assert h is not None, ref
    data = live.node.store.get_sidecar(h)  # the node's private store (no API serves it)
    assert data is not None
    text = data.decode("ascii")
    disclosed = {
        sdjwt.decode_disclosure(d)[1]
        for line in text.splitlines()
        for d in sdjwt.parse(line).disclosures
    }
    assert disclosed and disclosed <= RULE_CLAIMS, disclosed
    assert {"family_dids", "local_hukou"} <= disclosed
    pg.context.close()

    # the developer signs as seller
    pg = new_page()
    sign_in(pg, live.url, member_key(live, "wyzy-developer"), "#/developer")
    pg.wait_for_selector(f"[data-testid=dev-status-{cid}]")
    pg.click(f"[data-testid=sign-{cid}]")
    wait_done(pg, f"sign-{cid}", "卖方已签署")
    assert housing.contract(cid)["status"] == "signed"
    pg.context.close()

    # the housing bureau files it (网签备案)
    pg = new_page()
    sign_in(pg, live.url, member_key(live, "zjj-filing"), "#/housing?status=signed")
    pg.wait_for_selector(f"[data-testid=file-{cid}]")
    pg.click(f"[data-testid=file-{cid}]")
    wait_done(pg, f"file-{cid}", f"已备案 {cid}")
    c = housing.contract(cid)
    assert c["status"] == "filed"
    assert c["filed"]["by"] == live.made["scenarios"]["members"]["zjj-filing"]["address"]
    assert live.client.query("housing", "filings", {"unit_id": unit})["active"] == cid
    # the desk's trace shows every step, in block order
    pg.goto(f"{live.url}/console/#/housing/{cid}")
    pg.wait_for_selector("[data-testid=contract-trace]")
    kinds = pg.locator("[data-testid=contract-trace] li")
    got = [kinds.nth(i).get_attribute("data-kind") for i in range(kinds.count())]
    assert got == ["draft", "eligible", "sign_buyer", "sign_seller", "signed", "filed"], got
    assert pg.get_attribute("[data-testid=contract-status]", "data-status") == "filed"
    pg.context.close()

    assert not errors, errors
    hexed = [p.encode().hex() for p in SCENARIO_PERSONAL]
    leaked = [p for s in sent for p in [*SCENARIO_PERSONAL, *hexed] if p in s]
    assert not leaked, leaked


def test_bank_sees_the_ltv_limit_and_a_loan_above_it_is_refused(page: Any, live: Any) -> None:
    from wuyi.scenarios.housing.sdk import Housing

    housing = Housing(live.client)
    cid = scen(live)["housing"]["filed"]["contract"]
    before = housing.contract(cid)
    ltv = int(housing.param("max_ltv_pct"))
    limit = before["price"] * ltv // 100
    bank = next(b for b in ("nsyh", "zgyh") if b not in before["loans"])  # a bank yet to lend
    sign_in(page, live.url, member_key(live, f"{bank}-banker"), "#/bank")
    page.fill("[data-testid=loan-contract]", cid)
    page.dispatch_event("[data-testid=loan-contract]", "change")
    page.wait_for_selector("[data-testid=loan-limit]")
    assert page.inner_text("[data-testid=ltv]") == f"{ltv}%"
    assert page.inner_text("[data-testid=loan-limit]") == f"¥{limit // 100:,}.{limit % 100:02d}"
    page.fill("[data-testid=loan-amount]", str(limit // 100 + 1))
    page.click("[data-testid=loan-go]")
    page.wait_for_selector("[data-testid=loan-msg].err")
    msg = page.inner_text("[data-testid=loan-msg]")
    assert "LTV rule max_ltv_pct" in msg and f"{ltv}%" in msg, msg
    assert housing.contract(cid)["loans"] == before["loans"]  # nothing changed on chain


def test_unit_history_across_offices_and_a_seizure_from_the_court_page(
    page: Any, live: Any
) -> None:
    from wuyi.scenarios.realestate.sdk import Registry

    reg = Registry(live.client)
    done = scen(live)["housing"]["completed"]
    sign_in(page, live.url, member_key(live, "pjq-registrar"), f"#/registry/{done['unit']}")
    page.wait_for_selector("[data-testid=unit-history]")
    items = page.locator("[data-testid=unit-history] li")
    shown = [
        (items.nth(i).get_attribute("data-op"), items.nth(i).get_attribute("data-org"))
        for i in range(items.count())
    ]
    assert shown == [(e["op"], e["org"]) for e in reg.history(done["unit"])]
    assert len({org for _, org in shown}) >= 3  # written by several offices and a bank
    assert ("transfer", "bdc") in shown
    assert page.locator(f"[data-testid=cert-qr-{done['cert']}] svg").count() == 1
    page.click("[data-testid=logout]")
    page.wait_for_selector("[data-testid=nav-login]")  # signed out before the next sign-in

    unit = scen(live)["housing"]["listed"]["unit"]
    case = "(2026)粤07执保字第0418号"
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url + " " + (r.post_data or "")))
    sign_in(page, live.url, member_key(live, "fy-judge"), "#/court")
    page.fill("[data-testid=seize-unit]", unit)
    page.fill("[data-testid=seize-case]", case)
    page.click("[data-testid=seize-go]")
    wait_done(page, "seize", "已查封")
    u = reg.unit(unit)
    assert [s["court"] for s in u["seizures"]] == ["fy"]
    assert u["seizures"][0]["case"] == live.client.suite.hash(case.encode()).hex()
    assert not [s for s in sent if case in s or case.encode().hex() in s]  # only its hash left


def test_public_check_of_certificates_by_number_credential_and_qr(
    page: Any, live: Any, tmp_path: Path
) -> None:
    from wuyi.sdk.wallet import Wallet

    certs = scen(live)["certificates"]
    bdc = next(
        c
        for c in certs
        if c["type"] == "RealEstateCertificate"
        and c["id"] == scen(live)["housing"]["completed"]["cert"]
    )
    open_console(page, live.url, f"#/ecert?id={bdc['id']}")
    page.wait_for_selector("[data-testid=ecert-result]")
    assert page.get_attribute("[data-testid=ecert-result]", "data-verdict") == "valid"
    assert "有效" in page.inner_text("[data-testid=ecert-result]")
    # the seller's first-registration certificate was superseded by the transfer
    first = scen(live)["housing"]["completed"]
    from wuyi.scenarios.realestate.sdk import Registry

    history = Registry(live.client).history(first["unit"])
    old = next(e["what"]["cert"] for e in history if e["op"] == "first_registration")
    page.fill("[data-testid=ecert-id-input]", old)
    page.click("[data-testid=ecert-id-go]")
    page.wait_for_selector("[data-testid=ecert-result][data-verdict=superseded]")
    page.fill("[data-testid=ecert-id-input]", "BDC99999999")
    page.click("[data-testid=ecert-id-go]")
    page.wait_for_selector("[data-testid=ecert-result][data-verdict=notfound]")

    # the 人才准予迁入 credential, pasted: every check passes; a tampered one is refused
    settled = next(c for c in certs if c["type"] == "TalentSettlementCertificate")
    w = Wallet.open(settled["wallet"], DEMO_PASSPHRASE)
    cred = next(c for c in w.credentials if c.type == "TalentSettlementCertificate").sd_jwt
    page.fill("[data-testid=ecert-credential]", cred)
    page.click("[data-testid=ecert-credential-go]")
    page.wait_for_selector("[data-testid=ecert-result][data-verdict=valid]")
    checks = page.locator("[data-testid=ecert-checks] li")
    assert checks.count() >= 6
    assert {checks.nth(i).get_attribute("data-ok") for i in range(checks.count())} == {"true"}
    assert settled["id"] in page.inner_text("[data-testid=ecert-result]")
    jwt, rest = cred.split(".", 1)
    page.fill(
        "[data-testid=ecert-credential]",
        jwt + "." + rest[:40] + ("A" if rest[40] != "A" else "B") + rest[41:],
    )
    page.click("[data-testid=ecert-credential-go]")
    page.wait_for_selector("[data-testid=ecert-result][data-verdict=invalid]")
    assert page.locator("[data-testid=ecert-checks] li[data-ok=false]").count() >= 1

    # a photo of the certificate's QR code opens the same check
    page.fill("[data-testid=ecert-id-input]", bdc["id"])
    page.click("[data-testid=ecert-id-go]")
    page.wait_for_selector(f"[data-testid=cert-qr-{bdc['id']}] svg")
    shot = tmp_path / "qr.png"
    page.locator(f"[data-testid=cert-qr-{bdc['id']}] .qr").screenshot(path=str(shot))
    page.fill("[data-testid=ecert-id-input]", "")
    page.goto(f"{live.url}/console/#/ecert")
    page.wait_for_selector("[data-testid=ecert-qr]")
    page.set_input_files("[data-testid=ecert-qr]", str(shot))
    page.wait_for_selector("[data-testid=ecert-result][data-verdict=valid]")
    assert page.inner_text("[data-testid=ecert-id]") == bdc["id"]


def test_settlement_status_and_a_rule_change_from_the_next_block(page: Any, live: Any) -> None:
    from wuyi.crypto import address_of, format_address, load_key
    from wuyi.scenarios.settlement.sdk import Settlement

    st = scen(live)["settlement"]
    refused, settled = st["refused"], st["settled"]
    # an applicant's decisions are personal: 人社局's member reads them (a signed read)
    sign_in(page, live.url, live.key_file("rsj"), f"#/settlement/{refused['did']}")
    page.wait_for_selector("[data-testid=decision]")
    d = page.locator("[data-testid=decision]").first
    assert d.get_attribute("data-result") == "refused"
    failed = page.inner_text("[data-testid=st-failed]")
    assert f"积分 {refused['total']} 分，低于落户分数线 {refused['threshold']} 分" in failed
    for item, pts in refused["points"].items():
        assert page.inner_text(f"[data-testid=st-points] [data-points={item}]") == str(pts)
    page.goto(f"{live.url}/console/#/settlement/{settled['did']}")
    page.wait_for_selector(f"[data-testid=st-cert] >> text={settled['certificate']}")
    assert page.locator(f"[data-testid=cert-qr-{settled['certificate']}] svg").count() == 1

    # 人社局's admin raises the graduate age limit: on record, in force from the next block
    key = load_key(live.key_file("rsj"), DEMO_PASSPHRASE)
    sign_in(page, live.url, live.key_file("rsj"), "#/settlement")
    page.wait_for_selector("[data-testid=param-settlement-form]")
    page.select_option("[data-testid=param-name-settlement]", "grad_max_age")
    page.fill("[data-testid=param-input-settlement]", "40")
    page.fill("[data-testid=param-reason-settlement]", "放宽毕业生年龄 / older graduates welcome")
    page.click("[data-testid=param-settlement-go]")
    page.wait_for_selector(f"[data-testid=params-settlement] {FLASH}")
    flash = page.inner_text(f"[data-testid=params-settlement] {FLASH}")
    last = Settlement(live.client).param_history("grad_max_age")[-1]
    assert last["value"] == 40 and last["org"] == "rsj"
    assert last["set_by"] == format_address(address_of(live.client.suite, key.public_key))
    assert last["effective_height"] == last["height"] + 1
    assert f"#{last['effective_height']}" in flash
    page.click("[data-testid=param-hist-grad_max_age]")
    page.wait_for_selector("[data-testid=param-history-grad_max_age]")
    assert "放宽毕业生年龄" in page.inner_text("[data-testid=param-history-grad_max_age]")


PAGES = [
    ("housing", "zjj-filing", "网签备案台", "Filing desk"),
    ("registry", "bdc-registrar", "不动产登记", "Real-estate registry"),
    ("bank", "nsyh-banker", "银行：贷款与抵押", "Bank: loans & mortgages"),
    ("court", "fy-judge", "法院：查封", "Court: seizures"),
    ("developer", "wyzy-developer", "开发商：挂牌与网签", "Developer: listings"),
    ("citizen", None, "我的办事", "My services"),
    ("settlement", None, "落户进度", "Settlement status"),
    ("ecert", None, "电子证照核验", "Check an e-certificate"),
]


@pytest.mark.parametrize(("route", "member", "zh", "en"), PAGES, ids=[p[0] for p in PAGES])
def test_scenario_page_loads_in_chinese_and_english(
    page: Any, live: Any, route: str, member: str | None, zh: str, en: str
) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    if member:
        sign_in(page, live.url, member_key(live, member), f"#/{route}")
        assert page.locator(f"[data-nav={route}]").count() == 1  # in the member's navigation
    else:
        open_console(page, live.url, f"#/{route}")
    page.wait_for_selector(f"h1:text('{zh}')")
    page.wait_for_load_state("networkidle")
    assert "出错了" not in page.inner_text("#view")
    page.click("[data-testid=lang]")
    page.wait_for_selector(f"h1:text('{en}')")
    page.wait_for_load_state("networkidle")
    assert "Error" not in page.inner_text("#view")
    assert not problems, problems


def test_graduate_applies_for_settlement_in_the_page_and_gets_the_certificate(
    page: Any, live: Any
) -> None:
    """Flow 4 in the browser: the demo's graduate ready to apply opens the wallet, applies by the
    graduate route (the page presents the four credentials to 人社局 and signs
    ``settlement.apply_graduate``), the contract approves and records the 人才准予迁入
    certificate; the status page and the public check show it."""
    from wuyi.scenarios.settlement.sdk import Settlement

    ready = scen(live)["settlement"]["ready"]
    settlement = Settlement(live.client)
    assert settlement.status(ready["did"])["certificate"] is None
    open_console(page, live.url, "#/citizen")
    page.set_input_files("[data-testid=key-file]", ready["wallet"])
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=st-route]")
    page.select_option("[data-testid=st-route]", "graduate")
    page.click("[data-testid=apply-go]")
    page.wait_for_selector(
        "[data-testid=apply-msg].ok, [data-testid=apply-msg].err", timeout=30_000
    )
    msg = page.locator("[data-testid=apply-msg]")
    assert "err" not in (msg.get_attribute("class") or ""), msg.inner_text()
    st = settlement.status(ready["did"])
    (app,) = st["applications"]
    assert app["result"] == "approved" and app["route"] == "graduate"
    cert = st["certificate"]
    assert cert, st
    # the applicant's status page, then the public check of the certificate by number
    open_console(page, live.url, f"#/settlement/{ready['did']}")
    page.wait_for_selector("[data-testid=st-cert]")
    assert cert in page.inner_text("[data-testid=st-cert]")
    open_console(page, live.url, f"#/ecert?id={cert}")
    page.wait_for_selector("[data-testid=ecert-result]", timeout=20_000)
    assert cert in page.inner_text("[data-testid=ecert-result]")
