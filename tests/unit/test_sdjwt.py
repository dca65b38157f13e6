"""SD-JWT (RFC 9901) in ``wuyi.vc.sdjwt``: RFC vectors, both suites, every refusal reason, and
interoperability with the reference implementation (``sd-jwt``, module ``sd_jwt``)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from wuyi.crypto import get_suite
from wuyi.exceptions import CredentialInvalid, NotFound, PresentationRefused
from wuyi.vc import sdjwt
from wuyi.vc.jose import (
    b64url_decode,
    b64url_encode,
    jwk_from_public_key,
    sd_alg_for_suite,
    sign_compact,
    verify_compact,
)
from wuyi.vc.sdjwt import REFUSAL_REASONS, compute_digest, decode_disclosure

SUITES = ["intl", "sm"]
VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "rfc9901.json").read_text("utf-8"))
RFC_ISSUER = VECTORS["issuer_jwk"]["jwk"]
NOW = 1_800_000_000
ISS = "did:wuyi:org:civil"
KID = ISS + "#wy0000000000000000000000000000000000000001"
AUD = "did:wuyi:org:bank"
NONCE = "n-5f2c9a"
CONSENT = "00112233445566778899aabbccddeeff"


def _rfc_lookup(iss: str, kid: str | None) -> Mapping[str, Any]:
    return RFC_ISSUER


class Party:
    """An issuer and a holder of one suite, with the issuer's key lookup."""

    def __init__(self, suite_name: str) -> None:
        suite = get_suite(suite_name)
        self.suite_name = suite_name
        self.issuer = suite.generate_private_key()
        self.holder = suite.generate_private_key()
        self.issuer_jwk = jwk_from_public_key(suite_name, self.issuer.public_key)
        self.holder_jwk = jwk_from_public_key(suite_name, self.holder.public_key)
        self.sd_alg = sd_alg_for_suite(suite_name)

    def lookup(self, iss: str, kid: str | None) -> Mapping[str, Any]:
        if iss != ISS or kid != KID:
            raise NotFound(f"no key {kid} for {iss}")
        return self.issuer_jwk

    def issue(self, **overrides: Any) -> sdjwt.Issued:
        args: dict[str, Any] = {
            "header_kid": KID,
            "payload": {
                "iss": ISS,
                "iat": NOW - 100,
                "exp": NOW + 86_400,
                "vct": "MarriageCertificate",
                "status": {"status_list": {"idx": 7, "uri": "wuyi:vc/status/civil"}},
            },
            "disclosable": {"married": True, "name": "陈大文", "age_over_18": True},
            "holder_jwk": self.holder_jwk,
            "sd_alg": self.sd_alg,
        }
        args.update(overrides)
        return sdjwt.issue(self.issuer, **args)

    def present(self, sd_jwt: str, disclose: list[str], **overrides: Any) -> str:
        args: dict[str, Any] = {
            "aud": AUD,
            "nonce": NONCE,
            "iat": NOW - 5,
            "exp": NOW + 120,
            "extra": {"consent": CONSENT},
        }
        holder = overrides.pop("holder_key", self.holder)
        args.update(overrides)
        return sdjwt.present(sd_jwt, disclose, holder, **args)

    def verify(self, presentation: str, **overrides: Any) -> sdjwt.Verified:
        args: dict[str, Any] = {
            "issuer_jwk": self.lookup,
            "audience": AUD,
            "nonce": NONCE,
            "now_s": NOW,
        }
        args.update(overrides)
        return sdjwt.verify(presentation, **args)


@pytest.fixture(params=SUITES)
def party(request: pytest.FixtureRequest) -> Party:
    return Party(request.param)


def refused(reason: str, fn: Any, *args: Any, match: str | None = None, **kwargs: Any) -> None:
    with pytest.raises(PresentationRefused, match=match) as info:
        fn(*args, **kwargs)
    assert info.value.detail["reason"] == reason, info.value.message
    assert info.value.code == "presentation_refused"


def _sign_issuer_jwt(party: Party, payload: dict[str, Any]) -> str:
    return sign_compact(party.issuer, {"typ": "dc+sd-jwt", "kid": KID}, payload)


