"""One exception tree for the whole platform.

Every error the platform raises on purpose is a ``WuyiError``; each carries a stable ``code``
(used in API problem details and CLI output) and a message that names the problem. A class
states its code, and its HTTP status where it does not inherit it, where it is declared:
``class Replay(TxRejected, code="replay", http_status=409)``::

    WuyiError
    ├── EncodingError                 malformed or non-canonical bytes           (bad_encoding)
    ├── CryptoError                                                              (crypto_error)
    │   ├── InvalidSignature          a signature does not verify                (bad_signature)
    │   ├── KeyFileError              keystore missing, wrong passphrase, bad key (bad_key)
    │   ├── HsmError                  a PKCS#11 token refused or lacks a mechanism (hsm_error)
    │   └── DecryptionError           ciphertext fails authentication            (decrypt_failed)
    ├── ValidationError               input rejected; nothing was changed        (invalid)
    │   ├── TxRejected                a transaction refused before execution     (tx_rejected)
    │   │   ├── WrongChain            chain id does not match                    (wrong_chain)
    │   │   ├── Replay                transaction already committed              (replay)
    │   │   ├── Expired               expiry height passed                       (expired)
    │   │   ├── Oversize              transaction or field too large             (oversize)
    │   │   ├── UnknownKind           no handler for this kind                   (unknown_kind)
    │   │   ├── SidecarMissing        a referenced private side-car is absent  (sidecar_missing)
    │   │   ├── SidecarInvalid        a side-car unreferenced, too big or too many (sidecar_invalid)
    │   │   └── Unauthorized          the sender may not do this                 (unauthorized)
    │   │       ├── NotMember         sender is no member nor an allowed DID     (not_member)
    │   │       ├── MemberSuspended   sender's membership/org inactive     (member_suspended)
    │   │       ├── UploadRefused     a blob upload with no pending request   (upload_refused)
    │   │       ├── SignedReadRequired a personal record read unsigned (signed_read_required)
    │   │       └── ReadForbidden     the signer's role may not read this record (read_forbidden)
    │   ├── TxFailed                  a transaction executed and reverted        (tx_failed)
    │   │   ├── ContractRevert        a contract's require()/revert() failed     (contract_revert)
    │   │   ├── OutOfGas              the gas limit was reached                  (out_of_gas)
    │   │   └── ContractFault         a contract raised, hit a limit or misbehaved (contract_fault)
    │   ├── ContractRejected          contract source refused at deploy          (contract_rejected)
    │   ├── PolicyInvalid             a policy expression is malformed           (bad_policy)
    │   ├── BlockInvalid              a block fails validation                   (bad_block)
    │   ├── ProofInvalid              a Merkle / state proof or bundle fails     (bad_proof)
    │   ├── CrossChainRefused         another chain's header or fact refused     (xchain_refused)
    │   │   ├── HeaderRefused         a light-client update breaks a rule; rule  (bad_header)
    │   │   ├── ClientFrozen          the client is frozen after misbehaviour    (client_frozen)
    │   │   ├── ClientExpired         its trusted state is past the trusting period (client_expired)
    │   │   ├── PathNotAllowed        a fact outside the chain's allowed prefixes (path_not_allowed)
    │   │   ├── StaleFact             a status fact proven at too old a height   (stale_fact)
    │   │   └── PacketRefused         a packet replayed, timed out, not due; reason (packet_refused)
    │   ├── CredentialInvalid         a credential, JWS or JWK malformed / forged (bad_credential)
    │   ├── PresentationRefused       a verifier refuses; detail ``reason``  (presentation_refused)
    │   ├── DisclosureRefused         a wallet refuses to disclose; ``reason``  (disclosure_refused)
    │   ├── IssuanceRefused           an OpenID4VCI request refused; ``reason`` (issuance_refused)
    │   └── CeremonyRefused           genesis contribution or approval refused (ceremony_refused)
    ├── NotFound                      asked-for object does not exist            (not_found)
    │   └── Archived                  a block body moved to the archive (pruned)  (archived)
    ├── StoreError                                                               (store_error)
    │   └── StoreCorrupted            the store fails its integrity check        (store_corrupted)
    │       └── WalCorrupted          consensus WAL damaged before its last record (wal_corrupted)
    ├── NetworkError                  peer-to-peer transport                     (network_error)
    │   ├── PeerUnavailable           not connected, queue full, or link lost    (peer_unavailable)
    │   ├── RequestTimeout            no response within the timeout             (request_timeout)
    │   ├── RequestFailed             the peer's request handler failed          (request_failed)
    │   ├── FrameTooLarge             an outbound frame exceeds the frame limit  (frame_too_large)
    │   ├── SyncFailed                state sync found no peer to complete it    (sync_failed)
    │   └── ProtocolViolation         a peer broke the wire protocol            (protocol_violation)
    │       └── HandshakeFailed       TLS-to-chain-key handshake refused         (handshake_failed)
    │           └── CertificateRefused  TLS certificate refused (reason) (certificate_refused)
    ├── ClusterError                  a local network's node process failed      (cluster)
    ├── TooManyWaiters                as many commit waits as the node allows    (too_many_waiters)
    ├── RateLimited                   a public write-free route asked too often  (rate_limited)
    └── InvariantBroken               an internal invariant broke: halt loudly   (invariant)
"""

