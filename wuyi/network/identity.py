"""Which TLS certificates a node accepts from a peer: the chain's node records, checked at every
handshake (and again on live connections when the chain or the clock moves on).

:class:`Membership` is a snapshot of what the chain says about nodes (``node/<id>``), the
organisations' CAs (``tls/ca/<org>/<fp>``) and revoked certificates (``tls/revoked/...``),
loaded from a state reader (:meth:`Membership.load`). :meth:`Membership.check_certificate`
refuses, with :class:`~wuyi.exceptions.CertificateRefused` naming the reason, a certificate
that is

* ``expired`` or ``not_yet_valid`` (its own validity, or its CA's);
* ``wrong_ca``: not issued by the CA the node's record names (so one organisation's CA cannot
  vouch for another organisation's node), or that CA is no longer registered;
* ``wrong_pin``: for a node that pins its TLS key, another key;
* ``revoked``: its (CA, serial) is listed as revoked;
* ``node_inactive``: the node record is suspended or removed;
* ``no_record``: the chain lists nodes but not this key (a key that is only a configured
  bootstrap peer in ``node.toml`` is let through on TLS alone: it can only serve blocks, which
  verify from genesis).

A chain that lists no nodes at all (created before node records existed) keeps the old rule:
any certificate of the ``tls_ca`` file, for validators and configured peers.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from wuyi.abc import KVReader, Suite
from wuyi.encoding import decode_trusted
from wuyi.exceptions import CertificateRefused
from wuyi.ledger.handlers.nodes import (
    TLS_CA_PREFIX,
    TLS_REVOKED_PREFIX,
    cert_fingerprint,
    iter_nodes,
    serial_bytes,
    spki_pin,
)

__all__ = ["CertInfo", "Membership", "describe_certificate", "parse_address"]


@dataclass(frozen=True, slots=True)
class CertInfo:
    """What an operator wants to know about a certificate."""

    subject: str
    issuer: str
    serial: int
    fingerprint: bytes
    not_before: datetime.datetime
    not_after: datetime.datetime

    def seconds_left(self, now: datetime.datetime) -> float:
        return (self.not_after - now).total_seconds()

    def to_json(self, now: datetime.datetime | None = None) -> dict[str, Any]:
        now = now or datetime.datetime.now(datetime.UTC)
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": format(self.serial, "x"),
            "fingerprint": self.fingerprint.hex(),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "days_left": round(self.seconds_left(now) / 86400, 1),
        }


def describe_certificate(der: bytes) -> CertInfo:
    cert = x509.load_der_x509_certificate(der)
    return CertInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=cert.serial_number,
        fingerprint=cert_fingerprint(der),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def parse_address(address: str) -> tuple[str, int] | None:
    """``host:port`` (``[v6]:port``) as (host, port); None for an empty or bad address."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def _check_validity(cert: x509.Certificate, now: datetime.datetime, what: str) -> None:
    if now > cert.not_valid_after_utc:
        raise CertificateRefused(
            f"{what} expired at {cert.not_valid_after_utc.isoformat()}", reason="expired"
        )
    if now < cert.not_valid_before_utc:
        raise CertificateRefused(
            f"{what} is not valid before {cert.not_valid_before_utc.isoformat()}",
            reason="not_yet_valid",
        )


