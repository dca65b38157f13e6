"""养老服务 (scenario 13) end to end through an in-process node: the contract deployed by
governance, 民政局's officer, the departments' inspectors, a care institution, its custody
bank, a caregiver, an elder and a volunteer with wallets (their DID keys); every write a signed
transaction through the SDK, every read a ``/v1/eldercare`` route — public board and signed,
logged reads of personal records — and the CLI sub-app."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from wuyi.crypto import load_key, save_key
from wuyi.exceptions import ContractRevert, ReadForbidden, SignedReadRequired
from wuyi.node.home import OrgSpec
from wuyi.scenarios import get
from wuyi.scenarios.eldercare.sdk import Eldercare, commitment
from wuyi.sdk.identity import Identity
from wuyi.sdk.scenarios import check_certificate
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("mzj", "江门市民政局"),
    OrgSpec("scjgj", "江门市市场监督管理局"),
    OrgSpec("rsj", "江门市人力资源和社会保障局"),
    OrgSpec("wjj", "江门市卫生健康局"),
    OrgSpec("nsyh", "江门农商银行"),
    OrgSpec("flyy", "江门市社会福利院"),
)
H = b"\x41" * 32
SERIAL = count(1)


class World:
    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env, self.tmp, self.c = env, tmp, env.client
        c = self.c
        self.admin = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        voters = [self.admin[o.id] for o in ORGS if o.id != "sjj"]
        scenario = get("eldercare")
        pkg = {"name": "eldercare", "version": "1.0.0", "source": scenario.source(), "manifest": {}}
        c.govern(self.admin["sjj"], voters, "contract.deploy",
                 {"package": pkg, "init_args": scenario.init_args}, title="deploy")  # fmt: skip
        c.govern(self.admin["sjj"], voters, "did.set_registrar", {"org": "sjj", "enabled": True},
                 title="registrar")  # fmt: skip
        kind = scenario.certificate
        assert kind is not None
        body = {"type": kind.type, "issuers": ["mzj"], "claims": ["certificate", "kind",
                "minutes", "as_of"], "description": "x"}  # fmt: skip
        c.govern(self.admin["sjj"], voters, "vc.set_type", body, title="type")
        members = {
            "officer": ("mzj", ["officer"]),
            "issuer": ("mzj", ["issuer"]),
            "safety": ("mzj", ["inspector"]),
            "food": ("scjgj", ["inspector"]),
            "rsj": ("rsj", ["inspector"]),
            "wjj": ("wjj", ["inspector"]),
            "bank": ("nsyh", ["custody"]),
            "flyy": ("flyy", ["institution"]),
            "clerk": ("flyy", ["clerk"]),
            "registrar": ("sjj", ["did_registrar"]),
        }
        self.key = {n: c.suite.generate_private_key() for n in members}
        for n, (org, roles) in members.items():
            tx = c.builder(self.admin[org]).member_add(org, self.key[n].public_key, roles, n)
            assert c.submit_and_wait(tx).receipt.status == "ok"
        self.s = Eldercare(c)
        self.s.register_institution(self.key["officer"], "flyy", "江门市社会福利院",
                                    "12440700MB2C12345X", beds=300, ownership="public",
                                    net_assets=500_000, bank="nsyh")  # fmt: skip

    def wallet(self, name: str) -> Wallet:
        w = Wallet.create(self.tmp / f"{name}-{next(SERIAL)}.json", "pw", self.c.suite.name)
        Identity(self.c).register_did(self.key["registrar"], w.key)
        return w


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("eldercare")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW) as env:
        yield World(env, tmp)


def refused(match: str) -> Any:
    return pytest.raises(ContractRevert, match=match)


def test_grade_subsidy_and_the_public_board(world: World) -> None:
    s, key = world.s, world.key
    with refused("compliance rule: only wjj record 'medical'"):
        s.record_compliance(key["food"], "flyy", "medical", "pass", "none", "2027-12-31", H)
    for who, cat in (("food", "food"), ("safety", "safety"), ("wjj", "medical"),
                     ("rsj", "social_insurance")):  # fmt: skip
        s.record_compliance(key[who], "flyy", cat, "pass", "none", "2027-12-31", H)
    row = s.board()["institutions"][0]
    assert (row["score"], row["grade"], row["red"]) == (65, 1, False)
    assert sorted(row["missing"]) == ["fire", "tax"]
    with refused("subsidy grade rule: grade 1 is below the threshold 3"):
        s.pay_subsidy(key["officer"], "flyy", "2026-11", 200)
    s.set_param(world.admin["mzj"], "subsidy_min_grade", 1, "试点")
    s.set_param(world.admin["mzj"], "subsidy_min_grade", 1, "试点（生效）")  # next block in force
    paid = s.pay_subsidy(key["officer"], "flyy", "2026-11", 200)
    assert paid["fen"] == 200 * 20000
    assert [x["period"] for x in s.subsidies("flyy")] == ["2026-11"]
    inst = s.institution("flyy")
    assert inst["grade"]["grade"] == 1 and len(inst["records"]) == 4


def test_caregivers_prepayments_signed_reads(world: World) -> None:
    s, key, c = world.s, world.key, world.c
    carer = world.wallet("carer")
    s.record_qualification(key["rsj"], carer.did, "level4", H, "2029-12-31")
    s.hire(key["flyy"], carer.did)
    with refused("scheduling rule: health check missing"):
        s.schedule(key["flyy"], carer.did, "2027-01-04", "day", commitment("x", b"s"))
    s.record_health_check(key["wjj"], carer.did, "2026-06-01", fit=True, report=H)
    sh = s.schedule(key["flyy"], carer.did, "2027-01-04", "day", commitment("x", b"s"))
    assert sh["caregiver"] == carer.did
    p = s.prepay(key["bank"], "flyy", commitment("elder", b"salt"), "deposit", 300_000)
    with refused("prepayment cap rule"):
        s.prepay(key["bank"], "flyy", commitment("elder2", b"salt"), "service", 200_001)
    with refused("prepayment rule: a public institution may not take membership"):
        s.prepay(key["bank"], "flyy", commitment("elder2", b"salt"), "membership", 1)
    # personal records: signed, allowed readers only, logged
    for path in (
        f"/v1/eldercare/caregivers/{carer.did}",
        "/v1/eldercare/institutions/flyy/alerts",
        "/v1/eldercare/institutions/flyy/prepayments",
    ):
        with pytest.raises(SignedReadRequired):
            c._get(path)
    assert s.caregiver(carer.did, key=carer.key)["health"]["valid_until"] == "2027-06-01"
    assert s.caregiver(carer.did, key=key["flyy"])["institution"] == "flyy"
    assert s.alerts("flyy", key=key["officer"]) == []
    assert s.prepayments("flyy", key=key["bank"])[0]["id"] == p["id"]
    with pytest.raises(ReadForbidden):
        s.caregiver(carer.did, key=key["food"])  # not a qualifying or health department
    with pytest.raises(ReadForbidden):
        s.prepayments("flyy", key=key["rsj"])
    seen = Identity(c).reads(carer.did, key=carer.key, purpose="谁看了我的记录")
    assert {e["basis"] for e in seen if e["record"] == f"eldercare/cg/{carer.did}"} >= {
        "citizen",
        "org:flyy",
    }
    assert carer.did not in str(s.board())


def test_time_bank_and_its_credential(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    s, key, c = world.s, world.key, world.c
    elder, vol, other = world.wallet("elder"), world.wallet("vol"), world.wallet("other")
    s.enrol_elder(key["officer"], elder.did, H)
    sv = s.log_service(vol, elder.did, "meal", "2026-11-30", 120)
    assert s.time_account(vol.did, key=vol.key)["account"]["balance"] == 0
    with refused("confirmation rule: only the served elder"):
        s.confirm_service(other, sv["id"])
    s.confirm_service(elder, sv["id"])
    assert s.time_account(vol.did, key=vol.key)["account"]["balance"] == 120
    assert s.service(sv["id"], key=elder.key)["status"] == "confirmed"
    with pytest.raises(ReadForbidden):
        s.time_account(vol.did, key=other.key)
    cert = s.certify_balance(vol)
    text = s.issue_certificate(key["issuer"], cert["id"], wallet=vol)
    checked = check_certificate(c, text)
    assert checked["valid"] is True
    assert s.board()["time_bank"]["stored"] >= 120
    # the CLI sub-app
    from wuyi.cli import app as cli_app

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: world.env.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    key_file = world.tmp / "officer.key"
    save_key(key_file, key["officer"], PW)
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    signed = ["--read-key", str(key_file), "--purpose", "时间银行核查"]
    run = CliRunner()
    for args, expect in (
        (["eldercare", "board"], "江门市社会福利院"),
        (["eldercare", "institution", "flyy"], "social_insurance"),
        (["eldercare", "subsidies", "flyy"], "2026-11"),
        (["eldercare", "timebank", vol.did, *signed], sv["id"]),
        (["eldercare", "params"], "tb_cap_hours"),
    ):
        out = run.invoke(cli_app, args)
        assert out.exit_code == 0 and expect in out.output, (args, out.output)
    out = run.invoke(cli_app, ["eldercare", "timebank", vol.did])
    assert out.exit_code == 1 and "signed_read_required" in out.output
    index = c._get("/console/scenarios/index.json")
    assert "eldercare" in [x["name"] for x in index]
