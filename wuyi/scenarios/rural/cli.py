"""农村产权交易 on the command line: ``wuyi rural board|listing|bidders|collectives|collective``
(the public board, a listing, the desks' records) and a bidder's sealed bid: ``wuyi rural
commit`` seals the amount here (a random salt, only the commitment is sent) and writes the
secret to a file; ``wuyi rural reveal`` sends it in the reveal window. ``params`` and
``param-history`` come with the governed parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(help="农村产权交易 / rural property-rights trading", no_args_is_help=True)

from wuyi.cli.app import PassFileOpt, _kv, _load_key  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402
from wuyi.scenarios.rural.sdk import BidSecret, Rural  # noqa: E402

__all__ = ["app"]

CST = timezone(timedelta(hours=8))
ListingArg = Annotated[str, typer.Argument(help="挂牌编号 / listing id, e.g. NC-000001")]
TownOpt = Annotated[str | None, typer.Option("--town", help="镇街 / only this town")]
PhaseOpt = Annotated[
    str | None,
    typer.Option("--phase", help="notice|bidding|revealing|closed|awarded|contracted|announced…"),
]
SignerKeyOpt = Annotated[
    Path | None, typer.Option("--key", help="成员密钥 / a member's key file (bids as its org)")
]
WalletOpt = Annotated[
    Path | None, typer.Option("--wallet", help="钱包文件 / a wallet (bids with its DID)")
]
SecretOpt = Annotated[Path, typer.Option("--secret", help="密封报价文件 / the bid's secret file")]


def yuan(fen: int | None) -> str:
    return "-" if fen is None else f"¥{fen // 100:,}.{fen % 100:02d}"


def local(ms: int | None) -> str:
    """A block time in Jiangmen's time."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(CST).strftime("%Y-%m-%d %H:%M")


def mu(area: int) -> str:
    return f"{area / 100:.2f} 亩"


@command(app, "board")
def board(c: Any, town: TownOpt = None, phase: PhaseOpt = None) -> None:
    """挂牌与成交公示 / the public board, newest first, and its figures by town."""
    b = Rural(c).board(town=town, phase=phase)
    rows = [
        [x["id"], x["town"], x["name"], mu(x["area"]), yuan(x["reserve"]), x["phase"],
         yuan((x["result"] or {}).get("amount"))]
        for x in b["items"]
    ]  # fmt: skip
    show_table(
        ["挂牌 / listing", "镇街 / town", "标的 / asset", "面积 / area", "底价/年 / reserve",
         "阶段 / phase", "成交/年 / price"], rows,
    )  # fmt: skip
    towns = [[t["town"], t["listings"], t["awarded"], t["failed"], mu(t["area"])]
             for t in b["board"]["by_town"]]  # fmt: skip
    show_table(
        ["镇街 / town", "挂牌", "成交", "流拍", "面积 / area"], towns, title="按镇街 / by town"
    )


@command(app, "listing")
def listing(c: Any, listing_id: ListingArg) -> None:
    """一宗挂牌：条件、时间窗口、揭示的报价与结果 / a listing, its revealed bids and result."""
    x = Rural(c).listing(listing_id)
    res = x["result"] or {}
    _kv(
        [
            ("挂牌 / listing", f"{x['id']} ({x['phase']}, round {x['round']})"),
            ("标的 / asset", f"{x['name']} · {x['location']} · {mu(x['area'])} · {x['kind']}"),
            ("集体 / collective", f"{x['village']} ({x['collective']}), {x['town']}"),
            ("底价 / reserve", f"{yuan(x['reserve'])} / 年, 保证金 {yuan(x['deposit'])}"),
            ("期限 / term", f"{x['term_start']} – {x['term_end']} ({x['term_years']} 年)"),
            ("报价期 / bids", f"{local(x['bid_open'])} – {local(x['bid_close'])}"),
            ("揭示期 / reveal", f"{local(x['bid_close'])} – {local(x['reveal_close'])}"),
            ("结果 / result", f"{res.get('rule', '-')} {yuan(res.get('amount'))}"),
            ("鉴证书 / certificate", str(x.get("cert") or "-")),
        ]
    )
    bids = [[i + 1, yuan(b["amount"]), "✓" if b["valid"] else b["reason"], b["kind"],
             "✓" if b["member"] else ""] for i, b in enumerate(x.get("bids", []))]  # fmt: skip
    show_table(["#", "报价/年 / bid", "有效 / valid", "类型 / kind", "本集体成员 / member"], bids,
               title="揭示的报价 / revealed bids")  # fmt: skip


