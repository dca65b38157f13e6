"""金融服务 on the command line: ``wuyi finance stats`` — financing by sector and bank (public
aggregates); ``loan ID``, ``bank BANK``, ``credit DID``, ``alerts`` — signed reads
(``--read-key``: a banker's key, the enterprise's wallet key, a supervisor's); ``params`` /
``param-history`` (金融局's governed parameters)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="金融服务 / SME finance: stats, loans, consents, alerts", no_args_is_help=True
)

from wuyi.cli.app import _kv  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402

from .sdk import Finance  # noqa: E402

__all__ = ["app"]


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def pct(bp: int) -> str:
    return f"{bp / 100:.2f}%"


def row(r: dict[str, Any]) -> list[Any]:
    return [
        r["key"],
        yuan(r["outstanding"]),
        r["loans"],
        pct(r["overdue_rate_bp"]),
        pct(r["npl_rate_bp"]),
    ]


@command(app, "stats")
def stats(c: Any) -> None:
    """融资统计 / financing by sector and bank (outstanding, overdue and NPL rates)."""
    st = Finance(c).stats()
    t = st["total"]
    _kv(
        [
            ("贷款余额 / outstanding", yuan(t["outstanding"])),
            ("在贷笔数 / loans", str(t["loans"])),
            ("逾期率 / overdue rate", pct(t["overdue_rate_bp"])),
            ("不良率 / NPL rate", pct(t["npl_rate_bp"])),
            ("累计放款 / disbursed", yuan(t["disbursed"])),
            ("企业 / enterprises", str(st["enterprises"])),
            ("申请 / applications", ", ".join(f"{k} {v}" for k, v in st["applications"].items())),
        ]
    )
    for title, rows in (
        ("按行业 / by sector", st["by_sector"]),
        ("按银行 / by bank", st["by_bank"]),
    ):
        show_table(
            ["", "余额 / outstanding", "笔数 / loans", "逾期率 / overdue", "不良率 / NPL"],
            [row(r) for r in rows],
            title=title,
        )


# -- signed reads (``--read-key``: a banker's, the enterprise's wallet key, a supervisor's) ------

LoanArg = Annotated[str, typer.Argument(help="申请编号 / application or loan id, e.g. LA00000001")]
DidArg = Annotated[str, typer.Argument(help="企业数字身份 / the enterprise's DID")]
BankArg = Annotated[str, typer.Argument(help="银行机构 / the bank's organisation id")]
StatusOpt = Annotated[str | None, typer.Option("--status", help="只看此状态 / only this status")]


def decision(d: dict[str, Any]) -> str:
    if not d:
        return "-"
    if d["approved"]:
        return f"{yuan(d['amount'])} · {d['rate_bp'] / 100:.2f}% · {d['term_months']} ({d['on']})"
    return f"拒绝 / refused: {d['reason']} ({d['on']})"


@command(app, "loan")
def loan(c: Any, loan_id: LoanArg) -> None:
    """一笔申请或贷款 / an application or loan (the enterprise or its bank: --read-key)."""
    a = Finance(c).application(loan_id)
    d = a.get("decision") or {}
    _kv(
        [
            ("申请 / application", f"{a['id']} ({a['status']})"),
            ("企业 / enterprise", a["enterprise"]),
            ("银行 / bank", a["bank"]),
            ("申请金额 / applied", f"{yuan(a['amount'])} · {a['term_months']} · {a['purpose']}"),
            ("审批 / decision", decision(d)),
            ("余额 / outstanding", yuan(a["outstanding"])),
            ("到期 / due", str(a.get("due") or "-")),
            ("逾期 / overdue", str((a.get("overdue") or {}).get("dpd", "-"))),
            ("担保 / pledges", ", ".join(p["ref"] for p in a["pledges"]) or "-"),
            ("授权 / consents", ", ".join(a["consents"]) or "-"),
        ]
    )


@command(app, "bank")
def bank(c: Any, bank_id: BankArg, status: StatusOpt = None) -> None:
    """本行申请与贷款 / a bank's own applications (its bankers: --read-key)."""
    rows = [
        [a["id"], a["enterprise"], a["sector"], yuan(a["amount"]), a["status"], a["applied_on"]]
        for a in Finance(c).bank_applications(bank_id, status=status)
    ]
    show_table(["申请 / id", "企业 / enterprise", "行业", "金额 / amount", "状态", "日期"], rows)


@command(app, "credit")
def credit(c: Any, did: DidArg) -> None:
    """多头借贷与不良记录 / exposure across banks and negative records (a bank with a live
    consent, or the enterprise: --read-key)."""
    x = Finance(c).credit(did)
    _kv(
        [
            ("贷款银行数 / lenders", str(x["lenders"])),
            ("余额合计 / total", yuan(x["total"])),
            ("逾期 / overdue", "是 yes" if x["overdue"] else "否 no"),
        ]
    )
    show_table(
        ["开始 / started", "终止 / ended", "逾期天数 / dpd", "金额 / amount", "来源 / source"],
        [
            [n["started"], n["ended"] or "-", n["dpd"], yuan(n["amount"]), n["source"]]
            for n in x["negative_records"]
        ],
        title="不良记录 / negative records",
    )


@command(app, "alerts")
def alerts(c: Any, status: StatusOpt = None) -> None:
    """监管预警 / 金融局's alerts (its supervisors: --read-key)."""
    rows = [
        [a["id"], a["kind"], a["enterprise"], a["value"], a["threshold"], a["on"], a["status"]]
        for a in Finance(c).alerts(status=status)
    ]
    show_table(["预警", "类型 / kind", "企业", "指标", "阈值", "日期", "状态"], rows)
