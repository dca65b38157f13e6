"""Nodes and their TLS identities: the membership records peers check at every handshake.

Each organisation runs its own TLS certificate authority (or pins its nodes' TLS keys); the
chain records which CA certificates each organisation's nodes present, which nodes exist, whose
they are and where they listen. No party holds a key that admits nodes of another organisation:
an organisation's CA can only vouch for nodes whose record names that organisation, and a node
record is written only by governance (``node.admit``) on the proposal of that organisation's
admin. Peers read these records at every handshake and reload them as the chain changes
(``docs/deploy.md``, ``docs/network.md``).

State
=====

=========================================  ================================================
key                                         value (canonical encoding)
=========================================  ================================================
``tls/ca/<org>/<fingerprint 32 bytes>``     ``{org, fingerprint, cert (DER), subject,
                                            not_after}`` a CA of the organisation
``tls/revoked/<ca fp 32 bytes><serial>``    ``{org, ca, serial, height, reason}``
``node/<id>``                               ``{id, org, role, public_key, tls, address,
                                            status, name, admitted_height, previous_key}``
``node/-/key/<address 20 bytes>``           the node id (str) a chain key belongs to
=========================================  ================================================

``fingerprint`` is SHA-256 of the certificate's DER (TLS is suite-independent). ``tls`` is
``{"ca": fingerprint}`` (certificates issued by that CA of the organisation) or ``{"pin":
SHA-256 of the SubjectPublicKeyInfo}`` (one pinned TLS key, e.g. a self-signed certificate).
``role`` is ``validator`` or ``observer``: a validator-role node may be put in the validator
set (``validator.update``); an observer follows the chain. ``status`` is ``active``,
``suspended`` or ``removed`` (final). Times (``not_after``) are Unix milliseconds.

Kinds
=====

* ``tls.set_cas`` {org, certs: [DER, ...]} — by an admin of ``org``: the organisation's CA
  certificates become exactly these (1-3: the current one and the next, for a CA rotation).
  Each must be a self-signed CA certificate with an EC key, not expired at the block's time. A
  CA still named by an active node of the organisation cannot be dropped.
* ``tls.revoke`` {org, ca, serial, reason?} — by an admin of ``org``: the certificate with
  ``serial`` issued by the organisation's CA ``ca`` is refused at every handshake from now on
  (and live connections using it are closed).
* ``node.update`` {id, address?, tls?, status?} — by an admin of the node's organisation.

Governance actions (:mod:`wuyi.ledger.handlers.governance`)
===========================================================

* ``node.admit`` (policy ``nodes``) {id, org, role, public_key, tls, address?, name?} — proposed
  by an admin of ``org``; once executed, peers accept the node (no restart) and dial its
  address.
* ``validator.rotate_key`` (policy ``validators``) {id, public_key, effective_height} — the
  validator node ``id`` signs with ``public_key`` from ``effective_height`` on: the validator
  set changes then (same name and power), and the node record names the new key (the old one
  stays known as ``previous_key`` so the node keeps its connections until the switch).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from wuyi.abc import KVReader
from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.crypto import address_of
from wuyi.encoding import decode_trusted
from wuyi.exceptions import TxFailed, Unauthorized, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import (
    ChainSpec,
    ExecContext,
    Handler,
    validate_fields,
    validate_suite_key,
    validate_update,
)
from wuyi.ledger.handlers.governance import GovAction, register_action
from wuyi.ledger.handlers.identity import validate_member_key, validate_org_id
from wuyi.ledger.handlers.validators import MIN_DELAY, compute_pending_update
from wuyi.params import ChainParams

__all__ = [
    "NODE_HANDLERS",
    "NODE_KEY_INDEX_PREFIX",
    "NODE_PREFIX",
    "NODE_ROLES",
    "NODE_STATUSES",
    "TLS_CA_PREFIX",
    "TLS_REVOKED_PREFIX",
    "CaInfo",
    "NodeAdmitAction",
    "NodeUpdateHandler",
    "TlsRevokeHandler",
    "TlsSetCasHandler",
    "ValidatorRotateKeyAction",
    "cert_fingerprint",
    "check_validators_listed",
    "get_node",
    "get_node_by_key",
    "get_org_cas",
    "has_node_records",
    "is_revoked",
    "iter_nodes",
    "make_node",
    "node_key",
    "node_key_index",
    "parse_ca_certificate",
    "revoked_key",
    "serial_bytes",
    "spki_pin",
    "tls_ca_key",
    "validate_address",
    "validate_node_id",
]

NODE_PREFIX = b"node/"
NODE_KEY_INDEX_PREFIX = b"node/-/key/"
TLS_CA_PREFIX = b"tls/ca/"
TLS_REVOKED_PREFIX = b"tls/revoked/"
NODE_ROLES = ("validator", "observer")
NODE_STATUSES = ("active", "suspended", "removed")
MAX_ORG_CAS = 3
MAX_CERT_BYTES = 8192
MAX_SERIAL_BYTES = 20  # RFC 5280 §4.1.2.2
_NODE_ID = re.compile(r"^[a-z][a-z0-9-]{1,47}$")
_HOST = re.compile(r"^[A-Za-z0-9.:\[\]-]{1,253}$")

_FieldSpec = dict[str, tuple[type, bool]]


# -- keys and small helpers ---------------------------------------------------------------------


def node_key(node_id: str) -> bytes:
    return NODE_PREFIX + node_id.encode()


def node_key_index(address: bytes) -> bytes:
    return NODE_KEY_INDEX_PREFIX + address


def tls_ca_key(org: str, fingerprint: bytes) -> bytes:
    return TLS_CA_PREFIX + org.encode() + b"/" + fingerprint


def revoked_key(ca_fingerprint: bytes, serial: bytes) -> bytes:
    return TLS_REVOKED_PREFIX + ca_fingerprint + serial


def cert_fingerprint(der: bytes) -> bytes:
    """SHA-256 of a certificate's DER: how the chain names a certificate."""
    return hashlib.sha256(der).digest()


