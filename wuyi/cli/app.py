"""Commands of ``wuyi``. Every failure prints ``错误 / error [code]: message`` and exits 1;
``wuyi verify`` prints ``验证失败 / verification failed: ...``."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from wuyi.exceptions import EncodingError, ProofInvalid, ValidationError, WuyiError
from wuyi.sdk.tls import CA_ENV, CLIENT_CERT_ENV, CLIENT_KEY_ENV

__all__ = ["app", "main"]

DEFAULT_NODE = "http://127.0.0.1:8600"
NODE_ENV = "WUYI_NODE"

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

TLS_FLAGS = ("--client-cert", "--client-key", "--ca")
"""Global options for a node API over HTTPS, accepted before the command or after it."""


def _hoist_tls_options(group: Any, args: list[str]) -> list[str]:
    """Move ``--client-cert``, ``--client-key`` and ``--ca`` (and their values) given after
    the command to just before it, where the ``wuyi`` group reads them; a command with an
    option of the same name (``tls register-ca --ca``) keeps its own."""
    cmd, i, first = group, 0, None
    while i < len(args) and hasattr(cmd, "commands"):
        a = args[i]
        if a == "--":
            return args
        if a in TLS_FLAGS:
            i += 2
        elif a.startswith("-"):
            i += 1
        elif a in cmd.commands:
            first = i if first is None else first
            cmd, i = cmd.commands[a], i + 1
        else:
            return args
    if first is None or hasattr(cmd, "commands"):
        return args
    own = {o for p in cmd.params for o in getattr(p, "opts", [])}
    moved: list[str] = []
    kept: list[str] = []
    j = i
    while j < len(args):
        a = args[j]
        if a == "--":
            kept += args[j:]
            break
        flag = a.split("=", 1)[0]
        n = 1 if "=" in a else 2
        if flag in TLS_FLAGS and flag not in own and j + n <= len(args):
            moved += args[j : j + n]
            j += n
        else:
            kept.append(a)
            j += 1
    return args[:first] + moved + args[first:i] + kept


class _WuyiGroup(TyperGroup):
    """The ``wuyi`` group; see :func:`_hoist_tls_options`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return list(super().parse_args(ctx, _hoist_tls_options(self, list(args))))


