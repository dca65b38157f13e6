"""``wuyi relay`` and ``wuyi xchain ...``: relay headers and packets between two chains, propose
registering another chain, list clients and recognition records, recognise a fact, export a
fact bundle (``wuyi verify`` checks it offline), send a packet."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wuyi.cli.app import (
    DEFAULT_NODE,
    KeyOpt,
    NodeOpt,
    PassFileOpt,
    _cli_errors,
    _client,
    _fmt_time,
    _kv,
    _load_key,
    _succeeded,
    app,
    console,
    err_console,
)
from wuyi.exceptions import ValidationError

if TYPE_CHECKING:
    from wuyi.sdk.client import WuyiClient

__all__ = ["print_fact_report", "xchain_app"]

xchain_app = typer.Typer(
    help="跨链互认 / cross-chain recognition: clients of other chains, facts, packets",
    no_args_is_help=True,
)
app.add_typer(xchain_app, name="xchain")

SourceOpt = Annotated[
    str, typer.Option("--source", help="另一条链的节点 / the other chain's node API URL")
]
SourceKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--source-key",
        help="来源链成员密钥，签名读取个人合约的状态 / a member key of the source chain: signs"
        " the reads (a fact under a personal contract's state is refused unsigned)",
    ),
]
SourcePurposeOpt = Annotated[
    str,
    typer.Option("--source-purpose", help="签名读取的用途 / the purpose the signed reads state"),
]


@contextmanager
def _source(
    url: str, key: Path | None, purpose: str, passphrase_file: Path | None
) -> Iterator[WuyiClient]:
    """A client of the source chain; its reads signed by ``key`` with ``purpose`` when given
    (the source node logs them), public reads otherwise."""
    signer = None if key is None else _load_key(key, passphrase_file)
    if signer is not None and len(purpose.strip()) < 2:
        raise ValidationError(
            "--source-key signs the reads: give --source-purpose (why you read, 2-200 characters)",
            field="source_purpose",
        )
    with _client(url) as s:
        if signer is not None:
            s.read_as(signer, purpose)
        yield s


def _key_bytes(text: str | None, hex_: str | None) -> bytes:
    if (text is None) == (hex_ is None):
        raise ValidationError("give the state key as --key-text or --key-hex (one of them)")
    if text is not None:
        return text.encode()
    try:
        return bytes.fromhex(hex_ or "")
    except ValueError:
        raise ValidationError("--key-hex is not hex", field="key") from None


def _fact_rule(text: str) -> tuple[str, dict[str, Any]]:
    """``name=prefix[:max_age_ms]``."""
    name, sep, rest = text.partition("=")
    if not sep or not name or not rest:
        raise ValidationError(f"--fact '{text}' must be name=prefix[:max_age_ms]", field="fact")
    prefix, _, age = rest.rpartition(":") if rest.rsplit(":", 1)[-1].isdigit() else (rest, "", "0")
    return name, {"prefix": prefix.encode(), "max_age_ms": int(age or 0)}


@app.command("relay")
@_cli_errors
def relay(
    a: Annotated[str, typer.Option("--a", help="链 A 的节点 / chain A's node API URL")],
    b: Annotated[str, typer.Option("--b", help="链 B 的节点 / chain B's node API URL")],
    key_b: Annotated[
        Path | None, typer.Option("--key-b", help="链 B 成员密钥 / a member key of chain B")
    ] = None,
    key_a: Annotated[
        Path | None, typer.Option("--key-a", help="链 A 成员密钥 / a member key of chain A")
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", help="秒 / seconds between rounds")
    ] = 2.0,
    rounds: Annotated[
        int, typer.Option("--rounds", help="轮数，0 为不停 / rounds, 0 = until stopped")
    ] = 0,
    refresh_s: Annotated[
        float | None,
        typer.Option(
            "--refresh-s",
            help="区块头更新间隔 / update a client once its header is this old (default: a"
            " third of its trusting period; 0: every round)",
        ),
    ] = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """跨链中继 / relay headers and packets between two chains (both ways with both keys).

    Any member may run one; each chain checks everything it is brought, so a relay is
    trusted with nothing. Stop it with Ctrl-C; a restarted relay carries on where the
    chains are."""
    from wuyi.crosschain.relay import Relay

    if key_a is None and key_b is None:
        raise ValidationError("give --key-b (relay A to B), --key-a (B to A), or both")
    ka = None if key_a is None else _load_key(key_a, passphrase_file)
    kb = None if key_b is None else _load_key(key_b, passphrase_file)
    with _client(a) as ca, _client(b) as cb:
        err_console.print(f"中继 / relaying {a} ⇄ {b} every {interval} s")
        refresh = None if refresh_s is None else int(refresh_s * 1000)
        Relay(ca, cb, key_a=ka, key_b=kb, refresh_ms=refresh).run(
            interval=interval, max_rounds=rounds or None
        )


@xchain_app.command("clients")
@_cli_errors
def clients(node: NodeOpt = DEFAULT_NODE, as_json: bool = typer.Option(False, "--json")) -> None:
    """本链的跨链客户端 / this chain's clients of other chains."""
    from rich.table import Table

    from wuyi.crosschain.sdk import XChain

    with _client(node) as c:
        rows = XChain(c).clients()
    if as_json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    t = Table(title="跨链客户端 / clients")
    for col in ("chain", "suite", "status", "height", "age", "expires in", "recognitions"):
        t.add_column(col)
    for r in rows:
        status = r["status"] + (" ⚠ near expiry" if r["near_expiry"] else "")
        age = "-" if r["age_ms"] is None else f"{r['age_ms'] // 1000} s"
        left = "-" if r["expires_in_ms"] is None else f"{r['expires_in_ms'] // 3_600_000} h"
        t.add_row(
            r["chain_id"],
            r["suite"],
            status,
            str(r["latest_height"]),
            age,
            left,
            str(r["recognitions"]),
        )
    console.print(t)


