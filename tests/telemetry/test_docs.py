"""docs/observability.md and the workbook say the same, and name every metric the code makes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from opentelemetry.sdk.metrics import MeterProvider

from telemetry.instruments import CallMetrics

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs/observability.md").read_text()
WORKBOOK = json.loads((ROOT / "deploymentTemplates/workbooks/call-telemetry.workbook.json").read_text())


def test_the_workbook_runs_exactly_the_documented_queries():
    documented = re.findall(r"```kusto\n(.*?)\n```", DOC, re.S)
    in_workbook = [item["content"]["query"] for item in WORKBOOK["items"] if item["type"] == 3]
    assert in_workbook == documented and documented
    assert WORKBOOK["version"] == "Notebook/1.0"


def test_every_metric_the_code_makes_is_documented_with_its_unit():
    metrics = CallMetrics.on(MeterProvider().get_meter("doc"))
    for instrument in vars(metrics).values():
        assert f"| `{instrument.name}` | `{instrument.unit}` |" in DOC, instrument.name
    assert "| `ivr.recordings.download.jobs` | `{job}` |" in DOC
