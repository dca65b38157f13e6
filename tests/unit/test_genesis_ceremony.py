"""The genesis ceremony across hosts (issue #24, ``wuyi/node/ceremony.py``, ``wuyi genesis``).

Three organisations each work in their own directory with their own keys: contribute, one of
them assembles, each approves, anyone verifies; each then makes its founding node's home and the
three nodes start the chain (in-process, over real mutual TLS with each organisation's own CA)
and commit a transaction. The refusals are each named; no file of the ceremony holds a private
key; and the ceremony's genesis is byte for byte what ``wuyi net create`` builds from the same
public inputs (one builder, ``compose_genesis``)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from wuyi.cli import app
from wuyi.crypto import get_suite, load_key, save_key
from wuyi.exceptions import CeremonyRefused
from wuyi.ledger.genesis import GenesisDoc, _der
from wuyi.ledger.types import Transaction
from wuyi.network.tls import create_org_ca
from wuyi.node.ceremony import (
    ContributedNode,
    Contribution,
    approve_draft,
    assemble,
    load_approval,
    load_contribution,
    make_contribution,
    validate_approvals,
)
from wuyi.node.cluster import create_network
from wuyi.node.home import PASSPHRASE_ENV, NodeHome, OrgSpec, compute_genesis_hash

PW = "ceremony-test-only"
SUITE = get_suite("intl")
ORGS = (
    ("gaj", "江门市公安局"),
    ("sjj", "江门市政务服务数据管理局"),
    ("zjj", "江门市住房和城乡建设局"),
)
T0 = 1_764_201_600_000


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class Org:
    id: str
    name: str
    dir: Path
    port: int

    @property
    def admin(self) -> Path:
        return self.dir / "admin.key"

    @property
    def ca(self) -> Path:
        return self.dir / "ca"

    @property
    def home(self) -> Path:
        return self.dir / "node"

    @property
    def contribution(self) -> Path:
        return self.dir / f"{self.id}.contribution.json"

    @property
    def approval(self) -> Path:
        return self.dir / f"{self.id}.approval.json"


def run(*args: str | Path | int) -> str:
    res = CliRunner().invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def make_org(tmp: Path, org_id: str, name: str, port: int) -> Org:
    """What one organisation does on its own machines: an admin key, its TLS CA, its node's
    chain key (in the node's home), and its contribution."""
    o = Org(org_id, name, tmp / org_id, port)
    o.dir.mkdir()
    save_key(o.admin, SUITE.generate_private_key(), PW)  # as `wuyi key new` does
    create_org_ca(o.ca, org_id)  # as `wuyi tls ca-init` does
    (o.home / "keys").mkdir(parents=True)
    save_key(o.home / "keys" / "validator.key", SUITE.generate_private_key(), PW)
    # one organisation hands over its node's public key as a hex file, the others name the home
    pub = o.dir / "node1.pub"
    pub.write_text(load_key(o.home / "keys" / "validator.key", PW).public_key.hex() + "\n")
    node: list[str | Path] = ["--node-key", pub] if org_id == "gaj" else ["--node-home", o.home]
    run(
        "genesis", "contribute", "--org", org_id, "--name", name, "--admin-key", o.admin,
        "--ca", o.ca / "ca.crt", *node, "--node-id", f"{org_id}-node1",
        "--validator", "--address", f"127.0.0.1:{port}", "--chain-id", "jiangmen-found",
        "--out", o.contribution,
    )  # fmt: skip
    return o


@pytest.fixture
def orgs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Org]:
    monkeypatch.setenv(PASSPHRASE_ENV, PW)
    ports = free_ports(len(ORGS))
    return [make_org(tmp_path, oid, name, p) for (oid, name), p in zip(ORGS, ports, strict=True)]


def assemble_cli(tmp: Path, orgs: list[Org], out: str = "genesis.draft.json", t: int = T0) -> str:
    """The coordinator's step; returns the genesis hash it prints."""
    output = run(
        "genesis", "assemble", *(o.contribution for o in reversed(orgs)),
        "--chain-id", "jiangmen-found", "--suite", "intl", "--operator", "sjj",
        "--name", "江门市政务链", "--time", t, "--param", "max_block_txs=500",
        "--out", tmp / out,
    )  # fmt: skip
    draft = json.loads((tmp / out).read_text())
    assert draft["genesis_hash"] in output.replace("\n", "")
    return str(draft["genesis_hash"])


