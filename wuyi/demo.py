"""The demo network behind ``make run`` (``wuyi demo --data DIR``).

First run: create a four-validator network of Jiangmen departments on loopback (suite sm,
``jiangmen-gov``, 江门市政务链; ``wuyi.node.cluster``), start the four validator processes, then —
through node0's REST API and the SDK, like any department would — admit a client member to two
organisations, anchor six sample documents (no personal data) and revoke one, then load
the identity, data-sharing and scenario demos (``wuyi.demo_identity``,
``wuyi.demo_datashare``, ``wuyi.demo_scenarios``). The documents are written to
``DIR/docs/`` so a visitor can verify them. Later runs start the same network with its
data (loading is idempotent: what is already on chain is not submitted again). Ctrl-C stops
every node. The demo passphrase is printed: it protects demo keys only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from wuyi.crypto import address_of, format_address, get_suite, load_key, save_key
from wuyi.exceptions import NotFound, ValidationError
from wuyi.node.home import OrgSpec
from wuyi.sdk import WuyiClient

__all__ = [
    "DEMO_CHAIN_ID",
    "DEMO_NODES",
    "DEMO_ORGS",
    "DEMO_PASSPHRASE",
    "load_demo_data",
    "run_demo",
]

DEMO_PASSPHRASE = "wuyi-demo-only"
DEMO_CHAIN_ID = "jiangmen-gov"
DEMO_NAME = "江门市政务链"
DEMO_NODES = 4
DEMO_P2P_PORT = 26600
DEMO_ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("zjj", "江门市住房和城乡建设局"),
    OrgSpec("bdc", "江门市不动产登记中心"),
    OrgSpec("gaj", "江门市公安局"),
    OrgSpec("mzj", "江门市民政局"),
    OrgSpec("pjq", "蓬江区政务服务中心"),
    OrgSpec("xhq", "新会区政务服务中心"),
    OrgSpec("jyj", "江门市教育局"),
    OrgSpec("rsj", "江门市人力资源和社会保障局"),
    OrgSpec("nsyh", "江门农商银行"),
    OrgSpec("zgyh", "中国银行江门分行"),
    OrgSpec("wyzy", "五邑置业有限公司"),
    OrgSpec("fy", "江门市中级人民法院"),
    OrgSpec("idp", "统一身份认证平台（演示）"),
    OrgSpec("sfj", "江门市司法局"),
    OrgSpec("gzxh", "江门市公证协会"),
    OrgSpec("jmgz", "广东省江门市江门公证处"),
    OrgSpec("xhgz", "广东省江门市新会公证处"),
    OrgSpec("wycz", "五邑电子存证平台（演示）"),
    OrgSpec("jrj", "江门市地方金融管理局"),
    OrgSpec("swj", "国家税务总局江门市税务局"),
    OrgSpec("scjgj", "江门市市场监督管理局"),
    OrgSpec("gdj", "广东电网江门供电局"),
    OrgSpec("nyj", "江门市农业农村局"),
    OrgSpec("wyhz", "江门五邑农产品专业合作联社（演示）"),
    OrgSpec("cpgs", "新会陈皮实业有限公司（演示）"),
    OrgSpec("wlgs", "五邑冷链物流有限公司（演示）"),
    OrgSpec("wyyp", "五邑优品超市（演示）"),
    OrgSpec("ncjy", "江门市农村产权交易中心"),
    OrgSpec("wjj", "江门市卫生健康局"),
    OrgSpec("xfzd", "江门市消防救援支队"),
    OrgSpec("flyy", "江门市社会福利院"),
    OrgSpec("pjyy", "蓬江区某颐养院（演示）"),
    OrgSpec("ybj", "江门市医疗保障局"),
    OrgSpec("zxyy", "江门市中心医院"),
    OrgSpec("rmyy", "江门市人民医院"),
    OrgSpec("rsbx", "中国人寿保险股份有限公司江门分公司（演示）"),
    OrgSpec("xczxj", "江门市乡村振兴局"),
    OrgSpec("czj", "江门市财政局"),
    OrgSpec("tscwh", "台山市某村民委员会（演示）"),
    OrgSpec("rx12345", "江门市12345政务服务便民热线中心"),
    OrgSpec("bsjd", "蓬江区白沙街道办事处"),
)


@dataclass(frozen=True)
class DemoDoc:
    file: str
    org: str
    text: str
    meta: dict[str, Any]


DEMO_DOCS = (
    DemoDoc(
        "xinhui-chenpi-origin.txt",
        "xhq",
        "新会陈皮产地证明\n产地：新会区会城街道\n陈化年份：2016（八年陈）\n批次：XH-CP-2024-0815\n",
        {"title": "新会陈皮产地证明", "type": "certificate", "batch": "XH-CP-2024-0815"},
    ),
    DemoDoc(
        "duruan-bitter-melon-quality.txt",
        "pjq",
        "杜阮凉瓜质量检测报告\n产地：蓬江区杜阮镇\n检测结果：合格\n编号：PJ-LG-2024-031\n",
        {"title": "杜阮凉瓜质量检测报告", "type": "report", "ref": "PJ-LG-2024-031"},
    ),
    DemoDoc(
        "building-permit-2024-117.txt",
        "zjj",
        "建设工程规划许可证\n项目：江海区某产业园二期\n编号：建字第440704202400117号\n",
        {"title": "建设工程规划许可证", "type": "permit", "ref": "440704202400117"},
    ),
    DemoDoc(
        "property-register-extract.txt",
        "bdc",
        "不动产登记簿摘要\n坐落：新会区某路8号\n登记类型：首次登记\n业务号：BDC-2024-08812\n",
        {"title": "不动产登记簿摘要", "type": "register", "ref": "BDC-2024-08812"},
    ),
    DemoDoc(
        "cishan-donation-report-q3.txt",
        "mzj",
        "慈善捐赠款物使用情况公示（第三季度）\n收入：1,280,000 元\n支出：1,105,000 元\n",
        {"title": "慈善捐赠使用情况公示", "type": "disclosure", "quarter": "2024Q3"},
    ),
    DemoDoc(
        "old-notice-superseded.txt",
        "bdc",
        "不动产登记业务办理须知（2023 版，已作废）\n",
        {"title": "不动产登记业务办理须知 2023 版", "type": "notice"},
    ),
)
#: With sjj's own vote, a majority of the demo organisations.
MAJORITY_VOTERS = tuple(o.id for o in DEMO_ORGS if o.id != "sjj")[: len(DEMO_ORGS) // 2]
REVOKED = "old-notice-superseded.txt"
REVOKE_REASON = "已被 2024 版取代 / superseded by the 2024 edition"
STATE_FILE = "demo.json"


def load_demo_data(client: WuyiClient, keys_dir: Path, docs_dir: Path) -> dict[str, Any]:
    """Members, six anchored documents (one revoked), through the API. Returns what it made.
    Idempotent: a member, record or revocation already on chain is not submitted again."""
    suite = client.suite
    admins = {o.id: load_key(keys_dir / f"{o.id}-admin.key", DEMO_PASSPHRASE) for o in DEMO_ORGS}
    made: dict[str, Any] = {"members": {}, "documents": []}
    clients = {}
    for org in ("xhq", "bdc"):
        path = keys_dir / f"{org}-client.key"
        if path.exists():
            k = load_key(path, DEMO_PASSPHRASE)
        else:
            k = suite.generate_private_key()
            save_key(path, k, DEMO_PASSPHRASE)
        address = address_of(suite, k.public_key)
        try:
            client.member(address)
        except NotFound:
            tx = client.builder(admins[org]).member_add(
                org, k.public_key, ["client"], f"{org} 业务系统"
            )
            client.submit_and_wait(tx, timeout=30)
        clients[org] = k
        made["members"][org] = {"key": str(path), "address": format_address(address)}
    docs_dir.mkdir(parents=True, exist_ok=True)
    for d in DEMO_DOCS:
        data = d.text.encode()
        (docs_dir / d.file).write_bytes(data)
        signer = clients.get(d.org, admins[d.org])
        doc_hash = suite.hash(data)
        try:
            rec = client.evidence(doc_hash)
        except NotFound:
            client.anchor(signer, data, meta=d.meta, wait=True, timeout=30)
            rec = client.evidence(doc_hash)
        made["documents"].append(
            {
                "file": str(docs_dir / d.file),
                "org": d.org,
                "doc_hash": doc_hash.hex(),
                "tx_hash": rec.tx_hash,
            }
        )
        if d.file == REVOKED and rec.status == "active":
            tx = client.builder(admins[d.org]).revoke(doc_hash, REVOKE_REASON)
            client.submit_and_wait(tx, timeout=30)
    made["contracts"] = load_demo_contracts(client, admins)
    from wuyi.demo_identity import load_identity_demo

    made["identity"] = load_identity_demo(
        client, admins, keys_dir, docs_dir.parent / "wallets", DEMO_PASSPHRASE
    )
    from wuyi.demo_datashare import load_datashare_demo

    made["data"] = load_datashare_demo(client, admins, keys_dir, DEMO_PASSPHRASE)
    from wuyi.demo_scenarios import load_scenarios_demo

    made["scenarios"] = load_scenarios_demo(
        client, admins, keys_dir, docs_dir.parent / "wallets", docs_dir, DEMO_PASSPHRASE
    )
    return made


def _commit(client: WuyiClient, tx: Any) -> Any:
    from wuyi.sdk.client import succeeded

    return succeeded(client.submit_and_wait(tx, timeout=30))


def load_demo_contracts(client: WuyiClient, admins: dict[str, Any]) -> dict[str, Any]:
    """The contract lifecycle, alive: ``counter`` proposed by sjj, approved by enough more
    organisations for the default majority, committed and called; ``token`` proposed
    and approved by sjj alone, so it waits for the others (``wuyi gov list``)."""
    from wuyi.contracts.examples import source
    from wuyi.sdk.client import event_attr

    existing = {c["name"] for c in client.contracts()}
    out: dict[str, Any] = {}
    if "counter" not in existing:
        pkg = {
            "name": "counter",
            "version": "1.0.0",
            "source": source("counter"),
            "manifest": {"description": "办件计数 / a counter anyone may increase"},
        }
        res = _commit(client, client.builder(admins["sjj"]).contract_propose(pkg))
        pid = event_attr(res.receipt, "gov.proposed", "id")
        for org in MAJORITY_VOTERS:
            _commit(client, client.builder(admins[org]).gov_vote(pid))
        _commit(client, client.builder(admins["sjj"]).gov_execute(pid))
        _commit(
            client, client.builder(admins["zjj"]).contract_call("counter", "increment", {"by": 3})
        )
        out["counter"] = {"proposal": pid}
    if (
        not any(
            p["action"]["type"] == "contract.deploy" and p["status"] == "open"
            for p in client.proposals(status="open")
        )
        and "token" not in existing
    ):
        pkg = {
            "name": "token",
            "version": "1.0.0",
            "source": source("transfer"),
            "manifest": {"description": "示例积分 / a sample points token"},
        }
        res = _commit(
            client,
            client.builder(admins["sjj"]).contract_propose(
                pkg, hook_args={"symbol": "JMP", "supply": 1_000_000}
            ),
        )
        out["token"] = {"proposal": event_attr(res.receipt, "gov.proposed", "id")}
    return out


def _make_network(data: Path, port: int, p2p_port: int, host: str, console: Console) -> Any:
    from wuyi.node.cluster import create_network

    spec = create_network(
        data,
        DEMO_NODES,
        chain_id=DEMO_CHAIN_ID,
        suite="sm",
        orgs=list(DEMO_ORGS),
        passphrase=DEMO_PASSPHRASE,
        name=DEMO_NAME,
        host=host,
        base_api_port=port,
        base_p2p_port=p2p_port,
    )
    console.print(
        f"[green]✓ 已创建 / created[/green] {DEMO_CHAIN_ID} {DEMO_NAME}: {spec.n} validators"
        f" (node0..node{spec.n - 1}), suite sm"
    )
    console.print(f"  创世哈希 / genesis hash: {spec.genesis_hash.hex()}")
    return spec


def run_demo(
    data: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8600,
    p2p_port: int = DEMO_P2P_PORT,
    console: Console | None = None,
) -> None:
    """Bring the demo network up (creating it the first time), load its data once, print how
    to use it, and serve until Ctrl-C; then stop every node. The city chain's nodes listen on
    ``port``.. (API) and ``p2p_port``.. (peers); the second chain on each plus 100."""
    from wuyi.cli.app import run_cluster
    from wuyi.node.cluster import SPEC_FILE, ClusterProcesses, load_cluster
    from wuyi.oid4vci.demo import register_demo_idp, write_node_config

    console = console or Console()
    data = data.resolve()
    if not (data / SPEC_FILE).exists():
        if (data / "genesis.json").exists():
            old = _set_aside(data)
            console.print(
                f"[yellow]{data} held a single-node demo chain from an earlier version; moved to"
                f" {old} (delete it when you like). The demo now runs {DEMO_NODES}"
                " validators.[/yellow]"
            )
        console.print(
            f"[bold]创建演示网络 / creating the demo network ({DEMO_NODES} validators)"
            f" in {data}[/bold]"
        )
        spec = _make_network(data, port, p2p_port, host, console)
    else:
        spec = load_cluster(data)
    # node0 serves the OpenID4VCI desk and the demo identity provider (wuyi/oid4vci/demo.py)
    write_node_config(
        spec.nodes[0].home, spec.keys_dir, spec.nodes[0].url, spec.suite, DEMO_PASSPHRASE
    )
    procs = ClusterProcesses(spec, DEMO_PASSPHRASE)
    second: list[Any] = []  # the second chain and the relay (wuyi/crosschain/demo.py)

    def banner() -> None:
        from wuyi.crosschain.demo import start_second_chain

        url = spec.nodes[0].url
        with WuyiClient(url, timeout=60) as client:  # a loaded machine answers slowly
            made = _load_once(client, spec.keys_dir, data, console)
            admins = {o.id: load_key(spec.keys_dir / f"{o.id}-admin.key", DEMO_PASSPHRASE)
                      for o in DEMO_ORGS}  # fmt: skip
            register_demo_idp(client, admins)  # what node0's /idp publishes, on chain
            st = client.status()
            second.append(
                start_second_chain(
                    client,
                    spec.keys_dir,
                    data,
                    passphrase=DEMO_PASSPHRASE,
                    city_voters=MAJORITY_VOTERS,
                    made=made,
                    port=port,
                    p2p_port=p2p_port + 100,
                    host=host,
                    console=console,
                )
            )
        _print_welcome(console, spec, data, st, made)
        second[0].print_welcome(console)

    try:
        run_cluster(procs, detach=False, banner=banner)
    finally:
        for s in second:
            s.stop()
        procs.close()


def _set_aside(data: Path) -> Path:
    """Move an old single-node demo chain into ``DIR/single-node-old/`` (never delete it)."""
    import time

    from wuyi.node.home import NodeHome

    NodeHome(data).acquire_lock().close()  # refuses if a node still runs there
    dest = data / "single-node-old"
    if dest.exists():
        dest = data / f"single-node-old-{int(time.time())}"
    dest.mkdir()
    try:
        for entry in list(data.iterdir()):
            if entry != dest and not entry.name.startswith("single-node-old"):
                entry.rename(dest / entry.name)
    except OSError as exc:
        raise ValidationError(f"cannot move the old demo chain in {data} aside: {exc}") from None
    return dest


def _load_once(client: WuyiClient, keys_dir: Path, data: Path, console: Console) -> Any:
    state_file = data / STATE_FILE
    # a demo chain made by an earlier version lacks the newer parts: loading is idempotent
    if not state_file.exists() or "scenarios" not in json.loads(state_file.read_text()):
        console.print("载入演示数据 / loading demo data through node0's API ...")
        made = load_demo_data(client, keys_dir, data / "docs")
        state_file.write_text(json.dumps(made, ensure_ascii=False, indent=2) + "\n")
    return json.loads(state_file.read_text())


def _print_welcome(console: Console, spec: Any, data: Path, st: Any, made: dict[str, Any]) -> None:
    from rich.table import Table

    url = spec.nodes[0].url
    console.print()
    console.print(
        f"[bold green]五邑链演示网络已启动 / Wuyi Chain demo network is running[/bold green]"
        f"  {st.chain_id} {st.name}  (suite {st.suite}, {spec.n} validators, height {st.height})"
    )
    console.print(
        f"  [bold]控制台 / console: {url}/console/[/bold]   (登录用 / sign in with"
        f" {spec.keys_dir}/sjj-admin.key; 公众核验 / public check: {url}/console/#/check)",
        soft_wrap=True,
    )
    for nd in spec.nodes:
        console.print(f"  {nd.name} API: {nd.url}/v1/status   OpenAPI 文档: {nd.url}/docs")
    console.print(
        f"  演示口令 / demo passphrase: [bold]{DEMO_PASSPHRASE}[/bold]  (演示专用 / demo keys only)"
    )
    t = Table(title="组织与地址 / organisations and addresses")
    t.add_column("org")
    t.add_column("名称 / name")
    t.add_column("管理员地址 / admin address")
    suite = get_suite(st.suite)
    for o in DEMO_ORGS:
        k = load_key(spec.keys_dir / f"{o.id}-admin.key", DEMO_PASSPHRASE)
        t.add_row(o.id, o.name, format_address(address_of(suite, k.public_key)))
    for org, mem in made["members"].items():
        t.add_row(org, "client member", mem["address"])
    console.print(t)
    d = Table(title="演示文档 / demo documents")
    d.add_column("file")
    d.add_column("doc hash")
    for doc in made["documents"]:
        d.add_row(Path(doc["file"]).name, doc["doc_hash"][:16] + "…")
    console.print(d)
    first = made["documents"][0]["file"]
    console.print("\n试一试 / try it:")
    console.print(f"  export WUYI_PASSPHRASE={DEMO_PASSPHRASE} WUYI_NODE={url}", soft_wrap=True)
    console.print(f"  .venv/bin/wuyi status --dir {data}      # every validator", soft_wrap=True)
    console.print(f"  .venv/bin/wuyi bundle --file {first} --out /tmp/bundle.json", soft_wrap=True)
    console.print(f"  .venv/bin/wuyi verify /tmp/bundle.json {first}", soft_wrap=True)
    console.print(
        f"  .venv/bin/wuyi anchor README.md --key {spec.keys_dir}/zjj-admin.key --meta title=说明",
        soft_wrap=True,
    )
    console.print("\n智能合约与治理 / contracts and governance (docs/contracts.md):")
    console.print("  .venv/bin/wuyi contract list ; .venv/bin/wuyi gov list", soft_wrap=True)
    console.print("  .venv/bin/wuyi contract query counter get", soft_wrap=True)
    console.print(
        f"  .venv/bin/wuyi contract call counter increment --args '{{\"by\": 2}}'"
        f" --key {spec.keys_dir}/bdc-admin.key",
        soft_wrap=True,
    )
    pending = made.get("contracts", {}).get("token", {}).get("proposal")
    if pending is not None:
        console.print(
            f"  .venv/bin/wuyi contract approve {pending} --key {spec.keys_dir}/zjj-admin.key"
            "   # 待批准的合约 / a deploy waiting for approvals",
            soft_wrap=True,
        )
    ident = made.get("identity", {})
    if ident:
        console.print("\n数字身份与授权 / identity, credentials, consent (docs/credentials.md):")
        console.print("  .venv/bin/wuyi vc types", soft_wrap=True)
        console.print(
            f"  .venv/bin/wuyi wallet list --wallet {ident['wallet']}   # 市民钱包 / a citizen",
            soft_wrap=True,
        )
        console.print(
            f"  .venv/bin/wuyi wallet log --wallet {ident['wallet']}    # 每一次使用 / every use",
            soft_wrap=True,
        )
        console.print(f"  .venv/bin/wuyi did show {ident['did']}", soft_wrap=True)
    sc = made.get("scenarios")
    if sc:
        from wuyi.demo_scenarios import summary
        from wuyi.scenarios import all_scenarios

        titles = " · ".join(f"{x.title}" for x in all_scenarios())
        console.print(f"\n应用场景 / the scenarios: {titles} (docs/scenarios/demo.md):")
        for line in summary(sc, url, spec.keys_dir):
            console.print(line, soft_wrap=True)
    console.print("\n数据共享 / data sharing (docs/data-sharing.md):")
    console.print(
        "  .venv/bin/wuyi data list ; .venv/bin/wuyi data audit --dataset social-insurance-months",
        soft_wrap=True,
    )
    console.print("\n容错 / faults (docs/network-ops.md):")
    console.print(
        f"  kill -9 $(cat {data}/node3/node.pid)      # node3 crashes; the other three go on",
        soft_wrap=True,
    )
    console.print(
        f"  .venv/bin/wuyi node start --home {data}/node3   # it restarts and catches up",
        soft_wrap=True,
    )
