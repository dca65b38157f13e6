"""Verifiable credentials on the ledger: issuing authority, status, consent, verification
records and identity providers (``docs/design/identity-spec.md`` §3-§6).

Nothing personal is written here: credential *types*, claim *names*, DIDs, organisation ids,
commitments (hashes) and purposes written by the holder. The credentials themselves (SD-JWTs)
stay with their holders; the chain records who may issue what, whether an issued credential
is still valid, what a holder consented to, and every check a verifier made.

Governance actions (policy ``credentials``, default ``MAJORITY``)
================================================================

=================  ============================================================
``vc.set_type``    {type, issuers: [org ids], claims: [claim names], description?}
``idp.set``        {org, enabled: bool, max_level: 1..4, oidc?: {issuer, audience,
                   jwks: [public JWKs], acr_levels: {acr: level}}}
=================  ============================================================

``oidc`` registers an OpenID Connect provider (``wuyi/idp``, or CTID, 粤省事 …): its ID tokens
(``wuyi.vc.idtoken``) are then accepted as attestations, checked against these keys.

Kinds
=====

* ``vc.issue`` {type, commitment, expires, idx} — a member with role ``issuer`` of an org
  listed in ``vc/type/<type>.issuers``; ``idx`` must equal ``vc/next/<org>`` (read it before
  signing the credential); ``commitment`` is the suite hash of the issuer-signed JWT;
  ``expires`` in seconds (0: none).
* ``vc.set_status`` {idx, status, reason} — an ``issuer`` or ``admin`` of the issuing org;
  ``valid``/``suspended``/``revoked`` (revoked is final).
* ``consent.grant`` {holder, verifier, types, claims, purpose, not_before, not_after,
  assurance?} — an authentication key of the holder DID (no membership needed); window at most
  :data:`MAX_CONSENT_MS`; the consent id is the first 16 bytes of the transaction hash.
  ``assurance`` (optional) is an identity provider's attestation that the holder passed
  real-name and face verification (``wuyi.vc.assurance``), or an OpenID Connect ID token of
  a provider registered with ``oidc`` whose ``nonce`` is the consent's terms
  (``wuyi.vc.idtoken.consent_nonce``); it is checked at block time
  (:func:`check_assurance`, ``sub`` = the holder) and the consent records
  ``{provider, level, real_name, face}`` — never the token.
* ``consent.revoke`` {id} — an authentication key of the consent's holder.
* ``vc.verify`` — in :mod:`wuyi.ledger.handlers.verification`: the chain verifies the
  presentation itself and records its verdict with the helpers here (:func:`chain_verdict`,
  :func:`record_check`).

Records
=======

::

    vc/type/<type>            {type, issuers, claims, description, updated_height}
    vc/status/<org>/<idx>     {org, idx, type, commitment, issuer, status, issued_height,
                               issued_time, expires, history: [{status, height, reason}]}
    consent/<id>              {id, holder, verifier, types, claims, purpose, not_before,
                               not_after, status, granted_height, granted_time,
                               revoked_height, uses, assurance: null | {provider, level,
                               real_name, face, iat}}
    vc/check/<tx_hash>        {tx_hash, verifier, verifier_member, holder, consent,
                               credentials: [{issuer_org, idx, type, disclosed,
                               presentation_hash}], types, disclosed (union), result, reason,
                               height, time, purpose, basis: "chain", contract?}
    idp/<org>                 {org, enabled, max_level, oidc?}

Readers: :func:`get_credential_type`, :func:`list_credential_types`,
:func:`get_credential_status`, :func:`next_credential_index`, :func:`status_list`,
:func:`get_consent`, :func:`list_consents`, :func:`get_check`, :func:`list_uses`,
:func:`list_refused`, :func:`get_idp`, :func:`list_idps`, :func:`lookup_org_jwk` and
:func:`check_assurance` (what ``wuyi.contract.assurance`` runs).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from wuyi.abc import KVReader
from wuyi.crypto import parse_address
from wuyi.encoding import decode_trusted
from wuyi.exceptions import (
    CredentialInvalid,
    EncodingError,
    TxFailed,
    Unauthorized,
    ValidationError,
)
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler, validate_fields
from wuyi.ledger.handlers.did import (
    org_id_of_did,
    require_did_key,
    validate_subject_did,
)
from wuyi.ledger.handlers.governance import GovAction, register_action
from wuyi.ledger.handlers.identity import validate_org_id
from wuyi.params import ChainParams

__all__ = [
    "BASIS_CHAIN",
    "BASIS_VERIFIER_CLAIM",
    "CHAIN_REASONS",
    "CREDENTIAL_STATUSES",
    "MAX_CONSENT_MS",
    "REASON_MESSAGES",
    "STATUS_LIST_VALUES",
    "VERIFY_REASONS",
    "ConsentGrantHandler",
    "ConsentRevokeHandler",
    "IdpSetAction",
    "VcIssueHandler",
    "VcSetStatusHandler",
    "VcSetTypeAction",
    "assured_level",
    "chain_verdict",
    "check_assurance",
    "get_check",
    "get_consent",
    "get_credential_status",
    "get_credential_type",
    "get_idp",
    "get_oidc_provider",
    "list_consents",
    "list_credential_types",
    "list_idps",
    "list_refused",
    "list_uses",
    "lookup_org_jwk",
    "next_credential_index",
    "record_check",
    "status_list",
]

POLICY_NAME = "credentials"
CREDENTIAL_STATUSES = ("valid", "suspended", "revoked")
#: IETF Token Status List values (2 bits) of each status
STATUS_LIST_VALUES = {"valid": 0, "revoked": 1, "suspended": 2}
MAX_CONSENT_MS = 365 * 24 * 60 * 60 * 1000
MAX_PURPOSE_CHARS = 200
MAX_REASON_CHARS = 200
MAX_DESCRIPTION_CHARS = 500
MAX_ISSUERS = 32
MAX_TYPES = 16
MAX_CLAIMS = 64
MIN_NONCE, MAX_NONCE = 8, 64
#: Most credentials one presentation (one ``vc.verify``) may hold.
MAX_PRESENTED = 8
MAX_LEVEL = 4
MAX_ATTESTATION_CHARS = 4096
MAX_PROVIDER_KEYS = 8
MAX_ACR_VALUES = 8

#: Every reason the chain gives for refusing a presentation (``vc.verify`` and
#: ``wuyi.contract.presentation``, :func:`~wuyi.ledger.handlers.verification.check_presentation`),
#: roughly in the order they are tested: the presentation itself, holder binding, the
#: credentials on chain, the consent, then :func:`chain_verdict` (:data:`CHAIN_REASONS`).
VERIFY_REASONS = (
    "wrong_verifier",
    "malformed",
    "bad_issuer_signature",
    "bad_disclosure",
    "expired",
    "no_key_binding",
    "bad_holder_signature",
    "wrong_audience",
    "wrong_nonce",
    "stale",
    "holder_mismatch",
    "unknown_credential",
    "not_registered",
    "no_consent",
    "replay",
    "consent_revoked",
    "consent_not_yet",
    "consent_expired",
    "type_not_consented",
    "claims_not_consented",
    "assurance_too_low",
    "credential_revoked",
    "credential_suspended",
    "credential_expired",
    "issuer_not_authorised",
)

#: The reasons :func:`chain_verdict` gives, in the order it tests them.
CHAIN_REASONS = (
    "replay",
    "no_consent",
    "consent_revoked",
    "consent_not_yet",
    "consent_expired",
    "wrong_verifier",
    "type_not_consented",
    "claims_not_consented",
    "assurance_too_low",
    "unknown_credential",
    "credential_revoked",
    "credential_suspended",
    "credential_expired",
    "issuer_not_authorised",
    "expired",
)

#: What each refusal means, in words (``vc.verify``, ``wuyi.contract.presentation`` and the
#: verifier's SDK; ``docs/credentials.md``).
REASON_MESSAGES = {
    "wrong_verifier": "the consent or the verifier is not this organisation",
    "malformed": "not a well-formed presentation",
    "bad_issuer_signature": "the issuer's signature does not verify with an issuer key on chain",
    "bad_disclosure": "a disclosure does not match the credential's digests",
    "no_key_binding": "the presentation is not bound to the holder's key",
    "bad_holder_signature": "the holder's key-binding signature does not verify",
    "wrong_audience": "the presentation was made for another verifier",
    "wrong_nonce": "the presentation answers another nonce",
    "stale": "the presentation is too old",
    "holder_mismatch": (
        "the credential's holder, the presentation's key and the consent's holder are not"
        " the same DID"
    ),
    "not_registered": "the credential differs from the one registered on chain",
    "replay": "this presentation or its nonce was already used",
    "no_consent": "no such consent on chain",
    "consent_revoked": "the holder revoked this consent (or deactivated the DID)",
    "consent_not_yet": "the consent is not in force yet",
    "consent_expired": "the consent has expired",
    "type_not_consented": "the holder did not consent to this credential type",
    "claims_not_consented": "more claims disclosed than the holder consented to",
    "assurance_too_low": "the consent was not granted after the required identity assurance",
    "unknown_credential": "credential not registered on chain",
    "credential_revoked": "the issuer revoked the credential",
    "credential_suspended": "the issuer suspended the credential",
    "credential_expired": "the credential has expired",
    "issuer_not_authorised": "the issuer is not authorised for this credential type",
    "expired": "the presentation has expired",
}

#: ``basis`` of a verification record: the chain verified the presentation itself, or (records
#: written before issue #16 by ``vc.verify``) the chain recorded the verifier's word that it
#: had verified one — a verifier's claim, never the chain's verdict.
BASIS_CHAIN = "chain"
BASIS_VERIFIER_CLAIM = "verifier_claim"

_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,63}$")
_CLAIM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

_FieldSpec = dict[str, tuple[type, bool]]


# -- checks shared by payloads and actions ------------------------------------------------------


def _validate_type(value: Any, where: str, field: str = "type") -> None:
    if not isinstance(value, str) or not _TYPE.match(value):
        raise ValidationError(
            f"{where}: {field} {value!r} must be a letter then 1-63 letters or digits",
            field=field,
        )


def _validate_names(
    values: list[Any], where: str, field: str, *, pattern: re.Pattern[str], limit: int, what: str
) -> None:
    if len(values) > limit:
        raise ValidationError(f"{where}: at most {limit} {field}", field=field)
    for v in values:
        if not isinstance(v, str) or not pattern.match(v):
            raise ValidationError(f"{where}: {v!r} is not a valid {what}", field=field)
    if len(set(values)) != len(values):
        raise ValidationError(f"{where}: {field} contain duplicates", field=field)


def _validate_claims(values: list[Any], where: str, field: str = "claims") -> None:
    _validate_names(values, where, field, pattern=_CLAIM, limit=MAX_CLAIMS, what="claim name")


def _validate_org(value: str, where: str, field: str) -> None:
    try:
        validate_org_id(value)
    except ValidationError as exc:
        raise ValidationError(f"{where}: {field}: {exc.message}", field=field) from None


def _require_org(ctx: ExecContext, org_id: str, what: str) -> dict[str, Any]:
    org: dict[str, Any] | None = ctx.state.get_obj(keys.org_key(org_id))
    if org is None:
        raise TxFailed(f"{what}: organisation '{org_id}' does not exist")
    return org


# -- readers ------------------------------------------------------------------------------------


def _get(state: KVReader, key: bytes) -> Any:
    raw = state.get(key)
    return None if raw is None else decode_trusted(raw)


def get_credential_type(state: KVReader, type_: str) -> dict[str, Any] | None:
    rec: dict[str, Any] | None = _get(state, keys.vc_type_key(type_))
    return rec


def list_credential_types(state: KVReader) -> list[dict[str, Any]]:
    """Every credential type, in type order."""
    return [decode_trusted(raw) for _, raw in state.iter_prefix(keys.VC_TYPE_PREFIX)]


def get_credential_status(state: KVReader, org: str, idx: int) -> dict[str, Any] | None:
    rec: dict[str, Any] | None = _get(state, keys.vc_status_key(org, idx))
    return rec


def next_credential_index(state: KVReader, org: str) -> int:
    """The ``idx`` the next ``vc.issue`` of ``org`` must carry."""
    n: int | None = _get(state, keys.vc_next_key(org))
    return n or 0


def status_list(state: KVReader, org: str) -> list[int]:
    """The status of each credential of ``org``, by index: 0 valid, 1 revoked, 2 suspended
    (IETF Token Status List values)."""
    return [
        STATUS_LIST_VALUES[decode_trusted(raw)["status"]]
        for _, raw in state.iter_prefix(keys.vc_status_prefix(org))
    ]


def get_consent(state: KVReader, consent_id: bytes) -> dict[str, Any] | None:
    rec: dict[str, Any] | None = _get(state, keys.consent_key(consent_id))
    return rec


def list_consents(state: KVReader, did: str) -> list[dict[str, Any]]:
    """The consents ``did`` granted (every status), in id order."""
    cut = len(keys.consent_holder_prefix(did))
    out = []
    for k, _ in state.iter_prefix(keys.consent_holder_prefix(did)):
        rec = get_consent(state, k[cut:])
        if rec is not None:
            out.append(rec)
    return out


def get_check(state: KVReader, tx_hash: bytes) -> dict[str, Any] | None:
    """The verification record a ``vc.verify`` (or a contract's ``presentation()``) wrote,
    with its ``basis``: ``"chain"`` when the chain verified the presentation itself,
    ``"verifier_claim"`` for a record an older ``vc.verify`` wrote on the verifier's word
    (before issue #16; such records carry no ``basis`` in state and are labelled here)."""
    rec: dict[str, Any] | None = _get(state, keys.vc_check_key(tx_hash))
    if rec is not None and "basis" not in rec:
        rec["basis"] = BASIS_CHAIN if "contract" in rec else BASIS_VERIFIER_CLAIM
    return rec


def _checks(state: KVReader, prefix: bytes) -> list[dict[str, Any]]:
    out = []
    for _, raw in state.iter_prefix(prefix):
        rec = get_check(state, decode_trusted(raw))
        if rec is not None:
            out.append(rec)
    return out


def list_uses(state: KVReader, did: str) -> list[dict[str, Any]]:
    """The accepted checks of presentations made under ``did``'s consents, oldest first."""
    return _checks(state, keys.consent_use_prefix(did))


def list_refused(state: KVReader, did: str) -> list[dict[str, Any]]:
    """The refused checks that named one of ``did``'s consents, oldest first."""
    return _checks(state, keys.consent_refused_prefix(did))


def get_idp(state: KVReader, org: str) -> dict[str, Any] | None:
    rec: dict[str, Any] | None = _get(state, keys.idp_key(org))
    return rec


def list_idps(state: KVReader) -> list[dict[str, Any]]:
    """Every identity provider ever set (enabled or not), in organisation order."""
    return [decode_trusted(raw) for _, raw in state.iter_prefix(keys.IDP_PREFIX)]


def lookup_org_jwk(
    state: KVReader, suite_name: str, iss: str, kid: str, *, roles: tuple[str, ...]
) -> dict[str, Any]:
    """The JWK of ``kid`` = ``did:wuyi:org:<org>#<wy-address>`` if it is a key of the
    organisation DID ``iss`` held by an active member of that (active) organisation with one
    of ``roles``; :class:`CredentialInvalid` naming the rule otherwise. The ``issuer_jwk`` /
    ``lookup_jwk`` callback of :mod:`wuyi.vc` bound to the chain state."""
    from wuyi.vc.jose import jwk_from_public_key

    org_id = org_id_of_did(iss)
    if org_id is None:
        raise CredentialInvalid(f"iss {iss!r} is not an organisation DID did:wuyi:org:<org>")
    if not isinstance(kid, str) or not kid.startswith(iss + "#"):
        raise CredentialInvalid(f"kid {kid!r} must be '{iss}#<wy-address>'")
    try:
        address = parse_address(kid[len(iss) + 1 :])
    except EncodingError:
        raise CredentialInvalid(f"kid {kid!r} does not end in a wy-address") from None
    org = _get(state, keys.org_key(org_id))
    if org is None or org["status"] != "active":
        raise CredentialInvalid(f"organisation '{org_id}' is not active")
    m = _get(state, keys.member_key(address))
    if m is None or m["org"] != org_id:
        raise CredentialInvalid(f"{kid} is not a member of '{org_id}'")
    if m["status"] != "active":
        raise CredentialInvalid(f"{kid} is a {m['status']} member of '{org_id}'")
    if not set(roles) & set(m["roles"]):
        raise CredentialInvalid(f"{kid} does not hold the role {' or '.join(roles)}")
    jwk: dict[str, Any] = jwk_from_public_key(suite_name, m["public_key"])
    return jwk


def get_oidc_provider(state: KVReader, issuer: str) -> dict[str, Any] | None:
    """The identity provider registered (``idp.set`` with ``oidc``) with issuer URL
    ``issuer``, enabled or not, or None."""
    for rec in list_idps(state):
        if (rec.get("oidc") or {}).get("issuer") == issuer:
            return rec
    return None


def _check_id_token(
    state: KVReader, token: str, *, subject: str, now_ms: int, nonce: str | None
) -> dict[str, Any]:
    from wuyi.vc import idtoken, jose

    iss = jose.unverified_payload(token).get("iss")
    idp = get_oidc_provider(state, iss) if isinstance(iss, str) else None
    if idp is None or not idp["enabled"]:
        raise CredentialInvalid(
            f"{iss!r} is not the issuer of an enabled identity provider (idp.set oidc)",
            rule="provider",
        )
    res = idtoken.check_id_token(token, provider=idp, subject=subject, now_ms=now_ms, nonce=nonce)
    return {
        "provider": idp["org"],
        "level": res["level"],
        "real_name": res["real_name"],
        "face": res["face"],
        "iat": res["iat"],
    }


def check_assurance(
    state: KVReader,
    suite_name: str,
    token: str,
    *,
    subject: str | None,
    now_ms: int,
    nonce: str | None = None,
) -> dict[str, Any]:
    """Verify an identity-assurance attestation against the state: either a Wuyi attestation
    (``wuyi.vc.assurance``) signed by an active ``idp`` member of an enabled provider, or an
    OpenID Connect ID token (``wuyi.vc.idtoken``) of an enabled provider registered with
    ``oidc``, checked against its keys on chain, its ``aud``, and ``nonce`` (when given; a
    consent passes its terms' :func:`~wuyi.vc.idtoken.consent_nonce`). Either way ``level``
    at most the provider's ``max_level``, ``sub`` = ``subject``, ``now_ms`` within ``[iat,
    exp]``. Returns ``{provider, level, real_name, face, iat}``; raises
    :class:`CredentialInvalid` naming the failed rule."""
    from wuyi.vc import assurance, idtoken, jose

    if subject is None:
        raise CredentialInvalid(
            "the sender has no active DID to match the attestation's sub", rule="sub"
        )
    if idtoken.is_id_token(token):
        return _check_id_token(state, token, subject=subject, now_ms=now_ms, nonce=nonce)
    payload = jose.unverified_payload(token)
    iss = payload.get("iss")
    org_id = org_id_of_did(iss) if isinstance(iss, str) else None
    if org_id is None:
        raise CredentialInvalid(
            f"iss {iss!r} is not an organisation DID did:wuyi:org:<org>", rule="iss"
        )
    idp = get_idp(state, org_id)
    if idp is None or not idp["enabled"]:
        raise CredentialInvalid(
            f"'{org_id}' is not an enabled identity provider (idp.set)", rule="provider"
        )

    def lookup_jwk(iss_: str, kid: str) -> dict[str, Any]:
        if iss_ != iss:
            raise CredentialInvalid(f"iss {iss_!r} changed during verification")
        return lookup_org_jwk(state, suite_name, iss_, kid, roles=("idp",))

    res = assurance.check_attestation(
        token,
        lookup_jwk=lookup_jwk,
        subject=subject,
        now_ms=now_ms,
        max_level=idp["max_level"],
    )
    return {
        "provider": org_id,
        "level": res["level"],
        "real_name": res["real_name"],
        "face": res["face"],
        "iat": res["iat"],
    }


# -- governance actions -------------------------------------------------------------------------


class VcSetTypeAction(GovAction):
    """Create or replace a credential type and the organisations that may issue it."""

    type = "vc.set_type"
    policy_name = POLICY_NAME
    fields: ClassVar[_FieldSpec] = {
        "type": (str, True),
        "issuers": (list, True),
        "claims": (list, True),
        "description": (str, False),
    }

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        _validate_type(args["type"], self.type)
        if len(args["issuers"]) > MAX_ISSUERS:
            raise ValidationError(f"{self.type}: at most {MAX_ISSUERS} issuers", field="issuers")
        for org in args["issuers"]:
            if not isinstance(org, str):
                raise ValidationError(f"{self.type}: issuers are org ids", field="issuers")
            _validate_org(org, self.type, "issuers")
        if len(set(args["issuers"])) != len(args["issuers"]):
            raise ValidationError(f"{self.type}: issuers contain duplicates", field="issuers")
        _validate_claims(args["claims"], self.type)
        if len(args.get("description", "")) > MAX_DESCRIPTION_CHARS:
            raise ValidationError(
                f"{self.type}: description longer than {MAX_DESCRIPTION_CHARS} characters",
                field="description",
            )

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        for org in args["issuers"]:
            _require_org(ctx, org, self.type)

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        rec = {
            "type": args["type"],
            "issuers": list(args["issuers"]),
            "claims": list(args["claims"]),
            "description": args.get("description", ""),
            "updated_height": ctx.height,
        }
        ctx.state.set_obj(keys.vc_type_key(args["type"]), rec)
        ctx.emit("vc.type_set", type=args["type"], issuers=rec["issuers"])


class IdpSetAction(GovAction):
    """Enable, disable or re-level an identity provider."""

    type = "idp.set"
    policy_name = POLICY_NAME
    fields: ClassVar[_FieldSpec] = {
        "org": (str, True),
        "enabled": (bool, True),
        "max_level": (int, True),
        "oidc": (dict, False),
    }

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        _validate_org(args["org"], self.type, "org")
        if not 1 <= args["max_level"] <= MAX_LEVEL:
            raise ValidationError(
                f"{self.type}: max_level must be 1 to {MAX_LEVEL}", field="max_level"
            )
        if "oidc" in args:
            _validate_oidc(args["oidc"], self.type)

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        _require_org(ctx, args["org"], self.type)
        if "oidc" in args:
            other = get_oidc_provider(ctx.state, args["oidc"]["issuer"])
            if other is not None and other["org"] != args["org"]:
                raise TxFailed(
                    f"{self.type}: issuer {args['oidc']['issuer']} is already '{other['org']}'"
                )

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        rec = {"org": args["org"], "enabled": args["enabled"], "max_level": args["max_level"]}
        ctx.emit("idp.set", **rec)
        if "oidc" in args:
            rec["oidc"] = args["oidc"]
        ctx.state.set_obj(keys.idp_key(args["org"]), rec)


def _validate_oidc(oidc: Any, where: str) -> None:
    """``idp.set`` ``oidc``: {issuer: URL, audience: str, jwks: [1-8 public JWKs with kid],
    acr_levels: {acr: 1..4}} — the keys must be ones the chain verifies (``ES256``, ``EdDSA``,
    ``SM2``) and hold no private part."""
    from wuyi.vc.jose import verification_alg

    def bad(message: str) -> ValidationError:
        return ValidationError(f"{where}: oidc: {message}", field="oidc")

    if set(oidc) != {"issuer", "audience", "jwks", "acr_levels"}:
        raise bad("needs exactly issuer, audience, jwks and acr_levels")
    issuer, audience = oidc["issuer"], oidc["audience"]
    if not isinstance(issuer, str) or not issuer.startswith(("https://", "http://")):
        raise bad(f"issuer must be an https:// URL, got {issuer!r}")
    if len(issuer) > 200 or not isinstance(audience, str) or not 1 <= len(audience) <= 200:
        raise bad("issuer and audience must be 1-200 characters")
    jwks = oidc["jwks"]
    if not isinstance(jwks, list) or not 1 <= len(jwks) <= MAX_PROVIDER_KEYS:
        raise bad(f"jwks must hold 1-{MAX_PROVIDER_KEYS} keys")
    for jwk in jwks:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str) or "d" in jwk:
            raise bad("each key must be a public JWK with a kid")
        try:
            verification_alg(jwk)
        except CredentialInvalid as exc:
            raise bad(f"key {jwk['kid']}: {exc.message}") from None
    levels = oidc["acr_levels"]
    if not isinstance(levels, dict) or not 1 <= len(levels) <= MAX_ACR_VALUES:
        raise bad(f"acr_levels must map 1-{MAX_ACR_VALUES} acr values to levels")
    for acr, level in levels.items():
        if not isinstance(acr, str) or not 1 <= len(acr) <= 200:
            raise bad("acr values must be strings of 1-200 characters")
        if type(level) is not int or not 1 <= level <= MAX_LEVEL:
            raise bad(f"acr {acr!r}: level must be 1 to {MAX_LEVEL}")


for _action in (VcSetTypeAction(), IdpSetAction()):
    register_action(_action, replace_existing=True)


# -- issuing and status -------------------------------------------------------------------------


class VcIssueHandler(Handler):
    kind = "vc.issue"
    fields: ClassVar[_FieldSpec] = {
        "type": (str, True),
        "commitment": (bytes, True),
        "expires": (int, True),
        "idx": (int, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _validate_type(payload["type"], self.kind)
        if len(payload["commitment"]) != 32:
            raise ValidationError("vc.issue: commitment must be 32 bytes", field="commitment")
        if payload["expires"] < 0:
            raise ValidationError(
                "vc.issue: expires is seconds since the epoch, or 0 for none", field="expires"
            )
        if payload["idx"] < 0:
            raise ValidationError("vc.issue: idx must not be negative", field="idx")

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        if get_credential_type(ctx.state, p["type"]) is None:
            raise TxFailed(f"no credential type '{p['type']}' (governance: vc.set_type)")
        if p["expires"] and p["expires"] * 1000 <= ctx.time:
            raise TxFailed(f"vc.issue: expires {p['expires']} is not after the block time")

    def authorize(self, ctx: ExecContext) -> None:
        m = ctx.require_member(("issuer",))
        rec = get_credential_type(ctx.state, ctx.tx.payload["type"])
        assert rec is not None
        if m["org"] not in rec["issuers"]:
            raise Unauthorized(
                f"organisation '{m['org']}' may not issue {rec['type']}"
                f" (issuers: {', '.join(rec['issuers']) or 'none'})"
            )

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        org = ctx.require_member(("issuer",))["org"]
        idx = next_credential_index(ctx.state, org)
        if p["idx"] != idx:
            raise TxFailed(
                f"index taken; read vc/next/{org} again (next is {idx}, payload has {p['idx']})"
            )
        ctx.state.set_obj(keys.vc_next_key(org), idx + 1)
        rec = {
            "org": org,
            "idx": idx,
            "type": p["type"],
            "commitment": p["commitment"],
            "issuer": ctx.sender_address,
            "status": "valid",
            "issued_height": ctx.height,
            "issued_time": ctx.time,
            "expires": p["expires"],
            "history": [{"status": "valid", "height": ctx.height, "reason": "issued"}],
        }
        ctx.state.set_obj(keys.vc_status_key(org, idx), rec)
        ctx.emit("vc.issued", org=org, idx=idx, type=p["type"], commitment=p["commitment"])


class VcSetStatusHandler(Handler):
    kind = "vc.set_status"
    fields: ClassVar[_FieldSpec] = {
        "idx": (int, True),
        "status": (str, True),
        "reason": (str, True),
    }
    roles = ("issuer", "admin")

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        if payload["idx"] < 0:
            raise ValidationError("vc.set_status: idx must not be negative", field="idx")
        if payload["status"] not in CREDENTIAL_STATUSES:
            raise ValidationError(
                f"vc.set_status: status must be one of {list(CREDENTIAL_STATUSES)}",
                field="status",
            )
        if len(payload["reason"]) > MAX_REASON_CHARS:
            raise ValidationError(
                f"vc.set_status: reason longer than {MAX_REASON_CHARS} characters",
                field="reason",
            )

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member(self.roles)

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        org = ctx.require_member(self.roles)["org"]
        rec = get_credential_status(ctx.state, org, p["idx"])
        if rec is None:
            raise TxFailed(f"organisation '{org}' has issued no credential {p['idx']}")
        if rec["status"] == "revoked":
            raise TxFailed(f"credential {org}/{p['idx']} is revoked; revocation is final")
        if rec["status"] == p["status"]:
            raise TxFailed(f"credential {org}/{p['idx']} is already {p['status']}")
        rec["status"] = p["status"]
        rec["history"].append({"status": p["status"], "height": ctx.height, "reason": p["reason"]})
        ctx.state.set_obj(keys.vc_status_key(org, p["idx"]), rec)
        ctx.emit("vc.status", org=org, idx=p["idx"], status=p["status"])


# -- consent ------------------------------------------------------------------------------------


class ConsentGrantHandler(Handler):
    kind = "consent.grant"
    fields: ClassVar[_FieldSpec] = {
        "holder": (str, True),
        "verifier": (str, True),
        "types": (list, True),
        "claims": (list, True),
        "purpose": (str, True),
        "not_before": (int, True),
        "not_after": (int, True),
        "assurance": (str, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        k = self.kind
        validate_subject_did(payload["holder"], k, "holder")
        _validate_org(payload["verifier"], k, "verifier")
        if not payload["types"]:
            raise ValidationError(f"{k}: types must name at least one type", field="types")
        _validate_names(
            payload["types"], k, "types", pattern=_TYPE, limit=MAX_TYPES, what="credential type"
        )
        _validate_claims(payload["claims"], k)
        if not 1 <= len(payload["purpose"]) <= MAX_PURPOSE_CHARS:
            raise ValidationError(
                f"{k}: purpose must be 1-{MAX_PURPOSE_CHARS} characters", field="purpose"
            )
        nb, na = payload["not_before"], payload["not_after"]
        if nb < 0 or na <= nb:
            raise ValidationError(f"{k}: not_after must be after not_before", field="not_after")
        if na - nb > MAX_CONSENT_MS:
            raise ValidationError(
                f"{k}: the window is longer than {MAX_CONSENT_MS} ms (365 days)",
                field="not_after",
            )
        token = payload.get("assurance")
        if token is not None and not 1 <= len(token) <= MAX_ATTESTATION_CHARS:
            raise ValidationError(
                f"{k}: assurance must be an attestation token of 1-{MAX_ATTESTATION_CHARS}"
                " characters",
                field="assurance",
            )

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        _require_org(ctx, p["verifier"], self.kind)
        if p["not_after"] <= ctx.time:
            raise TxFailed(f"{self.kind}: the window ends before this block's time")
        self._assurance(ctx)

    def _assurance(self, ctx: ExecContext) -> dict[str, Any] | None:
        """The holder's identity assurance checked at block time, or None if not given."""
        p = ctx.tx.payload
        token = p.get("assurance")
        if token is None:
            return None
        try:
            from wuyi.vc.idtoken import consent_nonce

            res = check_assurance(
                ctx.state,
                ctx.chain.suite.name,
                token,
                subject=p["holder"],
                now_ms=ctx.time,
                nonce=consent_nonce(ctx.chain.suite.hash, p),
            )
        except CredentialInvalid as exc:
            raise TxFailed(
                f"{self.kind}: identity assurance refused: {exc.message}",
                rule=exc.detail.get("rule", ""),
            ) from None
        return {
            "provider": res["provider"],
            "level": res["level"],
            "real_name": res["real_name"],
            "face": res["face"],
            "iat": res["iat"],
        }

    def authorize(self, ctx: ExecContext) -> None:
        require_did_key(ctx, ctx.tx.payload["holder"])

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        cid = ctx.tx_hash[:16]
        rec = {
            "id": cid,
            "holder": p["holder"],
            "verifier": p["verifier"],
            "types": list(p["types"]),
            "claims": list(p["claims"]),
            "purpose": p["purpose"],
            "not_before": p["not_before"],
            "not_after": p["not_after"],
            "status": "active",
            "granted_height": ctx.height,
            "granted_time": ctx.time,
            "revoked_height": None,
            "uses": 0,
            "assurance": self._assurance(ctx),
        }
        ctx.state.set_obj(keys.consent_key(cid), rec)
        ctx.state.set_obj(keys.consent_holder_key(p["holder"], cid), 1)
        ctx.emit("consent.granted", id=cid, holder=p["holder"], verifier=p["verifier"])


class ConsentRevokeHandler(Handler):
    kind = "consent.revoke"
    fields: ClassVar[_FieldSpec] = {"id": (bytes, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        if len(payload["id"]) != 16:
            raise ValidationError("consent.revoke: id must be 16 bytes", field="id")

    def _load(self, ctx: ExecContext) -> dict[str, Any]:
        rec = get_consent(ctx.state, ctx.tx.payload["id"])
        if rec is None:
            raise TxFailed(f"no consent {ctx.tx.payload['id'].hex()}")
        return rec

    def dynamic_validate(self, ctx: ExecContext) -> None:
        rec = self._load(ctx)
        if rec["status"] != "active":
            raise TxFailed(f"consent {rec['id'].hex()} is already {rec['status']}")

    def authorize(self, ctx: ExecContext) -> None:
        require_did_key(ctx, self._load(ctx)["holder"])

    def apply(self, ctx: ExecContext) -> None:
        rec = self._load(ctx)
        rec["status"] = "revoked"
        rec["revoked_height"] = ctx.height
        ctx.state.set_obj(keys.consent_key(rec["id"]), rec)
        ctx.emit("consent.revoked", id=rec["id"], holder=rec["holder"])


# -- verification records -----------------------------------------------------------------------


def assured_level(consent: dict[str, Any]) -> int:
    """The identity-assurance level a consent was granted under: the attestation's level if it
    confirmed both real name and face, else 0."""
    a = consent.get("assurance") or {}
    if not (a.get("real_name") is True and a.get("face") is True):
        return 0
    level = a.get("level", 0)
    return level if type(level) is int else 0


def chain_verdict(
    state: KVReader,
    now_ms: int,
    *,
    org: str,
    nonce: bytes,
    consent: dict[str, Any] | None,
    creds: list[dict[str, Any]],
    min_assurance: int = 0,
) -> str:
    """What only the chain can check about a presentation of ``creds`` (each
    ``{presentation_hash, issuer_org, idx, type, disclosed, kb_exp}``) to ``org`` under
    ``consent`` with ``nonce``, at ``now_ms``: the first reason to refuse, in the order of
    :data:`VERIFY_REASONS` (after ``offchain``), or ``""``. Shared by ``vc.verify`` and
    ``wuyi.contract.presentation``."""
    st = state
    if any(st.get(keys.vc_used_key(c["presentation_hash"])) is not None for c in creds):
        return "replay"
    if st.get(keys.vc_nonce_key(org, nonce)) is not None:
        return "replay"
    if consent is None:
        return "no_consent"
    if consent["status"] != "active":
        return "consent_revoked"
    holder = _get(st, keys.did_key(consent["holder"]))
    if holder is None or holder["status"] != "active":
        return "consent_revoked"  # a deactivated holder's consents no longer hold
    if now_ms < consent["not_before"]:
        return "consent_not_yet"
    if now_ms > consent["not_after"]:
        return "consent_expired"
    if org != consent["verifier"]:
        return "wrong_verifier"
    if any(c["type"] not in consent["types"] for c in creds):
        return "type_not_consented"
    if not {d for c in creds for d in c["disclosed"]} <= set(consent["claims"]):
        return "claims_not_consented"
    if min_assurance and assured_level(consent) < min_assurance:
        return "assurance_too_low"
    for c in creds:
        cred = get_credential_status(st, c["issuer_org"], c["idx"])
        if cred is None or cred["type"] != c["type"]:
            return "unknown_credential"
        if cred["status"] == "revoked":
            return "credential_revoked"
        if cred["status"] == "suspended":
            return "credential_suspended"
        if cred["expires"] and now_ms > cred["expires"] * 1000:
            return "credential_expired"
        vc_type = get_credential_type(st, c["type"])
        if vc_type is None or c["issuer_org"] not in vc_type["issuers"]:
            return "issuer_not_authorised"
    if any(now_ms > c["kb_exp"] * 1000 for c in creds):
        return "expired"
    return ""


def record_check(
    state: Any,
    *,
    check_id: bytes,
    height: int,
    time: int,
    verifier: str,
    verifier_member: bytes,
    nonce: bytes,
    consent_id: bytes,
    consent: dict[str, Any] | None,
    holder: str,
    creds: list[dict[str, Any]],
    reason: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the record of one check the chain made (``vc/check/<check_id>``, ``basis``
    ``"chain"``). ``holder`` is the DID proven to have made the presentation (``""`` if the
    refusal came before that was proven); ``consent`` the consent record if it is that
    holder's, else None. Accepted (``reason`` is ``""``): spend the presentation hashes and
    the nonce, count a use of the consent and index it under the holder (:func:`list_uses`).
    Refused: index it under the proven holder's refused checks (:func:`list_refused`), never
    under anyone else — a presentation naming another person's consent stays out of that
    person's log. Returns the record. ``state`` has ``set_obj`` (the transaction's journaled
    view). Shared by ``vc.verify`` and ``wuyi.contract.presentation``; ``extra`` adds fields
    (e.g. the contract that checked)."""
    result = "refused" if reason else "accepted"
    if consent is not None and consent["holder"] != holder:
        consent = None  # never let one holder's act touch another's consent
    listed = [
        {k: c[k] for k in ("issuer_org", "idx", "type", "disclosed", "presentation_hash")}
        for c in creds
    ]
    rec = {
        "tx_hash": check_id,
        "verifier": verifier,
        "verifier_member": verifier_member,
        "holder": holder,
        "consent": consent_id,
        "credentials": listed,
        "types": [c["type"] for c in listed if c["type"]],
        "disclosed": sorted({d for c in listed for d in c["disclosed"]}),
        "result": result,
        "reason": reason,
        "height": height,
        "time": time,
        "purpose": consent["purpose"] if consent is not None else "",
        "basis": BASIS_CHAIN,
        **(extra or {}),
    }
    state.set_obj(keys.vc_check_key(check_id), rec)
    if result == "accepted":
        assert consent is not None and holder
        for c in listed:
            state.set_obj(keys.vc_used_key(c["presentation_hash"]), check_id)
        state.set_obj(keys.vc_nonce_key(verifier, nonce), check_id)
        consent["uses"] += 1
        state.set_obj(keys.consent_key(consent_id), consent)
        state.set_obj(keys.consent_use_key(holder, height, check_id), check_id)
    elif holder:
        state.set_obj(keys.consent_refused_key(holder, height, check_id), check_id)
    return rec