# -- the whole ceremony, then the chain ------------------------------------------------------------


def test_three_orgs_found_a_chain_and_their_nodes_start_it(tmp_path: Path, orgs: list[Org]) -> None:
    h = assemble_cli(tmp_path, orgs)
    draft = tmp_path / "genesis.draft.json"
    for o in orgs:
        out = run(
            "genesis", "approve", draft, "--key", o.admin, "--org", o.id,
            "--contribution", o.contribution, "--out", o.approval,
        )  # fmt: skip
        assert h in out.replace("\n", "")
    out = run(
        "genesis", "verify", draft, *(o.approval for o in orgs), "--genesis-hash", h,
        "--out", tmp_path / "genesis.json",
    )  # fmt: skip
    assert "approved by every founding organisation" in out and out.count("✓ 已批准") == 3
    genesis = GenesisDoc.load(tmp_path / "genesis.json")
    assert compute_genesis_hash(genesis).hex() == h
    assert [o.id for o in genesis.orgs] == ["gaj", "sjj", "zjj"]
    assert [o.id for o in genesis.orgs if o.operator] == ["sjj"]
    assert [v.name for v in genesis.validators.validators] == [
        "gaj-node1",
        "sjj-node1",
        "zjj-node1",
    ]
    assert all(len(o.tls_cas) == 1 for o in genesis.orgs)
    assert genesis.params.max_block_txs == 500 and genesis.params.contract_lib  # library pinned

    # Each organisation, on its node host: the home, with the chain key it contributed.
    for o in orgs:
        key_before = (o.home / "keys" / "validator.key").read_bytes()
        run(
            "genesis", "node-init", "--home", o.home, "--genesis", tmp_path / "genesis.json",
            "--genesis-hash", h, "--ca-dir", o.ca, "--listen", f"127.0.0.1:{o.port}",
            "--api-port", o.port,
        )  # fmt: skip
        assert (o.home / "keys" / "validator.key").read_bytes() == key_before
        assert not list((o.home / "keys").glob(".*"))
    # a later node joins the same genesis the existing way (admitted by governance later)
    run(
        "node", "init", "--join", "--home", tmp_path / "later", "--genesis",
        tmp_path / "genesis.json", "--genesis-hash", h, "--peer",
        f"gaj-node1=127.0.0.1:{orgs[0].port}", "--id", "gaj-node2", "--org", "gaj",
        "--ca-dir", orgs[0].ca,
    )  # fmt: skip
    start_and_commit(orgs, genesis)


def start_and_commit(orgs: list[Org], genesis: GenesisDoc) -> None:
    """What ``wuyi node start`` does with each home (its node.toml, key, genesis and store),
    minus the API: three validators over mutual TLS commit an anchoring transaction."""
    from wuyi.node.p2p_config import load_p2p_settings
    from wuyi.node.service import open_node
    from wuyi.node.validator import ValidatorRunner

    nodes, runners = [], []
    try:
        for o in orgs:
            home = NodeHome(o.home)
            p2p = load_p2p_settings(home.root)
            assert p2p is not None and len(p2p.peers) == 2
            key = home.load_validator_key(PW)
            node = open_node(home, PW)
            nodes.append(node)
            runners.append(ValidatorRunner(node, key, p2p))
            runners[-1].start()
        admin = load_key(orgs[0].admin, PW)
        tx = Transaction(
            genesis.chain_id, admin.public_key, 1, 100, "evidence.anchor",
            {"doc_hash": SUITE.hash(b"founded")},
        ).signed(admin)  # fmt: skip
        deadline = time.monotonic() + 20
        while not all(r.running for r in runners) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(r.running for r in runners), [r.error for r in runners]
        tx_hash = nodes[1].submit_many([tx.to_bytes()])[0]
        assert isinstance(tx_hash, bytes), tx_hash
        height = nodes[1].wait_for_tx(tx_hash, 20).height
        while min(n.height for n in nodes) < height and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(n.height >= height for n in nodes), [n.height for n in nodes]
        assert len({n.store.get_block(height).compute_hash(SUITE) for n in nodes}) == 1
    finally:
        for r in runners:
            r.stop()
        for n in nodes:
            n.close()