@command(app, "bidders")
def bidders(c: Any, listing_id: ListingArg) -> None:
    """竞买人 / the bidders of a listing (the exchange's desk)."""
    rows = []
    for b in Rural(c).bidders(listing_id):
        dep = b.get("deposit") or {}
        rows.append([b["bidder"], b["kind"], "✓" if (b.get("qualified") or {}).get("approved")
                     else "-", dep.get("status", "-"), b["commits"],
                     yuan((b.get("reveal") or {}).get("amount"))])  # fmt: skip
    show_table(["竞买人 / bidder", "类型", "资格", "保证金", "报价次数", "揭示 / revealed"], rows)


@command(app, "collectives")
def collectives(c: Any) -> None:
    """农村集体经济组织 / the collectives and their member rolls."""
    rows = [[x["code"], x["village"], x["town"], x["district"], x["roll"]["members"],
             x["roll"]["households"], x["roll"]["representatives"]]
            for x in Rural(c).collectives()]  # fmt: skip
    show_table(["代码 / code", "村 / village", "镇街 / town", "区县", "成员", "户", "代表"], rows)


@command(app, "collective")
def collective(c: Any, code: Annotated[str, typer.Argument(help="集体代码 / code")]) -> None:
    """一个集体：资产、表决、授权 / a collective's assets, resolutions, authorisations."""
    x = Rural(c).collective(code)
    _kv([("集体 / collective", f"{x['village']} ({x['code']}), {x['town']}"),
         ("代表 DID", x["did"])])  # fmt: skip
    show_table(["资产 / asset", "类型", "名称", "面积", "用途"],
               [[a["id"], a["kind"], a["name"], mu(a["area"]), a["use"]] for a in x["assets"]],
               title="资产 / assets")  # fmt: skip
    show_table(["表决 / resolution", "资产", "会议", "应到/实到/同意", "会议日期"],
               [[r["id"], r["asset"], r["meeting_kind"],
                 f"{r['eligible']}/{r['attended']}/{r['yes']}", r["held_on"]]
                for r in x["resolutions"]], title="表决 / resolutions")  # fmt: skip


def _signer(key: Path | None, wallet: Path | None, passphrase_file: Path | None) -> Any:
    from wuyi.cli.app import _passphrase
    from wuyi.exceptions import ValidationError
    from wuyi.sdk.wallet import Wallet

    if (key is None) == (wallet is None):
        raise ValidationError("give --key (a member's key) or --wallet (a DID)", field="key")
    if key is not None:
        return _load_key(key, passphrase_file)
    assert wallet is not None
    return Wallet.open(wallet, _passphrase(passphrase_file))


@command(app, "commit")
def commit(
    c: Any,
    listing_id: ListingArg,
    amount: Annotated[int, typer.Option("--amount", help="报价（分/年）/ the bid, fen a year")],
    secret: SecretOpt,
    key: SignerKeyOpt = None,
    wallet: WalletOpt = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """密封报价 / seal a bid here and commit it (only the commitment is sent; the secret file
    keeps the salt for the reveal)."""
    signer = _signer(key, wallet, passphrase_file)
    sealed = Rural(c).commit_bid(signer, listing_id, amount)
    path = sealed.save(secret)
    _kv([("承诺 / commitment", sealed.commitment), ("竞买人 / bidder", sealed.bidder),
         ("密钥文件 / secret", str(path))])  # fmt: skip


@command(app, "reveal")
def reveal(
    c: Any,
    secret: SecretOpt,
    key: SignerKeyOpt = None,
    wallet: WalletOpt = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """揭示报价 / reveal a sealed bid from its secret file, in the reveal window."""
    signer = _signer(key, wallet, passphrase_file)
    b = Rural(c).reveal_bid(signer, BidSecret.load(secret))
    rv = b["reveal"]
    _kv([("报价 / bid", yuan(rv["amount"])), ("有效 / valid", str(rv["valid"])),
         ("说明 / reason", rv["reason"])])  # fmt: skip
