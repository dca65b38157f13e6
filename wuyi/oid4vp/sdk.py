"""OpenID4VP 1.0 in the SDK: the verifier's desk and the holder's wallet.

::

    desk = Desk(client, bank_member_key, "bank")
    req = desk.open({"IdentityCredential": ["age_over_18"]}, purpose="开户 / account opening")
    print(req.link)                       # openid4vp://?client_id=…&request_uri=… (the QR code)

    # the citizen's wallet (another process, another machine)
    asked = fetch_request(client, req.link)  # signature checked against the bank's DID on chain
    respond(wallet, asked, consent=consent_id, consents=Identity(client), client=client)

    verdict = desk.wait(req)              # recorded on chain by the desk: the chain's verdict

:func:`respond` refuses (:class:`~wuyi.exceptions.DisclosureRefused`, nothing posted) unless
the consent named covers everything the request asks — the verifier, every type and claim and
the purpose — so a request that asks for more than the consent covers goes no further than the
wallet.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from wuyi.abc import PrivateKey
from wuyi.crypto import address_of, format_address, get_suite
from wuyi.exceptions import (
    CredentialInvalid,
    DisclosureRefused,
    PresentationRefused,
    ValidationError,
)
from wuyi.oid4vp.request import (
    DEFAULT_REQUEST_TTL_S,
    ORG_DID_PREFIX,
    REQUEST_TYP,
    Asked,
    build_request,
    dcql_query,
    org_of_client_id,
    parse_link,
    validate_request,
)
from wuyi.oid4vp.verifier import REQUEST_PATH, RESPONSE_PATH
from wuyi.sdk.client import WuyiClient
from wuyi.sdk.identity import Identity, Verdict, record_presentation_check
from wuyi.sdk.wallet import ConsentSource, Wallet, check_consent_covers

__all__ = ["AuthorizationRequest", "Desk", "DeskRequest", "fetch_request", "respond"]


@dataclass
class DeskRequest:
    """A request the desk opened: where the wallet finds it, and the desk's secret."""

    state: str
    nonce: str
    link: str
    request_uri: str
    desk_token: str = field(repr=False)
    expires: int = 0


class Desk:
    """A verifier's desk: a member key of organisation ``org`` (one its DID document lists:
    admin, issuer or idp) signs the request objects and the ``vc.verify`` records."""

    def __init__(self, client: WuyiClient, key: PrivateKey, org: str) -> None:
        self.client, self.key, self.org = client, key, org

    @property
    def kid(self) -> str:
        suite = get_suite(self.key.suite_name)
        return (
            f"{ORG_DID_PREFIX}{self.org}#{format_address(address_of(suite, self.key.public_key))}"
        )

    def sign(self, claims: dict[str, Any]) -> str:
        from wuyi.vc.jose import sign_compact

        return sign_compact(self.key, {"typ": REQUEST_TYP, "kid": self.kid}, claims)

    def open(
        self,
        wanted: dict[str, list[str]],
        *,
        purpose: str,
        ttl: int = DEFAULT_REQUEST_TTL_S,
        now: int | None = None,
    ) -> DeskRequest:
        """Sign a request for the claims ``wanted`` (``{type: [claim, …]}``) and hand it to
        the node; the answer's ``link`` is what the QR code carries."""
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        base = self.client.node_url.rstrip("/")
        claims = build_request(
            org=self.org,
            nonce=nonce,
            state=state,
            response_uri=base + RESPONSE_PATH + state,
            dcql=dcql_query(wanted),
            purpose=purpose,
            iat=int(time.time() if now is None else now),
            ttl=ttl,
            alg="EdDSA" if self.key.suite_name == "intl" else "SM2",
        )
        doc = self.client._request(
            "POST", "/v1/oid4vp/requests", json={"request": self.sign(claims)}
        ).json()
        return DeskRequest(
            state, nonce, doc["link"], doc["request_uri"], doc["desk_token"], doc["expires"]
        )

    def poll(self, req: DeskRequest) -> dict[str, Any]:
        """The node's answer for ``req`` now (``status``; the ``presentation`` once)."""
        out: dict[str, Any] = self.client._request(
            "GET",
            f"{REQUEST_PATH}{req.state}/result",
            headers={"X-Wuyi-Desk-Token": req.desk_token},
        ).json()
        return out

    def record(self, presentation: str, nonce: str) -> Verdict:
        """Send the presentation to the chain (``vc.verify``, the text as a private
        side-car): the chain checks it again at block time; its verdict is the answer."""
        result, reason, res = record_presentation_check(self.client, self.key, presentation, nonce)
        return Verdict(result, reason, result, tx_hash=res.tx_hash, height=res.height)

    def wait(self, req: DeskRequest, *, timeout: float = 120, interval: float = 0.5) -> Verdict:
        """Poll until the wallet has answered, then record the check on chain."""
        end = time.monotonic() + timeout
        while True:
            doc = self.poll(req)
            if "presentation" in doc:
                return self.record(doc["presentation"], req.nonce)
            if time.monotonic() > end or doc["expires"] < time.time():
                return Verdict("refused", "expired", "no answer before the request expired")
            time.sleep(interval)


