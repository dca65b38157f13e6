"""Scenario 2, 不动产登记: the ``realestate`` contract through real blocks (LedgerHarness) —
units, first registration with certificates, transfer only against a filed ``housing``
contract and the tax proof, mortgages released only by their bank, seizures by courts
blocking transfer and mortgage, corrections, a unit's history across two district offices,
and registry parameters set by ``bdc`` from the next block. Every refusal names its rule.

The chain builder (:class:`City`) is shared with ``test_scenario_housing.py``."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.crypto import format_address
from wuyi.ledger.handlers.contracts import query_contract
from wuyi.ledger.types import Receipt
from wuyi.scenarios import contract_source as source
from wuyi.testing.factories import LedgerHarness
from wuyi.testing.presentations import CredentialDesk

FAMILY = "FamilyCredential"
HOUSEHOLD = "HouseholdCredential"
SS = "SocialSecurityCredential"
UNIT = "440703-001-0001"  # 蓬江区 (restricted)
UNIT2 = "440703-001-0002"
DEV = "did:wuyi:org:wyzy"
ORGS = [
    ("bdc", "江门市不动产登记中心", False),
    ("pjq", "蓬江区政务服务中心", False),
    ("xhq", "新会区政务服务中心", False),
    ("fy", "江门市中级人民法院", False),
    ("nsyh", "江门农商银行", False),
    ("zgyh", "中国银行江门分行", False),
    ("wyzy", "五邑置业有限公司", False),
    ("mzj", "江门市民政局", True),
    ("gaj", "江门市公安局", True),
    ("rsj", "江门市人力资源和社会保障局", True),
]


def returned(r: Receipt) -> Any:
    return next((e.attrs["value"] for e in r.events if e.type == "contract.returned"), None)


class City:
    """Jiangmen in a test chain: both contracts deployed, the offices, court, banks,
    developer and credential issuers admitted; members ``<org>-reg`` (registrar of bdc, pjq,
    xhq), ``fy-judge``, ``<bank>-bank``, ``wyzy-dev``, ``zjj-filing``; citizens ``buyer``,
    ``spouse``, ``child``, ``other`` with DIDs."""

    def __init__(self) -> None:
        self.h = h = LedgerHarness()
        self.desk = d = CredentialDesk(h)
        d.deploy("realestate", source("realestate"))
        d.deploy("housing", source("housing"))
        for org, name, issuer in ORGS:
            d.admit(org, name, issuer=issuer)
        for org in ("bdc", "pjq", "xhq"):
            h.add_member(org, org, f"{org}-reg", ["registrar"])
        h.add_member("fy", "fy", "fy-judge", ["judge"])
        h.add_member("nsyh", "nsyh", "nsyh-bank", ["banker"])
        h.add_member("zgyh", "zgyh", "zgyh-bank", ["banker"])
        h.add_member("wyzy", "wyzy", "wyzy-dev", ["developer"])
        h.add_member("zjj", "zjj", "zjj-filing", ["filing"])
        h.add_member("pjq", "pjq", "pjq-judge", ["judge"])  # a judge role outside any court
        d.set_type(FAMILY, ["mzj"], ["family_dids"])
        d.set_type(HOUSEHOLD, ["gaj"], ["local_hukou"])
        d.set_type(SS, ["rsj"], ["ss_months_60"])
        self.did = {n: d.holder(n) for n in ("buyer", "spouse", "child", "other")}

    # -- calls ---------------------------------------------------------------------------------

    def call(self, signer: str, contract: str, method: str, **args: Any) -> Any:
        r = self.h.call(signer, contract, method, args)
        assert r.ok, r
        return returned(r)

    def refused(self, signer: str, contract: str, method: str, rule: str, **args: Any) -> str:
        r = self.h.call(signer, contract, method, args)
        assert r.status == "contract_revert", r
        assert rule in r.error, r.error
        return r.error

    def query(self, contract: str, method: str, **args: Any) -> Any:
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

    # -- steps ---------------------------------------------------------------------------------

    def unit(self, unit_id: str = UNIT, office: str | None = None, owner: str = DEV) -> str:
        """Register ``unit_id`` by ``office`` (default: its district's office, else the city
        centre ``bdc``) and record ``owner``; the certificate id."""
        office = office or {"440703": "pjq", "440705": "xhq"}.get(unit_id[:6], "bdc")
        self.call(
            f"{office}-reg",
            "realestate",
            "register_unit",
            unit_id=unit_id,
            location="江门市蓬江区建设路1号1栋101",
            area=8950,
            use="residential",
        )
        return str(
            self.call(
                f"{office}-reg",
                "realestate",
                "first_registration",
                unit_id=unit_id,
                owners=[{"did": owner, "share": 10000}],
            )
        )

    def credentials(
        self,
        holder: str = "buyer",
        *,
        family: list[str] | None = None,
        local: bool = True,
        ss: int | None = None,
    ) -> list[str]:
        d = self.desk
        fam = [self.did["spouse"], self.did["child"]] if family is None else family
        creds = [
            d.issue(holder, "mzj", FAMILY, {"family_dids": fam}),
            d.issue(holder, "gaj", HOUSEHOLD, {"local_hukou": local}),
        ]
        if ss is not None:
            creds.append(d.issue(holder, "rsj", SS, {"ss_months_60": ss}))
        return creds

    def eligibility(self, cid: str, creds: list[str], holder: str = "buyer") -> Receipt:
        with_ss = len(creds) == 3
        req = self.query("housing", "eligibility_request", with_social_security=with_ss)
        consent = self.desk.consent(holder, "zjj", req["types"], req["claims"])
        nonce = self.query("housing", "eligibility_nonce", contract_id=cid, did=self.did[holder])
        text = self.desk.present(
            holder, creds, req["claims"], verifier="zjj", nonce=nonce, consent=consent
        )
        return self.h.call(
            holder,
            "housing",
            "check_eligibility",
            {
                "contract_id": cid,
                "presentation_text": self.h.sidecar(text),
                "with_social_security": with_ss,
            },
        )

    def signed_contract(
        self,
        unit_id: str = UNIT,
        buyers: tuple[str, ...] = ("buyer",),
        price: int = 150_000_000,
        list_it: bool = True,
    ) -> str:
        """Listed, drafted, eligible and signed by every party (not yet filed)."""
        if list_it:
            self.call("wyzy-dev", "housing", "list_unit", unit_id=unit_id)
        cid = str(
            self.call(
                "wyzy-dev",
                "housing",
                "draft",
                unit_id=unit_id,
                buyers=[self.did[b] for b in buyers],
                price=price,
            )
        )
        r = self.eligibility(cid, self.credentials())
        assert r.ok, r
        for b in buyers:
            self.call(b, "housing", "sign", contract_id=cid)
        assert self.call("wyzy-dev", "housing", "sign", contract_id=cid) == "signed"
        return cid

    def filed_contract(
        self, unit_id: str = UNIT, price: int = 150_000_000, proof: bytes = b"\x07" * 32
    ) -> str:
        """A filed contract with the buyer's tax declaration (proof hash ``proof``)."""
        cid = self.signed_contract(unit_id, price=price)
        self.call("zjj-filing", "housing", "file", contract_id=cid)
        self.call("buyer", "housing", "declare_tax", contract_id=cid, price=price, proof=proof)
        return cid

    def transfer(
        self, cid: str, office: str = "bdc", unit_id: str = UNIT, proof: bytes = b"\x07" * 32
    ) -> Receipt:
        return self.h.call(
            f"{office}-reg",
            "realestate",
            "transfer",
            {
                "unit_id": unit_id,
                "contract_id": cid,
                "buyers": [self.did["buyer"]],
                "tax_proof": proof,
            },
        )


