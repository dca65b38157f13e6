"""Rendering of docs/benchmarks.md from a run's JSON (benchmarks/report.py) and the
`wuyi bench` argument mapping: no network, no clock."""

from typing import Any

from benchmarks.report import peer_ratios, render, render_soak
from benchmarks.stats import latency_summary, summarize
from wuyi.cli.bench import bench_argv


def _round(tps: float, ok: float = 1.0) -> dict[str, Any]:
    return {
        "committed_tps": tps,
        "offered_tps": tps,
        "success_rate": ok,
        "latency_ms": latency_summary([0.1, 0.2, 0.3]),
        "cpu_cores_per_node": [0.5] * 4,
        "rss_mib_per_node": [150.0] * 4,
        "rss_anon_mib_per_node": [100.0] * 4,
        "pool_exhausted": False,
        "drained": True,
    }


def _agg(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rounds": rounds,
        "committed_tps": summarize(r["committed_tps"] for r in rounds),
        "offered_tps": summarize(r["offered_tps"] for r in rounds),
        "success_rate": summarize(r["success_rate"] for r in rounds),
        "p50_ms": summarize(r["latency_ms"]["p50"] for r in rounds),
        "p95_ms": summarize(r["latency_ms"]["p95"] for r in rounds),
        "p99_ms": summarize(r["latency_ms"]["p99"] for r in rounds),
        "cpu_cores_per_node": [summarize([0.5, 0.6, 0.7])] * 4,
        "rss_mib_per_node": [summarize([150.0])] * 4,
        "pool_exhausted": False,
    }


def _results(peer: dict[str, Any]) -> dict[str, Any]:
    sat = _agg([_round(700), _round(650), _round(720)])
    rate = {"fraction": 0.3, "rate": 210, **_agg([_round(209), _round(210), _round(208)])}
    return {
        "machine": {
            "date": "2026-11-27 20:00 UTC",
            "cpu": "Test CPU",
            "cores": 2,
            "memory_mib": 24105,
            "python": "3.11.7",
            "os": "Linux",
            "load_before": 0.1,
            "load_after": 1.5,
        },
        "plan": {
            "repeats": 3,
            "duration": 7.0,
            "warmup": 2.0,
            "rate_duration": 5.0,
            "rate_warmup": 1.0,
            "rates": [0.3, 0.7],
            "kv_keys": 100000,
        },
        "wall_s": 1800.0,
        "signatures": {
            "intl": {
                "algorithm": "Ed25519",
                "verify_us": 90.0,
                "per_core_per_s": 11000,
                "cores": 2,
                "machine_per_s": 22000,
            }
        },
        "networks": [
            {
                "nodes": 4,
                "suite": "intl",
                "setup_s": 30.0,
                "heights": [10, 10, 10, 10],
                "workloads": [
                    {
                        "workload": "transfer",
                        "title": "token transfer",
                        "nodes": 4,
                        "suite": "intl",
                        "backlog": 3000,
                        "saturated": sat,
                        "rates": [rate],
                        "disk_bytes_per_tx": 3900,
                    }
                ],
            }
        ],
        "peer": peer,
    }


def test_render_states_medians_spread_and_the_ganache_ratio() -> None:
    peer = {
        "available": True,
        "version": "7.9.2",
        "version_pinned": "7.9.2",
        "mode": "instamine",
        "signing": "eth-account",
        "submission": "batches",
        "workloads": {
            "transfer": {
                "rounds": [{"committed_tps": 175.0, "success_rate": 1.0, "cpu_cores": 1.0}] * 3,
                "counter_check": None,
            }
        },
    }
    res = _results(peer)
    ratios = peer_ratios(res)
    assert len(ratios) == 1 and ratios[0]["ratio"] == 700 / 175
    md = render(res, images={"throughput": "img/bench-throughput.png"})
    assert "Test CPU" in md and "24,105 MiB" in md
    assert "**700 (650–720)**" in md  # the median with its spread
    assert "**4.00×** Ganache's transfer rate" in md and "Goal ≥ 4×: met" in md
    assert "![" in md and "img/bench-throughput.png" in md
    assert "5,500" in md  # four-validator signature ceiling: 22,000 / 4
    assert "## Method" in md


