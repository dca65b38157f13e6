"""12345 热线 (scenario 14): the contract's rules in the sandbox (``ContractTester``), each
refusal naming its rule — the ticket's states and who signs each transition, deadlines of
2/10/15 working days by category on the governed holiday table, the sign-off deadline, dispatch
only along the 派单目录 and never pushing a department's matter down to a street or town,
returns reviewed by the centre (an improper return counted), reassignment, merged repeat
requests, extensions asked and approved before the deadline, the revisit and the citizen's own
rating, redo after 不满意, closing, the per-department scores in tiers, the public statistics
and the governed parameters. The scenario through a node is ``test_scenario_hotline_api.py``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest

from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.scenarios import load
from wuyi.testing.contracts import ContractHandle, ContractTester

SCENARIO = load("wuyi.scenarios.hotline")
HOUR = 3_600_000
ANN = "did:wuyi:" + "a1" * 16
BO = "did:wuyi:" + "b2" * 16
CONTENT = b"\x11" * 32
CALLER = b"\x22" * 32
NOTE = b"\x33" * 32
PHONE = "13800138000"


def at(day: str, hour: int = 10) -> int:
    """Block time (ms) of ``day`` at ``hour`` o'clock China Standard Time."""
    t = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return int(t.timestamp() * 1000)


@dataclass
class World:
    t: ContractTester
    c: ContractHandle

    def call(self, method: str, sender: str, **args: Any) -> Any:
        """A transaction in a new block, signed by identity ``sender``."""
        self.t.advance()
        return self.c.call(method, sender=sender, **args)

    def q(self, method: str, **args: Any) -> Any:
        return self.c.query(method, **args)

    def to(self, day: str, hour: int = 10) -> None:
        self.t.time = at(day, hour)

    def later(self, hours: int) -> None:
        self.t.time += hours * HOUR

    def ticket(self, tid: str) -> dict[str, Any]:
        out: dict[str, Any] = self.q("ticket", ticket_id=tid)
        return out

    def receive(self, category: str = "complaint", matter: str = "market", **kw: Any) -> str:
        args = {"channel": "phone", "category": category, "matter": matter,
                "district": "440703", "content_hash": CONTENT,
                "caller_commitment": CALLER} | kw  # fmt: skip
        return str(self.call("receive", "op", **args)["id"])

    def at_dept(self, dept: str = "scjgj", **kw: Any) -> str:
        """A received ticket dispatched to ``dept`` and signed off there."""
        tid = self.receive(**kw)
        self.call("dispatch", "op", ticket_id=tid, dept=dept)
        self.call("sign", HANDLERS[dept], ticket_id=tid)
        return tid

    def score(self, org: str, period: str = "") -> dict[str, Any]:
        return next(s for s in self.q("scores", period=period) if s["org"] == org)


HANDLERS = {"scjgj": "market", "zjj": "roads", "bsjd": "street", "rsj": "hr"}


def world(day: str = "2026-03-02") -> World:
    t = ContractTester(time=at(day))
    t.identity("op", org="rx12345", roles=["operator"])
    t.identity("admin", org="rx12345", roles=["admin"])
    t.identity("clerk", org="rx12345", roles=["handler"])  # no operator role
    t.identity("fake", org="scjgj", roles=["operator"])  # the role in another organisation
    t.identity("market", org="scjgj", roles=["handler"])
    t.identity("roads", org="zjj", roles=["handler"])
    t.identity("street", org="bsjd", roles=["handler"])
    t.identity("hr", org="rsj", roles=["handler"])
    t.identity("otheradmin", org="scjgj", roles=["admin"])
    t.identity("ann", did=ANN)
    t.identity("bo", did=BO)
    c = t.deploy("hotline", SCENARIO.source(), sender="admin", init_args=SCENARIO.init_args)
    return World(t, c)


def refused(match: str) -> Any:
    return pytest.raises(ContractRevert, match=match)


