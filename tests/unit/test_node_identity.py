"""Each organisation its own TLS identity: CAs and node records on chain (the ledger kinds and
governance actions of ``wuyi/ledger/handlers/nodes.py``) and the certificate checks peers make at
every handshake (``wuyi/network/identity.py``)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from wuyi.cli import app
from wuyi.encoding import decode
from wuyi.exceptions import CertificateRefused
from wuyi.ledger import keys
from wuyi.ledger.genesis import GenesisDoc
from wuyi.ledger.handlers.nodes import (
    cert_fingerprint,
    get_node,
    get_org_cas,
    serial_bytes,
    spki_pin,
)
from wuyi.ledger.state_view import MemoryKV
from wuyi.network.identity import Membership
from wuyi.network.tls import create_org_ca, issue_node_certificate, load_certificate_der
from wuyi.node.cluster import create_network
from wuyi.node.home import OrgSpec
from wuyi.testing.factories import LedgerHarness

PW = "test-passphrase"
NOW = datetime.datetime.now(datetime.UTC)


def der_of(path: Path) -> bytes:
    return load_certificate_der(path)


# -- organisations created with their own identities ------------------------------------------


def test_each_organisation_has_its_own_ca_and_none_admits_another_orgs_nodes(
    tmp_path: Path,
) -> None:
    root = tmp_path / "net"
    spec = create_network(
        root,
        4,
        chain_id="orgs-net",
        suite="intl",
        orgs=[OrgSpec("sjj", "政数局"), OrgSpec("zjj", "住建局"), OrgSpec("gaj", "公安局")],
        passphrase=PW,
        base_api_port=18200,
        base_p2p_port=28200,
    )
    assert not (root / "ca").exists(), "no network-wide CA any more"
    ca_certs = {
        o: x509.load_pem_x509_certificate((root / "orgs" / o / "ca" / "ca.crt").read_bytes())
        for o in ("sjj", "zjj", "gaj")
    }
    fps = {cert_fingerprint(der_of(root / "orgs" / o / "ca" / "ca.crt")) for o in ca_certs}
    assert len(fps) == 3
    assert [nd.org for nd in spec.nodes] == ["sjj", "zjj", "gaj", "sjj"]
    genesis = GenesisDoc.load(root / "genesis.json")
    state = MemoryKV({k: v for k, v in genesis.compute_state().items() if v is not None})
    m = Membership.load(state)
    assert m.strict and sorted(m.nodes) == ["node0", "node1", "node2", "node3"]
    for nd in spec.nodes:
        cert = x509.load_pem_x509_certificate((nd.home / "tls" / "node.crt").read_bytes())
        for org, ca in ca_certs.items():
            issued = True
            try:
                cert.verify_directly_issued_by(ca)
            except Exception:
                issued = False
            assert issued == (org == nd.org), (nd.name, org)
        m.check_certificate(nd.public_key, der_of(nd.home / "tls" / "node.crt"), NOW)
    # node1 (zjj) presenting node0's certificate (sjj): refused
    with pytest.raises(CertificateRefused) as e:
        m.check_certificate(
            spec.nodes[1].public_key, der_of(spec.nodes[0].home / "tls" / "node.crt"), NOW
        )
    assert e.value.detail["reason"] == "wrong_ca"
    # sjj's CA key issues a certificate for zjj's node: still refused (no cross-org admission)
    forged = tmp_path / "forged"
    issue_node_certificate(
        root / "orgs/sjj/ca/ca.crt", root / "orgs/sjj/ca/ca.key", forged, "node1"
    )
    with pytest.raises(CertificateRefused, match="not issued by the CA of 'zjj'"):
        m.check_certificate(spec.nodes[1].public_key, der_of(forged / "node.crt"), NOW)
    # the founding CAs are listed on chain, one per organisation
    assert {o: len(get_org_cas(state, o)) for o in ca_certs} == {"sjj": 1, "zjj": 1, "gaj": 1}


def test_cli_makes_an_org_ca_and_issues_and_shows_a_certificate(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["tls", "ca-init", "--dir", str(tmp_path / "ca"), "--org", "zjj"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "ca" / "ca.key").stat().st_mode & 0o077 == 0
    r = runner.invoke(app, ["tls", "ca-init", "--dir", str(tmp_path / "ca"), "--org", "zjj"])
    assert r.exit_code == 1 and "refusing to overwrite" in r.output
    r = runner.invoke(app, ["tls", "issue", "--ca-dir", str(tmp_path / "ca"), "--out",
                            str(tmp_path / "n"), "--name", "zjj-node1", "--host", "10.1.2.3",
                            "--days", "20"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "zjj-node1" in r.output and "< 30 days" in r.output
    cert = x509.load_pem_x509_certificate((tmp_path / "n" / "node.crt").read_bytes())
    assert cert.issuer.rfc4514_string() == "CN=zjj node CA,O=zjj"
    r = runner.invoke(app, ["tls", "show", str(tmp_path / "ca" / "ca.crt")])
    assert cert_fingerprint(der_of(tmp_path / "ca" / "ca.crt")).hex() in r.output


# -- the ledger: CAs, node records, revocations ---------------------------------------------------


class Chain:
    """A LedgerHarness (orgs sjj, operator; zjj) with a CA for each organisation."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.h = LedgerHarness()
        self.ca = {o: create_org_ca(tmp / o, o) for o in ("sjj", "zjj")}
        self.admin = {"sjj": "operator", "zjj": "zjj"}
        for org in ("sjj", "zjj"):
            r = self.run(self.admin[org], "tls.set_cas", {"org": org, "certs": [self.ca_der(org)]})
            assert r.ok, r

    def ca_der(self, org: str) -> bytes:
        return der_of(self.ca[org][0])

    def ca_fp(self, org: str) -> bytes:
        return cert_fingerprint(self.ca_der(org))

    def run(self, signer: str, kind: str, payload: dict[str, Any]) -> Any:
        _, res = self.h.run([self.h.tx(signer, kind, payload)])
        assert res.tx_hashes, res.rejected
        return res.receipts[0]

    def cert(self, org: str, name: str, **kw: Any) -> bytes:
        out = self.tmp / f"cert-{name}-{len(list(self.tmp.iterdir()))}"
        issue_node_certificate(*self.ca[org], out, name, **{"days": 90, **kw})
        return der_of(out / "node.crt")

    def admit(self, node_id: str, org: str, role: str = "observer", **extra: Any) -> Any:
        key = self.h.new_key(node_id)
        args = {"id": node_id, "org": org, "role": role, "public_key": key.public_key,
                "tls": {"ca": self.ca_fp(org)}, "address": "127.0.0.1:26999", **extra}  # fmt: skip
        proposer = self.admin[org]
        voter = "zjj" if org == "sjj" else "operator"
        return self.h.govern("node.admit", args, proposer=proposer, voters=(voter,))

    def membership(self) -> Membership:
        return Membership.load(self.h.state)


