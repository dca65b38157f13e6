"""``wuyi oid4vci offer|show|receive`` (OpenID4VCI issuance by QR code) and ``wuyi idp consent``
(a consent attested by the demo OpenID Connect provider's ID token)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from wuyi.cli.app import KeyOpt, NodeOpt, PassFileOpt, _cli_errors, _load_key, app, console
from wuyi.cli.identity import (
    DEFAULT_WALLET,
    CredentialTypeOpt,
    WalletOpt,
    _identity,
    _open_wallet,
    _split,
    idp_app,
)

__all__ = ["oid4vci_app"]

oid4vci_app = typer.Typer(
    help="OpenID4VCI 凭证领取 / issuance by QR code (credential offer, pre-authorized code)",
    no_args_is_help=True,
)
app.add_typer(oid4vci_app, name="oid4vci")


@oid4vci_app.command("offer")
@_cli_errors
def offer(
    key: KeyOpt,
    node: NodeOpt,
    type_: CredentialTypeOpt,
    claims: Annotated[str, typer.Option(help='凭证内容 JSON / claims as JSON, e.g. {"name": "…"}')],
    tx_code: Annotated[
        bool | None,
        typer.Option(help="交易码（默认按法规）/ a transaction code (default: the law)"),
    ] = None,
    valid_days: Annotated[int | None, typer.Option(help="有效天数 / days valid")] = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """签发窗口：生成领取链接与交易码 / the desk: make an offer (signed by an issuer member)."""
    import httpx

    from wuyi.sdk import WuyiClient
    from wuyi.sdk.auth import signed_headers

    k = _load_key(key, passphrase_file)
    body: dict[str, Any] = {"type": type_, "claims": json.loads(claims), "tx_code": tx_code}
    if valid_days:
        body["valid_days"] = valid_days
    raw = json.dumps(body, ensure_ascii=False).encode()
    base = node.split(",")[0].rstrip("/")
    with WuyiClient(base) as c:
        chain_id = c.status().chain_id
    q = {"purpose": "窗口签发凭证 / desk issues a credential"}
    h = signed_headers(k, chain_id, "POST", "/v1/oid4vci/offers", q, raw)
    r = httpx.post(f"{base}/v1/oid4vci/offers", params=q, content=raw,
                   headers={**h, "Content-Type": "application/json"}, timeout=30)  # fmt: skip
    out = r.json()
    if r.status_code != 200:
        console.print(f"[red]{out.get('code')}: {out.get('detail')}[/red]")
        raise typer.Exit(1)
    console.print(out["offer_uri"], soft_wrap=True)
    if out.get("tx_code"):
        console.print(f"交易码 / transaction code: [bold]{out['tx_code']}[/bold]")
    console.print(f"offer id {out['id']}, valid until {out['expires']}")


@oid4vci_app.command("show")
@_cli_errors
def show(uri: Annotated[str, typer.Argument(help="openid-credential-offer://…")]) -> None:
    """谁签发什么 / who offers what (reads the issuer's metadata)."""
    from wuyi.oid4vci.sdk import read_offer

    info = read_offer(uri)
    console.print(f"签发机构 / issuer: {'、'.join(info.issuers) or info.issuer}")
    console.print(f"凭证 / credential: {info.title} ({info.configuration_id})")
    console.print(f"包含 / claims: {', '.join(info.claims)}")
    console.print(f"交易码 / transaction code: {'需要 / needed' if info.tx_code else '无 / none'}")


@oid4vci_app.command("receive")
@_cli_errors
def receive(
    uri: Annotated[str, typer.Argument(help="openid-credential-offer://…")],
    wallet: WalletOpt = DEFAULT_WALLET,
    tx_code: Annotated[str | None, typer.Option(help="交易码 / transaction code")] = None,
    passphrase_file: PassFileOpt = None,
) -> None:
    """领取凭证存入钱包 / receive the credential into the wallet."""
    from wuyi.oid4vci.sdk import read_offer
    from wuyi.oid4vci.sdk import receive as do_receive

    w = _open_wallet(wallet, passphrase_file)
    info = read_offer(uri)
    cred = do_receive(info, w, tx_code=tx_code)
    console.print(f"[green]已存入 / kept[/green] {cred.type} {cred.id} ({', '.join(cred.claims)})")


@idp_app.command("consent")
@_cli_errors
def idp_consent(
    node: NodeOpt,
    verifier: Annotated[str, typer.Option(help="查验机构 / verifier organisation")],
    types: Annotated[str, typer.Option(help="凭证类型，逗号分隔 / credential types")],
    claims: Annotated[str, typer.Option(help="可见内容，逗号分隔 / claims")],
    purpose: Annotated[str, typer.Option(help="用途 / purpose")],
    wallet: WalletOpt = DEFAULT_WALLET,
    minutes: Annotated[int, typer.Option(help="有效分钟 / minutes")] = 60,
    provider: Annotated[str | None, typer.Option(help="认证服务 / provider URL (…/idp)")] = None,
    client_id: Annotated[str, typer.Option(help="客户端 / client id")] = "wuyi-wallet",
    passphrase_file: PassFileOpt = None,
) -> None:
    """经演示身份认证服务（OpenID Connect，人脸为模拟）授权 / a consent attested by the demo
    OpenID Connect provider's ID token (its face step is simulated)."""
    from wuyi.idp.client import demo_id_token, grant_consent_with_id_token

    w = _open_wallet(wallet, passphrase_file)
    ident = _identity(node)
    base = node.split(",")[0].rstrip("/")
    url = provider or base + "/idp"

    def token(subject: str, nonce: str) -> str:
        return demo_id_token(url, client_id=client_id, redirect_uri=base + "/console/",
                             subject=subject, nonce=nonce)  # fmt: skip

    cid = grant_consent_with_id_token(
        ident, w.key, token, verifier=verifier, types=_split(types, "types"),
        claims=_split(claims, "claims"), purpose=purpose, minutes=minutes,
    )  # fmt: skip
    console.print(f"[green]已授权 / consent granted[/green] {cid}")
