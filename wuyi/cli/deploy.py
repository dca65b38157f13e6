"""Commands for running nodes across the departments' own hosts: each organisation's TLS CA
(``wuyi tls``), joining a chain (``wuyi node init --join``), admitting, updating and re-keying
nodes by governance (``wuyi node admit|update|new-key|rotate-key``). See ``docs/deploy.md``."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from wuyi.cli.app import (
    DEFAULT_NODE,
    ChainIdOpt,
    ClusterDirOpt,
    FoundingOrgsOpt,
    HomeOpt,
    KeyOpt,
    NodeIdOpt,
    NodeOpt,
    NodesOpt,
    OrgIdOpt,
    PassFileOpt,
    _cli_errors,
    _create_network,
    _kv,
    _passphrase,
    app,
    console,
    key_app,
    node_app,
)
from wuyi.exceptions import ValidationError

__all__ = ["tls_app"]

tls_app = typer.Typer(
    help="TLS 身份 / each organisation's TLS CA and certificates", no_args_is_help=True
)
app.add_typer(tls_app, name="tls")

DaysOpt = Annotated[int, typer.Option("--days", help="有效期（天）/ validity in days")]
ApiHostOpt = Annotated[str, typer.Option("--api-host", help="API 监听 / API address")]
ApiPortOpt = Annotated[int, typer.Option("--api-port", help="API 端口 / API port")]
IssueCaDirOpt = Annotated[
    Path | None, typer.Option("--ca-dir", help="本组织 CA 目录：签发节点证书 / issue the cert")
]
CertHostsOpt = Annotated[
    list[str] | None, typer.Option("--host", help="证书中的地址 / names in the certificate")
]


def _der(path: Path) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{path}: not a PEM certificate: {exc}") from None
    return cert.public_bytes(serialization.Encoding.DER)


def _submit(node: str, key_file: Path, passphrase_file: Path | None, build: Any) -> Any:
    from wuyi.cli.contracts import _transact

    return _transact(node, key_file, passphrase_file, build)


def _proposal(res: Any) -> None:
    from wuyi.cli.contracts import _event

    pid = _event(res, "gov.proposed", "id")
    console.print(
        f"提案 / proposal [bold]{pid}[/bold]: 各组织投票 / the organisations vote with"
        f" 'wuyi gov vote {pid} --key ...', then 'wuyi gov execute {pid} --key ...'"
    )


# -- an organisation's CA and its certificates ---------------------------------------------------


@tls_app.command("ca-init")
@_cli_errors
def tls_ca_init(
    dir: Annotated[Path, typer.Option("--dir", help="CA 目录 / where ca.crt and ca.key go")],
    org: OrgIdOpt,
    days: DaysOpt = 3650,
) -> None:
    """创建本组织的 TLS CA / create your organisation's own TLS CA (ca.crt, ca.key)."""
    from wuyi.ledger.handlers.identity import validate_org_id
    from wuyi.ledger.handlers.nodes import cert_fingerprint
    from wuyi.network.tls import create_org_ca

    validate_org_id(org)
    if (dir / "ca.key").exists():
        raise ValidationError(f"{dir}/ca.key already exists; refusing to overwrite a CA key")
    cert, key = create_org_ca(dir, org, days=days)
    _kv(
        [
            ("证书 / certificate", str(cert)),
            ("私钥 / key", f"{key} (mode 0600: keep it off the node hosts)"),
            ("指纹 / fingerprint", cert_fingerprint(_der(cert)).hex()),
        ],
        title=f"[green]✓ {org} 的 CA 已创建 / CA created[/green]",
    )
    console.print(
        f"  上链登记 / register it: wuyi tls register-ca --org {org} --ca {cert} --key ..."
    )


