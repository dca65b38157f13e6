"""The node's blob store for data-sharing payloads: ciphertext by hash, who stored it, quotas
per organisation, and the collection of blobs nobody references on chain.

Files, under ``<data dir>/blobs/`` (next to ``chain.lmdb``)::

    <hex hash>          the ciphertext (the chain suite's hash of the bytes names it)
    <hex hash>.meta     {"org", "uploader" (wy…), "request" (hex), "size", "stored_ms"} (JSON)

Uploads are authorised by the API (``PUT /v1/blobs``: a signed request by an active member
whose organisation owns a pending or approved data request, ``wuyi.api.datashare``). Here:

* **quota** — the bytes an organisation keeps on this node (referenced or not) may not go over
  :attr:`BlobSettings.quota_bytes`; the upload that would is refused with
  :class:`~wuyi.exceptions.QuotaExceeded` and stores nothing;
* **collection** — a blob that no delivery on chain points at (``data.deliver`` with
  ``location == "blob:<hash>"``) is deleted once it is older than
  :attr:`BlobSettings.grace_s` (time for the uploader's ``data.deliver`` to commit);
  :class:`BlobCollector` runs :meth:`BlobStore.collect` every ``gc_interval_s``. A blob stored
  before these records existed (no ``.meta``) counts from its file time.

Node settings, ``[blobs]`` in ``node.toml``: ``quota_bytes``, ``grace_s``, ``gc_interval_s``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuyi.abc import KVReader
from wuyi.encoding import decode_trusted
from wuyi.exceptions import NotFound, QuotaExceeded, StoreError, ValidationError
from wuyi.ledger import keys

__all__ = ["BlobCollector", "BlobSettings", "BlobStore", "referenced_blobs"]

_NAME = re.compile(r"^[0-9a-f]{64}$")
META = ".meta"


@dataclass(frozen=True, slots=True)
class BlobSettings:
    """``[blobs]`` of ``node.toml``."""

    quota_bytes: int = 1024 * 1024 * 1024
    """Bytes of blobs one organisation may keep on this node (default 1 GiB)."""
    grace_s: int = 24 * 60 * 60
    """How long an unreferenced blob is kept before it is collected (default a day)."""
    gc_interval_s: int = 10 * 60
    """How often the collector looks (default every 10 minutes)."""

    def __post_init__(self) -> None:
        if self.quota_bytes < 0:
            raise ValidationError(
                "node.toml: [blobs] quota_bytes must be >= 0", field="quota_bytes"
            )
        if self.grace_s < 0:
            raise ValidationError("node.toml: [blobs] grace_s must be >= 0", field="grace_s")
        if self.gc_interval_s <= 0:
            raise ValidationError(
                "node.toml: [blobs] gc_interval_s must be positive", field="gc_interval_s"
            )


def referenced_blobs(state: KVReader) -> set[str]:
    """The hex hashes of the blobs deliveries on chain point at (``blob:<hash>``)."""
    out = set()
    for _, raw in state.iter_prefix(keys.DATA_DELIVERY_PREFIX):
        location = decode_trusted(raw).get("location", "")
        if isinstance(location, str) and location.startswith("blob:"):
            out.add(location[5:])
    return out


class BlobStore:
    """Blobs of one node, with their owners' usage (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._meta: dict[str, dict[str, Any]] | None = None

    # -- the index ------------------------------------------------------------------------------

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._meta is None:
            meta: dict[str, dict[str, Any]] = {}
            if self.root.is_dir():
                for p in self.root.iterdir():
                    if not _NAME.match(p.name):
                        continue
                    try:
                        m = json.loads((self.root / (p.name + META)).read_text("utf-8"))
                    except (OSError, ValueError):
                        st = p.stat()
                        m = {"org": "", "size": st.st_size, "stored_ms": int(st.st_mtime * 1000)}
                    meta[p.name] = m
            self._meta = meta
        return self._meta

    def usage(self, org: str) -> int:
        """Bytes of blobs ``org`` keeps here."""
        with self._lock:
            return sum(m["size"] for m in self._load().values() if m.get("org") == org)

    def info(self, blob_hash: str) -> dict[str, Any] | None:
        with self._lock:
            m = self._load().get(blob_hash)
            return None if m is None else dict(m)

    # -- writes ---------------------------------------------------------------------------------

    def put(
        self,
        blob_hash: str,
        body: bytes,
        *,
        org: str,
        uploader: str,
        request: str,
        quota_bytes: int,
        now_ms: int,
    ) -> bool:
        """Store ``body`` under ``blob_hash`` for ``org``; False if it was there already (the
        same bytes: nothing changes). :class:`QuotaExceeded` if ``org`` would go over."""
        with self._lock:
            meta = self._load()
            if blob_hash in meta and (self.root / blob_hash).exists():
                return False
            used = sum(m["size"] for m in meta.values() if m.get("org") == org)
            if used + len(body) > quota_bytes:
                raise QuotaExceeded(
                    f"organisation '{org}' keeps {used} bytes of blobs on this node; this"
                    f" {len(body)}-byte blob would pass its quota of {quota_bytes}",
                    org=org,
                    used=used,
                    limit=quota_bytes,
                )
            record = {
                "org": org,
                "uploader": uploader,
                "request": request,
                "size": len(body),
                "stored_ms": now_ms,
            }
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                self._write(blob_hash + META, json.dumps(record).encode())
                self._write(blob_hash, body)
            except OSError as exc:
                raise StoreError(f"cannot store the blob: {exc.strerror}") from None
            meta[blob_hash] = record
            return True

    def _write(self, name: str, data: bytes) -> None:
        tmp = self.root / f".{name}.{secrets.token_hex(6)}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / name)

    def read(self, blob_hash: str) -> bytes:
        try:
            return (self.root / blob_hash).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"blob {blob_hash} is not stored on this node") from None

    # -- collection -----------------------------------------------------------------------------

    def collect(self, referenced: Iterable[str], *, now_ms: int, grace_s: int) -> list[str]:
        """Delete every blob not in ``referenced`` stored more than ``grace_s`` ago; returns
        their hashes."""
        keep = set(referenced)
        cutoff = now_ms - grace_s * 1000
        gone = []
        with self._lock:
            meta = self._load()
            for h, m in list(meta.items()):
                if h in keep or m.get("stored_ms", 0) > cutoff:
                    continue
                for name in (h, h + META):
                    try:
                        (self.root / name).unlink()
                    except FileNotFoundError:
                        pass
                    except OSError as exc:
                        raise StoreError(f"cannot delete blob {h}: {exc.strerror}") from None
                del meta[h]
                gone.append(h)
        return gone


class BlobCollector:
    """A thread that runs :meth:`BlobStore.collect` every ``settings.gc_interval_s`` with the
    references ``referenced()`` reads from the latest state."""

    def __init__(
        self,
        store: BlobStore,
        referenced: Callable[[], set[str]],
        settings: BlobSettings,
        log: Callable[..., None] | None = None,
    ) -> None:
        self.store = store
        self.referenced = referenced
        self.settings = settings
        self.log = log
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[str]:
        gone = self.store.collect(
            self.referenced(), now_ms=int(time.time() * 1000), grace_s=self.settings.grace_s
        )
        if gone and self.log is not None:
            self.log("blobs_collected", count=len(gone))
        return gone

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wuyi-blob-gc", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.settings.gc_interval_s):
            try:
                self.run_once()
            except Exception as exc:  # pragma: no cover - keep collecting next time
                if self.log is not None:
                    self.log("blobs_collect_failed", level="warning", error=str(exc))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
