"""The identity story of issue #5, end to end through the API and the SDK.

公安 issues an ID credential and 民政 a marriage credential to a citizen; the citizen consents
to a bank seeing only "married" and "age_over_18" for 10 minutes; the bank verifies. The same
presentation replayed, shown to another verifier, too late, or after revocation of the
credential or the consent is refused with the reason; the citizen's log shows the one use.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wuyi.crypto import load_key
from wuyi.encoding import decode
from wuyi.exceptions import (
    CredentialInvalid,
    DisclosureRefused,
    TxFailed,
    Unauthorized,
    ValidationError,
)
from wuyi.node.home import OrgSpec
from wuyi.sdk.identity import Identity, Verifier
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node
from wuyi.vc import sdjwt

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "政务服务数据管理局", True),
    OrgSpec("gaj", "公安局"),
    OrgSpec("mzj", "民政局"),
    OrgSpec("jyj", "教育局"),
    OrgSpec("bank", "江门农商银行"),
    OrgSpec("bank2", "另一家银行"),
)
NAME, ID_NUMBER, SPOUSE = "陈美玲", "440703199001011234", "李志强"
ID_CLAIMS = {"name": NAME, "id_number": ID_NUMBER, "birth_date": "1990-01-01", "age_over_18": True}
MARRIAGE_CLAIMS = {"married": True, "spouse_name": SPOUSE, "registration_date": "2018-05-20"}


class World:
    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env = env
        self.client = env.client
        self.ident = Identity(env.client)
        self.admins = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        suite = env.client.suite
        self.issuers = {}
        for org in ("gaj", "mzj", "jyj"):
            k = suite.generate_private_key()
            tx = env.client.builder(self.admins[org]).member_add(
                org, k.public_key, ["issuer"], "签发系统"
            )
            assert env.client.submit_and_wait(tx).receipt.status == "ok"
            self.issuers[org] = k
        voters = [self.admins[o] for o in ("gaj", "mzj", "jyj")]
        for type_, org, claims in (
            ("IdentityCredential", "gaj", sorted(ID_CLAIMS)),
            ("MarriageCredential", "mzj", sorted(MARRIAGE_CLAIMS)),
        ):
            env.client.govern(
                self.admins["sjj"],
                voters,
                "vc.set_type",
                {"type": type_, "issuers": [org], "claims": claims, "description": type_},
                title=f"authorise {org} for {type_}",
            )
        self.wallet = Wallet.create(tmp / "wallet.json", "citizen-pass", suite.name)
        self.env.register_did(self.wallet.key)
        self.wallet.add(
            self.ident.issue(
                self.issuers["gaj"],
                org="gaj",
                type="IdentityCredential",
                holder_did=self.wallet.did,
                claims=ID_CLAIMS,
            )
        )
        self.wallet.add(
            self.ident.issue(
                self.issuers["mzj"],
                org="mzj",
                type="MarriageCredential",
                holder_did=self.wallet.did,
                claims=MARRIAGE_CLAIMS,
            )
        )
        self.bank = Verifier(env.client, self.admins["bank"], "bank")
        self.bank2 = Verifier(env.client, self.admins["bank2"], "bank2")

    def consent(self, minutes: int = 10, **kw: object) -> str:
        return self.ident.grant_consent(
            self.wallet.key,
            verifier="bank",
            types=["IdentityCredential", "MarriageCredential"],
            claims=["married", "age_over_18"],
            purpose="房贷资格审核 / mortgage eligibility",
            minutes=minutes,
            **kw,  # type: ignore[arg-type]
        )

    def present(self, consent: str, nonce: str, verifier: str = "bank", **kw: object) -> str:
        return self.wallet.present(
            ["IdentityCredential", "MarriageCredential"],
            ["married", "age_over_18"],
            verifier=verifier,
            nonce=nonce,
            consent=consent,
            consents=self.ident,
            **kw,  # type: ignore[arg-type]
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("identity")
    with inprocess_node(tmp / "node", ORGS, suite="sm", passphrase=PW) as env:
        yield World(env, tmp)


def test_issuer_authority_is_enforced(world: World) -> None:
    with pytest.raises((Unauthorized, TxFailed), match="IdentityCredential"):
        world.ident.issue(
            world.issuers["jyj"],
            org="jyj",
            type="IdentityCredential",
            holder_did=world.wallet.did,
            claims={"name": "x"},
        )


def test_the_bank_sees_only_what_was_consented_once(world: World) -> None:
    consent = world.consent()
    nonce = world.bank.challenge()
    p = world.present(consent, nonce)
    v = world.bank.verify(p, nonce)
    assert v.accepted, v
    assert v.claims == {"married": True, "age_over_18": True}
    # replay to the same verifier: its nonce is spent
    again = world.bank.verify(p, nonce)
    assert (again.result, again.reason) == ("refused", "replay")
    # another server of the same bank that never saw the nonce: the chain refuses the replay
    other_server = Verifier(world.client, world.admins["bank"], "bank")
    other_server.accept_nonce(nonce)
    chain_says = other_server.verify(p, nonce)
    assert (chain_says.result, chain_says.reason) == ("refused", "replay")
    assert chain_says.tx_hash is not None
    # shown to another verifier
    n2 = world.bank2.challenge()
    wrong = world.bank2.verify(p, n2)
    assert (wrong.result, wrong.reason) == ("refused", "wrong_audience")
    # the holder's log: exactly the one use, with what was disclosed and why
    uses = world.ident.uses(world.wallet.did, key=world.wallet.key)
    mine = [u for u in uses if u["consent"] == consent]
    assert len(mine) == 1
    assert sorted(mine[0]["disclosed"]) == ["age_over_18", "married"]
    assert mine[0]["verifier"] == "bank"
    refused = world.ident.refused(world.wallet.did, key=world.wallet.key)
    refused = [u for u in refused if u["consent"] == consent]
    assert {u["reason"] for u in refused} >= {"replay"}


def test_expired_presentation_is_refused(world: World) -> None:
    # a consent in force since before the (backdated) presentations were made
    consent = world.consent(minutes=30, not_before_ms=int(time.time() * 1000) - 800_000)
    nonce = world.bank.challenge()
    p = world.present(consent, nonce, now=int(time.time()) - 200, ttl=60)
    v = world.bank.verify(p, nonce)
    assert (v.result, v.reason) == ("refused", "expired")
    # made long ago (beyond the verifier's 300 s freshness window), even with a long ttl
    nonce = world.bank.challenge()
    old = world.present(consent, nonce, now=int(time.time()) - 700, ttl=600)
    assert world.bank.verify(old, nonce).reason == "stale"


def test_expired_consent_is_refused(world: World) -> None:
    # a one-minute consent that started 58.5 s ago: it ends 1.5 s from now
    start = int(time.time() * 1000) - 58_500
    consent = world.consent(minutes=1, not_before_ms=start)
    nonce = world.bank.challenge()
    made = world.present(consent, nonce)  # presented in time, checked too late
    time.sleep(2.0)
    v = world.bank.verify(made, nonce)
    assert (v.result, v.reason) == ("refused", "consent_expired")
    # the wallet itself no longer presents under it
    with pytest.raises(DisclosureRefused) as info:
        world.present(consent, world.bank.challenge())
    assert info.value.detail["reason"] == "consent_expired"


def test_revoked_consent_is_refused(world: World) -> None:
    consent = world.consent()
    nonce = world.bank.challenge()
    made = world.present(consent, nonce)
    world.ident.revoke_consent(world.wallet.key, consent)  # withdrawn before the bank checks
    v = world.bank.verify(made, nonce)
    assert (v.result, v.reason) == ("refused", "consent_revoked")
    with pytest.raises(DisclosureRefused) as info:
        world.present(consent, world.bank.challenge())
    assert info.value.detail["reason"] == "consent_revoked"


def test_more_claims_than_consented_are_refused(world: World) -> None:
    consent = world.consent()
    nonce = world.bank.challenge()
    # the wallet refuses to disclose the name, which no consent covers
    with pytest.raises(DisclosureRefused, match="name") as info:
        world.wallet.present(
            ["IdentityCredential", "MarriageCredential"],
            ["married", "age_over_18", "name"],
            verifier="bank",
            nonce=nonce,
            consent=consent,
            consents=world.ident,
        )
    assert info.value.detail["reason"] == "claims_not_consented"
    # a presentation made without the wallet's check: the bank refuses it and does not put
    # it on chain (the name it discloses goes no further; the chain would refuse it too)
    now = int(time.time())
    p = sdjwt.present(
        world.wallet.get("IdentityCredential").sd_jwt,
        ["age_over_18", "name"],
        world.wallet.key,
        aud="did:wuyi:org:bank",
        nonce=nonce,
        iat=now,
        exp=now + 120,
        extra={"consent": consent},
    )
    v = world.bank.verify(p, nonce)
    assert (v.result, v.reason) == ("refused", "claims_not_consented")
    assert v.tx_hash is None


def test_only_the_holder_revokes_a_consent(world: World) -> None:
    consent = world.consent()
    with pytest.raises((Unauthorized, TxFailed)):
        world.ident.revoke_consent(world.admins["bank"], consent)


def test_revoked_credential_is_refused(world: World, tmp_path: Path) -> None:
    # a fresh ID credential, revoked by 公安 after issue
    w = Wallet.create(tmp_path / "w2.json", "p", world.client.suite.name)
    world.env.register_did(w.key)
    cred = w.add(
        world.ident.issue(
            world.issuers["gaj"],
            org="gaj",
            type="IdentityCredential",
            holder_did=w.did,
            claims=ID_CLAIMS,
        )
    )
    consent = world.ident.grant_consent(
        w.key,
        verifier="bank",
        types=["IdentityCredential"],
        claims=["age_over_18"],
        purpose="开户 / account opening",
        minutes=10,
    )
    world.ident.set_status(world.issuers["gaj"], cred.status_idx, "revoked", "reissued")
    nonce = world.bank.challenge()
    p = w.present(
        "IdentityCredential",
        ["age_over_18"],
        verifier="bank",
        nonce=nonce,
        consent=consent,
        consents=world.ident,
    )
    v = world.bank.verify(p, nonce)
    assert (v.result, v.reason) == ("refused", "credential_revoked")
    with pytest.raises((TxFailed, ValidationError)):
        world.ident.set_status(world.issuers["gaj"], cred.status_idx, "valid", "undo")


def test_wallet_is_encrypted_and_tied_to_its_key(world: World) -> None:
    raw = world.wallet.path.read_bytes()
    for secret in (NAME, ID_NUMBER, SPOUSE):
        assert secret.encode() not in raw
    with pytest.raises(Exception, match="passphrase"):
        Wallet.open(world.wallet.path, "wrong")
    again = Wallet.open(world.wallet.path, "citizen-pass")
    assert again.did == world.wallet.did and len(again.credentials) == 2


def test_no_personal_data_on_chain(world: World) -> None:
    """No personal value in clear anywhere, no disclosure in any block, state value or
    receipt — not even those the holder consented to and presented: the chain verifies a
    ``vc.verify`` presentation itself, from the transaction's private side-car, which only
    the nodes' private stores hold (``docs/security.md``, "Personal data")."""
    # one accepted check, so the scan has a presentation to look for (whatever ran before)
    nonce = world.bank.challenge()
    v = world.bank.verify(world.present(world.consent(), nonce), nonce)
    assert v.accepted and v.tx_hash is not None
    store = world.env.node.store
    needles = [s.encode() for s in (NAME, ID_NUMBER, SPOUSE, "1990-01-01", "2018-05-20")]
    presented = []
    for c in world.wallet.credentials:  # nor any disclosure of the credentials
        for d in c.sd_jwt.split("~")[1:]:
            if d and sdjwt.decode_disclosure(d)[1] in ("married", "age_over_18"):
                presented.append(d.encode())
            elif d:
                needles.append(d.encode())
    scanned = 0
    in_blocks = b""
    for h in range(1, world.env.node.height + 1):
        blob = store.get_block(h).to_bytes()
        in_blocks += blob
        scanned += 1
        assert not any(n in blob for n in needles + presented), f"personal data in block {h}"
        for rc in store.get_receipts(h):
            assert not any(n in rc.to_bytes() for n in needles + presented)
    with store.snapshot() as v:
        for _k, value in v.iter_prefix(b""):
            assert not any(n in value for n in needles + presented)
            decode(value)
    assert scanned > 5
    # the scan would see them: they are in the side-cars the node keeps privately
    private = b"".join(
        sc for h in range(1, world.env.node.height + 1) for sc in store.block_sidecars(h).values()
    )
    assert presented and all(d in private for d in presented)
    assert b"sidecar:" in in_blocks


