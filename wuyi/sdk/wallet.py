"""The holder's wallet: a DID key and verifiable credentials, kept encrypted on the holder's disk.

A wallet is one JSON file (mode 0600)::

    {"format": "wuyi-wallet/1", "suite": "sm", "did": "did:wuyi:…",
     "kdf": {scrypt …}, "cipher": {"name": "aes-256-gcm", "nonce": …, "ciphertext": …}}

The ciphertext (scrypt + AES-256-GCM, as a key file; ``wuyi.crypto.keystore.seal_document``)
holds the DID's current private key (after :meth:`Wallet.rotate` no longer the key the DID was
derived from), every credential (the SD-JWT as issued, with all its disclosures)
and a log of the presentations made from this wallet. The DID in the header is a pseudonym and
lets a wallet be found without its passphrase; nothing personal is in clear.

Presenting (:meth:`Wallet.present`) reveals only the claims named, binds the presentation to one
verifier (``aud``), one verifier nonce and one consent, and expires it after ``ttl`` seconds
(at most 600); the verifier records its use on chain, so it cannot be used twice. The wallet
first checks the consent's terms as the chain holds them (read with a proof through
``consents=``, e.g. an :class:`~wuyi.sdk.identity.Identity`): nothing is built unless that
consent is this wallet's DID's, active now, for that verifier, and covers every credential
type and every claim disclosed (and the purpose, if one is named); otherwise
:class:`~wuyi.exceptions.DisclosureRefused` names why, before anything leaves the wallet.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from wuyi.abc import PrivateKey
from wuyi.crypto import get_suite
from wuyi.crypto.keystore import open_document, seal_document, write_private_file
from wuyi.exceptions import (
    CredentialInvalid,
    DisclosureRefused,
    KeyFileError,
    NotFound,
    ValidationError,
)

__all__ = [
    "MAX_PRESENTATION_TTL",
    "ConsentSource",
    "StoredCredential",
    "Wallet",
    "check_consent_covers",
    "subject_did_of",
]

WALLET_FORMAT = "wuyi-wallet/1"
MAX_PRESENTATION_TTL = 600
DEFAULT_PRESENTATION_TTL = 120


class ConsentSource(Protocol):
    """Where a wallet reads a consent's terms: :class:`~wuyi.sdk.identity.Identity` reads the
    chain's record with its proof (``consent_terms``)."""

    def consent_terms(self, consent_id: str) -> Mapping[str, Any] | None:
        """The consent record ``{holder, verifier, types, claims, purpose, not_before,
        not_after, status, …}`` as the chain holds it, or None if there is none."""
        ...


def check_consent_covers(
    terms: Mapping[str, Any] | None,
    *,
    consent_id: str,
    holder: str,
    verifier: str,
    types: list[str],
    claims: list[str],
    now_ms: int,
    purpose: str | None = None,
) -> None:
    """Raise :class:`DisclosureRefused` unless consent ``terms`` (the chain's record of
    ``consent_id``) let ``holder`` show ``verifier`` (an organisation id) the ``claims`` of
    credentials of ``types`` at ``now_ms``, for ``purpose`` if one is named. ``reason``:
    ``consent_unknown``, ``holder_mismatch``, ``consent_revoked``, ``consent_not_yet``,
    ``consent_expired``, ``wrong_verifier``, ``type_not_consented``,
    ``claims_not_consented``, ``purpose_not_consented``."""

    def refuse(reason: str, message: str) -> DisclosureRefused:
        return DisclosureRefused(
            f"the wallet will not present: {message}", reason=reason, consent=consent_id
        )

    if terms is None:
        raise refuse(
            "consent_unknown",
            f"consent {consent_id} is not on chain, or its terms are not known to the wallet"
            " (pass consents=Identity(client) or the consent record)",
        )
    if terms.get("holder") != holder:
        raise refuse("holder_mismatch", f"consent {consent_id} is not {holder}'s")
    if terms.get("status") != "active":
        raise refuse("consent_revoked", f"consent {consent_id} is {terms.get('status')}")
    if now_ms < int(terms.get("not_before", 0)):
        raise refuse("consent_not_yet", f"consent {consent_id} is not in force yet")
    if now_ms > int(terms.get("not_after", 0)):
        raise refuse("consent_expired", f"consent {consent_id} has expired")
    if terms.get("verifier") != verifier:
        raise refuse(
            "wrong_verifier",
            f"consent {consent_id} is for '{terms.get('verifier')}', not '{verifier}'",
        )
    allowed_types = list(terms.get("types") or [])
    other_types = sorted(set(types) - set(allowed_types))
    if other_types:
        raise refuse(
            "type_not_consented",
            f"consent {consent_id} does not cover the credential type(s) {other_types}"
            f" (it covers {allowed_types})",
        )
    allowed = list(terms.get("claims") or [])
    beyond = [c for c in claims if c not in allowed]
    if beyond:
        raise refuse(
            "claims_not_consented",
            f"no consent covers disclosing {beyond} to '{verifier}'; consent {consent_id}"
            f" covers only {allowed}",
        )
    if purpose is not None and terms.get("purpose") != purpose:
        raise refuse(
            "purpose_not_consented",
            f"consent {consent_id} was granted for {terms.get('purpose')!r}, not {purpose!r}",
        )


