"""Genesis: the chain's identity (id, crypto suite), founding organisations, validators, params.

The genesis document is JSON (``genesis.json``)::

    {
      "chain_id": "jiangmen-gov", "name": "江门市政务链", "suite": "sm", "time": 1764201600000,
      "params": {...},                                    # optional overrides of ChainParams
      "orgs": [{"id": "sjj", "name": "市政务服务数据管理局", "operator": true,
                "admins": [{"name": "...", "public_key": "<hex>"}]}],
      "validators": [{"name": "node0", "public_key": "<hex>", "power": 1}],
      "nodes": [{"id": "node0", "org": "sjj", "role": "validator", "public_key": "<hex>",
                 "tls": {"ca": "<hex fingerprint>"}, "address": "10.0.0.5:26600"}]
    }

Optional: an organisation's ``tls_cas`` (PEM CA certificates its nodes' TLS certificates come
from) and ``nodes`` (the node records peers check at the handshake; see
``wuyi/ledger/handlers/nodes.py``). Both are left out of the document when empty, so older
genesis files keep their hash.

Block 0 has no transactions; its state root commits to everything above, and its hash is the
chain's identity.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.crypto import address_of, get_suite
from wuyi.encoding import encode
from wuyi.exceptions import CryptoError, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers import ChainSpec
from wuyi.ledger.handlers.identity import make_member, make_org, validate_org_id
from wuyi.ledger.handlers.nodes import (
    NODE_ROLES,
    cert_fingerprint,
    make_node,
    node_key,
    node_key_index,
    parse_ca_certificate,
    tls_ca_key,
    validate_address,
    validate_node_id,
)
from wuyi.ledger.handlers.validators import history_key
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.types import ZERO_HASH, Block, BlockHeader
from wuyi.params import ChainParams
from wuyi.state import EMPTY_ROOT, StateTree

__all__ = [
    "FoundingNode",
    "GenesisDoc",
    "GenesisNode",
    "GenesisOrg",
    "build_genesis",
    "compose_genesis",
]

_CHAIN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")


@dataclass(frozen=True)
class GenesisOrg:
    id: str
    name: str
    operator: bool = False
    admins: tuple[tuple[str, bytes], ...] = ()
    tls_cas: tuple[bytes, ...] = ()
    """DER CA certificates of the organisation's TLS authority (optional)."""


@dataclass(frozen=True)
class GenesisNode:
    """A node record in genesis (``wuyi up`` writes one per validator)."""

    id: str
    org: str
    role: str
    public_key: bytes
    tls: tuple[str, bytes]
    """("ca", CA fingerprint) or ("pin", SHA-256 of the TLS public key)."""
    address: str = ""
    name: str = ""


