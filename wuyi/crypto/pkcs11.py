"""Validator keys in hardware: a signing key that lives in a PKCS#11 token (an HSM, a smart card,
or SoftHSM2 for tests) and never leaves it.

:class:`Pkcs11Key` has the :class:`~wuyi.abc.PrivateKey` surface (``public_key``, ``sign``), so
consensus, the handshake and the block producer use it like a keystore key; ``to_bytes`` refuses
(the token marks the key sensitive and not extractable).

Suites and mechanisms:

* ``intl`` (Ed25519): ``CKM_EDDSA`` over an ``CKK_EC_EDWARDS`` key on curve Ed25519 (PKCS#11
  3.0). SoftHSM2 2.6 implements it: tested (``tests/unit/test_pkcs11.py``).
* ``sm`` (SM2 with SM3 and the GB/T 32918 user ID): PKCS#11 defines no SM2 mechanism; tokens that
  support it use vendor-defined mechanisms (GM/T 0016 / 0018 devices are usually driven through
  their SDF/SKF interfaces instead). SoftHSM2 has none, so an ``sm`` chain's validator key cannot
  be tested here; :func:`open_pkcs11_key` refuses it with :class:`~wuyi.exceptions.HsmError`
  naming that gap (``docs/deploy.md``, "Keys in hardware").

Configuration (``node.toml``)::

    [hsm]
    module = "/usr/lib/softhsm/libsofthsm2.so"   # the vendor's PKCS#11 library
    token = "wuyi"                                # token label
    key = "validator"                             # label of the key pair
    pin_env = "WUYI_HSM_PIN"                      # environment variable holding the user PIN
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from wuyi.exceptions import HsmError, KeyFileError

__all__ = ["ED25519_OID", "HsmConfig", "Pkcs11Key", "generate_pkcs11_key", "open_pkcs11_key"]

ED25519_OID = "1.3.101.112"


@dataclass(frozen=True, slots=True)
class HsmConfig:
    module: str
    token: str
    key: str
    pin_env: str = "WUYI_HSM_PIN"


def _octet_string_point(raw: bytes) -> bytes:
    """CKA_EC_POINT is a DER OCTET STRING around the point (32 bytes for Ed25519)."""
    if len(raw) == 34 and raw[0] == 0x04 and raw[1] == 32:
        return raw[2:]
    if len(raw) == 32:  # some tokens return the bare point
        return raw
    raise HsmError(f"unexpected EC_POINT encoding ({len(raw)} bytes)")


def _open_session(module: str, token: str, pin: str) -> Any:
    try:
        import pkcs11
    except ImportError:  # pragma: no cover - a dependency of the package
        raise HsmError("python-pkcs11 is not installed") from None
    try:
        lib = pkcs11.lib(module)
    except (RuntimeError, OSError, pkcs11.PKCS11Error) as exc:
        raise HsmError(f"cannot load the PKCS#11 module {module}: {exc}") from None
    try:
        tok = lib.get_token(token_label=token)
    except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned) as exc:
        raise HsmError(f"PKCS#11 token '{token}': {type(exc).__name__}") from None
    try:
        return tok.open(user_pin=pin, rw=True)
    except pkcs11.UserAlreadyLoggedIn:
        # Another session of this process is logged in (the login is per application): a
        # second session shares it.
        return tok.open(rw=True)
    except pkcs11.PinIncorrect:
        raise HsmError(f"PKCS#11 token '{token}': wrong PIN") from None
    except pkcs11.PKCS11Error as exc:
        raise HsmError(f"PKCS#11 token '{token}': {type(exc).__name__}") from None


def _require_suite(suite_name: str) -> None:
    if suite_name != "intl":
        raise HsmError(
            f"the '{suite_name}' suite has no standard PKCS#11 mechanism (SM2 is vendor-defined"
            " and SoftHSM2 has none); keep an sm chain's validator key in the keystore, or use"
            " the vendor's SDF interface (see docs/deploy.md)"
        )


class Pkcs11Key:
    """A validator key held by a PKCS#11 token (see the module docstring)."""

    def __init__(self, session: Any, private: Any, public_key: bytes, suite_name: str) -> None:
        self._session = session
        self._private = private
        self._public_key = public_key
        self._suite_name = suite_name
        self._lock = threading.Lock()  # a PKCS#11 session is not safe for concurrent use

    @property
    def suite_name(self) -> str:
        return self._suite_name

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def sign(self, message: bytes) -> bytes:
        import pkcs11

        with self._lock:
            try:
                sig: bytes = self._private.sign(message, mechanism=pkcs11.Mechanism.EDDSA)
            except pkcs11.PKCS11Error as exc:
                raise HsmError(f"the token refused to sign: {type(exc).__name__}") from None
        return sig

    def to_bytes(self) -> bytes:
        raise KeyFileError("this key lives in a PKCS#11 token and cannot be exported")

    def close(self) -> None:
        with self._lock:
            self._session.close()


def open_pkcs11_key(config: HsmConfig, suite_name: str, pin: str) -> Pkcs11Key:
    """Open the key pair labelled ``config.key`` in token ``config.token``."""
    _require_suite(suite_name)
    import pkcs11
    from pkcs11 import Attribute, KeyType, ObjectClass

    session = _open_session(config.module, config.token, pin)
    try:
        private = session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC_EDWARDS, label=config.key
        )
        public = session.get_key(
            object_class=ObjectClass.PUBLIC_KEY, key_type=KeyType.EC_EDWARDS, label=config.key
        )
        point = _octet_string_point(bytes(public[Attribute.EC_POINT]))
    except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned) as exc:
        session.close()
        raise HsmError(
            f"token '{config.token}' has no single Ed25519 key pair '{config.key}'"
            f" ({type(exc).__name__})"
        ) from None
    return Pkcs11Key(session, private, point, suite_name)


def generate_pkcs11_key(config: HsmConfig, suite_name: str, pin: str) -> bytes:
    """Generate the key pair ``config.key`` inside the token (sensitive, not extractable);
    returns its public key. Refuses a label already in use."""
    _require_suite(suite_name)
    import pkcs11
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pkcs11.util.ec import encode_named_curve_parameters

    session = _open_session(config.module, config.token, pin)
    try:
        template = {Attribute.LABEL: config.key, Attribute.CLASS: ObjectClass.PRIVATE_KEY}
        existing = list(session.get_objects(template))
        if existing:
            raise HsmError(f"token '{config.token}' already holds a key '{config.key}'")
        try:
            params = session.create_domain_parameters(
                KeyType.EC_EDWARDS,
                {Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)},
                local=True,
            )
            public, _private = params.generate_keypair(
                store=True,
                label=config.key,
                private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
            )
        except pkcs11.PKCS11Error as exc:
            raise HsmError(
                f"token '{config.token}' cannot make an Ed25519 key: {type(exc).__name__}"
            ) from None
        return _octet_string_point(bytes(public[Attribute.EC_POINT]))
    finally:
        session.close()
