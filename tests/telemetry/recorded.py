"""Telemetry on in-memory exporters: every span, metric point and audit record a run produced."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

from telemetry.privacy import DropQueryStrings
from telemetry.setup import EXPORTED_LOGGER
from telemetry.wiring import Telemetry

from ..otel_memory import InMemoryOtel


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")

class _Keep(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]):
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@dataclass
class Recorded(InMemoryOtel):
    """The bot's telemetry on in-memory exporters, with query strings dropped as `start_telemetry` does."""

    records: list[logging.LogRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.tracer_provider.add_span_processor(DropQueryStrings())
        self.telemetry = Telemetry(self.tracer_provider, self.meter_provider)
        self._handler = _Keep(self.records)

    def __enter__(self) -> "Recorded":
        logger = logging.getLogger(EXPORTED_LOGGER)
        logger.addHandler(self._handler)
        self._level = logger.level
        logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc) -> None:
        logger = logging.getLogger(EXPORTED_LOGGER)
        logger.removeHandler(self._handler)
        logger.setLevel(self._level)

    # ---- what was exported ---------------------------------------------------
    def audits(self) -> list[dict]:
        return [record.recording_audit for record in self.records if hasattr(record, "recording_audit")]

    def everything_exported(self) -> list[str]:
        """Every string that would leave: spans and metric attributes (`InMemoryOtel`), and log records."""
        texts = self.spans_and_metrics_exported()
        for record in self.records:
            texts.append(record.getMessage())
            texts.append(json.dumps(getattr(record, "recording_audit", None)))
        # Timestamps are the clock's digits, not the caller's: "…:44.123" is no security code.
        return [_TIMESTAMP.sub("<time>", text) for text in texts]
