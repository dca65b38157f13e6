"""Governance through the real block transition: proposals, votes by organisation, execution of
each built-in action, the action registry, and member roles."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.consensus.certificate import ValidatorSet
from wuyi.crypto import address_of
from wuyi.encoding import decode
from wuyi.exceptions import PolicyInvalid
from wuyi.ledger import keys
from wuyi.ledger.execute import read_params
from wuyi.ledger.handlers import ExecContext
from wuyi.ledger.handlers.governance import (
    ACTIONS,
    DEFAULT_VOTING_PERIOD,
    GovAction,
    approvers_from_addresses,
    get_active_orgs,
    get_policy,
    get_proposal,
    get_proposal_status,
    register_action,
)
from wuyi.ledger.types import Receipt
from wuyi.policy import Approver, Meta
from wuyi.testing.factories import LedgerHarness

DOC = bytes(range(32))


# -- helpers ------------------------------------------------------------------------------------


def admit_args(h: LedgerHarness, org: str, admin: str) -> dict[str, Any]:
    key = h.new_key(admin)
    return {"id": org, "name": f"{org} bureau", "admins": [{"public_key": key.public_key}]}


def proposal_tx(
    h: LedgerHarness, signer: str, type_: str, args: dict[str, Any], **extra: Any
) -> bytes:
    payload = {"action": {"type": type_, "args": args}, "title": f"{type_} please", **extra}
    return h.tx(signer, "gov.propose", payload)


def one(h: LedgerHarness, tx: bytes) -> Receipt:
    _, res = h.run([tx])
    assert res.tx_hashes, res.rejected
    return res.receipts[0]


def refused(h: LedgerHarness, tx: bytes) -> str:
    """The code of the admission error that kept ``tx`` out of the block."""
    _, res = h.run([tx])
    assert not res.tx_hashes
    return res.rejected[0][1].code


def propose(h: LedgerHarness, signer: str, type_: str, args: dict[str, Any], **extra: Any) -> int:
    r = one(h, proposal_tx(h, signer, type_, args, **extra))
    assert r.ok, r
    ev = r.events[-1]
    assert ev.type == "gov.proposed"
    pid: int = ev.attrs["id"]
    return pid


def vote(h: LedgerHarness, signer: str, pid: int, choice: str = "yes") -> Receipt:
    return one(h, h.tx(signer, "gov.vote", {"id": pid, "choice": choice}))


def execute(h: LedgerHarness, signer: str, pid: int) -> Receipt:
    return one(h, h.tx(signer, "gov.execute", {"id": pid}))


def record(h: LedgerHarness, pid: int) -> dict[str, Any]:
    rec = get_proposal(h.state, pid)
    assert rec is not None
    return rec


def consortium(suite: str = "intl") -> LedgerHarness:
    """sjj (operator), zjj, gaj, mzj, one admin each (majority = 3), and ``clerk``, a client
    of zjj. The two new organisations are admitted by governance."""
    h = LedgerHarness(suite_name=suite)
    _, res = h.run(
        [
            proposal_tx(h, "operator", "org.admit", admit_args(h, "gaj", "gaj")),
            proposal_tx(h, "operator", "org.admit", admit_args(h, "mzj", "mzj")),
        ]
    )
    assert all(r.ok for r in res.receipts), res.receipts
    clerk = h.new_key("clerk")
    _, res = h.run(
        [
            h.tx("zjj", "gov.vote", {"id": 1, "choice": "yes"}),
            h.tx("zjj", "gov.execute", {"id": 1}),
            h.tx("zjj", "gov.vote", {"id": 2, "choice": "yes"}),
            h.tx("gaj", "gov.execute", {"id": 2}),  # gaj's admin exists now
            h.tx(
                "zjj",
                "member.add",
                {"org": "zjj", "public_key": clerk.public_key, "roles": ["client"]},
            ),
        ]
    )
    assert all(r.ok for r in res.receipts), res.receipts
    assert get_active_orgs(h.state) == ["gaj", "mzj", "sjj", "zjj"]
    return h


@pytest.fixture(params=["intl", "sm"])
def chain(request: pytest.FixtureRequest) -> LedgerHarness:
    return consortium(request.param)


@pytest.fixture
def gov() -> LedgerHarness:
    return consortium()


# -- proposals and votes ------------------------------------------------------------------------


def test_proposal_waits_for_a_majority_of_organisations(chain: LedgerHarness) -> None:
    h = chain
    pid = propose(h, "operator", "chain.set_params", {"params": {"max_meta_bytes": 64}})
    rec = record(h, pid)
    assert rec["status"] == "open" and rec["proposer_org"] == "sjj"
    assert rec["policy"] == {"name": "params", "expr": "MAJORITY"}
    assert rec["deadline"] == rec["created_height"] + DEFAULT_VOTING_PERIOD
    assert rec["votes"]["sjj"]["choice"] == "yes"  # the proposer's organisation

    before = dict(h.state.data)
    r = execute(h, "clerk", pid)
    assert r.status == "tx_failed"
    assert r.error == (
        f"proposal {pid} is not approved under policy 'params' (MAJORITY): needs 3 of 4"
        " organisations (majority); have 1: sjj; not yet: gaj, mzj, zjj"
    )
    assert h.state.data == before  # nothing changed, not even the proposal

    assert vote(h, "zjj", pid).events[0].attrs["approved"] is False
    assert "have 2: sjj, zjj" in execute(h, "clerk", pid).error
    assert read_params(h.state).max_meta_bytes == 4096
    r = vote(h, "gaj", pid)
    assert r.events[0].attrs == {"id": pid, "org": "gaj", "choice": "yes", "approved": True}

    r = execute(h, "clerk", pid)
    assert r.ok, r
    assert [e.type for e in r.events] == ["chain.params_changed", "gov.executed"]
    assert read_params(h.state).max_meta_bytes == 64
    rec = record(h, pid)
    assert rec["status"] == "executed" and rec["closed_height"] == h.height
    assert "is executed" in execute(h, "clerk", pid).error


def test_vote_after_deadline_is_refused(gov: LedgerHarness) -> None:
    h = gov
    pid = propose(
        h, "operator", "chain.set_params", {"params": {"max_meta_bytes": 64}}, deadline=h.height + 3
    )
    deadline = record(h, pid)["deadline"]
    assert vote(h, "zjj", pid).ok
    h.run([])
    assert h.height == deadline
    assert vote(h, "gaj", pid).status == "tx_failed"  # block deadline + 1
    r = vote(h, "mzj", pid)
    assert r.error == f"proposal {pid} closed at height {deadline}"
    assert get_proposal_status(record(h, pid), h.height) == "expired"
    assert execute(h, "clerk", pid).error == f"proposal {pid} closed at height {deadline}"


def test_deadline_bounds(gov: LedgerHarness) -> None:
    h = gov
    args = {"params": {"max_meta_bytes": 64}}
    r = one(h, proposal_tx(h, "operator", "chain.set_params", args, deadline=h.height))
    assert r.status == "tx_failed" and "is not after height" in r.error
    r = one(h, proposal_tx(h, "operator", "chain.set_params", args, deadline=h.height + 10**6))
    assert r.status == "tx_failed" and "more than 100000 heights" in r.error


def test_only_admins_propose_and_vote(gov: LedgerHarness) -> None:
    h = gov
    r = one(h, proposal_tx(h, "clerk", "chain.set_params", {"params": {"max_meta_bytes": 64}}))
    assert r.status == "unauthorized" and "needs one of the roles ['admin']" in r.error
    pid = propose(h, "operator", "chain.set_params", {"params": {"max_meta_bytes": 64}})
    r = vote(h, "clerk", pid)
    assert r.status == "unauthorized"
    h.new_key("stranger")  # no member: not executed at all
    assert refused(h, h.tx("stranger", "gov.vote", {"id": pid, "choice": "yes"})) == "not_member"
    assert list(record(h, pid)["votes"]) == ["sjj"]


def test_revotes_replace_and_are_logged(gov: LedgerHarness) -> None:
    h = gov
    pid = propose(h, "operator", "chain.set_params", {"params": {"max_meta_bytes": 64}})
    for choice in ("yes", "no", "abstain"):
        assert vote(h, "zjj", pid, choice).ok
    rec = record(h, pid)
    assert rec["votes"]["zjj"]["choice"] == "abstain"
    assert [(e["org"], e["choice"]) for e in rec["log"]] == [
        ("sjj", "yes"),
        ("zjj", "yes"),
        ("zjj", "no"),
        ("zjj", "abstain"),
    ]
    assert rec["log"][1]["voter"] == h.address("zjj")
    assert [e["height"] for e in rec["log"]] == sorted(e["height"] for e in rec["log"])


def test_rejected_when_approval_becomes_impossible(gov: LedgerHarness) -> None:
    h = gov
    pid = propose(h, "operator", "chain.set_params", {"params": {"max_meta_bytes": 64}})
    r = vote(h, "gaj", pid, "no")
    assert r.ok and record(h, pid)["status"] == "open"  # sjj, zjj, mzj could still approve
    r = vote(h, "mzj", pid, "no")
    assert [e.type for e in r.events] == ["gov.voted", "gov.rejected"]
    rec = record(h, pid)
    assert rec["status"] == "rejected" and rec["closed_height"] == h.height
    assert vote(h, "zjj", pid).error == f"proposal {pid} is rejected"


def test_cancel_only_by_the_proposer(gov: LedgerHarness) -> None:
    h = gov
    pid = propose(h, "zjj", "chain.set_params", {"params": {"max_meta_bytes": 64}})
    assert one(h, h.tx("operator", "gov.cancel", {"id": pid})).status == "unauthorized"
    r = one(h, h.tx("zjj", "gov.cancel", {"id": pid}))
    assert r.ok and record(h, pid)["status"] == "cancelled"
    assert vote(h, "gaj", pid).error == f"proposal {pid} is cancelled"
    assert one(h, h.tx("zjj", "gov.cancel", {"id": 99})).error == "no proposal 99"


def test_failing_action_reverts_and_the_proposal_stays_open(gov: LedgerHarness) -> None:
    h = gov
    pid = propose(h, "operator", "org.admit", admit_args(h, "rsj", "rsj"))
    vote(h, "zjj", pid)
    vote(h, "gaj", pid)
    # Meanwhile the same id is taken by the direct bootstrap path.
    assert one(h, h.tx("operator", "org.create", {"id": "rsj", "name": "x"})).ok
    before = dict(h.state.data)
    r = execute(h, "clerk", pid)
    assert r.status == "tx_failed" and r.error == "organisation 'rsj' already exists"
    assert h.state.data == before
    assert record(h, pid)["status"] == "open"


def test_votes_of_voters_no_longer_admin_do_not_count(gov: LedgerHarness) -> None:
    h = gov
    pid = propose(h, "operator", "chain.set_params", {"params": {"max_meta_bytes": 64}})
    vote(h, "zjj", pid)
    vote(h, "gaj", pid)
    r = one(
        h, h.tx("zjj", "member.set_status", {"address": h.address("zjj"), "status": "suspended"})
    )
    assert r.ok
    assert "have 2: gaj, sjj" in execute(h, "clerk", pid).error


# -- the built-in actions -----------------------------------------------------------------------


def approve(h: LedgerHarness, pid: int, voters: tuple[str, ...] = ("zjj", "gaj")) -> Receipt:
    for v in voters:
        assert vote(h, v, pid).ok
    return execute(h, "operator", pid)


def test_org_admit_then_its_admin_manages_members(gov: LedgerHarness) -> None:
    h = gov
    pid = propose(h, "zjj", "org.admit", admit_args(h, "rsj", "rsj-admin"))
    r = approve(h, pid, ("operator", "mzj"))
    assert r.ok, r
    org = decode(h.state.get(keys.org_key("rsj")))  # type: ignore[arg-type]
    assert org == {"id": "rsj", "name": "rsj bureau", "operator": False, "status": "active"}
    assert get_active_orgs(h.state) == ["gaj", "mzj", "rsj", "sjj", "zjj"]
    assert [a.roles for a in approvers_from_addresses(h.state, [h.address("rsj-admin")])] == [
        ("admin",)
    ]
    key = h.add_member("rsj-admin", "rsj", "rsj-clerk", ["client"])
    assert key.public_key
    r = one(h, h.tx("rsj-clerk", "evidence.anchor", {"doc_hash": DOC}))
    assert r.ok


def test_org_suspended_then_its_members_are_refused(gov: LedgerHarness) -> None:
    h = gov
    pid = propose(h, "operator", "org.set_status", {"id": "zjj", "status": "suspended"})
    r = approve(h, pid, ("gaj", "mzj"))
    assert r.ok and r.events[0].attrs == {"id": "zjj", "status": "suspended"}
    assert get_active_orgs(h.state) == ["gaj", "mzj", "sjj"]
    # refused before execution (the sender rule): nothing of theirs reaches a block
    assert refused(h, h.tx("clerk", "evidence.anchor", {"doc_hash": DOC})) == "member_suspended"
    # zjj's admin can neither vote nor propose now; majority is 2 of 3.
    pid2 = propose(h, "operator", "org.set_status", {"id": "zjj", "status": "active"})
    assert refused(h, h.tx("zjj", "gov.vote", {"id": pid2, "choice": "yes"})) == (
        "member_suspended"
    )
    assert approve(h, pid2, ("gaj",)).ok
    assert one(h, h.tx("clerk", "evidence.anchor", {"doc_hash": DOC})).ok


def test_approvers_follow_member_and_org_changes_with_the_record_cache_warm(
    gov: LedgerHarness,
) -> None:
    """approvers_from_addresses caches decoded member and organisation records by their bytes:
    a changed status or role set is new bytes, seen at once; cold and warm agree."""
    from wuyi.ledger.handlers import governance

    h = gov
    clerk = h.address("clerk")

    def roles() -> list[tuple[str, ...]]:
        return [a.roles for a in approvers_from_addresses(h.state, [clerk, clerk])]

    warm = roles()
    governance._MEMBERS.clear()
    governance._ORGS_ACTIVE.clear()
    assert roles() == warm and len(warm) == 1  # once each, cold or warm
    pid = propose(h, "operator", "org.set_status", {"id": "zjj", "status": "suspended"})
    assert approve(h, pid, ("gaj", "mzj")).ok
    assert roles() == []
    pid = propose(h, "operator", "org.set_status", {"id": "zjj", "status": "active"})
    assert approve(h, pid, ("gaj",)).ok
    assert roles() == warm
    r = one(h, h.tx("zjj", "member.set_status", {"address": clerk, "status": "suspended"}))
    assert r.ok
    assert roles() == []


def test_org_status_refusals(gov: LedgerHarness) -> None:
    h = gov
    r = one(h, proposal_tx(h, "zjj", "org.set_status", {"id": "sjj", "status": "removed"}))
    assert r.status == "tx_failed" and "operator organisation" in r.error
    r = one(h, proposal_tx(h, "zjj", "org.set_status", {"id": "gaj", "status": "active"}))
    assert r.error == "organisation 'gaj' is already active"
    r = one(h, proposal_tx(h, "zjj", "org.set_status", {"id": "nope", "status": "suspended"}))
    assert r.error == "organisation 'nope' does not exist"
    pid = propose(h, "zjj", "org.set_status", {"id": "mzj", "status": "removed"})
    assert approve(h, pid, ("gaj", "operator")).ok
    r = one(h, proposal_tx(h, "zjj", "org.set_status", {"id": "mzj", "status": "active"}))
    assert "was removed" in r.error


def test_validator_update_is_scheduled(gov: LedgerHarness) -> None:
    h = gov
    new = [{"name": "v1", "public_key": h.new_key("v1").public_key, "power": 1}]
    effective = h.height + 6
    pid = propose(
        h, "operator", "validator.update", {"validators": new, "effective_height": effective}
    )
    r = approve(h, pid)
    assert r.ok and r.events[0].type == "validator.update_scheduled"
    pending = h.state.get(keys.PENDING_VALIDATORS)
    assert pending is not None
    while h.height < effective:
        h.run([])
    assert h.head.validator_set_hash == ValidatorSet.from_obj(new).compute_hash(h.suite)
    # Too soon by execution time: the action's check runs again and refuses.
    pid = propose(
        h, "operator", "validator.update", {"validators": new, "effective_height": h.height + 3}
    )
    h.run([])
    r = approve(h, pid)
    assert r.status == "tx_failed" and "too soon" in r.error


def test_policy_set_changes_the_policy_of_new_proposals(gov: LedgerHarness) -> None:
    h = gov
    old = propose(h, "zjj", "chain.set_params", {"params": {"max_meta_bytes": 100}})
    pid = propose(h, "operator", "policy.set", {"name": "params", "expr": "any"})
    r = approve(h, pid)
    assert r.ok and r.events[0].attrs == {"name": "params", "expr": "ANY"}
    assert get_policy(h.state, "params") == Meta("ANY")
    assert get_policy(h.state, "orgs") == Meta("MAJORITY")
    # A new proposal is approved by its proposer's organisation alone...
    new = propose(h, "gaj", "chain.set_params", {"params": {"max_meta_bytes": 64}})
    assert record(h, new)["policy"] == {"name": "params", "expr": "ANY"}
    assert execute(h, "clerk", new).ok
    assert read_params(h.state).max_meta_bytes == 64
    # ...while one made before keeps the policy recorded on it.
    assert "needs 3 of 4 organisations" in execute(h, "clerk", old).error


def test_policy_set_refuses_a_policy_that_would_lock_governance(gov: LedgerHarness) -> None:
    h = gov
    r = one(
        h, proposal_tx(h, "operator", "policy.set", {"name": "policies", "expr": "'nope.admin'"})
    )
    assert r.status == "tx_failed" and "could never be satisfied" in r.error
    r = one(
        h,
        proposal_tx(
            h, "operator", "policy.set", {"name": "orgs", "expr": "AND('sjj.admin', 'sjj.admin')"}
        ),
    )
    assert "could never be satisfied" in r.error  # one vote per organisation


def test_a_later_registered_action_runs_through_governance(gov: LedgerHarness) -> None:
    class Note(GovAction):
        type = "test.note"
        policy_name = "lifecycle"

        def execute(self, ctx: ExecContext, args: dict[str, Any]) -> None:
            ctx.state.set_obj(b"test/note", args["text"])
            ctx.emit("test.noted")

    h = gov
    register_action(Note())
    try:
        with pytest.raises(ValueError, match="already registered"):
            register_action(Note())
        pid = propose(h, "operator", "test.note", {"text": "hello"})
        assert record(h, pid)["policy"]["name"] == "lifecycle"
        assert approve(h, pid).ok
        assert h.state.get(b"test/note") is not None
    finally:
        del ACTIONS["test.note"]


# -- static validation names the field ----------------------------------------------------------


def _payload(type_: str, args: Any, **extra: Any) -> dict[str, Any]:
    return {"action": {"type": type_, "args": args}, "title": "t", **extra}


BAD: dict[str, tuple[str, dict[str, Any], str]] = {
    "no_title": ("gov.propose", {"action": {"type": "org.admit", "args": {}}}, "title"),
    "empty_title": (
        "gov.propose",
        {**_payload("policy.set", {"name": "params", "expr": "ANY"}), "title": ""},
        "title",
    ),
    "extra_field": ("gov.propose", _payload("policy.set", {}, extra=1), "extra"),
    "action_shape": ("gov.propose", {"action": {"type": "policy.set"}, "title": "t"}, "action"),
    "unknown_action": ("gov.propose", _payload("chain.destroy", {}), "action.type"),
    "args_not_map": ("gov.propose", _payload("policy.set", [1]), "action.args"),
    "bad_param": (
        "gov.propose",
        _payload("chain.set_params", {"params": {"nope": 1}}),
        "action.args.params",
    ),
    "params_missing": ("gov.propose", _payload("chain.set_params", {}), "action.args.params"),
    "bad_org_id": (
        "gov.propose",
        _payload("org.admit", {"id": "X", "name": "n", "admins": []}),
        "action.args.id",
    ),
    "no_admins": (
        "gov.propose",
        _payload("org.admit", {"id": "rsj", "name": "n", "admins": []}),
        "action.args.admins",
    ),
    "bad_admin_key": (
        "gov.propose",
        _payload("org.admit", {"id": "rsj", "name": "n", "admins": [{"public_key": b"\x01" * 5}]}),
        "action.args.admins",
    ),
    "bad_status": (
        "gov.propose",
        _payload("org.set_status", {"id": "zjj", "status": "gone"}),
        "action.args.status",
    ),
    "bad_validators": (
        "gov.propose",
        _payload("validator.update", {"validators": [], "effective_height": 9}),
        "action.args.validators",
    ),
    "unknown_policy": (
        "gov.propose",
        _payload("policy.set", {"name": "nope", "expr": "ANY"}),
        "action.args.name",
    ),
    "bad_expr": (
        "gov.propose",
        _payload("policy.set", {"name": "params", "expr": "AND('aa.admin',"}),
        "action.args.expr",
    ),
    "bad_deadline": (
        "gov.propose",
        _payload("policy.set", {"name": "params", "expr": "ANY"}, deadline=0),
        "deadline",
    ),
    "bad_choice": ("gov.vote", {"id": 1, "choice": "maybe"}, "choice"),
    "bad_id": ("gov.vote", {"id": 0, "choice": "yes"}, "id"),
    "id_type": ("gov.execute", {"id": "1"}, "id"),
    "cancel_id": ("gov.cancel", {}, "id"),
    "roles_bad": ("member.set_roles", {"address": bytes(20), "roles": ["Admin"]}, "roles"),
    "roles_addr": ("member.set_roles", {"address": bytes(3), "roles": ["admin"]}, "address"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_payloads_are_refused_at_the_door(case: str) -> None:
    h = LedgerHarness()
    kind, payload, field = BAD[case]
    before = dict(h.state.data)
    block, res = h.propose([h.tx("operator", kind, payload)])
    assert block.txs == () and len(res.rejected) == 1
    err = res.rejected[0][1]
    assert err.detail.get("field") == field, (err.message, err.detail)
    assert h.state.data == before
    if case == "bad_expr":
        assert err.code == "bad_policy" and err.detail["position"] == 15
        assert "position 15" in err.message


# -- member roles -------------------------------------------------------------------------------


def test_member_set_roles_by_own_org_admin() -> None:
    h = LedgerHarness()
    h.add_member("zjj", "zjj", "clerk", ["client"])
    h.add_member("zjj", "zjj", "boss", ["admin"])
    addr = h.address("clerk")
    r = one(h, h.tx("operator", "member.set_roles", {"address": addr, "roles": ["operator"]}))
    assert r.status == "unauthorized" and "only an admin of 'zjj'" in r.error
    r = one(h, h.tx("zjj", "member.set_roles", {"address": addr, "roles": ["operator", "client"]}))
    assert r.ok and r.events[0].attrs["roles"] == ["client", "operator"]
    assert approvers_from_addresses(h.state, [addr])[0].roles == ("client", "operator")
    # An admin cannot demote themselves, but another admin may.
    r = one(h, h.tx("zjj", "member.set_roles", {"address": h.address("zjj"), "roles": ["client"]}))
    assert r.status == "tx_failed" and "cannot take the admin role from themselves" in r.error
    r = one(h, h.tx("boss", "member.set_roles", {"address": h.address("zjj"), "roles": ["client"]}))
    assert r.ok
    assert (
        one(
            h,
            h.tx(
                "zjj",
                "member.add",
                {"org": "zjj", "public_key": h.new_key("x").public_key, "roles": ["client"]},
            ),
        ).status
        == "unauthorized"
    )
    one(h, h.tx("boss", "member.set_status", {"address": addr, "status": "revoked"}))
    r = one(h, h.tx("boss", "member.set_roles", {"address": addr, "roles": ["admin"]}))
    assert r.error == "a revoked member's roles cannot change"
    r = one(h, h.tx("boss", "member.set_roles", {"address": bytes(20), "roles": ["admin"]}))
    assert r.error == "no member with this address"


# -- helpers for other modules ------------------------------------------------------------------


def test_approvers_from_addresses_and_get_policy(gov: LedgerHarness) -> None:
    h = gov
    h.new_key("stranger")
    addrs = [h.address(n) for n in ("zjj", "clerk", "stranger", "zjj", "gaj")]
    assert approvers_from_addresses(h.state, addrs) == [
        Approver(h.address("zjj"), "zjj", ("admin",)),
        Approver(h.address("clerk"), "zjj", ("client",)),
        Approver(h.address("gaj"), "gaj", ("admin",)),
    ]
    assert get_policy(h.state, "lifecycle") == Meta("MAJORITY")
    with pytest.raises(PolicyInvalid, match="no policy named 'nope'"):
        get_policy(h.state, "nope")
    clerk = address_of(h.suite, h.keys["clerk"].public_key)
    one(h, h.tx("zjj", "member.set_status", {"address": clerk, "status": "suspended"}))
    assert [a.org for a in approvers_from_addresses(h.state, addrs)] == ["zjj", "gaj"]
