"""Backup and restore of a node home (``wuyi backup`` / ``wuyi restore``).

A backup is one tar archive (gzip-compressed when the name ends in ``.gz``/``.tgz``) of the
node home, taken while the node runs:

* ``data/chain.lmdb/data.mdb``: a consistent, compacted copy of the store made by LMDB's copy
  API inside one read transaction (:meth:`Store.copy_to`): the node keeps committing;
* everything else the home needs: ``genesis.json``, ``node.toml``, ``keys/`` (passphrase-
  encrypted keystores), ``tls/``, ``data/safety.json`` and ``data/safety.lock`` (the
  validator's last signed vote and its lock), the data-sharing blobs (``blobs/`` under the data
  directory) and any other file of the home;
* left out: ``node.lock``, ``node.pid``, logs, LMDB's ``lock.mdb`` and the consensus WAL (a
  restored node starts consensus from its store);
* ``wuyi-backup.json`` last: the manifest: format, chain id, suite, genesis hash, height, state
  root and the size and SHA-256 of every file.

The store is copied first, the other files after it, so every blob a copied block refers to
is in the archive (blobs are content-addressed and never change).

:func:`restore_home` refuses a node that is running (it takes the home lock itself), an archive
whose files do not match the manifest (named), a chain other than the one already in the home
(or than ``expect_chain_id``), and a non-empty home unless ``force``. It unpacks into a staging
directory inside the home, checks everything there (hashes, genesis, the store's quick
integrity check, height and state root against the manifest), and only then moves the files
into place.

Exceptions::

    BackupError                      (backup)
    ├── BackupCorrupted              an archive that does not check out     (backup_corrupted)
    └── RestoreRefused               restore would be unsafe                 (restore_refused)
        └── RestoreWrongChain        the archive is of another chain         (wrong_chain)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Final

from wuyi.crypto import get_suite
from wuyi.exceptions import StoreError, WuyiError
from wuyi.ledger.genesis import GenesisDoc
from wuyi.node.home import NodeHome, compute_genesis_hash
from wuyi.node.store import ENV_DIRNAME, Store

__all__ = [
    "FORMAT",
    "MANIFEST_NAME",
    "BackupCorrupted",
    "BackupError",
    "BackupResult",
    "Progress",
    "RestoreRefused",
    "RestoreWrongChain",
    "backup_home",
    "read_manifest",
    "restore_home",
]

FORMAT: Final = "wuyi-backup/1"
MANIFEST_NAME: Final = "wuyi-backup.json"
STORE_MEMBER: Final = f"data/{ENV_DIRNAME}/data.mdb"
_SKIP_TOP: Final = frozenset({"node.lock", "node.pid"})
_SKIP_DATA: Final = frozenset(
    {f"data/{ENV_DIRNAME}/data.mdb", f"data/{ENV_DIRNAME}/lock.mdb", "data/consensus.wal"}
)
_CHUNK: Final = 1 << 20

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: phases ``copy`` (store copy, 0/1), ``archive`` (bytes
written), ``extract`` (bytes read), ``check`` and ``install``."""


class BackupError(WuyiError):
    code = "backup"


class BackupCorrupted(BackupError):
    code = "backup_corrupted"


class RestoreRefused(BackupError):
    code = "restore_refused"
    http_status = 409


class RestoreWrongChain(RestoreRefused):
    code = "wrong_chain"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]

    @property
    def height(self) -> int:
        return int(self.manifest["height"])


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def _is_skipped(rel: str) -> bool:
    top = rel.split("/", 1)[0]
    if top in _SKIP_TOP or rel in _SKIP_DATA or top.startswith(".restore-"):
        return True
    return "/" not in rel and (rel.endswith(".log") or ".log." in rel)


