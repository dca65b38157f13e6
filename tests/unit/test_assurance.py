"""Identity-provider attestations (``wuyi.vc.assurance``): format, every rule, both suites."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from wuyi.crypto import address_of, format_address, get_suite
from wuyi.exceptions import CredentialInvalid, NotFound
from wuyi.vc.assurance import (
    ATTESTATION_TYP,
    MAX_ATTESTATION_LIFETIME_S,
    check_attestation,
    make_attestation,
)
from wuyi.vc.jose import jwk_from_public_key, sign_compact, verify_compact

ORG = "idp1"
ISS = "did:wuyi:org:idp1"
SUBJECT = "did:wuyi:0123456789abcdef0123456789abcdef"
IAT = 1_800_000_000
EXP = IAT + 3600
NOW_MS = (IAT + 60) * 1000


class Provider:
    def __init__(self, suite_name: str) -> None:
        self.suite = get_suite(suite_name)
        self.key = self.suite.generate_private_key()
        self.kid = f"{ISS}#{format_address(address_of(self.suite, self.key.public_key))}"
        self.jwk = jwk_from_public_key(suite_name, self.key.public_key)
        self.lookups: list[tuple[str, str]] = []

    def lookup(self, iss: str, kid: str) -> Mapping[str, Any]:
        self.lookups.append((iss, kid))
        if kid != self.kid:
            raise NotFound(f"{kid} is not an active idp member of {iss}")
        return self.jwk

    def make(self, **overrides: Any) -> str:
        args: dict[str, Any] = {
            "org": ORG,
            "sub": SUBJECT,
            "level": 3,
            "real_name": True,
            "face": False,
            "iat": IAT,
            "exp": EXP,
        }
        args.update(overrides)
        return make_attestation(self.key, **args)

    def check(self, token: str, **overrides: Any) -> dict[str, Any]:
        args: dict[str, Any] = {
            "lookup_jwk": self.lookup,
            "subject": SUBJECT,
            "now_ms": NOW_MS,
            "max_level": 4,
        }
        args.update(overrides)
        return check_attestation(token, **args)

    def forge(self, header: dict[str, Any] | None = None, **claims: Any) -> str:
        """An attestation signed by this provider with arbitrary header/claims."""
        payload: dict[str, Any] = {
            "iss": ISS,
            "sub": SUBJECT,
            "real_name": True,
            "face": True,
            "level": 2,
            "iat": IAT,
            "exp": EXP,
        }
        payload.update(claims)
        head = {"typ": ATTESTATION_TYP, "kid": self.kid, **(header or {})}
        return sign_compact(self.key, head, payload)


@pytest.fixture(params=["intl", "sm"])
def idp(request: pytest.FixtureRequest) -> Provider:
    return Provider(request.param)


def rule_of(fn: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(CredentialInvalid) as info:
        fn(*args, **kwargs)
    assert info.value.code == "bad_credential"
    assert info.value.message.startswith(f"attestation refused ({info.value.detail['rule']})")
    return str(info.value.detail["rule"])


def test_format(idp: Provider) -> None:
    token = idp.make()
    header, payload = verify_compact(token, idp.jwk)
    assert header == {
        "alg": {"intl": "EdDSA", "sm": "SM2"}[idp.suite.name],
        "typ": "wuyi-ida+jwt",
        "kid": idp.kid,
    }
    assert payload == {
        "iss": ISS,
        "sub": SUBJECT,
        "real_name": True,
        "face": False,
        "level": 3,
        "iat": IAT,
        "exp": EXP,
    }


def test_check_accepts_and_is_deterministic(idp: Provider) -> None:
    token = idp.make()
    result = idp.check(token)
    assert result == {
        "provider": ORG,
        "level": 3,
        "real_name": True,
        "face": False,
        "iat": IAT,
        "exp": EXP,
        "kid": idp.kid,
    }
    assert idp.check(token) == result
    assert idp.lookups[0] == (ISS, idp.kid)


def test_window_bounds_are_inclusive(idp: Provider) -> None:
    token = idp.make()
    assert idp.check(token, now_ms=IAT * 1000)["level"] == 3
    assert idp.check(token, now_ms=EXP * 1000)["level"] == 3
    assert rule_of(idp.check, token, now_ms=IAT * 1000 - 1) == "not_yet_valid"
    assert rule_of(idp.check, token, now_ms=EXP * 1000 + 1) == "expired"


def test_lifetime_of_one_day_at_most(idp: Provider) -> None:
    day = idp.make(exp=IAT + MAX_ATTESTATION_LIFETIME_S)
    assert idp.check(day)["exp"] == IAT + 86_400
    assert rule_of(idp.make, exp=IAT + 86_401) == "lifetime"
    assert rule_of(idp.make, exp=IAT) == "lifetime"
    assert rule_of(idp.check, idp.forge(exp=IAT + 86_401)) == "lifetime"
    assert rule_of(idp.check, idp.forge(exp=IAT - 1)) == "lifetime"


def test_level_rules(idp: Provider) -> None:
    token = idp.make(level=3)
    assert rule_of(idp.check, token, max_level=2) == "level"
    assert idp.check(token, max_level=3)["level"] == 3
    assert rule_of(idp.check, idp.forge(level=0)) == "level"
    assert rule_of(idp.check, idp.forge(level=5), max_level=4) == "level"
    assert rule_of(idp.check, token, max_level=5) == "level"
    assert rule_of(idp.make, level=0) == "level"
    assert rule_of(idp.make, level=True) == "level"


def test_subject_must_be_the_sender(idp: Provider) -> None:
    token = idp.make()
    other = "did:wuyi:ffffffffffffffffffffffffffffffff"
    assert rule_of(idp.check, token, subject=other) == "sub"
    assert rule_of(idp.make, sub="alice") == "sub"


@pytest.mark.parametrize(
    "claims",
    [
        {"level": "3"},
        {"level": 2.0},
        {"real_name": 1},
        {"face": "yes"},
        {"iat": True},
        {"exp": None},
        {"sub": 7},
    ],
)
def test_claim_types(idp: Provider, claims: dict[str, Any]) -> None:
    assert rule_of(idp.check, idp.forge(**claims)) == "claims"


def test_make_refuses_bad_types(idp: Provider) -> None:
    assert rule_of(idp.make, real_name="yes") == "claims"
    assert rule_of(idp.make, iat="now") == "claims"
    assert rule_of(idp.make, org="a:b") == "iss"


def test_header_and_issuer_rules(idp: Provider) -> None:
    assert rule_of(idp.check, idp.forge({"typ": "JWT"})) == "typ"
    assert rule_of(idp.check, idp.forge({"kid": "did:wuyi:org:other#wy00"})) == "kid"
    assert rule_of(idp.check, idp.forge({"kid": ISS + "#"})) == "kid"
    assert rule_of(idp.check, idp.forge(iss="did:wuyi:0123")) == "iss"
    assert rule_of(idp.check, "not.a.token") == "format"


def test_key_and_signature_rules(idp: Provider) -> None:
    impostor = Provider(idp.suite.name)
    token = impostor.make()  # a key that is not an idp member of the provider
    assert rule_of(idp.check, token) == "key"

    def lookup_disabled(iss: str, kid: str) -> Mapping[str, Any]:
        raise CredentialInvalid(f"provider {iss} is not enabled")

    assert rule_of(idp.check, idp.make(), lookup_jwk=lookup_disabled) == "key"
    # The lookup answers with a different key than the one that signed.
    assert rule_of(idp.check, idp.make(), lookup_jwk=lambda i, k: impostor.jwk) == "signature"
    head, _body, sig = idp.make().split(".")
    tampered = ".".join([head, idp.forge(level=4).split(".")[1], sig])
    assert rule_of(idp.check, tampered) == "signature"
