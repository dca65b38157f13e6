"""不动产登记's demo step (run by ``wuyi.demo_scenarios``): a resale home owned by a citizen,
registered by 新会区 (its 不动产权证书 in the owner's wallet) and seized by the court, so no
transfer and no new mortgage; :func:`register_unit` registers any unit and its first owner
(the housing demo's units too); after the flows, each district office issues its own
不动产权证书 credentials and the city centre bdc the rest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios_data import DemoCitizen, DemoUnit

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["CITIZENS", "MEMBERS", "RULE_CLAIMS", "SEIZED", "TYPES", "flows", "register_unit"]

MEMBERS = (
    ("bdc", "registrar"),
    ("pjq", "registrar"),
    ("xhq", "registrar"),
    ("nsyh", "banker"),
    ("zgyh", "banker"),
    ("fy", "judge"),
    ("bdc", "issuer"),
    ("pjq", "issuer"),
    ("xhq", "issuer"),
)
TYPES = (
    (
        "RealEstateCertificate",
        ["bdc", "pjq", "xhq"],
        ["certificate", "unit", "district", "share", "kind"],
        "不动产权证书 / real-estate ownership certificate",
    ),
)
RULE_CLAIMS: frozenset[str] = frozenset()
CITIZENS = (
    DemoCitizen("zhao-guoqiang", "业主，房屋被法院查封 / owner of a home seized by the court"),
)
SEIZED = DemoUnit(
    "seized",
    "440705-021-0301",
    "xhq",
    "江门市新会区圭峰西路 21 号 3 座 301 房",
    8640,
    ("zhao-guoqiang",),
)
SEIZURE_CASE = "(2026)粤07执保118号"
#: the organisations whose issuer systems issue the 不动产权证书 credentials, in this order
CERT_ISSUERS = ("pjq", "xhq", "bdc")


def register_unit(loader: DemoLoader, spec: DemoUnit, owner: str) -> Flow:
    """Register the unit by the office of its district and its first owner (a DID)."""
    reg = loader.member(spec.office, "registrar")
    if loader.query("realestate", "unit", unit_id=spec.id) is None:
        args = {"location": spec.location, "area": spec.area, "use": "residential"}
        yield [loader.call(reg, "realestate", "register_unit", unit_id=spec.id, **args)]
    u = loader.query("realestate", "unit", unit_id=spec.id)
    if not u["owners"]:
        owners = [{"did": owner, "share": 10000}]
        yield [loader.call(reg, "realestate", "first_registration", unit_id=spec.id, owners=owners)]


def seized_flow(loader: DemoLoader, spec: DemoUnit) -> Flow:
    """A resale home owned by a citizen (first registration by 新会区, its certificate in
    the owner's wallet), seized by the court: no transfer, no new mortgage."""
    yield from register_unit(loader, spec, loader.did(spec.buyers[0]))
    u = loader.query("realestate", "unit", unit_id=spec.id)
    if not u["seizures"]:
        case = loader.suite.hash(SEIZURE_CASE.encode())
        judge = loader.member("fy", "judge")
        yield [loader.call(judge, "realestate", "seize", unit_id=spec.id, case_hash=case)]
        u = loader.query("realestate", "unit", unit_id=spec.id)
    loader.section("registry")["seized"] = {
        "unit": spec.id,
        "location": spec.location,
        "seizure": u["seizures"][0]["id"],
        "court": u["seizures"][0]["court"],
        "owner": loader.did(spec.buyers[0]),
        "wallet": str(loader.wallets[spec.buyers[0]].path),
        "cert": u["cert"],
    }
    loader.section("units")[spec.stage] = spec.id


def flows(loader: DemoLoader) -> list[Flow]:
    return [seized_flow(loader, SEIZED)]


def after(loader: DemoLoader) -> None:
    loader.issue_certificates("realestate", CERT_ISSUERS)


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    units = made.get("units", {})
    return [
        f"  {url}/console/#/registry ({keys}/pjq-registrar.key); #/bank ({keys}/nsyh-banker.key);"
        f" #/court ({keys}/fy-judge.key)   # 不动产登记 / the registry",
        f"  curl {url}/v1/realestate/units/{units.get('completed', SEIZED.id)}/history",
    ]


def screenshots(shots: Any) -> None:
    """A unit's history, the bank's page, the public check of a 不动产权证书
    (``wuyi.console.screenshots``)."""
    page, made = shots.page, shots.made
    mortgaged = made["registry"]["mortgaged"]
    shots.sign_in("bdc-registrar", f"#/registry/{mortgaged['unit']}")
    page.wait_for_selector("[data-testid=unit-history]")
    shots.shot("registry-unit", full=True)
    shots.sign_out()
    shots.sign_in("nsyh-banker", "#/bank")
    page.fill("[data-testid=loan-contract]", made["housing"]["filed"]["contract"])
    page.dispatch_event("[data-testid=loan-contract]", "change")
    page.wait_for_selector("[data-testid=loan-limit]")
    shots.shot("bank", full=True)
    shots.sign_out()
    cert = made["housing"]["completed"]["cert"]
    shots.goto(f"#/ecert?id={cert}")
    page.wait_for_selector("[data-testid=ecert-result]")
    shots.shot("ecert", full=True)
