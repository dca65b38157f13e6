"""12345 热线 (scenario 14) end to end through an in-process node: the contract deployed by
governance, the hotline centre's operator, a department's and a street's handlers, a citizen
with a wallet (their DID key), every write a signed transaction through the SDK, every read a
``/v1/hotline`` route — the ticket's steps, dispatch along the catalogue and the push-down
refusal, returns, merging, extensions, the citizen's rating, the public board and statistics
(no personal value), the tickets as signed, logged reads, the CLI and the console page."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from wuyi.crypto import load_key, save_key
from wuyi.exceptions import ContractRevert, ReadForbidden, SignedReadRequired, Unauthorized
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


class World:
    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env, self.tmp, self.c = env, tmp, env.client
        c = self.c
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
