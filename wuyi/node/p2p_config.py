"""Multi-validator settings in ``node.toml``: the ``[p2p]`` and ``[consensus]`` sections.

A node whose ``node.toml`` has a ``[p2p]`` section runs as a validator of a network (consensus
over TCP with mutual TLS) instead of the single-node block producer::

    [p2p]
    listen_host = "127.0.0.1"
    listen_port = 26600
    tls_cert = "tls/node.crt"        # relative to the node home
    tls_key = "tls/node.key"
    tls_ca = "tls/ca.crt"            # trust anchors besides the CAs the chain lists
    tls_check_s = 10                  # how often a renewed certificate is picked up and live
                                      # peers' certificates are checked again

    [[p2p.peers]]                     # bootstrap peers; the chain lists the others
    name = "node1"
    host = "127.0.0.1"
    port = 26601
    public_key = "<hex of the peer's validator/node public key>"

    [consensus]                       # optional; ConsensusParams fields
    timeout_propose_ms = 1000
    create_empty_blocks_interval_ms = -1   # -1: no empty blocks (None)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from wuyi.consensus.params import ConsensusParams
from wuyi.exceptions import ValidationError

__all__ = ["P2PSettings", "PeerAddr", "load_p2p_settings", "render_p2p_toml"]

DEFAULT_CONSENSUS = ConsensusParams(
    timeout_propose_ms=3000,
    timeout_propose_delta_ms=500,
    timeout_prevote_ms=500,
    timeout_prevote_delta_ms=250,
    timeout_precommit_ms=500,
    timeout_precommit_delta_ms=250,
    rebroadcast_ms=1000,
    create_empty_blocks_interval_ms=None,
)


@dataclass(frozen=True, slots=True)
class PeerAddr:
    name: str
    host: str
    port: int
    public_key: bytes


@dataclass(frozen=True, slots=True)
class P2PSettings:
    listen_host: str
    listen_port: int
    tls_cert: Path
    tls_key: Path
    tls_ca: Path
    peers: tuple[PeerAddr, ...]
    consensus: ConsensusParams = DEFAULT_CONSENSUS
    tls_check_s: float = 10.0


def _consensus_from(doc: dict[str, Any], where: str) -> ConsensusParams:
    known = {f.name for f in fields(ConsensusParams)}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise ValidationError(f"{where}: unknown [consensus] settings {unknown}")
    vals = dict(doc)
    if vals.get("create_empty_blocks_interval_ms", 0) == -1:
        vals["create_empty_blocks_interval_ms"] = None
    base = {f.name: getattr(DEFAULT_CONSENSUS, f.name) for f in fields(ConsensusParams)}
    base.update(vals)
    return ConsensusParams(**base)


def load_p2p_settings(home: Path) -> P2PSettings | None:
    """The ``[p2p]`` settings of the node in ``home``, or ``None`` for a single node."""
    path = home / "node.toml"
    try:
        doc = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"{path}: {exc}") from None
    p2p = doc.get("p2p")
    if p2p is None:
        return None
    try:
        peers = tuple(
            PeerAddr(str(p["name"]), str(p["host"]), int(p["port"]), bytes.fromhex(p["public_key"]))
            for p in p2p.get("peers", [])
        )
        return P2PSettings(
            listen_host=str(p2p.get("listen_host", "127.0.0.1")),
            listen_port=int(p2p["listen_port"]),
            tls_cert=home / p2p.get("tls_cert", "tls/node.crt"),
            tls_key=home / p2p.get("tls_key", "tls/node.key"),
            tls_ca=home / p2p.get("tls_ca", "tls/ca.crt"),
            peers=peers,
            consensus=_consensus_from(doc.get("consensus", {}), str(path)),
            tls_check_s=float(p2p.get("tls_check_s", 10.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"{path}: bad [p2p] section: {exc!r}") from None


def render_p2p_toml(
    listen_host: str,
    listen_port: int,
    peers: list[PeerAddr],
    consensus: dict[str, int] | None = None,
) -> str:
    """The ``[p2p]`` (and optional ``[consensus]``) text to append to ``node.toml``."""
    lines = [
        "",
        "[p2p]",
        f'listen_host = "{listen_host}"',
        f"listen_port = {listen_port}",
        'tls_cert = "tls/node.crt"',
        'tls_key = "tls/node.key"',
        'tls_ca = "tls/ca.crt"',
    ]
    for p in peers:
        lines += [
            "",
            "[[p2p.peers]]",
            f'name = "{p.name}"',
            f'host = "{p.host}"',
            f"port = {p.port}",
            f'public_key = "{p.public_key.hex()}"',
        ]
    if consensus:
        lines += ["", "[consensus]", *(f"{k} = {v}" for k, v in consensus.items())]
    return "\n".join(lines) + "\n"