from __future__ import annotations

from typing import Any


class WuyiError(Exception):
    """Root of every error the platform raises on purpose."""

    code: str = "error"
    http_status: int = 400

    def __init_subclass__(cls, *, code: str | None = None, http_status: int | None = None) -> None:
        """``class Replay(TxRejected, code="replay", http_status=409)``: each condition's stable
        code and HTTP status, given where the class is declared (else inherited)."""
        super().__init_subclass__()
        if code is not None:
            cls.code = code
        if http_status is not None:
            cls.http_status = http_status

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.detail}


class EncodingError(WuyiError, code="bad_encoding"): ...


class CryptoError(WuyiError, code="crypto_error"): ...


class InvalidSignature(CryptoError, code="bad_signature"): ...


class KeyFileError(CryptoError, code="bad_key"): ...


class HsmError(CryptoError, code="hsm_error"):
    """A PKCS#11 token (HSM) could not be used: no such token or key, wrong PIN, or the token
    does not implement the mechanism the chain's suite needs."""


class DecryptionError(CryptoError, code="decrypt_failed"): ...


class ValidationError(WuyiError, code="invalid"): ...


class TxRejected(ValidationError, code="tx_rejected"): ...


class WrongChain(TxRejected, code="wrong_chain"): ...


class Replay(TxRejected, code="replay", http_status=409): ...


class Expired(TxRejected, code="expired"): ...


class Oversize(TxRejected, code="oversize", http_status=413): ...


class UnknownKind(TxRejected, code="unknown_kind"): ...


class SidecarMissing(TxRejected, code="sidecar_missing"):
    """A transaction references a private side-car (``sidecar:<hash>``) that was not sent
    with it, or that this node does not hold when it must execute the transaction
    (``docs/security.md``, "Personal data"); ``detail``: ``sidecar`` (hex) and, when
    executing a block, ``height``."""


class SidecarInvalid(TxRejected, code="sidecar_invalid"):
    """A side-car sent with a transaction that the transaction does not reference (or whose
    bytes hash to no reference), too many side-cars, or side-cars too large."""


class Unauthorized(TxRejected, code="unauthorized", http_status=403): ...


class NotMember(Unauthorized, code="not_member"):
    """Admission: the sender's key is neither an active member's nor an authentication key of
    a registered citizen DID sending what a DID may send (``docs/security.md``)."""


