"""Consensus configuration and starting point: ``ConsensusParams``, ``Checkpoint``, timer kinds."""

from __future__ import annotations

from dataclasses import dataclass

from wuyi.consensus.certificate import QuorumCertificate, ValidatorSet
from wuyi.consensus.messages import Block, ValidatorUpdate

__all__ = [
    "GENESIS_PARENT",
    "TIMER_IDLE",
    "TIMER_PRECOMMIT",
    "TIMER_PREVOTE",
    "TIMER_PROPOSE",
    "TIMER_REBROADCAST",
    "Checkpoint",
    "ConsensusParams",
    "Decision",
]

GENESIS_PARENT = b"\x00" * 32

TIMER_PROPOSE = "propose"
TIMER_PREVOTE = "prevote"
TIMER_PRECOMMIT = "precommit"
TIMER_IDLE = "idle"
TIMER_REBROADCAST = "rebroadcast"


@dataclass(frozen=True, slots=True)
class ConsensusParams:
    """Protocol timing. Timeouts grow linearly with the round (reset at each new height),
    capped at ``max_timeout_ms``.

    ``create_empty_blocks_interval_ms``: ``0`` proposes at once even with no transactions;
    ``None`` never proposes at round 0 while the mempool is empty (waits for
    ``MempoolStatus(True)``); ``N > 0`` waits at most N ms, i.e. at most one empty block per N ms.
    """

    timeout_propose_ms: int = 1000
    timeout_propose_delta_ms: int = 500
    timeout_prevote_ms: int = 500
    timeout_prevote_delta_ms: int = 250
    timeout_precommit_ms: int = 500
    timeout_precommit_delta_ms: int = 250
    max_timeout_ms: int = 30_000
    rebroadcast_ms: int = 2000
    create_empty_blocks_interval_ms: int | None = 0

    def timeout_propose(self, round_: int) -> int:
        return min(
            self.timeout_propose_ms + round_ * self.timeout_propose_delta_ms, self.max_timeout_ms
        )

    def timeout_prevote(self, round_: int) -> int:
        return min(
            self.timeout_prevote_ms + round_ * self.timeout_prevote_delta_ms, self.max_timeout_ms
        )

    def timeout_precommit(self, round_: int) -> int:
        return min(
            self.timeout_precommit_ms + round_ * self.timeout_precommit_delta_ms,
            self.max_timeout_ms,
        )


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a replica starts: the next height to decide and what is known after executing
    every block below it. ``validators`` signs ``height``, ``next_validators`` signs
    ``height + 1``; ``pending_updates`` take effect later."""

    height: int
    last_block_hash: bytes
    validators: ValidatorSet
    next_validators: ValidatorSet
    pending_updates: tuple[ValidatorUpdate, ...] = ()

    @classmethod
    def genesis(cls, validators: ValidatorSet) -> Checkpoint:
        return cls(1, GENESIS_PARENT, validators, validators)


Decision = tuple[Block, QuorumCertificate]
