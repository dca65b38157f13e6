"""The Tendermint replica as a pure state machine: ``step(event) -> list[Action]``.

No clock, no randomness, no I/O: time arrives as ``TimerFired`` events, bytes as
``MessageReceived``, the application speaks through ``PayloadReady`` / ``BlockExecuted`` /
``MempoolStatus``. The two injected seams called synchronously are the WAL (every input is
appended before it is handled) and ``SafetyRules`` (persists the last vote before signing
returns). The rules below are those of Buchman, Kwon, Milosevic, "The latest gossip on BFT
consensus" (2018), Algorithm 1; ``docs/consensus.md`` states them with their numbers:

* R1  proposal (h, r, v, -1) from proposer(h, r) in step propose → prevote v if valid(v) and
      (not locked or locked on v), else nil; step := prevote.
* R2  proposal (h, r, v, vr), 0 ≤ vr < r, and 2f+1 prevotes (h, vr, v) in step propose →
      prevote v if valid(v) and (locked_round ≤ vr or locked on v), else nil; step := prevote.
* R3  2f+1 prevotes (h, r, *) in step prevote, first time → timer prevote(r).
* R4  proposal v and 2f+1 prevotes (h, r, v), valid(v), step ≥ prevote, first time →
      if step = prevote: lock (v, r), precommit v, step := precommit; valid := (v, r).
* R5  2f+1 prevotes (h, r, nil) in step prevote → precommit nil; step := precommit.
* R6  2f+1 precommits (h, r, *), first time → timer precommit(r).
* R7  proposal v and 2f+1 precommits (h, r', v) for any round r' → decide v (commit QC).
* R8  f+1 validators seen at rounds ≥ r' > r → start round r'.
* T1  timeout propose(h, r) in step propose → prevote nil. T2 timeout prevote(h, r) in step
      prevote → precommit nil. T3 timeout precommit(h, r) → start round r + 1.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from wuyi.abc import Suite
from wuyi.consensus.certificate import (
    QuorumCertificate,
    ValidatorSet,
    compute_vote_bytes,
    make_qc,
    validate_qc,
)
from wuyi.consensus.messages import (
    COMMIT,
    MAX_PAYLOAD_LEN,
    NIL,
    PREVOTE,
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
    compute_proposal_bytes,
    compute_status_bytes,
    decode_event,
    decode_message,
    encode_event,
    encode_message,
)
from wuyi.consensus.params import (
    GENESIS_PARENT,
    TIMER_IDLE,
    TIMER_PRECOMMIT,
    TIMER_PREVOTE,
    TIMER_PROPOSE,
    TIMER_REBROADCAST,
    Checkpoint,
    ConsensusParams,
    Decision,
)
from wuyi.consensus.safety import Lock, SafetyRules, UnsafeSignRequest
from wuyi.consensus.wal import ReplicaWAL
from wuyi.encoding import decode, encode
from wuyi.exceptions import EncodingError, InvariantBroken, ProofInvalid, ValidationError

__all__ = [
    "GENESIS_PARENT",
    "TIMER_IDLE",
    "TIMER_PRECOMMIT",
    "TIMER_PREVOTE",
    "TIMER_PROPOSE",
    "TIMER_REBROADCAST",
    "Checkpoint",
    "ConsensusParams",
    "Replica",
    "Step",
]

ROUND_WINDOW = 64  # votes/proposals more than this many rounds ahead are not stored
MAX_FUTURE_BUFFER = 4096  # messages buffered for the next height
MAX_PROPOSALS_PER_ROUND = 4  # blocks kept per round when a proposer equivocates
MAX_PACE = 64  # at most this many rounds' worth of timeout carried into the next height


class Step:
    PROPOSE = 1
    PREVOTE = 2
    PRECOMMIT = 3


@dataclass(slots=True)
class _HeightState:
    """Everything that is reset when a new height starts."""

    validators: ValidatorSet
    validator_set_hash: bytes
    index: dict[bytes, int]
    round: int = 0
    step: int = Step.PROPOSE
    idle: bool = False
    locked: tuple[int, bytes] | None = None  # (round, block hash)
    valid: tuple[int, bytes] | None = None
    blocks: dict[bytes, Block] = field(default_factory=dict)
    proposals: dict[int, Proposal] = field(default_factory=dict)
    extra_proposals: dict[int, int] = field(default_factory=dict)
    # first vote of each validator per (type, round): drives "2f+1 of anything" and gossip
    votes: dict[tuple[str, int], dict[bytes, Vote]] = field(default_factory=dict)
    # every accepted vote per (type, round) -> block hash -> voter. An equivocator may appear
    # under several hashes: a quorum for one hash still implies f+1 honest voters for it.
    by_hash: dict[tuple[str, int], dict[bytes, dict[bytes, Vote]]] = field(default_factory=dict)
    peer_round: dict[bytes, int] = field(default_factory=dict)
    prevote_timer: set[int] = field(default_factory=set)
    precommit_timer: set[int] = field(default_factory=set)
    locked_rounds: set[int] = field(default_factory=set)  # R4 done
    proposed_rounds: set[int] = field(default_factory=set)
    validity: dict[bytes, bool] = field(default_factory=dict)


DECISIONS_KEPT = 16
"""Decisions held in memory when ``load_decision`` can serve older ones."""


class Replica:
    """One validator's (or follower's) consensus state machine.

    ``validate_block(block) -> bool`` must be a pure, deterministic function of the block (the
    replica checks height, parent and validators hash itself). ``hash_block`` defaults to
    :func:`compute_block_hash`. ``load_decision(height)`` returns a stored (block, QC) for heights
    below the checkpoint, to help peers catch up; decisions made by this instance are kept in
    memory.
    """

    def __init__(
        self,
        *,
        chain_id: str,
        suite: Suite,
        safety: SafetyRules,
        checkpoint: Checkpoint,
        wal: ReplicaWAL,
        validate_block: Callable[[Block], bool],
        params: ConsensusParams | None = None,
        hash_block: Callable[[Block], bytes] | None = None,
        load_decision: Callable[[int], Decision | None] | None = None,
    ) -> None:
        self.chain_id = chain_id
        self._suite = suite
        self._safety = safety
        self._me = safety.public_key
        self._wal = wal
        self._validate_block = validate_block
        self.params = params or ConsensusParams()
        self._hash_block: Callable[[Block], bytes] = hash_block or (
            lambda b: compute_block_hash(suite, b)
        )
        self._load_decision = load_decision
        self.checkpoint = checkpoint

        self.height = checkpoint.height
        self.last_block_hash = checkpoint.last_block_hash
        self._executed = checkpoint.height - 1
        self._sets: list[tuple[int, ValidatorSet]] = [
            (checkpoint.height, checkpoint.validators),
            (checkpoint.height + 1, checkpoint.next_validators),
        ]
        for upd in checkpoint.pending_updates:
            self._add_set(upd)
        self.decisions: dict[int, Decision] = {}
        self._has_txs = True
        self._started = False
        self._replaying = False
        self._queue: deque[tuple[Event, bool]] = deque()
        self._out: list[Action] = []
        self._future: list[tuple[int, bytes]] = []
        self._sync_sent: set[tuple[bytes, int]] = set()
        self._sync_asked: set[bytes] = set()
        self._evidence: set[tuple[bytes, str, int]] = set()
        # the first vote of each validator per (type, round) of the height decided last, to
        # catch double signs that arrive late (gossip is slower than a fast height)
        self._last_votes: tuple[int, dict[tuple[bytes, str, int], Vote]] = (0, {})
        self._last_evidence: set[tuple[bytes, str, int]] = set()
        # extra rounds of timeout each height starts with (see _decide); in memory only
        self._pace = 0
        self._hs = self._new_height_state()

    # --- public API ---------------------------------------------------------------------

    @property
    def round(self) -> int:
        return self._hs.round

    @property
    def step_name(self) -> str:
        return {1: "propose", 2: "prevote", 3: "precommit"}[self._hs.step]

    @property
    def started(self) -> bool:
        """False while waiting for ``BlockExecuted`` of height - 2 to learn this height's set."""
        return self._started

    @property
    def public_key(self) -> bytes:
        return self._me

    @property
    def executed_height(self) -> int:
        return self._executed

    def validators_at(self, height: int) -> ValidatorSet:
        """The validator set for ``height``; known for heights ≤ executed height + 2."""
        if height > self._executed + 2:
            raise InvariantBroken(f"validator set for height {height} is not known yet")
        chosen = self._sets[0][1]
        for eff, vs in self._sets:
            if eff <= height:
                chosen = vs
        return chosen

    def start(self) -> list[Action]:
        """Begin at the checkpoint height. Call once, before any ``step``."""
        self._out = []
        self._out.append(SetTimer(TIMER_REBROADCAST, self.height, 0, self.params.rebroadcast_ms))
        self._start_height()
        self._drain()
        return self._out

    def step(self, event: Event) -> list[Action]:
        """Log ``event`` to the WAL, handle it, return the actions to perform in order."""
        self._out = []
        self._queue.append((event, not self._replaying))
        self._drain()
        return self._out

    @classmethod
    def recover(
        cls,
        *,
        chain_id: str,
        suite: Suite,
        safety: SafetyRules,
        checkpoint: Checkpoint,
        wal: ReplicaWAL,
        validate_block: Callable[[Block], bool],
        params: ConsensusParams | None = None,
        hash_block: Callable[[Block], bytes] | None = None,
        load_decision: Callable[[int], Decision | None] | None = None,
    ) -> tuple[Replica, list[Action]]:
        """A new replica at ``checkpoint`` with the WAL replayed through the same ``step``.

        Returns every action replay produced: the adapter performs them like any others
        (``Commit`` of an already stored height is ignored; stale timers and payload requests
        are ignored by the replica when they come back).
        """
        replica = cls(
            chain_id=chain_id,
            suite=suite,
            safety=safety,
            checkpoint=checkpoint,
            wal=wal,
            validate_block=validate_block,
            params=params,
            hash_block=hash_block,
            load_decision=load_decision,
        )
        actions = replica.start()
        records = list(wal.replay(checkpoint.height))
        replica._replaying = True
        try:
            for rec in records:
                actions.extend(replica.step(decode_event(rec)))
        finally:
            replica._replaying = False
        actions.extend(replica._restore_last_vote())
        return replica, actions

    def _restore_last_vote(self) -> list[Action]:
        """Count and re-send the last vote SafetyRules signed, if the WAL lost it: the
        replica may now want another vote at that (height, round, step), which SafetyRules
        refuses, and without this peers that missed the signed one could wait for it forever
        (found by the simulator's ``wal`` family, seed 275)."""
        vote = self._safety.last_vote(self.chain_id)
        if vote is None or vote.height != self.height:
            return []
        return [Broadcast(vote), *self.step(MessageReceived(encode_message(vote)))]

    # --- event loop ---------------------------------------------------------------------

    def _drain(self) -> None:
        while self._queue:
            event, log = self._queue.popleft()
            if log:
                self._wal.append(self.height, encode_event(event))
            self._handle(event)
            while self._started and self._apply_rules_once():
                pass

    def _handle(self, event: Event) -> None:
        if isinstance(event, MessageReceived):
            self._on_message(event.data)
        elif isinstance(event, TimerFired):
            self._on_timer(event)
        elif isinstance(event, PayloadReady):
            self._on_payload(event)
        elif isinstance(event, BlockExecuted):
            self._on_executed(event)
        elif isinstance(event, MempoolStatus):
            self._on_mempool(event)
        else:  # pragma: no cover - typing makes this unreachable
            raise InvariantBroken(f"unknown event {event!r}")

    # --- heights and rounds -------------------------------------------------------------

    def _new_height_state(self) -> _HeightState:
        vs = self.validators_at(self.height)
        return _HeightState(
            validators=vs,
            validator_set_hash=vs.compute_hash(self._suite),
            index={v.public_key: i for i, v in enumerate(vs.validators)},
        )

    def _start_height(self) -> None:
        self._hs = self._new_height_state()
        lock = self._safety.lock_at(self.height)
        if lock is not None:
            self._restore_lock(lock)
        self._started = True
        self._sync_sent.clear()
        self._sync_asked.clear()
        self._evidence.clear()
        self._start_round(0)
        buffered, self._future = self._future, []
        for h, data in buffered:
            if h == self.height:
                self._queue.append((MessageReceived(data), not self._replaying))
            elif h > self.height:
                self._future.append((h, data))

    def _restore_lock(self, lock: Lock) -> None:
        """Start the height locked as SafetyRules recorded it: the WAL may have lost the votes
        that locked this replica, and even the block. The block is known again and its
        proof-of-lock prevotes are fed in again, so the replica can propose it (with that
        proof) when its turn comes, as Tendermint's valid value."""
        hs = self._hs
        hs.locked = (lock.round, lock.block_hash)
        try:
            block: Block | None = Block.from_obj(decode(lock.block)) if lock.block else None
        except (EncodingError, ValidationError):
            block = None
        if block is not None and self._hash_block(block) == lock.block_hash:
            hs.blocks.setdefault(lock.block_hash, block)
        for data in lock.prevotes:
            self._queue.append((MessageReceived(data), not self._replaying))

    def _start_round(self, round_: int) -> None:
        hs = self._hs
        hs.round = round_
        hs.step = Step.PROPOSE
        interval = self.params.create_empty_blocks_interval_ms
        if round_ == 0 and interval != 0 and not self._has_txs:
            hs.idle = True
            if interval is not None:
                self._out.append(SetTimer(TIMER_IDLE, self.height, 0, interval))
            return
        hs.idle = False
        self._enter_propose()

    def _enter_propose(self) -> None:
        hs = self._hs
        r = hs.round
        self._out.append(
            SetTimer(TIMER_PROPOSE, self.height, r, self.params.timeout_propose(r + self._pace))
        )
        if self._proposer(r) != self._me:
            return
        if hs.valid is not None:
            vr, vh = hs.valid
            self._propose(hs.blocks[vh], vr)
        elif hs.locked is not None and hs.locked[1] in hs.blocks and hs.locked[0] < r:
            # a lock restored from SafetyRules, its valid round lost with the WAL: propose
            # the locked block with its proof-of-lock (every lock is also a valid value)
            self._propose(hs.blocks[hs.locked[1]], hs.locked[0])
        else:
            self._out.append(RequestPayload(self.height, r, self.last_block_hash))

    def _proposer(self, round_: int) -> bytes:
        vs = self._hs.validators.validators
        return vs[(self.height + round_) % len(vs)].public_key

    def _add_set(self, upd: ValidatorUpdate) -> None:
        self._sets = [(e, s) for e, s in self._sets if e != upd.effective_height]
        self._sets.append((upd.effective_height, upd.validators))
        self._sets.sort(key=lambda es: es[0])

    # --- inputs -------------------------------------------------------------------------

    def _on_message(self, data: bytes) -> None:
        try:
            msg = decode_message(data)
        except (EncodingError, ValidationError):
            return  # malformed: dropped
        if isinstance(msg, Vote):
            self._on_vote(msg, data)
        elif isinstance(msg, Proposal):
            self._on_proposal(msg, data)
        elif isinstance(msg, Status):
            self._on_status(msg)
        else:
            self._on_decided(msg, data)

    def _route(self, height: int, sender: bytes, data: bytes) -> bool:
        """True if a message at ``height`` is for the running height; else buffer / help."""
        if height < self.height:
            self._send_decided(sender, height)
            return False
        if height > self.height or not self._started:
            if height <= self.height + 1 and len(self._future) < MAX_FUTURE_BUFFER:
                self._future.append((height, data))
            if height > self.height:
                self._ask_sync(sender)
            return False
        return True

    def _on_vote(self, v: Vote, data: bytes) -> None:
        if v.height == self._last_votes[0]:
            self._check_late_vote(v)
        if not self._route(v.height, v.voter, data):
            return
        hs = self._hs
        if v.voter not in hs.index:
            return
        key = (v.vote_type, v.round)
        buckets = hs.by_hash.get(key)
        bucket = None if buckets is None else buckets.get(v.block_hash)
        if bucket is not None and v.voter in bucket:
            return  # already have this validator's vote for this block
        first = hs.votes.get(key, {}).get(v.voter)
        msg = compute_vote_bytes(self.chain_id, v.vote_type, v.height, v.round, v.block_hash)
        if first is not None and v.block_hash != NIL and v.block_hash not in hs.blocks:
            # A conflicting vote for a block we do not know is not counted (memory stays
            # bounded), but it is evidence: a double sign is often only visible this way (the
            # two blocks went to different peers). Verified once per offence.
            if (
                (v.voter, v.vote_type, v.round) not in self._evidence
                and v.round <= hs.round + ROUND_WINDOW
                and self._suite.verify(v.voter, msg, v.signature)
            ):
                self._report(v.voter, v.vote_type, v.round, first, v)
            return
        if not self._suite.verify(v.voter, msg, v.signature):
            return
        self._note_round(v.voter, v.round)
        if v.round > hs.round + ROUND_WINDOW:
            return
        if first is not None:
            self._report(v.voter, v.vote_type, v.round, first, v)
        else:
            hs.votes.setdefault(key, {})[v.voter] = v
        hs.by_hash.setdefault(key, {}).setdefault(v.block_hash, {})[v.voter] = v
        if hs.idle and hs.step == Step.PROPOSE:
            # W: another validator is voting at this height, so it is not idle: waiting here
            # for transactions could stall the height (e.g. this replica is the proposer and
            # restarted with an empty mempool). Join the round: arm the propose timer, propose.
            hs.idle = False
            self._enter_propose()

    def _check_late_vote(self, v: Vote) -> None:
        """A vote for the height decided last that conflicts with the first one this replica
        kept from that validator is still evidence (reported once per offence)."""
        key = (v.voter, v.vote_type, v.round)
        first = self._last_votes[1].get(key)
        if first is None or first.block_hash == v.block_hash or key in self._last_evidence:
            return
        msg = compute_vote_bytes(self.chain_id, v.vote_type, v.height, v.round, v.block_hash)
        if self._suite.verify(v.voter, msg, v.signature):
            self._last_evidence.add(key)
            self._out.append(ReportEvidence(v.voter, first, v))

    def _on_proposal(self, p: Proposal, data: bytes) -> None:
        if not self._route(p.height, p.proposer, data):
            return
        hs = self._hs
        if p.proposer not in hs.index or p.proposer != self._proposer(p.round):
            return
        existing = hs.proposals.get(p.round)
        if existing == p:
            return
        bh = self._hash_block(p.block)
        msg = compute_proposal_bytes(self.chain_id, p.height, p.round, p.pol_round, bh)
        if not self._suite.verify(p.proposer, msg, p.signature):
            return
        self._note_round(p.proposer, p.round)
        if p.round > hs.round + ROUND_WINDOW:
            return
        if existing is not None:
            if existing.block != p.block or existing.pol_round != p.pol_round:
                self._report(p.proposer, "proposal", p.round, existing, p)
                extra = hs.extra_proposals.get(p.round, 0)
                if extra < MAX_PROPOSALS_PER_ROUND and bh not in hs.blocks:
                    hs.extra_proposals[p.round] = extra + 1
                    hs.blocks[bh] = p.block
            return
        hs.proposals[p.round] = p
        hs.blocks.setdefault(bh, p.block)

    def _on_status(self, s: Status) -> None:
        if s.height == self.height and self._started and s.sender not in self._hs.index:
            return
        msg = compute_status_bytes(self.chain_id, s.height, s.round)
        if not self._suite.verify(s.sender, msg, s.signature):
            return
        if s.height < self.height:
            self._send_decided(s.sender, s.height)
        elif s.height > self.height:
            self._ask_sync(s.sender)
        elif self._started:
            self._note_round(s.sender, s.round)

    def _on_decided(self, d: Decided, data: bytes) -> None:
        h = d.block.height
        if h < self.height:
            return
        if h > self.height or not self._started:
            if h <= self.height + 1 and len(self._future) < MAX_FUTURE_BUFFER:
                self._future.append((h, data))
            return
        hs = self._hs
        bh = self._hash_block(d.block)
        if d.block.parent_hash != self.last_block_hash:
            return
        if d.block.validator_set_hash != hs.validator_set_hash or d.qc.vote_type != COMMIT:
            return
        try:
            validate_qc(self._suite, self.chain_id, hs.validators, d.qc, height=h, block_hash=bh)
        except ProofInvalid:
            return
        hs.blocks.setdefault(bh, d.block)
        self._decide(d.block, bh, d.qc)
        # catching up: ask everyone for the next height at once
        self._broadcast_status()

    def _on_timer(self, t: TimerFired) -> None:
        if t.kind == TIMER_REBROADCAST:
            self._rebroadcast()
            self._out.append(
                SetTimer(TIMER_REBROADCAST, self.height, 0, self.params.rebroadcast_ms)
            )
            return
        hs = self._hs
        if not self._started or t.height != self.height or t.round != hs.round:
            return
        if t.kind == TIMER_PROPOSE and hs.step == Step.PROPOSE and not hs.idle:  # T1
            self._vote(PREVOTE, NIL)
            hs.step = Step.PREVOTE
        elif t.kind == TIMER_PREVOTE and hs.step == Step.PREVOTE:  # T2
            self._vote(COMMIT, NIL)
            hs.step = Step.PRECOMMIT
        elif t.kind == TIMER_PRECOMMIT:  # T3
            self._start_round(hs.round + 1)
        elif t.kind == TIMER_IDLE and hs.idle and hs.step == Step.PROPOSE:
            hs.idle = False
            self._enter_propose()

    def _on_payload(self, e: PayloadReady) -> None:
        hs = self._hs
        if not self._started or e.height != self.height or e.round != hs.round:
            return
        if hs.step != Step.PROPOSE or hs.idle or hs.valid is not None:
            return
        if self._proposer(e.round) != self._me:
            return
        if len(e.payload) > MAX_PAYLOAD_LEN:
            return
        block = Block(self.height, self.last_block_hash, hs.validator_set_hash, self._me, e.payload)
        self._propose(block, -1)

    def _on_executed(self, e: BlockExecuted) -> None:
        if e.height <= self._executed:
            return  # repeated on replay
        if e.height != self._executed + 1 or e.height >= self.height:
            raise InvariantBroken(
                f"BlockExecuted({e.height}) out of order: executed {self._executed},"
                f" committed {self.height - 1}"
            )
        upd = e.validator_update
        if upd is not None:
            if upd.effective_height < e.height + 2:
                raise InvariantBroken(
                    f"validator update from height {e.height} must take effect at"
                    f" {e.height + 2} or later, not {upd.effective_height}"
                )
            self._add_set(upd)
        self._executed = e.height
        if not self._started and self._executed >= self.height - 2:
            self._start_height()

    def _on_mempool(self, e: MempoolStatus) -> None:
        self._has_txs = e.has_txs
        hs = self._hs
        if not self._started or hs.step != Step.PROPOSE or hs.round != 0:
            return
        interval = self.params.create_empty_blocks_interval_ms
        if e.has_txs and hs.idle:
            hs.idle = False
            self._enter_propose()
        elif not e.has_txs and not hs.idle and interval != 0 and 0 not in hs.proposed_rounds:
            # the mempool emptied (typically: the block just committed took the last
            # transactions) before this round's proposal was made: wait instead
            hs.idle = True
            if interval is not None:
                self._out.append(SetTimer(TIMER_IDLE, self.height, 0, interval))

    # --- the rules ----------------------------------------------------------------------

    def _apply_rules_once(self) -> bool:
        hs = self._hs
        r = hs.round
        if self._try_decide():  # R7
            return True
        target = self._round_skip_target()  # R8
        if target > r:
            self._start_round(target)
            return True
        p = hs.proposals.get(r)
        if hs.step == Step.PROPOSE and p is not None:
            bh = self._hash_block(p.block)
            if p.pol_round == -1:  # R1
                ok = self._is_valid(bh) and (hs.locked is None or hs.locked[1] == bh)
            elif self._quorum_hash(PREVOTE, p.pol_round) == bh:  # R2
                ok = self._is_valid(bh) and (
                    hs.locked is None or hs.locked[0] <= p.pol_round or hs.locked[1] == bh
                )
            else:
                ok = None
            if ok is not None:
                hs.idle = False
                self._vote(PREVOTE, bh if ok else NIL, p.pol_round)
                hs.step = Step.PREVOTE
                return True
        if hs.step == Step.PREVOTE and r not in hs.prevote_timer and self._quorum_any(PREVOTE, r):
            hs.prevote_timer.add(r)  # R3
            self._out.append(
                SetTimer(TIMER_PREVOTE, self.height, r, self.params.timeout_prevote(r + self._pace))
            )
            return True
        if hs.step >= Step.PREVOTE and r not in hs.locked_rounds:  # R4
            qh = self._quorum_hash(PREVOTE, r)
            if qh is not None and qh != NIL and qh in hs.blocks and self._is_valid(qh):
                hs.locked_rounds.add(r)
                if hs.step == Step.PREVOTE:
                    if hs.locked is None or hs.locked[0] <= r:  # never below a restored lock
                        hs.locked = (r, qh)
                    # the lock is kept by SafetyRules with its block and proof-of-lock
                    pol = tuple(encode_message(v) for v in self._votes_for(PREVOTE, r, qh))
                    self._vote(COMMIT, qh, block=encode(hs.blocks[qh].to_obj()), prevotes=pol)
                    hs.step = Step.PRECOMMIT
                hs.valid = (r, qh)
                return True
        if hs.step == Step.PREVOTE and self._quorum_hash(PREVOTE, r) == NIL:  # R5
            self._vote(COMMIT, NIL)
            hs.step = Step.PRECOMMIT
            return True
        if r not in hs.precommit_timer and self._quorum_any(COMMIT, r):  # R6
            hs.precommit_timer.add(r)
            self._out.append(
                SetTimer(
                    TIMER_PRECOMMIT, self.height, r, self.params.timeout_precommit(r + self._pace)
                )
            )
            return True
        return False

    def _try_decide(self) -> bool:
        hs = self._hs
        for (vote_type, r), buckets in hs.by_hash.items():
            if vote_type != COMMIT:
                continue
            qh = self._quorum_hash(COMMIT, r)
            if qh is None or qh == NIL or qh not in hs.blocks:
                continue
            sigs = [(hs.index[v.voter], v.signature) for v in buckets[qh].values()]
            self._decide(hs.blocks[qh], qh, make_qc(sigs, self.height, r, qh))
            return True
        return False

    def _decide(self, block: Block, block_hash: bytes, qc: QuorumCertificate) -> None:
        self._out.append(Commit(block, block_hash, qc))
        # Pacing: timeouts that needed round r to fit the network's delays are where the next
        # height starts (instead of round 0's again, which a slow link or a starved validator
        # would make every height pay); each height decided in its first round steps back by
        # one. Timeouts never bear on safety, only on how soon a round gives up.
        if qc.round > 0:
            self._pace = min(MAX_PACE, self._pace + qc.round)
        elif self._pace > 0:
            self._pace -= 1
        self._last_votes = (
            self.height,
            {(k, t, r): v for (t, r), table in self._hs.votes.items() for k, v in table.items()},
        )
        self._last_evidence = set()
        self.decisions[self.height] = (block, qc)
        if self._load_decision is not None:
            # The application keeps every decision; hold only the last few in memory.
            self.decisions.pop(self.height - DECISIONS_KEPT, None)
        self.last_block_hash = block_hash
        self.height += 1
        self._started = False
        if self._executed >= self.height - 2:
            self._start_height()

    def _round_skip_target(self) -> int:
        hs = self._hs
        weak = hs.validators.total_power // 3 + 1
        rounds = sorted(
            ((rd, hs.validators.validators[hs.index[k]].power) for k, rd in hs.peer_round.items()),
            reverse=True,
        )
        acc = 0
        for rd, power in rounds:
            if rd <= hs.round:
                break
            acc += power
            if acc >= weak:
                return rd
        return -1

    def _power(self, voters: Iterable[bytes]) -> int:
        hs = self._hs
        vals = hs.validators.validators
        return sum(vals[hs.index[k]].power for k in voters)

    def _quorum_hash(self, vote_type: str, round_: int) -> bytes | None:
        """The block hash (or NIL) with 2f+1 votes of this type and round, if any."""
        q = self._hs.validators.quorum_power
        for bh, bucket in self._hs.by_hash.get((vote_type, round_), {}).items():
            if self._power(bucket) >= q:
                return bh
        return None

    def _quorum_any(self, vote_type: str, round_: int) -> bool:
        first = self._hs.votes.get((vote_type, round_), {})
        return self._power(first) >= self._hs.validators.quorum_power

    def _is_valid(self, block_hash: bytes) -> bool:
        hs = self._hs
        cached = hs.validity.get(block_hash)
        if cached is None:
            b = hs.blocks[block_hash]
            cached = (
                b.height == self.height
                and b.parent_hash == self.last_block_hash
                and b.validator_set_hash == hs.validator_set_hash
                and self._validate_block(b)
            )
            hs.validity[block_hash] = cached
        return cached

    def _note_round(self, sender: bytes, round_: int) -> None:
        pr = self._hs.peer_round
        if pr.get(sender, -1) < round_:
            pr[sender] = round_

    # --- outputs ------------------------------------------------------------------------

    def _propose(self, block: Block, pol_round: int) -> None:
        hs = self._hs
        if hs.round in hs.proposed_rounds:
            return
        hs.proposed_rounds.add(hs.round)
        bh = self._hash_block(block)
        try:
            sig = self._safety.sign_proposal(self.chain_id, self.height, hs.round, pol_round, bh)
        except UnsafeSignRequest:
            return  # already signed something at or past this point (e.g. WAL replay)
        self._emit_own(Proposal(self.height, hs.round, pol_round, block, self._me, sig))
        if pol_round >= 0:  # forward the proof-of-lock so that locked peers can unlock
            self._out.extend(Broadcast(v) for v in self._votes_for(PREVOTE, pol_round, bh))

    def _vote(
        self,
        vote_type: str,
        block_hash: bytes,
        pol_round: int = -1,
        *,
        block: bytes = b"",
        prevotes: tuple[bytes, ...] = (),
    ) -> None:
        if self._me not in self._hs.index:
            return  # followers do not vote
        try:
            sig = self._safety.sign_vote(
                self.chain_id,
                vote_type,
                self.height,
                self._hs.round,
                block_hash,
                pol_round=pol_round,
                block=block,
                prevotes=prevotes,
            )
        except UnsafeSignRequest:
            return  # the step still advances: not voting is always safe
        self._emit_own(Vote(vote_type, self.height, self._hs.round, block_hash, self._me, sig))

    def _emit_own(self, msg: Message) -> None:
        self._out.append(Broadcast(msg))
        # own messages enter through the WAL like any other input (always logged: on replay
        # only a re-signed last vote or a new one reaches here)
        self._queue.append((MessageReceived(encode_message(msg)), True))

    def _broadcast_status(self) -> None:
        sig = self._safety.sign_status(self.chain_id, self.height, self._hs.round)
        self._out.append(Broadcast(Status(self.height, self._hs.round, self._me, sig)))

    def _rebroadcast(self) -> None:
        self._sync_sent.clear()
        self._sync_asked.clear()
        self._broadcast_status()
        if not self._started:
            return
        # Gossip: re-send what a peer may have missed, so that every message an honest node
        # holds for the current round (and the proof of its valid block) reaches the others.
        hs = self._hs
        out: list[Message] = []
        p = hs.proposals.get(hs.round)
        if p is not None and p.proposer == self._me:
            out.append(p)
        # the previous round too: its votes are what moved us here (a peer that missed one
        # precommit would otherwise wait forever for its precommit timeout)
        for rd in (hs.round - 1, hs.round):
            for vote_type in (PREVOTE, COMMIT):
                for bucket in hs.by_hash.get((vote_type, rd), {}).values():
                    out.extend(bucket.values())
        if hs.valid is not None and hs.valid[0] != hs.round:
            out.extend(self._votes_for(PREVOTE, hs.valid[0], hs.valid[1]))
        self._out.extend(Broadcast(m) for m in out)

    def _votes_for(self, vote_type: str, round_: int, block_hash: bytes) -> list[Vote]:
        return list(self._hs.by_hash.get((vote_type, round_), {}).get(block_hash, {}).values())

    def _send_decided(self, peer: bytes, height: int) -> None:
        if (peer, height) in self._sync_sent or peer == self._me:
            return
        decision = self.decisions.get(height)
        if decision is None and self._load_decision is not None:
            decision = self._load_decision(height)
        if decision is None:
            return
        self._sync_sent.add((peer, height))
        self._out.append(Send(peer, Decided(decision[0], decision[1])))

    def _ask_sync(self, peer: bytes) -> None:
        if peer in self._sync_asked or peer == self._me:
            return
        self._sync_asked.add(peer)
        sig = self._safety.sign_status(self.chain_id, self.height, self._hs.round)
        self._out.append(Send(peer, Status(self.height, self._hs.round, self._me, sig)))

    def _report(self, offender: bytes, kind: str, round_: int, a: Message, b: Message) -> None:
        key = (offender, kind, round_)
        if key in self._evidence:
            return
        self._evidence.add(key)
        self._out.append(ReportEvidence(offender, a, b))

    # --- introspection for tests and the simulator ----------------------------------------

    def round_summary(self, round_: int) -> dict[str, object]:
        """What this replica saw in ``round_`` of the running height, for logs: the proposal
        (proposer index, block hash prefix, proof-of-lock round, valid here), the prevotes and
        precommits as ``{hash prefix or "nil": [validator index, ...]}``, and the lock and valid
        value held now. Read-only; hashes are cut to 8 hex digits."""
        hs = self._hs

        def short(h: bytes) -> str:
            return "nil" if h == NIL else h[:4].hex()

        def votes(vote_type: str) -> dict[str, list[int]]:
            buckets = hs.by_hash.get((vote_type, round_), {})
            return {
                short(h): sorted(hs.index[v] for v in bucket if v in hs.index)
                for h, bucket in buckets.items()
            }

        p = hs.proposals.get(round_)
        proposal: dict[str, object] | None = None
        if p is not None:
            bh = self._hash_block(p.block)
            proposal = {
                "proposer": hs.index.get(p.proposer, -1),
                "block": short(bh),
                "pol_round": p.pol_round,
                "valid": hs.validity.get(bh),
            }
        return {
            "round": round_,
            "proposer": hs.index.get(self._proposer(round_), -1),
            "proposal": proposal,
            "prevotes": votes(PREVOTE),
            "precommits": votes(COMMIT),
            "locked": None if hs.locked is None else [hs.locked[0], short(hs.locked[1])],
            "valid": None if hs.valid is None else [hs.valid[0], short(hs.valid[1])],
        }

    def own_votes(self) -> Iterable[Vote]:
        for table in self._hs.votes.values():
            v = table.get(self._me)
            if v is not None:
                yield v
