"""Identity in the SDK: DIDs, issuing credentials, consent, and verifying presentations.

Three roles, three entry points (``docs/credentials.md`` walks through them):

* :class:`Identity` — anyone: resolve DIDs (the document is rebuilt here from the state value
  whose proof this client checks, so a lying node is caught), read credential types,
  credential status and consents, and a holder's log of uses. A citizen's DID is registered
  by an authorised organisation (a DID registrar: the identity provider, a service centre):
  the holder makes a :meth:`Identity.registration_request` (the new key's possession proof)
  and the registrar's member sends it with :meth:`Identity.register_did`.
* issuers (a member with role ``issuer`` of an organisation authorised for the type):
  :meth:`Identity.issue` signs an SD-JWT credential and registers its commitment on chain;
  :meth:`Identity.set_status` suspends, reinstates or revokes it.
* :class:`Verifier` — a service of an organisation: :meth:`Verifier.challenge` makes a nonce,
  :meth:`Verifier.verify` checks a presentation (signatures, disclosures, audience, nonce,
  freshness, holder binding, the on-chain commitment) and sends it to the chain
  (``vc.verify``), which verifies the presentation itself and records its verdict — consent,
  status, issuer authority and replay included; the answer is the chain's verdict.

Holders keep credentials in a :class:`wuyi.sdk.wallet.Wallet`.
"""

from __future__ import annotations

import secrets
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from wuyi.abc import PrivateKey, Suite
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
from wuyi.sdk.client import WuyiClient, event_attr, make_sidecar, succeeded
from wuyi.sdk.wallet import subject_did_of

#: the purpose a holder states when the SDK reads their own records for them
PURPOSE = "holder reads own records / 持有人查看本人记录"

__all__ = [
    "ORG_DID_PREFIX",
    "SUBJECT",
    "Identity",
    "Verdict",
    "Verifier",
    "credential_payload",
    "org_did",
    "presentation_payload",
]

