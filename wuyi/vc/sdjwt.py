"""SD-JWT (RFC 9901): issue, present with a Key Binding JWT, parse and verify.

Wire format (compact): ``<issuer-signed JWT>~<disclosure>~...~<disclosure>~<KB-JWT or empty>``.

* :func:`issue` makes each *top-level* claim of ``disclosable`` a disclosure
  (``[salt, name, value]``, 128-bit salt from :mod:`secrets`) whose digest goes into ``_sd``;
  ``payload`` claims stay visible; ``cnf.jwk`` binds the holder's key. Header
  ``{"alg", "typ": "dc+sd-jwt", "kid"}``.
* :func:`present` keeps the named disclosures and appends a KB-JWT (``typ: "kb+jwt"``) with
  ``aud``, ``nonce``, ``iat``, ``exp``, ``sd_hash`` and extra claims (e.g. ``consent``).
* :func:`verify` follows RFC 9901 §7.1 and §7.3 (verification of the SD-JWT, then of the key
  binding), including nested ``_sd`` objects, array elements ``{"...": digest}`` and
  disclosures inside disclosures, so the RFC's own examples verify. Key binding is always
  required. Refusals raise :class:`~wuyi.exceptions.PresentationRefused` whose
  ``detail["reason"]`` is one of :data:`REFUSAL_REASONS`.

Digests use ``_sd_alg``: ``"sha-256"`` or ``"sm3"`` (Wuyi registration; SM3 of the suite, i.e.
``hashlib.new("sm3")``). The digest is over the ASCII of the base64url disclosure.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.crypto import INTL_SUITE, SM_SUITE
from wuyi.exceptions import CredentialInvalid, NotFound, PresentationRefused
from wuyi.vc.jose import (
    b64url_decode,
    b64url_encode,
    dumps_json,
    jwk_from_public_key,
    loads_json,
    public_key_from_jwk,
    sign_compact,
    unverified_header,
    unverified_payload,
    verify_compact,
)

__all__ = [
    "CREDENTIAL_TYP",
    "DEFAULT_MAX_KB_AGE_S",
    "DIGEST_ALGORITHMS",
    "KB_TYP",
    "REFUSAL_REASONS",
    "Issued",
    "Parsed",
    "Verified",
    "compute_digest",
    "decode_disclosure",
    "issue",
    "parse",
    "present",
    "verify",
    "verify_issued",
]

CREDENTIAL_TYP = "dc+sd-jwt"
KB_TYP = "kb+jwt"
DEFAULT_MAX_KB_AGE_S = 300
#: tolerated clock difference between holder and verifier for a KB-JWT ``iat`` in the future
CLOCK_SKEW_S = 60
SALT_BYTES = 16  # 128 bits, RFC 9901 §9.3

#: ``_sd_alg`` values understood here -> hash function (32-byte digests).
DIGEST_ALGORITHMS: Mapping[str, Callable[[bytes], bytes]] = {
    "sha-256": INTL_SUITE.hash,
    "sm3": SM_SUITE.hash,
}

REFUSAL_REASONS = (
    "malformed",
    "bad_issuer_signature",
    "bad_disclosure",
    "no_key_binding",
    "bad_holder_signature",
    "wrong_audience",
    "wrong_nonce",
    "stale",
    "expired",
)

_SD = "_sd"
_SD_ALG = "_sd_alg"
_ELLIPSIS = "..."
_RESERVED_NAMES = frozenset({_SD, _ELLIPSIS, _SD_ALG, "cnf"})
_KB_RESERVED = frozenset({"aud", "nonce", "iat", "exp", "sd_hash"})

IssuerKeyLookup = Callable[[str, str | None], Mapping[str, Any]]


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Issued:
    """An issued SD-JWT: the issuer-signed ``jwt`` and every disclosure."""

    jwt: str
    disclosures: list[str]

    @property
    def sd_jwt(self) -> str:
        """``jwt~d1~d2~...~`` (no key binding), what the holder stores."""
        return "~".join([self.jwt, *self.disclosures, ""])


@dataclass(frozen=True)
class Parsed:
    """A compact SD-JWT split into its parts (nothing verified)."""

    jwt: str
    header: dict[str, Any]
    payload: dict[str, Any]
    disclosures: list[str]
    kb_jwt: str | None

    @property
    def sd_jwt(self) -> str:
        """The part the KB-JWT's ``sd_hash`` covers: ``jwt~d1~...~dn~``."""
        return "~".join([self.jwt, *self.disclosures, ""])


