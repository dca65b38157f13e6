"""``wuyi archive verify|restore``: archive segments of pruned blocks (``docs/state-sync.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wuyi.cli.app import _cli_errors, app

archive_app = typer.Typer(help="归档 / archive segments of pruned blocks", no_args_is_help=True)
app.add_typer(archive_app, name="archive")


@archive_app.command("verify")
@_cli_errors
def archive_verify(
    directory: Annotated[Path, typer.Option("--dir", help="归档目录 / archive directory")],
    genesis: Annotated[Path, typer.Option("--genesis", help="链的创世文件 / genesis.json")],
    genesis_hash: Annotated[
        str | None, typer.Option("--genesis-hash", help="期望的创世哈希 / pin the genesis hash")
    ] = None,
) -> None:
    """从创世校验全部归档段 / check every segment from the genesis alone."""
    from wuyi.crypto import get_suite
    from wuyi.ledger.genesis import GenesisDoc, build_genesis
    from wuyi.node.archive import verify_archive
    from wuyi.state import MemoryNodeStore, StateTree

    doc = GenesisDoc.load(genesis)
    suite = get_suite(doc.suite)
    block = build_genesis(doc, StateTree(suite.hash, MemoryNodeStore()))[0]
    last = verify_archive(
        directory,
        suite,
        doc.chain_id,
        block.header,
        doc.validators,
        pinned=bytes.fromhex(genesis_hash) if genesis_hash else None,
    )
    typer.echo(f"归档有效 / archive verified: blocks 1..{last} of chain {doc.chain_id}")


@archive_app.command("restore")
@_cli_errors
def archive_restore(
    home: Annotated[Path, typer.Option("--home", help="节点目录（已停止）/ stopped node's home")],
    directory: Annotated[Path, typer.Option("--dir", help="归档目录 / archive directory")],
) -> None:
    """把归档的区块放回存储：成为全历史节点 / put archived bodies back (full history)."""
    from wuyi.node.archive import restore_archive
    from wuyi.node.node import Node

    node = Node.open(home)
    try:
        base = restore_archive(node, directory)
    finally:
        node.close()
    typer.echo(f"已恢复 / restored: the store holds every body from height {base}")
