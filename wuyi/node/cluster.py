"""A local network of validators on one machine: what ``wuyi up`` creates, starts and watches.

:func:`create_network` writes, under ``root``::

    <root>/cluster.json                 the layout below (names, ports, keys) — :class:`ClusterSpec`
    <root>/genesis.json                 the shared genesis (n validators node0..node{n-1})
    <root>/keys/<org>-admin.key         one admin key per founding organisation
    <root>/orgs/<org>/ca/ca.crt, ca.key each organisation's own TLS certificate authority
    <root>/node{i}/genesis.json         the same genesis
    <root>/node{i}/node.toml            [api] port base_api_port+i, [p2p] listen base_p2p_port+i,
                                        every other node as a peer, optional [consensus]
    <root>/node{i}/keys/validator.key   the node's validator key (passphrase protected)
    <root>/node{i}/tls/node.crt, node.key   issued by the CA of the node's organisation
    <root>/node{i}/tls/ca.crt           every founding organisation's CA (trust anchors)

Node i belongs to organisation ``orgs[i % len(orgs)]``. The genesis lists each organisation's
CA certificate and one node record per validator (id ``node{i}``, its organisation, its key,
``{ca: fingerprint}``, its p2p address), so peers accept a node's certificate only from the CA
of its own organisation (``wuyi/network/identity.py``); no key in ``<root>`` issues
certificates for every node.
    <root>/node{i}/data/                its store (created by the node)

:class:`ClusterProcesses` runs each node as its own process (``python -m wuyi.cli node start
--home <root>/node{i}``), appending its output to ``<root>/node{i}/node.log`` and its pid to
``<root>/node{i}/node.pid``; it stops, kills and restarts them, waits for readiness and reads
every node's ``/v1/status`` and ``/v1/consensus``. Every wait is bounded in time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from wuyi.abc import PrivateKey
from wuyi.crypto import address_of, format_address, get_suite, save_key
from wuyi.exceptions import ClusterError, ValidationError
from wuyi.ledger.genesis import FoundingNode, compose_genesis
from wuyi.node.home import (
    PASSPHRASE_ENV,
    NodeHome,
    NodeSettings,
    OrgSpec,
    compute_genesis_hash,
    make_founding_orgs,
)
from wuyi.node.p2p_config import PeerAddr, render_p2p_toml
from wuyi.params import ChainParams

__all__ = [
    "SPEC_FILE",
    "ClusterError",
    "ClusterProcesses",
    "ClusterSpec",
    "NodeSpec",
    "NodeStatus",
    "create_network",
    "fetch_node_status",
    "load_cluster",
    "stop_network",
]

SPEC_FILE = "cluster.json"
NODE_CERT_DAYS = 365
"""Validity of the TLS certificates ``create_network`` issues (renew with ``wuyi tls renew``)."""

PeerAddress = Callable[[int, int], tuple[str, int]]
"""``peer_address(i, j)``: the (host, port) node ``i`` dials to reach node ``j``."""


@dataclass(frozen=True, slots=True)
class NodeSpec:
    index: int
    name: str
    home: Path
    api_host: str
    api_port: int
    p2p_port: int
    public_key: bytes
    address: str
    org: str = ""

    @property
    def url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def log_path(self) -> Path:
        return self.home / "node.log"

    @property
    def pid_path(self) -> Path:
        return self.home / "node.pid"


@dataclass(frozen=True)
class ClusterSpec:
    """The layout of a local network (``<root>/cluster.json``)."""

    root: Path
    chain_id: str
    suite: str
    genesis_hash: bytes
    nodes: tuple[NodeSpec, ...]
    admin_keys: dict[str, Path] = field(default_factory=dict)
    """org id -> its admin key file."""

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "suite": self.suite,
            "genesis_hash": self.genesis_hash.hex(),
            "admin_keys": {k: str(p.relative_to(self.root)) for k, p in self.admin_keys.items()},
            "nodes": [
                {
                    "name": nd.name,
                    "home": str(nd.home.relative_to(self.root)),
                    "api_host": nd.api_host,
                    "api_port": nd.api_port,
                    "p2p_port": nd.p2p_port,
                    "public_key": nd.public_key.hex(),
                    "address": nd.address,
                    **({"org": nd.org} if nd.org else {}),
                }
                for nd in self.nodes
            ],
        }

    @classmethod
    def from_json(cls, root: Path, obj: Any) -> ClusterSpec:
        try:
            nodes = tuple(
                NodeSpec(
                    index=i,
                    name=str(nd["name"]),
                    home=root / str(nd["home"]),
                    api_host=str(nd["api_host"]),
                    api_port=int(nd["api_port"]),
                    p2p_port=int(nd["p2p_port"]),
                    public_key=bytes.fromhex(nd["public_key"]),
                    address=str(nd["address"]),
                    org=str(nd.get("org", "")),
                )
                for i, nd in enumerate(obj["nodes"])
            )
            return cls(
                root=root,
                chain_id=str(obj["chain_id"]),
                suite=str(obj["suite"]),
                genesis_hash=bytes.fromhex(obj["genesis_hash"]),
                nodes=nodes,
                admin_keys={k: root / v for k, v in obj.get("admin_keys", {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"{root / SPEC_FILE} is not a network layout: {exc!r}") from None


def load_cluster(root: Path) -> ClusterSpec:
    """The network created in ``root`` by :func:`create_network`."""
    path = root / SPEC_FILE
    if not path.exists():
        raise ValidationError(f"{root} holds no local network ({SPEC_FILE} is missing)")
    try:
        obj = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"cannot read {path}: {exc}") from None
    return ClusterSpec.from_json(root.resolve(), obj)


def create_network(
    root: Path,
    n: int = 4,
    *,
    chain_id: str,
    suite: str,
    orgs: list[OrgSpec],
    passphrase: str,
    name: str = "",
    host: str = "127.0.0.1",
    base_api_port: int = 8600,
    base_p2p_port: int = 26600,
    consensus: dict[str, int] | None = None,
    settings: NodeSettings | None = None,
    params: ChainParams | None = None,
    peer_address: PeerAddress | None = None,
    time_ms: int | None = None,
    hosts: Sequence[str] | None = None,
    validator_keys: Sequence[PrivateKey] | None = None,
    admin_keys: Mapping[str, PrivateKey] | None = None,
) -> ClusterSpec:
    """Create an ``n``-validator network in ``root`` (see the module docstring for the files).

    ``hosts[i]``, if given, is node i's own address (its listen host, its address on chain, its
    certificate's name and where the others dial it): nodes on separate hosts.

    ``consensus`` becomes each node's ``[consensus]`` section (``ConsensusParams`` fields, ms;
    ``create_empty_blocks_interval_ms = -1`` for no empty blocks). ``settings`` gives the other
    node settings (its ``api_port`` is replaced by ``base_api_port + i``). ``peer_address(i, j)``
    overrides where node i dials node j (a proxy in the fault tests). ``validator_keys`` and
    ``admin_keys`` (by organisation) are used instead of new keys (a chain template approved by
    governance names them). Refuses a ``root`` that already holds a network or a chain."""
    from wuyi.network.tls import create_org_ca, issue_node_certificate, load_certificate_der

    if n < 1:
        raise ValidationError("a network needs at least one validator", field="nodes")
    if hosts is not None and len(hosts) != n:
        raise ValidationError(f"{len(hosts)} hosts for {n} nodes", field="hosts")
    host_of = list(hosts) if hosts is not None else [host] * n
    for base, what in ((base_api_port, "API"), (base_p2p_port, "p2p")):
        if not (base > 0 and base + n - 1 < 65536):
            raise ValidationError(f"{what} ports {base}..{base + n - 1} are not TCP ports")
    root = root.resolve()
    if (root / SPEC_FILE).exists() or (root / "genesis.json").exists():
        raise ValidationError(f"{root} already holds a network or a chain")
    homes = [NodeHome(root / f"node{i}") for i in range(n)]
    for h in homes:
        if h.exists() or h.data_dir.exists():
            raise ValidationError(f"{h.root} already holds a chain")
    s = get_suite(suite)
    if validator_keys is not None and len(validator_keys) != n:
        raise ValidationError(f"{len(validator_keys)} validator keys for {n} validators")
    vkeys = list(validator_keys) if validator_keys else [s.generate_private_key() for _ in range(n)]
    founding = make_founding_orgs(suite, orgs, root / "keys", admin_keys)
    if not founding.genesis_orgs:
        raise ValidationError("a network needs at least one organisation", field="org")
    # Each organisation its own TLS CA: made first (in memory), written with the rest.
    org_ids = [o.id for o in founding.genesis_orgs]
    org_cas = {o: create_org_ca(root / "orgs" / o / "ca", o) for o in org_ids}
    ca_der = {o: load_certificate_der(cert) for o, (cert, _key) in org_cas.items()}
    node_org = [org_ids[i % len(org_ids)] for i in range(n)]
    doc = compose_genesis(
        chain_id=chain_id,
        suite=suite,
        time=int(time.time() * 1000) if time_ms is None else time_ms,
        orgs=[dataclasses.replace(o, tls_cas=(ca_der[o.id],)) for o in founding.genesis_orgs],
        nodes=[
            FoundingNode(
                f"node{i}", node_org[i], k.public_key, address=f"{host_of[i]}:{base_p2p_port + i}"
            )
            for i, k in enumerate(vkeys)
        ],
        params=params,
        name=name,
    )  # validates everything before anything is written
    genesis_hash = compute_genesis_hash(doc)

    (root / "keys").mkdir(parents=True, exist_ok=True)
    for path, k in founding.keys:
        save_key(path, k, passphrase)
    doc.save(root / "genesis.json")
    bundle = b"".join((root / "orgs" / o / "ca" / "ca.crt").read_bytes() for o in org_ids)
    where = peer_address or (lambda _i, j: (host_of[j], base_p2p_port + j))
    base_settings = settings or NodeSettings(api_host=host)
    nodes: list[NodeSpec] = []
    for i, (home, vkey) in enumerate(zip(homes, vkeys, strict=True)):
        node_name = f"node{i}"
        home.keys_dir.mkdir(parents=True, exist_ok=True)
        save_key(home.validator_key_path, vkey, passphrase)
        doc.save(home.genesis_path)
        ca_cert, ca_key = org_cas[node_org[i]]
        _install_tls(
            home.root / "tls", ca_cert, ca_key, node_name, host_of[i], issue_node_certificate
        )
        (home.root / "tls" / "ca.crt").write_bytes(bundle)
        peers = [
            PeerAddr(f"node{j}", *where(i, j), vkeys[j].public_key) for j in range(n) if j != i
        ]
        node_settings = NodeSettings(
            api_host=base_settings.api_host if hosts is None else host_of[i],
            api_port=base_api_port + i,
            block_interval_ms=base_settings.block_interval_ms,
            max_block_txs=base_settings.max_block_txs,
            max_commit_waiters=base_settings.max_commit_waiters,
        )
        home.settings_path.write_text(
            node_settings.to_toml()
            + render_p2p_toml(host_of[i], base_p2p_port + i, peers, consensus)
        )
        nodes.append(
            NodeSpec(
                index=i,
                name=node_name,
                home=home.root,
                api_host=node_settings.api_host,
                api_port=node_settings.api_port,
                p2p_port=base_p2p_port + i,
                public_key=vkey.public_key,
                address=format_address(address_of(s, vkey.public_key)),
                org=node_org[i],
            )
        )
    spec = ClusterSpec(
        root=root,
        chain_id=chain_id,
        suite=suite,
        genesis_hash=genesis_hash,
        nodes=tuple(nodes),
        admin_keys={org: path for org, (path, _addr) in founding.admin_keys.items()},
    )
    (root / SPEC_FILE).write_text(json.dumps(spec.to_json(), indent=2) + "\n")
    return spec


def _install_tls(
    tls_dir: Path,
    ca_cert: Path,
    ca_key: Path,
    node_name: str,
    host: str,
    issue: Callable[..., tuple[Path, Path]],
) -> None:
    """The node's certificate and key as ``tls/node.crt``, ``tls/node.key`` and the CA's
    certificate as ``tls/ca.crt`` (the names ``render_p2p_toml`` writes)."""
    tls_dir.mkdir(parents=True, exist_ok=True)
    hosts = sorted({host, "127.0.0.1", "localhost"})
    cert, key = issue(ca_cert, ca_key, tls_dir, node_name, hosts=hosts, days=NODE_CERT_DAYS)
    for got, want in ((Path(cert), tls_dir / "node.crt"), (Path(key), tls_dir / "node.key")):
        if got.resolve() != want.resolve():
            shutil.move(str(got), want)
    shutil.copyfile(ca_cert, tls_dir / "ca.crt")
    (tls_dir / "node.key").chmod(0o600)


# -- status ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """One node as its API reports it; ``up`` is False (and the rest unknown) when the API does
    not answer."""

    name: str
    url: str
    up: bool
    height: int | None = None
    round: int | None = None
    step: str | None = None
    peers_connected: int | None = None
    peers_total: int | None = None
    last_block_hash: str | None = None
    last_commit_time: int | None = None
    """ms since the epoch; from ``/v1/consensus`` if it says, else the last block's time."""
    chain_id: str | None = None
    mode: str | None = None
    """``validator`` or ``single`` (from ``/v1/consensus``)."""
    syncing: bool = False
    error: str | None = None
    """Why the API did not answer, or the consensus error the node reports."""


