"""JOSE for Wuyi keys: JWKs of the suites' public keys and compact JWS (RFC 7515) via joserfc.

* JWK of a public key (``docs/credentials.md``, "Formats"):

  - Ed25519 (``intl``): ``{"kty": "OKP", "crv": "Ed25519", "x": b64u(32)}`` (RFC 8037);
  - SM2 (``sm``): ``{"kty": "EC", "crv": "SM2", "x": b64u(32), "y": b64u(32)}`` — a Wuyi
    registration, not an IANA one.

* JWS ``alg``: ``"EdDSA"`` (Ed25519) and ``"SM2"`` (SM2 with SM3 and the default user ID
  ``1234567812345678``; signature = raw ``r || s``, 64 bytes). ``"ES256"`` (P-256) is accepted for
  *verification only*, so the RFC 9901 examples can be checked.

joserfc does the compact serialisation, header checks and size limits; the signatures are the
chain's own (:mod:`wuyi.crypto`: libsodium for Ed25519, Tongsuo for SM2), so a JWS verifies here
exactly when the same key and message verify on chain. The algorithms live in a private subclass
of joserfc's ``JWSRegistry`` (``WuyiJWSRegistry``) so importing this module does not change
joserfc's process-wide default registry. joserfc only accepts its own four key classes (it has
no registry of key types keyed by anything but ``kty``, and ``"EC"`` is bound to pyca curves,
which have no SM2), so the suite keys are carried in thin subclasses of ``OKPKey``/``ECKey``
whose only use is to hand the Wuyi key to the algorithm objects below.

Every malformed input raises :class:`~wuyi.exceptions.CredentialInvalid` with a message naming
the problem.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from joserfc import jws
from joserfc.errors import BadSignatureError, InvalidKeyTypeError, JoseError
from joserfc.jwa import ESAlgorithm, JWSAlgModel
from joserfc.jwk import ECKey, OKPKey

from wuyi.abc import PrivateKey
from wuyi.crypto import get_suite
from wuyi.exceptions import CredentialInvalid, CryptoError
from wuyi.ledger.jsonform import unique_pairs
from wuyi.memo import BytesMemo

__all__ = [
    "JWS_ALGORITHMS",
    "SD_ALGORITHMS",
    "WuyiJWSRegistry",
    "b64url_decode",
    "b64url_encode",
    "dumps_json",
    "jwk_from_public_key",
    "jws_alg_for_suite",
    "loads_json",
    "loads_json_object",
    "public_key_from_jwk",
    "sd_alg_for_suite",
    "sign_compact",
    "unverified_header",
    "unverified_payload",
    "verification_alg",
    "verify_compact",
]

#: JWS ``alg`` of each suite's signatures.
JWS_ALGORITHMS: Mapping[str, str] = {"intl": "EdDSA", "sm": "SM2"}
#: SD-JWT ``_sd_alg`` of each suite's hash (``"sm3"`` is a Wuyi registration).
SD_ALGORITHMS: Mapping[str, str] = {"intl": "sha-256", "sm": "sm3"}

_COORD_LEN = 32
_ED25519_LEN = 32
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
# Headers this profile never accepts: unencoded payloads (RFC 7797) and critical extensions.
_REFUSED_HEADERS = ("b64", "crit")


# ---------------------------------------------------------------- base64url and JSON helpers


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode("ascii")


def b64url_decode(text: object, what: str = "value") -> bytes:
    """Inverse of :func:`b64url_encode`; :class:`CredentialInvalid` naming ``what`` if malformed."""
    if not isinstance(text, str):
        raise CredentialInvalid(f"{what} must be a base64url string, got {type(text).__name__}")
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise CredentialInvalid(f"{what} is not base64url (unpadded, alphabet A-Z a-z 0-9 - _)")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise CredentialInvalid(f"{what} is not base64url") from None


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return unique_pairs(pairs, lambda key: ValueError(f"duplicate member {key!r}"))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_json(data: bytes, what: str) -> Any:
    """Parse UTF-8 JSON strictly: no duplicate members, no NaN/Infinity."""
    try:
        text = bytes(data).decode("utf-8")
        return json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except UnicodeDecodeError:
        raise CredentialInvalid(f"{what} is not UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise CredentialInvalid(f"{what} is not valid JSON: {exc}") from None


def loads_json_object(data: bytes, what: str) -> dict[str, Any]:
    """:func:`loads_json` that also requires a JSON object."""
    value = loads_json(data, what)
    if not isinstance(value, dict):
        raise CredentialInvalid(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def dumps_json(value: Any, what: str) -> bytes:
    """Compact UTF-8 JSON; :class:`CredentialInvalid` if ``value`` is not JSON data."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
            "utf-8"
        )
    except (TypeError, ValueError) as exc:
        raise CredentialInvalid(f"{what} is not JSON-serialisable: {exc}") from None


