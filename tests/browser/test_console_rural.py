"""农村产权交易's pages in a real browser against the live demo node, in Chinese and in English:
the public listing and results board (listings with their status and windows in local time, the
result, the 流拍 relisted, the charts, no person's DID on it); the exchange's desk signed in as
the exchange's reviewer (listings awaiting, the relisted listing's bidder awaiting qualification
— a signed read — and the announcement with its certificate); the collective's desk with the
collective council's wallet (resolutions, the authorisation awaiting filing, the contract
awaiting the collective's signature). No page shows an untranslated string in Chinese; the
``page`` fixture fails a test on any JavaScript error.

The desks' writes, in each language on listings of its own made through the SDK: the
exchange's reviewer qualifies a bidder (the evidence file hashed in the page) and refuses
another, the clearing desk records the deposit (a stale deposit button refused with the
contract's named rule); on an auction past its reveal window the reviewer awards and records
the contract (each clause a file hashed in the page), the collective signs on its desk, the
announcement is refused before the first payment, the clearing desk records the payment and
returns the winner's deposit, the reviewer announces. The collective files a farmer's
authorisation on its desk. Every step is checked on chain through the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_console_consumer import (
    key,
    open_console,
    open_wallet,
    settle,
    sign_in,
    wait_done,
)
from tests.browser.test_console_zh import VISIBLE_WORDS, english_words
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.scenarios.rural.demo import DAXI, MEIGE
from wuyi.scenarios.rural.sdk import Rural
from wuyi.sdk.wallet import Wallet

TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def rural(live: Any) -> dict[str, Any]:
    return dict(live.made["scenarios"]["rural"])


def wallet(live: Any, name: str) -> str:
    return str(Path(live.docs_dir).parent / "wallets" / f"{name}.json")


def untranslated(page: Any, lang: str) -> None:
    if lang == "zh":
        words = english_words(page.evaluate(VISIBLE_WORDS))
        assert not words, words


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_public_board(page: Any, live: Any, lang: str) -> None:
    made = rural(live)
    open_console(page, live.url, "#/rural", lang)
    page.wait_for_selector("[data-testid=rural-listings] tbody tr")
    settle(page)
    assert page.locator("[data-testid=rural-listings] tbody tr").count() == 4
    assert page.inner_text("[data-testid=rural-total]") == "4"
    assert page.inner_text("[data-testid=rural-awarded]") == "2"
    assert page.inner_text("[data-testid=rural-failed]") == "1"
    assert page.locator("[data-testid=rural-phase-chart] rect").count() >= 3
    assert page.locator("[data-testid=rural-value-chart] rect").count() >= 1
    ann, failed, relisted = (made[k] for k in ("announced", "relisted", "relisted"))
    assert page.get_attribute(f"[data-testid=phase-{ann['listing']}]", "data-value") == "announced"
    assert page.get_attribute(f"[data-testid=phase-{failed['failed']}]", "data-value") == "failed"
    assert (
        page.get_attribute(f"[data-testid=phase-{relisted['listing']}]", "data-value") == "notice"
    )
    # the windows in local time, never a bare height
    win = page.inner_text(f"[data-testid=windows-{relisted['listing']}]")
    assert len(TIME.findall(win)) == 3, win
    text = page.inner_text("#view")
    assert ("流拍" if lang == "zh" else "No valid bid") in text
    assert ("同价集体成员优先" if lang == "zh" else "Tie: member's priority") in text
    assert page.locator("[data-testid=rural-results] tbody tr").count() == 2
    # no person's DID on the public board
    assert "did:wuyi:" not in text
    page.click("[data-filter=failed]")
    settle(page)
    assert page.locator("[data-testid=rural-listings] tbody tr").count() == 1
    untranslated(page, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_exchange_desk(page: Any, live: Any, lang: str) -> None:
    made = rural(live)
    relisted = made["relisted"]["listing"]
    sign_in(page, live.url, key(live, "ncjy-reviewer"), "#/rural-desk", lang)
    page.wait_for_selector(f"[data-testid=bidders-{relisted}] tbody tr")
    settle(page)
    awaiting = page.inner_text("[data-testid=rural-awaiting]")
    assert relisted in awaiting and made["contracted"]["listing"] in awaiting
    assert made["announced"]["listing"] not in awaiting
    bidders = page.inner_text(f"[data-testid=bidders-{relisted}]")
    assert ("待资格审核" if lang == "zh" else "To qualify") in bidders
    announced = page.inner_text("[data-testid=rural-announcements]")
    assert made["announced"]["certificate"] in announced and TIME.search(announced)
    untranslated(page, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_collective_desk(page: Any, live: Any, lang: str) -> None:
    made = rural(live)
    # 梅阁: resolutions and the farmer's authorisation awaiting filing
    open_wallet(
        page, live.url, wallet(live, made["authorised"]["collective"]), "rural-collective", lang
    )
    page.wait_for_selector("[data-testid=rural-resolutions] tbody tr")
    settle(page)
    auth = made["authorised"]["authorisation"]
    assert page.get_attribute(f"[data-testid=auth-{auth}]", "data-value") == "authorised"
    assert page.locator(f"[data-testid=file-{auth}]").count() == 1
    assert page.locator("[data-testid=rural-resolutions] tbody tr").count() >= 1
    untranslated(page, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_collective_desk_contract_to_sign(page: Any, live: Any, lang: str) -> None:
    made = rural(live)
    c = made["contracted"]
    open_wallet(page, live.url, wallet(live, c["to_sign"]), "rural-collective", lang)
    page.wait_for_selector("[data-testid=rural-tosign] tbody tr")
    settle(page)
    row = page.inner_text("[data-testid=rural-tosign]")
    assert c["listing"] in row
    assert ("待签署" if lang == "zh" else "Unsigned") in row
    assert page.locator(f"[data-testid=sign-{c['listing']}]").count() == 1
    untranslated(page, lang)


# -- the desks' writes -----------------------------------------------------------------------------

WORDS = {
    "zh": {
        "qualified": "竞买资格已通过",
        "refused": "竞买资格不予通过",
        "deposit": "保证金已登记",
        "award": "已确认成交",
        "contract": "流转合同已录入",
        "sign": "签署合同",
        "payment": "价款已登记",
        "refund": "保证金已退还",
        "announce": "成交已公告",
        "file": "备案",
    },
    "en": {
        "qualified": "Bidder qualified",
        "refused": "Bidder refused",
        "deposit": "Deposit recorded",
        "award": "Awarded at",
        "contract": "Contract recorded",
        "sign": "Sign the contract",
        "payment": "Payment recorded",
        "refund": "Deposit refunded",
        "announce": "Result announced",
        "file": "File",
    },
}
DAY = 86_400_000


def member_key(live: Any, name: str) -> Any:
    return load_key(key(live, name), DEMO_PASSPHRASE)


def open_wallet_of(live: Any, name: str) -> Wallet:
    return Wallet.open(wallet(live, name), DEMO_PASSPHRASE)


def new_page(browser: Any, errors: list[str]) -> Any:
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    return pg


def row_of(page: Any, listing: str, did: str) -> str:
    """The desk's row id (``<listing>-<n>``) of bidder ``did`` on ``listing``."""
    sel = f"[data-testid^=bidder-{listing}-][data-did='{did}']"
    page.wait_for_selector(sel)
    return str(page.get_attribute(sel, "data-testid")).removeprefix("bidder-")