def _disclosure(salt: Any, *rest: Any) -> str:
    return b64url_encode(json.dumps([salt, *rest]).encode())


# -- RFC 9901 vectors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vector", VECTORS["disclosure_digests"], ids=lambda v: v["disclosure"][:16]
)
def test_rfc_disclosure_digests(vector: dict[str, Any]) -> None:
    assert compute_digest(vector["disclosure"], "sha-256") == vector["sha-256"]
    salt, name, value = decode_disclosure(vector["disclosure"])
    if "contents" in vector:
        expected = vector["contents"]
        assert [salt, *([name] if name is not None else []), value] == expected
    else:
        assert name == vector["name"]


def test_rfc_equivalent_disclosure_encodings_decode_alike() -> None:
    entry = VECTORS["disclosure_encodings"]
    decoded = {tuple(json.dumps(x) for x in decode_disclosure(d)) for d in entry["disclosures"]}
    assert len(decoded) == 1
    assert list(decode_disclosure(entry["disclosures"][0])) == entry["contents"]
    digests = {compute_digest(d) for d in entry["disclosures"]}
    assert len(digests) == len(entry["disclosures"])  # the digest is over the encoding


@pytest.mark.parametrize("vector", VECTORS["sd_jwts"], ids=lambda v: v["id"])
def test_rfc_sd_jwts_verify(vector: dict[str, Any]) -> None:
    verified = sdjwt.verify_issued(
        vector["sd_jwt"], issuer_jwk=_rfc_lookup, now_s=1_700_000_000, expected_typ=vector["typ"]
    )
    assert verified.claims == vector["expected_claims"]
    assert verified.kb is None
    assert "_sd" not in json.dumps(verified.claims)


def test_rfc_5_1_disclosure_names_and_partial_presentation() -> None:
    vector = VECTORS["sd_jwts"][0]
    parsed = sdjwt.parse(vector["sd_jwt"])
    assert len(parsed.disclosures) == 10
    assert parsed.kb_jwt is None
    # Drop the "US" nationality and the email: they vanish from the claims.
    kept = [d for d in parsed.disclosures if decode_disclosure(d)[2] not in ("US",)]
    kept = [d for d in kept if decode_disclosure(d)[1] != "email"]
    verified = sdjwt.verify_issued(
        "~".join([parsed.jwt, *kept, ""]),
        issuer_jwk=_rfc_lookup,
        now_s=1_700_000_000,
        expected_typ="example+sd-jwt",
    )
    assert verified.claims["nationalities"] == ["DE"]
    assert "email" not in verified.claims
    assert "email" not in verified.disclosed and "given_name" in verified.disclosed


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS["presentations"] if "A.4" not in v["id"]], ids=lambda v: v["id"]
)
def test_rfc_presentations_with_key_binding_verify(vector: dict[str, Any]) -> None:
    verified = sdjwt.verify(
        vector["presentation"],
        issuer_jwk=_rfc_lookup,
        audience=vector["aud"],
        nonce=vector["nonce"],
        now_s=vector["kb_iat"] + 30,
        expected_typ=vector["typ"],
    )
    assert verified.kb is not None and verified.kb["iat"] == vector["kb_iat"]
    for name, value in vector["expected_disclosed_subset"].items():
        assert verified.claims[name] == value
    refused(
        "wrong_nonce",
        sdjwt.verify,
        vector["presentation"],
        issuer_jwk=_rfc_lookup,
        audience=vector["aud"],
        nonce="other",
        now_s=vector["kb_iat"] + 30,
        expected_typ=vector["typ"],
    )


def test_rfc_a4_has_no_iss_so_wuyi_refuses_it_but_its_signatures_check() -> None:
    vector = next(v for v in VECTORS["presentations"] if "A.4" in v["id"])
    refused(
        "malformed",
        sdjwt.verify,
        vector["presentation"],
        issuer_jwk=_rfc_lookup,
        audience=vector["aud"],
        nonce=vector["nonce"],
        now_s=vector["kb_iat"],
        expected_typ=vector["typ"],
        match="no 'iss'",
    )
    parsed = sdjwt.parse(vector["presentation"])
    verify_compact(parsed.jwt, RFC_ISSUER)
    assert parsed.kb_jwt is not None
    _, kb = verify_compact(parsed.kb_jwt, VECTORS["holder_jwk"]["jwk"])
    assert kb["sd_hash"] == compute_digest(parsed.sd_jwt)


