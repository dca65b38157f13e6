"""A court's check of a preserved piece of evidence and its whole chain of custody, from one
proof bundle and the chain's genesis hash alone (no node): what 《人民法院在线诉讼规则》
第十六条至第十八条 review — the hash and its algorithm, the trusted time, the submitter and the
platform (with its registered compliance statement), how it was captured (with the capture
device's attestation), and every custody step after it.

The bundle (``GET /v1/notary/evidence/{id}/bundle``, ``wuyi notary bundle``) is a
``wuyi-proof-bundle/2`` of several contract records (``wuyi.ledger.bundle``): the evidence's
record ``ev/<id>`` and each custody step ``custody/<id>/<seq>`` of the ``notary`` contract.
:func:`check_custody` runs :func:`~wuyi.ledger.bundle.validate_bundle` (each record written by
the transaction it names, in a block certified from genesis, still in the state), then checks
that the records are one complete chain: every step from the first (``preserved``) to the count
the evidence's record gives, each naming the evidence, its document hash and the previous
step's transaction, each hand-over received by the organisation it named. A refusal is a
:class:`~wuyi.exceptions.ProofInvalid` naming the check (``custody: ...``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wuyi.exceptions import ProofInvalid
from wuyi.ledger.bundle import BundleReport, RecordReport, validate_bundle

__all__ = ["CustodyReport", "check_custody"]

CONTRACT = "notary"


@dataclass
class CustodyReport:
    """What the court's check showed. ``steps``: ``{seq, step, org, by, time, height, tx_hash,
    detail}`` each, ``time`` the anchoring block's certified time (ms)."""

    evidence: str
    doc_hash: bytes
    algo: str
    captured_at: int
    """The platform's claim (the contract checked it is not after the block and within its
    governed lag)."""
    preserved_at: int
    """The trusted time: the block that recorded the preservation, certified from genesis."""
    method: str
    device_attestation: bytes | None
    platform: str
    statement: bytes
    statement_version: int
    submitter: str
    applicant: str | None
    custodian: str
    pending_to: str | None
    steps: list[dict[str, Any]]
    bundle: BundleReport
    checks: list[str] = field(default_factory=list)
    document: bool | None = None
    """True: the document given is the preserved one; None: none was given."""

    @property
    def pinned(self) -> bool:
        return self.bundle.pinned


def _fail(why: str) -> ProofInvalid:
    return ProofInvalid(f"custody: {why}")


def _head(report: BundleReport, contract: str) -> tuple[str, dict[str, Any]]:
    for i, r in enumerate(report.records):
        if r.kind != "contract" or r.contract != contract:
            raise _fail(f"record {i} is not a record of contract '{contract}'")
    first = report.records[0]
    if not first.key.startswith("ev/"):
        raise _fail("the first record is not a piece of evidence (ev/<id>)")
    return first.key[3:], first.meta


def _step(r: RecordReport) -> dict[str, Any]:
    m = r.meta
    by = m.get("by")
    return {
        "seq": m.get("seq"),
        "step": m.get("step"),
        "org": m.get("org"),
        "by": by if isinstance(by, str) else "",
        "time": r.anchored_time,
        "height": r.anchored_height,
        "tx_hash": r.tx_hash.hex(),
        "detail": m.get("detail") if isinstance(m.get("detail"), dict) else {},
    }


