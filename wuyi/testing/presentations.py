"""Real credentials and presentations on a :class:`~wuyi.testing.factories.LedgerHarness`.

For testing contracts that call ``wuyi.contract.presentation``: organisations admitted by
governance, credential types set by governance (``vc.set_type``), holders with DIDs
(``did.create`` by a registrar organisation's member), credentials signed as the issuing
department's system signs them (:func:`wuyi.sdk.identity.credential_payload` +
:func:`wuyi.vc.sdjwt.issue`, the commitment registered with ``vc.issue``), consents granted
by the holder (``consent.grant``) and presentations made as
:meth:`wuyi.sdk.wallet.Wallet.present` makes them — every step in a real block. Claim values
live only in the returned SD-JWTs (the test's memory), never on chain.

::

    h = LedgerHarness()
    desk = CredentialDesk(h)
    desk.admit("rsj", "江门市人力资源和社会保障局")
    desk.set_type("SocialSecurityCredential", ["rsj"], ["ss_months"])
    did = desk.holder("alice")
    cred = desk.issue("alice", "rsj", "SocialSecurityCredential", {"ss_months": 30})
    consent = desk.consent("alice", "rsj", ["SocialSecurityCredential"], ["ss_months"])
    text = desk.present("alice", [cred], ["ss_months"], verifier="rsj", nonce=n, consent=consent)
"""

from __future__ import annotations

from typing import Any

from wuyi.crypto import address_of, format_address
from wuyi.ledger.handlers.credentials import next_credential_index
from wuyi.ledger.handlers.did import compute_did
from wuyi.ledger.types import Receipt
from wuyi.sdk.identity import SUBJECT, credential_payload, org_did
from wuyi.testing.factories import LedgerHarness
from wuyi.vc import sdjwt
from wuyi.vc.jose import jwk_from_public_key, sd_alg_for_suite

__all__ = ["DAY_MS", "CredentialDesk"]

DAY_MS = 24 * 60 * 60 * 1000


