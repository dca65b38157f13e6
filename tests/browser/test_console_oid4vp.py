"""OpenID4VP by QR code in a real browser (issue #19 A): the bank's desk and a citizen's phone
(390 × 844) in two browser contexts against one live demo node. The phone reads the desk's QR
code decoded from a screenshot of it, creates the consent the request needs (signed in the
wallet), presents; the desk shows the chain's verdict; the chain has the record, with claim
names and no personal value. The flow is :func:`wuyi.oid4vp.screenshots.run_flow`, which also
takes the screenshots of ``docs/wallet.md``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wuyi.demo_identity import DEMO_PERSONAL
from wuyi.oid4vp.screenshots import PURPOSE, load_identity_only, run_flow


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A live demo node with only the identity part of the demo data (seconds, not a minute)."""
    from wuyi.console.livenode import live_demo_node

    with live_demo_node(tmp_path_factory.mktemp("chain"), load=load_identity_only) as ln:
        yield ln


def test_desk_qr_phone_consents_presents_and_the_chain_records(
    browser: Any, live: Any, tmp_path: Path
) -> None:
    from wuyi.crypto import load_key
    from wuyi.demo import DEMO_PASSPHRASE
    from wuyi.sdk.identity import Identity

    out = run_flow(browser, live, tmp_path)
    try:
        desk, phone = out["desk"], out["phone"]
        assert not out["errors"], out["errors"]
        # the phone said who asks, what and why, in Chinese
        who = phone.inner_text("[data-testid=wvp-who]")
        assert "江门农商银行" in who and "did:wuyi:org:nsyh" in who
        assert "已满 18 周岁" in phone.inner_text("[data-testid=wvp-what]")
        assert phone.inner_text("[data-testid=wvp-why]") == PURPOSE
        # the desk shows the chain's verdict and the claim presented
        v = desk.locator("[data-testid=dvp-verdict]")
        assert v.get_attribute("data-result") == "accepted"
        assert "已满 18 周岁" in v.inner_text()
        # the chain has the record: accepted, by the chain, claim names only
        bank = load_key(live.key_file("nsyh"), DEMO_PASSPHRASE)
        check = Identity(live.client).check(out["tx"], key=bank, purpose="核验复查 / review")
        assert (check["result"], check["basis"], check["disclosed"]) == (
            "accepted",
            "chain",
            ["age_over_18"],
        )
        assert check["holder"] == live.made["identity"]["did"]
        assert check["purpose"] == PURPOSE
        # no personal value in any block or receipt
        store = live.node.store
        needles = [p.encode() for p in DEMO_PERSONAL]
        for h in range(1, live.node.height + 1):
            blob = store.get_block(h).to_bytes()
            assert not any(n in blob for n in needles), f"personal data in block {h}"
            for rc in store.get_receipts(h):
                assert not any(n in rc.to_bytes() for n in needles)
        # a request asking more (the name too) than the consent just granted covers: the
        # wallet refuses it, and nothing is posted to the desk's response endpoint
        posted: list[str] = []
        phone.on(
            "request", lambda r: posted.append(r.url) if "/oid4vp/responses/" in r.url else None
        )
        desk.check("[data-testid=dvp-claims] input[data-claim=name]")
        desk.click("[data-testid=dvp-make]")
        desk.wait_for_selector("[data-testid=dvp-status][data-status=pending]")
        desk.locator("[data-testid=dvp-qr]").screenshot(path=str(tmp_path / "qr2.png"))
        phone.set_input_files("[data-testid=wvp-photo]", str(tmp_path / "qr2.png"))
        phone.wait_for_selector("[data-testid=wvp-what] [data-claim=name]")
        phone.select_option("[data-testid=wvp-consent]", index=0)  # the age_over_18 consent
        phone.click("[data-testid=wvp-present]")
        phone.wait_for_selector("[data-testid=wvp-result][data-reason=over_asking]")
        assert "超出了您的授权范围" in phone.inner_text("[data-testid=wvp-result]")
        assert posted == []
        assert desk.get_attribute("[data-testid=dvp-status]", "data-status") == "pending"
        # and in English
        phone.click("[data-testid=lang]")
        phone.wait_for_selector("h1:text('Scan to present a credential')")
        assert phone.locator("[data-testid=wvp-camera]").inner_text() == "Scan with the camera"
        assert not out["errors"], out["errors"]
    finally:
        for ctx in out["contexts"]:
            ctx.close()
