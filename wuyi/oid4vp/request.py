"""The authorisation request of OpenID for Verifiable Presentations 1.0, as Wuyi's verifiers
make it (pure: no clock, no randomness, no I/O — the caller passes ``iat``, ``nonce`` and
``state``).

A verifier (a member organisation, e.g. a bank) asks a wallet for SD-JWT VCs with a **signed
request object** (JAR, RFC 9101) passed **by reference** (``request_uri``):

* ``client_id`` = ``decentralized_identifier:did:wuyi:org:<org>`` (OpenID4VP 1.0 §5.9.3: the
  request must be signed with a key of that DID's document; ``kid`` names it);
* JWS header ``typ`` = ``oauth-authz-req+jwt``, ``alg`` the chain's (``EdDSA`` / ``SM2``);
* ``response_type`` = ``vp_token``, ``response_mode`` = ``direct_post`` with ``response_uri``
  (and no ``redirect_uri``), ``nonce`` and ``state`` (URL-safe ASCII), ``aud`` =
  ``https://self-issued.me/v2`` (static wallet discovery), ``iat``/``exp``;
* ``dcql_query`` (§6): one credential query per credential type, ``format`` ``dc+sd-jwt``,
  ``meta.vct_values`` = ``[<type>]`` and the claims by path ``["credentialSubject", <name>]``;
* ``purpose`` — Wuyi's extension parameter (OAuth 2.0 allows them; other wallets ignore it):
  the purpose stated to the citizen, which the consent on chain names.

The same-device / QR link is ``openid4vp://?client_id=…&request_uri=…`` (§5.10.1 with
``request_uri_method`` absent: GET). :func:`validate_request` is the one rule book, used by the
node when the desk hands it a request object, by the wallets (Python and the console's) and by
the tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from wuyi.exceptions import ValidationError

__all__ = [
    "CLIENT_ID_PREFIX",
    "MAX_REQUEST_TTL_S",
    "REQUEST_TYP",
    "SD_JWT_FORMAT",
    "Asked",
    "build_request",
    "client_id_of",
    "dcql_query",
    "org_of_client_id",
    "parse_link",
    "request_link",
    "requested",
    "validate_request",
]

CLIENT_ID_PREFIX = "decentralized_identifier:"
ORG_DID_PREFIX = "did:wuyi:org:"
REQUEST_TYP = "oauth-authz-req+jwt"
SD_JWT_FORMAT = "dc+sd-jwt"
SELF_ISSUED_AUD = "https://self-issued.me/v2"
LINK_SCHEME = "openid4vp"
#: how long a request may be answered (seconds between ``iat`` and ``exp``)
MAX_REQUEST_TTL_S = 600
DEFAULT_REQUEST_TTL_S = 300
SUBJECT = "credentialSubject"
MAX_CREDENTIAL_QUERIES = 8
MAX_CLAIMS = 32
MAX_PURPOSE = 200

_ORG = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
_QUERY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # §6.1: alphanumeric, underscore, hyphen
_URL_SAFE = re.compile(r"^[A-Za-z0-9_~.-]{16,128}$")  # nonce, state: ASCII URL-safe
_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,63}$")
_CLAIM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

_REQUIRED = (
    "client_id",
    "response_type",
    "response_mode",
    "response_uri",
    "nonce",
    "state",
    "dcql_query",
    "iat",
    "exp",
)


def _bad(message: str, field: str) -> ValidationError:
    return ValidationError(f"OpenID4VP request: {message}", field=field)


def client_id_of(org: str) -> str:
    """The client identifier of organisation ``org``:
    ``decentralized_identifier:did:wuyi:org:<org>``."""
    return CLIENT_ID_PREFIX + ORG_DID_PREFIX + org


def org_of_client_id(client_id: Any) -> str:
    """The organisation id in a Wuyi verifier's client identifier; :class:`ValidationError`
    unless it is ``decentralized_identifier:did:wuyi:org:<org>``."""
    if not isinstance(client_id, str) or not client_id.startswith(CLIENT_ID_PREFIX):
        raise _bad(
            f"client_id must use the {CLIENT_ID_PREFIX!r} prefix (OpenID4VP 1.0 §5.9.3),"
            f" got {client_id!r}",
            "client_id",
        )
    did = client_id.removeprefix(CLIENT_ID_PREFIX)
    org = did.removeprefix(ORG_DID_PREFIX)
    if not did.startswith(ORG_DID_PREFIX) or not _ORG.match(org):
        raise _bad(f"client_id must name an organisation DID, got {did!r}", "client_id")
    return org


def dcql_query(wanted: Mapping[str, list[str]]) -> dict[str, Any]:
    """A DCQL query asking, for each credential type in ``wanted``, an SD-JWT VC of that
    ``vct`` disclosing the claims listed (properties of ``credentialSubject``)."""
    return {
        "credentials": [
            {
                "id": f"q{i}_{vct}"[:64],
                "format": SD_JWT_FORMAT,
                "meta": {"vct_values": [vct]},
                "claims": [{"path": [SUBJECT, c]} for c in claims],
            }
            for i, (vct, claims) in enumerate(wanted.items())
        ]
    }


@dataclass(frozen=True)
class Asked:
    """One credential query of a DCQL query: its ``id`` (the key of the response's
    ``vp_token``), the credential ``type`` (``vct``) and the ``claims`` by name."""

    id: str
    type: str
    claims: tuple[str, ...]


def requested(dcql: Any) -> list[Asked]:
    """The credential queries of ``dcql`` (validated: OpenID4VP 1.0 §6 as Wuyi uses it — one
    ``dc+sd-jwt`` query per type, a ``vct_values`` of one type, claims by path ``[name]`` or
    ``["credentialSubject", name]``, no ``credential_sets`` or ``claim_sets``)."""
    if not isinstance(dcql, Mapping):
        raise _bad("dcql_query must be a JSON object", "dcql_query")
    extra = sorted(set(dcql) - {"credentials"})
    if extra:
        raise _bad(f"dcql_query: {extra} are not supported (only credentials)", "dcql_query")
    creds = dcql.get("credentials")
    if not isinstance(creds, list) or not 1 <= len(creds) <= MAX_CREDENTIAL_QUERIES:
        raise _bad(
            f"dcql_query.credentials must be a list of 1-{MAX_CREDENTIAL_QUERIES} queries",
            "dcql_query",
        )
    out: list[Asked] = []
    for q in creds:
        if not isinstance(q, Mapping):
            raise _bad("a credential query must be an object", "dcql_query")
        qid = q.get("id")
        if not isinstance(qid, str) or not _QUERY_ID.match(qid):
            raise _bad(f"credential query id {qid!r} is not [A-Za-z0-9_-]{{1,64}}", "dcql_query")
        if q.get("format") != SD_JWT_FORMAT:
            raise _bad(f"query {qid}: format must be {SD_JWT_FORMAT!r}", "dcql_query")
        meta = q.get("meta")
        vcts = meta.get("vct_values") if isinstance(meta, Mapping) else None
        if not isinstance(vcts, list) or len(vcts) != 1 or not isinstance(vcts[0], str):
            raise _bad(f"query {qid}: meta.vct_values must name one type", "dcql_query")
        if not _TYPE.match(vcts[0]):
            raise _bad(f"query {qid}: {vcts[0]!r} is not a credential type", "dcql_query")
        claims = q.get("claims")
        if not isinstance(claims, list) or not 1 <= len(claims) <= MAX_CLAIMS:
            raise _bad(f"query {qid}: claims must list 1-{MAX_CLAIMS} claims", "dcql_query")
        names: list[str] = []
        for c in claims:
            path = c.get("path") if isinstance(c, Mapping) else None
            if isinstance(path, list) and len(path) == 2 and path[0] == SUBJECT:
                path = path[1:]
            if not (isinstance(path, list) and len(path) == 1 and isinstance(path[0], str)):
                raise _bad(f"query {qid}: claim path {path!r} is not supported", "dcql_query")
            if not _CLAIM.match(path[0]) or path[0] in names:
                raise _bad(f"query {qid}: claim {path[0]!r} is invalid or repeated", "dcql_query")
            names.append(path[0])
        if any(a.id == qid for a in out) or any(a.type == vcts[0] for a in out):
            raise _bad(f"query {qid}: an id or a type is asked twice", "dcql_query")
        out.append(Asked(qid, vcts[0], tuple(names)))
    return out


def build_request(
    *,
    org: str,
    nonce: str,
    state: str,
    response_uri: str,
    dcql: Mapping[str, Any],
    purpose: str,
    iat: int,
    ttl: int = DEFAULT_REQUEST_TTL_S,
    alg: str = "EdDSA",
) -> dict[str, Any]:
    """The claims of a request object of organisation ``org`` (sign them with a key of its
    DID document: ``wuyi.vc.jose.sign_compact(key, {"typ": REQUEST_TYP, "kid": kid}, …)``).
    Validated by :func:`validate_request` before it is returned."""
    claims: dict[str, Any] = {
        "iss": client_id_of(org),
        "aud": SELF_ISSUED_AUD,
        "client_id": client_id_of(org),
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": dict(dcql),
        "purpose": purpose,
        "client_metadata": {
            "vp_formats_supported": {
                SD_JWT_FORMAT: {"sd-jwt_alg_values": [alg], "kb-jwt_alg_values": [alg]}
            }
        },
        "iat": iat,
        "exp": iat + ttl,
    }
    validate_request(claims, header={"typ": REQUEST_TYP, "alg": alg, "kid": "#"})
    return claims


def validate_request(
    claims: Mapping[str, Any], *, header: Mapping[str, Any], now_s: int | None = None
) -> list[Asked]:
    """Check a request object's header and claims against the OpenID4VP 1.0 rules Wuyi
    follows (module docstring); returns the credential queries. ``now_s``: also refuse a
    request past its ``exp`` (``expired``) or issued in the future. Raises
    :class:`ValidationError` naming the field."""
    if header.get("typ") != REQUEST_TYP:
        raise _bad(f"the JWS typ must be {REQUEST_TYP!r}, got {header.get('typ')!r}", "typ")
    if not isinstance(header.get("kid"), str):
        raise _bad("the JWS header names no kid (a key of the client's DID)", "kid")
    for name in _REQUIRED:
        if name not in claims:
            raise _bad(f"{name} is missing", name)
    org = org_of_client_id(claims["client_id"])
    kid = str(header["kid"])
    if kid != "#" and not kid.startswith(ORG_DID_PREFIX + org + "#"):
        raise _bad(f"kid {kid!r} is not a key of {ORG_DID_PREFIX}{org}", "kid")
    if "iss" in claims and claims["iss"] != claims["client_id"]:
        raise _bad("iss must equal client_id", "iss")
    if claims["response_type"] != "vp_token":
        raise _bad("response_type must be 'vp_token'", "response_type")
    if claims["response_mode"] != "direct_post":
        raise _bad("response_mode must be 'direct_post'", "response_mode")
    if "redirect_uri" in claims:
        raise _bad("redirect_uri must not be present with direct_post (§8.2)", "redirect_uri")
    uri = claims["response_uri"]
    parts = urlsplit(uri) if isinstance(uri, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
        raise _bad(f"response_uri must be an http(s) URL, got {uri!r}", "response_uri")
    for name in ("nonce", "state"):
        v = claims[name]
        if not isinstance(v, str) or not _URL_SAFE.match(v):
            raise _bad(f"{name} must be 16-128 URL-safe ASCII characters", name)
    if "aud" in claims and claims["aud"] != SELF_ISSUED_AUD:
        raise _bad(f"aud must be {SELF_ISSUED_AUD!r}", "aud")
    iat, exp = claims["iat"], claims["exp"]
    if type(iat) is not int or type(exp) is not int or not 0 < exp - iat <= MAX_REQUEST_TTL_S:
        raise _bad(f"iat/exp must be integers at most {MAX_REQUEST_TTL_S} s apart", "exp")
    purpose = claims.get("purpose", "")
    if not isinstance(purpose, str) or not 1 <= len(purpose) <= MAX_PURPOSE:
        raise _bad(f"purpose must be 1-{MAX_PURPOSE} characters", "purpose")
    for gone in ("presentation_definition", "presentation_definition_uri", "scope"):
        if gone in claims:
            raise _bad(f"{gone} is not used: the query is dcql_query", gone)
    asked = requested(claims["dcql_query"])
    if now_s is not None:
        if now_s >= exp:
            raise ValidationError(
                f"OpenID4VP request: expired at {exp} (now {now_s})", field="exp", reason="expired"
            )
        if iat > now_s + 60:
            raise _bad(f"issued in the future ({iat}, now {now_s})", "iat")
    return asked


def request_link(client_id: str, request_uri: str) -> str:
    """The QR code's / same-device link: ``openid4vp://?client_id=…&request_uri=…``."""
    return f"{LINK_SCHEME}://?" + urlencode({"client_id": client_id, "request_uri": request_uri})


def parse_link(link: str) -> tuple[str, str]:
    """``(client_id, request_uri)`` of an ``openid4vp://`` link (also accepted: the console's
    wallet link with the link in its ``request`` parameter)."""
    text = link.strip()
    if "#/" in text and "request=" in text:
        inner = parse_qs(text.split("?", 1)[1]).get("request", [""])[0]
        text = inner or text
    parts = urlsplit(text)
    if parts.scheme != LINK_SCHEME:
        raise ValidationError(f"not an {LINK_SCHEME}:// link: {text[:60]!r}", field="link")
    q = parse_qs(parts.query)
    client_id = q.get("client_id", [""])[0]
    request_uri = q.get("request_uri", [""])[0]
    org_of_client_id(client_id)
    if not request_uri.startswith(("https://", "http://")):
        raise ValidationError("the link carries no http(s) request_uri", field="request_uri")
    return client_id, request_uri
