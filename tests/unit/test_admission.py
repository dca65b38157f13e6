"""Who may write (issue #16 item 4): the sender rule at the door and as a block-validity rule,
and personal data refused in evidence metadata (issue #16 item 6)."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.exceptions import BlockInvalid, MemberSuspended, NotMember, PersonalData
from wuyi.ledger import execute
from wuyi.ledger.admission import DID_KINDS, validate_sender
from wuyi.ledger.execute import apply_block
from wuyi.ledger.types import Transaction
from wuyi.node.mempool import Mempool
from wuyi.testing.factories import LedgerHarness


@pytest.fixture
def h() -> LedgerHarness:
    return LedgerHarness()


def anchor(h: LedgerHarness, signer: str, meta: dict[str, Any] | None = None) -> bytes:
    doc = h.suite.hash(f"{signer}/{h._nonce}".encode())
    return h.tx(signer, "evidence.anchor", {"doc_hash": doc, "meta": meta or {}})


def test_a_new_key_is_left_out_by_the_proposer(h: LedgerHarness) -> None:
    h.new_key("stranger")
    block, res = h.propose([anchor(h, "stranger"), anchor(h, "zjj")])
    assert len(block.txs) == 1 and res.receipts[0].ok
    ((_, err),) = res.rejected
    assert isinstance(err, NotMember) and err.code == "not_member"


def test_a_block_with_a_strangers_transaction_is_invalid(
    h: LedgerHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A byzantine proposer that skips the rule cannot get honest validators to accept its
    block: apply_block finds the stranger's transaction inadmissible."""
    h.new_key("stranger")
    txs = [anchor(h, "zjj"), anchor(h, "stranger", {"title": "spam"})]
    with monkeypatch.context() as m:
        m.setattr(execute, "validate_sender", lambda *a: None)  # the byzantine proposer
        block, _ = h.propose(txs)
    assert len(block.txs) == 2
    with pytest.raises(BlockInvalid, match="transaction 1 is not admissible: the sender's key"):
        apply_block(h.chain, h.state, h.tree, h.head, block, is_committed=h.committed.__contains__)


def test_suspension_counts_from_the_transaction_that_suspends(h: LedgerHarness) -> None:
    """The rule reads the state the block's earlier transactions left: a member suspended by
    transaction 1 cannot send transaction 2 of the same block (deterministic for everyone)."""
    h.add_member("zjj", "zjj", "clerk", ["client"])
    suspend = h.tx(
        "zjj", "member.set_status", {"address": h.address("clerk"), "status": "suspended"}
    )
    block, res = h.propose([suspend, anchor(h, "clerk")])
    assert len(block.txs) == 1 and res.receipts[0].ok
    assert isinstance(res.rejected[0][1], MemberSuspended)
    h.commit(block, res)
    with pytest.raises(MemberSuspended, match="membership of 'zjj' is suspended"):
        validate_sender(h.chain, h.state, Transaction.from_bytes(anchor(h, "clerk")))


def test_a_member_of_a_suspended_organisation_is_refused(h: LedgerHarness) -> None:
    assert h.govern("org.set_status", {"id": "zjj", "status": "suspended"}).ok
    tx = Transaction.from_bytes(anchor(h, "zjj"))
    with pytest.raises(MemberSuspended, match="organisation 'zjj' is suspended"):
        validate_sender(h.chain, h.state, tx)


def test_the_mempool_refuses_at_the_door(h: LedgerHarness) -> None:
    pool = Mempool(h.chain)
    h.new_key("stranger")

    def add(raw: bytes) -> bytes:
        return pool.add(
            raw,
            params=h.params,
            state=h.state,
            next_height=h.height + 1,
            is_committed=lambda _: False,
        )

    with pytest.raises(NotMember):
        add(anchor(h, "stranger"))
    assert len(pool) == 0
    add(anchor(h, "zjj"))
    assert len(pool) == 1


def test_a_citizens_did_key_may_send_only_what_a_did_may(h: LedgerHarness) -> None:
    did = h.register_did("alice")
    other = h.register_did("bob")
    tx = Transaction.from_bytes(h.tx("alice", "did.set_services", {"did": did, "services": []}))
    validate_sender(h.chain, h.state, tx)  # its own DID
    for kind, payload in (
        ("did.set_services", {"did": other, "services": []}),
        ("evidence.anchor", {"doc_hash": bytes(32), "meta": {}}),
        ("gov.vote", {"id": 1, "choice": "yes"}),
    ):
        with pytest.raises(NotMember):
            validate_sender(h.chain, h.state, Transaction.from_bytes(h.tx("alice", kind, payload)))
    assert "evidence.anchor" not in DID_KINDS and "did.create" not in DID_KINDS


# -- personal data in evidence metadata (issue #16 item 6) ---------------------------------------


@pytest.mark.parametrize(
    ("meta", "pattern"),
    [
        ({"title": "陈美玲 身份证 440703199001011234"}, "id_number"),
        ({"ref": "44070319900101123X"}, "id_number"),
        ({"contact": "138-1234-5678"}, "mobile_number"),
        ({"contact": "+86 13812345678"}, "mobile_number"),
        ({"姓名": "陈美玲"}, "field_name"),
        ({"Phone_Number": "0750-1234567"}, "field_name"),
        ({"13812345678": "x"}, "mobile_number"),
    ],
)
def test_personal_data_in_evidence_meta_is_refused(
    h: LedgerHarness, meta: dict[str, str], pattern: str
) -> None:
    _, res = h.propose([anchor(h, "zjj", meta)])
    ((_, err),) = res.rejected
    assert isinstance(err, PersonalData) and err.code == "personal_data"
    assert err.detail["pattern"] == pattern and err.detail["field"].startswith("meta.")
    assert "commitment" in err.message


def test_ordinary_evidence_meta_is_fine(h: LedgerHarness) -> None:
    meta = {
        "title": "建设工程规划许可证",
        "ref": "440704202400117",  # a 15-digit permit number, no birth date inside
        "batch": "XH-CP-2024-0815",
        "order": "订单号 20241115000123",
        "quarter": "2024Q3",
        "commitment": "9f" * 32,
    }
    _, res = h.run([anchor(h, "zjj", meta)])
    assert res.receipts[0].ok and not res.rejected
