"""``wuyi did``, ``wuyi wallet``, ``wuyi vc`` and ``wuyi idp``: DIDs, the holder's encrypted
credential wallet, consent, issuing and verifying credentials, and the demo identity provider.
``docs/credentials.md`` walks through them."""

from __future__ import annotations

import json
import os
import time
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
    _client,
    _fmt_time,
    _kv,
    _load_key,
    _passphrase,
    app,
    console,
)
from wuyi.exceptions import ValidationError

__all__ = ["did_app", "idp_app", "vc_app", "wallet_app"]

did_app = typer.Typer(help="数字身份 DID / decentralised identifiers", no_args_is_help=True)
wallet_app = typer.Typer(
    help="凭证钱包（持有人）/ the holder's credential wallet and consents", no_args_is_help=True
)
vc_app = typer.Typer(
    help="可验证凭证（签发与核验）/ issue and verify credentials", no_args_is_help=True
)
idp_app = typer.Typer(help="身份认证服务 / identity-provider attestations", no_args_is_help=True)
app.add_typer(did_app, name="did")
app.add_typer(wallet_app, name="wallet")
app.add_typer(vc_app, name="vc")
app.add_typer(idp_app, name="idp")

WALLET_ENV = "WUYI_WALLET"
DEFAULT_WALLET = Path.home() / ".wuyi" / "wallet.json"

WalletOpt = Annotated[
    Path,
    typer.Option("--wallet", envvar=WALLET_ENV, help="钱包文件 / wallet file"),
]
ListOpt = Annotated[str, typer.Option(help="逗号分隔 / comma-separated")]
CredentialArg = Annotated[str, typer.Argument(help="id (org/idx) 或类型 / or type")]
VerifierOpt = Annotated[str, typer.Option(help="核验机构 / verifier organisation id")]
CredentialTypeOpt = Annotated[str, typer.Option("--type", help="凭证类型 / credential type")]


def _split(text: str, name: str) -> list[str]:
    items = [x.strip() for x in text.split(",") if x.strip()]
    if not items:
        raise ValidationError(f"--{name} needs at least one value", field=name)
    return items


def _identity(node: str) -> Any:
    from wuyi.sdk.identity import Identity

    return Identity(_client(node))


def _open_wallet(path: Path, passphrase_file: Path | None) -> Any:
    from wuyi.sdk.wallet import Wallet

    return Wallet.open(path, _passphrase(passphrase_file))


def _table(*headers: str, keep: int = 1, title: str | None = None) -> Table:
    """A table whose first ``keep`` columns (ids, types) are never wrapped or cut."""
    cols = [
        Column(h, no_wrap=True) if i < keep else Column(h, overflow="fold")
        for i, h in enumerate(headers)
    ]
    return Table(*cols, title=title)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read {what} {path}: {exc}", field=what) from None


def _write_or_print(text: str, out: Path | None, written: str) -> None:
    """Write ``text`` to ``out`` and print ``written``; without ``out``, print ``text``."""
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(written)
    else:
        print(text)


def _print_json(obj: Any) -> None:
    console.print_json(json.dumps(obj, ensure_ascii=False))


# -- DIDs -----------------------------------------------------------------------------------------


