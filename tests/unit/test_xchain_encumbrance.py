"""The property registry's encumbrance key (``contract/realestate/s/enc/<unit>``): present while
a mortgage or a seizure is active, absent otherwise — the key another chain proves *absent*
(a non-membership proof) to recognise "no mortgage, no seizure" without the unit's record
crossing chains. Checked on the city test chain of the scenario's own tests."""

from __future__ import annotations

from tests.unit.test_scenario_realestate import UNIT, City
from wuyi.ledger.handlers.contracts import state_prefix

ENC = state_prefix("realestate") + b"enc/" + UNIT.encode()


def test_the_encumbrance_key_follows_mortgages_and_seizures() -> None:
    city = City()
    city.unit()
    assert city.h.state.get(ENC) is None  # registered, no mortgage, no seizure
    m1 = city.call("nsyh-bank", "realestate", "register_mortgage", unit_id=UNIT, amount=10_000)
    m2 = city.call("zgyh-bank", "realestate", "register_mortgage", unit_id=UNIT, amount=20_000)
    assert city.h.state.get(ENC) is not None
    city.call("nsyh-bank", "realestate", "release_mortgage", mortgage_id=m1)
    assert city.h.state.get(ENC) is not None  # one mortgage is still active
    sid = city.call("fy-judge", "realestate", "seize", unit_id=UNIT, case_hash=b"\x01" * 32)
    city.call("zgyh-bank", "realestate", "release_mortgage", mortgage_id=m2)
    assert city.h.state.get(ENC) is not None  # seized
    city.call("fy-judge", "realestate", "lift_seizure", seizure_id=sid, order_hash=b"\x02" * 32)
    assert city.h.state.get(ENC) is None  # free again: absent, provably
