"""The genesis ceremony: founding a chain across the departments' own hosts, with no private
key leaving its organisation (issue #24; the operator's walk is ``docs/deploy.md`` §0).

::

    each org   contribute  ORG.contribution.json   its admin public key, its TLS CA certificate,
                                                   its nodes' chain public keys, roles, addresses;
                                                   signed by its admin key
    anyone     assemble    genesis.draft.json      every contribution checked (signature, suite,
                                                   chain id, duplicates), the genesis built by
                                                   the builder ``wuyi net create`` uses
                                                   (:func:`wuyi.ledger.genesis.compose_genesis`),
                                                   its hash; the contributions ride along
    each org   approve     ORG.approval.json       its admin signs the genesis hash after checking
                                                   that its own contribution is in it unchanged
    anyone     verify      genesis.json            every founding organisation approved that hash
    each org   node-init   a founding node's home  ``wuyi node init --join``'s home, keeping the
                                                   chain key the organisation contributed

Signed bytes are a domain tag followed by the canonical encoding (``wuyi.encoding``) of the
object, as for transactions and blocks: :data:`CONTRIBUTION_DOMAIN` + ``encode(body)`` and
:data:`APPROVAL_DOMAIN` + ``encode({chain_id, org, genesis_hash, public_key})``, signed with
the organisation's admin key in the chain's suite (SM2 or Ed25519). The files are JSON (bytes
as lowercase hex, the CA certificate as PEM) and hold public material only.

Assembling does not depend on the order of the contributions (organisations are sorted by id,
each organisation's nodes keep its order), so every organisation can re-assemble the draft from
the same contributions and parameters and compare the hash.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.crypto import get_suite, load_key
from wuyi.encoding import encode
from wuyi.exceptions import CeremonyRefused, CryptoError, ValidationError
from wuyi.ledger.genesis import FoundingNode, GenesisDoc, GenesisOrg, _der, _pem, compose_genesis
from wuyi.ledger.handlers.identity import validate_org_id
from wuyi.ledger.handlers.nodes import (
    NODE_ROLES,
    cert_fingerprint,
    parse_ca_certificate,
    validate_address,
    validate_node_id,
)
from wuyi.node.home import NodeHome, compute_genesis_hash
from wuyi.params import ChainParams

__all__ = [
    "APPROVAL_DOMAIN",
    "APPROVAL_FORMAT",
    "CONTRIBUTION_DOMAIN",
    "CONTRIBUTION_FORMAT",
    "DRAFT_FORMAT",
    "Approval",
    "ApprovalRow",
    "ContributedNode",
    "Contribution",
    "Draft",
    "approve_draft",
    "assemble",
    "compute_approval_rows",
    "compute_differences",
    "init_founding_node",
    "load_approval",
    "load_contribution",
    "load_genesis_or_draft",
    "make_contribution",
    "read_public_key",
    "validate_approvals",
]

CONTRIBUTION_FORMAT = "wuyi-genesis-contribution/1"
DRAFT_FORMAT = "wuyi-genesis-draft/1"
APPROVAL_FORMAT = "wuyi-genesis-approval/1"
CONTRIBUTION_DOMAIN = b"wuyi/genesis-contribution\x00"
APPROVAL_DOMAIN = b"wuyi/genesis-approval\x00"


def _refuse(reason: str, message: str) -> CeremonyRefused:
    return CeremonyRefused(message, reason=reason)


# -- contributions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributedNode:
    id: str
    role: str
    public_key: bytes
    address: str = ""
    name: str = ""

    def to_obj(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "public_key": self.public_key,
            "address": self.address,
            "name": self.name,
        }


@dataclass(frozen=True)
class Contribution:
    """One founding organisation's public material, signed by its admin key."""

    org: str
    name: str
    suite: str
    admin_name: str
    admin_key: bytes
    tls_ca: bytes
    """DER of the organisation's TLS CA certificate (``wuyi tls ca-init``)."""
    nodes: tuple[ContributedNode, ...]
    chain_id: str = ""
    """The chain it is for, if the organisation pinned one ("" = any)."""
    signature: bytes = b""

    def body(self) -> dict[str, Any]:
        return {
            "format": CONTRIBUTION_FORMAT,
            "chain_id": self.chain_id,
            "suite": self.suite,
            "org": {"id": self.org, "name": self.name},
            "admin": {"name": self.admin_name, "public_key": self.admin_key},
            "tls_ca": self.tls_ca,
            "nodes": [n.to_obj() for n in self.nodes],
        }

    def signing_bytes(self) -> bytes:
        return CONTRIBUTION_DOMAIN + encode(self.body())

    def is_signed(self) -> bool:
        """Whether ``signature`` is the admin key's over the body (False for any bad input)."""
        try:
            suite = get_suite(self.suite)
        except CryptoError:
            return False
        return suite.verify(self.admin_key, self.signing_bytes(), self.signature)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CONTRIBUTION_FORMAT,
            "chain_id": self.chain_id,
            "suite": self.suite,
            "org": {"id": self.org, "name": self.name},
            "admin": {"name": self.admin_name, "public_key": self.admin_key.hex()},
            "tls_ca": _pem(self.tls_ca),
            "nodes": [{**n.to_obj(), "public_key": n.public_key.hex()} for n in self.nodes],
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, obj: Any, source: str = "contribution") -> Contribution:
        try:
            if obj["format"] != CONTRIBUTION_FORMAT:
                raise ValueError(f"format is {obj['format']!r}, not {CONTRIBUTION_FORMAT!r}")
            return cls(
                org=str(obj["org"]["id"]),
                name=str(obj["org"]["name"]),
                suite=str(obj["suite"]),
                admin_name=str(obj["admin"]["name"]),
                admin_key=bytes.fromhex(obj["admin"]["public_key"]),
                tls_ca=_der(obj["tls_ca"]),
                nodes=tuple(
                    ContributedNode(
                        id=str(n["id"]),
                        role=str(n["role"]),
                        public_key=bytes.fromhex(n["public_key"]),
                        address=str(n.get("address", "")),
                        name=str(n.get("name", "")),
                    )
                    for n in obj["nodes"]
                ),
                chain_id=str(obj.get("chain_id", "")),
                signature=bytes.fromhex(obj["signature"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _refuse("malformed", f"{source} is not a genesis contribution: {exc}") from None

    def genesis_org(self, operator: bool) -> GenesisOrg:
        return GenesisOrg(
            self.org, self.name, operator, ((self.admin_name, self.admin_key),), (self.tls_ca,)
        )

    def founding_nodes(self) -> list[FoundingNode]:
        return [
            FoundingNode(n.id, self.org, n.public_key, n.role, n.address, n.name)
            for n in self.nodes
        ]


def validate_contribution(c: Contribution, source: str) -> None:
    """Everything a contribution must satisfy on its own (its signature included)."""
    where = f"{source} ('{c.org}')"
    try:
        suite = get_suite(c.suite)
        validate_org_id(c.org)
        if not c.name:
            raise ValidationError("the organisation has no name")
        suite.validate_public_key(c.admin_key)
        parse_ca_certificate(c.tls_ca, "tls_ca")
        if not c.nodes:
            raise ValidationError("it names no node")
        for n in c.nodes:
            validate_node_id(n.id, "node id")
            validate_address(n.address)
            if n.role not in NODE_ROLES:
                raise ValidationError(f"node '{n.id}': role must be one of {list(NODE_ROLES)}")
            suite.validate_public_key(n.public_key)
    except (ValidationError, CryptoError) as exc:
        raise _refuse("invalid", f"{where}: {exc.message}") from None
    if not c.is_signed():
        raise _refuse(
            "bad_signature",
            f"{where}: the signature is not its admin key's over this content"
            " (altered after signing, or signed with another key)",
        )


def make_contribution(
    *,
    org: str,
    name: str,
    admin_key: PrivateKey,
    tls_ca: bytes,
    nodes: Sequence[ContributedNode],
    admin_name: str = "",
    chain_id: str = "",
) -> Contribution:
    """A signed contribution (``wuyi genesis contribute``); checked as ``assemble`` will."""
    c = Contribution(
        org=org,
        name=name,
        suite=admin_key.suite_name,
        admin_name=admin_name or f"{org}-admin",
        admin_key=admin_key.public_key,
        tls_ca=tls_ca,
        nodes=tuple(nodes),
        chain_id=chain_id,
    )
    c = replace(c, signature=admin_key.sign(c.signing_bytes()))
    validate_contribution(c, "contribution")
    _validate_distinct([("contribution", c)])
    return c


def read_public_key(path: Path, suite: str) -> bytes:
    """A node's chain public key from ``path``: a key file (``wuyi key new``; only its public
    part is read, no passphrase) or a text file of hex digits (``node.pub``)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc}") from None
    if text.startswith("{"):
        try:
            obj = json.loads(text)
            key_suite, hex_key = str(obj["suite"]), str(obj["public_key"])
        except (ValueError, KeyError, TypeError):
            raise ValidationError(f"{path} is neither a key file nor a hex public key") from None
        if key_suite != suite:
            raise ValidationError(f"{path} is a key of suite '{key_suite}', not '{suite}'")
    else:
        hex_key = text
    try:
        pk = bytes.fromhex(hex_key)
        get_suite(suite).validate_public_key(pk)
    except (ValueError, CryptoError) as exc:
        raise ValidationError(f"{path}: not a public key of suite '{suite}': {exc}") from None
    return pk


def load_contribution(path: Path) -> Contribution:
    return Contribution.from_json(_read_json(path), str(path))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc}") from None
    except ValueError as exc:
        raise ValidationError(f"{path} is not JSON: {exc}") from None


def _write_json(path: Path, obj: Any) -> None:
    Path(path).write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# -- assembling ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """``genesis.draft.json``: the genesis, its hash and the signed contributions it was built
    from (so each organisation can check its own, and anyone can re-assemble)."""

    genesis: GenesisDoc
    genesis_hash: bytes
    contributions: tuple[Contribution, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": DRAFT_FORMAT,
            "genesis_hash": self.genesis_hash.hex(),
            "genesis": self.genesis.to_json(),
            "contributions": [c.to_json() for c in self.contributions],
        }

    def save(self, path: Path) -> None:
        _write_json(path, self.to_json())


def _validate_distinct(items: Sequence[tuple[str, Contribution]]) -> None:
    """No organisation, key, node id or CA certificate appears twice across ``items`` (nor a
    key twice within one contribution)."""
    orgs: dict[str, str] = {}
    seen: dict[tuple[str, Any], str] = {}
    for source, c in items:
        owner = f"{source} ('{c.org}')"
        if c.org in orgs:
            raise _refuse(
                "duplicate_org", f"organisation '{c.org}' appears twice: {orgs[c.org]} and {owner}"
            )
        orgs[c.org] = owner
        claims: list[tuple[str, Any, str]] = [
            ("key", c.admin_key, f"the admin key of {owner}"),
            ("CA certificate", cert_fingerprint(c.tls_ca), f"the TLS CA of {owner}"),
        ]
        for n in c.nodes:
            claims += [
                ("key", n.public_key, f"the key of node '{n.id}' of {owner}"),
                ("node id", n.id, f"node '{n.id}' of {owner}"),
            ]
        for kind, value, what in claims:
            first = seen.get((kind, value))
            if first is not None:
                label = value.hex()[:16] + "…" if isinstance(value, bytes) else value
                raise _refuse(
                    "duplicate_node" if kind == "node id" else "duplicate_key",
                    f"{first} and {what} are the same {kind} ({label})",
                )
            seen[(kind, value)] = what


def _validate_for_chain(c: Contribution, source: str, chain_id: str, suite: str) -> None:
    validate_contribution(c, source)
    if c.suite != suite:
        raise _refuse("wrong_suite", f"{source} ('{c.org}') uses suite '{c.suite}', not '{suite}'")
    if c.chain_id and c.chain_id != chain_id:
        raise _refuse(
            "wrong_chain", f"{source} ('{c.org}') is for chain '{c.chain_id}', not '{chain_id}'"
        )


def assemble(
    contributions: Sequence[tuple[str, Contribution]],
    *,
    chain_id: str,
    suite: str,
    time_ms: int,
    operator: str,
    params: ChainParams | None = None,
    name: str = "",
) -> Draft:
    """Check every contribution (``(source, contribution)``: source names it in errors) and
    build the draft; the order of ``contributions`` does not change the result."""
    if not contributions:
        raise _refuse("invalid", "no contribution to assemble")
    for source, c in contributions:
        _validate_for_chain(c, source, chain_id, suite)
    _validate_distinct(contributions)
    ordered = sorted((c for _s, c in contributions), key=lambda c: c.org)
    if operator not in {c.org for c in ordered}:
        raise _refuse("invalid", f"the operator '{operator}' is not a contributing organisation")
    genesis = compose_genesis(
        chain_id=chain_id,
        suite=suite,
        time=time_ms,
        orgs=[c.genesis_org(c.org == operator) for c in ordered],
        nodes=[n for c in ordered for n in c.founding_nodes()],
        params=params,
        name=name,
    )
    return Draft(genesis, compute_genesis_hash(genesis), tuple(ordered))


def compute_differences(genesis: GenesisDoc, c: Contribution) -> list[str]:
    """What of contribution ``c`` the genesis does not hold exactly as contributed (empty if it
    is all there, unchanged, and genesis gives its organisation nothing more)."""
    org = next((o for o in genesis.orgs if o.id == c.org), None)
    if org is None:
        return [f"organisation '{c.org}' is not in the genesis"]
    out: list[str] = []
    if org.name != c.name:
        out.append(f"name is '{org.name}', contributed '{c.name}'")
    if org.admins != ((c.admin_name, c.admin_key),):
        got = ", ".join(f"{n} {pk.hex()[:16]}…" for n, pk in org.admins)
        out.append(f"admins are [{got}], contributed [{c.admin_name} {c.admin_key.hex()[:16]}…]")
    if org.tls_cas != (c.tls_ca,):
        out.append("TLS CA certificates differ from the one contributed")
    fingerprint = cert_fingerprint(c.tls_ca)
    records = {n.id: n for n in genesis.nodes if n.org == c.org}
    validators = {v.public_key: v for v in genesis.validators.validators}
    for n in c.nodes:
        rec = records.pop(n.id, None)
        if rec is None:
            out.append(f"node '{n.id}' is missing")
            continue
        for what, got, want in (
            ("public key", rec.public_key.hex(), n.public_key.hex()),
            ("role", rec.role, n.role),
            ("address", rec.address, n.address),
            ("name", rec.name, n.name),
            ("TLS", f"{rec.tls[0]}:{rec.tls[1].hex()}", f"ca:{fingerprint.hex()}"),
        ):
            if got != want:
                out.append(f"node '{n.id}': {what} is {got!r}, contributed {want!r}")
        v = validators.pop(n.public_key, None)
        if n.role == "validator" and (v is None or v.power != 1 or v.name != n.id):
            out.append(f"node '{n.id}' is not a validator of power 1 named '{n.id}'")
        if n.role != "validator" and v is not None:
            out.append(f"node '{n.id}' is a validator, contributed as {n.role}")
    for extra in records:
        out.append(f"node '{extra}' is in the genesis under '{c.org}' but was not contributed")
    return out


def _check_draft(draft_obj: Any, source: str) -> Draft:
    """A draft file, its stated hash checked against its genesis (the contributions are checked
    by :func:`approve_draft`)."""
    try:
        if draft_obj["format"] != DRAFT_FORMAT:
            raise ValueError(f"format is {draft_obj['format']!r}, not {DRAFT_FORMAT!r}")
        genesis = GenesisDoc.from_json(draft_obj["genesis"])
        stated = bytes.fromhex(draft_obj["genesis_hash"])
        raw = list(draft_obj["contributions"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _refuse("malformed", f"{source} is not a genesis draft: {exc}") from None
    contributions = tuple(
        Contribution.from_json(c, f"{source}: contribution {i}") for i, c in enumerate(raw)
    )
    actual = compute_genesis_hash(genesis)
    if actual != stated:
        raise _refuse(
            "wrong_hash",
            f"{source} states genesis hash {stated.hex()}, its genesis hashes to {actual.hex()}",
        )
    return Draft(genesis, actual, contributions)


# -- approvals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """An organisation's admin signature over the genesis hash (``ORG.approval.json``)."""

    chain_id: str
    org: str
    genesis_hash: bytes
    public_key: bytes
    signature: bytes = b""

    def signing_bytes(self) -> bytes:
        return APPROVAL_DOMAIN + encode(
            {
                "chain_id": self.chain_id,
                "org": self.org,
                "genesis_hash": self.genesis_hash,
                "public_key": self.public_key,
            }
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": APPROVAL_FORMAT,
            "chain_id": self.chain_id,
            "org": self.org,
            "genesis_hash": self.genesis_hash.hex(),
            "public_key": self.public_key.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, obj: Any, source: str = "approval") -> Approval:
        try:
            if obj["format"] != APPROVAL_FORMAT:
                raise ValueError(f"format is {obj['format']!r}, not {APPROVAL_FORMAT!r}")
            return cls(
                chain_id=str(obj["chain_id"]),
                org=str(obj["org"]),
                genesis_hash=bytes.fromhex(obj["genesis_hash"]),
                public_key=bytes.fromhex(obj["public_key"]),
                signature=bytes.fromhex(obj["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _refuse("malformed", f"{source} is not a genesis approval: {exc}") from None

    def save(self, path: Path) -> None:
        _write_json(path, self.to_json())


def load_approval(path: Path) -> Approval:
    return Approval.from_json(_read_json(path), str(path))


def approve_draft(
    draft_path: Path,
    key: PrivateKey,
    org: str,
    contribution: Contribution | None = None,
) -> tuple[Approval, Draft]:
    """``wuyi genesis approve``: check the draft (its hash; every organisation's signed
    contribution in it unchanged; ``org``'s contribution signed by ``key`` and equal to
    ``contribution`` when given, this organisation's own file) and sign its genesis hash."""
    draft = _check_draft(_read_json(draft_path), str(draft_path))
    mine = [c for c in draft.contributions if c.org == org]
    if not mine:
        raise _refuse("contribution_altered", f"{draft_path} holds no contribution of '{org}'")
    own = mine[0]
    if own.admin_key != key.public_key:
        raise _refuse(
            "contribution_altered",
            f"the contribution of '{org}' in {draft_path} names admin key"
            f" {own.admin_key.hex()[:16]}…, yours is {key.public_key.hex()[:16]}…",
        )
    if contribution is not None and contribution.to_json() != own.to_json():
        theirs, ours = own.to_json(), contribution.to_json()
        fields = [k for k in ours if ours[k] != theirs.get(k)]
        raise _refuse(
            "contribution_altered",
            f"the contribution of '{org}' in {draft_path} differs from yours in: "
            + ", ".join(fields),
        )
    seen: set[str] = set()
    for c in draft.contributions:
        g = draft.genesis
        _validate_for_chain(c, f"{draft_path}: contribution of '{c.org}'", g.chain_id, g.suite)
        seen.add(c.org)
        diffs = compute_differences(draft.genesis, c)
        if diffs:
            who = "your contribution" if c.org == org else f"the contribution of '{c.org}'"
            raise _refuse(
                "contribution_altered",
                f"{draft_path}: the genesis does not hold {who} unchanged: " + "; ".join(diffs),
            )
    _validate_distinct([(str(draft_path), c) for c in draft.contributions])
    unsigned = [o.id for o in draft.genesis.orgs if o.id not in seen]
    if unsigned:
        raise _refuse(
            "contribution_altered",
            f"{draft_path}: organisations without a signed contribution: {', '.join(unsigned)}",
        )
    contributed = {n.public_key for c in draft.contributions for n in c.nodes}
    extra = [v.name for v in draft.genesis.validators.validators if v.public_key not in contributed]
    if extra:
        raise _refuse(
            "contribution_altered",
            f"{draft_path}: validators no organisation contributed: {', '.join(extra)}",
        )
    a = Approval(draft.genesis.chain_id, org, draft.genesis_hash, key.public_key)
    return replace(a, signature=key.sign(a.signing_bytes())), draft


@dataclass(frozen=True)
class ApprovalRow:
    """One line of ``wuyi genesis verify``'s table."""

    org: str
    status: str
    """``ok``, ``missing``, ``bad_signature``, ``wrong_hash``, ``not_admin``, ``unknown_org``."""
    source: str = ""
    detail: str = ""


def load_genesis_or_draft(path: Path) -> GenesisDoc:
    """The genesis of a ``genesis.json`` or of a draft (whose stated hash is then checked)."""
    obj = _read_json(path)
    if isinstance(obj, dict) and obj.get("format") == DRAFT_FORMAT:
        return _check_draft(obj, str(path)).genesis
    return GenesisDoc.from_json(obj)


def compute_approval_rows(
    genesis: GenesisDoc, approvals: Sequence[tuple[str, Approval]]
) -> list[ApprovalRow]:
    """One row per founding organisation (in genesis order), then one per approval of an
    organisation genesis does not found."""
    suite = get_suite(genesis.suite)
    h = compute_genesis_hash(genesis)
    by_org: dict[str, list[tuple[str, Approval]]] = {}
    for source, a in approvals:
        by_org.setdefault(a.org, []).append((source, a))
    rows: list[ApprovalRow] = []
    for o in genesis.orgs:
        admins = {pk for _n, pk in o.admins}
        best: ApprovalRow | None = None
        for source, a in by_org.pop(o.id, []):
            if a.public_key not in admins:
                row = ApprovalRow(o.id, "not_admin", source, "signed by a key not its admin's")
            elif not suite.verify(a.public_key, a.signing_bytes(), a.signature):
                row = ApprovalRow(o.id, "bad_signature", source, "the signature does not verify")
            elif a.genesis_hash != h or a.chain_id != genesis.chain_id:
                row = ApprovalRow(
                    o.id,
                    "wrong_hash",
                    source,
                    f"approves {a.chain_id} {a.genesis_hash.hex()}, not {h.hex()}",
                )
            else:
                row = ApprovalRow(o.id, "ok", source)
            if best is None or row.status == "ok":
                best = row
        rows.append(best or ApprovalRow(o.id, "missing", "", "no approval"))
    for org, items in by_org.items():
        rows += [
            ApprovalRow(org, "unknown_org", s, "not a founding organisation") for s, _ in items
        ]
    return rows


def validate_approvals(
    genesis: GenesisDoc,
    approvals: Sequence[tuple[str, Approval]],
    genesis_hash: bytes | None = None,
) -> list[ApprovalRow]:
    """Every founding organisation approved this genesis's hash (pinned to ``genesis_hash`` if
    given); the rows, or :class:`CeremonyRefused` naming each organisation at fault."""
    h = compute_genesis_hash(genesis)
    if genesis_hash is not None and h != genesis_hash:
        raise _refuse("wrong_hash", f"the genesis hashes to {h.hex()}, not {genesis_hash.hex()}")
    rows = compute_approval_rows(genesis, approvals)
    bad = [r for r in rows if r.status not in ("ok", "unknown_org")]
    if bad:
        raise _refuse(
            bad[0].status,
            "genesis not approved by every founding organisation: "
            + "; ".join(
                f"'{r.org}' {r.status}" + (f" ({r.detail})" if r.detail else "") for r in bad
            ),
        )
    return rows


# -- a founding node's home ----------------------------------------------------------------------


def init_founding_node(
    root: Path,
    *,
    genesis_path: Path,
    passphrase: str,
    genesis_hash: str | None = None,
    peers: Sequence[str] = (),
    listen: str = "",
    api_host: str = "127.0.0.1",
    api_port: int = 8600,
    ca_dir: Path | None = None,
    hosts: tuple[str, ...] = (),
) -> Any:
    """The home of a founding node whose chain key is already in ``root/keys/validator.key``
    (``wuyi key new``, the key whose public part was contributed): the home ``wuyi node init
    --join`` makes (:func:`wuyi.node.join.join_home`: genesis checked against its hash, trust
    anchors, TLS certificate from ``ca_dir``, ``node.toml``), keeping that key. Its id,
    organisation and address come from the genesis record of the key; the peers default to
    every other node genesis lists with an address. Returns the ``JoinResult``."""
    from wuyi.node.join import join_home

    home = NodeHome(root)
    key_path = home.validator_key_path
    key = load_key(key_path, passphrase)
    genesis = GenesisDoc.load(genesis_path)
    rec = next((n for n in genesis.nodes if n.public_key == key.public_key), None)
    if rec is None:
        raise ValidationError(
            f"{genesis_path} lists no node with the key of {key_path}"
            f" ({key.public_key.hex()[:16]}…): not a founding node of this chain"
        )
    if not peers:
        peers = [f"{n.id}={n.address}" for n in genesis.nodes if n.id != rec.id and n.address]
    if not listen:
        listen = f"0.0.0.0:{rec.address.rsplit(':', 1)[1]}" if rec.address else "0.0.0.0:26600"
    if rec.address:
        hosts = (*hosts, rec.address.rsplit(":", 1)[0].strip("[]"))
    return join_home(
        root,
        genesis_path=genesis_path,
        peers=list(peers),
        node_id=rec.id,
        org=rec.org,
        passphrase=passphrase,
        listen=listen,
        address=rec.address,
        api_host=api_host,
        api_port=api_port,
        genesis_hash=genesis_hash,
        ca_dir=ca_dir,
        hosts=hosts,
        key=key,
    )
