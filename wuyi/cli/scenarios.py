"""``wuyi cert ...`` and ``wuyi unit ...``: the e-certificates of the scenarios (不动产权证书,
人才准予迁入) — show one, check a credential against the chain, issue every pending one as a
department's issuer system — and the real-estate units with their whole history.

The routes and SDK helpers behind them are in ``docs/scenarios/api.md``."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Column, Table

from wuyi.cli.app import DEFAULT_NODE, KeyOpt, NodeOpt, PassFileOpt, _cli_errors, _kv, app, console

__all__ = ["cert_app", "unit_app"]

_cli = importlib.import_module("wuyi.cli.app")

cert_app = typer.Typer(
    help="电子证照 / e-certificates (不动产权证书, 人才准予迁入): show, verify, issue",
    no_args_is_help=True,
)
unit_app = typer.Typer(
    help="不动产单元 / real-estate units and their history across districts",
    no_args_is_help=True,
)
app.add_typer(cert_app, name="cert")
app.add_typer(unit_app, name="unit")


def _read(path: Path) -> str:
    from wuyi.exceptions import ValidationError

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"cannot read the credential file {path}: {exc}", field="file"
        ) from None


def _yes(ok: bool) -> str:
    return "[green]✓[/green]" if ok else "[red]✗[/red]"


# -- certificates ----------------------------------------------------------------------------


@cert_app.command("show")
@_cli_errors
def cert_show(
    cert_id: Annotated[str, typer.Argument(help="证照编号 / certificate id (BDC… or JMRC-…)")],
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """证照记录 / a certificate, its status and linked credentials."""
    from wuyi.sdk.scenarios import certificate

    with _cli._client(node) as c:
        cert = certificate(c, cert_id)
    rec = cert["record"]
    rows = [
        ("证照 / certificate", f"{cert['id']} {cert['title']} ({cert['type']})"),
        (
            "状态 / status",
            cert["status"] + (f" → {rec['superseded_by']}" if rec.get("superseded_by") else ""),
        ),
        ("权利人 / holders", ", ".join(cert["holders"])),
    ]
    if cert["contract"] == "realestate":
        shares = ", ".join(f"{s / 100:g}%" for s in rec["shares"])
        rows += [
            ("单元 / unit", rec["unit"]),
            ("份额 / shares", shares),
            ("登记机构 / office", rec["office"]),
        ]
    else:
        rows += [("途径 / route", rec["route"]), ("申请 / application", rec["application"])]
    rows += [("高度 / height", str(rec["height"])), ("承诺 / commitment", rec["commitment"])]
    _kv(rows)
    t = Table("权利人 / holder", "签发 / issuer", "状态 / status", title="凭证 / credentials")
    t.columns.insert(1, Column("idx", no_wrap=True))
    for x in cert["credentials"]:
        t.add_row(x["holder"], str(x["idx"]), x["org"], x["status"])
    console.print(t if cert["credentials"] else "尚未签发凭证 / no credential issued yet")


@cert_app.command("verify")
@_cli_errors
def cert_verify(
    file: Annotated[Path, typer.Argument(help="SD-JWT 文件，- 为标准输入 / file, - for stdin")],
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """核验证照凭证 / check an e-certificate credential against the chain (exit 1 if invalid)."""
    from wuyi.sdk.scenarios import check_certificate

    text = sys.stdin.read() if str(file) == "-" else _read(file)
    with _cli._client(node) as c:
        res = check_certificate(c, text.strip())
    for chk in res["checks"]:
        console.print(f"  {_yes(chk['ok'])} {chk['name']}: {escape(chk['detail'])}")
    if res["valid"]:
        cert = res["certificate"] or {}
        console.print(f"[green]有效 / valid[/green] {cert.get('id', '')} {cert.get('title', '')}")
    else:
        console.print("[red]无效 / invalid[/red]")
        raise typer.Exit(1)


@cert_app.command("issue")
@_cli_errors
def cert_issue(
    key: KeyOpt,
    out: Annotated[Path, typer.Option("--out", help="凭证输出目录 / where to write credentials")],
    contract: Annotated[
        str,
        typer.Option("--contract", help="realestate (不动产权证书) | settlement (人才准予迁入)"),
    ] = "realestate",
    passphrase_file: PassFileOpt = None,
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """签发待发证照 / issue every pending certificate the key's organisation may issue
    (one-shot, idempotent); each credential goes to OUT/<certificate>-<holder>.sd-jwt for its
    holder (``wuyi wallet add``)."""
    from wuyi.exceptions import ValidationError
    from wuyi.sdk.scenarios import Registry, Settlement

    if contract not in ("realestate", "settlement"):
        raise ValidationError("--contract is realestate or settlement", field="contract")
    k = _cli._load_key(key, passphrase_file)
    with _cli._client(node) as c:
        helper: Registry | Settlement = (Registry if contract == "realestate" else Settlement)(c)
        done = helper.issue_pending(k)
    out.mkdir(parents=True, exist_ok=True)
    for d in done:
        path = out / f"{d['certificate']}-{d['holder'].rsplit(':', 1)[-1]}.sd-jwt"
        path.write_text(d["credential"] + "\n", encoding="ascii")
        console.print(f"[green]✓[/green] {d['certificate']} → {d['holder']}  {path}")
    if not done:
        console.print("没有待签发的证照 / nothing pending")


# -- units -----------------------------------------------------------------------------------


@unit_app.command("list")
@_cli_errors
def unit_list(
    district: Annotated[
        str | None, typer.Option("--district", help="区县代码 / district code, e.g. 440703")
    ] = None,
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """不动产单元 / units (with owners, mortgages and seizures)."""
    from wuyi.sdk.scenarios import Registry

    with _cli._client(node) as c:
        units = Registry(c).units(district)
    t = Table("位置 / location", "用途 / use", "权利人 / owners", "抵押", "查封")
    t.columns.insert(0, Column("单元 / unit", no_wrap=True))
    for u in units:
        owners = ", ".join(f"{o['did']} {o['share'] / 100:g}%" for o in u["owners"])
        t.add_row(
            u["id"],
            escape(u["location"]),
            u["use"],
            owners,
            str(len(u["mortgages"])),
            str(len(u["seizures"])),
        )
    console.print(t)


def _what(e: dict[str, Any]) -> str:
    w = e["what"]
    if not isinstance(w, dict):
        return ""
    parts = []
    for k, v in w.items():
        if isinstance(v, list):
            v = ", ".join(o["did"] if isinstance(o, dict) else str(o) for o in v)
        parts.append(f"{k}={v}")
    return escape("; ".join(parts))


@unit_app.command("show")
@_cli_errors
def unit_show(
    unit_id: Annotated[str, typer.Argument(help="不动产单元号 / unit number")],
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """单元与全部历史 / a unit and its whole history across the offices."""
    from wuyi.sdk.scenarios import Registry

    with _cli._client(node) as c:
        reg = Registry(c)
        u = reg.unit(unit_id)
        hist = reg.history(unit_id)
    _kv(
        [
            ("单元 / unit", f"{u['id']} ({u['district']})"),
            ("位置 / location", escape(u["location"])),
            ("面积 / area", f"{u['area'] / 100:g} m²"),
            ("用途 / use", u["use"]),
            (
                "权利人 / owners",
                ", ".join(f"{o['did']} {o['share'] / 100:g}%" for o in u["owners"]),
            ),
            ("证书 / certificate", str(u["cert"])),
            (
                "抵押 / mortgages",
                ", ".join(f"{m['id']} {m['bank']}" for m in u["mortgages"]) or "-",
            ),
            ("查封 / seizures", ", ".join(f"{s['id']} {s['court']}" for s in u["seizures"]) or "-"),
            ("网签备案 / filing", str(u["filing"] or "-")),
        ]
    )
    t = Table("高度", "操作 / op", "机构 / org", "内容 / what", title="历史 / history")
    for e in hist:
        t.add_row(str(e["height"]), e["op"], e["org"], _what(e))
    console.print(t)
