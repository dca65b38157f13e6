"""Time for a new node to reach the head of a long chain: state sync against replay.

    python -m benchmarks.bench_join --txs 1000000 --per-block 1000 > benchmarks/results/join.json

Builds a chain of ``--txs`` anchors in blocks of ``--per-block`` on a 3-validator network
(``wuyi.testing.prebuilt``: every block executed by the ledger, every commit QC signed by the
three keys), makes a snapshot at the head, then brings two fresh nodes to the head:

* **state sync** (``wuyi.node.snapshots.StateSync``): headers from genesis, validator changes and
  the head's QC by the light-client rules, the manifest and every chunk checked against the state
  root, the receipts of the replay window, one install transaction;
* **replay**: every block's commit QC checked and the block executed and committed
  (what block sync does, ``ValidatorRunner._sync_from``), from genesis.

Both read the serving node's store in-process through the same request handler the network
carries (no sockets, no TLS): the figures are the verification, execution and store costs, not
the transfer. The output is JSON (with the state sync's CPU seconds, its own process's and its
checking workers', the wall time of each of its steps, the date, the machine and its load);
``docs/benchmarks.md`` ("Joining a long chain") records a run. To compare before and after a
change on the same chain, build it once and keep it (``--chain``; a second run with the same
``--txs``/``--per-block`` reuses it), and time state sync alone (``--skip-replay``)::

    python -m benchmarks.bench_join --txs 1000000 --per-block 1000 --dir /dev/shm \
        --chain /dev/shm/jw1m --skip-replay
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from wuyi.crypto import load_key
from wuyi.ledger.execute import apply_block
from wuyi.ledger.lightclient import validate_commit_qc
from wuyi.node.cluster import create_network
from wuyi.node.home import NodeHome, OrgSpec
from wuyi.node.node import Node
from wuyi.node.snapshots import SnapshotDir, StateSync, make_snapshot, serve_snap_request
from wuyi.params import ChainParams
from wuyi.state import StateTree
from wuyi.testing.prebuilt import ChainShape, extend_chain

PW = "bench-join"


def _fresh(spec_home: Path, dest: Path) -> Node:
    dest.mkdir(parents=True)
    shutil.copy(spec_home / "genesis.json", dest / "genesis.json")
    return Node.open(dest)


def _children_cpu() -> float:
    """CPU seconds of this process's ended (and waited for) children: the sync's workers."""
    t = os.times()
    return t.children_user + t.children_system


def _state_sync(
    server: Node, snapdir: SnapshotDir, dest: Path, workers: int | None
) -> dict[str, Any]:
    node = _fresh(server.store.path.parent.parent, dest)
    t0, c0, w0 = time.perf_counter(), time.process_time(), _children_cpu()

    async def request(_peer: bytes, payload: bytes, _timeout: float) -> bytes:
        return serve_snap_request(server, snapdir, payload)

    sync = StateSync(node, request, lambda p, r: None, workers=workers)
    result = asyncio.run(sync.run([b"server"], 1))
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    workers_cpu = _children_cpu() - w0  # the pool is shut down (waited for) at the sync's end
    assert result is not None and node.store.state_root == server.store.state_root
    out = {
        "seconds": round(took, 2),
        "cpu_s": round(cpu + workers_cpu, 2),
        "cpu_main_s": round(cpu, 2),
        "cpu_workers_s": round(workers_cpu, 2),
        "workers": getattr(result, "workers", 0),
        "steps_s": getattr(result, "seconds", {}),  # (absent before the steps were timed)
        "keys": result.keys,
        "chunks": result.chunks,
        "window_txs": result.window_txs,
        "height": result.height,
    }
    node.close()
    return out


def _replay(server: Node, dest: Path, limit_s: float) -> dict[str, Any]:
    node = _fresh(server.store.path.parent.parent, dest)
    t0 = time.perf_counter()
    top = server.height
    txs = 0
    while node.height < top:
        h = node.height + 1
        block = server.store.get_block(h)
        assert block.qc is not None
        validate_commit_qc(node.suite, node.chain.chain_id, node.validators(h), block.qc,
                           height=h, block_hash=block.compute_hash(node.suite))  # fmt: skip
        with node.store.snapshot() as view:
            result = apply_block(
                node.chain,
                view,
                StateTree(node.suite.hash, view),
                view.get_header(h - 1),
                block,
                is_committed=lambda t: view.get_tx_location(t) is not None,
            )
        node._commit(block, result)
        txs += len(block.txs)
        if time.perf_counter() - t0 > limit_s:
            break
    took = time.perf_counter() - t0
    done = node.height
    node.close()
    return {"seconds": round(took, 2), "heights": done, "txs": txs, "complete": done == top,
            "txs_per_s": round(txs / took, 1)}  # fmt: skip


def _run_info(argv: list[str] | None) -> dict[str, Any]:
    """Where and when: the figures depend on the machine and on what else runs on it."""
    args = sys.argv[1:] if argv is None else argv
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {os.cpu_count()} vCPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}",
        "command": "python -m benchmarks.bench_join " + " ".join(args),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def _chain(where: Path, txs: int, per_block: int) -> tuple[Path, dict[str, Any]]:
    """The home of the serving node of a chain of ``txs`` anchors in ``where``: built there
    (and described in ``where/chain.json``) unless ``where`` already holds that chain."""
    info = where / "chain.json"
    if info.exists():
        chain = json.loads(info.read_text())
        if chain.get("txs") != txs or chain.get("per_block") != per_block:
            raise SystemExit(f"{where} holds a chain of {chain}, not --txs {txs} --per-block "
                             f"{per_block}")  # fmt: skip
        return Path(chain.pop("home")), chain
    params = ChainParams(max_block_txs=max(per_block, 1000))
    spec = create_network(
        where / "net", 3, chain_id="bench-join", suite="intl",
        orgs=[OrgSpec("sjj", "政数局", True), OrgSpec("zjj", "住建局")],
        passphrase=PW, params=params, time_ms=int(time.time() * 1000) - 86_400_000,
    )  # fmt: skip
    home = spec.nodes[0].home
    keys = [NodeHome(nd.home).load_validator_key(PW) for nd in spec.nodes]
    admin = load_key(spec.admin_keys["sjj"], PW)
    t0 = time.perf_counter()
    count = extend_chain(home, keys, admin, -(-txs // per_block), ChainShape(1, per_block))
    chain = {"txs": count, "per_block": per_block, "build_s": round(time.perf_counter() - t0, 1)}
    info.write_text(json.dumps({**chain, "home": str(home)}))
    return home, chain


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--txs", type=int, default=1_000_000)
    ap.add_argument("--per-block", type=int, default=1000)
    ap.add_argument("--replay-limit-s", type=float, default=7200.0,
                    help="stop the replay after this long and extrapolate")  # fmt: skip
    ap.add_argument("--dir", type=Path, default=None, help="where the joining nodes go")
    ap.add_argument("--chain", type=Path, default=None,
                    help="keep the built chain here and reuse it when it already holds one "
                         "(the same --txs and --per-block): measure before and after a change "
                         "on the same chain")  # fmt: skip
    ap.add_argument("--skip-replay", action="store_true", help="measure state sync only")
    ap.add_argument("--workers", type=int, default=None,
                    help="state sync's checking processes (default: one per core, at most 4; "
                         "0: a thread of the syncing process)")  # fmt: skip
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="wuyi-join-", dir=args.dir))
    try:
        home, chain = _chain(args.chain or work / "chain", args.txs, args.per_block)
        server = Node.open(home, check="none")
        snapdir = SnapshotDir(home / "data" / "snapshots")
        t0 = time.perf_counter()
        make_snapshot(server.store, server.chain.chain_id, server.height, snapdir)
        snap_s = time.perf_counter() - t0
        out: dict[str, Any] = {
            "run": _run_info(argv),
            "chain": {**chain, "heights": server.height, "store_bytes": server.store.size_bytes()},
            "snapshot": {"seconds": round(snap_s, 2)},
        }
        print(json.dumps(out), file=sys.stderr, flush=True)
        out["state_sync"] = _state_sync(server, snapdir, work / "synced", args.workers)
        print(json.dumps(out), file=sys.stderr, flush=True)
        if not args.skip_replay:
            out["replay"] = r = _replay(server, work / "replayed", args.replay_limit_s)
            if not r["complete"]:
                r["extrapolated_s"] = round(chain["txs"] / r["txs_per_s"], 1)
        server.close()
        print(json.dumps(out, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
