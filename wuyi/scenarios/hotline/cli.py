"""12345 热线 on the command line: ``wuyi hotline scores|stats|tickets|ticket`` — the public
board of department scores in tiers, the public statistics, tickets and one ticket's
transitions (signed reads: ``--read-as``); ``params`` / ``param-history`` (the centre's
rules: deadlines, catalogue, weights)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="12345热线 / 12345 hotline: tickets, department scores, statistics",
    no_args_is_help=True,
)

from wuyi.cli.app import _kv  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402

from .sdk import Hotline  # noqa: E402

__all__ = ["app"]

PeriodOpt = Annotated[str, typer.Option("--period", help="a month YYYY-MM (default: all time)")]
StatusOpt = Annotated[str | None, typer.Option("--status", help="e.g. dispatched, closed")]
DeptOpt = Annotated[str | None, typer.Option("--dept", help="the unit's organisation id")]
TicketArg = Annotated[str, typer.Argument(help="工单编号 / ticket id, e.g. RX000001")]


def permille(v: int | None) -> str:
    return "-" if v is None else f"{v / 10:.1f}%"


@command(app, "scores")
def scores(c: Any, period: PeriodOpt = "") -> None:
    """部门评价 / department scores in tiers (not a ranking)."""
    rows = [
        [
            x["org"],
            x["tier"],
            "-" if x["score"] is None else str(x["score"]),
            permille(x["signoff_rate"]),
            permille(x["on_time_rate"]),
            permille(x["satisfaction_rate"]),
            permille(x["return_rate"]),
            str(x["improper_returns"]),
            permille(x["repeat_rate"]),
        ]
        for x in Hotline(c).scores(period)
    ]
    show_table(
        ["单位 / unit", "档次 / tier", "得分", "签收及时", "按时办结", "满意率", "退单率",
         "不当退单", "重复率"],
        rows,
    )  # fmt: skip


@command(app, "stats")
def stats(c: Any) -> None:
    """公开统计 / the public statistics (counts only)."""
    s = Hotline(c).statistics()
    joined = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items()) if v) or "-"  # noqa: E731
    _kv(
        [
            ("工单 / tickets", str(s["total"])),
            ("状态 / status", joined(s["status"])),
            ("类别 / category", joined(s["category"])),
            ("区县 / district", joined(s["district"])),
            ("月份 / month", joined(s["month"])),
            ("按时 / on time", f"{s['on_time']} (超时 late {s['late']})"),
            ("回访 / revisits", joined(s["results"])),
        ]
    )


@command(app, "tickets")
def tickets(c: Any, status: StatusOpt = None, dept: DeptOpt = None) -> None:
    """工单 / tickets, newest first (a signed read: the centre, the unit, auditors)."""
    rows = [
        [t["id"], t["category"], t["matter"], t["status"], t["dept"] or "-", t["due"] or "-"]
        for t in Hotline(c).tickets(status=status, dept=dept)
    ]
    show_table(
        ["工单 / id", "类别", "事项 / matter", "状态 / status", "承办 / unit", "期限 / due"], rows
    )


@command(app, "ticket")
def ticket(c: Any, ticket_id: TicketArg) -> None:
    """一张工单及其流转 / one ticket and its transitions."""
    t = Hotline(c).ticket(ticket_id)
    _kv(
        [
            ("工单 / ticket", f"{t['id']} ({t['status']})"),
            ("类别 / category", f"{t['category']} · {t['matter']} · {t['district']}"),
            ("受理 / received", t["received_on"]),
            ("期限 / due", str(t["due"] or "-")),
            ("承办 / unit", str(t["dept"] or "-")),
            ("回访 / result", str(t["result"] or "-")),
        ]
    )
    show_table(
        ["步骤 / step", "从 / from", "到 / to", "单位 / org", "日期 / date", "理由 / reason"],
        [
            [x["step"], str(x["from"]), x["to"], str(x["org"] or x["did"] or "-"), x["date"],
             str(x["reason"] or "")]
            for x in t["trace"]
        ],
    )  # fmt: skip
