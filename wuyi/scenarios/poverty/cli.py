"""精准扶贫 on the command line: ``wuyi poverty overview|notices|notice|programmes|flow|projects|
alerts`` — the public totals, the beneficiary notices (masked names), the programmes and a
programme's flow (budget → programme → project → beneficiary), projects and alerts;
``params`` / ``param-history`` (乡村振兴局's rules)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="精准扶贫 / targeted poverty alleviation: notices, funds flow, alerts",
    no_args_is_help=True,
)

from wuyi.cli.app import _kv  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402

from .sdk import PovertyRelief  # noqa: E402

__all__ = ["app", "yuan"]

NoticeArg = Annotated[str, typer.Argument(help="公示编号 / notice id, e.g. GS000001")]
ProgrammeArg = Annotated[str, typer.Argument(help="资金计划 / programme id, e.g. JH000001")]
StatusOpt = Annotated[str | None, typer.Option("--status", help="open|approved")]


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


@command(app, "overview")
def overview(c: Any) -> None:
    """总览 / households by status and the money at each level."""
    o = PovertyRelief(c).overview()
    _kv(
        [
            ("农户 / households", ", ".join(f"{k} {v}" for k, v in o["households"].items()) or "-"),
            ("预算 / budgets", yuan(o["budget"])),
            ("下达计划 / to programmes", yuan(o["programmes"])),
            ("安排项目 / to projects", yuan(o["projects"])),
            ("已支付 / paid", yuan(o["paid"])),
            ("预警 / alerts", str(o["alerts"])),
            ("监测 / open cases", str(o["open_cases"])),
        ]
    )


@command(app, "notices")
def notices(c: Any, status: StatusOpt = None) -> None:
    """公示 / the beneficiary notices, newest first."""
    rows = [
        [n["id"], n["village"], n["start"], n["ends"], n["status"], str(len(n["entries"])),
         str(len(n["objections"]))]
        for n in PovertyRelief(c).notices(status=status)
    ]  # fmt: skip
    show_table(["公示 / id", "村 / village", "起 / from", "止 / to", "状态 / status", "户数",
                "异议"], rows)  # fmt: skip


@command(app, "notice")
def notice(c: Any, notice_id: NoticeArg) -> None:
    """一份公示 / one notice: masked names, sizes, objections."""
    n = PovertyRelief(c).notice(notice_id)
    rows = [
        [e["household"], e["masked"], str(e["size"]), st]
        for e, st in zip(n["entries"], n["statuses"], strict=True)
    ]
    show_table(["农户 / household", "姓名 / name", "人口 / size", "状态 / status"], rows)
    for o in n["objections"]:
        print(f"异议 / objection {o['id']}: {o['household']} {o['reason']} {o['status']}")


@command(app, "programmes")
def programmes(c: Any) -> None:
    """资金计划 / the programmes."""
    rows = [
        [g["id"], g["name"], g["source"], str(g["year"]), yuan(g["amount"]), yuan(g["allocated"]),
         yuan(g["paid"])]
        for g in PovertyRelief(c).programmes()
    ]  # fmt: skip
    show_table(["计划 / id", "名称 / name", "来源", "年度", "金额 / amount", "已安排", "已支付"],
               rows)  # fmt: skip


@command(app, "flow")
def flow(c: Any, programme_id: ProgrammeArg) -> None:
    """资金流向 / a programme's flow, budget → programme → projects → beneficiaries."""
    f = PovertyRelief(c).flow(programme_id)
    b, g = f["budget"], f["programme"]
    print(f"{b['id']} {b['source']} {b['year']} {yuan(b['amount'])}")
    print(f"└─ {g['id']} {g['name']} {yuan(g['amount'])} (paid {yuan(g['paid'])})")
    for p in f["projects"]:
        print(f"   └─ {p['id']} {p['name']} {p['village']} {yuan(p['amount'])} [{p['status']}]")
        for x in p["payees"]:
            print(f"      └─ {x['label']} {yuan(x['amount'])} ({x['payments']})")


@command(app, "projects")
def projects(c: Any) -> None:
    """项目 / the projects."""
    rows = [
        [p["id"], p["name"], p["village"], p["purpose"], p["kind"], yuan(p["amount"]),
         yuan(p["allocated"]), p["status"]]
        for p in PovertyRelief(c).projects()
    ]  # fmt: skip
    show_table(
        ["项目 / id", "名称", "村 / village", "用途", "类型", "金额", "已支付", "状态"], rows
    )


@command(app, "alerts")
def alerts(c: Any) -> None:
    """预警 / idle funds, missing use receipts, late approvals."""
    rows = [[a["kind"], a["id"], yuan(a["amount"]), a["since"]] for a in PovertyRelief(c).alerts()]
    show_table(["预警 / kind", "对象 / id", "金额 / amount", "自 / since"], rows)
