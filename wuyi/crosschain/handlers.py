"""Cross-chain recognition on the ledger: the governed registration of another chain, header
updates, misbehaviour, and recognition records (the read-only tier, ICS-02/07/23/31).

Governance actions (``xchain.register``, ``xchain.recover``, ``xchain.configure``,
``xchain.retire``) are in :mod:`wuyi.crosschain.actions`.

Kinds (any active member: relaying is open)
===========================================

* ``xchain.update`` {client, updates: [update, ...]} (1-8) — each update is checked by
  :func:`wuyi.crosschain.client.verify_update` from a stored consensus state. An update at a
  height already stored with another block hash, or whose time contradicts the stored
  neighbours, is misbehaviour: the client is **frozen** (the transaction succeeds, so the
  freeze is recorded) and nothing more is accepted until ``xchain.recover``.
* ``xchain.misbehaviour`` {client, evidence: {first, second}} — two updates that both verify
  and conflict (same height, different blocks; or time running backwards): freezes.
* ``xchain.recognise`` {client, height, fact, key, value: bytes | null, proof, consumer,
  purpose, updates?} — verifies a membership (``value`` given) or non-membership
  (``value`` null) proof of ``key`` against the state root B trusts for A at ``height``, by
  the rule of ``fact`` (allowed prefix, maximum age), and writes a **recognition record**.
  Optional ``updates`` are applied first. ``consumer`` is a contract of this chain (or
  ``""``: a record for people and audits); contracts read the record with
  ``wuyi.contract.recognition(id, value=...)``, never the proof.

Nothing here is reachable from a packet (:mod:`wuyi.crosschain.packets`): a packet's
callback runs a contract, and contracts write only their own state.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, ClassVar

from wuyi.crosschain import store
from wuyi.crosschain.client import (
    ClientState,
    ClientUpdate,
    ConsensusState,
    Misbehaviour,
    check_misbehaviour,
    check_validator_count,
    conflicts_with_neighbours,
    require_active,
    validate_chain_id,
    validate_fact,
    verify_update,
)
from wuyi.crosschain.proofs import (
    MembershipProof,
    NonMembershipProof,
    verify_membership,
    verify_non_membership,
)
from wuyi.encoding import encode
from wuyi.exceptions import (
    CrossChainRefused,
    HeaderRefused,
    ProofInvalid,
    TxFailed,
    ValidationError,
)
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler, validate_fields
from wuyi.ledger.handlers.contracts import meta_key
from wuyi.params import ChainParams

__all__ = [
    "MAX_CONSENSUS_STATES",
    "MAX_UPDATES",
    "POLICY_NAME",
    "XCHAIN_HANDLERS",
    "XchainMisbehaviourHandler",
    "XchainRecogniseHandler",
    "XchainUpdateHandler",
    "apply_update",
    "compute_record_id",
    "freeze_client",
]

POLICY_NAME = "xchain"
MAX_UPDATES = 8
MAX_CHANGES = 64
MAX_CONSENSUS_STATES = 1000
MAX_PURPOSE_CHARS = 200
RECORD_DOMAIN = b"wuyi/xchain/recognition\x00"
_CONTRACT = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
_FieldSpec = dict[str, tuple[type, bool]]


# -- shared steps -------------------------------------------------------------------------------


def _updates(raw: Any, where: str) -> list[ClientUpdate]:
    if type(raw) is not list or not 1 <= len(raw) <= MAX_UPDATES:
        raise ValidationError(f"{where} must be a list of 1 to {MAX_UPDATES} updates", field=where)
    out = [ClientUpdate.from_obj(u, f"{where}[{i}]") for i, u in enumerate(raw)]
    for u in out:
        for vs in (u.validators, u.trusted_validators):
            check_validator_count(vs, where)
    return out


def _latest(ctx: ExecContext, client: ClientState) -> ConsensusState | None:
    return store.get_consensus(ctx.state, client.chain_id, client.latest_height)


def freeze_client(
    ctx: ExecContext, client: ClientState, kind: str, evidence: dict[str, Any]
) -> ClientState:
    """Freeze ``client`` (ICS-02 ``updateStateOnMisbehaviour``) and record the evidence."""
    n = len(list(ctx.state.iter_prefix(store.MISB_PREFIX + client.chain_id.encode() + b"/")))
    record = {
        "kind": kind,
        **evidence,
        "submitter": ctx.sender_address,
        "height": ctx.height,
        "time": ctx.time,
        "tx_hash": ctx.tx_hash,
    }
    ctx.state.set_obj(store.misbehaviour_key(client.chain_id, n), record)
    frozen = client.with_(
        status="frozen",
        frozen={"height": evidence.get("at", 0), "kind": kind, "since_height": ctx.height},
        updated_height=ctx.height,
    )
    store.put_client(ctx.state, frozen)
    ctx.emit("xchain.frozen", client=client.chain_id, kind=kind, at=evidence.get("at", 0))
    return frozen


def _store_consensus(ctx: ExecContext, client: ClientState, cs: ConsensusState) -> ClientState:
    store.put_consensus(ctx.state, client.chain_id, cs)
    count = client.consensus_count + 1
    if count > MAX_CONSENSUS_STATES:  # drop the oldest (never the latest)
        for old in store.iter_consensus(ctx.state, client.chain_id):
            if old.height != max(client.latest_height, cs.height):
                ctx.state.delete(store.consensus_key(client.chain_id, old.height))
                count -= 1
                break
    return client.with_(
        consensus_count=count,
        latest_height=max(client.latest_height, cs.height),
        updated_height=ctx.height,
    )


def apply_update(
    ctx: ExecContext, client: ClientState, update: ClientUpdate
) -> tuple[ClientState, str]:
    """Verify and store one update: ``(client, "updated" | "known" | "frozen")``. Raises
    :class:`HeaderRefused` (nothing written) if the header is not A's by the rules."""
    require_active(client, _latest(ctx, client), ctx.time)
    trusted = store.get_consensus(ctx.state, client.chain_id, update.trusted_height)
    if trusted is None:
        raise HeaderRefused(
            f"no trusted header of '{client.chain_id}' at height {update.trusted_height}"
            f" (the latest is {client.latest_height})",
            rule="height",
        )
    cs = verify_update(client, trusted, update, ctx.time)
    cs = replace(cs, stored_height=ctx.height, stored_time=ctx.time)
    existing = store.get_consensus(ctx.state, client.chain_id, cs.height)
    if existing is not None:
        if existing.block_hash == cs.block_hash:
            return client, "known"
        frozen = freeze_client(
            ctx,
            client,
            "equivocation",
            {"at": cs.height, "block_hashes": [existing.block_hash, cs.block_hash]},
        )
        return frozen, "frozen"
    if cs.height < client.latest_height:
        lower, higher = store.neighbours(ctx.state, client.chain_id, cs.height)
    else:
        lower, higher = _latest(ctx, client), None
    if conflicts_with_neighbours(cs, lower, higher):
        frozen = freeze_client(
            ctx,
            client,
            "time",
            {
                "at": cs.height,
                "time": cs.time,
                "neighbours": [[n.height, n.time] for n in (lower, higher) if n is not None],
            },
        )
        return frozen, "frozen"
    client = _store_consensus(ctx, client, cs)
    store.put_client(ctx.state, client)
    ctx.emit(
        "xchain.updated",
        client=client.chain_id,
        height=cs.height,
        time=cs.time,
        trusted_height=update.trusted_height,
    )
    return client, "updated"


