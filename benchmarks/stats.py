"""Pure helpers of the benchmarks: percentiles, medians with their spread, the exactly-once
check of the soak and memory growth. No clock, no I/O: unit-tested in
``tests/unit/test_bench_stats.py``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ExactlyOnce",
    "check_exactly_once",
    "fmt_spread",
    "latency_summary",
    "memory_growth",
    "percentile",
    "quantiles",
    "summarize",
]


def percentile(xs: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0 ≤ q ≤ 1) of ``xs`` by linear interpolation between the two nearest
    ranks (numpy's default); NaN for no samples."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is not within 0..1")
    if not xs:
        return math.nan
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def quantiles(xs: Sequence[float], steps: int = 100) -> list[float]:
    """``steps + 1`` quantiles (0 %, 1 %, …, 100 % for 100): a compact latency distribution
    to store in the JSON and plot as a CDF; empty for no samples."""
    if not xs:
        return []
    s = sorted(xs)
    return [percentile(s, i / steps) for i in range(steps + 1)]


def latency_summary(seconds: Sequence[float]) -> dict[str, Any]:
    """p50/p95/p99/max and mean in milliseconds, the sample count, and the 101-point
    distribution (``quantiles_ms``)."""
    ms = sorted(x * 1000.0 for x in seconds)
    if not ms:
        return {
            "n": 0,
            "p50": None,
            "p95": None,
            "p99": None,
            "max": None,
            "mean": None,
            "quantiles_ms": [],
        }
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 0.50), 1),
        "p95": round(percentile(ms, 0.95), 1),
        "p99": round(percentile(ms, 0.99), 1),
        "max": round(ms[-1], 1),
        "mean": round(sum(ms) / len(ms), 1),
        "quantiles_ms": [round(x, 1) for x in quantiles(ms)],
    }


def _clean(values: Iterable[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and not math.isnan(float(v))]


def summarize(values: Iterable[float | None]) -> dict[str, Any]:
    """Median of repeated runs with its spread: ``{"median", "min", "max", "n", "runs"}``.
    Missing values (None, NaN) are left out and not counted; all missing gives None figures."""
    raw = list(values)
    xs = _clean(raw)
    if not xs:
        return {"median": None, "min": None, "max": None, "n": 0, "runs": raw}
    return {
        "median": percentile(xs, 0.5),
        "min": min(xs),
        "max": max(xs),
        "n": len(xs),
        "runs": raw,
    }


def fmt_spread(s: Mapping[str, Any] | None, fmt: str = "{:,.0f}", unit: str = "") -> str:
    """``"1,234 (1,100–1,300)"``: the median, then min–max when more than one run;
    ``"–"`` when nothing was measured."""
    if not s or s.get("median") is None:
        return "–"
    med = fmt.format(s["median"]) + unit
    if s.get("n", 0) > 1 and s["min"] != s["max"]:
        return f"{med} ({fmt.format(s['min'])}–{fmt.format(s['max'])})"
    return med


@dataclass(frozen=True)
class ExactlyOnce:
    """What the soak's final check found. ``ok`` when every acknowledged transaction is on the
    chain exactly once and nothing is on it twice."""

    acknowledged: int
    committed_once: int
    missing: list[str] = field(default_factory=list)
    """Acknowledged, never committed."""
    duplicates: dict[str, int] = field(default_factory=dict)
    """Transaction hash -> how often it is on the chain, where more than once."""
    unacknowledged_committed: int = 0
    """On the chain although no submission was acknowledged (a submission whose answer was
    lost: not an error, counted for the record)."""

    @property
    def ok(self) -> bool:
        return not self.missing and not self.duplicates

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "acknowledged": self.acknowledged,
            "committed_once": self.committed_once,
            "missing": len(self.missing),
            "missing_sample": self.missing[:20],
            "duplicates": len(self.duplicates),
            "duplicate_sample": dict(list(self.duplicates.items())[:20]),
            "unacknowledged_committed": self.unacknowledged_committed,
        }


def check_exactly_once(
    acknowledged: Iterable[str], on_chain: Iterable[str], submitted: Iterable[str] = ()
) -> ExactlyOnce:
    """Compare the acknowledged transaction hashes with every transaction hash found on the
    chain (one entry per occurrence, in any order). ``submitted`` (a superset of the
    acknowledged) tells which committed-but-unacknowledged hashes were ours."""
    acked = set(acknowledged)
    counts: dict[str, int] = {}
    for h in on_chain:
        counts[h] = counts.get(h, 0) + 1
    missing = sorted(h for h in acked if h not in counts)
    dups = {h: c for h, c in sorted(counts.items()) if c > 1}
    ours = set(submitted) | acked
    return ExactlyOnce(
        acknowledged=len(acked),
        committed_once=sum(1 for h in acked if counts.get(h) == 1),
        missing=missing,
        duplicates=dups,
        unacknowledged_committed=sum(1 for h in counts if h in ours and h not in acked),
    )


def memory_growth(
    samples: Sequence[tuple[float, float]], t_from: float, t_to: float
) -> float | None:
    """Relative growth (0.05 = 5 %) of a memory series ``[(t, mib), …]`` from the first sample
    at or after ``t_from`` to the last one at or before ``t_to``; None without two samples."""
    inside = [(t, v) for t, v in samples if t_from <= t <= t_to and v > 0]
    if len(inside) < 2:
        return None
    first, last = inside[0][1], inside[-1][1]
    return (last - first) / first
