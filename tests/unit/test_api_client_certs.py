"""Client certificates end to end: a node whose API requires them (``[api] client_auth =
"required"``), a client certificate issued by ``wuyi tls issue --client`` from the members' CA,
and the SDK (``WuyiClient(client_cert=, ca=)``, ``$WUYI_CLIENT_CERT``...) and the CLI
(``--client-cert``, ``--client-key``, ``--ca``) presenting it; without one, or with one of
another CA, the refusal says what the node wants."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from typer.testing import CliRunner

from wuyi.cli import app
from wuyi.crypto import load_key
from wuyi.exceptions import ValidationError
from wuyi.network.tls import (
    create_org_ca,
    issue_client_certificate,
    issue_node_certificate,
    load_certificate_der,
)
from wuyi.node.home import NodeHome, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.node.service import NodeService
from wuyi.sdk import ApiError, TxBuilder, WuyiClient

CHAIN = "client-cert-chain"


@dataclass
class Api:
    url: str
    server_ca: Path
    cert: Path
    key: Path
    other_cert: Path
    other_key: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(*args: Any) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("clientcert")
    root = tmp / "node"
    init_home(root, chain_id=CHAIN, suite="intl", orgs=[OrgSpec("zjj", "住建局", True)],
              passphrase="pw", time_ms=1)  # fmt: skip
    server_ca = create_org_ca(tmp / "zjj-ca", "zjj")
    members_ca = create_org_ca(tmp / "members-ca", "zjj")
    other_ca = create_org_ca(tmp / "other-ca", "elsewhere")
    issue_node_certificate(*server_ca, root / "tls", "api", days=90, copy_ca=False)
    # the member's certificate comes from the command an organisation's admin runs
    r = run("tls", "issue", "--client", "--ca-dir", tmp / "members-ca", "--out", tmp / "alice",
            "--name", "zjj-窗口系统", "--days", "30")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "--client-cert" in r.output
    other = issue_client_certificate(*other_ca, tmp / "mallory", "mallory")
    port = free_port()
    toml = root / "node.toml"
    toml.write_text(
        toml.read_text().replace(
            "[api]\n",
            '[api]\ntls_cert = "tls/node.crt"\ntls_key = "tls/node.key"\n'
            f'client_ca = "{members_ca[0]}"\nclient_auth = "required"\n',
        )
    )
    service = NodeService(Node.open(root), NodeHome(root).load_settings(), port=port, home=root)
    with service.running():
        yield Api(
            url=f"https://127.0.0.1:{port}",
            server_ca=server_ca[0],
            cert=tmp / "alice" / "client.crt",
            key=tmp / "alice" / "client.key",
            other_cert=other[0],
            other_key=other[1],
        )


@pytest.fixture(autouse=True)
def no_tls_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("WUYI_CLIENT_CERT", "WUYI_CLIENT_KEY", "WUYI_CA", "WUYI_NODE", "SSL_CERT_FILE"):
        monkeypatch.delenv(var, raising=False)


def test_issued_client_certificate_is_for_clients_only(api: Api) -> None:
    cert = x509.load_pem_x509_certificate(api.cert.read_bytes())
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert cn == "zjj-窗口系统"
    assert api.key.stat().st_mode & 0o777 == 0o600


def test_sdk_with_a_client_certificate_of_the_ca(api: Api) -> None:
    with WuyiClient(api.url, client_cert=(api.cert, api.key), ca=api.server_ca) as c:
        assert c.status().chain_id == CHAIN
        assert c.get_block(0).header.height == 0  # a verified read over the same connection


def test_sdk_with_one_file_holding_the_certificate_and_its_key(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    both = tmp_path / "both.pem"
    both.write_bytes(api.key.read_bytes() + api.cert.read_bytes())
    monkeypatch.setenv("WUYI_CLIENT_KEY", str(api.other_key))  # not paired with a given file
    with WuyiClient(api.url, client_cert=both, ca=api.server_ca) as c:
        assert c.status().chain_id == CHAIN


def test_sdk_takes_the_files_from_the_environment_and_keeps_them_on_failover(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WUYI_CLIENT_CERT", str(api.cert))
    monkeypatch.setenv("WUYI_CLIENT_KEY", str(api.key))
    monkeypatch.setenv("WUYI_CA", str(api.server_ca))
    down = f"https://127.0.0.1:{free_port()}"
    with WuyiClient([down, api.url]) as c:
        assert c.status().chain_id == CHAIN
        assert c.node_url == api.url and c.failovers == 1


def test_sdk_without_a_client_certificate_is_told_what_the_node_wants(api: Api) -> None:
    with (
        WuyiClient(api.url, ca=api.server_ca) as c,
        pytest.raises(ApiError) as err,
    ):
        c.status()
    assert err.value.code == "tls_refused"
    msg = err.value.message
    assert "requires a client certificate" in msg and "client CA" in msg
    assert "--client-cert" in msg and "SSL" not in msg


def test_sdk_with_a_certificate_of_another_ca_is_refused(api: Api) -> None:
    with (
        WuyiClient(api.url, client_cert=(api.other_cert, api.other_key), ca=api.server_ca) as c,
        pytest.raises(ApiError) as err,
    ):
        c.status()
    assert err.value.code == "tls_refused"
    assert "refused the client certificate" in err.value.message
    assert "issued by its client CA" in err.value.message


def test_sdk_that_does_not_trust_the_node_says_to_give_its_ca(api: Api) -> None:
    with WuyiClient(api.url, client_cert=(api.cert, api.key)) as c, pytest.raises(ApiError) as err:
        c.status()
    assert err.value.code == "tls_refused"
    assert "not issued by a CA this client trusts" in err.value.message
    assert "--ca" in err.value.message


def test_sdk_names_a_missing_or_mismatched_file(api: Api, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"client key file .*nope\.key does not exist"):
        WuyiClient(api.url, client_cert=(api.cert, tmp_path / "nope.key"))
    with pytest.raises(ValidationError, match="the key does not match the certificate"):
        WuyiClient(api.url, client_cert=(api.cert, api.other_key))
    with pytest.raises(ValidationError, match=r"CA file .*missing\.crt does not exist"):
        WuyiClient(api.url, ca=tmp_path / "missing.crt")


def test_cli_status_with_client_certificate_options(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = run("status", "--node", api.url, "--client-cert", api.cert, "--client-key", api.key,
            "--ca", api.server_ca)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert CHAIN in r.output
    # before the command, and from the environment
    r = run("--client-cert", api.cert, "--client-key", api.key, "--ca", api.server_ca,
            "status", "--node", api.url)  # fmt: skip
    assert r.exit_code == 0, r.output
    monkeypatch.setenv("WUYI_CLIENT_CERT", str(api.cert))
    monkeypatch.setenv("WUYI_CLIENT_KEY", str(api.key))
    monkeypatch.setenv("WUYI_CA", str(api.server_ca))
    r = run("status", "--node", api.url)
    assert r.exit_code == 0, r.output


def test_cli_errors_name_the_file_and_the_refusal(api: Api, tmp_path: Path) -> None:
    r = run("status", "--node", api.url, "--ca", api.server_ca)
    assert r.exit_code == 1
    assert "[tls_refused]" in r.output and "requires a client certificate" in r.output
    assert "Traceback" not in r.output
    missing = tmp_path / "gone.crt"
    r = run("status", "--node", api.url, "--client-cert", missing, "--client-key", api.key,
            "--ca", api.server_ca)  # fmt: skip
    assert r.exit_code == 1
    assert "gone.crt does not exist" in r.output
    r = run("status", "--node", api.url, "--client-cert", api.other_cert, "--client-key",
            api.other_key, "--ca", api.server_ca)  # fmt: skip
    assert r.exit_code == 1 and "refused the client certificate" in r.output


def test_cli_command_with_its_own_ca_option_keeps_it() -> None:
    from typer.main import get_command

    from wuyi.cli.app import _hoist_tls_options
    from wuyi.cli.deploy import tls_app  # noqa: F401  (registers `wuyi tls`)

    group = get_command(app)
    args = ["tls", "register-ca", "--org", "zjj", "--ca", "a.crt", "--client-cert", "c.crt"]
    assert _hoist_tls_options(group, args) == [
        "--client-cert", "c.crt", "tls", "register-ca", "--org", "zjj", "--ca", "a.crt",
    ]  # fmt: skip
    args = ["--ca", "x", "status", "--ca=y", "--node", "u"]
    assert _hoist_tls_options(group, args) == ["--ca", "x", "--ca=y", "status", "--node", "u"]
    args = ["status", "--node", "u", "--ca"]  # no value: left for the command to refuse
    assert _hoist_tls_options(group, args) == args


def test_client_ca_chain_trusts_the_cas_registered_on_chain_as_they_change(
    tmp_path: Path,
) -> None:
    root = tmp_path / "node"
    init_home(root, chain_id="chain-cas", suite="intl", orgs=[OrgSpec("zjj", "住建局", True)],
              passphrase="pw", time_ms=1)  # fmt: skip
    server_ca = create_org_ca(tmp_path / "server-ca", "zjj")
    issue_node_certificate(*server_ca, root / "tls", "api", days=90, copy_ca=False)
    first = create_org_ca(tmp_path / "first-ca", "zjj")
    second = create_org_ca(tmp_path / "second-ca", "zjj")
    alice = issue_client_certificate(*first, tmp_path / "alice", "alice")
    bob = issue_client_certificate(*second, tmp_path / "bob", "bob")
    admin = load_key(root / "keys" / "zjj-admin.key", "pw")

    def set_cas(*cas: tuple[Path, Path]) -> Any:
        return {"org": "zjj", "certs": [load_certificate_der(ca[0]) for ca in cas]}

    node = Node.open(root, validator_key=NodeHome(root).load_validator_key("pw"))
    node.submit(TxBuilder("chain-cas", admin).build("tls.set_cas", set_cas(first)).to_bytes())
    node.produce_block()
    toml = root / "node.toml"
    toml.write_text(
        toml.read_text().replace(
            "[api]\n",
            '[api]\ntls_cert = "tls/node.crt"\ntls_key = "tls/node.key"\n'
            'client_ca = "chain"\nclient_auth = "required"\n',
        )
    )
    port = free_port()
    service = NodeService(node, NodeHome(root).load_settings(), port=port, home=root)
    url = f"https://127.0.0.1:{port}"

    def status_as(who: tuple[Path, Path]) -> str:
        try:
            with WuyiClient(url, client_cert=who, ca=server_ca[0]) as c:
                return c.status().chain_id
        except ApiError as exc:
            return exc.code

    with service.running():
        assert status_as(alice) == "chain-cas"
        assert status_as(bob) == "tls_refused"
        # zjj's admin rotates to the second CA: both while the rotation lasts, then the new one
        with WuyiClient(url, client_cert=alice, ca=server_ca[0]) as c:
            c.submit_and_wait(c.builder(admin).build("tls.set_cas", set_cas(first, second)))
        assert service.reload_client_cas()
        assert not service.reload_client_cas()  # nothing changed since
        assert status_as(bob) == "chain-cas" and status_as(alice) == "chain-cas"
        with WuyiClient(url, client_cert=bob, ca=server_ca[0]) as c:
            c.submit_and_wait(c.builder(admin).build("tls.set_cas", set_cas(second)))
        assert service.reload_client_cas()
        assert status_as(alice) == "tls_refused" and status_as(bob) == "chain-cas"