@did_app.command("register")
@_cli_errors
def did_register(
    request: Annotated[
        Path, typer.Argument(help="登记申请 JSON / the holder's registration request file")
    ],
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """登记公民 DID（登记机构）/ register a citizen's DID from their request (``wuyi wallet
    request``); ``--key`` is a member with role idp or did_registrar of a DID registrar."""
    try:
        req = json.loads(_read(request, "request"))
    except ValueError:
        raise ValidationError(f"{request} is not JSON", field="request") from None
    if not isinstance(req, dict):
        raise ValidationError(f"{request}: a request is {{did, public_key, proof}}")
    did = _identity(node).register_did(_load_key(key, passphrase_file), req)
    console.print(f"[green]✓ 已登记 / registered[/green] DID {did}")


@did_app.command("registrars")
@_cli_errors
def did_registrars(node: NodeOpt = DEFAULT_NODE) -> None:
    """DID 登记机构 / the organisations that may register citizens' DIDs (set by governance)."""
    t = _table("机构 / org", "启用 / enabled", "高度 / height")
    for r in _identity(node).registrars():
        t.add_row(r["org"], "✓" if r["enabled"] else "✗", str(r["updated_height"]))
    console.print(t)


@did_app.command("show")
@_cli_errors
def did_show(
    did: Annotated[str, typer.Argument(help="did:wuyi:…")],
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """解析 DID（校验证明）/ resolve a DID, checking its proof against a quorum certificate."""
    res = _identity(node).resolve(did)
    console.print("[green]✓ 已用证明校验 / verified against the chain's quorum certificate[/green]")
    _print_json(res)


# -- wallet (holder) ------------------------------------------------------------------------------


@wallet_app.command("init")
@_cli_errors
def wallet_init(
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
    registrar_key: Annotated[
        Path | None,
        typer.Option(
            "--registrar-key",
            help="登记机构成员密钥 / a DID registrar member's key: register the DID at once",
        ),
    ] = None,
) -> None:
    """新建钱包与 DID / create an encrypted wallet with a new DID key. The DID is registered
    by a DID registrar (identity provider, service centre): hand them ``wuyi wallet request``,
    or, at the registrar's own desk, give ``--registrar-key``."""
    from wuyi.sdk.identity import Identity
    from wuyi.sdk.wallet import Wallet

    with _client(node) as c:
        suite = c.suite.name
        w = Wallet.create(wallet, _passphrase(passphrase_file), suite)
        if registrar_key is not None:
            Identity(c).register_did(_load_key(registrar_key, passphrase_file), w.key)
    console.print(f"[green]✓ 钱包已创建 / wallet created[/green] {wallet}")
    console.print(f"  DID {w.did}")
    if registrar_key is None:
        console.print(
            "  尚未登记：请登记机构登记 / not registered yet: take `wuyi wallet request` to a DID"
            " registrar"
        )


@wallet_app.command("request")
@_cli_errors
def wallet_request(
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="写入文件 / write to this file")] = None,
) -> None:
    """DID 登记申请 / the registration request for the wallet's DID ({did, public_key,
    proof}: the key's possession proof, nothing secret) for ``wuyi did register``."""
    w = _open_wallet(wallet, passphrase_file)
    req = _identity(node).registration_request(w.key)
    _write_or_print(json.dumps(req, ensure_ascii=False, indent=2), out, f"[green]✓[/green] {out}")


