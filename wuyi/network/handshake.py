"""The application handshake that binds a TLS connection to a chain key.

Right after TLS 1.3 (mutual, network CA), each side sends, as frames (4-byte length + canonical
CBOR, at most ``HANDSHAKE_MAX_FRAME`` bytes)::

    Hello {"v": 1, "chain_id": str, "public_key": bytes, "nonce": 32 random bytes}
    Auth  {"signature": bytes}

where the signature, made with the node key of the chain suite, covers::

    b"wuyi/p2p\\0" + encode({"chain_id": chain_id,
                             "nonce":     the PEER's nonce,
                             "cert":      SHA-256(own TLS certificate DER),
                             "peer_cert": SHA-256(peer's TLS certificate DER)})

The receiver rebuilds that message from what *it* saw — its own nonce, the certificate TLS
received (``getpeercert(binary_form=True)``) and its own certificate — and checks it with
``suite.verify``. A replayed Auth fails (other nonce); an Auth relayed from another TLS session
fails (other certificates); a stolen TLS key alone cannot sign for a chain key.
Before signing, the Hello is checked: same ``chain_id``, a valid public key of the suite, not
our own key, and ``check_peer(public_key)`` (allowed on chain, not cooling down, the expected
key when we dialled a configured peer). Any failure raises :class:`HandshakeFailed`.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from wuyi.abc import PrivateKey, Suite
from wuyi.encoding import encode
from wuyi.exceptions import CryptoError, HandshakeFailed, ProtocolViolation
from wuyi.network.frames import decode_map, pack, read_frame

__all__ = [
    "HANDSHAKE_DOMAIN",
    "HANDSHAKE_MAX_FRAME",
    "NONCE_LEN",
    "PROTOCOL_VERSION",
    "Hello",
    "cert_hash",
    "compute_auth_message",
    "encode_auth",
    "encode_hello",
    "parse_auth",
    "parse_hello",
    "peer_certificate_der",
    "run_handshake",
]

HANDSHAKE_DOMAIN = b"wuyi/p2p\x00"
HANDSHAKE_MAX_FRAME = 4096
NONCE_LEN = 32
PROTOCOL_VERSION = 1
_MAX_SIGNATURE_LEN = 512
_HELLO_KEYS = frozenset({"v", "chain_id", "public_key", "nonce"})
_AUTH_KEYS = frozenset({"signature"})


@dataclass(frozen=True, slots=True)
class Hello:
    chain_id: str
    public_key: bytes
    nonce: bytes


def cert_hash(der: bytes) -> bytes:
    """SHA-256 of a DER certificate (TLS is suite-independent, so always SHA-256)."""
    return hashlib.sha256(der).digest()


def compute_auth_message(chain_id: str, nonce: bytes, cert: bytes, peer_cert: bytes) -> bytes:
    """The signed bytes; ``cert``/``peer_cert`` are certificate hashes from the signer's view."""
    return HANDSHAKE_DOMAIN + encode(
        {"chain_id": chain_id, "nonce": nonce, "cert": cert, "peer_cert": peer_cert}
    )


def encode_hello(hello: Hello) -> bytes:
    return encode(
        {
            "v": PROTOCOL_VERSION,
            "chain_id": hello.chain_id,
            "public_key": hello.public_key,
            "nonce": hello.nonce,
        }
    )


def encode_auth(signature: bytes) -> bytes:
    return encode({"signature": signature})


def parse_hello(body: bytes) -> Hello:
    v = decode_map(body, _HELLO_KEYS, "Hello")
    if v["v"] != PROTOCOL_VERSION or type(v["v"]) is not int:
        raise HandshakeFailed(f"unsupported protocol version {v['v']!r}")
    if type(v["chain_id"]) is not str:
        raise HandshakeFailed("malformed Hello: chain_id is not text")
    if type(v["public_key"]) is not bytes:
        raise HandshakeFailed("malformed Hello: public_key is not bytes")
    if type(v["nonce"]) is not bytes or len(v["nonce"]) != NONCE_LEN:
        raise HandshakeFailed(f"malformed Hello: nonce must be {NONCE_LEN} bytes")
    return Hello(v["chain_id"], v["public_key"], v["nonce"])


def parse_auth(body: bytes) -> bytes:
    v = decode_map(body, _AUTH_KEYS, "Auth")
    sig = v["signature"]
    if type(sig) is not bytes or len(sig) > _MAX_SIGNATURE_LEN:
        raise HandshakeFailed("malformed Auth: bad signature field")
    return sig


def peer_certificate_der(writer: asyncio.StreamWriter) -> bytes:
    """The DER certificate the TLS peer presented; :class:`HandshakeFailed` if none."""
    ssl_object = writer.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        raise HandshakeFailed("no TLS peer certificate")
    return bytes(der)


async def _read(reader: asyncio.StreamReader, what: str) -> bytes:
    try:
        return await read_frame(reader, HANDSHAKE_MAX_FRAME)
    except asyncio.IncompleteReadError:
        raise HandshakeFailed(f"connection closed before {what}") from None
    except HandshakeFailed:
        raise
    except ProtocolViolation as exc:
        raise HandshakeFailed(f"bad {what} frame: {exc.message}") from None


async def run_handshake(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    chain_id: str,
    suite: Suite,
    key: PrivateKey,
    own_cert_der: bytes,
    check_peer: Callable[[bytes], None],
) -> bytes:
    """Run both halves of the handshake; return the peer's verified public key.

    Raises :class:`HandshakeFailed` (with the reason) on any failure; the caller closes the
    connection. The caller bounds the time with ``asyncio.wait_for``.
    """
    peer_der = peer_certificate_der(writer)
    own_nonce = secrets.token_bytes(NONCE_LEN)
    writer.write(pack(encode_hello(Hello(chain_id, key.public_key, own_nonce))))
    await writer.drain()

    hello = parse_hello(await _read(reader, "Hello"))
    try:
        await _authenticate(
            reader,
            writer,
            hello,
            chain_id,
            suite,
            key,
            own_cert_der,
            peer_der,
            own_nonce,
            check_peer,
        )
    except HandshakeFailed as exc:
        exc.detail.setdefault("public_key", hello.public_key)  # for the log: who claimed it
        raise
    return hello.public_key


async def _authenticate(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    hello: Hello,
    chain_id: str,
    suite: Suite,
    key: PrivateKey,
    own_cert_der: bytes,
    peer_der: bytes,
    own_nonce: bytes,
    check_peer: Callable[[bytes], None],
) -> None:
    if hello.chain_id != chain_id:
        raise HandshakeFailed(f"wrong chain {hello.chain_id!r} (this is {chain_id!r})")
    try:
        suite.validate_public_key(hello.public_key)
    except CryptoError as exc:
        raise HandshakeFailed(f"invalid public key: {exc.message}") from None
    if hello.public_key == key.public_key:
        raise HandshakeFailed("connected to itself")
    check_peer(hello.public_key)

    own_hash, peer_hash = cert_hash(own_cert_der), cert_hash(peer_der)
    signature = key.sign(compute_auth_message(chain_id, hello.nonce, own_hash, peer_hash))
    writer.write(pack(encode_auth(signature)))
    await writer.drain()

    peer_signature = parse_auth(await _read(reader, "Auth"))
    expected = compute_auth_message(chain_id, own_nonce, peer_hash, own_hash)
    if not suite.verify(hello.public_key, expected, peer_signature):
        raise HandshakeFailed(
            "handshake signature does not verify (wrong key, replayed Auth, or a TLS "
            "certificate other than the one signed for)"
        )