app = typer.Typer(
    cls=_WuyiGroup,
    name="wuyi",
    help="五邑链 Wuyi Chain — 江门数字政府联盟链 / a consortium blockchain for digital government.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
key_app = typer.Typer(help="密钥管理 / manage keys", no_args_is_help=True)
node_app = typer.Typer(help="节点 / run and check a node", no_args_is_help=True)
org_app = typer.Typer(help="组织 / organisations", no_args_is_help=True)
member_app = typer.Typer(help="成员 / members of organisations", no_args_is_help=True)
app.add_typer(key_app, name="key")
app.add_typer(node_app, name="node")
app.add_typer(org_app, name="org")
app.add_typer(member_app, name="member")

F = TypeVar("F", bound=Callable[..., Any])

NodeOpt = Annotated[
    str,
    typer.Option(
        "--node",
        envvar=NODE_ENV,
        help="节点 API 地址，多个用逗号分隔以便故障切换 / node API URL; several, comma-separated,"
        " to fail over when one does not answer",
    ),
]
PassFileOpt = Annotated[
    Path | None,
    typer.Option("--passphrase-file", help="口令文件 / passphrase file (else $WUYI_PASSPHRASE)"),
]
SuiteOpt = Annotated[str, typer.Option("--suite", help="密码套件 sm (国密) | intl / crypto suite")]
HomeOpt = Annotated[Path, typer.Option("--home", help="节点目录 / node home directory")]
ChainIdOpt = Annotated[str, typer.Option("--chain-id", help="链标识 / chain id")]
ClusterDirOpt = Annotated[Path, typer.Option("--dir", help="网络目录 / network directory")]
OrgIdOpt = Annotated[str, typer.Option("--org", help="组织标识 / organisation id")]
NodeIdOpt = Annotated[str, typer.Option("--id", help="节点标识 / node id")]
NodesOpt = Annotated[int, typer.Option("--nodes", help="验证节点数 / validators")]
FoundingOrgsOpt = Annotated[
    list[str] | None,
    typer.Option("--org", help="创始组织 id:名称[:operator] / founding org (repeat)"),
]
DEFAULT_FOUNDER = "sjj:江门市政务服务数据管理局:operator"


def _create_network(
    cluster_dir: Path,
    nodes: int,
    *,
    chain_id: str,
    suite: str,
    org: list[str] | None,
    passphrase: str,
    base_port: int,
    base_p2p_port: int,
    host: str = "127.0.0.1",
) -> Any:
    """``wuyi up`` and ``wuyi net create``: a new local network's homes, founded by the
    ``--org id:name[:operator]`` organisations (default: one founder)."""
    from wuyi.node.cluster import create_network
    from wuyi.node.home import parse_org_spec

    return create_network(
        cluster_dir,
        nodes,
        chain_id=chain_id,
        suite=suite,
        orgs=[parse_org_spec(o) for o in (org or [DEFAULT_FOUNDER])],
        passphrase=passphrase,
        host=host,
        base_api_port=base_port,
        base_p2p_port=base_p2p_port,
    )


def _cli_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except WuyiError as exc:
            err_console.print(f"[red]错误 / error \\[{exc.code}]:[/red] {escape(exc.message)}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _passphrase(passphrase_file: Path | None) -> str:
    from wuyi.node.home import read_passphrase

    return read_passphrase(passphrase_file)


def _load_key(path: Path, passphrase_file: Path | None) -> Any:
    from wuyi.crypto import load_key

    return load_key(path, _passphrase(passphrase_file))


_client_tls_files: dict[str, str | None] = {}
"""``--client-cert``, ``--client-key`` and ``--ca`` of the running command (set by
:func:`_global_options` at every invocation)."""


@app.callback()
def _global_options(
    client_cert: Annotated[
        str | None,
        typer.Option(
            "--client-cert",
            envvar=CLIENT_CERT_ENV,
            metavar="FILE",
            help="客户端证书 PEM 文件（节点 API 要求客户端证书时；可放在命令前或后）/ client"
            " certificate (PEM) for a node API with client_auth = required (before or after"
            " the command)",
        ),
    ] = None,
    client_key: Annotated[
        str | None,
        typer.Option(
            "--client-key",
            envvar=CLIENT_KEY_ENV,
            metavar="FILE",
            help="客户端证书私钥 PEM 文件 / its key (PEM)",
        ),
    ] = None,
    ca: Annotated[
        str | None,
        typer.Option(
            "--ca",
            envvar=CA_ENV,
            metavar="FILE",
            help="信任的 CA 证书 PEM 文件（HTTPS 节点 API）/ CA bundle (PEM) trusted for the"
            " node API's HTTPS certificate",
        ),
    ] = None,
) -> None:
    """五邑链 Wuyi Chain — 江门数字政府联盟链 / a consortium blockchain for digital government."""
    _client_tls_files.clear()
    _client_tls_files.update(client_cert=client_cert, client_key=client_key, ca=ca)


def _client_tls() -> tuple[str | None, str | None, str | None]:
    """``--client-cert``, ``--client-key`` and ``--ca`` of this command (None: not given; the
    SDK then reads ``$WUYI_CLIENT_CERT``, ``$WUYI_CLIENT_KEY``, ``$WUYI_CA``)."""
    got = _client_tls_files
    return got.get("client_cert"), got.get("client_key"), got.get("ca")


def _client(node: str | list[str]) -> Any:
    """An SDK client of ``node``: one URL or several (comma-separated or a list), used in turn
    when one does not answer (``WuyiClient`` failover; submitting is idempotent), presenting
    the client certificate and trusting the CA given (``--client-cert``, ``--ca``)."""
    from wuyi.sdk import WuyiClient

    cert, key, ca = _client_tls()
    return WuyiClient(node, client_cert=cert if key is None else (cert or "", key), ca=ca)


def _fmt_time(ms: int) -> str:
    t = _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.UTC).astimezone()
    return t.strftime("%Y-%m-%d %H:%M:%S %Z")


def _kv(rows: list[tuple[str, str]], title: str | None = None) -> None:
    """Label/value lines (not a table: keys and hashes must never be cut)."""
    if title:
        console.print(f"[bold]{title}[/bold]")
    width = max(cell_len(k) for k, _ in rows) + 2
    for k, v in rows:
        console.print(f"  {k}{' ' * (width - cell_len(k))}{v}")


def show_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None
) -> None:
    """Print ``rows`` under ``headers`` (cells as text)."""
    t = Table(*headers, title=title)
    for row in rows:
        t.add_row(*(str(x) for x in row))
    console.print(t)


def _address(suite_name: str, public_key: bytes) -> str:
    from wuyi.crypto import address_of, format_address, get_suite

    return str(format_address(address_of(get_suite(suite_name), public_key)))


# -- keys ------------------------------------------------------------------------------------


@key_app.command("new")
@_cli_errors
def key_new(
    out: Annotated[Path, typer.Option("--out", help="密钥文件 / key file to write")],
    suite: SuiteOpt = "sm",
    passphrase_file: PassFileOpt = None,
) -> None:
    """生成密钥 / generate a new key into an encrypted keystore file."""
    from wuyi.crypto import get_suite, save_key

    pw = _passphrase(passphrase_file)
    if out.exists():
        raise ValidationError(f"{out} already exists; refusing to overwrite a key")
    key = get_suite(suite).generate_private_key()
    save_key(out, key, pw)
    _print_key(out, suite, key.public_key)


@key_app.command("import")
@_cli_errors
def key_import(
    source: Annotated[str, typer.Option("--in", help="PEM 文件或十六进制私钥 / PEM file or hex")],
    out: Annotated[Path, typer.Option("--out", help="密钥文件 / key file to write")],
    suite: SuiteOpt = "sm",
    passphrase_file: PassFileOpt = None,
) -> None:
    """导入密钥 / import a private key (PEM file or hex) into a keystore file."""
    from wuyi.crypto import import_key, save_key

    if out.exists():
        raise ValidationError(f"{out} already exists; refusing to overwrite a key")
    p = Path(source)
    data: str | bytes = p.read_bytes() if p.is_file() else source
    key = import_key(suite, data)
    save_key(out, key, _passphrase(passphrase_file))
    _print_key(out, suite, key.public_key)


