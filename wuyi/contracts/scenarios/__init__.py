"""Scenario contracts of issue 7 (their source is read as text; see :func:`source`).

* ``realestate`` — 不动产登记: units, ownership, transfers against a filed housing contract,
  mortgages, seizures, corrections, certificates, a unit's whole history;
* ``housing`` — 住房网签: listings, contracts, purchase eligibility, signatures, filing
  (one active filing per unit), loans within the loan-to-value limit, tax declarations,
  cancellation;
* ``settlement`` — 人才引进: college-graduate and points-based settlement from presented
  credentials, the 人才准予迁入 certificate record, governed rule parameters.

They call each other with ``invoke`` under these names: deploy them as ``realestate`` and
``housing`` (:data:`DEPLOY_NAMES`). See ``docs/scenarios/housing-and-registry.md``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEPLOY_NAMES", "SCENARIOS", "path", "source"]

SCENARIOS = ("realestate", "housing", "settlement")
DEPLOY_NAMES = {"realestate": "realestate", "housing": "housing", "settlement": "settlement"}


def path(name: str) -> Path:
    """Path of scenario contract ``name``'s source file."""
    p = Path(__file__).with_name(f"{name}.py")
    if not name.isidentifier() or name.startswith("_") or not p.is_file():
        raise KeyError(f"no scenario contract {name!r} (e.g. {', '.join(SCENARIOS)})")
    return p


def source(name: str) -> str:
    """Source text of scenario contract ``name``."""
    return path(name).read_text(encoding="utf-8")