def test_a_call_is_taken_and_accepted_by_the_centre_with_hashes_only() -> None:
    w = world()
    with refused("centre rule: only members of 'rx12345'"):
        w.call("receive", "fake", channel="phone", category="help", matter="road",
               district="440703", content_hash=CONTENT, caller_commitment=CALLER)  # fmt: skip
    with pytest.raises(Unauthorized):
        w.call("receive", "clerk", channel="phone", category="help", matter="road",
               district="440703", content_hash=CONTENT, caller_commitment=CALLER)  # fmt: skip
    with refused(r"privacy rule \(个人信息保护\): the caller is on chain as a 32-byte commitment"):
        w.receive(caller_commitment=PHONE.encode())
    with refused(r"privacy rule \(个人信息保护\): the content is on chain as its 32-byte hash"):
        w.receive(content_hash="路灯坏了".encode())
    with refused("ticket rule: category is one of"):
        w.receive(category="gossip")
    with refused(r"dispatch rule \(派单目录\): 'casino' is not a matter"):
        w.receive(matter="casino")
    with refused("ticket rule: district '4407' is not a 6-digit"):
        w.receive(district="4407")
    with refused("ticket rule: channel is one of"):
        w.receive(channel="fax")
    tid = w.receive(caller=ANN)
    t = w.ticket(tid)
    assert tid == "RX000001" and t["status"] == "accepted"
    assert [s["step"] for s in t["trace"]] == ["call", "accept"]
    assert t["trace"][1]["from"] == "received" and t["trace"][1]["org"] == "rx12345"
    assert t["caller"] == ANN and t["caller_commitment"] == CALLER
    assert PHONE not in json.dumps(t, default=str)


def test_deadlines_are_2_10_15_working_days_by_category_and_governed() -> None:
    w = world("2026-03-02")  # a Monday
    dues = {cat: w.ticket(w.receive(category=cat))["due"] for cat in
            ["consult", "help", "suggest", "complaint", "report"]}  # fmt: skip
    assert dues == {"consult": "2026-03-04", "help": "2026-03-16", "suggest": "2026-03-16",
                    "complaint": "2026-03-23", "report": "2026-03-23"}  # fmt: skip
    # over the National Day holidays (2026-10-01..07 off, 10-10 a make-up working day)
    w.to("2026-09-29")
    assert w.ticket(w.receive(category="consult"))["due"] == "2026-10-08"
    assert w.ticket(w.receive(category="help"))["due"] == "2026-10-19"
    with refused("param rule: only admins of 'rx12345'"):
        w.call("set_param", "otheradmin", name="consult_days", value=3, reason="x")
    rec = w.call("set_param", "admin", name="consult_days", value=3, reason="新规定")
    assert rec["previous"] == 2
    w.to("2026-03-02")
    w.t.advance()
    assert w.ticket(w.receive(category="consult"))["due"] == "2026-03-05"
    assert w.q("param", name="complaint_days")["value"] == 15


def test_online_requests_are_lodged_by_the_citizen_and_accepted_by_the_centre() -> None:
    w = world()
    with refused("ticket rule: a citizen lodges online with their DID key"):
        w.call("lodge", "market", category="help", matter="road", district="440703",
               content_hash=CONTENT, caller_commitment=CALLER)  # fmt: skip
    t = w.call("lodge", "ann", category="help", matter="road", district="440703",
               content_hash=CONTENT, caller_commitment=CALLER)  # fmt: skip
    assert t["status"] == "received" and t["channel"] == "web" and t["due"] is None
    with refused(r"transition rule \(工单状态\): RX000001 is received; dispatch needs it accepted"):
        w.call("dispatch", "op", ticket_id=t["id"], dept="zjj")
    assert w.call("accept", "op", ticket_id=t["id"])["due"] == "2026-03-16"
    with refused("transition rule .* is accepted; accept needs it received"):
        w.call("accept", "op", ticket_id=t["id"])


