"""Benchmarks run as `make bench` runs them (`python -m benchmarks.<name>`), for their smoke tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_benchmark(module: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """`python -m <module> <args>` from the repository's root, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
