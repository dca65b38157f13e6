"""Issue #16 items 2, 3 and the wallet bullet of 6, through the API and the SDK.

* Face verification cannot be borrowed: citizen A, presenting A's own credential with A's key
  but naming citizen B's face-verified consent, is refused ``holder_mismatch`` by the SDK and by
  the chain, and B's log never shows A's act.
* The chain records only what it checked: a bank member's ``vc.verify`` carrying a random
  presentation hash and its own "accepted" is refused at the door; a presentation the chain
  cannot verify is recorded as the chain's refusal, on nobody's log.
* The wallet refuses to disclose a claim no consent covers, before anything leaves it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wuyi.crypto import load_key
from wuyi.exceptions import ValidationError
from wuyi.node.home import OrgSpec
from wuyi.sdk.identity import Identity, Verifier, org_did
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node
from wuyi.vc import sdjwt
from wuyi.vc.assurance import make_attestation

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "政务服务数据管理局", True),
    OrgSpec("gaj", "公安局"),
    OrgSpec("idp", "实名认证服务"),
    OrgSpec("bank", "江门农商银行"),
)
ID = "IdentityCredential"
ID_CLAIMS = ["age_over_18", "name"]


class Town:
    """公安 issues ID credentials to Alice (A) and Bob (B); the identity provider attests
    Bob's real name and face at level 2; Bob consents to the bank (which requires level 2)
    seeing ``age_over_18``."""

    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env = env
        self.client = env.client
        self.ident = Identity(env.client)
        self.admins = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        suite = env.client.suite
        self.keys = {}
        for org, role in (("gaj", "issuer"), ("idp", "idp")):
            k = suite.generate_private_key()
            tx = env.client.builder(self.admins[org]).member_add(org, k.public_key, [role], role)
            assert env.client.submit_and_wait(tx).receipt.status == "ok"
            self.keys[org] = k
        voters = [self.admins[o] for o in ("gaj", "idp", "bank")]
        env.client.govern(
            self.admins["sjj"],
            voters,
            "vc.set_type",
            {"type": ID, "issuers": ["gaj"], "claims": ID_CLAIMS, "description": ID},
            title="authorise gaj",
        )
        env.client.govern(
            self.admins["sjj"],
            voters,
            "idp.set",
            {"org": "idp", "enabled": True, "max_level": 3},
            title="enable the identity provider",
        )
        env.client.govern(
            self.admins["sjj"],
            voters,
            "did.set_registrar",
            {"org": "idp", "enabled": True},
            title="the identity provider registers citizens' DIDs",
        )
        self.wallets: dict[str, Wallet] = {}
        for name, real in (("alice", "甲某某"), ("bob", "乙某某")):
            w = Wallet.create(tmp / f"{name}.json", f"{name}-pass", suite.name)
            self.ident.register_did(self.keys["idp"], w.key)
            w.add(
                self.ident.issue(
                    self.keys["gaj"],
                    org="gaj",
                    type=ID,
                    holder_did=w.did,
                    claims={"age_over_18": True, "name": real},
                )
            )
            self.wallets[name] = w
        now = int(time.time())
        attestation = make_attestation(
            self.keys["idp"],
            org="idp",
            sub=self.wallets["bob"].did,
            level=2,
            real_name=True,
            face=True,
            iat=now - 5,
            exp=now + 600,
        )
        self.bobs_consent = self.ident.grant_consent(
            self.wallets["bob"].key,
            verifier="bank",
            types=[ID],
            claims=["age_over_18"],
            purpose="开户 / account opening",
            minutes=10,
            assurance=attestation,
        )
        self.bank = Verifier(env.client, self.admins["bank"], "bank", min_assurance=2)

    def borrowed(self, nonce: str) -> str:
        """Alice's own credential, presented with Alice's key, naming Bob's consent — what a
        wallet that does not check (or a hand-made presentation) sends."""
        now = int(time.time())
        return sdjwt.present(
            self.wallets["alice"].get(ID).sd_jwt,
            ["age_over_18"],
            self.wallets["alice"].key,
            aud=org_did("bank"),
            nonce=nonce,
            iat=now,
            exp=now + 120,
            extra={"consent": self.bobs_consent},
        )

    def log(self, name: str) -> list[dict]:
        """The citizen's own log, read with their DID key (a signed read)."""
        w = self.wallets[name]
        return self.ident.uses(w.did, key=w.key) + self.ident.refused(w.did, key=w.key)

    def consent_uses(self) -> int:
        w = self.wallets["bob"]
        return int(self.ident.consent(self.bobs_consent, key=w.key)["uses"])

    def check(self, tx_hash: str) -> dict:
        """The bank's own verification record, read by its admin (a signed read)."""
        return self.ident.check(tx_hash, key=self.admins["bank"], purpose="核验复查 / review")


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    tmp = tmp_path_factory.mktemp("binding")
    with inprocess_node(tmp / "node", ORGS, suite="intl", passphrase=PW) as env:
        yield Town(env, tmp)