def test_dispatch_only_along_the_catalogue_and_never_pushed_down() -> None:
    w = world()
    tid = w.receive(matter="road")
    with refused(r"push-down rule \(不得推诿基层\): 'road' is a functional department's matter"):
        w.call("dispatch", "op", ticket_id=tid, dept="bsjd")
    with refused(r"dispatch rule \(派单目录\): 'rsj' does not handle 'road'"):
        w.call("dispatch", "op", ticket_id=tid, dept="rsj")
    with refused("centre rule"):
        w.call("dispatch", "fake", ticket_id=tid, dept="zjj")
    t = w.call("dispatch", "op", ticket_id=tid, dept="zjj")
    assert t["status"] == "dispatched" and t["dept"] == "zjj" and t["level"] == "department"
    # a street matter goes to the street; the catalogue is governed
    street = w.receive(matter="community", category="help")
    assert w.call("dispatch", "op", ticket_id=street, dept="bsjd")["level"] == "street"
    # even when the catalogue lists a street for a department's matter, it is not pushed down
    cat = w.q("param", name="catalogue")["value"] | {"road": ["zjj", "bsjd"]}
    w.call("set_param", "admin", name="catalogue", value=cat, reason="目录调整")
    w.t.advance()
    other = w.receive(matter="road")
    with refused(r"push-down rule \(不得推诿基层\)"):
        w.call("dispatch", "op", ticket_id=other, dept="bsjd")


def test_sign_off_by_the_unit_within_the_hours_then_handle_and_reply() -> None:
    w = world()
    tid = w.receive(matter="market")
    w.call("dispatch", "op", ticket_id=tid, dept="scjgj")
    with refused("handler rule: only handlers of 'scjgj'"):
        w.call("sign", "roads", ticket_id=tid)
    with pytest.raises(Unauthorized):
        w.call("sign", "op", ticket_id=tid)
    with refused(r"transition rule .* reply needs it signed or handling"):
        w.call("reply", "market", ticket_id=tid, reply_hash=NOTE)
    w.later(30)  # past the 24 hours
    t = w.call("sign", "market", ticket_id=tid)
    assert t["status"] == "signed" and t["dispatches"][0]["signed_on_time"] is False
    with refused("ticket rule: note_hash is the 32-byte hash"):
        w.call("handle", "market", ticket_id=tid, note_hash=b"short")
    assert w.call("handle", "market", ticket_id=tid, note_hash=NOTE)["status"] == "handling"
    t = w.call("reply", "market", ticket_id=tid, reply_hash=NOTE)
    assert t["status"] == "replied" and t["reply"]["late_days"] == 0
    s = w.score("scjgj")
    assert (s["dispatched"], s["signed"], s["signed_on_time"], s["on_time"]) == (1, 1, 0, 1)
    # a late answer counts the working days past the deadline
    w.to("2026-03-02")
    late = w.at_dept(category="consult")
    w.to("2026-03-06")  # due 03-04 (Wed): Thu and Fri late
    assert w.call("reply", "market", ticket_id=late, reply_hash=NOTE)["reply"]["late_days"] == 2
    assert w.score("scjgj")["late"] == 1


def test_the_sign_off_hours_run_on_working_days_only() -> None:
    w = world()
    w.to("2026-03-06", 18)  # a Friday evening: 6 hours left that day, then Monday
    tid = w.receive()
    d = w.call("dispatch", "op", ticket_id=tid, dept="scjgj")["dispatches"][0]
    assert 0 <= d["signoff_due"] - at("2026-03-09", 18) < 60_000  # (blocks a second apart)
    w.to("2026-03-09", 17)
    assert w.call("sign", "market", ticket_id=tid)["dispatches"][0]["signed_on_time"] is True
    # over the National Day holidays: 2026-09-30 (Wed) 12:00 + 24 h = 10-08 (Thu) 12:00
    w.to("2026-09-30", 12)
    late = w.receive()
    d = w.call("dispatch", "op", ticket_id=late, dept="scjgj")["dispatches"][0]
    assert 0 <= d["signoff_due"] - at("2026-10-08", 12) < 60_000
    w.to("2026-10-08", 13)
    assert w.call("sign", "market", ticket_id=late)["dispatches"][0]["signed_on_time"] is False
    # the return window counts the same way: on the next working day it is still open
    w.to("2026-03-06", 18)
    r = w.receive()
    w.call("dispatch", "op", ticket_id=r, dept="scjgj")
    w.to("2026-03-09", 9)
    w.call("request_return", "market", ticket_id=r, reason="not_our_duty")


