"""养老服务 (Elderly care, scenario 13): institutions' compliance records by the competent
departments, a grade computed by contract and subsidies above a threshold; caregivers scheduled
only with a current qualification and health check; prepayments within a limit in bank
custody; the time bank with elder-confirmed hours and a balance credential. See
``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import CertificateKind, Scenario, field_claims

__all__ = ["SCENARIO"]

#: the claims of a time-bank balance credential: minutes stored on a date (nothing else)
_claims = field_claims(("minutes", "as_of"), "{holder} is not the holder of certificate {id}")


SCENARIO = Scenario(
    "eldercare",
    "养老服务",
    "Elderly care",
    contract="eldercare",
    identifiers=("Eldercare",),
    params_owner="mzj",
    personal_state=True,  # caregivers' health checks, elders' services and prepayments
    certificate=CertificateKind(
        "TimeBankBalance",
        "时间银行存折证明",
        "Time-bank balance certificate",
        _claims,
        issuers=lambda rec: ["mzj"],  # the holder asks for it; 民政局's issuer system issues it
        id_prefix="CTB-",
    ),
    description="养老服务：合规记录、等级与补贴、护理员资质、预收费存管、时间银行 / Elderly care",
)
