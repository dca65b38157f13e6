"""``wuyi data ...``: the data-sharing channel (统一数据共享通道) — offer a dataset, request it,
approve, reject or revoke, deliver it encrypted, fetch and decrypt it, and audit who did what.

The requester's key-agreement key is kept next to its keystore in ``<key file>.datakey``
(created by ``wuyi data request``, encrypted with the same passphrase)."""

from __future__ import annotations

import datetime as _dt
import importlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Column, Table

from wuyi.cli.app import (
    DEFAULT_NODE,
    KeyOpt,
    NodeOpt,
    PassFileOpt,
    _cli_errors,
    _fmt_time,
    _kv,
    app,
    console,
    show_table,
)
from wuyi.exceptions import ValidationError

__all__ = ["data_app"]

# The module (not the Typer object the package re-exports as ``app``): key loading and the
# client are looked up on it at call time, so tests can swap the client.
_cli = importlib.import_module("wuyi.cli.app")

data_app = typer.Typer(
    help="数据共享 / the data-sharing channel: catalogue, request, approve, deliver, fetch, audit",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

DAY_MS = 86_400_000

UntilOpt = Annotated[
    str | None,
    typer.Option("--until", help="截止日期 YYYY-MM-DD[THH:MM] (本地时间) / until (local time)"),
]
DaysOpt = Annotated[int | None, typer.Option("--days", help="有效天数 / valid for N days from now")]
DatasetArg = Annotated[str, typer.Argument(help="数据资源标识 / dataset id")]
RequestArg = Annotated[str, typer.Argument(help="申请编号 / request id (hex)")]


def _until(until: str | None, days: int | None, default_days: int) -> int:
    """Milliseconds since the epoch from --until or --days (the CLI may read the clock)."""
    if until is not None and days is not None:
        raise ValidationError("give --until or --days, not both", field="until")
    if until is not None:
        try:
            t = _dt.datetime.fromisoformat(until)
        except ValueError:
            raise ValidationError(
                f"--until '{until}' is not a date like 2026-01-31 or 2026-01-31T18:00",
                field="until",
            ) from None
        if t.tzinfo is None:
            t = t.astimezone()
        return int(t.timestamp() * 1000)
    n = default_days if days is None else days
    if n <= 0:
        raise ValidationError("--days must be at least 1", field="days")
    return int(time.time() * 1000) + n * DAY_MS


def _hex_id(text: str, what: str) -> bytes:
    from wuyi.api.wire import parse_hex

    return parse_hex(text, what, length=16)


def _share(node: str) -> Any:
    from wuyi.sdk.data import DataShare

    return DataShare(_cli._client(node))


def _signer(node: str, key: Path, passphrase_file: Path | None) -> tuple[Any, Any]:
    """The member's key (unlocked) and the data-sharing client of ``node``."""
    return _cli._load_key(key, passphrase_file), _share(node)


def _done(res: Any) -> None:
    console.print(f"[green]✓ 已上链 / committed[/green] tx {res.tx_hash} at height {res.height}")


def _commit(
    node: str, key: Path, passphrase_file: Path | None, action: Callable[[Any, Any], Any]
) -> None:
    """Sign and commit ``action(ds, k)``: a data-sharing call (``ds``) by the member key ``k``."""
    k, ds = _signer(node, key, passphrase_file)
    with ds.client:
        _done(action(ds, k))


# -- the catalogue -------------------------------------------------------------------------------


@data_app.command("offer")
@_cli_errors
def data_offer(
    dataset_id: Annotated[str, typer.Option("--id", help="数据资源标识 / dataset id")],
    title: Annotated[str, typer.Option("--title", help="名称 / title")],
    field: Annotated[list[str], typer.Option("--field", help="字段名 / field name (repeat)")],
    key: KeyOpt,
    description: Annotated[str, typer.Option("--description", help="说明 / description")] = "",
    kind: Annotated[
        str, typer.Option("--kind", help="dataset (数据集) | interface (接口)")
    ] = "dataset",
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="接口地址 / interface URL")
    ] = None,
    gate: Annotated[
        str | None,
        typer.Option(
            "--gate", help="授权合约 / contract whose data_consent view must accept each use"
        ),
    ] = None,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """发布数据资源 / offer a dataset in the catalogue (admin or data role; owner = your org)."""
    k, ds = _signer(node, key, passphrase_file)
    with ds.client:
        res = ds.offer(
            k,
            dataset_id,
            title,
            field,
            description=description,
            kind=kind,
            endpoint=endpoint,
            gate=gate,
        )
    _done(res)


