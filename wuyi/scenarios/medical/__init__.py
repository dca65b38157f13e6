"""健康医疗 Health and medical insurance (scenario 11 of the plan): medical records stay in the
hospitals, the chain keeps their hashes and the patient's separate consent (FHIR ``Consent``
shape) for another hospital or an insurer, with every read logged for the patient; 医保
settlements with drug trace codes settled once only; 医保局's supervision rules raise alerts
that move through 初审 → 复审 → 申诉 → 调查核实 → 处理; 商保快赔 claims see only the items the
patient consented to. See ``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import Scenario

__all__ = ["SCENARIO"]

SCENARIO = Scenario(
    "medical",
    "健康医疗",
    "Health and medical insurance",
    contract="medical",
    identifiers=("Medical",),
    params_owner="ybj",
    personal_state=True,  # patients' records, consents, bills and claims linked to DIDs
    common_name=True,  # 'medical' is also a category of other scenarios (care, relief)
    # 医保局 reviews alerts and sets the parameters; 卫健局 supervises record sharing
    init_args={"regulator": "ybj", "health": "wjj"},
    description="健康医疗 / health records under consent, 医保 settlements, alerts, 商保快赔",
)
