"""``wuyi node init --join``: a node home for a department's own host, made from the chain's
genesis and one reachable peer.

What :func:`join_home` writes in ``root``::

    genesis.json        the chain's genesis (checked against ``genesis_hash`` when given)
    keys/validator.key  the node's new chain key (passphrase protected); it never leaves here
    node.toml           [api] and [p2p]: listen address, TLS files, the bootstrap peer
    tls/ca.crt          trust anchors: the CAs genesis lists, plus ``ca_bundle`` (the CA of a
                        bootstrap peer whose organisation joined after genesis)
    tls/node.crt, .key  issued by the organisation's CA when ``ca_dir`` is given; else copy the
                        files ``wuyi tls issue`` made on the organisation's CA host

The node then starts like any other (``wuyi node start --home``). Until governance admits it
(``node.admit``, proposed by its organisation's admin) every peer refuses its handshake; once
the proposal executes, peers accept it without a restart, it catches up by block sync
(each block's quorum certificate checked against the validator sets derived from genesis, so
the bootstrap peer cannot lie about the chain), and it dials the other nodes at the
addresses the chain lists. The catch-up is the adapter's ``_catch_up`` step: the place where
state sync (a snapshot verified against a committed state root) will slot in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from wuyi.abc import PrivateKey
from wuyi.crypto import get_suite, load_key, save_key
from wuyi.exceptions import ValidationError
from wuyi.ledger.genesis import GenesisDoc
from wuyi.ledger.handlers.identity import validate_org_id
from wuyi.ledger.handlers.nodes import cert_fingerprint, validate_address, validate_node_id
from wuyi.network.identity import parse_address
from wuyi.node.home import NodeHome, NodeSettings, compute_genesis_hash
from wuyi.node.p2p_config import PeerAddr, render_p2p_toml

__all__ = ["JoinResult", "join_home", "parse_peer"]


@dataclass(frozen=True)
class JoinResult:
    home: NodeHome
    node_id: str
    org: str
    public_key: bytes
    address: str
    """The p2p address to list on chain (host:port other nodes dial)."""
    genesis_hash: bytes
    ca_fingerprint: bytes | None
    """SHA-256 of the organisation's CA certificate, when ``ca_dir`` was given."""
    peers: tuple[PeerAddr, ...]


def parse_peer(text: str, genesis: GenesisDoc) -> PeerAddr:
    """``NAME=HOST:PORT`` (NAME a validator or node of genesis) or ``HEXKEY@HOST:PORT``."""
    if "@" in text:
        key_hex, _, where = text.partition("@")
        try:
            key = bytes.fromhex(key_hex)
        except ValueError:
            raise ValidationError(f"--peer {text}: the key is not hex", field="peer") from None
        name = f"peer-{key_hex[:8]}"
    elif "=" in text:
        name, _, where = text.partition("=")
        known = {v.name: v.public_key for v in genesis.validators.validators if v.name}
        known.update({n.id: n.public_key for n in genesis.nodes})
        if name not in known:
            raise ValidationError(
                f"--peer {text}: genesis lists no validator or node '{name}'"
                f" (known: {', '.join(sorted(known))}); give HEXKEY@HOST:PORT",
                field="peer",
            )
        key = known[name]
    else:
        raise ValidationError(
            f"--peer {text} must be NAME=HOST:PORT or HEXKEY@HOST:PORT", field="peer"
        )
    hp = parse_address(where)
    if hp is None:
        raise ValidationError(f"--peer {text}: '{where}' is not HOST:PORT", field="peer")
    get_suite(genesis.suite).validate_public_key(key)
    return PeerAddr(name, hp[0], hp[1], key)


