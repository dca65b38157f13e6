"""The demo's issuing desk and identity provider (``make run``; the browser tests' live node).

* :func:`write_node_config` gives node0 (``make run``) an ``[oid4vci]`` desk with the issuing
  keys of 公安局 (gaj) and 民政局 (mzj) — the demo's ``<org>-issuer.key``, made here if missing
  so the node finds them at its first start — and an ``[idp]`` section: the demo identity
  provider at ``<node0>/idp`` with the wallet client ``wuyi-wallet``.
* :func:`register_demo_idp` registers on chain (governance ``idp.set`` with ``oidc``) what
  that provider publishes (discovery and JWKS): its issuer, key and ``acr`` values. Idempotent.
* :func:`configure_live` does the same for an in-process app (``wuyi.console.livenode``).

**The demo's face step is simulated** (``wuyi.idp``): say so wherever it shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wuyi.exceptions import NotFound, WuyiError

__all__ = ["DESK_ORGS", "WALLET_CLIENT", "configure_live", "register_demo_idp", "write_node_config"]

DESK_ORGS = ("gaj", "mzj")
WALLET_CLIENT = "wuyi-wallet"


def write_node_config(home: Path, keys_dir: Path, url: str, suite: str, passphrase: str) -> None:
    """Append ``[oid4vci]`` and ``[idp]`` to ``home/node.toml`` unless already there."""
    import os

    from wuyi.crypto import get_suite, save_key

    path = home / "node.toml"
    text = path.read_text()
    if "[oid4vci]" in text:
        return
    for org in DESK_ORGS:
        key_file = keys_dir / f"{org}-issuer.key"
        if not key_file.exists():
            save_key(key_file, get_suite(suite).generate_private_key(), passphrase)
    rel = os.path.relpath(keys_dir, home)
    lines = [
        "",
        "# OpenID4VCI issuing desk and the demo identity provider (wuyi/oid4vci, wuyi/idp)",
        "[oid4vci]",
        f'public_url = "{url}"',
        "[oid4vci.issuer_keys]",
        *(f'{org} = "{rel}/{org}-issuer.key"' for org in DESK_ORGS),
        "",
        "[idp]",
        f'public_url = "{url}"',
        'signing_key = "idp-signing.jwk"',
        "level = 2",
        "max_level = 3",
        "[[idp.clients]]",
        f'client_id = "{WALLET_CLIENT}"',
        'name = "五邑链钱包 / Wuyi wallet"',
        f'redirect_uris = ["{url}/console/"]',
        "",
    ]
    path.write_text(text.rstrip("\n") + "\n" + "\n".join(lines))


def register_demo_idp(client: Any, admins: dict[str, Any]) -> bool:
    """Register the identity provider node0 serves (if it serves one) on chain as org ``idp``
    with what it publishes; False when there is none or it is registered already."""
    try:
        meta = client._get("/idp/.well-known/openid-configuration")
        jwks = client._get("/idp/jwks")
    except (NotFound, WuyiError):
        return False
    oidc = {
        "issuer": meta["issuer"],
        "audience": WALLET_CLIENT,
        "jwks": jwks["keys"],
        "acr_levels": {acr: int(acr.rsplit("L", 1)[1]) for acr in meta["acr_values_supported"]},
    }
    for p in client._get("/v1/idps")["providers"]:
        if p["org"] == "idp" and p.get("oidc") == oidc:
            return False
    client.govern(
        admins["sjj"],
        [k for org, k in admins.items() if org != "sjj"],
        "idp.set",
        {"org": "idp", "enabled": True, "max_level": 3, "oidc": oidc},
        title="登记演示身份认证服务（OpenID Connect）/ register the demo OpenID Connect provider",
    )
    return True


def configure_live(app: Any, keys_dir: Path, url: str, passphrase: str) -> None:
    """The desk (gaj, mzj issuing keys) and the identity provider of an in-process app."""
    from wuyi.crypto import load_key
    from wuyi.idp.api import configure as configure_idp
    from wuyi.idp.provider import Client, IdentityProvider, new_signing_jwk
    from wuyi.oid4vci.api import configure

    keys = {
        org: load_key(keys_dir / f"{org}-issuer.key", passphrase)
        for org in DESK_ORGS
        if (keys_dir / f"{org}-issuer.key").exists()
    }
    configure(app, keys)
    provider = IdentityProvider(
        issuer=url + "/idp",
        signing_jwk=new_signing_jwk(),
        clients=[Client(WALLET_CLIENT, (url + "/console/",), "五邑链钱包 / Wuyi wallet")],
    )
    configure_idp(app, provider)
