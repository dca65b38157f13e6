"""Key files (scrypt + AES-256-GCM) and importing keys made by other tools."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from wuyi.crypto import address_of, format_address, get_suite, import_key, load_key, save_key
from wuyi.crypto.keystore import SCRYPT_N, decrypt_key, encrypt_key
from wuyi.crypto.sm import CURVE_N
from wuyi.exceptions import CryptoError, KeyFileError

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "crypto_vectors.json").read_text()
)
PASS = "correct horse battery staple"


@pytest.mark.parametrize("suite_name", ["sm", "intl"])
def test_save_load_roundtrip(tmp_path: Path, suite_name: str) -> None:
    suite = get_suite(suite_name)
    key = suite.generate_private_key()
    path = tmp_path / "k.json"
    save_key(path, key, PASS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert doc["version"] == 1
    assert doc["suite"] == suite_name
    assert doc["public_key"] == key.public_key.hex()
    assert doc["address"] == format_address(address_of(suite, key.public_key))
    assert doc["kdf"]["name"] == "scrypt"
    assert (doc["kdf"]["n"], doc["kdf"]["r"], doc["kdf"]["p"]) == (SCRYPT_N, 8, 1)
    assert len(bytes.fromhex(doc["kdf"]["salt"])) == 16
    assert doc["cipher"]["name"] == "aes-256-gcm"
    assert len(bytes.fromhex(doc["cipher"]["nonce"])) == 12
    assert key.to_bytes().hex() not in path.read_text()
    loaded = load_key(path, PASS)
    assert loaded.suite_name == suite_name
    assert loaded.public_key == key.public_key
    assert loaded.to_bytes() == key.to_bytes()
    assert suite.verify(key.public_key, b"m", loaded.sign(b"m"))
    assert not list(tmp_path.glob(".*.tmp"))


def test_wrong_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    save_key(path, get_suite("sm").generate_private_key(), PASS)
    with pytest.raises(KeyFileError) as info:
        load_key(path, PASS + "!")
    assert str(info.value) == f"wrong passphrase or corrupted key file {path}"
    assert info.value.code == "bad_key"


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["cipher"].update(
            ciphertext=("00" if d["cipher"]["ciphertext"][:2] != "00" else "01")
            + d["cipher"]["ciphertext"][2:]
        ),
        lambda d: d["cipher"].update(nonce="00" * 12),
        lambda d: d["kdf"].update(salt="00" * 16),
        lambda d: d.update(suite="sm"),  # header is authenticated
        lambda d: d.update(address="wy" + "00" * 20),
        lambda d: d.update(public_key=get_suite("intl").generate_private_key().public_key.hex()),
    ],
)
def test_tampered_file_fails_like_wrong_passphrase(tmp_path: Path, edit: Any) -> None:
    path = tmp_path / "k.json"
    save_key(path, get_suite("intl").generate_private_key(), PASS)
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError, match="wrong passphrase or corrupted key file"):
        load_key(path, PASS)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(version=2), "unsupported version"),
        (lambda d: d.update(suite="rsa"), "unknown suite"),
        (lambda d: d.pop("cipher"), "lacks field 'cipher'"),
        (lambda d: d["kdf"].update(n=2**30), "scrypt parameters"),
        (lambda d: d["kdf"].update(n=1000), "scrypt parameters"),
        (lambda d: d["kdf"].update(name="pbkdf2"), "unsupported kdf"),
        (lambda d: d["cipher"].update(nonce="zz"), "not hex"),
        (lambda d: d.update(version="1"), "wrong type"),
    ],
)
def test_malformed_file_is_named(tmp_path: Path, edit: Any, message: str) -> None:
    path = tmp_path / "k.json"
    save_key(path, get_suite("intl").generate_private_key(), PASS)
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError, match=message) as info:
        load_key(path, PASS)
    assert str(path) in str(info.value)


def test_missing_and_non_json(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="not found"):
        load_key(tmp_path / "nope.json", PASS)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(KeyFileError, match="not JSON"):
        load_key(bad, PASS)


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    suite = get_suite("intl")
    path = tmp_path / "k.json"
    first = suite.generate_private_key()
    save_key(path, first, PASS)
    with pytest.raises(KeyFileError, match="already exists"):
        save_key(path, suite.generate_private_key(), PASS)
    assert load_key(path, PASS).public_key == first.public_key
    second = suite.generate_private_key()
    save_key(path, second, PASS, overwrite=True)
    assert load_key(path, PASS).public_key == second.public_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_passphrase_rules(tmp_path: Path) -> None:
    key = get_suite("intl").generate_private_key()
    with pytest.raises(KeyFileError, match="empty passphrase"):
        save_key(tmp_path / "k.json", key, "")
    # Unicode passphrases are NFC-normalised: the composed and decomposed forms are the same.
    save_key(tmp_path / "k.json", key, "五邑caf\u00e9")
    assert load_key(tmp_path / "k.json", "五邑cafe\u0301").public_key == key.public_key
    assert load_key(tmp_path / "k.json", "五邑caf\u00e9".encode()).public_key == key.public_key


def test_encrypt_decrypt_in_memory() -> None:
    key = get_suite("sm").generate_private_key()
    doc = encrypt_key(key, b"pw")
    assert decrypt_key(json.loads(json.dumps(doc)), b"pw").to_bytes() == key.to_bytes()
    with pytest.raises(KeyFileError, match="<memory>"):
        decrypt_key(doc, b"other")


# -- import --------------------------------------------------------------------------------------


def test_import_sm2_from_openssl_pem() -> None:
    case = VECTORS["sm2_foreign"][0]
    for material in (case["private_key_pem"], case["private_key_pem"].encode()):
        key = import_key("sm", material)
        assert key.to_bytes().hex() == case["private_key"]
        assert key.public_key.hex() == case["public_key"]


def test_import_sm2_other_encodings() -> None:
    from tongsuopy.crypto import serialization as ser

    suite = get_suite("sm")
    case = VECTORS["sm2_foreign"][0]
    d = bytes.fromhex(case["private_key"])
    for material in (
        case["private_key"],
        "0x" + case["private_key"].upper(),
        d,
        (case["private_key"] + "\n").encode(),
    ):
        assert import_key("sm", material).to_bytes() == d
    ts_key = ser.load_pem_private_key(case["private_key_pem"].encode(), None)
    sec1 = ts_key.private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL, ser.NoEncryption()
    )
    assert b"EC PRIVATE KEY" in sec1
    assert import_key("sm", sec1).to_bytes() == d
    der = ts_key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    assert import_key("sm", der).to_bytes() == d
    enc = ts_key.private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.BestAvailableEncryption(b"pem-pw")
    )
    assert import_key("sm", enc, password=b"pem-pw").to_bytes() == d
    with pytest.raises(KeyFileError):
        import_key("sm", enc, password=b"wrong")
    fresh = suite.generate_private_key()
    assert import_key("sm", fresh.to_bytes().hex()).public_key == fresh.public_key


def test_import_ed25519() -> None:
    case = VECTORS["ed25519_foreign"][0]
    key = import_key("intl", case["private_key_pem"])
    assert key.to_bytes().hex() == case["secret_key"]
    assert key.public_key.hex() == case["public_key"]
    rfc = VECTORS["ed25519"][0]
    assert import_key("intl", rfc["secret_key"]).public_key.hex() == rfc["public_key"]
    raw = bytes.fromhex(rfc["secret_key"])
    assert import_key("intl", raw).public_key.hex() == rfc["public_key"]


def test_import_rejects_wrong_material() -> None:
    sm_pem = VECTORS["sm2_foreign"][0]["private_key_pem"]
    ed_pem = VECTORS["ed25519_foreign"][0]["private_key_pem"]
    with pytest.raises(KeyFileError):
        import_key("sm", ed_pem)
    with pytest.raises(KeyFileError):
        import_key("intl", sm_pem)
    for junk in ("", "hello", "ab" * 31, "ab" * 33, b"\x01" * 31, "-----BEGIN PRIVATE KEY-----\n"):
        with pytest.raises(KeyFileError):
            import_key("intl", junk)
    with pytest.raises(KeyFileError, match="range"):
        import_key("sm", (CURVE_N - 1).to_bytes(32, "big").hex())
    with pytest.raises(CryptoError, match="unknown crypto suite"):
        import_key("rsa", "ab" * 32)


def _openssl3_sm2_sec1(case: dict[str, Any]) -> bytes:
    """What OpenSSL 3 writes for ``openssl ec -in sm2.pem``: the SEC1 ECPrivateKey DER of an
    SM2 key under the label ``SM2 PRIVATE KEY`` (OpenSSL 3 treats SM2 as its own key type)."""
    from tongsuopy.crypto import serialization as ser

    ts_key = ser.load_pem_private_key(case["private_key_pem"].encode(), None)
    sec1 = ts_key.private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL, ser.NoEncryption()
    )
    return sec1.replace(b"EC PRIVATE KEY", b"SM2 PRIVATE KEY")


def test_key_import_accepts_openssl3_sm2_private_key_label(tmp_path: Path) -> None:
    """Issue #16 item 7: ``wuyi key import`` refused ``-----BEGIN SM2 PRIVATE KEY-----``."""
    from typer.testing import CliRunner

    from wuyi.cli import app

    case = VECTORS["sm2_foreign"][0]
    pem = tmp_path / "sm2-sec1.pem"
    pem.write_bytes(_openssl3_sm2_sec1(case))
    assert pem.read_text().startswith("-----BEGIN SM2 PRIVATE KEY-----")
    out = tmp_path / "k.json"
    r = CliRunner().invoke(
        app,
        ["key", "import", "--in", str(pem), "--out", str(out)],
        env={"WUYI_PASSPHRASE": PASS},
    )
    assert r.exit_code == 0, r.output
    assert load_key(out, PASS).to_bytes().hex() == case["private_key"]
    with pytest.raises(KeyFileError, match="not an Ed25519 key"):
        import_key("intl", pem.read_bytes())


