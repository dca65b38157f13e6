"""Private keys on disk, encrypted under a passphrase; importing keys made elsewhere.

A key file is UTF-8 JSON, mode 0600::

    {
      "version": 1,
      "suite": "sm",
      "public_key": "04...",                        # hex, the suite's canonical encoding
      "address": "wy...",                           # format_address(address_of(...))
      "kdf": {"name": "scrypt", "n": 16384, "r": 8, "p": 1, "dklen": 32, "salt": "<16 B hex>"},
      "cipher": {"name": "aes-256-gcm", "nonce": "<12 B hex>", "ciphertext": "<48 B hex>"}
    }

``ciphertext`` is AES-256-GCM (tag appended) of the 32-byte private scalar / seed under the
scrypt-derived key; the associated data is the canonical JSON (sorted keys, no spaces) of every
field except ``cipher``, so editing the suite, public key, address or KDF parameters makes the
file fail to open exactly as a wrong passphrase does.

Why AES-256-GCM for both suites: the keystore protects a file on an operator's disk, not data on
the chain, so it need not follow the chain's suite; one well-reviewed AEAD (``cryptography``)
keeps one file format, one code path and one set of tests. SM-only deployments that must keep
SM4 at rest can add ``"cipher": {"name": "sm4-gcm"}`` as version 2.

scrypt n=2**14, r=8, p=1 (16 MiB, about 50 ms here) is the interactive-login setting of the
scrypt paper and RFC 7914: modest, so node start-up and tests stay fast. Files with larger
parameters load (up to n*r = 2**21, 256 MiB) but are never written by this module.
"""

from __future__ import annotations

import json
import os
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from wuyi.abc import PrivateKey
from wuyi.crypto import address_of, format_address, get_suite
from wuyi.exceptions import CryptoError, KeyFileError

__all__ = [
    "KEYSTORE_VERSION",
    "SCRYPT_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "decrypt_key",
    "encrypt_key",
    "import_key",
    "load_key",
    "open_document",
    "save_key",
    "seal_document",
    "write_private_file",
]

KEYSTORE_VERSION = 1
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_DKLEN = 32
_SALT_LEN = 16
_NONCE_LEN = 12
_MAX_N_TIMES_R = 2**21  # 128 * n * r bytes of memory: at most 256 MiB when loading
_MAX_P = 16
_HEX_BYTES = frozenset(b"0123456789abcdefABCDEF")


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        raw = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    elif isinstance(passphrase, bytes | bytearray):
        raw = bytes(passphrase)
    else:
        raise KeyFileError("passphrase must be str or bytes")
    if not raw:
        raise KeyFileError("empty passphrase: a key file needs a passphrase")
    return raw


def _derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return bytes(Scrypt(salt=salt, length=_DKLEN, n=n, r=r, p=p).derive(passphrase))


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def encrypt_key(key: PrivateKey, passphrase: str | bytes) -> dict[str, Any]:
    """The keystore JSON object (as a dict) holding ``key`` under ``passphrase``."""
    pw = _passphrase_bytes(passphrase)
    suite = get_suite(key.suite_name)
    header = {
        "version": KEYSTORE_VERSION,
        "suite": suite.name,
        "public_key": key.public_key.hex(),
        "address": format_address(address_of(suite, key.public_key)),
    }
    return seal_document(header, key.to_bytes(), pw)  # a key file is a sealed document


