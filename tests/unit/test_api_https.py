"""The API over HTTPS with the organisation's certificate and client certificates for members
(``[api] tls_cert``, ``tls_key``, ``client_ca``, ``client_auth``): a client without a certificate
of the client CA is refused during the TLS handshake, and a renewed server certificate is served
without a restart."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import httpx
import pytest

from wuyi.network.identity import describe_certificate
from wuyi.network.tls import create_org_ca, issue_node_certificate
from wuyi.node.home import NodeHome, OrgSpec, init_home
from wuyi.node.node import Node
from wuyi.node.service import NodeService


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_https_with_client_certificates_and_a_renewal_without_restart(tmp_path: Path) -> None:
    root = tmp_path / "node"
    init_home(root, chain_id="https-chain", suite="intl", orgs=[OrgSpec("sjj", "政数局", True)],
              passphrase="pw", time_ms=1)  # fmt: skip
    server_ca = create_org_ca(tmp_path / "org-ca", "sjj")
    client_ca = create_org_ca(tmp_path / "client-ca", "sjj-members")
    issue_node_certificate(*server_ca, root / "tls", "api", days=90, copy_ca=False)
    issue_node_certificate(*client_ca, tmp_path / "alice", "alice", days=30, copy_ca=False)
    port = free_port()
    (root / "node.toml").write_text(
        (root / "node.toml")
        .read_text()
        .replace(
            "[api]\n",
            '[api]\ntls_cert = "tls/node.crt"\ntls_key = "tls/node.key"\n'
            f'client_ca = "{client_ca[0]}"\nclient_auth = "required"\n',
        )
    )
    settings = NodeHome(root).load_settings()
    assert settings.api_client_auth == "required"
    node = Node.open(root)
    service = NodeService(node, settings, port=port, home=root)
    assert service.url.startswith("https://")
    with service.running():
        member = ssl.create_default_context(cafile=str(server_ca[0]))
        member.load_cert_chain(str(tmp_path / "alice/node.crt"), str(tmp_path / "alice/node.key"))
        with httpx.Client(verify=member, timeout=5) as c:
            r = c.get(f"https://127.0.0.1:{port}/v1/status")
            assert r.status_code == 200 and r.json()["chain_id"] == "https-chain"
            metrics = c.get(f"https://127.0.0.1:{port}/metrics").text
        assert 'wuyi_tls_certificate_expiry_timestamp_seconds{kind="api"' in metrics
        assert 'kind="api_client_ca"' in metrics
        anonymous = ssl.create_default_context(cafile=str(server_ca[0]))
        with (
            httpx.Client(verify=anonymous, timeout=5) as c,
            pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)),
        ):
            c.get(f"https://127.0.0.1:{port}/v1/status").raise_for_status()
        with httpx.Client(timeout=5) as c, pytest.raises(httpx.HTTPError):
            c.get(f"http://127.0.0.1:{port}/v1/status").raise_for_status()  # no plain HTTP
        # renew the API certificate: served from the next connection on, no restart
        old = describe_certificate(served_certificate_with(member, port)).serial
        issue_node_certificate(*server_ca, root / "tls", "api", days=90, copy_ca=False)
        assert service.reload_api_certificate()
        new = describe_certificate(served_certificate_with(member, port)).serial
        assert new != old
        with httpx.Client(verify=member, timeout=5) as c:
            assert c.get(f"https://127.0.0.1:{port}/healthz").status_code == 200


def served_certificate_with(ctx: ssl.SSLContext, port: int) -> bytes:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der
    return der
