"""Identity in the SDK: DIDs, issuing credentials, consent, and verifying presentations.

Three roles, three entry points (``docs/credentials.md`` walks through them):

* :class:`Identity` — anyone: create and resolve DIDs (the document is rebuilt here from the
  state value whose proof this client checks, so a lying node is caught), read credential
  types, credential status and consents, and a holder's log of uses.
* issuers (a member with role ``issuer`` of an organisation authorised for the type):
  :meth:`Identity.issue` signs an SD-JWT credential and registers its commitment on chain;
  :meth:`Identity.set_status` suspends, reinstates or revokes it.
* :class:`Verifier` — a service of an organisation: :meth:`Verifier.challenge` makes a nonce,
  :meth:`Verifier.verify` checks a presentation (signatures, disclosures, audience, nonce,
  freshness, the on-chain commitment) and records the check on chain, where the chain checks
  consent, status, issuer authority and replay; the answer is the chain's verdict.

Holders keep credentials in a :class:`wuyi.sdk.wallet.Wallet`.
"""

from __future__ import annotations

import secrets
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.crypto import address_of, format_address, get_suite, parse_address
from wuyi.encoding import decode
from wuyi.exceptions import (
    CredentialInvalid,
    NotFound,
    PresentationRefused,
    TxFailed,
    ValidationError,
    WuyiError,
)
from wuyi.ledger.handlers.credentials import REASON_MESSAGES
from wuyi.sdk.client import WuyiClient, event_attr, raise_receipt
from wuyi.sdk.wallet import subject_did_of

__all__ = [
    "ORG_DID_PREFIX",
    "SUBJECT",
    "Identity",
    "Verdict",
    "Verifier",
    "credential_payload",
    "org_did",
]

ORG_DID_PREFIX = "did:wuyi:org:"
CHALLENGE_TTL_S = 600
MAX_CREDENTIALS = 8


def org_did(org_id: str) -> str:
    return ORG_DID_PREFIX + org_id


VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
SUBJECT = "credentialSubject"


