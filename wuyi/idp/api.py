"""HTTP routes of the identity provider (``wuyi.idp.provider``), mounted by ``create_app`` with
one line (``add_idp_routes(app)``); no provider is configured until :func:`configure` or
:func:`configure_from_home` (``node.toml`` ``[idp]``), and then

=============================================  ==================================================
``GET  /idp/.well-known/openid-configuration``  OpenID Connect Discovery 1.0
``GET  /idp/jwks``                              the ID-token signing key (JWK Set)
``GET  /idp/authorize``                         the page of the (simulated) face step
``POST /idp/authorize``                         the citizen's answer -> 302 to the redirect URI
``POST /idp/token``                             code + PKCE verifier -> ID token
=============================================  ==================================================

Without a provider these answer 404 ``not_found``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from authlib.oauth2.rfc6749.errors import OAuth2Error
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from wuyi.exceptions import NotFound
from wuyi.idp.provider import Client, IdentityProvider, new_signing_jwk

__all__ = ["add_idp_routes", "configure", "configure_from_home"]

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>统一身份认证平台（演示）/ Identity provider (demo)</title>
<style>
body {{ font-family: "WenQuanYi Micro Hei", sans-serif; margin: 0; background: #f4f6f9; }}
main {{ max-width: 420px; margin: 0 auto; padding: 20px; }}
.card {{ background: #fff; border-radius: 10px; padding: 18px; box-shadow: 0 1px 4px #0002; }}
.warn {{ background: #fff4d6; border: 1px solid #e0b000; padding: 10px; border-radius: 8px; }}
.face {{ width: 160px; height: 160px; margin: 16px auto; border-radius: 50%;
         border: 4px dashed #1a6fd1; display: flex; align-items: center;
         justify-content: center; color: #1a6fd1; }}
button {{ width: 100%; padding: 12px; margin-top: 10px; font-size: 16px; border-radius: 8px;
          border: 0; background: #1a6fd1; color: #fff; }}
button.ghost {{ background: #eee; color: #333; }}
.mono {{ font-family: monospace; word-break: break-all; font-size: 12px; }}
</style></head>
<body><main><div class="card">
<h2>实名 + 人脸核验 / Real-name and face check</h2>
<p class="warn" data-testid="idp-simulated"><b>演示：人脸核验为模拟步骤</b>，
不采集也不比对任何人脸；真实的身份认证服务（如 CTID 网证、粤省事）在此处进行真实核验。<br>
<b>Demo: the face step is simulated</b>; no face is captured or compared. A real provider
(CTID, 粤省事) does this step for real.</p>
<p><b>{client}</b> 请求确认您的身份 / asks to confirm your identity:</p>
<p class="mono" data-testid="idp-subject">{subject}</p>
<div class="face">（模拟）人脸框<br>(simulated)</div>
<form method="post" action="authorize">
{hidden}
<button name="decision" value="approve" data-testid="idp-approve">
完成人脸核验（模拟）/ Pass the face check (simulated)</button>
<button class="ghost" name="decision" value="deny" data-testid="idp-deny">取消 / Cancel</button>
</form></div></main></body></html>
"""


def _provider(app: FastAPI) -> IdentityProvider:
    p: IdentityProvider | None = getattr(app.state, "idp", None)
    if p is None:
        raise NotFound("no identity provider on this node (node.toml [idp])")
    return p


def _oauth_error(exc: OAuth2Error) -> JSONResponse:
    body = {"error": exc.error, "error_description": exc.description or exc.error}
    return JSONResponse(body, status_code=exc.status_code or 400, headers=_NO_STORE)


def configure(app: FastAPI, provider: IdentityProvider) -> None:
    """Serve ``provider`` from ``app``; when the app serves a node, only citizens whose DID is
    active on its chain may sign in (``login_hint``)."""
    svc = getattr(app.state, "oid4vci", None)
    node = getattr(getattr(svc, "backend", None), "node", None)
    if node is not None:
        provider.is_subject = _active_did(node)
    app.state.idp = provider


