"""``wuyi backup`` and ``wuyi restore``: an online-consistent backup of a node home as one tar
archive with a manifest, and a checked restore (``wuyi/node/backup.py``,
``docs/operations.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from wuyi.cli.app import HomeOpt, _cli_errors, _kv, app, console, err_console

__all__ = ["backup", "restore"]

_PHASES = {
    "copy": "复制存储 / copying the store",
    "archive": "写入归档 / writing the archive",
    "extract": "解包 / unpacking",
    "check": "校验 / checking",
    "install": "安装 / installing",
}


class _RichProgress:
    """Adapts ``progress(phase, done, total)`` callbacks to one Rich progress bar per phase."""

    def __init__(self, progress: Progress) -> None:
        self.p = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        tid = self.tasks.get(phase)
        if tid is None:
            tid = self.p.add_task(_PHASES.get(phase, phase), total=max(total, 1))
            self.tasks[phase] = tid
        self.p.update(tid, completed=done, total=max(total, 1))


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


@app.command("backup")
@_cli_errors
def backup(
    home: HomeOpt,
    out: Annotated[Path, typer.Option("--out", help="归档文件 / archive to write (.tar, .tar.gz)")],
) -> None:
    """备份节点 / back up a node (it may keep running) into one tar archive with a manifest."""
    from wuyi.node.backup import backup_home

    with _progress() as p:
        res = backup_home(home, out, progress=_RichProgress(p))
    m = res.manifest
    size = res.path.stat().st_size
    _kv(
        [
            ("归档 / archive", escape(str(res.path))),
            ("链 / chain", f"{m['chain_id']} ({m['suite']})"),
            ("高度 / height", str(m["height"])),
            ("状态根 / state root", str(m["state_root"])),
            ("文件 / files", f"{len(m['files'])} ({size:,} bytes)"),
        ],
        title="[green]✓ 备份完成 / backup written[/green]",
    )
    console.print("  归档含加密密钥与 TLS 私钥，请妥善保管 / the archive holds keys: keep it safe")


@app.command("restore")
@_cli_errors
def restore(
    home: HomeOpt,
    from_: Annotated[Path, typer.Option("--from", help="备份归档 / the backup archive")],
    force: Annotated[
        bool, typer.Option("--force", help="替换非空目录 / replace a non-empty home")
    ] = False,
    chain_id: Annotated[
        str | None, typer.Option("--chain-id", help="期望的链 / refuse another chain")
    ] = None,
) -> None:
    """恢复节点 / restore a node home from a backup (the node must be stopped)."""
    from wuyi.node.backup import restore_home

    with _progress() as p:
        m = restore_home(
            from_, home, force=force, expect_chain_id=chain_id, progress=_RichProgress(p)
        )
    _kv(
        [
            ("节点目录 / home", escape(str(home))),
            ("链 / chain", f"{m['chain_id']} ({m['suite']})"),
            ("高度 / height", str(m["height"])),
            ("状态根 / state root", str(m["state_root"])),
        ],
        title="[green]✓ 恢复完成 / restored[/green]",
    )
    console.print(f"  启动 / start it: wuyi node start --home {escape(str(home))}")
