"""The `Telemetry` the app wires into each adapter: the call observer, the turn middleware, traced state."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from telephony.sdk import Middleware, Storage
from .calls import CallTelemetry, audit_log
from .instruments import CallMetrics
from .storage import TracedStorage
from .turns import TurnTelemetry

INSTRUMENTATION_NAME = "ivr-bot"


@dataclass
class Telemetry:
    """The instruments and the call observer, on the given providers (tests pass in-memory ones)."""

    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    metrics: CallMetrics = field(init=False)
    observer: CallTelemetry = field(init=False)

    def __post_init__(self) -> None:
        self.tracer = self.tracer_provider.get_tracer(INSTRUMENTATION_NAME)
        self.metrics = CallMetrics.on(self.meter_provider.get_meter(INSTRUMENTATION_NAME))
        self.observer = CallTelemetry(self.tracer, self.metrics)
        audit_log.setLevel(logging.INFO)  # the audit is emitted whatever LOG_LEVEL quietens

    def turn_middleware(self) -> Middleware:
        """Install first on an adapter: the turn's span encloses everything else."""
        return TurnTelemetry(self.tracer, self.metrics, self.observer)

    def traced(self, storage: Storage) -> Storage:
        return TracedStorage(storage, self.tracer)
