"""A long-running node hands freed heap memory back to the OS (issue #8's soak: without it,
each burst — a restarted peer's catch-up — left the node's resident memory a step higher)."""

from __future__ import annotations

import time

from wuyi.node.service import HeapTrimmer


def _anon_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise AssertionError("no RssAnon")


def test_trimmer_runs_periodically_and_returns_freed_memory() -> None:
    t = HeapTrimmer(interval_s=0.05)
    assert t.available  # glibc on the machines we run on
    # a burst of allocations (larger than pymalloc's 512 bytes: they come from glibc), freed
    # again but for a few survivors — glibc keeps the freed pages mapped until trimmed
    burst = [bytes(4000) + i.to_bytes(4, "big") for i in range(30_000)]
    keep = burst[::100]
    del burst
    before = _anon_kib()
    t.start()
    deadline = time.monotonic() + 5
    while t.trims < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    t.stop()
    assert t.trims >= 2
    assert _anon_kib() < before - 10_000, (before, _anon_kib())  # > 10 MiB handed back
    assert len(keep) == 300