@pytest.fixture
def city() -> City:
    return City()


# -- units and first registration ----------------------------------------------------------------


def test_register_unit_and_first_registration(city: City) -> None:
    cert_id = city.unit()
    u = city.query("realestate", "unit", unit_id=UNIT)
    assert u["district"] == "440703" and u["area"] == 8950 and u["use"] == "residential"
    assert u["owners"] == [{"did": DEV, "share": 10000}] and u["cert"] == cert_id
    cert = city.query("realestate", "cert", cert_id=cert_id)
    assert cert["unit"] == UNIT and cert["owners"] == [DEV] and cert["status"] == "active"
    assert cert["height"] == city.h.height and len(cert["commitment"]) == 32
    assert city.query("realestate", "units_of", did=DEV) == [[UNIT, 10000]]
    # refusals name their rule
    city.refused(
        "pjq-reg",
        "realestate",
        "register_unit",
        "unit rule: unit '440703-001-0001' is already registered",
        unit_id=UNIT,
        location="x",
        area=1,
        use="residential",
    )
    city.refused(
        "pjq-reg",
        "realestate",
        "register_unit",
        "unit rule: 'A-1' is not a unit",
        unit_id="A-1",
        location="x",
        area=1,
        use="residential",
    )
    city.refused(
        "pjq-reg",
        "realestate",
        "first_registration",
        "ownership rule",
        unit_id=UNIT,
        owners=[{"did": city.did["buyer"], "share": 10000}],
    )
    city.call(
        "pjq-reg", "realestate", "register_unit", unit_id=UNIT2, location="x", area=1, use="parking"
    )
    city.refused(
        "pjq-reg",
        "realestate",
        "first_registration",
        "share rule: the owners' shares must sum to 100%",
        unit_id=UNIT2,
        owners=[
            {"did": city.did["buyer"], "share": 5000},
            {"did": city.did["spouse"], "share": 4000},
        ],
    )
    city.refused(
        "pjq-reg",
        "realestate",
        "first_registration",
        "is not a DID",
        unit_id=UNIT2,
        owners=[{"did": "张三", "share": 10000}],
    )
    # a registrar of an organisation that is no office; a bank without the role
    city.h.add_member("zgyh", "zgyh", "zgyh-reg", ["registrar"])
    city.refused(
        "zgyh-reg",
        "realestate",
        "register_unit",
        "office rule: 'zgyh' is not a registration office",
        unit_id="440703-001-0009",
        location="x",
        area=1,
        use="residential",
    )
    r = city.h.call(
        "nsyh-bank",
        "realestate",
        "register_unit",
        {"unit_id": "440703-001-0009", "location": "x", "area": 1, "use": "residential"},
    )
    assert r.status == "unauthorized" and "registrar" in r.error