@dataclass(frozen=True)
class Verified:
    """A verified presentation.

    ``claims``: visible + disclosed claims (``_sd``/``_sd_alg`` removed, recursively);
    ``disclosed``: names of the disclosed object properties (dotted paths when nested), sorted;
    ``payload``: the issuer-signed payload as signed; ``kb``: the KB-JWT payload (``None`` only
    from :func:`verify_issued`); ``jwt``: the issuer-signed JWT; ``header``: its header.
    """

    claims: dict[str, Any]
    disclosed: list[str]
    payload: dict[str, Any]
    kb: dict[str, Any] | None
    jwt: str
    header: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Disclosure:
    text: str
    digest: str
    salt: str
    name: str | None  # None for an array element
    value: Any


# ---------------------------------------------------------------- digests and disclosures


def _hash_fn(sd_alg: object) -> Callable[[bytes], bytes]:
    fn = DIGEST_ALGORITHMS.get(sd_alg) if isinstance(sd_alg, str) else None
    if fn is None:
        known = ", ".join(repr(n) for n in DIGEST_ALGORITHMS)
        raise CredentialInvalid(f"_sd_alg {sd_alg!r} is not supported; known: {known}")
    return fn


def compute_digest(disclosure: str, sd_alg: str = "sha-256") -> str:
    """base64url(hash(ASCII(disclosure))) — RFC 9901 §4.2.3."""
    try:
        data = disclosure.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        raise CredentialInvalid("a disclosure must be an ASCII base64url string") from None
    return b64url_encode(_hash_fn(sd_alg)(data))


def decode_disclosure(disclosure: str) -> tuple[str, str | None, Any]:
    """``(salt, name or None, value)`` of a disclosure; :class:`CredentialInvalid` if malformed."""
    value = loads_json(b64url_decode(disclosure, "disclosure"), "disclosure")
    if not isinstance(value, list) or len(value) not in (2, 3):
        raise CredentialInvalid("a disclosure must be a JSON array of 2 or 3 elements")
    salt = value[0]
    if not isinstance(salt, str):
        raise CredentialInvalid("a disclosure's salt must be a string")
    if len(value) == 2:
        return salt, None, value[1]
    name = value[1]
    if not isinstance(name, str):
        raise CredentialInvalid("a disclosure's claim name must be a string")
    if name in (_SD, _ELLIPSIS):
        raise CredentialInvalid(f"a disclosure may not be named {name!r}")
    return salt, name, value[2]


def _make_disclosure(name: str, value: Any) -> str:
    salt = b64url_encode(secrets.token_bytes(SALT_BYTES))
    return b64url_encode(dumps_json([salt, name, value], f"claim {name!r}"))


# ---------------------------------------------------------------- issue


