"""Event streams: ``GET /v1/events``, server-sent events of committed blocks, transactions and
the events in their receipts, filterable and resumable (``docs/api.md``, "Event streams").

Every message is one SSE frame::

    id: 42-3
    event: tx
    data: {"height": 42, "index": 1, "tx_hash": "…", "kind": "contract.call", …}

``id`` is ``<height>-<seq>``: ``seq`` numbers the messages of one block in a fixed order (0 the
block, then each transaction followed by its events), counted before any filter, so an id names
one place in the chain for every subscriber. A client that reconnects with ``Last-Event-ID``
(or ``from_height=N``) is first served the history from the store, then joins the live feed
with no gap and no duplicate.

How it is built (``EventHub``):

* The node calls :meth:`EventHub._on_commit` from its committing thread; that call only records
  that something new is stored and wakes the hub's *pump* on the event loop (no rendering on
  the commit path, nothing queued per block).
* The pump renders each newly committed block once (in a worker thread, from the store) and
  offers the messages to every live subscriber's queue, filtered.
* A subscriber first *replays* from the store in pages (``page_blocks`` blocks per read) at the
  pace of its own connection, then registers for live delivery at exactly the height the pump
  has reached (a check on the event loop, so nothing slips between the two).
* A live queue holds at most ``queue_limit`` messages. A subscriber that cannot keep up is cut
  off: its queue is dropped at once and it gets a final ``close`` message with reason
  ``slow_consumer`` and the last id it received; reconnecting with that id resumes from the
  store. Heartbeat comments (``: ping``) keep idle connections open through proxies.

Plain ``StreamingResponse`` is used rather than ``sse-starlette``: the framing is a few lines,
the bounded queues, the final message and shutdown are ours anyway, and no module-global state
ties streams to one event loop (several nodes run in one test process).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any, Final

from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from wuyi.api.reads import SIGNED_READ_RESPONSES, Reads
from wuyi.api.wire import hexify, parse_address
from wuyi.crypto import address_of, format_address
from wuyi.exceptions import ValidationError, WuyiError
from wuyi.ledger.types import Transaction
from wuyi.node.node import Node

__all__ = [
    "KINDS",
    "EventHub",
    "StreamFilter",
    "TooManyStreams",
    "add_event_routes",
    "format_id",
    "parse_id",
]

KINDS: Final = ("block", "tx", "event")
END: Final = 1 << 62
"""``seq`` meaning "after every message of this height"."""

QUEUE_LIMIT: Final = 10_000
PAGE_BLOCKS: Final = 32
PAGE_MESSAGES: Final = 2_000
HEARTBEAT_S: Final = 15.0
MAX_STREAMS: Final = 256
RETRY_MS: Final = 3_000
CHUNK_BYTES: Final = 64 * 1024


class TooManyStreams(WuyiError):
    code = "too_many_streams"
    http_status = 503


def _register_problem() -> None:
    with contextlib.suppress(ImportError):  # the problem-type registry of wuyi.api.problems
        from wuyi.api.problems import PROBLEMS

        PROBLEMS.setdefault(
            "too_many_streams",
            (503, "The node serves as many event streams as it allows; retry later."),
        )


_register_problem()


def format_id(height: int, seq: int) -> str:
    return f"{height}-{seq}"


def parse_id(text: str) -> tuple[int, int]:
    """``"<height>-<seq>"`` -> ``(height, seq)``; raises :class:`ValidationError`."""
    h, sep, s = text.strip().partition("-")
    if not sep or not h.isdigit() or not s.isdigit() or len(h) > 18 or len(s) > 18:
        raise ValidationError(
            f"event id '{text[:40]}' must be <height>-<seq>, as sent in the stream",
            field="Last-Event-ID",
        )
    return int(h), int(s)


# -- messages --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered stream message and what filters look at."""

    height: int
    seq: int
    kind: str
    tx_kind: str | None
    sender: bytes | None
    contracts: frozenset[str]
    types: tuple[str, ...]
    frame: str

    @property
    def pos(self) -> tuple[int, int]:
        return (self.height, self.seq)

    @property
    def id(self) -> str:
        return format_id(self.height, self.seq)