class MemberSuspended(Unauthorized, code="member_suspended"):
    """Admission: the sender is a member, but the membership or its organisation is not
    active."""


class UploadRefused(Unauthorized, code="upload_refused"):
    """A blob upload whose signer's organisation has no pending data request or delivery for
    it (``docs/data-sharing.md``)."""


class SignedReadRequired(Unauthorized, code="signed_read_required", http_status=401):
    """A read of a personal record without a signed request (``X-Wuyi-*`` headers with a
    ``purpose``): a member whose role allows it, or the citizen's own DID key, must sign it
    (``docs/api.md``, "Signed reads")."""


class ReadForbidden(Unauthorized, code="read_forbidden"):
    """A signed read of a personal record by a key that may not read it: not an active
    member with a role the record allows, nor the citizen the record is about."""


class TxFailed(ValidationError, code="tx_failed"): ...


class ContractRevert(TxFailed, code="contract_revert"):
    """A contract called ``require(False, ...)`` or ``revert(...)``: every write is undone."""


class OutOfGas(TxFailed, code="out_of_gas"):
    """Metering stopped the transaction; the message names what was needed and what was left."""


class ContractFault(TxFailed, code="contract_fault"):
    """A contract raised an unexpected error, exceeded a runtime limit (value size, writes,
    recursion depth) or returned something that cannot be encoded."""


class ContractRejected(ValidationError, code="contract_rejected"):
    """Contract source refused when checked for deployment; ``detail`` has ``line`` and
    ``reason``."""


class PolicyInvalid(ValidationError, code="bad_policy"):
    """A policy expression that does not parse or names something invalid."""


class BlockInvalid(ValidationError, code="bad_block"): ...


class ProofInvalid(ValidationError, code="bad_proof"): ...


class CrossChainRefused(ValidationError, code="xchain_refused"):
    """Chain B refuses something about chain A: a header, a fact, a packet (``wuyi.crosschain``)."""


class HeaderRefused(CrossChainRefused, code="bad_header"):
    """A light-client update breaks a rule; ``detail["rule"]`` names it (``quorum``,
    ``trust_overlap``, ``clock_drift``, ``expired``, ``validators``, ``chain_id``, ``height``,
    ``time``)."""


class ClientFrozen(CrossChainRefused, code="client_frozen"):
    """The light client was frozen by misbehaviour evidence; only governance recovers it."""


class ClientExpired(CrossChainRefused, code="client_expired"):
    """The client's latest trusted header is older than its trusting period."""


class PathNotAllowed(CrossChainRefused, code="path_not_allowed"):
    """A fact's key is outside what the registration allows this chain to recognise."""


class StaleFact(CrossChainRefused, code="stale_fact"):
    """A fact about current status is proven at a height older than the fact's maximum age."""


class PacketRefused(CrossChainRefused, code="packet_refused"):
    """A packet is refused; ``detail["reason"]``: ``replay``, ``timed_out``, ``not_timed_out``,
    ``unknown``, ``port`` ..."""


class CredentialInvalid(ValidationError, code="bad_credential"):
    """A credential, JWS or JWK is malformed, or its signature does not verify."""


class PresentationRefused(ValidationError, code="presentation_refused"):
    """A verifier refuses a presentation; ``detail["reason"]`` is a stable reason code
    (``wrong_audience``, ``replay``, ``consent_expired``, ... see ``docs/credentials.md``)."""


class DisclosureRefused(ValidationError, code="disclosure_refused"):
    """A holder's wallet refuses to build a presentation no active consent of the holder
    covers (for that verifier, credential types, claims, purpose and time), before anything
    leaves the wallet; ``detail["reason"]`` names why (``claims_not_consented``,
    ``consent_unknown``, ... see ``docs/credentials.md``)."""


