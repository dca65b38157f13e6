"""The ``intl`` suite: SHA-256 hashing, Ed25519 signatures, AES-256-GCM sealing.

* SHA-256 (FIPS 180-4): ``hashlib``.
* Ed25519 (RFC 8032, pure, no context): libsodium via PyNaCl. Private keys are the 32-byte seed,
  public keys the 32-byte encoding of ``A``, signatures the 64-byte ``R || S``. ``verify`` calls
  ``crypto_sign_open`` directly (the cheapest entry PyNaCl 1.6 exposes; no
  ``crypto_sign_verify_detached`` binding). libsodium rejects non-canonical ``S``, small-order
  ``A`` and ``R``, and non-canonical encodings, so validity does not depend on caller care.
* AES-256-GCM (NIST SP 800-38D): ``cryptography``'s ``AESGCM``; 32-byte key, 12-byte nonce,
  16-byte tag appended.
"""

from __future__ import annotations

import hashlib

import nacl.bindings as _sodium
import nacl.exceptions as _nacl_exc
import nacl.signing as _nacl_signing
from cryptography.exceptions import InvalidTag as _InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM as _AESGCM

from wuyi.exceptions import CryptoError, DecryptionError

__all__ = ["Ed25519PrivateKey", "IntlSuite"]

_PUBLIC_KEY_LEN = 32
_SIGNATURE_LEN = 64
_SEED_LEN = 32
_AES_KEY_LEN = 32
_NONCE_LEN = 12
_TAG_LEN = 16


class Ed25519PrivateKey:
    """An Ed25519 signing key (libsodium). ``to_bytes`` is the RFC 8032 32-byte seed."""

    __slots__ = ("_key", "_public_key", "_seed")

    suite_name = "intl"

    def __init__(self, seed: bytes) -> None:
        if len(seed) != _SEED_LEN:
            raise CryptoError(f"Ed25519 seed must be {_SEED_LEN} bytes, got {len(seed)}")
        self._seed = bytes(seed)
        self._key = _nacl_signing.SigningKey(self._seed)
        self._public_key = bytes(self._key.verify_key)

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def sign(self, message: bytes) -> bytes:
        return bytes(self._key.sign(bytes(message)).signature)

    def to_bytes(self) -> bytes:
        return self._seed

    def __repr__(self) -> str:
        return f"Ed25519PrivateKey(public_key={self._public_key.hex()})"


class IntlSuite:
    """The ``intl`` suite: SHA-256 / Ed25519 / AES-256-GCM."""

    name: str = "intl"
    hash_name: str = "sha256"
    sig_name: str = "ed25519"
    cipher_name: str = "aes-256-gcm"

    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def generate_private_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey(bytes(_nacl_signing.SigningKey.generate()))

    def private_key_from_bytes(self, raw: bytes) -> Ed25519PrivateKey:
        return Ed25519PrivateKey(bytes(raw))

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        try:
            if len(public_key) != _PUBLIC_KEY_LEN or len(signature) != _SIGNATURE_LEN:
                return False
            _sodium.crypto_sign_open(bytes(signature) + bytes(message), bytes(public_key))
        except (_nacl_exc.BadSignatureError, _nacl_exc.CryptoError, ValueError, TypeError):
            return False
        return True

    def validate_public_key(self, public_key: bytes) -> None:
        if not isinstance(public_key, bytes) or len(public_key) != _PUBLIC_KEY_LEN:
            n = len(public_key) if isinstance(public_key, bytes) else type(public_key).__name__
            raise CryptoError(f"Ed25519 public key must be {_PUBLIC_KEY_LEN} bytes, got {n}")
        # Canonical encoding of a point on the curve, in the prime-order subgroup, not of
        # small order (libsodium crypto_core_ed25519_is_valid_point).
        if not _sodium.crypto_core_ed25519_is_valid_point(public_key):
            raise CryptoError("Ed25519 public key is not a valid prime-order point")

    def seal(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        return bytes(_aesgcm(key, nonce).encrypt(bytes(nonce), bytes(plaintext), bytes(aad)))

    def open(self, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
        aead = _aesgcm(key, nonce)
        if len(ciphertext) < _TAG_LEN:
            raise DecryptionError("AES-GCM ciphertext shorter than its 16-byte tag")
        try:
            return bytes(aead.decrypt(bytes(nonce), bytes(ciphertext), bytes(aad)))
        except _InvalidTag:
            raise DecryptionError("AES-GCM authentication failed") from None

    def __repr__(self) -> str:
        return "IntlSuite()"


def _aesgcm(key: bytes, nonce: bytes) -> _AESGCM:
    if len(key) != _AES_KEY_LEN:
        raise CryptoError(f"AES-256-GCM key must be {_AES_KEY_LEN} bytes, got {len(key)}")
    if len(nonce) != _NONCE_LEN:
        raise CryptoError(f"AES-256-GCM nonce must be {_NONCE_LEN} bytes, got {len(nonce)}")
    return _AESGCM(bytes(key))