def issue(
    issuer_key: PrivateKey,
    *,
    header_kid: str,
    payload: Mapping[str, Any],
    disclosable: Mapping[str, Any],
    holder_jwk: Mapping[str, Any] | None,
    sd_alg: str,
    decoys: int = 0,
    subject: str | None = None,
) -> Issued:
    """Sign an SD-JWT whose ``disclosable`` claims are selectively disclosable: top-level
    claims, or, with ``subject`` (e.g. ``"credentialSubject"`` for a W3C VC Data Model 2.0
    credential), properties of that object of ``payload``.

    ``payload`` holds the always-visible claims (``iss``, ``iat``, ``exp``, ``vct``,
    ``status``, ...); it may not contain ``_sd``, ``_sd_alg``, ``...`` or ``cnf``. ``holder_jwk``
    (a Wuyi JWK) goes into ``cnf.jwk``. ``decoys`` extra random digests hide the claim count.
    """
    hash_fn = _hash_fn(sd_alg)
    if not isinstance(header_kid, str) or not header_kid:
        raise CredentialInvalid("header_kid must be a non-empty string")
    if not isinstance(payload, Mapping) or not isinstance(disclosable, Mapping):
        raise CredentialInvalid("payload and disclosable must be JSON objects")
    if not isinstance(decoys, int) or isinstance(decoys, bool) or not 0 <= decoys <= 64:
        raise CredentialInvalid(f"decoys must be an int in [0, 64], got {decoys!r}")
    for name in payload:
        if not isinstance(name, str) or name in _RESERVED_NAMES:
            raise CredentialInvalid(f"payload claim {name!r} is reserved or not a string")
    target: Mapping[str, Any] = payload
    if subject is not None:
        if not isinstance(payload.get(subject), Mapping):
            raise CredentialInvalid(f"payload has no object {subject!r} to hold the claims")
        target = payload[subject]
        for name in target:
            if not isinstance(name, str) or name in _RESERVED_NAMES:
                raise CredentialInvalid(f"{subject} property {name!r} is reserved or not a string")
    for name in disclosable:
        if not isinstance(name, str) or name in _RESERVED_NAMES:
            raise CredentialInvalid(f"disclosable claim {name!r} is reserved or not a string")
        if name in target:
            raise CredentialInvalid(f"claim {name!r} is both visible and disclosable")
    body: dict[str, Any] = dict(payload)
    if holder_jwk is not None:
        suite_name, pub = public_key_from_jwk(holder_jwk)
        body["cnf"] = {"jwk": jwk_from_public_key(suite_name, pub)}
    disclosures = [_make_disclosure(name, value) for name, value in disclosable.items()]
    digests = [b64url_encode(hash_fn(d.encode("ascii"))) for d in disclosures]
    digests += [
        b64url_encode(hash_fn(b64url_encode(secrets.token_bytes(SALT_BYTES)).encode("ascii")))
        for _ in range(decoys)
    ]
    if digests:  # sorted: the order of the claims is not revealed
        if subject is None:
            body[_SD] = sorted(digests)
        else:
            body[subject] = {**payload[subject], _SD: sorted(digests)}
    body[_SD_ALG] = sd_alg
    header = {"typ": CREDENTIAL_TYP, "kid": header_kid}
    return Issued(jwt=sign_compact(issuer_key, header, body), disclosures=disclosures)


# ---------------------------------------------------------------- parse


def parse(presentation: str) -> Parsed:
    """Split a compact SD-JWT (with or without KB-JWT); :class:`CredentialInvalid` if malformed.

    Signatures and digests are *not* checked (see :func:`verify`).
    """
    if not isinstance(presentation, str) or not presentation.isascii():
        raise CredentialInvalid("an SD-JWT must be an ASCII string")
    parts = presentation.split("~")
    if len(parts) < 2:
        raise CredentialInvalid("an SD-JWT has the form <jwt>~<disclosures>~[<kb-jwt>]; no '~'")
    jwt, disclosures, last = parts[0], parts[1:-1], parts[-1]
    for i, disclosure in enumerate(disclosures):
        if not disclosure:
            raise CredentialInvalid(f"SD-JWT part {i + 1} is empty (two '~' in a row)")
    header = unverified_header(jwt)
    payload = unverified_payload(jwt)
    kb_jwt = last or None
    if kb_jwt is not None:
        unverified_header(kb_jwt)
        unverified_payload(kb_jwt)
    return Parsed(jwt, header, payload, disclosures, kb_jwt)


# ---------------------------------------------------------------- present


