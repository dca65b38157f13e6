"""A hand-driven harness for one replica: build signed messages of the other validators, feed
events, inspect actions. For unit tests of ``Replica.step`` on hand-built scenarios."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wuyi.abc import PrivateKey, Suite
from wuyi.consensus.certificate import (
    QuorumCertificate,
    Validator,
    ValidatorSet,
    compute_vote_bytes,
    make_qc,
)
from wuyi.consensus.messages import (
    COMMIT,
    Action,
    Block,
    Broadcast,
    Commit,
    Decided,
    Event,
    Message,
    MessageReceived,
    Proposal,
    SetTimer,
    Status,
    Vote,
    compute_block_hash,
    compute_proposal_bytes,
    compute_status_bytes,
    encode_message,
)
from wuyi.consensus.replica import GENESIS_PARENT, Checkpoint, ConsensusParams, Replica
from wuyi.consensus.safety import SafetyRules, SignedState
from wuyi.consensus.wal import MemoryWAL
from wuyi.testing.sim_crypto import get_sim_suite

__all__ = ["ReplicaHarness"]


class ReplicaHarness:
    """Validators ``0..n-1`` with fixed keys of the ``intl`` suite (the fake suite if the real
    one is unavailable); ``replica`` runs as validator ``me``."""

    chain_id = "wuyi-test"

    def __init__(
        self,
        n: int = 4,
        me: int = 0,
        *,
        suite: Suite | None = None,
        params: ConsensusParams | None = None,
        validate_block: Callable[[Block], bool] = lambda b: b.payload != b"invalid",
        extra_keys: int = 0,
    ) -> None:
        self.suite: Suite = suite or get_sim_suite()
        self.keys: list[PrivateKey] = [
            self.suite.private_key_from_bytes(bytes([i + 1]) * 32) for i in range(n + extra_keys)
        ]
        self.validators = ValidatorSet(
            tuple(Validator(k.public_key, 1, f"v{i}") for i, k in enumerate(self.keys[:n]))
        )
        self.me = me
        self.wal = MemoryWAL()
        self.signed: SignedState | None = None
        self.persisted: list[SignedState] = []
        self.params = params or ConsensusParams()
        self.validate_block = validate_block
        self.checkpoint = Checkpoint.genesis(self.validators)
        self.replica = self._new_replica()
        self.actions: list[Action] = self.replica.start()

    def _persist(self, state: SignedState) -> None:
        self.signed = state
        self.persisted.append(state)

    def _kwargs(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "suite": self.suite,
            "safety": SafetyRules(self.keys[self.me], self._persist, self.signed),
            "checkpoint": self.checkpoint,
            "wal": self.wal,
            "validate_block": self.validate_block,
            "params": self.params,
        }

    def _new_replica(self) -> Replica:
        return Replica(**self._kwargs())

    def restart(self) -> list[Action]:
        """Crash and recover: a new replica from the same WAL and safety state."""
        self.replica, actions = Replica.recover(**self._kwargs())
        return actions

    # --- building messages ----------------------------------------------------------------

    def pub(self, i: int) -> bytes:
        return self.keys[i].public_key

    def proposer_index(self, height: int, round_: int) -> int:
        return (height + round_) % len(self.validators)

    def block(
        self, height: int = 1, payload: bytes = b"txs", parent: bytes = GENESIS_PARENT, by: int = 0
    ) -> Block:
        return Block(
            height, parent, self.validators.compute_hash(self.suite), self.pub(by), payload
        )

    def block_hash(self, block: Block) -> bytes:
        return compute_block_hash(self.suite, block)

    def proposal(
        self, block: Block, round_: int = 0, pol_round: int = -1, by: int | None = None
    ) -> Proposal:
        i = self.proposer_index(block.height, round_) if by is None else by
        sig = self.keys[i].sign(
            compute_proposal_bytes(
                self.chain_id, block.height, round_, pol_round, self.block_hash(block)
            )
        )
        return Proposal(block.height, round_, pol_round, block, self.pub(i), sig)

    def vote(
        self, i: int, vote_type: str, block_hash: bytes, height: int = 1, round_: int = 0
    ) -> Vote:
        sig = self.keys[i].sign(
            compute_vote_bytes(self.chain_id, vote_type, height, round_, block_hash)
        )
        return Vote(vote_type, height, round_, block_hash, self.pub(i), sig)

    def status(self, i: int, height: int, round_: int = 0) -> Status:
        sig = self.keys[i].sign(compute_status_bytes(self.chain_id, height, round_))
        return Status(height, round_, self.pub(i), sig)

    def commit_qc(self, block: Block, voters: list[int], round_: int = 0) -> QuorumCertificate:
        bh = self.block_hash(block)
        sigs = [(i, self.vote(i, COMMIT, bh, block.height, round_).signature) for i in voters]
        return make_qc(sigs, block.height, round_, bh)

    def decided(self, block: Block, voters: list[int], round_: int = 0) -> Decided:
        return Decided(block, self.commit_qc(block, voters, round_))

    # --- driving ----------------------------------------------------------------------------

    def step(self, event: Event) -> list[Action]:
        self.actions = self.replica.step(event)
        return self.actions

    def deliver(self, msg: Message | bytes) -> list[Action]:
        data = msg if isinstance(msg, bytes) else encode_message(msg)
        return self.step(MessageReceived(data))

    def broadcasts(self, actions: list[Action] | None = None) -> list[Message]:
        return [
            a.message
            for a in (self.actions if actions is None else actions)
            if isinstance(a, Broadcast)
        ]

    def votes_sent(self, actions: list[Action] | None = None) -> list[Vote]:
        return [
            m
            for m in self.broadcasts(actions)
            if isinstance(m, Vote) and m.voter == self.pub(self.me)
        ]

    def timers(self, actions: list[Action] | None = None) -> list[SetTimer]:
        return [
            a for a in (self.actions if actions is None else actions) if isinstance(a, SetTimer)
        ]

    def commits(self, actions: list[Action] | None = None) -> list[Commit]:
        return [a for a in (self.actions if actions is None else actions) if isinstance(a, Commit)]
