"""`make bench` measures the bot's CPU per turn on each SDK, over HTTP and Call Automation: a tiny run fills the rows."""

from __future__ import annotations

import json

from .benchmark_runs import run_benchmark


def test_a_small_run_gives_the_bots_cpu_per_turn_on_each_sdk_for_each_path(tmp_path):
    tiny = ["--calls", "2", "--turns", "2", "--rounds", "1"]
    run = run_benchmark("benchmarks.sdk_cpu", *tiny, "--out", str(tmp_path), timeout=180)

    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "sdk-cpu-latest.json").read_text())["sdk_cpu"]
    assert report["settings"] == {"calls": 2, "turns": 2, "rounds": 1}
    assert [(row["sdk"], row["path"]) for row in report["rows"]] == [
        ("botbuilder", "http"), ("botbuilder", "acs"), ("agents", "http"), ("agents", "acs")
    ]
    for row in report["rows"]:
        assert row["failures"] == 0 and row["turns"] == 4 and len(row["rounds"]) == 1
        assert row["cpu_ms_per_turn"] > 0
    assert "CPU per turn on each SDK" in run.stdout and "a key over Call Automation costs" in run.stdout
