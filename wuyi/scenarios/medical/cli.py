"""健康医疗 on the command line: ``wuyi medical dashboard|rules|alerts|alert`` — the public
totals, the supervision rules, the alerts with their stages; ``settlements`` (a signed read:
the hospital's or 医保局's key, ``--read-as``); ``params`` / ``param-history`` (医保局's rules)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="健康医疗 / health records under consent, 医保 settlements and alerts, 商保快赔",
    no_args_is_help=True,
)

from wuyi.cli.app import _kv  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402

from .sdk import Medical  # noqa: E402

__all__ = ["app"]

StageOpt = Annotated[
    str | None,
    typer.Option(
        "--stage",
        help="open|review|second_review|appeal|investigation|dismissed|violation|cleared",
    ),
]
HospitalOpt = Annotated[str | None, typer.Option("--hospital", help="e.g. zxyy")]
AlertArg = Annotated[str, typer.Argument(help="预警编号 / alert id, e.g. YJ000001")]


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


@command(app, "dashboard")
def dashboard(c: Any) -> None:
    """医保监管总览 / the public totals: settlements, the fund, alerts, reads across hospitals."""
    d = Medical(c).dashboard()
    _kv(
        [
            ("结算 / settlements", str(d["settlements"])),
            ("基金支付 / fund", yuan(d["fund_fen"])),
            ("追回 / recovered", yuan(d["recover_fen"])),
            ("跨院调阅 / reads", str(d["accesses"])),
            ("授权 / consents", str(d["consents"])),
            ("预警 / alerts", ", ".join(f"{k} {v}" for k, v in d["stages"].items() if v) or "-"),
            (
                "商保理赔 / claims",
                ", ".join(f"{k} {v}" for k, v in d["claims"].items() if v) or "-",
            ),
        ]
    )
    show_table(
        ["医院 / hospital", "病历 / records", "被调阅 / read", "调阅 / reads", "结算", "预警"],
        [
            [h["hospital"], str(h["records"]), str(h["reads_in"]), str(h["reads_out"]),
             str(h["settlements"]), str(h["alerts"])]
            for h in d["hospitals"]
        ],
    )  # fmt: skip


@command(app, "rules")
def rules(c: Any) -> None:
    """监管规则 / the supervision rules and their severity in force."""
    show_table(
        ["规则 / rule", "内容 / finds", "严重程度 / severity"],
        [[r["id"], r["name"], r["severity"]] for r in Medical(c).rules()],
    )


@command(app, "alerts")
def alerts(c: Any, stage: StageOpt = None, hospital: HospitalOpt = None) -> None:
    """疑点预警 / alerts, newest first."""
    show_table(
        ["预警 / alert", "规则", "严重程度", "医院 / hospital", "阶段 / stage", "期限 / due"],
        [
            [a["id"], a["rule"], a["severity"], a["hospital"], a["stage"], a["due"] or "-"]
            for a in Medical(c).alerts(stage, hospital)
        ],
    )


@command(app, "alert")
def alert(c: Any, alert_id: AlertArg) -> None:
    """一条预警及其各环节 / one alert and its steps."""
    a = Medical(c).alert(alert_id)
    _kv(
        [
            ("预警 / alert", f"{a['id']} {a['rule']} ({a['severity']})"),
            ("医院 / hospital", a["hospital"]),
            ("结算 / settlements", ", ".join(a["refs"])),
            ("阶段 / stage", a["stage"]),
            ("期限 / due", a["due"] or "-"),
        ]
    )
    show_table(
        ["环节 / step", "日期 / date", "逾期工作日 / late"],
        [[s["step"], s["date"], str(s["late_days"])] for s in a["steps"]],
    )


@command(app, "settlements")
def settlements(c: Any, hospital: HospitalOpt = None) -> None:
    """医保结算 / settlements (signed read: the hospital's or 医保局's key)."""
    show_table(
        ["结算 / bill", "医院", "类型 / kind", "日期 / dates", "合计", "基金", "预警"],
        [
            [s["id"], s["hospital"], s["kind"], f"{s['admit']}~{s['discharge']}",
             yuan(s["total"]), yuan(s["fund_fen"]), ", ".join(s["alerts"]) or "-"]
            for s in Medical(c).settlements(hospital)
        ],
    )  # fmt: skip