@wallet_app.command("rotate-key")
@_cli_errors
def wallet_rotate_key(
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """更换 DID 密钥 / replace the wallet's DID key on chain (old credentials need re-issue)."""
    w = _open_wallet(wallet, passphrase_file)
    w.rotate(_identity(node))
    console.print(f"[green]✓ 密钥已更换 / key rotated[/green] for {w.did}")


@wallet_app.command("deactivate")
@_cli_errors
def wallet_deactivate(
    yes: Annotated[
        bool, typer.Option("--yes", help="确认 / confirm: this cannot be undone")
    ] = False,
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """注销 DID（不可恢复）/ deactivate the wallet's DID for good."""
    if not yes:
        raise ValidationError("deactivating a DID cannot be undone: add --yes", field="yes")
    w = _open_wallet(wallet, passphrase_file)
    _identity(node).deactivate(w.key, w.did)
    console.print(f"[green]✓ 已注销 / deactivated[/green] {w.did}")


@wallet_app.command("show")
@_cli_errors
def wallet_show(wallet: WalletOpt = DEFAULT_WALLET, passphrase_file: PassFileOpt = None) -> None:
    """钱包概况 / the wallet's DID and credentials (no claim values)."""
    w = _open_wallet(wallet, passphrase_file)
    _kv([("DID", w.did), ("suite", w.key.suite_name), ("credentials", str(len(w.credentials)))])
    _credential_table(w)


@wallet_app.command("list")
@_cli_errors
def wallet_list(wallet: WalletOpt = DEFAULT_WALLET, passphrase_file: PassFileOpt = None) -> None:
    """凭证列表 / credentials in the wallet."""
    _credential_table(_open_wallet(wallet, passphrase_file))


def _credential_table(w: Any) -> None:
    t = _table("id", "类型 / type", "签发 / issuer", "可披露 / claims", keep=2)
    for c in w.credentials:
        s = c.summary()
        t.add_row(s["id"], s["type"], s["issuer"], ", ".join(s["claims"]))
    console.print(t)


@wallet_app.command("claims")
@_cli_errors
def wallet_claims(
    credential: CredentialArg,
    wallet: WalletOpt = DEFAULT_WALLET,
    passphrase_file: PassFileOpt = None,
) -> None:
    """查看凭证内容（仅本人）/ show a credential's claims to its holder."""
    c = _open_wallet(wallet, passphrase_file).get(credential)
    _print_json({"id": c.id, "type": c.type, "issuer": c.issuer, "claims": c.claims})


@wallet_app.command("add")
@_cli_errors
def wallet_add(
    file: Annotated[Path, typer.Argument(help="签发的 SD-JWT 文件 / issued SD-JWT file")],
    wallet: WalletOpt = DEFAULT_WALLET,
    passphrase_file: PassFileOpt = None,
) -> None:
    """存入凭证 / keep an issued credential (checked to be bound to this wallet)."""
    w = _open_wallet(wallet, passphrase_file)
    c = w.add(_read(file, "credential file"))
    console.print(f"[green]✓[/green] {c.id} ({c.type}) from {c.issuer}")


@wallet_app.command("consent")
@_cli_errors
def wallet_consent(
    verifier: VerifierOpt,
    types: Annotated[str, typer.Option("--types", help="凭证类型 / credential types, a,b")],
    claims: Annotated[str, typer.Option("--claims", help="可披露项 / claim names, a,b")],
    purpose: Annotated[str, typer.Option(help="用途 / purpose")],
    minutes: Annotated[int, typer.Option(help="有效分钟 / minutes valid")] = 10,
    assurance: Annotated[
        Path | None,
        typer.Option(
            help="实名+人脸认证结果文件（wuyi idp attest 的输出）/ identity-assurance attestation"
            " file, for services that require real-name and face verification"
        ),
    ] = None,
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """授权 / consent: let a verifier see named claims, for a purpose, for a while."""
    w = _open_wallet(wallet, passphrase_file)
    cid = _identity(node).grant_consent(
        w.key,
        verifier=verifier,
        types=_split(types, "types"),
        claims=_split(claims, "claims"),
        purpose=purpose,
        minutes=minutes,
        assurance=None if assurance is None else _read(assurance, "attestation file").strip(),
    )
    console.print(f"[green]✓ 已授权 / consent granted[/green] ({minutes} min); consent id:")
    print(cid)


@wallet_app.command("revoke-consent")
@_cli_errors
def wallet_revoke_consent(
    consent_id: Annotated[str, typer.Argument(help="授权 id / consent id")],
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """撤回授权 / withdraw a consent at once."""
    w = _open_wallet(wallet, passphrase_file)
    _identity(node).revoke_consent(w.key, consent_id)
    console.print(f"[green]✓ 已撤回 / consent {consent_id} revoked[/green]")


@wallet_app.command("consents")
@_cli_errors
def wallet_consents(
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """我的授权 / my consents (from the chain)."""
    w = _open_wallet(wallet, passphrase_file)
    items = _identity(node).consents(w.did, key=w.key)  # a signed read with the DID key
    for c in items:
        _kv(
            [
                ("授权 id / consent", str(c["id"])),
                ("核验方 / verifier", c["verifier"]),
                ("类型 / types", ", ".join(c["types"])),
                ("项 / claims", ", ".join(c["claims"])),
                ("用途 / purpose", c["purpose"]),
                ("有效 / valid", f"{_fmt_time(c['not_before'])} → {_fmt_time(c['not_after'])}"),
                ("状态 / status", f"{c['status']}, {c['uses']} use(s)"),
            ]
        )
    if not items:
        console.print("（无 / none）")


@wallet_app.command("present")
@_cli_errors
def wallet_present(
    credential: CredentialArg,
    claims: Annotated[str, typer.Option("--claims", help="只披露 / disclose only, a,b")],
    verifier: VerifierOpt,
    nonce: Annotated[str, typer.Option(help="核验方给的随机数 / the verifier's nonce")],
    consent: Annotated[str, typer.Option(help="授权 id / consent id")],
    ttl: Annotated[int, typer.Option(help="有效秒数 / seconds valid (≤600)")] = 120,
    out: Annotated[Path | None, typer.Option(help="写入文件 / write to file")] = None,
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """出示凭证 / make a single-use presentation for one verifier. The wallet first reads the
    consent from the chain (with its proof) and refuses to disclose anything it does not
    cover."""
    w = _open_wallet(wallet, passphrase_file)
    p = w.present(
        credential,
        _split(claims, "claims"),
        verifier=verifier,
        nonce=nonce,
        consent=consent,
        ttl=ttl,
        consents=_identity(node),
    )
    _write_or_print(p, out, f"[green]✓[/green] presentation written to {out} (valid {ttl} s)")


@wallet_app.command("log")
@_cli_errors
def wallet_log(
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """使用记录 / every recorded use of my credentials, and refused attempts (from the chain)."""
    w = _open_wallet(wallet, passphrase_file)
    ident = _identity(node)
    used, refused = ident.uses(w.did, key=w.key), ident.refused(w.did, key=w.key)
    console.print("[bold]使用记录 / uses[/bold]")
    for u in used + refused:
        creds = ", ".join(
            f"{c['issuer_org']}/{c['idx']} {c['type']}" if c.get("type") else "—"
            for c in u["credentials"]
        )
        ok = u["result"] == "accepted"
        verdict = (
            "[green]✓ 通过 / accepted[/green]"
            if ok
            else f"[red]✗ 拒绝 / refused ({u['reason']})[/red]"
        )
        if u.get("basis") == "verifier_claim":  # recorded on the verifier's word (before #16)
            verdict += " [yellow](核验方自称 / the verifier's own claim)[/yellow]"
        console.print(
            f"  {_fmt_time(u['time'])}  {escape(u['verifier'])}  {verdict}\n"
            f"      {escape(creds)}  披露 / disclosed: {escape(', '.join(u['disclosed']))}"
            f"  用途 / purpose: {escape(u.get('purpose', ''))}"
        )
    console.print(f"{len(used)} accepted use(s), {len(refused)} refused attempt(s)")


@wallet_app.command("reads")
@_cli_errors
def wallet_reads(
    wallet: WalletOpt = DEFAULT_WALLET,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """谁读了我的记录 / who read my records on this node, when and why (its access log; a
    read signed with my DID key, itself logged)."""
    w = _open_wallet(wallet, passphrase_file)
    entries = _identity(node).reads(w.did, key=w.key)
    for e in entries:
        r = e["reader"]
        who = r.get("did") or r["address"]
        if r.get("org"):
            who = f"{r['org']} {','.join(r['roles'])}"
        console.print(
            f"  {_fmt_time(e['time'])}  {escape(who)}  {escape(e['what'])}\n"
            f"      目的 / purpose: {escape(e['purpose'])}  依据 / basis: {e['basis']}"
        )
    console.print(f"{len(entries)} read(s) of my records")


# -- issuing and verifying ------------------------------------------------------------------------


@vc_app.command("types")
@_cli_errors
def vc_types(node: NodeOpt = DEFAULT_NODE) -> None:
    """凭证类型与授权签发机构 / credential types and the organisations allowed to issue them."""
    t = _table("类型 / type", "签发机构 / issuers", "项 / claims", "说明 / description")
    for ty in _identity(node).credential_types():
        t.add_row(ty["type"], ",".join(ty["issuers"]), ",".join(ty["claims"]), ty["description"])
    console.print(t)


@vc_app.command("issue")
@_cli_errors
def vc_issue(
    key: KeyOpt,
    org: Annotated[str, typer.Option(help="签发机构 / issuing organisation")],
    type_: CredentialTypeOpt,
    holder: Annotated[str, typer.Option(help="持有人 DID / holder DID")],
    claims: Annotated[str, typer.Option(help="内容 JSON（可选择披露）/ claims as JSON")],
    out: Annotated[Path, typer.Option(help="写入 SD-JWT 文件 / SD-JWT file to write")],
    days: Annotated[int, typer.Option(help="有效天数，0 不过期 / days valid, 0 = none")] = 0,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """签发凭证（链上只存承诺）/ issue a credential; only its commitment goes on chain."""
    try:
        values = json.loads(claims)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"--claims is not JSON: {exc}", field="claims") from None
    if not isinstance(values, dict) or not values:
        raise ValidationError("--claims must be a non-empty JSON object", field="claims")
    k = _load_key(key, passphrase_file)
    sd_jwt = _identity(node).issue(
        k, org=org, type=type_, holder_did=holder, claims=values, valid_days=days or None
    )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(sd_jwt + "\n")
    console.print(f"[green]✓ 已签发 / issued[/green] {type_} → {holder}; SD-JWT in {out}")


def _status_command(status: str, doc: str) -> Any:
    def command(
        key: KeyOpt,
        idx: int,
        reason: str = "",
        node: NodeOpt = DEFAULT_NODE,
        passphrase_file: PassFileOpt = None,
    ) -> None:
        k = _load_key(key, passphrase_file)
        _identity(node).set_status(k, idx, status, reason)
        console.print(f"[green]✓[/green] credential {idx}: {status}")

    command.__doc__ = doc
    return _cli_errors(command)


for _verb, _status, _doc in (
    (
        "revoke",
        "revoked",
        "撤销凭证（不可恢复）/ revoke a credential of your organisation (final).",
    ),
    ("suspend", "suspended", "暂停凭证 / suspend a credential."),
    ("reinstate", "valid", "恢复凭证 / reinstate a suspended credential."),
):
    vc_app.command(_verb)(_status_command(_status, _doc))


@vc_app.command("status")
@_cli_errors
def vc_status(org: str, idx: int, node: NodeOpt = DEFAULT_NODE) -> None:
    """凭证状态（校验证明）/ a credential's status, checked against the chain's proof."""
    rec = _identity(node).credential_status(org, idx)
    _kv(
        [
            ("credential", f"{org}/{idx}"),
            ("type", rec["type"]),
            ("status", rec["status"]),
            ("issued", _fmt_time(rec["issued_time"])),
            ("commitment", rec["commitment"].hex()),
        ]
    )


@vc_app.command("challenge")
@_cli_errors
def vc_challenge() -> None:
    """生成核验随机数 / make a nonce to send to the holder with the request."""
    import secrets

    print(secrets.token_hex(16))


@vc_app.command("verify")
@_cli_errors
def vc_verify(
    key: KeyOpt,
    org: Annotated[str, typer.Option(help="核验机构（本机构）/ your organisation")],
    nonce: Annotated[str, typer.Option(help="你发出的随机数 / the nonce you sent")],
    presentation: Annotated[Path, typer.Argument(help="出示文件 / presentation file")],
    min_assurance: Annotated[
        int,
        typer.Option(
            min=0,
            max=4,
            help="要求授权时的实名认证等级 / identity-assurance level the consent must carry",
        ),
    ] = 0,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """核验出示并上链记录 / verify a presentation and record the check on chain."""
    from wuyi.sdk.identity import Verifier

    k = _load_key(key, passphrase_file)
    v = Verifier(_client(node), k, org, min_assurance=min_assurance)
    v.accept_nonce(nonce)
    verdict = v.verify(_read(presentation, "presentation file"), nonce)
    if verdict.accepted:
        console.print("[green]✓ 核验通过 / accepted[/green]")
        _print_json(verdict.claims)
    else:
        console.print(
            f"[red]✗ 拒绝 / refused[/red] \\[{escape(verdict.reason)}] {escape(verdict.message)}"
        )
    if verdict.tx_hash:
        console.print(f"  recorded in tx {verdict.tx_hash} at height {verdict.height}")
    if not verdict.accepted:
        raise typer.Exit(2)


# -- identity provider ----------------------------------------------------------------------------


@idp_app.command("attest")
@_cli_errors
def idp_attest(
    key: KeyOpt,
    org: Annotated[str, typer.Option(help="认证机构 / provider organisation")],
    did: Annotated[str, typer.Option(help="被认证人 DID / subject DID")],
    level: Annotated[int, typer.Option(help="认证等级 1-4 / assurance level")] = 2,
    real_name: Annotated[bool, typer.Option(help="实名核验通过 / real-name check passed")] = True,
    face: Annotated[bool, typer.Option(help="人脸核验通过 / face verification passed")] = True,
    hours: Annotated[int, typer.Option(help="有效小时 ≤24 / hours valid")] = 1,
    passphrase_file: PassFileOpt = None,
) -> None:
    """签发身份认证结果（演示服务商）/ sign an identity-assurance attestation."""
    from wuyi.vc.assurance import make_attestation

    k = _load_key(key, passphrase_file)
    now = int(time.time())
    print(
        make_attestation(
            k,
            org=org,
            sub=did,
            level=level,
            real_name=real_name,
            face=face,
            iat=now,
            exp=now + hours * 3600,
        )
    )
