"""The ``intl`` suite against FIPS 180 (SHA-256), RFC 8032 (Ed25519) and the GCM spec
(AES-256-GCM); and the package surface of ``wuyi.crypto`` (suites, addresses, batch verify).
Vectors live in ``tests/vectors/crypto_vectors.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wuyi.crypto as crypto
from wuyi.abc import PrivateKey, Suite
from wuyi.crypto import (
    INTL_SUITE,
    SM_SUITE,
    address_of,
    format_address,
    get_suite,
    parse_address,
    verify_batch,
)
from wuyi.exceptions import CryptoError, DecryptionError, EncodingError

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "crypto_vectors.json").read_text()
)
SUITE = get_suite("intl")
L = 2**252 + 27742317777372353535851937790883648493  # order of the Ed25519 base point


def h(s: str) -> bytes:
    return bytes.fromhex(s)


def test_suite_satisfies_protocol() -> None:
    assert SUITE is INTL_SUITE
    assert isinstance(SUITE, Suite)
    assert (SUITE.name, SUITE.hash_name, SUITE.sig_name, SUITE.cipher_name) == (
        "intl",
        "sha256",
        "ed25519",
        "aes-256-gcm",
    )
    key = SUITE.generate_private_key()
    assert isinstance(key, PrivateKey)
    assert key.suite_name == "intl"
    assert len(key.public_key) == 32 and len(key.to_bytes()) == 32
    assert key.to_bytes().hex() not in repr(key)


@pytest.mark.parametrize("case", VECTORS["sha256"], ids=lambda c: c["source"])
def test_sha256_known_answer(case: dict[str, str]) -> None:
    assert SUITE.hash(h(case["message"])).hex() == case["digest"]


# -- Ed25519 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["ed25519"], ids=lambda c: c["source"][-6:])
def test_ed25519_rfc8032(case: dict[str, str]) -> None:
    key = SUITE.private_key_from_bytes(h(case["secret_key"]))
    assert key.public_key.hex() == case["public_key"]
    assert key.to_bytes().hex() == case["secret_key"]
    sig = key.sign(h(case["message"]))
    assert sig.hex() == case["signature"]
    assert SUITE.verify(h(case["public_key"]), h(case["message"]), sig)
    SUITE.validate_public_key(h(case["public_key"]))


def _flip(b: bytes, bit: int) -> bytes:
    out = bytearray(b)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def test_ed25519_rejects_any_flipped_bit() -> None:
    case = VECTORS["ed25519"][2]
    pub, msg, sig = h(case["public_key"]), h(case["message"]), h(case["signature"])
    assert SUITE.verify(pub, msg, sig)
    for bit in range(len(msg) * 8):
        assert not SUITE.verify(pub, _flip(msg, bit), sig)
    for bit in range(0, 512, 3):
        assert not SUITE.verify(pub, msg, _flip(sig, bit))
    for bit in range(0, 256, 3):
        assert not SUITE.verify(_flip(pub, bit), msg, sig)


def test_ed25519_rejects_malleated_s() -> None:
    case = VECTORS["ed25519"][0]
    pub, sig = h(case["public_key"]), h(case["signature"])
    s = int.from_bytes(sig[32:], "little")
    assert not SUITE.verify(pub, b"", sig[:32] + (s + L).to_bytes(32, "little"))


def test_ed25519_verify_never_raises() -> None:
    case = VECTORS["ed25519"][0]
    pub, sig = h(case["public_key"]), h(case["signature"])
    identity = (1).to_bytes(32, "little")  # small-order public key
    garbage: list[tuple[Any, Any, Any]] = [
        (pub, b"", b""),
        (pub, b"", sig[:63]),
        (pub, b"", sig + b"\x00"),
        (pub[:31], b"", sig),
        (pub + b"\x00", b"", sig),
        (identity, b"", sig),
        (bytes(32), b"", bytes(64)),
        (b"\xff" * 32, b"", sig),
        (None, b"", sig),
        (pub, None, sig),
        (pub, b"", None),
        ("x" * 32, b"", sig),
        (pub, b"", "x" * 64),
    ]
    for p, m, s in garbage:
        assert SUITE.verify(p, m, s) is False


def test_ed25519_validate_public_key() -> None:
    SUITE.validate_public_key(SUITE.generate_private_key().public_key)
    bad = [
        b"",
        bytes(31),
        bytes(33),
        (1).to_bytes(32, "little"),  # identity: small order
        bytes(32),  # y = 0: a point of order 4
        b"\xff" * 32,  # y >= p: non-canonical
        (2**255 - 19).to_bytes(32, "little"),  # y = p
    ]
    for pub in bad:
        with pytest.raises(CryptoError):
            SUITE.validate_public_key(pub)
    with pytest.raises(CryptoError):
        SUITE.validate_public_key("ab" * 16)  # type: ignore[arg-type]


def test_ed25519_private_key_from_bytes_checks_length() -> None:
    for raw in (b"", bytes(31), bytes(64)):
        with pytest.raises(CryptoError, match="32 bytes"):
            SUITE.private_key_from_bytes(raw)


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=300))
def test_ed25519_sign_verify_roundtrip(msg: bytes) -> None:
    key = SUITE.generate_private_key()
    sig = key.sign(msg)
    assert len(sig) == 64 and SUITE.verify(key.public_key, msg, sig)
    assert SUITE.private_key_from_bytes(key.to_bytes()).sign(msg) == sig  # deterministic


# -- AES-256-GCM ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["aes_256_gcm"], ids=lambda c: c["source"][:30])
def test_aes_gcm_known_answer(case: dict[str, str]) -> None:
    key, nonce, aad, pt = h(case["key"]), h(case["nonce"]), h(case["aad"]), h(case["plaintext"])
    sealed = SUITE.seal(key, nonce, pt, aad)
    assert sealed.hex() == case["ciphertext"] + case["tag"]
    assert SUITE.open(key, nonce, sealed, aad) == pt
    for i in (0, len(sealed) - 1):
        bad = bytearray(sealed)
        bad[i] ^= 0x80
        with pytest.raises(DecryptionError):
            SUITE.open(key, nonce, bytes(bad), aad)
    with pytest.raises(DecryptionError):
        SUITE.open(key, nonce, sealed, b"")
    with pytest.raises(DecryptionError):
        SUITE.open(key, nonce, b"short", aad)


def test_aes_gcm_rejects_bad_sizes() -> None:
    with pytest.raises(CryptoError, match="32 bytes"):
        SUITE.seal(b"k" * 16, b"n" * 12, b"x")
    with pytest.raises(CryptoError, match="nonce"):
        SUITE.open(b"k" * 32, b"n" * 8, b"x" * 20)


# -- wuyi.crypto surface -------------------------------------------------------------------------


def test_public_names_are_pinned() -> None:
    assert sorted(crypto.__all__) == [
        "ADDRESS_DOMAIN",
        "ADDRESS_LENGTH",
        "ADDRESS_PREFIX",
        "INTL_SUITE",
        "SM_SUITE",
        "SUITE_NAMES",
        "address_of",
        "format_address",
        "get_suite",
        "import_key",
        "load_key",
        "parse_address",
        "save_key",
        "signature_from_der",
        "signature_to_der",
        "verify_batch",
    ]
    for name in crypto.__all__:
        assert hasattr(crypto, name)


def test_get_suite() -> None:
    assert crypto.SUITE_NAMES == ("sm", "intl")
    assert get_suite("sm") is SM_SUITE and get_suite("intl") is INTL_SUITE
    for bad in ("SM", "rsa", "", None):
        with pytest.raises(CryptoError, match="unknown crypto suite") as info:
            get_suite(bad)  # type: ignore[arg-type]
        assert repr(bad) in str(info.value)


@pytest.mark.parametrize("suite", [SM_SUITE, INTL_SUITE], ids=lambda s: s.name)
def test_verify_batch(suite: Suite) -> None:
    key = suite.generate_private_key()
    good = (key.public_key, b"m1", key.sign(b"m1"))
    items = [good, (key.public_key, b"m2", good[2]), (b"junk", b"m1", good[2]), good]
    assert verify_batch(suite, items) == [True, False, False, True]
    assert verify_batch(suite, []) == []


@pytest.mark.parametrize("case", VECTORS["address"], ids=lambda c: c["suite"])
def test_address_vectors(case: dict[str, str]) -> None:
    suite = get_suite(case["suite"])
    pub = h(case["public_key"])
    addr = address_of(suite, pub)
    assert addr == suite.hash(b"wuyi/address\x00" + pub)[:20]
    assert addr.hex() == case["address"]
    assert format_address(addr) == case["text"] == "wy" + case["address"]
    assert parse_address(case["text"]) == addr
    assert parse_address(case["text"].upper().replace("WY", "wy", 1)) == addr


def test_addresses_differ_between_suites() -> None:
    pub = h(VECTORS["ed25519"][0]["public_key"])
    assert address_of(SM_SUITE, pub) != address_of(INTL_SUITE, pub)


def test_parse_address_rejects_malformed() -> None:
    good = "wy" + "ab" * 20
    for bad in (
        "",
        "wy",
        "ab" * 20,
        "WY" + "ab" * 20,
        "0x" + "ab" * 20,
        good + "0",
        good[:-1],
        "wy" + "zz" * 20,
        "wy" + "ab" * 19 + " a",
        None,
    ):
        with pytest.raises(EncodingError):
            parse_address(bad)  # type: ignore[arg-type]
    for bad_bytes in (b"", bytes(19), bytes(21), "ab" * 20):
        with pytest.raises(EncodingError):
            format_address(bad_bytes)  # type: ignore[arg-type]
