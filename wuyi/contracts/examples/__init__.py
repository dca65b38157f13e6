"""Example contracts (their source is read as text; see :func:`source`).

* ``counter`` — the smallest useful contract;
* ``transfer`` — a token: mint (role-guarded), transfer, balances;
* ``smallbank`` — the SmallBank benchmark's six transactions and its balance query.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["EXAMPLES", "path", "source"]

EXAMPLES = ("counter", "transfer", "smallbank")


def path(name: str) -> Path:
    """Path of example ``name``'s source file."""
    if name not in EXAMPLES:
        raise KeyError(f"no example contract {name!r} (one of {', '.join(EXAMPLES)})")
    return Path(__file__).with_name(f"{name}.py")


def source(name: str) -> str:
    """Source text of example ``name``."""
    return path(name).read_text(encoding="utf-8")