def _iso(seconds: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_payload(
    *,
    org: str,
    type: str,
    holder_did: str,
    idx: int,
    iat: int,
    exp: int = 0,
    visible: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The issuer-signed claims of a Wuyi credential: a W3C VC Data Model 2.0 credential
    (``@context``, ``type``, ``issuer``, ``validFrom``/``validUntil``, ``credentialSubject``
    whose personal properties are selectively disclosable, ``credentialStatus``) secured as an
    SD-JWT, with the JWT claims SD-JWT VC verifiers read (``iss``, ``sub``, ``vct``, ``iat``,
    ``exp``, ``status``: the IETF Token Status List reference; ``cnf`` is added at signing)."""
    status_uri = f"wuyi:vc/status/{org}"
    out: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "type": ["VerifiableCredential", type],
        "issuer": org_did(org),
        "validFrom": _iso(iat),
        SUBJECT: {"id": holder_did},
        "credentialStatus": {
            "id": f"{status_uri}#{idx}",
            "type": "TokenStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(idx),
            "statusListCredential": status_uri,
        },
        "iss": org_did(org),
        "sub": holder_did,
        "vct": type,
        "iat": iat,
        "status": {"status_list": {"idx": idx, "uri": status_uri}},
        **(visible or {}),
    }
    if exp:
        out["validUntil"] = _iso(exp)
        out["exp"] = exp
    return out


def _did_key(did: str) -> bytes:
    return b"did/" + did.encode()


def _status_key(org: str, idx: int) -> bytes:
    return b"vc/status/" + org.encode() + b"/" + struct.pack(">Q", idx)


def _next_key(org: str) -> bytes:
    return b"vc/next/" + org.encode()


class _OneValue:
    """A KVReader holding the few verified values needed to render a DID document here."""

    def __init__(self, values: dict[bytes, bytes]) -> None:
        self._values = values

    def get(self, key: bytes) -> bytes | None:
        return self._values.get(key)

    def iter_prefix(self, prefix: bytes) -> Any:
        return iter(sorted((k, v) for k, v in self._values.items() if k.startswith(prefix)))


@dataclass
class Verdict:
    """The outcome of a verification. ``result`` is ``accepted`` or ``refused``; ``reason`` a
    stable code (``docs/credentials.md``); ``claims`` the disclosed claims (accepted only);
    ``tx_hash``/``height`` where the check was recorded (None if it could not be recorded)."""

    result: str
    reason: str
    message: str
    claims: dict[str, Any] = field(default_factory=dict)
    credential: str = ""
    type: str = ""
    consent: str = ""
    tx_hash: str | None = None
    height: int | None = None

    @property
    def accepted(self) -> bool:
        return self.result == "accepted"


class Identity:
    """DIDs, credentials and consent through one node."""

    def __init__(self, client: WuyiClient) -> None:
        self.client = client

    @property
    def suite_name(self) -> str:
        return self.client.suite.name

    def _commit(self, key: PrivateKey, kind: str, payload: dict[str, Any]) -> Any:
        res = self.client.submit_and_wait(self.client.builder(key).build(kind, payload))
        if res.receipt.status != "ok":
            raise_receipt(res.receipt)
        return res

    def _value(self, key: bytes, *, verify: bool = True) -> Any:
        res = self.client.get_state(key, verify=verify)
        return None if res.value is None else decode(res.value)

    # -- DIDs -------------------------------------------------------------------------------------

    def did_of(self, key: PrivateKey) -> str:
        """The DID ``key`` currently belongs to (read from the chain's key index, so a rotated
        key finds its DID), else the DID it would create."""
        from wuyi.ledger import keys

        address = address_of(get_suite(key.suite_name), key.public_key)
        did = self._value(keys.did_key_index_key(address), verify=False)
        return str(did) if did else subject_did_of(key.suite_name, key.public_key)

    def create_did(self, key: PrivateKey) -> str:
        """Register the subject DID of ``key`` (nothing is sent if it already exists)."""
        did = subject_did_of(key.suite_name, key.public_key)
        if self._value(_did_key(did), verify=False) is None:
            self._commit(key, "did.create", {})
        return did

    def _key_payload(self, did: str, new_key: PrivateKey) -> dict[str, Any]:
        from wuyi.ledger.handlers.did import key_proof_message

        chain_id = self.client.status().chain_id
        proof = new_key.sign(key_proof_message(chain_id, did, new_key.public_key))
        return {"did": did, "public_key": new_key.public_key, "proof": proof}

    def add_key(
        self,
        key: PrivateKey,
        did: str,
        new_key: PrivateKey,
        purposes: tuple[str, ...] = ("authentication", "assertionMethod"),
    ) -> None:
        """Add ``new_key`` (which signs a possession proof) to ``did``; ``key`` is one of the
        DID's authentication keys."""
        payload = {**self._key_payload(did, new_key), "purposes": list(purposes)}
        self._commit(key, "did.add_key", payload)

    def rotate_key(self, key: PrivateKey, did: str, key_id: str, new_key: PrivateKey) -> None:
        """Replace the DID's key ``key_id`` (e.g. ``key-1``) by ``new_key``, same purposes."""
        self._commit(key, "did.rotate_key", {**self._key_payload(did, new_key), "key_id": key_id})

    def remove_key(self, key: PrivateKey, did: str, key_id: str) -> None:
        self._commit(key, "did.remove_key", {"did": did, "key_id": key_id})

    def deactivate(self, key: PrivateKey, did: str) -> None:
        """Deactivate ``did`` for good: its keys sign nothing more, its consents stop holding."""
        self._commit(key, "did.deactivate", {"did": did})

    def key_id_of(self, did: str, public_key: bytes) -> str:
        """The id (``key-N``) under which ``public_key`` is in ``did`` (read with proof)."""
        rec = self._value(_did_key(did))
        if rec is None:
            raise NotFound(f"DID {did} is not registered on this chain")
        for k in rec["keys"]:
            if k["public_key"] == public_key:
                return str(k["id"])
        raise NotFound(f"this key is not in DID {did}")

    def resolve(self, did: str, *, verify: bool = True) -> dict[str, Any]:
        """``{"didDocument", "didDocumentMetadata"}``. With ``verify`` (default) the DID's state
        is fetched with its proof, checked against a quorum certificate, and the document is
        rendered here from it — the node's own rendering is not trusted."""
        from wuyi.ledger.handlers.did import render_did_document

        if not verify:
            doc = self.client._get(f"/v1/dids/{did}")
            return {k: doc[k] for k in ("didDocument", "didDocumentMetadata")}
        values: dict[bytes, bytes] = {}
        if did.startswith(ORG_DID_PREFIX):
            org_id = did.removeprefix(ORG_DID_PREFIX)
            from wuyi.ledger import keys

            org_res = self.client.get_state(keys.org_key(org_id))
            if org_res.value is None:
                raise NotFound(f"DID {did} not found: no organisation '{org_id}'")
            values[keys.org_key(org_id)] = org_res.value
            for mem in self.client.members(org_id).members:
                mk = keys.member_key(parse_address(mem.address))
                res = self.client.get_state(mk)
                if res.value is not None:
                    values[mk] = res.value
        else:
            res = self.client.get_state(_did_key(did))
            if res.value is None:
                raise NotFound(f"DID {did} is not registered on this chain")
            values[_did_key(did)] = res.value
        document, metadata = render_did_document(_OneValue(values), did, self.suite_name)
        return {"didDocument": document, "didDocumentMetadata": metadata}

    def holder_jwk(self, did: str) -> dict[str, Any]:
        """The JWK a credential for ``did`` is bound to: its first authentication key."""
        doc = self.resolve(did)["didDocument"]
        auth = doc.get("authentication") or []
        for vm in doc.get("verificationMethod", []):
            if vm["id"] in auth:
                jwk: dict[str, Any] = vm["publicKeyJwk"]
                return jwk
        raise CredentialInvalid(f"DID {did} has no authentication key (deactivated?)")

    def issuer_jwk(self, iss: str, kid: str | None) -> dict[str, Any]:
        """The JWK of issuer key ``kid`` (``did:wuyi:org:<org>#wy…``), read with proof: an
        active member of that organisation holding the role ``issuer`` or ``idp``."""
        from wuyi.ledger import keys
        from wuyi.vc.jose import jwk_from_public_key

        if not iss.startswith(ORG_DID_PREFIX) or not kid or not kid.startswith(iss + "#"):
            raise CredentialInvalid(f"issuer {iss!r} / key {kid!r} is not a Wuyi organisation key")
        org_id = iss.removeprefix(ORG_DID_PREFIX)
        try:
            address = parse_address(kid.split("#", 1)[1])
        except WuyiError:
            raise CredentialInvalid(f"key id {kid!r} does not end in a Wuyi address") from None
        member = self._value(keys.member_key(address))
        if member is None or member["org"] != org_id:
            raise CredentialInvalid(f"key {kid} is not a member of organisation '{org_id}'")
        if member["status"] != "active":
            raise CredentialInvalid(f"issuer key {kid} is {member['status']}")
        if not {"issuer", "idp"} & set(member["roles"]):
            raise CredentialInvalid(f"key {kid} has no issuer role in '{org_id}'")
        return jwk_from_public_key(self.suite_name, member["public_key"])

    # -- credential types and status --------------------------------------------------------------

    def credential_types(self) -> list[dict[str, Any]]:
        types: list[dict[str, Any]] = self.client._get("/v1/vc/types")["types"]
        return types

    def credential_status(self, org: str, idx: int, *, verify: bool = True) -> dict[str, Any]:
        rec = self._value(_status_key(org, idx), verify=verify)
        if rec is None:
            raise NotFound(f"no credential {org}/{idx} on this chain")
        out: dict[str, Any] = rec
        return out

    # -- issuing ----------------------------------------------------------------------------------

    def issue(
        self,
        key: PrivateKey,
        *,
        org: str,
        type: str,
        holder_did: str,
        claims: dict[str, Any],
        visible: dict[str, Any] | None = None,
        valid_days: int | None = None,
        now: int | None = None,
    ) -> str:
        """Issue a credential of ``type`` to ``holder_did``: every entry of ``claims`` is
        selectively disclosable; ``visible`` claims (no personal data!) are always shown.
        Registers the commitment on chain (``vc.issue``) and returns the SD-JWT to hand to the
        holder (over a channel the holder trusts; it holds personal data)."""
        from wuyi.vc import sdjwt
        from wuyi.vc.jose import sd_alg_for_suite

        suite = get_suite(self.suite_name)
        holder_jwk = self.holder_jwk(holder_did)
        iat = int(time.time() if now is None else now)
        exp = iat + valid_days * 86400 if valid_days else 0
        kid = f"{org_did(org)}#{format_address(address_of(suite, key.public_key))}"
        last_error: WuyiError | None = None
        for _attempt in range(5):
            idx = self.client._get(f"/v1/vc/next/{org}")["next"]
            payload = credential_payload(
                org=org,
                type=type,
                holder_did=holder_did,
                idx=idx,
                iat=iat,
                exp=exp,
                visible=visible,
            )
            issued = sdjwt.issue(
                key,
                header_kid=kid,
                payload=payload,
                disclosable=claims,
                holder_jwk=holder_jwk,
                sd_alg=sd_alg_for_suite(self.suite_name),
                subject=SUBJECT,
            )
            commitment = suite.hash(issued.jwt.encode("ascii"))
            try:
                self._commit(
                    key,
                    "vc.issue",
                    {"type": type, "commitment": commitment, "expires": exp, "idx": idx},
                )
            except TxFailed as exc:
                if "index taken" in exc.message:
                    last_error = exc
                    continue
                raise
            return str(issued.sd_jwt)
        assert last_error is not None
        raise last_error

    def set_status(self, key: PrivateKey, idx: int, status: str, reason: str = "") -> None:
        """``valid`` (reinstate), ``suspended`` or ``revoked`` (final) for credential ``idx``
        of the signer's organisation."""
        self._commit(key, "vc.set_status", {"idx": idx, "status": status, "reason": reason})

    # -- consent ----------------------------------------------------------------------------------

    def grant_consent(
        self,
        holder_key: PrivateKey,
        *,
        verifier: str,
        types: list[str],
        claims: list[str],
        purpose: str,
        minutes: int,
        not_before_ms: int | None = None,
        assurance: str | None = None,
    ) -> str:
        """The holder lets organisation ``verifier`` see ``claims`` of credentials of ``types``
        for ``purpose``, for ``minutes`` from now (or ``not_before_ms``). ``assurance`` is an
        identity provider's attestation (real-name and face verification) of the holder, which
        the chain checks and records with the consent — services that require it
        (``Verifier(min_assurance=…)``) refuse consents without it. Returns the consent id
        (hex) to put in presentations."""
        if not 1 <= minutes <= 366 * 24 * 60:
            raise ValidationError(f"minutes must be 1-{366 * 24 * 60}, got {minutes}")
        start = int(time.time() * 1000) if not_before_ms is None else not_before_ms
        payload: dict[str, Any] = {
            "holder": self.did_of(holder_key),
            "verifier": verifier,
            "types": list(types),
            "claims": list(claims),
            "purpose": purpose,
            "not_before": start,
            "not_after": start + minutes * 60_000,
        }
        if assurance is not None:
            payload["assurance"] = assurance.strip()
        res = self._commit(holder_key, "consent.grant", payload)
        return bytes.fromhex(res.tx_hash)[:16].hex()

    def revoke_consent(self, holder_key: PrivateKey, consent_id: str) -> None:
        self._commit(holder_key, "consent.revoke", {"id": bytes.fromhex(consent_id)})

    def consent(self, consent_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self.client._get(f"/v1/consents/{consent_id}")
        return out

    def consents(self, did: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self.client._get(f"/v1/dids/{did}/consents")["consents"]
        return out

    def uses(self, did: str) -> list[dict[str, Any]]:
        """Every accepted use of ``did``'s credentials, oldest first (from chain state)."""
        out: list[dict[str, Any]] = self.client._get(f"/v1/dids/{did}/uses")["uses"]
        return out

    def refused(self, did: str) -> list[dict[str, Any]]:
        """Every refused attempt recorded against ``did``'s consents."""
        out: list[dict[str, Any]] = self.client._get(f"/v1/dids/{did}/uses")["refused"]
        return out


class Verifier:
    """A verifying service of organisation ``org`` signing its records with ``key`` (a member
    of ``org``). Keeps the nonces it handed out for :data:`CHALLENGE_TTL_S` seconds."""

    def __init__(
        self, client: WuyiClient, key: PrivateKey, org: str, *, min_assurance: int = 0
    ) -> None:
        if type(min_assurance) is not int or not 0 <= min_assurance <= 4:
            raise ValidationError(
                f"min_assurance must be an assurance level 0-4, got {min_assurance!r}",
                field="min_assurance",
            )
        self.client = client
        self.key = key
        self.org = org
        #: the identity-assurance level this service requires of the holder's consent (0: none)
        self.min_assurance = min_assurance
        self.identity = Identity(client)
        self._challenges: dict[str, float] = {}
        self._spent: set[str] = set()  # nonces already used (bounded by the run time)

    @property
    def did(self) -> str:
        return org_did(self.org)

    def challenge(self) -> str:
        """A fresh nonce for one presentation request."""
        now = time.monotonic()
        self._challenges = {n: t for n, t in self._challenges.items() if t > now}
        nonce = secrets.token_hex(16)
        self._challenges[nonce] = now + CHALLENGE_TTL_S
        return nonce

    def accept_nonce(self, nonce: str) -> None:
        """Treat ``nonce`` as one this verifier issued (a verifier whose challenges live
        elsewhere, e.g. the CLI, where the operator sent it)."""
        if not 8 <= len(nonce) <= 64:
            raise ValidationError("a nonce is 8-64 characters", field="nonce")
        self._challenges[nonce] = time.monotonic() + CHALLENGE_TTL_S

    def verify(
        self,
        presentation: str,
        nonce: str,
        *,
        now: int | None = None,
        record: bool = True,
    ) -> Verdict:
        """Check ``presentation`` (one SD-JWT presentation per line, all bound to the same
        audience, nonce and consent) against the ``nonce`` this verifier issued, and record the
        check on chain (unless ``record`` is False) — the chain then checks consent, status,
        issuer authority and replay, and its verdict is the answer. The nonce is spent either
        way. Never raises for a bad presentation: the :class:`Verdict` says why it was refused;
        it raises only if the record cannot be written (node unreachable, not a member)."""
        from wuyi.vc import sdjwt

        now_s = int(time.time() if now is None else now)
        suite = get_suite(self.identity.suite_name)
        parts = [x for x in presentation.strip().split("\n") if x.strip()]
        if not parts or len(parts) > MAX_CREDENTIALS:
            return Verdict(
                "refused", "malformed", f"a presentation holds 1-{MAX_CREDENTIALS} lines"
            )
        try:
            parsed = [sdjwt.parse(x.strip()) for x in parts]
        except (CredentialInvalid, PresentationRefused) as exc:
            return Verdict("refused", "malformed", exc.message)
        creds: list[dict[str, Any]] = []
        consents: set[str] = set()
        for text, pr in zip(parts, parsed, strict=True):
            status = pr.payload.get("status", {})
            sl = status.get("status_list", {}) if isinstance(status, dict) else {}
            uri = sl.get("uri", "") if isinstance(sl, dict) else ""
            idx = sl.get("idx") if isinstance(sl, dict) else None
            kb = _kb_payload(pr.kb_jwt)
            named = kb.get("consent")
            consents.add(named if isinstance(named, str) else "")
            creds.append(
                {
                    "presentation_hash": suite.hash(text.strip().encode("utf-8")),
                    "issuer_org": uri.removeprefix("wuyi:vc/status/")
                    if isinstance(uri, str)
                    else "",
                    "idx": idx,
                    "type": str(pr.payload.get("vct", "")),
                    "disclosed": [],
                    "kb_exp": kb.get("exp"),
                }
            )
        consent_hex = consents.pop() if len(consents) == 1 else ""
        claims: dict[str, Any] = {}
        spent = self._challenges.pop(nonce, None)
        try:
            if spent is None:
                reason = "replay" if nonce in self._spent else "wrong_nonce"
                raise PresentationRefused(
                    "this nonce was already used"
                    if reason == "replay"
                    else "this nonce was not issued by this verifier, or it has expired",
                    reason=reason,
                )
            if not consent_hex:
                raise PresentationRefused(
                    "the presentations do not name one consent", reason="no_consent"
                )
            if self.min_assurance:
                self._check_assurance(consent_hex)
            for text, cred in zip(parts, creds, strict=True):
                checked = sdjwt.verify(
                    text.strip(),
                    issuer_jwk=self.identity.issuer_jwk,
                    audience=self.did,
                    nonce=nonce,
                    now_s=now_s,
                )
                names = _subject_names(checked.disclosed)
                cred["disclosed"] = names
                subject = checked.claims.get(SUBJECT, {})
                claims.update({k: subject.get(k, checked.claims.get(k)) for k in names})
                org, idx = cred["issuer_org"], cred["idx"]
                if not (org and type(idx) is int):
                    raise PresentationRefused(
                        "credential has no Wuyi status entry", reason="unknown_credential"
                    )
                try:
                    rec = self.identity.credential_status(org, idx)
                except NotFound:
                    raise PresentationRefused(
                        f"credential {org}/{idx} is not registered on chain",
                        reason="unknown_credential",
                    ) from None
                if rec["commitment"] != suite.hash(checked.jwt.encode("ascii")):
                    raise PresentationRefused(
                        f"credential {org}/{idx} differs from the one registered on chain",
                        reason="not_registered",
                    )
            offchain = {"result": "accepted", "reason": ""}
            verdict = Verdict("accepted", "", "accepted", claims)
        except PresentationRefused as exc:
            offchain = {"result": "refused", "reason": str(exc.detail.get("reason", "refused"))}
            verdict = Verdict("refused", offchain["reason"], exc.message)
        except CredentialInvalid as exc:
            offchain = {"result": "refused", "reason": "bad_issuer_signature"}
            verdict = Verdict("refused", "bad_issuer_signature", exc.message)
        finally:
            self._spent.add(nonce)
        verdict.credential = ",".join(f"{c['issuer_org']}/{c['idx']}" for c in creds)
        verdict.type = ",".join(c["type"] for c in creds)
        verdict.consent = consent_hex
        recordable = (
            record
            and len(consent_hex) == 32
            and all(ch in "0123456789abcdef" for ch in consent_hex)
            and all(
                c["issuer_org"] and type(c["idx"]) is int and type(c["kb_exp"]) is int
                for c in creds
            )
            and 8 <= len(nonce.encode()) <= 64
        )
        if not recordable:
            if verdict.accepted:  # cannot bind the use to a consent: refuse, never skip the record
                return Verdict("refused", "no_consent", "the use cannot be recorded on chain")
            return verdict
        payload: dict[str, Any] = {
            "nonce": nonce.encode(),
            "consent": bytes.fromhex(consent_hex),
            "credentials": creds,
            "offchain": offchain,
        }
        if self.min_assurance:
            payload["min_assurance"] = self.min_assurance
        res = self.client.submit_and_wait(self.client.builder(self.key).build("vc.verify", payload))
        if res.receipt.status != "ok":
            raise_receipt(res.receipt)
        result = event_attr(res.receipt, "vc.checked", "result")
        reason = event_attr(res.receipt, "vc.checked", "reason")
        verdict.tx_hash, verdict.height = res.tx_hash, res.height
        if result != "accepted" and verdict.accepted:
            verdict.result, verdict.claims = "refused", {}
            verdict.reason = str(reason)
            verdict.message = REASON_MESSAGES.get(str(reason), str(reason))
        return verdict

    def _check_assurance(self, consent_hex: str) -> None:
        """Refuse early (the chain checks it again) when the named consent was not granted
        after identity assurance of at least :attr:`min_assurance`."""
        try:
            rec = self.identity.consent(consent_hex)
        except (NotFound, ValidationError):
            return  # the chain answers no_consent
        from wuyi.ledger.handlers.credentials import assured_level

        level = assured_level(rec)
        if level < self.min_assurance:
            raise PresentationRefused(
                f"this service requires identity assurance of level {self.min_assurance}"
                f" (real-name and face verification) with the consent; the consent has"
                f" {'none' if not level else f'level {level}'}",
                reason="assurance_too_low",
            )


def _subject_names(disclosed: Any) -> list[str]:
    """Disclosed claim names: properties of ``credentialSubject`` by their own name (the
    names consents and on-chain records use), top-level ones as they are."""
    prefix = SUBJECT + "."
    return sorted(n.removeprefix(prefix) for n in disclosed)


def _kb_payload(kb_jwt: str | None) -> dict[str, Any]:
    """The key-binding JWT's payload, unverified (to learn which consent a presentation names
    before it is checked); empty if there is none or it is malformed."""
    from wuyi.vc.jose import unverified_payload

    if not kb_jwt:
        return {}
    try:
        payload: dict[str, Any] = unverified_payload(kb_jwt)
    except CredentialInvalid:
        return {}
    return payload
