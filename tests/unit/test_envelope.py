"""The data-sharing envelope (``wuyi.vc.envelope``): known answers from RFC 7748 (X25519),
RFC 5869 (HKDF-SHA256) and GB/T 32918.5 Appendix A (SM2 encryption example: the shared point,
the SM3 KDF and C3), a slow textbook cross-check of SM2 ECDH, round trips and tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wuyi.crypto import get_suite
from wuyi.crypto.sm import CURVE_A, CURVE_GX, CURVE_GY, CURVE_N, CURVE_P, sm3
from wuyi.exceptions import CryptoError, DecryptionError
from wuyi.vc import envelope as env

VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "crypto_vectors.json").read_text()
)
SUITES = ("intl", "sm")


def h(s: str) -> bytes:
    return bytes.fromhex(s)


# -- known answers -------------------------------------------------------------------------------

RFC7748_SCALARMULT = [
    (
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    ),
    (
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
    ),
]


@pytest.mark.parametrize(("k", "u", "out"), RFC7748_SCALARMULT)
def test_x25519_rfc7748_section_5_2(k: str, u: str, out: str) -> None:
    assert env.x25519(h(k), h(u)) == h(out)


def test_x25519_rfc7748_section_6_1_diffie_hellman() -> None:
    a = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    b = h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    a_pub = h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    b_pub = h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    shared = h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    assert env.public_key_of("intl", a) == a_pub and env.public_key_of("intl", b) == b_pub
    assert env.x25519(a, b_pub) == shared == env.x25519(b, a_pub)


def test_x25519_refuses_small_order_points() -> None:
    priv, _ = env.generate_recipient_key("intl")
    with pytest.raises(CryptoError, match="small order"):
        env.x25519(priv, b"\x01" + b"\x00" * 31)
    with pytest.raises(CryptoError, match="small order"):
        env.seal_to("intl", b"\x01" + b"\x00" * 31, b"data")
    with pytest.raises(CryptoError, match="all zero"):
        env.seal_to("intl", b"\x00" * 32, b"data")


def test_hkdf_sha256_rfc5869_test_case_1() -> None:
    okm = env.hkdf_sha256(
        b"\x0b" * 22, h("000102030405060708090a0b0c"), h("f0f1f2f3f4f5f6f7f8f9"), 42
    )
    assert okm == h(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


# GB/T 32918.5-2017 Appendix A (= GM/T 0003.5-2012), public-key encryption example on the
# recommended curve: d_B is the private key of the signature example, k the ephemeral scalar.
SM2_ENC = {
    "d_b": VECTORS["sm2_sign_example"]["private_key"],
    "p_b": VECTORS["sm2_sign_example"]["public_key"],
    "k": "59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21",
    "message": b"encryption standard",
    "c1": "04"
    "04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73"
    "e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0",
    "x2y2": "335e18d751e51f040e27d468138b7ab1dc86ad7f981d7d416222fd6ab3ed230d"
    "ab743ebcfb22d64f7b6ab791f70658f25b48fa93e54064fdbfbed3f0bd847ac9",
    "c2": "21886ca989ca9c7d58087307ca93092d651efa",
    "c3": "59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766",
}


def test_sm2_ecdh_and_kdf_gbt32918_example() -> None:
    v = SM2_ENC
    assert env.public_key_of("sm", h(v["d_b"])) == h(v["p_b"])
    assert env.public_key_of("sm", h(v["k"])) == h(v["c1"])  # C1 = [k]G
    shared = env.sm2_ecdh(h(v["d_b"]), h(v["c1"]))  # the recipient: [d_B]C1
    assert shared == h(v["x2y2"]) == env.sm2_ecdh(h(v["k"]), h(v["p_b"]))  # the sender: [k]P_B
    t = env.sm3_kdf(shared, len(h(v["c2"])))
    assert bytes(a ^ b for a, b in zip(h(v["c2"]), t, strict=True)) == v["message"]
    assert sm3(shared[:32] + v["message"] + shared[32:]) == h(v["c3"])


def _slow_mul(d: int, pt: tuple[int, int]) -> tuple[int, int]:
    """Textbook affine double-and-add on y^2 = x^3 + ax + b over F_p (reference only)."""
    p = CURVE_P

    def add(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
        if a is None:
            return b
        if b is None:
            return a
        if a[0] == b[0] and (a[1] + b[1]) % p == 0:
            return None
        if a == b:
            lam = (3 * a[0] * a[0] + CURVE_A) * pow(2 * a[1], -1, p) % p
        else:
            lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, p) % p
        x = (lam * lam - a[0] - b[0]) % p
        return x, (lam * (a[0] - x) - a[1]) % p

    acc: tuple[int, int] | None = None
    cur: tuple[int, int] | None = pt
    while d:
        if d & 1:
            acc = add(acc, cur)
        cur = add(cur, cur)
        d >>= 1
    assert acc is not None
    return acc


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=1, max_value=CURVE_N - 2), st.integers(1, CURVE_N - 2))
def test_sm2_ecdh_matches_textbook_arithmetic(a: int, b: int) -> None:
    q = _slow_mul(b, (CURVE_GX, CURVE_GY))
    public = b"\x04" + q[0].to_bytes(32, "big") + q[1].to_bytes(32, "big")
    assert env.public_key_of("sm", b.to_bytes(32, "big")) == public
    x, y = _slow_mul(a, q)
    assert env.sm2_ecdh(a.to_bytes(32, "big"), public) == x.to_bytes(32, "big") + y.to_bytes(
        32, "big"
    )


def test_sm3_kdf_counter_blocks() -> None:
    z = b"wuyi"
    assert env.sm3_kdf(z, 32) == sm3(z + b"\x00\x00\x00\x01")
    assert env.sm3_kdf(z, 40) == sm3(z + b"\x00\x00\x00\x01") + sm3(z + b"\x00\x00\x00\x02")[:8]


def test_sm2_ecdh_refuses_bad_keys() -> None:
    priv, pub = env.generate_recipient_key("sm")
    with pytest.raises(CryptoError, match="not a point on the curve"):
        env.sm2_ecdh(priv, b"\x04" + b"\x01" * 64)
    with pytest.raises(CryptoError, match="out of range"):
        env.sm2_ecdh(CURVE_N.to_bytes(32, "big"), pub)
    with pytest.raises(CryptoError, match="32 bytes"):
        env.sm2_ecdh(b"\x01" * 31, pub)


# -- round trips and tampering -------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("data", [b"", b"x", "姓名哈希,月数\n".encode() * 500])
def test_round_trip_and_commitment(suite: str, data: bytes) -> None:
    priv, pub = env.generate_recipient_key(suite)
    assert len(pub) == {"intl": 32, "sm": 65}[suite] and len(priv) == 32
    blob, eph, salt = env.seal_to(suite, pub, data, info=b"req-1")
    assert len(salt) == env.SALT_LEN and len(blob) == len(data) + 16 + 16
    assert len(data) < 16 or data not in blob  # a short string may occur in random bytes
    assert env.open_from(suite, priv, blob, eph, info=b"req-1") == data
    got_salt, got = env.open_framed(suite, priv, blob, eph, info=b"req-1")
    chain = get_suite(suite)
    assert (got_salt, got) == (salt, data)
    assert env.commitment(chain, salt, data) == chain.hash(salt + data)
    blob2, eph2, salt2 = env.seal_to(suite, pub, data, info=b"req-1")
    assert blob2 != blob and eph2 != eph and salt2 != salt  # fresh every time


@pytest.mark.parametrize("suite", SUITES)
def test_tampering_and_wrong_keys_are_refused(suite: str) -> None:
    priv, pub = env.generate_recipient_key(suite)
    other, _ = env.generate_recipient_key(suite)
    blob, eph, _ = env.seal_to(suite, pub, b"months_paid=36", info=b"req-1")
    for i in (0, len(blob) // 2, len(blob) - 1):
        bad = bytearray(blob)
        bad[i] ^= 0x01
        with pytest.raises(DecryptionError, match=r"not sealed to this key, or .* altered"):
            env.open_from(suite, priv, bytes(bad), eph, info=b"req-1")
    with pytest.raises(DecryptionError, match="not sealed to this key"):
        env.open_from(suite, other, blob, eph, info=b"req-1")
    with pytest.raises(DecryptionError):
        env.open_from(suite, priv, blob, eph, info=b"req-2")
    _, eph_other = env.generate_recipient_key(suite)
    with pytest.raises(DecryptionError):
        env.open_from(suite, priv, blob, eph_other, info=b"req-1")
    with pytest.raises(DecryptionError, match="shorter than salt and tag"):
        env.open_from(suite, priv, blob[:31], eph, info=b"req-1")
    bad_eph = eph[:-1] + bytes([eph[-1] ^ 1])
    with pytest.raises(DecryptionError):  # off the curve (sm) or another point (intl)
        env.open_from(suite, priv, blob, bad_eph, info=b"req-1")


def test_bad_suite_and_recipient_keys() -> None:
    with pytest.raises(CryptoError, match="unknown envelope suite"):
        env.generate_recipient_key("rsa")
    with pytest.raises(CryptoError, match="65 bytes"):
        env.seal_to("sm", b"\x01" * 32, b"x")
    with pytest.raises(CryptoError, match="32 bytes"):
        env.seal_to("intl", b"\x04" + b"\x01" * 64, b"x")
    with pytest.raises(CryptoError, match="not a point on the curve"):
        env.seal_to("sm", b"\x04" + b"\x01" * 64, b"x")
