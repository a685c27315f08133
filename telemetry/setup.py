"""Setting telemetry up once per process, from the environment.

Everything beyond the settings is imported only when telemetry is on: with it
off, the app loads nothing of it but the OpenTelemetry API (whose no-ops the
recording downloads use).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Mapping

from .settings import Exporter, TelemetrySettings

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from .wiring import Telemetry

log = logging.getLogger(__name__)

DEFAULT_SERVICE_NAME = "ivr-voice-bot"
#: The only logger whose records are exported: the recording audit. The app's own
#: log lines stay where they are (App Service's log stream).
EXPORTED_LOGGER = "telemetry"


def start_telemetry(env: Mapping[str, str] | None = None) -> Telemetry | None:
    """Providers, exporters and the aiohttp instrumentation from the environment; None when off.

    Call once per process, before the app is created (the aiohttp server
    instrumentation wraps `web.Application`).
    """
    settings = TelemetrySettings.from_env(env)
    if not settings.enabled:
        return None
    from .wiring import Telemetry

    if settings.azure_monitor:
        tracer_provider, meter_provider = _azure_monitor(settings)
    else:
        tracer_provider, meter_provider = _sdk(settings)
    instrument_aiohttp(tracer_provider, meter_provider)
    log.info("Telemetry on: %r", settings)
    return Telemetry(tracer_provider, meter_provider)


def instrument_aiohttp(tracer_provider: TracerProvider, meter_provider: MeterProvider) -> None:
    """The official aiohttp server and client instrumentations."""
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor

    AioHttpServerInstrumentor().instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    AioHttpClientInstrumentor().instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)


def uninstrument_aiohttp() -> None:
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor

    AioHttpServerInstrumentor().uninstrument()
    AioHttpClientInstrumentor().uninstrument()


def _azure_monitor(settings: TelemetrySettings) -> tuple[TracerProvider, MeterProvider]:
    from azure.monitor.opentelemetry import configure_azure_monitor
    from opentelemetry import metrics, trace

    from .privacy import DropQueryStrings

    # The distro fetches its own settings from a Microsoft endpoint at run time unless told not to.
    os.environ.setdefault("APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED", "true")
    options = {}
    if not os.environ.get("OTEL_TRACES_SAMPLER"):
        options["sampling_ratio"] = 1.0  # every call's whole trace; the distro's default keeps 5 traces a second
    configure_azure_monitor(
        connection_string=settings.azure_monitor_connection_string,
        logger_name=EXPORTED_LOGGER,
        span_processors=[DropQueryStrings()],
        resource=_resource(),
        enable_live_metrics=False,
        **options,
    )
    return trace.get_tracer_provider(), metrics.get_meter_provider()


def _resource():
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: DEFAULT_SERVICE_NAME}
    return Resource.create(attributes)


def _sdk(settings: TelemetrySettings) -> tuple[TracerProvider, MeterProvider]:
    from opentelemetry.sdk.metrics import MeterProvider as SdkMeterProvider
    from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    from .privacy import DropQueryStrings

    resource = _resource()
    tracer_provider = SdkTracerProvider(resource=resource)
    tracer_provider.add_span_processor(DropQueryStrings())
    if settings.traces is Exporter.OTLP:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    elif settings.traces is Exporter.CONSOLE:
        tracer_provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    readers = []
    if settings.metrics is Exporter.OTLP:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    elif settings.metrics is Exporter.CONSOLE:
        readers.append(PeriodicExportingMetricReader(ConsoleMetricExporter()))
    meter_provider = SdkMeterProvider(resource=resource, metric_readers=readers)
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    if settings.logs is not Exporter.NONE:
        _export_logs(settings.logs, resource)
    return tracer_provider, meter_provider


def _export_logs(exporter: Exporter, resource) -> None:
    from opentelemetry._logs import set_logger_provider
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogExporter

    provider = LoggerProvider(resource=resource)
    if exporter is Exporter.OTLP:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

        provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    else:
        provider.add_log_record_processor(BatchLogRecordProcessor(ConsoleLogExporter()))
    set_logger_provider(provider)
    logging.getLogger(EXPORTED_LOGGER).addHandler(LoggingHandler(logger_provider=provider))
