"""Public-key encryption of a payload to one recipient (the data-sharing envelope).

One ephemeral-static key agreement per message, a key derivation bound to both public keys,
then an AEAD over ``salt(16) || data``:

=========  =====================================  ======================================
suite      ``intl``                               ``sm``
=========  =====================================  ======================================
agreement  X25519 (RFC 7748), ``cryptography``    ECDH on the SM2 curve (GB/T 32918.5):
                                                  ``k · P_B`` by Tongsuo's ``EC_POINT_mul``
KDF        HKDF-SHA256 (RFC 5869)                 the SM3 KDF of GB/T 32918.4 §5.4.3
AEAD       AES-256-GCM (32-byte key)              SM4-GCM (16-byte key, RFC 8998)
keys       32-byte private, 32-byte public        32-byte scalar ``d``, ``04||x||y`` (65 B)
=========  =====================================  ======================================

Key and nonce come from the KDF (the ephemeral key is fresh for every message, so a nonce is
never reused under one key)::

    intl: okm = HKDF-SHA256(ikm = X25519(e, R), salt = E || R,
                            info = "wuyi/envelope/v1/intl" || info, L = 32 + 12)
    sm:   okm = KDF_SM3(Z = x2 || y2 || "wuyi/envelope/v1/sm" || E || R || info, klen = 16 + 12)
    key, nonce = okm[:-12], okm[-12:]
    blob = AEAD(key, nonce, salt || data, aad = "")

where ``E`` is the ephemeral public key, ``R`` the recipient's public key and ``(x2, y2) =
k · R`` (32-byte big-endian coordinates), the same shared point as GB/T 32918.4 encryption.
Tongsuo refuses ``EVP_PKEY_derive`` for SM2-type keys, so the point multiplication goes
through the EC functions of ``tongsuopy``'s OpenSSL binding; the test suite checks it against
the encryption example of GB/T 32918.5 Appendix A (``x2 || y2`` and ``C3``) and a slow
textbook double-and-add.

``salt`` (16 random bytes) is returned to the sender and travels inside the ciphertext; the
chain records ``commitment = suite.hash(salt || data)`` so the recipient can prove what it
received without the data ever being on chain in clear.
"""

from __future__ import annotations

import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wuyi.abc import Suite
from wuyi.exceptions import CryptoError, DecryptionError

__all__ = [
    "SALT_LEN",
    "commitment",
    "generate_recipient_key",
    "hkdf_sha256",
    "open_framed",
    "open_from",
    "public_key_of",
    "seal_to",
    "sm2_ecdh",
    "sm3_kdf",
    "validate_recipient_public",
    "x25519",
]

SALT_LEN = 16
_NONCE_LEN = 12
_TAG_LEN = 16
_LABEL = {"intl": b"wuyi/envelope/v1/intl", "sm": b"wuyi/envelope/v1/sm"}
_KEY_LEN = {"intl": 32, "sm": 16}
_PUBLIC_LEN = {"intl": 32, "sm": 65}


# -- primitives ----------------------------------------------------------------------------------