@dataclass(frozen=True)
class AuthorizationRequest:
    """A request as the wallet read and checked it."""

    claims: dict[str, Any]
    asked: list[Asked]
    org: str
    kid: str

    @property
    def client_id(self) -> str:
        return str(self.claims["client_id"])

    @property
    def purpose(self) -> str:
        return str(self.claims.get("purpose", ""))


def fetch_request(client: WuyiClient, link: str, *, now: int | None = None) -> AuthorizationRequest:
    """Fetch the request object ``link`` points to and check it: the OpenID4VP rules, the
    ``client_id`` of the link and of the object agree, and the signature verifies with the
    key ``kid`` of the verifier organisation's DID document — resolved here and checked
    against a quorum certificate (``Identity.resolve``), so a lying node cannot impersonate a
    verifier."""
    from wuyi.vc.jose import unverified_header, verify_compact

    client_id, request_uri = parse_link(link)
    jwt = client._request("GET", request_uri).text.strip()
    header = unverified_header(jwt)
    org = org_of_client_id(client_id)
    doc = Identity(client).resolve(ORG_DID_PREFIX + org)["didDocument"]
    kid = str(header.get("kid", ""))
    jwk = next(
        (vm["publicKeyJwk"] for vm in doc.get("verificationMethod", []) if vm["id"] == kid), None
    )
    if jwk is None:
        raise CredentialInvalid(f"the request is signed with {kid!r}, not a key of {client_id}")
    _, claims = verify_compact(jwt, jwk)
    if claims.get("client_id") != client_id:
        raise ValidationError("the link's client_id is not the request object's", field="client_id")
    asked = validate_request(claims, header=header, now_s=int(time.time() if now is None else now))
    return AuthorizationRequest(claims, asked, org, kid)


def respond(
    wallet: Wallet,
    request: AuthorizationRequest,
    *,
    consent: str,
    consents: ConsentSource,
    client: WuyiClient,
    ttl: int = 120,
    now: int | None = None,
    post: bool = True,
) -> dict[str, str]:
    """Answer ``request`` from ``wallet`` under ``consent`` (its id; the terms read from
    ``consents``, e.g. ``Identity(client)``, with proof). Refused before anything is built or
    sent (:class:`DisclosureRefused`) unless the consent covers the verifier, every type and
    every claim asked, and the request's purpose. Posts ``vp_token`` and ``state`` to the
    ``response_uri`` (``direct_post``) unless ``post`` is False; returns the form. A refusal
    of the verifier raises :class:`PresentationRefused` with its ``reason``."""
    import json

    from wuyi.vc import sdjwt

    clock_ms = int(time.time() * 1000) if now is None else now * 1000
    types = [a.type for a in request.asked]
    claims = [c for a in request.asked for c in a.claims]
    try:
        check_consent_covers(
            consents.consent_terms(consent),
            consent_id=consent,
            holder=wallet.did,
            verifier=request.org,
            types=types,
            claims=claims,
            now_ms=clock_ms,
            purpose=request.purpose,
        )
    except DisclosureRefused as exc:
        if exc.detail.get("reason") in ("claims_not_consented", "type_not_consented"):
            raise DisclosureRefused(
                f"over_asking: the request asks for more than consent {consent} covers — "
                f"{exc.message}",
                reason="over_asking",
                consent=consent,
            ) from None
        raise
    iat = clock_ms // 1000
    vp: dict[str, list[str]] = {}
    for a in request.asked:
        cred = wallet.get(a.type)
        vp[a.id] = [
            sdjwt.present(
                cred.sd_jwt,
                list(a.claims),
                wallet.key,
                aud=request.client_id,
                nonce=str(request.claims["nonce"]),
                iat=iat,
                exp=iat + ttl,
                extra={"consent": consent},
            )
        ]
    form = {
        "vp_token": json.dumps(vp, separators=(",", ":")),
        "state": str(request.claims["state"]),
    }
    if not post:
        return form
    resp = client._http.request(
        "POST",
        str(request.claims["response_uri"]),
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if resp.status_code >= 400:
        doc = resp.json() if resp.content else {}
        raise PresentationRefused(
            str(doc.get("detail", f"HTTP {resp.status_code}")),
            reason=str(doc.get("reason", doc.get("code", "refused"))),
        )
    wallet.presentations.append(
        {
            "time": iat,
            "credentials": [wallet.get(t).id for t in types],
            "types": types,
            "verifier": request.client_id,
            "disclosed": sorted(claims),
            "consent": consent,
            "expires": iat + ttl,
            "protocol": "openid4vp",
        }
    )
    wallet.save()
    return form
