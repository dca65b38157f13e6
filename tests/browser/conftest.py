"""Real-browser tests: Playwright (sync API) driving Debian's headless chromium against a live
node on 127.0.0.1 (``make browser`` installs both; ``make test`` runs them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[Any]) -> None:
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} missing: run `make browser`")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A one-validator demo chain (organisations, documents, the open token deploy) served over
    HTTP, plus a contract deploy proposed by zjj that sjj has not approved yet."""
    from wuyi.console.livenode import live_demo_node
    from wuyi.contracts.examples import source
    from wuyi.crypto import load_key
    from wuyi.demo import DEMO_PASSPHRASE
    from wuyi.sdk.client import event_attr

    with live_demo_node(tmp_path_factory.mktemp("chain")) as ln:
        zjj = load_key(ln.key_file("zjj"), DEMO_PASSPHRASE)
        pkg = {
            "name": "permits",
            "version": "1.0.0",
            "source": source("counter"),
            "manifest": {"description": "许可证计数 / permit counter"},
        }
        res = ln.client.submit_and_wait(ln.client.builder(zjj).contract_propose(pkg), timeout=30)
        assert res.receipt.status == "ok", res.receipt
        ln.made["zjj_proposal"] = event_attr(res.receipt, "gov.proposed", "id")
        # the tests' own checks read personal records as the demo's auditor (signed, logged)
        auditor = load_key(ln.keys_dir / "sjj-auditor.key", DEMO_PASSPHRASE)
        ln.client.read_as(auditor, "控制台测试核对 / console test checks")
        yield ln


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(20_000)
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
