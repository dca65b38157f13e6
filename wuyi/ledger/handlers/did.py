"""Decentralised identifiers of the ``did:wuyi`` method (``docs/did-method.md``).

Two shapes of DID:

* **Subject DIDs** (citizens, enterprises, apps): ``did:wuyi:`` + 32 lower-case hex digits,
  :func:`compute_did` of the key that created it (self-certifying). Stored at ``did/<did>``;
  every key of an active DID is indexed at ``did/-/key/<address>`` (a key belongs to at most
  one DID).
* **Organisation DIDs** ``did:wuyi:org:<org_id>``: not stored, derived from ``org/<id>`` and
  its active members — ``issuer`` and ``idp`` members are ``assertionMethod`` keys, ``admin``
  members ``authentication`` keys; method id ``did:wuyi:org:<org_id>#<wy-address>``.

Kinds (``did.create`` is sent by a member of an organisation with the right to register
citizens; the others are signed by DID keys and need no membership):

* ``did.create``       {public_key, proof, services?}    — a member with role ``idp`` or
  ``did_registrar`` (:data:`REGISTRAR_ROLES`) of an organisation that governance made a DID
  registrar (``did.set_registrar``, :func:`get_registrar`): the identity provider, a service
  centre. The DID is derived from ``public_key`` (the citizen's key, which becomes ``key-1``:
  authentication, assertionMethod, capabilityInvocation); ``proof`` is that key's signature
  over :func:`key_proof_message` for the new DID, so the key's holder asked for it. The record
  names the registering organisation (``registrar``). A new key cannot register itself: it is
  no member (``wuyi.ledger.admission``).
* ``did.add_key``      {did, public_key, purposes, proof} — an authentication key of ``did``;
  ``proof`` is the new key's signature over :func:`key_proof_message` (possession)
* ``did.remove_key``   {did, key_id}                     — never the last authentication key
* ``did.rotate_key``   {did, key_id, public_key, proof}  — replace a key by a new one (new id,
  same purposes) in one step
* ``did.set_services`` {did, services}                   — at most :data:`MAX_SERVICES`
* ``did.deactivate``   {did}                             — permanent; the key index is emptied

Governance action (policy ``credentials``, default ``MAJORITY``):

* ``did.set_registrar`` {org, enabled} — give or take an organisation's right to register
  citizens' DIDs; state ``did/-/registrar/<org>`` ``{org, enabled, updated_height}``.

Record (state ``did/<did>``)::

    {id, keys: [{id, public_key, purposes, added_height}], services: [{id, type, endpoint}],
     status: active|deactivated, created_height, created_time, updated_height, updated_time,
     version, last_tx, next_key, registrar}

Key ids are ``key-1``, ``key-2``, … and never reused (``next_key``). ``version`` starts at 1
and goes up by one with every change.

Readers (pure, over a :class:`~wuyi.abc.KVReader`): :func:`get_did_record`,
:func:`did_of_key`, :func:`authentication_did`, :func:`render_did_document`,
:func:`get_registrar`, :func:`list_registrars`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from wuyi.abc import KVReader, Suite
from wuyi.crypto import address_of, format_address, get_suite
from wuyi.encoding import decode_trusted, encode
from wuyi.exceptions import NotFound, TxFailed, Unauthorized, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler, validate_fields
from wuyi.ledger.handlers.governance import GovAction, register_action
from wuyi.ledger.handlers.identity import validate_member_key, validate_org_id
from wuyi.params import ChainParams

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "CREATE_PURPOSES",
    "DID_CONTEXT",
    "MAX_KEYS",
    "MAX_SERVICES",
    "ORG_DID_PREFIX",
    "PURPOSES",
    "REGISTRAR_POLICY",
    "REGISTRAR_ROLES",
    "DidAddKeyHandler",
    "DidCreateHandler",
    "DidDeactivateHandler",
    "DidRemoveKeyHandler",
    "DidRotateKeyHandler",
    "DidSetRegistrarAction",
    "DidSetServicesHandler",
    "authentication_did",
    "compute_did",
    "did_of_key",
    "get_did_record",
    "get_registrar",
    "is_org_did",
    "is_subject_did",
    "iso_time",
    "key_proof_message",
    "list_registrars",
    "org_did",
    "org_id_of_did",
    "org_verification_methods",
    "render_did_document",
    "require_did_key",
    "sender_did",
    "validate_subject_did",
]

DID_DOMAIN = b"wuyi/did\x00"
KEY_PROOF_DOMAIN = b"wuyi/did-key\x00"
ORG_DID_PREFIX = "did:wuyi:org:"
PURPOSES = ("authentication", "assertionMethod", "keyAgreement", "capabilityInvocation")
CREATE_PURPOSES = ("authentication", "assertionMethod", "capabilityInvocation")
DID_CONTEXT = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1")
MAX_SERVICES = 8
MAX_KEYS = 16
MAX_ENDPOINT_CHARS = 512
_FieldSpec = dict[str, tuple[type, bool]]
#: member roles that may send ``did.create`` for a registrar organisation
REGISTRAR_ROLES = ("idp", "did_registrar")
#: the governance policy of ``did.set_registrar`` (the identity policy, as ``idp.set``)
REGISTRAR_POLICY = "credentials"

_SUBJECT_DID = re.compile(r"^did:wuyi:[0-9a-f]{32}$")
_ORG_DID = re.compile(r"^did:wuyi:org:([a-z][a-z0-9_-]{1,31})$")
_KEY_ID = re.compile(r"^key-[1-9][0-9]{0,5}$")
_SERVICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SERVICE_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
_ENDPOINT = re.compile(r"^[a-z][a-z0-9+.-]{0,15}:[^\s]+$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: which member roles put a member's key into which purposes of its organisation's DID
ORG_ROLE_PURPOSES: dict[str, str] = {
    "admin": "authentication",
    "issuer": "assertionMethod",
    "idp": "assertionMethod",
}


# -- identifiers --------------------------------------------------------------------------------


def compute_did(suite: Suite, public_key: bytes) -> str:
    """The subject DID created by ``public_key``: ``did:wuyi:`` + the first 16 bytes of
    ``suite.hash(b"wuyi/did\\x00" + public_key)`` in hex."""
    return "did:wuyi:" + suite.hash(DID_DOMAIN + bytes(public_key))[:16].hex()


def key_proof_message(chain_id: str, did: str, public_key: bytes) -> bytes:
    """What a key added to ``did`` signs to prove its holder consents (possession proof)."""
    return KEY_PROOF_DOMAIN + encode([chain_id, did, public_key])


def is_subject_did(did: Any) -> bool:
    return isinstance(did, str) and _SUBJECT_DID.match(did) is not None


def is_org_did(did: Any) -> bool:
    return isinstance(did, str) and _ORG_DID.match(did) is not None


def org_did(org_id: str) -> str:
    """``did:wuyi:org:<org_id>``."""
    return ORG_DID_PREFIX + org_id


def org_id_of_did(did: str) -> str | None:
    """The organisation id of an organisation DID, else None."""
    m = _ORG_DID.match(did) if isinstance(did, str) else None
    return m.group(1) if m else None


def validate_subject_did(did: Any, where: str, field: str = "did") -> None:
    if not is_subject_did(did):
        raise ValidationError(
            f"{where}: {field} must be a subject DID 'did:wuyi:' + 32 lower-case hex digits",
            field=field,
        )


def iso_time(ms: int) -> str:
    """Block time (ms since the epoch) as ISO-8601 UTC to the second, e.g.
    ``2025-11-27T00:00:01Z`` (integer arithmetic only)."""
    return (_EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- payload checks -----------------------------------------------------------------------------


def validate_purposes(purposes: list[Any], where: str) -> None:
    if not purposes:
        raise ValidationError(f"{where}: purposes must not be empty", field="purposes")
    for p in purposes:
        if p not in PURPOSES:
            raise ValidationError(
                f"{where}: purpose {p!r} is not one of {list(PURPOSES)}", field="purposes"
            )
    if len(set(purposes)) != len(purposes):
        raise ValidationError(f"{where}: purposes contain duplicates", field="purposes")


def validate_services(services: list[Any], where: str) -> None:
    if len(services) > MAX_SERVICES:
        raise ValidationError(
            f"{where}: at most {MAX_SERVICES} services, got {len(services)}", field="services"
        )
    seen: set[str] = set()
    for i, s in enumerate(services):
        at = f"{where}: services[{i}]"
        if not isinstance(s, dict) or set(s) != {"id", "type", "endpoint"}:
            raise ValidationError(
                f"{at} must be a map with exactly id, type and endpoint", field="services"
            )
        if not all(isinstance(v, str) for v in s.values()):
            raise ValidationError(f"{at}: id, type and endpoint must be text", field="services")
        if not _SERVICE_ID.match(s["id"]):
            raise ValidationError(
                f"{at}: id {s['id']!r} must be 1-64 chars of letters, digits, '.', '_', '-'"
                " (the fragment after '#')",
                field="services",
            )
        if not _SERVICE_TYPE.match(s["type"]):
            raise ValidationError(
                f"{at}: type {s['type']!r} must be a letter then up to 63 letters or digits",
                field="services",
            )
        if len(s["endpoint"]) > MAX_ENDPOINT_CHARS or not _ENDPOINT.match(s["endpoint"]):
            raise ValidationError(
                f"{at}: endpoint must be a URI (scheme:...) of at most {MAX_ENDPOINT_CHARS}"
                " characters",
                field="services",
            )
        if s["id"] in seen:
            raise ValidationError(f"{at}: id {s['id']!r} appears twice", field="services")
        seen.add(s["id"])


def _validate_key_id(payload: dict[str, Any], where: str) -> None:
    if not _KEY_ID.match(payload["key_id"]):
        raise ValidationError(f"{where}: key_id must be like 'key-2'", field="key_id")


# -- readers ------------------------------------------------------------------------------------


def _get(state: KVReader, key: bytes) -> Any:
    raw = state.get(key)
    return None if raw is None else decode_trusted(raw)


def get_did_record(state: KVReader, did: str) -> dict[str, Any] | None:
    """The stored record of a subject DID (active or deactivated), or None. Organisation DIDs
    are not stored: see :func:`render_did_document`."""
    if not is_subject_did(did):
        return None
    rec: dict[str, Any] | None = _get(state, keys.did_key(did))
    return rec


def did_of_key(state: KVReader, address: bytes) -> str | None:
    """The active DID the key with this 20-byte address belongs to, or None."""
    did: str | None = _get(state, keys.did_key_index_key(address))
    return did


def authentication_did(state: KVReader, suite: Suite, address: bytes) -> str | None:
    """The DID for which the key at ``address`` is an ``authentication`` key of an active
    DID, else None: what ``sender_did`` means for a transaction's signer."""
    did = did_of_key(state, address)
    if did is None:
        return None
    rec = get_did_record(state, did)
    if rec is None or rec["status"] != "active":
        return None
    for k in rec["keys"]:
        if "authentication" in k["purposes"] and address_of(suite, k["public_key"]) == address:
            return did
    return None