def _home_files(root: Path) -> Iterator[tuple[str, Path]]:
    """``(archive name, path)`` of every regular file of the home that belongs in a backup
    (sorted; symlinks are not followed)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            if _is_skipped(rel) or p.is_symlink() or not p.is_file():
                continue
            yield rel, p


class _HashingReader:
    def __init__(self, f: IO[bytes], on_read: Callable[[int], None]) -> None:
        self.f = f
        self.h = hashlib.sha256()
        self.on_read = on_read

    def read(self, n: int = -1) -> bytes:
        b = self.f.read(n)
        self.h.update(b)
        self.on_read(len(b))
        return b


def _open_for_writing(raw: IO[bytes], path: Path) -> tarfile.TarFile:
    if path.name.endswith((".gz", ".tgz")):
        return tarfile.open(fileobj=raw, mode="w:gz")
    return tarfile.open(fileobj=raw, mode="w")


def backup_home(
    home_dir: Path,
    out: Path,
    *,
    store: Store | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.time,
) -> BackupResult:
    """Write a backup of the node in ``home_dir`` to ``out`` (see the module docstring).

    ``store``: the node's open store when the node runs in this process (LMDB must not be
    opened twice by one process); otherwise the store is opened read-only next to the running
    node process."""
    prog = progress or _no_progress
    home = NodeHome(Path(home_dir))
    genesis = home.load_genesis()
    suite = get_suite(genesis.suite)
    genesis_hash = compute_genesis_hash(genesis)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".wuyi-backup-", dir=out.parent))
    part = out.with_name(out.name + ".part")
    try:
        prog("copy", 0, 1)
        own = store is None
        src = store or Store.open(home.data_dir, suite.hash, readonly=True, check="none")
        copy_env = tmp / "copy"
        try:
            height, state_root = src.copy_to(copy_env / ENV_DIRNAME)
        finally:
            if own:
                src.close()
        prog("copy", 1, 1)
        with Store.open(copy_env, suite.hash, readonly=True, check="quick") as copied:
            if copied.get_block_hash(0) != genesis_hash:
                raise BackupError(
                    f"{home.root}: the store holds another chain than genesis.json describes"
                )
            block_hash = copied.last_block_hash
        store_file = copy_env / ENV_DIRNAME / "data.mdb"
        members: list[tuple[str, Path]] = [(STORE_MEMBER, store_file)]
        members += list(_home_files(home.root))
        total = sum(p.stat().st_size for _, p in members)
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            prog("archive", done, total)

        files: dict[str, dict[str, Any]] = {}
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with (
            os.fdopen(fd, "wb") as raw,
            _open_for_writing(raw, out) as tar,
        ):
            for name, path in members:
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with path.open("rb") as f:
                    reader = _HashingReader(f, advance)
                    tar.addfile(info, reader)
                files[name] = {"size": info.size, "sha256": reader.h.hexdigest()}
            manifest = {
                "format": FORMAT,
                "created": int(clock() * 1000),
                "chain_id": genesis.chain_id,
                "suite": genesis.suite,
                "genesis_hash": genesis_hash.hex(),
                "height": height,
                "block_hash": None if block_hash is None else block_hash.hex(),
                "state_root": None if state_root is None else state_root.hex(),
                "files": files,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(body)
            info.mode = 0o644
            info.mtime = int(clock())
            tar.addfile(info, _BytesReader(body))
        os.replace(part, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    return BackupResult(out, manifest)


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else self.pos + n
        b = self.data[self.pos : end]
        self.pos += len(b)
        return b


# -- restore ---------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts or name.startswith("/"):
        raise BackupCorrupted(f"archive member '{name}' has an unsafe path")
    return p.as_posix()


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of ``archive`` (reads through the archive; checks nothing else)."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            for info in tar:
                if info.name == MANIFEST_NAME:
                    f = tar.extractfile(info)
                    assert f is not None
                    return _parse_manifest(f.read())
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupCorrupted(f"{archive}: not a readable tar archive: {exc}") from None
    raise BackupCorrupted(f"{archive}: no {MANIFEST_NAME} in the archive (not a wuyi backup?)")


def _parse_manifest(raw: bytes) -> dict[str, Any]:
    try:
        m = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupCorrupted(f"{MANIFEST_NAME} is not valid JSON: {exc}") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise BackupCorrupted(f"{MANIFEST_NAME}: not a {FORMAT} manifest")
    for k in ("chain_id", "genesis_hash", "height", "files"):
        if k not in m:
            raise BackupCorrupted(f"{MANIFEST_NAME}: '{k}' is missing")
    if not isinstance(m["files"], dict) or STORE_MEMBER not in m["files"]:
        raise BackupCorrupted(f"{MANIFEST_NAME}: the store ({STORE_MEMBER}) is not listed")
    return m


def _extract(archive: Path, staging: Path, prog: Progress) -> tuple[dict[str, Any], dict[str, Any]]:
    """Unpack regular files into ``staging``; ``(manifest, {name: {size, sha256}})``."""
    seen: dict[str, dict[str, Any]] = {}
    manifest_raw: bytes | None = None
    total = archive.stat().st_size
    try:
        with archive.open("rb") as raw, tarfile.open(fileobj=raw, mode="r:*") as tar:
            for info in tar:
                name = _safe_name(info.name)
                if info.isdir():
                    continue
                if not info.isfile():
                    raise BackupCorrupted(f"archive member '{name}' is not a regular file")
                f = tar.extractfile(info)
                assert f is not None
                if name == MANIFEST_NAME:
                    manifest_raw = f.read()
                    continue
                if name in seen:
                    raise BackupCorrupted(f"archive member '{name}' appears twice")
                dest = staging / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                h = hashlib.sha256()
                size = 0
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, info.mode & 0o700)
                with os.fdopen(fd, "wb") as w:
                    while chunk := f.read(_CHUNK):
                        h.update(chunk)
                        w.write(chunk)
                        size += len(chunk)
                        prog("extract", min(raw.tell(), total), total)
                seen[name] = {"size": size, "sha256": h.hexdigest()}
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupCorrupted(f"{archive}: the archive is damaged: {exc}") from None
    if manifest_raw is None:
        raise BackupCorrupted(f"{archive}: no {MANIFEST_NAME} in the archive (not a wuyi backup?)")
    return _parse_manifest(manifest_raw), seen


def _validate_files(manifest: dict[str, Any], seen: dict[str, Any]) -> None:
    listed: dict[str, Any] = manifest["files"]
    for name, want in sorted(listed.items()):
        got = seen.get(name)
        if got is None:
            raise BackupCorrupted(f"archive is missing '{name}' listed in the manifest")
        if got["sha256"] != want.get("sha256") or got["size"] != want.get("size"):
            raise BackupCorrupted(
                f"'{name}' does not match the manifest (SHA-256 {got['sha256'][:16]}…,"
                f" expected {str(want.get('sha256'))[:16]}…): the archive is corrupted"
            )
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise BackupCorrupted(f"archive holds files the manifest does not list: {extra[:5]}")


def _home_chain(home: NodeHome) -> tuple[str, bytes] | None:
    if not home.genesis_path.exists():
        return None
    try:
        doc = GenesisDoc.load(home.genesis_path)
    except WuyiError as exc:
        raise RestoreRefused(
            f"{home.genesis_path} cannot be read ({exc.message}); move it away to restore"
        ) from None
    return doc.chain_id, compute_genesis_hash(doc)


def _validate_staged(staging: Path, manifest: dict[str, Any]) -> None:
    g = staging / "genesis.json"
    if not g.exists():
        raise BackupCorrupted("archive has no genesis.json")
    doc = GenesisDoc.load(g)
    if doc.chain_id != manifest["chain_id"]:
        raise BackupCorrupted(
            f"archive genesis.json is of chain '{doc.chain_id}', the manifest says"
            f" '{manifest['chain_id']}'"
        )
    gh = compute_genesis_hash(doc)
    if gh.hex() != manifest["genesis_hash"]:
        raise BackupCorrupted("archive genesis.json does not hash to the manifest's genesis hash")
    suite = get_suite(doc.suite)
    try:
        with Store.open(staging / "data", suite.hash, readonly=True, check="quick") as st:
            height, root, b0 = st.height, st.state_root, st.get_block_hash(0)
    except StoreError as exc:
        raise BackupCorrupted(f"the store in the archive fails its check: {exc.message}") from None
    if b0 != gh:
        raise BackupCorrupted("the store in the archive holds another chain than its genesis")
    want_root = manifest.get("state_root")
    if height != manifest["height"] or (root.hex() if root else None) != want_root:
        raise BackupCorrupted(
            f"the store in the archive is at height {height}, the manifest says"
            f" {manifest['height']} (or the state root differs)"
        )
    with contextlib.suppress(FileNotFoundError):  # opened once to check; not part of a backup
        (staging / "data" / ENV_DIRNAME / "lock.mdb").unlink()


def restore_home(
    archive: Path,
    home_dir: Path,
    *,
    force: bool = False,
    expect_chain_id: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Restore the backup ``archive`` into ``home_dir``; returns its manifest. Raises
    :class:`RestoreRefused` (running node, non-empty home without ``force``, another chain)
    or :class:`BackupCorrupted` before anything in the home is changed."""
    prog = progress or _no_progress
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"no backup archive at {archive}")
    root = Path(home_dir)
    root.mkdir(parents=True, exist_ok=True)
    home = NodeHome(root)
    try:
        lock = home.acquire_lock()
    except StoreError as exc:
        raise RestoreRefused(
            f"restore refused: {exc.message}; stop that node first ('wuyi down' or SIGTERM)"
        ) from None
    try:
        present = sorted(
            p.name for p in root.iterdir() if p.name != "node.lock" and not _stale_stage(p)
        )
        if present and not force:
            raise RestoreRefused(
                f"restore refused: {root} is not empty ({', '.join(present[:6])});"
                " pass --force to replace it"
            )
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root))
        old = root / f".restore-old-{os.getpid()}"
        try:
            manifest, seen = _extract(archive, staging, prog)
            prog("check", 0, 1)
            _validate_files(manifest, seen)
            if expect_chain_id is not None and manifest["chain_id"] != expect_chain_id:
                raise RestoreWrongChain(
                    f"restore refused: the archive is of chain '{manifest['chain_id']}',"
                    f" not '{expect_chain_id}'"
                )
            current = _home_chain(home)
            if current is not None and (
                current[0] != manifest["chain_id"] or current[1].hex() != manifest["genesis_hash"]
            ):
                raise RestoreWrongChain(
                    f"restore refused: {root} holds chain '{current[0]}'"
                    f" (genesis {current[1].hex()[:16]}…), the archive is of chain"
                    f" '{manifest['chain_id']}' (genesis {manifest['genesis_hash'][:16]}…);"
                    " restore into an empty directory"
                )
            _validate_staged(staging, manifest)
            prog("check", 1, 1)
            _install(root, staging, old, prog)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
        return manifest
    finally:
        lock.close()


def _stale_stage(p: Path) -> bool:
    return p.name.startswith(".restore-")


def _install(root: Path, staging: Path, old: Path, prog: Progress) -> None:
    """Move the staged top-level entries into ``root``; what they replace goes to ``old``
    first and comes back if a move fails."""
    entries = sorted(staging.iterdir())
    moved: list[tuple[Path, Path | None]] = []
    old.mkdir(exist_ok=True)
    try:
        for i, src in enumerate(entries):
            dest = root / src.name
            aside: Path | None = None
            if dest.exists() or dest.is_symlink():
                aside = old / src.name
                os.replace(dest, aside)
            os.replace(src, dest)
            moved.append((dest, aside))
            prog("install", i + 1, len(entries))
        # a WAL of the replaced store must not be replayed over the restored one
        with contextlib.suppress(FileNotFoundError):
            (root / "data" / "consensus.wal").unlink()
    except OSError as exc:
        for dest, aside in reversed(moved):
            with contextlib.suppress(OSError):
                if dest.is_dir():
                    shutil.rmtree(dest)
                else:
                    dest.unlink()
                if aside is not None:
                    os.replace(aside, dest)
        raise BackupError(
            f"restore failed while installing files ({exc}); nothing changed"
        ) from None
