"""JWKs and compact JWS for the suites' keys (``wuyi.vc.jose``): EdDSA, SM2, ES256 (verify)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws as joserfc_jws

from wuyi.crypto import get_suite
from wuyi.exceptions import CredentialInvalid
from wuyi.vc import jose
from wuyi.vc.jose import (
    b64url_decode,
    b64url_encode,
    jwk_from_public_key,
    public_key_from_jwk,
    sd_alg_for_suite,
    sign_compact,
    unverified_header,
    unverified_payload,
    verify_compact,
)

SUITES = ["intl", "sm"]
VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "rfc9901.json").read_text("utf-8"))


def _key(suite_name: str) -> Any:
    return get_suite(suite_name).generate_private_key()


def _jws(header: dict[str, Any], payload: dict[str, Any], key: Any) -> str:
    """A compact JWS built by hand (no joserfc): b64u(header).b64u(payload).b64u(sign(input))."""
    signing_input = (
        b64url_encode(json.dumps(header).encode())
        + "."
        + b64url_encode(json.dumps(payload).encode())
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


def _swap_segment(token: str, index: int, value: str) -> str:
    parts = token.split(".")
    parts[index] = value
    return ".".join(parts)


# -- algorithms and JWKs -----------------------------------------------------------------------


def test_suite_identifiers() -> None:
    assert jose.jws_alg_for_suite("intl") == "EdDSA"
    assert jose.jws_alg_for_suite("sm") == "SM2"
    assert sd_alg_for_suite("intl") == "sha-256"
    assert sd_alg_for_suite("sm") == "sm3"
    with pytest.raises(CredentialInvalid, match="unknown crypto suite 'rsa'"):
        sd_alg_for_suite("rsa")


def test_joserfc_default_registry_is_left_alone() -> None:
    assert "SM2" not in joserfc_jws.JWSRegistry.algorithms
    assert set(jose.WuyiJWSRegistry.algorithms) == {"EdDSA", "SM2", "ES256"}


@pytest.mark.parametrize("suite_name", SUITES)
def test_jwk_round_trip(suite_name: str) -> None:
    key = _key(suite_name)
    jwk = jwk_from_public_key(suite_name, key.public_key)
    if suite_name == "intl":
        assert jwk == {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(key.public_key)}
    else:
        assert jwk == {
            "kty": "EC",
            "crv": "SM2",
            "x": b64url_encode(key.public_key[1:33]),
            "y": b64url_encode(key.public_key[33:]),
        }
    assert public_key_from_jwk(jwk) == (suite_name, key.public_key)
    # Optional members are tolerated when consistent.
    jwk_extra = {**jwk, "kid": "key-1", "use": "sig", "alg": jose.jws_alg_for_suite(suite_name)}
    assert public_key_from_jwk(jwk_extra) == (suite_name, key.public_key)


def test_jwk_from_public_key_refuses_bad_keys() -> None:
    with pytest.raises(CredentialInvalid, match="invalid intl public key"):
        jwk_from_public_key("intl", b"\x01" * 31)
    with pytest.raises(CredentialInvalid, match="invalid sm public key"):
        jwk_from_public_key("sm", b"\x04" + b"\x01" * 64)
    with pytest.raises(CredentialInvalid, match="must be bytes"):
        jwk_from_public_key("sm", "04ab")  # type: ignore[arg-type]


_SM_X = b64url_encode(b"\x01" * 32)
_GOOD_ED = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(bytes(range(32)))}


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        ("not a jwk", "a JWK must be a JSON object"),
        ({"crv": "Ed25519", "x": _SM_X}, "no 'kty'"),
        ({"kty": "RSA", "n": "AQAB", "e": "AQAB"}, "key type 'RSA' is not supported"),
        ({"kty": "OKP", "crv": "X25519", "x": _SM_X}, "curve 'X25519'"),
        ({"kty": "EC", "crv": "P-256", "x": _SM_X, "y": _SM_X}, "curve 'P-256'"),
        ({"kty": "OKP", "crv": "Ed25519"}, "has no 'x'"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "a+b/"}, "'x' is not base64url"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA="}, "'x' is not base64url"),
        ({"kty": "OKP", "crv": "Ed25519", "x": 12}, "must be a base64url string"),
        ({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(b"\x01" * 31)}, "must be 32 bytes"),
        ({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(bytes(32))}, "invalid intl public"),
        ({"kty": "EC", "crv": "SM2", "x": _SM_X}, "has no 'y'"),
        ({"kty": "EC", "crv": "SM2", "x": _SM_X, "y": _SM_X}, "invalid sm public key"),
        ({"kty": "EC", "crv": "SM2", "x": _SM_X, "y": "AA"}, "'y' must be 32 bytes"),
        ({**_GOOD_ED, "d": _SM_X}, "private key"),
        ({**_GOOD_ED, "use": "enc"}, "'use' is 'enc'"),
        ({**_GOOD_ED, "alg": "SM2"}, "signs with 'EdDSA'"),
    ],
)
def test_bad_jwks_are_refused_with_a_clear_message(jwk: Any, message: str) -> None:
    with pytest.raises(CredentialInvalid, match=message):
        public_key_from_jwk(jwk)


# -- compact JWS ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suite_name", SUITES)
def test_sign_verify_round_trip(suite_name: str) -> None:
    key = _key(suite_name)
    payload = {"iss": "did:wuyi:org:gov", "名": "五邑", "n": 1, "ok": True, "list": [1, None]}
    token = sign_compact(key, {"typ": "test+jwt", "kid": "k1"}, payload)
    jwk = jwk_from_public_key(suite_name, key.public_key)
    header, body = verify_compact(token, jwk)
    assert header == {"typ": "test+jwt", "kid": "k1", "alg": jose.jws_alg_for_suite(suite_name)}
    assert body == payload
    assert verify_compact(token, key.public_key, suite_name) == (header, body)
    assert unverified_header(token) == header
    assert unverified_payload(token) == payload


@pytest.mark.parametrize("suite_name", SUITES)
def test_signature_is_the_suite_signature_over_the_signing_input(suite_name: str) -> None:
    """The JWS signature is the raw suite signature (64 bytes; SM2 r||s with SM3 and the
    default user ID) over ASCII(header.payload): checked with the suite directly."""
    key = _key(suite_name)
    token = sign_compact(key, {}, {"a": 1})
    head, body, sig = token.split(".")
    signature = b64url_decode(sig)
    assert len(signature) == 64
    assert get_suite(suite_name).verify(key.public_key, f"{head}.{body}".encode(), signature)


@pytest.mark.parametrize("suite_name", SUITES)
def test_hand_built_jws_verifies(suite_name: str) -> None:
    key = _key(suite_name)
    alg = jose.jws_alg_for_suite(suite_name)
    token = _jws({"alg": alg, "typ": "x"}, {"b": [1, 2]}, key)
    jwk = jwk_from_public_key(suite_name, key.public_key)
    assert verify_compact(token, jwk) == ({"alg": alg, "typ": "x"}, {"b": [1, 2]})


@pytest.mark.parametrize("suite_name", SUITES)
def test_tampering_is_refused(suite_name: str) -> None:
    key = _key(suite_name)
    jwk = jwk_from_public_key(suite_name, key.public_key)
    alg = jose.jws_alg_for_suite(suite_name)
    token = sign_compact(key, {"typ": "x"}, {"level": 1})
    other_payload = b64url_encode(json.dumps({"level": 4}).encode())
    other_header = b64url_encode(json.dumps({"alg": alg, "typ": "y"}).encode())
    sig = b64url_decode(token.split(".")[2])
    flipped = b64url_encode(sig[:10] + bytes([sig[10] ^ 1]) + sig[11:])
    for forged in (
        _swap_segment(token, 1, other_payload),
        _swap_segment(token, 0, other_header),
        _swap_segment(token, 2, flipped),
        _swap_segment(token, 2, b64url_encode(sig[:63])),
        _swap_segment(token, 2, ""),
    ):
        with pytest.raises(CredentialInvalid, match="signature does not verify"):
            verify_compact(forged, jwk)


@pytest.mark.parametrize("suite_name", SUITES)
def test_signature_of_another_key_is_refused(suite_name: str) -> None:
    token = sign_compact(_key(suite_name), {}, {"a": 1})
    other = jwk_from_public_key(suite_name, _key(suite_name).public_key)
    with pytest.raises(CredentialInvalid, match="signature does not verify"):
        verify_compact(token, other)


def test_algorithm_confusion_is_refused() -> None:
    sm_token = sign_compact(_key("sm"), {}, {"a": 1})
    intl_jwk = jwk_from_public_key("intl", _key("intl").public_key)
    with pytest.raises(CredentialInvalid, match="alg 'SM2' does not match the key"):
        verify_compact(sm_token, intl_jwk)
    # A token whose header claims EdDSA but the key is SM2.
    forged = _swap_segment(sm_token, 0, b64url_encode(b'{"alg":"EdDSA"}'))
    sm_pub = _key("sm").public_key
    with pytest.raises(CredentialInvalid, match="alg 'EdDSA' does not match"):
        verify_compact(forged, sm_pub, "sm")
    with pytest.raises(CredentialInvalid, match="JWK is a intl key, expected a sm key"):
        verify_compact(sm_token, intl_jwk, "sm")
    with pytest.raises(CredentialInvalid, match="needs its suite name"):
        verify_compact(sm_token, sm_pub)


def test_sign_compact_refuses_bad_input() -> None:
    key = _key("sm")
    with pytest.raises(CredentialInvalid, match="header alg 'EdDSA' does not match"):
        sign_compact(key, {"alg": "EdDSA"}, {})
    with pytest.raises(CredentialInvalid, match="'b64' is not supported"):
        sign_compact(key, {"b64": False}, {})
    with pytest.raises(CredentialInvalid, match="payload must be a JSON object"):
        sign_compact(key, {}, [1])  # type: ignore[arg-type]
    with pytest.raises(CredentialInvalid, match="not JSON-serialisable"):
        sign_compact(key, {}, {"b": b"bytes"})
    with pytest.raises(CredentialInvalid, match="not JSON-serialisable"):
        sign_compact(key, {}, {"f": float("nan")})
    with pytest.raises(CredentialInvalid, match="suite PrivateKey"):
        sign_compact("key", {}, {})  # type: ignore[arg-type]


def _seg(obj: Any) -> str:
    return b64url_encode(obj if isinstance(obj, bytes) else json.dumps(obj).encode())


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (42, "must be a string"),
        ("a.b", "3 dot-separated parts, got 2"),
        ("a.b.c.d", "3 dot-separated parts, got 4"),
        ("%%%." + _seg({}) + ".AA", "JWS header is not base64url"),
        (_seg(b"\xff\xfe") + "." + _seg({}) + ".AA", "JWS header is not UTF-8"),
        (_seg(b"{nope") + "." + _seg({}) + ".AA", "JWS header is not valid JSON"),
        (_seg([1]) + "." + _seg({}) + ".AA", "JWS header must be a JSON object"),
        (_seg({"typ": "x"}) + "." + _seg({}) + ".AA", "no 'alg' string"),
        (_seg({"alg": "none"}) + "." + _seg({}) + ".", "'none' is not accepted"),
        (_seg({"alg": "SM2"}) + "." + _seg({}) + ".A+", "JWS signature is not base64url"),
        (_seg({"alg": "SM2"}) + "." + _seg(b'{"a":1,"a":2}') + ".AA", "duplicate member 'a'"),
        (_seg({"alg": "SM2"}) + "." + _seg(b'{"a":NaN}') + ".AA", "NaN is not JSON"),
        (_seg({"alg": "SM2"}) + "." + _seg([1]) + ".AA", "payload must be a JSON object"),
    ],
)
def test_malformed_tokens_are_refused(token: Any, message: str) -> None:
    with pytest.raises(CredentialInvalid, match=message):
        unverified_payload(token)
    with pytest.raises(CredentialInvalid, match=message):
        verify_compact(token, _key("sm").public_key, "sm")


def test_crit_header_is_refused() -> None:
    key = _key("intl")
    token = _jws({"alg": "EdDSA", "crit": ["exp"], "exp": 1}, {}, key)
    with pytest.raises(CredentialInvalid, match="'crit' is not supported"):
        verify_compact(token, key.public_key, "intl")


# -- ES256 (verification only), with the RFC 9901 example key -------------------------------------


def test_es256_rfc9901_issuer_signature_verifies() -> None:
    jwk = VECTORS["issuer_jwk"]["jwk"]
    token = VECTORS["sd_jwts"][0]["sd_jwt"].split("~")[0]
    header, payload = verify_compact(token, jwk)
    assert header == {"alg": "ES256", "typ": "example+sd-jwt"}
    assert payload["iss"] == "https://issuer.example.com"
    forged = _swap_segment(token, 1, _seg({**payload, "sub": "user_43"}))
    with pytest.raises(CredentialInvalid, match="signature does not verify"):
        verify_compact(forged, jwk)
    holder = VECTORS["holder_jwk"]["jwk"]
    with pytest.raises(CredentialInvalid, match="signature does not verify"):
        verify_compact(token, holder)


def test_p256_jwk_is_for_verification_only() -> None:
    jwk = VECTORS["issuer_jwk"]["jwk"]
    with pytest.raises(CredentialInvalid, match="curve 'P-256'"):
        public_key_from_jwk(jwk)
    token = VECTORS["sd_jwts"][0]["sd_jwt"].split("~")[0]
    with pytest.raises(CredentialInvalid, match="invalid P-256 JWK"):
        verify_compact(token, {**jwk, "y": jwk["x"]})
    with pytest.raises(CredentialInvalid, match="expected 'ES256'"):
        verify_compact(token, {**jwk, "alg": "ES384"})
