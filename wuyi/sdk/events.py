"""Subscribe to a node's event stream (``GET /v1/events``) and never miss a message.

::

    from wuyi.sdk.events import subscribe

    with subscribe("http://127.0.0.1:8600", last_id=load_checkpoint(), type="evidence.") as sub:
        for ev in sub:                      # BlockEvent | TxEvent | ReceiptEvent
            handle(ev)
            save_checkpoint(ev.id)          # after a restart, subscribe(..., last_id=...)

The iterator reconnects by itself when the connection drops, the node restarts or the node
ends the stream (``close`` message: ``slow_consumer``, ``shutdown``), with a bounded
exponential backoff (0.5 s doubling to ``max_backoff``, with jitter), and resumes after the last
message it handed out (``Last-Event-ID``): the node replays what was missed from its store, so
the sequence has no gap and no duplicate. Without ``from_height`` or ``last_id`` it starts
after the chain's current height (asked from ``/v1/status``), so even a drop before the first
message loses nothing. Errors of the request itself (a bad filter: 4xx) are raised, not retried.

The SSE parser here follows the WHATWG rules (``id``, ``event``, ``data``, ``retry``,
comments) in a few lines, so the SDK needs nothing beyond ``httpx``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import httpx

from wuyi.exceptions import WuyiError

__all__ = [
    "BlockEvent",
    "ReceiptEvent",
    "StreamClosed",
    "StreamEvent",
    "Subscription",
    "TxEvent",
    "parse_sse",
    "subscribe",
]

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class StreamClosed(WuyiError):
    """The subscription gave up (``max_attempts`` reconnects in a row failed)."""

    code = "stream_closed"
    http_status = 503


@dataclass(frozen=True, kw_only=True)
class StreamEvent:
    """One message of the stream: ``id`` is ``<height>-<seq>`` (resume after it)."""

    id: str
    height: int
    seq: int
    data: dict[str, Any] = field(repr=False)

    @property
    def kind(self) -> str:
        return "message"


@dataclass(frozen=True, kw_only=True)
class BlockEvent(StreamEvent):
    hash: str
    prev_hash: str
    time: int
    tx_count: int
    proposer: str
    state_root: str

    @property
    def kind(self) -> str:
        return "block"


@dataclass(frozen=True, kw_only=True)
class TxEvent(StreamEvent):
    index: int
    tx_hash: str
    tx_kind: str
    sender: str
    status: str
    error: str
    gas_used: int
    time: int
    events: int
    contract: str | None = None
    method: str | None = None

    @property
    def kind(self) -> str:
        return "tx"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True, kw_only=True)
class ReceiptEvent(StreamEvent):
    """An event from a transaction's receipt (``evidence.anchored``,
    ``contract:token.Transfer``, ``vc.checked`` ...)."""

    index: int
    event_index: int
    tx_hash: str
    tx_kind: str
    sender: str
    type: str
    contract: str | None
    attrs: dict[str, Any]

    @property
    def kind(self) -> str:
        return "event"


@dataclass(frozen=True)
class SSEMessage:
    event: str
    data: str
    id: str | None
    retry: int | None


def parse_sse(lines: Iterator[str]) -> Iterator[SSEMessage]:
    """Server-sent events from text lines (without their line ends), per the WHATWG rules."""
    event, last_id, retry = "", None, None
    data: list[str] = []
    for line in lines:
        if line == "":
            if data or event:
                yield SSEMessage(event or "message", "\n".join(data), last_id, retry)
            event, data, retry = "", [], None
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id" and "\0" not in value:
            last_id = value
        elif name == "retry" and value.isdigit():
            retry = int(value)


def _position(event_id: str) -> tuple[int, int]:
    h, _, s = event_id.partition("-")
    return int(h), int(s)


# The message types the stream sends and the class of each; a field of the class is the data
# field of the same name (read with ``.get`` when it may be ``None``), but for those renamed here.
_EVENT_CLASSES: dict[str, type[StreamEvent]] = {
    "block": BlockEvent,
    "tx": TxEvent,
    "event": ReceiptEvent,
}
_DATA_NAMES: dict[tuple[type[StreamEvent], str], str] = {(TxEvent, "tx_kind"): "kind"}
_MESSAGE_FIELDS = frozenset(f.name for f in fields(StreamEvent))


def _typed(msg: SSEMessage) -> StreamEvent | None:
    import json

    cls = _EVENT_CLASSES.get(msg.event)
    if msg.id is None or cls is None:
        return None
    d = json.loads(msg.data)
    height, seq = _position(msg.id)
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in _MESSAGE_FIELDS:
            continue
        name = _DATA_NAMES.get((cls, f.name), f.name)
        values[f.name] = d.get(name) if "None" in str(f.type) else d[name]
    return cls(id=msg.id, height=height, seq=seq, data=d, **values)


def _join(value: str | list[str] | tuple[str, ...] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


class Subscription:
    """An iterator of :class:`StreamEvent` that reconnects and resumes; see :func:`subscribe`.

    ``last_id`` is the id of the last message handed out (save it to resume after a restart);
    ``reconnects`` counts the reconnections; ``closes`` the ``close`` messages received, by
    reason.
    """

    def __init__(
        self,
        source: Any,
        *,
        from_height: int | None = None,
        last_id: str | None = None,
        params: dict[str, str],
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        read_timeout: float = 60.0,
        max_attempts: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if isinstance(source, str):
            self._http = httpx.Client(base_url=source.rstrip("/"))
            self._own = True
        elif isinstance(source, httpx.Client):
            self._http, self._own = source, False
        else:  # a WuyiClient: reuse its connection settings (base URL, transport)
            http = getattr(source, "_http", None)
            if not isinstance(http, httpx.Client):
                raise TypeError("subscribe() takes a node URL, a WuyiClient or an httpx.Client")
            self._http, self._own = http, False
        # a WuyiClient reading as a member (read_as): sign each connection, as a node with
        # [api] public_explorer = false asks (docs/api.md, signed reads)
        self._reader: Any = getattr(source, "_reader", None)
        self._chain_id: Callable[[], str] | None = (
            (lambda: source._chain().chain_id) if self._reader is not None else None
        )
        self.from_height = from_height
        self.last_id = last_id
        self.params = params
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.reconnects = 0
        self.closes: dict[str, int] = {}
        self._sleep = sleep
        self._last_pos: tuple[int, int] | None = None if last_id is None else _position(last_id)
        self._gen: Generator[StreamEvent, None, None] | None = None
        self._closed = False

    def __iter__(self) -> Iterator[StreamEvent]:
        return self

    def __next__(self) -> StreamEvent:
        if self._gen is None:
            self._gen = self._run()
        return next(self._gen)

    def close(self) -> None:
        self._closed = True
        if self._gen is not None:
            self._gen.close()
        if self._own:
            self._http.close()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start_height(self) -> int:
        r = self._http.get("/v1/status")
        if r.status_code >= 400:
            from wuyi.sdk.client import raise_problem

            raise_problem(r)
        return int(r.json()["height"]) + 1

    def _request(self) -> tuple[dict[str, str], dict[str, str]]:
        params = dict(self.params)
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.last_id is not None:
            headers["Last-Event-ID"] = self.last_id
        else:
            if self.from_height is None:
                self.from_height = self._start_height()
            params["from_height"] = str(self.from_height)
        if self._reader is not None and self._chain_id is not None:
            from wuyi.sdk.auth import signed_headers

            key, purpose = self._reader
            params["purpose"] = purpose
            path = self._http.base_url.path.rstrip("/") + "/v1/events"
            headers.update(signed_headers(key, self._chain_id(), "GET", path, params, b""))
        return params, headers

    def _run(self) -> Generator[StreamEvent, None, None]:
        failures = 0
        while not self._closed:
            got = False
            try:
                params, headers = self._request()
                timeout = httpx.Timeout(10.0, read=self.read_timeout)
                with self._http.stream(
                    "GET", "/v1/events", params=params, headers=headers, timeout=timeout
                ) as resp:
                    if resp.status_code >= 400:
                        resp.read()
                        if resp.status_code not in RETRYABLE_STATUS:
                            from wuyi.sdk.client import raise_problem

                            raise_problem(resp)
                    else:
                        for msg in parse_sse(resp.iter_lines()):
                            if msg.event == "close":
                                reason = _close_reason(msg.data)
                                self.closes[reason] = self.closes.get(reason, 0) + 1
                                break
                            ev = _typed(msg)
                            if ev is None:
                                continue
                            pos = (ev.height, ev.seq)
                            if self._last_pos is not None and pos <= self._last_pos:
                                continue  # never hand out a message twice
                            self._last_pos = pos
                            self.last_id = ev.id
                            got = True
                            failures = 0
                            yield ev
            except (httpx.TransportError, httpx.StreamError):
                pass  # dropped: reconnect below
            if self._closed:
                return
            failures = 0 if got else failures + 1
            if self.max_attempts is not None and failures > self.max_attempts:
                raise StreamClosed(
                    f"event stream: {failures} reconnect attempts in a row failed;"
                    f" resume later from last_id {self.last_id}"
                )
            self.reconnects += 1
            self._sleep(self._backoff(failures))

    def _backoff(self, failures: int) -> float:
        if failures <= 0:
            return min(self.initial_backoff, self.max_backoff) * 0.2
        base = min(self.max_backoff, self.initial_backoff * (2 ** min(failures - 1, 16)))
        return base * (0.5 + random.random() / 2)


def _close_reason(data: str) -> str:
    import json

    try:
        return str(json.loads(data).get("reason") or "closed")
    except (ValueError, AttributeError):
        return "closed"


def subscribe(
    client_or_url: Any,
    *,
    from_height: int | None = None,
    last_id: str | None = None,
    kinds: str | list[str] | tuple[str, ...] | None = None,
    type: str | list[str] | tuple[str, ...] | None = None,
    contract: str | None = None,
    sender: str | None = None,
    tx_kind: str | list[str] | tuple[str, ...] | None = None,
    initial_backoff: float = 0.5,
    max_backoff: float = 30.0,
    read_timeout: float = 60.0,
    max_attempts: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Subscription:
    """Subscribe to ``GET /v1/events`` of a node (URL, :class:`~wuyi.sdk.WuyiClient` or an
    ``httpx.Client`` with a ``base_url``).

    ``from_height`` replays from that height; ``last_id`` resumes after a saved message id (it
    wins). Filters as in ``docs/api.md``: ``kinds`` (``block``, ``tx``, ``event``), ``type``
    (event type prefixes such as ``"contract:token."`` or ``"vc."``), ``contract``, ``sender``
    (a ``wy…`` address), ``tx_kind``. ``max_attempts``: give up (:class:`StreamClosed`) after
    that many failed reconnects in a row (default: never). ``read_timeout`` must exceed the
    node's heartbeat (15 s): a silent connection is taken as dropped.
    """
    params: dict[str, str] = {}
    for name, value in (
        ("kinds", _join(kinds)),
        ("type", _join(type)),
        ("contract", contract),
        ("sender", sender),
        ("tx_kind", _join(tx_kind)),
    ):
        if value:
            params[name] = value
    return Subscription(
        client_or_url,
        from_height=from_height,
        last_id=last_id,
        params=params,
        initial_backoff=initial_backoff,
        max_backoff=max_backoff,
        read_timeout=read_timeout,
        max_attempts=max_attempts,
        sleep=sleep,
    )