def present(
    sd_jwt: str,
    disclose: Sequence[str],
    holder_key: PrivateKey,
    *,
    aud: str,
    nonce: str,
    iat: int,
    exp: int,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """A presentation with only the disclosures of the top-level claims named in ``disclose``,
    and a KB-JWT signed by ``holder_key`` over ``aud, nonce, iat, exp, sd_hash`` + ``extra``.

    Refuses names that are neither disclosable nor visible, a ``holder_key`` that is not the
    credential's ``cnf.jwk``, and ``extra`` claims that would replace the KB-JWT's own.
    """
    parsed = parse(sd_jwt)
    if parsed.kb_jwt is not None:
        raise CredentialInvalid("the SD-JWT already carries a KB-JWT; present the issued SD-JWT")
    sd_alg = parsed.payload.get(_SD_ALG, "sha-256")
    by_name: dict[str, str] = {}
    for text in parsed.disclosures:
        _, name, _ = decode_disclosure(text)
        if name is not None:
            by_name[name] = text
    if isinstance(disclose, str) or not all(isinstance(n, str) for n in disclose):
        raise CredentialInvalid("disclose must be a list of claim names")
    chosen: list[str] = []
    for name in dict.fromkeys(disclose):
        if name in by_name:
            chosen.append(by_name[name])
        elif name not in parsed.payload or name in _RESERVED_NAMES:
            raise CredentialInvalid(f"the credential has no claim {name!r} to disclose")
    cnf = parsed.payload.get("cnf")
    if isinstance(cnf, Mapping) and isinstance(cnf.get("jwk"), Mapping):
        bound = public_key_from_jwk(cnf["jwk"])
        if bound != (holder_key.suite_name, bytes(holder_key.public_key)):
            raise CredentialInvalid("holder_key is not the key bound in the credential's cnf.jwk")
    for label, text in (("aud", aud), ("nonce", nonce)):
        if not isinstance(text, str) or not text:
            raise CredentialInvalid(f"KB-JWT {label} must be a non-empty string")
    for label, seconds in (("iat", iat), ("exp", exp)):
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
            raise CredentialInvalid(f"KB-JWT {label} must be a non-negative int (seconds)")
    if exp < iat:
        raise CredentialInvalid("KB-JWT exp is before its iat")
    extra = dict(extra or {})
    clash = sorted(_KB_RESERVED.intersection(extra))
    if clash:
        raise CredentialInvalid(f"extra claims may not replace KB-JWT claims {clash}")
    prefix = "~".join([parsed.jwt, *chosen, ""])
    kb_payload = {
        "aud": aud,
        "nonce": nonce,
        "iat": iat,
        "exp": exp,
        "sd_hash": compute_digest(prefix, sd_alg),
        **extra,
    }
    return prefix + sign_compact(holder_key, {"typ": KB_TYP}, kb_payload)


# ---------------------------------------------------------------- verify


def _refuse(reason: str, message: str, **detail: Any) -> PresentationRefused:
    return PresentationRefused(message, reason=reason, **detail)


class _Unpacker:
    """RFC 9901 §7.1 step 3: replace digests by disclosed values, recursively."""

    def __init__(self, disclosures: Mapping[str, _Disclosure]) -> None:
        self.by_digest = disclosures
        self.seen: set[str] = set()
        self.used: set[str] = set()
        self.disclosed: list[str] = []

    def _claim(self, digest: object) -> _Disclosure | None:
        if not isinstance(digest, str):
            raise CredentialInvalid("a digest must be a string")
        if digest in self.seen:
            raise CredentialInvalid(f"digest {digest} appears more than once")
        self.seen.add(digest)
        found = self.by_digest.get(digest)
        if found is not None:
            self.used.add(digest)
        return found

    def unpack(self, node: Any, path: str) -> Any:
        if isinstance(node, dict):
            return self._object(node, path)
        if isinstance(node, list):
            return self._array(node, path)
        return node

    def _object(self, node: dict[str, Any], path: str) -> dict[str, Any]:
        if _ELLIPSIS in node:
            raise CredentialInvalid(f"'...' outside an array element at {path or 'top level'}")
        out: dict[str, Any] = {}
        for name, value in node.items():
            if name != _SD:
                out[name] = self.unpack(value, f"{path}.{name}" if path else name)
        digests = node.get(_SD, [])
        if not isinstance(digests, list):
            raise CredentialInvalid(f"'_sd' at {path or 'top level'} must be an array")
        for digest in digests:
            found = self._claim(digest)
            if found is None:
                continue  # undisclosed claim or decoy
            if found.name is None:
                raise CredentialInvalid("an array-element disclosure is referenced from '_sd'")
            if found.name in out:
                raise CredentialInvalid(f"disclosed claim {found.name!r} already exists")
            where = f"{path}.{found.name}" if path else found.name
            out[found.name] = self.unpack(found.value, where)
            self.disclosed.append(where)
        return out

    def _array(self, node: list[Any], path: str) -> list[Any]:
        out: list[Any] = []
        for element in node:
            if isinstance(element, dict) and _ELLIPSIS in element:
                if len(element) != 1:
                    raise CredentialInvalid("an array-element digest object has other members")
                found = self._claim(element[_ELLIPSIS])
                if found is None:
                    continue  # undisclosed element or decoy: dropped
                if found.name is not None:
                    raise CredentialInvalid("an object-property disclosure is used in an array")
                out.append(self.unpack(found.value, path))
            else:
                out.append(self.unpack(element, path))
        return out


def _int_claim(claims: Mapping[str, Any], name: str, where: str) -> int | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refuse("malformed", f"{where} {name} must be an integer (seconds)")
    return value


def _check_issued(
    parsed: Parsed,
    issuer_jwk: IssuerKeyLookup,
    now_s: int,
    expected_typ: str | None,
) -> Verified:
    header = parsed.header
    if expected_typ is not None and header.get("typ") != expected_typ:
        raise _refuse(
            "malformed", f"issuer-signed JWT typ is {header.get('typ')!r}, not {expected_typ!r}"
        )
    iss = parsed.payload.get("iss")
    kid = header.get("kid")
    if not isinstance(iss, str) or not iss:
        raise _refuse("malformed", "issuer-signed JWT has no 'iss'")
    if kid is not None and not isinstance(kid, str):
        raise _refuse("malformed", "issuer-signed JWT 'kid' must be a string")
    try:
        jwk = issuer_jwk(iss, kid)
    except (NotFound, CredentialInvalid) as exc:
        raise _refuse("bad_issuer_signature", f"issuer key unknown: {exc.message}") from None
    try:
        _, payload = verify_compact(parsed.jwt, jwk)
    except CredentialInvalid as exc:
        raise _refuse("bad_issuer_signature", f"issuer signature: {exc.message}") from None
    sd_alg = payload.get(_SD_ALG, "sha-256")
    if sd_alg not in DIGEST_ALGORITHMS:
        raise _refuse("malformed", f"_sd_alg {sd_alg!r} is not supported")
    disclosures: dict[str, _Disclosure] = {}
    try:
        for text in parsed.disclosures:
            salt, name, value = decode_disclosure(text)
            digest = compute_digest(text, sd_alg)
            if digest in disclosures:
                raise CredentialInvalid("the same disclosure is presented twice")
            disclosures[digest] = _Disclosure(text, digest, salt, name, value)
        unpacker = _Unpacker(disclosures)
        claims = unpacker.unpack(payload, "")
        unused = len(disclosures) - len(unpacker.used)
        if unused:
            raise CredentialInvalid(f"{unused} disclosure(s) not referenced by the credential")
    except CredentialInvalid as exc:
        raise _refuse("bad_disclosure", f"disclosures: {exc.message}") from None
    claims.pop(_SD_ALG, None)
    exp = _int_claim(claims, "exp", "credential")
    nbf = _int_claim(claims, "nbf", "credential")
    if exp is not None and now_s >= exp:
        raise _refuse("expired", f"credential expired at {exp} (now {now_s})")
    if nbf is not None and now_s + CLOCK_SKEW_S < nbf:
        raise _refuse("expired", f"credential not valid before {nbf} (now {now_s})")
    return Verified(
        claims=claims,
        disclosed=sorted(unpacker.disclosed),
        payload=payload,
        kb=None,
        jwt=parsed.jwt,
        header=header,
    )


def _parse_for_verify(presentation: str) -> Parsed:
    try:
        return parse(presentation)
    except CredentialInvalid as exc:
        raise _refuse("malformed", f"presentation: {exc.message}") from None


def verify_issued(
    sd_jwt: str,
    *,
    issuer_jwk: IssuerKeyLookup,
    now_s: int,
    expected_typ: str | None = CREDENTIAL_TYP,
) -> Verified:
    """RFC 9901 §7.1 only (issuer signature, disclosures, validity), no key binding: what a
    holder checks on receipt. ``.kb`` is ``None``. Refusals as in :func:`verify`."""
    parsed = _parse_for_verify(sd_jwt)
    if parsed.kb_jwt is not None:
        raise _refuse("malformed", "an issued SD-JWT must not carry a KB-JWT")
    return _check_issued(parsed, issuer_jwk, now_s, expected_typ)


def verify(
    presentation: str,
    *,
    issuer_jwk: IssuerKeyLookup,
    audience: str,
    nonce: str,
    now_s: int,
    max_kb_age_s: int = DEFAULT_MAX_KB_AGE_S,
    expected_typ: str | None = CREDENTIAL_TYP,
) -> Verified:
    """Verify a presentation (RFC 9901 §7.3) with key binding required.

    ``issuer_jwk(iss, kid)`` returns the issuer's JWK (raising ``NotFound`` or
    ``CredentialInvalid`` if unknown). ``now_s`` is the verifier's time in seconds. Raises
    :class:`PresentationRefused` with ``reason`` (first failure, in this order):
    ``malformed``, ``bad_issuer_signature``, ``bad_disclosure``, ``expired`` (credential),
    ``no_key_binding``, ``bad_holder_signature``, ``wrong_audience``, ``wrong_nonce``,
    ``stale`` (KB-JWT ``iat`` older than ``max_kb_age_s`` or in the future), ``expired``
    (KB-JWT ``exp``).
    """
    parsed = _parse_for_verify(presentation)
    issued = _check_issued(parsed, issuer_jwk, now_s, expected_typ)
    cnf = issued.payload.get("cnf")
    holder = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if not isinstance(holder, Mapping):
        raise _refuse("no_key_binding", "the credential binds no holder key (cnf.jwk)")
    if parsed.kb_jwt is None:
        raise _refuse("no_key_binding", "the presentation has no KB-JWT")
    try:
        kb_header, kb = verify_compact(parsed.kb_jwt, holder)
    except CredentialInvalid as exc:
        raise _refuse("bad_holder_signature", f"KB-JWT: {exc.message}") from None
    if kb_header.get("typ") != KB_TYP:
        raise _refuse(
            "bad_holder_signature", f"KB-JWT typ is {kb_header.get('typ')!r}, not 'kb+jwt'"
        )
    sd_alg = issued.payload.get(_SD_ALG, "sha-256")
    if kb.get("sd_hash") != compute_digest(parsed.sd_jwt, sd_alg):
        raise _refuse("bad_holder_signature", "KB-JWT sd_hash does not match the presentation")
    if kb.get("aud") != audience:
        raise _refuse("wrong_audience", f"KB-JWT is for audience {kb.get('aud')!r}")
    if kb.get("nonce") != nonce:
        raise _refuse("wrong_nonce", "KB-JWT nonce is not the one this verifier issued")
    iat = _int_claim(kb, "iat", "KB-JWT")
    if iat is None:
        raise _refuse("malformed", "KB-JWT has no iat")
    if now_s - iat > max_kb_age_s:
        raise _refuse("stale", f"KB-JWT issued at {iat} is older than {max_kb_age_s} s")
    if iat > now_s + CLOCK_SKEW_S:
        raise _refuse("stale", f"KB-JWT issued at {iat} is in the future (now {now_s})")
    kb_exp = _int_claim(kb, "exp", "KB-JWT")
    if kb_exp is not None and now_s >= kb_exp:
        raise _refuse("expired", f"KB-JWT expired at {kb_exp} (now {now_s})")
    return Verified(
        claims=issued.claims,
        disclosed=issued.disclosed,
        payload=issued.payload,
        kb=kb,
        jwt=parsed.jwt,
        header=issued.header,
    )