def spki_pin(cert: x509.Certificate) -> bytes:
    """SHA-256 of the certificate's SubjectPublicKeyInfo (DER): a pinned TLS key."""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()


def serial_bytes(serial: int) -> bytes:
    """A certificate serial number as minimal big-endian bytes (how the chain stores it)."""
    return serial.to_bytes(max(1, (serial.bit_length() + 7) // 8), "big")


def validate_node_id(node_id: str, field: str = "id") -> None:
    if not _NODE_ID.match(node_id):
        raise ValidationError(
            f"node id '{node_id}' must be 2-48 chars of a-z, 0-9 and '-', starting with a letter",
            field=field,
        )


def validate_address(address: str, field: str = "address") -> None:
    """``host:port`` (an IPv6 host in brackets), or empty for a node that only dials out."""
    if address == "":
        return
    host, sep, port = address.rpartition(":")
    if not sep or not _HOST.match(host) or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValidationError(
            f"address '{address}' must be host:port (a port 1-65535)", field=field
        )


def _validate_tls(tls: Any, field: str = "tls") -> None:
    if not isinstance(tls, dict) or len(tls) != 1 or next(iter(tls)) not in ("ca", "pin"):
        raise ValidationError(
            "tls must be {ca: <CA fingerprint>} or {pin: <SHA-256 of the TLS public key>}",
            field=field,
        )
    v = next(iter(tls.values()))
    if type(v) is not bytes or len(v) != 32:
        raise ValidationError("tls: the fingerprint or pin must be 32 bytes", field=field)


@dataclass(frozen=True, slots=True)
class CaInfo:
    """What the chain keeps of a CA certificate."""

    fingerprint: bytes
    subject: str
    not_after: int  # Unix ms
    cert: x509.Certificate


def parse_ca_certificate(der: bytes, where: str = "certs") -> CaInfo:
    """Parse and check a CA certificate (no clock: the caller compares ``not_after``).

    Raises ``ValidationError`` naming the problem: not DER X.509, not a CA, no keyCertSign,
    not self-signed, not an EC key.
    """
    if type(der) is not bytes or not 0 < len(der) <= MAX_CERT_BYTES:
        raise ValidationError(f"{where}: a CA certificate must be 1-{MAX_CERT_BYTES} bytes of DER")
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise ValidationError(f"{where}: not a DER X.509 certificate: {exc}", field=where) from None
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        bc = None
    if bc is None or not bc.ca:
        raise ValidationError(f"{where}: not a CA certificate (basicConstraints cA)", field=where)
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not ku.key_cert_sign:
            raise ValidationError(f"{where}: the CA's keyUsage lacks keyCertSign", field=where)
    except x509.ExtensionNotFound:
        pass
    if not isinstance(cert.public_key(), ec.EllipticCurvePublicKey):
        raise ValidationError(f"{where}: the CA key must be an EC key (P-256)", field=where)
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, Exception) as exc:
        raise ValidationError(
            f"{where}: the CA certificate must be self-signed ({type(exc).__name__})", field=where
        ) from None
    return CaInfo(
        fingerprint=cert_fingerprint(der),
        subject=cert.subject.rfc4514_string()[:256],
        not_after=int(cert.not_valid_after_utc.timestamp() * 1000),
        cert=cert,
    )


def make_node(
    node_id: str,
    org: str,
    role: str,
    public_key: bytes,
    tls: dict[str, bytes],
    address: str,
    name: str,
    height: int,
) -> dict[str, Any]:
    return {
        "id": node_id,
        "org": org,
        "role": role,
        "public_key": public_key,
        "tls": dict(tls),
        "address": address,
        "status": "active",
        "name": name,
        "admitted_height": height,
        "previous_key": None,
    }


# -- reading ------------------------------------------------------------------------------------


def get_node(state: KVReader, node_id: str) -> dict[str, Any] | None:
    raw = state.get(node_key(node_id))
    return None if raw is None else dict(decode_trusted(raw))


def get_node_by_key(state: KVReader, suite: Any, public_key: bytes) -> dict[str, Any] | None:
    """The node record whose current or previous chain key is ``public_key``."""
    raw = state.get(node_key_index(address_of(suite, public_key)))
    if raw is None:
        return None
    return get_node(state, decode_trusted(raw))


def iter_nodes(state: KVReader) -> Iterator[dict[str, Any]]:
    """Every node record, in id order."""
    for k, raw in state.iter_prefix(NODE_PREFIX):
        if not k.startswith(NODE_KEY_INDEX_PREFIX):
            yield dict(decode_trusted(raw))


def has_node_records(state: KVReader) -> bool:
    """Whether the chain lists its nodes (then peers check TLS identities against it)."""
    return any(True for _ in iter_nodes(state))


def get_org_cas(state: KVReader, org: str) -> dict[bytes, dict[str, Any]]:
    """The organisation's CA records by fingerprint."""
    prefix = TLS_CA_PREFIX + org.encode() + b"/"
    return {k[len(prefix) :]: dict(decode_trusted(v)) for k, v in state.iter_prefix(prefix)}


def is_revoked(state: KVReader, ca_fingerprint: bytes, serial: int) -> dict[str, Any] | None:
    raw = state.get(revoked_key(ca_fingerprint, serial_bytes(serial)))
    return None if raw is None else dict(decode_trusted(raw))


def check_validators_listed(ctx: ExecContext, new_set: ValidatorSet) -> None:
    """On a chain that lists its nodes, every validator a set change adds must be an active
    node (``node.admit`` first): peers would refuse its connections otherwise."""
    if not has_node_records(ctx.state):
        return
    for v in new_set.validators:
        rec = get_node_by_key(ctx.state, ctx.chain.suite, v.public_key)
        if rec is None or rec["status"] != "active" or rec["public_key"] != v.public_key:
            raise TxFailed(
                f"validator '{v.name}' is not an active node of the chain: admit it first"
                " (node.admit), then change the validator set"
            )


# -- direct kinds -------------------------------------------------------------------------------


class TlsSetCasHandler(Handler):
    kind = "tls.set_cas"
    fields: ClassVar[_FieldSpec] = {"org": (str, True), "certs": (list, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_org_id(payload["org"])
        certs = payload["certs"]
        if not 1 <= len(certs) <= MAX_ORG_CAS:
            raise ValidationError(
                f"tls.set_cas: give 1-{MAX_ORG_CAS} CA certificates", field="certs"
            )
        fps = [parse_ca_certificate(c, f"tls.set_cas: certs[{i}]").fingerprint
               for i, c in enumerate(certs)]  # fmt: skip
        if len(set(fps)) != len(fps):
            raise ValidationError("tls.set_cas: a certificate appears twice", field="certs")

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        org = ctx.state.get_obj(keys.org_key(p["org"]))
        if org is None or org["status"] != "active":
            raise TxFailed(f"organisation '{p['org']}' does not exist or is not active")
        new = {}
        for i, der in enumerate(p["certs"]):
            info = parse_ca_certificate(der, f"certs[{i}]")
            if info.not_after <= ctx.time:
                raise TxFailed(f"tls.set_cas: certs[{i}] ({info.subject}) has expired")
            new[info.fingerprint] = info
        for node in iter_nodes(ctx.state):
            ca = node["tls"].get("ca")
            if node["org"] == p["org"] and node["status"] != "removed" and ca and ca not in new:
                raise TxFailed(
                    f"tls.set_cas: node '{node['id']}' still presents the CA {ca.hex()[:16]};"
                    " move it to another CA first (node.update)"
                )

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_org_admin(ctx.tx.payload["org"])

    def apply(self, ctx: ExecContext) -> None:
        org = ctx.tx.payload["org"]
        for fp in get_org_cas(ctx.state, org):
            ctx.state.delete(tls_ca_key(org, fp))
        added = []
        for der in ctx.tx.payload["certs"]:
            info = parse_ca_certificate(der)
            ctx.state.set_obj(
                tls_ca_key(org, info.fingerprint),
                {
                    "org": org,
                    "fingerprint": info.fingerprint,
                    "cert": der,
                    "subject": info.subject,
                    "not_after": info.not_after,
                },
            )
            added.append(info.fingerprint)
        ctx.emit("tls.cas_set", org=org, cas=added)


class TlsRevokeHandler(Handler):
    kind = "tls.revoke"
    fields: ClassVar[_FieldSpec] = {
        "org": (str, True),
        "ca": (bytes, True),
        "serial": (bytes, True),
        "reason": (str, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_org_id(payload["org"])
        if len(payload["ca"]) != 32:
            raise ValidationError("tls.revoke: ca must be a 32-byte fingerprint", field="ca")
        s = payload["serial"]
        if not 1 <= len(s) <= MAX_SERIAL_BYTES or (len(s) > 1 and s[0] == 0):
            raise ValidationError(
                f"tls.revoke: serial must be 1-{MAX_SERIAL_BYTES} bytes, big-endian, minimal",
                field="serial",
            )
        if len(payload.get("reason", "")) > 200:
            raise ValidationError("tls.revoke: reason longer than 200 characters", field="reason")

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        if p["ca"] not in get_org_cas(ctx.state, p["org"]):
            raise TxFailed(f"tls.revoke: {p['ca'].hex()[:16]} is not a CA of '{p['org']}'")
        if ctx.state.get(revoked_key(p["ca"], p["serial"])) is not None:
            raise TxFailed("tls.revoke: this certificate is already revoked")

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_org_admin(ctx.tx.payload["org"])

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        ctx.state.set_obj(
            revoked_key(p["ca"], p["serial"]),
            {
                "org": p["org"],
                "ca": p["ca"],
                "serial": p["serial"],
                "height": ctx.height,
                "reason": p.get("reason", ""),
            },
        )
        ctx.emit("tls.revoked", org=p["org"], ca=p["ca"], serial=p["serial"])


class NodeUpdateHandler(Handler):
    kind = "node.update"
    fields: ClassVar[_FieldSpec] = {
        "id": (str, True),
        "address": (str, False),
        "tls": (dict, False),
        "status": (str, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_node_id(payload["id"])
        validate_update(
            payload, self.kind, "id", {"address": validate_address, "tls": _validate_tls}
        )
        if "status" in payload and payload["status"] not in NODE_STATUSES:
            raise ValidationError(
                f"node.update: status must be one of {list(NODE_STATUSES)}", field="status"
            )

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        node = get_node(ctx.state, p["id"])
        if node is None:
            raise TxFailed(f"no node '{p['id']}'")
        if node["status"] == "removed":
            raise TxFailed(f"node '{p['id']}' was removed; it cannot change")
        ca = p.get("tls", {}).get("ca")
        if ca is not None and ca not in get_org_cas(ctx.state, node["org"]):
            raise TxFailed(f"node.update: {ca.hex()[:16]} is not a CA of '{node['org']}'")

    def authorize(self, ctx: ExecContext) -> None:
        node = get_node(ctx.state, ctx.tx.payload["id"])
        assert node is not None
        ctx.require_org_admin(node["org"])

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        node = get_node(ctx.state, p["id"])
        assert node is not None
        for f in ("address", "tls", "status"):
            if f in p:
                node[f] = p[f]
        ctx.state.set_obj(node_key(p["id"]), node)
        ctx.emit("node.updated", id=p["id"], org=node["org"], fields=sorted(set(p) - {"id"}))


# -- governance actions -------------------------------------------------------------------------


class NodeAdmitAction(GovAction):
    type = "node.admit"
    policy_name = "nodes"
    fields: ClassVar[_FieldSpec] = {
        "id": (str, True),
        "org": (str, True),
        "role": (str, True),
        "public_key": (bytes, True),
        "tls": (dict, True),
        "address": (str, False),
        "name": (str, False),
    }

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        validate_node_id(args["id"])
        validate_org_id(args["org"])
        if args["role"] not in NODE_ROLES:
            raise ValidationError(
                f"node.admit: role must be one of {list(NODE_ROLES)}", field="role"
            )
        validate_member_key(chain, args["public_key"], "node.admit", "public_key")
        _validate_tls(args["tls"])
        validate_address(args.get("address", ""))
        if len(args.get("name", "")) > 128:
            raise ValidationError("node.admit: name longer than 128 characters", field="name")

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        if ctx.tx.kind == "gov.propose":
            m = ctx.require_member(("admin",))
            if m["org"] != args["org"]:
                raise Unauthorized(
                    f"node.admit: only an admin of '{args['org']}' may propose its nodes"
                )
        org = ctx.state.get_obj(keys.org_key(args["org"]))
        if org is None or org["status"] != "active":
            raise TxFailed(f"organisation '{args['org']}' does not exist or is not active")
        if ctx.state.get(node_key(args["id"])) is not None:
            raise TxFailed(f"a node '{args['id']}' already exists")
        if ctx.state.get(node_key_index(address_of(ctx.chain.suite, args["public_key"]))):
            raise TxFailed("node.admit: this public key already belongs to a node")
        ca = args["tls"].get("ca")
        if ca is not None and ca not in get_org_cas(ctx.state, args["org"]):
            raise TxFailed(
                f"node.admit: {ca.hex()[:16]} is not a CA of '{args['org']}' (tls.set_cas first)"
            )

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        rec = make_node(
            args["id"],
            args["org"],
            args["role"],
            args["public_key"],
            args["tls"],
            args.get("address", ""),
            args.get("name", ""),
            ctx.height,
        )
        ctx.state.set_obj(node_key(args["id"]), rec)
        ctx.state.set_obj(
            node_key_index(address_of(ctx.chain.suite, args["public_key"])), args["id"]
        )
        ctx.emit("node.admitted", id=args["id"], org=args["org"], role=args["role"])


class ValidatorRotateKeyAction(GovAction):
    type = "validator.rotate_key"
    policy_name = "validators"
    fields: ClassVar[_FieldSpec] = {
        "id": (str, True),
        "public_key": (bytes, True),
        "effective_height": (int, True),
    }

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        validate_node_id(args["id"])
        validate_suite_key(
            chain,
            args["public_key"],
            "validator.rotate_key: public_key is not a valid key",
            "public_key",
        )
        if args["effective_height"] < 1:
            raise ValidationError(
                "validator.rotate_key: effective_height must be positive", field="effective_height"
            )

    def _current(
        self, ctx: ExecContext, args: dict[str, Any]
    ) -> tuple[dict[str, Any], ValidatorSet]:
        node = get_node(ctx.state, args["id"])
        if node is None or node["status"] != "active":
            raise TxFailed(f"no active node '{args['id']}'")
        raw = ctx.state.get(keys.VALIDATORS)
        if raw is None:
            raise TxFailed("the state has no validator set")
        vs = ValidatorSet.from_obj(decode_trusted(raw))
        if node["public_key"] not in {v.public_key for v in vs.validators}:
            raise TxFailed(f"node '{args['id']}' is not in the validator set")
        return node, vs

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        if ctx.tx.kind == "gov.propose":
            node = get_node(ctx.state, args["id"])
            m = ctx.require_member(("admin",))
            if node is not None and m["org"] != node["org"]:
                raise Unauthorized(
                    f"validator.rotate_key: only an admin of '{node['org']}' may propose it"
                )
        self._current(ctx, args)
        if ctx.state.get(node_key_index(address_of(ctx.chain.suite, args["public_key"]))):
            raise TxFailed("validator.rotate_key: the new key already belongs to a node")
        if compute_pending_update(ctx.state) is not None:
            raise TxFailed("another validator-set change is already pending")
        if ctx.tx.kind == "gov.execute" and args["effective_height"] < ctx.height + MIN_DELAY:
            raise TxFailed(
                f"effective_height {args['effective_height']} is too soon: at least"
                f" {ctx.height + MIN_DELAY} for a change executed at height {ctx.height}"
            )

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        node, vs = self._current(ctx, args)
        old = node["public_key"]
        new_set = ValidatorSet(
            tuple(
                Validator(args["public_key"], v.power, v.name) if v.public_key == old else v
                for v in vs.validators
            )
        )
        ctx.state.set_obj(
            keys.PENDING_VALIDATORS,
            {"effective_height": args["effective_height"], "validators": new_set.to_obj()},
        )
        node["previous_key"] = old
        node["public_key"] = args["public_key"]
        ctx.state.set_obj(node_key(args["id"]), node)
        ctx.state.set_obj(
            node_key_index(address_of(ctx.chain.suite, args["public_key"])), args["id"]
        )
        ctx.emit(
            "validator.key_rotated",
            id=args["id"],
            effective_height=args["effective_height"],
            public_key=args["public_key"],
        )


for _action in (NodeAdmitAction(), ValidatorRotateKeyAction()):
    register_action(_action)

NODE_HANDLERS: tuple[Handler, ...] = (TlsSetCasHandler(), TlsRevokeHandler(), NodeUpdateHandler())
