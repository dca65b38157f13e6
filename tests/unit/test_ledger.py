"""The block transition: handlers, admission, reverts, and block validation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

import pytest

from wuyi.encoding import decode, encode
from wuyi.exceptions import BlockInvalid, TxFailed, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.execute import apply_block
from wuyi.ledger.handlers import HANDLERS, ExecContext, Handler
from wuyi.ledger.types import Block, Transaction
from wuyi.params import ChainParams
from wuyi.testing.factories import LedgerHarness

DOC = bytes(range(32))


@pytest.fixture(params=["intl", "sm"])
def chain(request: pytest.FixtureRequest) -> LedgerHarness:
    h = LedgerHarness(suite_name=request.param)
    h.add_member("zjj", "zjj", "clerk", ["client"])
    return h


def snapshot(h: LedgerHarness) -> tuple[bytes, dict[bytes, bytes]]:
    return h.head.state_root, dict(h.state.data)


def test_genesis_is_deterministic() -> None:
    a, b = LedgerHarness(), LedgerHarness()
    assert a.blocks[0].compute_hash(a.suite) == b.blocks[0].compute_hash(b.suite)
    assert a.blocks[0].header.height == 0 and a.blocks[0].header.tx_count == 0
    assert LedgerHarness(seed=2).blocks[0].compute_hash(a.suite) != a.blocks[0].compute_hash(
        a.suite
    )


def test_anchor_records_document(chain: LedgerHarness) -> None:
    block, res = chain.run(
        [chain.tx("clerk", "evidence.anchor", {"doc_hash": DOC, "meta": {"title": "网签合同"}})]
    )
    r = res.receipts[0]
    assert r.ok and r.events[0].type == "evidence.anchored"
    rec = decode(chain.state.get(keys.evidence_key(DOC)))  # type: ignore[arg-type]
    assert rec["org"] == "zjj" and rec["height"] == block.height == 2
    assert rec["tx_hash"] == res.tx_hashes[0] and rec["status"] == "active"
    assert rec["submitter"] == chain.address("clerk")
    assert rec["meta"] == {"title": "网签合同"}


def test_duplicate_anchor_fails_with_receipt_and_no_change(chain: LedgerHarness) -> None:
    chain.run([chain.tx("clerk", "evidence.anchor", {"doc_hash": DOC})])
    before = dict(chain.state.data)
    _, res = chain.run([chain.tx("clerk", "evidence.anchor", {"doc_hash": DOC})])
    assert res.receipts[0].status == "tx_failed"
    assert "already anchored at height 2" in res.receipts[0].error
    assert chain.state.data == before


def test_unregistered_sender_is_refused_before_execution(chain: LedgerHarness) -> None:
    """A stranger's transaction is not executed at all (it used to commit as a failed receipt,
    its payload on chain for ever: issue #16 item 4)."""
    chain.new_key("stranger")
    before = dict(chain.state.data)
    block, res = chain.run([chain.tx("stranger", "evidence.anchor", {"doc_hash": DOC})])
    assert block.txs == () and res.receipts == []
    assert res.rejected[0][1].code == "not_member"
    assert chain.state.data == before


def test_suspended_member_cannot_anchor_and_revoked_cannot_return(chain: LedgerHarness) -> None:
    addr = chain.address("clerk")
    _, res = chain.run(
        [chain.tx("zjj", "member.set_status", {"address": addr, "status": "suspended"})]
    )
    assert res.receipts[0].ok
    _, res = chain.run([chain.tx("clerk", "evidence.anchor", {"doc_hash": DOC})])
    assert res.receipts == [] and res.rejected[0][1].code == "member_suspended"
    chain.run([chain.tx("zjj", "member.set_status", {"address": addr, "status": "revoked"})])
    _, res = chain.run(
        [chain.tx("zjj", "member.set_status", {"address": addr, "status": "active"})]
    )
    assert res.receipts[0].status == "tx_failed"


