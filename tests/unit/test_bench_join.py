"""``benchmarks.bench_join`` on a tiny chain: it builds the chain once under ``--chain``, reuses
it, and reports each state-sync step (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import bench_join


def test_the_chain_is_built_once_and_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--txs", "300", "--per-block", "100", "--dir", str(tmp_path),
            "--chain", str(tmp_path / "chain")]  # fmt: skip
    assert bench_join.main([*args, "--skip-replay"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["chain"]["txs"] == 300 and first["chain"]["heights"] == 3
    assert set(first["state_sync"]["steps_s"]) == {"headers", "chunks", "window", "install"}
    assert first["state_sync"]["window_txs"] == 200 and "replay" not in first
    assert first["run"]["command"].endswith("--skip-replay")
    assert bench_join.main(args) == 0  # the same chain again, with the replay
    second = json.loads(capsys.readouterr().out)
    assert {k: second["chain"][k] for k in ("txs", "heights", "build_s")} == {
        k: first["chain"][k] for k in ("txs", "heights", "build_s")
    }  # not built again
    assert second["replay"]["complete"] and second["replay"]["txs"] == 300
    with pytest.raises(SystemExit, match="not --txs 600"):
        bench_join.main(["--txs", "600", "--per-block", "100", "--dir", str(tmp_path),
                         "--chain", str(tmp_path / "chain")])  # fmt: skip