def fetch_node_status(
    url: str, name: str = "", *, timeout: float = 2.0, client: httpx.Client | None = None
) -> NodeStatus:
    """``GET /v1/status`` and ``/v1/consensus`` of one node (the second is optional: a
    single-node chain has none)."""
    own = client is None
    c = client or httpx.Client(timeout=timeout)
    try:
        try:
            r = c.get(url.rstrip("/") + "/v1/status", timeout=timeout)
            r.raise_for_status()
            st = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            return NodeStatus(name or url, url, False, error=_short(exc))
        cons: dict[str, Any] = {}
        with contextlib.suppress(httpx.HTTPError, ValueError):
            r = c.get(url.rstrip("/") + "/v1/consensus", timeout=timeout)
            if r.status_code == 200:
                cons = r.json()
        peers = cons.get("peers")
        last_commit = cons.get("last_commit_time") or st.get("last_block_time")
        return NodeStatus(
            name=name or url,
            url=url,
            up=True,
            height=int(st["height"]),
            round=cons.get("round"),
            step=cons.get("step"),
            peers_connected=None if peers is None else sum(1 for p in peers if p.get("connected")),
            peers_total=None if peers is None else len(peers),
            last_block_hash=st.get("last_block_hash"),
            last_commit_time=None if last_commit is None else int(last_commit),
            chain_id=st.get("chain_id"),
            mode=cons.get("mode"),
            syncing=bool(cons.get("syncing")),
            error=cons.get("error"),
        )
    finally:
        if own:
            c.close()


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."


