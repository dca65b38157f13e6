"""Identity-provider attestations (identity assurance): token format, make and check.

An attestation is a compact JWS, header ``{"alg", "typ": "wuyi-ida+jwt", "kid":
"did:wuyi:org:<org>#<wy-address>"}``, payload::

    {"iss": "did:wuyi:org:<org>", "sub": "<subject DID>", "real_name": bool, "face": bool,
     "level": int, "iat": seconds, "exp": seconds}

with ``exp - iat <= 86400``. It is signed by an ``idp`` member of an enabled provider org.

:func:`check_attestation` is **deterministic** (no clock, no randomness, no I/O of its own): the
contract runtime calls it inside block execution with ``now_ms = ctx.time`` and a
``lookup_jwk`` that reads the state (provider enabled, member active with role ``idp``). Every
refusal is a :class:`~wuyi.exceptions.CredentialInvalid` whose message names the failed rule and
whose ``detail["rule"]`` is a stable short name (``typ``, ``kid``, ``iss``, ``key``,
``signature``, ``claims``, ``sub``, ``lifetime``, ``not_yet_valid``, ``expired``, ``level``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.crypto import address_of, format_address, get_suite
from wuyi.exceptions import CredentialInvalid, NotFound
from wuyi.vc.jose import sign_compact, unverified_header, unverified_payload, verify_compact

__all__ = [
    "ATTESTATION_TYP",
    "MAX_ATTESTATION_LIFETIME_S",
    "MAX_LEVEL",
    "ORG_DID_PREFIX",
    "check_attestation",
    "make_attestation",
]

ATTESTATION_TYP = "wuyi-ida+jwt"
MAX_ATTESTATION_LIFETIME_S = 86_400
MAX_LEVEL = 4
ORG_DID_PREFIX = "did:wuyi:org:"
_SUBJECT_PREFIX = "did:wuyi:"

JwkLookup = Callable[[str, str], Mapping[str, Any]]


def _fail(rule: str, message: str, **detail: Any) -> CredentialInvalid:
    return CredentialInvalid(f"attestation refused ({rule}): {message}", rule=rule, **detail)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_window(iat: int, exp: int) -> None:
    if exp <= iat:
        raise _fail("lifetime", f"exp {exp} is not after iat {iat}")
    if exp - iat > MAX_ATTESTATION_LIFETIME_S:
        raise _fail(
            "lifetime",
            f"exp - iat = {exp - iat} s exceeds {MAX_ATTESTATION_LIFETIME_S} s (one day)",
        )


def make_attestation(
    key: PrivateKey,
    *,
    org: str,
    sub: str,
    level: int,
    real_name: bool,
    face: bool,
    iat: int,
    exp: int,
) -> str:
    """Sign an attestation as a member of provider ``org`` (``kid`` = org DID + key address)."""
    if not isinstance(org, str) or not org or "#" in org or ":" in org:
        raise _fail("iss", f"org must be a non-empty org id without ':' or '#', got {org!r}")
    if not isinstance(sub, str) or not sub.startswith(_SUBJECT_PREFIX):
        raise _fail("sub", f"sub must be a did:wuyi DID, got {sub!r}")
    if not _is_int(level) or not 1 <= level <= MAX_LEVEL:
        raise _fail("level", f"level must be an int in [1, {MAX_LEVEL}], got {level!r}")
    if not isinstance(real_name, bool) or not isinstance(face, bool):
        raise _fail("claims", "real_name and face must be booleans")
    if not _is_int(iat) or not _is_int(exp) or iat < 0:
        raise _fail("claims", "iat and exp must be non-negative ints (seconds)")
    _check_window(iat, exp)
    suite = get_suite(key.suite_name)
    iss = ORG_DID_PREFIX + org
    kid = f"{iss}#{format_address(address_of(suite, key.public_key))}"
    payload = {
        "iss": iss,
        "sub": sub,
        "real_name": real_name,
        "face": face,
        "level": level,
        "iat": iat,
        "exp": exp,
    }
    return sign_compact(key, {"typ": ATTESTATION_TYP, "kid": kid}, payload)


def check_attestation(
    token: str,
    *,
    lookup_jwk: JwkLookup,
    subject: str,
    now_ms: int,
    max_level: int,
) -> dict[str, Any]:
    """Check an attestation for ``subject`` at block time ``now_ms``; deterministic.

    Rules, in order: header ``typ``; ``kid`` is ``<iss>#...``; ``iss`` is an org DID;
    ``lookup_jwk(iss, kid)`` knows the key (it raises ``NotFound``/``CredentialInvalid`` for an
    unknown key, a disabled provider or a member without role ``idp``); signature; claim types;
    ``sub == subject``; ``0 < exp - iat <= 86400``; ``iat*1000 <= now_ms <= exp*1000``;
    ``1 <= level <= max_level``.

    Returns ``{"provider", "level", "real_name", "face", "iat", "exp", "kid"}``.
    """
    try:
        header = unverified_header(token)
        claims = unverified_payload(token)
    except CredentialInvalid as exc:
        raise _fail("format", exc.message) from None
    if header.get("typ") != ATTESTATION_TYP:
        raise _fail("typ", f"header typ is {header.get('typ')!r}, not {ATTESTATION_TYP!r}")
    iss, kid = claims.get("iss"), header.get("kid")
    if not isinstance(iss, str) or not iss.startswith(ORG_DID_PREFIX) or iss == ORG_DID_PREFIX:
        raise _fail("iss", f"iss must be an organisation DID did:wuyi:org:<org>, got {iss!r}")
    if not isinstance(kid, str) or not kid.startswith(iss + "#") or kid == iss + "#":
        raise _fail("kid", f"kid must be '{iss}#<member address>', got {kid!r}")
    try:
        jwk = lookup_jwk(iss, kid)
    except (NotFound, CredentialInvalid) as exc:
        raise _fail("key", f"signing key {kid} not usable: {exc.message}") from None
    try:
        _, payload = verify_compact(token, jwk)
    except CredentialInvalid as exc:
        raise _fail("signature", exc.message) from None
    sub, level = payload.get("sub"), payload.get("level")
    real_name, face = payload.get("real_name"), payload.get("face")
    iat, exp = payload.get("iat"), payload.get("exp")
    if not isinstance(real_name, bool) or not isinstance(face, bool):
        raise _fail("claims", "real_name and face must be booleans")
    if not (isinstance(level, int) and isinstance(iat, int) and isinstance(exp, int)) or any(
        isinstance(v, bool) for v in (level, iat, exp)
    ):
        raise _fail("claims", "level, iat and exp must be ints")
    if not isinstance(sub, str):
        raise _fail("claims", "sub must be a string")
    if sub != subject:
        raise _fail("sub", f"attestation is about {sub}, not {subject}")
    _check_window(iat, exp)
    if not _is_int(now_ms):
        raise _fail("expired", f"now_ms must be an int, got {now_ms!r}")
    if now_ms < iat * 1000:
        raise _fail("not_yet_valid", f"iat {iat} s is after block time {now_ms} ms")
    if now_ms > exp * 1000:
        raise _fail("expired", f"exp {exp} s is before block time {now_ms} ms")
    if not _is_int(max_level) or not 1 <= max_level <= MAX_LEVEL:
        raise _fail("level", f"provider max_level must be in [1, {MAX_LEVEL}], got {max_level!r}")
    if not 1 <= level <= max_level:
        raise _fail("level", f"level {level} is outside [1, {max_level}] for this provider")
    return {
        "provider": iss[len(ORG_DID_PREFIX) :],
        "level": level,
        "real_name": real_name,
        "face": face,
        "iat": iat,
        "exp": exp,
        "kid": kid,
    }
