"""养老服务 on the command line: ``wuyi eldercare board|institution|subsidies|caregiver|
timebank`` — the public board (grades computed by the contract, red list, subsidies, custody,
the time bank's totals), one institution's compliance records, its subsidies; a caregiver's
record and a time-bank account are signed reads (``--key``, or as the client reads).
``params`` / ``param-history`` (民政局's rules)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="养老服务 / elderly care: grades, subsidies, caregivers, custody, time bank",
    no_args_is_help=True,
)

from wuyi.cli.app import _kv  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402

from .sdk import Eldercare  # noqa: E402

__all__ = ["app", "hours", "yuan"]

OrgArg = Annotated[str, typer.Argument(help="机构 / the institution's organisation id")]
DidArg = Annotated[str, typer.Argument(help="DID")]


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def hours(minutes: int) -> str:
    return f"{minutes // 60}h{minutes % 60:02d}"


@command(app, "board")
def board(c: Any) -> None:
    """养老机构公示 / the public board."""
    b = Eldercare(c).board()
    rows = [
        [
            x["name"],
            str(x["grade"]),
            str(x["score"]),
            "红名单 / red" if x["red"] else "-",
            yuan(x["subsidies"]),
            f"{yuan(x['held'])} / {yuan(x['limit'])}",
            f"{x['fit']}/{x['caregivers']}",
        ]
        for x in b["institutions"]
    ]
    show_table(
        ["机构 / institution", "等级 / grade", "评分 / score", "红名单", "补贴 / subsidies",
         "存管 / held / limit", "可排班 / fit"],
        rows,
    )  # fmt: skip
    tb = b["time_bank"]
    _kv(
        [
            ("志愿者 / volunteers", str(tb["volunteers"])),
            ("存储 / stored", hours(tb["stored"])),
            ("累计 / earned", hours(tb["earned"])),
            ("兑换 / spent", hours(tb["spent"])),
            ("公益池 / pool", hours(tb["pool"])),
        ]
    )


@command(app, "institution")
def institution(c: Any, org: OrgArg) -> None:
    """一个机构的合规记录与等级 / one institution's records and grade."""
    x = Eldercare(c).institution(org)
    i, g = x["institution"], x["grade"]
    _kv(
        [
            ("机构 / institution", f"{i['name']} ({i['uscc']})"),
            ("床位 / beds", str(i["beds"])),
            (
                "等级 / grade",
                f"{g['grade']} ({g['score']})" + (" 红名单 / red" if g["red"] else ""),
            ),
            ("缺失 / missing", ", ".join(g["missing"]) or "-"),
            ("状态 / status", i["status"]),
        ]
    )
    rows = [
        [r["id"], r["category"], r["result"], r["severity"], r["valid_until"],
         r["rectify_by"] or "-"]
        for r in x["records"]
    ]  # fmt: skip
    show_table(["记录 / record", "类别", "结果", "严重程度", "有效期至", "整改期限"], rows)


@command(app, "subsidies")
def subsidies(c: Any, org: OrgArg) -> None:
    """运营补贴 / an institution's subsidies."""
    rows = [
        [x["period"], str(x["occupied"]), yuan(x["rate"]), yuan(x["fen"]), str(x["grade"])]
        for x in Eldercare(c).subsidies(org)
    ]
    show_table(["期间 / period", "入住床位", "标准 / rate", "金额 / amount", "等级"], rows)


@command(app, "caregiver")
def caregiver(c: Any, did: DidArg) -> None:
    """护理员资质与体检 / a caregiver's record (a signed read)."""
    x = Eldercare(c).caregiver(did)
    q, h = x["qualification"] or {}, x["health"] or {}
    _kv(
        [
            ("护理员 / caregiver", x["did"]),
            ("机构 / institution", str(x["institution"] or "-")),
            ("等级 / level", f"{q.get('level', '-')} → {q.get('valid_until', '-')}"),
            ("体检 / health check", f"{h.get('checked_on', '-')} → {h.get('valid_until') or '-'}"),
        ]
    )


@command(app, "timebank")
def timebank(c: Any, did: DidArg) -> None:
    """时间银行账户 / a time-bank account (a signed read)."""
    x = Eldercare(c).time_account(did)
    a = x["account"]
    _kv([("余额 / balance", hours(a["balance"])), ("待确认 / pending", hours(a["pending"]))])
    rows = [
        [v["id"], v["kind"], v["date"], hours(v["minutes"]), v["status"]] for v in x["services"]
    ]
    show_table(["服务 / service", "类别", "日期", "时长", "状态"], rows)