def test_homes_count(city: City) -> None:
    b, s = city.did["buyer"], city.did["spouse"]
    city.unit(UNIT, owner=b)
    city.call(
        "pjq-reg",
        "realestate",
        "register_unit",
        unit_id=UNIT2,
        location="x",
        area=1,
        use="residential",
    )
    city.call(
        "pjq-reg",
        "realestate",
        "first_registration",
        unit_id=UNIT2,
        owners=[{"did": b, "share": 5000}, {"did": s, "share": 5000}],
    )
    city.unit("440781-002-0001", office="bdc", owner=s)  # 台山, not restricted
    assert city.query("realestate", "homes_count", dids=[b, s]) == 3
    assert city.query("realestate", "homes_count", dids=[b, s], districts=["440703"]) == 2
    assert city.query("realestate", "homes_count", dids=[city.did["other"]]) == 0
    assert [x[0] for x in city.query("realestate", "units_of", did=s)] == [UNIT2, "440781-002-0001"]


# -- transfer against the filed contract ----------------------------------------------------------


def test_transfer_references_filed_contract_and_tax_proof(city: City) -> None:
    old_cert = city.unit()
    cid = city.signed_contract()
    # not filed yet
    r = city.transfer(cid)
    assert r.status == "contract_revert" and "filed-contract rule (网签备案)" in r.error
    city.call("zjj-filing", "housing", "file", contract_id=cid)
    r = city.transfer(cid)  # no tax declaration
    assert "tax rule (完税): contract" in r.error and "has no tax declaration" in r.error
    city.call(
        "buyer", "housing", "declare_tax", contract_id=cid, price=150_000_000, proof=b"\x07" * 32
    )
    r = city.transfer(cid, proof=b"\x08" * 32)
    assert "tax rule (完税): the tax-paid proof does not match" in r.error
    r = city.h.call(
        "bdc-reg",
        "realestate",
        "transfer",
        {
            "unit_id": UNIT,
            "contract_id": cid,
            "buyers": [city.did["other"]],
            "tax_proof": b"\x07" * 32,
        },
    )
    assert "filed-contract rule (网签备案): the buyers do not match" in r.error
    r = city.transfer("WQ99999999")
    assert "filed-contract rule (网签备案): no housing contract" in r.error
    r = city.transfer(cid)
    assert r.ok, r
    new_cert = returned(r)
    u = city.query("realestate", "unit", unit_id=UNIT)
    assert u["owners"] == [{"did": city.did["buyer"], "share": 10000}]
    assert u["cert"] == new_cert != old_cert
    assert city.query("realestate", "cert", cert_id=old_cert)["status"] == "superseded"
    cert = city.query("realestate", "cert", cert_id=new_cert)
    assert cert["owners"] == [city.did["buyer"]] and cert["kind"] == "transfer"
    last = city.query("realestate", "history", unit_id=UNIT)[-1]
    assert last["op"] == "transfer" and last["org"] == "bdc"
    assert last["what"]["contract"] == cid and last["what"]["tax_proof"] == b"\x07" * 32
    assert last["what"]["price"] == 150_000_000 and last["what"]["from"] == [DEV]
    c = city.query("housing", "contract", contract_id=cid)
    assert c["status"] == "completed" and c["cert"] == new_cert
    assert city.query("housing", "filings", unit_id=UNIT)["active"] is None
    # the contract is spent: it cannot transfer the unit again
    r = city.transfer(cid)
    assert "filed-contract rule" in r.error or "filed-contract" in r.error
    assert city.query("realestate", "units_of", did=DEV) == []


