"""Where benchmarks write their JSON: `benchmarks/results/`, one `<name>-latest.json` per benchmark."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def write_latest(report: Any, key: str, folder: Path) -> Path:
    """`report` (a dataclass) as `{"when": …, key: …}` in `<key>-latest.json` (underscores as dashes)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key.replace('_', '-')}-latest.json"
    document = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), key: asdict(report)}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
