"""产品追溯 on the command line: ``wuyi trace batches|batch|code|epcis|recalls|signals|
dashboard`` (reads) and ``wuyi trace anchor-scans --key`` (the scan recorder of the node that
serves the public page anchors the scans it counted: run it periodically, e.g. from cron);
``params`` / ``param-history`` (the regulator's rules)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="产品追溯 / product traceability: batches, labels, recalls, scans", no_args_is_help=True
)

from wuyi.cli.app import KeyOpt, PassFileOpt, _kv, _load_key, console  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402

from .sdk import ProductTrace  # noqa: E402

__all__ = ["app"]

BatchArg = Annotated[str, typer.Argument(help="批次 / batch id, e.g. XHCP-000012")]
CodeArg = Annotated[str, typer.Argument(help="标签码 / label code, e.g. XHCP-000012-00001")]
ProductOpt = Annotated[str | None, typer.Option("--product", help="产品代码 / product code")]
OrgOpt = Annotated[str | None, typer.Option("--org", help="持有机构 / holding organisation")]
StatusOpt = Annotated[str | None, typer.Option("--status", help="active|in_transit|consumed|sold")]


def _kg(grams: int) -> str:
    return f"{grams / 1000:,.3f} kg"


def _age(a: dict[str, Any] | None) -> str:
    if not a:
        return "-"
    broken = " (中断 / broken)" if a.get("broken") else ""
    return f"{a['years']} 年 / y ({a['days']} 天 / d, {a['source']} {a['since']}){broken}"


@command(app, "batches")
def batches(
    c: Any, product: ProductOpt = None, org: OrgOpt = None, status: StatusOpt = None
) -> None:
    """批次 / batches, newest first."""
    rows = [
        [b["id"], b["product"], _kg(b["qty_g"]), b["org"], b["status"], b["recall"] or "-"]
        for b in ProductTrace(c).batches(product, org, status)
    ]
    show_table(
        ["批次 / batch", "产品", "数量 / qty", "持有 / holder", "状态 / status", "召回"], rows
    )


@command(app, "batch")
def batch(c: Any, batch_id: BatchArg) -> None:
    """一个批次及其全部事件 / a batch and every event it went through."""
    b = ProductTrace(c).batch(batch_id)
    _kv(
        [
            ("批次 / batch", f"{b['id']} ({b['product']}, {b['status']})"),
            ("数量 / qty", f"{_kg(b['qty_g'])} of {_kg(b['initial_g'])}"),
            ("持有 / holder", f"{b['org']} @ {b['location']}"),
            (
                "产地 / origin",
                ", ".join(b["origin"]["towns"]) + " · " + ", ".join(b["origin"]["plots"]),
            ),
            ("陈化 / age", _age(b.get("age"))),
            ("认证 / certified", _kg(b["certified_g"])),
            ("标签 / labels", f"{b['labels']['count']} ({_kg(b['labels']['grams'])})"),
            ("召回 / recall", str(b["recall"] or "-")),
        ]
    )
    show_table(
        ["事件 / event", "步骤 / step", "机构 / org", "所称时间 / claimed", "区块 / block"],
        [
            [e["id"], e["step"], e["org"], str(e["event_time"]), str(e["height"])]
            for e in b["events"]
        ],
    )


@command(app, "code")
def code(c: Any, label: CodeArg) -> None:
    """扫码所见 / what a consumer's scan of the label shows."""
    s = ProductTrace(c).code(label)
    b = s["batch"]
    recall = s["recall"]
    _kv(
        [
            ("标签 / label", f"{s['code']} · {s['product']['name']}"),
            ("批次 / batch", b["id"]),
            ("标注年份 / label year", str(s["label"]["label_year"] or "-")),
            ("陈化 / age now", _age(b.get("age"))),
            ("产地 / plots", ", ".join(f"{p['id']} ({p['town']})" for p in s["plots"])),
            ("证书 / certificates", ", ".join(x["id"] for x in s["certificates"]) or "-"),
            ("召回 / recall", "-" if not recall else f"{recall['id']} ({recall['status']})"),
            ("扫码 / scans", "-" if not s["scans"] else str(s["scans"]["count"])),
        ]
    )


@command(app, "epcis")
def epcis(c: Any, batch_id: BatchArg) -> None:
    """EPCIS 2.0 文档 / the events of a batch and its ancestors as EPCIS 2.0 JSON-LD."""
    console.print_json(json.dumps(ProductTrace(c).epcis(batch_id), ensure_ascii=False))


@command(app, "recalls")
def recalls(c: Any) -> None:
    """召回 / recalls: level, deadlines, what is overdue now."""
    rows = [
        [
            r["id"],
            r["batch"],
            str(r["level"]),
            r["status"],
            r["start_due_date"],
            r["finish_due"] or "-",
            ", ".join(r["overdue"]) or "-",
        ]
        for r in ProductTrace(c).recalls()
    ]
    show_table(
        ["召回", "批次 / batch", "级别", "状态", "启动期限", "完成期限", "逾期 / overdue"], rows
    )


@command(app, "signals")
def signals(c: Any) -> None:
    """假冒信号 / label codes scanned too often or in too many cities."""
    rows = [
        [s["code"], str(s["count"]), ", ".join(f"{k}:{v}" for k, v in s["cities"].items())]
        for s in ProductTrace(c).signals()
    ]
    show_table(["标签 / code", "扫码 / scans", "城市 / cities"], rows)


@command(app, "dashboard")
def dashboard(c: Any) -> None:
    """追溯概况 / counts: batches, events per step, labels, scans, recalls."""
    d = ProductTrace(c).dashboard()
    _kv(
        [
            ("批次 / batches", json.dumps(d["batches"], ensure_ascii=False)),
            ("事件 / events", json.dumps(d["steps"], ensure_ascii=False)),
            ("标签 / labels", f"{d['labels']} ({_kg(d['labelled_g'])})"),
            ("扫码 / scans", f"{d['scans']} · 信号 / signals {d['signals']}"),
            ("召回 / recalls", json.dumps(d["recalls"], ensure_ascii=False)),
        ]
    )


@command(app, "anchor-scans")
def anchor_scans(c: Any, key: KeyOpt, passphrase_file: PassFileOpt = None) -> None:
    """锚定扫码计数 / anchor the scans this node counted (a scan_recorder's key); one
    transaction per sealed batch, however many scans."""
    done = ProductTrace(c).anchor_scans(_load_key(key, passphrase_file))
    for d in done:
        console.print(
            f"[green]✓[/green] {d['anchor']}: {d['scans']} 次扫码 / scans"
            + (f", 假冒信号 / signals: {', '.join(d['signals'])}" if d["signals"] else "")
        )
    if not done:
        console.print("没有待锚定的扫码 / nothing to anchor")