def test_returns_are_reviewed_by_the_centre_and_improper_ones_counted() -> None:
    w = world()
    tid = w.receive(matter="noise", category="complaint")
    w.call("dispatch", "op", ticket_id=tid, dept="bsjd")
    with refused(r"return rule \(退单\): the reason is one of"):
        w.call("request_return", "street", ticket_id=tid, reason="busy")
    t = w.call("request_return", "street", ticket_id=tid, reason="not_our_duty")
    assert t["status"] == "return_requested"
    with pytest.raises(Unauthorized):
        w.call("review_return", "street", ticket_id=tid, approve=True)
    with refused("centre rule"):
        w.call("review_return", "fake", ticket_id=tid, approve=True)
    t = w.call("review_return", "op", ticket_id=tid, approve=False)
    assert t["status"] == "dispatched" and t["dept"] == "bsjd"
    assert w.score("bsjd")["improper_returns"] == 1
    w.call("sign", "street", ticket_id=tid)
    w.call("request_return", "street", ticket_id=tid, reason="wrong_district")
    t = w.call("review_return", "op", ticket_id=tid, approve=True)
    assert t["status"] == "accepted" and t["dept"] is None
    assert t["dispatches"][0]["outcome"] == "returned" and w.score("bsjd")["returns"] == 1
    # the window: 24 hours from the dispatch
    w.call("dispatch", "op", ticket_id=tid, dept="bsjd")
    w.later(25)
    with refused(r"return rule \(退单时限\): a return is asked within 24 hours"):
        w.call("request_return", "street", ticket_id=tid, reason="not_our_duty")
    s = w.score("bsjd")
    assert s["dispatched"] == 2 and s["return_rate"] == 500 and s["return_requests"] == 2


def test_the_centre_reassigns_along_the_catalogue() -> None:
    w = world()
    tid = w.at_dept("bsjd", matter="noise")
    with refused(r"reassign rule \(改派\): state the reason"):
        w.call("reassign", "op", ticket_id=tid, dept="bsjd", reason="")
    with refused(r"reassign rule \(改派\): RX000001 is already with bsjd"):
        w.call("reassign", "op", ticket_id=tid, dept="bsjd", reason="属地")
    with refused(r"dispatch rule \(派单目录\): 'zjj' does not handle 'noise'"):
        w.call("reassign", "op", ticket_id=tid, dept="zjj", reason="属地")
    cat = w.q("param", name="catalogue")["value"] | {"noise": ["bsjd", "scjgj"]}
    w.call("set_param", "admin", name="catalogue", value=cat, reason="噪声扰民：商户经营噪声")
    t = w.call("reassign", "op", ticket_id=tid, dept="scjgj", reason="商户噪声")
    assert t["status"] == "dispatched" and t["dept"] == "scjgj"
    assert [d["outcome"] for d in t["dispatches"]] == ["reassigned", "active"]
    assert t["trace"][-1]["from_dept"] == "bsjd" and w.score("bsjd")["reassigned"] == 1


def test_repeat_requests_are_merged_into_their_master() -> None:
    w = world()
    master = w.at_dept(matter="market")
    again = w.receive(matter="market")
    other = w.receive(matter="road")
    with refused(r"merge rule \(并单\): a ticket is not its own master"):
        w.call("merge", "op", ticket_id=again, master_id=again)
    with refused(r"merge rule \(并单\): RX000003 is about 'road'"):
        w.call("merge", "op", ticket_id=other, master_id=master)
    with refused("ticket rule: no ticket 'RX000099'"):
        w.call("merge", "op", ticket_id=again, master_id="RX000099")
    t = w.call("merge", "op", ticket_id=again, master_id=master)
    assert t["status"] == "merged" and t["master"] == master
    assert w.ticket(master)["merged"] == [again] and w.score("scjgj")["repeat_rate"] == 1000
    with refused(r"transition rule .* merge needs it received or accepted"):
        w.call("merge", "op", ticket_id=master, master_id=other)


