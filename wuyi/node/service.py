"""The node process: a block-producer thread and the REST API server around one :class:`Node`.

The producer waits for transactions, lets more arrive for ``block_interval_ms`` (batching), then
produces blocks until the mempool is empty. Each committed block is logged as one JSON line
(``{"event": "block", "height", "txs", "ms"}``) on the service's log stream. SIGINT and SIGTERM
stop the API server, then the producer, then close the store.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

import uvicorn

from wuyi.abc import PrivateKey
from wuyi.api.app import create_app
from wuyi.exceptions import InvariantBroken, StoreError, ValidationError, WuyiError
from wuyi.node.blobs import BlobCollector, referenced_blobs
from wuyi.node.heap import libc_function
from wuyi.node.home import NodeHome, NodeSettings
from wuyi.node.node import Node
from wuyi.node.p2p_config import P2PSettings, load_p2p_settings
from wuyi.node.snapshots import load_sync_settings
from wuyi.node.validator import ValidatorRunner

__all__ = ["BlockProducer", "NodeService", "open_node"]


_LEVELS = {
    "halt": "error",
    "produce_failed": "warning",
    "block_rejected": "warning",
    "mempool_dropped": "warning",
    "resync": "warning",
    "evidence": "warning",
    "wal_repaired": "warning",
}


class JsonLog:
    """One JSON object per line (thread-safe): ``ts`` (Unix ms), ``level``, ``event``,
    ``node`` and the event's fields. The events are listed in ``docs/operations.md``."""

    def __init__(self, stream: TextIO | None = None, *, node: str = "") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.node = node
        self._lock = threading.Lock()

    def __call__(self, event: str, **fields: Any) -> None:
        level = fields.pop("level", None) or _LEVELS.get(event, "info")
        rec = {
            "ts": int(time.time() * 1000),
            "level": level,
            "event": event,
            "node": self.node,
            **fields,
        }
        line = json.dumps(rec, ensure_ascii=False, separators=(",", ":"), default=str)
        with self._lock:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except ValueError:  # stream closed at interpreter exit
                pass


class BlockProducer:
    """Turns waiting transactions into committed blocks on a background thread."""

    def __init__(
        self,
        node: Node,
        *,
        interval_ms: int = 30,
        log: JsonLog | None = None,
        on_halt: Callable[[], None] | None = None,
    ) -> None:
        self.node = node
        self.on_halt = on_halt
        self.interval = interval_ms / 1000
        self.log = log or JsonLog()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="wuyi-producer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if not self.node.wait_for_work(0.25):
                    continue
                if self.interval:
                    self._stop.wait(self.interval)
                self.produce_pending()
        except (InvariantBroken, StoreError) as exc:  # halt loudly: never limp on
            self.error = exc
            self.log("halt", code=exc.code, error=exc.message)
        except BaseException as exc:
            self.error = exc
            self.log("halt", code="internal", error=f"{type(exc).__name__}: {exc}")
        if self.error is not None and self.on_halt is not None:
            self.on_halt()

    def produce_pending(self) -> int:
        """Produce blocks until the mempool is empty; return how many were committed."""
        n = 0
        while not self._stop.is_set():
            t0 = time.perf_counter()
            try:
                block = self.node.produce_block()
            except (InvariantBroken, StoreError):
                raise
            except WuyiError as exc:
                self.log("produce_failed", code=exc.code, error=exc.message)
                return n
            if block is None:
                return n
            n += 1
            self.log(
                "block",
                height=block.height,
                txs=len(block.txs),
                ms=round((time.perf_counter() - t0) * 1000, 2),
                mempool=len(self.node.mempool),
            )
        return n


