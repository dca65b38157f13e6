"""金融服务与监管 through a node (in-process, real blocks, the REST API and the SDK): every rule
of the scenario end to end — registration from the presented licence (a private side-car), the
loan's refusals, the consent gate of the data-sharing channel (request, approval, delivery,
access, revocation; a sole proprietor's operator in person), receivables confirmed and financed
once, property pledged through the registry, overdue events after a notice, legacy records past
retention hidden, alerts for 金融局 — and who may read what: each signed read for its parties
and a 403 for everybody else (another bank never sees a loan, a bank without a live consent no
exposure), the public statistics with no enterprise in them. Then the CLI and the console's
pages are served."""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from wuyi.abc import PrivateKey
from wuyi.crypto import load_key, save_key
from wuyi.exceptions import ContractRevert, ReadForbidden, SignedReadRequired, WuyiError
from wuyi.node.home import OrgSpec
from wuyi.scenarios import contract_source, get
from wuyi.scenarios.finance.sdk import Finance
from wuyi.sdk.data import DataShare, ensure_agreement_key
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
LICENCE = "BusinessLicenceCredential"
CLAIMS = ["entity_kind", "sector", "district", "operator_did", "name", "uscc", "legal_rep"]
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("jrj", "江门市地方金融管理局"),
    OrgSpec("scjgj", "江门市市场监督管理局"),
    OrgSpec("swj", "国家税务总局江门市税务局"),
    OrgSpec("nsyh", "江门农商银行"),
    OrgSpec("zgyh", "中国银行江门分行"),
    OrgSpec("pjq", "蓬江区政务服务中心"),
)
PERSONAL = {  # what stays in the wallets
    "sme": ("江门市五邑精密五金有限公司", "91440703MA4UJX8Q2K", "李建国"),
    "core": ("江门市大成家电制造有限公司", "91440704MA4W0G3R1T", "周大成"),
    "shop": ("蓬江区陈记凉茶铺", "92440703MA5XKL1Q7P", "陈美玲"),
}
UNIT = "440703-021-0001"
DAY = 86_400_000


@dataclass
class Market:
    env: InProcessNode
    f: Finance
    keys: dict[str, PrivateKey]
    wallets: dict[str, Wallet]
    ds: DataShare
    ak: dict[str, Any] = field(default_factory=dict)

    def did(self, name: str) -> str:
        return self.wallets[name].did

    def refused(self, rule: str, fn: Any, *args: Any, **kw: Any) -> str:
        with pytest.raises(WuyiError) as info:
            fn(*args, **kw)
        assert rule in str(info.value), str(info.value)
        return str(info.value)


def _member(c: Any, admin: PrivateKey, org: str, role: str) -> PrivateKey:
    k = c.suite.generate_private_key()
    tx = c.builder(admin).member_add(org, k.public_key, [role], f"{org} {role}")
    assert c.submit_and_wait(tx).receipt.status == "ok"
    return k


@pytest.fixture(scope="module")
def mkt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Market]:
    tmp = tmp_path_factory.mktemp("finance")
    with inprocess_node(tmp / "node", ORGS, passphrase=PW) as env:
        c = env.client
        admins = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        voters = [admins[o.id] for o in ORGS if o.id != "sjj"]
        for name in ("realestate", "finance"):
            pkg = {
                "name": name,
                "version": "1.0.0",
                "source": contract_source(name),
                "manifest": {},
            }
            c.govern(admins["sjj"], voters, "contract.deploy", {"package": pkg}, title=name)
        body = {"type": LICENCE, "issuers": ["scjgj"], "claims": CLAIMS, "description": "营业执照"}
        c.govern(admins["sjj"], voters, "vc.set_type", body, title="licence")
        c.govern(
            admins["sjj"], voters, "did.set_registrar", {"org": "sjj", "enabled": True}, title="r"
        )
        keys = dict(admins)
        for org, role in (
            ("nsyh", "banker"),
            ("zgyh", "banker"),
            ("jrj", "supervisor"),
            ("scjgj", "issuer"),
            ("swj", "data"),
            ("pjq", "registrar"),
            ("sjj", "did_registrar"),
        ):
            keys[f"{org}-{role}"] = _member(c, admins[org], org, role)
        ident = Identity(c)
        wallets = {}
        for name in ("sme", "core", "shop", "owner", "other"):
            w = Wallet.create(tmp / f"{name}.json", "pw", c.suite.name)
            ident.register_did(keys["sjj-did_registrar"], w.key)
            wallets[name] = w
        for name, (ent, uscc, rep) in PERSONAL.items():
            kind = "sole_proprietor" if name == "shop" else "company"
            claims = {
                "entity_kind": kind,
                "sector": "H" if name == "shop" else "C",
                "district": "440703",
                "operator_did": wallets["owner"].did if name == "shop" else "",
                "name": ent,
                "uscc": uscc,
                "legal_rep": rep,
            }
            wallets[name].add(
                ident.issue(
                    keys["scjgj-issuer"],
                    org="scjgj",
                    type=LICENCE,
                    holder_did=wallets[name].did,
                    claims=claims,
                )
            )
        ds = DataShare(c)
        ds.offer(
            keys["swj-data"],
            "ent-tax",
            "企业纳税信息",
            ["tax_paid_12m", "tax_credit_grade"],
            gate="finance",
        )
        m = Market(env, Finance(c), keys, wallets, ds)
        for bank in ("nsyh", "zgyh"):
            m.ak[bank] = ensure_agreement_key(tmp / f"{bank}.key", PW, c.suite.name)
        yield m