def test_extensions_are_asked_and_approved_before_the_deadline() -> None:
    w = world()
    tid = w.at_dept(category="consult")  # due 2026-03-04
    with refused(r"extension rule \(延期\): 1-10 working days"):
        w.call("request_extension", "market", ticket_id=tid, days=11, reason_hash=NOTE)
    with refused("handler rule"):
        w.call("request_extension", "roads", ticket_id=tid, days=3, reason_hash=NOTE)
    w.call("request_extension", "market", ticket_id=tid, days=3, reason_hash=NOTE)
    with refused(r"extension rule \(延期\): RX000001 has one pending"):
        w.call("request_extension", "market", ticket_id=tid, days=3, reason_hash=NOTE)
    w.to("2026-03-05")  # the deadline has passed before the centre approved
    with refused(r"extension rule \(延期\): approved before the deadline; RX000001 was due"):
        w.call("review_extension", "op", ticket_id=tid, approve=True)
    t = w.call("review_extension", "op", ticket_id=tid, approve=False)
    assert t["extension"] is None and t["due"] == "2026-03-04"
    with refused(r"extension rule \(延期\): asked before the deadline"):
        w.call("request_extension", "market", ticket_id=tid, days=3, reason_hash=NOTE)
    # in time: the deadline moves by the working days asked
    w.to("2026-03-02")
    ok = w.at_dept(category="consult")
    w.call("request_extension", "market", ticket_id=ok, days=3, reason_hash=NOTE)
    with refused("centre rule"):
        w.call("review_extension", "fake", ticket_id=ok, approve=True)
    t = w.call("review_extension", "op", ticket_id=ok, approve=True)
    assert t["due"] == "2026-03-09" and t["extensions"][0]["old_due"] == "2026-03-04"
    assert t["extensions"][0]["approved_by"] == "rx12345"
    with refused(r"extension rule \(延期\): RX000002 has had 1 of 1"):
        w.call("request_extension", "market", ticket_id=ok, days=1, reason_hash=NOTE)
    w.to("2026-03-09")
    assert w.call("reply", "market", ticket_id=ok, reply_hash=NOTE)["reply"]["late_days"] == 0
    assert w.score("scjgj")["extensions"] == 1


def test_revisit_rating_redo_and_closing() -> None:
    w = world()
    tid = w.at_dept(caller=ANN)
    with refused(r"transition rule .* a revisit needs it replied"):
        w.call("revisit", "op", ticket_id=tid, result="satisfied")
    w.call("reply", "market", ticket_id=tid, reply_hash=NOTE)
    with refused(r"revisit rule \(回访\): only the citizen of RX000001 rates it"):
        w.call("rate", "bo", ticket_id=tid, result="satisfied")
    with refused(r"revisit rule \(回访\): the result is one of"):
        w.call("rate", "ann", ticket_id=tid, result="meh")
    with refused(r"transition rule .* closing needs it revisited"):
        w.call("close", "op", ticket_id=tid)
    t = w.call("rate", "ann", ticket_id=tid, result="unsatisfied")
    assert t["status"] == "revisited" and t["revisits"][0]["by"] == "citizen"
    with refused(r"close rule \(办结\): a ticket rated 不满意 is redone or closed with a reason"):
        w.call("close", "op", ticket_id=tid)
    w.to("2026-03-04")
    t = w.call("redo", "op", ticket_id=tid)
    assert t["status"] == "dispatched" and t["dept"] == "scjgj" and t["redo"] == 1
    assert t["due"] == "2026-03-25"  # 15 working days from the redo
    w.call("sign", "market", ticket_id=tid)
    w.call("reply", "market", ticket_id=tid, reply_hash=NOTE)
    w.call("revisit", "op", ticket_id=tid, result="basic")
    with refused(r"redo rule \(重办\): RX000001 was not rated 不满意"):
        w.call("redo", "op", ticket_id=tid)
    t = w.call("close", "op", ticket_id=tid)
    assert t["status"] == "closed" and t["result"] == "basic"
    s = w.score("scjgj")
    assert (s["unsatisfied"], s["basic"], s["redo"], s["satisfaction_rate"]) == (1, 1, 1, 500)
    # redo at most max_redo times; then closed with a reason
    w.call("set_param", "admin", name="max_redo", value=0, reason="x")
    w.t.advance()
    t2 = w.at_dept()
    w.call("reply", "market", ticket_id=t2, reply_hash=NOTE)
    w.call("revisit", "op", ticket_id=t2, result="unsatisfied")
    with refused(r"redo rule \(重办\): RX000002 was redone 0 times"):
        w.call("redo", "op", ticket_id=t2)
    assert w.call("close", "op", ticket_id=t2, reason="redo_exhausted")["status"] == "closed"


