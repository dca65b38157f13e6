"""免证办 on the command line: ``wuyi elicence catalogue|checks`` — the e-licences and the
identity providers on chain, and a service's log of checked presentations. (The holder's
consents and presentations: ``wuyi wallet``; a service's check: ``wuyi vc verify``.)"""

from __future__ import annotations

from typing import Annotated, Any

import typer

# defined before the CLI kit is imported: importing it mounts this sub-app
app = typer.Typer(
    help="免证办 / e-licences: the catalogue, a service's checks", no_args_is_help=True
)

from rich.markup import escape  # noqa: E402

from wuyi.cli.app import console  # noqa: E402
from wuyi.cli.scenarios import command, show_table  # noqa: E402
from wuyi.scenarios.elicence.sdk import ELicence  # noqa: E402

__all__ = ["app"]

OrgArg = Annotated[str, typer.Argument(help="核验机构 / the verifying organisation")]
ResultOpt = Annotated[str | None, typer.Option("--result", help="accepted | refused")]


@command(app, "catalogue")
def catalogue(c: Any) -> None:
    """电子证照目录 / the e-licence types, their issuers and the identity providers."""
    doc = ELicence(c).catalogue()
    show_table(
        ["类型 / type", "签发 / issuers", "项目 / claims", "说明 / description"],
        [[x["type"], ", ".join(x["issuers"]), ", ".join(x["claims"]), escape(x["description"])]
         for x in doc["licences"]],
    )  # fmt: skip
    for p in doc["providers"]:
        state = "启用 / enabled" if p["enabled"] else "停用 / disabled"
        console.print(f"身份认证 / identity provider {p['org']}: {state}, level ≤ {p['max_level']}")


@command(app, "checks")
def checks(c: Any, org: OrgArg, result: ResultOpt = None) -> None:
    """亮证核验记录 / every presentation a service checked, newest first."""
    rows = [
        [x["height"], x["result"] + (f" ({x['reason']})" if x["reason"] else ""),
         x["holder"] or "-", ", ".join(x["types"]), ", ".join(x["disclosed"]), escape(x["purpose"])]
        for x in ELicence(c).service_checks(org, result=result)
    ]  # fmt: skip
    heads = ["高度", "结果 / result", "持证人 / holder", "证照 / types", "出示 / disclosed"]
    show_table([*heads, "用途 / purpose"], rows)
