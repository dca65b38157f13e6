"""Scenario 5, 金融服务与监管: the ``finance`` contract through real blocks (LedgerHarness) —
enterprises registered from their presented business licence, the loan lifecycle (decision with
a reason code, disbursement within the approved amount, repayment, settlement), the credit
consent that the data-sharing channel's gate checks before an enterprise's tax, social
insurance and utility data move to a bank (a sole proprietor's operator in person), receivables
confirmed by the debtor, financed once across banks and within the e-voucher term, property
pledged through the real-estate registry, aggregate exposure (multi-lending) without other
banks' loans, negative records hidden after the retention period, the regulator's alerts and
parameters. Every refusal names its rule and changes nothing.

The chain builder (:class:`Market`) is shared with ``test_scenario_finance_api.py``."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.ledger.handlers.contracts import query_contract
from wuyi.ledger.handlers.datashare import get_request
from wuyi.ledger.types import Receipt
from wuyi.scenarios import contract_source, load
from wuyi.testing.factories import LedgerHarness
from wuyi.testing.presentations import DAY_MS, CredentialDesk
from wuyi.vc import envelope

SCENARIO = load("wuyi.scenarios.finance")
LICENCE = "BusinessLicenceCredential"
RULE_CLAIMS = ["entity_kind", "sector", "district", "operator_did"]
LICENCE_CLAIMS = [*RULE_CLAIMS, "name", "uscc", "legal_rep"]
ORGS = [
    ("bdc", "江门市不动产登记中心", False),
    ("pjq", "蓬江区政务服务中心", False),
    ("nsyh", "江门农商银行", False),
    ("zgyh", "中国银行江门分行", False),
    ("jmyh", "江门银行", False),
    ("jrj", "江门市地方金融管理局", False),
    ("scjgj", "江门市市场监督管理局", True),
    ("swj", "国家税务总局江门市税务局", False),
    ("rsj", "江门市人力资源和社会保障局", False),
    ("wyzy", "五邑置业有限公司", False),
]
DATASETS = {
    "ent-tax": ("swj", "企业纳税信息", ["tax_paid_12m", "tax_grade", "invoice_sales_12m"]),
    "ent-social-insurance": ("rsj", "企业社保缴纳", ["insured_staff", "months_paid"]),
}
UNIT = "440703-001-0001"
NAMES = {  # what stays in the wallets: never on chain
    "sme": ("江门市五邑精密五金有限公司", "91440703MA4UJX8Q2K", "李建国"),
    "shop": ("蓬江区陈记凉茶铺", "92440703MA5XKL1Q7P", "陈美玲"),
    "core": ("江门市大成家电制造有限公司", "91440704MA4W0G3R1T", "周大成"),
}


def returned(r: Receipt) -> Any:
    return next((e.attrs["value"] for e in r.events if e.type == "contract.returned"), None)


class Market:
    """Jiangmen's SME finance on a test chain: ``realestate`` and ``finance`` deployed; banks
    ``nsyh``, ``zgyh`` (members ``<bank>-bank``, role banker) and ``jmyh`` (not on the
    platform's list until the regulator adds it); 金融局 ``jrj`` (admin ``jrj``, supervisor
    ``jrj-sup``); 市场监管局 ``scjgj`` issues business licences; 税务局 ``swj`` and 人社局
    ``rsj`` offer gated datasets (members ``<org>-data``); 五邑置业 ``wyzy`` is a member
    enterprise (``wyzy-fin``, role treasurer); registry office ``pjq`` (``pjq-reg``).
    Enterprises with DIDs: ``sme`` (a company), ``shop`` (a sole proprietorship run by the
    citizen ``owner``), ``core`` (a large buyer), ``other``."""

    def __init__(self) -> None:
        self.h = h = LedgerHarness()
        self.desk = d = CredentialDesk(h)
        for org, name, issuer in ORGS:
            d.admit(org, name, issuer=issuer)
        d.deploy("realestate", contract_source("realestate"))
        d.deploy("finance", SCENARIO.source())
        for bank in ("nsyh", "zgyh", "jmyh"):
            h.add_member(bank, bank, f"{bank}-bank", ["banker"])
        h.add_member("jrj", "jrj", "jrj-sup", ["supervisor"])
        h.add_member("pjq", "pjq", "pjq-reg", ["registrar"])
        h.add_member("wyzy", "wyzy", "wyzy-fin", ["treasurer"])
        for org in ("swj", "rsj"):
            h.add_member(org, org, f"{org}-data", ["data"])
        d.set_type(LICENCE, ["scjgj"], LICENCE_CLAIMS)
        self.did = {n: d.holder(n) for n in ("sme", "shop", "owner", "core", "other")}
        self.enc_private, self.enc_public = envelope.generate_recipient_key("intl")

    # -- calls ---------------------------------------------------------------------------------

    def call(self, signer: str, method: str, **args: Any) -> Any:
        r = self.h.call(signer, "finance", method, args)
        assert r.ok, (r.status, r.error)
        return returned(r)

    def refused(self, signer: str, method: str, rule: str, **args: Any) -> str:
        before = dict(self.h.state.iter_prefix(b"contract/"))
        r = self.h.call(signer, "finance", method, args)
        assert r.status in ("contract_revert", "unauthorized"), (r.status, r.error)
        assert rule in r.error, r.error
        assert dict(self.h.state.iter_prefix(b"contract/")) == before  # nothing changed
        return r.error

    def query(self, method: str, contract: str = "finance", **args: Any) -> Any:
        h = self.h
        value, _ = query_contract(
            h.chain,
            h.state,
            contract,
            method,
            args,
            height=h.height,
            time=h.time,
            gas_limit=10_000_000,
        )
        return value

    def tx(self, signer: str, kind: str, payload: dict[str, Any]) -> Receipt:
        _, res = self.h.run([self.h.tx(signer, kind, payload)])
        if not res.receipts:
            (_, exc), *_ = res.rejected
            return Receipt(b"", exc.code, exc.message)
        return res.receipts[0]

    # -- steps ---------------------------------------------------------------------------------

    def licence(self, who: str, kind: str = "company", operator: str = "", **kw: Any) -> str:
        name, uscc, rep = NAMES.get(who, ("某公司", "91440700000000000X", "某人"))
        claims = {
            "entity_kind": kind,
            "sector": kw.get("sector", "C"),
            "district": kw.get("district", "440703"),
            "operator_did": operator,
            "name": name,
            "uscc": uscc,
            "legal_rep": rep,
        }
        return self.desk.issue(who, "scjgj", LICENCE, claims)

    def present_licence(self, who: str, cred: str) -> str:
        """The licence presented to 金融局 for ``who``: the reference of its private side-car."""
        req = self.query("licence_request")
        consent = self.desk.consent(who, "jrj", req["types"], req["claims"])
        nonce = self.query("licence_nonce", did=self.did[who])
        text = self.desk.present(
            who, [cred], req["claims"], verifier="jrj", nonce=nonce, consent=consent
        )
        return self.h.sidecar(text)  # the presentation travels beside the call, never in it

    def register(self, who: str, kind: str = "company", **kw: Any) -> dict[str, Any]:
        operator = self.did["owner"] if kind == "sole_proprietor" else ""
        text = self.present_licence(who, self.licence(who, kind, operator, **kw))
        out: dict[str, Any] = self.call(who, "register_enterprise", presentation_text=text)
        return out

    def apply(
        self, who: str = "sme", bank: str = "nsyh", amount: int = 50_000_000, **kw: Any
    ) -> str:
        args = {"bank": bank, "amount": amount, "term_months": 12, "purpose": "working_capital"}
        return str(self.call(who, "apply", **(args | kw))["id"])

    def approved(
        self, who: str = "sme", bank: str = "nsyh", amount: int = 50_000_000, **kw: Any
    ) -> str:
        lid = self.apply(who, bank, amount, **kw)
        self.call(
            f"{bank}-bank",
            "decide",
            application_id=lid,
            approve=True,
            amount=amount,
            rate_bp=420,
            term_months=12,
        )
        return lid

    def offer(self, dataset: str) -> None:
        org, title, fields = DATASETS[dataset]
        body = {
            "id": dataset,
            "title": title,
            "description": "",
            "kind": "dataset",
            "fields": fields,
            "gate": "finance",
        }
        r = self.tx(f"{org}-data", "data.offer", body)
        assert r.ok, r

    def data_request(self, bank: str, dataset: str, purpose: str, days: int = 10) -> Receipt:
        body = {
            "dataset": dataset,
            "purpose": purpose,
            "fields": DATASETS[dataset][2][:2],
            "until": self.h.time + days * DAY_MS,
            "enc_key": self.enc_public,
        }
        return self.tx(f"{bank}-bank", "data.request", body)

    def deliver_payload(self, rid: bytes, data: bytes) -> dict[str, Any]:
        suite = self.h.suite
        blob, eph, salt = envelope.seal_to("intl", self.enc_public, data, info=rid)
        ch = suite.hash(blob)
        return {
            "request": rid,
            "ciphertext_hash": ch,
            "size": len(blob),
            "location": f"blob:{ch.hex()}",
            "sender_key": eph,
            "commitment": envelope.commitment(suite, salt, data),
        }


def event(r: Receipt, type_: str, attr: str) -> Any:
    return next(e.attrs[attr] for e in r.events if e.type == type_)


@pytest.fixture
def m() -> Market:
    return Market()


# -- enterprises ---------------------------------------------------------------------------------


def test_enterprises_register_from_their_licence(m: Market) -> None:
    e = m.register("sme", sector="C", district="440703")
    assert e["did"] == m.did["sme"] and e["kind"] == "company" and e["operator"] is None
    assert e["source"] == "licence" and len(e["presentations"]) == 1 and e["check"]
    shop = m.register("shop", "sole_proprietor", sector="H")
    assert shop["operator"] == m.did["owner"] and shop["sector"] == "H"
    # a sole proprietorship's licence must name its operator's DID
    text = m.present_licence("other", m.licence("other", "sole_proprietor", ""))
    m.refused("other", "register_enterprise", "names its operator's DID", presentation_text=text)
    text = m.present_licence("other", m.licence("other", sector="Z"))
    m.refused("other", "register_enterprise", "GB/T 4754", presentation_text=text)
    # a member registers itself by its own declaration (recorded so); other members cannot
    w = m.call("wyzy-fin", "register_member_enterprise", sector="K", district="440703")
    assert w["did"] == "did:wuyi:org:wyzy" and w["source"] == "declared"
    r = m.h.call(
        "nsyh-bank", "finance", "register_member_enterprise", {"sector": "J", "district": "440703"}
    )
    assert r.status == "unauthorized" and "treasurer" in r.error
    # the names and credit codes stay in the wallets
    blob = b"".join(v for _, v in m.h.state.iter_prefix(b"contract/finance/s/"))
    for name, uscc, rep in NAMES.values():
        assert name.encode() not in blob and uscc.encode() not in blob and rep.encode() not in blob
    assert m.query("stats")["enterprises"] == 3


# -- loans ---------------------------------------------------------------------------------------


def test_the_loan_lifecycle_and_its_refusals(m: Market) -> None:
    m.refused(
        "sme",
        "apply",
        "is not a registered enterprise",
        bank="nsyh",
        amount=1,
        term_months=12,
        purpose="trade",
    )
    m.register("sme")
    base = {"amount": 50_000_000, "term_months": 12, "purpose": "working_capital"}
    m.refused("sme", "apply", "'jmyh' is not a bank of the platform", bank="jmyh", **base)
    m.refused(
        "sme",
        "apply",
        "purpose must be one of",
        **(base | {"bank": "nsyh", "purpose": "speculation"}),
    )
    m.refused("nsyh-bank", "apply", "is signed by the enterprise", bank="nsyh", **base)
    lid = m.apply()
    a = m.query("application", application_id=lid)
    assert a["status"] == "applied" and a["sector"] == "C" and a["enterprise"] == m.did["sme"]
    m.refused("other", "withdraw", "not your application", application_id=lid)
    # only the chosen bank decides; a refusal names its reason code
    m.refused(
        "zgyh-bank",
        "decide",
        "a bank sees and acts on its own loans only",
        application_id=lid,
        approve=True,
        amount=1,
        rate_bp=400,
        term_months=12,
    )
    m.refused(
        "nsyh-bank",
        "decide",
        "a refusal names its reason code",
        application_id=lid,
        approve=False,
        reason="dislike",
    )
    m.refused(
        "nsyh-bank",
        "decide",
        "exceeds the 50000000 fen applied for",
        application_id=lid,
        approve=True,
        amount=50_000_001,
        rate_bp=400,
        term_months=12,
    )
    d = m.call(
        "nsyh-bank",
        "decide",
        application_id=lid,
        approve=True,
        amount=40_000_000,
        rate_bp=385,
        term_months=12,
    )
    assert d["approved"] and d["amount"] == 40_000_000
    m.refused(
        "nsyh-bank",
        "decide",
        "decision rule: loan",
        application_id=lid,
        approve=True,
        amount=1,
        rate_bp=1,
        term_months=1,
    )
    # disbursements within the approved amount
    m.call("nsyh-bank", "disburse", loan_id=lid, amount=30_000_000)
    err = m.refused("nsyh-bank", "disburse", "disbursement rule", loan_id=lid, amount=10_000_001)
    assert "would exceed the approved 40000000 fen (30000000 fen paid out)" in err
    m.call("nsyh-bank", "disburse", loan_id=lid, amount=10_000_000)
    a = m.query("application", application_id=lid)
    assert a["status"] == "active" and a["outstanding"] == 40_000_000 and a["due"]
    assert a["due"] == "2026-11-27"  # the genesis day (2025-11-27) plus the 12-month term
    m.refused("nsyh-bank", "repay", "exceeds the outstanding", loan_id=lid, amount=40_000_001)
    m.refused("zgyh-bank", "repay", "its own loans only", loan_id=lid, amount=1)
    m.call("nsyh-bank", "repay", loan_id=lid, amount=15_000_000)
    assert m.call("nsyh-bank", "repay", loan_id=lid, amount=25_000_000)["status"] == "settled"
    m.refused("nsyh-bank", "repay", "repayment rule: loan", loan_id=lid, amount=1)
    # a refused application, a withdrawn one
    two = m.apply(bank="zgyh")
    m.call("zgyh-bank", "decide", application_id=two, approve=False, reason="cash_flow")
    three = m.apply()
    assert m.call("sme", "withdraw", application_id=three) == "withdrawn"
    st = m.query("stats")
    assert st["applications"] | {} == {
        "applied": 0,
        "approved": 0,
        "refused": 1,
        "withdrawn": 1,
        "active": 0,
        "settled": 1,
        "written_off": 0,
    }
    (row,) = st["rows"]
    assert (row["sector"], row["bank"], row["disbursed"], row["repaid"], row["outstanding"]) == (
        "C",
        "nsyh",
        40_000_000,
        40_000_000,
        0,
    )


# -- the consent gate of the data-sharing channel ------------------------------------------------


def test_government_data_moves_only_under_the_enterprises_consent(m: Market) -> None:
    m.register("sme")
    m.offer("ent-tax")
    m.offer("ent-social-insurance")
    lid = m.apply()
    r = m.data_request("nsyh", "ent-tax", f"授信审查 {lid}")
    assert r.status == "unauthorized" and "must start with the enterprise's consent id" in r.error
    m.refused(
        "other",
        "grant_consent",
        "not your application",
        application_id=lid,
        items=["ent-tax"],
        days=30,
    )
    m.refused(
        "sme",
        "grant_consent",
        "is not a shared data item",
        application_id=lid,
        items=["hospital-records"],
        days=30,
    )
    m.refused(
        "sme",
        "grant_consent",
        "a consent lasts 1-90 days",
        application_id=lid,
        items=["ent-tax"],
        days=365,
    )
    c = m.call("sme", "grant_consent", application_id=lid, items=["ent-tax"], days=30)
    assert c["status"] == "active" and c["bank"] == "nsyh" and c["application"] == lid
    cid = c["id"]
    purpose = f"{cid} {lid} 授信审查"
    # another bank, another dataset, another application, a window past the consent: refused
    r = m.data_request("zgyh", "ent-tax", purpose)
    assert r.status == "unauthorized" and "names the bank nsyh, not zgyh" in r.error
    r = m.data_request("nsyh", "ent-social-insurance", purpose)
    assert r.status == "unauthorized" and "does not cover 'ent-social-insurance'" in r.error
    r = m.data_request("nsyh", "ent-tax", f"{cid} LA00000099 授信审查")
    assert r.status == "unauthorized" and f"is for application {lid}" in r.error
    r = m.data_request("nsyh", "ent-tax", purpose, days=31)
    assert r.status == "unauthorized" and "outlasts consent" in r.error
    # under the consent: request, approval, delivery, access — each logged by the channel
    r = m.data_request("nsyh", "ent-tax", purpose)
    assert r.ok, r
    rid = event(r, "data.requested", "id")
    assert m.tx("swj", "data.approve", {"request": rid, "until": m.h.time + 5 * DAY_MS}).ok
    r = m.tx("swj-data", "data.deliver", m.deliver_payload(rid, b'{"tax_grade": "A"}'))
    assert r.ok, r
    delivery = event(r, "data.delivered", "id")
    assert m.tx("nsyh-bank", "data.access", {"delivery": delivery, "purpose": purpose}).ok
    assert get_request(m.h.state, rid)["accesses"] == 1
    # the enterprise revokes: the bank can no longer open what was delivered
    m.refused("nsyh-bank", "revoke_consent", "only the enterprise", consent_id=cid)
    assert m.call("sme", "revoke_consent", consent_id=cid)["status"] == "revoked"
    r = m.tx("nsyh-bank", "data.access", {"delivery": delivery, "purpose": purpose})
    assert r.status == "unauthorized" and f"consent {cid} was revoked" in r.error
    # a consent whose application ended gives no purpose any more
    c2 = m.call("sme", "grant_consent", application_id=lid, items=["ent-tax"], days=30)["id"]
    m.call("nsyh-bank", "decide", application_id=lid, approve=False, reason="documents")
    r = m.data_request("nsyh", "ent-tax", f"{c2} {lid}")
    assert r.status == "unauthorized" and "the consent's purpose has ended" in r.error
    m.refused(
        "sme",
        "grant_consent",
        "there is no purpose to consent to",
        application_id=lid,
        items=["ent-tax"],
        days=5,
    )


def test_no_grant_outlives_the_consent(m: Market) -> None:
    m.register("sme")
    m.offer("ent-tax")
    lid = m.apply()
    c = m.call("sme", "grant_consent", application_id=lid, items=["ent-tax"], days=2)
    r = m.data_request("nsyh", "ent-tax", f"{c['id']} {lid}", days=2)
    assert r.ok, r  # until = the consent's last moment at most
    rid = event(r, "data.requested", "id")
    assert m.tx("swj", "data.approve", {"request": rid, "until": c["not_after"]}).ok
    r = m.tx("swj-data", "data.deliver", m.deliver_payload(rid, b"{}"))
    delivery = event(r, "data.delivered", "id")
    m.h.time = c["not_after"]  # the consent's two days pass
    r = m.tx("nsyh-bank", "data.access", {"delivery": delivery, "purpose": "授信审查"})
    assert r.status == "tx_failed" and "approval ended" in r.error


def test_a_sole_proprietors_personal_data_needs_the_operators_own_consent(m: Market) -> None:
    m.register("shop", "sole_proprietor", sector="H")
    m.offer("ent-tax")
    lid = m.apply("shop", amount=5_000_000)
    c = m.call("shop", "grant_consent", application_id=lid, items=["ent-tax"], days=30)
    assert c["status"] == "awaiting_person" and c["person"] == m.did["owner"]
    r = m.data_request("nsyh", "ent-tax", f"{c['id']} {lid}")
    assert r.status == "unauthorized" and "has not consented in person yet" in r.error
    notice = b"\x11" * 32  # the hash of the authorisation text the operator was shown
    m.refused(
        "shop",
        "consent_personal",
        "only the operator named on the licence",
        consent_id=c["id"],
        notice_hash=notice,
    )
    m.refused(
        "other", "consent_personal", "only the operator", consent_id=c["id"], notice_hash=notice
    )
    m.refused(
        "owner",
        "consent_personal",
        "notice_hash must be a 32-byte hash",
        consent_id=c["id"],
        notice_hash=b"short",
    )
    got = m.call("owner", "consent_personal", consent_id=c["id"], notice_hash=notice)
    assert got["status"] == "active" and got["person_consent"]["notice_hash"] == notice
    assert m.data_request("nsyh", "ent-tax", f"{c['id']} {lid}").ok
    # the operator may withdraw it too
    assert m.call("owner", "revoke_consent", consent_id=c["id"])["revoked"]["by"] == m.did["owner"]


# -- exposure across banks -----------------------------------------------------------------------


def test_banks_see_the_aggregate_exposure_and_the_regulator_is_alerted(m: Market) -> None:
    m.register("sme")
    m.refused(
        "nsyh-bank",
        "set_param",
        "needs one of the roles ['admin']",
        name="banks",
        value=["nsyh"],
        reason="x",
    )
    m.refused(
        "nsyh",
        "set_param",
        "only admins of 'jrj'",
        name="banks",
        value=["nsyh", "zgyh", "jmyh"],
        reason="x",
    )
    rec = m.call(
        "jrj",
        "set_param",
        name="banks",
        value=["nsyh", "zgyh", "jmyh"],
        reason="江门银行接入",
        basis="金融局2026年第3号通知",
    )
    assert rec["effective_height"] == m.h.height + 1  # in force from the next block
    loans = []
    for bank, amount in (("nsyh", 30_000_000), ("zgyh", 20_000_000), ("jmyh", 10_000_000)):
        lid = m.approved(bank=bank, amount=amount)
        m.call(f"{bank}-bank", "disburse", loan_id=lid, amount=amount)
        loans.append(lid)
    x = m.query("exposure", did=m.did["sme"])
    assert x == {
        "enterprise": m.did["sme"],
        "lenders": 3,
        "total": 60_000_000,
        "overdue": False,
        "overdue_loans": 0,
    }
    # no bank's share in it; a bank reads its own loan only (the API's rule, see the API test)
    assert "banks" not in x
    alerts = [v for _, v in m.h.state.iter_prefix(b"contract/finance/s/alert/")]
    (a,) = [from_state(v) for v in alerts]
    assert a["kind"] == "multi_lending" and a["value"] == 3 and a["enterprise"] == m.did["sme"]
    # the regulator handles it; nobody else may
    m.refused("nsyh-bank", "handle_alert", "supervisor", alert_id=a["id"], action="reviewed")
    done = m.call("jrj-sup", "handle_alert", alert_id=a["id"], action="inquiry_sent")
    assert done["status"] == "closed" and done["action"] == "inquiry_sent"
    m.refused("jrj-sup", "handle_alert", "already closed", alert_id=a["id"], action="reviewed")
    # concentration: one enterprise above the single-exposure line
    m.call("jrj", "set_param", name="single_exposure_alert", value=70_000_000, reason="测试")
    lid = m.approved(bank="nsyh", amount=20_000_000)
    m.call("nsyh-bank", "disburse", loan_id=lid, amount=20_000_000)
    kinds = [from_state(v)["kind"] for _, v in m.h.state.iter_prefix(b"contract/finance/s/alert/")]
    assert kinds == ["multi_lending", "concentration"]
    st = m.query("stats")
    assert st["total"]["outstanding"] == 80_000_000 and st["total"]["loans"] == 4


def from_state(raw: bytes) -> Any:
    from wuyi.encoding import decode_trusted

    return decode_trusted(raw)


# -- overdue events and negative records ---------------------------------------------------------


def test_overdue_events_notice_first_npl_alert_and_retention(m: Market) -> None:
    m.register("sme")
    lid = m.approved(amount=10_000_000)
    m.call("nsyh-bank", "disburse", loan_id=lid, amount=10_000_000)
    m.refused(
        "nsyh-bank",
        "report_overdue",
        "tell the borrower first",
        loan_id=lid,
        dpd=5,
        amount=1_000_000,
    )
    m.refused("nsyh-bank", "write_off", "only an overdue loan", loan_id=lid, reason="bad_debt")
    m.call("nsyh-bank", "notify_overdue", loan_id=lid, notice_hash=b"\x22" * 32)
    o = m.call("nsyh-bank", "report_overdue", loan_id=lid, dpd=35, amount=1_000_000)
    assert o["dpd"] == 35
    m.refused(
        "nsyh-bank", "report_overdue", "may only raise it", loan_id=lid, dpd=20, amount=1_000_000
    )
    x = m.query("exposure", did=m.did["sme"])
    assert x["overdue"] is True and x["overdue_loans"] == 1
    (neg,) = m.query("negative_records", did=m.did["sme"])
    assert neg["dpd"] == 35 and neg["ended"] is None and neg["started"] == "2025-10-23"
    m.call("nsyh-bank", "report_overdue", loan_id=lid, dpd=95, amount=2_000_000)
    st = m.query("stats")["total"]
    assert st["overdue"] == 10_000_000 and st["npl"] == 10_000_000
    alert = m.query("application", application_id=lid)  # the loan itself
    assert alert["overdue"]["dpd"] == 95
    kinds = [from_state(v)["kind"] for _, v in m.h.state.iter_prefix(b"contract/finance/s/alert/")]
    assert kinds == ["npl"]
    cured = m.call("nsyh-bank", "cure_overdue", loan_id=lid)
    assert cured["ended"] == "2025-11-27" and cured["ended_by"] == "cured"
    assert m.query("exposure", did=m.did["sme"])["overdue"] is False
    assert m.query("stats")["total"]["overdue"] == 0
    # a legacy record (the bank's claim) that ended more than five years ago is hidden at once
    m.refused(
        "nsyh-bank",
        "record_legacy_negative",
        "ended by today",
        enterprise=m.did["sme"],
        dpd=40,
        amount=1,
        started="2025-01-01",
        ended="2026-01-01",
    )
    m.call(
        "nsyh-bank",
        "record_legacy_negative",
        enterprise=m.did["sme"],
        dpd=60,
        amount=3_000_000,
        started="2019-03-01",
        ended="2020-05-01",
    )
    m.call(
        "nsyh-bank",
        "record_legacy_negative",
        enterprise=m.did["sme"],
        dpd=30,
        amount=1_000_000,
        started="2022-01-10",
        ended="2022-02-09",
    )
    shown = m.query("negative_records", did=m.did["sme"])
    assert [(r["source"], r["started"]) for r in shown] == [
        ("reported", "2025-10-23"),
        ("legacy", "2022-01-10"),
    ]
    # five years after the cure the reported one is gone too; the 2022 one already in 2027
    m.h.time += (365 * 5 + 2) * DAY_MS
    m.h.run([])
    assert m.query("negative_records", did=m.did["sme"]) == []
    m.call("jrj", "set_param", name="negative_retention_years", value=5, reason="不变")
    m.refused(
        "jrj", "set_param", "from 1 to 5", name="negative_retention_years", value=7, reason="更久"
    )


def test_write_off_ends_the_loan(m: Market) -> None:
    m.register("sme")
    lid = m.approved(amount=8_000_000)
    m.call("nsyh-bank", "disburse", loan_id=lid, amount=8_000_000)
    m.call("nsyh-bank", "notify_overdue", loan_id=lid, notice_hash=b"\x22" * 32)
    m.call("nsyh-bank", "report_overdue", loan_id=lid, dpd=200, amount=8_000_000)
    m.refused("nsyh-bank", "write_off", "reason is a code", loan_id=lid, reason="坏账 张三")
    assert m.call("nsyh-bank", "write_off", loan_id=lid, reason="bad_debt")["written_off"] == (
        8_000_000
    )
    a = m.query("application", application_id=lid)
    assert a["status"] == "written_off" and a["outstanding"] == 0 and a["overdue"] is None
    assert m.query("exposure", did=m.did["sme"])["total"] == 0
    assert m.query("stats")["total"]["written_off"] == 8_000_000
    (neg,) = m.query("negative_records", did=m.did["sme"])
    assert neg["ended_by"] == "written_off"


# -- receivables ---------------------------------------------------------------------------------


def receivable(
    m: Market,
    invoice: bytes,
    due: str = "2026-04-27",
    amount: int = 9_000_000,
    creditor: str = "sme",
    debtor: str = "core",
) -> dict[str, Any]:
    out: dict[str, Any] = m.call(
        creditor,
        "register_receivable",
        debtor=m.did[debtor],
        amount=amount,
        due_date=due,
        contract_hash=b"\x01" * 32,
        invoice_hash=invoice,
    )
    return out


def test_receivables_confirmed_financed_once_within_the_term(m: Market) -> None:
    m.register("sme")
    m.register("core", sector="C", district="440704")
    args = {"debtor": m.did["core"], "amount": 9_000_000, "contract_hash": b"\x01" * 32}
    m.refused(
        "other",
        "register_receivable",
        "is not a registered enterprise",
        due_date="2026-03-01",
        invoice_hash=b"\x02" * 32,
        **args,
    )
    m.refused(
        "sme",
        "register_receivable",
        "within 12 months",
        due_date="2027-01-01",
        invoice_hash=b"\x02" * 32,
        **args,
    )
    r = receivable(m, b"\x02" * 32)
    assert r["status"] == "registered" and r["creditor"] == m.did["sme"]
    m.refused(
        "sme",
        "register_receivable",
        "one-receivable rule: invoice",
        due_date="2026-03-01",
        invoice_hash=b"\x02" * 32,
        **args,
    )
    # not financeable before the debtor confirms it
    m.refused(
        "sme",
        "apply",
        "only a receivable its debtor confirmed",
        bank="nsyh",
        amount=5_000_000,
        term_months=6,
        purpose="trade",
        collateral=[{"kind": "receivable", "ref": r["id"]}],
    )
    m.refused("sme", "confirm_receivable", "only the debtor", receivable_id=r["id"])
    c = m.call("core", "confirm_receivable", receivable_id=r["id"])
    assert (
        c["status"] == "confirmed" and c["confirmed_on"] == "2025-11-27" and c["term_days"] == 151
    )
    # a term beyond six months needs the debtor's reason; a year is the hard cap
    long = receivable(m, b"\x03" * 32, due="2026-08-01")
    m.refused("core", "confirm_receivable", "needs the debtor's reason", receivable_id=long["id"])
    assert (
        m.call("core", "confirm_receivable", receivable_id=long["id"], long_term_reason="seasonal")[
            "long_term_reason"
        ]
        == "seasonal"
    )
    disputed = receivable(m, b"\x04" * 32)
    assert m.call("core", "dispute_receivable", receivable_id=disputed["id"])["status"] == (
        "disputed"
    )
    # financed at one bank, then refused at another
    coll = [{"kind": "receivable", "ref": r["id"]}]
    one = m.approved(amount=5_000_000, term_months=6, purpose="trade", collateral=coll)
    two = m.approved(bank="zgyh", amount=5_000_000, term_months=6, purpose="trade", collateral=coll)
    m.refused(
        "nsyh-bank",
        "pledge_receivable",
        "did not offer receivable",
        loan_id=one,
        receivable_id=long["id"],
        kind="pledge",
        registry_no="DJ2025112700001",
    )
    enc = m.call(
        "nsyh-bank",
        "pledge_receivable",
        loan_id=one,
        receivable_id=r["id"],
        kind="pledge",
        registry_no="DJ2025112700001",
    )
    assert enc["bank"] == "nsyh"
    err = m.refused(
        "zgyh-bank",
        "pledge_receivable",
        "double-financing rule",
        loan_id=two,
        receivable_id=r["id"],
        kind="transfer",
        registry_no="DJ2025112700002",
    )
    assert "already under a pledge to nsyh" in err
    # released after settlement, it may be financed again
    m.call("nsyh-bank", "disburse", loan_id=one, amount=5_000_000)
    m.refused("nsyh-bank", "release_collateral", "release rule: loan", loan_id=one)
    m.call("nsyh-bank", "repay", loan_id=one, amount=5_000_000)
    assert m.call("nsyh-bank", "release_collateral", loan_id=one) == [r["id"]]
    m.call(
        "zgyh-bank",
        "pledge_receivable",
        loan_id=two,
        receivable_id=r["id"],
        kind="transfer",
        registry_no="DJ2025112700002",
    )
    assert len(m.query("receivable", receivable_id=r["id"])["history"]) == 2


def test_a_confirmed_receivable_past_the_term_is_refused(m: Market) -> None:
    m.register("sme")
    m.register("core")
    r = receivable(m, b"\x05" * 32, due="2026-11-20")
    m.call("jrj", "set_param", name="hard_term_months", value=9, reason="收紧")
    m.refused(
        "jrj",
        "set_param",
        "may not exceed hard_term_months",
        name="max_term_months",
        value=10,
        reason="放宽",
    )
    err = m.refused(
        "core",
        "confirm_receivable",
        "may not exceed 9 months",
        receivable_id=r["id"],
        long_term_reason="seasonal",
    )
    assert "银发〔2025〕77号" in err


# -- property pledged through the registry -------------------------------------------------------


def test_property_is_pledged_and_released_through_the_registry(m: Market) -> None:
    m.register("sme")
    reg = "pjq-reg"
    assert m.h.call(
        reg,
        "realestate",
        "register_unit",
        {"unit_id": UNIT, "location": "江门市蓬江区建设路1号", "area": 50000, "use": "industrial"},
    ).ok
    owners = [{"did": m.did["sme"], "share": 10000}]
    assert m.h.call(reg, "realestate", "first_registration", {"unit_id": UNIT, "owners": owners}).ok
    m.refused(
        "other",
        "apply",
        "is not a registered enterprise",
        bank="nsyh",
        amount=1,
        term_months=1,
        purpose="trade",
    )
    m.register("other")
    m.refused(
        "other",
        "apply",
        f"unit '{UNIT}' is not registered to",
        bank="nsyh",
        amount=1,
        term_months=12,
        purpose="equipment",
        collateral=[{"kind": "property", "ref": UNIT}],
    )
    lid = m.approved(
        amount=30_000_000, purpose="equipment", collateral=[{"kind": "property", "ref": UNIT}]
    )
    p = m.call("nsyh-bank", "pledge_property", loan_id=lid, unit_id=UNIT, amount=30_000_000)
    mortgage = m.query("mortgage", contract="realestate", mortgage_id=p["mortgage"])
    assert mortgage["bank"] == "nsyh" and mortgage["status"] == "active"
    assert m.query("unit", contract="realestate", unit_id=UNIT)["mortgages"][0]["bank"] == "nsyh"
    m.call("nsyh-bank", "disburse", loan_id=lid, amount=30_000_000)
    m.call("nsyh-bank", "repay", loan_id=lid, amount=30_000_000)
    assert m.call("nsyh-bank", "release_collateral", loan_id=lid) == [UNIT]
    assert m.query("mortgage", contract="realestate", mortgage_id=p["mortgage"])["status"] == (
        "released"
    )


def test_parameters_are_the_regulators(m: Market) -> None:
    names = sorted(
        k.decode().split("/")[-1] for k, _ in m.h.state.iter_prefix(b"contract/finance/s/param/")
    )
    assert names == sorted(
        [
            "banks",
            "data_items",
            "max_consent_days",
            "max_term_months",
            "hard_term_months",
            "negative_retention_years",
            "multi_lending_banks",
            "npl_dpd",
            "single_exposure_alert",
            "refusal_reasons",
        ]
    )
    for name in names:
        assert m.query("param", name=name)["record"]["basis"]