# -- registration and loans ------------------------------------------------------------------------


def test_enterprises_register_by_presenting_their_licence(mkt: Market) -> None:
    f = mkt.f
    e = f.register_enterprise(mkt.wallets["sme"])
    assert e["source"] == "licence" and e["sector"] == "C" and e["did"] == mkt.did("sme")
    f.register_enterprise(mkt.wallets["core"])
    shop = f.register_enterprise(mkt.wallets["shop"])
    assert shop["operator"] == mkt.did("owner")
    # the presentation travelled beside the transaction: the block holds only its reference
    check = mkt.env.node.get_tx(bytes.fromhex(e["check"])).tx
    assert check.payload["args"]["presentation_text"].startswith("sidecar:")
    # a member without the treasurer role is not an enterprise
    mkt.refused("treasurer", f.register_member_enterprise, mkt.keys["nsyh-banker"], "J", "440703")


def test_the_loan_rules_through_the_node(mkt: Market) -> None:
    f, k = mkt.f, mkt.keys
    sme = mkt.wallets["sme"]
    mkt.refused("is not a bank of the platform", f.apply, sme, "jmyh", 1_000_000, 12, "trade")
    mkt.refused(
        "is not a registered enterprise", f.apply, mkt.wallets["other"], "nsyh", 1, 1, "trade"
    )
    a = f.apply(sme, "nsyh", 50_000_000, 12, "working_capital")
    lid = a["id"]
    mkt.refused(
        "its own loans only",
        f.decide,
        k["zgyh-banker"],
        lid,
        approve=True,
        amount=1,
        rate_bp=1,
        term_months=1,
    )
    mkt.refused("names its reason code", f.decide, k["nsyh-banker"], lid, approve=False, reason="x")
    mkt.refused(
        "exceeds the 50000000 fen applied for",
        f.decide,
        k["nsyh-banker"],
        lid,
        approve=True,
        amount=60_000_000,
        rate_bp=385,
        term_months=12,
    )
    f.decide(k["nsyh-banker"], lid, approve=True, amount=40_000_000, rate_bp=385, term_months=12)
    f.disburse(k["nsyh-banker"], lid, 30_000_000)
    mkt.refused("would exceed the approved", f.disburse, k["nsyh-banker"], lid, 10_000_001)
    mkt.refused("exceeds the outstanding", f.repay, k["nsyh-banker"], lid, 30_000_001)
    f.repay(k["nsyh-banker"], lid, 5_000_000)
    # the enterprise and its bank read the loan; another bank and unsigned reads are refused
    assert f.application(lid, sme)["outstanding"] == 25_000_000
    assert f.application(lid, k["nsyh-banker"])["status"] == "active"
    with pytest.raises(ReadForbidden):
        f.application(lid, k["zgyh-banker"])
    with pytest.raises(SignedReadRequired):
        f.application(lid)
    mine = f.bank_applications("nsyh", k["nsyh-banker"])
    assert [x["id"] for x in mine] == [lid] and mine[0]["enterprise_kind"] == "company"
    with pytest.raises(ReadForbidden):
        f.bank_applications("nsyh", k["zgyh-banker"])


# -- the consent gate ------------------------------------------------------------------------------


def request(mkt: Market, bank: str, consent: str, application: str, days: int = 5) -> bytes:
    until = int(time.time() * 1000) + days * DAY
    purpose = f"{consent} {application} 授信审查"
    return mkt.ds.request(
        mkt.keys[f"{bank}-banker"], "ent-tax", purpose, ["tax_credit_grade"], until, mkt.ak[bank]
    )