@dataclass
class Membership:
    """A snapshot of the chain's node records, CAs and revocations (see the module docstring).
    Built by :meth:`load`; read-only afterwards (rebuild it when the chain changes)."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[bytes, dict[str, Any]] = field(default_factory=dict)
    """Node records by current key (and previous key, during a key rotation)."""
    cas: dict[str, dict[bytes, x509.Certificate]] = field(default_factory=dict)
    ca_der: dict[bytes, bytes] = field(default_factory=dict)
    revoked: dict[tuple[bytes, bytes], dict[str, Any]] = field(default_factory=dict)

    @property
    def strict(self) -> bool:
        """True when the chain lists its nodes: then every peer needs a record."""
        return bool(self.nodes)

    @classmethod
    def load(cls, state: KVReader, suite: Suite | None = None) -> Membership:
        m = cls()
        for rec in iter_nodes(state):
            m.nodes[rec["id"]] = rec
            if rec["status"] == "removed":
                continue
            m.by_key[rec["public_key"]] = rec
            if rec.get("previous_key"):
                m.by_key.setdefault(rec["previous_key"], rec)
        for _, raw in state.iter_prefix(TLS_CA_PREFIX):
            ca = decode_trusted(raw)
            m.cas.setdefault(ca["org"], {})[ca["fingerprint"]] = x509.load_der_x509_certificate(
                ca["cert"]
            )
            m.ca_der[ca["fingerprint"]] = ca["cert"]
        for _, raw in state.iter_prefix(TLS_REVOKED_PREFIX):
            r = decode_trusted(raw)
            m.revoked[(r["ca"], r["serial"])] = r
        return m

    def trust_anchors(self) -> list[bytes]:
        """DER of every CA certificate the chain lists (what TLS verifies peers against)."""
        return [self.ca_der[fp] for fp in sorted(self.ca_der)]

    def active_keys(self) -> set[bytes]:
        """Current chain keys of active nodes (a rotated-away key is allowed only while it is
        still in the validator set, which the caller checks)."""
        return {rec["public_key"] for rec in self.nodes.values() if rec["status"] == "active"}

    def superseded_keys(self) -> set[bytes]:
        """Keys nodes used before a ``validator.rotate_key`` (a bootstrap peer configured by
        such a key in ``node.toml`` is out of date)."""
        return {
            rec["previous_key"]
            for rec in self.nodes.values()
            if rec.get("previous_key") and rec["previous_key"] != rec["public_key"]
        }

    def node_of(self, public_key: bytes) -> dict[str, Any] | None:
        return self.by_key.get(public_key)

    def peer_addresses(self, exclude: Iterable[bytes] = ()) -> list[tuple[str, str, int, bytes]]:
        """(node id, host, port, key) of every active node with an address."""
        skip = set(exclude)
        out = []
        for node_id, rec in sorted(self.nodes.items()):
            hp = parse_address(rec.get("address") or "")
            if rec["status"] != "active" or hp is None or rec["public_key"] in skip:
                continue
            out.append((node_id, hp[0], hp[1], rec["public_key"]))
        return out

    def check_certificate(
        self,
        public_key: bytes,
        der: bytes,
        now: datetime.datetime,
        *,
        configured: Iterable[bytes] = (),
    ) -> None:
        """Raise :class:`CertificateRefused` unless ``der`` is a certificate the node holding
        ``public_key`` may present now (see the module docstring)."""
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError as exc:
            raise CertificateRefused(f"unreadable certificate: {exc}", reason="malformed") from None
        _check_validity(cert, now, "certificate")
        if self.revoked:
            for fp, issuer in self._all_cas():
                if (fp, serial_bytes(cert.serial_number)) in self.revoked and _issued_by(
                    cert, issuer
                ):
                    r = self.revoked[(fp, serial_bytes(cert.serial_number))]
                    raise CertificateRefused(
                        f"certificate serial {cert.serial_number:x} was revoked by"
                        f" '{r['org']}' at height {r['height']}"
                        + (f" ({r['reason']})" if r.get("reason") else ""),
                        reason="revoked",
                    )
        rec = self.by_key.get(public_key)
        if rec is None:
            if not self.strict or public_key in set(configured):
                return
            raise CertificateRefused("the chain lists no node with this key", reason="no_record")
        if rec["status"] != "active":
            raise CertificateRefused(
                f"node '{rec['id']}' is {rec['status']} on chain", reason="node_inactive"
            )
        tls = rec["tls"]
        if "pin" in tls:
            if spki_pin(cert) != tls["pin"]:
                raise CertificateRefused(
                    f"node '{rec['id']}' pins another TLS key", reason="wrong_pin"
                )
            return
        fp = tls["ca"]
        ca = self.cas.get(rec["org"], {}).get(fp)
        if ca is None:
            raise CertificateRefused(
                f"node '{rec['id']}' names CA {fp.hex()[:16]}, which '{rec['org']}' no longer"
                " registers",
                reason="wrong_ca",
            )
        if not _issued_by(cert, ca):
            raise CertificateRefused(
                f"certificate of node '{rec['id']}' is not issued by the CA of '{rec['org']}'"
                f" ({ca.subject.rfc4514_string()}); issuer {cert.issuer.rfc4514_string()}",
                reason="wrong_ca",
            )
        _check_validity(ca, now, f"CA of '{rec['org']}'")

    def _all_cas(self) -> list[tuple[bytes, x509.Certificate]]:
        return [(fp, c) for org in self.cas.values() for fp, c in org.items()]


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except Exception:  # wrong issuer name, bad signature, unsupported key: not issued by it
        return False
    return True
