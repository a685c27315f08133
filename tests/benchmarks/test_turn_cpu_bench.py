"""`benchmarks.turn_cpu`: a tiny run measures this tree beside a baseline commit on both transports, and profiles."""

from __future__ import annotations

from .benchmark_runs import run_benchmark


def test_a_small_run_reports_cpu_per_turn_for_this_tree_and_the_baseline_and_a_profile_per_transport(tmp_path):
    # The bot's CPU is read in clock ticks (10 ms): 30 turns cannot read as none.
    tiny = ["--rounds", "1", "--calls", "3", "--turns", "10", "--think-s", "0.02", "--profile-rows", "3"]
    run = run_benchmark("benchmarks.turn_cpu", "--baseline", "HEAD", *tiny, "--profile", str(tmp_path), timeout=300)

    assert run.returncode == 0, run.stdout + run.stderr
    rows = [line.split() for line in run.stdout.splitlines() if line.startswith(("http ", "ws-per-call "))]
    assert [(row[0], " ".join(row[1:3])) for row in rows] == [
        ("http", "this tree"),
        ("http", "as of"),
        ("ws-per-call", "this tree"),
        ("ws-per-call", "as of"),
    ]
    assert all(float(row[4 if row[1] == "as" else 3]) > 0 for row in rows), run.stdout
    assert sorted(path.name for path in tmp_path.glob("*.prof")) == ["http.prof", "ws-per-call.prof"]
    assert "the costliest functions by own time" in run.stdout
