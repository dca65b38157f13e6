"""The cross-chain step of ``make run``: a second chain from a template, clients both ways, a
relay, and recognitions that cross.

After the city chain (``jiangmen-gov``, SM, four validators) is up with its demo data:

1. the consortium's governance on the city chain approves the financial chain's template
   (``chains.create``: 江门金融服务链 ``jiangmen-financial``, suite intl, organisations 金融局,
   two banks and the 粤信融 cross-border verification desk, one validator);
2. the BaaS starts it with the template's keys (``DIR/chains/jiangmen-financial``, API port
   + 100) and governance activates it with its genesis hash and endpoints
   (``chains.activate``); the financial chain lists the city chain in its own registry;
3. each chain registers a light client of the other (``xchain.register``, both ways);
4. ``wuyi relay`` runs as a process, keeping both clients current;
5. recognitions: the 粤信融 desk checks that a citizen's credential is anchored on the city
   chain and not revoked (the person carries the credential; only the status proof crosses,
   ``xverify``), and each scenario with a ``xchain.py`` in its folder runs its own use (the
   property registry's: a bank checks that a home has no mortgage and no seizure).

Idempotent: what exists already (registry entries, the network, clients, contracts) is not
made again; recognitions run on the first start only. ``stop()`` stops the financial chain and
the relay.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console

from wuyi.crosschain.baas import activation_args, make_template, start_from_registry
from wuyi.crosschain.sdk import Relayer, SourceChain, XChain
from wuyi.crypto import load_key
from wuyi.exceptions import NotFound
from wuyi.ledger import keys as state_keys
from wuyi.node.cluster import SPEC_FILE, ClusterProcesses, load_cluster
from wuyi.node.home import NodeSettings, OrgSpec
from wuyi.sdk import WuyiClient
from wuyi.sdk.client import event_attr, succeeded

__all__ = ["FIN_ID", "SecondChain", "start_second_chain"]

FIN_ID = "jiangmen-financial"
FIN_NAME = "江门金融服务链"
FIN_ORGS = (
    OrgSpec("jrj", "江门市金融工作局", True),
    OrgSpec("nsyh", "江门农商银行"),
    OrgSpec("zgyh", "中国银行江门分行"),
    OrgSpec("yxr", "粤信融跨境数据验证平台（演示）"),
)
FIN_VOTERS = ("nsyh", "zgyh")
FIN_P2P_PORT = 26700
#: The demo's relay brings a client a newer header once its own is this old (a production relay
#: waits a third of the trusting period): the console shows clients that follow their chains.
#: Each update is a block on the other chain, so an idle pair still makes one block per chain
#: about every RELAY_REFRESH_S seconds.
RELAY_REFRESH_S = 30
CONSENSUS = {"create_empty_blocks_interval_ms": -1}
STATE_FILE = "xchain.json"
CITY_FACTS = {
    "anchored": {"prefix": b"evidence/", "max_age_ms": 0, "description": "存证（历史事实）"},
    "credential_status": {
        "prefix": b"vc/status/",
        "max_age_ms": 600_000,
        "description": "电子证照状态：已上链且未撤销 / credential anchored and not revoked",
    },
}
FIN_FACTS = {"anchored": {"prefix": b"evidence/", "max_age_ms": 0, "description": "存证"}}

XVERIFY = '''"""粤澳跨境数据核验（演示）on the financial chain: the person carries the credential;
the desk checks that its commitment is anchored on the city chain and not revoked (a recognised
status record) and records the verdict: commitment, type, issuing organisation — no claim."""

from wuyi.contract import call, ctx, emit, recognition, require, state, view

ROLES = []
SOURCE = "jiangmen-gov"


@call
def verify(record_id: str, status: dict, commitment: bytes) -> dict:
    r = recognition(record_id, value=status)
    require(r["chain"] == SOURCE, "the fact is not from the city chain")
    require(r["fact"] == "credential_status", "not a credential status fact")
    matches = status["commitment"] == commitment
    rec = {"commitment": commitment, "type": status["type"], "issuer_org": status["org"],
           "status": status["status"], "matches": matches,
           "valid": matches and status["status"] == "valid", "source_height": r["height"],
           "record": record_id, "verifier": ctx.sender_org, "height": ctx.height}
    state.set("check/" + record_id, rec)
    emit("CredentialChecked", valid=rec["valid"], type=status["type"])
    return rec


@view
def check(record_id: str) -> dict | None:
    return state.get("check/" + record_id)
'''


@dataclass
class SecondChain:
    procs: ClusterProcesses
    relay: subprocess.Popen[bytes] | None
    url: str
    lines: list[str] = field(default_factory=list)

    def print_welcome(self, console: Console) -> None:
        console.print(
            f"\n跨链互认 / cross-chain recognition (docs/crosschain.md): second chain {FIN_ID}"
            f" {FIN_NAME} at {self.url}  (console: switch chains at the top, #/xchain, #/chains)",
            soft_wrap=True,
        )
        for line in self.lines:
            console.print(line, soft_wrap=True)
        console.print(f"  .venv/bin/wuyi xchain clients --node {self.url}", soft_wrap=True)
        console.print(f"  .venv/bin/wuyi xchain records --node {self.url}", soft_wrap=True)

    def stop(self) -> None:
        if self.relay is not None and self.relay.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.relay.pid, signal.SIGTERM)
            try:
                self.relay.wait(10)
            except subprocess.TimeoutExpired:
                self.relay.kill()
        self.procs.stop_all()
        self.procs.close()


def _scenario_modules() -> list[ModuleType]:
    """``xchain.py`` of each registered scenario that has one."""
    from wuyi.scenarios import all_scenarios

    out = []
    for s in all_scenarios():
        name = f"{s.package}.xchain"
        if importlib.util.find_spec(name) is not None:
            out.append(importlib.import_module(name))
    return out


def _commit(client: WuyiClient, tx: Any) -> Any:
    return succeeded(client.submit_and_wait(tx, timeout=60))


def _deploy(client: WuyiClient, proposer: Any, voters: list[Any], name: str, source: str) -> None:
    if any(c["name"] == name for c in client.contracts()):
        return
    pkg = {"name": name, "version": "1.0.0", "source": source, "manifest": {}}
    client.govern(
        proposer, voters, "contract.deploy", {"package": pkg}, title=f"部署 {name}", timeout=60
    )


def _client_status(client: WuyiClient, chain_id: str) -> str | None:
    for c in XChain(client).clients():
        if c["chain_id"] == chain_id:
            return str(c["status"])
    return None


def _ensure_client(
    holder: WuyiClient,
    source: SourceChain,
    proposer: Any,
    voters: list[Any],
    facts: dict[str, Any],
    prefixes: list[bytes],
) -> None:
    status = _client_status(holder, source.chain_id)
    if status is None:
        args = source.register_args(facts=facts, prefixes=prefixes)
        holder.govern(
            proposer, voters, "xchain.register", args, title=f"认可 {source.chain_id}", timeout=60
        )
    elif status in ("expired", "frozen"):
        args = source.recover_args()
        holder.govern(
            proposer, voters, "xchain.recover", args, title=f"恢复 {source.chain_id}", timeout=60
        )


def start_second_chain(
    city: WuyiClient,
    city_keys: Path,
    data: Path,
    *,
    passphrase: str,
    city_voters: tuple[str, ...],
    made: dict[str, Any],
    port: int,
    host: str,
    console: Console,
    p2p_port: int = FIN_P2P_PORT,
) -> SecondChain:
    """Create (first time) and start the financial chain, connect the two chains and run the
    recognitions of the demo; the caller stops it with :meth:`SecondChain.stop`."""
    root = data / "chains" / FIN_ID
    keys_dir = data / "chains" / f"{FIN_ID}-keys"
    sjj = load_key(city_keys / "sjj-admin.key", passphrase)
    voters = [load_key(city_keys / f"{o}-admin.key", passphrase) for o in city_voters]
    # 1. the template, approved by the city chain's governance
    try:
        city._get(f"/v1/xchain/chains/{FIN_ID}")
    except NotFound:
        console.print(f"创建第二条链 / a second chain from a template: {FIN_ID} {FIN_NAME}")
        tpl = make_template(
            FIN_ID, FIN_NAME, "intl", list(FIN_ORGS), validators=1, keys_dir=keys_dir,
            passphrase=passphrase, consensus=CONSENSUS,
        )  # fmt: skip
        city.govern(sjj, voters, "chains.create", {"template": tpl, "description": "金融服务"},
                    title=f"新建 {FIN_NAME}", timeout=60)  # fmt: skip
    # 2. the network, started with the template's keys, then activated with its genesis hash
    if (root / SPEC_FILE).exists():
        spec = load_cluster(root)
    else:
        spec, _ = start_from_registry(
            city, FIN_ID, root=root, keys_dir=keys_dir, passphrase=passphrase,
            base_api_port=port + 100, base_p2p_port=p2p_port, host=host,
            settings=NodeSettings(api_host=host, block_interval_ms=10),
        )  # fmt: skip
    procs = ClusterProcesses(spec, passphrase)
    procs.start_all()
    procs.wait_ready(90.0)
    url = spec.nodes[0].url
    second = SecondChain(procs, None, url)
    try:
        _connect(second, city, spec, sjj, voters, keys_dir, data, passphrase, made, console)
    except BaseException:
        second.stop()
        raise
    return second


def _connect(
    second: SecondChain,
    city: WuyiClient,
    spec: Any,
    sjj: Any,
    voters: list[Any],
    keys_dir: Path,
    data: Path,
    passphrase: str,
    made: dict[str, Any],
    console: Console,
) -> None:
    fin = WuyiClient(second.url, timeout=30)
    jrj = load_key(keys_dir / "jrj-admin.key", passphrase)
    fin_voters = [load_key(keys_dir / f"{o}-admin.key", passphrase) for o in FIN_VOTERS]
    entry = city._get(f"/v1/xchain/chains/{FIN_ID}")
    if entry["status"] == "approved":
        city.govern(sjj, voters, "chains.activate", activation_args(spec), title=f"启用 {FIN_NAME}",
                    timeout=60)  # fmt: skip
    st = city.status()
    try:
        fin._get(f"/v1/xchain/chains/{st.chain_id}")
    except NotFound:
        fin.govern(jrj, fin_voters, "chains.register", {
            "chain_id": st.chain_id, "name": st.name, "suite": st.suite,
            "genesis_hash": bytes.fromhex(st.genesis_hash),
            "endpoints": [city.node_url],
        }, title="登记江门市政务链", timeout=60)  # fmt: skip
    # 3. clients both ways
    city_src, fin_src = SourceChain(city), SourceChain(fin)
    mods = _scenario_modules()
    facts = dict(CITY_FACTS)
    prefixes = [b"evidence/", b"vc/status/"]
    for m in mods:
        facts.update(m.FACTS)
        prefixes += [p for p in m.PREFIXES if p not in prefixes]
    _ensure_client(fin, city_src, jrj, fin_voters, facts, prefixes)
    _ensure_client(city, fin_src, sjj, voters, FIN_FACTS, [b"evidence/"])
    consumers = {"xverify": XVERIFY}
    for m in mods:
        consumers.update(m.CONSUMERS)
    for name, source in consumers.items():
        _deploy(fin, jrj, fin_voters, name, source)
    # 4. the relay, as its own process
    log = (data / "chains" / "relay.log").open("ab")
    cmd = [
        sys.executable, "-m", "wuyi.cli", "relay", "--a", city.node_url, "--b", second.url,
        "--key-a", str(data / "keys" / "sjj-admin.key"), "--key-b", str(keys_dir / "jrj-admin.key"),
        "--interval", "2", "--refresh-s", str(RELAY_REFRESH_S),
    ]  # fmt: skip
    env = {**os.environ, "WUYI_PASSPHRASE": passphrase}
    second.relay = subprocess.Popen(cmd, stdout=log, stderr=log, env=env, start_new_session=True)
    log.close()
    # 5. the recognitions (first start only)
    state_file = data / STATE_FILE
    if state_file.exists():
        second.lines = json.loads(state_file.read_text())["lines"]
        return
    yxr = load_key(keys_dir / "yxr-admin.key", passphrase)  # the desk acts as its admin
    nsyh = load_key(keys_dir / "nsyh-admin.key", passphrase)
    lines = [_credential_check(city_src, fin, yxr, made)]

    def recognise(fact: str, key: bytes, consumer: str, purpose: str) -> str:
        return Relayer(city_src, fin, nsyh).recognise(fact, key, consumer=consumer, purpose=purpose)

    def call(contract: str, method: str, args: dict[str, Any]) -> Any:
        res = _commit(fin, fin.builder(nsyh).contract_call(contract, method, args))
        return _returned(res)

    # a scenario's fact may be under a personal contract's prefix (Scenario.personal_state):
    # its state proof, like its views, is a member's signed read of the city chain, logged
    with city.reading_as(sjj, "跨链互认核验 / cross-chain recognition"):
        for m in mods:
            lines += m.run(city, recognise, call)
    second.lines = [x for x in lines if x]
    state_file.write_text(json.dumps({"lines": second.lines}, ensure_ascii=False, indent=2) + "\n")
    console.print(
        f"[green]✓ 跨链互认 / cross-chain recognition[/green]: {len(second.lines)} checks"
    )


def _returned(res: Any) -> Any:
    try:
        return event_attr(res.receipt, "contract.returned", "value")
    except Exception:  # a method that returns nothing
        return None


def _credential_check(
    city_src: SourceChain, fin: WuyiClient, desk: Any, made: dict[str, Any]
) -> str:
    """粤澳跨境数据核验: the citizen's first credential (the demo wallet), checked by the desk."""
    from wuyi.demo import DEMO_PASSPHRASE
    from wuyi.encoding import decode
    from wuyi.sdk.wallet import Wallet

    ident = made.get("identity") or {}
    if not ident.get("wallet"):
        return ""
    wallet = Wallet.open(Path(ident["wallet"]), DEMO_PASSPHRASE)
    if not wallet.credentials:
        return ""
    cred = wallet.credentials[0]
    commitment = city_src.client.suite.hash(cred.sd_jwt.split("~")[0].encode("ascii"))
    key = state_keys.vc_status_key(cred.status_org, cred.status_idx)
    rid, value = Relayer(city_src, fin, desk).recognise_fact(
        "credential_status", key, consumer="xverify", purpose="粤澳跨境数据核验（演示）"
    )
    assert value is not None
    status = decode(value)
    res = _commit(
        fin,
        fin.builder(desk).contract_call(
            "xverify", "verify", {"record_id": rid, "status": status, "commitment": commitment}
        ),
    )
    rec = _returned(res) or {}
    verdict = "有效 / valid" if rec.get("valid") else "无效 / not valid"
    return f"  {cred.type} ({cred.status_org}/{cred.status_idx}): {verdict}  (record {rid})"