def test_rfc_tampered_disclosure_is_refused() -> None:
    vector = VECTORS["sd_jwts"][0]
    parsed = sdjwt.parse(vector["sd_jwt"])
    forged = _disclosure("eluV5Og3gSNII8EYnsxA_A", "family_name", "Roe")
    refused(
        "bad_disclosure",
        sdjwt.verify_issued,
        "~".join([parsed.jwt, forged, ""]),
        issuer_jwk=_rfc_lookup,
        now_s=1_700_000_000,
        expected_typ="example+sd-jwt",
        match="not referenced",
    )


# -- issue / present / verify, both suites ------------------------------------------------------


def test_round_trip(party: Party) -> None:
    issued = party.issue()
    assert issued.sd_jwt == "~".join([issued.jwt, *issued.disclosures, ""])
    header, payload = verify_compact(issued.jwt, party.issuer_jwk)
    assert header["typ"] == "dc+sd-jwt" and header["kid"] == KID
    assert header["alg"] == {"intl": "EdDSA", "sm": "SM2"}[party.suite_name]
    assert payload["_sd_alg"] == party.sd_alg
    assert payload["cnf"] == {"jwk": party.holder_jwk}
    assert "married" not in payload and "陈大文" not in json.dumps(payload, ensure_ascii=False)
    assert payload["_sd"] == sorted(payload["_sd"])
    assert sorted(payload["_sd"]) == sorted(
        compute_digest(d, party.sd_alg) for d in issued.disclosures
    )

    presentation = party.present(issued.sd_jwt, ["married", "age_over_18"])
    verified = party.verify(presentation)
    assert verified.disclosed == ["age_over_18", "married"]
    assert verified.claims["married"] is True and "name" not in verified.claims
    assert verified.claims["vct"] == "MarriageCertificate"
    assert verified.payload == payload
    assert verified.jwt == issued.jwt
    assert verified.kb is not None
    assert verified.kb["consent"] == CONSENT
    assert verified.kb["aud"] == AUD and verified.kb["nonce"] == NONCE
    assert verified.kb["exp"] == NOW + 120
    kb_header, _ = verify_compact(presentation.rsplit("~", 1)[1], party.holder_jwk)
    assert kb_header["typ"] == "kb+jwt"


def test_sm_uses_sm3_digests() -> None:
    party = Party("sm")
    issued = party.issue()
    digests = verify_compact(issued.jwt, party.issuer_jwk)[1]["_sd"]
    sm3 = {b64url_encode(get_suite("sm").hash(d.encode())) for d in issued.disclosures}
    sha = {compute_digest(d, "sha-256") for d in issued.disclosures}
    assert set(digests) == sm3 and not sha & set(digests)


def test_salts_are_128_bit_and_fresh(party: Party) -> None:
    issued = party.issue()
    salts = [decode_disclosure(d)[0] for d in issued.disclosures]
    assert all(len(b64url_decode(s)) == 16 for s in salts)
    assert len(set(salts)) == len(salts)
    again = party.issue()
    assert not set(salts) & {decode_disclosure(d)[0] for d in again.disclosures}


def test_decoys(party: Party) -> None:
    issued = party.issue(decoys=5)
    payload = verify_compact(issued.jwt, party.issuer_jwk)[1]
    assert len(payload["_sd"]) == 3 + 5
    verified = party.verify(party.present(issued.sd_jwt, ["name"]))
    assert verified.claims["name"] == "陈大文"


def test_disclose_nothing_and_visible_names(party: Party) -> None:
    issued = party.issue()
    verified = party.verify(party.present(issued.sd_jwt, ["vct"]))
    assert verified.disclosed == []
    assert "married" not in verified.claims