def hash_file(page: Any, testid: str, path: Path) -> str:
    """Choose ``path`` for the hash input ``testid`` and wait for the page to hash it."""
    page.set_input_files(f"[data-testid={testid}-file]", str(path))
    page.wait_for_function(
        "t => /^[0-9a-f]{64}$/.test(document.querySelector(`[data-testid=${t}]`).value)", arg=testid
    )
    return str(page.input_value(f"[data-testid={testid}]"))


def redraw(page: Any) -> None:
    """The desk drawn again from the chain (the key stays in memory: no reload)."""
    page.evaluate("() => { location.hash = '#/rural'; }")
    page.wait_for_selector("[data-testid=rural-listings]")
    page.evaluate("() => { location.hash = '#/rural-desk'; }")
    page.wait_for_selector("[data-testid=rural-awaiting]")


def a_file(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def four_wastes(live: Any, r: Rural, asset_id: str, name: str) -> str:
    """A 四荒地 of 大西村 with its representatives' resolution: the resolution's id."""
    reg = member_key(live, "nyj-registrar")
    daxi = open_wallet_of(live, "daxi-council")
    r.register_asset(reg, asset_id, collective=DAXI, kind="four_wastes", name=name,
                     location="斗山镇大西村", area=2000, use="orchard")  # fmt: skip
    res = r.record_resolution(
        daxi, asset_id, meeting_kind="representatives", eligible=15, attended=13, yes=11,
        minutes_hash=live.client.suite.hash(f"会议纪要 {asset_id}".encode()),
        held_on=datetime.now(UTC).date().isoformat(), min_annual=200_000, max_years=10,
        use="orchard",
    )  # fmt: skip
    return str(res["id"])


def terms(opens: int, window: int) -> dict[str, Any]:
    return {"reserve": 200_000, "deposit": 40_000, "use": "orchard",
            "term_start": f"{datetime.now(UTC).year + 1}-01-01", "term_years": 5,
            "bid_open": opens, "bid_close": opens + window,
            "reveal_close": opens + 2 * window}  # fmt: skip


def wait_until(live: Any, ms: int) -> None:
    """The node's clock moved past ``ms`` (the next block's time is at least that), as a wait
    would (the live node's block times come from a movable clock: see conftest.py)."""
    live.node.clock.advance_to(ms)


def auction_closed(live: Any, r: Rural, lang: str) -> str:
    """A listing past its reveal window, li-ming's bid of 2,500 元 a year revealed: waiting for
    the award."""
    exch, clearing = member_key(live, "ncjy-reviewer"), member_key(live, "ncjy-clearing")
    li = open_wallet_of(live, "li-ming")
    res = four_wastes(live, r, f"440781-DX-W{lang.upper()}", f"西坑荒山（{lang}）")
    opens = live.node.clock.now_ms() + 15_000
    window = 5_000
    listing = r.publish_listing(exch, f"440781-DX-W{lang.upper()}", res, **terms(opens, window))
    r.register_bid(li, listing)
    r.qualify(exch, listing, li.did, approve=True, evidence_hash=live.client.suite.hash(b"ok"))
    r.record_deposit(clearing, listing, li.did, 40_000)
    wait_until(live, opens)
    secret = r.commit_bid(li, listing, 250_000)
    wait_until(live, opens + window)
    r.reveal_bid(li, secret)
    wait_until(live, opens + 2 * window)
    return listing


def in_notice(live: Any, r: Rural, lang: str) -> str:
    """A listing in its notice (bids open in a week), li-ming and huang-jun registered."""
    exch = member_key(live, "ncjy-reviewer")
    res = four_wastes(live, r, f"440781-DX-N{lang.upper()}", f"北坑荒山（{lang}）")
    opens = live.node.clock.now_ms() + 7 * DAY
    listing = r.publish_listing(exch, f"440781-DX-N{lang.upper()}", res, **terms(opens, DAY))
    for name in ("li-ming", "huang-jun"):
        r.register_bid(open_wallet_of(live, name), listing)
    return listing


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_exchange_desk_works_a_listing(
    browser: Any, live: Any, lang: str, tmp_path: Path
) -> None:
    w = WORDS[lang]
    r = Rural(live.client)
    exch, clearing = member_key(live, "ncjy-reviewer"), member_key(live, "ncjy-clearing")
    li, huang = open_wallet_of(live, "li-ming"), open_wallet_of(live, "huang-jun")
    closed = auction_closed(live, r, lang)
    notice = in_notice(live, r, lang)
    assert r.listing(closed)["phase"] == "closed" and r.listing(notice)["phase"] == "notice"
    errors: list[str] = []
    evidence = a_file(tmp_path, "evidence.txt", f"经营能力证明 {lang}")

    # the reviewer: qualifies li-ming with the evidence file (hashed in the page), refuses
    # huang-jun; no deposit button for the reviewer
    rev = new_page(browser, errors)
    sign_in(rev, live.url, key(live, "ncjy-reviewer"), "#/rural-desk", lang)
    rev.wait_for_selector(f"[data-testid=bidders-{notice}] tbody tr")
    assert rev.locator(f"[data-testid^=deposit-{notice}-]").count() == 0
    row = row_of(rev, notice, li.did)
    digest = hash_file(rev, f"evidence-{row}", evidence)
    assert digest == live.client.suite.hash(evidence.read_bytes()).hex()
    rev.select_option(f"[data-testid=decision-{row}]", "approve")
    rev.click(f"[data-testid=qualify-{row}-go]")
    wait_done(rev, f"qualify-{row}", w["qualified"])
    row = row_of(rev, notice, huang.did)
    hash_file(rev, f"evidence-{row}", evidence)
    rev.select_option(f"[data-testid=decision-{row}]", "refuse")
    rev.click(f"[data-testid=qualify-{row}-go]")
    wait_done(rev, f"qualify-{row}", w["refused"])
    got = {b["bidder"]: b for b in r.bidders(notice, key=exch)}
    assert got[li.did]["qualified"]["approved"] is True
    assert got[li.did]["qualified"]["evidence_hash"] == digest
    assert got[huang.did]["qualified"]["approved"] is False
    assert r.listing(notice)["counts"]["qualified"] == 1

    # the award and the contract, its clauses as files hashed in the page
    rev.wait_for_selector(f"[data-testid=award-{closed}]")
    assert rev.locator(f"[data-testid=announce-{closed}]").count() == 0
    rev.click(f"[data-testid=award-{closed}]")
    wait_done(rev, f"award-{closed}", w["award"])
    x = r.listing(closed)
    assert x["status"] == "awarded" and x["result"]["amount"] == 250_000
    assert x["result"]["rule"] == "highest"
    hashes = {
        k: hash_file(rev, f"{k}-{closed}", a_file(tmp_path, f"{k}.txt", f"{k} 条款 {lang}"))
        for k in ("rights", "expropriation", "liability", "document")
    }
    rev.select_option(f"[data-testid=paymethod-{closed}]", "annual_in_advance")
    rev.click(f"[data-testid=contract-{closed}-go]")
    wait_done(rev, f"contract-{closed}", w["contract"])
    c = r.listing_record(closed, key=exch)["contract"]
    assert c["document_hash"] == hashes["document"]
    assert c["clauses"]["rights_duties"] == hashes["rights"]
    assert c["clauses"]["liability"] == hashes["liability"]
    assert c["clauses"]["price_payment"] == {
        "annual": 250_000, "total": 1_250_000, "method": "annual_in_advance"
    }  # fmt: skip
    # the redrawn desk: the signatures awaited, no contract form any more
    rev.wait_for_selector(f"[data-testid=signatures-{closed}]")
    assert rev.locator(f"[data-testid=contract-{closed}-form]").count() == 0

    # the transferee signs (its wallet, through the SDK); the collective signs on its desk
    r.sign_contract(li, closed)
    col = new_page(browser, errors)
    open_wallet(col, live.url, wallet(live, "daxi-council"), "rural-collective", lang)
    col.wait_for_selector(f"[data-testid=sign-{closed}]")
    col.click(f"[data-testid=sign-{closed}]")
    wait_done(col, f"sign-{closed}", w["sign"])
    assert r.listing(closed)["status"] == "contracted"
    col.context.close()

    # announcing before the first payment: refused, the contract's rule shown, nothing changed
    redraw(rev)
    rev.wait_for_selector(f"[data-testid=announce-{closed}]")
    rev.click(f"[data-testid=announce-{closed}]")
    rev.wait_for_selector(f"[data-testid=announce-{closed}-msg].err")
    msg = rev.inner_text(f"[data-testid=announce-{closed}-msg]")
    assert "announcement rule" in msg and "the first payment is 2,500.00 yuan" in msg, msg
    assert r.listing(closed)["status"] == "contracted"

    # the clearing desk: li-ming's deposit on the listing in notice; huang-jun's deposit button
    # gone stale (recorded meanwhile through the SDK) is refused with the deposit rule
    clr = new_page(browser, errors)
    sign_in(clr, live.url, key(live, "ncjy-clearing"), "#/rural-desk", lang)
    clr.wait_for_selector(f"[data-testid=bidders-{notice}] tbody tr")
    assert clr.locator(f"[data-testid^=qualify-{notice}-]").count() == 0
    assert clr.locator(f"[data-testid=award-{closed}]").count() == 0
    row = row_of(clr, notice, li.did)
    assert "¥400.00" in clr.inner_text(f"[data-testid=deposit-{row}]")
    clr.click(f"[data-testid=deposit-{row}]")
    wait_done(clr, f"deposit-{row}", w["deposit"])
    row = row_of(clr, notice, huang.did)
    clr.wait_for_selector(f"[data-testid=deposit-{row}]")
    r.record_deposit(clearing, notice, huang.did, 40_000)
    clr.click(f"[data-testid=deposit-{row}]")
    clr.wait_for_selector(f"[data-testid=deposit-{row}-msg].err")
    msg = clr.inner_text(f"[data-testid=deposit-{row}-msg]")
    assert "deposit rule" in msg and "has paid the deposit" in msg, msg
    got = {b["bidder"]: b for b in r.bidders(notice, key=exch)}
    assert got[li.did]["deposit"]["amount"] == 40_000 and got[li.did]["deposit"]["status"] == "paid"
    assert r.listing(notice)["counts"]["deposits"] == 2

    # the first year's payment (the form offers it) and the winner's deposit back
    redraw(clr)
    clr.wait_for_selector(f"[data-testid=payment-{closed}-go]")
    assert clr.input_value(f"[data-testid=payment-amount-{closed}]") == "2500.00"
    assert clr.input_value(f"[data-testid=payment-year-{closed}]") == "1"
    clr.click(f"[data-testid=payment-{closed}-go]")
    wait_done(clr, f"payment-{closed}", w["payment"])
    x = r.listing(closed)
    assert x["paid"] == 250_000 and [p["year"] for p in x["payments"]] == [1]
    row = row_of(clr, closed, li.did)
    clr.click(f"[data-testid=refund-{row}]")
    wait_done(clr, f"refund-{row}", w["refund"])
    (b,) = r.bidders(closed, key=exch)
    assert b["deposit"]["status"] == "refunded"
    clr.wait_for_selector(f"[data-testid=bidders-{closed}] tbody tr")
    assert clr.locator(f"[data-testid^=refund-{closed}-]").count() == 0
    clr.context.close()

    # the announcement, with its certificate
    redraw(rev)
    rev.wait_for_selector(f"[data-testid=announce-{closed}]")
    rev.click(f"[data-testid=announce-{closed}]")
    text = wait_done(rev, f"announce-{closed}", w["announce"])
    x = r.listing(closed)
    assert x["status"] == "announced" and x["cert"] and x["cert"] in text
    redraw(rev)
    rev.wait_for_selector("[data-testid=rural-announcements] tbody tr")
    settle(rev)
    assert x["cert"] in rev.inner_text("[data-testid=rural-announcements]")
    assert closed not in rev.inner_text("[data-testid=rural-awaiting]")
    untranslated(rev, lang)
    rev.context.close()
    assert not errors, errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_collective_files_an_authorisation(page: Any, live: Any, lang: str) -> None:
    r = Rural(live.client)
    farmer = open_wallet_of(live, "ou-guoqiang")
    meige = open_wallet_of(live, "meige-council")
    asset = f"440705-MG-03{1 if lang == 'zh' else 2}0"
    r.register_asset(member_key(live, "nyj-registrar"), asset, collective=MEIGE,
                     kind="contract_land", name=f"河边片（{lang}）", location="双水镇梅阁村河边片",
                     area=600, use="crop", grade=4, contractor=farmer.did,
                     contract_end="2057-12-31",
                     cert_hash=live.client.suite.hash(asset.encode()))  # fmt: skip
    auth = str(r.authorise_transfer(farmer, asset, 50_000, 6)["id"])
    open_wallet(page, live.url, wallet(live, "meige-council"), "rural-collective", lang)
    page.wait_for_selector(f"[data-testid=file-{auth}]")
    assert page.get_attribute(f"[data-testid=auth-{auth}]", "data-value") == "authorised"
    page.click(f"[data-testid=file-{auth}]")
    wait_done(page, f"file-{auth}", WORDS[lang]["file"])
    assert page.get_attribute(f"[data-testid=auth-{auth}]", "data-value") == "filed"
    assert page.locator(f"[data-testid=file-{auth}]").count() == 0
    c = r.wallet_items(meige.did, key=meige.key)["collective"]
    assert {a["id"]: a["status"] for a in c["authorisations"]}[auth] == "filed"
