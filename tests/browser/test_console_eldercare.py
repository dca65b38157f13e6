"""养老服务's pages in a real browser against the live demo node, in Chinese and in English:
the public board (grades computed by the contract, the red list, charts) and one institution's
page, naming no person; 民政局's desk (alerts read signed); the departments' desk recording an
inspection; the institution's desk (its alerts and prepayments); the custody bank's desk; the
time bank where the elder confirms the service that waits for him — checked on chain through
the SDK. No page shows an untranslated string in Chinese; the ``page`` fixture fails a test on
any JavaScript error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_console_consumer import key, open_console, open_wallet, settle, sign_in
from tests.browser.test_console_consumer import wait_done as _wait_done
from tests.browser.test_console_zh import VISIBLE_WORDS, english_words
from wuyi.scenarios.eldercare.demo import PERSONAL
from wuyi.scenarios.eldercare.sdk import Eldercare


def sc(live: Any) -> dict[str, Any]:
    return dict(live.made["scenarios"]["eldercare"])


def wallet_file(live: Any, name: str) -> str:
    return str(live.made["scenarios"]["citizens"][name]["wallet"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_public_board(page: Any, live: Any, lang: str) -> None:
    made = sc(live)
    open_console(page, live.url, "#/eldercare", lang)
    page.wait_for_selector("[data-testid=ec-board] tbody tr")
    assert page.locator("[data-testid=ec-board] tbody tr").count() == 2
    assert page.inner_text("[data-testid=ec-red]") == "1"
    assert page.locator("[data-testid=ec-score-chart] rect").count() >= 2
    assert page.locator("[data-testid=ec-custody-chart] rect").count() >= 2
    assert page.locator("[data-testid=grade][data-value='5']").count() == 1
    body = page.inner_text("body")
    assert not [p for p in PERSONAL if p in body]
    assert not [d for d in made["caregivers"].values() if d in body]
    page.click("[data-testid=ec-board] a[href='#/eldercare/flyy']")
    page.wait_for_selector("[data-testid=inst-records] tbody tr")
    assert page.locator("[data-testid=inst-records] tbody tr").count() == 6
    assert page.locator("[data-testid=inst-subsidies] tbody tr").count() == 1
    if lang == "zh":
        settle(page)
        words = english_words(page.evaluate(VISIBLE_WORDS))
        assert not words, words


def test_no_untranslated_string_on_the_desks(browser: Any, live: Any) -> None:
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

    for member, route, ready in (
        ("mzj-officer", "#/eldercare-bureau", "[data-testid=ec-alerts] tbody tr"),
        ("xfzd-inspector", "#/eldercare-dept", "[data-testid=record-form]"),
        ("flyy-institution", "#/eldercare-inst", "[data-testid=inst-alerts] tbody tr"),
        ("zgyh-custody", "#/eldercare-bank", "[data-testid=ec-prepayments] tbody tr"),
    ):
        pg = new()
        sign_in(pg, live.url, key(live, member), route)
        check(pg, route, ready)
        pg.context.close()
    pg = new()
    open_wallet(pg, live.url, wallet_file(live, "elder-he"), "timebank")
    check(pg, "#/timebank", "[data-testid=tb-toconfirm] article")
    pg.context.close()
    pg = new()
    open_wallet(pg, live.url, wallet_file(live, "volunteer-zhou"), "citizen")
    check(pg, "#/citizen", "[data-testid=ec-citizen]")
    pg.context.close()
    assert not errors, errors
    assert not problems, "\n".join(f"{r}: {w}" for r, w in problems.items())


def test_the_elder_confirms_and_a_department_records(browser: Any, live: Any) -> None:
    made = sc(live)
    s = Eldercare(live.client)  # reads as the demo's auditor (signed, logged)
    errors: list[str] = []

    def new() -> Any:
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        pg = ctx.new_page()
        pg.set_default_timeout(20_000)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        return pg

    sid = made["timebank"]["waiting"]
    pg = new()
    open_wallet(pg, live.url, wallet_file(live, "elder-he"), "timebank", "en")
    pg.wait_for_selector(f"[data-testid=confirm-{sid}]")
    pg.click(f"[data-testid=confirm-{sid}]")
    _wait_done(pg, f"confirm-{sid}", "Confirmed")
    assert s.service(sid)["status"] == "confirmed"
    pg.context.close()
    # the fire brigade records that 颐养院's hazard is rectified: off the red list
    pg = new()
    sign_in(pg, live.url, key(live, "xfzd-inspector"), "#/eldercare-dept")
    pg.wait_for_selector("[data-testid=record-form]")
    pg.select_option("[data-testid=rec-inst]", "pjyy")
    pg.select_option("[data-testid=rec-category]", "fire")
    pg.fill("[data-testid=rec-doc]", "ab" * 32)
    pg.click("[data-testid=record-go]")
    _wait_done(pg, "record", "REC-")
    assert s.institution("pjyy")["grade"]["red"] is False
    pg.context.close()
    assert not errors, errors
