"""公证's console pages (``wuyi/scenarios/notary/console/``) in a real browser against the live
demo node: each desk and public page loads without errors in Chinese (no untranslated word) and
in English; the public check of each demo certificate by number and file (only the file's hash
is sent); a notary accepts a case (the parties' identities hashed into commitments in the page:
never sent), resumes the suspended inheritance case and issues it; a court checks the demo's
chain of custody from its bundle file and refuses an altered one, then a judge receives the
evidence waiting for the court; a citizen asks for a review from 我的办事; 司法局's charts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_console_scenarios import (
    FLASH,
    member_key,
    open_console,
    sign_in,
    wait_done,
)
from tests.browser.test_console_zh import VISIBLE_WORDS, english_words
from wuyi.demo import DEMO_PASSPHRASE

PAGES = [
    ("notary", "jmgz-notary", "公证处工作台", "Notary office desk"),
    ("notary-evidence", "wycz-custodian", "电子存证与保管", "Evidence and custody"),
    ("notary-court", "fy-judge", "保管链核验", "Check a chain of custody"),
    ("notary-supervision", None, "公证监管", "Notary supervision"),
    ("notary-check", None, "公证书核验", "Check a notarial certificate"),
]


def nt(live: Any) -> dict[str, Any]:
    return dict(live.made["scenarios"]["notary"])


@pytest.mark.parametrize(("route", "member", "zh", "en"), PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_in_chinese_and_english(
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
        assert page.locator(f"[data-nav={route}]").count() == 1  # in the public navigation
    page.wait_for_selector(f"h1:text('{zh}')")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert "出错了" not in page.inner_text("#view")
    words = english_words(page.evaluate(VISIBLE_WORDS))
    assert not words, words
    page.click("[data-testid=lang]")
    page.wait_for_selector(f"h1:text('{en}')")
    page.wait_for_load_state("networkidle")
    assert "Error" not in page.inner_text("#view")
    assert not problems, problems


def check(page: Any, number: str, file: str) -> str:
    page.fill("[data-testid=nt-check-no]", number)
    page.set_input_files("[data-testid=nt-check-doc-file]", file)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=nt-check-doc]').value.length === 64"
    )
    page.click("[data-testid=nt-check-go]")
    page.wait_for_selector(f"[data-testid=nt-check-result][data-number='{number}']")
    return str(page.get_attribute("[data-testid=nt-check-result]", "data-result"))


def test_the_public_check_by_number_and_document(page: Any, live: Any) -> None:
    cases = nt(live)["cases"]
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or ""))
    open_console(page, live.url, "#/notary-check")
    decl, edu, ent = cases["declaration"], cases["education"], cases["entrustment"]
    assert check(page, decl["certificate"], decl["document"]) == "corrected"
    assert decl["corrected_by"] in page.inner_text("[data-testid=nt-check-result]")
    assert check(page, decl["corrected_by"], decl["corrected_document"]) == "authentic"
    assert check(page, edu["certificate"], edu["document"]) == "revoked"
    text = page.inner_text("[data-testid=nt-check-result]")
    assert "自始无效" in text and "内容与事实不符" in text
    assert check(page, decl["certificate"], ent["document"]) == "unknown"
    assert "文书与该编号登记的不一致" in page.inner_text("[data-testid=nt-check-result]")
    # the files never left the page: only their hashes were posted
    assert sent and not any("兹证明" in s for s in sent)  # every document says 兹证明
    assert edu["certificate"] in page.inner_text("[data-testid=nt-notices]")


def test_a_notary_accepts_resumes_and_issues_in_the_page(
    page: Any, live: Any, tmp_path: Path
) -> None:
    from wuyi.scenarios.notary.sdk import Notary

    n = Notary(live.client)
    cases = nt(live)["cases"]
    inheritance = cases["inheritance"]["case"]
    assert n.case(inheritance)["status"] == "paused"
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or ""))
    sign_in(page, live.url, member_key(live, "jmgz-notary"), "#/notary")
    page.wait_for_selector("[data-testid=nt-cases]")
    before = {c["id"] for c in n.cases("jmgz")}
    # accept: the parties' identities are hashed here with a fresh salt; only hashes are sent
    page.select_option("[data-testid=nt-type]", "declaration")
    page.fill(
        "[data-testid=nt-parties]", "欧阳测试|440703199901010011\n欧阳二号|440703199902020022"
    )
    page.click("[data-testid=nt-accept-go]")
    flash = wait_done(page, "nt-accept", "已受理")
    (new,) = [c for c in n.cases("jmgz") if c["id"] not in before]
    assert new["type"] == "declaration" and len(new["applicants"]) == 2 and new["id"] in flash
    salt = bytes.fromhex(flash.split("盐值 ")[-1].strip()[:32])
    assert bytes.fromhex(new["applicants"][0]) == n.commitment(salt, "欧阳测试|440703199901010011")
    assert not any("欧阳" in s or "440703199901010011" in s for s in sent)
    # resume the suspended inheritance case, then issue it (the document hashed here)
    page.click(f"[data-testid=nt-resume-{inheritance}]")
    wait_done(page, f"nt-resume-{inheritance}", "已恢复")
    assert n.case(inheritance)["status"] == "accepted"
    doc = tmp_path / "inheritance-certificate.txt"
    doc.write_text("继承公证书（测试）\n", encoding="utf-8")
    page.set_input_files(f"[data-testid=nt-doc-{inheritance}-file]", str(doc))
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=nt-doc-{inheritance}]').value.length === 64"
    )
    page.click(f"[data-testid=nt-issue-{inheritance}]")
    wait_done(page, f"nt-issue-{inheritance}", "已出具")
    done = n.case(inheritance)
    assert done["status"] == "issued" and done["paused_days"] >= 0
    assert n.check(done["certificate"], document=doc.read_bytes())["result"] == "authentic"
    page.wait_for_selector(f"[data-testid=nt-certs] >> text={done['certificate']}")


def test_a_court_checks_the_chain_of_custody_from_its_bundle(
    page: Any, live: Any, tmp_path: Path
) -> None:
    from wuyi.scenarios.notary.sdk import Notary

    n = Notary(live.client)
    ev = nt(live)["evidence"]
    bundle = n.custody_bundle(ev["complete"])
    good = tmp_path / "custody.json"
    good.write_text(json.dumps(bundle, ensure_ascii=False))
    open_console(page, live.url, "#/notary-court")
    page.set_input_files("[data-testid=nt-court-bundle]", str(good))
    page.set_input_files("[data-testid=nt-court-doc-file]", ev["page"])
    page.click("[data-testid=nt-court-go]")
    page.wait_for_selector("[data-testid=nt-court-result]")
    assert page.get_attribute("[data-testid=nt-court-result]", "data-valid") == "true"
    steps = page.locator("[data-testid=nt-court-result] [data-testid=nt-custody] li")
    assert steps.count() == 6
    assert steps.nth(3).get_attribute("data-step") == "notarised"
    assert page.inner_text("[data-testid=nt-court-doc]") == "与存证文件一致"
    # a bundle whose step was altered is refused, naming the record and the check
    bad = json.loads(good.read_text())
    assert bad["records"][2]["record"]["org"] == "wycz"  # step 2: the platform hands it over
    bad["records"][2]["record"]["org"] = "jmgz"
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(bad))
    page.set_input_files("[data-testid=nt-court-bundle]", str(altered))
    page.click("[data-testid=nt-court-go]")
    page.wait_for_selector("[data-testid=nt-court-result][data-valid=false]")
    assert "record 2" in page.inner_text("[data-testid=nt-court-result]")
    # a judge receives the evidence waiting for the court
    waiting = ev["waiting"]
    assert n.evidence(waiting)["evidence"]["pending_to"] == "fy"
    sign_in(page, live.url, member_key(live, "fy-judge"), "#/notary-court")
    page.click(f"[data-testid=nt-receive-{waiting}]")
    wait_done(page, f"nt-receive-{waiting}", "已接收")
    got = n.evidence(waiting)
    assert got["evidence"]["custodian"] == "fy" and got["custody"][-1]["step"] == "received"


def test_a_citizen_asks_for_a_review_from_the_page(page: Any, live: Any) -> None:
    from wuyi.scenarios.notary.sdk import Notary

    made = live.made["scenarios"]
    who = made["citizens"]["li-xiaofeng"]
    cert = nt(live)["evidence"]["certificate"]
    n = Notary(live.client)
    assert not n.citizen(who["did"])["reviews"]
    open_console(page, live.url, "#/citizen")
    page.set_input_files("[data-testid=key-file]", who["wallet"])
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=nt-my-certs]")
    assert cert in page.inner_text("[data-testid=nt-my-certs]")
    page.click(f"[data-testid='nt-review-{cert}']")
    page.wait_for_selector(
        f"{FLASH}:has-text('已申请复查'), [data-testid='nt-review-{cert}-msg'].err", timeout=30_000
    )
    assert page.locator(f"[data-testid='nt-review-{cert}-msg'].err").count() == 0
    (review,) = n.citizen(who["did"])["reviews"]
    assert review["cert"] == cert and review["as"] == "party" and review["status"] == "pending"


def test_the_supervision_charts_and_filings(page: Any, live: Any) -> None:
    open_console(page, live.url, "#/notary-supervision")
    page.wait_for_selector("[data-testid=notary-charts] svg")
    assert page.locator("[data-testid=notary-charts] svg").count() == 6
    assert page.locator("[data-testid=notary-charts] rect").count() >= 3
    changes = page.locator("[data-testid=nt-filings] [data-change]")
    kinds = {changes.nth(i).get_attribute("data-change") for i in range(changes.count())}
    assert {"issued", "corrected", "revoked"} <= kinds
    assert "暂定" in page.inner_text("[data-testid=param-value-holidays]")


def test_evidence_is_a_signed_read_and_its_bundle_downloads_signed(
    page: Any, live: Any, tmp_path: Path
) -> None:
    """The court's judge opens the evidence with their key (its record a signed read) and
    downloads the custody bundle (a signed read too, not a bare link the node would refuse),
    which checks from the genesis."""
    from wuyi.scenarios.notary.sdk import Notary

    ev = nt(live)["evidence"]["complete"]
    bad: list[str] = []
    page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in(page, live.url, member_key(live, "fy-judge"), f"#/notary-evidence/{ev}")
    page.wait_for_selector("[data-testid=nt-custody]")
    with page.expect_download() as got:
        page.click("[data-testid=nt-bundle]")
    path = tmp_path / "bundle.json"
    got.value.save_as(path)
    rep = Notary(live.client).check_custody(json.loads(path.read_text(encoding="utf-8")))
    assert rep.evidence == ev and not bad