def _consent_hex(value: Any) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def subject_did_of(suite_name: str, public_key: bytes) -> str:
    """The subject DID a key creates with ``did.create`` (``docs/did-method.md``)."""
    suite = get_suite(suite_name)
    return "did:wuyi:" + suite.hash(b"wuyi/did\x00" + public_key)[:16].hex()


@dataclass
class StoredCredential:
    """One credential in the wallet. ``claims`` are the disclosable claims' names and values
    (shown to the holder only); ``visible`` the issuer-signed claims everyone sees."""

    id: str
    sd_jwt: str
    type: str
    issuer: str
    status_org: str
    status_idx: int
    received: int
    claims: dict[str, Any]
    visible: dict[str, Any]

    def to_obj(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sd_jwt": self.sd_jwt,
            "type": self.type,
            "issuer": self.issuer,
            "status_org": self.status_org,
            "status_idx": self.status_idx,
            "received": self.received,
            "claims": self.claims,
            "visible": self.visible,
        }

    @classmethod
    def from_obj(cls, o: dict[str, Any]) -> StoredCredential:
        return cls(**{k: o[k] for k in cls.__dataclass_fields__})

    def summary(self) -> dict[str, Any]:
        """What a list shows: no claim values."""
        return {
            "id": self.id,
            "type": self.type,
            "issuer": self.issuer,
            "status": f"{self.status_org}/{self.status_idx}",
            "claims": sorted(self.claims),
            "received": self.received,
            "expires": self.visible.get("exp"),
        }


