"""`make bench` measures what telemetry costs: its row next to the bot's, in alternation, and in instructions."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from .benchmark_runs import run_benchmark


def test_a_small_benchmark_run_measures_the_bot_with_telemetry_on_next_to_off(tmp_path):
    tiny = ["--calls", "4", "--turns", "2", "--paced-turns", "1", "--think-s", "0.01", "--idle-calls", "4"]
    run = run_benchmark("benchmarks.run_all", *tiny, "--only", "memory", "telemetry", "--out", str(tmp_path), timeout=180)

    assert run.returncode == 0, run.stdout + run.stderr
    document = json.loads((tmp_path / "latest.json").read_text())
    results = {r["name"]: r for r in document["results"]}
    assert set(results) == {"bot main menu [memory]", "bot, telemetry on (otlp)"}
    for result in results.values():
        assert result["error"] is None and result["failures"] == 0 and result["turns"] == 8
    assert "telemetry on vs off: turns/s" in run.stdout
    assert "the OTLP sink received 0 exports" not in run.stdout  # the on row really exported


def test_a_small_telemetry_cost_run_compares_off_with_on_and_a_baseline_commit():
    tiny = ["--rounds", "1", "--calls", "2", "--turns", "2", "--baseline", "HEAD"]
    run = run_benchmark("benchmarks.telemetry_cost", *tiny, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "telemetry off vs as of HEAD: throughput per CPU-second" in run.stdout
    assert "telemetry on (otlp) vs telemetry off: throughput per CPU-second" in run.stdout


def test_instructions_are_read_from_a_real_cachegrind_run_and_a_turns_cost_is_the_difference(tmp_path):
    from benchmarks.instructions import Count, report, total_instructions

    out = tmp_path / "cachegrind.out"
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}"]
    short = subprocess.run([*valgrind, sys.executable, "-S", "-c", "pass"], capture_output=True, text=True, timeout=120)
    assert short.returncode == 0, short.stderr
    printed = int(re.search(r"I\s+refs:\s+([\d,]+)", short.stderr).group(1).replace(",", ""))
    assert total_instructions(out) == printed > 1_000_000

    off = Count("telemetry off", (50, 250), (1_000, 1_000 + 200 * 6_000))
    before = Count("bot, as of main", (50, 250), (5_000, 5_000 + 200 * 6_060))
    on = Count("bot, telemetry on (otlp)", (50, 250), (9_000, 9_000 + 200 * 9_000))
    lines = report(off, before, on)
    assert "telemetry off vs bot, as of main: instructions per turn -0.99%" in lines
    assert "bot, telemetry on (otlp) vs telemetry off: instructions per turn +50.00%" in lines
