"""12345 热线 (scenario 14) end to end through an in-process node: the contract deployed by
governance, the hotline centre's operator, a department's and a street's handlers, a citizen
with a wallet (their DID key), every write a signed transaction through the SDK, every read a
``/v1/hotline`` route — the ticket's steps, dispatch along the catalogue and the push-down
refusal, returns, merging, extensions, the citizen's rating, the public board and statistics
(no personal value), the tickets as signed, logged reads, the CLI and the console page."""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.scenario_refusal import refused as refused_api
from wuyi.crypto import load_key, save_key
from wuyi.exceptions import (
    ContractRevert,
    ReadForbidden,
    SignedReadRequired,
    Unauthorized,
    WuyiError,
)
from wuyi.node.home import OrgSpec
from wuyi.scenarios import get
from wuyi.scenarios.hotline.sdk import Hotline, new_salt, seal
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("rx12345", "江门市12345政务服务便民热线中心"),
    OrgSpec("scjgj", "江门市市场监督管理局"),
    OrgSpec("zjj", "江门市住房和城乡建设局"),
    OrgSpec("bsjd", "蓬江区白沙街道办事处"),
)
PHONE = "13800138000"
TEXT = "某超市缺斤短两，要求核查处理"


class ShiftedClock:
    """The node's clock, moved on for the windows and deadlines (the next block's time)."""

    def __init__(self) -> None:
        self.offset = 0

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.offset


class World:
    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env, self.tmp, self.c = env, tmp, env.client
        c = self.c
        self.clock = ShiftedClock()
        env.node.clock = self.clock
        self.admin = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        voters = [self.admin[o.id] for o in ORGS if o.id != "sjj"]
        scenario = get("hotline")
        pkg = {"name": "hotline", "version": "1.0.0", "source": scenario.source(), "manifest": {}}
        c.govern(self.admin["sjj"], voters, "contract.deploy",
                 {"package": pkg, "init_args": scenario.init_args}, title="deploy")  # fmt: skip
        c.govern(self.admin["sjj"], voters, "did.set_registrar", {"org": "sjj", "enabled": True},
                 title="registrar")  # fmt: skip
        members = {
            "op": ("rx12345", ["operator"]),
            "market": ("scjgj", ["handler"]),
            "roads": ("zjj", ["handler"]),
            "street": ("bsjd", ["handler"]),
            "clerk": ("scjgj", ["viewer"]),
            "registrar": ("sjj", ["did_registrar"]),
            "fake": ("scjgj", ["operator"]),  # the centre's role in another organisation
        }
        self.key = {n: c.suite.generate_private_key() for n in members}
        for n, (org, roles) in members.items():
            tx = c.builder(self.admin[org]).member_add(org, self.key[n].public_key, roles, n)
            assert c.submit_and_wait(tx).receipt.status == "ok"
        self.s = Hotline(c)
        self.ann = self.wallet("ann")
        self.eve = self.wallet("eve")

    def wallet(self, name: str) -> Wallet:
        w = Wallet.create(self.tmp / f"{name}.json", "pw", self.c.suite.name)
        Identity(self.c).register_did(self.key["registrar"], w.key)
        return w


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("hotline")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW) as env:
        yield World(env, tmp)


def refused(match: str) -> Any:
    return pytest.raises(ContractRevert, match=match)


