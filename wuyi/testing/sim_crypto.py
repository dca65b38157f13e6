"""Crypto for the simulator: the real ``intl`` suite when present, else a tiny fake.

:class:`FakeSuite` is for tests only: a signature is ``SHA-256(secret || message)`` and
``verify`` looks the secret up in the suite's own registry, so signatures cannot be forged by
code that does not hold the key object, but nothing here is real public-key cryptography.
:class:`CachingSuite` memoises ``verify`` (a pure function) so that one signature checked by
every simulated node costs one verification.
"""

from __future__ import annotations

import hashlib
from typing import Any

from wuyi.abc import PrivateKey, Suite
from wuyi.exceptions import WuyiError

__all__ = ["CachingSuite", "FakeKey", "FakeSuite", "get_sim_suite"]


class FakeKey:
    suite_name = "fake"

    def __init__(self, suite: FakeSuite, raw: bytes) -> None:
        self._suite = suite
        self._raw = raw
        self.public_key = hashlib.sha256(b"fake-pub" + raw).digest()
        suite._registry[self.public_key] = raw

    def sign(self, message: bytes) -> bytes:
        return hashlib.sha256(self._raw + message).digest() * 2

    def to_bytes(self) -> bytes:
        return self._raw


class FakeSuite:
    """Deterministic stand-in with the ``Suite`` surface consensus uses."""

    name = "fake"
    hash_name = "sha256"
    sig_name = "fake-mac"
    cipher_name = "none"

    def __init__(self) -> None:
        self._registry: dict[bytes, bytes] = {}
        self._counter = 0

    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def generate_private_key(self) -> FakeKey:
        self._counter += 1
        return FakeKey(self, hashlib.sha256(b"fake-key%d" % self._counter).digest())

    def private_key_from_bytes(self, raw: bytes) -> FakeKey:
        return FakeKey(self, bytes(raw))

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        raw = self._registry.get(public_key)
        return raw is not None and signature == hashlib.sha256(raw + message).digest() * 2

    def validate_public_key(self, public_key: bytes) -> None:
        return None

    def seal(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        raise NotImplementedError

    def open(self, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
        raise NotImplementedError


class CachingSuite:
    """Wraps a suite; memoises ``verify`` and ``hash`` results (both pure)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.hash_name = inner.hash_name
        self.sig_name = inner.sig_name
        self.cipher_name = inner.cipher_name
        self._verified: dict[tuple[bytes, bytes, bytes], bool] = {}

    def hash(self, data: bytes) -> bytes:
        return bytes(self.inner.hash(data))

    def generate_private_key(self) -> PrivateKey:
        key: PrivateKey = self.inner.generate_private_key()
        return key

    def private_key_from_bytes(self, raw: bytes) -> PrivateKey:
        key: PrivateKey = self.inner.private_key_from_bytes(raw)
        return key

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        k = (public_key, message, signature)
        got = self._verified.get(k)
        if got is None:
            got = bool(self.inner.verify(public_key, message, signature))
            if len(self._verified) > 200_000:
                self._verified.clear()
            self._verified[k] = got
        return got

    def validate_public_key(self, public_key: bytes) -> None:
        self.inner.validate_public_key(public_key)

    def seal(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        return bytes(self.inner.seal(key, nonce, plaintext, aad))

    def open(self, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
        return bytes(self.inner.open(key, nonce, ciphertext, aad))


def get_sim_suite(real: bool = True) -> Suite:
    """The ``intl`` suite if ``wuyi.crypto.get_suite`` exists (and ``real``), else the fake."""
    inner: Any = None
    if real:
        try:
            from wuyi.crypto import get_suite  # type: ignore[attr-defined,unused-ignore]

            inner = get_suite("intl")
        except (ImportError, AttributeError, KeyError, ValueError, WuyiError):
            inner = None
    if inner is None:
        inner = FakeSuite()
    suite: Suite = CachingSuite(inner)
    return suite
