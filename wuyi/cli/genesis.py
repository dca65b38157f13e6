"""``wuyi genesis``: the genesis ceremony across the departments' own hosts (issue #24), no
private key leaving its organisation. Code: ``wuyi/node/ceremony.py``; the walk for a
department's operator: ``docs/deploy.md`` §0."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from wuyi.cli.app import (
    ChainIdOpt,
    PassFileOpt,
    _cli_errors,
    _kv,
    _passphrase,
    app,
    console,
    err_console,
)
from wuyi.cli.deploy import ApiHostOpt, ApiPortOpt, CertHostsOpt, IssueCaDirOpt
from wuyi.exceptions import ValidationError

__all__ = ["genesis_app"]

genesis_app = typer.Typer(
    help="创世仪式 / the genesis ceremony: found a chain across the organisations' own hosts",
    no_args_is_help=True,
)
app.add_typer(genesis_app, name="genesis")

OrgOpt = Annotated[str, typer.Option("--org", help="组织标识 / organisation id")]
AdminKeyOpt = Annotated[
    Path, typer.Option("--admin-key", "--key", help="本组织管理员密钥 / your org's admin key")
]
OutOpt = Annotated[Path, typer.Option("--out", help="输出文件 / file to write")]


@genesis_app.command("contribute")
@_cli_errors
def genesis_contribute(
    org: OrgOpt,
    name: Annotated[str, typer.Option("--name", help="组织名称 / organisation name")],
    admin_key: AdminKeyOpt,
    ca: Annotated[Path, typer.Option("--ca", help="本组织 CA 证书 / your TLS CA (ca.crt)")],
    out: OutOpt,
    node_key: Annotated[
        list[Path] | None,
        typer.Option("--node-key", help="节点公钥文件 / a node's key file or hex .pub (repeat)"),
    ] = None,
    node_home: Annotated[
        list[Path] | None,
        typer.Option("--node-home", help="节点目录 / a node home with keys/validator.key (repeat)"),
    ] = None,
    node_id: Annotated[
        list[str] | None,
        typer.Option("--node-id", help="节点标识，依次 / node ids, in order (default ORG-nodeN)"),
    ] = None,
    address: Annotated[
        list[str] | None,
        typer.Option("--address", help="P2P HOST:PORT，依次 / each node's address, in order"),
    ] = None,
    validator: Annotated[
        bool, typer.Option("--validator", help="作为验证节点 / the nodes validate")
    ] = False,
    chain_id: Annotated[
        str, typer.Option("--chain-id", help="只用于此链 / only for this chain id")
    ] = "",
    admin_name: Annotated[str, typer.Option("--admin-name", help="管理员名称 / admin name")] = "",
    passphrase_file: PassFileOpt = None,
) -> None:
    """提交本组织的创世材料 / write your organisation's contribution: public keys, CA
    certificate, nodes and roles, signed by your admin key (nothing private leaves)."""
    from wuyi.crypto import load_key
    from wuyi.ledger.genesis import _der
    from wuyi.node.ceremony import ContributedNode, make_contribution, read_public_key

    key = load_key(admin_key, _passphrase(passphrase_file))
    keys = [read_public_key(p, key.suite_name) for p in node_key or []]
    keys += [read_public_key(h / "keys" / "validator.key", key.suite_name) for h in node_home or []]
    if not keys:
        raise ValidationError("name at least one node: --node-key FILE or --node-home HOME")
    ids, addrs = list(node_id or []), list(address or [])
    for what, given in (("--node-id", ids), ("--address", addrs)):
        if given and len(given) != len(keys):
            raise ValidationError(f"{len(given)} {what} for {len(keys)} nodes: give one per node")
    try:
        ca_der = _der(ca.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{ca}: not a PEM certificate: {exc}") from None
    nodes = [
        ContributedNode(
            id=ids[i] if ids else f"{org}-node{i}",
            role="validator" if validator else "observer",
            public_key=pk,
            address=addrs[i] if addrs else "",
        )
        for i, pk in enumerate(keys)
    ]
    c = make_contribution(
        org=org,
        name=name,
        admin_key=key,
        tls_ca=ca_der,
        nodes=nodes,
        admin_name=admin_name,
        chain_id=chain_id,
    )
    out.write_text(_json(c.to_json()), encoding="utf-8")
    _kv(
        [
            ("组织 / org", f"{c.org} {escape(c.name)}"),
            ("管理员公钥 / admin key", c.admin_key.hex()),
            *[
                (f"节点 / node {n.id}", f"{n.role} {n.address or '-'} {n.public_key.hex()}")
                for n in c.nodes
            ],
        ],
        title=f"[green]✓ 已写出 / written[/green] {escape(str(out))} (public material only)",
    )
    console.print("  下一步 / next: send it to the coordinator (wuyi genesis assemble)")


@genesis_app.command("assemble")
@_cli_errors
def genesis_assemble(
    contributions: Annotated[
        list[Path], typer.Argument(help="各组织的贡献文件 / every org's contribution")
    ],
    chain_id: ChainIdOpt,
    operator: Annotated[str, typer.Option("--operator", help="运营组织 / operator org id")],
    out: OutOpt,
    suite: Annotated[str, typer.Option("--suite", help="sm | intl")] = "sm",
    name: Annotated[str, typer.Option("--name", help="链名称 / chain name")] = "",
    time_ms: Annotated[
        int | None, typer.Option("--time", help="创世时间（毫秒）/ genesis time, ms (default now)")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="链参数 NAME=INT / a chain parameter (repeat)"),
    ] = None,
    preset: Annotated[str, typer.Option("--preset", help="production | minimal")] = "production",
) -> None:
    """汇总创世草案 / check every contribution and build the draft genesis (the builder
    'wuyi net create' uses); prints its hash. Anyone can re-run it and compare."""
    import dataclasses

    from wuyi.node.ceremony import assemble, load_contribution
    from wuyi.params import PRESETS

    if preset not in PRESETS:
        raise ValidationError(f"--preset must be one of {sorted(PRESETS)}", field="preset")
    overrides: dict[str, int | str] = {}
    for p in param or []:
        k, sep, v = p.partition("=")
        if not sep:
            raise ValidationError(f"--param {p} must be NAME=VALUE", field="param")
        overrides[k] = int(v) if v.lstrip("-").isdigit() else v
    try:
        params = dataclasses.replace(PRESETS[preset], **overrides)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ValidationError(f"--param: {exc}", field="param") from None
    draft = assemble(
        [(str(p), load_contribution(p)) for p in contributions],
        chain_id=chain_id,
        suite=suite,
        time_ms=int(time.time() * 1000) if time_ms is None else time_ms,
        operator=operator,
        params=params,
        name=name,
    )
    draft.save(out)
    g = draft.genesis
    console.print(_genesis_table(g))
    _kv(
        [
            ("链 / chain", f"{g.chain_id} {escape(g.name)} ({g.suite})"),
            ("草案 / draft", escape(str(out))),
            ("创世哈希 / genesis hash", draft.genesis_hash.hex()),
        ],
        title="[green]✓ 草案已生成 / draft assembled[/green]",
    )
    console.print(
        "  下一步 / next: each organisation runs wuyi genesis approve"
        f" {escape(str(out))} --org ORG --key ADMIN.key --out ORG.approval.json"
    )


@genesis_app.command("approve")
@_cli_errors
def genesis_approve(
    draft: Annotated[Path, typer.Argument(help="创世草案 / genesis.draft.json")],
    key: AdminKeyOpt,
    org: OrgOpt,
    out: OutOpt,
    contribution: Annotated[
        Path | None,
        typer.Option("--contribution", help="本组织的贡献文件 / your own contribution to compare"),
    ] = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """批准创世草案 / check that your contribution is in the draft unchanged, then sign its
    genesis hash with your admin key."""
    from wuyi.crypto import load_key
    from wuyi.node.ceremony import approve_draft, load_contribution

    own = load_contribution(contribution) if contribution is not None else None
    approval, d = approve_draft(draft, load_key(key, _passphrase(passphrase_file)), org, own)
    approval.save(out)
    console.print(_genesis_table(d.genesis))
    _kv(
        [
            ("组织 / org", org),
            ("链 / chain", d.genesis.chain_id),
            ("创世哈希 / genesis hash", approval.genesis_hash.hex()),
            ("批准文件 / approval", escape(str(out))),
        ],
        title="[green]✓ 已批准 / approved[/green] (your contribution is in it unchanged)",
    )


def _genesis_table(g: Any) -> Table:
    """The founding organisations, their nodes and validators, and the chain's parameters."""
    t = Table(title=f"{g.chain_id} {escape(g.name)} ({g.suite}): 创始组织与节点 / founders")
    for col in ("组织 / org", "名称 / name", "节点 / nodes (role, address)"):
        t.add_column(col)
    for o in g.orgs:
        t.add_row(
            o.id + (" (operator)" if o.operator else ""),
            escape(o.name),
            "\n".join(f"{n.id} ({n.role}, {n.address or '-'})" for n in g.nodes if n.org == o.id),
        )
    t.caption = "参数 / params: " + ", ".join(f"{k}={v}" for k, v in g.params.to_obj().items())
    return t