# ---------------------------------------------------------------- suites and JWKs


def _suite_name(suite_name: object) -> str:
    if suite_name not in JWS_ALGORITHMS:
        known = ", ".join(repr(n) for n in JWS_ALGORITHMS)
        raise CredentialInvalid(f"unknown crypto suite {suite_name!r}; known suites: {known}")
    return cast(str, suite_name)


def jws_alg_for_suite(suite_name: str) -> str:
    """The JWS ``alg`` of ``suite_name``'s signatures: ``"EdDSA"`` or ``"SM2"``."""
    return JWS_ALGORITHMS[_suite_name(suite_name)]


def sd_alg_for_suite(suite_name: str) -> str:
    """The SD-JWT ``_sd_alg`` of ``suite_name``'s hash: ``"sha-256"`` or ``"sm3"``."""
    return SD_ALGORITHMS[_suite_name(suite_name)]


#: Public keys already found valid (``suite name + 0x00 + key`` -> True): checking a point is
#: as costly as a signature check, and the chain checks the same issuer and holder keys again
#: and again. Pure, so a hit and a miss decide alike; only valid keys are kept.
_VALID_KEYS: BytesMemo[bool] = BytesMemo(4096)


def _validate_public_key(suite_name: str, public_key: object) -> bytes:
    if not isinstance(public_key, bytes | bytearray):
        raise CredentialInvalid(
            f"public key must be bytes, got {type(public_key).__name__}", suite=suite_name
        )
    pub = bytes(public_key)
    if _VALID_KEYS.get(suite_name.encode() + b"\x00" + pub):
        return pub
    try:
        get_suite(suite_name).validate_public_key(pub)
    except CryptoError as exc:
        raise CredentialInvalid(f"invalid {suite_name} public key: {exc.message}") from None
    _VALID_KEYS.derive(suite_name.encode() + b"\x00" + pub, lambda _raw: True)
    return pub


def jwk_from_public_key(suite_name: str, pub: bytes) -> dict[str, str]:
    """The public JWK of ``pub``: OKP/Ed25519 (``intl``) or EC/SM2 (``sm``)."""
    pub = _validate_public_key(_suite_name(suite_name), pub)
    if suite_name == "intl":
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(pub)}
    return {
        "kty": "EC",
        "crv": "SM2",
        "x": b64url_encode(pub[1 : 1 + _COORD_LEN]),
        "y": b64url_encode(pub[1 + _COORD_LEN :]),
    }


def _check_jwk_common(jwk: object) -> Mapping[str, Any]:
    if not isinstance(jwk, Mapping):
        raise CredentialInvalid(f"a JWK must be a JSON object, got {type(jwk).__name__}")
    if "d" in jwk:
        raise CredentialInvalid("JWK contains a private key ('d'); give the public key only")
    kty = jwk.get("kty")
    if not isinstance(kty, str):
        raise CredentialInvalid("JWK has no 'kty' string")
    use = jwk.get("use")
    if use is not None and use != "sig":
        raise CredentialInvalid(f"JWK 'use' is {use!r}; a signing key needs 'sig' or none")
    return jwk


