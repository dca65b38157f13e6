"""公证 on the command line: ``wuyi notary offices|cases|case|check|filings|evidence|bundle``
(through a node) and ``wuyi notary custody`` — a court's check of a custody bundle offline,
from the chain's genesis hash alone; ``params`` and ``param-history`` come with the governed
parameters."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="公证服务 / notary services: cases, certificates, evidence custody", no_args_is_help=True
)

from rich.markup import escape  # noqa: E402

from wuyi.cli.app import _kv, console, err_console  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402
from wuyi.scenarios.notary.sdk import Notary  # noqa: E402

__all__ = ["UNPINNED_EXIT", "app", "cert_rows"]

UNPINNED_EXIT = 3
CST = dt.timezone(dt.timedelta(hours=8))
OfficeOpt = Annotated[str | None, typer.Option("--office", help="只看该机构 / only this office")]
CaseArg = Annotated[str, typer.Argument(help="案件号 / case id, e.g. JMGZ-2026-00001")]
CertArg = Annotated[str, typer.Argument(help="公证书编号 / certificate number")]
EvArg = Annotated[str, typer.Argument(help="存证编号 / evidence id, e.g. CZ-2026-000001")]


def when(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=CST).strftime("%Y-%m-%d %H:%M:%S (UTC+8)")


def cert_rows(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """What ``wuyi cert show`` shows of a 公证书."""
    f = rec["fields"]
    rows = [
        ("类型 / type", f["type"]),
        ("公证机构 / office", f["office"]),
        ("案件 / case", f["case"]),
        ("文书哈希 / document hash", f["doc_hash"]),
    ]
    if rec.get("corrected_by"):
        rows.append(("补正为 / corrected by", rec["corrected_by"]))
    if rec.get("revocation"):
        rows.append(
            ("撤销 / revoked", f"{rec['revocation']['on']} ({rec['revocation']['reason']})")
        )
    return rows


@command(app, "offices")
def offices(c: Any) -> None:
    """公证机构 / each office's cases, deadlines, corrections and revocations."""
    out = Notary(c).offices()
    rows = [
        [
            o["office"],
            o["cases"].get("accepted", 0) + o["cases"].get("paused", 0),
            o["overdue"],
            o["issued_on_time"],
            o["issued_late"],
            o["corrected"],
            o["revoked"],
            o["reviews_pending"],
        ]
        for o in out["offices"]
    ]
    heads = ["机构 / office", "在办 / open", "超期 / overdue", "按期 / on time", "超期出证 / late"]
    show_table([*heads, "补正 / corrected", "撤销 / revoked", "复查 / reviews"], rows)
    console.print(f"今天 / today: {out['today']}")


@command(app, "cases")
def cases(c: Any, office: OfficeOpt = None, status: Annotated[str | None, typer.Option(
        "--status", help="accepted|paused|issued|refused")] = None) -> None:  # fmt: skip
    """公证案件 / cases, newest first, with their due dates."""
    rows = [
        [x["id"], x["type"], x["status"], x["accepted_on"], x["due"], x["certificate"] or "-"]
        for x in Notary(c).cases(office, status)
    ]
    heads = ["案件 / case", "类型 / type", "状态 / status", "受理 / accepted", "期限 / due"]
    show_table([*heads, "公证书 / certificate"], rows)


@command(app, "case")
def case(c: Any, case_id: CaseArg) -> None:
    """一个案件 / one case: deadline, suspensions, certificate."""
    x = Notary(c).case(case_id)
    rows = [
        ("案件 / case", f"{x['id']} ({x['status']})"),
        ("类型 / type", x["type"]),
        ("受理 / accepted", x["accepted_on"]),
        ("期限 / due", f"{x['due']} ({x['issue_days']} 个工作日 / working days)"),
        ("中止 / suspended", f"{x['paused_days']} 个工作日 / working days"),
    ]
    rows += [(" · " + p["reason"], f"{p['from']} → {p['to'] or '…'}") for p in x["pauses"]]
    if x["certificate"]:
        rows.append(("公证书 / certificate", x["certificate"]))
        rows.append(("超期 / late", f"{x['late_days']} 个工作日 / working days"))
    if x["refusal"]:
        rows.append(("不予办理 / refused", x["refusal"]))
    _kv(rows)


@command(app, "check")
def check(c: Any, cert_no: CertArg, file: Annotated[Path, typer.Argument(
        help="公证书文件 / the certificate document")]) -> None:  # fmt: skip
    """公证书核验 / number + document: authentic, corrected, revoked or unknown (the file is
    hashed here; only its hash is sent)."""
    out = Notary(c).check(cert_no, document=file.read_bytes())
    words = {
        "authentic": "[green]真实有效 / authentic[/green]",
        "corrected": "[yellow]已补正 / corrected[/yellow]",
        "revoked": "[red]已撤销（自始无效）/ revoked (void from the start)[/red]",
        "unknown": "[red]无法核实 / unknown[/red]",
    }
    rows = [("结果 / result", words[out["result"]]), ("编号 / number", escape(cert_no))]
    if out["result"] == "unknown":
        rows.append(("原因 / why", out["why"]))
    else:
        rows += [("机构 / office", out["office"]), ("出具 / issued", out["issued_on"])]
    if out["result"] == "corrected":
        rows.append(("现行 / see", f"{out['see']} ({out['see_status']})"))
    if out["result"] == "revoked":
        rows.append(("撤销 / revoked", f"{out['revoked_on']} ({out['reason']})"))
        rows.append(("公告 / notice", out["notice_hash"]))
    _kv(rows)