# -- processes ---------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_node_process(pid: int, home: Path) -> bool:
    """Whether ``pid`` is a live ``wuyi node start --home <home>`` (not a recycled pid)."""
    if not _pid_alive(pid):
        return False
    proc = Path(f"/proc/{pid}")
    try:
        args = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return not proc.parent.exists()  # no /proc on this system: trust the pid
    with contextlib.suppress(OSError, IndexError):
        if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False  # exited, not yet reaped
    if "start" not in args or "--home" not in args:
        return False
    given = args[args.index("--home") + 1] if args.index("--home") + 1 < len(args) else ""
    try:
        where = Path(os.readlink(proc / "cwd")) / given
    except OSError:
        where = Path(given)
    return where.resolve() == home.resolve()


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def log_tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file (empty if there is none)."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


class ClusterProcesses:
    """Start, stop, kill and watch the node processes of a local network.

    The processes run in their own sessions, so a Ctrl-C in the terminal reaches only the
    caller, which then stops the nodes in order. Processes started by another invocation (found
    through their pid files) are managed too, except that their exit status is unknown."""

    def __init__(
        self,
        spec: ClusterSpec,
        passphrase: str,
        *,
        python: str = sys.executable,
        env: dict[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.python = python
        self._env = {
            **os.environ,
            **(env or {}),
            PASSPHRASE_ENV: passphrase,
            "PYTHONIOENCODING": "utf-8",
            "PYTHONUNBUFFERED": "1",
            # Fewer glibc malloc arenas: a node has many threads (API pool, consensus, store
            # writer) and one arena per thread fragments memory.
            "MALLOC_ARENA_MAX": "2",
        }
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._http = httpx.Client(timeout=2.0)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ClusterProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one node ---------------------------------------------------------------------------

    def node(self, i: int) -> NodeSpec:
        return self.spec.nodes[i]

    def pid(self, i: int) -> int | None:
        """The pid of node i if it is running: the process started here, else the one named by
        ``node.pid`` or by ``node.lock`` (a node started by hand with ``wuyi node start``)."""
        p = self._procs.get(i)
        if p is not None and p.poll() is None:
            return p.pid
        nd = self.node(i)
        for path in (nd.pid_path, nd.home / "node.lock"):
            pid = _read_pid(path)
            if pid is not None and (p is None or pid != p.pid) and _is_node_process(pid, nd.home):
                return pid
        return None

    def is_running(self, i: int) -> bool:
        return self.pid(i) is not None

    def exit_code(self, i: int) -> int | None:
        p = self._procs.get(i)
        return None if p is None else p.poll()

    def start(self, i: int) -> int:
        """Start node i (refused if it is running); returns its pid."""
        nd = self.node(i)
        running = self.pid(i)
        if running is not None:
            raise ClusterError(f"{nd.name} is already running (pid {running})")
        cmd = [self.python, "-m", "wuyi.cli", "node", "start", "--home", str(nd.home)]
        with nd.log_path.open("ab") as out:
            proc = subprocess.Popen(
                cmd,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.spec.root,
                start_new_session=True,
            )
        self._procs[i] = proc
        nd.pid_path.write_text(f"{proc.pid}\n")
        return proc.pid

    def start_all(self) -> None:
        for i in range(self.spec.n):
            if not self.is_running(i):
                self.start(i)

    def send_signal(self, i: int, sig: int) -> bool:
        """Send ``sig`` to node i; False if it is not running."""
        pid = self.pid(i)
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        return True

    def wait_exit(self, i: int, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) until node i has exited; removes its pid file."""
        deadline = time.monotonic() + timeout
        while True:
            p = self._procs.get(i)
            if p is not None:
                p.poll()  # reap it if it has exited
            if not self.is_running(i):
                with contextlib.suppress(OSError):
                    self.node(i).pid_path.unlink()
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def stop(self, i: int, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        """Stop node i with ``sig``; SIGKILL if it has not exited after ``timeout`` s."""
        if not self.send_signal(i, sig):
            return
        if not self.wait_exit(i, timeout):
            self.send_signal(i, signal.SIGKILL)
            self.wait_exit(i, 5.0)

    def kill(self, i: int) -> None:
        """SIGKILL node i (a crash) and reap it."""
        self.stop(i, signal.SIGKILL, timeout=5.0)

    def restart(self, i: int, *, ready_timeout: float = 30.0) -> None:
        self.stop(i)
        self.start(i)
        self.wait_ready(ready_timeout, nodes=[i])

    def stop_all(self, timeout: float = 15.0) -> None:
        """SIGTERM every running node at once, then wait; SIGKILL what is left."""
        running = [i for i in range(self.spec.n) if self.send_signal(i, signal.SIGTERM)]
        deadline = time.monotonic() + timeout
        for i in running:
            if not self.wait_exit(i, max(0.1, deadline - time.monotonic())):
                self.send_signal(i, signal.SIGKILL)
                self.wait_exit(i, 5.0)

    # -- readiness and status -------------------------------------------------------------

    def _ready(self, i: int) -> bool:
        try:
            r = self._http.get(self.node(i).url + "/readyz", timeout=1.0)
        except httpx.HTTPError:
            return False
        return r.status_code == 200

    def wait_ready(self, timeout: float = 30.0, nodes: Sequence[int] | None = None) -> float:
        """Wait until every node in ``nodes`` (default: all) answers ``/readyz``; returns the
        seconds waited. Raises :class:`ClusterError` with the log's tail if a node exits or the
        time runs out."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        pending = list(range(self.spec.n) if nodes is None else nodes)
        while pending:
            for i in list(pending):
                if self._procs.get(i) is not None and self.exit_code(i) is not None:
                    raise self._failure(i, f"exited with status {self.exit_code(i)}")
                if self._ready(i):
                    pending.remove(i)
            if pending and time.monotonic() > deadline:
                raise self._failure(pending[0], f"not ready after {timeout:.0f}s")
            if pending:
                time.sleep(0.1)
        return time.monotonic() - t0

    def wait_connected(self, timeout: float = 20.0) -> bool:
        """Wait until every node sees at least a quorum's worth of connected peers (2f of its
        n-1 peers) in ``/v1/consensus``. True at once for nodes without that endpoint (a
        single node); False if the time runs out."""
        n = self.spec.n
        need = n - 1 - (n - 1) // 3
        deadline = time.monotonic() + timeout
        while True:
            sts = self.status()
            if all(s.up and (s.peers_connected is None or s.peers_connected >= need) for s in sts):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)

    def status(self) -> list[NodeStatus]:
        """Every node's status (down nodes included, with ``up=False``)."""
        return [fetch_node_status(nd.url, nd.name, client=self._http) for nd in self.spec.nodes]

    def log_tails(self, lines: int = 30, nodes: Sequence[int] | None = None) -> str:
        out = []
        for i in range(self.spec.n) if nodes is None else nodes:
            nd = self.node(i)
            out.append(f"----- {nd.name} ({nd.log_path}) -----\n{log_tail(nd.log_path, lines)}")
        return "\n".join(out)

    def _failure(self, i: int, why: str) -> ClusterError:
        nd = self.node(i)
        return ClusterError(
            f"{nd.name} ({nd.url}) {why}; last lines of {nd.log_path}:\n"
            + log_tail(nd.log_path, 25)
        )


def stop_network(root: Path, timeout: float = 15.0) -> list[str]:
    """``wuyi down``: stop every running node of the network in ``root`` (found through its
    pid files); returns the names of the nodes stopped."""
    spec = load_cluster(root)
    with ClusterProcesses(spec, passphrase="-") as procs:
        running = [nd.name for nd in spec.nodes if procs.is_running(nd.index)]
        procs.stop_all(timeout)
    return running
