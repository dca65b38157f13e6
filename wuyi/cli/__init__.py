"""The ``wuyi`` command (Typer + Rich). Chinese first, English after. See ``docs/cli.md``."""

from wuyi.cli import bench as _bench  # noqa: F401  registers `wuyi bench`
from wuyi.cli import console as _console  # registers `wuyi login`
from wuyi.cli import contracts as _contracts  # registers `wuyi contract` and `wuyi gov`
from wuyi.cli import data as _data  # registers `wuyi data`
from wuyi.cli import identity as _identity  # registers `wuyi did|wallet|vc|idp`
from wuyi.cli import ops as _ops  # registers `wuyi backup` and `wuyi restore`
from wuyi.cli import scenarios as _scenarios  # registers `wuyi cert` and `wuyi unit`
from wuyi.cli.app import app, main

__all__ = ["app", "main"]
del _console, _contracts, _identity, _data, _ops, _scenarios
