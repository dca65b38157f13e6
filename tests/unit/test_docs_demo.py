"""The command-line walk-throughs of docs/credentials.md, docs/contracts.md and
docs/governance.md, run as written against a freshly built demo (issue #16 item 7): a doc that
names a file the demo does not have (``demo-data/…``, ``bdc-clerk.key``) or the wrong proposal
number fails here.

The bash blocks are read from the docs and run by a small interpreter of the shell the docs
use: ``export``, ``VAR=value``, ``VAR=$(command | tail -1)``, ``for x in …; do … done``,
``> file``, and ``.venv/bin/wuyi …`` / ``wuyi …`` (run through the CLI in this process against
the in-process demo node). Placeholders the reader fills in are filled in the same way:
``did:wuyi:…`` is the DID the walk-through's wallet got, ``<hex>`` the public key the last
``wuyi key new`` printed, and ``/tmp/`` is a fresh directory. A command must succeed unless its
comment starts with "refused".
"""

from __future__ import annotations

import importlib
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.testing.inprocess import InProcessNode

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def demo(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, Path]]:
    tmp = tmp_path_factory.mktemp("docs-demo")
    with demo_copy(demo_chain, tmp) as (env, _made):  # a fresh copy of the session's
        # the layout `make run` gives: .wuyi-demo/{keys,wallets,docs}
        work = tmp / "work"
        (work / ".wuyi-demo").mkdir(parents=True)
        (work / ".wuyi-demo" / "keys").symlink_to(env.keys_dir)
        (work / ".wuyi-demo" / "wallets").symlink_to(tmp / "wallets")
        (work / ".wuyi-demo" / "docs").symlink_to(tmp / "docs")
        (work / "tmp").mkdir()
        yield env, work


def code_blocks(doc: str, section: str, lang: str = "bash") -> list[str]:
    """The ```<lang> blocks of ``docs/<doc>`` under the heading that starts with ``section``
    (up to the next heading of the same or a higher level; lines in code blocks are no
    headings)."""
    blocks: list[str] = []
    level = 0
    fence: str | None = None  # the language of the code block we are in
    body: list[str] = []
    for line in (DOCS / doc).read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if fence is None:
                fence, body = line[3:].strip(), []
            else:
                if level and fence == lang:
                    blocks.append("\n".join(body) + "\n")
                fence = None
            continue
        if fence is not None:
            body.append(line)
            continue
        m = re.match(r"^(#+) (.*)$", line)
        if m and level and len(m.group(1)) <= level:
            break
        if m and not level and m.group(2).startswith(section):
            level = len(m.group(1))
    assert level, f"docs/{doc} has no section '{section}'"
    return blocks


def bash_blocks(doc: str, section: str) -> list[str]:
    return code_blocks(doc, section, "bash")


class Shell:
    """Just enough of bash for the docs' walk-throughs (see the module docstring)."""

    def __init__(self, work: Path, run: Callable[[list[str]], tuple[int, str]]) -> None:
        self.work = work
        self.run_wuyi = run
        self.vars: dict[str, str] = {}
        self.did = ""
        self.hex = ""
        self.outputs: list[tuple[str, str]] = []

    def fill(self, line: str) -> str:
        line = line.replace("/tmp/", f"{self.work}/tmp/")
        line = line.replace("did:wuyi:…", self.did).replace("did:wuyi:...", self.did)
        line = line.replace("<hex>", self.hex)
        return re.sub(r"\$\{?(\w+)\}?", lambda m: self.vars.get(m.group(1), m.group(0)), line)

    def command(self, raw: str) -> str:
        """Run one command line; its output."""
        refused = raw.partition(" # ")[2].strip().startswith("refused")
        words = shlex.split(self.fill(raw), comments=True)
        out_file = None
        if ">" in words:
            i = words.index(">")
            out_file, words = words[i + 1], words[:i]
        if words[-2:] == ["tail", "-1"] and words[-3] == "|":
            words = words[:-3]
        assert words[0] in (".venv/bin/wuyi", "wuyi"), f"not a wuyi command: {raw}"
        code, out = self.run_wuyi(words[1:])
        self.outputs.append((raw, out))
        if refused:
            assert code != 0 and "refused" in out, f"{raw}\n-> expected a refusal:\n{out}"
        else:
            assert code == 0, f"{raw}\n-> exit {code}:\n{out}"
        if words[1:3] == ["wallet", "init"] and "DID " in out:
            self.did = out.split("DID ")[1].split()[0]
        if words[1:3] == ["key", "new"]:
            self.hex = re.search(r"\b(04[0-9a-f]{128}|[0-9a-f]{64})\b", out).group(1)  # type: ignore[union-attr]
        if out_file is not None:
            Path(out_file).write_text(out, encoding="utf-8")
        return out

    def script(self, text: str) -> None:
        lines = re.sub(r"\\\n\s*", " ", text).splitlines()
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            i += 1
            if not line or line.startswith("#"):
                continue
            if line.startswith("export "):
                for part in shlex.split(line, comments=True)[1:]:
                    k, _, v = part.partition("=")
                    self.vars[k] = v
                continue
            loop = re.match(r"^for (\w+) in (.*?); do\b", line)
            if loop:
                body = []
                while lines[i].strip() != "done":
                    body.append(lines[i])
                    i += 1
                i += 1
                for value in loop.group(2).split():
                    self.vars[loop.group(1)] = value
                    for b in body:
                        self.command(b.strip())
                continue
            sub = re.match(r"^(\w+)=\$\((.*)\)(\s+#.*)?$", line)
            if sub:
                out = self.command(sub.group(2))
                last = [x for x in out.splitlines() if x.strip()]
                self.vars[sub.group(1)] = last[-1].strip()
                continue
            assign = re.match(r"^(\w+)=(\S+)(\s+#.*)?$", line)
            if assign:
                self.vars[assign.group(1)] = self.fill(assign.group(2))
                continue
            self.command(line)


