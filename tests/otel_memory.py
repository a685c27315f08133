"""OpenTelemetry's SDK on in-memory exporters: the spans and metric points code produced, for tests to read.

Any part that traces or counts through the OpenTelemetry API (the recordings pipeline,
`telemetry/`) is tested on it. `tests/telemetry/recorded.py` adds the bot's telemetry on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@dataclass
class InMemoryOtel:
    spans_exporter: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)
    reader: InMemoryMetricReader = field(default_factory=InMemoryMetricReader)

    def __post_init__(self) -> None:
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_exporter))
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

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

    def spans_and_metrics_exported(self) -> list[str]:
        """Every string in what would leave: span names, attributes, statuses and events; metric attributes."""
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
        return texts
