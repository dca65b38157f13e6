"""The ``wuyi`` command (Typer + Rich). Chinese first, English after. See ``docs/cli.md``."""

from wuyi.cli import contracts as _contracts  # registers `wuyi contract` and `wuyi gov`
from wuyi.cli import data as _data  # registers `wuyi data`
from wuyi.cli import identity as _identity  # registers `wuyi did|wallet|vc|idp`
from wuyi.cli.app import app, main

__all__ = ["app", "main"]
del _contracts, _identity, _data
