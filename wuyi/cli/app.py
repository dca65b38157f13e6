"""Commands of ``wuyi``. Every failure prints ``错误 / error [code]: message`` and exits 1;
``wuyi verify`` prints ``验证失败 / verification failed: ...``."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wuyi.exceptions import EncodingError, ProofInvalid, ValidationError, WuyiError

__all__ = ["app", "main"]

DEFAULT_NODE = "http://127.0.0.1:8600"
NODE_ENV = "WUYI_NODE"

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

app = typer.Typer(
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
    str, typer.Option("--node", envvar=NODE_ENV, help="节点 API 地址 / node API URL")
]
PassFileOpt = Annotated[
    Path | None,
    typer.Option("--passphrase-file", help="口令文件 / passphrase file (else $WUYI_PASSPHRASE)"),
]
SuiteOpt = Annotated[str, typer.Option("--suite", help="密码套件 sm (国密) | intl / crypto suite")]


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


def _client(node: str) -> Any:
    from wuyi.sdk import WuyiClient

    return WuyiClient(node)


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
    home: Annotated[Path, typer.Option("--home", help="节点目录 / node home directory")],
    chain_id: Annotated[str, typer.Option("--chain-id", help="链标识 / chain id")],
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
    home: Annotated[Path, typer.Option("--home", help="节点目录 / node home directory")],
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
    home: Annotated[Path, typer.Option("--home", help="节点目录 / node home directory")],
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
def status(node: NodeOpt = DEFAULT_NODE) -> None:
    """链状态 / show a node's chain status."""
    with _client(node) as c:
        st = c.status()
    rows = [
        ("链 / chain", f"{st.chain_id} {st.name}"),
        ("套件 / suite", st.suite),
        ("高度 / height", str(st.height)),
        ("最新区块 / last block", f"{st.last_block_hash} ({_fmt_time(st.last_block_time)})"),
        ("创世哈希 / genesis", st.genesis_hash),
        ("交易池 / mempool", str(st.mempool_size)),
    ]
    rows += [("验证者 / validator", f"{v.name} {v.address}") for v in st.validators]
    _kv(rows)


# -- identity --------------------------------------------------------------------------------


KeyOpt = Annotated[Path, typer.Option("--key", help="签名密钥文件 / signing key file")]


def _commit(
    node: str, key_file: Path, passphrase_file: PassFileOpt, build: Callable[[Any], Any]
) -> Any:
    from wuyi.sdk.client import raise_receipt

    key = _load_key(key_file, passphrase_file)
    with _client(node) as c:
        res = c.submit(build(c.builder(key)), wait=True)
    if res.receipt.status != "ok":
        raise_receipt(res.receipt)
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
    t = Table("id", "名称 / name", "operator", "状态 / status")
    for o in orgs:
        t.add_row(o.id, o.name, "✓" if o.operator else "", o.status)
    console.print(t)


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
    from wuyi.sdk.client import raise_receipt

    document = _read_file(file)
    k = _load_key(key, passphrase_file)
    with _client(node) as c:
        doc_hash, res = c.anchor(k, document, meta=_parse_meta(meta or []), wait=True)
    if res.receipt.status != "ok":
        raise_receipt(res.receipt)
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
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"[green]✓ 已导出 / written[/green] {out}  (doc hash {h.hex()})")
    console.print(f"  离线核验 / verify offline: wuyi verify {out}" + (f" {file}" if file else ""))


@app.command("verify")
def verify(
    bundle_file: Annotated[Path, typer.Argument(help="证明包 / bundle.json")],
    file: Annotated[
        Path | None, typer.Argument(help="文档（可选）/ the document (optional)")
    ] = None,
    genesis_hash: Annotated[
        str | None, typer.Option("--genesis-hash", help="固定创世哈希 / pin the chain (hex)")
    ] = None,
) -> None:
    """离线核验 / verify a proof bundle offline (no node), optionally against the document."""
    from wuyi.ledger.bundle import validate_bundle
    from wuyi.ledger.jsonform import from_json

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
        bundle_obj = from_json(json.loads(text))
        if not isinstance(bundle_obj, dict):
            raise ProofInvalid("bundle is not a JSON object")
        report = validate_bundle(bundle_obj, document, genesis_hash=pinned)
    except json.JSONDecodeError as exc:
        raise fail(f"bundle is not valid JSON: {exc}") from None
    except (ProofInvalid, EncodingError, ValidationError) as exc:
        raise fail(exc.message) from None
    except WuyiError as exc:
        raise fail(f"[{exc.code}] {exc.message}") from None

    for check in report.checks:
        console.print(f"[green]✓[/green] {escape(check)}")
    console.print()
    status_txt = (
        "[green]有效 / active[/green]"
        if report.status == "active"
        else f"[red]已撤销 / {report.status}[/red]"
    )
    rec = bundle_obj["record"]
    rows = [
        ("链 / chain", f"{report.chain_id} ({report.suite})"),
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
    _kv(rows, "核验通过 / verified")


# -- demo ------------------------------------------------------------------------------------


@app.command("demo")
@_cli_errors
def demo(
    data: Annotated[Path, typer.Option("--data", help="演示数据目录 / demo data directory")],
    port: Annotated[int, typer.Option("--port", help="API 端口 / API port")] = 8600,
    host: Annotated[str, typer.Option("--host", help="监听地址 / listen address")] = "127.0.0.1",
) -> None:
    """演示 / run a demo chain of Jiangmen departments with sample records (make run)."""
    from wuyi.demo import run_demo

    run_demo(data, host=host, port=port, console=console)


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