def _active_did(node: Any) -> Callable[[str], bool]:
    from wuyi.ledger.handlers.did import get_did_record

    def is_active(did: str) -> bool:
        if not did.startswith("did:wuyi:"):
            return False
        with node.store.snapshot() as v:
            rec = get_did_record(v, did)
        return rec is not None and rec["status"] == "active"

    return is_active


def configure_from_home(app: FastAPI, home: Path, public_url: str) -> IdentityProvider | None:
    """``node.toml`` ``[idp]``: ``signing_key`` (a private JWK file, made if missing),
    ``public_url`` (default ``public_url``; the issuer is ``<url>/idp``), ``level``,
    ``max_level`` and ``[[idp.clients]]`` ``{client_id, redirect_uris, name}``. No section:
    no provider."""
    import tomllib

    path = home / "node.toml"
    sec = tomllib.loads(path.read_text()).get("idp") if path.exists() else None
    if not isinstance(sec, dict):
        return None
    key_file = home / str(sec.get("signing_key", "idp-signing.jwk"))
    if not key_file.exists():
        key_file.write_text(json.dumps(new_signing_jwk()))
        key_file.chmod(0o600)
    base = str(sec.get("public_url", public_url)).rstrip("/")
    clients = [
        Client(str(c["client_id"]), tuple(c["redirect_uris"]), str(c.get("name", "")))
        for c in sec.get("clients", [])
    ]
    provider = IdentityProvider(
        issuer=base + "/idp",
        signing_jwk=json.loads(key_file.read_text()),
        clients=clients,
        level=int(sec.get("level", 2)),
        max_level=int(sec.get("max_level", 3)),
    )
    configure(app, provider)
    return provider


def add_idp_routes(app: FastAPI) -> None:
    """Mount the provider's routes under ``/idp`` (answering 404 until configured)."""

    @app.get("/idp/.well-known/openid-configuration", tags=["idp"])
    def discovery() -> Any:
        """OpenID Connect Discovery 1.0 provider metadata."""
        return _provider(app).metadata()

    @app.get("/idp/jwks", tags=["idp"])
    def jwks() -> Any:
        """The provider's public signing keys (registered on chain by ``idp.set``)."""
        return _provider(app).jwks()

    @app.get("/idp/authorize", tags=["idp"], response_class=HTMLResponse)
    def authorize_page(request: Request) -> Response:
        """The authorization request; shows the (simulated) face step."""
        p = _provider(app)
        params = dict(request.query_params)
        try:
            info = p.validate_authorization(p.issuer + "/authorize", params)
        except OAuth2Error as exc:
            return _oauth_error(exc)
        hidden = "\n".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        page = _PAGE.format(
            client=html.escape(info["client_name"]),
            subject=html.escape(info["subject"]),
            hidden=hidden,
        )
        return HTMLResponse(page, headers=_NO_STORE)

    @app.post("/idp/authorize", tags=["idp"])
    async def authorize(request: Request) -> Response:
        """The citizen passed (or cancelled) the face step: redirect with the code."""
        p = _provider(app)
        form = {k: str(v) for k, v in (await request.form()).items()}
        decision = form.pop("decision", "")
        try:
            location = p.authorize(p.issuer + "/authorize", form, face_passed=decision == "approve")
        except OAuth2Error as exc:
            return _oauth_error(exc)
        return RedirectResponse(location, status_code=302, headers=_NO_STORE)

    @app.post("/idp/token", tags=["idp"])
    async def token(request: Request) -> Response:
        """Token endpoint: authorization code + PKCE verifier -> ID token."""
        p = _provider(app)
        form = {k: str(v) for k, v in (await request.form()).items()}
        status, body = p.token(p.issuer + "/token", form, dict(request.headers))
        return JSONResponse(body, status_code=status, headers=_NO_STORE)