def _coordinate(jwk: Mapping[str, Any], name: str, length: int) -> bytes:
    if name not in jwk:
        raise CredentialInvalid(f"JWK ({jwk.get('kty')}/{jwk.get('crv')}) has no {name!r}")
    raw = b64url_decode(jwk[name], f"JWK {name!r}")
    if len(raw) != length:
        raise CredentialInvalid(f"JWK {name!r} must be {length} bytes, got {len(raw)}")
    return raw


def public_key_from_jwk(jwk: Mapping[str, Any]) -> tuple[str, bytes]:
    """``(suite_name, public key bytes)`` of a Wuyi JWK (OKP/Ed25519 or EC/SM2).

    Refuses private JWKs, other key types and curves (``P-256`` keys are accepted only by
    :func:`verify_compact`), a ``use`` other than ``sig``, an ``alg`` other than the suite's, and
    points that are not valid keys of the suite.
    """
    jwk = _check_jwk_common(jwk)
    kty, crv = jwk["kty"], jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        suite_name, pub = "intl", _coordinate(jwk, "x", _ED25519_LEN)
    elif kty == "EC" and crv == "SM2":
        x = _coordinate(jwk, "x", _COORD_LEN)
        y = _coordinate(jwk, "y", _COORD_LEN)
        suite_name, pub = "sm", b"\x04" + x + y
    elif kty in ("OKP", "EC"):
        raise CredentialInvalid(
            f"JWK curve {crv!r} of key type {kty!r} is not a Wuyi suite key "
            "(expected OKP/Ed25519 or EC/SM2)"
        )
    else:
        raise CredentialInvalid(f"JWK key type {kty!r} is not supported (expected OKP or EC)")
    alg = jwk.get("alg")
    if alg is not None and alg != JWS_ALGORITHMS[suite_name]:
        raise CredentialInvalid(
            f"JWK 'alg' is {alg!r}; a {suite_name} key signs with {JWS_ALGORITHMS[suite_name]!r}"
        )
    return suite_name, _validate_public_key(suite_name, pub)


# ---------------------------------------------------------------- joserfc glue


@dataclass(frozen=True)
class _Material:
    suite_name: str
    public_key: bytes
    signer: PrivateKey | None = None


class _SuiteOKPKey(OKPKey):
    """An Ed25519 suite key in the shape joserfc accepts (it only takes its own key classes)."""

    def __init__(self, material: _Material) -> None:
        super().__init__(cast(Any, material), material)
        self.material = material


class _SuiteECKey(ECKey):
    """An SM2 suite key in the shape joserfc accepts (its ``ECKey`` has no SM2 curve)."""

    def __init__(self, material: _Material) -> None:
        super().__init__(cast(Any, material), material)
        self.material = material


def _material_of(key: object) -> _Material:
    material = getattr(key, "material", None)
    if not isinstance(key, _SuiteOKPKey | _SuiteECKey) or not isinstance(material, _Material):
        raise InvalidKeyTypeError("a Wuyi suite algorithm needs a Wuyi suite key")
    return material


class SuiteAlgorithm(JWSAlgModel):
    """A JWS algorithm whose signatures are a Wuyi suite's (:mod:`wuyi.crypto`)."""

    def __init__(self, name: str, suite_name: str, key_type: str, description: str) -> None:
        self.name = name
        self.suite_name = suite_name
        self.key_type = key_type
        self.description = description

    def check_key(self, key: Any) -> None:
        material = _material_of(key)
        if material.suite_name != self.suite_name:
            raise InvalidKeyTypeError(
                f"algorithm {self.name!r} needs a {self.suite_name} key, "
                f"got a {material.suite_name} key"
            )

    def sign(self, msg: bytes, key: Any) -> bytes:
        material = _material_of(key)
        if material.signer is None:
            raise InvalidKeyTypeError(f"algorithm {self.name!r} cannot sign with a public key")
        return bytes(material.signer.sign(msg))

    def verify(self, msg: bytes, sig: bytes, key: Any) -> bool:
        material = _material_of(key)
        return get_suite(self.suite_name).verify(material.public_key, msg, sig)


