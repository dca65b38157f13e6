"""A scenario whose contract state links people to sensitive records (``Scenario.personal_state``:
养老服务's caregivers' health checks, elders' services and prepayments) is not served by the
public explorer: its raw state (``/v1/contracts/<c>/state``, ``/v1/contracts/<c>/query``,
``/v1/state/<key>`` under its prefix) is a signed, logged read of an active member even with
``[api] public_explorer = true`` (the default). Before, anyone could page through it. Other
contracts' state stays public."""

from __future__ import annotations

import pytest

from tests.unit.test_scenario_eldercare_api import World, world  # noqa: F401 - the fixture
from wuyi.exceptions import SignedReadRequired
from wuyi.ledger.handlers.contracts import state_prefix


def test_personal_contract_state_is_signed_and_logged_on_a_public_explorer(
    world: World,  # noqa: F811 - the fixture
) -> None:
    c = world.c
    assert c.status().chain_id  # a public explorer: the chain's own reads answer unsigned
    logged = c._get("/v1/access-log/head")["entries"]
    with pytest.raises(SignedReadRequired, match="keeps personal records"):
        c._get("/v1/contracts/eldercare/state")
    with pytest.raises(SignedReadRequired, match="keeps personal records"):
        c.query("eldercare", "board", {})
    page = c.signed_get(world.key["officer"], "/v1/contracts/eldercare/state", "监管核查")
    assert page["entries"], page
    key = bytes.fromhex(page["entries"][0]["state_key"])
    assert key.startswith(state_prefix("eldercare"))
    with pytest.raises(SignedReadRequired, match="keeps personal records"):
        c._get(f"/v1/state/{key.hex()}")
    got = c.signed_get(world.key["officer"], f"/v1/state/{key.hex()}", "监管核查")
    assert got["value"] is not None and got["proof"]
    # both reads are in the node's access log (who, what, why: GET /v1/access-log, auditors)
    assert c._get("/v1/access-log/head")["entries"] == logged + 2
    # a contract that is not personal: its state stays public
    assert c._get("/v1/contracts")["contracts"]
    assert c._get(f"/v1/state/{b'gov/params'.hex()}", prove=False)["key"]
