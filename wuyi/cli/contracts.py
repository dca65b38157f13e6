"""``wuyi contract ...`` and ``wuyi gov ...``: write, test, package, propose, approve, commit,
call and query contracts; propose, vote on and execute governance proposals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.syntax import Syntax
from rich.table import Table

from wuyi.cli.app import (
    DEFAULT_NODE,
    KeyOpt,
    NodeOpt,
    PassFileOpt,
    _cli_errors,
    _client,
    _kv,
    _load_key,
    _submit,
    app,
    console,
    show_table,
)
from wuyi.cli.scenarios import DEFAULT_PURPOSE, PurposeOpt, ReadKeyOpt
from wuyi.exceptions import ValidationError

__all__ = ["contract_app", "gov_app"]

contract_app = typer.Typer(help="智能合约 / smart contracts", no_args_is_help=True)
gov_app = typer.Typer(help="治理 / governance proposals and votes", no_args_is_help=True)
app.add_typer(contract_app, name="contract")
app.add_typer(gov_app, name="gov")

MANIFEST = "manifest.json"
SOURCE = "contract.py"

ProposalIdArg = Annotated[int, typer.Argument(help="提案编号 / proposal id")]
ArgsOpt = Annotated[
    str, typer.Option("--args", help='参数 JSON / arguments as JSON, bytes as {"$bytes": hex}')
]


def _parse_args(text: str) -> dict[str, Any]:
    from wuyi.ledger.jsonform import from_json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"--args is not valid JSON: {exc}", field="args") from None
    if not isinstance(value, dict):
        raise ValidationError("--args must be a JSON object of argument names", field="args")
    out: dict[str, Any] = from_json(value)
    return out


def _transact(node: str, key_file: Path, passphrase_file: Path | None, build: Any) -> Any:
    """Submit the transaction ``build(builder)`` makes, wait for its commit, print it."""
    res = _submit(node, key_file, passphrase_file, build)
    _committed(res)
    return res


def _propose(node: str, key_file: Path, passphrase_file: Path | None, build: Any) -> None:
    """``_transact`` a governance proposal and print its id."""
    res = _transact(node, key_file, passphrase_file, build)
    console.print(f"提案 / proposal [bold]{_event(res, 'gov.proposed', 'id')}[/bold]")


def _event(res: Any, event_type: str, attr: str) -> Any:
    from wuyi.sdk.client import event_attr

    return event_attr(res.receipt, event_type, attr)


def _committed(res: Any) -> None:
    console.print(
        f"[green]✓ 已上链 / committed[/green] tx {res.tx_hash} at height {res.height}"
        f"  gas {res.receipt.gas_used}"
    )


# -- writing and packaging ------------------------------------------------------------------------

_TEMPLATE = '''"""{name}: describe what this contract is for, in a sentence or two."""

from wuyi.contract import call, ctx, emit, require, state, view

ROLES = []  # business roles this contract uses, e.g. ["inspector"]


@call
def init(owner_note: str = "") -> None:
    """Runs once when the contract is committed (deploy)."""
    state.set("note", owner_note)


@call
def put(key: str, value: int) -> None:
    """Store ``value`` under ``key`` (any member may call; add roles=[...] to restrict)."""
    require(value >= 0, "value must not be negative")
    state.set("v/" + key, value)
    emit("stored", key=key, value=value, by=ctx.sender)


@view
def get(key: str) -> int | None:
    """Read a value (no transaction needed: ``wuyi contract query``)."""
    return state.get("v/" + key)
'''

_TEST_TEMPLATE = '''"""Unit tests of {name}: run with ``wuyi contract test`` (or pytest)."""

from pathlib import Path

import pytest

from wuyi.exceptions import ContractRevert
from wuyi.testing.contracts import ContractTester

SOURCE = (Path(__file__).parent / "contract.py").read_text(encoding="utf-8")


def test_put_and_get() -> None:
    t = ContractTester()
    t.deploy("{name}", SOURCE)
    t.call("{name}", "put", {{"key": "a", "value": 7}}, sender="alice")
    assert t.query("{name}", "get", {{"key": "a"}}) == 7


def test_negative_values_are_refused() -> None:
    t = ContractTester()
    t.deploy("{name}", SOURCE)
    with pytest.raises(ContractRevert, match="must not be negative"):
        t.call("{name}", "put", {{"key": "a", "value": -1}}, sender="alice")
'''


@contract_app.command("new")
@_cli_errors
def contract_new(
    name: Annotated[str, typer.Argument(help="合约名 / contract name, e.g. housing_filing")],
    directory: Annotated[
        Path | None, typer.Option("--dir", help="目录 / directory (default: ./NAME)")
    ] = None,
) -> None:
    """新建合约 / scaffold a contract: contract.py, manifest.json and a test."""
    from wuyi.ledger.handlers.contracts import validate_contract_name

    validate_contract_name(name)
    d = directory or Path(name)
    if d.exists() and any(d.iterdir()):
        raise ValidationError(f"{d} exists and is not empty")
    d.mkdir(parents=True, exist_ok=True)
    (d / SOURCE).write_text(_TEMPLATE.format(name=name), encoding="utf-8")
    manifest = {"name": name, "version": "1.0.0", "description": "", "roles": []}
    (d / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    (d / f"test_{name}.py").write_text(_TEST_TEMPLATE.format(name=name), encoding="utf-8")
    console.print(f"[green]✓[/green] {d}/{SOURCE}, {d}/{MANIFEST}, {d}/test_{name}.py")
    console.print(f"  下一步 / next: wuyi contract test {d}  →  wuyi contract package {d}")


@contract_app.command("test")
@_cli_errors
def contract_test(
    directory: Annotated[Path, typer.Argument(help="合约目录 / contract directory")] = Path("."),
) -> None:
    """运行合约单元测试 / run the contract's tests (pytest, in-process fake chain)."""
    rc = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory)]
    )
    raise typer.Exit(rc)


