"""Scenario 1, 住房网签: the ``housing`` contract through real blocks — listing, eligibility
checked by the contract from the buyer's presented credentials (family, household registration,
social-security months) and the registry's homes count, both parties' signatures (the buyer by
DID key), filing with one active filing per unit (阴阳合同), loans within the LTV of the filed
price, the tax declaration at the filed price, cancellation by buyer, seller and bureau, the
bureau's dashboard, and a zjj parameter change from the next block, on record with its author.
Every refusal names its rule; no family member's DID or credential value lands in state."""

from __future__ import annotations

from typing import Any

import pytest
from test_scenario_realestate import DEV, UNIT, UNIT2, City, returned

from wuyi.crypto import format_address


@pytest.fixture
def city() -> City:
    return City()


def test_listing_eligibility_signatures_filing(city: City) -> None:
    city.unit()
    city.refused(
        "wyzy-dev",
        "housing",
        "list_unit",
        "listing rule: unit '440703-009-0009' is not in the real-estate registry",
        unit_id="440703-009-0009",
    )
    city.h.add_member("nsyh", "nsyh", "nsyh-dev", ["developer"])
    city.refused(
        "nsyh-dev",
        "housing",
        "list_unit",
        "developer rule: 'nsyh' is not a developer",
        unit_id=UNIT,
    )
    listing = city.call("wyzy-dev", "housing", "list_unit", unit_id=UNIT)
    assert listing["seller"] == DEV and listing["district"] == "440703"
    city.refused("wyzy-dev", "housing", "list_unit", "already listed", unit_id=UNIT)
    buyer = city.did["buyer"]
    cid = city.call("wyzy-dev", "housing", "draft", unit_id=UNIT, buyers=[buyer], price=150_000_000)
    # signing before eligibility is refused
    city.refused("buyer", "housing", "sign", "signing rule", contract_id=cid)
    r = city.eligibility(cid, city.credentials())
    assert r.ok, r
    e = returned(r)
    assert e["eligible"] and e["rules"] == {"max_homes": "pass", "min_ss_months": "not_applicable"}
    assert len(e["presentations"]) == 2
    # no hash of the family's DIDs: it would link public DIDs into a family (issue #16 item 6)
    assert "family_hash" not in e
    city.refused("other", "housing", "sign", "signing rule: only the buyers", contract_id=cid)
    assert city.call("buyer", "housing", "sign", contract_id=cid) == "eligible"
    city.refused("buyer", "housing", "sign", "already signed", contract_id=cid)
    city.refused("zjj-filing", "housing", "file", "filing rule: contract", contract_id=cid)
    assert city.call("wyzy-dev", "housing", "sign", contract_id=cid) == "signed"
    filed = city.call("zjj-filing", "housing", "file", contract_id=cid)
    assert filed["by"] == format_address(city.h.address("zjj-filing"))
    c = city.query("housing", "contract", contract_id=cid)
    assert c["status"] == "filed" and list(c["signatures"]["buyers"]) == [buyer]
    assert c["signatures"]["buyers"][buyer] < c["signatures"]["seller"]["height"]
    assert [t["status"] for t in c["trace"]] == ["draft", "eligible", "signed", "filed"]
    assert city.query("housing", "filings", unit_id=UNIT)["active"] == cid
    dash = city.query("housing", "dashboard")
    assert dash["filed"] == 1 and dash["draft"] == 0 and dash["eligible"] == 0
    # no family member's DID, no credential value in the contract's state
    blob = b"".join(v for k, v in city.h.state.iter_prefix(b"contract/housing/s/"))
    assert city.did["spouse"].encode() not in blob and city.did["child"].encode() not in blob
    assert b"local_hukou" not in blob and "蓬江".encode() not in blob


