"""The packaging files (``Containerfile``, ``deploy/``) are checked here, since no container engine
or systemd runs on the development machines: the alert rules and the dashboard name only
metrics a node exports, the Containerfile parses and copies what exists, and every command the
Containerfile, the compose file and the systemd units run is a real ``wuyi`` command with real
options."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from wuyi.api.app import create_app
from wuyi.api.metrics import NodeMetrics
from wuyi.cli import app
from wuyi.node.home import OrgSpec, init_home
from wuyi.node.node import Node

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
METRIC = re.compile(r"\b((?:wuyi|process|python)_[a-z0-9_]+)\b")
PROMETHEUS_OWN = {"up"}
INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
    "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip


def exposition_names(tmp_path: Path) -> set[str]:
    """Sample names a node exports (validator mode: consensus, peers, certificates)."""
    init_home(tmp_path / "n", chain_id="metrics-chain", suite="intl",
              orgs=[OrgSpec("sjj", "政数局", True)], passphrase="pw", time_ms=1)  # fmt: skip
    node = Node.open(tmp_path / "n")
    info = {
        "consensus_height": 2,
        "round": 0,
        "syncing": False,
        "timeouts": {},
        "peers": [{"name": "node1", "connected": True}],
        "network": [{"name": "node1", "connected": True, "contested": 0}],
        "validators": [{"name": "node0", "up": True}, {"name": "node1", "up": True}],
        "certificates": [
            {
                "kind": "node",
                "name": "node0",
                "subject": "CN=node0",
                "not_after": "2030-01-01T00:00:00+00:00",
            }
        ],
    }
    try:
        api = create_app(node, is_ready=lambda: True, consensus_info=lambda: info)
        metrics: NodeMetrics = api.state.metrics  # what GET /metrics serves
        text = metrics.exposition().decode()
    finally:
        node.close()
    return {s.name for fam in text_string_to_metric_families(text) for s in fam.samples}


def alert_rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load((DEPLOY / "prometheus" / "wuyi-alerts.yml").read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def dashboard_exprs() -> list[str]:
    dash = json.loads((DEPLOY / "grafana" / "wuyi-dashboard.json").read_text())
    return [t["expr"] for p in dash["panels"] for t in p["targets"]]


def test_every_metric_the_alerts_and_the_dashboard_name_exists(tmp_path: Path) -> None:
    exported = exposition_names(tmp_path)
    exprs = [r["expr"] for r in alert_rules()] + dashboard_exprs()
    named = {m for e in exprs for m in METRIC.findall(e)}
    assert "wuyi_tls_certificate_expiry_timestamp_seconds" in named
    missing = sorted(named - exported)
    assert not missing, f"named in deploy/ but not exported by a node: {missing}"
    for e in exprs:
        assert e.count("(") == e.count(")") and e.count("{") == e.count("}"), e
        bare = set(re.findall(r"\b([a-z_]+)\{", e)) - {"by", "without"}
        assert bare <= exported | PROMETHEUS_OWN | {n.removesuffix("_bucket") for n in exported}, (
            e,
            bare,
        )


def test_alert_rules_cover_the_outages_operators_asked_for() -> None:
    rules = {r["alert"]: r for r in alert_rules()}
    wanted = ["WuyiNodeDown", "WuyiNoCommit", "WuyiPeersBelowQuorum", "WuyiDiskNearFull",
              "WuyiCertificateExpiringSoon", "WuyiCertificateExpired"]  # fmt: skip
    for name in wanted:
        assert name in rules, name
        assert rules[name]["labels"]["severity"] in ("warning", "critical")
        assert rules[name]["annotations"]["summary"]
    assert "30 * 86400" in rules["WuyiCertificateExpiringSoon"]["expr"]


def _instructions(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    buf = ""
    for line in text.splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    assert not buf, "a continued line never ends"
    return out


def _cli_options(*command: str) -> str:
    r = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    assert r.exit_code == 0, r.output
    return r.output


def _check_wuyi_command(argv: list[str]) -> None:
    """``argv`` (after ``wuyi``) is a real command and each ``--option`` is one of its options."""
    words = [a for a in argv if not a.startswith("-")]
    # the command path is the leading words that are commands (e.g. node start, tls renew)
    path = words[:2] if words[0] in ("node", "tls", "net", "gov") else words[:1]
    help_text = _cli_options(*path)
    for opt in (a for a in argv if a.startswith("--")):
        assert opt.split("=")[0] in help_text, f"wuyi {' '.join(path)} has no option {opt}"


def test_containerfile_parses_copies_what_exists_and_runs_a_real_command() -> None:
    ins = _instructions((ROOT / "Containerfile").read_text())
    assert ins[0][0] == "FROM"
    assert all(word in INSTRUCTIONS for word, _ in ins), [w for w, _ in ins]
    froms = [rest for w, rest in ins if w == "FROM"]
    assert all(re.match(r"docker\.io/library/python:3\.11-", f) for f in froms), froms
    for word, rest in ins:
        if word == "COPY" and not rest.startswith("--from"):
            for src in rest.split()[:-1]:
                assert (ROOT / src).exists(), f"COPY {src}: no such file in the repository"
    final = ins[max(i for i, (w, _) in enumerate(ins) if w == "FROM") :]
    user = [rest for w, rest in final if w == "USER"]
    assert user and not user[-1].startswith(("0", "root")), "the node must not run as root"
    assert "8600" in dict(final)["EXPOSE"] and "26600" in dict(final)["EXPOSE"]
    entry = json.loads(dict(final)["ENTRYPOINT"])
    cmd = json.loads(dict(final)["CMD"])
    assert entry == ["wuyi"]
    _check_wuyi_command(cmd)
    health = dict(final)["HEALTHCHECK"]
    assert "/healthz" in health
    json.loads(health[health.index("CMD") + 3 :].strip())


def test_compose_file_mounts_each_node_only_its_own_home() -> None:
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = doc["services"]
    nodes = {k: v for k, v in services.items() if k.startswith("node-")}
    assert len(nodes) == 4
    homes = set()
    for name, svc in nodes.items():
        vols = svc["volumes"]
        assert len(vols) == 1, f"{name} mounts more than its own home: {vols}"
        homes.add(vols[0].split(":")[0])
        cmd = svc.get("command") or json.loads(
            dict(_instructions((ROOT / "Containerfile").read_text()))["CMD"]
        )
        _check_wuyi_command(cmd)
        assert svc["secrets"] == ["wuyi_passphrase"]
    assert len(homes) == 4
    init = services["init"]["command"][0]
    _check_wuyi_command(shlex.split(init.split("||", 1)[1])[1:])
    assert "wuyi_passphrase" in doc["secrets"]


@pytest.mark.parametrize(
    "unit", ["wuyi-node@.service", "wuyi-tls-renew@.service", "wuyi-tls-renew@.timer"]
)
def test_systemd_units_parse_and_run_real_commands(unit: str) -> None:
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(DEPLOY / "systemd" / unit)
    assert cp.has_section("Unit")
    if unit.endswith(".timer"):
        assert cp.get("Timer", "OnCalendar")
        return
    exec_start = shlex.split(cp.get("Service", "ExecStart"))
    assert exec_start[0].endswith("/wuyi")
    _check_wuyi_command(exec_start[1:])
    assert cp.get("Service", "User") == "wuyi"
    if unit.startswith("wuyi-node"):
        assert cp.get("Service", "KillSignal") == "SIGTERM"
        assert cp.get("Service", "RestartPreventExitStatus") == "2"
