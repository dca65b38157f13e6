"""产品追溯 important-product traceability (scenario 10 of the plan): batches and their
life-cycle events in the shape of GS1 EPCIS 2.0 (growers, processors, warehouses, packers,
carriers, retailers, each writing only its own steps), 新会陈皮 with its computed age, 杜阮凉瓜
and 台山大米, labels within the certified quantity, scans with a counterfeit signal, recalls
that reach every descendant batch, and the public page a consumer opens from a label's QR
code. See ``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import Scenario

__all__ = ["SCENARIO"]

SCENARIO = Scenario(
    "trace",
    "产品追溯",
    "Product traceability",
    contract="product_trace",
    identifiers=("ProductTrace",),
    params_owner="scjgj",
    init_args={"regulator": "scjgj"},
    description="重要产品追溯 / important-product traceability",
    # "trace" is also an everyday word of the code base (another record's history)
    common_name=True,
)