@key_app.command("show")
@_cli_errors
def key_show(
    file: Annotated[Path, typer.Argument(help="密钥文件 / key file")],
    passphrase_file: PassFileOpt = None,
) -> None:
    """查看密钥 / show a key file's public key and address."""
    key = _load_key(file, passphrase_file)
    _print_key(file, key.suite_name, key.public_key)


def _print_key(path: Path, suite: str, public_key: bytes) -> None:
    _kv(
        [
            ("文件 / file", str(path)),
            ("套件 / suite", suite),
            ("公钥 / public key", public_key.hex()),
            ("地址 / address", _address(suite, public_key)),
        ]
    )


# -- chain setup -----------------------------------------------------------------------------


@app.command("init")
@_cli_errors
def init(
    home: HomeOpt,
    chain_id: ChainIdOpt,
    org: Annotated[
        list[str],
        typer.Option("--org", help="创始组织 id:名称[:operator] / founding org (repeat)"),
    ],
    suite: SuiteOpt = "sm",
    name: Annotated[str, typer.Option("--name", help="链名 / chain name")] = "",
    port: Annotated[int, typer.Option("--port", help="API 端口 / API port")] = 8600,
    passphrase_file: PassFileOpt = None,
) -> None:
    """初始化链 / initialise a chain: keys, genesis.json and node.toml in HOME."""
    from wuyi.node.home import NodeSettings, init_home, parse_org_spec

    specs = [parse_org_spec(o) for o in org]
    res = init_home(
        home,
        chain_id=chain_id,
        suite=suite,
        orgs=specs,
        passphrase=_passphrase(passphrase_file),
        time_ms=int(time.time() * 1000),
        name=name,
        settings=NodeSettings(api_port=port),
    )
    print_init(res)


def print_init(res: Any) -> None:
    g = res.genesis
    console.print(
        f"[green]✓ 已创建链 / chain created[/green] {g.chain_id} {g.name} (suite {g.suite})"
    )
    console.print(f"  创世哈希 / genesis hash: {res.genesis_hash.hex()}")
    console.print(f"  genesis:   {res.home.genesis_path}")
    console.print(f"  settings:  {res.home.settings_path}")
    console.print(f"  验证者 / validator: {res.home.validator_key_path}  {res.validator_address}")
    t = Table(title="创始组织 / founding organisations")
    for col in ("id", "名称 / name", "管理员密钥 / admin key", "地址 / address"):
        t.add_column(col)
    for o in g.orgs:
        path, addr = res.admin_keys[o.id]
        t.add_row(o.id + (" (operator)" if o.operator else ""), o.name, str(path), addr)
    console.print(t)