def test_government_data_moves_only_under_a_live_consent(mkt: Market) -> None:
    f, k, ds = mkt.f, mkt.keys, mkt.ds
    sme = mkt.wallets["sme"]
    lid = f.apply(sme, "zgyh", 20_000_000, 6, "trade")["id"]
    mkt.refused(
        "must start with the enterprise's consent id", request, mkt, "zgyh", "CA00000099", lid
    )
    c = f.grant_consent(sme, lid, ["ent-tax"], 10)
    mkt.refused("names the bank zgyh, not nsyh", request, mkt, "nsyh", c["id"], lid)
    mkt.refused("outlasts consent", request, mkt, "zgyh", c["id"], lid, days=11)
    rid = request(mkt, "zgyh", c["id"], lid)
    until = int(time.time() * 1000) + 2 * DAY
    ds.approve(k["swj-data"], rid, until)
    d = ds.deliver(k["swj-data"], rid, json.dumps({"tax_credit_grade": "A"}).encode())
    got = ds.fetch(k["zgyh-banker"], d.delivery_id, "授信审查", mkt.ak["zgyh"])
    assert json.loads(got.data) == {"tax_credit_grade": "A"}
    # the enterprise sees the request under its consent, with the access
    file = f.file(mkt.did("sme"), sme)
    (mine,) = [x for x in file["consents"] if x["id"] == c["id"]]
    (use,) = mine["data_uses"]
    assert use["requester_org"] == "zgyh" and use["accesses"] == 1 and use["status"] == "approved"
    assert f.consent(c["id"], k["zgyh-banker"])["data_uses"][0]["id"] == rid.hex()
    with pytest.raises(ReadForbidden):
        f.consent(c["id"], k["nsyh-banker"])
    # revoked: the bank can no longer open what was delivered
    f.revoke_consent(sme, c["id"])
    mkt.refused(
        f"consent {c['id']} was revoked",
        ds.fetch,
        k["zgyh-banker"],
        d.delivery_id,
        "再看",
        mkt.ak["zgyh"],
    )


def test_a_sole_proprietors_data_needs_the_operator_in_person(mkt: Market) -> None:
    f = mkt.f
    shop, owner = mkt.wallets["shop"], mkt.wallets["owner"]
    lid = f.apply(shop, "nsyh", 3_000_000, 12, "working_capital")["id"]
    c = f.grant_consent(shop, lid, ["ent-tax"], 10)
    assert c["status"] == "awaiting_person"
    mkt.refused("has not consented in person yet", request, mkt, "nsyh", c["id"], lid)
    mkt.refused("only the operator", f.consent_personal, mkt.wallets["other"], c["id"], "同意")
    (waiting,) = f.person_consents(owner.did, owner)
    assert waiting["id"] == c["id"] and waiting["status"] == "awaiting_person"
    with pytest.raises(ReadForbidden):
        f.person_consents(owner.did, mkt.wallets["other"])
    done = f.consent_personal(owner, c["id"], "本人同意银行查询本人及本经营实体的纳税信息")
    assert done["status"] == "active"
    assert request(mkt, "nsyh", c["id"], lid)


# -- exposure, receivables, collateral, negative records, alerts -------------------------------


def test_exposure_is_for_banks_with_a_live_consent(mkt: Market) -> None:
    f, k = mkt.f, mkt.keys
    sme = mkt.wallets["sme"]
    did = mkt.did("sme")
    # zgyh's consent was revoked: no exposure for zgyh; nsyh has none: none for nsyh either
    for bank in ("nsyh", "zgyh"):
        with pytest.raises(ReadForbidden):
            f.credit(did, k[f"{bank}-banker"])
    (lid,) = [a["id"] for a in f.file(did, sme)["applications"] if a["status"] == "active"]
    c = f.grant_consent(sme, lid, ["ent-tax"], 5)
    x = f.credit(did, k["nsyh-banker"])
    assert (x["lenders"], x["total"], x["overdue"]) == (1, 25_000_000, False)
    assert set(x) == {
        "enterprise",
        "lenders",
        "total",
        "overdue",
        "overdue_loans",
        "negative_records",
        "height",
    }
    assert f.credit(did, sme)["lenders"] == 1
    f.revoke_consent(sme, c["id"])
    with pytest.raises(ReadForbidden):
        f.credit(did, k["nsyh-banker"])


