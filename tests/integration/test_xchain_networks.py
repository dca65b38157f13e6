"""Two real networks on loopback and a relay process between them: chain A (``jiangmen-gov``,
SM, four validator processes) registered on chain B (``finance``, intl, one validator) by
B's governance; ``wuyi relay`` keeps B's client of A current; the relay is killed while A
moves on and changes its validator set (node3 leaves), restarted, and B's client follows A
through the change; B then recognises a fact of A at A's latest height."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.test_cluster_cli import _free_bases
from wuyi.crosschain.sdk import Relayer, SourceChain, XChain
from wuyi.crypto import load_key
from wuyi.node.cluster import ClusterProcesses, create_network
from wuyi.node.home import NodeSettings, OrgSpec
from wuyi.sdk import WuyiClient

PW = "xchain-net-tests"
_SCRIPT = Path(sys.executable).parent / "wuyi"
WUYI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "wuyi.cli"]
CONSENSUS = {
    "timeout_propose_ms": 400,
    "timeout_propose_delta_ms": 100,
    "timeout_prevote_ms": 200,
    "timeout_prevote_delta_ms": 100,
    "timeout_precommit_ms": 200,
    "timeout_precommit_delta_ms": 100,
    "max_timeout_ms": 3000,
    "rebroadcast_ms": 500,
    "create_empty_blocks_interval_ms": -1,
}
FACTS = {"anchored": {"prefix": b"evidence/", "max_age_ms": 0}}


def _wait(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.mark.integration
@pytest.mark.slow
def test_two_networks_relay_killed_and_a_validator_set_change(tmp_path: Path) -> None:
    api_a, p2p_a = _free_bases(4)
    api_b, p2p_b = _free_bases(1)
    spec_a = create_network(
        tmp_path / "a", 4, chain_id="jiangmen-gov", suite="sm",
        orgs=[OrgSpec("sjj", "政数局", True), OrgSpec("bdc", "不动产登记中心")],
        passphrase=PW, base_api_port=api_a, base_p2p_port=p2p_a, consensus=CONSENSUS,
        settings=NodeSettings(block_interval_ms=10),
    )  # fmt: skip
    spec_b = create_network(
        tmp_path / "b", 1, chain_id="finance", suite="intl",
        orgs=[OrgSpec("jrj", "金融局", True), OrgSpec("nsyh", "农商银行")],
        passphrase=PW, base_api_port=api_b, base_p2p_port=p2p_b, consensus=CONSENSUS,
        settings=NodeSettings(block_interval_ms=10),
    )  # fmt: skip
    procs_a, procs_b = ClusterProcesses(spec_a, PW), ClusterProcesses(spec_b, PW)
    relay: subprocess.Popen[bytes] | None = None
    clients: list[WuyiClient] = []
    log = (tmp_path / "relay.log").open("ab")
    url_a = [f"http://127.0.0.1:{api_a + i}" for i in range(4)]
    url_b = f"http://127.0.0.1:{api_b}"
    env = {**os.environ, "WUYI_PASSPHRASE": PW, "PYTHONIOENCODING": "utf-8"}
    relay_cmd = [
        *WUYI, "relay", "--a", url_a[0], "--b", url_b,
        "--key-b", str(spec_b.admin_keys["nsyh"]), "--interval", "0.3", "--refresh-s", "0",
    ]  # fmt: skip
    try:
        procs_a.start_all()
        procs_b.start_all()
        procs_a.wait_ready(90)
        procs_b.wait_ready(90)
        a = WuyiClient(url_a, timeout=10)
        b = WuyiClient(url_b, timeout=10)
        clients += [a, b]
        key = {org: load_key(p, PW) for org, p in spec_a.admin_keys.items()}
        bkey = {org: load_key(p, PW) for org, p in spec_b.admin_keys.items()}
        src = SourceChain(a)
        b.govern(
            bkey["jrj"], [bkey["nsyh"]], "xchain.register",
            src.register_args(facts=FACTS, prefixes=[b"evidence/"]), title="认可江门政务链",
            timeout=60,
        )  # fmt: skip
        xb = XChain(b)

        def b_height() -> int:
            return int(xb.client_state("jiangmen-gov")["latest_height"])

        relay = subprocess.Popen(relay_cmd, env=env, stdout=log, stderr=log)
        doc = a.suite.hash(b"permit before the relay stops")
        res = a.submit_and_wait(a.builder(key["bdc"]).anchor(doc, {}), timeout=30)
        _wait(lambda: b_height() >= res.height, 40, "the relay to carry A's header to B")

        relay.send_signal(signal.SIGKILL)
        relay.wait(10)
        # A moves on without a relay, and node3 leaves A's validator set
        before = b_height()
        eff = a.status().height + 12
        a.govern(
            key["sjj"], [key["bdc"]], "validator.update",
            {
                "validators": [
                    {"name": n.name, "public_key": n.public_key, "power": 1}
                    for n in spec_a.nodes[:3]
                ],
                "effective_height": eff,
            },
            title="node3 leaves", timeout=60,
        )  # fmt: skip
        i = 0
        while a.status().height < eff + 2:
            a.submit_and_wait(
                a.builder(key["bdc"]).anchor(a.suite.hash(f"after {i}".encode()), {}), timeout=30
            )
            i += 1
        assert len(a.status().validators) == 3
        assert b_height() == before  # nobody relayed meanwhile

        relay = subprocess.Popen(relay_cmd, env=env, stdout=log, stderr=log)
        target = a.status().height
        _wait(lambda: b_height() >= target, 60, "B's client to follow A across the change")
        client = xb.client_state("jiangmen-gov")
        assert client["status"] == "active"
        heights = [cs["height"] for cs in client["consensus_states"]]
        assert eff - 1 in heights and eff in heights  # through the last block of the old set

        rid = Relayer(src, b, bkey["nsyh"]).recognise(
            "anchored", b"evidence/" + doc, purpose="跨网核验 across networks", timeout=30
        )
        rec = xb.record(rid)
        assert rec["present"] and rec["height"] >= target
    finally:
        if relay is not None and relay.poll() is None:
            relay.kill()
            relay.wait(10)
        log.close()
        for c in clients:
            c.close()
        procs_a.stop_all(10)
        procs_b.stop_all(10)
        procs_a.close()
        procs_b.close()
