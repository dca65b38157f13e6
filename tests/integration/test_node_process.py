"""A real ``wuyi node start`` process: anchor, bundle and verify through the CLI, then SIGKILL the
node during a stream of submissions and check nothing acknowledged was lost."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from wuyi.crypto import load_key
from wuyi.sdk import WuyiClient

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = int(os.environ.get("WUYI_TEST_SEED", "20241127"))
PW = "integration-passphrase"
DEADLINE_S = 60.0
_SCRIPT = Path(sys.executable).parent / "wuyi"
WUYI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "wuyi.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NodeProc:
    def __init__(self, home: Path, port: int, env: dict[str, str], log: Path) -> None:
        self.home, self.port, self.env, self.log = home, port, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [*WUYI, "node", "start", "--home", str(self.home), "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"node exited with {self.proc.returncode}:\n" + self.log.read_text()[-3000:]
                )
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError("node did not become ready:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(15)


@pytest.fixture
def node_env(tmp_path: Path) -> Iterator[tuple[Path, NodeProc, dict[str, str]]]:
    port = free_port()
    env = {
        **os.environ,
        "WUYI_PASSPHRASE": PW,
        "WUYI_NODE": f"http://127.0.0.1:{port}",
        "PYTHONIOENCODING": "utf-8",
    }
    home = tmp_path / "home"
    subprocess.run(
        [
            *WUYI,
            "init",
            "--home",
            str(home),
            "--chain-id",
            "it-chain",
            "--suite",
            "intl",
            "--org",
            "sjj:政数局:operator",
            "--org",
            "zjj:住建局",
            "--port",
            str(port),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    node = NodeProc(home, port, env, tmp_path / "node.log")
    try:
        yield home, node, env
    finally:
        if node.proc is not None and node.proc.poll() is None:
            node.proc.kill()
            node.proc.wait(10)


def _genesis_hash(home: Path) -> str:
    """The genesis hash of the chain in ``home``, computed from its genesis.json alone."""
    from wuyi.crypto import get_suite
    from wuyi.ledger.genesis import GenesisDoc, build_genesis
    from wuyi.state import MemoryNodeStore, StateTree

    doc = GenesisDoc.load(home / "genesis.json")
    suite = get_suite(doc.suite)
    block = build_genesis(doc, StateTree(suite.hash, MemoryNodeStore()))[0]
    return block.compute_hash(suite).hex()


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*WUYI, *args], env=env, capture_output=True, text=True, timeout=30)


def test_anchor_bundle_verify_then_survive_kills(
    node_env: tuple[Path, NodeProc, dict[str, str]], tmp_path: Path
) -> None:
    home, node, env = node_env
    node.start()

    # anchor through the CLI, export a bundle, verify it with no node at all
    doc = tmp_path / "证明.txt"
    doc.write_text("新会陈皮产地证明 XH-CP-2024-0815\n", encoding="utf-8")
    r = cli(
        env,
        "anchor",
        str(doc),
        "--key",
        str(home / "keys" / "zjj-admin.key"),
        "--meta",
        "title=新会陈皮产地证明",
        "--meta",
        "type=certificate",
    )
    assert r.returncode == 0, r.stderr + r.stdout
    assert "doc hash" in r.stdout and "height" in r.stdout
    bundle = tmp_path / "bundle.json"
    r = cli(env, "bundle", "--file", str(doc), "--out", str(bundle))
    assert r.returncode == 0, r.stderr + r.stdout
    # pinned to the genesis hash the chain was created with (as its operator publishes it)
    genesis = _genesis_hash(home)
    assert f"--genesis-hash {genesis}" in r.stdout
    offline = {**env, "WUYI_NODE": "http://127.0.0.1:9"}
    r = cli(offline, "verify", str(bundle), str(doc), "--genesis-hash", genesis)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "新会陈皮产地证明" in r.stdout
    altered = tmp_path / "altered.txt"
    altered.write_bytes(doc.read_bytes().replace(b"2024", b"2025"))
    r = cli(offline, "verify", str(bundle), str(altered), "--genesis-hash", genesis)
    assert r.returncode == 1 and "验证失败 / verification failed" in r.stderr

    # a stream of submissions; SIGKILL the node at seeded random moments
    rng = random.Random(SEED)
    key = load_key(home / "keys" / "zjj-admin.key", PW)
    acked: list[str] = []
    acked_lock = threading.Lock()
    print(f"seed {SEED}")
    t_start = time.monotonic()  # the crash phase is bounded: DEADLINE_S
    for round_ in range(3):
        if round_:
            node.start()
        stop = threading.Event()

        def submitter(worker: int, round_: int = round_, stop: threading.Event = stop) -> None:
            with WuyiClient(node.url, timeout=5) as c:
                try:
                    b = c.builder(key)
                except Exception:
                    return
                i = 0
                while not stop.is_set():
                    i += 1
                    tx = b.anchor(c.suite.hash(f"r{round_}-w{worker}-{i}".encode()))
                    try:
                        res = c.submit(tx, wait=True, timeout=3)
                    except Exception:
                        continue
                    with acked_lock:
                        acked.append(res.tx_hash)

        threads = [threading.Thread(target=submitter, args=(w,)) for w in range(4)]
        with acked_lock:
            before = len(acked)
        for t in threads:
            t.start()
        # let the stream get going, then kill at a seeded random moment within it
        until = time.monotonic() + 10
        while len(acked) < before + 4 and time.monotonic() < until:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.6))
        node.kill()
        stop.set()
        for t in threads:
            t.join(15)
        assert time.monotonic() - t_start < DEADLINE_S

    node.start()
    assert len(acked) > 10, "the stream should have committed something before the kills"
    with WuyiClient(node.url) as c:
        for tx_hash in acked:
            assert c.get_tx(tx_hash).status == "committed", tx_hash
        height = c.status().height
        prev_hash = None
        heights = []
        from_height: int | None = 0
        while from_height is not None:
            page = httpx.get(
                node.url + "/v1/blocks",
                params={"from_height": from_height, "limit": 100, "order": "asc"},
            )
            doc_ = page.json()
            for blk in doc_["blocks"]:
                heights.append(blk["height"])
            from_height = doc_["next_from_height"]
        assert heights == list(range(height + 1))
        for h in (height - 1, height):
            detail = c.get_block(h)
            if prev_hash is not None:
                assert detail.header.prev_hash == prev_hash
            prev_hash = detail.hash
    assert time.monotonic() - t_start < DEADLINE_S
    assert node.terminate() == 0
    r = cli(env, "node", "check", "--home", str(home), "--full")
    assert r.returncode == 0 and "OK" in r.stdout, r.stderr + r.stdout


def _descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _still_running(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def test_sigkill_leaves_no_process_of_the_node(
    node_env: tuple[Path, NodeProc, dict[str, str]],
) -> None:
    """Issue #17: every ``kill -9`` of a node left its signature-verifier workers and the
    multiprocessing resource tracker running for ever under pid 1 (about 45 MB each time).
    The workers watch their parent and exit with it; the tracker follows them."""
    _, node, _ = node_env
    node.start()
    assert node.proc is not None
    children = _descendants(node.proc.pid)
    lines = [" ".join(p.cmdline()) for p in children]
    assert any("spawn_main" in line for line in lines), lines  # the verifier workers
    node.kill()
    deadline = time.monotonic() + 20  # a bound, not a timing: polled, usually well under 1 s
    left = _still_running(children)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _still_running(children)
    for p in left:  # never leave them behind, even when failing
        with contextlib.suppress(psutil.Error):
            p.kill()
    assert not left, f"processes of the killed node still run: {[p.cmdline() for p in left]}"