def test_import_a_key_openssl3_wrote(tmp_path: Path) -> None:
    """The real thing, where the openssl command is there: genpkey SM2, then ``openssl ec``."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("no openssl command on this machine")
    pk8, sec1 = tmp_path / "sm2.pem", tmp_path / "sm2-sec1.pem"
    made = subprocess.run(
        ["openssl", "genpkey", "-algorithm", "SM2", "-out", str(pk8)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("this openssl has no SM2")
    subprocess.run(["openssl", "ec", "-in", str(pk8), "-out", str(sec1)], check=True,
                   capture_output=True)  # fmt: skip
    assert (
        import_key("sm", sec1.read_bytes()).to_bytes()
        == import_key("sm", pk8.read_bytes()).to_bytes()
    )


def test_signature_from_der_gives_r_and_s() -> None:
    """A DER (ASN.1 SEQUENCE of r and s) signature, as OpenSSL and Java produce, as the 64-byte
    r||s the chain uses; and back."""
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from wuyi.crypto import signature_from_der, signature_to_der

    suite = get_suite("sm")
    key = suite.generate_private_key()
    raw = key.sign(b"message")
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    der = encode_dss_signature(r, s)
    assert signature_from_der(der) == raw
    assert suite.verify(key.public_key, b"message", signature_from_der(der))
    assert signature_to_der(raw) == der
    assert signature_from_der(encode_dss_signature(1, 2)) == (1).to_bytes(32, "big") + (2).to_bytes(
        32, "big"
    )
    for bad in (b"", b"\x30\x00", der + b"\x00", der[:-1], encode_dss_signature(1 << 256, 1)):
        with pytest.raises(CryptoError):
            signature_from_der(bad)
    with pytest.raises(CryptoError):
        signature_to_der(raw[:63])