def test_complete_only_from_the_registry(city: City) -> None:
    city.unit()
    cid = city.filed_contract()
    city.refused(
        "zjj-filing",
        "housing",
        "complete",
        "only the registry contract",
        contract_id=cid,
        cert_id="BDC00000001",
    )


# -- mortgages ------------------------------------------------------------------------------------


def test_mortgage_blocks_transfer_until_that_bank_releases(city: City) -> None:
    city.unit()
    mid = city.call("nsyh-bank", "realestate", "register_mortgage", unit_id=UNIT, amount=50_000_000)
    # listing a mortgaged unit needs the bank's consent
    city.refused("wyzy-dev", "housing", "list_unit", "which has not consented", unit_id=UNIT)
    city.refused("zgyh-bank", "housing", "consent_listing", "holds no mortgage", unit_id=UNIT)
    city.call("nsyh-bank", "housing", "consent_listing", unit_id=UNIT)
    cid = city.signed_contract()
    city.call("zjj-filing", "housing", "file", contract_id=cid)
    city.call(
        "buyer", "housing", "declare_tax", contract_id=cid, price=150_000_000, proof=b"\x07" * 32
    )
    r = city.transfer(cid)
    assert r.status == "contract_revert"
    assert r.error.startswith(
        "mortgage rule (抵押): unit '440703-001-0001' is mortgaged to bank nsyh"
    )
    # another bank cannot release it; a registrar neither
    city.refused(
        "zgyh-bank",
        "realestate",
        "release_mortgage",
        "mortgage rule (抵押): only the bank that registered mortgage",
        mortgage_id=mid,
    )
    r = city.h.call("pjq-reg", "realestate", "release_mortgage", {"mortgage_id": mid})
    assert r.status == "unauthorized" and "banker" in r.error
    city.call("nsyh-bank", "realestate", "release_mortgage", mortgage_id=mid)
    city.refused("nsyh-bank", "realestate", "release_mortgage", "already released", mortgage_id=mid)
    assert city.query("realestate", "mortgage", mortgage_id=mid)["status"] == "released"
    assert city.transfer(cid).ok
    # the buyer's bank: mortgage refers to the filed contract's loan
    assert city.query("realestate", "unit", unit_id=UNIT)["mortgages"] == []


def test_mortgage_refers_to_the_contract_loan(city: City) -> None:
    city.unit()
    cid = city.filed_contract()
    city.call("zgyh-bank", "housing", "register_loan", contract_id=cid, amount=90_000_000)
    assert city.transfer(cid).ok
    city.refused(
        "nsyh-bank",
        "realestate",
        "register_mortgage",
        "loan rule: bank nsyh registered no loan",
        unit_id=UNIT,
        amount=1,
        contract_id=cid,
    )
    city.refused(
        "zgyh-bank",
        "realestate",
        "register_mortgage",
        "loan rule: the mortgage (90000001 fen) exceeds the loan of 90000000 fen",
        unit_id=UNIT,
        amount=90_000_001,
        contract_id=cid,
    )
    mid = city.call(
        "zgyh-bank",
        "realestate",
        "register_mortgage",
        unit_id=UNIT,
        amount=90_000_000,
        contract_id=cid,
    )
    m = city.query("realestate", "mortgage", mortgage_id=mid)
    assert m["contract"] == cid and m["bank"] == "zgyh" and m["amount"] == 90_000_000
    # an organisation that is no bank, with the role
    city.h.add_member("wyzy", "wyzy", "wyzy-bank", ["banker"])
    city.refused(
        "wyzy-bank",
        "realestate",
        "register_mortgage",
        "bank rule: 'wyzy' is not a bank",
        unit_id=UNIT,
        amount=1,
    )