def _frame(kind: str, height: int, seq: int, data: dict[str, Any]) -> str:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {height}-{seq}\nevent: {kind}\ndata: {body}\n\n"


def _emitter(event_type: str) -> str | None:
    """``contract:<name>.<event>`` -> ``<name>``."""
    if event_type.startswith("contract:"):
        name = event_type[len("contract:") :].partition(".")[0]
        return name or None
    return None


def render_block(node: Node, view: Any, height: int) -> list[Message]:
    """The messages of block ``height`` in stream order, read from ``view`` (a StoreView)."""
    block = view.get_block(height)
    header = block.header
    receipts = view.get_receipts(height) if height > 0 else []
    out = [
        Message(
            height,
            0,
            "block",
            None,
            None,
            frozenset(),
            (),
            _frame(
                "block",
                height,
                0,
                {
                    "height": height,
                    "hash": view.get_block_hash(height).hex(),
                    "prev_hash": header.prev_hash.hex(),
                    "time": header.time,
                    "tx_count": len(block.txs),
                    "proposer": header.proposer.hex(),
                    "state_root": header.state_root.hex(),
                },
            ),
        )
    ]
    seq = 1
    for index, (raw, rc) in enumerate(zip(block.txs, receipts, strict=True)):
        tx = Transaction.from_bytes(raw, checked=True)  # stored bytes were checked once
        sender = address_of(node.suite, tx.sender)
        sender_text = format_address(sender)
        payload = tx.payload if isinstance(tx.payload, dict) else {}
        tx_contract = payload.get("contract") if tx.kind.startswith("contract.") else None
        if not isinstance(tx_contract, str):
            tx_contract = None
        types = tuple(e.type for e in rc.events)
        emitters = {n for n in (_emitter(t) for t in types) if n is not None}
        tx_contracts = frozenset(emitters | ({tx_contract} if tx_contract else set()))
        tx_data: dict[str, Any] = {
            "height": height,
            "index": index,
            "tx_hash": rc.tx_hash.hex(),
            "kind": tx.kind,
            "sender": sender_text,
            "status": rc.status,
            "error": rc.error,
            "gas_used": rc.gas_used,
            "time": header.time,
            "events": len(rc.events),
        }
        if tx_contract is not None:
            tx_data["contract"] = tx_contract
            method = payload.get("method")
            if isinstance(method, str):
                tx_data["method"] = method
        out.append(
            Message(
                height,
                seq,
                "tx",
                tx.kind,
                sender,
                tx_contracts,
                types,
                _frame("tx", height, seq, tx_data),
            )
        )
        seq += 1
        for ei, ev in enumerate(rc.events):
            emitter = _emitter(ev.type)
            contract = emitter or tx_contract
            ev_contracts = frozenset(n for n in (emitter, tx_contract) if n is not None)
            out.append(
                Message(
                    height,
                    seq,
                    "event",
                    tx.kind,
                    sender,
                    ev_contracts,
                    (ev.type,),
                    _frame(
                        "event",
                        height,
                        seq,
                        {
                            "height": height,
                            "index": index,
                            "event_index": ei,
                            "tx_hash": rc.tx_hash.hex(),
                            "tx_kind": tx.kind,
                            "sender": sender_text,
                            "type": ev.type,
                            "contract": contract,
                            "attrs": hexify(ev.attrs),
                        },
                    ),
                )
            )
            seq += 1
    return out


# -- filters ---------------------------------------------------------------------------------


def _split(text: str | None) -> list[str]:
    if text is None:
        return []
    return [p.strip() for p in text.split(",") if p.strip()]


