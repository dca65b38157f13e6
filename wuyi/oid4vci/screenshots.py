"""The OpenID4VCI flow in a browser, step by step: used by the browser test and to make the
screenshots of ``docs/wallet.md`` (``docs/img/wallet-vci-*.png``)::

    .venv/bin/python -m wuyi.oid4vci.screenshots            # needs `make browser`

A desk context (gaj's clerk at #/desk) and a phone context (390 × 844, #/receive).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from wuyi.demo import DEMO_PASSPHRASE

__all__ = ["PHONE", "VALUES", "desk_offer", "main", "phone_receive"]

#: a phone: 390 × 844 CSS pixels, touch, mobile layout
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
#: what the desk enters (made-up values, not the demo citizen's)
VALUES: dict[str, Any] = {
    "name": "黄晓燕",
    "id_number": "440703199205056789",
    "birth_date": "1992-05-05",
    "address": "江门市新会区会城街道 18 号",
    "age_over_18": True,
}


def _open(page: Any, url: str, route: str) -> None:
    page.goto(f"{url}/console/{route}")
    page.wait_for_selector('body[data-ready="1"]')


def desk_offer(page: Any, live: Any, qr_png: Path, shots: Path | None = None) -> Path:
    """gaj's clerk signs in, makes an IdentityCredential offer; a screenshot of its QR code."""
    route = "#/desk"
    _open(page, live.url, f"#/login?next={route.replace('#', '%23').replace('/', '%2F')}")
    page.set_input_files("[data-testid=key-file]", str(live.keys_dir / "gaj-issuer.key"))
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=desk-type]")
    page.select_option("[data-testid=desk-type]", "IdentityCredential")
    for name, value in VALUES.items():
        page.fill(f"[data-testid=desk-claim-{name}]", "true" if value is True else str(value))
    if shots:
        page.screenshot(path=str(shots / "wallet-vci-desk-form.png"))
    page.click("[data-testid=desk-make]")
    page.wait_for_selector("[data-testid=desk-qr] svg")
    page.locator("[data-testid=desk-qr]").screenshot(path=str(qr_png))
    if shots:
        page.screenshot(path=str(shots / "wallet-vci-desk-qr.png"))
    return qr_png


def phone_receive(
    page: Any, live: Any, qr_png: Path, tx_code: str, shots: Path | None = None
) -> str:
    """The citizen's phone: open the wallet, upload the QR photo, enter the code, receive.
    Returns the credential's status entry (``gaj/<idx>``)."""
    _open(page, live.url, "#/receive")
    page.set_input_files("[data-testid=vci-wallet-file]", live.made["identity"]["wallet"])
    page.fill("[data-testid=vci-pass]", DEMO_PASSPHRASE)
    page.click("[data-testid=vci-open]")
    page.wait_for_selector("[data-testid=vci-did]")
    if shots:
        page.screenshot(path=str(shots / "wallet-vci-phone-open.png"))
    page.set_input_files("[data-testid=vci-photo]", str(qr_png))
    page.wait_for_selector("[data-testid=vci-issuer]")
    assert "江门市公安局" in page.inner_text("[data-testid=vci-issuer]")
    page.fill("[data-testid=vci-txcode]", tx_code)
    if shots:
        page.locator("[data-testid=vci-who]").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "wallet-vci-phone-offer.png"))
    page.click("[data-testid=vci-accept]")
    page.wait_for_selector("[data-testid=vci-done]", timeout=60_000)
    if shots:
        page.locator("[data-testid=vci-result]").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "wallet-vci-phone-done.png"))
    return str(page.get_attribute("[data-testid=vci-done]", "data-entry"))


def main(out: Path = Path("docs/img")) -> None:
    """Start a live demo node, run the flow in chromium and write the screenshots to ``out``."""
    from playwright.sync_api import sync_playwright

    from wuyi.console.livenode import live_demo_node

    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        live_demo_node(Path(tmp) / "chain") as live,
        sync_playwright() as p,
    ):
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        desk = b.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        phone = b.new_context(**PHONE)
        dp, pp = desk.new_page(), phone.new_page()
        qr = desk_offer(dp, live, Path(tmp) / "qr.png", out)
        code = dp.inner_text("[data-testid=desk-txcode]").strip()
        phone_receive(pp, live, qr, code, out)
        dp.wait_for_selector("[data-testid=desk-status][data-status=issued]")
        dp.screenshot(path=str(out / "wallet-vci-desk-issued.png"))
        b.close()
    print(f"screenshots in {out}", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img"))