@xchain_app.command("client")
@_cli_errors
def client(chain_id: str, node: NodeOpt = DEFAULT_NODE) -> None:
    """一个客户端 / one client: registration, latest consensus states, misbehaviour."""
    from wuyi.crosschain.sdk import XChain

    with _client(node) as c:
        doc = XChain(c).client_state(chain_id)
    for k in ("genesis",):
        doc.pop(k, None)
    console.print_json(json.dumps(doc, ensure_ascii=False))


@xchain_app.command("records")
@_cli_errors
def records(
    node: NodeOpt = DEFAULT_NODE,
    chain: Annotated[str | None, typer.Option("--client", help="来源链 / source chain")] = None,
    limit: int = 20,
) -> None:
    """互认记录 / recognition records, newest first."""
    from wuyi.crosschain.sdk import XChain

    with _client(node) as c:
        rows = XChain(c).recognitions(chain, limit)
    for r in rows:
        what = "有值 present" if r["present"] else "无值 absent"
        console.print(
            f"{r['id']}  {r['client']}@{r['height']}  {r['fact']}  {r['key_text']}  {what}"
            f"  → {r['consumer'] or '-'}  ({r['purpose']})  {_fmt_time(r['recognised_time'])}"
        )


@xchain_app.command("register")
@_cli_errors
def register(
    source: SourceOpt,
    key: KeyOpt,
    fact: Annotated[
        list[str],
        typer.Option("--fact", help="name=prefix[:max_age_ms] (max age 0: a historical fact)"),
    ],
    prefix: Annotated[
        list[str], typer.Option("--prefix", help="允许的命名空间 / an allowed key prefix")
    ],
    port: Annotated[
        list[str] | None, typer.Option("--port", help="接收数据包的合约 / port")
    ] = None,
    trusting_period_h: Annotated[int, typer.Option("--trusting-period-h")] = 168,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """提议认可另一条链 / propose registering the chain at --source on this chain
    (governance: other organisations vote with ``wuyi gov vote``)."""
    from wuyi.crosschain.sdk import SourceChain
    from wuyi.sdk.client import event_attr

    facts = dict(_fact_rule(f) for f in fact)
    signer = _load_key(key, passphrase_file)
    with _client(source) as s, _client(node) as c:
        src = SourceChain(s)
        args = src.register_args(
            facts=facts,
            prefixes=[p.encode() for p in prefix],
            ports=list(port or []),
            trusting_period_ms=trusting_period_h * 3_600_000,
        )
        tx = c.builder(signer).gov_propose("xchain.register", args, title=f"认可 {src.chain_id}")
        res = _succeeded(c.submit(tx, wait=True))
    pid = event_attr(res.receipt, "gov.proposed", "id")
    _kv(
        [
            ("链 / chain", f"{src.chain_id} ({src.suite_name})"),
            ("创世哈希 / genesis", src.genesis_hash.hex()),
            ("提案 / proposal", str(pid)),
        ],
        "已提议 / proposed — compare the genesis hash with the one the chain publishes",
    )


@xchain_app.command("recover")
@_cli_errors
def recover(
    source: SourceOpt,
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """提议恢复冻结或过期的客户端 / propose recovering a frozen or expired client."""
    from wuyi.crosschain.sdk import SourceChain
    from wuyi.sdk.client import event_attr

    signer = _load_key(key, passphrase_file)
    with _client(source) as s, _client(node) as c:
        src = SourceChain(s)
        tx = c.builder(signer).gov_propose(
            "xchain.recover", src.recover_args(), title=f"恢复 {src.chain_id}"
        )
        res = _succeeded(c.submit(tx, wait=True))
    console.print(f"提案 / proposal {event_attr(res.receipt, 'gov.proposed', 'id')}")


@xchain_app.command("recognise")
@_cli_errors
def recognise(
    source: SourceOpt,
    key: KeyOpt,
    fact: Annotated[str, typer.Option("--fact", help="事实类型 / the fact rule's name")],
    purpose: Annotated[str, typer.Option("--purpose", help="用途 / purpose")],
    key_text: Annotated[str | None, typer.Option("--key-text", help="state key (text)")] = None,
    key_hex: Annotated[str | None, typer.Option("--key-hex", help="state key (hex)")] = None,
    consumer: Annotated[str, typer.Option("--consumer", help="使用的合约 / contract")] = "",
    source_key: SourceKeyOpt = None,
    source_purpose: SourcePurposeOpt = "",
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """互认一个事实 / have this chain recognise a fact of the chain at --source."""
    from wuyi.crosschain.sdk import Relayer, XChain

    state_key = _key_bytes(key_text, key_hex)
    signer = _load_key(key, passphrase_file)
    with (
        _source(source, source_key, source_purpose or purpose, passphrase_file) as s,
        _client(node) as c,
    ):
        rid = Relayer(s, c, signer).recognise(fact, state_key, consumer=consumer, purpose=purpose)
        rec = XChain(c).record(rid)
    _kv(
        [
            ("记录 / record", rid),
            ("来源 / source", f"{rec['client']} height {rec['height']}"),
            ("键 / key", rec["key_text"]),
            ("事实 / fact", "有值 present" if rec["present"] else "无值 absent"),
            ("值哈希 / value hash", rec["value_hash"] or "-"),
        ],
        "已互认 / recognised",
    )


@xchain_app.command("prove")
@_cli_errors
def prove(
    source: SourceOpt,
    out: Annotated[Path, typer.Option("--out", help="输出文件 / bundle file to write")],
    key_text: Annotated[str | None, typer.Option("--key-text")] = None,
    key_hex: Annotated[str | None, typer.Option("--key-hex")] = None,
    height: Annotated[int | None, typer.Option("--height")] = None,
    source_key: SourceKeyOpt = None,
    source_purpose: SourcePurposeOpt = "",
    passphrase_file: PassFileOpt = None,
) -> None:
    """导出事实证明包 / export a fact bundle (wuyi-xchain-fact/1); check it with wuyi verify."""
    from wuyi.crosschain.sdk import SourceChain
    from wuyi.ledger.jsonform import to_json

    state_key = _key_bytes(key_text, key_hex)
    with _source(source, source_key, source_purpose, passphrase_file) as s:
        src = SourceChain(s)
        bundle = src.fact_bundle(state_key, height)
    out.write_text(json.dumps(to_json(bundle), ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(
        f"已写入 / wrote {out}  chain {src.chain_id}  genesis hash {src.genesis_hash.hex()}"
    )


@xchain_app.command("send")
@_cli_errors
def send(
    dest: Annotated[str, typer.Option("--dest", help="目标链 / destination chain id")],
    port: Annotated[str, typer.Option("--port", help="目标合约 / destination contract")],
    data: Annotated[str, typer.Option("--data", help='JSON, bytes as {"$bytes": hex}')],
    key: KeyOpt,
    timeout_s: Annotated[int, typer.Option("--timeout-s", help="目标链时间 / seconds")] = 600,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """发送跨链数据包 / send a packet to a contract of another chain (a relay delivers it)."""
    from wuyi.ledger.jsonform import from_json
    from wuyi.sdk.client import event_attr

    payload = from_json(json.loads(data))
    signer = _load_key(key, passphrase_file)
    with _client(node) as c:
        tx = c.builder(signer).build(
            "xchain.send",
            {
                "dest": dest,
                "port": port,
                "data": payload,
                "timeout_height": 0,
                "timeout_time": int(time.time() * 1000) + timeout_s * 1000,
            },
        )
        res = _succeeded(c.submit(tx, wait=True))
    console.print(f"已发送 / sent: sequence {event_attr(res.receipt, 'xchain.sent', 'sequence')}")


def print_fact_report(report: Any) -> None:
    """``wuyi verify`` of a fact bundle: what it shows."""
    value = report.value
    shown = "-"
    if value is not None:
        try:
            from wuyi.encoding import decode

            shown = json.dumps(_plain(decode(value)), ensure_ascii=False)[:400]
        except Exception:  # not canonical data: show bytes
            shown = value.hex()[:200]
    _kv(
        [
            ("链 / chain", f"{report.chain_id} ({report.suite})"),
            ("创世哈希 / genesis", report.genesis_hash.hex()),
            ("高度 / height", f"{report.height} ({_fmt_time(report.time)})"),
            ("键 / key", report.key.decode("utf-8", errors="replace")),
            ("事实 / fact", "有值 / present" if report.present else "无值 / absent"),
            ("值 / value", shown),
        ],
        "事实核验通过 / fact verified" + ("" if report.pinned else " (NOT PINNED)"),
    )


def _plain(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v