def test_scores_are_computed_by_the_contract_and_shown_in_tiers() -> None:
    w = world()
    for result in ["satisfied", "satisfied", "basic", "satisfied"]:
        tid = w.at_dept()
        w.call("reply", "market", ticket_id=tid, reply_hash=NOTE)
        w.call("revisit", "op", ticket_id=tid, result=result)
    s = w.score("scjgj")
    assert s["signoff_rate"] == 1000 and s["on_time_rate"] == 1000
    assert s["satisfaction_rate"] == 1000 and s["score"] == 100 and s["tier"] == "A"
    # a late sign-off and an improper return cost points; the tier follows
    tid = w.receive(matter="road")
    w.call("dispatch", "op", ticket_id=tid, dept="zjj")
    w.call("request_return", "roads", ticket_id=tid, reason="not_our_duty")
    w.call("review_return", "op", ticket_id=tid, approve=False)
    w.later(30)
    w.call("sign", "roads", ticket_id=tid)
    w.call("reply", "roads", ticket_id=tid, reply_hash=NOTE)
    w.call("revisit", "op", ticket_id=tid, result="unsatisfied")
    z = w.score("zjj")
    # 20% x 0 (sign-off late) + 40% x 100 (on time) + 40% x 0 (unsatisfied) = 40, less 5
    assert (z["score"], z["tier"], z["improper_returns"]) == (35, "D", 1)
    w.call("set_param", "admin", name="tier_c", value=30, reason="分档调整")
    w.t.advance()
    assert w.score("zjj")["tier"] == "C"
    # a unit dispatched but not yet answering has no tier
    pending = w.receive(matter="social_security")
    w.call("dispatch", "op", ticket_id=pending, dept="rsj")
    assert w.score("rsj")["tier"] == "pending" and w.score("rsj")["score"] is None
    # by month, and the board is in the order of org ids, not a ranking
    month = w.q("scores", period="2026-03")
    assert [s["org"] for s in month] == sorted(s["org"] for s in month)
    assert w.q("scores", period="2026-04") == []
    with refused("period rule: '2026' is not a month"):
        w.q("scores", period="2026")


def test_public_statistics_are_counts_without_personal_data() -> None:
    w = world()
    a = w.at_dept(caller=ANN)
    w.call("reply", "market", ticket_id=a, reply_hash=NOTE)
    w.call("rate", "ann", ticket_id=a, result="satisfied")
    w.call("close", "op", ticket_id=a)
    w.receive(category="consult", matter="road", district="440704")
    s = w.q("statistics")
    assert s["total"] == 2 and s["status"]["closed"] == 1 and s["status"]["accepted"] == 1
    assert s["category"] == {"complaint": 1, "consult": 1}
    assert s["district"] == {"440703": 1, "440704": 1} and s["results"]["satisfied"] == 1
    assert s["on_time"] == 1 and s["month"] == {"2026-03": 2}
    text = json.dumps(s) + json.dumps(w.q("scores"))
    assert ANN not in text and CONTENT.hex() not in text and CALLER.hex() not in text