def test_only_own_org_admin_manages_members(chain: LedgerHarness) -> None:
    key = chain.new_key("x")
    _, res = chain.run(
        [
            chain.tx(
                "operator",
                "member.add",
                {"org": "zjj", "public_key": key.public_key, "roles": ["client"]},
            )
        ]
    )
    assert res.receipts[0].status == "unauthorized"
    assert "only an admin of 'zjj'" in res.receipts[0].error


def test_org_create_needs_operator(chain: LedgerHarness) -> None:
    _, res = chain.run([chain.tx("zjj", "org.create", {"id": "gaj", "name": "江门市公安局"})])
    assert res.receipts[0].status == "unauthorized"
    _, res = chain.run([chain.tx("operator", "org.create", {"id": "gaj", "name": "江门市公安局"})])
    assert res.receipts[0].ok
    assert decode(chain.state.get(keys.org_key("gaj")))["name"] == "江门市公安局"  # type: ignore[arg-type]


def test_revoke_evidence_only_by_anchoring_org(chain: LedgerHarness) -> None:
    chain.run([chain.tx("clerk", "evidence.anchor", {"doc_hash": DOC})])
    _, res = chain.run([chain.tx("operator", "evidence.revoke", {"doc_hash": DOC, "reason": "x"})])
    assert res.receipts[0].status == "unauthorized"
    _, res = chain.run(
        [chain.tx("zjj", "evidence.revoke", {"doc_hash": DOC, "reason": "合同撤销"})]
    )
    assert res.receipts[0].ok
    rec = decode(chain.state.get(keys.evidence_key(DOC)))  # type: ignore[arg-type]
    assert rec["status"] == "revoked" and rec["revoked_reason"] == "合同撤销"


def test_chain_params_change_and_bad_param_refused(chain: LedgerHarness) -> None:
    _, res = chain.run(
        [chain.tx("operator", "chain.set_params", {"params": {"max_meta_bytes": 64}})]
    )
    assert res.receipts[0].ok
    big_meta = {"title": "x" * 100}
    _, res = chain.run([chain.tx("clerk", "evidence.anchor", {"doc_hash": DOC, "meta": big_meta})])
    assert not res.tx_hashes and "larger than 64 bytes" in res.rejected[0][1].message
    _, res = chain.run([chain.tx("operator", "chain.set_params", {"params": {"nope": 1}})])
    assert "unknown chain parameters" in res.rejected[0][1].message


class _WriteThenFail(Handler):
    kind = "test.write_then_fail"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {}

    def authorize(self, ctx: ExecContext) -> None:
        pass

    def apply(self, ctx: ExecContext) -> None:
        ctx.state.set(b"test/a", b"1")
        ctx.state.delete(keys.org_key("zjj"))
        ctx.emit("test.should_not_appear")
        raise TxFailed("failing after writes")


def test_failing_transaction_reverts_all_its_writes(chain: LedgerHarness) -> None:
    HANDLERS[_WriteThenFail.kind] = _WriteThenFail()
    try:
        before = dict(chain.state.data)
        ok_tx = chain.tx("clerk", "evidence.anchor", {"doc_hash": DOC})
        _, res = chain.run([chain.tx("clerk", _WriteThenFail.kind, {}), ok_tx])
    finally:
        del HANDLERS[_WriteThenFail.kind]
    bad, good = res.receipts
    assert bad.status == "tx_failed" and bad.events == () and bad.error == "failing after writes"
    assert good.ok
    assert chain.state.get(b"test/a") is None
    assert chain.state.get(keys.org_key("zjj")) == before[keys.org_key("zjj")]


# -- admission: refused at the door, and a block containing such a tx is invalid -------------


