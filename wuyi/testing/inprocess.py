"""A one-validator node in this process with its REST API behind an SDK client — for tests of
flows that go through the API (identity, data sharing, the demo data) without sockets."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from wuyi.abc import Clock, PrivateKey
from wuyi.api.app import create_app
from wuyi.node.home import NodeHome, NodeSettings, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer
from wuyi.scenarios import Scenario
from wuyi.sdk import WuyiClient

__all__ = ["InProcessNode", "MovableClock", "inprocess_node"]


class MovableClock:
    """The wall clock plus an offset a test moves forward (never back), so that a node's next
    block time passes a window's end without the test sleeping until then. Block times stay
    non-decreasing: the offset only grows."""

    def __init__(self) -> None:
        self._offset_ms = 0
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            return int(time.time() * 1000) + self._offset_ms

    def advance_to(self, ms: int) -> None:
        """From now on :meth:`now_ms` is past ``ms`` (the next block's time is at least that)."""
        with self._lock:
            left = ms - (int(time.time() * 1000) + self._offset_ms)
            if left >= 0:
                self._offset_ms += left + 1


@dataclass
class InProcessNode:
    client: WuyiClient
    node: Node
    keys_dir: Path
    transport: httpx.MockTransport
    orgs: Sequence[OrgSpec] = ()
    passphrase: str = "test-passphrase"
    app: Any = None  # the FastAPI app (e.g. to configure the OpenID4VCI desk, issue #19)
    _registrar: PrivateKey | None = field(default=None, repr=False)

    def new_client(self) -> WuyiClient:
        """Another client of the same node (e.g. for a second party)."""
        return WuyiClient("http://node", transport=self.transport)

    def admin(self, org: str) -> PrivateKey:
        """The admin key of founding organisation ``org`` (``keys_dir/<org>-admin.key``)."""
        from wuyi.crypto import load_key

        return load_key(self.keys_dir / f"{org}-admin.key", self.passphrase)

    def registrar(self) -> PrivateKey:
        """A member with role ``did_registrar`` of the operator organisation, which governance
        (every other founding organisation voting yes) made a DID registrar; made once."""
        if self._registrar is None:
            operator = next(o.id for o in self.orgs if o.operator)
            c = self.client
            admin = self.admin(operator)
            voters = [self.admin(o.id) for o in self.orgs if o.id != operator]
            c.govern(
                admin,
                voters,
                "did.set_registrar",
                {"org": operator, "enabled": True},
                title="DID registrar",
            )
            key = c.suite.generate_private_key()
            tx = c.builder(admin).member_add(operator, key.public_key, ["did_registrar"], "DID")
            assert c.submit_and_wait(tx).receipt.status == "ok"
            self._registrar = key
        return self._registrar

    def register_did(self, key: PrivateKey) -> str:
        """Register the DID of citizen key ``key`` through :meth:`registrar`; the DID."""
        from wuyi.sdk.identity import Identity

        return Identity(self.client).register_did(self.registrar(), key)


@contextmanager
def inprocess_node(
    home: Path,
    orgs: Sequence[OrgSpec],
    *,
    suite: str = "sm",
    chain_id: str = "test-chain",
    passphrase: str = "test-passphrase",
    time_ms: int = 1_764_201_600_000,
    name: str = "test chain",
    public_explorer: bool = True,
    scenarios: Sequence[Scenario] | None = None,
    clock: Clock | None = None,
    existing: bool = False,
) -> Iterator[InProcessNode]:
    """Create a chain in ``home`` with ``orgs`` (admin keys in ``keys_dir/<org>-admin.key``
    under ``passphrase``), produce blocks as soon as transactions arrive, and serve the API to
    the returned client through an in-memory transport (with the routes and pages of
    ``scenarios``; default: the registry's). Block times come from ``clock`` (default: the
    wall clock; a :class:`MovableClock` lets a test pass a window without sleeping). With
    ``existing``, ``home`` already holds a chain made here (e.g. a copy of one that took a
    minute to load, so that modules share the loading and not the state): it is opened as it
    is, and the arguments that make a chain are not used."""
    from starlette.exceptions import StarletteDeprecationWarning

    with warnings.catch_warnings():  # starlette prefers httpx2; the project uses httpx
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from starlette.testclient import TestClient

    if existing:
        home_ = NodeHome(home)
    else:
        home_ = init_home(
            home,
            chain_id=chain_id,
            suite=suite,
            orgs=list(orgs),
            passphrase=passphrase,
            time_ms=time_ms,
            name=name,
            settings=NodeSettings(block_interval_ms=0),
        ).home
    node = Node.open(home, validator_key=home_.load_validator_key(passphrase), clock=clock)
    producer = BlockProducer(node, interval_ms=0)
    producer.start()
    try:
        app = create_app(node, public_explorer=public_explorer, scenarios=scenarios)
        with TestClient(app) as tc:

            def handle(request: httpx.Request) -> httpx.Response:
                r = tc.request(
                    request.method,
                    request.url.path,
                    params=request.url.params,
                    content=request.content,
                    headers=dict(request.headers),
                )
                return httpx.Response(r.status_code, content=r.content, headers=r.headers)

            transport = httpx.MockTransport(handle)
            yield InProcessNode(
                WuyiClient("http://node", transport=transport),
                node,
                home_.keys_dir,
                transport,
                tuple(orgs),
                passphrase,
                app,
            )
    finally:
        producer.stop()
        node.close()
