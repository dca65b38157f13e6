"""OpenID4VCI 1.0 issuance, pre-authorized code flow: the protocol, without HTTP.

A department's issuing desk makes a **credential offer** (§4.1) for one credential type and the
citizen's claim values; the offer travels by value in a QR code,
``openid-credential-offer://?credential_offer=<JSON>``, and carries a pre-authorized code and,
where the law asks for one (:data:`TX_CODE_TYPES`, or the desk asks), a 6-digit transaction code
the desk tells the citizen apart from the QR. The wallet then

1. reads the **credential issuer metadata** (§12.2, ``/.well-known/openid-credential-issuer``)
   and the authorization server metadata (RFC 8414; the issuer is its own authorization
   server, ``pre-authorized_grant_anonymous_access_supported``);
2. trades the code (and the transaction code) at the **token endpoint** (§6) for an access
   token;
3. gets a fresh ``c_nonce`` at the **nonce endpoint** (§7);
4. asks the **credential endpoint** (§8) with a proof of possession (§F.1, a JWT with ``typ``
   ``openid4vci-proof+jwt``, ``aud`` = the issuer, ``nonce`` = the ``c_nonce``) signed by its
   DID key (``kid`` = a DID URL of an authentication key of the citizen's DID on chain),
   and receives a ``dc+sd-jwt`` credential bound to that key. The status-list entry and the
   commitment go on chain by the existing issuance path (``Identity.issue``: ``vc.issue``).

Every refusal raises :class:`~wuyi.exceptions.IssuanceRefused` with a stable ``reason``
(:data:`REASONS`) and the OAuth error code, and changes nothing: the offer, the code and the
nonce stay as they were (a code is spent only when its credential is issued; after
:data:`MAX_TX_CODE_TRIES` wrong transaction codes the offer is withdrawn, to stop guessing).
Personal values live in this process's memory until the credential is issued, then are
dropped; nothing personal goes on chain. The clock and the randomness are injected.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from wuyi.exceptions import CredentialInvalid, IssuanceRefused, ValidationError, WuyiError

__all__ = [
    "FORMAT",
    "MAX_TX_CODE_TRIES",
    "NONCE_TTL_S",
    "OFFER_SCHEME",
    "OFFER_TTL_S",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "REASONS",
    "TOKEN_TTL_S",
    "TX_CODE_TYPES",
    "IssuanceService",
    "IssuerBackend",
    "offer_uri",
    "parse_offer_uri",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
FORMAT = "dc+sd-jwt"
OFFER_SCHEME = "openid-credential-offer://"
OFFER_TTL_S = 600
TOKEN_TTL_S = 300
NONCE_TTL_S = 300
#: a proof's ``iat`` may be this far from the issuer's clock
PROOF_SKEW_S = 300
MAX_TX_CODE_TRIES = 5
TX_CODE_LENGTH = 6
#: credential types whose offer needs a transaction code (identity and civil status: the law
#: asks the counter to make sure the person who scans is the person served)
TX_CODE_TYPES = frozenset({"IdentityCredential", "MarriageCredential"})

#: reason -> (OAuth / OpenID4VCI error code, HTTP status, what it means)
REASONS: dict[str, tuple[str, int, str]] = {
    "unsupported_grant_type": ("unsupported_grant_type", 400, "only the pre-authorized code"),
    "unknown_code": ("invalid_grant", 400, "no such pre-authorized code"),
    "offer_expired": ("invalid_grant", 400, "the offer has expired"),
    "code_used": ("invalid_grant", 400, "the pre-authorized code was already used"),
    "tx_code_required": ("invalid_request", 400, "the offer needs its transaction code"),
    "wrong_tx_code": ("invalid_grant", 400, "the transaction code is wrong"),
    "too_many_tries": ("invalid_grant", 400, "too many wrong transaction codes: offer withdrawn"),
    "invalid_token": ("invalid_token", 401, "no valid access token"),
    "unknown_configuration": (
        "unknown_credential_configuration",
        400,
        "the access token is not for this credential configuration",
    ),
    "bad_request": ("invalid_credential_request", 400, "the credential request is malformed"),
    "bad_proof": ("invalid_proof", 400, "the proof of possession does not hold"),
    "wrong_audience": ("invalid_proof", 400, "the proof is for another credential issuer"),
    "stale_proof": ("invalid_proof", 400, "the proof's iat is too far from now"),
    "wrong_nonce": ("invalid_nonce", 400, "the proof's nonce is not a fresh c_nonce"),
    "unknown_holder": ("invalid_proof", 400, "the proof's key is not the holder DID's key"),
    "issuance_failed": ("server_error", 502, "the chain refused the issuance"),
}


def _refuse(reason: str, message: str = "") -> IssuanceRefused:
    error, status, meaning = REASONS[reason]
    exc = IssuanceRefused(
        f"issuance refused ({reason}): {message or meaning}", reason=reason, error=error
    )
    exc.http_status = status
    return exc


class IssuerBackend(Protocol):
    """What the service needs of the chain and the department: credential types, names, the
    holder's keys, and the existing issuance path (``wuyi.oid4vci.api.ChainIssuer``)."""

    suite_name: str

    def credential_types(self) -> list[dict[str, Any]]:
        """Every credential type on chain: ``{type, issuers, claims, description}``."""
        ...

    def org_name(self, org: str) -> str: ...

    def holder_key(self, kid: str) -> tuple[str, dict[str, Any]]:
        """``(did, jwk)`` of ``kid`` (a DID URL): an active authentication key of an active
        DID, the one its credentials are bound to; :class:`CredentialInvalid` otherwise."""
        ...

    def issue(
        self,
        org: str,
        *,
        type: str,
        holder_did: str,
        claims: dict[str, Any],
        visible: dict[str, Any] | None,
        valid_days: int | None,
    ) -> str:
        """Issue by the existing path (SD-JWT + ``vc.issue`` on chain); the SD-JWT."""
        ...


