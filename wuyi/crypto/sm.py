"""The ``sm`` suite: SM3 hashing, SM2 signatures, SM4-GCM sealing (Chinese national standards).

* SM3 (GB/T 32905-2016): ``hashlib.new("sm3")`` from the OpenSSL that Python links, copied from
  a prepared prototype (the fastest path measured, see ``docs/crypto.md``); Tongsuo's SM3 if
  that OpenSSL lacks it.
* SM2 signatures (GB/T 32918.2-2016 over the recommended curve of GB/T 32918.5): Tongsuo via
  ``tongsuopy``. Tongsuo computes ``Z_A`` itself with the default user ID ``1234567812345678``
  (GM/T 0009-2012), then ``e = SM3(Z_A || M)``; the standard's worked example and cross-checks
  with the pure-Python ``gmssl`` in ``tests/unit/test_crypto_sm.py`` pin that.
  Signatures are raw ``r || s`` (64 bytes, big-endian), public keys uncompressed ``04 || x || y``
  (65 bytes), private keys the 32-byte big-endian scalar ``d`` in ``[1, n - 2]``.
* SM4-GCM (GB/T 32907-2016, GCM as in RFC 8998): Tongsuo; 16-byte key, 12-byte nonce, 16-byte
  tag appended to the ciphertext.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from tongsuopy.crypto import hashes as _ts_hashes
from tongsuopy.crypto import serialization as _ts_serialization
from tongsuopy.crypto.asymciphers import ec as _ts_ec
from tongsuopy.crypto.ciphers.aead import SM4GCM as _SM4GCM
from tongsuopy.crypto.exceptions import InvalidSignature as _TsInvalidSignature
from tongsuopy.crypto.exceptions import InvalidTag as _TsInvalidTag

from wuyi.exceptions import CryptoError, DecryptionError

__all__ = [
    "CURVE_A",
    "CURVE_B",
    "CURVE_GX",
    "CURVE_GY",
    "CURVE_N",
    "CURVE_P",
    "DEFAULT_USER_ID",
    "SM2PrivateKey",
    "SMSuite",
    "sm3",
]

# GB/T 32918.5-2017 recommended curve parameters (sm2p256v1).
CURVE_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
CURVE_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
CURVE_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
CURVE_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
CURVE_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
CURVE_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

#: The user ID that goes into Z_A (GM/T 0009-2012 default). Tongsuo uses it when none is set.
DEFAULT_USER_ID = b"1234567812345678"

_PUBLIC_KEY_LEN = 65
_SIGNATURE_LEN = 64
_SCALAR_LEN = 32
_SM4_KEY_LEN = 16
_NONCE_LEN = 12
_TAG_LEN = 16

_CURVE = _ts_ec.SM2()
_SIG_ALG = _ts_ec.ECDSA(_ts_hashes.SM3())  # with an SM2 key Tongsuo runs SM2-with-SM3 (Z_A)


def _make_sm3() -> Callable[[bytes], bytes]:
    try:
        proto = hashlib.new("sm3")
    except ValueError:  # Python's OpenSSL built without SM3: fall back to Tongsuo's.
        proto = None

    if proto is not None:
        copy = proto.copy

        def sm3_openssl(data: bytes) -> bytes:
            h = copy()
            h.update(data)
            return h.digest()

        return sm3_openssl

    def sm3_tongsuo(data: bytes) -> bytes:
        h = _ts_hashes.Hash(_ts_hashes.SM3())
        h.update(bytes(data))
        return bytes(h.finalize())

    return sm3_tongsuo


sm3 = _make_sm3()
sm3.__doc__ = "SM3 digest (32 bytes) of ``data``."


def _check_scalar(d: int) -> None:
    # d = n - 1 makes (1 + d) non-invertible; Tongsuo then loops forever when signing.
    if not 1 <= d <= CURVE_N - 2:
        raise CryptoError("SM2 private key out of range: must be in [1, n-2]")


@functools.lru_cache(maxsize=4096)
def _load_public_key(public_key: bytes) -> Any:
    """Parse and check ``04 || x || y``; cached, so repeat signers cost one parse."""
    if len(public_key) != _PUBLIC_KEY_LEN or public_key[0] != 0x04:
        raise CryptoError(
            f"SM2 public key must be {_PUBLIC_KEY_LEN} bytes 04||x||y, got {len(public_key)} bytes"
        )
    try:
        # EC_POINT_oct2point rejects coordinates >= p and points off the curve; the
        # cofactor is 1, so every point on the curve other than infinity is in the group.
        return _ts_ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, public_key)
    except ValueError:
        raise CryptoError("SM2 public key is not a point on the curve") from None


def _raw_to_der(signature: bytes) -> bytes | None:
    if len(signature) != _SIGNATURE_LEN:
        return None
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (0 < r < CURVE_N and 0 < s < CURVE_N):
        return None
    return bytes(encode_dss_signature(r, s))


class SM2PrivateKey:
    """An SM2 signing key (Tongsuo). ``public_key`` is ``04 || x || y``."""

    __slots__ = ("_key", "_public_key")

    suite_name = "sm"

    def __init__(self, key: Any) -> None:
        self._key = key
        self._public_key: bytes = key.public_key().public_bytes(
            _ts_serialization.Encoding.X962, _ts_serialization.PublicFormat.UncompressedPoint
        )

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def sign(self, message: bytes) -> bytes:
        """SM2 signature over ``SM3(Z_A || message)`` with the default user ID, raw ``r || s``."""
        der = self._key.sign(bytes(message), _SIG_ALG)
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def to_bytes(self) -> bytes:
        return int(self._key.private_numbers().private_value).to_bytes(_SCALAR_LEN, "big")

    def __repr__(self) -> str:
        return f"SM2PrivateKey(public_key={self._public_key.hex()})"


class SMSuite:
    """The ``sm`` suite: SM3 / SM2 (default user ID) / SM4-GCM."""

    name: str = "sm"
    hash_name: str = "sm3"
    sig_name: str = "sm2"
    cipher_name: str = "sm4-gcm"

    def hash(self, data: bytes) -> bytes:
        return sm3(data)

    def generate_private_key(self) -> SM2PrivateKey:
        while True:
            key = _ts_ec.generate_private_key(_CURVE)
            if 1 <= key.private_numbers().private_value <= CURVE_N - 2:
                return SM2PrivateKey(key)

    def private_key_from_bytes(self, raw: bytes) -> SM2PrivateKey:
        if len(raw) != _SCALAR_LEN:
            raise CryptoError(f"SM2 private key must be {_SCALAR_LEN} bytes, got {len(raw)}")
        d = int.from_bytes(raw, "big")
        _check_scalar(d)
        return SM2PrivateKey(_ts_ec.derive_private_key(d, _CURVE))

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        try:
            der = _raw_to_der(bytes(signature))
            if der is None:
                return False
            key = _load_public_key(bytes(public_key))
            key.verify(der, bytes(message), _SIG_ALG)
        except (_TsInvalidSignature, CryptoError, ValueError, TypeError):
            return False
        return True

    def validate_public_key(self, public_key: bytes) -> None:
        if not isinstance(public_key, bytes):
            raise CryptoError("SM2 public key must be bytes")
        _load_public_key(public_key)

    def seal(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        aead = _sm4gcm(key, nonce)
        return bytes(aead.encrypt(bytes(nonce), bytes(plaintext), bytes(aad)))

    def open(self, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
        aead = _sm4gcm(key, nonce)
        if len(ciphertext) < _TAG_LEN:
            raise DecryptionError("SM4-GCM ciphertext shorter than its 16-byte tag")
        try:
            return bytes(aead.decrypt(bytes(nonce), bytes(ciphertext), bytes(aad)))
        except _TsInvalidTag:
            raise DecryptionError("SM4-GCM authentication failed") from None

    def __repr__(self) -> str:
        return "SMSuite()"


def _sm4gcm(key: bytes, nonce: bytes) -> _SM4GCM:
    if len(key) != _SM4_KEY_LEN:
        raise CryptoError(f"SM4-GCM key must be {_SM4_KEY_LEN} bytes, got {len(key)}")
    if len(nonce) != _NONCE_LEN:
        raise CryptoError(f"SM4-GCM nonce must be {_NONCE_LEN} bytes, got {len(nonce)}")
    return _SM4GCM(bytes(key))