def test_render_says_so_when_ganache_is_missing() -> None:
    md = render(_results({"available": False, "reason": "Ganache is not installed"}))
    assert "No Ganache comparison: Ganache is not installed" in md
    assert "No number is given for it" in md
    assert "×** Ganache" not in md


def test_render_soak_section() -> None:
    soak = {
        "date": "d",
        "suite": "intl",
        "rate": 100,
        "minutes": 30,
        "restart_every_s": 240,
        "restart_nodes": [1, 2, 3],
        "resubmit_after_s": 20,
        "resubmitted": 5,
        "restarts": [{"t": 240, "node": 1, "how": "SIGKILL"}],
        "exactly_once": {
            "ok": True,
            "acknowledged": 1000,
            "committed_once": 1000,
            "missing": 0,
            "duplicates": 0,
        },
        "replay_check": {"tried": 200, "refused": 200},
        "agreement": {"ok": True, "height": 99},
        "memory": [
            {
                "node": 0,
                "restarts_in_window": 0,
                "anon_from": 150.0,
                "anon_to": 160.0,
                "anon_growth": 0.0667,
                "rss_from": 300.0,
                "rss_to": 900.0,
                "growth": 2.0,
                "store_from": 200.0,
                "store_to": 800.0,
                "verdict": "met",
            }
        ],
    }
    text = "\n".join(render_soak(soak))
    assert "**passed**" in text and "200/200 refused" in text
    row = next(line for line in text.splitlines() if line.startswith("| node0"))
    assert "150.0 → 160.0 | +6.7 % | met" in row  # the owned memory is what is judged
    assert "300.0 → 900.0 (+200 %)" in row and "200.0 → 800.0" in row


def test_wuyi_bench_maps_options_to_the_runner() -> None:
    assert bench_argv() == []
    argv = bench_argv(quick=True, workloads="kv-a,kv-b", repeats=5, peer=False, profile=True)
    assert argv == [
        "--workloads",
        "kv-a,kv-b",
        "--repeats",
        "5",
        "--quick",
        "--profile",
        "--no-peer",
    ]


def test_profile_summary_counts_busy_samples_once_per_stack(tmp_path: Any) -> None:
    from benchmarks.profiles import function_of, summarize

    p = 'process 1:"python -m wuyi.cli node start"'
    t = "Thread._bootstrap (threading.py:1002)"
    lines = [
        # 6 samples in apply_block -> verify (recursive _update counted once per sample)
        f"{p};{t};apply_block (execute.py:10);_update (smt.py:5);_update (smt.py:7) 4",
        f"{p};{t};apply_block (execute.py:11);verify (intl.py:84) 2",
        # 10 samples parked in the event loop's select: waiting, not work
        f"{p};{t};run_forever (asyncio/base_events.py:607);select (selectors.py:468) 10",
        "malformed line without a count",
    ]
    f1 = tmp_path / "node0.txt"
    f1.write_text("\n".join(lines) + "\n")
    f2 = tmp_path / "node1.txt"
    f2.write_text(f"{p};{t};submit_many (node.py:330) 2\n")
    s = summarize([f1, f2])
    assert (s.samples, s.busy) == (18, 8)
    by = {h.function: h for h in s.top}
    assert "apply_block (execute.py)" not in by  # never the innermost frame
    assert by["_update (smt.py)"].inclusive == 4 / 8  # recursion counted once
    assert by["_update (smt.py)"].self == 4 / 8
    assert by["submit_many (node.py)"].inclusive == 2 / 8
    assert "Thread._bootstrap (threading.py)" not in by  # plumbing
    assert not any("select" in fn for fn in by)
    assert [h.function for h in s.top] == [
        "_update (smt.py)",  # ranked by self share
        "submit_many (node.py)",
        "verify (intl.py)",
    ]
    assert by["verify (intl.py)"].inclusive == by["verify (intl.py)"].self == 2 / 8
    assert function_of("f (a/b.py:12)") == "f (a/b.py)"
    assert function_of('process 7:"x"') == 'process 7:"x"'
    empty = tmp_path / "idle.txt"
    empty.write_text(f"{p};{t};select (selectors.py:1) 3\n")
    assert summarize([empty]).top == ()


