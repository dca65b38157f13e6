"""The peer in the same run: Ganache (``make peer`` installs the pinned version under
``benchmarks/peer/node_modules``), started and stopped here on 127.0.0.1 in instant-mining
mode (``--miner.blockTime 0 --miner.instamine eager``: each transaction is mined into its own
block before its hash is returned).

Workloads, the same as ours:

* ``transfer`` — signed ETH value transfers (1 wei, 21,000 gas, legacy EIP-155 transactions)
  from ``SENDERS`` accounts funded at genesis (``--wallet.accounts``) to 1,000 recipients;
* ``counter`` — ``increment()`` calls to the Counter contract below, deployed once per run
  from the checked-in bytecode (nothing is compiled at run time).

Transactions are signed in Python with ``eth-account`` (pinned in the dev extra) before the
timed window, in worker processes, and sent as JSON-RPC **batches** of ``eth_sendRawTransaction``
(as our side posts batches to ``/v1/txs/batch``): one closed-loop client thread per sender keeps
one batch in flight (fixed backlog = senders × batch). A transaction counts as committed when
its batch's answer returns its hash (eager instamine mines before answering); after the round
every receipt is fetched and ``status == 0x1`` counts as success. Ganache keeps its chain in
memory (no ``--database.dbPath``): it writes nothing to disk, our nodes fsync every block.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.network import cpu_seconds, rss_mib
from benchmarks.stats import latency_summary

ROOT = Path(__file__).resolve().parent.parent
PEER_DIR = ROOT / "benchmarks" / "peer"
GANACHE_VERSION = "7.9.2"  # pinned in benchmarks/peer/package.json
CHAIN_ID = 1337
GAS_PRICE = 2_000_000_000
SENDERS = 4
BATCH = 25

# Counter, compiled once with solc 0.8.26 (optimizer on, 200 runs, evmVersion shanghai):
#
#     // SPDX-License-Identifier: Apache-2.0
#     pragma solidity ^0.8.20;
#     contract Counter {
#         uint256 public count;
#         function increment() external returns (uint256) {
#             count += 1;
#             return count;
#         }
#     }
COUNTER_BYTECODE = (
    "0x6080604052348015600e575f80fd5b5060c580601a5f395ff3fe6080604052348015600e575f80fd5b5060"
    "0436106030575f3560e01c806306661abd146034578063d09de08a14604d575b5f80fd5b603b5f5481565b6040"
    "5190815260200160405180910390f35b603b5f60015f80828254605f9190606b565b90915550505f5491905056"
    "5b80820180821115608957634e487b7160e01b5f52601160045260245ffd5b9291505056fea264697066735822"
    "12205dc000208a887981157df8f7c0a8be006b368e5e920aaa935c6bfd229f55e34264736f6c634300081a0033"
)
COUNTER_INCREMENT = "0xd09de08a"  # increment()
COUNTER_COUNT = "0x06661abd"  # count()


def sender_keys(n: int = SENDERS) -> list[str]:
    """Deterministic private keys of the funded senders (bench only: never use elsewhere)."""
    import hashlib

    return ["0x" + hashlib.sha256(f"wuyi-bench-peer/{i}".encode()).hexdigest() for i in range(n)]


def ganache_bin() -> Path | None:
    p = PEER_DIR / "node_modules" / ".bin" / "ganache"
    return p if p.exists() else None


def installed_version() -> str | None:
    pkg = PEER_DIR / "node_modules" / "ganache" / "package.json"
    try:
        v: str = json.loads(pkg.read_text())["version"]
        return v
    except (OSError, ValueError, KeyError):
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Ganache:
    """A Ganache process on 127.0.0.1 (started on ``with``, stopped on exit)."""

    def __init__(self, senders: int = SENDERS) -> None:
        exe = ganache_bin()
        if exe is None:
            raise FileNotFoundError(
                f"Ganache is not installed under {PEER_DIR}/node_modules (run `make peer`)"
            )
        if shutil.which("node") is None:
            raise FileNotFoundError("Node.js (`node`) is not installed")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.keys = sender_keys(senders)
        cmd = [
            str(exe),
            "--server.host",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--miner.blockTime",
            "0",
            "--miner.instamine",
            "eager",
            "--chain.chainId",
            str(CHAIN_ID),
            "--logging.quiet",
        ]
        for k in self.keys:
            cmd += ["--wallet.accounts", f"{k},{10**24}"]
        self.cmd = cmd
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(timeout=60)

    def __enter__(self) -> Ganache:
        self.proc = subprocess.Popen(
            self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"Ganache exited with {self.proc.returncode}: {err[-400:]}")
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                if self.rpc("eth_blockNumber") is not None:
                    return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Ganache did not answer within 60 s")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.http.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def rpc(self, method: str, *params: Any) -> Any:
        r = self.http.post(
            self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        )
        body = r.json()
        if "error" in body:
            raise RuntimeError(f"{method}: {body['error']}")
        return body["result"]

    def receipts(self, hashes: list[str]) -> list[dict[str, Any] | None]:
        out: list[dict[str, Any] | None] = []
        for k in range(0, len(hashes), 500):
            req = [
                {"jsonrpc": "2.0", "id": j, "method": "eth_getTransactionReceipt", "params": [h]}
                for j, h in enumerate(hashes[k : k + 500])
            ]
            res = sorted(self.http.post(self.url, json=req).json(), key=lambda x: x["id"])
            out += [x.get("result") for x in res]
        return out


def _sign(job: tuple[str, int, int, str, int]) -> list[tuple[str, str]]:
    from eth_account import Account
    from eth_utils import to_checksum_address

    key, nonce0, n, workload, contract_int = job
    acct = Account.from_key(key)
    out = []
    for k in range(n):
        nonce = nonce0 + k
        if workload == "transfer":
            to = to_checksum_address(f"0x{0x100000 + (nonce * 7 + k) % 1000:040x}")
            tx = {
                "nonce": nonce,
                "gasPrice": GAS_PRICE,
                "gas": 21_000,
                "to": to,
                "value": 1,
                "data": b"",
                "chainId": CHAIN_ID,
            }
        else:
            tx = {
                "nonce": nonce,
                "gasPrice": GAS_PRICE,
                "gas": 60_000,
                "to": to_checksum_address(f"0x{contract_int:040x}"),
                "value": 0,
                "data": bytes.fromhex(COUNTER_INCREMENT[2:]),
                "chainId": CHAIN_ID,
            }
        s = acct.sign_transaction(tx)
        out.append(("0x" + bytes(s.raw_transaction).hex(), "0x" + bytes(s.hash).hex()))
    return out


def presign_eth(
    keys: list[str],
    nonces: list[int],
    per_sender: int,
    workload: str,
    contract: str,
    workers: int,
) -> list[list[tuple[str, str]]]:
    """``per_sender`` signed transactions for each sender from its next nonce."""
    jobs = [
        (k, nonces[i], per_sender, workload, int(contract or "0x0", 16)) for i, k in enumerate(keys)
    ]
    if workers <= 1:
        return [_sign(j) for j in jobs]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        return pool.map(_sign, jobs)


def deploy_counter(g: Ganache) -> str:
    from eth_account import Account

    acct = Account.from_key(g.keys[0])
    tx = {
        "nonce": 0,
        "gasPrice": GAS_PRICE,
        "gas": 300_000,
        "value": 0,
        "data": bytes.fromhex(COUNTER_BYTECODE[2:]),
        "chainId": CHAIN_ID,
    }
    raw = "0x" + bytes(acct.sign_transaction(tx).raw_transaction).hex()
    h = g.rpc("eth_sendRawTransaction", raw)
    rc = g.rpc("eth_getTransactionReceipt", h)
    if not rc or rc.get("status") != "0x1":
        raise RuntimeError(f"deploying Counter failed: {rc}")
    addr: str = rc["contractAddress"]
    return addr


def run_round(
    g: Ganache, txs: list[list[tuple[str, str]]], duration: float, warmup: float
) -> tuple[dict[str, Any], list[int]]:
    """One fixed-backlog round; returns the result and how many transactions each sender
    sent (its next nonce moves on by that much)."""
    t0 = time.perf_counter()
    t_end = t0 + duration
    sent = [0] * len(txs)
    answered: list[tuple[float, float, str]] = []  # (sent at, answered at, hash)
    errors: list[str] = []
    lock = threading.Lock()

    def client(s: int) -> None:
        mine = txs[s]
        with httpx.Client(timeout=60) as c:
            while time.perf_counter() < t_end and sent[s] < len(mine):
                part = mine[sent[s] : sent[s] + BATCH]
                req = [
                    {"jsonrpc": "2.0", "id": j, "method": "eth_sendRawTransaction", "params": [x]}
                    for j, (x, _h) in enumerate(part)
                ]
                ts = time.perf_counter()
                try:
                    res = c.post(g.url, json=req).json()
                except (httpx.HTTPError, ValueError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                    return  # a lost batch leaves a nonce gap: this sender stops
                ta = time.perf_counter()
                sent[s] += len(part)
                with lock:
                    for x in res:
                        if "result" in x:
                            answered.append((ts, ta, x["result"]))
                        elif len(errors) < 5:
                            errors.append(str(x.get("error"))[:200])

    threads = [threading.Thread(target=client, args=(s,), daemon=True) for s in range(len(txs))]
    for th in threads:
        th.start()
    time.sleep(max(0.0, t0 + warmup - time.perf_counter()))
    w0 = time.perf_counter()
    cpu0 = cpu_seconds(g.pid)
    time.sleep(max(0.0, t_end - time.perf_counter()))
    w1 = time.perf_counter()
    cpu1 = cpu_seconds(g.pid)
    rss = rss_mib(g.pid)
    for th in threads:
        th.join(120)
    window = w1 - w0
    in_window = [a for a in answered if w0 <= a[1] <= w1]
    lats = [ta - ts for ts, ta, _h in answered if ts >= w0]
    receipts = g.receipts([h for _ts, _ta, h in answered])
    ok = sum(1 for r in receipts if r and r.get("status") == "0x1")
    attempted = sum(sent)
    return {
        "mode": f"fixed-backlog {len(txs)}×{BATCH}",
        "duration_s": duration,
        "window_s": round(window, 2),
        "committed_tps": round(len(in_window) / window, 1),
        "attempted": attempted,
        "committed": len(answered),
        "receipts_ok": ok,
        "success_rate": round(ok / attempted, 4) if attempted else None,
        "latency_ms": latency_summary(lats),
        "latency_note": "batch round trip (eager instamine answers after mining)",
        "cpu_cores": round((cpu1 - cpu0) / window, 2),
        "rss_mib": rss["rss"],
        "pool_exhausted": any(sent[s] >= len(txs[s]) for s in range(len(txs))),
        "errors": errors,
    }, sent


def run_peer(
    workloads: list[str],
    repeats: int,
    duration: float,
    warmup: float,
    expected_tps: float = 600.0,
    log: Any = print,
) -> dict[str, Any]:
    """Every workload against a fresh Ganache; ``{"available": False, "reason": …}`` if it
    cannot be run (nothing is invented then)."""
    version = installed_version()
    base: dict[str, Any] = {
        "name": "Ganache",
        "version_pinned": GANACHE_VERSION,
        "version": version,
        "mode": "instamine eager (blockTime 0), in-memory chain",
        "signing": "eth-account (Python), legacy EIP-155 transactions, pre-signed",
        "submission": f"JSON-RPC batches of {BATCH} eth_sendRawTransaction, {SENDERS} clients",
    }
    if version is None or ganache_bin() is None:
        return {
            **base,
            "available": False,
            "reason": "Ganache is not installed (`make peer` failed or was not run)",
        }
    out: dict[str, Any] = {**base, "available": True, "workloads": {}}
    try:
        for w in workloads:
            with Ganache() as g:
                out["node"] = subprocess.run(
                    ["node", "--version"], capture_output=True, text=True, check=False
                ).stdout.strip()
                contract = deploy_counter(g) if w == "counter" else ""
                nonces = [1 if (w == "counter" and i == 0) else 0 for i in range(SENDERS)]
                rounds = []
                per_sender = int(expected_tps * duration * 1.5 / SENDERS) + BATCH
                for r in range(repeats):
                    txs = presign_eth(
                        g.keys, nonces, per_sender, w, contract, min(SENDERS, os.cpu_count() or 2)
                    )
                    res, sent = run_round(g, txs, duration, warmup)
                    if res["pool_exhausted"]:  # faster than expected: more next time
                        per_sender *= 2
                    nonces = [n + s for n, s in zip(nonces, sent, strict=True)]
                    log(
                        f"ganache {w} round {r + 1}/{repeats}: {res['committed_tps']:.0f} tx/s, "
                        f"success {res['success_rate']}"
                    )
                    rounds.append(res)
                check = None
                if w == "counter":
                    count = int(
                        g.rpc("eth_call", {"to": contract, "data": COUNTER_COUNT}, "latest"), 16
                    )
                    ok = sum(x["receipts_ok"] for x in rounds)
                    check = {"count": count, "ok_receipts": ok, "consistent": count == ok}
                out["workloads"][w] = {"rounds": rounds, "counter_check": check}
    except (OSError, RuntimeError, httpx.HTTPError) as exc:
        out["available"] = bool(out["workloads"])
        out["error"] = f"{type(exc).__name__}: {exc}"[:500]
        if not out["workloads"]:
            out["reason"] = f"Ganache could not be run: {out['error']}"
    return out