def test_issue_refusals(party: Party) -> None:
    with pytest.raises(CredentialInvalid, match="_sd_alg 'md5' is not supported"):
        party.issue(sd_alg="md5")
    with pytest.raises(CredentialInvalid, match="both visible and disclosable"):
        party.issue(disclosable={"iss": "x"})
    with pytest.raises(CredentialInvalid, match="reserved"):
        party.issue(disclosable={"_sd": 1})
    with pytest.raises(CredentialInvalid, match="reserved"):
        party.issue(payload={"cnf": {}})
    with pytest.raises(CredentialInvalid, match="private key"):
        party.issue(holder_jwk={**party.holder_jwk, "d": "AAAA"})
    with pytest.raises(CredentialInvalid, match="decoys"):
        party.issue(decoys=-1)
    with pytest.raises(CredentialInvalid, match="not JSON-serialisable"):
        party.issue(disclosable={"photo": b"\x00"})


def test_present_refusals(party: Party) -> None:
    issued = party.issue()
    with pytest.raises(CredentialInvalid, match="no claim 'salary'"):
        party.present(issued.sd_jwt, ["salary"])
    other = get_suite(party.suite_name).generate_private_key()
    with pytest.raises(CredentialInvalid, match="not the key bound"):
        party.present(issued.sd_jwt, ["married"], holder_key=other)
    with pytest.raises(CredentialInvalid, match="may not replace"):
        party.present(issued.sd_jwt, ["married"], extra={"aud": "x"})
    with pytest.raises(CredentialInvalid, match="exp is before its iat"):
        party.present(issued.sd_jwt, ["married"], exp=NOW - 100)
    with pytest.raises(CredentialInvalid, match="already carries a KB-JWT"):
        party.present(party.present(issued.sd_jwt, ["married"]), ["married"])


def test_parse() -> None:
    vector = VECTORS["presentations"][0]
    parsed = sdjwt.parse(vector["presentation"])
    assert parsed.kb_jwt is not None and parsed.header["typ"] == "dc+sd-jwt"
    assert vector["presentation"] == parsed.sd_jwt + parsed.kb_jwt
    for bad, message in [
        ("eyJ", "no '~'"),
        (12, "ASCII string"),
        ("a.b.c~", "JWS header is not"),
        (parsed.jwt + "~~", "two '~' in a row"),
        ("Ω~", "ASCII"),
    ]:
        with pytest.raises(CredentialInvalid, match=message):
            sdjwt.parse(bad)  # type: ignore[arg-type]


# -- every refusal reason --------------------------------------------------------------------------


def test_refused_malformed(party: Party) -> None:
    issued = party.issue()
    refused("malformed", party.verify, "garbage")
    refused("malformed", party.verify, "a.b~")
    refused("malformed", party.verify, party.present(issued.sd_jwt, []), expected_typ="other+jwt")
    bad_alg = _sign_issuer_jwt(
        party, {"iss": ISS, "_sd_alg": "md5", "cnf": {"jwk": party.holder_jwk}}
    )
    refused("malformed", party.verify, bad_alg + "~", match="'md5' is not supported")
    no_iss = _sign_issuer_jwt(party, {"cnf": {"jwk": party.holder_jwk}})
    refused("malformed", party.verify, no_iss + "~", match="no 'iss'")
    bad_exp = _sign_issuer_jwt(party, {"iss": ISS, "exp": "tomorrow"})
    refused("malformed", party.verify, bad_exp + "~", match="exp must be an integer")


def test_refused_bad_issuer_signature(party: Party) -> None:
    issued = party.issue()
    presentation = party.present(issued.sd_jwt, ["married"])
    other = Party(party.suite_name)
    refused("bad_issuer_signature", party.verify, presentation, issuer_jwk=other.lookup)
    refused(
        "bad_issuer_signature",
        party.verify,
        presentation,
        issuer_jwk=Party("sm" if party.suite_name == "intl" else "intl").lookup,
    )

    def unknown(iss: str, kid: str | None) -> Mapping[str, Any]:
        raise NotFound(f"issuer {iss} unknown")

    refused("bad_issuer_signature", party.verify, presentation, issuer_jwk=unknown, match="unknown")
    # A forged issuer JWT (payload changed, signature kept).
    head, body, sig = issued.jwt.split(".")
    payload = json.loads(b64url_decode(body))
    payload["vct"] = "PassportCredential"
    forged = ".".join([head, b64url_encode(json.dumps(payload).encode()), sig])
    refused("bad_issuer_signature", party.verify, presentation.replace(issued.jwt, forged))