def test_a_ticket_from_the_call_to_its_closing(world: World) -> None:
    s, key, ann = world.s, world.key, world.ann
    salt = new_salt()
    with refused(r"privacy rule \(个人信息保护\)"):
        s.receive(key["op"], "complaint", "market", "440703", TEXT.encode(), seal(PHONE, salt))
    with pytest.raises(Unauthorized):
        s.receive(key["market"], "complaint", "market", "440703", seal(TEXT, salt),
                  seal(PHONE, salt))  # fmt: skip
    t = s.receive(key["op"], "complaint", "market", "440703", seal(TEXT, salt),
                  seal(PHONE, salt), caller=ann.did)  # fmt: skip
    tid = t["id"]
    assert t["status"] == "accepted" and t["days"] == 15 and t["caller"] == ann.did
    with refused(r"push-down rule \(不得推诿基层\): 'market' is a functional department's"):
        s.dispatch(key["op"], tid, "bsjd")
    with refused(r"dispatch rule \(派单目录\): 'zjj' does not handle 'market'"):
        s.dispatch(key["op"], tid, "zjj")
    s.dispatch(key["op"], tid, "scjgj")
    with refused("handler rule: only handlers of 'scjgj'"):
        s.sign(key["roads"], tid)
    assert s.sign(key["market"], tid)["dispatches"][0]["signed_on_time"] is True
    s.handle(key["market"], tid, seal("现场核查", salt))
    due = s.request_extension(key["market"], tid, 5, seal("需抽检", salt))["due"]
    t = s.review_extension(key["op"], tid, approve=True)
    assert t["due"] > due and t["extensions"][0]["approved_by"] == "rx12345"
    s.reply(key["market"], tid, seal("已责令整改并处罚", salt))
    with refused(r"revisit rule \(回访\): only the citizen"):
        s.rate(world.eve, tid, "satisfied")
    assert s.rate(ann, tid, "satisfied")["revisits"][0]["by"] == "citizen"
    t = s.close(key["op"], tid)
    assert t["status"] == "closed"
    steps = [x["step"] for x in t["trace"]]
    assert steps == ["call", "accept", "dispatch", "sign", "handle", "request_extension",
                     "extension_approved", "reply", "revisit", "close"]  # fmt: skip
    assert {x["org"] for x in t["trace"][2:]} == {"rx12345", "scjgj", None}
    # the public board and statistics: counts and departments, no personal value
    board = {x["org"]: x for x in s.scores()}
    assert board["scjgj"]["tier"] == "A" and board["scjgj"]["satisfaction_rate"] == 1000
    stats = s.statistics()
    assert stats["status"]["closed"] >= 1 and stats["category"]["complaint"] >= 1
    public = json.dumps([world.c._get("/v1/hotline/scores"), stats, s.scores("2000-01")])
    for secret in (ann.did, PHONE, TEXT, seal(PHONE, salt).hex(), seal(TEXT, salt).hex()):
        assert secret not in public


def test_online_requests_returns_and_merging(world: World) -> None:
    s, key, ann = world.s, world.key, world.ann
    salt = new_salt()
    first = s.lodge(ann, "help", "community", "440703", seal("小区垃圾清运不及时", salt),
                    seal(PHONE, salt))  # fmt: skip
    again = s.lodge(ann, "help", "community", "440703", seal("垃圾仍未清运", salt),
                    seal(PHONE, salt))  # fmt: skip
    assert first["status"] == "received" and first["channel"] == "web"
    s.accept(key["op"], first["id"])
    s.dispatch(key["op"], first["id"], "bsjd")
    s.request_return(key["street"], first["id"], "wrong_district")
    t = s.review_return(key["op"], first["id"], approve=False)  # 不当退单
    assert t["status"] == "dispatched" and t["dept"] == "bsjd"
    m = s.merge(key["op"], again["id"], first["id"])
    assert m["status"] == "merged" and m["master"] == first["id"]
    board = {x["org"]: x for x in s.scores()}
    assert board["bsjd"]["improper_returns"] == 1 and board["bsjd"]["repeats"] == 1
    # the citizen follows the merged ticket through its master
    assert s.ticket(again["id"], key=ann.key)["master_status"] == "dispatched"


def test_tickets_are_signed_reads_logged(world: World) -> None:
    s, key, c, ann = world.s, world.key, world.c, world.ann
    salt = new_salt()
    t = s.receive(key["op"], "consult", "road", "440704", seal("道路维修何时完工", salt),
                  seal(PHONE, salt), caller=ann.did)  # fmt: skip
    s.dispatch(key["op"], t["id"], "zjj")
    for path in (f"/v1/hotline/tickets/{t['id']}", "/v1/hotline/tickets"):
        with pytest.raises(SignedReadRequired, match="is a personal record: sign the request"):
            c._get(path)
    assert s.ticket(t["id"], key=ann.key)["caller"] == ann.did
    assert s.ticket(t["id"], key=key["op"])["id"] == t["id"]
    assert s.ticket(t["id"], key=key["roads"])["dept"] == "zjj"
    assert t["id"] in [x["id"] for x in s.tickets(caller=ann.did, key=ann.key)]
    assert [x["id"] for x in s.tickets(dept="zjj", key=key["roads"])] == [t["id"]]
    assert t["id"] in [x["id"] for x in s.tickets(key=key["op"])]
    for reader in (world.eve.key, key["market"], key["clerk"]):
        with pytest.raises(ReadForbidden, match="may not read this record"):
            s.ticket(t["id"], key=reader)
    with pytest.raises(ReadForbidden):
        s.tickets(caller=ann.did, key=world.eve.key)
    with pytest.raises(ReadForbidden):
        s.tickets(dept="zjj", key=key["market"])
    seen = Identity(c).reads(ann.did, key=ann.key, purpose="谁看了我的工单")
    got = {(e["record"], e["basis"]) for e in seen}
    assert {
        (f"hotline/ticket/{t['id']}", "citizen"),
        (f"hotline/ticket/{t['id']}", "org:rx12345"),
        (f"hotline/ticket/{t['id']}", "org:zjj"),
    } <= got


