"""Validator keys in a PKCS#11 token, tested with SoftHSM2 (``make hsm`` installs it; ``make test``
runs that first): the key is generated inside the token, signs blocks and handshakes through
``CKM_EDDSA`` (suite ``intl``), cannot be exported, and an ``sm`` chain is refused with the reason
(PKCS#11 has no standard SM2 mechanism and SoftHSM2 none at all)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wuyi.cli import app
from wuyi.consensus.certificate import Validator, ValidatorSet, validate_qc
from wuyi.crypto import get_suite
from wuyi.exceptions import HsmError, KeyFileError
from wuyi.ledger.genesis import GenesisDoc, GenesisOrg
from wuyi.ledger.types import Transaction
from wuyi.node.home import NodeHome
from wuyi.node.node import Node

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN = "20261128"

pytestmark = pytest.mark.skipif(
    not MODULE.exists() or shutil.which("softhsm2-util") is None,
    reason="SoftHSM2 is not installed (make hsm installs it)",
)


@pytest.fixture
def token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    conf = tmp_path / "softhsm2.conf"
    (tmp_path / "tokens").mkdir()
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    monkeypatch.setenv("WUYI_HSM_PIN", PIN)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "wuyi", "--pin", PIN,
         "--so-pin", "87654321"],
        check=True, capture_output=True,
    )  # fmt: skip
    return "wuyi"


def make_home(root: Path, suite: str) -> NodeHome:
    root.mkdir(parents=True)
    (root / "node.toml").write_text(
        f'[hsm]\nmodule = "{MODULE}"\ntoken = "wuyi"\nkey = "validator-{suite}"\n'
    )
    return NodeHome(root)


def write_genesis(home: NodeHome, suite: str, validator: bytes) -> GenesisDoc:
    s = get_suite(suite)
    admin = s.private_key_from_bytes(s.hash(b"admin"))
    doc = GenesisDoc(
        chain_id="hsm-chain",
        suite=suite,
        time=1_764_201_600_000,
        orgs=(GenesisOrg("sjj", "政数局", True, (("admin", admin.public_key),)),),
        validators=ValidatorSet((Validator(validator, 1, "node0"),)),
    )
    doc.save(home.genesis_path)
    return doc


def test_validator_key_in_softhsm_signs_blocks_and_never_leaves(
    tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = get_suite("intl")
    home = make_home(tmp_path / "node", "intl")
    # genesis names the validator by its public key: write a placeholder, make the key in the
    # token through the CLI, then name it
    placeholder = suite.private_key_from_bytes(suite.hash(b"x")).public_key
    write_genesis(home, "intl", placeholder)
    r = CliRunner().invoke(app, ["key", "hsm-new", "--home", str(home.root)])
    assert r.exit_code == 0, r.output
    pk = bytes.fromhex(next(ln.split()[-1] for ln in r.output.splitlines() if "public key" in ln))
    r = CliRunner().invoke(app, ["key", "hsm-new", "--home", str(home.root)])
    assert r.exit_code == 1 and "already holds a key" in r.output
    genesis = write_genesis(home, "intl", pk)

    key = home.load_validator_key("unused: the key is in the token")
    assert key.public_key == pk
    sig = key.sign(b"wuyi/p2p\x00hello")
    assert len(sig) == 64 and suite.verify(pk, b"wuyi/p2p\x00hello", sig)
    with pytest.raises(KeyFileError, match="cannot be exported"):
        key.to_bytes()

    # a single validator whose every block certificate is signed inside the token
    node = Node.open(home.root, validator_key=key)
    try:
        admin = suite.private_key_from_bytes(suite.hash(b"admin"))
        tx = Transaction("hsm-chain", admin.public_key, 1, 100, "evidence.anchor",
                         {"doc_hash": suite.hash(b"doc")}).signed(admin)  # fmt: skip
        node.submit(tx.to_bytes())
        block = node.produce_block()
        assert block is not None and block.qc is not None
        validate_qc(suite, genesis.chain_id, genesis.validators, block.qc, height=block.height,
                    block_hash=block.compute_hash(suite))  # fmt: skip
    finally:
        node.close()
    again = home.load_validator_key("")  # a second session while the first is logged in
    assert again.public_key == pk and suite.verify(pk, b"m", again.sign(b"m"))
    again.close()
    key.close()  # type: ignore[attr-defined]

    monkeypatch.setenv("WUYI_HSM_PIN", "00000000")
    with pytest.raises(HsmError, match="wrong PIN"):
        home.load_validator_key("")
    monkeypatch.delenv("WUYI_HSM_PIN")
    with pytest.raises(HsmError, match="WUYI_HSM_PIN"):
        home.load_validator_key("")


def test_sm_suite_is_refused_with_the_reason(tmp_path: Path, token: str) -> None:
    home = make_home(tmp_path / "node", "sm")
    sm = get_suite("sm")
    write_genesis(home, "sm", sm.private_key_from_bytes(sm.hash(b"v")).public_key)
    r = CliRunner().invoke(app, ["key", "hsm-new", "--home", str(home.root)])
    assert r.exit_code == 1 and "no standard PKCS#11 mechanism" in r.output
    with pytest.raises(HsmError, match="SM2 is vendor-defined"):
        home.load_validator_key("")