def test_refused_bad_disclosure(party: Party) -> None:
    issued = party.issue()
    good = party.present(issued.sd_jwt, ["married"])
    married = next(d for d in issued.disclosures if decode_disclosure(d)[1] == "married")
    salt = decode_disclosure(married)[0]
    # A disclosure with a changed value is not referenced by any digest.
    forged = _disclosure(salt, "married", False)
    refused("bad_disclosure", party.verify, good.replace(married, forged), match="not referenced")
    # The same disclosure twice.
    twice = "~".join([issued.jwt, married, married, ""])
    refused(
        "bad_disclosure",
        sdjwt.verify_issued,
        twice,
        issuer_jwk=party.lookup,
        now_s=NOW,
        match="presented twice",
    )
    # Not base64url / not a JSON array / reserved name.
    for bad, message in [
        ("%%%", "not base64url"),
        (b64url_encode(b'{"a":1}'), "JSON array of 2 or 3"),
        (_disclosure("s", "_sd", 1), "may not be named '_sd'"),
        (_disclosure(1, "x", 1), "salt must be a string"),
    ]:
        refused(
            "bad_disclosure",
            sdjwt.verify_issued,
            f"{issued.jwt}~{bad}~",
            issuer_jwk=party.lookup,
            now_s=NOW,
            match=message,
        )


def test_refused_bad_disclosure_structures(party: Party) -> None:
    """RFC 9901 §7.1: duplicate digests, claim name clashes, element/property mix-ups."""
    d_name = _disclosure("salt-1", "name", "x")
    d_elem = _disclosure("salt-2", "DE")
    h_name, h_elem = compute_digest(d_name, party.sd_alg), compute_digest(d_elem, party.sd_alg)
    base = {"iss": ISS, "_sd_alg": party.sd_alg}
    cases: list[tuple[dict[str, Any], list[str], str]] = [
        ({**base, "_sd": [h_name, h_name]}, [d_name], "more than once"),
        ({**base, "_sd": [h_name], "a": {"_sd": [h_name]}}, [d_name], "more than once"),
        ({**base, "_sd": [h_name], "name": "visible"}, [d_name], "already exists"),
        ({**base, "_sd": [h_elem]}, [d_elem], "array-element disclosure"),
        ({**base, "list": [{"...": h_name}]}, [d_name], "object-property disclosure"),
        ({**base, "list": [{"...": h_elem, "x": 1}]}, [d_elem], "other members"),
        ({**base, "_sd": "abc"}, [], "must be an array"),
        ({**base, "...": "abc"}, [], "outside an array element"),
        ({**base, "_sd": [7]}, [], "digest must be a string"),
    ]
    for payload, disclosures, message in cases:
        token = "~".join([_sign_issuer_jwt(party, payload), *disclosures, ""])
        refused(
            "bad_disclosure",
            sdjwt.verify_issued,
            token,
            issuer_jwk=party.lookup,
            now_s=NOW,
            match=message,
        )
    # The well-formed variants of the same structures verify.
    ok = {**base, "_sd": [h_name], "list": ["FR", {"...": h_elem}, {"...": "decoy"}]}
    token = "~".join([_sign_issuer_jwt(party, ok), d_name, d_elem, ""])
    verified = sdjwt.verify_issued(token, issuer_jwk=party.lookup, now_s=NOW)
    assert verified.claims == {"iss": ISS, "name": "x", "list": ["FR", "DE"]}


def test_refused_no_key_binding(party: Party) -> None:
    issued = party.issue()
    refused("no_key_binding", party.verify, issued.sd_jwt, match="no KB-JWT")
    unbound = party.issue(holder_jwk=None)
    presentation = unbound.sd_jwt + sign_compact(party.holder, {"typ": "kb+jwt"}, {})
    refused("no_key_binding", party.verify, presentation, match="cnf.jwk")