# -- seizures -------------------------------------------------------------------------------------


def test_seizure_blocks_transfer_and_mortgage(city: City) -> None:
    city.unit()
    cid = city.filed_contract()
    case = b"\x11" * 32
    city.refused(
        "pjq-judge",
        "realestate",
        "seize",
        "court rule: 'pjq' is not a court",
        unit_id=UNIT,
        case_hash=case,
    )
    sid = city.call("fy-judge", "realestate", "seize", unit_id=UNIT, case_hash=case)
    r = city.transfer(cid)
    assert r.status == "contract_revert"
    assert r.error.startswith("seizure rule (查封): unit '440703-001-0001' is seized by court fy")
    city.refused(
        "nsyh-bank",
        "realestate",
        "register_mortgage",
        "seizure rule (查封): unit '440703-001-0001' is seized by court fy",
        unit_id=UNIT,
        amount=1_000_000,
    )
    # listing a seized unit is refused too (housing asks the registry)
    city.call(
        "pjq-reg",
        "realestate",
        "register_unit",
        unit_id=UNIT2,
        location="x",
        area=1,
        use="residential",
    )
    city.call("fy-judge", "realestate", "seize", unit_id=UNIT2, case_hash=case)
    city.refused("wyzy-dev", "housing", "list_unit", "seizure rule (查封)", unit_id=UNIT2)
    # only a court lifts it
    city.refused(
        "pjq-judge",
        "realestate",
        "lift_seizure",
        "court rule",
        seizure_id=sid,
        order_hash=b"\x12" * 32,
    )
    r = city.h.call(
        "nsyh-bank", "realestate", "lift_seizure", {"seizure_id": sid, "order_hash": b"\x12" * 32}
    )
    assert r.status == "unauthorized" and "judge" in r.error
    city.call("fy-judge", "realestate", "lift_seizure", seizure_id=sid, order_hash=b"\x12" * 32)
    assert city.query("realestate", "seizure", seizure_id=sid)["status"] == "lifted"
    assert city.transfer(cid).ok


# -- history across offices, corrections ----------------------------------------------------------


def test_history_across_two_district_offices(city: City) -> None:
    h = city.h
    city.call(
        "pjq-reg",
        "realestate",
        "register_unit",
        unit_id=UNIT,
        location="建设路1号",
        area=8950,
        use="residential",
    )
    city.call(
        "bdc-reg",
        "realestate",
        "first_registration",
        unit_id=UNIT,
        owners=[{"did": DEV, "share": 10000}],
    )
    # every office sees the change in the next block: a correction by pjq, read by bdc's query
    city.refused(
        "pjq-reg",
        "realestate",
        "correct",
        "correction rule: a reason",
        unit_id=UNIT,
        field="area",
        value=8960,
        reason="",
    )
    city.refused(
        "pjq-reg",
        "realestate",
        "correct",
        "correction rule: field must be one of",
        unit_id=UNIT,
        field="owners",
        value="x",
        reason="测绘更正",
    )
    city.call(
        "pjq-reg",
        "realestate",
        "correct",
        unit_id=UNIT,
        field="area",
        value=8960,
        reason="测绘更正 (resurvey)",
    )
    assert city.query("realestate", "unit", unit_id=UNIT)["area"] == 8960
    mid = city.call("nsyh-bank", "realestate", "register_mortgage", unit_id=UNIT, amount=10_000_000)
    city.call("nsyh-bank", "realestate", "release_mortgage", mortgage_id=mid)
    cid = city.filed_contract()
    assert city.transfer(cid, office="bdc").ok
    hist = city.query("realestate", "history", unit_id=UNIT)
    assert [e["op"] for e in hist] == [
        "register_unit",
        "first_registration",
        "correct",
        "mortgage",
        "release_mortgage",
        "transfer",
    ]
    assert [e["org"] for e in hist] == ["pjq", "bdc", "pjq", "nsyh", "nsyh", "bdc"]
    assert hist[0]["by"] == format_address(h.address("pjq-reg"))
    assert hist[1]["by"] == format_address(h.address("bdc-reg"))
    assert hist[2]["what"] == {
        "field": "area",
        "old": 8950,
        "new": 8960,
        "reason": "测绘更正 (resurvey)",
    }
    heights = [e["height"] for e in hist]
    assert heights == sorted(heights) and len(set(heights)) == len(heights)
    assert all(e["time"] > 0 and len(e["tx"]) == 64 for e in hist)
    # paging
    assert [e["seq"] for e in city.query("realestate", "history", unit_id=UNIT, start_after=4)] == [
        5,
        6,
    ]


