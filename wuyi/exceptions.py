"""One exception tree for the whole platform.

Every error the platform raises on purpose is a ``WuyiError``; each carries a stable ``code``
(used in API problem details and CLI output) and a message that names the problem::

    WuyiError
    ├── EncodingError                 malformed or non-canonical bytes           (bad_encoding)
    ├── CryptoError                                                              (crypto_error)
    │   ├── InvalidSignature          a signature does not verify                (bad_signature)
    │   ├── KeyFileError              keystore missing, wrong passphrase, bad key (bad_key)
    │   └── DecryptionError           ciphertext fails authentication            (decrypt_failed)
    ├── ValidationError               input rejected; nothing was changed        (invalid)
    │   ├── TxRejected                a transaction refused before execution     (tx_rejected)
    │   │   ├── WrongChain            chain id does not match                    (wrong_chain)
    │   │   ├── Replay                transaction already committed              (replay)
    │   │   ├── Expired               expiry height passed                       (expired)
    │   │   ├── Oversize              transaction or field too large             (oversize)
    │   │   ├── UnknownKind           no handler for this kind                   (unknown_kind)
    │   │   └── Unauthorized          the sender may not do this                 (unauthorized)
    │   ├── TxFailed                  a transaction executed and reverted        (tx_failed)
    │   │   ├── ContractRevert        a contract's require()/revert() failed     (contract_revert)
    │   │   ├── OutOfGas              the gas limit was reached                  (out_of_gas)
    │   │   └── ContractFault         a contract raised, hit a limit or misbehaved (contract_fault)
    │   ├── ContractRejected          contract source refused at deploy          (contract_rejected)
    │   ├── PolicyInvalid             a policy expression is malformed           (bad_policy)
    │   ├── BlockInvalid              a block fails validation                   (bad_block)
    │   ├── ProofInvalid              a Merkle / state proof or bundle fails     (bad_proof)
    │   ├── CredentialInvalid         a credential, JWS or JWK malformed / forged (bad_credential)
    │   └── PresentationRefused       a verifier refuses; detail ``reason``  (presentation_refused)
    ├── NotFound                      asked-for object does not exist            (not_found)
    ├── StoreError                                                               (store_error)
    │   └── StoreCorrupted            the store fails its integrity check        (store_corrupted)
    ├── NetworkError                  peer-to-peer transport                     (network_error)
    │   ├── PeerUnavailable           not connected, queue full, or link lost    (peer_unavailable)
    │   ├── RequestTimeout            no response within the timeout             (request_timeout)
    │   ├── RequestFailed             the peer's request handler failed          (request_failed)
    │   ├── FrameTooLarge             an outbound frame exceeds the frame limit  (frame_too_large)
    │   └── ProtocolViolation         a peer broke the wire protocol            (protocol_violation)
    │       └── HandshakeFailed       TLS-to-chain-key handshake refused         (handshake_failed)
    ├── ClusterError                  a local network's node process failed      (cluster)
    └── InvariantBroken               an internal invariant broke: halt loudly   (invariant)
"""

from __future__ import annotations

from typing import Any


class WuyiError(Exception):
    """Root of every error the platform raises on purpose."""

    code: str = "error"
    http_status: int = 400

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.detail}


class EncodingError(WuyiError):
    code = "bad_encoding"


class CryptoError(WuyiError):
    code = "crypto_error"


class InvalidSignature(CryptoError):
    code = "bad_signature"


class KeyFileError(CryptoError):
    code = "bad_key"


class DecryptionError(CryptoError):
    code = "decrypt_failed"


class ValidationError(WuyiError):
    code = "invalid"


class TxRejected(ValidationError):
    code = "tx_rejected"


class WrongChain(TxRejected):
    code = "wrong_chain"


class Replay(TxRejected):
    code = "replay"
    http_status = 409


class Expired(TxRejected):
    code = "expired"


class Oversize(TxRejected):
    code = "oversize"
    http_status = 413


class UnknownKind(TxRejected):
    code = "unknown_kind"


class Unauthorized(TxRejected):
    code = "unauthorized"
    http_status = 403


class TxFailed(ValidationError):
    code = "tx_failed"


class ContractRevert(TxFailed):
    """A contract called ``require(False, ...)`` or ``revert(...)``: every write is undone."""

    code = "contract_revert"


class OutOfGas(TxFailed):
    """Metering stopped the transaction; the message names what was needed and what was left."""

    code = "out_of_gas"


class ContractFault(TxFailed):
    """A contract raised an unexpected error, exceeded a runtime limit (value size, writes,
    recursion depth) or returned something that cannot be encoded."""

    code = "contract_fault"


class ContractRejected(ValidationError):
    """Contract source refused when checked for deployment; ``detail`` has ``line`` and
    ``reason``."""

    code = "contract_rejected"


class PolicyInvalid(ValidationError):
    """A policy expression that does not parse or names something invalid."""

    code = "bad_policy"


class BlockInvalid(ValidationError):
    code = "bad_block"


class ProofInvalid(ValidationError):
    code = "bad_proof"


class CredentialInvalid(ValidationError):
    """A credential, JWS or JWK is malformed, or its signature does not verify."""

    code = "bad_credential"


class PresentationRefused(ValidationError):
    """A verifier refuses a presentation; ``detail["reason"]`` is a stable reason code
    (``wrong_audience``, ``replay``, ``consent_expired``, ... see ``docs/credentials.md``)."""

    code = "presentation_refused"


class NotFound(WuyiError):
    code = "not_found"
    http_status = 404


class StoreError(WuyiError):
    code = "store_error"
    http_status = 500


class StoreCorrupted(StoreError):
    code = "store_corrupted"


class NetworkError(WuyiError):
    code = "network_error"
    http_status = 503


class PeerUnavailable(NetworkError):
    code = "peer_unavailable"


class RequestTimeout(NetworkError):
    code = "request_timeout"
    http_status = 504


class RequestFailed(NetworkError):
    code = "request_failed"
    http_status = 502


class FrameTooLarge(NetworkError):
    code = "frame_too_large"
    http_status = 413


class ProtocolViolation(NetworkError):
    code = "protocol_violation"
    http_status = 400


class HandshakeFailed(ProtocolViolation):
    code = "handshake_failed"


class ClusterError(WuyiError):
    """A node process of a local network did not start, exited, or did not become ready."""

    code = "cluster"


class InvariantBroken(WuyiError):
    code = "invariant"
    http_status = 500


def _all_subclasses(cls: type[WuyiError]) -> list[type[WuyiError]]:
    out = [cls]
    for sub in cls.__subclasses__():
        out.extend(_all_subclasses(sub))
    return out


def error_from_code(code: str, message: str) -> WuyiError:
    """Rebuild an error from its stable code (e.g. one reported by a worker process)."""
    for cls in _all_subclasses(WuyiError):
        if cls.code == code:
            return cls(message)
    return WuyiError(message)
