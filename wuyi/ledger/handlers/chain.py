"""Chain configuration: ``chain.set_params`` {params: {name: value}} by an operator admin.

(Governance with proposals and votes replaces the direct path when it lands.)
"""

from __future__ import annotations

from typing import Any, ClassVar

from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler
from wuyi.params import ChainParams

__all__ = ["ChainSetParamsHandler"]


class ChainSetParamsHandler(Handler):
    kind = "chain.set_params"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {"params": (dict, True)}

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        merged = {**params.to_obj(), **payload["params"]}
        ChainParams.from_obj(merged)  # raises naming the bad parameter

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_operator_admin()

    def apply(self, ctx: ExecContext) -> None:
        current = ctx.state.get_obj(keys.PARAMS)
        new = ChainParams.from_obj({**current, **ctx.tx.payload["params"]})
        ctx.state.set_obj(keys.PARAMS, new.to_obj())
        ctx.emit("chain.params_changed", changed=sorted(ctx.tx.payload["params"]))