def compute_record_id(
    chain: ChainSpec, client: str, height: int, key: bytes, consumer: str, purpose: str
) -> bytes:
    """A recognition record's id: the same fact at the same height for the same consumer and
    purpose is recognised once."""
    return chain.suite.hash(RECORD_DOMAIN + encode([client, height, key, consumer, purpose]))[:16]


# -- kinds --------------------------------------------------------------------------------------


class XchainUpdateHandler(Handler):
    kind = "xchain.update"
    fields: ClassVar[_FieldSpec] = {"client": (str, True), "updates": (list, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_chain_id(payload["client"], "client")
        _updates(payload["updates"], "updates")

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        client = store.load_client(ctx.state, p["client"])
        for update in _updates(p["updates"], "updates"):
            client, outcome = apply_update(ctx, client, update)
            if outcome == "frozen":
                return  # the freeze is the result; later updates would be refused


class XchainMisbehaviourHandler(Handler):
    kind = "xchain.misbehaviour"
    fields: ClassVar[_FieldSpec] = {"client": (str, True), "evidence": (dict, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_chain_id(payload["client"], "client")
        Misbehaviour.from_obj(payload["evidence"])

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        client = store.load_client(ctx.state, p["client"])
        if client.status != "active":
            raise TxFailed(f"the client of '{client.chain_id}' is already {client.status}")
        ev = Misbehaviour.from_obj(p["evidence"])
        trusted = []
        for u in (ev.first, ev.second):
            cs = store.get_consensus(ctx.state, client.chain_id, u.trusted_height)
            if cs is None:
                raise HeaderRefused(
                    f"misbehaviour: no trusted header at height {u.trusted_height}", rule="height"
                )
            trusted.append(cs)
        kind = check_misbehaviour(client, trusted[0], trusted[1], ev, ctx.time)
        suite = client.source_suite
        freeze_client(
            ctx,
            client,
            kind,
            {
                "at": min(ev.first.header.height, ev.second.header.height),
                "block_hashes": [
                    ev.first.header.compute_hash(suite),
                    ev.second.header.compute_hash(suite),
                ],
                "heights": [ev.first.header.height, ev.second.header.height],
            },
        )


class XchainRecogniseHandler(Handler):
    kind = "xchain.recognise"
    fields: ClassVar[_FieldSpec] = {
        "client": (str, True),
        "height": (int, True),
        "fact": (str, True),
        "key": (bytes, True),
        "proof": (dict, True),
        "consumer": (str, True),
        "purpose": (str, True),
        "updates": (list, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        if "value" not in payload:
            raise ValidationError(
                "xchain.recognise: payload field 'value' is missing (bytes, or null for an"
                " absence)",
                field="value",
            )
        rest = {k: v for k, v in payload.items() if k != "value"}
        validate_fields(rest, self.fields, self.kind)
        validate_chain_id(payload["client"], "client")
        value = payload["value"]
        if value is not None and type(value) is not bytes:
            raise ValidationError("xchain.recognise: value must be bytes or null", field="value")
        if payload["height"] < 1:
            raise ValidationError("xchain.recognise: height must be >= 1", field="height")
        if not 0 < len(payload["key"]) <= 1024:
            raise ValidationError("xchain.recognise: key must be 1-1024 bytes", field="key")
        consumer = payload["consumer"]
        if consumer and not _CONTRACT.match(consumer):
            raise ValidationError(
                "xchain.recognise: consumer is a contract name of this chain or ''",
                field="consumer",
            )
        if not 0 < len(payload["purpose"]) <= MAX_PURPOSE_CHARS:
            raise ValidationError(
                f"xchain.recognise: purpose must be 1-{MAX_PURPOSE_CHARS} characters",
                field="purpose",
            )
        try:
            if value is None:
                NonMembershipProof.from_obj(payload["proof"])
            else:
                MembershipProof.from_obj(payload["proof"])
        except ProofInvalid as exc:
            raise ProofInvalid(f"xchain.recognise: {exc.message}", field="proof") from None
        if "updates" in payload:
            _updates(payload["updates"], "updates")

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        client = store.load_client(ctx.state, p["client"])
        for update in _updates(p["updates"], "updates") if "updates" in p else []:
            client, outcome = apply_update(ctx, client, update)
            if outcome == "frozen":
                raise CrossChainRefused(
                    f"an update conflicts with a stored header of '{client.chain_id}': send it"
                    " as xchain.update (or xchain.misbehaviour) to freeze the client"
                )
        require_active(client, _latest(ctx, client), ctx.time)
        height: int = p["height"]
        cs = store.get_consensus(ctx.state, client.chain_id, height)
        if cs is None:
            raise CrossChainRefused(
                f"no verified header of '{client.chain_id}' at height {height}: relay it first"
                " (xchain.update, or 'updates' in this transaction)",
                client=client.chain_id,
            )
        key: bytes = p["key"]
        value: bytes | None = p["value"]
        validate_fact(client, p["fact"], key, cs, ctx.time)
        spec = client.proof_spec
        if value is None:
            verify_non_membership(spec, cs.state_root, key, NonMembershipProof.from_obj(p["proof"]))
        else:
            verify_membership(spec, cs.state_root, key, value, MembershipProof.from_obj(p["proof"]))
        consumer: str = p["consumer"]
        if consumer and ctx.state.get(meta_key(consumer)) is None:
            raise CrossChainRefused(f"consumer '{consumer}' is not a contract of this chain")
        rid = compute_record_id(ctx.chain, client.chain_id, height, key, consumer, p["purpose"])
        if ctx.state.get(store.record_key(rid)) is not None:
            raise CrossChainRefused(
                f"this fact is already recognised for '{consumer}' and this purpose"
                f" (record {rid.hex()})",
                record=rid.hex(),
            )
        member = ctx.get_member() or {}
        record = {
            "id": rid,
            "client": client.chain_id,
            "height": height,
            "source_time": cs.time,
            "state_root": cs.state_root,
            "fact": p["fact"],
            "key": key,
            "present": value is not None,
            "value_hash": None if value is None else client.source_suite.hash(value),
            "consumer": consumer,
            "purpose": p["purpose"],
            "relayer": ctx.sender_address,
            "relayer_org": member.get("org", ""),
            "recognised_height": ctx.height,
            "recognised_time": ctx.time,
            "tx_hash": ctx.tx_hash,
        }
        ctx.state.set_obj(store.record_key(rid), record)
        ctx.state.set(store.record_index_key(client.chain_id, ctx.height, rid), rid)
        day = store.day_key(client.chain_id, ctx.time)
        ctx.state.set_obj(day, (ctx.state.get_obj(day) or 0) + 1)
        store.put_client(ctx.state, client.with_(recognitions=client.recognitions + 1))
        ctx.emit(
            "xchain.recognised",
            id=rid,
            client=client.chain_id,
            height=height,
            fact=p["fact"],
            present=value is not None,
            consumer=consumer,
        )


XCHAIN_HANDLERS: tuple[Handler, ...] = (
    XchainUpdateHandler(),
    XchainMisbehaviourHandler(),
    XchainRecogniseHandler(),
)


def _register() -> None:
    from wuyi.ledger.handlers import HANDLERS

    for h in XCHAIN_HANDLERS:
        HANDLERS.setdefault(h.kind, h)


_register()

# the governance actions, the effects tier's kinds and the chain registry (they build on the above)
import wuyi.crosschain.actions  # noqa: E402
import wuyi.crosschain.packets  # noqa: E402
import wuyi.crosschain.registry  # noqa: E402, F401
