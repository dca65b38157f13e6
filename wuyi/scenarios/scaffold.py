"""``wuyi scenario new NAME``: write a scenario folder with every part, its registry line and a
test that passes at once (``docs/architecture.md``, "add a scenario").

The example it writes is small but complete — citizens apply (signing with their DID key) and
pay a governed fee in fen; the department's reviewers decide within a governed number of
working days (the contract library's calendar, with the holiday table as a governed
parameter); an approval records an e-certificate its issuer system issues as a credential —
so that a new scenario starts from code that already uses the contract library, the API, SDK,
CLI, console and demo kits the way the registered scenarios do. Replace the rules, keep the
shape. The templates are in ``wuyi/scenarios/_template/``; ``{{...}}`` are filled in here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wuyi.exceptions import ValidationError

__all__ = ["Scaffold", "add_registry_line", "scaffold"]

TEMPLATE = Path(__file__).with_name("_template")
NAME = re.compile(r"^[a-z][a-z0-9]{1,30}$")
ORG = re.compile(r"^[a-z][a-z0-9]{1,31}$")


@dataclass(frozen=True)
class Scaffold:
    """What ``wuyi scenario new`` wrote."""

    folder: Path
    test: Path
    package: str
    registered: bool


def _fill(text: str, values: dict[str, str]) -> str:
    for k, v in values.items():
        text = text.replace("{{" + k + "}}", v)
    left = re.search(r"\{\{\w+\}\}", text)
    if left:
        raise ValueError(f"template placeholder {left.group(0)} has no value")
    return text


def add_registry_line(registry: Path, name: str, title: str) -> None:
    """Add ``"name",  # title`` at the end of ``SCENARIOS`` in ``registry``."""
    text = registry.read_text(encoding="utf-8")
    m = re.search(r"^SCENARIOS = \(\n(.*?)^\)", text, flags=re.S | re.M)
    if m is None:
        raise ValidationError(f"{registry} has no SCENARIOS = (...) block", field="registry")
    if re.search(rf'^\s*"{re.escape(name)}",', m.group(1), flags=re.M):
        return
    line = f'    "{name}",  # {title}\n'
    registry.write_text(text[: m.end(1)] + line + text[m.end(1) :], encoding="utf-8")


def scaffold(
    name: str,
    *,
    title: str,
    title_en: str,
    org: str,
    folder: Path | None = None,
    package: str | None = None,
    tests: Path | None = None,
) -> Scaffold:
    """Write scenario ``name``. Default place: ``wuyi/scenarios/<name>/`` with its line in the
    registry and its test in ``tests/unit/`` of the checkout; with ``folder`` (and the
    ``package`` it imports as), elsewhere and not registered (the test then mounts it beside
    the registered ones)."""
    if not NAME.match(name):
        raise ValidationError(
            f"scenario name '{name}' must be 2-31 lowercase letters and digits", field="name"
        )
    if not ORG.match(org):
        raise ValidationError(f"'{org}' is not an organisation id", field="org")
    here = Path(__file__).parent
    in_repo = folder is None
    folder = here / name if folder is None else folder
    package = f"wuyi.scenarios.{name}" if package is None else package
    if folder.exists():
        raise ValidationError(f"{folder} exists already", field="name")
    if tests is None:
        repo_tests = here.parents[1] / "tests" / "unit"
        tests = repo_tests if in_repo and repo_tests.is_dir() else folder
    camel = "".join(part.capitalize() for part in re.findall(r"[a-z]+|\d+", name))
    values = {
        "name": name,
        "Camel": camel,
        "PREFIX": name[:4].upper(),
        "title": title,
        "title_en": title_en,
        "org": org,
        "package": package,
    }
    for src in sorted(TEMPLATE.rglob("*.tmpl")):
        rel = src.relative_to(TEMPLATE).with_suffix("")
        if rel.name == "test_scenario.py":
            continue
        dest = folder / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(_fill(src.read_text(encoding="utf-8"), values), encoding="utf-8")
    tests.mkdir(parents=True, exist_ok=True)
    test = tests / f"test_scenario_{name}.py"
    test.write_text(
        _fill((TEMPLATE / "test_scenario.py.tmpl").read_text(encoding="utf-8"), values),
        encoding="utf-8",
    )
    if in_repo:
        add_registry_line(here / "__init__.py", name, title)
    return Scaffold(folder, test, package, in_repo)
