"""``wuyi scenario new NAME`` writes a scenario folder whose generated test passes at once, and a
fifth scenario is one folder plus one registry line: registered, it is mounted by the API, the
SDK, the CLI, the console and the demo like the four."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import wuyi.scenarios as registry
from wuyi.scenarios.scaffold import add_registry_line

REPO = Path(__file__).resolve().parents[2]
PARTS = [
    "__init__.py",
    "contract.py",
    "api.py",
    "sdk.py",
    "cli.py",
    "demo.py",
    "console/page.js",
    "console/i18n.js",
    "README.md",
]


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``wuyi scenario new permits --dir <tmp>/extra/permits --package extra.permits``."""
    from wuyi.cli import app

    root = tmp_path_factory.mktemp("scaffold")
    (root / "extra").mkdir()
    (root / "extra" / "__init__.py").write_text("")
    args = ["scenario", "new", "permits", "--title", "许可办理", "--title-en", "Permits"]
    args += ["--org", "zjj", "--dir", str(root / "extra" / "permits")]
    args += ["--package", "extra.permits", "--tests", str(root / "tests")]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    assert 'add "extra.permits" to SCENARIOS' in out.output
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for mod in [m for m in sys.modules if m == "extra" or m.startswith("extra.")]:
            del sys.modules[mod]


def test_the_scaffold_writes_every_part_lint_clean(scaffolded: Path) -> None:
    folder = scaffolded / "extra" / "permits"
    assert [p for p in PARTS if not (folder / p).is_file()] == []
    assert (scaffolded / "tests" / "test_scenario_permits.py").is_file()
    py = [str(p) for p in folder.rglob("*.py")] + [str(scaffolded / "tests")]
    ruff = [sys.executable, "-m", "ruff"]
    lint = subprocess.run([*ruff, "check", "--no-cache", *py], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    fmt = [*ruff, "format", "--check", "--no-cache", *py]
    assert subprocess.run(fmt, capture_output=True, text=True).returncode == 0


def test_the_generated_test_passes_at_once(scaffolded: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(scaffolded), str(REPO)])}
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider"]
    cmd += ["--rootdir", str(scaffolded), str(scaffolded / "tests" / "test_scenario_permits.py")]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=scaffolded, env=env, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout


def test_one_registry_line_mounts_a_fifth_scenario(
    scaffolded: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With ``"extra.permits"`` added to SCENARIOS (and nothing else), the API mounts its
    routes and its e-certificate, the SDK client reaches it, the CLI its sub-app, the console
    lists its page and the demo runs its step."""
    from wuyi.api.app import create_app
    from wuyi.cli.scenarios import mount_scenarios
    from wuyi.demo_scenarios import _demos
    from wuyi.sdk import WuyiClient
    from wuyi.testing.inprocess import inprocess_node

    monkeypatch.setattr(registry, "SCENARIOS", (*registry.SCENARIOS, "extra.permits"))
    registry.all_scenarios.cache_clear()
    try:
        spec = registry.get("permits")
        assert [s.name for s in registry.all_scenarios()][-1] == "permits"
        assert registry.by_contract("permits") is spec
        assert "permits" in [s.name for s, _ in _demos()]
        from wuyi.node.home import OrgSpec

        orgs = (OrgSpec("sjj", "数据局", True), OrgSpec("zjj", "住建局"))
        with inprocess_node(tmp_path / "node", orgs) as env:
            app = create_app(env.node)  # the registry's scenarios: the fifth among them
            paths = set(app.openapi()["paths"])
            assert {"/v1/permits/applications", "/v1/permits/applications/{app_id}"} <= paths
            assert type(WuyiClient.scenario(env.client, "permits")).__name__ == "Permits"
            listed = env.client._get("/console/scenarios/index.json")
            assert "permits" in [x["name"] for x in listed]
        mount_scenarios()
        cli = importlib.import_module("wuyi.cli.app")
        assert "permits" in [g.name for g in cli.app.registered_groups]
    finally:
        registry.all_scenarios.cache_clear()


def test_the_registry_line_goes_at_the_end_once(tmp_path: Path) -> None:
    reg = tmp_path / "registry.py"
    reg.write_text('X = 1\nSCENARIOS = (\n    "a",  # A\n)\n')
    add_registry_line(reg, "permits", "许可办理")
    add_registry_line(reg, "permits", "许可办理")
    assert reg.read_text() == 'X = 1\nSCENARIOS = (\n    "a",  # A\n    "permits",  # 许可办理\n)\n'