def _bad_txs(h: LedgerHarness) -> dict[str, tuple[bytes, str]]:
    good = Transaction.from_bytes(h.tx("clerk", "evidence.anchor", {"doc_hash": DOC}))
    committed = h.tx("clerk", "evidence.anchor", {"doc_hash": bytes(32)})
    h.run([committed])
    key = h.keys["clerk"]

    def signed(**changes: Any) -> bytes:
        return replace(good, signature=b"", **changes).signed(key).to_bytes()

    return {
        "malformed": (b"\xa1\x61", "bad_encoding"),
        "non_canonical": (encode(good.to_obj())[:-1] + b"\x18\x01", "bad_encoding"),
        "wrong_chain": (signed(chain_id="other-chain"), "wrong_chain"),
        "bad_signature": (replace(good, signature=bytes(64)).to_bytes(), "bad_signature"),
        "missing_signature": (replace(good, signature=b"").to_bytes(), "bad_signature"),
        "tampered_after_signing": (replace(good, nonce=good.nonce + 1).to_bytes(), "bad_signature"),
        "replay": (committed, "replay"),
        "expired": (signed(expiry=1), "expired"),
        "oversize": (signed(payload={"doc_hash": DOC, "meta": {"t": "x" * 70_000}}), "oversize"),
        "unknown_kind": (signed(kind="evidence.destroy"), "unknown_kind"),
        "bad_field": (signed(payload={"doc_hash": b"short"}), "invalid"),
        "unknown_field": (signed(payload={"doc_hash": DOC, "extra": 1}), "invalid"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "malformed",
        "non_canonical",
        "wrong_chain",
        "bad_signature",
        "missing_signature",
        "tampered_after_signing",
        "replay",
        "expired",
        "oversize",
        "unknown_kind",
        "bad_field",
        "unknown_field",
    ],
)
def test_inadmissible_transactions(case: str) -> None:
    h = LedgerHarness()
    h.add_member("zjj", "zjj", "clerk", ["client"])
    raw, code = _bad_txs(h)[case]
    before = snapshot(h)
    block, res = h.propose([raw])
    assert block.txs == () and len(res.rejected) == 1
    err = res.rejected[0][1]
    assert err.code == code, (case, err.code, err.message)
    assert err.message
    assert res.state_root == before[0]
    # A block that includes it anyway is invalid as a whole.
    forged = Block(replace(block.header, tx_count=1), (raw,))
    with pytest.raises(BlockInvalid, match="not admissible"):
        apply_block(h.chain, h.state, h.tree, h.head, forged, is_committed=h.committed.__contains__)
    assert snapshot(h) == before


def test_same_transaction_twice_in_one_block() -> None:
    h = LedgerHarness()
    raw = h.tx("zjj", "evidence.anchor", {"doc_hash": DOC})
    block, res = h.propose([raw, raw])
    assert len(block.txs) == 1 and res.rejected[0][1].code == "replay"


@pytest.mark.parametrize(
    "field",
    [
        "state_root",
        "tx_root",
        "receipts_root",
        "prev_hash",
        "height",
        "tx_count",
        "validator_set_hash",
        "next_validator_set_hash",
        "chain_id",
    ],
)
def test_tampered_header_is_invalid(field: str) -> None:
    h = LedgerHarness()
    block, _ = h.propose([h.tx("zjj", "evidence.anchor", {"doc_hash": DOC})])
    value = getattr(block.header, field)
    if isinstance(value, bytes):
        bad = bytes(32) if value != bytes(32) else b"\x01" * 32
    elif isinstance(value, int):
        bad = value + 1
    else:
        bad = value + "x"
    forged = Block(replace(block.header, **{field: bad}), block.txs)
    with pytest.raises(BlockInvalid):
        apply_block(h.chain, h.state, h.tree, h.head, forged, is_committed=h.committed.__contains__)


def test_block_limits_leave_the_rest_for_later() -> None:
    h = LedgerHarness(params=ChainParams(max_block_txs=3))
    txs = [h.tx("zjj", "evidence.anchor", {"doc_hash": bytes([i]) * 32}) for i in range(5)]
    block, res = h.propose(txs)
    assert len(block.txs) == 3 and not res.rejected