@tls_app.command("issue")
@_cli_errors
def tls_issue(
    ca_dir: Annotated[Path, typer.Option("--ca-dir", help="本组织 CA 目录 / your org's CA dir")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="输出目录 / where node.crt, node.key go (client.crt, client.key with --client)",
        ),
    ],
    name: Annotated[
        str,
        typer.Option(
            "--name", help="节点标识或使用者 / node id, or the person or system (certificate CN)"
        ),
    ],
    host: Annotated[
        list[str] | None, typer.Option("--host", help="地址或域名 / IP or DNS name (repeat)")
    ] = None,
    days: DaysOpt = 90,
    client: Annotated[
        bool,
        typer.Option(
            "--client",
            help="客户端证书（仅 clientAuth，供 client_auth = required 的 API 使用）/ a client"
            " certificate (clientAuth only) for an API with client_auth = required",
        ),
    ] = False,
) -> None:
    """签发节点或客户端证书 / issue (or renew) a node's TLS certificate, or with --client a
    client certificate for your staff and systems, from your organisation's CA."""
    from wuyi.network.tls import issue_client_certificate, issue_node_certificate

    for f in (ca_dir / "ca.crt", ca_dir / "ca.key"):
        if not f.is_file():
            raise ValidationError(f"{f} does not exist (--ca-dir is made by wuyi tls ca-init)")
    if client:
        if host:
            raise ValidationError("a client certificate names no host: drop --host")
        cert, _key = issue_client_certificate(
            ca_dir / "ca.crt", ca_dir / "ca.key", out, name, days=days
        )
    else:
        cert, _key = issue_node_certificate(
            ca_dir / "ca.crt",
            ca_dir / "ca.key",
            out,
            name,
            hosts=tuple(host or ("127.0.0.1", "localhost")),
            days=days,
            copy_ca=False,
        )
    _show(cert)
    if client:
        console.print(f"客户端证书 / client certificate: --client-cert {cert} --client-key {_key}")


