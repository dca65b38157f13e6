"""``wuyi backup`` / ``wuyi restore`` (``wuyi.node.backup``): an online backup restores to the
same height, state root and records; a corrupted archive, a running node, another chain and a
non-empty home are refused."""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wuyi.abc import PrivateKey
from wuyi.api.datashare import blob_dir
from wuyi.cli import app as cli_app
from wuyi.crypto import load_key
from wuyi.node.backup import (
    MANIFEST_NAME,
    STORE_MEMBER,
    BackupCorrupted,
    RestoreRefused,
    RestoreWrongChain,
    backup_home,
    read_manifest,
    restore_home,
)
from wuyi.node.home import NodeHome, NodeSettings, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.node.service import BlockProducer
from wuyi.sdk import TxBuilder

PW = "test-passphrase"
ORGS = [OrgSpec("sjj", "江门市政务服务数据管理局", True)]


@dataclass
class Running:
    home: Path
    node: Node
    producer: BlockProducer
    admin: PrivateKey

    def anchor(self, n: int) -> list[bytes]:
        docs = []
        for i in range(n):
            b = TxBuilder(self.node.chain.chain_id, self.admin, current_height=self.node.height)
            doc = self.node.suite.hash(f"record {i} {self.node.height}".encode())
            self.node.wait_for_tx(self.node.submit(b.anchor(doc, {"n": str(i)}).to_bytes()), 10)
            docs.append(doc)
        return docs

    def stop(self) -> None:
        self.producer.stop()
        self.node.close()


def start(home: Path, chain_id: str = "backup-chain") -> Running:
    res = init_home(
        home,
        chain_id=chain_id,
        suite="intl",
        orgs=ORGS,
        passphrase=PW,
        time_ms=1_764_201_600_000,
        settings=NodeSettings(block_interval_ms=0),
    )
    node = Node.open(home, validator_key=res.home.load_validator_key(PW))
    producer = BlockProducer(node, interval_ms=0)
    producer.start()
    return Running(home, node, producer, load_key(res.admin_keys["sjj"][0], PW))


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    r = start(tmp_path / "node")
    try:
        yield r
    finally:
        if r.producer.running:
            r.stop()


def test_backup_wipe_restore_gives_the_same_node(running: Running, tmp_path: Path) -> None:
    docs = running.anchor(5)
    blobs = blob_dir(running.node)
    blobs.mkdir(parents=True, exist_ok=True)
    (blobs / "ab").write_bytes(b"ciphertext")
    (running.home / "node.log").write_text("{}\n")
    phases: set[str] = set()
    res = backup_home(
        running.home,
        tmp_path / "b.tar.gz",
        store=running.node.store,
        progress=lambda p, d, t: phases.add(p),
    )  # fmt: skip  (online: the producer is still running)
    assert {"copy", "archive"} <= phases
    height, root = running.node.height, running.node.store.state_root
    records = {d: running.node.evidence_record(d) for d in docs}
    running.anchor(1)  # after the backup: not in it
    running.stop()
    m = read_manifest(res.path)
    assert m["height"] == height == res.height and m["state_root"] == root.hex()
    assert m["chain_id"] == "backup-chain"
    assert STORE_MEMBER in m["files"] and "genesis.json" in m["files"]
    assert "keys/validator.key" in m["files"] and "node.toml" in m["files"]
    assert "node.log" not in m["files"] and "data/chain.lmdb/lock.mdb" not in m["files"]
    assert any(name.endswith("blobs/ab") for name in m["files"])
    assert res.path.stat().st_mode & 0o077 == 0  # holds keys: owner only

    shutil.rmtree(running.home)
    restored = restore_home(res.path, running.home)
    assert restored["height"] == height
    node = Node.open(running.home, validator_key=NodeHome(running.home).load_validator_key(PW))
    try:
        assert node.height == height and node.store.state_root == root
        for d, rec in records.items():
            assert node.evidence_record(d) == rec
        assert (blob_dir(node) / "ab").read_bytes() == b"ciphertext"
    finally:
        node.close()
    assert not [p for p in running.home.iterdir() if p.name.startswith(".restore")]


def _flip_byte_in_member(archive: Path, member: str, at: int = 200) -> None:
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data
    with archive.open("r+b") as f:
        f.seek(offset + at)
        b = f.read(1)
        f.seek(offset + at)
        f.write(bytes([b[0] ^ 0xFF]))


def test_corrupted_archive_is_refused_and_changes_nothing(running: Running, tmp_path: Path) -> None:
    running.anchor(2)
    res = backup_home(running.home, tmp_path / "b.tar", store=running.node.store)
    running.stop()
    _flip_byte_in_member(res.path, STORE_MEMBER)
    target = tmp_path / "restored"
    with pytest.raises(BackupCorrupted, match=r"data/chain\.lmdb/data\.mdb"):
        restore_home(res.path, target)
    assert sorted(p.name for p in target.iterdir()) == ["node.lock"]  # nothing installed

    res2 = backup_home(running.home, tmp_path / "c.tar")  # offline, opened read-only
    with tarfile.open(res2.path) as tar:
        names = tar.getnames()
    assert names[-1] == MANIFEST_NAME
    _flip_byte_in_member(res2.path, "genesis.json", at=5)
    with pytest.raises(BackupCorrupted, match=r"genesis\.json"):
        restore_home(res2.path, tmp_path / "other")
    (tmp_path / "junk.tar").write_bytes(b"not a tar at all" * 100)
    with pytest.raises(BackupCorrupted):
        restore_home(tmp_path / "junk.tar", tmp_path / "third")


def test_restore_refuses_running_node_other_chain_and_nonempty_home(
    running: Running, tmp_path: Path
) -> None:
    running.anchor(1)
    res = backup_home(running.home, tmp_path / "b.tar", store=running.node.store)
    lock = NodeHome(running.home).acquire_lock()  # as `wuyi node start` holds it
    try:
        with pytest.raises(RestoreRefused, match="in use"):
            restore_home(res.path, running.home, force=True)
    finally:
        lock.close()
    height = running.node.height
    running.stop()
    with pytest.raises(RestoreRefused, match="not empty"):
        restore_home(res.path, running.home)
    other = start(tmp_path / "other", chain_id="another-chain")
    other.stop()
    with pytest.raises(RestoreWrongChain, match="another-chain"):
        restore_home(res.path, other.home, force=True)
    with pytest.raises(RestoreWrongChain):
        restore_home(res.path, tmp_path / "empty", expect_chain_id="another-chain")
    # same chain, --force: replaces the home (an old WAL does not survive)
    (running.home / "data" / "consensus.wal").write_bytes(b"stale")
    restore_home(res.path, running.home, force=True)
    assert not (running.home / "data" / "consensus.wal").exists()
    node = Node.open(running.home)
    try:
        assert node.height == height
    finally:
        node.close()


def test_cli_backup_and_restore(running: Running, tmp_path: Path) -> None:
    running.anchor(1)
    running.stop()
    runner = CliRunner()
    out = tmp_path / "cli.tar.gz"
    r = runner.invoke(cli_app, ["backup", "--home", str(running.home), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "backup written" in r.output and out.exists()
    r = runner.invoke(cli_app, ["restore", "--home", str(running.home), "--from", str(out)])
    assert r.exit_code == 1 and "restore_refused" in r.output and "--force" in r.output
    target = tmp_path / "fresh"
    r = runner.invoke(cli_app, ["restore", "--home", str(target), "--from", str(out)])
    assert r.exit_code == 0, r.output
    assert "restored" in r.output and (target / "genesis.json").exists()
