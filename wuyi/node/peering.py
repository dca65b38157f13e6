"""Who may connect to this node and whom it dials, from the chain itself.

A :class:`Peering` keeps a :class:`~wuyi.network.identity.Membership` snapshot of the node's
committed state (node records, organisations' CAs, revoked certificates) and answers the
network's questions:

* ``is_allowed(key)`` — a validator (current or scheduled), an active node record, or a peer
  configured in ``node.toml``;
* ``check_certificate(key, der)`` — the TLS certificate checks of
  :meth:`Membership.check_certificate` at the current time;
* ``trust_anchors()`` — the CA certificates the chain lists (added to the ``tls_ca`` file);
* ``peers()`` — every active node's address the chain lists (peer exchange through the chain:
  a node that joins from genesis and one reachable peer learns the others as it syncs).

The validator adapter calls :meth:`reload` after a block that touched ``node/``, ``tls/`` or
``consensus/`` keys, then has the network reload its trust anchors, dial the listed peers and
re-check its live connections: admissions, revocations and CA changes take effect without a
restart.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from wuyi.ledger.handlers.nodes import NODE_PREFIX, TLS_CA_PREFIX, TLS_REVOKED_PREFIX
from wuyi.ledger.handlers.validators import compute_pending_update
from wuyi.network.identity import CertInfo, Membership, describe_certificate
from wuyi.node.p2p_config import P2PSettings, PeerAddr

__all__ = ["Peering", "touches_membership"]

_WATCHED = (NODE_PREFIX, TLS_CA_PREFIX, TLS_REVOKED_PREFIX, b"consensus/")


def touches_membership(changed_keys: Iterable[bytes]) -> bool:
    """Whether a block that wrote ``changed_keys`` can change who may connect."""
    return any(k.startswith(_WATCHED) for k in changed_keys)


class Peering:
    def __init__(self, node: Any, settings: P2PSettings, public_key: bytes) -> None:
        self.node = node
        self.settings = settings
        self.public_key = public_key
        self.configured = {p.public_key for p in settings.peers}
        self.membership = Membership.load(node.store, node.suite)

    def reload(self) -> None:
        self.membership = Membership.load(self.node.store, self.node.suite)

    @staticmethod
    def now() -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)

    def validator_keys(self) -> set[bytes]:
        keys = {v.public_key for v in self.node.validators().validators}
        scheduled = compute_pending_update(self.node.store)
        if scheduled is not None:
            keys.update(v.public_key for v in scheduled[1].validators)
        return keys

    def is_allowed(self, public_key: bytes) -> bool:
        if public_key in self.validator_keys() or public_key in self.membership.active_keys():
            return True
        return public_key in self.configured and public_key not in self.membership.superseded_keys()

    def check_certificate(self, public_key: bytes, der: bytes) -> None:
        self.membership.check_certificate(public_key, der, self.now(), configured=self.configured)

    def trust_anchors(self) -> list[bytes]:
        return self.membership.trust_anchors()

    def peers(self) -> list[PeerAddr]:
        return [
            PeerAddr(node_id, host, port, key)
            for node_id, host, port, key in self.membership.peer_addresses(
                exclude=(self.public_key,)
            )
        ]

    def node_id(self, public_key: bytes | None = None) -> str | None:
        rec = self.membership.node_of(public_key or self.public_key)
        return None if rec is None else str(rec["id"])

    def certificates(
        self, own_der: bytes | None, peer_ders: dict[bytes, bytes]
    ) -> list[dict[str, Any]]:
        """Every certificate this node depends on, with its expiry: its own, each connected
        peer's, and each CA the chain lists (what the metrics and the console warn about)."""
        now = self.now()
        out: list[dict[str, Any]] = []

        def add(kind: str, name: str, info: CertInfo) -> None:
            out.append({"kind": kind, "name": name, **info.to_json(now)})

        if own_der:
            add("node", self.node_id() or "self", describe_certificate(own_der))
        for key, der in sorted(peer_ders.items()):
            if der:
                add("peer", self.node_id(key) or key[:4].hex(), describe_certificate(der))
        for org, cas in sorted(self.membership.cas.items()):
            for fp in sorted(cas):
                add("ca", org, describe_certificate(self.membership.ca_der[fp]))
        return out
