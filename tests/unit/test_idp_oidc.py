"""The identity provider as an OpenID Connect provider (``wuyi.idp``, on Authlib) and the chain
accepting its ID token as a consent's attestation (``wuyi.vc.idtoken``, ``idp.set`` with
``oidc``): the code flow with PKCE, discovery, JWKS, and every refusal on chain, both suites."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from authlib.oauth2.rfc6749.errors import OAuth2Error

from wuyi.idp.provider import Client, IdentityProvider, new_signing_jwk
from wuyi.ledger.handlers.credentials import get_consent, get_idp
from wuyi.testing.factories import LedgerHarness
from wuyi.vc.idtoken import consent_nonce
from wuyi.vc.jose import sign_compact

ISSUER = "https://idp.example.test/idp"
AUDIENCE = "wuyi-wallet"
REDIRECT = "https://wallet.example.test/cb"
VERIFIER = "c" * 43
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")
DAY_MS = 86_400_000


def make_provider(h: LedgerHarness, jwk: dict[str, Any] | None = None) -> IdentityProvider:
    return IdentityProvider(
        issuer=ISSUER,
        signing_jwk=jwk or new_signing_jwk(),
        clients=[Client(AUDIENCE, (REDIRECT,), "五邑链钱包")],
        level=2,
        max_level=3,
        clock=lambda: h.time / 1000,
    )


def auth_params(subject: str, nonce: str, **kw: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": AUDIENCE,
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "st",
        "nonce": nonce,
        "login_hint": subject,
        "code_challenge": CHALLENGE.decode(),
        "code_challenge_method": "S256",
        **kw,
    }


def id_token(idp: IdentityProvider, subject: str, nonce: str) -> str:
    loc = idp.authorize(ISSUER + "/authorize", auth_params(subject, nonce), face_passed=True)
    code = parse_qs(urlparse(loc).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": AUDIENCE,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    status, body = idp.token(ISSUER + "/token", form, {})
    assert status == 200, body
    return str(body["id_token"])


def terms(h: LedgerHarness, holder: str) -> dict[str, Any]:
    start = getattr(h, "consent_start", h.time)
    return {
        "holder": holder,
        "verifier": "zjj",
        "types": ["IdentityCredential"],
        "claims": ["age_over_18"],
        "purpose": "保障性住房资格审核",
        "not_before": start,
        "not_after": start + DAY_MS,
    }


class Env:
    def __init__(self, suite: str) -> None:
        self.h = h = LedgerHarness(suite_name=suite)
        self.idp = make_provider(h)
        self.citizen = h.register_did("citizen", voters=("zjj",))
        self.other = h.register_did("other", voters=("zjj",))
        h.consent_start = h.time  # type: ignore[attr-defined]
        oidc = self.idp.chain_registration(AUDIENCE)
        assert h.govern("idp.set", {"org": "zjj", "enabled": True, "max_level": 3, "oidc": oidc}).ok

    def grant(self, token: str, holder: str | None = None, signer: str = "citizen") -> Any:
        p = {**terms(self.h, holder or self.citizen), "assurance": token}
        _, res = self.h.run([self.h.tx(signer, "consent.grant", p)])
        return res

    def token(self, **kw: Any) -> str:
        holder = kw.pop("holder", self.citizen)
        nonce = kw.pop("nonce", consent_nonce(self.h.suite.hash, terms(self.h, holder)))
        return id_token(kw.pop("idp", self.idp), kw.pop("sub", holder), nonce)

    def refused(self, token: str, **kw: Any) -> str:
        consents = list(self.h.state.iter_prefix(b"consent/"))
        res = self.grant(token, **kw)
        if not res.tx_hashes:
            return str(res.rejected[0][1].message)
        (r,) = res.receipts
        assert not r.ok, "accepted"
        assert list(self.h.state.iter_prefix(b"consent/")) == consents  # nothing written
        return str(r.error)


@pytest.fixture(params=["intl", "sm"])
def env(request: pytest.FixtureRequest) -> Env:
    return Env(request.param)


def test_discovery_and_jwks() -> None:
    idp = make_provider(LedgerHarness(suite_name="intl"))
    meta = idp.metadata()
    assert meta["issuer"] == ISSUER
    assert meta["authorization_endpoint"] == ISSUER + "/authorize"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["ES256"]
    assert meta["wuyi_face_step"] == "simulated"
    (jwk,) = idp.jwks()["keys"]
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and "d" not in jwk


def test_code_flow_needs_pkce_and_a_code_is_good_once() -> None:
    h = LedgerHarness(suite_name="intl")
    idp = make_provider(h)
    subject = "did:wuyi:" + "ab" * 16
    params = auth_params(subject, "n1")
    del params["code_challenge"], params["code_challenge_method"]
    with pytest.raises(OAuth2Error):
        idp.validate_authorization(ISSUER + "/authorize", params)
    with pytest.raises(OAuth2Error):  # an unregistered redirect
        idp.validate_authorization(
            ISSUER + "/authorize", auth_params(subject, "n1", redirect_uri="https://evil/")
        )
    denied = idp.authorize(ISSUER + "/authorize", auth_params(subject, "n1"), face_passed=False)
    assert "error=access_denied" in denied
    loc = idp.authorize(ISSUER + "/authorize", auth_params(subject, "n2"), face_passed=True)
    code = parse_qs(urlparse(loc).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "client_id": AUDIENCE}
    form["redirect_uri"] = REDIRECT
    status, body = idp.token(ISSUER + "/token", {**form, "code_verifier": "d" * 43}, {})
    assert status == 400 and body["error"] == "invalid_grant"  # wrong verifier burns the code
    status, body = idp.token(ISSUER + "/token", {**form, "code_verifier": VERIFIER}, {})
    assert status == 400 and body["error"] == "invalid_grant"


def test_id_token_accepted_as_the_consents_attestation(env: Env) -> None:
    signed_at = env.h.time // 1000
    res = env.grant(env.token())
    assert res.tx_hashes and res.receipts[0].ok, res.rejected
    rec = get_consent(env.h.state, res.receipts[0].tx_hash[:16])
    assert rec is not None
    assert rec["assurance"] == {
        "provider": "zjj",
        "level": 2,
        "real_name": True,
        "face": True,
        "iat": signed_at,
    }
    idp = get_idp(env.h.state, "zjj")
    assert idp is not None and idp["oidc"]["issuer"] == ISSUER


def test_the_existing_attestation_path_still_works(env: Env) -> None:
    from wuyi.vc.assurance import make_attestation

    env.h.add_member("zjj", "zjj", "zjj-idp", ["idp"])
    t = env.h.time // 1000
    token = make_attestation(
        env.h.keys["zjj-idp"],
        org="zjj",
        sub=env.citizen,
        level=2,
        real_name=True,
        face=True,
        iat=t,
        exp=t + 600,
    )
    res = env.grant(token)
    assert res.tx_hashes and res.receipts[0].ok, res.rejected


def test_refused_wrong_sub(env: Env) -> None:
    token = env.token(sub=env.other)
    assert "(sub)" in env.refused(token)


def test_refused_for_another_holder(env: Env) -> None:
    token = env.token(holder=env.other)
    assert "(sub)" in env.refused(token)  # the citizen cannot use another's token


def test_refused_wrong_nonce(env: Env) -> None:
    assert "(nonce)" in env.refused(env.token(nonce="another-consent"))


def test_refused_wrong_audience(env: Env) -> None:
    idp = env.idp
    idp.clients["other-rp"] = Client("other-rp", (REDIRECT,))
    nonce = consent_nonce(env.h.suite.hash, terms(env.h, env.citizen))
    params = auth_params(env.citizen, nonce, client_id="other-rp")
    loc = idp.authorize(ISSUER + "/authorize", params, face_passed=True)
    code = parse_qs(urlparse(loc).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "client_id": "other-rp"}
    _, body = idp.token(
        ISSUER + "/token", {**form, "redirect_uri": REDIRECT, "code_verifier": VERIFIER}, {}
    )
    assert "(aud)" in env.refused(body["id_token"])


def test_refused_expired(env: Env) -> None:
    token = env.token()
    env.h.time += 601_000  # past exp (ID_TOKEN_TTL_S = 600)
    assert "(expired)" in env.refused(token)


def test_refused_unregistered_provider(env: Env) -> None:
    stranger = IdentityProvider(
        issuer="https://stranger.example.test/idp",
        signing_jwk=new_signing_jwk(),
        clients=[Client(AUDIENCE, (REDIRECT,))],
        clock=lambda: env.h.time / 1000,
    )
    assert "not the issuer of an enabled identity provider" in env.refused(env.token(idp=stranger))


def test_refused_key_not_registered(env: Env) -> None:
    impostor = make_provider(env.h)  # same issuer URL, another key
    assert "(key)" in env.refused(env.token(idp=impostor))


def test_refused_forged_signature(env: Env) -> None:
    token = env.token()
    head, body, sig = token.split(".")
    payload = base64.urlsafe_b64decode(body + "==").replace(b"face-L2", b"face-L3")
    forged = ".".join([head, base64.urlsafe_b64encode(payload).rstrip(b"=").decode(), sig])
    assert "(signature)" in env.refused(forged)


def test_refused_disabled_provider(env: Env) -> None:
    token = env.token()
    oidc = env.idp.chain_registration(AUDIENCE)
    assert env.h.govern(
        "idp.set", {"org": "zjj", "enabled": False, "max_level": 3, "oidc": oidc}
    ).ok
    assert "not the issuer of an enabled identity provider" in env.refused(token)


def test_refused_a_wuyi_key_pretending_to_be_the_provider(env: Env) -> None:
    key = env.h.suite.generate_private_key()
    t = env.h.time // 1000
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": env.citizen,
        "acr": "urn:wuyi:acr:face-L3",
        "amr": ["face"],
        "nonce": "x",
        "iat": t,
        "exp": t + 60,
    }
    assert "(signature)" in env.refused(sign_compact(key, {"kid": env.idp.kid}, claims))


@pytest.mark.parametrize(
    "change",
    [
        {"issuer": "ftp://x"},
        {"jwks": []},
        {"acr_levels": {"urn:x": 9}},
        {"extra": 1},
    ],
)
def test_idp_set_checks_the_registration(change: dict[str, Any]) -> None:
    h = LedgerHarness(suite_name="intl")
    oidc = {**make_provider(h).chain_registration(AUDIENCE), **change}
    action = {"type": "idp.set", "args": {"org": "zjj", "enabled": True, "max_level": 3}}
    action["args"]["oidc"] = oidc
    _, res = h.run([h.tx("operator", "gov.propose", {"action": action, "title": "t"})])
    assert not res.tx_hashes and "oidc" in res.rejected[0][1].message


def test_idp_set_refuses_a_private_key() -> None:
    h = LedgerHarness(suite_name="intl")
    jwk = new_signing_jwk()
    oidc = {**make_provider(h, jwk).chain_registration(AUDIENCE), "jwks": [jwk]}
    action = {"type": "idp.set", "args": {"org": "zjj", "enabled": True, "max_level": 3}}
    action["args"]["oidc"] = oidc
    _, res = h.run([h.tx("operator", "gov.propose", {"action": action, "title": "t"})])
    assert not res.tx_hashes and "public JWK" in res.rejected[0][1].message