@dataclass
class Wallet:
    """An open wallet. Create with :meth:`create`, open with :meth:`open`; every change is
    saved at once (atomic replace)."""

    path: Path
    key: PrivateKey
    did: str
    credentials: list[StoredCredential] = field(default_factory=list)
    presentations: list[dict[str, Any]] = field(default_factory=list)
    _passphrase: str | bytes = field(default="", repr=False)
    #: Where :meth:`present` reads a consent's terms when it is given neither ``consents=``
    #: nor the consent record (None: it refuses, ``consent_unknown``). A program that opens
    #: many wallets against one node may set it on its wallet class.
    consent_source: ClassVar[ConsentSource | None] = None

    # -- files ------------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | Path,
        passphrase: str | bytes,
        suite_name: str,
        *,
        key: PrivateKey | None = None,
    ) -> Wallet:
        """A new wallet with a fresh DID key (or ``key``); refuses to replace an existing file."""
        suite = get_suite(suite_name)
        k = key or suite.generate_private_key()
        if k.suite_name != suite.name:
            raise ValidationError(
                f"key is for suite '{k.suite_name}', the wallet is '{suite.name}'"
            )
        w = cls(Path(path), k, subject_did_of(suite.name, k.public_key), _passphrase=passphrase)
        if w.path.exists():
            raise KeyFileError(f"wallet {w.path} already exists; not overwriting", path=str(w.path))
        w.save(overwrite=False)
        return w

    @classmethod
    def open(cls, path: str | Path, passphrase: str | bytes) -> Wallet:
        p = Path(path)
        source = str(p)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyFileError(f"wallet {source} not found", path=source) from None
        except (OSError, ValueError) as exc:
            raise KeyFileError(f"cannot read wallet {source}: {exc}", path=source) from None
        if not isinstance(doc, dict) or doc.get("format") != WALLET_FORMAT:
            raise KeyFileError(f"{source} is not a {WALLET_FORMAT} file", path=source)
        body = json.loads(open_document(doc, passphrase, source=source))
        suite = get_suite(body["suite"])
        key = suite.private_key_from_bytes(bytes.fromhex(body["key"]))
        did = body.get("did")
        if not isinstance(did, str) or did != doc.get("did"):
            raise KeyFileError(f"wallet {source}: the DID in the file was altered", path=source)
        return cls(
            p,
            key,
            did,
            [StoredCredential.from_obj(c) for c in body.get("credentials", [])],
            list(body.get("presentations", [])),
            _passphrase=passphrase,
        )

    def save(self, *, overwrite: bool = True) -> None:
        body = {
            "suite": self.key.suite_name,
            "did": self.did,
            "key": self.key.to_bytes().hex(),
            "credentials": [c.to_obj() for c in self.credentials],
            "presentations": self.presentations,
        }
        header = {"format": WALLET_FORMAT, "suite": self.key.suite_name, "did": self.did}
        doc = seal_document(header, json.dumps(body, ensure_ascii=False).encode(), self._passphrase)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_private_file(
            self.path, json.dumps(doc, indent=2) + "\n", overwrite=overwrite, what="wallet"
        )

    def rotate(self, identity: Any) -> None:
        """Replace this wallet's DID key by a fresh one on chain (``did.rotate_key``) and here.
        Credentials bound to the old key can no longer be presented: ask their issuers again."""
        new = get_suite(self.key.suite_name).generate_private_key()
        key_id = identity.key_id_of(self.did, self.key.public_key)
        identity.rotate_key(self.key, self.did, key_id, new)
        self.key = new
        self.save()

    # -- credentials ------------------------------------------------------------------------------

    @property
    def holder_jwk(self) -> dict[str, Any]:
        from wuyi.vc.jose import jwk_from_public_key

        return jwk_from_public_key(self.key.suite_name, self.key.public_key)

    def add(self, sd_jwt: str, *, now: int | None = None) -> StoredCredential:
        """Keep a credential issued to this wallet. Refused if it is not bound to this wallet's
        key (``cnf.jwk``), is malformed, or is already here."""
        from wuyi.vc import sdjwt
        from wuyi.vc.jose import public_key_from_jwk

        parsed = sdjwt.parse(sd_jwt)
        payload = parsed.payload
        cnf = payload.get("cnf")
        if not isinstance(cnf, dict) or not isinstance(cnf.get("jwk"), dict):
            raise CredentialInvalid("credential has no holder binding (cnf.jwk)")
        suite_name, pub = public_key_from_jwk(cnf["jwk"])
        if (suite_name, pub) != (self.key.suite_name, self.key.public_key):
            raise CredentialInvalid("credential is bound to another holder key, not this wallet")
        status = payload.get("status", {}).get("status_list", {})
        uri, idx = status.get("uri", ""), status.get("idx")
        if not (isinstance(uri, str) and uri.startswith("wuyi:vc/status/") and type(idx) is int):
            raise CredentialInvalid("credential has no Wuyi status list entry (status.status_list)")
        cred_id = f"{uri.removeprefix('wuyi:vc/status/')}/{idx}"
        if any(c.id == cred_id for c in self.credentials):
            raise ValidationError(f"credential {cred_id} is already in the wallet")
        visible = {
            k: ({sk: sv for sk, sv in v.items() if sk != "_sd"} if isinstance(v, dict) else v)
            for k, v in payload.items()
            if k not in ("_sd", "_sd_alg", "cnf")
        }
        stored = StoredCredential(
            id=cred_id,
            sd_jwt=sd_jwt if sd_jwt.endswith("~") else sd_jwt + "~",
            type=str(payload.get("vct", "")),
            issuer=str(payload.get("iss", "")),
            status_org=uri.removeprefix("wuyi:vc/status/"),
            status_idx=idx,
            received=int(time.time() if now is None else now),
            claims={
                name: value
                for _salt, name, value in map(sdjwt.decode_disclosure, parsed.disclosures)
                if name is not None
            },
            visible=visible,
        )
        self.credentials.append(stored)
        self.save()
        return stored

    def get(self, ref: str) -> StoredCredential:
        """A credential by id (``<org>/<idx>``) or by type (the newest of that type)."""
        for c in self.credentials:
            if c.id == ref:
                return c
        typed = [c for c in self.credentials if c.type == ref]
        if typed:
            return max(typed, key=lambda c: c.received)
        have = ", ".join(f"{c.id} ({c.type})" for c in self.credentials) or "none"
        raise NotFound(f"no credential '{ref}' in the wallet; it holds: {have}")

    def remove(self, ref: str) -> None:
        c = self.get(ref)
        self.credentials.remove(c)
        self.save()

    # -- presenting -------------------------------------------------------------------------------

    def present(
        self,
        refs: str | list[str],
        claims: list[str],
        *,
        verifier: str,
        nonce: str,
        consent: str | Mapping[str, Any],
        ttl: int = DEFAULT_PRESENTATION_TTL,
        now: int | None = None,
        consents: ConsentSource | None = None,
        purpose: str | None = None,
    ) -> str:
        """A presentation of the credentials ``refs`` disclosing only ``claims`` (each taken
        from the first of ``refs`` that has it), for ``verifier`` (an organisation id or DID),
        bound to the verifier's ``nonce`` and the holder's consent, valid for ``ttl``
        seconds. Several credentials give one SD-JWT presentation each, one per line, all bound
        to the same verifier, nonce and consent: the verifier records them as one use.

        ``consent`` is the consent id (hex), whose terms are read from ``consents`` (e.g.
        ``Identity(client)``: the chain's record, with its proof) or :attr:`consent_source`,
        or the consent record itself. Nothing is built — :class:`DisclosureRefused` says why —
        unless that consent is this wallet's DID's, active at ``now``, for ``verifier``, and
        covers each credential's type and every claim in ``claims`` (and ``purpose``, if
        named): see :func:`check_consent_covers`."""
        from wuyi.vc import sdjwt

        if not 1 <= ttl <= MAX_PRESENTATION_TTL:
            raise ValidationError(f"ttl must be 1-{MAX_PRESENTATION_TTL} seconds, got {ttl}")
        creds = [self.get(r) for r in ([refs] if isinstance(refs, str) else refs)]
        if not creds:
            raise ValidationError("name at least one credential to present")
        if len({c.id for c in creds}) != len(creds):
            raise ValidationError("a credential is named twice")
        per: dict[str, list[str]] = {c.id: [] for c in creds}
        for name in claims:
            holder = next((c for c in creds if name in c.claims), None)
            if holder is None:
                have = {c.id: sorted(c.claims) for c in creds}
                raise ValidationError(f"no presented credential has the claim '{name}': {have}")
            per[holder.id].append(name)
        aud = verifier if verifier.startswith("did:") else f"did:wuyi:org:{verifier}"
        clock_ms = int(time.time() * 1000) if now is None else now * 1000
        iat = clock_ms // 1000
        if isinstance(consent, Mapping):
            terms: Mapping[str, Any] | None = consent
            consent_id = _consent_hex(consent.get("id", ""))
        else:
            consent_id = consent
            source = consents if consents is not None else self.consent_source
            terms = source.consent_terms(consent_id) if source is not None else None
        check_consent_covers(
            terms,
            consent_id=consent_id,
            holder=self.did,
            verifier=aud.removeprefix("did:wuyi:org:"),
            types=[c.type for c in creds],
            claims=list(claims),
            now_ms=clock_ms,
            purpose=purpose,
        )
        parts = [
            sdjwt.present(
                c.sd_jwt,
                per[c.id],
                self.key,
                aud=aud,
                nonce=nonce,
                iat=iat,
                exp=iat + ttl,
                extra={"consent": consent_id},
            )
            for c in creds
        ]
        self.presentations.append(
            {
                "time": iat,
                "credentials": [c.id for c in creds],
                "types": [c.type for c in creds],
                "verifier": aud,
                "disclosed": sorted(claims),
                "consent": consent_id,
                "expires": iat + ttl,
            }
        )
        self.save()
        return "\n".join(parts)