def test_set_cas_is_for_the_org_admin_and_takes_only_ca_certificates(tmp_path: Path) -> None:
    c = Chain(tmp_path)
    r = c.run("zjj", "tls.set_cas", {"org": "sjj", "certs": [c.ca_der("zjj")]})
    assert not r.ok and "only an admin of 'sjj'" in r.error
    leaf = c.cert("zjj", "n1")
    _, res = c.h.run([c.h.tx("zjj", "tls.set_cas", {"org": "zjj", "certs": [leaf]})])
    assert res.rejected and "not a CA certificate" in res.rejected[0][1].message
    # expired before the block's time (the harness's clock is fixed in 2025): refused
    old = create_org_ca(tmp_path / "old", "zjj", days=-1000)
    r = c.run("zjj", "tls.set_cas", {"org": "zjj", "certs": [der_of(old[0])]})
    assert not r.ok and "has expired" in r.error
    assert list(get_org_cas(c.h.state, "zjj")) == [c.ca_fp("zjj")]


def test_node_admit_by_governance_on_the_proposal_of_its_own_org(tmp_path: Path) -> None:
    c = Chain(tmp_path)
    key = c.h.new_key("n1")
    args = {"id": "zjj-n1", "org": "zjj", "role": "observer", "public_key": key.public_key,
            "tls": {"ca": c.ca_fp("zjj")}, "address": "10.0.0.9:26600"}  # fmt: skip
    # sjj's admin cannot propose zjj's node
    r = c.h.govern("node.admit", args, proposer="operator", voters=("zjj",))
    assert not r.ok and "only an admin of 'zjj'" in r.error
    # a CA of another organisation cannot be named
    bad = {**args, "tls": {"ca": c.ca_fp("sjj")}}
    r = c.h.govern("node.admit", bad, proposer="zjj", voters=("operator",))
    assert not r.ok and "is not a CA of 'zjj'" in r.error
    r = c.h.govern("node.admit", args, proposer="zjj", voters=("operator",))
    assert r.ok, r
    assert [e.type for e in r.events] == ["node.admitted", "gov.executed"]
    rec = get_node(c.h.state, "zjj-n1")
    assert rec is not None and rec["org"] == "zjj" and rec["status"] == "active"
    m = c.membership()
    assert m.peer_addresses() == [("zjj-n1", "10.0.0.9", 26600, key.public_key)]
    m.check_certificate(key.public_key, c.cert("zjj", "zjj-n1"), NOW)
    r = c.h.govern("node.admit", {**args, "id": "zjj-n2"}, proposer="zjj", voters=("operator",))
    assert not r.ok and "already belongs to a node" in r.error


