"""The console in Chinese, seen in a real browser on the live demo chain: no untranslated
string on any page (chain data — ids, codes, hashes, names of things — is shown as data, in
``code``/``.mono``/``.tag`` elements, never as a label), proposal deadlines with a date and what
is left, the overview's committed transactions per minute, the registry's charts, and bidi
control characters in chain data shown visibly instead of reordering what the reader sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE

# technical names that stay as they are in the Chinese pages
ALLOWED = {
    "DID", "SM2", "SM3", "SM4", "SHA", "SHA-256", "JSON", "JWT", "SD-JWT", "KB-JWT", "QR", "API",
    "Ed25519", "AES", "GCM", "gas", "BFT", "X25519", "HTTP", "URL", "CBOR", "Merkle",
}  # fmt: skip

# the text of the page a reader sees as words: without data (code, ids, hashes, values typed
# in, the raw JSON) and without the language switch (it says "English" on purpose)
VISIBLE_WORDS = """() => {
  const skip = "code, pre, .mono, .tag, .idtag, .did, .data, input, textarea, select, svg, script,"
    + " style, .chainpill, [data-testid=lang], .who-roles, details.raw, .vote, .json";
  const out = [];
  const walk = (el) => {
    if (el.matches && el.matches(skip)) return;
    for (const n of el.childNodes) {
      if (n.nodeType === 3) { if (n.textContent.trim()) out.push(n.textContent.trim()); }
      else if (n.nodeType === 1 && n.offsetParent !== null) walk(n);
    }
  };
  walk(document.body);
  return out;
}"""


def english_words(texts: list[str]) -> list[str]:
    import re

    found = []
    for text in texts:
        for w in re.findall(r"[A-Za-z][A-Za-z0-9-]{2,}", text):
            if w not in ALLOWED and not re.fullmatch(r"[0-9a-f]{6,}|wy[0-9a-f]+", w):
                found.append(f"{w!r} in {text[:80]!r}")
    return found


def open_console(page: Any, url: str, route: str = "") -> None:
    page.goto(f"{url}/console/{route}")
    page.wait_for_selector('body[data-ready="1"]')


def sign_in(page: Any, url: str, key_file: Path) -> None:
    open_console(page, url, "#/login")
    page.set_input_files("[data-testid=key-file]", str(key_file))
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")


def settle(page: Any, route: str) -> None:
    page.evaluate("r => { location.hash = r; }", route)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def test_no_untranslated_string_in_the_chinese_console(page: Any, live: Any) -> None:
    sc = live.made["scenarios"]
    doc = live.made["documents"][0]
    done = sc["housing"]["completed"]
    routes = [
        "#/overview", "#/orgs", "#/orgs/sjj", "#/nodes", "#/contracts", "#/contracts/counter",
        "#/gov?status=open", "#/gov?status=", "#/explorer", "#/explorer/block/3",
        f"#/explorer/tx/{doc['tx_hash']}", f"#/explorer/record/{doc['doc_hash']}",
        f"#/explorer/account/{sc['members']['zjj-filing']['address']}", "#/verify", "#/vctypes",
        "#/data", "#/audit/dataset/social-insurance-months", "#/housing",
        f"#/housing/{done['contract']}", "#/registry", f"#/registry/{done['unit']}", "#/bank",
        "#/court", "#/developer", "#/elicence?org=rsj",
        f"#/settlement/{sc['settlement']['refused']['did']}", f"#/ecert?id={done['cert']}",
        "#/check",
    ]  # fmt: skip
    # the operator's auditor: the scenario pages are personal records (signed reads)
    sign_in(page, live.url, live.keys_dir / "sjj-auditor.key")
    problems: dict[str, list[str]] = {}
    for route in routes:
        settle(page, route)
        page.wait_for_selector("#view > *")
        words = english_words(page.evaluate(VISIBLE_WORDS))
        if words:
            problems[route] = words[:8]
    assert not problems, "\n".join(f"{r}: {w}" for r, w in problems.items())


def test_deadlines_in_dates_and_transactions_per_minute(page: Any, live: Any) -> None:
    pid = live.made["zjj_proposal"]
    sign_in(page, live.url, live.keys_dir / "sjj-auditor.key")  # reads the registry's charts
    page.wait_for_selector("[data-testid=tx-per-minute] svg")
    bars = page.locator("[data-testid=tx-per-minute] rect")
    assert bars.count() == 30  # one per minute, idle minutes included
    settle(page, "#/gov?status=open")
    deadline = page.inner_text(f"[data-testid=deadline-{pid}]")
    assert "还差" in deadline and "个区块" in deadline and "约" in deadline, deadline
    title = page.inner_text(f"[data-testid=prop-title-{pid}]")
    assert title == "部署合约 permits", title  # its English title, in words
    settle(page, "#/registry")
    page.wait_for_selector("[data-testid=registry-charts] svg")
    assert page.locator("[data-testid=registry-charts] rect").count() >= 3


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f"])
def test_bidi_controls_in_chain_data_are_shown_not_obeyed(page: Any, live: Any, char: str) -> None:
    key = load_key(live.key_file("bdc"), DEMO_PASSPHRASE)
    title = f"invoice{char}fdp.exe"  # with U+202E it would read "invoiceexe.pdf"
    data = f"bidi test {ord(char)}".encode()
    _, res = live.client.anchor(key, data, meta={"title": title}, wait=True, timeout=30)
    open_console(page, live.url, f"#/explorer/tx/{res.tx_hash}")
    page.wait_for_selector("[data-testid=tx-words]")
    page.click("[data-testid=tx-raw] summary")
    shown = page.evaluate("() => document.getElementById('view').textContent")
    assert char not in shown
    mark = f"⟦U+{ord(char):04X}⟧"
    assert f"invoice{mark}fdp.exe" in page.inner_text("[data-testid=tx-words]")
    assert mark in page.inner_text("[data-testid=tx-raw]")
    open_console(page, live.url, f"#/explorer/record/{live.client.suite.hash(data).hex()}")
    page.wait_for_selector(f"text=invoice{mark}fdp.exe")
    assert char not in page.evaluate("() => document.getElementById('view').textContent")
