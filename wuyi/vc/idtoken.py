"""OpenID Connect ID tokens as identity-assurance attestations: the deterministic check.

A real-name + face identity provider that speaks OpenID Connect (the demo's ``wuyi/idp``, or a
real one such as CTID or 粤省事 plugged in by configuration) signs an ID token (a compact JWS,
OpenID Connect Core 1.0 §2) whose

* ``iss`` is the provider's issuer URL, registered on chain by governance (``idp.set`` with
  ``oidc``: ``{issuer, audience, jwks, acr_levels}``);
* ``aud`` is (or contains, with ``azp``) the chain's client id at that provider, ``audience``;
* ``sub`` is the citizen's DID (``did:wuyi:...``);
* ``acr`` names the assurance level; ``acr_levels`` maps it to a level 1-4;
* ``amr`` lists the methods used; ``"face"`` means a face check was made;
* ``nonce`` binds the token to what it is used for: for a consent, the consent's terms
  (:func:`consent_nonce`);
* ``iat`` / ``exp`` bound its life (at most one day, like ``wuyi-ida+jwt``).

:func:`check_id_token` is **deterministic** (no clock, randomness or I/O): block execution
calls it with the block time and the provider record read from the state. Every refusal is a
:class:`~wuyi.exceptions.CredentialInvalid` whose ``detail["rule"]`` is a stable short name:
``format``, ``iss``, ``key``, ``signature``, ``claims``, ``aud``, ``sub``, ``nonce``,
``lifetime``, ``not_yet_valid``, ``expired``, ``acr``, ``level``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from wuyi.encoding import encode
from wuyi.exceptions import CredentialInvalid
from wuyi.vc.jose import unverified_header, unverified_payload, verify_compact

__all__ = [
    "ID_TOKEN_ALGS",
    "MAX_ID_TOKEN_LIFETIME_S",
    "check_id_token",
    "consent_nonce",
    "is_id_token",
]

MAX_ID_TOKEN_LIFETIME_S = 86_400
#: what the chain verifies an ID token with (``wuyi.vc.jose``): P-256, Ed25519, SM2
ID_TOKEN_ALGS = ("ES256", "EdDSA", "SM2")
#: the provider's clock may run ahead of the block time by this much (``iat``)
CLOCK_SKEW_S = 60
_CONSENT_NONCE_DOMAIN = "wuyi/consent-assurance"


def _fail(rule: str, message: str) -> CredentialInvalid:
    return CredentialInvalid(f"ID token refused ({rule}): {message}", rule=rule)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_id_token(token: str) -> bool:
    """True if ``token`` looks like an OpenID Connect ID token rather than a Wuyi attestation
    (``typ: "wuyi-ida+jwt"``): its ``iss`` is an ``https://`` or ``http://`` URL."""
    try:
        iss = unverified_payload(token).get("iss")
    except CredentialInvalid:
        return False
    return isinstance(iss, str) and iss.startswith(("https://", "http://"))


def consent_nonce(hash_fn: Any, terms: Mapping[str, Any]) -> str:
    """The ``nonce`` an ID token must carry to attest a ``consent.grant``: base64url (no
    padding) of the suite hash of the canonical encoding of the domain and the consent's terms
    (``holder, verifier, types, claims, purpose, not_before, not_after``). So the token serves
    this consent and no other; ``hash_fn`` is the chain suite's hash."""
    names = ("holder", "verifier", "types", "claims", "purpose", "not_before", "not_after")
    body = encode([_CONSENT_NONCE_DOMAIN, [terms[n] for n in names]])
    return base64.urlsafe_b64encode(hash_fn(body)).rstrip(b"=").decode("ascii")


