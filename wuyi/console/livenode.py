"""A live one-validator node with the demo's organisations and data, serving its REST API and
the console over real HTTP on 127.0.0.1 — for the browser tests and the screenshot script.

``make run`` is the real thing (four validators over mutual TLS); this is the small version a
test can start in a second: same chain id, organisations, keys (passphrase
``wuyi-demo-only``), documents and the open contract-deploy proposal.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from wuyi.abc import Clock
from wuyi.api.app import create_app
from wuyi.demo import DEMO_CHAIN_ID, DEMO_NAME, DEMO_ORGS, DEMO_PASSPHRASE, load_demo_data
from wuyi.node.home import NodeHome, NodeSettings, init_home
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer, JsonLog
from wuyi.oid4vci.demo import configure_live
from wuyi.sdk import WuyiClient

__all__ = ["LiveNode", "free_port", "live_demo_node"]


@dataclass
class LiveNode:
    url: str
    node: Node
    client: WuyiClient
    keys_dir: Path
    docs_dir: Path
    made: dict[str, Any]

    def key_file(self, org: str) -> Path:
        return self.keys_dir / f"{org}-admin.key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_demo_node(
    home: Path,
    *,
    port: int | None = None,
    load: Callable[[WuyiClient, Path, Path], dict[str, Any]] | None = None,
    existing: dict[str, Any] | None = None,
    clock: Clock | None = None,
) -> Iterator[LiveNode]:
    """Create a demo chain in ``home`` (which must be empty), serve it on 127.0.0.1 and load the
    demo data (or only what ``load(client, keys_dir, docs_dir)`` loads, e.g. one part of it
    for a quicker test); stop everything on exit. With ``existing`` (the ``made`` of an earlier
    run), ``home`` already holds such a chain (e.g. a copy of one, so that tests share the
    minute of loading and not the state) and it is served as it is. Block times come from
    ``clock`` (default: the wall clock)."""
    if existing is None:
        home_ = init_home(
            home,
            chain_id=DEMO_CHAIN_ID,
            suite="sm",
            orgs=list(DEMO_ORGS),
            passphrase=DEMO_PASSPHRASE,
            time_ms=int(time.time() * 1000),
            name=DEMO_NAME,
            settings=NodeSettings(block_interval_ms=0),
        ).home
    else:
        home_ = NodeHome(home)
    node = Node.open(home, validator_key=home_.load_validator_key(DEMO_PASSPHRASE), clock=clock)
    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed below
    producer = BlockProducer(node, interval_ms=0, log=JsonLog(quiet))
    producer.start()
    port = port or free_port()
    app = create_app(node, is_ready=lambda: producer.running)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, name="console-live-node", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    client = WuyiClient(url)
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"the API server did not start on {url}")
            time.sleep(0.05)
        if existing is None:
            made = (load or load_demo_data)(client, home_.keys_dir, home / "docs")
        else:
            made = existing
        # the OpenID4VCI desk (gaj, mzj) and the identity provider (issue #19)
        configure_live(app, home_.keys_dir, url, DEMO_PASSPHRASE)
        yield LiveNode(url, node, client, home_.keys_dir, home / "docs", made)
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=10)
        producer.stop()
        node.close()
        quiet.close()
