"""Validator-set changes by transaction (governance will drive this kind later).

``validator.update`` {validators: [{name, public_key, power}], effective_height} — by an admin of
the operator organisation. The new set is written to ``consensus/pending_validators`` and takes
effect at ``effective_height`` (at least two heights after the block that commits the change):
at the end of block ``effective_height - 1`` the ledger moves it into ``consensus/validators``,
so that block's ``next_validator_set_hash`` and the next block's ``validator_set_hash`` name the
new set, and records it in ``consensus/history/<effective_height>`` so the set that signed any
past block can be found (genesis records its set at ``consensus/history/0``). One change may be
pending at a time.
"""

from __future__ import annotations

import struct
from typing import Any, ClassVar

from wuyi.abc import KVReader
from wuyi.consensus.certificate import ValidatorSet
from wuyi.encoding import decode_trusted, encode
from wuyi.exceptions import TxFailed, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler, validate_suite_key
from wuyi.ledger.state_view import BlockState
from wuyi.params import ChainParams

__all__ = [
    "MIN_DELAY",
    "ValidatorUpdateHandler",
    "compute_pending_update",
    "get_current_validators",
    "get_validator_history",
    "get_validators_at",
    "history_key",
    "process_validator_switch",
]

MIN_DELAY = 2
_U64 = struct.Struct(">Q")


def history_key(height: int) -> bytes:
    return keys.VALIDATOR_HISTORY_PREFIX + _U64.pack(height)


class ValidatorUpdateHandler(Handler):
    kind = "validator.update"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "validators": (list, True),
        "effective_height": (int, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        vs = ValidatorSet.from_obj(payload["validators"])
        for v in vs.validators:
            validate_suite_key(
                chain,
                v.public_key,
                f"validator.update: '{v.name}' has an invalid key",
                "validators",
            )
        if payload["effective_height"] < 1:
            raise ValidationError("validator.update: effective_height must be positive")

    def dynamic_validate(self, ctx: ExecContext) -> None:
        e = ctx.tx.payload["effective_height"]
        if e < ctx.height + MIN_DELAY:
            raise TxFailed(
                f"effective_height {e} is too soon: at least {ctx.height + MIN_DELAY}"
                f" for a change committed at height {ctx.height}"
            )
        if ctx.state.get(keys.PENDING_VALIDATORS) is not None:
            raise TxFailed("another validator-set change is already pending")
        from wuyi.ledger.handlers.nodes import check_validators_listed  # nodes imports this

        check_validators_listed(ctx, ValidatorSet.from_obj(ctx.tx.payload["validators"]))

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_operator_admin()

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        vs = ValidatorSet.from_obj(p["validators"])
        ctx.state.set_obj(
            keys.PENDING_VALIDATORS,
            {"effective_height": p["effective_height"], "validators": vs.to_obj()},
        )
        ctx.emit(
            "validator.update_scheduled",
            effective_height=p["effective_height"],
            validators=[v.public_key for v in vs.validators],
        )


def process_validator_switch(state: BlockState, height: int) -> None:
    """End of block ``height``: a pending set effective at ``height + 1`` becomes current."""
    pending = state.get_obj(keys.PENDING_VALIDATORS)
    if pending is None or pending["effective_height"] != height + 1:
        return
    raw = encode(pending["validators"])
    state.set(keys.VALIDATORS, raw)
    state.set(history_key(height + 1), raw)
    state.delete(keys.PENDING_VALIDATORS)


def compute_pending_update(state: KVReader) -> tuple[int, ValidatorSet] | None:
    """The scheduled change, if any: (effective height, set)."""
    raw = state.get(keys.PENDING_VALIDATORS)
    if raw is None:
        return None
    obj = decode_trusted(raw)
    return int(obj["effective_height"]), ValidatorSet.from_obj(obj["validators"])


def get_validator_history(state: KVReader) -> list[tuple[int, ValidatorSet]]:
    """Every set the chain recorded, as (first height it is in force, set), oldest first: the
    genesis set at 0 (named by the genesis header, signing from block 1), then each change."""
    n = len(keys.VALIDATOR_HISTORY_PREFIX)
    return [
        (_U64.unpack(k[n:])[0], ValidatorSet.from_obj(decode_trusted(v)))
        for k, v in state.iter_prefix(keys.VALIDATOR_HISTORY_PREFIX)
    ]


def get_current_validators(state: KVReader) -> ValidatorSet:
    """The set in force now (``consensus/validators``)."""
    raw = state.get(keys.VALIDATORS)
    if raw is None:
        raise TxFailed("state has no validator set")
    return ValidatorSet.from_obj(decode_trusted(raw))


def get_validators_at(state: KVReader, height: int) -> ValidatorSet:
    """The set in force at ``height``: the one block ``height``'s header names (and that signs
    it, for ``height`` > 0), from the history kept in state."""
    best: bytes | None = None
    for k, v in state.iter_prefix(keys.VALIDATOR_HISTORY_PREFIX):
        if _U64.unpack(k[len(keys.VALIDATOR_HISTORY_PREFIX) :])[0] > height:
            break
        best = v
    if best is None:
        raise ValidationError(f"state records no validator set in force at height {height}")
    return ValidatorSet.from_obj(decode_trusted(best))
