"""Event streams (``GET /v1/events``) and the SDK subscription (``wuyi.sdk.events``): filters,
resume from a height or an id with no gap and no duplicate, live delivery, reconnection, and
the bound on a consumer that does not read. The HTTP tests run a real uvicorn server on
127.0.0.1 (SSE does not go through the in-memory transport)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from wuyi.abc import PrivateKey
from wuyi.api.app import create_app
from wuyi.api.events import EventHub, Message, StreamFilter, format_id, parse_id, render_block
from wuyi.crypto import address_of, format_address, load_key
from wuyi.exceptions import ValidationError
from wuyi.node.home import NodeSettings, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer
from wuyi.sdk import TxBuilder
from wuyi.sdk.events import (
    BlockEvent,
    ReceiptEvent,
    StreamEvent,
    TxEvent,
    parse_sse,
    subscribe,
)

PW = "test-passphrase"
ORGS = [OrgSpec("sjj", "江门市政务服务数据管理局", True), OrgSpec("zjj", "江门市住房和城乡建设局")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    node: Node
    url: str
    hub: EventHub
    admins: dict[str, PrivateKey]
    _n: int = 0

    def anchor(self, org: str = "sjj", count: int = 1) -> list[bytes]:
        """Commit ``count`` evidence.anchor transactions, one block each."""
        out = []
        for _ in range(count):
            self._n += 1
            b = TxBuilder(
                self.node.chain.chain_id, self.admins[org], current_height=self.node.height
            )
            doc = self.node.suite.hash(f"doc {self._n} {time.monotonic_ns()}".encode())
            h = self.node.submit(b.anchor(doc, {"title": f"文件 {self._n}"}).to_bytes())
            self.node.wait_for_tx(h, 10)
            out.append(h)
        return out

    def org_create(self, org_id: str) -> None:
        b = TxBuilder(self.node.chain.chain_id, self.admins["sjj"], current_height=self.node.height)
        h = self.node.submit(b.org_create(org_id, f"组织 {org_id}").to_bytes())
        self.node.wait_for_tx(h, 10)

    def expected(self, flt: StreamFilter, after: tuple[int, int], upto: int) -> list[str]:
        """Ids the stream must deliver after ``after`` through height ``upto`` (from the store)."""
        out = []
        with self.node.store.snapshot() as v:
            for h in range(max(0, after[0]), upto + 1):
                out += [
                    m.id for m in render_block(self.node, v, h) if m.pos > after and flt.matches(m)
                ]
        return out


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    res = init_home(
        tmp_path,
        chain_id="events-chain",
        suite="intl",
        orgs=ORGS,
        passphrase=PW,
        time_ms=1_764_201_600_000,
        settings=NodeSettings(block_interval_ms=0),
    )
    admins = {o: load_key(path, PW) for o, (path, _) in res.admin_keys.items()}
    node = Node.open(tmp_path, validator_key=res.home.load_validator_key(PW))
    producer = BlockProducer(node, interval_ms=0)
    producer.start()
    app = create_app(node, is_ready=lambda: producer.running)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield Live(node, f"http://127.0.0.1:{port}", app.state.event_hub, admins)
    finally:
        app.state.event_hub.close()
        server.should_exit = True
        thread.join(10)
        producer.stop()
        node.close()


def take(sub: Any, n: int) -> list[StreamEvent]:
    return [next(sub) for _ in range(n)]


def wait_until(cond: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


# -- ids and filters (no server) --------------------------------------------------------------


def test_ids_round_trip_and_bad_ids_are_refused() -> None:
    assert parse_id(format_id(42, 7)) == (42, 7)
    for bad in ("", "42", "a-1", "1-", "-1", "1-2-3", "99999999999999999999-1"):
        with pytest.raises(ValidationError):
            parse_id(bad)


def _msg(kind: str, *, tx_kind: str | None = None, sender: bytes | None = None,
         contracts: tuple[str, ...] = (), types: tuple[str, ...] = ()) -> Message:  # fmt: skip
    return Message(1, 1, kind, tx_kind, sender, frozenset(contracts), types, "")


def test_filter_semantics() -> None:
    a, b = b"\x01" * 20, b"\x02" * 20
    token_ev = _msg("event", tx_kind="contract.call", sender=a, contracts=("token",),
                    types=("contract:token.Transfer",))  # fmt: skip
    vc_ev = _msg("event", tx_kind="vc.check", sender=b, types=("vc.checked",))
    token_tx = _msg("tx", tx_kind="contract.call", sender=a, contracts=("token",),
                    types=("contract:token.Transfer",))  # fmt: skip
    plain_tx = _msg("tx", tx_kind="evidence.anchor", sender=b, types=("evidence.anchored",))
    block = _msg("block")
    everything = StreamFilter.parse()
    assert all(everything.matches(m) for m in (token_ev, vc_ev, token_tx, plain_tx, block))

    by_type = StreamFilter.parse(type="contract:token.")
    assert by_type.kinds == {"tx", "event"}  # a narrowing filter drops blocks by default
    assert [by_type.matches(m) for m in (token_ev, vc_ev, token_tx, plain_tx, block)] == [
        True, False, True, False, False,
    ]  # fmt: skip
    assert StreamFilter.parse(type="vc.,evidence.").matches(plain_tx)
    assert StreamFilter.parse(type="vc.", kinds="event").matches(vc_ev)
    assert not StreamFilter.parse(type="vc.", kinds="tx").matches(vc_ev)

    by_contract = StreamFilter.parse(contract="token", kinds="block,tx,event")
    assert [by_contract.matches(m) for m in (token_ev, vc_ev, token_tx, plain_tx, block)] == [
        True, False, True, False, True,
    ]  # fmt: skip
    by_sender = StreamFilter.parse(sender=format_address(b))
    assert [by_sender.matches(m) for m in (token_ev, vc_ev, token_tx, plain_tx)] == [
        False, True, False, True,
    ]  # fmt: skip
    by_kind = StreamFilter.parse(tx_kind="evidence.anchor,vc.check", kinds="tx")
    assert [by_kind.matches(m) for m in (vc_ev, token_tx, plain_tx)] == [False, False, True]
    for bad in ({"kinds": "blocks"}, {"sender": "wy1234"}, {"contract": " "}):
        with pytest.raises(ValidationError):
            StreamFilter.parse(**bad)


def test_sse_parser_follows_the_rules() -> None:
    lines = [": comment", "retry: 3000", "", "id: 5-0", "event: block", "data: {\"a\":", "data: 1}",
             "", "data:x", "", "id: 6-1", "event:tx", "data: {}", ""]  # fmt: skip
    msgs = list(parse_sse(iter(lines)))
    assert [(m.event, m.id, m.data) for m in msgs] == [
        ("block", "5-0", '{"a":\n1}'),
        ("message", "5-0", "x"),  # the last id stays (per the spec)
        ("tx", "6-1", "{}"),
    ]


# -- over HTTP --------------------------------------------------------------------------------


def test_message_format_and_history_from_genesis(live: Live) -> None:
    live.anchor(count=2)
    with (
        httpx.Client(base_url=live.url, timeout=10) as c,
        c.stream("GET", "/v1/events", params={"from_height": 0}) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        msgs = []
        for m in parse_sse(r.iter_lines()):
            msgs.append(m)
            if len(msgs) == 7:  # genesis block, then 2 x (block, tx, event)
                break
    assert [(m.event, m.id) for m in msgs] == [
        ("block", "0-0"),
        ("block", "1-0"), ("tx", "1-1"), ("event", "1-2"),
        ("block", "2-0"), ("tx", "2-1"), ("event", "2-2"),
    ]  # fmt: skip
    block, tx, ev = (json.loads(m.data) for m in msgs[1:4])
    assert block["height"] == 1 and block["tx_count"] == 1
    assert block["hash"] == live.node.store.get_block_hash(1).hex()
    sender = format_address(address_of(live.node.suite, live.admins["sjj"].public_key))
    assert tx["kind"] == "evidence.anchor" and tx["status"] == "ok" and tx["sender"] == sender
    assert ev["type"] == "evidence.anchored" and ev["tx_hash"] == tx["tx_hash"]
    assert ev["sender"] == sender and ev["attrs"]


def test_sdk_resume_from_height_and_from_id_has_no_gap_and_no_duplicate(live: Live) -> None:
    live.anchor(count=5)
    top = live.node.height
    everything = StreamFilter.parse()
    with subscribe(live.url, from_height=2, read_timeout=10) as sub:
        want = live.expected(everything, (2, -1), top)
        got = take(sub, len(want))
        assert [e.id for e in got] == want
        last = sub.last_id
    assert last == want[-1]
    # the department's system restarts; meanwhile three more blocks commit
    missed_from = parse_id(got[5].id)
    live.anchor(count=3)
    top2 = live.node.height
    with subscribe(live.url, last_id=got[5].id, read_timeout=10) as sub:
        want2 = live.expected(everything, missed_from, top2)
        got2 = take(sub, len(want2))
    ids2 = [e.id for e in got2]
    assert ids2 == want2
    assert len(set(ids2)) == len(ids2) and got[5].id not in ids2
    types = {type(e) for e in got2}
    assert types == {BlockEvent, TxEvent, ReceiptEvent}
    tx = next(e for e in got2 if isinstance(e, TxEvent))
    assert tx.ok and tx.tx_kind == "evidence.anchor" and tx.sender.startswith("wy")
    # from the newest block itself: replayed, not skipped at the switch to live
    with subscribe(live.url, from_height=top2, read_timeout=3, max_attempts=1) as sub:
        assert next(sub).id == format_id(top2, 0)


def test_filters_over_http(live: Live) -> None:
    live.anchor("sjj", 2)
    live.anchor("zjj", 2)
    live.org_create("rsj")
    top = live.node.height
    zjj = format_address(address_of(live.node.suite, live.admins["zjj"].public_key))
    cases: list[tuple[dict[str, Any], StreamFilter]] = [
        ({"sender": zjj}, StreamFilter.parse(sender=zjj)),
        ({"tx_kind": "org.create"}, StreamFilter.parse(tx_kind="org.create")),
        ({"type": "evidence."}, StreamFilter.parse(type="evidence.")),
        ({"kinds": "block"}, StreamFilter.parse(kinds="block")),
    ]
    for kw, flt in cases:
        want = live.expected(flt, (1, -1), top)
        assert want, kw
        with subscribe(live.url, from_height=1, read_timeout=10, **kw) as sub:
            got = take(sub, len(want))
        assert [e.id for e in got] == want, kw
    zjj_events = live.expected(StreamFilter.parse(sender=zjj, kinds="event"), (1, -1), top)
    assert len(zjj_events) == 2
    r = httpx.get(f"{live.url}/v1/events", params={"kinds": "nope"}, timeout=10)
    assert r.status_code == 400 and r.json()["field"] == "kinds"
    r = httpx.get(f"{live.url}/v1/events", headers={"Last-Event-ID": "x"}, timeout=10)
    assert r.status_code == 400 and r.json()["code"] == "invalid"


def test_live_delivery_after_joining(live: Live) -> None:
    live.anchor(count=1)
    got: list[StreamEvent] = []
    sub = subscribe(live.url, kinds="tx,event", read_timeout=10)

    def consume() -> None:
        got.extend(take(sub, 4))

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    wait_until(lambda: live.hub.subscribers == 1)  # the stream is live before the commits
    start = live.node.height
    live.anchor(count=2)
    t.join(10)
    sub.close()
    assert [(e.kind, e.height) for e in got] == [
        ("tx", start + 1), ("event", start + 1), ("tx", start + 2), ("event", start + 2),
    ]  # fmt: skip


def test_sdk_reconnects_after_the_node_ends_streams(live: Live) -> None:
    live.anchor(count=2)
    sleeps: list[float] = []
    sub = subscribe(live.url, from_height=0, read_timeout=10,
                    sleep=lambda s: (sleeps.append(s), time.sleep(0.05)))  # fmt: skip
    first = take(sub, 7)
    got: list[StreamEvent] = list(first)
    wait_until(lambda: live.hub.subscribers == 1)
    live.hub.close()  # e.g. a shutdown: every stream gets a final 'close' message
    wait_until(lambda: live.hub.streams == 0)
    live.hub.reopen()
    live.anchor(count=2)
    top = live.node.height
    want = live.expected(StreamFilter.parse(), (0, -1), top)
    got += take(sub, len(want) - len(got))
    sub.close()
    assert [e.id for e in got] == want
    assert sub.closes.get("shutdown") == 1 and sub.reconnects >= 1
    assert all(s <= 30.0 for s in sleeps)


def test_too_many_streams_is_a_503_problem(live: Live) -> None:
    live.hub.max_streams = 0
    r = httpx.get(f"{live.url}/v1/events", timeout=10)
    assert r.status_code == 503 and r.json()["code"] == "too_many_streams"


# -- the bound on a consumer that does not read (the hub, no HTTP) -----------------------------


def test_slow_consumer_is_cut_off_with_a_final_message(live: Live) -> None:
    hub = EventHub(live.node, queue_limit=5, heartbeat_s=30)

    async def main() -> list[str]:
        stream = hub.stream(StreamFilter.parse(), after=None)
        chunks = [await stream.__anext__()]  # "retry:" line
        first = asyncio.create_task(stream.__anext__())  # joins live, waits for a commit
        for _ in range(200):
            if hub.subscribers:
                break
            await asyncio.sleep(0.01)
        assert hub.subscribers == 1
        sub = next(iter(hub._subs))
        await asyncio.to_thread(live.anchor, "sjj", 1)
        chunks.append(await first)  # the consumer read one block, then stops reading
        longest = 0
        for _ in range(10):  # 10 more blocks x 3 messages, nobody reading
            await asyncio.to_thread(live.anchor, "sjj", 1)
            await asyncio.sleep(0.02)
            longest = max(longest, len(sub.queue))
        for _ in range(300):
            if hub.cut_off:
                break
            await asyncio.sleep(0.01)
        assert longest <= 5 and len(sub.queue) == 0  # bounded, then dropped at once
        assert hub.subscribers == 0
        chunks += [c async for c in stream]
        return chunks

    chunks = asyncio.run(main())
    assert hub.cut_off == 1
    close = [m for m in parse_sse(iter("".join(chunks).split("\n"))) if m.event == "close"]
    assert len(close) == 1
    body = json.loads(close[0].data)
    assert body["reason"] == "slow_consumer"
    assert body["last_id"] == format_id(live.node.height - 10, 2)  # the last one it was sent
    assert hub.streams == 0