# -- parameters -----------------------------------------------------------------------------------


def test_registry_parameter_from_next_block_by_bdc_only(city: City) -> None:
    h = city.h
    city.unit()
    city.refused(
        "zjj",
        "realestate",
        "set_param",
        "param rule: only admins of 'bdc'",
        name="banks",
        value=["nsyh"],
        reason="x",
    )
    city.refused(
        "bdc",
        "realestate",
        "set_param",
        "param rule: unknown parameter",
        name="nothing",
        value=["x"],
        reason="x",
    )
    city.refused(
        "bdc",
        "realestate",
        "set_param",
        "param rule: a reason",
        name="banks",
        value=["nsyh"],
        reason="",
    )
    # the change and a zgyh mortgage in the same block: the old list still holds
    txs = [
        h.tx(
            "bdc",
            "contract.call",
            {
                "contract": "realestate",
                "method": "set_param",
                "args": {"name": "banks", "value": ["nsyh"], "reason": "中国银行退出试点"},
            },
        ),
        h.tx(
            "zgyh-bank",
            "contract.call",
            {
                "contract": "realestate",
                "method": "register_mortgage",
                "args": {"unit_id": UNIT, "amount": 1000},
            },
        ),
    ]
    _, res = h.run(txs)
    assert [r.ok for r in res.receipts] == [True, True], res.receipts
    set_height = h.height
    r = h.call("zgyh-bank", "realestate", "register_mortgage", {"unit_id": UNIT, "amount": 1000})
    assert r.status == "contract_revert" and "bank rule: 'zgyh' is not a bank" in r.error
    hist = city.query("realestate", "param_history", name="banks")
    assert [x["value"] for x in hist] == [["nsyh", "zgyh"], ["nsyh"]]
    assert hist[1]["set_by"] == format_address(h.address("bdc")) and hist[1]["org"] == "bdc"
    assert hist[1]["effective_height"] == set_height + 1 and hist[1]["height"] == set_height
    assert hist[1]["reason"] == "中国银行退出试点" and hist[1]["previous"] == ["nsyh", "zgyh"]
    assert city.query("realestate", "param", name="banks")["value"] == ["nsyh"]


# -- certificate credentials (link_credential) ----------------------------------------------------


