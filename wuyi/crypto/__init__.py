"""Cryptographic suites, addresses and the keystore.

A chain picks one suite at genesis and never changes it (``docs/crypto.md``):

* ``sm``: SM3 / SM2 with the default user ID ``1234567812345678`` / SM4-GCM
  (OpenSSL's SM3, Tongsuo's SM2 and SM4 via ``tongsuopy``);
* ``intl``: SHA-256 / Ed25519 (RFC 8032) / AES-256-GCM
  (``hashlib``, libsodium via PyNaCl, ``cryptography``).

Both implement :class:`wuyi.abc.Suite`. An address is the first 20 bytes of
``suite.hash(b"wuyi/address\\x00" + public_key)``, shown as ``"wy" + 40 hex digits``.
"""

from __future__ import annotations

from collections.abc import Iterable

from wuyi.abc import Suite
from wuyi.crypto.intl import IntlSuite
from wuyi.crypto.sm import SMSuite
from wuyi.exceptions import CryptoError, EncodingError

__all__ = [
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

SM_SUITE: Suite = SMSuite()
INTL_SUITE: Suite = IntlSuite()
_SUITES: dict[str, Suite] = {SM_SUITE.name: SM_SUITE, INTL_SUITE.name: INTL_SUITE}
SUITE_NAMES: tuple[str, ...] = tuple(_SUITES)

ADDRESS_DOMAIN = b"wuyi/address\x00"
ADDRESS_LENGTH = 20
ADDRESS_PREFIX = "wy"
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def get_suite(name: str) -> Suite:
    """The suite called ``name`` (``"sm"`` or ``"intl"``); :class:`CryptoError` otherwise."""
    suite = _SUITES.get(name) if isinstance(name, str) else None
    if suite is None:
        known = ", ".join(repr(n) for n in SUITE_NAMES)
        raise CryptoError(f"unknown crypto suite {name!r}; known suites: {known}", suite=name)
    return suite


def verify_batch(suite: Suite, items: Iterable[tuple[bytes, bytes, bytes]]) -> list[bool]:
    """``[suite.verify(pub, msg, sig) for pub, msg, sig in items]``; never raises for bad input."""
    verify = suite.verify
    return [verify(pub, msg, sig) for pub, msg, sig in items]


def address_of(suite: Suite, public_key: bytes) -> bytes:
    """The 20-byte address of ``public_key``: ``suite.hash(ADDRESS_DOMAIN + public_key)[:20]``.

    Pure and cheap; it does not validate the key (call ``suite.validate_public_key`` on keys
    that arrive from outside, e.g. when a member is registered).
    """
    return suite.hash(ADDRESS_DOMAIN + bytes(public_key))[:ADDRESS_LENGTH]


def format_address(address: bytes) -> str:
    """``"wy"`` followed by the 40 lower-case hex digits of a 20-byte address."""
    if not isinstance(address, bytes | bytearray) or len(address) != ADDRESS_LENGTH:
        raise EncodingError(f"an address is {ADDRESS_LENGTH} bytes, got {address!r}")
    return ADDRESS_PREFIX + bytes(address).hex()


def parse_address(text: str) -> bytes:
    """Inverse of :func:`format_address` (hex digits in either case); :class:`EncodingError`."""
    if not isinstance(text, str) or not text.startswith(ADDRESS_PREFIX):
        raise EncodingError(f"address {text!r} must start with {ADDRESS_PREFIX!r}")
    digits = text[len(ADDRESS_PREFIX) :]
    if len(digits) != 2 * ADDRESS_LENGTH or not _HEX_DIGITS.issuperset(digits):
        raise EncodingError(
            f"address {text!r} must be {ADDRESS_PREFIX!r} and {2 * ADDRESS_LENGTH} hex digits"
        )
    return bytes.fromhex(digits)


# The keystore uses get_suite/address_of above, so it is imported last.
from wuyi.crypto.keystore import import_key, load_key, save_key  # noqa: E402

SIGNATURE_HALF = 32


def signature_from_der(der: bytes) -> bytes:
    """The 64-byte ``r || s`` (each 32 bytes, big-endian) the chain's SM2 signatures use, from a
    DER ``SEQUENCE { r INTEGER, s INTEGER }`` as OpenSSL, Java, BouncyCastle and most HSMs
    produce them. :class:`CryptoError` if it is not strict DER or a value does not fit."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    try:
        r, s = decode_dss_signature(bytes(der))
    except (ValueError, TypeError):
        raise CryptoError("not a DER signature (SEQUENCE of two INTEGERs r, s)") from None
    limit = 1 << (8 * SIGNATURE_HALF)
    if not (0 < r < limit and 0 < s < limit):
        raise CryptoError("DER signature: r and s must be positive and fit in 32 bytes")
    return r.to_bytes(SIGNATURE_HALF, "big") + s.to_bytes(SIGNATURE_HALF, "big")


def signature_to_der(raw: bytes) -> bytes:
    """The DER form of a 64-byte ``r || s`` signature (the inverse of
    :func:`signature_from_der`)."""
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    if len(raw) != 2 * SIGNATURE_HALF:
        raise CryptoError(f"an r||s signature is {2 * SIGNATURE_HALF} bytes, got {len(raw)}")
    r = int.from_bytes(raw[:SIGNATURE_HALF], "big")
    s = int.from_bytes(raw[SIGNATURE_HALF:], "big")
    return bytes(encode_dss_signature(r, s))