def test_certificate_checks_name_the_reason(tmp_path: Path) -> None:
    c = Chain(tmp_path)
    assert c.admit("zjj-n1", "zjj").ok
    key = c.h.keys["zjj-n1"].public_key
    good = c.cert("zjj", "zjj-n1")
    c.membership().check_certificate(key, good, NOW)

    def reason(der: bytes, at: datetime.datetime = NOW, pk: bytes = key) -> str:
        with pytest.raises(CertificateRefused) as e:
            c.membership().check_certificate(pk, der, at)
        return str(e.value.detail["reason"])

    assert reason(c.cert("zjj", "zjj-n1", days=-1)) == "expired"
    assert reason(good, NOW + datetime.timedelta(days=400)) == "expired"
    assert reason(good, NOW - datetime.timedelta(days=30)) == "not_yet_valid"
    assert reason(c.cert("sjj", "zjj-n1")) == "wrong_ca"
    stranger = c.h.new_key("stranger").public_key
    assert reason(good, pk=stranger) == "no_record"
    # a configured bootstrap peer not (yet) listed on chain: TLS alone
    c.membership().check_certificate(stranger, good, NOW, configured=[stranger])
    # revoked by its own organisation
    serial = x509.load_der_x509_certificate(good).serial_number
    r = c.run("operator", "tls.revoke", {"org": "zjj", "ca": c.ca_fp("zjj"),
                                         "serial": serial_bytes(serial)})  # fmt: skip
    assert not r.ok and "only an admin of 'zjj'" in r.error
    revoke = {"org": "zjj", "ca": c.ca_fp("zjj"), "serial": serial_bytes(serial)}
    r = c.run("zjj", "tls.revoke", {**revoke, "reason": "key lost"})
    assert r.ok, r
    with pytest.raises(CertificateRefused, match=r"revoked by 'zjj' at height \d+ \(key lost\)"):
        c.membership().check_certificate(key, good, NOW)
    c.membership().check_certificate(key, c.cert("zjj", "zjj-n1"), NOW)  # a new one is fine
    # suspended by its organisation
    assert c.run("zjj", "node.update", {"id": "zjj-n1", "status": "suspended"}).ok
    assert reason(c.cert("zjj", "zjj-n1")) == "node_inactive"
    # a node that pins its TLS key
    pinned = x509.load_der_x509_certificate(c.cert("sjj", "sjj-n2"))
    assert c.admit("sjj-n2", "sjj").ok
    assert c.run("operator", "node.update", {"id": "sjj-n2", "tls": {"pin": spki_pin(pinned)}}).ok
    key2 = c.h.keys["sjj-n2"].public_key
    c.membership().check_certificate(key2, pinned.public_bytes(Encoding.DER), NOW)
    assert reason(c.cert("sjj", "sjj-n2"), pk=key2) == "wrong_pin"
    # the CA a node names cannot be dropped while it names it
    r = c.run(
        "operator",
        "tls.set_cas",
        {"org": "sjj", "certs": [der_of(create_org_ca(tmp_path / "x", "sjj")[0])]},
    )
    assert r.ok  # sjj-n2 pins a key now, so sjj's old CA may go
    r = c.run(
        "zjj",
        "tls.set_cas",
        {"org": "zjj", "certs": [der_of(create_org_ca(tmp_path / "y", "zjj")[0])]},
    )
    assert not r.ok and "zjj-n1" in r.error


