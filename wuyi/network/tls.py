"""TLS material and contexts for the peer-to-peer network.

Each organisation runs its own CA (``create_org_ca``; ``create_network_ca`` is the same for a
network that still has one CA for everyone) that issues its nodes' TLS certificates
(``issue_node_certificate``): ECDSA P-256 keys, ECDSA-SHA256 signatures, ``serverAuth`` and
``clientAuth`` (each node is both), valid for ``days``. The same CA issues client certificates
(``issue_client_certificate``: ``clientAuth`` only) to the staff and systems that call an API
with ``[api] client_auth = "required"``. Which CA each organisation's nodes
present is recorded on chain (``tls.set_cas``, ``wuyi/ledger/handlers/nodes.py``); TLS proves
"a certificate of one of the consortium's CAs", the node's checks at the handshake
(:mod:`wuyi.network.identity`) that it comes from the CA of the organisation the chain says
the node belongs to and is neither expired nor revoked, and the chain-key handshake
(:mod:`wuyi.network.handshake`) which chain key the connection belongs to.

Contexts are TLS 1.3 only, mutual (``CERT_REQUIRED`` on both sides against the trust anchors:
the ``tls_ca`` file plus the CAs the chain lists) and do not check host names: peers are
identified by their chain key, not by DNS. Certificates are written atomically (a new file
renamed over the old), so a running node can pick up a renewed certificate
(``PeerNetwork.reload_tls``).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import ssl
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from wuyi.node.p2p_config import P2PSettings

__all__ = [
    "CA_CERT_NAME",
    "CA_KEY_NAME",
    "CLIENT_CERT_NAME",
    "CLIENT_KEY_NAME",
    "NODE_CERT_NAME",
    "NODE_KEY_NAME",
    "client_context",
    "create_network_ca",
    "create_org_ca",
    "issue_client_certificate",
    "issue_node_certificate",
    "load_certificate_der",
    "load_pem_certificates_der",
    "server_context",
]

CA_CERT_NAME = "ca.crt"
CA_KEY_NAME = "ca.key"
NODE_CERT_NAME = "node.crt"
NODE_KEY_NAME = "node.key"
CLIENT_CERT_NAME = "client.crt"
CLIENT_KEY_NAME = "client.key"
VALIDITY = datetime.timedelta(days=3650)
CA_DAYS = 3650
NODE_DAYS = 365
CLIENT_DAYS = 365
_BACKDATE = datetime.timedelta(days=1)  # tolerate clocks that are a little behind


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a new file beside ``path`` and rename it over ``path``: a reader sees
    the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _write_private_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomic(path, pem, 0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    _write_atomic(path, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _validity(
    days: float = VALIDITY.days, now: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    now = now or datetime.datetime.now(datetime.UTC)
    not_after = now + datetime.timedelta(days=days)
    return min(now, not_after - datetime.timedelta(days=1)) - _BACKDATE, not_after


def create_network_ca(dir: Path, name: str, *, days: int = CA_DAYS) -> tuple[Path, Path]:
    """Create one CA for a whole network in ``dir``: ``ca.crt`` and ``ca.key`` (mode 0600).

    Kept for networks created before each organisation had its own CA; new networks use
    :func:`create_org_ca` once per organisation.
    """
    return _create_ca(Path(dir), f"{name} network CA", "Wuyi Chain", days)


def create_org_ca(dir: Path, org: str, *, days: int = CA_DAYS) -> tuple[Path, Path]:
    """Create organisation ``org``'s own TLS CA in ``dir``: ``ca.crt`` and ``ca.key`` (0600).

    Only this organisation holds ``ca.key``; keep it offline (or on the admin's machine) after
    issuing. Register ``ca.crt`` on chain (``wuyi tls register-ca``) so that peers accept the
    certificates it issues for this organisation's nodes, and only for them.
    """
    return _create_ca(Path(dir), f"{org} node CA", org, days)


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
    *,
    ca: bool,
) -> x509.CertificateBuilder:
    """A certificate for ``key``'s public key with a fresh serial and, as critical extensions,
    its basic constraints and key usage: a CA (no intermediate below it) signs certificates
    and CRLs, anything else only signs (the TLS handshake)."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )


def _create_ca(dir: Path, common_name: str, org_name: str, days: int) -> tuple[Path, Path]:
    dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    not_before, not_after = _validity(days)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        _builder(subject, subject, key, not_before, not_after, ca=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = dir / CA_CERT_NAME, dir / CA_KEY_NAME
    _write_private_key(key_path, key)
    _write_cert(cert_path, cert)
    return cert_path, key_path


def _san(hosts: Sequence[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def issue_node_certificate(
    ca_cert: Path,
    ca_key: Path,
    out_dir: Path,
    node_name: str,
    hosts: Sequence[str] = ("127.0.0.1", "localhost"),
    *,
    days: float = VALIDITY.days,
    copy_ca: bool = True,
    now: datetime.datetime | None = None,
) -> tuple[Path, Path]:
    """Issue ``node_name`` a TLS certificate signed by the CA (``ca_cert``, ``ca_key``).

    Writes ``out_dir/node.crt`` and ``out_dir/node.key`` (mode 0600) — the default
    ``tls_cert``/``tls_key`` of ``[p2p]`` when ``out_dir`` is ``<home>/tls`` — each atomically
    (a renewal replaces the key, then the certificate; a running node reloads them), and copies
    the CA certificate to ``out_dir/ca.crt`` (the default ``tls_ca``) when ``copy_ca`` and it is
    not already there. ``hosts`` go into the subjectAltName (IP addresses as IPs, anything else
    as DNS names). ``days`` is the validity (a negative value makes an expired certificate, for
    tests).
    """
    ca_cert, out_dir = Path(ca_cert), Path(out_dir)
    usages = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    key, cert = _issue(ca_cert, Path(ca_key), node_name, usages, hosts, days, now)
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out_dir / NODE_CERT_NAME, out_dir / NODE_KEY_NAME
    _write_private_key(key_path, key)
    _write_cert(cert_path, cert)
    ca_copy = out_dir / CA_CERT_NAME
    if copy_ca and not (ca_copy.exists() and ca_copy.resolve() == ca_cert.resolve()):
        shutil.copyfile(ca_cert, ca_copy)
    return cert_path, key_path


def issue_client_certificate(
    ca_cert: Path,
    ca_key: Path,
    out_dir: Path,
    name: str,
    *,
    days: float = CLIENT_DAYS,
    now: datetime.datetime | None = None,
) -> tuple[Path, Path]:
    """Issue a client certificate (``extendedKeyUsage`` ``clientAuth`` only, no host names)
    named ``name`` — a member of staff or one of the organisation's systems — from the CA
    (``ca_cert``, ``ca_key``), for an API with ``[api] client_auth = "required"``.

    Writes ``out_dir/client.crt`` and ``out_dir/client.key`` (mode 0600, unencrypted: protect
    the file) atomically. It cannot serve as a node's or an API's certificate."""
    out_dir = Path(out_dir)
    key, cert = _issue(
        Path(ca_cert), Path(ca_key), name, [ExtendedKeyUsageOID.CLIENT_AUTH], (), days, now
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out_dir / CLIENT_CERT_NAME, out_dir / CLIENT_KEY_NAME
    _write_private_key(key_path, key)
    _write_cert(cert_path, cert)
    return cert_path, key_path


def _issue(
    ca_cert: Path,
    ca_key: Path,
    name: str,
    usages: Sequence[x509.ObjectIdentifier],
    hosts: Sequence[str],
    days: float,
    now: datetime.datetime | None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new P-256 key and its certificate for ``name`` (CN; O from the CA) signed by the CA,
    with the extended key ``usages`` and ``hosts`` as subjectAltName (none if empty)."""
    issuer_cert = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    issuer_key = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    if not isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{ca_key}: the network CA key must be an EC key")
    key = ec.generate_private_key(ec.SECP256R1())
    not_before, not_after = _validity(days, now)
    org_attrs = issuer_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    org_name = str(org_attrs[0].value) if org_attrs else "Wuyi Chain"
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    builder = _builder(
        subject, issuer_cert.subject, key, not_before, not_after, ca=False
    ).add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    if hosts:
        builder = builder.add_extension(_san(hosts), critical=False)
    cert = (
        builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return key, cert


def load_certificate_der(path: Path) -> bytes:
    """DER of the first (leaf) certificate in the PEM file ``path`` — what TLS sends peers."""
    cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
    return cert.public_bytes(serialization.Encoding.DER)


def load_pem_certificates_der(path: Path) -> list[bytes]:
    """DER of every certificate in the PEM file ``path`` (a CA bundle); [] if it is missing."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    return [
        c.public_bytes(serialization.Encoding.DER) for c in x509.load_pem_x509_certificates(data)
    ]


def _base_context(
    purpose: int, settings: P2PSettings, anchors: Sequence[bytes] = ()
) -> ssl.SSLContext:
    ctx = ssl.SSLContext(purpose)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False  # peers are identified by the handshake, not by DNS
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_cert_chain(str(settings.tls_cert), str(settings.tls_key))
    loaded = False
    if Path(settings.tls_ca).exists():
        ctx.load_verify_locations(cafile=str(settings.tls_ca))
        loaded = True
    if anchors:
        ctx.load_verify_locations(cadata=b"".join(anchors))
        loaded = True
    if not loaded:
        raise ssl.SSLError(
            f"no trust anchors: {settings.tls_ca} is missing and the chain lists no CA"
        )
    return ctx


def server_context(settings: P2PSettings, anchors: Sequence[bytes] = ()) -> ssl.SSLContext:
    """TLS 1.3 server context that requires a client certificate from a trusted CA (the
    ``tls_ca`` file and ``anchors``, DER CA certificates the chain lists)."""
    return _base_context(ssl.PROTOCOL_TLS_SERVER, settings, anchors)


def client_context(settings: P2PSettings, anchors: Sequence[bytes] = ()) -> ssl.SSLContext:
    """TLS 1.3 client context that presents the node certificate and trusts only the
    ``tls_ca`` file and ``anchors``."""
    return _base_context(ssl.PROTOCOL_TLS_CLIENT, settings, anchors)
