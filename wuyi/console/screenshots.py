"""Screenshots of the console's main pages (and the wallet, data-sharing and audit pages, and the
scenario pages: each registered scenario's ``demo.py`` may have ``screenshots(shots)``, given a
:class:`Shots`) for ``docs/console.md``:
``python -m wuyi.console.screenshots [--out docs/img]``.

Starts a live one-validator demo chain (:mod:`wuyi.console.livenode`), drives Debian's
chromium with Playwright (``make browser`` installs both) and writes ``console-*.png``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_ARGS", "main", "take_screenshots", "unlock"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _ready(page: Any) -> None:
    page.wait_for_selector('body[data-ready="1"]')


def unlock(page: Any, key_file: Any) -> None:
    """Sign in on the console's key form shown on ``page``: ``key_file`` (a member key or a
    wallet) with the demo passphrase."""
    from wuyi.demo import DEMO_PASSPHRASE

    page.set_input_files("[data-testid=key-file]", key_file)
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")


def take_screenshots(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from wuyi.console.livenode import live_demo_node
    from wuyi.contracts.examples import source
    from wuyi.crypto import load_key
    from wuyi.demo import DEMO_PASSPHRASE

    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp, live_demo_node(Path(tmp) / "chain") as ln:
        zjj = load_key(ln.key_file("zjj"), DEMO_PASSPHRASE)
        pkg = {
            "name": "permit_counter",
            "version": "1.0.0",
            "source": source("counter"),
            "manifest": {"description": "许可证计数 / permit counter"},
        }
        ln.client.submit_and_wait(ln.client.builder(zjj).contract_propose(pkg), timeout=30)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")

            def shot(name: str, full: bool = False) -> None:
                page.wait_for_timeout(400)
                path = out / f"console-{name}.png"
                page.screenshot(path=str(path), full_page=full)
                shots.append(path)

            page.goto(f"{ln.url}/console/#/login")
            _ready(page)
            page.set_input_files("[data-testid=key-file]", str(ln.key_file("sjj")))
            shot("signin")
            page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
            page.click("[data-testid=login-submit]")
            page.wait_for_selector("[data-testid=overview]")
            shot("overview")
            page.goto(f"{ln.url}/console/#/contracts")
            page.wait_for_selector("[data-testid=contract-proposals] article")
            shot("contracts", full=True)
            page.goto(f"{ln.url}/console/#/gov")
            page.wait_for_selector("[data-testid=proposals] article")
            shot("proposals")
            page.goto(f"{ln.url}/console/#/explorer/tx/{ln.made['documents'][0]['tx_hash']}")
            page.wait_for_selector("[data-testid=tx-kind]")
            shot("explorer")
            page.goto(f"{ln.url}/console/#/verify")
            page.set_input_files("[data-testid=verify-file]", ln.made["documents"][0]["file"])
            page.wait_for_selector("[data-testid=verify-result]")
            shot("verify", full=True)
            page.click("[data-testid=lang]")
            page.goto(f"{ln.url}/console/#/overview")
            page.wait_for_selector("[data-testid=overview]")
            shot("overview-en")
            page.click("[data-testid=lang]")
            page.click("[data-testid=logout]")
            page.goto(f"{ln.url}/console/#/check")
            page.reload()
            _ready(page)
            page.set_input_files("[data-testid=verify-file]", ln.made["documents"][1]["file"])
            page.wait_for_selector("[data-testid=verify-result]")
            shot("public-check", full=True)
            # identity and data sharing: an rsj admin (owner of the demo's datasets), then a citizen
            page.goto(f"{ln.url}/console/#/login?next=%23%2Fdata")
            _ready(page)
            unlock(page, str(ln.key_file("rsj")))
            page.wait_for_selector("[data-testid=requests] table")
            shot("data", full=True)
            page.goto(f"{ln.url}/console/#/audit/dataset/social-insurance-months")
            page.wait_for_selector("[data-testid=audit-timeline]")
            shot("audit", full=True)
            page.click("[data-testid=logout]")
            page.wait_for_selector("[data-testid=nav-login]")  # signed out (it then shows #/check)
            page.goto(f"{ln.url}/console/#/wallet")
            page.reload()
            _ready(page)
            unlock(page, ln.made["identity"]["wallet"])
            page.wait_for_selector("[data-testid=use]")
            shot("wallet", full=True)
            _scenario_shots(page, ln, shot)
            browser.close()
    return shots


class Shots:
    """What a scenario's ``screenshots(shots)`` drives: the page, the demo chain's URL and what
    the scenario demos made, and helpers to sign in, open a wallet and take a shot."""

    def __init__(self, page: Any, ln: Any, shot: Any) -> None:
        self.page = page
        self.url = ln.url
        self.made: dict[str, Any] = ln.made["scenarios"]
        self.shot = shot

    def goto(self, route: str) -> None:
        self.page.goto(f"{self.url}/console/{route}")
        self.page.reload()
        _ready(self.page)

    def sign_in(self, member: str, route: str) -> None:
        self.goto(f"#/login?next={route.replace('#', '%23').replace('/', '%2F')}")
        unlock(self.page, self.made["members"][member]["key"])
        self.page.wait_for_selector("[data-testid=who]")

    def sign_out(self) -> None:
        self.page.click("[data-testid=logout]")
        self.page.wait_for_selector("[data-testid=nav-login]")

    def open_wallet(self, route: str, wallet: str) -> None:
        self.goto(route)
        unlock(self.page, wallet)


def _scenario_shots(page: Any, ln: Any, shot: Any) -> None:
    """Each registered scenario's pages on the demo's data (its demo module's
    ``screenshots``)."""
    from wuyi.scenarios import all_scenarios

    shots = Shots(page, ln, shot)
    for s in all_scenarios():
        if s.has("demo") and hasattr(s.module("demo"), "screenshots"):
            s.module("demo").screenshots(shots)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/img"))
    args = ap.parse_args(argv)
    for path in take_screenshots(args.out):
        print(path)


if __name__ == "__main__":
    main()