@node_app.command("start")
@_cli_errors
def node_start(
    home: HomeOpt,
    host: Annotated[str | None, typer.Option("--host", help="监听地址 / listen address")] = None,
    port: Annotated[int | None, typer.Option("--port", help="API 端口 / API port")] = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """启动节点 / start the node (block producer + REST API) until Ctrl-C / SIGTERM."""
    from wuyi.node.service import serve_home

    code = serve_home(home, _passphrase(passphrase_file), host=host, port=port)
    raise typer.Exit(code)


@node_app.command("check")
@_cli_errors
def node_check(
    home: HomeOpt,
    full: Annotated[
        bool, typer.Option("--full", help="完整检查 / check every block and node")
    ] = False,
) -> None:
    """检查存储完整性 / check the store's integrity (exit 1 if corrupted)."""
    from wuyi.crypto import get_suite
    from wuyi.exceptions import StoreError
    from wuyi.node.home import NodeHome
    from wuyi.node.store import Store

    h = NodeHome(home)
    genesis = h.load_genesis()
    mode = "full" if full else "quick"
    t0 = time.perf_counter()
    try:
        store = Store.open(h.data_dir, get_suite(genesis.suite).hash, readonly=True, check=mode)
    except StoreError as exc:
        err_console.print(
            f"[red]✗ 存储损坏 / store corrupted \\[{exc.code}]:[/red] {escape(exc.message)}"
        )
        raise typer.Exit(1) from None
    try:
        height = store.height
    finally:
        store.close()
    ms = (time.perf_counter() - t0) * 1000
    console.print(
        f"[green]✓ OK[/green] {mode} check of {h.data_dir}: height {height} ({ms:.0f} ms)"
    )


@app.command("status")
@_cli_errors
def status(
    node: Annotated[
        list[str] | None,
        typer.Option(
            "--node", envvar=NODE_ENV, help="节点 API 地址，可重复 / node API URL (repeat)"
        ),
    ] = None,
    cluster_dir: Annotated[
        Path | None,
        typer.Option("--dir", help="本地网络目录 / every node of a local network (wuyi up)"),
    ] = None,
) -> None:
    """链状态 / a node's chain status; with --dir or several --node, a table of every node."""
    if cluster_dir is not None or (node is not None and len(node) > 1):
        _cluster_status(node or [], cluster_dir)
        return
    with _client(node[0] if node else DEFAULT_NODE) as c:
        st = c.status()
        consensus = _consensus_rows(c._http)
    rows = [
        ("链 / chain", f"{st.chain_id} {st.name}"),
        ("套件 / suite", st.suite),
        ("高度 / height", str(st.height)),
        ("最新区块 / last block", f"{st.last_block_hash} ({_fmt_time(st.last_block_time)})"),
        ("创世哈希 / genesis", st.genesis_hash),
        ("交易池 / mempool", str(st.mempool_size)),
    ]
    rows += [("验证者 / validator", f"{v.name} {v.address}") for v in st.validators]
    rows += consensus
    _kv(rows)


# -- identity --------------------------------------------------------------------------------


KeyOpt = Annotated[Path, typer.Option("--key", help="签名密钥文件 / signing key file")]


def _submit(
    node: str, key_file: Path, passphrase_file: PassFileOpt, build: Callable[[Any], Any]
) -> Any:
    """Sign the transaction ``build(builder)`` makes, submit it and wait for its commit; a
    failed receipt raises its error."""
    key = _load_key(key_file, passphrase_file)
    with _client(node) as c:
        res = c.submit(build(c.builder(key)), wait=True)
    return _succeeded(res)


def _succeeded(res: Any) -> Any:
    """``res`` (a committed transaction's result) if its receipt succeeded, else its error."""
    from wuyi.sdk.client import succeeded

    return succeeded(res)


def _commit(
    node: str, key_file: Path, passphrase_file: PassFileOpt, build: Callable[[Any], Any]
) -> Any:
    """``_submit`` and print the transaction and its height."""
    res = _submit(node, key_file, passphrase_file, build)
    console.print(f"[green]✓ 已上链 / committed[/green] tx {res.tx_hash} at height {res.height}")
    return res


@org_app.command("create")
@_cli_errors
def org_create(
    org_id: Annotated[str, typer.Option("--id", help="组织标识 / org id")],
    name: Annotated[str, typer.Option("--name", help="组织名称 / org name")],
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """创建组织 / create an organisation (operator admin only)."""
    _commit(node, key, passphrase_file, lambda b: b.org_create(org_id, name))


@org_app.command("list")
@_cli_errors
def org_list(node: NodeOpt = DEFAULT_NODE) -> None:
    """组织列表 / list organisations."""
    with _client(node) as c:
        orgs = c.orgs().orgs
    show_table(
        ["id", "名称 / name", "operator", "状态 / status"],
        ([o.id, o.name, "✓" if o.operator else "", o.status] for o in orgs),
    )


@member_app.command("add")
@_cli_errors
def member_add(
    key: KeyOpt,
    org: Annotated[str, typer.Option("--org", help="组织 / organisation id")],
    public_key: Annotated[str, typer.Option("--public-key", help="成员公钥 hex / public key")],
    role: Annotated[list[str], typer.Option("--role", help="角色 / role (repeat)")],
    name: Annotated[str, typer.Option("--name", help="名称 / member name")] = "",
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """添加成员 / add a member to an organisation (that org's admin)."""
    from wuyi.api.wire import parse_hex

    pk = parse_hex(public_key, "public_key")
    _commit(node, key, passphrase_file, lambda b: b.member_add(org, pk, role, name))


@member_app.command("status")
@_cli_errors
def member_status(
    address: Annotated[str, typer.Argument(help="成员地址 / member address (wy...)")],
    set_status: Annotated[
        str | None,
        typer.Option("--set", help="设置状态 active|suspended|revoked / set status (needs --key)"),
    ] = None,
    key: Annotated[Path | None, typer.Option("--key", help="管理员密钥 / admin key")] = None,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """成员状态 / show a member, or change its status with --set."""
    from wuyi.api.wire import parse_address

    addr = parse_address(address)
    if set_status is not None:
        if key is None:
            raise ValidationError("--set needs --key (an admin of the member's organisation)")
        status_ = set_status
        _commit(node, key, passphrase_file, lambda b: b.member_set_status(addr, status_))
    with _client(node) as c:
        mem = c.member(addr)
    _kv([(k, ", ".join(v) if isinstance(v, list) else str(v)) for k, v in mem.model_dump().items()])


# -- evidence --------------------------------------------------------------------------------


def _parse_meta(items: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for item in items:
        k, sep, v = item.partition("=")
        if not sep or not k:
            raise ValidationError(f"--meta '{item}' must be key=value", field="meta")
        meta[k] = int(v) if v.isdigit() and len(v) < 18 and not v.startswith("0") else v
    return meta


@app.command("anchor")
@_cli_errors
def anchor(
    file: Annotated[Path, typer.Argument(help="要存证的文件 / document to anchor")],
    key: KeyOpt,
    meta: Annotated[list[str] | None, typer.Option("--meta", help="元数据 k=v (repeat)")] = None,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """信息上链 / anchor a document's hash and metadata; waits for the commit."""
    document = _read_file(file)
    k = _load_key(key, passphrase_file)
    with _client(node) as c:
        doc_hash, res = c.anchor(k, document, meta=_parse_meta(meta or []), wait=True)
    _succeeded(res)
    console.print("[green]✓ 已存证 / anchored[/green]")
    console.print(f"  文档哈希 / doc hash: {doc_hash.hex()}")
    console.print(f"  交易 / tx:           {res.tx_hash}")
    console.print(f"  区块高度 / height:   {res.height}")


@app.command("revoke")
@_cli_errors
def revoke(
    doc_hash: Annotated[str, typer.Argument(help="文档哈希 / document hash (hex)")],
    key: KeyOpt,
    reason: Annotated[str, typer.Option("--reason", help="撤销原因 / reason")],
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """撤销存证 / revoke an evidence record (admin or operator of its organisation)."""
    from wuyi.api.wire import parse_hex

    h = parse_hex(doc_hash, "doc_hash", length=32)
    _commit(node, key, passphrase_file, lambda b: b.revoke(h, reason))


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None


@app.command("bundle")
@_cli_errors
def bundle(
    out: Annotated[Path, typer.Option("--out", help="输出证明包 / bundle file to write")],
    doc_hash: Annotated[str | None, typer.Argument(help="文档哈希 / document hash")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="或给出文档 / or the document")
    ] = None,
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """导出证明包 / export the proof bundle of a document for offline verification."""
    from wuyi.api.wire import parse_hex

    if (doc_hash is None) == (file is None):
        raise ValidationError("give a DOC_HASH or --file, not both")
    with _client(node) as c:
        h = (
            parse_hex(doc_hash, "doc_hash", length=32)
            if doc_hash is not None
            else c.suite.hash(_read_file(file))  # type: ignore[arg-type]
        )
        doc = c.evidence_bundle(h)
        genesis = c.status().genesis_hash
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"[green]✓ 已导出 / written[/green] {out}  (doc hash {h.hex()})")
    console.print(
        f"  创世哈希 / genesis hash: {genesis} (该节点所述，请与链公布的值比对 / as this node"
        " says: compare it with the one the chain publishes)"
    )
    console.print(
        f"  离线核验 / verify offline: wuyi verify {out}"
        + (f" {file}" if file else "")
        + f" --genesis-hash {genesis}"
    )


UNPINNED_EXIT = 3
"""``wuyi verify`` exit code when every check passed but no genesis hash was pinned: the result
rests on the genesis block in the file (0 is reserved for a pass from a pinned genesis)."""


@app.command("verify")
def verify(
    bundle_file: Annotated[Path, typer.Argument(help="证明包 / bundle.json")],
    file: Annotated[
        Path | None, typer.Argument(help="文档（可选）/ the document (optional)")
    ] = None,
    genesis_hash: Annotated[
        str | None,
        typer.Option(
            "--genesis-hash",
            help="固定创世哈希 / pin the chain: the genesis hash it publishes (hex)",
        ),
    ] = None,
) -> None:
    """离线核验 / verify a proof bundle offline (no node), from the chain's genesis.

    Exit 0: verified from the pinned genesis hash. Exit 3: every check passed but nothing was
    pinned (the result trusts the genesis in the file; compare the hash printed first).
    Exit 1: a check failed."""
    from wuyi.ledger import jsonform
    from wuyi.ledger.bundle import validate_bundle

    def fail(why: str) -> typer.Exit:
        err_console.print(f"[red]✗ 验证失败 / verification failed:[/red] {escape(why)}")
        return typer.Exit(1)

    try:
        text = bundle_file.read_text(encoding="utf-8")
        document = None if file is None else file.read_bytes()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read input: {exc}") from None
    try:
        pinned = None
        if genesis_hash is not None:
            from wuyi.api.wire import parse_hex

            pinned = parse_hex(genesis_hash, "genesis_hash", length=32)
        bundle_obj = jsonform.loads(text)
        if not isinstance(bundle_obj, dict):
            raise ProofInvalid("bundle is not a JSON object")
        if bundle_obj.get("format") == "wuyi-xchain-fact/1":  # a fact of another chain
            _verify_fact(bundle_obj, pinned)
            return
        report = validate_bundle(bundle_obj, document, genesis_hash=pinned)
    except json.JSONDecodeError as exc:
        raise fail(f"bundle is not valid JSON: {exc}") from None
    except (ProofInvalid, EncodingError, ValidationError) as exc:
        raise fail(exc.message) from None
    except WuyiError as exc:
        raise fail(f"[{exc.code}] {exc.message}") from None

    if report.pinned:
        console.print(
            f"[green]已固定创世哈希 / pinned genesis:[/green] {report.genesis_hash.hex()}"
        )
    else:
        console.print(
            "[yellow]⚠ 未固定创世哈希：信任文件中的验证者集合 / NOT PINNED: this result trusts"
            " the genesis block and validator set in the file.[/yellow] 创世哈希 / genesis"
            f" hash: {report.genesis_hash.hex()} — 请与链公布的值比对 / compare it with the one"
            " the chain publishes (wuyi status), or pass --genesis-hash"
        )
    for check in report.checks:
        console.print(f"[green]✓[/green] {escape(check)}")
    console.print()
    if report.kind == "misbehaviour":
        _print_misbehaviour(report)
        return
    if len(report.records) > 1 or report.kind == "contract":
        _print_records(report, document)
        if not report.pinned:
            raise typer.Exit(UNPINNED_EXIT)
        return
    status_txt = (
        "[green]有效 / active[/green]"
        if report.status == "active"
        else f"[red]已撤销 / {report.status}[/red]"
    )
    rec = bundle_obj["record"]
    rows = [
        ("链 / chain", f"{report.chain_id} ({report.suite})"),
        ("创世哈希 / genesis", report.genesis_hash.hex()),
        ("信任 / trust", escape(report.trust)),
        ("文档哈希 / doc hash", report.doc_hash.hex()),
        ("状态 / status", status_txt),
    ]
    if report.status != "active" and rec.get("revoked_reason"):
        rows.append(("撤销原因 / reason", escape(str(rec["revoked_reason"]))))
    rows += [
        ("机构 / organisation", report.org),
        (
            "上链时间 / anchored",
            f"{_fmt_time(report.anchored_time)} (block {report.anchored_height})",
        ),
        ("证明高度 / proven at", f"block {report.state_height}"),
    ]
    rows += [(f"meta.{k}", escape(str(v))) for k, v in report.meta.items()]
    if document is None:
        rows.append(
            ("文档 / document", "[yellow]未提供，仅核验证明包 / not given: bundle only[/yellow]")
        )
    else:
        rows.append(("文档 / document", "[green]与记录一致 / matches the record[/green]"))
    if report.pinned:
        _kv(rows, "核验通过 / verified from the pinned genesis")
        return
    _kv(rows, "检查通过但未固定创世哈希 / checks passed, NOT PINNED")
    raise typer.Exit(UNPINNED_EXIT)


def _record_value(v: Any) -> str:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (dict, list)):
        from wuyi.ledger.jsonform import to_json

        return json.dumps(to_json(v), ensure_ascii=False)
    return str(v)


def _print_records(report: Any, document: bytes | None) -> None:
    """``wuyi verify`` of a bundle of several records, or of a contract's record: each record
    with its anchoring block's certified time and, for a contract's record, its fields."""
    _kv(
        [
            ("链 / chain", f"{report.chain_id} ({report.suite})"),
            ("创世哈希 / genesis", report.genesis_hash.hex()),
            ("信任 / trust", escape(report.trust)),
            ("记录 / records", str(len(report.records))),
        ]
    )
    for i, r in enumerate(report.records):
        rows = [
            ("上链时间 / anchored", f"{_fmt_time(r.anchored_time)} (block {r.anchored_height})"),
            ("交易 / transaction", r.tx_hash.hex()),
            ("签名者 / signed by", _address(report.suite, r.sender)),
            ("证明高度 / proven at", f"block {r.state_height}"),
        ]
        if r.kind == "contract":
            title = f"记录 {i} / record {i}: 合约 contract {r.contract} · {escape(r.key)}"
            rows += [(f"  {k}", escape(_record_value(v))) for k, v in r.meta.items()]
        else:
            title = f"记录 {i} / record {i}: 存证 evidence {r.doc_hash.hex()} ({r.status})"
            rows.insert(0, ("机构 / organisation", r.org))
            rows += [(f"  meta.{k}", escape(str(v))) for k, v in r.meta.items()]
        console.print()
        _kv(rows, title)
    console.print()
    if document is None:
        console.print(
            "文档 / document: [yellow]未提供，仅核验证明包 / not given: bundle only[/yellow]"
        )
    else:
        which = ", ".join(str(i) for i in report.document_matches)
        console.print(
            f"文档 / document: [green]与记录 {which} 一致 / matches record(s) {which}[/green]"
        )
    console.print(
        "[bold]核验通过 / verified from the pinned genesis[/bold]"
        if report.pinned
        else "[bold]检查通过但未固定创世哈希 / checks passed, NOT PINNED[/bold]"
    )


def _verify_fact(bundle: dict[str, Any], pinned: bytes | None) -> None:
    """``wuyi verify`` of a cross-chain fact bundle (``wuyi.crosschain.bundle``)."""
    from wuyi.crosschain.bundle import validate_fact_bundle
    from wuyi.crosschain.cli import print_fact_report

    report = validate_fact_bundle(bundle, genesis_hash=pinned)
    for check in report.checks:
        console.print(f"[green]✓[/green] {escape(check)}")
    print_fact_report(report)
    if not report.pinned:
        console.print(
            "[yellow]⚠ 未固定创世哈希 / NOT PINNED: pass --genesis-hash to check against the"
            " chain's published genesis hash[/yellow]"
        )
        raise typer.Exit(UNPINNED_EXIT)


def _print_misbehaviour(report: Any) -> None:
    """``wuyi verify`` of a validator's equivocation evidence bundle."""
    meta = report.meta
    who = meta["offender_name"] or meta["offender"][:16]
    proposal = meta["proposal"]
    _kv(
        [
            ("链 / chain", f"{report.chain_id} ({report.suite})"),
            ("双签证据 / equivocation", report.doc_hash.hex()),
            ("验证节点 / validator", f"{escape(who)}  {meta['offender']}"),
            (
                "违规 / offence",
                f"{meta['step']} · 高度 height {meta['height']} · 轮次 round {meta['round']}",
            ),
            (
                "上链时间 / recorded",
                f"{_fmt_time(report.anchored_time)} (block {report.anchored_height})",
            ),
            ("证明高度 / proven at", f"block {report.state_height}"),
            ("治理提案 / proposal", "—" if proposal is None else f"#{proposal}"),
        ],
        "核验通过 / verified",
    )


# -- cluster: a local network of validators ---------------------------------------------------


def _consensus_rows(http: Any) -> list[tuple[str, str]]:
    """Round, step and peers of a validator node (nothing for a single node); ``http`` is the
    ``httpx.Client`` of the node (with its TLS settings)."""
    import httpx

    try:
        r = http.get("/v1/consensus", timeout=3)
        info = r.json() if r.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return []
    if info.get("mode") != "validator":
        return []
    peers = info.get("peers", [])
    up = [p["name"] for p in peers if p.get("connected")]
    down = [p["name"] for p in peers if not p.get("connected")]
    rows = [
        (
            "共识 / consensus",
            f"round {info.get('round')} step "
            + str(_STEP_NAMES.get(str(info.get("step")), info.get("step"))),
        ),
        ("对等节点 / peers", f"{len(up)}/{len(peers)} connected " + " ".join(up)),
    ]
    if down:
        rows.append(("未连接 / not connected", " ".join(down)))
    if info.get("last_commit_time"):
        rows.append(("最近提交 / last commit", _age(int(info["last_commit_time"]))))
    if info.get("error"):
        rows.append(("错误 / error", escape(str(info["error"]))))
    return rows


def _age(ms: int | None, *, with_time: bool = True) -> str:
    if not ms:
        return "-"
    age = max(0.0, time.time() - ms / 1000)
    if age < 120:
        rel = f"{age:.0f}s ago"
    elif age < 7200:
        rel = f"{age / 60:.0f}m ago"
    else:
        rel = f"{age / 3600:.0f}h ago"
    if not with_time:
        return rel
    return _dt.datetime.fromtimestamp(ms / 1000).strftime("%H:%M:%S") + f" ({rel})"


_STEP_NAMES = {"1": "propose", "2": "prevote", "3": "precommit"}


def status_table(statuses: list[Any], title: str | None = None) -> Table:
    """The table ``wuyi status`` and ``wuyi up`` print: one row per node (fits 80 columns)."""
    from rich import box

    t = Table(
        title=title or "节点状态 / nodes",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for col in ("node", "API", "state", "height", "round", "peers", "last commit", "block"):
        t.add_column(col, no_wrap=True, min_width=5 if col == "state" else None)
    for s in statuses:
        api = s.url.removeprefix("http://")
        if not s.up:
            t.add_row(s.name, api, "[red]down[/red]", "-", "-", "-", "-", "-")
            continue
        state = "[green]up[/green]"
        if s.syncing:
            state = "[yellow]syncing[/yellow]"
        if s.error:
            state = f"[red]error[/red] {escape(s.error)[:60]}"
        step = _STEP_NAMES.get(str(s.step), s.step)
        rnd = "-" if s.round is None else f"{s.round}" + (f" {step}" if step else "")
        peers = "-" if s.peers_total is None else f"{s.peers_connected}/{s.peers_total}"
        if s.mode == "single":
            peers = "single"
        t.add_row(
            s.name,
            api,
            state,
            str(s.height),
            rnd,
            peers,
            _age(s.last_commit_time, with_time=False),
            (s.last_block_hash or "")[:8],
        )
    return t


def _cluster_status(urls: list[str], cluster_dir: Path | None) -> None:
    import httpx

    from wuyi.node.cluster import fetch_node_status, load_cluster
    from wuyi.sdk.tls import client_context

    targets: list[tuple[str, str]] = []
    if cluster_dir is not None:
        spec = load_cluster(cluster_dir)
        targets += [(nd.name, nd.url) for nd in spec.nodes]
    targets += [(u, u) for u in urls if u not in {t[1] for t in targets}]
    cert, key, ca = _client_tls()
    ctx = client_context(cert, key, ca)
    with httpx.Client(timeout=2.0, verify=True if ctx is None else ctx) as http:
        statuses = [fetch_node_status(url, name, client=http) for name, url in targets]
    up = [s for s in statuses if s.up]
    heights = {s.height or 0 for s in up}
    hashes = {(s.height, s.last_block_hash) for s in up}
    console.print(status_table(statuses))
    if not up:
        raise WuyiError("no node answers / 所有节点均无响应")
    chain = up[0].chain_id
    summary = f"{len(up)}/{len(statuses)} up, chain {chain}, height {max(heights)}"
    if len(heights) > 1:
        summary += f" (lowest {min(heights)}: catching up or partitioned)"
    if len(hashes) > len(heights):
        summary += " [red]— nodes report different hashes at one height![/red]"
    console.print(summary)


@app.command("up")
@_cli_errors
def up(
    cluster_dir: ClusterDirOpt,
    nodes: NodesOpt = 4,
    suite: SuiteOpt = "sm",
    chain_id: ChainIdOpt = "wuyi-local",
    org: FoundingOrgsOpt = None,
    base_port: Annotated[
        int, typer.Option("--base-port", help="API 起始端口 / first API port (node i: +i)")
    ] = 8600,
    base_p2p_port: Annotated[
        int, typer.Option("--base-p2p-port", help="P2P 起始端口 / first p2p port")
    ] = 26600,
    detach: Annotated[
        bool, typer.Option("--detach", help="启动后返回 / return once started (wuyi down stops)")
    ] = False,
    passphrase_file: PassFileOpt = None,
) -> None:
    """启动本地网络 / create (first time) and start a local network of validators on loopback."""
    from wuyi.node.cluster import ClusterProcesses, load_cluster

    pw = _passphrase(passphrase_file)
    if (cluster_dir / "cluster.json").exists():
        spec = load_cluster(cluster_dir)
        console.print(f"沿用已有网络 / reusing the network in {spec.root} ({spec.n} validators)")
        if nodes != spec.n:
            console.print(f"[yellow]  (--nodes {nodes} ignored: it has {spec.n})[/yellow]")
    else:
        spec = _create_network(
            cluster_dir,
            nodes,
            chain_id=chain_id,
            suite=suite,
            org=org,
            passphrase=pw,
            base_port=base_port,
            base_p2p_port=base_p2p_port,
        )
        console.print(
            f"[green]✓ 已创建网络 / network created[/green] {spec.chain_id} in {spec.root}:"
            f" {spec.n} validators, suite {spec.suite}"
        )
        console.print(f"  创世哈希 / genesis hash: {spec.genesis_hash.hex()}")
        for o, path in spec.admin_keys.items():
            console.print(f"  {o} admin key: {path}")
    procs = ClusterProcesses(spec, pw)
    try:
        run_cluster(procs, detach=detach)
    finally:
        procs.close()


def run_cluster(procs: Any, *, detach: bool, banner: Callable[[], None] | None = None) -> None:
    """Start every node, wait until they are ready and connected, print the table; then either
    return (``detach``) or serve until Ctrl-C / SIGTERM and stop every node cleanly."""
    import signal as _signal
    import threading

    from wuyi.exceptions import ClusterError

    spec = procs.spec
    already = [nd.name for nd in spec.nodes if procs.is_running(nd.index)]
    if already:
        console.print(f"[yellow]已在运行 / already running: {', '.join(already)}[/yellow]")
    t0 = time.monotonic()
    procs.start_all()
    try:
        procs.wait_ready(90.0)
        connected = procs.wait_connected(30.0)
    except (ClusterError, KeyboardInterrupt):
        procs.stop_all()
        raise
    console.print(
        f"[green]✓ {spec.n} 个节点已就绪 / {spec.n} nodes ready[/green]"
        f" in {time.monotonic() - t0:.1f}s"
        + ("" if connected else " [yellow](not every node sees a quorum of peers yet)[/yellow]")
    )
    for nd in spec.nodes:
        console.print(f"  {nd.name}: {nd.url}  (docs {nd.url}/docs, log {nd.log_path})")
    if banner is not None:
        banner()
    console.print(status_table(procs.status()))
    if detach:
        console.print(
            f"后台运行 / running in the background; stop with: wuyi down --dir {spec.root}"
        )
        return
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        _signal.signal(_signal.SIGTERM, lambda *_: stop.set())
    console.print("按 Ctrl-C 停止全部节点 / press Ctrl-C to stop every node")
    reported: set[int] = set()
    try:
        while not stop.wait(1.0):
            for nd in spec.nodes:
                if nd.index not in reported and not procs.is_running(nd.index):
                    reported.add(nd.index)
                    code = procs.exit_code(nd.index)
                    err_console.print(
                        f"[red]{nd.name} exited[/red] (status {code}); see {nd.log_path}"
                    )
                elif nd.index in reported and procs.is_running(nd.index):
                    reported.discard(nd.index)
                    console.print(f"[green]{nd.name} is running again[/green] ({nd.url})")
    except KeyboardInterrupt:
        pass
    console.print("\n停止 / stopping every node ...")
    procs.stop_all()
    console.print("[green]✓ 已停止 / stopped[/green]")


@app.command("down")
@_cli_errors
def down(
    cluster_dir: ClusterDirOpt,
) -> None:
    """停止本地网络 / stop every node of a local network started by wuyi up --detach."""
    from wuyi.node.cluster import stop_network

    stopped = stop_network(cluster_dir)
    if stopped:
        console.print(f"[green]✓ 已停止 / stopped[/green] {', '.join(stopped)}")
    else:
        console.print("没有运行中的节点 / no node was running")


# -- demo ------------------------------------------------------------------------------------


@app.command("demo")
@_cli_errors
def demo(
    data: Annotated[Path, typer.Option("--data", help="演示数据目录 / demo data directory")],
    port: Annotated[int, typer.Option("--port", help="API 端口 / API port")] = 8600,
    host: Annotated[str, typer.Option("--host", help="监听地址 / listen address")] = "127.0.0.1",
    p2p_port: Annotated[
        int, typer.Option("--p2p-port", help="节点间端口 / first peer-to-peer port")
    ] = 26600,
) -> None:
    """演示 / run a demo chain of Jiangmen departments with sample records (make run)."""
    from wuyi.demo import run_demo

    run_demo(data, host=host, port=port, p2p_port=p2p_port, console=console)


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