def test_second_filing_for_the_same_unit_is_refused(city: City) -> None:
    city.unit()
    first = city.signed_contract()
    second = city.signed_contract(list_it=False, price=120_000_000)
    city.call("zjj-filing", "housing", "file", contract_id=first)
    error = city.refused(
        "zjj-filing", "housing", "file", "one-filing rule (阴阳合同)", contract_id=second
    )
    assert f"already has the active filed contract {first}" in error
    assert city.query("housing", "contract", contract_id=second)["status"] == "signed"
    # cancelling needs buyer, seller and bureau; then the other contract may be filed
    city.refused(
        "other",
        "housing",
        "approve_cancel",
        "cancellation rule: only the buyers",
        contract_id=first,
    )
    assert city.call("buyer", "housing", "approve_cancel", contract_id=first) == "filed"
    city.refused("buyer", "housing", "approve_cancel", "already approved", contract_id=first)
    assert city.call("wyzy-dev", "housing", "approve_cancel", contract_id=first) == "filed"
    city.refused("zjj-filing", "housing", "file", "one-filing rule", contract_id=second)
    assert city.call("zjj-filing", "housing", "approve_cancel", contract_id=first) == "cancelled"
    city.call("zjj-filing", "housing", "file", contract_id=second)
    f = city.query("housing", "filings", unit_id=UNIT)
    assert f["active"] == second
    assert [(x["id"], x["status"]) for x in f["filed"]] == [(first, "cancelled"), (second, "filed")]
    dash = city.query("housing", "dashboard")
    assert dash["cancelled"] == 1 and dash["filed"] == 1


def test_loan_above_ltv_refused_and_tax_at_filed_price(city: City) -> None:
    city.unit()
    cid = city.signed_contract(price=100_000_000)
    city.refused(
        "nsyh-bank", "housing", "register_loan", "loan rule: contract", contract_id=cid, amount=1
    )
    city.call("zjj-filing", "housing", "file", contract_id=cid)
    error = city.refused(
        "nsyh-bank",
        "housing",
        "register_loan",
        "LTV rule max_ltv_pct",
        contract_id=cid,
        amount=70_000_001,
    )
    assert "exceed 70% of the filed price 100000000 fen (at most 70000000 fen)" in error
    city.call("nsyh-bank", "housing", "register_loan", contract_id=cid, amount=50_000_000)
    city.refused(
        "zgyh-bank", "housing", "register_loan", "LTV rule", contract_id=cid, amount=20_000_001
    )
    city.h.add_member("wyzy", "wyzy", "wyzy-bank", ["banker"])
    city.refused("wyzy-bank", "housing", "register_loan", "bank rule", contract_id=cid, amount=1)
    # the tax declaration must carry the filed price (阴阳合同)
    city.refused(
        "buyer",
        "housing",
        "declare_tax",
        "tax rule (完税): the declared price"
        " 80000000 fen differs from the filed price 100000000 fen",
        contract_id=cid,
        price=80_000_000,
        proof=b"\x07" * 32,
    )
    city.refused(
        "other",
        "housing",
        "declare_tax",
        "only a buyer",
        contract_id=cid,
        price=100_000_000,
        proof=b"\x07" * 32,
    )
    city.call(
        "buyer", "housing", "declare_tax", contract_id=cid, price=100_000_000, proof=b"\x07" * 32
    )


def test_eligibility_rules(city: City) -> None:
    b, s = city.did["buyer"], city.did["spouse"]
    city.unit()
    # the family already holds 2 homes in restricted districts (one in the spouse's name)
    city.unit(UNIT2, owner=s)
    city.unit("440704-001-0001", owner=b)
    city.call("wyzy-dev", "housing", "list_unit", unit_id=UNIT)
    cid = city.call("wyzy-dev", "housing", "draft", unit_id=UNIT, buyers=[b], price=10_000)
    r = city.eligibility(cid, city.credentials())
    assert r.status == "contract_revert", r
    assert "eligibility rule max_homes (限购): the family already holds the 2 homes" in r.error
    assert "holds 2 homes" not in r.error  # the rule's result, not the family's count
    assert "the 2 homes allowed" in r.error
    # without the spouse in the family credential, the spouse's home is not counted
    r = city.eligibility(cid, city.credentials(family=[]))
    assert r.ok, r
    # the same unit's district out of the restricted list: not applicable
    city.unit("440781-001-0001")  # 台山
    city.call("wyzy-dev", "housing", "list_unit", unit_id="440781-001-0001")
    cid2 = city.call(
        "wyzy-dev", "housing", "draft", unit_id="440781-001-0001", buyers=[b], price=10_000
    )
    r = city.eligibility(cid2, city.credentials())
    assert r.ok and returned(r)["rules"]["max_homes"] == "not_applicable"
    # co-buyers must belong to the presented family
    cid3 = city.call(
        "wyzy-dev",
        "housing",
        "draft",
        unit_id="440781-001-0001",
        buyers=[b, city.did["other"]],
        price=10_000,
    )
    r = city.eligibility(cid3, city.credentials())
    assert "every buyer belongs to the presented family" in r.error
    # only the first buyer presents
    r = city.eligibility(cid2, city.credentials("other"), holder="other")
    assert "eligibility rule: the first buyer" in r.error


