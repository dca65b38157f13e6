"""农村产权交易 rural property-rights trading (scenario 9 of the plan): village collectives list
land management rights and collective assets at the rural property exchange with their vote
recorded (or a farmer's authorisation filed with them), bidders seal their bids (commit, then
reveal), the contract awards, relists, records the transfer contract and announces the result
with its 交易鉴证书. See ``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import CertificateKind, Scenario, field_claims

__all__ = ["SCENARIO"]

#: what the 交易鉴证书 credential states (nothing personal: ids, amounts, dates)
CLAIMS = ("listing", "asset", "asset_kind", "collective", "annual", "start", "end", "use")


_claims = field_claims(CLAIMS, "{holder} is not a party to certificate {id}")


SCENARIO = Scenario(
    "rural",
    "农村产权交易",
    "Rural property-rights trading",
    contract="rural",
    identifiers=("Rural", "RuralTransferCertificate"),
    params_owner="nyj",
    certificate=CertificateKind(
        "RuralTransferCertificate",
        "农村产权交易鉴证书",
        "Rural property-rights transaction certificate",
        _claims,
        id_prefix="JZ-",
    ),
    init_args={
        # the demo chain runs whole auctions in seconds: no notice days, windows of seconds
        # (a production deployment keeps the defaults: 10 working days, a day per window)
        "params": {"notice_working_days": 0, "min_bid_minutes": 0, "min_reveal_minutes": 0}
    },
    description="农村产权交易 / rural property-rights trading",
    personal_state=True,  # farmers' DIDs on their land rights and authorisations; bidders' bids
)