_STATUS = {
    "ok": "[green]✓ 已批准 / approved[/green]",
    "missing": "[red]✗ 缺少 / missing[/red]",
    "bad_signature": "[red]✗ 签名无效 / bad signature[/red]",
    "wrong_hash": "[red]✗ 哈希不符 / other hash[/red]",
    "not_admin": "[red]✗ 非管理员 / not its admin[/red]",
    "unknown_org": "[yellow]? 非创始组织 / not founding[/yellow]",
}


@genesis_app.command("verify")
@_cli_errors
def genesis_verify(
    genesis: Annotated[Path, typer.Argument(help="genesis.json 或草案 / or the draft")],
    approvals: Annotated[list[Path], typer.Argument(help="各组织的批准 / every org's approval")],
    genesis_hash: Annotated[
        str | None, typer.Option("--genesis-hash", help="期望的创世哈希 / pin the hash")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="通过后写出 genesis.json / write it if all pass")
    ] = None,
) -> None:
    """核验创世批准 / check that every founding organisation approved this exact genesis hash
    (exit 1 naming any missing or bad approval); --out writes the final genesis.json."""
    from wuyi.exceptions import CeremonyRefused
    from wuyi.node.ceremony import (
        compute_approval_rows,
        load_approval,
        load_genesis_or_draft,
        validate_approvals,
    )
    from wuyi.node.home import compute_genesis_hash

    doc = load_genesis_or_draft(genesis)
    loaded = [(str(p), load_approval(p)) for p in approvals]
    h = compute_genesis_hash(doc)
    t = Table(title=f"创世批准 / approvals of {doc.chain_id} {h.hex()[:16]}…")
    for col in ("组织 / org", "结果 / result", "文件 / file", "说明 / detail"):
        t.add_column(col)
    for r in compute_approval_rows(doc, loaded):
        t.add_row(r.org, _STATUS[r.status], escape(r.source) or "-", escape(r.detail))
    console.print(t)
    try:
        pinned = None if genesis_hash is None else bytes.fromhex(genesis_hash)
    except ValueError:
        raise ValidationError("--genesis-hash is not hex", field="genesis_hash") from None
    try:
        validate_approvals(doc, loaded, pinned)
    except CeremonyRefused as exc:
        err_console.print(f"[red]✗ 验证失败 / not approved:[/red] {escape(exc.message)}")
        raise typer.Exit(1) from None
    if out is not None:
        doc.save(out)
    console.print(
        f"[green]✓ 全体创始组织已批准 / approved by every founding organisation[/green]"
        f" genesis {h.hex()}" + (f"; written to {escape(str(out))}" if out else "")
    )