class _Server(uvicorn.Server):
    """uvicorn re-raises a caught SIGINT/SIGTERM after its own shutdown, which would kill the
    process before the producer stops and the store closes; here a signal only asks to stop."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True  # a second Ctrl-C: do not wait for open connections
        else:
            self.should_exit = True

    async def shutdown(self, sockets: Any = None) -> None:
        hub = getattr(getattr(self.config.app, "state", None), "event_hub", None)
        if hub is not None:  # end event streams (a final message) so shutdown need not wait
            hub.close()
        await super().shutdown(sockets)


def open_node(home: NodeHome, passphrase: str, *, check: str = "quick") -> Node:
    key = home.load_validator_key(passphrase)
    workers = max(1, (os.cpu_count() or 2) - 1)
    return Node.open(home.root, validator_key=key, check=check, verify_workers=workers)


M_ARENA_MAX = -8  # glibc mallopt parameter


def limit_malloc_arenas(n: int = 2) -> bool:
    """Cap glibc's per-thread malloc arenas (by default up to 8 per core). A node's thread
    pools grow when load shifts — a peer restarts and clients move to the others — and each new
    thread would get an arena of its own that is never given back, so memory steps up with
    every such event. Call before the process starts its threads. False where glibc is not the
    allocator."""
    mallopt = libc_function("mallopt")
    return bool(mallopt(M_ARENA_MAX, n)) if mallopt is not None else False


class HeapTrimmer:
    """Every ``interval_s`` seconds, hand the heap memory Python and the libraries have freed
    back to the operating system (glibc ``malloc_trim``). Bursts — serving a restarted peer's
    catch-up, a flood of submissions — leave freed but still-mapped pages behind; without this
    a node's resident memory ratchets up with every burst over days, though nothing leaks.
    A no-op where glibc is not the allocator."""

    def __init__(self, interval_s: float = 30.0) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._trim: Any = libc_function("malloc_trim")
        self.trims = 0

    @property
    def available(self) -> bool:
        return self._trim is not None

    def trim(self) -> None:
        if self._trim is not None:
            self._trim(0)
            self.trims += 1

    def start(self) -> None:
        if self._trim is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="wuyi-heap-trim", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.trim()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None


def _referenced_blobs(node: Node) -> set[str]:
    with node.store.snapshot() as v:
        return referenced_blobs(v)


class NodeService:
    """A node with its producer and API server. ``run()`` blocks (signals stop it);
    ``start_background()`` serves from a thread (demo, tests)."""

    def __init__(
        self,
        node: Node,
        settings: NodeSettings,
        *,
        host: str | None = None,
        port: int | None = None,
        log: JsonLog | None = None,
        p2p: P2PSettings | None = None,
        validator_key: PrivateKey | None = None,
        home: Path | None = None,
        next_key: Callable[[bytes], PrivateKey | None] | None = None,
    ) -> None:
        self.node = node
        self.settings = settings
        self.host = host or settings.api_host
        self.port = port or settings.api_port
        self.log = log or JsonLog()
        node.max_block_txs = settings.max_block_txs
        node.sidecar_retention_ms = settings.sidecar_retention_ms
        self.producer: BlockProducer | ValidatorRunner
        if p2p is not None:
            if validator_key is None:
                raise ValidationError("a network validator needs its validator key")
            self.producer = ValidatorRunner(
                node,
                validator_key,
                p2p,
                on_halt=self._halt,
                emit=self.log,
                next_key=next_key,
                sync=None if home is None else load_sync_settings(home),
            )
        else:
            self.producer = BlockProducer(
                node, interval_ms=settings.block_interval_ms, log=self.log, on_halt=self._halt
            )
        runner = self.producer if isinstance(self.producer, ValidatorRunner) else None
        blob_settings = settings.blobs()
        self.app = create_app(
            node,
            is_ready=lambda: self.producer.running,
            consensus_info=None if runner is None else runner.info,
            consensus_health=None if runner is None else runner.health,
            max_commit_waiters=settings.max_commit_waiters,
            blob_settings=blob_settings,
            public_explorer=settings.public_explorer,
        )
        self.blob_collector = BlobCollector(
            self.app.state.blob_store,
            lambda: _referenced_blobs(node),
            blob_settings,
            log=self.log,
        )
        self.api_tls = api_tls_files(settings, home)
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            log_config=None,  # uvicorn's records go to the JSON log (install_json_logging)
            access_log=False,
            timeout_graceful_shutdown=5,
            **uvicorn_tls(settings, self.api_tls),
        )
        self.server = _Server(config)
        metrics = getattr(self.app.state, "metrics", None)
        if metrics is not None and self.api_tls:
            metrics.certificate_files = [("api", "server", self.api_tls["cert"])] + (
                [("api_client_ca", "clients", self.api_tls["client_ca"])]
                if "client_ca" in self.api_tls
                else []
            )
        self._api_cert_sig = self._cert_sig()
        self._chain_cas: tuple[bytes, ...] | None = None
        self._client_ssl: ssl.SSLContext | None = None
        if self.api_tls and settings.api_client_ca == CHAIN_CLIENT_CA:
            config.load()  # its SSL context now, to hand each connection the chain's CAs
            assert config.ssl is not None  # uvicorn made it from ssl_certfile
            config.ssl.sni_callback = self._use_client_context
            self.reload_client_cas()
        self._thread: threading.Thread | None = None
        self._stop_watch = threading.Event()
        self.trimmer = HeapTrimmer()

    def _halt(self) -> None:
        self.server.should_exit = True

    @property
    def url(self) -> str:
        return f"{'https' if self.api_tls else 'http'}://{self.host}:{self.port}"

    def _cert_sig(self) -> tuple[tuple[int, int], ...]:
        out = []
        for name in ("cert", "key"):
            try:
                st = os.stat(self.api_tls[name])
                out.append((st.st_mtime_ns, st.st_size))
            except (KeyError, OSError):
                out.append((0, 0))
        return tuple(out)

    def reload_api_certificate(self) -> bool:
        """Load the API's certificate and key again if their files changed: new HTTPS
        connections get the renewed certificate, without a restart. Returns whether it did."""
        ctx = getattr(self.server.config, "ssl", None)
        sig = self._cert_sig()
        if not self.api_tls or ctx is None or sig == self._api_cert_sig:
            return False
        try:
            ctx.load_cert_chain(str(self.api_tls["cert"]), str(self.api_tls["key"]))
        except (OSError, ssl.SSLError) as exc:  # half-way through a renewal: next time
            self.log("tls_reload_failed", level="warning", what="api", error=str(exc))
            return False
        self._api_cert_sig = sig
        self.log("tls_reloaded", what="api", cert=str(self.api_tls["cert"]))
        if self._chain_cas is not None:
            self.reload_client_cas(force=True)
        return True

    def _use_client_context(self, conn: Any, server_name: str | None, ctx: Any) -> None:
        """uvicorn's SSL context hands each new connection (``client_ca = "chain"``) the
        context that trusts the CAs the chain lists now (called with the ClientHello)."""
        if self._client_ssl is not None:
            conn.context = self._client_ssl

    def reload_client_cas(self, *, force: bool = False) -> bool:
        """With ``[api] client_ca = "chain"``: trust client certificates of every CA a member
        organisation registered on chain (``tls/ca/<org>/…``, ``tls.set_cas``), as the chain
        says now. New connections use a new context when the list changed (a CA added, rotated
        or dropped); live ones keep theirs. Returns whether it changed anything."""
        from wuyi.encoding import decode_trusted
        from wuyi.ledger.handlers.nodes import TLS_CA_PREFIX

        if self.settings.api_client_ca != CHAIN_CLIENT_CA or not self.api_tls:
            return False
        cas = tuple(
            sorted(
                decode_trusted(raw)["cert"] for _, raw in self.node.store.iter_prefix(TLS_CA_PREFIX)
            )
        )
        if cas == self._chain_cas and not force:
            return False
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ctx.load_cert_chain(str(self.api_tls["cert"]), str(self.api_tls["key"]))
            if cas:
                ctx.load_verify_locations(cadata=b"".join(cas))
        except (OSError, ssl.SSLError) as exc:  # half-way through a renewal: next time
            self.log("tls_reload_failed", level="warning", what="api_client_cas", error=str(exc))
            return False
        ctx.verify_mode = _CERT_REQS[self.settings.api_client_auth]
        self._client_ssl, self._chain_cas = ctx, cas
        self.log("tls_reloaded", what="api_client_cas", cas=len(cas))
        return True

    def _started(self) -> None:
        self.log(
            "started",
            chain_id=self.node.chain.chain_id,
            height=self.node.height,
            api=self.url,
            genesis_hash=self.node.genesis_hash.hex(),
        )

    def _watch_api_certificate(self) -> None:
        while not self._stop_watch.wait(API_CERT_CHECK_S):
            self.reload_api_certificate()
            if self._chain_cas is not None:
                try:
                    self.reload_client_cas()
                except WuyiError as exc:  # the store closing at shutdown: the next look
                    self.log("tls_reload_failed", level="warning", what="api", error=str(exc))

    def _start_watch(self) -> None:
        if self.api_tls:
            threading.Thread(
                target=self._watch_api_certificate, name="wuyi-api-cert", daemon=True
            ).start()

    def run(self) -> None:
        """Serve until SIGINT/SIGTERM (uvicorn installs the handlers in the main thread)."""
        self.producer.start()
        self.trimmer.start()
        self.blob_collector.start()
        self._start_watch()
        self._started()
        try:
            self.server.run()
        finally:
            self.shutdown()

    def start_background(self, timeout: float = 15.0) -> None:
        self.producer.start()
        self.blob_collector.start()
        self._start_watch()
        self._thread = threading.Thread(target=self.server.run, name="wuyi-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.producer.stop()
                raise WuyiError(f"API server did not start on {self.url} (port in use?)")
            time.sleep(0.02)
        self._started()

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self.shutdown()

    def shutdown(self) -> None:
        self._stop_watch.set()
        self.trimmer.stop()
        self.blob_collector.stop()
        if self.producer.running:
            self.producer.stop()
        height = None
        with contextlib.suppress(Exception):
            height = self.node.height
        with contextlib.suppress(WuyiError):
            self.node.close()
        self.log("stopped", height=height)

    @contextlib.contextmanager
    def running(self) -> Iterator[NodeService]:
        self.start_background()
        try:
            yield self
        finally:
            self.stop()


def serve_home(
    home_dir: Path, passphrase: str, *, host: str | None = None, port: int | None = None
) -> int:
    """``wuyi node start``: open the node in ``home_dir`` and serve until a signal; the exit
    status is 0 after a clean stop, 2 if the producer halted on a broken invariant."""
    limit_malloc_arenas()
    home = NodeHome(home_dir)
    settings = home.load_settings()
    with home.acquire_lock():
        p2p = load_p2p_settings(home.root)
        key = home.load_validator_key(passphrase)
        node = open_node(home, passphrase)
        key = _rotated_while_down(home, node, key, passphrase)
        log = JsonLog(node=node_name(node, key.public_key, home.root.name))
        install_json_logging(log)
        service = NodeService(
            node, settings, host=host, port=port, p2p=p2p, validator_key=key, log=log,
            home=home.root,
            next_key=lambda pk: home.take_next_validator_key(passphrase, pk),
        )  # fmt: skip
        _configure_issuance_services(service, home.root, passphrase, settings)
        service.run()
    return 0 if service.producer.error is None else 2


def _configure_issuance_services(
    service: NodeService, home: Path, passphrase: str, settings: NodeSettings
) -> None:
    """OpenID4VCI desk keys and the identity provider of ``node.toml`` ``[oid4vci]`` /
    ``[idp]`` (issue #19; ``wuyi/oid4vci``, ``wuyi/idp``); nothing without those sections."""
    from wuyi.idp.api import configure_from_home as configure_idp
    from wuyi.oid4vci.api import configure_from_home as configure_oid4vci

    configure_oid4vci(service.app, home, passphrase)
    scheme = "https" if settings.api_tls_cert else "http"
    configure_idp(service.app, home, f"{scheme}://{service.host}:{service.port}")


def _rotated_while_down(home: NodeHome, node: Node, key: PrivateKey, passphrase: str) -> PrivateKey:
    """A ``validator.rotate_key`` that took effect while the node was stopped: start with the
    next key (and make it the key file)."""
    from wuyi.ledger.handlers.nodes import get_node_by_key

    current = {v.public_key for v in node.validators().validators}
    if key.public_key in current:
        return key
    rec = get_node_by_key(node.store, node.suite, key.public_key)
    if rec is None or rec["public_key"] == key.public_key or rec["public_key"] not in current:
        return key
    new = home.take_next_validator_key(passphrase, rec["public_key"])
    return key if new is None else new


API_CERT_CHECK_S = 10.0
"""How often the API's certificate files are checked for a renewal (and, with
``client_ca = "chain"``, the chain's CAs for a change)."""
CHAIN_CLIENT_CA = "chain"
"""``[api] client_ca = "chain"``: client certificates of any CA the chain lists are accepted."""


def api_tls_files(settings: NodeSettings, home: Path | None) -> dict[str, Path]:
    """The API's TLS files from ``[api]`` (relative paths are relative to the node home);
    empty when the API serves plain HTTP."""
    if not settings.api_tls_cert:
        return {}
    base = home or Path.cwd()
    out = {"cert": base / settings.api_tls_cert, "key": base / settings.api_tls_key}
    if settings.api_client_ca and settings.api_client_ca != CHAIN_CLIENT_CA:
        out["client_ca"] = base / settings.api_client_ca
    for name, path in out.items():
        if not path.exists():
            raise ValidationError(f"node.toml: [api] {name} file {path} does not exist")
    return out


def uvicorn_tls(settings: NodeSettings, files: dict[str, Path]) -> dict[str, Any]:
    """uvicorn's TLS options: TLS 1.2 or later, the certificate, and client certificates
    from ``client_ca`` when ``client_auth`` is optional or required."""
    if not files:
        return {}
    opts: dict[str, Any] = {"ssl_certfile": str(files["cert"]), "ssl_keyfile": str(files["key"])}
    if "client_ca" in files:
        opts["ssl_ca_certs"] = str(files["client_ca"])
    if "client_ca" in files or settings.api_client_ca == CHAIN_CLIENT_CA:
        opts["ssl_cert_reqs"] = _CERT_REQS[settings.api_client_auth]
    return opts


_CERT_REQS = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}


