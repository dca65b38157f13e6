"""The identity commands, as docs/credentials.md walks them: a citizen's wallet, an issuer,
consent, a presentation, the bank's check and its replay, the citizen's log, revocation."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wuyi.crypto import load_key, save_key
from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "政务服务数据管理局", True),
    OrgSpec("gaj", "公安局"),
    OrgSpec("jyj", "教育局"),
    OrgSpec("nsyh", "江门农商银行"),
    OrgSpec("idp", "实名认证服务"),
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[InProcessNode]:
    with inprocess_node(tmp_path / "node", ORGS, suite="intl", passphrase=PW) as e:
        admins = {o.id: load_key(e.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        for org in ("gaj", "jyj"):
            k = e.client.suite.generate_private_key()
            save_key(e.keys_dir / f"{org}-issuer.key", k, PW)
            tx = e.client.builder(admins[org]).member_add(org, k.public_key, ["issuer"], "签发")
            assert e.client.submit_and_wait(tx).receipt.status == "ok"
        k = e.client.suite.generate_private_key()
        save_key(e.keys_dir / "idp-idp.key", k, PW)
        tx = e.client.builder(admins["idp"]).member_add("idp", k.public_key, ["idp"], "认证")
        assert e.client.submit_and_wait(tx).receipt.status == "ok"
        voters = [admins["gaj"], admins["jyj"], admins["idp"]]
        e.client.govern(
            admins["sjj"],
            voters,
            "idp.set",
            {"org": "idp", "enabled": True, "max_level": 3},
            title="enable idp",
        )
        e.client.govern(
            admins["sjj"],
            voters,
            "did.set_registrar",
            {"org": "idp", "enabled": True},
            title="idp registers citizens' DIDs",
        )
        e.client.govern(
            admins["sjj"],
            voters,
            "vc.set_type",
            {"type": "IdentityCredential", "issuers": ["gaj"], "claims": ["age_over_18", "name"]},
            title="authorise gaj",
        )
        yield e


def test_identity_walk_through(
    env: InProcessNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    from wuyi.cli import app

    for name in ("wuyi.cli.app", "wuyi.cli.identity"):  # the package exports `app`, a Typer
        mod = importlib.import_module(name)
        monkeypatch.setattr(mod, "_client", lambda node: env.new_client())
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    monkeypatch.setenv("COLUMNS", "200")
    # the CLI console may exist already (another test in this worker): widen it too
    monkeypatch.setattr(importlib.import_module("wuyi.cli.app").console, "width", 200)
    runner = CliRunner()
    K = env.keys_dir
    W = str(tmp_path / "me.json")

    def wuyi(*args: str, code: int = 0) -> str:
        r = runner.invoke(app, list(args))
        assert r.exit_code == code, r.output
        return r.output

    # a citizen's wallet; its DID is registered by the identity provider's counter from the
    # wallet's registration request (a new key cannot register itself)
    out = wuyi("wallet", "init", "--wallet", W)
    did = out.split("DID ")[1].split()[0]
    assert "not registered yet" in out
    req = str(tmp_path / "request.json")
    wuyi("wallet", "request", "--wallet", W, "--out", req)
    wuyi("did", "register", req, "--key", f"{K}/nsyh-admin.key", code=1)  # not a registrar
    assert did in wuyi("did", "register", req, "--key", f"{K}/idp-idp.key")
    assert "idp" in wuyi("did", "registrars")
    assert '"id": "' + did in wuyi("did", "show", did)
    did2 = wuyi(
        "wallet", "init", "--wallet", str(tmp_path / "two.json"),
        "--registrar-key", f"{K}/idp-idp.key",
    ).split("DID ")[1].split()[0]  # fmt: skip
    assert '"id": "' + did2 in wuyi("did", "show", did2)
    assert "IdentityCredential" in wuyi("vc", "types")
    sd = str(tmp_path / "id.sd-jwt")
    claims = '{"name": "王小明", "age_over_18": true}'
    wuyi("vc", "issue", "--key", f"{K}/gaj-issuer.key", "--org", "gaj",
         "--type", "IdentityCredential", "--holder", did,
         "--claims", claims, "--out", sd)  # fmt: skip
    out = wuyi("vc", "issue", "--key", f"{K}/jyj-issuer.key", "--org", "jyj",
               "--type", "IdentityCredential", "--holder", did, "--claims", claims,
               "--out", str(tmp_path / "x"), code=1)  # fmt: skip
    assert "may not issue IdentityCredential" in out
    assert "gaj/0 (IdentityCredential)" in wuyi("wallet", "add", sd, "--wallet", W)
    assert "王小明" in wuyi("wallet", "claims", "gaj/0", "--wallet", W)
    consent = wuyi("wallet", "consent", "--wallet", W, "--verifier", "nsyh",
                   "--types", "IdentityCredential", "--claims", "age_over_18",
                   "--purpose", "开户", "--minutes", "10").strip().splitlines()[-1]  # fmt: skip
    assert consent in wuyi("wallet", "consents", "--wallet", W)
    nonce = wuyi("vc", "challenge").strip()
    p = str(tmp_path / "p.txt")
    wuyi("wallet", "present", "IdentityCredential", "--claims", "age_over_18",
         "--verifier", "nsyh", "--nonce", nonce, "--consent", consent, "--out", p,
         "--wallet", W)  # fmt: skip
    # the name is not covered by the consent: the wallet refuses, nothing is written
    refused = wuyi("wallet", "present", "IdentityCredential", "--claims", "age_over_18,name",
                   "--verifier", "nsyh", "--nonce", nonce, "--consent", consent,
                   "--out", str(tmp_path / "q.txt"), "--wallet", W, code=1)  # fmt: skip
    assert "disclosure_refused" in refused and "['name']" in refused
    assert not (tmp_path / "q.txt").exists()
    ok = wuyi("vc", "verify", p, "--key", f"{K}/nsyh-admin.key", "--org", "nsyh", "--nonce", nonce)
    assert "accepted" in ok and "王小明" not in ok and '"age_over_18": true' in ok
    again = wuyi("vc", "verify", p, "--key", f"{K}/nsyh-admin.key", "--org", "nsyh",
                 "--nonce", nonce, code=2)  # fmt: skip
    assert "refused" in again and "[replay]" in again
    log = wuyi("wallet", "log", "--wallet", W)
    assert "1 accepted use(s), 1 refused attempt(s)" in log
    # the log was a signed read with the wallet's DID key: the citizen sees it in the node's
    # access log (who, what, why), as every read of their records
    reads = wuyi("wallet", "reads", "--wallet", W)
    assert "consents" in reads or "credentials" in reads
    assert "持有人查看本人记录" in reads and "read(s) of my records" in reads
    # a service that requires real-name + face verification with the consent (免证办)
    nonce = wuyi("vc", "challenge").strip()
    wuyi("wallet", "present", "IdentityCredential", "--claims", "age_over_18",
         "--verifier", "nsyh", "--nonce", nonce, "--consent", consent, "--out", p,
         "--wallet", W)  # fmt: skip
    low = wuyi("vc", "verify", p, "--key", f"{K}/nsyh-admin.key", "--org", "nsyh",
               "--nonce", nonce, "--min-assurance", "2", code=2)  # fmt: skip
    assert "[assurance_too_low]" in low
    att = tmp_path / "att.jws"
    att.write_text(wuyi("idp", "attest", "--key", f"{K}/idp-idp.key", "--org", "idp",
                        "--did", did, "--level", "2"))  # fmt: skip
    out = wuyi("wallet", "consent", "--wallet", W, "--verifier", "nsyh",
               "--types", "IdentityCredential", "--claims", "age_over_18",
               "--purpose", "开户", "--assurance", str(att))  # fmt: skip
    assured = out.strip().splitlines()[-1]
    nonce = wuyi("vc", "challenge").strip()
    wuyi("wallet", "present", "IdentityCredential", "--claims", "age_over_18",
         "--verifier", "nsyh", "--nonce", nonce, "--consent", assured, "--out", p,
         "--wallet", W)  # fmt: skip
    assert "accepted" in wuyi("vc", "verify", p, "--key", f"{K}/nsyh-admin.key", "--org",
                              "nsyh", "--nonce", nonce, "--min-assurance", "2")  # fmt: skip
    wuyi("vc", "revoke", "0", "--key", f"{K}/gaj-issuer.key", "--reason", "重新签发")
    assert "revoked" in wuyi("vc", "status", "gaj", "0")
    assert "cannot read presentation file" in wuyi(
        "vc", "verify", str(tmp_path / "none"), "--key", f"{K}/nsyh-admin.key",
        "--org", "nsyh", "--nonce", nonce, code=1,
    )  # fmt: skip
