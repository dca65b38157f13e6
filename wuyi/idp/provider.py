"""The demo's real-name + face identity provider as an OpenID Connect provider, on Authlib.

Authorization code flow with PKCE (S256, required: the clients are wallets, public clients
without a secret), OpenID Connect Core 1.0. The ID token it signs (``ES256``, its own P-256
key, published at the JWKS endpoint and registered on chain by governance ``idp.set`` with
``oidc``) carries

* ``sub``: the citizen's DID (the authorization request's ``login_hint``);
* ``acr``: the assurance level reached, ``urn:wuyi:acr:face-L<n>``;
* ``amr``: ``["face"]``;
* ``nonce``: the client's; to attest a consent it is the consent's terms
  (:func:`wuyi.vc.idtoken.consent_nonce`), which the chain checks.

**The face step of the demo is simulated**: the authorization page asks the citizen to press a
button instead of looking into a camera; no face is compared with anything. A real provider
(CTID 网证, 粤省事) does that step for real and plugs in by configuration: its issuer URL,
keys and ``acr`` values registered on chain, nothing else changes.

Everything is in memory (codes live :data:`CODE_TTL_S`); the clock is injected.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import ECKey

from wuyi.exceptions import ValidationError

__all__ = [
    "ACR_PREFIX",
    "CODE_TTL_S",
    "ID_TOKEN_TTL_S",
    "Client",
    "IdentityProvider",
    "acr_for_level",
    "authorization_url",
    "new_signing_jwk",
]

CODE_TTL_S = 300
ID_TOKEN_TTL_S = 600
ACR_PREFIX = "urn:wuyi:acr:face-L"
SCOPES = ("openid",)


def acr_for_level(level: int) -> str:
    """The ``acr`` value of assurance ``level`` (``urn:wuyi:acr:face-L2``)."""
    return f"{ACR_PREFIX}{level}"


@dataclass(frozen=True)
class Client:
    """A registered relying party: a public client (no secret, PKCE) with its redirect URIs."""

    client_id: str
    redirect_uris: tuple[str, ...]
    name: str = ""


class _ClientModel(ClientMixin):
    def __init__(self, client: Client) -> None:
        self.client = client

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> str:
        return self.client.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.client.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class _Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    subject: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    auth_time: int
    acr: str
    expires: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return ["face"]


class _Request(OAuth2Request):
    """An Authlib request over already-parsed parameters (query or form)."""

    def __init__(self, method: str, uri: str, data: Mapping[str, str], headers: Any) -> None:
        super().__init__(method, uri, headers=headers)
        self._data = dict(data)
        self.payload = BasicOAuth2Payload(self._data)

    @property
    def args(self) -> dict[str, str]:
        return self._data

    @property
    def form(self) -> dict[str, str]:
        return self._data


@dataclass
class _Store:
    codes: dict[str, _Code] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class IdentityProvider:
    """An OpenID Connect provider: discovery, JWKS, authorization (with the simulated face
    step) and token endpoints, over Authlib's ``AuthorizationServer``.

    ``issuer`` is the provider's URL (``…/idp``); ``signing_jwk`` its private P-256 JWK (with a
    ``kid``); ``level`` the assurance level its face step reaches (``acr``); ``clients`` the
    registered wallets; ``audience`` the client id every ID token is also for (``aud``): the
    chain's, registered on chain; ``is_subject`` says whether a DID may sign in (e.g. it is
    active on chain)."""

    def __init__(
        self,
        *,
        issuer: str,
        signing_jwk: Mapping[str, Any],
        clients: list[Client],
        level: int = 2,
        max_level: int = 3,
        is_subject: Callable[[str], bool] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not issuer.startswith(("https://", "http://")):
            raise ValidationError(f"issuer must be a URL, got {issuer!r}")
        if "kid" not in signing_jwk or "d" not in signing_jwk:
            raise ValidationError("signing_jwk must be a private JWK with a kid")
        self.issuer = issuer.rstrip("/")
        self.key = ECKey.import_key(dict(signing_jwk))
        self.kid = str(signing_jwk["kid"])
        self.clients = {c.client_id: c for c in clients}
        self.level = level
        self.max_level = max_level
        self.is_subject = is_subject or (lambda did: did.startswith("did:wuyi:"))
        self.clock = clock
        self._store = _Store()
        self.server = self._make_server()

    # -- what is published ----------------------------------------------------------------------

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = self.key.as_dict(private=False)
        jwk.update(kid=self.kid, use="sig", alg="ES256")
        return jwk

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def acr_levels(self) -> dict[str, int]:
        return {acr_for_level(n): n for n in range(1, self.max_level + 1)}

    def metadata(self) -> dict[str, Any]:
        """OpenID Connect Discovery 1.0 provider metadata."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "scopes_supported": list(SCOPES),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "acr", "amr"],
            "acr_values_supported": list(self.acr_levels()),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "wuyi_face_step": "simulated",
        }

    def chain_registration(self, audience: str) -> dict[str, Any]:
        """The ``oidc`` argument of governance ``idp.set`` that registers this provider."""
        return {
            "issuer": self.issuer,
            "audience": audience,
            "jwks": [self.public_jwk()],
            "acr_levels": self.acr_levels(),
        }

    # -- the flow -------------------------------------------------------------------------------

    def validate_authorization(self, uri: str, params: Mapping[str, str]) -> dict[str, Any]:
        """Check an authorization request (``GET /authorize``) before the face step; returns
        what the page shows: ``{client_id, client_name, subject, redirect_uri, scope}``.
        Raises Authlib's ``OAuth2Error`` (``error``, ``description``)."""
        req = _Request("GET", uri, params, {})
        grant = self.server.get_consent_grant(req)
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            raise _InvalidRequest("PKCE is required: code_challenge with method S256")
        subject = params.get("login_hint", "")
        if not self.is_subject(subject):
            raise _InvalidRequest(f"login_hint must be a registered citizen DID, got {subject!r}")
        client = self.clients[grant.client.get_client_id()]
        return {
            "client_id": client.client_id,
            "client_name": client.name or client.client_id,
            "subject": subject,
            "redirect_uri": grant.redirect_uri,
            "scope": req.payload.scope,
        }

    def authorize(self, uri: str, params: Mapping[str, str], *, face_passed: bool) -> str:
        """The citizen finished the (simulated) face step: the redirect URL carrying the code
        (or ``error=access_denied`` when ``face_passed`` is false)."""
        self.validate_authorization(uri, params)
        req = _Request("POST", uri, params, {})
        grant = self.server.get_consent_grant(req)
        user = params["login_hint"] if face_passed else None
        _status, _body, headers = self.server.create_authorization_response(
            req, grant_user=user, grant=grant
        )
        location = dict(headers).get("Location", "")
        return str(location)

    def token(self, uri: str, form: Mapping[str, str], headers: Any) -> tuple[int, Any]:
        """``POST /token``: ``(status, JSON body)``."""
        req = _Request("POST", uri, form, headers)
        status, body, _headers = self.server.create_token_response(req)
        return int(status), body

    # -- Authlib plumbing -----------------------------------------------------------------------

    def _make_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id: str) -> _ClientModel | None:
                c = provider.clients.get(client_id)
                return None if c is None else _ClientModel(c)

            def save_token(self, token: Any, request: Any) -> None:
                return None  # bearer tokens are not used for anything but the ID token

            def create_oauth2_request(self, request: Any) -> Any:
                return request

            def handle_response(self, status: int, body: Any, headers: Any) -> Any:
                return status, body, headers

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                return None

        class CodeGrant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 - Authlib's interface

            def save_authorization_code(self, code: str, request: Any) -> None:
                data = request.payload.data
                provider._save_code(
                    _Code(
                        code=code,
                        client_id=request.payload.client_id,
                        redirect_uri=request.payload.redirect_uri or "",
                        scope=request.payload.scope or "",
                        subject=request.user,
                        nonce=data.get("nonce"),
                        code_challenge=data.get("code_challenge", ""),
                        code_challenge_method=data.get("code_challenge_method", "S256"),
                        auth_time=int(provider.clock()),
                        acr=acr_for_level(provider.level),
                        expires=provider.clock() + CODE_TTL_S,
                    )
                )

            def query_authorization_code(self, code: str, client: Any) -> _Code | None:
                return provider._take_code(code, client.get_client_id())

            def delete_authorization_code(self, authorization_code: _Code) -> None:
                return None  # taken (deleted) when queried: a code is good once

            def authenticate_user(self, authorization_code: _Code) -> str:
                return authorization_code.subject

        class IdTokens(OpenIDCode):
            def resolve_client_private_key(self, client: Any) -> Any:
                return provider.key

            def get_client_algorithm(self, client: Any) -> str:
                return "ES256"

            def get_encode_header(self, client: Any) -> dict[str, str]:
                return {"alg": "ES256", "kid": provider.kid, "typ": "JWT"}

            def get_client_claims(self, client: Any) -> dict[str, Any]:
                now = int(provider.clock())
                return {
                    "iss": provider.issuer,
                    "aud": client.get_client_id(),
                    "iat": now,
                    "exp": now + ID_TOKEN_TTL_S,
                }

            def exists_nonce(self, nonce: str, request: Any) -> bool:
                return provider._nonce_used(request.payload.client_id, nonce)

            def generate_user_info(self, user: str, scope: str) -> dict[str, Any]:
                return {"sub": user}

        server = Server(scopes_supported=list(SCOPES))
        server.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda *_a, **_k: secrets.token_urlsafe(32),
                expires_generator=lambda *_a, **_k: ID_TOKEN_TTL_S,
            ),
        )
        server.register_grant(CodeGrant, [CodeChallenge(required=True), IdTokens(True)])
        return server

    def _save_code(self, code: _Code) -> None:
        with self._store.lock:
            now = self.clock()
            for k in [k for k, c in self._store.codes.items() if c.expires < now]:
                del self._store.codes[k]
            self._store.codes[code.code] = code

    def _take_code(self, code: str, client_id: str) -> _Code | None:
        with self._store.lock:
            c = self._store.codes.pop(code, None)
        if c is None or c.client_id != client_id or c.expires < self.clock():
            return None
        return c

    def _nonce_used(self, client_id: str, nonce: str) -> bool:
        with self._store.lock:
            return any(
                c.client_id == client_id and c.nonce == nonce for c in self._store.codes.values()
            )


class _InvalidRequest(OAuth2Error):
    error = "invalid_request"

    def __init__(self, description: str) -> None:
        super().__init__(description=description)


def new_signing_jwk() -> dict[str, Any]:
    """A fresh private P-256 JWK with a ``kid`` (its RFC 7638 thumbprint)."""
    key = ECKey.generate_key("P-256", private=True)
    jwk: dict[str, Any] = key.as_dict(private=True)
    jwk["kid"] = key.thumbprint()
    return jwk


def authorization_url(provider_url: str, **params: str) -> str:
    """``<provider_url>/authorize?…`` (for wallets and tests)."""
    return f"{provider_url.rstrip('/')}/authorize?{urlencode(params)}"