@tls_app.command("renew")
@_cli_errors
def tls_renew(
    home: HomeOpt,
    ca_dir: Annotated[Path, typer.Option("--ca-dir", help="本组织 CA 目录 / your org's CA dir")],
    days: DaysOpt = 90,
    within: Annotated[
        int, typer.Option("--within-days", help="剩余天数少于此才续期 / renew only if due")
    ] = 30,
    force: Annotated[bool, typer.Option("--force", help="立即续期 / renew now")] = False,
) -> None:
    """续期节点证书 / renew the node's certificate when it is due; the running node picks it
    up within seconds (no restart)."""
    from cryptography import x509

    from wuyi.network.identity import describe_certificate
    from wuyi.network.tls import issue_node_certificate

    path = home / "tls" / "node.crt"
    der = _der(path)
    info = describe_certificate(der)
    left = info.seconds_left(datetime.datetime.now(datetime.UTC)) / 86400
    if left > within and not force:
        console.print(f"未到期 / not due: {left:.0f} days left (renews within {within} days)")
        return
    cert = x509.load_der_x509_certificate(der)
    cn = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        hosts = [str(h) for h in san.get_values_for_type(x509.IPAddress)]
        hosts += list(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        hosts = ["127.0.0.1", "localhost"]
    new, _ = issue_node_certificate(
        ca_dir / "ca.crt",
        ca_dir / "ca.key",
        home / "tls",
        str(cn[0].value) if cn else home.name,
        hosts=hosts,
        days=days,
        copy_ca=False,
    )
    console.print("[green]✓ 已续期 / renewed[/green] (the node reloads it within 10 s)")
    _show(new)


def _show(path: Path) -> None:
    from cryptography import x509

    from wuyi.ledger.handlers.nodes import spki_pin
    from wuyi.network.identity import describe_certificate

    der = _der(path)
    info = describe_certificate(der)
    now = datetime.datetime.now(datetime.UTC)
    left = info.seconds_left(now) / 86400
    warn = (
        " [red](expired)[/red]"
        if left < 0
        else " [yellow](< 30 days)[/yellow]"
        if left < 30
        else ""
    )
    _kv(
        [
            ("文件 / file", escape(str(path))),
            ("主体 / subject", escape(info.subject)),
            ("签发者 / issuer", escape(info.issuer)),
            ("序列号 / serial", format(info.serial, "x")),
            ("指纹 / fingerprint", info.fingerprint.hex()),
            ("公钥固定 / key pin", spki_pin(x509.load_der_x509_certificate(der)).hex()),
            ("有效期 / valid", f"{info.not_before:%Y-%m-%d} .. {info.not_after:%Y-%m-%d}"),
            ("剩余 / left", f"{left:.1f} days{warn}"),
        ]
    )


@tls_app.command("show")
@_cli_errors
def tls_show(
    files: Annotated[list[Path], typer.Argument(help="PEM 证书 / certificate files")],
) -> None:
    """查看证书 / show certificates: issuer, serial, fingerprint, days left."""
    for f in files:
        _show(f)


@tls_app.command("register-ca")
@_cli_errors
def tls_register_ca(
    org: OrgIdOpt,
    ca: Annotated[list[Path], typer.Option("--ca", help="CA 证书 / CA certificate (1-3, repeat)")],
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """登记本组织的 CA / set your organisation's TLS CAs on chain (tls.set_cas)."""
    certs = [_der(p) for p in ca]
    _submit(
        node, key, passphrase_file, lambda b: b.build("tls.set_cas", {"org": org, "certs": certs})
    )


@tls_app.command("revoke")
@_cli_errors
def tls_revoke(
    org: OrgIdOpt,
    key: KeyOpt,
    cert: Annotated[Path | None, typer.Option("--cert", help="要吊销的证书 / certificate")] = None,
    ca: Annotated[Path | None, typer.Option("--ca", help="签发它的 CA 证书 / its CA")] = None,
    serial: Annotated[str | None, typer.Option("--serial", help="序列号（十六进制）/ hex")] = None,
    reason: Annotated[str, typer.Option("--reason", help="原因 / reason")] = "",
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """吊销节点证书 / revoke a node certificate: every peer refuses it from the next block on."""
    from cryptography import x509

    from wuyi.ledger.handlers.nodes import cert_fingerprint, serial_bytes

    if ca is None:
        raise ValidationError("--ca (the CA certificate that issued it) is required", field="ca")
    if cert is not None:
        number = x509.load_der_x509_certificate(_der(cert)).serial_number
    elif serial is not None:
        try:
            number = int(serial, 16)
        except ValueError:
            raise ValidationError(f"--serial {serial} is not hex", field="serial") from None
    else:
        raise ValidationError("give --cert or --serial", field="cert")
    payload: dict[str, Any] = {
        "org": org,
        "ca": cert_fingerprint(_der(ca)),
        "serial": serial_bytes(number),
    }
    if reason:
        payload["reason"] = reason
    _submit(node, key, passphrase_file, lambda b: b.build("tls.revoke", payload))


# -- joining and governing nodes ---------------------------------------------------------------


@node_app.command("init")
@_cli_errors
def node_init(
    home: HomeOpt,
    join: Annotated[bool, typer.Option("--join", help="加入已有的链 / join an existing chain")],
    genesis: Annotated[Path, typer.Option("--genesis", help="链的创世文件 / genesis.json")],
    peer: Annotated[
        list[str],
        typer.Option("--peer", help="可达节点 NAME=HOST:PORT 或 HEXKEY@HOST:PORT (repeat)"),
    ],
    node_id: Annotated[str, typer.Option("--id", help="节点标识 / node id, e.g. zjj-node1")],
    org: Annotated[str, typer.Option("--org", help="所属组织 / your organisation id")],
    listen: Annotated[str, typer.Option("--listen", help="P2P 监听 / p2p listen HOST:PORT")] = (
        "0.0.0.0:26600"
    ),
    address: Annotated[
        str, typer.Option("--address", help="对外 P2P 地址 / p2p HOST:PORT peers dial")
    ] = "",
    api_host: ApiHostOpt = "127.0.0.1",
    api_port: ApiPortOpt = 8600,
    genesis_hash: Annotated[
        str | None, typer.Option("--genesis-hash", help="期望的创世哈希 / pin the genesis hash")
    ] = None,
    ca_dir: IssueCaDirOpt = None,
    ca_bundle: Annotated[
        Path | None, typer.Option("--ca-bundle", help="额外信任的 CA / extra trusted CAs (PEM)")
    ] = None,
    host: CertHostsOpt = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """新节点加入链 / make a node home that joins an existing chain from genesis and a peer."""
    from wuyi.node.join import join_home

    if not join:
        raise ValidationError("'wuyi node init' needs --join; 'wuyi init' creates a new chain")
    res = join_home(
        home,
        genesis_path=genesis,
        peers=peer,
        node_id=node_id,
        org=org,
        passphrase=_passphrase(passphrase_file),
        listen=listen,
        address=address,
        api_host=api_host,
        api_port=api_port,
        genesis_hash=genesis_hash,
        ca_dir=ca_dir,
        ca_bundle=ca_bundle,
        hosts=tuple(host or ()),
    )
    tls = (
        f"--ca-fingerprint {res.ca_fingerprint.hex()}"
        if res.ca_fingerprint is not None
        else "--ca-fingerprint <your CA's fingerprint: wuyi tls show ca.crt>"
    )
    _kv(
        [
            ("节点 / node", f"{res.node_id} ({res.org})"),
            ("公钥 / public key", res.public_key.hex()),
            ("创世哈希 / genesis", res.genesis_hash.hex()),
            ("引导节点 / peers", ", ".join(f"{p.name}={p.host}:{p.port}" for p in res.peers)),
            ("P2P 地址 / address", res.address or "(none: this node only dials out)"),
        ],
        title=f"[green]✓ 节点目录已创建 / node home created[/green] {escape(str(home))}",
    )
    if res.ca_fingerprint is None:
        console.print("  TLS: put node.crt and node.key from 'wuyi tls issue' into tls/")
    console.print(
        "  下一步 / next: your organisation's admin proposes it:\n"
        f"    wuyi node admit --id {res.node_id} --org {res.org} --role observer"
        f" --public-key {res.public_key.hex()} {tls}"
        + (f" --address {res.address}" if res.address else "")
        + " --key <admin.key>\n"
        f"  then start it: wuyi node start --home {escape(str(home))}"
    )


@node_app.command("admit")
@_cli_errors
def node_admit(
    node_id: NodeIdOpt,
    org: Annotated[str, typer.Option("--org", help="所属组织 / organisation")],
    public_key: Annotated[str, typer.Option("--public-key", help="节点公钥 / node key (hex)")],
    key: KeyOpt,
    role: Annotated[str, typer.Option("--role", help="validator | observer")] = "observer",
    ca_fingerprint: Annotated[
        str | None, typer.Option("--ca-fingerprint", help="签发其证书的 CA / its CA (hex)")
    ] = None,
    pin: Annotated[str | None, typer.Option("--pin", help="或固定 TLS 公钥 / or a key pin")] = None,
    address: Annotated[str, typer.Option("--address", help="P2P HOST:PORT")] = "",
    name: Annotated[str, typer.Option("--name", help="名称 / display name")] = "",
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """提议接纳节点 / propose admitting a node of your organisation (governance: node.admit)."""
    if (ca_fingerprint is None) == (pin is None):
        raise ValidationError("give exactly one of --ca-fingerprint and --pin", field="tls")
    try:
        tls = (
            {"ca": bytes.fromhex(ca_fingerprint)}
            if ca_fingerprint
            else {"pin": bytes.fromhex(pin or "")}
        )
        pk = bytes.fromhex(public_key)
    except ValueError:
        raise ValidationError("--public-key, --ca-fingerprint and --pin are hex") from None
    args: dict[str, Any] = {"id": node_id, "org": org, "role": role, "public_key": pk, "tls": tls}
    if address:
        args["address"] = address
    if name:
        args["name"] = name
    res = _submit(
        node,
        key,
        passphrase_file,
        lambda b: b.gov_propose("node.admit", args, title=f"接纳节点 / admit node {node_id}"),
    )
    _proposal(res)


@node_app.command("update")
@_cli_errors
def node_update(
    node_id: NodeIdOpt,
    key: KeyOpt,
    address: Annotated[str | None, typer.Option("--address", help="P2P HOST:PORT")] = None,
    status: Annotated[str | None, typer.Option("--status", help="active|suspended|removed")] = None,
    ca_fingerprint: Annotated[str | None, typer.Option("--ca-fingerprint", help="hex")] = None,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """修改节点记录 / change a node of your organisation (address, status, CA)."""
    payload: dict[str, Any] = {"id": node_id}
    if address is not None:
        payload["address"] = address
    if status is not None:
        payload["status"] = status
    if ca_fingerprint is not None:
        payload["tls"] = {"ca": bytes.fromhex(ca_fingerprint)}
    _submit(node, key, passphrase_file, lambda b: b.build("node.update", payload))


@node_app.command("new-key")
@_cli_errors
def node_new_key(
    home: HomeOpt,
    passphrase_file: PassFileOpt = None,
) -> None:
    """生成下一把共识密钥 / make the validator's next consensus key (keys/validator.next.key)."""
    from wuyi.crypto import get_suite, save_key
    from wuyi.node.home import NodeHome

    h = NodeHome(home)
    path = h.keys_dir / "validator.next.key"
    if path.exists():
        raise ValidationError(f"{path} already exists (a rotation is under way)")
    key = get_suite(h.load_genesis().suite).generate_private_key()
    save_key(path, key, _passphrase(passphrase_file))
    console.print(f"[green]✓[/green] {path}\n  公钥 / public key: {key.public_key.hex()}")
    console.print(
        "  下一步 / next: wuyi node rotate-key --id <node id> --public-key"
        f" {key.public_key.hex()} --effective-height <height> --key <admin.key>"
    )


@node_app.command("rotate-key")
@_cli_errors
def node_rotate_key(
    node_id: NodeIdOpt,
    public_key: Annotated[str, typer.Option("--public-key", help="新公钥 / new key (hex)")],
    effective_height: Annotated[int, typer.Option("--effective-height", help="生效高度 / from")],
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """提议更换共识密钥 / propose rotating a validator's consensus key (validator.rotate_key)."""
    args = {
        "id": node_id,
        "public_key": bytes.fromhex(public_key),
        "effective_height": effective_height,
    }
    res = _submit(
        node,
        key,
        passphrase_file,
        lambda b: b.gov_propose(
            "validator.rotate_key", args, title=f"更换共识密钥 / rotate the key of {node_id}"
        ),
    )
    _proposal(res)


# -- a network's homes without starting them (compose, systemd) ----------------------------------

net_app = typer.Typer(help="网络目录 / a network's node homes", no_args_is_help=True)
app.add_typer(net_app, name="net")


@net_app.command("create")
@_cli_errors
def net_create(
    cluster_dir: ClusterDirOpt,
    nodes: NodesOpt = 4,
    suite: Annotated[str, typer.Option("--suite", help="sm | intl")] = "sm",
    chain_id: ChainIdOpt = "wuyi-local",
    org: FoundingOrgsOpt = None,
    host: Annotated[str, typer.Option("--host", help="节点地址 / nodes' address")] = "127.0.0.1",
    base_port: Annotated[int, typer.Option("--base-port", help="API 起始端口")] = 8600,
    base_p2p_port: Annotated[int, typer.Option("--base-p2p-port", help="P2P 起始端口")] = 26600,
    passphrase_file: PassFileOpt = None,
) -> None:
    """创建网络目录但不启动 / create a network's homes (as wuyi up does) without starting them:
    node i belongs to organisation i mod the number of organisations, with that organisation's
    own TLS CA. For compose files and systemd units that start each node themselves."""
    spec = _create_network(
        cluster_dir,
        nodes,
        chain_id=chain_id,
        suite=suite,
        org=org,
        passphrase=_passphrase(passphrase_file),
        host=host,
        base_port=base_port,
        base_p2p_port=base_p2p_port,
    )
    console.print(
        f"[green]✓ 已创建网络 / network created[/green] {spec.chain_id} in {spec.root}"
        f" (genesis {spec.genesis_hash.hex()})"
    )
    for nd in spec.nodes:
        console.print(f"  {nd.name} ({nd.org}): {nd.home}  API {nd.url}  p2p {host}:{nd.p2p_port}")


# -- validator keys in hardware ------------------------------------------------------------------


@key_app.command("hsm-new")
@_cli_errors
def key_hsm_new(
    home: Annotated[Path, typer.Option("--home", help="节点目录 / node home ([hsm] in node.toml)")],
) -> None:
    """在硬件中生成验证者密钥 / generate the validator key inside the PKCS#11 token that
    node.toml's [hsm] names (the key never leaves it; the PIN comes from its pin_env)."""
    import os

    from wuyi.crypto.pkcs11 import generate_pkcs11_key
    from wuyi.exceptions import HsmError
    from wuyi.node.home import NodeHome

    h = NodeHome(home)
    cfg = h.hsm_config()
    if cfg is None:
        raise ValidationError(f"{h.settings_path} has no [hsm] section (module, token, key)")
    pin = os.environ.get(cfg.pin_env, "")
    if not pin:
        raise HsmError(f"set the token's PIN in ${cfg.pin_env}")
    pk = generate_pkcs11_key(cfg, h.load_genesis().suite, pin)
    _kv(
        [
            ("令牌 / token", f"{cfg.token} ({cfg.module})"),
            ("密钥 / key", cfg.key),
            ("公钥 / public key", pk.hex()),
        ],
        title="[green]✓ 已在令牌中生成 / generated in the token[/green]",
    )