@dataclass(frozen=True)
class GenesisDoc:
    chain_id: str
    suite: str
    time: int
    orgs: tuple[GenesisOrg, ...]
    validators: ValidatorSet
    params: ChainParams = field(default_factory=ChainParams)
    name: str = ""
    nodes: tuple[GenesisNode, ...] = ()

    def __post_init__(self) -> None:
        if not _CHAIN_ID.match(self.chain_id):
            raise ValidationError(
                f"chain id '{self.chain_id}' must be 2-48 chars of a-z, 0-9 and '-'"
            )
        suite = get_suite(self.suite)
        if not any(o.operator for o in self.orgs):
            raise ValidationError("genesis needs one operator organisation")
        seen: set[str] = set()
        for o in self.orgs:
            validate_org_id(o.id)
            if o.id in seen:
                raise ValidationError(f"organisation '{o.id}' appears twice in genesis")
            seen.add(o.id)
            for name, pk in o.admins:
                try:
                    suite.validate_public_key(pk)
                except CryptoError as exc:
                    raise ValidationError(
                        f"genesis: admin '{name}' of '{o.id}' has an invalid key: {exc.message}"
                    ) from None
        for v in self.validators.validators:
            try:
                suite.validate_public_key(v.public_key)
            except CryptoError as exc:
                raise ValidationError(
                    f"genesis: validator '{v.name}' has an invalid key: {exc.message}"
                ) from None
        self._validate_nodes(suite)

    def _validate_nodes(self, suite: Any) -> None:
        cas: dict[str, set[bytes]] = {}
        for o in self.orgs:
            cas[o.id] = {
                parse_ca_certificate(der, f"genesis: tls_cas of '{o.id}'").fingerprint
                for der in o.tls_cas
            }
        ids: set[str] = set()
        node_keys: set[bytes] = set()
        for n in self.nodes:
            where = f"genesis: node '{n.id}'"
            validate_node_id(n.id)
            validate_address(n.address)
            if n.id in ids or n.public_key in node_keys:
                raise ValidationError(f"{where} (or its key) appears twice")
            ids.add(n.id)
            node_keys.add(n.public_key)
            if n.org not in cas:
                raise ValidationError(f"{where}: no organisation '{n.org}'")
            if n.role not in NODE_ROLES:
                raise ValidationError(f"{where}: role must be one of {list(NODE_ROLES)}")
            try:
                suite.validate_public_key(n.public_key)
            except CryptoError as exc:
                raise ValidationError(f"{where}: invalid key: {exc.message}") from None
            kind, value = n.tls
            if kind not in ("ca", "pin") or len(value) != 32:
                raise ValidationError(f"{where}: tls must be ('ca'|'pin', 32 bytes)")
            if kind == "ca" and value not in cas[n.org]:
                raise ValidationError(f"{where}: its CA is not among the tls_cas of '{n.org}'")

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "name": self.name,
            "suite": self.suite,
            "time": self.time,
            "params": self.params.to_obj(),
            "orgs": [
                {
                    "id": o.id,
                    "name": o.name,
                    "operator": o.operator,
                    "admins": [{"name": n, "public_key": pk.hex()} for n, pk in o.admins],
                    **({"tls_cas": [_pem(der) for der in o.tls_cas]} if o.tls_cas else {}),
                }
                for o in self.orgs
            ],
            "validators": [
                {"name": v.name, "public_key": v.public_key.hex(), "power": v.power}
                for v in self.validators.validators
            ],
            **(
                {
                    "nodes": [
                        {
                            "id": n.id,
                            "org": n.org,
                            "role": n.role,
                            "public_key": n.public_key.hex(),
                            "tls": {n.tls[0]: n.tls[1].hex()},
                            "address": n.address,
                            "name": n.name,
                        }
                        for n in self.nodes
                    ]
                }
                if self.nodes
                else {}
            ),
        }

    @classmethod
    def from_json(cls, obj: Any) -> GenesisDoc:
        try:
            orgs = tuple(
                GenesisOrg(
                    id=o["id"],
                    name=o["name"],
                    operator=bool(o.get("operator", False)),
                    admins=tuple(
                        (a["name"], bytes.fromhex(a["public_key"])) for a in o.get("admins", [])
                    ),
                    tls_cas=tuple(_der(pem) for pem in o.get("tls_cas", [])),
                )
                for o in obj["orgs"]
            )
            nodes = tuple(
                GenesisNode(
                    id=n["id"],
                    org=n["org"],
                    role=n["role"],
                    public_key=bytes.fromhex(n["public_key"]),
                    tls=_tls_pair(n["tls"]),
                    address=n.get("address", ""),
                    name=n.get("name", ""),
                )
                for n in obj.get("nodes", [])
            )
            vals = ValidatorSet(
                tuple(
                    Validator(bytes.fromhex(v["public_key"]), int(v.get("power", 1)), v["name"])
                    for v in obj["validators"]
                )
            )
            return cls(
                chain_id=obj["chain_id"],
                suite=obj["suite"],
                time=int(obj["time"]),
                orgs=orgs,
                validators=vals,
                params=ChainParams.from_obj(obj.get("params", {})),
                name=obj.get("name", ""),
                nodes=nodes,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValidationError(f"malformed genesis document: {exc!r}") from None

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> GenesisDoc:
        try:
            return cls.from_json(json.loads(path.read_text()))
        except json.JSONDecodeError as exc:
            raise ValidationError(f"genesis file {path} is not valid JSON: {exc}") from None

    def chain_spec(self) -> ChainSpec:
        return ChainSpec(self.chain_id, get_suite(self.suite))

    def compute_state(self) -> dict[bytes, bytes | None]:
        suite = get_suite(self.suite)
        st: dict[bytes, bytes | None] = {
            keys.PARAMS: encode(self.params.to_obj()),
            keys.CHAIN_INFO: encode(
                {"chain_id": self.chain_id, "suite": self.suite, "name": self.name}
            ),
            keys.VALIDATORS: encode(self.validators.to_obj()),
            history_key(0): encode(self.validators.to_obj()),
        }
        for o in self.orgs:
            st[keys.org_key(o.id)] = encode(make_org(o.id, o.name, o.operator))
            for name, pk in o.admins:
                st[keys.member_key(address_of(suite, pk))] = encode(
                    make_member(o.id, pk, ["admin"], name)
                )
            for der in o.tls_cas:
                info = parse_ca_certificate(der)
                st[tls_ca_key(o.id, info.fingerprint)] = encode(
                    {
                        "org": o.id,
                        "fingerprint": info.fingerprint,
                        "cert": der,
                        "subject": info.subject,
                        "not_after": info.not_after,
                    }
                )
        for n in self.nodes:
            rec = make_node(
                n.id, n.org, n.role, n.public_key, {n.tls[0]: n.tls[1]}, n.address, n.name, 0
            )
            st[node_key(n.id)] = encode(rec)
            st[node_key_index(address_of(suite, n.public_key))] = encode(n.id)
        return dict(sorted(st.items()))


def _pem(der: bytes) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_der_x509_certificate(der)
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _der(pem: str) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(pem.encode())
    return cert.public_bytes(serialization.Encoding.DER)


def _tls_pair(obj: dict[str, str]) -> tuple[str, bytes]:
    if not isinstance(obj, dict) or len(obj) != 1:
        raise ValueError("a node's tls must be {ca: <hex>} or {pin: <hex>}")
    kind, value = next(iter(obj.items()))
    return str(kind), bytes.fromhex(value)


@dataclass(frozen=True)
class FoundingNode:
    """A founding node as its organisation states it; :func:`compose_genesis` makes it a node
    record (TLS: its organisation's CA) and, for role ``validator``, a validator of power 1
    named by its id."""

    id: str
    org: str
    public_key: bytes
    role: str = "validator"
    address: str = ""
    name: str = ""


def compose_genesis(
    *,
    chain_id: str,
    suite: str,
    time: int,
    orgs: Sequence[GenesisOrg],
    nodes: Sequence[FoundingNode],
    params: ChainParams | None = None,
    name: str = "",
) -> GenesisDoc:
    """The genesis of a chain founded by ``orgs`` (each with its admins and its TLS CA) and
    their ``nodes``: the one builder ``wuyi net create`` / ``wuyi up`` (one machine) and the
    genesis ceremony (``wuyi genesis``, across hosts) share.

    The first organisation is made the operator if none is marked. Each node's record names the
    first CA of its organisation (``tls: {ca: fingerprint}``); the validators are the nodes of
    role ``validator``, in order. Validates everything (:class:`GenesisDoc`)."""
    if orgs and not any(o.operator for o in orgs):
        orgs = [replace(orgs[0], operator=True), *orgs[1:]]
    cas = {o.id: o.tls_cas for o in orgs}
    records = []
    for n in nodes:
        if not cas.get(n.org):
            raise ValidationError(
                f"genesis: node '{n.id}': organisation '{n.org}' has no TLS CA"
                if n.org in cas
                else f"genesis: node '{n.id}': no organisation '{n.org}'"
            )
        tls = ("ca", cert_fingerprint(cas[n.org][0]))
        records.append(GenesisNode(n.id, n.org, n.role, n.public_key, tls, n.address, n.name))
    validators = tuple(Validator(n.public_key, 1, n.id) for n in nodes if n.role == "validator")
    if not validators:
        raise ValidationError("genesis needs at least one validator node")
    return GenesisDoc(
        chain_id=chain_id,
        suite=suite,
        time=time,
        orgs=tuple(orgs),
        validators=ValidatorSet(validators),
        params=params or ChainParams(),
        name=name,
        nodes=tuple(records),
    )


def build_genesis(
    doc: GenesisDoc, tree: StateTree
) -> tuple[Block, dict[bytes, bytes | None], dict[bytes, bytes]]:
    """Block 0, its state writes and its new tree nodes."""
    suite = get_suite(doc.suite)
    changes = doc.compute_state()
    root, nodes = tree.apply(EMPTY_ROOT, changes)
    valset_hash = doc.validators.compute_hash(suite)
    header = BlockHeader(
        chain_id=doc.chain_id,
        height=0,
        prev_hash=ZERO_HASH,
        time=doc.time,
        proposer=b"",
        tx_count=0,
        tx_root=compute_root(suite.hash, []),
        state_root=root,
        receipts_root=compute_root(suite.hash, []),
        validator_set_hash=valset_hash,
        next_validator_set_hash=valset_hash,
    )
    return Block(header, ()), changes, nodes
