"""消费维权's pages in a real browser against the live demo node, in Chinese and in English:
the public merchant credit view (and one merchant's page) with its charts and no consumer on
it; 市场监管局's desk accepting a complaint and taking up the alert; the custody bank's desk
recording a prepayment, refused for the merchant on alert (chain unchanged), paying a refund;
the merchant's desk offering a contract with its wallet; the consumer on 我的办事 confirming
the lesson the school asked about and complaining — the text hashed in the page, never sent.
Each step is checked on chain through the SDK; no page shows an untranslated string in
Chinese. The ``page`` fixture fails a test on any JavaScript error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_console_zh import VISIBLE_WORDS, english_words
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.scenarios.consumer.sdk import ConsumerProtection

FLASH = "[data-testid=sc-flash]"


def open_console(page: Any, url: str, route: str = "", lang: str = "zh") -> None:
    page.goto(f"{url}/console/")
    page.evaluate("l => localStorage.setItem('wuyi-console-lang', l)", lang)
    page.goto(f"{url}/console/{route}")
    page.reload()
    page.wait_for_selector('body[data-ready="1"]')


def sign_in(page: Any, url: str, key_file: str | Path, route: str, lang: str = "zh") -> None:
    open_console(page, url, f"#/login?next={route.replace('#', '%23').replace('/', '%2F')}", lang)
    page.set_input_files("[data-testid=key-file]", str(key_file))
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")


def open_wallet(page: Any, url: str, wallet: str, route: str, lang: str = "zh") -> None:
    open_console(page, url, f"#/{route}", lang)
    page.set_input_files("[data-testid=key-file]", wallet)
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")


def wait_done(page: Any, testid: str, expect: str) -> str:
    """The flash saying ``expect`` after the redraw, or the refusal next to the button (which
    fails here)."""
    page.wait_for_selector(
        f"{FLASH}:has-text('{expect}'), [data-testid={testid}-msg].err", timeout=30_000
    )
    err = page.locator(f"[data-testid={testid}-msg].err")
    assert err.count() == 0, err.inner_text()
    text = str(page.inner_text(FLASH))
    assert expect in text, text
    return text


def key(live: Any, name: str) -> str:
    return str(live.made["scenarios"]["members"][name]["key"])


def sc(live: Any) -> dict[str, Any]:
    return dict(live.made["scenarios"]["consumer"])


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_public_credit_view(page: Any, live: Any, lang: str) -> None:
    made = sc(live)
    open_console(page, live.url, "#/credit", lang)
    page.wait_for_selector("[data-testid=cs-credits] tbody tr")
    assert page.locator("[data-testid=cs-credits] tbody tr").count() == 4
    assert page.locator("[data-testid=custody-chart] rect").count() == 8  # two bars a merchant
    assert page.inner_text("[data-testid=cs-onalert]") == "1"
    text = page.inner_text("#view")
    assert ("商户信用" if lang == "zh" else "Merchant credit") in text
    assert ("警示" if lang == "zh" else "warning") in text
    # merchants only: no consumer's DID (nor its short form) on the public page
    for c in made["contracts"].values():
        assert c["consumer"] not in page.content() and c["consumer"][-6:] not in text
    page.click("[data-filter=warning]")
    page.wait_for_selector("[data-testid=cs-credits] tbody tr")
    settle(page)
    assert page.locator("[data-testid=cs-credits] tbody tr").count() == 2
    # one merchant: the gym on alert, its reconciliations with the bank's short balance
    gym = made["merchants"]["yuedong-jianshen"]["did"]
    page.goto(f"{live.url}/console/#/credit/{gym}")
    page.wait_for_selector("[data-testid=merchant-recons] tbody tr")
    assert page.get_attribute("[data-testid=merchant-rating]", "data-value") == "warning"
    assert page.locator("[data-testid=recon-chart] rect").count() == 2
    alert = page.inner_text("[data-testid=merchant-alert]")
    assert ("银行余额不符" if lang == "zh" else "bank balance differs") in alert
    if lang == "zh":
        words = english_words(page.evaluate(VISIBLE_WORDS))
        assert not words, words


def test_no_untranslated_string_on_the_desks(browser: Any, live: Any) -> None:
    made = sc(live)
    school = made["merchants"]["qihang-peixun"]["did"]
    problems: dict[str, list[str]] = {}
    errors: list[str] = []

    def check(pg: Any, name: str, ready: str) -> None:
        pg.wait_for_selector(ready)
        settle(pg)
        words = english_words(pg.evaluate(VISIBLE_WORDS))
        if words:
            problems[name] = words[:8]

    def new() -> Any:
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        pg = ctx.new_page()
        pg.set_default_timeout(20_000)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        return pg

    pg = new()
    sign_in(pg, live.url, key(live, "scjgj-regulator"), "#/consumer")
    check(pg, "#/consumer", "[data-testid=cs-open-complaints] article")
    for route in ("#/credit", f"#/credit/{school}"):
        pg.evaluate("r => { location.hash = r; }", route)
        check(pg, route, "#view h1")
    pg.context.close()
    pg = new()
    sign_in(pg, live.url, key(live, "nsyh-custody"), "#/custody")
    check(pg, "#/custody", "[data-testid=cs-mine] article")
    pg.context.close()
    pg = new()
    open_wallet(pg, live.url, made["merchants"]["qihang-peixun"]["wallet"], "merchant")
    check(pg, "#/merchant", "[data-testid=merchant-contracts] tbody tr")
    pg.context.close()
    pg = new()
    open_wallet(pg, live.url, made["contracts"]["piano"]["wallet"], "citizen")
    check(pg, "#/citizen", "[data-testid=cs-my-contracts] article")
    pg.context.close()
    assert not errors, errors
    assert not problems, "\n".join(f"{r}: {w}" for r, w in problems.items())


def test_the_consumer_confirms_a_lesson_and_complains(browser: Any, live: Any) -> None:
    made = sc(live)
    s = ConsumerProtection(live.client)
    piano = made["contracts"]["piano"]
    cid = piano["id"]
    before = s.contract(cid)
    (req,) = [u for u in before["consumptions"] if u["status"] == "requested"]
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    sent: list[str] = []
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: sent.append(r.url + " " + (r.post_data or "")))
    open_wallet(pg, live.url, piano["wallet"], "citizen", "en")
    pg.wait_for_selector(f"[data-testid=cz-pc-{cid}]")
    pg.click(f"[data-testid=cz-confirm-{cid}-{req['n']}]")
    wait_done(pg, f"cz-confirm-{cid}-{req['n']}", "confirmed")
    after = s.contract(cid)
    assert after["used"] == before["used"] + req["units"]
    assert after["released"] == before["released"] + req["units"] * after["unit_price"]
    # a complaint: the text is hashed in the page and never leaves it
    words = "老师连续三次迟到，课时被缩短 / the teacher was late three times"
    pg.wait_for_selector(f"[data-testid=cz-statement-{cid}]")
    pg.fill(f"[data-testid=cz-statement-{cid}]", words)
    pg.select_option(f"[data-testid=cz-cat-{cid}]", "quality")
    pg.click(f"[data-testid=cz-lodge-{cid}-go]")
    text = wait_done(pg, f"cz-lodge-{cid}", "TS0")
    kid = text.split("TS")[1][:6]
    k = s.complaint("TS" + kid)
    assert k["contract"] == cid and k["category"] == "quality"
    assert bytes.fromhex(k["statement"]) == live.client.suite.hash(words.encode())
    assert not [x for x in sent if "老师" in x or "teacher" in x]
    assert not errors, errors
    ctx.close()


def test_the_regulator_and_the_bank_at_their_desks(browser: Any, live: Any) -> None:
    made = sc(live)
    s = ConsumerProtection(live.client)
    errors: list[str] = []

    def new(lang: str = "zh") -> Any:
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        pg = ctx.new_page()
        pg.set_default_timeout(20_000)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        return pg

    # 市场监管局 accepts the complaint that waits, and takes up the gym's alert
    kid = made["complaints"]["gym"]["id"]
    alert = made["alert"]["id"]
    pg = new()
    sign_in(pg, live.url, key(live, "scjgj-regulator"), "#/consumer")
    pg.wait_for_selector(f"[data-testid=k-{kid}]")
    pg.click(f"[data-testid=accept-{kid}]")
    wait_done(pg, f"accept-{kid}", "受理")
    k = s.complaint(kid)
    assert k["status"] == "accepted" and k["mediation_due"] and k["late_days"] == 0
    pg.fill(f"[data-testid=ack-note-{alert}]", "已约谈经营者，责令补足存管资金")
    pg.click(f"[data-testid=ack-{alert}-go]")
    wait_done(pg, f"ack-{alert}", "已处理")
    assert s.alerts("open")[0]["ack"]["note"] == "已约谈经营者，责令补足存管资金"
    pg.context.close()
    # the custody banks: the calligraphy course is paid in; the gym's card is refused while
    # the gym is on alert (nothing changes); the salon's refund is paid
    pg = new("en")
    sign_in(pg, live.url, key(live, "nsyh-custody"), "#/custody", "en")
    course = made["contracts"]["calligraphy"]["id"]
    pg.wait_for_selector(f"[data-testid=prepay-{course}]")
    pg.click(f"[data-testid=prepay-{course}]")
    wait_done(pg, f"prepay-{course}", "prepaid")
    assert s.contract(course)["status"] == "active"
    refund = made["contracts"]["salon2"]["id"]
    pg.wait_for_selector(f"[data-testid=refund-{refund}]")
    pg.click(f"[data-testid=refund-{refund}]")
    wait_done(pg, f"refund-{refund}", "refunded")
    assert s.contract(refund)["refund"]["paid"] == 200_000
    pg.context.close()
    pg = new()
    sign_in(pg, live.url, key(live, "zgyh-custody"), "#/custody")
    card = made["contracts"]["gym2"]["id"]
    gym = made["merchants"]["yuedong-jianshen"]["did"]
    custody = s.credit(gym)["custody"]
    pg.wait_for_selector(f"[data-testid=prepay-{card}]")
    pg.click(f"[data-testid=prepay-{card}]")
    pg.wait_for_selector(f"[data-testid=prepay-{card}-msg].err")
    msg = pg.inner_text(f"[data-testid=prepay-{card}-msg]")
    assert "custody rule (资金存管)" in msg and "on alert" in msg, msg
    assert s.contract(card)["status"] == "signed" and s.contract(card)["paid"] == 0
    assert s.credit(gym)["custody"] == custody  # the refusal changed nothing
    pg.context.close()
    assert not errors, errors


def test_the_merchant_offers_a_contract_with_its_wallet(browser: Any, live: Any) -> None:
    made = sc(live)
    s = ConsumerProtection(live.client)
    school = made["merchants"]["qihang-peixun"]
    consumer = made["contracts"]["drawing"]["consumer"]
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    open_wallet(pg, live.url, school["wallet"], "merchant")
    pg.wait_for_selector("[data-testid=merchant-did]")
    assert pg.inner_text("[data-testid=merchant-did]") == school["did"]
    # over the training cap: refused by the contract, shown next to the button
    pg.fill("[data-testid=offer-consumer]", consumer)
    pg.fill("[data-testid=offer-item]", "暑期素描班")
    pg.fill("[data-testid=offer-price]", "100")
    pg.fill("[data-testid=offer-units]", "61")
    pg.fill("[data-testid=offer-months]", "2")
    pg.fill("[data-testid=offer-terms]", "ab" * 32)
    pg.click("[data-testid=offer-go]")
    pg.wait_for_selector("[data-testid=offer-msg].err")
    assert "cap rule (预付限额)" in pg.inner_text("[data-testid=offer-msg]")
    pg.fill("[data-testid=offer-units]", "20")
    pg.click("[data-testid=offer-go]")
    text = wait_done(pg, "offer", "YF")
    cid = "YF" + text.split("YF")[1][:6]
    c = s.contract(cid)
    assert (c["status"], c["consumer"], c["total"], c["terms"]) == (
        "offered",
        consumer,
        200_000,
        "ab" * 32,
    )
    assert not errors, errors
    ctx.close()
