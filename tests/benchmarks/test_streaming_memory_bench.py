"""`benchmarks.streaming_memory`: a tiny run reports each attack's memory and the bot closing each socket."""

from __future__ import annotations

from .benchmark_runs import run_benchmark


def test_a_small_run_reports_the_memory_each_attack_cost_and_that_the_bot_closed_its_socket():
    run = run_benchmark("benchmarks.streaming_memory", "--headers", "12", "--packets", "20000", timeout=180)

    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["headers", "empty streams", "empty requests", "orphan streams"]
    assert all(line.endswith("socket closed by the bot") for line in lines), run.stdout