@dataclass(frozen=True, slots=True)
class StreamFilter:
    """Which messages a subscriber wants.

    ``kinds`` selects message kinds. ``types`` (event type prefixes), ``contract``, ``sender``
    and ``tx_kinds`` select transactions and events: an event matches on its own type, a
    transaction when one of its events does; ``contract`` matches the contract a transaction
    calls or that emitted the event. Block messages pass these four (they mark progress); when
    any of them is given and ``kinds`` is not, kinds default to ``tx,event``.
    """

    kinds: frozenset[str] = frozenset(KINDS)
    types: tuple[str, ...] = ()
    contract: str | None = None
    sender: bytes | None = None
    tx_kinds: frozenset[str] | None = None

    @classmethod
    def parse(
        cls,
        *,
        kinds: str | None = None,
        type: str | None = None,
        contract: str | None = None,
        sender: str | None = None,
        tx_kind: str | None = None,
    ) -> StreamFilter:
        types = tuple(_split(type))
        tx_kinds = frozenset(_split(tx_kind)) or None
        narrowed = bool(types or contract or sender or tx_kinds)
        ks = _split(kinds)
        for k in ks:
            if k not in KINDS:
                raise ValidationError(
                    f"kinds: unknown kind '{k}'; use {','.join(KINDS)}", field="kinds"
                )
        if ks:
            kind_set = frozenset(ks)
        else:
            kind_set = frozenset(("tx", "event")) if narrowed else frozenset(KINDS)
        if contract is not None and not contract.strip():
            raise ValidationError("contract: empty name", field="contract")
        return cls(
            kinds=kind_set,
            types=types,
            contract=contract.strip() if contract else None,
            sender=parse_address(sender) if sender else None,
            tx_kinds=tx_kinds,
        )

    def matches(self, m: Message) -> bool:
        if m.kind not in self.kinds:
            return False
        if m.kind == "block":
            return True
        if self.sender is not None and m.sender != self.sender:
            return False
        if self.tx_kinds is not None and m.tx_kind not in self.tx_kinds:
            return False
        if self.contract is not None and self.contract not in m.contracts:
            return False
        return not self.types or any(t.startswith(p) for t in m.types for p in self.types)


# -- the hub ---------------------------------------------------------------------------------