# -- OpenID4VCI (wuyi/oid4vci, issue #19) --------------------------------------------------------
class IssuanceRefused(ValidationError, code="issuance_refused"):
    """An OpenID4VCI request is refused (an expired offer, a wrong transaction code, a code
    used twice, a bad proof, a wrong nonce ...); ``detail["reason"]`` is a stable reason code
    and ``detail["error"]`` the OAuth / OpenID4VCI error code (``invalid_grant``,
    ``invalid_proof``, ``invalid_nonce`` ...). Nothing was changed (``wuyi/oid4vci``)."""


# -- end OpenID4VCI ------------------------------------------------------------------------------


class CeremonyRefused(ValidationError, code="ceremony_refused"):
    """The genesis ceremony refuses a contribution, a draft or an approval (a bad signature, a
    duplicate organisation or key, a contribution altered in the draft, an approval of another
    hash, an organisation that did not approve ...); ``detail["reason"]`` is a stable reason
    code and the message names the organisation and what differs (``wuyi/node/ceremony.py``)."""


class PersonalData(ValidationError, code="personal_data"):
    """A value that goes on chain in clear looks like personal data (an ID or mobile number,
    a field named like a person's name); ``detail``: ``field`` and ``pattern``."""


class QuotaExceeded(ValidationError, code="quota_exceeded", http_status=413):
    """An organisation's storage quota on this node is used up (``detail``: ``org``,
    ``used``, ``limit``)."""


class NotFound(WuyiError, code="not_found", http_status=404): ...


class Archived(NotFound, code="archived"):
    """The block body asked for was pruned from this node's store into its archive files
    (``docs/state-sync.md``); its header, commit certificate and state root are kept."""


class StatePruned(NotFound, code="state_pruned"):
    """The state asked for is at a height whose state-tree version this node pruned (``[sync]
    retention``, ``docs/state-sync.md``) or that precedes its state sync; the header and state
    root are kept, and an archive node (no retention) proves it."""


class StoreError(WuyiError, code="store_error", http_status=500): ...


class StoreCorrupted(StoreError, code="store_corrupted"): ...


class WalCorrupted(StoreCorrupted, code="wal_corrupted"):
    """The consensus write-ahead log is damaged before its last record (not a torn write)."""


class NetworkError(WuyiError, code="network_error", http_status=503): ...


class PeerUnavailable(NetworkError, code="peer_unavailable"): ...


class RequestTimeout(NetworkError, code="request_timeout", http_status=504): ...


class RequestFailed(NetworkError, code="request_failed", http_status=502): ...


class FrameTooLarge(NetworkError, code="frame_too_large", http_status=413): ...


class SyncFailed(NetworkError, code="sync_failed"):
    """State sync could not complete: no connected peer offers a snapshot it could verify
    (each peer that sent something false was penalised and named in the log)."""


class ProtocolViolation(NetworkError, code="protocol_violation", http_status=400): ...


class HandshakeFailed(ProtocolViolation, code="handshake_failed"): ...


class CertificateRefused(HandshakeFailed, code="certificate_refused"):
    """A peer's TLS certificate is expired, revoked, from the wrong CA or for a node the chain
    does not list; ``detail["reason"]`` names which (``wuyi/network/identity.py``)."""


class ClusterError(WuyiError, code="cluster"):
    """A node process of a local network did not start, exited, or did not become ready."""


class TooManyWaiters(WuyiError, code="too_many_waiters", http_status=503):
    """``POST /v1/txs?wait=true`` refused before anything was submitted: the node already holds
    as many commit waits as it allows (``[api] max_commit_waiters``). Detail ``retry_after``
    (seconds) is sent as the ``Retry-After`` header."""


class RateLimited(WuyiError, code="rate_limited", http_status=429):
    """A public route that counts (e.g. a product page's anonymous scan) was asked more often
    than the node allows from one client, or its table is full; nothing was counted. Detail
    ``retry_after`` (seconds) is sent as the ``Retry-After`` header."""


class InvariantBroken(WuyiError, code="invariant", http_status=500): ...


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
