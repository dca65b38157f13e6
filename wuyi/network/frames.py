"""Wire framing: a 4-byte big-endian length, then that many bytes of canonical CBOR.

After the handshake every frame body is ``encode({"ch": channel, "id": request id or 0,
"re": kind, "p": payload})`` where ``re`` is 0 for a message or a request (``id > 0``), 1 for a
response and 2 for an error response (``p`` is then a UTF-8 reason). ``parse_frame`` accepts
exactly that and nothing else (strict canonical decode, exact key set, checked types).

``read_frame`` reads the 4-byte length first and refuses a length over the limit *before*
reading (or allocating) the body.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from wuyi.encoding import decode, encode
from wuyi.exceptions import EncodingError, FrameTooLarge, ProtocolViolation

__all__ = [
    "HEADER_LEN",
    "KEEPALIVE_CHANNEL",
    "MAX_CHANNEL_LEN",
    "RE_ERROR",
    "RE_MESSAGE",
    "RE_RESPONSE",
    "Frame",
    "decode_map",
    "encode_frame",
    "pack",
    "parse_frame",
    "read_frame",
]

HEADER_LEN = 4
MAX_CHANNEL_LEN = 64
MAX_REQUEST_ID = 2**63 - 1
KEEPALIVE_CHANNEL = ""  # reserved: keepalive frames, never passed to the node
RE_MESSAGE = 0
RE_RESPONSE = 1
RE_ERROR = 2
_FRAME_KEYS = frozenset({"ch", "id", "re", "p"})


@dataclass(frozen=True, slots=True)
class Frame:
    channel: str
    request_id: int
    re: int
    payload: bytes


def pack(body: bytes) -> bytes:
    """``len(body)`` as 4 big-endian bytes, then ``body``."""
    return len(body).to_bytes(HEADER_LEN, "big") + body


def encode_frame(channel: str, request_id: int, re: int, payload: bytes, max_frame: int) -> bytes:
    """The bytes on the wire (header included); :class:`FrameTooLarge` over ``max_frame``."""
    body = encode({"ch": channel, "id": request_id, "re": re, "p": bytes(payload)})
    if len(body) > max_frame:
        raise FrameTooLarge(
            f"frame body of {len(body)} bytes exceeds the limit of {max_frame} bytes",
            size=len(body),
            limit=max_frame,
        )
    return pack(body)


async def read_frame(reader: asyncio.StreamReader, max_frame: int) -> bytes:
    """Read one frame body. :class:`ProtocolViolation` if its length is 0 or over ``max_frame``
    (checked before the body is read); ``asyncio.IncompleteReadError`` at end of stream."""
    header = await reader.readexactly(HEADER_LEN)
    size = int.from_bytes(header, "big")
    if size > max_frame:
        raise ProtocolViolation(
            f"frame of {size} bytes exceeds the limit of {max_frame} bytes", size=size
        )
    if size == 0:
        raise ProtocolViolation("empty frame")
    return await reader.readexactly(size)


def decode_map(body: bytes, keys: frozenset[str], what: str) -> dict[str, Any]:
    """Strictly decode ``body`` as a map with exactly ``keys``; :class:`ProtocolViolation`."""
    try:
        value = decode(body)
    except EncodingError as exc:
        raise ProtocolViolation(f"malformed {what}: {exc.message}") from None
    if type(value) is not dict or frozenset(value) != keys:
        raise ProtocolViolation(f"malformed {what}: expected a map with keys {sorted(keys)}")
    return value


def parse_frame(body: bytes) -> Frame:
    """Parse a post-handshake frame body; :class:`ProtocolViolation` for anything off-spec."""
    v = decode_map(body, _FRAME_KEYS, "frame")
    ch, rid, re, payload = v["ch"], v["id"], v["re"], v["p"]
    if type(ch) is not str or len(ch) > MAX_CHANNEL_LEN:
        raise ProtocolViolation("malformed frame: bad channel")
    if type(rid) is not int or not 0 <= rid <= MAX_REQUEST_ID:
        raise ProtocolViolation("malformed frame: bad request id")
    if type(re) is not int or re not in (RE_MESSAGE, RE_RESPONSE, RE_ERROR):
        raise ProtocolViolation("malformed frame: bad 're'")
    if type(payload) is not bytes:
        raise ProtocolViolation("malformed frame: payload is not a byte string")
    if re != RE_MESSAGE and rid == 0:
        raise ProtocolViolation("malformed frame: a response without a request id")
    if ch == KEEPALIVE_CHANNEL and (rid or re or payload):
        raise ProtocolViolation("malformed frame: bad keepalive")
    return Frame(ch, rid, re, payload)