def sender_did(ctx: ExecContext) -> str | None:
    """The DID whose authentication key signed ``ctx``'s transaction, or None."""
    return ctx.sender_did


def get_registrar(state: KVReader, org_id: str) -> dict[str, Any] | None:
    """``{org, enabled, updated_height}`` if governance ever set ``org_id``'s right to register
    citizens' DIDs, else None."""
    rec: dict[str, Any] | None = _get(state, keys.did_registrar_key(org_id))
    return rec


def list_registrars(state: KVReader) -> list[dict[str, Any]]:
    """Every registrar record (enabled or not), in organisation order."""
    return [decode_trusted(v) for _, v in state.iter_prefix(keys.DID_REGISTRAR_PREFIX)]


def _members_of(state: KVReader, org_id: str) -> Iterator[tuple[bytes, dict[str, Any]]]:
    cut = len(keys.MEMBER_PREFIX)
    for k, raw in state.iter_prefix(keys.MEMBER_PREFIX):
        m = decode_trusted(raw)
        if m["org"] == org_id:
            yield k[cut:], m


def org_verification_methods(state: KVReader, org_id: str) -> list[tuple[bytes, bytes, list[str]]]:
    """``(address, public_key, purposes)`` of the keys of ``did:wuyi:org:<org_id>``: its
    active members with role ``admin`` (authentication), ``issuer`` or ``idp``
    (assertionMethod), in address order; none while the organisation is not active."""
    org = _get(state, keys.org_key(org_id))
    if org is None or org["status"] != "active":
        return []
    out = []
    for addr, m in _members_of(state, org_id):
        if m["status"] != "active":
            continue
        purposes = [p for p in PURPOSES if p in {ORG_ROLE_PURPOSES.get(r) for r in m["roles"]}]
        if purposes:
            out.append((addr, m["public_key"], purposes))
    return out


