"""``wuyi oid4vp request`` (a verifier's desk) and ``wuyi oid4vp present`` (a citizen's
wallet): OpenID4VP 1.0 from a terminal (``docs/cli.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wuyi.cli.app import (
    DEFAULT_NODE,
    NodeOpt,
    PassFileOpt,
    _cli_errors,
    _client,
    _kv,
    _load_key,
    app,
    console,
)
from wuyi.cli.identity import DEFAULT_WALLET, CredentialTypeOpt, WalletOpt, _open_wallet
from wuyi.exceptions import ValidationError

__all__ = ["oid4vp_app"]

oid4vp_app = typer.Typer(
    help="OpenID4VP 出示凭证 / present credentials by OpenID4VP 1.0", no_args_is_help=True
)
app.add_typer(oid4vp_app, name="oid4vp")


@oid4vp_app.command("request")
@_cli_errors
def request_cmd(
    key: Annotated[Path, typer.Option("--key", help="核验方成员密钥 / the desk member's key")],
    org: Annotated[str, typer.Option("--org", help="核验方组织 / verifier organisation")],
    type_: CredentialTypeOpt,
    claims: Annotated[str, typer.Option("--claims", help="请求的项，逗号分隔 / claims asked")],
    purpose: Annotated[str, typer.Option("--purpose", help="用途 / purpose")],
    ttl: Annotated[int, typer.Option("--ttl", help="有效秒数 / seconds")] = 300,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="等待出示并上链记录 / wait and record")
    ] = True,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """发起核验请求 / open a signed request; print its openid4vp:// link (the QR code's text)
    and, with --wait, record the citizen's answer on chain and print the chain's verdict."""
    from wuyi.oid4vp.sdk import Desk

    names = [c.strip() for c in claims.split(",") if c.strip()]
    if not names:
        raise ValidationError("--claims needs at least one claim", field="claims")
    desk = Desk(_client(node), _load_key(key, passphrase_file), org)
    req = desk.open({type_: names}, purpose=purpose, ttl=ttl)
    _kv([("请求 / state", req.state), ("有效至 / expires", str(req.expires))])
    console.print(req.link)
    if not wait:
        return
    v = desk.wait(req, timeout=ttl)
    _kv(
        [
            ("结果 / result", v.result + (f" ({v.reason})" if v.reason else "")),
            ("交易 / tx", v.tx_hash or "—"),
        ]
    )
    if not v.accepted:
        raise typer.Exit(1)


@oid4vp_app.command("present")
@_cli_errors
def present_cmd(
    link: Annotated[str, typer.Argument(help="openid4vp:// 链接 / the link of the QR code")],
    consent: Annotated[str, typer.Option("--consent", help="授权 id / consent id")],
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """出示凭证 / answer a request: check its signature against the verifier's DID on chain,
    show who asks what and why, refuse anything the consent does not cover, then post the
    presentation to the verifier."""
    from wuyi.oid4vp.sdk import fetch_request, respond
    from wuyi.sdk.identity import Identity

    client = _client(node)
    w = _open_wallet(wallet, passphrase_file)
    req = fetch_request(client, link)
    _kv(
        [
            ("核验方 / verifier", req.client_id),
            ("用途 / purpose", req.purpose),
            *[(f"{a.type}", ", ".join(a.claims)) for a in req.asked],
        ]
    )
    respond(w, req, consent=consent, consents=Identity(client), client=client)
    console.print("已出示 / presented")