def test_refused_bad_holder_signature(party: Party) -> None:
    issued = party.issue()
    good = party.present(issued.sd_jwt, ["married", "name"])
    prefix, kb = good.rsplit("~", 1)
    # KB-JWT signed by another key.
    thief = get_suite(party.suite_name).generate_private_key()
    kb_payload = verify_compact(kb, party.holder_jwk)[1]
    stolen = prefix + "~" + sign_compact(thief, {"typ": "kb+jwt"}, kb_payload)
    refused("bad_holder_signature", party.verify, stolen, match="signature does not verify")
    # A disclosure removed after signing: sd_hash no longer matches.
    name = next(d for d in issued.disclosures if decode_disclosure(d)[1] == "name")
    refused("bad_holder_signature", party.verify, good.replace(name + "~", ""), match="sd_hash")
    # Wrong typ.
    wrong_typ = prefix + "~" + sign_compact(party.holder, {"typ": "JWT"}, kb_payload)
    refused("bad_holder_signature", party.verify, wrong_typ, match="typ")


def test_refused_wrong_audience_and_nonce(party: Party) -> None:
    presentation = party.present(party.issue().sd_jwt, ["married"])
    refused("wrong_audience", party.verify, presentation, audience="did:wuyi:org:other")
    refused("wrong_nonce", party.verify, presentation, nonce="n-replayed")


def test_refused_stale(party: Party) -> None:
    issued = party.issue()
    old = party.present(issued.sd_jwt, ["married"], iat=NOW - 301, exp=NOW + 100)
    refused("stale", party.verify, old, match="older than 300 s")
    assert party.verify(old, max_kb_age_s=600).kb is not None
    future = party.present(issued.sd_jwt, ["married"], iat=NOW + 61, exp=NOW + 200)
    refused("stale", party.verify, future, match="in the future")


def test_refused_expired(party: Party) -> None:
    issued = party.issue(
        payload={"iss": ISS, "iat": NOW - 100, "exp": NOW, "vct": "MarriageCertificate"}
    )
    refused(
        "expired",
        party.verify,
        party.present(issued.sd_jwt, ["married"]),
        match="credential expired",
    )
    fresh = party.issue()
    kb_expired = party.present(fresh.sd_jwt, ["married"], iat=NOW - 10, exp=NOW)
    refused("expired", party.verify, kb_expired, match="KB-JWT expired")
    not_yet = party.issue(payload={"iss": ISS, "nbf": NOW + 3600})
    refused(
        "expired",
        party.verify,
        party.present(not_yet.sd_jwt, ["married"]),
        match="not valid before",
    )


def _scenario(reason: str, party: Party) -> tuple[str, dict[str, Any]]:
    """A presentation refused with ``reason`` and the verify() overrides that cause it."""
    issued = party.issue()
    good = party.present(issued.sd_jwt, ["married"])
    prefix, kb = good.rsplit("~", 1)
    married = next(d for d in issued.disclosures if decode_disclosure(d)[1] == "married")
    if reason == "malformed":
        return "not an sd-jwt", {}
    if reason == "bad_issuer_signature":
        return good, {"issuer_jwk": Party(party.suite_name).lookup}
    if reason == "bad_disclosure":
        forged = _disclosure(decode_disclosure(married)[0], "married", False)
        return good.replace(married, forged), {}
    if reason == "no_key_binding":
        return issued.sd_jwt, {}
    if reason == "bad_holder_signature":
        thief = get_suite(party.suite_name).generate_private_key()
        payload = verify_compact(kb, party.holder_jwk)[1]
        return prefix + "~" + sign_compact(thief, {"typ": "kb+jwt"}, payload), {}
    if reason == "wrong_audience":
        return good, {"audience": "did:wuyi:org:other"}
    if reason == "wrong_nonce":
        return good, {"nonce": "other"}
    if reason == "stale":
        return good, {"now_s": NOW + 400}
    assert reason == "expired"
    return party.present(issued.sd_jwt, ["married"], exp=NOW), {}


@pytest.mark.parametrize("reason", REFUSAL_REASONS)
def test_every_reason_code_is_produced(reason: str, party: Party) -> None:
    presentation, overrides = _scenario(reason, party)
    refused(reason, party.verify, presentation, **overrides)


