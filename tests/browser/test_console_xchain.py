"""Several chains from one console, in a real browser: the city chain's node (SM) lists the
finance chain (intl) in its registry; a member signs in once on the city chain, switches to the
finance chain (its own key: another suite), sees the finance chain's light client of the city
chain — latest height, age against the trusting period, the near-expiry alert, recognitions
per day — and the registry with the clients between the chains, and switches back without
signing in again. The pages have no untranslated string in Chinese."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.browser.test_console_zh import VISIBLE_WORDS, english_words, settle
from wuyi.api.app import create_app
from wuyi.console.livenode import free_port
from wuyi.crosschain.sdk import Relayer, SourceChain
from wuyi.crypto import load_key
from wuyi.node.home import NodeSettings, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer, JsonLog
from wuyi.sdk import WuyiClient

PW = "xchain-console"


@dataclass
class Served:
    url: str
    client: WuyiClient
    keys: Path

    def key(self, org: str) -> Any:
        return load_key(self.keys / f"{org}-admin.key", PW)


@contextmanager
def serve_chain(
    home: Path, chain_id: str, suite: str, orgs: list[OrgSpec], time_ms: int
) -> Iterator[Served]:
    res = init_home(
        home, chain_id=chain_id, suite=suite, orgs=orgs, passphrase=PW, time_ms=time_ms,
        name=f"{chain_id} 测试链", settings=NodeSettings(block_interval_ms=0),
    )  # fmt: skip
    node = Node.open(home, validator_key=res.home.load_validator_key(PW))
    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed below
    producer = BlockProducer(node, interval_ms=0, log=JsonLog(quiet))
    producer.start()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(node), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    client = WuyiClient(url)
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
            time.sleep(0.05)
        yield Served(url, client, res.home.keys_dir)
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=10)
        producer.stop()
        node.close()
        quiet.close()


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Served]]:
    root = tmp_path_factory.mktemp("xchain")
    now = int(time.time() * 1000)
    with ExitStack() as stack:
        gov = stack.enter_context(
            serve_chain(root / "gov", "jiangmen-gov", "sm",
                        [OrgSpec("sjj", "政数局", True), OrgSpec("bdc", "不动产登记中心")], now)
        )  # fmt: skip
        fin = stack.enter_context(
            serve_chain(root / "fin", "finance", "intl",
                        [OrgSpec("jrj", "金融局", True), OrgSpec("nsyh", "农商银行")], now)
        )  # fmt: skip
        st = fin.client.status()
        gov.client.govern(
            gov.key("sjj"), [gov.key("bdc")], "chains.register",
            {"chain_id": "finance", "name": "江门金融链", "suite": "intl",
             "genesis_hash": bytes.fromhex(st.genesis_hash), "endpoints": [fin.url]},
            title="登记金融链",
        )  # fmt: skip
        # the finance chain's client of the city chain, with a trusting period of 15 s: nobody
        # relays after the recognition, so within seconds it nears expiry (then expires)
        src = SourceChain(gov.client)
        args = src.register_args(
            facts={"anchored": {"prefix": b"evidence/", "max_age_ms": 0}},
            prefixes=[b"evidence/"], trusting_period_ms=15_000,
        )  # fmt: skip
        fin.client.govern(fin.key("jrj"), [fin.key("nsyh")], "xchain.register", args, title="认可")
        doc = gov.client.suite.hash(b"unit JM-0012345 mortgage-free")
        gov.client.submit_and_wait(gov.client.builder(gov.key("bdc")).anchor(doc, {}))
        Relayer(src, fin.client, fin.key("nsyh")).recognise(
            "anchored", b"evidence/" + doc, purpose="贷款前核验", timeout=30
        )
        yield gov, fin


def _sign_in(page: Any, url: str, key_file: Path) -> None:
    page.goto(f"{url}/console/#/login")
    page.wait_for_selector('body[data-ready="1"]')
    page.set_input_files("[data-testid=key-file]", str(key_file))
    page.fill("[data-testid=passphrase]", PW)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")


def test_one_console_for_two_chains(page: Any, chains: tuple[Served, Served]) -> None:
    gov, fin = chains
    _sign_in(page, gov.url, gov.keys / "sjj-admin.key")
    assert "jiangmen-gov" in page.inner_text(".chainpill")
    # the registry: both chains, the client between them
    settle(page, "#/chains")
    page.wait_for_selector("[data-testid=chain-clients] td")
    reg = page.inner_text("[data-testid=chain-registry]")
    assert "finance" in reg and "jiangmen-gov" in reg
    assert "jiangmen-gov" in page.inner_text("[data-testid=chain-clients]")
    # switch to the finance chain: another suite, so its own member key signs in there
    page.select_option("[data-testid=chain-switch]", "finance")
    page.wait_for_selector("[data-testid=key-file]")
    page.set_input_files("[data-testid=key-file]", str(fin.keys / "nsyh-admin.key"))
    page.fill("[data-testid=passphrase]", PW)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector(".chainpill:has-text('finance')")
    page.wait_for_selector("[data-testid=who]")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        [c] = fin.client._get("/v1/xchain/clients")["clients"]
        if c["near_expiry"] or c["status"] == "expired":
            break
        time.sleep(0.5)
    settle(page, "#/xchain")
    page.wait_for_selector("[data-testid=xchain-clients] td")
    row = page.inner_text("[data-testid=xchain-clients]")
    assert "jiangmen-gov" in row
    assert page.locator("[data-testid=xchain-alert]").count() >= 1  # near expiry (or expired)
    page.wait_for_selector("[data-testid=xchain-records-jiangmen-gov] td")
    assert page.locator("[data-testid=xchain-chart-jiangmen-gov] rect").count() == 14
    assert "贷款前核验" in page.inner_text("[data-testid=xchain-records-jiangmen-gov]")
    words = english_words(page.evaluate(VISIBLE_WORDS))
    assert not words, words
    # back to the city chain: the session there is kept (no second sign-in)
    page.select_option("[data-testid=chain-switch]", "")
    page.wait_for_selector(".chainpill:has-text('jiangmen-gov')")
    page.wait_for_selector("[data-testid=who]")
    settle(page, "#/chains")
    page.wait_for_selector("[data-testid=chain-registry]")
    words = english_words(page.evaluate(VISIBLE_WORDS))
    assert not words, words
