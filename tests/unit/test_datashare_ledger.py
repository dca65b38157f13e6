"""The data-sharing handlers through real blocks (LedgerHarness): every rule of
``docs/design/identity-spec.md`` §7, and an audit built from the state alone."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.crypto import format_address
from wuyi.ledger import keys
from wuyi.ledger.handlers.datashare import (
    audit_dataset,
    audit_requester,
    format_ms,
    get_dataset,
    get_delivery,
    get_request,
    list_accesses,
    list_datasets,
    list_requests,
)
from wuyi.ledger.types import Receipt
from wuyi.testing.factories import LedgerHarness
from wuyi.vc import envelope

MINUTE = 60_000


def run(h: LedgerHarness, signer: str, kind: str, payload: dict[str, Any]) -> Receipt:
    _, res = h.run([h.tx(signer, kind, payload)])
    if not res.receipts:
        (_, exc), *_ = res.rejected
        return Receipt(b"", exc.code, exc.message)
    return res.receipts[0]


def ok(h: LedgerHarness, signer: str, kind: str, payload: dict[str, Any]) -> Receipt:
    r = run(h, signer, kind, payload)
    assert r.ok, (r.status, r.error)
    return r


def refused(
    h: LedgerHarness, signer: str, kind: str, payload: dict[str, Any], code: str, text: str
) -> None:
    before = dict(h.state.iter_prefix(b"data/"))
    r = run(h, signer, kind, payload)
    assert r.status == code, (r.status, r.error)
    assert text in r.error, r.error
    assert dict(h.state.iter_prefix(b"data/")) == before  # a refusal changes nothing


def event(r: Receipt, type_: str, attr: str) -> Any:
    return next(e.attrs[attr] for e in r.events if e.type == type_)


class World:
    """rsj (人社局) owns data; zjj (住建局) requests it; gaj (公安局) is a bystander."""

    def __init__(self, suite: str = "intl") -> None:
        self.h = h = LedgerHarness(suite_name=suite)
        for org, name in (("rsj", "江门市人力资源和社会保障局"), ("gaj", "江门市公安局")):
            key = h.new_key(f"{org}")
            r = h.govern(
                "org.admit",
                {"id": org, "name": name, "admins": [{"public_key": key.public_key}]},
            )
            assert r.ok, r
        h.add_member("rsj", "rsj", "rsj-data", ["data"])
        h.add_member("rsj", "rsj", "rsj-client", ["client"])
        h.add_member("zjj", "zjj", "zjj-clerk", ["client"])
        h.add_member("gaj", "gaj", "gaj-clerk", ["client"])
        self.enc_private, self.enc_public = envelope.generate_recipient_key(suite)

    @property
    def state(self) -> Any:
        return self.h.state

    def offer(self, dataset: str = "social-insurance", signer: str = "rsj-data") -> Receipt:
        return ok(
            self.h,
            signer,
            "data.offer",
            {
                "id": dataset,
                "title": "社保缴纳记录",
                "description": "按月的社保缴纳状态",
                "kind": "dataset",
                "fields": ["person_hash", "months_paid", "employer"],
            },
        )

    def request(self, dataset: str = "social-insurance", signer: str = "zjj-clerk") -> bytes:
        r = ok(self.h, signer, "data.request", self.request_payload(dataset))
        rid: bytes = event(r, "data.requested", "id")
        return rid

    def request_payload(self, dataset: str = "social-insurance", **kw: Any) -> dict[str, Any]:
        return {
            "dataset": dataset,
            "purpose": "住房公积金贷款资格审核",
            "fields": ["person_hash", "months_paid"],
            "until": self.h.time + 60 * MINUTE,
            "enc_key": self.enc_public,
        } | kw

    def approve(self, rid: bytes, minutes: int = 30, signer: str = "rsj") -> Receipt:
        return ok(self.h, signer, "data.approve", {"request": rid, "until": self.until(minutes)})

    def until(self, minutes: int) -> int:
        return self.h.time + minutes * MINUTE

    def deliver_payload(self, rid: bytes, data: bytes = b"months_paid=36") -> dict[str, Any]:
        suite = self.h.suite
        blob, eph, salt = envelope.seal_to(self.h.suite_name, self.enc_public, data, info=rid)
        ch = suite.hash(blob)
        return {
            "request": rid,
            "ciphertext_hash": ch,
            "size": len(blob),
            "location": f"blob:{ch.hex()}",
            "sender_key": eph,
            "commitment": envelope.commitment(suite, salt, data),
        }

    def deliver(self, rid: bytes, signer: str = "rsj-client") -> bytes:
        r = ok(self.h, signer, "data.deliver", self.deliver_payload(rid))
        did: bytes = event(r, "data.delivered", "id")
        return did

    def access(self, did: bytes, signer: str = "zjj-clerk", purpose: str = "审核") -> Receipt:
        return ok(self.h, signer, "data.access", {"delivery": did, "purpose": purpose})


@pytest.fixture
def w() -> World:
    return World()


# -- the catalogue -------------------------------------------------------------------------------


def test_offer_records_the_entry_for_the_senders_org(w: World) -> None:
    r = w.offer()
    assert event(r, "data.offered", "owner") == "rsj"
    ds = get_dataset(w.state, "social-insurance")
    assert ds["owner"] == "rsj" and ds["status"] == "offered" and ds["kind"] == "dataset"
    assert ds["offered_by"] == w.h.address("rsj-data") and ds["height"] == w.h.height
    assert ds["fields"] == ["person_hash", "months_paid", "employer"]
    assert [d["id"] for d in list_datasets(w.state, owner="rsj")] == ["social-insurance"]
    assert list_datasets(w.state, owner="zjj") == []


def test_offer_rules(w: World) -> None:
    base = {"title": "t", "description": "", "kind": "dataset", "fields": ["a"]}
    h = w.h
    refused(h, "rsj-data", "data.offer", base | {"id": "X!"}, "invalid", "must match")
    refused(h, "rsj-data", "data.offer", base | {"id": "ab"}, "invalid", "must match")
    refused(h, "rsj-data", "data.offer", base | {"id": "abc", "kind": "file"}, "invalid", "kind")
    refused(h, "rsj-data", "data.offer", base | {"id": "abc", "fields": []}, "invalid", "1-200")
    refused(
        h, "rsj-data", "data.offer", base | {"id": "abc", "fields": ["a", "a"]}, "invalid", "dup"
    )
    refused(
        h,
        "rsj-data",
        "data.offer",
        base | {"id": "abc", "kind": "interface"},
        "invalid",
        "an interface needs an endpoint",
    )
    refused(
        h, "rsj-client", "data.offer", base | {"id": "abc"}, "unauthorized", "['admin', 'data']"
    )
    w.offer("abc")
    refused(h, "zjj", "data.offer", base | {"id": "abc"}, "tx_failed", "already used")


def test_withdraw_only_by_owner_and_stops_requests(w: World) -> None:
    w.offer()
    refused(
        w.h,
        "zjj",
        "data.withdraw",
        {"id": "social-insurance"},
        "unauthorized",
        "only members of the owner organisation 'rsj' may withdraw it",
    )
    refused(w.h, "rsj-client", "data.withdraw", {"id": "social-insurance"}, "unauthorized", "roles")
    refused(w.h, "rsj", "data.withdraw", {"id": "nope"}, "tx_failed", "no dataset 'nope'")
    ok(w.h, "rsj", "data.withdraw", {"id": "social-insurance"})
    ds = get_dataset(w.state, "social-insurance")
    assert ds["status"] == "withdrawn" and ds["withdrawn_by"] == w.h.address("rsj")
    refused(w.h, "rsj", "data.withdraw", {"id": "social-insurance"}, "tx_failed", "already")
    refused(
        w.h, "zjj-clerk", "data.request", w.request_payload(), "tx_failed", "withdrawn, not offered"
    )


# -- requests and decisions ----------------------------------------------------------------------


def test_request_by_another_org(w: World) -> None:
    w.offer()
    rid = w.request()
    req = get_request(w.state, rid)
    assert req["status"] == "pending" and req["requester_org"] == "zjj"
    assert req["requester"] == w.h.address("zjj-clerk") and req["owner"] == "rsj"
    assert req["enc_key"] == w.enc_public and req["deliveries"] == [] and req["accesses"] == 0
    assert len(rid) == 16
    assert [r["id"] for r in list_requests(w.state, dataset="social-insurance")] == [rid]
    assert list_requests(w.state, requester_org="gaj") == []


def test_request_rules(w: World) -> None:
    w.offer()
    h = w.h
    refused(
        h,
        "rsj-client",
        "data.request",
        w.request_payload(),
        "unauthorized",
        "organisation 'rsj' owns dataset 'social-insurance'",
    )
    refused(h, "zjj", "data.request", w.request_payload("nope"), "tx_failed", "no dataset 'nope'")
    refused(
        h,
        "zjj",
        "data.request",
        w.request_payload(fields=["person_hash", "salary"]),
        "tx_failed",
        "does not offer the fields ['salary']",
    )
    refused(
        h,
        "zjj",
        "data.request",
        w.request_payload(until=h.time),
        "tx_failed",
        "is not after the block time",
    )
    refused(h, "zjj", "data.request", w.request_payload(enc_key=b"\x01" * 31), "invalid", "X25519")
    refused(h, "zjj", "data.request", w.request_payload(purpose=""), "invalid", "purpose")
    refused(
        h, "zjj", "data.request", w.request_payload(extra=1), "invalid", "unknown payload fields"
    )


def test_approve_by_owner_only(w: World) -> None:
    w.offer()
    rid = w.request()
    until = w.until(30)
    for signer, text in (
        ("zjj", "only members of the owner organisation 'rsj' may approve"),
        ("gaj", "only members of the owner organisation 'rsj' may approve"),
        ("rsj-client", "needs one of the roles ['admin', 'data']"),
    ):
        refused(w.h, signer, "data.approve", {"request": rid, "until": until}, "unauthorized", text)
    refused(
        w.h,
        "rsj",
        "data.approve",
        {"request": rid, "until": w.until(120)},
        "tx_failed",
        "is later than the requested until",
    )
    refused(
        w.h,
        "rsj",
        "data.approve",
        {"request": b"\x00" * 16, "until": until},
        "tx_failed",
        "no data request 0000",
    )
    r = ok(w.h, "rsj-data", "data.approve", {"request": rid, "until": until})
    assert event(r, "data.approved", "until") == until
    req = get_request(w.state, rid)
    assert req["status"] == "approved" and req["approved_until"] == until
    assert req["decided_by"] == w.h.address("rsj-data") and req["decided_height"] == w.h.height
    refused(
        w.h,
        "rsj",
        "data.approve",
        {"request": rid, "until": until},
        "tx_failed",
        "request is approved, not pending",
    )


def test_reject(w: World) -> None:
    w.offer()
    rid = w.request()
    refused(
        w.h, "zjj", "data.reject", {"request": rid, "reason": "x"}, "unauthorized", "may reject"
    )
    refused(w.h, "rsj", "data.reject", {"request": rid, "reason": ""}, "invalid", "reason")
    ok(w.h, "rsj", "data.reject", {"request": rid, "reason": "用途与数据不符"})
    req = get_request(w.state, rid)
    assert req["status"] == "rejected" and req["log"][-1]["reason"] == "用途与数据不符"
    refused(
        w.h,
        "rsj",
        "data.approve",
        {"request": rid, "until": w.until(5)},
        "tx_failed",
        "request is rejected, not pending",
    )
    refused(
        w.h, "rsj", "data.deliver", w.deliver_payload(rid), "tx_failed", "rejected, not approved"
    )


# -- delivery and access -------------------------------------------------------------------------


def test_deliver_only_while_approved_and_by_the_owner(w: World) -> None:
    w.offer()
    rid = w.request()
    refused(
        w.h,
        "rsj",
        "data.deliver",
        w.deliver_payload(rid),
        "tx_failed",
        "request is pending, not approved",
    )
    w.approve(rid)
    refused(
        w.h,
        "zjj",
        "data.deliver",
        w.deliver_payload(rid),
        "unauthorized",
        "only members of the owner organisation 'rsj' may deliver",
    )
    bad = w.deliver_payload(rid) | {"location": "blob:" + "ab" * 32}
    refused(w.h, "rsj", "data.deliver", bad, "invalid", "must name the ciphertext_hash")
    bad = w.deliver_payload(rid) | {"location": "ftp://x"}
    refused(w.h, "rsj", "data.deliver", bad, "invalid", "blob:<hex> or an http(s) URL")
    bad = w.deliver_payload(rid) | {"commitment": b"\x00" * 31}
    refused(w.h, "rsj", "data.deliver", bad, "invalid", "commitment must be 32 bytes")
    did = w.deliver(rid)
    dlv = get_delivery(w.state, did)
    assert dlv["request"] == rid and dlv["delivered_by"] == w.h.address("rsj-client")
    assert dlv["location"] == "blob:" + dlv["ciphertext_hash"].hex() and dlv["accesses"] == 0
    assert get_request(w.state, rid)["deliveries"] == [did]
    url = w.deliver_payload(rid) | {"location": "https://rsj.example.gov.cn/x/1"}
    ok(w.h, "rsj", "data.deliver", url)
    assert len(get_request(w.state, rid)["deliveries"]) == 2


def test_access_is_recorded_and_counted(w: World) -> None:
    w.offer()
    rid = w.request()
    w.approve(rid)
    did = w.deliver(rid)
    refused(
        w.h,
        "gaj-clerk",
        "data.access",
        {"delivery": did, "purpose": "x"},
        "unauthorized",
        "only members of the requesting organisation 'zjj' may access",
    )
    refused(
        w.h,
        "rsj",
        "data.access",
        {"delivery": did, "purpose": "x"},
        "unauthorized",
        "requesting organisation 'zjj'",
    )
    refused(
        w.h, "zjj", "data.access", {"delivery": b"\x01" * 16, "purpose": "x"}, "tx_failed", "no del"
    )
    r1 = w.access(did, "zjj-clerk", "贷款审核 #1")
    r2 = w.access(did, "zjj", "贷款审核 #2")
    assert event(r1, "data.accessed", "n") == 0 and event(r2, "data.accessed", "n") == 1
    accs = list_accesses(w.state, did)
    assert [(a["n"], a["by"], a["purpose"]) for a in accs] == [
        (0, w.h.address("zjj-clerk"), "贷款审核 #1"),
        (1, w.h.address("zjj"), "贷款审核 #2"),
    ]
    assert accs[0]["org"] == "zjj" and accs[1]["height"] == accs[0]["height"] + 1
    assert w.state.get(keys.data_access_key(did, 1)) is not None
    assert get_delivery(w.state, did)["accesses"] == 2
    assert get_request(w.state, rid)["accesses"] == 2


def test_revoke_stops_deliveries_and_access(w: World) -> None:
    w.offer()
    rid = w.request()
    refused(
        w.h,
        "rsj",
        "data.revoke",
        {"request": rid},
        "tx_failed",
        "request is pending, not approved; reject a pending request instead",
    )
    w.approve(rid)
    did = w.deliver(rid)
    w.access(did)
    refused(w.h, "zjj", "data.revoke", {"request": rid}, "unauthorized", "may revoke")
    ok(w.h, "rsj-data", "data.revoke", {"request": rid})
    assert get_request(w.state, rid)["status"] == "revoked"
    refused(
        w.h,
        "rsj",
        "data.deliver",
        w.deliver_payload(rid),
        "tx_failed",
        "request is revoked, not approved",
    )
    refused(
        w.h,
        "zjj-clerk",
        "data.access",
        {"delivery": did, "purpose": "again"},
        "tx_failed",
        "request is revoked, not approved",
    )
    refused(w.h, "rsj", "data.revoke", {"request": rid}, "tx_failed", "revoked, not approved")
    assert get_delivery(w.state, did)["accesses"] == 1


def test_expiry_by_block_time(w: World) -> None:
    w.offer()
    rid = w.request()
    until = w.h.time + 3500  # blocks are 1 s apart in the harness
    ok(w.h, "rsj", "data.approve", {"request": rid, "until": until})
    did = w.deliver(rid)  # block time +1 s
    w.access(did)  # +2 s
    w.h.run([])  # +3 s
    w.h.run([])  # +4 s: past until
    assert w.h.time >= until
    text = f"approval ended at {format_ms(until)}"
    refused(w.h, "rsj", "data.deliver", w.deliver_payload(rid), "tx_failed", text)
    refused(
        w.h, "zjj-clerk", "data.access", {"delivery": did, "purpose": "late"}, "tx_failed", text
    )
    assert format_ms(until).endswith("Z") and "T" in format_ms(until)


def test_withdrawn_dataset_blocks_approval_and_delivery_but_not_granted_access(w: World) -> None:
    w.offer()
    r1, r2 = w.request(), w.request()
    w.approve(r1)
    did = w.deliver(r1)
    ok(w.h, "rsj", "data.withdraw", {"id": "social-insurance"})
    refused(
        w.h,
        "rsj",
        "data.approve",
        {"request": r2, "until": w.until(5)},
        "tx_failed",
        "withdrawn, not offered",
    )
    refused(w.h, "rsj", "data.deliver", w.deliver_payload(r1), "tx_failed", "withdrawn")
    w.access(did)  # the grant stands until it ends or is revoked


# -- audit ---------------------------------------------------------------------------------------


def test_audit_reports_the_complete_trail(w: World) -> None:
    w.offer()
    w.offer("household-register", signer="rsj")
    rid = w.request()
    rej = w.request(signer="zjj")
    other = w.request("household-register", signer="gaj-clerk")
    w.approve(rid, signer="rsj-data")
    ok(w.h, "rsj", "data.reject", {"request": rej, "reason": "重复申请"})
    did = w.deliver(rid)
    w.access(did, "zjj-clerk", "贷款审核")
    w.access(did, "zjj", "复核")
    ok(w.h, "rsj", "data.revoke", {"request": rid})

    a = audit_dataset(w.state, "social-insurance")
    assert a["dataset"]["id"] == "social-insurance"
    assert [r["id"] for r in a["requests"]] == [rid, rej]
    assert a["summary"] == {"requests": 2, "approved": 1, "deliveries": 1, "accesses": 2}
    acts = [(e["action"], e["org"], e["by"]) for e in a["events"]]
    addr = lambda name: format_address(w.h.address(name))  # noqa: E731
    assert acts == [
        ("offered", "rsj", addr("rsj-data")),
        ("requested", "zjj", addr("zjj-clerk")),
        ("requested", "zjj", addr("zjj")),
        ("approved", "rsj", addr("rsj-data")),
        ("rejected", "rsj", addr("rsj")),
        ("delivered", "rsj", addr("rsj-client")),
        ("accessed", "zjj", addr("zjj-clerk")),
        ("accessed", "zjj", addr("zjj")),
        ("revoked", "rsj", addr("rsj")),
    ]
    heights = [e["height"] for e in a["events"]]
    assert heights == sorted(heights) and all(e["time"] > 0 for e in a["events"])
    ev = {e["action"]: e for e in a["events"]}
    assert ev["requested"]["purpose"] == "住房公积金贷款资格审核"
    assert ev["approved"]["until"] == get_request(w.state, rid)["approved_until"]
    assert ev["rejected"]["reason"] == "重复申请"
    dlv = get_delivery(w.state, did)
    assert ev["delivered"]["ciphertext_hash"] == dlv["ciphertext_hash"]
    assert ev["delivered"]["commitment"] == dlv["commitment"]
    assert [e["purpose"] for e in a["events"] if e["action"] == "accessed"] == ["贷款审核", "复核"]
    nested = a["requests"][0]["delivery_records"][0]
    assert nested["id"] == did and len(nested["access_log"]) == 2

    z = audit_requester(w.state, "zjj")
    assert [r["id"] for r in z["requests"]] == [rid, rej]
    assert z["summary"] == {
        "requests": 2,
        "datasets": ["social-insurance"],
        "deliveries": 1,
        "accesses": 2,
    }
    g = audit_requester(w.state, "gaj")
    assert [r["id"] for r in g["requests"]] == [other] and g["summary"]["accesses"] == 0
    assert audit_requester(w.state, "nobody")["requests"] == []


def test_sm_chain_flow_and_enc_key_check() -> None:
    w = World("sm")
    w.offer()
    refused(
        w.h,
        "zjj",
        "data.request",
        w.request_payload(enc_key=b"\x04" + b"\x01" * 64),
        "invalid",
        "SM2 public key",
    )
    rid = w.request()
    w.approve(rid)
    did = w.deliver(rid)
    w.access(did)
    dlv = get_delivery(w.state, did)
    assert len(dlv["sender_key"]) == 65
    assert audit_dataset(w.state, "social-insurance")["summary"]["accesses"] == 1


# -- consent gates -------------------------------------------------------------------------------

CONSENTS = '''
"""A subject's consents, as a scenario contract keeps them (the test's gate)."""

from wuyi.contract import call, ctx, require, state, view


@call
def grant(consent_id: str, org: str, dataset: str, until: int) -> None:
    state.set("c/" + consent_id, {"org": org, "dataset": dataset, "until": until, "live": True})


@call
def revoke(consent_id: str) -> None:
    c = state.get("c/" + consent_id)
    c["live"] = False
    state.set("c/" + consent_id, c)


@call
def touch() -> None:
    state.set("x", 1)


@view
def data_consent(request: dict) -> dict:
    c = state.get("c/" + request["purpose"].split(" ")[0])
    require(c is not None, "consent rule: the purpose names no consent")
    require(c["live"], "consent rule: the consent was revoked")
    require(c["org"] == request["requester_org"], "consent rule: another organisation's consent")
    require(c["dataset"] == request["dataset"], "consent rule: not for this dataset")
    require(request["until"] <= c["until"], "consent rule: the window outlasts the consent")
    require(ctx.time < c["until"], "consent rule: the consent has ended")
    return {"ok": True, "action": request["action"]}
'''


VOTERS = ("zjj", "rsj", "gaj")


def deploy(w: World, name: str, source: str) -> None:
    pkg = {"name": name, "version": "1.0.0", "source": source, "manifest": {}}
    assert w.h.govern("contract.deploy", {"package": pkg}, voters=VOTERS).ok


def gated_world() -> World:
    w = World()
    deploy(w, "consents", CONSENTS)
    return w


def gated_offer(w: World, gate: str = "consents") -> None:
    payload = {
        "id": "social-insurance",
        "title": "社保缴纳记录",
        "description": "",
        "kind": "dataset",
        "fields": ["person_hash", "months_paid", "employer"],
        "gate": gate,
    }
    ok(w.h, "rsj-data", "data.offer", payload)


def test_a_consent_gate_must_be_an_active_contract_with_the_view() -> None:
    w = gated_world()
    base = {"id": "x-set", "title": "t", "description": "", "kind": "dataset", "fields": ["a"]}
    refused(w.h, "rsj-data", "data.offer", base | {"gate": "Bad!"}, "invalid", "contract name")
    refused(w.h, "rsj-data", "data.offer", base | {"gate": "nope"}, "tx_failed", "no contract")
    deploy(w, "plain", CONSENTS.replace("def data_consent", "def other_view"))
    refused(w.h, "rsj-data", "data.offer", base | {"gate": "plain"}, "tx_failed", "no view 'data_")
    gated_offer(w)
    assert get_dataset(w.state, "social-insurance")["gate"] == "consents"


def test_a_gated_dataset_moves_only_under_a_live_consent() -> None:
    w = gated_world()
    gated_offer(w)
    h = w.h
    # no consent named: the request is refused with the contract's own rule
    refused(
        h,
        "zjj-clerk",
        "data.request",
        w.request_payload(purpose="C1 贷款审查"),
        "unauthorized",
        "consent gate 'consents': consent rule: the purpose names no consent",
    )
    assert h.call(
        "rsj",
        "consents",
        "grant",
        {"consent_id": "C1", "org": "zjj", "dataset": "social-insurance", "until": w.until(40)},
    ).ok
    assert h.call(
        "rsj",
        "consents",
        "grant",
        {"consent_id": "C2", "org": "gaj", "dataset": "social-insurance", "until": w.until(40)},
    ).ok
    refused(
        h,
        "zjj-clerk",
        "data.request",
        w.request_payload(purpose="C2 审查"),
        "unauthorized",
        "another organisation's consent",
    )
    refused(
        h,
        "zjj-clerk",
        "data.request",
        w.request_payload(purpose="C1 审查"),
        "unauthorized",
        "the window outlasts the consent",
    )  # asks 60 minutes
    r = ok(h, "zjj-clerk", "data.request", w.request_payload(purpose="C1 审查", until=w.until(30)))
    rid: bytes = event(r, "data.requested", "id")
    assert get_request(w.state, rid)["gate"] == "consents"
    w.approve(rid, minutes=20)
    did = w.deliver(rid)
    w.access(did)
    # the subject revokes: deliveries and accesses stop at once, the grant still approved
    assert h.call("rsj", "consents", "revoke", {"consent_id": "C1"}).ok
    refused(
        h,
        "zjj-clerk",
        "data.access",
        {"delivery": did, "purpose": "再看"},
        "unauthorized",
        "consent rule: the consent was revoked",
    )
    refused(h, "rsj-client", "data.deliver", w.deliver_payload(rid), "unauthorized", "revoked")
    assert get_request(w.state, rid)["status"] == "approved"
    # an ungated dataset is unaffected
    w.offer("plain-set")
    ok(h, "zjj-clerk", "data.request", w.request_payload("plain-set", purpose="无关"))


def test_a_gate_that_cannot_run_fails_the_step() -> None:
    w = gated_world()
    gated_offer(w)
    h = w.h
    assert h.call(
        "rsj",
        "consents",
        "grant",
        {"consent_id": "C1", "org": "zjj", "dataset": "social-insurance", "until": w.until(40)},
    ).ok
    r = ok(h, "zjj-clerk", "data.request", w.request_payload(purpose="C1", until=w.until(30)))
    rid: bytes = event(r, "data.requested", "id")
    assert h.govern("contract.freeze", {"name": "consents"}, voters=VOTERS).ok
    refused(
        h,
        "rsj",
        "data.approve",
        {"request": rid, "until": w.until(20)},
        "tx_failed",
        "consent gate: contract 'consents' is frozen, not active",
    )
