"""Safety rules: the only holder of the validator key (cometbft ``privval``'s CheckHRS).

Numbered rules, checked on every signing request for a proposal or a vote:

1. A request at a lower (height, round, step) than the last signed one is refused.
2. A request at the same (height, round, step) is answered only if its sign bytes equal the last
   signed bytes; the stored signature is returned (no second, different signature exists).
3. **The lock.** After a precommit for a block (not nil) at (h, r) the validator is *locked*
   on that block at height h from round r (Tendermint's ``lockedRound``/``lockedValue``). A
   prevote at height h for another block is refused unless the request names a proof-of-lock
   round ``pol_round ≥`` the locked round (the replica has seen 2f+1 prevotes for that block
   at ``pol_round``: Tendermint's unlock condition, rule R2). A precommit for another block is
   only possible at a higher round (rule 1), where it moves the lock.
4. Otherwise the new (height, round, step, sign bytes, signature, lock) is handed to
   ``persist`` and only after ``persist`` returns is the signature returned. If ``persist``
   raises, nothing is returned and the in-memory state is unchanged.

The persisted state alone is enough to refuse every vote that would contradict one this
validator signed before — whatever happened to the write-ahead log of inputs (torn, cut short,
lost): rules 1-2 stop a second vote at one (height, round, step), rule 3 a prevote against the
lock. ``lock_at(h)`` lets a restarted replica start height h locked, as it was, with the locked
block and its proof-of-lock (kept with the lock) so that it can propose it again, and
``last_vote`` lets it count and re-send its last vote.

Steps order as ``STEP_PROPOSE < STEP_PREVOTE < STEP_PRECOMMIT``. Status heartbeats are signed
under their own domain (``STATUS_DOMAIN``), which no vote or proposal can collide with, and are
not subject to the rules (they commit the signer to nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.consensus.certificate import VOTE_DOMAIN, compute_vote_bytes
from wuyi.consensus.messages import (
    COMMIT,
    PREVOTE,
    Vote,
    compute_proposal_bytes,
    compute_status_bytes,
)
from wuyi.encoding import decode
from wuyi.exceptions import EncodingError, ValidationError

__all__ = [
    "STEP_PRECOMMIT",
    "STEP_PREVOTE",
    "STEP_PROPOSE",
    "Lock",
    "SafetyRules",
    "SignedState",
    "UnsafeSignRequest",
]

STEP_PROPOSE = 1
STEP_PREVOTE = 2
STEP_PRECOMMIT = 3
_VOTE_STEPS = {PREVOTE: STEP_PREVOTE, COMMIT: STEP_PRECOMMIT}


class UnsafeSignRequest(ValidationError):
    """Signing would let this validator equivocate or go back in (height, round, step)."""

    code = "unsafe_sign"


@dataclass(frozen=True, slots=True)
class Lock:
    """What a validator is locked on at one height: the round and hash of its last precommit
    for a block, that block (``encode(Block.to_obj())``, may be empty) and the 2f+1 prevotes
    that justified it (encoded wire votes: the proof-of-lock, may be empty)."""

    round: int
    block_hash: bytes
    block: bytes = b""
    prevotes: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class SignedState:
    """The last thing signed and the lock at that height; what ``persist`` must make durable.

    ``locked_round`` is -1 when the validator is not locked at ``height``; otherwise it
    precommitted ``locked_hash`` at (``height``, ``locked_round``) and at no later round of
    ``height`` precommitted another block. ``locked_block`` and ``locked_pol`` are that block
    and its proof-of-lock, so that a restarted validator can propose it again even if its WAL
    (and every peer's) lost them."""

    height: int
    round: int
    step: int
    sign_bytes: bytes
    signature: bytes
    locked_round: int = -1
    locked_hash: bytes = b""
    locked_block: bytes = b""
    locked_pol: tuple[bytes, ...] = ()

    @property
    def hrs(self) -> tuple[int, int, int]:
        return (self.height, self.round, self.step)

    @property
    def lock(self) -> Lock | None:
        if self.locked_round < 0:
            return None
        return Lock(self.locked_round, self.locked_hash, self.locked_block, self.locked_pol)

    def to_obj(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "round": self.round,
            "step": self.step,
            "sign_bytes": self.sign_bytes,
            "signature": self.signature,
            "locked_round": self.locked_round,
            "locked_hash": self.locked_hash,
            "locked_block": self.locked_block,
            "locked_pol": list(self.locked_pol),
        }

    @classmethod
    def from_obj(cls, obj: Any) -> SignedState:
        """Read a stored state; one written before locks were kept has none (-1)."""
        try:
            state = cls(
                int(obj["height"]),
                int(obj["round"]),
                int(obj["step"]),
                bytes(obj["sign_bytes"]),
                bytes(obj["signature"]),
                int(obj.get("locked_round", -1)),
                bytes(obj.get("locked_hash", b"")),
                bytes(obj.get("locked_block", b"")),
                tuple(bytes(v) for v in obj.get("locked_pol", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"malformed signed state: {exc}") from None
        if state.locked_round > state.round or (state.locked_round < 0) != (not state.locked_hash):
            raise ValidationError("malformed signed state: inconsistent lock")
        return state


class SafetyRules:
    """Signs proposals and votes for one validator, never twice in conflict."""

    def __init__(
        self,
        key: PrivateKey,
        persist: Callable[[SignedState], None],
        last_signed: SignedState | None = None,
    ) -> None:
        self._key = key
        self._persist = persist
        self._last = last_signed

    @property
    def public_key(self) -> bytes:
        return self._key.public_key

    @property
    def last_signed(self) -> SignedState | None:
        return self._last

    def lock_at(self, height: int) -> Lock | None:
        """What this validator is locked on at ``height``, if anything."""
        last = self._last
        if last is None or last.height != height:
            return None
        return last.lock

    def last_vote(self, chain_id: str) -> Vote | None:
        """The last thing signed, if it was a vote, as the message peers received (or should
        have): a restarted replica whose WAL lost it can count and re-send it."""
        last = self._last
        if last is None or last.step == STEP_PROPOSE or not last.sign_bytes.startswith(VOTE_DOMAIN):
            return None
        try:
            obj = decode(last.sign_bytes[len(VOTE_DOMAIN) :])
            if obj["chain_id"] != chain_id:
                return None
            return Vote(
                obj["type"], obj["height"], obj["round"], obj["block_hash"],
                self.public_key, last.signature,
            )  # fmt: skip
        except (EncodingError, KeyError, TypeError):
            return None

    def sign_proposal(
        self, chain_id: str, height: int, round_: int, pol_round: int, block_hash: bytes
    ) -> bytes:
        msg = compute_proposal_bytes(chain_id, height, round_, pol_round, block_hash)
        return self._sign(height, round_, STEP_PROPOSE, msg, self.lock_at(height))

    def sign_vote(
        self,
        chain_id: str,
        vote_type: str,
        height: int,
        round_: int,
        block_hash: bytes,
        *,
        pol_round: int = -1,
        block: bytes = b"",
        prevotes: tuple[bytes, ...] = (),
    ) -> bytes:
        """Sign a prevote or precommit. ``pol_round`` is the proof-of-lock round that
        justifies a prevote for a block other than the locked one (rule 3). A precommit for
        a block locks on it; ``block`` and ``prevotes`` (its proof-of-lock) are kept with the
        lock."""
        step = _VOTE_STEPS.get(vote_type)
        if step is None:
            raise UnsafeSignRequest(f"unknown vote type {vote_type!r}")
        msg = compute_vote_bytes(chain_id, vote_type, height, round_, block_hash)
        lock = self.lock_at(height)
        if (
            step == STEP_PREVOTE
            and lock is not None
            and block_hash  # not nil
            and block_hash != lock.block_hash
            and not lock.round <= pol_round < round_
        ):  # rule 3
            repeat = self._check_order(height, round_, step, msg)
            if repeat is not None:
                return repeat  # signed before: answering again commits to nothing new
            raise UnsafeSignRequest(
                f"refusing to prevote another block at height {height} round {round_}:"
                f" locked at round {lock.round} on {lock.block_hash.hex()[:16]}, and"
                f" proof-of-lock round {pol_round} is older",
                requested=[height, round_, step],
                locked_round=lock.round,
            )
        if step == STEP_PRECOMMIT and block_hash:
            lock = Lock(round_, block_hash, block, prevotes)
        return self._sign(height, round_, step, msg, lock)

    def sign_status(self, chain_id: str, height: int, round_: int) -> bytes:
        return self._key.sign(compute_status_bytes(chain_id, height, round_))

    def _check_order(self, height: int, round_: int, step: int, msg: bytes) -> bytes | None:
        """Rules 1 and 2: the stored signature for a repeat, ``None`` for a new request."""
        last = self._last
        hrs = (height, round_, step)
        if last is None or hrs > last.hrs:
            return None
        if hrs < last.hrs:  # rule 1
            raise UnsafeSignRequest(
                f"refusing to sign at {hrs}, already signed at {last.hrs}",
                requested=list(hrs),
                last=list(last.hrs),
            )
        if msg == last.sign_bytes:  # rule 2
            return last.signature
        raise UnsafeSignRequest(f"refusing a conflicting signature at {hrs}", requested=list(hrs))

    def _sign(self, height: int, round_: int, step: int, msg: bytes, lock: Lock | None) -> bytes:
        """Rules 1, 2 and 4; ``lock`` is the lock at ``height`` after this signature."""
        repeat = self._check_order(height, round_, step, msg)
        if repeat is not None:
            return repeat
        signature = self._key.sign(msg)
        if lock is None:
            state = SignedState(height, round_, step, msg, signature)
        else:
            state = SignedState(
                height, round_, step, msg, signature,
                lock.round, lock.block_hash, lock.block, lock.prevotes,
            )  # fmt: skip
        self._persist(state)  # rule 4: durable before the signature leaves
        self._last = state
        return signature
