"""The layout the code base keeps (issue #18): one folder per scenario, named nowhere else, and
API functions short enough to read.

* No file of ``wuyi/`` (Python, the console's pages, styles and strings) outside a scenario's
  folder and the registry names that scenario — its name, its contract, the identifiers it
  declares, its e-certificate type — except the folders of the scenarios the registry says use
  it (their contracts call each other by name).
* Every registered scenario's folder has all its parts.
* No function in ``wuyi/api`` is longer than 120 lines.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

from wuyi.scenarios import all_scenarios

WUYI = Path(__file__).resolve().parents[2] / "wuyi"
REGISTRY = WUYI / "scenarios" / "__init__.py"
SCANNED = {".py", ".js", ".css", ".html", ".json"}
MAX_API_FUNCTION_LINES = 120
PARTS = ["__init__.py", "api.py", "sdk.py", "cli.py", "demo.py", "README.md"]
CONSOLE = ["console/page.js", "console/i18n.js"]


def _files() -> list[Path]:
    skip = {"__pycache__", "vendor", "_template"}
    return sorted(
        p
        for p in WUYI.rglob("*")
        if p.is_file() and p.suffix in SCANNED and not skip & set(p.relative_to(WUYI).parts)
    )


def test_no_file_outside_a_scenarios_folder_names_it() -> None:
    scenarios = all_scenarios()
    files = _files()
    assert any(p.suffix == ".js" for p in files) and any(p.suffix == ".css" for p in files)
    found = []
    for s in scenarios:
        allowed = [s.folder] + [x.folder for x in scenarios if s.name in x.uses]
        words = s.naming()
        for p in files:
            if p == REGISTRY or any(a in p.parents for a in allowed):
                continue
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if words.search(line):
                    found.append(f"{s.name}: {p.relative_to(WUYI)}:{n}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


def test_the_scan_would_see_a_stray_name(tmp_path: Path) -> None:
    """The pattern the test above uses finds a scenario's words and only them."""
    s = all_scenarios()[0]
    words = s.naming()
    assert words.search(f'x = client.scenario("{s.name}")')
    assert words.search(f"a {s.name} here")
    assert not words.search(f"my_{s.name}s = 1")
    # a name that is also an everyday word is found where it names the scenario, only there
    common = replace(s, name="trace", contract="gi_trace", common_name=True)
    pattern = common.naming()
    for naming in [
        'x = client.scenario("trace")',
        "GET /v1/trace/batches",
        "location.hash = '#/trace'",
        "from wuyi.scenarios.trace import demo",
        "wuyi/scenarios/trace/README.md",
        "$ wuyi trace batches",
        "c.query('gi_trace', 'batch')",
    ]:
        assert pattern.search(naming), naming
    for word in ['c["trace"].append(x)', "a contract's whole trace", "hs.trace", "traceback"]:
        assert not pattern.search(word), word


def test_every_registered_scenario_has_all_its_parts() -> None:
    missing = []
    for s in all_scenarios():
        parts = PARTS + CONSOLE + (["contract.py"] if s.contract else [])
        missing += [f"{s.name}/{p}" for p in parts if not (s.folder / p).is_file()]
        assert not (s.contract is None and (s.folder / "contract.py").exists()), s.name
    assert not missing, missing


def test_no_function_in_the_api_is_longer_than_120_lines() -> None:
    long = []
    for p in sorted((WUYI / "api").rglob("*.py")):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                lines = (node.end_lineno or start) - start + 1
                if lines > MAX_API_FUNCTION_LINES:
                    long.append(f"{p.relative_to(WUYI)}: {node.name} ({lines} lines)")
    assert not long, long
