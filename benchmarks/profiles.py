"""Where the CPU went: a table from py-spy's collapsed stacks (``--format raw``).

A flame graph is for exploring; this is for the report. :func:`summarize` reads the collapsed
stack files of a profiled round (one per node: ``frame;frame;...;leaf count`` per line, the first
frame the process, then the thread) and gives, over every node together:

* **busy samples** — samples whose leaf frame is not a wait (``select``, ``poll``, lock and
  condition waits, a queue or pipe read). py-spy's own idle detection misses threads parked in
  an event loop's ``epoll_wait`` or a ``Condition.wait``, so these are taken out by name;
* per function (``name (file)``, line numbers merged), ranked by its **self** share of busy
  samples (the leaf frame: where the CPU ran), with its **inclusive** share (on the stack at
  all, counted once per sample even when recursive) beside it.

Pure: no clock, no processes. ``python -m benchmarks.profiles FILE...`` prints the table.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["IDLE_LEAVES", "Hotspot", "ProfileSummary", "function_of", "summarize"]

IDLE_LEAVES = (
    "select (selectors.py",
    "poll (selectors.py",
    "wait (threading.py",
    "Condition.wait (threading.py",
    "Event.wait (threading.py",
    "_wait_for_tstate_lock (threading.py",
    "wait (multiprocessing/connection.py",
    "_recv_bytes (multiprocessing/connection.py",
    "_recv (multiprocessing/connection.py",
    "Queue.get (queue.py",
    "SimpleQueue.get",
    "acquire",
    "sleep",
)
"""Leaf frames that mean "waiting", matched as substrings of py-spy's ``name (file:line)``."""


@dataclass(frozen=True)
class Hotspot:
    function: str
    inclusive: float
    """Share of busy samples with this function anywhere on the stack (0..1)."""
    self: float
    """Share of busy samples with this function as the leaf frame (0..1)."""


@dataclass(frozen=True)
class ProfileSummary:
    samples: int
    busy: int
    top: tuple[Hotspot, ...]

    def to_obj(self) -> dict[str, object]:
        return {
            "samples": self.samples,
            "busy": self.busy,
            "top": [
                {"function": h.function, "inclusive": h.inclusive, "self": h.self} for h in self.top
            ],
        }


def function_of(frame: str) -> str:
    """``"name (path/file.py:123)"`` -> ``"name (path/file.py)"`` (lines of one function
    merged); other frames (process and thread headers) unchanged."""
    name, sep, loc = frame.partition(" (")
    if not sep or not loc.endswith(")"):
        return frame
    path = loc[:-1]
    head, colon, line = path.rpartition(":")
    if colon and line.isdigit():
        path = head
    return f"{name} ({path})"


def _is_idle(leaf: str) -> bool:
    return any(marker in leaf for marker in IDLE_LEAVES)


def _parse(lines: Iterable[str]) -> Iterable[tuple[list[str], int]]:
    for line in lines:
        line = line.rstrip("\n")
        stack, sep, count = line.rpartition(" ")
        if not sep or not count.isdigit() or not stack:
            continue
        yield stack.split(";"), int(count)


def summarize(paths: Sequence[Path], top: int = 15) -> ProfileSummary:
    """The ``top`` functions by self share of busy samples (where the CPU actually ran) over
    all ``paths``, each with its inclusive share too."""
    samples = busy = 0
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for frames, n in _parse(f):
                samples += n
                if _is_idle(frames[-1]):
                    continue
                busy += n
                # frames[0] is the process, frames[1] the thread (or a process's first frame).
                funcs = [function_of(fr) for fr in frames[2:]] or [frames[-1]]
                self_[funcs[-1]] += n
                for fn in set(funcs):
                    inclusive[fn] += n
    if not busy:
        return ProfileSummary(samples, 0, ())
    spots = tuple(
        Hotspot(fn, inclusive[fn] / busy, n / busy)
        for fn, n in sorted(self_.items(), key=lambda kv: (-kv[1], kv[0]))
        if not _is_plumbing(fn)
    )[:top]
    return ProfileSummary(samples, busy, spots)


_PLUMBING = (
    "(threading.py)",
    "(<frozen runpy>)",
    "(asyncio/base_events.py)",
    "(asyncio/events.py)",
    "(asyncio/runners.py)",
    "(multiprocessing/process.py)",
    "(multiprocessing/spawn.py)",
    "(concurrent/futures/process.py)",
    "(concurrent/futures/thread.py)",
    "(typer/",
    "(click/",
    "(uvicorn/",
    "(anyio/",
    "<module> (",
    "spawn_main",
)


def _is_plumbing(fn: str) -> bool:
    """Frames under which everything runs (thread and event-loop entry points, the CLI)."""
    return any(p in fn for p in _PLUMBING)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+", type=Path, help="py-spy --format raw outputs")
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args(argv)
    s = summarize(a.files, a.top)
    print(f"{s.busy} busy of {s.samples} samples")
    print(f"{'self':>6} {'inclusive':>9}  function")
    for h in s.top:
        print(f"{h.self:6.1%} {h.inclusive:9.1%}  {h.function}")


if __name__ == "__main__":
    main()