@data_app.command("withdraw")
@_cli_errors
def data_withdraw(
    dataset_id: DatasetArg,
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """下架数据资源 / withdraw a dataset (no new requests, approvals or deliveries)."""
    _commit(node, key, passphrase_file, lambda ds, k: ds.withdraw(k, dataset_id))


@data_app.command("list")
@_cli_errors
def data_list(
    owner: Annotated[str | None, typer.Option("--owner", help="提供方 / owner org")] = None,
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """数据资源目录 / the catalogue."""
    ds = _share(node)
    with ds.client:
        items = ds.datasets(owner=owner)
    t = Table("名称 / title", "提供方 / owner", "类型 / kind", "字段 / fields", "状态")
    t.columns.insert(0, Column("id", no_wrap=True))  # ids are never cut
    for d in items:
        t.add_row(d["id"], d["title"], d["owner"], d["kind"], ", ".join(d["fields"]), d["status"])
    console.print(t)


def _req_row(r: dict[str, Any]) -> list[str]:
    until = r["approved_until"]
    return [
        r["id"],
        r["requester_org"],
        escape(r["purpose"]),
        ", ".join(r["fields"]),
        r["status"],
        _fmt_time(until) if until else "",
        str(len(r["deliveries"])),
        str(r["accesses"]),
    ]


_REQ_COLS = (
    "申请 / request",
    "申请方 / org",
    "用途 / purpose",
    "字段 / fields",
    "状态 / status",
    "有效至 / until",
    "交付",
    "使用",
)


@data_app.command("show")
@_cli_errors
def data_show(
    dataset_id: DatasetArg,
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """数据资源详情 / one dataset and its requests."""
    ds = _share(node)
    with ds.client:
        d = ds.dataset(dataset_id)
    _kv(
        [
            ("id", d["id"]),
            ("名称 / title", escape(d["title"])),
            ("说明 / description", escape(d["description"])),
            ("提供方 / owner", d["owner"]),
            ("类型 / kind", d["kind"] + (f" {d['endpoint']}" if d["endpoint"] else "")),
            ("字段 / fields", ", ".join(d["fields"])),
            ("授权合约 / consent gate", d.get("gate") or "-"),
            ("状态 / status", d["status"]),
            ("发布 / offered", f"{_fmt_time(d['time'])} by {d['offered_by']} (#{d['height']})"),
        ]
    )
    show_table(_REQ_COLS, (_req_row(r) for r in d["requests"]), title="共享申请 / requests")


# -- requests and decisions ----------------------------------------------------------------------


@data_app.command("request")
@_cli_errors
def data_request(
    dataset_id: DatasetArg,
    purpose: Annotated[str, typer.Option("--purpose", help="用途 / purpose")],
    field: Annotated[list[str], typer.Option("--field", help="字段名 / field (repeat)")],
    key: KeyOpt,
    until: UntilOpt = None,
    days: DaysOpt = None,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """申请数据 / request fields of another organisation's dataset (default: 30 days).

    The key-agreement key is created next to --key as KEY.datakey on first use."""
    from wuyi.sdk.data import agreement_key_path, ensure_agreement_key

    pw = _cli._passphrase(passphrase_file)
    k, ds = _signer(node, key, passphrase_file)
    with ds.client:
        ak = ensure_agreement_key(key, pw, ds.suite_name, owner=k)
        rid = ds.request(k, dataset_id, purpose, field, _until(until, days, 30), ak)
    console.print(f"[green]✓ 已申请 / requested[/green] request [bold]{rid.hex()}[/bold]")
    console.print(f"  数据密钥 / data key: {agreement_key_path(key)}")
    console.print(f"  等待批准 / the owner approves with: wuyi data approve {rid.hex()}")


@data_app.command("approve")
@_cli_errors
def data_approve(
    request_id: RequestArg,
    key: KeyOpt,
    until: UntilOpt = None,
    days: DaysOpt = None,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """批准申请 / approve a request (owner org's admin or data role; default: as requested)."""
    rid = _hex_id(request_id, "request_id")
    k, ds = _signer(node, key, passphrase_file)
    with ds.client:
        if until is None and days is None:
            end = int(ds.verified_request(rid)["until"])
        else:
            end = _until(until, days, 30)
        _done(ds.approve(k, rid, end))
    console.print(f"  有效至 / valid until {_fmt_time(end)}")


@data_app.command("reject")
@_cli_errors
def data_reject(
    request_id: RequestArg,
    reason: Annotated[str, typer.Option("--reason", help="理由 / reason")],
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """驳回申请 / reject a pending request."""
    rid = _hex_id(request_id, "request_id")
    _commit(node, key, passphrase_file, lambda ds, k: ds.reject(k, rid, reason))


@data_app.command("revoke")
@_cli_errors
def data_revoke(
    request_id: RequestArg,
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """撤销授权 / revoke an approval: no further deliveries or accesses."""
    rid = _hex_id(request_id, "request_id")
    _commit(node, key, passphrase_file, lambda ds, k: ds.revoke(k, rid))


# -- delivery and access -------------------------------------------------------------------------


@data_app.command("deliver")
@_cli_errors
def data_deliver(
    request_id: RequestArg,
    file: Annotated[Path, typer.Argument(help="要交付的数据文件 / payload file")],
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """加密交付 / encrypt a file to the requester, upload it and record the delivery."""
    rid = _hex_id(request_id, "request_id")
    try:
        payload = file.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {file}: {exc.strerror}") from None
    k, ds = _signer(node, key, passphrase_file)
    with ds.client:
        d = ds.deliver(k, rid, payload)
    console.print(f"[green]✓ 已交付 / delivered[/green] tx {d.tx_hash} at height {d.height}")
    _kv(
        [
            ("交付编号 / delivery", d.delivery_id.hex()),
            ("密文哈希 / ciphertext hash", d.ciphertext_hash.hex()),
            ("承诺 / commitment", d.commitment.hex()),
            ("位置 / location", d.location),
            ("大小 / size", f"{d.size} bytes"),
        ]
    )
    console.print(
        f"  申请方取数 / the requester fetches with: wuyi data fetch {d.delivery_id.hex()}"
    )


@data_app.command("fetch")
@_cli_errors
def data_fetch(
    delivery_id: Annotated[str, typer.Argument(help="交付编号 / delivery id (hex)")],
    purpose: Annotated[str, typer.Option("--purpose", help="本次用途 / purpose of this use")],
    out: Annotated[Path, typer.Option("--out", help="解密后写入 / write the data here")],
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """取数 / record the access on chain, download, check against the chain and decrypt."""
    from wuyi.sdk.data import load_agreement_key

    did = _hex_id(delivery_id, "delivery_id")
    pw = _cli._passphrase(passphrase_file)
    k = _cli._load_key(key, passphrase_file)
    ak = load_agreement_key(key, pw)
    ds = _share(node)
    with ds.client:
        got = ds.fetch(k, did, purpose, ak)
    out.write_bytes(got.data)
    console.print(f"[green]✓ 已取数 / fetched[/green] {len(got.data)} bytes → {out}")
    _kv(
        [
            ("使用记录 / access tx", got.access_tx),
            ("第几次 / access #", str(got.access_n)),
            ("哈希与承诺 / hash, commitment", "[green]与链上一致 / match the chain[/green]"),
        ]
    )


# -- audit ---------------------------------------------------------------------------------------

_ACTIONS = {
    "offered": "发布 offered",
    "withdrawn": "下架 withdrawn",
    "requested": "申请 requested",
    "approved": "批准 approved",
    "rejected": "驳回 rejected",
    "revoked": "撤销 revoked",
    "delivered": "交付 delivered",
    "accessed": "使用 accessed",
}


def _detail(e: dict[str, Any]) -> str:
    a = e["action"]
    if a == "requested":
        return f"用途 {e['purpose']}; 字段 {', '.join(e['fields'])}"
    if a == "approved":
        return f"至 / until {_fmt_time(e['until'])}"
    if a == "rejected":
        return f"理由 / reason {e['reason']}"
    if a == "delivered":
        return f"密文 {e['ciphertext_hash'][:16]}… 承诺 {e['commitment'][:16]}… {e['size']} B"
    if a == "accessed":
        return f"#{e['n']} 用途 {e['purpose']}"
    if a == "offered":
        return str(e.get("title", ""))
    return ""


@data_app.command("audit")
@_cli_errors
def data_audit(
    dataset_id: Annotated[
        str | None, typer.Option("--dataset", help="按数据资源 / by dataset")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="按申请方 / by requesting org")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """审计 / the full trail of a dataset or of a requesting organisation, from the chain."""
    ds = _share(node)
    with ds.client:
        a = ds.audit(dataset=dataset_id, org=org)
    if as_json:
        console.print(json.dumps(a, ensure_ascii=False, indent=2))
        return
    console.print("[bold]摘要 / summary[/bold] " + json.dumps(a["summary"], ensure_ascii=False))
    show_table(
        ["时间 / time", "高度", "动作 / action", "组织 / org", "成员 / by", "请求", "详情"],
        (
            [
                _fmt_time(e["time"]),
                e["height"],
                _ACTIONS[e["action"]],
                e["org"],
                e["by"] or "",
                (e.get("request") or "")[:8],
                escape(_detail(e)),
            ]
            for e in a["events"]
        ),
    )
