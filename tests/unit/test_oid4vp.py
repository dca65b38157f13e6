"""OpenID4VP 1.0 presentation (issue #19 part A): the request's and the response's field rules,
the refusals of the response endpoint (each changes nothing), the wallet refusing a request
that asks more than its consent covers before anything leaves it, the chain's record (with
the ``decentralized_identifier:`` audience) and no personal value on chain; for the ``intl``
suite the presentation also verifies with the independent ``sd-jwt`` library."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from wuyi.crypto import load_key
from wuyi.exceptions import (
    DisclosureRefused,
    ValidationError,
)
from wuyi.node.home import OrgSpec
from wuyi.oid4vp import request as rq
from wuyi.oid4vp.sdk import Desk, DeskRequest, fetch_request, respond
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node
from wuyi.vc import sdjwt

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "政务服务数据管理局", True),
    OrgSpec("gaj", "公安局"),
    OrgSpec("bank", "江门农商银行"),
)
ID = "IdentityCredential"
NAME, ID_NUMBER = "陈小明", "440703199001011234"
PURPOSE = "开户 / account opening"

# -- the request's field rules (pure) ---------------------------------------------------------


def _claims(**over: Any) -> dict[str, Any]:
    c = rq.build_request(
        org="bank",
        nonce="n" * 24,
        state="s" * 24,
        response_uri="https://node.example/v1/oid4vp/responses/" + "s" * 24,
        dcql=rq.dcql_query({ID: ["age_over_18"]}),
        purpose=PURPOSE,
        iat=1_800_000_000,
    )
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


HEADER = {"typ": rq.REQUEST_TYP, "alg": "EdDSA", "kid": "did:wuyi:org:bank#wy1"}


def test_request_fields_follow_openid4vp() -> None:
    c = _claims()
    assert c["client_id"] == "decentralized_identifier:did:wuyi:org:bank"
    assert (c["response_type"], c["response_mode"]) == ("vp_token", "direct_post")
    assert c["aud"] == "https://self-issued.me/v2" and c["exp"] - c["iat"] == 300
    q = c["dcql_query"]["credentials"][0]
    assert q["format"] == "dc+sd-jwt" and q["meta"] == {"vct_values": [ID]}
    assert q["claims"] == [{"path": ["credentialSubject", "age_over_18"]}]
    asked = rq.validate_request(c, header=HEADER, now_s=1_800_000_010)
    assert asked == [rq.Asked(q["id"], ID, ("age_over_18",))]
    link = rq.request_link(c["client_id"], "https://node.example/v1/oid4vp/requests/x")
    assert link.startswith("openid4vp://?client_id=decentralized_identifier%3Adid%3Awuyi")
    assert rq.parse_link(link) == (c["client_id"], "https://node.example/v1/oid4vp/requests/x")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"client_id": "did:wuyi:org:bank"}, "client_id"),  # no prefix
        ({"client_id": "redirect_uri:https://bank.example"}, "client_id"),
        ({"client_id": "decentralized_identifier:did:wuyi:0123"}, "client_id"),  # not an org
        ({"response_mode": "fragment"}, "response_mode"),
        ({"response_type": "code"}, "response_type"),
        ({"redirect_uri": "https://bank.example/cb"}, "redirect_uri"),
        ({"response_uri": None}, "response_uri"),
        ({"response_uri": "openid4vp://x"}, "response_uri"),
        ({"state": None}, "state"),
        ({"state": "short"}, "state"),
        ({"nonce": "has space and is long enough"}, "nonce"),
        ({"exp": 1_800_000_000 + 3600}, "exp"),  # longer than 600 s
        ({"purpose": ""}, "purpose"),
        ({"presentation_definition": {}}, "presentation_definition"),
        ({"iss": "decentralized_identifier:did:wuyi:org:other"}, "iss"),
    ],
)
def test_request_field_rules_refuse(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        rq.validate_request(_claims(**over), header=HEADER)
    assert e.value.detail["field"] == field


@pytest.mark.parametrize(
    "dcql",
    [
        {},
        {"credentials": []},
        {"credentials": [{"id": "a b", "format": "dc+sd-jwt"}]},
        {"credentials": [{"id": "q", "format": "jwt_vc_json", "meta": {"vct_values": [ID]}}]},
        {"credentials": [{"id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [ID, "X1"]}}]},
        {
            "credentials": [
                {"id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [ID]}, "claims": []}
            ]
        },
        {
            "credentials": [
                {
                    "id": "q",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [ID]},
                    "claims": [{"path": ["credentialSubject", "a", "b"]}],
                }
            ]
        },
        {**rq.dcql_query({ID: ["age_over_18"]}), "credential_sets": []},
    ],
)
def test_dcql_shape_refused(dcql: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as e:
        rq.validate_request(_claims(dcql_query=dcql), header=HEADER)
    assert e.value.detail["field"] == "dcql_query"


def test_request_header_and_expiry() -> None:
    with pytest.raises(ValidationError, match="typ"):
        rq.validate_request(_claims(), header={**HEADER, "typ": "JWT"})
    with pytest.raises(ValidationError, match="kid"):
        rq.validate_request(_claims(), header={**HEADER, "kid": "did:wuyi:org:other#wy1"})
    with pytest.raises(ValidationError) as e:
        rq.validate_request(_claims(), header=HEADER, now_s=1_800_000_300)
    assert e.value.detail["reason"] == "expired"


# -- through a node: desk, wallet, response endpoint, chain -----------------------------------


class Town:
    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env, self.client = env, env.client
        self.ident = Identity(env.client)
        admins = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        self.issuer = env.client.suite.generate_private_key()
        tx = env.client.builder(admins["gaj"]).member_add(
            "gaj", self.issuer.public_key, ["issuer"], "issuer"
        )
        assert env.client.submit_and_wait(tx).receipt.status == "ok"
        env.client.govern(
            admins["sjj"],
            [admins["gaj"], admins["bank"]],
            "vc.set_type",
            {"type": ID, "issuers": ["gaj"], "claims": ["age_over_18", "name"], "description": ID},
            title="ID",
        )
        self.wallet = Wallet.create(tmp / "w.json", "pw", env.client.suite.name)
        env.register_did(self.wallet.key)
        self.claims = {"age_over_18": True, "name": NAME, "id_number": ID_NUMBER}
        self.wallet.add(
            self.ident.issue(self.issuer, org="gaj", type=ID, holder_did=self.wallet.did,
                             claims=self.claims)
        )  # fmt: skip
        self.consent = self.ident.grant_consent(
            self.wallet.key,
            verifier="bank",
            types=[ID],
            claims=["age_over_18"],
            purpose=PURPOSE,
            minutes=10,
        )
        self.desk = Desk(env.client, admins["bank"], "bank")

    def open(self, claims: tuple[str, ...] = ("age_over_18",), ttl: int = 300) -> DeskRequest:
        return self.desk.open({ID: list(claims)}, purpose=PURPOSE, ttl=ttl)

    def post(self, req: DeskRequest, form: dict[str, str]) -> dict[str, Any]:
        resp = self.client._http.post(
            f"/v1/oid4vp/responses/{req.state}",
            content=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        return {"status": resp.status_code, **(resp.json() or {})}

    def answer(self, req: DeskRequest, **over: Any) -> dict[str, str]:
        """The form a wallet would post, with its key-binding JWT changed by ``over``."""
        asked = fetch_request(self.client, req.link)
        a = asked.asked[0]
        now = int(time.time())
        kb = {"aud": asked.client_id, "nonce": req.nonce, **over}
        claims = over.pop("claims", list(a.claims))
        text = sdjwt.present(
            self.wallet.get(ID).sd_jwt,
            claims,
            self.wallet.key,
            aud=kb["aud"],
            nonce=kb["nonce"],
            iat=now,
            exp=now + 120,
            extra={"consent": self.consent},
        )
        return {"vp_token": json.dumps({a.id: [text]}), "state": req.state}


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    tmp = tmp_path_factory.mktemp("oid4vp")
    with inprocess_node(tmp / "node", ORGS, suite="intl", passphrase=PW) as env:
        yield Town(env, tmp)


def test_present_by_openid4vp_and_the_chain_records_it(town: Town) -> None:
    req = town.open()
    asked = fetch_request(town.client, req.link)
    assert asked.org == "bank" and asked.purpose == PURPOSE
    assert [(a.type, a.claims) for a in asked.asked] == [(ID, ("age_over_18",))]
    assert town.desk.poll(req)["status"] == "pending"
    form = respond(town.wallet, asked, consent=town.consent, consents=town.ident,
                   client=town.client)  # fmt: skip
    vp = json.loads(form["vp_token"])
    text = vp[asked.asked[0].id][0]
    kb = json.loads(sdjwt.b64url_decode(text.rsplit("~", 1)[1].split(".")[1]))
    assert kb["aud"] == "decentralized_identifier:did:wuyi:org:bank" and kb["nonce"] == req.nonce
    verdict = town.desk.wait(req, timeout=10)
    assert verdict.accepted, verdict
    check = town.ident.check(verdict.tx_hash or "", key=town.desk.key, purpose="核验复查")
    assert (check["result"], check["basis"], check["disclosed"]) == (
        "accepted",
        "chain",
        ["age_over_18"],
    )
    assert check["holder"] == town.wallet.did
    # the desk reads the presentation once; after that the node has forgotten it
    assert "presentation" not in town.desk.poll(req)
    assert town.desk.poll(req)["status"] == "collected"
    # the answer is replayed: refused, named, and nothing changes
    again = town.post(req, form)
    assert (again["status"], again["code"], again["reason"]) == (
        400,
        "presentation_refused",
        "replayed",
    )
    assert again["type"] == "/problems/presentation_refused"


def test_independent_sd_jwt_library_verifies_the_presentation(town: Town) -> None:
    from jwcrypto import jwk as jwcrypto_jwk
    from sd_jwt import verifier as sd_jwt_verifier

    class EdDSAVerifier(sd_jwt_verifier.SDJWTVerifier):  # type: ignore[misc]
        def _verify_key_binding_jwt(
            self, expected_aud: Any = None, expected_nonce: Any = None, sign_alg: Any = None
        ) -> None:
            super()._verify_key_binding_jwt(expected_aud, expected_nonce, sign_alg="EdDSA")

    req = town.open()
    asked = fetch_request(town.client, req.link)
    form = respond(town.wallet, asked, consent=town.consent, consents=town.ident,
                   client=town.client, post=False)  # fmt: skip
    text = json.loads(form["vp_token"])[asked.asked[0].id][0]
    header = json.loads(sdjwt.b64url_decode(text.split(".")[0]))
    issuer_jwk = town.ident.issuer_jwk("did:wuyi:org:gaj", header["kid"])
    key = jwcrypto_jwk.JWK(**issuer_jwk)
    v = EdDSAVerifier(
        text,
        lambda iss, hdr: key,
        expected_aud=asked.client_id,
        expected_nonce=req.nonce,
    )
    claims = v.get_verified_payload()
    assert claims["credentialSubject"]["age_over_18"] is True
    assert "name" not in claims["credentialSubject"]


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"nonce": "another-nonce-" + "x" * 12}, "nonce_mismatch"),
        ({"aud": "decentralized_identifier:did:wuyi:org:gaj"}, "wrong_audience"),
        ({"aud": "did:wuyi:org:bank"}, "wrong_audience"),  # the bare DID is not the client_id
        ({"claims": ["age_over_18", "name"]}, "over_asking"),
        ({"claims": []}, "incomplete"),
    ],
)
def test_response_refusals_change_nothing(town: Town, over: dict[str, Any], reason: str) -> None:
    req = town.open()
    got = town.post(req, town.answer(req, **over))
    assert (got["status"], got["code"], got["reason"]) == (400, "presentation_refused", reason)
    assert NAME not in json.dumps(got, ensure_ascii=False)
    assert town.desk.poll(req)["status"] == "pending"  # nothing changed: still answerable
    assert town.post(req, town.answer(req))["status"] == 200


def test_expired_request_is_refused(town: Town) -> None:
    """The node's book of requests with the clock past ``exp`` (the route passes the wall
    clock): the answer is refused ``expired`` and the request stays as it was; the node will
    not open, nor the wallet answer, an expired request."""
    from wuyi.exceptions import PresentationRefused
    from wuyi.oid4vp.verifier import RequestBook

    req = town.open()
    form = town.answer(req)
    jwt = town.client._http.get(f"/v1/oid4vp/requests/{req.state}").text
    book = RequestBook(town.env.node.suite)
    with town.env.node.store.snapshot() as view:
        book.open(jwt, view, desk_token="t", now_s=req.expires - 10)
        with pytest.raises(PresentationRefused) as e:
            book.respond(req.state, form, view, now_ms=req.expires * 1000)
        assert e.value.detail["reason"] == "expired"
        assert book.get(req.state).status == "pending"
        with pytest.raises(ValidationError) as e2:
            RequestBook(town.env.node.suite).open(jwt, view, desk_token="t", now_s=req.expires)
        assert e2.value.detail["reason"] == "expired"
    with pytest.raises(ValidationError) as e3:
        fetch_request(town.client, req.link, now=req.expires)
    assert e3.value.detail["reason"] == "expired"


def test_wallet_refuses_a_request_beyond_its_consent_before_anything_leaves(town: Town) -> None:
    req = town.open(claims=("age_over_18", "name"))
    asked = fetch_request(town.client, req.link)
    before = len(town.wallet.presentations)
    with pytest.raises(DisclosureRefused) as e:
        respond(town.wallet, asked, consent=town.consent, consents=town.ident,
                client=town.client)  # fmt: skip
    assert e.value.detail["reason"] == "over_asking"
    assert town.desk.poll(req)["status"] == "pending"  # nothing was posted
    assert len(town.wallet.presentations) == before


def test_a_forged_request_object_is_refused(town: Town) -> None:
    """A request signed by a key outside the bank's DID document is refused by the node (and
    would be by the wallet)."""
    from wuyi.exceptions import CredentialInvalid
    from wuyi.sdk.client import ApiError

    mallory = Desk(town.client, town.client.suite.generate_private_key(), "bank")
    with pytest.raises((CredentialInvalid, ApiError)):
        mallory.open({ID: ["age_over_18"]}, purpose=PURPOSE)


def test_chain_accepts_the_client_id_audience_and_no_other_prefix(town: Town) -> None:
    """The chain's rule on ``aud`` accepts the bare DID and ``decentralized_identifier:`` +
    the DID (OpenID4VP), nothing else."""
    for aud, ok in (
        ("did:wuyi:org:bank", True),
        ("decentralized_identifier:did:wuyi:org:bank", True),
        ("did:web:did:wuyi:org:bank", False),
        ("decentralized_identifier:did:wuyi:org:gaj", False),
    ):
        nonce = "chain-aud-" + str(time.time_ns())
        now = int(time.time())
        text = sdjwt.present(
            town.wallet.get(ID).sd_jwt,
            ["age_over_18"],
            town.wallet.key,
            aud=aud,
            nonce=nonce,
            iat=now,
            exp=now + 60,
            extra={"consent": town.consent},
        )
        v = town.desk.record(text, nonce)
        assert v.accepted is ok and (ok or v.reason == "wrong_audience"), (aud, v)


def test_no_personal_value_on_chain_or_in_answers(town: Town) -> None:
    req = town.open()
    jwt = town.client._http.get(f"/v1/oid4vp/requests/{req.state}").text
    raw = sdjwt.b64url_decode(jwt.split(".")[1]).decode()
    assert NAME not in raw and "age_over_18" in raw  # claim names only
    assert town.wallet.did not in raw
    store = town.env.node.store
    needles = [NAME.encode(), ID_NUMBER.encode()]
    needles += [
        d.encode()
        for d in town.wallet.get(ID).sd_jwt.split("~")[1:]
        if d and sdjwt.decode_disclosure(d)[1] != "age_over_18"
    ]
    for h in range(1, town.env.node.height + 1):
        blob = store.get_block(h).to_bytes()
        assert not any(n in blob for n in needles), f"personal data in block {h}"
        for rc in store.get_receipts(h):
            assert not any(n in rc.to_bytes() for n in needles)
    with store.snapshot() as v:
        for _k, value in v.iter_prefix(b""):
            assert not any(n in value for n in needles)


# -- the response's field rules -------------------------------------------------------------

ASKED = [rq.Asked("q0_IdentityCredential", ID, ("age_over_18",))]


@pytest.mark.parametrize(
    ("vp_token", "reason"),
    [
        ("not json", "malformed"),
        ('["a~b~"]', "malformed"),  # an array: 1.0 wants an object keyed by query id
        ({"q0_IdentityCredential": "a~b~"}, "malformed"),  # not an array
        ({"q0_IdentityCredential": ["a~", "b~"]}, "malformed"),  # two presentations
        ({"q0_IdentityCredential": ["not an sd-jwt"]}, "malformed"),
        ({}, "incomplete"),
        ({"q0_IdentityCredential": ["x~"], "other": ["y~"]}, "over_asking"),
    ],
)
def test_vp_token_shape(vp_token: Any, reason: str) -> None:
    from wuyi.exceptions import PresentationRefused
    from wuyi.oid4vp.verifier import check_vp_token

    with pytest.raises(PresentationRefused) as e:
        check_vp_token(vp_token, ASKED, client_id=rq.client_id_of("bank"), nonce="n" * 24)
    assert e.value.detail["reason"] == reason


def test_response_state_and_response_uri_rules(town: Town) -> None:
    req = town.open()
    form = town.answer(req)
    got = town.post(req, {**form, "state": "another-state-" + "x" * 12})
    assert (got["status"], got["reason"]) == (400, "unknown")
    got = town.post(req, {"state": req.state})  # no vp_token
    assert (got["status"], got["reason"]) == (400, "malformed")
    assert town.post(req, form)["status"] == 200  # still answerable: nothing changed
    # the node keeps only requests whose response_uri is its own endpoint for that state
    claims = rq.build_request(
        org="bank",
        nonce="n" * 24,
        state="s" * 24,
        response_uri="https://elsewhere.example/collect",
        dcql=rq.dcql_query({ID: ["age_over_18"]}),
        purpose=PURPOSE,
        iat=int(time.time()),
    )
    with pytest.raises(ValidationError, match="response_uri"):
        town.client._request(
            "POST", "/v1/oid4vp/requests", json={"request": town.desk.sign(claims)}
        )


def test_cli_request_and_present(
    town: Town, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``wuyi oid4vp request --no-wait`` prints the link; ``wuyi oid4vp present`` shows who asks
    what and why, and posts (the refusals are the SDK's, tested above)."""
    from typer.testing import CliRunner

    import wuyi.oid4vp.cli as oid4vp_cli
    from wuyi.cli import app

    monkeypatch.setattr(oid4vp_cli, "_client", lambda node: town.client)
    (tmp_path / "desk.pass").write_text(PW)
    (tmp_path / "wallet.pass").write_text("pw")
    runner = CliRunner()

    def request(claims: str) -> str:
        r = runner.invoke(
            app,
            ["oid4vp", "request", "--key", str(town.env.keys_dir / "bank-admin.key"),
             "--org", "bank", "--type", ID, "--claims", claims, "--purpose", PURPOSE,
             "--no-wait", "--passphrase-file", str(tmp_path / "desk.pass")],
        )  # fmt: skip
        assert r.exit_code == 0, r.output
        link = r.output.strip().splitlines()[-1]
        assert link.startswith("openid4vp://?client_id=decentralized_identifier")
        return link

    def present(link: str) -> Any:
        return runner.invoke(
            app,
            ["oid4vp", "present", link, "--consent", town.consent,
             "--wallet", str(town.wallet.path), "--passphrase-file", str(tmp_path / "wallet.pass")],
        )  # fmt: skip

    r = present(request("age_over_18"))
    assert r.exit_code == 0, r.output
    assert "decentralized_identifier:did:wuyi:org:bank" in r.output and PURPOSE in r.output
    assert "已出示 / presented" in r.output