def _key_for(header: Mapping[str, Any], jwks: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    kid = header.get("kid")
    if kid is None and len(jwks) == 1:
        return jwks[0]
    for jwk in jwks:
        if jwk.get("kid") == kid:
            return jwk
    raise _fail("key", f"kid {kid!r} is not a key of this provider registered on chain")


def check_id_token(
    token: str,
    *,
    provider: Mapping[str, Any],
    subject: str,
    now_ms: int,
    nonce: str | None,
) -> dict[str, Any]:
    """Check an ID token of ``provider`` (an ``idp/<org>`` record with ``oidc``) for
    ``subject`` at block time ``now_ms``; deterministic.

    Rules, in order: well-formed; ``iss`` is the provider's issuer; header ``alg`` is one of
    :data:`ID_TOKEN_ALGS` and ``kid`` a registered key; signature; claim types; ``aud`` is
    the registered audience (a list must contain it and then ``azp`` must be it); ``sub ==
    subject``; ``nonce`` equals ``nonce`` (when given; else it must merely be present);
    ``0 < exp - iat <= 86400``; ``iat - 60 s <= now``; ``now <= exp``; ``acr`` is in
    ``acr_levels``; its level is at most the provider's ``max_level``.

    Returns ``{"level", "real_name", "face", "iat", "exp", "acr", "amr"}``.
    """
    oidc = provider.get("oidc") or {}
    try:
        header = unverified_header(token)
        claims = unverified_payload(token)
    except CredentialInvalid as exc:
        raise _fail("format", exc.message) from None
    if claims.get("iss") != oidc.get("issuer"):
        raise _fail("iss", f"iss {claims.get('iss')!r} is not {oidc.get('issuer')!r}")
    if header.get("alg") not in ID_TOKEN_ALGS:
        raise _fail("key", f"alg {header.get('alg')!r} is not one of {list(ID_TOKEN_ALGS)}")
    jwk = _key_for(header, list(oidc.get("jwks") or []))
    try:
        _, payload = verify_compact(token, jwk)
    except CredentialInvalid as exc:
        raise _fail("signature", exc.message) from None
    aud, sub = payload.get("aud"), payload.get("sub")
    iat: Any = payload.get("iat")
    exp: Any = payload.get("exp")
    acr, amr, got_nonce = payload.get("acr"), payload.get("amr", []), payload.get("nonce")
    if not (isinstance(sub, str) and isinstance(acr, str) and _is_int(iat) and _is_int(exp)):
        raise _fail("claims", "sub and acr must be strings, iat and exp ints")
    if not isinstance(amr, list) or not all(isinstance(m, str) for m in amr):
        raise _fail("claims", "amr must be a list of strings")
    audience = oidc.get("audience")
    if isinstance(aud, list):
        if audience not in aud or (len(aud) > 1 and payload.get("azp") != audience):
            raise _fail("aud", f"aud {aud!r} is not for {audience!r}")
    elif aud != audience:
        raise _fail("aud", f"aud {aud!r} is not {audience!r}")
    if sub != subject:
        raise _fail("sub", f"the ID token is about {sub}, not {subject}")
    if not isinstance(got_nonce, str) or not got_nonce:
        raise _fail("nonce", "the ID token carries no nonce")
    if nonce is not None and got_nonce != nonce:
        raise _fail("nonce", "the nonce does not match what the token is used for")
    if not 0 < exp - iat <= MAX_ID_TOKEN_LIFETIME_S:
        raise _fail("lifetime", f"exp - iat = {exp - iat} s is not in (0, 86400]")
    if not _is_int(now_ms):
        raise _fail("expired", f"now_ms must be an int, got {now_ms!r}")
    if now_ms < (iat - CLOCK_SKEW_S) * 1000:
        raise _fail("not_yet_valid", f"iat {iat} s is after block time {now_ms} ms")
    if now_ms > exp * 1000:
        raise _fail("expired", f"exp {exp} s is before block time {now_ms} ms")
    levels = oidc.get("acr_levels") or {}
    level: Any = levels.get(acr)
    if not _is_int(level):
        raise _fail("acr", f"acr {acr!r} is not one this provider is registered with")
    max_level = provider.get("max_level", 0)
    if not 1 <= level <= max_level:
        raise _fail("level", f"level {level} is outside [1, {max_level}] for this provider")
    return {
        "level": level,
        "real_name": True,
        "face": "face" in amr,
        "iat": iat,
        "exp": exp,
        "acr": acr,
        "amr": list(amr),
    }
