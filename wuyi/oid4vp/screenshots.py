"""The desk-and-phone flow of OpenID4VP in a real browser, shared by the browser test
(``tests/browser/test_console_oid4vp.py``) and the screenshots of ``docs/wallet.md``:
``python -m wuyi.oid4vp.screenshots [--out docs/img]`` writes ``wallet-vp-*.png``.

Two browser contexts against one live demo node: the bank's desk (a member signed in with its
key) and a phone (390 × 844) with the citizen's wallet. The phone reads the desk's QR code from
a screenshot of it (decoded by the page's own jsQR, as an uploaded photo), creates the consent
the request needs (signed in the wallet), presents; the desk records the check and shows the
chain's verdict.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["PHONE", "PURPOSE", "load_identity_only", "run_flow"]

PHONE = {"width": 390, "height": 844}
PURPOSE = "开户核验 / account opening"
CLAIMS = ("age_over_18",)


def load_identity_only(client: Any, keys_dir: Path, docs_dir: Path) -> dict[str, Any]:
    """Only the identity part of the demo data (issuers, the citizen's wallet with an ID and a
    marriage credential, the bank's consent): ``live_demo_node(load=...)`` in seconds."""
    from wuyi.crypto import load_key
    from wuyi.demo import DEMO_ORGS, DEMO_PASSPHRASE
    from wuyi.demo_identity import load_identity_demo

    admins = {o.id: load_key(keys_dir / f"{o.id}-admin.key", DEMO_PASSPHRASE) for o in DEMO_ORGS}
    wallets = docs_dir.parent / "wallets"
    return {"identity": load_identity_demo(client, admins, keys_dir, wallets, DEMO_PASSPHRASE)}


def _ready(page: Any) -> None:
    page.wait_for_selector('body[data-ready="1"]')


def run_flow(browser: Any, live: Any, tmp: Path, shots: Path | None = None) -> dict[str, Any]:
    """Run the flow; returns ``{"tx": <the vc.verify tx hash>, "desk": page, "phone": page,
    "errors": [...]}`` (the pages stay open: the caller closes their contexts)."""
    from wuyi.console.screenshots import unlock

    def shot(page: Any, name: str, **kw: Any) -> None:
        if shots is not None:
            page.screenshot(path=str(shots / f"wallet-vp-{name}.png"), **kw)

    errors: list[str] = []
    desk_ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    phone_ctx = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    desk, phone = desk_ctx.new_page(), phone_ctx.new_page()
    for p in (desk, phone):
        p.on("pageerror", lambda e: errors.append(str(e)))
        p.set_default_timeout(20_000)

    # the desk: a bank member signs in and makes the request
    desk.goto(f"{live.url}/console/#/login?next=%23%2Fdesk-vp")
    _ready(desk)
    unlock(desk, str(live.key_file("nsyh")))
    desk.wait_for_selector("[data-testid=dvp-make]")
    desk.select_option("[data-testid=dvp-type]", "IdentityCredential")
    for c in CLAIMS:
        desk.check(f"[data-testid=dvp-claims] input[data-claim={c}]")
    desk.fill("[data-testid=dvp-purpose]", PURPOSE)
    desk.click("[data-testid=dvp-make]")
    desk.wait_for_selector("[data-testid=dvp-qr] svg")
    qr_png = tmp / "desk-qr.png"
    desk.locator("[data-testid=dvp-qr]").screenshot(path=str(qr_png))
    shot(desk, "desk")

    # the phone: open the wallet, read the QR code from its photo
    phone.goto(f"{live.url}/console/#/wallet-vp")
    _ready(phone)
    unlock(phone, live.made["identity"]["wallet"])
    phone.wait_for_selector("[data-testid=wvp-photo]")
    shot(phone, "scan")
    phone.set_input_files("[data-testid=wvp-photo]", str(qr_png))
    phone.wait_for_selector("[data-testid=wvp-who]")
    shot(phone, "request", full_page=True)
    # no consent covers this purpose yet: the wallet offers to create it, signed here
    phone.click("[data-testid=wvp-grant]")
    phone.wait_for_selector("[data-testid=wvp-result].ok")
    phone.click("[data-testid=wvp-present]")
    phone.wait_for_selector("[data-testid=wvp-result][data-sent='1']")
    shot(phone, "sent", full_page=True)

    # the desk records the check on chain and shows the chain's verdict
    desk.wait_for_selector("[data-testid=dvp-verdict]", timeout=30_000)
    shot(desk, "verdict", full_page=True)
    tx = desk.locator("[data-testid=dvp-verdict] a").first.get_attribute("href") or ""
    return {
        "tx": tx.rsplit("/", 1)[-1],
        "desk": desk,
        "phone": phone,
        "contexts": (desk_ctx, phone_ctx),
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    from wuyi.console.livenode import live_demo_node
    from wuyi.console.screenshots import CHROMIUM, CHROMIUM_ARGS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, default=Path("docs/img"))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as d,
        live_demo_node(Path(d) / "chain", load=load_identity_only) as live,
        sync_playwright() as p,
    ):
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        out = run_flow(b, live, Path(d), shots=args.out)
        assert not out["errors"], out["errors"]
        b.close()
    for f in sorted(args.out.glob("wallet-vp-*.png")):
        print(f)


if __name__ == "__main__":
    main()