def test_non_local_family_needs_social_security(city: City) -> None:
    b = city.did["buyer"]
    city.unit()
    city.call("wyzy-dev", "housing", "list_unit", unit_id=UNIT)
    cid = city.call("wyzy-dev", "housing", "draft", unit_id=UNIT, buyers=[b], price=10_000)
    r = city.eligibility(cid, city.credentials(local=False))
    assert "eligibility rule min_ss_months (社保): a non-local family presents" in r.error
    r = city.eligibility(cid, city.credentials(local=False, ss=23))
    assert r.status == "contract_revert"
    assert r.error == (
        "eligibility rule min_ss_months (社保): a non-local family needs at"
        " least 24 months of social security in the last 60 months"
    )
    r = city.eligibility(cid, city.credentials(local=False, ss=24))
    assert r.ok, r
    assert returned(r)["rules"]["min_ss_months"] == "pass"
    blob = b"".join(v for k, v in city.h.state.iter_prefix(b"contract/housing/s/"))
    assert b"ss_months_60" not in blob and b"local_hukou" not in blob


def test_ltv_parameter_change_by_zjj_from_next_block(city: City) -> None:
    h = city.h
    city.unit()
    cid = city.filed_contract(price=100_000_000)
    city.refused(
        "bdc",
        "housing",
        "set_param",
        "param rule: only admins of 'zjj'",
        name="max_ltv_pct",
        value=80,
        reason="x",
    )
    city.refused(
        "zjj",
        "housing",
        "set_param",
        "param rule: 'max_ltv_pct' must be an integer from 0 to 100",
        name="max_ltv_pct",
        value=120,
        reason="x",
    )
    r = h.call(
        "zjj-filing", "housing", "set_param", {"name": "max_ltv_pct", "value": 80, "reason": "x"}
    )
    assert r.status == "unauthorized" and "admin" in r.error
    loan: dict[str, Any] = {
        "contract": "housing",
        "method": "register_loan",
        "args": {"contract_id": cid, "amount": 75_000_000},
    }
    change = {
        "contract": "housing",
        "method": "set_param",
        "args": {"name": "max_ltv_pct", "value": 80, "reason": "首付比例下调 (2025-27号文)"},
    }
    # the change and a 75% loan in the same block: the loan still meets the old 70%
    _, res = h.run([h.tx("zjj", "contract.call", change), h.tx("nsyh-bank", "contract.call", loan)])
    assert res.receipts[0].ok and res.receipts[1].status == "contract_revert"
    assert "exceed 70%" in res.receipts[1].error
    set_height = h.height
    r = h.call("nsyh-bank", "housing", "register_loan", {"contract_id": cid, "amount": 75_000_000})
    assert r.ok, r
    assert city.query("housing", "contract", contract_id=cid)["loans"]["nsyh"]["ltv_pct"] == 80
    hist = city.query("housing", "param_history", name="max_ltv_pct")
    assert [x["value"] for x in hist] == [70, 80]
    last = hist[-1]
    assert last["set_by"] == format_address(h.address("zjj")) and last["org"] == "zjj"
    assert last["height"] == set_height and last["effective_height"] == set_height + 1
    assert last["previous"] == 70 and last["reason"] == "首付比例下调 (2025-27号文)"


def test_max_homes_parameter_applies(city: City) -> None:
    b = city.did["buyer"]
    city.unit()
    city.unit(UNIT2, owner=b)
    city.unit("440704-001-0001", owner=b)
    city.call("wyzy-dev", "housing", "list_unit", unit_id=UNIT)
    cid = city.call("wyzy-dev", "housing", "draft", unit_id=UNIT, buyers=[b], price=10_000)
    assert "max_homes" in city.eligibility(cid, city.credentials()).error
    city.call("zjj", "housing", "set_param", name="max_homes", value=3, reason="放宽限购")
    r = city.eligibility(cid, city.credentials())
    assert r.ok, r
    assert returned(r)["params"]["max_homes"] == 3


def test_no_personal_data_in_state(city: City) -> None:
    city.unit()
    cid = city.filed_contract()
    assert city.transfer(cid).ok
    for prefix in (b"contract/housing/s/", b"contract/realestate/s/"):
        for _, v in city.h.state.iter_prefix(prefix):
            assert city.did["spouse"].encode() not in v and city.did["child"].encode() not in v
