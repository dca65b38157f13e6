"""The relying party's side of the identity provider: the authorization code flow with PKCE
against an OpenID Connect provider (``wuyi.idp`` or a real one), and a consent granted with the
ID token as its attestation (the token's ``nonce`` is the consent's terms, which the chain
checks: ``wuyi.vc.idtoken.consent_nonce``).

:func:`demo_id_token` drives the demo provider's page itself — it presses the *simulated*
face-check button — which only makes sense for the demo: a real provider asks the citizen."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from wuyi.exceptions import CredentialInvalid

__all__ = ["demo_id_token", "grant_consent_with_id_token", "pkce_pair"]


def pkce_pair() -> tuple[str, str]:
    """``(code_verifier, code_challenge)`` for PKCE S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def demo_id_token(
    provider_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    subject: str,
    nonce: str,
    http: httpx.Client | None = None,
) -> str:
    """An ID token for ``subject`` from the demo provider at ``provider_url`` (``…/idp``),
    passing its simulated face step."""
    c = http or httpx.Client(timeout=30)
    meta = c.get(provider_url.rstrip("/") + "/.well-known/openid-configuration").json()
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid",
        "state": secrets.token_urlsafe(8),
        "nonce": nonce,
        "login_hint": subject,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    r = c.post(meta["authorization_endpoint"], data={**params, "decision": "approve"})
    location = r.headers.get("location", "")
    code = parse_qs(urlparse(location).query).get("code", [""])[0]
    if r.status_code != 302 or not code:
        raise CredentialInvalid(f"the identity provider gave no code: {r.status_code} {r.text}")
    tok = c.post(
        meta["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
    ).json()
    if "id_token" not in tok:
        raise CredentialInvalid(f"the identity provider refused: {tok}")
    return str(tok["id_token"])


def grant_consent_with_id_token(
    identity: Any,
    holder_key: Any,
    get_id_token: Any,
    *,
    verifier: str,
    types: list[str],
    claims: list[str],
    purpose: str,
    minutes: int,
) -> str:
    """Grant a consent whose attestation is an ID token: ``get_id_token(subject, nonce)``
    returns one for the consent's terms' nonce. Returns the consent id."""
    from wuyi.sdk.identity import terms_of_consent
    from wuyi.vc.idtoken import consent_nonce

    start = int(time.time() * 1000)
    holder = identity.did_of(holder_key)
    terms = terms_of_consent(holder, verifier, list(types), list(claims), purpose, start, minutes)
    token = get_id_token(holder, consent_nonce(identity.client.suite.hash, terms))
    consent: str = identity.grant_consent(
        holder_key,
        verifier=verifier,
        types=list(types),
        claims=list(claims),
        purpose=purpose,
        minutes=minutes,
        not_before_ms=start,
        assurance=token,
    )
    return consent
