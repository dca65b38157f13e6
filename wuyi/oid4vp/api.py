"""The node's OpenID4VP routes (``/v1/oid4vp/...``) and the console pages of the desk and the
wallet (``/console/oid4vp/``), mounted by one line of ``wuyi/api/app.py``.

* ``POST /v1/oid4vp/requests`` ``{"request": <signed request object>}`` — a desk hands over
  the request object it signed with its member key; answered ``201`` with ``request_uri``, the
  ``openid4vp://`` link and a ``desk_token`` (a secret: only the desk reads the answer).
* ``GET /v1/oid4vp/requests/{state}`` — the request object itself
  (``application/oauth-authz-req+jwt``), what the wallet fetches by reference. Public: it
  names the verifier, the claim *names*, the purpose and the nonce, nothing personal.
* ``POST /v1/oid4vp/responses/{state}`` — the wallet's ``direct_post``
  (``application/x-www-form-urlencoded``: ``vp_token``, ``state``). ``200 {}`` when accepted;
  a refusal is an RFC 9457 problem document, ``code`` ``presentation_refused`` with
  ``reason`` (``wuyi.oid4vp.verifier``), and changes nothing.
* ``GET /v1/oid4vp/requests/{state}/result`` with header ``X-Wuyi-Desk-Token`` — the desk's
  poll: the status, the disclosed claim names and, once, the presentation (which the desk then
  records on chain with ``vc.verify``; the node forgets it).

Answers carry no claim value except the last one, to the desk that asked; no personal value
is logged (the routes log nothing).
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from wuyi.api.problems import PROBLEM_JSON, problem
from wuyi.exceptions import PresentationRefused, ValidationError
from wuyi.node.node import Node
from wuyi.oid4vp.request import REQUEST_TYP
from wuyi.oid4vp.verifier import RequestBook

__all__ = ["CONSOLE_DIR", "add_oid4vp_routes"]

CONSOLE_DIR = Path(__file__).parent / "console"
MAX_BODY = 64 * 1024


def _now_ms() -> int:
    return int(time.time() * 1000)


def refusal_response(exc: PresentationRefused, instance: str) -> JSONResponse:
    """A refusal as a problem document with its ``reason``."""
    doc = problem(400, "presentation_refused", exc.message, instance=instance)
    doc["reason"] = str(exc.detail.get("reason", "refused"))
    return JSONResponse(doc, status_code=400, media_type=PROBLEM_JSON)


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ValidationError(f"the response is over {MAX_BODY} bytes", field="vp_token")
    text = body.decode("utf-8", "replace")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            doc = json.loads(text)
        except ValueError:
            raise ValidationError("the body is not JSON", field="vp_token") from None
        if not isinstance(doc, dict):
            raise ValidationError("the body must be a JSON object", field="vp_token")
        return {
            k: v if isinstance(v, str) else json.dumps(v)
            for k, v in doc.items()
            if k in ("vp_token", "state")
        }
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items() if v}


def add_oid4vp_routes(app: FastAPI, node: Node) -> RequestBook:
    """Add the routes and the console pages; returns the node's book of open requests."""
    book = RequestBook(node.suite)
    r = APIRouter(prefix="/v1/oid4vp", tags=["oid4vp"])

    @r.post(
        "/requests",
        status_code=201,
        summary="核验请求 / open a signed OpenID4VP request (a desk)",
    )
    def open_request(body: dict[str, Any]) -> dict[str, Any]:
        jwt = body.get("request")
        if not isinstance(jwt, str) or len(jwt) > MAX_BODY:
            raise ValidationError("request must be the signed request object", field="request")
        token = secrets.token_urlsafe(24)
        with node.store.snapshot() as view:
            req = book.open(jwt, view, desk_token=token, now_s=_now_ms() // 1000)
        return {**req.public(), "desk_token": token}

    @r.get(
        "/requests/{state}",
        response_class=Response,
        summary="请求对象 / the signed request object (fetched by the wallet)",
    )
    def request_object(state: str) -> Response:
        return Response(book.get(state).jwt, media_type=f"application/{REQUEST_TYP}")

    @r.post(
        "/responses/{state}",
        summary="钱包应答 / the wallet's direct_post response",
    )
    async def respond(state: str, request: Request) -> Any:
        form = await _form(request)
        try:
            with node.store.snapshot() as view:
                book.respond(state, form, view, now_ms=_now_ms())
        except PresentationRefused as exc:
            return refusal_response(exc, request.url.path)
        return {}

    @r.get(
        "/requests/{state}/result",
        summary="柜台查询结果 / the desk's poll (with its desk token)",
    )
    def result(state: str, x_wuyi_desk_token: str = Header("")) -> dict[str, Any]:
        return book.collect(state, x_wuyi_desk_token)

    app.include_router(r)
    app.mount("/console/oid4vp", StaticFiles(directory=CONSOLE_DIR), name="console-oid4vp")
    app.state.oid4vp = book
    return book