def test_validator_update_on_a_listed_chain_needs_node_records(tmp_path: Path) -> None:
    c = Chain(tmp_path)
    assert c.admit("zjj-v1", "zjj", role="validator").ok
    newcomer = c.h.new_key("unlisted").public_key
    listed = c.h.keys["zjj-v1"].public_key

    def update(*pks: bytes) -> Any:
        vals = [{"name": f"v{i}", "public_key": pk, "power": 1} for i, pk in enumerate(pks)]
        args = {"validators": vals, "effective_height": c.h.height + 10}
        return c.h.govern("validator.update", args, voters=("zjj",))

    r = update(listed, newcomer)
    assert not r.ok and "'v1' is not an active node" in r.error
    assert update(listed).ok


def test_validator_key_rotation_by_governance(tmp_path: Path) -> None:
    c = Chain(tmp_path)
    assert c.admit("zjj-v1", "zjj", role="validator").ok
    old = c.h.keys["zjj-v1"].public_key
    # zjj-v1 becomes the validator (through governance, as a running chain would)
    vals = [{"name": "zjj-v1", "public_key": old, "power": 1}]
    r = c.h.govern("validator.update", {"validators": vals, "effective_height": c.h.height + 6},
                   voters=("zjj",))  # fmt: skip
    assert r.ok, r
    while c.h.state.get(keys.PENDING_VALIDATORS) is not None:
        c.h.run([])
    new = c.h.new_key("zjj-v1-next").public_key
    args = {"id": "zjj-v1", "public_key": new, "effective_height": c.h.height + 10}
    r = c.h.govern("validator.rotate_key", args, proposer="operator", voters=("zjj",))
    assert not r.ok and "only an admin of 'zjj'" in r.error
    r = c.h.govern("validator.rotate_key", args, proposer="zjj", voters=("operator",))
    assert r.ok, r
    pending = decode(c.h.state.get(keys.PENDING_VALIDATORS))
    names = {v["name"]: v["public_key"] for v in pending["validators"]}
    assert names["zjj-v1"] == new and pending["effective_height"] == args["effective_height"]
    rec = get_node(c.h.state, "zjj-v1")
    assert rec is not None and rec["public_key"] == new and rec["previous_key"] == old
    m = c.membership()
    assert m.node_of(old) is m.node_of(new) is not None  # both known during the switch
    r = c.h.govern("validator.rotate_key", {**args, "id": "nope"}, proposer="zjj",
                   voters=("operator",))  # fmt: skip
    assert not r.ok and "no active node 'nope'" in r.error
