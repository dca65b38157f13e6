"""The scenarios of the action plan: one folder each, listed here and nowhere else.

``wuyi/scenarios/<name>/`` holds the whole of a scenario (``contract.py``, ``api.py``,
``sdk.py``, ``cli.py``, ``demo.py``, ``console/``, ``README.md``; :mod:`wuyi.scenarios.spec`).
The API, the SDK, the CLI, the console and the demo mount what :data:`SCENARIOS` lists, in
its order (the demo runs each scenario's step in this order). Adding a scenario is one folder
(``wuyi scenario new NAME`` writes it) and one line here; ``docs/architecture.md`` walks
through it.
"""

from __future__ import annotations

from functools import cache

from wuyi.scenarios.spec import CertificateKind, Scenario, load

__all__ = [
    "SCENARIOS",
    "CertificateKind",
    "Scenario",
    "all_scenarios",
    "by_contract",
    "contract_source",
    "get",
    "load",
    "registry_with",
]

#: The registry, in the order the scenarios are mounted: each a folder under wuyi/scenarios/
#: (or the dotted name of a package elsewhere). ``wuyi scenario new NAME`` adds a line.
SCENARIOS = (
    "realestate",  # 不动产登记
    "housing",  # 住房网签
    "settlement",  # 人才引进
    "elicence",  # 免证办
    "charity",  # 慈善捐赠
    "notary",  # 公证服务
    "finance",  # 金融服务
    "trace",  # 产品追溯
    "consumer",  # 消费维权
    "rural",  # 农村产权交易
    "eldercare",  # 养老服务
    "medical",  # 健康医疗
    "poverty",  # 精准扶贫
    "hotline",  # 12345热线
)


@cache
def all_scenarios() -> tuple[Scenario, ...]:
    """Every registered scenario, in registry order."""
    return tuple(load(name if "." in name else f"{__name__}.{name}") for name in SCENARIOS)


def registry_with(extra: Scenario) -> tuple[Scenario, ...]:
    """The registered scenarios, and ``extra`` after them unless it is one of them (a scenario
    not registered yet, e.g. in its own tests)."""
    registered = all_scenarios()
    return registered if extra.package in {s.package for s in registered} else (*registered, extra)


def get(name: str) -> Scenario:
    """The scenario registered as ``name``."""
    for s in all_scenarios():
        if s.name == name:
            return s
    raise KeyError(f"no scenario '{name}' (one of {', '.join(SCENARIOS)})")


def by_contract(contract: str) -> Scenario:
    """The scenario whose contract is deployed as ``contract``."""
    for s in all_scenarios():
        if s.contract == contract:
            return s
    raise KeyError(f"no scenario deploys a contract '{contract}'")


def contract_source(contract: str) -> str:
    """The source of the scenario contract deployed as ``contract``."""
    return by_contract(contract).source()
