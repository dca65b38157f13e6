"""Screenshots of the console's main pages (and the wallet, data-sharing and audit pages, and the
scenario pages: filing desk, registry, bank, citizen, settlement status, e-certificate check) for
``docs/console.md``:
``python -m wuyi.console.screenshots [--out docs/img]``.

Starts a live one-validator demo chain (:mod:`wuyi.console.livenode`), drives Debian's
chromium with Playwright (``make browser`` installs both) and writes ``console-*.png``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_ARGS", "main", "take_screenshots"]

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
            "name": "permits",
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
            page.set_input_files("[data-testid=key-file]", str(ln.key_file("rsj")))
            page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
            page.click("[data-testid=login-submit]")
            page.wait_for_selector("[data-testid=requests] table")
            shot("data", full=True)
            page.goto(f"{ln.url}/console/#/audit/dataset/social-insurance-months")
            page.wait_for_selector("[data-testid=audit-timeline]")
            shot("audit", full=True)
            page.click("[data-testid=logout]")
            page.goto(f"{ln.url}/console/#/wallet")
            page.reload()
            _ready(page)
            page.set_input_files("[data-testid=key-file]", ln.made["identity"]["wallet"])
            page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
            page.click("[data-testid=login-submit]")
            page.wait_for_selector("[data-testid=use]")
            shot("wallet", full=True)
            _scenario_shots(page, ln, shot)
            browser.close()
    return shots


def _scenario_shots(page: Any, ln: Any, shot: Any) -> None:
    """The scenario pages (issue 7) on the demo's data: the bureau's filing desk and a contract's
    trace, a unit's history, the bank, a citizen's housing and settlement page, an applicant's
    settlement status, the public e-certificate check."""
    from wuyi.demo import DEMO_PASSPHRASE

    sc = ln.made["scenarios"]
    done = sc["housing"]["completed"]

    def sign_in(member: str, route: str) -> None:
        page.goto(f"{ln.url}/console/#/login?next={route.replace('#', '%23').replace('/', '%2F')}")
        page.reload()
        _ready(page)
        page.set_input_files("[data-testid=key-file]", sc["members"][member]["key"])
        page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
        page.click("[data-testid=login-submit]")
        page.wait_for_selector("[data-testid=who]")

    def sign_out() -> None:
        page.click("[data-testid=logout]")
        page.wait_for_selector("[data-testid=nav-login]")

    sign_in("zjj-filing", "#/housing")
    page.wait_for_selector("[data-testid=params-housing] table")
    shot("housing", full=True)
    page.goto(f"{ln.url}/console/#/housing/{done['contract']}")
    page.wait_for_selector("[data-testid=contract-trace]")
    shot("housing-contract", full=True)
    sign_out()
    sign_in("bdc-registrar", f"#/registry/{done['unit']}")
    page.wait_for_selector("[data-testid=unit-history]")
    shot("registry-unit", full=True)
    sign_out()
    sign_in("nsyh-banker", "#/bank")
    page.fill("[data-testid=loan-contract]", sc["housing"]["filed"]["contract"])
    page.dispatch_event("[data-testid=loan-contract]", "change")
    page.wait_for_selector("[data-testid=loan-limit]")
    shot("bank", full=True)
    sign_out()
    page.goto(f"{ln.url}/console/#/citizen")
    page.reload()
    _ready(page)
    page.set_input_files("[data-testid=key-file]", sc["housing"]["draft"]["wallets"][0])
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=citizen-did]")
    shot("citizen", full=True)
    page.goto(f"{ln.url}/console/#/settlement/{sc['settlement']['refused']['did']}")
    page.wait_for_selector("[data-testid=decision]")
    shot("settlement", full=True)
    page.goto(f"{ln.url}/console/#/ecert?id={done['cert']}")
    page.wait_for_selector("[data-testid=ecert-result]")
    shot("ecert", full=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/img"))
    args = ap.parse_args(argv)
    for path in take_screenshots(args.out):
        print(path)


if __name__ == "__main__":
    main()