def test_link_credential_by_an_issuer_of_the_recording_office_or_bdc(city: City) -> None:
    h = city.h
    for org in ("bdc", "pjq", "xhq"):
        h.add_member(org, org, f"{org}-issuer", ["issuer"])
    b, s = city.did["buyer"], city.did["spouse"]
    city.call(
        "pjq-reg",
        "realestate",
        "register_unit",
        unit_id=UNIT,
        location="x",
        area=1,
        use="residential",
    )
    cert_id = city.call(
        "pjq-reg",
        "realestate",
        "first_registration",
        unit_id=UNIT,
        owners=[{"did": b, "share": 6000}, {"did": s, "share": 4000}],
    )
    # another district office's issuer, the recording office's registrar, no such certificate
    city.refused(
        "xhq-issuer",
        "realestate",
        "link_credential",
        f"credential rule: only an issuer of 'pjq' (the office that recorded certificate"
        f" '{cert_id}') or of 'bdc'",
        cert_id=cert_id,
        idx=0,
        holder=b,
    )
    city.refused(
        "pjq-reg",
        "realestate",
        "link_credential",
        "only an issuer of 'pjq'",
        cert_id=cert_id,
        idx=0,
    )
    city.refused(
        "pjq-issuer",
        "realestate",
        "link_credential",
        "credential rule: no certificate 'BDC99999999'",
        cert_id="BDC99999999",
        idx=0,
    )
    # two owners: the holder must be named, and be an owner
    city.refused(
        "pjq-issuer",
        "realestate",
        "link_credential",
        "has several owners; name the holder",
        cert_id=cert_id,
        idx=0,
    )
    city.refused(
        "pjq-issuer",
        "realestate",
        "link_credential",
        f"credential rule: {city.did['other']} is not an owner",
        cert_id=cert_id,
        idx=0,
        holder=city.did["other"],
    )
    city.refused(
        "pjq-issuer",
        "realestate",
        "link_credential",
        "idx is the credential's status index",
        cert_id=cert_id,
        idx=-1,
        holder=b,
    )
    cert = city.call(
        "pjq-issuer", "realestate", "link_credential", cert_id=cert_id, idx=3, holder=b
    )
    assert [(x["holder"], x["org"], x["idx"]) for x in cert["credentials"]] == [(b, "pjq", 3)]
    city.refused(
        "bdc-issuer",
        "realestate",
        "link_credential",
        f"credential rule: the credential of {b} on certificate '{cert_id}' is already linked"
        " (pjq/3)",
        cert_id=cert_id,
        idx=4,
        holder=b,
    )
    # bdc may link for any office
    city.call("bdc-issuer", "realestate", "link_credential", cert_id=cert_id, idx=0, holder=s)
    stored = city.query("realestate", "cert", cert_id=cert_id)
    assert [(x["holder"], x["org"], x["idx"]) for x in stored["credentials"]] == [
        (b, "pjq", 3),
        (s, "bdc", 0),
    ]
    assert stored["credentials"][1]["height"] == h.height


def test_link_credential_refused_for_a_superseded_certificate(city: City) -> None:
    city.h.add_member("pjq", "pjq", "pjq-issuer", ["issuer"])
    old = city.unit()
    cid = city.filed_contract()
    new = returned(city.transfer(cid))
    assert new and new != old
    city.refused(
        "pjq-issuer",
        "realestate",
        "link_credential",
        f"credential rule: certificate '{old}' is superseded",
        cert_id=old,
        idx=0,
    )
    # the new certificate was recorded by bdc: pjq's issuer may not link it
    city.refused(
        "pjq-issuer", "realestate", "link_credential", "only an issuer of 'bdc'", cert_id=new, idx=0
    )


# -- jurisdiction (属地登记, issue #16 item 5) -----------------------------------------------------


def test_an_office_registers_only_in_its_districts(city: City) -> None:
    """Regression: pjq-registrar (蓬江) registered a 新会 unit. Each office registers in the
    districts the governed parameter ``jurisdictions`` gives it; anything else is refused,
    naming the rule, and nothing is written."""
    xinhui = "440705-003-0001"
    for method, args in (
        ("register_unit", {"location": "新会区会城1号", "area": 9000, "use": "residential"}),
    ):
        city.refused(
            "pjq-reg",
            "realestate",
            method,
            "jurisdiction rule (属地登记): office 'pjq' registers units in 440703; unit"
            f" '{xinhui}' is in district 440705",
            unit_id=xinhui,
            **args,
        )
    assert city.query("realestate", "unit", unit_id=xinhui) is None
    # 新会's own office registers it; pjq may not record its owners, correct or transfer it
    city.unit(xinhui, office="xhq")
    city.refused(
        "pjq-reg",
        "realestate",
        "correct",
        "jurisdiction rule (属地登记): office 'pjq'",
        unit_id=xinhui,
        field="area",
        value=9100,
        reason="测绘更正",
    )
    rec = city.query("realestate", "param", name="jurisdictions")
    assert rec["value"]["pjq"] == ["440703"] and "第七条" in rec["record"]["basis"]
    # the consortium gives pjq 新会 as well (a governed change by bdc, from the next block)
    value = {**rec["value"], "pjq": ["440703", "440705"]}
    city.call("bdc", "realestate", "set_param", name="jurisdictions", value=value, reason="委托")
    city.call(
        "pjq-reg",
        "realestate",
        "correct",
        unit_id=xinhui,
        field="area",
        value=9100,
        reason="测绘更正",
    )
    assert city.query("realestate", "unit", unit_id=xinhui)["area"] == 9100
    city.refused(
        "bdc",
        "realestate",
        "set_param",
        "param rule: 'jurisdictions' maps codes",
        name="jurisdictions",
        value={"pjq": "440703"},
        reason="x",
    )
