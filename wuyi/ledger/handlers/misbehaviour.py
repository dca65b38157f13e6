"""A validator's misbehaviour on chain: equivocation evidence, and governance to remove it.

Kind
====

``consensus.evidence`` {first, second} — two conflicting messages one validator signed at one
(height, round) (:mod:`wuyi.consensus.evidence`: two different votes of one type, or two
different proposals), in canonical order. Anyone in the consortium may submit it: an active
member of an active organisation, or a validator of the current set (validators submit what
their replica reports, automatically; see ``wuyi.node.misbehaviour``). Checked, deterministically:

1. statically (at the door and in every block): the format, the same signer, step, height and
   round, different signed content, and both signatures against the chain id;
2. against the state: the offence height is not above the block's height, the signer was in the
   validator set *of that height* (``consensus/history``), and this offence (signer, step,
   height, round) is not recorded yet (refused with where it was recorded).

Applying it records the evidence (``consensus/evidence/<offence id>``), counts it for the
offender (``consensus/offender/<address>``) and, unless a proposal about this offender is
still open or the offender has left the set, opens a governance proposal on the chain's own
behalf to remove the offender (action ``validator.remove``, policy ``validators``). Events:
``consensus.evidence`` {id, offender, offender_name, step, height, round, proposal} and, when
one is opened, ``gov.proposed``.

Records::

    consensus/evidence/<id>      {id, offender, offender_address, offender_name, step, height,
                                  round, first, second, submitter, recorded_height, time,
                                  tx_hash, proposal}
    consensus/offender/<address> {public_key, name, count, first_height, last_height,
                                  last_evidence, proposal}

Governance action
=================

``validator.remove`` {public_key, replacement?: {name, public_key, power}, evidence?} (policy
``validators``): at execution the current set without ``public_key`` — or with
``replacement`` in its place — takes effect two heights later, as ``validator.update`` does.
Refused at execution if the key is no longer in the set, another change is pending, the set
would be empty, or the replacement is already a validator.
"""

from __future__ import annotations

from typing import Any, ClassVar

from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.consensus.evidence import (
    Equivocation,
    compute_offence_id,
    validate_equivocation,
)
from wuyi.crypto import address_of
from wuyi.exceptions import TxFailed, Unauthorized, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import (
    ChainSpec,
    ExecContext,
    Handler,
    validate_fields,
    validate_suite_key,
)
from wuyi.ledger.handlers.governance import (
    GovAction,
    get_proposal,
    get_proposal_status,
    open_chain_proposal,
    register_action,
)
from wuyi.ledger.handlers.validators import MIN_DELAY, get_current_validators, get_validators_at
from wuyi.params import ChainParams

__all__ = [
    "EVIDENCE_KIND",
    "ConsensusEvidenceHandler",
    "ValidatorRemoveAction",
    "get_current_validators",
]

EVIDENCE_KIND = "consensus.evidence"
_FieldSpec = dict[str, tuple[type, bool]]


def _validate_key(chain: ChainSpec, key: bytes, field: str, what: str) -> None:
    validate_suite_key(chain, key, f"{what}: invalid public key", field)