def node_name(node: Node, public_key: bytes, default: str) -> str:
    """The name logs carry: this validator's name in the validator set, else ``default``."""
    with contextlib.suppress(WuyiError):
        for v in node.validators().validators:
            if v.public_key == public_key:
                return v.name or default
    return default


_RECORD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonLogHandler(logging.Handler):
    """Python ``logging`` records (network, consensus, uvicorn) as lines of a :class:`JsonLog`:
    ``event`` is the record's ``event`` extra or its logger name, ``msg`` the message, ``exc``
    a traceback, plus the record's other extras."""

    def __init__(self, log: JsonLog) -> None:
        super().__init__()
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields: dict[str, Any] = {
                k: v
                for k, v in record.__dict__.items()
                if k not in _RECORD_ATTRS and k != "event" and isinstance(v, str | int | float)
            }
            fields["logger"] = record.name
            fields["msg"] = record.getMessage()
            if record.exc_info:
                fields["exc"] = logging.Formatter().formatException(record.exc_info)
            event = record.__dict__.get("event")
            self.log(
                event if isinstance(event, str) else record.name.removeprefix("wuyi."),
                level=record.levelname.lower(),
                **fields,
            )
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


def install_json_logging(log: JsonLog) -> None:
    """Route Python ``logging`` of this process to ``log`` (``wuyi.*`` from INFO, others
    from WARNING), so that every line on stderr is one JSON object."""
    root = logging.getLogger()
    root.handlers = [JsonLogHandler(log)]
    root.setLevel(logging.WARNING)
    logging.getLogger("wuyi").setLevel(logging.INFO)
