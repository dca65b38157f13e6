"""住房网签 housing contracts online (scenario 1 of the plan): listings, contracts, purchase
eligibility (购房资格) from the buyer's credentials, signatures, filing (网签备案, one active
filing per unit), loans within the loan-to-value limit, the tax declaration, cancellation. See
``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import Scenario

__all__ = ["SCENARIO"]

SCENARIO = Scenario(
    "housing",
    "住房网签",
    "Housing contracts online",
    contract="housing",
    uses=("realestate",),  # its contract reads the registry; the registry completes a sale
    params_owner="zjj",
    description="住房网签备案 / housing contracts and filing",
    personal_state=True,  # buyers' DIDs on contracts: price, shares, loans, eligibility, tax
)