@command(app, "filings")
def filings(c: Any, office: OfficeOpt = None) -> None:
    """报备 / changes filed with 司法局 and 公证协会, newest first."""
    rows = [
        [f["seq"], f["on"], f["office"], f["change"], f["cert"], ", ".join(f["to"])]
        for f in Notary(c).filings(office)
    ]
    heads = ["#", "日期 / on", "机构 / office", "变更 / change", "公证书 / certificate"]
    show_table([*heads, "报送 / to"], rows)


@command(app, "evidence")
def evidence(c: Any, evidence_id: EvArg) -> None:
    """电子存证 / a preserved document and its chain of custody."""
    out = Notary(c).evidence(evidence_id)
    ev = out["evidence"]
    _kv(
        [
            ("存证 / evidence", ev["id"]),
            ("哈希 / hash", f"{ev['doc_hash']} ({ev['algo']})"),
            ("取证 / captured", f"{when(ev['captured_at'])} · {ev['method']}"),
            ("平台 / platform", f"{ev['platform']} (声明 statement v{ev['statement_version']})"),
            (
                "保管 / held by",
                ev["custodian"] + (f" → {ev['pending_to']}" if ev["pending_to"] else ""),
            ),
        ]
    )
    rows = [[s["seq"], s["step"], s["org"], when(s["time"]), s["height"]] for s in out["custody"]]
    show_table(["#", "环节 / step", "机构 / org", "时间 / time", "区块 / block"], rows)


@command(app, "bundle")
def bundle(c: Any, evidence_id: EvArg, out: Annotated[Path, typer.Option(
        "--out", help="输出证明包 / bundle file to write")]) -> None:  # fmt: skip
    """导出保管链证明包 / export the evidence and every custody step in one proof bundle
    (checked here first from the chain's genesis)."""
    n = Notary(c)
    doc = n.custody_bundle(evidence_id)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    genesis = c.status().genesis_hash
    console.print(f"[green]✓ 已导出 / written[/green] {out}  ({len(doc['records'])} records)")
    console.print(f"  离线核验 / check offline: wuyi notary custody {out} --genesis-hash {genesis}")


@app.command("custody")
def custody(
    bundle_file: Annotated[Path, typer.Argument(help="证明包 / bundle.json")],
    file: Annotated[Path | None, typer.Argument(help="存证文件（可选）/ the document")] = None,
    genesis_hash: Annotated[
        str | None, typer.Option("--genesis-hash", help="固定创世哈希 / pin the chain (hex)")
    ] = None,
) -> None:
    """保管链核验 / a court's check of preserved evidence and its whole chain of custody,
    offline (no node), from the chain's genesis hash. Exit 0: verified from the pinned genesis;
    3: checks passed, nothing pinned; 1: a check failed."""
    from wuyi.api.wire import parse_hex
    from wuyi.exceptions import WuyiError
    from wuyi.ledger import jsonform
    from wuyi.scenarios.notary.custody import check_custody

    try:
        obj = jsonform.loads(bundle_file.read_text(encoding="utf-8"))
        pinned = (
            None if genesis_hash is None else parse_hex(genesis_hash, "genesis_hash", length=32)
        )
        doc = None if file is None else file.read_bytes()
        if not isinstance(obj, dict):
            raise ValueError("the bundle is not a JSON object")
        rep = check_custody(obj, doc, genesis_hash=pinned)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        err_console.print(f"[red]✗ 验证失败 / verification failed:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except WuyiError as exc:
        err_console.print(f"[red]✗ 验证失败 / verification failed:[/red] {escape(exc.message)}")
        raise typer.Exit(1) from None
    for line in rep.checks:
        console.print(f"[green]✓[/green] {escape(line)}")
    console.print()
    _kv(
        [
            ("存证 / evidence", rep.evidence),
            ("哈希 / hash", f"{rep.doc_hash.hex()} ({rep.algo})"),
            ("上链时间 / trusted time", when(rep.preserved_at)),
            ("取证时间 / captured (platform's claim)", when(rep.captured_at)),
            ("取证方式 / method", rep.method),
            (
                "设备证明 / device attestation",
                rep.device_attestation.hex() if rep.device_attestation else "-",
            ),
            ("平台 / platform", rep.platform),
            ("合规声明 / statement", f"{rep.statement.hex()} (v{rep.statement_version})"),
            ("提交人 / submitter", rep.submitter),
            ("保管 / held by", rep.custodian + (f" → {rep.pending_to}" if rep.pending_to else "")),
            ("文档 / document", "与存证一致 / matches" if rep.document else "未提供 / not given"),
        ],
        "存证与保管链 / evidence and chain of custody",
    )
    rows = [[s["seq"], s["step"], s["org"], when(s["time"]), s["height"]] for s in rep.steps]
    show_table(["#", "环节 / step", "机构 / org", "可信时间 / trusted time", "区块 / block"], rows)
    if rep.pinned:
        console.print("[bold green]核验通过 / verified from the pinned genesis[/bold green]")
        return
    console.print(
        "[yellow]检查通过但未固定创世哈希 / checks passed, NOT PINNED[/yellow] — 创世哈希 /"
        f" genesis hash in the file: {rep.bundle.genesis_hash.hex()}"
    )
    raise typer.Exit(UNPINNED_EXIT)
