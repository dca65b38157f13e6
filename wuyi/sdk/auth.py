"""Signing API requests on the client side (the scheme: :mod:`wuyi.api.auth`).

    headers = signed_headers(key, chain_id, "PUT", "/v1/blobs", {"request": rid}, body)
    httpx.put(url, params={"request": rid}, content=body, headers=headers)

:meth:`wuyi.sdk.client.WuyiClient.signed_request` does this for you.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping

from wuyi.abc import PrivateKey
from wuyi.api.auth import (
    HEADER_KEY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIME,
    NONCE_BYTES,
    request_message,
)
from wuyi.crypto import get_suite

__all__ = ["signed_headers"]


def signed_headers(
    key: PrivateKey,
    chain_id: str,
    method: str,
    path: str,
    query: Mapping[str, str] | None,
    body: bytes,
    *,
    time_ms: int | None = None,
    nonce: bytes | None = None,
) -> dict[str, str]:
    """The four ``X-Wuyi-*`` headers that prove ``key`` sent this exact request (``path``
    is the URL path, e.g. ``/v1/blobs``; ``query`` the query parameters sent with it)."""
    t = int(time.time() * 1000) if time_ms is None else time_ms
    n = secrets.token_bytes(NONCE_BYTES) if nonce is None else nonce
    suite = get_suite(key.suite_name)
    message = request_message(
        suite, chain_id, method, path, sorted((query or {}).items()), t, n, body
    )
    return {
        HEADER_KEY: key.public_key.hex(),
        HEADER_TIME: str(t),
        HEADER_NONCE: n.hex(),
        HEADER_SIGNATURE: key.sign(message).hex(),
    }