class ConsensusEvidenceHandler(Handler):
    kind = EVIDENCE_KIND
    fields: ClassVar[_FieldSpec] = {"first": (dict, True), "second": (dict, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        ev = Equivocation.from_obj(payload)
        validate_equivocation(chain.suite, chain.chain_id, ev)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        ev = Equivocation.from_obj(ctx.tx.payload)
        if ev.height > ctx.height:
            raise TxFailed(
                f"consensus.evidence: the offence at height {ev.height} is above this block"
                f" ({ctx.height})"
            )
        if get_validators_at(ctx.state, ev.height).index_of(ev.offender) is None:
            raise TxFailed(
                f"consensus.evidence: {ev.offender.hex()[:16]}… was not a validator at height"
                f" {ev.height}"
            )
        oid = compute_offence_id(ctx.chain.suite, ctx.chain.chain_id, ev)
        existing = ctx.state.get_obj(keys.misbehaviour_key(oid))
        if existing is not None:
            raise TxFailed(
                f"consensus.evidence: this equivocation ({ev.step} at {ev.height}/{ev.round})"
                f" is already recorded at height {existing['recorded_height']}"
                f" (tx {existing['tx_hash'].hex()})"
            )

    def authorize(self, ctx: ExecContext) -> None:
        if get_current_validators(ctx.state).index_of(ctx.tx.sender) is not None:
            return  # a validator of the current set
        try:
            ctx.require_member()
        except Unauthorized:
            raise Unauthorized(
                "consensus.evidence may be submitted by a validator of the current set or an"
                " active member"
            ) from None

    def apply(self, ctx: ExecContext) -> None:
        suite = ctx.chain.suite
        ev = Equivocation.from_obj(ctx.tx.payload)
        oid = compute_offence_id(suite, ctx.chain.chain_id, ev)
        at_height = get_validators_at(ctx.state, ev.height)
        idx = at_height.index_of(ev.offender)
        name = at_height.validators[idx].name if idx is not None else ""
        offender_address = address_of(suite, ev.offender)
        okey = keys.offender_key(offender_address)
        summary = ctx.state.get_obj(okey) or {
            "public_key": ev.offender,
            "name": name,
            "count": 0,
            "first_height": ev.height,
            "last_height": ev.height,
            "last_evidence": oid,
            "proposal": None,
        }
        summary["count"] += 1
        summary["first_height"] = min(summary["first_height"], ev.height)
        summary["last_height"] = max(summary["last_height"], ev.height)
        summary["last_evidence"] = oid
        proposal = self._open_removal(ctx, ev, oid, name, summary)
        if proposal is not None:
            summary["proposal"] = proposal
        ctx.state.set_obj(okey, summary)
        ctx.state.set_obj(
            keys.misbehaviour_key(oid),
            {
                "id": oid,
                "offender": ev.offender,
                "offender_address": offender_address,
                "offender_name": name,
                "step": ev.step,
                "height": ev.height,
                "round": ev.round,
                "first": ev.first.to_obj(),
                "second": ev.second.to_obj(),
                "submitter": ctx.sender_address,
                "recorded_height": ctx.height,
                "time": ctx.time,
                "tx_hash": ctx.tx_hash,
                "proposal": proposal,
            },
        )
        ctx.emit(
            "consensus.evidence",
            id=oid,
            offender=ev.offender,
            offender_name=name,
            step=ev.step,
            height=ev.height,
            round=ev.round,
            proposal=proposal,
        )

    @staticmethod
    def _open_removal(
        ctx: ExecContext, ev: Equivocation, oid: bytes, name: str, summary: dict[str, Any]
    ) -> int | None:
        """A proposal to remove the offender, unless one about it is still open or it is no
        longer a validator."""
        if get_current_validators(ctx.state).index_of(ev.offender) is None:
            return None
        pid = summary.get("proposal")
        if pid is not None:
            rec = get_proposal(ctx.state, pid)
            if rec is not None and get_proposal_status(rec, ctx.height) == "open":
                return None
        who = name or ev.offender.hex()[:16]
        return open_chain_proposal(
            ctx,
            ValidatorRemoveAction.type,
            {"public_key": ev.offender, "evidence": oid},
            title=f"移除双签验证节点 {who} / remove validator {who}: equivocation",
            description=(
                f"验证节点 {who} 在高度 {ev.height} 第 {ev.round} 轮对 {ev.step} 签署了两份互相"
                f"矛盾的消息（证据 {oid.hex()}）。批准则将其移出验证节点集合；如需以新密钥替换，"
                f"请否决本提案并发起带 replacement 的 validator.remove 提案。\n"
                f"Validator {who} signed two conflicting {ev.step} messages at height"
                f" {ev.height}, round {ev.round} (evidence {oid.hex()}). Approving removes it"
                f" from the validator set; to replace it with a new key instead, vote no and"
                f" propose validator.remove with a replacement."
            ),
            origin={"kind": EVIDENCE_KIND, "id": oid},
        )


class ValidatorRemoveAction(GovAction):
    type = "validator.remove"
    policy_name = "validators"
    fields: ClassVar[_FieldSpec] = {
        "public_key": (bytes, True),
        "replacement": (dict, False),
        "evidence": (bytes, False),
    }
    replacement_fields: ClassVar[_FieldSpec] = {
        "name": (str, False),
        "public_key": (bytes, True),
        "power": (int, False),
    }

    def validate(self, args: dict[str, Any], chain: ChainSpec, params: ChainParams) -> None:
        validate_fields(args, self.fields, self.type)
        _validate_key(chain, args["public_key"], "public_key", self.type)
        rep = args.get("replacement")
        if rep is not None:
            validate_fields(rep, self.replacement_fields, f"{self.type}: replacement")
            _validate_key(chain, rep["public_key"], "replacement", self.type)
            if rep["public_key"] == args["public_key"]:
                raise ValidationError(
                    f"{self.type}: the replacement is the key being removed", field="replacement"
                )
            if rep.get("power", 1) < 1 or len(rep.get("name", "")) > 64:
                raise ValidationError(
                    f"{self.type}: replacement power must be positive and name at most 64"
                    " characters",
                    field="replacement",
                )
        if len(args.get("evidence", b"")) > 64:
            raise ValidationError(f"{self.type}: evidence id is too long", field="evidence")

    def _new_set(self, ctx: ExecContext, args: dict[str, Any]) -> ValidatorSet:
        current = get_current_validators(ctx.state)
        idx = current.index_of(args["public_key"])
        if idx is None:
            raise TxFailed(f"{self.type}: {args['public_key'].hex()[:16]}… is not a validator")
        vals = list(current.validators)
        rep = args.get("replacement")
        if rep is None:
            del vals[idx]
        else:
            if current.index_of(rep["public_key"]) is not None:
                raise TxFailed(f"{self.type}: the replacement is already a validator")
            old = vals[idx]
            vals[idx] = Validator(
                rep["public_key"], rep.get("power", old.power), rep.get("name", old.name)
            )
        if not vals:
            raise TxFailed(f"{self.type}: the validator set would be empty")
        return ValidatorSet(tuple(vals))

    def check(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        self._new_set(ctx, args)
        if ctx.state.get(keys.PENDING_VALIDATORS) is not None:
            raise TxFailed("another validator-set change is already pending")

    def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
        new = self._new_set(ctx, args)
        effective = ctx.height + MIN_DELAY
        ctx.state.set_obj(
            keys.PENDING_VALIDATORS, {"effective_height": effective, "validators": new.to_obj()}
        )
        ctx.emit(
            "validator.update_scheduled",
            effective_height=effective,
            validators=[v.public_key for v in new.validators],
        )
        ctx.emit(
            "validator.removed",
            public_key=args["public_key"],
            replacement=(args.get("replacement") or {}).get("public_key"),
            effective_height=effective,
        )


register_action(ValidatorRemoveAction())
