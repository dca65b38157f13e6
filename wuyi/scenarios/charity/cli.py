"""慈善捐赠 on the command line: ``wuyi charity charities|projects|project|flows|alerts|
dashboard|follow`` — what the public sees of the charities and their projects, where the money
went, the alerts to 民政局, a donor following their own donation (receipt number and secret;
only the tracking key derived from the secret is sent); ``params`` / ``param-history``
(民政局's parameters)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="慈善捐赠 / charity donations: projects, flows, alerts, follow a donation",
    no_args_is_help=True,
)

from wuyi.cli.app import _kv  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402

from .sdk import Charity, DonorSecret  # noqa: E402

__all__ = ["app"]

ProjectArg = Annotated[str, typer.Argument(help="项目编号 / project id, e.g. P000001")]
CharityOpt = Annotated[str | None, typer.Option("--charity", help="慈善组织 / charity id")]
StatusOpt = Annotated[str | None, typer.Option("--status", help="filed|open|closed")]


def _yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


@command(app, "charities")
def charities(c: Any) -> None:
    """慈善组织与公开募捐资格 / charities and their qualification."""
    rows = []
    for x in Charity(c).charities():
        q = x.get("qualification") or {}
        rows.append([x["id"], x["name"], x["kind"], x["registered_on"], q.get("status", "-")])
    show_table(
        ["机构 / id", "名称 / name", "类型 / kind", "登记 / registered", "资格 / qual."], rows
    )


@command(app, "projects")
def projects(c: Any, charity: CharityOpt = None, status: StatusOpt = None) -> None:
    """募捐项目 / projects, newest first: money in and out, disclosure and idle flags."""
    rows = [
        [
            p["id"],
            p["title"],
            p["charity"],
            p["status"],
            _yuan(p["in"]),
            _yuan(p["out"]),
            "逾期 / overdue" if p["overdue"] else "-",
            "闲置 / idle" if p["idle"] else "-",
        ]
        for p in Charity(c).projects(charity=charity, status=status)
    ]
    show_table(
        ["项目", "名称 / title", "机构", "状态", "收入 / in", "支出 / out", "公开", "预警"], rows
    )


@command(app, "project")
def project(c: Any, project_id: ProjectArg) -> None:
    """一个项目 / a project: plan, totals, disclosures owed."""
    p = Charity(c).project(project_id)
    t = p["totals"]
    _kv(
        [
            ("项目 / project", f"{p['id']} {p['title']} ({p['status']})"),
            ("机构 / charity", p["charity"]),
            ("期间 / window", f"{p['start']} – {p['closed_on'] or p['end']}"),
            ("用途 / purposes", ", ".join(p["purposes_now"])),
            ("收入 / in", f"{_yuan(t['in'])} ({t['donations']} 笔 / donations)"),
            ("支出 / out", _yuan(t["out"])),
            ("票据 / receipts", f"{t['issued']} + 匿名 {t['anonymous']} + 不要 {t['declined']}"),
            ("闲置 / idle", str(p["idle"] or "-")),
        ]
    )
    rows = [
        [s["kind"], s["n"], s["due"], (s["done"] or {}).get("on", "-"), "!" if s["overdue"] else ""]
        for s in p["disclosure"]
    ]
    show_table(["公开 / kind", "#", "期限 / due", "公开日 / on", "逾期"], rows, title="信息公开")


@command(app, "flows")
def flows(c: Any, project_id: ProjectArg) -> None:
    """款物去向 / each disbursement and the donations it drew on (first in, first out)."""
    f = Charity(c).flows(project_id)
    rows = [
        [
            x["id"],
            x["purpose"],
            _yuan(x["amount"]),
            ", ".join(f"{a['donation']} {_yuan(a['fen'])}" for a in x["allocations"]),
        ]
        for x in f["disbursements"]
    ]
    show_table(["支出 / out", "用途 / purpose", "金额", "来自捐赠 / from"], rows)


@command(app, "alerts")
def alerts(c: Any) -> None:
    """预警 / alerts to 民政局: overdue disclosures, idle money, year-end ratios."""
    rows = [
        [a["id"], a["date"], a["kind"], a["charity"], a["project"] or "-", a["detail"]]
        for a in Charity(c).alerts()
    ]
    show_table(["预警", "日期", "类型 / kind", "机构", "项目", "详情 / detail"], rows)


@command(app, "dashboard")
def dashboard(c: Any) -> None:
    """慈善监管概览 / the overview."""
    d = Charity(c).dashboard()
    _kv(
        [
            ("慈善组织 / charities", f"{d['charities']} (有资格 / qualified {d['qualified']})"),
            ("项目 / projects", ", ".join(f"{k} {v}" for k, v in d["projects"].items())),
            ("收入 / in", _yuan(d["money_in"])),
            ("支出 / out", _yuan(d["money_out"])),
            ("逾期公开 / overdue", str(d["overdue"])),
            ("闲置预警 / idle", str(d["idle"])),
        ]
    )


@command(app, "follow")
def follow(
    c: Any,
    charity: Annotated[str, typer.Argument(help="慈善组织 / charity id")],
    receipt_no: Annotated[str, typer.Argument(help="捐赠票据号码 / receipt number")],
    secret: Annotated[str, typer.Option("--secret", help="捐赠人密钥（64位十六进制）/ secret")],
) -> None:
    """捐赠追踪 / follow your donation (only the tracking key derived from the secret is
    sent)."""
    got = Charity(c).follow(charity, receipt_no, DonorSecret.from_hex(secret))
    d = got["donation"]
    _kv(
        [
            ("项目 / project", f"{d['project']} {got['project']}"),
            ("捐赠 / donation", f"{d['id']} {_yuan(d.get('amount') or 0)} ({d['received_on']})"),
            ("未用 / remaining", _yuan(d.get("remaining") or 0)),
        ]
    )

    def share(a: dict[str, Any], to: dict[str, Any]) -> str:
        return _yuan(a["fen"]) if "fen" in a else f"{a['quantity']} {to['unit']}"

    rows = [
        [w["to"]["id"], w["to"]["purpose"], share(w["allocation"], w["to"]), w["to"]["date"]]
        for w in got["went"]
    ]
    show_table(["去向 / to", "用途 / purpose", "金额 / amount", "日期 / date"], rows)