# -- one builder: the ceremony's genesis is what net create builds ---------------------------------


def test_the_ceremony_builds_what_net_create_builds_from_the_same_public_inputs(
    tmp_path: Path,
) -> None:
    admin = {o: SUITE.generate_private_key() for o, _ in ORGS}
    vkeys = [SUITE.generate_private_key() for _ in ORGS]
    spec = create_network(
        tmp_path / "net", 3, chain_id="jiangmen-found", suite="intl",
        orgs=[OrgSpec(o, name) for o, name in ORGS], passphrase=PW, name="江门市政务链",
        time_ms=T0, validator_keys=vkeys, admin_keys=admin,
    )  # fmt: skip
    contributions = [
        (
            f"{o}.json",
            make_contribution(
                org=o,
                name=name,
                admin_key=admin[o],
                tls_ca=_der((tmp_path / "net" / "orgs" / o / "ca" / "ca.crt").read_text()),
                nodes=[
                    ContributedNode(
                        f"node{i}", "validator", vkeys[i].public_key, f"127.0.0.1:{26600 + i}"
                    )
                ],
            ),
        )
        for i, (o, name) in enumerate(ORGS)
    ]
    draft = assemble(
        contributions, chain_id="jiangmen-found", suite="intl", time_ms=T0, operator="gaj",
        name="江门市政务链",
    )  # fmt: skip
    made = GenesisDoc.load(tmp_path / "net" / "genesis.json")
    assert draft.genesis.to_json() == made.to_json()
    assert draft.genesis_hash == spec.genesis_hash


# -- refusals, each named ------------------------------------------------------------------------


def test_a_tampered_contribution_is_refused_naming_it(tmp_path: Path, orgs: list[Org]) -> None:
    loaded = [(o.contribution.name, load_contribution(o.contribution)) for o in orgs]
    with pytest.raises(CeremonyRefused) as e:  # contributions bound to another chain id
        assemble(loaded, chain_id="other-chain", suite="intl", time_ms=T0, operator="sjj")
    assert e.value.detail["reason"] == "wrong_chain"
    assert "('gaj') is for chain 'jiangmen-found', not 'other-chain'" in e.value.message
    obj = json.loads(orgs[1].contribution.read_text())
    obj["nodes"][0]["address"] = "10.9.9.9:26600"  # after signing
    orgs[1].contribution.write_text(json.dumps(obj))
    with pytest.raises(CeremonyRefused) as e:
        assemble(
            [(str(o.contribution), load_contribution(o.contribution)) for o in orgs],
            chain_id="jiangmen-found", suite="intl", time_ms=T0, operator="sjj",
        )  # fmt: skip
    assert e.value.detail["reason"] == "bad_signature"
    assert "sjj.contribution.json ('sjj')" in e.value.message
    res = CliRunner().invoke(
        app,
        ["genesis", "assemble", *(str(o.contribution) for o in orgs), "--chain-id",
         "jiangmen-found", "--suite", "intl", "--operator", "sjj", "--out",
         str(tmp_path / "d.json")],
    )  # fmt: skip
    assert res.exit_code == 1 and "ceremony_refused" in res.output and "'sjj'" in res.output


def test_duplicate_orgs_and_keys_are_refused_naming_both(tmp_path: Path, orgs: list[Org]) -> None:
    loaded = [(o.contribution.name, load_contribution(o.contribution)) for o in orgs]
    kw = {"chain_id": "jiangmen-found", "suite": "intl", "time_ms": T0, "operator": "sjj"}
    with pytest.raises(CeremonyRefused) as e:
        assemble([*loaded, ("again.json", loaded[0][1])], **kw)  # type: ignore[arg-type]
    assert e.value.detail["reason"] == "duplicate_org"
    assert "'gaj' appears twice: gaj.contribution.json ('gaj') and again.json" in e.value.message
    # another organisation contributes zjj's node key as its own
    zjj_node = loaded[2][1].nodes[0]
    key = SUITE.generate_private_key()
    ca, _ = create_org_ca(tmp_path / "jhq-ca", "jhq")
    other = make_contribution(
        org="jhq", name="江海区", admin_key=key, tls_ca=_der(ca.read_text()),
        nodes=[ContributedNode("jhq-node1", "validator", zjj_node.public_key)],
    )  # fmt: skip
    with pytest.raises(CeremonyRefused) as e:
        assemble([*loaded, ("jhq.json", other)], **kw)  # type: ignore[arg-type]
    assert e.value.detail["reason"] == "duplicate_key"
    assert "node 'zjj-node1' of zjj.contribution.json ('zjj')" in e.value.message
    assert "node 'jhq-node1' of jhq.json ('jhq')" in e.value.message
    # an organisation's own node key equal to its admin key, refused when it contributes
    with pytest.raises(CeremonyRefused, match=r"the admin key of contribution .* same key"):
        make_contribution(
            org="jhq", name="江海区", admin_key=key, tls_ca=_der(ca.read_text()),
            nodes=[ContributedNode("jhq-node1", "validator", key.public_key)],
        )  # fmt: skip


