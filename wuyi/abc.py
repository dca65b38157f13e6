"""Interfaces in one place: the protocols the core is written against.

Implementations are thin; in-memory fakes live in ``wuyi.testing``. Only ``network/``, ``node/``,
``api/``, ``cli/`` and ``console/`` may touch sockets, disks and clocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable


@runtime_checkable
class PrivateKey(Protocol):
    """A signing key of one suite. ``public_key`` is the canonical public-key bytes."""

    @property
    def suite_name(self) -> str: ...

    @property
    def public_key(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes:
        """Sign ``message`` (the suite hashes it as its standard demands)."""
        ...

    def to_bytes(self) -> bytes:
        """Raw private scalar / seed (32 bytes). Only the keystore should call this."""
        ...


@runtime_checkable
class Suite(Protocol):
    """A cryptographic suite chosen at genesis: ``sm`` or ``intl``.

    * ``hash``: SM3 or SHA-256, 32-byte digests.
    * signatures: SM2 (over SM3, default user ID ``1234567812345678``, raw ``r||s`` 64 bytes,
      public key uncompressed 65 bytes ``04||x||y``) or Ed25519 (RFC 8032, 32-byte public key,
      64-byte signature).
    * ``seal``/``open``: authenticated encryption, SM4-GCM or AES-256-GCM (12-byte nonce,
      16-byte tag appended).
    """

    name: str
    hash_name: str
    sig_name: str
    cipher_name: str

    def hash(self, data: bytes) -> bytes: ...

    def generate_private_key(self) -> PrivateKey: ...

    def private_key_from_bytes(self, raw: bytes) -> PrivateKey: ...

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True iff ``signature`` is valid; never raises for bad input (returns False)."""
        ...

    def validate_public_key(self, public_key: bytes) -> None:
        """Raise ``CryptoError`` if ``public_key`` is not a valid point/key of this suite."""
        ...

    def seal(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes: ...

    def open(self, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes: ...


class NodeReader(Protocol):
    """Read access to content-addressed state-tree nodes (hash -> encoded node)."""

    def get_node(self, node_hash: bytes) -> bytes | None: ...


class KVReader(Protocol):
    """Read access to the flat world state (key -> value) at the last committed height."""

    def get(self, key: bytes) -> bytes | None: ...

    def iter_prefix(self, prefix: bytes) -> Iterable[tuple[bytes, bytes]]: ...


class Clock(Protocol):
    """Milliseconds since the Unix epoch. Adapters pass this in; the core never reads time."""

    def now_ms(self) -> int: ...


class Changes(Protocol):
    """A batch of state writes: key -> new value, or None to delete."""

    def items(self) -> Iterable[tuple[bytes, bytes | None]]: ...


StateChanges = Mapping[bytes, bytes | None]
