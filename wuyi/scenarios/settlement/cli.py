"""人才引进落户 on the command line: ``wuyi settlement status|application`` — an applicant's
applications and certificate, one decision with its failed rules or points; ``params`` /
``param-history`` (人社局's rules)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(help="人才引进落户 / talent settlement: status, decisions", no_args_is_help=True)

from wuyi.cli.app import _kv, console  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402
from wuyi.scenarios.settlement.sdk import Settlement  # noqa: E402

__all__ = ["app", "cert_rows"]

DidArg = Annotated[str, typer.Argument(help="申请人 DID / the applicant's DID")]
AppArg = Annotated[str, typer.Argument(help="申请编号 / application id, e.g. JMTS-00001")]


def cert_rows(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """What ``wuyi cert show`` shows of a 人才准予迁入 certificate."""
    return [("途径 / route", rec["route"]), ("申请 / application", rec["application"])]


@command(app, "status")
def status(c: Any, did: DidArg) -> None:
    """落户进度 / an applicant's applications and certificate."""
    st = Settlement(c).status(did)
    apps = [[a["id"], a["route"], a["result"], a["height"]] for a in st["applications"]]
    show_table(["申请 / application", "途径 / route", "结果 / result", "高度"], apps)
    console.print(f"证书 / certificate: {st['certificate'] or '-'}")


@command(app, "application")
def application(c: Any, app_id: AppArg) -> None:
    """一项落户决定 / one decision: the failed rules or the points breakdown."""
    a = Settlement(c).application(app_id)
    rows = [
        ("申请 / application", f"{a['id']} ({a['route']})"),
        ("结果 / result", a["result"]),
        ("高度 / height", str(a["height"])),
    ]
    rows += [("未通过 / failed", f"{f['rule']}: {f['message']}") for f in a.get("failed") or []]
    if a.get("points"):
        pts = ", ".join(f"{k} {v}" for k, v in a["points"].items())
        rows.append(("积分 / points", f"{pts} = {a['total']} / {a['threshold']}"))
    if a.get("certificate"):
        rows.append(("证书 / certificate", a["certificate"]))
    _kv(rows)