def test_receivables_confirmed_and_financed_once(mkt: Market) -> None:
    f, k = mkt.f, mkt.keys
    sme, core = mkt.wallets["sme"], mkt.wallets["core"]
    due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 100 * 86400))
    rv = f.register_receivable(sme, core.did, 9_000_000, due, b"contract 1", b"INV-0001")
    mkt.refused(
        "one-receivable rule",
        f.register_receivable,
        sme,
        core.did,
        9_000_000,
        due,
        b"contract 2",
        b"INV-0001",
    )
    mkt.refused("only the debtor", f.confirm_receivable, sme, rv["id"])
    mkt.refused(
        "only a receivable its debtor confirmed",
        f.apply,
        sme,
        "nsyh",
        5_000_000,
        3,
        "trade",
        [{"kind": "receivable", "ref": rv["id"]}],
    )
    assert f.confirm_receivable(core, rv["id"])["status"] == "confirmed"
    coll = [{"kind": "receivable", "ref": rv["id"]}]
    one = f.apply(sme, "nsyh", 5_000_000, 3, "trade", coll)["id"]
    two = f.apply(sme, "zgyh", 5_000_000, 3, "trade", coll)["id"]
    for lid, bank in ((one, "nsyh"), (two, "zgyh")):
        f.decide(
            k[f"{bank}-banker"], lid, approve=True, amount=5_000_000, rate_bp=350, term_months=3
        )
    f.pledge_receivable(k["nsyh-banker"], one, rv["id"], "pledge", "DJ-440700-2026-000001")
    mkt.refused(
        "double-financing rule",
        f.pledge_receivable,
        k["zgyh-banker"],
        two,
        rv["id"],
        "transfer",
        "DJ-440700-2026-000002",
    )
    assert f.receivable(rv["id"], k["zgyh-banker"])["encumbrance"]["bank"] == "nsyh"
    assert f.receivable(rv["id"], core)["status"] == "confirmed"
    with pytest.raises(ReadForbidden):
        f.receivable(rv["id"], mkt.wallets["other"])
    late = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 250 * 86400))
    long = f.register_receivable(sme, core.did, 1_000_000, late, b"contract 3", b"INV-0003")
    mkt.refused("needs the debtor's reason", f.confirm_receivable, core, long["id"])


def test_property_is_pledged_through_the_registry(mkt: Market) -> None:
    f, k, c = mkt.f, mkt.keys, mkt.env.client
    reg = c.scenario("realestate")
    reg.register_unit(
        k["pjq-registrar"],
        UNIT,
        location="江门市蓬江区堡棠路 28 号 1 号厂房",
        area=520000,
        use="industrial",
    )
    reg.first_registration(k["pjq-registrar"], UNIT, mkt.did("sme"))
    coll = [{"kind": "property", "ref": UNIT}]
    mkt.refused(
        f"unit '{UNIT}' is not registered to",
        f.apply,
        mkt.wallets["core"],
        "nsyh",
        1,
        12,
        "equipment",
        coll,
    )
    lid = f.apply(mkt.wallets["sme"], "nsyh", 30_000_000, 24, "equipment", coll)["id"]
    f.decide(k["nsyh-banker"], lid, approve=True, amount=30_000_000, rate_bp=365, term_months=24)
    p = f.pledge_property(k["nsyh-banker"], lid, UNIT, 30_000_000)
    with c.reading_as(k["nsyh-banker"], "抵押登记核对"):  # the registry's state is personal
        m = c.query("realestate", "mortgage", {"mortgage_id": p["mortgage"]})
    assert m["bank"] == "nsyh" and m["unit"] == UNIT and m["status"] == "active"


def test_overdue_after_a_notice_legacy_records_past_retention_and_alerts(mkt: Market) -> None:
    f, k = mkt.f, mkt.keys
    core = mkt.wallets["core"]
    did = core.did
    lid = f.apply(core, "zgyh", 10_000_000, 12, "working_capital")["id"]
    f.decide(k["zgyh-banker"], lid, approve=True, amount=10_000_000, rate_bp=400, term_months=12)
    f.disburse(k["zgyh-banker"], lid, 10_000_000)
    mkt.refused("tell the borrower first", f.report_overdue, k["zgyh-banker"], lid, 95, 1_000_000)
    f.notify_overdue(k["zgyh-banker"], lid, "逾期告知书".encode())
    o = f.report_overdue(k["zgyh-banker"], lid, 95, 1_000_000)
    assert o["dpd"] == 95
    f.record_legacy_negative(k["zgyh-banker"], did, 60, 3_000_000, "2019-03-01", "2020-05-01")
    f.record_legacy_negative(k["zgyh-banker"], did, 30, 1_000_000, "2022-01-10", "2022-02-09")
    negs = f.file(did, core)["negative_records"]
    assert [(n["source"], n["ended"]) for n in negs] == [
        ("reported", None),
        ("legacy", "2022-02-09"),
    ]
    # an NPL alert for 金融局's supervisors only
    alerts = f.alerts(k["jrj-supervisor"], status="open")
    npl = [a for a in alerts if a["kind"] == "npl"]
    assert npl and npl[0]["enterprise"] == did and npl[0]["loan"] == lid
    with pytest.raises(ReadForbidden):
        f.alerts(k["nsyh-banker"])
    mkt.refused("supervisor", f.handle_alert, k["nsyh-banker"], npl[0]["id"], "reviewed")
    assert f.handle_alert(k["jrj-supervisor"], npl[0]["id"], "referred")["status"] == "closed"


