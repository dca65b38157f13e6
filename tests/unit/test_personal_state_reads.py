"""A scenario whose contract state links people to sensitive records (``Scenario.personal_state``:
养老服务's caregivers' health checks, elders' services and prepayments) is not served by the
public explorer: its raw state (``/v1/contracts/<c>/state``, ``/v1/contracts/<c>/query``,
``/v1/state/<key>`` under its prefix) is a signed, logged read of an active member even with
``[api] public_explorer = true`` (the default). Before, anyone could page through it. Other
contracts' state stays public.

Then every registered scenario with a contract (``elicence`` has none), on one chain with all
of them deployed: a declared one refuses an unsigned state read and view (401) and answers a
member's signed read, logged; an undeclared one answers anyone. ``tests/unit/test_demo.py``
checks the declarations against the demo's state (no natural person's DID in a contract that
does not declare it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.unit.test_scenario_eldercare_api import World, world  # noqa: F401 - the fixture
from wuyi.abc import PrivateKey
from wuyi.crypto import load_key
from wuyi.exceptions import SignedReadRequired
from wuyi.ledger.handlers.contracts import state_prefix
from wuyi.node.home import OrgSpec
from wuyi.scenarios import Scenario, all_scenarios
from wuyi.testing.inprocess import InProcessNode, inprocess_node


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


# -- every registered scenario ------------------------------------------------------------------

PW = "test-passphrase"
#: enough organisations for every contract's init (the departments its init_args name)
ORGS = tuple(
    OrgSpec(o, o, o == "sjj")
    for o in ("sjj", "zjj", "bdc", "rsj", "gaj", "scjgj", "mzj", "jrj", "sfj", "nyj", "wjj")
)
CONTRACTS = [s for s in all_scenarios() if s.contract]


@dataclass
class Chain:
    env: InProcessNode
    reader: PrivateKey  # an active member (政数局's admin)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """One in-process chain with every registered scenario's contract deployed (no records:
    the gate answers or refuses before the state is read; ``init`` writes the parameters)."""
    with inprocess_node(tmp_path_factory.mktemp("every") / "node", ORGS, passphrase=PW) as env:
        c = env.client
        admin = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        voters = [admin[o.id] for o in ORGS if o.id != "sjj"]
        for s in CONTRACTS:
            assert s.contract is not None
            pkg = {"name": s.contract, "version": "1.0.0", "source": s.source(), "manifest": {}}
            args = {"package": pkg, "init_args": s.init_args}
            c.govern(admin["sjj"], voters, "contract.deploy", args, title=f"deploy {s.name}")
        yield Chain(env, admin["sjj"])


@pytest.mark.parametrize("scenario", CONTRACTS, ids=[s.name for s in CONTRACTS])
def test_every_scenarios_raw_state_is_public_unless_it_declares_personal_state(
    chain: Chain, scenario: Scenario
) -> None:
    c, name = chain.env.client, scenario.contract
    assert name is not None
    path = f"/v1/contracts/{name}/state"
    signed = c.signed_get(chain.reader, path, "核对 / check", prefix="param/")["entries"]
    assert signed, f"{name} has governed parameters (init writes them)"
    view = ("param_history", {"name": signed[0]["key"].removeprefix("param/")})
    if not scenario.personal_state:  # public: the explorer answers anyone
        assert c._get(path, prefix="param/")["entries"] == signed
        assert isinstance(c.query(name, *view), list)
        return
    logged = c._get("/v1/access-log/head")["entries"]
    assert c._http.get(path).status_code == 401  # signed_read_required
    with pytest.raises(SignedReadRequired, match="keeps personal records"):
        c._get(path)
    with pytest.raises(SignedReadRequired, match="keeps personal records"):
        c.query(name, *view)
    with c.reading_as(chain.reader, "核对 / check"):  # an active member's signed read
        assert c._get(path, prefix="param/")["entries"] == signed
        assert isinstance(c.query(name, *view), list)
    # both reads answered are in the node's access log (who, what, why)
    assert c._get("/v1/access-log/head")["entries"] == logged + 2
