"""docs/sdk.md runs as written: every ```python block of the quick-start, in order, in one
namespace, against an in-process node (the demo's URL, key directory and passphrase are
pointed at it), so the page cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

from wuyi.node.home import OrgSpec
from wuyi.testing.inprocess import inprocess_node

DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"
ORGS = [OrgSpec("sjj", "江门市政务服务数据管理局", True), OrgSpec("zjj", "江门市住房和城乡建设局")]


def snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_every_snippet_of_the_sdk_quickstart_runs(tmp_path: Path) -> None:
    blocks = snippets()
    assert len(blocks) >= 8
    with inprocess_node(tmp_path / "node", ORGS, suite="sm", passphrase="wuyi-demo-only") as env:
        ns: dict[str, object] = {"_TRANSPORT": env.transport}
        for i, code in enumerate(blocks):
            code = code.replace(
                'WuyiClient("http://127.0.0.1:8600")',
                'WuyiClient("http://127.0.0.1:8600", transport=_TRANSPORT)',
            )
            code = code.replace("WuyiClient(NODES)", "WuyiClient(NODES, transport=_TRANSPORT)")
            code = code.replace('Path(".wuyi-demo/keys")', f"Path({str(env.keys_dir)!r})")
            code = code.replace('Path("wallet.json")', f"Path({str(tmp_path / 'wallet.json')!r})")
            try:
                exec(compile(code, f"docs/sdk.md snippet {i + 1}", "exec"), ns)
            except Exception as exc:
                raise AssertionError(
                    f"docs/sdk.md snippet {i + 1} failed: {exc!r}\n{code}"
                ) from exc