def test_time_never_goes_backwards() -> None:
    h = LedgerHarness()
    block, _ = h.propose([h.tx("zjj", "evidence.anchor", {"doc_hash": DOC})], time_step=-5000)
    assert block.header.time == h.head.time


def test_params_validation() -> None:
    with pytest.raises(ValidationError, match="max_tx_bytes"):
        ChainParams(max_tx_bytes=0)


# -- validator-set changes --------------------------------------------------------------------


def _new_set(h: LedgerHarness, names: list[str]) -> list[dict[str, Any]]:
    return [{"name": n, "public_key": h.new_key(n).public_key, "power": 1} for n in names]


def test_validator_update_takes_effect_at_the_stated_height() -> None:
    from wuyi.consensus.certificate import ValidatorSet
    from wuyi.ledger.handlers.validators import get_validators_at

    h = LedgerHarness()
    old_hash = h.head.validator_set_hash
    new = _new_set(h, ["v1", "v2", "v3", "v4"])
    new_hash = ValidatorSet.from_obj(new).compute_hash(h.suite)
    _, res = h.run(
        [h.tx("operator", "validator.update", {"validators": new, "effective_height": 4})]
    )  # committed at 1
    assert res.receipts[0].ok, res.receipts[0]
    b2, _ = h.run([])
    assert (
        b2.header.validator_set_hash == old_hash and b2.header.next_validator_set_hash == old_hash
    )
    b3, _ = h.run([])
    assert b3.header.validator_set_hash == old_hash
    assert b3.header.next_validator_set_hash == new_hash
    b4, _ = h.run([])
    assert b4.header.validator_set_hash == new_hash
    assert h.state.get(keys.PENDING_VALIDATORS) is None
    assert get_validators_at(h.state, 3).compute_hash(h.suite) == old_hash
    assert get_validators_at(h.state, 4).compute_hash(h.suite) == new_hash
    assert get_validators_at(h.state, 99).compute_hash(h.suite) == new_hash


def test_validator_update_refusals() -> None:
    h = LedgerHarness()
    new = _new_set(h, ["v1"])
    _, res = h.run([h.tx("zjj", "validator.update", {"validators": new, "effective_height": 9})])
    assert res.receipts[0].status == "unauthorized"
    _, res = h.run(
        [h.tx("operator", "validator.update", {"validators": new, "effective_height": 3})]
    )
    assert res.receipts[0].status == "tx_failed" and "too soon" in res.receipts[0].error
    _, res = h.run(
        [h.tx("operator", "validator.update", {"validators": new, "effective_height": 9})]
    )
    assert res.receipts[0].ok
    _, res = h.run(
        [h.tx("operator", "validator.update", {"validators": new, "effective_height": 10})]
    )
    assert "already pending" in res.receipts[0].error
    bad = [{"name": "x", "public_key": b"\x01" * 5, "power": 1}]
    _, res = h.run(
        [h.tx("operator", "validator.update", {"validators": bad, "effective_height": 20})]
    )
    assert res.rejected and "invalid key" in res.rejected[0][1].message


def test_a_suspension_takes_effect_for_later_transactions_of_the_same_block(
    chain: LedgerHarness,
) -> None:
    """Member and organisation records are decoded once per block and shared; a write in the
    block must still be seen by every later transaction of it: the sender rule leaves the
    suspended member's later transaction out of the block."""
    ok = chain.tx("clerk", "evidence.anchor", {"doc_hash": DOC, "meta": {}})
    suspend = chain.tx(
        "zjj", "member.set_status", {"address": chain.address("clerk"), "status": "suspended"}
    )
    late = chain.tx("clerk", "evidence.anchor", {"doc_hash": bytes(32), "meta": {}})
    block, res = chain.run([ok, suspend, late])
    assert [r.status for r in res.receipts] == ["ok", "ok"] and len(block.txs) == 2
    assert res.rejected[0][1].code == "member_suspended"
    assert "suspended" in res.rejected[0][1].message
