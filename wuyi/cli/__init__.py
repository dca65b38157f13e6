"""The ``wuyi`` command (Typer + Rich). Chinese first, English after. See ``docs/cli.md``."""

from wuyi.cli import archive as _archive  # noqa: F401  registers `wuyi archive`
from wuyi.cli import bench as _bench  # noqa: F401  registers `wuyi bench`
from wuyi.cli import console as _console  # registers `wuyi login`
from wuyi.cli import contracts as _contracts  # registers `wuyi contract` and `wuyi gov`
from wuyi.cli import data as _data  # registers `wuyi data`
from wuyi.cli import deploy as _deploy  # registers `wuyi tls` and `wuyi node init|admit|...`
from wuyi.cli import genesis as _genesis  # registers `wuyi genesis` (the ceremony, issue #24)
from wuyi.cli import identity as _identity  # registers `wuyi did|wallet|vc|idp`
from wuyi.cli import ops as _ops  # registers `wuyi backup` and `wuyi restore`
from wuyi.cli import scenarios as _scenarios  # registers `wuyi cert|scenario`
from wuyi.cli.app import app, main
from wuyi.crosschain import cli as _xchain  # registers `wuyi relay` and `wuyi xchain`
from wuyi.oid4vci import cli as _oid4vci  # registers `wuyi oid4vci` and `wuyi idp consent`
from wuyi.oid4vp import cli as _oid4vp  # noqa: F401  registers `wuyi oid4vp` (issue #19)

__all__ = ["app", "main"]

# `wuyi <scenario> ...`: each registered scenario's cli.py (which defines its `app` before it
# imports this package, so that this works whichever is imported first)
_scenarios.mount_scenarios()
del _console, _contracts, _identity, _data, _deploy, _genesis, _ops, _scenarios, _xchain, _oid4vci
