"""What ``make run`` does, as a newcomer runs it: ``wuyi demo`` in its own process creates the
city chain (``jiangmen-gov``, SM, four validators) with the demo data, then the second chain
from a template (``jiangmen-financial``, intl, one validator), a light client each way, the relay
as a process and the demo's recognitions; Ctrl-C stops every process it started; started again
on the same directory it makes nothing twice (issue #22, "In the demo").

One test, real processes, about two minutes on a 2-core machine (most of it the demo data).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from wuyi.crosschain.demo import RELAY_REFRESH_S
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.sdk import WuyiClient

pytestmark = [pytest.mark.integration, pytest.mark.slow]

READY = "按 Ctrl-C 停止全部节点"
FIRST_START_S = 900.0  # the demo data on a loaded 2-core machine
RESTART_S = 300.0
STOP_S = 90.0


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port_blocks() -> tuple[int, int]:
    """A base API port and a base peer port such that base..base+3 and base+100..base+103 are
    free for each (the city chain's four nodes and the second chain's)."""
    for api in range(31000, 39000, 211):
        p2p = api + 10000
        wanted = [b + i for b in (api, api + 100, p2p, p2p + 100) for i in range(4)]
        if all(_free(p) for p in wanted):
            return api, p2p
    raise AssertionError("no free block of ports for the demo")


def _start(data: Path, api: int, p2p: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "wuyi.cli", "demo", "--data", str(data),
             "--port", str(api), "--p2p-port", str(p2p)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "160"},
            # Ctrl-C as a terminal delivers it: a run started in the background by a shell
            # without job control (`make test &`) ignores SIGINT, and children inherit that
            preexec_fn=_sigint_as_in_a_terminal,
        )  # fmt: skip


def _sigint_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_ready(proc: subprocess.Popen[bytes], log: Path, since: int, timeout: float) -> str:
    t0 = time.monotonic()
    while True:
        text = log.read_bytes()[since:].decode("utf-8", "replace")
        if READY in text:
            return text
        if proc.poll() is not None:
            raise AssertionError(f"wuyi demo exited ({proc.returncode}):\n{text[-4000:]}")
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"wuyi demo not ready after {timeout:.0f}s:\n{text[-4000:]}")
        time.sleep(1.0)


def _processes_under(data: Path) -> list[str]:
    """Command lines of running processes that name the demo directory (nodes, the relay)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if str(data) in cmd:
            found.append(f"{d.name}: {cmd}")
    return found


def _stop(proc: subprocess.Popen[bytes], data: Path) -> None:
    """Ctrl-C (SIGINT to the demo process), then every process it started must be gone."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(STOP_S)
    except subprocess.TimeoutExpired:
        # say what was still running and what the demo printed last, then clean up
        left, tail = _processes_under(data), ""
        log = data.parent / "demo.log"
        if log.exists():
            tail = log.read_text(errors="replace")[-3000:]
        nodes = "".join(
            f"\n--- {p.parent.name}: " + p.read_text(errors="replace")[-800:]
            for p in sorted(data.rglob("node.log"))
        )
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(
            f"the demo did not stop {STOP_S:.0f} s after Ctrl-C; still running: {left}\n"
            f"--- demo.log:\n{tail}{nodes}"
        ) from None
    deadline = time.monotonic() + 20
    while (left := _processes_under(data)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"still running after Ctrl-C: {left}"


def _clients(url: str) -> dict[str, dict[str, Any]]:
    r = httpx.get(url + "/v1/xchain/clients", timeout=10)
    r.raise_for_status()
    return {c["chain_id"]: c for c in r.json()["clients"]}


def _proposal_types(url: str) -> list[str]:
    out: list[str] = []
    params: dict[str, Any] = {"limit": 200}
    while True:
        d = httpx.get(url + "/v1/gov/proposals", params=params, timeout=10).json()
        out += [p["action"]["type"] for p in d["proposals"]]
        if not d.get("next"):
            return out
        params["cursor"] = d["next"]


def test_make_run_brings_up_two_chains_a_relay_and_recognitions(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    log = tmp_path / "demo.log"
    api, p2p = _port_blocks()
    city, fin = f"http://127.0.0.1:{api}", f"http://127.0.0.1:{api + 100}"
    proc = _start(data, api, p2p, log)
    try:
        text = _wait_ready(proc, log, 0, FIRST_START_S)
        # the two chains, each of its own suite and validators
        with WuyiClient(city) as c, WuyiClient(fin) as f:
            cs, fs = c.status(), f.status()
            assert (cs.chain_id, cs.suite, len(cs.validators)) == ("jiangmen-gov", "sm", 4)
            assert (fs.chain_id, fs.suite, len(fs.validators)) == ("jiangmen-financial", "intl", 1)
            # the city chain's registry lists the second chain, activated with its genesis hash
            entry = c._get("/v1/xchain/chains/jiangmen-financial")
            assert entry["status"] == "active", entry
            assert entry["genesis_hash"] == fs.genesis_hash
        # a client each way, active, pinned to the other's genesis
        of_city, of_fin = _clients(fin)["jiangmen-gov"], _clients(city)["jiangmen-financial"]
        assert of_city["status"] == of_fin["status"] == "active"
        assert of_city["genesis_hash"] == cs.genesis_hash and of_city["suite"] == "sm"
        assert of_fin["genesis_hash"] == fs.genesis_hash and of_fin["suite"] == "intl"
        # the recognitions: a credential's status, a home free of mortgage and seizure, one not
        assert of_city["recognitions"] >= 3, of_city
        assert "有效 / valid" in text, text[-3000:]
        assert "无抵押、无查封：受理 / unencumbered: accepted" in text, text[-3000:]
        assert "有抵押或查封：拒绝 / encumbered: refused" in text, text[-3000:]
        # the relay runs: a new block on the city chain reaches the finance chain's client
        with WuyiClient(city) as c:
            key = load_key(data / "keys" / "sjj-admin.key", DEMO_PASSPHRASE)
            c.anchor(key, b"make run: the relay follows the city chain", timeout=30)
            top = c.status().height
        deadline = time.monotonic() + RELAY_REFRESH_S + 90
        while _clients(fin)["jiangmen-gov"]["latest_height"] < top:
            assert time.monotonic() < deadline, "the relay did not bring the client that height"
            time.sleep(1.0)
        made = _proposal_types(city)
        assert made.count("chains.create") == 1 and made.count("chains.activate") == 1, made
        assert made.count("xchain.register") == 1, made
        _stop(proc, data)

        # again on the same directory: everything restarts, nothing is made twice
        since = log.stat().st_size
        proc = _start(data, api, p2p, log)
        again = _wait_ready(proc, log, since, RESTART_S)
        assert "创建演示网络" not in again and "创建第二条链" not in again, again[-3000:]
        assert "无抵押、无查封：受理 / unencumbered: accepted" in again, again[-3000:]
        assert _proposal_types(city) == made
        assert _clients(fin)["jiangmen-gov"]["status"] == "active"
        assert _clients(city)["jiangmen-financial"]["status"] == "active"
        _stop(proc, data)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        for line in _processes_under(data):
            os.kill(int(line.split(":")[0]), signal.SIGKILL)
