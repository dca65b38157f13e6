"""Safety rules: the only holder of the validator key (cometbft ``privval``'s CheckHRS).

Numbered rules, checked on every signing request for a proposal or a vote:

1. A request at a lower (height, round, step) than the last signed one is refused.
2. A request at the same (height, round, step) is answered only if its sign bytes equal the last
   signed bytes; the stored signature is returned (no second, different signature exists).
3. Otherwise the new (height, round, step, sign bytes, signature) is handed to ``persist`` and
   only after ``persist`` returns is the signature returned. If ``persist`` raises, nothing is
   returned and the in-memory state is unchanged.

Steps order as ``STEP_PROPOSE < STEP_PREVOTE < STEP_PRECOMMIT``. Status heartbeats are signed
under their own domain (``STATUS_DOMAIN``), which no vote or proposal can collide with, and are
not subject to the rules (they commit the signer to nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.consensus.certificate import compute_vote_bytes
from wuyi.consensus.messages import (
    COMMIT,
    PREVOTE,
    compute_proposal_bytes,
    compute_status_bytes,
)
from wuyi.exceptions import ValidationError

__all__ = [
    "STEP_PRECOMMIT",
    "STEP_PREVOTE",
    "STEP_PROPOSE",
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
class SignedState:
    """The last thing signed; what ``persist`` must make durable."""

    height: int
    round: int
    step: int
    sign_bytes: bytes
    signature: bytes

    @property
    def hrs(self) -> tuple[int, int, int]:
        return (self.height, self.round, self.step)

    def to_obj(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "round": self.round,
            "step": self.step,
            "sign_bytes": self.sign_bytes,
            "signature": self.signature,
        }

    @classmethod
    def from_obj(cls, obj: Any) -> SignedState:
        try:
            return cls(
                int(obj["height"]),
                int(obj["round"]),
                int(obj["step"]),
                bytes(obj["sign_bytes"]),
                bytes(obj["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"malformed signed state: {exc}") from None


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

    def sign_proposal(
        self, chain_id: str, height: int, round_: int, pol_round: int, block_hash: bytes
    ) -> bytes:
        msg = compute_proposal_bytes(chain_id, height, round_, pol_round, block_hash)
        return self._sign(height, round_, STEP_PROPOSE, msg)

    def sign_vote(
        self, chain_id: str, vote_type: str, height: int, round_: int, block_hash: bytes
    ) -> bytes:
        step = _VOTE_STEPS.get(vote_type)
        if step is None:
            raise UnsafeSignRequest(f"unknown vote type {vote_type!r}")
        msg = compute_vote_bytes(chain_id, vote_type, height, round_, block_hash)
        return self._sign(height, round_, step, msg)

    def sign_status(self, chain_id: str, height: int, round_: int) -> bytes:
        return self._key.sign(compute_status_bytes(chain_id, height, round_))

    def _sign(self, height: int, round_: int, step: int, msg: bytes) -> bytes:
        last = self._last
        hrs = (height, round_, step)
        if last is not None:
            if hrs < last.hrs:  # rule 1
                raise UnsafeSignRequest(
                    f"refusing to sign at {hrs}, already signed at {last.hrs}",
                    requested=list(hrs),
                    last=list(last.hrs),
                )
            if hrs == last.hrs:  # rule 2
                if msg == last.sign_bytes:
                    return last.signature
                raise UnsafeSignRequest(
                    f"refusing a conflicting signature at {hrs}", requested=list(hrs)
                )
        signature = self._key.sign(msg)
        state = SignedState(height, round_, step, msg, signature)
        self._persist(state)  # rule 3: durable before the signature leaves
        self._last = state
        return signature
