"""12345 热线 Hotline (scenario 14 of the plan): a ticket's whole life on chain — the call and
its acceptance by the hotline centre, dispatch along the 派单目录 (a functional department's
matter never pushed down to a street or town), sign-off, handling, reply, revisit with the
citizen's rating, closing; returns reviewed by the centre, reassignment, merged repeat requests,
extensions approved before the deadline, redo after 不满意. Deadlines of 2/10/15 working days by
category; per-department scores computed by the contract and shown in tiers; public statistics
without personal data. See ``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import Scenario

__all__ = ["SCENARIO"]

SCENARIO = Scenario(
    "hotline",
    "12345热线",
    "12345 Hotline",
    contract="hotline",
    identifiers=("Hotline",),
    params_owner="rx12345",
    personal_state=True,  # tickets with the caller's DID and where the case went
    # 江门市12345政务服务便民热线中心 accepts, dispatches, revisits and sets the parameters
    init_args={"centre": "rx12345"},
    description="12345热线 / 12345 hotline: tickets, dispatch catalogue, tiered department scores",
)
