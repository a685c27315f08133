"""Telemetry on in-memory exporters: every span, metric point and audit record a run produced."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from telemetry.wiring import Telemetry
from telemetry.privacy import DropQueryStrings
from telemetry.setup import EXPORTED_LOGGER


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")

class _Keep(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]):
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@dataclass
class Recorded:
    spans_exporter: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)
    reader: InMemoryMetricReader = field(default_factory=InMemoryMetricReader)
    records: list[logging.LogRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(DropQueryStrings())
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_exporter))
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
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
    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.spans_exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.spans if span.name == name]

    def points(self, metric: str) -> list[tuple[dict, object]]:
        """(attributes, point) for every data point of `metric`."""
        data = self.reader.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for m in scope.metrics:
                    if m.name == metric:
                        found.extend((dict(p.attributes), p) for p in m.data.data_points)
        return found

    def count(self, metric: str, **attributes: str) -> float:
        """The sum of a counter's points whose attributes include `attributes` (dots as underscores)."""
        wanted = {k.replace("_", "."): v for k, v in attributes.items()}
        return sum(
            getattr(point, "value", getattr(point, "count", 0))
            for attrs, point in self.points(metric)
            if all(attrs.get(k) == v for k, v in wanted.items())
        )

    def audits(self) -> list[dict]:
        return [record.recording_audit for record in self.records if hasattr(record, "recording_audit")]

    def everything_exported(self) -> list[str]:
        """Every string that would leave: span names, attributes, events, links; metric attributes; log records."""
        texts: list[str] = []
        for span in self.spans:
            texts.append(span.name)
            texts.extend(str(v) for v in (span.attributes or {}).values())
            texts.append(span.status.description or "")
            for event in span.events:
                texts.append(event.name)
                texts.extend(str(v) for v in (event.attributes or {}).values())
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for m in scope.metrics:
                    for point in m.data.data_points:
                        texts.extend(str(v) for v in (point.attributes or {}).values())
        for record in self.records:
            texts.append(record.getMessage())
            texts.append(json.dumps(getattr(record, "recording_audit", None)))
        # Timestamps are the clock's digits, not the caller's: "…:44.123" is no security code.
        return [_TIMESTAMP.sub("<time>", text) for text in texts]
