"""消费维权 on the command line: ``wuyi consumer merchants|merchant|dashboard|alerts|
complaints|complaint|contract`` — the public merchant credit view, one merchant's custody,
reconciliations and complaints, the regulator's totals and alerts, complaints with their
deadlines, a prepaid contract's trace; ``params`` / ``param-history`` (市场监管局's rules)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="消费维权 / consumer protection: merchant credit, custody, complaints",
    no_args_is_help=True,
)

from rich.markup import escape  # noqa: E402

from wuyi.cli.app import _kv  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402

from .sdk import ConsumerProtection  # noqa: E402

__all__ = ["app", "yuan"]

MerchantArg = Annotated[str, typer.Argument(help="商户 DID / the merchant's DID")]
RatingOpt = Annotated[str | None, typer.Option("--rating", help="good|watch|warning")]
IndustryOpt = Annotated[str | None, typer.Option("--industry", help="e.g. training")]
StatusOpt = Annotated[
    str | None,
    typer.Option("--status", help="received|accepted|rejected|agreed|failed|terminated"),
]
AlertOpt = Annotated[str | None, typer.Option("--status", help="open|cleared")]
ComplaintArg = Annotated[str, typer.Argument(help="投诉编号 / complaint id, e.g. TS000001")]
ContractArg = Annotated[str, typer.Argument(help="合同编号 / contract id, e.g. YF000001")]


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


@command(app, "merchants")
def merchants(c: Any, rating: RatingOpt = None, industry: IndustryOpt = None) -> None:
    """商户信用 / the public merchant credit view."""
    rows = [
        [
            x["name"],
            x["industry"],
            x["rating"],
            x["status"],
            yuan(x["custody"]),
            yuan(x["liabilities"]),
            ", ".join(x["red"]) or "-",
            str(sum(x["complaints"].values())),
        ]
        for x in ConsumerProtection(c).credits()
        if rating in (None, x["rating"]) and industry in (None, x["industry"])
    ]
    show_table(
        ["商户 / merchant", "行业", "评级 / rating", "状态", "存管 / custody",
         "未消费 / unconsumed", "预警 / alert", "投诉"],
        rows,
    )  # fmt: skip


@command(app, "merchant")
def merchant(c: Any, did: MerchantArg) -> None:
    """一个商户的信用、存管与对账 / one merchant's credit, custody and reconciliations."""
    s = ConsumerProtection(c)
    x = s.credit(did)
    commit = x["commitments"]
    closure = x["closure"] or {}
    _kv(
        [
            ("商户 / merchant", f"{x['name']} ({x['uscc']})"),
            ("行业 / industry", f"{x['industry']} · {x['district']} · {x['tier']}"),
            ("评级 / rating", x["rating"]),
            ("状态 / status", x["status"] + (f" {closure.get('effective')}" if closure else "")),
            ("存管银行 / bank", x["bank"]),
            (
                "存管 / custody",
                f"{yuan(x['custody'])} / 未消费 {yuan(x['liabilities'])}"
                f" (≥ {x['ratio_pct']}% = {yuan(x['required'])})",
            ),
            ("预警 / alert", ", ".join(x["red"]) or "-"),
            ("保证金 / deposit", yuan(x["deposit"])),
            (
                "承诺 / commitments",
                f"无理由退货 {commit['no_reason_days']} 天; 先行赔付 {commit['first_pay']}",
            ),
            ("投诉 / complaints", ", ".join(f"{k} {v}" for k, v in x["complaints"].items())),
            ("按时受理 / on time", "-" if x["on_time_pct"] is None else f"{x['on_time_pct']}%"),
        ]
    )
    recs = [
        [r["date"], r["kind"], yuan(r["figure"]), yuan(r["custody"]), yuan(r["liabilities"]),
         r["status"], ", ".join(r["reasons"])]
        for r in s.reconciliations(did)[:10]
    ]  # fmt: skip
    show_table(
        ["日期", "一方 / party", "报告 / reported", "链上存管", "未消费", "结果", "原因"],
        recs,
        title="对账 / reconciliations",
    )


@command(app, "dashboard")
def dashboard(c: Any) -> None:
    """监管总览 / the regulator's totals."""
    d = ConsumerProtection(c).dashboard()
    _kv(
        [
            ("商户 / merchants", f"{d['merchants']} ({d['on_alert']} 预警)"),
            ("评级 / ratings", ", ".join(f"{k} {v}" for k, v in d["ratings"].items())),
            ("存管 / custody", yuan(d["custody"])),
            ("未消费 / unconsumed", yuan(d["liabilities"])),
            ("投诉 / complaints", ", ".join(f"{k} {v}" for k, v in d["complaints"].items())),
            ("先行赔付 / first pays", str(d["first_pays"])),
        ]
    )


@command(app, "alerts")
def alerts(c: Any, status: AlertOpt = None) -> None:
    """预警 / alerts on merchants, newest first."""
    rows = [
        [a["id"], a["name"], ", ".join(a["reasons"]), a["raised"]["date"],
         (a["cleared"] or {}).get("date", "-"), "✓" if a["ack"] else "-"]
        for a in ConsumerProtection(c).alerts(status)
    ]  # fmt: skip
    show_table(["预警", "商户 / merchant", "原因 / reasons", "发出", "解除", "已处理"], rows)


@command(app, "complaints")
def complaints(c: Any, status: StatusOpt = None) -> None:
    """投诉 / complaints with their deadlines, newest first."""
    rows = [
        [k["id"], k["merchant_name"], k["category"], k["status"], k["received_on"],
         k["accept_due"], k["mediation_due"] or "-"]
        for k in ConsumerProtection(c).complaints(status=status)
    ]  # fmt: skip
    show_table(["投诉", "商户", "类别", "状态", "收到", "受理期限", "调解期限"], rows)


@command(app, "complaint")
def complaint(c: Any, complaint_id: ComplaintArg) -> None:
    """一件投诉的全部步骤 / one complaint and every step."""
    k = ConsumerProtection(c).complaint(complaint_id)
    _kv(
        [
            ("投诉 / complaint", f"{k['id']} ({k['status']})"),
            ("合同 / contract", k["contract"]),
            ("商户 / merchant", k["merchant_name"]),
            ("受理期限 / decide by", k["accept_due"]),
            ("调解期限 / mediate by", str(k["mediation_due"] or "-")),
        ]
    )
    show_table(
        ["日期", "高度", "步骤 / step", "机构 / org"],
        [[x["date"], x["height"], x["step"], x["org"] or ""] for x in k["steps"]],
        title="步骤 / steps",
    )


@command(app, "contract")
def contract(c: Any, contract_id: ContractArg) -> None:
    """一份预付合同与消费记录 / a prepaid contract, its trace and consumptions."""
    x = ConsumerProtection(c).contract(contract_id)
    _kv(
        [
            ("合同 / contract", f"{x['id']} ({x['status']})"),
            ("项目 / item", f"{x['item']}: {x['units']} {x['unit']} × {yuan(x['unit_price'])}"),
            ("总额 / total", yuan(x["total"])),
            ("已消费 / consumed", f"{x['used']} ({yuan(x['consumed'])})"),
            ("期限 / term", f"{x['start'] or '-'} – {x['end'] or '-'}"),
            ("消费者 / consumer", escape(x["consumer"])),
        ]
    )
    show_table(
        ["日期", "高度", "步骤 / step"],
        [[e["date"], e["height"], e["step"]] for e in x["trace"]],
        title="记录 / trace",
    )