@dataclass
class _Offer:
    id: str
    org: str
    type: str
    claims: dict[str, Any]
    visible: dict[str, Any] | None
    valid_days: int | None
    code: str
    tx_code: str | None
    expires: float
    tries: int = 0
    busy: bool = False


@dataclass
class _Token:
    offer: _Offer
    expires: float


@dataclass
class _State:
    offers: dict[str, _Offer] = field(default_factory=dict)  # by pre-authorized code
    tokens: dict[str, _Token] = field(default_factory=dict)
    nonces: dict[str, float] = field(default_factory=dict)
    issued: list[dict[str, Any]] = field(default_factory=list)  # offer id, org, idx: no values
    spent: dict[str, float] = field(default_factory=dict)  # used codes, until their offer ends
    lock: threading.Lock = field(default_factory=threading.Lock)


def offer_uri(offer: Mapping[str, Any]) -> str:
    """``openid-credential-offer://?credential_offer=<JSON, percent-encoded>`` (by value)."""
    body = json.dumps(offer, separators=(",", ":"), ensure_ascii=False)
    return f"{OFFER_SCHEME}?credential_offer={quote(body, safe='')}"


def parse_offer_uri(text: str) -> dict[str, Any]:
    """The credential offer of an offer URI (by value); :class:`ValidationError` otherwise."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(text.strip())
    query = parse_qs(parts.query)
    if parts.scheme != "openid-credential-offer" or "credential_offer" not in query:
        raise ValidationError("not an openid-credential-offer:// URI with credential_offer")
    try:
        offer = json.loads(query["credential_offer"][0])
    except ValueError:
        raise ValidationError("credential_offer is not JSON") from None
    if not isinstance(offer, dict) or not isinstance(offer.get("credential_issuer"), str):
        raise ValidationError("credential_offer has no credential_issuer")
    ids = offer.get("credential_configuration_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ValidationError("credential_offer has no credential_configuration_ids")
    grant = (offer.get("grants") or {}).get(PRE_AUTHORIZED_GRANT)
    if not isinstance(grant, dict) or not isinstance(grant.get("pre-authorized_code"), str):
        raise ValidationError("credential_offer has no pre-authorized_code grant")
    return offer


class IssuanceService:
    """The issuer side of OpenID4VCI for the organisations whose issuing keys ``backend``
    holds (``orgs``). ``clock`` returns seconds; ``token`` makes random URL-safe strings;
    ``digits`` random decimal strings (transaction codes)."""

    def __init__(
        self,
        backend: IssuerBackend,
        orgs: list[str],
        *,
        clock: Callable[[], float] = time.time,
        token: Callable[[], str] = lambda: secrets.token_urlsafe(32),
        digits: Callable[[int], str] = lambda n: "".join(
            secrets.choice("0123456789") for _ in range(n)
        ),
        tx_code_types: frozenset[str] = TX_CODE_TYPES,
    ) -> None:
        self.backend = backend
        self.orgs = list(orgs)
        self.clock = clock
        self._token = token
        self._digits = digits
        self.tx_code_types = tx_code_types
        self._state = _State()

    # -- metadata -------------------------------------------------------------------------------

    def _types(self) -> dict[str, dict[str, Any]]:
        return {
            t["type"]: t
            for t in self.backend.credential_types()
            if set(t["issuers"]) & set(self.orgs)
        }

    def metadata(self, issuer: str) -> dict[str, Any]:
        """Credential issuer metadata (§12.2.4) of ``issuer`` (this node's URL)."""
        from wuyi.vc.jose import JWS_ALGORITHMS

        alg = JWS_ALGORITHMS[self.backend.suite_name]
        configs = {}
        for name, t in sorted(self._types().items()):
            orgs = [o for o in t["issuers"] if o in self.orgs]
            configs[name] = {
                "format": FORMAT,
                "vct": name,
                "scope": name,
                "cryptographic_binding_methods_supported": ["did:wuyi"],
                "credential_signing_alg_values_supported": [alg],
                "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": [alg]}},
                "credential_metadata": {
                    "display": [{"name": t.get("description") or name, "locale": "zh-CN"}],
                    "claims": [
                        {"path": ["credentialSubject", c], "display": [{"name": c}]}
                        for c in t["claims"]
                    ],
                },
                "wuyi_issuers": [{"org": o, "name": self.backend.org_name(o)} for o in orgs],
            }
        return {
            "credential_issuer": issuer,
            "credential_endpoint": f"{issuer}/v1/oid4vci/credential",
            "nonce_endpoint": f"{issuer}/v1/oid4vci/nonce",
            "display": [{"name": "五邑链凭证签发 / Wuyi Chain issuing desk", "locale": "zh-CN"}],
            "credential_configurations_supported": configs,
        }

    def authorization_server_metadata(self, issuer: str) -> dict[str, Any]:
        """RFC 8414 metadata: the credential issuer is its own authorization server."""
        return {
            "issuer": issuer,
            "token_endpoint": f"{issuer}/v1/oid4vci/token",
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "pre-authorized_grant_anonymous_access_supported": True,
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": ["none"],
        }

    # -- the desk -------------------------------------------------------------------------------

    def create_offer(
        self,
        issuer: str,
        org: str,
        type: str,
        claims: Mapping[str, Any],
        *,
        visible: Mapping[str, Any] | None = None,
        valid_days: int | None = None,
        tx_code: bool | None = None,
    ) -> dict[str, Any]:
        """A credential offer of ``org`` for one credential of ``type`` with ``claims``
        (selectively disclosable). ``tx_code``: None = as the law asks (:data:`TX_CODE_TYPES`).
        Returns ``{id, offer, offer_uri, tx_code, expires}``: show ``offer_uri`` as a QR code,
        tell the citizen ``tx_code`` apart."""
        if org not in self.orgs:
            raise ValidationError(f"this desk holds no issuing key of '{org}'", field="org")
        t = self._types().get(type)
        if t is None or org not in t["issuers"]:
            raise ValidationError(f"'{org}' may not issue '{type}' here", field="type")
        if not claims:
            raise ValidationError("an offer needs at least one claim", field="claims")
        unknown = sorted(set(claims) - set(t["claims"]))
        if unknown:
            raise ValidationError(f"claims not of {type}: {', '.join(unknown)}", field="claims")
        if valid_days is not None and not 1 <= valid_days <= 36500:
            raise ValidationError("valid_days must be 1-36500", field="valid_days")
        need_code = type in self.tx_code_types if tx_code is None else tx_code
        now = self.clock()
        o = _Offer(
            id=self._token()[:16],
            org=org,
            type=type,
            claims=dict(claims),
            visible=dict(visible) if visible else None,
            valid_days=valid_days,
            code=self._token(),
            tx_code=self._digits(TX_CODE_LENGTH) if need_code else None,
            expires=now + OFFER_TTL_S,
        )
        grant: dict[str, Any] = {"pre-authorized_code": o.code}
        if o.tx_code is not None:
            grant["tx_code"] = {
                "input_mode": "numeric",
                "length": TX_CODE_LENGTH,
                "description": "请输入窗口告知的 6 位交易码 / the 6-digit code the desk told you",
            }
        offer = {
            "credential_issuer": issuer,
            "credential_configuration_ids": [type],
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }
        with self._state.lock:
            self._expire(now)
            self._state.offers[o.code] = o
        return {
            "id": o.id,
            "offer": offer,
            "offer_uri": offer_uri(offer),
            "tx_code": o.tx_code,
            "expires": int(o.expires),
            "org": org,
            "type": type,
        }

    def offer_status(self, offer_id: str) -> dict[str, Any]:
        """``{id, status: "open" | "issued" | "gone", idx?}`` for the desk's screen."""
        with self._state.lock:
            for rec in self._state.issued:
                if rec["id"] == offer_id:
                    return {"id": offer_id, "status": "issued", **rec}
            if any(o.id == offer_id for o in self._state.offers.values()):
                return {"id": offer_id, "status": "open"}
        return {"id": offer_id, "status": "gone"}

    def _expire(self, now: float) -> None:
        st = self._state
        for code in [c for c, o in st.offers.items() if o.expires < now and not o.busy]:
            del st.offers[code]
        for tok in [k for k, v in st.tokens.items() if v.expires < now and not v.offer.busy]:
            del st.tokens[tok]
        for n in [n for n, exp in st.nonces.items() if exp < now]:
            del st.nonces[n]
        for code in [c for c, exp in st.spent.items() if exp < now]:
            del st.spent[code]

    # -- token and nonce endpoints ---------------------------------------------------------------

    def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        """The token endpoint (§6): ``grant_type`` = pre-authorized code, ``pre-authorized_code``
        and ``tx_code`` -> ``{access_token, token_type, expires_in, authorization_details}``."""
        if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
            raise _refuse("unsupported_grant_type", f"grant_type {form.get('grant_type')!r}")
        code = form.get("pre-authorized_code") or ""
        now = self.clock()
        with self._state.lock:
            o = self._state.offers.get(code)
            if o is None:
                raise _refuse("code_used" if code in self._state.spent else "unknown_code")
            if o.expires < now:
                raise _refuse("offer_expired")
            if any(t.offer is o for t in self._state.tokens.values()):
                raise _refuse("code_used")
            if o.tx_code is not None:
                given = form.get("tx_code")
                if not given:
                    raise _refuse("tx_code_required")
                if not secrets.compare_digest(given, o.tx_code):
                    o.tries += 1
                    if o.tries >= MAX_TX_CODE_TRIES:
                        del self._state.offers[code]
                        raise _refuse("too_many_tries")
                    raise _refuse("wrong_tx_code")
            access = self._token()
            self._state.tokens[access] = _Token(o, now + TOKEN_TTL_S)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_S,
            "authorization_details": [
                {
                    "type": "openid_credential",
                    "credential_configuration_id": o.type,
                    "credential_identifiers": [o.type],
                }
            ],
        }

    def nonce(self) -> dict[str, Any]:
        """The nonce endpoint (§7): a fresh ``c_nonce``, good once for :data:`NONCE_TTL_S`."""
        n = self._token()
        now = self.clock()
        with self._state.lock:
            self._expire(now)
            self._state.nonces[n] = now + NONCE_TTL_S
        return {"c_nonce": n}

    # -- credential endpoint ---------------------------------------------------------------------

    def credential(
        self, issuer: str, authorization: str | None, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The credential endpoint (§8): bearer ``authorization``, ``request`` =
        ``{credential_configuration_id | credential_identifier, proofs: {jwt: [proof]}}``
        (or the older ``proof: {proof_type: "jwt", jwt}``) -> ``{credentials: [{credential}]}``.
        """
        scheme, _, access = (authorization or "").partition(" ")
        now = self.clock()
        with self._state.lock:
            tok = self._state.tokens.get(access) if scheme.lower() == "bearer" else None
            if tok is None or tok.expires < now:
                raise _refuse("invalid_token")
            o = tok.offer
            if o.busy:
                raise _refuse("code_used", "this credential is being issued")
        wanted = request.get("credential_configuration_id") or request.get("credential_identifier")
        if wanted != o.type:
            raise _refuse("unknown_configuration", f"asked {wanted!r}, the offer is {o.type!r}")
        proof = self._proof_of(request)
        did, _jwk, nonce = self._check_proof(proof, issuer, now)
        with self._state.lock:
            if o.busy or self._state.tokens.get(access) is not tok:
                raise _refuse("code_used")
            nonce_expires = self._state.nonces.get(nonce, -1.0)
            if nonce_expires < now:
                raise _refuse("wrong_nonce", "the c_nonce is unknown, used or expired")
            del self._state.nonces[nonce]  # good once, even while the chain is asked
            o.busy = True
        try:
            sd_jwt = self.backend.issue(
                o.org,
                type=o.type,
                holder_did=did,
                claims=o.claims,
                visible=o.visible,
                valid_days=o.valid_days,
            )
        except WuyiError as exc:
            with self._state.lock:  # nothing changed: the offer and the nonce are as before
                o.busy = False
                self._state.nonces[nonce] = nonce_expires
            raise _refuse("issuance_failed", exc.message) from None
        idx = _status_idx(sd_jwt)
        with self._state.lock:  # spent: the code, the token, the nonce; values dropped
            self._state.tokens.pop(access, None)
            self._state.offers.pop(o.code, None)
            self._state.spent[o.code] = o.expires
            o.claims = {}
            self._state.issued.append({"id": o.id, "org": o.org, "type": o.type, "idx": idx})
            del self._state.issued[:-1000]
        return {"credentials": [{"credential": sd_jwt}], "holder": did}

    @staticmethod
    def _proof_of(request: Mapping[str, Any]) -> str:
        proofs = request.get("proofs")
        if isinstance(proofs, dict):
            jwts = proofs.get("jwt")
            if set(proofs) != {"jwt"} or not isinstance(jwts, list) or len(jwts) != 1:
                raise _refuse("bad_request", "proofs must be {jwt: [one proof JWT]}")
            proof = jwts[0]
        else:
            single = request.get("proof")
            if not isinstance(single, dict) or single.get("proof_type") != "jwt":
                raise _refuse("bad_request", "no proofs.jwt (nor proof with proof_type jwt)")
            proof = single.get("jwt")
        if not isinstance(proof, str):
            raise _refuse("bad_request", "the proof must be a compact JWT")
        return proof

    def _check_proof(self, proof: str, issuer: str, now: float) -> tuple[str, dict[str, Any], str]:
        """Appendix F.1: ``typ``, ``alg`` (not none, the suite's), ``kid`` a DID URL of the
        holder's key on chain (no ``jwk``/``x5c``), signature, ``aud`` = issuer, ``iat``
        fresh, ``nonce`` present. Returns ``(did, jwk, nonce)``."""
        from wuyi.vc.jose import unverified_header, unverified_payload, verify_compact

        try:
            header = unverified_header(proof)
            claims = unverified_payload(proof)
        except CredentialInvalid as exc:
            raise _refuse("bad_proof", exc.message) from None
        if header.get("typ") != PROOF_TYP:
            raise _refuse("bad_proof", f"typ is {header.get('typ')!r}, not {PROOF_TYP!r}")
        if "jwk" in header or "x5c" in header:
            raise _refuse("bad_proof", "the key must be named by kid (a DID URL), not jwk/x5c")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid.startswith("did:wuyi:") or "#" not in kid:
            raise _refuse("bad_proof", f"kid must be a did:wuyi DID URL, got {kid!r}")
        try:
            did, jwk = self.backend.holder_key(kid)
        except (CredentialInvalid, WuyiError) as exc:
            raise _refuse("unknown_holder", exc.message) from None
        try:
            verify_compact(proof, jwk)
        except CredentialInvalid as exc:
            raise _refuse("bad_proof", exc.message) from None
        if claims.get("aud") != issuer:
            raise _refuse("wrong_audience", f"aud {claims.get('aud')!r} is not {issuer!r}")
        iat = claims.get("iat")
        if not isinstance(iat, int) or isinstance(iat, bool) or abs(iat - now) > PROOF_SKEW_S:
            raise _refuse("stale_proof", f"iat {iat!r}")
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise _refuse("wrong_nonce", "the proof carries no nonce")
        return did, jwk, nonce


def _status_idx(sd_jwt: str) -> int | None:
    from wuyi.vc.jose import unverified_payload

    try:
        st = unverified_payload(sd_jwt.split("~", 1)[0]).get("status", {})
        idx = st.get("status_list", {}).get("idx")
    except (CredentialInvalid, AttributeError):
        return None
    return idx if isinstance(idx, int) else None
