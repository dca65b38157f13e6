"""健康医疗's pages in a real browser against the live demo node, in Chinese and in English: the
public supervision board with its charts and no patient on it; 医保局's desk confirming an alert
at 初审 and deciding one after the investigation; the hospital's desk appealing an alert and
refused when it settles a trace code already settled (chain unchanged); 卫健局's reads across
hospitals; the insurer's claims; the patient with the wallet seeing who read the records and
withdrawing a consent. Each step is checked on chain through the SDK; no page shows an
untranslated string in Chinese. The ``page`` fixture fails a test on any JavaScript error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_console_consumer import key, open_console, open_wallet, settle, sign_in
from tests.browser.test_console_zh import VISIBLE_WORDS, english_words
from wuyi.scenarios.medical.sdk import Medical

FLASH = "[data-testid=sc-flash]"
HASH = "ab" * 32


def sc(live: Any) -> dict[str, Any]:
    return dict(live.made["scenarios"]["medical"])


def click(page: Any, selector: str) -> None:
    """Click ``selector`` after taking away the flash of the write before: ``done`` must wait for
    this write's outcome, not find the last one still on the page (the page keeps it until its
    next redraw: a second write on one page read the chain before its own commit)."""
    page.evaluate(f"document.querySelectorAll('{FLASH}').forEach((e) => e.remove())")
    page.click(selector)


def done(page: Any, testid: str) -> str:
    page.wait_for_selector(f"{FLASH}, [data-testid={testid}-msg].err", timeout=30_000)
    err = page.locator(f"[data-testid={testid}-msg].err")
    assert err.count() == 0, err.inner_text()
    return str(page.inner_text(FLASH))


def made_did(live: Any) -> str:
    st = Medical(live.client).bill(sc(live)["chen"]["bill"])
    return str(st["patient"])


def zh_clean(page: Any, lang: str) -> None:
    if lang == "zh":
        words = english_words(page.evaluate(VISIBLE_WORDS))
        assert not words, words


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_public_board(page: Any, live: Any, lang: str) -> None:
    open_console(page, live.url, "#/medical", lang)
    page.wait_for_selector("[data-testid=md-alerts] tbody tr")
    assert page.locator("[data-testid=md-alerts] tbody tr").count() >= 4
    assert page.locator("[data-testid=md-rule-chart] rect").count() >= 5
    assert page.locator("[data-testid=md-stage-chart] rect").count() >= 7
    assert page.inner_text("[data-testid=md-settlements]") == "7"
    text = page.inner_text("#view")
    assert ("两院住院时间重叠" if lang == "zh" else "Overlapping inpatient stays") in text
    patients = {x["patient"] for x in Medical(live.client).settlements()}
    assert len(patients) == 4 and not [d for d in patients if d in page.content()]
    zh_clean(page, lang)


def test_the_bureau_reviews_and_decides(page: Any, live: Any) -> None:
    made, s = sc(live), Medical(live.client)
    wu, li = made["wu"]["alert"], made["li"]["alert"]
    sign_in(page, live.url, key(live, "ybj-reviewer"), "#/medical-bureau")
    page.wait_for_selector("[data-testid=md-bill-list] tbody tr")
    settle(page)
    zh_clean(page, "zh")
    page.wait_for_selector(f"[data-testid=md-alert-{wu}]")
    page.fill(f"[data-testid=note-{wu}]", HASH)
    click(page, f"[data-testid=review-yes-{wu}]")
    done(page, f"review-yes-{wu}")
    assert s.alert(wu)["stage"] == "second_review"
    page.wait_for_selector(f"[data-testid=md-alert-{li}]")
    page.fill(f"[data-testid=note-{li}]", HASH)
    page.fill(f"[data-testid=recover-{li}]", "100.00")
    click(page, f"[data-testid=decide-yes-{li}]")
    done(page, f"decide-yes-{li}")
    a = s.alert(li)
    assert a["stage"] == "violation" and a["recover_fen"] == 10_000
    page.wait_for_selector("[data-testid=md-bill-list] tbody tr")
    settle(page)
    assert page.locator("[data-testid=md-bill-list] tbody tr").count() == 7


def test_the_hospital_appeals_and_a_trace_code_is_refused(page: Any, live: Any) -> None:
    made, s = sc(live), Medical(live.client)
    dup = made["huang"]["duplicate"]
    sign_in(page, live.url, key(live, "zxyy-hospital"), "#/medical-hospital")
    page.wait_for_selector(f"[data-testid=md-myalert-{dup}]")
    settle(page)
    zh_clean(page, "zh")
    page.fill(f"[data-testid=statement-{dup}]", HASH)
    click(page, f"[data-testid=appeal-{dup}-go]")
    done(page, f"appeal-{dup}")
    assert s.alert(dup)["stage"] == "investigation"
    # a box 人民医院 settled already: refused, nothing recorded
    before = s.dashboard()["settlements"]
    patient = next(iter({x["patient"] for x in s.settlements()}))
    page.fill("[data-testid=st-patient]", patient)
    page.fill("[data-testid=st-traces]", "86800010000000010000")
    page.fill("[data-testid=st-invoice]", HASH)
    page.fill("[data-testid=st-diagnosis]", HASH)
    page.click("[data-testid=settle-go]")
    page.wait_for_selector("[data-testid=settle-msg].err", timeout=30_000)
    assert "追溯码重复结算" in page.inner_text("[data-testid=settle-msg]")
    assert s.dashboard()["settlements"] == before


def test_health_bureau_insurer_and_patient(page: Any, live: Any) -> None:
    made, s = sc(live), Medical(live.client)
    sign_in(page, live.url, key(live, "wjj-supervisor"), "#/medical-health")
    page.wait_for_selector("[data-testid=md-accesses] tbody tr")
    assert page.locator("[data-testid=md-accesses] tbody tr").count() == 1
    zh_clean(page, "zh")
    sign_in(page, live.url, key(live, "rsbx-insurer"), "#/medical-insurer", "en")
    claim = made["chen"]["claim"]
    page.wait_for_selector(f"[data-testid=claim-{claim}]")
    assert page.get_attribute(f"[data-testid=claim-{claim}]", "data-value") == "paid"
    assert "Consented items" in page.inner_text("#view")
    # the patient: who read the records; withdrawing the referral consent
    page.context.clear_cookies()
    open_wallet(page, live.url, made["wallets"]["chen-jianguo"], "medical-patient")
    page.wait_for_selector("[data-testid=md-my-reads] tbody tr")
    settle(page)
    zh_clean(page, "zh")
    assert page.locator("[data-testid=md-my-reads] tbody tr").count() == 1
    cid = made["chen"]["consent"]
    click(page, f"[data-testid=revoke-{cid}]")
    done(page, f"revoke-{cid}")
    page.wait_for_selector(f"[data-testid=cs-{cid}][data-value=inactive]")
    assert [c["status"] for c in s.patient(made_did(live), "consents") if c["id"] == cid] == [
        "inactive"
    ]