def test_an_org_whose_contribution_was_altered_in_the_draft_refuses_to_approve(
    tmp_path: Path, orgs: list[Org]
) -> None:
    assemble_cli(tmp_path, orgs)
    draft = tmp_path / "genesis.draft.json"
    obj = json.loads(draft.read_text())
    # a validator nobody contributed (say, the coordinator's own), hash fixed: every org refuses
    sneaky = json.loads(json.dumps(obj))
    extra = SUITE.generate_private_key().public_key.hex()
    sneaky["genesis"]["validators"].append({"name": "x", "public_key": extra, "power": 1})
    sneaky["genesis_hash"] = compute_genesis_hash(GenesisDoc.from_json(sneaky["genesis"])).hex()
    (tmp_path / "sneaky.json").write_text(json.dumps(sneaky))
    with pytest.raises(CeremonyRefused, match="validators no organisation contributed: x"):
        approve_draft(tmp_path / "sneaky.json", load_key(orgs[0].admin, PW), "gaj")
    node = next(n for n in obj["genesis"]["nodes"] if n["id"] == "zjj-node1")
    node["address"] = "10.6.6.6:26600"  # the coordinator moves zjj's node, and fixes the hash
    obj["genesis_hash"] = compute_genesis_hash(GenesisDoc.from_json(obj["genesis"])).hex()
    draft.write_text(json.dumps(obj))
    zjj, gaj = orgs[2], orgs[0]
    with pytest.raises(CeremonyRefused) as e:
        approve_draft(draft, load_key(zjj.admin, PW), "zjj", load_contribution(zjj.contribution))
    assert e.value.detail["reason"] == "contribution_altered"
    assert "your contribution" in e.value.message
    assert "node 'zjj-node1': address is '10.6.6.6:26600', contributed '127.0.0.1:" in (
        e.value.message
    )
    with pytest.raises(CeremonyRefused, match="the contribution of 'zjj'"):
        approve_draft(draft, load_key(gaj.admin, PW), "gaj")  # every org sees it
    # the coordinator swaps zjj's embedded contribution too: its signature no longer holds
    obj["contributions"][2]["nodes"][0]["address"] = "10.6.6.6:26600"
    draft.write_text(json.dumps(obj))
    with pytest.raises(CeremonyRefused) as e:
        approve_draft(draft, load_key(zjj.admin, PW), "zjj")
    assert e.value.detail["reason"] == "bad_signature" and "'zjj'" in e.value.message
    # the CLI names it too
    res = CliRunner().invoke(
        app,
        ["genesis", "approve", str(draft), "--key", str(zjj.admin), "--org", "zjj",
         "--contribution", str(zjj.contribution), "--out", str(zjj.approval)],
    )  # fmt: skip
    assert res.exit_code == 1 and "differs from yours in: nodes" in res.output
    assert not zjj.approval.exists()