def _jwk(suite_name: str, public_key: bytes) -> dict[str, Any]:
    from wuyi.vc.jose import jwk_from_public_key

    jwk: dict[str, Any] = jwk_from_public_key(suite_name, public_key)
    return jwk


def _document(
    did: str,
    methods: list[tuple[str, bytes, list[str]]],
    services: list[dict[str, Any]],
    suite_name: str,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"@context": list(DID_CONTEXT), "id": did}
    if methods:
        doc["verificationMethod"] = [
            {
                "id": f"{did}#{frag}",
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": _jwk(suite_name, pub),
            }
            for frag, pub, _ in methods
        ]
    for purpose in PURPOSES:
        refs = [f"{did}#{frag}" for frag, _, ps in methods if purpose in ps]
        if refs:
            doc[purpose] = refs
    if services:
        doc["service"] = [
            {"id": f"{did}#{s['id']}", "type": s["type"], "serviceEndpoint": s["endpoint"]}
            for s in services
        ]
    return doc


def render_did_document(
    state: KVReader, did: str, suite_name: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The W3C DID Core 1.0 document of ``did`` and its document metadata; :class:`NotFound`
    if there is no such DID.

    Subject DIDs: metadata ``{created, updated, versionId, deactivated}`` (times ISO-8601 UTC
    from block time); a deactivated DID's document has no keys or services. Organisation
    DIDs: keys from the members (see :func:`org_verification_methods`); metadata
    ``{versionId, deactivated}`` with ``versionId`` the first 8 bytes (hex) of the suite hash
    of the document (it changes whenever the document does) and ``deactivated`` true once the
    organisation is ``removed``.
    """
    org_id = org_id_of_did(did)
    if org_id is not None:
        org = _get(state, keys.org_key(org_id))
        if org is None:
            raise NotFound(f"no organisation '{org_id}', so no DID {did}")
        methods = [
            (format_address(addr), pub, purposes)
            for addr, pub, purposes in org_verification_methods(state, org_id)
        ]
        doc = _document(did, methods, [], suite_name)
        version = get_suite(suite_name).hash(encode(doc))[:8].hex()
        return doc, {"versionId": version, "deactivated": org["status"] == "removed"}
    rec = get_did_record(state, did)
    if rec is None:
        raise NotFound(f"no DID {did}")
    active = rec["status"] == "active"
    doc = _document(
        did,
        [(k["id"], k["public_key"], k["purposes"]) for k in rec["keys"]] if active else [],
        rec["services"] if active else [],
        suite_name,
    )
    meta = {
        "created": iso_time(rec["created_time"]),
        "updated": iso_time(rec["updated_time"]),
        "versionId": str(rec["version"]),
        "deactivated": not active,
    }
    return doc, meta


# -- handlers -----------------------------------------------------------------------------------


def _load_active(ctx: ExecContext, did: str) -> dict[str, Any]:
    rec: dict[str, Any] | None = ctx.state.get_obj(keys.did_key(did))
    if rec is None:
        raise TxFailed(f"no DID {did}")
    if rec["status"] != "active":
        raise TxFailed(f"{did} is deactivated; it cannot change")
    return rec


def require_did_key(ctx: ExecContext, did: str, purpose: str = "authentication") -> dict[str, Any]:
    """The active record of ``did`` if the transaction's sender key is one of its ``purpose``
    keys; raise :class:`Unauthorized` otherwise (:class:`TxFailed` if there is no such active
    DID). The check for kinds signed by DID keys instead of organisation members."""
    rec = _load_active(ctx, did)
    for k in rec["keys"]:
        if k["public_key"] == ctx.tx.sender:
            if purpose not in k["purposes"]:
                raise Unauthorized(
                    f"the sender's key {did}#{k['id']} is not an {purpose} key of the DID"
                )
            return rec
    raise Unauthorized(f"the sender's key is not a key of {did}; only its {purpose} keys may")


def _key_in_did(ctx: ExecContext, public_key: bytes) -> str | None:
    did: str | None = ctx.state.get_obj(
        keys.did_key_index_key(address_of(ctx.chain.suite, public_key))
    )
    return did


def _check_new_key(ctx: ExecContext, did: str, public_key: bytes, proof: bytes) -> None:
    owner = _key_in_did(ctx, public_key)
    if owner is not None:
        raise TxFailed(f"this public key is already a key of {owner}")
    if not ctx.chain.suite.verify(
        public_key, key_proof_message(ctx.chain.chain_id, did, public_key), proof
    ):
        raise TxFailed(
            "proof is not the new key's signature over b'wuyi/did-key\\x00' +"
            " encode([chain_id, did, public_key]); the new key's holder must sign it"
        )


def _touch(ctx: ExecContext, rec: dict[str, Any]) -> None:
    rec["updated_height"] = ctx.height
    rec["updated_time"] = ctx.time
    rec["version"] += 1
    rec["last_tx"] = ctx.tx_hash
    ctx.state.set_obj(keys.did_key(rec["id"]), rec)


def _new_key(rec: dict[str, Any], public_key: bytes, purposes: list[str], height: int) -> str:
    key_id = f"key-{rec['next_key']}"
    rec["next_key"] += 1
    ordered = [p for p in PURPOSES if p in purposes]
    rec["keys"].append(
        {"id": key_id, "public_key": public_key, "purposes": ordered, "added_height": height}
    )
    return key_id


def _find_key(rec: dict[str, Any], key_id: str) -> int:
    for i, k in enumerate(rec["keys"]):
        if k["id"] == key_id:
            return i
    raise TxFailed(f"{rec['id']} has no key '{key_id}'")


class _DidHandler(Handler):
    """A kind signed by an authentication key of the DID named in the payload."""

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_subject_did(payload["did"], self.kind)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        _load_active(ctx, ctx.tx.payload["did"])

    def authorize(self, ctx: ExecContext) -> None:
        require_did_key(ctx, ctx.tx.payload["did"])


class DidCreateHandler(Handler):
    """A citizen's first DID, registered by an authorised organisation's member."""

    kind = "did.create"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "public_key": (bytes, True),
        "proof": (bytes, True),
        "services": (list, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_member_key(chain, payload["public_key"], self.kind, "public_key")
        validate_services(payload.get("services", []), self.kind)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        public_key = ctx.tx.payload["public_key"]
        did = compute_did(ctx.chain.suite, public_key)
        if ctx.state.get(keys.did_key(did)) is not None:
            raise TxFailed(f"{did} already exists")
        _check_new_key(ctx, did, public_key, ctx.tx.payload["proof"])

    def authorize(self, ctx: ExecContext) -> None:
        """A member with role ``idp`` or ``did_registrar`` of an enabled registrar."""
        m = ctx.require_member(REGISTRAR_ROLES)
        rec = get_registrar(ctx.state, m["org"])
        if rec is None or not rec["enabled"]:
            raise Unauthorized(
                f"organisation '{m['org']}' may not register citizens' DIDs: governance gives"
                " that right with did.set_registrar"
            )

    def apply(self, ctx: ExecContext) -> None:
        public_key = ctx.tx.payload["public_key"]
        did = compute_did(ctx.chain.suite, public_key)
        org = ctx.require_member(REGISTRAR_ROLES)["org"]
        rec: dict[str, Any] = {
            "id": did,
            "keys": [],
            "services": list(ctx.tx.payload.get("services", [])),
            "status": "active",
            "created_height": ctx.height,
            "created_time": ctx.time,
            "updated_height": ctx.height,
            "updated_time": ctx.time,
            "version": 1,
            "last_tx": ctx.tx_hash,
            "next_key": 1,
            "registrar": org,
        }
        _new_key(rec, public_key, list(CREATE_PURPOSES), ctx.height)
        ctx.state.set_obj(keys.did_key(did), rec)
        ctx.state.set_obj(keys.did_key_index_key(address_of(ctx.chain.suite, public_key)), did)
        ctx.emit("did.created", did=did, registrar=org)


class DidSetRegistrarAction(GovAction):
    """Give (``enabled``) or take an organisation's right to register citizens' DIDs."""

    type = "did.set_registrar"
    policy_name = REGISTRAR_POLICY
    fields: ClassVar[_FieldSpec] = {
        "org": (str, True),
        "enabled": (bool, True),
    }

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        try:
            validate_org_id(args["org"])
        except ValidationError as exc:
            raise ValidationError(f"{self.type}: org: {exc.message}", field="org") from None

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        if ctx.state.get(keys.org_key(args["org"])) is None:
            raise TxFailed(f"{self.type}: organisation '{args['org']}' does not exist")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        rec = {"org": args["org"], "enabled": args["enabled"], "updated_height": ctx.height}
        ctx.state.set_obj(keys.did_registrar_key(args["org"]), rec)
        ctx.emit("did.registrar_set", org=args["org"], enabled=args["enabled"])


register_action(DidSetRegistrarAction(), replace_existing=True)


class DidAddKeyHandler(_DidHandler):
    kind = "did.add_key"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "did": (str, True),
        "public_key": (bytes, True),
        "purposes": (list, True),
        "proof": (bytes, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_member_key(chain, payload["public_key"], self.kind, "public_key")
        validate_purposes(payload["purposes"], self.kind)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        rec = _load_active(ctx, p["did"])
        if len(rec["keys"]) >= MAX_KEYS:
            raise TxFailed(f"{p['did']} already has {MAX_KEYS} keys, the most allowed")
        _check_new_key(ctx, p["did"], p["public_key"], p["proof"])

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        rec = _load_active(ctx, p["did"])
        key_id = _new_key(rec, p["public_key"], list(p["purposes"]), ctx.height)
        ctx.state.set_obj(
            keys.did_key_index_key(address_of(ctx.chain.suite, p["public_key"])), p["did"]
        )
        _touch(ctx, rec)
        ctx.emit("did.key_added", did=p["did"], key_id=key_id)


class DidRemoveKeyHandler(_DidHandler):
    kind = "did.remove_key"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {"did": (str, True), "key_id": (str, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _validate_key_id(payload, self.kind)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        rec = _load_active(ctx, p["did"])
        key = rec["keys"][_find_key(rec, p["key_id"])]
        auth = [k for k in rec["keys"] if "authentication" in k["purposes"]]
        if "authentication" in key["purposes"] and len(auth) == 1:
            raise TxFailed(
                f"cannot remove {p['did']}#{p['key_id']}: it is the last authentication key"
                " (add another first, or deactivate the DID)"
            )

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        rec = _load_active(ctx, p["did"])
        key = rec["keys"].pop(_find_key(rec, p["key_id"]))
        ctx.state.delete(keys.did_key_index_key(address_of(ctx.chain.suite, key["public_key"])))
        _touch(ctx, rec)
        ctx.emit("did.key_removed", did=p["did"], key_id=p["key_id"])


class DidRotateKeyHandler(_DidHandler):
    kind = "did.rotate_key"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "did": (str, True),
        "key_id": (str, True),
        "public_key": (bytes, True),
        "proof": (bytes, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _validate_key_id(payload, self.kind)
        validate_member_key(chain, payload["public_key"], self.kind, "public_key")

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        rec = _load_active(ctx, p["did"])
        _find_key(rec, p["key_id"])
        _check_new_key(ctx, p["did"], p["public_key"], p["proof"])

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        rec = _load_active(ctx, p["did"])
        i = _find_key(rec, p["key_id"])
        old = rec["keys"][i]
        new_id = _new_key(rec, p["public_key"], old["purposes"], ctx.height)
        rec["keys"][i] = rec["keys"].pop()  # the new key takes the old one's place
        suite = ctx.chain.suite
        ctx.state.delete(keys.did_key_index_key(address_of(suite, old["public_key"])))
        ctx.state.set_obj(keys.did_key_index_key(address_of(suite, p["public_key"])), p["did"])
        _touch(ctx, rec)
        ctx.emit("did.key_rotated", did=p["did"], key_id=p["key_id"], new_key_id=new_id)


class DidSetServicesHandler(_DidHandler):
    kind = "did.set_services"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "did": (str, True),
        "services": (list, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_services(payload["services"], self.kind)

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        rec = _load_active(ctx, p["did"])
        rec["services"] = list(p["services"])
        _touch(ctx, rec)
        ctx.emit("did.services_set", did=p["did"], count=len(p["services"]))


class DidDeactivateHandler(_DidHandler):
    kind = "did.deactivate"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {"did": (str, True)}

    def apply(self, ctx: ExecContext) -> None:
        rec = _load_active(ctx, ctx.tx.payload["did"])
        for k in rec["keys"]:
            ctx.state.delete(keys.did_key_index_key(address_of(ctx.chain.suite, k["public_key"])))
        rec["status"] = "deactivated"
        _touch(ctx, rec)
        ctx.emit("did.deactivated", did=rec["id"])
