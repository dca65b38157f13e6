"""金融服务与监管 SME finance and supervision (scenario 5 of the plan): enterprises registered
from their business licence, loans from application to full repayment or write-off, credit consents
that gate the departments' data in the data-sharing channel (a sole proprietor's operator in
person), receivables confirmed by the debtor and financed once across banks within the e-voucher
term, property pledged through the real-estate registry, aggregate exposure across banks,
negative records hidden after five years, the regulator's aggregates and alerts. See
``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import Scenario

__all__ = ["SCENARIO"]

SCENARIO = Scenario(
    "finance",
    "金融服务",
    "SME finance",
    contract="finance",
    uses=("realestate",),  # its contract registers and releases mortgages in the registry
    params_owner="jrj",
    description="金融服务与监管 / SME finance and supervision",
    # a sole proprietor's operator (a citizen DID) on the enterprise and its consents; loans
    # and negative records of an enterprise DID are credit records (征信业管理条例)
    personal_state=True,
)
