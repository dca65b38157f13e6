"""OpenID4VCI 1.0 issuance (``wuyi.oid4vci.service``): metadata, offer, token and nonce
endpoints, the proof JWT rules, and every refusal changes nothing — with a fake chain."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest

from wuyi.crypto import get_suite
from wuyi.exceptions import CredentialInvalid, IssuanceRefused, TxFailed, ValidationError
from wuyi.oid4vci.sdk import make_proof
from wuyi.oid4vci.service import (
    MAX_TX_CODE_TRIES,
    OFFER_TTL_S,
    PRE_AUTHORIZED_GRANT,
    REASONS,
    IssuanceService,
    parse_offer_uri,
)
from wuyi.vc.jose import jwk_from_public_key, sign_compact, unverified_payload

ISSUER = "https://desk.example.test"
T0 = 1_800_000_000.0
DID = "did:wuyi:" + "ab" * 16
KID = DID + "#key-1"


class FakeChain:
    def __init__(self, suite_name: str = "sm") -> None:
        self.suite_name = suite_name
        self.suite = get_suite(suite_name)
        self.holder = self.suite.generate_private_key()
        self.issuer = self.suite.generate_private_key()
        self.issued: list[dict[str, Any]] = []
        self.fail = False

    def credential_types(self) -> list[dict[str, Any]]:
        return [
            {
                "type": "IdentityCredential",
                "issuers": ["gaj"],
                "claims": ["name", "age_over_18"],
                "description": "居民身份电子凭证",
            },
            {"type": "LibraryCard", "issuers": ["gaj"], "claims": ["card_no"], "description": ""},
            {
                "type": "MarriageCredential",
                "issuers": ["mzj"],
                "claims": ["married"],
                "description": "",
            },
        ]

    def org_name(self, org: str) -> str:
        return {"gaj": "江门市公安局"}.get(org, org)

    def holder_key(self, kid: str) -> tuple[str, dict[str, Any]]:
        if kid != KID:
            raise CredentialInvalid(f"no key {kid}")
        return DID, jwk_from_public_key(self.suite_name, self.holder.public_key)

    def issue(self, org: str, **kw: Any) -> str:
        if self.fail:
            raise TxFailed("vc.issue: index taken")
        self.issued.append({"org": org, **kw})
        payload = {"status": {"status_list": {"idx": len(self.issued) - 1}}}
        return sign_compact(self.issuer, {"typ": "dc+sd-jwt"}, payload) + "~"


class Env:
    def __init__(self, suite: str = "sm") -> None:
        self.now = T0
        self.chain = FakeChain(suite)
        n = iter(range(10_000))
        self.svc = IssuanceService(
            self.chain,
            ["gaj"],
            clock=lambda: self.now,
            token=lambda: f"tok{next(n):04d}",
            digits=lambda k: "123456"[:k],
        )

    def offer(self, **kw: Any) -> dict[str, Any]:
        type_ = kw.pop("type", "IdentityCredential")
        args: dict[str, Any] = {"claims": {"name": "陈美玲", "age_over_18": True}}
        args.update(kw)
        return self.svc.create_offer(ISSUER, "gaj", type_, **args)

    def access(self, offer: dict[str, Any], tx_code: str | None = "123456") -> str:
        form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code_of(offer)}
        if tx_code is not None:
            form["tx_code"] = tx_code
        return str(self.svc.token(form)["access_token"])

    def proof(self, **kw: Any) -> str:
        key = kw.pop("key", self.chain.holder)
        header = {"typ": "openid4vci-proof+jwt", "kid": KID, **kw.pop("header", {})}
        claims = {"aud": ISSUER, "iat": int(self.now), "nonce": kw.pop("nonce", None)}
        if claims["nonce"] is None:
            claims["nonce"] = self.svc.nonce()["c_nonce"]
        claims.update(kw)
        return sign_compact(key, header, claims)

    def credential(self, access: str, proof: str, config: str = "IdentityCredential") -> Any:
        body = {"credential_configuration_id": config, "proofs": {"jwt": [proof]}}
        return self.svc.credential(ISSUER, f"Bearer {access}", body)


def code_of(offer: dict[str, Any]) -> str:
    return str(offer["offer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"])


def reason(fn: Any, *args: Any, **kw: Any) -> str:
    with pytest.raises(IssuanceRefused) as info:
        fn(*args, **kw)
    exc = info.value
    assert exc.code == "issuance_refused"
    assert exc.detail["error"] == REASONS[exc.detail["reason"]][0]
    return str(exc.detail["reason"])


@pytest.fixture(params=["sm", "intl"])
def env(request: pytest.FixtureRequest) -> Env:
    return Env(request.param)


def test_metadata_lists_what_this_desk_issues(env: Env) -> None:
    meta = env.svc.metadata(ISSUER)
    assert meta["credential_issuer"] == ISSUER
    assert meta["credential_endpoint"] == ISSUER + "/v1/oid4vci/credential"
    assert meta["nonce_endpoint"] == ISSUER + "/v1/oid4vci/nonce"
    configs = meta["credential_configurations_supported"]
    assert sorted(configs) == ["IdentityCredential", "LibraryCard"]  # not mzj's
    idc = configs["IdentityCredential"]
    assert idc["format"] == "dc+sd-jwt" and idc["vct"] == "IdentityCredential"
    alg = {"sm": "SM2", "intl": "EdDSA"}[env.chain.suite_name]
    assert idc["proof_types_supported"] == {"jwt": {"proof_signing_alg_values_supported": [alg]}}
    assert idc["wuyi_issuers"] == [{"org": "gaj", "name": "江门市公安局"}]
    as_meta = env.svc.authorization_server_metadata(ISSUER)
    assert as_meta["token_endpoint"] == ISSUER + "/v1/oid4vci/token"
    assert as_meta["pre-authorized_grant_anonymous_access_supported"] is True


def test_offer_by_value_with_a_tx_code_where_the_law_asks(env: Env) -> None:
    out = env.offer()
    assert out["offer_uri"].startswith("openid-credential-offer://?credential_offer=")
    offer = json.loads(unquote(out["offer_uri"].split("=", 1)[1]))
    assert offer == out["offer"] == parse_offer_uri(out["offer_uri"])
    assert offer["credential_issuer"] == ISSUER
    assert offer["credential_configuration_ids"] == ["IdentityCredential"]
    grant = offer["grants"][PRE_AUTHORIZED_GRANT]
    assert grant["tx_code"]["input_mode"] == "numeric" and grant["tx_code"]["length"] == 6
    assert out["tx_code"] == "123456"
    assert "陈美玲" not in out["offer_uri"]  # the QR carries no personal value
    free = env.offer(type="LibraryCard", claims={"card_no": "A1"})
    assert (
        free["tx_code"] is None and "tx_code" not in free["offer"]["grants"][PRE_AUTHORIZED_GRANT]
    )


def test_offer_checks(env: Env) -> None:
    with pytest.raises(ValidationError):
        env.svc.create_offer(ISSUER, "mzj", "MarriageCredential", {"married": True})
    with pytest.raises(ValidationError):
        env.offer(claims={"spouse": "x"})
    with pytest.raises(ValidationError):
        env.offer(claims={})


def test_the_whole_flow(env: Env) -> None:
    out = env.offer(valid_days=30)
    access = env.access(out)
    res = env.credential(access, env.proof())
    (issued,) = env.chain.issued
    assert issued["holder_did"] == DID and issued["type"] == "IdentityCredential"
    assert issued["claims"] == {"name": "陈美玲", "age_over_18": True}
    assert issued["valid_days"] == 30
    assert res["credentials"][0]["credential"].endswith("~")
    st = env.svc.offer_status(out["id"])
    assert st["status"] == "issued" and st["idx"] == 0 and "claims" not in st


def test_token_refusals_change_nothing(env: Env) -> None:
    out = env.offer()
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code_of(out)}
    assert reason(env.svc.token, {**form, "grant_type": "authorization_code"}) == (
        "unsupported_grant_type"
    )
    assert reason(env.svc.token, {**form, "pre-authorized_code": "nope"}) == "unknown_code"
    assert reason(env.svc.token, form) == "tx_code_required"
    assert reason(env.svc.token, {**form, "tx_code": "000000"}) == "wrong_tx_code"
    access = env.access(out)  # still good
    assert reason(env.svc.token, {**form, "tx_code": "123456"}) == "code_used"
    env.credential(access, env.proof())
    assert reason(env.svc.token, {**form, "tx_code": "123456"}) == "code_used"


def test_too_many_wrong_tx_codes_withdraw_the_offer(env: Env) -> None:
    out = env.offer()
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code_of(out)}
    for _ in range(MAX_TX_CODE_TRIES - 1):
        assert reason(env.svc.token, {**form, "tx_code": "999999"}) == "wrong_tx_code"
    assert reason(env.svc.token, {**form, "tx_code": "999999"}) == "too_many_tries"
    assert reason(env.svc.token, {**form, "tx_code": "123456"}) == "unknown_code"


def test_expired_offer(env: Env) -> None:
    out = env.offer()
    env.now += OFFER_TTL_S + 1
    assert reason(env.access, out) == "offer_expired"


def test_nonce_endpoint(env: Env) -> None:
    a, b = env.svc.nonce()["c_nonce"], env.svc.nonce()["c_nonce"]
    assert a != b


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"header": {"typ": "JWT"}}, "bad_proof"),
        ({"header": {"kid": "did:wuyi:" + "cd" * 16 + "#key-1"}}, "unknown_holder"),
        ({"header": {"kid": "https://evil#1"}}, "bad_proof"),
        ({"header": {"jwk": {"kty": "OKP"}}}, "bad_proof"),
        ({"aud": "https://other.example.test"}, "wrong_audience"),
        ({"iat": int(T0) - 3600}, "stale_proof"),
        ({"nonce": "made-up"}, "wrong_nonce"),
        ({"nonce": ""}, "wrong_nonce"),
    ],
)
def test_proof_rules(env: Env, change: dict[str, Any], why: str) -> None:
    access = env.access(env.offer())
    assert reason(env.credential, access, env.proof(**change)) == why
    assert not env.chain.issued
    env.credential(access, env.proof())  # a refusal changed nothing
    assert len(env.chain.issued) == 1


def test_proof_signed_by_another_key(env: Env) -> None:
    access = env.access(env.offer())
    other = env.chain.suite.generate_private_key()
    assert reason(env.credential, access, env.proof(key=other)) == "bad_proof"


def test_a_nonce_is_good_once(env: Env) -> None:
    n = env.svc.nonce()["c_nonce"]
    env.credential(env.access(env.offer()), env.proof(nonce=n))
    access = env.access(env.offer())
    assert reason(env.credential, access, env.proof(nonce=n)) == "wrong_nonce"


def test_credential_request_refusals(env: Env) -> None:
    access = env.access(env.offer())
    proof = env.proof()
    assert reason(env.svc.credential, ISSUER, "Bearer nope", {}) == "invalid_token"
    assert reason(env.svc.credential, ISSUER, None, {}) == "invalid_token"
    assert reason(env.credential, access, proof, "LibraryCard") == "unknown_configuration"
    body = {"credential_configuration_id": "IdentityCredential", "proofs": {"jwt": []}}
    assert reason(env.svc.credential, ISSUER, f"Bearer {access}", body) == "bad_request"
    res = env.svc.credential(
        ISSUER,
        f"Bearer {access}",
        {
            "credential_identifier": "IdentityCredential",
            "proof": {"proof_type": "jwt", "jwt": proof},
        },
    )
    assert res["credentials"]
    assert reason(env.credential, access, env.proof()) == "invalid_token"  # token spent


def test_a_chain_failure_spends_nothing(env: Env) -> None:
    access = env.access(env.offer())
    n = env.svc.nonce()["c_nonce"]
    env.chain.fail = True
    assert reason(env.credential, access, env.proof(nonce=n)) == "issuance_failed"
    env.chain.fail = False
    env.credential(access, env.proof(nonce=n))


def test_make_proof_is_what_the_service_checks(env: Env) -> None:
    access = env.access(env.offer())
    n = env.svc.nonce()["c_nonce"]
    proof = make_proof(env.chain.holder, KID, aud=ISSUER, nonce=n, iat=int(T0))
    assert unverified_payload(proof) == {"aud": ISSUER, "iat": int(T0), "nonce": n}
    env.credential(access, proof)


def test_parse_offer_uri_refuses_junk() -> None:
    for text in [
        "https://x",
        "openid-credential-offer://?credential_offer=%7B%7D",
        "openid-credential-offer://?credential_offer=nope",
    ]:
        with pytest.raises(ValidationError):
            parse_offer_uri(text)


def test_make_run_config_is_a_valid_node_toml_and_loads(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``make run`` writes node0's ``[oid4vci]`` and ``[idp]``; the node accepts the file, the
    desk loads its keys and the provider its signing key (made on first start)."""
    monkeypatch.setattr("wuyi.crypto.keystore.SCRYPT_N", 2**4)  # key files made fast
    from types import SimpleNamespace

    from fastapi import FastAPI

    from wuyi.idp.api import configure_from_home as configure_idp
    from wuyi.node.home import NodeSettings
    from wuyi.oid4vci.api import configure_from_home
    from wuyi.oid4vci.demo import write_node_config

    home, keys_dir = tmp_path / "node0", tmp_path / "keys"
    home.mkdir()
    keys_dir.mkdir()
    (home / "node.toml").write_text(NodeSettings().to_toml())
    write_node_config(home, keys_dir, "http://127.0.0.1:8600", "intl", "pw-123456")
    write_node_config(home, keys_dir, "http://127.0.0.1:8600", "intl", "pw-123456")  # once
    text = (home / "node.toml").read_text()
    assert text.count("[oid4vci]") == 1
    NodeSettings.from_toml(text)  # the node's own settings still parse
    app = FastAPI()
    svc = IssuanceService(SimpleNamespace(keys={}, suite_name="intl"), [])  # type: ignore[arg-type]
    app.state.oid4vci = svc
    configure_from_home(app, home, "pw-123456")
    assert svc.orgs == ["gaj", "mzj"] and app.state.oid4vci_url == "http://127.0.0.1:8600"
    provider = configure_idp(app, home, "http://x")
    assert provider is not None and provider.issuer == "http://127.0.0.1:8600/idp"
    assert provider.clients["wuyi-wallet"].redirect_uris == ("http://127.0.0.1:8600/console/",)
    again = configure_idp(app, home, "http://x")  # the same key on the next start
    assert again is not None and again.jwks() == provider.jwks()