def _field(obj: Any, name: str, kind: type, source: str) -> Any:
    if not isinstance(obj, dict) or name not in obj:
        raise KeyFileError(f"key file {source} lacks field {name!r}", path=source)
    value = obj[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise KeyFileError(f"key file {source}: field {name!r} has the wrong type", path=source)
    return value


def _hex(obj: Any, name: str, source: str) -> bytes:
    try:
        return bytes.fromhex(_field(obj, name, str, source))
    except ValueError:
        raise KeyFileError(f"key file {source}: field {name!r} is not hex", path=source) from None


def _sealing(doc: Any, source: str, where: str) -> tuple[int, int, int, bytes, Any, bytes]:
    """Scrypt's ``n, r, p, salt``, the ``cipher`` object and its ``nonce`` from a sealed
    document (key file or :func:`seal_document`); :class:`KeyFileError` prefixed ``where``."""
    kdf = _field(doc, "kdf", dict, source)
    cipher = _field(doc, "cipher", dict, source)
    if _field(kdf, "name", str, source) != "scrypt":
        raise KeyFileError(f"{where}: unsupported kdf {kdf['name']!r}", path=source)
    if _field(cipher, "name", str, source) != "aes-256-gcm":
        raise KeyFileError(f"{where}: unsupported cipher {cipher['name']!r}", path=source)
    n, r, p = (_field(kdf, k, int, source) for k in ("n", "r", "p"))
    dklen = _field(kdf, "dklen", int, source)
    n_ok = n >= 2 and n & (n - 1) == 0 and n * r <= _MAX_N_TIMES_R
    if not (n_ok and r >= 1 and 1 <= p <= _MAX_P and dklen == _DKLEN):
        raise KeyFileError(f"{where}: scrypt parameters out of range", path=source)
    salt = _hex(kdf, "salt", source)
    nonce = _hex(cipher, "nonce", source)
    return n, r, p, salt, cipher, nonce


def decrypt_key(doc: Any, passphrase: str | bytes, *, source: str = "<memory>") -> PrivateKey:
    """The private key in keystore object ``doc``; :class:`KeyFileError` if it cannot be had."""
    pw = _passphrase_bytes(passphrase)
    version = _field(doc, "version", int, source)
    if version != KEYSTORE_VERSION:
        raise KeyFileError(f"key file {source}: unsupported version {version}", path=source)
    suite_name = _field(doc, "suite", str, source)
    try:
        suite = get_suite(suite_name)
    except CryptoError:
        raise KeyFileError(
            f"key file {source}: unknown suite {suite_name!r}", path=source
        ) from None
    n, r, p, salt, cipher, nonce = _sealing(doc, source, f"key file {source}")
    ciphertext = _hex(cipher, "ciphertext", source)
    public_key = _hex(doc, "public_key", source)
    _field(doc, "address", str, source)
    if len(nonce) != _NONCE_LEN:
        raise KeyFileError(f"key file {source}: nonce must be {_NONCE_LEN} bytes", path=source)

    header = {k: doc[k] for k in ("version", "suite", "public_key", "address", "kdf")}
    dk = _derive(pw, salt, n, r, p)
    try:
        raw = AESGCM(dk).decrypt(nonce, ciphertext, _aad(header))
    except InvalidTag:
        raise KeyFileError(
            f"wrong passphrase or corrupted key file {source}", path=source
        ) from None
    try:
        key = suite.private_key_from_bytes(raw)
    except CryptoError as exc:
        raise KeyFileError(f"key file {source} holds an invalid key: {exc}", path=source) from None
    if key.public_key != public_key or doc["address"] != format_address(
        address_of(suite, public_key)
    ):
        raise KeyFileError(f"key file {source}: key does not match its public key", path=source)
    return key


def save_key(
    path: str | os.PathLike[str],
    key: PrivateKey,
    passphrase: str | bytes,
    *,
    overwrite: bool = False,
) -> None:
    """Write ``key`` encrypted under ``passphrase`` to ``path`` (mode 0600, atomic replace).

    Refuses to replace an existing file unless ``overwrite``: losing a key cannot be undone.
    """
    text = json.dumps(encrypt_key(key, passphrase), indent=2, sort_keys=False) + "\n"
    write_private_file(path, text, overwrite=overwrite, what="key file")


def write_private_file(
    path: str | os.PathLike[str], text: str, *, overwrite: bool, what: str = "file"
) -> None:
    """Write ``text`` to ``path`` with mode 0600 by atomic replace (fsync'd);
    :class:`KeyFileError` if it exists and not ``overwrite``, or cannot be written."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise KeyFileError(f"{what} {target} already exists; not overwriting", path=str(target))
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise KeyFileError(f"cannot write {what} {target}: {exc}", path=str(target)) from None
    try:  # make the rename durable; best effort (not every platform can open a directory)
        dfd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def seal_document(header: dict[str, Any], secret: bytes, passphrase: str | bytes) -> dict[str, Any]:
    """``header`` plus ``kdf`` and ``cipher``: ``secret`` under scrypt + AES-256-GCM exactly as
    a key file, with the canonical JSON of the header and ``kdf`` as associated data (so the
    header cannot be edited). For other encrypted files (the credential wallet)."""
    pw = _passphrase_bytes(passphrase)
    salt = secrets.token_bytes(_SALT_LEN)
    nonce = secrets.token_bytes(_NONCE_LEN)
    kdf = {
        "name": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "dklen": _DKLEN,
        "salt": salt.hex(),
    }
    full = {**header, "kdf": kdf}
    dk = _derive(pw, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    ciphertext = AESGCM(dk).encrypt(nonce, secret, _aad(full))
    return {
        **full,
        "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex(), "ciphertext": ciphertext.hex()},
    }


def open_document(doc: Any, passphrase: str | bytes, *, source: str = "<memory>") -> bytes:
    """The secret sealed by :func:`seal_document`; :class:`KeyFileError` naming the problem."""
    pw = _passphrase_bytes(passphrase)
    n, r, p, salt, cipher, nonce = _sealing(doc, source, source)
    if len(nonce) != _NONCE_LEN:
        raise KeyFileError(f"{source}: nonce must be {_NONCE_LEN} bytes", path=source)
    header = {k: v for k, v in doc.items() if k != "cipher"}
    try:
        return bytes(
            AESGCM(_derive(pw, salt, n, r, p)).decrypt(
                nonce, _hex(cipher, "ciphertext", source), _aad(header)
            )
        )
    except InvalidTag:
        raise KeyFileError(f"wrong passphrase or corrupted file {source}", path=source) from None


def load_key(path: str | os.PathLike[str], passphrase: str | bytes) -> PrivateKey:
    """The key in the file at ``path``; :class:`KeyFileError` naming the file and the problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyFileError(f"key file {source} not found", path=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read key file {source}: {exc}", path=source) from None
    try:
        doc = json.loads(text)
    except ValueError:
        raise KeyFileError(f"key file {source} is not JSON", path=source) from None
    return decrypt_key(doc, passphrase, source=source)


# -- import -------------------------------------------------------------------------------------


def import_key(
    suite_name: str, material: str | bytes, *, password: bytes | None = None
) -> PrivateKey:
    """A key of suite ``suite_name`` from key material made elsewhere.

    ``material`` is a PEM private key (PKCS#8 ``PRIVATE KEY``, or for SM2 the SEC1 key under
    ``EC PRIVATE KEY`` or OpenSSL 3's ``SM2 PRIVATE KEY`` label; encrypted PEM needs
    ``password``), DER PKCS#8 bytes, the 32 raw bytes, or those 32 bytes
    as 64 hex digits (optionally ``0x``-prefixed): the SM2 scalar ``d`` (big-endian) or the
    Ed25519 RFC 8032 seed.
    """
    suite = get_suite(suite_name)
    data = material if isinstance(material, bytes) else str(material).encode("utf-8")
    text = data.strip()
    if text[:2] in (b"0x", b"0X"):
        text = text[2:]
    if data.strip().startswith(b"-----BEGIN"):
        pem = data.strip()
        if suite.name == "sm":
            # OpenSSL 3 writes an SM2 key's SEC1 ECPrivateKey (the curve named in it) under its
            # own label; the DER is what "EC PRIVATE KEY" holds.
            pem = pem.replace(b"-----BEGIN SM2 PRIVATE KEY-----", b"-----BEGIN EC PRIVATE KEY-----")
            pem = pem.replace(b"-----END SM2 PRIVATE KEY-----", b"-----END EC PRIVATE KEY-----")
        raw = _raw_from_pkcs(suite.name, pem, password, pem=True)
    elif isinstance(material, bytes) and len(material) == 32:
        raw = bytes(material)
    elif text and _HEX_BYTES.issuperset(text):
        if len(text) != 64:
            raise KeyFileError(f"a raw private key is 64 hex digits (32 bytes), got {len(text)}")
        raw = bytes.fromhex(text.decode("ascii"))
    elif isinstance(material, bytes) and data[:1] == b"\x30":
        raw = _raw_from_pkcs(suite.name, data, password, pem=False)
    else:
        raise KeyFileError("key material is neither PEM, DER, 32 raw bytes nor 64 hex digits")
    try:
        return suite.private_key_from_bytes(raw)
    except CryptoError as exc:
        raise KeyFileError(f"cannot import {suite.name} key: {exc}") from None


def _raw_from_pkcs(suite_name: str, data: bytes, password: bytes | None, *, pem: bool) -> bytes:
    if suite_name == "sm":
        from tongsuopy.crypto import serialization as ts_ser
        from tongsuopy.crypto.asymciphers import ec as ts_ec

        load = ts_ser.load_pem_private_key if pem else ts_ser.load_der_private_key
        try:
            key: Any = load(data, password)
        except Exception:  # ValueError/TypeError/UnsupportedAlgorithm, with OpenSSL's queue
            raise KeyFileError(
                "cannot read the SM2 private key: not an SM2 key, malformed, or wrong password"
            ) from None
        if not isinstance(key, ts_ec.EllipticCurvePrivateKey) or key.curve.name != "SM2":
            raise KeyFileError("the private key is not an SM2 key")
        return int(key.private_numbers().private_value).to_bytes(32, "big")

    from cryptography.hazmat.primitives import serialization as c_ser
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    c_load = c_ser.load_pem_private_key if pem else c_ser.load_der_private_key
    try:
        ckey: Any = c_load(data, password)
    except Exception:  # ValueError/TypeError/UnsupportedAlgorithm
        raise KeyFileError(
            "cannot read the Ed25519 private key: not an Ed25519 key, malformed, or wrong password"
        ) from None
    if not isinstance(ckey, Ed25519PrivateKey):
        raise KeyFileError("the private key is not an Ed25519 key")
    return bytes(ckey.private_bytes_raw())