def test_render_shows_the_profile_table() -> None:
    from benchmarks.report import render_profile_summary

    rows = render_profile_summary(
        "token transfer",
        {
            "samples": 1500,
            "busy": 1200,
            "top": [{"function": "apply_block (execute.py)", "inclusive": 0.265, "self": 0.0}],
        },
    )
    text = "\n".join(rows)
    assert "1,200 busy samples of 1,500" in text
    assert "| `apply_block (execute.py)` | 0.0% | 26.5% |" in text


def test_bench_apply_runs_and_reports_per_transaction_times() -> None:
    from benchmarks.bench_apply import run

    out = run(txs=20, repeats=2)
    assert out["txs"] == 20 and out["repeats"] == 2
    assert 0 < out["apply_us_per_tx_best"] <= out["apply_us_per_tx_median"]


def test_bench_apply_vc_verify_workload_checks_presentations_on_chain() -> None:
    from benchmarks.bench_apply import run

    out = run(txs=5, repeats=1, workload="vc-verify")
    assert out["workload"] == "vc-verify" and out["txs"] == 5
    assert out["apply_us_per_tx_best"] > 0


def test_a_re_render_keeps_the_hand_written_sections(tmp_path: Any, monkeypatch: Any) -> None:
    """docs/benchmarks.md ends with sections written by hand (make bench-join, ...): a re-render
    of the generated part (make bench, make soak) keeps them word for word."""
    import benchmarks.report as report
    from benchmarks import run

    monkeypatch.setattr(report, "plot_all", lambda res, img_dir: {})
    monkeypatch.setattr(run, "load_extras", lambda res: None)
    out = tmp_path / "benchmarks.md"
    hand = f"{run.HAND_WRITTEN_MARK}\n\n## Joining a long chain\n\n| 116.8 s | by hand |\n"
    out.write_text("# Benchmarks\n\nold generated part\n\n" + hand, encoding="utf-8")
    run.write_report(_results({"available": False, "reason": "-"}), out, tmp_path / "img")
    text = out.read_text(encoding="utf-8")
    assert "old generated part" not in text and "## Method" in text
    assert text.endswith(hand) and text.count(run.HAND_WRITTEN_MARK) == 1
    run.write_report(
        _results({"available": False, "reason": "-"}), out, tmp_path / "img"
    )  # again: still once
    assert out.read_text(encoding="utf-8").count("## Joining a long chain") == 1
    assert run.HAND_WRITTEN_MARK in (run.ROOT / "docs" / "benchmarks.md").read_text()


def test_a_narrowed_run_does_not_replace_the_full_runs_results_or_report() -> None:
    from benchmarks import run

    full = run.destinations(run.parse_args([]))
    assert full[0] == "latest.json" and full[1] == run.ROOT / "docs" / "benchmarks.md"
    for argv in (["--workloads", "transfer"], ["--duration", "10"], ["--nodes", "1"]):
        name, out, _ = run.destinations(run.parse_args(argv))
        assert name == "partial.json" and str(out).startswith("/tmp/"), argv
    assert run.destinations(run.parse_args(["--quick"]))[0] == "quick.json"
    name, out, _ = run.destinations(run.parse_args(["--duration", "10", "--out", "x.md"]))
    assert name == "partial.json" and str(out) == "x.md"
