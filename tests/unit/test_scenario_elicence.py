"""Scenario 4, 免证办 (certificate-free services), issue #7 flow 3, through the API and the SDK.

教育局 issues a degree e-licence (only its commitment — the hash of the signed licence — goes on
chain); 公安 an ID. The citizen passes real-name and face verification at an identity provider,
and with that attestation authorises the 人社 service counter to see two named claims for a
purpose and ten minutes. The counter, which requires identity assurance of level 2, verifies
authenticity (issuer signature, commitment) and status; the licence content never touches the
chain. Replay, a wrong verifier, expiry and revocation are refused with their reason, a consent
without the attestation is refused (``assurance_too_low``), and the citizen sees each use.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wuyi.crypto import load_key
from wuyi.exceptions import ReadForbidden, SignedReadRequired, TxFailed, ValidationError
from wuyi.node.home import OrgSpec
from wuyi.sdk.identity import Identity, Verifier, presentation_payload
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node
from wuyi.vc.assurance import make_attestation

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "政务服务数据管理局", True),
    OrgSpec("gaj", "公安局"),
    OrgSpec("jyj", "教育局"),
    OrgSpec("idp", "实名认证服务"),
    OrgSpec("rsj", "人社局"),
    OrgSpec("app", "第三方应用"),
)
NAME, ID_NUMBER = "黄嘉怡", "440705199803036666"
SCHOOL, MAJOR = "五邑大学", "智能制造工程"
DEGREE = {
    "name": NAME,
    "id_number": ID_NUMBER,
    "school": SCHOOL,
    "major": MAJOR,
    "degree_level": 4,
    "graduated": "2020-06",
}
ID_CLAIMS = {"name": NAME, "id_number": ID_NUMBER, "age": 28}
TYPES = ["DegreeCredential", "IdentityCredential"]
CLAIMS = ["degree_level", "age"]


class Office:
    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env = env
        self.tmp = tmp
        self.client = env.client
        self.ident = Identity(env.client)
        self.admins = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        suite = env.client.suite
        self.keys = {}
        for org, role in (("gaj", "issuer"), ("jyj", "issuer"), ("idp", "idp")):
            k = suite.generate_private_key()
            tx = env.client.builder(self.admins[org]).member_add(org, k.public_key, [role], role)
            assert env.client.submit_and_wait(tx).receipt.status == "ok"
            self.keys[org] = k
        voters = [self.admins[o] for o in ("gaj", "jyj", "idp", "rsj")]
        for type_, org, claims in (
            ("IdentityCredential", "gaj", sorted(ID_CLAIMS)),
            ("DegreeCredential", "jyj", sorted(DEGREE)),
        ):
            env.client.govern(
                self.admins["sjj"],
                voters,
                "vc.set_type",
                {"type": type_, "issuers": [org], "claims": claims, "description": type_},
                title=f"authorise {org} for {type_}",
            )
        env.client.govern(
            self.admins["sjj"],
            voters,
            "idp.set",
            {"org": "idp", "enabled": True, "max_level": 3},
            title="enable the identity provider",
        )
        self.wallet = Wallet.create(tmp / "wallet.json", "citizen-pass", suite.name)
        self.env.register_did(self.wallet.key)
        self.degree = self.ident.issue(
            self.keys["jyj"],
            org="jyj",
            type="DegreeCredential",
            holder_did=self.wallet.did,
            claims=DEGREE,
        )
        self.wallet.add(self.degree)
        self.wallet.add(
            self.ident.issue(
                self.keys["gaj"],
                org="gaj",
                type="IdentityCredential",
                holder_did=self.wallet.did,
                claims=ID_CLAIMS,
            )
        )
        # the 人社 counter requires real-name + face verification of level 2 with the consent
        self.counter = Verifier(env.client, self.admins["rsj"], "rsj", min_assurance=2)
        self.app = Verifier(env.client, self.admins["app"], "app", min_assurance=2)

    def attest(self, *, level: int = 2, face: bool = True, sub: str | None = None) -> str:
        now = int(time.time())
        return make_attestation(
            self.keys["idp"],
            org="idp",
            sub=sub or self.wallet.did,
            level=level,
            real_name=True,
            face=face,
            iat=now - 5,
            exp=now + 600,
        )

    def consent(self, *, assurance: str | None, minutes: int = 10, **kw: object) -> str:
        return self.ident.grant_consent(
            self.wallet.key,
            verifier="rsj",
            types=TYPES,
            claims=CLAIMS,
            purpose="人才落户材料核验 / settlement papers",
            minutes=minutes,
            assurance=assurance,
            **kw,  # type: ignore[arg-type]
        )

    def present(self, consent: str, nonce: str, verifier: str = "rsj", **kw: object) -> str:
        return self.wallet.present(
            TYPES,
            CLAIMS,
            verifier=verifier,
            nonce=nonce,
            consent=consent,
            consents=self.ident,
            **kw,  # type: ignore[arg-type]
        )


def everything_on_chain(office: Office) -> bytes:
    """Every block, receipt and state key and value of the node, concatenated."""
    store = office.env.node.store
    parts = []
    for h in range(1, office.env.node.height + 1):
        parts.append(store.get_block(h).to_bytes())
        parts.extend(rc.to_bytes() for rc in store.get_receipts(h))
    with store.snapshot() as v:
        for key, value in v.iter_prefix(b""):
            parts += [key, value]
    return b"".join(parts)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    tmp = tmp_path_factory.mktemp("elicence")
    with inprocess_node(tmp / "node", ORGS, suite="sm", passphrase=PW) as env:
        yield Office(env, tmp)


def test_consent_records_the_assurance_not_the_token(office: Office) -> None:
    token = office.attest()
    cid = office.consent(assurance=token)
    rec = office.ident.consent(cid, key=office.wallet.key)  # the holder's own signed read
    assert rec["assurance"]["provider"] == "idp" and rec["assurance"]["level"] == 2
    assert rec["assurance"]["real_name"] is True and rec["assurance"]["face"] is True
    # the attestation (no name in it, only booleans and a level) is in the grant transaction;
    # the consent record keeps the checked result, not the token
    with office.env.node.store.snapshot() as v:
        assert not any(token.encode() in value for _, value in v.iter_prefix(b""))
    assert NAME.encode() not in token.encode()


def test_attestation_of_someone_else_or_expired_is_refused_at_grant(office: Office) -> None:
    other = Wallet.create(office.tmp / "other.json", "other-pass", office.client.suite.name)
    office.env.register_did(other.key)
    with pytest.raises(TxFailed, match=r"identity assurance refused: .*sub"):
        office.consent(assurance=office.attest(sub=other.did))
    now = int(time.time())
    stale = make_attestation(
        office.keys["idp"],
        org="idp",
        sub=office.wallet.did,
        level=2,
        real_name=True,
        face=True,
        iat=now - 4000,
        exp=now - 3000,
    )
    with pytest.raises(TxFailed, match=r"identity assurance refused: .*expired"):
        office.consent(assurance=stale)
    with pytest.raises(ValidationError, match="assurance must be an attestation token"):
        office.consent(assurance="x" * 5000)


def test_the_counter_verifies_once_without_the_content_on_chain(office: Office) -> None:
    cid = office.consent(assurance=office.attest())
    nonce = office.counter.challenge()
    p = office.present(cid, nonce)
    v = office.counter.verify(p, nonce)
    assert v.accepted, v
    assert v.claims == {"degree_level": 4, "age": 28}
    # authenticity: the degree's commitment on chain is the hash of the issuer-signed licence
    rec = office.ident.credential_status("jyj", 0)
    assert rec["type"] == "DegreeCredential" and rec["status"] == "valid"
    # the licence content never touched the chain: no block, no state value holds it
    everything = everything_on_chain(office)
    for secret in (NAME, ID_NUMBER, SCHOOL, MAJOR):
        assert secret.encode() not in everything, secret
    # replay: same counter, spent nonce; another server of the counter: the chain says replay
    assert office.counter.verify(p, nonce).reason == "replay"
    again = Verifier(office.client, office.admins["rsj"], "rsj", min_assurance=2)
    again.accept_nonce(nonce)
    assert again.verify(p, nonce).reason == "replay"
    # a third-party app that got hold of the token: wrong verifier
    n2 = office.app.challenge()
    assert office.app.verify(p, n2).reason == "wrong_audience"
    # the citizen sees the one use, and each refused attempt
    mine = office.ident.uses(office.wallet.did, key=office.wallet.key)
    uses = [u for u in mine if u["consent"] == cid]
    assert len(uses) == 1 and uses[0]["verifier"] == "rsj"
    assert sorted(uses[0]["disclosed"]) == ["age", "degree_level"]
    refused = office.ident.refused(office.wallet.did, key=office.wallet.key)
    refused = [u for u in refused if u["consent"] == cid]
    assert "replay" in {u["reason"] for u in refused}


def test_without_assurance_the_service_refuses(office: Office) -> None:
    cid = office.consent(assurance=None)
    nonce = office.counter.challenge()
    v = office.counter.verify(office.present(cid, nonce), nonce)
    assert (v.result, v.reason) == ("refused", "assurance_too_low")
    assert "level 2" in v.message
    # an attestation without face verification does not count either
    cid = office.consent(assurance=office.attest(face=False))
    nonce = office.counter.challenge()
    v = office.counter.verify(office.present(cid, nonce), nonce)
    assert v.reason == "assurance_too_low"
    # the chain checks it even when a careless verifier does not
    lax = Verifier(office.client, office.admins["rsj"], "rsj")
    nonce = lax.challenge()
    p = office.present(cid, nonce)
    payload_check = lax.verify(p, nonce)
    assert payload_check.accepted  # the lax verifier asked for no assurance: its choice
    strict = Verifier(office.client, office.admins["rsj"], "rsj", min_assurance=1)
    strict._check_assurance = lambda consent_hex: None  # type: ignore[method-assign]
    nonce = strict.challenge()
    v = strict.verify(office.present(cid, nonce), nonce)
    assert (v.result, v.reason) == ("refused", "assurance_too_low")  # said by the chain
    check = office.ident.check(str(v.tx_hash), key=office.admins["rsj"], purpose="复核 / review")
    assert check["reason"] == "assurance_too_low"


def test_the_scenario_folder_shows_the_catalogue_and_the_counters_log(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 免证办 folder (wuyi/scenarios/elicence) over the native handlers: its SDK's three
    steps (authorise, present, the counter's check), its routes (the catalogue, a service's
    log: accepted and refused, claim names only) and its CLI."""
    import importlib

    from typer.testing import CliRunner

    from wuyi.cli import app

    el = office.client.scenario("elicence")
    consent = el.authorise(
        office.wallet, "rsj", TYPES, CLAIMS, "人才落户材料核验 / papers", office.attest()
    )
    nonce = office.counter.challenge()
    text = el.present(office.wallet, "rsj", TYPES, CLAIMS, nonce, consent)
    assert office.counter.verify(text, nonce).accepted
    assert office.counter.verify(text, nonce).reason == "replay"  # refused in the SDK, not sent
    # a counter that sends the same presentation again anyway: the chain refuses the replay
    # itself and records the refusal in the service's log
    c = office.client
    payload, sidecar = presentation_payload(text, nonce, suite=c.suite, min_assurance=2)
    replay = c.builder(office.admins["rsj"]).build("vc.verify", payload)
    assert c.submit_and_wait(replay, sidecars=[sidecar]).receipt.status == "ok"
    cat = el.catalogue()
    assert {x["type"]: x["issuers"] for x in cat["licences"]} == {
        "DegreeCredential": ["jyj"],
        "IdentityCredential": ["gaj"],
    }
    assert [(p["org"], p["enabled"], p["max_level"]) for p in cat["providers"]] == [
        ("idp", True, 3)
    ]
    # the service's log names holders: its own members read it, signed (docs/api.md)
    with pytest.raises(SignedReadRequired):
        el.service_checks("rsj")
    office.client.read_as(office.admins["rsj"], "核验台账 / the counter's log")
    log = el.service_checks("rsj")
    assert [c["height"] for c in log] == sorted((c["height"] for c in log), reverse=True)
    mine = [c for c in log if c["consent"] == consent]
    assert [c["result"] for c in mine] == ["refused", "accepted"]  # newest first
    assert mine[1]["disclosed"] == ["age", "degree_level"] and mine[0]["reason"] == "replay"
    assert all(c["result"] == "refused" for c in el.service_checks("rsj", result="refused"))
    with pytest.raises(ReadForbidden):  # rsj's member reads no other service's log
        el.service_checks("app", result="accepted")
    office.client.read_as(None)
    blob = str(log)
    assert NAME not in blob and ID_NUMBER not in blob and SCHOOL not in blob
    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: office.env.new_client())
    monkeypatch.setattr(cli.console, "width", 250)
    from wuyi.crypto import save_key

    key_file = office.tmp / "rsj-admin.key"
    save_key(key_file, office.admins["rsj"], PW)
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    out = CliRunner().invoke(
        app, ["elicence", "checks", "rsj", "--result", "accepted", "--read-key", str(key_file)]
    )
    assert out.exit_code == 0 and office.wallet.did in out.output and "degree_level" in out.output
    out = CliRunner().invoke(app, ["elicence", "catalogue"])
    assert out.exit_code == 0 and "DegreeCredential" in out.output and "idp" in out.output


def test_expiry_and_revocation_are_refused(office: Office) -> None:
    token = office.attest()
    since = int(time.time() * 1000) - 300_000  # in force before the backdated presentation
    cid = office.consent(assurance=token, minutes=30, not_before_ms=since)
    nonce = office.counter.challenge()
    late = office.present(cid, nonce, now=int(time.time()) - 200, ttl=60)
    assert office.counter.verify(late, nonce).reason == "expired"
    # the holder withdraws the consent after presenting, before the counter checks
    nonce = office.counter.challenge()
    made = office.present(cid, nonce)
    office.ident.revoke_consent(office.wallet.key, cid)
    assert office.counter.verify(made, nonce).reason == "consent_revoked"
    # 教育局 revokes the degree: no consent makes it valid again
    cid = office.consent(assurance=token)
    office.ident.set_status(office.keys["jyj"], 0, "revoked", "学位撤销 / degree withdrawn")
    nonce = office.counter.challenge()
    v = office.counter.verify(office.present(cid, nonce), nonce)
    assert (v.result, v.reason) == ("refused", "credential_revoked")
    assert office.ident.credential_status("jyj", 0)["status"] == "revoked"
