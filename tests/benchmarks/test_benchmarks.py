"""`make bench` works: a tiny run of the benchmark measures every target it names and writes its JSON."""

from __future__ import annotations

import json

from .benchmark_runs import run_benchmark


def test_a_small_benchmark_run_measures_the_bot_next_to_the_echo_bot_and_the_ceiling(tmp_path):
    tiny = ["--calls", "4", "--turns", "2", "--paced-turns", "1", "--think-s", "0.01", "--idle-calls", "4"]
    targets = ["--only", "memory", "samples", "ceiling"]
    run = run_benchmark("benchmarks.run_all", *tiny, *targets, "--out", str(tmp_path), timeout=180)

    assert run.returncode == 0, run.stdout + run.stderr
    document = json.loads((tmp_path / "latest.json").read_text())
    results = {r["name"]: r for r in document["results"]}
    assert set(results) == {"bot main menu [memory]", "sdk-echo (samples' wiring)", "bare aiohttp echo (ceiling)"}
    for result in results.values():
        assert result["error"] is None and result["failures"] == 0
        assert result["turns"] == 8 and result["turns_per_s"] > 0 and result["p99_ms"] >= result["p50_ms"] > 0
    assert "bot main menu [memory]: turns/s" in run.stdout and "the ceiling's" in run.stdout