def test_missing_approvals_other_hashes_and_bad_signatures_are_named(
    tmp_path: Path, orgs: list[Org]
) -> None:
    assemble_cli(tmp_path, orgs)
    assemble_cli(tmp_path, orgs, "other.draft.json", T0 + 1)  # another genesis time
    draft, other = tmp_path / "genesis.draft.json", tmp_path / "other.draft.json"
    for o in orgs[:2]:
        approve_draft(draft, load_key(o.admin, PW), o.id)[0].save(o.approval)
    genesis = GenesisDoc.from_json(json.loads(draft.read_text())["genesis"])
    two = [(str(o.approval), load_approval(o.approval)) for o in orgs[:2]]
    with pytest.raises(CeremonyRefused) as e:
        validate_approvals(genesis, two)
    assert e.value.detail["reason"] == "missing" and "'zjj' missing" in e.value.message

    approve_draft(other, load_key(orgs[2].admin, PW), "zjj")[0].save(orgs[2].approval)
    three = [*two, (str(orgs[2].approval), load_approval(orgs[2].approval))]
    with pytest.raises(CeremonyRefused, match=r"'zjj' wrong_hash .*approves jiangmen-found"):
        validate_approvals(genesis, three)
    res = CliRunner().invoke(
        app, ["genesis", "verify", str(draft), *(str(o.approval) for o in orgs)]
    )
    assert res.exit_code == 1 and "哈希不符" in res.output
    assert "not approved" in res.output and "'zjj' wrong_hash" in res.output

    obj = json.loads(orgs[0].approval.read_text())
    obj["signature"] = obj["signature"][:-2] + ("00" if obj["signature"][-2:] != "00" else "01")
    orgs[0].approval.write_text(json.dumps(obj))
    res = CliRunner().invoke(app, ["genesis", "verify", str(draft), str(orgs[0].approval)])
    assert res.exit_code == 1 and "'gaj' bad_signature" in res.output
    assert "'sjj' missing" in res.output and "'zjj' missing" in res.output
    # a pinned hash that is not this genesis's
    with pytest.raises(CeremonyRefused, match="hashes to"):
        validate_approvals(genesis, three, bytes(32))


# -- no private key in any file of the ceremony --------------------------------------------------


def private_material(orgs: list[Org]) -> Iterator[bytes]:
    for o in orgs:
        for path in (o.admin, o.home / "keys" / "validator.key"):
            raw = load_key(path, PW).to_bytes()
            yield from (raw, raw.hex().encode(), raw.hex().upper().encode())
        ca_key = serialization.load_pem_private_key((o.ca / "ca.key").read_bytes(), None)
        for fmt in (
            serialization.PrivateFormat.PKCS8,
            serialization.PrivateFormat.TraditionalOpenSSL,
        ):
            pem = ca_key.private_bytes(
                serialization.Encoding.PEM, fmt, serialization.NoEncryption()
            )
            yield from pem.splitlines()[1:-1]  # the base64 body lines
        der = ca_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )  # fmt: skip
        yield der
        yield der.hex().encode()


def test_no_private_key_appears_in_any_contribution_draft_or_approval(
    tmp_path: Path, orgs: list[Org]
) -> None:
    assemble_cli(tmp_path, orgs)
    draft = tmp_path / "genesis.draft.json"
    for o in orgs:
        approve_draft(draft, load_key(o.admin, PW), o.id)[0].save(o.approval)
    files = [draft, *(o.contribution for o in orgs), *(o.approval for o in orgs)]
    secrets = [s for s in private_material(orgs) if len(s) >= 16]
    assert len(secrets) > 20
    for f in files:
        data = f.read_bytes()
        assert b"PRIVATE" not in data and b"ciphertext" not in data, f
        leaked = [s[:12] for s in secrets if s in data]
        assert not leaked, f"{f} holds private key material {leaked}"
    # and the contribution is what it claims: public keys only, signed by the admin key
    c = load_contribution(orgs[0].contribution)
    assert isinstance(c, Contribution) and c.is_signed()
    assert c.admin_key == load_key(orgs[0].admin, PW).public_key


def test_contribute_refuses_a_node_key_file_of_another_suite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PW)
    admin = tmp_path / "admin.key"
    save_key(admin, SUITE.generate_private_key(), PW)
    run("tls", "ca-init", "--dir", tmp_path / "ca", "--org", "gaj")
    sm_key = tmp_path / "sm.key"
    save_key(sm_key, get_suite("sm").generate_private_key(), PW)
    res = CliRunner().invoke(
        app,
        ["genesis", "contribute", "--org", "gaj", "--name", "公安局", "--admin-key", str(admin),
         "--ca", str(tmp_path / "ca" / "ca.crt"), "--node-key", str(sm_key), "--out",
         str(tmp_path / "c.json")],
    )  # fmt: skip
    assert res.exit_code == 1 and "suite 'sm', not 'intl'" in res.output
