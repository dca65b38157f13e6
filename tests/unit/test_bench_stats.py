"""The pure parts of the benchmarks: percentiles, medians with spread, the soak's exactly-once
check and memory growth (benchmarks/stats.py), and the YCSB key generator."""

import math

import pytest

from benchmarks.stats import (
    check_exactly_once,
    fmt_spread,
    latency_summary,
    memory_growth,
    percentile,
    quantiles,
    summarize,
)
from benchmarks.workloads import Zipfian, tx_for


def test_percentile_interpolates_between_ranks() -> None:
    xs = [10.0, 20.0, 30.0, 40.0]
    assert percentile(xs, 0.0) == 10.0
    assert percentile(xs, 1.0) == 40.0
    assert percentile(xs, 0.5) == 25.0
    assert percentile([5.0], 0.99) == 5.0
    assert percentile(list(reversed(xs)), 0.5) == 25.0  # order of input does not matter
    assert math.isnan(percentile([], 0.5))
    with pytest.raises(ValueError):
        percentile(xs, 1.5)


def test_percentile_matches_numpy_linear() -> None:
    np = pytest.importorskip("numpy")
    xs = [float((i * 7919) % 1013) for i in range(257)]
    for q in (0.01, 0.5, 0.95, 0.99):
        assert percentile(xs, q) == pytest.approx(float(np.percentile(xs, q * 100)))


def test_quantiles_and_latency_summary() -> None:
    q = quantiles([float(i) for i in range(101)])
    assert len(q) == 101 and q[0] == 0 and q[50] == 50 and q[100] == 100
    assert quantiles([]) == []
    s = latency_summary([0.010, 0.020, 0.030, 1.0])
    assert s["n"] == 4 and s["max"] == 1000.0 and s["p50"] == 25.0
    assert s["p99"] <= 1000.0 and len(s["quantiles_ms"]) == 101
    assert latency_summary([])["p50"] is None


def test_summarize_median_and_spread() -> None:
    s = summarize([700.0, 650.0, 720.0])
    assert (s["median"], s["min"], s["max"], s["n"]) == (700.0, 650.0, 720.0, 3)
    assert summarize([1.0, None, float("nan"), 3.0])["n"] == 2
    assert summarize([None])["median"] is None
    assert fmt_spread(s) == "700 (650–720)"
    assert fmt_spread(summarize([1234.0])) == "1,234"
    assert fmt_spread(summarize([])) == "–"
    assert fmt_spread(summarize([0.5, 0.25, 1.0]), "{:.2f}") == "0.50 (0.25–1.00)"


def test_exactly_once_passes_when_every_ack_is_on_chain_once() -> None:
    r = check_exactly_once(["a", "b"], ["b", "x", "a"], submitted=["a", "b", "c"])
    assert r.ok and r.committed_once == 2 and r.acknowledged == 2
    assert r.unacknowledged_committed == 0  # "x" is not ours


def test_exactly_once_finds_missing_and_duplicates() -> None:
    r = check_exactly_once(["a", "b", "c"], ["a", "a", "b", "d"], submitted=["a", "b", "c", "d"])
    assert not r.ok
    assert r.missing == ["c"]
    assert r.duplicates == {"a": 2}
    assert r.committed_once == 1
    assert r.unacknowledged_committed == 1  # "d": submitted, answer lost, committed once
    j = r.to_json()
    assert j["ok"] is False and j["missing"] == 1 and j["duplicates"] == 1


def test_memory_growth_between_two_times() -> None:
    samples = [(0.0, 100.0), (300.0, 200.0), (900.0, 210.0), (1800.0, 220.0)]
    assert memory_growth(samples, 300.0, 1800.0) == pytest.approx(0.10)
    assert memory_growth(samples, 1000.0, 1800.0) is None  # one sample only
    assert memory_growth([], 0, 10) is None


def test_zipfian_is_skewed_and_in_range() -> None:
    z = Zipfian(1000)
    keys = [z.key(i / 5000) for i in range(5000)]
    assert all(0 <= k < 1000 for k in keys)
    counts: dict[int, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    top = sorted(counts.values(), reverse=True)
    assert top[0] > 10 * (5000 / 1000)  # the hottest key is far above uniform
    assert z.rank(0.0) == 0


def test_ycsb_mixes_have_their_read_share() -> None:
    from wuyi.crypto import get_suite

    suite = get_suite("intl")
    for name, share in (("kv-a", 0.5), ("kv-b", 0.95)):
        methods = [tx_for(name, suite, i, 1000)[1]["method"] for i in range(2000)]
        reads = methods.count("get") / len(methods)
        assert abs(reads - share) < 0.04, (name, reads)
        assert set(methods) <= {"get", "put"}
    kind, payload = tx_for("donothing", suite, 7)
    assert kind == "contract.call" and payload["method"] == "nothing"


def test_commit_rate_ignores_block_quantisation() -> None:
    from benchmarks.network import commit_rate

    # Blocks of 100 transactions every 0.5 s: 200 tx/s whatever the window's edges.
    times = [t * 0.5 + 0.1 for t in range(7) for _ in range(100)]
    assert commit_rate(times, window=3.4, fallback=len(times)) == 200.0
    assert commit_rate([1.0, 1.0, 2.0], window=4.0, fallback=3) == 0.75  # < 3 blocks
