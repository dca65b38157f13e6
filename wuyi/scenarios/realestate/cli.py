"""不动产登记 on the command line: ``wuyi realestate list|show`` (also ``wuyi unit list|show``)
— the units with their owners, mortgages and seizures, and a unit's whole history across the
offices; ``params`` / ``param-history`` (the registry's lists of offices, courts and banks)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="不动产登记 / real-estate units and their history across districts",
    no_args_is_help=True,
)
ALIASES = {"unit": app}

from rich.markup import escape  # noqa: E402

from wuyi.cli.app import _kv  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402
from wuyi.scenarios.realestate.sdk import Registry  # noqa: E402

__all__ = ["ALIASES", "app", "cert_rows"]

DistrictOpt = Annotated[
    str | None, typer.Option("--district", help="区县代码 / district code, e.g. 440703")
]
UnitArg = Annotated[str, typer.Argument(help="不动产单元号 / unit number")]


def _share(o: dict[str, Any]) -> str:
    return f"{o['did']} {o['share'] / 100:g}%"


def cert_rows(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """What ``wuyi cert show`` shows of a 不动产权证书 besides its status and holders."""
    shares = ", ".join(f"{s / 100:g}%" for s in rec["shares"])
    return [
        ("单元 / unit", rec["unit"]),
        ("份额 / shares", shares),
        ("登记机构 / office", rec["office"]),
    ]


@command(app, "list")
def unit_list(c: Any, district: DistrictOpt = None) -> None:
    """不动产单元 / units (with owners, mortgages and seizures)."""
    show_table(
        ["单元 / unit", "位置 / location", "用途 / use", "权利人 / owners", "抵押", "查封"],
        [
            [u["id"], escape(u["location"]), u["use"], ", ".join(map(_share, u["owners"])),
             len(u["mortgages"]), len(u["seizures"])]
            for u in Registry(c).units(district)
        ],
    )  # fmt: skip


def _refs(items: list[dict[str, Any]], who: str) -> str:
    return ", ".join(f"{x['id']} {x[who]}" for x in items) or "-"


def _what(e: dict[str, Any]) -> str:
    w = e["what"]
    if not isinstance(w, dict):
        return ""
    parts = []
    for k, v in w.items():
        if isinstance(v, list):
            v = ", ".join(o["did"] if isinstance(o, dict) else str(o) for o in v)
        parts.append(f"{k}={v}")
    return escape("; ".join(parts))


@command(app, "show")
def unit_show(c: Any, unit_id: UnitArg) -> None:
    """单元与全部历史 / a unit and its whole history across the offices."""
    reg = Registry(c)
    u, hist = reg.unit(unit_id), reg.history(unit_id)
    _kv(
        [
            ("单元 / unit", f"{u['id']} ({u['district']})"),
            ("位置 / location", escape(u["location"])),
            ("面积 / area", f"{u['area'] / 100:g} m²"),
            ("用途 / use", u["use"]),
            ("权利人 / owners", ", ".join(map(_share, u["owners"]))),
            ("证书 / certificate", str(u["cert"])),
            ("抵押 / mortgages", _refs(u["mortgages"], "bank")),
            ("查封 / seizures", _refs(u["seizures"], "court")),
            ("网签备案 / filing", str(u["filing"] or "-")),
        ]
    )  # fmt: skip
    show_table(
        ["高度", "操作 / op", "机构 / org", "内容 / what"],
        [[e["height"], e["op"], e["org"], _what(e)] for e in hist],
        title="历史 / history",
    )
