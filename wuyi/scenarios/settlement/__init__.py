"""人才引进落户 talent settlement (scenario 6 of the plan): college-graduate and points-based
settlement decided by the contract from the applicant's own credentials; an approval writes
the 人才准予迁入 certificate, a refusal names the rule that failed. See ``README.md``."""

from __future__ import annotations

from typing import Any

from wuyi.scenarios.spec import CertificateKind, Scenario

__all__ = ["SCENARIO"]


def _claims(rec: dict[str, Any], holder: str) -> dict[str, Any] | str:
    """The claims of the 人才准予迁入 credential."""
    if holder != rec["holder"]:
        return f"{holder} is not the holder of certificate {rec['id']}"
    return {"certificate": rec["id"], "kind": rec["kind"], "route": rec["route"]}


def _links(rec: dict[str, Any]) -> list[dict[str, Any]]:
    one = rec.get("credential")
    return [] if one is None else [{"holder": rec["holder"], **one}]


# fmt: off
SCENARIO = Scenario(
    "settlement", "人才引进", "Talent settlement", contract="settlement", uses=("realestate",),
    identifiers=("TalentSettlement",), params_owner="rsj",
    # 人社局 decides, 公安局 issues the credentials, homes are counted from the registry
    init_args={"department": "rsj", "police": "gaj", "registry": "realestate"},
    certificate=CertificateKind(
        "TalentSettlementCertificate", "人才准予迁入", "talent settlement approval", _claims,
        holders=lambda rec: [rec["holder"]], links=_links, id_prefix="JMRC-",
    ),
    description="人才引进落户 / talent settlement",
    personal_state=True,  # applicants' DIDs with their points, decisions and certificates
)
# fmt: on