# -- interoperability with the reference implementation (sd-jwt 0.10.4, jwcrypto) ------------------


jwcrypto_jwk = pytest.importorskip("jwcrypto.jwk")
sd_jwt_issuer = pytest.importorskip("sd_jwt.issuer")
sd_jwt_verifier = pytest.importorskip("sd_jwt.verifier")
sd_jwt_holder = pytest.importorskip("sd_jwt.holder")
sd_jwt_common = pytest.importorskip("sd_jwt.common")


def _jwcrypto_key(jwk: Mapping[str, Any]) -> Any:
    return jwcrypto_jwk.JWK(**dict(jwk))


class EdDSAVerifier(sd_jwt_verifier.SDJWTVerifier):  # type: ignore[name-defined]
    """sd_jwt 0.10.4 checks every KB-JWT with ES256 (its default); ask for EdDSA instead."""

    def _verify_key_binding_jwt(
        self, expected_aud: Any = None, expected_nonce: Any = None, sign_alg: Any = None
    ) -> None:
        super()._verify_key_binding_jwt(expected_aud, expected_nonce, sign_alg="EdDSA")


def test_reference_verifier_accepts_our_credentials() -> None:
    party = Party("intl")
    issued = party.issue()
    presentation = party.present(issued.sd_jwt, ["married", "name"], iat=int(time.time()))
    issuer_key = _jwcrypto_key(party.issuer_jwk)
    verifier = EdDSAVerifier(
        presentation, lambda iss, header: issuer_key, expected_aud=AUD, expected_nonce=NONCE
    )
    claims = verifier.get_verified_payload()
    assert claims["married"] is True and claims["name"] == "陈大文"
    assert "age_over_18" not in claims
    # The reference verifier refuses a KB-JWT over a different presentation.
    name = next(d for d in issued.disclosures if decode_disclosure(d)[1] == "name")
    with pytest.raises(ValueError, match="Invalid digest in KB-JWT"):
        EdDSAVerifier(
            presentation.replace(name + "~", ""),
            lambda iss, header: issuer_key,
            expected_aud=AUD,
            expected_nonce=NONCE,
        )


def test_we_accept_the_reference_issuers_credentials() -> None:
    issuer_key = jwcrypto_jwk.JWK.generate(kty="OKP", crv="Ed25519")
    holder_key = jwcrypto_jwk.JWK.generate(kty="OKP", crv="Ed25519")
    now = int(time.time())
    claims = {
        "iss": ISS,
        "iat": now,
        "exp": now + 3600,
        sd_jwt_common.SDObj("given_name"): "大文",
        sd_jwt_common.SDObj("married"): True,
        "nationalities": ["CN", sd_jwt_common.SDObj("PT")],
    }
    issuer = sd_jwt_issuer.SDJWTIssuer(
        claims,
        issuer_key,
        holder_key=holder_key,
        sign_alg="EdDSA",
        add_decoy_claims=True,
        extra_header_parameters={"typ": "dc+sd-jwt"},
    )
    issuer_jwk = json.loads(issuer_key.export_public())

    def lookup(iss: str, kid: str | None) -> Mapping[str, Any]:
        return issuer_jwk

    everything = sdjwt.verify_issued(issuer.sd_jwt_issuance, issuer_jwk=lookup, now_s=now)
    assert everything.claims["nationalities"] == ["CN", "PT"]
    holder = sd_jwt_holder.SDJWTHolder(issuer.sd_jwt_issuance)
    holder.create_presentation(
        {"married": True}, nonce=NONCE, aud=AUD, holder_key=holder_key, sign_alg="EdDSA"
    )
    verified = sdjwt.verify(
        holder.sd_jwt_presentation, issuer_jwk=lookup, audience=AUD, nonce=NONCE, now_s=now
    )
    assert verified.claims["married"] is True
    assert "given_name" not in verified.claims
    assert verified.kb is not None and "exp" not in verified.kb  # sd_jwt sends no exp: allowed
    refused(
        "wrong_audience",
        sdjwt.verify,
        holder.sd_jwt_presentation,
        issuer_jwk=lookup,
        audience="did:wuyi:org:other",
        nonce=NONCE,
        now_s=now,
    )
