"""What a scenario folder declares about itself (:class:`Scenario`, in its ``__init__.py``) and
how the registry loads it.

A scenario is a package ``wuyi/scenarios/<name>/`` holding the whole scenario:

* ``__init__.py`` — ``SCENARIO = Scenario(...)``: its name, titles, the contract it deploys,
  the scenarios it names (``uses``), its e-certificate (:class:`CertificateKind`), who sets
  its parameters;
* ``contract.py`` — the contract source deployed through governance (read as text);
* ``api.py`` — ``router(node) -> APIRouter``; ``sdk.py`` — its client class (``CLIENT``);
  ``cli.py`` — ``app`` (a Typer sub-app, ``wuyi <name> ...``); ``demo.py`` — its demo step;
  ``console/`` — ``page.js`` and ``i18n.js``; ``README.md`` — rules, actors, parameters with
  their legal basis.

Nothing here names a scenario: :mod:`wuyi.scenarios` lists them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["PARTS", "CertificateKind", "Scenario", "field_claims", "load"]

#: the modules every scenario folder has (``console/`` and ``README.md`` besides)
PARTS = ("contract", "api", "sdk", "cli", "demo")


def _holders_field(rec: dict[str, Any]) -> list[str]:
    return list(rec.get("holders") or [])


def _links_field(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(rec.get("credentials") or [])


def _issuers_field(rec: dict[str, Any]) -> list[str]:
    # the standard record (wuyi.contract.lib.certs) names the organisation that recorded it
    return [str(x) for x in (rec.get("org"), rec.get("issuer_org"), rec.get("office")) if x]


def field_claims(
    fields: tuple[str, ...], refusal: str, *, kind: bool = True
) -> Callable[[dict[str, Any], str], dict[str, Any] | str]:
    """The ``claims`` of a :class:`CertificateKind` whose record is the standard one
    (``holders``, ``fields``): the certificate's id, its ``kind`` (if asked) and ``fields``,
    for each holder; for anyone else ``refusal`` (``{holder}`` and ``{id}`` replaced)."""

    def claims(rec: dict[str, Any], holder: str) -> dict[str, Any] | str:
        if holder not in rec["holders"]:
            return refusal.format(holder=holder, id=rec["id"])
        f = rec["fields"]
        head = (
            {"certificate": rec["id"], "kind": rec["kind"]} if kind else {"certificate": rec["id"]}
        )
        return {**head, **{k: f[k] for k in fields}}

    return claims


@dataclass(frozen=True)
class CertificateKind:
    """The e-certificate a scenario's contract records (``cert/<id>`` in its state) and an
    issuer system issues as an SD-JWT credential of type :attr:`type`.

    ``claims(rec, holder)`` is what the credential of ``holder`` carries (the SDK issues
    exactly these; the public check compares them with the record), or a text saying why
    ``holder`` has none. ``holders``/``links`` read the record's holders and its linked
    credentials (``[{holder, org, idx}]``); the defaults read the standard record of
    ``wuyi.contract.lib.certs`` (``holders``, ``credentials``). ``issuers(rec)``: the
    organisations whose issuers issue its credentials (they, the holders and auditors read the
    record: ``GET /v1/certs/{id}`` is a signed read past its validity)."""

    type: str
    title: str
    title_en: str
    claims: Callable[[dict[str, Any], str], dict[str, Any] | str]
    holders: Callable[[dict[str, Any]], list[str]] = _holders_field
    links: Callable[[dict[str, Any]], list[dict[str, Any]]] = _links_field
    issuers: Callable[[dict[str, Any]], list[str]] = _issuers_field
    #: how certificate ids of this kind start (the console recognises them in a QR code)
    id_prefix: str = ""


@dataclass(frozen=True)
class Scenario:
    """One scenario, as its folder declares it."""

    name: str
    """The folder's name (``wuyi/scenarios/<name>/``) and its CLI sub-command."""
    title: str
    """Its Chinese title, e.g. 住房网签."""
    title_en: str
    contract: str | None = None
    """The name its ``contract.py`` is deployed under (None: its chain logic is native)."""
    uses: tuple[str, ...] = ()
    """Other scenarios this one names (its contract invokes theirs, its pages link theirs)."""
    identifiers: tuple[str, ...] = ()
    """Words that name this scenario in code (besides :attr:`name` and :attr:`contract`):
    only its folder, the registry and the scenarios that use it contain them."""
    certificate: CertificateKind | None = None
    params_owner: str | None = None
    """The organisation whose admins set the contract's parameters (None: no parameters)."""
    init_args: dict[str, Any] = field(default_factory=dict)
    """``init`` arguments when the demo deploys the contract."""
    description: str = ""
    """One line for the contract's manifest."""
    package: str = ""
    """The Python package (filled by :func:`load`)."""
    personal_state: bool = False
    """Its contract's state links people (their DIDs) to records the law keeps from the public
    (health, care, relief, property ownership, contracts, complaints, credit, ...; a comment
    beside each declaration says what): the explorer's raw reads of that state
    (``/v1/contracts/<c>/state``, ``/v1/contracts/<c>/query``, ``/v1/state/<key>`` under the
    contract's prefix) are then signed, logged reads of an active member even on a public
    explorer; the scenario's own routes decide who reads what (``wuyi.api.reads``). A contract
    that stores a natural person's DID declares it (``tests/unit/test_demo.py`` scans the
    demo's state)."""
    common_name: bool = False
    """Its name is also an everyday word of the code base (e.g. ``trace``, which other
    scenarios use for a record's history): :meth:`naming` then finds the name only where it
    names the scenario — a route (``/v1/<name>``, ``#/<name>``), its package
    (``scenarios.<name>``, ``scenarios/<name>``), its command (``wuyi <name>``) or a lookup
    (``scenario("<name>")``, ``get("<name>")``) — and its other words (contract, identifiers,
    certificate type) everywhere, as for every scenario."""

    @property
    def folder(self) -> Path:
        return Path(importlib.import_module(self.package).__file__ or "").parent

    def module(self, part: str) -> ModuleType:
        """The folder's module ``part`` (``api``, ``sdk``, ``cli``, ``demo``, ...)."""
        return importlib.import_module(f"{self.package}.{part}")

    def has(self, part: str) -> bool:
        return (self.folder / f"{part}.py").is_file()

    def source(self) -> str:
        """The contract source deployed through governance."""
        if self.contract is None:
            raise KeyError(f"scenario '{self.name}' has no contract (its logic is native)")
        return (self.folder / "contract.py").read_text(encoding="utf-8")

    @property
    def words(self) -> tuple[str, ...]:
        """Everything that names this scenario (for the layout test)."""
        out = [self.name, *([self.contract] if self.contract else []), *self.identifiers]
        if self.certificate is not None:
            out.append(self.certificate.type)
        return tuple(dict.fromkeys(out))

    def naming(self) -> re.Pattern[str]:
        """What finds this scenario named in a line of code (``tests/unit/test_layout.py``):
        any of :attr:`words` as a whole word, except a :attr:`common_name`, found only in the
        forms that name a scenario."""
        words = [w for w in self.words if not (self.common_name and w == self.name)]
        alts = [re.escape(w) for w in words]
        if self.common_name:
            forms = r"(?:/v1/|#/|scenarios[./]|wuyi |scenario\(['\"]|get\(['\"])"
            alts.append(forms + re.escape(self.name))
        return re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(alts) + r")(?![a-z0-9_])")


def load(package: str) -> Scenario:
    """The :class:`Scenario` that package ``package`` declares (its ``SCENARIO``)."""
    mod = importlib.import_module(package)
    spec = getattr(mod, "SCENARIO", None)
    if not isinstance(spec, Scenario):
        raise TypeError(f"{package} declares no SCENARIO = Scenario(...)")
    if not spec.package:
        spec = replace(spec, package=package)
        mod.SCENARIO = spec  # type: ignore[attr-defined]
    return spec
