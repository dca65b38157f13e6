"""精准扶贫 / 乡村振兴 funds (scenario 12 of the plan): households identified from the
departments' signed yes/no answers with exclusion reasons, the beneficiary list on public
notice with masked names and objections on record, the funds tree budget → programme →
project → beneficiary within each parent's balance, use receipts, alerts and monitoring
cases. See ``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import Scenario

__all__ = ["SCENARIO"]

SCENARIO = Scenario(
    "poverty",
    "精准扶贫",
    "Targeted poverty alleviation",
    contract="poverty",
    identifiers=("PovertyRelief",),
    params_owner="xczxj",
    personal_state=True,  # households' checks, exclusion reasons and objectors linked to DIDs
    # 乡村振兴局 approves and sets the parameters, 财政局 opens budgets and pays
    init_args={"bureau": "xczxj", "fiscal": "czj"},
    description="精准扶贫 / targeted poverty alleviation: identification, notice, funds tree",
)
