"""消费维权 Consumer protection (scenario 8 of the plan): prepaid contracts with caps by
industry, prepaid money in bank custody released as the consumer confirms consumption, the
daily reconciliation with alerts, notice before closing and refunds, complaints within their
working-day deadlines with 先行赔付, and a public credit view of merchants. See ``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import Scenario

__all__ = ["SCENARIO"]

SCENARIO = Scenario(
    "consumer",
    "消费维权",
    "Consumer protection",
    contract="consumer",
    identifiers=("ConsumerProtection",),
    params_owner="scjgj",
    # 市场监管局 registers merchants, handles complaints and alerts, sets the parameters
    init_args={"regulator": "scjgj"},
    description="消费维权 / consumer protection: prepaid custody, complaints, merchant credit",
    personal_state=True,  # consumers' DIDs on prepaid contracts, consumptions and complaints
    # "consumer" is also an everyday word of the code base (who uses a cross-chain fact, who
    # scans a label): the layout test finds it only where it names this scenario
    common_name=True,
)
