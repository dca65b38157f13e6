"""The peer-to-peer network: asyncio TCP, mutual TLS 1.3 bound to chain keys by a signed
handshake, length-prefixed canonical-CBOR frames, bounded queues, reconnects with backoff.

See ``docs/network.md``. Only this package (with ``node``, ``api``, ``cli``, ``console``)
touches sockets and clocks.
"""

from __future__ import annotations

from wuyi.network.network import OnMessage, OnRequest, PeerNetwork, PeerStats
from wuyi.network.tls import (
    client_context,
    create_network_ca,
    issue_node_certificate,
    server_context,
)

__all__ = [
    "OnMessage",
    "OnRequest",
    "PeerNetwork",
    "PeerStats",
    "client_context",
    "create_network_ca",
    "issue_node_certificate",
    "server_context",
]