def test_parameters_public_statistics_and_no_enterprise_in_them(mkt: Market) -> None:
    f, k = mkt.f, mkt.keys
    mkt.refused("only admins of 'jrj'", f.set_param, k["nsyh"], "npl_dpd", 60, "x")
    rec = f.set_param(k["jrj"], "multi_lending_banks", 2, "演示")
    assert rec["previous"] == 3
    assert [h["value"] for h in f.param_history("multi_lending_banks")] == [3, 2]
    st = f.stats()
    assert st["total"]["outstanding"] > 0 and st["enterprises"] == 3
    assert {r["key"] for r in st["by_bank"]} == {"nsyh", "zgyh"}
    assert st["total"]["npl_rate_bp"] > 0
    text = json.dumps(st, ensure_ascii=False)
    assert "did:wuyi:" not in text
    for values in PERSONAL.values():
        for v in values:
            assert v not in text


def test_no_wallet_value_is_on_chain(mkt: Market) -> None:
    """The names, credit codes and representatives on the licences are in no block, receipt or
    state value (the licence was presented as a side-car, four claims disclosed)."""
    store = mkt.env.node.store
    blobs = []
    c = mkt.env.client
    for h in range(1, c.status().height + 1):
        blobs.append(json.dumps(c._get(f"/v1/blocks/{h}"), ensure_ascii=False))
        blobs.append(json.dumps(c._get(f"/v1/blocks/{h}/receipts"), ensure_ascii=False))
    with store.snapshot() as v:
        blobs += [raw.decode("utf-8", "replace") for _, raw in v.iter_prefix(b"")]
    text = "\n".join(blobs)
    for values in PERSONAL.values():
        for value in values:
            assert value not in text, value


def test_cli_and_console_pages(
    mkt: Market, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from wuyi.cli import app as cli_app

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: mkt.env.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    out = CliRunner().invoke(cli_app, ["finance", "stats"])
    assert out.exit_code == 0 and "nsyh" in out.output and "逾期率" in out.output, out.output
    # signed reads from the command line: the bank's own loans, and nothing without a key
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    keyfile = tmp_path / "nsyh-banker.key"
    save_key(keyfile, mkt.keys["nsyh-banker"], PW)
    out = CliRunner().invoke(cli_app, ["finance", "bank", "nsyh", "--read-key", str(keyfile)])
    assert out.exit_code == 0 and "LA00000001" in out.output, out.output
    out = CliRunner().invoke(
        cli_app,
        ["finance", "loan", "LA00000001", "--read-key", str(keyfile), "--purpose", "贷后检查"],
    )
    assert out.exit_code == 0 and "active" in out.output, out.output
    out = CliRunner().invoke(cli_app, ["finance", "loan", "LA00000001"])
    assert out.exit_code != 0 and "signed_read_required" in out.output + str(out.exception), (
        out.output
    )
    c = mkt.env.client
    index = c._get("/console/scenarios/index.json")
    assert "finance" in [x["name"] for x in index] and get("finance").uses == ("realestate",)
    for part in ("page.js", "i18n.js"):
        assert c._request("GET", f"/console/scenarios/finance/{part}").status_code == 200


def test_contract_refusals_change_nothing(mkt: Market) -> None:
    """A refused call leaves the contract's state as it was (one example through the node)."""
    c, jrj = mkt.env.client, mkt.keys["jrj-supervisor"]
    state = "/v1/contracts/finance/state"  # personal (Scenario.personal_state): a signed read
    before = c.signed_get(jrj, state, "监管核查", limit=500)["entries"]
    with pytest.raises(ContractRevert):
        mkt.f.apply(mkt.wallets["sme"], "nsyh", 0, 12, "trade")
    assert c.signed_get(jrj, state, "监管核查", limit=500)["entries"] == before
