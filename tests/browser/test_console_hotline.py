"""12345 热线's pages in a real browser against the live demo node, in Chinese and in English:
the public board (department scores in tiers with their charts, the statistics as charts, no
caller on it); the hotline centre's desk approving an extension and a return, refused when it
merges tickets about different matters, taking a call whose text and phone are hashed in the
page and never sent; the unit's desk signing off and answering; the caller on 我的办事 rating
an answer and lodging a request online. Each step is checked on chain through the SDK; no page
shows an untranslated string in Chinese. The ``page`` fixture fails a test on any JavaScript
error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_console_consumer import key, open_console, open_wallet, settle, sign_in
from tests.browser.test_console_consumer import wait_done as _wait_done
from tests.browser.test_console_zh import VISIBLE_WORDS, english_words
from wuyi.scenarios.hotline.demo import PERSONAL
from wuyi.scenarios.hotline.sdk import Hotline


def sc(live: Any) -> dict[str, Any]:
    return dict(live.made["scenarios"]["hotline"])


def centre(live: Any) -> Hotline:
    """The tickets, read as the live fixture's client reads (signed reads)."""
    return Hotline(live.client)


def wait_done(page: Any, testid: str, expect: str) -> str:
    return _wait_done(page, testid, expect)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_public_board(page: Any, live: Any, lang: str) -> None:
    made = sc(live)
    open_console(page, live.url, "#/hotline-board", lang)
    page.wait_for_selector("[data-testid=hl-scores] tbody tr")
    rows = page.locator("[data-testid=hl-scores] tbody tr").count()
    assert rows == 5  # scjgj, zjj, rsj, jyj, bsjd
    assert page.get_attribute("[data-testid=tier-scjgj]", "data-value") == "A"
    assert page.get_attribute("[data-testid=tier-rsj]", "data-value") == "pending"
    for chart in ("hl-tier-chart", "hl-cat-chart", "hl-status-chart", "hl-month-chart"):
        assert page.locator(f"[data-testid={chart}] rect").count() >= 1, chart
    assert page.inner_text("[data-testid=hl-total]") == str(len(made["tickets"]))
    text = page.inner_text("#view")
    assert ("分档" if lang == "zh" else "Tiers, not a ranking") in text
    content = page.content()
    assert not [p for p in PERSONAL if p in content]
    ids = [t["id"] for t in made["tickets"].values()]
    assert not [i for i in ids if i in content]  # counts only, no ticket
    if lang == "zh":
        words = english_words(page.evaluate(VISIBLE_WORDS))
        assert not words, words


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_desk_in_both_languages(browser: Any, live: Any, lang: str) -> None:
    """Each desk renders (no JavaScript error) in Chinese and in English; in Chinese, no
    untranslated string."""
    made = sc(live)
    problems: dict[str, list[str]] = {}
    errors: list[str] = []
    title = {"zh": "12345热线受理派单台", "en": "12345 hotline desk"}[lang]

    def check(pg: Any, name: str, ready: str) -> None:
        pg.wait_for_selector(ready)
        settle(pg)
        if name == "#/hotline":
            assert title in pg.inner_text("#view h1")
        words = english_words(pg.evaluate(VISIBLE_WORDS)) if lang == "zh" else []
        if words:
            problems[name] = words[:8]

    def new() -> Any:
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        pg = ctx.new_page()
        pg.set_default_timeout(20_000)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        return pg

    pg = new()
    sign_in(pg, live.url, key(live, "rx12345-operator"), "#/hotline", lang)
    check(pg, "#/hotline", "[data-testid=hl-desk-tickets] tbody tr")
    road = made["tickets"]["road"]["id"]
    pg.evaluate("r => { location.hash = r; }", f"#/hotline/{road}")
    check(pg, f"#/hotline/{road}", f"[data-testid=hl-trace-{road}] li")
    pg.context.close()
    pg = new()
    sign_in(pg, live.url, key(live, "zjj-handler"), "#/hotline-unit", lang)
    check(pg, "#/hotline-unit", "[data-testid=hl-unit-tickets] article")
    pg.context.close()
    pg = new()
    open_wallet(pg, live.url, made["wallets"]["hotline-chen"], "citizen", lang)
    check(pg, "#/citizen", "[data-testid=hl-my-tickets] article")
    pg.context.close()
    assert not errors, errors
    assert not problems, "\n".join(f"{r}: {w}" for r, w in problems.items())


