"""Real-browser tests: Playwright (sync API) driving Debian's headless chromium against a live
node on 127.0.0.1 (``make browser`` installs both; ``make test`` runs them)."""

from __future__ import annotations

import copy
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.shared_build import build_once, rehome
from wuyi.testing.inprocess import MovableClock

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


@pytest.fixture(scope="session")
def demo_chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A one-validator demo chain (organisations, documents, the open token deploy, every
    scenario's demo data) plus a contract deploy proposed by zjj that sjj has not approved yet,
    made once per test run (loading it takes a minute or more; see ``tests/shared_build.py``)
    and stopped: its home and
    what the demo made. Each module serves a copy of its own (:func:`demo_copy`), so no module
    sees another's writes."""
    from wuyi.console.livenode import live_demo_node
    from wuyi.contracts.examples import source
    from wuyi.crypto import load_key
    from wuyi.demo import DEMO_PASSPHRASE
    from wuyi.sdk.client import event_attr

    def build(folder: Path) -> dict[str, Any]:
        with live_demo_node(folder / "chain") as ln:
            zjj = load_key(ln.key_file("zjj"), DEMO_PASSPHRASE)
            pkg = {
                "name": "permits",
                "version": "1.0.0",
                "source": source("counter"),
                "manifest": {"description": "许可证计数 / permit counter"},
            }
            builder = ln.client.builder(zjj)
            res = ln.client.submit_and_wait(builder.contract_propose(pkg), timeout=30)
            assert res.receipt.status == "ok", res.receipt
            ln.made["zjj_proposal"] = event_attr(res.receipt, "gov.proposed", "id")
            return copy.deepcopy(ln.made)

    folder, made = build_once(tmp_path_factory, "browser-demo-chain", build)
    return folder / "chain", made


@contextmanager
def demo_copy(demo_chain: tuple[Path, dict[str, Any]], where: Path) -> Iterator[Any]:
    """A fresh copy of the session's demo chain (:func:`demo_chain`) in ``where``, served on
    127.0.0.1 like ``live_demo_node`` serves the chain it makes, its block times from a
    :class:`MovableClock`."""
    from wuyi.console.livenode import live_demo_node

    template, made = demo_chain
    home = where / "chain"
    # the store's LMDB file is sparse (its map is tens of GB, a few MB used): a plain copy
    # (shutil.copytree) would write every hole out; cp keeps them
    subprocess.run(["cp", "-a", "--sparse=always", str(template), str(home)], check=True)
    made = rehome(copy.deepcopy(made), template, home)
    # the wall clock until a test moves it on (``live.node.clock.advance_to``)
    with live_demo_node(home, existing=made, clock=MovableClock()) as ln:
        yield ln


@pytest.fixture(scope="module")
def live(
    demo_chain: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The demo chain of :func:`demo_chain` (a copy for this module) served over HTTP."""
    from wuyi.crypto import load_key
    from wuyi.demo import DEMO_PASSPHRASE

    with demo_copy(demo_chain, tmp_path_factory.mktemp("chain")) as ln:
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