def x25519(private: bytes, public: bytes) -> bytes:
    """RFC 7748 X25519(k, u); :class:`CryptoError` for bad sizes or an all-zero result
    (a small-order ``u``)."""
    if len(private) != 32 or len(public) != 32:
        raise CryptoError("X25519 keys are 32 bytes")
    try:
        return bytes(
            X25519PrivateKey.from_private_bytes(bytes(private)).exchange(
                X25519PublicKey.from_public_bytes(bytes(public))
            )
        )
    except ValueError:
        raise CryptoError("X25519 public key is of small order (shared secret is zero)") from None


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 (RFC 5869) extract-and-expand."""
    return bytes(HKDF(hashes.SHA256(), length, salt, info).derive(bytes(ikm)))


def sm3_kdf(z: bytes, klen: int) -> bytes:
    """The key derivation function of GB/T 32918.4-2016 §5.4.3:
    ``SM3(Z || ct)`` for a 32-bit big-endian counter ``ct = 1, 2, ...``, cut to ``klen`` bytes."""
    from wuyi.crypto.sm import sm3

    out = bytearray()
    ct = 1
    while len(out) < klen:
        out += sm3(bytes(z) + ct.to_bytes(4, "big"))
        ct += 1
    return bytes(out[:klen])


def _sm2_scalar(private: bytes) -> int:
    from wuyi.crypto.sm import CURVE_N

    if len(private) != 32:
        raise CryptoError(f"SM2 private key must be 32 bytes, got {len(private)}")
    d = int.from_bytes(private, "big")
    if not 1 <= d <= CURVE_N - 2:
        raise CryptoError("SM2 private key out of range: must be in [1, n-2]")
    return d


def sm2_ecdh(private: bytes, public: bytes) -> bytes:
    """``x2 || y2`` (64 bytes) of ``d · P`` on the SM2 curve, by Tongsuo.

    ``public`` must be a point ``04||x||y`` on the curve (checked by Tongsuo); the cofactor is
    1, so no point other than infinity has small order, and infinity cannot be encoded."""
    from tongsuopy.crypto.asymciphers import ec as ts_ec

    from wuyi.crypto.sm import _load_public_key

    d = _sm2_scalar(private)
    peer: Any = _load_public_key(bytes(public))  # CryptoError if not on the curve
    key: Any = ts_ec.derive_private_key(d, ts_ec.SM2())
    backend = key._backend
    lib, ffi = backend._lib, backend._ffi
    group = lib.EC_KEY_get0_group(key._ec_key)
    point = ffi.gc(lib.EC_POINT_new(group), lib.EC_POINT_free)
    buf = ffi.new("unsigned char[]", 65)
    with backend._tmp_bn_ctx() as bn_ctx:
        ok = lib.EC_POINT_mul(
            group,
            point,
            ffi.NULL,
            lib.EC_KEY_get0_public_key(peer._ec_key),
            lib.EC_KEY_get0_private_key(key._ec_key),
            bn_ctx,
        )
        if ok != 1 or lib.EC_POINT_is_at_infinity(group, point):
            backend._consume_errors()
            raise CryptoError("SM2 key agreement failed")
        n = lib.EC_POINT_point2oct(group, point, lib.POINT_CONVERSION_UNCOMPRESSED, buf, 65, bn_ctx)
    if n != 65:
        raise CryptoError("SM2 key agreement failed to encode the shared point")
    return bytes(ffi.buffer(buf, 65))[1:]


# -- keys ----------------------------------------------------------------------------------------


def _check_suite(suite_name: str) -> str:
    if suite_name not in _LABEL:
        raise CryptoError(f"unknown envelope suite {suite_name!r}; known: 'sm', 'intl'")
    return suite_name


def generate_recipient_key(suite_name: str) -> tuple[bytes, bytes]:
    """A fresh key-agreement key pair ``(private_bytes, public_bytes)`` for ``suite_name``."""
    if _check_suite(suite_name) == "intl":
        sk = X25519PrivateKey.generate()
        raw = sk.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return bytes(raw), public_key_of("intl", bytes(raw))
    from wuyi.crypto import SM_SUITE

    key = SM_SUITE.generate_private_key()
    return key.to_bytes(), key.public_key


def public_key_of(suite_name: str, private: bytes) -> bytes:
    """The public key of a key-agreement private key."""
    if _check_suite(suite_name) == "intl":
        if len(private) != 32:
            raise CryptoError(f"X25519 private key must be 32 bytes, got {len(private)}")
        return bytes(
            X25519PrivateKey.from_private_bytes(bytes(private))
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
    from wuyi.crypto import SM_SUITE

    _sm2_scalar(private)
    return SM_SUITE.private_key_from_bytes(bytes(private)).public_key


def validate_recipient_public(suite_name: str, public: bytes) -> None:
    """:class:`CryptoError` unless ``public`` is a key-agreement public key of the suite."""
    want = _PUBLIC_LEN[_check_suite(suite_name)]
    if not isinstance(public, bytes) or len(public) != want:
        raise CryptoError(f"{suite_name} recipient public key must be {want} bytes")
    if suite_name == "sm":
        from wuyi.crypto import SM_SUITE

        SM_SUITE.validate_public_key(public)
    elif not any(public):
        raise CryptoError("X25519 recipient public key is all zero")


# -- seal / open ---------------------------------------------------------------------------------


def _derive(suite_name: str, shared: bytes, eph: bytes, recipient: bytes, info: bytes) -> bytes:
    n = _KEY_LEN[suite_name] + _NONCE_LEN
    label = _LABEL[suite_name]
    if suite_name == "intl":
        return hkdf_sha256(shared, eph + recipient, label + info, n)
    return sm3_kdf(shared + label + eph + recipient + info, n)


def _agree(suite_name: str, private: bytes, public: bytes) -> bytes:
    return x25519(private, public) if suite_name == "intl" else sm2_ecdh(private, public)


def _aead_seal(suite_name: str, okm: bytes, plaintext: bytes) -> bytes:
    key, nonce = okm[:-_NONCE_LEN], okm[-_NONCE_LEN:]
    if suite_name == "intl":
        return bytes(AESGCM(key).encrypt(nonce, plaintext, b""))
    from wuyi.crypto import SM_SUITE

    return SM_SUITE.seal(key, nonce, plaintext)


def _aead_open(suite_name: str, okm: bytes, blob: bytes) -> bytes:
    key, nonce = okm[:-_NONCE_LEN], okm[-_NONCE_LEN:]
    if suite_name == "intl":
        try:
            return bytes(AESGCM(key).decrypt(nonce, blob, b""))
        except InvalidTag:
            raise DecryptionError("AES-GCM authentication failed") from None
    from wuyi.crypto import SM_SUITE

    return SM_SUITE.open(key, nonce, blob)


def seal_to(
    suite_name: str, recipient_public: bytes, plaintext: bytes, *, info: bytes = b""
) -> tuple[bytes, bytes, bytes]:
    """Encrypt ``plaintext`` to ``recipient_public``; returns ``(ciphertext_blob,
    ephemeral_public, salt)``. ``info`` (e.g. the request id) must be given again to open."""
    validate_recipient_public(suite_name, recipient_public)
    eph_private, eph_public = generate_recipient_key(suite_name)
    shared = _agree(suite_name, eph_private, recipient_public)
    okm = _derive(suite_name, shared, eph_public, recipient_public, bytes(info))
    salt = secrets.token_bytes(SALT_LEN)
    return _aead_seal(suite_name, okm, salt + bytes(plaintext)), eph_public, salt


def open_framed(
    suite_name: str,
    recipient_private: bytes,
    ciphertext_blob: bytes,
    ephemeral_public: bytes,
    *,
    info: bytes = b"",
) -> tuple[bytes, bytes]:
    """``(salt, plaintext)`` of a blob made by :func:`seal_to`; :class:`DecryptionError` if this
    key cannot open it (wrong recipient, wrong ``info``, tampered blob or ephemeral key)."""
    _check_suite(suite_name)
    if len(ciphertext_blob) < SALT_LEN + _TAG_LEN:
        raise DecryptionError(
            f"envelope is {len(ciphertext_blob)} bytes, shorter than salt and tag"
            f" ({SALT_LEN + _TAG_LEN})"
        )
    try:
        recipient_public = public_key_of(suite_name, recipient_private)
        shared = _agree(suite_name, recipient_private, bytes(ephemeral_public))
    except CryptoError as exc:
        raise DecryptionError(f"cannot open the envelope: {exc.message}") from None
    okm = _derive(suite_name, shared, bytes(ephemeral_public), recipient_public, bytes(info))
    try:
        framed = _aead_open(suite_name, okm, bytes(ciphertext_blob))
    except DecryptionError:
        raise DecryptionError(
            "cannot open the envelope: it was not sealed to this key, or the ciphertext or its"
            " ephemeral key was altered"
        ) from None
    return framed[:SALT_LEN], framed[SALT_LEN:]


def open_from(
    suite_name: str,
    recipient_private: bytes,
    ciphertext_blob: bytes,
    ephemeral_public: bytes,
    *,
    info: bytes = b"",
) -> bytes:
    """The plaintext of a blob made by :func:`seal_to` (see :func:`open_framed`)."""
    return open_framed(suite_name, recipient_private, ciphertext_blob, ephemeral_public, info=info)[
        1
    ]


def commitment(suite: Suite, salt: bytes, plaintext: bytes) -> bytes:
    """``suite.hash(salt || plaintext)``: what ``data.deliver`` records on chain."""
    return suite.hash(bytes(salt) + bytes(plaintext))
