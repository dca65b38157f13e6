"""Signed API requests: who is asking, proved by a chain key's signature over the request.

Writes to the chain are signed transactions; a few node services that are not transactions
(uploading a blob, and later signed reads) need to know which member asks. The member signs
the request itself with its chain key (SM2 or Ed25519, the chain's suite), in four headers:

================== ===========================================================================
``X-Wuyi-Key``       the signer's public key, hex
``X-Wuyi-Time``      milliseconds since the epoch when signed (the node allows ±5 minutes)
``X-Wuyi-Nonce``     16 random bytes, hex; the node refuses a nonce it saw in the window
``X-Wuyi-Signature`` hex signature over :func:`request_message`
================== ===========================================================================

The signed message binds the chain, the method, the path, the query and the body::

    b"wuyi/api-request\\x00" + encode([chain_id, METHOD, path, [[name, value], ...sorted],
                                      time_ms, nonce, suite.hash(body)])

(``encode`` is the canonical encoding, ``wuyi.encoding``; ``nonce`` the 16 raw bytes.) So a
signature is good for one request to one chain only: another path, query or body, a replay
after five minutes or within them, or a copy to another chain is refused. The idea is that of
RFC 9421 (HTTP Message Signatures) — the signer covers the request's components — with the
chain's own keys and canonical encoding, which every SDK already has, instead of a new
signature-base syntax. The client side is :func:`wuyi.sdk.auth.signed_headers`.

:func:`verify_request` returns the signer's public key; what that key may do (e.g. be an active
member with a pending data request, ``wuyi.api.datashare``) is the route's decision.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from wuyi.abc import Suite
from wuyi.encoding import encode
from wuyi.exceptions import CryptoError, InvalidSignature, Unauthorized

if TYPE_CHECKING:
    from starlette.requests import Request

    from wuyi.node.node import Node

__all__ = [
    "HEADER_KEY",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_TIME",
    "MAX_SKEW_MS",
    "NONCE_BYTES",
    "NonceCache",
    "request_message",
    "verify_http_request",
    "verify_request",
]

DOMAIN = b"wuyi/api-request\x00"
HEADER_KEY = "X-Wuyi-Key"
HEADER_TIME = "X-Wuyi-Time"
HEADER_NONCE = "X-Wuyi-Nonce"
HEADER_SIGNATURE = "X-Wuyi-Signature"
#: how far the signing time may be from the node's clock
MAX_SKEW_MS = 5 * 60 * 1000
NONCE_BYTES = 16


def request_message(
    suite: Suite,
    chain_id: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    time_ms: int,
    nonce: bytes,
    body: bytes,
) -> bytes:
    """The bytes a signed request's signature covers (see the module docstring)."""
    pairs = sorted([str(k), str(v)] for k, v in query)
    return DOMAIN + encode(
        [chain_id, method.upper(), path, pairs, int(time_ms), bytes(nonce), suite.hash(body)]
    )


class NonceCache:
    """The nonces seen within the allowed skew (bounded: the oldest go first past ``limit``)."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._seen: OrderedDict[bytes, int] = OrderedDict()
        self._lock = threading.Lock()

    def check_and_add(self, nonce: bytes, now_ms: int) -> bool:
        """True if ``nonce`` is new (and now remembered), False for a replay."""
        with self._lock:
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if at >= now_ms - 2 * MAX_SKEW_MS and len(self._seen) < self.limit:
                    break
                del self._seen[oldest]
            if nonce in self._seen:
                return False
            self._seen[nonce] = now_ms
            return True


def _hex(headers: Mapping[str, str], name: str) -> bytes:
    text = headers.get(name)
    if not text:
        raise Unauthorized(
            f"a signed request needs the {name} header (docs/api.md, signed requests)",
            field=name,
        )
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise Unauthorized(f"{name} must be hex", field=name) from None


def verify_request(
    suite: Suite,
    chain_id: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    nonces: NonceCache,
    now_ms: int | None = None,
) -> bytes:
    """The public key that signed this request; :class:`Unauthorized` (missing or malformed
    headers, stale time, replayed nonce) or :class:`InvalidSignature` otherwise."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    public_key = _hex(headers, HEADER_KEY)
    nonce = _hex(headers, HEADER_NONCE)
    signature = _hex(headers, HEADER_SIGNATURE)
    raw_time = headers.get(HEADER_TIME, "")
    if not (raw_time.isascii() and raw_time.isdigit()) or len(raw_time) > 16:
        raise Unauthorized(f"{HEADER_TIME} must be milliseconds since the epoch", field=HEADER_TIME)
    t = int(raw_time)
    if abs(now - t) > MAX_SKEW_MS:
        raise Unauthorized(
            f"the request was signed at {t} ms, more than {MAX_SKEW_MS // 1000} s from this"
            f" node's clock ({now} ms): sign it again",
            field=HEADER_TIME,
        )
    if len(nonce) != NONCE_BYTES:
        raise Unauthorized(f"{HEADER_NONCE} must be {NONCE_BYTES} bytes", field=HEADER_NONCE)
    try:
        suite.validate_public_key(public_key)
    except CryptoError as exc:
        raise Unauthorized(f"{HEADER_KEY}: {exc.message}", field=HEADER_KEY) from None
    message = request_message(suite, chain_id, method, path, query, t, nonce, body)
    if not suite.verify(public_key, message, signature):
        raise InvalidSignature(
            "the request signature does not verify for X-Wuyi-Key (it covers the chain id,"
            " method, path, query, time, nonce and body hash)",
            field=HEADER_SIGNATURE,
        )
    if not nonces.check_and_add(nonce, now):
        raise Unauthorized("this signed request was already used (nonce seen)", field=HEADER_NONCE)
    return public_key


def verify_http_request(node: Node, request: Request, body: bytes, nonces: NonceCache) -> bytes:
    """:func:`verify_request` of an HTTP request to ``node``, over its decoded path (what the
    client signed: ``wuyi.sdk.client.signed_request``, the console's ``signedGet``)."""
    return verify_request(
        node.suite,
        node.chain.chain_id,
        request.method,
        request.url.path,
        list(request.query_params.multi_items()),
        request.headers,
        body,
        nonces,
    )
