"""``wuyi bench``: the benchmark suite of a source checkout (``benchmarks/run.py``, what
``make bench`` runs), with the same options. The benchmarks are not part of the installed
package: this command finds them next to the ``wuyi`` package and runs them in this Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from wuyi.cli.app import app, err_console

__all__ = ["bench", "bench_argv", "find_benchmarks"]


def find_benchmarks() -> Path | None:
    """The checkout root holding ``benchmarks/run.py``, or None (an installed wheel)."""
    root = Path(__file__).resolve().parent.parent.parent
    return root if (root / "benchmarks" / "run.py").exists() else None


def bench_argv(
    *,
    quick: bool = False,
    workloads: str | None = None,
    suites: str | None = None,
    nodes: str | None = None,
    modes: str | None = None,
    duration: float | None = None,
    rate_duration: float | None = None,
    repeats: int | None = None,
    rates: str | None = None,
    backlog: int | None = None,
    kv_keys: int | None = None,
    peer: bool | None = None,
    profile: bool = False,
    micro: bool | None = None,
    out: Path | None = None,
    render_only: bool = False,
) -> list[str]:
    """The ``python -m benchmarks.run`` arguments for these options."""
    argv: list[str] = []
    for flag, value in (
        ("--workloads", workloads),
        ("--suites", suites),
        ("--nodes", nodes),
        ("--modes", modes),
        ("--duration", duration),
        ("--rate-duration", rate_duration),
        ("--repeats", repeats),
        ("--rates", rates),
        ("--backlog", backlog),
        ("--kv-keys", kv_keys),
        ("--out", out),
    ):
        if value is not None:
            argv += [flag, str(value)]
    if quick:
        argv.append("--quick")
    if render_only:
        argv.append("--render-only")
    if profile:
        argv.append("--profile")
    if peer is not None:
        argv.append("--peer" if peer else "--no-peer")
    if micro is not None:
        argv.append("--micro" if micro else "--no-micro")
    return argv


@app.command("bench")
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="约 3 分钟冒烟 / ~3 minute smoke")] = False,
    workloads: Annotated[
        str | None,
        typer.Option(help="donothing,kv-a,kv-b,smallbank,anchor,registry,transfer,counter"),
    ] = None,
    suites: Annotated[str | None, typer.Option(help="intl,sm")] = None,
    nodes: Annotated[str | None, typer.Option(help="网络规模 / network sizes: 1,4")] = None,
    modes: Annotated[str | None, typer.Option(help="fixed-backlog,fixed-rate")] = None,
    duration: Annotated[float | None, typer.Option(help="s per saturated round")] = None,
    rate_duration: Annotated[float | None, typer.Option(help="s per fixed-rate round")] = None,
    repeats: Annotated[int | None, typer.Option(help="重复轮数 / rounds per figure")] = None,
    rates: Annotated[str | None, typer.Option(help="fractions of saturation, e.g. 0.3,0.7")] = None,
    backlog: Annotated[int | None, typer.Option(help="txs in flight (fixed-backlog)")] = None,
    kv_keys: Annotated[int | None, typer.Option(help="KVStore keys preloaded")] = None,
    peer: Annotated[
        bool | None, typer.Option("--peer/--no-peer", help="对比 Ganache / run Ganache too")
    ] = None,
    profile: Annotated[bool, typer.Option("--profile", help="py-spy flame graphs")] = False,
    micro: Annotated[
        bool | None, typer.Option("--micro/--no-micro", help="sandbox and state-tree benches")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Markdown report path")] = None,
    render_only: Annotated[bool, typer.Option("--render-only", help="from saved JSON")] = False,
) -> None:
    """性能基准 / run the benchmark suite (benchmarks/run.py, as `make bench`)."""
    root = find_benchmarks()
    if root is None:
        err_console.print(
            "[red]错误 / error:[/red] the benchmarks live in a source checkout"
            " (benchmarks/run.py); run this from a clone of the repository"
        )
        raise typer.Exit(1)
    argv = bench_argv(
        quick=quick,
        workloads=workloads,
        suites=suites,
        nodes=nodes,
        modes=modes,
        duration=duration,
        rate_duration=rate_duration,
        repeats=repeats,
        rates=rates,
        backlog=backlog,
        kv_keys=kv_keys,
        peer=peer,
        profile=profile,
        micro=micro,
        out=out,
        render_only=render_only,
    )
    if out is not None:  # the run's working directory is the checkout
        argv[argv.index("--out") + 1] = str(out.resolve())
    code = subprocess.call([sys.executable, "-m", "benchmarks.run", *argv], cwd=root)
    raise typer.Exit(code)