def test_face_verification_cannot_be_borrowed(town: Town) -> None:
    before = town.log("bob")
    nonce = town.bank.challenge()
    v = town.bank.verify(town.borrowed(nonce), nonce)
    assert (v.result, v.reason) == ("refused", "holder_mismatch"), v
    assert v.claims == {}
    # B's log never shows A's act; B's consent was not used
    assert town.log("bob") == before
    assert town.consent_uses() == 0


def test_the_chain_itself_refuses_a_borrowed_consent(town: Town) -> None:
    """A careless verifier (no checks of its own) sends the borrowed presentation: the chain
    refuses it, records the refusal as Alice's act, and Bob's log stays as it was."""
    from wuyi.sdk.identity import presentation_payload

    before = town.log("bob")
    nonce = "careless-" + "1" * 16
    payload, sidecar = presentation_payload(
        town.borrowed(nonce), nonce, suite=town.client.suite, min_assurance=2
    )
    res = town.client.submit_and_wait(
        town.client.builder(town.admins["bank"]).build("vc.verify", payload), sidecars=[sidecar]
    )
    assert res.receipt.status == "ok"
    check = town.check(res.tx_hash)
    assert (check["result"], check["reason"]) == ("refused", "holder_mismatch")
    assert check["basis"] == "chain" and check["holder"] == town.wallets["alice"].did
    assert check["purpose"] == ""  # nothing of Bob's consent is copied into Alice's record
    assert town.log("bob") == before and town.consent_uses() == 0
    assert res.tx_hash in {u["tx_hash"] for u in town.log("alice")}
    # the SDK's own check names the same reason, without the chain
    nonce = town.bank.challenge()
    local = town.bank.verify(town.borrowed(nonce), nonce, record=False)
    assert (local.reason, local.tx_hash) == ("holder_mismatch", None)


def test_the_holder_presenting_under_their_own_consent_is_accepted(town: Town) -> None:
    nonce = town.bank.challenge()
    bob = town.wallets["bob"]
    text = bob.present(
        ID,
        ["age_over_18"],
        verifier="bank",
        nonce=nonce,
        consent=town.bobs_consent,
        consents=town.ident,
    )
    v = town.bank.verify(text, nonce)
    assert v.accepted, v
    assert v.claims == {"age_over_18": True}
    (use,) = [u for u in town.log("bob") if u["tx_hash"] == v.tx_hash]
    assert use["result"] == "accepted" and use["basis"] == "chain"
    assert use["holder"] == bob.did
    assert town.consent_uses() == 1


def test_a_verifiers_word_is_not_recorded_as_a_check(town: Town) -> None:
    """The bank's member sends a random presentation hash with its own 'accepted', as
    ``vc.verify`` took before: refused at the door, nothing recorded."""
    uses = town.consent_uses()
    before = town.log("bob")
    old_shape = {
        "nonce": b"random-nonce-0001",
        "consent": bytes.fromhex(town.bobs_consent),
        "credentials": [
            {
                "presentation_hash": bytes(range(32)),
                "issuer_org": "gaj",
                "idx": 1,
                "type": ID,
                "disclosed": ["age_over_18"],
                "kb_exp": int(time.time()) + 300,
            }
        ],
        "offchain": {"result": "accepted", "reason": ""},
    }
    tx = town.client.builder(town.admins["bank"]).build("vc.verify", old_shape)
    with pytest.raises(ValidationError, match="presentation"):
        res = town.client.submit_and_wait(tx)
        assert res.receipt.status != "ok", res.receipt  # never recorded as a check
    assert town.consent_uses() == uses and town.log("bob") == before


def test_an_unverifiable_presentation_is_the_chains_refusal_on_nobodys_log(town: Town) -> None:
    from wuyi.sdk.identity import presentation_payload

    before = {n: town.log(n) for n in ("alice", "bob")}
    payload, sidecar = presentation_payload(
        "eyJhbGciOiJFZERTQSJ9.e30.c2ln~", "nonce-xyz-0001", suite=town.client.suite
    )
    res = town.client.submit_and_wait(
        town.client.builder(town.admins["bank"]).build("vc.verify", payload), sidecars=[sidecar]
    )
    assert res.receipt.status == "ok"
    check = town.check(res.tx_hash)
    assert check["result"] == "refused" and check["basis"] == "chain"
    assert check["holder"] == ""
    assert {n: town.log(n) for n in ("alice", "bob")} == before


def test_the_wallet_refuses_a_claim_no_consent_covers(town: Town) -> None:
    from wuyi.exceptions import DisclosureRefused

    bob = town.wallets["bob"]
    saved = bob.path.read_bytes()
    made = len(bob.presentations)
    with pytest.raises(DisclosureRefused, match="name") as info:
        bob.present(
            ID,
            ["age_over_18", "name"],
            verifier="bank",
            nonce="n" * 16,
            consent=town.bobs_consent,
            consents=town.ident,
        )
    assert info.value.detail["reason"] == "claims_not_consented"
    # nothing was made, logged or saved
    assert len(bob.presentations) == made and bob.path.read_bytes() == saved