class CredentialDesk:
    """Issuers, holders, consents and presentations over ``h`` (see the module docstring).

    Organisation ``<org>`` admitted here has an admin key named ``<org>`` and an issuer key
    named ``<org>-issuer`` in ``h.keys``. Governance votes are cast by every organisation's
    admin (``sjj``'s operator proposes)."""

    def __init__(self, h: LedgerHarness) -> None:
        self.h = h
        self.voters: list[str] = ["zjj"]

    # -- chain set-up --------------------------------------------------------------------------

    def run(self, tx: bytes) -> Receipt:
        _, res = self.h.run([tx])
        assert res.tx_hashes, res.rejected
        return res.receipts[0]

    def govern(self, action: str, args: dict[str, Any]) -> Receipt:
        return self.h.govern(action, args, voters=tuple(self.voters))

    def admit(self, org: str, name: str, *, issuer: bool = True) -> None:
        """Admit ``org`` (admin key ``org``) and, with ``issuer``, a member ``<org>-issuer``."""
        key = self.h.new_key(org)
        args = {"id": org, "name": name, "admins": [{"public_key": key.public_key}]}
        r = self.govern("org.admit", args)
        assert r.ok, r
        self.voters.append(org)
        if issuer:
            self.h.add_member(org, org, f"{org}-issuer", ["issuer"])

    def set_type(self, type_: str, issuers: list[str], claims: list[str]) -> None:
        args = {"type": type_, "issuers": issuers, "claims": claims, "description": type_}
        r = self.govern("vc.set_type", args)
        assert r.ok, r

    def holder(self, name: str) -> str:
        """A citizen key ``name`` with its DID registered (``did.create`` by the harness's
        registrar, :meth:`LedgerHarness.register_did`); returns the DID."""
        return self.h.register_did(name, voters=tuple(self.voters))

    def did(self, name: str) -> str:
        return compute_did(self.h.suite, self.h.keys[name].public_key)

    # -- credentials ---------------------------------------------------------------------------

    def issue(
        self,
        holder: str,
        org: str,
        type_: str,
        claims: dict[str, Any],
        *,
        signer: str | None = None,
        valid_days: int = 365,
        register: bool = True,
        bound: str | None = None,
    ) -> str:
        """A credential of ``type_`` for the DID of key ``holder``, signed by ``signer``
        (default ``<org>-issuer``) with every claim selectively disclosable; its commitment is
        registered with ``vc.issue`` (signed by ``signer``) unless ``register`` is False.
        ``bound`` names another key to bind (``cnf.jwk``) instead of the holder's. Returns
        the SD-JWT (what the holder's wallet stores)."""
        h = self.h
        signer = signer or f"{org}-issuer"
        key = h.keys[signer]
        iat = h.time // 1000
        exp = iat + valid_days * 86400 if valid_days else 0
        idx = next_credential_index(h.state, org)
        payload = credential_payload(
            org=org, type=type_, holder_did=self.did(holder), idx=idx, iat=iat, exp=exp
        )
        kid = f"{org_did(org)}#{format_address(address_of(h.suite, key.public_key))}"
        issued = sdjwt.issue(
            key,
            header_kid=kid,
            payload=payload,
            disclosable=claims,
            holder_jwk=jwk_from_public_key(h.suite_name, h.keys[bound or holder].public_key),
            sd_alg=sd_alg_for_suite(h.suite_name),
            subject=SUBJECT,
            decoys=1,
        )
        if register:
            commitment = h.suite.hash(issued.jwt.encode("ascii"))
            body = {"type": type_, "commitment": commitment, "expires": exp, "idx": idx}
            r = self.run(h.tx(signer, "vc.issue", body))
            assert r.ok, r
        return issued.sd_jwt

    def deploy(self, name: str, source: str, init_args: dict[str, Any] | None = None) -> None:
        """Deploy a contract through the lifecycle policy (every organisation votes)."""
        pkg = {"name": name, "version": "1.0.0", "source": source, "manifest": {}}
        args: dict[str, Any] = {"package": pkg}
        if init_args:
            args["init_args"] = init_args
        r = self.govern("contract.deploy", args)
        assert r.ok, r

    def set_status(self, org: str, idx: int, status: str) -> None:
        body = {"idx": idx, "status": status, "reason": "test"}
        r = self.run(self.h.tx(f"{org}-issuer", "vc.set_status", body))
        assert r.ok, r

    def consent(
        self,
        holder: str,
        verifier: str,
        types: list[str],
        claims: list[str],
        *,
        purpose: str = "测试 / test",
        days: int = 30,
        not_before: int | None = None,
        not_after: int | None = None,
    ) -> str:
        """The holder's consent for ``verifier`` (``consent.grant``); returns its id (hex)."""
        h = self.h
        nb = h.time if not_before is None else not_before
        body = {
            "holder": self.did(holder),
            "verifier": verifier,
            "types": types,
            "claims": claims,
            "purpose": purpose,
            "not_before": nb,
            "not_after": nb + days * DAY_MS if not_after is None else not_after,
        }
        r = self.run(h.tx(holder, "consent.grant", body))
        assert r.ok, r
        return r.tx_hash[:16].hex()

    def revoke_consent(self, holder: str, consent: str) -> None:
        r = self.run(self.h.tx(holder, "consent.revoke", {"id": bytes.fromhex(consent)}))
        assert r.ok, r

    def present(
        self,
        holder: str,
        credentials: list[str],
        claims: list[str],
        *,
        verifier: str,
        nonce: str,
        consent: str,
        iat: int | None = None,
        ttl: int = 120,
        signer: str | None = None,
        aud: str | None = None,
    ) -> str:
        """What ``Wallet.present`` returns: one presentation per credential, one per line,
        each disclosing the names of ``claims`` it has, bound to ``verifier`` (``aud``
        ``did:wuyi:org:<verifier>``), ``nonce`` and ``consent``; signed by ``signer``'s key
        (default: the holder's). ``iat`` defaults to the last block's time (seconds)."""
        h = self.h
        key = h.keys[signer or holder]
        iat = h.time // 1000 if iat is None else iat
        parts = []
        for sd in credentials:
            have = {sdjwt.decode_disclosure(d)[1] for d in sdjwt.parse(sd).disclosures}
            parts.append(
                sdjwt.present(
                    sd,
                    [c for c in claims if c in have],
                    key,
                    aud=aud or org_did(verifier),
                    nonce=nonce,
                    iat=iat,
                    exp=iat + ttl,
                    extra={"consent": consent},
                )
            )
        return "\n".join(parts)
