"""金融服务与监管's desks in a real browser against the live demo node, in Chinese and English:
the public financing page with its chart by sector and bank; a bank's desk (its own loans only,
the enterprise's exposure under a live consent, a decision taken in the page, a disbursement
above the approved amount refused with its rule); an enterprise's desk (its file read with its
own key, a receivable confirmed as debtor); 金融局's alerts handled; the operator of a sole
proprietorship consenting in person on 我的办事. Each write is checked on chain through the SDK.
The ``page`` fixture fails a test on any JavaScript error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_console_zh import VISIBLE_WORDS, english_words

from wuyi.demo import DEMO_PASSPHRASE

FLASH = "[data-testid=sc-flash]"


def fin(live: Any) -> dict[str, Any]:
    return dict(live.made["scenarios"]["finance"])


def member_key(live: Any, name: str) -> Path:
    return Path(live.made["scenarios"]["members"][name]["key"])


def wallet_file(live: Any, name: str) -> str:
    return str(live.made["scenarios"]["citizens"][name]["wallet"])


def open_console(page: Any, url: str, route: str = "") -> None:
    page.goto(f"{url}/console/{route}")
    page.wait_for_selector('body[data-ready="1"]')


def sign_in(page: Any, url: str, key_file: Path, route: str) -> None:
    open_console(page, url, f"#/login?next={route.replace('#', '%23').replace('/', '%2F')}")
    page.set_input_files("[data-testid=key-file]", str(key_file))
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")


def open_wallet(page: Any, url: str, route: str, wallet: str) -> None:
    open_console(page, url, route)
    page.set_input_files("[data-testid=key-file]", wallet)
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")


def wait_done(page: Any, testid: str, expect: str) -> str:
    page.wait_for_selector(
        f"{FLASH}:has-text('{expect}'), [data-testid={testid}-msg].err", timeout=30_000
    )
    err = page.locator(f"[data-testid={testid}-msg].err")
    assert err.count() == 0, err.inner_text()
    return str(page.inner_text(FLASH))


def no_english(page: Any) -> list[str]:
    page.wait_for_load_state("networkidle")
    return english_words(page.evaluate(VISIBLE_WORDS))


def test_public_financing_page_with_its_chart_in_both_languages(page: Any, live: Any) -> None:
    from wuyi.scenarios.finance.sdk import Finance

    st = Finance(live.client).stats()
    open_console(page, live.url, "#/financing")
    page.wait_for_selector("[data-testid=fin-chart-sector-bank] svg rect")
    assert page.inner_text("[data-testid=fin-total-loans]") == str(st["total"]["loans"])
    banks = {
        r.get_attribute("data-series")
        for r in page.locator("[data-testid=fin-chart-sector-bank] rect").all()
    }
    assert banks == {"江门农商银行", "中国银行江门分行"}, banks
    assert "did:wuyi" not in page.inner_text("#view")  # aggregates only
    assert not no_english(page)
    page.click("[data-testid=lang]")
    page.wait_for_selector("h1:text('SME financing')")
    assert "Outstanding" in page.inner_text("[data-testid=fin-stats]")


def test_bank_desk_decides_in_the_page_and_sees_only_its_own_loans(page: Any, live: Any) -> None:
    from wuyi.scenarios.finance.sdk import Finance

    waiting = fin(live)["waiting_bank"]  # 陈皮村's application at zgyh, its consent to zgyh
    lid = waiting["loan"]
    sign_in(page, live.url, member_key(live, "zgyh-banker"), "#/lending")
    page.wait_for_selector(f"[data-testid=bank-status-{lid}]")
    rows = page.inner_text("[data-testid=bank-apps]")
    assert fin(live)["active"]["loan"] not in rows  # nsyh's loan is not zgyh's to see
    assert not no_english(page)
    page.evaluate("r => { location.hash = r; }", f"#/lending/{lid}")
    page.wait_for_selector("[data-testid=loan-status]")
    # the live consent shows the enterprise's exposure: one other lender, overdue
    assert page.inner_text("[data-testid=fin-lenders]") == "1"
    assert page.get_attribute("[data-testid=fin-any-overdue]", "data-overdue") == "true"
    assert not no_english(page)
    page.fill("[data-testid=decide-amount]", "400000.00")
    page.click("[data-testid=fin-approve-go]")
    wait_done(page, "fin-approve", "已批准")
    a = Finance(live.client).application(lid, reader=live_key(live, "zgyh-banker"))
    assert a["status"] == "approved" and a["decision"]["amount"] == 40_000_000
    # a disbursement above the approved amount: refused, the rule named, nothing changed
    page.wait_for_selector("[data-testid=disburse-amount]")
    page.fill("[data-testid=disburse-amount]", "400000.01")
    page.click("[data-testid=fin-disburse-go]")
    page.wait_for_selector("[data-testid=fin-disburse-msg].err")
    assert "disbursement rule" in page.inner_text("[data-testid=fin-disburse-msg]")
    assert (
        Finance(live.client).application(lid, reader=live_key(live, "zgyh-banker"))["disbursed"]
        == 0
    )
    # another bank's loan is not readable here
    page.evaluate("r => { location.hash = r; }", f"#/lending/{fin(live)['active']['loan']}")
    page.wait_for_selector(".alert.err", timeout=20_000)
    assert "may not read" in page.inner_text("#view")


def live_key(live: Any, name: str) -> Any:
    from wuyi.crypto import load_key

    return load_key(member_key(live, name), DEMO_PASSPHRASE)


def test_enterprise_desk_confirms_a_receivable_with_its_own_key(page: Any, live: Any) -> None:
    from wuyi.scenarios.finance.sdk import Finance

    rv = fin(live)["receivable_waiting"]["id"]
    open_wallet(page, live.url, "#/sme", wallet_file(live, "ent-dacheng"))
    page.wait_for_selector("[data-testid=sme-receivables]")
    assert "电子营业执照" in page.inner_text("[data-testid=sme-source]")
    assert not no_english(page)
    page.click(f"[data-testid=confirm-{rv}-go]")
    wait_done(page, f"confirm-{rv}", "已确权")
    from wuyi.sdk.wallet import Wallet

    w = Wallet.open(wallet_file(live, "ent-dacheng"), DEMO_PASSPHRASE)
    assert Finance(live.client).receivable(rv, reader=w)["status"] == "confirmed"
    page.click("[data-testid=lang]")
    page.wait_for_selector("h1:text('Enterprise finance')")


def test_enterprise_sees_every_use_of_its_data(page: Any, live: Any) -> None:
    open_wallet(page, live.url, "#/sme", wallet_file(live, "ent-wuyi-hardware"))
    page.wait_for_selector("[data-testid=sme-consents] [data-testid=fin-uses]")
    uses = page.inner_text("[data-testid=sme-consents]")
    assert "江门农商银行" in uses and "纳税信息" in uses and "水电气缴费" in uses
    assert page.inner_text("[data-testid=fin-lenders]") == "2"
    assert not no_english(page)


def test_regulator_handles_an_alert(page: Any, live: Any) -> None:
    from wuyi.scenarios.finance.sdk import Finance

    f = Finance(live.client)
    sup = live_key(live, "jrj-supervisor")
    (alert,) = [a for a in f.alerts(sup, status="open") if a["kind"] == "multi_lending"]
    sign_in(page, live.url, member_key(live, "jrj-supervisor"), "#/finreg")
    page.wait_for_selector(f"[data-testid=alert-status-{alert['id']}]")
    assert not no_english(page)
    page.select_option(f"[data-testid=alert-action-{alert['id']}]", "reviewed")
    page.click(f"[data-testid=handle-{alert['id']}-go]")
    wait_done(page, f"handle-{alert['id']}", "已处置")
    (done,) = [a for a in f.alerts(sup) if a["id"] == alert["id"]]
    assert done["status"] == "closed" and done["action"] == "reviewed"
    page.click("[data-testid=lang]")
    page.wait_for_selector("h1:text('Regulator: monitoring')")


def test_operator_consents_in_person_on_the_citizen_page(page: Any, live: Any) -> None:
    from wuyi.scenarios.finance.sdk import Finance
    from wuyi.sdk.wallet import Wallet

    waiting = fin(live)["awaiting_person"]
    open_wallet(page, live.url, "#/citizen", waiting["operator_wallet"])
    page.wait_for_selector("[data-testid=person-consents]")
    assert "本人同意" in page.inner_text("[data-testid=person-consents]")
    assert not no_english(page)
    page.click(f"[data-testid=person-consent-{waiting['consent']}]")
    wait_done(page, f"person-consent-{waiting['consent']}", "本人已同意")
    w = Wallet.open(waiting["operator_wallet"], DEMO_PASSPHRASE)
    c = Finance(live.client).consent(waiting["consent"], reader=w)
    assert c["status"] == "active" and c["person_consent"] is not None


PAGES = [
    ("financing", None, "融资统计", "SME financing"),
    ("lending", "nsyh-banker", "银行：企业贷款", "Bank: SME lending"),
    ("finreg", "jrj-supervisor", "金融局：监测预警", "Regulator: monitoring"),
]


@pytest.mark.parametrize(("route", "member", "zh", "en"), PAGES, ids=[p[0] for p in PAGES])
def test_finance_page_loads_in_chinese_and_english(
    page: Any, live: Any, route: str, member: str | None, zh: str, en: str
) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    if member:
        sign_in(page, live.url, member_key(live, member), f"#/{route}")
        assert page.locator(f"[data-nav={route}]").count() == 1
    else:
        open_console(page, live.url, f"#/{route}")
    page.wait_for_selector(f"h1:text('{zh}')")
    assert not no_english(page)
    assert "出错了" not in page.inner_text("#view")
    page.click("[data-testid=lang]")
    page.wait_for_selector(f"h1:text('{en}')")
    page.wait_for_load_state("networkidle")
    assert "Error" not in page.inner_text("#view")
    assert not problems, problems
