"""TLS material and contexts for the peer-to-peer network.

A network has one private CA (``create_network_ca``) that issues every node a TLS certificate
(``issue_node_certificate``): ECDSA P-256 keys, ECDSA-SHA256 signatures, valid for 10 years,
``serverAuth`` and ``clientAuth`` (each node is both). TLS only proves "a certificate of this
network"; which chain key a connection belongs to is proved by the handshake in
:mod:`wuyi.network.handshake`, which signs the hashes of both certificates with the node key.

Contexts are TLS 1.3 only, mutual (``CERT_REQUIRED`` on both sides against the network CA) and do
not check host names: peers are identified by their chain key, not by DNS.
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
    "NODE_CERT_NAME",
    "NODE_KEY_NAME",
    "client_context",
    "create_network_ca",
    "issue_node_certificate",
    "load_certificate_der",
    "server_context",
]

CA_CERT_NAME = "ca.crt"
CA_KEY_NAME = "ca.key"
NODE_CERT_NAME = "node.crt"
NODE_KEY_NAME = "node.key"
VALIDITY = datetime.timedelta(days=3650)
_BACKDATE = datetime.timedelta(days=1)  # tolerate clocks that are a little behind


def _write_private_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
    finally:
        os.close(fd)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _validity() -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.UTC)
    return now - _BACKDATE, now + VALIDITY


def create_network_ca(dir: Path, name: str) -> tuple[Path, Path]:
    """Create the network CA in ``dir``: ``ca.crt`` and ``ca.key`` (mode 0600).

    Keep ``ca.key`` offline after issuing the node certificates; every node needs ``ca.crt``.
    """
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Wuyi Chain"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} network CA"),
        ]
    )
    not_before, not_after = _validity()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
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
) -> tuple[Path, Path]:
    """Issue ``node_name`` a TLS certificate signed by the network CA.

    Writes ``out_dir/node.crt`` and ``out_dir/node.key`` (mode 0600) — the default
    ``tls_cert``/``tls_key`` of ``[p2p]`` when ``out_dir`` is ``<home>/tls`` — and copies the CA
    certificate to ``out_dir/ca.crt`` (the default ``tls_ca``) unless it is already there.
    ``hosts`` go into the subjectAltName (IP addresses as IPs, anything else as DNS names).
    """
    ca_cert, ca_key, out_dir = Path(ca_cert), Path(ca_key), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    issuer_cert = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    issuer_key = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    if not isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{ca_key}: the network CA key must be an EC key")
    key = ec.generate_private_key(ec.SECP256R1())
    not_before, not_after = _validity()
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Wuyi Chain"),
                    x509.NameAttribute(NameOID.COMMON_NAME, node_name),
                ]
            )
        )
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(_san(hosts), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    cert_path, key_path = out_dir / NODE_CERT_NAME, out_dir / NODE_KEY_NAME
    _write_private_key(key_path, key)
    _write_cert(cert_path, cert)
    ca_copy = out_dir / CA_CERT_NAME
    if not (ca_copy.exists() and ca_copy.resolve() == ca_cert.resolve()):
        shutil.copyfile(ca_cert, ca_copy)
    return cert_path, key_path


def load_certificate_der(path: Path) -> bytes:
    """DER of the first (leaf) certificate in the PEM file ``path`` — what TLS sends peers."""
    cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
    return cert.public_bytes(serialization.Encoding.DER)


def _base_context(purpose: int, settings: P2PSettings) -> ssl.SSLContext:
    ctx = ssl.SSLContext(purpose)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False  # peers are identified by the handshake, not by DNS
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_cert_chain(str(settings.tls_cert), str(settings.tls_key))
    ctx.load_verify_locations(cafile=str(settings.tls_ca))
    return ctx


def server_context(settings: P2PSettings) -> ssl.SSLContext:
    """TLS 1.3 server context that requires a client certificate from the network CA."""
    return _base_context(ssl.PROTOCOL_TLS_SERVER, settings)


def client_context(settings: P2PSettings) -> ssl.SSLContext:
    """TLS 1.3 client context that presents the node certificate and trusts only the network CA."""
    return _base_context(ssl.PROTOCOL_TLS_CLIENT, settings)