class WuyiJWSRegistry(jws.JWSRegistry):
    """joserfc's ``JWSRegistry`` with Wuyi's algorithms: ``EdDSA``, ``SM2`` and ``ES256``.

    A subclass with its own algorithm table, so joserfc's default registry is left untouched.
    """

    algorithms: dict[str, JWSAlgModel] = {}  # noqa: RUF012 (joserfc's class-level table)
    recommended: list[str] = []  # noqa: RUF012
    max_header_length = 2048


EDDSA = SuiteAlgorithm("EdDSA", "intl", "OKP", "Ed25519 (RFC 8032) via the intl suite")
SM2 = SuiteAlgorithm(
    "SM2", "sm", "EC", "SM2 with SM3, default user ID, raw r||s (Wuyi registration)"
)
ES256 = ESAlgorithm("ES256", "P-256", 256)
for _alg in (EDDSA, SM2, ES256):
    WuyiJWSRegistry.register(_alg)

_SIGN_REGISTRY = WuyiJWSRegistry(algorithms=["EdDSA", "SM2"], strict_check_header=False)
_VERIFY_REGISTRY = WuyiJWSRegistry(algorithms=["EdDSA", "SM2", "ES256"], strict_check_header=False)


def _suite_key(material: _Material) -> _SuiteOKPKey | _SuiteECKey:
    if material.suite_name == "intl":
        return _SuiteOKPKey(material)
    return _SuiteECKey(material)


def _p256_key(jwk: Mapping[str, Any]) -> ECKey:
    x = _coordinate(jwk, "x", _COORD_LEN)
    y = _coordinate(jwk, "y", _COORD_LEN)
    try:
        return ECKey.import_key(
            {"kty": "EC", "crv": "P-256", "x": b64url_encode(x), "y": b64url_encode(y)}
        )
    except (JoseError, ValueError) as exc:
        raise CredentialInvalid(f"invalid P-256 JWK: {exc}") from None


def _verification_key(key: Mapping[str, Any] | bytes, suite_name: str | None) -> tuple[Any, str]:
    if isinstance(key, bytes | bytearray):
        if suite_name is None:
            raise CredentialInvalid("a raw public key needs its suite name ('sm' or 'intl')")
        name = _suite_name(suite_name)
        material = _Material(name, _validate_public_key(name, key))
        return _suite_key(material), JWS_ALGORITHMS[name]
    jwk = _check_jwk_common(key)
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        if jwk.get("alg") not in (None, "ES256"):
            raise CredentialInvalid(f"P-256 JWK 'alg' is {jwk.get('alg')!r}, expected 'ES256'")
        return _p256_key(jwk), "ES256"
    name, pub = public_key_from_jwk(jwk)
    if suite_name is not None and suite_name != name:
        raise CredentialInvalid(f"JWK is a {name} key, expected a {suite_name} key")
    return _suite_key(_Material(name, pub)), JWS_ALGORITHMS[name]


def verification_alg(jwk: Mapping[str, Any]) -> str:
    """The JWS ``alg`` a public ``jwk`` verifies (``ES256``, ``EdDSA`` or ``SM2``);
    :class:`CredentialInvalid` if it is not a key :func:`verify_compact` takes."""
    return _verification_key(jwk, None)[1]


# ---------------------------------------------------------------- compact JWS