def test_key_rotation_keeps_the_did_and_unbinds_old_credentials(
    world: World, tmp_path: Path
) -> None:
    w = Wallet.create(tmp_path / "w3.json", "p", world.client.suite.name)
    world.env.register_did(w.key)
    w.add(
        world.ident.issue(
            world.issuers["mzj"],
            org="mzj",
            type="MarriageCredential",
            holder_did=w.did,
            claims=MARRIAGE_CLAIMS,
        )
    )
    old_pub = w.key.public_key
    w.rotate(world.ident)
    assert Wallet.open(w.path, "p").key.public_key == w.key.public_key != old_pub
    doc = world.ident.resolve(w.did)["didDocument"]
    assert doc["id"] == w.did and len(doc["verificationMethod"]) == 1
    assert world.ident.holder_jwk(w.did) != world.ident.holder_jwk(world.wallet.did)
    # the new key acts for the DID (consent), the old one no longer does
    consent = world.ident.grant_consent(
        w.key,
        verifier="bank",
        types=["MarriageCredential"],
        claims=["married"],
        purpose="test",
        minutes=5,
    )
    # the credential is bound to the old key: the wallet cannot present it any more
    with pytest.raises(CredentialInvalid, match="cnf"):
        w.present(
            "MarriageCredential",
            ["married"],
            verifier="bank",
            nonce="n" * 16,
            consent=consent,
            consents=world.ident,
        )
    world.ident.deactivate(w.key, w.did)
    assert world.ident.resolve(w.did)["didDocumentMetadata"]["deactivated"] is True


def test_credentials_follow_the_vc_data_model_2(world: World) -> None:
    from wuyi.vc import sdjwt

    c = world.wallet.get("MarriageCredential")
    payload = sdjwt.parse(c.sd_jwt).payload
    assert payload["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert payload["type"] == ["VerifiableCredential", "MarriageCredential"]
    assert payload["issuer"] == "did:wuyi:org:mzj" == payload["iss"]
    subject = payload["credentialSubject"]
    assert subject["id"] == world.wallet.did
    # every personal property is a salted digest, never in clear
    assert set(subject) == {"id", "_sd"} and len(subject["_sd"]) == len(MARRIAGE_CLAIMS)
    assert payload["credentialStatus"]["statusListCredential"] == "wuyi:vc/status/mzj"
    assert payload["validFrom"].endswith("Z")
