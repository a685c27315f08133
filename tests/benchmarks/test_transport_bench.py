"""`make bench` compares the transports: a tiny run fills every row of the transport report."""

from __future__ import annotations

import json

from .benchmark_runs import run_benchmark


def test_a_small_transport_run_measures_http_both_websocket_shapes_a_soak_capacity_and_paced_echo(tmp_path):
    tiny = ["--ws-calls", "4", "--ws-turns", "2", "--ws-rounds", "1", "--soak-calls", "6", "--idle-sockets", "4"]
    tiny += ["--paced-calls", "3", "--paced-turns", "2", "--think-s", "0.02", "--paced-rounds", "1"]
    capacity = ["--capacity-first", "2", "--capacity-step", "2", "--capacity-step-s", "1", "--capacity-max", "4"]
    capacity += ["--key-interval-s", "0.5", "--capacity-min-turns", "1"]
    run = run_benchmark("benchmarks.run_all", "--only", "transport", *tiny, *capacity, "--out", str(tmp_path), timeout=300)

    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "latest.json").read_text())["transports"]
    assert [row["transport"] for row in report["saturated"]] == ["http", "ws-per-call", "ws-multiplexed"]
    assert all(row["failures"] == 0 and row["turns_per_s"] > 0 for row in report["saturated"])
    assert [(s["transport"], s["calls"], s["error_records"], s["tracebacks"]) for s in report["soaks"]] == [
        ("ws-per-call", 6, 0, 0),
        ("ws-multiplexed", 6, 0, 0),
    ]
    assert [row["transport"] for row in report["capacity"]] == ["http", "ws-per-call"]
    assert all(row["steps"] and row["idle_kb_per_call"] != 0 for row in report["capacity"])
    assert "ws-per-call: turns/s" in run.stdout and "capacity ws-per-call: held" in run.stdout
    paced = report["paced"]
    assert [row["transport"] for row in paced] == ["http", "ws-per-call"]
    assert all(row["failures"] == 0 and row["bot_p99_ms"] > 0 and row["echo_p99_ms"] > 0 for row in paced)
    assert all(len(row["p99_ratios"]) == 1 for row in paced)
    assert "this bot next to the SDK echo bot" in run.stdout