ORG_DID_PREFIX = "did:wuyi:org:"
#: OpenID4VP 1.0's client identifier prefix for DIDs (``wuyi.oid4vp``)
OID4VP_PREFIX = "decentralized_identifier:"
CHALLENGE_TTL_S = 600
#: how far this verifier's clock may be from the block time when it checks a consent's window
CLOCK_SKEW_S = 60
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
        return succeeded(self.client.submit_and_wait(self.client.builder(key).build(kind, payload)))

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

    def registration_request(self, key: PrivateKey) -> dict[str, Any]:
        """What a holder hands to a DID registrar (a counter of the identity provider or a
        service centre) to have the DID of ``key`` registered: ``{did, public_key, proof}``
        (hex), ``proof`` being ``key``'s signature over the DID method's possession message
        for this chain (``docs/did-method.md``). Nothing secret is in it."""
        from wuyi.ledger.handlers.did import key_proof_message

        chain_id = self.client.status().chain_id
        did = subject_did_of(key.suite_name, key.public_key)
        proof = key.sign(key_proof_message(chain_id, did, key.public_key))
        return {"did": did, "public_key": key.public_key.hex(), "proof": proof.hex()}

    def register_did(
        self,
        registrar: PrivateKey,
        request: dict[str, Any] | PrivateKey,
        *,
        services: list[dict[str, str]] | None = None,
    ) -> str:
        """Register a citizen's DID as a DID registrar does: ``registrar`` is the key of a
        member with role ``idp`` or ``did_registrar`` of an organisation governance made a
        registrar (``did.set_registrar``); ``request`` is the holder's
        :meth:`registration_request` (or, for tests and demos, the holder's key itself).
        Nothing is sent if the DID already exists. Returns the DID."""
        if not isinstance(request, dict):
            request = self.registration_request(request)
        try:
            public_key = bytes.fromhex(str(request["public_key"]))
            proof = bytes.fromhex(str(request["proof"]))
        except (KeyError, ValueError):
            raise ValidationError(
                "a registration request is {did, public_key, proof} with hex values",
                field="request",
            ) from None
        did = subject_did_of(self.suite_name, public_key)
        if request.get("did") not in (None, did):
            raise ValidationError(
                f"the request names {request['did']}, but its key makes {did}", field="did"
            )
        if self._value(_did_key(did), verify=False) is None:
            payload: dict[str, Any] = {"public_key": public_key, "proof": proof}
            if services:
                payload["services"] = services
            self._commit(registrar, "did.create", payload)
        return did

    def registrars(self) -> list[dict[str, Any]]:
        """The organisations governance made DID registrars (``{org, enabled,
        updated_height}``)."""
        out: list[dict[str, Any]] = self.client._get("/v1/did-registrars")["registrars"]
        return out

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
        payload = terms_of_consent(
            self.did_of(holder_key), verifier, types, claims, purpose, start, minutes
        )
        if assurance is not None:
            payload["assurance"] = assurance.strip()
        res = self._commit(holder_key, "consent.grant", payload)
        return bytes.fromhex(res.tx_hash)[:16].hex()

    def revoke_consent(self, holder_key: PrivateKey, consent_id: str) -> None:
        self._commit(holder_key, "consent.revoke", {"id": bytes.fromhex(consent_id)})

    def _read(self, path: str, key: PrivateKey | None, purpose: str, **params: Any) -> Any:
        """A signed read of a personal record (``docs/api.md``, signed reads): with ``key``
        (the holder's DID key, or a member whose role allows it) and ``purpose``; without, as
        the client reads (``WuyiClient.read_as``), else unsigned (refused by the node)."""
        if key is None:
            return self.client._get(path, **params)
        return self.client.signed_get(key, path, purpose, **params)

    def consent(
        self, consent_id: str, *, key: PrivateKey | None = None, purpose: str = PURPOSE
    ) -> dict[str, Any]:
        """A consent record (signed read: its holder, the organisation it names, an
        auditor)."""
        out: dict[str, Any] = self._read(f"/v1/consents/{consent_id}", key, purpose)
        return out

    def check(
        self, tx_hash: str, *, key: PrivateKey | None = None, purpose: str = PURPOSE
    ) -> dict[str, Any]:
        """A recorded verification (signed read: the holder, the verifying organisation,
        an auditor)."""
        out: dict[str, Any] = self._read(f"/v1/vc/checks/{tx_hash}", key, purpose)
        return out

    def reads(
        self, did: str, *, key: PrivateKey | None = None, purpose: str = PURPOSE
    ) -> list[dict[str, Any]]:
        """Who read ``did``'s records on this node, when and why (the node's access log;
        signed read: the citizen's DID key, or an auditor)."""
        out: list[dict[str, Any]] = self._read(f"/v1/dids/{did}/reads", key, purpose)["entries"]
        return out

    def consent_terms(self, consent_id: str) -> dict[str, Any] | None:
        """The consent record as the chain holds it, read with its proof (a lying node cannot
        widen what a wallet discloses), or None if there is none — what
        :meth:`wuyi.sdk.wallet.Wallet.present` checks before presenting (``consents=``)."""
        from wuyi.ledger import keys

        try:
            cid = bytes.fromhex(consent_id)
        except ValueError:
            return None
        if len(cid) != 16:
            return None
        rec: dict[str, Any] | None = self._value(keys.consent_key(cid))
        return rec

    def consents(
        self, did: str, *, key: PrivateKey | None = None, purpose: str = PURPOSE
    ) -> list[dict[str, Any]]:
        """``did``'s consents (signed read: the holder's DID ``key``, or an auditor)."""
        path = f"/v1/dids/{did}/consents"
        out: list[dict[str, Any]] = self._read(path, key, purpose, limit=200)["consents"]
        return out

    def uses(
        self, did: str, *, key: PrivateKey | None = None, purpose: str = PURPOSE
    ) -> list[dict[str, Any]]:
        """Every accepted use of ``did``'s credentials, oldest first (from chain state;
        signed read: the holder's DID ``key``, or an auditor)."""
        path = f"/v1/dids/{did}/uses"
        out: list[dict[str, Any]] = self._read(path, key, purpose, limit=200)["uses"]
        return out

    def refused(
        self, did: str, *, key: PrivateKey | None = None, purpose: str = PURPOSE
    ) -> list[dict[str, Any]]:
        """Every refused attempt recorded against ``did``'s consents (signed read)."""
        path = f"/v1/dids/{did}/uses"
        out: list[dict[str, Any]] = self._read(path, key, purpose, limit=200)["refused"]
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
        audience, nonce and consent) against the ``nonce`` this verifier issued (:meth:`check`)
        and, if it passes, send it to the chain (``vc.verify``, unless ``record`` is False),
        which verifies the presentation itself at block time and records its verdict — that
        verdict is the answer (``tx_hash``/``height`` say where it is recorded). A
        presentation refused here is not sent (it carries personal values; what it discloses
        must not spread) and the verdict has no ``tx_hash``. The nonce is spent either way.
        Never raises for a bad presentation: the :class:`Verdict` says why it was refused; it
        raises only if the record cannot be written (node unreachable, not a member)."""
        text = presentation.strip()
        parts = [x.strip() for x in text.split("\n") if x.strip()]
        issued = self._challenges.pop(nonce, None)
        used_before = nonce in self._spent
        self._spent.add(nonce)
        if issued is None:
            reason = "replay" if used_before else "wrong_nonce"
            return Verdict(
                "refused",
                reason,
                "this nonce was already used"
                if reason == "replay"
                else "this nonce was not issued by this verifier, or it has expired",
            )
        verdict = self.check(text, nonce, now=now)
        recordable = (
            record
            and verdict.accepted
            and 1 <= len(parts) <= MAX_CREDENTIALS
            and text.isascii()
            and nonce.isascii()
            and 8 <= len(nonce) <= 64
        )
        if not recordable:
            return verdict
        result, reason, res = record_presentation_check(
            self.client, self.key, text, nonce, min_assurance=self.min_assurance
        )
        verdict.tx_hash, verdict.height = res.tx_hash, res.height
        if result != "accepted":
            # the chain's verdict is the answer (e.g. replay, which only the chain knows)
            verdict.result, verdict.reason, verdict.claims = "refused", reason, {}
            verdict.message = REASON_MESSAGES.get(reason, reason)
        return verdict

    def check(self, presentation: str, nonce: str, *, now: int | None = None) -> Verdict:
        """The checks a verifier can make off chain, reading the chain's state with proofs:
        each credential's issuer signature (an active ``issuer`` of its organisation),
        disclosures, key binding to this verifier's DID and ``nonce``, freshness (at ``now``,
        default the clock), holder binding — the credential's holder (``sub``), the
        key-binding key (an authentication key of that DID) and the consent's holder are one
        DID (``holder_mismatch``) — the commitment on chain, and the identity assurance this
        service requires, and the consent's terms (active, in its window, for this
        organisation, covering the types and claims). Records nothing; the chain's own check
        (:meth:`verify`) repeats all of it at block time and adds replay and the credentials'
        status and issuer authority."""
        from wuyi.ledger import keys
        from wuyi.vc import sdjwt
        from wuyi.vc.jose import public_key_from_jwk

        now_s = int(time.time() if now is None else now)
        suite = get_suite(self.identity.suite_name)
        parts = [x.strip() for x in presentation.strip().split("\n") if x.strip()]
        if not parts or len(parts) > MAX_CREDENTIALS:
            return Verdict(
                "refused", "malformed", f"a presentation holds 1-{MAX_CREDENTIALS} lines"
            )
        try:
            parsed = [sdjwt.parse(x) for x in parts]
        except (CredentialInvalid, PresentationRefused) as exc:
            return Verdict("refused", "malformed", exc.message)
        described: list[str] = []
        types: list[str] = []
        consents: set[str] = set()
        for pr in parsed:
            status = pr.payload.get("status", {})
            sl = status.get("status_list", {}) if isinstance(status, dict) else {}
            uri = sl.get("uri", "") if isinstance(sl, dict) else ""
            idx = sl.get("idx") if isinstance(sl, dict) else None
            described.append(f"{str(uri).removeprefix('wuyi:vc/status/')}/{idx}")
            types.append(str(pr.payload.get("vct", "")))
            named = _kb_payload(pr.kb_jwt).get("consent")
            consents.add(named if isinstance(named, str) else "")
        consent_hex = consents.pop() if len(consents) == 1 else ""
        claims: dict[str, Any] = {}
        holders: set[str] = set()
        try:
            if not consent_hex:
                raise PresentationRefused(
                    "the presentations do not name one consent", reason="no_consent"
                )
            for text, pr in zip(parts, parsed, strict=True):
                # the DID, or the OpenID4VP client identifier an OpenID4VP wallet puts in aud
                aud = _kb_payload(pr.kb_jwt).get("aud")
                checked = sdjwt.verify(
                    text,
                    issuer_jwk=self.identity.issuer_jwk,
                    audience=aud if aud in (self.did, OID4VP_PREFIX + self.did) else self.did,
                    nonce=nonce,
                    now_s=now_s,
                )
                holders.add(self._holder_of(checked, public_key_from_jwk))
                names = _subject_names(checked.disclosed)
                subject = checked.claims.get(SUBJECT, {})
                claims.update({k: subject.get(k, checked.claims.get(k)) for k in names})
                status = checked.payload.get("status", {}).get("status_list", {})
                org = str(status.get("uri", "")).removeprefix("wuyi:vc/status/")
                idx = status.get("idx")
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
            if len(holders) != 1:
                raise PresentationRefused(
                    "the credentials are held by different DIDs", reason="holder_mismatch"
                )
            holder = holders.pop()
            try:
                consent = self.identity._value(keys.consent_key(bytes.fromhex(consent_hex)))
            except ValueError:
                consent = None
            if consent is None:
                raise PresentationRefused(f"no consent {consent_hex} on chain", reason="no_consent")
            if consent["holder"] != holder:
                raise PresentationRefused(
                    f"consent {consent_hex} is not {holder}'s: the credential's holder, the"
                    " presentation's key and the consent's holder must be one DID",
                    reason="holder_mismatch",
                )
            self._check_consent(consent, consent_hex, types, sorted(claims), now_s)
            if self.min_assurance:
                self._check_assurance(consent)
            verdict = Verdict("accepted", "", "accepted", claims)
        except PresentationRefused as exc:
            verdict = Verdict("refused", str(exc.detail.get("reason", "refused")), exc.message)
        except CredentialInvalid as exc:
            verdict = Verdict("refused", "bad_issuer_signature", exc.message)
        verdict.credential = ",".join(described)
        verdict.type = ",".join(types)
        verdict.consent = consent_hex
        return verdict

    def _holder_of(self, checked: Any, public_key_from_jwk: Any) -> str:
        """The DID a verified credential is bound to: its ``sub``, whose DID document (read
        with proof) lists the key-binding key (``cnf.jwk``) as an authentication key."""
        holder = checked.payload.get("sub")
        subject = checked.claims.get(SUBJECT, {})
        subject = subject if isinstance(subject, dict) else {}
        if not isinstance(holder, str) or not holder.startswith("did:wuyi:"):
            raise PresentationRefused(
                "the credential names no holder DID (sub)", reason="malformed"
            )
        if subject.get("id", holder) != holder:
            raise PresentationRefused("sub and credentialSubject.id differ", reason="malformed")
        try:
            _, cnf_key = public_key_from_jwk(checked.payload["cnf"]["jwk"])
        except (WuyiError, KeyError, TypeError):
            raise PresentationRefused(
                "cnf.jwk is not a usable key", reason="bad_holder_signature"
            ) from None
        rec = self.identity._value(_did_key(holder))
        auth = [
            k["public_key"]
            for k in (rec or {}).get("keys", [])
            if "authentication" in k["purposes"]
        ]
        if cnf_key not in auth:
            raise PresentationRefused(
                f"the key-binding key is not an authentication key of the credential's holder"
                f" {holder}",
                reason="holder_mismatch",
            )
        return holder

    def _check_consent(
        self,
        consent: dict[str, Any],
        consent_hex: str,
        types: list[str],
        claims: list[str],
        now_s: int,
    ) -> None:
        """The consent's terms, as the chain will check them: active, in its window (by this
        verifier's clock, give or take :data:`CLOCK_SKEW_S`: the chain checks the window
        exactly, at block time), for this organisation, covering the types and the claims."""
        skew = CLOCK_SKEW_S * 1000
        now_ms = now_s * 1000
        rules = (
            (consent["status"] != "active", "consent_revoked"),
            (now_ms + skew < consent["not_before"], "consent_not_yet"),
            (now_ms - skew > consent["not_after"], "consent_expired"),
            (consent["verifier"] != self.org, "wrong_verifier"),
            (not set(types) <= set(consent["types"]), "type_not_consented"),
            (not set(claims) <= set(consent["claims"]), "claims_not_consented"),
        )
        for failed, reason in rules:
            if failed:
                raise PresentationRefused(
                    f"consent {consent_hex}: {REASON_MESSAGES[reason]}", reason=reason
                )

    def _check_assurance(self, consent: dict[str, Any]) -> None:
        """Refuse early (the chain checks it again) when the consent was not granted after
        identity assurance of at least :attr:`min_assurance`."""
        from wuyi.ledger.handlers.credentials import assured_level

        level = assured_level(consent)
        if level < self.min_assurance:
            raise PresentationRefused(
                f"this service requires identity assurance of level {self.min_assurance}"
                f" (real-name and face verification) with the consent; the consent has"
                f" {'none' if not level else f'level {level}'}",
                reason="assurance_too_low",
            )


def presentation_payload(
    text: str, nonce: str, *, suite: Suite | str, min_assurance: int = 0
) -> tuple[dict[str, Any], bytes]:
    """The ``vc.verify`` payload recording the check of presentation ``text`` made for
    ``nonce``, and the private side-car to send beside it (``submit(tx, sidecars=[...])``):
    the payload names the presentation only by its hash; the chain verifies the side-car's
    text itself (``docs/credentials.md``), and its disclosures never enter the block."""
    ref, data = make_sidecar(suite, text.strip())
    payload: dict[str, Any] = {"presentation": ref, "nonce": nonce.encode("ascii")}
    if min_assurance:
        payload["min_assurance"] = min_assurance
    return payload, data


def terms_of_consent(
    holder: str,
    verifier: str,
    types: list[str],
    claims: list[str],
    purpose: str,
    start_ms: int,
    minutes: int,
) -> dict[str, Any]:
    """The terms of a consent (the ``consent.grant`` payload but its attestation): ``holder``
    lets ``verifier`` see ``claims`` of ``types`` for ``purpose``, ``minutes`` from
    ``start_ms``; what an identity provider's ID token for the consent is bound to
    (:func:`wuyi.vc.idtoken.consent_nonce`)."""
    return {
        "holder": holder,
        "verifier": verifier,
        "types": list(types),
        "claims": list(claims),
        "purpose": purpose,
        "not_before": start_ms,
        "not_after": start_ms + minutes * 60_000,
    }


def record_presentation_check(
    client: WuyiClient, key: PrivateKey, text: str, nonce: str, *, min_assurance: int = 0
) -> tuple[str, str, Any]:
    """Record the check of presentation ``text`` made for ``nonce`` (``vc.verify`` signed by
    ``key``, :func:`presentation_payload`) and wait for its commit: the chain's verdict
    ``(result, reason)`` and the committed transaction; a failed receipt raises its error."""
    payload, sidecar = presentation_payload(
        text, nonce, suite=client.suite, min_assurance=min_assurance
    )
    tx = client.builder(key).build("vc.verify", payload)
    res = succeeded(client.submit_and_wait(tx, sidecars=[sidecar]))
    result = str(event_attr(res.receipt, "vc.checked", "result"))
    reason = str(event_attr(res.receipt, "vc.checked", "reason") or "")
    return result, reason, res


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