def _check_steps(eid: str, head: dict[str, Any], steps: list[RecordReport]) -> list[str]:
    """Steps 1..n, each naming the evidence, its document and the previous step's
    transaction; hand-overs received by whom they named."""
    n = head.get("steps")
    if type(n) is not int or n != len(steps):
        raise _fail(
            f"evidence {eid} has {n} custody steps; the bundle carries {len(steps)}: a step is"
            " missing or extra"
        )
    prev: RecordReport | None = None
    holder = ""
    pending: str | None = None
    for i, r in enumerate(steps, 1):
        m = r.meta
        want = f"custody/{eid}/{i:04d}"
        if r.key != want or m.get("seq") != i or m.get("evidence") != eid:
            raise _fail(f"record of step {i} is '{r.key}', not {want}")
        if m.get("doc_hash") != head.get("doc_hash"):
            raise _fail(f"step {i} names another document than evidence {eid}")
        link = "" if prev is None else prev.tx_hash.hex()
        if m.get("prev_tx") != link:
            raise _fail(f"step {i} does not follow step {i - 1} (prev_tx)")
        if prev is not None and r.anchored_height < prev.anchored_height:
            raise _fail(f"step {i} is older than step {i - 1}")
        got = m.get("detail")
        detail: dict[str, Any] = got if isinstance(got, dict) else {}
        step = m.get("step")
        if i == 1:
            if step != "preserved":
                raise _fail("the first step is not the preservation")
            holder = str(m.get("org"))
        elif step == "handed_over":
            if pending is not None or m.get("org") != holder:
                raise _fail(f"step {i}: a hand-over by '{m.get('org')}', not the holder")
            pending = str(detail.get("to"))
        elif step == "received":
            if pending is None or m.get("org") != pending or detail.get("from") != holder:
                raise _fail(f"step {i}: received by '{m.get('org')}', not whom it was handed to")
            holder, pending = pending, None
        elif step == "notarised":
            if m.get("org") != holder or pending is not None:
                raise _fail(f"step {i}: notarised by '{m.get('org')}', not the holder")
        else:
            raise _fail(f"step {i} is an unknown step '{step}'")
        prev = r
    if head.get("custodian") != holder or head.get("pending_to") != pending:
        raise _fail(f"the steps end with '{holder}' holding it; the evidence's record differs")
    assert prev is not None
    if head.get("tx_hash") != prev.tx_hash.hex():
        raise _fail("the evidence's record was not last written by its last step")
    return [
        f"custody: {n} steps, each naming evidence {eid}, its document and the step before",
        f"custody: every hand-over received by whom it named; held by '{holder}'"
        + (f", being handed to '{pending}'" if pending else ""),
    ]


def _check_preservation(eid: str, head: dict[str, Any], first: RecordReport) -> str:
    d = first.meta.get("detail")
    if not isinstance(d, dict):
        raise _fail("the preservation step carries no detail")
    for name in ("algo", "captured_at", "method", "device_attestation", "platform", "statement"):
        if d.get(name) != head.get(name):
            raise _fail(f"the preservation step and the evidence's record differ in '{name}'")
    captured = head.get("captured_at")
    if type(captured) is not int or captured > first.anchored_time:
        raise _fail("captured after the block that preserved it")
    return (
        f"custody: preserved by '{head.get('platform')}' in block {first.anchored_height} (trusted"
        f" time), captured {(first.anchored_time - captured) // 1000} s before, method"
        f" '{head.get('method')}'"
    )


def check_custody(
    bundle: dict[str, Any],
    document: bytes | None = None,
    *,
    genesis_hash: bytes | None = None,
    contract: str = CONTRACT,
) -> CustodyReport:
    """Check evidence and its whole chain of custody from ``bundle`` (canonical values) and
    ``genesis_hash`` (unpinned without it: :attr:`CustodyReport.pinned` is false); with
    ``document``, that it is the preserved one. Raises :class:`ProofInvalid` naming the
    check."""
    report = validate_bundle(bundle, document, genesis_hash=genesis_hash)
    eid, head = _head(report, contract)
    checks = list(report.checks)
    steps = report.records[1:]
    if not steps:
        raise _fail(f"the bundle carries no custody step of evidence {eid}")
    checks += _check_steps(eid, head, steps)
    checks.append(_check_preservation(eid, head, steps[0]))
    matched = None
    if document is not None:
        if 0 not in report.document_matches:
            raise _fail(f"the document is not the one preserved as {eid}")
        matched = True
        checks.append(f"custody: the document is the one preserved as {eid} ({head.get('algo')})")
    att = head.get("device_attestation")
    applicant = head.get("applicant")
    pending = head.get("pending_to")
    return CustodyReport(
        evidence=eid,
        doc_hash=head["doc_hash"],
        algo=str(head.get("algo")),
        captured_at=int(head["captured_at"]),
        preserved_at=steps[0].anchored_time,
        method=str(head.get("method")),
        device_attestation=att if isinstance(att, bytes) else None,
        platform=str(head.get("platform")),
        statement=head["statement"],
        statement_version=int(head["statement_version"]),
        submitter=str(head.get("submitter")),
        applicant=applicant if isinstance(applicant, str) else None,
        custodian=str(head.get("custodian")),
        pending_to=pending if isinstance(pending, str) else None,
        steps=[_step(r) for r in steps],
        bundle=report,
        checks=checks,
        document=matched,
    )
