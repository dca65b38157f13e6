"""``wuyi up`` / ``wuyi status`` / ``wuyi down`` on real processes, and the files
:func:`wuyi.node.cluster.create_network` writes."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from wuyi.exceptions import ValidationError
from wuyi.ledger.genesis import GenesisDoc
from wuyi.node.cluster import create_network, load_cluster
from wuyi.node.home import NodeHome, OrgSpec
from wuyi.node.p2p_config import load_p2p_settings

PW = "cluster-cli-tests"
_SCRIPT = Path(sys.executable).parent / "wuyi"
WUYI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "wuyi.cli"]


def _free_bases(n: int) -> tuple[int, int]:
    rng = random.Random()
    for _ in range(200):
        api, p2p = rng.randrange(30000, 40000, 10), rng.randrange(50000, 60000, 10)
        ok = True
        for port in [*range(api, api + n), *range(p2p, p2p + n)]:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return api, p2p
    raise RuntimeError("no free port range on loopback")


def test_create_network_layout(tmp_path: Path) -> None:
    root = tmp_path / "net"
    spec = create_network(
        root,
        4,
        chain_id="layout-net",
        suite="intl",
        orgs=[OrgSpec("sjj", "政数局"), OrgSpec("zjj", "住建局")],
        passphrase=PW,
        base_api_port=18100,
        base_p2p_port=28100,
        consensus={"timeout_propose_ms": 400, "create_empty_blocks_interval_ms": -1},
    )
    assert load_cluster(root) == spec
    genesis = GenesisDoc.load(root / "genesis.json")
    assert [v.name for v in genesis.validators.validators] == ["node0", "node1", "node2", "node3"]
    assert genesis.orgs[0].operator  # the first org is made the operator
    assert sorted(spec.admin_keys) == ["sjj", "zjj"]
    assert all(p.exists() and p.parent == root / "keys" for p in spec.admin_keys.values())
    for nd in spec.nodes:
        home = NodeHome(nd.home)
        assert home.load_genesis() == genesis
        assert home.load_settings().api_port == 18100 + nd.index
        assert home.load_validator_key(PW).public_key == nd.public_key
        p2p = load_p2p_settings(nd.home)
        assert p2p is not None and p2p.listen_port == 28100 + nd.index
        assert p2p.consensus.timeout_propose_ms == 400
        assert p2p.consensus.create_empty_blocks_interval_ms is None
        assert {p.name: (p.port, p.public_key) for p in p2p.peers} == {
            o.name: (o.p2p_port, o.public_key) for o in spec.nodes if o is not nd
        }
        for f in ("node.crt", "node.key", "ca.crt"):
            assert (nd.home / "tls" / f).exists()
        assert (nd.home / "tls" / "node.key").stat().st_mode & 0o077 == 0
    with pytest.raises(ValidationError, match="already holds"):
        create_network(
            root, 4, chain_id="layout-net", suite="intl", orgs=[OrgSpec("a", "b")], passphrase=PW
        )


@pytest.mark.integration
@pytest.mark.slow
def test_up_status_anchor_down(tmp_path: Path) -> None:
    api, p2p = _free_bases(4)
    root = tmp_path / "net"
    env = {**os.environ, "WUYI_PASSPHRASE": PW, "PYTHONIOENCODING": "utf-8", "COLUMNS": "120"}
    env.pop("WUYI_NODE", None)

    def wuyi(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*WUYI, *args], env=env, capture_output=True, text=True, timeout=timeout
        )

    up = wuyi(
        "up", "--nodes", "4", "--dir", str(root), "--suite", "intl", "--chain-id", "cli-net",
        "--base-port", str(api), "--base-p2p-port", str(p2p), "--detach",
    )  # fmt: skip
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        for i in range(4):
            assert f"http://127.0.0.1:{api + i}" in up.stdout
        assert (root / "node0" / "node.pid").exists()

        doc = tmp_path / "permit.txt"
        doc.write_text("建设工程竣工验收备案 2024-0042\n")
        key = str(root / "keys" / "sjj-admin.key")
        res = wuyi("anchor", str(doc), "--key", key, "--node", f"http://127.0.0.1:{api + 2}")
        assert res.returncode == 0, res.stdout + res.stderr

        st = wuyi("status", "--dir", str(root))
        assert st.returncode == 0, st.stdout + st.stderr
        rows = [ln for ln in st.stdout.splitlines() if ln.startswith("node")][1:]
        assert len(rows) == 4 and all(" up " in r for r in rows), st.stdout
        assert "4/4 up, chain cli-net" in st.stdout

        two = wuyi(
            "status", "--node", f"http://127.0.0.1:{api}", "--node", f"http://127.0.0.1:{api + 3}"
        )
        assert two.returncode == 0 and "2/2 up" in two.stdout, two.stdout + two.stderr

        one = wuyi("status", "--node", f"http://127.0.0.1:{api + 1}")
        assert one.returncode == 0 and "cli-net" in one.stdout, one.stdout + one.stderr
    finally:
        down = wuyi("down", "--dir", str(root), timeout=60)
    assert down.returncode == 0, down.stdout + down.stderr
    assert "node0, node1, node2, node3" in down.stdout
    after = wuyi("status", "--dir", str(root))
    assert after.returncode == 1 and "down" in after.stdout
    spec = json.loads((root / "cluster.json").read_text())
    assert len(spec["nodes"]) == 4