def sign_compact(key: PrivateKey, header: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
    """A compact JWS of the JSON ``payload``, signed by a suite key.

    ``header["alg"]`` is set from the key's suite (``EdDSA``/``SM2``); a different ``alg`` in
    ``header`` is refused.
    """
    if not isinstance(key, PrivateKey):
        raise CredentialInvalid(f"signing key must be a suite PrivateKey, got {key!r}")
    suite_name = _suite_name(key.suite_name)
    alg = JWS_ALGORITHMS[suite_name]
    if not isinstance(header, Mapping) or not all(isinstance(k, str) for k in header):
        raise CredentialInvalid("JWS header must be a JSON object with string names")
    if header.get("alg", alg) != alg:
        raise CredentialInvalid(
            f"JWS header alg {header['alg']!r} does not match the {suite_name} key ({alg!r})"
        )
    for name in _REFUSED_HEADERS:
        if name in header:
            raise CredentialInvalid(f"JWS header {name!r} is not supported")
    if not isinstance(payload, Mapping):
        raise CredentialInvalid(f"JWS payload must be a JSON object, got {type(payload).__name__}")
    protected = {**dict(header), "alg": alg}
    dumps_json(protected, "JWS header")
    body = dumps_json(dict(payload), "JWS payload")
    material = _Material(suite_name, bytes(key.public_key), key)
    try:
        return jws.serialize_compact(protected, body, _suite_key(material), registry=_SIGN_REGISTRY)
    except JoseError as exc:
        raise CredentialInvalid(f"cannot sign JWS: {exc}") from None


def _split_compact(token: object) -> tuple[str, str, str]:
    if not isinstance(token, str):
        raise CredentialInvalid(f"a compact JWS must be a string, got {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise CredentialInvalid(
            f"a compact JWS has 3 dot-separated parts, got {len(parts)}", parts=len(parts)
        )
    return parts[0], parts[1], parts[2]


def unverified_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWS, *not* verified. It must carry a string ``alg``."""
    header_b64, _, signature_b64 = _split_compact(token)
    header = loads_json_object(b64url_decode(header_b64, "JWS header"), "JWS header")
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise CredentialInvalid("JWS header has no 'alg' string")
    if alg == "none":
        raise CredentialInvalid("JWS alg 'none' is not accepted")
    b64url_decode(signature_b64, "JWS signature")
    return header


def unverified_payload(token: str) -> dict[str, Any]:
    """The payload (a JSON object) of a compact JWS, *not* verified."""
    unverified_header(token)
    _, payload_b64, _ = _split_compact(token)
    return loads_json_object(b64url_decode(payload_b64, "JWS payload"), "JWS payload")


def verify_compact(
    token: str,
    key: Mapping[str, Any] | bytes,
    suite_name: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS and return ``(header, payload)``.

    ``key`` is a JWK (Wuyi OKP/Ed25519 or EC/SM2, or a standard P-256 key for ``ES256``) or raw
    public-key bytes with ``suite_name``. The header ``alg`` must be the one the key signs with
    (no algorithm confusion). Raises :class:`CredentialInvalid` naming the problem.
    """
    header = unverified_header(token)
    payload = unverified_payload(token)
    key_obj, expected_alg = _verification_key(key, suite_name)
    if header["alg"] != expected_alg:
        raise CredentialInvalid(
            f"JWS alg {header['alg']!r} does not match the key, which signs with {expected_alg!r}"
        )
    for name in _REFUSED_HEADERS:
        if name in header:
            raise CredentialInvalid(f"JWS header {name!r} is not supported")
    try:
        jws.deserialize_compact(token, key_obj, registry=_VERIFY_REGISTRY)
    except BadSignatureError:
        raise CredentialInvalid("JWS signature does not verify", alg=expected_alg) from None
    except JoseError as exc:
        raise CredentialInvalid(f"JWS refused: {exc}") from None
    except (ValueError, TypeError) as exc:
        raise CredentialInvalid(f"JWS refused: {exc}") from None
    return header, payload
