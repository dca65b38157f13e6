"""The scenarios on the command line: ``wuyi <scenario> ...`` (each registered scenario's
``cli.py`` sub-app, with ``params`` and ``param-history`` added where the contract has
governed parameters), ``wuyi cert ...`` (the e-certificates of every scenario: show one,
check a credential against the chain, issue every pending one as a department's issuer
system) and ``wuyi scenario ...`` (list them; ``new`` scaffolds a scenario folder).

A scenario's ``cli.py`` may also name top-level aliases (``ALIASES = {"unit": unit_app}``)
that keep older commands working. The routes and SDK helpers behind them are in
``docs/scenarios/api.md``."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer
from rich.markup import escape
from rich.table import Table

from wuyi.cli.app import (
    DEFAULT_NODE,
    KeyOpt,
    NodeOpt,
    PassFileOpt,
    _cli_errors,
    _kv,
    app,
    console,
    show_table,
)
from wuyi.scenarios import Scenario, all_scenarios

__all__ = ["cert_app", "command", "mount_scenarios", "scenario_app", "show_table"]

_cli = importlib.import_module("wuyi.cli.app")


def _cert_scenarios() -> list[Scenario]:
    return [s for s in all_scenarios() if s.certificate is not None]


def _titles() -> str:
    return ", ".join(s.certificate.title for s in _cert_scenarios() if s.certificate)


cert_app = typer.Typer(
    help=f"电子证照 / e-certificates ({_titles()}): show, verify, issue", no_args_is_help=True
)
scenario_app = typer.Typer(help="应用场景 / the scenarios: list, scaffold", no_args_is_help=True)
app.add_typer(cert_app, name="cert")
app.add_typer(scenario_app, name="scenario")


ReadKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--read-key",
        help="签名读取的密钥 / sign the reads with this key (a member's, or a wallet's DID key):"
        " personal records and a private explorer need it (docs/api.md, signed reads)",
    ),
]
PurposeOpt = Annotated[
    str, typer.Option("--purpose", help="读取目的 / the purpose stated with signed reads")
]
DEFAULT_PURPOSE = "命令行查询 / command-line query"


def command(sub: typer.Typer, name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``@command(app, "show")`` on ``def show(c, unit_id: UnitArg) -> None``: a scenario
    command whose first argument is a client of the node ``--node`` names (added here, like
    every ``wuyi`` command's), with the CLI's errors. ``--read-key FILE`` (with
    ``--purpose``) signs its reads: the records of a scenario are personal records."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        hints = get_type_hints(fn, include_extras=True)
        params = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in list(inspect.signature(fn).parameters.values())[1:]
        ]
        kw = inspect.Parameter.KEYWORD_ONLY
        has_pass = any(p.name == "passphrase_file" for p in params)
        extra = [
            inspect.Parameter("node", kw, default=DEFAULT_NODE, annotation=NodeOpt),
            inspect.Parameter("read_key", kw, default=None, annotation=ReadKeyOpt),
            inspect.Parameter("purpose", kw, default=DEFAULT_PURPOSE, annotation=PurposeOpt),
        ]
        if not has_pass:
            extra.append(
                inspect.Parameter("passphrase_file", kw, default=None, annotation=PassFileOpt)
            )

        def run(
            *args: Any,
            node: str = DEFAULT_NODE,
            read_key: Path | None = None,
            purpose: str = DEFAULT_PURPOSE,
            **kwargs: Any,
        ) -> None:
            pass_file = (
                kwargs.get("passphrase_file") if has_pass else kwargs.pop("passphrase_file", None)
            )
            with _cli._client(node) as c:
                if read_key is not None:
                    c.read_as(_cli._load_key(read_key, pass_file), purpose)
                fn(c, *args, **kwargs)

        run.__doc__, run.__name__ = fn.__doc__, fn.__name__
        run.__signature__ = inspect.Signature([*params, *extra])  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in [*params, *extra]}
        sub.command(name)(_cli_errors(run))
        return fn

    return register


def read_text_file(path: Path, what: str = "credential") -> str:
    from wuyi.exceptions import ValidationError

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read the {what} file {path}: {exc}", field="file") from None


def _yes(ok: bool) -> str:
    return "[green]✓[/green]" if ok else "[red]✗[/red]"


def value_text(v: Any) -> str:
    """A parameter value on one line."""
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


# -- certificates ----------------------------------------------------------------------------

CertArg = Annotated[str, typer.Argument(help="证照编号 / certificate id")]
FileArg = Annotated[Path, typer.Argument(help="SD-JWT 文件，- 为标准输入 / file, - for stdin")]
OutOpt = Annotated[Path, typer.Option("--out", help="凭证输出目录 / where to write credentials")]
NameArg = Annotated[str, typer.Argument(help="参数名 / parameter name")]


@command(cert_app, "show")
def cert_show(c: Any, cert_id: CertArg) -> None:
    """证照记录 / a certificate, its status and linked credentials."""
    from wuyi.scenarios import by_contract
    from wuyi.sdk.scenarios import certificate

    cert = certificate(c, cert_id)
    rec = cert["record"]
    if "withheld" in rec:  # an unsigned read: the certificate's validity only
        _kv(
            [
                ("证照 / certificate", f"{cert['id']} {cert['title']} ({cert['type']})"),
                ("状态 / status", cert["status"]),
                ("权利人 / holders", "（个人记录：用 --read-key 签名读取 / personal: --read-key）"),
            ]
        )
        for x in cert["credentials"]:
            console.print(f"  {x['org']}/{x['idx']}: {x['status']}")
        return
    after = f" → {rec['superseded_by']}" if rec.get("superseded_by") else ""
    rows = [
        ("证照 / certificate", f"{cert['id']} {cert['title']} ({cert['type']})"),
        ("状态 / status", cert["status"] + after),
        ("权利人 / holders", ", ".join(cert["holders"])),
    ]
    s = by_contract(cert["contract"])
    if s.has("cli"):
        rows += getattr(s.module("cli"), "cert_rows", lambda rec: [])(rec)
    rows += [("高度 / height", str(rec["height"])), ("承诺 / commitment", rec["commitment"])]
    _kv(rows)
    links = [[x["holder"], x["idx"], x["org"], x["status"]] for x in cert["credentials"]]
    if links:
        heads = ["权利人 / holder", "idx", "签发 / issuer", "状态 / status"]
        show_table(heads, links, title="凭证 / credentials")
    else:
        console.print("尚未签发凭证 / no credential issued yet")


@command(cert_app, "verify")
def cert_verify(c: Any, file: FileArg) -> None:
    """核验证照凭证 / check an e-certificate credential against the chain (exit 1 if invalid)."""
    from wuyi.sdk.scenarios import check_certificate

    text = sys.stdin.read() if str(file) == "-" else read_text_file(file)
    res = check_certificate(c, text.strip())
    for chk in res["checks"]:
        console.print(f"  {_yes(chk['ok'])} {chk['name']}: {escape(chk['detail'])}")
    if not res["valid"]:
        console.print("[red]无效 / invalid[/red]")
        raise typer.Exit(1)
    cert = res["certificate"] or {}
    console.print(f"[green]有效 / valid[/green] {cert.get('id', '')} {cert.get('title', '')}")


def _contract_help() -> str:
    kinds = [f"{s.contract} ({s.certificate.title})" for s in _cert_scenarios() if s.certificate]
    return " | ".join(kinds)


ContractOpt = Annotated[str | None, typer.Option("--contract", help=_contract_help())]


@command(cert_app, "issue")
def cert_issue(
    c: Any,
    key: KeyOpt,
    out: OutOpt,
    contract: ContractOpt = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """签发待发证照 / issue every pending certificate the key's organisation may issue
    (one-shot, idempotent); each credential goes to OUT/<certificate>-<holder>.sd-jwt for its
    holder (``wuyi wallet add``). ``--contract``: default the first scenario with
    e-certificates."""
    from wuyi.exceptions import ValidationError

    by_name = {str(s.contract): s.name for s in _cert_scenarios()}
    contract = contract or next(iter(by_name))
    if contract not in by_name:
        raise ValidationError(f"--contract is one of {', '.join(by_name)}", field="contract")
    done = c.scenario(by_name[contract]).issue_pending(_cli._load_key(key, passphrase_file))
    out.mkdir(parents=True, exist_ok=True)
    for d in done:
        path = out / f"{d['certificate']}-{d['holder'].rsplit(':', 1)[-1]}.sd-jwt"
        path.write_text(d["credential"] + "\n", encoding="ascii")
        console.print(f"[green]✓[/green] {d['certificate']} → {d['holder']}  {path}")
    if not done:
        console.print("没有待签发的证照 / nothing pending")


# -- a scenario's governed parameters --------------------------------------------------------


def _change(r: dict[str, Any], value: Any) -> list[Any]:
    """A change record as a table row: value, from, by, reason, legal basis."""
    return [
        escape(value_text(value)),
        r["effective_height"],
        r.get("org", ""),
        escape(str(r.get("reason", ""))),
        escape(str(r.get("basis", ""))),
    ]


CHANGE = ["生效 / from", "变更人 / by", "理由 / reason", "依据 / legal basis"]


def _add_param_commands(sub: typer.Typer, s: Scenario) -> None:
    @command(sub, "params")
    def params(c: Any) -> None:
        """政策参数 / the contract's parameters in force, with their latest change and its
        legal basis."""
        rows = [
            [p["name"], *_change(p["latest"], p["value"])]
            + (["待生效 / pending"] if p["pending"] else [""])
            for p in c.scenario(s.name).params()
        ]
        show_table(["参数 / name", "值 / value", *CHANGE, ""], rows)

    @command(sub, "param-history")
    def param_history(c: Any, name: NameArg) -> None:
        """参数变更记录 / every change of a parameter, with its author, reason and basis."""
        rows = [
            [r["height"], *_change(r, r["value"])] for r in c.scenario(s.name).param_history(name)
        ]
        show_table(["高度", "值 / value", *CHANGE], rows)


# -- the registry ----------------------------------------------------------------------------


@scenario_app.command("list")
def scenario_list() -> None:
    """已注册的应用场景 / the registered scenarios (wuyi/scenarios/__init__.py)."""
    t = Table("场景 / scenario", "名称 / title", "合约 / contract", "电子证照 / certificate")
    for s in all_scenarios():
        cert = s.certificate.title if s.certificate else "-"
        t.add_row(s.name, f"{s.title} / {s.title_en}", s.contract or "(native)", cert)
    console.print(t)


_MOUNTED: list[str] = []


@scenario_app.command("new")
@_cli_errors
def scenario_new(
    name: Annotated[str, typer.Argument(help="场景名 / the folder's name, e.g. permits")],
    title: Annotated[str, typer.Option("--title", help="中文名称 / Chinese title")] = "新场景",
    title_en: Annotated[str, typer.Option("--title-en", help="English title")] = "New scenario",
    org: Annotated[str, typer.Option("--org", help="主管部门 / the department's org id")] = "sjj",
    folder: Annotated[
        Path | None, typer.Option("--dir", help="写到别处（不登记）/ write elsewhere, unregistered")
    ] = None,
    package: Annotated[
        str | None, typer.Option("--package", help="--dir 的包名 / the package --dir imports as")
    ] = None,
    tests: Annotated[
        Path | None, typer.Option("--tests", help="测试目录 / where the test goes")
    ] = None,
) -> None:
    """新建场景 / scaffold a scenario folder (contract, api, sdk, cli, demo, console, README)
    with its registry line and a test that passes at once (docs/architecture.md)."""
    from wuyi.scenarios.scaffold import scaffold

    if folder is not None and package is None:
        package = name
    done = scaffold(
        name, title=title, title_en=title_en, org=org, folder=folder, package=package, tests=tests
    )
    console.print(f"[green]✓[/green] {done.folder}  ({done.package})")
    console.print(f"  test: {done.test}")
    if done.registered:
        console.print(f'  registry: "{name}" added to wuyi/scenarios/__init__.py')
    else:
        console.print(
            f'  registry: add "{done.package}" to SCENARIOS in wuyi/scenarios/__init__.py'
        )


def mount_scenarios(scenarios: Any = None) -> None:
    """``wuyi <scenario> ...`` for each registered scenario with a ``cli.py`` (and its
    aliases); each once."""
    for s in all_scenarios() if scenarios is None else scenarios:
        if s.name in _MOUNTED:
            continue
        _MOUNTED.append(s.name)
        if not s.has("cli"):
            continue
        mod = s.module("cli")
        if s.contract and s.params_owner:
            _add_param_commands(mod.app, s)
        app.add_typer(mod.app, name=s.name, help=f"{s.title} / {s.title_en}")
        for alias, sub in getattr(mod, "ALIASES", {}).items():
            app.add_typer(sub, name=alias)
