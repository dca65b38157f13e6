"""OpenID4VCI issuance over the REST API of a node (in process, suite sm; the protocol's proof
rules run on both suites in ``test_oid4vci.py``, the ID token on chain in ``test_idp_oidc.py``):
the desk's signed
offer, the wallet's token / nonce / credential requests through the SDK, the credential in the
wallet bound to its DID key, the status-list entry and the commitment on chain — and no
personal value in any block, receipt or state value; an ID token of the OpenID Connect provider
served by the node (``/idp``) accepted as a consent's attestation."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest

from wuyi.crypto import address_of
from wuyi.idp.api import configure as configure_idp
from wuyi.idp.provider import Client, IdentityProvider, new_signing_jwk
from wuyi.node.home import OrgSpec
from wuyi.oid4vci.api import configure
from wuyi.oid4vci.sdk import read_offer, receive
from wuyi.sdk.auth import signed_headers
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node
from wuyi.vc.idtoken import consent_nonce
from wuyi.vc.jose import b64url_encode

ORGS = (OrgSpec("sjj", "数据局", True), OrgSpec("gaj", "江门市公安局"), OrgSpec("nsyh", "农商银行"))
PERSONAL = {"name": "陈美玲", "id_number": "440703199001011234", "age_over_18": True}


def setup(env: InProcessNode) -> tuple[Any, Wallet, Any]:
    c = env.client
    admins = {o.id: env.admin(o.id) for o in ORGS}
    c.govern(admins["sjj"], [admins["gaj"], admins["nsyh"]], "vc.set_type",
             {"type": "IdentityCredential", "issuers": ["gaj"], "claims": sorted(PERSONAL),
              "description": "居民身份电子凭证"}, title="t")  # fmt: skip
    issuer = c.suite.generate_private_key()
    tx = c.builder(admins["gaj"]).member_add("gaj", issuer.public_key, ["issuer"], "desk")
    assert c.submit_and_wait(tx).receipt.status == "ok"
    configure(env.app, {"gaj": issuer})
    env.app.state.oid4vci.backend.client_factory = env.new_client
    return issuer, admins, c


def desk_offer(env: InProcessNode, key: Any, body: dict[str, Any]) -> dict[str, Any]:
    raw = json.dumps(body).encode()
    q = {"purpose": "窗口签发 / desk issues"}
    h = signed_headers(key, env.node.chain.chain_id, "POST", "/v1/oid4vci/offers", q, raw)
    http = httpx.Client(transport=env.transport, base_url="http://node")
    r = http.post("/v1/oid4vci/offers", params=q, content=raw,
                  headers={**h, "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessNode, Any, Any]]:
    """One node (suite sm) for the module: its set-up is most of the time."""
    with inprocess_node(tmp_path_factory.mktemp("oid4vci") / "n", ORGS, suite="sm") as env:
        issuer, admins, _c = setup(env)
        yield env, issuer, admins


def test_issuance_by_qr_puts_status_and_commitment_on_chain(
    chain: tuple[InProcessNode, Any, Any], tmp_path: Path
) -> None:
    env, issuer, _admins = chain
    suite, c = "sm", env.client
    wallet = Wallet.create(tmp_path / "w.json", "pw-123456", suite)
    env.register_did(wallet.key)
    http = httpx.Client(transport=env.transport)
    # a clerk without the issuer role may not make offers
    r = http.post("http://node/v1/oid4vci/offers", json={"type": "x", "claims": {}})
    assert r.status_code in (401, 403)
    out = desk_offer(env, issuer, {"type": "IdentityCredential", "claims": PERSONAL})
    assert out["tx_code"] and len(out["tx_code"]) == 6
    info = read_offer(out["offer_uri"], http=http)
    assert info.issuers == ["江门市公安局"] and info.title == "居民身份电子凭证"
    assert info.tx_code is not None and info.tx_code["length"] == 6
    # a wrong transaction code: a problem document with the OAuth members
    r = http.post(info.token_endpoint, data={
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": info.code, "tx_code": "000000"})  # fmt: skip
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "issuance_refused" and body["reason"] == "wrong_tx_code"
    assert body["error"] == "invalid_grant" and body["type"] == "/problems/issuance_refused"
    height = env.node.height
    assert height == env.node.height  # nothing written by a refusal
    cred = receive(info, wallet, tx_code=out["tx_code"], http=http)
    assert cred.type == "IdentityCredential" and cred.claims == PERSONAL
    jwt = cred.sd_jwt.split("~")[0]
    header = json.loads(base64.urlsafe_b64decode(jwt.split(".")[0] + "=="))
    assert header["typ"] == "dc+sd-jwt"
    rec = Identity(c).credential_status("gaj", cred.status_idx)
    assert rec["status"] == "valid" and rec["type"] == "IdentityCredential"
    assert rec["commitment"] == c.suite.hash(jwt.encode())
    assert rec["issuer"] == address_of(c.suite, issuer.public_key)
    st = http.get(f"http://node/v1/oid4vci/offers/{out['id']}").json()
    assert st["status"] == "issued" and st["idx"] == cred.status_idx
    # the code is spent
    r = http.post(info.token_endpoint, data={
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": info.code, "tx_code": out["tx_code"]})  # fmt: skip
    assert r.json()["reason"] == "code_used"
    # no personal value on chain: not in clear, not in a disclosure
    needles = {str(v).encode() for k, v in PERSONAL.items() if k != "age_over_18"}
    needles |= {d.encode() for d in cred.sd_jwt.split("~")[1:] if d}
    needles |= {b64url_encode(b"\0" * i + "陈美玲".encode())[2:-2].encode() for i in range(3)}
    store = env.node.store
    for h in range(1, env.node.height + 1):
        blob = store.get_block(h).to_bytes()
        assert not [n for n in needles if n in blob], f"block {h}"
        assert not any(n in rc.to_bytes() for rc in store.get_receipts(h) for n in needles)
    with store.snapshot() as v:
        for key, value in v.iter_prefix(b""):
            assert not [n for n in needles if n in value or n in key], key


def test_the_nodes_identity_provider_is_accepted_on_chain(
    chain: tuple[InProcessNode, Any, Any], tmp_path: Path
) -> None:
    env, _issuer, admins = chain
    c = env.client
    base = "http://localhost"
    idp = IdentityProvider(
        issuer=base + "/idp", signing_jwk=new_signing_jwk(),
        clients=[Client("wuyi-wallet", (base + "/console/",), "五邑链钱包")],
    )  # fmt: skip
    configure_idp(env.app, idp)
    http = httpx.Client(transport=env.transport)
    meta = http.get("http://node/idp/.well-known/openid-configuration").json()
    assert meta["issuer"] == base + "/idp"
    jwks = http.get("http://node/idp/jwks").json()
    oidc = {"issuer": meta["issuer"], "audience": "wuyi-wallet", "jwks": jwks["keys"],
            "acr_levels": idp.acr_levels()}  # fmt: skip
    args = {"org": "sjj", "enabled": True, "max_level": 3, "oidc": oidc}
    c.govern(admins["sjj"], [admins["gaj"], admins["nsyh"]], "idp.set", args, title="t")
    wallet = Wallet.create(tmp_path / "w.json", "pw-123456", "sm")
    env.register_did(wallet.key)
    ident = Identity(c)
    import time

    start = int(time.time() * 1000)
    terms = {"holder": wallet.did, "verifier": "nsyh", "types": ["IdentityCredential"],
             "claims": ["age_over_18"], "purpose": "开户 / account", "not_before": start,
             "not_after": start + 60 * 60_000}  # fmt: skip
    verifier = "v" * 43
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {"response_type": "code", "client_id": "wuyi-wallet",
              "redirect_uri": base + "/console/", "scope": "openid", "state": "s",
              "nonce": consent_nonce(c.suite.hash, terms), "login_hint": wallet.did,
              "code_challenge": challenge.rstrip(b"=").decode(),
              "code_challenge_method": "S256"}  # fmt: skip
    stranger = {**params, "login_hint": "did:wuyi:" + "00" * 16}  # no such DID on chain
    r = http.get("http://node/idp/authorize?" + urlencode(stranger))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    page = http.get("http://node/idp/authorize?" + urlencode(params))
    assert page.status_code == 200, page.text
    assert "模拟" in page.text and "simulated" in page.text
    from starlette.testclient import TestClient

    r = TestClient(env.app, follow_redirects=False).post(
        "/idp/authorize", data={**params, "decision": "approve"}
    )
    assert r.status_code == 302, r.text
    code = parse_qs(urlparse(r.headers["location"]).query)["code"][0]
    tok = http.post("http://node/idp/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": "wuyi-wallet",
        "redirect_uri": base + "/console/", "code_verifier": verifier}).json()  # fmt: skip
    consent = ident.grant_consent(
        wallet.key, verifier="nsyh", types=terms["types"], claims=terms["claims"],
        purpose=terms["purpose"], minutes=60, not_before_ms=start,
        assurance=tok["id_token"],
    )  # fmt: skip
    rec = ident.consent(consent, key=wallet.key)
    assert rec["assurance"]["provider"] == "sjj" and rec["assurance"]["level"] == 2