def join_home(
    root: Path,
    *,
    genesis_path: Path,
    peers: list[str],
    node_id: str,
    org: str,
    passphrase: str,
    listen: str = "0.0.0.0:26600",
    address: str = "",
    api_host: str = "127.0.0.1",
    api_port: int = 8600,
    genesis_hash: str | None = None,
    ca_dir: Path | None = None,
    ca_bundle: Path | None = None,
    hosts: tuple[str, ...] = (),
    cert_days: int = 90,
    key: PrivateKey | None = None,
) -> JoinResult:
    """Create a node home that joins an existing chain (see the module docstring). ``key`` is
    the node's chain key when it already has one (a founding node of the genesis ceremony,
    whose public key genesis lists); otherwise a new one is made."""
    from wuyi.network.tls import issue_node_certificate

    home = NodeHome(root)
    if home.exists() or home.data_dir.exists():
        raise ValidationError(f"{root} already holds a chain (genesis.json or data/ exists)")
    validate_node_id(node_id, "id")
    genesis = GenesisDoc.load(genesis_path)
    validate_org_id(org)
    actual = compute_genesis_hash(genesis)
    if genesis_hash is not None and actual.hex() != genesis_hash.lower():
        raise ValidationError(
            f"{genesis_path} hashes to {actual.hex()}, not the pinned {genesis_hash}",
            field="genesis_hash",
        )
    if not peers:
        raise ValidationError("give at least one reachable peer (--peer)", field="peer")
    boot = tuple(parse_peer(p, genesis) for p in peers)
    lhp = parse_address(listen)
    if lhp is None:
        raise ValidationError(f"--listen {listen} is not HOST:PORT", field="listen")
    address = address or (listen if lhp[0] not in ("0.0.0.0", "::") else "")
    validate_address(address)
    settings = NodeSettings(api_host=api_host, api_port=api_port)  # validates the port

    anchors: list[bytes] = [der for o in genesis.orgs for der in o.tls_cas]
    if ca_bundle is not None:
        anchors += [
            c.public_bytes(serialization.Encoding.DER)
            for c in x509.load_pem_x509_certificates(ca_bundle.read_bytes())
        ]
    if ca_dir is not None:
        anchors.append(
            x509.load_pem_x509_certificate((ca_dir / "ca.crt").read_bytes()).public_bytes(
                serialization.Encoding.DER
            )
        )
    if not anchors:
        raise ValidationError(
            "no trust anchors: genesis lists no CA; give --ca-bundle with the consortium's CAs",
            field="ca_bundle",
        )

    suite = get_suite(genesis.suite)
    given = key
    if key is None:
        key = suite.generate_private_key()
    elif key.suite_name != genesis.suite:
        raise ValidationError(
            f"the node's key is a {key.suite_name} key; this chain's suite is {genesis.suite}",
            field="key",
        )
    home.keys_dir.mkdir(parents=True, exist_ok=True)
    kp = home.validator_key_path
    if given is not None and kp.exists():  # a given key may already be in its place
        if load_key(kp, passphrase).public_key != key.public_key:
            raise ValidationError(f"{kp} holds another key than the one given", field="key")
    else:
        save_key(kp, key, passphrase)
    genesis.save(home.genesis_path)
    tls_dir = root / "tls"
    tls_dir.mkdir(parents=True, exist_ok=True)
    seen: set[bytes] = set()
    pem = b""
    for der in anchors:
        if der not in seen:
            seen.add(der)
            pem += x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    (tls_dir / "ca.crt").write_bytes(pem)
    ca_fp = None
    if ca_dir is not None:
        names = sorted({*hosts, lhp[0], "127.0.0.1", "localhost"} - {"0.0.0.0", "::"})
        issue_node_certificate(
            ca_dir / "ca.crt",
            ca_dir / "ca.key",
            tls_dir,
            node_id,
            hosts=names,
            days=cert_days,
            copy_ca=False,
        )
        ca_fp = cert_fingerprint(
            x509.load_pem_x509_certificate((ca_dir / "ca.crt").read_bytes()).public_bytes(
                serialization.Encoding.DER
            )
        )
    home.settings_path.write_text(settings.to_toml() + render_p2p_toml(lhp[0], lhp[1], list(boot)))
    return JoinResult(
        home=home,
        node_id=node_id,
        org=org,
        public_key=key.public_key,
        address=address,
        genesis_hash=actual,
        ca_fingerprint=ca_fp,
        peers=boot,
    )
