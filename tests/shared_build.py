"""Something expensive the tests build once per run and only read (e.g. the demo chain that
modules copy): with pytest-xdist the workers share one build — the first to need it builds it
under a lock while the others wait, then each reads it — without xdist it is built in this
process's temporary folder."""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def build_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Any]
) -> tuple[Path, Any]:
    """``build(folder)`` run once per test run in an empty ``folder``: the folder and what
    ``build`` returned (pickled, to hand it to the other workers)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        folder = tmp_path_factory.mktemp(name)
        return folder, build(folder)
    # the workers' temporary folders are <run>/popen-gwN: <run> is this run's alone
    run = tmp_path_factory.getbasetemp().parent
    folder, made = run / name, run / f"{name}.pickle"
    with open(run / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not made.exists():
            folder.mkdir(exist_ok=True)
            result = build(folder)
            made.write_bytes(pickle.dumps(result))
        return folder, pickle.loads(made.read_bytes())


def rehome(made: Any, old: Path, new: Path) -> Any:
    """``made`` with every path under ``old`` (a string or a Path) moved under ``new``."""
    if isinstance(made, dict):
        return {k: rehome(v, old, new) for k, v in made.items()}
    if isinstance(made, list | tuple):
        return type(made)(rehome(v, old, new) for v in made)
    if isinstance(made, str) and made.startswith(str(old)):
        return str(new) + made[len(str(old)) :]
    if isinstance(made, Path) and made.is_relative_to(old):
        return new / made.relative_to(old)
    return made
