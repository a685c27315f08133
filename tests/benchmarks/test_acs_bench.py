"""`make bench` measures the main menu over Call Automation next to HTTP: a tiny run fills both rows."""

from __future__ import annotations

import json

from .benchmark_runs import run_benchmark


def test_a_small_run_times_main_menu_turns_over_acs_next_to_http_in_one_app_and_writes_both_rows(tmp_path):
    run = run_benchmark(
        "benchmarks.acs_path", "--calls", "2", "--turns", "2", "--rounds", "1", "--out", str(tmp_path), timeout=120
    )

    assert run.returncode == 0, run.stdout + run.stderr
    rows = {line.split()[0]: line.split() for line in run.stdout.splitlines() if line.split()[:1] in (["http"], ["acs"])}
    assert set(rows) == {"http", "acs"}
    for _path, turns_per_s, p50_ms, p99_ms, turns, failures, *_rounds in rows.values():
        assert float(turns_per_s) > 0 and turns == "4" and failures == "0"
        assert float(p99_ms) >= float(p50_ms) > 0
    assert "over Call Automation next to HTTP" in run.stdout and "acs/http: turns/s" in run.stdout
    report = json.loads((tmp_path / "acs-path-latest.json").read_text())["acs_path"]
    assert report["settings"] == {"calls": 2, "turns": 2, "rounds": 1}
    assert [row["path"] for row in report["rows"]] == ["http", "acs"]
    for row in report["rows"]:
        assert row["failures"] == 0 and row["turns"] == 4 and len(row["rounds"]) == 1
        assert row["turns_per_s"] > 0 and row["p99_ms"] >= row["p50_ms"] > 0
