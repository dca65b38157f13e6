"""产品追溯's console pages in a real browser on the live demo chain, in Chinese and in English:
the public page a consumer opens by scanning a label's QR code (no sign-in: the story from the
plot through every event, the origin map, the computed age with its source, the certificate,
the recall and counterfeit warnings, an anonymous scan counted), the regulator's desk (counts,
charts, recalls with their deadlines, signals, sites, parameters) and each enterprise's desk,
with a write from the grower's and a refusal naming the rule from the packer's. No page shows an
untranslated string in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_console_scenarios import member_key, open_console, scen, sign_in, wait_done
from test_console_zh import VISIBLE_WORDS, english_words


def zh_clean(page: Any) -> None:
    """No untranslated word; the legal basis recorded with a parameter is chain data, and its
    [weak: ...] / [mem: ...] marks (a source to be checked) are part of it."""
    words = [
        w
        for w in english_words(page.evaluate(VISIBLE_WORDS))
        if not (w.startswith(("'mem' in '依据", "'weak' in '依据")))
    ]
    assert not words, words[:10]


def english(page: Any) -> None:
    page.evaluate("() => localStorage.setItem('wuyi-console-lang', 'en')")


def test_the_public_page_of_a_label_in_chinese_and_english(page: Any, live: Any) -> None:
    tr = scen(live)["trace"]
    code = tr["labelled"]["first"]
    open_console(page, live.url, f"#/trace-code/{code}")
    page.wait_for_selector("[data-testid=trace-story]")
    story = page.inner_text("[data-testid=trace-story]")
    assert "新会陈皮" in story and "地理标志产品" in story
    assert f"{tr['labelled']['label_year']} 年" in story  # the label's year, computed on chain
    assert "原新会陈皮溯源系统记录" in page.inner_text("[data-testid=tr-age]")  # its source
    assert tr["labelled"]["since"] in page.inner_text("[data-testid=tr-age]")
    assert page.locator("[data-testid=tr-map] svg").count() == 1
    assert "三江" in page.inner_text("[data-testid=tr-map]")
    assert page.locator("[data-testid=tr-timeline] li").count() >= 6
    assert "JMSC-" in page.inner_text("[data-testid=tr-certs]")
    assert page.locator("[data-testid=tr-qr] svg").count() == 1
    assert page.locator("[data-testid=tr-recalled], [data-testid=tr-fake]").count() == 0
    zh_clean(page)
    # an anonymous scan from 江门, counted by the node (nothing about the scanner)
    page.select_option("[data-testid=tr-city]", "4407")
    page.click("[data-testid=tr-scan]")
    # (the demo's loader scanned this code from this machine: not counted twice)
    page.wait_for_selector("[data-testid=tr-scan-msg]:has-text('计')")
    assert "扫码未计入" not in page.inner_text("[data-testid=tr-scan-msg]")
    # a copied code warns; a recalled batch's label says so
    open_console(page, live.url, f"#/trace-code/{tr['signal']}")
    page.wait_for_selector("[data-testid=tr-fake]")
    assert "12315" in page.inner_text("[data-testid=tr-fake]")
    zh_clean(page)
    open_console(page, live.url, f"#/trace-code/{tr['recall']['code']}")
    page.wait_for_selector("[data-testid=tr-recalled]")
    assert "请勿食用" in page.inner_text("[data-testid=tr-recalled]")
    zh_clean(page)
    # the same page in English
    english(page)
    open_console(page, live.url, f"#/trace-code/{code}")
    page.reload()
    page.wait_for_selector("[data-testid=trace-story]")
    text = page.inner_text("[data-testid=trace-story]")
    assert "Geographical indication" in text and "years" in text and "Origin map" in text
    assert "earlier 新会陈皮 system" in page.inner_text("[data-testid=tr-age]")


def test_the_regulators_desk(page: Any, live: Any) -> None:
    tr = scen(live)["trace"]
    sign_in(page, live.url, member_key(live, "scjgj-inspector"), "#/trace")
    page.wait_for_selector("[data-testid=tr-recalls]")
    assert tr["recall"]["id"] in page.inner_text("[data-testid=tr-recalls]")
    assert tr["recall"]["finish_due"] in page.inner_text("[data-testid=tr-recalls]")
    assert tr["signal"] in page.inner_text("[data-testid=tr-signals]")
    assert page.locator("svg.chart").count() >= 3
    assert page.locator("[data-testid=params-product_trace]").count() == 1
    zh_clean(page)
    # verify the company's factory as a site (a write signed in the page)
    page.click("[data-testid=tr-verify-CP-XH-FAC1]")
    wait_done(page, "tr-verify-CP-XH-FAC1", "场所已核实")
    english(page)
    page.reload()
    page.wait_for_selector("[data-testid=tr-recalls]")
    assert "Recalls and deadlines" in page.inner_text("body")


def test_the_enterprises_desks(page: Any, live: Any) -> None:
    tr = scen(live)["trace"]
    # the grower harvests on the cooperative's plot: a new batch
    sign_in(page, live.url, member_key(live, "wyhz-grower"), "#/trace-farm")
    page.wait_for_selector("[data-testid=tr-plots]")
    assert "XH-SJ-0101" in page.inner_text("[data-testid=tr-plots]")
    zh_clean(page)
    page.select_option("[data-testid=tr-harvest-plot]", "XH-DZ-0207")
    page.fill("[data-testid=tr-harvest-kg]", "12.5")
    page.click("[data-testid=tr-harvest-go]")
    flash = wait_done(page, "tr-harvest", "已采收")
    assert "XHG-" in flash
    # the company's packer: this year's peel may not be labelled 新会陈皮 (the rules named)
    ageing = tr["ageing"]["batch"]
    for name, route, testid in (
        ("cpgs-packer", "#/trace-sell", "tr-label-form"),
        ("cpgs-warehouse", "#/trace-store", "tr-incoming"),
        ("cpgs-processor", "#/trace-process", "tr-tf-form"),
        ("wlgs-logistics", "#/trace-carry", "tr-transit"),
        ("wyyp-retailer", "#/trace-sell", "tr-myrecalls"),
    ):
        sign_in(page, live.url, member_key(live, name), route)
        page.wait_for_selector(f"[data-testid={testid}]")
        zh_clean(page)
        if name == "cpgs-packer":
            page.select_option("[data-testid=tr-label-batch]", ageing)
            page.fill("[data-testid=tr-label-year]", "3")
            page.click("[data-testid=tr-check]")
            page.wait_for_selector("[data-testid=tr-check-msg].err")
            assert "chenpi.age rule" in page.inner_text("[data-testid=tr-check-msg]")
            page.click("[data-testid=tr-label-go]")
            page.wait_for_selector("[data-testid=tr-label-msg].err")  # not inspected yet either
            assert "label quota rule" in page.inner_text("[data-testid=tr-label-msg]")
        if name == "wyyp-retailer":
            assert tr["recall"]["waiting"][0] in page.inner_text("[data-testid=tr-myrecalls]")
            assert page.locator("[data-testid=tr-qrs] svg").count() >= 2  # the shop's labels
    # a batch's page: events, lineage, labels, the EPCIS document
    open_console(page, live.url, f"#/trace-batch/{tr['rice']['batch']}")
    page.wait_for_selector("[data-testid=tr-events]")
    assert "TSDG-" in page.inner_text("body")  # made from the paddy
    zh_clean(page)
    doc = live.client._get(f"/v1/trace/batches/{tr['rice']['batch']}/epcis")
    assert doc["type"] == "EPCISDocument"
    assert Path(member_key(live, "scjgj-inspector")).exists()
