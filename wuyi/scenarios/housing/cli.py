"""住房网签 on the command line: ``wuyi housing contracts|show|dashboard`` — the contracts by
status or unit, one contract's whole trace, the bureau's counts; ``params`` /
``param-history`` (the housing policy numbers)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(help="住房网签 / housing contracts, filings, the dashboard", no_args_is_help=True)

from rich.markup import escape  # noqa: E402

from wuyi.cli.app import _kv  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402
from wuyi.scenarios.housing.sdk import Housing  # noqa: E402

__all__ = ["app"]

StatusOpt = Annotated[
    str | None, typer.Option("--status", help="draft|eligible|signed|filed|completed|cancelled")
]
UnitOpt = Annotated[str | None, typer.Option("--unit", help="不动产单元号 / unit number")]
ContractArg = Annotated[str, typer.Argument(help="合同编号 / contract id, e.g. WQ00000001")]


def _yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


@command(app, "contracts")
def contracts(c: Any, status: StatusOpt = None, unit: UnitOpt = None) -> None:
    """网签合同 / housing contracts, newest first."""
    show_table(
        ["合同 / contract", "单元 / unit", "价格 / price", "状态 / status", "买方 / buyers"],
        [
            [x["id"], x["unit"], _yuan(x["price"]), x["status"], ", ".join(x["buyers"])]
            for x in Housing(c).contracts(status=status, unit=unit)
        ],
    )


@command(app, "show")
def show(c: Any, contract_id: ContractArg) -> None:
    """一份网签合同与全部记录 / a contract and its whole trace."""
    x = Housing(c).contract(contract_id)
    elig = x.get("eligibility") or {}
    loans = ", ".join(f"{b} {_yuan(v['amount'])}" for b, v in x["loans"].items())
    _kv(
        [
            ("合同 / contract", f"{x['id']} ({x['status']})"),
            ("单元 / unit", f"{x['unit']} ({x['district']})"),
            ("价格 / price", _yuan(x["price"])),
            ("卖方 / seller", x["seller"]),
            ("买方 / buyers", ", ".join(x["buyers"])),
            ("购房资格 / eligibility", str(elig.get("rules", "-"))),
            ("备案 / filed", str((x.get("filed") or {}).get("height", "-"))),
            ("贷款 / loans", loans or "-"),
            ("证书 / certificate", str(x.get("cert") or "-")),
        ]
    )
    trace = [[e["height"], e["status"], e.get("org") or "", escape(str(e.get("did") or ""))]
             for e in x["trace"]]  # fmt: skip
    show_table(["高度", "状态 / status", "机构 / org", "DID"], trace, title="记录 / trace")


@command(app, "dashboard")
def dashboard(c: Any) -> None:
    """网签备案统计 / the bureau's counts by status."""
    d = Housing(c).dashboard()
    active = [("在备案 / active filings", str(d["active_filings"]))]
    _kv([(k, str(v)) for k, v in d["counts"].items()] + active)
