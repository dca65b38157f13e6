"""The demo data loads through the API (members, documents, contracts through governance),
and loading again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_api import TestClient  # imported there with starlette's httpx warning silenced

from wuyi.api.app import create_app
from wuyi.demo import DEMO_ORGS, DEMO_PASSPHRASE, load_demo_data
from wuyi.node.home import NodeSettings, init_home
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer
from wuyi.sdk import WuyiClient


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[WuyiClient, Path]]:
    res = init_home(
        tmp_path,
        chain_id="jiangmen-gov",
        suite="sm",
        orgs=list(DEMO_ORGS),
        passphrase=DEMO_PASSPHRASE,
        time_ms=1_764_201_600_000,
        name="江门市政务链",
        settings=NodeSettings(block_interval_ms=0),
    )
    node = Node.open(tmp_path, validator_key=res.home.load_validator_key(DEMO_PASSPHRASE))
    producer = BlockProducer(node, interval_ms=0)
    producer.start()
    try:
        with TestClient(create_app(node)) as tc:

            def handle(request: httpx.Request) -> httpx.Response:
                r = tc.request(
                    request.method,
                    request.url.path,
                    params=request.url.params,
                    content=request.content,
                    headers=dict(request.headers),
                )
                return httpx.Response(r.status_code, content=r.content, headers=r.headers)

            yield (
                WuyiClient("http://node", transport=httpx.MockTransport(handle)),
                res.home.keys_dir,
            )
    finally:
        producer.stop()
        node.close()


def test_demo_data_loads_and_is_idempotent(demo: tuple[WuyiClient, Path], tmp_path: Path) -> None:
    client, keys_dir = demo
    made = load_demo_data(client, keys_dir, tmp_path / "docs")
    assert len(made["documents"]) == 6
    assert {c["name"]: c["status"] for c in client.contracts()} == {"counter": "active"}
    assert client.query("counter", "get") == 3
    (pending,) = client.proposals(status="open")
    assert pending["action"]["type"] == "contract.deploy" and list(pending["votes"]) == ["sjj"]
    height = client.status().height
    load_demo_data(client, keys_dir, tmp_path / "docs")
    assert client.status().height == height