@genesis_app.command("node-init")
@_cli_errors
def genesis_node_init(
    home: Annotated[Path, typer.Option("--home", help="节点目录 / node home (keys/validator.key)")],
    genesis: Annotated[Path, typer.Option("--genesis", help="核验过的 genesis.json")],
    genesis_hash: Annotated[
        str, typer.Option("--genesis-hash", help="批准的创世哈希 / the approved hash")
    ],
    peer: Annotated[
        list[str] | None,
        typer.Option("--peer", help="NAME=HOST:PORT (default: every genesis node's address)"),
    ] = None,
    listen: Annotated[
        str, typer.Option("--listen", help="P2P 监听 / listen HOST:PORT (default 0.0.0.0:its port)")
    ] = "",
    api_host: ApiHostOpt = "127.0.0.1",
    api_port: ApiPortOpt = 8600,
    ca_dir: IssueCaDirOpt = None,
    host: CertHostsOpt = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """创始节点目录 / make a founding node's home (as 'wuyi node init --join' does) keeping the
    chain key your organisation contributed; then 'wuyi node start --home'."""
    from wuyi.node.ceremony import init_founding_node

    res = init_founding_node(
        home,
        genesis_path=genesis,
        passphrase=_passphrase(passphrase_file),
        genesis_hash=genesis_hash,
        peers=peer or (),
        listen=listen,
        api_host=api_host,
        api_port=api_port,
        ca_dir=ca_dir,
        hosts=tuple(host or ()),
    )
    _kv(
        [
            ("节点 / node", f"{res.node_id} ({res.org})"),
            ("公钥 / public key", res.public_key.hex()),
            ("创世哈希 / genesis", res.genesis_hash.hex()),
            ("对等节点 / peers", ", ".join(f"{p.name}={p.host}:{p.port}" for p in res.peers)),
        ],
        title=f"[green]✓ 节点目录已创建 / node home created[/green] {escape(str(home))}",
    )
    if res.ca_fingerprint is None:
        console.print("  TLS: put node.crt and node.key from 'wuyi tls issue' into tls/")
    console.print(f"  下一步 / next: wuyi node start --home {escape(str(home))}")


def _json(obj: object) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
