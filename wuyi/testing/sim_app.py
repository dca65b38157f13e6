"""The simulator's toy application: builds, validates and "executes" opaque payloads.

A payload is ``encode({"h", "r", "p", "txs", ["valset"]})``. Executing the first committed
payload that carries ``valset`` (a list of node indices) returns a ``ValidatorUpdate`` effective
two heights later. Everything is a pure function of its arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wuyi.abc import Suite
from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.consensus.messages import Block, ValidatorUpdate
from wuyi.encoding import decode, encode
from wuyi.exceptions import WuyiError

__all__ = [
    "build_payload",
    "compute_validator_sets",
    "execute_payload",
    "parse_payload",
    "validate_sim_block",
]


def build_payload(
    height: int,
    round_: int,
    proposer: int,
    txs: int,
    valset: Sequence[int] | None = None,
) -> bytes:
    obj: dict[str, Any] = {"h": height, "r": round_, "p": proposer, "txs": txs}
    if valset is not None:
        obj["valset"] = list(valset)
    return encode(obj)


def parse_payload(payload: bytes) -> dict[str, Any] | None:
    try:
        obj = decode(payload)
    except WuyiError:
        return None
    if type(obj) is not dict or type(obj.get("h")) is not int or type(obj.get("txs")) is not int:
        return None
    return obj


def validate_sim_block(block: Block) -> bool:
    obj = parse_payload(block.payload)
    return obj is not None and obj["h"] == block.height and obj["txs"] >= 0


def execute_payload(
    height: int, payload: bytes, keys: Sequence[bytes], already_changed: bool
) -> ValidatorUpdate | None:
    """The validator update a committed payload causes (the first ``valset`` only)."""
    obj = parse_payload(payload)
    if obj is None or already_changed or "valset" not in obj:
        return None
    members = obj["valset"]
    if type(members) is not list or not members:
        return None
    if not all(type(i) is int and 0 <= i < len(keys) for i in members):
        return None
    if len(set(members)) != len(members):
        return None
    vs = ValidatorSet(tuple(Validator(keys[i], 1, f"n{i}") for i in members))
    return ValidatorUpdate(height + 2, vs)


def compute_validator_sets(
    genesis: ValidatorSet, updates: Sequence[ValidatorUpdate]
) -> list[tuple[int, ValidatorSet]]:
    sets = [(1, genesis)]
    for u in updates:
        sets = [(e, s) for e, s in sets if e != u.effective_height]
        sets.append((u.effective_height, u.validators))
        sets.sort(key=lambda es: es[0])
    return sets


def set_at(sets: Sequence[tuple[int, ValidatorSet]], height: int) -> ValidatorSet:
    chosen = sets[0][1]
    for eff, vs in sets:
        if eff <= height:
            chosen = vs
    return chosen


def validators_hash(suite: Suite, vs: ValidatorSet) -> bytes:
    return vs.compute_hash(suite)