@pytest.fixture
def shell(demo: tuple[InProcessNode, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Shell]:
    env, work = demo
    from wuyi.cli import app

    for name in ("wuyi.cli.app", "wuyi.cli.identity", "wuyi.cli.contracts"):
        monkeypatch.setattr(importlib.import_module(name), "_client", lambda node: env.new_client())
    monkeypatch.setenv("WUYI_PASSPHRASE", DEMO_PASSPHRASE)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(importlib.import_module("wuyi.cli.app").console, "width", 200)
    monkeypatch.chdir(work)
    runner = CliRunner()

    def run(args: list[str]) -> tuple[int, str]:
        r = runner.invoke(app, args)
        return r.exit_code, r.output

    yield Shell(work, run)


def demo_proposals(env: InProcessNode) -> int:
    return max(int(p["id"]) for p in env.client.proposals())


def test_the_docs_name_what_the_demo_has() -> None:
    """The documents' demo paths and keys are the demo's own (a static check; the runs below
    use them)."""
    for doc in ("credentials.md", "contracts.md", "governance.md"):
        text = (DOCS / doc).read_text(encoding="utf-8")
        assert "demo-data/" not in text, doc
        assert "bdc-clerk.key" not in text, doc


def test_credentials_walk_through_runs_against_the_demo(shell: Shell) -> None:
    for block in bash_blocks("credentials.md", "Walk-through with the demo"):
        shell.script(block)
    assert shell.did.startswith("did:wuyi:")
    # the two verifications: the bank's (then its replay refused) and rsj's with assurance
    verified = [out for raw, out in shell.outputs if raw.startswith(".venv/bin/wuyi vc verify")]
    assert len(verified) == 3 and "refused" in verified[1] and "replay" in verified[1]
    assert "refused" not in verified[0] and "refused" not in verified[2]
    wallet = (DOCS / "credentials.md").read_text(encoding="utf-8")
    path = re.search(r"The demo's own citizen wallet is `([^`]+)`", wallet).group(1)  # type: ignore[union-attr]
    assert (shell.work / path).is_file()


def test_governance_and_contract_walk_throughs_run_against_the_demo(
    demo: tuple[InProcessNode, Path], shell: Shell
) -> None:
    env, _ = demo
    made = demo_proposals(env)
    contracts = (DOCS / "contracts.md").read_text(encoding="utf-8")
    governance = (DOCS / "governance.md").read_text(encoding="utf-8")
    said = re.search(r"the demo itself made proposals 1-(\d+)", contracts)
    assert said, "contracts.md no longer says how many proposals the demo made"
    assert int(said.group(1)) == made, f"contracts.md says 1-{said.group(1)}; the demo made {made}"
    said = re.search(r"the demo made proposals 1-(\d+)", governance)
    assert said and int(said.group(1)) == made, f"governance.md: the demo made {made}"

    # governance.md first, on the fresh demo: the id it prints is the one the doc uses
    (block,) = [b for b in bash_blocks("governance.md", "Worked example: admitting") if "gov" in b]
    assert re.search(rf"^P={made + 1}\b", block, flags=re.M), "governance.md: wrong id"
    shell.script(block)
    assert f"proposal {made + 1}" in shell.outputs[0][1]
    assert "executed" in shell.outputs[-1][1]
    assert env.client.proposal(made + 1)["status"] == "executed"

    # contracts.md: write, package, propose, approve, commit, use (the doc's proposal number is
    # for a fresh demo; here governance.md's proposal came first)
    text = "\n".join(
        bash_blocks("contracts.md", "1. Write it")[:1]
        + bash_blocks("contracts.md", "3. Package it")
        + bash_blocks("contracts.md", "4. Propose")
        + bash_blocks("contracts.md", "5. Use it")
    )
    assert f"proposal {made + 1}: deploy filing_counter" in text
    assert f"contract approve {made + 1} " in text
    write, package = text.split(".venv/bin/wuyi contract package", 1)
    shell.script(write)
    # the reader writes the contract the doc shows into the generated module
    (source,) = code_blocks("contracts.md", "1. Write it", "python")[:1]
    (shell.work / "filing_counter" / "contract.py").write_text(source, encoding="utf-8")
    package = ".venv/bin/wuyi contract package" + package
    shell.script(re.sub(rf"\b{made + 1}\b", str(made + 2), package))
    proposed = next(out for raw, out in shell.outputs if "contract propose" in raw)
    assert f"proposal {made + 2}" in proposed
    assert {c["name"] for c in env.client.contracts()} >= {"filing_counter"}
    called = next(out for raw, out in shell.outputs if "contract call" in raw)
    assert "1" in called.split("returned")[-1]
