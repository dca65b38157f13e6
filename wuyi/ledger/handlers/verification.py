"""Verifying a presentation on chain: the one implementation behind ``vc.verify`` and
``wuyi.contract.presentation`` (``docs/credentials.md``, "Verification: who checks what").

Whatever the chain records as a check, the chain checked: :func:`check_presentation` verifies
the presentation itself against the state at block time — the issuer's signature with the
issuer organisation's keys in state, each disclosure's digest, the key-binding JWT over the
verifier's nonce and audience, **holder binding**, the status entry and commitment on chain,
the consent (the holder's own, active, in its window, for this verifier, covering the types and
claims, with the identity assurance a service requires) and replay — and returns the verdict.
A verifier's own word is never recorded as a check.

Holder binding (issue #16): one DID is the holder of the credential, of the presentation's
key and of the consent, or the presentation is refused as ``holder_mismatch``:

* the **credential's holder** is its ``sub`` (a subject DID ``did:wuyi:<hex>``); a
  ``credentialSubject.id`` must name the same DID;
* the **key-binding key** is the credential's ``cnf.jwk``, which signed the KB-JWT; it must be
  a current ``authentication`` key of that DID's document in state (``did/<did>``);
* the **consent** named by the KB-JWT (``consent``) must have that DID as ``holder``;
* every credential of one presentation has the same holder, and a contract's caller
  (``ctx.sender_did``) must be that holder too.

Where the presentation comes from is :func:`presentation_text`: the transaction's private
side-car (``wuyi.ledger.sidecar``), named in the payload by its hash (``"sidecar:<hex>"``) —
the presentation's disclosures never enter the transaction, the block, a receipt or an event.

Kind
====

* ``vc.verify`` {presentation: "sidecar:<hex>", nonce: bytes, min_assurance?: int} — any
  active member of the verifying organisation records the check of a presentation made to it:
  one SD-JWT with its KB-JWT per line (1-8 credentials, all bound to the organisation's DID,
  ``nonce`` and one consent), sent as the transaction's private side-car of that hash (an
  inline presentation is refused at the door); accepted, it is one use. ``min_assurance``
  (0-4): the service requires the consent to have been granted after identity assurance of
  at least that level. The transaction
  succeeds either way and records the chain's verdict (``vc/check/<tx_hash>``, ``basis:
  "chain"``); gas as ``presentation()``: two signature checks per credential, the text's
  hashing and the records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from wuyi.abc import KVReader, Suite
from wuyi.encoding import decode_trusted
from wuyi.exceptions import PresentationRefused, ValidationError, WuyiError
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler
from wuyi.ledger.handlers.credentials import (
    MAX_LEVEL,
    MAX_NONCE,
    MAX_PRESENTED,
    MIN_NONCE,
    REASON_MESSAGES,
    chain_verdict,
    get_consent,
    get_credential_status,
    lookup_org_jwk,
    record_check,
)
from wuyi.ledger.handlers.did import get_did_record, is_subject_did, org_id_of_did
from wuyi.ledger.handlers.identity import is_org_id
from wuyi.ledger.sidecar import REF_PREFIX, is_sidecar_ref, parse_sidecar_ref
from wuyi.params import ChainParams
from wuyi.runtime.meter import GasSchedule, presentation_cost

__all__ = [
    "MAX_KB_AGE_S",
    "PresentationCheck",
    "VcVerifyHandler",
    "check_presentation",
    "presentation_gas",
    "presentation_gas_of",
    "presentation_text",
]

#: How old a key-binding JWT may be at block time (seconds).
MAX_KB_AGE_S = 300
_SUBJECT = "credentialSubject"
_ORG_DID = "did:wuyi:org:"
#: OpenID4VP 1.0's client identifier prefix for DIDs (``wuyi.oid4vp.request``)
CLIENT_ID_PREFIX = "decentralized_identifier:"
_HEX = re.compile(r"^[0-9a-f]{32}$")
_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,63}$")
_SCHEDULE = GasSchedule()


@dataclass
class PresentationCheck:
    """The chain's verdict on one presentation. ``reason`` is ``""`` when accepted, else the
    first reason to refuse (``docs/credentials.md``) with ``message`` in words.

    ``holder`` is the DID proven to have made the presentation — every key-binding JWT verified
    with an authentication key of that DID, the holder of every credential — or ``""`` when
    the refusal came before that was proven. ``consent`` is the consent record if it exists
    and is ``holder``'s (else None); ``creds`` one entry per line ``{presentation_hash,
    issuer_org, idx, type, disclosed, kb_exp}`` (fields not verified yet are ``""``/None/[]);
    ``claims`` the disclosed values (accepted only: never written to state)."""

    reason: str = ""
    message: str = ""
    holder: str = ""
    consent_id: bytes = b""
    consent: dict[str, Any] | None = None
    creds: list[dict[str, Any]] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return not self.reason

    def refuse(self, reason: str, message: str) -> PresentationCheck:
        self.reason, self.message, self.claims = reason, message, {}
        return self


def presentation_lines(text: str) -> list[str]:
    """The non-empty lines of a presentation (one SD-JWT + KB-JWT each)."""
    return [x.strip() for x in text.split("\n") if x.strip()]


def presentation_gas(text: str, schedule: GasSchedule = _SCHEDULE) -> int:
    """What checking and recording ``text`` costs: ``verify`` twice per credential (the issuer's
    and the holder's signatures), ``hash_unit`` per 32 bytes and ``state_write`` per record —
    what ``wuyi.contract.presentation`` charges."""
    lines = max(1, min(text.count("\n") + 1, MAX_PRESENTED + 1))
    return presentation_cost(schedule, len(text), lines)


def presentation_gas_of(data: bytes, schedule: GasSchedule = _SCHEDULE) -> int:
    """:func:`presentation_gas` of a side-car's bytes (the text, when it is ASCII)."""
    lines = max(1, min(data.count(b"\n") + 1, MAX_PRESENTED + 1))
    return presentation_cost(schedule, len(data), lines)


def _blank(suite: Suite, line: str) -> dict[str, Any]:
    return {
        "presentation_hash": suite.hash(line.encode("utf-8")),
        "issuer_org": "",
        "idx": None,
        "type": "",
        "disclosed": [],
        "kb_exp": 0,
    }


def _authentication_keys(state: KVReader, did: str) -> list[bytes]:
    """The current authentication keys of subject DID ``did`` in state (any status: a
    deactivated DID's consents are refused by the chain's verdict, ``consent_revoked``)."""
    rec = get_did_record(state, did)
    return [
        k["public_key"] for k in (rec or {}).get("keys", []) if "authentication" in k["purposes"]
    ]


def check_presentation(
    state: KVReader,
    suite: Suite,
    now_ms: int,
    *,
    text: str,
    verifier: str,
    nonce: str,
    min_assurance: int = 0,
    presenter: str | None = None,
) -> PresentationCheck:
    """Verify ``text`` (one SD-JWT presentation with its KB-JWT per line) made to organisation
    ``verifier`` for ``nonce``, at block time ``now_ms``, against ``state``. ``presenter``: the
    DID that must be the holder (a contract's caller), or None (``vc.verify``: the verifier
    submits the holder's presentation). Deterministic: no clock, no randomness.

    Checks, first failure wins: ``wrong_verifier`` (not an active organisation), ``malformed``
    (1-8 distinct lines), then per line ``wuyi.vc.sdjwt.verify`` (``bad_issuer_signature``
    against the issuer organisation's active ``issuer`` members, ``bad_disclosure``,
    ``expired``, ``no_key_binding``, ``bad_holder_signature``, ``wrong_audience`` =
    ``did:wuyi:org:<verifier>`` or, from an OpenID4VP wallet,
    ``decentralized_identifier:did:wuyi:org:<verifier>``, ``wrong_nonce``, ``stale``) and
    holder binding (``holder_mismatch``); then the credentials' status entries and commitments
    (``unknown_credential``, ``not_registered``), the consent named (``no_consent``,
    ``holder_mismatch``) and :func:`~wuyi.ledger.handlers.credentials.chain_verdict` (replay,
    consent, assurance, status, issuer authority, expiry)."""
    from wuyi.vc import sdjwt
    from wuyi.vc.jose import public_key_from_jwk

    lines = presentation_lines(text)
    out = PresentationCheck(creds=[_blank(suite, x) for x in lines[:MAX_PRESENTED]])
    org = state.get(keys.org_key(verifier))
    if org is None or decode_trusted(org)["status"] != "active":
        return out.refuse("wrong_verifier", f"'{verifier}' is not an active organisation")
    if not 1 <= len(lines) <= MAX_PRESENTED:
        return out.refuse("malformed", f"a presentation holds 1-{MAX_PRESENTED} lines")
    if len(set(lines)) != len(lines):
        return out.refuse("malformed", "a credential is presented twice")

    def issuer_jwk(iss: str, kid: str | None) -> dict[str, Any]:
        return lookup_org_jwk(state, suite.name, iss, kid or "", roles=("issuer",))

    # the verifier's DID, or its OpenID4VP client identifier (``decentralized_identifier:``
    # + the DID, OpenID4VP 1.0 §5.9.3), which wallets put in ``aud``: either, nothing else
    auds = (_ORG_DID + verifier, CLIENT_ID_PREFIX + _ORG_DID + verifier)
    verified: list[Any] = []
    holders: dict[str, None] = {}  # ordered and deterministic, unlike a set
    named: dict[Any, None] = {}
    auth_keys: dict[str, list[bytes]] = {}
    # 1. each line's signatures, disclosures and key binding, and whose it is
    for line, cred in zip(lines, out.creds, strict=True):
        claimed = _kb_aud(line)
        try:
            v = sdjwt.verify(
                line,
                issuer_jwk=issuer_jwk,
                audience=claimed if claimed in auds else auds[0],
                nonce=nonce,
                now_s=now_ms // 1000,
                max_kb_age_s=MAX_KB_AGE_S,
            )
        except PresentationRefused as exc:
            return out.refuse(str(exc.detail.get("reason", "malformed")), exc.message)
        except WuyiError as exc:
            return out.refuse("malformed", exc.message)
        payload, kb = v.payload, v.kb or {}
        _describe(cred, payload, v.disclosed)
        holder = payload.get("sub")
        subj = v.claims.get(_SUBJECT)
        subj = subj if isinstance(subj, dict) else {}
        if not isinstance(holder, str) or not is_subject_did(holder):
            return out.refuse("malformed", "the credential names no holder DID (sub)")
        if subj.get("id", holder) != holder:
            return out.refuse("malformed", "sub and credentialSubject.id differ")
        try:
            _, cnf_key = public_key_from_jwk(payload["cnf"]["jwk"])
        except (WuyiError, KeyError, TypeError):
            return out.refuse("bad_holder_signature", "cnf.jwk is not a usable key")
        if holder not in auth_keys:
            auth_keys[holder] = _authentication_keys(state, holder)
        if cnf_key not in auth_keys[holder]:
            return out.refuse(
                "holder_mismatch",
                f"the key-binding key is not an authentication key of the credential's holder"
                f" {holder}",
            )
        kb_exp = kb.get("exp")
        if type(kb_exp) is not int:
            return out.refuse("malformed", "the KB-JWT has no integer exp")
        if now_ms > kb_exp * 1000:
            return out.refuse("expired", f"KB-JWT expired at {kb_exp}")
        cred["kb_exp"] = kb_exp
        holders[holder] = None
        consent_named = kb.get("consent")
        named[consent_named if isinstance(consent_named, str) else None] = None
        verified.append(v)
    if len(holders) != 1:
        return out.refuse("holder_mismatch", "the credentials are held by different DIDs")
    (holder,) = holders
    out.holder = holder  # proven: every KB-JWT verified with one of its authentication keys
    if presenter is not None and presenter != holder:
        return out.refuse(
            "holder_mismatch", f"the credentials are {holder}'s; the sender is {presenter}"
        )
    # 2. what the chain knows of each credential
    values: dict[str, Any] = {}
    for v, cred in zip(verified, out.creds, strict=True):
        iss_org, idx, vct = cred["issuer_org"], cred["idx"], cred["type"]
        if not iss_org or idx is None or not vct:
            return out.refuse(
                "unknown_credential",
                "the credential names no status entry of its issuer (status, vct)",
            )
        rec = get_credential_status(state, iss_org, idx)
        if rec is None or rec["type"] != vct:
            return out.refuse("unknown_credential", f"no {vct} {iss_org}/{idx} on chain")
        if rec["commitment"] != suite.hash(v.jwt.encode("ascii")):
            return out.refuse(
                "not_registered",
                f"credential {iss_org}/{idx} differs from the one registered on chain",
            )
        subj = v.claims.get(_SUBJECT)
        subj = subj if isinstance(subj, dict) else {}
        for n in cred["disclosed"]:
            if n in values:
                return out.refuse("bad_disclosure", f"claim '{n}' is disclosed twice")
            values[n] = subj.get(n, v.claims.get(n))
    # 3. the consent: named once, and the holder's own
    consent_hex = next(iter(named)) if len(named) == 1 else None  # the one key of a dict
    if not isinstance(consent_hex, str) or not _HEX.match(consent_hex):
        return out.refuse("no_consent", "the presentations do not name one consent id")
    out.consent_id = bytes.fromhex(consent_hex)
    consent = get_consent(state, out.consent_id)
    if consent is not None and consent["holder"] != holder:
        return out.refuse(
            "holder_mismatch", f"consent {consent_hex} is not {holder}'s; only its holder uses it"
        )
    out.consent = consent
    # 4. the chain's verdict: replay, consent, assurance, status, authority, expiry
    reason = chain_verdict(
        state,
        now_ms,
        org=verifier,
        nonce=nonce.encode("ascii"),
        consent=consent,
        creds=out.creds,
        min_assurance=min_assurance,
    )
    if reason:
        return out.refuse(reason, REASON_MESSAGES.get(reason, reason))
    out.claims = values
    return out


def _kb_aud(line: str) -> Any:
    """The ``aud`` a presentation's key-binding JWT claims, unverified (the signature check
    that follows covers it); None if it cannot be read."""
    from wuyi.vc.jose import unverified_payload

    kb = line.rsplit("~", 1)[-1]
    try:
        return unverified_payload(kb).get("aud") if kb else None
    except WuyiError:
        return None


def _describe(cred: dict[str, Any], payload: dict[str, Any], disclosed: Any) -> None:
    """Fill ``cred`` from a credential whose issuer signature and disclosures verified: issuer
    organisation, status index, type and disclosed claim names (credentialSubject properties
    by their own name), each only if well-formed."""
    status = payload.get("status")
    sl = status.get("status_list") if isinstance(status, dict) else None
    idx = sl.get("idx") if isinstance(sl, dict) else None
    uri = sl.get("uri") if isinstance(sl, dict) else None
    iss_org = org_id_of_did(str(payload.get("iss")))
    vct = payload.get("vct")
    if (
        iss_org is not None
        and is_org_id(iss_org)
        and type(idx) is int
        and 0 <= idx < 2**63
        and uri == f"wuyi:vc/status/{iss_org}"
    ):
        cred["issuer_org"], cred["idx"] = iss_org, idx
    if isinstance(vct, str) and _TYPE.match(vct):
        cred["type"] = vct
    cred["disclosed"] = sorted(str(n).removeprefix(_SUBJECT + ".") for n in disclosed)


def presentation_text(ctx: ExecContext, ref: Any) -> str | None:
    """Where the presentation a transaction refers to comes from: ``ref`` is the reference
    ``"sidecar:<hash>"`` (``wuyi.ledger.sidecar``) in the payload (``vc.verify``'s
    ``presentation``, a contract's ``presentation()`` argument); the text is the transaction's
    private side-car of that hash, which execution was given (``ctx.sidecars``) — the block
    holds only the hash. None if ``ref`` names no side-car of this transaction or the bytes
    are not ASCII text (an SD-JWT presentation is)."""
    h = parse_sidecar_ref(ref)
    data = None if h is None else ctx.sidecars.get(h)
    if data is None or not data.isascii():
        return None
    return data.decode("ascii")


class VcVerifyHandler(Handler):
    """One check of one presentation, verified by the chain (module docstring); accepted, it
    counts as one use of the consent."""

    kind = "vc.verify"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "presentation": (str, True),
        "nonce": (bytes, True),
        "min_assurance": (int, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        k = self.kind
        legacy = sorted({"offchain", "credentials", "consent"} & set(payload))
        if legacy:
            raise ValidationError(
                f"{k}: the chain verifies the presentation itself: send the holder's"
                f" presentation text and the nonce ({{presentation, nonce}}); {legacy} are no"
                " longer accepted — a verifier's own verdict is not recorded as a check",
                field=legacy[0],
            )
        super().static_validate(payload, chain, params)
        nonce = payload["nonce"]
        if not MIN_NONCE <= len(nonce) <= MAX_NONCE or not nonce.isascii():
            raise ValidationError(
                f"{k}: nonce must be {MIN_NONCE}-{MAX_NONCE} ASCII bytes (the nonce the"
                " verifier sent the holder)",
                field="nonce",
            )
        if not is_sidecar_ref(payload["presentation"]):
            raise ValidationError(
                f"{k}: presentation must be a private side-car reference"
                f" '{REF_PREFIX}<hash>', with the presentation text sent beside the"
                " transaction (POST /v1/txs {tx, sidecars}); a presentation in the payload"
                " would put the holder's disclosed claims into the block",
                field="presentation",
            )
        level = payload.get("min_assurance", 0)
        if not 0 <= level <= MAX_LEVEL:
            raise ValidationError(
                f"{k}: min_assurance must be an assurance level 0-{MAX_LEVEL}",
                field="min_assurance",
            )

    def reserved_gas(
        self,
        payload: dict[str, Any],
        params: ChainParams,
        sidecars: Mapping[bytes, bytes] | None = None,
    ) -> int:
        h = parse_sidecar_ref(payload.get("presentation"))
        data = None if h is None or sidecars is None else sidecars.get(h)
        return 0 if data is None else presentation_gas_of(data)

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member()

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        org = ctx.require_member()["org"]
        h = parse_sidecar_ref(p["presentation"])
        ctx.gas_used += presentation_gas_of(ctx.sidecars.get(h, b"") if h else b"")
        text = presentation_text(ctx, p["presentation"])
        if text is None:
            out = PresentationCheck().refuse(
                "malformed", "the presentation side-car is not SD-JWT text (ASCII)"
            )
        else:
            out = check_presentation(
                ctx.state,
                ctx.chain.suite,
                ctx.time,
                text=text,
                verifier=org,
                nonce=p["nonce"].decode("ascii"),
                min_assurance=p.get("min_assurance", 0),
            )
        record_check(
            ctx.state,
            check_id=ctx.tx_hash,
            height=ctx.height,
            time=ctx.time,
            verifier=org,
            verifier_member=ctx.sender_address,
            nonce=p["nonce"],
            consent_id=out.consent_id,
            consent=out.consent,
            holder=out.holder,
            creds=out.creds,
            reason=out.reason,
        )
        ctx.emit(
            "vc.checked",
            result="refused" if out.reason else "accepted",
            reason=out.reason,
            consent=out.consent_id,
            credentials=len(out.creds),
        )