def build_package(directory: Path) -> dict[str, Any]:
    """Read and check ``directory``'s contract; return the package (with its code hashes)."""
    from wuyi.crypto import get_suite
    from wuyi.ledger.handlers.base import ChainSpec
    from wuyi.ledger.handlers.contracts import (
        check_package_source,
        compute_code_hash,
        validate_contract_name,
    )

    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        source = (directory / SOURCE).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ValidationError(f"{exc.filename} is missing (see `wuyi contract new`)") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{directory / MANIFEST} is not valid JSON: {exc}") from None
    name, version = manifest.pop("name", None), manifest.pop("version", None)
    validate_contract_name(name)
    if not isinstance(version, str):
        raise ValidationError(f"{MANIFEST}: version is missing", field="version")
    check_package_source(ChainSpec("-", get_suite("intl")), name, source)  # line + reason
    pkg: dict[str, Any] = {
        "name": name,
        "version": version,
        "source": source,
        "manifest": {k: v for k, v in manifest.items() if v not in ("", [])},
    }
    pkg["code_hash"] = {
        s: compute_code_hash(ChainSpec("-", get_suite(s)), pkg).hex() for s in ("sm", "intl")
    }
    return pkg


@contract_app.command("package")
@_cli_errors
def contract_package(
    directory: Annotated[Path, typer.Argument(help="合约目录 / contract directory")] = Path("."),
    out: Annotated[Path | None, typer.Option("-o", "--out", help="输出 / package file")] = None,
) -> None:
    """打包合约 / check the source in the sandbox and write NAME-VERSION.pkg.json."""
    pkg = build_package(directory)
    target = out or Path(f"{pkg['name']}-{pkg['version']}.pkg.json")
    target.write_text(json.dumps(pkg, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _kv(
        [
            ("合约 / contract", f"{pkg['name']} {pkg['version']}"),
            ("代码哈希 SM3 / code hash (sm)", pkg["code_hash"]["sm"]),
            ("代码哈希 SHA-256 / code hash (intl)", pkg["code_hash"]["intl"]),
            ("文件 / file", str(target)),
        ]
    )


def _read_package(path: Path) -> dict[str, Any]:
    try:
        pkg: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"cannot read package {path}: {exc}") from None
    return pkg


@contract_app.command("propose")
@_cli_errors
def contract_propose(
    package: Annotated[Path, typer.Argument(help="包文件 / package file (*.pkg.json)")],
    key: KeyOpt,
    args: ArgsOpt = "{}",
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """提议部署或升级 / propose deploying (or upgrading) a package; prints the proposal id.

    --args are passed to init() on deploy, to migrate() on upgrade."""
    pkg = _read_package(package)
    hook_args = _parse_args(args)
    with _client(node) as c:
        upgrade = any(x["name"] == pkg["name"] for x in c.contracts())
    res = _transact(
        node,
        key,
        passphrase_file,
        lambda b: b.contract_propose(pkg, upgrade=upgrade, hook_args=hook_args),
    )
    pid = _event(res, "gov.proposed", "id")
    console.print(
        f"提案 / proposal [bold]{pid}[/bold]: {'upgrade' if upgrade else 'deploy'}"
        f" {pkg['name']} {pkg['version']}"
    )
    console.print(f"  其他组织批准 / other organisations approve: wuyi contract approve {pid}")
    console.print(f"  满足策略后提交 / then commit: wuyi contract commit {pid}")


@contract_app.command("approve")
@_cli_errors
def contract_approve(
    proposal_id: ProposalIdArg,
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """为本组织批准 / approve a lifecycle proposal for your organisation."""
    res = _transact(node, key, passphrase_file, lambda b: b.gov_vote(proposal_id, "yes"))
    ok = _event(res, "gov.voted", "approved")
    console.print(
        "策略已满足，可提交 / the policy is satisfied: commit it"
        if ok
        else "尚需更多批准 / more approvals are needed"
    )


@contract_app.command("commit")
@_cli_errors
def contract_commit(
    proposal_id: ProposalIdArg,
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """提交 / commit an approved lifecycle proposal (runs init/migrate)."""
    _transact(node, key, passphrase_file, lambda b: b.gov_execute(proposal_id))


def _lifecycle(
    verb: str, name: str, reason: str, key: Path, node: str, passphrase_file: Path | None
) -> None:
    args: dict[str, Any] = {"name": name}
    if reason and verb != "unfreeze":
        args["reason"] = reason
    _propose(
        node,
        key,
        passphrase_file,
        lambda b: b.gov_propose(f"contract.{verb}", args, title=f"{verb} {name}"),
    )


def _lifecycle_command(verb: str, doc: str) -> Any:
    """``wuyi contract VERB NAME --key K [--reason R]``: propose that lifecycle step."""

    def command(
        name: str,
        key: KeyOpt,
        reason: str = "",
        node: NodeOpt = DEFAULT_NODE,
        passphrase_file: PassFileOpt = None,
    ) -> None:
        _lifecycle(verb, name, reason, key, node, passphrase_file)

    command.__doc__ = doc
    return _cli_errors(command)


contract_app.command("freeze")(
    _lifecycle_command("freeze", "提议冻结 / propose freezing a contract.")
)


@contract_app.command("unfreeze")
@_cli_errors
def contract_unfreeze(
    name: str, key: KeyOpt, node: NodeOpt = DEFAULT_NODE, passphrase_file: PassFileOpt = None
) -> None:
    """提议解冻 / propose unfreezing a contract."""
    _lifecycle("unfreeze", name, "", key, node, passphrase_file)


contract_app.command("retire")(
    _lifecycle_command("retire", "提议退役 / propose retiring a contract (final).")
)


# -- using ----------------------------------------------------------------------------------------


@contract_app.command("call")
@_cli_errors
def contract_call(
    name: Annotated[str, typer.Argument(help="合约 / contract")],
    method: Annotated[str, typer.Argument(help="方法 / method")],
    key: KeyOpt,
    args: ArgsOpt = "{}",
    gas: Annotated[int | None, typer.Option("--gas", help="gas 上限 / gas limit")] = None,
    multi: Annotated[
        bool, typer.Option("--propose", help="多方调用 / start a multi-party call")
    ] = False,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """调用合约 / call a method in a transaction and print what it returned."""
    a = _parse_args(args)
    if multi:
        res = _transact(
            node, key, passphrase_file, lambda b: b.contract_call_propose(name, method, a)
        )
        cid = _event(res, "contract.call_proposed", "id")
        done = _event(res, "contract.call_executed", "id") is not None
        console.print(
            f"多方调用 / multi-party call [bold]{cid}[/bold]: "
            + ("已执行 / executed" if done else f"待签 / sign with: wuyi contract sign {cid}")
        )
        return
    res = _transact(
        node, key, passphrase_file, lambda b: b.contract_call(name, method, a, gas_limit=gas)
    )
    value = _event(res, "contract.returned", "value")
    if value is not None:
        console.print(f"返回 / returned: {json.dumps(value, ensure_ascii=False)}")


@contract_app.command("sign")
@_cli_errors
def contract_sign(
    call_id: Annotated[int, typer.Argument(help="多方调用编号 / multi-party call id")],
    key: KeyOpt,
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """签署多方调用 / add your signature to a multi-party call (runs it once enough signed)."""
    res = _transact(node, key, passphrase_file, lambda b: b.contract_call_sign(call_id))
    done = _event(res, "contract.call_executed", "id") is not None
    console.print("已执行 / executed" if done else "尚需更多签名 / more signatures needed")


@contract_app.command("query")
@_cli_errors
def contract_query(
    name: Annotated[str, typer.Argument(help="合约 / contract")],
    method: Annotated[str, typer.Argument(help="只读方法 / view method")],
    args: ArgsOpt = "{}",
    node: NodeOpt = DEFAULT_NODE,
    read_key: ReadKeyOpt = None,
    purpose: PurposeOpt = DEFAULT_PURPOSE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """只读查询 / call a read-only method (no transaction). A contract whose state is personal
    (Scenario.personal_state), or any on a private explorer, answers an active member's signed
    read: ``--read-key`` (logged, with ``--purpose``)."""
    from wuyi.ledger.jsonform import to_json

    with _client(node) as c:
        if read_key is not None:
            c.read_as(_load_key(read_key, passphrase_file), purpose)
        value = c.query(name, method, _parse_args(args))
    console.print(json.dumps(to_json(value), ensure_ascii=False, indent=2))


@contract_app.command("list")
@_cli_errors
def contract_list(node: NodeOpt = DEFAULT_NODE) -> None:
    """合约列表 / list contracts."""
    with _client(node) as c:
        items = c.contracts()
    show_table(
        ["名称 / name", "版本 / version", "状态 / status", "更新高度 / updated", "说明"],
        (
            [x["name"], x["version"], x["status"], x["updated_height"], x["description"]]
            for x in items
        ),
    )


@contract_app.command("show")
@_cli_errors
def contract_show(
    name: str,
    source: Annotated[bool, typer.Option("--source", help="显示源码 / print the source")] = False,
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """合约详情 / a contract: version, status, methods, history."""
    with _client(node) as c:
        meta = c.contract(name)
        src = c.contract_source(name) if source else None
    _kv(
        [
            ("名称 / name", meta["name"]),
            ("版本 / version", meta["version"]),
            ("状态 / status", meta["status"]),
            ("代码哈希 / code hash", meta["code_hash"]),
            ("角色 / roles", ", ".join(meta["roles"])),
        ]
    )
    t = Table("方法 / method", "类型 / kind", "参数 / params", "守卫 / guard")
    for mname, m in meta["abi"]["methods"].items():
        params = ", ".join(f"{p['name']}: {p['type']}" for p in m.get("params", []))
        guard = " ".join(x for x in (m.get("policy") or "", ",".join(m.get("roles") or [])) if x)
        t.add_row(mname, m["kind"], params, guard)
    console.print(t)
    show_table(
        ["动作 / action", "版本 / version", "高度 / height"],
        ([e["action"], e["version"], e["height"]] for e in meta["history"]),
    )
    if src is not None:
        console.print(Syntax(src["source"], "python", line_numbers=True))


# -- governance -----------------------------------------------------------------------------------


@gov_app.command("list")
@_cli_errors
def gov_list(
    status: Annotated[str | None, typer.Option("--status", help="open|executed|...")] = None,
    node: NodeOpt = DEFAULT_NODE,
) -> None:
    """提案列表 / proposals, newest first."""
    with _client(node) as c:
        items = c.proposals(status=status)
    show_table(
        ["id", "动作 / action", "标题 / title", "状态 / status", "赞成 / yes", "截止 / deadline"],
        (
            [
                p["id"],
                p["action"]["type"],
                p["title"],
                p["status"],
                ", ".join(sorted(o for o, v in p["votes"].items() if v["choice"] == "yes")),
                p["deadline"],
            ]
            for p in items
        ),
    )


@gov_app.command("show")
@_cli_errors
def gov_show(proposal_id: int, node: NodeOpt = DEFAULT_NODE) -> None:
    """提案详情 / one proposal with every vote."""
    with _client(node) as c:
        p = c.proposal(proposal_id)
    _kv(
        [
            ("id", str(p["id"])),
            ("动作 / action", p["action"]["type"]),
            ("标题 / title", p["title"]),
            ("状态 / status", p["status"]),
            ("策略 / policy", f"{p['policy']['name']}: {p['policy']['expr']}"),
            ("提议组织 / proposer org", p["proposer_org"]),
            ("截止高度 / deadline", str(p["deadline"])),
        ]
    )
    show_table(
        ["组织 / org", "投票 / choice", "高度 / height"],
        ([e["org"], e["choice"], e["height"]] for e in p["log"]),
    )


@gov_app.command("propose")
@_cli_errors
def gov_propose(
    action_type: Annotated[str, typer.Argument(help="e.g. chain.set_params, org.admit")],
    key: KeyOpt,
    title: Annotated[str, typer.Option("--title", help="标题 / title")],
    args: ArgsOpt = "{}",
    description: str = "",
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """发起提案 / propose a governance action."""
    a = _parse_args(args)
    _propose(
        node,
        key,
        passphrase_file,
        lambda b: b.gov_propose(action_type, a, title=title, description=description),
    )


@gov_app.command("vote")
@_cli_errors
def gov_vote(
    proposal_id: int,
    key: KeyOpt,
    choice: Annotated[str, typer.Option("--choice", help="yes|no|abstain")] = "yes",
    node: NodeOpt = DEFAULT_NODE,
    passphrase_file: PassFileOpt = None,
) -> None:
    """投票 / vote for your organisation."""
    _transact(node, key, passphrase_file, lambda b: b.gov_vote(proposal_id, choice))


def _proposal_step_command(build: Any, doc: str) -> Any:
    """``wuyi gov STEP ID --key K``: the transaction ``build(builder, ID)`` makes."""

    def command(
        proposal_id: int,
        key: KeyOpt,
        node: NodeOpt = DEFAULT_NODE,
        passphrase_file: PassFileOpt = None,
    ) -> None:
        _transact(node, key, passphrase_file, lambda b: build(b, proposal_id))

    command.__doc__ = doc
    return _cli_errors(command)


gov_app.command("execute")(
    _proposal_step_command(
        lambda b, pid: b.gov_execute(pid), "执行 / execute an approved proposal."
    )
)
gov_app.command("cancel")(
    _proposal_step_command(lambda b, pid: b.gov_cancel(pid), "撤回 / cancel your proposal.")
)
