"""``wuyi login``: sign in to the web console from the terminal with a member's key.

The CLI asks the node for a sign-in challenge, checks it is a login challenge for this key's
address and this chain (so it never signs anything else), signs it, and prints a one-time
console link (valid two minutes, usable once). Opening it signs the browser in as that member,
read-only until the key is also loaded in the page. See ``docs/console.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

from wuyi.cli.app import DEFAULT_NODE, KeyOpt, NodeOpt, PassFileOpt, _cli_errors, _kv, app, console
from wuyi.exceptions import ValidationError

__all__ = ["login", "one_time_login"]

_cli = importlib.import_module("wuyi.cli.app")


def one_time_login(node_url: str, key: Any, *, verify: Any = True) -> dict[str, Any]:
    """Sign in at ``node_url`` with ``key``: the node's answer with ``ticket``, ``path``,
    ``member`` and ``url`` (the one-time console link). ``verify``: httpx's (an
    ``ssl.SSLContext`` with a client certificate for an API that requires one)."""
    import httpx

    from wuyi.console.auth import challenge_sign_bytes
    from wuyi.crypto import address_of, format_address, get_suite
    from wuyi.sdk.client import raise_problem

    base = node_url.rstrip("/")
    suite = get_suite(key.suite_name)
    address = format_address(address_of(suite, key.public_key))
    with httpx.Client(base_url=base, timeout=15, verify=verify) as http:
        status = http.get("/v1/status")
        if status.is_error:
            raise_problem(status)
        chain_id = status.json()["chain_id"]
        if status.json()["suite"] != suite.name:
            raise ValidationError(
                f"the key is a {suite.name} key; the chain uses {status.json()['suite']}"
            )
        r = http.post("/v1/auth/challenge", json={"address": address})
        if r.is_error:
            raise_problem(r)
        doc = r.json()
        c = doc["challenge"]
        challenge = {
            "address": c["address"],
            "chain_id": c["chain_id"],
            "expires": int(c["expires"]),
            "nonce": bytes.fromhex(c["nonce"]),
        }
        to_sign = challenge_sign_bytes(challenge)
        if (
            c["address"] != address
            or c["chain_id"] != chain_id
            or to_sign.hex() != doc["sign_bytes"]
        ):
            raise ValidationError(
                "the node sent something that is not a login challenge for this key"
            )
        r = http.post(
            "/v1/auth/login",
            json={
                "nonce": c["nonce"],
                "public_key": key.public_key.hex(),
                "signature": key.sign(to_sign).hex(),
                "one_time": True,
            },
        )
        if r.is_error:
            raise_problem(r)
        out: dict[str, Any] = r.json()
    out["url"] = base + out["path"]
    return out


@app.command("login")
@_cli_errors
def login(
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """登录控制台 / sign in to the web console with a member key; prints a one-time link."""
    from wuyi.sdk.tls import client_context

    k = _cli._load_key(key, passphrase_file)
    res = one_time_login(node, k, verify=client_context(*_cli._client_tls()) or True)
    m = res["member"]
    _kv(
        [
            ("成员 / member", f"{m['name']} {m['address']}"),
            ("组织 / organisation", f"{m['org']} {m['org_name']}"),
            ("角色 / roles", ", ".join(m["roles"])),
        ],
        title="已签名登录挑战 / signed the sign-in challenge",
    )
    console.print(
        "在浏览器打开（两分钟内有效，仅可使用一次）/ open in a browser (2 minutes, once):"
    )
    console.print(res["url"], soft_wrap=True)