def test_the_centre_and_the_units_at_their_desks(browser: Any, live: Any) -> None:
    made = sc(live)
    s = centre(live)
    errors: list[str] = []
    sent: list[str] = []

    def new() -> Any:
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        pg = ctx.new_page()
        pg.set_default_timeout(20_000)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("request", lambda r: sent.append(r.url + " " + (r.post_data or "")))
        return pg

    road, garbage = made["tickets"]["road"]["id"], made["tickets"]["garbage"]["id"]
    noise, pension = made["tickets"]["noise"]["id"], made["tickets"]["pension"]["id"]
    due = s.ticket(road)["due"]
    pg = new()
    sign_in(pg, live.url, key(live, "rx12345-operator"), "#/hotline")
    # the extension the roads bureau asked for, before the deadline
    pg.wait_for_selector(f"[data-testid=hl-ext-yes-{road}]")
    pg.click(f"[data-testid=hl-ext-yes-{road}]")
    wait_done(pg, f"hl-ext-yes-{road}", "批准延期")
    t = s.ticket(road)
    assert t["extension"] is None and t["due"] > due and t["extensions"][0]["days"] == 5
    # the street's return: approved, the ticket back to be dispatched
    pg.click(f"[data-testid=hl-return-yes-{garbage}]")
    wait_done(pg, f"hl-return-yes-{garbage}", "同意退单")
    assert s.ticket(garbage)["status"] == "accepted"
    # merging tickets about different matters: refused by the contract, nothing changes
    pg.fill(f"[data-testid=hl-master-{noise}]", pension)
    pg.click(f"[data-testid=hl-merge-{noise}-go]")
    pg.wait_for_selector(f"[data-testid=hl-merge-{noise}-msg].err")
    assert "merge rule (并单)" in pg.inner_text(f"[data-testid=hl-merge-{noise}-msg]")
    assert s.ticket(noise)["status"] == "received"
    # a call: the content and the phone are hashed here, never sent
    words, phone = "路灯不亮已经一周", "13512345678"
    pg.select_option("[data-testid=hl-take-category]", "help")
    pg.select_option("[data-testid=hl-take-matter]", "road")
    pg.fill("[data-testid=hl-take-text]", words)
    pg.fill("[data-testid=hl-take-phone]", phone)
    pg.click("[data-testid=hl-take-go]")
    pg.wait_for_selector("[data-testid=hl-take-msg].ok, [data-testid=hl-take-msg].err")
    msg = pg.inner_text("[data-testid=hl-take-msg]")
    assert "RX" in msg, msg
    tid = "RX" + msg.split("RX")[1][:6]
    assert s.ticket(tid)["status"] == "accepted" and s.ticket(tid)["category"] == "help"
    assert pg.locator("[data-testid=hl-take-salt] code").count() == 1
    assert not [x for x in sent if words in x or phone in x]
    pg.context.close()
    # 人社局 signs off its ticket and answers it
    pg = new()
    sign_in(pg, live.url, key(live, "rsj-handler"), "#/hotline-unit")
    pg.wait_for_selector(f"[data-testid=hl-sign-{pension}]")
    # the sign-off deadline in hours from the dispatch, shown as a local time
    assert pg.inner_text(f"[data-testid=hl-signoffdue-{pension}]")[:2] == "20"
    pg.click(f"[data-testid=hl-sign-{pension}]")
    wait_done(pg, f"hl-sign-{pension}", "签收")
    pg.fill(f"[data-testid=hl-answer-{pension}]", "可通过粤省事续缴，详见答复函")
    pg.click(f"[data-testid=hl-reply-{pension}-go]")
    wait_done(pg, f"hl-reply-{pension}", "答复")
    t = s.ticket(pension)
    assert t["status"] == "replied" and t["dispatches"][0]["signed_on_time"] is True
    pg.context.close()
    assert not errors, errors


def test_the_caller_rates_and_lodges(browser: Any, live: Any) -> None:
    made = sc(live)
    s = centre(live)
    school = made["tickets"]["school"]["id"]
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    sent: list[str] = []
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: sent.append(r.url + " " + (r.post_data or "")))
    open_wallet(pg, live.url, made["wallets"]["hotline-li"], "citizen", "en")
    pg.wait_for_selector(f"[data-testid=hl-rate-{school}-basic]")
    pg.click(f"[data-testid=hl-rate-{school}-basic]")
    wait_done(pg, f"hl-rate-{school}-basic", "Revisited")
    t = s.ticket(school)
    assert t["status"] == "revisited" and t["revisits"][-1] == {
        "result": "basic",
        "by": "citizen",
        "date": t["revisits"][-1]["date"],
    }
    words, phone = "公园健身器材损坏 / broken gym equipment in the park", "13698765432"
    pg.wait_for_selector("[data-testid=hl-lodge-text]")
    pg.select_option("[data-testid=hl-lodge-matter]", "community")
    pg.fill("[data-testid=hl-lodge-text]", words)
    pg.fill("[data-testid=hl-lodge-phone]", phone)
    pg.click("[data-testid=hl-lodge-go]")
    text = wait_done(pg, "hl-lodge", "Received RX")
    tid = "RX" + text.split("Received RX")[1][:6]
    t = s.ticket(tid)
    assert t["status"] == "received" and t["channel"] == "web" and t["matter"] == "community"
    assert not [x for x in sent if "健身器材" in x or "broken gym" in x or phone in x]
    assert not errors, errors
    ctx.close()