def test_the_cli_and_the_console_page(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from wuyi.cli import app as cli_app

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: world.env.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    key_file = world.tmp / "op.key"
    save_key(key_file, world.key["op"], PW)
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    signed = ["--read-key", str(key_file), "--purpose", "热线督办"]
    salt = new_salt()
    t = world.s.receive(world.key["op"], "suggest", "road", "440703", seal("建议", salt),
                        seal(PHONE, salt))  # fmt: skip
    run = CliRunner()
    for args, expect in (
        (["hotline", "scores"], "scjgj"),
        (["hotline", "stats"], "suggest"),
        (["hotline", "tickets", "--status", "accepted", *signed], t["id"]),
        (["hotline", "ticket", t["id"], *signed], "accept"),
        (["hotline", "params"], "complaint_days"),
    ):
        out = run.invoke(cli_app, args)
        assert out.exit_code == 0 and expect in out.output, (args, out.output)
    out = run.invoke(cli_app, ["hotline", "ticket", t["id"]])
    assert out.exit_code == 1 and "signed_read_required" in out.output
    index = world.c._get("/console/scenarios/index.json")
    assert "hotline" in [x["name"] for x in index]
    for part in ("page.js", "i18n.js"):
        assert world.c._request("GET", f"/console/scenarios/hotline/{part}").status_code == 200


# -- every rule's refusal through the node: its code, the rule named, nothing changed ----------

WEEK = 7 * 86_400_000
NOTE = b"\x4e" * 32


def no(world: World, match: str, fn: Any, code: str = "contract_revert") -> None:
    refused_api(world.s, world.key["op"], match, fn, code=code)


def new(world: World, matter: str = "market", category: str = "complaint", **kw: Any) -> str:
    salt = new_salt()
    t = world.s.receive(world.key["op"], category, matter, "440703", seal(TEXT, salt),
                        seal(PHONE, salt), **kw)  # fmt: skip
    return str(t["id"])


def at_dept(world: World, dept: str, handler: str, **kw: Any) -> str:
    tid = new(world, **kw)
    world.s.dispatch(world.key["op"], tid, dept)
    world.s.sign(world.key[handler], tid)
    return tid


def test_a_ticket_is_received_only_by_the_centre_with_hashes(world: World) -> None:
    w, s, key = world, world.s, world.key
    salt = new_salt()
    h, caller = seal(TEXT, salt), seal(PHONE, salt)
    no(w, "centre rule: only members of 'rx12345'",
       lambda: s.receive(key["fake"], "help", "road", "440703", h, caller))  # fmt: skip
    no(w, r"hotline.receive needs one of the roles \['operator'\]",
       lambda: s.receive(key["market"], "help", "road", "440703", h, caller),
       "unauthorized")  # fmt: skip
    no(w, r"privacy rule \(个人信息保护\): the caller is on chain as a 32-byte commitment",
       lambda: s.receive(key["op"], "help", "road", "440703", h, PHONE.encode()))  # fmt: skip
    no(w, r"privacy rule \(个人信息保护\): the content is on chain as its 32-byte hash",
       lambda: s.receive(key["op"], "help", "road", "440703", "路灯坏了".encode(),
                         caller))  # fmt: skip
    no(w, "ticket rule: category is one of",
       lambda: s.receive(key["op"], "gossip", "road", "440703", h, caller))  # fmt: skip
    no(w, r"dispatch rule \(派单目录\): 'casino' is not a matter",
       lambda: s.receive(key["op"], "help", "casino", "440703", h, caller))  # fmt: skip
    no(w, "ticket rule: district '4407' is not a 6-digit",
       lambda: s.receive(key["op"], "help", "road", "4407", h, caller))  # fmt: skip
    no(w, "ticket rule: channel is one of",
       lambda: s.receive(key["op"], "help", "road", "440703", h, caller,
                         channel="fax"))  # fmt: skip
    no(w, "ticket rule: a citizen lodges online with their DID key",
       lambda: s.call(key["market"], "lodge", category="help", matter="road",
                      district="440703", content_hash=h, caller_commitment=caller))  # fmt: skip
    web = s.lodge(w.ann, "help", "road", "440703", h, caller)["id"]
    no(w, rf"transition rule \(工单状态\): {web} is received; dispatch needs it accepted",
       lambda: s.dispatch(key["op"], web, "zjj"))  # fmt: skip
    s.accept(key["op"], web)
    no(w, f"transition rule .*{web} is accepted; accept needs it received",
       lambda: s.accept(key["op"], web))  # fmt: skip
    no(w, "centre rule", lambda: s.dispatch(key["fake"], web, "zjj"))
    s.dispatch(key["op"], web, "zjj")
    # the unit signs, handles and replies in order
    no(w, r"hotline.sign needs one of the roles \['handler'\]",
       lambda: s.sign(key["op"], web), "unauthorized")  # fmt: skip
    no(w, "transition rule .* reply needs it signed or handling",
       lambda: s.reply(key["roads"], web, NOTE))  # fmt: skip
    s.sign(key["roads"], web)
    no(w, "ticket rule: note_hash is the 32-byte hash",
       lambda: s.handle(key["roads"], web, b"short"))  # fmt: skip


def test_returns_reassignments_and_merges_refuse_what_the_rules_forbid(world: World) -> None:
    w, s, key = world, world.s, world.key
    tid = new(w, "noise")
    s.dispatch(key["op"], tid, "bsjd")
    no(w, r"return rule \(退单\): the reason is one of",
       lambda: s.request_return(key["street"], tid, "busy"))  # fmt: skip
    s.request_return(key["street"], tid, "not_our_duty")
    no(w, r"hotline.review_return needs one of the roles \['operator'\]",
       lambda: s.review_return(key["street"], tid, approve=True), "unauthorized")  # fmt: skip
    no(w, "centre rule", lambda: s.review_return(key["fake"], tid, approve=True))
    s.review_return(key["op"], tid, approve=False)  # 不当退单: back to the street
    # reassignment along the catalogue, with a reason
    no(w, r"reassign rule \(改派\): state the reason",
       lambda: s.reassign(key["op"], tid, "bsjd", ""))  # fmt: skip
    no(w, rf"reassign rule \(改派\): {tid} is already with bsjd",
       lambda: s.reassign(key["op"], tid, "bsjd", "属地"))  # fmt: skip
    no(w, r"dispatch rule \(派单目录\): 'zjj' does not handle 'noise'",
       lambda: s.reassign(key["op"], tid, "zjj", "属地"))  # fmt: skip
    no(w, "centre rule", lambda: s.reassign(key["fake"], tid, "bsjd", "属地"))
    # merging repeat requests into their master
    master = at_dept(w, "scjgj", "market")
    again, other = new(w, "market"), new(w, "road")
    no(w, r"merge rule \(并单\): a ticket is not its own master",
       lambda: s.merge(key["op"], again, again))  # fmt: skip
    no(w, rf"merge rule \(并单\): {other} is about 'road'",
       lambda: s.merge(key["op"], other, master))  # fmt: skip
    no(w, "ticket rule: no ticket 'RX999999'", lambda: s.merge(key["op"], again, "RX999999"))
    assert s.merge(key["op"], again, master)["status"] == "merged"
    no(w, "transition rule .* merge needs it received or accepted",
       lambda: s.merge(key["op"], master, other))  # fmt: skip
    # the return window: 24 working hours from the dispatch
    late = new(w, "noise")
    s.dispatch(key["op"], late, "bsjd")
    w.clock.offset += WEEK
    no(w, r"return rule \(退单时限\): a return is asked within 24 hours",
       lambda: s.request_return(key["street"], late, "not_our_duty"))  # fmt: skip


def test_extensions_are_asked_and_approved_before_the_deadline(world: World) -> None:
    w, s, key = world, world.s, world.key
    tid = at_dept(w, "scjgj", "market", category="consult")  # due in 2 working days
    no(w, r"extension rule \(延期\): 1-10 working days",
       lambda: s.request_extension(key["market"], tid, 11, NOTE))  # fmt: skip
    no(w, "handler rule: only handlers of 'scjgj'",
       lambda: s.request_extension(key["roads"], tid, 3, NOTE))  # fmt: skip
    s.request_extension(key["market"], tid, 3, NOTE)
    no(w, rf"extension rule \(延期\): {tid} has one pending",
       lambda: s.request_extension(key["market"], tid, 3, NOTE))  # fmt: skip
    no(w, "centre rule", lambda: s.review_extension(key["fake"], tid, approve=True))
    ok = at_dept(w, "scjgj", "market", category="consult")
    s.request_extension(key["market"], ok, 3, NOTE)
    s.review_extension(key["op"], ok, approve=True)
    no(w, rf"extension rule \(延期\): {ok} has had 1 of 1",
       lambda: s.request_extension(key["market"], ok, 1, NOTE))  # fmt: skip
    w.clock.offset += WEEK  # past the first ticket's deadline, its extension not yet approved
    no(w, rf"extension rule \(延期\): approved before the deadline; {tid} was due",
       lambda: s.review_extension(key["op"], tid, approve=True))  # fmt: skip
    s.review_extension(key["op"], tid, approve=False)
    no(w, r"extension rule \(延期\): asked before the deadline",
       lambda: s.request_extension(key["market"], tid, 3, NOTE))  # fmt: skip


def test_revisits_redo_and_closing_refuse_steps_out_of_order(world: World) -> None:
    w, s, key, ann = world, world.s, world.key, world.ann
    tid = at_dept(w, "scjgj", "market", caller=ann.did)
    no(w, "transition rule .* a revisit needs it replied",
       lambda: s.revisit(key["op"], tid, "satisfied"))  # fmt: skip
    s.reply(key["market"], tid, NOTE)
    no(w, rf"revisit rule \(回访\): only the citizen of {tid} rates it",
       lambda: s.rate(w.eve, tid, "satisfied"))  # fmt: skip
    no(w, r"revisit rule \(回访\): the result is one of", lambda: s.rate(ann, tid, "meh"))
    no(w, "transition rule .* closing needs it revisited", lambda: s.close(key["op"], tid))
    s.rate(ann, tid, "unsatisfied")
    no(w, r"close rule \(办结\): a ticket rated 不满意 is redone or closed with a reason",
       lambda: s.close(key["op"], tid))  # fmt: skip
    assert s.redo(key["op"], tid)["redo"] == 1
    s.sign(key["market"], tid)
    s.reply(key["market"], tid, NOTE)
    s.revisit(key["op"], tid, "basic")
    no(w, rf"redo rule \(重办\): {tid} was not rated 不满意", lambda: s.redo(key["op"], tid))
    assert s.close(key["op"], tid)["status"] == "closed"
    # redo at most max_redo times (a parameter of the centre's admins), then closed with a reason
    no(w, "param rule: only admins of 'rx12345'",
       lambda: s.set_param(w.admin["scjgj"], "max_redo", 0, "x"))  # fmt: skip
    s.set_param(w.admin["rx12345"], "max_redo", 0, "演示")
    t2 = at_dept(w, "scjgj", "market")
    s.reply(key["market"], t2, NOTE)
    s.revisit(key["op"], t2, "unsatisfied")
    no(w, rf"redo rule \(重办\): {t2} was redone 0 times", lambda: s.redo(key["op"], t2))
    assert s.close(key["op"], t2, reason="redo_exhausted")["status"] == "closed"
    # a score asked for a period that is not a month: the public route refuses the query
    with pytest.raises(WuyiError, match=r"query\.period") as e:
        s.scores("2026")
    assert (e.value.code, e.value.detail.get("status")) == ("invalid", 422)
