"""docs/scenarios/api.md runs as written: every ```python block of its walk-through, in order,
in one namespace, against an in-process node holding the demo data `make run` loads (the
demo's URL and key directory are pointed at it), so the page cannot rot and its examples show
what the demo chain really answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.demo_chain import DemoChain, demo_copy

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios" / "api.md"


def snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_every_snippet_of_the_scenario_api_page_runs(
    demo_chain: DemoChain,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocks = snippets()
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)  # the walk-through writes its wallets to the working directory
    (tmp_path / "chain").mkdir()
    with demo_copy(demo_chain, tmp_path / "chain") as (env, _made):  # a copy of the session's
        ns: dict[str, object] = {"_TRANSPORT": env.transport}
        for i, code in enumerate(blocks):
            code = code.replace(
                'WuyiClient("http://127.0.0.1:8600")',
                'WuyiClient("http://127.0.0.1:8600", transport=_TRANSPORT)',
            )
            code = code.replace('Path(".wuyi-demo/keys")', f"Path({str(env.keys_dir)!r})")
            try:
                exec(compile(code, f"docs/scenarios/api.md snippet {i + 1}", "exec"), ns)
            except Exception as exc:
                raise AssertionError(
                    f"docs/scenarios/api.md snippet {i + 1} failed: {exc!r}\n{code}"
                ) from exc
    out = capsys.readouterr().out
    # what the page's comments promise is what the chain answered
    for promised in (
        "which has not consented",
        "jurisdiction rule (属地登记): office 'pjq' registers units in 440703",
        "LTV rule max_ltv_pct (贷款成数)",
        "at most 84000000 fen",
        "mortgage rule (抵押)",
        "seizure rule (查封)",
        "True [('format', True), ('issuer_signature', True)",
        "'rule': 'degree'",
        "'rule': 'age'",
    ):
        assert promised in out, promised
    assert "\nFalse\n" in out  # the tampered certificate
    assert ns["decision"]["result"] == "approved"  # type: ignore[index]
    assert ns["points"]["result"] == "refused"  # type: ignore[index]
