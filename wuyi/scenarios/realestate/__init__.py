"""不动产登记 real-estate registration (scenario 2 of the plan): units, ownership, transfers
against a filed housing contract, mortgages, seizures, corrections, the 不动产权证书 and each
unit's whole history, shared by the city centre and the district offices. See ``README.md``."""

from __future__ import annotations

from typing import Any

from wuyi.scenarios.spec import CertificateKind, Scenario

__all__ = ["SCENARIO"]


def _claims(rec: dict[str, Any], holder: str) -> dict[str, Any] | str:
    """The claims of ``holder``'s 不动产权证书 credential (no name, no ID number)."""
    if holder not in rec["owners"]:
        return f"{holder} is not an owner on certificate {rec['id']}"
    return {
        "certificate": rec["id"],
        "unit": rec["unit"],
        "district": rec["unit"][:6],
        "share": rec["shares"][rec["owners"].index(holder)],
        "kind": rec["kind"],
    }


# fmt: off
SCENARIO = Scenario(
    "realestate", "不动产登记", "Real-estate registration",
    contract="realestate", uses=("housing",), identifiers=("RealEstate",), params_owner="bdc",
    certificate=CertificateKind(
        "RealEstateCertificate", "不动产权证书", "real-estate ownership certificate", _claims,
        holders=lambda rec: list(rec["owners"]), id_prefix="BDC",
        issuers=lambda rec: [rec["office"], "bdc"],  # the recording office; bdc issues any
    ),
    description="不动产登记 / real-estate registration",
    # owners' DIDs on units, their shares, mortgages and seizures (不动产登记资料查询暂行办法:
    # who owns what is not public; the owner, the law's offices and courts read it)
    personal_state=True,
)
# fmt: on