class _Subscriber:
    """A live subscriber: a bounded queue filled by the pump (on the event loop)."""

    __slots__ = ("cursor", "filter", "limit", "queue", "reason", "wake")

    def __init__(self, flt: StreamFilter, cursor: tuple[int, int], limit: int) -> None:
        self.filter = flt
        self.cursor = cursor
        self.limit = limit
        self.queue: deque[Message] = deque()
        self.reason: str | None = None
        self.wake = asyncio.Event()

    def offer(self, msgs: Iterable[Message]) -> bool:
        """Queue what matches; ``False`` if the queue overflowed (the subscriber is cut off)."""
        if self.reason is not None:
            return False
        for m in msgs:
            if m.pos <= self.cursor:
                continue
            self.cursor = m.pos
            if not self.filter.matches(m):
                continue
            if len(self.queue) >= self.limit:
                self.queue.clear()
                self.reason = "slow_consumer"
                self.wake.set()
                return False
            self.queue.append(m)
        if self.queue:
            self.wake.set()
        return True

    def close(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        self.wake.set()


def _close_frame(reason: str, detail: str, last_id: str | None) -> str:
    body = json.dumps(
        {"reason": reason, "detail": detail, "last_id": last_id},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return f"event: close\ndata: {body}\n\n"


_CLOSE_DETAIL = {
    "slow_consumer": "the client did not keep up; reconnect with Last-Event-ID to resume",
    "shutdown": "the node is shutting down; reconnect with Last-Event-ID to resume",
}


class EventHub:
    """Fans committed blocks out to event-stream subscribers (see the module docstring)."""

    def __init__(
        self,
        node: Node,
        *,
        queue_limit: int = QUEUE_LIMIT,
        page_blocks: int = PAGE_BLOCKS,
        page_messages: int = PAGE_MESSAGES,
        heartbeat_s: float = HEARTBEAT_S,
        max_streams: int = MAX_STREAMS,
    ) -> None:
        self.node = node
        self.queue_limit = queue_limit
        self.page_blocks = page_blocks
        self.page_messages = page_messages
        self.heartbeat_s = heartbeat_s
        self.max_streams = max_streams
        self.streams = 0
        """Open streams (replaying or live)."""
        self.cut_off = 0
        """Subscribers disconnected as slow consumers since start."""
        self._subs: set[_Subscriber] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._pumped = -1
        self._kicked = threading.Event()
        self._closed = False
        node.add_listener(self._on_commit)

    # -- commit side (any thread) -------------------------------------------------------------

    def _on_commit(self, block: Any, receipts: Any) -> None:
        loop = self._loop
        if loop is None or self._kicked.is_set():
            return
        self._kicked.set()
        with contextlib.suppress(RuntimeError):  # loop closed: nobody is listening
            loop.call_soon_threadsafe(self._kick)

    # -- event loop side ----------------------------------------------------------------------

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is loop and self._pump_task is not None and not self._pump_task.done():
            return
        self._loop = loop
        self._wake = asyncio.Event()
        self._subs.clear()
        self._pumped = self.node.store.height
        self._kicked.clear()
        self._pump_task = loop.create_task(self._pump(), name="wuyi-events-pump")

    def _kick(self) -> None:
        self._kicked.clear()
        if self._wake is not None:
            self._wake.set()

    async def _pump(self) -> None:
        assert self._wake is not None
        wake = self._wake
        while True:
            await wake.wait()
            wake.clear()
            while not self._closed:
                top = self.node.store.height
                if self._pumped >= top:
                    break
                if not self._subs:
                    self._pumped = top
                    break
                lo = self._pumped + 1
                hi, msgs = await run_in_threadpool(self._render_page, lo, top)
                for sub in list(self._subs):
                    if not sub.offer(msgs):
                        self._subs.discard(sub)
                        if sub.reason == "slow_consumer":
                            self.cut_off += 1
                self._pumped = hi

    def _render_page(self, lo: int, top: int) -> tuple[int, list[Message]]:
        """Blocks ``lo..`` (at most ``page_blocks``, stopping once ``page_messages`` are
        reached, at least one block) from one store snapshot; the last height rendered."""
        out: list[Message] = []
        h = lo
        with self.node.store.snapshot() as view:
            top = min(top, view.height)
            while h <= top and h < lo + self.page_blocks:
                out.extend(render_block(self.node, view, h))
                if len(out) >= self.page_messages:
                    break
                h += 1
            else:
                h -= 1
        return h, out

    def close(self) -> None:
        """End every stream with a ``close`` message (reason ``shutdown``); new streams are
        refused. Safe to call from any thread."""
        self._closed = True
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._close_all()
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._close_all)

    def _close_all(self) -> None:
        for sub in list(self._subs):
            sub.close("shutdown")
        self._subs.clear()
        if self._wake is not None:
            self._wake.set()

    def reopen(self) -> None:
        """Accept streams again after :meth:`close` (tests)."""
        self._closed = False

    def admit(self) -> None:
        """Raise :class:`TooManyStreams` if no stream may be opened now."""
        if self._closed:
            raise TooManyStreams("the node is shutting down; retry on another node or later")
        if self.streams >= self.max_streams:
            raise TooManyStreams(
                f"this node serves {self.streams} event streams, the most it allows; retry later"
            )

    async def stream(self, flt: StreamFilter, after: tuple[int, int] | None) -> AsyncIterator[str]:
        """SSE text for one subscriber: history after ``after`` (``None``: only what commits
        from now on), then live messages, heartbeats, and a final ``close`` message."""
        self._bind()
        self.streams += 1
        sub: _Subscriber | None = None
        last_id: str | None = None
        try:
            yield f"retry: {RETRY_MS}\n\n"
            if after is None:
                after = (self._pumped, END)
            # -- replay from the store, page by page, at the pace of this connection
            while True:
                if self._closed:
                    yield _close_frame("shutdown", _CLOSE_DETAIL["shutdown"], last_id)
                    return
                nh = after[0] + 1 if after[1] >= END else after[0]
                if nh > self._pumped:  # on the loop: the pump delivers every height after this
                    sub = _Subscriber(flt, after, self.queue_limit)
                    self._subs.add(sub)
                    break
                hi, msgs = await run_in_threadpool(self._render_page, nh, self._pumped)
                chunk: list[str] = []
                size = 0
                for m in msgs:
                    if m.pos > after and flt.matches(m):
                        chunk.append(m.frame)
                        size += len(m.frame)
                        last_id = m.id
                        if size >= CHUNK_BYTES:
                            yield "".join(chunk)
                            chunk, size = [], 0
                if chunk:
                    yield "".join(chunk)
                after = (hi, END)
            # -- live
            while True:
                if sub.queue:
                    chunk = []
                    size = 0
                    while sub.queue and size < CHUNK_BYTES:
                        m = sub.queue.popleft()
                        chunk.append(m.frame)
                        size += len(m.frame)
                        last_id = m.id
                    yield "".join(chunk)
                    continue
                if sub.reason is not None:
                    yield _close_frame(
                        sub.reason, _CLOSE_DETAIL.get(sub.reason, sub.reason), last_id
                    )
                    return
                sub.wake.clear()
                try:
                    await asyncio.wait_for(sub.wake.wait(), self.heartbeat_s)
                except TimeoutError:
                    yield ": ping\n\n"
        finally:
            self.streams -= 1
            if sub is not None:
                self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        """Live subscribers (those past their replay)."""
        return len(self._subs)


# -- the route -------------------------------------------------------------------------------

_SSE_DOC = """Server-sent events of committed blocks (`event: block`), transactions (`event: tx`)
and receipt events (`event: event`); see docs/api.md, "Event streams". Without `from_height`
or `Last-Event-ID` only what commits from now on is sent. Each message's `id` is
`<height>-<seq>`; reconnect with `Last-Event-ID` to resume with no gap and no duplicate. A
final `event: close` message says why the node ended the stream (`slow_consumer`,
`shutdown`)."""


def add_event_routes(
    app: FastAPI, node: Node, reads: Reads | None = None, **options: Any
) -> EventHub:
    """Serve ``GET /v1/events`` on ``app``; ``options`` go to :class:`EventHub`. The hub is
    also ``app.state.event_hub`` (the node service closes it at shutdown). The stream is an
    explorer read (``reads``: signed by a member when ``[api] public_explorer = false``)."""
    hub = EventHub(node, **options)
    app.state.event_hub = hub

    @app.get(
        "/v1/events",
        tags=["events"],
        summary="事件流 / server-sent events: blocks, transactions, receipt events",
        description=_SSE_DOC,
        response_class=StreamingResponse,
        responses={
            200: {"content": {"text/event-stream": {}}, "description": "the event stream"},
            503: {"description": "too many streams (problem document)"},
            **SIGNED_READ_RESPONSES,
        },
    )
    async def events(
        request: Request,
        kinds: str | None = Query(None, description="comma list of block, tx, event"),
        type: str | None = Query(
            None, description="event type prefixes, comma list (e.g. `contract:token.`, `vc.`)"
        ),
        contract: str | None = Query(None, description="contract name"),
        sender: str | None = Query(None, description="sender address (wy…)"),
        tx_kind: str | None = Query(None, description="transaction kinds, comma list"),
        from_height: int | None = Query(None, ge=0, description="replay from this height"),
        last_event_id: str | None = Header(
            None, alias="Last-Event-ID", description="resume after this id (wins over from_height)"
        ),
    ) -> StreamingResponse:
        if reads is not None and not reads.public_explorer:
            await run_in_threadpool(reads.explorer, request, "the event stream", "events")
        flt = StreamFilter.parse(
            kinds=kinds, type=type, contract=contract, sender=sender, tx_kind=tx_kind
        )
        after: tuple[int, int] | None = None
        if last_event_id:
            after = parse_id(last_event_id)
        elif from_height is not None:
            after = (from_height, -1)
        hub.admit()
        return StreamingResponse(
            hub.stream(flt, after),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return hub
