"""Consensus: validator sets, quorum certificates and the pure Tendermint replica.

* :mod:`~wuyi.consensus.certificate` — ``ValidatorSet``, ``QuorumCertificate``, ``validate_qc``.
* :mod:`~wuyi.consensus.messages` — wire messages, replica events and actions.
* :mod:`~wuyi.consensus.params` — ``ConsensusParams`` (timeouts, empty blocks), ``Checkpoint``.
* :mod:`~wuyi.consensus.replica` — ``Replica.step(event) -> list[Action]``.
* :mod:`~wuyi.consensus.safety` — ``SafetyRules``, the only holder of the validator key.
* :mod:`~wuyi.consensus.wal` — the input write-ahead-log interface and ``MemoryWAL``.

See ``docs/consensus.md`` for the rules, the formats and how an adapter drives a replica.
"""

from wuyi.consensus.certificate import (
    QuorumCertificate,
    Validator,
    ValidatorSet,
    compute_vote_bytes,
    validate_qc,
)
from wuyi.consensus.messages import (
    Action,
    Block,
    BlockExecuted,
    Broadcast,
    Commit,
    Decided,
    Event,
    MempoolStatus,
    Message,
    MessageReceived,
    PayloadReady,
    Proposal,
    ReportEvidence,
    RequestPayload,
    Send,
    SetTimer,
    Status,
    TimerFired,
    ValidatorUpdate,
    Vote,
    compute_block_hash,
    decode_event,
    decode_message,
    encode_event,
    encode_message,
)
from wuyi.consensus.params import GENESIS_PARENT, Checkpoint, ConsensusParams
from wuyi.consensus.replica import Replica
from wuyi.consensus.safety import SafetyRules, SignedState, UnsafeSignRequest
from wuyi.consensus.wal import MemoryWAL, ReplicaWAL

__all__ = [
    "GENESIS_PARENT",
    "Action",
    "Block",
    "BlockExecuted",
    "Broadcast",
    "Checkpoint",
    "Commit",
    "ConsensusParams",
    "Decided",
    "Event",
    "MemoryWAL",
    "MempoolStatus",
    "Message",
    "MessageReceived",
    "PayloadReady",
    "Proposal",
    "QuorumCertificate",
    "Replica",
    "ReplicaWAL",
    "ReportEvidence",
    "RequestPayload",
    "SafetyRules",
    "Send",
    "SetTimer",
    "SignedState",
    "Status",
    "TimerFired",
    "UnsafeSignRequest",
    "Validator",
    "ValidatorSet",
    "ValidatorUpdate",
    "Vote",
    "compute_block_hash",
    "compute_vote_bytes",
    "decode_event",
    "decode_message",
    "encode_event",
    "encode_message",
    "validate_qc",
]
