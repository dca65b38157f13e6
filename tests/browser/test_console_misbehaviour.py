"""The console shows a validator's equivocation evidence (issue #17, item 4): the red alert on
the overview, the misbehaviour page with the offender, its removal proposal and each record's
proof bundle, in Chinese and English."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import demo_copy
from wuyi.consensus.certificate import compute_vote_bytes
from wuyi.consensus.evidence import SignedMessage, equivocation_from_messages
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.ledger.bundle import validate_bundle
from wuyi.ledger.jsonform import from_json


def sign_in(page: Any, url: str, key_file: Path) -> None:
    page.goto(f"{url}/console/#/login")
    page.wait_for_selector('body[data-ready="1"]')
    page.set_input_files("[data-testid=key-file]", str(key_file))
    page.fill("[data-testid=passphrase]", DEMO_PASSPHRASE)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")


@pytest.fixture(scope="module")
def live(
    demo_chain: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A demo chain (a copy of the session's) whose one validator double-signed a prevote at
    height 1, reported by zjj's admin through the SDK."""
    with demo_copy(demo_chain, tmp_path_factory.mktemp("chain")) as ln:
        val = ln.node.key
        msgs = []
        for bh in (b"\x0a" * 32, b""):
            sig = val.sign(compute_vote_bytes(ln.node.chain.chain_id, "prevote", 1, 0, bh))
            msgs.append(SignedMessage("vote", "prevote", 1, 0, -1, bh, val.public_key, sig))
        ev = equivocation_from_messages(ln.node.chain.chain_id, *msgs)
        zjj = load_key(ln.key_file("zjj"), DEMO_PASSPHRASE)
        res = ln.client.submit_and_wait(ln.client.builder(zjj).equivocation(ev), timeout=30)
        assert res.receipt.status == "ok", res.receipt
        (opened,) = [e for e in res.receipt.events if e.type == "gov.proposed"]
        ln.removal_proposal = opened.attrs["id"]
        yield ln


def test_evidence_alert_page_and_bundle(page: Any, live: Any, tmp_path: Path) -> None:
    sign_in(page, live.url, live.key_file("sjj"))
    page.wait_for_selector("[data-testid=evidence-alert]")
    alert = page.inner_text("[data-testid=evidence-alert]")
    assert "验证节点双签" in alert and "移除提案待表决" in alert
    page.click("[data-nav=evidence]")
    page.wait_for_selector("[data-testid=evidence-records]")
    rows = page.inner_text("[data-testid=evidence-records]")
    assert "预投票" in rows and "高度 1" in rows
    offenders = page.inner_text("[data-testid=offenders]")
    assert f"#{live.removal_proposal}" in offenders and "待表决" in offenders
    href = page.get_attribute("[data-testid^=bundle-]", "href")
    bundle = httpx.get(live.url + href, timeout=10).json()
    report = validate_bundle(from_json(bundle))
    assert report.kind == "misbehaviour"
    (tmp_path / "b.json").write_text(json.dumps(bundle))
    page.click("[data-testid=lang]")
    page.wait_for_selector("[data-testid=evidence-records]")
    assert "prevote" in page.inner_text("[data-testid=evidence-records]")
    assert "Validator double-signed" in page.inner_text("[data-testid=evidence-alert]")
    page.click("[data-testid=lang]")  # back to Chinese for the other tests
