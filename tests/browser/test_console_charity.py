"""慈善捐赠 in the console, in a real browser on the live demo chain: the public page (money in
and out per project, flags, alerts) and a project's page (the FIFO flow chart, disclosures due,
goods) in Chinese with no untranslated word and in English; a donor following their donation
with the secret on their copy (only the derived key leaves the page, checked on the wire);
the charity's desk recording a donation (the donor's details only hashed in the page) and a
disbursement, and a refusal naming its rule; 民政局's desk refusing a grant to a charity
registered less than a year ago and refusing the application with a reason; a recipient
confirming on 我的办事. Each write checked on chain through the SDK."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.test_console_zh import VISIBLE_WORDS, english_words
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.scenarios.charity.demo import DONORS
from wuyi.scenarios.charity.sdk import Charity, DonorSecret

FLASH = "[data-testid=sc-flash]"
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_console(page: Any, url: str, route: str = "") -> None:
    page.goto(f"{url}/console/{route}")
    page.wait_for_selector('body[data-ready="1"]')


def goto(page: Any, route: str) -> None:
    page.evaluate("r => { location.hash = r; }", route)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def sign_in(page: Any, live: Any, member: str) -> None:
    open_console(page, live.url, "#/login")
    page.set_input_files("[data-testid=key-file]", live.made["scenarios"]["members"][member]["key"])
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")


def open_wallet(page: Any, live: Any, route: str, wallet: str) -> None:
    open_console(page, live.url, route)
    page.set_input_files("[data-testid=key-file]", wallet)
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")


def sc(live: Any) -> dict[str, Any]:
    return dict(live.made["scenarios"]["charity"])


def untranslated(page: Any) -> list[str]:
    page.wait_for_selector("#view > *")
    return english_words(page.evaluate(VISIBLE_WORDS))


def outcome(page: Any, testid: str) -> str:
    """The message of a form or button after its transaction: success or refusal."""
    page.wait_for_selector(
        f"[data-testid={testid}-msg].ok, [data-testid={testid}-msg].err, {FLASH}"
    )
    return str(page.inner_text(f"[data-testid={testid}-msg]"))


def test_the_public_pages_in_chinese_and_english(page: Any, live: Any) -> None:
    s = sc(live)
    ch = Charity(live.client)
    open_console(page, live.url, "#/charity")
    page.wait_for_selector("[data-testid=cs-projects] tbody tr")
    listed = ch.projects()
    # money in and out per project: two bars each, the donation total in the stats
    assert page.locator("[data-testid=cs-inout] rect").count() == 2 * len(listed)
    assert page.inner_text("[data-testid=cs-in]") == "¥{:,}".format(
        sum(p["in"] for p in listed) // 100
    )
    assert "信息公开逾期" in page.inner_text(f"[data-testid=cs-flags-{s['scholarship']}]")
    assert "善款闲置预警" in page.inner_text(f"[data-testid=cs-flags-{s['relief']}]")
    assert page.locator("[data-testid=cs-alerts] tbody tr").count() == 3
    assert untranslated(page) == []
    # a project: the flow of each donation to what it paid, first in, first out
    goto(page, f"#/charity/{s['scholarship']}")
    page.wait_for_selector("[data-testid=cs-flow] svg")
    flows = ch.flows(s["scholarship"])
    allocations = sum(len(x["allocations"]) for x in flows["disbursements"])
    unspent = sum(1 for d in flows["donations"] if d["remaining"])
    assert page.locator("[data-testid=cs-flow] path.band").count() == allocations + unspent
    assert page.locator("[data-testid=cs-flow] rect.node-d").count() == len(flows["donations"])
    assert page.locator("[data-testid=cs-receipts-ok]").count() == 1
    assert "逾期" in page.inner_text("[data-testid=cs-disclosure] tbody tr:first-child")
    assert untranslated(page) == []
    goto(page, f"#/charity/{s['relief']}")
    page.wait_for_selector("[data-testid=cs-goods]")
    assert page.locator("[data-testid=cs-idle]").count() == 1
    assert "待签收" in page.inner_text(f"[data-testid=cs-confirmed-{s['waiting']['distribution']}]")
    assert untranslated(page) == []
    goto(page, f"#/charity/{s['done']}")
    page.wait_for_selector("[data-testid=cs-project-status][data-status=closed]")
    assert untranslated(page) == []
    # in English
    page.click("[data-testid=lang]")
    page.wait_for_selector("text=Where the money went (first in, first out)")
    goto(page, "#/charity")
    page.wait_for_selector("text=Money in and out per project (yuan)")
    head = page.inner_text("[data-testid=cs-projects] thead")
    assert "Money in" in head and not CJK.search(head)
    assert "idle emergency money" in page.inner_text("[data-testid=cs-alerts]")
    page.click("[data-testid=lang]")


def test_a_donor_follows_their_donation_and_only_the_key_leaves(page: Any, live: Any) -> None:
    f = sc(live)["follow"]
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url + " " + (r.post_data or "")))
    open_console(page, live.url, "#/charity-follow")
    page.select_option("[data-testid=cs-follow-charity]", f["charity"])
    page.fill("[data-testid=cs-follow-receipt]", f["receipt"])
    page.fill("[data-testid=cs-follow-secret]", DonorSecret.new().hex())  # someone else's
    page.click("[data-testid=cs-follow-go]")
    page.wait_for_selector("[data-testid=cs-follow-msg].err")
    assert "does not open receipt" in page.inner_text("[data-testid=cs-follow-msg]")
    page.fill("[data-testid=cs-follow-secret]", f["secret"])
    page.click("[data-testid=cs-follow-go]")
    page.wait_for_selector("[data-testid=cs-follow-went] li")
    got = Charity(live.client).follow(f["charity"], f["receipt"], DonorSecret.from_hex(f["secret"]))
    assert page.inner_text("[data-testid=cs-follow-donation]") == got["donation"]["id"]
    assert page.locator("[data-testid=cs-follow-went] li").count() == len(got["went"])
    assert untranslated(page) == []
    # the donor checks the commitment with their own details, computed in the page
    page.fill("[data-testid=cs-follow-who]", DONORS[f["receipt"]])
    page.click("[data-testid=cs-follow-who-go]")
    page.wait_for_selector("[data-testid=cs-follow-who-msg].ok")
    page.fill("[data-testid=cs-follow-who]", "someone else")
    page.click("[data-testid=cs-follow-who-go]")
    page.wait_for_selector("[data-testid=cs-follow-who-msg].err")
    # on the wire: the derived key, never the secret nor the donor's details
    key = DonorSecret.from_hex(f["secret"]).track_key(live.client.suite.hash).hex()
    assert any(key in x for x in sent)
    assert not [x for x in sent if f["secret"] in x or "陈美玲" in x or "%E9%99%88" in x]


def test_the_charity_desk_records_a_donation_and_disburses(page: Any, live: Any) -> None:
    s = sc(live)
    ch = Charity(live.client)
    pid = s["relief"]
    who = "赵敏|440703199912120021"
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url + " " + (r.post_data or "")))
    open_wallet(page, live, "#/charity-org", s["charities"]["jmcsh"]["wallet"])
    page.wait_for_selector("[data-testid=cs-desk-charity]")
    assert page.inner_text("[data-testid=cs-desk-charity]") == "江门市慈善会"
    assert untranslated(page) == []
    page.select_option("[data-testid=cs-desk-project]", pid)
    page.wait_for_timeout(800)
    before = ch.project(pid)["totals"]
    page.fill("[data-testid=cs-give-amount]", "2000")
    page.select_option("[data-testid=cs-give-channel]", "bank")
    page.select_option("[data-testid=cs-give-kind]", "issued")
    page.fill("[data-testid=cs-give-no]", "JMCS-2026-000301")
    page.fill("[data-testid=cs-give-doc]", "ab" * 32)
    page.fill("[data-testid=cs-give-who]", who)
    page.click("[data-testid=cs-give-go]")
    assert "捐赠已登记" in outcome(page, "cs-give")
    secret = page.inner_text("[data-testid=cs-give-secret] .cs-secret").strip()
    d = ch.follow("jmcsh", "JMCS-2026-000301", DonorSecret.from_hex(secret))["donation"]
    assert d["amount"] == 200_000 and d["receipt"]["kind"] == "issued"
    h = live.client.suite.hash
    assert d["donor"] == DonorSecret.from_hex(secret).commitment(h, who).hex()
    assert ch.project(pid)["totals"]["donations"] == before["donations"] + 1
    assert not [x for x in sent if "赵敏" in x or "440703199912120021" in x or secret in x]
    # money out: more than is left is refused by the contract, naming the rule
    left = ch.project(pid)["totals"]
    avail = left["in"] - left["out"]
    page.select_option("[data-testid=cs-pay-purpose]", "relief-food")
    page.fill("[data-testid=cs-pay-amount]", f"{(avail + 1) / 100:.2f}")
    page.fill("[data-testid=cs-pay-evidence]", "cd" * 32)
    page.click("[data-testid=cs-pay-go]")
    assert "charity.money_out" in outcome(page, "cs-pay")
    assert ch.project(pid)["totals"]["out"] == left["out"]
    page.fill("[data-testid=cs-pay-amount]", f"{avail / 100:.2f}")
    page.fill(
        "[data-testid=cs-pay-recipient]",
        live.made["scenarios"]["citizens"]["cs-recipient-1"]["did"],
    )
    page.click("[data-testid=cs-pay-go]")
    assert "已支出" in outcome(page, "cs-pay")
    assert re.fullmatch(
        r"[0-9a-f]{64}", page.inner_text("[data-testid=cs-pay-code] .cs-secret").strip()
    )
    after = ch.project(pid)
    assert after["totals"]["out"] == left["in"] and after["idle"] is None


def test_the_bureau_desk_refuses_a_young_charity(page: Any, live: Any) -> None:
    ch = Charity(live.client)
    sign_in(page, live, "mzj-supervisor")
    goto(page, "#/charity-bureau")
    page.wait_for_selector("[data-testid=cs-apps] tbody tr")
    due = ch.charity("xhsg")["application"]["due"]
    assert page.inner_text("[data-testid=cs-due-xhsg]") == due
    page.wait_for_selector("[data-testid=params-charity] table")
    assert "[object Object]" not in page.inner_text("[data-testid=params-charity]")
    assert untranslated(page) == []
    page.fill("[data-testid=cs-cert-xhsg]", "JMMZ-GM-2026-099")
    page.click("[data-testid=cs-grant-xhsg]")
    page.wait_for_selector("[data-testid=cs-grant-xhsg-msg].err")
    assert "charity.public_fundraising_qualification" in page.inner_text(
        "[data-testid=cs-grant-xhsg-msg]"
    )
    assert ch.charity("xhsg")["qualification"] is None
    page.fill("[data-testid=cs-reason-xhsg]", "登记未满一年 / registered less than a year")
    page.click("[data-testid=cs-refuse-xhsg]")
    page.wait_for_selector(f"{FLASH}:has-text('已不予批准')")
    app = ch.charity("xhsg")["application"]
    assert app["status"] == "refused" and app["reason"].startswith("登记未满一年")
    page.click("[data-testid=lang]")
    page.wait_for_selector("text=Civil affairs: charity supervision")
    page.click("[data-testid=lang]")


def test_a_recipient_confirms_on_my_services(page: Any, live: Any) -> None:
    w = sc(live)["waiting"]
    open_wallet(page, live, "#/citizen", w["wallet"])
    page.wait_for_selector("[data-testid=cs-confirm-form]")
    assert untranslated(page) == []
    page.fill("[data-testid=cs-confirm-item]", w["distribution"])
    page.fill("[data-testid=cs-confirm-code]", "00" * 32)  # not the code on the slip
    page.click("[data-testid=cs-confirm-go]")
    assert "do not open the recipient" in outcome(page, "cs-confirm")
    page.fill("[data-testid=cs-confirm-code]", w["code"])
    page.click("[data-testid=cs-confirm-go]")
    page.wait_for_selector(f"{FLASH}:has-text('已签收')")
    dist = {d["id"]: d for d in Charity(live.client).flows(sc(live)["relief"])["distributions"]}
    assert dist[w["distribution"]]["confirmed"] is not None
    assert Path(w["wallet"]).is_file()
