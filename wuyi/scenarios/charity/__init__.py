"""慈善捐赠 charity donations (scenario 3 of the plan): 民政局 registers charities and decides
their public fundraising qualification; qualified charities file their fundraising plans,
record donations with receipts, disburse first in, first out to the plan's purposes, disclose
on time; goods go batch → warehouse → distribution → the recipient's confirmation; the
year-end ratios are checked; the public sees every project's money in and out and a donor
follows their own donation with a secret only they hold. See ``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import Scenario

__all__ = ["SCENARIO"]

SCENARIO = Scenario(
    "charity",
    "慈善捐赠",
    "Charity donations",
    contract="charity",
    identifiers=("Charity", "DonorSecret"),
    params_owner="mzj",
    description="慈善捐赠 / charity donations: plans, receipts, FIFO disbursements, disclosure",
)
