"""Equivocation seen by a validator, submitted to the chain; evidence records read back.

When the replica sees a validator sign two conflicting votes (or proposals) at one point it
emits ``ReportEvidence``. :class:`EvidenceReporter` (driven by ``ValidatorRunner``) turns it
into a ``consensus.evidence`` transaction (``wuyi.ledger.handlers.misbehaviour``) signed by this
validator's key and submits it to its own mempool, from where it is gossiped like any
transaction. Every validator sees the same double sign, so each waits its turn before
submitting — ``rank × SUBMIT_STAGGER_S``, its rank for this offence being its distance from
the validator the offence id picks — and submits only if the offence is not recorded yet:
usually one transaction per offence reaches the chain, and any later copy is refused by the
chain as already recorded. The reporter counts what it saw (``observed``, the metric
``wuyi_consensus_equivocations_observed_total``) and logs ``evidence`` and ``evidence_submitted``.

:func:`list_evidence`, :func:`list_offenders` and :func:`evidence_bundle` read the records
(``GET /v1/consensus/evidence``); the bundle is a ``wuyi-proof-bundle/2`` like a document's
(``wuyi verify`` checks it offline).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.consensus import Block as CBlock
from wuyi.consensus import Proposal, ReportEvidence, Vote
from wuyi.consensus.evidence import (
    Equivocation,
    SignedMessage,
    compute_offence_id,
    equivocation_from_messages,
    validate_equivocation,
)
from wuyi.encoding import decode
from wuyi.exceptions import NotFound, ValidationError, WuyiError
from wuyi.ledger import keys
from wuyi.ledger.handlers.misbehaviour import EVIDENCE_KIND
from wuyi.ledger.types import Transaction
from wuyi.node.node import Node

__all__ = [
    "SUBMIT_STAGGER_S",
    "EvidenceReporter",
    "evidence_bundle",
    "get_evidence",
    "list_evidence",
    "list_offenders",
]

log = logging.getLogger("wuyi.validator")

SUBMIT_STAGGER_S = 3.0
"""Seconds between the turns of the validators submitting one piece of evidence."""
EXPIRY_WINDOW = 100
_SEEN_MAX = 4096


class EvidenceReporter:
    """Builds, counts and submits evidence of the double signs this validator's replica saw."""

    def __init__(
        self,
        node: Node,
        key: PrivateKey,
        hash_block: Callable[[CBlock], bytes],
        emit: Callable[..., None],
    ) -> None:
        self.node = node
        self.key = key
        self.hash_block = hash_block
        self.emit = emit
        self.observed = 0
        """Distinct offences this node saw since it started."""
        self.submitted = 0
        self._seen: OrderedDict[bytes, None] = OrderedDict()

    def build(self, report: ReportEvidence) -> Equivocation | None:
        """The evidence in a report (``None`` if it is not an equivocation the chain would
        take: the replica reports only checked signatures, so this is a safeguard)."""
        msgs = []
        for m in (report.first, report.second):
            if isinstance(m, Vote):
                msgs.append(SignedMessage.from_message(m))
            elif isinstance(m, Proposal):
                msgs.append(SignedMessage.from_message(m, self.hash_block(m.block)))
            else:
                return None
        chain_id = self.node.chain.chain_id
        ev = equivocation_from_messages(chain_id, msgs[0], msgs[1])
        try:
            validate_equivocation(self.node.suite, chain_id, ev)
        except ValidationError as exc:
            log.warning("ignoring a report that is no equivocation: %s", exc.message)
            return None
        return ev

    def report(self, report: ReportEvidence, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the consensus loop for each ``ReportEvidence``."""
        ev = self.build(report)
        if ev is None:
            return
        oid = compute_offence_id(self.node.suite, self.node.chain.chain_id, ev)
        if oid in self._seen:
            return
        self._seen[oid] = None
        while len(self._seen) > _SEEN_MAX:
            self._seen.popitem(last=False)
        self.observed += 1
        vs = self.node.validators()
        idx = vs.index_of(ev.offender)
        me = vs.index_of(self.key.public_key)
        self.emit(
            "evidence",
            id=oid.hex(),
            offender=ev.offender.hex(),
            offender_name=vs.validators[idx].name if idx is not None else "",
            step=ev.step,
            height=ev.height,
            round=ev.round,
        )
        if me is None:
            return  # not a validator of the current set: the chain would refuse it from us
        rank = (me - int.from_bytes(oid[:8], "big")) % len(vs)
        loop.call_later(
            rank * SUBMIT_STAGGER_S,
            lambda: loop.run_in_executor(None, self._submit_in_turn, ev, oid),
        )

    def _submit_in_turn(self, ev: Equivocation, oid: bytes) -> None:
        try:
            self.submit(ev, oid)
        except Exception:  # the node is stopping (store closed): nothing to submit to
            log.warning("evidence %s not submitted", oid.hex()[:16], exc_info=True)

    def submit(self, ev: Equivocation, oid: bytes) -> bytes | None:
        """Submit ``ev`` unless the chain already recorded this offence; the tx hash."""
        node = self.node
        if node.store.get(keys.misbehaviour_key(oid)) is not None:
            return None
        window = min(EXPIRY_WINDOW, node.params.max_expiry_window)
        tx = Transaction(
            node.chain.chain_id,
            self.key.public_key,
            int.from_bytes(oid[:6], "big"),
            node.height + window,
            EVIDENCE_KIND,
            ev.to_obj(),
        ).signed(self.key)
        (res,) = node.submit_many([tx.to_bytes()], "client")
        if isinstance(res, WuyiError):
            self.emit("evidence_submitted", id=oid.hex(), error=f"{res.code}: {res.message}")
            return None
        self.submitted += 1
        self.emit("evidence_submitted", id=oid.hex(), tx_hash=res.hex())
        return res


# -- reading the records --------------------------------------------------------------------------


def list_evidence(node: Node) -> list[dict[str, Any]]:
    """Every evidence record, the most recently recorded first."""
    with node.store.snapshot() as v:
        recs = [decode(raw) for _, raw in v.iter_prefix(keys.MISBEHAVIOUR_PREFIX)]
    recs.sort(key=lambda r: (r["recorded_height"], r["height"], r["round"]), reverse=True)
    return recs


def list_offenders(node: Node) -> list[dict[str, Any]]:
    """Per offending validator: its key, name, evidence count, heights and proposal."""
    with node.store.snapshot() as v:
        return [decode(raw) for _, raw in v.iter_prefix(keys.OFFENDER_PREFIX)]


def get_evidence(node: Node, oid: bytes) -> dict[str, Any]:
    raw = node.store.get(keys.misbehaviour_key(oid))
    if raw is None:
        raise NotFound(f"no evidence record {oid.hex()}")
    rec: dict[str, Any] = decode(raw)
    return rec


def evidence_bundle(node: Node, oid: bytes) -> dict[str, Any]:
    """A ``wuyi-proof-bundle/2`` for evidence record ``oid``: the transaction that recorded it
    (in its block, with its receipt) and the record in the state of the last block, certified
    from the chain's genesis. ``wuyi verify`` checks it with no node, and re-checks the two
    conflicting signatures."""
    get_evidence(node, oid)
    return node.proof_bundle(keys.misbehaviour_key(oid))
