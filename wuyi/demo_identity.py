"""Demo data for identity and consent (``make run``), loaded through the API like any
department would:

* 公安局 (gaj) is authorised by governance to issue ``IdentityCredential`` and 民政局 (mzj)
  ``MarriageCredential``; each gets a member with the role ``issuer``; the demo identity
  provider (idp) is enabled up to level 3, made a DID registrar (``did.set_registrar``: it
  registers citizens' DIDs) and has a member with the role ``idp``;
* a citizen's wallet (``DIR/wallets/citizen.json``, demo passphrase) whose DID the identity
  provider registered from the wallet's registration request holds an ID credential and a
  marriage credential (the scenario citizens' DIDs are registered the same way, by
  ``wuyi.demo_scenarios``);
* the citizen passed real-name and face verification at the identity provider (an attestation
  of level 2) and, with it, consented to 江门农商银行 (nsyh) seeing "married" and
  "age_over_18" for a mortgage check (免证办); the bank, which requires assurance level 2,
  verified once: that use is on chain and in the citizen's log.

The demo's personal strings (:data:`DEMO_PERSONAL`) are in the wallet only; a test scans every
block and state value of the demo for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.crypto import load_key, save_key
from wuyi.exceptions import NotFound
from wuyi.sdk import WuyiClient

__all__ = ["CREDENTIAL_TYPES", "DEMO_PERSONAL", "load_identity_demo"]

CITIZEN_ID = {
    "name": "陈美玲",
    "id_number": "440703199001011234",
    "birth_date": "1990-01-01",
    "address": "江门市蓬江区建设路 88 号",
    "age_over_18": True,
}
CITIZEN_MARRIAGE = {
    "married": True,
    "spouse_name": "李志强",
    "registration_date": "2018-05-20",
    "certificate_no": "J440703-2018-001234",
}
#: Strings that must never appear on chain (``tests/unit/test_demo.py`` scans for them).
DEMO_PERSONAL = (
    "陈美玲",
    "440703199001011234",
    "1990-01-01",
    "建设路 88 号",
    "李志强",
    "2018-05-20",
    "J440703-2018-001234",
)

CREDENTIAL_TYPES = (
    ("IdentityCredential", "gaj", sorted(CITIZEN_ID), "居民身份电子凭证 / resident ID"),
    ("MarriageCredential", "mzj", sorted(CITIZEN_MARRIAGE), "结婚登记电子凭证 / marriage"),
)
BANK = "nsyh"


def _member_key(
    client: WuyiClient,
    keys_dir: Path,
    admins: dict[str, PrivateKey],
    org: str,
    role: str,
    passphrase: str,
) -> PrivateKey:
    from wuyi.crypto import address_of

    path = keys_dir / f"{org}-{role}.key"
    if path.exists():
        k = load_key(path, passphrase)
    else:
        k = client.suite.generate_private_key()
        save_key(path, k, passphrase)
    try:
        client.member(address_of(client.suite, k.public_key))
    except NotFound:
        tx = client.builder(admins[org]).member_add(org, k.public_key, [role], f"{org} {role}")
        res = client.submit_and_wait(tx, timeout=30)
        if res.receipt.status != "ok":
            from wuyi.sdk.client import raise_receipt

            raise_receipt(res.receipt)
    return k


def load_identity_demo(
    client: WuyiClient,
    admins: dict[str, PrivateKey],
    keys_dir: Path,
    wallets_dir: Path,
    passphrase: str,
) -> dict[str, Any]:
    """Load the identity demo (idempotent: what exists is not made again)."""
    from wuyi.sdk.identity import Identity, Verifier
    from wuyi.sdk.wallet import Wallet

    ident = Identity(client)
    issuers = {
        org: _member_key(client, keys_dir, admins, org, "issuer", passphrase)
        for org in ("gaj", "mzj")
    }
    idp_key = _member_key(client, keys_dir, admins, "idp", "idp", passphrase)
    proposer = admins["sjj"]
    voters = [k for org, k in admins.items() if org != "sjj"]
    known = {t["type"] for t in ident.credential_types()}
    for type_, org, claims, description in CREDENTIAL_TYPES:
        if type_ not in known:
            client.govern(
                proposer,
                voters,
                "vc.set_type",
                {"type": type_, "issuers": [org], "claims": claims, "description": description},
                title=f"授权 {org} 签发 {type_}",
            )
    if not any(r["org"] == "idp" and r["enabled"] for r in ident.registrars()):
        client.govern(
            proposer,
            voters,
            "did.set_registrar",
            {"org": "idp", "enabled": True},
            title="统一身份认证平台登记公民 DID / the identity provider registers citizens' DIDs",
        )
    if not any(p["org"] == "idp" for p in client._get("/v1/idps")["providers"]):
        client.govern(
            proposer,
            voters,
            "idp.set",
            {"org": "idp", "enabled": True, "max_level": 3},
            title="启用演示身份认证服务 / enable the demo identity provider",
        )
    wallets_dir.mkdir(parents=True, exist_ok=True)
    path = wallets_dir / "citizen.json"
    wallet = Wallet.open(path, passphrase) if path.exists() else None
    if wallet is None:
        wallet = Wallet.create(path, passphrase, client.suite.name)
    # the citizen hands the wallet's registration request to the identity provider's counter
    ident.register_did(idp_key, ident.registration_request(wallet.key))
    have = {c.type for c in wallet.credentials}
    for type_, org, _claims, _d in CREDENTIAL_TYPES:
        if type_ not in have:
            values = CITIZEN_ID if type_ == "IdentityCredential" else CITIZEN_MARRIAGE
            wallet.add(
                ident.issue(issuers[org], org=org, type=type_, holder_did=wallet.did, claims=values)
            )
    out: dict[str, Any] = {"wallet": str(path), "did": wallet.did}
    if not ident.uses(wallet.did, key=wallet.key):
        # 免证办: the citizen passed real-name and face verification at the identity provider
        # first; the consent carries the attestation and the bank requires level 2
        import time

        from wuyi.vc.assurance import make_attestation

        now = int(time.time())
        attestation = make_attestation(
            idp_key,
            org="idp",
            sub=wallet.did,
            level=2,
            real_name=True,
            face=True,
            iat=now,
            exp=now + 600,
        )
        consent = ident.grant_consent(
            wallet.key,
            verifier=BANK,
            types=["IdentityCredential", "MarriageCredential"],
            claims=["married", "age_over_18"],
            purpose="房贷资格审核 / mortgage eligibility check",
            minutes=30 * 24 * 60,
            assurance=attestation,
        )
        bank = Verifier(client, admins[BANK], BANK, min_assurance=2)
        nonce = bank.challenge()
        presentation = wallet.present(
            ["IdentityCredential", "MarriageCredential"],
            ["married", "age_over_18"],
            verifier=BANK,
            nonce=nonce,
            consent=consent,
            consents=ident,
        )
        verdict = bank.verify(presentation, nonce)
        out.update(consent=consent, verification=verdict.tx_hash, result=verdict.result)
    return out
